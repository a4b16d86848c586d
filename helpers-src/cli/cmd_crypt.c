/* cmd_crypt.c - `fallback encrypt`, `fallback decrypt`, `fallback key-init`. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "crypt.h"
#include "fb.h"
#include "fdio.h"
#include "keyfile.h"
#include "outfile.h"
#include "pass.h"
#include "secret.h"

struct crypt_opts {
    char *pass_file;
    char *cost;
    char *out;
    char *like;
};

static int
open_in(const char *path, GError **error)
{
    int fd;

    if (strcmp(path, "-") == 0)
        return STDIN_FILENO;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        fb_sys_error(error, "cannot open", path);
    return fd;
}

static gboolean
usage_error(GError **error, const char *message)
{
    g_set_error_literal(error, FB_ERROR, FB_EXIT_USAGE, message);
    return FALSE;
}

/* Parse the options of cmd; positional arguments are left in argv[1..]. */
static gboolean
parse(const char *cmd, const char *params, const char *summary, const GOptionEntry *entries,
      int *argc, char ***argv)
{
    g_autoptr(GOptionContext) ctx = g_option_context_new(params);

    g_option_context_set_summary(ctx, summary);
    g_option_context_set_description(ctx,
        "Exit status: 0 ok, 1 failure, 2 usage, 4 wrong password or key, 6 archive\n"
        "truncated or tampered, 7 unsupported format or costs, 8 no space left.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    return cli_parse(ctx, argc, argv, cmd);
}

/* The key to encrypt with: the key file's, or derived from the password. */
static struct crypt_key *
encrypt_key(struct pass *p, const struct crypt_kdf *kdf, gboolean cost_given, GError **error)
{
    struct crypt_key *key;

    if (p->key == NULL)
        return crypt_key_derive(p->password->data, p->password->len, kdf, error);
    if (cost_given) {
        usage_error(error, "--cost does not apply with a key file (it has its own)");
        return NULL;
    }
    key = p->key;
    p->key = NULL;
    return key;
}

/* Stream in to a temporary beside out_path, renamed onto it only on success. */
static gboolean
stream_to(int in, const char *out_path, struct pass *p, const struct crypt_kdf *kdf,
          gboolean cost_given, GError **error)
{
    struct out_file out = { .fd = -1 };
    struct crypt_key *key = NULL;
    gboolean ok = FALSE;

    if (kdf != NULL && (key = encrypt_key(p, kdf, cost_given, error)) == NULL)
        return FALSE;
    if (kdf != NULL && strcmp(out_path, "-") == 0) {
        ok = crypt_encrypt_fd(in, STDOUT_FILENO, key, error);
        crypt_key_free(key);
        return ok;
    }
    if (out_open(&out, out_path, 0600, error)) {
        if (key != NULL)
            ok = crypt_encrypt_fd(in, out.fd, key, error);
        else
            ok = crypt_decrypt_fd(in, out.fd, &(struct crypt_secret){
                .password = p->password != NULL ? p->password->data : NULL,
                .password_len = p->password != NULL ? p->password->len : 0,
                .key = p->key }, error);
        ok = ok && out_commit(&out, error);
    }
    out_abort(&out);
    crypt_key_free(key);
    return ok;
}

/* encrypt and decrypt: [--pass-file FILE] [--cost COST] IN OUT */
static int
run_crypt(const char *cmd, int argc, char **argv, gboolean encrypt)
{
    struct crypt_opts o = { 0 };
    /* decrypt has no --cost: a NULL name there ends the table early. */
    const GOptionEntry entries[] = {
        { "pass-file", 'p', 0, G_OPTION_ARG_FILENAME, &o.pass_file,
          "password file (first line) or key file from key-init", "FILE" },
        { encrypt ? "cost" : NULL, 0, 0, G_OPTION_ARG_STRING, &o.cost,
          "Argon2id cost with a password: interactive, moderate (default), sensitive", "COST" },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GError) error = NULL;
    struct pass p = { 0 };
    struct crypt_kdf kdf;
    int in = -1;
    gboolean ok;

    if (!parse(cmd, "IN OUT", encrypt ? "Encrypt IN (a file, or - for stdin) into OUT (a file, or - for stdout)."
                                      : "Decrypt IN (a file, or - for stdin) into OUT; OUT appears "
                                        "only once the whole archive has verified.",
               entries, &argc, &argv))
        return FB_EXIT_USAGE;
    ok = (argc == 3 && (strcmp(argv[2], "-") != 0 || (encrypt && !isatty(STDOUT_FILENO))))
         || usage_error(&error, encrypt ? "expected IN and OUT (OUT a file path, or - for a "
                                          "standard output that is not a terminal); see --help"
                                        : "expected IN and OUT (OUT a file path, not -); see --help");
    ok = ok && (!encrypt || crypt_kdf_from_cost(o.cost, &kdf, &error));
    ok = ok && (in = open_in(argv[1], &error)) >= 0;
    ok = ok && pass_load(o.pass_file, encrypt, in == STDIN_FILENO, &p, &error);
    ok = ok && stream_to(in, argv[2], &p, encrypt ? &kdf : NULL, o.cost != NULL, &error);
    pass_clear(&p);
    sodium_memzero(&kdf, sizeof kdf);
    if (in > STDIN_FILENO)
        close(in);
    g_free(o.pass_file);
    g_free(o.cost);
    return ok ? FB_EXIT_OK : fb_report(cmd, error);
}

int
cmd_encrypt(int argc, char **argv)
{
    return run_crypt("encrypt", argc, argv, TRUE);
}

int
cmd_decrypt(int argc, char **argv)
{
    return run_crypt("decrypt", argc, argv, FALSE);
}

/* The key that opens the existing archive path (its salt and costs), proven
 * against its key-check: a wrong password fails here with FB_EXIT_PASSWORD. */
static struct crypt_key *
key_like(const char *path, const struct secret *password, GError **error)
{
    struct crypt_key *key;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

    if (fd < 0) {
        fb_sys_error(error, "cannot open", path);
        return NULL;
    }
    key = crypt_key_for_archive(fd, &(struct crypt_secret){
        .password = password->data, .password_len = password->len }, error);
    close(fd);
    if (key == NULL)
        g_prefix_error(error, "%s: ", path);
    return key;
}

/* Derive the key and write it, 0400, atomically to path. */
static gboolean
key_init(const struct crypt_opts *o, GError **error)
{
    struct out_file out = { .fd = -1 };
    struct crypt_kdf kdf;
    struct crypt_key *key = NULL;
    struct pass p = { 0 };
    unsigned char *file = NULL;
    gboolean ok;

    ok = (o->like != NULL || crypt_kdf_from_cost(o->cost, &kdf, error))
         && pass_load(o->pass_file, TRUE, FALSE, &p, error);
    if (ok && p.key != NULL)
        ok = usage_error(error, "--pass-file is already a key file: key-init needs the password");
    if (ok && o->like != NULL)
        ok = (key = key_like(o->like, p.password, error)) != NULL;
    else
        ok = ok && (key = crypt_key_derive(p.password->data, p.password->len, &kdf, error)) != NULL;
    if (ok) {
        file = sodium_malloc(KEYFILE_BYTES);
        if (file == NULL) {
            g_set_error_literal(error, FB_ERROR, FB_EXIT_FAIL, "cannot allocate secure memory");
            ok = FALSE;
        }
    }
    if (ok) {
        keyfile_serialize(key, file);
        ok = out_open(&out, o->out, 0400, error)
             && fd_write_all(out.fd, file, KEYFILE_BYTES, o->out, error)
             && out_commit(&out, error);
    }
    out_abort(&out);
    if (file != NULL)
        sodium_free(file);
    crypt_key_free(key);
    pass_clear(&p);
    return ok;
}

int
cmd_key_init(int argc, char **argv)
{
    struct crypt_opts o = { 0 };
    const GOptionEntry entries[] = {
        { "out", 'o', 0, G_OPTION_ARG_FILENAME, &o.out, "key file to write (mode 0400)", "FILE" },
        { "pass-file", 'p', 0, G_OPTION_ARG_FILENAME, &o.pass_file,
          "read the password from the first line of FILE", "FILE" },
        { "cost", 0, 0, G_OPTION_ARG_STRING, &o.cost,
          "Argon2id cost: interactive, moderate (default), sensitive", "COST" },
        { "like", 0, 0, G_OPTION_ARG_FILENAME, &o.like,
          "take the salt and costs of this encrypted archive (the key then opens every "
          "archive made with the same key file); a wrong password is refused", "ARCHIVE" },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GError) error = NULL;
    gboolean ok;

    if (!parse("key-init", "", "Derive the archive key from the password (Argon2id, fresh "
               "salt) and store it with its salt and costs in a key file. Archives encrypted "
               "with it still decrypt with the password alone.", entries, &argc, &argv))
        return FB_EXIT_USAGE;
    ok = (argc == 1 && o.out != NULL)
         || usage_error(&error, "expected --out FILE and no other argument; see --help");
    ok = ok && (o.like == NULL || o.cost == NULL
                || usage_error(&error, "--like takes the costs from the archive: no --cost with it"));
    ok = ok && key_init(&o, &error);
    g_free(o.out);
    g_free(o.like);
    g_free(o.pass_file);
    g_free(o.cost);
    return ok ? FB_EXIT_OK : fb_report("key-init", error);
}
