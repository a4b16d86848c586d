/* fdio.h - whole reads and writes on a file descriptor. Each retries on
 * EINTR and fails with one error, "cannot read|write WHAT: strerror", whose
 * status is fb_errno_code's (NOSPACE, DENIED or FAIL). */
#ifndef FB_FDIO_H
#define FB_FDIO_H

#include <stddef.h>

#include <glib.h>

/* Write the len bytes of buf to fd. */
gboolean fd_write_all(int fd, const void *buf, size_t len, const char *what, GError **error);

/* Read into buf until len bytes or the end of fd; *got says how many came
 * (fewer than len only at the end). */
gboolean fd_read_full(int fd, void *buf, size_t len, size_t *got, const char *what,
                      GError **error);

/* The whole of fd, NUL-terminated, in *out (g_free) and its length in
 * *out_len. More than max bytes: "WHAT: larger than MAX bytes",
 * FB_EXIT_INPUT, and nothing past max + 1 bytes is read. */
gboolean fd_read_max(int fd, size_t max, const char *what, char **out, size_t *out_len,
                     GError **error);

/* The whole file at path, as fd_read_max reads it (WHAT is path). A file
 * that cannot be opened: "cannot open PATH: strerror", fb_errno_code's status. */
gboolean file_read_max(const char *path, size_t max, char **out, size_t *out_len,
                       GError **error);

#endif
