/* cli.c - the subcommand table and option parsing shared by subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pass.h"
#include "repo.h"

const struct fb_command fb_commands[] = {
    { "encrypt", cmd_encrypt, "encrypt a file with the archive password" },
    { "decrypt", cmd_decrypt, "decrypt a file made by encrypt" },
    { "key-init", cmd_key_init, "derive and store the archive key from a password" },
    { "checksum", cmd_checksum, "content digest of a backup tree or tar" },
    { "tar", cmd_tar, "the tar of a collected backup (backup.csv) on stdout" },
    { "backup-sources", cmd_backup_sources, "the source paths of a backup.csv" },
    { "apps", cmd_apps, "app ids from `yunohost app list` JSON on stdin" },
    { "backup-result", cmd_backup_result, "part results from `yunohost backup create` JSON on stdin" },
    { "backup-list", cmd_backup_list, "archive names from `yunohost backup list` JSON on stdin" },
    { "backup-info", cmd_backup_info, "path, date and size from `yunohost backup info` JSON on stdin" },
    { "config-check", cmd_config_check, "validate config.conf and app_list" },
    { "selected-apps", cmd_selected_apps, "app ids selected in app_list" },
    { "app-list", cmd_app_list, "read or change one app's line of app_list" },
    { "valid", cmd_valid, "whether a value obeys a rule: app id, host, port, mail, ..." },
    { "stage", cmd_stage, "take uploads out of the SFTP account's reach (fallback)" },
    { "push", cmd_push, "upload files to the fallback server over SFTP" },
    { "pull", cmd_pull, "download files from the fallback server over SFTP" },
    { "ls", cmd_ls, "list a folder on the fallback server" },
    { "trust-host", cmd_trust_host, "record the fallback server's host key" },
    { "manifest", cmd_manifest, "read or write a night manifest" },
    { "mac", cmd_mac, "sign or check a text with a key derived from the archive key" },
    { "repo", cmd_repo, "write, rebuild or verify a part in a repository (format v2)" },
    { "night", cmd_night, "write, check or read a night manifest (format v2)" },
    { NULL, NULL, NULL },
};

gboolean
cli_parse(GOptionContext *ctx, int *argc, char ***argv, const char *cmd)
{
    g_autoptr(GError) error = NULL;

    if (!g_option_context_parse(ctx, argc, argv, &error)) {
        fprintf(stderr, "fallback: %s: %s\n", cmd, error->message);
        return FALSE;
    }
    return TRUE;
}

gboolean
cli_wanted(const char *kind, const char *only)
{
    return only == NULL || strcmp(kind, only) == 0;
}

struct repo *
cli_open_repo(const char *dir, const char *pass_file, gboolean create, gboolean stdin_is_input,
              GError **error)
{
    struct pass p = { 0 };
    struct repo *r = NULL;

    if (pass_load(pass_file, create, stdin_is_input, &p, error))
        r = repo_open(dir, &(struct crypt_secret){
            .password = p.password != NULL ? p.password->data : NULL,
            .password_len = p.password != NULL ? p.password->len : 0,
            .key = p.key }, create, error);
    pass_clear(&p);
    return r;
}
