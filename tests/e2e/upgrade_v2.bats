#!/usr/bin/env bats
# The switch to the repository format (v2) by an upgrade, fallback first, on
# the two-host world: a pair of this package's 1.0~ynh1 (which knows only
# the format 1 archives) holds a night in that layout; the fallback is
# upgraded and announces the format (status/blobs) at once, while the old
# main's nights are still stored; then the main is upgraded and its next
# night is v2, sending in the new format what the fallback lacks. The v1
# nights stay deployable (deploy_fallback --night) until retention removes
# them, and fallback_status reads both kinds. (The main upgraded first is
# in upgrade.bats.) 1.0~ynh1 installs on YunoHost 12.x only. The tests run
# in order on one world.

bats_require_minimum_version 1.5.0

# Functions and constants only: bats runs this before setup_file and before each test.
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$BATS_TEST_DIRNAME/lib.bash"

BIN=/opt/yunohost/fallback/bin
DATA=/home/yunohost.app/fallback
CHROOT=$DATA/sftp
LOG=/var/log/fallback/fallback.log
PW=Corr3ct-Horse-Battery

setup_file() {
    e2e_up --version 12
    e2e_copy_package main fallback
    e2e_copy_v1_package main fallback
}

teardown_file() {
    world_down
}

setup() {
    T=$BATS_FILE_TMPDIR
}

nights() { on_fallback ls "$CHROOT/backup/nights"; }
newest() { nights | tail -n1; }
# format NIGHT: 1 or 2, by the manifest the fallback stored for it
format() {
    if on_fallback test -f "$CHROOT/backup/nights/$1/night.v2"; then echo 2
    elif on_fallback test -f "$CHROOT/backup/nights/$1/manifest.json"; then echo 1
    else echo none; fi
}
packs() { on_fallback find "$CHROOT/backup/repo/packs" -type f -printf '%f\n' | sort; }
objects() { on_fallback find "$CHROOT/backup/objects" -type f ! -name '*.b2' -printf '%f\n' | sort; }
last_run_log() { on_main awk '/send_backup: night [0-9TZ]*: start/ { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' "$LOG"; }
wikidata() { on_host "$1" /bin/bash -c 'cd /home/yunohost.app/wiki && find . -type f -exec sha256sum {} + | sort -k2'; }

@test "1.0~ynh1 on both roles: a night stored in the format 1 layout" {
    world_app_install main /root/pkg-v1 -a \
        "install_type=main server&encrypt=1&encryption_pwd=$PW&ssh_host=$(world_host_ip fallback)&ssh_port=22" > /dev/null
    local key
    key=$(on_main cat "$DATA/ssh_key.pub")
    world_app_install fallback /root/pkg-v1 -a \
        "install_type=fallback server&auto_detect_failure=0&pub_key=$(printf '%s' "$key" | jq -sRr @uri)" > /dev/null
    e2e_install_sample_apps wiki
    e2e_select_apps wiki
    e2e_night
    [ "$(nights | wc -l)" -eq 1 ]
    [ "$(format "$(newest)")" = 1 ]
    objects | grep -q -- '-app_wiki\.tar\.enc$'
    refute on_fallback test -e "$CHROOT/status/blobs"
    newest > "$T/night1"
}

@test "the fallback upgraded first announces the repository format at once; the old main's night is still stored" {
    run on_fallback yunohost app upgrade fallback -f /root/pkg
    echo "$output"
    [ "$status" -eq 0 ]
    # published by the upgrade itself, before any cron run: an empty blob list
    [ "$(on_fallback stat -c '%U %G %a' "$CHROOT/status/blobs")" = "root fallback 440" ]
    [ "$(on_fallback head -n1 "$CHROOT/status/blobs")" = "fallback-blobs 2" ]
    [ "$(on_fallback grep -c '^pack ' "$CHROOT/status/blobs")" -eq 0 ]
    on_fallback test -f "$CHROOT/status/confirmed.json"
    # the main is still 1.0~ynh1: its night, in format 1, is verified and stored
    on_main /bin/bash -c 'echo "edited before the main upgrade" >> /home/yunohost.app/wiki/pages/Home.md'
    sleep 1
    e2e_night
    [ "$(nights | wc -l)" -eq 2 ]
    [ "$(format "$(newest)")" = 1 ]
    newest > "$T/night2"
    wikidata main > "$T/wiki.night2"
}

