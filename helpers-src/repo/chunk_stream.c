/* chunk_stream.c - chunks of a stream as it arrives, see chunk_stream.h. */
#include <string.h>

#include "chunk_stream.h"

struct chunk_stream {
    const struct chunker *c;
    chunk_fn fn;
    void *ctx;
    unsigned char *buf;    /* CHUNK_MAX bytes */
    size_t start, len;     /* the pending bytes are buf[start .. start+len) */
};

struct chunk_stream *
chunk_stream_new(const struct chunker *c, chunk_fn fn, void *ctx)
{
    struct chunk_stream *s = g_new0(struct chunk_stream, 1);

    s->c = c;
    s->fn = fn;
    s->ctx = ctx;
    s->buf = g_malloc(CHUNK_MAX);
    return s;
}

void
chunk_stream_free(struct chunk_stream *s)
{
    if (s == NULL)
        return;
    g_free(s->buf);
    g_free(s);
}

/* Hand over the next chunk of the pending bytes. */
static gboolean
emit(struct chunk_stream *s, GError **error)
{
    size_t n = chunker_cut(s->c, s->buf + s->start, s->len);

    if (!s->fn(s->ctx, s->buf + s->start, n, error))
        return FALSE;
    s->start += n;
    s->len -= n;
    if (s->len == 0)
        s->start = 0;
    return TRUE;
}

gboolean
chunk_stream_feed(struct chunk_stream *s, const void *data, size_t len, GError **error)
{
    const unsigned char *p = data;

    while (len > 0) {
        size_t k;

        if (s->start > 0) {
            memmove(s->buf, s->buf + s->start, s->len);
            s->start = 0;
        }
        k = MIN(len, CHUNK_MAX - s->len);
        memcpy(s->buf + s->len, p, k);
        s->len += k;
        p += k;
        len -= k;
        /* A cut is final once CHUNK_MAX bytes are known after its start. */
        while (s->len == CHUNK_MAX)
            if (!emit(s, error))
                return FALSE;
    }
    return TRUE;
}

gboolean
chunk_stream_end(struct chunk_stream *s, GError **error)
{
    while (s->len > 0)
        if (!emit(s, error))
            return FALSE;
    s->start = 0;
    return TRUE;
}
