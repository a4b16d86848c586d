#!/usr/bin/env bats
# Tests of the two-host world itself (tests/world/world.bash): isolation of
# the hosts, sshd and an SFTP-only account on the fallback, "killing" the
# main, and a teardown that leaves nothing behind.

# Functions and constants only: bats runs this before setup_file and before each test.
# shellcheck source-path=SCRIPTDIR source=world.bash
source "$BATS_TEST_DIRNAME/world.bash"

SSH_OPTS=(-i /root/.ssh/id_fbtest -o IdentitiesOnly=yes -o BatchMode=yes
    -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/root/.ssh/known_hosts_fb
    -o ConnectTimeout=10)

# An SFTP-only account on the fallback, as the package makes it (a system
# user in sftp.app with a root-owned home, a writable folder and a key),
# and the fallback's host key pinned on the main.
sftp_fixture() {
    world_sftp_account fbtest incoming || return 1
    on_fallback bash -c 'cat /etc/ssh/ssh_host_*_key.pub' |
        awk '{print "127.0.0.3", $1, $2}' |
        on_main bash -c 'cat > /root/.ssh/known_hosts_fb'
}

etc_sums() { # checksums of files of the real machine the world must not touch
    sha256sum /etc/passwd /etc/group /etc/shadow /etc/gshadow /etc/hosts \
        /etc/hostname /etc/ssh/sshd_config 2> /dev/null
    ls -la /etc/cron.d /etc/ssh
    ls -d /home/yunohost.app /opt/yunohost /usr/share/yunohost /var/www 2>&1 || true
}

