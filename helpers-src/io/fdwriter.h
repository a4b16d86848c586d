/* fdwriter.h - write blocks to a file descriptor from a second thread, so
 * that producing the next block overlaps writing the previous one.
 *
 * Two buffers of a fixed capacity: the caller fills one while the thread
 * writes the other, in order. Write errors are FB_ERROR, FB_EXIT_NOSPACE
 * for ENOSPC/EDQUOT and FB_EXIT_FAIL otherwise, "write: <strerror>".
 * Both buffers are wiped before they are freed. */
#ifndef FB_FDWRITER_H
#define FB_FDWRITER_H

#include <stddef.h>

#include <glib.h>

struct fdwriter;

/* Start the thread writing to fd (never closed nor synced here). */
struct fdwriter *fdwriter_new(int fd, size_t capacity);

/* The buffer to fill next, capacity bytes. */
unsigned char *fdwriter_buffer(struct fdwriter *w);

/* Queue the first len bytes of that buffer and wait until the other one is
 * free. FALSE, with the write error, once a write has failed. */
gboolean fdwriter_submit(struct fdwriter *w, size_t len, GError **error);

/* Write what is queued, stop the thread, wipe and free everything. FALSE,
 * with the first write error (dropped if error is NULL), if a write failed. */
gboolean fdwriter_close(struct fdwriter *w, GError **error);

#endif
