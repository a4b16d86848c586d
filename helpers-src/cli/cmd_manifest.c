/* cmd_manifest.c - `fallback manifest read|write|get|parts|...`: the night
 * manifest for the scripts, and the precise questions they ask of it. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fb.h"
#include "fdio.h"
#include "manifest.h"
#include "manifest_query.h"

static int
manifest_usage(const char *message)
{
    fprintf(stderr, "fallback: manifest: %s (see --help)\n", message);
    return FB_EXIT_USAGE;
}

static int
write_stdout(const char *s)
{
    size_t n = strlen(s);

    if (fwrite(s, 1, n, stdout) != n || fflush(stdout) != 0) {
        fprintf(stderr, "fallback: manifest: writing stdout failed\n");
        return FB_EXIT_FAIL;
    }
    return FB_EXIT_OK;
}

/* Read stdin whole, at most FB_MANIFEST_MAX bytes. */
static char *
read_stdin(GError **error)
{
    GString *s = g_string_new(NULL);
    char buf[65536];
    size_t n;

    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
        g_string_append_len(s, buf, (gssize)n);
        if (s->len > FB_MANIFEST_MAX) {
            g_set_error(error, FB_ERROR, FB_ERR(FB_EXIT_INPUT), "standard input too large");
            g_string_free(s, TRUE);
            return NULL;
        }
    }
    if (ferror(stdin)) {
        g_set_error(error, FB_ERROR, FB_ERR(FB_EXIT_FAIL), "reading standard input failed");
        g_string_free(s, TRUE);
        return NULL;
    }
    return g_string_free(s, FALSE);
}

/* The manifest a question is about: the JSON file PATH, or with "-" the
 * line form on stdin (what `read` prints); checked either way. */
static struct fb_manifest *
manifest_load(const char *path, GError **error)
{
    g_autofree char *buf = NULL;
    struct fb_manifest *m;
    gsize len = 0;

    if (strcmp(path, "-") == 0) {
        buf = read_stdin(error);
        return buf == NULL ? NULL : fb_manifest_from_lines(buf, error);
    }
    if (!file_read_max(path, FB_MANIFEST_MAX, &buf, &len, error))
        return NULL;
    m = fb_manifest_from_json(buf, len, error);
    if (m == NULL)
        g_prefix_error(error, "%s: ", path);
    return m;
}

static int
manifest_read(const char *path)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *lines = NULL;
    g_autoptr(fb_manifest) m = manifest_load(path, &error);

    if (m == NULL)
        return fb_report("manifest", error);
    lines = fb_manifest_to_lines(m);
    return write_stdout(lines);
}

/* What a question names: --kind, --id, --role, and the header key. */
struct query {
    const char *what;
    const char *key;
    struct fb_part_filter filter;
    const char *role;
};

static gboolean
query_valid(const struct query *q)
{
    static const char *const roles[] = { "config.conf", "app_list", "ip_main_server" };
    gboolean role_ok = q->role == NULL;

    if (q->filter.kind != NULL && strcmp(q->filter.kind, "system") != 0 &&
        strcmp(q->filter.kind, "app") != 0) {
        fprintf(stderr, "fallback: manifest: --kind is system or app, not '%s'\n", q->filter.kind);
        return FALSE;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(roles); i++)
        role_ok = role_ok || strcmp(q->role, roles[i]) == 0;
    if (!role_ok)
        fprintf(stderr, "fallback: manifest: --role is config.conf, app_list or ip_main_server, not '%s'\n",
                q->role);
    return role_ok;
}

static char *
query_answer(const struct fb_manifest *m, const struct query *q, GError **error)
{
    if (strcmp(q->what, "get") == 0)
        return fb_manifest_get(m, q->key, error);
    if (strcmp(q->what, "parts") == 0)
        return fb_manifest_parts_text(m, &q->filter);
    if (strcmp(q->what, "objects") == 0)
        return fb_manifest_objects_text(m, &q->filter);
    if (strcmp(q->what, "files") == 0)
        return fb_manifest_files_text(m, q->role);
    return fb_manifest_stored_text(m);
}

/* get|parts|objects|files|stored|has: status 0 and the answer on stdout;
 * `has` answers with its status alone (0 yes, 1 no). */
static int
manifest_query(const char *path, const struct query *q)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(fb_manifest) m = NULL;
    g_autofree char *text = NULL;

    if (!query_valid(q))
        return FB_EXIT_USAGE;
    m = manifest_load(path, &error);
    if (m == NULL)
        return fb_report("manifest", error);
    if (strcmp(q->what, "has") == 0)
        return fb_manifest_has(m, &q->filter) ? FB_EXIT_OK : FB_EXIT_FAIL;
    text = query_answer(m, q, &error);
    if (text == NULL)
        return fb_report("manifest", error);
    return write_stdout(text);
}

