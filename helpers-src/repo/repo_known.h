/* repo_known.h - the list of blobs a fallback server holds, which the main
 * server reads to send only what is missing (doc/repository-format.md,
 * "What the fallback holds"). Text: "fallback-blobs 2", then per pack
 * "pack NAME SIZE" followed by one line per blob id it holds (64 hex). */
#ifndef FB_REPO_KNOWN_H
#define FB_REPO_KNOWN_H

#include <stdio.h>

#include <glib.h>

#include "pack.h"

#define REPO_KNOWN_MAGIC "fallback-blobs 2"

/* The packs of the list at path (struct pack_info, entries with ids only).
 * A malformed list is FB_EXIT_INPUT. */
GPtrArray *repo_known_read(const char *path, GError **error);

/* The list of every pack under packs_dir/XX/NAME (their tables read, and
 * checked for form; the hashes were checked when they were stored). */
gboolean repo_known_write(const char *packs_dir, FILE *out, guint *packs, GError **error);

#endif
