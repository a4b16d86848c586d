/* test_repo_known.c - the blob list, the one form in which a writer learns
 * what its destination holds: read back as `repo known` writes it, every
 * malformed line refused naming the line, a size cap, duplicates. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "fb.h"
#include "repo_known.h"

#define SIZE "4096"

static char *
hex_id(unsigned char seed)
{
    unsigned char id[BLOB_ID_BYTES];
    char *hex = g_malloc(2 * BLOB_ID_BYTES + 1);

    memset(id, seed, sizeof id);
    sodium_bin2hex(hex, 2 * BLOB_ID_BYTES + 1, id, sizeof id);
    return hex;
}

/* "pack <64 x c> SIZE" */
static char *
pack_line(char c, const char *size)
{
    g_autofree char *name = g_strnfill(PACK_NAME_CHARS, c);

    return g_strdup_printf("pack %s %s\n", name, size);
}

/* A good list: two packs, the same id in both (legitimate), another once. */
static GString *
good_list(void)
{
    g_autofree char *a = hex_id(1), *b = hex_id(2);
    g_autofree char *p1 = pack_line('a', SIZE), *p2 = pack_line('b', SIZE);
    GString *s = g_string_new(REPO_KNOWN_MAGIC "\n");

    g_string_append_printf(s, "%s%s\n%s\n%s%s\n", p1, a, b, p2, a);
    return s;
}

static void
expect_refused(const char *text, gsize len, const char *line_msg)
{
    g_autoptr(GError) error = NULL;
    GPtrArray *packs = repo_known_parse(text, len, "L", &error);

    if (packs != NULL)
        g_error("accepted: %.*s", (int)len, text);
    g_assert_error(error, FB_ERROR, FB_EXIT_INPUT);
    if (strstr(error->message, line_msg) == NULL)
        g_error("message \"%s\" does not hold \"%s\"", error->message, line_msg);
}

static void
test_good(void)
{
    g_autoptr(GString) s = good_list();
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) packs = repo_known_parse(s->str, s->len, "L", &error);
    g_autoptr(GArray) ids = NULL;
    unsigned char id[BLOB_ID_BYTES];
    const struct pack_info *p;

    g_assert_no_error(error);
    g_assert_cmpuint(packs->len, ==, 2);
    p = packs->pdata[0];
    g_assert_cmpuint(p->size, ==, 4096);
    g_assert_cmpuint(p->entries->len, ==, 2);
    g_assert_cmpint(p->name[0], ==, 'a');
    g_assert_cmpuint(strlen(p->name), ==, PACK_NAME_CHARS);
    ids = repo_known_ids(packs);
    g_assert_cmpuint(ids->len, ==, 2);          /* the shared id once */
    memset(id, 1, sizeof id);
    g_assert_true(repo_known_has(ids, id));
    memset(id, 2, sizeof id);
    g_assert_true(repo_known_has(ids, id));
    memset(id, 3, sizeof id);
    g_assert_false(repo_known_has(ids, id));
}

static void
test_empty_list(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) packs = repo_known_parse(REPO_KNOWN_MAGIC "\n",
                                                  strlen(REPO_KNOWN_MAGIC) + 1, "L", &error);
    g_autoptr(GArray) ids = NULL;
    unsigned char id[BLOB_ID_BYTES] = { 0 };

    g_assert_no_error(error);
    g_assert_cmpuint(packs->len, ==, 0);
    ids = repo_known_ids(packs);
    g_assert_false(repo_known_has(ids, id));
}

/* Each malformed line, in a list otherwise good, is refused naming it. */
static void
test_malformed_lines(void)
{
    g_autofree char *id = hex_id(0xab);
    g_autofree char *upper = g_ascii_strup(id, -1);
    g_autofree char *p = pack_line('c', SIZE);
    g_autofree char *p_small = pack_line('c', "10");
    g_autofree char *p_big_name = pack_line('C', SIZE);
    g_autofree char *short_id = g_strndup(id, 63);
    const struct { const char *line; const char *msg; } bad[] = {
        { "", "line 4: expected a blob id" },
        { "x\n", "line 4: expected a blob id" },
        { short_id, "line 4: expected a blob id" },
        { upper, "line 4: expected a blob id" },
        { p_small, "line 4: expected \"pack NAME SIZE\"" },
        { p_big_name, "line 4: expected \"pack NAME SIZE\"" },
        { "pack 12 34\n", "line 4: expected \"pack NAME SIZE\"" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GString) s = g_string_new(REPO_KNOWN_MAGIC "\n");
        g_string_append_printf(s, "%s%s\n", p, id);
        g_string_append(s, bad[i].line);
        if (bad[i].line[0] == '\0' || bad[i].line[strlen(bad[i].line) - 1] != '\n')
            g_string_append_c(s, '\n');
        expect_refused(s->str, s->len, bad[i].msg);
    }
    {
        /* a tab where the space goes, trailing space, NUL inside a line */
        g_autoptr(GString) s = g_string_new(REPO_KNOWN_MAGIC "\n");
        g_string_append_printf(s, "%s%s \n", p, id);
        expect_refused(s->str, s->len, "line 3: expected a blob id");
        g_string_assign(s, REPO_KNOWN_MAGIC "\n");
        g_string_append_printf(s, "%s%s\n", p, id);
        g_string_overwrite(s, strlen(REPO_KNOWN_MAGIC) + 5 + 64, "\t");
        expect_refused(s->str, s->len, "line 2: expected \"pack NAME SIZE\"");
        g_string_assign(s, REPO_KNOWN_MAGIC "\n");
        g_string_append_printf(s, "%s%s\n", p, id);
        s->str[s->len - 10] = '\0';
        expect_refused(s->str, s->len, "line 3: a NUL byte");
    }
}

