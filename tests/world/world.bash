# shellcheck shell=bash
# The two-host test world: two simulated servers, "main" and "fallback", on
# one machine. Source this file, then call world_up / on_main / on_fallback /
# world_down. See tests/world/README.md for the design and the API.
#
# One world = one network namespace (fbworld-<id>, its own loopback) and, per
# host, one mount + UTS namespace held open by an anchor process. Each host
# has private /etc, /home, /root, /tmp, /run, /var (with an empty /var/log
# and /var/mail), /usr (with an empty /usr/local/sbin) and /opt, all backed
# by a tmpfs that exists only inside the host's mount namespace: when the
# host's last process dies, its files are gone. The real machine keeps only
# the state directory $WORLD_ROOT/<id> (pids, names) and the named netns
# until world_down.

WORLD_ROOT=${WORLD_ROOT:-/run/fallback-world}
WORLD_SRC=${WORLD_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
WORLD_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORLD_HOSTS="main fallback"

_world_err() { printf 'world: %s\n' "$*" >&2; }

# world_host_ip HOST: the host's address inside the world.
world_host_ip() {
    case ${1:-} in
        main) echo 127.0.0.2 ;;
        fallback) echo 127.0.0.3 ;;
        *) _world_err "world_host_ip: unknown host '${1:-}' (main|fallback)"; return 2 ;;
    esac
}

# world_host_domain HOST: the YunoHost main domain given to the host.
world_host_domain() {
    case ${1:-} in
        main|fallback) echo "$1.test" ;;
        *) _world_err "world_host_domain: unknown host '${1:-}' (main|fallback)"; return 2 ;;
    esac
}

# world_dir: the state directory of the current world (fails if none).
world_dir() {
    if [ -z "${WORLD_DIR:-}" ] || [ ! -f "$WORLD_DIR/netns" ]; then
        _world_err "no world is up (call world_up first)"
        return 1
    fi
    echo "$WORLD_DIR"
}

_world_starttime() { # PID: the process start time, "" if gone
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    # shellcheck disable=SC2086
    set -- $stat
    echo "${20}"
}

_world_alive() { # PID STARTTIME: true if that very process still runs
    [ -n "$1" ] && [ "$(_world_starttime "$1" 2>/dev/null)" = "$2" ]
}

_world_anchor() { # HOST [DIR]: pid of the host's anchor process
    local dir=${2:-${WORLD_DIR:-}} pid st
    world_host_ip "$1" > /dev/null || return 2
    if [ -z "$dir" ] || ! read -r pid st 2>/dev/null < "$dir/$1.anchor"; then
        _world_err "no world is up (call world_up first)"
        return 1
    fi
    if ! _world_alive "$pid" "$st"; then
        _world_err "host $1 is gone (its anchor process $pid died)"
        return 1
    fi
    echo "$pid"
}

# world_app_install HOST SRC [OPTION...]: `yunohost app install SRC --force
# OPTION...` in HOST, as an admin installs a package that is not in the
# catalog (a local path is a third-party app: without --force YunoHost asks
# for a confirmation, which fails without a terminal).
world_app_install() {
    local host=$1 src=$2
    shift 2
    on_host "$host" yunohost app install "$src" --force "$@"
}

# world_path HOST PATH: PATH inside HOST as a path usable from outside,
# e.g. cp file "$(world_path main /root/file)".
world_path() {
    local pid
    pid=$(_world_anchor "$1") || return
    case $2 in
        /*) echo "/proc/$pid/root$2" ;;
        *) _world_err "world_path: '$2' is not an absolute path"; return 2 ;;
    esac
}

# on_host HOST [CMD ARGS...]: run CMD inside HOST as root with a clean root
# environment; stdin, stdout, stderr and the exit status pass through; every
# other fd (bats' fd 3 among them) is closed, as in an admin's shell.
# Without CMD, an interactive shell.
on_host() {
    local pid
    pid=$(_world_anchor "${1:-}") || return 125
    shift
    [ $# -gt 0 ] || set -- /bin/bash -l
    # shellcheck disable=SC2016 # expanded by the inner shell
    nsenter -t "$pid" -m -n -u -- /bin/bash -c '
        for fd in /proc/self/fd/*; do
            fd=${fd##*/}
            [ "$fd" -le 2 ] || eval "exec $fd>&-"
        done
        exec /usr/bin/env -i -C /root PATH="$0" HOME=/root USER=root LOGNAME=root \
            SHELL=/bin/bash LANG=C.UTF-8 TERM="$1" "${@:2}"' \
        "$WORLD_PATH" "${TERM:-dumb}" "$@"
}
on_main() { on_host main "$@"; }
on_fallback() { on_host fallback "$@"; }

