/* test_secret.c - reading passwords: first line only, limits, refusals. */
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "fb.h"
#include "secret.h"

static char *
temp_file_with(const char *data, size_t len)
{
    g_autoptr(GError) error = NULL;
    char *path = NULL;
    int fd = g_file_open_tmp("secret-XXXXXX", &path, &error);

    g_assert_no_error(error);
    g_assert_cmpint(write(fd, data, len), ==, (ssize_t)len);
    close(fd);
    return path;
}

static struct secret *
password_from(const char *data, size_t len, GError **error)
{
    g_autofree char *path = temp_file_with(data, len);
    struct secret *s = secret_read_password(path, FALSE, error);

    unlink(path);
    return s;
}

static void
test_file_first_line(void)
{
    g_autoptr(GError) error = NULL;
    struct secret *s = password_from("pass word\nsecond line\n", 22, &error);

    g_assert_no_error(error);
    g_assert_cmpmem(s->data, s->len, "pass word", 9);
    secret_free(s);
    s = password_from("no newline", 10, &error);
    g_assert_cmpmem(s->data, s->len, "no newline", 10);
    secret_free(s);
    s = password_from("crlf\r\n", 6, &error);   /* only \n ends the line */
    g_assert_cmpmem(s->data, s->len, "crlf\r", 5);
    secret_free(s);
}

static void
test_file_refusals(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *longest = g_strnfill(SECRET_MAX, 'a');
    g_autofree char *too_long = g_strnfill(SECRET_MAX + 1, 'a');
    struct secret *s;

    g_assert_null(password_from("\nafter", 6, &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_FAIL);
    g_assert_nonnull(strstr(error->message, "empty"));
    g_clear_error(&error);
    g_assert_null(password_from("", 0, &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_FAIL);
    g_clear_error(&error);
    g_assert_null(password_from(too_long, SECRET_MAX + 1, &error));
    g_assert_nonnull(strstr(error->message, "longer"));
    g_clear_error(&error);
    s = password_from(longest, SECRET_MAX, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(s->len, ==, SECRET_MAX);
    secret_free(s);
    g_assert_null(secret_read_password("/nonexistent/pass", FALSE, &error));
    g_assert_nonnull(strstr(error->message, "/nonexistent/pass"));
}

static void
test_line_from_fd_consumes_one_line(void)
{
    g_autoptr(GError) error = NULL;
    int p[2];
    char rest[16] = { 0 };
    struct secret *s;

    g_assert_cmpint(pipe(p), ==, 0);
    g_assert_cmpint(write(p[1], "pw one\nDATA", 11), ==, 11);
    close(p[1]);
    s = secret_line_from_fd(p[0], &error);
    g_assert_no_error(error);
    g_assert_cmpmem(s->data, s->len, "pw one", 6);
    g_assert_cmpint(read(p[0], rest, sizeof rest), ==, 4);
    g_assert_cmpstr(rest, ==, "DATA");
    close(p[0]);
    secret_free(s);
}

static void
test_whole_file_for_key_files(void)
{
    g_autoptr(GError) error = NULL;
    const char bin[] = "ab\ncd\0ef";
    g_autofree char *path = temp_file_with(bin, sizeof bin);
    struct secret *s = secret_from_file(path, &error);

    g_assert_no_error(error);
    g_assert_cmpmem(s->data, s->len, bin, sizeof bin);
    secret_first_line(s);
    g_assert_cmpmem(s->data, s->len, "ab", 2);
    g_assert_cmpint(s->data[2], ==, 0);   /* the rest is wiped */
    secret_free(s);
    unlink(path);
}

int
main(int argc, char **argv)
{
    g_assert_cmpint(sodium_init(), >=, 0);
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/secret/file-first-line", test_file_first_line);
    g_test_add_func("/secret/file-refusals", test_file_refusals);
    g_test_add_func("/secret/line-from-fd", test_line_from_fd_consumes_one_line);
    g_test_add_func("/secret/whole-file", test_whole_file_for_key_files);
    return g_test_run();
}
