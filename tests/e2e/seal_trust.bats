#!/usr/bin/env bats
# The fallback's storage trust rules (doc/nightly.md, "What the fallback
# trusts"), on the two-host world: each test plays an attack of someone who
# owns the main server (its root uploads with the main's key,
# tests/e2e/evil-night) or the fallback account (files written as that
# account inside the fallback host), shows that it fails with a clear log
# line or mail and changes nothing verified, and that the main server still
# sends normally afterwards. The tests run in order on one world.

bats_require_minimum_version 1.5.0

# Functions and constants only: bats runs this before setup_file and before each test.
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$BATS_TEST_DIRNAME/lib.bash"

BIN=/opt/yunohost/fallback/bin
DATA=/home/yunohost.app/fallback
CHROOT=$DATA/sftp
LOG=/var/log/fallback/fallback.log
DAY=86400

setup_file() {
    e2e_up
    e2e_pair auto_detect_failure=0
    # these attacks target the format 1 storage (objects/, manifest.json,
    # confirmed.json), which stays that of encrypt=0 and repository_format=1:
    # pinned; the repository format's trust rules are tested in nightly_v2.bats
    e2e_repository_format 1
    e2e_install_sample_apps wiki
    e2e_select_apps wiki
    e2e_capture_mail main fallback
}

teardown_file() {
    world_down
}

# shellcheck disable=SC2120  # arguments come through bats' run
send() { on_main "$BIN/send_backup" "$@"; }
# shellcheck disable=SC2120
# (on failure the end of the seal log, which is what a reader of the test needs)
seal() { on_fallback "$BIN/fallback_seal" --wait 5 "$@" || { local rc=$?; on_fallback tail -n 15 "$LOG" >&2; return "$rc"; }; }
confirmed() { on_fallback "$BIN/fallback" manifest read "$CHROOT/status/confirmed.json"; }
confirmed_night() { confirmed | awk '$1 == "night" { print $2 }'; }
part_status() { confirmed | awk -v k="$1" -v i="$2" '$1 == "part" && $2 == k && $3 == i { print $4 }'; }
nights() { on_fallback ls "$CHROOT/backup/nights"; }
incoming() { on_fallback ls -A "$CHROOT/incoming"; }
stored() { on_fallback /bin/bash -c "cd $CHROOT && find backup status -type f ! -path '*/.*' -printf '%p %s %m %u\n' | sort && find backup/objects backup/nights -type f -exec b2sum {} + | sort"; }
last_run_log() { on_main awk '/send_backup: night [0-9TZ]*: start/ { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' "$LOG"; }
# as_account CMD: CMD run by the fallback account in its incoming/
as_account() { on_fallback runuser -u fallback -- /bin/bash -c "cd $CHROOT/incoming && $1"; }
# evil ID [SIZE]: the main's root uploads a small night that verifies
evil() { on_main /bin/bash "$WORLD_SRC/tests/e2e/evil-night" "$@"; }
id_at() { date -u -d "@$1" +%Y%m%dT%H%M%SZ; }
id_epoch() { date -u -d "${1:0:4}-${1:4:2}-${1:6:2} ${1:9:2}:${1:11:2}:${1:13:2}" +%s; }
# set_arrival NIGHT EPOCH: the fallback's record of when NIGHT arrived (time passing)
set_arrival() { on_fallback /bin/bash -c "echo $2 > $CHROOT/backup/.arrived/$1"; }
change_wiki() { on_main /bin/bash -c "echo 'line $RANDOM' >> /home/yunohost.app/wiki/pages/Home.md"; }
used_objects() {
    on_fallback /bin/bash -c "for m in $CHROOT/backup/nights/*/manifest.json; do $BIN/fallback manifest read \$m; done" |
        awk '$1 == "object" { print $2 }' | sort -u
}
have_objects() { on_fallback ls "$CHROOT/backup/objects" | grep -v '\.b2$' | sort; }

