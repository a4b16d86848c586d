/* hex.c - lowercase hexadecimal, see hex.h. */
#include <string.h>

#include <sodium.h>

#include "hex.h"

gboolean
hex_lower(const char *s, gsize len, gsize want)
{
    if (len != want)
        return FALSE;
    for (gsize i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return FALSE;
    return TRUE;
}

gboolean
hex_decode(const char *s, unsigned char *out, gsize n)
{
    gsize got = 0;

    return hex_lower(s, strlen(s), 2 * n) &&
           sodium_hex2bin(out, n, s, 2 * n, NULL, &got, NULL) == 0 && got == n;
}
