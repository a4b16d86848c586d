/* test_chunker.c - keyed FastCDC: bounds, determinism, key dependence,
 * resistance to shifts, and the streaming cutter against the plain one. */
#include <string.h>

#include <sodium.h>

#include "chunk_stream.h"
#include "chunker.h"

#define DATA_BYTES ((size_t)12 * 1024 * 1024)

/* Deterministic pseudo-random bytes (seeded ChaCha20 keystream). */
static unsigned char *
noise(size_t n, unsigned char seed)
{
    unsigned char key[crypto_stream_chacha20_KEYBYTES] = { seed };
    unsigned char nonce[crypto_stream_chacha20_NONCEBYTES] = { 0 };
    unsigned char *p = g_malloc(n);

    crypto_stream_chacha20(p, n, nonce, key);
    return p;
}

/* The cut lengths of data, as a GArray of size_t. */
static GArray *
cuts(const struct chunker *c, const unsigned char *data, size_t n)
{
    GArray *a = g_array_new(FALSE, FALSE, sizeof(size_t));

    while (n > 0) {
        size_t k = chunker_cut(c, data, n);

        g_assert_cmpuint(k, >, 0);
        g_array_append_val(a, k);
        data += k;
        n -= k;
    }
    return a;
}

static void
test_bounds_and_determinism(void)
{
    const unsigned char key[32] = { 1 };
    struct chunker c, again;
    g_autofree unsigned char *data = noise(DATA_BYTES, 7);
    g_autoptr(GArray) a = NULL, b = NULL;
    size_t sum = 0;

    chunker_init(&c, key);
    chunker_init(&again, key);
    g_assert_cmpmem(c.gear, sizeof c.gear, again.gear, sizeof again.gear);
    a = cuts(&c, data, DATA_BYTES);
    b = cuts(&again, data, DATA_BYTES);
    g_assert_cmpmem(a->data, a->len * sizeof(size_t), b->data, b->len * sizeof(size_t));
    for (guint i = 0; i < a->len; i++) {
        size_t k = g_array_index(a, size_t, i);
        if (i + 1 < a->len)
            g_assert_cmpuint(k, >=, CHUNK_MIN + 1);
        g_assert_cmpuint(k, <=, CHUNK_MAX);
        sum += k;
    }
    g_assert_cmpuint(sum, ==, DATA_BYTES);
    /* normalised chunking: the mean lies between MIN and 2 x AVG */
    g_assert_cmpuint(DATA_BYTES / a->len, >, CHUNK_MIN);
    g_assert_cmpuint(DATA_BYTES / a->len, <, 2 * CHUNK_AVG);
    /* short inputs are one chunk; nothing is zero */
    g_assert_cmpuint(chunker_cut(&c, data, 0), ==, 0);
    g_assert_cmpuint(chunker_cut(&c, data, 100), ==, 100);
    g_assert_cmpuint(chunker_cut(&c, data, CHUNK_MIN), ==, CHUNK_MIN);
}

static void
test_key_changes_cuts(void)
{
    const unsigned char k1[32] = { 1 }, k2[32] = { 2 };
    struct chunker c1, c2;
    g_autofree unsigned char *data = noise(DATA_BYTES, 7);
    g_autoptr(GArray) a = NULL, b = NULL;

    chunker_init(&c1, k1);
    chunker_init(&c2, k2);
    a = cuts(&c1, data, DATA_BYTES);
    b = cuts(&c2, data, DATA_BYTES);
    g_assert_false(a->len == b->len &&
                   memcmp(a->data, b->data, a->len * sizeof(size_t)) == 0);
    g_assert_cmpuint(g_array_index(a, size_t, 0), !=, g_array_index(b, size_t, 0));
}

/* Chunk contents of data as BLAKE2b digest -> chunk length. */
static GHashTable *
chunk_set(const struct chunker *c, const unsigned char *data, size_t n, guint *count)
{
    GHashTable *set = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                                            (GDestroyNotify)g_bytes_unref, NULL);
    g_autoptr(GArray) a = cuts(c, data, n);

    *count = a->len;
    for (guint i = 0; i < a->len; i++) {
        unsigned char h[32];
        size_t k = g_array_index(a, size_t, i);

        crypto_generichash(h, sizeof h, data, k, NULL, 0);
        g_hash_table_insert(set, g_bytes_new(h, sizeof h), GSIZE_TO_POINTER(k));
        data += k;
    }
    return set;
}

