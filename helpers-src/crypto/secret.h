/* secret.h - reading a password or key material into wiped, locked memory.
 *
 * Secrets never come from argv or the environment: from a file (the first
 * line, or the whole of a key file), from the terminal with echo off, or from
 * standard input when it is not a terminal. The bytes live in sodium_malloc
 * memory and are zeroed when freed. Errors are FB_ERROR. */
#ifndef FB_SECRET_H
#define FB_SECRET_H

#include <stddef.h>

#include <glib.h>

#define SECRET_MAX 4096   /* longest password or secret file accepted, bytes */

struct secret {
    unsigned char *data;  /* sodium_malloc, SECRET_MAX + 1 bytes */
    size_t len;
};

struct secret *secret_new(void);
void secret_free(struct secret *s);

/* The whole content of path (at most SECRET_MAX bytes). */
struct secret *secret_from_file(const char *path, GError **error);

/* One line read from fd, without its newline (at most SECRET_MAX bytes).
 * Reads byte by byte so nothing after the line is consumed. */
struct secret *secret_line_from_fd(int fd, GError **error);

/* Prompt on stderr and read a line from the terminal fd with echo off; when
 * confirm, ask twice and require the same answer. */
struct secret *secret_from_terminal(int fd, const char *prompt, gboolean confirm,
                                    GError **error);

/* Keep only the first line (the bytes before the first newline). */
void secret_first_line(struct secret *s);

/* Make s a password: its first line, not empty, at most SECRET_MAX bytes. */
gboolean secret_to_password(struct secret *s, GError **error);

/* The password rules: the pass file's first line if path is not NULL, else
 * the terminal when stdin is one (asked twice when confirm), else a line of
 * stdin. */
struct secret *secret_read_password(const char *path, gboolean confirm, GError **error);

#endif
