/* repo.c - write and rebuild parts in a repository folder, see repo.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "blob.h"
#include "chunker.h"
#include "fb.h"
#include "fdio.h"
#include "hex.h"
#include "files_cache.h"
#include "index.h"
#include "outfile.h"
#include "pack.h"
#include "part_record.h"
#include "repo.h"
#include "repo_config.h"
#include "repo_known.h"
#include "repo_keys.h"

/* Where a blob is: the pack (index into packs) and its entry there. */
struct loc {
    guint pack;
    struct pack_entry entry;
};

struct repo {
    char *dir, *packs_dir;
    struct crypt_key *key;
    struct repo_keys *keys;
    struct chunker chunker;
    struct blob_codec *codec;
    GPtrArray *packs;         /* struct pack_info, known packs */
    GHashTable *blobs;        /* id (GBytes) -> struct loc */
    GHashTable *pending;      /* ids in the pack being filled */
    GHashTable *used;         /* ids the part being written uses */
    GArray *fds;              /* open pack fds for a rebuild, -1 when closed */
    struct pack_writer *writer;
    struct repo_stats *stats;
    unsigned char *blob;      /* BLOB_MAX_BYTES */
    struct files_cache *files;   /* NULL: every file is read */
    GArray *known;               /* sorted ids; NULL: the folder's packs are what is known */
    gboolean files_warned;
    gboolean files_hit;          /* the last lookup was a hit */
    struct repo_pack_hook hook;
    gint64 deadline;          /* g_get_monotonic_time() bound, 0: none */
};

static GHashTable *
id_set(void)
{
    return g_hash_table_new_full(g_bytes_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref,
                                 g_free);
}

/* --- opening ------------------------------------------------------------ */

static gboolean
write_text(const char *path, const GString *s, GError **error)
{
    struct out_file o = { .fd = -1 };
    gboolean ok = out_open(&o, path, 0644, error);

    ok = ok && fd_write_all(o.fd, s->str, s->len, o.tmp, error) && out_commit(&o, error);
    out_abort(&o);
    return ok;
}

static gboolean
make_dir(const char *path, GError **error)
{
    if (mkdir(path, 0755) == 0 || errno == EEXIST)
        return TRUE;
    return fb_sys_error(error, "cannot create", path);
}

/* A new repository: the folders and a config for the key. */
static struct crypt_key *
create(const char *dir, const struct crypt_secret *secret, GError **error)
{
    g_autofree char *config = g_build_filename(dir, "config", NULL);
    g_autofree char *packs = g_build_filename(dir, "packs", NULL);
    g_autofree char *parts = g_build_filename(dir, "parts", NULL);
    g_autoptr(GString) text = NULL;
    struct crypt_key *key;
    struct crypt_kdf kdf;

    if (secret->key != NULL) {
        key = crypt_key_new();
        *key = *secret->key;
    } else if (!crypt_kdf_from_cost(NULL, &kdf, error) ||
               (key = crypt_key_derive(secret->password, secret->password_len, &kdf, error)) == NULL) {
        return NULL;
    }
    text = repo_config_format(key);
    if (!make_dir(dir, error) || !make_dir(packs, error) || !make_dir(parts, error) ||
        !write_text(config, text, error)) {
        crypt_key_free(key);
        return NULL;
    }
    return key;
}

/* The key that opens an existing repository, proven by its key-check. */
static struct crypt_key *
open_key(const char *config, const struct crypt_secret *secret, GError **error)
{
    g_autofree char *text = NULL;
    struct repo_config cfg;
    struct crypt_key *key;
    gsize len;

    if (!file_read_max(config, REPO_CONFIG_MAX, &text, &len, error) ||
        !repo_config_parse(text, len, &cfg, error))
        return NULL;
    if (secret->key != NULL) {
        key = crypt_key_new();
        *key = *secret->key;
    } else if ((key = crypt_key_derive(secret->password, secret->password_len, &cfg.kdf,
                                       error)) == NULL) {
        return NULL;
    }
    if (!repo_config_check_key(&cfg, key, secret->key != NULL, error)) {
        crypt_key_free(key);
        return NULL;
    }
    return key;
}

