#!/usr/bin/env bats
# The YunoHost package on the two-host world: install of both roles, what the
# main server's key can and cannot do on the fallback, refused arguments,
# app_list hooks, upgrade, backup/remove/restore, remove, and the upgrade of
# an install of the 0.x bash package. The tests run in order on one world:
# YunoHost 13.x for package-13.bats (a link to this file), else the world's
# default version (12.x unless WORLD_YNH_VERSION says otherwise).

bats_require_minimum_version 1.5.0

# Functions and constants only: bats runs this before setup_file and before each test.
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$BATS_TEST_DIRNAME/lib.bash"

setup_file() {
    local -a version=()
    case ${BATS_TEST_FILENAME##*/} in
        *-13.bats) version=(--version 13) ;;
    esac
    e2e_up "${version[@]}"
    e2e_copy_package main fallback
}

teardown_file() {
    world_down
}

setup() {
    fb_ip=$(world_host_ip fallback)
    state=$BATS_FILE_TMPDIR
}

# snapshot HOST: what an install may change, one line per item (entries,
# not the folders' own times: a refused install's user comes and goes,
# which rewrites /etc/passwd)
snapshot() {
    on_host "$1" /bin/bash -c '
        ls -lA /etc/cron.d /etc/logrotate.d 2>&1
        # (a refused install may leave /opt/yunohost itself: YunoHost made
        # the install_dir resource, then took it back)
        find /home/yunohost.app /opt/yunohost /var/log/fallback -mindepth 1 2>/dev/null | sort
        getent passwd; getent group
        cksum /etc/ssh/sshd_config
        ls /etc/yunohost/apps /etc/yunohost/hooks.d/* 2>/dev/null
        true'
}

# push_ok: the main server's nightly path still works: a file lands in incoming/
push_ok() {
    local name=probe-$RANDOM
    on_main /bin/bash -c "echo hello > /root/$name && /opt/yunohost/fallback/bin/fallback push --config /home/yunohost.app/fallback/config.conf --to /incoming /root/$name"
    [ "$(on_fallback cat "/home/yunohost.app/fallback/sftp/incoming/$name")" = hello ]
}

main_ssh() { # ARGS...: ssh from main to the fallback account with the package's key
    on_main timeout 30 ssh -i /home/yunohost.app/fallback/ssh_key -o UserKnownHostsFile=/home/yunohost.app/fallback/known_hosts \
        -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=5 "$@" < /dev/null
}

# refused_installs HOST "ARGS|WORD"...: each install with ARGS fails on HOST
# and its message names WORD (the argument at fault).
refused_installs() {
    local host=$1 c
    shift
    for c in "$@"; do
        run world_app_install "$host" /root/pkg -a "${c%|*}"
        echo "$output"
        [ "$status" -ne 0 ]
        [[ $output == *"${c#*|}"* ]]
    done
}

@test "bad arguments are refused, name the argument, and leave both hosts unchanged" {
    local key
    key=$(on_main ssh-keygen -q -t ed25519 -N '' -f /root/k -C x > /dev/null; on_main cat /root/k.pub)
    on_main rm -f /root/k /root/k.pub
    snapshot main > "$state/main.before"
    snapshot fallback > "$state/fallback.before"
    local -a main_cases=(
        "install_type=main server&encrypt=1&encryption_pwd=Corr3ct-Horse-Battery|ssh_host"
        "install_type=main server&encrypt=1&ssh_host=$fb_ip|encryption_pwd"
        "install_type=main server&encrypt=0&ssh_host=$fb_ip&ssh_port=0|ssh_port"
        "install_type=main server&encrypt=0&ssh_host=$fb_ip&ssh_port=70000|ssh_port"
        "install_type=main server&encrypt=0&ssh_host=$fb_ip&ssh_port=2a|ssh_port"
        "install_type=main server&encrypt=0&ssh_host=a..b|ssh_host 'a..b' is not a domain name"
        "install_type=other server&encrypt=0&ssh_host=$fb_ip|install_type"
    )
    refused_installs main "${main_cases[@]}"
    local -a fb_cases=(
        "install_type=fallback server|pub_key"
        "install_type=fallback server&pub_key=hello|pub_key"
        "install_type=fallback server&pub_key=$(printf 'command="sh" %s' "$key" | jq -sRr @uri)|pub_key"
        "install_type=fallback server&pub_key=$(printf '%s\n%s' "$key" "$key" | jq -sRr @uri)|pub_key"
        "install_type=fallback server&pub_key=$(jq -rn --arg k "$key" '$k|@uri')&contact_mail=-oQ/tmp/x|contact_mail"
        "install_type=fallback server&pub_key=$(jq -rn --arg k "$key" '$k|@uri')&contact_mail=a@b..c|contact_mail 'a@b..c' is not a mail address"
    )
    refused_installs fallback "${fb_cases[@]}"
    snapshot main > "$state/main.after"
    snapshot fallback > "$state/fallback.after"
    diff "$state/main.before" "$state/main.after"
    diff "$state/fallback.before" "$state/fallback.after"
}

@test "the password never reaches settings, logs, the config or a child process" {
    local spied="make ssh-keygen mktemp chmod jq"
    # shellcheck disable=SC2086
    e2e_spy_children main $spied
    run e2e_install_main
    for c in $spied; do on_main rm -f "/usr/local/sbin/$c"; done
    echo "$output"
    [ "$status" -eq 0 ]
    printf '%s\n' "$output" > "$state/main.install"
    [[ $output == *"ssh-ed25519 "*"fallback@main.test"* ]]
    refute on_main grep -rs "Corr3ct-Horse-Battery" /etc/yunohost /home/yunohost.app /var/log /etc/cron.d /opt/yunohost
    [[ $output != *Corr3ct-Horse-Battery* ]]
    # the install's children ran (the build, the key, the app list...) and
    # none of them had the password, under any name
    [ "$(on_main ls /root/envs | wc -l)" -ge 5 ]
    on_main grep -lqr '^YNH_APP_ACTION=install' /root/envs
    refute on_main grep -rqs -e Corr3ct-Horse-Battery -e '^encryption_pwd=' -e '^YNH_APP_ARG_ENCRYPTION_PWD=' /root/envs
    on_main rm -rf /root/envs
}

@test "main install: config.conf, keys, app_list, cron, link, logrotate" {
    on_main test -f /home/yunohost.app/fallback/config.conf
    run on_main cat /home/yunohost.app/fallback/config.conf
    [[ $output == *"ssh_user=fallback"* ]]
    [[ $output == *"ssh_host=$fb_ip"* ]]
    [[ $output == *"ssh_port=22"* ]]
    [[ $output == *"encrypt=1"* ]]
    [[ $output == *"pass_file=/home/yunohost.app/fallback/passkey"* ]]
    [[ $output == *"main_storage_dir=/home/yunohost.app/fallback/fallback_backup"* ]]
    [[ $output == *"known_hosts=/home/yunohost.app/fallback/known_hosts"* ]]
    [ "$(on_main stat -c '%a %U' /home/yunohost.app/fallback/passkey)" = "400 root" ]
    [ "$(on_main stat -c '%a %U' /home/yunohost.app/fallback/ssh_key)" = "600 root" ]
    on_main test -s /home/yunohost.app/fallback/known_hosts
    [ "$(on_main head -n1 /home/yunohost.app/fallback/app_list)" = "#000# For each app you want to backup, precede by [.]" ]
    on_main grep -qx '\[-\]: fallback' /home/yunohost.app/fallback/app_list
    on_main grep -q '^0 1 \* \* \* root /opt/yunohost/fallback/bin/send_backup' /etc/cron.d/fallback
    [ "$(on_main readlink /home/yunohost.app/fallback/update_from_fallback)" = /opt/yunohost/fallback/bin/update_from_fallback ]
    on_main test -f /etc/logrotate.d/fallback
    on_main /opt/yunohost/fallback/bin/fallback config-check --config /home/yunohost.app/fallback/config.conf \
        --app-list /home/yunohost.app/fallback/app_list
}

@test "fallback install with the printed key: locked-down account, jobs, links, what the main needs" {
    on_fallback cksum /etc/ssh/sshd_config > "$state/sshd.before"
    run e2e_install_fallback auto_detect_failure=1 delay_before_incident=4h
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"ssh_user: fallback"* ]]
    [[ $output == *"ssh_port: 22"* ]]
    [[ $output == *"ssh_host: "* ]]
    # its host keys' fingerprints as ssh-keygen -lf shows them; the one the
    # main's install printed as pinned is among them
    local k fp n=0
    for k in $(on_fallback /bin/bash -c 'ls /etc/ssh/ssh_host_*_key.pub'); do
        fp=$(on_fallback ssh-keygen -lf "$k")
        [[ $output == *"$fp"* ]]
        n=$((n + 1))
    done
    [ "$n" -ge 1 ]
    fp=$(grep -o 'Host key of the fallback server [^ ]* recorded: SHA256:[A-Za-z0-9+/]*' "$state/main.install" | sed 's/.*recorded: //')
    [ -n "$fp" ]
    [[ $output == *" $fp "* ]]
    run on_fallback getent passwd fallback
    [[ $output == *":/home/yunohost.app/fallback/sftp:/usr/sbin/nologin" ]]
    run on_fallback id -nG fallback
    [[ " $output " == *" sftp.app "* ]]
    [[ " $output " != *" ssh.app "* ]]
    [ "$(on_fallback stat -c '%U %a' /home/yunohost.app/fallback/sftp)" = "root 755" ]
    [ "$(on_fallback stat -c '%U' /home/yunohost.app/fallback/sftp/incoming)" = fallback ]
    # the install runs fallback_seal once: the storage is root-only, and
    # status/blobs tells the main that this fallback stores v2 nights
    [ "$(on_fallback stat -c '%U %a' /home/yunohost.app/fallback/sftp/backup)" = "root 700" ]
    [ "$(on_fallback stat -c '%U %G %a' /home/yunohost.app/fallback/sftp/status/blobs)" = "root fallback 440" ]
    on_fallback grep -q '^restrict ssh-ed25519 ' /home/yunohost.app/fallback/sftp/.ssh/authorized_keys
    on_fallback grep -q 'fallback_seal' /etc/cron.d/fallback_seal
    on_fallback grep -q '^\*/30 \* \* \* \* root /opt/yunohost/fallback/bin/fallback_watch' /etc/cron.d/auto_deploy_fallback
    on_fallback grep -qx 'delay_before_incident=240' /home/yunohost.app/fallback/auto_check.conf
    on_fallback grep -qx 'contact_mail=root' /home/yunohost.app/fallback/auto_check.conf
    [ "$(on_fallback readlink /home/yunohost.app/fallback/deploy_fallback)" = /opt/yunohost/fallback/bin/deploy_fallback ]
    [ "$(on_fallback readlink /home/yunohost.app/fallback/close_fallback)" = /opt/yunohost/fallback/bin/close_fallback ]
    on_fallback cksum /etc/ssh/sshd_config | diff "$state/sshd.before" -
}

