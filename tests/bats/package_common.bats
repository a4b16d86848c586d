#!/usr/bin/env bats
# Pure logic of scripts/_common.sh: app_list upkeep, argument checks, the
# legacy sshd_config clean-up, template rendering, password handling.

setup() {
    # shellcheck source=../../scripts/_common.sh
    source "$BATS_TEST_DIRNAME/../../scripts/_common.sh"
    # the rules are the helper's (fallback valid, config-check)
    # shellcheck disable=SC2034 # read by _common.sh's functions
    fb_bin=${FALLBACK_BIN:-$BATS_TEST_DIRNAME/../../${BUILD:-build}/fallback}
    tmp=$(mktemp -d)
    list=$tmp/app_list
}

refute() { # refute CMD...: CMD must fail
    if "$@"; then
        echo "unexpectedly succeeded: $*" >&2
        return 1
    fi
}

teardown() {
    rm -rf "$tmp"
}

header="#000# For each app you want to backup, precede by [.]"

@test "app_list: create lists every app unselected, sorted, fallback [-], header first" {
    printf 'wordpress\nnextcloud\nfallback\n' | fallback_app_list_create "$list"
    run cat "$list"
    [ "${lines[0]}" = "$header" ]
    [ "${lines[1]}" = "[-]: fallback" ]
    [ "${lines[2]}" = "[]: nextcloud" ]
    [ "${lines[3]}" = "[]: wordpress" ]
    [ "${#lines[@]}" -eq 4 ]
}

