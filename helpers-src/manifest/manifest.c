/* manifest.c - the night manifest model and its rules. */
#include <stdarg.h>
#include <string.h>

#include "config.h"
#include "fb.h"
#include "manifest.h"

static const char *const status_names[] = { "sent", "unchanged", "kept" };
static const char *const file_roles[] = { "config.conf", "app_list", "ip_main_server" };

static void
object_free(gpointer p)
{
    struct fb_object *o = p;

    g_free(o->name);
    g_free(o->blake2b);
    g_free(o);
}

void
fb_part_free(gpointer p)
{
    struct fb_part *part = p;

    g_free(part->kind);
    g_free(part->id);
    g_free(part->since);
    g_free(part->checksum);
    g_ptr_array_unref(part->objects);
    g_free(part);
}

static void
night_file_free(gpointer p)
{
    struct fb_night_file *f = p;

    g_free(f->role);
    g_free(f->obj.name);
    g_free(f->obj.blake2b);
    g_free(f);
}

struct fb_manifest *
fb_manifest_new(void)
{
    struct fb_manifest *m = g_new0(struct fb_manifest, 1);

    m->parts = g_ptr_array_new_with_free_func(fb_part_free);
    m->files = g_ptr_array_new_with_free_func(night_file_free);
    return m;
}

void
fb_manifest_free(struct fb_manifest *m)
{
    if (m == NULL)
        return;
    g_free(m->night);
    g_ptr_array_unref(m->parts);
    g_ptr_array_unref(m->files);
    g_free(m);
}

struct fb_part *
fb_part_new(const char *kind, const char *id)
{
    struct fb_part *p = g_new0(struct fb_part, 1);

    p->kind = g_strdup(kind);
    p->id = g_strdup(id);
    p->objects = g_ptr_array_new_with_free_func(object_free);
    return p;
}

struct fb_object *
fb_object_new(const char *name, uint64_t size, const char *blake2b)
{
    struct fb_object *o = g_new0(struct fb_object, 1);

    o->name = g_strdup(name);
    o->size = size;
    o->blake2b = g_strdup(blake2b);
    return o;
}

struct fb_night_file *
fb_night_file_new(const char *role, const char *name, uint64_t size, const char *blake2b)
{
    struct fb_night_file *f = g_new0(struct fb_night_file, 1);

    f->role = g_strdup(role);
    f->obj.name = g_strdup(name);
    f->obj.size = size;
    f->obj.blake2b = g_strdup(blake2b);
    return f;
}

const char *
fb_part_status_name(enum fb_part_status s)
{
    return (unsigned)s < G_N_ELEMENTS(status_names) ? status_names[s] : "?";
}

gboolean
fb_part_status_parse(const char *s, enum fb_part_status *out)
{
    for (guint i = 0; i < G_N_ELEMENTS(status_names); i++)
        if (s != NULL && strcmp(s, status_names[i]) == 0) {
            *out = (enum fb_part_status)i;
            return TRUE;
        }
    return FALSE;
}

/* YYYYMMDDTHHMMSSZ: digits with a T at 8 and a Z at 15. */
gboolean
fb_night_id_valid(const char *s)
{
    if (s == NULL || strlen(s) != FB_NIGHT_ID_LEN)
        return FALSE;
    for (int i = 0; i < FB_NIGHT_ID_LEN; i++) {
        if (i == 8 ? s[i] != 'T' : i == 15 ? s[i] != 'Z' : !g_ascii_isdigit(s[i]))
            return FALSE;
    }
    return TRUE;
}

gboolean
fb_digest_hex_valid(const char *s)
{
    if (s == NULL || strlen(s) != FB_DIGEST_HEX_LEN)
        return FALSE;
    for (const char *c = s; *c; c++)
        if (!g_ascii_isdigit(*c) && !(*c >= 'a' && *c <= 'f'))
            return FALSE;
    return TRUE;
}

/* Letters, digits, '.', '_', '-'; not starting with '.'; at most 255. */
gboolean
fb_object_name_valid(const char *s)
{
    size_t n = s == NULL ? 0 : strlen(s);

    if (n == 0 || n > 255 || s[0] == '.')
        return FALSE;
    for (const char *c = s; *c; c++)
        if (!g_ascii_isalnum(*c) && *c != '.' && *c != '_' && *c != '-')
            return FALSE;
    return TRUE;
}

