/* cmd_config.c - placeholder until the module lands. */
#include <stdio.h>

#include "cli.h"
#include "fb.h"

int
cmd_config_check(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "fallback: config-check: not built yet\n");
    return FB_EXIT_FAIL;
}

int
cmd_selected_apps(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "fallback: selected-apps: not built yet\n");
    return FB_EXIT_FAIL;
}

