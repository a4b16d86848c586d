/* mac_text.h - text records that end with "mac HEX\n", HEX the keyed
 * BLAKE2b-256 (Kmac) of every byte before that line: the part records and
 * night manifests of doc/repository-format.md. */
#ifndef FB_MAC_TEXT_H
#define FB_MAC_TEXT_H

#include <glib.h>

#define MAC_TEXT_KEYBYTES 32

/* Append the mac line for what s holds so far. */
void mac_text_append(GString *s, const unsigned char key[MAC_TEXT_KEYBYTES]);

/* text is NUL-terminated at len. Checks the form (text, ending with a mac
 * line of 64 hex characters) and, when key is not NULL, the MAC in constant
 * time. *body_len is the length before the mac line. FB_EXIT_CORRUPT,
 * messages starting with what. */
gboolean mac_text_check(const char *text, gsize len, const unsigned char *key, const char *what,
                        gsize *body_len, GError **error);

#endif
