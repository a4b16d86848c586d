/* cmd_repo_store.c - `fallback repo known|check-pack|check-record`: what
 * the fallback server does with v2 uploads, without the key. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fb.h"
#include "fdio.h"
#include "hex.h"
#include "outfile.h"
#include "part_record.h"
#include "repo.h"
#include "repo_known.h"

static int
usage(const char *cmd, const char *message)
{
    fprintf(stderr, "fallback: repo %s: %s (see --help)\n", cmd, message);
    return FB_EXIT_USAGE;
}

static GOptionContext *
context(const char *params, const char *summary, const char *help, const GOptionEntry *entries)
{
    GOptionContext *ctx = g_option_context_new(params);

    g_option_context_set_summary(ctx, summary);
    g_option_context_set_description(ctx, help);
    g_option_context_add_main_entries(ctx, entries, NULL);
    return ctx;
}

/* --check FILE: the list read as a writer reads it; one summary line. */
static gboolean
known_check(const char *path, GError **error)
{
    g_autoptr(GPtrArray) packs = repo_known_read(path, error);
    guint64 ids = 0;

    if (packs == NULL)
        return FALSE;
    for (guint i = 0; i < packs->len; i++)
        ids += ((const struct pack_info *)packs->pdata[i])->entries->len;
    printf("%u packs, %" G_GUINT64_FORMAT " blob ids\n", packs->len, ids);
    return TRUE;
}

int
cmd_repo_known(int argc, char **argv)
{
    char *packs = NULL, *check = NULL;
    const GOptionEntry entries[] = {
        { "packs", 0, 0, G_OPTION_ARG_FILENAME, &packs, "the packs folder (XX/NAME)", "DIR" },
        { "check", 0, 0, G_OPTION_ARG_FILENAME, &check,
          "check a blob list as the writers read it", "FILE" },
        G_OPTION_ENTRY_NULL
    };
    g_autoptr(GOptionContext) ctx = context("", "Print the blob list of a packs folder, or check one.",
        "With --packs, prints \"" REPO_KNOWN_MAGIC "\", then for each pack DIR/XX/NAME\n"
        "a line \"pack NAME SIZE\" and one line per blob id of its table (64 hex):\n"
        "what the main server reads to send only what is missing. A missing DIR lists\n"
        "nothing. With --check, reads FILE as `repo send --known` and `repo write\n"
        "--known` do and prints \"N packs, M blob ids\"; a malformed list is one line\n"
        "naming its first bad line (exit 12).\n"
        "Exit status: 0 ok, 1 I/O error, 2 usage, 6 a damaged pack table, 12 a\n"
        "malformed list.", entries);
    g_autoptr(GError) error = NULL;
    guint n;
    int rc;

    if (!cli_parse(ctx, &argc, &argv, "repo known"))
        rc = FB_EXIT_USAGE;
    else if (argc != 1 || (packs == NULL) == (check == NULL))
        rc = usage("known", "one of --packs DIR or --check FILE is required, and nothing else");
    else if (check != NULL)
        rc = known_check(check, &error) ? FB_EXIT_OK : fb_report("repo known", error);
    else
        rc = repo_known_write(packs, stdout, &n, &error) ? FB_EXIT_OK
                                                          : fb_report("repo known", error);
    g_free(packs);
    g_free(check);
    return rc;
}

int
cmd_repo_check_pack(int argc, char **argv)
{
    const GOptionEntry entries[] = { G_OPTION_ENTRY_NULL };
    g_autoptr(GOptionContext) ctx = context("FILE NAME", "Check one pack file without the key.",
        "FILE must be a valid pack (magic, blob table, sizes) whose BLAKE2b-256 is\n"
        "NAME (64 hex). Prints \"NAME SIZE BLOBS\".\n"
        "Exit status: 0 valid, 1 I/O error, 2 usage, 6 damaged or not NAME, 7 unknown\n"
        "format.", entries);
    g_autoptr(GError) error = NULL;
    g_autoptr(pack_info) p = NULL;

    if (!cli_parse(ctx, &argc, &argv, "repo check-pack"))
        return FB_EXIT_USAGE;
    if (argc != 3)
        return usage("check-pack", "expected FILE NAME");
    if (!hex_lower(argv[2], strlen(argv[2]), PACK_NAME_CHARS))
        return usage("check-pack", "NAME is 64 lowercase hex characters");
    if ((p = pack_verify(argv[1], argv[2], &error)) == NULL)
        return fb_report("repo check-pack", error);
    printf("%s %" G_GUINT64_FORMAT " %u\n", p->name, p->size, p->entries->len);
    return FB_EXIT_OK;
}

static const char *const record_kinds[] = { "name", "night", "pack", NULL };

/* Every line, or with only (a kind of record_kinds) that kind's alone,
 * without its first word. */
static void
print_record(const struct part_record *rec, const char *only)
{
    if (cli_wanted("name", only))
        printf("%s%s\n", only ? "" : "name ", rec->name);
    if (cli_wanted("night", only))
        printf("%s%s\n", only ? "" : "night ", rec->night);
    for (guint i = 0; cli_wanted("pack", only) && i < rec->packs->len; i++) {
        const struct part_pack *pp = &g_array_index(rec->packs, struct part_pack, i);
        printf("%s%s %" G_GUINT64_FORMAT "\n", only ? "" : "pack ", pp->name, pp->size);
    }
}

int
cmd_repo_check_record(int argc, char **argv)
{
    char *packs = NULL, *only = NULL;
    const GOptionEntry entries[] = {
        { "packs", 0, 0, G_OPTION_ARG_FILENAME, &packs, "the packs folder (XX/NAME)", "DIR" },
        { "only", 0, 0, G_OPTION_ARG_STRING, &only,
          "print only the KIND lines (name, night, pack), without KIND", "KIND" },
        G_OPTION_ENTRY_NULL
    };
    g_autoptr(GOptionContext) ctx = context("FILE", "Check one part record without the key.",
        "FILE must be a part record (form only: its MAC needs the key) whose every\n"
        "pack is in DIR/XX/NAME with the size it lists and holds its index chunks.\n"
        "Prints \"name PART\", \"night NIGHT\" and one \"pack NAME SIZE\" line per pack;\n"
        "--only pack prints the \"NAME SIZE\" lines alone (likewise name, night).\n"
        "Exit status: 0 ok, 1 a pack missing or unreadable, 2 usage, 6 damaged,\n"
        "7 unknown version.", entries);
    g_autoptr(GError) error = NULL;
    g_autoptr(part_record) rec = NULL;
    g_autofree char *text = NULL;
    gsize len;
    int rc = FB_EXIT_OK;

    if (!cli_parse(ctx, &argc, &argv, "repo check-record"))
        rc = FB_EXIT_USAGE;
    else if (argc != 2 || packs == NULL)
        rc = usage("check-record", "expected --packs DIR and one FILE");
    else if (only != NULL && !g_strv_contains(record_kinds, only))
        rc = usage("check-record", "--only takes name, night or pack");
    else if (!file_read_max(argv[1], PART_RECORD_MAX, &text, &len, &error))
        rc = fb_report("repo check-record", error);
    else if (!repo_check_record(packs, text, len, &rec, &error))
        rc = fb_report("repo check-record", error);
    else
        print_record(rec, only);
    g_free(packs);
    g_free(only);
    return rc;
}
