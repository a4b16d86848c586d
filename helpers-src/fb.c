/* fb.c - error domain and reporting shared by every subcommand. */
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
