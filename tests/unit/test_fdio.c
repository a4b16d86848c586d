/* test_fdio.c - whole reads and writes on a descriptor, and the status an
 * errno gives: the one mapping every module uses. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fb.h"
#include "fdio.h"

static void
test_errno_code(void)
{
    const struct { int e, code; } cases[] = {
        { ENOSPC, FB_EXIT_NOSPACE }, { EDQUOT, FB_EXIT_NOSPACE },
        { EACCES, FB_EXIT_DENIED }, { EPERM, FB_EXIT_DENIED }, { EROFS, FB_EXIT_DENIED },
        { EIO, FB_EXIT_FAIL }, { ENOENT, FB_EXIT_FAIL }, { 0, FB_EXIT_FAIL },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
        g_assert_cmpint(fb_errno_code(cases[i].e), ==, cases[i].code);
}

/* A memfd holding len bytes of a pattern, offset back at 0. */
static int
filled(size_t len)
{
    int fd = memfd_create("fdio", MFD_CLOEXEC);
    g_autofree unsigned char *b = g_malloc(len + 1);
    g_autoptr(GError) error = NULL;

    g_assert_cmpint(fd, >=, 0);
    for (size_t i = 0; i < len; i++)
        b[i] = (unsigned char)(i * 7 + i / 251);
    g_assert_true(fd_write_all(fd, b, len, "memfd", &error));
    g_assert_no_error(error);
    g_assert_cmpint(lseek(fd, 0, SEEK_SET), ==, 0);
    return fd;
}

static void
test_write_read_back(void)
{
    int fd = filled(300000);
    g_autofree unsigned char *b = g_malloc(300001);
    g_autoptr(GError) error = NULL;
    size_t got = 1;

    g_assert_true(fd_read_full(fd, b, 300001, &got, "memfd", &error));
    g_assert_no_error(error);
    g_assert_cmpuint(got, ==, 300000);
    for (size_t i = 0; i < got; i++)
        g_assert_cmpuint(b[i], ==, (unsigned char)(i * 7 + i / 251));
    g_assert_true(fd_read_full(fd, b, 10, &got, "memfd", &error));
    g_assert_cmpuint(got, ==, 0);
    close(fd);
}

/* A pipe gives its bytes in pieces: the read goes on until len. */
static void
test_read_full_pieces(void)
{
    int p[2];
    unsigned char b[8];
    g_autoptr(GError) error = NULL;
    size_t got = 0;

    g_assert_cmpint(pipe(p), ==, 0);
    g_assert_cmpint(write(p[1], "abc", 3), ==, 3);
    g_assert_cmpint(write(p[1], "defgh", 5), ==, 5);
    g_assert_cmpint(write(p[1], "ij", 2), ==, 2);
    close(p[1]);
    g_assert_true(fd_read_full(p[0], b, sizeof b, &got, "pipe", &error));
    g_assert_cmpuint(got, ==, 8);
    g_assert_cmpmem(b, 8, "abcdefgh", 8);
    g_assert_true(fd_read_full(p[0], b, sizeof b, &got, "pipe", &error));
    g_assert_cmpuint(got, ==, 2);
    close(p[0]);
}

/* A full disk is NOSPACE, named; a descriptor not open for reading, FAIL. */
static void
test_errors(void)
{
    int full = open("/dev/full", O_WRONLY | O_CLOEXEC);
    g_autoptr(GError) error = NULL;
    g_autofree char *want = g_strdup_printf("cannot write the tar: %s", g_strerror(ENOSPC));
    unsigned char b[4] = { 0 };
    size_t got = 9;

    g_assert_cmpint(full, >=, 0);
    g_assert_false(fd_write_all(full, b, sizeof b, "the tar", &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_NOSPACE);
    g_assert_cmpstr(error->message, ==, want);
    g_clear_error(&error);
    g_assert_false(fd_read_full(full, b, sizeof b, &got, "/dev/full", &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_FAIL);
    g_assert_true(g_str_has_prefix(error->message, "cannot read /dev/full: "));
    close(full);
}

/* max bytes come whole and NUL-terminated, at every size around the
 * buffer's doublings; max + 1 is refused. */
static void
test_read_max(void)
{
    const size_t sizes[] = { 0, 1, 65535, 65536, 65537, 131072, 200000 };

    for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
        size_t n = sizes[i], len = 1;
        int fd = filled(n);
        g_autofree char *out = NULL;
        g_autoptr(GError) error = NULL;

        g_assert_true(fd_read_max(fd, n, "src", &out, &len, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(len, ==, n);
        g_assert_cmpint(out[n], ==, '\0');
        for (size_t j = 0; j < n; j++)
            g_assert_cmpuint((unsigned char)out[j], ==, (unsigned char)(j * 7 + j / 251));
        if (n > 0) {
            g_autofree char *none = NULL;
            g_autofree char *want = g_strdup_printf("src: larger than %zu bytes", n - 1);
            g_assert_cmpint(lseek(fd, 0, SEEK_SET), ==, 0);
            g_assert_false(fd_read_max(fd, n - 1, "src", &none, &len, &error));
            g_assert_error(error, FB_ERROR, FB_EXIT_INPUT);
            g_assert_cmpstr(error->message, ==, want);
            g_assert_null(none);
        }
        close(fd);
    }
}

/* A file: read whole under its cap, refused over it, and a missing or
 * unreadable one named with its status. */
static void
test_file_read_max(void)
{
    g_autofree char *dir = g_dir_make_tmp("fdio-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "f", NULL);
    g_autofree char *missing = g_build_filename(dir, "none", NULL);
    g_autofree char *out = NULL, *want = NULL;
    g_autoptr(GError) error = NULL;
    size_t len = 0;

    g_assert_true(g_file_set_contents(path, "abc\n", 4, NULL));
    g_assert_true(file_read_max(path, 4, &out, &len, &error));
    g_assert_cmpuint(len, ==, 4);
    g_assert_cmpstr(out, ==, "abc\n");
    g_clear_pointer(&out, g_free);
    g_assert_false(file_read_max(path, 3, &out, &len, &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_INPUT);
    g_assert_null(out);
    g_clear_error(&error);
    g_assert_false(file_read_max(missing, 3, &out, &len, &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_FAIL);
    want = g_strdup_printf("cannot open %s: %s", missing, g_strerror(ENOENT));
    g_assert_cmpstr(error->message, ==, want);
    g_clear_error(&error);
    g_assert_false(file_read_max(dir, 3, &out, &len, &error));
    g_assert_nonnull(error);
    g_assert_null(out);
    g_assert_cmpint(unlink(path), ==, 0);
    g_assert_cmpint(rmdir(dir), ==, 0);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fdio/errno-code", test_errno_code);
    g_test_add_func("/fdio/write-read-back", test_write_read_back);
    g_test_add_func("/fdio/read-full-pieces", test_read_full_pieces);
    g_test_add_func("/fdio/errors", test_errors);
    g_test_add_func("/fdio/read-max", test_read_max);
    g_test_add_func("/fdio/file-read-max", test_file_read_max);
    return g_test_run();
}
