/* cmd_json.c - placeholder until the module lands. */
#include <stdio.h>

#include "cli.h"
#include "fb.h"

int
cmd_apps(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "fallback: apps: not built yet\n");
    return FB_EXIT_FAIL;
}

int
cmd_backup_result(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "fallback: backup-result: not built yet\n");
    return FB_EXIT_FAIL;
}

int
cmd_backup_list(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "fallback: backup-list: not built yet\n");
    return FB_EXIT_FAIL;
}

int
cmd_backup_info(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "fallback: backup-info: not built yet\n");
    return FB_EXIT_FAIL;
}