static int
manifest_write(const char *out)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *text = read_stdin(&error), *json = NULL;
    g_autoptr(fb_manifest) m = NULL;

    if (text == NULL)
        return fb_report("manifest", error);
    m = fb_manifest_from_lines(text, &error);
    if (m == NULL)
        return fb_report("manifest", error);
    json = fb_manifest_to_json(m);
    if (!g_file_set_contents_full(out, json, -1, G_FILE_SET_CONTENTS_CONSISTENT |
                                  G_FILE_SET_CONTENTS_DURABLE, 0644, &error)) {
        g_autoptr(GError) e = g_error_new(FB_ERROR, FB_ERR(FB_EXIT_FAIL), "%s", error->message);
        return fb_report("manifest", e);
    }
    return FB_EXIT_OK;
}

static gboolean
is_query(const char *what)
{
    static const char *const queries[] = { "parts", "objects", "files", "stored", "has" };

    for (size_t i = 0; i < G_N_ELEMENTS(queries); i++)
        if (strcmp(what, queries[i]) == 0)
            return TRUE;
    return FALSE;
}

static int
manifest_dispatch(int argc, char **argv, const char *out, struct query *q)
{
    gboolean filtered = q->filter.kind != NULL || q->filter.id != NULL || q->role != NULL;

    if (argc < 2)
        return manifest_usage("expected a subcommand: read, write, get, parts, objects, files, stored, has");
    q->what = argv[1];
    if (out != NULL && (argc != 2 || strcmp(q->what, "write") != 0))
        return manifest_usage("--out is for 'write --out FILE'");
    if (strcmp(q->what, "write") == 0)
        return argc == 2 && out != NULL && !filtered ? manifest_write(out)
                                                     : manifest_usage("expected 'write --out FILE'");
    if (strcmp(q->what, "read") == 0)
        return argc == 3 && !filtered ? manifest_read(argv[2]) : manifest_usage("expected 'read FILE'");
    if (strcmp(q->what, "get") == 0) {
        if (argc != 4 || filtered)
            return manifest_usage("expected 'get FILE KEY'");
        q->key = argv[3];
        return manifest_query(argv[2], q);
    }
    if (!is_query(q->what))
        return manifest_usage("unknown subcommand (read, write, get, parts, objects, files, stored, has)");
    if (argc != 3)
        return manifest_usage("expected one FILE (or - for the line form on stdin)");
    if (q->role != NULL && strcmp(q->what, "files") != 0)
        return manifest_usage("--role is for 'files'");
    if ((q->filter.kind != NULL || q->filter.id != NULL) && (strcmp(q->what, "files") == 0 ||
                                                             strcmp(q->what, "stored") == 0))
        return manifest_usage("--kind and --id are for 'parts', 'objects' and 'has'");
    return manifest_query(argv[2], q);
}

int
cmd_manifest(int argc, char **argv)
{
    g_autofree char *out = NULL, *kind = NULL, *id = NULL, *role = NULL;
    GOptionEntry entries[] = {
        { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "write: the JSON manifest to create", "FILE" },
        { "kind", 0, 0, G_OPTION_ARG_STRING, &kind, "parts, objects, has: only parts of KIND (system, app)", "KIND" },
        { "id", 0, 0, G_OPTION_ARG_STRING, &id, "parts, objects, has: only the part ID", "ID" },
        { "role", 0, 0, G_OPTION_ARG_STRING, &role, "files: only the night file ROLE", "ROLE" },
        G_OPTION_ENTRY_NULL
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("read|get|parts|objects|files|stored|has FILE ... | write --out FILE"
                             " - the night manifest");
    struct query q = { 0 };

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx,
        "read FILE     check a JSON night manifest strictly and print its line form\n"
        "write --out F read the line form on stdin, check it, write the JSON atomically\n"
        "Questions (FILE: a JSON manifest, or - for the line form on stdin; both checked):\n"
        "  get FILE KEY     one value: version, night, created_at, encrypted (0|1),\n"
        "                   bytes (the parts' objects' sizes summed)\n"
        "  parts FILE       KIND ID STATUS SINCE CHECKSUM per part   [--kind K] [--id ID]\n"
        "  objects FILE     KIND ID NAME SIZE BLAKE2B per object     [--kind K] [--id ID]\n"
        "  files FILE       ROLE NAME SIZE BLAKE2B per night file    [--role ROLE]\n"
        "  stored FILE      NAME SIZE BLAKE2B of every object, then every night file\n"
        "  has FILE         status 0 when a part matches, 1 when none [--kind K] [--id ID]\n"
        "Line form: version 1 | night ID | created_at T | encrypted 0|1 |\n"
        "  part KIND ID STATUS SINCE CHECKSUM | object NAME SIZE BLAKE2B |\n"
        "  file ROLE NAME SIZE BLAKE2B   (see doc/nightly.md)\n"
        "Exit status: 12 malformed manifest, 7 newer manifest version, 1 I/O error\n"
        "(or, for has, no such part), 2 bad question.");
    if (!cli_parse(ctx, &argc, &argv, "manifest"))
        return FB_EXIT_USAGE;
    q.filter.kind = kind;
    q.filter.id = id;
    q.role = role;
    return manifest_dispatch(argc, argv, out, &q);
}
