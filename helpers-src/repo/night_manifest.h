/* night_manifest.h - the night manifest v2 (doc/repository-format.md,
 * "Night manifest v2"): the night id, per part the BLAKE2b-256 of its part
 * record, per configuration file its BLAKE2b-256 and size, and a MAC (Kmac)
 * over all of it. Parts and files are sorted by name, each name once.
 * Errors as part_record.h: FB_EXIT_CORRUPT, FB_EXIT_FORMAT for another
 * version. */
#ifndef FB_NIGHT_MANIFEST_H
#define FB_NIGHT_MANIFEST_H

#include <glib.h>

#include "part_record.h"

#define NIGHT_HASH_BYTES 32

struct night_entry {
    char name[PART_NAME_MAX + 1];
    unsigned char hash[NIGHT_HASH_BYTES];
    guint64 size;             /* files only */
};

struct night_manifest {
    char *night;
    GArray *parts;            /* struct night_entry */
    GArray *files;            /* struct night_entry */
};

struct night_manifest *night_manifest_new(const char *night);
void night_manifest_free(struct night_manifest *m);
typedef struct night_manifest night_manifest;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(night_manifest, night_manifest_free)

/* A part by its record's bytes; a file by its bytes' hash and size.
 * FALSE (FB_EXIT_INPUT) for an invalid name. */
gboolean night_manifest_add_part(struct night_manifest *m, const char *name, const char *record,
                                 gsize len, GError **error);
/* A part by the hash of a record held elsewhere (kept from an earlier night). */
gboolean night_manifest_add_part_hash(struct night_manifest *m, const char *name,
                                      const unsigned char hash[NIGHT_HASH_BYTES], GError **error);
gboolean night_manifest_add_file(struct night_manifest *m, const char *name,
                                 const unsigned char hash[NIGHT_HASH_BYTES], guint64 size,
                                 GError **error);

/* The part whose record is record: FALSE (FB_EXIT_CORRUPT) unless listed
 * with that record's hash. */
gboolean night_manifest_check_part(const struct night_manifest *m, const char *name,
                                   const char *record, gsize len, GError **error);

GString *night_manifest_format(struct night_manifest *m, const unsigned char mac_key[32]);
/* text NUL-terminated at len; mac_key NULL: the form only. */
struct night_manifest *night_manifest_parse(const char *text, gsize len,
                                            const unsigned char *mac_key, GError **error);

#endif
