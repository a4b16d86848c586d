/* test_manifest_query.c - the questions the scripts ask of a night manifest. */
#include <string.h>

#include "fb.h"
#include "manifest.h"
#include "manifest_query.h"

#include "manifest_fixture.h"

static void
assert_get(const struct fb_manifest *m, const char *key, const char *want)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *got = fb_manifest_get(m, key, &error);

    g_assert_no_error(error);
    g_assert_cmpstr(got, ==, want);
}

static void
test_get(void)
{
    g_autoptr(fb_manifest) m = good();
    g_autoptr(GError) error = NULL;
    g_autofree char *none = NULL;

    assert_get(m, "version", "1\n");
    assert_get(m, "night", "20250102T010000Z\n");
    assert_get(m, "created_at", "1735779600\n");
    assert_get(m, "encrypted", "1\n");
    assert_get(m, "bytes", "1333\n");   /* the objects' sizes, not the night files' */
    none = fb_manifest_get(m, "parts", &error);
    g_assert_null(none);
    g_assert_error(error, FB_ERROR, FB_ERR(FB_EXIT_USAGE));
    g_assert_nonnull(strstr(error->message, "'parts'"));
}

static void
test_parts(void)
{
    g_autoptr(fb_manifest) m = good();
    struct fb_part_filter all = { NULL, NULL }, apps = { "app", NULL }, wp = { "app", "wordpress" },
                          sys_as_app = { "app", "system" }, by_id = { NULL, "nextcloud__2" };
    g_autofree char *a = fb_manifest_parts_text(m, &all), *b = fb_manifest_parts_text(m, &apps),
                    *c = fb_manifest_parts_text(m, &wp), *d = fb_manifest_parts_text(m, &sys_as_app),
                    *e = fb_manifest_parts_text(m, &by_id);

    g_assert_cmpstr(a, ==, "system system sent 20250102T010000Z " H1 "\n"
                           "app wordpress unchanged 20250101T010000Z " H3 "\n"
                           "app nextcloud__2 kept 20241231T010000Z " H2 "\n");
    g_assert_cmpstr(b, ==, "app wordpress unchanged 20250101T010000Z " H3 "\n"
                           "app nextcloud__2 kept 20241231T010000Z " H2 "\n");
    g_assert_cmpstr(c, ==, "app wordpress unchanged 20250101T010000Z " H3 "\n");
    g_assert_cmpstr(d, ==, "");
    g_assert_cmpstr(e, ==, "app nextcloud__2 kept 20241231T010000Z " H2 "\n");
    g_assert_true(fb_manifest_has(m, &wp));
    g_assert_true(fb_manifest_has(m, &all));
    g_assert_false(fb_manifest_has(m, &sys_as_app));
}

static void
test_objects_files_stored(void)
{
    g_autoptr(fb_manifest) m = good();
    struct fb_part_filter sys = { "system", NULL }, all = { NULL, NULL };
    g_autofree char *o = fb_manifest_objects_text(m, &sys), *oa = fb_manifest_objects_text(m, &all),
                    *f = fb_manifest_files_text(m, "ip_main_server"),
                    *fa = fb_manifest_files_text(m, NULL), *fn = fb_manifest_files_text(m, "app_list"),
                    *s = fb_manifest_stored_text(m);

    g_assert_cmpstr(o, ==, "system system 20250102T010000Z-system.tar.enc 1234 " H2 "\n");
    g_assert_nonnull(strstr(oa, "app nextcloud__2 20241231T010000Z-app_nextcloud__2.tar.enc 0 " H3 "\n"));
    g_assert_cmpstr(f, ==, "ip_main_server 20250102T010000Z-ip_main_server 10 " H2 "\n");
    g_assert_cmpstr(fa, ==, "config.conf 20250102T010000Z-config.conf.enc 300 " H1 "\n"
                            "ip_main_server 20250102T010000Z-ip_main_server 10 " H2 "\n");
    g_assert_cmpstr(fn, ==, "");
    g_assert_cmpstr(s, ==, "20250102T010000Z-system.tar.enc 1234 " H2 "\n"
                           "20250101T010000Z-app_wordpress.tar.enc 99 " H1 "\n"
                           "20241231T010000Z-app_nextcloud__2.tar.enc 0 " H3 "\n"
                           "20250102T010000Z-config.conf.enc 300 " H1 "\n"
                           "20250102T010000Z-ip_main_server 10 " H2 "\n");
}

static void
test_empty_night(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(fb_manifest) m = fb_manifest_from_lines(
        "version 1\nnight 20250102T010000Z\ncreated_at 1\nencrypted 0\n", &error);
    struct fb_part_filter all = { NULL, NULL };
    g_autofree char *p = NULL, *s = NULL;

    g_assert_no_error(error);
    p = fb_manifest_parts_text(m, &all);
    s = fb_manifest_stored_text(m);
    g_assert_cmpstr(p, ==, "");
    g_assert_cmpstr(s, ==, "");
    g_assert_false(fb_manifest_has(m, &all));
    assert_get(m, "bytes", "0\n");
    assert_get(m, "encrypted", "0\n");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/manifest-query/get", test_get);
    g_test_add_func("/manifest-query/parts", test_parts);
    g_test_add_func("/manifest-query/objects-files-stored", test_objects_files_stored);
    g_test_add_func("/manifest-query/empty-night", test_empty_night);
    return g_test_run();
}
