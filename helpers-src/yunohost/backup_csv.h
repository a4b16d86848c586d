/* backup_csv.h - the "source","dest" rows of a YunoHost backup.csv.
 *
 * YunoHost writes the file with Python's csv module, csv.QUOTE_ALL, no
 * header, "\r\n" line ends; a '"' inside a field is doubled. Unquoted
 * fields and "\n" line ends are accepted too. Every row must have exactly
 * two fields, neither empty (FB_EXIT_INPUT otherwise, naming the line).
 */
#ifndef FB_BACKUP_CSV_H
#define FB_BACKUP_CSV_H

#include <glib.h>

#define BACKUP_CSV_MAX (64u * 1024u * 1024u)   /* bytes read at most (FB_EXIT_INPUT past it) */

/* On success *rows holds 2 * n strings: source, dest, source, dest, ... */
gboolean backup_csv_read(const char *path, GPtrArray **rows, GError **error);
gboolean backup_csv_parse(const char *text, gsize len, const char *name, GPtrArray **rows,
                          GError **error);

#endif
