/* cmd_checksum.c - placeholder until the module lands. */
#include <stdio.h>

#include "cli.h"
#include "fb.h"

int
cmd_checksum(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "fallback: checksum: not built yet\n");
    return FB_EXIT_FAIL;
}

