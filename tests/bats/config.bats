#!/usr/bin/env bats
# fallback config-check and selected-apps: config.conf and app_list as the
# admin edits them; a bad line is FILE:LINE: message, exit 12.
bats_require_minimum_version 1.5.0

setup() {
    FB=${FALLBACK_BIN:-$PWD/${BUILD:-build}/fallback}
    FX=$BATS_TEST_DIRNAME/../unit/fixtures
    T=$(mktemp -d)
    printf '%s\n' 'ssh_host=fallback.example.org' 'ssh_key=/root/.ssh/key' 'pass_file=/root/pass' > "$T/min.conf"
}

teardown() {
    rm -rf "$T"
}

# bad_conf LINES EXPECT: config-check refuses with "FILE:EXPECT"
bad_conf() {
    printf '%s\n' "$1" > "$T/c.conf"
    run --separate-stderr "$FB" config-check --config "$T/c.conf"
    echo "status=$status stderr=[$stderr]"
    [ "$status" -eq 12 ]
    [ -z "$output" ]
    [ "$stderr" = "fallback: config-check: $T/c.conf:$2" ]
}

@test "config-check: the original package's config.conf is valid, silent" {
    run --separate-stderr "$FB" config-check --config "$FX/config_original.conf"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    [ -z "$stderr" ]
}

@test "config-check: the original package's app_list is valid, silent" {
    run --separate-stderr "$FB" config-check --app-list "$FX/app_list_original"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    [ -z "$stderr" ]
}

@test "config-check: both files at once" {
    run --separate-stderr "$FB" config-check --config "$T/min.conf" --app-list "$FX/app_list_original"
    [ "$status" -eq 0 ]
}

@test "config-check: unknown key is a warning with file and line" {
    printf '# c\n\nssh_colour=blue\n' >> "$T/min.conf"
    run --separate-stderr "$FB" config-check --config "$T/min.conf"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    [ "$stderr" = "fallback: warning: $T/min.conf:6: unknown key 'ssh_colour' ignored" ]
}

@test "config-check: every key's bad values, with their line" {
    bad_conf "$(printf 'ssh_host=h\nssh_key=/k\nssh_port=0')" "3: ssh_port must be a number from 1 to 65535"
    bad_conf "$(printf 'ssh_host=h\nssh_key=/k\nssh_port=70000')" "3: ssh_port must be a number from 1 to 65535"
    bad_conf "$(printf 'ssh_host=h\nssh_key=/k\nssh_port=2 2')" "3: ssh_port must be a number from 1 to 65535"
    bad_conf "$(printf 'ssh_host=h\nssh_key=/k\nencrypt=true')" "3: encrypt must be 0 or 1"
    bad_conf "$(printf 'ssh_host=h\nssh_key=/k\nencrypt=0\noverwrite_ip=1.2.3.4.5')" \
        "4: overwrite_ip must be empty or an IPv4 or IPv6 address"
    bad_conf "$(printf '# c\nssh_host=not a host')" "2: ssh_host is neither a host name nor an IP address"
    bad_conf "$(printf 'ssh_host=h\nssh_key=')" "2: ssh_key must not be empty"
    bad_conf "$(printf 'ssh_host=h\nssh_key=/k\npass_file=')" " pass_file is empty (required when encrypt=1)"
    # relative paths: the shell commands would read them from another folder
    bad_conf "$(printf 'ssh_host=h\nssh_key=id_key')" "2: ssh_key must be an absolute path (starting with /)"
    bad_conf "$(printf 'ssh_host=h\nssh_key=/k\npass_file=./pass')" "3: pass_file must be an absolute path (starting with /)"
    bad_conf "$(printf 'ssh_host=h\nmain_storage_dir=store')" "2: main_storage_dir must be an absolute path (starting with /)"
    bad_conf "$(printf 'ssh_user=\nssh_host=h')" "1: ssh_user must not be empty"
    bad_conf "$(printf 'ssh_host=h\nmain_storage_dir=')" "2: main_storage_dir must not be empty"
    bad_conf "$(printf 'ssh_host=h\nknown_hosts=')" "2: known_hosts must not be empty"
}

@test "config-check: line without '=', empty key, duplicate key" {
    bad_conf "$(printf 'ssh_host=h\n\nssh_key /k')" "3: expected key=value, got 'ssh_key /k'"
    bad_conf "$(printf 'ssh_host=h\n=x')" "2: empty key before '='"
    bad_conf "$(printf 'ssh_host=h\nssh_port=22\n# again\nssh_port=2222')" \
        "4: duplicate key 'ssh_port' (first set on line 2)"
}

