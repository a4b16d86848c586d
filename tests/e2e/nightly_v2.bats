#!/usr/bin/env bats
# Nights in the repository format (encrypt=1, repository_format=2) on the
# two-host world: the main sends only the chunks the fallback's published
# blob list lacks, each pack as it closes; the fallback checks and stores
# packs, part records and night manifests without the key; an interrupted
# night's packs serve the next one; deploy_fallback restores a v2 night one
# part at a time. The tests run in order on one world.

bats_require_minimum_version 1.5.0

# Functions and constants only: bats runs this before setup_file and before each test.
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$BATS_TEST_DIRNAME/lib.bash"
# shellcheck source-path=SCRIPTDIR source=kill.bash
source "$BATS_TEST_DIRNAME/kill.bash"

BIN=/opt/yunohost/fallback/bin
DATA=/home/yunohost.app/fallback
CHROOT=$DATA/sftp
LOG=/var/log/fallback/fallback.log
PW=Corr3ct-Horse-Battery

setup_file() {
    e2e_up
    e2e_pair auto_detect_failure=0
    e2e_install_sample_apps wiki bigdata flaky
    e2e_select_apps wiki bigdata flaky
    e2e_capture_mail main fallback
    on_main /bin/bash -c "echo repository_format=2 >> $DATA/config.conf"
}

teardown_file() {
    world_down
}

setup() {
    T=$BATS_FILE_TMPDIR
}

# shellcheck disable=SC2120  # arguments come through bats' run
send() { on_main "$BIN/send_backup" "$@"; }
# shellcheck disable=SC2120
seal() { on_fallback "$BIN/fallback_seal" "$@"; }
nights() { on_fallback ls "$CHROOT/backup/nights"; }
newest() { nights | tail -n1; }
incoming() { on_fallback ls -A "$CHROOT/incoming"; }
packs() { on_fallback find "$CHROOT/backup/repo/packs" -type f -printf '%f\n' | sort; }
last_run_log() { on_main awk '/send_backup: night [0-9TZ]*: start/ { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' "$LOG"; }
# sent_bytes KIND ID: the bytes the last run sent for that part
sent_bytes() { last_run_log | awk -v k="$1" -v i="$2" '$0 ~ "summary of night" { on = 1 } on && $4 == k && $5 == i { print $7 }'; }
night_lines() { on_fallback "$BIN/fallback" night read "$CHROOT/backup/nights/$1/night.v2"; }

# rebuild NIGHT PART OUT: the part's tar rebuilt here from a copy of what the
# fallback stores, with the password alone (doc/repository-format.md)
rebuild() {
    local r=$T/rebuild hash
    rm -rf "$r" && mkdir -p "$r/parts"
    on_fallback cat "$CHROOT/backup/nights/$1/$1-repo.config" > "$r/config"
    hash=$(night_lines "$1" | awk -v p="$2" '$1 == "part" && $2 == p { print $3 }')
    on_fallback cat "$CHROOT/backup/repo/records/$hash" > "$r/parts/$2"
    on_fallback tar -C "$CHROOT/backup/repo" -cf - packs | tar -C "$r" -xf -
    echo "$PW" > "$T/pw"
    "$FALLBACK_BIN" repo rebuild --repo "$r" --pass-file "$T/pw" --part "$2" --out "$3"
}

