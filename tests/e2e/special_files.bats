#!/usr/bin/env bats
# A fifo and a device node in an app's data: the night is sent and sealed
# (before, such a part failed every night), and a deploy restores them as
# what they were, through the stand-in's tar restore. On the two-host world.

bats_require_minimum_version 1.5.0

# Functions and constants only: bats runs this before setup_file and before each test.
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$BATS_TEST_DIRNAME/lib.bash"

BIN=/opt/yunohost/fallback/bin
DATA=/home/yunohost.app/fallback
PAGES=/home/yunohost.app/wiki/pages

setup_file() {
    e2e_up
    e2e_copy_package main fallback
}

teardown_file() {
    world_down
}

@test "special files: a part holding a fifo and a device is sent, sealed and restored" {
    run world_app_install main /root/pkg -a \
        "install_type=main server&encrypt=0&ssh_host=$(world_host_ip fallback)&ssh_port=22"
    [ "$status" -eq 0 ]
    e2e_install_sample_apps wiki
    e2e_select_apps wiki
    e2e_install_fallback auto_detect_failure=0 > /dev/null
    on_main /bin/bash -c "mkfifo $PAGES/queue && mknod $PAGES/null c 1 3 &&
                          echo 'page next to a fifo' > $PAGES/Home.md"
    # the fifo has no writer: a backup that opened it would hang
    run on_main timeout 600 "$BIN/send_backup"
    echo "$output"
    [ "$status" -eq 0 ]
    on_fallback "$BIN/fallback_seal"
    run on_fallback /bin/bash -c "$BIN/fallback manifest read $DATA/sftp/backup/nights/*/manifest.json"
    [[ $output == *"part app wiki"* ]]
    run on_fallback "$BIN/deploy_fallback" auto
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(on_fallback cat $PAGES/Home.md)" = "page next to a fifo" ]
    on_fallback test -p "$PAGES/queue"
    [ "$(on_fallback stat -c '%F %t,%T' "$PAGES/null")" = "character special file 1,3" ]
}
