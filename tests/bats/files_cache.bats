#!/usr/bin/env bats
# fallback repo write --files-cache FILE [--known KNOWN]: unchanged files are
# not read (inotify proves they are not even opened), the index and the tar
# stay byte-identical, a file changed in place is read again, a damaged
# cache is ignored, ids the destination does not confirm are not trusted.
bats_require_minimum_version 1.5.0

setup() {
    FB=${FALLBACK_BIN:-$PWD/${BUILD:-build}/fallback}
    T=$BATS_TEST_TMPDIR
    src=$T/src work=$T/work repo=$T/repo cache=$T/cache/files-app1
    mkdir -p "$src/data/sub" "$work/apps/app1/settings" "$T/cache"
    seq 1 300000 > "$src/data/seq.txt"
    head -c 2500000 /dev/urandom > "$src/data/big.bin"
    echo hello > "$src/data/a.txt"
    ln "$src/data/a.txt" "$src/data/sub/hard"
    ln -s ../a.txt "$src/data/sub/link"
    : > "$src/data/zero"
    mkfifo "$src/data/fifo"
    echo 'id: app1' > "$work/apps/app1/settings/settings.yml"
    echo '{"created_at": 1}' > "$work/info.json"
    printf '"%s","%s"\r\n' "$src/data" apps/app1/backup/data "$work/info.json" info.json \
        "$work/apps/app1" apps/app1 > "$work/backup.csv"
    printf 'a repository password\n' > "$T/pw"
    "$FB" key-init --cost interactive --pass-file "$T/pw" --out "$T/key"
    # a file changed less than a second before a write is not cached (a change
    # within the same clock tick could keep its times): let the tree settle
    sleep 1.1
}

# write [ARGS...]: repo write of app1 with the cache; stdout to $T/out, stderr to $T/err
write() {
    "$FB" repo write --repo "$repo" --pass-file "$T/key" --part app1 --files-cache "$cache" \
        "$@" "$work" > "$T/out" 2> "$T/err"
}

# opened CMD...: run CMD; print the regular files under $src it opened or read
# (inotify IN_OPEN / IN_ACCESS, watched on each file: nothing is changed)
opened() {
    /usr/bin/python3 - "$src" "$@" <<'PY'
import ctypes, os, struct, subprocess, sys
libc = ctypes.CDLL("libc.so.6", use_errno=True)
fd = libc.inotify_init1(os.O_NONBLOCK)
assert fd >= 0
watch = {}
for dp, dns, fns in os.walk(sys.argv[1]):
    for n in fns:
        p = os.path.join(dp, n)
        if os.path.isfile(p) and not os.path.islink(p):
            wd = libc.inotify_add_watch(fd, p.encode(), 0x20 | 0x01)
            assert wd >= 0, p
            watch[wd] = p
rc = subprocess.call(sys.argv[2:])
seen = set()
try:
    while True:
        data = os.read(fd, 65536)
        off = 0
        while off < len(data):
            wd, mask, cookie, n = struct.unpack_from("iIII", data, off)
            off += 16 + n
            if wd in watch:
                seen.add(watch[wd])
except BlockingIOError:
    pass
for p in sorted(seen):
    print(p)
sys.exit(rc)
PY
}

index_lines() {
    grep '^index \|^pack ' "$repo/parts/app1"
}

@test "files cache: an unchanged part is written without opening its files, byte-identical" {
    run opened bash -c "'$FB' repo write --repo '$repo' --pass-file '$T/key' --part app1 --files-cache '$cache' '$work' > '$T/out' 2> '$T/err'"
    [ "$status" -eq 0 ]
    [[ "$output" == *"$src/data/big.bin"* ]]
    grep -qx "files cache: 6 files read ([0-9]* bytes), 0 not read (0 bytes)" "$T/err"
    [ "$(stat -c '%a %U' "$cache")" = "600 root" ]
    index_lines > "$T/first"
    "$FB" tar "$work" > "$T/ref.tar"
    # the second write opens none of the data files, and says so
    run opened bash -c "'$FB' repo write --repo '$repo' --pass-file '$T/key' --part app1 --files-cache '$cache' '$work' > '$T/out' 2> '$T/err'"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    grep -qx "files cache: 0 files read (0 bytes), 6 not read ($(( $(stat -c %s "$src/data/seq.txt") + 2500000 + 6 + 9 + 18 )) bytes)" "$T/err"
    index_lines | diff "$T/first" -
    "$FB" repo rebuild --repo "$repo" --pass-file "$T/key" --part app1 --out "$T/out.tar"
    cmp "$T/ref.tar" "$T/out.tar"
    # and a write without the cache makes the very same index
    "$FB" repo write --repo "$repo" --pass-file "$T/key" --part app1 "$work"
    index_lines | diff "$T/first" -
}

