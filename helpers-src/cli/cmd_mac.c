/* cmd_mac.c - `fallback mac sign|check`: a short text authenticated with a
 * key derived from the archive key, the way a night's manifest (the main
 * server's key) and a set-aside bundle (the close password) are vouched for.
 * Format and keys: doc/encryption-format.md, "Authenticated manifests". */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "crypt.h"
#include "fb.h"
#include "mac_text.h"
#include "outfile.h"
#include "pass.h"

#define MAC_BODY_MAX 65536
#define MAC_KDF_CONTEXT "fbmac_v1"

struct mac_opts {
    char *pass_file;
    char *like;
    char *purpose;
};

static gboolean
usage_error(GError **error, const char *message)
{
    g_set_error_literal(error, FB_ERROR, FB_EXIT_USAGE, message);
    return FALSE;
}

/* The subkey id of a purpose: night manifests and set-aside bundles never
 * share a MAC key, so one cannot be passed off as the other. */
static gboolean
purpose_id(const char *purpose, uint64_t *id, GError **error)
{
    if (purpose != NULL && strcmp(purpose, "night") == 0)
        *id = 1;
    else if (purpose != NULL && strcmp(purpose, "set-aside") == 0)
        *id = 2;
    else
        return usage_error(error, "--purpose must be night or set-aside");
    return TRUE;
}

/* The archive key: the key file's, or the password's with the salt and costs
 * of --like ARCHIVE; with --like it is proven by the archive's key-check. */
static struct crypt_key *
archive_key(const struct mac_opts *o, struct pass *p, GError **error)
{
    struct crypt_key *key;
    int fd;

    if (o->like == NULL) {
        if (p->key == NULL) {
            usage_error(error, "a password needs --like ARCHIVE (the salt to derive the key with)");
            return NULL;
        }
        key = p->key;
        p->key = NULL;
        return key;
    }
    fd = open(o->like, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        fb_sys_error(error, "cannot open", o->like);
        return NULL;
    }
    key = crypt_key_for_archive(fd, &(struct crypt_secret){
        .password = p->password != NULL ? p->password->data : NULL,
        .password_len = p->password != NULL ? p->password->len : 0,
        .key = p->key }, error);
    close(fd);
    if (key == NULL)
        g_prefix_error(error, "%s: ", o->like);
    return key;
}

/* The MAC key of the purpose, into sodium_malloc memory. */
static unsigned char *
mac_key(const struct mac_opts *o, gboolean stdin_is_input, GError **error)
{
    struct pass p = { 0 };
    struct crypt_key *key = NULL;
    unsigned char *sub = NULL;
    uint64_t id;

    if (purpose_id(o->purpose, &id, error) && pass_load(o->pass_file, FALSE, stdin_is_input, &p, error)
        && (key = archive_key(o, &p, error)) != NULL) {
        if ((sub = sodium_malloc(MAC_TEXT_KEYBYTES)) == NULL)
            g_set_error_literal(error, FB_ERROR, FB_EXIT_FAIL, "cannot allocate secure memory");
        else
            crypto_kdf_derive_from_key(sub, MAC_TEXT_KEYBYTES, id, MAC_KDF_CONTEXT, key->key);
    }
    crypt_key_free(key);
    pass_clear(&p);
    return sub;
}

/* Up to MAC_BODY_MAX + a mac line from fd; larger is refused. */
static GString *
read_text(int fd, const char *what, GError **error)
{
    GString *s = g_string_sized_new(4096);
    char buf[4096];
    ssize_t n;

    while ((n = read(fd, buf, sizeof buf)) > 0) {
        g_string_append_len(s, buf, n);
        if (s->len > MAC_BODY_MAX + 128) {
            g_set_error(error, FB_ERROR, FB_EXIT_INPUT, "%s is larger than %d bytes", what, MAC_BODY_MAX);
            g_string_free(s, TRUE);
            return NULL;
        }
    }
    if (n < 0) {
        fb_sys_error(error, "cannot read", what);
        g_string_free(s, TRUE);
        return NULL;
    }
    return s;
}

