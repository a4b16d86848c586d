/* outfile.c - files written under a temporary name, see outfile.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fb.h"
#include "outfile.h"

gboolean
out_open(struct out_file *o, const char *path, mode_t mode, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);

    o->path = g_strdup(path);
    o->tmp = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
    o->fd = mkostemp(o->tmp, O_CLOEXEC);    /* O_EXCL, mode 0600 */
    if (o->fd < 0) {
        fb_sys_error(error, "cannot create a temporary file in", dir);
        g_clear_pointer(&o->tmp, g_free);
        return FALSE;
    }
    if (fchmod(o->fd, mode) != 0)
        return fb_sys_error(error, "cannot set the mode of", o->tmp);
    return TRUE;
}

/* Remove the temporary file: OUT stays as it was. */
void
out_abort(struct out_file *o)
{
    if (o->fd >= 0)
        close(o->fd);
    if (o->tmp != NULL)
        unlink(o->tmp);
    g_free(o->tmp);
    g_free(o->path);
    memset(o, 0, sizeof *o);
    o->fd = -1;
}

static void
sync_dir(const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* fsync, close and rename onto the final path; aborts on any failure. */
gboolean
out_commit(struct out_file *o, GError **error)
{
    int fd = o->fd;

    o->fd = -1;
    if (fsync(fd) != 0) {
        fb_sys_error(error, "cannot write", o->path);
        close(fd);
        out_abort(o);
        return FALSE;
    }
    if (close(fd) != 0 || rename(o->tmp, o->path) != 0) {
        fb_sys_error(error, "cannot write", o->path);
        out_abort(o);
        return FALSE;
    }
    sync_dir(o->path);
    g_clear_pointer(&o->tmp, g_free);
    out_abort(o);
    return TRUE;
}
