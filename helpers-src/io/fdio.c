/* fdio.c - whole reads and writes on a file descriptor; a whole file by path. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "fb.h"
#include "fdio.h"

gboolean
fd_write_all(int fd, const void *buf, size_t len, const char *what, GError **error)
{
    const unsigned char *p = buf;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fb_sys_error(error, "cannot write", what);
        p += n;
        len -= (size_t)n;
    }
    return TRUE;
}

gboolean
fd_read_full(int fd, void *buf, size_t len, size_t *got, const char *what, GError **error)
{
    unsigned char *p = buf;
    size_t off = 0;

    *got = 0;
    while (off < len) {
        ssize_t n = read(fd, p + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fb_sys_error(error, "cannot read", what);
        if (n == 0)
            break;
        off += (size_t)n;
    }
    *got = off;
    return TRUE;
}

/* The buffer grows by doubling up to max + 1 bytes: a small file costs
 * little, a file over the cap is refused after max + 1 bytes. */
gboolean
fd_read_max(int fd, size_t max, const char *what, char **out, size_t *out_len, GError **error)
{
    size_t cap = MIN((size_t)64 * 1024, max + 1), len = 0, got = 0;
    g_autofree char *buf = g_malloc(cap + 1);

    for (;;) {
        if (!fd_read_full(fd, buf + len, cap - len, &got, what, error))
            return FALSE;
        len += got;
        if (len < cap || cap == max + 1)
            break;
        cap = max - cap < cap ? max + 1 : cap * 2;
        buf = g_realloc(buf, cap + 1);
    }
    if (len > max) {
        g_set_error(error, FB_ERROR, FB_EXIT_INPUT, "%s: larger than %zu bytes", what, max);
        return FALSE;
    }
    buf[len] = '\0';
    *out = g_steal_pointer(&buf);
    *out_len = len;
    return TRUE;
}

gboolean
file_read_max(const char *path, size_t max, char **out, size_t *out_len, GError **error)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    gboolean ok;

    if (fd < 0)
        return fb_sys_error(error, "cannot open", path);
    ok = fd_read_max(fd, max, path, out, out_len, error);
    close(fd);
    return ok;
}
