/* sftp_read.c - one asynchronous SFTP read request, whatever the libssh. */
#include "sftp_read.h"

#ifdef FB_SFTP_AIO

gboolean
fb_read_begin(sftp_file f, uint32_t len, struct fb_read_req *req)
{
    ssize_t n = sftp_aio_begin_read(f, len, &req->aio);

    if (n <= 0)
        return FALSE;
    req->len = (uint32_t)n;
    return TRUE;
}

/* Blocking file: the wait never answers SSH_AGAIN, so it always frees the
 * request; the free below only guards against a libssh that would not. */
ssize_t
fb_read_wait(sftp_file f, struct fb_read_req *req, void *buf)
{
    ssize_t n = sftp_aio_wait_read(&req->aio, buf, req->len);

    (void)f;
    SFTP_AIO_FREE(req->aio);
    return n;
}

#else

gboolean
fb_read_begin(sftp_file f, uint32_t len, struct fb_read_req *req)
{
    int id = sftp_async_read_begin(f, len);

    if (id < 0)
        return FALSE;
    req->id = (uint32_t)id;
    req->len = len;
    return TRUE;
}

ssize_t
fb_read_wait(sftp_file f, struct fb_read_req *req, void *buf)
{
    return sftp_async_read(f, buf, req->len, req->id);
}

#endif
