#!/usr/bin/env bats
# The nightly send (send_backup on the main) and the fallback's arrival
# check, sealing and retention (fallback_seal), on the two-host world with
# the package installed on both hosts by its own install script. The tests
# run in order on one world and build on the nights the previous ones left;
# after the first, each sends and seals a night of its own when run alone
# (a_night).

bats_require_minimum_version 1.5.0

# Functions and constants only: bats runs this before setup_file and before each test.
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$BATS_TEST_DIRNAME/lib.bash"

BIN=/opt/yunohost/fallback/bin
DATA=/home/yunohost.app/fallback
CHROOT=$DATA/sftp
LOG=/var/log/fallback/fallback.log

setup_file() {
    e2e_up
    e2e_pair auto_detect_failure=0
    # this file is about the format 1 archives (one per part, objects/,
    # confirmed.json), which stay the format of encrypt=0 and of
    # repository_format=1: pinned; the repository format is nightly_v2.bats
    e2e_repository_format 1
    e2e_install_sample_apps wiki
    e2e_install_app main wiki "domain=main.test&path=/wiki2"
    e2e_select_apps wiki wiki__2
    e2e_capture_mail main
}

teardown_file() {
    world_down
}

# shellcheck disable=SC2120  # arguments come through bats' run
send() { on_main "$BIN/send_backup" "$@"; }
# shellcheck disable=SC2120
seal() { on_fallback "$BIN/fallback_seal" "$@"; }
confirmed() { on_fallback "$BIN/fallback" manifest read "$CHROOT/status/confirmed.json"; }
confirmed_night() { confirmed | awk '$1 == "night" { print $2 }'; }
part_status() { confirmed | awk -v k="$1" -v i="$2" '$1 == "part" && $2 == k && $3 == i { print $4 }'; }
nights() { on_fallback ls "$CHROOT/backup/nights"; }
# a_night: a verified night on the fallback unless there is one (the first
# test's; a test run alone sends and seals its own)
a_night() { [ -n "$(confirmed_night 2> /dev/null)" ] || { send > /dev/null 2>&1 && seal > /dev/null 2>&1; }; }
incoming() { on_fallback ls -A "$CHROOT/incoming"; }
# a fingerprint of everything verified: names, sizes, modes, content digests
stored() { on_fallback /bin/bash -c "cd $CHROOT && find backup status -type f ! -path '*/.*' -printf '%p %s %m %u\n' | sort && find backup/objects backup/nights -type f -exec b2sum {} + | sort"; }
# the main server keeps no archive between runs
main_clean() {
    [ -z "$(on_main find "$DATA/fallback_backup" -mindepth 1)" ]
    [ -z "$(on_main find /home/yunohost.backup/archives -name '*_fallback_bck*')" ]
}
last_run_log() { on_main awk '/send_backup: night [0-9TZ]*: start/ { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' "$LOG"; }

# run_killed WHEN: start send_backup in its own process group on the main,
# wait (bounded) until WHEN (a command run on the fallback or the main)
# holds, then kill -9 the whole group, as a crash would.
run_killed() {
    local where=$1 cond=$2 pid i
    pid=$(on_main /bin/bash -c "setsid $BIN/send_backup > /dev/null 2>&1 < /dev/null & echo \$!")
    for ((i = 0; i < 600; i++)); do
        if "on_$where" /bin/bash -c "$cond" 2>/dev/null; then
            on_main kill -9 -- "-$pid"
            return 0
        fi
        sleep 0.1
    done
    on_main kill -9 -- "-$pid" 2>/dev/null
    echo "condition never met: $cond" >&2
    return 1
}

@test "first night: the system and the selected apps are sent, verified and sealed" {
    run send
    echo "$output"
    [ "$status" -eq 0 ]
    main_clean
    last_run_log | grep -q "system system: This backup is different than the previous one"
    last_run_log | grep -q "app wiki__2: This backup is different than the previous one"
    run seal
    [ "$status" -eq 0 ]
    [ "$(part_status system system)" = sent ]
    [ "$(part_status app wiki)" = sent ]
    [ "$(part_status app wiki__2)" = sent ]
    [ "$(nights | wc -l)" -eq 1 ]
    [ -z "$(incoming)" ]
    # sealed: root-owned, read-only, and the archive decrypts with the password alone
    local obj
    obj=$(confirmed | awk '$1 == "object" && $2 ~ /app_wiki.tar.enc$/ { print $2 }')
    [ "$(on_fallback stat -c '%U %a' "$CHROOT/backup/objects/$obj")" = "root 400" ]
    on_fallback cat "$CHROOT/backup/objects/$obj" > "$BATS_FILE_TMPDIR/wiki.enc"
    echo Corr3ct-Horse-Battery > "$BATS_FILE_TMPDIR/pw"
    "$FALLBACK_BIN" decrypt --pass-file "$BATS_FILE_TMPDIR/pw" "$BATS_FILE_TMPDIR/wiki.enc" "$BATS_FILE_TMPDIR/wiki.tar"
    tar -tf "$BATS_FILE_TMPDIR/wiki.tar" | grep -q '^apps/wiki/backup/home/yunohost.app/wiki/pages/Home.md$'
    [ "$(on_fallback cat "$CHROOT/backup/latest/$(confirmed_night)-ip_main_server")" != "" ]
}