static void
test_structure(void)
{
    g_autofree char *a = hex_id(1), *b = hex_id(2);
    g_autofree char *p = pack_line('c', SIZE), *q = pack_line('d', SIZE);
    g_autoptr(GString) s = g_string_new(NULL);
    char size[32];

    expect_refused("", 0, "L: line 1: empty");
    expect_refused("fallback-blobs 1\n", 17, "L: line 1: not a blob list");
    expect_refused(REPO_KNOWN_MAGIC, strlen(REPO_KNOWN_MAGIC), "line 1: the list does not end");
    g_string_printf(s, "%s\n%s\n", REPO_KNOWN_MAGIC, a);
    expect_refused(s->str, s->len, "line 2: a blob id before any \"pack\" line");
    g_string_printf(s, "%s\n%s%s\n%s", REPO_KNOWN_MAGIC, p, a, a);
    expect_refused(s->str, s->len, "line 4: the list does not end with a newline");
    /* duplicates: an id twice in one pack, a pack twice */
    g_string_printf(s, "%s\n%s%s\n%s\n%s\n", REPO_KNOWN_MAGIC, p, a, b, a);
    expect_refused(s->str, s->len, "line 5: a blob id listed twice in one pack");
    g_string_printf(s, "%s\n%s%s\n%s%s\n%s%s\n", REPO_KNOWN_MAGIC, p, a, q, a, p, b);
    expect_refused(s->str, s->len, "line 6: a pack listed twice");
    /* a pack with no id: named by its own line, last or not */
    g_string_printf(s, "%s\n%s%s%s\n", REPO_KNOWN_MAGIC, p, q, a);
    expect_refused(s->str, s->len, "line 2: a pack with no blob id after it");
    g_string_printf(s, "%s\n%s%s\n%s", REPO_KNOWN_MAGIC, p, a, q);
    expect_refused(s->str, s->len, "line 4: a pack with no blob id after it");
    /* more ids than the pack's size holds: the smallest pack holds one */
    g_snprintf(size, sizeof size, "%d", PACK_MIN_BYTES);
    {
        g_autofree char *small = pack_line('e', size);
        g_string_printf(s, "%s\n%s%s\n", REPO_KNOWN_MAGIC, small, a);
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) ok = repo_known_parse(s->str, s->len, "L", &error);
        g_assert_no_error(error);
        g_string_append_printf(s, "%s\n", b);
        expect_refused(s->str, s->len, "line 2: more blob ids than the pack's size can hold");
    }
}

static void
test_size_cap(void)
{
    g_autofree char *dir = g_dir_make_tmp("known-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "blobs", NULL);
    g_autoptr(GError) error = NULL;
    FILE *f;

    g_assert_nonnull(dir);
    f = fopen(path, "w");
    g_assert_nonnull(f);
    fputs(REPO_KNOWN_MAGIC "\n", f);
    g_assert_cmpint(fclose(f), ==, 0);
    g_assert_cmpint(truncate(path, (off_t)REPO_KNOWN_MAX_BYTES + 1), ==, 0);
    g_assert_null(repo_known_read(path, &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_INPUT);
    g_assert_nonnull(strstr(error->message, "larger than 134217728 bytes"));
    g_clear_error(&error);
    /* at the cap, it is read (and refused for its content, not its size) */
    g_assert_cmpint(truncate(path, (off_t)REPO_KNOWN_MAX_BYTES), ==, 0);
    g_assert_null(repo_known_read(path, &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_INPUT);
    g_assert_nonnull(strstr(error->message, "line 2:"));
    g_clear_error(&error);
    g_assert_null(repo_known_parse("", REPO_KNOWN_MAX_BYTES + 1, "L", &error));
    g_assert_nonnull(strstr(error->message, "L: larger than"));
    g_clear_error(&error);
    /* missing: an I/O error, not bad input */
    unlink(path);
    g_assert_null(repo_known_read(path, &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_FAIL);
    rmdir(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_assert_cmpint(sodium_init(), >=, 0);
    g_test_add_func("/repo_known/good", test_good);
    g_test_add_func("/repo_known/empty-list", test_empty_list);
    g_test_add_func("/repo_known/malformed-lines", test_malformed_lines);
    g_test_add_func("/repo_known/structure", test_structure);
    g_test_add_func("/repo_known/size-cap", test_size_cap);
    return g_test_run();
}
