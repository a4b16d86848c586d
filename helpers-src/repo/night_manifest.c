/* night_manifest.c - the night manifest v2, see night_manifest.h. */
#include <string.h>

#include <sodium.h>

#include "fb.h"
#include "hex.h"
#include "mac_text.h"
#include "night_manifest.h"

#define MAGIC_LINE "fallback-night 2"

struct night_manifest *
night_manifest_new(const char *night)
{
    struct night_manifest *m = g_new0(struct night_manifest, 1);

    m->night = g_strdup(night);
    m->parts = g_array_new(FALSE, TRUE, sizeof(struct night_entry));
    m->files = g_array_new(FALSE, TRUE, sizeof(struct night_entry));
    return m;
}

void
night_manifest_free(struct night_manifest *m)
{
    if (m == NULL)
        return;
    g_free(m->night);
    g_array_unref(m->parts);
    g_array_unref(m->files);
    g_free(m);
}

static gboolean
add(GArray *a, const char *name, const unsigned char hash[NIGHT_HASH_BYTES], guint64 size,
    GError **error)
{
    struct night_entry e = { .size = size };

    if (!part_name_valid(name)) {
        g_set_error(error, FB_ERROR, FB_EXIT_INPUT, "night manifest: bad name %s", name);
        return FALSE;
    }
    g_strlcpy(e.name, name, sizeof e.name);
    memcpy(e.hash, hash, NIGHT_HASH_BYTES);
    g_array_append_val(a, e);
    return TRUE;
}

gboolean
night_manifest_add_part(struct night_manifest *m, const char *name, const char *record, gsize len,
                        GError **error)
{
    unsigned char hash[NIGHT_HASH_BYTES];

    crypto_generichash(hash, sizeof hash, (const unsigned char *)record, len, NULL, 0);
    return add(m->parts, name, hash, 0, error);
}

gboolean
night_manifest_add_part_hash(struct night_manifest *m, const char *name,
                             const unsigned char hash[NIGHT_HASH_BYTES], GError **error)
{
    return add(m->parts, name, hash, 0, error);
}

gboolean
night_manifest_add_file(struct night_manifest *m, const char *name,
                        const unsigned char hash[NIGHT_HASH_BYTES], guint64 size, GError **error)
{
    return add(m->files, name, hash, size, error);
}

gboolean
night_manifest_check_part(const struct night_manifest *m, const char *name, const char *record,
                          gsize len, GError **error)
{
    unsigned char hash[NIGHT_HASH_BYTES];

    crypto_generichash(hash, sizeof hash, (const unsigned char *)record, len, NULL, 0);
    for (guint i = 0; i < m->parts->len; i++) {
        const struct night_entry *e = &g_array_index(m->parts, struct night_entry, i);
        if (strcmp(e->name, name) == 0) {
            if (sodium_memcmp(e->hash, hash, sizeof hash) == 0)
                return TRUE;
            break;
        }
    }
    g_set_error(error, FB_ERROR, FB_EXIT_CORRUPT, "part %s is not the one night %s lists",
                name, m->night);
    return FALSE;
}

static gint
entry_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(((const struct night_entry *)a)->name, ((const struct night_entry *)b)->name);
}

GString *
night_manifest_format(struct night_manifest *m, const unsigned char mac_key[32])
{
    GString *s = g_string_new(MAGIC_LINE "\n");
    char hex[2 * NIGHT_HASH_BYTES + 1];

    g_array_sort(m->parts, entry_cmp);
    g_array_sort(m->files, entry_cmp);
    g_string_append_printf(s, "night %s\n", m->night);
    for (guint i = 0; i < m->parts->len; i++) {
        const struct night_entry *e = &g_array_index(m->parts, struct night_entry, i);
        sodium_bin2hex(hex, sizeof hex, e->hash, sizeof e->hash);
        g_string_append_printf(s, "part %s %s\n", e->name, hex);
    }
    for (guint i = 0; i < m->files->len; i++) {
        const struct night_entry *e = &g_array_index(m->files, struct night_entry, i);
        sodium_bin2hex(hex, sizeof hex, e->hash, sizeof e->hash);
        g_string_append_printf(s, "file %s %s %" G_GUINT64_FORMAT "\n", e->name, hex, e->size);
    }
    mac_text_append(s, mac_key);
    return s;
}

static gboolean
bad(GError **error, guint line, const char *why)
{
    g_set_error(error, FB_ERROR, FB_EXIT_CORRUPT, "night manifest damaged: line %u: %s", line,
                why);
    return FALSE;
}


/* An entry line into a, after the previous one in name order. */
static gboolean
entry_line(GArray *a, guint n, char **f, guint nf, gboolean file, GError **error)
{
    unsigned char hash[NIGHT_HASH_BYTES];
    guint64 size = 0;

    if (nf != (file ? 4u : 3u) || !part_name_valid(f[1]) || !hex_decode(f[2], hash, NIGHT_HASH_BYTES) ||
        (file && !g_ascii_string_to_unsigned(f[3], 10, 0, G_MAXUINT64, &size, NULL)))
        return bad(error, n, "unexpected line");
    if (a->len > 0 && strcmp(g_array_index(a, struct night_entry, a->len - 1).name, f[1]) >= 0)
        return bad(error, n, "names not sorted, or repeated");
    return add(a, f[1], hash, size, NULL);
}

static gboolean
body_lines(struct night_manifest *m, char **lines, GError **error)
{
    guint n;

    if (lines[1] == NULL || !g_str_has_prefix(lines[1], "night ") ||
        !part_name_valid(lines[1] + 6))
        return bad(error, 2, "no night line");
    m->night = g_strdup(lines[1] + 6);
    for (n = 3; lines[n - 1] != NULL && lines[n] != NULL; n++) {
        g_auto(GStrv) f = g_strsplit(lines[n - 1], " ", 5);
        guint nf = g_strv_length(f);
        gboolean is_file = strcmp(f[0], "file") == 0;

        if (strcmp(f[0], "part") != 0 && !is_file)
            return bad(error, n, "unexpected line");
        if (!is_file && m->files->len > 0)
            return bad(error, n, "part lines come before file lines");
        if (!entry_line(is_file ? m->files : m->parts, n, f, nf, is_file, error))
            return FALSE;
    }
    return TRUE;
}

struct night_manifest *
night_manifest_parse(const char *text, gsize len, const unsigned char *mac_key, GError **error)
{
    g_autoptr(night_manifest) m = NULL;
    g_autofree char *body = NULL;
    g_auto(GStrv) lines = NULL;
    gsize body_len;

    if (!g_str_has_prefix(text, MAGIC_LINE "\n")) {
        if (g_str_has_prefix(text, "fallback-night "))
            g_set_error(error, FB_ERROR, FB_EXIT_FORMAT, "night manifest of an unknown version");
        else
            bad(error, 1, "not a night manifest");
        return NULL;
    }
    if (!mac_text_check(text, len, mac_key, "night manifest", &body_len, error))
        return NULL;
    body = g_strndup(text, body_len);
    lines = g_strsplit(body, "\n", -1);
    m = night_manifest_new(NULL);
    if (!body_lines(m, lines, error))
        return NULL;
    return g_steal_pointer(&m);
}
