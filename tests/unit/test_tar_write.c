/* test_tar_write.c - backup.csv rows and the tar writer, read back by tar.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "backup_csv.h"
#include "fb.h"
#include "tar.h"
#include "tar_write.h"

static void
test_csv_rows(void)
{
    const char text[] = "\"/a b\",\"x/y\"\r\n\"/q\"\"uote,\",\"z\"\nplain,\"two\r\nlines\"\r\n";
    g_autoptr(GPtrArray) rows = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true(backup_csv_parse(text, sizeof text - 1, "t", &rows, &error));
    g_assert_cmpuint(rows->len, ==, 6);
    g_assert_cmpstr(rows->pdata[0], ==, "/a b");
    g_assert_cmpstr(rows->pdata[1], ==, "x/y");
    g_assert_cmpstr(rows->pdata[2], ==, "/q\"uote,");
    g_assert_cmpstr(rows->pdata[4], ==, "plain");
    g_assert_cmpstr(rows->pdata[5], ==, "two\r\nlines");
}

static void
bad_csv(const char *text, const char *message)
{
    g_autoptr(GPtrArray) rows = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_false(backup_csv_parse(text, strlen(text), "t", &rows, &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_INPUT);
    g_assert_nonnull(strstr(error->message, message));
    g_assert_null(rows);
}

static void
test_csv_refused(void)
{
    bad_csv("\"a\"\r\n", "line 1: expected two fields");
    bad_csv("\"a\",\"b\"\r\n\"a\",\"b\",\"c\"\r\n", "line 2: expected two fields");
    bad_csv("\"a\",\"\"\r\n", "empty field");
    bad_csv("\"a\",\"b", "unterminated");
    bad_csv("\"a\"x,\"b\"", "after a closing quote");
    bad_csv("a\"b,c", "quote inside");
}

/* Write rows of dir into a temporary file; return its fd at offset 0. */
static int
write_tar(const char *const *rows, GError **error)
{
    char tmpl[] = "/tmp/test_tar_write.XXXXXX";
    int fd = mkstemp(tmpl);
    struct tar_writer *w;
    gboolean ok = TRUE;

    g_assert_cmpint(fd, >=, 0);
    unlink(tmpl);
    w = tar_writer_new(fd);
    for (; ok && rows[0] != NULL; rows += 2)
        ok = tar_write_add(w, rows[0], rows[1], error);
    ok = ok && tar_write_finish(w, error);
    tar_writer_free(w);
    if (!ok) {
        close(fd);
        return -1;
    }
    g_assert_cmpint(lseek(fd, 0, SEEK_END) % 10240, ==, 0);
    g_assert_cmpint(lseek(fd, 0, SEEK_SET), ==, 0);
    return fd;
}

/* "TYPE path [-> link] size" per member, as the reader sees them. */
static char *
listing(int fd)
{
    struct tar_reader *r = tar_reader_new(fd, "t.tar");
    GString *out = g_string_new(NULL);
    const struct tar_entry *e;
    g_autoptr(GError) error = NULL;

    while (tar_reader_next(r, &e, &error) && e != NULL)
        g_string_append_printf(out, "%d %s%s%s %" G_GUINT64_FORMAT "\n", e->type, e->path,
                               *e->linkname != '\0' ? " -> " : "", e->linkname, e->size);
    g_assert_no_error(error);
    tar_reader_free(r);
    return g_string_free(out, FALSE);
}