@test "v2 first night: packs, records and the night manifest arrive, are checked and stored root-only" {
    run send
    echo "$output"
    [ "$status" -eq 0 ]
    last_run_log | grep -q "app bigdata: This backup is different than the previous one"
    # the main keeps its repository's config, no pack
    [ -z "$(on_main find "$DATA/fallback_backup/repo" -path '*/packs/*' -type f)" ]
    on_main test -f "$DATA/fallback_backup/repo/config"
    incoming | grep -Eq -- '-pack-[0-9a-f]{64}$'
    incoming | grep -q -- '\.night$'
    run seal
    echo "$output"
    [ "$status" -eq 0 ]
    [ -z "$(incoming)" ]
    [ "$(nights | wc -l)" -eq 1 ]
    n=$(newest)
    night_lines "$n" | grep -q '^part app_bigdata '
    night_lines "$n" | grep -q '^part system '
    night_lines "$n" | grep -q '^file repo.config '
    # stored root-only; what the account reads: the blob list and the newest v2 night
    [ "$(on_fallback stat -c '%U %a' "$CHROOT/backup/repo/packs/$(packs | head -n1 | cut -c1-2)/$(packs | head -n1)")" = "root 400" ]
    [ "$(on_fallback stat -c '%U %G %a' "$CHROOT/status/blobs")" = "root fallback 440" ]
    [ "$(on_fallback stat -c '%U %G %a' "$CHROOT/status/night.v2")" = "root fallback 440" ]
    refute on_fallback test -e "$CHROOT/status/confirmed.json"
    [ "$(on_fallback grep -c '^pack ' "$CHROOT/status/blobs")" -eq "$(packs | wc -l)" ]
    # each part rebuilds from the stored repository with the password alone
    rebuild "$n" app_wiki "$T/wiki.tar"
    tar -tf "$T/wiki.tar" | grep -q '^apps/wiki/backup/home/yunohost.app/wiki/pages/Home.md$'
    rebuild "$n" app_bigdata "$T/bigdata.tar"
    [ "$(stat -c %s "$T/bigdata.tar")" -gt 2000000 ]
    # fallback_status on both servers names the v2 night
    on_fallback "$BIN/fallback_status" --json > "$T/fallback.json"
    "$BATS_TEST_DIRNAME/check-json-schema" "$BATS_TEST_DIRNAME/status.schema.json" "$T/fallback.json"
    [ "$(jq -r '.newest_night.night' "$T/fallback.json")" = "$n" ]
    [ "$(jq -r '.nights[0].parts | map(.id) | sort | join(" ")' "$T/fallback.json")" = "bigdata flaky system wiki" ]
    [ "$(jq .drill.packs "$T/fallback.json")" -eq "$(packs | wc -l)" ]
    on_main "$BIN/fallback_status" --json > "$T/main.json"
    "$BATS_TEST_DIRNAME/check-json-schema" "$BATS_TEST_DIRNAME/status.schema.json" "$T/main.json"
    [ "$(jq -r '.fallback_server.newest_night.night' "$T/main.json")" = "$n" ]
}

@test "v2: with the key kept, each new night is proven to rebuild; a kept key that does not open it is mailed" {
    on_main cat "$DATA/passkey" | on_fallback /bin/bash -c "cat > $DATA/passkey && chmod 400 $DATA/passkey"
    run send
    [ "$status" -eq 0 ]
    run seal
    echo "$output"
    [ "$status" -eq 0 ]
    n=$(newest)
    on_fallback grep -q "night $n PROVEN: every part rebuilds with the kept key" "$LOG"
    on_fallback test -f "$CHROOT/backup/repo/.proven-nights/$n"
    on_fallback "$BIN/fallback_status" --json > "$T/proven.json"
    "$BATS_TEST_DIRNAME/check-json-schema" "$BATS_TEST_DIRNAME/status.schema.json" "$T/proven.json"
    [ "$(jq -r .drill.newest_night_proven "$T/proven.json")" = "$n" ]
    # a kept secret that is not the main's: the night is stored, the failed proof mailed
    on_fallback /bin/bash -c "rm -f $DATA/passkey && echo not-the-password > $DATA/passkey && chmod 400 $DATA/passkey"
    run send
    [ "$status" -eq 0 ]
    run seal
    echo "$output"
    [ "$status" -eq 1 ]
    [ "$(newest)" \> "$n" ]
    on_fallback grep -q "night $(newest) does NOT rebuild with the kept key" "$LOG"
    # (the wrong kept password is mailed too, after it: any of the mails)
    e2e_mails fallback | grep -q "does not rebuild with the kept key"
    refute on_fallback test -f "$CHROOT/backup/repo/.proven-nights/$(newest)"
    on_fallback rm -f "$DATA/passkey"
}

