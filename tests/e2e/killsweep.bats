#!/usr/bin/env bats
# The failover commands killed (kill -9, whole process group) in the middle
# of their work, then run again: each time the same command, run again,
# must finish the job, the cycle must end with the main server holding the
# fallback's work, the fallback back as it was, and the main's own data
# from before the update in its safety copies. tests/e2e/kill.bash has the
# machinery.
#
# By default (make check) a few chosen points per command, in one cycle.
# SWEEP=full (make sweep) kills each command at every line of its log, one
# point per command per cycle, until every command ends before the point;
# the figures go to SWEEP_REPORT (default build/sweep-report.txt).

bats_require_minimum_version 1.5.0

# Functions and constants only: bats runs this before setup_file and before each test.
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$BATS_TEST_DIRNAME/lib.bash"
# shellcheck source-path=SCRIPTDIR source=kill.bash
source "$BATS_TEST_DIRNAME/kill.bash"

setup_file() {
    e2e_up
    e2e_capture_mail main fallback
    e2e_pair auto_detect_failure=0
    e2e_install_sample_apps wiki bigdata
    e2e_install_app fallback wiki "domain=fallback.test&path=/wiki&title=Fallback wiki"
    e2e_select_apps wiki bigdata
    on_main /bin/bash -c 'echo "DynDNS secret of main" > /etc/yunohost/dyndns/Kmain.test.+157+00001.key'
    e2e_night
    # the fallback as it stands by, which each cycle's close must give back
    sweep_sys fallback > "$BATS_FILE_TMPDIR/fallback.standby"
}

teardown_file() {
    world_down
}

setup() {
    export SWEEP_PW=$E2E_PW SWEEP_NEWPW=An0ther-Horse-Staple
    SWEEP_DIR=$BATS_FILE_TMPDIR
    SWEEP_OUT=$BATS_FILE_TMPDIR/sweep.results
}

@test "kill_at kills the whole group at the point, and says when the command ended before it" {
    on_main /bin/bash -c ': > /root/empty'
    run kill_at main 1 /root/empty "$SWEEP_BIN/update_from_fallback" --help
    [ "$output" = "finished 0" ]
    on_main /bin/bash -c 'cat > /root/sleeper <<"EOF"
#!/bin/bash
echo "$(date) sleeper: one" >> /var/log/fallback/sleeper.log
sleep 300 &
echo $! > /root/sleeper.child
echo "$(date) sleeper: two" >> /var/log/fallback/sleeper.log
wait
EOF
        chmod 755 /root/sleeper'
    run kill_at main 'sleeper:[[:space:]]two' /root/empty /root/sleeper
    [ "$output" = killed ]
    # its child went with it (by pid: the world's hosts share the machine's
    # process table, so a name would match other runs' processes too). Dead
    # means gone or a zombie: an orphan is reaped by whatever the machine's
    # pid 1 is, which may never reap it; and SIGKILL takes effect when the
    # child is next scheduled, so give it a few seconds on a loaded machine.
    # shellcheck disable=SC2016 # expanded by the host's shell
    run on_main /bin/bash -c 'p=$(cat /root/sleeper.child)
        for ((i = 0; i < 100; i++)); do
            s=$(sed -n "s/^State:[[:space:]]*\([A-Z]\).*/\1/p" "/proc/$p/status" 2>/dev/null)
            [ -z "$s" ] || [ "$s" = Z ] && exit 0
            sleep 0.05
        done
        echo "child $p still running (state $s)"; exit 1'
    [ "$status" -eq 0 ]
}

@test "short sweep: each command killed at two of its steps, run again, the cycle comes out whole" {
    [ "${SWEEP:-}" != full ] || skip "SWEEP=full: the full sweep runs instead"
    sweep_cycle 1 \
        'deployment[[:space:]]recorded restoring[[:space:]]wiki' \
        'system[[:space:]]system:[[:space:]]saved removed[[:space:]][0-9]+[[:space:]]paths' \
        'system:[[:space:]]restored restoring[[:space:]]wiki'
    sweep_summary >&3
    run grep -vE ' (clean|not-reached)$' "$SWEEP_OUT"
    [ "$status" -ne 0 ]
    [ "$(grep -c ' clean$' "$SWEEP_OUT")" -eq 6 ]
}

@test "full sweep: each command killed at every line of its log" {
    [ "${SWEEP:-}" = full ] || skip "the full sweep runs with SWEEP=full (make sweep)"
    local j=1 report=${SWEEP_REPORT:-$BATS_TEST_DIRNAME/../../build/sweep-report.txt}
    while :; do
        sweep_cycle "$j" "$j" "$j" "$j" || echo "# cycle $j: NOT clean" >&3
        [ "$(grep -c " not-reached$" <(tail -n 3 "$SWEEP_OUT"))" -lt 3 ] || break
        j=$((j + 1))
    done
    mkdir -p "$(dirname "$report")"
    { echo "kill -9 sweep, $(date -u '+%Y-%m-%d %H:%M UTC'), $j cycles"; sweep_summary; } | tee "$report" >&3
    run grep -vE ' (clean|not-reached)$' "$SWEEP_OUT"
    [ "$status" -ne 0 ]
}
