/* mac_text.c - MAC'd text records, see mac_text.h. */
#include <string.h>

#include <sodium.h>

#include "fb.h"
#include "hex.h"
#include "mac_text.h"

#define MAC_BYTES 32
#define MAC_LINE_BYTES (4 + 2 * MAC_BYTES + 1)   /* "mac " HEX "\n" */

static void
mac_hex(const unsigned char key[MAC_TEXT_KEYBYTES], const char *text, gsize len,
        char out[2 * MAC_BYTES + 1])
{
    unsigned char mac[MAC_BYTES];

    crypto_generichash(mac, sizeof mac, (const unsigned char *)text, len, key, MAC_TEXT_KEYBYTES);
    sodium_bin2hex(out, 2 * MAC_BYTES + 1, mac, sizeof mac);
}

void
mac_text_append(GString *s, const unsigned char key[MAC_TEXT_KEYBYTES])
{
    char hex[2 * MAC_BYTES + 1];

    mac_hex(key, s->str, s->len, hex);
    g_string_append_printf(s, "mac %s\n", hex);
}

gboolean
mac_text_check(const char *text, gsize len, const unsigned char *key, const char *what,
               gsize *body_len, GError **error)
{
    const char *line;
    char want[2 * MAC_BYTES + 1];

    if (len == 0 || memchr(text, '\0', len) != NULL || text[len - 1] != '\n') {
        g_set_error(error, FB_ERROR, FB_EXIT_CORRUPT, "%s damaged: not a text file ending with "
                    "a newline", what);
        return FALSE;
    }
    line = text + len - MAC_LINE_BYTES;
    if (len < MAC_LINE_BYTES || (line > text && line[-1] != '\n') || strncmp(line, "mac ", 4) != 0
        || !hex_lower(line + 4, 2 * MAC_BYTES, 2 * MAC_BYTES)) {
        g_set_error(error, FB_ERROR, FB_EXIT_CORRUPT, "%s damaged: the mac line is not the last "
                    "line", what);
        return FALSE;
    }
    *body_len = (gsize)(line - text);
    if (key == NULL)
        return TRUE;
    mac_hex(key, text, *body_len, want);
    if (sodium_memcmp(want, line + 4, 2 * MAC_BYTES) != 0) {
        g_set_error(error, FB_ERROR, FB_EXIT_CORRUPT, "%s fails authentication (MAC): altered, "
                    "or made with another key", what);
        return FALSE;
    }
    return TRUE;
}
