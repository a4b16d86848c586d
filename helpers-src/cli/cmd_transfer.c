/* cmd_transfer.c - push, pull, ls and trust-host. */
#include <stdio.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "config.h"
#include "fb.h"
#include "hostkey.h"
#include "pull_cap.h"
#include "ssh.h"
#include "transfer.h"
#include "watchdog.h"

#define CONNECT_TIMEOUT_S 30
#define STALL_DEFAULT_S 60

struct targs {
    char *config;
    char *to;
    char *manifest;
    char *expect;
    char *stdin_name;
    gint stall;
    gint64 max_size;
};

enum op { OP_PUSH, OP_PULL, OP_LS };

static void
targs_clear(struct targs *a)
{
    g_free(a->config);
    g_free(a->to);
    g_free(a->manifest);
    g_free(a->expect);
    g_free(a->stdin_name);
}

static int
usage_error(const char *cmd, const char *message)
{
    fprintf(stderr, "fallback: %s: %s (see --help)\n", cmd, message);
    return FB_EXIT_USAGE;
}

static gboolean
print_out(const char *cmd, const char *text, gsize len)
{
    if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
        fprintf(stderr, "fallback: %s: writing stdout failed\n", cmd);
        return FALSE;
    }
    return TRUE;
}

/* push --stdin NAME: the stream, then "SIZE BLAKE2B" on stdout. */
static gboolean
push_stdin(struct fb_remote *r, const struct targs *a, GError **error)
{
    unsigned char digest[32];
    char hex[65];
    uint64_t size;
    g_autofree char *line = NULL;

    if (!fb_push_stream(r, a->to, a->stdin_name, STDIN_FILENO, &size, digest, error))
        return FALSE;
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    line = g_strdup_printf("%" PRIu64 " %s\n", size, hex);
    if (!print_out("push", line, strlen(line)))
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "writing stdout failed");
    return !(error != NULL && *error != NULL);
}

static gboolean
run_op(enum op op, struct fb_remote *r, const struct targs *a, char **rest, GError **error)
{
    g_autoptr(GString) out = g_string_new(NULL);

    switch (op) {
    case OP_PUSH:
        if (a->stdin_name != NULL)
            return push_stdin(r, a, error);
        return fb_push(r, a->to, rest, a->manifest, error);
    case OP_PULL:
        return fb_pull_cap(r, a->to, rest, (uint64_t)a->max_size, error) &&
               fb_pull(r, a->to, rest, error);
    case OP_LS:
        if (!fb_ls(r, rest[0], out, error))
            return FALSE;
        if (!print_out("ls", out->str, out->len))
            g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "writing stdout failed");
        return !(error != NULL && *error != NULL);
    }
    return FALSE;
}

/* Connect, then arm the watchdog: connect and auth are bounded by the ssh
 * timeout, everything SFTP only by the watchdog. */
static int
run_remote(const char *cmd, enum op op, const struct targs *a, char **rest)
{
    g_autoptr(GError) error = NULL;
    struct fb_config cfg;
    struct fb_remote r = { 0 };
    gboolean ok;

    if (!fb_config_load(a->config, &cfg, &error))
        return fb_report(cmd, error);
    ok = fb_remote_open(&r, &cfg, CONNECT_TIMEOUT_S, &error);
    if (ok)
        r.watchdog = fb_watchdog_start(cmd, (unsigned int)a->stall, &error);
    ok = ok && r.watchdog != NULL && fb_remote_sftp(&r, &error) &&
         run_op(op, &r, a, rest, &error);
    fb_watchdog_tick(r.watchdog);
    fb_remote_close(&r);
    fb_watchdog_stop(r.watchdog);
    fb_config_clear(&cfg);
    return ok ? FB_EXIT_OK : fb_report(cmd, error);
}

static GOptionContext *
make_context(const char *params, const char *description, struct targs *a, gboolean to,
             gboolean manifest)
{
    GOptionEntry base[] = {
        { "config", 'c', 0, G_OPTION_ARG_FILENAME, &a->config, "config.conf (required)", "FILE" },
        { "stall-timeout", 's', 0, G_OPTION_ARG_INT, &a->stall,
          "give up (exit 5) after this long without progress, default 60", "SECONDS" },
        G_OPTION_ENTRY_NULL
    };
    GOptionEntry extra[] = {
        { "to", 't', 0, G_OPTION_ARG_FILENAME, &a->to, "destination folder (required)", "DIR" },
        { "manifest", 'm', 0, G_OPTION_ARG_FILENAME, &a->manifest,
          "file uploaded last, only after every other one succeeded", "FILE" },
        { "stdin", 0, 0, G_OPTION_ARG_STRING, &a->stdin_name,
          "upload standard input as NAME instead of FILEs (no resume); prints "
          "\"SIZE BLAKE2B\" of what was stored", "NAME" },
        G_OPTION_ENTRY_NULL
    };
    GOptionEntry pull[] = {
        { "max-size", 0, 0, G_OPTION_ARG_INT64, &a->max_size,
          "refuse (exit 12) a remote file larger than this, before reading it", "BYTES" },
        G_OPTION_ENTRY_NULL
    };
    GOptionContext *ctx = g_option_context_new(params);

    a->stall = STALL_DEFAULT_S;
    g_option_context_add_main_entries(ctx, base, NULL);
    if (!to)
        extra[0] = extra[3];
    else if (!manifest)
        extra[1] = extra[3];
    g_option_context_add_main_entries(ctx, extra, NULL);
    if (to && !manifest)
        g_option_context_add_main_entries(ctx, pull, NULL);
    g_option_context_set_description(ctx, description);
    return ctx;
}

