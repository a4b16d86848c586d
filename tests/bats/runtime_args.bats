#!/usr/bin/env bats
# The runtime commands' options (lib.sh's fb_args): a missing or malformed
# value, or an unknown argument, is a usage error (exit 2, one line naming
# it) before anything runs; -h/--help prints the header comment.

setup() { R=$BATS_TEST_DIRNAME/../../scripts/runtime; }

COMMANDS="send_backup fallback_seal deploy_fallback close_fallback update_from_fallback
fallback_status fallback_watch update_dns backup_method"

# every option that takes a value: COMMAND OPTION, then the message of a
# missing value
VALUE_OPTIONS=(
    "send_backup --config|send_backup: --config needs a FILE"
    "send_backup --app-list|send_backup: --app-list needs a FILE"
    "fallback_seal --wait|fallback_seal: --wait needs a number of SECONDS"
    "fallback_seal --unpin|fallback_seal: --unpin needs a NIGHT id or 'all' (see --pins)"
    "deploy_fallback --night|deploy_fallback: --night needs an ID (see --list)"
    "deploy_fallback --pass-file|deploy_fallback: --pass-file needs a FILE (or - for stdin)"
    "close_fallback --pass-file|close_fallback: --pass-file needs a FILE (or - for stdin)"
    "update_from_fallback --pass-file|update_from_fallback: --pass-file needs a FILE (or - for stdin)"
    "update_from_fallback --config|update_from_fallback: --config needs a FILE"
    "fallback_watch --config|fallback_watch: --config needs a FILE"
)

# every option that takes no value (bare words too)
FLAGS=(
    "send_backup auto" "send_backup --full"
    "fallback_seal auto" "fallback_seal --pins"
    "deploy_fallback auto" "deploy_fallback --list"
    "close_fallback auto"
    "update_from_fallback auto"
    "fallback_status --json" "fallback_status --offline" "fallback_status --rpo-mail"
    "fallback_watch auto"
    "update_dns auto" "update_dns --dry-run" "update_dns -n"
)

@test "an option that takes a value, without one: status 2 and its message" {
    local row cmd opt n=0
    for row in "${VALUE_OPTIONS[@]}"; do
        read -r cmd opt <<< "${row%%|*}"
        run "$R/$cmd" "$opt"
        [ "$status" -eq 2 ] || { echo "$cmd $opt: status $status" >&2; return 1; }
        [ "$output" = "${row#*|}" ] || { echo "$cmd $opt: '$output'" >&2; return 1; }
        # an empty value is no value either
        run "$R/$cmd" "$opt" ""
        [ "$status" -eq 2 ] && [ "$output" = "${row#*|}" ] || { echo "$cmd $opt '': $status '$output'" >&2; return 1; }
        n=$((n + 1))
    done
    [ "$n" -eq 10 ]
}

@test "an option that takes a value takes the next word, and reading goes on" {
    local row cmd opt
    for row in "${VALUE_OPTIONS[@]}"; do
        read -r cmd opt <<< "${row%%|*}"
        # the value is taken whatever it looks like; the next word is read
        run "$R/$cmd" "$opt" --bogus --bogus2
        [ "$status" -eq 2 ] && [ "$output" = "$cmd: unknown argument '--bogus2' (see --help)" ] ||
            { echo "$cmd $opt --bogus --bogus2: $status '$output'" >&2; return 1; }
    done
}

@test "every flag is known, and reading goes on after it" {
    local row cmd flag
    for row in "${FLAGS[@]}"; do
        read -r cmd flag <<< "$row"
        run "$R/$cmd" "$flag" --bogus
        [ "$status" -eq 2 ] && [ "$output" = "$cmd: unknown argument '--bogus' (see --help)" ] ||
            { echo "$cmd $flag --bogus: $status '$output'" >&2; return 1; }
        # after a flag, --help still prints the help
        run "$R/$cmd" "$flag" --help
        [ "$status" -eq 0 ] && [ "${lines[0]}" = "$(sed -n '2s/^# //p' "$R/$cmd")" ] ||
            { echo "$cmd $flag --help: $status '${lines[0]}'" >&2; return 1; }
    done
}

@test "an unknown argument: status 2, one line naming it (control characters shown as ?)" {
    local cmd n=0
    for cmd in $COMMANDS; do
        run "$R/$cmd" --no-such-option
        [ "$status" -eq 2 ] || { echo "$cmd: status $status" >&2; return 1; }
        [ "$output" = "$cmd: unknown argument '--no-such-option' (see --help)" ] ||
            { echo "$cmd: '$output'" >&2; return 1; }
        run "$R/$cmd" $'-x\e[2J'
        [ "$status" -eq 2 ] && [ "$output" = "$cmd: unknown argument '-x?[2J' (see --help)" ] ||
            { echo "$cmd: '$output'" >&2; return 1; }
        n=$((n + 1))
    done
    [ "$n" -eq 9 ]
}

