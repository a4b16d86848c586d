/* repo_config.c - the repository's config file, see repo_config.h. */
#include <string.h>

#include <sodium.h>

#include "chunker.h"
#include "fb.h"
#include "hex.h"
#include "repo_config.h"

#define LINE1 "fallback-repository 2\n"

static void
chunker_line(char *out, gsize n)
{
    g_snprintf(out, n, "chunker fastcdc %zu %zu %zu\n", CHUNK_MIN, CHUNK_AVG, CHUNK_MAX);
}

GString *
repo_config_format(const struct crypt_key *key)
{
    GString *s = g_string_new(LINE1);
    char salt[2 * CRYPT_SALTBYTES + 1], check[2 * CRYPT_CHECKBYTES + 1], chunker[64];
    unsigned char value[CRYPT_CHECKBYTES];

    crypt_key_check_value(key, value);
    sodium_bin2hex(salt, sizeof salt, key->kdf.salt, CRYPT_SALTBYTES);
    sodium_bin2hex(check, sizeof check, value, sizeof value);
    chunker_line(chunker, sizeof chunker);
    g_string_append_printf(s, "kdf argon2id13 %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %s\n"
                              "key-check %s\n%s",
                           (guint64)key->kdf.opslimit, (guint64)key->kdf.memlimit, salt, check,
                           chunker);
    return s;
}

static gboolean
bad(GError **error, const char *why)
{
    g_set_error(error, FB_ERROR, FB_EXIT_CORRUPT, "repository config damaged: %s", why);
    return FALSE;
}


static gboolean
kdf_line(const char *line, struct crypt_kdf *kdf, GError **error)
{
    g_auto(GStrv) f = g_strsplit(line, " ", 6);
    guint64 ops, mem;

    if (g_strv_length(f) != 5 || strcmp(f[0], "kdf") != 0)
        return bad(error, "line 2 is not \"kdf argon2id13 OPSLIMIT MEMLIMIT SALT\"");
    if (strcmp(f[1], "argon2id13") != 0) {
        g_set_error(error, FB_ERROR, FB_EXIT_FORMAT, "repository config: unsupported KDF %s", f[1]);
        return FALSE;
    }
    if (!g_ascii_string_to_unsigned(f[2], 10, 0, G_MAXUINT64, &ops, NULL) ||
        !g_ascii_string_to_unsigned(f[3], 10, 0, G_MAXUINT64, &mem, NULL) ||
        !hex_decode(f[4], kdf->salt, CRYPT_SALTBYTES))
        return bad(error, "line 2 has a bad number or salt");
    kdf->opslimit = ops;
    kdf->memlimit = mem;
    return crypt_kdf_check(kdf, error);
}

gboolean
repo_config_parse(const char *text, gsize len, struct repo_config *cfg, GError **error)
{
    g_auto(GStrv) lines = NULL;
    char chunker[64];

    if (!g_str_has_prefix(text, "fallback-repository "))
        return bad(error, "not a repository config (first line)");
    if (!g_str_has_prefix(text, LINE1)) {
        g_set_error(error, FB_ERROR, FB_EXIT_FORMAT, "repository of an unknown version");
        return FALSE;
    }
    if (memchr(text, '\0', len) != NULL || text[len - 1] != '\n')
        return bad(error, "not a text file ending with a newline");
    lines = g_strsplit(text, "\n", -1);
    if (g_strv_length(lines) != 5 || lines[4][0] != '\0')
        return bad(error, "not four lines");
    if (!kdf_line(lines[1], &cfg->kdf, error))
        return FALSE;
    if (!g_str_has_prefix(lines[2], "key-check ") ||
        !hex_decode(lines[2] + 10, cfg->check, CRYPT_CHECKBYTES))
        return bad(error, "line 3 is not \"key-check CHECK\"");
    chunker_line(chunker, sizeof chunker);
    if (strncmp(lines[3], chunker, strlen(chunker) - 1) != 0 || lines[3][strlen(chunker) - 1]) {
        g_set_error(error, FB_ERROR, FB_EXIT_FORMAT, "repository config: unsupported chunker: %s",
                    lines[3]);
        return FALSE;
    }
    return TRUE;
}

gboolean
repo_config_check_key(const struct repo_config *cfg, const struct crypt_key *key,
                      gboolean from_key_file, GError **error)
{
    unsigned char value[CRYPT_CHECKBYTES];

    if (from_key_file &&
        (sodium_memcmp(key->kdf.salt, cfg->kdf.salt, CRYPT_SALTBYTES) != 0 ||
         key->kdf.opslimit != cfg->kdf.opslimit || key->kdf.memlimit != cfg->kdf.memlimit)) {
        g_set_error_literal(error, FB_ERROR, FB_EXIT_PASSWORD,
                            "key file salt or costs differ from the repository's: "
                            "use the password instead");
        return FALSE;
    }
    crypt_key_check_value(key, value);
    if (sodium_memcmp(value, cfg->check, CRYPT_CHECKBYTES) != 0) {
        g_set_error_literal(error, FB_ERROR, FB_EXIT_PASSWORD,
                            from_key_file ? "wrong key (key check failed)"
                                          : "wrong password (key check failed)");
        return FALSE;
    }
    return TRUE;
}
