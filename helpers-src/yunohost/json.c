/* json.c - parsing what `yunohost ... --output-as json --quiet` prints. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "fb.h"
#include "fdio.h"
#include "json.h"

#define SRC_APP_LIST "`yunohost app list` output"
#define SRC_BACKUP_CREATE "`yunohost backup create` output"
#define SRC_BACKUP_LIST "`yunohost backup list` output"
#define SRC_BACKUP_INFO "`yunohost backup info` output"

static gboolean G_GNUC_PRINTF(3, 4)
fail(GError **error, const char *what, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, FB_ERROR, FB_EXIT_INPUT, "%s: %s", what, msg);
    return FALSE;
}

gboolean
fb_json_read_fd(int fd, gsize max, const char *what, char **out, gsize *out_len, GError **error)
{
    return fd_read_max(fd, max, what, out, out_len, error);
}

static const char *
type_label(json_type type)
{
    switch (type) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a real number";
    case JSON_TRUE: return "true";
    case JSON_FALSE: return "false";
    default: return "null";
    }
}

static const char *
type_name(const json_t *v)
{
    return type_label(json_typeof(v));
}

static gboolean
blank(const char *buf, gsize len)
{
    for (gsize i = 0; i < len; i++)
        if (strchr(" \t\r\n", buf[i]) == NULL || buf[i] == '\0')
            return FALSE;
    return TRUE;
}

static json_t *
load(const char *buf, gsize len, const char *what, GError **error)
{
    const char *nul;
    json_error_t jerr;
    json_t *root;

    if (len > FB_JSON_MAX_BYTES) {
        fail(error, what, "larger than %zu bytes", (size_t)FB_JSON_MAX_BYTES);
        return NULL;
    }
    if (blank(buf, len)) {
        fail(error, what, "empty, expected JSON");
        return NULL;
    }
    nul = memchr(buf, '\0', len);
    if (nul != NULL) {
        fail(error, what, "NUL byte at offset %zu", (size_t)(nul - buf));
        return NULL;
    }
    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        /* jerr.text may quote raw input bytes */
        g_autofree char *text = fb_display_text(jerr.text);
        fail(error, what, "invalid JSON at %d:%d: %s", jerr.line, jerr.column, text);
    }
    return root;
}

/* "where.key", or "key" at the top level (where NULL). */
static char *
field(const char *where, const char *key)
{
    return where != NULL ? g_strdup_printf("%s.%s", where, key) : g_strdup(key);
}

/* Member key of obj (at where, NULL for the top) with the type check. */
static json_t *
member(json_t *obj, const char *key, json_type type, const char *what, const char *where,
       GError **error)
{
    json_t *v = json_object_get(obj, key);
    g_autofree char *name = field(where, key);

    if (v == NULL) {
        if (where != NULL)
            fail(error, what, "%s: missing key '%s'", where, key);
        else
            fail(error, what, "missing key '%s'", key);
        return NULL;
    }
    if (json_typeof(v) != type) {
        fail(error, what, "%s must be %s, got %s", name, type_label(type), type_name(v));
        return NULL;
    }
    return v;
}

static json_t *
top_object(json_t *root, const char *what, GError **error)
{
    if (!json_is_object(root)) {
        fail(error, what, "expected an object at the top, got %s", type_name(root));
        return NULL;
    }
    return root;
}

/* A size: an integer >= 0; a string means -H/--human-readable was used. */
static gboolean
get_size(json_t *obj, const char *what, const char *where, int64_t *size, GError **error)
{
    json_t *v = json_object_get(obj, "size");
    g_autofree char *name = field(where, "size");

    if (v == NULL && where != NULL)
        return fail(error, what, "%s: missing key 'size'", where);
    if (v == NULL)
        return fail(error, what, "missing key 'size'");
    if (json_is_string(v)) {
        g_autofree char *shown = fb_display_text(json_string_value(v));
        return fail(error, what, "%s must be an integer number of bytes, got string '%s'",
                    name, shown);
    }
    if (!json_is_integer(v))
        return fail(error, what, "%s must be an integer, got %s", name, type_name(v));
    if (json_integer_value(v) < 0)
        return fail(error, what, "%s must not be negative", name);
    *size = json_integer_value(v);
    return TRUE;
}

