/* repo_verify.c - check a repository folder without the key, see repo.h. */
#include <stdio.h>
#include <string.h>

#include "fb.h"
#include "pack.h"
#include "part_record.h"
#include "repo.h"

static void
problem(const GError *e)
{
    fprintf(stderr, "fallback: repo verify: %s\n", e->message);
}

/* Every packs/XX/NAME: *sizes maps each valid pack's name to its size. */
static gboolean
verify_packs(const char *dir, GHashTable *sizes, guint *ok_count)
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
            g_autoptr(pack_info) p = NULL;

            if (name[0] == '.')
                continue;    /* a writer's temporary file */
            if (strncmp(name, sub, 2) != 0 || strlen(sub) != 2) {
                fprintf(stderr, "fallback: repo verify: pack %s is not in its folder\n", path);
                all = FALSE;
            } else if ((p = pack_verify(path, name, &e)) == NULL) {
                problem(e);
                all = FALSE;
            } else {
                g_hash_table_insert(sizes, g_strdup(name), g_memdup2(&p->size, sizeof p->size));
                (*ok_count)++;
            }
        }
    }
    return all;
}

/* The form of parts/NAME, and each of its packs valid and of its size. */
static gboolean
verify_part(const char *dir, const char *part, GHashTable *sizes)
{
    g_autofree char *path = g_build_filename(dir, "parts", part, NULL);
    g_autofree char *text = NULL;
    g_autoptr(GError) e = NULL;
    g_autoptr(part_record) rec = NULL;
    gboolean ok = TRUE;
    gsize len;

    if (!g_file_get_contents(path, &text, &len, &e) ||
        (rec = part_record_parse(text, len, NULL, &e)) == NULL) {
        fprintf(stderr, "fallback: repo verify: %s: %s\n", path, e->message);
        return FALSE;
    }
    for (guint i = 0; i < rec->packs->len; i++) {
        const struct part_pack *pp = &g_array_index(rec->packs, struct part_pack, i);
        const guint64 *size = g_hash_table_lookup(sizes, pp->name);

        if (size == NULL || *size != pp->size) {
            fprintf(stderr, "fallback: repo verify: part %s needs pack %s, %s\n", part, pp->name,
                    size == NULL ? "missing or damaged" : "of another size");
            ok = FALSE;
        }
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
    g_autoptr(GHashTable) sizes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autoptr(GPtrArray) names = all_parts(dir);
    gboolean ok;

    *packs_ok = *parts_ok = 0;
    ok = verify_packs(dir, sizes, packs_ok);
    if (parts != NULL && parts[0] != NULL) {
        g_ptr_array_set_size(names, 0);
        for (char **p = parts; *p != NULL; p++)
            g_ptr_array_add(names, g_strdup(*p));
    }
    for (guint i = 0; i < names->len; i++) {
        if (verify_part(dir, names->pdata[i], sizes))
            (*parts_ok)++;
        else
            ok = FALSE;
    }
    if (!ok)
        g_set_error_literal(error, FB_ERROR, FB_EXIT_CORRUPT,
                            "the repository is damaged (see the lines above)");
    return ok;
}
