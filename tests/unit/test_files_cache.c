/* test_files_cache.c - the files cache trusts an entry only when path,
 * device, inode, size, mtime and ctime are unchanged and every chunk id is
 * known; a damaged, truncated, foreign or other-version cache is ignored;
 * the new cache replaces the old one only on commit. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "fb.h"
#include "files_cache.h"

static const unsigned char key_a[32] = { 1, 2, 3 };
static const unsigned char key_b[32] = { 7 };

struct fixture {
    char *dir, *path;
    struct stat st;          /* an old, not racy stat */
    unsigned char ids[3 * BLOB_ID_BYTES];
};

static gboolean
all_known(void *ctx, const unsigned char id[BLOB_ID_BYTES])
{
    (void)ctx;
    (void)id;
    return TRUE;
}

static gboolean
not_last(void *ctx, const unsigned char id[BLOB_ID_BYTES])
{
    return memcmp(id, ctx, BLOB_ID_BYTES) != 0;
}

static const struct blob_known known_all = { all_known, NULL };

static void
fixture_init(struct fixture *f)
{
    f->dir = g_dir_make_tmp("fcache.XXXXXX", NULL);
    f->path = g_build_filename(f->dir, "cache", NULL);
    memset(&f->st, 0, sizeof f->st);
    f->st.st_dev = 2049;
    f->st.st_ino = 1234567;
    f->st.st_size = 300000;          /* 2 to 5 chunks */
    f->st.st_mtim.tv_sec = 1700000000;
    f->st.st_mtim.tv_nsec = 123456789;
    f->st.st_ctim.tv_sec = 1700000001;
    f->st.st_ctim.tv_nsec = 987654321;
    randombytes_buf(f->ids, sizeof f->ids);
}

static void
fixture_clear(struct fixture *f)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);

    g_assert_cmpint(system(cmd), ==, 0);
    g_free(f->path);
    g_free(f->dir);
}

/* A cache at f->path holding "/src/a" -> 3 ids, and "/src/empty". */
static void
write_cache(struct fixture *f, const unsigned char *key)
{
    g_autoptr(GError) error = NULL;
    struct files_cache *fc = files_cache_open(f->path, key, &error);
    struct stat empty = f->st;

    g_assert_no_error(error);
    empty.st_size = 0;
    empty.st_ino++;
    g_assert_true(files_cache_add(fc, "/src/a", &f->st, f->ids, 3, &error));
    g_assert_true(files_cache_add(fc, "/src/empty", &empty, NULL, 0, &error));
    g_assert_true(files_cache_commit(fc, &error));
    g_assert_no_error(error);
    files_cache_free(fc);
}

static struct files_cache *
reopen(struct fixture *f, const unsigned char *key)
{
    g_autoptr(GError) error = NULL;
    struct files_cache *fc = files_cache_open(f->path, key, &error);

    g_assert_no_error(error);
    return fc;
}

static gboolean
hit(struct files_cache *fc, const char *path, const struct stat *st,
    const struct blob_known *known, GByteArray *ids)
{
    g_byte_array_set_size(ids, 0);
    return files_cache_lookup(fc, path, st, known, ids);
}

