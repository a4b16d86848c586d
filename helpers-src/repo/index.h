/* index.h - a part's index: the tar `fallback tar` writes, as literal bytes
 * and chunk ids (doc/repository-format.md, "Part index").
 *
 * index_build runs tar_write over WORK_DIR/backup.csv with a sink that cuts
 * each regular file into chunks and records everything else as literals;
 * the index stream is itself cut into chunks. Every chunk goes to the store,
 * which returns its id. index_replay writes the tar back from the index
 * chunks' ids, fetching chunks by id. A damaged index is FB_EXIT_CORRUPT. */
#ifndef FB_INDEX_H
#define FB_INDEX_H

#include <glib.h>

#include "blob.h"
#include "chunker.h"

#define INDEX_MAGIC "FBKIDX\0\2"
#define INDEX_MAGIC_BYTES 8
#define INDEX_LITERAL_MAX ((gsize)1024 * 1024)
#define INDEX_LITERAL 'L'
#define INDEX_FILE 'F'
#define INDEX_END 'E'

struct index_store {
    /* Keep chunk (deduplicating is the store's business); write its id. */
    gboolean (*put)(void *ctx, const unsigned char *chunk, size_t len,
                    unsigned char id[BLOB_ID_BYTES], GError **error);
    void *ctx;
};

struct index_fetch {
    /* The chunk of id into chunk (room for CHUNK_MAX bytes). */
    gboolean (*get)(void *ctx, const unsigned char id[BLOB_ID_BYTES], unsigned char *chunk,
                    size_t *len, GError **error);
    void *ctx;
};

/* *index_ids: the index chunks' ids, 32 bytes each, in order. */
gboolean index_build(const char *work_dir, const struct chunker *c,
                     const struct index_store *store, GByteArray **index_ids,
                     guint64 *tar_size, GError **error);

struct stat;

/* A files cache for index_build_cached: lookup appends to ids the chunk ids
 * of the file at path when its content (as st describes it) is already
 * stored, and the file is then not read; add is told the chunk ids of every
 * regular file of the part, read or not. */
struct index_files {
    gboolean (*lookup)(void *ctx, const char *path, const struct stat *st, GByteArray *ids);
    gboolean (*add)(void *ctx, const char *path, const struct stat *st,
                    const unsigned char *ids, gsize n_ids, GError **error);
    void *ctx;
};

/* index_build, asking files (NULL: none) before reading each file. The
 * index is the same either way. */
gboolean index_build_cached(const char *work_dir, const struct chunker *c,
                            const struct index_store *store, const struct index_files *files,
                            GByteArray **index_ids, guint64 *tar_size, GError **error);

/* Write the tar to fd out; *tar_size is its length. */
gboolean index_replay(const GByteArray *index_ids, const struct index_fetch *fetch, int out,
                      guint64 *tar_size, GError **error);

#endif
