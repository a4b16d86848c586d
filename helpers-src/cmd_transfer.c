/* cmd_transfer.c - placeholder until the module lands. */
#include <stdio.h>

#include "cli.h"
#include "fb.h"

int
cmd_push(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "fallback: push: not built yet\n");
    return FB_EXIT_FAIL;
}

int
cmd_pull(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "fallback: pull: not built yet\n");
    return FB_EXIT_FAIL;
}

int
cmd_ls(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "fallback: ls: not built yet\n");
    return FB_EXIT_FAIL;
}

int
cmd_trust_host(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "fallback: trust-host: not built yet\n");
    return FB_EXIT_FAIL;
}

