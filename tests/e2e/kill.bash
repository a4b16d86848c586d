# shellcheck shell=bash
# Crashes on purpose, for the kill -9 sweep of the failover commands
# (tests/e2e/killsweep.bats): a command started in its own process group
# on a host of the two-host world is killed, whole group, with SIGKILL,
# once its log shows a given step. Sourced after lib.bash.
#
#   kill_at HOST POINT INPUT CMD...   run CMD (stdin from the file INPUT on
#       the host) and kill it at POINT: a number N (once N lines of CMD's own
#       log, /var/log/fallback/<cmd>.log, were written by this run) or a
#       regular expression (once such a line was). Prints "killed" or
#       "finished" (CMD ended before the point; its status follows).

kill_at() {
    local host=$1 point=$2 input=$3
    shift 3
    # shellcheck disable=SC2016 # expanded by the host's shell
    on_host "$host" /bin/bash -c '
        point=$1 input=$2
        shift 2
        prog=${1##*/}
        log=/var/log/fallback/$prog.log
        own() { grep -a " $prog: " "$log" 2>/dev/null | tail -n +$((base + 1)); }
        base=$(grep -ac " $prog: " "$log" 2>/dev/null)
        base=${base:-0}
        setsid "$@" < "$input" > /dev/null 2>&1 &
        pid=$!
        for ((i = 0; i < 30000; i++)); do
            if [[ $point =~ ^[0-9]+$ ]]; then
                [ "$(own | wc -l)" -ge "$point" ] && break
            else
                own | grep -qaE -- "$point" && break
            fi
            if ! kill -0 "$pid" 2>/dev/null; then
                wait "$pid"
                echo "finished $?"
                exit 0
            fi
            sleep 0.02
        done
        exec 2>/dev/null  # no "Killed" notice from this shell
        kill -9 -- "-$pid"
        wait "$pid"
        echo killed' _ "$point" "$input" "$@"
}

# Kills at a bash command's own steps: every simple command its main shell
# runs, in its functions too (a DEBUG trap, set -T, counting in the main
# shell alone: command substitutions and pipelines run in subshells), read
# through BASH_ENV by the command's own bash only (BASH_ENV is unset for
# its children). Deterministic: the same state, the same steps.
#
# FB_KILL_SKIP=FUNCTION (in the environment): steps in that function are not
# counted (e.g. a loop over /proc, whose length is the machine's, not the
# command's).
#
#   kill_step_setup HOST          install the trap file on HOST
#   count_steps HOST INPUT CMD... run CMD to its end; print its steps and
#       its status, "STEPS STATUS"; each step, "N COMMAND" (the command as
#       written, on one line), is in /root/kill-step.trace on HOST
#   kill_at_step HOST N INPUT CMD... run CMD, SIGKILL its whole process
#       group just before step N (so N = M + 1 kills just after step M).
#       Prints "killed" or "finished STATUS".

KILL_STEP_ENV=/root/kill-step.bash

kill_step_setup() {
    on_host "$1" /bin/bash -c "cat > $KILL_STEP_ENV" <<'EOF'
# shellcheck shell=bash
unset BASH_ENV
fb_kill_steps=0
set -T
if [ "${FB_KILL_STEP:-0}" -gt 0 ]; then
    trap '[[ $BASHPID != "$$" ]] || [[ " ${FUNCNAME[*]:-} " == *" ${FB_KILL_SKIP:--} "* ]] ||
        ((++fb_kill_steps < FB_KILL_STEP)) || kill -9 0' DEBUG
else
    fb_kill_nl=$'\n'
    trap 'echo "$fb_kill_steps" > /root/kill-step.count' EXIT
    trap '[[ $BASHPID != "$$" ]] || [[ " ${FUNCNAME[*]:-} " == *" ${FB_KILL_SKIP:--} "* ]] || { ((++fb_kill_steps)); printf "%s %s\n" "$fb_kill_steps" "${BASH_COMMAND//$fb_kill_nl/ }" >> /root/kill-step.trace; }' DEBUG
fi
EOF
}

count_steps() {
    local host=$1 input=$2
    shift 2
    # shellcheck disable=SC2016 # expanded by the host's shell
    on_host "$host" /bin/bash -c '
        input=$1
        shift
        rm -f /root/kill-step.count /root/kill-step.trace
        BASH_ENV='"$KILL_STEP_ENV"' FB_KILL_SKIP='"${FB_KILL_SKIP:--}"' FB_KILL_STEP=0 setsid "$@" < "$input" > /dev/null 2>&1 &
        wait "$!"
        rc=$?
        echo "$(cat /root/kill-step.count) $rc"' _ "$input" "$@"
}

kill_at_step() {
    local host=$1 step=$2 input=$3
    shift 3
    # shellcheck disable=SC2016 # expanded by the host's shell
    on_host "$host" /bin/bash -c '
        step=$1 input=$2
        shift 2
        exec 2>/dev/null  # no "Killed" notice from this shell
        BASH_ENV='"$KILL_STEP_ENV"' FB_KILL_SKIP='"${FB_KILL_SKIP:--}"' FB_KILL_STEP=$step setsid "$@" < "$input" > /dev/null 2>&1 &
        wait "$!"
        rc=$?
        if [ "$rc" -eq 137 ]; then echo killed; else echo "finished $rc"; fi' _ "$step" "$input" "$@"
}

# ---------------------------------------------------------------------
# One failover cycle with kills (killsweep.bats). The world: the package on
# both hosts, wiki and bigdata selected on the main, a night sealed.
# SWEEP_PW: the main's encryption password; SWEEP_NEWPW: close's.
# SWEEP_OUT: a file where each kill adds "COMMAND POINT RESULT", RESULT being
# clean (the same command run again finished the job and the cycle came
# out right), by-hand (it did not), lost (the main's own data is gone),
# or not-reached (the command ended before that point).

SWEEP_BIN=/opt/yunohost/fallback/bin

# sweep_sys HOST: the files the system backup covers and the apps' data
# (content, mode, owner): what a cycle must give back byte for byte.
sweep_sys() {
    on_host "$1" /bin/bash -c 'cd / && {
        find etc/yunohost etc/ldap etc/dkim home var/mail \
            \( -path home/yunohost.app/fallback -o -path home/yunohost.backup -o -path etc/yunohost/apps \) -prune \
            -o -printf "%p %y %m %u %g\n" | grep -v "^var/mail d " | sort
        find etc/yunohost etc/ldap etc/dkim home var/mail \
            \( -path home/yunohost.app/fallback -o -path home/yunohost.backup -o -path etc/yunohost/apps \) -prune \
            -o -type f -print0 | sort -z | xargs -0 sha256sum
        ls /etc/yunohost/apps
    }'
}

