/* app_list_edit.c - app_list as the package writes it: comments first,
 * then one "MARK: id" line per app sorted by id, the package itself [-]. */
#include <string.h>

#include "config.h"

static const char *const mark_texts[] = {
    [FB_APP_UNSELECTED] = "[]",
    [FB_APP_SELECTED] = "[.]",
    [FB_APP_EXCLUDED] = "[-]",
};

const char *
fb_app_mark_text(enum fb_app_mark mark)
{
    return mark_texts[mark];
}

gboolean
fb_app_mark_parse(const char *text, enum fb_app_mark *mark)
{
    for (guint i = 0; i < G_N_ELEMENTS(mark_texts); i++)
        if (strcmp(text, mark_texts[i]) == 0) {
            *mark = (enum fb_app_mark)i;
            return TRUE;
        }
    return FALSE;
}

struct fb_app_entry *
fb_app_list_find(const GPtrArray *entries, const char *id, guint *at)
{
    for (guint i = 0; i < entries->len; i++) {
        struct fb_app_entry *e = g_ptr_array_index(entries, i);
        if (strcmp(e->id, id) == 0) {
            if (at != NULL)
                *at = i;
            return e;
        }
    }
    return NULL;
}

struct fb_app_entry *
fb_app_list_put(GPtrArray *entries, const char *id, enum fb_app_mark mark, gboolean keep)
{
    struct fb_app_entry *e = fb_app_list_find(entries, id, NULL);

    if (e == NULL) {
        e = g_new0(struct fb_app_entry, 1);
        e->id = g_strdup(id);
        g_ptr_array_add(entries, e);
    } else if (keep) {
        return e;
    }
    e->mark = mark;
    return e;
}

gboolean
fb_app_list_drop(GPtrArray *entries, const char *id)
{
    guint at;

    if (fb_app_list_find(entries, id, &at) == NULL)
        return FALSE;
    g_ptr_array_remove_index(entries, at);
    return TRUE;
}

static gint
by_id(gconstpointer a, gconstpointer b)
{
    const struct fb_app_entry *x = *(const struct fb_app_entry *const *)a;
    const struct fb_app_entry *y = *(const struct fb_app_entry *const *)b;

    return strcmp(x->id, y->id);
}

GString *
fb_app_list_format(GPtrArray *entries, const GPtrArray *comments)
{
    GString *s = g_string_new(NULL);

    if (comments == NULL || comments->len == 0)
        g_string_append(s, FB_APP_LIST_HEADER "\n");
    for (guint i = 0; comments != NULL && i < comments->len; i++)
        g_string_append_printf(s, "%s\n", (const char *)g_ptr_array_index(comments, i));
    g_ptr_array_sort(entries, by_id);
    for (guint i = 0; i < entries->len; i++) {
        const struct fb_app_entry *e = g_ptr_array_index(entries, i);
        enum fb_app_mark mark = strcmp(e->id, "fallback") == 0 ? FB_APP_EXCLUDED : e->mark;
        g_string_append_printf(s, "%s: %s\n", fb_app_mark_text(mark), e->id);
    }
    return s;
}
