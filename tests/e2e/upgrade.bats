#!/usr/bin/env bats
# Upgrades that keep everything, on the two-host world: from this package's
# last packaging v1 version (1.0~ynh1, commit ba92a2c) to the packaging v2
# one, on both roles, the main first: until the fallback is upgraded too
# (and announces the repository format), the main sends format 1 nights and
# says why; then the nights are v2. Last, a v2 upgrade while the fallback is
# deployed. (The fallback upgraded first: upgrade_v2.bats. The 0.x bash
# package's upgrade is in package.bats.) A v1 package cannot be
# installed on YunoHost 13, so this file runs on a 12.x world. The tests run
# in order on one world.

bats_require_minimum_version 1.5.0

# Functions and constants only: bats runs this before setup_file and before each test.
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$BATS_TEST_DIRNAME/lib.bash"

BIN=/opt/yunohost/fallback/bin
DATA=/home/yunohost.app/fallback
CHROOT=$DATA/sftp
PW=Corr3ct-Horse-Battery
LOG=/var/log/fallback/fallback.log

setup_file() {
    e2e_up --version 12
    e2e_copy_package main fallback
    e2e_copy_v1_package main fallback
}

teardown_file() {
    world_down
}

setup() {
    state=$BATS_FILE_TMPDIR
}

# kept HOST: what an upgrade must keep, with its bytes, mode and owner
kept() {
    if [ "$1" = main ]; then
        on_main /bin/bash -c "cd $DATA && stat -c '%n %a %U' config.conf app_list ssh_key ssh_key.pub known_hosts passkey &&
            sha256sum config.conf app_list ssh_key ssh_key.pub known_hosts passkey"
    else
        # the account: same uid, home, shell and groups (not made again)
        on_fallback /bin/bash -c "getent passwd fallback && id -nG fallback &&
            cd $DATA && stat -c '%n %a %U' sftp sftp/.ssh/authorized_keys auto_check.conf &&
            sha256sum sftp/.ssh/authorized_keys /etc/cron.d/fallback_seal &&
            grep -v -e '^#' -e '^\$' -e '^backup_dir=' auto_check.conf | sha256sum &&
            find sftp/backup sftp/status deploy_state -type f 2>/dev/null | sort | xargs -r sha256sum"
    fi
}

nights() { on_fallback ls "$CHROOT/backup/nights" | wc -l; }

# the app's manifest and settings as YunoHost keeps them
packaging() { on_host "$1" /bin/bash -c 'test -f /etc/yunohost/apps/fallback/manifest.toml && echo v2 || echo v1'; }

@test "1.0~ynh1 (packaging v1) on both roles, paired, one night stored" {
    world_app_install main /root/pkg-v1 -a \
        "install_type=main server&encrypt=1&encryption_pwd=$PW&ssh_host=$(world_host_ip fallback)&ssh_port=22" > /dev/null
    local key
    key=$(on_main cat "$DATA/ssh_key.pub")
    world_app_install fallback /root/pkg-v1 -a \
        "install_type=fallback server&auto_detect_failure=1&delay_before_incident=4h&pub_key=$(printf '%s' "$key" | jq -sRr @uri)" > /dev/null
    [ "$(packaging main)" = v1 ]
    [ "$(packaging fallback)" = v1 ]
    e2e_install_sample_apps wiki
    e2e_select_apps wiki
    on_main sed -i 's/^overwrite_ip=.*/overwrite_ip=192.0.2.7/' "$DATA/config.conf"
    e2e_night
    [ "$(nights)" -eq 1 ]
}

@test "the main upgraded first keeps its pairing, keys, pin, selections and config" {
    kept main > "$state/main.kept"
    on_main cat "$DATA/app_list" > "$state/app_list"
    run on_main yunohost app upgrade fallback -f /root/pkg
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(packaging main)" = v2 ]
    kept main | diff "$state/main.kept" -
    grep -qx '\[.\]: wiki' "$state/app_list"
    # the code dir is the install_dir resource, root's
    [ "$(on_host main yunohost app setting fallback install_dir)" = /opt/yunohost/fallback ]
    [ "$(on_main stat -c '%U' /opt/yunohost/fallback /opt/yunohost/fallback/bin/fallback | sort -u)" = root ]
}