@test "v2 night with no change sends a few kilobytes per part, no data" {
    before=$(packs | wc -l)
    nb=$(nights | wc -l)
    run send
    [ "$status" -eq 0 ] || { last_run_log; false; }
    for p in "system system" "app wiki" "app bigdata" "app flaky"; do
        # shellcheck disable=SC2086
        b=$(sent_bytes $p)
        echo "# $p: $b bytes" >&3
        [[ $b =~ ^[0-9]+$ ]]
        [ "$b" -lt 65536 ]
    done
    # the files cache: bigdata's 2 MB, unchanged since a confirmed night, were not read
    line=$(last_run_log | grep -m1 ' app bigdata: .* files read (')
    echo "# $line" >&3
    [[ $line =~ \(([0-9]+)\ bytes\),\ [0-9]+\ unchanged\ not\ read\ \(([0-9]+)\ bytes\) ]]
    [ "${BASH_REMATCH[2]}" -ge 2000000 ]
    [ "${BASH_REMATCH[1]}" -lt 1000000 ]
    # an upload the manifest does not list, named so that a pattern made of
    # its name would match a listed file: removed, not stored with the night
    n=$(incoming | sed -n 's/\.night$//p' | tail -n1)
    [ -n "$n" ]
    on_fallback runuser -u fallback -- /bin/bash -c "echo x > $CHROOT/incoming/$n-ip_main_serve."
    seal
    [ "$(nights | wc -l)" -eq $((nb + 1)) ]
    [ "$(packs | wc -l)" -le $((before + 4)) ]
    [ "$(newest)" = "$n" ]
    run on_fallback ls "$CHROOT/backup/nights/$n"
    [ "$status" -eq 0 ]
    [[ $output == *"$n-ip_main_server"* ]]
    [[ $output != *"$n-ip_main_serve."* ]]
    on_fallback grep -qF "night $n: $n-ip_main_serve. is not in the manifest: removed" "$LOG"
}

@test "v2: a change in one app's data sends about that change" {
    on_main /bin/bash -c 'head -c 300000 /dev/urandom >> /home/yunohost.app/wiki/pages/Home.md'
    run send
    [ "$status" -eq 0 ]
    b=$(sent_bytes app wiki)
    [ "$b" -gt 300000 ]
    [ "$b" -lt 600000 ]
    [ "$(sent_bytes app bigdata)" -lt 65536 ]
    seal
    rebuild "$(newest)" app_wiki "$T/wiki2.tar"
    tar -xOf "$T/wiki2.tar" apps/wiki/backup/home/yunohost.app/wiki/pages/Home.md |
        cmp - <(on_main cat /home/yunohost.app/wiki/pages/Home.md)
}

@test "v2: a part whose backup fails keeps the record the fallback confirmed" {
    prev=$(newest)
    old=$(night_lines "$prev" | awk '$1 == "part" && $2 == "app_flaky" { print $3 }')
    on_main yunohost app setting flaky fail_backup -v 1
    run send
    [ "$status" -eq 1 ]
    last_run_log | grep -q "app flaky: the night keeps the copy of night $prev"
    last_run_log | grep -q " 1 failed"
    on_main yunohost app setting flaky fail_backup -v 0
    seal
    [ "$(night_lines "$(newest)" | awk '$1 == "part" && $2 == "app_flaky" { print $3 }')" = "$old" ]
    [ "$(newest)" != "$prev" ]
}

@test "v2: a night killed after its first packs loses nothing: they are stored and not sent again" {
    on_main /bin/bash -c 'head -c 3000000 /dev/urandom > /home/yunohost.app/bigdata/new.bin'
    nights > "$T/nights.before"
    # wiki's backup (after bigdata's: apps go by id) hangs until killed
    on_main /bin/bash -c 'rm -f /root/wiki-hang; mv /usr/local/sbin/yunohost /usr/local/sbin/yunohost.real
        cat > /usr/local/sbin/yunohost <<"END"
#!/bin/bash
case " $* " in *" backup create "*" --apps wiki "*) touch /root/wiki-hang; sleep 600 ;; esac
exec /usr/local/sbin/yunohost.real "$@"
END
        chmod 755 /usr/local/sbin/yunohost'
    pid=$(on_main /bin/bash -c "setsid $BIN/send_backup > /dev/null 2>&1 < /dev/null & echo \$!")
    for ((i = 0; i < 600; i++)); do
        on_main test -e /root/wiki-hang && break
        sleep 0.2
    done
    on_main kill -9 -- "-$pid"
    on_main mv /usr/local/sbin/yunohost.real /usr/local/sbin/yunohost
    [ "$i" -lt 600 ]
    sleep 1
    [ -z "$(incoming | grep '\.night$')" ]
    run seal
    echo "$output"
    # no new night, the pack stored all the same and listed
    nights | diff "$T/nights.before" -
    big=$(on_fallback /bin/bash -c "find $CHROOT/backup/repo/packs -type f -size +2900k -newer $CHROOT/backup/nights/$(newest)/night.v2 -printf '%f\n'" | head -n1)
    [ -n "$big" ]
    on_fallback grep -q "^pack $big " "$CHROOT/status/blobs"
    # the next night does not send those 3 MB again
    run send
    [ "$status" -eq 0 ]
    b=$(sent_bytes app bigdata)
    [ "$b" -lt 65536 ]
    seal
    [ "$(nights | wc -l)" -eq $(($(wc -l < "$T/nights.before") + 1)) ]
    rebuild "$(newest)" app_bigdata "$T/big.tar"
    tar -xOf "$T/big.tar" apps/bigdata/backup/home/yunohost.app/bigdata/new.bin |
        cmp - <(on_main cat /home/yunohost.app/bigdata/new.bin)
}

