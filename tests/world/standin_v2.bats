#!/usr/bin/env bats
# standin_v2.bats - packaging v2 in the YunoHost stand-in, checked against
# the real core (src/app.py, src/utils/resources.py, helpers.v2.1.d; see
# shared/spec/yunohost-real-vs-standin.md C3/C4 and packaging-v2.md): which
# manifest is read, the install form, settings and env of v2 scripts, the
# helpers 2.1 subset, resources (and the traps they set on a v1 -> v2
# upgrade), the core's safety backup around a v2 upgrade, and 13.x.

bats_require_minimum_version 1.5.0

# Functions and constants only: bats runs this before setup_file and before each test.
# shellcheck source-path=SCRIPTDIR source=world.bash
source "$BATS_TEST_DIRNAME/world.bash"

setup_file() {
    [ "$(id -u)" -eq 0 ] || skip "needs root (namespaces)"
    world_up
}

teardown_file() {
    world_down
}

setup() {
    APPS=$BATS_TEST_DIRNAME/apps
    PW=Str0ng-Test-Passphrase
}

m() { on_main "$@"; }
mb() { on_main /bin/bash -c "$1"; }

# mkpkg DIR ID FORMAT [RESOURCES_TOML]: a small package in main's DIR.
# FORMAT 1: manifest.json only (its install creates the user APP in
# sftp.app with home /home/yunohost.app/APP and final_path
# /opt/yunohost/APP, as a v1 package does by hand); FORMAT 2: manifest.toml
# (helpers 2.1) with the given [resources] body; its scripts record $app's
# environment in /root/ID.<action>.env.
mkpkg() {
    local dir=$1 id=$2 fmt=$3 res=${4:-}
    mb "rm -rf $dir && mkdir -p $dir/scripts"
    if [ "$fmt" = 1 ]; then
        mb "cat > $dir/manifest.json" <<EOF
{"id": "$id", "name": "$id", "packaging_format": 1, "version": "1.0~ynh1",
 "description": {"en": "test"}, "multi_instance": false,
 "arguments": {"install": [{"name": "color", "type": "string", "default": "blue"}]}}
EOF
        mb "cat > $dir/scripts/install" <<'EOF'
#!/bin/bash
source /usr/share/yunohost/helpers
ynh_abort_if_errors
app=$YNH_APP_INSTANCE_NAME
ynh_system_user_create --username="$app" --home_dir="/home/yunohost.app/$app" --groups=sftp.app
mkdir -p "/opt/yunohost/$app" "/home/yunohost.app/$app/files"
ynh_app_setting_set --app="$app" --key=final_path --value="/opt/yunohost/$app"
echo v1 > "/opt/yunohost/$app/version"
EOF
        mb "printf '#!/bin/bash\ntrue\n' > $dir/scripts/remove"
    else
        mb "cat > $dir/manifest.toml" <<EOF
packaging_format = 2
id = "$id"
name = "$id"
description.en = "test"
version = "2.0~ynh1"
maintainers = ["tests"]
[upstream]
license = "MIT"
[integration]
yunohost = ">= 12.1"
helpers_version = "2.1"
architectures = "all"
multi_instance = false
ldap = "not_relevant"
sso = "not_relevant"
[install]
[resources]
$res
EOF
        local s
        for s in install upgrade remove; do
            mb "cat > $dir/scripts/$s" <<EOF
#!/bin/bash
source /usr/share/yunohost/helpers
env | sort > /root/$id.$s.env
EOF
        done
    fi
    mb "printf '#!/bin/bash\ntrue\n' > $dir/scripts/backup && cp $dir/scripts/backup $dir/scripts/restore"
    mb "chmod +x $dir/scripts/*"
}

# passwd_line USER: the user's /etc/passwd line on main ("" if none)
passwd_line() { m getent passwd "$1" || true; }