static void
test_hit_and_misses(void)
{
    struct fixture f;
    struct files_cache *fc;
    g_autoptr(GByteArray) ids = g_byte_array_new();
    struct stat st, empty;
    struct blob_known some;
    struct stat sb;

    fixture_init(&f);
    write_cache(&f, key_a);
    g_assert_cmpint(stat(f.path, &sb), ==, 0);
    g_assert_cmpint(sb.st_mode & 07777, ==, 0600);
    fc = reopen(&f, key_a);
    g_assert_cmpuint(files_cache_loaded(fc), ==, 2);
    g_assert_true(hit(fc, "/src/a", &f.st, &known_all, ids));
    g_assert_cmpmem(ids->data, ids->len, f.ids, sizeof f.ids);
    empty = f.st;
    empty.st_size = 0;
    empty.st_ino++;
    g_assert_true(hit(fc, "/src/empty", &empty, &known_all, ids));
    g_assert_cmpuint(ids->len, ==, 0);
    /* each field changed alone: a miss */
    g_assert_false(hit(fc, "/src/b", &f.st, &known_all, ids));
    st = f.st, st.st_dev++;
    g_assert_false(hit(fc, "/src/a", &st, &known_all, ids));
    st = f.st, st.st_ino++;
    g_assert_false(hit(fc, "/src/a", &st, &known_all, ids));
    st = f.st, st.st_size++;
    g_assert_false(hit(fc, "/src/a", &st, &known_all, ids));
    st = f.st, st.st_mtim.tv_nsec++;
    g_assert_false(hit(fc, "/src/a", &st, &known_all, ids));
    st = f.st, st.st_ctim.tv_nsec++;    /* changed in place, same size and mtime */
    g_assert_false(hit(fc, "/src/a", &st, &known_all, ids));
    /* one id not confirmed at the destination: a miss */
    some.has = not_last;
    some.ctx = f.ids + 2 * BLOB_ID_BYTES;
    g_assert_false(hit(fc, "/src/a", &f.st, &some, ids));
    g_assert_cmpuint(ids->len, ==, 0);
    files_cache_free(fc);
    /* not committed: the old cache stays, no temporary file is left */
    fc = reopen(&f, key_a);
    files_cache_free(fc);
    fc = reopen(&f, key_a);
    g_assert_cmpuint(files_cache_loaded(fc), ==, 2);
    files_cache_free(fc);
    {
        g_autoptr(GDir) d = g_dir_open(f.dir, 0, NULL);
        g_assert_cmpstr(g_dir_read_name(d), ==, "cache");
        g_assert_null(g_dir_read_name(d));
    }
    fixture_clear(&f);
}

/* A file changed within the last second may change again within one clock
 * tick keeping its times: it is not cached. */
static void
test_racy_not_cached(void)
{
    struct fixture f;
    struct files_cache *fc;
    g_autoptr(GError) error = NULL;
    g_autoptr(GByteArray) ids = g_byte_array_new();
    struct stat fresh;

    fixture_init(&f);
    fresh = f.st;
    fresh.st_ctim.tv_sec = (time_t)(g_get_real_time() / G_USEC_PER_SEC);
    fc = files_cache_open(f.path, key_a, &error);
    g_assert_true(files_cache_add(fc, "/src/fresh", &fresh, f.ids, 3, &error));
    g_assert_true(files_cache_add(fc, "/src/a", &f.st, f.ids, 3, &error));
    g_assert_true(files_cache_commit(fc, &error));
    files_cache_free(fc);
    fc = reopen(&f, key_a);
    g_assert_cmpuint(files_cache_loaded(fc), ==, 1);
    g_assert_false(hit(fc, "/src/fresh", &fresh, &known_all, ids));
    g_assert_true(hit(fc, "/src/a", &f.st, &known_all, ids));
    files_cache_free(fc);
    fixture_clear(&f);
}

static void
assert_ignored(struct fixture *f, const unsigned char *key)
{
    struct files_cache *fc = reopen(f, key);
    g_autoptr(GByteArray) ids = g_byte_array_new();

    g_assert_cmpuint(files_cache_loaded(fc), ==, 0);
    g_assert_false(hit(fc, "/src/a", &f->st, &known_all, ids));
    files_cache_free(fc);
}

static void
edit(const char *path, gsize at, int delta, gssize truncate_to)
{
    g_autofree char *data = NULL;
    gsize len;

    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    if (truncate_to >= 0)
        len = (gsize)truncate_to;
    else
        data[at] = (char)(data[at] + delta);
    g_assert_true(g_file_set_contents(path, data, (gssize)len, NULL));
}

