#!/usr/bin/env bats
# The failover cycle on the two-host world: deploy_fallback, close_fallback,
# update_from_fallback, with the package installed on both hosts by its own
# install script and a night sent by send_backup and sealed by
# fallback_seal. The tests run in order on one world; each builds on the
# state the previous ones left.

bats_require_minimum_version 1.5.0

# Functions and constants only: bats runs this before setup_file and before each test.
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$BATS_TEST_DIRNAME/lib.bash"

BIN=/opt/yunohost/fallback/bin
DATA=/home/yunohost.app/fallback
CHROOT=$DATA/sftp
PW=Corr3ct-Horse-Battery
NEWPW=An0ther-Horse-Staple

setup_file() {
    e2e_up
    e2e_capture_mail main fallback
    e2e_pair auto_detect_failure=0
    e2e_install_sample_apps wiki bigdata flaky
    # the fallback has its own wiki, which the main's replaces while deployed
    e2e_install_app fallback wiki "domain=fallback.test&path=/wiki&title=Fallback wiki"
    e2e_select_apps wiki bigdata flaky
    # the main's own state: data, a DynDNS key; flaky will fail its restore
    on_main /bin/bash -c 'echo "page written on main" > /home/yunohost.app/wiki/pages/Home.md
        echo "DynDNS secret of main" > /etc/yunohost/dyndns/Kmain.test.+157+00001.key
        echo "alice on main" > /home/alice/Documents/notes.txt
        yunohost app setting flaky fail_restore -v 1'
    e2e_night
}

teardown_file() {
    world_down
}

setup() {
    state=$BATS_FILE_TMPDIR
}

