#!/usr/bin/env bats
# standin.bats - the YunoHost stand-in checked against
# shared/spec/yunohost-facts.md (not against the package): JSON shapes, exit
# codes, messages and their streams, refusals, byte-exact round trips.
# Runs on the two-host world (world.bash); everything happens on "main".

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
# mb 'shell code': run bash code on main
mb() { on_main /bin/bash -c "$1"; }
# tree_sum DIR...: content + owner + mode digest of the files under DIRs
tree_sum() {
    mb "cd / && find $* -printf '%p %u %g %m %s\n' | sort && find $* -type f -exec md5sum {} + | sort"
}
install_app() { # ID [ARGS]
    world_app_install main "$APPS/$1" -a "${2:-}" > /dev/null
}

@test "setup-host: version marker, groups, users, sshd_config as YunoHost renders it" {
    run m cat /usr/share/yunohost/standin-version
    [ "$output" = 12.1.25 ]
    for g in ssh.main sftp.main ssh.app sftp.app admins; do
        m getent group "$g"
    done
    run ! mb '[ -e /usr/share/yunohost/hooks/backup/27-data_xmpp ]'
    run m grep -E '^(AllowGroups|Subsystem|ListenAddress|UsePAM)' /etc/ssh/sshd_config
    [ "${lines[0]}" = "UsePAM yes" ]
    [ "${lines[1]}" = "AllowGroups ssh.main sftp.main ssh.app sftp.app admins root" ]
    [ "${lines[2]}" = "Subsystem sftp internal-sftp" ]
    [ "${#lines[@]}" -eq 3 ]
    run m grep -A7 '^Match Group sftp.app,!ssh.app' /etc/ssh/sshd_config
    [[ "$output" == *"ForceCommand internal-sftp -u 0002"* ]]
    [[ "$output" == *"ChrootDirectory %h"* ]]
    [[ "$output" == *"AllowTcpForwarding no"* ]]
    [[ "$output" == *"PermitTunnel no"* ]]
    m /usr/sbin/sshd -t -f /etc/ssh/sshd_config
    # and running it again changes nothing that matters
    before=$(mb 'md5sum /etc/ssh/sshd_config /var/mail/alice /etc/ldap/standin-db/*')
    m "$BATS_TEST_DIRNAME/standin/setup-host" main main.test > /dev/null
    [ "$before" = "$(mb 'md5sum /etc/ssh/sshd_config /var/mail/alice /etc/ldap/standin-db/*')" ]
}

@test "setup-host refuses the machine's own mount namespace and bad arguments" {
    # inside a private namespace whose / is read-only, so a refusal that
    # did not happen could still not write to the machine
    run unshare -m --propagation private /bin/bash -c \
        'mount -o bind,remount,ro / && exec "$1" main main.test' _ \
        "$BATS_TEST_DIRNAME/standin/setup-host"
    [ "$status" -eq 1 ]
    [[ "$output" == *"no /run/world-host here"* ]]
    # with the world's marker but no private /etc and /home: still refused
    run unshare -m --propagation private /bin/bash -c \
        'mount -o bind,remount,ro / && mount -t tmpfs tmpfs /run && touch /run/world-host &&
         exec "$1" main main.test' _ "$BATS_TEST_DIRNAME/standin/setup-host"
    [ "$status" -eq 1 ]
    [[ "$output" == *"are not private mounts here"* ]]
    run "$BATS_TEST_DIRNAME/standin/setup-host" main
    [ "$status" -eq 2 ]
}

@test "not root: the real message on stderr, exit 1" {
    run m runuser -u nobody -- /usr/local/sbin/yunohost domain list
    [ "$status" -eq 1 ]
    [[ "$output" == *"yunohost command must be run as root or with sudo."* ]]
}

@test "usage errors exit 2, failures exit 1 with the message alone on stderr" {
    run m yunohost backup create --bogus
    [ "$status" -eq 2 ]
    [[ "$output" == *"usage:"* ]]
    run m yunohost backup info
    [ "$status" -eq 2 ]
    run mb 'yunohost backup info nosuch --output-as json 2>/dev/null'
    [ "$status" -eq 1 ]
    [ -z "$output" ]
    run mb 'yunohost backup info nosuch --output-as json 2>&1 >/dev/null'
    [ "$output" = "Unknown local backup archive named 'nosuch'" ]
    run mb 'yunohost --quiet backup info nosuch 2>&1'
    [ "$status" -eq 1 ]
    [ -z "$output" ]
}