@test "a package with manifest.toml and manifest.json is a v2 package (toml first)" {
    mkpkg /root/dual dual 2 '[resources.system_user]'
    mb 'cat > /root/dual/manifest.json' <<'EOF'
{"id": "dual", "name": "dual", "packaging_format": 1, "version": "1.0~ynh1",
 "description": {"en": "v1"}, "multi_instance": false, "arguments": {"install": []}}
EOF
    world_app_install main /root/dual > /dev/null
    run m grep -E '^(YNH_APP_PACKAGING_FORMAT|YNH_HELPERS_VERSION|YNH_APP_MANIFEST_VERSION|app)=' /root/dual.install.env
    [ "${lines[*]}" = "YNH_APP_MANIFEST_VERSION=2.0~ynh1 YNH_APP_PACKAGING_FORMAT=2.0 YNH_HELPERS_VERSION=2.1 app=dual" ]
    # the v2 resource ran: the system user exists
    [ -n "$(passwd_line dual)" ]
    m yunohost app remove dual > /dev/null
    [ -z "$(passwd_line dual)" ]
}

@test "v2 install: answers become settings but passwords; \$secret and YNH_APP_ARG_SECRET reach the script" {
    world_app_install main "$APPS/v2app" -a "secret=$PW&mode=big&verbose=yes" > /dev/null
    run m cat /etc/yunohost/apps/v2app/settings.yml
    echo "$output"
    [[ "$output" == *"mode: big"* ]]
    [[ "$output" == *"greeting: hello"* ]]
    [[ "$output" == *"verbose: 1"* ]]
    [[ "$output" == *"size: null"* ]]
    [[ "$output" == *"secret_len: '22'"* ]]
    run m grep -rl "$PW" /etc/yunohost/apps/v2app /opt/yunohost/v2app
    [ "$status" -eq 1 ]
    run m cat /opt/yunohost/v2app/install.env
    [ "${lines[0]}" = "app=v2app mode=big greeting=hello verbose=1 size=None" ]
    [ "${lines[1]}" = "install_dir=/opt/yunohost/v2app data_dir=/home/yunohost.app/v2app" ]
    [ "${lines[2]}" = "helpers=2.1 format=2.0" ]
    [ "${lines[3]}" = "secret=given" ]
    m yunohost app remove v2app --purge > /dev/null
}

@test "install form: choices table, booleans, numbers; third-party needs --force; password strength" {
    run world_app_install main "$APPS/v2app" -a "secret=$PW&mode=huge"
    [ "$status" -eq 1 ]
    [ "$output" = "Pick a valid value for argument 'mode': 'huge' is not among the available choices (small, big)" ]
    run world_app_install main "$APPS/v2app" -a "secret=$PW&size=ten"
    [ "$output" = "Pick a valid value for the argument 'size': not a number" ]
    run m yunohost app install "$APPS/v2app" -a "secret=$PW"
    [ "$status" -eq 1 ]
    [ "$output" = "Not a tty, can't do interactive prompts" ]
    run world_app_install main "$APPS/v2app" -a "secret=short7"
    [ "$output" = "The password needs to be at least 8 characters long" ]
    run world_app_install main "$APPS/v2app" -a "secret=password1"
    [ "$output" = "This password is among the most used passwords in the world. Please choose something more unique." ]
    run world_app_install main "$APPS/v2app" -a "secret=yunohost"
    [[ "$output" == "This password is among the most used"* ]]
    # an app may not take the name of a YunoHost user
    mkpkg /root/alice alice 2
    run world_app_install main /root/alice
    [ "$output" = "There is already a YunoHost user called alice ..." ]
    run world_app_install main "$APPS/v2app" -a "secret=Str0ng{Pass}word"
    [ "$output" = "Sorry, passwords can not contain the following characters: {}" ]
    # a stricter user_strength setting raises the bar
    mb "cp /etc/yunohost/settings.yml /root/settings.bak && echo 'user_strength: 2' >> /etc/yunohost/settings.yml"
    run world_app_install main "$APPS/v2app" -a "secret=alllowercase"
    mb "mv /root/settings.bak /etc/yunohost/settings.yml"
    [ "$output" = "The password needs to be at least 8 characters long and contain a digit, upper and lower characters" ]
    run ! m test -e /etc/yunohost/apps/v2app
    [ -z "$(passwd_line v2app)" ]
}

