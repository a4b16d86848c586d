/* tar.c - streaming tar reader (ustar, pax, GNU), see tar.h. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fb.h"
#include "tar.h"

/* ustar header layout (offset, length) */
#define H_NAME 0
#define H_NAME_LEN 100
#define H_SIZE 124
#define H_SIZE_LEN 12
#define H_CHKSUM 148
#define H_CHKSUM_LEN 8
#define H_TYPE 156
#define H_LINK 157
#define H_LINK_LEN 100
#define H_MAGIC 257
#define H_DEVMAJOR 329
#define H_DEVMINOR 337
#define H_DEV_LEN 8
#define H_PREFIX 345
#define H_PREFIX_LEN 155

struct pending {               /* extended data that applies to the next entry */
    GString *path, *link;
    gboolean has_path, has_link, has_size;
    guint64 size;
};

struct tar_reader {
    int fd;
    char *name;
    unsigned char *buf;        /* unread bytes are buf[pos, len) */
    gsize pos, len;
    gboolean eof, ended;
    guint64 offset;            /* archive offset of buf[pos] */
    guint64 data_left, pad_left;
    unsigned char hdr[TAR_BLOCK];
    GString *ext;              /* raw data of an extended header */
    struct pending pax, gnu;
    GString *path, *link;
    struct tar_entry entry;
};

struct tar_reader *
tar_reader_new(int fd, const char *name)
{
    struct tar_reader *r = g_new0(struct tar_reader, 1);

    r->fd = fd;
    r->name = g_strdup(name);
    r->buf = g_malloc(TAR_BUFFER);
    r->ext = g_string_new(NULL);
    r->pax.path = g_string_new(NULL);
    r->pax.link = g_string_new(NULL);
    r->gnu.path = g_string_new(NULL);
    r->gnu.link = g_string_new(NULL);
    r->path = g_string_new(NULL);
    r->link = g_string_new(NULL);
    return r;
}

void
tar_reader_free(struct tar_reader *r)
{
    if (r == NULL)
        return;
    g_free(r->name);
    g_free(r->buf);
    g_string_free(r->ext, TRUE);
    g_string_free(r->pax.path, TRUE);
    g_string_free(r->pax.link, TRUE);
    g_string_free(r->gnu.path, TRUE);
    g_string_free(r->gnu.link, TRUE);
    g_string_free(r->path, TRUE);
    g_string_free(r->link, TRUE);
    g_free(r);
}

static void
assign_len(GString *s, const char *v, gssize n)
{
    g_string_truncate(s, 0);
    g_string_append_len(s, v, n);
}

static gboolean
malformed(struct tar_reader *r, GError **error, guint64 at, const char *what)
{
    g_set_error(error, FB_ERROR, FB_EXIT_INPUT, "%s: %s at offset %" G_GUINT64_FORMAT,
                r->name, what, at);
    return FALSE;
}

/* Make at least `need` bytes (<= TAR_BUFFER) available unless EOF comes first. */
static gboolean
fill(struct tar_reader *r, gsize need, GError **error)
{
    while (r->len - r->pos < need && !r->eof) {
        if (r->pos > 0) {
            memmove(r->buf, r->buf + r->pos, r->len - r->pos);
            r->len -= r->pos;
            r->pos = 0;
        }
        ssize_t n = read(r->fd, r->buf + r->len, TAR_BUFFER - r->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "%s: read: %s", r->name, g_strerror(e));
            return FALSE;
        }
        if (n == 0)
            r->eof = TRUE;
        r->len += (gsize)n;
    }
    return TRUE;
}

static void
consume(struct tar_reader *r, gsize n)
{
    r->pos += n;
    r->offset += n;
}

static gboolean
skip(struct tar_reader *r, guint64 n, GError **error)
{
    while (n > 0) {
        if (r->pos == r->len && !fill(r, 1, error))
            return FALSE;
        if (r->pos == r->len)
            return malformed(r, error, r->offset, "truncated archive (short data)");
        gsize take = MIN((guint64)(r->len - r->pos), n);
        consume(r, take);
        n -= take;
    }
    return TRUE;
}

