/* cmd_tar.c - `fallback tar WORK_DIR`: the backup's tar on standard output. */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "fb.h"
#include "tar_write.h"

#define TAR_HELP \
    "WORK_DIR is the folder `yunohost backup create` collected a backup in: its\n" \
    "backup.csv maps each source path to its place in the archive. Writes on\n" \
    "standard output the tar YunoHost's tar method makes from it: the rows in\n" \
    "order, folders followed by their content in name order, symlinks kept,\n" \
    "hard links as links, fifos and devices as headers (never opened), sockets\n" \
    "left out, the very bytes of Python's tarfile. `fallback checksum -` of\n" \
    "the stream gives the backup's content digest.\n\n" \
    "Exit status: 0 ok, 1 I/O error (a listed source missing included), 2 usage,\n" \
    "8 no space left, 12 bad backup.csv."

static gboolean
write_rows(int fd, const char *work_dir, GError **error)
{
    struct tar_writer *w = tar_writer_new(fd);
    gboolean ok = tar_write_backup(w, work_dir, error);

    tar_writer_free(w);
    return ok;
}

int
cmd_tar(int argc, char **argv)
{
    g_autoptr(GOptionContext) ctx = g_option_context_new("WORK_DIR");
    g_autoptr(GError) error = NULL;

    g_option_context_set_summary(ctx, "Write the tar of a collected YunoHost backup on stdout.");
    g_option_context_set_description(ctx, TAR_HELP);
    if (!cli_parse(ctx, &argc, &argv, "tar"))
        return FB_EXIT_USAGE;
    if (argc != 2) {
        fprintf(stderr, "fallback: tar: expected exactly one WORK_DIR (see --help)\n");
        return FB_EXIT_USAGE;
    }
    if (isatty(STDOUT_FILENO)) {
        fprintf(stderr, "fallback: tar: standard output is a terminal: redirect it\n");
        return FB_EXIT_USAGE;
    }
    if (!write_rows(STDOUT_FILENO, argv[1], &error))
        return fb_report("tar", error);
    return FB_EXIT_OK;
}