/* One byte inserted, or 1 MiB rewritten, changes only the chunks around it. */
static void
test_shift_resistance(void)
{
    const unsigned char key[32] = { 3 };
    struct chunker c;
    g_autofree unsigned char *data = noise(DATA_BYTES, 9);
    g_autofree unsigned char *ins = g_malloc(DATA_BYTES + 1);
    g_autofree unsigned char *rw = g_memdup2(data, DATA_BYTES);
    g_autofree unsigned char *block = noise(1024 * 1024, 10);
    g_autoptr(GHashTable) old = NULL, a = NULL, b = NULL;
    GHashTableIter it;
    gpointer k, v;
    guint n_old, n_a, n_b, new_a = 0, new_b = 0;
    gsize bytes_b = 0;

    chunker_init(&c, key);
    memcpy(ins, data, 5000000);
    ins[5000000] = 0x5a;
    memcpy(ins + 5000001, data + 5000000, DATA_BYTES - 5000000);
    memcpy(rw + 6000000, block, 1024 * 1024);
    old = chunk_set(&c, data, DATA_BYTES, &n_old);
    a = chunk_set(&c, ins, DATA_BYTES + 1, &n_a);
    b = chunk_set(&c, rw, DATA_BYTES, &n_b);
    g_hash_table_iter_init(&it, a);
    while (g_hash_table_iter_next(&it, &k, NULL))
        new_a += !g_hash_table_contains(old, k);
    g_hash_table_iter_init(&it, b);
    while (g_hash_table_iter_next(&it, &k, &v))
        if (!g_hash_table_contains(old, k)) {
            new_b++;
            bytes_b += GPOINTER_TO_SIZE(v);
        }
    g_test_message("%u chunks; 1-byte insert: %u new; 1 MiB rewrite: %u new, %zu bytes", n_old,
                   new_a, new_b, bytes_b);
    g_assert_cmpuint(n_old, >, 10);
    g_assert_cmpuint(new_a, >=, 1);
    g_assert_cmpuint(new_a, <=, 2);
    g_assert_cmpuint(bytes_b, >, 1024 * 1024);
    g_assert_cmpuint(bytes_b, <, 1024 * 1024 + 4 * CHUNK_AVG);
}

struct collect {
    GArray *lens;
    GChecksum *sum;
};

static gboolean
collect(void *ctx, const unsigned char *chunk, size_t len, GError **error)
{
    struct collect *c = ctx;

    (void)error;
    g_array_append_val(c->lens, len);
    g_checksum_update(c->sum, chunk, (gssize)len);
    return TRUE;
}

/* Fed in uneven pieces, the stream cuts where the plain cutter does. */
static void
test_stream_matches(void)
{
    const unsigned char key[32] = { 4 };
    struct chunker c;
    g_autofree unsigned char *data = noise(DATA_BYTES, 11);
    g_autoptr(GArray) want = NULL;
    struct collect got = { g_array_new(FALSE, FALSE, sizeof(size_t)),
                           g_checksum_new(G_CHECKSUM_SHA256) };
    g_autoptr(GChecksum) whole = g_checksum_new(G_CHECKSUM_SHA256);
    g_autoptr(GError) error = NULL;
    struct chunk_stream *s;
    size_t off = 0, piece = 1;
    size_t empty_before;

    chunker_init(&c, key);
    want = cuts(&c, data, DATA_BYTES);
    s = chunk_stream_new(&c, collect, &got);
    while (off < DATA_BYTES) {
        size_t k = MIN(piece, DATA_BYTES - off);
        g_assert_true(chunk_stream_feed(s, data + off, k, &error));
        off += k;
        piece = piece * 7 % 1000003 + 1;
    }
    g_assert_true(chunk_stream_end(s, &error));
    g_assert_no_error(error);
    g_assert_cmpmem(got.lens->data, got.lens->len * sizeof(size_t), want->data,
                    want->len * sizeof(size_t));
    g_checksum_update(whole, data, DATA_BYTES);
    g_assert_cmpstr(g_checksum_get_string(got.sum), ==, g_checksum_get_string(whole));
    g_checksum_reset(got.sum);
    /* a stream with nothing in it makes no chunk; the next one starts afresh */
    empty_before = got.lens->len;
    g_assert_true(chunk_stream_end(s, &error));
    g_assert_cmpuint(got.lens->len, ==, empty_before);
    g_assert_true(chunk_stream_feed(s, data, 10, &error) && chunk_stream_end(s, &error));
    g_assert_cmpuint(g_array_index(got.lens, size_t, got.lens->len - 1), ==, 10);
    chunk_stream_free(s);
    g_array_unref(got.lens);
    g_checksum_free(got.sum);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_assert_cmpint(sodium_init(), >=, 0);
    g_test_add_func("/chunker/bounds-and-determinism", test_bounds_and_determinism);
    g_test_add_func("/chunker/key-changes-cuts", test_key_changes_cuts);
    g_test_add_func("/chunker/shift-resistance", test_shift_resistance);
    g_test_add_func("/chunker/stream-matches", test_stream_matches);
    return g_test_run();
}
