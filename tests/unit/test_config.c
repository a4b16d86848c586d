/* test_config.c - config.conf and app_list reading and validation. */
#include <string.h>

#include <glib/gstdio.h>

#include "config.h"
#include "fb.h"

struct fixture {
    char *dir;
};

static void
setup(struct fixture *f, gconstpointer data)
{
    (void)data;
    f->dir = g_dir_make_tmp("fb-config-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
}

static void
teardown(struct fixture *f, gconstpointer data)
{
    g_autoptr(GDir) d = g_dir_open(f->dir, 0, NULL);
    const char *name;

    (void)data;
    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
        g_autofree char *p = g_build_filename(f->dir, name, NULL);
        g_unlink(p);
    }
    g_rmdir(f->dir);
    g_free(f->dir);
}

static char *
write_file(struct fixture *f, const char *name, const char *text, gssize len)
{
    char *path = g_build_filename(f->dir, name, NULL);

    g_assert_true(g_file_set_contents(path, text, len, NULL));
    return path;
}

static char *
fixture_path(const char *name)
{
    g_autofree char *dir = g_path_get_dirname(__FILE__);

    return g_build_filename(dir, "fixtures", name, NULL);
}

#define MINIMAL "ssh_host=fallback.example.org\nssh_key=/k\npass_file=/p\n"

