/* repo_keys.h - the subkeys of a repository (doc/repository-format.md, "Subkeys"):
 * crypto_kdf from the archive key, context "fbrepov2". */
#ifndef FB_REPO_KEYS_H
#define FB_REPO_KEYS_H

#include "crypt.h"

#define REPO_KEYBYTES 32
#define REPO_KDF_CONTEXT "fbrepov2"

/* Always in sodium_malloc memory; repo_keys_free wipes it. */
struct repo_keys {
    unsigned char chunk[REPO_KEYBYTES];   /* 1: the chunker's Gear table */
    unsigned char id[REPO_KEYBYTES];      /* 2: blob ids */
    unsigned char enc[REPO_KEYBYTES];     /* 3: blob encryption */
    unsigned char mac[REPO_KEYBYTES];     /* 4: part records, night manifests */
};

struct repo_keys *repo_keys_derive(const struct crypt_key *key);
void repo_keys_free(struct repo_keys *keys);

#endif
