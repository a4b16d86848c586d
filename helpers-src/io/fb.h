/* fb.h - shared definitions of the fallback helpers: exit codes, error domain. */
#ifndef FB_H
#define FB_H

#include <glib.h>

/* Exit statuses: the scripts branch on these, keep them stable. */
enum fb_exit {
    FB_EXIT_OK = 0,
    FB_EXIT_FAIL = 1,        /* operation failed (I/O, remote error, ...) */
    FB_EXIT_USAGE = 2,       /* bad command line */
    FB_EXIT_HOSTKEY = 3,     /* server host key unknown or changed */
    FB_EXIT_PASSWORD = 4,    /* wrong password or key */
    FB_EXIT_STALLED = 5,     /* transfer made no progress / timed out */
    FB_EXIT_CORRUPT = 6,     /* archive truncated, tampered, trailing data */
    FB_EXIT_FORMAT = 7,      /* unknown format version or parameters refused */
    FB_EXIT_NOSPACE = 8,     /* no space left (local or remote) */
    FB_EXIT_AUTH = 9,        /* SSH authentication refused */
    FB_EXIT_CONNECT = 10,    /* server unreachable */
    FB_EXIT_DENIED = 11,     /* permission denied (local or remote) */
    FB_EXIT_INPUT = 12,      /* malformed input: JSON, config, app_list */
};

#define FB_ERROR (fb_error_quark())
GQuark fb_error_quark(void);

/* Error codes inside FB_ERROR map one to one onto exit statuses. */
#define FB_ERR(code) ((gint)(code))

/* Print "fallback: CMD: message" on stderr and return the exit status
 * that matches the error (FB_EXIT_FAIL for errors of other domains). */
int fb_report(const char *cmd, const GError *error);

/* The exit status of an errno: NOSPACE, DENIED or FAIL. */
int fb_errno_code(int e);
/* Set error to "WHAT PATH: strerror(errno)" with fb_errno_code; FALSE. */
gboolean fb_sys_error(GError **error, const char *what, const char *path);

#endif
