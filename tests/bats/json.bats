#!/usr/bin/env bats
# fallback apps / backup-result / backup-list / backup-info: yunohost JSON on
# stdin, plain lines on stdout; bad input gives one error line naming the
# command and the yunohost command, exit 12 and nothing on stdout.
bats_require_minimum_version 1.5.0

setup() {
    FB=${FALLBACK_BIN:-$PWD/${BUILD:-build}/fallback}
    FX=$BATS_TEST_DIRNAME/../unit/fixtures
    T=$(mktemp -d)
}

teardown() {
    rm -rf "$T"
}

# ok CMD FIXTURE: success, stdout in $output, stderr must be empty
ok() {
    run --separate-stderr "$FB" "$1" < "$FX/$2"
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
}

# refused CMD FILE EXPECT: exit 12, no stdout, one stderr line with EXPECT
refused() {
    run --separate-stderr "$FB" "$1" < "$2"
    echo "status=$status stdout=[$output] stderr=[$stderr]"
    [ "$status" -eq 12 ]
    [ -z "$output" ]
    [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
    [[ "$stderr" == "fallback: $1: "* ]]
    [[ "$stderr" == *"$3"* ]]
}

@test "apps: 12.x shape, ids in the order given, multi-instance kept" {
    ok apps app_list_12.json
    [ "$output" = "$(printf 'fallback\nnextcloud\nnextcloud__2\nwordpress')" ]
}

@test "apps: 11.x shape with id appended last" {
    ok apps app_list_11.json
    [ "$output" = "$(printf 'fallback\nnextcloud\nwordpress')" ]
}

@test "apps: --full shapes of 11.x and 12.x" {
    ok apps app_list_12_full.json
    [ "$output" = "$(printf 'fallback\nnextcloud__2')" ]
    ok apps app_list_11_full.json
    [ "$output" = "$(printf 'fallback\nwordpress')" ]
}

@test "apps: no app installed prints nothing, exit 0" {
    ok apps app_list_empty.json
    [ -z "$output" ]
}

@test "apps: same ids as jq on every good fixture" {
    for f in app_list_11.json app_list_12.json app_list_11_full.json app_list_12_full.json; do
        ok apps "$f"
        [ "$output" = "$(jq -r '.apps[].id' "$FX/$f")" ]
    done
}

@test "apps: malformed, truncated, trailing garbage, duplicate keys" {
    refused apps "$FX/app_list_truncated.json" '`yunohost app list` output: invalid JSON at 1:46'
    refused apps "$FX/app_list_trailing.json" 'end of file expected'
    refused apps "$FX/app_list_duplicate_key.json" 'duplicate object key'
}

@test "apps: wrong types and bad ids" {
    refused apps "$FX/app_list_apps_object.json" 'apps must be an array, got an object'
    refused apps "$FX/app_list_item_no_id.json" "apps[0]: missing key 'id'"
    refused apps "$FX/app_list_id_integer.json" 'apps[0].id must be a string'
    refused apps "$FX/app_list_invalid_id.json" "invalid app id '../etc'"
    refused apps "$FX/app_list_duplicate_id.json" "duplicate 'wordpress'"
    refused apps "$FX/app_list_top_array.json" 'expected an object at the top'
}

@test "apps: a bad item after good ones prints no partial list" {
    printf '{"apps":[{"id":"a"},{"id":"b"},{"id":3}]}' > "$T/in"
    refused apps "$T/in" 'apps[2].id must be a string'
}

@test "apps: empty input, NUL byte, deep nesting, binary" {
    : > "$T/empty"
    refused apps "$T/empty" 'empty, expected JSON'
    printf '{"apps":[]}\0' > "$T/nul"
    refused apps "$T/nul" 'NUL byte at offset 11'
    python3 -c 'print("{\"apps\":" + "[" * 100000 + "]" * 100000 + "}")' > "$T/deep"
    refused apps "$T/deep" 'maximum parsing depth'
    printf '\xff\xfe\x80garbage' > "$T/bin"
    refused apps "$T/bin" 'invalid JSON at 1:0'
    for _ in 1 2 3 4 5; do
        head -c 4096 /dev/urandom | tr -d '\0' > "$T/random"
        refused apps "$T/random" 'invalid JSON'
    done
    printf '{"apps":["a\nb\x01\xff"]}' > "$T/ctrl"
    refused apps "$T/ctrl" 'invalid JSON'
}

@test "apps: yunohost log lines before the JSON (no --quiet) are refused" {
    printf 'Some info line\n{"apps":[]}\n' > "$T/in"
    refused apps "$T/in" 'invalid JSON at 1:'
}

@test "apps: a large list is read whole" {
    python3 -c '
import json
print(json.dumps({"apps": [{"id": "app%d" % i, "name": "x" * 200} for i in range(20000)]}))' > "$T/big"
    run --separate-stderr "$FB" apps < "$T/big"
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 20000 ]
    [ "${lines[19999]}" = app19999 ]
}

