/* keyfile.c - serialise and parse the 96-byte key file. */
#include <string.h>

#include <sodium.h>

#include "fb.h"
#include "keyfile.h"

/* Offsets (doc/encryption-format.md, "Key file"). */
enum {
    KOFF_VERSION = 8, KOFF_KDF = 9, KOFF_RESERVED = 10, KOFF_OPS = 16, KOFF_MEM = 24,
    KOFF_SALT = 32, KOFF_KEY = 48, KOFF_SUM = 80,
};
#define KEYFILE_SUMBYTES 16

G_STATIC_ASSERT(KOFF_SUM + KEYFILE_SUMBYTES == KEYFILE_BYTES);

static void
store64(unsigned char *p, uint64_t v)
{
    for (size_t i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
load64(const unsigned char *p)
{
    uint64_t v = 0;

    for (size_t i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void
checksum(const unsigned char *data, unsigned char out[KEYFILE_SUMBYTES])
{
    crypto_generichash(out, KEYFILE_SUMBYTES, data, KOFF_SUM, NULL, 0);
}

gboolean
keyfile_is(const unsigned char *data, size_t len)
{
    return len >= KEYFILE_MAGIC_BYTES && memcmp(data, KEYFILE_MAGIC, KEYFILE_MAGIC_BYTES) == 0;
}

void
keyfile_serialize(const struct crypt_key *key, unsigned char out[KEYFILE_BYTES])
{
    memset(out, 0, KEYFILE_BYTES);
    memcpy(out, KEYFILE_MAGIC, KEYFILE_MAGIC_BYTES);
    out[KOFF_VERSION] = KEYFILE_VERSION;
    out[KOFF_KDF] = CRYPT_KDF_ARGON2ID13;
    store64(out + KOFF_OPS, key->kdf.opslimit);
    store64(out + KOFF_MEM, key->kdf.memlimit);
    memcpy(out + KOFF_SALT, key->kdf.salt, CRYPT_SALTBYTES);
    memcpy(out + KOFF_KEY, key->key, CRYPT_KEYBYTES);
    checksum(out, out + KOFF_SUM);
}

static const unsigned char zeros[KOFF_OPS - KOFF_RESERVED];

static gboolean
keyfile_check(const unsigned char *data, size_t len, GError **error)
{
    unsigned char sum[KEYFILE_SUMBYTES];

    if (!keyfile_is(data, len)) {
        g_set_error_literal(error, FB_ERROR, FB_EXIT_FORMAT, "not a key file (unknown magic)");
        return FALSE;
    }
    if (len > KEYFILE_MAGIC_BYTES && data[KOFF_VERSION] != KEYFILE_VERSION) {
        g_set_error(error, FB_ERROR, FB_EXIT_FORMAT, "unsupported key file version %u",
                    data[KOFF_VERSION]);
        return FALSE;
    }
    if (len != KEYFILE_BYTES) {
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "damaged key file: %zu bytes instead of %d",
                    len, KEYFILE_BYTES);
        return FALSE;
    }
    checksum(data, sum);
    if (sodium_memcmp(sum, data + KOFF_SUM, KEYFILE_SUMBYTES) != 0) {
        g_set_error_literal(error, FB_ERROR, FB_EXIT_FAIL, "damaged key file: checksum mismatch");
        return FALSE;
    }
    if (data[KOFF_KDF] != CRYPT_KDF_ARGON2ID13 || memcmp(data + KOFF_RESERVED, zeros, sizeof zeros) != 0) {
        g_set_error_literal(error, FB_ERROR, FB_EXIT_FORMAT,
                            "unsupported key file: unknown KDF id or reserved bytes set");
        return FALSE;
    }
    return TRUE;
}

struct crypt_key *
keyfile_parse(const unsigned char *data, size_t len, GError **error)
{
    struct crypt_key *key;

    if (!keyfile_check(data, len, error))
        return NULL;
    key = crypt_key_new();
    key->kdf.opslimit = load64(data + KOFF_OPS);
    key->kdf.memlimit = load64(data + KOFF_MEM);
    memcpy(key->kdf.salt, data + KOFF_SALT, CRYPT_SALTBYTES);
    memcpy(key->key, data + KOFF_KEY, CRYPT_KEYBYTES);
    if (!crypt_kdf_check(&key->kdf, error)) {
        crypt_key_free(key);
        return NULL;
    }
    return key;
}
