/* cli.h - subcommand entry points. Each returns an exit status (fb.h). */
#ifndef FB_CLI_H
#define FB_CLI_H

#include <glib.h>

struct fb_command {
    const char *name;
    int (*run)(int argc, char **argv);   /* argv[0] is the subcommand name */
    const char *summary;
};

/* cmd_crypt.c */
int cmd_encrypt(int argc, char **argv);
int cmd_decrypt(int argc, char **argv);
int cmd_key_init(int argc, char **argv);
/* cmd_checksum.c */
int cmd_checksum(int argc, char **argv);
/* cmd_tar.c */
int cmd_tar(int argc, char **argv);
int cmd_backup_sources(int argc, char **argv);
/* cmd_json.c */
int cmd_apps(int argc, char **argv);
int cmd_backup_result(int argc, char **argv);
int cmd_backup_list(int argc, char **argv);
int cmd_backup_info(int argc, char **argv);
/* cmd_config.c */
int cmd_config_check(int argc, char **argv);
int cmd_selected_apps(int argc, char **argv);
int cmd_app_list(int argc, char **argv);
/* cmd_stage.c */
int cmd_stage(int argc, char **argv);
/* cmd_transfer.c */
int cmd_push(int argc, char **argv);
int cmd_pull(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_trust_host(int argc, char **argv);
/* cmd_manifest.c */
int cmd_manifest(int argc, char **argv);
/* cmd_mac.c */
int cmd_mac(int argc, char **argv);
/* cmd_valid.c */
int cmd_valid(int argc, char **argv);
/* cmd_repo.c */
int cmd_repo(int argc, char **argv);
/* cmd_repo_send.c */
int cmd_repo_send(int argc, char **argv);
int cmd_repo_init(int argc, char **argv);
/* cmd_repo_store.c */
int cmd_repo_known(int argc, char **argv);
int cmd_repo_check_pack(int argc, char **argv);
int cmd_repo_check_record(int argc, char **argv);
/* cmd_night.c */
int cmd_night(int argc, char **argv);

/* The table main() dispatches on; NULL-terminated. */
extern const struct fb_command fb_commands[];

/* Parse argv with ctx; on error print "fallback: CMD: msg" and return FALSE. */
gboolean cli_parse(GOptionContext *ctx, int *argc, char ***argv, const char *cmd);

/* Whether a line of kind is printed under --only only (NULL: every kind). */
gboolean cli_wanted(const char *kind, const char *only);

/* The repository DIR opened with the password or key file pass_file (the
 * terminal or stdin without one, pass_load's rules; asked twice when
 * create), made with its config when create and missing. The secret is
 * wiped before it returns. */
struct repo;
struct repo *cli_open_repo(const char *dir, const char *pass_file, gboolean create,
                           gboolean stdin_is_input, GError **error);

#endif
