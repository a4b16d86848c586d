/* repo_known.h - the list of blobs a fallback server holds, which the main
 * server reads to send only what is missing, and the one form in which a
 * writer is told what its destination holds (`repo send --known`, `repo
 * write --known`; doc/repository-format.md, "What the fallback holds").
 *
 * Text: "fallback-blobs 2", then per pack "pack NAME SIZE" followed by one
 * line per blob id of its table (64 lowercase hex), every line ending with
 * '\n'. The list comes from the other server: it is checked, not trusted.
 * Refused (FB_EXIT_INPUT, naming the line): a malformed line, an id before
 * any pack, a pack listed twice, a pack with no id or with more ids than
 * its size can hold, an id listed twice in one pack (a pack table never
 * holds one twice), a list larger than REPO_KNOWN_MAX_BYTES. One id in two
 * packs is fine: an interrupted night's pack and the next night's may both
 * hold it. */
#ifndef FB_REPO_KNOWN_H
#define FB_REPO_KNOWN_H

#include <stdio.h>

#include <glib.h>

#include "pack.h"

#define REPO_KNOWN_MAGIC "fallback-blobs 2"
/* about 2 million blobs (some 550 GB of data); scripts/runtime/lib.sh FB_BLOBS_MAX */
#define REPO_KNOWN_MAX_BYTES ((gsize)128 * 1024 * 1024)

/* The packs of the list at path, or in text (name: for messages), as
 * struct pack_info with entries holding ids only. */
GPtrArray *repo_known_read(const char *path, GError **error);
GPtrArray *repo_known_parse(const char *text, gsize len, const char *name, GError **error);

/* Every id the packs hold, sorted, once each (BLOB_ID_BYTES an element),
 * and the lookup in it. */
GArray *repo_known_ids(const GPtrArray *packs);
gboolean repo_known_has(const GArray *ids, const unsigned char id[BLOB_ID_BYTES]);

/* The list of every pack under packs_dir/XX/NAME (their tables read, and
 * checked for form; the hashes were checked when they were stored). */
gboolean repo_known_write(const char *packs_dir, FILE *out, guint *packs, GError **error);

#endif
