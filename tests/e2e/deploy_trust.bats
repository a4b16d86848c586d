#!/usr/bin/env bats
# What deploy_fallback trusts, on the two-host world: a night is deployed
# only when its manifest is the one the main server's key vouches for, and
# each part only when its decrypted content is the part that manifest names
# (kind, id, content checksum). The forged nights are made the way whoever
# holds the main's keys can make them (tests/e2e/forge-night): they verify
# at the seal, the deploy refuses them and changes nothing. The tests run in
# order on one world and the forged nights stay in its storage: the first
# two expect none yet; the last two make the newest night without a MAC
# they need when run alone (macless_newest).

bats_require_minimum_version 1.5.0

# Functions and constants only: bats runs this before setup_file and before each test.
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$BATS_TEST_DIRNAME/lib.bash"

BIN=/opt/yunohost/fallback/bin
DATA=/home/yunohost.app/fallback
CHROOT=$DATA/sftp
PW=Corr3ct-Horse-Battery

setup_file() {
    e2e_up
    e2e_capture_mail main fallback
    e2e_pair auto_detect_failure=0
    # the forged nights are format 1 ones (manifest.json, its manifest.mac,
    # one archive per part), which stay deployable: pinned; a v2 night is
    # proven by its MAC'd manifest and part records (nightly_v2.bats)
    e2e_repository_format 1
    e2e_install_sample_apps wiki bigdata
    e2e_select_apps wiki bigdata
    e2e_night
    # a second night whose system differs from the first's
    on_main /bin/bash -c 'echo "alice, night two" > /home/alice/Documents/notes.txt'
    sleep 1
    e2e_night
    on_fallback /bin/bash -c "umask 077 && printf '%s\n' '$PW' > /root/pw && echo not-the-password > /root/otherpw"
}

teardown_file() {
    world_down
}

nights() { on_fallback ls "$CHROOT/backup/nights"; }
lines_of() { on_fallback "$BIN/fallback" manifest read "$CHROOT/backup/nights/$1/manifest.json"; }
# part_lines LINES KIND ID: the part line and its object line
part_lines() { awk -v k="$2" -v i="$3" '$1 == "part" { on = ($2 == k && $3 == i) } on && ($1 == "part" || $1 == "object")' <<< "$1"; }
new_id() { sleep 1; date -u +%Y%m%dT%H%M%SZ; }
forge() { on_fallback /bin/bash "$WORLD_SRC/tests/e2e/forge-night" "$@"; }
# macless_newest: the newest night has no manifest MAC, as the MAC test
# leaves it; else (a test run alone) the second night forged without one
macless_newest() {
    local n
    n=$(nights | tail -n1)
    on_fallback test -e "$CHROOT/backup/nights/$n/$n-manifest.mac" || return 0
    n=$(new_id)
    forge "$n" none <<< "$(lines_of "$(nights | sed -n 2p)")"
}
# nothing changed: no deployment recorded, no safety backup, the apps as they were
unchanged() {
    on_fallback test ! -e "$CHROOT/status/deployed"
    on_fallback test ! -e "$DATA/deploy_state/state"
    [ "$(on_fallback yunohost app list --output-as json --quiet | jq -r '[.apps[].id] | join(" ")')" = fallback ]
    [ -z "$(on_fallback find /home/yunohost.backup -name 'backup_before_deploy_fallback*' -o -name '.deploy_fallback.*')" ]
}
# with_part LINES KIND ID PART_LINES: LINES with that part replaced by PART_LINES
with_part() {
    awk -v k="$2" -v i="$3" -v repl="$4" '
        $1 == "part" { on = ($2 == k && $3 == i); if (on) print repl }
        $1 == "file" { on = 0 }
        !on { print }' <<< "$1"
}

@test "the nights carry their manifest's MAC, kept by the seal" {
    local n
    for n in $(nights); do
        on_fallback test -s "$CHROOT/backup/nights/$n/$n-manifest.mac"
        on_fallback "$BIN/fallback" mac check --pass-file /root/pw --purpose night \
            --like "$CHROOT/backup/nights/$n/$n-app_list.enc" "$CHROOT/backup/nights/$n/$n-manifest.mac" |
            grep -qx "id $n"
    done
    [ "$(nights | wc -l)" -eq 2 ]
}

@test "a truncated or tampered format 1 archive: deploy refuses before any change" {
    local n obj f
    n=$(nights | tail -n1)
    obj=$(lines_of "$n" | awk '$1 == "object" && $2 ~ /app_wiki/ { print $2 }')
    [ -n "$obj" ]
    f=$CHROOT/backup/objects/$obj
    on_fallback cp -a "$f" /root/orig.enc
    on_fallback /bin/bash -c "chmod u+w $f && truncate -s -100 $f"
    run on_fallback "$BIN/deploy_fallback" auto
    echo "$output"
    [ "$status" -eq 6 ]
    [[ $output == *"nothing was changed"* ]]
    # same size, one byte flipped
    on_fallback /bin/bash -c "cp /root/orig.enc $f && $WORLD_SRC/tests/flip-byte $f 5000"
    run on_fallback "$BIN/deploy_fallback" auto
    echo "$output"
    on_fallback cp -a /root/orig.enc "$f"
    [ "$status" -eq 6 ]
    unchanged
}