static gboolean
part_name_valid(const char *name)
{
    size_t len = strlen(name);

    return len > 0 && len <= 128 && name[0] != '-' &&
           strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == len;
}

gboolean
fb_archive_name_valid(const char *name)
{
    size_t len = strlen(name);

    if (len == 0 || len > 255 || name[0] == '-' || strchr(name, '/') != NULL ||
        strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return FALSE;
    for (const char *p = name; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return FALSE;
    return g_utf8_validate(name, -1, NULL);
}

static void
part_free(struct fb_json_part *part)
{
    if (part == NULL)
        return;
    g_free(part->name);
    g_free(part->status);
    g_free(part);
}

static GPtrArray *
part_array_new(void)
{
    return g_ptr_array_new_with_free_func((GDestroyNotify)part_free);
}

static void
part_add(GPtrArray *parts, const char *name, const char *status)
{
    struct fb_json_part *part = g_new0(struct fb_json_part, 1);

    part->name = g_strdup(name);
    part->status = g_strdup(status);
    g_ptr_array_add(parts, part);
}


/* The string item at where; shown is for messages. */
static const char *
checked_id(json_t *v, const char *what, const char *where, gboolean (*valid)(const char *),
           const char *kind, GError **error)
{
    g_autofree char *shown = NULL;

    if (!json_is_string(v)) {
        fail(error, what, "%s must be a string, got %s", where, type_name(v));
        return NULL;
    }
    if (valid(json_string_value(v)))
        return json_string_value(v);
    shown = fb_display_text(json_string_value(v));
    fail(error, what, "%s: invalid %s '%s'", where, kind, shown);
    return NULL;
}

static gboolean
add_unique(GPtrArray *names, GHashTable *seen, const char *name, const char *what,
           const char *where, GError **error)
{
    char *copy;

    if (g_hash_table_contains(seen, name))
        return fail(error, what, "%s: duplicate '%s'", where, name);
    copy = g_strdup(name);
    g_ptr_array_add(names, copy);
    g_hash_table_add(seen, copy);
    return TRUE;
}

static GPtrArray *
parse_app_ids(json_t *root, GError **error)
{
    g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    json_t *apps, *item;
    size_t i;

    if (top_object(root, SRC_APP_LIST, error) == NULL ||
        (apps = member(root, "apps", JSON_ARRAY, SRC_APP_LIST, NULL, error)) == NULL)
        return NULL;
    json_array_foreach(apps, i, item) {
        g_autofree char *where = g_strdup_printf("apps[%zu]", i);
        g_autofree char *id_where = g_strdup_printf("apps[%zu].id", i);
        json_t *id;
        const char *s;

        if (!json_is_object(item)) {
            fail(error, SRC_APP_LIST, "%s must be an object, got %s", where, type_name(item));
            return NULL;
        }
        if ((id = member(item, "id", JSON_STRING, SRC_APP_LIST, where, error)) == NULL ||
            (s = checked_id(id, SRC_APP_LIST, id_where, fb_app_id_valid, "app id", error)) == NULL ||
            !add_unique(ids, seen, s, SRC_APP_LIST, id_where, error))
            return NULL;
    }
    return g_steal_pointer(&ids);
}

GPtrArray *
fb_json_app_ids(const char *buf, gsize len, GError **error)
{
    json_t *root = load(buf, len, SRC_APP_LIST, error);
    GPtrArray *ids;

    if (root == NULL)
        return NULL;
    ids = parse_app_ids(root, error);
    json_decref(root);
    return ids;
}

static gboolean
status_valid(const char *s)
{
    static const char *const statuses[] = { "Unknown", "Success", "Warning", "Error", "Skipped" };

    for (size_t i = 0; i < G_N_ELEMENTS(statuses); i++)
        if (strcmp(s, statuses[i]) == 0)
            return TRUE;
    return FALSE;
}

/* results.system or results.apps: name -> status. */
static gboolean
parse_results(json_t *obj, const char *where, gboolean (*valid)(const char *), const char *kind,
              GPtrArray *parts, GError **error)
{
    const char *key;
    json_t *v;

    json_object_foreach(obj, key, v) {
        g_autofree char *shown = fb_display_text(key);
        g_autofree char *at = g_strdup_printf("%s.%s", where, shown);
        const char *status;

        if (!valid(key))
            return fail(error, SRC_BACKUP_CREATE, "%s: invalid %s '%s'", where, kind, shown);
        status = checked_id(v, SRC_BACKUP_CREATE, at, status_valid, "status", error);
        if (status == NULL)
            return FALSE;
        part_add(parts, key, status);
    }
    return TRUE;
}

static gboolean
parse_backup_result(json_t *root, struct fb_backup_result *res, GError **error)
{
    const char *w = SRC_BACKUP_CREATE;
    json_t *name, *results, *system, *apps;

    if (top_object(root, w, error) == NULL ||
        (name = member(root, "name", JSON_STRING, w, NULL, error)) == NULL ||
        checked_id(name, w, "name", fb_archive_name_valid, "archive name", error) == NULL ||
        !get_size(root, w, NULL, &res->size, error) ||
        (results = member(root, "results", JSON_OBJECT, w, NULL, error)) == NULL ||
        (system = member(results, "system", JSON_OBJECT, w, "results", error)) == NULL ||
        (apps = member(results, "apps", JSON_OBJECT, w, "results", error)) == NULL)
        return FALSE;
    res->name = g_strdup(json_string_value(name));
    res->system = part_array_new();
    res->apps = part_array_new();
    return parse_results(system, "results.system", part_name_valid, "part name", res->system, error) &&
           parse_results(apps, "results.apps", fb_app_id_valid, "app id", res->apps, error);
}

gboolean
fb_json_backup_result(const char *buf, gsize len, struct fb_backup_result *res, GError **error)
{
    json_t *root = load(buf, len, SRC_BACKUP_CREATE, error);
    gboolean ok;

    memset(res, 0, sizeof(*res));
    if (root == NULL)
        return FALSE;
    ok = parse_backup_result(root, res, error);
    json_decref(root);
    if (!ok)
        fb_backup_result_clear(res);
    return ok;
}

void
fb_backup_result_clear(struct fb_backup_result *res)
{
    g_clear_pointer(&res->name, g_free);
    g_clear_pointer(&res->system, g_ptr_array_unref);
    g_clear_pointer(&res->apps, g_ptr_array_unref);
    res->size = 0;
}

/* --with-info: {"archives": {NAME: {info}}} */
static gboolean
parse_archive_dict(json_t *archives, GPtrArray *names, GHashTable *seen, GError **error)
{
    const char *key;
    json_t *v;

    json_object_foreach(archives, key, v) {
        g_autofree char *shown = fb_display_text(key);
        g_autofree char *where = g_strdup_printf("archives.%s", shown);

        if (!fb_archive_name_valid(key))
            return fail(error, SRC_BACKUP_LIST, "archives: invalid archive name '%s'", shown);
        if (!json_is_object(v))
            return fail(error, SRC_BACKUP_LIST, "%s must be an object, got %s", where, type_name(v));
        if (!add_unique(names, seen, key, SRC_BACKUP_LIST, "archives", error))
            return FALSE;
    }
    return TRUE;
}

static GPtrArray *
parse_backup_list(json_t *root, GError **error)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    json_t *archives, *item;
    size_t i;

    if (top_object(root, SRC_BACKUP_LIST, error) == NULL)
        return NULL;
    archives = json_object_get(root, "archives");
    if (json_is_object(archives))
        return parse_archive_dict(archives, names, seen, error) ? g_steal_pointer(&names) : NULL;
    if ((archives = member(root, "archives", JSON_ARRAY, SRC_BACKUP_LIST, NULL, error)) == NULL)
        return NULL;
    json_array_foreach(archives, i, item) {
        g_autofree char *where = g_strdup_printf("archives[%zu]", i);
        const char *s = checked_id(item, SRC_BACKUP_LIST, where, fb_archive_name_valid,
                                   "archive name", error);
        if (s == NULL || !add_unique(names, seen, s, SRC_BACKUP_LIST, where, error))
            return NULL;
    }
    return g_steal_pointer(&names);
}

GPtrArray *
fb_json_backup_list(const char *buf, gsize len, GError **error)
{
    json_t *root = load(buf, len, SRC_BACKUP_LIST, error);
    GPtrArray *names;

    if (root == NULL)
        return NULL;
    names = parse_backup_list(root, error);
    json_decref(root);
    return names;
}

/* --with-details: "apps" or "system": {NAME: {details}}; absent without -d. */
static gboolean
parse_details(json_t *root, const char *key, gboolean (*valid)(const char *), const char *kind,
              GPtrArray **parts, GError **error)
{
    json_t *obj = json_object_get(root, key), *v;
    const char *name;

    if (obj == NULL)
        return TRUE;
    if ((obj = member(root, key, JSON_OBJECT, SRC_BACKUP_INFO, NULL, error)) == NULL)
        return FALSE;
    *parts = part_array_new();
    json_object_foreach(obj, name, v) {
        g_autofree char *shown = fb_display_text(name);
        if (!valid(name))
            return fail(error, SRC_BACKUP_INFO, "%s: invalid %s '%s'", key, kind, shown);
        if (!json_is_object(v))
            return fail(error, SRC_BACKUP_INFO, "%s.%s must be an object, got %s", key, shown,
                        type_name(v));
        part_add(*parts, name, NULL);
    }
    return TRUE;
}

static gboolean
path_valid(const char *s)
{
    for (const char *p = s; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return FALSE;
    return s[0] == '/' && g_utf8_validate(s, -1, NULL);
}

static gboolean
date_valid(const char *s)
{
    g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
    g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(s, utc);

    return dt != NULL;
}

static gboolean
parse_backup_info(json_t *root, struct fb_backup_info *info, GError **error)
{
    const char *w = SRC_BACKUP_INFO, *path, *created;
    json_t *v;

    if (top_object(root, w, error) == NULL ||
        (v = member(root, "path", JSON_STRING, w, NULL, error)) == NULL ||
        (path = checked_id(v, w, "path", path_valid, "absolute path", error)) == NULL ||
        (v = member(root, "created_at", JSON_STRING, w, NULL, error)) == NULL ||
        (created = checked_id(v, w, "created_at", date_valid, "ISO 8601 date", error)) == NULL ||
        !get_size(root, w, NULL, &info->size, error))
        return FALSE;
    info->path = g_strdup(path);
    info->created_at = g_strdup(created);
    return parse_details(root, "apps", fb_app_id_valid, "app id", &info->apps, error) &&
           parse_details(root, "system", part_name_valid, "part name", &info->system, error);
}

gboolean
fb_json_backup_info(const char *buf, gsize len, struct fb_backup_info *info, GError **error)
{
    json_t *root = load(buf, len, SRC_BACKUP_INFO, error);
    gboolean ok;

    memset(info, 0, sizeof(*info));
    if (root == NULL)
        return FALSE;
    ok = parse_backup_info(root, info, error);
    json_decref(root);
    if (!ok)
        fb_backup_info_clear(info);
    return ok;
}

void
fb_backup_info_clear(struct fb_backup_info *info)
{
    g_clear_pointer(&info->path, g_free);
    g_clear_pointer(&info->created_at, g_free);
    g_clear_pointer(&info->apps, g_ptr_array_unref);
    g_clear_pointer(&info->system, g_ptr_array_unref);
    info->size = 0;
}
