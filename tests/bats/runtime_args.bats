#!/usr/bin/env bats
# The runtime commands' options: a missing or malformed value is a usage
# error (exit 2, one line naming the option) before anything runs.

setup() { R=$BATS_TEST_DIRNAME/../../scripts/runtime; }

@test "fallback_seal --wait without a value, or not a number" {
    run "$R/fallback_seal" --wait
    [ "$status" -eq 2 ]
    [ "$output" = "fallback_seal: --wait needs a number of SECONDS" ]
    run "$R/fallback_seal" --wait abc
    [ "$status" -eq 2 ]
    [ "$output" = "fallback_seal: --wait takes a number of seconds, not 'abc'" ]
}

@test "fallback_seal --unpin without a night" {
    run "$R/fallback_seal" --unpin
    [ "$status" -eq 2 ]
    [ "$output" = "fallback_seal: --unpin needs a NIGHT id or 'all' (see --pins)" ]
}

@test "fallback_watch --config without a file" {
    run "$R/fallback_watch" --config
    [ "$status" -eq 2 ]
    [ "$output" = "fallback_watch: --config needs a FILE" ]
}

@test "every runtime command's --help is its whole header comment, status 0" {
    local c want n=0
    for c in send_backup fallback_seal deploy_fallback close_fallback update_from_fallback \
        fallback_status fallback_watch update_dns; do
        # the header: line 2 to the last comment line before the code
        want=$(awk 'NR == 1 { next } !/^#/ { exit } { sub(/^# ?/, ""); print }' "$R/$c")
        [ "$(printf '%s\n' "$want" | wc -l)" -ge 3 ]
        run "$R/$c" --help
        [ "$status" -eq 0 ] || { echo "$c --help: status $status" >&2; return 1; }
        [ "${lines[0]}" = "$(sed -n '2s/^# //p' "$R/$c")" ]
        # ends with the header's last line (send_backup stopped mid-sentence)
        [ "${lines[${#lines[@]} - 1]}" = "$(awk 'NR > 1 && !/^#/ { print last; exit } { sub(/^# ?/, ""); last = $0 }' "$R/$c")" ] ||
            { echo "$c --help ends with '${lines[${#lines[@]} - 1]}'" >&2; return 1; }
        [ "$output" = "$want" ]
        n=$((n + 1))
    done
    [ "$n" -eq 8 ]
}
