/* tar_header.h - the header bytes of one tar member, as Python's tarfile
 * writes them in its default (pax) format.
 *
 * YunoHost's tar method is tarfile.open(path, "w") + add(); the bytes come
 * from TarInfo.create_pax_header (Debian 12's Python 3.11):
 *   - an extended header "././@PaxHeader" (type 'x', mode, owners and mtime
 *     0, no owner names) precedes the ustar header when a record is needed;
 *     its records, in this order: path, linkpath, uname, gname (when not
 *     ASCII or longer than 100/100/32/32 characters), uid, gid, size (when
 *     they do not fit their field), mtime (always: os.lstat gives a float,
 *     written as Python's repr of sec + nsec * 1e-9); "hdrcharset=BINARY"
 *     first when a value is not valid UTF-8;
 *   - the ustar header holds the strings encoded as ASCII with '?' for each
 *     other character (an invalid UTF-8 byte counts as one), truncated to
 *     their field; a number that does not fit is 0; mtime is the float
 *     rounded half to even; devmajor/devminor are octal for a character or
 *     block device ('3', '4') and NUL bytes for every other type.
 */
#ifndef FB_TAR_HEADER_H
#define FB_TAR_HEADER_H

#include <glib.h>
#include <sys/types.h>

#define TAR_HEADER_BLOCK 512

struct tar_member {
    char type;             /* '0' '1' '2' '3' '4' '5' '6' */
    const char *name;      /* member name, a directory's ending with '/' */
    const char *link;      /* link target, "" when none */
    const char *uname;     /* owner names, "" when unknown */
    const char *gname;
    guint64 mode;          /* st_mode & 07777 */
    guint64 uid, gid, size;
    gint64 mtime_sec;      /* st_mtim */
    long mtime_nsec;
    guint64 devmajor, devminor;   /* for '3' and '4' */
};

/* Append the member's headers (pax header and its records padded to a
 * block, when needed, then the ustar block) to out. */
void tar_header_append(GString *out, const struct tar_member *m);

/* Python's repr() of the float sec + nsec * 1e-9 (what tarfile writes as
 * the pax mtime), into buf of 32 bytes. */
void tar_header_mtime_text(gint64 sec, long nsec, char buf[32]);

#endif
