/* test_stage.c - staging an upload by descriptor: what is moved and sealed,
 * what is refused and left where it was. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fb.h"
#include "stage.h"

struct dirs {
    char *root, *src, *dst;
    int src_fd, dst_fd;
};

static void
dirs_open(struct dirs *d)
{
    g_autoptr(GError) error = NULL;

    d->root = g_dir_make_tmp("stage-XXXXXX", &error);
    g_assert_no_error(error);
    d->src = g_build_filename(d->root, "incoming", NULL);
    d->dst = g_build_filename(d->root, "staging", NULL);
    g_assert_cmpint(mkdir(d->src, 0750), ==, 0);
    g_assert_cmpint(mkdir(d->dst, 0700), ==, 0);
    d->src_fd = fb_stage_open_dir(d->src, &error);
    g_assert_no_error(error);
    d->dst_fd = fb_stage_open_dir(d->dst, &error);
    g_assert_no_error(error);
}

static void
dirs_close(struct dirs *d)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", d->root);

    close(d->src_fd);
    close(d->dst_fd);
    g_assert_cmpint(system(cmd), ==, 0);
    g_free(d->root);
    g_free(d->src);
    g_free(d->dst);
}

static void
put(const struct dirs *d, const char *name, const char *text)
{
    g_autofree char *p = g_build_filename(d->src, name, NULL);
    g_autoptr(GError) error = NULL;

    g_file_set_contents(p, text, -1, &error);
    g_assert_no_error(error);
    g_assert_cmpint(chmod(p, 0666), ==, 0);
}

static gboolean
exists_in(const char *dir, const char *name)
{
    g_autofree char *p = g_build_filename(dir, name, NULL);
    struct stat st;

    return lstat(p, &st) == 0;
}

static void
test_regular_file_moved_and_sealed(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *p = NULL, *text = NULL;
    struct dirs d;
    struct stat st;

    dirs_open(&d);
    put(&d, "n-system.tar", "data");
    g_assert_true(fb_stage_entry(d.src_fd, d.dst_fd, "n-system.tar", getuid(), &error));
    g_assert_no_error(error);
    g_assert_false(exists_in(d.src, "n-system.tar"));
    p = g_build_filename(d.dst, "n-system.tar", NULL);
    g_assert_cmpint(lstat(p, &st), ==, 0);
    g_assert_cmpuint(st.st_uid, ==, 0);
    g_assert_cmpuint(st.st_mode & 07777, ==, 0400);
    g_assert_true(g_file_get_contents(p, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "data");
    dirs_close(&d);
}

static void
assert_refused(struct dirs *d, const char *name, const char *why)
{
    g_autoptr(GError) error = NULL;

    g_assert_false(fb_stage_entry(d->src_fd, d->dst_fd, name, getuid(), &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_INPUT);
    g_assert_nonnull(strstr(error->message, why));
    g_assert_false(exists_in(d->dst, name));
}

static void
test_link_fifo_folder_hardlink_refused(void)
{
    g_autofree char *target = NULL, *l = NULL, *f = NULL, *h = NULL, *dir = NULL;
    struct dirs d;
    struct stat st;

    dirs_open(&d);
    /* a file outside, which a link points at: its mode must not change */
    target = g_build_filename(d.root, "secret", NULL);
    g_assert_true(g_file_set_contents(target, "pw", -1, NULL));
    g_assert_cmpint(chmod(target, 0600), ==, 0);
    l = g_build_filename(d.src, "n-link", NULL);
    g_assert_cmpint(symlink(target, l), ==, 0);
    assert_refused(&d, "n-link", "symbolic link");
    g_assert_cmpint(stat(target, &st), ==, 0);
    g_assert_cmpuint(st.st_mode & 07777, ==, 0600);
    /* a FIFO is refused without blocking */
    f = g_build_filename(d.src, "n-fifo", NULL);
    g_assert_cmpint(mkfifo(f, 0600), ==, 0);
    assert_refused(&d, "n-fifo", "not a regular file");
    g_assert_true(exists_in(d.src, "n-fifo"));
    /* a folder, and a hard link to a file elsewhere */
    dir = g_build_filename(d.src, "n-dir", NULL);
    g_assert_cmpint(mkdir(dir, 0700), ==, 0);
    assert_refused(&d, "n-dir", "not a regular file");
    h = g_build_filename(d.src, "n-hard", NULL);
    g_assert_cmpint(link(target, h), ==, 0);
    assert_refused(&d, "n-hard", "hard links");
    g_assert_cmpint(stat(target, &st), ==, 0);
    g_assert_cmpuint(st.st_mode & 07777, ==, 0600);
    dirs_close(&d);
}

static void
test_other_owner_and_bad_names_refused(void)
{
    g_autoptr(GError) error = NULL;
    struct dirs d;

    dirs_open(&d);
    put(&d, "n-mine", "x");
    g_assert_false(fb_stage_entry(d.src_fd, d.dst_fd, "n-mine", getuid() + 1, &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_INPUT);
    g_assert_nonnull(strstr(error->message, "not owned"));
    g_assert_true(exists_in(d.src, "n-mine"));
    g_clear_error(&error);
    g_assert_false(fb_stage_entry(d.src_fd, d.dst_fd, "../x", getuid(), &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_INPUT);
    g_clear_error(&error);
    g_assert_false(fb_stage_entry(d.src_fd, d.dst_fd, "..", getuid(), &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_INPUT);
    dirs_close(&d);
}

static void
test_existing_staged_name_never_replaced(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *p = NULL, *text = NULL;
    struct dirs d;

    dirs_open(&d);
    p = g_build_filename(d.dst, "n-a", NULL);
    g_assert_true(g_file_set_contents(p, "first", -1, NULL));
    put(&d, "n-a", "second");
    g_assert_false(fb_stage_entry(d.src_fd, d.dst_fd, "n-a", getuid(), &error));
    g_assert_nonnull(error);
    g_assert_true(g_file_get_contents(p, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "first");
    dirs_close(&d);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/stage/regular-file-moved-and-sealed", test_regular_file_moved_and_sealed);
    g_test_add_func("/stage/link-fifo-folder-hardlink-refused", test_link_fifo_folder_hardlink_refused);
    g_test_add_func("/stage/other-owner-and-bad-names-refused", test_other_owner_and_bad_names_refused);
    g_test_add_func("/stage/existing-staged-name-never-replaced", test_existing_staged_name_never_replaced);
    return g_test_run();
}