# sweep_member HOST ARCHIVE SUFFIX: the content of the member of
# /home/yunohost.backup/archives/ARCHIVE.tar whose path ends with SUFFIX.
sweep_member() {
    on_host "$1" /bin/bash -c 'a=/home/yunohost.backup/archives/$1.tar
        m=$(tar -tf "$a" | grep -- "$2\$" | head -n 1) && [ -n "$m" ] && tar -xOf "$a" "$m"' _ "$2" "$3"
}

_sweep_note() { printf '%s %s %s\n' "$1" "$2" "$3" >> "$SWEEP_OUT"; }

# sweep_run HOST NAME INPUT POINTS...: NAME killed at each point in turn,
# then run once more to the end. Leaves "clean" or "by-hand" in
# $sweep_result (and the last output in $sweep_log).
sweep_run() {
    local host=$1 name=$2 input=$3 p r
    shift 3
    sweep_points=()
    for p in "$@"; do
        r=$(kill_at "$host" "$p" "$input" "$SWEEP_BIN/$name")
        echo "# $name: kill at '$p': $r" >&3
        case $r in killed) sweep_points+=("$p") ;; *) _sweep_note "$name" "$p" not-reached ;; esac
    done
    sweep_log=$(on_host "$host" /bin/bash -c "$SWEEP_BIN/$name < $input" 2>&1)
    r=$?
    if [ "$r" -eq 0 ]; then sweep_result=clean; else sweep_result=by-hand; fi
    echo "# $name: run again: status $r" >&3
    [ "$r" -eq 0 ] || printf '%s\n' "$sweep_log" | tail -n 15 | sed 's/^/#   /' >&3
}

