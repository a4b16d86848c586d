#!/usr/bin/env bats
# The one table of paths and the per-role table of files
# (scripts/runtime/paths.sh): no script, hook or runtime command names a
# place of the data folder on its own, and backup, restore and remove do
# with each role's files what the table says.
bats_require_minimum_version 1.5.0

ROOT=$BATS_TEST_DIRNAME/../..
PATHS=$ROOT/scripts/runtime/paths.sh

setup() {
    tmp=$(mktemp -d)
}

teardown() {
    rm -rf "$tmp"
}

# table_names: the names the table gives in the data folder and in the
# chroot (the first part of each path under FB_DATA_DIR or FB_CHROOT), one a
# line; from the table itself, in a clean environment.
table_names() {
    env -i bash -c '
        . "$1"
        for v in $(compgen -v FB_); do
            for top in "$FB_CHROOT" "$FB_DATA_DIR"; do
                case ${!v} in
                    "$top"/*) r=${!v#"$top"/}; echo "${r%%/*}"; break ;;
                esac
            done
        done' sh "$PATHS" | grep -vx sftp | sort -u
    echo sftp
}

# product_files: every script, hook and runtime command but the table.
product_files() {
    local f
    for f in "$ROOT"/scripts/* "$ROOT"/scripts/runtime/* "$ROOT"/hooks/*; do
        [ -f "$f" ] && [ "$f" != "$PATHS" ] && echo "$f"
    done
}

# loose_paths FILE...: the code lines (comments left out) of FILE... that
# spell a place of the data folder themselves: its literal path; a name
# joined to FB_DATA_DIR or FB_CHROOT; one of the table's names joined to a
# variable of the table, or at the root (as the main sees the chroot over
# SFTP). Copies in a work folder ($work/app_list) and the package's
# templates in conf/ are not places of the data folder. "FILE:LINE: text"
# each.
loose_paths() {
    local names re
    names=$(table_names | sed 's/[.]/[.]/g' | paste -sd '|')
    re="/home/yunohost[.]app/fallback"
    re+="|[\$][{]?(FB_DATA_DIR|FB_CHROOT|fb_data_dir|fb_chroot)[}]?/[A-Za-z0-9._]"
    re+="|([\$][{]?[Ff][Bb]_[A-Za-z_]+[}]?|^|[[:space:]\"'=(])/($names)([^A-Za-z0-9_.-]|\$)"
    awk -v re="$re" '
        FNR == 1 && /^#!/ { next }
        /^[[:space:]]*#/ { next }
        {
            line = $0
            gsub(/[$]fb_conf_dir\/[A-Za-z0-9._]+/, "", line)
            if (line ~ re) print FILENAME ":" FNR ": " $0
        }' "$@"
}

@test "paths: the table names the data folder's files (what the check looks for)" {
    run table_names
    echo "$output"
    for n in config.conf app_list ssh_key known_hosts passkey fallback_backup auto_check.conf \
        watch_state deploy_state update_state legacy_backup fallback_seal.conf sftp \
        .ssh incoming backup updated_backup status; do
        grep -qxF "$n" <<< "$output" || { echo "not in the table: $n" >&2; return 1; }
    done
}

@test "paths: no script, hook or runtime command spells a place of the data folder outside the table" {
    local files
    mapfile -t files < <(product_files)
    [ "${#files[@]}" -gt 15 ]
    run loose_paths "${files[@]}"
    echo "$output"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

@test "paths: the check finds a literal path, names joined to the table's folders, a table name at the root; not comments, work copies or the table's variables" {
    cat > "$tmp/cmd" <<'EOF'
#!/bin/bash
# the passkey in /home/yunohost.app/fallback/passkey (a comment)
key=$FB_PASS_KEY
a=/home/yunohost.app/fallback/app_list
b=$FB_DATA_DIR/watch_state
c=${fb_chroot}/backup
d="$FB_STORE/status"
e=$(remote ls /status/deployed)
fallback_render "$fb_conf_dir/config.conf" "$fb_config" 0600
cp "$fb_config" "$work/config.conf"
f=$FB_STORE/nights g=/etc/yunohost/hooks.d/backup
EOF
    run loose_paths "$tmp/cmd"
    echo "$output"
    [ "${#lines[@]}" -eq 5 ]
    [ "${lines[0]}" = "$tmp/cmd:4: a=/home/yunohost.app/fallback/app_list" ]
    # shellcheck disable=SC2016 # the lines as written, unexpanded
    [ "${lines[1]}" = "$tmp/cmd:5: "'b=$FB_DATA_DIR/watch_state' ]
    # shellcheck disable=SC2016
    [ "${lines[2]}" = "$tmp/cmd:6: "'c=${fb_chroot}/backup' ]
    # shellcheck disable=SC2016
    [ "${lines[3]}" = "$tmp/cmd:7: "'d="$FB_STORE/status"' ]
    # shellcheck disable=SC2016
    [ "${lines[4]}" = "$tmp/cmd:8: "'e=$(remote ls /status/deployed)' ]
}

@test "paths: the overrides the tests use move every file of the data folder, and the lifecycle scripts take none" {
    # shellcheck disable=SC2016 # expanded by the inner shell
    run env -i FB_DATA_DIR=/x FB_CHROOT=/y bash -c '. "$1"; echo "$FB_CONFIG $FB_PASS_KEY $FB_WATCH_CONF $FB_DEPLOY_STATE $FB_INCOMING $FB_AUTHORIZED_KEYS"' sh "$PATHS"
    [ "$output" = "/x/config.conf /x/passkey /x/auto_check.conf /x/deploy_state/state /y/incoming /y/.ssh/authorized_keys" ]
    # shellcheck disable=SC2016
    run env -i FB_DATA_DIR=/x FB_CHROOT=/y bash -c '. "$1"; echo "$fb_config $FB_CHROOT $fb_auto_check"' sh "$ROOT/scripts/_common.sh"
    [ "$output" = "/home/yunohost.app/fallback/config.conf /home/yunohost.app/fallback/sftp /home/yunohost.app/fallback/auto_check.conf" ]
}

# with_table: scripts/_common.sh sourced, its table pointed at $tmp (the
# data folder, the chroot and the cron entries there), YunoHost's helpers
# replaced by ones that write what they are asked into $tmp/calls.
with_table() {
    # shellcheck source=../../scripts/_common.sh
    source "$ROOT/scripts/_common.sh"
    unset "${!FB_@}"
    # shellcheck disable=SC2034 # read by the table
    FB_DATA_DIR=$tmp/data FB_LOG_DIR=$tmp/log FB_WATCH_CRON=$tmp/cron_watch \
        FB_CRON_MAIN=$tmp/cron_main FB_CRON_SEAL=$tmp/cron_seal
    # shellcheck source=../../scripts/runtime/paths.sh
    source "$PATHS"
    ynh_backup() { echo "backup ${1#"$tmp"/}" >> "$tmp/calls"; }
    ynh_restore() { echo "restore ${1#"$tmp"/}" >> "$tmp/calls"; }
    ynh_safe_rm() { echo "rm ${1#"$tmp"/}" >> "$tmp/calls"; rm -rf -- "$1"; }
    ynh_print_info() { echo "info $*"; }
}

# make_role ROLE: every file and folder of ROLE under $tmp, each file
# holding a line; the stored backups each hold a night.
make_role() {
    local type path
    while read -r type _ _ _ _ path; do
        case $path in "$tmp"/*) ;; *) continue ;; esac
        if [ "$type" = d ]; then mkdir -p "$path"; else mkdir -p "${path%/*}" && echo x > "$path"; fi
    done < <(fallback_files "$1")
    mkdir -p "$FB_STORE/night1" "$FB_UPDATED/night1" "$FB_LEGACY/backup"
}

@test "files: backup declares each role's files as before: the code, config, keys, the stored backups (big)" {
    with_table
    make_role main
    fallback_backup_files both
    fallback_backup_files main
    run cat "$tmp/calls"
    echo "$output"
    [ "$output" = "backup /opt/yunohost/fallback
backup cron_main
backup data/config.conf
backup data/app_list
backup data/ssh_key
backup data/ssh_key.pub
backup data/known_hosts
backup data/passkey
backup data/fallback_backup" ]
    : > "$tmp/calls"
    make_role fallback
    rm -f "$FB_PASS_KEY" "$tmp/cron_watch"
    BACKUP_CORE_ONLY=1 fallback_backup_files fallback > /dev/null
    run cat "$tmp/calls"
    echo "$output"
    [ "$output" = "backup cron_seal
backup data/sftp/.ssh/authorized_keys
backup data/auto_check.conf
backup data/deploy_state
backup data/sftp/status" ]
    : > "$tmp/calls"
    fallback_backup_files fallback > /dev/null
    run grep -c '^backup data/sftp/backup$\|^backup data/sftp/updated_backup$\|^backup data/legacy_backup$' "$tmp/calls"
    [ "$output" = 3 ]
}

@test "files: restore brings back what the archive holds, then gives each file the table's owner and mode" {
    with_table
    make_role main
    chmod 0666 "$FB_CONFIG" "$FB_SSH_KEY" "$FB_KNOWN_HOSTS" "$FB_PASS_KEY"
    chmod 0777 "$FB_MAIN_STORAGE"
    # the archive holds the core files and known_hosts, no passkey
    YNH_CWD=$tmp/archive
    mkdir -p "$YNH_CWD$FB_KNOWN_HOSTS"
    fallback_restore_files main
    run cat "$tmp/calls"
    echo "$output"
    [ "$output" = "restore cron_main
restore data/config.conf
restore data/app_list
restore data/ssh_key
restore data/ssh_key.pub
restore data/known_hosts" ]
    fallback_own_files main
    [ "$(stat -c %a "$FB_CONFIG") $(stat -c %a "$FB_SSH_KEY") $(stat -c %a "$FB_SSH_PUB") $(stat -c %a "$FB_APP_LIST")" = "600 600 644 644" ]
    [ "$(stat -c %a "$FB_KNOWN_HOSTS") $(stat -c %a "$FB_PASS_KEY") $(stat -c %a "$FB_MAIN_STORAGE")" = "600 400 700" ]
    make_role fallback
    chmod 0777 "$FB_STATE_DIR" "$FB_LEGACY"
    chmod 0666 "$FB_AUTHORIZED_KEYS" "$FB_WATCH_CONF"
    fallback_own_files fallback
    [ "$(stat -c %a "$FB_STATE_DIR") $(stat -c %a "$FB_LEGACY") $(stat -c %a "$FB_AUTHORIZED_KEYS") $(stat -c %a "$FB_WATCH_CONF")" = "700 700 644 644" ]
}

@test "files: remove takes each role's files, keeps the stored backups unless purge, and names them" {
    with_table
    make_role both
    make_role main
    make_role fallback
    echo x > "$FB_WATCH_REFUSED"
    rmdir "$FB_UPDATED/night1"
    fallback_remove_files both job
    fallback_remove_files both rm
    fallback_remove_files main rm
    fallback_remove_files fallback rm
    run fallback_purge_files fallback 0
    echo "$output"
    [ "$output" = "info The stored backups are kept in: $FB_STORE $FB_LEGACY. Remove them by hand, or remove the app with --purge." ]
    for f in "$FB_LOG_DIR" "$FB_SEND_OUTCOME" "$FB_CONFIG" "$FB_SSH_PUB" "$FB_KNOWN_HOSTS" "$FB_MAIN_STORAGE" \
        "$FB_PASS_KEY" "$FB_WATCH_CONF" "$FB_WATCH_STATE" "$FB_WATCH_REFUSED" "$FB_STATE_DIR" "$FB_SSH_DIR" \
        "$FB_INCOMING" "$FB_STATUS" "$FB_UPDATED"; do
        run test -e "$f"
        [ "$status" -ne 0 ] || { echo "not removed: $f" >&2; return 1; }
    done
    [ -d "$FB_STORE/night1" ] && [ -d "$FB_LEGACY/backup" ] && [ -f "$FB_SEAL_CONF" ] && [ -d "$FB_UPDATE_STATE_DIR" ]
    run fallback_purge_files fallback 1
    [ -z "$output" ]
    run test -e "$FB_CHROOT"
    [ "$status" -ne 0 ]
    run test -e "$FB_LEGACY"
    [ "$status" -ne 0 ]
}

@test "files: the upgrade takes from the 0.x package the main's files, under their names here" {
    with_table
    run fallback_legacy_names
    [ "$output" = "config.conf
app_list
ssh_key
ssh_key.pub
known_hosts
passkey" ]
}
