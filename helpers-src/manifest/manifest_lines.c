/* manifest_lines.c - the line form of the night manifest, for the shell scripts. */
#include <string.h>

#include "fb.h"
#include "manifest.h"

char *
fb_manifest_to_lines(const struct fb_manifest *m)
{
    GString *s = g_string_new(NULL);

    g_string_append_printf(s, "version %d\nnight %s\ncreated_at %" G_GINT64_FORMAT
                           "\nencrypted %d\n", FB_MANIFEST_VERSION, m->night,
                           (gint64)m->created_at, m->encrypted ? 1 : 0);
    for (guint i = 0; i < m->parts->len; i++) {
        const struct fb_part *p = g_ptr_array_index(m->parts, i);
        g_string_append_printf(s, "part %s %s %s %s %s\n", p->kind, p->id,
                               fb_part_status_name(p->status), p->since, p->checksum);
        for (guint j = 0; j < p->objects->len; j++) {
            const struct fb_object *o = g_ptr_array_index(p->objects, j);
            g_string_append_printf(s, "object %s %" G_GUINT64_FORMAT " %s\n",
                                   o->name, (guint64)o->size, o->blake2b);
        }
    }
    for (guint i = 0; i < m->files->len; i++) {
        const struct fb_night_file *f = g_ptr_array_index(m->files, i);
        g_string_append_printf(s, "file %s %s %" G_GUINT64_FORMAT " %s\n", f->role,
                               f->obj.name, (guint64)f->obj.size, f->obj.blake2b);
    }
    return g_string_free(s, FALSE);
}

struct lines_state {
    struct fb_manifest *m;
    struct fb_part *part;     /* the part object lines belong to */
    guint seen;               /* header keys met: 1 version, 2 night, 4 created, 8 encrypted */
    guint lineno;
};

static gboolean
line_bad(GError **error, const struct lines_state *st, const char *msg)
{
    g_set_error(error, FB_ERROR, FB_ERR(FB_EXIT_INPUT), "manifest: line %u: %s",
                st->lineno, msg);
    return FALSE;
}

static gboolean
parse_u64(const char *s, uint64_t *out)
{
    guint64 v;

    if (!g_ascii_string_to_unsigned(s, 10, 0, G_MAXINT64, &v, NULL))
        return FALSE;
    *out = v;
    return TRUE;
}

static gboolean
header_line(struct lines_state *st, char **t, GError **error)
{
    uint64_t v;

    if (strcmp(t[0], "version") == 0) {
        if (!parse_u64(t[1], &v) || v != FB_MANIFEST_VERSION)
            return line_bad(error, st, "only version 1 is written");
        st->seen |= 1;
    } else if (strcmp(t[0], "night") == 0) {
        g_free(st->m->night);
        st->m->night = g_strdup(t[1]);
        st->seen |= 2;
    } else if (strcmp(t[0], "created_at") == 0) {
        if (!parse_u64(t[1], &v))
            return line_bad(error, st, "created_at is not a number");
        st->m->created_at = (int64_t)v;
        st->seen |= 4;
    } else if (strcmp(t[0], "encrypted") == 0) {
        if (strcmp(t[1], "0") != 0 && strcmp(t[1], "1") != 0)
            return line_bad(error, st, "encrypted is 0 or 1");
        st->m->encrypted = t[1][0] == '1';
        st->seen |= 8;
    } else {
        return line_bad(error, st, "unknown line");
    }
    return TRUE;
}

static gboolean
part_line(struct lines_state *st, char **t, GError **error)
{
    struct fb_part *p = fb_part_new(t[1], t[2]);

    g_ptr_array_add(st->m->parts, p);
    st->part = p;
    p->since = g_strdup(t[4]);
    p->checksum = g_strdup(t[5]);
    if (!fb_part_status_parse(t[3], &p->status))
        return line_bad(error, st, "unknown part status");
    return TRUE;
}

static gboolean
object_line(struct lines_state *st, char **t, guint n, GError **error)
{
    uint64_t size;

    if (!parse_u64(t[n - 2], &size))
        return line_bad(error, st, "size is not a number");
    if (strcmp(t[0], "file") == 0) {
        g_ptr_array_add(st->m->files, fb_night_file_new(t[1], t[2], size, t[4]));
        return TRUE;
    }
    if (st->part == NULL)
        return line_bad(error, st, "object line before any part line");
    g_ptr_array_add(st->part->objects, fb_object_new(t[1], size, t[3]));
    return TRUE;
}

static gboolean
one_line(struct lines_state *st, const char *line, GError **error)
{
    g_auto(GStrv) t = g_strsplit_set(line, " \t", -1);
    g_autoptr(GPtrArray) w = g_ptr_array_new();
    guint n;

    for (char **c = t; *c; c++)
        if (**c)
            g_ptr_array_add(w, *c);
    n = w->len;
    g_ptr_array_add(w, NULL);
    if (n == 0 || ((char *)w->pdata[0])[0] == '#')
        return TRUE;
    char **v = (char **)w->pdata;
    if (n == 2)
        return header_line(st, v, error);
    if (n == 6 && strcmp(v[0], "part") == 0)
        return part_line(st, v, error);
    if ((n == 4 && strcmp(v[0], "object") == 0) || (n == 5 && strcmp(v[0], "file") == 0))
        return object_line(st, v, n, error);
    return line_bad(error, st, "unknown line or wrong number of fields");
}

struct fb_manifest *
fb_manifest_from_lines(const char *text, GError **error)
{
    struct lines_state st = { fb_manifest_new(), NULL, 0, 0 };
    g_auto(GStrv) lines = NULL;

    if (strlen(text) > FB_MANIFEST_MAX) {
        g_set_error(error, FB_ERROR, FB_ERR(FB_EXIT_INPUT), "manifest: input too large");
        goto fail;
    }
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        st.lineno++;
        if (!one_line(&st, *l, error))
            goto fail;
    }
    if (st.seen != 15) {
        g_set_error(error, FB_ERROR, FB_ERR(FB_EXIT_INPUT),
                    "manifest: version, night, created_at and encrypted lines are required");
        goto fail;
    }
    if (!fb_manifest_validate(st.m, error))
        goto fail;
    return st.m;
fail:
    fb_manifest_free(st.m);
    return NULL;
}
