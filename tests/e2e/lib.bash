# shellcheck shell=bash
# The set-up the end-to-end suites (tests/e2e/*.bats) and tests/demo share:
# the package installed on both hosts of the two-host world the way an admin
# does it, sample apps, and one capture of what would be mailed.
# Sourcing it sources tests/world/world.bash too (see tests/world/README.md).
# Both only define functions and constants, so a suite sources lib.bash once,
# at its top level (bats runs that before setup_file and before each test);
# e2e_up exports the world's variables from setup_file to the tests.
#
#   e2e_up [world_up args]         world_up, its variables exported for the tests
#   e2e_copy_package HOST...       the package's tracked files into HOST:/root/pkg
#   e2e_install_main [K=V...]      role "main server" on main (prints what the install says)
#   e2e_install_fallback [K=V...]  role "fallback server" on fallback with main's public key
#   e2e_pair [K=V...]              both, quietly; the K=V go to the fallback's install
#   e2e_install_app HOST APP [ARGS]  one sample app of tests/world/apps, quietly
#   e2e_install_sample_apps APP... sample apps on main with their usual arguments
#   e2e_select_apps ID...          select the apps in main's app_list ([.])
#   e2e_night                      one night: send_backup on main, fallback_seal on fallback
#   e2e_repository_format N        repository_format=N in main's config.conf (default 2)
#   e2e_latest_parts               the parts of the fallback's newest night, "KIND ID" a line, sorted
#   e2e_capture_mail HOST...       what would be mailed is kept, one file a mail
#   e2e_mails HOST, e2e_last_mail HOST   the captured mails, oldest first / the newest
#
# E2E_PW is the encryption password of the main's install, by default
# Corr3ct-Horse-Battery, the password the suites (their PW) decrypt with.

# shellcheck source-path=SCRIPTDIR source=../world/world.bash
source "$(dirname "${BASH_SOURCE[0]}")/../world/world.bash"

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_DATA=/home/yunohost.app/fallback
E2E_BIN=/opt/yunohost/fallback/bin
E2E_CAPTURED=/var/spool/captured-mail
: "${E2E_PW:=Corr3ct-Horse-Battery}"

e2e_up() {
    world_up "$@" || return 1
    export WORLD_DIR WORLD_ID WORLD_VERSION WORLD_SRC WORLD_ROOT
}

# e2e_copy_package HOST...: the package as YunoHost gets it, the tracked
# files of the tree, in /root/pkg of each host.
e2e_copy_package() {
    local h
    for h in "$@"; do
        (cd "$WORLD_SRC" && git ls-files -z -- manifest.toml manifest.json LICENSE Makefile scripts conf hooks doc \
            helpers-src config_panel.toml | tar --null -T - -cf -) |
            on_host "$h" /bin/bash -c 'rm -rf /root/pkg && mkdir /root/pkg && tar -xf - -C /root/pkg' || return 1
    done
}

# E2E_V1: this package's last packaging v1 version (1.0~ynh1), which the
# upgrade suites start from.
E2E_V1=ba92a2cd8323d1bf9ec5ae203a4030762a03613a

# e2e_copy_v1_package HOST...: that version's files in /root/pkg-v1 of each host.
e2e_copy_v1_package() {
    local h
    for h in "$@"; do
        (cd "$WORLD_SRC" && git archive "$E2E_V1") |
            on_host "$h" /bin/bash -c 'rm -rf /root/pkg-v1 && mkdir /root/pkg-v1 && tar -xf - -C /root/pkg-v1' || return 1
    done
}

_e2e_args() { # K=V...: "&K=V&K=V"
    [ $# -eq 0 ] || printf '&%s' "$@"
}

# The stand-in hands YNH_STDINFO a pipe at the lowest free fd; with bats'
# extra fds open that can be 7, which the script's "7>&1" then takes over:
# the installs close them so their info lines (the public key...) are seen.

# e2e_install_main [K=V...]: the main server's install, paired with the
# fallback's address, encrypted with E2E_PW; extra install arguments appended.
# shellcheck disable=SC2120 # the extra arguments come from the suites
e2e_install_main() {
    world_app_install main /root/pkg 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- -a \
        "install_type=main server&encrypt=1&encryption_pwd=$E2E_PW&ssh_host=$(world_host_ip fallback)&ssh_port=22$(_e2e_args "$@")"
}

# e2e_install_fallback [K=V...]: the fallback server's install with the
# public key the main's install wrote; extra install arguments appended.
e2e_install_fallback() {
    local key
    key=$(on_main cat "$E2E_DATA/ssh_key.pub") || return 1
    world_app_install fallback /root/pkg 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- -a \
        "install_type=fallback server&pub_key=$(printf '%s' "$key" | jq -sRr @uri)$(_e2e_args "$@")"
}

# e2e_pair [K=V...]: copy the package to both hosts and install both roles,
# output discarded; the arguments go to the fallback's install.
e2e_pair() {
    e2e_copy_package main fallback &&
        e2e_install_main > /dev/null &&
        e2e_install_fallback "$@" > /dev/null
}

# e2e_install_app HOST APP [ARGS]: a sample app of tests/world/apps, stdout discarded.
e2e_install_app() {
    local host=$1 app=$2
    shift 2
    world_app_install "$host" "$WORLD_SRC/tests/world/apps/$app" ${1+-a "$1"} > /dev/null
}

# e2e_install_sample_apps APP...: on main, each with its usual arguments
# (wiki at main.test/wiki, bigdata 2 files of 1 MB, flaky as is).
e2e_install_sample_apps() {
    local app
    for app in "$@"; do
        case $app in
            wiki) e2e_install_app main wiki "domain=main.test&path=/wiki" ;;
            bigdata) e2e_install_app main bigdata "size_mb=2&files=2" ;;
            *) e2e_install_app main "$app" ;;
        esac || return 1
    done
}