@test "domain list, user list, settings get: JSON shapes; global flags anywhere" {
    run m yunohost domain list --output-as json
    [ "$output" = '{"domains": ["main.test"], "main": "main.test"}' ]
    run m yunohost --output-as json domain list
    [ "$output" = '{"domains": ["main.test"], "main": "main.test"}' ]
    run m yunohost domain list
    [ "${lines[0]}" = "domains: main.test" ]
    run m yunohost user list --output-as json
    echo "$output" | jq -e '.users.alice == {"username": "alice", "fullname": "Alice Doe", "mail": "alice@main.test", "mailbox-quota": "0"}'
    run m yunohost settings get security.ssh.ssh_port
    [ "$output" = 22 ]
}

@test "app install: multi-instance id, settings, hooks installed and fired, app list/info shapes" {
    install_app wiki "domain=main.test&path=/wiki"
    install_app wiki "domain=main.test&path=/w2"
    run m yunohost app list --output-as json
    echo "$output" | jq -e '[.apps[].id] == ["wiki", "wiki__2"]'
    echo "$output" | jq -e '.apps[1] == {"id": "wiki__2", "name": "Wiki", "description": "A small wiki (test app)", "version": "1.2~ynh1", "domain_path": "main.test/w2"}'
    run m yunohost app info wiki --output-as json
    [ "$output" = '{"id": "wiki", "name": "Wiki", "description": "A small wiki (test app)", "version": "1.2~ynh1", "domain_path": "main.test/wiki"}' ]
    run m cat /etc/yunohost/apps/wiki__2/settings.yml
    [[ "$output" == *"id: wiki__2"* ]]
    [[ "$output" == *"current_revision: '?'"* ]]
    [[ "$output" =~ install_time:\ [0-9]+ ]]
    m test -x /etc/yunohost/hooks.d/post_app_install/50-wiki__2
    m test -f /etc/yunohost/apps/wiki__2/manifest.json
    m test -f /etc/yunohost/apps/wiki__2/scripts/backup
    run m cat /var/log/wiki-hooks.log
    [ "${lines[0]}" = "post_app_install wiki install main.test" ]
    run m yunohost app info nosuch
    [ "$status" -eq 1 ]
    [ "$output" = $'Could not find nosuch in the list of installed apps: \n - wiki\n - wiki__2' ]
    run m yunohost app list --full --output-as json
    echo "$output" | jq -e '.apps[0].supports_multi_instance == true and .apps[0].settings.path == "/wiki"'
}

@test "app install: the script's environment, cwd, arguments and YNH_STDINFO" {
    pkg=$(world_path main /root/envapp)
    mkdir -p "$pkg/scripts"
    cat > "$pkg/manifest.json" <<'EOF'
{"id": "envapp", "name": "Env", "packaging_format": 1, "version": "1.0~ynh1",
 "description": {"en": "env"}, "multi_instance": false,
 "arguments": {"install": [
   {"name": "flag", "type": "boolean", "default": true},
   {"name": "off", "type": "boolean", "default": false},
   {"name": "text", "type": "string", "optional": true},
   {"name": "count", "type": "number", "optional": true},
   {"name": "required", "type": "string"}]}}
EOF
    cat > "$pkg/scripts/install" <<'EOF'
#!/bin/bash
source /usr/share/yunohost/helpers
{ pwd; env | grep -E '^(YNH_|HOME=|BASH_XTRACEFD=)' | sort; } > /root/envapp.out
ynh_print_info --message="an info line"
echo "a stdout line"
echo "a stderr line" >&2
EOF
    printf '#!/bin/bash\ntrue\n' > "$pkg/scripts/remove"
    run world_app_install main /root/envapp -a "flag=no"
    [ "$status" -eq 1 ]
    [ "$output" = "Argument 'required' is required" ]
    run mb 'yunohost app install /root/envapp --force -a "required=x&text=" 2>/tmp/err'
    [ "$status" -eq 0 ]
    [[ "$output" == *"an info line"* ]]
    [[ "$output" != *"a stdout line"* ]]
    run m cat /tmp/err
    [ "$output" = "a stderr line" ]
    run m cat /root/envapp.out
    [[ "${lines[0]}" == /var/cache/yunohost/app_tmp_work_dirs/app_*/scripts ]]
    [[ "$output" == *"YNH_APP_ARG_FLAG=1"* ]]
    [[ "$output" == *"YNH_APP_ARG_OFF=0"* ]]
    [[ "$output" == *"YNH_APP_ARG_TEXT="* ]]
    [[ "$output" != *"YNH_APP_ARG_COUNT"* ]]
    [[ "$output" == *"YNH_APP_ID=envapp"* ]]
    [[ "$output" == *"YNH_APP_INSTANCE_NAME=envapp"* ]]
    [[ "$output" == *"YNH_APP_INSTANCE_NUMBER=1"* ]]
    [[ "$output" == *"YNH_APP_ACTION=install"* ]]
    [[ "$output" == *"YNH_APP_PACKAGING_FORMAT=1.0"* ]]
    [[ "$output" == *"YNH_HELPERS_VERSION=1"* ]]
    [[ "$output" == *"YNH_CWD=${lines[0]}"* ]]
    [[ "$output" == *"YNH_APP_BASEDIR=${lines[0]%/scripts}"* ]]
    [[ "$output" == *"BASH_XTRACEFD=7"* ]]
    [[ "$output" =~ YNH_STDINFO=[0-9]+ ]]
    [[ "$output" != *"HOME="* ]]
    run world_app_install main /root/envapp -a "required=x"
    [ "$status" -eq 1 ]
    [ "$output" = "envapp is already installed" ]
    m yunohost app remove envapp > /dev/null
}

