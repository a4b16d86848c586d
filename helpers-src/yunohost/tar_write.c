/* tar_write.c - a tar stream as YunoHost's tar method writes it, see tar_write.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "backup_csv.h"
#include "fb.h"
#include "fdio.h"
#include "tar_header.h"
#include "tar_write.h"

#define BLOCK 512
#define RECORD (20 * BLOCK)
#define COPY_BUFFER (256 * 1024)

struct tar_writer {
    const struct tar_sink *sink;
    void *ctx;
    int fd;                    /* for the fd sink */
    guint64 written;
    GHashTable *inodes;        /* "dev:ino" -> member name of its first copy */
    GHashTable *users, *groups;   /* uid, gid -> name ("" when unknown), looked up once */
    unsigned char *buf;        /* COPY_BUFFER bytes */
};

struct member {
    char type;                 /* '0' file, '1' hard link, '2' symlink, '5' directory,
                                  '3'/'4' character/block device, '6' fifo */
    const char *name;
    const char *link;
    const struct stat *st;
    guint64 size;
};

static gboolean
fd_write(void *ctx, const void *data, gsize len, GError **error)
{
    struct tar_writer *w = ctx;

    return fd_write_all(w->fd, data, len, "the archive", error);
}

static const struct tar_sink fd_sink = { fd_write, NULL, fd_write, NULL, NULL };

struct tar_writer *
tar_writer_new(int fd)
{
    struct tar_writer *w = tar_writer_new_sink(&fd_sink, NULL);

    w->ctx = w;
    w->fd = fd;
    return w;
}

struct tar_writer *
tar_writer_new_sink(const struct tar_sink *sink, void *ctx)
{
    struct tar_writer *w = g_new0(struct tar_writer, 1);

    w->sink = sink;
    w->ctx = ctx;
    w->fd = -1;
    w->inodes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    w->users = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    w->groups = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    w->buf = g_malloc(COPY_BUFFER);
    return w;
}

void
tar_writer_free(struct tar_writer *w)
{
    if (w == NULL)
        return;
    g_hash_table_destroy(w->inodes);
    g_hash_table_destroy(w->users);
    g_hash_table_destroy(w->groups);
    g_free(w->buf);
    g_free(w);
}

static gboolean
put(struct tar_writer *w, const void *data, gsize len, GError **error)
{
    w->written += (guint64)len;
    return w->sink->literal(w->ctx, data, len, error);
}

static gboolean
pad(struct tar_writer *w, guint64 to, GError **error)
{
    static const unsigned char zero[BLOCK];
    gsize n = (gsize)((to - w->written % to) % to);

    while (n > 0) {
        gsize k = MIN(n, sizeof zero);
        if (!put(w, zero, k, error))
            return FALSE;
        n -= k;
    }
    return TRUE;
}

/* The owner names, as tarfile asks pwd and grp for them (once per id here:
 * every lookup reads /etc/passwd and /etc/group). */
static void
owner_names(struct tar_writer *w, const struct stat *st, const char **uname, const char **gname)
{
    gpointer uid = GUINT_TO_POINTER(st->st_uid), gid = GUINT_TO_POINTER(st->st_gid);

    if (!g_hash_table_contains(w->users, uid)) {
        struct passwd *pw = getpwuid(st->st_uid);
        g_hash_table_insert(w->users, uid, g_strdup(pw != NULL ? pw->pw_name : ""));
    }
    if (!g_hash_table_contains(w->groups, gid)) {
        struct group *gr = getgrgid(st->st_gid);
        g_hash_table_insert(w->groups, gid, g_strdup(gr != NULL ? gr->gr_name : ""));
    }
    *uname = g_hash_table_lookup(w->users, uid);
    *gname = g_hash_table_lookup(w->groups, gid);
}

static gboolean
put_header(struct tar_writer *w, const struct member *m, GError **error)
{
    g_autoptr(GString) out = g_string_sized_new(3 * BLOCK);
    struct tar_member h = {
        .type = m->type, .name = m->name, .link = m->link,
        .mode = (guint64)(m->st->st_mode & 07777),
        .uid = (guint64)m->st->st_uid, .gid = (guint64)m->st->st_gid, .size = m->size,
        .mtime_sec = (gint64)m->st->st_mtim.tv_sec, .mtime_nsec = m->st->st_mtim.tv_nsec,
        .devmajor = major(m->st->st_rdev), .devminor = minor(m->st->st_rdev),
    };

    owner_names(w, m->st, &h.uname, &h.gname);
    tar_header_append(out, &h);
    return put(w, out->str, out->len, error);
}

/* Exactly size bytes of source, as tarfile copies st_size bytes; nothing
 * when the sink already has them. */
