/* hex.h - lowercase hexadecimal, as every text format of the helper writes
 * ids, hashes and names (doc/repository-format.md): exactly so many
 * characters of [0-9a-f], nothing else. */
#ifndef FB_HEX_H
#define FB_HEX_H

#include <glib.h>

/* TRUE when s (len bytes, no NUL needed) is exactly want lowercase hex characters. */
gboolean hex_lower(const char *s, gsize len, gsize want);

/* The NUL-terminated s as exactly n bytes of lowercase hex into out. */
gboolean hex_decode(const char *s, unsigned char *out, gsize n);

#endif
