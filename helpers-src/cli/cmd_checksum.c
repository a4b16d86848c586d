/* cmd_checksum.c - `fallback checksum PATH`: content digest of a backup. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "checksum.h"
#include "cli.h"
#include "fb.h"

#define CHECKSUM_HELP \
    "PATH is a backup as the collected tree (a directory) or as the .tar made\n" \
    "from it (- reads the tar from standard input); all give the same digest. Prints the hex BLAKE2b-256 digest\n" \
    "alone on its line. The root info.json, timestamps, owners and modes are\n" \
    "ignored; for a directory also root-level *.tar, *.tar.gz, *.info.json.\n" \
    "See doc/checksum.md for the exact rule.\n\n" \
    "Exit status: 0 ok, 1 I/O error, 2 usage,\n" \
    "12 malformed or truncated tar, special file, or PATH of another kind."

/* The tar on stdin, then whatever follows the end-of-archive blocks (the
 * record padding) is read and dropped, so that the writer of a pipe is not
 * cut off before it finishes. */
static gboolean
checksum_stdin(unsigned char digest[CHECKSUM_BYTES], GError **error)
{
    char buf[65536];
    ssize_t n;

    if (!checksum_tar_fd(STDIN_FILENO, "standard input", digest, error))
        return FALSE;
    while ((n = read(STDIN_FILENO, buf, sizeof buf)) != 0) {
        if (n < 0 && errno != EINTR) {
            g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "cannot read standard input: %s",
                        g_strerror(errno));
            return FALSE;
        }
    }
    return TRUE;
}

int
cmd_checksum(int argc, char **argv)
{
    g_autoptr(GOptionContext) ctx = g_option_context_new("PATH");
    g_autoptr(GError) error = NULL;
    unsigned char digest[CHECKSUM_BYTES];
    char hex[CHECKSUM_HEX];

    g_option_context_set_summary(ctx, "Print the content digest of a backup tree or tar.");
    g_option_context_set_description(ctx, CHECKSUM_HELP);
    if (!cli_parse(ctx, &argc, &argv, "checksum"))
        return FB_EXIT_USAGE;
    if (argc != 2) {
        fprintf(stderr, "fallback: checksum: expected exactly one PATH (see --help)\n");
        return FB_EXIT_USAGE;
    }
    if (strcmp(argv[1], "-") == 0 ? !checksum_stdin(digest, &error)
                                  : !checksum_path(argv[1], digest, &error))
        return fb_report("checksum", error);
    checksum_hex(digest, hex);
    if (printf("%s\n", hex) < 0 || fflush(stdout) != 0) {
        fprintf(stderr, "fallback: checksum: cannot write to standard output\n");
        return FB_EXIT_FAIL;
    }
    return FB_EXIT_OK;
}