static void
test_damaged_ignored(void)
{
    struct fixture f;
    g_autofree char *saved = NULL;
    gsize len;

    fixture_init(&f);
    write_cache(&f, key_a);
    g_assert_true(g_file_get_contents(f.path, &saved, &len, NULL));
    assert_ignored(&f, key_b);                     /* another repository's key */
    for (gsize at = 0; at < len; at += 7) {        /* any byte changed */
        g_assert_true(g_file_set_contents(f.path, saved, (gssize)len, NULL));
        edit(f.path, at, 1, -1);
        assert_ignored(&f, key_a);
    }
    g_assert_true(g_file_set_contents(f.path, saved, (gssize)len, NULL));
    edit(f.path, 0, 0, (gssize)len - 1);           /* cut short */
    assert_ignored(&f, key_a);
    g_assert_true(g_file_set_contents(f.path, "", 0, NULL));
    assert_ignored(&f, key_a);
    g_assert_true(g_file_set_contents(f.path, saved, (gssize)len, NULL));
    edit(f.path, 7, 1, -1);                        /* another version */
    assert_ignored(&f, key_a);
    /* the intact one is still trusted */
    g_assert_true(g_file_set_contents(f.path, saved, (gssize)len, NULL));
    {
        struct files_cache *fc = reopen(&f, key_a);
        g_assert_cmpuint(files_cache_loaded(fc), ==, 2);
        files_cache_free(fc);
    }
    fixture_clear(&f);
}

/* Rewrite the cache's MAC as the writer would, after an edit. */
static void
reseal(const char *path, const unsigned char *key)
{
    static const char label[] = "fallback files cache v1";
    unsigned char kfc[32];
    g_autofree char *data = NULL;
    gsize len;

    crypto_generichash(kfc, sizeof kfc, (const unsigned char *)label, sizeof label - 1, key, 32);
    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    crypto_generichash((unsigned char *)data + len - 32, 32, (unsigned char *)data, len - 32, kfc,
                       sizeof kfc);
    g_assert_true(g_file_set_contents(path, data, (gssize)len, NULL));
}

/* Authentic but inconsistent (a bug of a writer, never trusted): a chunk
 * count that does not fit the size, a wrong record count. */
static void
test_strict_parse(void)
{
    struct fixture f;
    const gsize k_at = 8 + 16 + 5 * 8, count_at_from_end = 40;
    g_autofree char *saved = NULL;
    gsize len;

    fixture_init(&f);
    write_cache(&f, key_a);
    g_assert_true(g_file_get_contents(f.path, &saved, &len, NULL));
    reseal(f.path, key_a);                          /* the reseal itself changes nothing */
    {
        struct files_cache *fc = reopen(&f, key_a);
        g_assert_cmpuint(files_cache_loaded(fc), ==, 2);
        files_cache_free(fc);
    }
    edit(f.path, k_at, -3, -1);                     /* 3 chunks -> 0 for 300,000 bytes */
    reseal(f.path, key_a);
    assert_ignored(&f, key_a);
    g_assert_true(g_file_set_contents(f.path, saved, (gssize)len, NULL));
    edit(f.path, len - count_at_from_end, 1, -1);   /* 3 records said, 2 there */
    reseal(f.path, key_a);
    assert_ignored(&f, key_a);
    g_assert_true(g_file_set_contents(f.path, saved, (gssize)len, NULL));
    edit(f.path, k_at, 1, -1);                      /* 4 ids said: the records run over */
    reseal(f.path, key_a);
    assert_ignored(&f, key_a);
    fixture_clear(&f);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_assert_cmpint(sodium_init(), >=, 0);
    g_test_add_func("/files_cache/hit-and-misses", test_hit_and_misses);
    g_test_add_func("/files_cache/racy-not-cached", test_racy_not_cached);
    g_test_add_func("/files_cache/damaged-ignored", test_damaged_ignored);
    g_test_add_func("/files_cache/strict-parse", test_strict_parse);
    return g_test_run();
}
