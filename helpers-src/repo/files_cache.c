/* files_cache.c - chunk ids of unchanged files, see files_cache.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "chunker.h"
#include "fb.h"
#include "fdio.h"
#include "files_cache.h"
#include "outfile.h"
#include "le.h"

#define KEY_BYTES 32
#define MAC_BYTES 32
#define FIXED_BYTES (FILES_CACHE_PATH_BYTES + 5 * 8 + 4)
#define TRAILER_BYTES (8 + MAC_BYTES)
#define FLUSH_BYTES ((gsize)1024 * 1024)

struct files_cache {
    unsigned char *key;            /* KEY_BYTES, sodium_malloc */
    GMappedFile *old;
    GHashTable *entries;           /* path hash (in old) -> record (in old) */
    struct out_file out;
    GString *buf;                  /* new records not yet written */
    crypto_generichash_state mac;
    guint64 count;
    gint64 racy_from;              /* ns: times from here on are not cached */
    gboolean failed;
};

static guint
hash16(gconstpointer p)
{
    return (guint)le_get(p, 4);
}

static gboolean
equal16(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, FILES_CACHE_PATH_BYTES) == 0;
}

static void
path_key(const struct files_cache *fc, const char *path, unsigned char out[FILES_CACHE_PATH_BYTES])
{
    crypto_generichash(out, FILES_CACHE_PATH_BYTES, (const unsigned char *)path, strlen(path),
                       fc->key, KEY_BYTES);
}

static guint64
ns(const struct timespec *t)
{
    return (guint64)((gint64)t->tv_sec * 1000000000 + (gint64)t->tv_nsec);
}

/* The fields an entry is checked on, as stored. */
static void
stat_fields(const struct stat *st, guint64 f[5])
{
    f[0] = (guint64)st->st_dev;
    f[1] = (guint64)st->st_ino;
    f[2] = (guint64)st->st_size;
    f[3] = ns(&st->st_mtim);
    f[4] = ns(&st->st_ctim);
}

/* --- loading the old cache --------------------------------------------------- */

static gboolean
ignored(const char *path, const char *why)
{
    fprintf(stderr, "fallback: files cache %s ignored (%s): its files are read again\n", path,
            why);
    return FALSE;
}

/* Chunk counts a file of size bytes can have (see doc/repository-format.md, "Chunks"). */
static gboolean
count_fits(guint64 size, guint64 k)
{
    if (size == 0)
        return k == 0;
    return k >= 1 && k <= size / CHUNK_MIN + 1 && k >= (size + CHUNK_MAX - 1) / CHUNK_MAX;
}

static gboolean
parse_records(struct files_cache *fc, const unsigned char *p, gsize len, const char *path)
{
    gsize off = FILES_CACHE_MAGIC_BYTES, end = len - TRAILER_BYTES;
    guint64 count = 0;

    while (off < end) {
        const unsigned char *r = p + off;
        guint64 k;

        if (end - off < FIXED_BYTES)
            return ignored(path, "a record is cut short");
        k = le_get(r + FIXED_BYTES - 4, 4);
        if (!count_fits(le_get(r + FILES_CACHE_PATH_BYTES + 16, 8), k))
            return ignored(path, "a chunk count does not fit its file's size");
        if ((end - off - FIXED_BYTES) / BLOB_ID_BYTES < k)
            return ignored(path, "a record is cut short");
        g_hash_table_replace(fc->entries, (gpointer)r, (gpointer)r);
        off += FIXED_BYTES + (gsize)k * BLOB_ID_BYTES;
        count++;
    }
    if (count != le_get(p + end, 8))
        return ignored(path, "wrong record count");
    return TRUE;
}

static gboolean
load_old(struct files_cache *fc, const char *path)
{
    g_autoptr(GError) e = NULL;
    unsigned char mac[MAC_BYTES];
    const unsigned char *p;
    gsize len;

    fc->old = g_mapped_file_new(path, FALSE, &e);
    if (fc->old == NULL)
        return g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT) ? FALSE
                                                                     : ignored(path, e->message);
    p = (const unsigned char *)g_mapped_file_get_contents(fc->old);
    len = g_mapped_file_get_length(fc->old);
    if (len < FILES_CACHE_MAGIC_BYTES + TRAILER_BYTES ||
        memcmp(p, FILES_CACHE_MAGIC, FILES_CACHE_MAGIC_BYTES - 1) != 0)
        return ignored(path, "not a files cache");
    if (p[FILES_CACHE_MAGIC_BYTES - 1] != (unsigned char)FILES_CACHE_MAGIC[7])
        return ignored(path, "another version");
    crypto_generichash(mac, sizeof mac, p, len - MAC_BYTES, fc->key, KEY_BYTES);
    if (sodium_memcmp(mac, p + len - MAC_BYTES, MAC_BYTES) != 0)
        return ignored(path, "damaged, or made with another key");
    return parse_records(fc, p, len, path);
}

