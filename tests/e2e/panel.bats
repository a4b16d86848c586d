#!/usr/bin/env bats
# The admin panel (config_panel.toml + scripts/config) on the two-host
# world, driven the way YunoHost drives it: `yunohost app config get|set`
# and `yunohost app action run APP PANEL.SECTION.BUTTON -a ...`, which run
# scripts/config show|apply|<button> with the panel's values in the
# environment. Each button must leave what its command leaves. The tests
# run in order on one world; those that need a night or a deployment make
# it when run alone (a_night, deployed). Two still rely on the order: the
# first reads the values the install gave, and the refused buttons' test
# expects no deployment yet.

bats_require_minimum_version 1.5.0

# Functions and constants only: bats runs this before setup_file and before each test.
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$BATS_TEST_DIRNAME/lib.bash"

BIN=/opt/yunohost/fallback/bin
DATA=/home/yunohost.app/fallback
PW=Corr3ct-Horse-Battery
NEWPW=An0ther-Horse-Staple

setup_file() {
    e2e_up
    e2e_capture_mail main fallback
    e2e_pair auto_detect_failure=1 delay_before_incident=1h
    e2e_install_sample_apps wiki
    e2e_select_apps wiki
}

teardown_file() {
    world_down
}

# snapshot HOST: what the settings may change, to prove a refusal changed nothing
snapshot() {
    on_host "$1" /bin/bash -c "cat /etc/yunohost/apps/fallback/settings.yml $DATA/auto_check.conf \
        $DATA/config.conf $DATA/known_hosts $DATA/sftp/.ssh/authorized_keys /etc/cron.d/auto_deploy_fallback 2>/dev/null; true"
}
nights() { on_fallback /bin/bash -c "ls $DATA/sftp/backup/nights | wc -l"; }
# a_night: a night on the fallback unless one is there (the send button's
# test leaves two; a test run alone sends its own)
a_night() { [ "$(nights)" -gt 0 ] || e2e_night; }
# deployed: the fallback deployed through the panel unless it is (as the
# deploy button's test leaves it)
deployed() {
    [ "$(on_fallback sed -n 's/^state=//p' "$DATA/deploy_state/state" 2>/dev/null)" = deployed ] && return
    a_night && on_fallback yunohost app action run fallback main.deploy.deploy -a "deploy_password=$PW" > /dev/null
}
# no_secret TEXT...: none of the texts holds a password
no_secret() {
    local t
    for t in "$@"; do
        [[ $t != *"$PW"* && $t != *"$NEWPW"* ]] || { echo "password found in: ${t:0:200}" >&2; return 1; }
    done
}

@test "config get: the settings of each role, the status read-only, no button section" {
    run on_main yunohost app config get fallback --output-as json
    [ "$status" -eq 0 ]
    [ "$(jq -r '."main.settings.ssh_host".value' <<< "$output")" = 127.0.0.3 ]
    [ "$(jq -r '."main.settings.encrypt".value' <<< "$output")" = yes ]
    [ "$(jq -r '."main.status.status_text".ask' <<< "$output" | head -n1)" = "Status of this main server:" ]
    [ "$(jq -r '."main.status.status_text" | has("value")' <<< "$output")" = false ]
    [ "$(jq -r 'keys | map(select(startswith("main.deploy") or startswith("main.key"))) | length' <<< "$output")" = 0 ]
    run on_fallback yunohost app config get fallback main.settings.delay_before_incident
    [ "$output" = 1h ]
    run on_fallback yunohost app config get fallback --export --output-as json
    [ "$(jq -r .contact_mail <<< "$output")" = "" ]
    [ "$(jq -r .auto_detect_failure <<< "$output")" = 1 ]
}