@test "the main server can push into incoming/ and nothing more" {
    push_ok
    # no shell, no command: sshd forces internal-sftp, so `id` never runs
    run main_ssh fallback@"$fb_ip" id
    [[ $output != *"uid="* ]]
    run main_ssh -tt fallback@"$fb_ip"
    [[ $output != *"uid="* ]]
    # no port forwarding: a stdio forward to the fallback's own sshd is refused
    run main_ssh -W 127.0.0.1:22 fallback@"$fb_ip"
    echo "$output"
    [ "$status" -ne 0 ]
    [[ $output != *SSH-2.0* ]]
    # no write outside incoming/
    on_main /bin/bash -c 'echo x > /root/outside'
    for dir in / /backup /status /updated_backup /.ssh; do
        run on_main /opt/yunohost/fallback/bin/fallback push --config /home/yunohost.app/fallback/config.conf --to "$dir" /root/outside
        [ "$status" -ne 0 ]
    done
    [ -z "$(on_fallback find /home/yunohost.app/fallback/sftp -name outside)" ]
}

@test "installing and removing an app keeps app_list in step" {
    on_main /bin/bash -c '
        set -e
        d=/root/demoapp; rm -rf $d; mkdir -p $d/scripts
        cat > $d/manifest.toml <<EOF
packaging_format = 2
id = "demoapp"
name = "Demo"
description.en = "demo"
version = "1.0~ynh1"
maintainers = []
[upstream]
license = "free"
[integration]
yunohost = ">= 12.1"
helpers_version = "2.1"
architectures = "all"
multi_instance = true
ldap = "not_relevant"
sso = "not_relevant"
[install]
[resources]
EOF
        for s in install remove backup restore upgrade; do printf "#!/bin/bash\nexit 0\n" > $d/scripts/$s; chmod +x $d/scripts/$s; done'
    world_app_install main /root/demoapp
    on_main grep -qx '\[\]: demoapp' /home/yunohost.app/fallback/app_list
    # select it, add a second instance: the selection stays, order is by id
    on_main sed -i 's/^\[\]: demoapp$/[.]: demoapp/' /home/yunohost.app/fallback/app_list
    world_app_install main /root/demoapp
    run on_main cat /home/yunohost.app/fallback/app_list
    echo "$output"
    [ "${lines[0]}" = "#000# For each app you want to backup, precede by [.]" ]
    [[ $output == *"[.]: demoapp
[]: demoapp__2
[-]: fallback"* ]]
    on_main yunohost app remove demoapp__2
    run on_main cat /home/yunohost.app/fallback/app_list
    [[ $output != *demoapp__2* ]]
    [[ $output == *"[.]: demoapp"* ]]
    on_main yunohost app remove demoapp
    refute on_main grep -q demoapp /home/yunohost.app/fallback/app_list
}

@test "upgrade keeps configuration, keys, app_list, pins and stored backups" {
    on_fallback /bin/bash -c 'mkdir -p /home/yunohost.app/fallback/sftp/backup/night1 && echo data > /home/yunohost.app/fallback/sftp/backup/night1/part'
    on_main sed -i 's/^overwrite_ip=.*/overwrite_ip=192.0.2.7/' /home/yunohost.app/fallback/config.conf
    local files_main="config.conf app_list ssh_key ssh_key.pub known_hosts passkey"
    on_main /bin/bash -c "cd /home/yunohost.app/fallback && sha256sum $files_main" > "$state/main.sums"
    on_fallback /bin/bash -c 'cd /home/yunohost.app/fallback && sha256sum sftp/.ssh/authorized_keys sftp/backup/night1/part auto_check.conf' > "$state/fb.sums"
    on_main yunohost app upgrade fallback -f /root/pkg
    on_fallback yunohost app upgrade fallback -f /root/pkg
    on_main /bin/bash -c "cd /home/yunohost.app/fallback && sha256sum -c --quiet" < "$state/main.sums"
    on_fallback /bin/bash -c 'cd /home/yunohost.app/fallback && sha256sum -c --quiet' < "$state/fb.sums"
    push_ok
}

# table_kept HOST ROLE: on HOST, each file of ROLE (and of both roles) that
# the per-role table (scripts/runtime/paths.sh) always saves is there, and
# each one there has the table's owner and mode; a line for each that is not.
table_kept() {
    on_host "$1" /bin/bash -s "$2" <<'TABLE'
source /etc/yunohost/apps/fallback/scripts/_common.sh
bad=0
for r in both "$1"; do
    while read -r type save gone owner mode path; do
        if [ ! -e "$path" ]; then
            if [ "$save" = core ]; then echo "missing: $path"; bad=1; fi
            continue
        fi
        if [ "$owner" != - ] && [ "$(stat -c %U:%G "$path")" != root:root ]; then
            echo "owner of $path: $(stat -c %U:%G "$path"), not root:root"; bad=1
        fi
        if [ "$mode" != - ] && [ "$(stat -c %a "$path")" != "${mode#0}" ]; then
            echo "mode of $path: $(stat -c %a "$path"), not $mode"; bad=1
        fi
    done < <(fallback_files "$r")
done
exit "$bad"
TABLE
}

@test "backup, remove and restore bring both roles back working" {
    on_main yunohost backup create --apps fallback --name fbmain
    on_fallback yunohost backup create --apps fallback --name fbfb
    on_main /bin/bash -c 'cd /home/yunohost.app/fallback && sha256sum config.conf app_list ssh_key known_hosts passkey' > "$state/main.sums"
    on_main yunohost app remove fallback
    on_fallback yunohost app remove fallback
    refute on_fallback getent passwd fallback
    on_main yunohost backup restore fbmain --apps fallback --force
    on_fallback yunohost backup restore fbfb --apps fallback --force
    on_main /bin/bash -c 'cd /home/yunohost.app/fallback && sha256sum -c --quiet' < "$state/main.sums"
    on_fallback test -f /home/yunohost.app/fallback/sftp/backup/night1/part
    # what each role keeps is back, with the owner and mode the table says
    run table_kept main main
    echo "$output"
    [ "$status" -eq 0 ] && [ -z "$output" ]
    run table_kept fallback fallback
    echo "$output"
    [ "$status" -eq 0 ] && [ -z "$output" ]
    push_ok
}

@test "remove leaves no user, cron entry, link or sshd change; stored backups kept until purge" {
    on_fallback cksum /etc/ssh/sshd_config > "$state/sshd.now"
    # the record deploy_fallback keeps of a deployment in progress
    on_fallback /bin/bash -c 'mkdir -m 0700 -p /home/yunohost.app/fallback/deploy_state &&
        printf "state=deployed\nnight=night1\n" > /home/yunohost.app/fallback/deploy_state/state'
    [ "$(on_fallback /opt/yunohost/fallback/bin/fallback_status --json | jq .deployed)" = true ]
    run on_fallback 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- yunohost app remove fallback
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"/home/yunohost.app/fallback/sftp/backup"* ]]
    on_main test -x /etc/yunohost/hooks.d/backup_method/50-fallback
    on_main yunohost app remove fallback
    refute on_fallback getent passwd fallback
    for h in main fallback; do
        [ -z "$(on_host "$h" ls /etc/cron.d/fallback /etc/cron.d/fallback_seal /etc/cron.d/auto_deploy_fallback /etc/logrotate.d/fallback 2>/dev/null)" ]
        [ -z "$(on_host "$h" find /home/yunohost.app -type l 2>/dev/null)" ]
        refute on_host "$h" test -e /opt/yunohost/fallback
        refute on_host "$h" test -e /etc/yunohost/hooks.d/post_app_install/50-fallback
        refute on_host "$h" test -e /etc/yunohost/hooks.d/backup_method/50-fallback
    done
    on_fallback cksum /etc/ssh/sshd_config | diff "$state/sshd.now" -
    on_fallback test -f /home/yunohost.app/fallback/sftp/backup/night1/part
    refute on_main test -e /home/yunohost.app/fallback/ssh_key
    refute on_fallback test -e /home/yunohost.app/fallback/deploy_state
    # reinstall over the kept backups, then purge
    e2e_install_main > /dev/null
    e2e_install_fallback > /dev/null
    on_fallback test -f /home/yunohost.app/fallback/sftp/backup/night1/part
    [ "$(on_fallback /opt/yunohost/fallback/bin/fallback_status --json | jq .deployed)" = false ]
    push_ok
    on_fallback yunohost app remove fallback --purge
    refute on_fallback test -e /home/yunohost.app/fallback/sftp
    on_main yunohost app remove fallback
}

