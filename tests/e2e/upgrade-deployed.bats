#!/usr/bin/env bats
# A fallback server deployed by this package's last packaging v1 version
# (1.0~ynh1, commit ba92a2c) is upgraded to packaging v2 while deployed: the
# record of the deployment and the safety backup of its own system survive,
# and the v2 commands finish the cycle (close on the fallback, update on
# the main) and the nights resume. YunoHost 13 cannot read a v1 install, so
# this file runs on a 12.x world. The tests run in order on one world.

bats_require_minimum_version 1.5.0

# Functions and constants only: bats runs this before setup_file and before each test.
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$BATS_TEST_DIRNAME/lib.bash"

BIN=/opt/yunohost/fallback/bin
DATA=/home/yunohost.app/fallback
CHROOT=$DATA/sftp
PW=Corr3ct-Horse-Battery
CLOSEPW=An0ther-Horse-Staple

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

wikidata() { on_host "$1" /bin/bash -c 'cd /home/yunohost.app/wiki && find . -type f -exec sha256sum {} + | sort -k2'; }
# the deployment's record and the fallback's own system, as the v1 deploy left them
deployment() {
    on_fallback /bin/bash -c "cd $DATA && find deploy_state -type f | sort | xargs -r sha256sum &&
        cat $CHROOT/status/deployed &&
        sha256sum /home/yunohost.backup/archives/backup_before_deploy_fallback.tar"
}

@test "1.0~ynh1 on both roles, one night, then deployed by its own deploy_fallback" {
    world_app_install main /root/pkg-v1 -a \
        "install_type=main server&encrypt=1&encryption_pwd=$PW&ssh_host=$(world_host_ip fallback)&ssh_port=22" > /dev/null
    local key
    key=$(on_main cat "$DATA/ssh_key.pub")
    world_app_install fallback /root/pkg-v1 -a \
        "install_type=fallback server&pub_key=$(printf '%s' "$key" | jq -sRr @uri)" > /dev/null
    e2e_install_sample_apps wiki
    e2e_select_apps wiki
    e2e_night
    wikidata main > "$state/wiki.main"
    world_stop_host main
    run on_fallback "$BIN/deploy_fallback" <<< $'\n'"$PW"
    echo "$output"
    [ "$status" -eq 0 ]
    on_fallback grep -q "^deployed" "$CHROOT/status/deployed"
    wikidata fallback | diff "$state/wiki.main" -
}

@test "the v2 upgrade of the deployed fallback keeps the deployment and its safety backup" {
    deployment > "$state/deployment"
    run on_fallback yunohost app upgrade fallback -f /root/pkg
    echo "$output"
    [ "$status" -eq 0 ]
    on_fallback test -f /etc/yunohost/apps/fallback/manifest.toml
    deployment | diff "$state/deployment" -
    [ "$(on_fallback "$BIN/fallback_status" --json --offline | jq .deployed)" = true ]
    wikidata fallback | diff "$state/wiki.main" -
}

@test "the v2 commands finish the cycle the v1 deploy began" {
    on_fallback /bin/bash -c 'echo "edited while deployed" >> /home/yunohost.app/wiki/pages/Home.md'
    wikidata fallback > "$state/wiki.fallback"
    run on_fallback "$BIN/close_fallback" <<< $'\n'"$CLOSEPW"$'\n'"$CLOSEPW"
    echo "$output"
    [ "$status" -eq 0 ]
    on_fallback grep -q "^closed" "$CHROOT/status/deployed"
    world_start_host main
    run on_main yunohost app upgrade fallback -f /root/pkg
    echo "$output"
    [ "$status" -eq 0 ]
    run on_main "$BIN/update_from_fallback" <<< $'\n'"$CLOSEPW"$'\ny\ny\ny\ny'
    echo "$output"
    [ "$status" -eq 0 ]
    wikidata main | diff "$state/wiki.fallback" -
    grep -qx '\[.\]: wiki' <(on_main cat "$DATA/app_list")
    # the fallback takes note of the end of the cycle; the nights resume
    on_fallback "$BIN/fallback_seal"
    run on_fallback test -e "$CHROOT/status/deployed"
    [ "$status" -ne 0 ]
    e2e_night
    [ "$(on_fallback ls "$CHROOT/backup/nights" | wc -l)" -ge 2 ]
}