@test "bad values are refused with the reason, and nothing changes" {
    local before
    before=$(snapshot fallback)
    run on_fallback yunohost app config set fallback main.settings.delay_before_incident -v 3h
    [ "$status" -eq 1 ]
    [[ $output == *"'3h' is not among the available choices"* ]]
    run on_fallback yunohost app config set fallback main.settings.contact_mail -v 'a b'
    [ "$status" -eq 1 ]
    [[ $output == *"Pick a valid value for the argument 'contact_mail': 'a b' is not a mail address"* ]]
    run on_fallback yunohost app config set fallback main.settings.pub_key -v 'not a key'
    [ "$status" -eq 1 ]
    [[ $output == *"not one OpenSSH public key line"* ]]
    run on_fallback yunohost app config set fallback main.settings.auto_update_script -v /root/nothing
    [ "$status" -eq 1 ]
    # a setting of the other role is hidden: YunoHost ignores an answer to it
    run on_fallback yunohost app config set fallback main.settings.ssh_host -v other.example.org
    [ "$status" -eq 0 ]
    run on_fallback yunohost app config get fallback main.settings.ssh_host
    [ -z "$output" ]
    [ "$(snapshot fallback)" = "$before" ]
    before=$(snapshot main)
    run on_main yunohost app config set fallback main.settings.ssh_port -v 70000
    [ "$status" -eq 1 ]
    [[ $output == *"'70000' is not a port number"* ]]
    [ "$(snapshot main)" = "$before" ]
}

@test "a new fallback address that does not answer is refused and everything put back" {
    local before
    before=$(snapshot main)
    run on_main yunohost app config set fallback main.settings.ssh_port -v 2222
    [ "$status" -eq 1 ]
    [[ $output == *"could not be reached to record its host key"* ]]
    [ "$(snapshot main)" = "$before" ]
}

@test "the watch's settings are applied: auto_check.conf, settings and the cron entry rewritten" {
    on_fallback yunohost app config set fallback -a "delay_before_incident=4h&contact_mail=ops@example.org&auto_deploy=1&extra_addresses=main.test 127.0.0.2" > /dev/null
    run on_fallback grep -E '^(delay_before_incident|contact_mail|auto_deploy|extra_addresses)=' "$DATA/auto_check.conf"
    [ "${lines[*]}" = "delay_before_incident=240 contact_mail=ops@example.org auto_deploy=1 extra_addresses=main.test 127.0.0.2" ]
    run on_fallback tail -n1 /etc/cron.d/auto_deploy_fallback
    [[ $output == "*/30 * * * * root $BIN/fallback_watch"* ]]
    run on_fallback yunohost app setting fallback delay_before_incident
    [ "$output" = 4h ]
    on_fallback yunohost app config set fallback main.settings.auto_detect_failure -v no > /dev/null
    run on_fallback test -e /etc/cron.d/auto_deploy_fallback
    [ "$status" -ne 0 ]
    on_fallback yunohost app config set fallback main.settings.auto_detect_failure -v yes > /dev/null
    run on_fallback tail -n1 /etc/cron.d/auto_deploy_fallback
    [[ $output == "*/30 * * * * root $BIN/fallback_watch"* ]]
    # the watch reads what the panel wrote
    on_fallback "$BIN/fallback_watch"
    run on_fallback sed -n 's/^last_result=//p' "$DATA/watch_state"
    [[ $output == "up main.test:22" || $output == "up 127.0.0.2:22" ]]
}