# sysstate HOST: every file (content, mode, owner) the system backup covers
# and the installed apps: what must come back byte for byte.
sysstate() {
    on_host "$1" /bin/bash -c 'cd / && {
        find etc/yunohost etc/ldap etc/dkim home var/mail \
            \( -path home/yunohost.app -o -path home/yunohost.backup -o -path etc/yunohost/apps \) -prune \
            -o -printf "%p %y %m %u %g\n" | sort
        find etc/yunohost etc/ldap etc/dkim home var/mail \
            \( -path home/yunohost.app -o -path home/yunohost.backup -o -path etc/yunohost/apps \) -prune \
            -o -type f -print0 | sort -z | xargs -0 sha256sum
        ls /etc/yunohost/apps
        find home/yunohost.app -path home/yunohost.app/fallback -prune -o -type f -print0 | sort -z | xargs -0 sha256sum
    }'
}
# no_mail_owner: sysstate lines without /var/mail itself, and with the owner
# of what is in it blanked
no_mail_owner() { grep -v '^var/mail d ' | sed -E 's#^(var/mail/[^ ]* [a-z] [0-7]+) [^ ]+ #\1 - #'; }
# appdata HOST APP: the app's data, byte for byte
appdata() { on_host "$1" /bin/bash -c "cd /home/yunohost.app/$2 && find . -type f -print0 | sort -z | xargs -0 sha256sum"; }
installed() { on_host "$1" yunohost app list --output-as json --quiet | jq -r '.apps[].id' | sort | tr '\n' ' '; }
night() { on_fallback ls "$CHROOT/backup/nights" | tail -n1; }
deploy() { on_fallback "$BIN/deploy_fallback" "$@"; }
# break_ynH HOST "backup create|backup restore" NAME_GLOB: a yunohost that
# fails that command for the archives named like NAME_GLOB, its error text
# on stderr unless --quiet (the real core's console handler is gone then)
break_ynh() {
    on_host "$1" /bin/bash -c "mv /usr/local/sbin/yunohost /usr/local/sbin/yunohost.real
        cat > /usr/local/sbin/yunohost <<'EOF'
#!/bin/bash
if [ \"\$1 \$2\" = '$2' ]; then
    for a in \"\$@\"; do case \$a in $3)
        case \" \$* \" in *' --quiet '*) ;; *) echo 'Not enough free space on /home/yunohost.backup/archives' >&2 ;; esac
        exit 1 ;; esac; done
fi
exec /usr/local/sbin/yunohost.real \"\$@\"
EOF
        chmod 755 /usr/local/sbin/yunohost"
}
# a yunohost that fails `backup create` of the backups named like $2
break_backup() { break_ynh "$1" 'backup create' "$2"; }
mend_backup() { on_host "$1" mv /usr/local/sbin/yunohost.real /usr/local/sbin/yunohost; }
# small_storage BYTES: a tmpfs of BYTES at /mnt/small on the main, and
# /root/small.conf, the main's config with main_storage_dir there
small_storage() {
    on_main /bin/bash -c "umount /mnt/small 2> /dev/null; mkdir -p /mnt/small &&
        mount -t tmpfs -o size=$1,mode=0700 tmpfs /mnt/small &&
        grep -v '^main_storage_dir=' $DATA/config.conf > /root/small.conf &&
        echo main_storage_dir=/mnt/small >> /root/small.conf && chmod 0600 /root/small.conf"
}
# set_sizes: into set_total, set_largest and set_parts, the bytes of the
# files of updated_backup/ the main downloads, of its largest part and of
# all its parts
set_sizes() {
    local sizes
    sizes=$(on_fallback /bin/bash -c "stat -c '%n %s' $CHROOT/updated_backup/*.enc")
    set_total=$(awk '{ t += $2 } END { print t }' <<< "$sizes")
    set_parts=$(awk '$1 ~ /\.tar\.enc$/ { t += $2 } END { print t }' <<< "$sizes")
    set_largest=$(awk '$1 ~ /\.tar\.enc$/ && $2 > m { m = $2 } END { print m }' <<< "$sizes")
    echo "set: $set_total bytes, parts $set_parts, largest $set_largest"
}
# watch_plain DIR: start recording, every 10 ms, the archives in clear
# (*.tar) in update_from_fallback's temporary folders under DIR, one line
# a look (/root/plain.watch); its process group in watch_pid
watch_plain() {
    watch_pid=$(on_main /bin/bash -c "setsid /bin/bash -c 'while :; do
            echo \$(find $1 -mindepth 2 -maxdepth 2 -path \"*/.update_from_fallback.*/*.tar\" -printf \"%f \")
            sleep 0.01; done' > /root/plain.watch 2>&1 < /dev/null & echo \$!")
}
# watched_one_at_a_time: the watch stopped; it saw archives in clear, never
# two at once
watched_one_at_a_time() {
    local seen
    on_main kill -- "-$watch_pid"
    seen=$(on_main sort -u /root/plain.watch)
    echo "seen in clear: $seen"
    [[ $seen == *.tar* ]] || return 1
    [ -z "$(on_main awk 'NF > 1' /root/plain.watch)" ]
}

@test "the night to deploy is there; --list and --help" {
    [ -n "$(night)" ]
    run deploy --list
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output =~ $(night)\ .*yes\ .*(system.*wiki|wiki.*system).*newest ]]
    for c in deploy_fallback close_fallback; do
        run on_fallback "$BIN/$c" --help
        [ "$status" -eq 0 ]
        [[ $output == *"$c [auto]"* ]]
    done
    run on_main "$BIN/update_from_fallback" --help
    [ "$status" -eq 0 ]
    run deploy --night 19990101T000000Z
    [ "$status" -eq 2 ]
    sysstate fallback > "$state/fallback.before"
    appdata fallback wiki > "$state/wiki.fallback.before"
}

@test "auto without a key on the fallback: stops, mails, changes nothing" {
    run deploy auto
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"no key file"* ]]
    e2e_mails fallback | grep -q "^Subject: .*auto deploy STOPPED"
    sysstate fallback | diff "$state/fallback.before" -
    refute on_fallback test -e "$CHROOT/status/deployed"
}

@test "auto with a key that does not decrypt (wrong password): nothing changed" {
    on_fallback /bin/bash -c "echo not-the-password > $DATA/passkey && chmod 0400 $DATA/passkey"
    run deploy auto
    on_fallback rm -f "$DATA/passkey"
    echo "$output"
    [ "$status" -eq 4 ]
    sysstate fallback | diff "$state/fallback.before" -
    refute on_fallback test -e "$CHROOT/status/deployed"
}

