/* test_manifest.c - the night manifest: line form, JSON form, the rules. */
#include <string.h>

#include "fb.h"
#include "manifest.h"

#include "manifest_fixture.h"

static void
test_lines_round_trip(void)
{
    g_autoptr(fb_manifest) m = good();
    g_autofree char *out = fb_manifest_to_lines(m);

    g_assert_cmpstr(out, ==, good_lines);
    g_assert_cmpuint(m->parts->len, ==, 3);
    g_assert_cmpuint(m->files->len, ==, 2);
    g_assert_true(m->encrypted);
}

static void
test_json_round_trip(void)
{
    g_autoptr(fb_manifest) m = good();
    g_autofree char *json = fb_manifest_to_json(m);
    g_autoptr(GError) error = NULL;
    g_autoptr(fb_manifest) back = fb_manifest_from_json(json, strlen(json), &error);
    g_autofree char *lines = NULL;

    g_assert_no_error(error);
    lines = fb_manifest_to_lines(back);
    g_assert_cmpstr(lines, ==, good_lines);
    g_assert_nonnull(strstr(json, "\"format\": \"fallback-night\""));
    g_assert_nonnull(strstr(json, "\"version\": 1"));
}

/* Replace the first occurrence of from by to in the JSON of good(), parse. */
static int
json_edit_code(const char *from, const char *to)
{
    g_autoptr(fb_manifest) m = good();
    g_autofree char *json = fb_manifest_to_json(m);
    g_autoptr(GError) error = NULL;
    char *at = strstr(json, from);
    g_autofree char *edited = NULL;
    g_autoptr(fb_manifest) back = NULL;

    g_assert_nonnull(at);
    edited = g_strdup_printf("%.*s%s%s", (int)(at - json), json, to, at + strlen(from));
    back = fb_manifest_from_json(edited, strlen(edited), &error);
    g_assert_null(back);
    g_assert_error(error, FB_ERROR, error->code);
    return error->code;
}

static void
test_json_strict(void)
{
    g_assert_cmpint(json_edit_code("\"encrypted\"", "\"extra\": 1, \"encrypted\""), ==,
                    FB_EXIT_INPUT);
    g_assert_cmpint(json_edit_code("\"name\"", "\"nam\""), ==, FB_EXIT_INPUT);
    g_assert_cmpint(json_edit_code("\"size\": 1234", "\"size\": -1"), ==, FB_EXIT_INPUT);
    g_assert_cmpint(json_edit_code("\"size\": 1234", "\"size\": \"1234\""), ==, FB_EXIT_INPUT);
    g_assert_cmpint(json_edit_code("fallback-night", "other"), ==, FB_EXIT_INPUT);
    g_assert_cmpint(json_edit_code("\"night\"", "\"night\": \"x\", \"night\""), ==,
                    FB_EXIT_INPUT);
    g_assert_cmpint(json_edit_code("\"sent\"", "\"lost\""), ==, FB_EXIT_INPUT);
}

static void
test_json_newer_version(void)
{
    /* a newer version may carry other keys: refused as a format, not as bad input */
    g_assert_cmpint(json_edit_code("\"version\": 1", "\"version\": 2, \"chunks\": []"), ==,
                    FB_EXIT_FORMAT);
    g_assert_cmpint(json_edit_code("\"version\": 1", "\"version\": 0"), ==, FB_EXIT_INPUT);
}

static void
test_json_garbage(void)
{
    static const char *bad[] = { "", "{", "[]", "{\"format\": \"fallback-night\"}", "null",
                                 "{\"format\": \"fallback-night\", \"version\": 1} x" };
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(fb_manifest) m = fb_manifest_from_json(bad[i], strlen(bad[i]), &error);
        g_assert_null(m);
        g_assert_error(error, FB_ERROR, FB_EXIT_INPUT);
    }
}