@test "one option at a time, as 'config set APP panel.section.option' sends it: applied whole" {
    # YunoHost hands scripts/config that option alone
    run on_fallback yunohost app config set fallback main.settings.delay_before_incident -v 12h
    echo "$output"
    [ "$status" -eq 0 ]
    on_fallback grep -qx 'delay_before_incident=720' "$DATA/auto_check.conf"
    [ "$(on_fallback yunohost app setting fallback delay_before_incident)" = 12h ]
    run on_fallback tail -n1 /etc/cron.d/auto_deploy_fallback
    [[ $output == "0 * * * * root $BIN/fallback_watch"* ]]
    run on_fallback yunohost app config set fallback main.settings.delay_before_incident -v 4h
    [ "$status" -eq 0 ]
    run on_fallback tail -n1 /etc/cron.d/auto_deploy_fallback
    [[ $output == "*/30 * * * * root $BIN/fallback_watch"* ]]
    # the main: a new name of the same fallback is pinned, then the address again
    run on_main yunohost app config set fallback main.settings.ssh_host -v fallback.test
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"Host key of the fallback server fallback.test recorded: $(on_fallback ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub | cut -d' ' -f2)"* ]]
    on_main grep -qx 'ssh_host=fallback.test' "$DATA/config.conf"
    run on_main yunohost app config set fallback main.settings.ssh_host -v 127.0.0.3
    [ "$status" -eq 0 ]
    on_main grep -qx 'ssh_host=127.0.0.3' "$DATA/config.conf"
    # a port where nothing answers: the message names it, nothing changed
    run on_main yunohost app config set fallback main.settings.ssh_port -v 2222
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"The fallback server 127.0.0.3 (port 2222) could not be reached"* ]]
    [[ $output != *"unbound variable"* ]]
    on_main grep -qx 'ssh_port=22' "$DATA/config.conf"
}

@test "send a backup now (main): the same night as send_backup" {
    local n
    n=$(nights)
    on_main yunohost app action run fallback main.send.send_now > /dev/null
    on_fallback "$BIN/fallback_seal" > /dev/null 2>&1
    [ "$(nights)" -eq $((n + 1)) ]
    run e2e_latest_parts
    [ "${lines[*]}" = "app wiki system system" ]
    on_main "$BIN/send_backup" > /dev/null 2>&1
    on_fallback "$BIN/fallback_seal" > /dev/null 2>&1
    [ "$(nights)" -eq $((n + 2)) ]
}

@test "a button of the other role is refused" {
    run on_main yunohost app action run fallback main.deploy.deploy
    [ "$status" -eq 1 ]
    [[ $output == *"Could not run action 'deploy' since it is disabled"* ]]
    run on_fallback yunohost app action run fallback main.send.send_now
    [ "$status" -eq 1 ]
    run on_fallback test -e "$DATA/deploy_state"
    [ "$status" -ne 0 ]
}

@test "keep the key: a wrong password keeps nothing; the right one keeps the main's very key" {
    run on_fallback yunohost app action run fallback main.key.keep_key -a "key_password=Wrong-Horse-Battery"
    [ "$status" -eq 1 ]
    [[ $output == *"Wrong password"* ]]
    run on_fallback test -e "$DATA/passkey"
    [ "$status" -ne 0 ]
    run on_fallback yunohost --debug app action run fallback main.key.keep_key -a "key_password=$PW"
    [ "$status" -eq 0 ]
    no_secret "$output"
    [ "$(on_fallback stat -c '%a %U' "$DATA/passkey")" = "400 root" ]
    on_fallback cat "$DATA/passkey" | cmp - <(on_main cat "$DATA/passkey")
    run on_fallback "$BIN/fallback_status" --json
    [ "$(jq -r .key_kept <<< "$output")" = true ]
    on_fallback yunohost app action run fallback main.key.forget_key > /dev/null
    run on_fallback test -e "$DATA/passkey"
    [ "$status" -ne 0 ]
}

@test "deploy (password field): deployed as by deploy_fallback; the password is nowhere" {
    a_night
    run on_fallback yunohost --debug app action run fallback main.deploy.deploy -a "deploy_password=$PW"
    [ "$status" -eq 0 ]
    no_secret "$output"
    on_fallback grep -q "start (auto)" /var/log/fallback/deploy_fallback.log
    run on_fallback sed -n 's/^state=//p' "$DATA/deploy_state/state"
    [ "$output" = deployed ]
    run on_fallback test -d /var/www/wiki
    [ "$status" -eq 0 ]
    run on_fallback /bin/bash -c "grep -rl -F -e '$PW' /etc/yunohost/apps/fallback /var/log $DATA /var/cache/yunohost 2>/dev/null"
    [ -z "$output" ]
}

