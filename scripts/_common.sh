#!/bin/bash
# Shared by the lifecycle scripts (install, upgrade, backup, restore,
# remove) and by the hooks that keep app_list in step.
# Defining things only: sourcing this file changes nothing on the system.
# shellcheck disable=SC2034 # the variables are used by the sourcing scripts

#=================================================
# COMMON VARIABLES
#=================================================

# The Debian packages (build and run) are manifest.toml's [resources.apt].

# Where everything lives, and what each role keeps: the one table,
# runtime/paths.sh (doc/layout.md). It takes overrides from the environment
# for the runtime commands' tests; the lifecycle scripts and the hooks take
# none (a hook runs with another app's environment).
unset "${!FB_@}"
# shellcheck source=runtime/paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/runtime/paths.sh"
# the scripts' short names for the table's paths
fb_code_dir=$FB_CODE_DIR fb_bin_dir=$FB_BIN_DIR fb_bin=$FB_HELPER_BIN
fb_data_dir=$FB_DATA_DIR fb_log_dir=$FB_LOG_DIR fb_pass_key=$FB_PASS_KEY
fb_config=$FB_CONFIG fb_app_list=$FB_APP_LIST fb_ssh_key=$FB_SSH_KEY
fb_known_hosts=$FB_KNOWN_HOSTS fb_main_storage=$FB_MAIN_STORAGE fb_cron_main=$FB_CRON_MAIN
fb_user=$FB_USER fb_chroot=$FB_CHROOT fb_auto_check=$FB_WATCH_CONF
fb_cron_seal=$FB_CRON_SEAL fb_cron_watch=$FB_WATCH_CRON

# Marker of the lines the 0.x bash package appended to /etc/ssh/sshd_config.
fb_legacy_sshd_marker="# Automatically added by fallback"

#=================================================
# APP_LIST
#=================================================
# Entries are "[]: id" (not sent), "[.]: id" (sent) or "[-]: id" (never
# sent: the package itself). Lines starting with '#' are kept at the top in
# their order; entries are kept sorted by id (C collation), one per id.

# fallback_app_list_rewrite FILE [add|remove ID]: normalize FILE in place,
# optionally adding ID as "[]" (an existing line keeps its mark) or removing
# its line: `fallback app-list`, the owner of the syntax, writes it (sorted,
# header and comments first, mode kept). A FILE it refuses (what the nightly
# job would refuse) is left as it is, with its FILE:LINE message, status 1.
fallback_app_list_rewrite() {
    "$fb_bin" app-list "${2:-normalize}" "$1" ${3:+"$3"} > /dev/null || return 1
}

# fallback_app_list_hook add|remove: the app_list hooks' work for the app
# YunoHost names in YNH_APP_INSTANCE_NAME, when this server has an app_list.
# YunoHost runs the hooks with the installed app's environment, its install
# passwords included: none of it reaches a child. A refusal is said on
# stderr and changes nothing; the app's install or removal goes on.
fallback_app_list_hook() {
    local op=$1 id=${YNH_APP_INSTANCE_NAME:-}
    [ -f "$fb_app_list" ] || return 0
    fallback_clean_env YNH_APP_INSTANCE_NAME
    if ! fallback_app_id_valid "$id"; then
        echo "fallback: app_list: not an app id: '$id'" >&2
        return 0
    fi
    # a file the nightly job would refuse is left for the admin to mend
    fallback_app_list_rewrite "$fb_app_list" "$op" "$id" ||
        echo "fallback: app_list: $fb_app_list left unchanged: '$id' could not be ${op%e}ed" >&2
    return 0
}

# fallback_app_list_create FILE: a new app_list from app ids on stdin (one a
# line), every app unselected, the package itself [-]; the header is the
# helper's (fallback app-list normalize).
fallback_app_list_create() {
    local file=$1 tmp
    tmp=$(mktemp "$file.XXXXXX") || return 1
    {
        sed -e '/^[[:space:]]*$/d' -e '/^fallback$/d' -e 's/^/[]: /'
        printf '%s\n' "[-]: fallback"
    } > "$tmp" || { rm -f "$tmp"; return 1; }
    chmod 0644 "$tmp"
    mv -f "$tmp" "$file"
    fallback_app_list_rewrite "$file"
}

#=================================================
# INPUT RULES
#=================================================
# The helper owns every rule for a value an admin types (`fallback valid
# --help`); the hooks, the install, the panel and the nightly job all ask
# it, so they accept and refuse the same values. It must be installed:
# the install checks these values once it is built.

