/* ssh.c - session setup: fixed options, host key check, public-key auth. */
#include <stdbool.h>

#include "fb.h"
#include "hostkey.h"
#include "ssh.h"

static gboolean
set_opt(struct fb_remote *r, enum ssh_options_e opt, const void *value, GError **error)
{
    if (ssh_options_set(r->ssh, opt, value) < 0) {
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "%s: cannot set ssh option %d: %s",
                    r->label, (int)opt, ssh_get_error(r->ssh));
        return FALSE;
    }
    return TRUE;
}

/* Never read ssh_config (it could turn host key checking off or add a
 * ProxyCommand), only our pin file counts, Nagle off (stop-and-wait SFTP). */
static gboolean
set_options(struct fb_remote *r, const struct fb_config *cfg, long timeout_s, GError **error)
{
    bool process_config = false;
    int nodelay = 1;
    long timeout = timeout_s;
    unsigned int port = cfg->ssh_port;
    int verbosity = SSH_LOG_NOLOG;

    return set_opt(r, SSH_OPTIONS_PROCESS_CONFIG, &process_config, error) &&
           set_opt(r, SSH_OPTIONS_LOG_VERBOSITY, &verbosity, error) &&
           set_opt(r, SSH_OPTIONS_HOST, cfg->ssh_host, error) &&
           set_opt(r, SSH_OPTIONS_PORT, &port, error) &&
           set_opt(r, SSH_OPTIONS_USER, cfg->ssh_user, error) &&
           set_opt(r, SSH_OPTIONS_KNOWNHOSTS, cfg->known_hosts, error) &&
           set_opt(r, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null", error) &&
           set_opt(r, SSH_OPTIONS_TIMEOUT, &timeout, error) &&
           set_opt(r, SSH_OPTIONS_NODELAY, &nodelay, error);
}

gboolean
fb_remote_connect(struct fb_remote *r, const struct fb_config *cfg, long timeout_s,
                  GError **error)
{
    r->sftp = NULL;
    r->watchdog = NULL;
    r->label = g_strdup_printf("%s:%u", cfg->ssh_host, cfg->ssh_port);
    r->ssh = ssh_new();
    if (r->ssh == NULL) {
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "cannot create an ssh session");
        return FALSE;
    }
    if (!set_options(r, cfg, timeout_s, error))
        return FALSE;
    if (ssh_connect(r->ssh) != SSH_OK) {
        g_set_error(error, FB_ERROR, FB_EXIT_CONNECT, "cannot connect to %s: %s",
                    r->label, ssh_get_error(r->ssh));
        return FALSE;
    }
    return TRUE;
}

static gboolean
authenticate(struct fb_remote *r, const struct fb_config *cfg, GError **error)
{
    const char *key_path = cfg->ssh_key;
    ssh_key key = NULL;
    int rc;

    rc = ssh_pki_import_privkey_file(key_path, NULL, NULL, NULL, &key);
    if (rc != SSH_OK) {
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL,
                    "cannot load the private key %s (%s)", key_path,
                    rc == SSH_EOF ? "missing or unreadable" : "not a key without passphrase");
        return FALSE;
    }
    rc = ssh_userauth_publickey(r->ssh, NULL, key);
    ssh_key_free(key);
    if (rc == SSH_AUTH_SUCCESS)
        return TRUE;
    if (rc == SSH_AUTH_ERROR)
        g_set_error(error, FB_ERROR, FB_EXIT_CONNECT, "%s: authentication failed: %s",
                    r->label, ssh_get_error(r->ssh));
    else
        g_set_error(error, FB_ERROR, FB_EXIT_AUTH,
                    "%s refused the key %s for user %s", r->label, key_path,
                    cfg->ssh_user);
    return FALSE;
}

gboolean
fb_remote_open(struct fb_remote *r, const struct fb_config *cfg, long timeout_s,
               GError **error)
{
    return fb_remote_connect(r, cfg, timeout_s, error) &&
           fb_hostkey_verify(r->ssh, r->label, error) &&
           authenticate(r, cfg, error);
}

gboolean
fb_remote_sftp(struct fb_remote *r, GError **error)
{
    r->sftp = sftp_new(r->ssh);
    if (r->sftp == NULL) {
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "%s: cannot open an sftp channel: %s",
                    r->label, ssh_get_error(r->ssh));
        return FALSE;
    }
    if (sftp_init(r->sftp) != SSH_OK) {
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "%s: sftp subsystem refused: %s",
                    r->label, ssh_get_error(r->ssh));
        return FALSE;
    }
    return TRUE;
}

void
fb_remote_close(struct fb_remote *r)
{
    if (r->sftp != NULL)
        sftp_free(r->sftp);
    if (r->ssh != NULL) {
        if (ssh_is_connected(r->ssh))
            ssh_disconnect(r->ssh);
        ssh_free(r->ssh);
    }
    g_free(r->label);
    r->sftp = NULL;
    r->ssh = NULL;
    r->label = NULL;
}
