/* sftp_err.c - SFTP status codes to messages and exit statuses. */
#include <libssh/sftp.h>

#include "fb.h"
#include "sftp_err.h"
#include "transfer.h"

static const char *
status_text(int status)
{
    switch (status) {
    case SSH_FX_EOF:
        return "unexpected end of file";
    case SSH_FX_NO_SUCH_FILE:
        return "no such file or directory";
    case SSH_FX_PERMISSION_DENIED:
        return "permission denied";
    case SSH_FX_FAILURE:
        return "the server reports a failure";
    case SSH_FX_BAD_MESSAGE:
        return "bad message";
    case SSH_FX_OP_UNSUPPORTED:
        return "operation not supported by the server";
    case SSH_FX_FILE_ALREADY_EXISTS:
        return "file already exists";
    case SSH_FX_WRITE_PROTECT:
        return "write protected";
    default:
        return NULL;
    }
}

int
fb_sftp_status(struct fb_remote *r)
{
    if (r->sftp == NULL || !ssh_is_connected(r->ssh))
        return 0;
    return sftp_get_error(r->sftp);
}

gboolean
fb_sftp_fail(struct fb_remote *r, GError **error, const char *what)
{
    int status = fb_sftp_status(r);
    const char *text = status_text(status);

    if (text == NULL || status == SSH_FX_OK)
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "%s: connection to %s lost: %s",
                    what, r->label, ssh_get_error(r->ssh));
    else
        g_set_error(error, FB_ERROR, fb_sftp_status_exit(status), "%s: %s", what, text);
    return FALSE;
}

static gboolean
space_short(struct fb_remote *r, const char *dir, uint64_t needed)
{
    sftp_statvfs_t st;
    gboolean short_of_space;

    if (!sftp_extension_supported(r->sftp, "statvfs@openssh.com", "2"))
        return FALSE;
    st = sftp_statvfs(r->sftp, dir);
    if (st == NULL)
        return FALSE;
    short_of_space = st->f_bavail * st->f_frsize < needed;
    sftp_statvfs_free(st);
    return short_of_space;
}

gboolean
fb_sftp_write_fail(struct fb_remote *r, GError **error, const char *what, const char *dir,
                   uint64_t needed)
{
    int status = fb_sftp_status(r);

    if (status == SSH_FX_FAILURE && space_short(r, dir, needed)) {
        g_set_error(error, FB_ERROR, FB_EXIT_NOSPACE, "%s: no space left on %s in %s",
                    what, r->label, dir);
        return FALSE;
    }
    return fb_sftp_fail(r, error, what);
}