static const char *
check_args(const struct targs *a, gboolean to)
{
    if (a->config == NULL)
        return "--config FILE is required";
    if (to && a->to == NULL)
        return "--to DIR is required";
    if (a->stall < 1 || a->stall > 86400)
        return "--stall-timeout must be between 1 and 86400 seconds";
    if (a->max_size < 0)
        return "--max-size must be a number of bytes";
    return NULL;
}

static int
cmd_files(int argc, char **argv, enum op op, const char *params, const char *description)
{
    const char *cmd = argv[0], *bad;
    struct targs a = { 0 };
    GOptionContext *ctx = make_context(params, description, &a, op != OP_LS, op == OP_PUSH);
    int rc;

    if (!cli_parse(ctx, &argc, &argv, cmd))
        rc = FB_EXIT_USAGE;
    else if ((bad = check_args(&a, op != OP_LS)) != NULL)
        rc = usage_error(cmd, bad);
    else if (a.stdin_name != NULL && (argc != 1 || a.manifest != NULL))
        rc = usage_error(cmd, "--stdin NAME takes no FILE and no --manifest");
    else if (a.stdin_name == NULL && (op == OP_LS ? argc != 2 : argc < 2))
        rc = usage_error(cmd, op == OP_LS ? "expected one REMOTE_DIR" : "nothing to transfer");
    else
        rc = run_remote(cmd, op, &a, argv + 1);
    g_option_context_free(ctx);
    targs_clear(&a);
    return rc;
}

int
cmd_push(int argc, char **argv)
{
    return cmd_files(argc, argv, OP_PUSH, "FILE... - upload files to the fallback server",
        "Each FILE goes to DIR/<name> through <name>.part, renamed when complete.\n"
        "A partial .part is resumed; a final file of the same size is kept, of\n"
        "another size refused. The --manifest file is sent last, only when every\n"
        "FILE arrived. With --stdin NAME, standard input is uploaded as DIR/NAME\n"
        "(no resume: a failed stream leaves a .part the fallback cleans up) and\n"
        "\"SIZE BLAKE2B\" of the stored bytes is printed.\n"
        "Exit status: 3 host key, 5 stalled, 8 no space left, 9 auth refused,\n"
        "10 unreachable, 11 permission denied, 1 other failure.");
}

int
cmd_pull(int argc, char **argv)
{
    return cmd_files(argc, argv, OP_PULL, "REMOTE_PATH... - download files from the fallback server",
        "Each REMOTE_PATH goes to DIR/<name> through <name>.part, renamed when\n"
        "complete; a partial .part is resumed. An existing file is never replaced.\n"
        "Before a byte is read, each file must fit in DIR's free space (exit 8)\n"
        "and, with --max-size, be no larger than BYTES (exit 12).\n"
        "Exit status: 3 host key, 5 stalled, 8 no space left, 9 auth refused,\n"
        "10 unreachable, 11 permission denied, 1 other failure.");
}

int
cmd_ls(int argc, char **argv)
{
    return cmd_files(argc, argv, OP_LS, "REMOTE_DIR - list a folder on the fallback server",
        "Prints one line per entry, \"TYPE SIZE NAME\", sorted by name; TYPE is\n"
        "f (file), d (folder), l (symbolic link) or o (other).");
}

static int
trust(const struct targs *a)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *fp = NULL;
    struct fb_config cfg;
    struct fb_remote r = { 0 };
    gboolean ok;

    if (!fb_config_load(a->config, &cfg, &error))
        return fb_report("trust-host", error);
    ok = fb_remote_connect(&r, &cfg, CONNECT_TIMEOUT_S, &error) &&
         fb_hostkey_trust(r.ssh, r.label, cfg.known_hosts, a->expect, &fp, &error);
    fb_remote_close(&r);
    fb_config_clear(&cfg);
    if (fp != NULL && !print_out("trust-host", fp, strlen(fp)))
        ok = FALSE;
    if (fp != NULL)
        print_out("trust-host", "\n", 1);
    return ok ? FB_EXIT_OK : fb_report("trust-host", error);
}

int
cmd_trust_host(int argc, char **argv)
{
    struct targs a = { 0 };
    GOptionEntry entries[] = {
        { "config", 'c', 0, G_OPTION_ARG_FILENAME, &a.config, "config.conf (required)", "FILE" },
        { "expect", 'e', 0, G_OPTION_ARG_STRING, &a.expect,
          "pin only if the server presents this fingerprint", "SHA256:..." },
        G_OPTION_ENTRY_NULL
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- record the fallback server's host key");
    int rc;

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx,
        "Prints the SHA256 fingerprint the server presents and pins its key in the\n"
        "config's known_hosts file (0600). A different pinned key is refused:\n"
        "remove the file to re-pin. Exit status 3 when the key is refused.");
    if (!cli_parse(ctx, &argc, &argv, "trust-host"))
        rc = FB_EXIT_USAGE;
    else if (a.config == NULL)
        rc = usage_error("trust-host", "--config FILE is required");
    else if (argc != 1)
        rc = usage_error("trust-host", "unexpected argument");
    else
        rc = trust(&a);
    targs_clear(&a);
    return rc;
}