gboolean
tar_reader_data(struct tar_reader *r, const unsigned char **data, gsize *len,
                GError **error)
{
    *data = NULL;
    *len = 0;
    if (r->data_left == 0)
        return TRUE;
    if (r->pos == r->len && !fill(r, 1, error))
        return FALSE;
    if (r->pos == r->len)
        return malformed(r, error, r->offset, "truncated archive (short data)");
    *len = MIN((guint64)(r->len - r->pos), r->data_left);
    *data = r->buf + r->pos;
    consume(r, *len);
    r->data_left -= *len;
    return TRUE;
}

static gboolean
finish_entry(struct tar_reader *r, GError **error)
{
    guint64 n = r->data_left + r->pad_left;

    r->data_left = 0;
    r->pad_left = 0;
    return skip(r, n, error);
}

/* Octal with optional leading spaces and trailing spaces/NULs, or GNU
 * base-256 (first byte 0x80). Negative base-256 numbers are refused. */
static gboolean
parse_number(const unsigned char *f, gsize n, guint64 *out)
{
    guint64 v = 0;
    gsize i = 0;

    if (f[0] & 0x80) {
        if (f[0] != 0x80)
            return FALSE;
        for (i = 1; i < n; i++) {
            if (v >> 56)
                return FALSE;
            v = (v << 8) | f[i];
        }
        *out = v;
        return TRUE;
    }
    while (i < n && f[i] == ' ')
        i++;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
        if (v >> 61)
            return FALSE;
        v = v * 8 + (guint64)(f[i] - '0');
    }
    while (i < n && (f[i] == ' ' || f[i] == '\0'))
        i++;
    *out = v;
    return i == n;
}

/* The stored sum counts the checksum field as spaces; some old writers
 * summed signed chars, so both sums are accepted. */
static gboolean
checksum_ok(const unsigned char *h)
{
    guint64 stored, usum = 0;
    gint64 ssum = 0;

    if (!parse_number(h + H_CHKSUM, H_CHKSUM_LEN, &stored))
        return FALSE;
    for (gsize i = 0; i < TAR_BLOCK; i++) {
        unsigned char c = (i >= H_CHKSUM && i < H_CHKSUM + H_CHKSUM_LEN) ? ' ' : h[i];
        usum += c;
        ssum += (signed char)c;
    }
    return stored == usum || (gint64)stored == ssum;
}

static gboolean
all_zero(const unsigned char *b)
{
    for (gsize i = 0; i < TAR_BLOCK; i++)
        if (b[i] != 0)
            return FALSE;
    return TRUE;
}

/* Read one header block into r->hdr; *end is TRUE for a zero block. */
static gboolean
read_header(struct tar_reader *r, gboolean *end, GError **error)
{
    guint64 at = r->offset;

    if (!fill(r, TAR_BLOCK, error))
        return FALSE;
    if (r->len - r->pos < TAR_BLOCK)
        return malformed(r, error, at, r->len == r->pos
                         ? "truncated archive (no end-of-archive marker)"
                         : "truncated archive (short header)");
    memcpy(r->hdr, r->buf + r->pos, TAR_BLOCK);
    consume(r, TAR_BLOCK);
    *end = all_zero(r->hdr);
    if (*end || checksum_ok(r->hdr))
        return TRUE;
    if (at == 0 && r->hdr[0] == 0x1f && r->hdr[1] == 0x8b)
        return malformed(r, error, at, "compressed (gzip) archive, decompress it first");
    return malformed(r, error, at, "bad header checksum (not a tar archive, or damaged)");
}

/* Read the data of an extended header ('x', 'L', 'K') into r->ext. */
static gboolean
read_extended(struct tar_reader *r, guint64 at, GError **error)
{
    const unsigned char *d;
    gsize n;

    if (r->data_left > TAR_MAX_EXTENDED)
        return malformed(r, error, at, "extended header too large");
    g_string_truncate(r->ext, 0);
    do {
        if (!tar_reader_data(r, &d, &n, error))
            return FALSE;
        g_string_append_len(r->ext, (const char *)d, (gssize)n);
    } while (n > 0);
    return finish_entry(r, error);
}

