/* test_part_record.c - part records and the repository config: formats
 * round-trip, MAC and key-check catch what the storage could change. */
#include <string.h>

#include <sodium.h>

#include "fb.h"
#include "part_record.h"
#include "repo_config.h"

static const unsigned char mac_key[32] = { 42 };

static GString *
sample(void)
{
    g_autoptr(part_record) p = part_record_new("app_nextcloud", "20261201T010000Z");
    struct part_pack a = { .size = 100 }, b = { .size = 200 };
    unsigned char id[32];

    memset(id, 0xab, sizeof id);
    g_byte_array_append(p->index_ids, id, 32);
    id[0] = 0;
    g_byte_array_append(p->index_ids, id, 32);
    memset(a.name, 'f', 64);
    memset(b.name, '0', 64);
    g_array_append_val(p->packs, a);
    g_array_append_val(p->packs, b);
    return part_record_format(p, mac_key);
}

static void
test_round_trip(void)
{
    g_autoptr(GString) s = sample();
    g_autoptr(part_record) p = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true(g_str_has_prefix(s->str, "fallback-part 2\nname app_nextcloud\n"
                                   "night 20261201T010000Z\nindex abab"));
    /* packs sorted by name */
    g_assert_true(strstr(s->str, "pack 0000") < strstr(s->str, "pack ffff"));
    p = part_record_parse(s->str, s->len, mac_key, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(p->name, ==, "app_nextcloud");
    g_assert_cmpstr(p->night, ==, "20261201T010000Z");
    g_assert_cmpuint(p->index_ids->len, ==, 64);
    g_assert_cmpuint(p->index_ids->data[0], ==, 0xab);
    g_assert_cmpuint(p->index_ids->data[32], ==, 0);
    g_assert_cmpuint(p->packs->len, ==, 2);
    g_assert_cmpuint(g_array_index(p->packs, struct part_pack, 1).size, ==, 100);
}

static void
refused(const char *text, const unsigned char *key, int code, const char *message)
{
    g_autoptr(GError) error = NULL;

    g_assert_null(part_record_parse(text, strlen(text), key, &error));
    g_assert_error(error, FB_ERROR, code);
    if (strstr(error->message, message) == NULL)
        g_error("\"%s\" does not say \"%s\"", error->message, message);
}

static void
test_tampered(void)
{
    g_autoptr(GString) s = sample();
    const unsigned char other[32] = { 43 };
    g_autofree char *t = NULL;
    char *p;

    /* without the key the form passes; with another key the MAC fails */
    {
        g_autoptr(part_record) r = part_record_parse(s->str, s->len, NULL, NULL);
        g_assert_nonnull(r);
    }
    refused(s->str, other, FB_EXIT_CORRUPT, "fails authentication");
    /* any changed byte: the name, an index id, a pack size */
    t = g_strdup(s->str);
    t[strlen("fallback-part 2\nname app_")] = 'N';
    refused(t, mac_key, FB_EXIT_CORRUPT, "fails authentication");
    strcpy(t, s->str);
    p = strstr(t, "index abab");
    p[6] = 'c';
    refused(t, mac_key, FB_EXIT_CORRUPT, "fails authentication");
    strcpy(t, s->str);
    p = strstr(t, " 200\n");
    p[1] = '3';
    refused(t, mac_key, FB_EXIT_CORRUPT, "fails authentication");
    /* form */
    refused("fallback-part 3\n", NULL, FB_EXIT_FORMAT, "unknown version");
    refused("hello\n", NULL, FB_EXIT_CORRUPT, "not a part record");
    refused("fallback-part 2\nname ../x\n", NULL, FB_EXIT_CORRUPT, "unexpected line");
    strcpy(t, s->str);
    t[strlen(t) - 1] = ' ';
    refused(t, NULL, FB_EXIT_CORRUPT, "newline");
    g_free(t);
    t = g_strconcat(s->str, "pack x 1\n", NULL);
    refused(t, NULL, FB_EXIT_CORRUPT, "not the last line");
}

static void
test_names(void)
{
    g_assert_true(part_name_valid("app_nextcloud"));
    g_assert_true(part_name_valid("system-1.2"));
    g_assert_false(part_name_valid(""));
    g_assert_false(part_name_valid(".hidden"));
    g_assert_false(part_name_valid("a/b"));
    g_assert_false(part_name_valid("a b"));
    g_assert_false(part_name_valid("caf\xc3\xa9"));
}

static void
test_config(void)
{
    struct crypt_key *k = crypt_key_new(), *wrong = crypt_key_new();
    g_autoptr(GString) s = NULL;
    g_autoptr(GError) error = NULL;
    struct repo_config cfg;
    g_autofree char *t = NULL;

    g_assert_true(crypt_kdf_from_cost("interactive", &k->kdf, NULL));
    randombytes_buf(k->key, sizeof k->key);
    *wrong = *k;
    wrong->key[0] ^= 1;
    s = repo_config_format(k);
    g_assert_true(g_str_has_prefix(s->str, "fallback-repository 2\nkdf argon2id13 2 67108864 "));
    g_assert_nonnull(strstr(s->str, "\nchunker fastcdc 65536 262144 1048576\n"));
    g_assert_true(repo_config_parse(s->str, s->len, &cfg, &error));
    g_assert_no_error(error);
    g_assert_cmpmem(cfg.kdf.salt, 16, k->kdf.salt, 16);
    g_assert_true(repo_config_check_key(&cfg, k, TRUE, &error));
    g_assert_false(repo_config_check_key(&cfg, wrong, FALSE, &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_PASSWORD);
    g_clear_error(&error);
    wrong->key[0] ^= 1;
    wrong->kdf.salt[0] ^= 1;
    g_assert_false(repo_config_check_key(&cfg, wrong, TRUE, &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_PASSWORD);
    g_clear_error(&error);
    t = g_strdup(s->str);
    strstr(t, "262144")[0] = '1';
    g_assert_false(repo_config_parse(t, strlen(t), &cfg, &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_FORMAT);
    g_clear_error(&error);
    g_assert_false(repo_config_parse("fallback-repository 3\n", 22, &cfg, &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_FORMAT);
    crypt_key_free(k);
    crypt_key_free(wrong);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_assert_cmpint(sodium_init(), >=, 0);
    g_test_add_func("/part_record/round-trip", test_round_trip);
    g_test_add_func("/part_record/tampered", test_tampered);
    g_test_add_func("/part_record/names", test_names);
    g_test_add_func("/part_record/config", test_config);
    return g_test_run();
}