# fallback_valid KIND VALUE (or config KEY VALUE): VALUE obeys rule KIND.
fallback_valid() {
    "$fb_bin" valid "$@" > /dev/null 2>&1
}

# fallback_app_id_valid ID: a YunoHost app id (YunoHost's instance name rule,
# multi-instance ones such as nextcloud__2 included).
fallback_app_id_valid() { fallback_valid app-id "$1"; }

# fallback_check_host VALUE: a host name (labels of 1..63 letters, digits,
# '-' or '_', never "a..b") or an IP address.
fallback_check_host() { fallback_valid host "$1"; }

#=================================================
# ARGUMENT CHECKS (pure: no change to the system)
#=================================================

# fallback_check_port VALUE: an integer 1..65535 without sign or leading zero.
fallback_check_port() { fallback_valid port "$1"; }

# fallback_check_pub_key KEY: exactly one OpenSSH public key line, key type
# first (no options: the package writes its own), accepted by ssh-keygen.
fallback_check_pub_key() {
    local key=$1 tmp rc
    case $key in
        *$'\n'* | *$'\r'*) return 1 ;;
    esac
    [[ $key =~ ^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)\ [A-Za-z0-9+/]+=*(\ .*)?$ ]] || return 1
    tmp=$(mktemp) || return 1
    printf '%s\n' "$key" > "$tmp"
    ssh-keygen -l -f "$tmp" > /dev/null 2>&1
    rc=$?
    rm -f "$tmp"
    return "$rc"
}

# fallback_trim TEXT: TEXT without leading and trailing blanks.
fallback_trim() {
    local s=$1
    s=${s#"${s%%[![:space:]]*}"}
    s=${s%"${s##*[![:space:]]}"}
    printf '%s' "$s"
}

# fallback_mail_ok ADDRESS: ADDRESS is where the watch may mail incidents:
# a local user or user@domain, never anything mail(1) or sendmail would read
# as an option (a leading '-'). The install and the panel both ask this.
fallback_mail_ok() { fallback_valid mail "$1"; }

# fallback_watch_pace DELAY: "<minutes> <cron minute field> <cron hour field>"
# for a delay_before_incident choice; the check runs several times per delay.
fallback_watch_pace() {
    case $1 in
        5min) echo "5 * *" ;;
        1h) echo "60 */10 *" ;;
        4h) echo "240 */30 *" ;;
        8h) echo "480 0 *" ;;
        12h) echo "720 0 *" ;;
        24h) echo "1440 0 *" ;;
        *) return 1 ;;
    esac
}

#=================================================
# SECRETS
#=================================================
# The scripts run under `bash -x`: every line that expands the password runs
# with xtrace off. The password lives in a non-exported shell variable, never
# in argv, the environment of a child, settings or logs.

fb_xtrace_saved=0
fallback_quiet() { # stop tracing, remembering whether it was on
    if [[ $- == *x* ]]; then fb_xtrace_saved=1; else fb_xtrace_saved=0; fi
    set +x
}
fallback_unquiet() { # restore tracing as fallback_quiet found it
    if [ "$fb_xtrace_saved" -eq 1 ]; then set -x; fi
}

# fallback_take_password: move the install's encryption_pwd (YunoHost
# exports it twice to a packaging v2 install: YNH_APP_ARG_ENCRYPTION_PWD
# and encryption_pwd) into the shell variable fb_password (not exported)
# and out of the environment; sets fb_has_password to 1 or 0. Called
# before anything else runs, so that no child process inherits it.
fallback_take_password() {
    fallback_quiet
    fb_password=${YNH_APP_ARG_ENCRYPTION_PWD:-${encryption_pwd:-}}
    unset YNH_APP_ARG_ENCRYPTION_PWD encryption_pwd
    if [ -n "$fb_password" ]; then fb_has_password=1; else fb_has_password=0; fi
    fallback_unquiet
}

# fallback_clean_env NAME...: unexport every variable but NAME... (and
# PATH, LANG). For the hooks: YunoHost runs post_app_install with the
# installed app's environment, its install passwords included, and none of
# it may reach the hooks' child processes. Builtins only.
fallback_clean_env() {
    local v keep=" PATH LANG $* "
    for v in $(compgen -e); do
        [[ $keep == *" $v "* ]] || unset "$v" 2> /dev/null || true
    done
}

