/* main.c - the fallback helper: one program, one subcommand per operation. */
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <sodium.h>

#include "cli.h"
#include "fb.h"

static void
usage(FILE *out)
{
    fprintf(out, "Usage: fallback COMMAND [OPTION...]\n\nCommands:\n");
    for (const struct fb_command *c = fb_commands; c->name != NULL; c++)
        fprintf(out, "  %-14s %s\n", c->name, c->summary);
    fprintf(out, "\nRun `fallback COMMAND --help` for the options of a command.\n"
                 "Exit status: 0 ok, 1 failure, 2 usage, 3 host key, 4 wrong password,\n"
                 "5 stalled, 6 corrupt archive, 7 unsupported format, 8 no space,\n"
                 "9 ssh auth refused, 10 unreachable, 11 permission denied, 12 bad input.\n");
}

static void
harden(void)
{
    struct rlimit no_core = { 0, 0 };

    setrlimit(RLIMIT_CORE, &no_core);
    prctl(PR_SET_DUMPABLE, 0);
}

int
main(int argc, char **argv)
{
    harden();
    if (sodium_init() < 0) {
        fprintf(stderr, "fallback: libsodium failed to initialise\n");
        return FB_EXIT_FAIL;
    }
    g_set_prgname("fallback");
    if (argc < 2) {
        usage(stderr);
        return FB_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return FB_EXIT_OK;
    }
    for (const struct fb_command *c = fb_commands; c->name != NULL; c++)
        if (strcmp(argv[1], c->name) == 0) {
            g_autofree char *prgname = g_strconcat("fallback ", c->name, NULL);

            g_set_prgname(prgname);   /* "Usage: fallback CMD [OPTION...]" in --help */
            return c->run(argc - 1, argv + 1);
        }
    fprintf(stderr, "fallback: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return FB_EXIT_USAGE;
}