@test "v2 scripts get every setting as a variable; v1 scripts do not" {
    mkpkg /root/envv2 envv2 2
    world_app_install main /root/envv2 > /dev/null
    m yunohost app setting envv2 colour -v green
    m yunohost app setting envv2 checksum__etc_x -v abc
    m yunohost app upgrade envv2 -f /root/envv2 > /dev/null
    run m grep -E '^(colour|checksum__etc_x|app|id|install_time)=' /root/envv2.upgrade.env
    [ "${lines[0]}" = "app=envv2" ]
    [ "${lines[1]}" = "colour=green" ]
    [ "${lines[2]}" = "id=envv2" ]
    [[ "${lines[3]}" == install_time=* ]]
    [ "${#lines[@]}" -eq 4 ]
    m yunohost app remove envv2 > /dev/null
    m yunohost backup delete envv2-pre-upgrade1 > /dev/null
    run m grep -c '^colour=' /root/envv2.remove.env
    [ "$output" = 1 ]
    # a v1 script: no settings in its environment
    mkpkg /root/envv1 envv1 1
    mb 'echo "env | sort > /root/envv1.install.env" >> /root/envv1/scripts/install'
    world_app_install main /root/envv1 > /dev/null
    run m grep -cE '^(app|id|final_path)=' /root/envv1.install.env
    [ "$output" = 0 ]
    m yunohost app remove envv1 > /dev/null
    m deluser envv1 > /dev/null
}

# h21 'code': run code in a helpers-2.1 script context of the installed app
# v2app (as the core runs an app script: YNH_STDINFO open, settings set).
h21() {
    mb "exec 7>/dev/null; export BASH_XTRACEFD=7; cd /root && export app=v2app YNH_HELPERS_VERSION=2.1 YNH_APP_ACTION=install \
        YNH_APP_BASEDIR=/etc/yunohost/apps/v2app YNH_STDINFO=1 \
        install_dir=/opt/yunohost/v2app data_dir=/home/yunohost.app/v2app
        source /usr/share/yunohost/helpers
        $1"
}

@test "helpers 2.1: positional calls, errexit on source, ynh_die, settings with --key only" {
    world_app_install main "$APPS/v2app" -a "secret=$PW" > /dev/null
    run h21 'ynh_app_setting_set color blue'
    [ "$status" -eq 1 ]
    [ "$output" = "It looks like you called the helper using positional arguments instead of keyword arguments ?" ]
    run h21 'ynh_app_setting_set --key=color --value=blue; ynh_app_setting_get --key=color
        ynh_app_setting_delete --key=color; echo "[$(ynh_app_setting_get --key=color)]"'
    [ "$status" -eq 0 ]
    [ "${lines[*]}" = "blue []" ]
    # sourcing the 2.1 helpers arms errexit and nounset (not for remove)
    run h21 'false; echo survived'
    [ "$status" -eq 1 ]
    [[ "$output" != *survived* ]]
    run h21 'echo "$nosuchvar"'
    [ "$status" -eq 1 ]
    run mb 'export YNH_HELPERS_VERSION=2.1 YNH_APP_ACTION=remove YNH_STDINFO=1 app=v2app
        source /usr/share/yunohost/helpers; false; echo survived'
    [ "$output" = survived ]
    run h21 'ynh_die "the reason"; echo not here'
    [ "$status" -eq 1 ]
    [ "$output" = "the reason" ]
    run h21 'ynh_print_warn "careful" 2>&1; ynh_print_info "noted"'
    [ "${lines[*]}" = "careful noted" ]
    run h21 'ynh_user_exists --username=alice'
    [ "$status" -ne 0 ]
    [[ "$output" == *"ynh_user_exists: command not found"* ]]
    run h21 'ynh_system_user_exists --username=v2app && echo yes'
    [ "$output" = yes ]
}

