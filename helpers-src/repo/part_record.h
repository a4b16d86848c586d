/* part_record.h - DIR/parts/PART (doc/repository-format.md, "Part record").
 *
 * Text lines: "fallback-part 2", name, night, the index chunk ids, the packs
 * the part uses (name and size, sorted), and a keyed BLAKE2b-256 MAC (Kmac)
 * of every byte before the mac line. Parsing without a MAC key checks the
 * form only (what the fallback can do); with it a wrong MAC is
 * FB_EXIT_CORRUPT. A bad form is FB_EXIT_CORRUPT, another version
 * FB_EXIT_FORMAT. */
#ifndef FB_PART_RECORD_H
#define FB_PART_RECORD_H

#include <glib.h>

#include "pack.h"

#define PART_NAME_MAX 100
#define PART_RECORD_MAX (16u * 1024u * 1024u)   /* bytes of a record read whole */

struct part_pack {
    char name[PACK_NAME_CHARS + 1];
    guint64 size;
};

struct part_record {
    char *name;
    char *night;
    GByteArray *index_ids;    /* 32 bytes each, in order */
    GArray *packs;            /* struct part_pack, sorted by name */
};

struct part_record *part_record_new(const char *name, const char *night);
void part_record_free(struct part_record *p);
typedef struct part_record part_record;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(part_record, part_record_free)

/* 1..100 of A-Z a-z 0-9 . _ -, not starting with '.'. */
gboolean part_name_valid(const char *s);

/* The record's text, mac line included (packs sorted first). */
GString *part_record_format(struct part_record *p, const unsigned char mac_key[32]);

/* mac_key NULL: check the form, not the MAC. */
struct part_record *part_record_parse(const char *text, gsize len,
                                      const unsigned char *mac_key, GError **error);

#endif