static gboolean
pax_decimal(const char *v, gsize n, guint64 *out)
{
    guint64 x = 0;

    if (n == 0 || n > 19)
        return FALSE;
    for (gsize i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return FALSE;
        x = x * 10 + (guint64)(v[i] - '0');
    }
    *out = x;
    return TRUE;
}

/* Apply one "key=value" record; an empty value unsets the key. */
static gboolean
pax_apply(struct tar_reader *r, const char *k, gsize kn, const char *v, gsize vn,
          guint64 at, GError **error)
{
    gboolean set = vn > 0;

    if (kn == 4 && memcmp(k, "path", 4) == 0) {
        assign_len(r->pax.path, v, (gssize)vn);
        r->pax.has_path = set;
    } else if (kn == 8 && memcmp(k, "linkpath", 8) == 0) {
        assign_len(r->pax.link, v, (gssize)vn);
        r->pax.has_link = set;
    } else if (kn == 4 && memcmp(k, "size", 4) == 0) {
        r->pax.has_size = set;
        if (set && !pax_decimal(v, vn, &r->pax.size))
            return malformed(r, error, at, "bad pax size record");
    } else if (kn > 11 && memcmp(k, "GNU.sparse.", 11) == 0) {
        return malformed(r, error, at, "sparse file, not supported");
    }
    if (memchr(v, '\0', vn) != NULL)
        return malformed(r, error, at, "NUL byte in pax record");
    return TRUE;
}

/* Records are "LEN KEY=VALUE\n", LEN counting the whole record. */
static gboolean
pax_parse(struct tar_reader *r, guint64 at, GError **error)
{
    const char *b = r->ext->str;
    gsize len = r->ext->len, p = 0;

    while (p < len && b[p] != '\0') {
        gsize q = p, n = 0;
        while (q < len && b[q] >= '0' && b[q] <= '9' && n <= len)
            n = n * 10 + (gsize)(b[q++] - '0');
        if (q == p || q >= len || b[q] != ' ' || n > len - p || n < q - p + 3 ||
            b[p + n - 1] != '\n')
            return malformed(r, error, at, "bad pax record");
        const char *k = b + q + 1, *end = b + p + n - 1;
        const char *eq = memchr(k, '=', (gsize)(end - k));
        if (eq == NULL || eq == k)
            return malformed(r, error, at, "bad pax record");
        if (!pax_apply(r, k, (gsize)(eq - k), eq + 1, (gsize)(end - eq - 1), at, error))
            return FALSE;
        p += n;
    }
    return TRUE;
}

/* GNU 'L' / 'K' data is a NUL-terminated name. */
static void
gnu_take(struct tar_reader *r, GString *dst, gboolean *has)
{
    g_string_assign(dst, r->ext->str);
    *has = TRUE;
}

static void
header_path(struct tar_reader *r)
{
    const char *h = (const char *)r->hdr;
    gboolean posix = memcmp(h + H_MAGIC, "ustar\0", 6) == 0;
    gsize plen = posix ? strnlen(h + H_PREFIX, H_PREFIX_LEN) : 0;

    g_string_truncate(r->path, 0);
    if (plen > 0) {
        g_string_append_len(r->path, h + H_PREFIX, (gssize)plen);
        g_string_append_c(r->path, '/');
    }
    g_string_append_len(r->path, h + H_NAME, (gssize)strnlen(h + H_NAME, H_NAME_LEN));
}

static gboolean
map_type(struct tar_reader *r, char t, guint64 at, enum tar_type *type, GError **error)
{
    switch (t) {
    case '0': case '\0': case '7': *type = TAR_REGULAR; return TRUE;
    case '1': *type = TAR_HARDLINK; return TRUE;
    case '2': *type = TAR_SYMLINK; return TRUE;
    case '5': case 'D': *type = TAR_DIRECTORY; return TRUE;
    case '3': case '4': case '6': *type = TAR_SPECIAL; return TRUE;
    case 'S': return malformed(r, error, at, "sparse file, not supported");
    case 'M': return malformed(r, error, at, "multi-volume archive, not supported");
    default: break;
    }
    g_autofree char *what = g_strdup_printf("unsupported entry type 0x%02x", (unsigned char)t);
    return malformed(r, error, at, what);
}