static gboolean bad(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Set a "manifest: ..." input error; always FALSE. */
static gboolean
bad(GError **error, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, FB_ERROR, FB_ERR(FB_EXIT_INPUT), "manifest: %s", msg);
    return FALSE;
}

/* An object of this night (sent tonight) must be named "<night>-...". */
static gboolean
object_check(const struct fb_object *o, const char *night, gboolean tonight,
             GHashTable *names, GError **error)
{
    if (!fb_object_name_valid(o->name))
        return bad(error, "bad object name '%s'", o->name);
    if (!fb_digest_hex_valid(o->blake2b))
        return bad(error, "bad blake2b of '%s'", o->name);
    if (tonight && !(g_str_has_prefix(o->name, night) && o->name[FB_NIGHT_ID_LEN] == '-'))
        return bad(error, "object '%s' sent tonight must start with the night id",
                   o->name);
    if (!g_hash_table_add(names, o->name))
        return bad(error, "object '%s' listed twice", o->name);
    return TRUE;
}

static gboolean
part_check_id(const struct fb_part *p, GError **error)
{
    if (g_strcmp0(p->kind, "system") == 0) {
        if (g_strcmp0(p->id, "system") != 0)
            return bad(error, "system part with id '%s'", p->id);
    } else if (g_strcmp0(p->kind, "app") == 0) {
        if (!fb_app_id_valid(p->id))
            return bad(error, "bad app id '%s'", p->id);
    } else {
        return bad(error, "unknown part kind '%s'", p->kind);
    }
    return TRUE;
}

static gboolean
part_check(const struct fb_part *p, const char *night, GHashTable *names, GError **error)
{
    if (!part_check_id(p, error))
        return FALSE;
    if (!fb_night_id_valid(p->since) || strcmp(p->since, night) > 0)
        return bad(error, "part %s has a bad 'since' night '%s'", p->id,
                   p->since ? p->since : "");
    if ((p->status == FB_PART_SENT) != (strcmp(p->since, night) == 0))
        return bad(error, "part %s: status 'sent' goes with 'since' = this night", p->id);
    if (!fb_digest_hex_valid(p->checksum))
        return bad(error, "part %s has a bad checksum", p->id);
    if (p->objects->len != 1)
        return bad(error, "part %s: version 1 parts hold exactly one object", p->id);
    for (guint i = 0; i < p->objects->len; i++)
        if (!object_check(g_ptr_array_index(p->objects, i), night,
                          p->status == FB_PART_SENT, names, error))
            return FALSE;
    return TRUE;
}

static gboolean
files_check(const struct fb_manifest *m, GHashTable *names, GError **error)
{
    guint seen = 0;

    for (guint i = 0; i < m->files->len; i++) {
        const struct fb_night_file *f = g_ptr_array_index(m->files, i);
        guint r = 0;
        while (r < G_N_ELEMENTS(file_roles) && g_strcmp0(f->role, file_roles[r]) != 0)
            r++;
        if (r == G_N_ELEMENTS(file_roles))
            return bad(error, "unknown file role '%s'", f->role);
        if (seen & (1u << r))
            return bad(error, "file role '%s' listed twice", f->role);
        seen |= 1u << r;
        if (!object_check(&f->obj, m->night, TRUE, names, error))
            return FALSE;
    }
    return TRUE;
}

gboolean
fb_manifest_validate(const struct fb_manifest *m, GError **error)
{
    g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) parts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    if (!fb_night_id_valid(m->night))
        return bad(error, "bad night id '%s'", m->night);
    if (m->created_at < 0)
        return bad(error, "negative created_at");
    for (guint i = 0; i < m->parts->len; i++) {
        const struct fb_part *p = g_ptr_array_index(m->parts, i);
        if (!part_check(p, m->night, names, error))
            return FALSE;
        if (!g_hash_table_add(parts, g_strconcat(p->kind, "/", p->id, NULL)))
            return bad(error, "part %s listed twice", p->id);
    }
    return files_check(m, names, error);
}
