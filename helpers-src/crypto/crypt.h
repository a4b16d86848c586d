/* crypt.h - the archive encryption format (doc/encryption-format.md).
 *
 * Argon2id key from a password, crypto_secretstream_xchacha20poly1305 in
 * 64 KiB records, the 88-byte header authenticated as the first record's AD.
 * Errors are FB_ERROR with the exit status as code: FB_EXIT_PASSWORD,
 * FB_EXIT_CORRUPT, FB_EXIT_FORMAT, FB_EXIT_NOSPACE, FB_EXIT_FAIL. */
#ifndef FB_CRYPT_H
#define FB_CRYPT_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#define CRYPT_MAGIC "FBKENC\0\1"
#define CRYPT_MAGIC_BYTES 8
#define CRYPT_VERSION 1
#define CRYPT_KDF_ARGON2ID13 1
#define CRYPT_AEAD_SECRETSTREAM 1
#define CRYPT_LOG2_CHUNK 16
#define CRYPT_CHUNK_BYTES (1u << CRYPT_LOG2_CHUNK)
#define CRYPT_RECORD_BYTES (CRYPT_CHUNK_BYTES + 17u)    /* + secretstream ABYTES */
#define CRYPT_KEYBYTES 32
#define CRYPT_SALTBYTES 16
#define CRYPT_CHECKBYTES 16
#define CRYPT_HEADER_BYTES 88
#define CRYPT_CHECK_LABEL "fallback archive key-check v1"

/* What a decoder accepts from a header: attacker-controlled, so capped. */
#define CRYPT_OPSLIMIT_MIN 1u
#define CRYPT_OPSLIMIT_MAX 10u
#define CRYPT_MEMLIMIT_MIN 8192u
#define CRYPT_MEMLIMIT_MAX (UINT64_C(1) << 30)

/* Argon2id parameters and salt. */
struct crypt_kdf {
    uint64_t opslimit;
    uint64_t memlimit;                    /* bytes, a multiple of 1024 */
    unsigned char salt[CRYPT_SALTBYTES];
};

/* A derived key with what derived it; always in sodium_malloc memory. */
struct crypt_key {
    struct crypt_kdf kdf;
    unsigned char key[CRYPT_KEYBYTES];
};

/* What decrypts: a password (derived with the archive's own salt and costs)
 * or an already derived key (whose salt and costs must match the archive's).
 * Exactly one of password / key is set. */
struct crypt_secret {
    const unsigned char *password;
    size_t password_len;
    const struct crypt_key *key;
};

/* "interactive", "moderate" or "sensitive" -> costs, and a fresh random salt. */
gboolean crypt_kdf_from_cost(const char *cost, struct crypt_kdf *kdf, GError **error);

/* FB_EXIT_FORMAT unless the costs are within the decoder's caps. */
gboolean crypt_kdf_check(const struct crypt_kdf *kdf, GError **error);

/* Argon2id13(password, salt) with kdf's costs (checked first). */
struct crypt_key *crypt_key_derive(const unsigned char *password, size_t len,
                                   const struct crypt_kdf *kdf, GError **error);
struct crypt_key *crypt_key_new(void);
void crypt_key_free(struct crypt_key *key);

/* The key that opens the archive read from fd in (its header, at the current
 * offset): derived from secret's password with the archive's own salt and
 * costs, and proven by the header's key-check (FB_EXIT_PASSWORD if wrong). */
struct crypt_key *crypt_key_for_archive(int in, const struct crypt_secret *secret, GError **error);

/* The 16-byte key-check value: keyed BLAKE2b-128 of CRYPT_CHECK_LABEL. */
void crypt_key_check_value(const struct crypt_key *key, unsigned char out[CRYPT_CHECKBYTES]);

/* Stream in -> out with constant memory (a few 1 MiB blocks of 16 chunks or
 * records; a second thread writes one block while the next is processed).
 * Neither closes nor syncs the fds. Decryption writes each block's plaintext
 * once its records verified, before the FINAL record is seen: write to a
 * temporary file and discard it unless crypt_decrypt_fd returned TRUE. */
gboolean crypt_encrypt_fd(int in, int out, const struct crypt_key *key, GError **error);
gboolean crypt_decrypt_fd(int in, int out, const struct crypt_secret *secret, GError **error);

#endif
