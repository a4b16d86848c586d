/* repo_known.c - the list of blobs a fallback holds, see repo_known.h. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "fb.h"
#include "hex.h"
#include "repo_known.h"

/* A line of the list: text and length, without its '\n'. */
struct line {
    const char *s;
    gsize len;
    guint no;
};

struct reader {
    const char *name;
    GPtrArray *packs;          /* struct pack_info */
    GHashTable *names;         /* pack names seen (owned by packs) */
    GHashTable *ids;           /* ids of the current pack (GBytes) */
};

static gboolean
bad_line(GError **error, const struct reader *rd, guint no, const char *why)
{
    g_set_error(error, FB_ERROR, FB_EXIT_INPUT, "%s: line %u: %s", rd->name, no, why);
    return FALSE;
}


/* The pack ended: it holds at least one id, and no more than its size fits. */
static gboolean
pack_end(struct reader *rd, guint no, GError **error)
{
    const struct pack_info *p;
    guint64 most;

    if (rd->packs->len == 0)
        return TRUE;
    p = rd->packs->pdata[rd->packs->len - 1];
    most = (p->size - PACK_MAGIC_BYTES - 4) / (PACK_ENTRY_BYTES + BLOB_MIN_BYTES);
    if (p->entries->len == 0)
        return bad_line(error, rd, no, "a pack with no blob id after it");
    if (p->entries->len > most)
        return bad_line(error, rd, no, "more blob ids than the pack's size can hold");
    g_hash_table_remove_all(rd->ids);
    return TRUE;
}

/* "pack NAME SIZE": a new pack at the end of packs. */
static gboolean
pack_line(struct reader *rd, const struct line *l, guint *pack_no, GError **error)
{
    g_autofree char *text = g_strndup(l->s, l->len);
    g_auto(GStrv) f = g_strsplit(text, " ", 4);
    struct pack_info *p;
    guint64 size;

    if (g_strv_length(f) != 3 || strcmp(f[0], "pack") != 0 ||
        !hex_lower(f[1], strlen(f[1]), PACK_NAME_CHARS) ||
        !g_ascii_string_to_unsigned(f[2], 10, PACK_MIN_BYTES, G_MAXUINT64, &size,
                                    NULL))
        return bad_line(error, rd, l->no, "expected \"pack NAME SIZE\" or a blob id");
    if (!pack_end(rd, *pack_no, error))
        return FALSE;
    if (g_hash_table_contains(rd->names, f[1]))
        return bad_line(error, rd, l->no, "a pack listed twice");
    p = g_new0(struct pack_info, 1);
    memcpy(p->name, f[1], sizeof p->name);
    p->size = size;
    p->entries = g_array_new(FALSE, TRUE, sizeof(struct pack_entry));
    g_ptr_array_add(rd->packs, p);
    g_hash_table_add(rd->names, p->name);
    *pack_no = l->no;
    return TRUE;
}

static gboolean
id_line(struct reader *rd, const struct line *l, GError **error)
{
    struct pack_entry e = { 0 };
    struct pack_info *p;

    if (!hex_lower(l->s, l->len, 2 * BLOB_ID_BYTES) ||
        sodium_hex2bin(e.id, sizeof e.id, l->s, l->len, NULL, NULL, NULL) != 0)
        return bad_line(error, rd, l->no, "expected a blob id, 64 lowercase hex characters");
    if (rd->packs->len == 0)
        return bad_line(error, rd, l->no, "a blob id before any \"pack\" line");
    if (!g_hash_table_add(rd->ids, g_bytes_new(e.id, sizeof e.id)))
        return bad_line(error, rd, l->no, "a blob id listed twice in one pack");
    p = rd->packs->pdata[rd->packs->len - 1];
    g_array_append_val(p->entries, e);
    return TRUE;
}

static gboolean
parse_lines(struct reader *rd, const char *text, gsize len, GError **error)
{
    struct line l = { 0 };
    guint pack_no = 0;
    gsize off = 0;

    while (off < len) {
        const char *nl = memchr(text + off, '\n', len - off);

        l.no++;
        l.s = text + off;
        l.len = nl != NULL ? (gsize)(nl - l.s) : len - off;
        if (nl == NULL)
            return bad_line(error, rd, l.no, "the list does not end with a newline");
        if (memchr(l.s, '\0', l.len) != NULL)
            return bad_line(error, rd, l.no, "a NUL byte");
        off += l.len + 1;
        if (l.no == 1) {
            if (l.len != strlen(REPO_KNOWN_MAGIC) || memcmp(l.s, REPO_KNOWN_MAGIC, l.len) != 0)
                return bad_line(error, rd, 1, "not a blob list (expected \"" REPO_KNOWN_MAGIC "\")");
        } else if (l.len > 0 && l.s[0] == 'p') {
            if (!pack_line(rd, &l, &pack_no, error))
                return FALSE;
        } else if (!id_line(rd, &l, error)) {
            return FALSE;
        }
    }
    if (l.no == 0)
        return bad_line(error, rd, 1, "empty, not a blob list");
    return pack_end(rd, pack_no, error);
}

