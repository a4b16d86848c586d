/* blob.h - one chunk as stored (doc/repository-format.md, "Blobs").
 *
 * id = BLAKE2b-256(Kid, chunk); blob = nonce ‖ XChaCha20-Poly1305(Kenc,
 * method ‖ le32(n) ‖ payload ‖ zero padding to padmé, AD = id), the payload
 * the zstd frame of the chunk, or the chunk when that is not smaller.
 * blob_open fails with FB_EXIT_CORRUPT for a blob that does not
 * authenticate under its id (altered, or moved under another id) or whose
 * content is not that id's. */
#ifndef FB_BLOB_H
#define FB_BLOB_H

#include <stddef.h>

#include <glib.h>

#include "chunker.h"
#include "repo_keys.h"

#define BLOB_ID_BYTES 32
#define BLOB_NONCE_BYTES 24
#define BLOB_TAG_BYTES 16
#define BLOB_HEAD_BYTES 5                 /* method, le32 payload length */
#define BLOB_MIN_BYTES (BLOB_NONCE_BYTES + BLOB_HEAD_BYTES + BLOB_TAG_BYTES)
#define BLOB_MAX_BYTES ((size_t)1081384)  /* padme(5 + CHUNK_MAX) + 40 */
#define BLOB_METHOD_STORED 0
#define BLOB_METHOD_ZSTD 1
#define BLOB_ZSTD_LEVEL 3

struct blob_codec;

/* keys must outlive the codec. */
struct blob_codec *blob_codec_new(const struct repo_keys *keys);
void blob_codec_free(struct blob_codec *c);

/* The padmé length of L (L >= 2). */
size_t blob_padme(size_t len);

void blob_id(const struct repo_keys *keys, const unsigned char *chunk, size_t len,
             unsigned char id[BLOB_ID_BYTES]);

/* Seal a chunk (at most CHUNK_MAX bytes) whose id is id into out, which has
 * room for BLOB_MAX_BYTES; *out_len is the blob's length. */
gboolean blob_seal(struct blob_codec *c, const unsigned char id[BLOB_ID_BYTES],
                   const unsigned char *chunk, size_t len, unsigned char *out,
                   size_t *out_len, GError **error);

/* Open a blob expected to be id's; chunk has room for CHUNK_MAX bytes. */
gboolean blob_open(struct blob_codec *c, const unsigned char id[BLOB_ID_BYTES],
                   const unsigned char *blob, size_t len, unsigned char *chunk,
                   size_t *chunk_len, GError **error);

#endif
