/* pull_cap.h - what a download from the fallback may cost, checked before
 * a byte is read: a size cap, and the room left in the local folder. */
#ifndef FB_PULL_CAP_H
#define FB_PULL_CAP_H

#include <stdint.h>

#include <glib.h>

#include "ssh.h"

/* For each remote path, its size (sftp_stat) must be at most cap (0: no
 * cap; error FB_EXIT_INPUT) and fit in the free space of local_dir, less
 * what a partial download of it there already holds (FB_EXIT_NOSPACE). With a cap, the process may then write no file larger
 * than cap (RLIMIT_FSIZE, SIGXFSZ ignored: a file that grows after the
 * check fails its write with EFBIG instead of filling the disk). */
gboolean fb_pull_cap(struct fb_remote *r, const char *local_dir, char **remote_paths,
                     uint64_t cap, GError **error);

#endif
