/* manifest_json.c - the night manifest as JSON (jansson), strict for our own format. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fb.h"
#include "manifest.h"

static json_t *
object_json(const struct fb_object *o)
{
    return json_pack("{s:s, s:I, s:s}", "name", o->name,
                     "size", (json_int_t)o->size, "blake2b", o->blake2b);
}

static json_t *
part_json(const struct fb_part *p)
{
    json_t *objs = json_array();

    for (guint i = 0; i < p->objects->len; i++)
        json_array_append_new(objs, object_json(g_ptr_array_index(p->objects, i)));
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "kind", p->kind, "id", p->id,
                     "status", fb_part_status_name(p->status), "since", p->since,
                     "checksum", p->checksum, "objects", objs);
}

char *
fb_manifest_to_json(const struct fb_manifest *m)
{
    json_t *parts = json_array(), *files = json_array(), *root;
    char *dump, *out;

    for (guint i = 0; i < m->parts->len; i++)
        json_array_append_new(parts, part_json(g_ptr_array_index(m->parts, i)));
    for (guint i = 0; i < m->files->len; i++) {
        const struct fb_night_file *f = g_ptr_array_index(m->files, i);
        json_t *o = object_json(&f->obj);
        json_object_set_new(o, "role", json_string(f->role));
        json_array_append_new(files, o);
    }
    root = json_pack("{s:s, s:i, s:s, s:I, s:b, s:o, s:o}", "format", FB_MANIFEST_FORMAT,
                     "version", FB_MANIFEST_VERSION, "night", m->night,
                     "created_at", (json_int_t)m->created_at, "encrypted", m->encrypted,
                     "parts", parts, "files", files);
    dump = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    json_decref(root);
    out = g_strconcat(dump, "\n", NULL);
    free(dump);
    return out;
}

static gboolean
json_bad(GError **error, const char *where, const json_error_t *jerr)
{
    g_set_error(error, FB_ERROR, FB_ERR(FB_EXIT_INPUT), "manifest: %s: %s", where, jerr->text);
    return FALSE;
}

static struct fb_object *
object_parse(json_t *j, GError **error)
{
    json_error_t jerr;
    const char *name, *b2;
    json_int_t size;

    if (json_unpack_ex(j, &jerr, JSON_STRICT, "{s:s, s:I, s:s}", "name", &name,
                       "size", &size, "blake2b", &b2) != 0 || size < 0) {
        json_bad(error, "object", &jerr);
        return NULL;
    }
    return fb_object_new(name, (uint64_t)size, b2);
}

static struct fb_part *
part_parse(json_t *j, GError **error)
{
    json_error_t jerr;
    const char *kind, *id, *status, *since, *sum;
    json_t *objs, *o;
    size_t i;
    struct fb_part *p;

    if (json_unpack_ex(j, &jerr, JSON_STRICT, "{s:s, s:s, s:s, s:s, s:s, s:o}", "kind", &kind,
                       "id", &id, "status", &status, "since", &since, "checksum", &sum,
                       "objects", &objs) != 0 || !json_is_array(objs)) {
        json_bad(error, "part", &jerr);
        return NULL;
    }
    p = fb_part_new(kind, id);
    p->since = g_strdup(since);
    p->checksum = g_strdup(sum);
    if (!fb_part_status_parse(status, &p->status)) {
        g_set_error(error, FB_ERROR, FB_ERR(FB_EXIT_INPUT),
                    "manifest: part %s: unknown status '%s'", id, status);
        goto fail;
    }
    json_array_foreach(objs, i, o) {
        struct fb_object *obj = object_parse(o, error);
        if (obj == NULL)
            goto fail;
        g_ptr_array_add(p->objects, obj);
    }
    return p;
fail:
    fb_part_free(p);
    return NULL;
}

static struct fb_night_file *
file_parse(json_t *j, GError **error)
{
    json_error_t jerr;
    const char *role, *name, *b2;
    json_int_t size;

    if (json_unpack_ex(j, &jerr, JSON_STRICT, "{s:s, s:s, s:I, s:s}", "role", &role,
                       "name", &name, "size", &size, "blake2b", &b2) != 0 || size < 0) {
        json_bad(error, "file", &jerr);
        return NULL;
    }
    return fb_night_file_new(role, name, (uint64_t)size, b2);
}

/* format and version first: a newer version may have other keys. */
static gboolean
check_version(json_t *root, GError **error)
{
    json_t *fmt = json_object_get(root, "format"), *ver = json_object_get(root, "version");

    if (!json_is_string(fmt) || strcmp(json_string_value(fmt), FB_MANIFEST_FORMAT) != 0) {
        g_set_error(error, FB_ERROR, FB_ERR(FB_EXIT_INPUT),
                    "manifest: not a night manifest (format is not \"%s\")", FB_MANIFEST_FORMAT);
        return FALSE;
    }
    if (!json_is_integer(ver) || json_integer_value(ver) < 1) {
        g_set_error(error, FB_ERROR, FB_ERR(FB_EXIT_INPUT), "manifest: bad version");
        return FALSE;
    }
    if (json_integer_value(ver) > FB_MANIFEST_VERSION) {
        g_set_error(error, FB_ERROR, FB_ERR(FB_EXIT_FORMAT),
                    "manifest: version %lld is newer than this program reads (%d)",
                    (long long)json_integer_value(ver), FB_MANIFEST_VERSION);
        return FALSE;
    }
    return TRUE;
}

