/* manifest.h - the night manifest: which parts a night holds, and in which
 * objects (archives) on the fallback. Stored as JSON (strict, versioned);
 * the runtime scripts read and write it through a line form. See
 * doc/nightly.md for both forms. */
#ifndef FB_MANIFEST_H
#define FB_MANIFEST_H

#include <stdint.h>

#include <glib.h>

#define FB_MANIFEST_FORMAT   "fallback-night"
#define FB_MANIFEST_VERSION  1
#define FB_MANIFEST_MAX      (16u * 1024u * 1024u)   /* bytes of JSON or lines */
#define FB_NIGHT_ID_LEN      16                       /* YYYYMMDDTHHMMSSZ */
#define FB_DIGEST_HEX_LEN    64                       /* BLAKE2b-256 in hex */

/* One stored file: an archive, or a night file (config, app_list, ip). */
struct fb_object {
    char *name;          /* file name on the fallback, no '/' */
    uint64_t size;       /* bytes */
    char *blake2b;       /* BLAKE2b-256 of the bytes stored, lowercase hex */
};

/* How tonight's backup of a part relates to the object it points at. */
enum fb_part_status {
    FB_PART_SENT,        /* backed up and sent tonight */
    FB_PART_UNCHANGED,   /* backed up tonight, same content as `since` */
    FB_PART_KEPT,        /* tonight's backup failed: the copy of `since` stays */
};

struct fb_part {
    char *kind;          /* "system" or "app" */
    char *id;            /* "system", or the app id */
    enum fb_part_status status;
    char *since;         /* night whose upload holds the objects */
    char *checksum;      /* content digest (`fallback checksum`), hex */
    GPtrArray *objects;  /* struct fb_object *, in order; version 1: one */
};

struct fb_manifest {
    char *night;         /* night id, YYYYMMDDTHHMMSSZ (UTC) */
    int64_t created_at;  /* epoch seconds */
    gboolean encrypted;  /* objects and night files made by `fallback encrypt` */
    GPtrArray *parts;    /* struct fb_part * */
    GPtrArray *files;    /* struct fb_night_file * */
};

struct fb_night_file {
    char *role;          /* "config.conf", "app_list" or "ip_main_server" */
    struct fb_object obj;
};

struct fb_manifest *fb_manifest_new(void);
void fb_manifest_free(struct fb_manifest *m);
typedef struct fb_manifest fb_manifest;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(fb_manifest, fb_manifest_free)

struct fb_part *fb_part_new(const char *kind, const char *id);
void fb_part_free(gpointer part);
struct fb_object *fb_object_new(const char *name, uint64_t size, const char *blake2b);
struct fb_night_file *fb_night_file_new(const char *role, const char *name,
                                        uint64_t size, const char *blake2b);

const char *fb_part_status_name(enum fb_part_status s);
gboolean fb_part_status_parse(const char *s, enum fb_part_status *out);

/* Syntax helpers, exposed for the scripts' sake through the tests. */
gboolean fb_night_id_valid(const char *s);
gboolean fb_digest_hex_valid(const char *s);
gboolean fb_object_name_valid(const char *s);

/* Every rule of doc/nightly.md; error code FB_EXIT_INPUT naming the field. */
gboolean fb_manifest_validate(const struct fb_manifest *m, GError **error);

/* JSON form (manifest_json.c). Parsing is strict for version 1 (unknown
 * keys refused, FB_EXIT_INPUT); a newer version is FB_EXIT_FORMAT. The
 * result is validated. */
struct fb_manifest *fb_manifest_from_json(const char *buf, size_t len, GError **error);
char *fb_manifest_to_json(const struct fb_manifest *m);   /* g_free */

/* Line form: "version 1", "night N", "created_at T", "encrypted 0|1",
 * "part KIND ID STATUS SINCE CHECKSUM", "object NAME SIZE BLAKE2B" (of the
 * part above), "file ROLE NAME SIZE BLAKE2B". Validated. */
struct fb_manifest *fb_manifest_from_lines(const char *text, GError **error);
char *fb_manifest_to_lines(const struct fb_manifest *m);  /* g_free */

#endif
