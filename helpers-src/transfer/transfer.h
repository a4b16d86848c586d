/* transfer.h - SFTP push/pull/ls: the operations and their pure planning logic. */
#ifndef FB_TRANSFER_H
#define FB_TRANSFER_H

#include <stdint.h>

#include <glib.h>

#include "ssh.h"

/* OpenSSH caps one SFTP message at 256 KiB: 261,120 bytes of payload
 * (limits@openssh.com). libssh 0.10 neither caps writes (larger kills the
 * session) nor pipelined reads (larger silently loses data); 0.11 caps both
 * at the server's limits, and the loops take what it answers. */
#define FB_SFTP_MAX_IO    261120u
#define FB_WRITE_CHUNK    (255u * 1024u)   /* = FB_SFTP_MAX_IO */
#define FB_READ_REQUEST   (64u * 1024u)
#define FB_READ_INFLIGHT  16u

/* Where to restart the upload of a local file of local_size bytes whose
 * remote ".part" already holds part_size bytes: one write back from the end
 * of what is there. *truncate is set when the part cannot be a prefix of the
 * local file (it is longer) and must be started over. */
uint64_t fb_resume_offset(uint64_t part_size, uint64_t local_size, uint64_t chunk,
                          gboolean *truncate);

/* Length of the next read request at offset in a file of size bytes. */
uint32_t fb_read_length(uint64_t offset, uint64_t size);

/* TRUE when name can be a file name in a target folder: not empty, not
 * "." or "..", no '/', no control characters. */
gboolean fb_name_ok(const char *name);

/* dir + "/" + name, without doubling a trailing '/'. */
char *fb_path_join(const char *dir, const char *name);

/* Name of the temporary file an upload or download goes through. */
char *fb_part_name(const char *path);

/* One-letter type for `ls`: f regular, d directory, l symlink, o other. */
char fb_ls_type(unsigned int sftp_type);

/* Exit status (fb.h) for an SFTP status code (SSH_FX_*). */
int fb_sftp_status_exit(int status);

/* The operations. Each returns FALSE with error set (code = exit status). */
gboolean fb_push(struct fb_remote *r, const char *remote_dir, char **files,
                 const char *manifest, GError **error);
gboolean fb_pull(struct fb_remote *r, const char *local_dir, char **remote_paths,
                 GError **error);
gboolean fb_ls(struct fb_remote *r, const char *remote_dir, GString *out, GError **error);
/* Upload what fd yields until its end as remote_dir/name (through
 * name.part, no resume; an existing name is refused); *size and digest
 * (BLAKE2b-256) describe the bytes stored. */
gboolean fb_push_stream(struct fb_remote *r, const char *remote_dir, const char *name, int fd,
                        uint64_t *size, unsigned char digest[32], GError **error);

#endif
