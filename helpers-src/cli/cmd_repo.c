/* cmd_repo.c - `fallback repo write|rebuild|verify`: repository format v2. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fb.h"
#include "outfile.h"
#include "part_record.h"
#include "repo.h"
#include "repo_known.h"

#define REPO_EXIT \
    "Exit status: 0 ok, 1 I/O error, 2 usage, 4 wrong password or key, 6 damaged\n" \
    "repository (pack, blob, part record or index), 7 unsupported format, 8 no\n" \
    "space left, 12 bad backup.csv or --known list."

#define WRITE_HELP \
    "WORK_DIR is a collected backup (its backup.csv, as for `fallback tar`). Cuts\n" \
    "each file into chunks (keyed FastCDC), stores the chunks DIR does not hold\n" \
    "yet as compressed, encrypted blobs in new packs under DIR/packs, and writes\n" \
    "DIR/parts/NAME, the part's record: its index (the tar's headers and each\n" \
    "file's chunk ids) and the packs it uses, authenticated with the key. A\n" \
    "missing DIR is created. Prints one line: sizes, chunks, new chunks, new packs.\n" \
    "With --files-cache FILE (one per part), a regular file whose path, device,\n" \
    "inode, size, mtime and ctime are those FILE recorded is not read: its chunk\n" \
    "ids are taken from FILE, but only when each is in a pack of DIR and, with\n" \
    "--known, held by a pack of KNOWN (the blob list the destination publishes,\n" \
    "as `repo known` prints it). FILE is rewritten (0600) at the end of the write; a\n" \
    "damaged FILE is ignored. One more line on stderr: files read and not read.\n" \
    "The format is doc/repository-format.md.\n\n" REPO_EXIT

#define REBUILD_HELP \
    "Writes the tar of part NAME, byte for byte what `fallback tar` wrote from\n" \
    "the same backup, to FILE (under a temporary name, renamed only once the whole\n" \
    "part verified) or to standard output (not a terminal; on an error there the\n" \
    "output is incomplete and the status says so). Every blob is authenticated\n" \
    "under its id, the part record by its MAC; with --night, a record of another\n" \
    "night (an older one put back) is refused.\n\n" REPO_EXIT

#define VERIFY_HELP \
    "Checks DIR without the key, as the fallback server can: every pack's size,\n" \
    "BLAKE2b (its name) and blob table, and for each part (--part, or all) that\n" \
    "the packs its record lists are there and of their size. One line per\n" \
    "problem on stderr; on success \"N packs ok, M parts ok\" on stdout.\n\n" REPO_EXIT

struct repo_opts {
    char *dir, *pass_file, *part, *night, *out, *files_cache, *known;
    char **parts;
};

static void
opts_clear(struct repo_opts *o)
{
    g_free(o->dir);
    g_free(o->pass_file);
    g_free(o->part);
    g_free(o->night);
    g_free(o->out);
    g_free(o->files_cache);
    g_free(o->known);
    g_strfreev(o->parts);
}

static gboolean
usage(const char *cmd, const char *message)
{
    fprintf(stderr, "fallback: repo %s: %s (see --help)\n", cmd, message);
    return FALSE;
}

static gboolean
parse(const char *cmd, const char *params, const char *summary, const char *help,
      const GOptionEntry *entries, int *argc, char ***argv)
{
    g_autoptr(GOptionContext) ctx = g_option_context_new(params);
    g_autofree char *name = g_strconcat("repo ", cmd, NULL);

    g_option_context_set_summary(ctx, summary);
    g_option_context_set_description(ctx, help);
    g_option_context_add_main_entries(ctx, entries, NULL);
    return cli_parse(ctx, argc, argv, name);
}

static gboolean
part_given(const char *cmd, const struct repo_opts *o)
{
    if (o->dir == NULL || o->part == NULL)
        return usage(cmd, "--repo DIR and --part NAME are required");
    if (!part_name_valid(o->part))
        return usage(cmd, "--part NAME: 1 to 100 of A-Z a-z 0-9 . _ -, not starting with '.'");
    return TRUE;
}

static char *
night_now(void)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();

    return g_date_time_format(now, "%Y%m%dT%H%M%SZ");
}

static gboolean
use_files_cache(struct repo *r, const struct repo_opts *o, GError **error)
{
    g_autoptr(GPtrArray) packs = NULL;

    if (o->known != NULL && (packs = repo_known_read(o->known, error)) == NULL)
        return FALSE;
    if (o->files_cache == NULL)
        return TRUE;
    return repo_use_files_cache(r, o->files_cache, packs != NULL ? repo_known_ids(packs) : NULL,
                                error);
}

static int
repo_write(int argc, char **argv)
{
    struct repo_opts o = { 0 };
    const GOptionEntry entries[] = {
        { "repo", 'r', 0, G_OPTION_ARG_FILENAME, &o.dir, "repository folder", "DIR" },
        { "pass-file", 'p', 0, G_OPTION_ARG_FILENAME, &o.pass_file,
          "key file from key-init, or password file (first line)", "FILE" },
        { "part", 0, 0, G_OPTION_ARG_STRING, &o.part, "the part's name", "NAME" },
        { "night", 0, 0, G_OPTION_ARG_STRING, &o.night,
          "night id recorded in the part record (default: now, UTC)", "ID" },
        { "files-cache", 0, 0, G_OPTION_ARG_FILENAME, &o.files_cache,
          "skip reading files unchanged since FILE recorded them", "FILE" },
        { "known", 0, 0, G_OPTION_ARG_FILENAME, &o.known,
          "the blob list the destination publishes", "KNOWN" },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GError) error = NULL;
    struct repo_stats st;
    struct repo *r = NULL;
    gboolean ok;

    ok = parse("write", "WORK_DIR", "Store one part's backup in a repository folder.",
               WRITE_HELP, entries, &argc, &argv);
    ok = ok && (argc == 2 || usage("write", "expected exactly one WORK_DIR")) &&
         part_given("write", &o);
    if (ok && o.night == NULL)
        o.night = night_now();
    ok = ok && (part_name_valid(o.night) || usage("write", "--night ID: A-Z a-z 0-9 . _ -"));
    if (!ok) {
        opts_clear(&o);
        return FB_EXIT_USAGE;
    }
    ok = (r = cli_open_repo(o.dir, o.pass_file, TRUE, FALSE, &error)) != NULL &&
         use_files_cache(r, &o, &error) && repo_write_part(r, o.part, o.night, argv[1], &st, &error);
    if (ok)
        printf("part %s: %" G_GUINT64_FORMAT " bytes of tar, %u chunks, %u new, %u new packs "
               "(%" G_GUINT64_FORMAT " bytes)\n", o.part, st.tar_size, st.chunks, st.new_chunks,
               st.new_packs, st.new_bytes);
    if (ok && o.files_cache != NULL)
        repo_report_files_cache(&st);
    repo_free(r);
    opts_clear(&o);
    return ok ? FB_EXIT_OK : fb_report("repo write", error);
}

static gboolean
rebuild_to(struct repo *r, const struct repo_opts *o, GError **error)
{
    struct out_file out = { .fd = -1 };
    guint64 size;
    gboolean ok;

    if (o->out == NULL)
        return repo_rebuild_part(r, o->part, o->night, STDOUT_FILENO, &size, error);
    ok = out_open(&out, o->out, 0600, error) &&
         repo_rebuild_part(r, o->part, o->night, out.fd, &size, error) && out_commit(&out, error);
    out_abort(&out);
    return ok;
}

static int
repo_rebuild(int argc, char **argv)
{
    struct repo_opts o = { 0 };
    const GOptionEntry entries[] = {
        { "repo", 'r', 0, G_OPTION_ARG_FILENAME, &o.dir, "repository folder", "DIR" },
        { "pass-file", 'p', 0, G_OPTION_ARG_FILENAME, &o.pass_file,
          "key file from key-init, or password file (first line)", "FILE" },
        { "part", 0, 0, G_OPTION_ARG_STRING, &o.part, "the part to rebuild", "NAME" },
        { "night", 0, 0, G_OPTION_ARG_STRING, &o.night,
          "refuse a part record of another night", "ID" },
        { "out", 'o', 0, G_OPTION_ARG_FILENAME, &o.out, "write the tar to FILE (mode 0600)", "FILE" },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GError) error = NULL;
    struct repo *r = NULL;
    gboolean ok;

    ok = parse("rebuild", "", "Write one part's tar from a repository folder.", REBUILD_HELP,
               entries, &argc, &argv);
    ok = ok && (argc == 1 || usage("rebuild", "no argument expected besides the options")) &&
         part_given("rebuild", &o);
    ok = ok && (o.out != NULL || !isatty(STDOUT_FILENO) ||
                usage("rebuild", "standard output is a terminal: redirect it or give --out"));
    if (!ok) {
        opts_clear(&o);
        return FB_EXIT_USAGE;
    }
    ok = (r = cli_open_repo(o.dir, o.pass_file, FALSE, FALSE, &error)) != NULL &&
         rebuild_to(r, &o, &error);
    repo_free(r);
    opts_clear(&o);
    return ok ? FB_EXIT_OK : fb_report("repo rebuild", error);
}

static int
repo_verify_cmd(int argc, char **argv)
{
    struct repo_opts o = { 0 };
    const GOptionEntry entries[] = {
        { "repo", 'r', 0, G_OPTION_ARG_FILENAME, &o.dir, "repository folder", "DIR" },
        { "part", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.parts,
          "check this part's record (repeatable; default: every part)", "NAME" },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GError) error = NULL;
    guint packs, parts;
    gboolean ok;

    ok = parse("verify", "", "Check a repository folder without the key.", VERIFY_HELP, entries,
               &argc, &argv);
    ok = ok && (argc == 1 || usage("verify", "no argument expected besides the options")) &&
         (o.dir != NULL || usage("verify", "--repo DIR is required"));
    for (char **p = o.parts; ok && p != NULL && *p != NULL; p++)
        ok = part_name_valid(*p) || usage("verify", "--part NAME: A-Z a-z 0-9 . _ -");
    if (!ok) {
        opts_clear(&o);
        return FB_EXIT_USAGE;
    }
    ok = repo_verify(o.dir, o.parts, &packs, &parts, &error);
    if (ok)
        printf("%u packs ok, %u parts ok\n", packs, parts);
    opts_clear(&o);
    return ok ? FB_EXIT_OK : fb_report("repo verify", error);
}

static const struct fb_command repo_commands[] = {
    { "write", repo_write, "store one part's backup in a repository folder" },
    { "rebuild", repo_rebuild, "write one part's tar from a repository folder" },
    { "verify", repo_verify_cmd, "check a repository folder without the key" },
    { "init", cmd_repo_init, "create a repository folder, or check the key opens it" },
    { "send", cmd_repo_send, "store one part and upload its new packs (main server)" },
    { "known", cmd_repo_known, "print the blob list of a packs folder" },
    { "check-pack", cmd_repo_check_pack, "check one pack file without the key" },
    { "check-record", cmd_repo_check_record, "check one part record without the key" },
    { NULL, NULL, NULL },
};

static void
repo_usage(FILE *out)
{
    fprintf(out, "Usage: fallback repo COMMAND [OPTION...]\n\nCommands:\n");
    for (const struct fb_command *c = repo_commands; c->name != NULL; c++)
        fprintf(out, "  %-12s %s\n", c->name, c->summary);
    fprintf(out, "\nRun `fallback repo COMMAND --help` for the options of a command.\n"
                 "The format is doc/repository-format.md.\n");
}

int
cmd_repo(int argc, char **argv)
{
    if (argc < 2) {
        repo_usage(stderr);
        return FB_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        repo_usage(stdout);
        return FB_EXIT_OK;
    }
    for (const struct fb_command *c = repo_commands; c->name != NULL; c++)
        if (strcmp(argv[1], c->name) == 0) {
            g_autofree char *prgname = g_strconcat("fallback repo ", c->name, NULL);

            g_set_prgname(prgname);
            return c->run(argc - 1, argv + 1);
        }
    fprintf(stderr, "fallback: repo: unknown command '%s'\n", argv[1]);
    repo_usage(stderr);
    return FB_EXIT_USAGE;
}
