/* stage.h - take an upload out of the SFTP account's reach through file
 * descriptors: no path-based check-then-act on names the account controls. */
#ifndef FB_STAGE_H
#define FB_STAGE_H

#include <sys/types.h>

#include <glib.h>

/* Move the entry name of the folder src_fd into the folder dst_fd (same
 * name, never replacing), then make it root-owned, mode 0400. The entry is
 * opened with O_NOFOLLOW|O_NONBLOCK and must be a regular file with one
 * link owned by uid, both before and after the move; the rename must have
 * moved that very inode (device and inode compared). Across file systems
 * the bytes are copied from the descriptor into a new file instead.
 * Refusals (a link, a FIFO, a folder, a hard link, another owner, a swap
 * during the move) set error with FB_EXIT_INPUT and leave the entry where
 * it is, or remove from dst_fd whatever was moved by mistake. */
gboolean fb_stage_entry(int src_fd, int dst_fd, const char *name, uid_t uid, GError **error);

/* Open a folder given by root as a descriptor (O_DIRECTORY|O_NOFOLLOW). */
int fb_stage_open_dir(const char *path, GError **error);

#endif