@test "a truncated pack: deploy refuses before any change" {
    local f
    # the night is v2 (the default): each pack a part record names must be
    # stored with its size before anything changes (a damaged format 1
    # archive: deploy_trust.bats)
    on_fallback test -f "$CHROOT/backup/nights/$(night)/night.v2"
    f=$(on_fallback find "$CHROOT/backup/repo/packs" -type f -printf '%s %p\n' | sort -n | tail -n1 | cut -d' ' -f2)
    [ -n "$f" ]
    on_fallback cp -a "$f" /root/orig.pack
    on_fallback /bin/bash -c "chmod u+w $f && truncate -s -100 $f"
    run deploy auto
    echo "$output"
    on_fallback cp -a /root/orig.pack "$f"
    [ "$status" -eq 6 ]
    [[ $output == *"nothing was changed"* ]]
    sysstate fallback | diff "$state/fallback.before" -
    refute on_fallback test -e "$CHROOT/status/deployed"
}

@test "the safety backup fails: deploy stops before any restore" {
    break_backup fallback 'backup_before_deploy_fallback'
    run deploy <<< $'\n'"$PW"
    mend_backup fallback
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"NOTHING was restored"* ]]
    # YunoHost's own reason reaches the message
    [[ $output == *"safety backup backup_before_deploy_fallback failed: Not enough free space"* ]]
    sysstate fallback | diff "$state/fallback.before" -
    refute on_fallback test -e "$CHROOT/status/deployed"
    [ -z "$(on_fallback find /home/yunohost.backup -name '*fallback_deploy*' -o -name '.deploy_fallback.*')" ]
}

@test "deploy: wrong then right password; flaky fails, the others are restored byte for byte" {
    world_stop_host main
    run deploy <<< $'\n'"wrong-password"$'\n'"$PW"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"wrong password"* ]]
    [[ $output =~ app\ +flaky\ +failed ]]
    [[ $output =~ app\ +wiki\ +restored ]]
    [[ $output =~ app\ +bigdata\ +restored ]]
    [[ $output =~ system\ +system\ +restored ]]
    [[ $output == *"Point the DNS records of"*"main.test"* ]]
    for app in wiki bigdata; do
        diff <(appdata main "$app") <(appdata fallback "$app")
    done
    for f in /etc/yunohost/current_host /etc/yunohost/dyndns/Kmain.test.+157+00001.key /home/alice/Documents/notes.txt; do
        [ "$(on_main cat "$f")" = "$(on_fallback cat "$f")" ]
    done
    [ "$(installed fallback)" = "bigdata fallback wiki " ]
    # the main's wiki is rebuilt before the local wiki goes: an archive that
    # does not rebuild would leave the local one installed
    [[ $output =~ wiki:\ rebuilding.*wiki:\ removing\ the\ installed\ wiki ]]
    on_fallback grep -q "^deployed night=$(night)" "$CHROOT/status/deployed"
    on_fallback yunohost backup list --output-as json --quiet | jq -e '.archives | index("backup_before_deploy_fallback")'
    # no decrypted file left behind, no secret in the log
    [ -z "$(on_fallback find /home/yunohost.backup -name '*fallback_deploy*' -o -name '.deploy_fallback.*' -o -name '*.tar' ! -name 'backup_before_deploy_fallback.tar')" ]
    refute on_fallback grep -rqs -e "$PW" -e wrong-password /var/log/fallback
    # a second deploy has nothing to do and says what comes next
    on_fallback grep -qx state=deployed "$DATA/deploy_state/state"
    run deploy auto
    [ "$status" -eq 0 ]
    [[ $output == *"nothing to do"*"already deployed"*"not restored: flaky"*"close_fallback"* ]]
}

@test "the main comes back while the fallback is deployed: its nightly job sends nothing and says why" {
    world_start_host main
    local before
    before=$(on_fallback ls -A "$CHROOT/incoming")
    run on_main "$BIN/send_backup"
    [ "$status" -ne 0 ]
    on_main tail -n 20 /var/log/fallback/fallback.log | grep -q "DEPLOYED.*update_from_fallback"
    [ "$(on_fallback ls -A "$CHROOT/incoming")" = "$before" ]
}