# fallback_unexport_script_env: what YunoHost puts in an app script's
# environment stays in this shell but leaves the environment of its
# children: the app's settings (packaging v2 exports each one: app,
# install_dir, ssh_host..., any name with a lower-case letter) and the
# script's YNH_* variables (YNH_HELPERS_VERSION would make the system
# backup hooks load this app's helpers). The runtime commands then run as
# an admin runs them, and a name they assign (app=...) reaches nothing they
# start.
fallback_unexport_script_env() {
    local v
    for v in $(compgen -e); do
        case $v in
            *[a-z]* | YNH_APP_* | YNH_HELPERS_VERSION | YNH_STDINFO | YNH_STDRETURN | YNH_CWD | \
                YNH_ARCH | YNH_DEBIAN_VERSION | YNH_DEFAULT_* | BASH_XTRACEFD)
                # shellcheck disable=SC2163 # the variable named by v
                export -n "$v" ;;
        esac
    done
}

# fallback_forget_password: wipe the shell copy.
fallback_forget_password() {
    fallback_quiet
    fb_password=
    unset fb_password
    fallback_unquiet
}

# fallback_key_init OUT: derive the archive key file OUT (0400) from
# fb_password, given on the helper's stdin by a builtin.
fallback_key_init() {
    local out=$1 rc=0
    fallback_quiet
    printf '%s\n' "$fb_password" | "$fb_bin" key-init --out "$out" || rc=$?
    fallback_unquiet
    return "$rc"
}

# fallback_keep_password FILE: the fallback's kept secret (keep_key) until
# the main's first night arrives: fb_password as a password file, 0400 root.
# fallback_seal replaces it by the key derived with the main's salt and
# costs (`fallback key-init --like`, doc/watch.md) as soon as it has verified
# the first night; the failure watch does the same if it runs first.
fallback_keep_password() {
    local file=$1 tmp rc=0
    tmp=$(mktemp "$file.XXXXXX") || return 1
    chmod 0400 "$tmp"
    fallback_quiet
    printf '%s\n' "$fb_password" > "$tmp" || rc=1
    fallback_unquiet
    if [ "$rc" -ne 0 ]; then rm -f "$tmp"; return 1; fi
    mv -f "$tmp" "$file"
}

#=================================================
# CODE
#=================================================

# fallback_build_helper BASEDIR: build the helper from BASEDIR's sources in a
# temporary build dir and install it, with the runtime commands, into
# /opt/yunohost/fallback/bin. The callers write `... || ynh_die`, which
# turns errexit off in here: every step checks its own status. The objects
# and the log stay inside that private (0700, unguessable) folder: nothing
# with a name someone else can guess, or a link to plant at, in the
# world-writable /tmp.
fallback_build_helper() {
    local basedir=$1 build rc=0
    build=$(mktemp -d /tmp/fallback-build.XXXXXX) || return 1
    chmod 0700 "$build"
    make -j"$(nproc)" -C "$basedir" BUILD="$build/obj" PREFIX="$fb_code_dir" install > "$build/build.log" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        tail -n 30 "$build/build.log" >&2
        rm -rf "$build"
        return "$rc"
    fi
    rm -rf "$build"
    fallback_install_runtime "$basedir"
}

# fallback_install_runtime BASEDIR: scripts/runtime/* into the bin dir;
# status 1, naming what failed, at the first step that fails.
fallback_install_runtime() {
    local basedir=$1 f
    install -d -m 0755 "$fb_bin_dir" || { echo "fallback: could not create $fb_bin_dir" >&2; return 1; }
    for f in "$basedir"/scripts/runtime/*; do
        [ -f "$f" ] || continue
        install -m 0755 "$f" "$fb_bin_dir/${f##*/}" ||
            { echo "fallback: could not install ${f##*/} into $fb_bin_dir" >&2; return 1; }
    done
    chown -R root:root "$fb_code_dir" || { echo "fallback: could not give $fb_code_dir to root" >&2; return 1; }
}

# fallback_links ROLE: FB_LINK_DIR/NAME -> the installed command, for each
# command of ROLE (main or fallback: FB_COMMANDS_MAIN, FB_COMMANDS_FALLBACK).
fallback_links() {
    local name names=$FB_COMMANDS_MAIN
    [ "$1" = main ] || names=$FB_COMMANDS_FALLBACK
    for name in $names; do
        ln -sfn "$fb_bin_dir/$name" "$FB_LINK_DIR/$name"
    done
}