@test "config-check: required keys" {
    printf 'ssh_key=/k\npass_file=/p\n' > "$T/c.conf"
    run --separate-stderr "$FB" config-check --config "$T/c.conf"
    [ "$status" -eq 12 ]
    [ "$stderr" = "fallback: config-check: $T/c.conf: missing key ssh_host" ]
    printf 'ssh_host=h\nssh_key=/k\n' > "$T/c.conf"
    run --separate-stderr "$FB" config-check --config "$T/c.conf"
    [ "$status" -eq 12 ]
    [ "$stderr" = "fallback: config-check: $T/c.conf: missing key pass_file (required when encrypt=1)" ]
    printf 'ssh_host=h\nssh_key=/k\nencrypt=0\n' > "$T/c.conf"
    run "$FB" config-check --config "$T/c.conf"
    [ "$status" -eq 0 ]
    # encryption off, as the install writes it: pass_file empty
    printf 'ssh_host=h\nssh_key=/k\nencrypt=0\npass_file=\n' > "$T/c.conf"
    run "$FB" config-check --config "$T/c.conf"
    [ "$status" -eq 0 ]
}

@test "config-check: shell-looking values accepted as plain text, spaces trimmed, CRLF tolerated" {
    printf 'ssh_host = h.example.org \r\nssh_key=/k\r\nssh_options=-o "A=b" $(reboot)\r\nencrypt=0\r\n' > "$T/c.conf"
    run --separate-stderr "$FB" config-check --config "$T/c.conf"
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
}

@test "config-check: missing file, NUL byte" {
    run --separate-stderr "$FB" config-check --config "$T/nope.conf"
    [ "$status" -eq 12 ]
    [[ "$stderr" == "fallback: config-check: $T/nope.conf: "* ]]
    printf 'ssh_host=h\nssh\0_key=/k\n' > "$T/c.conf"
    run --separate-stderr "$FB" config-check --config "$T/c.conf"
    [ "$status" -eq 12 ]
    [ "$stderr" = "fallback: config-check: $T/c.conf:2: NUL byte in text file" ]
}

@test "config-check: needs at least one file, refuses stray arguments" {
    run "$FB" config-check
    [ "$status" -eq 2 ]
    run "$FB" config-check --config "$T/min.conf" extra
    [ "$status" -eq 2 ]
    run "$FB" config-check --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"--app-list"* ]]
}

@test "selected-apps: the original file selects wordpress only" {
    run --separate-stderr "$FB" selected-apps "$FX/app_list_original"
    [ "$status" -eq 0 ]
    [ "$output" = wordpress ]
    [ -z "$stderr" ]
}

@test "selected-apps: all markers, file order, multi-instance, trailing spaces, comments" {
    printf '%s\n' '#000# For each app you want to backup, precede by [.]' '[.]: zulip  ' '[]: nextcloud' \
        '' '# a note' '[.]: nextcloud__2' '[-]: fallback' '[.]: my_webapp' > "$T/app_list"
    run --separate-stderr "$FB" selected-apps "$T/app_list"
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf 'zulip\nnextcloud__2\nmy_webapp')" ]
}

