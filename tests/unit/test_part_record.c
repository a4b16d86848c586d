/* test_part_record.c - part records, night manifests v2 and the repository
 * config: formats round-trip, MAC and key-check catch what the storage could
 * change. */
#include <string.h>

#include <sodium.h>

#include "fb.h"
#include "night_manifest.h"
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
    refused("fallback-part 2\nname x\n", NULL, FB_EXIT_CORRUPT, "mac line is not the last");
    g_free(t);
    t = g_strdup_printf("fallback-part 2\nname ../x\nmac %064d\n", 0);
    refused(t, NULL, FB_EXIT_CORRUPT, "unexpected line");
    g_free(t);
    t = g_strdup_printf("fallback-part 2\nname x\nnight y\nmac %064d\n", 0);
    refused(t, NULL, FB_EXIT_CORRUPT, "no night, index or pack line");
    g_free(t);
    t = g_strdup(s->str);
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

static void
test_night_manifest(void)
{
    g_autoptr(night_manifest) m = night_manifest_new("20261201T010000Z");
    g_autoptr(night_manifest) back = NULL;
    g_autoptr(GString) rec_a = sample(), text = NULL;
    const char rec_b[] = "another record\n";
    const unsigned char other[32] = { 43 };
    unsigned char h[32];
    g_autoptr(GError) error = NULL;
    g_autofree char *t = NULL;

    memset(h, 0x11, sizeof h);
    g_assert_true(night_manifest_add_part(m, "system", rec_b, sizeof rec_b - 1, NULL));
    g_assert_true(night_manifest_add_part(m, "app_nextcloud", rec_a->str, rec_a->len, NULL));
    g_assert_true(night_manifest_add_file(m, "config.conf", h, 123, NULL));
    g_assert_false(night_manifest_add_part(m, "../x", rec_b, 1, &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_INPUT);
    g_clear_error(&error);
    text = night_manifest_format(m, mac_key);
    g_assert_true(g_str_has_prefix(text->str, "fallback-night 2\nnight 20261201T010000Z\n"
                                              "part app_nextcloud "));
    g_assert_nonnull(strstr(text->str, "\nfile config.conf 1111"));
    back = night_manifest_parse(text->str, text->len, mac_key, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(back->night, ==, "20261201T010000Z");
    g_assert_cmpuint(back->parts->len, ==, 2);
    g_assert_cmpuint(g_array_index(back->files, struct night_entry, 0).size, ==, 123);
    /* a part record is the one the night lists, or refused */
    g_assert_true(night_manifest_check_part(back, "app_nextcloud", rec_a->str, rec_a->len, NULL));
    g_assert_false(night_manifest_check_part(back, "system", rec_a->str, rec_a->len, &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_CORRUPT);
    g_clear_error(&error);
    g_assert_false(night_manifest_check_part(back, "absent", rec_b, sizeof rec_b - 1, &error));
    g_clear_error(&error);
    /* another key, an edited night id, a dropped part */
    g_assert_null(night_manifest_parse(text->str, text->len, other, &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_CORRUPT);
    g_clear_error(&error);
    t = g_strdup(text->str);
    t[strlen("fallback-night 2\nnight 2027")] = '9';
    g_assert_null(night_manifest_parse(t, strlen(t), mac_key, &error));
    g_assert_nonnull(strstr(error->message, "fails authentication"));
    g_clear_error(&error);
    g_free(t);
    t = g_strdup_printf("fallback-night 2\nnight x\nfile b %064d 1\npart a %064d\nmac %064d\n",
                        0, 0, 0);
    g_assert_null(night_manifest_parse(t, strlen(t), NULL, &error));
    g_assert_nonnull(strstr(error->message, "part lines come before file lines"));
    g_clear_error(&error);
    g_free(t);
    t = g_strdup_printf("fallback-night 2\nnight x\npart b %064d\npart a %064d\nmac %064d\n",
                        0, 0, 0);
    g_assert_null(night_manifest_parse(t, strlen(t), NULL, &error));
    g_assert_nonnull(strstr(error->message, "not sorted"));
    g_clear_error(&error);
    g_assert_null(night_manifest_parse("fallback-night 1\n", 17, NULL, &error));
    g_assert_error(error, FB_ERROR, FB_EXIT_FORMAT);
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
    g_test_add_func("/part_record/night-manifest", test_night_manifest);
    return g_test_run();
}
