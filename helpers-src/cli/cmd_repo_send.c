/* cmd_repo_send.c - `fallback repo init|send`: the main server's side of a
 * night in format v2. send writes one part into a local repository folder
 * as `repo write` does, minus every blob the fallback already holds (the
 * list it publishes, --known), and uploads each pack as soon as it closes,
 * removing it locally: the folder never holds more than the pack being
 * filled and the one being sent. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "fb.h"
#include "part_record.h"
#include "repo.h"
#include "repo_known.h"
#include "ssh.h"
#include "transfer.h"
#include "watchdog.h"

#define SEND_CONNECT_TIMEOUT_S 30
#define SEND_STALL_S 60

#define SEND_HELP \
    "As `repo write`, with the blobs of the packs listed in --known (the list the\n" \
    "fallback server publishes) taken as stored: they are not sent again, and a\n" \
    "part using them lists their packs. Each new pack is uploaded as soon as it is\n" \
    "complete, to the --to folder of the server of --config, named\n" \
    "NIGHT-pack-NAME (through NAME.part, renamed once complete), and removed\n" \
    "from DIR. With --budget, once SECONDS have passed the write stops (exit 5)\n" \
    "after sending the pack being filled: what arrived serves the next night.\n" \
    "The part record stays in DIR/parts/NAME, for the caller to send.\n\n" \
    "Exit status: as `repo write`; 5 the time budget was spent or an upload\n" \
    "stalled, 3/9/10/11 as `fallback push`."

struct send_opts {
    char *dir, *pass_file, *part, *night, *known, *config, *to, *files_cache;
    gint budget;
};

struct uploader {
    const struct send_opts *o;
    struct fb_config cfg;
    char *spool;
};

static void
opts_clear(struct send_opts *o)
{
    g_free(o->dir);
    g_free(o->pass_file);
    g_free(o->part);
    g_free(o->night);
    g_free(o->known);
    g_free(o->files_cache);
    g_free(o->config);
    g_free(o->to);
}

static int
usage(const char *cmd, const char *message)
{
    fprintf(stderr, "fallback: repo %s: %s (see --help)\n", cmd, message);
    return FB_EXIT_USAGE;
}

/* One upload session per pack: no session stays open while files are read. */
static gboolean
push_one(struct uploader *u, const char *path, GError **error)
{
    struct fb_remote r = { 0 };
    char *files[] = { (char *)path, NULL };
    gboolean ok;

    ok = fb_remote_open(&r, &u->cfg, SEND_CONNECT_TIMEOUT_S, error);
    if (ok)
        r.watchdog = fb_watchdog_start("repo send", SEND_STALL_S, error);
    ok = ok && r.watchdog != NULL && fb_remote_sftp(&r, error) &&
         fb_push(&r, u->o->to, files, NULL, error);
    fb_remote_close(&r);
    fb_watchdog_stop(r.watchdog);
    return ok;
}

static gboolean
pack_closed(void *ctx, const char *path, const struct pack_info *p, GError **error)
{
    struct uploader *u = ctx;
    g_autofree char *name = g_strdup_printf("%s-pack-%s", u->o->night, p->name);
    g_autofree char *spooled = g_build_filename(u->spool, name, NULL);
    gboolean ok;

    if (rename(path, spooled) != 0)
        return fb_sys_error(error, "cannot move", path);
    ok = push_one(u, spooled, error);
    unlink(spooled);
    if (!ok)
        g_prefix_error(error, "upload of pack %s: ", p->name);
    return ok;
}

static gboolean
load_known(struct repo *r, const char *path, guint *count, GError **error)
{
    g_autoptr(GPtrArray) packs = NULL;

    *count = 0;
    if (path == NULL)
        return TRUE;
    if ((packs = repo_known_read(path, error)) == NULL)
        return FALSE;
    g_ptr_array_set_free_func(packs, NULL);
    for (guint i = 0; i < packs->len; i++)
        repo_add_known(r, packs->pdata[i]);
    *count = packs->len;
    return TRUE;
}

