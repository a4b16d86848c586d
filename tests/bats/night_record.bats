#!/usr/bin/env bats
# The main's record of the last night (lib.sh's schema "night", written by
# send_backup): what fallback_status shows of the last night comes from it,
# not from the wording of the log; a corrupt record is said, not hidden.

bats_require_minimum_version 1.5.0

setup() {
    root=$BATS_TEST_DIRNAME/../..
    tmp=$(mktemp -d)
    mkdir -p "$tmp/data" "$tmp/log"
    printf 'id: fallback\ninstall_type: main\n' > "$tmp/settings.yml"
    export FALLBACK_BIN=${FALLBACK_BIN:-$root/build/fallback}
    export FB_APP_SETTINGS=$tmp/settings.yml FB_DATA_DIR=$tmp/data FB_LOG_DIR=$tmp/log
    rec=$tmp/data/last_night
}

teardown() { rm -rf "$tmp"; }

# record: a night's record as send_backup writes it
record() {
    # shellcheck source=../../scripts/runtime/lib.sh
    (source "$root/scripts/runtime/lib.sh" && FB_PROG=night_record &&
        fb_state_write night "$rec" 0600 night 20250102T010000Z outcome failed format 1 \
            started_at 1735779600 finished_at 1735779725 seconds 125 sent 1 unchanged 1 failed 1 \
            skipped 1 bytes 4096 parts "system/system/sent/4096/100 app/wiki/unchanged/0/20 app/blog/failed/0/5 app/gone/skipped/0/0")
}

status_json() { "$root/scripts/runtime/fallback_status" --json --offline; }

@test "fallback_status shows the last night from its record, whatever the log says" {
    record
    [ "$(stat -c %a "$rec")" = 600 ]
    run status_json
    [ "$status" -eq 0 ]
    printf '%s\n' "$output" > "$tmp/status.json"
    "$root/tests/e2e/check-json-schema" "$root/tests/e2e/status.schema.json" "$tmp/status.json"
    [ "$(jq -r .last_night.night "$tmp/status.json")" = 20250102T010000Z ]
    [ "$(jq -r .last_night.logged_at "$tmp/status.json")" = "$(date -d @1735779725 '+%Y-%m-%d %H:%M:%S')" ]
    [ "$(jq -c '.last_night.parts[]' "$tmp/status.json" | paste -sd ' ')" = \
      '{"kind":"system","id":"system","status":"sent","bytes":4096,"seconds":100} {"kind":"app","id":"wiki","status":"unchanged","bytes":0,"seconds":20} {"kind":"app","id":"blog","status":"failed","bytes":0,"seconds":5} {"kind":"app","id":"gone","status":"skipped","bytes":0,"seconds":0}' ]
    # a log with another night's summary, reworded: the output does not move
    cat > "$tmp/log/fallback.log" <<'EOT'
2025-01-03 01:00:00 send_backup: summary of night 20250103T010000Z:
2025-01-03 01:00:00 send_backup:   system system                   sent             9 bytes     1s
2025-01-03 01:00:01 send_backup: the night's summary, reworded: system sent 9 bytes in 1 second
EOT
    run status_json
    [ "$(jq -c 'del(.checked_at)' <<< "$output")" = "$(jq -c 'del(.checked_at)' "$tmp/status.json")" ]
    # and the record alone moves it
    sed -i 's/^bytes=4096$/bytes=4097/; s|system/system/sent/4096/100|system/system/sent/4097/100|' "$rec"
    run status_json
    [ "$(jq -r '.last_night.parts[0].bytes' <<< "$output")" = 4097 ]
}

@test "fallback_status: no record yet is no last night, silently" {
    run --separate-stderr status_json
    [ "$status" -eq 0 ]
    [ "$(jq -c .last_night <<< "$output")" = null ]
    [ -z "$stderr" ]
}

@test "fallback_status: a corrupt record is said on stderr, and no last night is made up" {
    local bad
    for bad in 's/^outcome=failed$/outcome=maybe/' 's|app/wiki/|app/Wi ki/|' 's|/100 |/-1 |' \
               's/^night=.*/night=yesterday/' '$ a\seconds=3' '$ a\garbage' '/^night=/d'; do
        record
        sed -i "$bad" "$rec"
        run --separate-stderr status_json
        echo "$bad: $stderr"
        [ "$status" -eq 0 ]
        [ "$(jq -c .last_night <<< "$output")" = null ]
        [[ $stderr == *"fallback_status: "*"the last night is not shown"* ]]
        [[ $stderr == *"$rec"* ]]
        rm -f "$rec"
    done
    # the human form says it too
    record
    echo 'parts=twice' >> "$rec"
    run fallback_status_human
    [[ $output == *"the last night's record is refused"*"parts is given twice"* ]]
}

fallback_status_human() { "$root/scripts/runtime/fallback_status" --offline 2>&1; }

@test "send_backup writes the record through the schema: a value of the wrong form is refused" {
    # shellcheck source=../../scripts/runtime/lib.sh
    source "$root/scripts/runtime/lib.sh"
    # shellcheck disable=SC2034  # read by lib.sh's fb_log
    FB_PROG=night_record
    run fb_state_write night "$rec" 0600 night 20250102T010000Z parts "system/system/sent/1/1 app/../sent/1/1"
    [ "$status" -eq 12 ]
    [ ! -e "$rec" ]
    run fb_state_write night "$rec" 0600 night 20250102T010000Z parts "app/system2/kept/1/1"
    [ "$status" -eq 12 ]
    run fb_state_write night "$rec" 0600 night 20250102T010000Z format 3
    [ "$status" -eq 12 ]
    fb_state_write night "$rec" 0600 night 20250102T010000Z format 2 bytes 123456789012 parts "system/system/unchanged/0/3"
    [ "$(fb_state_get night "$rec" bytes)" = 123456789012 ]
    [ "$(fb_state_get night "$rec" format)" = 2 ]
}
