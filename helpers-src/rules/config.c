/* config.c - config.conf: reading and validation of key=value lines. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fb.h"
#include "fdio.h"
#include "valid.h"

#define CONFIG_MAX_BYTES (1024 * 1024)
#define DEFAULT_SSH_USER "fallback"
#define DEFAULT_STORAGE "fallback_backup"
#define DEFAULT_KNOWN_HOSTS "known_hosts"

struct key_def {
    const char *name;
    /* Store value in cfg; on refusal return FALSE with the reason in why. */
    gboolean (*set)(struct fb_config *cfg, const char *value, const char *dir, const char **why);
};

static gboolean
has_ctrl(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return TRUE;
    return FALSE;
}

static gboolean
set_string(char **field, const char *value, gboolean may_be_empty, const char **why)
{
    if (!may_be_empty && *value == '\0') {
        *why = "must not be empty";
        return FALSE;
    }
    if (has_ctrl(value)) {
        *why = "contains a control character";
        return FALSE;
    }
    g_free(*field);
    *field = g_strdup(value);
    return TRUE;
}

/*
 * A path: absolute only. The shell commands use the value as written, so
 * a relative one would name another file for them than for the helper.
 */
static gboolean
set_path(char **field, const char *value, const char *dir, const char **why)
{
    (void)dir;
    if (*value != '\0' && !g_path_is_absolute(value)) {
        *why = "must be an absolute path (starting with /)";
        return FALSE;
    }
    return set_string(field, value, FALSE, why);
}

static gboolean
set_user(struct fb_config *cfg, const char *value, const char *dir, const char **why)
{
    (void)dir;
    if (!set_string(&cfg->ssh_user, value, FALSE, why))
        return FALSE;
    for (const char *p = value; *p != '\0'; p++)
        if (!g_ascii_isalnum(*p) && strchr("._-", *p) == NULL) {
            *why = "is not a valid user name";
            return FALSE;
        }
    if (value[0] == '-') {
        *why = "must not start with '-'";
        return FALSE;
    }
    return TRUE;
}

static gboolean
set_host(struct fb_config *cfg, const char *value, const char *dir, const char **why)
{
    (void)dir;
    if (!set_string(&cfg->ssh_host, value, FALSE, why))
        return FALSE;
    if (!fb_host_valid(value)) {
        *why = "is neither a host name nor an IP address";
        return FALSE;
    }
    return TRUE;
}

static gboolean
set_port(struct fb_config *cfg, const char *value, const char *dir, const char **why)
{
    (void)dir;
    if (!fb_port_valid(value, &cfg->ssh_port)) {
        *why = "must be a number from 1 to 65535";
        return FALSE;
    }
    return TRUE;
}

static gboolean
set_encrypt(struct fb_config *cfg, const char *value, const char *dir, const char **why)
{
    (void)dir;
    if (strcmp(value, "0") != 0 && strcmp(value, "1") != 0) {
        *why = "must be 0 or 1";
        return FALSE;
    }
    cfg->encrypt = value[0] == '1';
    return TRUE;
}

/* The format of encrypted nights: 1 whole archives, 2 the repository
 * (doc/repository-format.md). Only read by the nightly job. */
static gboolean
set_repo_format(struct fb_config *cfg, const char *value, const char *dir, const char **why)
{
    (void)dir;
    if (strcmp(value, "1") != 0 && strcmp(value, "2") != 0) {
        *why = "must be 1 or 2";
        return FALSE;
    }
    cfg->repo_format = (unsigned int)(value[0] - '0');
    return TRUE;
}

/* Minutes a part of a v2 night may spend sending (doc/nightly.md). */
static gboolean
set_part_budget(struct fb_config *cfg, const char *value, const char *dir, const char **why)
{
    guint64 v;

    (void)dir;
    if (!g_ascii_string_to_unsigned(value, 10, 1, 10080, &v, NULL)) {
        *why = "must be a whole number of minutes from 1 to 10080";
        return FALSE;
    }
    cfg->part_budget_minutes = (unsigned int)v;
    return TRUE;
}

static gboolean
set_overwrite_ip(struct fb_config *cfg, const char *value, const char *dir, const char **why)
{
    (void)dir;
    if (*value != '\0' && !fb_ip_valid(value)) {
        *why = "must be empty or an IPv4 or IPv6 address";
        return FALSE;
    }
    return set_string(&cfg->overwrite_ip, value, TRUE, why);
}

