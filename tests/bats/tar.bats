#!/usr/bin/env bats
# fallback tar WORK_DIR: the tar YunoHost's tar method writes from
# backup.csv (Python's tarfile.add per row), member for member.
bats_require_minimum_version 1.5.0

setup() {
    FB=${FALLBACK_BIN:-$PWD/${BUILD:-build}/fallback}
    T=$(mktemp -d)
    src=$T/src work=$T/work
    mkdir -p "$src/data/sub" "$src/empty" "$work/apps/app1/backup" "$work/apps/app1/settings" "$work/hooks/restore"
    echo hello > "$src/data/a.txt"
    ln "$src/data/a.txt" "$src/data/sub/hard"
    ln -s ../a.txt "$src/data/sub/link"
    echo long > "$src/data/$(printf 'n%.0s' {1..120})"
    echo accent > "$src/data/café"
    head -c 700000 /dev/urandom > "$src/data/big.bin"
    chmod 0600 "$src/data/big.bin"
    chown 4321:4321 "$src/data/a.txt"
    echo 'id: app1' > "$work/apps/app1/settings/settings.yml"
    echo dump > "$work/apps/app1/backup/db.sql"
    echo '{"created_at": 1}' > "$work/info.json"
    csv "$src/data" apps/app1/backup/data "$src/empty" /data/empty "$src/data/a.txt" conf/a.txt \
        "$work/backup.csv" backup.csv "$work/info.json" info.json "$work/apps/app1" apps/app1 > "$work/backup.csv"
}

teardown() {
    rm -rf "$T"
}

csv() { # csv SRC DEST...: rows as Python's csv.QUOTE_ALL writes them
    while [ $# -gt 1 ]; do printf '"%s","%s"\r\n' "$1" "$2"; shift 2; done
}

# members TAR: one line per member, every field tarfile reads back
members() {
    /usr/bin/python3 - "$1" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    for m in t.getmembers():
        print(repr((m.name, m.type, m.linkname, m.size, m.mode, m.uid, m.gid,
                    m.uname, m.gname, int(m.mtime))))
PY
}

# pytar WORK OUT: the archive TarBackupMethod writes from WORK/backup.csv
pytar() {
    /usr/bin/python3 - "$1" "$2" <<'PY'
import csv, os, sys, tarfile
with tarfile.open(sys.argv[2], "w") as t:
    with open(os.path.join(sys.argv[1], "backup.csv"), newline="") as f:
        for row in csv.reader(f):
            t.add(row[0], arcname=row[1])
PY
}

@test "tar: the members, their order and metadata are those of tarfile.add per CSV row" {
    "$FB" tar "$work" > "$T/ours.tar"
    pytar "$work" "$T/py.tar"
    members "$T/py.tar" > "$T/py.list"
    members "$T/ours.tar" > "$T/ours.list"
    diff "$T/py.list" "$T/ours.list"
    grep -q "'apps/app1/backup/data/sub/hard', b'1', 'apps/app1/backup/data/a.txt'" "$T/ours.list"
    grep -q "'data/empty', b'5'" "$T/ours.list"
    # GNU tar reads it, content included
    mkdir "$T/x" && tar -xf "$T/ours.tar" -C "$T/x"
    cmp "$src/data/big.bin" "$T/x/apps/app1/backup/data/big.bin"
    [ "$(stat -c %a "$T/x/apps/app1/backup/data/big.bin")" = 600 ]
    [ $(($(stat -c %s "$T/ours.tar") % 10240)) -eq 0 ]
}

@test "tar | checksum -: the digest of Python's tar of the same backup" {
    pytar "$work" "$T/py.tar"
    run "$FB" checksum "$T/py.tar"
    want=$output
    [[ "$want" =~ ^[0-9a-f]{64}$ ]]
    run bash -c "set -o pipefail; '$FB' tar '$work' | '$FB' checksum -"
    [ "$status" -eq 0 ]
    [ "$output" = "$want" ]
    # checksum - reads its input to the end: a writer with more to say is not cut off
    run bash -c "set -o pipefail; { cat '$T/py.tar'; head -c 1000000 /dev/zero; } | '$FB' checksum -"
    [ "$status" -eq 0 ]
    [ "$output" = "$want" ]
    # one byte of data changed: another digest
    echo x >> "$src/data/sub/hard"
    run bash -c "set -o pipefail; '$FB' tar '$work' | '$FB' checksum -"
    [ "$output" != "$want" ]
}

@test "tar: sockets left out as tarfile does; fifo refused (12); missing source (1)" {
    /usr/bin/python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$src/data/sock"
    "$FB" tar "$work" > "$T/ours.tar"
    pytar "$work" "$T/py.tar"
    diff <(members "$T/py.tar") <(members "$T/ours.tar")
    mkfifo "$src/data/fifo"
    run bash -c "'$FB' tar '$work' > /dev/null"
    [ "$status" -eq 12 ]
    [[ "$output" == "fallback: tar: $src/data/fifo: fifo or device file, refused" ]]
    rm "$src/data/fifo"
    rm -r "$src/empty"
    run bash -c "'$FB' tar '$work' > /dev/null"
    [ "$status" -eq 1 ]
    [[ "$output" == "fallback: tar: cannot archive $src/empty: No such file or directory" ]]
}

@test "tar: bad backup.csv (12), no backup.csv (1), usage (2), terminal refused" {
    printf '"a","b","c"\r\n' > "$work/backup.csv"
    run "$FB" tar "$work"
    [ "$status" -eq 12 ]
    [[ "$output" == "fallback: tar: $work/backup.csv: line 1: expected two fields"* ]]
    printf '"a","b\r\n' > "$work/backup.csv"
    run "$FB" tar "$work"
    [ "$status" -eq 12 ]
    [[ "$output" == *"unterminated quoted field" ]]
    run "$FB" tar "$T/nowhere"
    [ "$status" -eq 1 ]
    [[ "$output" == "fallback: tar: "*"nowhere/backup.csv"* ]]
    run "$FB" tar
    [ "$status" -eq 2 ]
    run "$FB" tar --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"backup.csv"* ]]
}

@test "encrypt - -: a stream that decrypts to the input" {
    echo pw > "$T/pw"
    "$FB" tar "$work" | "$FB" encrypt --pass-file "$T/pw" - - > "$T/s.enc"
    "$FB" decrypt --pass-file "$T/pw" "$T/s.enc" "$T/s.tar"
    "$FB" tar "$work" | cmp - "$T/s.tar"
    run "$FB" decrypt --pass-file "$T/pw" "$T/s.enc" -
    [ "$status" -eq 2 ]
}
