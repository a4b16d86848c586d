/* sftp_err.h - SFTP failures as one clear message and an exit status. */
#ifndef FB_SFTP_ERR_H
#define FB_SFTP_ERR_H

#include <stdint.h>

#include <glib.h>

#include "ssh.h"

/* Set error to "<what>: <reason>" from the session's last SFTP status (or
 * the lost connection), code from fb_sftp_status_exit(). Returns FALSE. */
gboolean fb_sftp_fail(struct fb_remote *r, GError **error, const char *what);

/* After a failed write: when the server reports fewer than needed bytes
 * free in dir (statvfs@openssh.com), say "no space left" (exit 8);
 * otherwise as fb_sftp_fail(). Returns FALSE. */
gboolean fb_sftp_write_fail(struct fb_remote *r, GError **error, const char *what,
                            const char *dir, uint64_t needed);

/* The last SFTP status, 0 when the connection itself failed. */
int fb_sftp_status(struct fb_remote *r);

#endif
