/* test_index.c - a part's index replays to the very bytes tar_write writes
 * (the bytes of `fallback tar`), for every kind of member; a damaged index
 * is refused. Chunks live in an in-memory store here. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <sodium.h>

#include "fb.h"
#include "index.h"
#include "tar_write.h"

static void
rm_rf(const char *dir)
{
    const char *argv[] = { "rm", "-rf", dir, NULL };

    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, NULL, NULL));
}

struct store {
    GHashTable *chunks;       /* id -> chunk */
    guint puts;
};

static gboolean
put(void *ctx, const unsigned char *chunk, size_t len, unsigned char id[BLOB_ID_BYTES],
    GError **error)
{
    struct store *s = ctx;

    (void)error;
    crypto_generichash(id, BLOB_ID_BYTES, chunk, len, NULL, 0);
    g_hash_table_replace(s->chunks, g_bytes_new(id, BLOB_ID_BYTES), g_bytes_new(chunk, len));
    s->puts++;
    return TRUE;
}

static gboolean
get(void *ctx, const unsigned char id[BLOB_ID_BYTES], unsigned char *chunk, size_t *len,
    GError **error)
{
    struct store *s = ctx;
    g_autoptr(GBytes) key = g_bytes_new(id, BLOB_ID_BYTES);
    GBytes *v = g_hash_table_lookup(s->chunks, key);
    gsize n;
    const void *p;

    if (v == NULL) {
        g_set_error_literal(error, FB_ERROR, FB_EXIT_CORRUPT, "no such chunk");
        return FALSE;
    }
    p = g_bytes_get_data(v, &n);
    memcpy(chunk, p, n);
    *len = n;
    return TRUE;
}

static void
store_init(struct store *s)
{
    s->chunks = g_hash_table_new_full(g_bytes_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref,
                                      (GDestroyNotify)g_bytes_unref);
    s->puts = 0;
}

static void
put_file(const char *dir, const char *name, const void *data, gsize len)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);

    g_assert_true(g_file_set_contents(path, data, (gssize)len, NULL));
}

/* A collected backup in dir: WORK/backup.csv and its sources. */
static char *
make_tree(const char *dir)
{
    g_autofree char *src = g_build_filename(dir, "src", NULL);
    g_autofree char *sub = g_build_filename(src, "sub", NULL);
    g_autofree char *empty_dir = g_build_filename(src, "emptydir", NULL);
    g_autofree char *work = g_build_filename(dir, "work", NULL);
    g_autofree char *a = g_build_filename(src, "a.txt", NULL);
    g_autofree char *hard = g_build_filename(sub, "hard", NULL);
    g_autofree char *lnk = g_build_filename(sub, "link", NULL);
    g_autofree char *csv = NULL, *big = g_malloc(3 * 1024 * 1024 + 17);
    char longname[200];

    g_assert_cmpint(g_mkdir_with_parents(sub, 0755) | g_mkdir_with_parents(empty_dir, 0700) |
                    g_mkdir_with_parents(work, 0755), ==, 0);
    put_file(src, "a.txt", "hello\n", 6);
    g_assert_cmpint(link(a, hard), ==, 0);
    g_assert_cmpint(symlink("../a.txt", lnk), ==, 0);
    memset(longname, 'n', 150);
    longname[150] = '\0';
    put_file(src, longname, "long\n", 5);
    put_file(src, "caf\xc3\xa9", "accent\n", 7);
    put_file(src, "empty", "", 0);
    randombytes_buf(big, 3 * 1024 * 1024 + 17);
    put_file(src, "big.bin", big, 3 * 1024 * 1024 + 17);
    put_file(work, "info.json", "{}\n", 3);
    csv = g_strdup_printf("\"%s\",\"apps/x/backup/data\"\r\n\"%s/a.txt\",\"conf/a.txt\"\r\n"
                          "\"%s/info.json\",\"info.json\"\r\n", src, src, work);
    put_file(work, "backup.csv", csv, strlen(csv));
    return g_steal_pointer(&work);
}

