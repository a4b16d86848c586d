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

@test "tar: byte for byte the tar of tarfile, fifos and devices included; sockets left out" {
    mkfifo "$src/data/fifo"
    mknod "$src/data/null" c 1 3
    mknod "$src/data/loop" b 7 200
    chmod 0620 "$src/data/null"
    touch -h -d @1700000000.5 "$src/data/fifo" "$src/data/sub/link"
    touch -d @1700000001.25 "$src/data/big.bin"
    touch "$src/data/$(printf 'bad\xffname')"
    /usr/bin/python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$src/data/sock"
    # the fifo has no writer: opening it would block, so a hang fails the test
    run timeout 20 bash -c "'$FB' tar '$work' > '$T/ours.tar'"
    [ "$status" -eq 0 ]
    pytar "$work" "$T/py.tar"
    cmp "$T/py.tar" "$T/ours.tar"
    members "$T/ours.tar" > "$T/ours.list"
    grep -q "'apps/app1/backup/data/fifo', b'6', '', 0, 420" "$T/ours.list"
    grep -q "'apps/app1/backup/data/null', b'3', '', 0, 400" "$T/ours.list"
    run ! grep -q sock "$T/ours.list"
    /usr/bin/python3 - "$T/ours.tar" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    d = {m.name.rsplit("/", 1)[-1]: m for m in t.getmembers()}
assert (d["null"].devmajor, d["null"].devminor, d["null"].ischr()) == (1, 3, True)
assert (d["loop"].devmajor, d["loop"].devminor, d["loop"].isblk()) == (7, 200, True)
assert d["fifo"].isfifo() and d["fifo"].mtime == 1700000000.5
PY
    # GNU tar restores them as what they were
    mkdir "$T/x" && tar -xf "$T/ours.tar" -C "$T/x"
    [ -p "$T/x/apps/app1/backup/data/fifo" ]
    [ "$(stat -c '%F %t,%T %a' "$T/x/apps/app1/backup/data/null")" = "character special file 1,3 620" ]
    # fallback checksum reads them the same way from the tree and from the tar
    run "$FB" checksum "$T/ours.tar"
    [ "$status" -eq 0 ]
    sum=$output
    run bash -c "set -o pipefail; '$FB' tar '$work' | '$FB' checksum -"
    [ "$output" = "$sum" ]
}

@test "tar: a missing source (1)" {
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

@test "backup-sources: the absolute paths without a control character, as Python's csv reads them" {
    # sources YunoHost writes with csv.QUOTE_ALL: quotes doubled, a newline
    # or a tab inside a path, relative ones, accents
    /usr/bin/python3 - "$T/rows.csv" <<'PY'
import csv, sys
rows = [("/etc/yunohost", "conf/ynh"), ('/home/a "quoted" b', "data/q"), ("/home/two\nlines", "data/nl"),
        ("relative/path", "data/rel"), ("/srv/café", "data/c"), ("/srv/tab\there", "data/t"), ("/", "root")]
with open(sys.argv[1], "w", newline="") as f:
    csv.writer(f, quoting=csv.QUOTE_ALL).writerows(rows)
PY
    want=$(/usr/bin/python3 -c 'import csv, sys
for row in csv.reader(open(sys.argv[1], newline="")):
    if row[0].startswith("/") and not any(ord(ch) < 32 or ord(ch) == 127 for ch in row[0]):
        print(row[0])' "$T/rows.csv")
    [ "$(printf '%s\n' "$want" | wc -l)" -eq 4 ]
    [ "$("$FB" backup-sources "$T/rows.csv")" = "$want" ]
    [ "$("$FB" backup-sources - < "$T/rows.csv")" = "$want" ]
    [ "$("$FB" backup-sources "$work/backup.csv" | head -n1)" = "$src/data" ]
    # the rows fallback tar refuses are refused here too, and nothing is printed
    printf '"/etc/a","conf/a"\r\n"/b","c","d"\r\n' > "$T/bad.csv"
    run --separate-stderr "$FB" backup-sources "$T/bad.csv"
    [ "$status" -eq 12 ]
    [ -z "$output" ]
    # shellcheck disable=SC2154 # set by run --separate-stderr
    [[ "$stderr" == "fallback: backup-sources: $T/bad.csv: line 2: expected two fields"* ]]
    run "$FB" backup-sources "$T/nowhere.csv"
    [ "$status" -eq 1 ]
    run "$FB" backup-sources
    [ "$status" -eq 2 ]
}

@test "encrypt - -: a stream that decrypts to the input" {
    echo pw > "$T/pw"
    "$FB" tar "$work" | "$FB" encrypt --pass-file "$T/pw" - - > "$T/s.enc"
    "$FB" decrypt --pass-file "$T/pw" "$T/s.enc" "$T/s.tar"
    "$FB" tar "$work" | cmp - "$T/s.tar"
    run "$FB" decrypt --pass-file "$T/pw" "$T/s.enc" -
    [ "$status" -eq 2 ]
}