@test "helpers 2.1: xtrace forced on by ynh_script_progression and ynh_safe_rm; forbidden paths" {
    run h21 'set +x; ynh_script_progression "step one" > /dev/null; [[ $- == *x* ]] && echo traced'
    [ "${lines[-1]}" = traced ]
    run h21 'set +x; ynh_safe_rm /tmp/nothing-here > /dev/null; [[ $- == *x* ]] && echo traced'
    [ "${lines[-1]}" = traced ]
    run h21 'set +x; ynh_app_setting_get --key=mode; [[ $- == *x* ]] || echo quiet'
    [ "${lines[*]}" = "small quiet" ]
    local p
    for p in / /etc /var/www /home/yunohost.app /usr/share /etc/yunohost/apps /opt/yunohost /etc/cron.d; do
        run h21 "ynh_safe_rm $p 2>&1"
        echo "$p: $output"
        [ "$output" = "Not deleting '$p' because it is not an acceptable path to delete." ]
        m test -e "$p"
    done
    # a dangling symlink is removed; a missing path is only reported
    m ln -s /nowhere /root/dangling
    h21 'ynh_safe_rm /root/dangling'
    run ! m test -L /root/dangling
    run h21 'ynh_safe_rm /root/absent 2>&1'
    [ "$output" = "'/root/absent' wasn't deleted because it doesn't exist." ]
}

@test "helpers 2.1: config_add, replace, logrotate, versions, mktemp, hide_warnings, exec_as_app" {
    m mkdir -p /etc/yunohost/apps/v2app/conf
    mb 'printf "name=__APP__ dir=__INSTALL_DIR__ g=__GREETING__\n" > /etc/yunohost/apps/v2app/conf/t.conf'
    h21 'greeting=hi ynh_config_add --template=t.conf --destination=/opt/yunohost/v2app/t.conf'
    [ "$(m cat /opt/yunohost/v2app/t.conf)" = "name=v2app dir=/opt/yunohost/v2app g=hi" ]
    [ "$(m stat -c '%U %a' /opt/yunohost/v2app/t.conf)" = "v2app 600" ]
    run m yunohost app setting v2app checksum__opt_yunohost_v2app_t.conf
    [ -n "$output" ]
    run h21 'ynh_config_add --template=t.conf --destination=/opt/yunohost/v2app/u.conf'
    [ "$status" -eq 1 ]
    [[ "$output" == *'Variable $greeting wasn'"'"'t initialized when trying to replace __GREETING__'* ]]
    h21 'ynh_replace --match="g=h." --replace="g=yo" --file=/opt/yunohost/v2app/t.conf
         ynh_replace_regex --match="dir=/opt" --replace="dir=&" --file=/opt/yunohost/v2app/t.conf'
    [ "$(m cat /opt/yunohost/v2app/t.conf)" = "name=v2app dir=&/yunohost/v2app g=yo" ]
    h21 'ynh_config_add_logrotate; ynh_config_add_logrotate /var/log/v2app/extra'
    run m cat /etc/logrotate.d/v2app
    [ "${lines[0]}" = "/var/log/v2app/*.log {" ]
    [[ "$output" == *"/var/log/v2app/extra/*.log {"* ]]
    [ "$(m stat -c '%U:%G %a' /var/log/v2app)" = "v2app:v2app 750" ]
    h21 'ynh_config_remove_logrotate'
    run ! m test -e /etc/logrotate.d/v2app
    run h21 'YNH_APP_CURRENT_VERSION=1.2~ynh3
        ynh_app_upgrading_from_version_before 1.2~ynh4 && echo before
        ynh_app_upgrading_from_version_before 1.2~ynh3 || echo not-before
        ynh_app_upgrading_from_version_before_or_equal_to 1.2~ynh3 && echo equal
        YNH_APP_MANIFEST_VERSION=4.5.6~ynh2 ynh_app_upstream_version'
    [ "${lines[*]}" = "before not-before equal 4.5.6" ]
    run h21 'ynh_app_upgrading_from_version_before 1.2'
    [ "$output" = "Invalid argument for version, should include the ~ynhX prefix" ]
    run h21 'd=$(ynh_smart_mktemp --min_size=1); test -d "$d" && echo "$d"'
    [[ "$output" == /tmp/tmp.* ]]
    run h21 'ynh_in_ci_tests || echo no; PACKAGE_CHECK_EXEC=1 ynh_in_ci_tests && echo yes'
    [ "${lines[*]}" = "no yes" ]
    run mb 'export app=v2app YNH_HELPERS_VERSION=2.1 YNH_STDINFO=1 YNH_APP_ACTION=install
        source /usr/share/yunohost/helpers; ynh_hide_warnings sh -c "echo oops >&2" 2>/dev/null'
    [ "$output" = oops ]
    run h21 'ynh_exec_as_app id -un'
    [ "$output" = v2app ]
    run h21 'ynh_systemctl --service=nosuchsvc --action=restart'
    [ "$status" -eq 1 ]
    [[ "$output" == *"Unit nosuchsvc.service not found."* ]]
}