@test "app install failure: remove script runs, nothing left, exit 1" {
    run world_app_install main "$APPS/flaky" -a "fail_install=yes"
    [ "$status" -eq 1 ]
    [[ "$output" == *"Removing the app after installation failure…"* ]]
    [[ "${lines[-1]}" == "Unable to install flaky: An error occurred inside the app installation script" ]]
    run ! m test -e /etc/yunohost/apps/flaky
    run ! m test -e /var/www/flaky
    m grep -q "removed flaky" /var/log/flaky-removed.log
}

@test "app setting get/set/delete" {
    m yunohost app setting wiki color -v blue
    run m yunohost app setting wiki color
    [ "$output" = blue ]
    run m yunohost app setting wiki color --output-as json
    [ "$output" = '"blue"' ]
    m yunohost app setting wiki color -d
    run m yunohost app setting wiki color
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

@test "backup create: stdout lines, result JSON, .tar + one-line info.json, archive layout" {
    run mb 'yunohost backup create -n full1 --output-as json 2>/dev/null'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "Collecting files to be backed up for wiki…" ]
    [[ "$output" == *$'Creating a backup archive from the collected files…\nThe archive will contain about '*$'B of data.\nBackup created: full1\n{"name": "full1", '* ]]
    json=${lines[-1]}
    echo "$json" | jq -e '.results.system | keys == ["conf_ldap","conf_manually_modified_files","conf_ynh_certs","conf_ynh_settings","data_home","data_mail","data_multimedia"]'
    echo "$json" | jq -e '[.results.system[]] | unique == ["Success"]'
    echo "$json" | jq -e '.results.apps == {"wiki": "Success", "wiki__2": "Success"} and (.size | type) == "number"'
    m test -f /home/yunohost.backup/archives/full1.tar
    run ! m test -e /home/yunohost.backup/tmp/full1
    run m cat /home/yunohost.backup/archives/full1.info.json
    [ "${#lines[@]}" -eq 1 ]
    echo "$output" | jq -e 'keys == ["apps","created_at","description","from_yunohost_version","size","size_details","system"] and .description == "" and .from_yunohost_version == "12.1.25"'
    echo "$output" | jq -e '.system.conf_ldap == ["/usr/share/yunohost/hooks/backup/05-conf_ldap"]'
    run m tar tf /home/yunohost.backup/archives/full1.tar
    for f in info.json backup.csv conf/ldap/ldap.conf "conf/ldap/cn=config.master.ldif" \
        "conf/ldap/dc=yunohost-dc=org.ldif" conf/ynh/current_host conf/ynh/permissions.yml \
        conf/ynh/certs/main.test/crt.pem data/mail/alice data/home/alice/Documents/notes.txt \
        hooks/restore/05-conf_ldap hooks/restore/23-data_mail apps/wiki/settings/settings.yml \
        apps/wiki/settings/manifest.json apps/wiki/backup/var/www/wiki/index.html \
        apps/wiki/backup/pages.list apps/wiki__2/backup/home/yunohost.app/wiki__2/pages/Home.md; do
        printf '%s\n' "${lines[@]}" | grep -qxF "$f" || { echo "missing $f"; false; }
    done
    run mb 'tar xOf /home/yunohost.backup/archives/full1.tar backup.csv'
    [[ "$output" == *'"/var/www/wiki","apps/wiki/backup/var/www/wiki"'* ]]
    [[ "$output" == *'"/var/mail","data/mail"'* ]]
}