@test "v2: a tampered pack or record is refused; the main sends it again the next night" {
    on_main /bin/bash -c 'head -c 200000 /dev/urandom > /home/yunohost.app/wiki/pages/other.bin'
    nights > "$T/nights.before"
    run send
    [ "$status" -eq 0 ]
    # flip one byte of each pack that arrived: none is stored
    on_fallback /bin/bash -c "for f in $CHROOT/incoming/*-pack-*; do $WORLD_SRC/tests/flip-byte \$f 100; done"
    run seal
    [ "$status" -eq 1 ]
    on_fallback grep -q "pack .* REJECTED" "$LOG"
    on_fallback grep -q "REJECTED, not verified: part" "$LOG"
    nights | diff "$T/nights.before" -
    run send
    [ "$status" -eq 0 ]
    [ "$(sent_bytes app wiki)" -gt 200000 ]
    run seal
    [ "$status" -eq 0 ]
    [ "$(nights | wc -l)" -eq $(($(wc -l < "$T/nights.before") + 1)) ]
}

@test "v2: repo send's time budget stops the part, after sending the pack being filled" {
    on_main /bin/bash -c 'set -e; rm -rf /root/bw /root/brepo; mkdir -p /root/bw /root/bsrc
        head -c 200000000 /dev/urandom > /root/bsrc/big.bin
        echo "{\"created_at\": 1}" > /root/bw/info.json
        printf "\"%s\",\"%s\"\r\n" /root/bsrc apps/b/backup/data /root/bw/info.json info.json > /root/bw/backup.csv'
    run on_main "$BIN/fallback" repo send --repo /root/brepo --pass-file "$DATA/passkey" --part app_b \
        --night 20261201T000000Z --config "$DATA/config.conf" --to /incoming --budget 1 /root/bw
    echo "$output"
    [ "$status" -eq 5 ]
    [[ $output == *"time budget is spent"* ]]
    # what was cut before the deadline arrived as complete packs; none left on the main
    n=$(incoming | grep -c '^20261201T000000Z-pack-[0-9a-f]*$' || true)
    [ "$n" -ge 1 ]
    [ -z "$(on_main find /root/brepo/packs /root/brepo/spool -type f)" ]
    refute on_main test -e /root/brepo/parts/app_b
    on_fallback /bin/bash -c "rm -f $CHROOT/incoming/20261201T000000Z-*"
    on_main rm -rf /root/bw /root/bsrc /root/brepo
}

@test "v2: retention and garbage collection keep every pack a kept night uses" {
    on_fallback /bin/bash -c "echo 'keep_days=0
keep_weeks=0
keep_months=0
abandoned_hours=1' > $DATA/fallback_seal.conf"
    # every pack arrived two hours ago, by the fallback's record
    on_fallback /bin/bash -c "for f in $CHROOT/backup/repo/.arrived/*; do chmod 600 \$f; echo \$((\$(date +%s) - 7200)) > \$f; done"
    before=$(packs | wc -l)
    run seal
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(nights | wc -l)" -eq 1 ]
    # the packs only the removed nights used are gone, the others stay
    [ "$(packs | wc -l)" -lt "$before" ]
    on_fallback grep -q "retention: pack .* removed" "$LOG"
    [ "$(on_fallback grep -c '^pack ' "$CHROOT/status/blobs")" -eq "$(packs | wc -l)" ]
    n=$(newest)
    for p in system app_wiki app_bigdata app_flaky; do
        rebuild "$n" "$p" "$T/$p.tar"
    done
    on_fallback rm -f "$DATA/fallback_seal.conf"
}