static GBytes *
read_fd(int fd)
{
    GByteArray *a = g_byte_array_new();
    unsigned char buf[65536];
    ssize_t n;

    g_assert_cmpint(lseek(fd, 0, SEEK_SET), ==, 0);
    while ((n = read(fd, buf, sizeof buf)) > 0)
        g_byte_array_append(a, buf, (guint)n);
    return g_byte_array_free_to_bytes(a);
}

static GBytes *
tar_of(const char *work)
{
    FILE *f = tmpfile();
    struct tar_writer *w = tar_writer_new(fileno(f));
    g_autoptr(GError) error = NULL;
    GBytes *b;

    g_assert_true(tar_write_backup(w, work, &error));
    tar_writer_free(w);
    b = read_fd(fileno(f));
    fclose(f);
    return b;
}

static GBytes *
replayed(struct store *s, const GByteArray *ids, guint64 *size, GError **error)
{
    const struct index_fetch fetch = { get, s };
    FILE *f = tmpfile();
    GBytes *b = NULL;

    if (index_replay(ids, &fetch, fileno(f), size, error))
        b = read_fd(fileno(f));
    fclose(f);
    return b;
}

static void
test_round_trip(void)
{
    g_autofree char *dir = g_dir_make_tmp("index.XXXXXX", NULL);
    g_autofree char *work = make_tree(dir);
    g_autofree char *a = g_build_filename(dir, "src", "a.txt", NULL);
    g_autoptr(GBytes) want = tar_of(work), got = NULL, got2 = NULL;
    g_autoptr(GByteArray) ids = NULL, ids2 = NULL;
    g_autoptr(GError) error = NULL;
    const unsigned char key[32] = { 9 };
    const struct index_store store_cb = { put, NULL };
    struct index_store st = store_cb;
    struct chunker c;
    struct store s;
    guint64 size, size2;
    guint stored;

    chunker_init(&c, key);
    store_init(&s);
    st.ctx = &s;
    g_assert_true(index_build(work, &c, &st, &ids, &size, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(size, ==, g_bytes_get_size(want));
    g_assert_cmpuint(ids->len % BLOB_ID_BYTES, ==, 0);
    got = replayed(&s, ids, &size2, &error);
    g_assert_no_error(error);
    g_assert_true(g_bytes_equal(got, want));
    g_assert_cmpuint(size2, ==, size);
    /* the big file is several chunks; an unchanged tree gives the same index */
    stored = g_hash_table_size(s.chunks);
    g_assert_cmpuint(stored, >=, 8);
    g_assert_true(index_build(work, &c, &st, &ids2, &size, &error));
    g_assert_cmpmem(ids->data, ids->len, ids2->data, ids2->len);
    g_assert_cmpuint(g_hash_table_size(s.chunks), ==, stored);
    /* one small file changed: a new index, a new chunk for it, nothing else */
    g_clear_pointer(&ids2, g_byte_array_unref);
    g_assert_true(g_file_set_contents(a, "HELLO\n", 6, NULL));
    g_assert_true(index_build(work, &c, &st, &ids2, &size, &error));
    g_assert_false(ids->len == ids2->len && memcmp(ids->data, ids2->data, ids->len) == 0);
    g_assert_cmpuint(g_hash_table_size(s.chunks), <=, stored + 1 + ids2->len / BLOB_ID_BYTES);
    g_clear_pointer(&want, g_bytes_unref);
    want = tar_of(work);
    got2 = replayed(&s, ids2, &size2, &error);
    g_assert_true(g_bytes_equal(got2, want));
    g_hash_table_destroy(s.chunks);
    rm_rf(dir);
}

/* An index stream made by hand, stored as one chunk, replayed. */
static void
assert_bad_index(const void *stream, gsize len, int code, const char *message)
{
    g_autoptr(GByteArray) ids = g_byte_array_new();
    g_autoptr(GError) error = NULL;
    unsigned char id[BLOB_ID_BYTES];
    struct store s;
    guint64 size;
    GBytes *b;

    store_init(&s);
    put(&s, stream, len, id, NULL);
    g_byte_array_append(ids, id, sizeof id);
    b = replayed(&s, ids, &size, &error);
    g_assert_null(b);
    g_assert_error(error, FB_ERROR, code);
    if (strstr(error->message, message) == NULL)
        g_error("\"%s\" does not say \"%s\"", error->message, message);
    g_hash_table_destroy(s.chunks);
}

static void
test_damaged(void)
{
    static const unsigned char ok_end[] = "FBKIDX\0\2" "L\3\0\0\0abc" "E\3\0\0\0\0\0\0\0";
    unsigned char t[64];

    /* the well-formed one replays */
    {
        g_autoptr(GByteArray) ids = g_byte_array_new();
        g_autoptr(GError) error = NULL;
        g_autoptr(GBytes) b = NULL;
        unsigned char id[BLOB_ID_BYTES];
        struct store s;
        guint64 size;

        store_init(&s);
        put(&s, ok_end, sizeof ok_end - 1, id, NULL);
        g_byte_array_append(ids, id, sizeof id);
        b = replayed(&s, ids, &size, &error);
        g_assert_no_error(error);
        g_assert_cmpmem(g_bytes_get_data(b, NULL), g_bytes_get_size(b), "abc", 3);
        g_hash_table_destroy(s.chunks);
    }
    memcpy(t, ok_end, sizeof ok_end - 1);
    t[0] = 'X';
    assert_bad_index(t, sizeof ok_end - 1, FB_EXIT_FORMAT, "unknown format");
    memcpy(t, ok_end, sizeof ok_end - 1);
    t[17] = 4;   /* end record says 4 bytes */
    assert_bad_index(t, sizeof ok_end - 1, FB_EXIT_CORRUPT, "not the size rebuilt");
    memcpy(t, ok_end, sizeof ok_end - 1);
    t[sizeof ok_end - 1] = 'L';
    assert_bad_index(t, sizeof ok_end, FB_EXIT_CORRUPT, "bytes follow");
    assert_bad_index(ok_end, sizeof ok_end - 5, FB_EXIT_CORRUPT, "ends inside a record");
    memcpy(t, ok_end, sizeof ok_end - 1);
    t[16] = 'Q';
    assert_bad_index(t, sizeof ok_end - 1, FB_EXIT_CORRUPT, "unknown type");
    /* a file of 10 bytes whose one chunk is missing */
    {
        unsigned char f[8 + 13 + 32 + 9] = "FBKIDX\0\2" "F\12\0\0\0\0\0\0\0\1\0\0\0";
        memset(f + 21, 0xee, 32);
        memcpy(f + 53, "E\12\0\0\0\0\0\0\0", 9);
        assert_bad_index(f, sizeof f, FB_EXIT_CORRUPT, "no such chunk");
        f[9] = 0;   /* 0 bytes in 1 chunk */
        assert_bad_index(f, sizeof f, FB_EXIT_CORRUPT, "chunk count does not fit");
    }
}

/* A fifo and a device are literal headers in the index: the replay gives
 * the bytes of tar_write, and the fifo is never opened. */
static void
test_fifo_device(void)
{
    g_autofree char *dir = g_dir_make_tmp("index.XXXXXX", NULL);
    g_autofree char *work = make_tree(dir);
    g_autofree char *fifo = g_build_filename(dir, "src", "fifo", NULL);
    g_autofree char *dev = g_build_filename(dir, "src", "null", NULL);
    g_autoptr(GByteArray) ids = NULL;
    g_autoptr(GBytes) want = NULL, got = NULL;
    g_autoptr(GError) error = NULL;
    const unsigned char key[32] = { 9 };
    struct index_store st = { put, NULL };
    struct chunker c;
    struct store s;
    guint64 size, size2;

    chunker_init(&c, key);
    store_init(&s);
    st.ctx = &s;
    g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
    if (geteuid() == 0)
        g_assert_cmpint(mknod(dev, S_IFCHR | 0666, makedev(1, 3)), ==, 0);
    want = tar_of(work);
    g_assert_true(index_build(work, &c, &st, &ids, &size, &error));
    g_assert_no_error(error);
    got = replayed(&s, ids, &size2, &error);
    g_assert_no_error(error);
    g_assert_true(g_bytes_equal(got, want));
    g_assert_cmpuint(size2, ==, g_bytes_get_size(want));
    g_hash_table_destroy(s.chunks);
    rm_rf(dir);
}

/* A files cache that trusts every path it saw (it ignores the stat). */
struct fake_cache {
    GHashTable *ids;          /* path -> GBytes of ids */
    guint lookups, hits, adds;
};

static gboolean
fake_lookup(void *ctx, const char *path, const struct stat *st, GByteArray *ids)
{
    struct fake_cache *f = ctx;
    GBytes *v = g_hash_table_lookup(f->ids, path);

    (void)st;
    f->lookups++;
    if (v == NULL)
        return FALSE;
    g_byte_array_append(ids, g_bytes_get_data(v, NULL), (guint)g_bytes_get_size(v));
    f->hits++;
    return TRUE;
}

static gboolean
fake_add(void *ctx, const char *path, const struct stat *st, const unsigned char *ids,
         gsize n_ids, GError **error)
{
    struct fake_cache *f = ctx;

    (void)st;
    (void)error;
    g_hash_table_replace(f->ids, g_strdup(path), g_bytes_new(ids, n_ids * BLOB_ID_BYTES));
    f->adds++;
    return TRUE;
}

/* With the cache, a file's ids come from it and the file is not read: the
 * big file rewritten (same size) after the first build still gives the
 * first index, while a build without the cache sees the new bytes. */
static void
test_files_cache(void)
{
    g_autofree char *dir = g_dir_make_tmp("index.XXXXXX", NULL);
    g_autofree char *work = make_tree(dir);
    g_autofree char *big = g_build_filename(dir, "src", "big.bin", NULL);
    g_autofree char *data = NULL;
    g_autoptr(GByteArray) ids = NULL, ids2 = NULL, ids3 = NULL;
    g_autoptr(GBytes) want = tar_of(work), got = NULL;
    g_autoptr(GError) error = NULL;
    const unsigned char key[32] = { 9 };
    struct fake_cache fc = { g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                   (GDestroyNotify)g_bytes_unref), 0, 0, 0 };
    const struct index_files files = { fake_lookup, fake_add, &fc };
    struct index_store st = { put, NULL };
    struct chunker c;
    struct store s;
    guint64 size, size2;
    gsize len;
    struct stat before;
    struct timespec times[2];
    int fd;

    chunker_init(&c, key);
    store_init(&s);
    st.ctx = &s;
    g_assert_true(index_build_cached(work, &c, &st, &files, &ids, &size, &error));
    g_assert_no_error(error);
    /* a.txt (its hard link is a link member), the long name, café, empty, big.bin,
     * a.txt again as conf/a.txt (a link to the first), info.json */
    g_assert_cmpuint(fc.adds, ==, 6);
    g_assert_cmpuint(fc.hits, ==, 0);
    got = replayed(&s, ids, &size2, &error);
    g_assert_true(g_bytes_equal(got, want));
    g_assert_cmpint(stat(big, &before), ==, 0);
    g_assert_true(g_file_get_contents(big, &data, &len, NULL));
    data[len / 2] ^= 1;
    fd = open(big, O_WRONLY | O_TRUNC);
    g_assert_cmpint(write(fd, data, len), ==, (gssize)len);
    times[0] = before.st_atim;
    times[1] = before.st_mtim;   /* same header: only the content differs */
    g_assert_cmpint(futimens(fd, times) | close(fd), ==, 0);
    g_assert_true(index_build_cached(work, &c, &st, &files, &ids2, &size, &error));
    g_assert_cmpuint(fc.hits, ==, 6);
    g_assert_cmpmem(ids->data, ids->len, ids2->data, ids2->len);
    g_assert_true(index_build(work, &c, &st, &ids3, &size, &error));
    g_assert_false(ids->len == ids3->len && memcmp(ids->data, ids3->data, ids->len) == 0);
    g_hash_table_destroy(fc.ids);
    g_hash_table_destroy(s.chunks);
    rm_rf(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_assert_cmpint(sodium_init(), >=, 0);
    g_test_add_func("/index/round-trip", test_round_trip);
    g_test_add_func("/index/damaged", test_damaged);
    g_test_add_func("/index/fifo-device", test_fifo_device);
    g_test_add_func("/index/files-cache", test_files_cache);
    return g_test_run();
}