gone() { # PID: the process is dead (a zombie waiting for its reaper counts)
    local stat
    stat=$(cat "/proc/$1/stat" 2> /dev/null) || return 0
    stat=${stat##*) }
    [ "${stat%% *}" = Z ]
}

# A source tree whose setup-host does nothing: a quick world for the tests
# of the machinery itself (sshd then runs with the machine's sshd_config).
quick_src() {
    local src=$BATS_TEST_TMPDIR/quick
    mkdir -p "$src/tests/world/standin"
    printf '#!/bin/sh\nexit 0\n' > "$src/tests/world/standin/setup-host"
    chmod +x "$src/tests/world/standin/setup-host"
    echo "$src"
}

setup_file() {
    etc_sums > "$BATS_FILE_TMPDIR/etc.before"
    world_up
    sftp_fixture
}

teardown_file() {
    world_down
}

teardown() {
    if [ -n "${SECOND_WORLD:-}" ]; then
        WORLD_DIR=$SECOND_WORLD world_down
    fi
    if [ -d "$BATS_TEST_TMPDIR/root" ]; then   # worlds of a test's own root
        WORLD_ROOT=$BATS_TEST_TMPDIR/root world_down_all --all
    fi
}

@test "both hosts are up, each with its own name, address and sshd" {
    [ "$(on_main hostname)" = main ]
    [ "$(on_fallback hostname)" = fallback ]
    [ "$(world_host_ip main)" = 127.0.0.2 ]
    [ "$(world_host_ip fallback)" = 127.0.0.3 ]
    run on_fallback ss -Hltn
    [[ "$output" == *"127.0.0.3:22 "* ]]
    [[ "$output" == *"127.0.0.2:22 "* ]]
    [[ "$output" == *"127.0.0.2:443 "* ]]
    [[ "$output" != *"*:22 "* ]]
    run ss -Hltn
    [[ "$output" != *"127.0.0.3:22 "* ]]
}

@test "on_host passes stdin, output, exit status; clean root environment" {
    [ "$(echo piped | on_main cat)" = piped ]
    run on_fallback bash -c 'echo out; echo err >&2; exit 7'
    [ "$status" -eq 7 ]
    [ "$output" = "$(printf 'out\nerr')" ]
    export WORLD_TEST_LEAK=1
    run on_main env
    [[ "$output" != *WORLD_TEST_LEAK* ]]
    [[ "$output" == *"HOME=/root"* ]]
    [[ "$output" == *"PATH=/usr/local/sbin:"* ]]
    [ "$(on_main pwd)" = /root ]
    [ "$(on_main id -u)" = 0 ]
    exec 7> /dev/null
    run on_main bash -c 'ls /proc/$$/fd; true'   # the shell's fds, not ls's
    exec 7>&-
    [ "$output" = "$(printf '0\n1\n2')" ]
    run on_host nowhere true
    [ "$status" -eq 125 ]
    [[ "$output" == *"unknown host 'nowhere'"* ]]
}

@test "a user created on one host exists neither on the other nor on the machine" {
    on_main useradd --system --no-create-home fbisolated
    on_main id fbisolated
    run on_fallback id fbisolated
    [ "$status" -ne 0 ]
    run id fbisolated
    [ "$status" -ne 0 ]
    on_main groupadd fbgroup
    run on_fallback getent group fbgroup
    [ "$status" -ne 0 ]
}

@test "files written on one host are absent on the other and on the machine" {
    local p
    for p in /home/yunohost.app/app/data /etc/cron.d/fbworld-test \
        /usr/share/yunohost/fbworld-test /opt/yunohost/app/file \
        /var/www/app/index.html /usr/local/sbin/fbworld-test \
        /var/mail/fbworld-test /var/log/fbworld-test /root/fbworld-test \
        /tmp/fbworld-test /etc/yunohost/fbworld-test; do
        on_main bash -c 'mkdir -p "${1%/*}" && echo main > "$1"' _ "$p"
        [ "$(on_main cat "$p")" = main ]
        run on_fallback test -e "$p"
        [ "$status" -ne 0 ] || { echo "$p leaked to the fallback"; false; }
        [ ! -e "$p" ] || { echo "$p leaked to the machine"; false; }
    done
    on_fallback bash -c 'echo fallback > /etc/cron.d/fbworld-test'
    [ "$(on_main cat /etc/cron.d/fbworld-test)" = main ]
    [ "$(on_fallback cat /etc/cron.d/fbworld-test)" = fallback ]
}

@test "a host's /var/mail holds its own mailboxes, none of the machine's" {
    run on_fallback ls -A /var/mail
    [ "${lines[*]}" = "alice bob" ]
    [ "$(on_fallback stat -c '%U:%G %a' /var/mail)" = "root:mail 2775" ]
}

@test "world_path reaches a host's files from outside, both ways" {
    echo in > "$(world_path main /root/from-outside)"
    [ "$(on_main cat /root/from-outside)" = in ]
    on_fallback bash -c 'echo out > /root/to-outside'
    [ "$(cat "$(world_path fallback /root/to-outside)")" = out ]
    [ ! -e "$(world_path main /root/to-outside)" ]
    run world_path main relative/path
    [ "$status" -eq 2 ]
}

@test "the source tree is visible, read-only, at the same path in each host" {
    on_main test -f "$BATS_TEST_DIRNAME/world.bash"
    run on_fallback touch "$BATS_TEST_DIRNAME/fbworld-write-test"
    [ "$status" -ne 0 ]
    [ ! -e "$BATS_TEST_DIRNAME/fbworld-write-test" ]
}

@test "the main reaches the fallback's sshd at 127.0.0.3:22 over TCP" {
    run on_main timeout 10 bash -c 'exec 3<>/dev/tcp/127.0.0.3/22; head -c 8 <&3'
    [ "$status" -eq 0 ]
    [ "$output" = "SSH-2.0-" ]
}

@test "an SFTP-only account on the fallback puts a file in its writable folder" {
    on_main bash -c 'echo payload > /root/up.txt'
    run on_main sftp "${SSH_OPTS[@]}" -b - fbtest@127.0.0.3 <<< 'put /root/up.txt /incoming/up.txt'
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(on_fallback cat /home/yunohost.app/fbtest/incoming/up.txt)" = payload ]
    # chrooted: its / is its home, so the root-owned home itself is not writable
    run on_main sftp "${SSH_OPTS[@]}" -b - fbtest@127.0.0.3 <<< 'put /root/up.txt /up.txt'
    [ "$status" -ne 0 ]
    run on_fallback test -e /home/yunohost.app/fbtest/up.txt
    [ "$status" -ne 0 ]
}

@test "a key not in the fallback's known_hosts is refused (StrictHostKeyChecking)" {
    on_main bash -c 'ssh-keygen -q -t ed25519 -N "" -f /root/other_host &&
        echo "127.0.0.3 $(cut -d" " -f1,2 /root/other_host.pub)" > /root/.ssh/known_hosts_wrong'
    # ssh keeps the first value given for an option: the override goes first
    run on_main sftp -o UserKnownHostsFile=/root/.ssh/known_hosts_wrong "${SSH_OPTS[@]}" \
        -b - fbtest@127.0.0.3 <<< 'ls'
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"HOST IDENTIFICATION HAS CHANGED"* ]]
}

@test "the SFTP-only account is refused a shell" {
    run on_main ssh "${SSH_OPTS[@]}" fbtest@127.0.0.3 'echo shell-ran-$((6*7))' < /dev/null
    echo "$output"
    [ "$status" -ne 255 ]                # authenticated: not an ssh failure
    [[ "$output" != *shell-ran-42* ]]
    run on_fallback grep -c 'Accepted publickey for fbtest' /var/log/auth.log
    [ "$output" -ge 1 ]
}