@test "backup create: name validation and an existing name" {
    run m yunohost backup create -n 'bad/name'
    [ "$status" -eq 1 ]
    [ "$output" = "Invalid argument 'name': Must be a valid filename with max 30 characters, alphanumeric and -_. characters only" ]
    run m yunohost backup create -n full1 --system conf_ldap
    [ "$status" -eq 1 ]
    [ "$output" = "A backup archive with the name 'full1' already exists." ]
}

@test "backup create: default name; unknown hooks and apps skipped with an error line" {
    run mb 'yunohost backup create --system conf_ldap conf_ssowat --apps nope --output-as json 2>/tmp/err'
    [ "$status" -eq 0 ]
    echo "${lines[-1]}" | jq -e '.results == {"system": {"conf_ssowat": "Skipped", "conf_ldap": "Success"}, "apps": {"nope": "Skipped"}}'
    echo "${lines[-1]}" | jq -e '.name | test("^[0-9]{8}-[0-9]{6}$")'
    run m cat /tmp/err
    [ "${lines[0]}" = "The backup hook 'conf_ssowat' is unknown" ]
    [ "${lines[1]}" = "nope will not be saved" ]
    run m yunohost backup create --system conf_nothing
    [ "$status" -eq 1 ]
    [ "${lines[-1]}" = "Failed to collect files to be backed up" ]
}

@test "backup create: output directory forbidden under /var, /etc, the archives dir" {
    for d in /var/backups/x /etc/x /home/yunohost.backup/archives/x /usr /; do
        run m yunohost backup create -o "$d" --system conf_ldap
        [ "$status" -eq 1 ]
        [[ "$output" == "Pick a different output directory. Backups cannot be created in /bin, /boot, /dev, /etc, /lib, /root, /run, /sbin, /sys, /usr, /var or /home/yunohost.backup/archives sub-folders" ]]
    done
    run m yunohost backup create --methods copy --system conf_ldap
    [ "$status" -eq 1 ]
    [ "$output" = "You must provide an output directory for the backup" ]
}

@test "backup create -o: symlink in archives, leftover tree, listed; delete removes the target" {
    run m yunohost backup create -n outdir1 -o /home/out1 --apps wiki --output-as json --quiet
    [ "$status" -eq 0 ]
    echo "$output" | jq -e '.name == "outdir1"'
    run m readlink /home/yunohost.backup/archives/outdir1.tar
    [ "$output" = /home/out1/outdir1.tar ]
    m test -f /home/yunohost.backup/archives/outdir1.info.json
    for f in info.json backup.csv apps/wiki/settings/settings.yml apps/wiki/backup/pages.list; do
        m test -e "/home/out1/$f"
    done
    run m yunohost backup list --output-as json
    echo "$output" | jq -e '.archives | index("outdir1")'
    run m yunohost backup info outdir1 --output-as json
    echo "$output" | jq -e '.path == "/home/out1/outdir1.tar" and (.created_at | test("\\+00:00$"))'
    run m yunohost backup delete outdir1 --output-as json
    [ "$output" = "Backup deleted: outdir1" ]
    run ! m test -e /home/out1/outdir1.tar
    run ! m test -L /home/yunohost.backup/archives/outdir1.tar
    run ! m test -e /home/yunohost.backup/archives/outdir1.info.json
}

@test "backup create --methods copy: a plain tree, not in backup list; non-empty dir refused" {
    m yunohost backup create -n copy1 -o /home/copy1 --methods copy --system conf_ynh_settings --quiet
    m test -f /home/copy1/info.json
    m test -f /home/copy1/conf/ynh/current_host
    run m cat /home/copy1/conf/ynh/current_host
    [ "$output" = main.test ]
    run m yunohost backup list --output-as json
    echo "$output" | jq -e '.archives | index("copy1") == null'
    run m yunohost backup create -n copy2 -o /home/copy1 --methods copy --system conf_ldap
    [ "$status" -eq 1 ]
    [ "$output" = "You should pick an empty output directory" ]
}

