/* transfer.c - pure planning logic shared by push, pull and ls. */
#include <errno.h>
#include <string.h>

#include <libssh/sftp.h>

#include "fb.h"
#include "transfer.h"

/* Status codes of later SFTP drafts (v5+), absent from libssh 0.10's header. */
#define FX_NO_SPACE_ON_FILESYSTEM 14
#define FX_QUOTA_EXCEEDED 15

uint64_t
fb_resume_offset(uint64_t part_size, uint64_t local_size, uint64_t chunk, gboolean *truncate)
{
    *truncate = part_size > local_size || part_size <= chunk;
    if (*truncate)
        return 0;
    return part_size - chunk;
}

uint32_t
fb_read_length(uint64_t offset, uint64_t size)
{
    if (offset >= size)
        return 0;
    return (uint32_t)MIN((uint64_t)FB_READ_REQUEST, size - offset);
}

gboolean
fb_name_ok(const char *name)
{
    if (name == NULL || name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return FALSE;
    for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++)
        if (*p == '/' || *p < 0x20 || *p == 0x7f)
            return FALSE;
    return TRUE;
}

char *
fb_path_join(const char *dir, const char *name)
{
    if (dir[0] != '\0' && g_str_has_suffix(dir, "/"))
        return g_strconcat(dir, name, NULL);
    return g_strconcat(dir, "/", name, NULL);
}

char *
fb_part_name(const char *path)
{
    return g_strconcat(path, ".part", NULL);
}

char
fb_ls_type(unsigned int sftp_type)
{
    switch (sftp_type) {
    case SSH_FILEXFER_TYPE_REGULAR:
        return 'f';
    case SSH_FILEXFER_TYPE_DIRECTORY:
        return 'd';
    case SSH_FILEXFER_TYPE_SYMLINK:
        return 'l';
    default:
        return 'o';
    }
}

int
fb_sftp_status_exit(int status)
{
    switch (status) {
    case SSH_FX_PERMISSION_DENIED:
    case SSH_FX_WRITE_PROTECT:
        return FB_EXIT_DENIED;
    case FX_NO_SPACE_ON_FILESYSTEM:
    case FX_QUOTA_EXCEEDED:
        return FB_EXIT_NOSPACE;
    default:
        return FB_EXIT_FAIL;
    }
}