@test "fallback_status names the cycle's state on both servers; an unreachable fallback is not 'no verified night'" {
    run on_fallback "$BIN/fallback_status"
    echo "$output"
    [[ $output == *"failover cycle: deployed (when the main server is back: close_fallback)"* ]]
    run on_main "$BIN/fallback_status"
    echo "$output"
    [[ $output == *"DEPLOYED (when this server is back in service: close_fallback there, then update_from_fallback here)"* ]]
    [[ $output == *"failover cycle here: standby"* ]]
    on_main /bin/bash -c "sed 's/^ssh_port=.*/ssh_port=9/' $DATA/config.conf > /root/unreachable.conf"
    run on_main env FB_CONFIG=/root/unreachable.conf "$BIN/fallback_status"
    echo "$output"
    [ "$status" -eq 3 ]
    [[ $output == *"fallback server: UNREACHABLE"* ]]
    [[ $output == *"RPO ALARM: the fallback server cannot be reached"* ]]
    [[ $output != *"no verified night"* ]]
    on_main "$BIN/fallback_status" --json > "$state/main.json" || true
    "$BATS_TEST_DIRNAME/check-json-schema" "$BATS_TEST_DIRNAME/status.schema.json" "$state/main.json"
    [ "$(jq -r '.cycle, .fallback_server.cycle' "$state/main.json" | tr '\n' ' ')" = "standby deployed " ]
}

@test "close: too little free space for the set and one part in clear: refused before any backup, untouched" {
    sysstate fallback > "$state/deployed.state"
    # a small disk in the place of /home/yunohost.backup (its archives are
    # back when it is unmounted)
    on_fallback mount -t tmpfs -o size=256k tmpfs /home/yunohost.backup
    run on_fallback "$BIN/close_fallback" <<< $'\n'"$NEWPW"$'\n'"$NEWPW"
    on_fallback umount /home/yunohost.backup
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output =~ not\ enough\ free\ space\ in\ /home/yunohost.backup:\ [0-9]+\ bytes\ \([0-9.]+\ MiB\)\ needed\ for\ the\ set\ aside\ \([0-9.]+\ MiB\ by\ estimate:\ the\ system\ and\ [0-9]+\ apps\)\ and\ its\ largest\ part\ in\ clear\ \([0-9.]+\ MiB\),\ [0-9]+\ bytes\ \([0-9.]+\ MiB\)\ available:\ the\ deployed\ server\ is\ untouched ]]
    # refused before the password is asked
    [[ $output != *"New encryption password"* ]]
    sysstate fallback | diff "$state/deployed.state" -
    on_fallback grep -qx state=deployed "$DATA/deploy_state/state"
    refute on_fallback test -e "$CHROOT/updated_backup/manifest.json"
}

@test "close: a failed backup of the deployed work leaves the deployed server untouched" {
    sysstate fallback > "$state/deployed.state"
    break_backup fallback 'fallback_close-wiki'
    run on_fallback "$BIN/close_fallback" <<< $'\n'"$NEWPW"$'\n'"$NEWPW"
    mend_backup fallback
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"deployed server is untouched"* ]]
    sysstate fallback | diff "$state/deployed.state" -
    on_fallback grep -q "^deployed" "$CHROOT/status/deployed"
    refute on_fallback test -e "$CHROOT/updated_backup/manifest.json"
}

@test "close: the work is set aside, the fallback is back exactly as before the deploy" {
    on_fallback /bin/bash -c 'echo "page edited on the fallback" > /home/yunohost.app/wiki/pages/Home.md
        echo "alice on fallback" > /home/alice/Documents/notes.txt'
    appdata fallback wiki > "$state/wiki.fallback"
    # what a killed run leaves (a derived key in its temporary folder) goes
    # at the next start
    on_fallback /bin/bash -c 'mkdir -m 0700 /home/yunohost.backup/.close_fallback.Killed1 &&
        echo key > /home/yunohost.backup/.close_fallback.Killed1/key'
    # the deployed server's admin turned on compressed archives: YunoHost
    # then writes NAME.tar.gz for every backup close_fallback makes
    on_fallback /bin/bash -c 'echo "backup_compress_tar_archives: true" >> /etc/yunohost/settings.yml'
    # passwords that differ are asked again
    run on_fallback "$BIN/close_fallback" <<< $'\n'"$NEWPW"$'\nnope\n'"$NEWPW"$'\n'"$NEWPW"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"differ"* ]]
    [[ $output == *"Point the DNS records back"* ]]
    # the mail restore hook gives /var/mail and all in it to vmail (any
    # restore does: chown -R vmail:mail): their owner is not compared
    sysstate fallback | no_mail_owner | diff <(no_mail_owner < "$state/fallback.before") -
    refute on_fallback test -e /etc/yunohost/dyndns/Kmain.test.+157+00001.key
    diff "$state/wiki.fallback.before" <(appdata fallback wiki)
    run on_fallback "$BIN/fallback" manifest read "$CHROOT/updated_backup/manifest.json"
    [[ $output == *"part system system sent"* ]]
    [[ $output == *"part app wiki sent"* ]]
    [[ $output == *"part app bigdata sent"* ]]
    # still paused for the main until update_from_fallback
    on_fallback grep -q "^closed" "$CHROOT/status/deployed"
    refute on_fallback grep -rqs "$NEWPW" /var/log/fallback
    [ -z "$(on_fallback find /home/yunohost.backup -name '.close_fallback.*' -o -name 'fallback_close-*')" ]
    on_fallback grep -qx state=closed "$DATA/deploy_state/state"
    # a second close has nothing to do, changes nothing, names the next step
    sysstate fallback > "$state/closed.state"
    run on_fallback "$BIN/close_fallback" auto
    [ "$status" -eq 0 ]
    [[ $output == *"nothing to do"*"update_from_fallback"* ]]
    sysstate fallback | diff "$state/closed.state" -
    # and a deploy is refused with the next step
    run deploy auto
    [ "$status" -eq 1 ]
    [[ $output == *"Next step: run update_from_fallback on the main server"* ]]
}

