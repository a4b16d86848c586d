/* cmd_night.c - `fallback night write|check|read`: the night manifest v2
 * (doc/repository-format.md, "Night manifest v2"). write and check need the
 * key (Kmac, from the repository's config and the password or key file);
 * read checks the form only, as the fallback server can. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "fb.h"
#include "fdio.h"
#include "hex.h"
#include "manifest.h"
#include "night_manifest.h"
#include "outfile.h"
#include "repo.h"

#define NIGHT_EXIT \
    "Exit status: 0 ok, 1 I/O error, 2 usage, 4 wrong password or key, 6 damaged\n" \
    "or altered (a MAC, a hash or a line), 7 unknown version, 12 bad input."

struct night_opts {
    char *dir, *pass_file, *night, *out, *records, *only;
};

static void
opts_clear(struct night_opts *o)
{
    g_free(o->dir);
    g_free(o->pass_file);
    g_free(o->night);
    g_free(o->out);
    g_free(o->records);
    g_free(o->only);
}

static int
usage(const char *cmd, const char *message)
{
    fprintf(stderr, "fallback: night %s: %s (see --help)\n", cmd, message);
    return FB_EXIT_USAGE;
}

static gboolean
read_capped(const char *path, char **text, gsize *len, GError **error)
{
    if (!file_read_max(path, FB_MANIFEST_MAX, text, len, error))
        return FALSE;
    if (strlen(*text) != *len) {
        g_set_error(error, FB_ERROR, FB_EXIT_CORRUPT, "%s: not a text file of at most %u bytes",
                    path, FB_MANIFEST_MAX);
        return FALSE;
    }
    return TRUE;
}


static gboolean
file_digest(const char *path, unsigned char hash[NIGHT_HASH_BYTES], guint64 *size,
            GError **error)
{
    g_autofree char *data = NULL;
    gsize len;

    if (!file_read_max(path, FB_MANIFEST_MAX, &data, &len, error))
        return FALSE;
    crypto_generichash(hash, NIGHT_HASH_BYTES, (const unsigned char *)data, len, NULL, 0);
    *size = len;
    return TRUE;
}

/* One input line of `night write`. */
static gboolean
input_line(struct night_manifest *m, const char *line, guint n, GError **error)
{
    g_auto(GStrv) f = g_strsplit(line, " ", 3);
    gboolean three = g_strv_length(f) == 3;
    unsigned char hash[NIGHT_HASH_BYTES];
    g_autofree char *text = NULL;
    guint64 size;
    gsize len;

    if (three && strcmp(f[0], "part") == 0)
        return read_capped(f[2], &text, &len, error) &&
               night_manifest_add_part(m, f[1], text, len, error);
    if (three && strcmp(f[0], "part-hash") == 0 && hex_decode(f[2], hash, NIGHT_HASH_BYTES))
        return night_manifest_add_part_hash(m, f[1], hash, error);
    if (three && strcmp(f[0], "file") == 0)
        return file_digest(f[2], hash, &size, error) &&
               night_manifest_add_file(m, f[1], hash, size, error);
    g_set_error(error, FB_ERROR, FB_EXIT_INPUT, "line %u: expected \"part NAME FILE\", "
                "\"part-hash NAME HASH\" or \"file NAME FILE\"", n);
    return FALSE;
}

static gboolean
write_out(const char *path, const GString *s, GError **error)
{
    struct out_file o = { .fd = -1 };
    gboolean ok = out_open(&o, path, 0644, error);

    if (ok && write(o.fd, s->str, s->len) != (ssize_t)s->len)
        ok = fb_sys_error(error, "cannot write", o.tmp);
    ok = ok && out_commit(&o, error);
    out_abort(&o);
    return ok;
}