@test "files cache: a file changed in place, same size and mtime, new ctime, is read again" {
    write
    mtime=$(stat -c %.9Y "$src/data/seq.txt")
    size=$(stat -c %s "$src/data/seq.txt")
    ino=$(stat -c %i "$src/data/seq.txt")
    # rewritten in place (same inode), as a database file is
    /usr/bin/python3 -c '
import sys
with open(sys.argv[1], "r+b") as f:
    at = f.read().index(b"\n150000\n") + 1
    f.seek(at)
    f.write(b"150999")' "$src/data/seq.txt"
    [ "$(stat -c %i "$src/data/seq.txt")" = "$ino" ]
    touch -m -d "@$mtime" "$src/data/seq.txt"
    [ "$(stat -c %.9Y "$src/data/seq.txt")" = "$mtime" ]
    [ "$(stat -c %s "$src/data/seq.txt")" = "$size" ]
    sleep 1.1
    run opened bash -c "'$FB' repo write --repo '$repo' --pass-file '$T/key' --part app1 --files-cache '$cache' '$work' > '$T/out' 2> '$T/err'"
    [ "$status" -eq 0 ]
    [ "$output" = "$src/data/seq.txt" ]
    grep -qx "files cache: 1 files read ($size bytes), 5 not read ([0-9]* bytes)" "$T/err"
    "$FB" tar "$work" > "$T/ref.tar"
    grep -q 150999 "$T/ref.tar"
    "$FB" repo rebuild --repo "$repo" --pass-file "$T/key" --part app1 --out "$T/out.tar"
    cmp "$T/ref.tar" "$T/out.tar"
}

@test "files cache: a damaged or foreign cache is ignored with one line, then rewritten" {
    write
    cp "$cache" "$T/good"
    size=$(stat -c %s "$cache")
    "$BATS_TEST_DIRNAME/../flip-byte" "$cache" $((size / 2))
    "$FB" tar "$work" > "$T/ref.tar"
    write
    [ "$(grep -c 'ignored' "$T/err")" = 1 ]
    grep -qx "fallback: files cache $cache ignored (damaged, or made with another key): its files are read again" "$T/err"
    grep -q "files cache: 6 files read" "$T/err"
    "$FB" repo rebuild --repo "$repo" --pass-file "$T/key" --part app1 | cmp "$T/ref.tar" -
    write
    grep -qx "files cache: 0 files read (0 bytes), 6 not read ([0-9]* bytes)" "$T/err"
    # another repository (another key): its cache is not trusted
    "$FB" key-init --cost interactive --pass-file "$T/pw" --out "$T/key2"
    "$FB" repo write --repo "$T/repo2" --pass-file "$T/key2" --part app1 --files-cache "$cache" \
        "$work" > /dev/null 2> "$T/err"
    grep -q "ignored (damaged, or made with another key)" "$T/err"
    grep -q "files cache: 6 files read" "$T/err"
    # a failed write leaves the cache as it was
    cp "$cache" "$T/before"
    run "$FB" repo write --repo "$T/repo2" --pass-file "$T/key2" --part app1 --files-cache "$cache" "$T/nowhere"
    [ "$status" -eq 1 ]
    cmp "$T/before" "$cache"
    [ "$(find "$T/cache" -type f | wc -l)" = 1 ]
}

@test "files cache: with --known, only ids the destination's blob list holds are trusted" {
    write
    # the destination's list: what `repo known` publishes of the packs it holds
    "$FB" repo known --packs "$repo/packs" > "$T/known"
    [ "$(grep -cv '^pack \|^fallback-blobs' "$T/known")" -gt 10 ]
    write --known "$T/known"
    grep -qx "files cache: 0 files read (0 bytes), 6 not read ([0-9]* bytes)" "$T/err"
    # the destination holds nothing: every file with content is read again
    # (the empty file has no chunk to confirm)
    printf 'fallback-blobs 2\n' > "$T/none"
    write --known "$T/none"
    grep -qx "files cache: 5 files read ([0-9]* bytes), 1 not read (0 bytes)" "$T/err"
    # one id missing (the second of a pack): the file that has it is read again
    awk 'prev_id && !done && !/^pack / { done = 1; next } { prev_id = !/^pack / && NR > 1; print }' \
        "$T/known" > "$T/most"
    [ "$(wc -l < "$T/most")" -eq $(($(wc -l < "$T/known") - 1)) ]
    write --known "$T/most"
    grep -q "files cache: [12] files read" "$T/err"
    # a malformed list is refused, naming its line, nothing written
    cp "$repo/parts/app1" "$T/rec"
    { head -n 2 "$T/known"; echo 'not an id'; } > "$T/bad"
    run write --known "$T/bad"
    [ "$status" -eq 12 ]
    grep -qx "fallback: repo write: $T/bad: line 3: expected a blob id, 64 lowercase hex characters" "$T/err"
    cmp "$T/rec" "$repo/parts/app1"
    # the former form, bare ids, is no blob list
    grep -v '^pack \|^fallback-blobs' "$T/known" > "$T/ids"
    run write --known "$T/ids"
    [ "$status" -eq 12 ]
    grep -q "$T/ids: line 1: not a blob list" "$T/err"
    cmp "$T/rec" "$repo/parts/app1"
    run write --known "$T/missing"
    [ "$status" -eq 1 ]
}