@test "DNS button, dry run: says what it would do, changes nothing" {
    on_fallback /bin/bash -c 'printf "registrar: ovh\n" > /etc/yunohost/domains/example.org.yml
        echo 127.0.0.3 > /etc/yunohost/standin-public-ip'
    run on_fallback yunohost app action run fallback main.dns.update_dns -a "dns_dry_run=yes"
    [ "$status" -eq 0 ]
    [[ $output == *"dry run: example.org"* ]]
    run on_fallback test -e /var/lib/standin-dns/example.org.yml
    [ "$status" -ne 0 ]
}

@test "close (new password), then update from the fallback (main, that password): the cycle through buttons" {
    deployed
    run on_fallback yunohost app action run fallback main.close.close
    [ "$status" -eq 1 ]
    [[ $output == *"Give a new password"* ]]
    run on_fallback yunohost --debug app action run fallback main.close.close -a "close_password=$NEWPW"
    [ "$status" -eq 0 ]
    no_secret "$output"
    on_fallback grep -q "start (auto)" /var/log/fallback/close_fallback.log
    run on_fallback sed -n 's/^state=//p' "$DATA/deploy_state/state"
    [ "$output" = closed ]
    run on_main yunohost app action run fallback main.update.update_from_fallback -a "update_password=Wrong-Horse-Battery"
    [ "$status" -eq 1 ]
    run on_main yunohost --debug app action run fallback main.update.update_from_fallback -a "update_password=$NEWPW"
    [ "$status" -eq 0 ]
    no_secret "$output"
    # the button asks for no answers: auto, the password named by --pass-file -
    on_main grep -q "start (auto)" /var/log/fallback/update_from_fallback.log
    on_main grep -q "the set is authenticated: made by close_fallback with this password" /var/log/fallback/update_from_fallback.log
    # the fallback is told; its seal job ends the cycle (doc/failover.md)
    on_fallback /bin/bash -c "ls $DATA/sftp/incoming | grep -q '^update_done-'"
    run on_main /bin/bash -c "grep -rl -F -e '$NEWPW' -e '$PW' /etc/yunohost/apps/fallback /var/log $DATA 2>/dev/null"
    [ -z "$output" ]
    on_fallback "$BIN/fallback_seal" > /dev/null 2>&1
    run on_fallback test -e "$DATA/sftp/status/deployed"
    [ "$status" -ne 0 ]
    run on_fallback test -e "$DATA/deploy_state"
    [ "$status" -ne 0 ]
    run on_main "$BIN/send_backup"
    [ "$status" -eq 0 ]
}

@test "keep_key at install: refused without the password; kept 0400 until a night is here, then only the main's key" {
    local key
    a_night
    key=$(on_main cat "$DATA/ssh_key.pub" | jq -sRr @uri)
    on_fallback yunohost app remove fallback > /dev/null 2>&1
    run world_app_install fallback /root/pkg -a "install_type=fallback server&keep_key=1&pub_key=$key"
    [ "$status" -ne 0 ]
    [[ $output == *"keep_key needs encryption_pwd"* ]]
    run world_app_install fallback /root/pkg -a "install_type=fallback server&keep_key=1&encryption_pwd=$PW&auto_deploy=1&pub_key=$key"
    [ "$status" -eq 0 ]
    [[ $output == *"keep_key: the encryption password is kept on this server"* ]]
    [ "$(on_fallback stat -c '%a %U' "$DATA/passkey")" = "400 root" ]
    run on_fallback yunohost app setting fallback encryption_pwd
    [ -z "$output" ]
    # the nights received before are still there: the watch's next run
    # replaces the password by the key derived like the main's
    on_fallback "$BIN/fallback_watch"
    on_fallback cat "$DATA/passkey" | cmp - <(on_main cat "$DATA/passkey")
    [ "$(on_fallback stat -c '%a %U' "$DATA/passkey")" = "400 root" ]
    run on_fallback /bin/bash -c "grep -rl -F -e '$PW' /etc/yunohost/apps/fallback /var/log $DATA 2>/dev/null"
    [ -z "$output" ]
}