static gboolean
set_options(struct fb_config *cfg, const char *value, const char *dir, const char **why)
{
    (void)dir;
    return set_string(&cfg->ssh_options, value, TRUE, why);
}

static gboolean
set_key(struct fb_config *cfg, const char *value, const char *dir, const char **why)
{
    return set_path(&cfg->ssh_key, value, dir, why);
}

/* Empty means none: allowed when encrypt=0 (check_required decides). */
static gboolean
set_pass_file(struct fb_config *cfg, const char *value, const char *dir, const char **why)
{
    if (*value == '\0') {
        g_free(cfg->pass_file);
        cfg->pass_file = g_strdup("");
        return TRUE;
    }
    return set_path(&cfg->pass_file, value, dir, why);
}

static gboolean
set_storage(struct fb_config *cfg, const char *value, const char *dir, const char **why)
{
    return set_path(&cfg->main_storage_dir, value, dir, why);
}

static gboolean
set_known_hosts(struct fb_config *cfg, const char *value, const char *dir, const char **why)
{
    return set_path(&cfg->known_hosts, value, dir, why);
}

static const struct key_def keys[] = {
    { "ssh_user", set_user },
    { "ssh_host", set_host },
    { "ssh_key", set_key },
    { "ssh_port", set_port },
    { "ssh_options", set_options },
    { "encrypt", set_encrypt },
    { "pass_file", set_pass_file },
    { "main_storage_dir", set_storage },
    { "overwrite_ip", set_overwrite_ip },
    { "known_hosts", set_known_hosts },
    { "repository_format", set_repo_format },
    { "part_budget_minutes", set_part_budget },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* Read a whole regular file of at most max bytes; reject NUL bytes. */
gboolean
fb_read_text_file(const char *path, gsize max, char **out, gsize *out_len, GError **error)
{
    g_autofree char *buf = NULL;
    gsize len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    gboolean ok;

    if (fd < 0) {
        g_set_error(error, FB_ERROR, FB_EXIT_INPUT, "%s: %s", path, g_strerror(errno));
        return FALSE;
    }
    ok = fd_read_max(fd, max, path, &buf, &len, error);
    close(fd);
    if (!ok)
        return FALSE;
    if (memchr(buf, '\0', len) != NULL) {
        const char *nul = memchr(buf, '\0', len);
        guint line = 1;
        for (const char *p = buf; p < nul; p++)
            line += *p == '\n';
        g_set_error(error, FB_ERROR, FB_EXIT_INPUT, "%s:%u: NUL byte in text file", path, line);
        return FALSE;
    }
    *out = g_steal_pointer(&buf);
    if (out_len != NULL)
        *out_len = len;
    return TRUE;
}

char *
fb_display_text(const char *s)
{
    g_autofree char *cut = g_utf8_make_valid(s, MIN(strlen(s), (size_t)120));
    GString *out = g_string_new(NULL);

    for (const char *p = cut; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f)
            g_string_append_printf(out, "\\x%02x", c);
        else
            g_string_append_c(out, (char)c);
    }
    if (strlen(s) > 120)
        g_string_append(out, "...");
    return g_string_free(out, FALSE);
}

