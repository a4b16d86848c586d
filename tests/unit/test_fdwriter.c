/* test_fdwriter.c - the writer thread: order of blocks, errors reported. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fb.h"
#include "fdwriter.h"

#define CAP 1000

/* Blocks of varied sizes, each filled with its number, come out in order. */
static void
test_order(void)
{
    int fd = memfd_create("test", MFD_CLOEXEC);
    struct fdwriter *w = fdwriter_new(fd, CAP);
    g_autoptr(GError) error = NULL;
    size_t total = 0;

    g_assert_cmpint(fd, >=, 0);
    for (int i = 0; i < 200; i++) {
        size_t len = (size_t)(i * 37) % (CAP + 1);
        memset(fdwriter_buffer(w), i, len);
        g_assert_true(fdwriter_submit(w, len, &error));
        total += len;
    }
    g_assert_true(fdwriter_close(w, &error));
    g_assert_no_error(error);
    g_assert_cmpint(lseek(fd, 0, SEEK_END), ==, (off_t)total);
    for (int i = 0, off = 0; i < 200; i++) {
        size_t len = (size_t)(i * 37) % (CAP + 1);
        unsigned char buf[CAP];
        g_assert_cmpint(pread(fd, buf, len, off), ==, (ssize_t)len);
        for (size_t j = 0; j < len; j++)
            g_assert_cmpint(buf[j], ==, (unsigned char)i);
        off += (int)len;
    }
    close(fd);
}

/* A full disk: exit 8, "cannot write the output: ...", from submit and then from close. */
static void
test_no_space(void)
{
    int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
    struct fdwriter *w = fdwriter_new(fd, CAP);
    g_autoptr(GError) error = NULL;
    g_autofree char *want = g_strdup_printf("cannot write the output: %s", g_strerror(ENOSPC));
    gboolean ok = TRUE;

    g_assert_cmpint(fd, >=, 0);
    for (int i = 0; ok && i < 100; i++) {
        memset(fdwriter_buffer(w), 'x', CAP);
        ok = fdwriter_submit(w, CAP, &error);
    }
    g_assert_false(ok);
    g_assert_error(error, FB_ERROR, FB_EXIT_NOSPACE);
    g_assert_cmpstr(error->message, ==, want);
    g_clear_error(&error);
    g_assert_false(fdwriter_close(w, &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_NOSPACE);
    close(fd);
}

/* An error seen only at close; close with no GError just says FALSE. */
static void
test_error_at_close(void)
{
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    struct fdwriter *w = fdwriter_new(fd, CAP);
    g_autoptr(GError) error = NULL;

    g_assert_cmpint(fd, >=, 0);
    g_assert_true(fdwriter_submit(w, 0, &error));   /* nothing written: no error */
    memset(fdwriter_buffer(w), 'x', 10);
    fdwriter_submit(w, 10, &error);                 /* may or may not have failed yet */
    g_clear_error(&error);
    g_assert_false(fdwriter_close(w, &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_FAIL);

    w = fdwriter_new(fd, CAP);
    fdwriter_submit(w, 10, NULL);
    g_assert_false(fdwriter_close(w, NULL));
    close(fd);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fdwriter/order", test_order);
    g_test_add_func("/fdwriter/no-space", test_no_space);
    g_test_add_func("/fdwriter/error-at-close", test_error_at_close);
    return g_test_run();
}