static gboolean
night_write(const struct night_opts *o, GError **error)
{
    g_autoptr(night_manifest) m = night_manifest_new(o->night);
    g_autoptr(GString) text = NULL;
    struct repo *r = NULL;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    guint n = 0;
    gboolean ok = (r = cli_open_repo(o->dir, o->pass_file, FALSE, TRUE, error)) != NULL;

    while (ok && (len = getline(&line, &cap, stdin)) >= 0) {
        n++;
        if (len > 0 && line[len - 1] == '\n')
            line[len - 1] = '\0';
        ok = line[0] == '\0' || input_line(m, line, n, error);
    }
    free(line);
    if (ok) {
        text = night_manifest_format(m, repo_mac_key(r));
        ok = night_manifest_parse(text->str, text->len, NULL, error) != NULL &&
             write_out(o->out, text, error);
    }
    repo_free(r);
    return ok;
}

/* The kinds of line check and read print; --only KIND prints that kind
 * alone, without its first word. */
static const char *const line_kinds[] = { "night", "part", "file", NULL };

static void
print_manifest(const struct night_manifest *m, const char *only)
{
    const char *night = only ? "" : "night ", *part = only ? "" : "part ",
               *file = only ? "" : "file ";
    char hex[2 * NIGHT_HASH_BYTES + 1];

    if (cli_wanted("night", only))
        printf("%s%s\n", night, m->night);
    for (guint i = 0; cli_wanted("part", only) && i < m->parts->len; i++) {
        const struct night_entry *e = &g_array_index(m->parts, struct night_entry, i);
        sodium_bin2hex(hex, sizeof hex, e->hash, sizeof e->hash);
        printf("%s%s %s\n", part, e->name, hex);
    }
    for (guint i = 0; cli_wanted("file", only) && i < m->files->len; i++) {
        const struct night_entry *e = &g_array_index(m->files, struct night_entry, i);
        sodium_bin2hex(hex, sizeof hex, e->hash, sizeof e->hash);
        printf("%s%s %s %" G_GUINT64_FORMAT "\n", file, e->name, hex, e->size);
    }
}

/* Each part's record, records/HASH: the bytes the manifest lists, its MAC,
 * its name the part's. */
