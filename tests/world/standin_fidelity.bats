#!/usr/bin/env bats
# standin_fidelity.bats - the stand-in's fidelity fixes of
# shared/spec/yunohost-real-vs-standin.md section B, each checked against
# what the real core does: restore checks free space (S5), runs regen-conf
# after a system restore (S6), extracts only the selected parts and keeps
# file modes (S4); scripts inherit stdin (S7); hook file names (S13);
# password strength in the panel (S9); system hooks run with the helper set
# the caller's YNH_HELPERS_VERSION selects.

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
}

m() { on_main "$@"; }
mb() { on_main /bin/bash -c "$1"; }

# v1pkg DIR ID INSTALL_BODY: a v1 package whose install runs INSTALL_BODY
# and whose backup/restore save and put back /opt/ID.
v1pkg() {
    mb "rm -rf $1 && mkdir -p $1/scripts"
    mb "cat > $1/manifest.json" <<EOF
{"id": "$2", "name": "$2", "packaging_format": 1, "version": "1.0~ynh1",
 "description": {"en": "test"}, "multi_instance": false, "arguments": {"install": []}}
EOF
    mb "cat > $1/scripts/install" <<EOF
#!/bin/bash
$3
EOF
    mb "printf '#!/bin/bash\nsource /usr/share/yunohost/helpers\nynh_backup --src_path=/opt/$2\n' > $1/scripts/backup"
    mb "printf '#!/bin/bash\nsource /usr/share/yunohost/helpers\nynh_restore_file --origin_path=/opt/$2\n' > $1/scripts/restore"
    mb "printf '#!/bin/bash\nrm -rf /opt/$2\n' > $1/scripts/remove"
    mb "chmod +x $1/scripts/*"
}

@test "restore checks the free space first: not enough, nothing restored" {
    world_app_install main "$APPS/bigdata" -a "size_mb=3&files=1" > /dev/null
    m yunohost backup create -n big --apps bigdata -o /home/out/big > /dev/null
    m yunohost app remove bigdata > /dev/null
    # a 2 MB /home/yunohost.backup (the archive stays reachable by its link)
    mb 'mv /home/yunohost.backup /root/ybk && mkdir /home/yunohost.backup &&
        mount -t tmpfs -o size=2m tmpfs /home/yunohost.backup &&
        cp -a /root/ybk/. /home/yunohost.backup/'
    run m yunohost backup restore big --apps bigdata --force
    mb 'umount /home/yunohost.backup && rmdir /home/yunohost.backup && mv /root/ybk /home/yunohost.backup'
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" =~ ^Not\ enough\ space\ \(space:\ [0-9]+\ B,\ needed\ space:\ [0-9]+\ B,\ security\ margin:\ 104857600\ B\)$ ]]
    run ! m test -e /etc/yunohost/apps/bigdata
    # with room it restores
    m yunohost backup restore big --apps bigdata --force > /dev/null
    m test -e /etc/yunohost/apps/bigdata
    m yunohost app remove bigdata > /dev/null
    m yunohost backup delete big > /dev/null
}

@test "a system restore runs regen-conf: sshd follows the restored SSH port; a hand-edited sshd_config is kept" {
    local ip
    ip=$(world_host_ip main)
    mb 'sed -i "s/^ssh_port: .*/ssh_port: 2222/" /etc/yunohost/settings.yml'
    m yunohost backup create -n port2222 --system conf_ynh_settings > /dev/null
    mb 'sed -i "s/^ssh_port: .*/ssh_port: 22/" /etc/yunohost/settings.yml'
    run m yunohost backup restore port2222 --system conf_ynh_settings --force
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"Configuration file '/etc/ssh/sshd_config' updated"* ]]
    m grep -qx "Port 2222" /etc/ssh/sshd_config
    # sshd re-read it: it now answers on 2222, no longer on 22
    sleep 1
    mb "exec 3<>/dev/tcp/$ip/2222"
    run ! mb "exec 3<>/dev/tcp/$ip/22"
    # an sshd_config edited by hand is left alone, with the real warning
    mb 'sed -i "s/^ssh_port: .*/ssh_port: 22/" /etc/yunohost/settings.yml && /usr/share/yunohost/standin-regen-conf'
    mb "exec 3<>/dev/tcp/$ip/22"
    mb 'echo "# by hand" >> /etc/ssh/sshd_config'
    run m yunohost backup restore port2222 --system conf_ynh_settings --force
    [[ "$output" == *"The configuration file '/etc/ssh/sshd_config' has been manually modified and will not be updated"* ]]
    m grep -qx "Port 22" /etc/ssh/sshd_config
    mb 'sed -i "s/^ssh_port: .*/ssh_port: 22/" /etc/yunohost/settings.yml && sed -i "/^# by hand$/d" /etc/ssh/sshd_config'
    m yunohost backup delete port2222 > /dev/null
}

