/* chunk_stream.h - cut a stream of bytes into chunks as it arrives.
 *
 * Bytes are fed in pieces of any size; each chunk is handed to the callback
 * as soon as it is known (CHUNK_MAX bytes buffered, or the end). end()
 * closes the current stream (a file, an index) and readies the next: chunks
 * never span two streams. Memory: one CHUNK_MAX buffer. */
#ifndef FB_CHUNK_STREAM_H
#define FB_CHUNK_STREAM_H

#include <glib.h>

#include "chunker.h"

typedef gboolean (*chunk_fn)(void *ctx, const unsigned char *chunk, size_t len,
                             GError **error);

struct chunk_stream;

/* c must outlive the stream. */
struct chunk_stream *chunk_stream_new(const struct chunker *c, chunk_fn fn, void *ctx);
void chunk_stream_free(struct chunk_stream *s);

gboolean chunk_stream_feed(struct chunk_stream *s, const void *data, size_t len,
                           GError **error);
gboolean chunk_stream_end(struct chunk_stream *s, GError **error);

#endif
