/* sftp_ls.c - list a remote folder: "TYPE SIZE NAME" lines sorted by name. */
#include <inttypes.h>
#include <string.h>

#include "fb.h"
#include "sftp_err.h"
#include "transfer.h"
#include "watchdog.h"

struct entry {
    char *name;
    char type;
    uint64_t size;
};

static void
entry_free(gpointer p)
{
    struct entry *e = p;

    g_free(e->name);
    g_free(e);
}

static gint
entry_cmp(gconstpointer a, gconstpointer b)
{
    const struct entry *x = *(struct entry *const *)a, *y = *(struct entry *const *)b;

    return strcmp(x->name, y->name);
}

static gboolean
read_entries(struct fb_remote *r, sftp_dir dir, const char *path, GPtrArray *out,
             GError **error)
{
    sftp_attributes a;

    while ((a = sftp_readdir(r->sftp, dir)) != NULL) {
        fb_watchdog_tick(r->watchdog);
        if (strcmp(a->name, ".") != 0 && strcmp(a->name, "..") != 0) {
            struct entry *e = g_new(struct entry, 1);
            e->name = g_strdup(a->name);
            e->type = fb_ls_type(a->type);
            e->size = a->size;
            g_ptr_array_add(out, e);
        }
        sftp_attributes_free(a);
    }
    return sftp_dir_eof(dir) || fb_sftp_fail(r, error, path);
}

gboolean
fb_ls(struct fb_remote *r, const char *remote_dir, GString *out, GError **error)
{
    g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func(entry_free);
    sftp_dir dir = sftp_opendir(r->sftp, remote_dir);
    gboolean ok;

    fb_watchdog_tick(r->watchdog);
    if (dir == NULL) {
        if (fb_sftp_status(r) == SSH_FX_NO_SUCH_FILE) {
            g_set_error(error, FB_ERROR, FB_EXIT_FAIL, "%s: no such folder on %s",
                        remote_dir, r->label);
            return FALSE;
        }
        return fb_sftp_fail(r, error, remote_dir);
    }
    ok = read_entries(r, dir, remote_dir, entries, error);
    sftp_closedir(dir);
    if (!ok)
        return FALSE;
    g_ptr_array_sort(entries, entry_cmp);
    for (guint i = 0; i < entries->len; i++) {
        const struct entry *e = entries->pdata[i];
        g_string_append_printf(out, "%c %" PRIu64 " %s\n", e->type, e->size, e->name);
    }
    return TRUE;
}
