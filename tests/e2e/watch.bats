#!/usr/bin/env bats
# The failure watch (fallback_watch), the DNS switch (update_dns) and the
# status (fallback_status) on the two-host world. The package is installed
# on both hosts by its own install script; a night is sent and sealed. Mail
# goes through Debian's mail(1) to /usr/sbin/sendmail, which each host
# replaces (in its own /usr only) by a script that keeps what it is handed
# (e2e_capture_mail, lib.bash). The tests run in order on one world: the
# watch's tests follow one story (its state, the mails counted so far); the
# status test makes the deployment it reads when run alone.

bats_require_minimum_version 1.5.0

# Functions and constants only: bats runs this before setup_file and before each test.
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$BATS_TEST_DIRNAME/lib.bash"

BIN=/opt/yunohost/fallback/bin
DATA=/home/yunohost.app/fallback
PW=Corr3ct-Horse-Battery
CONTACT=ops@example.org

setup_file() {
    e2e_up
    e2e_capture_mail main fallback
    e2e_pair auto_detect_failure=1 delay_before_incident=5min "contact_mail=$CONTACT" auto_deploy=0
    e2e_install_sample_apps wiki
    e2e_select_apps wiki
    # the address the fallback watches: the main's, as the admin sets it
    on_main sed -i -e 's/^overwrite_ip=.*/overwrite_ip=127.0.0.2/' "$DATA/config.conf"
    e2e_night
    # the delay, shortened through the watch's own settings file
    on_fallback /bin/bash -c "echo delay_seconds=0 >> $DATA/auto_check.conf"
    # and a second path to it: its name (the hosts' /etc/hosts has it)
    on_fallback /bin/bash -c "echo extra_addresses=main.test >> $DATA/auto_check.conf"
}

teardown_file() {
    world_down
}

watch() { on_fallback "$BIN/fallback_watch"; }
wstate() { on_fallback sed -n "s/^$1=//p" "$DATA/watch_state"; }
# mails TEXT: how many captured mails to the contact hold TEXT
mails() {
    on_fallback /bin/bash -c 'grep -l -F -- "$2" "$3"/mail.* 2>/dev/null | xargs -r grep -l -F -- "$1" | wc -l' _ "$1" "$CONTACT" "$E2E_CAPTURED"
}
nmails() { on_fallback /bin/bash -c 'ls "$1" 2>/dev/null | wc -l' _ "$E2E_CAPTURED"; }
conf_set() { on_fallback sed -i "s/^$1=.*/$1=$2/" "$DATA/auto_check.conf"; }
# keep_key: the key derived from the password kept on the fallback
keep_key() {
    local obj
    obj=$(on_fallback /bin/bash -c "ls $DATA/sftp/backup/latest/*-config.conf.enc") &&
        printf '%s\n' "$PW" | on_fallback "$BIN/fallback" key-init --like "$obj" --out "$DATA/passkey"
}
# deployed_with_key: the key kept and the fallback deployed, unless they
# are (the auto-deploy test leaves them; a test run alone deploys by hand)
deployed_with_key() {
    on_fallback test -e "$DATA/passkey" || keep_key || return 1
    on_fallback test -e "$DATA/deploy_state/state" || on_fallback "$BIN/deploy_fallback" auto > /dev/null
}

@test "the fallback's install sets the watch: cron entry, settings, contact" {
    run on_fallback cat /etc/cron.d/auto_deploy_fallback
    [ "$status" -eq 0 ]
    [[ $output == *"$BIN/fallback_watch"* ]]
    [[ $output == *$'\n* * * * * root '* ]]
    run on_fallback sed -n 's/^contact_mail=//p' "$DATA/auto_check.conf"
    [ "$output" = "$CONTACT" ]
}

@test "main up: the watch records it and mails nobody" {
    watch
    [ "$(wstate state)" = up ]
    [[ $(wstate last_result) == "up 127.0.0.2:22" ]]
    [ "$(nmails)" -eq 0 ]
}

@test "a single failed probe followed by success: no incident" {
    world_stop_host main
    watch
    [ "$(wstate state)" = failing ]
    world_start_host main
    watch
    [ "$(wstate state)" = up ]
    [ -z "$(wstate incident_at)" ]
    [ "$(nmails)" -eq 0 ]
    run on_fallback grep -c "a blip, no incident" /var/log/fallback/fallback.log
    [ "$output" -ge 1 ]
}

