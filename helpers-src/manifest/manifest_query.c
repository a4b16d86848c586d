/* manifest_query.c - precise questions on a night manifest, as text. */
#include <string.h>

#include "fb.h"
#include "manifest_query.h"

static gboolean
part_matches(const struct fb_part *p, const struct fb_part_filter *f)
{
    return (f->kind == NULL || strcmp(p->kind, f->kind) == 0) &&
           (f->id == NULL || strcmp(p->id, f->id) == 0);
}

static guint64
objects_bytes(const struct fb_manifest *m)
{
    guint64 sum = 0;

    for (guint i = 0; i < m->parts->len; i++) {
        const struct fb_part *p = g_ptr_array_index(m->parts, i);
        for (guint j = 0; j < p->objects->len; j++)
            sum += ((const struct fb_object *)g_ptr_array_index(p->objects, j))->size;
    }
    return sum;
}

char *
fb_manifest_get(const struct fb_manifest *m, const char *key, GError **error)
{
    if (strcmp(key, "version") == 0)
        return g_strdup_printf("%d\n", FB_MANIFEST_VERSION);
    if (strcmp(key, "night") == 0)
        return g_strdup_printf("%s\n", m->night);
    if (strcmp(key, "created_at") == 0)
        return g_strdup_printf("%" G_GINT64_FORMAT "\n", (gint64)m->created_at);
    if (strcmp(key, "encrypted") == 0)
        return g_strdup_printf("%d\n", m->encrypted ? 1 : 0);
    if (strcmp(key, "bytes") == 0)
        return g_strdup_printf("%" G_GUINT64_FORMAT "\n", objects_bytes(m));
    g_set_error(error, FB_ERROR, FB_ERR(FB_EXIT_USAGE),
                "no header value '%s' (version, night, created_at, encrypted, bytes)", key);
    return NULL;
}

char *
fb_manifest_parts_text(const struct fb_manifest *m, const struct fb_part_filter *f)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < m->parts->len; i++) {
        const struct fb_part *p = g_ptr_array_index(m->parts, i);
        if (part_matches(p, f))
            g_string_append_printf(s, "%s %s %s %s %s\n", p->kind, p->id,
                                   fb_part_status_name(p->status), p->since, p->checksum);
    }
    return g_string_free(s, FALSE);
}

static void
append_object(GString *s, const struct fb_object *o)
{
    g_string_append_printf(s, "%s %" G_GUINT64_FORMAT " %s\n", o->name, (guint64)o->size,
                           o->blake2b);
}

char *
fb_manifest_objects_text(const struct fb_manifest *m, const struct fb_part_filter *f)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < m->parts->len; i++) {
        const struct fb_part *p = g_ptr_array_index(m->parts, i);
        if (!part_matches(p, f))
            continue;
        for (guint j = 0; j < p->objects->len; j++) {
            g_string_append_printf(s, "%s %s ", p->kind, p->id);
            append_object(s, g_ptr_array_index(p->objects, j));
        }
    }
    return g_string_free(s, FALSE);
}

char *
fb_manifest_files_text(const struct fb_manifest *m, const char *role)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < m->files->len; i++) {
        const struct fb_night_file *nf = g_ptr_array_index(m->files, i);
        if (role != NULL && strcmp(nf->role, role) != 0)
            continue;
        g_string_append_printf(s, "%s ", nf->role);
        append_object(s, &nf->obj);
    }
    return g_string_free(s, FALSE);
}

char *
fb_manifest_stored_text(const struct fb_manifest *m)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < m->parts->len; i++) {
        const struct fb_part *p = g_ptr_array_index(m->parts, i);
        for (guint j = 0; j < p->objects->len; j++)
            append_object(s, g_ptr_array_index(p->objects, j));
    }
    for (guint i = 0; i < m->files->len; i++)
        append_object(s, &((const struct fb_night_file *)g_ptr_array_index(m->files, i))->obj);
    return g_string_free(s, FALSE);
}

gboolean
fb_manifest_has(const struct fb_manifest *m, const struct fb_part_filter *f)
{
    for (guint i = 0; i < m->parts->len; i++)
        if (part_matches(g_ptr_array_index(m->parts, i), f))
            return TRUE;
    return FALSE;
}
