/* checksum.c - content digest of a backup tree or tar, see checksum.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <sodium.h>

#include "checksum.h"
#include "fb.h"
#include "tar.h"

#define CHECKSUM_DOMAIN "fallback-checksum-v1"

struct entry {
    char *path;                /* normalised */
    guint64 size;
    guint seq;                 /* order of arrival: the later duplicate wins */
    char type;                 /* 'f', 'l', 'd' */
    gboolean ignored;          /* kept only as a hard link target */
    unsigned char digest[CHECKSUM_BYTES];
};

struct collect {
    GArray *entries;           /* struct entry */
    GHashTable *by_path;       /* tar only: path -> index + 1, latest member */
    gboolean tree;
    unsigned char *buf;        /* CHECKSUM_BUFFER bytes */
};

static void
collect_init(struct collect *c, gboolean tree)
{
    c->entries = g_array_new(FALSE, FALSE, sizeof(struct entry));
    c->by_path = tree ? NULL : g_hash_table_new(g_str_hash, g_str_equal);
    c->tree = tree;
    c->buf = tree ? g_malloc(CHECKSUM_BUFFER) : NULL;
}

static void
collect_clear(struct collect *c)
{
    for (guint i = 0; i < c->entries->len; i++)
        g_free(g_array_index(c->entries, struct entry, i).path);
    g_array_free(c->entries, TRUE);
    if (c->by_path != NULL)
        g_hash_table_destroy(c->by_path);
    g_free(c->buf);
}