/* --- the new cache ------------------------------------------------------------- */

static gboolean
flush(struct files_cache *fc, GError **error)
{
    if (!fd_write_all(fc->out.fd, fc->buf->str, fc->buf->len, fc->out.tmp, error)) {
        fc->failed = TRUE;
        return FALSE;
    }
    g_string_truncate(fc->buf, 0);
    return TRUE;
}

static void
append(struct files_cache *fc, const void *data, gsize len)
{
    crypto_generichash_update(&fc->mac, data, len);
    g_string_append_len(fc->buf, data, (gssize)len);
}

struct files_cache *
files_cache_open(const char *path, const unsigned char mac_key[32], GError **error)
{
    static const char label[] = "fallback files cache v1";
    struct files_cache *fc = g_new0(struct files_cache, 1);

    fc->key = sodium_malloc(KEY_BYTES);
    crypto_generichash(fc->key, KEY_BYTES, (const unsigned char *)label, sizeof label - 1,
                       mac_key, 32);
    fc->entries = g_hash_table_new(hash16, equal16);
    fc->racy_from = g_get_real_time() * 1000 - FILES_CACHE_RACY_NS;
    fc->out.fd = -1;
    if (!load_old(fc, path))
        g_hash_table_remove_all(fc->entries);
    if (!out_open(&fc->out, path, 0600, error)) {
        files_cache_free(fc);
        return NULL;
    }
    fc->buf = g_string_sized_new(FLUSH_BYTES + 4096);
    crypto_generichash_init(&fc->mac, fc->key, KEY_BYTES, MAC_BYTES);
    append(fc, FILES_CACHE_MAGIC, FILES_CACHE_MAGIC_BYTES);
    return fc;
}

void
files_cache_free(struct files_cache *fc)
{
    if (fc == NULL)
        return;
    out_abort(&fc->out);
    g_hash_table_destroy(fc->entries);
    if (fc->old != NULL)
        g_mapped_file_unref(fc->old);
    if (fc->buf != NULL)
        g_string_free(fc->buf, TRUE);
    sodium_memzero(&fc->mac, sizeof fc->mac);
    sodium_free(fc->key);
    g_free(fc);
}

guint
files_cache_loaded(const struct files_cache *fc)
{
    return g_hash_table_size(fc->entries);
}

gboolean
files_cache_lookup(const struct files_cache *fc, const char *path, const struct stat *st,
                   const struct blob_known *known, GByteArray *ids)
{
    unsigned char key[FILES_CACHE_PATH_BYTES];
    const unsigned char *r, *id;
    guint64 want[5], k;

    path_key(fc, path, key);
    if ((r = g_hash_table_lookup(fc->entries, key)) == NULL)
        return FALSE;
    stat_fields(st, want);
    for (int i = 0; i < 5; i++)
        if (le_get(r + FILES_CACHE_PATH_BYTES + 8 * i, 8) != want[i])
            return FALSE;
    k = le_get(r + FIXED_BYTES - 4, 4);
    id = r + FIXED_BYTES;
    for (guint64 i = 0; i < k; i++)
        if (!known->has(known->ctx, id + i * BLOB_ID_BYTES))
            return FALSE;
    g_byte_array_append(ids, id, (guint)(k * BLOB_ID_BYTES));
    return TRUE;
}

gboolean
files_cache_add(struct files_cache *fc, const char *path, const struct stat *st,
                const unsigned char *ids, gsize n_ids, GError **error)
{
    unsigned char head[FIXED_BYTES];
    guint64 f[5];

    stat_fields(st, f);
    if ((gint64)f[3] >= fc->racy_from || (gint64)f[4] >= fc->racy_from)
        return TRUE;
    path_key(fc, path, head);
    for (int i = 0; i < 5; i++)
        le_put(head + FILES_CACHE_PATH_BYTES + 8 * i, f[i], 8);
    le_put(head + FIXED_BYTES - 4, n_ids, 4);
    append(fc, head, sizeof head);
    append(fc, ids, n_ids * BLOB_ID_BYTES);
    fc->count++;
    return fc->buf->len < FLUSH_BYTES || flush(fc, error);
}

gboolean
files_cache_commit(struct files_cache *fc, GError **error)
{
    unsigned char count[8], mac[MAC_BYTES];

    if (fc->failed) {
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "%s: an earlier write failed", fc->out.path);
        return FALSE;
    }
    le_put(count, fc->count, 8);
    append(fc, count, sizeof count);
    crypto_generichash_final(&fc->mac, mac, sizeof mac);
    g_string_append_len(fc->buf, (const char *)mac, sizeof mac);
    return flush(fc, error) && out_commit(&fc->out, error);
}
