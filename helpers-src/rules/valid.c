/* valid.c - the rules for host names, IP addresses, ports and mail addresses. */
#include <arpa/inet.h>
#include <string.h>

#include "valid.h"

gboolean
fb_ip_valid(const char *s)
{
    unsigned char buf[sizeof(struct in6_addr)];

    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* One label of a DNS name, len bytes at s. */
static gboolean
label_valid(const char *s, size_t len)
{
    if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
        return FALSE;
    for (size_t i = 0; i < len; i++)
        if (!g_ascii_isalnum(s[i]) && s[i] != '_' && s[i] != '-')
            return FALSE;
    return TRUE;
}

gboolean
fb_hostname_valid(const char *s)
{
    size_t len = strlen(s);
    const char *label = s, *last = s;

    if (len == 0 || len > 253)
        return FALSE;
    for (const char *dot = strchr(s, '.'); ; dot = strchr(label, '.')) {
        size_t n = dot != NULL ? (size_t)(dot - label) : strlen(label);
        if (!label_valid(label, n))
            return FALSE;
        last = label;
        if (dot == NULL)
            break;
        label = dot + 1;
    }
    return strspn(last, "0123456789") != strlen(last);
}

gboolean
fb_host_valid(const char *s)
{
    return fb_ip_valid(s) || fb_hostname_valid(s);
}

gboolean
fb_port_valid(const char *s, unsigned int *port)
{
    size_t len = strlen(s);
    guint64 n;

    if (len == 0 || len > 5 || s[0] == '0' || strspn(s, "0123456789") != len)
        return FALSE;
    n = g_ascii_strtoull(s, NULL, 10);
    if (n < 1 || n > 65535)
        return FALSE;
    *port = (unsigned int)n;
    return TRUE;
}

gboolean
fb_mail_valid(const char *s)
{
    static const char local_chars[] = "._%+=-";
    const char *at = strchr(s, '@');
    size_t local_len = at != NULL ? (size_t)(at - s) : strlen(s);

    if (local_len == 0 || s[0] == '-')
        return FALSE;
    for (size_t i = 0; i < local_len; i++)
        if (!g_ascii_isalnum(s[i]) && strchr(local_chars, s[i]) == NULL)
            return FALSE;
    return at == NULL || fb_hostname_valid(at + 1);
}