static gboolean
has_suffix(const char *s, const char *suffix)
{
    gsize n = strlen(s), m = strlen(suffix);

    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* Root-level names left out of the digest (non-directories only). */
static gboolean
ignored_name(const struct collect *c, const char *path)
{
    if (strchr(path, '/') != NULL)
        return FALSE;
    if (strcmp(path, "info.json") == 0)
        return TRUE;
    return c->tree && (has_suffix(path, ".tar") || has_suffix(path, ".tar.gz") ||
                       has_suffix(path, ".info.json"));
}

/* Takes ownership of path. */
static void
collect_add(struct collect *c, char type, char *path, guint64 size,
            const unsigned char digest[CHECKSUM_BYTES])
{
    struct entry e = { path, size, c->entries->len, type, FALSE, { 0 } };

    e.ignored = type != 'd' && ignored_name(c, path);
    memcpy(e.digest, digest, CHECKSUM_BYTES);
    g_array_append_val(c->entries, e);
    if (c->by_path != NULL)
        g_hash_table_insert(c->by_path, path, GUINT_TO_POINTER(c->entries->len));
}

char *
checksum_normalise(const char *path)
{
    g_auto(GStrv) parts = NULL;
    GString *out;

    if (path[0] == '/')
        return NULL;
    parts = g_strsplit(path, "/", -1);
    out = g_string_new(NULL);
    for (char **p = parts; *p != NULL; p++) {
        if (**p == '\0' || strcmp(*p, ".") == 0)
            continue;
        if (strcmp(*p, "..") == 0) {
            g_string_free(out, TRUE);
            return NULL;
        }
        if (out->len > 0)
            g_string_append_c(out, '/');
        g_string_append(out, *p);
    }
    return g_string_free(out, FALSE);
}

void
checksum_hex(const unsigned char digest[CHECKSUM_BYTES], char hex[CHECKSUM_HEX])
{
    sodium_bin2hex(hex, CHECKSUM_HEX, digest, CHECKSUM_BYTES);
}

static void
hash_bytes(const void *data, gsize len, unsigned char out[CHECKSUM_BYTES])
{
    crypto_generichash(out, CHECKSUM_BYTES, data, len, NULL, 0);
}

/* ---- final digest over the sorted entries ---- */

static void
put_field(crypto_generichash_state *st, const void *data, guint64 len)
{
    unsigned char le[8];

    for (int i = 0; i < 8; i++)
        le[i] = (unsigned char)(len >> (8 * i));
    crypto_generichash_update(st, le, sizeof le);
    crypto_generichash_update(st, data, len);
}

static void
put_entry(crypto_generichash_state *st, const struct entry *e)
{
    unsigned char size[8];

    for (int i = 0; i < 8; i++)
        size[i] = (unsigned char)(e->size >> (8 * i));
    put_field(st, &e->type, 1);
    put_field(st, e->path, strlen(e->path));
    put_field(st, size, sizeof size);
    put_field(st, e->digest, CHECKSUM_BYTES);
}

static gint
entry_cmp(gconstpointer a, gconstpointer b)
{
    const struct entry *x = a, *y = b;
    int c = strcmp(x->path, y->path);

    if (c != 0)
        return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Does any entry of live[from..] lie below dir? live is sorted. */
static gboolean
has_child(GPtrArray *live, guint from, const char *dir)
{
    g_autofree char *key = g_strconcat(dir, "/", NULL);
    guint lo = from, hi = live->len;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (strcmp(((struct entry *)live->pdata[mid])->path, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < live->len &&
           g_str_has_prefix(((struct entry *)live->pdata[lo])->path, key);
}

static void
collect_finish(struct collect *c, unsigned char out[CHECKSUM_BYTES])
{
    g_autoptr(GPtrArray) live = g_ptr_array_new();
    crypto_generichash_state st;
    struct entry *all;
    guint n = c->entries->len;

    if (c->by_path != NULL)   /* its indices are void once sorted */
        g_hash_table_remove_all(c->by_path);
    g_array_sort(c->entries, entry_cmp);
    all = (struct entry *)(void *)c->entries->data;
    for (guint i = 0; i < n; i++)
        if (!all[i].ignored && (i + 1 == n || strcmp(all[i].path, all[i + 1].path) != 0))
            g_ptr_array_add(live, &all[i]);
    crypto_generichash_init(&st, NULL, 0, CHECKSUM_BYTES);
    put_field(&st, CHECKSUM_DOMAIN, strlen(CHECKSUM_DOMAIN));
    for (guint i = 0; i < live->len; i++) {
        const struct entry *e = live->pdata[i];
        if (e->type == 'd' && has_child(live, i + 1, e->path))
            continue;
        put_entry(&st, e);
    }
    crypto_generichash_final(&st, out, CHECKSUM_BYTES);
}

/* A fifo ('p', no content) or a device ('c', 'b': the text "MAJOR,MINOR").
 * Takes ownership of path. */
static void
special_add(struct collect *c, char type, char *path, guint64 devmajor, guint64 devminor)
{
    unsigned char digest[CHECKSUM_BYTES];
    char text[48] = "";

    if (type != 'p')
        g_snprintf(text, sizeof text, "%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT, devmajor,
                   devminor);
    hash_bytes(text, strlen(text), digest);
    collect_add(c, type, path, strlen(text), digest);
}

/* ---- tree ---- */

static gboolean
io_error(GError **error, int err, const char *root, const char *rel, const char *what)
{
    g_set_error(error, FB_ERROR, FB_EXIT_FAIL,
                "%s%s%s: %s: %s", root, *rel ? "/" : "", rel, what, g_strerror(err));
    return FALSE;
}

struct walk {
    struct collect *c;
    const char *root;
    GString *rel;
};

static gboolean
hash_file_at(struct walk *w, int dfd, const char *name, GError **error)
{
    crypto_generichash_state st;
    unsigned char digest[CHECKSUM_BYTES];
    guint64 size = 0;
    struct stat sb;
    ssize_t n;
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0)
        return io_error(error, errno, w->root, w->rel->str, "open");
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "%s/%s: changed while being read",
                    w->root, w->rel->str);
        return FALSE;
    }
    if (sb.st_size > CHECKSUM_BUFFER)
        posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    crypto_generichash_init(&st, NULL, 0, CHECKSUM_BYTES);
    while ((n = read(fd, w->c->buf, CHECKSUM_BUFFER)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            return io_error(error, e, w->root, w->rel->str, "read");
        }
        crypto_generichash_update(&st, w->c->buf, (gsize)n);
        size += (guint64)n;
    }
    close(fd);
    crypto_generichash_final(&st, digest, CHECKSUM_BYTES);
    collect_add(w->c, 'f', g_strdup(w->rel->str), size, digest);
    return TRUE;
}

static gboolean
hash_link_at(struct walk *w, int dfd, const char *name, GError **error)
{
    unsigned char digest[CHECKSUM_BYTES];
    char target[PATH_MAX + 1];
    ssize_t n = readlinkat(dfd, name, target, sizeof target);

    if (n < 0)
        return io_error(error, errno, w->root, w->rel->str, "readlink");
    if ((gsize)n >= sizeof target)
        return io_error(error, ENAMETOOLONG, w->root, w->rel->str, "readlink");
    hash_bytes(target, (gsize)n, digest);
    collect_add(w->c, 'l', g_strdup(w->rel->str), (guint64)n, digest);
    return TRUE;
}

/* Never opened (a fifo would block): lstat only. */
static gboolean
special_at(struct walk *w, int dfd, const char *name, GError **error)
{
    struct stat sb;

    if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
        return io_error(error, errno, w->root, w->rel->str, "stat");
    if (!S_ISFIFO(sb.st_mode) && !S_ISCHR(sb.st_mode) && !S_ISBLK(sb.st_mode)) {
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "%s/%s: changed while being read",
                    w->root, w->rel->str);
        return FALSE;
    }
    special_add(w->c, S_ISFIFO(sb.st_mode) ? 'p' : S_ISCHR(sb.st_mode) ? 'c' : 'b',
                g_strdup(w->rel->str), major(sb.st_rdev), minor(sb.st_rdev));
    return TRUE;
}

