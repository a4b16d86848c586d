#!/usr/bin/env bats
# One owner per input rule: `fallback valid` (helpers-src/rules/valid.c,
# app_list.c, config.c). The same table of good and bad values goes to each
# place that checks it - the app_list hooks, the install's checks
# (scripts/_common.sh), the panel's validators (scripts/config) and the
# nightly job's check (config-check, as fb_conf_load runs it) - and all of
# them must accept and refuse the same values.
bats_require_minimum_version 1.5.0

ROOT=$BATS_TEST_DIRNAME/../..

setup() {
    FB=${FALLBACK_BIN:-$PWD/${BUILD:-build}/fallback}
    T=$(mktemp -d)
    header="#000# For each app you want to backup, precede by [.]"
    # the hooks as installed, their two paths (in the table) pointed at this test's files
    mkdir -p "$T/scripts/runtime" "$T/hooks"
    cp "$ROOT/scripts/_common.sh" "$T/scripts/_common.sh"
    sed -e "s|^FB_HELPER_BIN=.*|FB_HELPER_BIN=$FB|" -e "s|^FB_APP_LIST=.*|FB_APP_LIST=$T/app_list|" \
        "$ROOT/scripts/runtime/paths.sh" > "$T/scripts/runtime/paths.sh"
    for h in post_app_install post_app_remove; do
        sed -e "s|^common=.*|common=$T/scripts/_common.sh|" "$ROOT/hooks/$h" > "$T/hooks/$h"
        chmod +x "$T/hooks/$h"
    done
}

teardown() {
    rm -rf "$T"
}

# verdict CMD...: "ok" or "no" as CMD succeeds or fails
verdict() {
    if "$@" > /dev/null 2>&1; then echo ok; else echo no; fi
}

# agree VALUE NAME=VERDICT...: every place gave the same verdict as the helper
agree() {
    local value=$1 want v
    shift
    want=$(verdict "$FB" valid "$KIND" "$value")
    for v in "$@"; do
        if [ "${v#*=}" != "$want" ]; then
            echo "'$value': fallback valid $KIND says $want, ${v%%=*} says ${v#*=}" >&2
            return 1
        fi
    done
    echo "$want"
}

# the panel's validators, scripts/config sourced as YunoHost runs it (its
# helpers stubbed); a validator refuses by printing the reason
panel() { # panel ROLE OPTION VALUE: ok or no
    (
        set +e # scripts/config sources YunoHost's helpers, absent here
        ynh_app_setting_get() { echo "$1"; }
        ynh_app_config_run() { :; }
        cd "$ROOT/scripts" || exit 2
        # shellcheck source=../../scripts/config
        source ./config 2> /dev/null
        # shellcheck disable=SC2034 # read by scripts/config's functions
        fb_bin=$FB role=$1
        declare -g "$2=$3"
        out=$("validate__$2")
        [ -z "$out" ] && echo ok || echo no
    )
}

common() { # common FUNCTION VALUE: the install's check, from scripts/_common.sh
    (
        # shellcheck source=../../scripts/_common.sh
        source "$T/scripts/_common.sh"
        verdict "$1" "$2"
    )
}

nightly_conf() { # nightly_conf KEY VALUE: config-check --config on a file with KEY=VALUE
    printf '%s\n' 'ssh_host=fallback.example.org' 'ssh_key=/root/k' 'encrypt=0' 'pass_file=/root/p' > "$T/c.conf"
    sed -i "/^$1=/d" "$T/c.conf"
    printf '%s=%s\n' "$1" "$2" >> "$T/c.conf"
    verdict "$FB" config-check --config "$T/c.conf"
}

list_of() { # list_of LINE...: app_list with the header and LINEs
    printf '%s\n' "$header" "[-]: fallback" "$@" > "$T/app_list"
}

hook_add() { # hook_add ID: ok when post_app_install listed ID unselected, no when it left app_list as it was
    list_of "[.]: blog"
    cp "$T/app_list" "$T/before"
    YNH_APP_INSTANCE_NAME=$1 "$T/hooks/post_app_install" 2> /dev/null || return 1
    if cmp -s "$T/app_list" "$T/before"; then echo no
    elif grep -qxF "[]: $1" "$T/app_list" && "$FB" config-check --app-list "$T/app_list"; then echo ok
    else echo "broken"; fi
}

hook_line() { # hook_line LINE: ok when post_app_install took a file holding LINE (and kept it valid)
    list_of "$1"
    cp "$T/app_list" "$T/before"
    YNH_APP_INSTANCE_NAME=gitea "$T/hooks/post_app_install" 2> /dev/null || return 1
    if cmp -s "$T/app_list" "$T/before"; then echo no
    elif "$FB" config-check --app-list "$T/app_list"; then echo ok
    else echo "broken"; fi
}