struct repo *
repo_open(const char *dir, const struct crypt_secret *secret, gboolean create_it,
          GError **error)
{
    g_autofree char *config = g_build_filename(dir, "config", NULL);
    struct crypt_key *key;
    struct repo *r;

    if (create_it && !g_file_test(config, G_FILE_TEST_EXISTS))
        key = create(dir, secret, error);
    else
        key = open_key(config, secret, error);
    if (key == NULL)
        return NULL;
    r = g_new0(struct repo, 1);
    r->dir = g_strdup(dir);
    r->packs_dir = g_build_filename(dir, "packs", NULL);
    r->key = key;
    r->keys = repo_keys_derive(key);
    chunker_init(&r->chunker, r->keys->chunk);
    r->codec = blob_codec_new(r->keys);
    r->packs = g_ptr_array_new_with_free_func((GDestroyNotify)pack_info_free);
    r->blobs = id_set();
    r->pending = id_set();
    r->used = id_set();
    r->fds = g_array_new(FALSE, FALSE, sizeof(int));
    r->blob = g_malloc(BLOB_MAX_BYTES);
    return r;
}

void
repo_free(struct repo *r)
{
    if (r == NULL)
        return;
    for (guint i = 0; i < r->fds->len; i++)
        if (g_array_index(r->fds, int, i) >= 0)
            close(g_array_index(r->fds, int, i));
    g_array_unref(r->fds);
    pack_writer_free(r->writer);
    files_cache_free(r->files);
    if (r->known != NULL)
        g_array_unref(r->known);
    g_hash_table_destroy(r->blobs);
    g_hash_table_destroy(r->pending);
    g_hash_table_destroy(r->used);
    g_ptr_array_unref(r->packs);
    blob_codec_free(r->codec);
    repo_keys_free(r->keys);
    crypt_key_free(r->key);
    g_free(r->blob);
    g_free(r->packs_dir);
    g_free(r->dir);
    g_free(r);
}

/* --- known blobs ----------------------------------------------------------- */

static void
add_pack(struct repo *r, struct pack_info *p)
{
    guint index = r->packs->len;

    int closed = -1;

    g_ptr_array_add(r->packs, p);
    g_array_append_val(r->fds, closed);
    for (guint i = 0; i < p->entries->len; i++) {
        struct loc *l = g_new(struct loc, 1);

        l->pack = index;
        l->entry = g_array_index(p->entries, struct pack_entry, i);
        g_hash_table_replace(r->blobs, g_bytes_new(l->entry.id, BLOB_ID_BYTES), l);
    }
}

static gboolean
pack_name_ok(const char *sub, const char *name)
{
    return hex_lower(name, strlen(name), PACK_NAME_CHARS) &&
           strncmp(name, sub, 2) == 0;
}

static char *
pack_path(const struct repo *r, const char *name)
{
    g_autofree char *sub = g_strndup(name, 2);

    return g_build_filename(r->packs_dir, sub, name, NULL);
}

/* Read the table of every pack in packs/XX/: what the folder holds. */
static gboolean
load_all_packs(struct repo *r, GError **error)
{
    g_autoptr(GDir) top = g_dir_open(r->packs_dir, 0, NULL);
    const char *sub, *name;

    if (top == NULL)
        return fb_sys_error(error, "cannot read", r->packs_dir);
    while ((sub = g_dir_read_name(top)) != NULL) {
        g_autofree char *subdir = g_build_filename(r->packs_dir, sub, NULL);
        g_autoptr(GDir) d = g_dir_open(subdir, 0, NULL);

        if (strlen(sub) != 2 || d == NULL)
            continue;
        while ((name = g_dir_read_name(d)) != NULL) {
            g_autofree char *path = NULL;
            struct pack_info *p;

            if (!pack_name_ok(sub, name))
                continue;
            path = g_build_filename(subdir, name, NULL);
            if ((p = pack_read_table(path, error)) == NULL)
                return FALSE;
            memcpy(p->name, name, sizeof p->name);
            add_pack(r, p);
        }
    }
    return TRUE;
}

