/* fdwriter.c - a writer thread fed through two buffers (see fdwriter.h). */
#include <errno.h>
#include <unistd.h>

#include <sodium.h>

#include "fb.h"
#include "fdio.h"
#include "fdwriter.h"

struct fdwriter {
    int fd;
    size_t capacity;
    unsigned char *buf[2];
    size_t len[2];
    gboolean full[2];   /* queued, not yet written */
    int fill;           /* the buffer the caller fills */
    gboolean done;      /* nothing more will be queued */
    GError *error;      /* the first write error */
    GMutex lock;
    GCond cond;
    GThread *thread;
};

/* Write the buffers in the order they were queued; after an error, only
 * mark them written so that the caller never waits forever. */
static gpointer
writer_main(gpointer data)
{
    struct fdwriter *w = data;

    for (int i = 0;; i ^= 1) {
        GError *error = NULL;
        gboolean queued, failed;

        g_mutex_lock(&w->lock);
        while (!w->full[i] && !w->done)
            g_cond_wait(&w->cond, &w->lock);
        queued = w->full[i];
        failed = w->error != NULL;
        g_mutex_unlock(&w->lock);
        if (!queued)
            return NULL;
        if (!failed)
            fd_write_all(w->fd, w->buf[i], w->len[i], "the output", &error);
        g_mutex_lock(&w->lock);
        if (error != NULL)
            w->error = error;
        w->full[i] = FALSE;
        g_cond_broadcast(&w->cond);
        g_mutex_unlock(&w->lock);
    }
}

struct fdwriter *
fdwriter_new(int fd, size_t capacity)
{
    struct fdwriter *w = g_new0(struct fdwriter, 1);

    w->fd = fd;
    w->capacity = capacity;
    w->buf[0] = g_malloc(capacity);
    w->buf[1] = g_malloc(capacity);
    g_mutex_init(&w->lock);
    g_cond_init(&w->cond);
    w->thread = g_thread_new("fdwriter", writer_main, w);
    return w;
}

unsigned char *
fdwriter_buffer(struct fdwriter *w)
{
    return w->buf[w->fill];
}

gboolean
fdwriter_submit(struct fdwriter *w, size_t len, GError **error)
{
    gboolean ok;

    g_return_val_if_fail(len <= w->capacity, FALSE);
    g_mutex_lock(&w->lock);
    w->len[w->fill] = len;
    w->full[w->fill] = TRUE;
    g_cond_broadcast(&w->cond);
    w->fill ^= 1;
    while (w->full[w->fill])
        g_cond_wait(&w->cond, &w->lock);
    ok = w->error == NULL;
    if (!ok)
        g_propagate_error(error, g_error_copy(w->error));
    g_mutex_unlock(&w->lock);
    return ok;
}

gboolean
fdwriter_close(struct fdwriter *w, GError **error)
{
    gboolean ok;

    g_mutex_lock(&w->lock);
    w->done = TRUE;
    g_cond_broadcast(&w->cond);
    g_mutex_unlock(&w->lock);
    g_thread_join(w->thread);
    ok = w->error == NULL;
    if (!ok)
        g_propagate_error(error, w->error);
    for (int i = 0; i < 2; i++) {
        sodium_memzero(w->buf[i], w->capacity);
        g_free(w->buf[i]);
    }
    g_mutex_clear(&w->lock);
    g_cond_clear(&w->cond);
    g_free(w);
    return ok;
}