static gboolean
put_data(struct tar_writer *w, const char *source, const struct stat *st, guint64 size,
         GError **error)
{
    gboolean ok = TRUE, have = FALSE;
    int fd;

    if (w->sink->file_begin != NULL && !w->sink->file_begin(w->ctx, source, st, &have, error))
        return FALSE;
    if (have) {
        w->written += size;
        return pad(w, BLOCK, error);
    }
    fd = open(source, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
    if (fd < 0)
        return fb_sys_error(error, "cannot open", source);
    if (w->sink->file_start != NULL)
        ok = w->sink->file_start(w->ctx, size, error);
    while (ok && size > 0) {
        ssize_t n = read(fd, w->buf, (gsize)MIN(size, (guint64)COPY_BUFFER));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            ok = n < 0 ? fb_sys_error(error, "cannot read", source)
                       : (g_set_error(error, FB_ERROR, FB_EXIT_FAIL,
                                      "%s shrank while being archived", source), FALSE);
            break;
        }
        w->written += (guint64)n;
        ok = w->sink->file_data(w->ctx, w->buf, (gsize)n, error);
        size -= (guint64)n;
    }
    close(fd);
    if (ok && w->sink->file_end != NULL)
        ok = w->sink->file_end(w->ctx, error);
    return ok && pad(w, BLOCK, error);
}

static gboolean
add_file(struct tar_writer *w, const char *source, const char *name, const struct stat *st,
         GError **error)
{
    char *key = g_strdup_printf("%ju:%ju", (uintmax_t)st->st_dev, (uintmax_t)st->st_ino);
    const char *first = g_hash_table_lookup(w->inodes, key);
    struct member m = { '0', name, "", st, (guint64)st->st_size };

    if (st->st_nlink > 1 && first != NULL && strcmp(first, name) != 0) {
        m.type = '1';
        m.link = first;
        m.size = 0;
        g_free(key);
        return put_header(w, &m, error);
    }
    g_hash_table_replace(w->inodes, key, g_strdup(name));
    return put_header(w, &m, error) && put_data(w, source, st, m.size, error);
}

static gboolean
add_link(struct tar_writer *w, const char *source, const char *name, const struct stat *st,
         GError **error)
{
    g_autoptr(GError) e = NULL;
    g_autofree char *target = g_file_read_link(source, &e);
    struct member m = { '2', name, target, st, 0 };

    if (target == NULL) {
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "%s", e->message);
        return FALSE;
    }
    return put_header(w, &m, error);
}

/* A fifo or a device: a header, no data; never opened. */
static gboolean
add_special(struct tar_writer *w, const char *name, const struct stat *st, GError **error)
{
    struct member m = { S_ISFIFO(st->st_mode) ? '6' : S_ISCHR(st->st_mode) ? '3' : '4',
                        name, "", st, 0 };

    return put_header(w, &m, error);
}

static gint
name_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static gboolean add_path(struct tar_writer *w, const char *source, const char *name,
                         GError **error);

static gboolean
add_dir(struct tar_writer *w, const char *source, const char *name, const struct stat *st,
        GError **error)
{
    g_autofree char *member = g_strconcat(name, "/", NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    struct member m = { '5', member, "", st, 0 };
    DIR *d;
    struct dirent *de;

    if (!put_header(w, &m, error))
        return FALSE;
    if ((d = opendir(source)) == NULL)
        return fb_sys_error(error, "cannot read the folder", source);
    while ((errno = 0, de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            g_ptr_array_add(names, g_strdup(de->d_name));
    if (errno != 0) {
        closedir(d);
        return fb_sys_error(error, "cannot read the folder", source);
    }
    closedir(d);
    g_ptr_array_sort(names, name_cmp);
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *src = g_build_filename(source, names->pdata[i], NULL);
        g_autofree char *dst = g_strconcat(name, "/", names->pdata[i], NULL);
        if (!add_path(w, src, dst, error))
            return FALSE;
    }
    return TRUE;
}

static gboolean
add_path(struct tar_writer *w, const char *source, const char *name, GError **error)
{
    struct stat st;

    if (lstat(source, &st) != 0)
        return fb_sys_error(error, "cannot archive", source);
    if (S_ISREG(st.st_mode))
        return add_file(w, source, name, &st, error);
    if (S_ISLNK(st.st_mode))
        return add_link(w, source, name, &st, error);
    if (S_ISDIR(st.st_mode))
        return add_dir(w, source, name, &st, error);
    if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
        return add_special(w, name, &st, error);
    return TRUE;    /* a socket: tarfile leaves it out */
}

gboolean
tar_write_add(struct tar_writer *w, const char *source, const char *dest, GError **error)
{
    while (*dest == '/')
        dest++;
    return add_path(w, source, dest, error);
}

gboolean
tar_write_finish(struct tar_writer *w, GError **error)
{
    static const unsigned char zero[2 * BLOCK];

    return put(w, zero, sizeof zero, error) && pad(w, RECORD, error);
}

guint64
tar_writer_size(const struct tar_writer *w)
{
    return w->written;
}

gboolean
tar_write_backup(struct tar_writer *w, const char *work_dir, GError **error)
{
    g_autofree char *csv = g_build_filename(work_dir, "backup.csv", NULL);
    g_autoptr(GPtrArray) rows = NULL;
    gboolean ok = TRUE;

    if (!backup_csv_read(csv, &rows, error))
        return FALSE;
    for (guint i = 0; ok && i + 1 < rows->len; i += 2)
        ok = tar_write_add(w, rows->pdata[i], rows->pdata[i + 1], error);
    return ok && tar_write_finish(w, error);
}