@test "nights are stored root-only, confirmed.json is for the account alone, incoming/'s mode is reset each run" {
    run send
    [ "$status" -eq 0 ]
    run seal
    [ "$status" -eq 0 ]
    [ "$(nights | wc -l)" -eq 1 ]
    local n obj
    n=$(confirmed_night)
    obj=$(confirmed | awk '$1 == "object" { print $2; exit }')
    [ "$(on_fallback stat -c '%U %a' "$CHROOT/backup" "$CHROOT/backup/nights/$n" "$CHROOT/backup/objects/$obj" \
        "$CHROOT/backup/nights/$n/manifest.json" | tr '\n' ' ')" = "root 700 root 700 root 400 root 400 " ]
    [ "$(on_fallback stat -c '%U %G %a' "$CHROOT/status/confirmed.json")" = "root fallback 440" ]
    run on_fallback runuser -u nobody -- cat "$CHROOT/backup/objects/$obj"
    [ "$status" -ne 0 ]
    run on_fallback runuser -u nobody -- cat "$CHROOT/status/confirmed.json"
    [ "$status" -ne 0 ]
    as_account "cat $CHROOT/status/confirmed.json" > /dev/null
    # the account opens its incoming/ to everyone; the next run closes it
    as_account "chmod 0777 $CHROOT/incoming"
    [ "$(on_fallback stat -c '%a' "$CHROOT/incoming")" = 777 ]
    seal
    [ "$(on_fallback stat -c '%U %a' "$CHROOT/incoming")" = "fallback 750" ]
}

@test "a burst of tiny nights from the main cannot flush the verified nights; the collapse is mailed and pins" {
    local a b c t before i ids=()
    a=$(confirmed_night)
    set_arrival "$a" $(($(date +%s) - 20 * DAY))
    change_wiki
    send
    seal
    b=$(confirmed_night)
    set_arrival "$b" $(($(date +%s) - 10 * DAY))
    change_wiki
    send
    seal
    c=$(confirmed_night)
    [ "$a" \< "$b" ]
    [ "$b" \< "$c" ]
    before=$(stored)
    # seven tiny nights, newer than every real one, uploaded in one go
    t=$(id_epoch "$c")
    for i in 1 2 3 4 5 6 7; do
        ids+=("$(id_at $((t + i)))")
        evil "${ids[-1]}"
    done
    run seal
    echo "$output"
    for i in "${ids[@]}"; do
        on_fallback grep -q "night $i VERIFIED" "$LOG"
    done
    # every verified night is still there, unchanged
    [ "$(nights | wc -l)" -eq 10 ]
    nights | grep -qx "$a"
    nights | grep -qx "$b"
    nights | grep -qx "$c"
    [ -z "$(comm -23 <(echo "$before" | grep -v status/confirmed.json | sort) <(stored | sort))" ]
    # the first tiny night is a collapse: mailed, and the last real night is pinned
    on_fallback grep -q "night ${ids[0]} looks like a COLLAPSE (parts gone since $c: app/wiki" "$LOG"
    on_fallback test -f "$CHROOT/backup/.pinned/$c"
    e2e_mails fallback | grep -q "^Subject: .*night ${ids[0]}: collapse, night $c pinned"
    e2e_mails fallback | grep -q -- "--unpin $c"
    # the main server still sends normally: everything the tiny night lacks
    # (its night id is its start time: after the burst's, never one of them)
    while [ "$(date +%s)" -le $((t + 7)) ]; do sleep 1; done
    run send
    [ "$status" -eq 0 ]
    seal
    [ "$(confirmed_night)" \> "${ids[6]}" ]
    [ "$(part_status app wiki)" = sent ]
    [ "$(part_status system system)" = sent ]
}