@test "apps: input beyond 64 MiB is refused" {
    head -c $((64 * 1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' > "$T/over"
    refused apps "$T/over" 'larger than 67108864 bytes'
}

@test "apps: arguments are refused, --help works" {
    run "$FB" apps extra < "$FX/app_list_12.json"
    [ "$status" -eq 2 ]
    run "$FB" apps --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"yunohost app list"* ]]
}

@test "backup-result: name, size, system and app statuses" {
    ok backup-result backup_create.json
    [ "$output" = "$(printf '%s\n' 'name 20250101-120000' 'size 1048576' \
        'system conf_ldap Success' 'system conf_ssowat Skipped' 'system data_home Warning' \
        'app fallback Success' 'app nextcloud__2 Error' 'app wordpress Unknown')" ]
}

@test "backup-result: unknown status, dry-run shape, string size" {
    refused backup-result "$FX/backup_create_bad_status.json" "results.system.conf_ldap: invalid status 'Done'"
    refused backup-result "$FX/backup_create_dry_run.json" "missing key 'name'"
    refused backup-result "$FX/backup_create_size_string.json" "size must be an integer"
    refused backup-result "$FX/app_list_12.json" '`yunohost backup create` output'
}

@test "backup-list: plain and --with-info shapes, empty" {
    ok backup-list backup_list.json
    [ "$output" = "$(printf '20250101-120000\nfallback-pre-upgrade1')" ]
    ok backup-list backup_list_info.json
    [ "$output" = "$(printf '20250101-120000\nfallback-pre-upgrade1')" ]
    ok backup-list backup_list_empty.json
    [ -z "$output" ]
}

@test "backup-list: wrong item type, unsafe name" {
    refused backup-list "$FX/backup_list_wrong_item.json" 'archives[1] must be a string'
    printf '{"archives":["ok","../../etc"]}' > "$T/in"
    refused backup-list "$T/in" "invalid archive name '../../etc'"
}

@test "backup-info: plain and --with-details" {
    ok backup-info backup_info.json
    [ "$output" = "$(printf '%s\n' 'path /home/yunohost.backup/archives/20250101-120000.tar' \
        'created_at 2025-01-01T12:00:00+00:00' 'size 1048576')" ]
    ok backup-info backup_info_details.json
    [ "$output" = "$(printf '%s\n' 'path /home/yunohost.backup/archives/20250101-120000.tar' \
        'created_at 2025-01-01T12:00:00+00:00' 'size 1048576' \
        'app fallback' 'app nextcloud__2' 'system conf_ldap' 'system data_home')" ]
}

@test "backup-info: human-readable size names the field" {
    refused backup-info "$FX/backup_info_human.json" "size must be an integer number of bytes, got string '120.6M'"
}

@test "backup-info: real size, bad date, missing size, duplicate key" {
    refused backup-info "$FX/backup_info_size_real.json" 'size must be an integer, got a real number'
    refused backup-info "$FX/backup_info_bad_date.json" "created_at: invalid ISO 8601 date 'yesterday'"
    refused backup-info "$FX/backup_info_no_size.json" "missing key 'size'"
    refused backup-info "$FX/backup_info_duplicate_key.json" 'duplicate object key'
}

@test "backup-list: --with-info dict keeps yunohost's order (oldest first)" {
    python3 -c '
import json, random, sys
names = ["archive-%03d" % i for i in range(300)]
random.shuffle(names)
open(sys.argv[1], "w").write("\n".join(names) + "\n")
info = {"path": "/a.tar", "created_at": "2025-01-01T00:00:00+00:00", "description": "", "size": 1}
print(json.dumps({"archives": {n: info for n in names}}))' "$T/order" > "$T/in"
    run --separate-stderr "$FB" backup-list < "$T/in"
    [ "$status" -eq 0 ]
    [ "$output" = "$(cat "$T/order")" ]
}