# custom_method NAME NEED_MOUNT_RC: a backup_method hook that records its
# calls, arguments, cwd and what work_dir holds, in /root/NAME.calls.
custom_method() {
    mb "mkdir -p /etc/yunohost/hooks.d/backup_method && cat > /etc/yunohost/hooks.d/backup_method/05-$1 <<'EOS'
#!/bin/bash
log=/root/$1.calls
echo \"\$1|\$2|\$3|\$4|\$5|\$6|\$PWD\" >> \$log
if [ \"\$1\" = backup ]; then
    ls \"\$2\" | tr '\n' ' ' >> \$log; echo >> \$log
    cat \"\$2/backup.csv\" > /root/$1.csv
    [ -e \"\$2/apps/wiki/backup/home/yunohost.app/wiki/pages/Home.md\" ] && echo organized >> \$log
    exit \${FAIL_BACKUP:-0}
fi
exit $2
EOS
chmod 700 /etc/yunohost/hooks.d/backup_method/05-$1"
}

@test "backup create --methods CUSTOM: hook calls, arguments, work_dir, need_mount, failure" {
    custom_method probe 1
    run m yunohost backup create -n cust1 -o /home/cust1 --methods probe --apps wiki -d "a b" --output-as json
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"Could not run script: /etc/yunohost/hooks.d/backup_method/05-probe"* ]]
    run m cat /root/probe.calls
    echo "$output"
    size=$(m python3 -c 'import json; print(json.load(open("/home/cust1/info.json"))["size"])')
    [ "${lines[0]}" = "need_mount|/home/cust1|cust1|/home/cust1|$size|a b|/etc/yunohost/hooks.d/backup_method" ]
    [ "${lines[1]}" = "backup|/home/cust1|cust1|/home/cust1|$size|a b|/etc/yunohost/hooks.d/backup_method" ]
    [ "${lines[2]}" = "apps backup.csv info.json " ]
    [ "${#lines[@]}" -eq 3 ]
    # the CSV maps the sources; the method wrote nothing in the archives folder
    m grep -q '^"/home/yunohost.app/wiki","apps/wiki/backup/home/yunohost.app/wiki"' /root/probe.csv
    m grep -q '^"/home/cust1/backup.csv","backup.csv"' /root/probe.csv
    run m yunohost backup list --output-as json
    echo "$output" | jq -e '.archives | index("cust1") == null'
    # need_mount succeeding: the sources are organized in work_dir during backup, then unmounted
    custom_method mounted 0
    m yunohost backup create -n cust2 --methods mounted --apps wiki --quiet
    run m cat /root/mounted.calls
    [ "${lines[0]%%|*}" = need_mount ]
    [[ "${lines[1]}" == "backup|/home/yunohost.backup/tmp/cust2|cust2|/home/yunohost.backup/archives|"* ]]
    [ "${lines[3]}" = organized ]
    run ! mb 'grep -q /home/yunohost.backup/tmp /proc/mounts'
    m test ! -e /home/yunohost.backup/tmp/cust2
    # a failing backup step fails the run with YunoHost's message
    run m env FAIL_BACKUP=3 yunohost backup create -n cust3 --methods probe --apps wiki
    [ "$status" -eq 1 ]
    [[ "$output" == *"Custom backup method could not get past the 'backup' step"* ]]
    # an unknown method runs nothing and is no error (hook_callback finds no hook)
    m yunohost backup create -n cust4 --methods nosuchmethod --apps wiki --quiet
}

@test "backup list -i, backup info -d: shapes" {
    run m yunohost backup list -i --output-as json
    echo "$output" | jq -e '.archives.full1 | keys == ["created_at","description","path","size"]'
    run m yunohost backup info full1 -d --output-as json
    echo "$output" | jq -e 'keys == ["apps","created_at","description","from_yunohost_version","path","size","system"]'
    echo "$output" | jq -e '.system.data_mail.paths == ["/usr/share/yunohost/hooks/backup/23-data_mail"] and (.system.data_mail.size > 0)'
    echo "$output" | jq -e '.apps.wiki | keys == ["description","name","size","version"]'
}

