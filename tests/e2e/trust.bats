#!/usr/bin/env bats
# Failover trust on the two-host world (doc/failover.md, "What each server
# trusts"): what one server reads from the other is checked before use, the
# state files take only their own keys and values, an unprivileged user of
# either server cannot hold root's jobs, the key kept at install goes as
# soon as the first night arrives, and root writes no guessable file in
# /tmp. The tests run in order on one world. Those about a deployment in
# place make it when run alone (deployed); the locks test expects none yet.

bats_require_minimum_version 1.5.0

# Functions and constants only: bats runs this before setup_file and before each test.
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$BATS_TEST_DIRNAME/lib.bash"

BIN=/opt/yunohost/fallback/bin
DATA=/home/yunohost.app/fallback
CHROOT=$DATA/sftp
LOG=/var/log/fallback/fallback.log
PW=Corr3ct-Horse-Battery
SAFETY=backup_before_deploy_fallback
FAKE_CLOSE=20200101T000000Z

setup_file() {
    e2e_up
    e2e_capture_mail main fallback
    e2e_copy_package main fallback
    e2e_install_main > /dev/null
    # every child of the fallback's install records its environment
    e2e_spy_children fallback make chmod mktemp install
    e2e_install_fallback auto_detect_failure=0 keep_key=1 "encryption_pwd=$PW" > /dev/null
    on_fallback /bin/bash -c 'for c in make chmod mktemp install; do rm -f /usr/local/sbin/$c; done'
    e2e_install_sample_apps wiki
    e2e_select_apps wiki
    e2e_night
}

teardown_file() {
    world_down
}

setup() {
    state=$BATS_FILE_TMPDIR
}

nights() { on_fallback ls "$CHROOT/backup/nights"; }
seal() { on_fallback "$BIN/fallback_seal" --wait 5; }
deploy_record() { on_fallback cat "$DATA/deploy_state/state"; }
safety_sum() { on_fallback sha256sum "/home/yunohost.backup/archives/$SAFETY.tar"; }
# deployed: the fallback deployed, and its safety backup's sum in
# $state/safety, unless they are there already (the deploy of the night
# with a forged ip_main_server leaves them; a test run alone deploys the
# newest night with the kept key)
deployed() {
    on_fallback test -f "$DATA/deploy_state/state" || on_fallback "$BIN/deploy_fallback" auto > /dev/null || return 1
    [ -f "$state/safety" ] || safety_sum > "$state/safety"
}
# send_evil_ip TEXT: the main's root sends a night whose ip_main_server is
# TEXT (its own send_backup, with main_ip saying TEXT)
send_evil_ip() {
    on_main /bin/bash -c "sed '\$d' $BIN/send_backup > $BIN/send_backup.evil &&
        printf '%s\n' 'main_ip() { printf \"%b\" \"\$EVIL_IP\"; }' 'main \"\$@\"' >> $BIN/send_backup.evil &&
        EVIL_IP='$1' bash $BIN/send_backup.evil; rc=\$?; rm -f $BIN/send_backup.evil; exit \$rc"
}
# push_update_done ID: the main's root drops update_done-ID in incoming/
push_update_done() {
    on_main /bin/bash -c "d=\$(mktemp -d) && echo 'update_done $1' > \$d/update_done-$1 &&
        $BIN/fallback push --config $DATA/config.conf --to /incoming \$d/update_done-$1 > /dev/null; rc=\$?; rm -rf \$d; exit \$rc"
}

@test "keep_key: no child of the fallback's install gets the password in its environment" {
    [ "$(on_fallback ls /root/envs | wc -l)" -ge 3 ]
    on_fallback grep -lqr '^YNH_APP_ACTION=install' /root/envs
    refute on_fallback grep -rqs -e "$PW" -e '^encryption_pwd=' -e '^YNH_APP_ARG_ENCRYPTION_PWD=' /root/envs
}

@test "keep_key with auto_detect_failure=0: the seal that verifies the first night replaces the password by the derived key" {
    [ -n "$(nights)" ]
    refute on_fallback test -e /etc/cron.d/auto_deploy_fallback
    [ "$(on_fallback head -c 6 "$DATA/passkey")" = FBKKEY ]
    [ "$(on_fallback stat -c '%U %a' "$DATA/passkey")" = "root 400" ]
    refute on_fallback grep -qF "$PW" "$DATA/passkey"
    on_fallback grep -q "fallback_seal: the kept password is now replaced by the key derived from it" "$LOG"
}

