/* crypt.c - the archive encryption format: header, KDF, streaming records. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "crypt.h"
#include "fb.h"
#include "fdio.h"
#include "fdwriter.h"
#include "le.h"

#define TAG_MESSAGE crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
#define TAG_FINAL crypto_secretstream_xchacha20poly1305_TAG_FINAL
#define ABYTES crypto_secretstream_xchacha20poly1305_ABYTES

/* Header offsets (doc/encryption-format.md). */
enum {
    OFF_VERSION = 8, OFF_KDF = 9, OFF_AEAD = 10, OFF_LOG2 = 11, OFF_FLAGS = 12,
    OFF_OPS = 16, OFF_MEM = 24, OFF_SALT = 32, OFF_CHECK = 48, OFF_STREAM = 64,
};

typedef crypto_secretstream_xchacha20poly1305_state stream_state;

/* I/O in blocks of whole chunks / records, about 1 MiB, so that the kernel
 * copies in few system calls; memory stays fixed whatever the file size. */
#define BLOCK_CHUNKS 16u
#define PLAIN_BLOCK (BLOCK_CHUNKS * CRYPT_CHUNK_BYTES)
#define CIPHER_BLOCK (BLOCK_CHUNKS * CRYPT_RECORD_BYTES)

G_STATIC_ASSERT(OFF_STREAM + crypto_secretstream_xchacha20poly1305_HEADERBYTES == CRYPT_HEADER_BYTES);
G_STATIC_ASSERT(crypto_secretstream_xchacha20poly1305_KEYBYTES == CRYPT_KEYBYTES);
G_STATIC_ASSERT(crypto_pwhash_SALTBYTES == CRYPT_SALTBYTES);
G_STATIC_ASSERT(ABYTES == 17);

/* Read until n bytes or end of file; *got says how many came. */
static gboolean
read_full(int fd, unsigned char *buf, size_t n, size_t *got, GError **error)
{
    return fd_read_full(fd, buf, n, got, "the input", error);
}

gboolean
crypt_kdf_from_cost(const char *cost, struct crypt_kdf *kdf, GError **error)
{
    if (g_strcmp0(cost, "interactive") == 0) {
        kdf->opslimit = crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
        kdf->memlimit = crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;
    } else if (cost == NULL || strcmp(cost, "moderate") == 0) {
        kdf->opslimit = crypto_pwhash_argon2id_OPSLIMIT_MODERATE;
        kdf->memlimit = crypto_pwhash_argon2id_MEMLIMIT_MODERATE;
    } else if (strcmp(cost, "sensitive") == 0) {
        kdf->opslimit = crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE;
        kdf->memlimit = crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE;
    } else {
        g_set_error(error, FB_ERROR, FB_EXIT_USAGE,
                    "unknown cost '%s' (interactive, moderate or sensitive)", cost);
        return FALSE;
    }
    randombytes_buf(kdf->salt, sizeof kdf->salt);
    return TRUE;
}

gboolean
crypt_kdf_check(const struct crypt_kdf *kdf, GError **error)
{
    if (kdf->opslimit < CRYPT_OPSLIMIT_MIN || kdf->opslimit > CRYPT_OPSLIMIT_MAX) {
        g_set_error(error, FB_ERROR, FB_EXIT_FORMAT,
                    "KDF opslimit %" G_GUINT64_FORMAT " refused (accepted: %u to %u)",
                    (guint64)kdf->opslimit, CRYPT_OPSLIMIT_MIN, CRYPT_OPSLIMIT_MAX);
        return FALSE;
    }
    if (kdf->memlimit < CRYPT_MEMLIMIT_MIN || kdf->memlimit > CRYPT_MEMLIMIT_MAX
        || kdf->memlimit % 1024 != 0) {
        g_set_error(error, FB_ERROR, FB_EXIT_FORMAT,
                    "KDF memlimit %" G_GUINT64_FORMAT " bytes refused (accepted: "
                    "multiples of 1024 from %u bytes to 1 GiB)",
                    (guint64)kdf->memlimit, CRYPT_MEMLIMIT_MIN);
        return FALSE;
    }
    return TRUE;
}

struct crypt_key *
crypt_key_new(void)
{
    struct crypt_key *key;

    if (sodium_init() < 0 || (key = sodium_malloc(sizeof *key)) == NULL)
        g_error("crypt: cannot allocate secure memory");
    memset(key, 0, sizeof *key);
    return key;
}

void
crypt_key_free(struct crypt_key *key)
{
    if (key != NULL)
        sodium_free(key);   /* zeroes before releasing */
}