@test "backup -> app remove -> restore gives the same bytes back (and wiki__2 too)" {
    before=$(tree_sum /var/www/wiki /home/yunohost.app/wiki /var/www/wiki__2 /home/yunohost.app/wiki__2)
    m yunohost app remove wiki > /dev/null
    m yunohost app remove wiki__2 > /dev/null
    run ! m getent passwd wiki__2
    # wiki__2's own hook saw wiki go; its own removal fired nothing more
    run m tail -n1 /var/log/wiki-hooks.log
    [ "$output" = "post_app_remove wiki remove 0" ]
    run m yunohost backup restore full1 --apps wiki wiki__2 --output-as json
    [ "$status" -eq 0 ]
    [ "${lines[-1]}" = '{"system": {}, "apps": {"wiki": "Success", "wiki__2": "Success"}}' ]
    [[ "$output" == *"Restoration completed"* ]]
    [ "$before" = "$(tree_sum /var/www/wiki /home/yunohost.app/wiki /var/www/wiki__2 /home/yunohost.app/wiki__2)" ]
    m test -x /etc/yunohost/hooks.d/post_app_install/50-wiki__2
    run m yunohost app list --output-as json
    echo "$output" | jq -e '[.apps[].id] == ["wiki", "wiki__2"]'
}

@test "bigdata: large folder round trip" {
    install_app bigdata "size_mb=3&files=2"
    run m du -sb /home/yunohost.app/bigdata/blobs
    [ "${output%%[[:space:]]*}" -ge 3000000 ]
    before=$(tree_sum /home/yunohost.app/bigdata)
    m yunohost backup create -n big1 --apps bigdata --quiet
    m yunohost app remove bigdata > /dev/null
    run ! m test -e /home/yunohost.app/bigdata
    m yunohost backup restore big1 --apps bigdata --quiet
    [ "$before" = "$(tree_sum /home/yunohost.app/bigdata)" ]
}

@test "a failing app backup is marked Error while the run succeeds" {
    install_app flaky
    m yunohost app setting flaky fail_backup -v 1
    run mb 'yunohost backup create -n flaky1 --apps flaky wiki --output-as json 2>/tmp/err'
    [ "$status" -eq 0 ]
    echo "${lines[-1]}" | jq -e '.results.apps == {"flaky": "Error", "wiki": "Success"}'
    run m cat /tmp/err
    [[ "$output" == *"backup made to fail"* ]]
    [[ "$output" == *"Failed to collect files to backed up for flaky."* ]]
    run m yunohost backup info flaky1 -d --output-as json
    echo "$output" | jq -e '.apps | keys == ["wiki"]'
    run m yunohost backup create -n flaky2 --apps flaky
    [ "$status" -eq 1 ]
    [ "${lines[-1]}" = "Failed to collect files to be backed up" ]
}

@test "a failing app restore: Error, the app is removed, the run goes on" {
    m yunohost app setting flaky fail_backup -d
    m yunohost app setting flaky fail_restore -v 1
    m yunohost backup create -n flaky3 --apps flaky --quiet
    m yunohost app remove flaky > /dev/null
    run m yunohost backup restore flaky3 --apps flaky --output-as json
    [ "$status" -eq 1 ]
    [ "${lines[-1]}" = "Nothing was restored" ]
    [[ "$output" == *"Could not restore flaky: An error occured inside the app restore script"* ]]
    run ! m test -e /etc/yunohost/apps/flaky
}

@test "restore refusals: installed apps, no --force without a terminal, unknown, too old" {
    run m yunohost backup restore full1 --apps wiki
    [ "$status" -eq 1 ]
    [ "$output" = "The following apps can't be restored because they are already installed: wiki" ]
    run mb 'yunohost backup restore full1 --system conf_ldap < /dev/null 2>&1 | cat'
    [[ "$output" == *"YunoHost is already installed"* ]]
    [[ "$output" == *"Not a tty, can't do interactive prompts"* ]]
    run m yunohost backup restore full1 --system conf_ldap
    [ "$status" -eq 1 ]
    run m yunohost backup restore nosuch --force
    [ "$status" -eq 1 ]
    [ "$output" = "Unknown local backup archive named 'nosuch'" ]
    mb 'cd /home/yunohost.backup/archives && cp full1.tar old1.tar &&
        jq -c ".from_yunohost_version = \"4.1.7\"" full1.info.json > old1.info.json'
    run m yunohost backup restore old1 --apps wiki --force
    [ "$status" -eq 1 ]
    [ "$output" = "This backup archive can not be restored because it comes from a too-old YunoHost version." ]
    m yunohost backup delete old1 > /dev/null
}

