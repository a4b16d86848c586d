/* test_pack.c - packs: written, named by their hash, verified without the
 * key; blobs in random order; damaged packs and tables refused. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "fb.h"
#include "pack.h"

static void
rm_rf(const char *dir)
{
    const char *argv[] = { "rm", "-rf", dir, NULL };

    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, NULL, NULL));
}

/* A fake blob of len bytes for id i (a pack does not open its blobs). */
static void
fake(unsigned char id[BLOB_ID_BYTES], unsigned char *blob, size_t len, guint i)
{
    memset(id, 0, BLOB_ID_BYTES);
    memcpy(id, &i, sizeof i);
    memset(blob, (int)(i & 0xff), len);
}

static struct pack_info *
write_pack(const char *dir, guint n, size_t len)
{
    struct pack_writer *w = pack_writer_new(dir);
    g_autofree unsigned char *blob = g_malloc(len);
    struct pack_info *done = NULL;
    g_autoptr(GError) error = NULL;

    for (guint i = 0; i < n; i++) {
        unsigned char id[BLOB_ID_BYTES];
        fake(id, blob, len, i);
        g_assert_true(pack_writer_add(w, id, blob, len, &done, &error));
        g_assert_null(done);
    }
    g_assert_true(pack_writer_flush(w, &done, &error));
    g_assert_no_error(error);
    g_assert_nonnull(done);
    pack_writer_free(w);
    return done;
}

static char *
path_of(const char *dir, const struct pack_info *p)
{
    g_autofree char *sub = g_strndup(p->name, 2);

    return g_build_filename(dir, sub, p->name, NULL);
}

static void
test_write_verify_read(void)
{
    g_autofree char *dir = g_dir_make_tmp("pack.XXXXXX", NULL);
    g_autoptr(pack_info) p = write_pack(dir, 30, 100);
    g_autofree char *path = path_of(dir, p);
    g_autoptr(pack_info) v = NULL;
    g_autoptr(pack_info) p2 = NULL;
    g_autoptr(GError) error = NULL;
    guint in_order = 0;
    int fd;

    g_assert_cmpuint(p->size, ==, 8 + 30 * 100 + 30 * PACK_ENTRY_BYTES + 4);
    v = pack_verify(path, p->name, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(v->entries->len, ==, 30);
    g_assert_cmpmem(v->entries->data, 30 * sizeof(struct pack_entry), p->entries->data,
                    30 * sizeof(struct pack_entry));
    /* every blob read back by its entry is the one its id names */
    fd = open(path, O_RDONLY);
    for (guint i = 0; i < v->entries->len; i++) {
        const struct pack_entry *e = &g_array_index(v->entries, struct pack_entry, i);
        unsigned char want[100], got[100], id[BLOB_ID_BYTES];
        guint n;

        memcpy(&n, e->id, sizeof n);
        fake(id, want, sizeof want, n);
        g_assert_true(pack_read_blob(fd, path, e, got, &error));
        g_assert_cmpmem(got, sizeof got, want, sizeof want);
        in_order += n == i;
    }
    close(fd);
    /* random placement: not the order they were added (1 in 30! chance) */
    g_assert_cmpuint(in_order, <, 30);
    /* the same blobs again: another order, hence another pack */
    p2 = write_pack(dir, 30, 100);
    g_assert_cmpstr(p2->name, !=, p->name);
    rm_rf(dir);
}

static void
assert_damaged(const char *path, const char *name, int code, const char *message)
{
    g_autoptr(GError) error = NULL;

    g_assert_null(pack_verify(path, name, &error));
    g_assert_error(error, FB_ERROR, code);
    if (strstr(error->message, message) == NULL)
        g_error("\"%s\" does not say \"%s\"", error->message, message);
}

static void
rewrite(const char *path, const unsigned char *data, gsize len)
{
    g_assert_true(g_file_set_contents(path, (const char *)data, (gssize)len, NULL));
}

static void
le32(unsigned char *p, guint32 v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void
test_damage(void)
{
    g_autofree char *dir = g_dir_make_tmp("pack.XXXXXX", NULL);
    g_autoptr(pack_info) p = write_pack(dir, 3, 60);
    g_autofree char *path = path_of(dir, p);
    g_autofree char *copy = g_build_filename(dir, "copy", NULL);
    g_autofree unsigned char *orig = NULL;
    g_autofree unsigned char *t = NULL;
    gsize len;
    gsize table;

    g_assert_true(g_file_get_contents(path, (char **)&orig, &len, NULL));
    table = len - 4 - 3 * PACK_ENTRY_BYTES;
    /* one blob byte: the table is fine, the hash is not */
    t = g_memdup2(orig, len);
    t[20] ^= 1;
    rewrite(copy, t, len);
    assert_damaged(copy, p->name, FB_EXIT_CORRUPT, "BLAKE2b is not its name");
    {
        g_autoptr(pack_info) only_table = pack_read_table(copy, NULL);
        g_assert_nonnull(only_table);
    }
    /* truncated */
    rewrite(copy, orig, len - 1);
    assert_damaged(copy, NULL, FB_EXIT_CORRUPT, "damaged");
    rewrite(copy, orig, 20);
    assert_damaged(copy, NULL, FB_EXIT_CORRUPT, "too short");
    /* unknown magic */
    memcpy(t, orig, len);
    t[7] = 3;
    rewrite(copy, t, len);
    assert_damaged(copy, NULL, FB_EXIT_FORMAT, "unknown magic");
    /* a gap in the table */
    memcpy(t, orig, len);
    le32(t + table + PACK_ENTRY_BYTES + 32, 8 + 61);
    rewrite(copy, t, len);
    assert_damaged(copy, NULL, FB_EXIT_CORRUPT, "gap or an overlap");
    /* an id twice */
    memcpy(t, orig, len);
    memcpy(t + table + PACK_ENTRY_BYTES, t + table, BLOB_ID_BYTES);
    rewrite(copy, t, len);
    assert_damaged(copy, NULL, FB_EXIT_CORRUPT, "twice");
    /* a count that does not fit */
    memcpy(t, orig, len);
    le32(t + len - 4, 1000);
    rewrite(copy, t, len);
    assert_damaged(copy, NULL, FB_EXIT_CORRUPT, "count does not fit");
    /* three blobs present, the first two listed */
    memcpy(t, orig, len);
    le32(t + table + 2 * PACK_ENTRY_BYTES, 2);
    rewrite(copy, t, len - PACK_ENTRY_BYTES);
    assert_damaged(copy, NULL, FB_EXIT_CORRUPT, "do not end where its table starts");
    /* missing */
    unlink(copy);
    assert_damaged(copy, NULL, FB_EXIT_CORRUPT, "missing");
    /* the untouched pack is fine */
    pack_info_free(pack_verify(path, p->name, NULL));
    rm_rf(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_assert_cmpint(sodium_init(), >=, 0);
    g_test_add_func("/pack/write-verify-read", test_write_verify_read);
    g_test_add_func("/pack/damage", test_damage);
    return g_test_run();
}
