/* test_json.c - parsing of the yunohost JSON outputs, good and bad. */
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "fb.h"
#include "json.h"

static char *
load_fixture(const char *name, gsize *len)
{
    g_autofree char *dir = g_path_get_dirname(__FILE__);
    g_autofree char *path = g_build_filename(dir, "fixtures", name, NULL);
    char *text = NULL;

    g_assert_true(g_file_get_contents(path, &text, len, NULL));
    return text;
}

/* ids joined by ',' for compact comparisons. */
static char *
join(GPtrArray *names)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < names->len; i++)
        g_string_append_printf(s, "%s%s", i > 0 ? "," : "", (char *)g_ptr_array_index(names, i));
    return g_string_free(s, FALSE);
}

static char *
join_parts(GPtrArray *parts)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; parts != NULL && i < parts->len; i++) {
        const struct fb_json_part *p = g_ptr_array_index(parts, i);
        g_string_append_printf(s, "%s%s%s%s", i > 0 ? "," : "", p->name, p->status ? "=" : "",
                               p->status ? p->status : "");
    }
    return g_string_free(s, FALSE);
}

static void
check_apps(const char *fixture, const char *expect)
{
    gsize len;
    g_autofree char *text = load_fixture(fixture, &len);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) ids = fb_json_app_ids(text, len, &error);
    g_autofree char *got = NULL;

    g_assert_no_error(error);
    g_assert_nonnull(ids);
    got = join(ids);
    g_assert_cmpstr(got, ==, expect);
}

static void
test_app_list_shapes(void)
{
    check_apps("app_list_12.json", "fallback,nextcloud,nextcloud__2,wordpress");
    check_apps("app_list_11.json", "fallback,nextcloud,wordpress");
    check_apps("app_list_12_full.json", "fallback,nextcloud__2");
    check_apps("app_list_11_full.json", "fallback,wordpress");
    check_apps("app_list_empty.json", "");
}

struct bad_fixture {
    const char *name;
    const char *expect;   /* substring of the message, after the source prefix */
};

static const struct bad_fixture bad_app_lists[] = {
    { "app_list_truncated.json", "invalid JSON at 1:46: premature end of input" },
    { "app_list_trailing.json", "end of file expected" },
    { "app_list_duplicate_key.json", "duplicate object key" },
    { "app_list_apps_object.json", "apps must be an array, got an object" },
    { "app_list_item_no_id.json", "apps[0]: missing key 'id'" },
    { "app_list_id_integer.json", "apps[0].id must be a string, got an integer" },
    { "app_list_invalid_id.json", "apps[0].id: invalid app id '../etc'" },
    { "app_list_duplicate_id.json", "apps[1].id: duplicate 'wordpress'" },
    { "app_list_item_string.json", "apps[0] must be an object, got a string" },
    { "app_list_top_array.json", "expected an object at the top, got an array" },
};

static void
assert_input_error(const GError *error, const char *source, const char *expect)
{
    g_assert_error(error, FB_ERROR, FB_EXIT_INPUT);
    g_test_message("message: %s", error->message);
    g_assert_true(g_str_has_prefix(error->message, source));
    g_assert_nonnull(strstr(error->message, expect));
}

static void
test_app_list_bad(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(bad_app_lists); i++) {
        gsize len;
        g_autofree char *text = load_fixture(bad_app_lists[i].name, &len);
        g_autoptr(GError) error = NULL;

        g_test_message("fixture %s", bad_app_lists[i].name);
        g_assert_null(fb_json_app_ids(text, len, &error));
        assert_input_error(error, "`yunohost app list` output: ", bad_app_lists[i].expect);
    }
}

