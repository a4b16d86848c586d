#!/usr/bin/env bats
# transfer.bats - push, pull, ls and trust-host on the two-host world: the
# client runs on the main, Debian's real sshd on the fallback (127.0.0.3:22,
# sshd_config as YunoHost renders it) serves an SFTP-only account of group
# sftp.app, chrooted to its root-owned home (world_sftp_account).
#
# Paths: $W is the test's folder on the main as the client sees it, $MW the
# same folder seen from here; $H is the account's home (its chroot, the "/"
# of the SFTP paths) seen from here.

# Functions and constants only: bats runs this before setup_file and before each test.
# shellcheck source-path=SCRIPTDIR source=world.bash
source "$BATS_TEST_DIRNAME/world.bash"

setup_file() {
    world_up
    world_sftp_account fbtest backups
    on_main test -x "${FALLBACK_BIN:?}" || {
        echo "# $FALLBACK_BIN is not visible inside the hosts (it must be under $WORLD_SRC)" >&3
        return 1
    }
}

teardown_file() {
    world_down
}

setup() {
    FB=${FALLBACK_BIN:?}
    ADDR=$(world_host_ip fallback)
    PORT=22
    H=$(world_path fallback /home/yunohost.app/fbtest)
    HOSTKEY_PUB=$(world_path fallback /etc/ssh/ssh_host_ed25519_key.pub)
    W=/root/t$BATS_TEST_NUMBER
    MW=$(world_path main "$W")
    mkdir -p "$MW"
    CONF=$W/config.conf
    write_config
    # Each test gets its own folder on the server.
    R=/backups/t$BATS_TEST_NUMBER
    install -d -o "$(stat -c %u "$H/backups")" -m 0775 "$H$R"
}

teardown() { # the hosts' files are in RAM: drop this test's
    rm -rf --one-file-system "$MW" "$H$R"
}

fb() { on_main "$FB" "$@"; }

write_config() { # write_config [KEY]: the client's config.conf on the main
    cat > "$MW/config.conf" <<CFG
ssh_user=fbtest
ssh_host=$ADDR
ssh_port=$PORT
ssh_key=${1:-/root/.ssh/id_fbtest}
known_hosts=$W/known_hosts
encrypt=0
CFG
}

pin() { # pin KNOWN_HOSTS_FILE: the server's real key (port 22: no [host]:port)
    printf '%s %s\n' "$ADDR" "$(cut -d' ' -f1,2 "$HOSTKEY_PUB")" > "$1"
}

fingerprint() { ssh-keygen -lf "$1" | cut -d' ' -f2; }

# Poll until a file exists with at least N bytes.
wait_size() { # wait_size FILE N
    local _
    for _ in $(seq 3000); do
        [ -f "$1" ] && [ "$(stat -c %s "$1")" -ge "$2" ] && return 0
        sleep 0.01
    done
    return 1
}

# The processes serving the account's SFTP session: in the fallback's mount
# namespace and chrooted to the account's home (the hosts share the
# machine's process table, so a user name alone could match another world).
session_pids() {
    local mnt home p
    mnt=$(on_fallback readlink /proc/self/ns/mnt)
    home=$(stat -L -c %d:%i "$H")
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/ns/mnt" 2> /dev/null)" = "$mnt" ] || continue
        [ "$(stat -L -c %d:%i "$p/root" 2> /dev/null)" = "$home" ] || continue
        echo "${p#/proc/}"
    done
}

@test "trust-host prints the fingerprint as ssh-keygen does and pins the key 0600" {
    run fb trust-host --config "$CONF"
    [ "$status" -eq 0 ]
    [ "$output" = "$(fingerprint "$HOSTKEY_PUB")" ]
    [ "$(stat -c %a "$MW/known_hosts")" = 600 ]
    run fb ls --config "$CONF" /
    [ "$status" -eq 0 ]
    [[ "$output" == "d "*" backups" ]]
}

@test "trust-host --expect pins only the expected fingerprint" {
    run fb trust-host --config "$CONF" --expect SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
    [ "$status" -eq 3 ]
    [[ "$output" == *"not the expected"* ]]
    [ ! -e "$MW/known_hosts" ]
    run fb trust-host --config "$CONF" --expect "$(fingerprint "$HOSTKEY_PUB")"
    [ "$status" -eq 0 ]
    [ -s "$MW/known_hosts" ]
}

@test "unknown host key: exit 3, not trusted yet, fingerprint shown" {
    run fb push --config "$CONF" --to "$R" "$CONF"
    [ "$status" -eq 3 ]
    [[ "$output" == "fallback: push: "*"not trusted yet: run trust-host"* ]]
    [[ "$output" == *"$(fingerprint "$HOSTKEY_PUB")"* ]]
    [ -z "$(ls -A "$H$R")" ]
}

