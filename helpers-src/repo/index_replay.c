/* index_replay.c - the tar of a part from its index, see index.h. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fb.h"
#include "fdio.h"
#include "index.h"
#include "le.h"

struct replay {
    const GByteArray *ids;
    guint next;               /* index chunks fetched so far */
    const struct index_fetch *fetch;
    GByteArray *buf;          /* index bytes fetched, not yet parsed from off */
    gsize off;
    unsigned char *chunk;     /* CHUNK_MAX */
    int out;
    guint64 written;
};

static gboolean
damaged(GError **error, const char *why)
{
    g_set_error(error, FB_ERROR, FB_EXIT_CORRUPT, "part index damaged: %s", why);
    return FALSE;
}

static gboolean
emit(struct replay *r, const unsigned char *data, size_t len, GError **error)
{
    if (!fd_write_all(r->out, data, len, "the tar", error))
        return FALSE;
    r->written += (guint64)len;
    return TRUE;
}

/* At least n unparsed index bytes at r->buf->data + r->off. */
static gboolean
need(struct replay *r, gsize n, GError **error)
{
    if (r->off > 0 && r->off >= r->buf->len / 2) {
        g_byte_array_remove_range(r->buf, 0, (guint)r->off);
        r->off = 0;
    }
    while (r->buf->len - r->off < n) {
        size_t len;

        if (r->next * BLOB_ID_BYTES >= r->ids->len)
            return damaged(error, "it ends inside a record (no end record)");
        if (!r->fetch->get(r->fetch->ctx, r->ids->data + (gsize)r->next * BLOB_ID_BYTES,
                           r->chunk, &len, error))
            return FALSE;
        r->next++;
        g_byte_array_append(r->buf, r->chunk, (guint)len);
    }
    return TRUE;
}

static const unsigned char *
at(struct replay *r)
{
    return r->buf->data + r->off;
}

static gboolean
literal(struct replay *r, GError **error)
{
    gsize n;

    if (!need(r, 5, error))
        return FALSE;
    n = (gsize)le_get(at(r) + 1, 4);
    if (n == 0 || n > INDEX_LITERAL_MAX)
        return damaged(error, "a literal record has an impossible length");
    if (!need(r, 5 + n, error) || !emit(r, at(r) + 5, n, error))
        return FALSE;
    r->off += 5 + n;
    return TRUE;
}

static gboolean
file(struct replay *r, GError **error)
{
    guint64 size, got = 0, k;

    if (!need(r, 13, error))
        return FALSE;
    size = le_get(at(r) + 1, 8);
    k = le_get(at(r) + 9, 4);
    r->off += 13;
    if (k > size || (size > 0 && k == 0))
        return damaged(error, "a file record's chunk count does not fit its size");
    for (guint64 i = 0; i < k; i++) {
        unsigned char id[BLOB_ID_BYTES];
        size_t len;

        if (!need(r, BLOB_ID_BYTES, error))
            return FALSE;
        memcpy(id, at(r), BLOB_ID_BYTES);
        r->off += BLOB_ID_BYTES;
        if (!r->fetch->get(r->fetch->ctx, id, r->chunk, &len, error))
            return FALSE;
        if (len == 0 || len > size - got)
            return damaged(error, "a file's chunks are longer than its size");
        if (!emit(r, r->chunk, len, error))
            return FALSE;
        got += len;
    }
    if (got != size)
        return damaged(error, "a file's chunks are shorter than its size");
    return TRUE;
}

static gboolean
end(struct replay *r, guint64 *tar_size, GError **error)
{
    if (!need(r, 9, error))
        return FALSE;
    if (le_get(at(r) + 1, 8) != r->written)
        return damaged(error, "the tar size in its end record is not the size rebuilt");
    r->off += 9;
    if (r->off != r->buf->len || r->next * BLOB_ID_BYTES != r->ids->len)
        return damaged(error, "bytes follow its end record");
    *tar_size = r->written;
    return TRUE;
}

static gboolean
replay(struct replay *r, guint64 *tar_size, GError **error)
{
    if (r->ids->len == 0 || r->ids->len % BLOB_ID_BYTES != 0)
        return damaged(error, "no index chunk");
    if (!need(r, INDEX_MAGIC_BYTES, error))
        return FALSE;
    if (memcmp(at(r), INDEX_MAGIC, INDEX_MAGIC_BYTES) != 0) {
        g_set_error(error, FB_ERROR, FB_EXIT_FORMAT, "part index of an unknown format (magic)");
        return FALSE;
    }
    r->off += INDEX_MAGIC_BYTES;
    for (;;) {
        gboolean ok;

        if (!need(r, 1, error))
            return FALSE;
        switch (at(r)[0]) {
        case INDEX_LITERAL: ok = literal(r, error); break;
        case INDEX_FILE: ok = file(r, error); break;
        case INDEX_END: return end(r, tar_size, error);
        default: return damaged(error, "a record of an unknown type");
        }
        if (!ok)
            return FALSE;
    }
}

gboolean
index_replay(const GByteArray *index_ids, const struct index_fetch *fetch, int out,
             guint64 *tar_size, GError **error)
{
    struct replay r = { .ids = index_ids, .fetch = fetch, .out = out };
    gboolean ok;

    r.buf = g_byte_array_new();
    r.chunk = g_malloc(CHUNK_MAX);
    ok = replay(&r, tar_size, error);
    g_byte_array_unref(r.buf);
    g_free(r.chunk);
    return ok;
}
