/* ssh.h - an authenticated SSH session with its SFTP channel, host key pinned. */
#ifndef FB_SSH_H
#define FB_SSH_H

#include <glib.h>
#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include "config.h"

struct fb_watchdog;

struct fb_remote {
    ssh_session ssh;
    sftp_session sftp;
    char *label;                    /* "host:port", for messages */
    struct fb_watchdog *watchdog;   /* ticked on progress; may be NULL */
};

/* Connect, check the host key against cfg->known_hosts (only OK proceeds:
 * exit 3 otherwise) and authenticate with cfg->ssh_key (exit 9 when refused).
 * Unreachable: exit 10. timeout_s bounds connect and auth only. */
gboolean fb_remote_open(struct fb_remote *r, const struct fb_config *cfg,
                        long timeout_s, GError **error);

/* Connect without checking the host key nor authenticating (trust-host). */
gboolean fb_remote_connect(struct fb_remote *r, const struct fb_config *cfg,
                           long timeout_s, GError **error);

/* Start the SFTP subsystem on an authenticated session. */
gboolean fb_remote_sftp(struct fb_remote *r, GError **error);

void fb_remote_close(struct fb_remote *r);

#endif
