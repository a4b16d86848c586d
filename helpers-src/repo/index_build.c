/* index_build.c - the index of a part from its backup.csv, see index.h. */
#include <string.h>
#include <sys/stat.h>

#include "chunk_stream.h"
#include "index.h"
#include "tar_write.h"
#include "le.h"

struct builder {
    const struct index_store *store;
    struct chunk_stream *data, *index;
    GByteArray *literal;      /* literal bytes not yet in a record */
    GByteArray *file_ids;     /* ids of the current file's chunks */
    guint64 file_size;
    GByteArray *index_ids;
    const struct index_files *files;   /* NULL: no files cache */
    char *source;             /* the current file, for the files cache */
    struct stat st;
};

static gboolean
put_data_chunk(void *ctx, const unsigned char *chunk, size_t len, GError **error)
{
    struct builder *b = ctx;
    unsigned char id[BLOB_ID_BYTES];

    if (!b->store->put(b->store->ctx, chunk, len, id, error))
        return FALSE;
    g_byte_array_append(b->file_ids, id, BLOB_ID_BYTES);
    return TRUE;
}

static gboolean
put_index_chunk(void *ctx, const unsigned char *chunk, size_t len, GError **error)
{
    struct builder *b = ctx;
    unsigned char id[BLOB_ID_BYTES];

    if (!b->store->put(b->store->ctx, chunk, len, id, error))
        return FALSE;
    g_byte_array_append(b->index_ids, id, BLOB_ID_BYTES);
    return TRUE;
}

/* 'L' records for the first n pending literal bytes. */
static gboolean
literal_record(struct builder *b, gsize n, GError **error)
{
    unsigned char head[5];

    head[0] = INDEX_LITERAL;
    le_put(head + 1, n, 4);
    if (!chunk_stream_feed(b->index, head, sizeof head, error) ||
        !chunk_stream_feed(b->index, b->literal->data, n, error))
        return FALSE;
    g_byte_array_remove_range(b->literal, 0, (guint)n);
    return TRUE;
}

static gboolean
literal_flush(struct builder *b, GError **error)
{
    while (b->literal->len > 0)
        if (!literal_record(b, MIN(b->literal->len, INDEX_LITERAL_MAX), error))
            return FALSE;
    return TRUE;
}

static gboolean
sink_literal(void *ctx, const void *data, gsize len, GError **error)
{
    struct builder *b = ctx;

    g_byte_array_append(b->literal, data, (guint)len);
    while (b->literal->len >= INDEX_LITERAL_MAX)
        if (!literal_record(b, INDEX_LITERAL_MAX, error))
            return FALSE;
    return TRUE;
}

static gboolean
sink_file_start(void *ctx, guint64 size, GError **error)
{
    struct builder *b = ctx;

    b->file_size = size;
    g_byte_array_set_size(b->file_ids, 0);
    return literal_flush(b, error);
}

static gboolean
sink_file_data(void *ctx, const void *data, gsize len, GError **error)
{
    return chunk_stream_feed(((struct builder *)ctx)->data, data, len, error);
}

/* The 'F' record of the current file, and its entry in the new files cache. */
static gboolean
file_record(struct builder *b, GError **error)
{
    unsigned char head[13];
    gsize n = b->file_ids->len / BLOB_ID_BYTES;

    head[0] = INDEX_FILE;
    le_put(head + 1, b->file_size, 8);
    le_put(head + 9, n, 4);
    if (!chunk_stream_feed(b->index, head, sizeof head, error) ||
        !chunk_stream_feed(b->index, b->file_ids->data, b->file_ids->len, error))
        return FALSE;
    return b->files == NULL ||
           b->files->add(b->files->ctx, b->source, &b->st, b->file_ids->data, n, error);
}

static gboolean
sink_file_end(void *ctx, GError **error)
{
    struct builder *b = ctx;

    return chunk_stream_end(b->data, error) && file_record(b, error);
}

/* A file the files cache knows unchanged: its record without reading it. */
static gboolean
sink_file_begin(void *ctx, const char *source, const struct stat *st, gboolean *have,
                GError **error)
{
    struct builder *b = ctx;

    *have = FALSE;
    if (b->files == NULL)
        return TRUE;
    g_free(b->source);
    b->source = g_strdup(source);
    b->st = *st;
    g_byte_array_set_size(b->file_ids, 0);
    if (!b->files->lookup(b->files->ctx, source, st, b->file_ids))
        return TRUE;
    *have = TRUE;
    b->file_size = (guint64)st->st_size;
    return literal_flush(b, error) && file_record(b, error);
}

static const struct tar_sink index_sink = {
    sink_literal, sink_file_start, sink_file_data, sink_file_end, sink_file_begin,
};

static gboolean
build(struct builder *b, const char *work_dir, guint64 *tar_size, GError **error)
{
    struct tar_writer *w = tar_writer_new_sink(&index_sink, b);
    unsigned char end[9];
    gboolean ok;

    ok = chunk_stream_feed(b->index, INDEX_MAGIC, INDEX_MAGIC_BYTES, error) &&
         tar_write_backup(w, work_dir, error) && literal_flush(b, error);
    *tar_size = tar_writer_size(w);
    tar_writer_free(w);
    end[0] = INDEX_END;
    le_put(end + 1, *tar_size, 8);
    return ok && chunk_stream_feed(b->index, end, sizeof end, error) &&
           chunk_stream_end(b->index, error);
}

gboolean
index_build(const char *work_dir, const struct chunker *c, const struct index_store *store,
            GByteArray **index_ids, guint64 *tar_size, GError **error)
{
    return index_build_cached(work_dir, c, store, NULL, index_ids, tar_size, error);
}

gboolean
index_build_cached(const char *work_dir, const struct chunker *c, const struct index_store *store,
                   const struct index_files *files, GByteArray **index_ids, guint64 *tar_size,
                   GError **error)
{
    struct builder b = { .store = store, .files = files };
    gboolean ok;

    b.data = chunk_stream_new(c, put_data_chunk, &b);
    b.index = chunk_stream_new(c, put_index_chunk, &b);
    b.literal = g_byte_array_new();
    b.file_ids = g_byte_array_new();
    b.index_ids = g_byte_array_new();
    ok = build(&b, work_dir, tar_size, error);
    chunk_stream_free(b.data);
    chunk_stream_free(b.index);
    g_byte_array_unref(b.literal);
    g_byte_array_unref(b.file_ids);
    g_free(b.source);
    if (!ok) {
        g_byte_array_unref(b.index_ids);
        return FALSE;
    }
    *index_ids = b.index_ids;
    return TRUE;
}
