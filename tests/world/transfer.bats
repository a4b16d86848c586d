#!/usr/bin/env bats
# transfer.bats - push, pull, ls and trust-host against Debian's real sshd
# serving a chrooted internal-sftp account of group sftp.app (YunoHost's
# setup), started on a 127.0.0.x address by sftp_fixture.bash.

setup_file() {
    [ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, useradd, sshd)"
    # shellcheck source=sftp_fixture.bash
    source "$BATS_TEST_DIRNAME/sftp_fixture.bash"
    sftp_up
}

teardown_file() {
    # shellcheck source=sftp_fixture.bash
    source "$BATS_TEST_DIRNAME/sftp_fixture.bash"
    sftp_down
}

setup() {
    # shellcheck source=sftp_fixture.bash
    source "$BATS_TEST_DIRNAME/sftp_fixture.bash"
    FB=${FALLBACK_BIN:?}
    W=$BATS_TEST_TMPDIR
    CONF=$W/config.conf
    sftp_config "$CONF" "$W/known_hosts"
    # Each test gets its own folder on the server.
    R=/backups/t$BATS_TEST_NUMBER
    install -d -o "$(stat -c %u "$SFTP_HOME/backups")" -m 0775 "$SFTP_HOME$R"
}

pin() { # pin KNOWN_HOSTS_FILE: the server's real key
    printf '[%s]:%s %s\n' "$SFTP_ADDR" "$SFTP_PORT" "$(cut -d' ' -f1,2 "$SFTP_HOSTKEY_PUB")" > "$1"
}

fingerprint() { ssh-keygen -lf "$1" | cut -d' ' -f2; }

# Poll until a file exists with at least N bytes.
wait_size() { # wait_size FILE N
    local i
    for i in $(seq 3000); do
        [ -f "$1" ] && [ "$(stat -c %s "$1")" -ge "$2" ] && return 0
        sleep 0.01
    done
    return 1
}

@test "trust-host prints the fingerprint as ssh-keygen does and pins the key 0600" {
    run "$FB" trust-host --config "$CONF"
    [ "$status" -eq 0 ]
    [ "$output" = "$(fingerprint "$SFTP_HOSTKEY_PUB")" ]
    [ "$(stat -c %a "$W/known_hosts")" = 600 ]
    run "$FB" ls --config "$CONF" /
    [ "$status" -eq 0 ]
    [[ "$output" == "d "*" backups" ]]
}

@test "trust-host --expect pins only the expected fingerprint" {
    run "$FB" trust-host --config "$CONF" --expect SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
    [ "$status" -eq 3 ]
    [[ "$output" == *"not the expected"* ]]
    [ ! -e "$W/known_hosts" ]
    run "$FB" trust-host --config "$CONF" --expect "$(fingerprint "$SFTP_HOSTKEY_PUB")"
    [ "$status" -eq 0 ]
    [ -s "$W/known_hosts" ]
}

@test "unknown host key: exit 3, not trusted yet, fingerprint shown" {
    run "$FB" push --config "$CONF" --to "$R" "$CONF"
    [ "$status" -eq 3 ]
    [[ "$output" == "fallback: push: "*"not trusted yet: run trust-host"* ]]
    [[ "$output" == *"$(fingerprint "$SFTP_HOSTKEY_PUB")"* ]]
    [ -z "$(ls -A "$SFTP_HOME$R")" ]
}

@test "changed host key: exit 3 for push, pull, ls; trust-host refuses with both fingerprints" {
    ssh-keygen -q -t ed25519 -N '' -f "$W/other"
    printf '[%s]:%s %s\n' "$SFTP_ADDR" "$SFTP_PORT" "$(cut -d' ' -f1,2 "$W/other.pub")" > "$W/known_hosts"
    cp "$W/known_hosts" "$W/pin.before"
    run "$FB" push --config "$CONF" --to "$R" "$CONF"
    [ "$status" -eq 3 ]
    [[ "$output" == *"changed"*"$(fingerprint "$SFTP_HOSTKEY_PUB")"* ]]
    run "$FB" pull --config "$CONF" --to "$W" "$R/x"
    [ "$status" -eq 3 ]
    run "$FB" ls --config "$CONF" "$R"
    [ "$status" -eq 3 ]
    run "$FB" trust-host --config "$CONF"
    [ "$status" -eq 3 ]
    [[ "$output" == *"$(fingerprint "$SFTP_HOSTKEY_PUB")"*"$(fingerprint "$W/other.pub")"* ]]
    [[ "$output" == *"remove $W/known_hosts"* ]]
    cmp "$W/known_hosts" "$W/pin.before"
}