static void
test_original_file(void)
{
    g_autofree char *path = fixture_path("config_original.conf");
    g_autoptr(GError) error = NULL;
    struct fb_config cfg;

    g_assert_true(fb_config_load(path, &cfg, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(cfg.ssh_user, ==, "fallback");
    g_assert_cmpstr(cfg.ssh_host, ==, "fallback.example.org");
    g_assert_cmpstr(cfg.ssh_key, ==, "/root/.ssh/fallback_key");
    g_assert_cmpuint(cfg.ssh_port, ==, 22);
    g_assert_cmpstr(cfg.ssh_options, ==, "");
    g_assert_true(cfg.encrypt);
    g_assert_cmpstr(cfg.pass_file, ==, "/home/yunohost.app/fallback/pass");
    g_assert_cmpstr(cfg.main_storage_dir, ==, "/home/yunohost.app/fallback/fallback_backup");
    g_assert_cmpstr(cfg.overwrite_ip, ==, "");
    fb_config_clear(&cfg);
    g_assert_null(cfg.ssh_host);
}

static void
test_defaults(struct fixture *f, gconstpointer data)
{
    g_autofree char *path = write_file(f, "config.conf", MINIMAL, -1);
    g_autofree char *kh = g_build_filename(f->dir, "known_hosts", NULL);
    g_autofree char *store = g_build_filename(f->dir, "fallback_backup", NULL);
    g_autoptr(GError) error = NULL;
    struct fb_config cfg;

    (void)data;
    g_assert_true(fb_config_load(path, &cfg, &error));
    g_assert_cmpstr(cfg.ssh_user, ==, "fallback");
    g_assert_cmpuint(cfg.ssh_port, ==, 22);
    g_assert_true(cfg.encrypt);
    g_assert_cmpstr(cfg.ssh_options, ==, "");
    g_assert_cmpstr(cfg.overwrite_ip, ==, "");
    g_assert_cmpstr(cfg.known_hosts, ==, kh);
    g_assert_cmpstr(cfg.main_storage_dir, ==, store);
    fb_config_clear(&cfg);
}

static void
test_values(struct fixture *f, gconstpointer data)
{
    const char *text =
        "# a comment\n\n   # indented comment\r\n"
        "  ssh_user = backup-user \n"
        "ssh_host=2001:db8::1\n"
        "ssh_key=/keys/id_ed25519\n"
        "ssh_port=65535\r\n"
        "ssh_options=-o \"Compression=yes\" $HOME\n"
        "encrypt=0\n"
        "overwrite_ip=192.0.2.7\n"
        "known_hosts=/var/lib/fallback/known_hosts\n";
    g_autofree char *path = write_file(f, "config.conf", text, -1);
    g_autoptr(GError) error = NULL;
    struct fb_config cfg;

    (void)data;
    g_assert_true(fb_config_load(path, &cfg, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(cfg.ssh_user, ==, "backup-user");
    g_assert_cmpstr(cfg.ssh_host, ==, "2001:db8::1");
    g_assert_cmpstr(cfg.ssh_key, ==, "/keys/id_ed25519");
    g_assert_cmpuint(cfg.ssh_port, ==, 65535);
    g_assert_cmpstr(cfg.ssh_options, ==, "-o \"Compression=yes\" $HOME");
    g_assert_false(cfg.encrypt);
    g_assert_null(cfg.pass_file);
    g_assert_cmpstr(cfg.overwrite_ip, ==, "192.0.2.7");
    g_assert_cmpstr(cfg.known_hosts, ==, "/var/lib/fallback/known_hosts");
    fb_config_clear(&cfg);
}

struct bad_case {
    const char *text;     /* appended after MINIMAL unless it starts with '!' */
    const char *expect;   /* ":LINE: message" part */
};

static const struct bad_case bad_cases[] = {
    { "ssh_port\n", ":4: expected key=value, got 'ssh_port'" },
    { "=22\n", ":4: empty key" },
    { " = x\n", ":4: empty key" },
    { "ssh_port=0\n", ":4: ssh_port must be a number from 1 to 65535" },
    { "ssh_port=022\n", ":4: ssh_port must be a number from 1 to 65535" },
    { "ssh_port=65536\n", ":4: ssh_port must be a number" },
    { "ssh_port=-1\n", ":4: ssh_port must be a number" },
    { "ssh_port=22x\n", ":4: ssh_port must be a number" },
    { "ssh_port=\n", ":4: ssh_port must be a number" },
    { "ssh_port=99999999999999999999\n", ":4: ssh_port must be a number" },
    { "encrypt=2\n", ":4: encrypt must be 0 or 1" },
    { "encrypt=yes\n", ":4: encrypt must be 0 or 1" },
    { "overwrite_ip=1.2.3\n", ":4: overwrite_ip must be empty or an IPv4 or IPv6 address" },
    { "overwrite_ip=example.org\n", ":4: overwrite_ip must be empty" },
    { "ssh_user=\n", ":4: ssh_user must not be empty" },
    { "ssh_user=a b\n", ":4: ssh_user is not a valid user name" },
    { "ssh_user=-oProxyCommand\n", ":4: ssh_user " },
    { "\n# c\nssh_host=b.example.org\n", ":6: duplicate key 'ssh_host' (first set on line 1)" },
    { "!ssh_host=\n", ":1: ssh_host must not be empty" },
    { "!ssh_host=bad host\n", ":1: ssh_host is neither a host name nor an IP address" },
    { "!ssh_host=-oProxyCommand=x\n", ":1: ssh_host is neither" },
    { "!ssh_host=a..b\n", ":1: ssh_host is neither" },
    { "!ssh_key=\n", ":1: ssh_key must not be empty" },
    { "!ssh_options=a\tb\n", ":1: ssh_options contains a control character" },
    { "!ssh_key=/k\npass_file=/p\n", ": missing key ssh_host" },
    { "!ssh_host=h\npass_file=/p\n", ": missing key ssh_key" },
    { "!ssh_host=h\nssh_key=/k\nencrypt=1\n", ": missing key pass_file (required when encrypt=1)" },
    { "!ssh_host=h\nssh_key=/k\n", ": missing key pass_file" },
    { "!ssh_host=h\nssh_key=/k\npass_file=\n", ": pass_file is empty (required when encrypt=1)" },
    { "!ssh_host=h\nssh_key=keys/k\npass_file=/p\n", ":2: ssh_key must be an absolute path" },
    { "!ssh_host=h\nssh_key=/k\npass_file=pass\n", ":3: pass_file must be an absolute path" },
    { "main_storage_dir=./store\n", ":4: main_storage_dir must be an absolute path" },
    { "known_hosts=known_hosts\n", ":4: known_hosts must be an absolute path" },
};

static void
test_bad_lines(struct fixture *f, gconstpointer data)
{
    (void)data;
    for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        const struct bad_case *c = &bad_cases[i];
        g_autofree char *text = c->text[0] == '!' ? g_strdup(c->text + 1)
                                                  : g_strconcat(MINIMAL, c->text, NULL);
        g_autofree char *path = write_file(f, "config.conf", text, -1);
        g_autofree char *expect = g_strconcat(path, c->expect, NULL);
        g_autoptr(GError) error = NULL;
        struct fb_config cfg;

        g_test_message("case %zu: %s", i, c->text);
        g_assert_false(fb_config_load(path, &cfg, &error));
        g_assert_error(error, FB_ERROR, FB_EXIT_INPUT);
        g_assert_true(g_str_has_prefix(error->message, expect));
        g_assert_null(cfg.ssh_host);
    }
}

/* encrypt=0 with pass_file= (what the install writes then): no pass file */
static void
test_no_encryption(struct fixture *f, gconstpointer data)
{
    g_autofree char *path = write_file(f, "config.conf",
                                       "ssh_host=h\nssh_key=/k\nencrypt=0\npass_file=\n", -1);
    g_autoptr(GError) error = NULL;
    struct fb_config cfg;

    (void)data;
    g_assert_true(fb_config_load(path, &cfg, &error));
    g_assert_no_error(error);
    g_assert_false(cfg.encrypt);
    g_assert_null(cfg.pass_file);
    fb_config_clear(&cfg);
}

static void
test_good_values(struct fixture *f, gconstpointer data)
{
    static const char *const lines[] = {
        "ssh_port=1", "encrypt=1", "overwrite_ip=", "overwrite_ip=::1",
        "overwrite_ip=2001:db8::42", "overwrite_ip=203.0.113.9", "ssh_host=127.0.0.2",
        "ssh_host=fallback", "ssh_host=my_host.example.org", "ssh_user=fb.user_1",
        "ssh_options=", "main_storage_dir=/srv/fallback backup",
    };

    (void)data;
    for (size_t i = 0; i < G_N_ELEMENTS(lines); i++) {
        g_autofree char *text = g_strconcat("ssh_key=/k\npass_file=/p\n", lines[i], "\n",
                                            g_str_has_prefix(lines[i], "ssh_host") ? "" : "ssh_host=h\n",
                                            NULL);
        g_autofree char *path = write_file(f, "config.conf", text, -1);
        g_autoptr(GError) error = NULL;
        struct fb_config cfg;

        g_test_message("case %s", lines[i]);
        g_assert_true(fb_config_load(path, &cfg, &error));
        g_assert_no_error(error);
        fb_config_clear(&cfg);
    }
}

static void
test_unknown_key_warns(struct fixture *f, gconstpointer data)
{
    g_autofree char *path = write_file(f, "config.conf", MINIMAL "\nssh_foo=1\n", -1);

    (void)data;
    if (g_test_subprocess()) {
        struct fb_config cfg;
        g_assert_true(fb_config_load(path, &cfg, NULL));
        g_assert_cmpstr(cfg.ssh_host, ==, "fallback.example.org");
        fb_config_clear(&cfg);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
    /* the child has its own temporary directory: match the file name only */
    g_test_trap_assert_stderr("fallback: warning: */config.conf:5: unknown key 'ssh_foo' ignored\n");
    g_test_trap_assert_stdout("");
}

static void
test_unreadable(struct fixture *f, gconstpointer data)
{
    g_autofree char *missing = g_build_filename(f->dir, "nope.conf", NULL);
    g_autofree char *nul = write_file(f, "nul.conf", "ssh_host=a\nssh_key=/k\0x\n", 23);
    g_autoptr(GError) e1 = NULL;
    g_autoptr(GError) e2 = NULL;
    struct fb_config cfg;

    (void)data;
    g_assert_false(fb_config_load(missing, &cfg, &e1));
    g_assert_error(e1, FB_ERROR, FB_EXIT_INPUT);
    g_assert_nonnull(strstr(e1->message, "nope.conf"));
    g_assert_false(fb_config_load(nul, &cfg, &e2));
    g_assert_error(e2, FB_ERROR, FB_EXIT_INPUT);
    g_assert_nonnull(strstr(e2->message, "nul.conf:2: NUL byte"));
}

static void
test_app_id_rules(void)
{
    static const char *const good[] = { "nextcloud", "nextcloud__2", "nextcloud__12", "my_webapp",
                                        "my-app", "a", "app9", "Wordpress", "x__0" };
    static const char *const bad[] = { "", "-app", "a b", "a/b", "a.b", "..", "caf\xc3\xa9",
                                       "app\n", "nextcloud__2 " };
    char long_ok[129], long_bad[130];

    for (size_t i = 0; i < G_N_ELEMENTS(good); i++)
        g_assert_true(fb_app_id_valid(good[i]));
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        g_assert_false(fb_app_id_valid(bad[i]));
    memset(long_ok, 'a', 128);
    long_ok[128] = '\0';
    memset(long_bad, 'a', 129);
    long_bad[129] = '\0';
    g_assert_true(fb_app_id_valid(long_ok));
    g_assert_false(fb_app_id_valid(long_bad));
}

static void
assert_entry(GPtrArray *list, guint i, const char *id, enum fb_app_mark mark)
{
    const struct fb_app_entry *e = g_ptr_array_index(list, i);

    g_assert_cmpstr(e->id, ==, id);
    g_assert_cmpint(e->mark, ==, mark);
}

static void
test_app_list_original(void)
{
    g_autofree char *path = fixture_path("app_list_original");
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = fb_app_list_load(path, &error);

    g_assert_no_error(error);
    g_assert_nonnull(list);
    g_assert_cmpuint(list->len, ==, 3);
    assert_entry(list, 0, "nextcloud", FB_APP_UNSELECTED);
    assert_entry(list, 1, "wordpress", FB_APP_SELECTED);
    assert_entry(list, 2, "fallback", FB_APP_EXCLUDED);
}

static void
test_app_list_tolerant(struct fixture *f, gconstpointer data)
{
    const char *text = "#000# For each app you want to backup, precede by [.]\n"
                       "[.]: nextcloud__2   \n\n  \t\n# another comment\n"
                       "[]: my_webapp\r\n[-]: fallback\t\n[.]:wordpress";
    g_autofree char *path = write_file(f, "app_list", text, -1);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = fb_app_list_load(path, &error);

    (void)data;
    g_assert_no_error(error);
    g_assert_cmpuint(list->len, ==, 4);
    assert_entry(list, 0, "nextcloud__2", FB_APP_SELECTED);
    assert_entry(list, 1, "my_webapp", FB_APP_UNSELECTED);
    assert_entry(list, 2, "fallback", FB_APP_EXCLUDED);
    assert_entry(list, 3, "wordpress", FB_APP_SELECTED);
}

static void
test_app_list_empty(struct fixture *f, gconstpointer data)
{
    g_autofree char *path = write_file(f, "app_list", "#000# header only\n", -1);
    g_autoptr(GPtrArray) list = fb_app_list_load(path, NULL);

    (void)data;
    g_assert_nonnull(list);
    g_assert_cmpuint(list->len, ==, 0);
}

static const struct bad_case bad_app_lines[] = {
    { "[x]: foo\n", ":2: malformed app_list line: '[x]: foo'" },
    { "[ ]: foo\n", ":2: malformed app_list line" },
    { "[..]: foo\n", ":2: malformed app_list line" },
    { "[.] foo\n", ":2: malformed app_list line: '[.] foo'" },
    { "[.]:\n", ":2: malformed app_list line" },
    { "[.]:   \n", ":2: malformed app_list line" },
    { "wordpress\n", ":2: malformed app_list line: 'wordpress'" },
    { " [.]: foo\n", ":2: malformed app_list line" },
    { "[.]: foo bar\n", ":2: malformed app_list line" },
    { "[.]: foo\x01\n", ":2: invalid app id 'foo\\x01'" },
    { "\n[.]: ../etc\n", ":3: invalid app id '../etc'" },
    { "[.]: -rf\n", ":2: invalid app id '-rf'" },
    { "[.]: my.app\n", ":2: invalid app id 'my.app'" },
    { "[.]: a\n# c\n[]: a\n", ":4: duplicate app id 'a' (first on line 2)" },
    { "[.]: nextcloud__2\n[-]: nextcloud__2\n", ":3: duplicate app id 'nextcloud__2'" },
};

static void
test_app_list_bad(struct fixture *f, gconstpointer data)
{
    (void)data;
    for (size_t i = 0; i < G_N_ELEMENTS(bad_app_lines); i++) {
        const struct bad_case *c = &bad_app_lines[i];
        g_autofree char *text = g_strconcat("#000# header\n", c->text, NULL);
        g_autofree char *path = write_file(f, "app_list", text, -1);
        g_autofree char *expect = g_strconcat(path, c->expect, NULL);
        g_autoptr(GError) error = NULL;
        GPtrArray *list;

        g_test_message("case %zu: %s", i, c->text);
        list = fb_app_list_load(path, &error);
        g_assert_null(list);
        g_assert_error(error, FB_ERROR, FB_EXIT_INPUT);
        g_assert_true(g_str_has_prefix(error->message, expect));
    }
}

#define ADD_F(name, fn) g_test_add(name, struct fixture, NULL, setup, fn, teardown)

/* put, drop and format: one line per app sorted by id, the marks kept or
 * set, the package itself [-], the header only when there is no comment. */
static void
test_app_list_edit(void)
{
    g_autoptr(GPtrArray) e = g_ptr_array_new_with_free_func((GDestroyNotify)fb_app_entry_free);
    g_autoptr(GPtrArray) comments = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GString) s = NULL, t = NULL;
    enum fb_app_mark m;

    fb_app_list_put(e, "zulip", FB_APP_SELECTED, TRUE);
    fb_app_list_put(e, "fallback", FB_APP_SELECTED, FALSE);
    fb_app_list_put(e, "nextcloud__2", FB_APP_UNSELECTED, TRUE);
    g_assert_cmpint(fb_app_list_put(e, "zulip", FB_APP_UNSELECTED, TRUE)->mark, ==, FB_APP_SELECTED);
    g_assert_cmpint(fb_app_list_put(e, "zulip", FB_APP_EXCLUDED, FALSE)->mark, ==, FB_APP_EXCLUDED);
    g_assert_nonnull(fb_app_list_find(e, "nextcloud__2", NULL));
    g_assert_null(fb_app_list_find(e, "nextcloud", NULL));
    g_assert_true(fb_app_list_drop(e, "nextcloud__2"));
    g_assert_false(fb_app_list_drop(e, "nextcloud__2"));
    fb_app_list_put(e, "Nextcloud", FB_APP_SELECTED, TRUE);
    s = fb_app_list_format(e, comments);
    g_assert_cmpstr(s->str, ==, FB_APP_LIST_HEADER "\n[.]: Nextcloud\n[-]: fallback\n[-]: zulip\n");
    g_ptr_array_add(comments, g_strdup("# mine"));
    t = fb_app_list_format(e, comments);
    g_assert_cmpstr(t->str, ==, "# mine\n[.]: Nextcloud\n[-]: fallback\n[-]: zulip\n");
    g_assert_true(fb_app_mark_parse("[.]", &m) && m == FB_APP_SELECTED);
    g_assert_true(fb_app_mark_parse("[]", &m) && m == FB_APP_UNSELECTED);
    g_assert_false(fb_app_mark_parse("[x]", &m));
    g_assert_cmpstr(fb_app_mark_text(FB_APP_EXCLUDED), ==, "[-]");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/config/original-file", test_original_file);
    ADD_F("/config/defaults", test_defaults);
    ADD_F("/config/values", test_values);
    ADD_F("/config/bad-lines", test_bad_lines);
    ADD_F("/config/good-values", test_good_values);
    ADD_F("/config/no-encryption", test_no_encryption);
    ADD_F("/config/unknown-key-warns", test_unknown_key_warns);
    ADD_F("/config/unreadable", test_unreadable);
    g_test_add_func("/app-list/id-rules", test_app_id_rules);
    g_test_add_func("/app-list/original-file", test_app_list_original);
    g_test_add_func("/app-list/edit", test_app_list_edit);
    ADD_F("/app-list/tolerant", test_app_list_tolerant);
    ADD_F("/app-list/empty", test_app_list_empty);
    ADD_F("/app-list/bad-lines", test_app_list_bad);
    return g_test_run();
}
