/* cmd_stage.c - `fallback stage`: uploads into a root-only folder, by descriptor. */
#include <pwd.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "fb.h"
#include "stage.h"

static int
stage_usage(const char *message)
{
    fprintf(stderr, "fallback: stage: %s (see --help)\n", message);
    return FB_EXIT_USAGE;
}

/* Stage each name; a refusal or failure is one line, the others go on.
 * Status: 0, else 1 if anything failed, else 12 if anything was refused. */
static int
stage_all(const char *src, const char *dst, uid_t uid, char **names)
{
    g_autoptr(GError) error = NULL;
    int src_fd = fb_stage_open_dir(src, &error), dst_fd = -1, rc = FB_EXIT_OK;

    if (src_fd >= 0)
        dst_fd = fb_stage_open_dir(dst, &error);
    for (char **n = names; dst_fd >= 0 && *n != NULL; n++) {
        if (fb_stage_entry(src_fd, dst_fd, *n, uid, &error))
            continue;
        if (fb_report("stage", error) != FB_EXIT_INPUT)
            rc = FB_EXIT_FAIL;
        else if (rc == FB_EXIT_OK)
            rc = FB_EXIT_INPUT;
        g_clear_error(&error);
    }
    if (error != NULL)
        rc = fb_report("stage", error);
    if (src_fd >= 0)
        close(src_fd);
    if (dst_fd >= 0)
        close(dst_fd);
    return rc;
}

int
cmd_stage(int argc, char **argv)
{
    g_autofree char *owner = NULL;
    GOptionEntry entries[] = {
        { "owner", 'o', 0, G_OPTION_ARG_STRING, &owner, "the account the uploads must belong to (required)",
          "USER" },
        G_OPTION_ENTRY_NULL
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("SRC_DIR DST_DIR NAME... - take uploads out of an account's reach");
    struct passwd *pw;

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx,
        "Moves each SRC_DIR/NAME to DST_DIR/NAME (never replacing) and makes it\n"
        "root-owned, mode 0400, acting on an open descriptor: the entry is opened\n"
        "without following links or blocking, and must be a regular file with one\n"
        "link owned by USER before and after the move. Across file systems the\n"
        "bytes are copied from the descriptor. A refused entry is named on stderr\n"
        "and left in SRC_DIR.\n"
        "Exit status: 0, 12 when an entry was refused, 1 on another failure.");
    if (!cli_parse(ctx, &argc, &argv, "stage"))
        return FB_EXIT_USAGE;
    if (owner == NULL)
        return stage_usage("--owner USER is required");
    if (argc < 4)
        return stage_usage("expected SRC_DIR DST_DIR NAME...");
    pw = getpwnam(owner);
    if (pw == NULL) {
        fprintf(stderr, "fallback: stage: no user '%s'\n", owner);
        return FB_EXIT_INPUT;
    }
    return stage_all(argv[1], argv[2], pw->pw_uid, argv + 3);
}