/* --- writing --------------------------------------------------------------- */

static gboolean
pack_done(struct repo *r, struct pack_info *p, GError **error)
{
    if (p == NULL)
        return TRUE;
    for (guint i = 0; i < p->entries->len; i++) {
        g_autoptr(GBytes) id = g_bytes_new(g_array_index(p->entries, struct pack_entry, i).id,
                                           BLOB_ID_BYTES);
        g_hash_table_remove(r->pending, id);
    }
    r->stats->new_packs++;
    r->stats->new_bytes += p->size;
    add_pack(r, p);
    if (r->hook.closed != NULL) {
        g_autofree char *path = pack_path(r, p->name);

        return r->hook.closed(r->hook.ctx, path, p, error);
    }
    return TRUE;
}

static gboolean
store_chunk(void *ctx, const unsigned char *chunk, size_t len, unsigned char id[BLOB_ID_BYTES],
            GError **error)
{
    struct repo *r = ctx;
    struct pack_info *done = NULL;
    GBytes *key;
    size_t blen;

    blob_id(r->keys, chunk, len, id);
    key = g_bytes_new(id, BLOB_ID_BYTES);
    r->stats->chunks++;
    g_hash_table_replace(r->used, g_bytes_ref(key), NULL);
    if (r->deadline != 0 && g_get_monotonic_time() > r->deadline) {
        g_bytes_unref(key);
        g_set_error_literal(error, FB_ERROR, FB_EXIT_STALLED,
                            "the part's time budget is spent: what was sent serves the next night");
        return FALSE;
    }
    if (g_hash_table_contains(r->blobs, key) || g_hash_table_contains(r->pending, key)) {
        g_bytes_unref(key);
        return TRUE;
    }
    g_hash_table_replace(r->pending, key, NULL);
    r->stats->new_chunks++;
    return blob_seal(r->codec, id, chunk, len, r->blob, &blen, error) &&
           pack_writer_add(r->writer, id, r->blob, blen, &done, error) && pack_done(r, done, error);
}

/* The packs holding the used ids, name and size, into the record. */
static gboolean
record_packs(struct repo *r, struct part_record *rec, GError **error)
{
    g_autofree gboolean *seen = g_new0(gboolean, r->packs->len);
    GHashTableIter it;
    gpointer key;

    g_hash_table_iter_init(&it, r->used);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        const struct loc *l = g_hash_table_lookup(r->blobs, key);
        struct part_pack pp;

        if (l == NULL) {
            g_set_error_literal(error, FB_ERROR, FB_EXIT_FAIL, "a stored blob is in no pack");
            return FALSE;
        }
        if (seen[l->pack])
            continue;
        seen[l->pack] = TRUE;
        memcpy(pp.name, ((struct pack_info *)r->packs->pdata[l->pack])->name, sizeof pp.name);
        pp.size = ((struct pack_info *)r->packs->pdata[l->pack])->size;
        g_array_append_val(rec->packs, pp);
    }
    return TRUE;
}

/* --- the files cache ------------------------------------------------------ */

gboolean
repo_use_files_cache(struct repo *r, const char *path, GArray *known, GError **error)
{
    files_cache_free(r->files);
    if (r->known != NULL)
        g_array_unref(r->known);
    r->known = known;
    r->files = files_cache_open(path, r->keys->mac, error);
    return r->files != NULL;
}

static gboolean
known_has(void *ctx, const unsigned char id[BLOB_ID_BYTES])
{
    struct repo *r = ctx;
    g_autoptr(GBytes) key = g_bytes_new(id, BLOB_ID_BYTES);

    return g_hash_table_contains(r->blobs, key) &&
           (r->known == NULL || repo_known_has(r->known, id));
}

