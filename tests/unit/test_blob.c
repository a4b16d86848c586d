/* test_blob.c - blobs: round trips, padmé lengths, tampering, swapped ids
 * (the id is the AEAD's associated data), wrong keys. */
#include <string.h>

#include <sodium.h>

#include "blob.h"
#include "fb.h"
#include "repo_keys.h"

static struct repo_keys *
keys_for(unsigned char seed)
{
    struct crypt_key *k = crypt_key_new();
    struct repo_keys *keys;

    memset(k->key, seed, sizeof k->key);
    keys = repo_keys_derive(k);
    crypt_key_free(k);
    return keys;
}

static void
test_subkeys(void)
{
    struct repo_keys *a = keys_for(1), *b = keys_for(1), *c = keys_for(2);

    g_assert_cmpmem(a, sizeof *a, b, sizeof *b);
    g_assert_true(memcmp(a->chunk, c->chunk, REPO_KEYBYTES) != 0);
    g_assert_true(memcmp(a->id, a->enc, REPO_KEYBYTES) != 0);
    g_assert_true(memcmp(a->enc, a->mac, REPO_KEYBYTES) != 0);
    g_assert_true(memcmp(a->chunk, a->id, REPO_KEYBYTES) != 0);
    repo_keys_free(a);
    repo_keys_free(b);
    repo_keys_free(c);
}

static void
test_padme(void)
{
    g_assert_cmpuint(blob_padme(5), ==, 5);
    g_assert_cmpuint(blob_padme(9), ==, 10);
    g_assert_cmpuint(blob_padme(100), ==, 104);
    g_assert_cmpuint(blob_padme(524293), ==, 540672);
    g_assert_cmpuint(blob_padme(5 + CHUNK_MAX) + 40, ==, BLOB_MAX_BYTES);
    for (size_t n = 5; n < 300000; n += 997) {
        size_t p = blob_padme(n);
        g_assert_cmpuint(p, >=, n);
        g_assert_cmpuint(p - n, <=, n / 8);
        g_assert_cmpuint(blob_padme(p), ==, p);
    }
}