@test "helpers 2.1: ynh_backup / ynh_restore_everything round trip, with the default permissions" {
    m mkdir -p /home/yunohost.app/v2app/sftp
    mb 'echo data > /home/yunohost.app/v2app/sftp/f; echo bin > /opt/yunohost/v2app/bin'
    m yunohost backup create -n v2rt --apps v2app > /dev/null
    m yunohost app remove v2app --purge > /dev/null
    run ! m test -e /home/yunohost.app/v2app
    m yunohost backup restore v2rt --apps v2app --force > /dev/null
    [ "$(m cat /home/yunohost.app/v2app/sftp/f)" = data ]
    [ "$(m cat /opt/yunohost/v2app/bin)" = bin ]
    # ynh_restore applies _ynh_apply_default_permissions to what it restores:
    # install_dir and data_dir go to the app user (whatever the resources said)
    [ "$(m stat -c '%U:%G %a' /opt/yunohost/v2app)" = "v2app:v2app 750" ]
    [ "$(m stat -c '%U:%G %a' /home/yunohost.app/v2app)" = "v2app:root 750" ]
    m yunohost backup delete v2rt > /dev/null
}

@test "resources on install and remove: user, dirs, apt, permission without tile; data_dir kept unless --purge" {
    m yunohost app remove v2app --purge > /dev/null 2>&1 || true
    world_app_install main "$APPS/v2app" -a "secret=$PW" > /dev/null
    [ "$(passwd_line v2app | cut -d: -f6)" = /home/yunohost.app/v2app/sftp ]
    run m id -nG v2app
    [ "$output" = "v2app sftp.app" ]
    [ "$(m stat -c '%U:%G %a' /opt/yunohost/v2app)" = "root:v2app 750" ]
    [ "$(m stat -c '%U:%G %a' /home/yunohost.app/v2app)" = "root:root 750" ]
    [ "$(m stat -c '%U:%G %a' /home/yunohost.app/v2app/sftp)" = "root:root 750" ]
    [ "$(m yunohost app setting v2app apt_dependencies)" = "bash coreutils" ]
    run m yunohost app setting v2app _permissions --output-as json
    echo "$output" | jq -e '.main.url == null and .main.show_tile == false and .main.allowed == []'
    run m yunohost app info v2app --full --output-as json
    echo "$output" | jq -e '.supports_purge == true'
    m yunohost app remove v2app > /dev/null
    [ -z "$(passwd_line v2app)" ]
    run ! m test -e /opt/yunohost/v2app
    m test -d /home/yunohost.app/v2app/sftp
    world_app_install main "$APPS/v2app" -a "secret=$PW" > /dev/null
    m yunohost app remove v2app --purge > /dev/null
    run ! m test -e /home/yunohost.app/v2app
}

@test "resources: an unknown apt package fails the install like apt, everything rolled back" {
    mkpkg /root/badapt badapt 2 '[resources.system_user]
[resources.install_dir]
[resources.apt]
packages = ["bash", "no-such-package-xyz"]'
    run world_app_install main /root/badapt
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"E: Unable to locate package no-such-package-xyz"* ]]
    [[ "$output" == *"Unable to install dependencies"* ]]
    run ! m test -e /etc/yunohost/apps/badapt
    run ! m test -e /var/www/badapt
    [ -z "$(passwd_line badapt)" ]
}

