/* sftp_push.c - upload through NAME.part, resume, size check, rename. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fb.h"
#include "sftp_err.h"
#include "transfer.h"
#include "watchdog.h"

struct upload {
    struct fb_remote *r;
    const char *dir;
    const char *local;
    int fd;
    uint64_t size;
    char *final;
    char *part;
};

/* *exists is FALSE when the server says there is no such file. */
static gboolean
remote_size(struct fb_remote *r, const char *path, gboolean *exists, uint64_t *size,
            GError **error)
{
    sftp_attributes a = sftp_stat(r->sftp, path);

    fb_watchdog_tick(r->watchdog);
    *exists = a != NULL;
    *size = 0;
    if (a == NULL)
        return fb_sftp_status(r) == SSH_FX_NO_SUCH_FILE || fb_sftp_fail(r, error, path);
    *size = a->size;
    sftp_attributes_free(a);
    return TRUE;
}

static gboolean
copy_up(struct upload *u, sftp_file f, uint64_t off, GError **error)
{
    g_autofree char *buf = g_malloc(FB_WRITE_CHUNK);
    ssize_t n;

    while ((n = pread(u->fd, buf, FB_WRITE_CHUNK, (off_t)off)) > 0) {
        for (ssize_t done = 0; done < n;) {
            ssize_t w = sftp_write(f, buf + done, (size_t)(n - done));
            if (w <= 0)
                return fb_sftp_write_fail(u->r, error, u->part, u->dir, u->size - off);
            done += w;
            off += (uint64_t)w;
            fb_watchdog_tick(u->r->watchdog);
        }
    }
    if (n < 0) {
        fb_sys_error(error, "cannot read", u->local);
        return FALSE;
    }
    if (off != u->size) {
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "%s changed size while being sent", u->local);
        return FALSE;
    }
    return TRUE;
}

static gboolean
finish_part(struct upload *u, sftp_file f, GError **error)
{
    gboolean ok = TRUE;

    if (sftp_extension_supported(u->r->sftp, "fsync@openssh.com", "1") && sftp_fsync(f) != 0)
        ok = fb_sftp_write_fail(u->r, error, u->part, u->dir, 1);
    fb_watchdog_tick(u->r->watchdog);
    if (sftp_close(f) != SSH_NO_ERROR && ok)
        ok = fb_sftp_write_fail(u->r, error, u->part, u->dir, 1);
    fb_watchdog_tick(u->r->watchdog);
    return ok;
}

static gboolean
send_part(struct upload *u, GError **error)
{
    gboolean exists, truncate = TRUE;
    uint64_t part_size, off = 0;
    sftp_file f;

    if (!remote_size(u->r, u->part, &exists, &part_size, error))
        return FALSE;
    if (exists)
        off = fb_resume_offset(part_size, u->size, FB_WRITE_CHUNK, &truncate);
    f = sftp_open(u->r->sftp, u->part, O_WRONLY | O_CREAT | (truncate ? O_TRUNC : 0), 0600);
    fb_watchdog_tick(u->r->watchdog);
    if (f == NULL)
        return fb_sftp_fail(u->r, error, u->part);
    if (sftp_seek64(f, off) != 0) {
        fb_sftp_fail(u->r, error, u->part);
        sftp_close(f);
        return FALSE;
    }
    if (!copy_up(u, f, off, error)) {
        sftp_close(f);
        return FALSE;
    }
    return finish_part(u, f, error);
}

static gboolean
commit_part(struct upload *u, GError **error)
{
    gboolean exists;
    uint64_t size;

    if (!remote_size(u->r, u->part, &exists, &size, error))
        return FALSE;
    if (!exists || size != u->size) {
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL,
                    "%s holds %" PRIu64 " bytes after the upload, %s has %" PRIu64,
                    u->part, size, u->local, u->size);
        return FALSE;
    }
    if (sftp_rename(u->r->sftp, u->part, u->final) != 0)
        return fb_sftp_fail(u->r, error, u->final);
    fb_watchdog_tick(u->r->watchdog);
    return TRUE;
}

/* Idempotent: a final file of the same size is kept, another size refused. */
static gboolean
upload(struct upload *u, GError **error)
{
    gboolean exists;
    uint64_t size;

    if (!remote_size(u->r, u->final, &exists, &size, error))
        return FALSE;
    if (exists && size == u->size)
        return TRUE;
    if (exists) {
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL,
                    "%s already exists with %" PRIu64 " bytes (%s has %" PRIu64
                    "): refusing to overwrite", u->final, size, u->local, u->size);
        return FALSE;
    }
    return send_part(u, error) && commit_part(u, error);
}

static int
open_local(const char *path, uint64_t *size, GError **error)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        fb_sys_error(error, "cannot open", path);
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "%s is not a regular file", path);
        close(fd);
        return -1;
    }
    *size = (uint64_t)st.st_size;
    return fd;
}

static gboolean
push_file(struct fb_remote *r, const char *dir, const char *local, GError **error)
{
    g_autofree char *name = g_path_get_basename(local);
    struct upload u = { r, dir, local, -1, 0, NULL, NULL };
    gboolean ok;

    u.fd = open_local(local, &u.size, error);
    if (u.fd < 0)
        return FALSE;
    u.final = fb_path_join(dir, name);
    u.part = fb_part_name(u.final);
    ok = upload(&u, error);
    close(u.fd);
    g_free(u.final);
    g_free(u.part);
    return ok;
}

static gboolean
check_local(const char *path, GHashTable *names, GError **error)
{
    char *name = g_path_get_basename(path);
    uint64_t size;
    int fd;

    if (!fb_name_ok(name) || g_hash_table_contains(names, name)) {
        g_set_error(error, FB_ERROR, FB_EXIT_USAGE, "%s: %s file name", path,
                    fb_name_ok(name) ? "repeated" : "unusable");
        g_free(name);
        return FALSE;
    }
    g_hash_table_add(names, name);
    fd = open_local(path, &size, error);
    if (fd < 0)
        return FALSE;
    close(fd);
    return TRUE;
}

/* Refuse before sending anything: unreadable files, bad or repeated names. */
static gboolean
check_locals(char **files, const char *manifest, GError **error)
{
    g_autoptr(GHashTable) names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    for (char **f = files; *f != NULL; f++)
        if (!check_local(*f, names, error))
            return FALSE;
    return manifest == NULL || check_local(manifest, names, error);
}

static gboolean
check_remote_dir(struct fb_remote *r, const char *dir, GError **error)
{
    sftp_attributes a = sftp_stat(r->sftp, dir);
    gboolean is_dir;

    fb_watchdog_tick(r->watchdog);
    if (a == NULL) {
        if (fb_sftp_status(r) == SSH_FX_NO_SUCH_FILE) {
            g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "%s: no such folder on %s", dir,
                        r->label);
            return FALSE;
        }
        return fb_sftp_fail(r, error, dir);
    }
    is_dir = a->type == SSH_FILEXFER_TYPE_DIRECTORY;
    sftp_attributes_free(a);
    if (!is_dir)
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "%s is not a folder on %s", dir, r->label);
    return is_dir;
}

gboolean
fb_push(struct fb_remote *r, const char *remote_dir, char **files, const char *manifest,
        GError **error)
{
    if (!check_locals(files, manifest, error) || !check_remote_dir(r, remote_dir, error))
        return FALSE;
    for (char **f = files; *f != NULL; f++)
        if (!push_file(r, remote_dir, *f, error))
            return FALSE;
    return manifest == NULL || push_file(r, remote_dir, manifest, error);
}
