/* app_list.c - app_list: which apps are sent, one "[mark]: id" a line. */
#include <string.h>

#include "config.h"
#include "fb.h"

#define APP_LIST_MAX_BYTES (1024 * 1024)
#define APP_ID_MAX 128

/*
 * YunoHost names an installed app by its instance name, matched in core
 * src/app.py by
 *     re_app_instance_name = ^(?P<appid>[\w-]+?)(__(?P<appinstancenb>[1-9][0-9]*))?$
 * (used by _parse_app_instance_name), so an id such as "nextcloud" or the
 * second instance "nextcloud__2" is letters, digits, '_' and '-'. We take
 * \w as ASCII (catalog ids are ASCII), and also refuse a leading '-', so that
 * an id can never be read as an option by the commands it is passed to, and
 * cap the length.
 */
gboolean
fb_app_id_valid(const char *id)
{
    size_t len = strlen(id);

    if (len == 0 || len > APP_ID_MAX || id[0] == '-')
        return FALSE;
    for (const char *p = id; *p != '\0'; p++)
        if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-')
            return FALSE;
    return TRUE;
}

void
fb_app_entry_free(struct fb_app_entry *entry)
{
    if (entry == NULL)
        return;
    g_free(entry->id);
    g_free(entry);
}

/* "[]", "[.]" or "[-]" then ':' at the start of line; returns the length
 * of marker and colon, or 0 when the line has no such marker. */
static size_t
parse_mark(const char *line, enum fb_app_mark *mark)
{
    static const struct { const char *text; enum fb_app_mark mark; } marks[] = {
        { "[]:", FB_APP_UNSELECTED },
        { "[.]:", FB_APP_SELECTED },
        { "[-]:", FB_APP_EXCLUDED },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(marks); i++)
        if (g_str_has_prefix(line, marks[i].text)) {
            *mark = marks[i].mark;
            return strlen(marks[i].text);
        }
    return 0;
}

static const char bad_line[] = "malformed app_list line";
static const char bad_id[] = "invalid app id";

/* One entry line "[mark]: id", cut in place: its mark and its id (inside
 * line). Returns NULL when the line is an entry, else bad_line or bad_id
 * (then *id_out is the id refused). */
static const char *
split_entry(char *line, enum fb_app_mark *mark, char **id_out)
{
    size_t skip = parse_mark(line, mark);
    char *id = g_strchomp(line + skip);

    id += strspn(id, " \t");
    if (skip == 0 || *id == '\0' || strpbrk(id, " \t") != NULL)
        return bad_line;
    *id_out = id;
    return fb_app_id_valid(id) ? NULL : bad_id;
}

/* A comment or a blank line: no entry. */
static gboolean
is_skipped(const char *line)
{
    return line[0] == '#' || line[strspn(line, " \t\r")] == '\0';
}

gboolean
fb_app_list_line_valid(const char *line, const char **why)
{
    g_autofree char *copy = g_strdup(line);
    enum fb_app_mark mark = FB_APP_UNSELECTED;
    char *id = NULL;

    if (strchr(line, '\n') != NULL) {
        *why = "holds a line break";
        return FALSE;
    }
    if (is_skipped(line))
        return TRUE;
    *why = split_entry(copy, &mark, &id);
    return *why == NULL;
}

static gboolean
parse_entry(GPtrArray *list, GHashTable *seen, char *line, const char *path, guint no,
            GError **error)
{
    enum fb_app_mark mark = FB_APP_UNSELECTED;
    g_autofree char *shown = fb_display_text(line);
    struct fb_app_entry *entry;
    char *id = NULL;
    const char *why = split_entry(line, &mark, &id);

    if (why == bad_line) {
        g_set_error(error, FB_ERROR, FB_EXIT_INPUT, "%s:%u: %s: '%s'", path, no, bad_line, shown);
        return FALSE;
    }
    if (why == bad_id) {
        g_autofree char *bad = fb_display_text(id);
        g_set_error(error, FB_ERROR, FB_EXIT_INPUT, "%s:%u: %s '%s'", path, no, bad_id, bad);
        return FALSE;
    }
    if (g_hash_table_contains(seen, id)) {
        g_set_error(error, FB_ERROR, FB_EXIT_INPUT, "%s:%u: duplicate app id '%s' (first on line %u)",
                    path, no, id, GPOINTER_TO_UINT(g_hash_table_lookup(seen, id)));
        return FALSE;
    }
    entry = g_new0(struct fb_app_entry, 1);
    entry->id = g_strdup(id);
    entry->mark = mark;
    g_ptr_array_add(list, entry);
    g_hash_table_insert(seen, entry->id, GUINT_TO_POINTER(no));
    return TRUE;
}

/* The entries of text into list, its comment lines into comments (when
 * not NULL), in order. */
static gboolean
parse_text(GPtrArray *list, GPtrArray *comments, char *text, const char *path, GError **error)
{
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    char *next = text;
    guint no = 0;

    while (next != NULL) {
        char *line = next, *nl = strchr(line, '\n');
        next = nl != NULL ? nl + 1 : NULL;
        if (nl != NULL)
            *nl = '\0';
        no++;
        if (comments != NULL && line[0] == '#')
            g_ptr_array_add(comments, g_strdup(line));
        if (is_skipped(line))
            continue;
        if (!parse_entry(list, seen, line, path, no, error))
            return FALSE;
    }
    return TRUE;
}

GPtrArray *
fb_app_list_load_all(const char *path, GPtrArray *comments, GError **error)
{
    g_autofree char *text = NULL;
    g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func((GDestroyNotify)fb_app_entry_free);

    if (!fb_read_text_file(path, APP_LIST_MAX_BYTES, &text, NULL, error))
        return NULL;
    if (!parse_text(list, comments, text, path, error))
        return NULL;
    return g_steal_pointer(&list);
}

GPtrArray *
fb_app_list_load(const char *path, GError **error)
{
    return fb_app_list_load_all(path, NULL, error);
}