@test "second night with no change sends no archive bytes" {
    local before n
    a_night
    before=$(on_fallback ls "$CHROOT/backup/objects")
    n=$(nights | wc -l)
    run send
    [ "$status" -eq 0 ]
    last_run_log | grep -q "system system: This backup is the same than the previous one"
    last_run_log | grep -q "app wiki: This backup is the same than the previous one"
    last_run_log | grep -q " 0 sent, 3 unchanged, 0 failed, 0 archive bytes sent"
    # the night's record says the same, and fallback_status shows it
    on_main cat "$DATA/last_night" > "$BATS_FILE_TMPDIR/record"
    grep -qx 'outcome=ok' "$BATS_FILE_TMPDIR/record"
    grep -qx 'format=1' "$BATS_FILE_TMPDIR/record"
    grep -qx 'sent=0' "$BATS_FILE_TMPDIR/record"
    grep -qx 'unchanged=3' "$BATS_FILE_TMPDIR/record"
    grep -Eqx 'parts=system/system/unchanged/0/[0-9]+ app/wiki/unchanged/0/[0-9]+ app/wiki__2/unchanged/0/[0-9]+' "$BATS_FILE_TMPDIR/record"
    on_main "$BIN/fallback_status" --json --offline > "$BATS_FILE_TMPDIR/status.json"
    "$BATS_TEST_DIRNAME/check-json-schema" "$BATS_TEST_DIRNAME/status.schema.json" "$BATS_FILE_TMPDIR/status.json"
    [ "$(jq -r .last_night.night "$BATS_FILE_TMPDIR/status.json")" = "$(sed -n 's/^night=//p' "$BATS_FILE_TMPDIR/record")" ]
    [ "$(jq -r '[.last_night.parts[] | "\(.id)=\(.status)"] | join(" ")' "$BATS_FILE_TMPDIR/status.json")" = "system=unchanged wiki=unchanged wiki__2=unchanged" ]
    [ -z "$(incoming | grep '\.tar')" ]
    seal
    [ "$(part_status app wiki)" = unchanged ]
    [ "$(on_fallback ls "$CHROOT/backup/objects")" = "$before" ]
    [ "$(nights | wc -l)" -eq $((n + 1)) ]
    main_clean
}

@test "a change in one app's data sends only that app" {
    a_night
    on_main /bin/bash -c 'echo "a new line" >> /home/yunohost.app/wiki/pages/Home.md'
    run send
    [ "$status" -eq 0 ]
    last_run_log | grep -q "app wiki: This backup is different than the previous one"
    last_run_log | grep -q " 1 sent, 2 unchanged, 0 failed"
    [ "$(on_main /bin/bash -c "grep -E '^(sent|unchanged|failed)=' $DATA/last_night" | paste -sd ' ')" = "sent=1 unchanged=2 failed=0" ]
    [ "$(incoming | grep -c '\.tar\.enc$')" -eq 1 ]
    seal
    [ "$(part_status app wiki)" = sent ]
    [ "$(part_status app wiki__2)" = unchanged ]
    [ "$(part_status system system)" = unchanged ]
}

@test "the main's key cannot delete, rename or overwrite what is sealed" {
    local obj night before sftp
    a_night
    before=$(stored)
    obj=$(confirmed | awk '$1 == "object" { print $2; exit }')
    night=$(confirmed_night)
    sftp="sftp -i $DATA/ssh_key -o UserKnownHostsFile=$DATA/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes -b -"
    on_main /bin/bash -c 'echo evil > /root/evil'
    local -a attempts=(
        "rm /backup/objects/$obj"
        "rename /backup/objects/$obj /incoming/stolen"
        "rename /backup/objects/$obj /backup/objects/x"
        "put /root/evil /backup/objects/$obj"
        "put /root/evil /backup/nights/$night/manifest.json"
        "rm /backup/nights/$night/manifest.json"
        "rm /status/confirmed.json"
        "put /root/evil /status/confirmed.json"
        "chmod 666 /backup/objects/$obj"
        "rmdir /backup/nights/$night"
        "rename /backup/nights/$night /incoming/n"
        "symlink /incoming /backup/objects/link"
    )
    local a
    for a in "${attempts[@]}"; do
        run on_main /bin/bash -c "echo '$a' | $sftp fallback@$(world_host_ip fallback)"
        echo "$a -> $status: $output"
        [ "$status" -ne 0 ]
    done
    [ "$(stored)" = "$before" ]
}