static void
test_members(void)
{
    g_autofree char *dir = g_dir_make_tmp("tarw.XXXXXX", NULL);
    g_autofree char *d = g_build_filename(dir, "d", NULL);
    g_autofree char *sub = g_build_filename(d, "sub", NULL);
    g_autofree char *a = g_build_filename(d, "a", NULL);
    g_autofree char *hard = g_build_filename(d, "hard", NULL);
    g_autofree char *lnk = g_build_filename(sub, "l", NULL);
    char longname[160];
    g_autofree char *lng = NULL, *list = NULL, *want = NULL;
    g_autoptr(GError) error = NULL;
    int fd;

    memset(longname, 'n', 150);
    longname[150] = '\0';
    lng = g_build_filename(d, longname, NULL);
    g_assert_cmpint(g_mkdir_with_parents(sub, 0755), ==, 0);
    g_assert_true(g_file_set_contents(a, "hello\n", 6, NULL));
    g_assert_true(g_file_set_contents(lng, "x", 1, NULL));
    g_assert_cmpint(link(a, hard), ==, 0);
    g_assert_cmpint(symlink("../a", lnk), ==, 0);
    fd = write_tar((const char *const[]){ d, "/top", a, "again/a", NULL, NULL }, &error);
    g_assert_no_error(error);
    list = listing(fd);
    close(fd);
    want = g_strdup_printf("3 top/ 0\n0 top/a 6\n1 top/hard -> top/a 0\n0 top/%s 1\n"
                           "3 top/sub/ 0\n2 top/sub/l -> ../a 0\n1 again/a -> top/a 0\n",
                           longname);
    g_assert_cmpstr(list, ==, want);
    g_assert_cmpint(unlink(lnk) | rmdir(sub) | unlink(a) | unlink(hard) | unlink(lng), ==, 0);
    g_assert_cmpint(rmdir(d) | rmdir(dir), ==, 0);
}

static void
test_missing(void)
{
    g_autoptr(GError) error = NULL;

    g_assert_cmpint(write_tar((const char *const[]){ "/nonexistent/x", "x", NULL, NULL },
                              &error), ==, -1);
    g_assert_error(error, FB_ERROR, FB_EXIT_FAIL);
}

/* A fifo and a device are headers with no data (the fifo is never opened:
 * opening one with no writer would block). */
static void
test_fifo_device(void)
{
    g_autofree char *dir = g_dir_make_tmp("tarw.XXXXXX", NULL);
    g_autofree char *fifo = g_build_filename(dir, "f", NULL);
    g_autofree char *dev = g_build_filename(dir, "n", NULL);
    g_autofree char *list = NULL;
    g_autoptr(GError) error = NULL;
    gboolean root = geteuid() == 0;
    int fd;

    g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
    if (root)
        g_assert_cmpint(mknod(dev, S_IFCHR | 0640, makedev(1, 3)), ==, 0);
    fd = write_tar((const char *const[]){ dir, "d", NULL, NULL }, &error);
    g_assert_no_error(error);
    list = listing(fd);
    close(fd);
    g_assert_cmpstr(list, ==, root ? "3 d/ 0\n4 d/f 0\n4 d/n 0\n" : "3 d/ 0\n4 d/f 0\n");
    if (root)
        g_assert_cmpint(unlink(dev), ==, 0);
    g_assert_cmpint(unlink(fifo) | rmdir(dir), ==, 0);
}

/* The archive's errors have fb_errno_code's statuses: a full disk 8, a
 * write refused (a write-sealed memfd: EPERM) 11. */
static void
test_write_errors(void)
{
    const struct { int code, e; } want[] = { { FB_EXIT_NOSPACE, ENOSPC }, { FB_EXIT_DENIED, EPERM } };
    int fds[2] = { open("/dev/full", O_WRONLY | O_CLOEXEC),
                   memfd_create("sealed", MFD_CLOEXEC | MFD_ALLOW_SEALING) };

    g_assert_cmpint(fds[0], >=, 0);
    g_assert_cmpint(fds[1], >=, 0);
    g_assert_cmpint(fcntl(fds[1], F_ADD_SEALS, F_SEAL_WRITE), ==, 0);
    for (int i = 0; i < 2; i++) {
        struct tar_writer *w = tar_writer_new(fds[i]);
        g_autoptr(GError) error = NULL;
        g_autofree char *msg = g_strdup_printf("cannot write the archive: %s", g_strerror(want[i].e));

        g_assert_false(tar_write_finish(w, &error));
        g_assert_error(error, FB_ERROR, want[i].code);
        g_assert_cmpstr(error->message, ==, msg);
        tar_writer_free(w);
        close(fds[i]);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tar_write/csv-rows", test_csv_rows);
    g_test_add_func("/tar_write/csv-refused", test_csv_refused);
    g_test_add_func("/tar_write/members", test_members);
    g_test_add_func("/tar_write/missing", test_missing);
    g_test_add_func("/tar_write/fifo-device", test_fifo_device);
    g_test_add_func("/tar_write/write-errors", test_write_errors);
    return g_test_run();
}
