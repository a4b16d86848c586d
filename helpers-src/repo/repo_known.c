/* repo_known.c - the list of blobs a fallback holds, see repo_known.h. */
#include <string.h>

#include <sodium.h>

#include "fb.h"
#include "repo_known.h"

static gboolean
bad_line(GError **error, const char *path, guint n)
{
    g_set_error(error, FB_ERROR, FB_EXIT_INPUT, "%s: line %u: not a blob list line", path, n);
    return FALSE;
}

static gboolean
hex_ok(const char *s, gsize len)
{
    return strlen(s) == len && strspn(s, "0123456789abcdef") == len;
}

/* "pack NAME SIZE": a new pack at the end of packs. */
static gboolean
pack_line(GPtrArray *packs, const char *line)
{
    g_auto(GStrv) f = g_strsplit(line, " ", 4);
    struct pack_info *p;
    guint64 size;

    if (g_strv_length(f) != 3 || strcmp(f[0], "pack") != 0 || !hex_ok(f[1], PACK_NAME_CHARS) ||
        !g_ascii_string_to_unsigned(f[2], 10, PACK_MIN_BYTES, G_MAXUINT64, &size, NULL))
        return FALSE;
    p = g_new0(struct pack_info, 1);
    memcpy(p->name, f[1], sizeof p->name);
    p->size = size;
    p->entries = g_array_new(FALSE, TRUE, sizeof(struct pack_entry));
    g_ptr_array_add(packs, p);
    return TRUE;
}

static gboolean
id_line(GPtrArray *packs, const char *line)
{
    struct pack_entry e = { 0 };
    struct pack_info *p;

    if (packs->len == 0 || !hex_ok(line, 2 * BLOB_ID_BYTES) ||
        sodium_hex2bin(e.id, sizeof e.id, line, 2 * BLOB_ID_BYTES, NULL, NULL, NULL) != 0)
        return FALSE;
    p = packs->pdata[packs->len - 1];
    g_array_append_val(p->entries, e);
    return TRUE;
}

GPtrArray *
repo_known_read(const char *path, GError **error)
{
    g_autoptr(GPtrArray) packs = g_ptr_array_new_with_free_func((GDestroyNotify)pack_info_free);
    FILE *in = fopen(path, "re");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    guint n = 0;
    gboolean ok = TRUE;

    if (in == NULL) {
        fb_sys_error(error, "cannot open", path);
        return NULL;
    }
    while (ok && (len = getline(&line, &cap, in)) >= 0) {
        n++;
        if (len == 0 || line[len - 1] != '\n') {
            ok = bad_line(error, path, n);
            break;
        }
        line[len - 1] = '\0';
        if (n == 1)
            ok = strcmp(line, REPO_KNOWN_MAGIC) == 0 || bad_line(error, path, n);
        else if (line[0] == 'p')
            ok = pack_line(packs, line) || bad_line(error, path, n);
        else
            ok = id_line(packs, line) || bad_line(error, path, n);
    }
    if (ok && ferror(in))
        ok = fb_sys_error(error, "cannot read", path);
    if (ok && n == 0)
        ok = bad_line(error, path, 1);
    free(line);
    fclose(in);
    return ok ? g_steal_pointer(&packs) : NULL;
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

        if (!hex_ok(name, PACK_NAME_CHARS) || strncmp(name, sub, 2) != 0)
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
