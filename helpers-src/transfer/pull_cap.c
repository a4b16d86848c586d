/* pull_cap.c - size cap and free-space check before a download. */
#include <inttypes.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <libssh/sftp.h>

#include "fb.h"
#include "pull_cap.h"
#include "sftp_err.h"
#include "transfer.h"
#include "watchdog.h"

static gboolean
remote_size(struct fb_remote *r, const char *path, uint64_t *size, GError **error)
{
    sftp_attributes a = sftp_stat(r->sftp, path);

    fb_watchdog_tick(r->watchdog);
    if (a == NULL)
        return fb_sftp_fail(r, error, path);
    *size = a->size;
    sftp_attributes_free(a);
    return TRUE;
}

static gboolean
local_free(const char *dir, uint64_t *avail, GError **error)
{
    struct statvfs vfs;

    if (statvfs(dir, &vfs) != 0) {
        g_set_error(error, FB_ERROR, FB_ERR(FB_EXIT_FAIL), "%s: no such local folder", dir);
        return FALSE;
    }
    *avail = (uint64_t)vfs.f_bavail * (uint64_t)vfs.f_frsize;
    return TRUE;
}

/* Bytes a resumed download already holds in local_dir/<name>.part. */
static uint64_t
part_held(const char *local_dir, const char *remote, uint64_t size)
{
    g_autofree char *name = g_path_get_basename(remote);
    g_autofree char *final = fb_path_join(local_dir, name);
    g_autofree char *part = fb_part_name(final);
    struct stat st;

    if (lstat(part, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > size)
        return 0;
    return (uint64_t)st.st_size;
}

static gboolean
limit_writes(uint64_t cap, GError **error)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_FSIZE, &rl) != 0)
        rl.rlim_max = RLIM_INFINITY;
    rl.rlim_cur = (rlim_t)cap;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < rl.rlim_cur)
        rl.rlim_cur = rl.rlim_max;
    signal(SIGXFSZ, SIG_IGN);
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0) {
        g_set_error(error, FB_ERROR, FB_ERR(FB_EXIT_FAIL), "cannot limit the size of downloads");
        return FALSE;
    }
    return TRUE;
}

gboolean
fb_pull_cap(struct fb_remote *r, const char *local_dir, char **remote_paths, uint64_t cap,
            GError **error)
{
    uint64_t size = 0, avail = 0;

    for (char **p = remote_paths; *p != NULL; p++) {
        if (!remote_size(r, *p, &size, error) || !local_free(local_dir, &avail, error))
            return FALSE;
        if (cap > 0 && size > cap) {
            g_set_error(error, FB_ERROR, FB_ERR(FB_EXIT_INPUT), "%s: %" PRIu64 " bytes, more than "
                        "the %" PRIu64 " allowed (--max-size): not downloaded", *p, size, cap);
            return FALSE;
        }
        if (size - part_held(local_dir, *p, size) > avail) {
            g_set_error(error, FB_ERROR, FB_ERR(FB_EXIT_NOSPACE), "%s: %" PRIu64 " bytes, only %"
                        PRIu64 " free in %s: not downloaded", *p, size, avail, local_dir);
            return FALSE;
        }
    }
    return cap == 0 || limit_writes(cap, error);
}
