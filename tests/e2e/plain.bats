#!/usr/bin/env bats
# A main server installed with encryption off (encrypt=0): its install
# works, its nights are sent and sealed in clear, and a deploy restores
# them without a password. On the two-host world, the package installed by
# its own install script on both hosts.

bats_require_minimum_version 1.5.0

# Functions and constants only: bats runs this before setup_file and before each test.
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$BATS_TEST_DIRNAME/lib.bash"

BIN=/opt/yunohost/fallback/bin
DATA=/home/yunohost.app/fallback
CHROOT=$DATA/sftp

setup_file() {
    e2e_up
    e2e_copy_package main fallback
}

teardown_file() {
    world_down
}

# install_clear_main: the main server's install with encryption off
install_clear_main() {
    world_app_install main /root/pkg -a \
        "install_type=main server&encrypt=0&ssh_host=$(world_host_ip fallback)&ssh_port=22"
}
# clear_pair: what is not there yet of the main's install (encrypt=0), the
# wiki selected on it, and the fallback's install; the first test makes
# them, a test run alone makes them itself
clear_pair() {
    if ! on_main test -d /etc/yunohost/apps/fallback; then install_clear_main > /dev/null || return 1; fi
    if ! on_main test -d /etc/yunohost/apps/wiki; then
        e2e_install_sample_apps wiki && e2e_select_apps wiki || return 1
    fi
    on_fallback test -d /etc/yunohost/apps/fallback || e2e_install_fallback auto_detect_failure=0 > /dev/null
}

@test "encrypt=0: the main server's install works and writes no pass_file" {
    run install_clear_main
    echo "$output"
    [ "$status" -eq 0 ]
    on_main grep -qx 'encrypt=0' "$DATA/config.conf"
    on_main "$BIN/fallback" config-check --config "$DATA/config.conf"
    clear_pair
}

@test "encrypt=0: the night is sent and sealed in clear" {
    clear_pair
    run on_main "$BIN/send_backup"
    echo "$output"
    [ "$status" -eq 0 ]
    on_fallback "$BIN/fallback_seal"
    run on_fallback /bin/bash -c "$BIN/fallback manifest read $CHROOT/backup/nights/\$(ls $CHROOT/backup/nights | tail -n1)/manifest.json"
    echo "$output"
    [[ $output == *"encrypted 0"* ]]
    [[ $output == *"part app wiki"* ]]
}

@test "encrypt=0: deploy restores the clear night without a password" {
    clear_pair
    on_main /bin/bash -c 'echo "page of a clear night" > /home/yunohost.app/wiki/pages/Home.md'
    on_main "$BIN/send_backup" > /dev/null 2>&1
    on_fallback "$BIN/fallback_seal"
    run on_fallback "$BIN/deploy_fallback" auto
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(on_fallback cat /home/yunohost.app/wiki/pages/Home.md)" = "page of a clear night" ]
}