@test "changed host key: exit 3 for push, pull, ls; trust-host refuses with both fingerprints" {
    ssh-keygen -q -t ed25519 -N '' -f "$MW/other"
    printf '%s %s\n' "$ADDR" "$(cut -d' ' -f1,2 "$MW/other.pub")" > "$MW/known_hosts"
    cp "$MW/known_hosts" "$MW/pin.before"
    run fb push --config "$CONF" --to "$R" "$CONF"
    [ "$status" -eq 3 ]
    [[ "$output" == *"changed"*"$(fingerprint "$HOSTKEY_PUB")"* ]]
    run fb pull --config "$CONF" --to "$W" "$R/x"
    [ "$status" -eq 3 ]
    run fb ls --config "$CONF" "$R"
    [ "$status" -eq 3 ]
    run fb trust-host --config "$CONF"
    [ "$status" -eq 3 ]
    [[ "$output" == *"$(fingerprint "$HOSTKEY_PUB")"*"$(fingerprint "$MW/other.pub")"* ]]
    [[ "$output" == *"remove $W/known_hosts"* ]]
    cmp "$MW/known_hosts" "$MW/pin.before"
}

@test "a key the server does not accept: exit 9" {
    pin "$MW/known_hosts"
    ssh-keygen -q -t ed25519 -N '' -f "$MW/wrong"
    write_config "$W/wrong"
    run fb ls --config "$CONF" /
    [ "$status" -eq 9 ]
    [[ "$output" == "fallback: ls: "*"refused the key"* ]]
}

@test "nothing listening: exit 10" {
    pin "$MW/known_hosts"
    sed -i "s/^ssh_port=.*/ssh_port=1/" "$MW/config.conf"
    run fb push --config "$CONF" --to "$R" "$CONF"
    [ "$status" -eq 10 ]
    [[ "$output" == "fallback: push: cannot connect"* ]]
}

@test "push then pull gives identical bytes for every size, manifest included" {
    pin "$MW/known_hosts"
    mkdir "$MW/src" "$MW/dst"
    : > "$MW/src/zero"
    head -c 1 /dev/urandom > "$MW/src/one"
    for n in 261119 261120 261121 3145728; do head -c "$n" /dev/urandom > "$MW/src/s$n"; done
    echo "manifest" > "$MW/src/MANIFEST"
    files=(zero one s261119 s261120 s261121 s3145728)
    run fb push --config "$CONF" --to "$R" --manifest "$W/src/MANIFEST" "${files[@]/#/$W/src/}"
    [ "$status" -eq 0 ]
    run fb ls --config "$CONF" "$R"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "f 9 MANIFEST" ]
    [ "${lines[1]}" = "f 1 one" ]
    [ "${lines[5]}" = "f 3145728 s3145728" ]
    [ "${lines[6]}" = "f 0 zero" ]
    [ "${#lines[@]}" -eq 7 ]
    run fb pull --config "$CONF" --to "$W/dst" "${files[@]/#/$R/}" "$R/MANIFEST"
    [ "$status" -eq 0 ]
    for f in "${files[@]}" MANIFEST; do
        cmp "$MW/src/$f" "$MW/dst/$f"
        cmp "$MW/src/$f" "$H$R/$f"
    done
    [ -z "$(find "$MW/dst" "$H$R" -name '*.part')" ]
}

@test "re-running a push keeps what arrived; another size is never overwritten" {
    pin "$MW/known_hosts"
    head -c 100000 /dev/urandom > "$MW/a"
    run fb push --config "$CONF" --to "$R" "$W/a"
    [ "$status" -eq 0 ]
    run fb push --config "$CONF" --to "$R" "$W/a"
    [ "$status" -eq 0 ]
    cp "$MW/a" "$MW/keep"
    mkdir "$MW/other" && head -c 5 /dev/urandom > "$MW/other/a"
    run fb push --config "$CONF" --to "$R" "$W/other/a"
    [ "$status" -eq 1 ]
    [[ "$output" == *"refusing to overwrite"* ]]
    cmp "$MW/keep" "$H$R/a"
}

@test "ls: a missing folder is exit 1 with a clear message" {
    pin "$MW/known_hosts"
    run fb ls --config "$CONF" /backups/none
    [ "$status" -eq 1 ]
    [ "$output" = "fallback: ls: /backups/none: no such folder on $ADDR:$PORT" ]
}