@test "retention goes by arrival: recent nights, the newest of a week, of a month, the pinned and the newest" {
    local all now w dow m e1 e2 e3 e4 pinned newest a b kept
    mapfile -t all < <(nights)
    # all: A B C(pinned) E1..E7 D(newest), as the previous test left them
    [ "${#all[@]}" -eq 11 ]
    a=${all[0]} b=${all[1]} pinned=${all[2]} e1=${all[3]} e2=${all[4]} e3=${all[5]} e4=${all[6]} newest=${all[10]}
    on_fallback test -f "$CHROOT/backup/.pinned/$pinned"
    now=$(date +%s)
    # w: Monday 00:00 UTC of the week two weeks ago; m: the 1st of the month four months ago
    dow=$(date -u -d "@$((now - 14 * DAY))" +%u)
    w=$(date -u -d "$(date -u -d "@$((now - 14 * DAY - (dow - 1) * DAY))" +%F)" +%s)
    m=$(date -u -d "$(date -u -d "@$((now - 120 * DAY))" +%Y-%m-01)" +%s)
    set_arrival "$a" $((now - 300 * DAY))
    set_arrival "$b" $((now - 300 * DAY + 3600))
    set_arrival "$pinned" $((now - 400 * DAY))
    set_arrival "$e1" $((w + DAY + 3600))
    set_arrival "$e2" $((w + DAY + 7200))
    set_arrival "$e3" $((m + DAY + 3600))
    set_arrival "$e4" $((m + DAY + 7200))
    on_fallback /bin/bash -c "printf 'keep_days=7\nkeep_weeks=2\nkeep_months=6\n' > $DATA/fallback_seal.conf"
    run seal
    echo "$output"
    [ "$status" -eq 0 ]
    kept=$(nights)
    [ "$kept" = "$(printf '%s\n' "$pinned" "$e2" "$e4" "${all[7]}" "${all[8]}" "${all[9]}" "$newest")" ]
    on_fallback grep -q "retention: night $a removed (arrived " "$LOG"
    # every object a kept night uses is there, and nothing else
    [ "$(used_objects)" = "$(have_objects)" ]
    # the removed first night, sent again under its id with other bytes, cannot
    # replace the archive the pinned night still uses
    local sums
    on_fallback test -f "$CHROOT/backup/objects/$a-system.tar.enc"
    sums=$(on_fallback b2sum "$CHROOT/backup/objects/$a-system.tar.enc" "$CHROOT/backup/objects/$a-system.tar.enc.b2")
    evil "$a" 100 enc
    run seal
    [ "$status" -ne 0 ]
    on_fallback grep -q "night $a REJECTED, not verified: $a-system.tar.enc: an object of that name is already stored" "$LOG"
    [ "$(on_fallback b2sum "$CHROOT/backup/objects/$a-system.tar.enc" "$CHROOT/backup/objects/$a-system.tar.enc.b2")" = "$sums" ]
    [[ $(nights) != *"$a"* ]]
    # unpinned, the night is retention's again
    run on_fallback "$BIN/fallback_seal" --pins
    [[ $output == *"$pinned"*"collapse"* ]]
    on_fallback "$BIN/fallback_seal" --unpin "$pinned"
    run on_fallback "$BIN/fallback_seal" --unpin "$pinned"
    [ "$status" -ne 0 ]
    seal
    [[ $(nights) != *"$pinned"* ]]
    [ "$(used_objects)" = "$(have_objects)" ]
    # a bad setting stops the run before anything changes
    on_fallback /bin/bash -c "echo keep_days=soon >> $DATA/fallback_seal.conf"
    run seal
    [ "$status" -eq 12 ]
    on_fallback grep -q "keep_days must be a whole number from 0 to 3660, not 'soon'" "$LOG"
    on_fallback sed -i '/^keep_days=soon$/d' "$DATA/fallback_seal.conf"
}

@test "a night id ahead of the fallback's clock is refused and mailed; the main still sends" {
    local before prev future later
    prev=$(confirmed_night)
    before=$(stored)
    future=$(id_at $(($(date +%s) + DAY)))
    later=$(id_at $(($(date +%s) + 2 * DAY)))
    evil "$future"
    as_account "echo x > $later-app_wiki.tar.enc.part"
    run seal
    [ "$status" -ne 0 ]
    on_fallback grep -q "night $future REJECTED, not verified: the night id $future is ahead of this server's clock" "$LOG"
    e2e_mails fallback | grep -q "^Subject: .*night $future rejected"
    on_fallback grep -q "removed upload $later-app_wiki.tar.enc.part: its night id is ahead" "$LOG"
    [ "$(confirmed_night)" = "$prev" ]
    [ "$(stored)" = "$before" ]
    [ -z "$(incoming)" ]
    run send
    [ "$status" -eq 0 ]
    seal
    [ "$(confirmed_night)" \> "$prev" ]
    [ "$(confirmed_night)" \< "$future" ]
}

