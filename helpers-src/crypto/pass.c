/* pass.c - the --pass-file option of the subcommands, see pass.h. */
#include <unistd.h>

#include "fb.h"
#include "keyfile.h"
#include "pass.h"

void
pass_clear(struct pass *p)
{
    g_clear_pointer(&p->password, secret_free);
    g_clear_pointer(&p->key, crypt_key_free);
}

/* --pass-file: a key file (by its magic) or a password file (first line);
 * without it the terminal or stdin, which must then not carry the input. */
gboolean
pass_load(const char *pass_file, gboolean confirm, gboolean stdin_is_input,
          struct pass *p, GError **error)
{
    struct secret *s;

    if (pass_file == NULL) {
        if (stdin_is_input && !isatty(STDIN_FILENO)) {
            g_set_error_literal(error, FB_ERROR, FB_EXIT_USAGE,
                                "IN is standard input: give the password with --pass-file");
            return FALSE;
        }
        p->password = secret_read_password(NULL, confirm, error);
        return p->password != NULL;
    }
    if ((s = secret_from_file(pass_file, error)) == NULL)
        return FALSE;
    if (keyfile_is(s->data, s->len)) {
        p->key = keyfile_parse(s->data, s->len, error);
        secret_free(s);
        return p->key != NULL;
    }
    if (!secret_to_password(s, error)) {
        secret_free(s);
        return FALSE;
    }
    p->password = s;
    return TRUE;
}
