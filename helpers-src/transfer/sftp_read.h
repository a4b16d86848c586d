/* sftp_read.h - one asynchronous SFTP read request, whatever the libssh.
 * libssh 0.11 deprecates sftp_async_read_begin/sftp_async_read for the
 * sftp_aio_* calls; 0.10 (Debian 12) has only the former. */
#ifndef FB_SFTP_READ_H
#define FB_SFTP_READ_H

#include <stdint.h>
#include <sys/types.h>

#include <glib.h>
#include <libssh/libssh.h>
#include <libssh/sftp.h>

#if LIBSSH_VERSION_INT >= SSH_VERSION_INT(0, 11, 0)
#define FB_SFTP_AIO 1
#endif

struct fb_read_req {
#ifdef FB_SFTP_AIO
    sftp_aio aio;
#else
    uint32_t id;
#endif
    uint32_t len;                /* bytes asked for */
};

/* Ask for up to len bytes at the file's offset, which moves past them.
 * libssh may ask for fewer (0.11 caps at the server's limit): req->len
 * says how many. FALSE on error, nothing in flight then. */
gboolean fb_read_begin(sftp_file f, uint32_t len, struct fb_read_req *req);

/* Wait for the answer into buf (req->len bytes at least) and release the
 * request. Bytes read, 0 at end of file, < 0 on error. */
ssize_t fb_read_wait(sftp_file f, struct fb_read_req *req, void *buf);

#endif