/* sign OUT: the text on stdin, one or more lines, then its mac line. */
static gboolean
mac_sign(const struct mac_opts *o, const char *out_path, GError **error)
{
    struct out_file out = { .fd = -1 };
    g_autoptr(GString) s = NULL;
    unsigned char *key;
    gboolean ok;

    if ((s = read_text(STDIN_FILENO, "the text to sign", error)) == NULL)
        return FALSE;
    if (s->len == 0 || s->str[s->len - 1] != '\n' || memchr(s->str, '\0', s->len) != NULL) {
        g_set_error_literal(error, FB_ERROR, FB_EXIT_INPUT, "the text to sign must be lines of text, "
                            "each ending with a newline");
        return FALSE;
    }
    if ((key = mac_key(o, TRUE, error)) == NULL)
        return FALSE;
    mac_text_append(s, key);
    sodium_free(key);
    ok = out_open(&out, out_path, 0644, error)
         && (write(out.fd, s->str, s->len) == (ssize_t)s->len
             || fb_sys_error(error, "cannot write", out_path))
         && out_commit(&out, error);
    out_abort(&out);
    return ok;
}

/* check FILE: its mac verified, then its text (without the mac line) on
 * stdout. */
static gboolean
mac_check(const struct mac_opts *o, const char *path, GError **error)
{
    g_autoptr(GString) s = NULL;
    unsigned char *key;
    gsize body_len;
    gboolean ok;
    int fd;

    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
        return fb_sys_error(error, "cannot open", path);
    s = read_text(fd, path, error);
    close(fd);
    if (s == NULL || (key = mac_key(o, FALSE, error)) == NULL)
        return FALSE;
    ok = mac_text_check(s->str, s->len, key, path, &body_len, error);
    sodium_free(key);
    if (ok)
        fwrite(s->str, 1, body_len, stdout);
    return ok && fflush(stdout) == 0;
}

int
cmd_mac(int argc, char **argv)
{
    struct mac_opts o = { 0 };
    const GOptionEntry entries[] = {
        { "pass-file", 'p', 0, G_OPTION_ARG_FILENAME, &o.pass_file,
          "key file from key-init, or password file (first line); check reads a password "
          "from the terminal or stdin without it", "FILE" },
        { "like", 0, 0, G_OPTION_ARG_FILENAME, &o.like,
          "an archive encrypted with the same key: its salt and costs derive the key from a "
          "password, its key-check proves it", "ARCHIVE" },
        { "purpose", 0, 0, G_OPTION_ARG_STRING, &o.purpose, "night or set-aside", "PURPOSE" },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("sign OUT | check FILE");
    g_autoptr(GError) error = NULL;
    gboolean ok;

    g_option_context_set_summary(ctx, "sign: the lines on stdin into OUT, followed by "
                                 "\"mac HEX\", a MAC with a key derived from the archive key.\n"
                                 "check: FILE's mac verified, its lines on stdout.");
    g_option_context_set_description(ctx, "Exit status: 0 ok, 2 usage, 4 wrong password or key "
                                     "(with --like), 6 FILE altered or made with another key, "
                                     "12 bad input.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!cli_parse(ctx, &argc, &argv, "mac"))
        return FB_EXIT_USAGE;
    if (argc == 3 && strcmp(argv[1], "sign") == 0)
        ok = mac_sign(&o, argv[2], &error);
    else if (argc == 3 && strcmp(argv[1], "check") == 0)
        ok = mac_check(&o, argv[2], &error);
    else
        ok = usage_error(&error, "expected sign OUT or check FILE; see --help");
    g_free(o.pass_file);
    g_free(o.like);
    g_free(o.purpose);
    return ok ? FB_EXIT_OK : fb_report("mac", error);
}