@test "the SFTP-only account is refused port forwarding" {
    run on_main ssh "${SSH_OPTS[@]}" -W 127.0.0.3:22 fbtest@127.0.0.3 < /dev/null
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"administratively prohibited"* ]]
    run on_main ssh "${SSH_OPTS[@]}" -N -o ExitOnForwardFailure=yes \
        -R 127.0.0.3:2022:127.0.0.2:22 fbtest@127.0.0.3 < /dev/null
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"remote port forwarding failed"* ]]
}

@test "world_sftp_account: root-owned chroot home, writable folder, sftp.app only, twice is fine" {
    [ "$(on_fallback stat -c '%U %a' /home/yunohost.app/fbtest)" = "root 755" ]
    [ "$(on_fallback stat -c '%U %a' /home/yunohost.app/fbtest/incoming)" = "fbtest 775" ]
    [ "$(on_fallback id -nG fbtest)" = "fbtest sftp.app" ]
    run on_main id fbtest
    [ "$status" -ne 0 ]
    world_sftp_account fbtest incoming
    [ "$(on_fallback grep -c . /home/yunohost.app/fbtest/.ssh/authorized_keys)" = 1 ]
    run world_sftp_account 'bad user' x
    [ "$status" -eq 2 ]
    [[ "$output" == *"bad user name"* ]]
    run world_sftp_account fbtest2 ../etc
    [ "$status" -eq 2 ]
    run on_fallback id fbtest2
    [ "$status" -ne 0 ]
}

@test "world_allow_root_ssh lets root in with a key, once; refused before" {
    local opts=(-i /root/.ssh/id_root_fb -o IdentitiesOnly=yes -o BatchMode=yes
        -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/root/.ssh/known_hosts_fb)
    on_main ssh-keygen -q -t ed25519 -N '' -f /root/.ssh/id_root_fb
    on_main cat /root/.ssh/id_root_fb.pub | on_fallback bash -c 'mkdir -p /root/.ssh && cat >> /root/.ssh/authorized_keys'
    run on_main ssh "${opts[@]}" root@127.0.0.3 hostname < /dev/null
    [ "$status" -eq 255 ]                # PermitRootLogin no
    [[ "$output" == *"Permission denied"* ]]
    on_main cat /root/.ssh/id_root_fb.pub | world_allow_root_ssh fallback
    on_main cat /root/.ssh/id_root_fb.pub | world_allow_root_ssh fallback
    run on_main ssh "${opts[@]}" root@127.0.0.3 hostname < /dev/null
    [ "$status" -eq 0 ]
    [ "$output" = fallback ]
    [ "$(on_fallback grep -c '^Match Address 127.0.0.0/8$' /etc/ssh/sshd_config)" = 1 ]
    [ "$(on_fallback ss -Hltn | grep -c '127.0.0.3:22 ')" = 1 ]
    run world_allow_root_ssh fallback < /dev/null
    [ "$status" -eq 2 ]
    [[ "$output" == *"no public key on stdin"* ]]
    run world_allow_root_ssh nowhere < /dev/null
    [ "$status" -ne 0 ]
}

@test "world_stop_host main makes it unreachable; world_start_host brings it back" {
    local sshd_pid
    sshd_pid=$(on_main cat /run/sshd.pid)
    ! gone "$sshd_pid" || false
    on_main bash -c 'echo kept > /root/survives-stop'
    world_stop_host main
    gone "$sshd_pid"
    run on_fallback timeout 10 bash -c 'exec 3<>/dev/tcp/127.0.0.2/22'
    [ "$status" -ne 0 ]
    [ "$status" -ne 124 ] # refused at once ("No route to host"), not hanging
    run on_fallback timeout 10 bash -c 'exec 3<>/dev/tcp/127.0.0.2/443'
    [ "$status" -ne 0 ]
    on_fallback timeout 10 bash -c 'exec 3<>/dev/tcp/127.0.0.3/22'
    world_start_host main
    [ "$(on_main cat /root/survives-stop)" = kept ]
    run on_fallback timeout 10 bash -c 'exec 3<>/dev/tcp/127.0.0.2/22; head -c 8 <&3'
    [ "$output" = "SSH-2.0-" ]
    run on_fallback timeout 10 openssl s_client -connect 127.0.0.2:443 < /dev/null
    [ "$status" -eq 0 ]
    [[ "$output" == *"CN = main.test"* ]]
    # starting a running host changes nothing
    sshd_pid=$(on_main cat /run/sshd.pid)
    world_start_host main
    [ "$(on_main cat /run/sshd.pid)" = "$sshd_pid" ]
    [ "$(on_main ss -Hltn | grep -c '127.0.0.2:22 ')" = 1 ]
}