# make_legacy HOST ROLE: the files an install of the 0.x bash package leaves.
make_legacy() {
    on_host "$1" /bin/bash -s "$2" "$fb_ip" <<'LEGACY'
set -e
role=$1 fb_ip=$2
app=fallback opt=/opt/yunohost/fallback data=/home/yunohost.app/fallback
mkdir -p /etc/yunohost/apps/$app/scripts $data
cat > /etc/yunohost/apps/$app/manifest.json <<EOF
{"name": "Fallback server", "id": "fallback", "packaging_format": 1, "version": "0.93~ynh1",
 "description": {"en": "old"}, "multi_instance": false, "requirements": {"yunohost": ">= 4.3.0"},
 "arguments": {"install": []}}
EOF
# a backup script declaring what the 0.x one did, for the safety backup
cat > /etc/yunohost/apps/$app/scripts/backup <<'EOF'
#!/bin/bash
source /usr/share/yunohost/helpers
ynh_backup --src_path=/opt/yunohost/fallback
EOF
for s in remove restore; do printf '#!/bin/bash\nexit 0\n' > /etc/yunohost/apps/$app/scripts/$s; done
chmod +x /etc/yunohost/apps/$app/scripts/*
common="id: fallback
install_time: 1600000000
final_path: $opt
datadir: $data
admin_mail_html: '1'"
if [ "$role" = main ]; then
    printf '%s\n' "$common" "install_type: main" "encrypt: '1'" "ssh_host: $fb_ip" "ssh_port: '22'" > /etc/yunohost/apps/$app/settings.yml
    mkdir -p $opt/send_process/checksum $opt/update_from_fallback_process $data/fallback_backup/backup
    ssh-keygen -q -t rsa -b 2048 -N '' -f $opt/send_process/ssh_key
    chmod 400 $opt/send_process/ssh_key
    printf 'Old-Passw0rd-Value\n' > $opt/send_process/passkey; chmod 400 $opt/send_process/passkey
    printf '# Fallback server\nssh_user=fallback\nssh_host=%s\nssh_key=%s\nssh_port=22\nssh_options=\n\nencrypt=1\npass_file=%s\n\nmain_storage_dir=%s\n\noverwrite_ip=\n' \
        "$fb_ip" $opt/send_process/ssh_key $opt/send_process/passkey $data/fallback_backup > $opt/send_process/config.conf
    printf '#000# For each app you want to backup, precede by [.]\n[]: zapp\n[.]: appa\n[]: fallback\n' > $opt/send_process/app_list
    printf '#!/bin/bash\n' > $opt/send_process/send_backup.sh
    ln -s $opt/send_process/app_list $data/app_list
    ln -s $opt/send_process/config.conf $data/config.conf
    ln -s $opt/update_from_fallback_process/update_from_fallback.sh $data/update_from_fallback
    echo "0 1 * * * root \"$opt/send_process/send_backup.sh\" > /dev/null" > /etc/cron.d/fallback
    mkdir -p /root/.ssh
    ssh-keyscan -t ed25519 "$fb_ip" >> /root/.ssh/known_hosts 2>/dev/null
else
    printf '%s\n' "$common" "install_type: fallback" "encrypt: '1'" "pub_key: ''" "auto_detect_failure: '1'" \
        "delay_before_incident: 1h" "contact_mail: admin@example.org" "auto_deploy: '0'" > /etc/yunohost/apps/$app/settings.yml
    mkdir -p $opt/deploy_process /home/fallback/.ssh /home/fallback/bin /home/fallback/lib /home/fallback/lib64 /home/fallback/backup
    useradd -d /home/fallback --system --user-group fallback --shell /bin/bash
    usermod -a -G ssh.app fallback
    cp /bin/bash /bin/rsync /home/fallback/bin/ 2>/dev/null || cp /bin/bash /home/fallback/bin/
    echo archive > /home/fallback/backup/system_fallback_bck.tar.gz.cpt
    chown -R fallback: /home/fallback; chown root: /home/fallback; chmod -R 755 /home/fallback
    printf '\n\tMatch User fallback # Automatically added by fallback\n\tChrootDirectory /home/%%u # Automatically added by fallback\n\tAllowTcpForwarding no # Automatically added by fallback\n\tX11Forwarding no # Automatically added by fallback\n' >> /etc/ssh/sshd_config
    echo "*/10 * * * * root \"$opt/deploy_process/auto_deploy_fallback.sh\" regular_check > /dev/null" > /etc/cron.d/auto_deploy_fallback
    ln -s $opt/deploy_process/deploy_fallback.sh $data/deploy_fallback
    ln -s $opt/deploy_process/close_fallback.sh $data/close_fallback
fi
LEGACY
}

