/* stage.c - move one upload into a root-only folder through its descriptor. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fb.h"
#include "stage.h"

#define COPY_BLOCK (1u << 20)

static gboolean
refuse(GError **error, const char *name, const char *why)
{
    g_set_error(error, FB_ERROR, FB_ERR(FB_EXIT_INPUT), "%s: %s", name, why);
    return FALSE;
}

static gboolean
sys_fail(GError **error, const char *what, const char *name)
{
    int err = errno;

    g_set_error(error, FB_ERROR, FB_ERR(FB_EXIT_FAIL), "cannot %s %s: %s", what, name,
                g_strerror(err));
    return FALSE;
}

int
fb_stage_open_dir(const char *path, GError **error)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0)
        sys_fail(error, "open folder", path);
    return fd;
}

/* The checks an upload must pass, on what the descriptor really is. */
static gboolean
check_fd(int fd, const char *name, uid_t uid, struct stat *st, GError **error)
{
    if (fstat(fd, st) != 0)
        return sys_fail(error, "stat", name);
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
        sys_fail(error, "open", name);
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
    ssize_t n;

    while ((n = read(in, buf, COPY_BLOCK)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return sys_fail(error, "read", name);
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(out, buf + done, (size_t)(n - done));
            if (w < 0 && errno != EINTR)
                return sys_fail(error, "write staged copy of", name);
            done += w < 0 ? 0 : w;
        }
    }
    if (fsync(out) != 0)
        return sys_fail(error, "write staged copy of", name);
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
        return sys_fail(error, "create staged copy of", name);
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
        return sys_fail(error, "move", name);
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
        return sys_fail(error, "seal", name);
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
