/* repo_keys.c - subkeys of a repository, see repo_keys.h. */
#include <sodium.h>

#include "repo_keys.h"

struct repo_keys *
repo_keys_derive(const struct crypt_key *key)
{
    struct repo_keys *k = sodium_malloc(sizeof *k);

    if (k == NULL)
        g_error("cannot allocate secure memory");
    crypto_kdf_derive_from_key(k->chunk, REPO_KEYBYTES, 1, REPO_KDF_CONTEXT, key->key);
    crypto_kdf_derive_from_key(k->id, REPO_KEYBYTES, 2, REPO_KDF_CONTEXT, key->key);
    crypto_kdf_derive_from_key(k->enc, REPO_KEYBYTES, 3, REPO_KDF_CONTEXT, key->key);
    crypto_kdf_derive_from_key(k->mac, REPO_KEYBYTES, 4, REPO_KDF_CONTEXT, key->key);
    return k;
}

void
repo_keys_free(struct repo_keys *keys)
{
    if (keys != NULL)
        sodium_free(keys);   /* zeroes the memory first */
}