@test "v2: the integrity drill re-reads stored packs; a damaged one is set aside, mailed, and sent again" {
    big=$(on_fallback /bin/bash -c "find $CHROOT/backup/repo/packs -type f -size +2900k -printf '%f\n'" | head -n1)
    [ -n "$big" ]
    f=$CHROOT/backup/repo/packs/${big:0:2}/$big
    # the pack proven longest ago is the next one read again; damage it
    on_fallback /bin/bash -c "chmod 600 $f && $WORLD_SRC/tests/flip-byte $f 1000
        mkdir -p $CHROOT/backup/repo/.proven && echo 1 > $CHROOT/backup/repo/.proven/$big"
    run seal
    echo "$output"
    [ "$status" -eq 1 ]
    on_fallback grep -q "stored pack $big is DAMAGED" "$LOG"
    on_fallback test -f "$CHROOT/backup/.damaged/$big"
    refute on_fallback grep -q "^pack $big " "$CHROOT/status/blobs"
    e2e_last_mail fallback | grep -q "stored pack $big damaged"
    run on_fallback "$BIN/fallback_status" --json
    [ "$(jq .drill.damaged <<< "$output")" -eq 1 ]
    [ "$(jq .drill.packs <<< "$output")" -eq "$(packs | wc -l)" ]
    # every other pack is proven now or later; the main sends bigdata's chunks again
    run send
    [ "$status" -eq 0 ]
    [ "$(sent_bytes app bigdata)" -gt 2900000 ]
    on_fallback /bin/bash -c "echo 'keep_days=0
keep_weeks=0
keep_months=0' > $DATA/fallback_seal.conf"
    run seal
    echo "$output"
    on_fallback rm -f "$DATA/fallback_seal.conf"
    [ "$status" -eq 0 ]
    rebuild "$(newest)" app_bigdata "$T/big2.tar"
    tar -xOf "$T/big2.tar" apps/bigdata/backup/home/yunohost.app/bigdata/new.bin |
        cmp - <(on_main cat /home/yunohost.app/bigdata/new.bin)
}

# stored_ok: the newest night's every part rebuilds here, and the newest
# verified night is the one given
stored_ok() {
    local p
    [ "$(newest)" = "$1" ]
    for p in system app_wiki app_bigdata app_flaky; do
        rebuild "$1" "$p" "$T/$p.tar"
    done
}

@test "v2: kill -9 of send_backup or fallback_seal at each step of its log: the newest night stays, the next runs complete" {
    # kill_at counts the lines of /var/log/fallback/<command>.log: these two
    # log into fallback.log
    on_main /bin/bash -c ': > /root/empty; ln -sfn fallback.log /var/log/fallback/send_backup.log'
    on_fallback /bin/bash -c ': > /root/empty; ln -sfn fallback.log /var/log/fallback/fallback_seal.log'
    kills=0
    for point in 1 3 5 7 9 11 13 15 17; do
        prev=$(newest)
        on_main /bin/bash -c "head -c 400000 /dev/urandom > /home/yunohost.app/bigdata/k$point.bin"
        run kill_at main "$point" /root/empty "$BIN/send_backup"
        echo "# send_backup at line $point: $output" >&3
        [ "$output" != killed ] || kills=$((kills + 1))
        run seal
        # a killed night never replaces the newest with something incomplete
        n=$(newest)
        [ "$n" = "$prev" ] || stored_ok "$n"
        run send
        [ "$status" -eq 0 ]
        # fallback_seal logs two lines for a night: staged, verified
        run kill_at fallback "$(((point + 1) / 2 % 2 + 1))" /root/empty "$BIN/fallback_seal"
        echo "# fallback_seal at line $(((point + 1) / 2 % 2 + 1)): $output" >&3
        [ "$output" != killed ] || kills=$((kills + 1))
        run seal
        [ "$status" -eq 0 ]
        [ -z "$(incoming)" ]
        [ "$(newest)" \> "$prev" ]
    done
    # the kills happened (a point past a command's end only lets it finish)
    [ "$kills" -ge 14 ]
    stored_ok "$(newest)"
    on_main rm -f /var/log/fallback/send_backup.log
    on_fallback rm -f /var/log/fallback/fallback_seal.log
}

