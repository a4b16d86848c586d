/* cmd_json.c - apps, backup-result, backup-list, backup-info: yunohost JSON
 * on stdin, plain lines on stdout, all or nothing. */
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "fb.h"
#include "json.h"

/* Turn the parsed input into the text to print. */
typedef gboolean (*emit_fn)(const char *buf, gsize len, GString *out, GError **error);

struct json_cmd {
    const char *name;
    const char *source;       /* "`yunohost app list` output" */
    const char *usage;
    const char *description;
    emit_fn emit;
};

static int
write_all(const char *cmd, const GString *out)
{
    if (fwrite(out->str, 1, out->len, stdout) != out->len || fflush(stdout) != 0) {
        fprintf(stderr, "fallback: %s: writing stdout failed\n", cmd);
        return FB_EXIT_FAIL;
    }
    return FB_EXIT_OK;
}

static int
run_json_cmd(const struct json_cmd *c, int argc, char **argv)
{
    g_autoptr(GOptionContext) ctx = g_option_context_new(c->usage);
    g_autoptr(GError) error = NULL;
    g_autoptr(GString) out = g_string_new(NULL);
    g_autofree char *buf = NULL;
    gsize len = 0;

    g_option_context_set_description(ctx, c->description);
    if (!cli_parse(ctx, &argc, &argv, c->name))
        return FB_EXIT_USAGE;
    if (argc != 1) {
        fprintf(stderr, "fallback: %s: unexpected argument '%s' (JSON is read on stdin)\n",
                c->name, argv[1]);
        return FB_EXIT_USAGE;
    }
    if (!fb_json_read_fd(STDIN_FILENO, FB_JSON_MAX_BYTES, c->source, &buf, &len, &error) ||
        !c->emit(buf, len, out, &error))
        return fb_report(c->name, error);
    return write_all(c->name, out);
}

static void
append_names(GString *out, const GPtrArray *names)
{
    for (guint i = 0; i < names->len; i++)
        g_string_append_printf(out, "%s\n", (const char *)g_ptr_array_index(names, i));
}

static void
append_parts(GString *out, const char *label, const GPtrArray *parts)
{
    for (guint i = 0; parts != NULL && i < parts->len; i++) {
        const struct fb_json_part *p = g_ptr_array_index(parts, i);
        if (p->status != NULL)
            g_string_append_printf(out, "%s %s %s\n", label, p->name, p->status);
        else
            g_string_append_printf(out, "%s %s\n", label, p->name);
    }
}

static gboolean
emit_apps(const char *buf, gsize len, GString *out, GError **error)
{
    g_autoptr(GPtrArray) ids = fb_json_app_ids(buf, len, error);

    if (ids == NULL)
        return FALSE;
    append_names(out, ids);
    return TRUE;
}

static gboolean
emit_backup_result(const char *buf, gsize len, GString *out, GError **error)
{
    struct fb_backup_result res;

    if (!fb_json_backup_result(buf, len, &res, error))
        return FALSE;
    g_string_append_printf(out, "name %s\nsize %" PRId64 "\n", res.name, res.size);
    append_parts(out, "system", res.system);
    append_parts(out, "app", res.apps);
    fb_backup_result_clear(&res);
    return TRUE;
}

static gboolean
emit_backup_list(const char *buf, gsize len, GString *out, GError **error)
{
    g_autoptr(GPtrArray) names = fb_json_backup_list(buf, len, error);

    if (names == NULL)
        return FALSE;
    append_names(out, names);
    return TRUE;
}

static gboolean
emit_backup_info(const char *buf, gsize len, GString *out, GError **error)
{
    struct fb_backup_info info;

    if (!fb_json_backup_info(buf, len, &info, error))
        return FALSE;
    g_string_append_printf(out, "path %s\ncreated_at %s\nsize %" PRId64 "\n",
                           info.path, info.created_at, info.size);
    append_parts(out, "app", info.apps);
    append_parts(out, "system", info.system);
    fb_backup_info_clear(&info);
    return TRUE;
}

#define COMMON_DESC "Malformed, truncated or unexpected JSON prints nothing on stdout\n" \
                    "and exits with status 12."

int
cmd_apps(int argc, char **argv)
{
    static const struct json_cmd c = {
        "apps", "`yunohost app list` output", "- app ids from `yunohost app list` JSON on stdin",
        "Reads the output of `yunohost app list --output-as json --quiet` (11.x or 12.x,\n"
        "with or without --full) and prints the app ids, one a line, in the order given.\n"
        COMMON_DESC,
        emit_apps,
    };
    return run_json_cmd(&c, argc, argv);
}

int
cmd_backup_result(int argc, char **argv)
{
    static const struct json_cmd c = {
        "backup-result", "`yunohost backup create` output",
        "- part results from `yunohost backup create` JSON on stdin",
        "Reads the output of `yunohost backup create --output-as json --quiet` and prints\n"
        "`name NAME`, `size BYTES`, then `system PART STATUS` and `app ID STATUS` lines;\n"
        "STATUS is Unknown, Success, Warning, Error or Skipped.\n" COMMON_DESC,
        emit_backup_result,
    };
    return run_json_cmd(&c, argc, argv);
}

int
cmd_backup_list(int argc, char **argv)
{
    static const struct json_cmd c = {
        "backup-list", "`yunohost backup list` output",
        "- archive names from `yunohost backup list` JSON on stdin",
        "Reads the output of `yunohost backup list [--with-info] --output-as json --quiet`\n"
        "and prints the archive names, one a line, in the order given.\n" COMMON_DESC,
        emit_backup_list,
    };
    return run_json_cmd(&c, argc, argv);
}

int
cmd_backup_info(int argc, char **argv)
{
    static const struct json_cmd c = {
        "backup-info", "`yunohost backup info` output",
        "- path, date and size from `yunohost backup info` JSON on stdin",
        "Reads the output of `yunohost backup info NAME [--with-details] --output-as json\n"
        "--quiet` (never --human-readable) and prints `path PATH`, `created_at DATE`,\n"
        "`size BYTES`, then with details `app ID` and `system PART` lines.\n" COMMON_DESC,
        emit_backup_info,
    };
    return run_json_cmd(&c, argc, argv);
}