@test "system restore with --force puts back mail, homes, settings, LDAP byte for byte" {
    files="/var/mail/alice /home/alice /etc/yunohost/current_host /etc/ldap/standin-db /etc/yunohost/certs"
    before=$(tree_sum $files)
    mb 'echo lost >> /var/mail/alice; rm -r /home/alice/Documents; echo x > /etc/yunohost/current_host
        echo garbage > "/etc/ldap/standin-db/base.ldif"; rm -r /etc/yunohost/certs/main.test'
    run m yunohost backup restore full1 --system --force --output-as json
    [ "$status" -eq 0 ]
    echo "${lines[-1]}" | jq -e '.apps == {} and ([.system[]] | unique) == ["Success"]'
    [ "$before" = "$(tree_sum $files)" ]
    # as the real hook does, data_mail hands /var/mail to vmail
    run m stat -c %U /var/mail
    [ "$output" = vmail ]
}

@test "a manually modified sshd_config is saved by conf_manually_modified_files" {
    mb 'echo "# edited by hand" >> /etc/ssh/sshd_config'
    m yunohost backup create -n mmf1 --system conf_manually_modified_files --quiet
    run m tar tf /home/yunohost.backup/archives/mmf1.tar
    printf '%s\n' "${lines[@]}" | grep -qx 'conf/manually_modified_files/etc/ssh/sshd_config'
}

@test "app upgrade (v2 wiki): the core's safety backup, restored on failure" {
    m yunohost app upgrade wiki -f "$APPS/wiki" > /dev/null
    run m yunohost backup list --output-as json
    echo "$output" | jq -e '.archives | index("wiki-pre-upgrade1")'
    m grep -q "upgraded to 1.2~ynh1" /var/www/wiki/index.html
    before=$(tree_sum /var/www/wiki)
    m touch /etc/yunohost/apps/wiki/fail_upgrade
    run m yunohost app upgrade wiki -f "$APPS/wiki"
    [ "$status" -eq 1 ]
    [[ "$output" == *"Upgrade failed ... attempting to restore the safety backup"* ]]
    [ "$before" = "$(tree_sum /var/www/wiki)" ]
    run m yunohost backup list --output-as json
    echo "$output" | jq -e '.archives | index("wiki-pre-upgrade2") and (index("wiki-pre-upgrade1") == null)'
    m rm /etc/yunohost/apps/wiki/fail_upgrade
    m yunohost backup delete wiki-pre-upgrade2 > /dev/null
}

@test "app upgrade (v1 wiki): its own safety backup from inside the locked run, restored on failure" {
    mb 'rm -rf /root/wiki1 && cp -a '"$APPS"'/wiki /root/wiki1 && rm /root/wiki1/manifest.toml'
    m yunohost app upgrade wiki -f /root/wiki1 > /dev/null
    run m yunohost app info wiki --full --output-as json
    echo "$output" | jq -e '.manifest.packaging_format == 1'
    run m yunohost backup list --output-as json
    echo "$output" | jq -e '.archives | index("wiki-pre-upgrade1")'
    before=$(tree_sum /var/www/wiki)
    m touch /etc/yunohost/apps/wiki/fail_upgrade
    run m yunohost app upgrade wiki -f /root/wiki1
    [ "$status" -eq 1 ]
    [[ "$output" == *"The app was restored to the way it was before the failed upgrade."* ]]
    [ "$before" = "$(tree_sum /var/www/wiki)" ]
    run m yunohost backup list --output-as json
    echo "$output" | jq -e '.archives | index("wiki-pre-upgrade2") and (index("wiki-pre-upgrade1") == null)'
    m rm /etc/yunohost/apps/wiki/fail_upgrade
    # back to the v2 wiki (a v1 -> v2 upgrade would deprovision its user)
    m yunohost app remove wiki > /dev/null
    install_app wiki "domain=main.test&path=/wiki"
}

@test "helpers: getopts forms, legacy order, multiple values, flags, bad option" {
    run mb 'source /usr/share/yunohost/helpers
        f() { local legacy_args=abc; local -A args_array=([a]=alpha= [b]=beta= [c]=flag)
              local alpha beta flag; ynh_handle_getopts_args "$@"; echo "$alpha|$beta|$flag"; }
        f --alpha=1 --beta two words; f -a x -c; f p q; f --alpha "a b"; ( f --nope ) 2>&1 || echo rc=$?'
    [ "${lines[0]}" = "1|two;words|" ]
    [ "${lines[1]}" = "x||1" ]
    [ "${lines[2]}" = "p|q|" ]
    [ "${lines[3]}" = "a b||" ]
    [ "${lines[4]}" = "Invalid argument: --nope" ]
    [ "${lines[5]}" = "rc=1" ]
    run mb 'YNH_HELPERS_VERSION=3 source /usr/share/yunohost/helpers'
    [ "$status" -eq 1 ]
    [ "$output" = "Helpers are not available in version '3'." ]
}

