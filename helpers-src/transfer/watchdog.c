/* watchdog.c - a no-progress watchdog thread. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fb.h"
#include "watchdog.h"

struct fb_watchdog {
    pthread_t thread;
    atomic_llong last_us;        /* monotonic time of the last progress */
    atomic_bool stop;
    long long stall_us;
    char message[160];
};

static void *
watch(void *arg)
{
    struct fb_watchdog *w = arg;
    const struct timespec nap = { 0, 100 * 1000 * 1000 };

    while (!atomic_load(&w->stop)) {
        nanosleep(&nap, NULL);
        if (g_get_monotonic_time() - atomic_load(&w->last_us) >= w->stall_us) {
            ssize_t n = write(STDERR_FILENO, w->message, strlen(w->message));
            (void)n;
            _exit(FB_EXIT_STALLED);
        }
    }
    return NULL;
}

struct fb_watchdog *
fb_watchdog_start(const char *cmd, unsigned int stall_s, GError **error)
{
    struct fb_watchdog *w = g_new0(struct fb_watchdog, 1);
    int rc;

    w->stall_us = (long long)stall_s * G_USEC_PER_SEC;
    atomic_store(&w->last_us, g_get_monotonic_time());
    atomic_store(&w->stop, false);
    snprintf(w->message, sizeof w->message,
             "fallback: %s: no progress for %u s, giving up\n", cmd, stall_s);
    rc = pthread_create(&w->thread, NULL, watch, w);
    if (rc != 0) {
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "cannot start the watchdog: %s",
                    g_strerror(rc));
        g_free(w);
        return NULL;
    }
    return w;
}

void
fb_watchdog_tick(struct fb_watchdog *w)
{
    if (w != NULL)
        atomic_store(&w->last_us, g_get_monotonic_time());
}

void
fb_watchdog_stop(struct fb_watchdog *w)
{
    if (w == NULL)
        return;
    atomic_store(&w->stop, true);
    pthread_join(w->thread, NULL);
    g_free(w);
}