GPtrArray *
repo_known_parse(const char *text, gsize len, const char *name, GError **error)
{
    struct reader rd = { .name = name };
    gboolean ok;

    if (len > REPO_KNOWN_MAX_BYTES) {
        g_set_error(error, FB_ERROR, FB_EXIT_INPUT, "%s: larger than %" G_GSIZE_FORMAT
                    " bytes, not read", name, REPO_KNOWN_MAX_BYTES);
        return NULL;
    }
    rd.packs = g_ptr_array_new_with_free_func((GDestroyNotify)pack_info_free);
    rd.names = g_hash_table_new(g_str_hash, g_str_equal);
    rd.ids = g_hash_table_new_full(g_bytes_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref,
                                   NULL);
    ok = parse_lines(&rd, text, len, error);
    g_hash_table_destroy(rd.ids);
    g_hash_table_destroy(rd.names);
    if (!ok)
        g_clear_pointer(&rd.packs, g_ptr_array_unref);
    return rd.packs;
}

GPtrArray *
repo_known_read(const char *path, GError **error)
{
    g_autoptr(GMappedFile) f = NULL;
    g_autoptr(GError) e = NULL;
    struct stat st;
    GPtrArray *packs;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

    if (fd < 0) {
        fb_sys_error(error, "cannot open", path);
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        g_set_error(error, FB_ERROR, FB_EXIT_INPUT, "%s: not a regular file", path);
        close(fd);
        return NULL;
    }
    if ((guint64)st.st_size > REPO_KNOWN_MAX_BYTES) {
        g_set_error(error, FB_ERROR, FB_EXIT_INPUT, "%s: larger than %" G_GSIZE_FORMAT
                    " bytes, not read", path, REPO_KNOWN_MAX_BYTES);
        close(fd);
        return NULL;
    }
    if (st.st_size == 0) {
        close(fd);
        return repo_known_parse("", 0, path, error);
    }
    f = g_mapped_file_new_from_fd(fd, FALSE, &e);
    close(fd);
    if (f == NULL) {
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "%s: %s", path, e->message);
        return NULL;
    }
    packs = repo_known_parse(g_mapped_file_get_contents(f), g_mapped_file_get_length(f), path,
                             error);
    return packs;
}

static int
id_cmp(const void *a, const void *b)
{
    return memcmp(a, b, BLOB_ID_BYTES);
}

GArray *
repo_known_ids(const GPtrArray *packs)
{
    GArray *ids = g_array_new(FALSE, FALSE, BLOB_ID_BYTES);
    guint out = 0;

    for (guint i = 0; i < packs->len; i++) {
        const struct pack_info *p = packs->pdata[i];
        for (guint j = 0; j < p->entries->len; j++)
            g_array_append_vals(ids, g_array_index(p->entries, struct pack_entry, j).id, 1);
    }
    if (ids->len == 0)
        return ids;
    qsort(ids->data, ids->len, BLOB_ID_BYTES, id_cmp);
    for (guint i = 0; i < ids->len; i++) {
        const char *at = ids->data + (gsize)i * BLOB_ID_BYTES;
        if (out > 0 && memcmp(at, ids->data + (gsize)(out - 1) * BLOB_ID_BYTES, BLOB_ID_BYTES) == 0)
            continue;
        memmove(ids->data + (gsize)out * BLOB_ID_BYTES, at, BLOB_ID_BYTES);
        out++;
    }
    g_array_set_size(ids, out);
    return ids;
}

gboolean
repo_known_has(const GArray *ids, const unsigned char id[BLOB_ID_BYTES])
{
    return ids->len > 0 && bsearch(id, ids->data, ids->len, BLOB_ID_BYTES, id_cmp) != NULL;
}

static void
print_pack(FILE *out, const char *name, const struct pack_info *p)
{
    char hex[2 * BLOB_ID_BYTES + 1];

    fprintf(out, "pack %s %" G_GUINT64_FORMAT "\n", name, p->size);
    for (guint i = 0; i < p->entries->len; i++) {
        sodium_bin2hex(hex, sizeof hex, g_array_index(p->entries, struct pack_entry, i).id,
                       BLOB_ID_BYTES);
        fprintf(out, "%s\n", hex);
    }
}

static gboolean
list_folder(const char *packs_dir, const char *sub, FILE *out, guint *packs, GError **error)
{
    g_autofree char *dir = g_build_filename(packs_dir, sub, NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autoptr(pack_info) p = NULL;

        if (!hex_lower(name, strlen(name), PACK_NAME_CHARS) || strncmp(name, sub, 2) != 0)
            continue;
        if ((p = pack_read_table(path, error)) == NULL)
            return FALSE;
        print_pack(out, name, p);
        (*packs)++;
    }
    return TRUE;
}

gboolean
repo_known_write(const char *packs_dir, FILE *out, guint *packs, GError **error)
{
    g_autoptr(GDir) top = g_dir_open(packs_dir, 0, NULL);
    const char *sub;

    *packs = 0;
    fprintf(out, "%s\n", REPO_KNOWN_MAGIC);
    while (top != NULL && (sub = g_dir_read_name(top)) != NULL)
        if (strlen(sub) == 2 && !list_folder(packs_dir, sub, out, packs, error))
            return FALSE;
    if (fflush(out) != 0 || ferror(out))
        return fb_sys_error(error, "cannot write", "the blob list");
    return TRUE;
}