static void
test_raw_input(void)
{
    /* len 0: the text's strlen */
    static const struct { const char *text; gsize len; const char *expect; } cases[] = {
        { "", 0, "empty, expected JSON" },
        { " \n\t\r\n", 0, "empty, expected JSON" },
        { "{\"apps\":[]}\0", 12, "NUL byte at offset 11" },
        { "\0{\"apps\":[]}", 12, "NUL byte at offset 0" },
        { "{\"apps\":[{\"id\":\"a\\u0000b\"}]}", 0, "invalid JSON" },
        { "\xff\xfe{}", 0, "invalid JSON at 1:0" },
        { "{\"apps\":[]} {}", 0, "end of file expected" },
        { "{\"apps\":[{\"id\":\"caf\xc3\xa9\"}]}", 0, "invalid app id" },
        { "{\"apps\":[{\"id\":\"\"}]}", 0, "invalid app id ''" },
        { "{\"apps\":null}", 0, "apps must be an array, got null" },
        { "null", 0, "'[' or '{' expected" },
        { "42", 0, "'[' or '{' expected" },
        { "{\"apps\":[{\"id\":\"a\"}]", 0, "'}' expected near end of file" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        gsize len = cases[i].len > 0 ? cases[i].len : strlen(cases[i].text);

        g_test_message("case %zu", i);
        g_assert_null(fb_json_app_ids(cases[i].text, len, &error));
        assert_input_error(error, "`yunohost app list` output: ", cases[i].expect);
    }
}

/* Every proper prefix of a JSON document is refused, never half read. */
static void
test_every_truncation(void)
{
    gsize len;
    g_autofree char *text = load_fixture("app_list_12.json", &len);

    while (len > 0 && g_ascii_isspace(text[len - 1]))
        len--;
    for (gsize cut = 0; cut < len; cut++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) ids = fb_json_app_ids(text, cut, &error);

        g_assert_null(ids);
        g_assert_error(error, FB_ERROR, FB_EXIT_INPUT);
    }
}

static void
test_deep_nesting(void)
{
    gsize depth = 100000;
    g_autoptr(GString) s = g_string_new("{\"apps\":");
    g_autoptr(GError) error = NULL;

    for (gsize i = 0; i < depth; i++)
        g_string_append_c(s, '[');
    for (gsize i = 0; i < depth; i++)
        g_string_append_c(s, ']');
    g_string_append_c(s, '}');
    g_assert_null(fb_json_app_ids(s->str, s->len, &error));
    assert_input_error(error, "`yunohost app list` output: ", "maximum parsing depth");
}

static void
test_huge_list(void)
{
    g_autoptr(GString) s = g_string_new("{\"apps\": [");
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) ids = NULL;
    guint n = 50000;

    for (guint i = 0; i < n; i++)
        g_string_append_printf(s, "%s{\"id\": \"app%u\", \"name\": \"App %u\", \"description\": \"%0200u\"}",
                               i > 0 ? ", " : "", i, i, i);
    g_string_append(s, "]}");
    ids = fb_json_app_ids(s->str, s->len, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(ids->len, ==, n);
    g_assert_cmpstr(g_ptr_array_index(ids, 0), ==, "app0");
    g_assert_cmpstr(g_ptr_array_index(ids, n - 1), ==, "app49999");
}

static int
temp_fd_with(gsize size)
{
    g_autofree char *name = NULL;
    g_autofree char *data = g_malloc(size);
    int fd = g_file_open_tmp("fb-json-XXXXXX", &name, NULL);

    g_assert_cmpint(fd, >=, 0);
    g_unlink(name);
    memset(data, ' ', size);
    g_assert_cmpint(write(fd, data, size), ==, (ssize_t)size);
    g_assert_cmpint(lseek(fd, 0, SEEK_SET), ==, 0);
    return fd;
}