static gboolean walk_dir(struct walk *w, int dfd, GError **error);

static gboolean
walk_subdir(struct walk *w, int dfd, const char *name, GError **error)
{
    unsigned char digest[CHECKSUM_BYTES];
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0)
        return io_error(error, errno, w->root, w->rel->str, "open");
    hash_bytes("", 0, digest);
    collect_add(w->c, 'd', g_strdup(w->rel->str), 0, digest);
    return walk_dir(w, fd, error);
}

static gboolean
walk_entry(struct walk *w, int dfd, const char *name, unsigned char dtype, GError **error)
{
    struct stat sb;

    if (dtype == DT_UNKNOWN) {
        if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
            return io_error(error, errno, w->root, w->rel->str, "stat");
        dtype = IFTODT(sb.st_mode);
    }
    if (dtype == DT_DIR)
        return walk_subdir(w, dfd, name, error);
    if (ignored_name(w->c, w->rel->str))
        return TRUE;
    if (dtype == DT_REG)
        return hash_file_at(w, dfd, name, error);
    if (dtype == DT_LNK)
        return hash_link_at(w, dfd, name, error);
    if (dtype == DT_FIFO || dtype == DT_CHR || dtype == DT_BLK)
        return special_at(w, dfd, name, error);
    if (dtype == DT_SOCK)
        return TRUE;    /* the tar leaves sockets out */
    g_set_error(error, FB_ERROR, FB_EXIT_INPUT, "%s/%s: unknown file type, not supported",
                w->root, w->rel->str);
    return FALSE;
}

/* Takes ownership of dfd. */
static gboolean
walk_dir(struct walk *w, int dfd, GError **error)
{
    DIR *d = fdopendir(dfd);
    gboolean ok = TRUE;

    if (d == NULL) {
        int e = errno;
        close(dfd);
        return io_error(error, e, w->root, w->rel->str, "opendir");
    }
    while (ok) {
        struct dirent *de;
        errno = 0;
        if ((de = readdir(d)) == NULL) {
            if (errno != 0)
                ok = io_error(error, errno, w->root, w->rel->str, "readdir");
            break;
        }
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        gsize mark = w->rel->len;
        if (mark > 0)
            g_string_append_c(w->rel, '/');
        g_string_append(w->rel, de->d_name);
        ok = walk_entry(w, dirfd(d), de->d_name, de->d_type, error);
        g_string_truncate(w->rel, mark);
    }
    closedir(d);
    return ok;
}

gboolean
checksum_tree(const char *dir, unsigned char out[CHECKSUM_BYTES], GError **error)
{
    struct collect c;
    struct walk w = { &c, dir, NULL };
    gboolean ok;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0)
        return io_error(error, errno, dir, "", "open");
    collect_init(&c, TRUE);
    w.rel = g_string_new(NULL);
    ok = walk_dir(&w, fd, error);
    if (ok)
        collect_finish(&c, out);
    g_string_free(w.rel, TRUE);
    collect_clear(&c);
    return ok;
}

/* ---- tar ---- */

static gboolean
bad_member(GError **error, const char *name, const struct tar_entry *e, const char *what)
{
    g_set_error(error, FB_ERROR, FB_EXIT_INPUT, "%s: member '%s' at offset %" G_GUINT64_FORMAT
                ": %s", name, e->path, e->offset, what);
    return FALSE;
}

