/* checksum.h - content digest of a backup, as a directory tree or a tar.
 *
 * The digest is BLAKE2b-256 (libsodium crypto_generichash, no key) over a
 * sorted list of entries. The same backup gives the same digest whether it
 * is read as the collected tree or as the tar made from it.
 *
 * Entries
 *   - 'f' regular file: content is the file's bytes. A tar hard link is
 *     the entry it links to (type, size and content), under its own name.
 *   - 'l' symlink: content is the target text; never followed.
 *   - 'd' directory: recorded only when EMPTY, i.e. when no other entry
 *     lies below it. A non-empty directory is implied by its entries, so a
 *     tar that omits parent directory entries matches the tree, and an
 *     empty directory (e.g. hooks/restore/) still counts.
 *   - 'p' fifo: no content; 'c' / 'b' character / block device: content is
 *     the text "MAJOR,MINOR" (decimal). Never opened (lstat only).
 *   - Sockets are left out, as the tar leaves them out.
 *
 * Paths are relative to the root, normalised the same way for tree and
 * tar: components split on '/', empty and "." components dropped (so no
 * leading "./", no trailing "/"), joined with one '/'. An absolute member
 * name or a ".." component is refused (FB_EXIT_INPUT). The root itself is
 * not an entry. When a tar holds a path twice, the later member wins, as
 * on extraction.
 *
 * Ignored
 *   - the root-level "info.json" (it holds the creation time);
 *   - tree only: root-level non-directories named "*.tar", "*.tar.gz" and
 *     "*.info.json" (YunoHost leaves NAME.tar beside the tree it collected
 *     in --output-directory);
 *   - metadata: mtime, atime, ctime, mode, uid/gid, owner names, the device
 *     a file lives on, the order of the tar members or of readdir().
 *
 * Digest
 *   field(x) = le64(length of x) || x
 *   H(x)     = BLAKE2b-256(x)
 *   digest   = H( field("fallback-checksum-v1")
 *                 || for each entry, sorted by strcmp() of the path:
 *                    field(type) || field(path) || field(le64(size))
 *                    || field(H(content)) )
 *   where type is one byte 'f', 'l', 'd', 'p', 'c' or 'b', size is the
 *   content length (0 for a directory or a fifo).
 *
 * Errors: FB_ERROR with FB_EXIT_INPUT for a malformed, truncated or
 * unsupported tar and for entries refused above, FB_EXIT_FAIL for I/O.
 */
#ifndef FB_CHECKSUM_H
#define FB_CHECKSUM_H

#include <glib.h>

#define CHECKSUM_BYTES 32
#define CHECKSUM_HEX (2 * CHECKSUM_BYTES + 1)
#define CHECKSUM_BUFFER (256 * 1024)

/* A directory is read as a tree, a regular file as a tar (symlinks to
 * either are followed for PATH itself only). */
gboolean checksum_path(const char *path, unsigned char out[CHECKSUM_BYTES], GError **error);
gboolean checksum_tree(const char *dir, unsigned char out[CHECKSUM_BYTES], GError **error);
/* name is used in messages; fd is read to the end-of-archive marker, not closed. */
gboolean checksum_tar_fd(int fd, const char *name, unsigned char out[CHECKSUM_BYTES],
                         GError **error);

/* Normalise a relative member name as described above; NULL if refused. */
char *checksum_normalise(const char *path);

void checksum_hex(const unsigned char digest[CHECKSUM_BYTES], char hex[CHECKSUM_HEX]);

#endif
