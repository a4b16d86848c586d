/* test_tar.c - the streaming tar reader on archives built byte by byte here. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fb.h"
#include "tar.h"

/* ---- a tiny tar writer, enough to build well-formed and broken inputs ---- */

static void
put_octal(unsigned char *f, gsize n, guint64 v)
{
    g_autofree char *s = g_strdup_printf("%0*" G_GINT64_MODIFIER "o", (int)(n - 1), v);
    g_assert_cmpuint(strlen(s), ==, n - 1);
    memcpy(f, s, n - 1);
    f[n - 1] = '\0';
}

static void
seal(unsigned char *h)
{
    guint sum = 0;

    memset(h + 148, ' ', 8);
    for (int i = 0; i < 512; i++)
        sum += h[i];
    g_snprintf((char *)h + 148, 8, "%06o", sum);
    h[155] = ' ';
}

/* Append a header (ustar magic unless gnu) and its padded data. */
static void
add(GByteArray *a, char type, const char *name, const char *link,
    const void *data, gsize len, gboolean gnu)
{
    unsigned char h[512] = { 0 };
    static const unsigned char zero[512];

    memcpy(h, name, MIN(strlen(name), 100));
    put_octal(h + 100, 8, 0644);
    put_octal(h + 108, 8, 0);
    put_octal(h + 116, 8, 0);
    put_octal(h + 124, 12, len);
    put_octal(h + 136, 12, 0);
    h[156] = (unsigned char)type;
    if (link != NULL)
        memcpy(h + 157, link, MIN(strlen(link), 100));
    memcpy(h + 257, gnu ? "ustar  " : "ustar\0" "00", 8);
    seal(h);
    g_byte_array_append(a, h, 512);
    if (len > 0) {
        g_byte_array_append(a, data, (guint)len);
        g_byte_array_append(a, zero, (guint)((512 - len % 512) % 512));
    }
}

static void
add_pax(GByteArray *a, const char *records)
{
    add(a, 'x', "PaxHeader", NULL, records, strlen(records), FALSE);
}

static void
end(GByteArray *a)
{
    static const unsigned char zero[1024];

    g_byte_array_append(a, zero, sizeof zero);
}

/* A pax record "LEN key=value\n", LEN counting its own digits. */
static char *
pax_record(const char *key, const char *value)
{
    gsize body = strlen(key) + strlen(value) + 3, len = body + 1;

    for (;;) {
        char digits[24];
        gsize d = (gsize)g_snprintf(digits, sizeof digits, "%zu", len);
        if (d + body == len)
            break;
        len = d + body;
    }
    return g_strdup_printf("%zu %s=%s\n", len, key, value);
}

/* ---- reading back ---- */

struct read_result {
    GPtrArray *lines;   /* "type path -> link size content" */
    GError *error;
};

static int
open_bytes(GByteArray *a)
{
    char tmpl[] = "/tmp/test_tar.XXXXXX";
    int fd = mkstemp(tmpl);

    g_assert_cmpint(fd, >=, 0);
    unlink(tmpl);
    g_assert_cmpint(write(fd, a->data, a->len), ==, (ssize_t)a->len);
    g_assert_cmpint(lseek(fd, 0, SEEK_SET), ==, 0);
    return fd;
}

/* Read every entry; when read_data, collect the data and check its size. */
static gboolean
read_all(GByteArray *a, gboolean read_data, GPtrArray *lines, GError **error)
{
    int fd = open_bytes(a);
    struct tar_reader *r = tar_reader_new(fd, "test.tar");
    gboolean ok = TRUE;

    for (;;) {
        const struct tar_entry *e;
        const unsigned char *d;
        gsize n;
        if (!(ok = tar_reader_next(r, &e, error)) || e == NULL)
            break;
        g_autoptr(GString) content = g_string_new(NULL);
        while (read_data && (ok = tar_reader_data(r, &d, &n, error)) && n > 0)
            g_string_append_len(content, (const char *)d, (gssize)n);
        if (!ok)
            break;
        if (read_data)
            g_assert_cmpuint(content->len, ==, e->size);
        g_ptr_array_add(lines, g_strdup_printf("%d %s -> %s %" G_GUINT64_FORMAT " %.20s",
                                               e->type, e->path, e->linkname, e->size,
                                               content->str));
    }
    tar_reader_free(r);
    close(fd);
    return ok;
}

