/* blob.c - compress, pad, encrypt a chunk and back, see blob.h. */
#include <string.h>

#include <sodium.h>
#include <zstd.h>

#include "blob.h"
#include "fb.h"
#include "le.h"

#define PLAIN_MAX (BLOB_MAX_BYTES - BLOB_NONCE_BYTES - BLOB_TAG_BYTES)

struct blob_codec {
    const struct repo_keys *keys;
    ZSTD_CCtx *cctx;
    ZSTD_DCtx *dctx;
    unsigned char *plain;     /* PLAIN_MAX bytes: the padded plaintext P */
};

struct blob_codec *
blob_codec_new(const struct repo_keys *keys)
{
    struct blob_codec *c = g_new0(struct blob_codec, 1);

    c->keys = keys;
    c->cctx = ZSTD_createCCtx();
    c->dctx = ZSTD_createDCtx();
    c->plain = g_malloc(PLAIN_MAX);
    if (c->cctx == NULL || c->dctx == NULL)
        g_error("blob: cannot allocate zstd contexts");
    return c;
}

void
blob_codec_free(struct blob_codec *c)
{
    if (c == NULL)
        return;
    ZSTD_freeCCtx(c->cctx);
    ZSTD_freeDCtx(c->dctx);
    sodium_memzero(c->plain, PLAIN_MAX);
    g_free(c->plain);
    g_free(c);
}

size_t
blob_padme(size_t len)
{
    unsigned int e = (unsigned int)g_bit_nth_msf((gulong)len, -1);
    unsigned int s = (unsigned int)g_bit_nth_msf((gulong)e, -1) + 1;
    size_t mask = ((size_t)1 << (e - s)) - 1;

    return (len + mask) & ~mask;
}

void
blob_id(const struct repo_keys *keys, const unsigned char *chunk, size_t len,
        unsigned char id[BLOB_ID_BYTES])
{
    crypto_generichash(id, BLOB_ID_BYTES, chunk, len, keys->id, REPO_KEYBYTES);
}

static gboolean
corrupt(GError **error, const unsigned char id[BLOB_ID_BYTES], const char *why)
{
    char hex[2 * BLOB_ID_BYTES + 1];

    sodium_bin2hex(hex, sizeof hex, id, BLOB_ID_BYTES);
    g_set_error(error, FB_ERROR, FB_EXIT_CORRUPT, "blob %s %s", hex, why);
    return FALSE;
}

/* P = method ‖ le32(n) ‖ payload ‖ zeros; returns len(P). */
static size_t
plain_build(struct blob_codec *c, const unsigned char *chunk, size_t len)
{
    unsigned char *p = c->plain;
    size_t n = ZSTD_compressCCtx(c->cctx, p + BLOB_HEAD_BYTES, PLAIN_MAX - BLOB_HEAD_BYTES,
                                 chunk, len, BLOB_ZSTD_LEVEL);
    size_t total;

    p[0] = BLOB_METHOD_ZSTD;
    if (ZSTD_isError(n) || n >= len) {
        p[0] = BLOB_METHOD_STORED;
        memcpy(p + BLOB_HEAD_BYTES, chunk, len);
        n = len;
    }
    le_put(p + 1, n, 4);
    total = blob_padme(BLOB_HEAD_BYTES + n);
    memset(p + BLOB_HEAD_BYTES + n, 0, total - BLOB_HEAD_BYTES - n);
    return total;
}

gboolean
blob_seal(struct blob_codec *c, const unsigned char id[BLOB_ID_BYTES],
          const unsigned char *chunk, size_t len, unsigned char *out, size_t *out_len,
          GError **error)
{
    unsigned long long clen;
    size_t plen;

    if (len > CHUNK_MAX) {
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "chunk of %zu bytes over the maximum", len);
        return FALSE;
    }
    plen = plain_build(c, chunk, len);
    randombytes_buf(out, BLOB_NONCE_BYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt(out + BLOB_NONCE_BYTES, &clen, c->plain, plen,
                                               id, BLOB_ID_BYTES, NULL, out, c->keys->enc);
    *out_len = BLOB_NONCE_BYTES + (size_t)clen;
    return TRUE;
}

/* The chunk inside a verified P of plen bytes. */
static gboolean
plain_open(struct blob_codec *c, const unsigned char id[BLOB_ID_BYTES], size_t plen,
           unsigned char *chunk, size_t *chunk_len, GError **error)
{
    const unsigned char *p = c->plain;
    size_t n = (size_t)le_get(p + 1, 4);
    size_t got;

    if (n > plen - BLOB_HEAD_BYTES || blob_padme(BLOB_HEAD_BYTES + n) != plen)
        return corrupt(error, id, "has a wrong payload length");
    for (size_t i = BLOB_HEAD_BYTES + n; i < plen; i++)
        if (p[i] != 0)
            return corrupt(error, id, "has non-zero padding");
    if (p[0] == BLOB_METHOD_STORED) {
        if (n > CHUNK_MAX)
            return corrupt(error, id, "is over the largest chunk");
        memcpy(chunk, p + BLOB_HEAD_BYTES, n);
        got = n;
    } else if (p[0] == BLOB_METHOD_ZSTD) {
        if (ZSTD_findFrameCompressedSize(p + BLOB_HEAD_BYTES, n) != n)
            return corrupt(error, id, "is not exactly one zstd frame");
        got = ZSTD_decompressDCtx(c->dctx, chunk, CHUNK_MAX, p + BLOB_HEAD_BYTES, n);
        if (ZSTD_isError(got))
            return corrupt(error, id, "does not decompress");
    } else {
        return corrupt(error, id, "has an unknown method");
    }
    *chunk_len = got;
    return TRUE;
}

gboolean
blob_open(struct blob_codec *c, const unsigned char id[BLOB_ID_BYTES],
          const unsigned char *blob, size_t len, unsigned char *chunk, size_t *chunk_len,
          GError **error)
{
    unsigned char check[BLOB_ID_BYTES];
    unsigned long long plen;

    if (len < BLOB_MIN_BYTES || len > BLOB_MAX_BYTES)
        return corrupt(error, id, "has an impossible length");
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(c->plain, &plen, NULL,
                                                   blob + BLOB_NONCE_BYTES,
                                                   len - BLOB_NONCE_BYTES, id, BLOB_ID_BYTES,
                                                   blob, c->keys->enc) != 0)
        return corrupt(error, id, "fails authentication (altered, or not the blob of this id)");
    if (!plain_open(c, id, (size_t)plen, chunk, chunk_len, error))
        return FALSE;
    blob_id(c->keys, chunk, *chunk_len, check);
    if (sodium_memcmp(check, id, BLOB_ID_BYTES) != 0)
        return corrupt(error, id, "holds content of another id");
    return TRUE;
}