@test "update: a failed safety backup stops before any restore" {
    sysstate main > "$state/main.before"
    break_backup main 'system_pre_flbck_restore'
    run on_main "$BIN/update_from_fallback" <<< $'\n'"$NEWPW"$'\ny\ny\ny\ny'
    mend_backup main
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"NOTHING was restored"* ]]
    [[ $output == *"system_pre_flbck_restore failed: Not enough free space"* ]]
    sysstate main | diff "$state/main.before" -
}

@test "update: a set aside without its manifest.mac, or altered since, is refused whatever auto says" {
    local u=$CHROOT/updated_backup
    on_main /bin/bash -c "umask 077 && printf '%s\n' '$NEWPW' > /root/closepw"
    on_fallback mv "$u/manifest.mac" /root/manifest.mac
    run on_main "$BIN/update_from_fallback" auto --pass-file /root/closepw
    on_fallback mv /root/manifest.mac "$u/manifest.mac"
    echo "$output"
    [ "$status" -eq 6 ]
    [[ $output == *"/updated_backup on the fallback server is not authenticated (no manifest.mac from close_fallback): refused, nothing was changed"* ]]
    sysstate main | diff "$state/main.before" -
    # the manifest changed after close_fallback vouched for it (the same
    # JSON with one more space)
    on_fallback cp -p "$u/manifest.json" /root/manifest.json
    on_fallback /bin/bash -c "sed '1s/^{/{ /' /root/manifest.json > $u/manifest.json"
    run on_main "$BIN/update_from_fallback" auto --pass-file /root/closepw
    on_fallback cp -p /root/manifest.json "$u/manifest.json"
    echo "$output"
    [ "$status" -eq 6 ]
    [[ $output == *"is refused: its manifest fails authentication (the manifest is not the one manifest.mac vouches for"* ]]
    sysstate main | diff "$state/main.before" -
}

@test "update: the fallback offering the main's own nightly archives as its work is refused, even MAC'd with the main's key" {
    local n cid
    n=$(night)
    cid=$(on_fallback sed -n 's/^closed closeid=\([^ ]*\).*/\1/p' "$CHROOT/status/deployed")
    [ -n "$cid" ]
    on_fallback /bin/bash -c "umask 077 && printf '%s\n' '$PW' > /root/mainpw"
    # what a fallback holding the main's key (keep_key) can make: the
    # main's own system of night $n as the set of the close $cid
    on_fallback /bin/bash -s -- "$n" "$cid" < "$BATS_TEST_DIRNAME/forge-set-aside"
    run on_main "$BIN/update_from_fallback" auto --pass-file "$DATA/passkey"
    echo "$output"
    [ "$status" -eq 6 ]
    [[ $output == *"opens with this server's own nightly key: it is one of this server's archives, not work close_fallback set aside: refused, nothing was changed"* ]]
    sysstate main | diff "$state/main.before" -
    # the admin, asked the password, gives the main's: refused all the same
    run on_main "$BIN/update_from_fallback" <<< $'\n'"$PW"$'\ny\ny'
    echo "$output"
    [ "$status" -eq 6 ]
    [[ $output == *"opens with this server's own nightly key"* ]]
    on_fallback /bin/bash -c "rm -rf $CHROOT/updated_backup && mv -T $CHROOT/updated_backup.real $CHROOT/updated_backup"
    sysstate main | diff "$state/main.before" -
}