@test "helpers: ynh_script_progression and ynh_secure_remove leave xtrace on; secure_remove's refusals" {
    v1() { mb "exec 7>/dev/null; export BASH_XTRACEFD=7 YNH_STDINFO=1; app=wiki; source /usr/share/yunohost/helpers; $1"; }
    run v1 'set +x; ynh_script_progression --message=step > /dev/null; [[ $- == *x* ]] && echo traced'
    [ "${lines[-1]}" = traced ]
    run v1 'set +x; ynh_secure_remove --file=/tmp/none > /dev/null; [[ $- == *x* ]] && echo traced'
    [ "${lines[-1]}" = traced ]
    run v1 'set +x; ynh_app_setting_get --app=wiki --key=domain; [[ $- == *x* ]] || echo quiet'
    [ "${lines[*]}" = "main.test quiet" ]
    local p
    for p in / /etc /srv /var/www /home/yunohost.app /usr/share /etc/yunohost/apps /etc/cron.d; do
        run v1 "ynh_secure_remove --file=$p 2>&1"
        echo "$p: $output"
        [ "$output" = "Not deleting '$p' because it is not an acceptable path to delete." ]
    done
    # a dangling symlink is not removed by the v1 helper (it "doesn't exist")
    m ln -sfn /nowhere /root/dangling
    run v1 'ynh_secure_remove --file=/root/dangling'
    [ "$output" = "'/root/dangling' wasn't deleted because it doesn't exist." ]
    m test -L /root/dangling
    m rm /root/dangling
}

@test "helpers: ynh_install_app_dependencies needs the packages on the machine" {
    run mb 'app=wiki; source /usr/share/yunohost/helpers
        ynh_install_app_dependencies no-such-package-xyz'
    [ "$status" -eq 1 ]
    [ "$output" = "Unable to install dependencies" ]
    run m yunohost app setting wiki apt_dependencies
    [ "$output" = "bash coreutils" ]
}

@test "helpers: ynh_systemd_action reloads the host's sshd, refuses a service it does not have" {
    pid=$(m cat /run/sshd.pid)
    mb 'app=wiki; source /usr/share/yunohost/helpers; ynh_systemd_action --service_name=ssh --action=reload'
    # sshd re-executes itself on SIGHUP: same pid, still listening
    [ "$(m cat /run/sshd.pid)" = "$pid" ]
    m kill -0 "$pid"
    mb "exec 3<>/dev/tcp/$(world_host_ip main)/22"
    run mb 'app=wiki; source /usr/share/yunohost/helpers; ynh_systemd_action --service_name=nosuchsvc --action=reload'
    [ "$status" -eq 1 ]
    [[ "$output" == *"Unit nosuchsvc.service not found."* ]]
}

@test "11.x: app info without id, data_xmpp, its own messages" {
    (
        unset WORLD_DIR
        world_up --version 11 > /dev/null
        trap 'world_down' EXIT
        world_app_install main "$APPS/flaky" > /dev/null
        run on_main yunohost app info flaky --output-as json
        [ "$output" = '{"description": "An app whose scripts can be told to fail (test app)", "name": "Flaky", "version": "3.0~ynh1"}' ]
        run on_main yunohost app list --output-as json
        echo "$output" | jq -e '.apps[0] | keys_unsorted == ["description","name","version","id"]'
        run on_main yunohost app info nosuch
        [ "$output" = $'Could not find nosuch in the list of installed apps: \n * flaky' ]
        run on_main yunohost backup create -n x11 --system data_xmpp conf_ldap --output-as json --quiet
        echo "$output" | jq -e '.results.system == {"data_xmpp": "Success", "conf_ldap": "Success"}' ||
            echo "$output" | jq -e '.results.system == {"conf_ldap": "Success", "data_xmpp": "Success"}'
        run on_main tar tf /home/yunohost.backup/archives/x11.tar
        printf '%s\n' "${lines[@]}" | grep -q '^data/xmpp/var_lib_metronome/'
        run on_main yunohost backup create --system nothing
        [ "${lines[-1]}" = "Nothing to save" ]
        run on_main tar xOf /home/yunohost.backup/archives/x11.tar info.json
        echo "$output" | jq -e '.from_yunohost_version == "11.3.0.2"'
    )
}
