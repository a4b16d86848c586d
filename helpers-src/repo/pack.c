/* pack.c - write, read and verify packs, see pack.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "fb.h"
#include "fdio.h"
#include "pack.h"
#include "le.h"

#define READ_BUFFER (1024 * 1024)

struct pending {
    unsigned char id[BLOB_ID_BYTES];
    unsigned char *blob;
    guint32 len;
};

struct pack_writer {
    char *dir;
    GArray *pending;          /* struct pending */
    size_t bytes;
};

void
pack_info_free(struct pack_info *p)
{
    if (p == NULL)
        return;
    if (p->entries != NULL)
        g_array_unref(p->entries);
    g_free(p);
}

static void
pending_clear(gpointer data)
{
    g_free(((struct pending *)data)->blob);
}

struct pack_writer *
pack_writer_new(const char *dir)
{
    struct pack_writer *w = g_new0(struct pack_writer, 1);

    w->dir = g_strdup(dir);
    w->pending = g_array_new(FALSE, FALSE, sizeof(struct pending));
    g_array_set_clear_func(w->pending, pending_clear);
    return w;
}

void
pack_writer_free(struct pack_writer *w)
{
    if (w == NULL)
        return;
    g_array_unref(w->pending);
    g_free(w->dir);
    g_free(w);
}

static gboolean
write_all(int fd, const void *data, size_t len, crypto_generichash_state *h,
          const char *path, GError **error)
{
    crypto_generichash_update(h, data, len);
    return fd_write_all(fd, data, len, path, error);
}

/* Fisher-Yates with randombytes_uniform: the blobs' order in the pack. */
static void
shuffle(GArray *a)
{
    for (guint i = a->len; i > 1; i--) {
        guint j = randombytes_uniform(i);
        struct pending t = g_array_index(a, struct pending, i - 1);

        g_array_index(a, struct pending, i - 1) = g_array_index(a, struct pending, j);
        g_array_index(a, struct pending, j) = t;
    }
}

/* Blobs, table and count into fd; fills info's entries and size. */
static gboolean
write_body(struct pack_writer *w, int fd, const char *tmp, crypto_generichash_state *h,
           struct pack_info *info, GError **error)
{
    g_autofree unsigned char *table = g_malloc((gsize)w->pending->len * PACK_ENTRY_BYTES + 4);
    guint32 offset = PACK_MAGIC_BYTES;

    if (!write_all(fd, PACK_MAGIC, PACK_MAGIC_BYTES, h, tmp, error))
        return FALSE;
    for (guint i = 0; i < w->pending->len; i++) {
        const struct pending *p = &g_array_index(w->pending, struct pending, i);
        struct pack_entry e;
        unsigned char *t = table + (gsize)i * PACK_ENTRY_BYTES;

        if (!write_all(fd, p->blob, p->len, h, tmp, error))
            return FALSE;
        memcpy(e.id, p->id, BLOB_ID_BYTES);
        e.offset = offset;
        e.length = p->len;
        g_array_append_val(info->entries, e);
        memcpy(t, p->id, BLOB_ID_BYTES);
        le_put(t + 32, offset, 4);
        le_put(t + 36, p->len, 4);
        offset += p->len;
    }
    le_put(table + (gsize)w->pending->len * PACK_ENTRY_BYTES, w->pending->len, 4);
    info->size = (guint64)offset + (guint64)w->pending->len * PACK_ENTRY_BYTES + 4;
    return write_all(fd, table, (gsize)w->pending->len * PACK_ENTRY_BYTES + 4, h, tmp, error);
}