static gboolean
check_records(const struct night_manifest *m, const char *records, const unsigned char *mac,
              GError **error)
{
    char hex[2 * NIGHT_HASH_BYTES + 1];

    for (guint i = 0; i < m->parts->len; i++) {
        const struct night_entry *e = &g_array_index(m->parts, struct night_entry, i);
        g_autofree char *path = NULL, *text = NULL;
        g_autoptr(part_record) rec = NULL;
        gsize len;

        sodium_bin2hex(hex, sizeof hex, e->hash, sizeof e->hash);
        path = g_build_filename(records, hex, NULL);
        if (!read_capped(path, &text, &len, error) ||
            !night_manifest_check_part(m, e->name, text, len, error) ||
            (rec = part_record_parse(text, len, mac, error)) == NULL) {
            g_prefix_error(error, "part %s: ", e->name);
            return FALSE;
        }
        if (strcmp(rec->name, e->name) != 0) {
            g_set_error(error, FB_ERROR, FB_EXIT_CORRUPT, "part %s: its record names part %s",
                        e->name, rec->name);
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean
night_read(const struct night_opts *o, const char *path, gboolean with_key, GError **error)
{
    g_autoptr(night_manifest) m = NULL;
    g_autofree char *text = NULL;
    struct repo *r = NULL;
    gsize len;
    gboolean ok = read_capped(path, &text, &len, error) &&
                  (!with_key ||
                   (r = cli_open_repo(o->dir, o->pass_file, FALSE, TRUE, error)) != NULL);

    if (ok)
        ok = (m = night_manifest_parse(text, len, r != NULL ? repo_mac_key(r) : NULL, error)) != NULL;
    if (ok && o->night != NULL && strcmp(m->night, o->night) != 0) {
        g_set_error(error, FB_ERROR, FB_EXIT_CORRUPT, "%s is the manifest of night %s, not %s",
                    path, m->night, o->night);
        ok = FALSE;
    }
    if (ok && o->records != NULL)
        ok = check_records(m, o->records, repo_mac_key(r), error);
    if (ok)
        print_manifest(m, o->only);
    repo_free(r);
    return ok;
}

static int
run(int argc, char **argv, const char *cmd)
{
    struct night_opts o = { 0 };
    const GOptionEntry entries[] = {
        { "repo", 'r', 0, G_OPTION_ARG_FILENAME, &o.dir,
          "repository folder (its config gives the key's salt and costs)", "DIR" },
        { "pass-file", 'p', 0, G_OPTION_ARG_FILENAME, &o.pass_file,
          "key file from key-init, or password file (first line)", "FILE" },
        { "night", 0, 0, G_OPTION_ARG_STRING, &o.night,
          "the night id (write: required; check/read: refuse another night)", "ID" },
        { "out", 'o', 0, G_OPTION_ARG_FILENAME, &o.out, "write: the manifest file", "FILE" },
        { "records", 0, 0, G_OPTION_ARG_FILENAME, &o.records,
          "check: also each part's record DIR/HASH (its hash, MAC and name)", "DIR" },
        { "only", 0, 0, G_OPTION_ARG_STRING, &o.only,
          "check/read: print only the KIND lines (night, part, file), without KIND", "KIND" },
        G_OPTION_ENTRY_NULL
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new(strcmp(cmd, "write") == 0 ? "" : "FILE");
    g_autofree char *name = g_strconcat("night ", cmd, NULL);
    g_autoptr(GError) error = NULL;
    gboolean write_it = strcmp(cmd, "write") == 0, key = strcmp(cmd, "read") != 0, ok;
    int rc;

    g_option_context_set_summary(ctx, write_it ? "Write a night manifest v2 from lines on stdin."
                                 : key ? "Check a night manifest v2 with the key and print it."
                                       : "Check a night manifest v2's form and print it.");
    g_option_context_set_description(ctx,
        "write reads \"part NAME RECORD_FILE\", \"part-hash NAME HASH\" (a record the\n"
        "fallback holds) and \"file NAME FILE\" lines and writes --out. check and read\n"
        "print \"night ID\", \"part NAME HASH\" and \"file NAME HASH SIZE\" lines; check\n"
        "--records DIR also proves each part's record DIR/HASH with the key.\n"
        "--only part prints \"NAME HASH\" lines alone (likewise night, file).\n\n"
        NIGHT_EXIT);
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!cli_parse(ctx, &argc, &argv, name))
        rc = FB_EXIT_USAGE;
    else if (argc != (write_it ? 1 : 2))
        rc = usage(cmd, write_it ? "no argument expected besides the options" : "expected one FILE");
    else if (key && o.dir == NULL)
        rc = usage(cmd, "--repo DIR is required");
    else if (o.only != NULL && (write_it || !g_strv_contains(line_kinds, o.only)))
        rc = usage(cmd, write_it ? "--only goes with check or read"
                                 : "--only takes night, part or file");
    else if (o.records != NULL && !key)
        rc = usage(cmd, "--records needs the key: use night check");
    else if (write_it && (o.night == NULL || o.out == NULL || !part_name_valid(o.night)))
        rc = usage(cmd, "--night ID (A-Z a-z 0-9 . _ -) and --out FILE are required");
    else {
        ok = write_it ? night_write(&o, &error) : night_read(&o, argv[1], key, &error);
        rc = ok ? FB_EXIT_OK : fb_report(name, error);
    }
    opts_clear(&o);
    return rc;
}

int
cmd_night(int argc, char **argv)
{
    static const char *const cmds[] = { "write", "check", "read", NULL };

    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("Usage: fallback night write|check|read [OPTION...]\n\n"
               "  write   write a night manifest v2 (needs the key)\n"
               "  check   check one with the key and print it\n"
               "  read    check one's form, without the key, and print it\n");
        return FB_EXIT_OK;
    }
    for (guint i = 0; argc >= 2 && cmds[i] != NULL; i++)
        if (strcmp(argv[1], cmds[i]) == 0) {
            g_autofree char *prgname = g_strconcat("fallback night ", cmds[i], NULL);

            g_set_prgname(prgname);
            return run(argc - 1, argv + 1, cmds[i]);
        }
    fprintf(stderr, "fallback: night: expected write, check or read (see --help)\n");
    return FB_EXIT_USAGE;
}