static gboolean
lists_parse(struct fb_manifest *m, json_t *parts, json_t *files, GError **error)
{
    size_t i;
    json_t *v;

    json_array_foreach(parts, i, v) {
        struct fb_part *p = part_parse(v, error);
        if (p == NULL)
            return FALSE;
        g_ptr_array_add(m->parts, p);
    }
    json_array_foreach(files, i, v) {
        struct fb_night_file *f = file_parse(v, error);
        if (f == NULL)
            return FALSE;
        g_ptr_array_add(m->files, f);
    }
    return TRUE;
}

static gboolean
root_parse(struct fb_manifest *m, json_t *root, GError **error)
{
    json_error_t jerr;
    const char *fmt, *night;
    json_int_t version, created;
    int encrypted;
    json_t *parts, *files;

    if (json_unpack_ex(root, &jerr, JSON_STRICT, "{s:s, s:I, s:s, s:I, s:b, s:o, s:o}",
                       "format", &fmt, "version", &version, "night", &night,
                       "created_at", &created, "encrypted", &encrypted,
                       "parts", &parts, "files", &files) != 0)
        return json_bad(error, "top level", &jerr);
    if (!json_is_array(parts) || !json_is_array(files)) {
        g_set_error(error, FB_ERROR, FB_ERR(FB_EXIT_INPUT),
                    "manifest: 'parts' and 'files' must be arrays");
        return FALSE;
    }
    m->night = g_strdup(night);
    m->created_at = created;
    m->encrypted = encrypted != 0;
    return lists_parse(m, parts, files, error);
}

struct fb_manifest *
fb_manifest_from_json(const char *buf, size_t len, GError **error)
{
    json_error_t jerr;
    json_t *root;
    struct fb_manifest *m;

    if (len > FB_MANIFEST_MAX) {
        g_set_error(error, FB_ERROR, FB_ERR(FB_EXIT_INPUT), "manifest: larger than %u bytes",
                    FB_MANIFEST_MAX);
        return NULL;
    }
    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        g_set_error(error, FB_ERROR, FB_ERR(FB_EXIT_INPUT),
                    "manifest: invalid JSON at line %d column %d: %s",
                    jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    m = fb_manifest_new();
    if (!check_version(root, error) || !root_parse(m, root, error) ||
        !fb_manifest_validate(m, error)) {
        fb_manifest_free(m);
        m = NULL;
    }
    json_decref(root);
    return m;
}
