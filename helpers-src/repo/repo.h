/* repo.h - a repository folder (doc/repository-format.md): config, packs/,
 * parts/. Writing a part stores the chunks the folder does not hold yet in
 * new packs and writes its part record; rebuilding replays a part's index
 * into a tar. Both need the key; repo_verify (repo_verify.c) does not. */
#ifndef FB_REPO_H
#define FB_REPO_H

#include <glib.h>

#include "crypt.h"
#include "pack.h"

struct repo;

/* What a write did, for the caller's summary. */
struct repo_stats {
    guint64 tar_size;
    guint chunks, new_chunks, new_packs;
    guint64 new_bytes;        /* bytes of new packs */
    /* with a files cache: regular files read, and not read (cache hits) */
    guint files_read, files_cached;
    guint64 bytes_read, bytes_cached;
};

/* Open dir with secret (a password or a key file's key). With create, a
 * missing dir or config is made (a password then gets a fresh salt and the
 * moderate costs). FB_EXIT_PASSWORD for a wrong password or key. */
struct repo *repo_open(const char *dir, const struct crypt_secret *secret, gboolean create,
                       GError **error);
void repo_free(struct repo *r);

/* The next repo_write_part uses the files cache at path (files_cache.h)
 * and saves the new one at its end. A cached file is not read when each of
 * its chunk ids is in a pack of the folder and, when known is not NULL, in
 * known too (the ids the destination confirms it holds, sorted as
 * repo_known_ids makes them). Takes known. */
gboolean repo_use_files_cache(struct repo *r, const char *path, GArray *known,
                              GError **error);
/* One line on stderr: "files cache: N files read (B bytes), M not read (C bytes)". */
void repo_report_files_cache(const struct repo_stats *st);

gboolean repo_write_part(struct repo *r, const char *part, const char *night,
                         const char *work_dir, struct repo_stats *stats, GError **error);

/* night not NULL: the part record must be of that night (FB_EXIT_CORRUPT
 * otherwise: an older record put back in its place). */
gboolean repo_rebuild_part(struct repo *r, const char *part, const char *night, int out,
                           guint64 *tar_size, GError **error);

/* Without the key: every pack under dir/packs (size, BLAKE2b, table) and,
 * for each part named (all when parts is empty), that its packs are there
 * with their sizes. Prints one line per problem on stderr; *packs_ok and
 * *parts_ok count what passed. FALSE (FB_EXIT_CORRUPT) if anything failed. */
gboolean repo_verify(const char *dir, char **parts, guint *packs_ok, guint *parts_ok,
                     GError **error);

struct part_record;

/* Without the key, a part record's text (NUL-terminated at len) as the
 * fallback can check it: its form, each of its packs under packs_dir/XX/
 * present with the size it lists (tables read; the packs' hashes are the
 * storer's business), its index chunks in them. *record is the record. */
gboolean repo_check_record(const char *packs_dir, const char *text, gsize len,
                           struct part_record **record, GError **error);

/* Called once each new pack is complete at path (its info p stays the
 * repository's): e.g. to upload it and remove the local file. A failure
 * fails the write. */
struct repo_pack_hook {
    gboolean (*closed)(void *ctx, const char *path, const struct pack_info *p, GError **error);
    void *ctx;
};
void repo_set_pack_hook(struct repo *r, const struct repo_pack_hook *hook);

/* A write past this g_get_monotonic_time() stops with FB_EXIT_STALLED,
 * after closing (and handing to the hook) the pack being filled. 0: none. */
void repo_set_deadline(struct repo *r, gint64 monotonic_us);

/* A pack held elsewhere (e.g. on the fallback server): its blobs are not
 * stored again, and a part using them lists it. Takes p (its entries need
 * ids only). */
void repo_add_known(struct repo *r, struct pack_info *p);

/* Kmac: part records and night manifests. */
const unsigned char *repo_mac_key(const struct repo *r);

#endif
