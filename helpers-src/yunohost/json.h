/* json.h - parsing what `yunohost ... --output-as json --quiet` prints.
 *
 * Every parser takes the exact bytes (no NUL terminator needed), refuses
 * malformed, truncated or trailing data, duplicate keys and unexpected
 * types, and fills GError (domain FB_ERROR, code FB_EXIT_INPUT) with a
 * message that starts with the yunohost command the data came from.
 * Unknown keys are tolerated: newer YunoHost versions add fields.
 */
#ifndef FB_JSON_H
#define FB_JSON_H

#include <stdint.h>

#include <glib.h>

#define FB_JSON_MAX_BYTES ((gsize)64 * 1024 * 1024)

/* Read all of fd, at most max bytes; what names the source in errors
 * (e.g. "`yunohost app list` output"). Free *out with g_free. */
gboolean fb_json_read_fd(int fd, gsize max, const char *what, char **out, gsize *out_len,
                         GError **error);

/* `yunohost app list [--full]` (11.x and 12.x): the app ids in the order
 * given, as a GPtrArray of owned char *. */
GPtrArray *fb_json_app_ids(const char *buf, gsize len, GError **error);

/* One part of a backup and its status or, for backup info, nothing. */
struct fb_json_part {
    char *name;
    char *status;   /* Unknown, Success, Warning, Error or Skipped; NULL in backup info */
};

/* `yunohost backup create`: archive name, size and the result of each part. */
struct fb_backup_result {
    char *name;
    int64_t size;
    GPtrArray *system;   /* struct fb_json_part *, in the order given */
    GPtrArray *apps;     /* struct fb_json_part * */
};

gboolean fb_json_backup_result(const char *buf, gsize len, struct fb_backup_result *res,
                               GError **error);
void fb_backup_result_clear(struct fb_backup_result *res);

/* `yunohost backup list [--with-info]`: archive names, GPtrArray of char *. */
GPtrArray *fb_json_backup_list(const char *buf, gsize len, GError **error);

/* `yunohost backup info NAME [--with-details]` (never -H: size must be an
 * integer). apps and system are NULL without details. */
struct fb_backup_info {
    char *path;
    char *created_at;
    int64_t size;
    GPtrArray *apps;     /* struct fb_json_part *, status NULL */
    GPtrArray *system;   /* struct fb_json_part *, status NULL */
};

gboolean fb_json_backup_info(const char *buf, gsize len, struct fb_backup_info *info,
                             GError **error);
void fb_backup_info_clear(struct fb_backup_info *info);

/* An archive name as yunohost prints it: usable as one path component. */
gboolean fb_archive_name_valid(const char *name);

#endif
