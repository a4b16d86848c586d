/* files_cache.h - the chunk ids of files unchanged since an earlier write
 * (doc/repository-format.md, "Files cache").
 *
 * An entry maps a source path to the lstat of the file when it was read
 * (device, inode, size, mtime and ctime in nanoseconds) and its chunk ids.
 * files_cache_lookup answers with the ids only when every one of those
 * fields is unchanged AND every id is confirmed present at the destination
 * (struct blob_known): otherwise the file is read again.
 *
 * The cache file is versioned, MAC'd with a key derived from the archive
 * key and parsed strictly; a missing file is an empty cache, a damaged one
 * (or one of another repository) is ignored with one line on stderr and
 * never trusted: it only makes the writer read every file again. It is
 * mapped, not read into memory; the table costs about 40 bytes per entry.
 *
 * The new cache is written while the part is written (files_cache_add, in
 * a temporary file beside FILE, mode 0600) and renamed onto FILE by
 * files_cache_commit, so a failed write leaves the old cache. A file whose
 * mtime or ctime is less than FILES_CACHE_RACY_NS before the cache was
 * opened is not added: a change within the same clock tick could keep its
 * times (it is read again next time).
 */
#ifndef FB_FILES_CACHE_H
#define FB_FILES_CACHE_H

#include <sys/stat.h>

#include <glib.h>

#include "blob.h"

/* The question a lookup asks: is this id confirmed present where the part
 * is going? */
struct blob_known {
    gboolean (*has)(void *ctx, const unsigned char id[BLOB_ID_BYTES]);
    void *ctx;
};

#define FILES_CACHE_MAGIC "FBKFCA\0\1"
#define FILES_CACHE_MAGIC_BYTES 8
#define FILES_CACHE_PATH_BYTES 16
#define FILES_CACHE_RACY_NS ((gint64)1000000000)

struct files_cache;

/* mac_key: the repository's Kmac (the cache key is derived from it).
 * Errors only for the new file (it cannot be created). */
struct files_cache *files_cache_open(const char *path, const unsigned char mac_key[32],
                                     GError **error);
void files_cache_free(struct files_cache *fc);

/* Entries of the old cache that were loaded (0 when it was ignored). */
guint files_cache_loaded(const struct files_cache *fc);

/* TRUE with the ids appended to ids (BLOB_ID_BYTES each) on a hit. */
gboolean files_cache_lookup(const struct files_cache *fc, const char *path, const struct stat *st,
                            const struct blob_known *known, GByteArray *ids);

gboolean files_cache_add(struct files_cache *fc, const char *path, const struct stat *st,
                         const unsigned char *ids, gsize n_ids, GError **error);

/* Seal and rename the new cache onto its path. */
gboolean files_cache_commit(struct files_cache *fc, GError **error);

#endif