# fallback_logrotate: rotation of the logs; the log dir stays root's (the
# helper would give it to the app's user, the SFTP account).
fallback_logrotate() {
    mkdir -p "$fb_log_dir"
    ynh_config_add_logrotate "$fb_log_dir"
    chown root:root "$fb_log_dir"
    chmod 0750 "$fb_log_dir"
}

#=================================================
# BACKUP AND RESTORE
#=================================================
# The big items (stored nights, the main's work dir) are left out of the
# safety backup YunoHost makes before an upgrade (BACKUP_CORE_ONLY) and of
# every backup when the app setting do_not_backup_data is 1; remove keeps
# them unless --purge, so a failed upgrade does not lose them.

# fallback_backup_optional PATH: back PATH up if it exists.
fallback_backup_optional() {
    if [ -e "$1" ] || [ -L "$1" ]; then ynh_backup "$1"; fi
}

# fallback_backup_big PATH: back PATH up if it exists and big items are
# wanted in this backup.
fallback_backup_big() {
    if [ "${BACKUP_CORE_ONLY:-0}" = 1 ] || [ "${do_not_backup_data:-0}" = 1 ]; then
        ynh_print_info "$1 is not saved in this backup (the stored backups are kept in place)."
        return 0
    fi
    fallback_backup_optional "$1"
}

# fallback_restore_optional PATH: restore PATH if the archive holds it.
fallback_restore_optional() {
    if [ -e "$YNH_CWD$1" ] || [ -L "$YNH_CWD$1" ]; then ynh_restore "$1"; fi
}

# fallback_files ROLE: the rows of FB_FILES (runtime/paths.sh) for ROLE
# (main, fallback or both; anything else: every row), in the table's order,
# as "TYPE SAVE GONE OWNER MODE PATH".
fallback_files() {
    local row who rest
    for row in "${FB_FILES[@]}"; do
        read -r who rest <<< "$row"
        case $1 in
            main | fallback | both) [ "$who" = "$1" ] || continue ;;
        esac
        printf '%s\n' "$rest"
    done
}

# fallback_each_file ROLE CMD...: CMD... TYPE SAVE GONE OWNER MODE PATH for
# each of ROLE's rows (fallback_files), in the table's order. CMD is one of
# the row functions below; each returns 0 unless it failed.
fallback_each_file() {
    local role=$1 rows row
    local -a f
    shift
    mapfile -t rows < <(fallback_files "$role")
    for row in "${rows[@]}"; do
        read -ra f <<< "$row"
        "$@" "${f[@]}"
    done
}

# fallback_legacy_names: the names of the main's files the 0.x package kept
# in FB_LEGACY_SEND (the main's files, f rows removed by remove: config.conf,
# app_list, the key pair, known_hosts, passkey), one a line.
fallback_legacy_names() { fallback_each_file main fallback_row_legacy_name; }
fallback_row_legacy_name() {
    if [ "$1 $3" = "f rm" ]; then printf '%s\n' "${6##*/}"; fi
}

# fallback_backup_files ROLE: declare ROLE's items to the backup, as the
# table says (core, optional, big).
fallback_backup_files() { fallback_each_file "$1" fallback_row_backup; }
fallback_row_backup() {
    case $2 in
        core) ynh_backup "$6" ;;
        optional) fallback_backup_optional "$6" ;;
        big) fallback_backup_big "$6" ;;
    esac
}

# fallback_restore_files ROLE: bring ROLE's saved items back from the archive.
fallback_restore_files() { fallback_each_file "$1" fallback_row_restore; }
fallback_row_restore() {
    case $2 in
        core) ynh_restore "$6" ;;
        optional | big) fallback_restore_optional "$6" ;;
    esac
}

# fallback_own_files ROLE: give ROLE's items that are there the owner and
# mode the table says.
fallback_own_files() { fallback_each_file "$1" fallback_row_own; }
fallback_row_own() {
    [ -e "$6" ] || return 0
    case $4 in
        root) chown root:root "$6" ;;
        root-R) chown -R root:root "$6" ;;
    esac
    if [ "$5" != - ]; then chmod "$5" "$6"; fi
}

# fallback_remove_files ROLE GONE: remove ROLE's items whose GONE is GONE
# (job or rm), those that are there.
fallback_remove_files() { fallback_each_file "$1" fallback_row_remove "$2"; }
fallback_row_remove() {
    if [ "$4" = "$1" ] && { [ -e "$7" ] || [ -L "$7" ]; }; then
        ynh_safe_rm "$7"
    fi
}

