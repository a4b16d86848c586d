/* cmd_manifest.c - `fallback manifest read|write`: the night manifest for the scripts. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fb.h"
#include "manifest.h"

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

static int
manifest_read(const char *path)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *buf = NULL, *lines = NULL;
    g_autoptr(fb_manifest) m = NULL;
    gsize len = 0;

    if (!g_file_get_contents(path, &buf, &len, &error)) {
        g_autoptr(GError) e = g_error_new(FB_ERROR, FB_ERR(FB_EXIT_FAIL), "%s", error->message);
        return fb_report("manifest", e);
    }
    m = fb_manifest_from_json(buf, len, &error);
    if (m == NULL) {
        g_prefix_error(&error, "%s: ", path);
        return fb_report("manifest", error);
    }
    lines = fb_manifest_to_lines(m);
    return write_stdout(lines);
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

int
cmd_manifest(int argc, char **argv)
{
    g_autofree char *out = NULL;
    GOptionEntry entries[] = {
        { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "write: the JSON manifest to create", "FILE" },
        G_OPTION_ENTRY_NULL
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("read FILE | write --out FILE - the night manifest");

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx,
        "read FILE     check a JSON night manifest strictly and print its line form\n"
        "write --out F read the line form on stdin, check it, write the JSON atomically\n"
        "Line form: version 1 | night ID | created_at T | encrypted 0|1 |\n"
        "  part KIND ID STATUS SINCE CHECKSUM | object NAME SIZE BLAKE2B |\n"
        "  file ROLE NAME SIZE BLAKE2B   (see doc/nightly.md)\n"
        "Exit status: 12 malformed manifest, 7 newer manifest version, 1 I/O error.");
    if (!cli_parse(ctx, &argc, &argv, "manifest"))
        return FB_EXIT_USAGE;
    if (argc == 3 && strcmp(argv[1], "read") == 0 && out == NULL)
        return manifest_read(argv[2]);
    if (argc == 2 && strcmp(argv[1], "write") == 0 && out != NULL)
        return manifest_write(out);
    return manifest_usage("expected 'read FILE' or 'write --out FILE'");
}
