/* test_fb.c - the shared error reporting and the subcommand table. */
#include <string.h>

#include "cli.h"
#include "fb.h"

static void
test_report_maps_code(void)
{
    g_autoptr(GError) e = g_error_new(FB_ERROR, FB_EXIT_PASSWORD, "wrong password");
    g_autoptr(GError) other = g_error_new(G_FILE_ERROR, G_FILE_ERROR_NOENT, "missing");

    g_assert_cmpint(fb_report("test", e), ==, FB_EXIT_PASSWORD);
    g_assert_cmpint(fb_report("test", other), ==, FB_EXIT_FAIL);
    g_assert_cmpint(fb_report("test", NULL), ==, FB_EXIT_FAIL);
}

static void
test_command_names_unique(void)
{
    for (const struct fb_command *a = fb_commands; a->name != NULL; a++) {
        g_assert_nonnull(a->run);
        for (const struct fb_command *b = a + 1; b->name != NULL; b++)
            g_assert_cmpstr(a->name, !=, b->name);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fb/report-maps-code", test_report_maps_code);
    g_test_add_func("/fb/command-names-unique", test_command_names_unique);
    return g_test_run();
}