@test "while the fallback's package is older, the main sends format 1 nights and its log says why" {
    e2e_night
    [ "$(nights)" -eq 2 ]
    n=$(on_fallback ls "$CHROOT/backup/nights" | tail -n1)
    # the old seal stored it in the format 1 layout it knows
    on_fallback test -f "$CHROOT/backup/nights/$n/manifest.json"
    run on_main grep -c "night $n: start" "$LOG"
    [ "$output" = 1 ]
    on_main awk -v n="$n" '$0 ~ "night " n ": start" { on = 1 } on' "$LOG" > "$state/night2.log"
    grep -q "the fallback server does not announce the repository format (no status/blobs): this night is sent in format 1; upgrade the fallback server's package" "$state/night2.log"
    [ "$(grep -c "does not announce the repository format" "$state/night2.log")" -eq 1 ]
}

@test "the fallback's upgrade keeps its account, settings and nights, and announces the repository format" {
    kept fallback > "$state/fallback.kept"
    run on_fallback yunohost app upgrade fallback -f /root/pkg
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(packaging fallback)" = v2 ]
    # everything kept is there, unchanged; the new seal only adds its own files
    [ -z "$(comm -23 <(sort "$state/fallback.kept") <(kept fallback | sort))" ]
    [ "$(on_fallback head -n1 "$CHROOT/status/blobs")" = "fallback-blobs 2" ]
    [ "$(on_fallback stat -c '%U %G %a' "$CHROOT/status/blobs")" = "root fallback 440" ]
    # the settings of the watch are kept; backup_dir, which nothing read, goes
    run on_fallback grep -c '^backup_dir=' "$DATA/auto_check.conf"
    [ "$output" = 0 ]
    # the SFTP account is the system_user resource now, and just as it was
    run on_fallback getent passwd fallback
    [[ $output == *":/home/yunohost.app/fallback/sftp:/usr/sbin/nologin" ]]
    run on_fallback id -nG fallback
    [[ " $output " == *" sftp.app "* ]]
    [[ " $output " != *" ssh.app "* ]]
    [ "$(on_fallback stat -c '%U %a' /home/yunohost.app/fallback)" = "root 755" ]
    on_fallback grep -q '^\*/30 \* \* \* \* root /opt/yunohost/fallback/bin/fallback_watch' /etc/cron.d/auto_deploy_fallback
}

@test "after both upgrades a night goes through in the repository format, with the same pinned host key" {
    e2e_night
    [ "$(nights)" -eq 3 ]
    n=$(on_fallback ls "$CHROOT/backup/nights" | tail -n1)
    on_fallback test -f "$CHROOT/backup/nights/$n/night.v2"
    on_fallback test -f "$CHROOT/status/night.v2"
    run on_main "$BIN/fallback_status" --json
    echo "$output"
    [ "$(jq -r .role <<< "$output")" = main ]
    [ "$(jq -r .fallback_server.newest_night.night <<< "$output")" = "$n" ]
}

@test "a deployment in progress survives a v2 upgrade, and closes afterwards" {
    run on_fallback "$BIN/deploy_fallback" <<< $'\n'"$PW"
    echo "$output"
    [ "$status" -eq 0 ]
    on_fallback test -f "$DATA/deploy_state/state"
    kept fallback > "$state/deployed.kept"
    run on_fallback yunohost app upgrade fallback -f /root/pkg -F
    echo "$output"
    [ "$status" -eq 0 ]
    kept fallback | diff "$state/deployed.kept" -
    [ "$(on_fallback "$BIN/fallback_status" --json --offline | jq .deployed)" = true ]
    run on_fallback "$BIN/close_fallback" <<< $'\n'"An0ther-Horse-Staple"$'\n'"An0ther-Horse-Staple"
    echo "$output"
    [ "$status" -eq 0 ]
    on_fallback grep -q "^closed" "$CHROOT/status/deployed"
}
