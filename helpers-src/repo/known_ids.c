/* known_ids.c - a checked list of blob ids, see known_ids.h. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fb.h"
#include "known_ids.h"

#define HEX_CHARS (2 * BLOB_ID_BYTES)

struct known_ids {
    GArray *ids;    /* sorted, BLOB_ID_BYTES each */
};

static int
id_cmp(const void *a, const void *b)
{
    return memcmp(a, b, BLOB_ID_BYTES);
}

static gboolean
lower_hex(const char *s, gsize n)
{
    for (gsize i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return FALSE;
    return TRUE;
}

static struct known_ids *
bad_line(struct known_ids *k, GError **error, const char *name, guint line)
{
    g_set_error(error, FB_ERROR, FB_EXIT_INPUT,
                "%s: line %u: expected a blob id, 64 lowercase hex characters", name, line);
    known_ids_free(k);
    return NULL;
}

static void
sort_unique(GArray *a)
{
    guint out = 0;

    if (a->len == 0)
        return;
    qsort(a->data, a->len, BLOB_ID_BYTES, id_cmp);
    for (guint i = 0; i < a->len; i++) {
        unsigned char *p = (unsigned char *)a->data + (gsize)i * BLOB_ID_BYTES;
        if (out > 0 && memcmp(p, a->data + (gsize)(out - 1) * BLOB_ID_BYTES, BLOB_ID_BYTES) == 0)
            continue;
        memmove(a->data + (gsize)out * BLOB_ID_BYTES, p, BLOB_ID_BYTES);
        out++;
    }
    g_array_set_size(a, out);
}

struct known_ids *
known_ids_parse(const char *text, gsize len, const char *name, GError **error)
{
    struct known_ids *k = g_new0(struct known_ids, 1);
    gsize off = 0;
    guint line = 0;

    k->ids = g_array_sized_new(FALSE, FALSE, BLOB_ID_BYTES, (guint)(len / (HEX_CHARS + 1)));
    while (off < len) {
        unsigned char id[BLOB_ID_BYTES];

        line++;
        if (len - off < HEX_CHARS + 1 || text[off + HEX_CHARS] != '\n' ||
            !lower_hex(text + off, HEX_CHARS) ||
            sodium_hex2bin(id, sizeof id, text + off, HEX_CHARS, NULL, NULL, NULL) != 0)
            return bad_line(k, error, name, line);
        g_array_append_vals(k->ids, id, 1);
        off += HEX_CHARS + 1;
    }
    sort_unique(k->ids);
    return k;
}

struct known_ids *
known_ids_load(const char *path, GError **error)
{
    g_autoptr(GMappedFile) f = NULL;
    g_autoptr(GError) e = NULL;

    if ((f = g_mapped_file_new(path, FALSE, &e)) == NULL) {
        g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "%s", e->message);
        return NULL;
    }
    return known_ids_parse(g_mapped_file_get_contents(f), g_mapped_file_get_length(f), path,
                           error);
}

void
known_ids_free(struct known_ids *k)
{
    if (k == NULL)
        return;
    g_array_unref(k->ids);
    g_free(k);
}

guint
known_ids_count(const struct known_ids *k)
{
    return k->ids->len;
}

gboolean
known_ids_has(const struct known_ids *k, const unsigned char id[BLOB_ID_BYTES])
{
    return k->ids->len > 0 && bsearch(id, k->ids->data, k->ids->len, BLOB_ID_BYTES, id_cmp) != NULL;
}