static void
assert_refused(GByteArray *a, const char *fragment)
{
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;

    g_assert_false(read_all(a, TRUE, lines, &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_INPUT);
    if (g_strstr_len(error->message, -1, fragment) == NULL)
        g_error("message '%s' lacks '%s'", error->message, fragment);
}

static void
test_ustar_basic(void)
{
    g_autoptr(GByteArray) a = g_byte_array_new();
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;

    add(a, '5', "dir/", NULL, NULL, 0, FALSE);
    add(a, '0', "dir/hello", NULL, "hello world", 11, FALSE);
    add(a, '2', "dir/ln", "hello", NULL, 0, FALSE);
    add(a, '1', "dir/hard", "dir/hello", NULL, 0, FALSE);
    add(a, '\0', "v7file", NULL, "x", 1, FALSE);
    end(a);
    g_assert_true(read_all(a, TRUE, lines, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(lines->len, ==, 5);
    g_assert_cmpstr(lines->pdata[0], ==, "3 dir/ ->  0 ");
    g_assert_cmpstr(lines->pdata[1], ==, "0 dir/hello ->  11 hello world");
    g_assert_cmpstr(lines->pdata[2], ==, "2 dir/ln -> hello 0 ");
    g_assert_cmpstr(lines->pdata[3], ==, "1 dir/hard -> dir/hello 0 ");
    g_assert_cmpstr(lines->pdata[4], ==, "0 v7file ->  1 x");
}

static void
test_skip_unread_data(void)
{
    g_autoptr(GByteArray) a = g_byte_array_new();
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    g_autofree char *big = g_malloc(700 * 1000);

    memset(big, 'b', 700 * 1000);
    add(a, '0', "big", NULL, big, 700 * 1000, FALSE);
    add(a, '0', "after", NULL, "tail", 4, FALSE);
    end(a);
    g_assert_true(read_all(a, FALSE, lines, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(lines->len, ==, 2);
    g_assert_cmpstr(lines->pdata[1], ==, "0 after ->  4 ");
}

/* Data larger than the reader's buffer comes back whole and in order. */
static void
test_large_data(void)
{
    g_autoptr(GByteArray) a = g_byte_array_new();
    gsize len = TAR_BUFFER * 2 + 777;
    g_autofree unsigned char *big = g_malloc(len);
    g_autoptr(GString) got = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    const struct tar_entry *e;
    const unsigned char *d;
    gsize n;

    for (gsize i = 0; i < len; i++)
        big[i] = (unsigned char)(i * 7 + i / 251);
    add(a, '0', "small", NULL, "abc", 3, FALSE);
    add(a, '0', "big", NULL, big, len, FALSE);
    end(a);
    int fd = open_bytes(a);
    struct tar_reader *r = tar_reader_new(fd, "t");
    g_assert_true(tar_reader_next(r, &e, &error));
    g_assert_true(tar_reader_next(r, &e, &error));
    g_assert_cmpstr(e->path, ==, "big");
    while (tar_reader_data(r, &d, &n, &error) && n > 0)
        g_string_append_len(got, (const char *)d, (gssize)n);
    g_assert_no_error(error);
    g_assert_cmpuint(got->len, ==, len);
    g_assert_true(memcmp(got->str, big, len) == 0);
    g_assert_true(tar_reader_next(r, &e, &error));
    g_assert_null(e);
    tar_reader_free(r);
    close(fd);
}

static void
test_pax_overrides(void)
{
    g_autoptr(GByteArray) a = g_byte_array_new();
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    g_autofree char *longname = g_strnfill(150, 'n');
    g_autofree char *r1 = pax_record("path", longname);
    g_autofree char *r2 = pax_record("linkpath", "target/of/link");
    g_autofree char *r3 = pax_record("mtime", "1.5");
    g_autofree char *r4 = pax_record("size", "5");
    g_autofree char *recs = g_strconcat(r1, r2, r3, NULL);
    g_autofree char *expect = g_strdup_printf("2 %s -> target/of/link 0 ", longname);

    add_pax(a, recs);
    add(a, '2', "short", "short-link", NULL, 0, FALSE);
    add_pax(a, r4);
    /* header says 0 bytes, the pax size says 5: 5 are read */
    {
        unsigned char h[512] = { 0 };
        memcpy(h, "sized", 5);
        put_octal(h + 124, 12, 0);
        h[156] = '0';
        memcpy(h + 257, "ustar\0" "00", 8);
        seal(h);
        g_byte_array_append(a, h, 512);
        unsigned char blk[512] = { 'H', 'E', 'L', 'L', 'O' };
        g_byte_array_append(a, blk, 512);
    }
    end(a);
    g_assert_true(read_all(a, TRUE, lines, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(lines->len, ==, 2);
    g_assert_cmpstr(lines->pdata[0], ==, expect);
    g_assert_cmpstr(lines->pdata[1], ==, "0 sized ->  5 HELLO");
}

static void
test_gnu_long_names(void)
{
    g_autoptr(GByteArray) a = g_byte_array_new();
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    g_autofree char *longname = g_strnfill(300, 'p');
    g_autofree char *longlink = g_strnfill(200, 'k');
    g_autofree char *expect = g_strdup_printf("2 %s -> %s 0 ", longname, longlink);

    add(a, 'L', "././@LongLink", NULL, longname, strlen(longname) + 1, TRUE);
    add(a, 'K', "././@LongLink", NULL, longlink, strlen(longlink) + 1, TRUE);
    add(a, '2', "truncated-name", "truncated-link", NULL, 0, TRUE);
    add(a, '0', "plain", NULL, "p", 1, TRUE);
    end(a);
    g_assert_true(read_all(a, TRUE, lines, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(lines->len, ==, 2);
    g_assert_cmpstr(lines->pdata[0], ==, expect);
    g_assert_cmpstr(lines->pdata[1], ==, "0 plain ->  1 p");
}

/* The ustar prefix field is joined with '/', but only with POSIX magic. */
static void
test_ustar_prefix(void)
{
    g_autoptr(GByteArray) a = g_byte_array_new();
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    unsigned char h[512] = { 0 };

    memcpy(h, "name", 4);
    put_octal(h + 124, 12, 0);
    h[156] = '0';
    memcpy(h + 257, "ustar\0" "00", 8);
    memcpy(h + 345, "some/prefix", 11);
    seal(h);
    g_byte_array_append(a, h, 512);
    end(a);
    g_assert_true(read_all(a, TRUE, lines, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(lines->pdata[0], ==, "0 some/prefix/name ->  0 ");
}

static void
test_base256_size(void)
{
    g_autoptr(GByteArray) a = g_byte_array_new();
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    unsigned char h[512] = { 0 }, blk[512] = { 'a', 'b', 'c' };

    memcpy(h, "b256", 4);
    h[124] = 0x80;
    h[135] = 3;
    h[156] = '0';
    memcpy(h + 257, "ustar  ", 8);
    seal(h);
    g_byte_array_append(a, h, 512);
    g_byte_array_append(a, blk, 512);
    end(a);
    g_assert_true(read_all(a, TRUE, lines, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(lines->pdata[0], ==, "0 b256 ->  3 abc");
}

static void
test_bad_checksum(void)
{
    g_autoptr(GByteArray) a = g_byte_array_new();

    add(a, '0', "file", NULL, "data", 4, FALSE);
    end(a);
    a->data[3] ^= 0x01;
    assert_refused(a, "bad header checksum");
}

static void
test_truncations(void)
{
    g_autoptr(GByteArray) a = g_byte_array_new();
    g_autofree char *data = g_strnfill(1500, 'd');

    add(a, '0', "file", NULL, data, 1500, FALSE);
    add(a, '0', "second", NULL, "x", 1, FALSE);
    end(a);
    /* cut inside the first header, inside the data, inside the padding,
     * on the second header boundary, and before the end marker */
    const guint cuts[] = { 100, 512 + 700, 512 + 1520, 2048, 2048 + 100, 2048 + 1024 };
    for (gsize i = 0; i < G_N_ELEMENTS(cuts); i++) {
        g_autoptr(GByteArray) t = g_byte_array_new();
        g_byte_array_append(t, a->data, cuts[i]);
        assert_refused(t, "truncated");
    }
}

static void
test_empty_input(void)
{
    g_autoptr(GByteArray) a = g_byte_array_new();

    assert_refused(a, "no end-of-archive marker");
}

static void
test_bad_pax(void)
{
    static const struct { const char *s; gsize len; } bad[] = {
        { "5 path=x\n", 9 }, { "99 path=x\n", 10 }, { "x path=x\n", 9 },
        { "9 pathx\n\n\n", 10 }, { "12 path=a\0b\n", 12 }, { "11 size=1a\n", 11 },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GByteArray) a = g_byte_array_new();
        add(a, 'x', "PaxHeader", NULL, bad[i].s, bad[i].len, FALSE);
        add(a, '0', "f", NULL, "1", 1, FALSE);
        end(a);
        assert_refused(a, "pax");
    }
}

static void
test_refused_kinds(void)
{
    g_autoptr(GByteArray) sparse = g_byte_array_new();
    g_autoptr(GByteArray) unknown = g_byte_array_new();
    g_autoptr(GByteArray) dangling = g_byte_array_new();
    g_autoptr(GByteArray) bigext = g_byte_array_new();
    g_autofree char *huge = g_malloc0(TAR_MAX_EXTENDED + 1);

    add(sparse, 'S', "sp", NULL, NULL, 0, TRUE);
    end(sparse);
    assert_refused(sparse, "sparse");
    add(unknown, 'Q', "q", NULL, NULL, 0, FALSE);
    end(unknown);
    assert_refused(unknown, "unsupported entry type");
    add(dangling, 'L', "././@LongLink", NULL, "name", 5, TRUE);
    end(dangling);
    assert_refused(dangling, "extended header without an entry");
    add(bigext, 'L', "././@LongLink", NULL, huge, TAR_MAX_EXTENDED + 1, TRUE);
    add(bigext, '0', "f", NULL, NULL, 0, TRUE);
    end(bigext);
    assert_refused(bigext, "too large");
}

static void
test_gzip_named(void)
{
    g_autoptr(GByteArray) a = g_byte_array_new();
    unsigned char blk[1024] = { 0x1f, 0x8b, 8, 0 };

    g_byte_array_append(a, blk, sizeof blk);
    assert_refused(a, "gzip");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tar/ustar-basic", test_ustar_basic);
    g_test_add_func("/tar/skip-unread-data", test_skip_unread_data);
    g_test_add_func("/tar/large-data", test_large_data);
    g_test_add_func("/tar/pax-overrides", test_pax_overrides);
    g_test_add_func("/tar/gnu-long-names", test_gnu_long_names);
    g_test_add_func("/tar/ustar-prefix", test_ustar_prefix);
    g_test_add_func("/tar/base256-size", test_base256_size);
    g_test_add_func("/tar/bad-checksum", test_bad_checksum);
    g_test_add_func("/tar/truncations", test_truncations);
    g_test_add_func("/tar/empty-input", test_empty_input);
    g_test_add_func("/tar/bad-pax", test_bad_pax);
    g_test_add_func("/tar/refused-kinds", test_refused_kinds);
    g_test_add_func("/tar/gzip-named", test_gzip_named);
    return g_test_run();
}