_world_ns_pids() { # NSKIND NSID: pids of the processes in that namespace
    local pattern=${2//[/?}
    pattern=${pattern//]/?}
    find /proc/[0-9]*/ns/"$1" -maxdepth 0 -lname "$pattern" -printf '%h\n' 2> /dev/null |
        sed 's|^/proc/||; s|/ns$||'
    return 0
}

_world_kill_ns() { # NSKIND NSID [EXCEPT_PID]: kill every process in it
    local kind=$1 id=$2 except=${3:-} sig pids i
    for sig in TERM KILL; do
        for i in $(seq 50); do
            pids=$(_world_ns_pids "$kind" "$id" | grep -vx "${except:-x}") || true
            [ -n "$pids" ] || return 0
            [ "$i" -eq 1 ] && kill -s "$sig" $pids 2>/dev/null
            sleep 0.1
        done
    done
    pids=$(_world_ns_pids "$kind" "$id" | grep -vx "${except:-x}") || true
    [ -z "$pids" ] || { _world_err "processes survive in $kind namespace $id: $pids"; return 1; }
}

# The host's mounts, run inside its fresh mount namespace (by bash -c).
_world_host_mounts() { # NAME DISK SRC IP_MAIN IP_FALLBACK
    set -eu
    local name=$1 disk=$2 src=$3 mnt d rc
    hostname "$name"
    # drop copies of the machine's mounts under /run (named netns of other
    # worlds), so this namespace holds nothing of theirs
    awk '$5 ~ "^/run/" {print $5}' /proc/self/mountinfo | sort -r |
        while read -r mnt; do umount -l "$mnt"; done
    mount -t tmpfs -o mode=0755 "fbworld-$name" "$disk"
    cd "$disk"
    mkdir -p etc home root tmp run log mail usrlocalsbin src \
        var.up var.work usr.up usr.work opt.up opt.work
    chmod 0700 root
    chmod 1777 tmp
    # a snapshot of the machine's /etc; files that vanish while it is copied
    # (locks of a useradd running elsewhere) are not part of it
    rc=0
    rsync -a --exclude='*.lock' --exclude='*+' /etc/ etc/ || rc=$?
    [ "$rc" -eq 0 ] || [ "$rc" -eq 24 ]
    rm -f etc/ssh/ssh_host_*
    echo "$name" > etc/hostname
    printf '%s\t%s\n' "$4" "main main.test" "$5" "fallback fallback.test" >> etc/hosts
    cp -a /etc/skel/. root/ 2>/dev/null || true
    mount --bind "$src" src
    mount --bind etc /etc
    mount --bind home /home
    mount --bind root /root
    mount --bind tmp /tmp
    for d in var usr opt; do
        mount -t overlay "fbworld-$name-$d" \
            -o "lowerdir=/$d,upperdir=$d.up,workdir=$d.work" "/$d"
    done
    mount --bind log /var/log
    # an empty /var/mail too: the machine's own mailboxes are not the host's
    chown root:mail mail && chmod 2775 mail
    mount --bind mail /var/mail
    mount --bind usrlocalsbin /usr/local/sbin
    mount -t tmpfs -o mode=0755 "fbworld-$name-run" /run
    mkdir -p /run/sshd /run/lock
    chmod 1777 /run/lock
    echo "$name" > /run/world-host       # "this is a host of the test world"
    # the source tree, read-only, at the same path as outside
    mkdir -p "$src"
    mount --bind src "$src"
    mount -o remount,bind,ro "$src"
}

_world_host_create() { # HOST
    local host=$1 dir=$WORLD_DIR pid st i
    mkdir -p "$dir/$host.disk"
    nsenter --net="/run/netns/$(cat "$dir/netns")" -- \
        unshare --mount --uts --propagation private -- sleep infinity \
        < /dev/null > /dev/null 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
    pid=$!
    for i in $(seq 100); do
        [ "$(readlink "/proc/$pid/ns/uts" 2>/dev/null)" != "$(readlink /proc/self/ns/uts)" ] &&
            [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sleep ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    st=$(_world_starttime "$pid") || { _world_err "host $host: cannot create its namespaces (unshare failed)"; return 1; }
    echo "$pid $st" > "$dir/$host.anchor"
    [ "$i" -lt 100 ] || { _world_err "host $host: anchor process did not enter its namespaces"; return 1; }
    if ! nsenter -t "$pid" -m -n -u -- /bin/bash -c \
        "$(declare -f _world_host_mounts); _world_host_mounts \"\$@\"" _ \
        "$host" "$dir/$host.disk" "$WORLD_SRC" "$(world_host_ip main)" "$(world_host_ip fallback)"; then
        _world_err "host $host: cannot set up its private directories (mount failed)"
        return 1
    fi
}

# Used only when tests/world/standin/setup-host is absent: the groups and a
# YunoHost-like sshd_config (yunohost-facts.md section 10), so sshd can run.
_world_fallback_sshd_config() {
    local g
    for g in ssh.main sftp.main ssh.app sftp.app admins; do
        groupadd -f --system "$g"
    done
    cat > /etc/ssh/sshd_config <<'EOF'
# Rendered by tests/world/world.bash (no YunoHost stand-in present)
Port 22
HostKey /etc/ssh/ssh_host_ed25519_key
KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512
Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com
MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com
LogLevel VERBOSE
PermitRootLogin no
ClientAliveInterval 60
UsePAM yes
AllowGroups ssh.main sftp.main ssh.app sftp.app admins root
Subsystem sftp internal-sftp
Match Group sftp.app,!ssh.app
    ForceCommand internal-sftp -u 0002
    ChrootDirectory %h
    AllowTcpForwarding no
    AllowStreamLocalForwarding no
    PermitTunnel no
    PermitUserRC no
    PasswordAuthentication yes
EOF
}

_world_host_standin() { # HOST
    local host=$1 setup=$WORLD_SRC/tests/world/standin/setup-host
    if [ -x "$setup" ]; then
        on_host "$host" "$setup" "$host" "$(world_host_domain "$host")" \
            --version "$WORLD_VERSION" || {
            _world_err "host $host: $setup failed"; return 1; }
    else
        echo "# world: no $setup yet; minimal groups and sshd_config" >&2
        on_host "$host" /bin/bash -c "$(declare -f _world_fallback_sshd_config)
            _world_fallback_sshd_config" || return 1
    fi
    on_host "$host" /bin/bash -c 'ls /etc/ssh/ssh_host_*_key > /dev/null 2>&1 ||
        ssh-keygen -q -t ed25519 -N "" -f /etc/ssh/ssh_host_ed25519_key'
}

_world_wait_tcp() { # IP PORT: wait (bounded) until something listens there
    local i
    for i in $(seq 100); do
        nsenter --net="/run/netns/$(cat "$WORLD_DIR/netns")" -- \
            timeout 2 bash -c "exec 9<>/dev/tcp/$1/$2" 2> /dev/null && return 0
        sleep 0.05
    done
    _world_err "nothing listens on $1:$2"
    return 1
}

_world_running() { # HOST PIDFILE: the pid file names a live process of HOST
    local anchor pid
    anchor=$(_world_anchor "$1") || return 1
    read -r pid 2> /dev/null < "/proc/$anchor/root$2" || return 1
    [ -n "$pid" ] && [ "$(readlink "/proc/$pid/ns/mnt" 2> /dev/null)" = \
        "$(readlink "/proc/$anchor/ns/mnt")" ]
}

_world_sshd_start() { # HOST: start sshd unless it runs
    local host=$1 ip port
    ip=$(world_host_ip "$host")
    _world_running "$host" /run/sshd.pid && return 0
    on_host "$host" rm -f /run/sshd.pid
    if ! port=$(on_host "$host" /usr/sbin/sshd -T -o "ListenAddress=$ip" |
        awk '$1 == "port" && !p {print $2; p = 1}') || [ -z "$port" ]; then
        _world_err "host $host: sshd refuses its configuration (sshd -T above)"
        return 1
    fi
    on_host "$host" /usr/sbin/sshd -f /etc/ssh/sshd_config -o "ListenAddress=$ip" \
        -o PidFile=/run/sshd.pid -E /var/log/auth.log < /dev/null || {
        _world_err "host $host: sshd did not start (see $host:/var/log/auth.log)"; return 1; }
    _world_wait_tcp "$ip" "$port" && _world_running "$host" /run/sshd.pid || {
        _world_err "host $host: sshd is not running (see $host:/var/log/auth.log)"; return 1; }
}

# A TLS listener on main:443 standing for its web server (self-signed).
_world_web_script='
import http.server, ssl, sys
srv = http.server.HTTPServer((sys.argv[1], 443), http.server.SimpleHTTPRequestHandler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain("/run/world-web/crt.pem", "/run/world-web/key.pem")
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
'

_world_web_start() { # HOST: start the web listener unless it runs
    local host=$1 ip
    ip=$(world_host_ip "$host")
    _world_running "$host" /run/world-web/pid && return 0
    on_host "$host" /bin/bash -c '
        set -e
        mkdir -p /run/world-web /var/www/html
        [ -f /run/world-web/key.pem ] || openssl req -x509 -newkey ec \
            -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -subj "/CN=$2" \
            -keyout /run/world-web/key.pem -out /run/world-web/crt.pem 2>/dev/null
        [ -f /var/www/html/index.html ] || echo "$2 web server" > /var/www/html/index.html
        cd /var/www/html
        rm -f /run/world-web/pid
        setsid python3 -c "$3" "$1" < /dev/null >> /var/log/world-web.log 2>&1 &
        echo "$!" > /run/world-web/pid
    ' _ "$ip" "$(world_host_domain "$host")" "$_world_web_script" < /dev/null || return 1
    _world_wait_tcp "$ip" 443 && _world_running "$host" /run/world-web/pid || {
        _world_err "host $host: the web listener is not running (see $host:/var/log/world-web.log)"
        return 1; }
}

_world_sshd_restart() { # HOST: stop sshd (if it runs), wait until it is gone, start it
    local host=$1 pid state i
    if _world_running "$host" /run/sshd.pid; then
        read -r pid < "$(world_path "$host" /run/sshd.pid)"
        kill "$pid" 2> /dev/null
        for i in $(seq 100); do
            state=$(cat "/proc/$pid/stat" 2> /dev/null) || break
            state=${state##*) }
            [ "${state%% *}" != Z ] || break
            sleep 0.05
        done
        [ "$i" -lt 100 ] || { _world_err "host $host: sshd ($pid) does not stop"; return 1; }
    fi
    _world_sshd_start "$host"
}

_world_services_start() { # HOST
    _world_sshd_start "$1" || return 1
    if [ "$1" = main ]; then _world_web_start "$1" || return 1; fi
}

_world_check() { # preconditions, each with its own message
    local t
    if [ "$(id -u)" != 0 ]; then
        _world_err "the test world needs root (namespaces, mounts, sshd)"
        return 1
    fi
    for t in unshare nsenter ip sshd ssh-keygen openssl python3 awk rsync; do
        command -v "$t" > /dev/null || PATH=$PATH:$WORLD_PATH command -v "$t" > /dev/null || {
            _world_err "missing tool '$t'"; return 1; }
    done
}

# world_up [--version 11|12|13]: bring both hosts up (default: the version
# in WORLD_YNH_VERSION, else 12). Exports WORLD_DIR, WORLD_ID, WORLD_VERSION. On failure, tears down what it built and fails.
# The calling shell is the world's owner: world-gc removes the world once it
# has exited, unless WORLD_KEEP=1 (a world explored from several shells).
world_up() {
    local id host pid pids rc=0
    WORLD_VERSION=${WORLD_YNH_VERSION:-12}
    while [ $# -gt 0 ]; do
        case $1 in
            --version) WORLD_VERSION=${2:-}; shift 2 || shift ;;
            --version=*) WORLD_VERSION=${1#*=}; shift ;;
            *) _world_err "world_up: unknown option '$1'"; return 2 ;;
        esac
    done
    case $WORLD_VERSION in 11|12|13) ;; *) _world_err "world_up: --version must be 11, 12 or 13"; return 2 ;; esac
    if [ -n "${WORLD_DIR:-}" ] && [ -d "$WORLD_DIR" ]; then
        _world_err "world_up: a world is already up in $WORLD_DIR (world_down first)"
        return 1
    fi
    _world_check || return 1
    mkdir -p "$WORLD_ROOT" || { _world_err "cannot create $WORLD_ROOT"; return 1; }
    for pid in 1 2 3 4 5; do       # a fresh id: mkdir fails on one in use
        id=$(printf '%s%04x' "$(date +%s | tail -c 6)" "$RANDOM")
        mkdir "$WORLD_ROOT/$id" 2> /dev/null && break
        id=''
    done
    [ -n "$id" ] || { _world_err "cannot create a state directory in $WORLD_ROOT"; return 1; }
    WORLD_ID=$id
    WORLD_LAST_ID=$id
    WORLD_DIR=$WORLD_ROOT/$id
    export WORLD_ID WORLD_LAST_ID WORLD_DIR WORLD_VERSION WORLD_SRC WORLD_ROOT
    if [ "${WORLD_KEEP:-0}" = 1 ]; then
        echo "keep" > "$WORLD_DIR/owner"   # world-gc leaves it (but --all)
    else
        echo "$$ $(_world_starttime $$)" > "$WORLD_DIR/owner"
    fi
    echo "fbworld-$id" > "$WORLD_DIR/netns"
    if ! ip netns add "fbworld-$id" || ! ip -n "fbworld-$id" link set lo up; then
        _world_err "cannot create a network namespace (needs root with CAP_SYS_ADMIN)"
        world_down; return 1
    fi
    for host in $WORLD_HOSTS; do
        _world_host_create "$host" || { world_down; return 1; }
    done
    # both hosts at once: the stand-in's setup takes most of world_up's time
    pids=()
    for host in $WORLD_HOSTS; do
        _world_host_standin "$host" &
        pids+=("$!")
    done
    for pid in "${pids[@]}"; do
        wait "$pid" || rc=1
    done
    [ "$rc" -eq 0 ] || { world_down; return 1; }
    for host in $WORLD_HOSTS; do
        _world_services_start "$host" || { world_down; return 1; }
    done
}

# world_sftp_account USER [DIR]: an SFTP-only account on the fallback as a
# YunoHost app makes one: system user USER in group sftp.app (sshd's `Match
# Group sftp.app,!ssh.app` chroots it to its home and forces internal-sftp),
# home /home/yunohost.app/USER owned by root, a folder DIR (default backups)
# in it that USER may write. The main's root logs in to it with the key
# /root/.ssh/id_USER (made on the main if absent). Safe to call twice.
world_sftp_account() {
    local user=${1:-} dir=${2:-backups} pub
    [[ $user =~ ^[a-z_][a-z0-9_-]*$ ]] || {
        _world_err "world_sftp_account: bad user name '$user'"; return 2; }
    [[ $dir =~ ^[A-Za-z0-9._-]+$ && $dir != . && $dir != .. ]] || {
        _world_err "world_sftp_account: bad folder name '$dir' (one plain name)"; return 2; }
    # shellcheck disable=SC2016 # expanded by the inner shell
    on_main bash -c 'mkdir -p -m 0700 /root/.ssh &&
        { [ -f "$1" ] || ssh-keygen -q -t ed25519 -N "" -C "$2" -f "$1"; }' \
        _ "/root/.ssh/id_$user" "root@main" < /dev/null &&
        pub=$(on_main cat "/root/.ssh/id_$user.pub") || {
        _world_err "world_sftp_account: cannot make the key /root/.ssh/id_$user on the main"; return 1; }
    # shellcheck disable=SC2016 # expanded by the inner shell
    on_fallback bash -c 'set -e
        user=$1 home=/home/yunohost.app/$1
        id "$user" > /dev/null 2>&1 || useradd --system --user-group --no-create-home \
            --shell /usr/sbin/nologin --home-dir "$home" --groups sftp.app "$user"
        install -d -o root -g root -m 0755 /home/yunohost.app "$home" "$home/.ssh"
        install -d -o "$user" -g "$user" -m 0775 "$home/$2"
        printf "%s\n" "$3" > "$home/.ssh/authorized_keys"' _ "$user" "$dir" "$pub" < /dev/null || {
        _world_err "world_sftp_account: cannot create $user on the fallback"; return 1; }
}

# world_allow_root_ssh HOST < KEYS: root may log in to HOST with a key from
# the world's addresses (a `Match Address 127.0.0.0/8` block with
# PermitRootLogin prohibit-password, appended once to its sshd_config, as
# an admin would for rsync); the public keys on stdin join root's
# authorized_keys; sshd restarts on the new configuration.
world_allow_root_ssh() {
    local host=${1:-} keys
    _world_anchor "$host" > /dev/null || return 1
    keys=$(cat)
    [[ $keys == ssh-* || $keys == ecdsa-* ]] || {
        _world_err "world_allow_root_ssh: no public key on stdin"; return 2; }
    # shellcheck disable=SC2016 # expanded by the inner shell
    printf '%s\n' "$keys" | on_host "$host" bash -c 'set -e
        mkdir -p -m 0700 /root/.ssh
        cat >> /root/.ssh/authorized_keys
        chmod 0600 /root/.ssh/authorized_keys
        grep -qx "# world_allow_root_ssh" /etc/ssh/sshd_config ||
            printf "\n# world_allow_root_ssh\nMatch Address 127.0.0.0/8\n    PermitRootLogin prohibit-password\n" \
                >> /etc/ssh/sshd_config
        sshd -t -f /etc/ssh/sshd_config' || {
        _world_err "host $host: cannot allow root over ssh (see sshd -t above)"; return 1; }
    _world_sshd_restart "$host"
}