static void
test_read_bounded(void)
{
    gsize max = 200000, len = 0;
    int at_max = temp_fd_with(max), over = temp_fd_with(max + 1);
    g_autofree char *buf = NULL;
    g_autoptr(GError) error = NULL;
    char *none = NULL;

    g_assert_true(fb_json_read_fd(at_max, max, "src", &buf, &len, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(len, ==, max);
    g_assert_false(fb_json_read_fd(over, max, "src", &none, &len, &error));
    g_assert_null(none);
    assert_input_error(error, "src: ", "larger than 200000 bytes");
    close(at_max);
    close(over);
}

static void
test_backup_result(void)
{
    gsize len;
    g_autofree char *text = load_fixture("backup_create.json", &len);
    g_autoptr(GError) error = NULL;
    struct fb_backup_result res;
    g_autofree char *system = NULL, *apps = NULL;

    g_assert_true(fb_json_backup_result(text, len, &res, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(res.name, ==, "20250101-120000");
    g_assert_cmpint(res.size, ==, 1048576);
    system = join_parts(res.system);
    apps = join_parts(res.apps);
    g_assert_cmpstr(system, ==, "conf_ldap=Success,conf_ssowat=Skipped,data_home=Warning");
    g_assert_cmpstr(apps, ==, "fallback=Success,nextcloud__2=Error,wordpress=Unknown");
    fb_backup_result_clear(&res);
    g_assert_null(res.name);
}

static const struct bad_fixture bad_results[] = {
    { "backup_create_bad_status.json", "results.system.conf_ldap: invalid status 'Done'" },
    { "backup_create_dry_run.json", "missing key 'name'" },
    { "backup_create_size_string.json", "size must be an integer number of bytes, got string '1.0MB'" },
    { "app_list_12.json", "missing key 'name'" },
};

static void
test_backup_result_bad(void)
{
    static const char *const inline_cases[][2] = {
        { "{\"name\":\"x\",\"size\":1,\"results\":{\"system\":{}}}", "missing key 'apps'" },
        { "{\"name\":\"x\",\"size\":1,\"results\":{\"system\":[],\"apps\":{}}}", "results.system must be an object" },
        { "{\"name\":\"x\",\"size\":1,\"results\":{\"system\":{},\"apps\":{\"a\":1}}}", "results.apps.a must be a string" },
        { "{\"name\":\"x\",\"size\":1,\"results\":{\"system\":{},\"apps\":{\"a b\":\"Success\"}}}", "invalid app id 'a b'" },
        { "{\"name\":\"../x\",\"size\":1,\"results\":{\"system\":{},\"apps\":{}}}", "name: invalid archive name" },
        { "{\"name\":\"x\",\"size\":-5,\"results\":{\"system\":{},\"apps\":{}}}", "size must not be negative" },
        { "{\"name\":\"x\",\"size\":99999999999999999999999,\"results\":{}}", "invalid JSON" },
        { "{\"name\":\"x\",\"size\":true,\"results\":{}}", "size must be an integer, got true" },
    };
    struct fb_backup_result res;

    for (size_t i = 0; i < G_N_ELEMENTS(bad_results); i++) {
        gsize len;
        g_autofree char *text = load_fixture(bad_results[i].name, &len);
        g_autoptr(GError) error = NULL;

        g_assert_false(fb_json_backup_result(text, len, &res, &error));
        assert_input_error(error, "`yunohost backup create` output: ", bad_results[i].expect);
        g_assert_null(res.name);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(inline_cases); i++) {
        g_autoptr(GError) error = NULL;

        g_assert_false(fb_json_backup_result(inline_cases[i][0], strlen(inline_cases[i][0]), &res, &error));
        assert_input_error(error, "`yunohost backup create` output: ", inline_cases[i][1]);
        g_assert_null(res.system);
    }
}

static void
check_list(const char *fixture, const char *expect)
{
    gsize len;
    g_autofree char *text = load_fixture(fixture, &len);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) names = fb_json_backup_list(text, len, &error);
    g_autofree char *got = NULL;

    g_assert_no_error(error);
    got = join(names);
    g_assert_cmpstr(got, ==, expect);
}

static void
test_backup_list(void)
{
    static const char *const bad[][2] = {
        { "{\"archives\":[\"ok\",7]}", "archives[1] must be a string, got an integer" },
        { "{\"archives\":\"x\"}", "archives must be an array, got a string" },
        { "{\"archives\":{\"a\":1}}", "archives.a must be an object, got an integer" },
        { "{\"archives\":{\"a/b\":{}}}", "invalid archive name 'a/b'" },
        { "{\"archives\":[\"a\",\"a\"]}", "duplicate 'a'" },
        { "{\"archives\":[\"..\"]}", "invalid archive name '..'" },
        { "{}", "missing key 'archives'" },
    };

    check_list("backup_list.json", "20250101-120000,fallback-pre-upgrade1");
    check_list("backup_list_info.json", "20250101-120000,fallback-pre-upgrade1");
    check_list("backup_list_empty.json", "");
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;

        g_assert_null(fb_json_backup_list(bad[i][0], strlen(bad[i][0]), &error));
        assert_input_error(error, "`yunohost backup list` output: ", bad[i][1]);
    }
}

static void
test_backup_info(void)
{
    gsize len;
    g_autofree char *plain = load_fixture("backup_info.json", &len);
    g_autofree char *details = NULL, *apps = NULL, *system = NULL;
    g_autoptr(GError) error = NULL;
    struct fb_backup_info info;

    g_assert_true(fb_json_backup_info(plain, len, &info, &error));
    g_assert_cmpstr(info.path, ==, "/home/yunohost.backup/archives/20250101-120000.tar");
    g_assert_cmpstr(info.created_at, ==, "2025-01-01T12:00:00+00:00");
    g_assert_cmpint(info.size, ==, 1048576);
    g_assert_null(info.apps);
    g_assert_null(info.system);
    fb_backup_info_clear(&info);

    details = load_fixture("backup_info_details.json", &len);
    g_assert_true(fb_json_backup_info(details, len, &info, &error));
    g_assert_no_error(error);
    apps = join_parts(info.apps);
    system = join_parts(info.system);
    g_assert_cmpstr(apps, ==, "fallback,nextcloud__2");
    g_assert_cmpstr(system, ==, "conf_ldap,data_home");
    fb_backup_info_clear(&info);
}

static const struct bad_fixture bad_infos[] = {
    { "backup_info_human.json", "size must be an integer number of bytes, got string '120.6M'" },
    { "backup_info_size_real.json", "size must be an integer, got a real number" },
    { "backup_info_bad_date.json", "created_at: invalid ISO 8601 date 'yesterday'" },
    { "backup_info_no_size.json", "missing key 'size'" },
    { "backup_info_duplicate_key.json", "duplicate object key near '\"size\"'" },
    { "backup_list.json", "missing key 'path'" },
};

static void
test_backup_info_bad(void)
{
    static const char *const inline_cases[][2] = {
        { "{\"path\":\"relative.tar\",\"created_at\":\"2025-01-01T12:00:00+00:00\",\"size\":1}", "path: invalid absolute path" },
        { "{\"path\":\"/a\\nb\",\"created_at\":\"2025-01-01T12:00:00+00:00\",\"size\":1}", "path: invalid absolute path" },
        { "{\"path\":\"/a\",\"created_at\":\"2025-01-01T12:00:00+00:00\",\"size\":1,\"apps\":[]}", "apps must be an object" },
        { "{\"path\":\"/a\",\"created_at\":\"2025-01-01T12:00:00+00:00\",\"size\":1,\"system\":{\"x\":\"y\"}}", "system.x must be an object" },
        { "{\"path\":\"/a\",\"created_at\":\"2025-01-01T12:00:00+00:00\",\"size\":1,\"apps\":{\"-x\":{}}}", "apps: invalid app id '-x'" },
        { "{\"path\":\"/a\",\"created_at\":5,\"size\":1}", "created_at must be a string, got an integer" },
    };
    struct fb_backup_info info;

    for (size_t i = 0; i < G_N_ELEMENTS(bad_infos); i++) {
        gsize len;
        g_autofree char *text = load_fixture(bad_infos[i].name, &len);
        g_autoptr(GError) error = NULL;

        g_assert_false(fb_json_backup_info(text, len, &info, &error));
        assert_input_error(error, "`yunohost backup info` output: ", bad_infos[i].expect);
        g_assert_null(info.path);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(inline_cases); i++) {
        g_autoptr(GError) error = NULL;

        g_assert_false(fb_json_backup_info(inline_cases[i][0], strlen(inline_cases[i][0]), &info, &error));
        assert_input_error(error, "`yunohost backup info` output: ", inline_cases[i][1]);
        g_assert_null(info.apps);
    }
}

static void
test_archive_names(void)
{
    g_assert_true(fb_archive_name_valid("20250101-120000"));
    g_assert_true(fb_archive_name_valid("fallback-pre-upgrade1"));
    g_assert_true(fb_archive_name_valid("my backup.v2"));
    g_assert_false(fb_archive_name_valid(""));
    g_assert_false(fb_archive_name_valid("."));
    g_assert_false(fb_archive_name_valid(".."));
    g_assert_false(fb_archive_name_valid("a/b"));
    g_assert_false(fb_archive_name_valid("-rf"));
    g_assert_false(fb_archive_name_valid("a\nb"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/json/app-list/shapes", test_app_list_shapes);
    g_test_add_func("/json/app-list/bad-fixtures", test_app_list_bad);
    g_test_add_func("/json/raw-input", test_raw_input);
    g_test_add_func("/json/every-truncation", test_every_truncation);
    g_test_add_func("/json/deep-nesting", test_deep_nesting);
    g_test_add_func("/json/huge-list", test_huge_list);
    g_test_add_func("/json/read-bounded", test_read_bounded);
    g_test_add_func("/json/backup-result", test_backup_result);
    g_test_add_func("/json/backup-result/bad", test_backup_result_bad);
    g_test_add_func("/json/backup-list", test_backup_list);
    g_test_add_func("/json/backup-info", test_backup_info);
    g_test_add_func("/json/backup-info/bad", test_backup_info_bad);
    g_test_add_func("/json/archive-names", test_archive_names);
    return g_test_run();
}