static gboolean
files_lookup(void *ctx, const char *path, const struct stat *st, GByteArray *ids)
{
    struct repo *r = ctx;
    const struct blob_known known = { known_has, r };
    guint from = ids->len;

    if (!files_cache_lookup(r->files, path, st, &known, ids))
        return FALSE;
    for (guint i = from; i < ids->len; i += BLOB_ID_BYTES)
        g_hash_table_replace(r->used, g_bytes_new(ids->data + i, BLOB_ID_BYTES), NULL);
    r->stats->chunks += (ids->len - from) / BLOB_ID_BYTES;
    r->stats->files_cached++;
    r->stats->bytes_cached += (guint64)st->st_size;
    r->files_hit = TRUE;
    return TRUE;
}

/* A cache that cannot be saved costs a re-read next time, never the part. */
static void
files_warn(struct repo *r, const GError *e)
{
    if (!r->files_warned)
        fprintf(stderr, "fallback: files cache not saved: %s\n", e->message);
    r->files_warned = TRUE;
}

static gboolean
files_add(void *ctx, const char *path, const struct stat *st, const unsigned char *ids,
          gsize n_ids, GError **error)
{
    struct repo *r = ctx;
    g_autoptr(GError) e = NULL;

    (void)error;
    if (!r->files_hit) {
        r->stats->files_read++;
        r->stats->bytes_read += (guint64)st->st_size;
    }
    r->files_hit = FALSE;
    if (!files_cache_add(r->files, path, st, ids, n_ids, &e))
        files_warn(r, e);
    return TRUE;
}

static void
files_commit(struct repo *r)
{
    g_autoptr(GError) e = NULL;

    if (!files_cache_commit(r->files, &e))
        files_warn(r, e);
    g_clear_pointer(&r->files, files_cache_free);
}

/* A write that failed still closes the pack being filled: its blobs are
 * then held (or, with a hook, sent) for the next write to reuse. */
static void
flush_on_failure(struct repo *r)
{
    struct pack_info *done = NULL;
    g_autoptr(GError) e = NULL;

    if (pack_writer_flush(r->writer, &done, &e))
        pack_done(r, done, &e);
}

gboolean
repo_write_part(struct repo *r, const char *part, const char *night, const char *work_dir,
                struct repo_stats *stats, GError **error)
{
    const struct index_store store = { store_chunk, r };
    const struct index_files files = { files_lookup, files_add, r };
    g_autofree char *path = g_build_filename(r->dir, "parts", part, NULL);
    g_autoptr(part_record) rec = part_record_new(part, night);
    g_autoptr(GString) text = NULL;
    struct pack_info *done = NULL;
    GByteArray *ids = NULL;

    memset(stats, 0, sizeof *stats);
    r->stats = stats;
    if (r->writer == NULL) {
        if (!load_all_packs(r, error))
            return FALSE;
        r->writer = pack_writer_new(r->packs_dir);
    }
    g_hash_table_remove_all(r->used);
    if (!index_build_cached(work_dir, &r->chunker, &store, r->files != NULL ? &files : NULL, &ids,
                            &stats->tar_size, error)) {
        flush_on_failure(r);
        return FALSE;
    }
    g_byte_array_append(rec->index_ids, ids->data, ids->len);
    g_byte_array_unref(ids);
    if (!pack_writer_flush(r->writer, &done, error) || !pack_done(r, done, error) ||
        !record_packs(r, rec, error))
        return FALSE;
    text = part_record_format(rec, r->keys->mac);
    if (!write_text(path, text, error))
        return FALSE;
    if (r->files != NULL)
        files_commit(r);
    return TRUE;
}

void
repo_set_pack_hook(struct repo *r, const struct repo_pack_hook *hook)
{
    r->hook = *hook;
}

void
repo_set_deadline(struct repo *r, gint64 monotonic_us)
{
    r->deadline = monotonic_us;
}

