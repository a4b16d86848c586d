#!/bin/bash
# sftp_fixture.bash - a throwaway SFTP server for the transfer tests and the
# transfer benchmark: Debian's real sshd on a 127.0.0.x address, started in
# its own mount namespace with a private copy of /etc, serving a chrooted
# internal-sftp account of group sftp.app as YunoHost configures it
# (Match Group sftp.app,!ssh.app: ForceCommand internal-sftp -u 0002,
# ChrootDirectory %h, UsePAM yes).  Runs as root.
#
#   sftp_up [USER]    start; sets SFTP_BASE SFTP_ADDR SFTP_PORT SFTP_USER
#                     SFTP_HOME (chroot, root-owned) SFTP_PID (listener),
#                     SFTP_CLIENT_KEY, SFTP_HOSTKEY_PUB; the account has a
#                     writable folder $SFTP_HOME/backups
#   sftp_ns CMD...    run CMD in the server's mount namespace
#   sftp_session_pid  pid of the process serving the current sftp session
#   sftp_config FILE [KNOWN_HOSTS] [KEY]   write a config.conf for the client
#   sftp_down         stop the server, remove everything

sftp_up() {
    SFTP_USER=${1:-fbtest}
    SFTP_BASE=$(mktemp -d /var/lib/fb-sftp.XXXXXX) || return 1
    chmod 0755 "$SFTP_BASE"
    SFTP_ADDR=127.0.0.$((RANDOM % 200 + 20))
    SFTP_PORT=$((RANDOM % 20000 + 20000))
    SFTP_HOME=$SFTP_BASE/home/$SFTP_USER
    SFTP_CLIENT_KEY=$SFTP_BASE/client/id_ed25519
    SFTP_HOSTKEY_PUB=$SFTP_BASE/hostkey.pub
    mkdir -p "$SFTP_BASE/keys" "$SFTP_BASE/client" "$SFTP_HOME" /run/sshd
    cp -a /etc "$SFTP_BASE/etc"
    ssh-keygen -q -t ed25519 -N '' -f "$SFTP_BASE/hostkey"
    ssh-keygen -q -t ed25519 -N '' -f "$SFTP_CLIENT_KEY"
    install -m 0644 "$SFTP_CLIENT_KEY.pub" "$SFTP_BASE/keys/$SFTP_USER"
    install -m 0644 "$SFTP_CLIENT_KEY.pub" "$SFTP_BASE/keys/root"
    _sftp_sshd_config > "$SFTP_BASE/sshd_config"
    export SFTP_USER SFTP_BASE SFTP_ADDR SFTP_PORT SFTP_HOME SFTP_CLIENT_KEY SFTP_HOSTKEY_PUB
    _sftp_start || { sftp_down; return 1; }
    export SFTP_PID
}

_sftp_sshd_config() {
    cat <<CFG
Port $SFTP_PORT
ListenAddress $SFTP_ADDR
HostKey $SFTP_BASE/hostkey
PidFile $SFTP_BASE/sshd.pid
AuthorizedKeysFile $SFTP_BASE/keys/%u
UsePAM yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowGroups sftp.app ssh.app root
Subsystem sftp internal-sftp
LogLevel VERBOSE
ClientAliveInterval 60
Match Group sftp.app,!ssh.app
    ForceCommand internal-sftp -u 0002
    ChrootDirectory %h
    AllowTcpForwarding no
    AllowStreamLocalForwarding no
    PermitTunnel no
    PermitUserRC no
CFG
}

# The namespace keeps useradd and the tmpfs mounts of the tests off the host.
_sftp_start() {
    local fifo=$SFTP_BASE/ready
    mkfifo "$fifo"
    unshare -m --propagation private bash -c '
        set -e
        b=$1 u=$2 home=$3
        mount --bind "$b/etc" /etc
        groupadd -f sftp.app; groupadd -f ssh.app
        useradd --system --no-create-home --home-dir "$home" --shell /usr/sbin/nologin \
            --groups sftp.app "$u"
        install -d -o "$u" -g "$u" -m 0775 "$home/backups"
        echo up > "$b/ready"
        exec /usr/sbin/sshd -D -f "$b/sshd_config" -E "$b/sshd.log"
    ' sftp-fixture "$SFTP_BASE" "$SFTP_USER" "$SFTP_HOME" &
    SFTP_PID=$!
    read -r _ < "$fifo" || return 1
    for _ in $(seq 100); do
        ssh-keyscan -T 1 -p "$SFTP_PORT" "$SFTP_ADDR" > /dev/null 2>&1 && return 0
        kill -0 "$SFTP_PID" 2> /dev/null || break
        sleep 0.1
    done
    echo "sftp_fixture: sshd did not start:" >&2
    cat "$SFTP_BASE/sshd.log" >&2
    return 1
}

sftp_ns() {
    nsenter -t "$SFTP_PID" -m -- "$@"
}

# The internal-sftp server runs in the unprivileged session child of sshd.
sftp_session_pid() {
    local uid
    uid=$(sftp_ns id -u "$SFTP_USER") || return 1
    pgrep -u "$uid" -f '^sshd: .*@internal-sftp' | head -n1
}

sftp_config() {
    local file=$1 known=${2:-$SFTP_BASE/client/known_hosts} key=${3:-$SFTP_CLIENT_KEY}
    cat > "$file" <<CFG
ssh_user=$SFTP_USER
ssh_host=$SFTP_ADDR
ssh_port=$SFTP_PORT
ssh_key=$key
known_hosts=$known
encrypt=0
CFG
}

sftp_down() {
    if [ -n "${SFTP_PID:-}" ]; then
        kill "$SFTP_PID" 2> /dev/null
        wait "$SFTP_PID" 2> /dev/null
    fi
    [ -n "${SFTP_BASE:-}" ] && [ -d "$SFTP_BASE" ] && rm -rf "$SFTP_BASE"
    SFTP_PID=
}