@test "the main upgraded next sends a v2 night: what the fallback lacks, in the new format" {
    run on_main yunohost app upgrade fallback -f /root/pkg
    echo "$output"
    [ "$status" -eq 0 ]
    # nothing in config.conf says which format: the default is 2
    run on_main grep -c '^repository_format=' "$DATA/config.conf"
    [ "$output" = 0 ]
    on_main /bin/bash -c 'echo "edited after the main upgrade" >> /home/yunohost.app/wiki/pages/Home.md'
    run on_main "$BIN/send_backup"
    echo "$output"
    [ "$status" -eq 0 ]
    run ! grep -q "does not announce the repository format" <<< "$(last_run_log)"
    # the fallback holds no pack yet: every part is sent whole, as packs
    last_run_log | grep -q "the fallback holds 0 packs"
    last_run_log | grep -q "app wiki: This backup is different than the previous one"
    on_fallback ls "$CHROOT/incoming" | grep -Eq -- '-pack-[0-9a-f]{64}$'
    run ! on_fallback /bin/bash -c "ls $CHROOT/incoming | grep -q '\.tar\.enc'"
    run on_fallback "$BIN/fallback_seal"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(nights | wc -l)" -eq 3 ]
    [ "$(format "$(newest)")" = 2 ]
    [ "$(format "$(cat "$T/night1")")" = 1 ]
    [ "$(format "$(cat "$T/night2")")" = 1 ]
    on_fallback "$BIN/fallback" night read "$CHROOT/backup/nights/$(newest)/night.v2" | grep -q '^part app_wiki '
    [ "$(on_fallback grep -c '^pack ' "$CHROOT/status/blobs")" -eq "$(packs | wc -l)" ]
    [ "$(packs | wc -l)" -gt 0 ]
    # the next night knows what the fallback holds and sends no data
    run on_main "$BIN/send_backup"
    [ "$status" -eq 0 ]
    last_run_log | grep -q "the fallback holds $(packs | wc -l) packs"
    last_run_log | grep -q "the fallback confirmed night $(newest)"
    on_fallback "$BIN/fallback_seal"
    [ "$(nights | wc -l)" -eq 4 ]
    [ "$(format "$(newest)")" = 2 ]
}

@test "fallback_status reads the v1 and the v2 nights on both servers" {
    on_fallback "$BIN/fallback_status" --json > "$T/fallback.json"
    "$BATS_TEST_DIRNAME/check-json-schema" "$BATS_TEST_DIRNAME/status.schema.json" "$T/fallback.json"
    [ "$(jq -r '.newest_night.night' "$T/fallback.json")" = "$(newest)" ]
    [ "$(jq '.nights | length' "$T/fallback.json")" -eq 4 ]
    jq -r '.nights[].night' "$T/fallback.json" | grep -qx "$(cat "$T/night2")"
    [ "$(jq -r --arg n "$(cat "$T/night2")" '.nights[] | select(.night == $n) | .parts | map(.id) | sort | join(" ")' "$T/fallback.json")" = "system wiki" ]
    on_main "$BIN/fallback_status" --json > "$T/main.json"
    "$BATS_TEST_DIRNAME/check-json-schema" "$BATS_TEST_DIRNAME/status.schema.json" "$T/main.json"
    [ "$(jq -r '.fallback_server.newest_night.night' "$T/main.json")" = "$(newest)" ]
    run on_fallback "$BIN/deploy_fallback" --list
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"$(cat "$T/night2")"* ]]
    [[ $output == *"$(newest)"*"(newest, used by default)"* ]]
}

@test "retention removes the oldest v1 night by its arrival; the next v1 night keeps the objects it uses" {
    local n1 n2
    n1=$(cat "$T/night1") n2=$(cat "$T/night2")
    # the fallback's clock: night 1 arrived 400 days ago, beyond every slot
    on_fallback /bin/bash -c "echo \$((\$(date +%s) - 400 * 86400)) > $CHROOT/backup/.arrived/$n1"
    run on_fallback "$BIN/fallback_seal"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(format "$n1")" = none ]
    [ "$(format "$n2")" = 1 ]
    on_fallback grep -q "retention: night $n1 removed" "$LOG"
    # every object night 2 lists is still stored (its unchanged parts are night 1's)
    on_fallback "$BIN/fallback" manifest read "$CHROOT/backup/nights/$n2/manifest.json" |
        awk '$1 == "object" { print $2 }' | sort > "$T/used"
    [ -s "$T/used" ]
    objects | diff "$T/used" -
}

@test "the remaining v1 night is deployed with --night, byte for byte" {
    world_stop_host main
    run on_fallback "$BIN/deploy_fallback" --night "$(cat "$T/night2")" <<< $'\n'"$PW"
    echo "$output"
    [ "$status" -eq 0 ]
    on_fallback grep -q "^deployed" "$CHROOT/status/deployed"
    wikidata fallback | diff "$T/wiki.night2" -
    on_fallback grep -q "edited before the main upgrade" /home/yunohost.app/wiki/pages/Home.md
    refute on_fallback grep -q "edited after the main upgrade" /home/yunohost.app/wiki/pages/Home.md
}