@test "app ids: the hooks and the nightly job take what YunoHost takes (upper case, __N), refuse the rest" {
    local id ok=0 no=0
    KIND=app-id
    for id in nextcloud nextcloud__2 my-app_1 MyApp wiki 20euros; do
        [ "$(agree "$id" hook="$(hook_add "$id")" nightly="$(list_of "[.]: $id"; verdict "$FB" config-check --app-list "$T/app_list")" \
            common="$(common fallback_app_id_valid "$id")")" = ok ]
        ok=$((ok + 1))
    done
    for id in "" "a b" ../x -x a/b 'a;b' "é" "x$(printf '\t')y"; do
        [ "$(agree "$id" hook="$(hook_add "$id")" nightly="$(list_of "[.]: $id"; verdict "$FB" config-check --app-list "$T/app_list")" \
            common="$(common fallback_app_id_valid "$id")")" = no ]
        no=$((no + 1))
    done
    [ "$ok" -eq 6 ] && [ "$no" -eq 8 ]
}

@test "app_list lines: the hook rewrites only a file the nightly job reads; a bare id is refused by both" {
    local line
    KIND=app-list-line
    for line in "[]: a" "[.]: a" "[-]: a" "[.]:a" "[.]:	a" "[.]: a   " "# a note" "#000# x"; do
        [ "$(agree "$line" hook="$(hook_line "$line")" nightly="$(list_of "$line"; verdict "$FB" config-check --app-list "$T/app_list")")" = ok ]
    done
    for line in nextcloud "[x]: a" "[] : a" "[.]: a b" "[.]:" "[.]: a/b" " [.]: a" "[.] a" "[..]: a"; do
        [ "$(agree "$line" hook="$(hook_line "$line")" nightly="$(list_of "$line"; verdict "$FB" config-check --app-list "$T/app_list")")" = no ]
    done
}

@test "app_list: a file the nightly job refuses is left byte for byte, and the hook says so" {
    list_of "[.]: wiki" "nextcloud"
    cp "$T/app_list" "$T/before"
    run --separate-stderr env YNH_APP_INSTANCE_NAME=gitea "$T/hooks/post_app_install"
    [ "$status" -eq 0 ]
    # shellcheck disable=SC2154 # set by run --separate-stderr
    [[ $stderr == *"app_list:4: malformed app_list line: 'nextcloud'"* ]]
    [[ $stderr == *"left unchanged"* ]]
    cmp "$T/app_list" "$T/before"
    run --separate-stderr env YNH_APP_INSTANCE_NAME=wiki "$T/hooks/post_app_remove"
    [ "$status" -eq 0 ]
    cmp "$T/app_list" "$T/before"
}

@test "host names: the install, the panel (ssh_host, extra_addresses) and the nightly job agree; a..b is refused" {
    local h
    KIND=host
    for h in fallback.example.org example.org a-b.example.org xn--bcher-kva.example my_host.lan localhost \
        127.0.0.3 ::1 2001:db8::1 "$(printf 'a%.0s' {1..63}).org"; do
        [ "$(agree "$h" install="$(common fallback_check_host "$h")" panel="$(panel main ssh_host "$h")" \
            extra="$(panel fallback extra_addresses "$h")" nightly="$(nightly_conf ssh_host "$h")")" = ok ]
    done
    # (no blank inside: extra_addresses is a list of blank-separated addresses)
    for h in a..b .a a. -a.org a-.org 'a;b' 1.2.3.256 999 "$(printf 'a%.0s' {1..64}).org" \
        "a:b" "a@b" "a/b" "-oProxyCommand=x"; do
        [ "$(agree "$h" install="$(common fallback_check_host "$h")" panel="$(panel main ssh_host "$h")" \
            extra="$(panel fallback extra_addresses "$h")" nightly="$(nightly_conf ssh_host "$h")")" = no ]
    done
}

@test "extra_addresses: the panel splits the list where the watch does (blanks and commas)" {
    [ "$(panel fallback extra_addresses "a.example.org,b.example.org 10.0.0.1")" = ok ]
    [ "$(panel fallback extra_addresses "a.example.org,a..b")" = no ]
}

# watch_port PORT: ok when the failure watch takes main_ssh_port=PORT (and
# then finds nothing to watch), no when it refuses its settings (status 12)
watch_port() {
    local rc=0
    printf 'delay_before_incident=60\nmain_ssh_port=%s\n' "$1" > "$T/w.conf"
    FB_DATA_DIR=$T FB_LOG_DIR=$T/log FB_LOCK_DIR=$T/lock FB_CHROOT=$T/sftp FALLBACK_BIN=$FB \
        "$ROOT/scripts/runtime/fallback_watch" --config "$T/w.conf" > /dev/null 2>&1 || rc=$?
    case $rc in 0) echo ok ;; 12) echo no ;; *) echo "status $rc" ;; esac
}