@test "restore extracts only the selected parts, with their modes (setuid, group-write) kept" {
    v1pkg /root/modes modes 'mkdir -p /opt/modes && echo x > /opt/modes/tool && chmod 4755 /opt/modes/tool
echo y > /opt/modes/shared && chmod 0664 /opt/modes/shared'
    world_app_install main /root/modes > /dev/null
    world_app_install main "$APPS/flaky" > /dev/null
    m yunohost backup create -n sel --apps modes flaky --system data_mail > /dev/null
    m yunohost app remove modes > /dev/null
    # a restore hook of our own lists what the work dir holds at that point
    mb 'mkdir -p /etc/yunohost/hooks.d/restore && cat > /etc/yunohost/hooks.d/restore/99-data_mail <<EOF
#!/bin/bash
cd "\$1" && find . -mindepth 1 -maxdepth 2 | sort > /root/extracted.list
EOF
chmod 700 /etc/yunohost/hooks.d/restore/99-data_mail'
    m yunohost backup restore sel --apps modes --system data_mail --force > /dev/null
    run m cat /root/extracted.list
    echo "$output"
    [[ "$output" == *"./apps/modes"* ]]
    [[ "$output" == *"./data/mail"* ]]
    [[ "$output" == *"./info.json"* ]]
    [[ "$output" != *"./apps/flaky"* ]]
    [[ "$output" != *"./conf"* ]]
    [ "$(m stat -c '%a' /opt/modes/tool)" = 4755 ]
    [ "$(m stat -c '%a' /opt/modes/shared)" = 664 ]
    m rm /etc/yunohost/hooks.d/restore/99-data_mail
    m yunohost app remove modes > /dev/null
    m yunohost app remove flaky > /dev/null
    m yunohost backup delete sel > /dev/null
}

@test "app scripts inherit the command's stdin" {
    v1pkg /root/stdin stdinapp 'read -r line || true; mkdir -p /opt/stdinapp; echo "got[$line]" > /opt/stdinapp/seen'
    echo "piped answer" | world_app_install main /root/stdin > /dev/null
    [ "$(m cat /opt/stdinapp/seen)" = "got[piped answer]" ]
    m yunohost app remove stdinapp > /dev/null
}

@test "hook names: priority and extension as real; removing an app removes every hook ending with its id" {
    v1pkg /root/back back 'mkdir -p /opt/back'
    mb 'mkdir -p /root/back/hooks && printf "#!/bin/bash\necho hooked >> /root/back-hook.log\n" > /root/back/hooks/10-post_app_install.sh'
    mb 'mkdir -p /etc/yunohost/hooks.d/post_app_remove && printf "#!/bin/bash\ntrue\n" > /etc/yunohost/hooks.d/post_app_remove/50-fallback'
    world_app_install main /root/back > /dev/null
    m test -x /etc/yunohost/hooks.d/post_app_install/10-back
    [ "$(m cat /root/back-hook.log)" = hooked ]
    m yunohost app remove back > /dev/null
    run ! m test -e /etc/yunohost/hooks.d/post_app_install/10-back
    # real hook_remove: a suffix match, so another app's hook goes too
    run ! m test -e /etc/yunohost/hooks.d/post_app_remove/50-fallback
}

@test "config panel passwords: the real strength rules and the most-used list" {
    world_app_install main "$APPS/panelapp" > /dev/null
    run m yunohost app action run panelapp main.act.record -a "secret=password1"
    [ "$status" -eq 1 ]
    [[ "$output" == *"This password is among the most used passwords in the world. Please choose something more unique."* ]]
    run m yunohost app action run panelapp main.act.record -a "secret=Unusual-Long-Secret"
    [ "$status" -eq 0 ]
    m yunohost app remove panelapp > /dev/null
}

@test "system hooks run with the caller's helper set: under YNH_HELPERS_VERSION=2.1 they break as on a real server" {
    # a `yunohost backup create` started from a helpers 2.1 script inherits
    # YNH_HELPERS_VERSION: the system hooks (v1 calls) get the 2.1 set
    run mb 'YNH_HELPERS_VERSION=2.1 yunohost backup create -n h21 --system conf_ynh_settings'
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"YNH_APP_ACTION: unbound variable"* ]]
    [ "${lines[-1]}" = "Failed to collect files to be backed up" ]
    # inside an app script (YNH_APP_ACTION set) the 2.1 ynh_backup ignores
    # the destination argument: the files land outside conf/ynh/
    run mb 'YNH_HELPERS_VERSION=2.1 YNH_APP_ACTION=config yunohost backup create -n h21 --system conf_ynh_settings --output-as json --quiet'
    echo "$output" | jq -e '.results.system.conf_ynh_settings == "Success"'
    run m tar tf /home/yunohost.backup/archives/h21.tar
    [[ "$output" == *etc/yunohost/current_host* ]]
    [[ "$output" != *conf/ynh/current_host* ]]
    run mb 'env -u YNH_HELPERS_VERSION yunohost backup create -n h1 --system conf_ynh_settings --output-as json --quiet'
    echo "$output" | jq -e '.results.system.conf_ynh_settings == "Success"'
    run m tar tf /home/yunohost.backup/archives/h1.tar
    [[ "$output" == *conf/ynh/current_host* ]]
    m yunohost backup delete h1 > /dev/null
    m yunohost backup delete h21 > /dev/null
}

@test "backup list names an archive after the file its link resolves to" {
    m yunohost backup create -n linked --system data_mail -o /home/out/linked > /dev/null
    mb 'mkdir -p /home/dec && cp /home/out/linked/linked.tar /home/dec/system.tar &&
        ln -s /home/dec/system.tar /home/yunohost.backup/archives/fallback_deploy-system.tar &&
        ln -s /home/nowhere.tar /home/yunohost.backup/archives/dangling.tar'
    run m yunohost backup list --output-as json
    echo "$output"
    echo "$output" | jq -e '.archives | (index("linked") != null) and (index("system") != null)
        and (index("fallback_deploy-system") == null) and (index("dangling") == null)'
    # the link's own name still works for info and restore
    run m yunohost backup info fallback_deploy-system --output-as json
    echo "$output" | jq -e '.path == "/home/dec/system.tar"'
    mb 'rm -f /home/yunohost.backup/archives/fallback_deploy-system.* /home/yunohost.backup/archives/dangling.tar'
    m yunohost backup delete linked > /dev/null
}
