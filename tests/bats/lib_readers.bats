#!/usr/bin/env bats
# lib.sh's readers of what the helper prints: fb_listed (`fallback ls`) and
# fb_parts_any / fb_parts_all / fb_parts_other / fb_parts_said (`fallback
# backup-result`) and fb_line (the backup method's "KEY VALUE" lines), each
# answering exactly what it is asked.

bats_require_minimum_version 1.5.0

setup() {
    export FB_LOG_DIR=$BATS_TEST_TMPDIR/log FB_DATA_DIR=$BATS_TEST_TMPDIR/data
    # shellcheck source=../../scripts/runtime/lib.sh
    source "$BATS_TEST_DIRNAME/../../scripts/runtime/lib.sh"
    results=$'name fallback_close-wiki\nsize 1234\nsystem conf_ynh_settings Success\nsystem data_mail Skipped\napp wiki Success\napp blog Warning'
}

@test "fb_listed: a name listed, not a prefix, a size or a type" {
    local ls=$'f 120 confirmed.json\nf 0 deployed\nd 4096 old dir'
    fb_listed "$ls" confirmed.json
    fb_listed "$ls" deployed
    fb_listed "$ls" "old dir"
    run fb_listed "$ls" confirmed
    [ "$status" -eq 1 ]
    run fb_listed "$ls" 120
    [ "$status" -eq 1 ]
    run fb_listed "$ls" f
    [ "$status" -eq 1 ]
    run fb_listed "" deployed
    [ "$status" -eq 1 ]
}

@test "fb_parts_any / fb_parts_all: by kind, status and name" {
    fb_parts_any "$results" system Success
    fb_parts_any "$results" app "Success Warning" blog
    run fb_parts_any "$results" app Success blog
    [ "$status" -eq 1 ]
    run fb_parts_any "$results" system Warning
    [ "$status" -eq 1 ]
    # the name and size lines are no parts
    run fb_parts_any "$results" name fallback_close-wiki
    [ "$status" -eq 1 ]
    fb_parts_all "$results" system "Success Skipped"
    run fb_parts_all "$results" "system app" "Success Skipped"
    [ "$status" -eq 1 ]
    fb_parts_all "$results" "system app" "Success Skipped Warning"
    run fb_parts_all "$results" system Success
    [ "$status" -eq 1 ]
}

@test "fb_parts_other / fb_parts_said: the parts of a kind not of a status, and a message of them" {
    run fb_parts_other "$results" "system app" Success
    [ "$output" = $'data_mail Skipped\nblog Warning' ]
    run fb_parts_other "$results" app "Success Warning"
    [ -z "$output" ]
    run fb_parts_said "$results" system
    [ "$output" = "conf_ynh_settings=Success data_mail=Skipped" ]
    run fb_parts_said "" app
    [ -z "$output" ]
}

@test "fb_line: the rest of the first line of that key, whole; nothing for another key" {
    local result=$'checksum 0a1b\nsent 1234 ffee\nfiles 3 300 2 2000\nunchanged\nsent 9 99\nerror 8 no space left on /srv'
    [ "$(fb_line checksum <<< "$result")" = 0a1b ]
    [ "$(fb_line sent <<< "$result")" = "1234 ffee" ]
    [ "$(fb_line error <<< "$result")" = "8 no space left on /srv" ]
    [ "$(fb_line unchanged <<< "$result")" = "" ]
    fb_line unchanged <<< "$result" | grep -qx ''
    [ -z "$(fb_line che <<< "$result")" ]
    [ -z "$(fb_line 1234 <<< "$result")" ]
    [ -z "$(fb_line size <<< "")" ]
}
