#!/usr/bin/env bats
# What the 12.x diagnosis (src/diagnosers/80-apps.py) reports about an
# installed app's scripts/ folder (copied whole to /etc/yunohost/apps/fallback,
# runtime/ included), and fallback_status's role read without the settings
# command.

bats_require_minimum_version 1.5.0

setup() {
    root=$BATS_TEST_DIRNAME/../..
    tmp=$(mktemp -d)
    mkdir -p "$tmp/data" "$tmp/log"
    export FALLBACK_BIN=${FALLBACK_BIN:-$root/build/fallback}
}

teardown() {
    rm -rf "$tmp"
}

# deprecated DIR: the diagnosis' own test: a non-comment line naming one of
# the deprecated commands anywhere under DIR
deprecated() {
    local p
    for p in "yunohost app setting" "yunohost app checkurl" "yunohost app checkport" \
        "yunohost app initdb" "yunohost tools port-available"; do
        if grep -hr "$p" "$1" | grep -v -q '^\s*#'; then
            echo "$p"
        fi
    done
}

@test "no script uses a practice the diagnosis reports as deprecated" {
    run deprecated "$root/scripts"
    echo "$output"
    [ -z "$output" ]
    run grep -q '^domain=\${\?[0-9]' "$root/scripts/install"
    [ "$status" -eq 1 ]
}

@test "the check sees such a call" {
    mkdir -p "$tmp/scripts/runtime"
    printf '#!/bin/bash\n# yunohost app setting in a comment is fine\n' > "$tmp/scripts/runtime/x"
    run deprecated "$tmp/scripts"
    [ -z "$output" ]
    printf 'r=$(yunohost app setting fallback install_type)\n' >> "$tmp/scripts/runtime/x"
    run deprecated "$tmp/scripts"
    [ "$output" = "yunohost app setting" ]
}

status_role() { # SETTINGS_LINE: fallback_status's role with that settings.yml line
    printf 'id: fallback\n%s\n' "$1" > "$tmp/settings.yml"
    FB_APP_SETTINGS=$tmp/settings.yml FB_DATA_DIR=$tmp/data FB_LOG_DIR=$tmp/log \
        "$root/scripts/runtime/fallback_status" --json --offline | jq -r .role
}

@test "fallback_status reads the role from the app's settings file" {
    [ "$(status_role 'install_type: fallback')" = fallback ]
    [ "$(status_role "install_type: 'main'")" = main ]
    [ "$(status_role 'install_type: "fallback"')" = fallback ]
    # nothing on disk and no valid role, or no settings: not installed
    printf 'id: fallback\ninstall_type: other\n' > "$tmp/settings.yml"
    run env FB_APP_SETTINGS="$tmp/settings.yml" FB_DATA_DIR="$tmp/data" FB_LOG_DIR="$tmp/log" \
        "$root/scripts/runtime/fallback_status" --json --offline
    [ "$status" -eq 1 ]
    [[ $output == *"not installed"* ]]
    rm -f "$tmp/settings.yml"
    run env FB_APP_SETTINGS="$tmp/settings.yml" FB_DATA_DIR="$tmp/data" FB_LOG_DIR="$tmp/log" \
        "$root/scripts/runtime/fallback_status" --json --offline
    [ "$status" -eq 1 ]
}