# fallback_purge_files ROLE PURGE: ROLE's items kept unless purge: removed
# when PURGE is 1, else only the empty folders; then says where the stored
# backups (big) still there are.
fallback_purge_files() {
    local -a kept=()
    fallback_each_file "$1" fallback_row_purge "$2"
    if [ "${#kept[@]}" -gt 0 ]; then
        ynh_print_info "The stored backups are kept in: ${kept[*]}. Remove them by hand, or remove the app with --purge."
    fi
}
# fallback_row_purge PURGE ROW...: one row of fallback_purge_files; adds
# to its kept.
fallback_row_purge() {
    local purge=$1 save=$3 gone=$4 path=$7
    [ "$gone" = purge ] || return 0
    if [ "$purge" = 1 ]; then
        if [ -e "$path" ]; then ynh_safe_rm "$path"; fi
    elif [ -d "$path" ] && [ -z "$(ls -A "$path")" ]; then
        rmdir "$path"
    fi
    if [ "$save" = big ] && [ -e "$path" ]; then kept+=("$path"); fi
    return 0
}

#=================================================
# FALLBACK ROLE: THE SFTP ACCOUNT
#=================================================

# fallback_account_lockdown: the app's system user (YunoHost's system_user
# resource makes it, in sftp.app, home = the chroot) gets no login shell
# and, on the fallback server, no ssh.app (the 0.x account had both).
fallback_account_lockdown() {
    usermod --shell /usr/sbin/nologin "$fb_user"
    gpasswd -d "$fb_user" ssh.app > /dev/null 2>&1 || true
}

# fallback_chroot_layout: create or repair the chroot home. Every directory
# sshd walks to chroot is root-owned and not writable by group or others;
# incoming/ is the only place the account can write.
fallback_chroot_layout() {
    local d
    for d in "$fb_data_dir" "$fb_chroot" "$FB_SSH_DIR" "$FB_STORE" \
        "$FB_UPDATED" "$FB_STATUS"; do
        mkdir -p "$d"
        chown root:root "$d"
        chmod 0755 "$d"
    done
    mkdir -p "$FB_INCOMING"
    chown "$fb_user:$fb_user" "$FB_INCOMING"
    chmod 0750 "$FB_INCOMING"
}

# fallback_announce_format: when status/blobs is missing (a new install, or
# an upgrade from a version without the repository format), one run of
# fallback_seal, as its cron runs it: it publishes status/blobs, which tells
# the main server that this fallback stores nights in the repository format
# (doc/nightly.md), so the main's next night need not wait for the cron.
# Its status only warns.
fallback_announce_format() {
    local rc=0
    [ ! -f "$FB_STATUS/blobs" ] || return 0
    (fallback_unexport_script_env; "$fb_bin_dir/fallback_seal" > /dev/null 2>&1) || rc=$?
    [ "$rc" -eq 0 ] || ynh_print_warn "fallback_seal ended with status $rc (see /var/log/fallback/fallback.log); its cron runs it again within 10 minutes."
}

# fallback_write_authorized_key KEY: the only key of the account, restricted
# (no pty, no forwarding); sshd's own sftp.app rules force internal-sftp.
fallback_write_authorized_key() {
    local key=$1 template tmp file=$FB_AUTHORIZED_KEYS
    template=$(cat "$fb_conf_dir/authorized_keys")
    tmp=$(mktemp "$file.XXXXXX")
    printf '%s\n' "${template//__PUB_KEY__/$key}" > "$tmp"
    chown root:root "$tmp"
    chmod 0644 "$tmp"
    mv -f "$tmp" "$file"
}

# fallback_ssh_port: the SSH port of this server, as YunoHost sets it.
fallback_ssh_port() {
    local port
    port=$(yunohost settings get security.ssh.ssh_port 2>/dev/null) || port=
    fallback_check_port "$port" || port=22
    echo "$port"
}

# fallback_host_fingerprints: this server's SSH host keys as `ssh-keygen
# -lf` shows them (SHA256), one a line: what the main server pins, for the
# admin to compare with what the main's install prints.
fallback_host_fingerprints() {
    local k keys
    keys=$(sshd -T 2>/dev/null | awk '$1 == "hostkey" { print $2 ".pub" }')
    [ -n "$keys" ] || keys=$(ls /etc/ssh/ssh_host_*_key.pub 2>/dev/null)
    for k in $keys; do
        [ -f "$k" ] && ssh-keygen -lf "$k" 2>/dev/null
    done
    return 0
}

