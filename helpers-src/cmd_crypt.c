/* cmd_crypt.c - placeholder until the module lands. */
#include <stdio.h>

#include "cli.h"
#include "fb.h"

int
cmd_encrypt(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "fallback: encrypt: not built yet\n");
    return FB_EXIT_FAIL;
}

int
cmd_decrypt(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "fallback: decrypt: not built yet\n");
    return FB_EXIT_FAIL;
}

int
cmd_key_init(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "fallback: key-init: not built yet\n");
    return FB_EXIT_FAIL;
}