@test "a root-owned folder: exit 11, manifest not sent" {
    pin "$MW/known_hosts"
    install -d -o root -m 0755 "$H/locked$BATS_TEST_NUMBER"
    echo data > "$MW/a"
    echo m > "$MW/MANIFEST"
    run fb push --config "$CONF" --to "/locked$BATS_TEST_NUMBER" --manifest "$W/MANIFEST" "$W/a"
    [ "$status" -eq 11 ]
    [[ "$output" == "fallback: push: "*"permission denied"* ]]
    [ -z "$(ls -A "$H/locked$BATS_TEST_NUMBER")" ]
}

@test "a missing local file is refused before anything is sent" {
    pin "$MW/known_hosts"
    echo data > "$MW/a"
    run fb push --config "$CONF" --to "$R" "$W/a" "$W/missing"
    [ "$status" -eq 1 ]
    [[ "$output" == "fallback: push: cannot open $W/missing"* ]]
    [ -z "$(ls -A "$H$R")" ]
}

@test "disk full on the server: exit 8, earlier files intact, manifest absent" {
    pin "$MW/known_hosts"
    uid=$(stat -c %u "$H/backups")
    on_fallback mount -t tmpfs -o "size=1m,uid=$uid,mode=0775" tmpfs "/home/yunohost.app/fbtest$R"
    head -c 200000 /dev/urandom > "$MW/small"
    head -c 3000000 /dev/urandom > "$MW/large"
    echo m > "$MW/MANIFEST"
    run fb push --config "$CONF" --to "$R" --manifest "$W/MANIFEST" "$W/small" "$W/large"
    listing=$(on_fallback ls -A "/home/yunohost.app/fbtest$R")
    on_fallback cat "/home/yunohost.app/fbtest$R/small" > "$MW/small.remote"
    on_fallback umount "/home/yunohost.app/fbtest$R"
    [ "$status" -eq 8 ]
    [[ "$output" == "fallback: push: "*"no space left"* ]]
    cmp "$MW/small" "$MW/small.remote"
    [ "$(grep -cx -e MANIFEST -e large <<< "$listing")" -eq 0 ]
}

@test "server stopped mid-transfer: exit 5 from the watchdog, the part is kept" {
    pin "$MW/known_hosts"
    head -c 400M /dev/urandom > "$MW/big"
    fb push --config "$CONF" --to "$R" --stall-timeout 2 "$W/big" > "$MW/out" 2>&1 &
    client=$!
    wait_size "$H$R/big.part" 1
    session=$(session_pids)
    [ -n "$session" ]
    # shellcheck disable=SC2086 # one or more pids
    kill -STOP $session
    rc=0
    wait "$client" || rc=$?
    # shellcheck disable=SC2086
    kill -CONT $session
    [ "$rc" -eq 5 ]
    [ "$(cat "$MW/out")" = "fallback: push: no progress for 2 s, giving up" ]
    [ -e "$H$R/big.part" ]
    [ ! -e "$H$R/big" ]
}

@test "resume after a killed client: the re-run completes byte-identical" {
    pin "$MW/known_hosts"
    head -c 300M /dev/urandom > "$MW/big"
    # shellcheck disable=SC2016 # expanded on the main: the client keeps this pid
    on_main bash -c 'echo $$ > "$1" && exec "${@:2}"' _ "$W/client.pid" \
        "$FB" push --config "$CONF" --to "$R" "$W/big" &
    wrapper=$!
    wait_size "$H$R/big.part" 1000000
    client=$(cat "$MW/client.pid")
    [ "$(cat "/proc/$client/comm")" = fallback ]
    kill -STOP "$client"
    kill -KILL "$client"
    wait "$wrapper" || true
    part=$(stat -c %s "$H$R/big.part")
    [ "$part" -lt $((300 * 1024 * 1024)) ]
    run fb push --config "$CONF" --to "$R" "$W/big"
    [ "$status" -eq 0 ]
    cmp "$MW/big" "$H$R/big"
    [ ! -e "$H$R/big.part" ]
}

@test "pull resumes a partial local part and restarts one that is too long" {
    pin "$MW/known_hosts"
    head -c 2000000 /dev/urandom > "$H$R/f"
    head -c 100000 /dev/urandom > "$H$R/g"
    mkdir "$MW/dst"
    head -c 700000 "$H$R/f" > "$MW/dst/f.part"
    head -c 150000 /dev/urandom > "$MW/dst/g.part"
    run fb pull --config "$CONF" --to "$W/dst" "$R/f" "$R/g"
    [ "$status" -eq 0 ]
    cmp "$H$R/f" "$MW/dst/f"
    cmp "$H$R/g" "$MW/dst/g"
    [ ! -e "$MW/dst/f.part" ] && [ ! -e "$MW/dst/g.part" ]
}