# seal_snap / seal_back: the fallback's storage, incoming/ and status/ as
# they are, and put back so (owners, modes, times): each kill starts from
# the same state, so each step is one distinct point of one seal.
seal_snap() {
    on_fallback /bin/bash -c "rm -rf /root/seal.snap && mkdir /root/seal.snap &&
        cp -a $CHROOT/incoming $CHROOT/backup $CHROOT/status /root/seal.snap/"
}
seal_back() {
    on_fallback /bin/bash -c "rm -rf $CHROOT/incoming $CHROOT/backup $CHROOT/status &&
        cp -a /root/seal.snap/incoming /root/seal.snap/backup /root/seal.snap/status $CHROOT/"
}
# intact: the newest verified night whole and deployable,
# proven with the main's key (tests/e2e/night-intact); prints its id
intact() { on_fallback /bin/bash "$WORLD_SRC/tests/e2e/night-intact" /root/sweep.key; }

@test "v2: kill -9 of fallback_seal before each of many of its steps while it stores a night: the newest verified night stays whole and deployable, the next seal completes" {
    kill_step_setup fallback
    on_fallback /bin/bash -c ': > /root/empty'
    on_main cat "$DATA/passkey" | on_fallback /bin/bash -c 'umask 077; cat > /root/sweep.key'
    # the seal under test does it all: packs, records, the night manifest,
    # the proof with the kept key, retention and garbage collection (the
    # older nights and the packs only they use go), the drill, publishing
    on_main cat "$DATA/passkey" | on_fallback /bin/bash -c "cat > $DATA/passkey && chmod 400 $DATA/passkey"
    on_fallback /bin/bash -c "printf 'keep_days=0\nkeep_weeks=0\nkeep_months=0\nabandoned_hours=1\n' > $DATA/fallback_seal.conf
        for f in $CHROOT/backup/repo/.arrived/*; do chmod 600 \$f; echo \$((\$(date +%s) - 7200)) > \$f; done"
    on_main /bin/bash -c 'head -c 700000 /dev/urandom > /home/yunohost.app/bigdata/seal.bin
        echo "seal sweep" >> /home/yunohost.app/wiki/pages/Home.md'
    run send
    [ "$status" -eq 0 ]
    prev=$(intact)
    night=$(incoming | sed -n 's/\.night$//p')
    [ -n "$night" ] && [ "$night" \> "$prev" ]
    incoming | grep -q -- '-pack-'
    seal_snap
    # how many steps the whole seal takes from there
    # (the loop over /proc of chroot_in_use is as long as the machine has processes)
    export FB_KILL_SKIP=chroot_in_use
    read -r total rc < <(count_steps fallback /root/empty "$BIN/fallback_seal")
    echo "# fallback_seal: $total steps, status $rc" >&3
    [ "$rc" -eq 0 ]
    [ "$total" -gt 200 ]
    [ "$(intact)" = "$night" ]
    [ "$(nights)" = "$night" ]   # retention removed the older ones
    # make check: a few points spread over the run, and just after the
    # first folder renamed into place or out of sight by each mv -T of the
    # code (where a night appears or goes); SWEEP=full (make sweep): every
    # SEAL_STRIDE-th step (default 1: every step), and after every mv -T
    local points=${SEAL_POINTS:-6} stride step kills=0 seen=" " steps once=1
    if [ "${SWEEP:-}" = full ]; then
        stride=${SEAL_STRIDE:-1} once=0
    else
        stride=$((total / (points + 1)))
    fi
    [ "$stride" -ge 1 ]
    steps=$( { seq "$stride" "$stride" $((total - 1))
               on_fallback awk -v once="$once" '$2 == "mv" && $3 == "-T" {
                   c = $0; sub(/^[0-9]+ /, "", c); if (!once || !(c in seen)) print $1 + 1; seen[c] = 1 }' \
                   /root/kill-step.trace; } | sort -nu)
    echo "# kill points: $(wc -w <<< "$steps") (mv -T run: $(on_fallback grep -c "^[0-9]* mv -T" /root/kill-step.trace) times)" >&3
    for step in $steps; do
        seal_back
        r=$(kill_at_step fallback "$step" /root/empty "$BIN/fallback_seal")
        # a run may take a few steps fewer than the one counted (what it
        # finds depends on the clock): a point past its end lets it finish
        if [ "$r" = killed ]; then
            kills=$((kills + 1))
        else
            echo "# step $step: not reached ($r)" >&3
            [ "$r" = "finished 0" ] && [ "$step" -gt $((total * 9 / 10)) ]
        fi
        # the newest verified night: the one before, or tonight's, whole
        n=$(intact) || { echo "# killed at step $step: the newest night is not intact" >&3; false; }
        [ "$n" = "$prev" ] || [ "$n" = "$night" ]
        [[ $seen == *" $n "* ]] || seen="$seen$n "
        run seal
        [ "$status" -eq 0 ] || { echo "# killed at step $step: the next seal: status $status" >&3; echo "$output" >&3; false; }
        [ -z "$(incoming)" ]
        [ "$(intact)" = "$night" ] || { echo "# killed at step $step: tonight's night is not whole after the next seal" >&3; false; }
        # nothing left half-done: no staging, no temporary night folder
        [ -z "$(on_fallback find "$CHROOT/backup/.staging" "$CHROOT/backup/.packs" "$CHROOT/backup/nights" -mindepth 1 -maxdepth 1 -name '.*')" ]
        [ -z "$(on_fallback find "$CHROOT/backup/.staging" "$CHROOT/backup/.packs" -mindepth 1 -maxdepth 1)" ]
        [ "$(on_fallback grep -c '^pack ' "$CHROOT/status/blobs")" -eq "$(packs | wc -l)" ]
    done
    echo "# fallback_seal killed at $kills steps (every $stride of $total, and after each mv -T); newest night after the kill:$seen" >&3
    [ "$kills" -ge "$points" ]
    # kills before and after tonight's night was stored
    [[ $seen == *" $prev "* ]] && [[ $seen == *" $night "* ]]
    on_fallback rm -rf /root/seal.snap /root/sweep.key "$DATA/fallback_seal.conf" "$DATA/passkey"
}

appdata() { on_host "$1" /bin/bash -c "cd /home/yunohost.app/$2 && find . -type f -print0 | sort -z | xargs -0 sha256sum"; }

@test "v2 deploy: --list shows the night; each part rebuilt, restored byte for byte, removed" {
    run on_fallback "$BIN/deploy_fallback" --list
    echo "$output"
    [[ $output == *"$(newest)"*"yes"*"system"*"(newest, used by default)"* ]]
    world_stop_host main
    run on_fallback "$BIN/deploy_fallback" <<< $'\n'"wrong-password"$'\n'"$PW"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"wrong password"* ]]
    [[ $output == *"its manifest and every part record are authentic"* ]]
    [[ $output =~ app\ +wiki\ +restored ]]
    [[ $output =~ app\ +bigdata\ +restored ]]
    [[ $output =~ system\ +system\ +restored ]]
    world_start_host main
    for app in wiki bigdata; do
        diff <(appdata main "$app") <(appdata fallback "$app")
    done
    # one part at a time: each archive rebuilt just before its restore
    on_fallback awk '/deploy_fallback: start/ { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' \
        /var/log/fallback/deploy_fallback.log > "$T/deploy.log"
    awk '/bigdata: rebuilding/ { r = NR } /restoring bigdata from/ { s = NR } /wiki: rebuilding/ { w = NR }
         END { exit !(r && s && w && r < s && s < w) }' "$T/deploy.log"
    [ -z "$(on_fallback find /home/yunohost.backup -name '*fallback_deploy*' -o -name '.deploy_fallback.*' -o -name '*.tar' ! -name 'backup_before_deploy_fallback.tar')" ]
    refute on_fallback grep -rqs -e "$PW" -e wrong-password /var/log/fallback
}