static const struct key_def *
find_key(const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

gboolean
fb_config_key_check(const char *key, const char *value, const char **why)
{
    const struct key_def *def = find_key(key);
    struct fb_config cfg = { 0 };
    gboolean ok;

    if (def == NULL) {
        *why = "is not a config.conf key";
        return FALSE;
    }
    ok = def->set(&cfg, value, "/", why);
    fb_config_clear(&cfg);
    return ok;
}

/* One non-comment line: "key = value" with spaces trimmed. */
static gboolean
parse_line(struct fb_config *cfg, char *line, const char *path, guint no,
           const char *dir, guint seen[], GError **error)
{
    char *eq = strchr(line, '='), *key, *value;
    const struct key_def *def;
    const char *why = NULL;
    g_autofree char *shown = NULL;

    if (eq == NULL) {
        shown = fb_display_text(line);
        g_set_error(error, FB_ERROR, FB_EXIT_INPUT, "%s:%u: expected key=value, got '%s'", path, no, shown);
        return FALSE;
    }
    *eq = '\0';
    key = g_strstrip(line);
    value = g_strstrip(eq + 1);
    shown = fb_display_text(key);
    if (*key == '\0') {
        g_set_error(error, FB_ERROR, FB_EXIT_INPUT, "%s:%u: empty key before '='", path, no);
        return FALSE;
    }
    def = find_key(key);
    if (def == NULL) {
        g_printerr("fallback: warning: %s:%u: unknown key '%s' ignored\n", path, no, shown);
        return TRUE;
    }
    if (seen[def - keys] != 0) {
        g_set_error(error, FB_ERROR, FB_EXIT_INPUT, "%s:%u: duplicate key '%s' (first set on line %u)",
                    path, no, key, seen[def - keys]);
        return FALSE;
    }
    seen[def - keys] = no;
    if (!def->set(cfg, value, dir, &why)) {
        g_set_error(error, FB_ERROR, FB_EXIT_INPUT, "%s:%u: %s %s", path, no, key, why);
        return FALSE;
    }
    return TRUE;
}

static gboolean
check_required(struct fb_config *cfg, const char *path, const char *dir, GError **error)
{
    const char *missing = NULL;

    if (cfg->ssh_host == NULL)
        missing = "ssh_host";
    else if (cfg->ssh_key == NULL)
        missing = "ssh_key";
    else if (cfg->encrypt && cfg->pass_file == NULL)
        missing = "pass_file (required when encrypt=1)";
    if (missing != NULL) {
        g_set_error(error, FB_ERROR, FB_EXIT_INPUT, "%s: missing key %s", path, missing);
        return FALSE;
    }
    if (cfg->pass_file != NULL && cfg->pass_file[0] == '\0') {
        if (cfg->encrypt) {
            g_set_error(error, FB_ERROR, FB_EXIT_INPUT, "%s: pass_file is empty (required when encrypt=1)", path);
            return FALSE;
        }
        g_clear_pointer(&cfg->pass_file, g_free);
    }
    if (cfg->ssh_user == NULL)
        cfg->ssh_user = g_strdup(DEFAULT_SSH_USER);
    if (cfg->ssh_options == NULL)
        cfg->ssh_options = g_strdup("");
    if (cfg->overwrite_ip == NULL)
        cfg->overwrite_ip = g_strdup("");
    if (cfg->main_storage_dir == NULL)
        cfg->main_storage_dir = g_build_filename(dir, DEFAULT_STORAGE, NULL);
    if (cfg->known_hosts == NULL)
        cfg->known_hosts = g_build_filename(dir, DEFAULT_KNOWN_HOSTS, NULL);
    return TRUE;
}

static gboolean
parse_text(struct fb_config *cfg, char *text, const char *path, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(path);
    guint seen[NKEYS] = { 0 };
    guint no = 0;
    char *next = text;

    while (next != NULL) {
        char *line = next, *nl = strchr(line, '\n');
        next = nl != NULL ? nl + 1 : NULL;
        if (nl != NULL)
            *nl = '\0';
        no++;
        line = g_strchug(line);
        if (*line == '\0' || *line == '#')
            continue;
        if (!parse_line(cfg, line, path, no, dir, seen, error))
            return FALSE;
    }
    return check_required(cfg, path, dir, error);
}

gboolean
fb_config_load(const char *path, struct fb_config *cfg, GError **error)
{
    g_autofree char *text = NULL;

    memset(cfg, 0, sizeof(*cfg));
    cfg->ssh_port = 22;
    cfg->encrypt = TRUE;
    cfg->repo_format = 2;
    cfg->part_budget_minutes = 180;
    if (!fb_read_text_file(path, CONFIG_MAX_BYTES, &text, NULL, error) ||
        !parse_text(cfg, text, path, error)) {
        fb_config_clear(cfg);
        return FALSE;
    }
    return TRUE;
}

void
fb_config_clear(struct fb_config *cfg)
{
    g_clear_pointer(&cfg->ssh_user, g_free);
    g_clear_pointer(&cfg->ssh_host, g_free);
    g_clear_pointer(&cfg->ssh_key, g_free);
    g_clear_pointer(&cfg->ssh_options, g_free);
    g_clear_pointer(&cfg->known_hosts, g_free);
    g_clear_pointer(&cfg->pass_file, g_free);
    g_clear_pointer(&cfg->main_storage_dir, g_free);
    g_clear_pointer(&cfg->overwrite_ip, g_free);
    cfg->ssh_port = 0;
    cfg->encrypt = FALSE;
}
