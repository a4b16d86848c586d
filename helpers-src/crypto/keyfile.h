/* keyfile.h - the key file written by `fallback key-init`: an Argon2id key
 * with the salt and costs that derived it (doc/encryption-format.md). */
#ifndef FB_KEYFILE_H
#define FB_KEYFILE_H

#include <stddef.h>

#include <glib.h>

#include "crypt.h"

#define KEYFILE_MAGIC "FBKKEY\0\1"
#define KEYFILE_MAGIC_BYTES 8
#define KEYFILE_VERSION 1
#define KEYFILE_BYTES 96

/* Does data start with the key file magic? */
gboolean keyfile_is(const unsigned char *data, size_t len);

/* The 96 bytes of a key file for key. out should be sodium_malloc memory. */
void keyfile_serialize(const struct crypt_key *key, unsigned char out[KEYFILE_BYTES]);

/* Parse a key file; FB_EXIT_FORMAT for an unknown version or costs out of the
 * caps, FB_EXIT_FAIL for a damaged one. */
struct crypt_key *keyfile_parse(const unsigned char *data, size_t len, GError **error);

#endif