@test "the main stopped: one incident, one mail to the contact, no deploy when auto_deploy is off" {
    world_stop_host main
    watch
    [ "$(wstate state)" = failing ]
    watch
    [ "$(wstate state)" = incident ]
    [ "$(mails 'INCIDENT: the main server is unreachable')" -eq 1 ]
    [ "$(mails 'auto_deploy is off')" -eq 1 ]
    watch
    watch
    [ "$(mails 'INCIDENT')" -eq 1 ]
    run on_fallback test -e "$DATA/deploy_state"
    [ "$status" -ne 0 ]
    run on_fallback grep -c . /var/log/fallback/deploy_fallback.log
    [ "$status" -ne 0 ] || [ "$output" -eq 0 ]
}

@test "the main back: a 'back online' mail naming close_fallback, nothing deployed" {
    world_start_host main
    watch
    [ "$(wstate state)" = up ]
    [ "$(mails 'the main server is back online')" -eq 1 ]
    [ "$(mails 'close_fallback')" -ge 1 ]
    run on_fallback test -e "$DATA/deploy_state"
    [ "$status" -ne 0 ]
}

@test "auto-deploy without a kept key: stops cleanly, mails why, changes nothing" {
    conf_set auto_deploy 1
    on_fallback yunohost app list --output-as json > "$BATS_FILE_TMPDIR/apps.before"
    world_stop_host main
    watch
    watch
    [ "$(wstate state)" = incident ]
    [ "$(wstate deploy)" = failed:1 ]
    [ "$(mails 'auto deploy: FAILED')" -eq 1 ]
    [ "$(mails 'no key file')" -ge 1 ]
    run on_fallback test -e "$DATA/deploy_state"
    [ "$status" -ne 0 ]
    on_fallback yunohost app list --output-as json > "$BATS_FILE_TMPDIR/apps.after"
    cmp "$BATS_FILE_TMPDIR/apps.before" "$BATS_FILE_TMPDIR/apps.after"
    run on_fallback yunohost backup list --output-as json
    [[ $output != *backup_before_deploy_fallback* ]]
    world_start_host main
    watch
    [ "$(wstate state)" = up ]
}

@test "auto-deploy with the key kept: deploys once, and the way back is mailed" {
    keep_key
    world_stop_host main
    watch
    watch
    [ "$(wstate state)" = incident ]
    [ "$(wstate deploy)" = "done" ]
    [ "$(mails 'auto deploy: done')" -eq 1 ]
    run on_fallback sed -n 's/^state=//p' "$DATA/deploy_state/state"
    [ "$output" = deployed ]
    run on_fallback test -d /var/www/wiki
    [ "$status" -eq 0 ]
    watch
    watch
    [ "$(on_fallback grep -c 'deploy_fallback: start' /var/log/fallback/deploy_fallback.log)" -eq 2 ]
    world_start_host main
    watch
    [ "$(mails 'the main server is back online')" -eq 3 ]
    [ "$(mails 'This server is DEPLOYED')" -eq 1 ]
    # a new outage while deployed: no second deploy
    world_stop_host main
    watch
    watch
    [ "$(wstate deploy)" = skipped ]
    [ "$(on_fallback grep -c 'deploy_fallback: start' /var/log/fallback/deploy_fallback.log)" -eq 2 ]
    world_start_host main
    watch
}

