/* watchdog.h - end the process when a transfer makes no progress.
 * libssh 0.10 does not bound a blocking SFTP call by its timeout, so a
 * server that stops answering would hang the helper forever. */
#ifndef FB_WATCHDOG_H
#define FB_WATCHDOG_H

#include <glib.h>

struct fb_watchdog;

/* Start a thread that, once no progress was reported for stall_s seconds,
 * prints "fallback: CMD: no progress for N s, giving up" and _exit(5)s.
 * It removes nothing: partial files stay for a resume. */
struct fb_watchdog *fb_watchdog_start(const char *cmd, unsigned int stall_s, GError **error);

/* Record progress (bytes moved or a request answered). NULL is allowed. */
void fb_watchdog_tick(struct fb_watchdog *w);

/* Stop and free; NULL is allowed. */
void fb_watchdog_stop(struct fb_watchdog *w);

#endif
