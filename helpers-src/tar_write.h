/* tar_write.h - write a tar stream the way YunoHost's tar backup method does.
 *
 * YunoHost's TarBackupMethod calls Python's tarfile.add(source, arcname=dest)
 * for each row of the backup's CSV mapping, in order. tar_write_add does the
 * same for one row:
 *   - the member name is dest with leading '/' removed; a directory member
 *     ends with '/';
 *   - a directory is followed by its children, in byte order of their names
 *     (tarfile sorts os.listdir()), recursively;
 *   - symlinks are stored as symlinks (never followed);
 *   - a regular file with more than one link whose inode was already stored
 *     under another name becomes a hard link member to that name;
 *   - sockets are left out (tarfile skips them); fifos and devices are
 *     refused (FB_EXIT_INPUT), as `fallback checksum` refuses them.
 * Headers are POSIX ustar with a pax extended header ("././@PaxHeader")
 * when a name, link target or owner name does not fit or is not ASCII, or
 * a number does not fit its field. Mode, uid, gid, owner names and mtime
 * come from lstat(). tar_write_finish adds the two zero blocks and pads to
 * a 10240-byte record, as tarfile does.
 *
 * Errors: FB_ERROR, FB_EXIT_FAIL for I/O (a missing source included),
 * FB_EXIT_NOSPACE, FB_EXIT_INPUT for a refused file type.
 */
#ifndef FB_TAR_WRITE_H
#define FB_TAR_WRITE_H

#include <glib.h>

struct tar_writer;

/* Where the bytes go. literal gets every byte that is not file content
 * (headers, padding, end blocks); a regular file's content comes as
 * file_start (its size), file_data pieces adding up to that size, file_end.
 * file_start and file_end may be NULL. */
struct tar_sink {
    gboolean (*literal)(void *ctx, const void *data, gsize len, GError **error);
    gboolean (*file_start)(void *ctx, guint64 size, GError **error);
    gboolean (*file_data)(void *ctx, const void *data, gsize len, GError **error);
    gboolean (*file_end)(void *ctx, GError **error);
};

/* The writer does not own fd: the tar goes to fd. */
struct tar_writer *tar_writer_new(int fd);
/* The tar goes to sink, called with ctx. */
struct tar_writer *tar_writer_new_sink(const struct tar_sink *sink, void *ctx);
/* Bytes of tar produced so far. */
guint64 tar_writer_size(const struct tar_writer *w);
void tar_writer_free(struct tar_writer *w);

gboolean tar_write_add(struct tar_writer *w, const char *source, const char *dest,
                       GError **error);
gboolean tar_write_finish(struct tar_writer *w, GError **error);

/* Every row of WORK_DIR/backup.csv in order, then tar_write_finish:
 * the whole archive of a collected backup. */
gboolean tar_write_backup(struct tar_writer *w, const char *work_dir, GError **error);

#endif