@test "a flipped byte in an uploaded archive is caught and the night is not verified" {
    local prev bad f
    a_night
    prev=$(confirmed_night)
    on_main /bin/bash -c 'echo "another line" >> /home/yunohost.app/wiki/pages/Home.md'
    send
    f=$(incoming | grep 'app_wiki\.tar\.enc$' | tail -n1)
    bad=${f%%-*}
    on_fallback "$WORLD_SRC/tests/flip-byte" "$CHROOT/incoming/$f" 5000
    run seal
    echo "$output"
    [ "$status" -ne 0 ]
    on_fallback grep -q "night $bad REJECTED, not verified: $f: checksum mismatch" "$LOG"
    [ "$(confirmed_night)" = "$prev" ]
    [[ $(nights) != *"$bad"* ]]
    # the next night sends the app again and is verified
    send
    seal
    [ "$(part_status app wiki)" = sent ]
    [ "$(confirmed_night)" \> "$bad" ]
}

@test "kill -9 during a backup, an upload or before the manifest: the last night stays, the next run completes" {
    local prev before n
    a_night
    # enough data in wiki__2 for its backup and upload to take a while
    on_main dd if=/dev/urandom of=/home/yunohost.app/wiki__2/pages/big.bin bs=1M count=48 status=none
    on_main /bin/bash -c 'echo "changed" >> /home/yunohost.app/wiki/pages/Home.md'
    prev=$(confirmed_night)
    before=$(stored)
    # 1. during a backup
    run_killed main "pgrep -f '[b]ackup create' > /dev/null"
    # 2. during an upload (a new .part in incoming/)
    n=$(incoming | grep -c '\.part$' || true)
    run_killed fallback "[ \$(ls $CHROOT/incoming | grep -c '\.part\$') -gt $n ]"
    # 3. after an archive arrived, before the manifest
    n=$(incoming | grep -c 'app_wiki\.tar\.enc$' || true)
    run_killed fallback "[ \$(ls $CHROOT/incoming | grep -c 'app_wiki\.tar\.enc\$') -gt $n ]"
    [[ $(incoming) != *manifest* ]]
    run seal
    [ "$(confirmed_night)" = "$prev" ]
    [ "$(stored)" = "$before" ]
    run send
    echo "$output"
    [ "$status" -eq 0 ]
    main_clean
    seal
    [ "$(confirmed_night)" \> "$prev" ]
    [ "$(part_status app wiki__2)" = sent ]
    [ -z "$(incoming)" ]
}

@test "fallback disk full during an upload: earlier nights intact, error logged, next run succeeds" {
    local before prev
    a_night
    seal
    prev=$(confirmed_night)
    before=$(stored)
    on_main /bin/bash -c 'echo "more" >> /home/yunohost.app/wiki__2/pages/Home.md'
    on_fallback mount -t tmpfs -o size=4m,mode=0750 tmpfs "$CHROOT/incoming"
    on_fallback chown fallback:fallback "$CHROOT/incoming"
    run send
    on_fallback umount "$CHROOT/incoming"
    echo "$output"
    [ "$status" -ne 0 ]
    last_run_log | grep -q "upload of .*app_wiki__2.tar.enc failed"
    on_main grep -qx 'outcome=failed' "$DATA/last_night"
    on_main grep -Eq '^parts=.* app/wiki__2/failed/0/[0-9]+( |$)' "$DATA/last_night"
    [ "$(on_main "$BIN/fallback_status" --json --offline | jq -r '.last_outcome, (.last_night.parts[] | select(.id == "wiki__2") | .status)' | paste -sd ' ')" = "failed failed" ]
    main_clean
    run seal
    [ "$(stored | grep -c "nights/$prev/")" -gt 0 ]
    on_fallback test -f "$CHROOT/backup/nights/$prev/manifest.json"
    run send
    [ "$status" -eq 0 ]
    seal
    [ "$(part_status app wiki__2)" = sent ]
}