@test "ports: the install, the panel, the nightly job and the watch agree (no leading zero anywhere)" {
    local p
    KIND=port
    for p in 1 22 2222 65535; do
        [ "$(agree "$p" install="$(common fallback_check_port "$p")" panel="$(panel main ssh_port "$p")" \
            nightly="$(nightly_conf ssh_port "$p")" watch="$(watch_port "$p")")" = ok ]
    done
    for p in 0 022 65536 99999 -1 +22 22a "2 2" 123456; do
        [ "$(agree "$p" install="$(common fallback_check_port "$p")" panel="$(panel main ssh_port "$p")" \
            nightly="$(nightly_conf ssh_port "$p")" watch="$(watch_port "$p")")" = no ]
    done
}

@test "mail addresses: the install, the panel and the watch's mailer use one rule" {
    local a
    KIND=mail
    # the failure watch's mailer (lib.sh fb_mail_to) sends to root instead of an address it refuses
    mailer() {
        (
            # shellcheck disable=SC2034 # read by lib.sh
            FB_DATA_DIR=$T FB_LOG_DIR=$T/log FALLBACK_BIN=$FB
            # shellcheck source=../../scripts/runtime/lib.sh
            source "$ROOT/scripts/runtime/lib.sh"
            FB=$1 PATH=$T/bin:$PATH
            mkdir -p "$T/bin"
            printf '#!/bin/sh\nfor a; do last=$a; done\necho "$last" > %s/rcpt\n' "$T" > "$T/bin/mail"
            chmod +x "$T/bin/mail"
            echo body | fb_mail_to "$2" subject
            [ "$(cat "$T/rcpt")" = "$2" ] && echo ok || echo no
        )
    }
    for a in root alice alice@example.org first.last+tag@mail.example.org a_b=c@x 'a%b@x.org'; do
        [ "$(agree "$a" install="$(common fallback_mail_ok "$a")" panel="$(panel fallback contact_mail "$a")" \
            watch="$(mailer "$FB" "$a")")" = ok ]
    done
    for a in -oQ/tmp/x -x alice@ "alice bob" 'a;b' 'a$b' a@-x.org a@x.org- "a@b c" a/b a@b..c @x.org 'a@b@c'; do
        [ "$(agree "$a" install="$(common fallback_mail_ok "$a")" panel="$(panel fallback contact_mail "$a")" \
            watch="$(mailer "$FB" "$a")")" = no ]
    done
}

@test "config keys: fallback valid config KEY VALUE is the rule config-check applies to a line" {
    local kv
    KIND=config
    for kv in ssh_user=fallback ssh_port=2222 encrypt=0 encrypt=1 pass_file=/root/p pass_file= \
        main_storage_dir=/srv/b overwrite_ip= overwrite_ip=10.0.0.1 known_hosts=/root/kh ssh_key=/root/k; do
        run "$FB" valid config "${kv%%=*}" "${kv#*=}"
        [ "$status" -eq 0 ]
        [ "$(nightly_conf "${kv%%=*}" "${kv#*=}")" = ok ]
    done
    for kv in ssh_user=-x ssh_user="a b" encrypt=2 encrypt= pass_file=rel main_storage_dir=rel \
        overwrite_ip=host.org known_hosts= ssh_key= ssh_port=022 ssh_host=a..b; do
        run --separate-stderr "$FB" valid config "${kv%%=*}" "${kv#*=}"
        [ "$status" -eq 12 ]
        [[ $stderr == "fallback: valid: ${kv%%=*} '"* ]]
        [ "$(nightly_conf "${kv%%=*}" "${kv#*=}")" = no ]
    done
    run --separate-stderr "$FB" valid config no_such_key x
    [ "$status" -eq 12 ]
    [[ $stderr == *"is not a config.conf key"* ]]
}

@test "valid: usage errors are status 2, --help is status 0" {
    run "$FB" valid
    [ "$status" -eq 2 ]
    run "$FB" valid nosuchkind x
    [ "$status" -eq 2 ]
    run "$FB" valid host
    [ "$status" -eq 2 ]
    run "$FB" valid host a b
    [ "$status" -eq 2 ]
    run "$FB" valid --help
    [ "$status" -eq 0 ]
    [[ $output == *"fallback valid KIND VALUE"* ]]
    # a value that looks like an option is a value
    run --separate-stderr "$FB" valid host --help
    [ "$status" -eq 12 ]
}