# world_stop_host HOST: "kill" the host: every process in it dies (its files
# stay) and its address becomes unreachable (connect fails at once with
# "No route to host").
world_stop_host() {
    local host=$1 pid ip ns
    pid=$(_world_anchor "$host") || return 1
    ip=$(world_host_ip "$host")
    ns=$(cat "$WORLD_DIR/netns")
    ip -n "$ns" route replace unreachable "$ip/32" table local || return 1
    _world_kill_ns mnt "$(readlink "/proc/$pid/ns/mnt")" "$pid"
}

# world_start_host HOST: bring a stopped host back (address and services).
world_start_host() {
    local host=$1 ns
    _world_anchor "$host" > /dev/null || return 1
    ns=$(cat "$WORLD_DIR/netns")
    ip -n "$ns" route del unreachable "$(world_host_ip "$host")/32" table local 2> /dev/null || true
    _world_services_start "$host"
}

_world_down_dir() { # DIR: tear down the world recorded in DIR
    local dir=$1 host pid st ns rc=0
    for host in $WORLD_HOSTS; do
        read -r pid st 2> /dev/null < "$dir/$host.anchor" || continue
        _world_alive "$pid" "$st" || continue
        _world_kill_ns mnt "$(readlink "/proc/$pid/ns/mnt")" || rc=1
    done
    ns=$(cat "$dir/netns" 2> /dev/null) || ns=''
    if [ -n "$ns" ] && [ -e "/run/netns/$ns" ]; then
        _world_kill_ns net "net:[$(stat -L -c %i "/run/netns/$ns")]" || rc=1
        ip netns del "$ns" || rc=1
    fi
    [ "$rc" -eq 0 ] && rm -rf --one-file-system "$dir"
    return "$rc"
}

