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
 *   - fifos ('6') and character/block devices ('3'/'4', with their device
 *     numbers) are a header with size 0 and no data; they are never opened
 *     (lstat only: a fifo with no writer would block);
 *   - sockets are left out (tarfile skips them).
 * Every header is the bytes tarfile writes (tar_header.h): a pax extended
 * header with the mtime (a float in Python) and whatever does not fit
 * ustar, then the ustar header. Mode, uid, gid, owner names, mtime and
 * device numbers come from lstat(). tar_write_finish adds the two zero
 * blocks and pads to a 10240-byte record, as tarfile does.
 *
 * Errors: FB_ERROR, FB_EXIT_FAIL for I/O (a missing source included),
 * FB_EXIT_NOSPACE and FB_EXIT_DENIED as fb_errno_code maps the errno.
 */
#ifndef FB_TAR_WRITE_H
#define FB_TAR_WRITE_H

#include <glib.h>

struct tar_writer;

struct stat;

/* Where the bytes go. literal gets every byte that is not file content
 * (headers, padding, end blocks); a regular file's content comes as
 * file_start (its size), file_data pieces adding up to that size, file_end.
 * file_start and file_end may be NULL. file_begin, when not NULL, is asked
 * first, with the file's source path and lstat: *have TRUE means the sink
 * already holds that content, and the file is not opened (no file_start,
 * file_data nor file_end for it). */
struct tar_sink {
    gboolean (*literal)(void *ctx, const void *data, gsize len, GError **error);
    gboolean (*file_start)(void *ctx, guint64 size, GError **error);
    gboolean (*file_data)(void *ctx, const void *data, gsize len, GError **error);
    gboolean (*file_end)(void *ctx, GError **error);
    gboolean (*file_begin)(void *ctx, const char *source, const struct stat *st, gboolean *have,
                           GError **error);
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