struct crypt_key *
crypt_key_derive(const unsigned char *password, size_t len,
                 const struct crypt_kdf *kdf, GError **error)
{
    struct crypt_key *key;

    if (!crypt_kdf_check(kdf, error))
        return NULL;
    key = crypt_key_new();
    key->kdf = *kdf;
    if (crypto_pwhash(key->key, sizeof key->key, (const char *)password, len,
                      kdf->salt, kdf->opslimit, (size_t)kdf->memlimit,
                      crypto_pwhash_ALG_ARGON2ID13) != 0) {
        crypt_key_free(key);
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL,
                    "key derivation failed: not enough memory for Argon2id (%" G_GUINT64_FORMAT " MiB)",
                    (guint64)(kdf->memlimit >> 20));
        return NULL;
    }
    return key;
}

void
crypt_key_check_value(const struct crypt_key *key, unsigned char out[CRYPT_CHECKBYTES])
{
    crypto_generichash(out, CRYPT_CHECKBYTES, (const unsigned char *)CRYPT_CHECK_LABEL,
                       strlen(CRYPT_CHECK_LABEL), key->key, sizeof key->key);
}

/* Fill hdr[0..87] and start the push stream (which writes hdr[64..87]). */
static void
header_build(unsigned char hdr[CRYPT_HEADER_BYTES], const struct crypt_key *key,
             stream_state *st)
{
    memset(hdr, 0, CRYPT_HEADER_BYTES);
    memcpy(hdr, CRYPT_MAGIC, CRYPT_MAGIC_BYTES);
    hdr[OFF_VERSION] = CRYPT_VERSION;
    hdr[OFF_KDF] = CRYPT_KDF_ARGON2ID13;
    hdr[OFF_AEAD] = CRYPT_AEAD_SECRETSTREAM;
    hdr[OFF_LOG2] = CRYPT_LOG2_CHUNK;
    le_put(hdr + OFF_OPS, key->kdf.opslimit, 8);
    le_put(hdr + OFF_MEM, key->kdf.memlimit, 8);
    memcpy(hdr + OFF_SALT, key->kdf.salt, CRYPT_SALTBYTES);
    crypt_key_check_value(key, hdr + OFF_CHECK);
    crypto_secretstream_xchacha20poly1305_init_push(st, hdr + OFF_STREAM, key->key);
}

static gboolean
format_error(GError **error, const char *what, unsigned int value)
{
    g_set_error(error, FB_ERROR, FB_EXIT_FORMAT, "unsupported %s %u", what, value);
    return FALSE;
}

/* Validate the n bytes read of a header; fill kdf. */
static gboolean
header_parse(const unsigned char *hdr, size_t n, struct crypt_kdf *kdf, GError **error)
{
    if (memcmp(hdr, CRYPT_MAGIC, MIN(n, (size_t)CRYPT_MAGIC_BYTES)) != 0) {
        g_set_error(error, FB_ERROR, FB_EXIT_FORMAT, "not an encrypted archive (unknown magic)");
        return FALSE;
    }
    if (n < CRYPT_HEADER_BYTES) {
        g_set_error(error, FB_ERROR, FB_EXIT_CORRUPT,
                    "archive truncated: header has %zu of %u bytes", n, CRYPT_HEADER_BYTES);
        return FALSE;
    }
    if (hdr[OFF_VERSION] != CRYPT_VERSION)
        return format_error(error, "format version", hdr[OFF_VERSION]);
    if (hdr[OFF_KDF] != CRYPT_KDF_ARGON2ID13)
        return format_error(error, "KDF id", hdr[OFF_KDF]);
    if (hdr[OFF_AEAD] != CRYPT_AEAD_SECRETSTREAM)
        return format_error(error, "AEAD id", hdr[OFF_AEAD]);
    if (hdr[OFF_LOG2] != CRYPT_LOG2_CHUNK)
        return format_error(error, "log2 chunk size", hdr[OFF_LOG2]);
    if (le_get(hdr + OFF_FLAGS, 4) != 0)
        return format_error(error, "flags", (unsigned int)le_get(hdr + OFF_FLAGS, 4));
    kdf->opslimit = le_get(hdr + OFF_OPS, 8);
    kdf->memlimit = le_get(hdr + OFF_MEM, 8);
    memcpy(kdf->salt, hdr + OFF_SALT, CRYPT_SALTBYTES);
    return crypt_kdf_check(kdf, error);
}

static gboolean
password_error(GError **error, const char *message)
{
    g_set_error_literal(error, FB_ERROR, FB_EXIT_PASSWORD, message);
    return FALSE;
}

