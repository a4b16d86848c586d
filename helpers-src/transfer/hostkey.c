/* hostkey.c - fingerprints, pin checks and trust on first use. */
#include <errno.h>
#include <string.h>

#include "fb.h"
#include "hostkey.h"

char *
fb_key_fingerprint(ssh_key key)
{
    unsigned char *hash = NULL;
    size_t hlen = 0;
    char *hex, *fp;

    if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) != 0)
        return NULL;
    hex = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
    ssh_clean_pubkey_hash(&hash);
    if (hex == NULL)
        return NULL;
    fp = g_strdup(hex);
    ssh_string_free_char(hex);
    return fp;
}

char *
fb_hostkey_fingerprint(ssh_session s, GError **error)
{
    ssh_key key = NULL;
    char *fp;

    if (ssh_get_server_publickey(s, &key) != SSH_OK) {
        g_set_error(error, FB_ERROR, FB_EXIT_HOSTKEY, "the server presented no host key");
        return NULL;
    }
    fp = fb_key_fingerprint(key);
    ssh_key_free(key);
    if (fp == NULL)
        g_set_error(error, FB_ERROR, FB_EXIT_HOSTKEY, "cannot hash the server's host key");
    return fp;
}

gboolean
fb_hostkey_verify(ssh_session s, const char *label, GError **error)
{
    enum ssh_known_hosts_e state = ssh_session_is_known_server(s);
    g_autofree char *fp = NULL;

    if (state == SSH_KNOWN_HOSTS_OK)
        return TRUE;
    fp = fb_hostkey_fingerprint(s, error);
    if (fp == NULL)
        return FALSE;
    if (state == SSH_KNOWN_HOSTS_CHANGED || state == SSH_KNOWN_HOSTS_OTHER)
        g_set_error(error, FB_ERROR, FB_EXIT_HOSTKEY,
                    "host key of %s changed: the server presents %s, not the pinned key",
                    label, fp);
    else if (state == SSH_KNOWN_HOSTS_ERROR)
        g_set_error(error, FB_ERROR, FB_EXIT_HOSTKEY,
                    "cannot check the host key of %s (%s): %s", label, fp, ssh_get_error(s));
    else
        g_set_error(error, FB_ERROR, FB_EXIT_HOSTKEY,
                    "host key of %s is not trusted yet: run trust-host (the server presents %s)",
                    label, fp);
    return FALSE;
}

static gboolean
host_listed(const char *hosts, const char *token)
{
    g_auto(GStrv) names = g_strsplit(hosts, ",", -1);

    for (char **n = names; *n != NULL; n++)
        if (strcmp(*n, token) == 0)
            return TRUE;
    return FALSE;
}

static char *
line_fingerprint(const char *line, const char *host_token)
{
    g_auto(GStrv) f = g_strsplit_set(line, " \t", -1);
    char *w[3];
    int n = 0;
    ssh_key key = NULL;
    char *fp;

    for (char **p = f; *p != NULL && n < 3; p++)
        if (**p != '\0')
            w[n++] = *p;
    if (n < 3 || w[0][0] == '#' || w[0][0] == '@' || !host_listed(w[0], host_token))
        return NULL;
    if (ssh_pki_import_pubkey_base64(w[2], ssh_key_type_from_name(w[1]), &key) != SSH_OK)
        return NULL;
    fp = fb_key_fingerprint(key);
    ssh_key_free(key);
    return fp;
}

GPtrArray *
fb_known_hosts_fingerprints(const char *contents, const char *host_token)
{
    GPtrArray *fps = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) lines = g_strsplit(contents, "\n", -1);

    for (char **l = lines; *l != NULL; l++) {
        char *fp = line_fingerprint(g_strstrip(*l), host_token);
        if (fp != NULL)
            g_ptr_array_add(fps, fp);
    }
    return fps;
}

/* The entry libssh would write, "[host]:port type base64\n"; *token gets
 * its host field. */
static char *
export_entry(ssh_session s, char **token, GError **error)
{
    char *raw = NULL, *entry;

    if (ssh_session_export_known_hosts_entry(s, &raw) != SSH_OK) {
        g_set_error(error, FB_ERROR, FB_EXIT_HOSTKEY, "cannot export the host key: %s",
                    ssh_get_error(s));
        return NULL;
    }
    entry = g_strdup(raw);
    ssh_string_free_char(raw);
    *token = g_strndup(entry, strcspn(entry, " \t"));
    return entry;
}

static gboolean
refuse_changed(ssh_session s, const char *label, const char *path, const char *fp,
               GError **error)
{
    g_autofree char *token = NULL, *entry = NULL, *contents = NULL;
    g_autoptr(GPtrArray) pinned = NULL;
    g_autofree char *list = NULL;

    entry = export_entry(s, &token, error);
    if (entry == NULL)
        return FALSE;
    if (!g_file_get_contents(path, &contents, NULL, NULL))
        contents = g_strdup("");
    pinned = fb_known_hosts_fingerprints(contents, token);
    g_ptr_array_add(pinned, NULL);
    list = pinned->len > 1 ? g_strjoinv(", ", (char **)pinned->pdata) : g_strdup("another key");
    g_set_error(error, FB_ERROR, FB_EXIT_HOSTKEY,
                "host key of %s changed: the server presents %s, pinned is %s; "
                "to re-pin, remove %s and run trust-host again",
                label, fp, list, path);
    return FALSE;
}

static gboolean
write_pin(ssh_session s, const char *path, GError **error)
{
    g_autofree char *token = NULL, *entry = NULL, *old = NULL, *text = NULL;
    GError *e = NULL;

    entry = export_entry(s, &token, error);
    if (entry == NULL)
        return FALSE;
    if (!g_file_get_contents(path, &old, NULL, NULL) || old[0] == '\0')
        text = g_strdup(entry);
    else
        text = g_strconcat(old, g_str_has_suffix(old, "\n") ? "" : "\n", entry, NULL);
    if (!g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &e)) {
        g_set_error(error, FB_ERROR,
                    e->code == G_FILE_ERROR_ACCES || e->code == G_FILE_ERROR_PERM
                        ? FB_EXIT_DENIED : FB_EXIT_FAIL,
                    "cannot write the pin: %s", e->message);
        g_error_free(e);
        return FALSE;
    }
    return TRUE;
}

gboolean
fb_hostkey_trust(ssh_session s, const char *label, const char *path, const char *expect,
                 char **fingerprint, GError **error)
{
    enum ssh_known_hosts_e state;

    *fingerprint = fb_hostkey_fingerprint(s, error);
    if (*fingerprint == NULL)
        return FALSE;
    if (expect != NULL && strcmp(expect, *fingerprint) != 0) {
        g_set_error(error, FB_ERROR, FB_EXIT_HOSTKEY,
                    "%s presents %s, not the expected %s: nothing pinned",
                    label, *fingerprint, expect);
        return FALSE;
    }
    state = ssh_session_is_known_server(s);
    if (state == SSH_KNOWN_HOSTS_OK)
        return TRUE;
    if (state == SSH_KNOWN_HOSTS_CHANGED || state == SSH_KNOWN_HOSTS_OTHER)
        return refuse_changed(s, label, path, *fingerprint, error);
    if (state == SSH_KNOWN_HOSTS_ERROR) {
        g_set_error(error, FB_ERROR, FB_EXIT_HOSTKEY, "cannot read %s: %s", path,
                    ssh_get_error(s));
        return FALSE;
    }
    return write_pin(s, path, error);
}
