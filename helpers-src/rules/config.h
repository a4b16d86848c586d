/* config.h - config.conf and app_list: reading and validation. */
#ifndef FB_CONFIG_H
#define FB_CONFIG_H

#include <glib.h>

/* config.conf: key=value lines, '#' comments (doc/layout.md).
 * Paths (ssh_key, pass_file, main_storage_dir, known_hosts) given relative
 * are taken from the directory of config.conf; the default
 * main_storage_dir is <dir of config>/fallback_backup. */
struct fb_config {
    char *ssh_user;          /* default "fallback" */
    char *ssh_host;          /* required */
    char *ssh_key;           /* private key path, required */
    unsigned int ssh_port;   /* default 22, 1..65535 */
    char *ssh_options;       /* 0.x files have it: checked, then unused (libssh's own options) */
    char *known_hosts;       /* pinned host key file; default: <dir of config>/known_hosts */
    gboolean encrypt;        /* default TRUE */
    char *pass_file;         /* required when encrypt */
    char *main_storage_dir;
    char *overwrite_ip;      /* may be empty */
    unsigned int repo_format; /* 1 or 2 (default): the nights of encrypt=1 */
    unsigned int part_budget_minutes; /* v2: a part's sending time, default 180 */
};

/* Load and validate path. Bad lines are errors naming "file:line"; unknown
 * keys are warned about on stderr. Error code FB_EXIT_INPUT. */
gboolean fb_config_load(const char *path, struct fb_config *cfg, GError **error);
void fb_config_clear(struct fb_config *cfg);

/* Whether value is accepted for key in config.conf (the rule the loader
 * applies to one line); on refusal why says so ("must be ..."). */
gboolean fb_config_key_check(const char *key, const char *value, const char **why);

enum fb_app_mark { FB_APP_UNSELECTED, FB_APP_SELECTED, FB_APP_EXCLUDED };

struct fb_app_entry {
    char *id;
    enum fb_app_mark mark;   /* "[]", "[.]", "[-]" */
};

/* Load app_list; returns a GPtrArray of struct fb_app_entry * (owned). */
GPtrArray *fb_app_list_load(const char *path, GError **error);
/* The same, and its comment lines ('#' first, NUL-terminated, g_free) added
 * to comments in order. */
GPtrArray *fb_app_list_load_all(const char *path, GPtrArray *comments, GError **error);

/* app_list_edit.c: the file as the package writes it (doc/layout.md):
 * its comment lines first (FB_APP_LIST_HEADER when it has none), then one
 * "MARK: id" line per app, sorted by id (byte order), the package itself
 * always [-]. */
#define FB_APP_LIST_HEADER "#000# For each app you want to backup, precede by [.]"
/* "[]", "[.]" or "[-]". */
const char *fb_app_mark_text(enum fb_app_mark mark);
gboolean fb_app_mark_parse(const char *text, enum fb_app_mark *mark);
/* id's entry, and its index into *at (when at is not NULL); NULL if none. */
struct fb_app_entry *fb_app_list_find(const GPtrArray *entries, const char *id, guint *at);
/* id's entry with mark, added when missing; an existing one keeps its mark
 * when keep. Returns the entry. */
struct fb_app_entry *fb_app_list_put(GPtrArray *entries, const char *id, enum fb_app_mark mark,
                                     gboolean keep);
/* id's entry removed; FALSE when there was none. */
gboolean fb_app_list_drop(GPtrArray *entries, const char *id);
/* The text of the file (entries sorted in place). */
GString *fb_app_list_format(GPtrArray *entries, const GPtrArray *comments);

/* YunoHost app id rules, including multi-instance ids such as nextcloud__2. */
gboolean fb_app_id_valid(const char *id);
void fb_app_entry_free(struct fb_app_entry *entry);

/* Whether line may stand in app_list: a comment, a blank line or one
 * "[mark]: id" entry (duplicates are the loader's to find); why says what
 * is wrong. */
gboolean fb_app_list_line_valid(const char *line, const char **why);

/* Read a whole text file of at most max bytes (NUL bytes refused);
 * *out is NUL-terminated, free it with g_free. Error code FB_EXIT_INPUT. */
gboolean fb_read_text_file(const char *path, gsize max, char **out, gsize *out_len, GError **error);

/* s made safe to quote in a one-line message: control bytes escaped,
 * invalid UTF-8 replaced, long text cut. Free with g_free. */
char *fb_display_text(const char *s);

#endif
