/* manifest_query.h - precise questions on a night manifest (v1), answered
 * in plain text for the shell scripts (`fallback manifest get|parts|...`),
 * so that no script picks fields out of the line form itself. */
#ifndef FB_MANIFEST_QUERY_H
#define FB_MANIFEST_QUERY_H

#include <glib.h>

#include "manifest.h"

/* Which parts a question is about: NULL matches any kind or id. */
struct fb_part_filter {
    const char *kind;    /* "system", "app" or NULL */
    const char *id;      /* a part id or NULL */
};

/* One header value: version, night, created_at, encrypted (0|1), or bytes
 * (the sizes of the parts' objects, summed). Unknown key: NULL, error
 * FB_EXIT_USAGE naming it. */
char *fb_manifest_get(const struct fb_manifest *m, const char *key, GError **error);

/* "KIND ID STATUS SINCE CHECKSUM" per part the filter matches, in order. */
char *fb_manifest_parts_text(const struct fb_manifest *m, const struct fb_part_filter *f);

/* "KIND ID NAME SIZE BLAKE2B" per object of the parts the filter matches. */
char *fb_manifest_objects_text(const struct fb_manifest *m, const struct fb_part_filter *f);

/* "ROLE NAME SIZE BLAKE2B" per night file (role NULL: every one). */
char *fb_manifest_files_text(const struct fb_manifest *m, const char *role);

/* "NAME SIZE BLAKE2B" of every stored file: the objects, then the night files. */
char *fb_manifest_stored_text(const struct fb_manifest *m);

/* Some part matches the filter. */
gboolean fb_manifest_has(const struct fb_manifest *m, const struct fb_part_filter *f);

#endif
