/* backup_csv.c - read the rows of a backup.csv, see backup_csv.h. */
#include <string.h>

#include "backup_csv.h"
#include "fb.h"
#include "fdio.h"

struct csv {
    const char *p, *end;
    const char *name;
    guint line;
};

static gboolean
csv_error(struct csv *c, GError **error, const char *what)
{
    g_set_error(error, FB_ERROR, FB_EXIT_INPUT, "%s: line %u: %s", c->name, c->line, what);
    return FALSE;
}

/* One field at c->p, quoted or not; stops before the separator or line end. */
static gboolean
csv_field(struct csv *c, GString *out, GError **error)
{
    g_string_truncate(out, 0);
    if (c->p < c->end && *c->p == '"') {
        for (c->p++;; c->p++) {
            if (c->p >= c->end)
                return csv_error(c, error, "unterminated quoted field");
            if (*c->p == '"' && c->p + 1 < c->end && c->p[1] == '"')
                c->p++;
            else if (*c->p == '"')
                break;
            else if (*c->p == '\n')
                c->line++;
            g_string_append_c(out, *c->p);
        }
        c->p++;
        if (c->p < c->end && *c->p != ',' && *c->p != '\r' && *c->p != '\n')
            return csv_error(c, error, "text after a closing quote");
        return TRUE;
    }
    while (c->p < c->end && *c->p != ',' && *c->p != '\r' && *c->p != '\n') {
        if (*c->p == '"')
            return csv_error(c, error, "quote inside an unquoted field");
        g_string_append_c(out, *c->p++);
    }
    return TRUE;
}

/* One record: exactly two non-empty fields, then a line end or the end. */
static gboolean
csv_row(struct csv *c, GPtrArray *rows, GError **error)
{
    g_autoptr(GString) f = g_string_new(NULL);

    for (int i = 0; i < 2; i++) {
        if (i == 1 && (c->p >= c->end || *c->p++ != ','))
            return csv_error(c, error, "expected two fields, \"source\",\"dest\"");
        if (!csv_field(c, f, error))
            return FALSE;
        if (f->len == 0 || memchr(f->str, '\0', f->len) != NULL)
            return csv_error(c, error, "empty field or NUL byte");
        g_ptr_array_add(rows, g_strndup(f->str, f->len));
    }
    if (c->p < c->end && *c->p == '\r')
        c->p++;
    if (c->p < c->end && *c->p != '\n')
        return csv_error(c, error, "expected two fields, \"source\",\"dest\"");
    if (c->p < c->end)
        c->p++;
    c->line++;
    return TRUE;
}

gboolean
backup_csv_parse(const char *text, gsize len, const char *name, GPtrArray **rows,
                 GError **error)
{
    struct csv c = { text, text + len, name, 1 };
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

    while (c.p < c.end) {
        if (!csv_row(&c, out, error)) {
            g_ptr_array_unref(out);
            return FALSE;
        }
    }
    *rows = out;
    return TRUE;
}

gboolean
backup_csv_read(const char *path, GPtrArray **rows, GError **error)
{
    g_autofree char *text = NULL;
    gsize len;

    if (!file_read_max(path, BACKUP_CSV_MAX, &text, &len, error))
        return FALSE;
    return backup_csv_parse(text, len, path, rows, error);
}