@test "app_list: create from no app at all still lists the package" {
    fallback_app_list_create "$list" < /dev/null
    run cat "$list"
    [ "$output" = "$header
[-]: fallback" ]
}

@test "app_list: add keeps the other lines' marks and the order" {
    printf '%s\n' "$header" "[.]: wordpress" "[]: nextcloud" "[-]: fallback" > "$list"
    fallback_app_list_rewrite "$list" add gitea
    run cat "$list"
    [ "$output" = "$header
[-]: fallback
[]: gitea
[]: nextcloud
[.]: wordpress" ]
}

@test "app_list: adding an app already listed keeps its selection" {
    printf '%s\n' "$header" "[.]: wordpress" > "$list"
    fallback_app_list_rewrite "$list" add wordpress
    run cat "$list"
    [ "$output" = "$header
[.]: wordpress" ]
}

@test "app_list: remove takes out exactly that id, multi-instance ids apart" {
    printf '%s\n' "$header" "[.]: nextcloud" "[.]: nextcloud__2" "[]: nextcloud__3" > "$list"
    fallback_app_list_rewrite "$list" remove nextcloud__2
    run cat "$list"
    [ "$output" = "$header
[.]: nextcloud
[]: nextcloud__3" ]
}

@test "app_list: remove of an absent id changes nothing" {
    printf '%s\n' "$header" "[.]: a" "[]: b" > "$list"
    cp "$list" "$tmp/before"
    fallback_app_list_rewrite "$list" remove zzz
    cmp "$list" "$tmp/before"
}

@test "app_list: fallback is always [-], blank lines go" {
    printf '%s\n' "$header" "[.]: fallback" "" "[.]: b" > "$list"
    fallback_app_list_rewrite "$list"
    run cat "$list"
    [ "$output" = "$header
[.]: b
[-]: fallback" ]
}

@test "app_list: a file the nightly job would refuse (duplicate, bare id) is left as it is" {
    printf '%s\n' "$header" "[]: b" "[.]: b" > "$list"
    cp "$list" "$tmp/before"
    run fallback_app_list_rewrite "$list" add c
    [ "$status" -eq 1 ]
    [[ $output == *"duplicate app id 'b'"* ]]
    cmp "$list" "$tmp/before"
    printf '%s\n' "$header" "nextcloud" > "$list"
    cp "$list" "$tmp/before"
    run fallback_app_list_rewrite "$list"
    [ "$status" -eq 1 ]
    [[ $output == *"malformed app_list line: 'nextcloud'"* ]]
    cmp "$list" "$tmp/before"
}

@test "app_list: comment lines stay first, in their order; file mode kept" {
    printf '%s\n' "[]: b" "$header" "# my note" "[.]: a" > "$list"
    chmod 0600 "$list"
    fallback_app_list_rewrite "$list" add c
    run cat "$list"
    [ "$output" = "$header
# my note
[.]: a
[]: b
[]: c" ]
    [ "$(stat -c %a "$list")" = 600 ]
}

@test "app_list: ids that look like numbers sort as text" {
    printf '%s\n' "$header" "[]: 9app" > "$list"
    fallback_app_list_rewrite "$list" add 10app
    run cat "$list"
    [ "${lines[1]}" = "[]: 10app" ]
    [ "${lines[2]}" = "[]: 9app" ]
}

@test "app id check: multi-instance ids pass, junk does not" {
    fallback_app_id_valid nextcloud
    fallback_app_id_valid nextcloud__2
    fallback_app_id_valid my-app_1
    refute fallback_app_id_valid ""
    refute fallback_app_id_valid "a b"
    refute fallback_app_id_valid "../x"
    refute fallback_app_id_valid "-x"
    # YunoHost's own rule ([\w-]+ then __N) takes upper case
    fallback_app_id_valid "Upper"
}

@test "port check: 1..65535 only" {
    fallback_check_port 1
    fallback_check_port 22
    fallback_check_port 65535
    refute fallback_check_port 0
    refute fallback_check_port 65536
    refute fallback_check_port 022
    refute fallback_check_port -1
    refute fallback_check_port 22a
    refute fallback_check_port ""
    refute fallback_check_port "2 2"
}

@test "pub_key check: one real OpenSSH public key line" {
    ssh-keygen -q -t ed25519 -N '' -C 'fallback@main.test' -f "$tmp/k"
    fallback_check_pub_key "$(cat "$tmp/k.pub")"
    ssh-keygen -q -t rsa -b 2048 -N '' -f "$tmp/r"
    fallback_check_pub_key "$(cat "$tmp/r.pub")"
}

@test "pub_key check: refuses junk, options, two lines, private keys, bad base64" {
    ssh-keygen -q -t ed25519 -N '' -f "$tmp/k"
    key=$(cat "$tmp/k.pub")
    refute fallback_check_pub_key ""
    refute fallback_check_pub_key "hello"
    refute fallback_check_pub_key "command=\"sh\" $key"
    refute fallback_check_pub_key "$key
$key"
    refute fallback_check_pub_key "$(cat "$tmp/k")"
    refute fallback_check_pub_key "ssh-ed25519 AAAAnotakey"
    refute fallback_check_pub_key "${key}"$'\r'
}

@test "watch pace: every choice maps, anything else is refused" {
    [ "$(fallback_watch_pace 5min)" = "5 * *" ]
    [ "$(fallback_watch_pace 1h)" = "60 */10 *" ]
    [ "$(fallback_watch_pace 24h)" = "1440 0 *" ]
    for d in 4h 8h 12h; do fallback_watch_pace "$d" > /dev/null; done
    refute fallback_watch_pace 2h
}

@test "render: placeholders replaced literally, any character in values" {
    printf 'a=__A__\nb=__B__ __A__\n' > "$tmp/t"
    fallback_render "$tmp/t" "$tmp/out" 0640 __A__ 'x&y\1/z' __B__ ''
    run cat "$tmp/out"
    [ "$output" = 'a=x&y\1/z
b= x&y\1/z' ]
    [ "$(stat -c %a "$tmp/out")" = 640 ]
}

@test "legacy sshd block: marked lines and the blank line before go, the rest stays byte for byte" {
    printf 'Port 22\nSubsystem sftp internal-sftp\n\nMatch Group sftp.app\n  ChrootDirectory %%h\n' > "$tmp/base"
    cp "$tmp/base" "$tmp/sshd"
    printf '\n\tMatch User fallback # Automatically added by fallback\n\tChrootDirectory /home/%%u # Automatically added by fallback\n\tAllowTcpForwarding no # Automatically added by fallback\n\tX11Forwarding no # Automatically added by fallback\n' >> "$tmp/sshd"
    chmod 0644 "$tmp/sshd"
    fallback_remove_legacy_sshd_block "$tmp/sshd"
    cmp "$tmp/base" "$tmp/sshd"
    [ "$(stat -c %a "$tmp/sshd")" = 644 ]
    # nothing to remove: untouched, and says so
    refute fallback_remove_legacy_sshd_block "$tmp/sshd"
    cmp "$tmp/base" "$tmp/sshd"
}

@test "legacy authorized_keys line: options prefix dropped" {
    ssh-keygen -q -t rsa -b 2048 -N '' -C 'root@old' -f "$tmp/r"
    key=$(cat "$tmp/r.pub")
    [ "$(fallback_legacy_key "no-port-forwarding,no-X11-forwarding,no-agent-forwarding,no-pty $key")" = "$key" ]
    refute fallback_legacy_key "no-pty garbage"
}

@test "conf value: last assignment wins, spaces trimmed" {
    printf 'ssh_host=a\n# ssh_host=b\nssh_port = 2222\nssh_host=c\n' > "$tmp/c"
    [ "$(fallback_conf_value "$tmp/c" ssh_host)" = c ]
    [ "$(fallback_conf_value "$tmp/c" ssh_port)" = 2222 ]
    [ -z "$(fallback_conf_value "$tmp/c" overwrite_ip)" ]
}

@test "password: taken out of the environment, never traced" {
    run bash -c '
        source "$1"
        export YNH_APP_ARG_ENCRYPTION_PWD="s3cret-Pass"
        set -x
        fallback_take_password
        env | grep -c YNH_APP_ARG_ENCRYPTION_PWD || true
        echo "has=$fb_has_password"
        fallback_forget_password
        echo "left=${fb_password:-}"
    ' _ "$BATS_TEST_DIRNAME/../../scripts/_common.sh"
    [ "$status" -eq 0 ]
    [[ $output != *s3cret* ]]
    [[ $output == *"has=1"* ]]
    [[ $output == *"left="* ]]
    [[ $(printf '%s\n' "$output" | grep -x 0) == 0 ]]
}

@test "password: packaging v2's lower-case copy is taken out of the environment too" {
    run bash -c '
        source "$1"
        export encryption_pwd="s3cret-Pass" YNH_APP_ARG_ENCRYPTION_PWD="s3cret-Pass"
        set -x
        fallback_take_password
        env | grep -c -e "^encryption_pwd=" -e "^YNH_APP_ARG_ENCRYPTION_PWD=" || true
        bash -c "echo child=\${encryption_pwd:-none}"
        echo "has=$fb_has_password"
    ' _ "$BATS_TEST_DIRNAME/../../scripts/_common.sh"
    [ "$status" -eq 0 ]
    [[ $output != *s3cret* ]]
    [[ $output == *"child=none"* ]]
    [[ $output == *"has=1"* ]]
    [[ $(printf '%s\n' "$output" | grep -x 0) == 0 ]]
    # v2 alone (no YNH_APP_ARG_ copy) still gives the password
    run bash -c 'source "$1"; export encryption_pwd="s3cret-Pass"; fallback_take_password; echo "has=$fb_has_password"' \
        _ "$BATS_TEST_DIRNAME/../../scripts/_common.sh"
    [ "$output" = "has=1" ]
}

@test "clean env: the hooks' children see only PATH, LANG and the names kept" {
    run bash -c '
        source "$1"
        set -eu
        export password="s3cret-Pass" YNH_APP_ARG_PASSWORD="s3cret-Pass" YNH_APP_INSTANCE_NAME=wiki__2
        fallback_clean_env YNH_APP_INSTANCE_NAME
        env
        echo "id=$YNH_APP_INSTANCE_NAME"
    ' _ "$BATS_TEST_DIRNAME/../../scripts/_common.sh"
    [ "$status" -eq 0 ]
    [[ $output != *s3cret* ]]
    [[ $output == *"YNH_APP_INSTANCE_NAME=wiki__2"* ]]
    [[ $output == *"PATH="* ]]
    [[ $output == *"id=wiki__2"* ]]
}

@test "unexport script env: settings and the script's YNH_* stay in the shell, leave the children's environment" {
    run bash -c '
        source "$1"
        set -eu
        export app=fallback install_dir=/opt/yunohost/fallback _permissions=x YNH_APP_ID=fallback \
            YNH_HELPERS_VERSION=2.1 YNH_STDINFO=7 BASH_XTRACEFD=7 YNH_INTERFACE=cli MY_LOCK=1
        fallback_unexport_script_env
        app=wiki
        env
        echo "shell: $app $install_dir $YNH_HELPERS_VERSION"
    ' _ "$BATS_TEST_DIRNAME/../../scripts/_common.sh"
    [ "$status" -eq 0 ]
    [[ $output != *"app=wiki"* ]]
    [[ $output != *"install_dir="* ]]
    [[ $output != *"_permissions="* ]]
    [[ $output != *"YNH_APP_ID="* ]]
    [[ $output != *"YNH_HELPERS_VERSION="* ]]
    [[ $output != *"YNH_STDINFO="* ]]
    [[ $output == *"YNH_INTERFACE=cli"* ]]
    [[ $output == *"MY_LOCK=1"* ]]
    [[ $output == *"shell: wiki /opt/yunohost/fallback 2.1"* ]]
}

@test "key-init: the password reaches the helper on stdin only, tracing stays off" {
    printf '#!/bin/bash\necho "argv=$*" > "%s/argv"\ncat > "%s/stdin"\n' "$tmp" "$tmp" > "$tmp/fake"
    chmod +x "$tmp/fake"
    run bash -c '
        source "$1"; fb_bin=$2
        YNH_APP_ARG_ENCRYPTION_PWD="s3cret-Pass"
        fallback_take_password
        set -x
        fallback_key_init /tmp/out
        [[ $- == *x* ]] && echo still-tracing
    ' _ "$BATS_TEST_DIRNAME/../../scripts/_common.sh" "$tmp/fake"
    [ "$status" -eq 0 ]
    [[ $output != *s3cret* ]]
    [[ $output == *still-tracing* ]]
    [ "$(cat "$tmp/stdin")" = "s3cret-Pass" ]
    [ "$(cat "$tmp/argv")" = "argv=key-init --out /tmp/out" ]
}

@test "contact_mail: a local user or user@domain; never an option, a blank or a shell word" {
    local a
    for a in root alice alice@example.org first.last+tag@mail.example.org a_b=c@x; do
        fallback_mail_ok "$a" || { echo "refused: $a" >&2; return 1; }
    done
    for a in -oQ/tmp/x -x alice@ "alice bob" 'a;b' 'a$b' a@-x.org a@x.org- "a@b c" '' a/b; do
        refute fallback_mail_ok "$a"
    done
}

@test "install runtime: a command that cannot be installed fails the caller's '|| ynh_die' (errexit is off there)" {
    # shellcheck disable=SC2034 # read by fallback_install_runtime
    fb_code_dir=$tmp/code fb_bin_dir=$tmp/code/bin
    mkdir -p "$tmp/pkg/scripts/runtime"
    printf '#!/bin/bash\n' > "$tmp/pkg/scripts/runtime/a_first"
    printf '#!/bin/bash\n' > "$tmp/pkg/scripts/runtime/send_backup"
    printf '#!/bin/bash\n' > "$tmp/pkg/scripts/runtime/z_last"
    # a directory stands where send_backup goes: install cannot overwrite it
    mkdir -p "$fb_bin_dir/send_backup/send_backup"
    if fallback_install_runtime "$tmp/pkg" 2> "$tmp/err"; then
        echo "a failed install of send_backup was ignored" >&2
        return 1
    fi
    grep -q "could not install send_backup" "$tmp/err"
    # and with nothing in the way every command is installed, 0755
    rm -rf "$fb_bin_dir/send_backup"
    fallback_install_runtime "$tmp/pkg"
    [ "$(stat -c %a "$fb_bin_dir/send_backup")" = 755 ]
    [ -x "$fb_bin_dir/z_last" ]
}
