/* test_tar_header.c - header bytes as Python's tarfile writes them: the pax
 * mtime text (Python's repr of the float), device fields, numbers that do
 * not fit, non-ASCII and non-UTF-8 names. The answers were printed by
 * Debian 12's Python 3.11 (repr(sec + nsec * 1e-9), tarfile headers). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tar_header.h"

static void
assert_mtime(gint64 sec, long nsec, const char *want)
{
    char buf[32];

    tar_header_mtime_text(sec, nsec, buf);
    g_assert_cmpstr(buf, ==, want);
}

static void
test_mtime_text(void)
{
    assert_mtime(1700000000, 0, "1700000000.0");
    assert_mtime(1700000000, 500000000, "1700000000.5");
    assert_mtime(1796156447, 413045600, "1796156447.4130456");
    assert_mtime(0, 0, "0.0");
    assert_mtime(0, 1, "1e-09");
    assert_mtime(0, 100000, "0.0001");
    assert_mtime(-1, 250000000, "-0.75");
    assert_mtime(99999999999999999, 0, "1e+17");
    assert_mtime(5, 0, "5.0");
    assert_mtime(1, 999999999, "1.999999999");
    assert_mtime(123, 456, "123.000000456");
}

/* Many (sec, nsec) pairs, every kind of magnitude: Python's repr of each
 * float, printed by Debian's python3, against ours. */
static void
test_mtime_text_vs_python(void)
{
    static const char py[] =
        "import sys\n"
        "for line in open(sys.argv[1]):\n"
        "    s, n = map(int, line.split())\n"
        "    print(repr(s + n * 1e-9))\n";
    char tmpl[] = "/tmp/test_tar_header.XXXXXX";
    int fd = mkstemp(tmpl);
    const char *argv[] = { "/usr/bin/python3", "-c", py, tmpl, NULL };
    int status;
    g_autoptr(GString) in = g_string_new(NULL), want = g_string_new(NULL);
    g_autofree char *out = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GRand) rand = g_rand_new_with_seed(20261201);
    char buf[32];

    for (int i = 0; i < 20000; i++) {
        static const gint64 scale[] = { 1, 1000, 2000000000, G_GINT64_CONSTANT(8589934592),
                                        G_GINT64_CONSTANT(1) << 40, G_GINT64_CONSTANT(1) << 53 };
        gint64 sec = (gint64)(g_rand_double(rand) * (double)scale[i % 6]);
        long nsec;

        if (i % 7 == 0)
            sec -= scale[i % 6] / 2;                                  /* before 1970 */
        nsec = i % 5 == 0 ? 0 : i % 5 == 1 ? 500000000 : g_rand_int_range(rand, 0, 1000000000);

        if (i % 11 == 0)
            nsec = (long)g_rand_int_range(rand, 0, 1000) * 1000000;   /* whole ms */
        g_string_append_printf(in, "%" G_GINT64_FORMAT " %ld\n", sec, nsec);
        tar_header_mtime_text(sec, nsec, buf);
        g_string_append_printf(want, "%s\n", buf);
    }
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, in->str, in->len), ==, (gssize)in->len);
    close(fd);
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL,
                               &status, &error));
    g_assert_no_error(error);
    unlink(tmpl);
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    g_assert_cmpstr(out, ==, want->str);
}

static GString *
header_of(const struct tar_member *m)
{
    GString *out = g_string_new(NULL);

    tar_header_append(out, m);
    g_assert_cmpuint(out->len % TAR_HEADER_BLOCK, ==, 0);
    return out;
}

/* The ustar block is the last one; the pax records follow the first. */
static const char *
ustar_of(const GString *h)
{
    return h->str + h->len - TAR_HEADER_BLOCK;
}

static void
test_fields(void)
{
    struct tar_member m = { .type = '3', .name = "dev/null", .link = "", .uname = "root",
                            .gname = "root", .mode = 0666, .mtime_sec = 1700000000,
                            .mtime_nsec = 500000000, .devmajor = 1, .devminor = 3 };
    g_autoptr(GString) h = header_of(&m);
    const char *u = ustar_of(h);

    g_assert_cmpuint(h->len, ==, 3 * TAR_HEADER_BLOCK);
    g_assert_cmpmem(h->str + TAR_HEADER_BLOCK, 23, "22 mtime=1700000000.5\n\0", 23);
    g_assert_cmpmem(u + 329, 16, "0000001\0" "0000003\0", 16);
    g_assert_cmpmem(u + 136, 12, "14524770400\0", 12);   /* round half to even */
    g_assert_cmpmem(u + 148, 8, "012533\0 ", 8);
    /* the pax header: mode, owners and mtime 0, no device fields */
    g_assert_cmpmem(h->str, 15, "././@PaxHeader\0", 15);
    g_assert_cmpmem(h->str + 100, 8, "0000000\0", 8);
    g_assert_cmpmem(h->str + 329, 16, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
    /* a fifo has no device fields either */
    g_string_free(h, TRUE);
    m.type = '6';
    h = header_of(&m);
    g_assert_cmpmem(ustar_of(h) + 329, 16, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
    g_assert_cmpint(ustar_of(h)[156], ==, '6');
}

static void
test_big_numbers_and_names(void)
{
    struct tar_member m = { .type = '0', .name = "caf\xc3\xa9/\xff\xfe", .link = "",
                            .uname = "", .gname = "", .mode = 0644, .uid = 5000000,
                            .size = (guint64)9 << 30, .mtime_sec = 1700000001,
                            .mtime_nsec = 500000000 };
    g_autoptr(GString) h = header_of(&m);
    const char *u = ustar_of(h);
    const char *pax = h->str + TAR_HEADER_BLOCK;
    const char want[] = "21 hdrcharset=BINARY\n17 path=caf\xc3\xa9/\xff\xfe\n"
                        "15 uid=5000000\n19 size=9663676416\n22 mtime=1700000001.5\n";

    g_assert_cmpmem(pax, sizeof want - 1, want, sizeof want - 1);
    g_assert_cmpmem(u, 8, "caf?/??\0", 8);
    g_assert_cmpmem(u + 108, 8, "0000000\0", 8);
    g_assert_cmpmem(u + 124, 12, "00000000000\0", 12);
    g_assert_cmpmem(u + 136, 12, "14524770402\0", 12);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tar_header/mtime-text", test_mtime_text);
    g_test_add_func("/tar_header/mtime-text-vs-python", test_mtime_text_vs_python);
    g_test_add_func("/tar_header/fields", test_fields);
    g_test_add_func("/tar_header/big-numbers-and-names", test_big_numbers_and_names);
    return g_test_run();
}