@test "selected-apps: nothing selected prints nothing" {
    printf '#000# header\n[]: a\n[-]: fallback\n' > "$T/app_list"
    run --separate-stderr "$FB" selected-apps "$T/app_list"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

# bad_list BODY EXPECT: malformed app_list refused with nothing on stdout
bad_list() {
    printf '#000# header\n[.]: good\n%s\n' "$1" > "$T/app_list"
    for cmd in "selected-apps $T/app_list" "config-check --app-list $T/app_list"; do
        # shellcheck disable=SC2086
        run --separate-stderr "$FB" $cmd
        echo "status=$status stdout=[$output] stderr=[$stderr]"
        [ "$status" -eq 12 ]
        [ -z "$output" ]
        [ "$stderr" = "fallback: ${cmd%% *}: $T/app_list:$2" ]
    done
}

@test "selected-apps: malformed lines give FILE:LINE and no partial list" {
    bad_list '[x]: foo' "3: malformed app_list line: '[x]: foo'"
    bad_list '[.] foo' "3: malformed app_list line: '[.] foo'"
    bad_list '[.]:' "3: malformed app_list line: '[.]:'"
    bad_list 'wordpress' "3: malformed app_list line: 'wordpress'"
    bad_list '[.]: two words' "3: malformed app_list line: '[.]: two words'"
    bad_list ' [.]: indented' "3: malformed app_list line: ' [.]: indented'"
}

@test "selected-apps: invalid and duplicate ids" {
    bad_list '[.]: ../../etc' "3: invalid app id '../../etc'"
    bad_list '[]: -rf' "3: invalid app id '-rf'"
    bad_list '[]: good' "3: duplicate app id 'good' (first on line 2)"
}

@test "selected-apps: usage errors" {
    run "$FB" selected-apps
    [ "$status" -eq 2 ]
    run "$FB" selected-apps a b
    [ "$status" -eq 2 ]
    run --separate-stderr "$FB" selected-apps "$T/missing"
    [ "$status" -eq 12 ]
    [ -z "$output" ]
}

@test "config-check: repository_format 1 or 2, part_budget_minutes 1 to 10080" {
    printf '%s\n' 'repository_format=2' 'part_budget_minutes=10080' >> "$T/min.conf"
    run --separate-stderr "$FB" config-check --config "$T/min.conf"
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    bad_conf "$(printf 'ssh_host=h\nssh_key=/k\nrepository_format=3')" "3: repository_format must be 1 or 2"
    bad_conf "$(printf 'ssh_host=h\nssh_key=/k\nrepository_format=')" "3: repository_format must be 1 or 2"
    bad_conf "$(printf 'ssh_host=h\nssh_key=/k\npart_budget_minutes=0')" \
        "3: part_budget_minutes must be a whole number of minutes from 1 to 10080"
    bad_conf "$(printf 'ssh_host=h\nssh_key=/k\npart_budget_minutes=10081')" \
        "3: part_budget_minutes must be a whole number of minutes from 1 to 10080"
    bad_conf "$(printf 'ssh_host=h\nssh_key=/k\npart_budget_minutes=1h')" \
        "3: part_budget_minutes must be a whole number of minutes from 1 to 10080"
}

@test "app-list: get, add, set, remove; written sorted, header and comments first, mode and owner kept" {
    printf '%s\n' '# my note' '[.]: zulip  ' '' '[]: nextcloud' '[.]: fallback' > "$T/al"
    chmod 0640 "$T/al"
    chown 4321:4321 "$T/al"
    [ "$("$FB" app-list get "$T/al" zulip)" = '[.]' ]
    [ "$("$FB" app-list get "$T/al" nextcloud)" = '[]' ]
    [ -z "$("$FB" app-list get "$T/al" gitea)" ]
    "$FB" app-list add "$T/al" zulip
    "$FB" app-list add "$T/al" gitea
    [ "$(cat "$T/al")" = $'# my note\n[-]: fallback\n[]: gitea\n[]: nextcloud\n[.]: zulip' ]
    [ "$(stat -c '%a %u %g' "$T/al")" = "640 4321 4321" ]
    "$FB" app-list set "$T/al" nextcloud '[.]'
    "$FB" app-list set "$T/al" wiki__2 '[-]'
    "$FB" app-list remove "$T/al" gitea
    "$FB" app-list remove "$T/al" absent
    [ "$(cat "$T/al")" = $'# my note\n[-]: fallback\n[.]: nextcloud\n[-]: wiki__2\n[.]: zulip' ]
    "$FB" config-check --app-list "$T/al"
    # a file with no comment gets the header; an empty one is the header alone
    : > "$T/empty"
    "$FB" app-list normalize "$T/empty"
    [ "$(cat "$T/empty")" = '#000# For each app you want to backup, precede by [.]' ]
}

@test "app-list: a bad file, id or mark is refused (12) and nothing is written" {
    printf '%s\n' '[]: b' '[.]: b' > "$T/dup"
    cp "$T/dup" "$T/before"
    run --separate-stderr "$FB" app-list add "$T/dup" c
    [ "$status" -eq 12 ]
    [[ "$stderr" == *"duplicate app id 'b'"* ]]
    cmp "$T/dup" "$T/before"
    printf '%s\n' '[]: a' > "$T/al"
    cp "$T/al" "$T/before"
    run --separate-stderr "$FB" app-list add "$T/al" 'My App'
    [ "$status" -eq 12 ]
    [ "$stderr" = "fallback: app-list: 'My App' is not an app id" ]
    run --separate-stderr "$FB" app-list set "$T/al" a '[x]'
    [ "$status" -eq 12 ]
    [ "$stderr" = "fallback: app-list: '[x]' is not a mark ([], [.] or [-])" ]
    cmp "$T/al" "$T/before"
    [ "$(find "$T" -name '.al.*' | wc -l)" -eq 0 ]
    run "$FB" app-list add "$T/al"
    [ "$status" -eq 2 ]
    run "$FB" app-list rename "$T/al" a
    [ "$status" -eq 2 ]
    run "$FB" app-list get "$T/nowhere" a
    [ "$status" -eq 12 ]
}
