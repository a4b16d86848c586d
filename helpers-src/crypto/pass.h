/* pass.h - what --pass-file yields: a password (first line of a password
 * file, or the terminal, or stdin) or the key of a key file (recognised by
 * its magic). */
#ifndef FB_PASS_H
#define FB_PASS_H

#include <glib.h>

#include "crypt.h"
#include "secret.h"

/* What the password options yielded: a password or a key file's key. */
struct pass {
    struct secret *password;
    struct crypt_key *key;
};

void pass_clear(struct pass *p);
/* Without pass_file: the terminal (asked twice when confirm) or stdin,
 * refused when stdin_is_input. */
gboolean pass_load(const char *pass_file, gboolean confirm, gboolean stdin_is_input,
                   struct pass *p, GError **error);

#endif