/* Seal chunk, check the length rule, open it back. */
static unsigned char *
round_trip(struct blob_codec *c, const struct repo_keys *k, const unsigned char *chunk,
           size_t len, size_t *blen, unsigned char id[BLOB_ID_BYTES])
{
    unsigned char *blob = g_malloc(BLOB_MAX_BYTES);
    g_autofree unsigned char *back = g_malloc(CHUNK_MAX);
    g_autoptr(GError) error = NULL;
    size_t got;

    blob_id(k, chunk, len, id);
    g_assert_true(blob_seal(c, id, chunk, len, blob, blen, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(*blen, >=, BLOB_MIN_BYTES);
    g_assert_cmpuint(*blen, <=, BLOB_MAX_BYTES);
    g_assert_cmpuint(blob_padme(*blen - 40), ==, *blen - 40);
    g_assert_true(blob_open(c, id, blob, *blen, back, &got, &error));
    g_assert_no_error(error);
    g_assert_cmpmem(back, got, chunk, len);
    return blob;
}

static void
test_round_trip(void)
{
    struct repo_keys *k = keys_for(3);
    struct blob_codec *c = blob_codec_new(k);
    g_autofree unsigned char *random = g_malloc(CHUNK_MAX);
    g_autofree unsigned char *text = g_malloc(CHUNK_MAX);
    unsigned char id[BLOB_ID_BYTES], id2[BLOB_ID_BYTES];
    size_t blen, blen2;

    randombytes_buf(random, CHUNK_MAX);
    for (size_t i = 0; i < CHUNK_MAX; i++)
        text[i] = "fallback repository text "[i % 25];
    g_free(round_trip(c, k, random, CHUNK_MAX, &blen, id));
    g_assert_cmpuint(blen, ==, BLOB_MAX_BYTES);          /* stored: never larger */
    g_free(round_trip(c, k, text, CHUNK_MAX, &blen, id));
    g_assert_cmpuint(blen, <, 20000);                     /* zstd did its work */
    g_free(round_trip(c, k, text, 0, &blen, id));
    g_free(round_trip(c, k, random, 1, &blen, id));
    /* the same chunk: the same id, a fresh nonce each time */
    {
        g_autofree unsigned char *b1 = round_trip(c, k, text, 1000, &blen, id);
        g_autofree unsigned char *b2 = round_trip(c, k, text, 1000, &blen2, id2);
        g_assert_cmpmem(id, sizeof id, id2, sizeof id2);
        g_assert_true(memcmp(b1, b2, BLOB_NONCE_BYTES) != 0);
    }
    blob_codec_free(c);
    repo_keys_free(k);
}

static void
assert_refused(struct blob_codec *c, const unsigned char *id, const unsigned char *blob,
               size_t len, const char *message)
{
    g_autofree unsigned char *back = g_malloc(CHUNK_MAX);
    g_autoptr(GError) error = NULL;
    size_t got;

    g_assert_false(blob_open(c, id, blob, len, back, &got, &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_CORRUPT);
    g_assert_nonnull(strstr(error->message, message));
}

static void
test_tamper_swap_wrong_key(void)
{
    struct repo_keys *k = keys_for(4), *other = keys_for(5);
    struct blob_codec *c = blob_codec_new(k), *c_other = blob_codec_new(other);
    const unsigned char a[] = "chunk a, some content", b[] = "chunk b, other content";
    unsigned char ida[BLOB_ID_BYTES], idb[BLOB_ID_BYTES];
    size_t la, lb;
    g_autofree unsigned char *ba = round_trip(c, k, a, sizeof a, &la, ida);
    g_autofree unsigned char *bb = round_trip(c, k, b, sizeof b, &lb, idb);

    /* every byte matters: nonce, ciphertext, tag */
    for (size_t i = 0; i < la; i++) {
        g_autofree unsigned char *t = g_memdup2(ba, la);
        t[i] ^= 0x01;
        assert_refused(c, ida, t, la, "fails authentication");
    }
    /* b's blob presented as a's (a swap by the storage) */
    assert_refused(c, ida, bb, lb, "fails authentication");
    /* truncated, and impossible lengths */
    assert_refused(c, ida, ba, la - 1, "fails authentication");
    assert_refused(c, ida, ba, 10, "impossible length");
    /* another repository's key */
    assert_refused(c_other, ida, ba, la, "fails authentication");
    blob_codec_free(c);
    blob_codec_free(c_other);
    repo_keys_free(k);
    repo_keys_free(other);
}

/* A blob that authenticates but whose plaintext breaks the rules (made
 * here with the key, as only a writer holding it could). */
static void
test_bad_plaintext(void)
{
    struct repo_keys *k = keys_for(6);
    struct blob_codec *c = blob_codec_new(k);
    unsigned char id[BLOB_ID_BYTES], other[BLOB_ID_BYTES];
    unsigned char p[10] = { BLOB_METHOD_STORED, 4, 0, 0, 0, 'a', 'b', 'c', 'd', 0 };
    unsigned char blob[10 + 40];
    unsigned long long clen;

    blob_id(k, p + 5, 4, id);
    memset(other, 7, sizeof other);
    /* padme(9) = 10: one zero of padding, fine */
    randombytes_buf(blob, 24);
    crypto_aead_xchacha20poly1305_ietf_encrypt(blob + 24, &clen, p, 10, id, 32, NULL, blob, k->enc);
    {
        g_autofree unsigned char *back = g_malloc(CHUNK_MAX);
        g_autoptr(GError) error = NULL;
        size_t got;
        g_assert_true(blob_open(c, id, blob, sizeof blob, back, &got, &error));
        g_assert_cmpmem(back, got, "abcd", 4);
    }
    p[9] = 1;   /* non-zero padding */
    crypto_aead_xchacha20poly1305_ietf_encrypt(blob + 24, &clen, p, 10, id, 32, NULL, blob, k->enc);
    assert_refused(c, id, blob, sizeof blob, "padding");
    p[9] = 0;
    p[0] = 9;   /* unknown method */
    crypto_aead_xchacha20poly1305_ietf_encrypt(blob + 24, &clen, p, 10, id, 32, NULL, blob, k->enc);
    assert_refused(c, id, blob, sizeof blob, "unknown method");
    p[0] = BLOB_METHOD_STORED;
    /* sealed under another id's AD, content not that id's */
    crypto_aead_xchacha20poly1305_ietf_encrypt(blob + 24, &clen, p, 10, other, 32, NULL, blob,
                                               k->enc);
    assert_refused(c, other, blob, sizeof blob, "content of another id");
    blob_codec_free(c);
    repo_keys_free(k);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_assert_cmpint(sodium_init(), >=, 0);
    g_test_add_func("/blob/subkeys", test_subkeys);
    g_test_add_func("/blob/padme", test_padme);
    g_test_add_func("/blob/round-trip", test_round_trip);
    g_test_add_func("/blob/tamper-swap-wrong-key", test_tamper_swap_wrong_key);
    g_test_add_func("/blob/bad-plaintext", test_bad_plaintext);
    return g_test_run();
}