/* The key that opens this archive, or an error saying why none does. */
static struct crypt_key *
header_key(const unsigned char *hdr, const struct crypt_kdf *kdf,
           const struct crypt_secret *secret, GError **error)
{
    const struct crypt_key *given = secret->key;
    struct crypt_key *key;
    unsigned char check[CRYPT_CHECKBYTES];

    if (given != NULL) {
        if (sodium_memcmp(given->kdf.salt, kdf->salt, CRYPT_SALTBYTES) != 0) {
            password_error(error, "key file salt differs from the archive's: "
                                  "decrypt this archive with the password instead");
            return NULL;
        }
        if (given->kdf.opslimit != kdf->opslimit || given->kdf.memlimit != kdf->memlimit) {
            password_error(error, "key file KDF costs differ from the archive's: "
                                  "decrypt this archive with the password instead");
            return NULL;
        }
        key = crypt_key_new();
        *key = *given;
    } else if ((key = crypt_key_derive(secret->password, secret->password_len, kdf, error)) == NULL) {
        return NULL;
    }
    crypt_key_check_value(key, check);
    if (sodium_memcmp(check, hdr + OFF_CHECK, CRYPT_CHECKBYTES) != 0) {
        crypt_key_free(key);
        password_error(error, given != NULL ? "wrong key (key check failed)"
                                            : "wrong password (key check failed)");
        return NULL;
    }
    return key;
}

/* Seal one block of plaintext (len bytes, empty only for an empty file) as
 * records into the writer; the last chunk is FINAL unless more follows. */
static gboolean
encrypt_block(stream_state *st, const unsigned char *plain, size_t len, gboolean more,
              const unsigned char **ad, size_t *ad_len, struct fdwriter *w, GError **error)
{
    unsigned char *out = fdwriter_buffer(w);
    size_t off = 0, pos = 0;

    do {
        size_t n = MIN((size_t)CRYPT_CHUNK_BYTES, len - off);
        gboolean final = !more && off + n == len;
        unsigned long long rec_len;

        crypto_secretstream_xchacha20poly1305_push(st, out + pos, &rec_len, plain + off, n,
                                                   *ad, *ad_len, final ? TAG_FINAL : TAG_MESSAGE);
        *ad = NULL, *ad_len = 0;
        pos += (size_t)rec_len;
        off += n;
    } while (off < len);
    return fdwriter_submit(w, pos, error);
}

/* Read one block ahead so the last non-empty chunk carries TAG_FINAL. */
static gboolean
encrypt_records(int in, struct fdwriter *w, stream_state *st, const unsigned char *hdr,
                unsigned char *plain[2], GError **error)
{
    const unsigned char *ad = hdr;
    size_t ad_len = CRYPT_HEADER_BYTES, len, next_len;

    if (!read_full(in, plain[0], PLAIN_BLOCK, &len, error))
        return FALSE;
    for (int i = 0;; i ^= 1) {
        next_len = 0;
        if (len == PLAIN_BLOCK && !read_full(in, plain[i ^ 1], PLAIN_BLOCK, &next_len, error))
            return FALSE;
        if (!encrypt_block(st, plain[i], len, next_len > 0, &ad, &ad_len, w, error))
            return FALSE;
        if (next_len == 0)
            return TRUE;
        len = next_len;
    }
}

gboolean
crypt_encrypt_fd(int in, int out, const struct crypt_key *key, GError **error)
{
    unsigned char hdr[CRYPT_HEADER_BYTES];
    unsigned char *plain[2];
    stream_state st;
    struct fdwriter *w;
    gboolean ok;

    if (!crypt_kdf_check(&key->kdf, error))
        return FALSE;
    header_build(hdr, key, &st);
    w = fdwriter_new(out, CIPHER_BLOCK);
    memcpy(fdwriter_buffer(w), hdr, sizeof hdr);
    plain[0] = g_malloc(PLAIN_BLOCK);
    plain[1] = g_malloc(PLAIN_BLOCK);
    ok = fdwriter_submit(w, sizeof hdr, error)
         && encrypt_records(in, w, &st, hdr, plain, error);
    ok = fdwriter_close(w, ok ? error : NULL) && ok;
    for (int i = 0; i < 2; i++) {
        sodium_memzero(plain[i], PLAIN_BLOCK);
        g_free(plain[i]);
    }
    sodium_memzero(&st, sizeof st);
    return ok;
}

static gboolean
corrupt(GError **error, const char *fmt, unsigned long long record)
{
    g_set_error(error, FB_ERROR, FB_EXIT_CORRUPT, fmt, record);
    return FALSE;
}

static gboolean
trailing_data(GError **error)
{
    g_set_error_literal(error, FB_ERROR, FB_EXIT_CORRUPT,
                        "archive has trailing data after the final record");
    return FALSE;
}

