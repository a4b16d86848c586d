/* sftp_pull.c - pipelined download through NAME.part, resume, size check. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fb.h"
#include "fdio.h"
#include "sftp_err.h"
#include "sftp_read.h"
#include "transfer.h"
#include "watchdog.h"

struct download {
    struct fb_remote *r;
    const char *remote;
    sftp_file f;
    int fd;
    uint64_t size;
    char *final;
    char *part;
};

/* Requests in flight, answered in the order they were sent. */
struct pipeline {
    struct fb_read_req req[FB_READ_INFLIGHT];
    unsigned int head, count;
    uint64_t next;               /* offset of the next request */
};

static gboolean
fill(struct download *d, struct pipeline *p, GError **error)
{
    while (p->count < FB_READ_INFLIGHT && p->next < d->size) {
        unsigned int slot = (p->head + p->count) % FB_READ_INFLIGHT;
        struct fb_read_req *q = &p->req[slot];

        if (!fb_read_begin(d->f, fb_read_length(p->next, d->size), q))
            return fb_sftp_fail(d->r, error, d->remote);
        p->count++;
        p->next += q->len;
    }
    return TRUE;
}

/* Every request begun must be read, or libssh keeps its reply forever. */
static void
drain(struct download *d, struct pipeline *p, char *buf)
{
    for (; p->count > 0; p->count--, p->head = (p->head + 1) % FB_READ_INFLIGHT)
        (void)fb_read_wait(d->f, &p->req[p->head], buf);
}

/* Take the oldest reply. A short one (not at the end) voids the requests
 * after it: drain them and restart the pipeline where the data stopped. */
static gboolean
take(struct download *d, struct pipeline *p, char *buf, uint64_t *off, GError **error)
{
    uint32_t len = p->req[p->head].len;
    ssize_t n = fb_read_wait(d->f, &p->req[p->head], buf);

    p->head = (p->head + 1) % FB_READ_INFLIGHT;
    p->count--;
    if (n <= 0) {
        if (n == 0)
            g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "%s ended at %" PRIu64
                        " bytes, expected %" PRIu64, d->remote, *off, d->size);
        else
            fb_sftp_fail(d->r, error, d->remote);
        drain(d, p, buf);
        return FALSE;
    }
    fb_watchdog_tick(d->r->watchdog);
    if (!fd_write_all(d->fd, buf, (size_t)n, d->part, error)) {
        drain(d, p, buf);
        return FALSE;
    }
    *off += (uint64_t)n;
    if ((uint32_t)n < len) {
        drain(d, p, buf);
        p->next = *off;
        if (sftp_seek64(d->f, *off) != 0)
            return fb_sftp_fail(d->r, error, d->remote);
    }
    return TRUE;
}

static gboolean
copy_down(struct download *d, uint64_t off, GError **error)
{
    g_autofree char *buf = g_malloc(FB_READ_REQUEST);
    struct pipeline p = { .next = off };

    if (sftp_seek64(d->f, off) != 0 || lseek(d->fd, (off_t)off, SEEK_SET) < 0)
        return fb_sftp_fail(d->r, error, d->remote);
    while (off < d->size) {
        if (!fill(d, &p, error)) {
            drain(d, &p, buf);
            return FALSE;
        }
        if (!take(d, &p, buf, &off, error))
            return FALSE;
    }
    return TRUE;
}

static gboolean
open_remote(struct download *d, GError **error)
{
    sftp_attributes a;

    d->f = sftp_open(d->r->sftp, d->remote, O_RDONLY, 0);
    fb_watchdog_tick(d->r->watchdog);
    if (d->f == NULL)
        return fb_sftp_fail(d->r, error, d->remote);
    a = sftp_fstat(d->f);
    fb_watchdog_tick(d->r->watchdog);
    if (a == NULL)
        return fb_sftp_fail(d->r, error, d->remote);
    d->size = a->size;
    sftp_attributes_free(a);
    return TRUE;
}

/* Resume by the size of the local part; a part longer than the remote file
 * cannot be a prefix of it and starts over. */
static gboolean
open_part(struct download *d, uint64_t *off, GError **error)
{
    struct stat st;

    d->fd = open(d->part, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (d->fd < 0 || fstat(d->fd, &st) != 0)
        return fb_sys_error(error, "cannot open", d->part);
    *off = (uint64_t)st.st_size;
    if (*off > d->size) {
        if (ftruncate(d->fd, 0) != 0)
            return fb_sys_error(error, "cannot truncate", d->part);
        *off = 0;
    }
    return TRUE;
}

static gboolean
commit_local(struct download *d, GError **error)
{
    struct stat st;

    if (fsync(d->fd) != 0)
        return fb_sys_error(error, "cannot write", d->part);
    if (fstat(d->fd, &st) != 0)
        return fb_sys_error(error, "cannot stat", d->part);
    if ((uint64_t)st.st_size != d->size) {
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "%s holds %" PRIu64 " bytes, %s has %"
                    PRIu64, d->part, (uint64_t)st.st_size, d->remote, d->size);
        return FALSE;
    }
    if (renameat2(AT_FDCWD, d->part, AT_FDCWD, d->final, RENAME_NOREPLACE) != 0)
        return fb_sys_error(error, "cannot rename to", d->final);
    return TRUE;
}

/* Idempotent: a local file of the same size is kept, another size refused. */
static gboolean
download(struct download *d, GError **error)
{
    struct stat st;
    uint64_t off = 0;

    if (!open_remote(d, error))
        return FALSE;
    if (lstat(d->final, &st) == 0) {
        if ((uint64_t)st.st_size == d->size && S_ISREG(st.st_mode))
            return TRUE;
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "%s already exists with %" PRIu64
                    " bytes (%s has %" PRIu64 "): refusing to overwrite", d->final,
                    (uint64_t)st.st_size, d->remote, d->size);
        return FALSE;
    }
    return open_part(d, &off, error) && copy_down(d, off, error) && commit_local(d, error);
}

static gboolean
pull_file(struct fb_remote *r, const char *local_dir, const char *remote, GError **error)
{
    g_autofree char *name = g_path_get_basename(remote);
    struct download d = { r, remote, NULL, -1, 0, NULL, NULL };
    gboolean ok;

    if (!fb_name_ok(name)) {
        g_set_error(error, FB_ERROR, FB_EXIT_USAGE, "%s: unusable file name", remote);
        return FALSE;
    }
    d.final = fb_path_join(local_dir, name);
    d.part = fb_part_name(d.final);
    ok = download(&d, error);
    if (d.fd >= 0)
        close(d.fd);
    if (d.f != NULL)
        sftp_close(d.f);
    g_free(d.final);
    g_free(d.part);
    return ok;
}

gboolean
fb_pull(struct fb_remote *r, const char *local_dir, char **remote_paths, GError **error)
{
    struct stat st;

    if (stat(local_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "%s: no such local folder", local_dir);
        return FALSE;
    }
    for (char **p = remote_paths; *p != NULL; p++)
        if (!pull_file(r, local_dir, *p, error))
            return FALSE;
    return TRUE;
}