/* good_lines with one substring replaced must be refused as bad input. */
static void
lines_refused(const char *from, const char *to)
{
    const char *at = strstr(good_lines, from);
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(fb_manifest) m = NULL;

    g_assert_nonnull(at);
    text = g_strdup_printf("%.*s%s%s", (int)(at - good_lines), good_lines, to, at + strlen(from));
    m = fb_manifest_from_lines(text, &error);
    if (m != NULL)
        g_test_message("accepted: %s -> %s", from, to);
    g_assert_null(m);
    g_assert_error(error, FB_ERROR, FB_EXIT_INPUT);
}

static void
test_rules(void)
{
    lines_refused("night 20250102T010000Z", "night 2025-01-02");
    lines_refused("version 1", "version 2");
    lines_refused("encrypted 1", "encrypted yes");
    lines_refused("part system system", "part system other");
    lines_refused("part app wordpress", "part app Word/Press");
    lines_refused("part app wordpress", "part disk wordpress");
    lines_refused("part app nextcloud__2", "part app wordpress");          /* twice */
    lines_refused("sent 20250102T010000Z", "sent 20250101T010000Z");       /* sent = tonight */
    lines_refused("unchanged 20250101T010000Z", "unchanged 20250103T010000Z"); /* future */
    lines_refused("object 20250102T010000Z-system", "object 20250101T010000Z-system");
    lines_refused("20250102T010000Z-system.tar.enc", "../system.tar.enc");
    lines_refused("20250102T010000Z-system.tar.enc", "20250101T010000Z-app_wordpress.tar.enc");
    lines_refused("1234 " H2, "1234 " "ABCD");
    lines_refused("system.tar.enc 1234", "system.tar.enc -4");
    lines_refused("file config.conf", "file secrets");
    lines_refused("file ip_main_server", "file config.conf");
    lines_refused("file ip_main_server 20250102T010000Z", "file ip_main_server 20250101T010000Z");
    lines_refused("created_at 1735779600\n", "");
    lines_refused("version 1\n", "version 1\nbogus line here\n");
}

static void
test_object_before_part(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(fb_manifest) m = fb_manifest_from_lines(
        "version 1\nnight 20250102T010000Z\ncreated_at 1\nencrypted 0\n"
        "object 20250102T010000Z-x 1 " H1 "\n", &error);

    g_assert_null(m);
    g_assert_error(error, FB_ERROR, FB_EXIT_INPUT);
    g_assert_nonnull(strstr(error->message, "line 5"));
}

static void
test_empty_night_is_valid(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(fb_manifest) m = fb_manifest_from_lines(
        "# nothing selected, system failed with no older copy\n"
        "version 1\nnight 20250102T010000Z\ncreated_at 1\nencrypted 0\n", &error);

    g_assert_no_error(error);
    g_assert_cmpuint(m->parts->len, ==, 0);
}

static void
test_syntax_helpers(void)
{
    g_assert_true(fb_night_id_valid("20250102T010000Z"));
    g_assert_false(fb_night_id_valid("20250102T010000"));
    g_assert_false(fb_night_id_valid("20250102X010000Z"));
    g_assert_false(fb_night_id_valid(NULL));
    g_assert_true(fb_digest_hex_valid(H1));
    g_assert_false(fb_digest_hex_valid(H1 "1"));
    g_assert_false(fb_object_name_valid(".hidden"));
    g_assert_false(fb_object_name_valid("a/b"));
    g_assert_false(fb_object_name_valid(""));
    g_assert_true(fb_object_name_valid("20250102T010000Z-app_x.tar.enc"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/manifest/lines-round-trip", test_lines_round_trip);
    g_test_add_func("/manifest/json-round-trip", test_json_round_trip);
    g_test_add_func("/manifest/json-strict", test_json_strict);
    g_test_add_func("/manifest/json-newer-version", test_json_newer_version);
    g_test_add_func("/manifest/json-garbage", test_json_garbage);
    g_test_add_func("/manifest/rules", test_rules);
    g_test_add_func("/manifest/object-before-part", test_object_before_part);
    g_test_add_func("/manifest/empty-night", test_empty_night_is_valid);
    g_test_add_func("/manifest/syntax-helpers", test_syntax_helpers);
    return g_test_run();
}