/* After the FINAL record: end of file, nothing else. */
static gboolean
expect_eof(int in, unsigned char *scratch, GError **error)
{
    size_t got;

    if (!read_full(in, scratch, 1, &got, error))
        return FALSE;
    return got == 0 || trailing_data(error);
}

struct pull {
    stream_state st;
    const unsigned char *ad;
    size_t ad_len;
    unsigned long long n;   /* records verified */
};

/* Verify one record (len bytes) into out: its plaintext length and tag. */
static gboolean
pull_record(struct pull *p, unsigned char *out, size_t *plain_len, unsigned char *tag,
            const unsigned char *rec, size_t len, GError **error)
{
    unsigned long long n = p->n + 1, out_len;

    if (crypto_secretstream_xchacha20poly1305_pull(&p->st, out, &out_len, tag, rec, len,
                                                   p->ad, p->ad_len) != 0)
        return corrupt(error, "archive damaged: record %llu fails authentication "
                              "(tampered, truncated or followed by extra data)", n);
    if (*tag != TAG_FINAL && (*tag != TAG_MESSAGE || len != CRYPT_RECORD_BYTES))
        return corrupt(error, "archive damaged: record %llu has an unexpected tag or size", n);
    p->ad = NULL, p->ad_len = 0;
    p->n = n;
    *plain_len = (size_t)out_len;
    return TRUE;
}

/* Verify the got bytes of a block into the writer; *final once FINAL came
 * and end of file follows it. */
static gboolean
decrypt_block(int in, struct pull *p, unsigned char *cipher, size_t got,
              struct fdwriter *w, gboolean *final, GError **error)
{
    unsigned char *out = fdwriter_buffer(w);
    size_t pos = 0;

    for (size_t off = 0; off < got;) {
        size_t len = MIN((size_t)CRYPT_RECORD_BYTES, got - off), plain_len;
        unsigned char tag;

        if (!pull_record(p, out + pos, &plain_len, &tag, cipher + off, len, error))
            return FALSE;
        pos += plain_len;
        off += len;
        if (tag == TAG_FINAL) {
            if (off < got)
                return trailing_data(error);
            if (!expect_eof(in, cipher, error))
                return FALSE;
            *final = TRUE;
            break;
        }
    }
    return fdwriter_submit(w, pos, error);
}

static gboolean
decrypt_records(int in, struct fdwriter *w, struct pull *p, GError **error)
{
    unsigned char *cipher = g_malloc(CIPHER_BLOCK);
    gboolean final = FALSE, ok;
    size_t got;

    do {
        ok = read_full(in, cipher, CIPHER_BLOCK, &got, error)
             && decrypt_block(in, p, cipher, got, w, &final, error);
        if (ok && !final && got < CIPHER_BLOCK)
            ok = corrupt(error, "archive truncated: no final record after %llu records", p->n);
    } while (ok && !final);
    g_free(cipher);
    return ok;
}

struct crypt_key *
crypt_key_for_archive(int in, const struct crypt_secret *secret, GError **error)
{
    unsigned char hdr[CRYPT_HEADER_BYTES];
    struct crypt_kdf kdf;
    size_t got;

    g_return_val_if_fail((secret->key == NULL) != (secret->password == NULL), NULL);
    if (!read_full(in, hdr, sizeof hdr, &got, error) || !header_parse(hdr, got, &kdf, error))
        return NULL;
    return header_key(hdr, &kdf, secret, error);
}

gboolean
crypt_decrypt_fd(int in, int out, const struct crypt_secret *secret, GError **error)
{
    unsigned char hdr[CRYPT_HEADER_BYTES];
    struct crypt_kdf kdf;
    struct crypt_key *key;
    struct pull p = { .ad = hdr, .ad_len = sizeof hdr };
    struct fdwriter *w;
    size_t got;
    gboolean ok;

    g_return_val_if_fail((secret->key == NULL) != (secret->password == NULL), FALSE);
    if (!read_full(in, hdr, sizeof hdr, &got, error) || !header_parse(hdr, got, &kdf, error))
        return FALSE;
    if ((key = header_key(hdr, &kdf, secret, error)) == NULL)
        return FALSE;
    crypto_secretstream_xchacha20poly1305_init_pull(&p.st, hdr + OFF_STREAM, key->key);
    crypt_key_free(key);
    w = fdwriter_new(out, PLAIN_BLOCK);
    ok = decrypt_records(in, w, &p, error);
    ok = fdwriter_close(w, ok ? error : NULL) && ok;
    sodium_memzero(&p.st, sizeof p.st);
    return ok;
}