@test "v2 upgrade: the core's safety backup; a failing upgrade is restored from it; --no-safety-backup" {
    world_app_install main "$APPS/v2app" -a "secret=$PW" > /dev/null
    run m yunohost app upgrade v2app -f "$APPS/v2app"
    [ "$status" -eq 0 ]
    [[ "$output" == *"Creating a safety backup prior to the upgrade"* ]]
    run m yunohost backup list --output-as json
    echo "$output" | jq -e '[.archives[] | select(startswith("v2app"))] == ["v2app-pre-upgrade1"]'
    m touch /opt/yunohost/v2app/marker
    m touch /etc/yunohost/apps/v2app/fail_upgrade
    run m yunohost app upgrade v2app -f "$APPS/v2app"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"Upgrade failed ... attempting to restore the safety backup"* ]]
    [ "${lines[-1]}" = "Failed to upgrade v2app: An error occurred inside the app upgrade script" ]
    [[ "$output" == *"Deprovisioning install_dir..."* ]]
    [[ "$output" == *"Restoration completed"* ]]
    run m yunohost backup list --output-as json
    echo "$output" | jq -e '[.archives[] | select(startswith("v2app"))] == ["v2app-pre-upgrade2"]'
    # the app is back as it was before the failed upgrade: its install_dir
    # (deprovisioned by the remove) restored with the marker made before,
    # without the line this run appended to upgrade.log
    m test -e /opt/yunohost/v2app/marker
    [ "$(m cat /opt/yunohost/v2app/upgrade.log)" = "upgraded from 1.0~ynh1" ]
    [ -n "$(passwd_line v2app)" ]
    m rm -f /etc/yunohost/apps/v2app/fail_upgrade
    run m yunohost app upgrade v2app -f "$APPS/v2app" --no-safety-backup
    [[ "$output" == *"Skipping the creation of a backup prior to the upgrade."* ]]
    run m yunohost backup list --output-as json
    echo "$output" | jq -e '[.archives[] | select(startswith("v2app"))] == ["v2app-pre-upgrade2"]'
    m yunohost backup delete v2app-pre-upgrade2 > /dev/null
    m yunohost app remove v2app --purge > /dev/null
}

@test "C3 trap: v1 -> v2 without [resources.system_user] deletes the app's account" {
    mkpkg /root/trap1 trap1 1
    world_app_install main /root/trap1 > /dev/null
    [ -n "$(passwd_line trap1)" ]
    mkpkg /root/trap1v2 trap1 2 '[resources.install_dir]
dir = "/opt/yunohost/__APP__"
owner = "root:rwx"
group = "root:rx"'
    run m yunohost app upgrade trap1 -f /root/trap1v2
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"Deprovisioning system_user..."* ]]
    [ -z "$(passwd_line trap1)" ]
    run m getent group trap1
    [ "$status" -ne 0 ]
    # the v1 final_path became install_dir, still root's
    [ "$(m yunohost app setting trap1 install_dir)" = /opt/yunohost/trap1 ]
    [ -z "$(m yunohost app setting trap1 final_path)" ]
    [ "$(m cat /opt/yunohost/trap1/version)" = v1 ]
    [ "$(m stat -c '%U:%G %a' /opt/yunohost/trap1)" = "root:root 750" ]
    m yunohost app remove trap1 > /dev/null
    m yunohost backup delete trap1-pre-upgrade1 > /dev/null
}

