#!/usr/bin/env bats
# manifest.toml (what YunoHost reads) against manifest.json (the record of
# the original package's install questions): question by question, and the
# v2 fields a packaging v2 / helpers 2.1 package needs.

bats_require_minimum_version 1.5.0

setup() {
    root=$BATS_TEST_DIRNAME/../..
    cmp=$BATS_TEST_DIRNAME/compare-manifests
    tmp=$(mktemp -d)
}

teardown() {
    rm -rf "$tmp"
}

toml() { # toml EXPR: a Python expression on the parsed manifest.toml, as JSON
    python3 -c 'import json, sys, tomllib; m = tomllib.load(open(sys.argv[1], "rb")); print(json.dumps(eval(sys.argv[2])))' \
        "$root/manifest.toml" "$1"
}

@test "manifest.toml asks the same questions as manifest.json" {
    run "$cmp" "$root/manifest.json" "$root/manifest.toml"
    echo "$output"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

@test "the comparison sees a changed default, choice, text, name or type" {
    # each drift, one at a time, must be reported with the question's name
    local -a drifts=(
        's/^    default = "1h"$/    default = "4h"/|delay_before_incident: default'
        's/"12h", "24h"/"12h", "48h"/|delay_before_incident: choices'
        's/^    ask.fr = "\[main server\] Mot de passe de chiffrement"$/    ask.fr = "Mot de passe"/|encryption_pwd: ask.fr'
        's/^    \[install.contact_mail\]$/    [install.contact_email]/|question names differ'
        's/^    type = "password"$/    type = "string"/|encryption_pwd: type'
        '/^    \[install.keep_key\]$/,$ s/^    default = false$/    default = true/|keep_key: default'
        '/^    \[install.ssh_port\]$/,/^$/ {/^    optional = true$/d}|ssh_port: optional'
    )
    local d
    for d in "${drifts[@]}"; do
        sed "${d%|*}" "$root/manifest.toml" > "$tmp/manifest.toml"
        if cmp -s "$root/manifest.toml" "$tmp/manifest.toml"; then
            echo "sed did not change anything: ${d%|*}"
            return 1
        fi
        run "$cmp" "$root/manifest.json" "$tmp/manifest.toml"
        echo "$d -> $output"
        [ "$status" -eq 1 ]
        [[ $output == *"${d#*|}"* ]]
    done
}

@test "the comparison refuses unreadable manifests" {
    printf 'packaging_format = \n' > "$tmp/bad.toml"
    run "$cmp" "$root/manifest.json" "$tmp/bad.toml"
    [ "$status" -eq 2 ]
    [[ $output == *"cannot read the manifests"* ]]
    run "$cmp" "$root/manifest.json"
    [ "$status" -eq 2 ]
}

@test "install_type is a select of 'main server' and 'fallback server' with English and French texts" {
    [ "$(toml 'm["install"]["install_type"]["type"]')" = '"select"' ]
    [ "$(toml 'm["install"]["install_type"]["choices"]')" = '["main server", "fallback server"]' ]
    [ "$(toml 'sorted(m["install"]["install_type"]["ask"])')" = '["en", "fr"]' ]
}

@test "packaging v2 with helpers 2.1 for 12.1 and 13, no web interface" {
    [ "$(toml 'm["packaging_format"]')" = 2 ]
    [ "$(toml 'm["integration"]["helpers_version"]')" = '"2.1"' ]
    [ "$(toml 'm["integration"]["architectures"]')" = '"all"' ]
    [ "$(toml 'm["integration"]["multi_instance"]')" = false ]
    [ "$(toml '[m["integration"]["ldap"], m["integration"]["sso"]]')" = '["not_relevant", "not_relevant"]' ]
    [ "$(toml 'sorted(m["integration"]["ram"])')" = '["build", "runtime"]' ]
    [ "$(toml '"disk" in m["integration"]')" = true ]
    [ "$(toml 'm["upstream"]["license"]')" != null ]
    # the requirement: ">= X.Y[.Z]" with X.Y.Z at most 12.1, so 12.1 and 13 pass
    run toml 'm["integration"]["yunohost"]'
    [[ $output =~ ^\"\>=\ (1[12])\.([0-9]+)(\.[0-9]+)?\"$ ]]
    [ "${BASH_REMATCH[1]}" -lt 12 ] || [ "${BASH_REMATCH[2]}" -le 1 ]
    # no web permission: no url, no tile
    [ "$(toml 'm["resources"]["permissions"]')" = '{}' ]
    # a version above the last v1 one, so that its installs upgrade
    local v1 v2
    v1=$(jq -r .version "$root/manifest.json")
    v2=$(toml 'm["version"]' | jq -r .)
    dpkg --compare-versions "$v2" gt "$v1"
}

@test "resources keep the SFTP account, a root-owned install dir and no data_dir" {
    [ "$(toml 'm["resources"]["system_user"]')" = '{"allow_sftp": true, "home": "/home/yunohost.app/__APP__/sftp"}' ]
    [ "$(toml 'm["resources"]["install_dir"]')" = '{"dir": "/opt/yunohost/__APP__", "owner": "root:rwx", "group": "root:rx"}' ]
    [ "$(toml '"data_dir" in m["resources"]')" = false ]
    # every package the Makefile builds with (DEB_BUILD), and what the
    # scripts run
    local p deb_build
    deb_build=$(sed -n 's/^DEB_BUILD *:= *//p' "$root/Makefile")
    [ -n "$deb_build" ]
    for p in $deb_build jq openssh-client; do
        [ "$(toml "\"$p\" in m[\"resources\"][\"apt\"][\"packages\"]")" = true ]
    done
}

@test "tests.toml: one package_check suite per role, with answers the install accepts" {
    local q='import json, sys, tomllib; t = tomllib.load(open(sys.argv[1], "rb")); print(json.dumps(eval(sys.argv[2])))'
    local f=$root/tests.toml
    [ "$(python3 -c "$q" "$f" 't["test_format"]')" = 1.0 ]
    [ "$(python3 -c "$q" "$f" 'sorted(k for k in t if k != "test_format")')" = '["default", "fallback_server"]' ]
    [ "$(python3 -c "$q" "$f" 't["default"]["args"]["install_type"]')" = '"main server"' ]
    [ "$(python3 -c "$q" "$f" 't["fallback_server"]["args"]["install_type"]')" = '"fallback server"' ]
    # every answer names a question of manifest.toml
    python3 -c 'import sys, tomllib
m = tomllib.load(open(sys.argv[1], "rb")); t = tomllib.load(open(sys.argv[2], "rb"))
bad = [k for s in ("default", "fallback_server") for k in t[s]["args"] if k not in m["install"]]
sys.exit(1 if bad else 0)' "$root/manifest.toml" "$f"
    # the fallback suite's key is one the install takes
    # shellcheck source=../../scripts/_common.sh
    source "$root/scripts/_common.sh"
    fallback_check_pub_key "$(python3 -c "$q" "$f" 't["fallback_server"]["args"]["pub_key"]' | jq -r .)"
    # the upgrade tests start from the last packaging v1 commit
    [ "$(python3 -c "$q" "$f" 'list(t["default"]["test_upgrade_from"])')" = '["ba92a2cd8323d1bf9ec5ae203a4030762a03613a"]' ]
}
