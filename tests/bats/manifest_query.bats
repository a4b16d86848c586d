#!/usr/bin/env bats
# `fallback manifest get|parts|objects|files|stored|has`: the questions the
# runtime scripts ask of a night manifest, on its JSON file or on the line
# form on stdin, each checked as strictly as `manifest read`.

bats_require_minimum_version 1.5.0

setup() {
    FB=${FALLBACK_BIN:-$BATS_TEST_DIRNAME/../../build/fallback}
    tmp=$(mktemp -d)
    h1=$(printf '1%.0s' {1..64}) h2=$(printf '2%.0s' {1..64})
    cat > "$tmp/lines" <<EOT
version 1
night 20250102T010000Z
created_at 1735779600
encrypted 0
part system system sent 20250102T010000Z $h1
object 20250102T010000Z-system.tar 1234 $h2
part app wordpress unchanged 20250101T010000Z $h2
object 20250101T010000Z-app_wordpress.tar 99 $h1
file app_list 20250102T010000Z-app_list 30 $h1
file ip_main_server 20250102T010000Z-ip_main_server 10 $h2
EOT
    "$FB" manifest write --out "$tmp/m.json" < "$tmp/lines"
}

teardown() { rm -rf "$tmp"; }

@test "manifest get: one header value, from the JSON file or the line form" {
    run "$FB" manifest get "$tmp/m.json" night
    [ "$status" -eq 0 ]
    [ "$output" = 20250102T010000Z ]
    run "$FB" manifest get - created_at < "$tmp/lines"
    [ "$status" -eq 0 ]
    [ "$output" = 1735779600 ]
    run "$FB" manifest get "$tmp/m.json" encrypted
    [ "$output" = 0 ]
    run "$FB" manifest get "$tmp/m.json" bytes
    [ "$output" = 1333 ]
    run "$FB" manifest get "$tmp/m.json" size
    [ "$status" -eq 2 ]
    [[ $output == *"no header value 'size'"* ]]
}

@test "manifest parts, objects, files, stored: the lines asked for, nothing else" {
    run "$FB" manifest parts "$tmp/m.json" --kind app
    [ "$output" = "app wordpress unchanged 20250101T010000Z $h2" ]
    run "$FB" manifest parts - < "$tmp/lines"
    [ "${#lines[@]}" -eq 2 ]
    [ "${lines[0]}" = "system system sent 20250102T010000Z $h1" ]
    run "$FB" manifest objects "$tmp/m.json" --kind system
    [ "$output" = "system system 20250102T010000Z-system.tar 1234 $h2" ]
    run "$FB" manifest objects "$tmp/m.json" --kind app --id nextcloud
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    run "$FB" manifest files "$tmp/m.json" --role ip_main_server
    [ "$output" = "ip_main_server 20250102T010000Z-ip_main_server 10 $h2" ]
    run "$FB" manifest stored "$tmp/m.json"
    [ "${#lines[@]}" -eq 4 ]
    [ "${lines[1]}" = "20250101T010000Z-app_wordpress.tar 99 $h1" ]
    [ "${lines[3]}" = "20250102T010000Z-ip_main_server 10 $h2" ]
}

@test "manifest has: status 0 for a part held, 1 for one that is not" {
    run "$FB" manifest has "$tmp/m.json" --kind system
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    run "$FB" manifest has - --kind app --id wordpress < "$tmp/lines"
    [ "$status" -eq 0 ]
    run "$FB" manifest has "$tmp/m.json" --kind app --id system
    [ "$status" -eq 1 ]
    [ -z "$output" ]
}

@test "manifest questions: a bad manifest or a bad question is named, with its status" {
    sed 's/^night .*/night yesterday/' "$tmp/lines" > "$tmp/bad"
    run "$FB" manifest parts - < "$tmp/bad"
    [ "$status" -eq 12 ]
    [ -n "$output" ]
    printf '{"format": "fallback-night", "version": 1}' > "$tmp/bad.json"
    run "$FB" manifest has "$tmp/bad.json" --kind system
    [ "$status" -eq 12 ]
    [[ $output == *"$tmp/bad.json"* ]]
    run "$FB" manifest get "$tmp/missing.json" night
    [ "$status" -eq 1 ]
    run "$FB" manifest parts "$tmp/m.json" --kind disk
    [ "$status" -eq 2 ]
    [[ $output == *"--kind is system or app, not 'disk'"* ]]
    run "$FB" manifest files "$tmp/m.json" --role passkey
    [ "$status" -eq 2 ]
    [[ $output == *"--role"* ]]
    run "$FB" manifest stored "$tmp/m.json" --kind app
    [ "$status" -eq 2 ]
    run "$FB" manifest read "$tmp/m.json" --out "$tmp/x"
    [ "$status" -eq 2 ]
    run "$FB" manifest nights "$tmp/m.json"
    [ "$status" -eq 2 ]
    [[ $output == *"unknown subcommand"* ]]
    run "$FB" manifest --help
    [[ $output == *"has FILE"* ]]
    [[ $output == *"stored FILE"* ]]
}
