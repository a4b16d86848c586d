/* part_record.c - write and read part records, see part_record.h. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fb.h"
#include "hex.h"
#include "mac_text.h"
#include "part_record.h"

#define MAGIC_LINE "fallback-part 2"

struct part_record *
part_record_new(const char *name, const char *night)
{
    struct part_record *p = g_new0(struct part_record, 1);

    p->name = g_strdup(name);
    p->night = g_strdup(night);
    p->index_ids = g_byte_array_new();
    p->packs = g_array_new(FALSE, FALSE, sizeof(struct part_pack));
    return p;
}

void
part_record_free(struct part_record *p)
{
    if (p == NULL)
        return;
    g_free(p->name);
    g_free(p->night);
    g_byte_array_unref(p->index_ids);
    g_array_unref(p->packs);
    g_free(p);
}

gboolean
part_name_valid(const char *s)
{
    gsize n = strlen(s);

    if (n == 0 || n > PART_NAME_MAX || s[0] == '.')
        return FALSE;
    for (; *s != '\0'; s++)
        if (!g_ascii_isalnum(*s) && *s != '.' && *s != '_' && *s != '-')
            return FALSE;
    return TRUE;
}

static gint
pack_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(((const struct part_pack *)a)->name, ((const struct part_pack *)b)->name);
}

GString *
part_record_format(struct part_record *p, const unsigned char mac_key[32])
{
    GString *s = g_string_new(MAGIC_LINE "\n");
    char hex[2 * 32 + 1];

    g_string_append_printf(s, "name %s\nnight %s\n", p->name, p->night);
    for (guint i = 0; i < p->index_ids->len; i += 32) {
        sodium_bin2hex(hex, sizeof hex, p->index_ids->data + i, 32);
        g_string_append_printf(s, "index %s\n", hex);
    }
    g_array_sort(p->packs, pack_cmp);
    for (guint i = 0; i < p->packs->len; i++) {
        const struct part_pack *k = &g_array_index(p->packs, struct part_pack, i);
        g_string_append_printf(s, "pack %s %" G_GUINT64_FORMAT "\n", k->name, k->size);
    }
    mac_text_append(s, mac_key);
    return s;
}

static gboolean
bad_line(GError **error, guint line, const char *why)
{
    g_set_error(error, FB_ERROR, FB_EXIT_CORRUPT, "part record damaged: line %u: %s", line, why);
    return FALSE;
}

static struct part_record *
bad(GError **error, guint line, const char *why)
{
    bad_line(error, line, why);
    return NULL;
}


static gboolean
decimal(const char *s, guint64 *v)
{
    char *end;

    if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] != '\0') || strlen(s) > 19)
        return FALSE;
    *v = g_ascii_strtoull(s, &end, 10);
    return *end == '\0';
}

/* One "KEY VALUE [VALUE]" body line into p. */
static gboolean
body_line(struct part_record *p, guint n, char **f, guint nf, GError **error)
{
    unsigned char id[32];
    struct part_pack k;

    if (n == 2 && nf == 2 && strcmp(f[0], "name") == 0 && part_name_valid(f[1]))
        p->name = g_strdup(f[1]);
    else if (n == 3 && nf == 2 && strcmp(f[0], "night") == 0 && part_name_valid(f[1]))
        p->night = g_strdup(f[1]);
    else if (n > 3 && nf == 2 && strcmp(f[0], "index") == 0 && p->packs->len == 0 &&
             hex_decode(f[1], id, 32))
        g_byte_array_append(p->index_ids, id, 32);
    else if (n > 3 && nf == 3 && strcmp(f[0], "pack") == 0 && p->index_ids->len > 0 &&
             strlen(f[1]) == PACK_NAME_CHARS && hex_decode(f[1], id, 32) && decimal(f[2], &k.size)) {
        memcpy(k.name, f[1], sizeof k.name);
        if (p->packs->len > 0 &&
            strcmp(g_array_index(p->packs, struct part_pack, p->packs->len - 1).name, k.name) >= 0)
            return bad_line(error, n, "pack lines not sorted, or repeated");
        g_array_append_val(p->packs, k);
    } else
        return bad_line(error, n, "unexpected line");
    return TRUE;
}

struct part_record *
part_record_parse(const char *text, gsize len, const unsigned char *mac_key, GError **error)
{
    g_autoptr(part_record) p = NULL;
    g_autofree char *body = NULL;
    g_auto(GStrv) lines = NULL;
    gsize body_len;
    guint n;

    if (!g_str_has_prefix(text, MAGIC_LINE "\n")) {
        if (g_str_has_prefix(text, "fallback-part "))
            g_set_error(error, FB_ERROR, FB_EXIT_FORMAT, "part record of an unknown version");
        else
            bad(error, 1, "not a part record");
        return NULL;
    }
    if (!mac_text_check(text, len, mac_key, "part record", &body_len, error))
        return NULL;
    body = g_strndup(text, body_len);
    lines = g_strsplit(body, "\n", -1);
    p = g_new0(struct part_record, 1);
    p->index_ids = g_byte_array_new();
    p->packs = g_array_new(FALSE, FALSE, sizeof(struct part_pack));
    for (n = 2; lines[n - 1] != NULL && lines[n] != NULL; n++) {
        g_auto(GStrv) f = g_strsplit(lines[n - 1], " ", 4);
        if (!body_line(p, n, f, g_strv_length(f), error))
            return NULL;
    }
    if (p->night == NULL || p->packs->len == 0)
        return bad(error, n, "no night, index or pack line");
    return g_steal_pointer(&p);
}
