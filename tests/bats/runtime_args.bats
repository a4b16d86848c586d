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