@test "a night whose system part is an app's archive is refused, nothing changed" {
    local n l wiki new
    n=$(nights | tail -n1)
    l=$(lines_of "$n")
    wiki=$(part_lines "$l" app wiki | sed '1s/^part app wiki /part system system /')
    new=$(new_id)
    # (an object is listed once: the wiki part goes)
    with_part "$(with_part "$l" app wiki "")" system system "$wiki" | grep -v '^$' | forge "$new" /root/pw
    run on_fallback "$BIN/deploy_fallback" <<< $'\n'"$PW"
    echo "$output"
    [ "$status" -eq 6 ]
    [[ $output == *"is refused: it holds a backup of app wiki, not of the system the manifest names: nothing was changed"* ]]
    unchanged
}

@test "a night whose system part is another night's system is refused, nothing changed" {
    local first last l old sum new
    first=$(nights | head -n1) last=$(nights | sed -n 2p)
    l=$(lines_of "$last")
    sum=$(part_lines "$l" system system | awk 'NR == 1 { print $6 }')
    # the first night's object under the checksum the manifest gives
    old=$(part_lines "$(lines_of "$first")" system system | awk -v s="$sum" 'NR == 1 { $6 = s } { print }')
    [ "$(part_lines "$l" system system | sed -n 2p)" != "$(sed -n 2p <<< "$old")" ]
    new=$(new_id)
    with_part "$l" system system "$old" | forge "$new" /root/pw
    run on_fallback "$BIN/deploy_fallback" <<< $'\n'"$PW"
    echo "$output"
    [ "$status" -eq 6 ]
    [[ $output == *"is refused: its content is not the system the manifest names (content checksum differs): nothing was changed"* ]]
    unchanged
}

@test "two apps' archives swapped in a night are refused, nothing changed" {
    local l w b new
    l=$(lines_of "$(nights | sed -n 2p)")
    w=$(part_lines "$l" app wiki) b=$(part_lines "$l" app bigdata)
    new=$(new_id)
    with_part "$(with_part "$l" app wiki "$(sed 1q <<< "$w"; sed -n 2p <<< "$b")")" app bigdata \
        "$(sed 1q <<< "$b"; sed -n 2p <<< "$w")" | forge "$new" /root/pw
    run on_fallback "$BIN/deploy_fallback" <<< $'\n'"$PW"
    echo "$output"
    [ "$status" -eq 6 ]
    [[ $output == *"is refused: its content is not the app "*" the manifest names"* ]]
    unchanged
}

@test "a night put together without the main's key is refused: another key's MAC, no MAC at all" {
    local l new
    l=$(lines_of "$(nights | sed -n 2p)")
    new=$(new_id)
    # another password does not pass the archives' key-check: a key of its own
    on_fallback /bin/bash -c 'cd /root && rm -f other.key && echo other > other.pw &&
        '"$BIN"'/fallback key-init --cost interactive --pass-file other.pw --out other.key'
    forge "$new" /root/other.key <<< "$l"
    run on_fallback "$BIN/deploy_fallback" <<< $'\n'"$PW"
    echo "$output"
    [ "$status" -eq 6 ]
    [[ $output == *"night $new is refused: its manifest fails authentication"* ]]
    unchanged
    # without its MAC (sent by an earlier version): refused unless named
    new=$(new_id)
    forge "$new" none <<< "$l"
    run on_fallback "$BIN/deploy_fallback" <<< $'\n'"$PW"
    echo "$output"
    [ "$status" -eq 6 ]
    [[ $output == *"night $new is not authenticated (no $new-manifest.mac"*"deploy_fallback --night $new"* ]]
    unchanged
}

@test "--pass-file names the password: a file others can read is refused, a root-only one is used with auto" {
    local n
    macless_newest
    n=$(nights | tail -n1)
    on_fallback /bin/bash -c 'cp /root/pw /root/pw.open && chmod 0644 /root/pw.open'
    run on_fallback "$BIN/deploy_fallback" auto --pass-file /root/pw.open
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"--pass-file /root/pw.open: not a file of root's that only root can read: nothing was changed"* ]]
    # the password opens the night (no key is kept here): the deploy goes
    # on to the MAC, which this night lacks
    run on_fallback "$BIN/deploy_fallback" auto --pass-file /root/pw
    echo "$output"
    [ "$status" -eq 6 ]
    [[ $output == *"night $n is not authenticated"* ]]
    run on_fallback "$BIN/deploy_fallback" auto --pass-file /root/otherpw
    [ "$status" -eq 4 ]
    unchanged
}

@test "a night without its MAC, named with --night, is deployed, and the log says it was not authenticated" {
    local n
    macless_newest
    n=$(nights | tail -n1)
    on_fallback test ! -e "$CHROOT/backup/nights/$n/$n-manifest.mac"
    run on_fallback "$BIN/deploy_fallback" --night "$n" <<< $'\n'"$PW"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"night $n is NOT authenticated"*"named with --night"* ]]
    on_fallback grep -q "^deployed night=$n" "$CHROOT/status/deployed"
    [ "$(on_fallback cat /home/alice/Documents/notes.txt)" = "alice, night two" ]
}
