/* tar.h - streaming reader of tar archives, no extraction.
 *
 * Reads ustar, POSIX pax (extended headers 'x' with path, linkpath, size;
 * global headers 'g' are skipped), GNU (long names 'L', long link targets
 * 'K', base-256 numbers) and old v7 headers from a file descriptor, one
 * entry at a time, in constant memory: one 256 KiB buffer plus the names
 * of the current entry (extended headers are capped at TAR_MAX_EXTENDED).
 *
 * Every header checksum is verified. A short read anywhere, a missing
 * end-of-archive block, a bad number or a bad pax record is an error
 * FB_ERROR / FB_EXIT_INPUT naming the offset; read(2) failures are
 * FB_EXIT_FAIL. Sparse and multi-volume GNU entries are refused.
 */
#ifndef FB_TAR_H
#define FB_TAR_H

#include <glib.h>

#define TAR_BLOCK 512
#define TAR_BUFFER (256 * 1024)
#define TAR_MAX_EXTENDED (1024 * 1024)

enum tar_type {
    TAR_REGULAR,    /* '0', '\0', '7' */
    TAR_HARDLINK,   /* '1': linkname names an earlier member */
    TAR_SYMLINK,    /* '2': linkname is the target text */
    TAR_DIRECTORY,  /* '5' */
    TAR_SPECIAL,    /* '3', '4', '6': devices and fifos (typeflag tells which) */
};

struct tar_entry {
    enum tar_type type;
    const char *path;       /* as stored, not normalised; owned by the reader */
    const char *linkname;   /* "" unless HARDLINK or SYMLINK */
    guint64 size;           /* bytes of data that follow the header */
    guint64 offset;         /* archive offset of the header, for messages */
    char typeflag;          /* the header's type byte */
    guint64 devmajor, devminor;   /* for '3' and '4' */
};

struct tar_reader;

/* The reader does not own fd. name is used in error messages. */
struct tar_reader *tar_reader_new(int fd, const char *name);
void tar_reader_free(struct tar_reader *r);

/* Advance to the next entry, skipping what is left of the current one.
 * On success *entry is the entry (valid until the next call) or NULL at the
 * end-of-archive marker. */
gboolean tar_reader_next(struct tar_reader *r, const struct tar_entry **entry,
                         GError **error);

/* Borrow the next piece of the current entry's data: *data points into the
 * reader's buffer, valid until the next call; *len is 0 at the end. */
gboolean tar_reader_data(struct tar_reader *r, const unsigned char **data,
                         gsize *len, GError **error);

#endif
