#!/usr/bin/env bats
# fallback checksum PATH: one digest line, same for a backup tree and its tar.
bats_require_minimum_version 1.5.0

setup() {
    FB=${FALLBACK_BIN:-$PWD/${BUILD:-build}/fallback}
    T=$(mktemp -d)
    tree=$T/out
    mkdir -p "$tree/apps/app1/settings" "$tree/apps/app1/backup" "$tree/hooks/restore" "$tree/conf/ynh"
    echo '{"created_at": 1735732800}' > "$tree/info.json"
    printf '"/etc/yunohost/apps/app1","apps/app1/settings"\n' > "$tree/backup.csv"
    echo 'id: app1' > "$tree/apps/app1/settings/settings.yml"
    head -c 300000 /dev/urandom > "$tree/apps/app1/backup/db.sql"
    ln -s ../settings/settings.yml "$tree/apps/app1/backup/link"
    echo 'rules' > "$tree/conf/ynh/firewall.yml"
}

teardown() {
    rm -rf "$T"
}

# python3 tarfile, as YunoHost writes it: one add() per top-level name
pytar() { # pytar SRC OUT
    /usr/bin/python3 - "$1" "$2" <<'EOF'
import os, sys, tarfile
src, out = sys.argv[1:3]
with tarfile.open(out, "w") as t:
    for n in sorted(os.listdir(src)):
        if not n.endswith(".tar"):
            t.add(os.path.join(src, n), arcname=n)
EOF
}

@test "checksum prints one 64-hex line and nothing on stderr" {
    run --separate-stderr "$FB" checksum "$tree"
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" =~ ^[0-9a-f]{64}$ ]]
    [ -z "$stderr" ]
}

@test "tree, GNU tar and Python tar give the same digest" {
    want=$("$FB" checksum "$tree")
    tar -C "$tree" -cf "$T/gnu.tar" .
    pytar "$tree" "$T/py.tar"
    [ "$("$FB" checksum "$T/gnu.tar")" = "$want" ]
    [ "$("$FB" checksum "$T/py.tar")" = "$want" ]
}

@test "tar owners, modes and times do not change the digest" {
    want=$("$FB" checksum "$tree")
    tar --owner=4321 --group=4321 --mode=go-rwx --mtime=2001-02-03 --format=posix \
        -C "$tree" -cf "$T/meta.tar" .
    [ "$("$FB" checksum "$T/meta.tar")" = "$want" ]
}

@test "NAME.tar left inside the tree (output directory) is ignored" {
    want=$("$FB" checksum "$tree")
    pytar "$tree" "$tree/20250101-120000.tar"
    [ "$("$FB" checksum "$tree")" = "$want" ]
    [ "$("$FB" checksum "$tree/20250101-120000.tar")" = "$want" ]
}

@test "a symlink to the tar is followed for PATH itself" {
    tar -C "$tree" -cf "$T/gnu.tar" .
    ln -s "$T/gnu.tar" "$T/alias.tar"
    [ "$("$FB" checksum "$T/alias.tar")" = "$("$FB" checksum "$tree")" ]
}

@test "a changed byte changes the digest; touching and info.json do not" {
    before=$("$FB" checksum "$tree")
    touch -d 2000-01-01 "$tree/backup.csv"
    echo '{"created_at": 1}' > "$tree/info.json"
    [ "$("$FB" checksum "$tree")" = "$before" ]
    "$BATS_TEST_DIRNAME/../flip-byte" "$tree/apps/app1/backup/db.sql" 1000
    [ "$("$FB" checksum "$tree")" != "$before" ]
}

@test "a corrupted tar header: exit 12, one error line, empty stdout" {
    tar -C "$tree" -cf "$T/gnu.tar" .
    printf 'X' | dd of="$T/gnu.tar" bs=1 seek=600 conv=notrunc 2> /dev/null
    run --separate-stderr "$FB" checksum "$T/gnu.tar"
    [ "$status" -eq 12 ]
    [ -z "$output" ]
    [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
    [[ "$stderr" == "fallback: checksum: "*"bad header checksum"* ]]
}

@test "a truncated tar: exit 12, empty stdout" {
    tar -C "$tree" -cf "$T/gnu.tar" .
    head -c 100000 "$T/gnu.tar" > "$T/cut.tar"
    run --separate-stderr "$FB" checksum "$T/cut.tar"
    [ "$status" -eq 12 ]
    [ -z "$output" ]
    [[ "$stderr" == "fallback: checksum: "*"truncated"* ]]
}

@test "a missing path: exit 1, empty stdout" {
    run --separate-stderr "$FB" checksum "$T/nope"
    [ "$status" -eq 1 ]
    [ -z "$output" ]
    [[ "$stderr" == "fallback: checksum: "*"No such file"* ]]
}

@test "a fifo as PATH is refused (12); a fifo inside the tree is an entry, read without blocking" {
    mkfifo "$T/fifo"
    run --separate-stderr "$FB" checksum "$T/fifo"
    [ "$status" -eq 12 ]
    [ -z "$output" ]
    run "$FB" checksum "$tree"
    before=$output
    mkfifo "$tree/conf/pipe"
    run timeout 20 "$FB" checksum "$tree"
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^[0-9a-f]{64}$ ]]
    [ "$output" != "$before" ]
}

@test "usage: no PATH or two PATHs exit 2; --help exits 0" {
    run "$FB" checksum
    [ "$status" -eq 2 ]
    run "$FB" checksum "$tree" "$tree"
    [ "$status" -eq 2 ]
    run "$FB" checksum --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"PATH"* ]]
}
