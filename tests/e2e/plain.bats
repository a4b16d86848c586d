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

@test "encrypt=0: the main server's install works and writes no pass_file" {
    run world_app_install main /root/pkg -a \
        "install_type=main server&encrypt=0&ssh_host=$(world_host_ip fallback)&ssh_port=22"
    echo "$output"
    [ "$status" -eq 0 ]
    on_main grep -qx 'encrypt=0' "$DATA/config.conf"
    on_main "$BIN/fallback" config-check --config "$DATA/config.conf"
    e2e_install_sample_apps wiki
    e2e_select_apps wiki
    e2e_install_fallback auto_detect_failure=0 > /dev/null
}

@test "encrypt=0: the night is sent and sealed in clear" {
    run on_main "$BIN/send_backup"
    echo "$output"
    [ "$status" -eq 0 ]
    on_fallback "$BIN/fallback_seal"
    run on_fallback /bin/bash -c "$BIN/fallback manifest read $CHROOT/backup/nights/*/manifest.json"
    echo "$output"
    [[ $output == *"encrypted 0"* ]]
    [[ $output == *"part app wiki"* ]]
}

@test "encrypt=0: deploy restores the clear night without a password" {
    on_main /bin/bash -c 'echo "page of a clear night" > /home/yunohost.app/wiki/pages/Home.md'
    on_main "$BIN/send_backup" > /dev/null 2>&1
    on_fallback "$BIN/fallback_seal"
    run on_fallback "$BIN/deploy_fallback" auto
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(on_fallback cat /home/yunohost.app/wiki/pages/Home.md)" = "page of a clear night" ]
}