@test "a word that is no option is refused, except by the backup method (its action)" {
    local cmd
    for cmd in $COMMANDS; do
        [ "$cmd" != backup_method ] || continue
        run "$R/$cmd" stray
        [ "$status" -eq 2 ] && [ "$output" = "$cmd: unknown argument 'stray' (see --help)" ] ||
            { echo "$cmd stray: $status '$output'" >&2; return 1; }
    done
    run "$R/backup_method" stray
    [ "$status" -eq 2 ]
    [ "$output" = "fallback backup method: unknown action 'stray'" ]
    # its arguments after the action are YunoHost's, whatever they look like
    run "$R/backup_method" need_mount /tmp/x name /tmp/y 0 --help
    [ "$status" -eq 1 ]
    [ "$output" = "" ]
}

@test "fallback_seal --wait not a number; --pins with --unpin" {
    run "$R/fallback_seal" --wait abc
    [ "$status" -eq 2 ]
    [ "$output" = "fallback_seal: --wait takes a number of seconds, not 'abc'" ]
    run "$R/fallback_seal" --pins --unpin all
    [ "$status" -eq 2 ]
    [ "$output" = "fallback_seal: --pins and --unpin go alone" ]
}

@test "every runtime command's -h and --help is its whole header comment, status 0" {
    local c want h n=0
    for c in $COMMANDS; do
        # the header: line 2 to the last comment line before the code or
        # the first shellcheck directive
        want=$(awk 'NR == 1 { next } !/^#/ || /^# shellcheck / { exit } { sub(/^# ?/, ""); print }' "$R/$c")
        [ "$(printf '%s\n' "$want" | wc -l)" -ge 3 ]
        [[ $want != *shellcheck* ]] || { echo "$c --help shows a shellcheck directive" >&2; return 1; }
        for h in --help -h; do
            run "$R/$c" "$h"
            [ "$status" -eq 0 ] || { echo "$c $h: status $status" >&2; return 1; }
            [ "${lines[0]}" = "$(sed -n '2s/^# //p' "$R/$c")" ]
            # ends with the header's last line (send_backup stopped mid-sentence)
            [ "${lines[${#lines[@]} - 1]}" = "$(awk 'NR > 1 && (!/^#/ || /^# shellcheck /) { print last; exit } { sub(/^# ?/, ""); last = $0 }' "$R/$c")" ] ||
                { echo "$c $h ends with '${lines[${#lines[@]} - 1]}'" >&2; return 1; }
            [ "$output" = "$want" ]
        done
        n=$((n + 1))
    done
    [ "$n" -eq 9 ]
}

# start PROG ARG...: a command that starts with fb_start ARG..., says
# "started PID", then waits (to hold its locks) until killed.
start() {
    local prog=$1
    shift
    FB_LOCK_DIR=$BATS_TEST_TMPDIR/lock FB_LOG_DIR=$BATS_TEST_TMPDIR/log FALLBACK_BIN=/bin/true \
        bash -c '. "$1"; prog=$2; shift 2; bye() { echo "bye from $FB_PROG"; }
                 fb_start "$prog" "$@" || exit 1; echo "started $$"; sleep 30 > /dev/null & wait' \
        _ "$R/lib.sh" "$prog" "$@"
}

@test "fb_start: locks by name; a held one stops the run, its holder named; --on-exit and the interrupt trap (exit 130)" {
    local pid bg rc=0 i log=$BATS_TEST_TMPDIR/log/fallback.log
    mkdir -m 0700 "$BATS_TEST_TMPDIR/lock"
    start holder --lock demo "another demo" --on-exit bye > "$BATS_TEST_TMPDIR/out" &
    bg=$!
    for ((i = 0; i < 100; i++)); do
        grep -q started "$BATS_TEST_TMPDIR/out" 2>/dev/null && break
        sleep 0.1
    done
    pid=$(sed -n 's/^started \([0-9]*\)$/\1/p' "$BATS_TEST_TMPDIR/out")
    [ -n "$pid" ]
    grep -q "^holder pid [0-9]* since " "$BATS_TEST_TMPDIR/lock/fallback_demo.lock"
    run start second --lock other "another other" --lock demo "another demo"
    [ "$status" -eq 1 ]
    [ "$output" = "" ]
    grep -q "second: error: another demo is running (lock $BATS_TEST_TMPDIR/lock/fallback_demo.lock held by holder pid [0-9]* since .*): this run stops" "$log"
    run start third --unless-busy demo "the demo is at work: this run stops"
    [ "$status" -eq 1 ]
    grep -q "third: error: the demo is at work: this run stops (lock held by holder pid [0-9]* since " "$log"
    # the holder, interrupted: logged, then its exit function
    kill -TERM "$pid"
    wait "$bg" || rc=$?
    [ "$rc" -eq 130 ]
    grep -q "holder: error: interrupted" "$log"
    grep -qx "bye from holder" "$BATS_TEST_TMPDIR/out"
}
