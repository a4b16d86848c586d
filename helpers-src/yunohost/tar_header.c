/* tar_header.c - one member's header bytes as tarfile writes them, see tar_header.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tar_header.h"

/* Whether v is written in an octal field of that many bytes (digits + NUL). */
static gboolean
fits(guint64 v, int field)
{
    return v < ((guint64)1 << (3 * (field - 1)));
}

static void
octal(unsigned char *f, int field, guint64 v)
{
    char s[32];

    g_snprintf(s, sizeof s, "%0*" G_GINT64_MODIFIER "o", field - 1, fits(v, field) ? v : 0);
    memcpy(f, s, (gsize)field - 1);
    f[field - 1] = '\0';
}

/* Bytes of s that begin a valid UTF-8 character at p, or 0. */
static gsize
utf8_char(const char *p, gsize left)
{
    gunichar c = g_utf8_get_char_validated(p, (gssize)left);

    if (c == (gunichar)-1 || c == (gunichar)-2)
        return 0;
    return (gsize)(g_utf8_next_char(p) - p);
}

/* s as tarfile's stn(s, max, "ascii", "replace"): ASCII kept, every other
 * character (or invalid byte) one '?', truncated to max bytes. */
static void
ascii_field(unsigned char *f, const char *s, gsize max)
{
    gsize left = strlen(s), n = 0;

    while (left > 0 && n < max) {
        gsize k = (unsigned char)*s < 0x80 ? 1 : utf8_char(s, left);
        f[n++] = (unsigned char)*s < 0x80 ? (unsigned char)*s : '?';
        k = k == 0 ? 1 : k;
        s += k;
        left -= k;
    }
}

static gboolean
plain(const char *s, gsize max)
{
    if (strlen(s) > max)
        return FALSE;
    for (; *s != '\0'; s++)
        if ((unsigned char)*s >= 0x80)
            return FALSE;
    return TRUE;
}

static gboolean
reads_back(double v, int p, char s[40])
{
    g_snprintf(s, 40, "%.*e", p - 1, v);
    return strtod(s, NULL) == v;
}

/* A power of two: the one case where more digits can stop reading back. */
static gboolean
power_of_two(double v)
{
    guint64 bits;

    memcpy(&bits, &v, sizeof bits);
    return (bits & ((G_GUINT64_CONSTANT(1) << 52) - 1)) == 0;
}

/* Shortest digits that read back as v (the nearest such string), as
 * Python's repr finds them: digits into d, the decimal exponent of the
 * first digit into *exp. Elsewhere than at a power of two, reading back is
 * monotonic in the number of digits: a binary search finds the shortest. */
static void
shortest_digits(double v, char d[24], int *exp)
{
    char s[40];
    int lo = 1, hi = 17;

    if (power_of_two(v)) {
        while (lo < hi && !reads_back(v, lo, s))
            lo++;
    } else {
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (reads_back(v, mid, s))
                hi = mid;
            else
                lo = mid + 1;
        }
    }
    reads_back(v, lo, s);
    char *e = strchr(s, 'e');
    gsize n = 0;

    *exp = atoi(e + 1);
    for (const char *c = s; c < e; c++)
        if (*c >= '0' && *c <= '9')
            d[n++] = *c;
    while (n > 1 && d[n - 1] == '0')
        n--;
    d[n] = '\0';
}