@test "a key the server does not accept: exit 9" {
    pin "$W/known_hosts"
    ssh-keygen -q -t ed25519 -N '' -f "$W/wrong"
    sftp_config "$CONF" "$W/known_hosts" "$W/wrong"
    run "$FB" ls --config "$CONF" /
    [ "$status" -eq 9 ]
    [[ "$output" == "fallback: ls: "*"refused the key"* ]]
}

@test "nothing listening: exit 10" {
    pin "$W/known_hosts"
    sed -i "s/^ssh_port=.*/ssh_port=1/" "$CONF"
    run "$FB" push --config "$CONF" --to "$R" "$CONF"
    [ "$status" -eq 10 ]
    [[ "$output" == "fallback: push: cannot connect"* ]]
}

@test "push then pull gives identical bytes for every size, manifest included" {
    pin "$W/known_hosts"
    mkdir "$W/src" "$W/dst"
    : > "$W/src/zero"
    head -c 1 /dev/urandom > "$W/src/one"
    for n in 261119 261120 261121 3145728; do head -c "$n" /dev/urandom > "$W/src/s$n"; done
    echo "manifest" > "$W/src/MANIFEST"
    files=(zero one s261119 s261120 s261121 s3145728)
    run "$FB" push --config "$CONF" --to "$R" --manifest "$W/src/MANIFEST" "${files[@]/#/$W/src/}"
    [ "$status" -eq 0 ]
    run "$FB" ls --config "$CONF" "$R"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "f 9 MANIFEST" ]
    [ "${lines[1]}" = "f 1 one" ]
    [ "${lines[5]}" = "f 3145728 s3145728" ]
    [ "${lines[6]}" = "f 0 zero" ]
    [ "${#lines[@]}" -eq 7 ]
    run "$FB" pull --config "$CONF" --to "$W/dst" "${files[@]/#/$R/}" "$R/MANIFEST"
    [ "$status" -eq 0 ]
    for f in "${files[@]}" MANIFEST; do
        cmp "$W/src/$f" "$W/dst/$f"
        cmp "$W/src/$f" "$SFTP_HOME$R/$f"
    done
    [ -z "$(find "$W/dst" "$SFTP_HOME$R" -name '*.part')" ]
}

@test "re-running a push keeps what arrived; another size is never overwritten" {
    pin "$W/known_hosts"
    head -c 100000 /dev/urandom > "$W/a"
    run "$FB" push --config "$CONF" --to "$R" "$W/a"
    [ "$status" -eq 0 ]
    run "$FB" push --config "$CONF" --to "$R" "$W/a"
    [ "$status" -eq 0 ]
    cp "$W/a" "$W/keep"
    mkdir "$W/other" && head -c 5 /dev/urandom > "$W/other/a"
    run "$FB" push --config "$CONF" --to "$R" "$W/other/a"
    [ "$status" -eq 1 ]
    [[ "$output" == *"refusing to overwrite"* ]]
    cmp "$W/keep" "$SFTP_HOME$R/a"
}

@test "ls: a missing folder is exit 1 with a clear message" {
    pin "$W/known_hosts"
    run "$FB" ls --config "$CONF" /backups/none
    [ "$status" -eq 1 ]
    [ "$output" = "fallback: ls: /backups/none: no such folder on $SFTP_ADDR:$SFTP_PORT" ]
}

@test "a root-owned folder: exit 11, manifest not sent" {
    pin "$W/known_hosts"
    install -d -o root -m 0755 "$SFTP_HOME/locked$BATS_TEST_NUMBER"
    echo data > "$W/a"
    echo m > "$W/MANIFEST"
    run "$FB" push --config "$CONF" --to "/locked$BATS_TEST_NUMBER" --manifest "$W/MANIFEST" "$W/a"
    [ "$status" -eq 11 ]
    [[ "$output" == "fallback: push: "*"permission denied"* ]]
    [ -z "$(ls -A "$SFTP_HOME/locked$BATS_TEST_NUMBER")" ]
}

