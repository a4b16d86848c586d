/* hostkey.h - the server's host key against the app's own pin file. */
#ifndef FB_HOSTKEY_H
#define FB_HOSTKEY_H

#include <glib.h>
#include <libssh/libssh.h>

/* "SHA256:..." of a key, as `ssh-keygen -lf` prints it; NULL on error. */
char *fb_key_fingerprint(ssh_key key);

/* Fingerprint of the key the connected server presents. */
char *fb_hostkey_fingerprint(ssh_session s, GError **error);

/* Only a pinned, matching key proceeds; unknown, changed or other-type
 * keys are refused with exit status 3 and the presented fingerprint. */
gboolean fb_hostkey_verify(ssh_session s, const char *label, GError **error);

/* Fingerprints of the keys pinned for host_token ("host" or "[host]:port")
 * in known_hosts text; unparsable lines are skipped. */
GPtrArray *fb_known_hosts_fingerprints(const char *contents, const char *host_token);

/* trust-host: *fingerprint gets the presented key's fingerprint. When
 * expect is set it must match. An unknown key is pinned (the entry added to
 * path, written atomically, 0600); an already pinned one is left alone; a
 * different pinned key is refused (exit 3). */
gboolean fb_hostkey_trust(ssh_session s, const char *label, const char *path,
                          const char *expect, char **fingerprint, GError **error);

#endif