@test "status --json matches its schema on both servers" {
    local h
    deployed_with_key
    for h in main fallback; do
        on_host "$h" "$BIN/fallback_status" --json > "$BATS_FILE_TMPDIR/$h.json" || [ $? -eq 3 ]
        "$BATS_TEST_DIRNAME/check-json-schema" "$BATS_TEST_DIRNAME/status.schema.json" \
            "$BATS_FILE_TMPDIR/$h.json"
    done
    # the schema can fail
    jq '.rpo.alarm = "no"' "$BATS_FILE_TMPDIR/fallback.json" > "$BATS_FILE_TMPDIR/bad.json"
    run "$BATS_TEST_DIRNAME/check-json-schema" "$BATS_TEST_DIRNAME/status.schema.json" "$BATS_FILE_TMPDIR/bad.json"
    [ "$status" -eq 1 ]
    run jq -r '.role, .deployed, .key_kept, (.nights | length), .watch.enabled' "$BATS_FILE_TMPDIR/fallback.json"
    [ "${lines[*]}" = "fallback true true 1 true" ]
    run jq -r '.role, .last_night.parts[0].id, .fallback_server.reachable, .fallback_server.deployed' "$BATS_FILE_TMPDIR/main.json"
    [ "${lines[*]}" = "main system true true" ]
    run on_fallback "$BIN/fallback_status"
    [ "$status" -eq 0 ]
    [[ $output == *"deployed: YES"* ]]
}

@test "the RPO alarm: a newest night older than 26 h, mailed once a day" {
    local m
    # the newest night (v2, the default) made 27 h old: its time is its id
    # (its MAC, which fallback_status does not check, then fails)
    m=$(on_fallback /bin/bash -c "readlink -f $DATA/sftp/backup/latest")/night.v2
    on_fallback test -f "$m"
    on_fallback /bin/bash -c "cp $m /root/manifest.saved &&
        sed -i \"s/^night .*/night \$(date -u -d @\$((\$(date +%s) - 27 * 3600)) +%Y%m%dT%H%M%SZ)/\" $m"
    run on_fallback "$BIN/fallback_status" --json
    [ "$status" -eq 3 ]
    [ "$(jq -r .rpo.alarm <<< "$output")" = true ]
    "$BATS_TEST_DIRNAME/check-json-schema" "$BATS_TEST_DIRNAME/status.schema.json" <(printf '%s\n' "$output")
    [ "$(jq -r '.rpo.newest_age_hours >= 27' <<< "$output")" = true ]
    run on_fallback "$BIN/fallback_status"
    [[ $output == *"RPO ALARM"* ]]
    run on_fallback "$BIN/fallback_status" --rpo-mail
    [ "$status" -eq 3 ]
    run on_fallback "$BIN/fallback_status" --rpo-mail
    [ "$(mails 'RPO ALARM')" -eq 1 ]
    on_fallback cp /root/manifest.saved "$m"
    run on_fallback "$BIN/fallback_status" --rpo-mail
    [ "$status" -eq 0 ]
    run on_fallback test -e "$DATA/.rpo_alarm_mailed"
    [ "$status" -ne 0 ]
}

@test "update_dns --dry-run says what would change and changes nothing" {
    on_fallback /bin/bash -c 'printf "registrar: ovh\n" > /etc/yunohost/domains/example.org.yml
        echo 127.0.0.3 > /etc/yunohost/standin-public-ip'
    run on_fallback "$BIN/update_dns" --dry-run
    [ "$status" -eq 0 ]
    [[ $output == *"dry run: example.org"* ]]
    [[ $output == *'"create"'* ]]
    [[ $output == *"fallback.test: no public DNS"* ]]
    run on_fallback test -e /var/lib/standin-dns/example.org.yml
    [ "$status" -ne 0 ]
    run on_fallback "$BIN/update_dns"
    [ "$status" -eq 0 ]
    run on_fallback cat /var/lib/standin-dns/example.org.yml
    [[ $output == *"A: 127.0.0.3"* ]]
}

@test "update_dns runs the admin's own script instead, when set" {
    on_fallback /bin/bash -c "printf '#!/bin/sh\necho switched > /root/dns-switched\n' > /root/dns.sh && chmod 755 /root/dns.sh
        echo auto_update_script=/root/dns.sh >> $DATA/auto_check.conf"
    run on_fallback "$BIN/update_dns" --dry-run
    [[ $output == *"would run the admin's DNS script /root/dns.sh"* ]]
    run on_fallback test -e /root/dns-switched
    [ "$status" -ne 0 ]
    on_fallback "$BIN/update_dns"
    run on_fallback cat /root/dns-switched
    [ "$output" = switched ]
    on_fallback chmod 777 /root/dns.sh
    run on_fallback "$BIN/update_dns"
    [ "$status" -eq 12 ]
}