/* fsync, then rename tmp onto DIR/XX/NAME. */
static gboolean
commit(struct pack_writer *w, int fd, const char *tmp, const struct pack_info *info,
       GError **error)
{
    g_autofree char *sub = g_strndup(info->name, 2);
    g_autofree char *subdir = g_build_filename(w->dir, sub, NULL);
    g_autofree char *path = g_build_filename(subdir, info->name, NULL);
    int dfd;

    if (fsync(fd) != 0)
        return fb_sys_error(error, "cannot write", tmp);
    if (mkdir(subdir, 0755) != 0 && errno != EEXIST)
        return fb_sys_error(error, "cannot create", subdir);
    if (rename(tmp, path) != 0)
        return fb_sys_error(error, "cannot rename onto", path);
    if ((dfd = open(subdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return TRUE;
}

gboolean
pack_writer_flush(struct pack_writer *w, struct pack_info **done, GError **error)
{
    g_autofree char *tmp = g_build_filename(w->dir, ".pack.XXXXXX", NULL);
    g_autoptr(pack_info) info = NULL;
    crypto_generichash_state h;
    unsigned char digest[32];
    gboolean ok;
    int fd;

    *done = NULL;
    if (w->pending->len == 0)
        return TRUE;
    if ((fd = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC, 0644)) < 0)
        return fb_sys_error(error, "cannot create a pack in", w->dir);
    info = g_new0(struct pack_info, 1);
    info->entries = g_array_new(FALSE, FALSE, sizeof(struct pack_entry));
    shuffle(w->pending);
    crypto_generichash_init(&h, NULL, 0, sizeof digest);
    ok = write_body(w, fd, tmp, &h, info, error);
    crypto_generichash_final(&h, digest, sizeof digest);
    sodium_bin2hex(info->name, sizeof info->name, digest, sizeof digest);
    ok = ok && commit(w, fd, tmp, info, error);
    close(fd);
    if (!ok) {
        unlink(tmp);
        return FALSE;
    }
    g_array_set_size(w->pending, 0);
    w->bytes = 0;
    *done = g_steal_pointer(&info);
    return TRUE;
}

gboolean
pack_writer_add(struct pack_writer *w, const unsigned char id[BLOB_ID_BYTES],
                const unsigned char *blob, size_t len, struct pack_info **done, GError **error)
{
    struct pending p;

    memcpy(p.id, id, BLOB_ID_BYTES);
    p.blob = g_memdup2(blob, len);
    p.len = (guint32)len;
    g_array_append_val(w->pending, p);
    w->bytes += len;
    *done = NULL;
    if (w->bytes < PACK_TARGET_BYTES)
        return TRUE;
    return pack_writer_flush(w, done, error);
}

static struct pack_info *
damaged(GError **error, const char *path, const char *why)
{
    g_set_error(error, FB_ERROR, FB_EXIT_CORRUPT, "pack %s is damaged: %s", path, why);
    return NULL;
}

static gboolean
bad_table(GError **error, const char *path, const char *why)
{
    damaged(error, path, why);
    return FALSE;
}

static gboolean
pread_all(int fd, void *buf, size_t len, guint64 off, const char *path, GError **error)
{
    unsigned char *p = buf;

    while (len > 0) {
        ssize_t n = pread(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fb_sys_error(error, "cannot read", path);
        if (n == 0)
            return bad_table(error, path, "shorter than its table says");
        p += n;
        len -= (size_t)n;
        off += (guint64)n;
    }
    return TRUE;
}

/* Check the table's entries against each other and the file's size. */
static gboolean
table_check(const unsigned char *table, guint32 n, guint64 table_at, struct pack_info *info,
            const char *path, GError **error)
{
    g_autoptr(GHashTable) seen = g_hash_table_new(g_bytes_hash, g_bytes_equal);
    g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    guint64 expect = PACK_MAGIC_BYTES;

    for (guint32 i = 0; i < n; i++) {
        const unsigned char *t = table + (gsize)i * PACK_ENTRY_BYTES;
        struct pack_entry e;
        GBytes *key = g_bytes_new(t, BLOB_ID_BYTES);

        g_ptr_array_add(keep, key);
        memcpy(e.id, t, BLOB_ID_BYTES);
        e.offset = (guint32)le_get(t + 32, 4);
        e.length = (guint32)le_get(t + 36, 4);
        if (e.offset != expect)
            return bad_table(error, path, "its table has a gap or an overlap");
        if (e.length < BLOB_MIN_BYTES || e.length > BLOB_MAX_BYTES)
            return bad_table(error, path, "its table lists a blob of an impossible length");
        if (!g_hash_table_add(seen, key))
            return bad_table(error, path, "its table lists a blob twice");
        expect += e.length;
        g_array_append_val(info->entries, e);
    }
    if (expect != table_at)
        return bad_table(error, path, "its blobs do not end where its table starts");
    return TRUE;
}

static struct pack_info *
table_read(int fd, const char *path, guint64 size, GError **error)
{
    g_autoptr(pack_info) info = g_new0(struct pack_info, 1);
    g_autofree unsigned char *table = NULL;
    unsigned char head[PACK_MAGIC_BYTES], count[4];
    guint32 n;
    guint64 table_at;

    info->entries = g_array_new(FALSE, FALSE, sizeof(struct pack_entry));
    info->size = size;
    if (size < PACK_MIN_BYTES)
        return damaged(error, path, "too short to be a pack");
    if (!pread_all(fd, head, sizeof head, 0, path, error) ||
        !pread_all(fd, count, sizeof count, size - 4, path, error))
        return NULL;
    if (memcmp(head, PACK_MAGIC, PACK_MAGIC_BYTES) != 0) {
        g_set_error(error, FB_ERROR, FB_EXIT_FORMAT, "%s: not a pack of format v2 (unknown magic)",
                    path);
        return NULL;
    }
    n = (guint32)le_get(count, 4);
    if (n == 0 || (guint64)n * PACK_ENTRY_BYTES > size - PACK_MAGIC_BYTES - 4)
        return damaged(error, path, "its blob count does not fit its size");
    table_at = size - 4 - (guint64)n * PACK_ENTRY_BYTES;
    table = g_malloc((gsize)n * PACK_ENTRY_BYTES);
    if (!pread_all(fd, table, (gsize)n * PACK_ENTRY_BYTES, table_at, path, error) ||
        !table_check(table, n, table_at, info, path, error))
        return NULL;
    return g_steal_pointer(&info);
}

static int
open_pack(const char *path, guint64 *size, GError **error)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);

    if (fd < 0) {
        if (errno == ENOENT)
            g_set_error(error, FB_ERROR, FB_EXIT_CORRUPT, "pack %s is missing", path);
        else
            fb_sys_error(error, "cannot open", path);
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        damaged(error, path, "not a regular file");
        return -1;
    }
    *size = (guint64)st.st_size;
    return fd;
}

struct pack_info *
pack_read_table(const char *path, GError **error)
{
    guint64 size;
    struct pack_info *info;
    int fd = open_pack(path, &size, error);

    if (fd < 0)
        return NULL;
    info = table_read(fd, path, size, error);
    close(fd);
    return info;
}

static gboolean
hash_file(int fd, const char *path, guint64 size, char hex[PACK_NAME_CHARS + 1],
          GError **error)
{
    g_autofree unsigned char *buf = g_malloc(READ_BUFFER);
    crypto_generichash_state h;
    unsigned char digest[32];
    guint64 off = 0;

    crypto_generichash_init(&h, NULL, 0, sizeof digest);
    while (off < size) {
        size_t k = (size_t)MIN((guint64)READ_BUFFER, size - off);
        if (!pread_all(fd, buf, k, off, path, error))
            return FALSE;
        crypto_generichash_update(&h, buf, k);
        off += k;
    }
    crypto_generichash_final(&h, digest, sizeof digest);
    sodium_bin2hex(hex, PACK_NAME_CHARS + 1, digest, sizeof digest);
    return TRUE;
}

struct pack_info *
pack_verify(const char *path, const char *name, GError **error)
{
    g_autoptr(pack_info) info = NULL;
    guint64 size;
    int fd = open_pack(path, &size, error);
    gboolean ok;

    if (fd < 0)
        return NULL;
    info = table_read(fd, path, size, error);
    ok = info != NULL && hash_file(fd, path, size, info->name, error);
    close(fd);
    if (!ok)
        return NULL;
    if (name != NULL && strcmp(info->name, name) != 0)
        return damaged(error, path, "its BLAKE2b is not its name");
    return g_steal_pointer(&info);
}

gboolean
pack_read_blob(int fd, const char *path, const struct pack_entry *e, unsigned char *buf,
               GError **error)
{
    return pread_all(fd, buf, e->length, e->offset, path, error);
}