static gboolean
make_entry(struct tar_reader *r, guint64 at, const struct tar_entry **entry, GError **error)
{
    const char *h = (const char *)r->hdr;
    struct tar_entry *e = &r->entry;

    if (!map_type(r, h[H_TYPE], at, &e->type, error))
        return FALSE;
    if (r->pax.has_path)
        g_string_assign(r->path, r->pax.path->str);
    else if (r->gnu.has_path)
        g_string_assign(r->path, r->gnu.path->str);
    else
        header_path(r);
    if (r->pax.has_link)
        g_string_assign(r->link, r->pax.link->str);
    else if (r->gnu.has_link)
        g_string_assign(r->link, r->gnu.link->str);
    else
        assign_len(r->link, h + H_LINK, (gssize)strnlen(h + H_LINK, H_LINK_LEN));
    if (r->pax.has_size) {
        r->data_left = r->pax.size;
        r->pad_left = (TAR_BLOCK - r->pax.size % TAR_BLOCK) % TAR_BLOCK;
    }
    /* v7: a plain file whose name ends in '/' is a directory */
    if (h[H_TYPE] == '\0' && r->path->len > 0 && r->path->str[r->path->len - 1] == '/')
        e->type = TAR_DIRECTORY;
    if (e->type != TAR_HARDLINK && e->type != TAR_SYMLINK)
        g_string_truncate(r->link, 0);
    e->typeflag = h[H_TYPE];
    e->devmajor = e->devminor = 0;
    if ((e->typeflag == '3' || e->typeflag == '4') &&
        (!parse_number(r->hdr + H_DEVMAJOR, H_DEV_LEN, &e->devmajor) ||
         !parse_number(r->hdr + H_DEVMINOR, H_DEV_LEN, &e->devminor)))
        return malformed(r, error, at, "bad device number field");
    r->pax.has_path = r->pax.has_link = r->pax.has_size = FALSE;
    r->gnu.has_path = r->gnu.has_link = FALSE;
    e->path = r->path->str;
    e->linkname = r->link->str;
    e->size = r->data_left;
    e->offset = at;
    *entry = e;
    return TRUE;
}

/* Handle a header that only carries data for the next one; *used is FALSE
 * when the header is an entry of its own. */
static gboolean
meta_header(struct tar_reader *r, guint64 at, gboolean *used, GError **error)
{
    char t = (char)r->hdr[H_TYPE];

    *used = TRUE;
    switch (t) {
    case 'x':
        return read_extended(r, at, error) && pax_parse(r, at, error);
    case 'L':
        if (!read_extended(r, at, error))
            return FALSE;
        gnu_take(r, r->gnu.path, &r->gnu.has_path);
        return TRUE;
    case 'K':
        if (!read_extended(r, at, error))
            return FALSE;
        gnu_take(r, r->gnu.link, &r->gnu.has_link);
        return TRUE;
    case 'g': case 'V':   /* global pax defaults, volume label: not entries */
        return finish_entry(r, error);
    default:
        *used = FALSE;
        return TRUE;
    }
}

gboolean
tar_reader_next(struct tar_reader *r, const struct tar_entry **entry, GError **error)
{
    *entry = NULL;
    if (r->ended)
        return TRUE;
    if (!finish_entry(r, error))
        return FALSE;
    for (;;) {
        guint64 at = r->offset, size;
        gboolean end, used;

        if (!read_header(r, &end, error))
            return FALSE;
        if (end) {
            if (r->pax.has_path || r->pax.has_link || r->pax.has_size ||
                r->gnu.has_path || r->gnu.has_link)
                return malformed(r, error, at, "extended header without an entry");
            r->ended = TRUE;
            return TRUE;
        }
        if (!parse_number(r->hdr + H_SIZE, H_SIZE_LEN, &size))
            return malformed(r, error, at, "bad size field");
        r->data_left = size;
        r->pad_left = (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK;
        if (!meta_header(r, at, &used, error))
            return FALSE;
        if (!used)
            return make_entry(r, at, entry, error);
    }
}