static gboolean
send_part(struct send_opts *o, const char *work_dir, GError **error)
{
    struct uploader u = { .o = o };
    struct repo_stats st;
    struct repo *r = NULL;
    guint known = 0;
    gboolean ok;

    u.spool = g_build_filename(o->dir, "spool", NULL);
    ok = fb_config_load(o->config, &u.cfg, error) &&
         (r = cli_open_repo(o->dir, o->pass_file, TRUE, FALSE, error)) != NULL &&
         (g_mkdir_with_parents(u.spool, 0700) == 0 ||
          fb_sys_error(error, "cannot create", u.spool)) &&
         load_known(r, o->known, &known, error) &&
         /* cached chunk ids count only when a pack --known lists holds them */
         (o->files_cache == NULL || repo_use_files_cache(r, o->files_cache, NULL, error));
    if (ok) {
        repo_set_pack_hook(r, &(struct repo_pack_hook){ pack_closed, &u });
        if (o->budget > 0)
            repo_set_deadline(r, g_get_monotonic_time() + (gint64)o->budget * G_USEC_PER_SEC);
        ok = repo_write_part(r, o->part, o->night, work_dir, &st, error);
    }
    if (ok)
        printf("part %s: %" G_GUINT64_FORMAT " bytes of tar, %u chunks, %u new, %u packs sent "
               "(%" G_GUINT64_FORMAT " bytes), %u packs known\n", o->part, st.tar_size, st.chunks,
               st.new_chunks, st.new_packs, st.new_bytes, known);
    if (ok && o->files_cache != NULL)
        repo_report_files_cache(&st);
    repo_free(r);
    fb_config_clear(&u.cfg);
    g_free(u.spool);
    return ok;
}

int
cmd_repo_send(int argc, char **argv)
{
    struct send_opts o = { 0 };
    const GOptionEntry entries[] = {
        { "repo", 'r', 0, G_OPTION_ARG_FILENAME, &o.dir, "local repository folder", "DIR" },
        { "pass-file", 'p', 0, G_OPTION_ARG_FILENAME, &o.pass_file,
          "key file from key-init, or password file (first line)", "FILE" },
        { "part", 0, 0, G_OPTION_ARG_STRING, &o.part, "the part's name", "NAME" },
        { "night", 0, 0, G_OPTION_ARG_STRING, &o.night, "the night id (required)", "ID" },
        { "known", 'k', 0, G_OPTION_ARG_FILENAME, &o.known,
          "the blob list the fallback published", "FILE" },
        { "files-cache", 0, 0, G_OPTION_ARG_FILENAME, &o.files_cache,
          "as repo write: unchanged files are not read", "FILE" },
        { "config", 'c', 0, G_OPTION_ARG_FILENAME, &o.config, "config.conf (required)", "FILE" },
        { "to", 't', 0, G_OPTION_ARG_FILENAME, &o.to, "remote folder (required)", "DIR" },
        { "budget", 'b', 0, G_OPTION_ARG_INT, &o.budget,
          "stop after this many seconds (exit 5), default none", "SECONDS" },
        G_OPTION_ENTRY_NULL
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("WORK_DIR");
    g_autoptr(GError) error = NULL;
    int rc;

    g_option_context_set_summary(ctx, "Store one part's backup and upload its new packs.");
    g_option_context_set_description(ctx, SEND_HELP);
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!cli_parse(ctx, &argc, &argv, "repo send"))
        rc = FB_EXIT_USAGE;
    else if (argc != 2)
        rc = usage("send", "expected exactly one WORK_DIR");
    else if (o.dir == NULL || o.part == NULL || o.night == NULL || o.config == NULL || o.to == NULL)
        rc = usage("send", "--repo, --part, --night, --config and --to are required");
    else if (!part_name_valid(o.part) || !part_name_valid(o.night))
        rc = usage("send", "--part and --night: 1 to 100 of A-Z a-z 0-9 . _ -, not starting with '.'");
    else if (o.budget < 0 || o.budget > 7 * 86400)
        rc = usage("send", "--budget: 0 to 604800 seconds");
    else
        rc = send_part(&o, argv[1], &error) ? FB_EXIT_OK : fb_report("repo send", error);
    opts_clear(&o);
    return rc;
}

int
cmd_repo_init(int argc, char **argv)
{
    char *dir = NULL, *pass_file = NULL;
    const GOptionEntry entries[] = {
        { "repo", 'r', 0, G_OPTION_ARG_FILENAME, &dir, "repository folder", "DIR" },
        { "pass-file", 'p', 0, G_OPTION_ARG_FILENAME, &pass_file,
          "key file from key-init, or password file (first line)", "FILE" },
        G_OPTION_ENTRY_NULL
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("");
    g_autoptr(GError) error = NULL;
    struct repo *r = NULL;
    int rc;

    g_option_context_set_summary(ctx, "Create a repository folder, or check that the key opens it.");
    g_option_context_set_description(ctx,
        "A missing DIR or DIR/config is created for the key; an existing one is\n"
        "opened: exit 4 when the key or password is not the one it was made with\n"
        "(e.g. after a password change).");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!cli_parse(ctx, &argc, &argv, "repo init"))
        rc = FB_EXIT_USAGE;
    else if (argc != 1 || dir == NULL)
        rc = usage("init", "--repo DIR is required, and nothing else");
    else
        rc = (r = cli_open_repo(dir, pass_file, TRUE, FALSE, &error)) != NULL ? FB_EXIT_OK
                                                                    : fb_report("repo init", error);
    repo_free(r);
    g_free(dir);
    g_free(pass_file);
    return rc;
}