@test "unreachable fallback and changed host key: a clear error, nothing sent, nothing left" {
    local n
    n=$(incoming | wc -l)
    on_main /bin/bash -c "sed 's/^ssh_port=.*/ssh_port=2/' $DATA/config.conf > /root/closed.conf"
    run send --config /root/closed.conf
    [ "$status" -ne 0 ]
    last_run_log | grep -q "cannot reach the fallback server .*unreachable.*nothing was sent"
    e2e_mails main | grep -q "^Subject: .*FAILED"
    main_clean
    on_main /bin/bash -c "ssh-keygen -q -t ed25519 -N '' -f /root/other > /dev/null && echo \"$(world_host_ip fallback) \$(cut -d' ' -f1,2 /root/other.pub)\" > /root/kh &&
        sed 's|^known_hosts=.*|known_hosts=/root/kh|' $DATA/config.conf > /root/changed.conf"
    run send --config /root/changed.conf
    [ "$status" -ne 0 ]
    last_run_log | grep -q "host key is unknown or has CHANGED"
    main_clean
    [ "$(incoming | wc -l)" -eq "$n" ]
    # the first good run after failures mails that all is well again
    run send
    [ "$status" -eq 0 ]
    e2e_mails main | grep -q "^Subject: .*back to normal"
    seal
}

@test "a deployed fallback receives nothing; the log and the mail point at update_from_fallback" {
    local n
    n=$(incoming | wc -l)
    on_fallback touch "$CHROOT/status/deployed"
    run send
    on_fallback rm -f "$CHROOT/status/deployed"
    [ "$status" -ne 0 ]
    last_run_log | grep -q "DEPLOYED.*update_from_fallback"
    e2e_last_mail main | grep -q update_from_fallback
    [ "$(incoming | wc -l)" -eq "$n" ]
    main_clean
}

@test "two runs at once: the second refuses" {
    run on_main /bin/bash -c "exec 9>>/run/fallback/fallback_send_backup.lock && flock 9 && $BIN/send_backup"
    [ "$status" -ne 0 ]
    on_main tail -n 3 "$LOG" | grep -q "another send_backup is running"
}

@test "an unselected app leaves the next manifest and pins the night before; retention keeps what kept nights use" {
    local prev
    a_night
    prev=$(confirmed_night)
    on_main sed -i 's/^\[\.\]: wiki__2$/[]: wiki__2/' "$DATA/app_list"
    send
    seal
    [ -z "$(part_status app wiki__2)" ]
    [ -n "$(part_status app wiki)" ]
    # a part gone is a collapse: the night before is pinned
    on_fallback grep -q "looks like a COLLAPSE (parts gone since $prev: app/wiki__2" "$LOG"
    on_fallback test -f "$CHROOT/backup/.pinned/$prev"
    # keep only the newest night (and the pinned one)
    on_fallback /bin/bash -c "printf 'keep_days=0\nkeep_weeks=0\nkeep_months=0\n' > $DATA/fallback_seal.conf"
    send
    seal
    [ "$(nights | wc -l)" -eq 2 ]
    nights | grep -qx "$prev"
    # every object a kept night uses is there, and nothing else
    local used have
    used=$(on_fallback /bin/bash -c "for m in $CHROOT/backup/nights/*/manifest.json; do $BIN/fallback manifest read \$m; done" |
        awk '$1 == "object" { print $2 }' | sort -u)
    have=$(on_fallback ls "$CHROOT/backup/objects" | grep -v '\.b2$' | sort)
    [ "$used" = "$have" ]
    # unpinned, the night goes, and the objects only it used
    on_fallback "$BIN/fallback_seal" --unpin "$prev"
    seal
    [ "$(nights | wc -l)" -eq 1 ]
    used=$(on_fallback /bin/bash -c "$BIN/fallback manifest read $CHROOT/backup/latest/manifest.json" | awk '$1 == "object" { print $2 }' | sort -u)
    have=$(on_fallback ls "$CHROOT/backup/objects" | grep -v '\.b2$' | sort)
    [ "$used" = "$have" ]
    # the system archive of the first night is still used, so still kept
    [ "$(part_status system system)" = unchanged ]
    [[ $have != *wiki__2* ]]
}

@test "an unverifiable newer night never pushes out the newest verified one" {
    local prev kept
    a_night
    prev=$(confirmed_night)
    kept=$(nights)
    [ "$(tail -n1 <<< "$kept")" = "$prev" ]
    on_fallback /bin/bash -c "echo '{}' > $CHROOT/incoming/29991231T000000Z.manifest.json && chown fallback $CHROOT/incoming/*"
    run seal
    [ "$status" -ne 0 ]
    [ "$(confirmed_night)" = "$prev" ]
    [ "$(nights)" = "$kept" ]
    [ -z "$(incoming)" ]
}
