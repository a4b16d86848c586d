/* repo_verify.c - check a repository folder without the key, see repo.h. */
#include <stdio.h>
#include <string.h>

#include "fb.h"
#include "fdio.h"
#include "pack.h"
#include "part_record.h"
#include "repo.h"

static void
problem(const GError *e)
{
    fprintf(stderr, "fallback: repo verify: %s\n", e->message);
}

/* Every packs/XX/NAME: valid maps each valid pack's name to its table. */
static gboolean
verify_packs(const char *dir, GHashTable *valid, guint *ok_count)
{
    g_autofree char *packs = g_build_filename(dir, "packs", NULL);
    g_autoptr(GDir) top = g_dir_open(packs, 0, NULL);
    gboolean all = TRUE;
    const char *sub, *name;

    if (top == NULL) {
        fprintf(stderr, "fallback: repo verify: cannot read %s\n", packs);
        return FALSE;
    }
    while ((sub = g_dir_read_name(top)) != NULL) {
        g_autofree char *subdir = g_build_filename(packs, sub, NULL);
        g_autoptr(GDir) d = NULL;

        if (!g_file_test(subdir, G_FILE_TEST_IS_DIR) || (d = g_dir_open(subdir, 0, NULL)) == NULL)
            continue;
        while ((name = g_dir_read_name(d)) != NULL) {
            g_autofree char *path = g_build_filename(subdir, name, NULL);
            g_autoptr(GError) e = NULL;
            struct pack_info *p;

            if (name[0] == '.')
                continue;    /* a writer's temporary file */
            if (strncmp(name, sub, 2) != 0 || strlen(sub) != 2) {
                fprintf(stderr, "fallback: repo verify: pack %s is not in its folder\n", path);
                all = FALSE;
            } else if ((p = pack_verify(path, name, &e)) == NULL) {
                problem(e);
                all = FALSE;
            } else {
                g_hash_table_insert(valid, g_strdup(name), p);
                (*ok_count)++;
            }
        }
    }
    return all;
}

/* Is id in the table of p? */
static gboolean
pack_has(const struct pack_info *p, const unsigned char *id)
{
    for (guint i = 0; i < p->entries->len; i++)
        if (memcmp(g_array_index(p->entries, struct pack_entry, i).id, id, BLOB_ID_BYTES) == 0)
            return TRUE;
    return FALSE;
}

/* Is every index chunk of rec in one of its packs? */
static gboolean
index_present(const struct part_record *rec, GHashTable *valid)
{
    for (guint k = 0; k < rec->index_ids->len; k += BLOB_ID_BYTES) {
        gboolean found = FALSE;

        for (guint i = 0; !found && i < rec->packs->len; i++) {
            const struct pack_info *p = g_hash_table_lookup(
                valid, g_array_index(rec->packs, struct part_pack, i).name);
            found = p != NULL && pack_has(p, rec->index_ids->data + k);
        }
        if (!found)
            return FALSE;
    }
    return TRUE;
}

/* The form of parts/NAME, each of its packs valid and of its size, and its
 * index chunks in them (its data chunks are named inside the encrypted
 * index: only the key can check those). */
static gboolean
verify_part(const char *dir, const char *part, GHashTable *valid)
{
    g_autofree char *path = g_build_filename(dir, "parts", part, NULL);
    g_autofree char *text = NULL;
    g_autoptr(GError) e = NULL;
    g_autoptr(part_record) rec = NULL;
    gboolean ok = TRUE;
    gsize len;

    if (!file_read_max(path, PART_RECORD_MAX, &text, &len, &e) ||
        (rec = part_record_parse(text, len, NULL, &e)) == NULL) {
        fprintf(stderr, "fallback: repo verify: %s: %s\n", path, e->message);
        return FALSE;
    }
    for (guint i = 0; i < rec->packs->len; i++) {
        const struct part_pack *pp = &g_array_index(rec->packs, struct part_pack, i);
        const struct pack_info *p = g_hash_table_lookup(valid, pp->name);

        if (p == NULL || p->size != pp->size) {
            fprintf(stderr, "fallback: repo verify: part %s needs pack %s, %s\n", part, pp->name,
                    p == NULL ? "missing or damaged" : "of another size");
            ok = FALSE;
        }
    }
    if (ok && !index_present(rec, valid)) {
        fprintf(stderr, "fallback: repo verify: part %s: an index chunk is in none of its packs\n",
                part);
        ok = FALSE;
    }
    return ok;
}

static GPtrArray *
all_parts(const char *dir)
{
    g_autofree char *parts = g_build_filename(dir, "parts", NULL);
    g_autoptr(GDir) d = g_dir_open(parts, 0, NULL);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    while (d != NULL && (name = g_dir_read_name(d)) != NULL)
        if (part_name_valid(name))
            g_ptr_array_add(names, g_strdup(name));
    return names;
}

gboolean
repo_verify(const char *dir, char **parts, guint *packs_ok, guint *parts_ok, GError **error)
{
    g_autoptr(GHashTable) valid = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify)pack_info_free);
    g_autoptr(GPtrArray) names = all_parts(dir);
    gboolean ok;

    *packs_ok = *parts_ok = 0;
    ok = verify_packs(dir, valid, packs_ok);
    if (parts != NULL && parts[0] != NULL) {
        g_ptr_array_set_size(names, 0);
        for (char **p = parts; *p != NULL; p++)
            g_ptr_array_add(names, g_strdup(*p));
    }
    for (guint i = 0; i < names->len; i++) {
        if (verify_part(dir, names->pdata[i], valid))
            (*parts_ok)++;
        else
            ok = FALSE;
    }
    if (!ok)
        g_set_error_literal(error, FB_ERROR, FB_EXIT_CORRUPT,
                            "the repository is damaged (see the lines above)");
    return ok;
}

gboolean
repo_check_record(const char *packs_dir, const char *text, gsize len,
                  struct part_record **record, GError **error)
{
    g_autoptr(GHashTable) tables = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                         (GDestroyNotify)pack_info_free);
    g_autoptr(part_record) rec = part_record_parse(text, len, NULL, error);

    if (rec == NULL)
        return FALSE;
    for (guint i = 0; i < rec->packs->len; i++) {
        const struct part_pack *pp = &g_array_index(rec->packs, struct part_pack, i);
        g_autofree char *sub = g_strndup(pp->name, 2);
        g_autofree char *path = g_build_filename(packs_dir, sub, pp->name, NULL);
        struct pack_info *p = pack_read_table(path, error);

        if (p == NULL)
            return FALSE;
        if (p->size != pp->size) {
            pack_info_free(p);
            g_set_error(error, FB_ERROR, FB_EXIT_CORRUPT,
                        "part %s needs pack %s of %" G_GUINT64_FORMAT " bytes, it has another size",
                        rec->name, pp->name, pp->size);
            return FALSE;
        }
        g_hash_table_insert(tables, g_strdup(pp->name), p);
    }
    if (!index_present(rec, tables)) {
        g_set_error(error, FB_ERROR, FB_EXIT_CORRUPT,
                    "part %s: an index chunk is in none of its packs", rec->name);
        return FALSE;
    }
    *record = g_steal_pointer(&rec);
    return TRUE;
}
