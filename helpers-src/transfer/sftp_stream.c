/* sftp_stream.c - upload a stream (a pipe) through NAME.part, then rename.
 *
 * A stream cannot be resumed: the part is written from the start, and a
 * failed upload leaves a .part the fallback's clean-up deletes. The bytes
 * are counted and hashed (BLAKE2b-256) on the way, so the caller learns the
 * size and digest of what was stored without a local copy. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <unistd.h>

#include <sodium.h>

#include "fb.h"
#include "fdio.h"
#include "sftp_err.h"
#include "transfer.h"
#include "watchdog.h"

struct stream {
    struct fb_remote *r;
    const char *dir;
    char *final;
    char *part;
    int fd;
    uint64_t size;
    crypto_generichash_state hash;
};

/* Fill buf from the stream as far as possible; *n is 0 at the end. */
static gboolean
fill(struct stream *s, unsigned char *buf, gsize *n, GError **error)
{
    return fd_read_full(s->fd, buf, FB_WRITE_CHUNK, n, "standard input", error);
}

static gboolean
write_part(struct stream *s, sftp_file f, GError **error)
{
    g_autofree unsigned char *buf = g_malloc(FB_WRITE_CHUNK);
    gsize n;

    for (;;) {
        if (!fill(s, buf, &n, error))
            return FALSE;
        if (n == 0)
            return TRUE;
        crypto_generichash_update(&s->hash, buf, n);
        for (gsize done = 0; done < n;) {
            ssize_t w = sftp_write(f, buf + done, n - done);
            if (w <= 0)
                return fb_sftp_write_fail(s->r, error, s->part, s->dir, n - done);
            done += (gsize)w;
            s->size += (uint64_t)w;
            fb_watchdog_tick(s->r->watchdog);
        }
    }
}

static gboolean
close_part(struct stream *s, sftp_file f, gboolean ok, GError **error)
{
    if (ok && sftp_extension_supported(s->r->sftp, "fsync@openssh.com", "1") &&
        sftp_fsync(f) != 0)
        ok = fb_sftp_write_fail(s->r, error, s->part, s->dir, 1);
    fb_watchdog_tick(s->r->watchdog);
    if (sftp_close(f) != SSH_NO_ERROR && ok)
        ok = fb_sftp_write_fail(s->r, error, s->part, s->dir, 1);
    fb_watchdog_tick(s->r->watchdog);
    return ok;
}

/* The part holds every byte read, then takes its final name. */
static gboolean
commit(struct stream *s, GError **error)
{
    sftp_attributes a = sftp_stat(s->r->sftp, s->part);
    uint64_t got;

    fb_watchdog_tick(s->r->watchdog);
    if (a == NULL)
        return fb_sftp_fail(s->r, error, s->part);
    got = a->size;
    sftp_attributes_free(a);
    if (got != s->size) {
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "%s holds %" PRIu64
                    " bytes after the upload, %" PRIu64 " were sent", s->part, got, s->size);
        return FALSE;
    }
    if (sftp_rename(s->r->sftp, s->part, s->final) != 0)
        return fb_sftp_fail(s->r, error, s->final);
    fb_watchdog_tick(s->r->watchdog);
    return TRUE;
}

static gboolean
refuse_existing(struct stream *s, GError **error)
{
    sftp_attributes a = sftp_stat(s->r->sftp, s->final);

    fb_watchdog_tick(s->r->watchdog);
    if (a != NULL) {
        sftp_attributes_free(a);
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "%s already exists: refusing to overwrite",
                    s->final);
        return FALSE;
    }
    return fb_sftp_status(s->r) == SSH_FX_NO_SUCH_FILE || fb_sftp_fail(s->r, error, s->final);
}

gboolean
fb_push_stream(struct fb_remote *r, const char *remote_dir, const char *name, int fd,
               uint64_t *size, unsigned char digest[32], GError **error)
{
    struct stream s = { r, remote_dir, NULL, NULL, fd, 0, { { 0 } } };
    sftp_file f;
    gboolean ok = FALSE;

    if (!fb_name_ok(name)) {
        g_set_error(error, FB_ERROR, FB_EXIT_USAGE, "%s: unusable file name", name);
        return FALSE;
    }
    s.final = fb_path_join(remote_dir, name);
    s.part = fb_part_name(s.final);
    crypto_generichash_init(&s.hash, NULL, 0, 32);
    if (refuse_existing(&s, error)) {
        f = sftp_open(r->sftp, s.part, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        fb_watchdog_tick(r->watchdog);
        if (f == NULL)
            fb_sftp_fail(r, error, s.part);
        else
            ok = close_part(&s, f, write_part(&s, f, error), error) && commit(&s, error);
    }
    crypto_generichash_final(&s.hash, digest, 32);
    *size = s.size;
    g_free(s.final);
    g_free(s.part);
    return ok;
}
