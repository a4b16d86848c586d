/* test_transfer.c - chunk planning, resume offsets, names, status mapping,
 * pinned known_hosts entries. */
#include <errno.h>

#include <libssh/sftp.h>

#include "fb.h"
#include "hostkey.h"
#include "transfer.h"
#include "watchdog.h"

static void
test_io_sizes_within_cap(void)
{
    g_assert_cmpuint(FB_WRITE_CHUNK, <=, FB_SFTP_MAX_IO);
    g_assert_cmpuint(FB_READ_REQUEST, <=, FB_SFTP_MAX_IO);
    g_assert_cmpuint(FB_SFTP_MAX_IO, ==, 261120);
}

static void
test_resume_offset(void)
{
    gboolean trunc = FALSE;

    /* a part several chunks long resumes one chunk back */
    g_assert_cmpuint(fb_resume_offset(10 * FB_WRITE_CHUNK + 7, 50 * FB_WRITE_CHUNK,
                                      FB_WRITE_CHUNK, &trunc), ==, 9 * FB_WRITE_CHUNK + 7);
    g_assert_false(trunc);
    /* a complete part is still re-sent from one chunk back */
    g_assert_cmpuint(fb_resume_offset(1000000, 1000000, 1000, &trunc), ==, 999000);
    g_assert_false(trunc);
    /* no more than one chunk there: start over */
    g_assert_cmpuint(fb_resume_offset(1000, 5000, 1000, &trunc), ==, 0);
    g_assert_true(trunc);
    g_assert_cmpuint(fb_resume_offset(0, 5000, 1000, &trunc), ==, 0);
    g_assert_true(trunc);
    /* longer than the local file: not a prefix, start over */
    g_assert_cmpuint(fb_resume_offset(9000, 5000, 1000, &trunc), ==, 0);
    g_assert_true(trunc);
}

static void
test_read_length(void)
{
    g_assert_cmpuint(fb_read_length(0, 10 * FB_READ_REQUEST), ==, FB_READ_REQUEST);
    g_assert_cmpuint(fb_read_length(FB_READ_REQUEST, FB_READ_REQUEST + 5), ==, 5);
    g_assert_cmpuint(fb_read_length(7, 7), ==, 0);
    g_assert_cmpuint(fb_read_length(9, 7), ==, 0);
    g_assert_cmpuint(fb_read_length(0, 1), ==, 1);
}

static void
test_names(void)
{
    g_assert_true(fb_name_ok("20250101-system.tar.enc"));
    g_assert_true(fb_name_ok(".hidden"));
    g_assert_false(fb_name_ok(""));
    g_assert_false(fb_name_ok("."));
    g_assert_false(fb_name_ok(".."));
    g_assert_false(fb_name_ok("a/b"));
    g_assert_false(fb_name_ok("a\nb"));
    g_assert_false(fb_name_ok(NULL));
}

static void
test_paths(void)
{
    g_autofree char *a = fb_path_join("/backups", "x");
    g_autofree char *b = fb_path_join("/backups/", "x");
    g_autofree char *c = fb_path_join("/", "x");
    g_autofree char *p = fb_part_name("/backups/x");

    g_assert_cmpstr(a, ==, "/backups/x");
    g_assert_cmpstr(b, ==, "/backups/x");
    g_assert_cmpstr(c, ==, "/x");
    g_assert_cmpstr(p, ==, "/backups/x.part");
}

static void
test_types_and_statuses(void)
{
    g_assert_cmpint(fb_ls_type(SSH_FILEXFER_TYPE_REGULAR), ==, 'f');
    g_assert_cmpint(fb_ls_type(SSH_FILEXFER_TYPE_DIRECTORY), ==, 'd');
    g_assert_cmpint(fb_ls_type(SSH_FILEXFER_TYPE_SYMLINK), ==, 'l');
    g_assert_cmpint(fb_ls_type(SSH_FILEXFER_TYPE_SPECIAL), ==, 'o');
    g_assert_cmpint(fb_sftp_status_exit(SSH_FX_PERMISSION_DENIED), ==, FB_EXIT_DENIED);
    g_assert_cmpint(fb_sftp_status_exit(SSH_FX_NO_SUCH_FILE), ==, FB_EXIT_FAIL);
    g_assert_cmpint(fb_sftp_status_exit(SSH_FX_FAILURE), ==, FB_EXIT_FAIL);
    g_assert_cmpint(fb_sftp_status_exit(14), ==, FB_EXIT_NOSPACE);
    g_assert_cmpint(fb_errno_code(ENOSPC), ==, FB_EXIT_NOSPACE);
    g_assert_cmpint(fb_errno_code(EACCES), ==, FB_EXIT_DENIED);
    g_assert_cmpint(fb_errno_code(EIO), ==, FB_EXIT_FAIL);
}

static char *
new_key_line(const char *hosts, char **fingerprint)
{
    ssh_key key = NULL;
    char *b64 = NULL, *line;

    g_assert_cmpint(ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key), ==, SSH_OK);
    g_assert_cmpint(ssh_pki_export_pubkey_base64(key, &b64), ==, SSH_OK);
    *fingerprint = fb_key_fingerprint(key);
    g_assert_true(g_str_has_prefix(*fingerprint, "SHA256:"));
    line = g_strdup_printf("%s ssh-ed25519 %s\n", hosts, b64);
    ssh_string_free_char(b64);
    ssh_key_free(key);
    return line;
}

static void
test_known_hosts_fingerprints(void)
{
    g_autofree char *fp1 = NULL, *fp2 = NULL, *fp3 = NULL;
    g_autofree char *l1 = new_key_line("[10.0.0.1]:2222", &fp1);
    g_autofree char *l2 = new_key_line("other.example,[10.0.0.1]:2222", &fp2);
    g_autofree char *l3 = new_key_line("10.0.0.1", &fp3);
    g_autofree char *text = g_strconcat("# comment\n\n", l1, "garbage line\n",
                                        "[10.0.0.1]:2222 ssh-ed25519 notbase64\n", l2, l3, NULL);
    g_autoptr(GPtrArray) fps = fb_known_hosts_fingerprints(text, "[10.0.0.1]:2222");
    g_autoptr(GPtrArray) none = fb_known_hosts_fingerprints(text, "[10.0.0.2]:2222");

    g_assert_cmpuint(fps->len, ==, 2);
    g_assert_cmpstr(fps->pdata[0], ==, fp1);
    g_assert_cmpstr(fps->pdata[1], ==, fp2);
    g_assert_cmpstr(fp1, !=, fp2);
    g_assert_cmpuint(none->len, ==, 0);
}

static void
test_watchdog_quiet_while_ticked(void)
{
    g_autoptr(GError) error = NULL;
    struct fb_watchdog *w = fb_watchdog_start("test", 3600, &error);

    g_assert_no_error(error);
    g_assert_nonnull(w);
    fb_watchdog_tick(w);
    fb_watchdog_stop(w);
    fb_watchdog_tick(NULL);
    fb_watchdog_stop(NULL);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/transfer/io-sizes-within-cap", test_io_sizes_within_cap);
    g_test_add_func("/transfer/resume-offset", test_resume_offset);
    g_test_add_func("/transfer/read-length", test_read_length);
    g_test_add_func("/transfer/names", test_names);
    g_test_add_func("/transfer/paths", test_paths);
    g_test_add_func("/transfer/types-and-statuses", test_types_and_statuses);
    g_test_add_func("/transfer/known-hosts-fingerprints", test_known_hosts_fingerprints);
    g_test_add_func("/transfer/watchdog-quiet-while-ticked", test_watchdog_quiet_while_ticked);
    return g_test_run();
}