void
repo_add_known(struct repo *r, struct pack_info *p)
{
    add_pack(r, p);
}

const unsigned char *
repo_mac_key(const struct repo *r)
{
    return r->keys->mac;
}

void
repo_report_files_cache(const struct repo_stats *st)
{
    fprintf(stderr, "files cache: %u files read (%" G_GUINT64_FORMAT " bytes), %u not read "
            "(%" G_GUINT64_FORMAT " bytes)\n", st->files_read, st->bytes_read, st->files_cached,
            st->bytes_cached);
}

/* --- rebuilding ------------------------------------------------------------ */

static gboolean
damaged(GError **error, const char *fmt, const char *what)
{
    g_set_error(error, FB_ERROR, FB_EXIT_CORRUPT, fmt, what);
    return FALSE;
}

/* The tables of the record's packs, each of the size the record says. */
static gboolean
load_record_packs(struct repo *r, const struct part_record *rec, GError **error)
{
    for (guint i = 0; i < rec->packs->len; i++) {
        const struct part_pack *pp = &g_array_index(rec->packs, struct part_pack, i);
        g_autofree char *path = pack_path(r, pp->name);
        struct pack_info *p = pack_read_table(path, error);

        if (p == NULL)
            return FALSE;
        if (p->size != pp->size) {
            pack_info_free(p);
            return damaged(error, "pack %s is not of the size its part record says", path);
        }
        memcpy(p->name, pp->name, sizeof p->name);
        add_pack(r, p);
    }
    return TRUE;
}

static gboolean
fetch_chunk(void *ctx, const unsigned char id[BLOB_ID_BYTES], unsigned char *chunk, size_t *len,
            GError **error)
{
    struct repo *r = ctx;
    g_autoptr(GBytes) key = g_bytes_new(id, BLOB_ID_BYTES);
    const struct loc *l = g_hash_table_lookup(r->blobs, key);
    g_autofree char *path = NULL;
    int *fd;

    if (l == NULL) {
        char hex[2 * BLOB_ID_BYTES + 1];

        sodium_bin2hex(hex, sizeof hex, id, BLOB_ID_BYTES);
        return damaged(error, "blob %s is in none of the part's packs", hex);
    }
    path = pack_path(r, ((struct pack_info *)r->packs->pdata[l->pack])->name);
    fd = &g_array_index(r->fds, int, l->pack);
    if (*fd < 0 && (*fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
        return fb_sys_error(error, "cannot open", path);
    if (!pack_read_blob(*fd, path, &l->entry, r->blob, error) ||
        !blob_open(r->codec, id, r->blob, l->entry.length, chunk, len, error)) {
        g_prefix_error(error, "%s: ", path);
        return FALSE;
    }
    return TRUE;
}

gboolean
repo_rebuild_part(struct repo *r, const char *part, const char *night, int out,
                  guint64 *tar_size, GError **error)
{
    const struct index_fetch fetch = { fetch_chunk, r };
    g_autofree char *path = g_build_filename(r->dir, "parts", part, NULL);
    g_autofree char *text = NULL;
    g_autoptr(part_record) rec = NULL;
    gsize len;

    if (!file_read_max(path, PART_RECORD_MAX, &text, &len, error))
        return FALSE;
    if ((rec = part_record_parse(text, len, r->keys->mac, error)) == NULL) {
        g_prefix_error(error, "%s: ", path);
        return FALSE;
    }
    if (strcmp(rec->name, part) != 0)
        return damaged(error, "%s: the part record names another part", path);
    if (night != NULL && strcmp(rec->night, night) != 0) {
        g_set_error(error, FB_ERROR, FB_EXIT_CORRUPT, "%s: the part record is of night %s, not %s",
                    path, rec->night, night);
        return FALSE;
    }
    return load_record_packs(r, rec, error) && index_replay(rec->index_ids, &fetch, out, tar_size,
                                                            error);
}