@test "a missing local file is refused before anything is sent" {
    pin "$W/known_hosts"
    echo data > "$W/a"
    run "$FB" push --config "$CONF" --to "$R" "$W/a" "$W/missing"
    [ "$status" -eq 1 ]
    [[ "$output" == "fallback: push: cannot open $W/missing"* ]]
    [ -z "$(ls -A "$SFTP_HOME$R")" ]
}

@test "disk full on the server: exit 8, earlier files intact, manifest absent" {
    pin "$W/known_hosts"
    uid=$(stat -c %u "$SFTP_HOME/backups")
    sftp_ns mount -t tmpfs -o "size=1m,uid=$uid,mode=0775" tmpfs "$SFTP_HOME$R"
    head -c 200000 /dev/urandom > "$W/small"
    head -c 3000000 /dev/urandom > "$W/large"
    echo m > "$W/MANIFEST"
    run "$FB" push --config "$CONF" --to "$R" --manifest "$W/MANIFEST" "$W/small" "$W/large"
    listing=$(sftp_ns ls -A "$SFTP_HOME$R")
    sftp_ns cat "$SFTP_HOME$R/small" > "$W/small.remote"
    sftp_ns umount "$SFTP_HOME$R"
    [ "$status" -eq 8 ]
    [[ "$output" == "fallback: push: "*"no space left"* ]]
    cmp "$W/small" "$W/small.remote"
    [ "$(grep -cx -e MANIFEST -e large <<< "$listing")" -eq 0 ]
}

@test "server stopped mid-transfer: exit 5 from the watchdog, the part is kept" {
    pin "$W/known_hosts"
    head -c 400M /dev/urandom > "$W/big"
    "$FB" push --config "$CONF" --to "$R" --stall-timeout 2 "$W/big" > "$W/out" 2>&1 &
    client=$!
    wait_size "$SFTP_HOME$R/big.part" 1
    session=$(sftp_session_pid)
    [ -n "$session" ]
    kill -STOP "$session"
    rc=0
    wait "$client" || rc=$?
    kill -CONT "$session"
    [ "$rc" -eq 5 ]
    [ "$(cat "$W/out")" = "fallback: push: no progress for 2 s, giving up" ]
    [ -e "$SFTP_HOME$R/big.part" ]
    [ ! -e "$SFTP_HOME$R/big" ]
}

@test "resume after a killed client: the re-run completes byte-identical" {
    pin "$W/known_hosts"
    head -c 300M /dev/urandom > "$W/big"
    "$FB" push --config "$CONF" --to "$R" "$W/big" &
    client=$!
    wait_size "$SFTP_HOME$R/big.part" 1000000
    kill -STOP "$client"
    kill -KILL "$client"
    wait "$client" || true
    part=$(stat -c %s "$SFTP_HOME$R/big.part")
    [ "$part" -lt $((300 * 1024 * 1024)) ]
    run "$FB" push --config "$CONF" --to "$R" "$W/big"
    [ "$status" -eq 0 ]
    cmp "$W/big" "$SFTP_HOME$R/big"
    [ ! -e "$SFTP_HOME$R/big.part" ]
}

@test "pull resumes a partial local part and restarts one that is too long" {
    pin "$W/known_hosts"
    head -c 2000000 /dev/urandom > "$SFTP_HOME$R/f"
    head -c 100000 /dev/urandom > "$SFTP_HOME$R/g"
    mkdir "$W/dst"
    head -c 700000 "$SFTP_HOME$R/f" > "$W/dst/f.part"
    head -c 150000 /dev/urandom > "$W/dst/g.part"
    run "$FB" pull --config "$CONF" --to "$W/dst" "$R/f" "$R/g"
    [ "$status" -eq 0 ]
    cmp "$SFTP_HOME$R/f" "$W/dst/f"
    cmp "$SFTP_HOME$R/g" "$W/dst/g"
    [ ! -e "$W/dst/f.part" ] && [ ! -e "$W/dst/g.part" ]
}