# sweep_cycle J DEPLOY_POINTS CLOSE_POINTS UPDATE_POINTS: cycle number J,
# each command killed at its points (space-separated; regular expressions
# must hold no space: use [[:space:]] or .), then the checks. Fails when
# anything came out wrong.
sweep_cycle() {
    local j=$1 bad=0 res p
    local -a dp cp up
    read -r -a dp <<< "$2"
    read -r -a cp <<< "$3"
    read -r -a up <<< "$4"
    on_main /bin/bash -c "echo 'alice main $j' > /home/alice/Documents/notes.txt
        echo 'wiki main $j' > /home/yunohost.app/wiki/pages/Home.md"
    on_main cp /home/yunohost.app/fallback/app_list /root/app_list.sweep
    printf '\n%s\n' "$SWEEP_PW" | on_fallback /bin/bash -c 'cat > /root/in.deploy'
    printf '\n%s\n%s\n' "$SWEEP_NEWPW" "$SWEEP_NEWPW" | on_fallback /bin/bash -c 'cat > /root/in.close'
    printf '\n%s\ny\ny\ny\n' "$SWEEP_NEWPW" | on_main /bin/bash -c 'cat > /root/in.update'

    sweep_run fallback deploy_fallback /root/in.deploy "${dp[@]}"
    res=$sweep_result
    [ "$(on_fallback cat /etc/yunohost/current_host)" = main.test ] || { res=by-hand; echo "# deploy: not the main's system" >&3; }
    on_fallback grep -qx state=deployed /home/yunohost.app/fallback/deploy_state/state || res=by-hand
    for p in "${sweep_points[@]}"; do _sweep_note deploy_fallback "$p" "$res"; done
    [ "$res" = clean ] || bad=1

    on_fallback /bin/bash -c "echo 'alice fallback $j' > /home/alice/Documents/notes.txt
        echo 'wiki fallback $j' > /home/yunohost.app/wiki/pages/Home.md"
    sweep_run fallback close_fallback /root/in.close "${cp[@]}"
    res=$sweep_result
    sweep_sys fallback | diff "$SWEEP_DIR/fallback.standby" - >&3 || { res=by-hand; echo "# close: the fallback is not back as it was" >&3; }
    for p in "${sweep_points[@]}"; do _sweep_note close_fallback "$p" "$res"; done
    [ "$res" = clean ] || bad=1

    sweep_run main update_from_fallback /root/in.update "${up[@]}"
    res=$sweep_result
    [ "$(on_main cat /home/alice/Documents/notes.txt)" = "alice fallback $j" ] || { res=by-hand; echo "# update: the system is not the fallback's" >&3; }
    [ "$(on_main cat /home/yunohost.app/wiki/pages/Home.md)" = "wiki fallback $j" ] || { res=by-hand; echo "# update: wiki is not the fallback's" >&3; }
    [ "$(on_main cat /etc/yunohost/current_host)" = main.test ] || { res=by-hand; echo "# update: the main domain changed" >&3; }
    on_main diff /root/app_list.sweep /home/yunohost.app/fallback/app_list >&3 || { res=by-hand; echo "# update: app_list changed" >&3; }
    # the main's own data, from before the update, is in its safety copies
    [ "$(sweep_member main system_pre_flbck_restore alice/Documents/notes.txt)" = "alice main $j" ] &&
        [ "$(sweep_member main wiki_pre_flbck_restore pages/Home.md)" = "wiki main $j" ] ||
        { res=lost; echo "# update: the main's own data is not in its safety copies" >&3; }
    for p in "${sweep_points[@]}"; do _sweep_note update_from_fallback "$p" "$res"; done
    [ "$res" = clean ] || bad=1

    on_fallback "$SWEEP_BIN/fallback_seal" > /dev/null 2>&1
    on_fallback test ! -e /home/yunohost.app/fallback/sftp/status/deployed || { echo "# seal: the cycle did not end" >&3; bad=1; }
    [ -z "$(on_fallback find /home/yunohost.backup -maxdepth 1 -name '.*_fallback.*')" ] || { echo "# temporary folders left" >&3; bad=1; }
    [ "$bad" -eq 0 ]
}

# sweep_summary: the figures, per command: points, clean, by hand, lost.
sweep_summary() {
    awk '$3 != "not-reached" { n[$1]++; r[$1 " " $3]++ }
         END { for (c in n) printf "%-21s points %3d  clean %3d  by-hand %3d  lost %3d\n",
                   c, n[c], r[c " clean"], r[c " by-hand"], r[c " lost"] }' "$SWEEP_OUT" | sort
}
