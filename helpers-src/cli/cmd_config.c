/* cmd_config.c - config-check and selected-apps. */
#include <stdio.h>

#include "cli.h"
#include "config.h"
#include "fb.h"

static int
usage_error(const char *cmd, const char *message)
{
    fprintf(stderr, "fallback: %s: %s (see --help)\n", cmd, message);
    return FB_EXIT_USAGE;
}

int
cmd_config_check(int argc, char **argv)
{
    g_autofree char *config = NULL, *app_list = NULL;
    GOptionEntry entries[] = {
        { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config, "config.conf to check", "FILE" },
        { "app-list", 'a', 0, G_OPTION_ARG_FILENAME, &app_list, "app_list to check", "FILE" },
        G_OPTION_ENTRY_NULL
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- validate config.conf and app_list");
    g_autoptr(GError) error = NULL;

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx,
        "Prints nothing when the files are valid (warnings go to stderr).\n"
        "A bad line is reported as FILE:LINE: message, exit status 12.");
    if (!cli_parse(ctx, &argc, &argv, "config-check"))
        return FB_EXIT_USAGE;
    if (argc != 1)
        return usage_error("config-check", "unexpected argument");
    if (config == NULL && app_list == NULL)
        return usage_error("config-check", "give --config FILE, --app-list FILE or both");
    if (config != NULL) {
        struct fb_config cfg;
        if (!fb_config_load(config, &cfg, &error))
            return fb_report("config-check", error);
        fb_config_clear(&cfg);
    }
    if (app_list != NULL) {
        g_autoptr(GPtrArray) list = fb_app_list_load(app_list, &error);
        if (list == NULL)
            return fb_report("config-check", error);
    }
    return FB_EXIT_OK;
}

int
cmd_selected_apps(int argc, char **argv)
{
    g_autoptr(GOptionContext) ctx = g_option_context_new("APP_LIST - print the selected app ids");
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = NULL;
    g_autoptr(GString) out = g_string_new(NULL);

    g_option_context_set_description(ctx,
        "Prints the ids of the lines marked [.], one a line, in file order.\n"
        "A malformed file prints nothing on stdout and exits with status 12.");
    if (!cli_parse(ctx, &argc, &argv, "selected-apps"))
        return FB_EXIT_USAGE;
    if (argc != 2)
        return usage_error("selected-apps", "expected one APP_LIST argument");
    list = fb_app_list_load(argv[1], &error);
    if (list == NULL)
        return fb_report("selected-apps", error);
    for (guint i = 0; i < list->len; i++) {
        const struct fb_app_entry *e = g_ptr_array_index(list, i);
        if (e->mark == FB_APP_SELECTED)
            g_string_append_printf(out, "%s\n", e->id);
    }
    if (fwrite(out->str, 1, out->len, stdout) != out->len || fflush(stdout) != 0) {
        fprintf(stderr, "fallback: selected-apps: writing stdout failed\n");
        return FB_EXIT_FAIL;
    }
    return FB_EXIT_OK;
}