static gboolean
tar_hash_data(struct tar_reader *r, unsigned char out[CHECKSUM_BYTES], GError **error)
{
    crypto_generichash_state st;
    const unsigned char *d;
    gsize n;

    crypto_generichash_init(&st, NULL, 0, CHECKSUM_BYTES);
    do {
        if (!tar_reader_data(r, &d, &n, error))
            return FALSE;
        crypto_generichash_update(&st, d, n);
    } while (n > 0);
    crypto_generichash_final(&st, out, CHECKSUM_BYTES);
    return TRUE;
}

static gboolean
tar_add_hardlink(struct collect *c, const char *name, const struct tar_entry *e,
                 char *path, GError **error)
{
    g_autofree char *target = checksum_normalise(e->linkname);
    gpointer idx = target ? g_hash_table_lookup(c->by_path, target) : NULL;

    if (idx == NULL) {
        g_free(path);
        return bad_member(error, name, e, "hard link to a name that is not an earlier member");
    }
    struct entry *t = &g_array_index(c->entries, struct entry, GPOINTER_TO_UINT(idx) - 1);
    collect_add(c, t->type, path, t->size, t->digest);
    return TRUE;
}

/* Takes ownership of path (normalised, not empty). */
static gboolean
tar_add(struct collect *c, struct tar_reader *r, const char *name,
        const struct tar_entry *e, char *path, GError **error)
{
    unsigned char digest[CHECKSUM_BYTES];

    switch (e->type) {
    case TAR_REGULAR:
        if (!tar_hash_data(r, digest, error)) {
            g_free(path);
            return FALSE;
        }
        collect_add(c, 'f', path, e->size, digest);
        return TRUE;
    case TAR_SYMLINK:
        hash_bytes(e->linkname, strlen(e->linkname), digest);
        collect_add(c, 'l', path, strlen(e->linkname), digest);
        return TRUE;
    case TAR_DIRECTORY:
        hash_bytes("", 0, digest);
        collect_add(c, 'd', path, 0, digest);
        return TRUE;
    case TAR_HARDLINK:
        return tar_add_hardlink(c, name, e, path, error);
    default:
        special_add(c, e->typeflag == '6' ? 'p' : e->typeflag == '3' ? 'c' : 'b', path,
                    e->devmajor, e->devminor);
        return TRUE;
    }
}

static gboolean
tar_collect(struct collect *c, struct tar_reader *r, const char *name, GError **error)
{
    for (;;) {
        const struct tar_entry *e;
        char *path;

        if (!tar_reader_next(r, &e, error))
            return FALSE;
        if (e == NULL)
            return TRUE;
        if ((path = checksum_normalise(e->path)) == NULL)
            return bad_member(error, name, e, "absolute name or '..' component, refused");
        if (*path == '\0') {
            g_free(path);
            if (e->type == TAR_DIRECTORY)
                continue;
            return bad_member(error, name, e, "empty name");
        }
        if (!tar_add(c, r, name, e, path, error))
            return FALSE;
    }
}

gboolean
checksum_tar_fd(int fd, const char *name, unsigned char out[CHECKSUM_BYTES], GError **error)
{
    struct collect c;
    struct tar_reader *r = tar_reader_new(fd, name);
    gboolean ok;

    collect_init(&c, FALSE);
    ok = tar_collect(&c, r, name, error);
    if (ok)
        collect_finish(&c, out);
    tar_reader_free(r);
    collect_clear(&c);
    return ok;
}

gboolean
checksum_path(const char *path, unsigned char out[CHECKSUM_BYTES], GError **error)
{
    struct stat sb;
    gboolean ok;
    int fd;

    if (stat(path, &sb) != 0)
        return io_error(error, errno, path, "", "stat");
    if (S_ISDIR(sb.st_mode))
        return checksum_tree(path, out, error);
    if (!S_ISREG(sb.st_mode)) {
        g_set_error(error, FB_ERROR, FB_EXIT_INPUT,
                    "%s: neither a directory nor a regular file", path);
        return FALSE;
    }
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return io_error(error, errno, path, "", "open");
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    ok = checksum_tar_fd(fd, path, out, error);
    close(fd);
    return ok;
}