@test "a second world runs beside the first and goes down leaving nothing" {
    local first=$WORLD_DIR id ns a1 a2 mnt1 mnt2 net key1 key2
    WORLD_DIR=
    WORLD_SRC=$(quick_src) world_up
    SECOND_WORLD=$WORLD_DIR
    id=$WORLD_ID
    ns=$(cat "$WORLD_DIR/netns")
    [ "$ns" != "$(cat "$first/netns")" ]
    # same addresses, different hosts
    key1=$(WORLD_DIR=$first on_fallback cat /etc/ssh/ssh_host_ed25519_key.pub)
    key2=$(on_fallback cat /etc/ssh/ssh_host_ed25519_key.pub)
    [ "$key1" != "$key2" ]
    run on_main test -e /root/.ssh/id_fbtest
    [ "$status" -ne 0 ]
    on_main timeout 10 bash -c 'exec 3<>/dev/tcp/127.0.0.3/22'
    a1=$(_world_anchor main)
    a2=$(_world_anchor fallback)
    mnt1=$(readlink "/proc/$a1/ns/mnt")
    mnt2=$(readlink "/proc/$a2/ns/mnt")
    net=$(readlink "/proc/$a1/ns/net")
    on_main useradd --system fbsecond
    grep -q "fbworld-$id" /proc/self/mountinfo   # its named netns
    world_down
    SECOND_WORLD=
    [ -z "$(_world_ns_pids mnt "$mnt1")" ]
    [ -z "$(_world_ns_pids mnt "$mnt2")" ]
    [ -z "$(_world_ns_pids net "$net")" ]
    gone "$a1"
    gone "$a2"
    run ip netns list
    [[ "$output" != *"$ns"* ]]
    run grep -c "fbworld-$id" /proc/self/mountinfo
    [ "$output" = 0 ]
    [ ! -e "$WORLD_ROOT/$id" ]
    world_down                                  # idempotent
    # the first world is untouched
    WORLD_DIR=$first
    [ "$(on_main hostname)" = main ]
    on_main timeout 10 bash -c 'exec 3<>/dev/tcp/127.0.0.3/22'
    # the machine's /etc is untouched
    etc_sums > "$BATS_TEST_TMPDIR/etc.after"
    diff "$BATS_FILE_TMPDIR/etc.before" "$BATS_TEST_TMPDIR/etc.after"
}

@test "world_up failing half-way leaves nothing behind and says why" {
    local src=$BATS_TEST_TMPDIR/src
    mkdir -p "$src/tests/world/standin"
    printf '#!/bin/sh\necho "setup-host: broken on purpose" >&2\nexit 1\n' \
        > "$src/tests/world/standin/setup-host"
    chmod +x "$src/tests/world/standin/setup-host"
    WORLD_DIR='' WORLD_SRC=$src WORLD_ROOT=$BATS_TEST_TMPDIR/root run bash -c '
        source "$1/world.bash"
        world_up; rc=$?
        echo "last-id=$WORLD_LAST_ID"
        exit "$rc"' _ "$BATS_TEST_DIRNAME"
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"broken on purpose"* ]]
    [[ "$output" == *"setup-host failed"* ]]
    [ -z "$(ls -A "$BATS_TEST_TMPDIR/root")" ]
    id=$(printf '%s\n' "$output" | sed -n 's/^last-id=//p')
    [ -n "$id" ]
    run ip netns list
    [[ "$output" != *"fbworld-$id"* ]]
    run grep -c "fbworld-$id" /proc/self/mountinfo
    [ "$output" = 0 ]
}

@test "world-gc removes a world whose owner exited, but not a kept one" {
    local root=$BATS_TEST_TMPDIR/root dir kept ns a k
    export WORLD_ROOT=$root WORLD_SRC
    WORLD_SRC=$(quick_src)
    # shellcheck disable=SC2016 # expanded by the inner shell
    make_world() { # [WORLD_KEEP]: a world whose owner shell exits at once
        WORLD_DIR='' WORLD_KEEP=${1:-0} bash -c '
            source "$1/world.bash"
            world_up > /dev/null 2>&1 || exit 1
            echo "$WORLD_DIR"' _ "$BATS_TEST_DIRNAME"
    }
    dir=$(make_world)
    kept=$(make_world 1)
    ns=$(cat "$dir/netns")
    read -r a _ < "$dir/main.anchor"
    read -r k _ < "$kept/main.anchor"
    ! gone "$a" || false
    "$BATS_TEST_DIRNAME/world-gc"
    gone "$a"
    [ ! -e "$dir" ]
    run ip netns list
    [[ "$output" != *"$ns"* ]]
    ! gone "$k" || false
    [ -d "$kept" ]
    "$BATS_TEST_DIRNAME/world-gc" --all
    gone "$k"
    [ ! -e "$kept" ]
    [ -z "$(ls -A "$root")" ]
}

@test "world_up refuses a bad version and a second world in the same shell" {
    run world_up --version 14
    [ "$status" -eq 2 ]
    [[ "$output" == *"--version must be 11, 12 or 13"* ]]
    run world_up
    [ "$status" -ne 0 ]
    [[ "$output" == *"already up"* ]]
}