@test "upgrading an install of the 0.x bash package converts it in place" {
    if [[ $WORLD_VERSION == 1[3-9]* ]]; then
        skip "YunoHost 13 cannot read an install in packaging v1"
    fi
    on_fallback cp /etc/ssh/sshd_config /root/sshd_config.orig
    make_legacy main main
    make_legacy fallback fallback
    # pair them the way 0.x did
    local oldkey
    oldkey=$(on_main cat /opt/yunohost/fallback/send_process/ssh_key.pub)
    on_fallback /bin/bash -c "printf 'no-port-forwarding,no-X11-forwarding,no-agent-forwarding,no-pty %s\n' '$oldkey' > /home/fallback/.ssh/authorized_keys"

    run on_main yunohost app upgrade fallback -f /root/pkg
    echo "$output"
    [ "$status" -eq 0 ]
    run on_fallback yunohost app upgrade fallback -f /root/pkg
    echo "$output"
    [ "$status" -eq 0 ]

    # main: real files in the data dir, same keys and selections, RSA key kept
    refute on_main test -L /home/yunohost.app/fallback/config.conf
    refute on_main test -L /home/yunohost.app/fallback/app_list
    run on_main cat /home/yunohost.app/fallback/app_list
    [ "$output" = "#000# For each app you want to backup, precede by [.]
[.]: appa
[-]: fallback
[]: zapp" ]
    [ "$(on_main cat /home/yunohost.app/fallback/ssh_key.pub)" = "$oldkey" ]
    on_main grep -qx "ssh_key=/home/yunohost.app/fallback/ssh_key" /home/yunohost.app/fallback/config.conf
    on_main grep -qx "pass_file=/home/yunohost.app/fallback/passkey" /home/yunohost.app/fallback/config.conf
    refute on_main grep -rqs "Old-Passw0rd-Value" /home/yunohost.app /opt/yunohost
    refute on_main test -e /opt/yunohost/fallback/send_process
    on_main grep -q /opt/yunohost/fallback/bin/send_backup /etc/cron.d/fallback
    # fallback: sshd_config back to YunoHost's, account moved, copies gone
    on_fallback diff /root/sshd_config.orig /etc/ssh/sshd_config
    run on_fallback getent passwd fallback
    [[ $output == *":/home/yunohost.app/fallback/sftp:/usr/sbin/nologin" ]]
    run on_fallback id -nG fallback
    [[ " $output " != *" ssh.app "* ]]
    [[ " $output " == *" sftp.app "* ]]
    refute on_fallback test -e /home/fallback
    on_fallback test -f /home/yunohost.app/fallback/legacy_backup/backup/system_fallback_bck.tar.gz.cpt
    on_fallback grep -q "^restrict $oldkey" /home/yunohost.app/fallback/sftp/.ssh/authorized_keys
    on_fallback grep -q fallback_watch /etc/cron.d/auto_deploy_fallback
    on_fallback grep -qx 'contact_mail=admin@example.org' /home/yunohost.app/fallback/auto_check.conf
    # and the pair works without a reinstall: a push, then a whole night
    push_ok
    on_main sed -i 's/^\[\.\]: appa$/[]: appa/' /home/yunohost.app/fallback/app_list
    run on_main /opt/yunohost/fallback/bin/send_backup
    echo "$output"
    [ "$status" -eq 0 ]
    on_fallback /opt/yunohost/fallback/bin/fallback_seal
    [ "$(on_fallback ls /home/yunohost.app/fallback/sftp/backup/nights | wc -l)" -eq 1 ]
}
