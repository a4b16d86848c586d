/* cmd_config.c - config-check, selected-apps and app-list. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "fb.h"
#include "fdio.h"
#include "outfile.h"

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

#define APP_LIST_HELP \
    "  get FILE ID          print ID's mark ([], [.] or [-]); nothing when absent\n" \
    "  add FILE ID          add ID as [] unless listed (its mark is kept)\n" \
    "  set FILE ID MARK     ID's line becomes \"MARK: ID\", added when missing\n" \
    "  remove FILE ID       take out ID's line, if any\n" \
    "  normalize FILE       rewrite FILE only\n\n" \
    "FILE must be an app_list config-check accepts. Every change rewrites it as\n" \
    "the package writes it: its comment lines first (the header when it has\n" \
    "none), then one \"MARK: id\" line per app sorted by id, fallback itself\n" \
    "[-]; under a temporary name, renamed, its mode and owner kept.\n" \
    "Exit status: 0 ok, 1 I/O error, 2 usage, 12 a bad FILE, ID or MARK."

/* Write text over path, as path's mode and owner. */
static gboolean
rewrite(const char *path, const GString *text, GError **error)
{
    struct out_file o = { .fd = -1 };
    struct stat st;
    gboolean ok;

    if (stat(path, &st) != 0)
        return fb_sys_error(error, "cannot stat", path);
    ok = out_open(&o, path, st.st_mode & 07777, error);
    if (ok && fchown(o.fd, st.st_uid, st.st_gid) != 0)
        ok = fb_sys_error(error, "cannot set the owner of", o.tmp);
    ok = ok && fd_write_all(o.fd, text->str, text->len, o.tmp, error) && out_commit(&o, error);
    out_abort(&o);
    return ok;
}

static gboolean
app_list_apply(const char *op, char **args, GError **error)
{
    g_autoptr(GPtrArray) comments = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) entries = fb_app_list_load_all(args[0], comments, error);
    g_autoptr(GString) text = NULL;
    enum fb_app_mark mark = FB_APP_UNSELECTED;

    if (entries == NULL)
        return FALSE;
    if (strcmp(op, "get") == 0) {
        const struct fb_app_entry *e = fb_app_list_find(entries, args[1], NULL);
        if (e != NULL)
            printf("%s\n", fb_app_mark_text(e->mark));
        return TRUE;
    }
    if (strcmp(op, "set") == 0 && !fb_app_mark_parse(args[2], &mark)) {
        g_autofree char *shown = fb_display_text(args[2]);
        g_set_error(error, FB_ERROR, FB_EXIT_INPUT, "'%s' is not a mark ([], [.] or [-])", shown);
        return FALSE;
    }
    if (strcmp(op, "add") == 0 || strcmp(op, "set") == 0)
        fb_app_list_put(entries, args[1], mark, strcmp(op, "add") == 0);
    else if (strcmp(op, "remove") == 0)
        fb_app_list_drop(entries, args[1]);
    text = fb_app_list_format(entries, comments);
    return rewrite(args[0], text, error);
}

int
cmd_app_list(int argc, char **argv)
{
    static const struct { const char *op; int nargs; } ops[] = {
        { "get", 2 }, { "add", 2 }, { "set", 3 }, { "remove", 2 }, { "normalize", 1 },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("get|add|set|remove|normalize FILE [ID [MARK]]");
    g_autoptr(GError) error = NULL;

    g_option_context_set_summary(ctx, "Read or change one app's line of an app_list.");
    g_option_context_set_description(ctx, APP_LIST_HELP);
    if (!cli_parse(ctx, &argc, &argv, "app-list"))
        return FB_EXIT_USAGE;
    for (guint i = 0; argc >= 2 && i < G_N_ELEMENTS(ops); i++) {
        if (strcmp(argv[1], ops[i].op) != 0)
            continue;
        if (argc != 2 + ops[i].nargs)
            return usage_error("app-list", "wrong number of arguments");
        if (ops[i].nargs > 1 && !fb_app_id_valid(argv[3])) {
            g_autofree char *shown = fb_display_text(argv[3]);
            fprintf(stderr, "fallback: app-list: '%s' is not an app id\n", shown);
            return FB_EXIT_INPUT;
        }
        if (!app_list_apply(argv[1], argv + 2, &error))
            return fb_report("app-list", error);
        return FB_EXIT_OK;
    }
    return usage_error("app-list", "expected get, add, set, remove or normalize");
}
