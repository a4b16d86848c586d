/* fb.c - error domain and reporting shared by every subcommand. */
#include <errno.h>
#include <stdio.h>

#include "fb.h"

G_DEFINE_QUARK(fallback-error-quark, fb_error)

int
fb_report(const char *cmd, const GError *error)
{
    if (error == NULL) {
        fprintf(stderr, "fallback: %s: failed\n", cmd);
        return FB_EXIT_FAIL;
    }
    fprintf(stderr, "fallback: %s: %s\n", cmd, error->message);
    if (error->domain == FB_ERROR && error->code > 0)
        return error->code;
    return FB_EXIT_FAIL;
}

int
fb_errno_code(int e)
{
    if (e == ENOSPC || e == EDQUOT)
        return FB_EXIT_NOSPACE;
    if (e == EACCES || e == EPERM || e == EROFS)
        return FB_EXIT_DENIED;
    return FB_EXIT_FAIL;
}

gboolean
fb_sys_error(GError **error, const char *what, const char *path)
{
    int e = errno;

    g_set_error(error, FB_ERROR, fb_errno_code(e), "%s %s: %s", what, path, g_strerror(e));
    return FALSE;
}
