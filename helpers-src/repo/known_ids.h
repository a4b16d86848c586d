/* known_ids.h - the blob ids the destination confirms it holds.
 *
 * A file of ids, 64 lowercase hex characters and '\n' per line, nothing
 * else (an empty file is an empty set). Anything else is refused
 * (FB_EXIT_INPUT, naming the line): the list comes from the other server,
 * so it is checked, not trusted to be well-formed. Held as a sorted array,
 * 32 bytes an id; duplicates are kept once.
 *
 * struct blob_known is the question the files cache asks ("is this id
 * confirmed present?"), whatever answers it. */
#ifndef FB_KNOWN_IDS_H
#define FB_KNOWN_IDS_H

#include <glib.h>

#include "blob.h"

struct blob_known {
    gboolean (*has)(void *ctx, const unsigned char id[BLOB_ID_BYTES]);
    void *ctx;
};

struct known_ids;

struct known_ids *known_ids_load(const char *path, GError **error);
struct known_ids *known_ids_parse(const char *text, gsize len, const char *name,
                                  GError **error);
void known_ids_free(struct known_ids *k);
guint known_ids_count(const struct known_ids *k);
gboolean known_ids_has(const struct known_ids *k, const unsigned char id[BLOB_ID_BYTES]);

#endif
