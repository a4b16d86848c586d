/* stage.c - move one upload into a root-only folder through its descriptor. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fb.h"
#include "fdio.h"
#include "stage.h"

#define COPY_BLOCK (1u << 20)

static gboolean
refuse(GError **error, const char *name, const char *why)
{
    g_set_error(error, FB_ERROR, FB_ERR(FB_EXIT_INPUT), "%s: %s", name, why);
    return FALSE;
}

int
fb_stage_open_dir(const char *path, GError **error)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0)
        fb_sys_error(error, "cannot open folder", path);
    return fd;
}

/* The checks an upload must pass, on what the descriptor really is. */
static gboolean
check_fd(int fd, const char *name, uid_t uid, struct stat *st, GError **error)
{
    if (fstat(fd, st) != 0)
        return fb_sys_error(error, "cannot stat", name);
    if (!S_ISREG(st->st_mode))
        return refuse(error, name, "not a regular file");
    if (st->st_nlink != 1)
        return refuse(error, name, "has other hard links");
    if (st->st_uid != uid)
        return refuse(error, name, "not owned by the upload account");
    return TRUE;
}

/* Open the entry without following a link and without blocking on a FIFO. */
static int
open_entry(int src_fd, const char *name, GError **error)
{
    int fd = openat(src_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

    if (fd < 0 && errno == ELOOP)
        refuse(error, name, "a symbolic link");
    else if (fd < 0)
        fb_sys_error(error, "cannot open", name);
    return fd;
}

static gboolean
same_inode(int dir_fd, const char *name, const struct stat *want)
{
    struct stat st;

    return fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == want->st_dev &&
           st.st_ino == want->st_ino;
}

static gboolean
copy_fd(int in, int out, const char *name, GError **error)
{
    g_autofree char *buf = g_malloc(COPY_BLOCK);
    g_autofree char *copy = g_strdup_printf("staged copy of %s", name);
    size_t n;

    do {
        if (!fd_read_full(in, buf, COPY_BLOCK, &n, name, error) ||
            !fd_write_all(out, buf, n, copy, error))
            return FALSE;
    } while (n == COPY_BLOCK);
    if (fsync(out) != 0)
        return fb_sys_error(error, "cannot write staged copy of", name);
    return TRUE;
}

/* Another file system: a new root file made from the descriptor's bytes;
 * the upload is then removed if its name still holds the inode copied. */
static gboolean
stage_copy(int src_fd, int dst_fd, int fd, const char *name, const struct stat *st,
           GError **error)
{
    int out = openat(dst_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400);
    gboolean ok;

    if (out < 0)
        return fb_sys_error(error, "cannot create staged copy of", name);
    ok = copy_fd(fd, out, name, error);
    close(out);
    if (!ok) {
        unlinkat(dst_fd, name, 0);
        return FALSE;
    }
    if (same_inode(src_fd, name, st))
        unlinkat(src_fd, name, 0);
    return TRUE;
}

/* Same file system: rename, then make sure the inode moved is the one
 * checked (the account may swap names between the open and the rename). */
static gboolean
stage_rename(int src_fd, int dst_fd, int fd, const char *name, uid_t uid, GError **error)
{
    struct stat before, after;

    if (!check_fd(fd, name, uid, &before, error))
        return FALSE;
    if (renameat2(src_fd, name, dst_fd, name, RENAME_NOREPLACE) != 0) {
        if (errno == EXDEV)
            return stage_copy(src_fd, dst_fd, fd, name, &before, error);
        return fb_sys_error(error, "cannot move", name);
    }
    if (!same_inode(dst_fd, name, &before)) {
        if (unlinkat(dst_fd, name, 0) != 0)
            unlinkat(dst_fd, name, AT_REMOVEDIR);
        return refuse(error, name, "replaced while it was being staged");
    }
    if (!check_fd(fd, name, uid, &after, error)) {
        unlinkat(dst_fd, name, 0);
        return FALSE;
    }
    if (fchown(fd, 0, 0) != 0 || fchmod(fd, 0400) != 0)
        return fb_sys_error(error, "cannot seal", name);
    return TRUE;
}

gboolean
fb_stage_entry(int src_fd, int dst_fd, const char *name, uid_t uid, GError **error)
{
    int fd;
    gboolean ok;

    if (name[0] == '\0' || strchr(name, '/') != NULL || g_str_equal(name, ".") ||
        g_str_equal(name, ".."))
        return refuse(error, name, "not a file name");
    fd = open_entry(src_fd, name, error);
    if (fd < 0)
        return FALSE;
    ok = stage_rename(src_fd, dst_fd, fd, name, uid, error);
    close(fd);
    return ok;
}
