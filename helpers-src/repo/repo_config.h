/* repo_config.h - DIR/config (doc/repository-format.md, "DIR/config"): the
 * Argon2id salt and costs of the archive key and its key-check value, and
 * the chunker's parameters. An unknown version or other chunker parameters
 * are FB_EXIT_FORMAT, a bad form FB_EXIT_CORRUPT, costs outside the caps
 * FB_EXIT_FORMAT. */
#ifndef FB_REPO_CONFIG_H
#define FB_REPO_CONFIG_H

#include <glib.h>

#include "crypt.h"

#define REPO_CONFIG_MAX 65536   /* bytes of DIR/config read at most */

struct repo_config {
    struct crypt_kdf kdf;
    unsigned char check[CRYPT_CHECKBYTES];
};

GString *repo_config_format(const struct crypt_key *key);
/* text is NUL-terminated at len. */
gboolean repo_config_parse(const char *text, gsize len, struct repo_config *cfg,
                           GError **error);

/* key against the config: its salt and costs (a key file's) and the
 * key-check; FB_EXIT_PASSWORD when they differ. */
gboolean repo_config_check_key(const struct repo_config *cfg, const struct crypt_key *key,
                               gboolean from_key_file, GError **error);

#endif