@test "links, FIFOs and names swapped during staging never make root change another file" {
    local n r secret=$DATA/kept-secret i
    on_fallback /bin/bash -c "echo 'the kept password' > $secret && chmod 0600 $secret"
    n=$(id_at "$(date +%s)")
    as_account "ln -s $secret $n-system.tar && mkfifo $n-app_list.enc && echo '{}' > $n.manifest.json"
    run seal
    [ "$status" -ne 0 ]
    on_fallback grep -q "night $n: $n-system.tar: a symbolic link: removed" "$LOG"
    on_fallback grep -q "night $n: $n-app_list.enc: not a regular file: removed" "$LOG"
    [ "$(on_fallback stat -c '%U %a' "$secret")" = "root 600" ]
    # the account swaps a link and a file under the same name as fast as it can
    r=$(id_at $(($(date +%s) + 1)))
    on_fallback /bin/bash -c "setsid runuser -u fallback -- /bin/bash -c '
        cd $CHROOT/incoming || exit 1
        while [ \$SECONDS -lt 12 ]; do
            echo {} > x1 && mv -f x1 $r.manifest.json
            ln -sfn $secret x2 && mv -fT x2 $r-system.tar
            echo data > x3 && mv -fT x3 $r-system.tar
        done' > /dev/null 2>&1 < /dev/null &"
    for i in 1 2 3 4 5 6 7 8 9 10; do
        on_fallback "$BIN/fallback_seal" --wait 0 > /dev/null 2>&1 || true
    done
    # the account's loop is over (its command line names night $r) before
    # the last run, whatever the speed of the machine
    for i in $(seq 30); do
        on_fallback pgrep -f "mv -f x1 $r.manifest.json" > /dev/null || break
        sleep 1
    done
    run ! on_fallback pgrep -f "mv -f x1 $r.manifest.json"
    on_fallback "$BIN/fallback_seal" --wait 0 > /dev/null 2>&1 || true
    [ "$(on_fallback stat -c '%U %a' "$secret")" = "root 600" ]
    [ "$(on_fallback cat "$secret")" = "the kept password" ]
    [ -z "$(on_fallback find "$CHROOT/backup" -mindepth 1 ! -type f ! -type d ! -path "$CHROOT/backup/latest")" ]
    [ -z "$(on_fallback find "$CHROOT/backup" -mindepth 1 -type f ! -user root)" ]
    # the main server still sends normally
    change_wiki
    run send
    [ "$status" -eq 0 ]
    seal
    [ "$(part_status app wiki)" = sent ]
}

@test "incoming/ clean-up goes by the fallback's own first sight, not by mtimes the account sets" {
    as_account "echo x > junk-future && touch -d '+1 year' junk-future && echo y > junk-past && touch -d '10 days ago' junk-past"
    seal
    incoming | grep -qx junk-future
    incoming | grep -qx junk-past
    # three days pass for junk-future by the fallback's record
    on_fallback sed -i "s/^[0-9]* junk-future\$/$(($(date +%s) - 3 * DAY)) junk-future/" "$CHROOT/backup/.seen"
    seal
    run ! on_fallback test -e "$CHROOT/incoming/junk-future"
    on_fallback grep -q "removed upload junk-future: first seen .*, abandoned" "$LOG"
    incoming | grep -qx junk-past
    as_account "rm -f junk-past"
}