@test "C3 trap: v1 -> v2 with a default system_user drops sftp.app and moves the home to /var/www" {
    mkpkg /root/trap2 trap2 1
    world_app_install main /root/trap2 > /dev/null
    run m id -nG trap2
    [ "$output" = "trap2 sftp.app" ]
    mkpkg /root/trap2v2 trap2 2 '[resources.system_user]
[resources.install_dir]
dir = "/opt/yunohost/__APP__"'
    m yunohost app upgrade trap2 -f /root/trap2v2 > /dev/null
    run m id -nG trap2
    [ "$output" = trap2 ]
    [ "$(passwd_line trap2 | cut -d: -f6)" = /var/www/trap2 ]
    # install_dir with the default owner: the app user owns it now
    [ "$(m stat -c '%U:%G %a' /opt/yunohost/trap2)" = "trap2:trap2 750" ]
    # declared as the package needs it, the account keeps its SFTP access
    mkpkg /root/trap2ok trap2 2 '[resources.system_user]
allow_sftp = true
home = "/home/yunohost.app/__APP__"
[resources.install_dir]
dir = "/opt/yunohost/__APP__"
owner = "root:rwx"
group = "root:rx"'
    m yunohost app upgrade trap2 -f /root/trap2ok > /dev/null
    run m id -nG trap2
    [ "$output" = "trap2 sftp.app" ]
    [ "$(passwd_line trap2 | cut -d: -f6)" = /home/yunohost.app/trap2 ]
    [ "$(m stat -c '%U:%G %a' /opt/yunohost/trap2)" = "root:root 750" ]
    m yunohost app remove trap2 > /dev/null
    m yunohost backup delete trap2-pre-upgrade2 > /dev/null
}

@test "C3 trap: a default data_dir chowns the SFTP chroot to the app user and sshd refuses the login" {
    world_sftp_account trap3 > /dev/null
    local ip key
    ip=$(world_host_ip fallback)
    key=/root/.ssh/id_trap3
    sftp_ok() {
        on_main bash -c "echo 'ls' | timeout 20 sftp -b - -i $key -o StrictHostKeyChecking=no \
            -o UserKnownHostsFile=/dev/null -o BatchMode=yes trap3@$ip" > /dev/null 2>&1
    }
    sftp_ok
    mkpkg /root/trap3 trap3 2 '[resources.system_user]
allow_sftp = true
home = "/home/yunohost.app/__APP__"
[resources.data_dir]'
    mb 'tar -C /root -cf - trap3' | on_fallback bash -c 'tar -C /root -xf -'
    world_app_install fallback /root/trap3 > /dev/null
    [ "$(on_fallback stat -c '%U:%G %a' /home/yunohost.app/trap3)" = "trap3:trap3 750" ]
    run ! sftp_ok
    run on_fallback grep -c "bad ownership or modes for chroot directory" /var/log/auth.log
    [ "$output" -ge 1 ]
    # with root as owner (as the package must declare it) the login works again
    on_fallback yunohost app remove trap3 > /dev/null
    world_sftp_account trap3 > /dev/null
    sftp_ok
}

@test "13.x: only manifest.toml, packaging v1 refused with the real messages; v2 and helpers 2 apps install" {
    (
        unset WORLD_DIR
        world_up --version 13 > /dev/null
        trap 'world_down' EXIT
        [ "$(on_main cat /usr/share/yunohost/standin-version)" = 13.0.0 ]
        mkpkg /root/old old 1
        run world_app_install main /root/old
        [ "$status" -eq 1 ]
        [ "$output" = "There doesn't seem to be any manifest file in /root/old ... It looks like an app was not correctly installed/removed." ]
        mb "printf 'packaging_format = 1\nid = \"old\"\nversion = \"1.0~ynh1\"\n' > /root/old/manifest.toml"
        run world_app_install main /root/old
        [ "$output" = "Packaging format 1.0 is not supported anymore" ]
        world_app_install main "$APPS/v2app" -a "secret=$PW" > /dev/null
        [ "$(on_main yunohost app setting v2app install_dir)" = /opt/yunohost/v2app ]
        world_app_install main "$APPS/wiki" -a "domain=main.test" > /dev/null
        run on_main yunohost app info wiki --output-as json
        echo "$output" | jq -e '.version == "1.2~ynh1" and .domain_path == "main.test/wiki"'
        run on_main grep -c . /var/log/wiki/wiki.log
        [ "$output" = 1 ]
        run on_main yunohost app list --output-as json
        echo "$output" | jq -e '[.apps[].id] == ["v2app", "wiki"]'
    )
}