@test "locks: an unprivileged user cannot hold root's jobs; a held lock is logged and fails the run" {
    local h n pids=()
    # nobody holds every lock file it can open: the old place (/run/lock,
    # world-writable) and the new one (refused: root's 0700)
    for h in main fallback; do
        for n in fallback_seal watch failover send_backup; do
            pids+=("$h:$(on_host "$h" /bin/bash -c "runuser -u nobody -- setsid flock /run/lock/fallback_$n.lock sleep 120 \
                > /dev/null 2>&1 < /dev/null & echo \$!")")
        done
        run on_host "$h" runuser -u nobody -- flock -n /run/fallback/fallback_failover.lock true
        [ "$status" -ne 0 ]
        [ "$(on_host "$h" stat -c '%U %a' /run/fallback)" = "root 700" ]
    done
    sleep 1
    n=$(nights | wc -l)
    on_main /bin/bash -c "echo 'line $RANDOM' >> /home/yunohost.app/wiki/pages/Home.md"
    run on_main "$BIN/send_backup"
    echo "$output"
    [ "$status" -eq 0 ]
    run seal
    [ "$status" -eq 0 ]
    [ "$(nights | wc -l)" -eq $((n + 1)) ]
    run on_fallback "$BIN/fallback_watch"
    [ "$status" -eq 0 ]
    [ -n "$(on_fallback sed -n 's/^last_check=//p' "$DATA/watch_state")" ]
    run on_fallback "$BIN/close_fallback" auto
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"not deployed: nothing to close"* ]]
    run on_main "$BIN/update_from_fallback" auto
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"nothing to do"* ]]
    for h in "${pids[@]}"; do on_host "${h%%:*}" kill -- "-${h#*:}" 2> /dev/null || true; done
    # root's own lock held: the run says so in the log and fails
    h=$(on_fallback /bin/bash -c "setsid flock /run/fallback/fallback_fallback_seal.lock sleep 120 > /dev/null 2>&1 < /dev/null & echo \$!")
    sleep 1
    run seal
    on_fallback kill -- "-$h"
    [ "$status" -eq 1 ]
    on_fallback tail -n 1 "$LOG" | grep -q "fallback_seal: error: another fallback_seal is running (lock /run/fallback/fallback_fallback_seal.lock held by"
    # a lock folder that is not root's 0700 is refused, never used
    on_fallback chmod 0755 /run/fallback
    run seal
    on_fallback chmod 0700 /run/fallback
    [ "$status" -eq 1 ]
    on_fallback tail -n 1 "$LOG" | grep -q "the lock folder /run/fallback is not a folder of root's with mode 0700"
    seal
}

@test "a night whose ip_main_server carries extra lines: deploy records 'unknown', the record stays sound" {
    run send_evil_ip "127.0.0.2\nstate=closed\ncloseid=$FAKE_CLOSE\n"
    echo "$output"
    [ "$status" -eq 0 ]
    seal
    # the watch does not probe what is not an address
    run on_fallback "$BIN/fallback_watch"
    [ "$status" -eq 0 ]
    on_fallback grep -q "ip_main_server ('127.0.0.2?state=closed?closeid=$FAKE_CLOSE') is not an IP address: not probed" "$LOG"
    run on_fallback "$BIN/deploy_fallback" auto
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"is not an IP address: recorded as unknown"* ]]
    run deploy_record
    echo "$output"
    [[ $output == *"state=deployed"* ]]
    [[ $output == *"ip_main_server=unknown"* ]]
    [[ $output != *closeid* ]]
    [ "$(grep -c '^state=' <<< "$output")" -eq 1 ]
    on_fallback grep -q '^deployed night=' "$CHROOT/status/deployed"
    safety_sum > "$state/safety"
}

@test "an update_done the main pushes does not end a deployment in place, whatever its id" {
    deployed
    push_update_done "$FAKE_CLOSE"
    seal
    on_fallback grep -q "ignored update_done-$FAKE_CLOSE: no closed deployment with that id here" "$LOG"
    deploy_record | grep -qx state=deployed
    on_fallback grep -q '^deployed night=' "$CHROOT/status/deployed"
}