@test "update auto: the key is named, never guessed; the main's key is not the password close_fallback asked: nothing changed" {
    run on_main "$BIN/fallback_status"
    [[ $output == *"CLOSED: its work set aside at "*" waits (run update_from_fallback here)"* ]]
    [[ $output == *"failover cycle here: updating (an update was interrupted: run update_from_fallback again)"* ]]
    run on_fallback "$BIN/fallback_status"
    [[ $output == *"failover cycle: closed (work set aside at "*"update_from_fallback on the main server)"* ]]
    run on_main "$BIN/update_from_fallback" auto
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"auto: say which key opens the set: --pass-file FILE"* ]]
    run on_main "$BIN/update_from_fallback" auto --pass-file "$DATA/passkey"
    echo "$output"
    [ "$status" -eq 4 ]
    [[ $output == *"the password given does not decrypt what close_fallback set aside"* ]]
    sysstate main | diff "$state/main.before" -
}

@test "update: free space for the set and its largest part in clear is checked first; too little: refused, nothing changed" {
    set_sizes
    on_main ls /home/yunohost.backup/archives > "$state/archives.before"
    # room for the set and half its largest part
    small_storage $((set_total + set_largest / 2))
    run on_main "$BIN/update_from_fallback" --config /root/small.conf <<< $'\n'"$NEWPW"$'\ny\ny\ny'
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output =~ not\ enough\ free\ space\ in\ /mnt/small/update/[0-9TZ]+:\ [0-9]+\ bytes\ \([0-9.]+\ MiB\)\ needed\ for\ the\ set\ still\ to\ download\ \([0-9.]+\ MiB\)\ and\ its\ largest\ part\ in\ clear\ \([0-9.]+\ MiB\),\ [0-9]+\ bytes\ \([0-9.]+\ MiB\)\ available:\ nothing\ was\ changed ]]
    [[ $output == *"$((set_total + set_largest)) bytes"* ]]
    # nothing downloaded, no safety copy, nothing restored
    [ -z "$(on_main find /mnt/small -name '*.enc')" ]
    on_main ls /home/yunohost.backup/archives | diff "$state/archives.before" -
    sysstate main | diff "$state/main.before" -
    on_main umount /mnt/small
}

@test "update: answering n to the system and to one app restores only the others" {
    on_main cp "$DATA/app_list" /root/app_list.before
    # the storage holds the set and its largest part in clear with some
    # room to spare (more than the few small files beside them take), but
    # not the set and every part in clear: the parts are checked one at a
    # time, none kept
    set_sizes
    if [ $(((set_parts - set_largest) / 2)) -lt $((64 * 1024)) ]; then
        echo "the sample parts beside the largest are too small to tell"
        return 1
    fi
    small_storage $((set_total + set_largest + (set_parts - set_largest) / 2))
    watch_plain /mnt/small
    run on_main "$BIN/update_from_fallback" --config /root/small.conf <<< $'\n'"$NEWPW"$'\nn\nn\ny'
    echo "$output"
    watched_one_at_a_time
    # the downloads went with the success
    [ -z "$(on_main find /mnt/small -mindepth 1)" ]
    on_main umount /mnt/small
    [ "$status" -eq 0 ]
    [[ $output == *"Would you restore the system from the fallback backup ? (Y/n)"* ]]
    [[ $output == *"Would you restore bigdata from the fallback backup ? (Y/n)"* ]]
    [[ $output =~ system\ +system\ +skipped ]]
    [[ $output =~ app\ +bigdata\ +skipped ]]
    [[ $output =~ app\ +wiki\ +restored ]]
    [[ $output == *"wiki_pre_flbck_restore (yunohost app remove wiki; yunohost backup restore wiki_pre_flbck_restore --apps wiki)"* ]]
    diff "$state/wiki.fallback" <(appdata main wiki)
    [ "$(on_main cat /home/alice/Documents/notes.txt)" = "alice on main" ]
    on_main yunohost backup info wiki_pre_flbck_restore > /dev/null
    refute on_main yunohost backup info bigdata_pre_flbck_restore
    # the main's working folder keeps only its repository's config and files
    # cache, besides update/: the downloads of the update the failed safety
    # backup stopped above, made with the default storage folder
    [ -z "$(on_main find /home/yunohost.app/fallback/fallback_backup -mindepth 1 -type f -not -path '*/repo/config' -not -path '*/repo/cache/files-*' -not -path '*/fallback_backup/update/*')" ]
    [ -z "$(on_main find /home/yunohost.app/fallback/fallback_backup -mindepth 1 -maxdepth 1 ! -name repo ! -name update)" ]
    # the restored app is still sent at night: its app_list line as it was
    on_main grep -qx '\[\.\]: wiki' "$DATA/app_list"
    on_main diff /root/app_list.before "$DATA/app_list"
    on_main grep -qx 'state=done' "$DATA/update_state/state"
}

