/* cmd_tar.c - `fallback tar WORK_DIR`: the backup's tar on standard output;
 * `fallback backup-sources FILE|-`: the source paths of a backup.csv. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backup_csv.h"
#include "cli.h"
#include "fb.h"
#include "fdio.h"
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

#define SOURCES_HELP \
    "Prints the source path of each row of a backup.csv (FILE, or - for\n" \
    "standard input), one a line, in order: those that start with '/' and\n" \
    "hold no control character (a newline in a path would make two of one);\n" \
    "the others are left out. The rows are read as `fallback tar` reads them.\n\n" \
    "Exit status: 0 ok, 1 I/O error, 2 usage, 12 bad backup.csv."

static gboolean
plain_path(const char *s)
{
    if (s[0] != '/')
        return FALSE;
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return FALSE;
    return TRUE;
}

static gboolean
print_sources(const char *path, GError **error)
{
    g_autoptr(GPtrArray) rows = NULL;
    g_autofree char *text = NULL;
    size_t len;

    if (strcmp(path, "-") == 0) {
        if (!fd_read_max(STDIN_FILENO, BACKUP_CSV_MAX, "standard input", &text, &len, error) ||
            !backup_csv_parse(text, len, "-", &rows, error))
            return FALSE;
    } else if (!backup_csv_read(path, &rows, error)) {
        return FALSE;
    }
    for (guint i = 0; i + 1 < rows->len; i += 2)
        if (plain_path(g_ptr_array_index(rows, i)))
            printf("%s\n", (const char *)g_ptr_array_index(rows, i));
    return TRUE;
}

int
cmd_backup_sources(int argc, char **argv)
{
    g_autoptr(GOptionContext) ctx = g_option_context_new("FILE|-");
    g_autoptr(GError) error = NULL;

    g_option_context_set_summary(ctx, "Print the source paths of a YunoHost backup.csv.");
    g_option_context_set_description(ctx, SOURCES_HELP);
    if (!cli_parse(ctx, &argc, &argv, "backup-sources"))
        return FB_EXIT_USAGE;
    if (argc != 2) {
        fprintf(stderr, "fallback: backup-sources: expected exactly one FILE or - (see --help)\n");
        return FB_EXIT_USAGE;
    }
    if (!print_sources(argv[1], &error))
        return fb_report("backup-sources", error);
    return FB_EXIT_OK;
}