@test "a record holding a key twice (as an injected value left it) is refused: nothing is ended, close refuses" {
    deployed
    on_fallback cp -p "$DATA/deploy_state/state" /root/state.saved
    on_fallback /bin/bash -c "printf 'state=closed\ncloseid=$FAKE_CLOSE\n' >> $DATA/deploy_state/state"
    push_update_done "$FAKE_CLOSE"
    seal
    on_fallback grep -q "ignored update_done-$FAKE_CLOSE: the deployment record is refused (.*state is given twice)" "$LOG"
    on_fallback test -f "$DATA/deploy_state/state"
    on_fallback test -f "$CHROOT/status/deployed"
    run on_fallback "$BIN/close_fallback" auto
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"state is given twice"* ]]
    refute on_fallback test -e "$CHROOT/updated_backup/manifest.json"
    on_fallback cp -p /root/state.saved "$DATA/deploy_state/state"
}

@test "a second deploy never replaces backup_before_deploy_fallback while status/deployed records a deployment" {
    deployed
    on_fallback mv "$DATA/deploy_state" /root/deploy_state.saved
    run on_fallback "$BIN/deploy_fallback" auto
    on_fallback mv /root/deploy_state.saved "$DATA/deploy_state"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"no deployment record"*"'$SAFETY'"*"is kept"* ]]
    safety_sum | diff "$state/safety" -
}

@test "close_fallback and update_from_fallback still end the cycle" {
    deployed
    # auto names no key: the password of the set aside is given in a root-only file
    on_fallback /bin/bash -c "umask 077 && printf '%s\n' An0ther-Horse-Staple > /root/closepw"
    on_main /bin/bash -c "umask 077 && printf '%s\n' An0ther-Horse-Staple > /root/closepw"
    run on_fallback "$BIN/close_fallback" auto --pass-file /root/closepw
    echo "$output"
    [ "$status" -eq 0 ]
    deploy_record | grep -qE "^closeid=[0-9]{8}T[0-9]{6}Z$"
    run on_main "$BIN/update_from_fallback" auto --pass-file /root/closepw
    echo "$output"
    [ "$status" -eq 0 ]
    on_main grep -qx state=done "$DATA/update_state/state"
    seal
    refute on_fallback test -e "$DATA/deploy_state"
    refute on_fallback test -e "$CHROOT/status/deployed"
}

@test "the install's build log is private: a link planted where the old one went is not followed" {
    on_fallback /bin/bash -c 'echo precious > /root/victim && chmod 0600 /root/victim'
    # whoever watches /tmp plants a link next to each new build folder
    on_fallback /bin/bash -c "cat > /usr/local/sbin/mktemp <<'EOF'
#!/bin/bash
out=\$(/usr/bin/mktemp \"\$@\") || exit
case \" \$* \" in *fallback-build*) runuser -u nobody -- ln -s /root/victim \"\$out.log\" ;; esac
echo \"\$out\"
EOF
        chmod 0755 /usr/local/sbin/mktemp"
    run on_fallback /bin/bash -c 'source /root/pkg/scripts/_common.sh && fb_code_dir=/root/buildtest fb_bin_dir=/root/buildtest/bin &&
        fallback_build_helper /root/pkg'
    on_fallback rm -f /usr/local/sbin/mktemp
    echo "$output"
    [ "$status" -eq 0 ]
    on_fallback test -x /root/buildtest/bin/fallback
    [ "$(on_fallback cat /root/victim)" = precious ]
    [ -z "$(on_fallback find /tmp -maxdepth 1 -name 'fallback-build.*' ! -type l)" ]
    on_fallback /bin/bash -c 'rm -rf /root/buildtest /root/victim; find /tmp -maxdepth 1 -name "fallback-build.*" -type l -delete'
}

@test "a watch_state the watch refuses (a key twice) is put aside; the watch starts afresh" {
    on_fallback /bin/bash -c "printf 'state=up\nstate=incident\nincident_at=1\n' > $DATA/watch_state"
    run on_fallback "$BIN/fallback_watch"
    [ "$status" -eq 0 ]
    on_fallback grep -q "watch_state:2: state is given twice: put aside as $DATA/watch_state.refused, the watch starts afresh" "$LOG"
    on_fallback test -f "$DATA/watch_state.refused"
    run on_fallback cat "$DATA/watch_state"
    echo "$output"
    [ "$(grep -c '^state=' <<< "$output")" -eq 1 ]
    [[ $output != *incident* ]]
}