@test "update again after success: nothing to do, nothing changed" {
    sysstate main > "$state/main.updated"
    run on_main "$BIN/update_from_fallback" <<< $'\n'"$NEWPW"$'\ny\ny\ny'
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"nothing to do"* ]]
    sysstate main | diff "$state/main.updated" -
}

@test "the cycle ends: the fallback takes note of update_done, the nightly job resumes" {
    on_main grep -q "update_done\|told the cycle is over" /var/log/fallback/update_from_fallback.log
    on_fallback /bin/bash -c "ls $CHROOT/incoming | grep -q '^update_done-'"
    on_fallback "$BIN/fallback_seal"
    refute on_fallback test -e "$CHROOT/status/deployed"
    # nothing a later cycle could take for its own
    refute on_fallback test -e "$CHROOT/updated_backup"
    refute on_fallback test -e "$DATA/deploy_state"
    run on_main "$BIN/update_from_fallback" <<< $'\n'
    [ "$status" -eq 0 ]
    [[ $output == *"nothing to do"*"standby"* ]]
    # killed after telling the fallback, before recording it: the fallback
    # ended the cycle meanwhile; run again, the update records it
    on_main sed -i 's/^state=done$/state=updating/; $a step=notify' "$DATA/update_state/state"
    run on_main "$BIN/update_from_fallback" <<< $'\n'
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"fallback server has ended the cycle"* ]]
    on_main grep -qx state=done "$DATA/update_state/state"
    run on_main "$BIN/send_backup"
    [ "$status" -eq 0 ]
}

@test "the nightly job, while update_from_fallback holds the locks, says so" {
    local pid
    pid=$(on_main /bin/bash -c 'setsid flock /run/fallback/fallback_failover.lock \
        flock /run/fallback/fallback_send_backup.lock sleep 60 > /dev/null 2>&1 < /dev/null & echo $!')
    sleep 1
    run on_main "$BIN/send_backup"
    on_main kill -- "-$pid"
    [ "$status" -eq 1 ]
    on_main tail -n 3 /var/log/fallback/fallback.log | grep -q "update_from_fallback is running: no night is sent meanwhile"
    run on_main "$BIN/send_backup" --config
    [ "$status" -eq 2 ]
    [[ $output == "send_backup: --config needs a FILE" ]]
    run on_main "$BIN/update_from_fallback" --config
    [ "$status" -eq 2 ]
    [[ $output == "update_from_fallback: --config needs a FILE" ]]
}

@test "cycle 2: while the fallback is deployed, update on the main is refused and changes nothing" {
    on_fallback "$BIN/fallback_seal" > /dev/null 2>&1
    run deploy <<< $'\n'"$PW"
    echo "$output"
    [[ $output =~ app\ +wiki\ +restored ]]
    on_fallback grep -qx state=deployed "$DATA/deploy_state/state"
    sysstate main > "$state/main.cycle2"
    run on_main "$BIN/update_from_fallback" <<< $'\n'"$NEWPW"$'\ny\ny\ny'
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"still deployed"*"close_fallback"* ]]
    sysstate main | diff "$state/main.cycle2" -
}