/* repr() of a finite, non-negative double, as CPython's 'r' format. */
static void
py_repr(double v, char buf[32])
{
    char d[24];
    int exp, n, decpt;
    GString *s = g_string_sized_new(32);

    shortest_digits(v < 0 ? -v : v, d, &exp);
    n = (int)strlen(d);
    decpt = exp + 1;
    if (v < 0)
        g_string_append_c(s, '-');
    if (decpt <= -4 || decpt > 16) {
        g_string_append_c(s, d[0]);
        if (n > 1)
            g_string_append_printf(s, ".%s", d + 1);
        g_string_append_printf(s, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
    } else if (decpt <= 0) {
        g_string_append_printf(s, "0.%.*s%s", -decpt, "0000", d);
    } else if (decpt < n) {
        g_string_append_printf(s, "%.*s.%s", decpt, d, d + decpt);
    } else {
        g_string_append_printf(s, "%s%.*s.0", d, decpt - n, "0000000000000000");
    }
    g_strlcpy(buf, s->str, 32);
    g_string_free(s, TRUE);
}

static double
mtime_float(gint64 sec, long nsec)
{
    return (double)sec + (double)nsec * 1e-9;
}

void
tar_header_mtime_text(gint64 sec, long nsec, char buf[32])
{
    if (nsec == 0 && sec >= 0 && sec < (G_GINT64_CONSTANT(1) << 53))
        g_snprintf(buf, 32, "%" G_GINT64_FORMAT ".0", sec);   /* exact: Python's repr */
    else
        py_repr(mtime_float(sec, nsec), buf);
}

/* "LEN KEY=VALUE\n", LEN counting the whole record. */
static void
pax_record(GString *pax, const char *key, const char *value)
{
    gsize base = strlen(key) + strlen(value) + 3, len = base;
    char digits[24];

    for (;;) {
        gsize n = base + (gsize)g_snprintf(digits, sizeof digits, "%" G_GSIZE_FORMAT, len);
        if (n == len)
            break;
        len = n;
    }
    g_string_append_printf(pax, "%" G_GSIZE_FORMAT " %s=%s\n", len, key, value);
}

static void
pax_string(GString *pax, const char *key, const char *value, gsize max)
{
    if (!plain(value, max))
        pax_record(pax, key, value);
}

static void
pax_number(GString *pax, const char *key, guint64 v, int field)
{
    char s[24];

    if (fits(v, field))
        return;
    g_snprintf(s, sizeof s, "%" G_GUINT64_FORMAT, v);
    pax_record(pax, key, s);
}

static GString *
pax_for(const struct tar_member *m)
{
    GString *pax = g_string_new(NULL);
    char mtime[32];

    if (!g_utf8_validate(m->name, -1, NULL) || !g_utf8_validate(m->link, -1, NULL) ||
        !g_utf8_validate(m->uname, -1, NULL) || !g_utf8_validate(m->gname, -1, NULL))
        g_string_append(pax, "21 hdrcharset=BINARY\n");
    pax_string(pax, "path", m->name, 100);
    pax_string(pax, "linkpath", m->link, 100);
    pax_string(pax, "uname", m->uname, 32);
    pax_string(pax, "gname", m->gname, 32);
    pax_number(pax, "uid", m->uid, 8);
    pax_number(pax, "gid", m->gid, 8);
    pax_number(pax, "size", m->size, 12);
    tar_header_mtime_text(m->mtime_sec, m->mtime_nsec, mtime);
    pax_record(pax, "mtime", mtime);
    return pax;
}

/* The ustar mtime field: the float rounded half to even, 0 when out of range. */
static guint64
mtime_field(const struct tar_member *m)
{
    double v = mtime_float(m->mtime_sec, m->mtime_nsec), f;
    guint64 r;

    if (!(v >= 0 && v < 8589934592.0))
        return 0;
    r = (guint64)v;
    f = v - (double)r;
    if (f > 0.5 || (f == 0.5 && (r & 1) != 0))
        r++;
    return fits(r, 12) ? r : 0;
}

static void
seal(unsigned char *h)
{
    unsigned int sum = 0;

    memset(h + 148, ' ', 8);
    for (int i = 0; i < TAR_HEADER_BLOCK; i++)
        sum += h[i];
    g_snprintf((char *)h + 148, 8, "%06o", sum);
    h[155] = ' ';
}

static void
ustar(GString *out, const struct tar_member *m, guint64 mtime)
{
    unsigned char h[TAR_HEADER_BLOCK];

    memset(h, 0, sizeof h);
    ascii_field(h, m->name, 100);
    octal(h + 100, 8, m->mode & 07777);
    octal(h + 108, 8, m->uid);
    octal(h + 116, 8, m->gid);
    octal(h + 124, 12, m->size);
    octal(h + 136, 12, mtime);
    h[156] = (unsigned char)m->type;
    ascii_field(h + 157, m->link, 100);
    memcpy(h + 257, "ustar\0" "00", 8);
    ascii_field(h + 265, m->uname, 32);
    ascii_field(h + 297, m->gname, 32);
    if (m->type == '3' || m->type == '4') {
        octal(h + 329, 8, m->devmajor);
        octal(h + 337, 8, m->devminor);
    }
    seal(h);
    g_string_append_len(out, (const char *)h, sizeof h);
}

void
tar_header_append(GString *out, const struct tar_member *m)
{
    g_autoptr(GString) pax = pax_for(m);
    struct tar_member x = { .type = 'x', .name = "././@PaxHeader", .link = "",
                            .uname = "", .gname = "", .size = pax->len };
    static const char zero[TAR_HEADER_BLOCK];

    ustar(out, &x, 0);
    g_string_append_len(out, pax->str, (gssize)pax->len);
    g_string_append_len(out, zero, (gssize)((TAR_HEADER_BLOCK - pax->len % TAR_HEADER_BLOCK) %
                                            TAR_HEADER_BLOCK));
    ustar(out, m, mtime_field(m));
}