# fallback_main_domain: this server's main domain, or its host name.
fallback_main_domain() {
    local domain
    domain=$(yunohost domain list --output-as json --quiet 2>/dev/null | jq -r '.main // empty' 2>/dev/null) || domain=
    [ -n "$domain" ] || domain=$(hostname -f 2>/dev/null || hostname)
    echo "$domain"
}

# fallback_write_watch_cron AUTO_DETECT DELAY: the failure watch, or none.
fallback_write_watch_cron() {
    local pace minute hour
    if [ "$1" != 1 ]; then
        rm -f "$fb_cron_watch"
        return 0
    fi
    pace=$(fallback_watch_pace "$2")
    minute=$(echo "$pace" | cut -d' ' -f2)
    hour=$(echo "$pace" | cut -d' ' -f3)
    fallback_render "$fb_conf_dir/auto_deploy_fallback.cron" "$fb_cron_watch" 0644 \
        __MINUTE__ "$minute" __HOUR__ "$hour" __BIN_DIR__ "$fb_bin_dir"
}

# fallback_write_auto_check DELAY CONTACT AUTO_DEPLOY: the watch's settings.
fallback_write_auto_check() {
    local minutes
    minutes=$(fallback_watch_pace "$1" | cut -d' ' -f1)
    fallback_render "$fb_conf_dir/auto_check.conf" "$fb_auto_check" 0644 \
        __DELAY_MINUTES__ "$minutes" __CONTACT_MAIL__ "${2:-root}" \
        __AUTO_DEPLOY__ "$3"
}

#=================================================
# TEMPLATES
#=================================================

# fallback_render TEMPLATE DEST MODE [PLACEHOLDER VALUE]...: DEST from
# TEMPLATE with each placeholder replaced literally (values may hold any
# character), written to a temporary name and renamed, root-owned.
fallback_render() {
    local template=$1 dest=$2 mode=$3 text tmp
    shift 3
    text=$(cat "$template") || return 1
    while [ "$#" -ge 2 ]; do
        text=${text//"$1"/"$2"}
        shift 2
    done
    tmp=$(mktemp "$dest.XXXXXX") || return 1
    printf '%s\n' "$text" > "$tmp"
    chown root:root "$tmp"
    chmod "$mode" "$tmp"
    mv -f "$tmp" "$dest"
}

# The package's conf/ dir: beside scripts/ at install and upgrade, in the
# settings copy at backup, restore and remove.
fb_conf_dir=${YNH_APP_BASEDIR:-..}/conf

#=================================================
# LEGACY (the 0.x bash package)
#=================================================

# fallback_remove_legacy_sshd_block FILE: drop the lines the 0.x package
# appended (each ends with the marker) and the blank line before them.
# FILE is changed only if it holds the marker; written then renamed.
fallback_remove_legacy_sshd_block() {
    local file=${1:-/etc/ssh/sshd_config} tmp
    grep -qF "$fb_legacy_sshd_marker" "$file" 2>/dev/null || return 1
    tmp=$(mktemp "$file.XXXXXX")
    awk -v marker="$fb_legacy_sshd_marker" '
        index($0, marker) { held = ""; hold = 0; next }
        /^[[:space:]]*$/ { if (hold) print held; held = $0; hold = 1; next }
        { if (hold) { print held; hold = 0 } print }
        END { if (hold) print held }' "$file" > "$tmp"
    chmod --reference="$file" "$tmp"
    chown --reference="$file" "$tmp"
    mv -f "$tmp" "$file"
}

# fallback_legacy_key LINE: the key of an authorized_keys line written by the
# 0.x package (options prefix dropped), or nothing.
fallback_legacy_key() {
    local line=$1 k
    k=$(printf '%s\n' "$line" | grep -oE '(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp[0-9]+|sk-[a-z0-9-]+@openssh\.com) [A-Za-z0-9+/]+=*( .*)?$' | head -n1)
    fallback_check_pub_key "$k" && printf '%s\n' "$k"
}

# fallback_conf_value FILE KEY: the value of KEY=... in a key=value file.
fallback_conf_value() {
    sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*//p" "$1" 2>/dev/null | tail -n1
}