# world_down: tear the current world down: every process in its namespaces
# is killed, its netns and state directory removed. Idempotent; safe when
# world_up failed half-way or never ran.
world_down() {
    local rc=0
    if [ -n "${WORLD_DIR:-}" ] && [ -d "$WORLD_DIR" ]; then
        _world_down_dir "$WORLD_DIR" || rc=1
    fi
    [ "$rc" -eq 0 ] && unset WORLD_DIR WORLD_ID
    return "$rc"
}

# world_down_all [--all]: remove leftover worlds under $WORLD_ROOT: those
# whose owner (the shell that called world_up) has exited and that were not
# made with WORLD_KEEP=1, or every one with --all; then any fbworld-* netns that has no state directory and no process
# left in it (a live world always has its anchors in its netns).
world_down_all() {
    local all=${1:-} dir pid st ns id rc=0
    for dir in "$WORLD_ROOT"/*/; do
        dir=${dir%/}
        [ -d "$dir" ] || continue
        pid='' st=''
        read -r pid st 2> /dev/null < "$dir/owner" || true
        if [ "$all" = --all ] || { [ "$pid" != keep ] && ! _world_alive "$pid" "$st"; }; then
            _world_down_dir "$dir" || rc=1
        fi
    done
    for ns in $(ip netns list 2> /dev/null | awk '$1 ~ /^fbworld-/ {print $1}'); do
        [ -d "$WORLD_ROOT/${ns#fbworld-}" ] && continue
        id="net:[$(stat -L -c %i "/run/netns/$ns")]"
        [ -z "$(_world_ns_pids net "$id")" ] || continue
        ip netns del "$ns" || rc=1
    done
    return "$rc"
}