@test "cycle 2: a failed download is noticed; nothing changed" {
    on_fallback /bin/bash -c 'echo "page of cycle 2" > /home/yunohost.app/wiki/pages/Home.md
        echo "alice on fallback 2" > /home/alice/Documents/notes.txt'
    appdata fallback wiki > "$state/wiki.cycle2"
    # auto says no questions, not which password: it must be named; the
    # main's key (kept here) is refused, its set would be
    run on_fallback "$BIN/close_fallback" auto
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"auto: say which password sets the work aside: --pass-file FILE"* ]]
    on_fallback /bin/bash -c "$BIN/fallback key-init --like $CHROOT/backup/nights/$(night)/$(night)-app_list.enc \
        --pass-file /root/mainpw --out /root/mainkey"
    run on_fallback "$BIN/close_fallback" auto --pass-file /root/mainkey
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"this password opens the main server's own archives"* ]]
    on_fallback grep -qx state=deployed "$DATA/deploy_state/state"
    run on_fallback "$BIN/close_fallback" <<< $'\n'"$NEWPW"$'\n'"$NEWPW"
    echo "$output"
    [ "$status" -eq 0 ]
    local f
    f=$(on_fallback /bin/bash -c "ls $CHROOT/updated_backup/*-app_wiki.tar.enc")
    on_fallback chmod 0400 "$f"
    run on_main "$BIN/update_from_fallback" <<< $'\n'"$NEWPW"$'\ny\ny\ny'
    on_fallback chmod 0444 "$f"
    echo "$output"
    [ "$status" -ne 0 ]
    [[ $output == *"download of ${f##*/} failed"* ]]
    sysstate main | diff "$state/main.cycle2" -
}

@test "cycle 2: answering no to everything asks for a confirmation; no (the default) changes nothing" {
    run on_main "$BIN/update_from_fallback" <<< $'\n'"$NEWPW"$'\nn\nn\nn\n\n'
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"Nothing is chosen"*"Are you sure? (y/N)"* ]]
    [[ $output == *"nothing chosen, nothing changed"* ]]
    sysstate main | diff "$state/main.cycle2" -
    refute on_fallback /bin/bash -c "ls $CHROOT/incoming | grep -q '^update_done-'"
}

@test "cycle 2: a failed app restore names its safety copy; the rerun restores only it and keeps the safety copies" {
    local sum
    break_ynh main 'backup restore' 'fallback_update-app-wiki'
    # each part is decrypted for its restore and removed after it
    watch_plain "$DATA/fallback_backup"
    run on_main "$BIN/update_from_fallback" <<< $'\n'"$NEWPW"$'\ny\ny\ny'
    mend_backup main
    echo "$output"
    watched_one_at_a_time
    [ "$status" -eq 1 ]
    [[ $output =~ app\ +wiki\ +failed ]]
    [[ $output == *"Not enough free space"* ]]
    [[ $output == *"yunohost backup restore wiki_pre_flbck_restore --apps wiki"* ]]
    [[ $output == *"yunohost backup restore system_pre_flbck_restore --system --force"* ]]
    [ "$(on_main cat /home/alice/Documents/notes.txt)" = "alice on fallback 2" ]
    sum=$(on_main sha256sum /home/yunohost.backup/archives/system_pre_flbck_restore.tar \
        /home/yunohost.backup/archives/wiki_pre_flbck_restore.tar)
    # the advised rerun: only wiki is restored, the safety copies stay the main's own
    run on_main "$BIN/update_from_fallback" <<< $'\n'"$NEWPW"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output =~ app\ +wiki\ +restored\ +[0-9]+s\ +$ ]] || [[ $output =~ app\ +wiki\ +restored ]]
    [[ $output =~ system\ +system\ +restored\ +0s\ +by\ an\ earlier\ run ]]
    diff "$state/wiki.cycle2" <(appdata main wiki)
    [ "$(on_main sha256sum /home/yunohost.backup/archives/system_pre_flbck_restore.tar \
        /home/yunohost.backup/archives/wiki_pre_flbck_restore.tar)" = "$sum" ]
    on_main grep -qx '\[\.\]: wiki' "$DATA/app_list"
    on_main grep -qx '\[\.\]: bigdata' "$DATA/app_list"
    # by hand, the main's own system comes back from its safety copy
    on_main yunohost backup restore system_pre_flbck_restore --system --force > /dev/null
    [ "$(on_main cat /home/alice/Documents/notes.txt)" = "alice on main" ]
    on_fallback "$BIN/fallback_seal"
    refute on_fallback test -e "$CHROOT/status/deployed"
}
