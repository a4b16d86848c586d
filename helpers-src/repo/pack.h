/* pack.h - packs of blobs (doc/repository-format.md, "Packs").
 *
 * "FBKPAK\0\2" ‖ blobs ‖ table (N × id, le32 offset, le32 length) ‖ le32 N,
 * named by the BLAKE2b-256 of its bytes, stored as DIR/XX/NAME. The writer
 * keeps one pack's blobs in memory and writes them in a random order when
 * the pack reaches PACK_TARGET_BYTES (or at flush). The reader and the
 * verification need no key. Damage is FB_EXIT_CORRUPT, an unknown magic
 * FB_EXIT_FORMAT. */
#ifndef FB_PACK_H
#define FB_PACK_H

#include <glib.h>

#include "blob.h"

#define PACK_MAGIC "FBKPAK\0\2"
#define PACK_MAGIC_BYTES 8
#define PACK_ENTRY_BYTES 40
#define PACK_MIN_BYTES (PACK_MAGIC_BYTES + BLOB_MIN_BYTES + PACK_ENTRY_BYTES + 4)
#define PACK_TARGET_BYTES ((size_t)32 * 1024 * 1024)
#define PACK_NAME_CHARS 64

struct pack_entry {
    unsigned char id[BLOB_ID_BYTES];
    guint32 offset, length;
};

/* A pack as the table and the file say. */
struct pack_info {
    char name[PACK_NAME_CHARS + 1];
    guint64 size;
    GArray *entries;          /* struct pack_entry, in file order */
};

void pack_info_free(struct pack_info *p);
typedef struct pack_info pack_info;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(pack_info, pack_info_free)

struct pack_writer;

/* Packs go to dir/XX/NAME (dir must exist). */
struct pack_writer *pack_writer_new(const char *dir);
void pack_writer_free(struct pack_writer *w);

/* Add one blob; may write a pack (then *done is it, else NULL; caller frees). */
gboolean pack_writer_add(struct pack_writer *w, const unsigned char id[BLOB_ID_BYTES],
                         const unsigned char *blob, size_t len, struct pack_info **done,
                         GError **error);
/* Write what is pending as a pack: *done is it, or NULL when nothing was. */
gboolean pack_writer_flush(struct pack_writer *w, struct pack_info **done, GError **error);

/* Check the pack at path without a key: size, magic, table, and (when
 * name is not NULL) that its BLAKE2b-256 is name. Returns its table. */
struct pack_info *pack_verify(const char *path, const char *name, GError **error);

/* Read the table only (structure checked, hash not): for lookups. */
struct pack_info *pack_read_table(const char *path, GError **error);

/* Read one blob of the pack at path into buf (BLOB_MAX_BYTES). */
gboolean pack_read_blob(int fd, const char *path, const struct pack_entry *e,
                        unsigned char *buf, GError **error);

#endif
