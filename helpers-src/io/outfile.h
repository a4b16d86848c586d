/* outfile.h - an output file written under a temporary name (".NAME.XXXXXX",
 * O_EXCL, beside its final path) and renamed onto it only once complete:
 * the final path shows the old file or the whole new one, never a part. */
#ifndef FB_OUTFILE_H
#define FB_OUTFILE_H

#include <sys/types.h>

#include <glib.h>

/* An output file written under a temporary name beside its final path. */
struct out_file {
    char *path;
    char *tmp;
    int fd;
};

/* Create the temporary file with mode. */
gboolean out_open(struct out_file *o, const char *path, mode_t mode, GError **error);
/* Remove the temporary file: the final path stays as it was. */
void out_abort(struct out_file *o);
/* fsync, close and rename onto the final path; aborts on any failure. */
gboolean out_commit(struct out_file *o, GError **error);

#endif