# e2e_select_apps ID...: "[]: ID" becomes "[.]: ID" in main's app_list.
e2e_select_apps() {
    local id expr=()
    for id in "$@"; do
        expr+=(-e "s/^\[\]: $id\$/[.]: $id/")
    done
    on_main sed -i "${expr[@]}" "$E2E_DATA/app_list"
}

# e2e_night: the main sends a night, the fallback seals it; output discarded.
e2e_night() {
    on_main "$E2E_BIN/send_backup" > /dev/null 2>&1 &&
        on_fallback "$E2E_BIN/fallback_seal" > /dev/null 2>&1
}

# e2e_repository_format N: the main's nights in format N from now on
# (repository_format=N in its config.conf). The default is 2 with
# encrypt=1; the suites about the format 1 archives pin 1.
e2e_repository_format() {
    on_main /bin/bash -c "sed -i '/^repository_format=/d' $E2E_DATA/config.conf &&
        echo repository_format=$1 >> $E2E_DATA/config.conf"
}

# e2e_latest_parts: the parts of backup/latest on the fallback, "KIND ID"
# (system system, app ID) a line, sorted, from its manifest in either format.
e2e_latest_parts() {
    on_fallback /bin/bash -c "d=\$(readlink -f $E2E_DATA/sftp/backup/latest) &&
        if [ -f \$d/night.v2 ]; then $E2E_BIN/fallback night read \$d/night.v2 |
            awk '\$1 == \"part\" { if (\$2 == \"system\") print \"system system\"; else print \"app\", substr(\$2, 5) }'
        else $E2E_BIN/fallback manifest read \$d/manifest.json | awk '\$1 == \"part\" { print \$2, \$3 }'; fi | sort"
}

# e2e_capture_mail HOST...: the host's /usr/sbin/sendmail (its own /usr
# only) becomes tests/e2e/capture-sendmail: Debian's mail(1), or a script,
# hands it the message, which lands in /var/spool/captured-mail, one file a mail.
e2e_capture_mail() {
    local h
    for h in "$@"; do
        on_host "$h" /bin/bash -c 'cat > /usr/sbin/sendmail && chmod 755 /usr/sbin/sendmail' \
            < "$E2E_DIR/capture-sendmail" || return 1
    done
}

# e2e_mails HOST: every captured mail, oldest first (headers, blank line, body).
e2e_mails() {
    on_host "$1" /bin/bash -c "cd $E2E_CAPTURED 2>/dev/null && ls | grep '^mail\.' | sort | xargs -r cat"
}

# e2e_last_mail HOST: the newest captured mail.
e2e_last_mail() {
    on_host "$1" /bin/bash -c "cd $E2E_CAPTURED 2>/dev/null && ls | grep '^mail\.' | sort | tail -n 1 | xargs -r cat"
}

# e2e_spy_children HOST CMD...: CMD (found on PATH from then on) records its
# environment in HOST:/root/envs/CMD.PID each time it runs, then runs.
e2e_spy_children() {
    local host=$1
    shift
    on_host "$host" /bin/bash -s "$@" <<'SPY'
mkdir -p /root/envs
for c in "$@"; do
    real=$(command -v "$c")
    printf '#!/bin/bash\nenv > "/root/envs/%s.$$"\nexec %s "$@"\n' "$c" "$real" > "/usr/local/sbin/$c"
    /bin/chmod 0755 "/usr/local/sbin/$c"
done
SPY
}

# refute CMD...: CMD must fail (a bare `! CMD` never fails a bats test).
refute() {
    if "$@"; then
        echo "unexpectedly succeeded: $*" >&2
        return 1
    fi
}