@test "garbage collection fails closed: a manifest that cannot be read means nothing is deleted" {
    local victim obj before
    # a stored night whose object no other night uses, and an orphan object
    victim=$(nights | sed -n 2p)
    obj=$(on_fallback "$BIN/fallback" manifest read "$CHROOT/backup/nights/$victim/manifest.json" | awk '$1 == "object" { print $2; exit }')
    [ -n "$obj" ]
    on_fallback /bin/bash -c "cd $CHROOT/backup && cp nights/$victim/manifest.json /root/saved.json &&
        cp objects/$obj objects/20200101T000000Z-app_orphan.tar && cp objects/$obj.b2 objects/20200101T000000Z-app_orphan.tar.b2 &&
        echo damaged > nights/$victim/manifest.json"
    before=$(on_fallback ls "$CHROOT/backup/objects")
    run seal
    [ "$status" -ne 0 ]
    on_fallback grep -q "garbage collection skipped, nothing deleted: cannot read a manifest ($CHROOT/backup/nights/$victim/manifest.json" "$LOG"
    e2e_mails fallback | grep -q "^Subject: .*garbage collection skipped"
    [ "$(on_fallback ls "$CHROOT/backup/objects")" = "$before" ]
    # repaired, the orphan goes and nothing else
    on_fallback cp /root/saved.json "$CHROOT/backup/nights/$victim/manifest.json"
    run seal
    [ "$status" -eq 0 ]
    on_fallback grep -q "retention: object 20200101T000000Z-app_orphan.tar removed" "$LOG"
    on_fallback test -f "$CHROOT/backup/objects/$obj"
    [ "$(used_objects)" = "$(have_objects)" ]
}

@test "incoming/ has a quota: a failed night's leftovers are removed and mailed, the next night goes" {
    local prev
    prev=$(confirmed_night)
    on_fallback mount -t tmpfs -o size=8m,mode=0750 tmpfs "$CHROOT/incoming"
    on_fallback chown fallback:fallback "$CHROOT/incoming"
    on_main dd if=/dev/urandom of=/home/yunohost.app/wiki/pages/big.bin bs=1M count=12 status=none
    run send
    [ "$status" -ne 0 ]
    last_run_log | grep -q "upload of .*app_wiki.tar.enc failed"
    [ -n "$(incoming | grep '\.part$')" ]
    run seal
    [ "$status" -ne 0 ]
    on_fallback grep -q "incoming/ is over its quota (.*): the unfinished uploads were removed" "$LOG"
    e2e_mails fallback | grep -q "^Subject: .*incoming/ over its quota"
    [ -z "$(incoming)" ]
    [ "$(confirmed_night)" = "$prev" ]
    # the data shrank: the very next night fits and is verified (staged across file systems)
    on_main rm -f /home/yunohost.app/wiki/pages/big.bin
    change_wiki
    run send
    echo "$output"
    [ "$status" -eq 0 ]
    run seal
    on_fallback umount "$CHROOT/incoming"
    [ "$status" -eq 0 ]
    [ "$(confirmed_night)" \> "$prev" ]
    [ "$(part_status app wiki)" = sent ]
}

@test "a confirmed.json larger than the cap is not downloaded by the main; the night still goes" {
    local prev
    prev=$(confirmed_night)
    on_fallback /bin/bash -c "cd $CHROOT/status && truncate -s 17M confirmed.json"
    run send
    [ "$status" -eq 0 ]
    last_run_log | grep -q "cannot read what the fallback confirmed (.*more than the 16777216 allowed (--max-size): not downloaded)"
    last_run_log | grep -q "app wiki: This backup is different than the previous one"
    [ -z "$(on_main find "$DATA" -name 'confirmed.json*' -size +1M)" ]
    # without a cap, a file that cannot fit in the local folder is not read either
    on_main /bin/bash -c "mkdir -p /root/small && mount -t tmpfs -o size=1m tmpfs /root/small"
    run on_main "$BIN/fallback" pull --config "$DATA/config.conf" --to /root/small /status/confirmed.json
    on_main umount /root/small
    [ "$status" -eq 8 ]
    [[ $output == *"/status/confirmed.json: 17825792 bytes, only "*" free in /root/small: not downloaded"* ]]
    seal
    [ "$(confirmed_night)" \> "$prev" ]
    [ "$(on_fallback stat -c %s "$CHROOT/status/confirmed.json")" -lt 1048576 ]
}
