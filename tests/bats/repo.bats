#!/usr/bin/env bats
# fallback repo write / rebuild / verify: repository format v2
# (doc/repository-format.md), run as the built program on real trees.
bats_require_minimum_version 1.5.0

setup() {
    FB=${FALLBACK_BIN:-$PWD/${BUILD:-build}/fallback}
    T=$BATS_TEST_TMPDIR
    src=$T/src work=$T/work repo=$T/repo
    mkdir -p "$src/data/sub" "$src/empty" "$work/apps/app1/settings"
    echo hello > "$src/data/a.txt"
    ln "$src/data/a.txt" "$src/data/sub/hard"
    ln -s ../a.txt "$src/data/sub/link"
    echo long > "$src/data/$(printf 'n%.0s' {1..120})"
    ln -s "$(printf 't%.0s' {1..130})" "$src/data/longlink"
    echo accent > "$src/data/café"
    : > "$src/data/zero"
    head -c 3000000 /dev/urandom > "$src/data/big.bin"
    seq 1 400000 > "$src/data/seq.txt"
    chmod 0600 "$src/data/big.bin"
    chown 4321:4321 "$src/data/a.txt"
    echo 'id: app1' > "$work/apps/app1/settings/settings.yml"
    echo '{"created_at": 1}' > "$work/info.json"
    csv "$src/data" apps/app1/backup/data "$src/empty" /data/empty "$src/data/a.txt" conf/a.txt \
        "$work/info.json" info.json "$work/apps/app1" apps/app1 > "$work/backup.csv"
    printf 'a repository password\n' > "$T/pw"
    "$FB" key-init --cost interactive --pass-file "$T/pw" --out "$T/key"
}

csv() { # csv SRC DEST...: rows as Python's csv.QUOTE_ALL writes them
    while [ $# -gt 1 ]; do printf '"%s","%s"\r\n' "$1" "$2"; shift 2; done
}

write() { # write PART [WORK]: store a part with the key file
    "$FB" repo write --repo "$repo" --pass-file "$T/key" --part "$1" "${2:-$work}"
}

packs() { # the pack files of the repository, one per line
    find "$repo/packs" -type f ! -name '.*' | sort
}

pack_bytes() {
    local total=0 f
    for f in $(packs); do total=$((total + $(stat -c %s "$f"))); done
    echo "$total"
}

@test "repo: rebuild gives fallback tar's bytes, with the key file or the password" {
    "$FB" tar "$work" > "$T/ref.tar"
    run write app1
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^part\ app1:\ $(stat -c %s "$T/ref.tar")\ bytes\ of\ tar,\ [0-9]+\ chunks ]]
    [ "$(stat -c %s "$T/ref.tar")" -gt 4000000 ]
    "$FB" repo rebuild --repo "$repo" --pass-file "$T/key" --part app1 > "$T/out.tar"
    cmp "$T/ref.tar" "$T/out.tar"
    "$FB" repo rebuild --repo "$repo" --pass-file "$T/pw" --part app1 --out "$T/out2.tar"
    cmp "$T/ref.tar" "$T/out2.tar"
    [ "$(stat -c %a "$T/out2.tar")" = 600 ]
    # compressed: the text compresses, the random file does not
    [ "$(pack_bytes)" -lt "$(stat -c %s "$T/ref.tar")" ]
    # nothing readable in the packs: neither a file name nor file content
    run grep -rl -e 'hello' -e 'nnnnnnnnnn' -e '399999' "$repo"
    [ "$status" -eq 1 ]
    run "$FB" repo verify --repo "$repo"
    [ "$status" -eq 0 ]
    [ "$output" = "1 packs ok, 1 parts ok" ]
}

@test "repo: a second write of an unchanged tree adds no pack; a changed file adds little" {
    write app1
    packs > "$T/before"
    run write app1
    [ "$status" -eq 0 ]
    [[ "$output" == *", 0 new, 0 new packs (0 bytes)" ]]
    packs | diff "$T/before" -
    # another part holding the same files shares their chunks
    run write app1-copy
    [[ "$output" == *", 0 new packs (0 bytes)" ]]
    # one small file changed: a new chunk for it and a new index chunk
    echo changed > "$src/data/a.txt"
    run write app1
    [[ "$output" =~ ,\ 2\ new,\ 1\ new\ packs ]]
    "$FB" tar "$work" > "$T/ref.tar"
    "$FB" repo rebuild --repo "$repo" --pass-file "$T/key" --part app1 | cmp "$T/ref.tar" -
}

# fixed_key FILE: a key file with a fixed K (the format of
# doc/encryption-format.md), so that the cut points are the same every run.
fixed_key() {
    /usr/bin/python3 - "$1" <<'PY'
import hashlib, sys
b = b"FBKKEY\0\1" + bytes([1, 1]) + bytes(6) + (2).to_bytes(8, "little")
b += (67108864).to_bytes(8, "little") + bytes(16) + bytes(range(32))
open(sys.argv[1], "wb").write(b + hashlib.blake2b(b, digest_size=16).digest())
PY
}

# stream N SEED: N bytes of a fixed pseudo-random stream (AES-CTR of zeros)
stream() {
    head -c "$1" /dev/zero |
        openssl enc -aes-128-ctr -nosalt -K "$(printf '%032x' "$2")" -iv 0 2>/dev/null
}

@test "repo: 1 MiB rewritten inside a 48 MiB file adds about 1 MiB" {
    fixed_key "$T/key"
    mkdir -p "$T/big" "$T/bw"
    stream $((48 * 1024 * 1024)) 1 > "$T/big/file"
    csv "$T/big" apps/big/backup/data > "$T/bw/backup.csv"
    write big "$T/bw"
    before=$(pack_bytes)
    [ "$before" -gt $((48 * 1024 * 1024)) ]
    stream $((1024 * 1024)) 2 |
        dd of="$T/big/file" bs=1M seek=$((20 * 1024 * 1024 + 12345)) oflag=seek_bytes \
           conv=notrunc status=none
    write big "$T/bw"
    added=$(($(pack_bytes) - before))
    echo "# added $added bytes" >&3
    # the changed MiB, its neighbouring chunks and the index chunk that changed
    [ "$added" -gt $((1024 * 1024)) ]
    [ "$added" -lt $((2 * 1024 * 1024)) ]
    "$FB" tar "$T/bw" > "$T/ref.tar"
    "$FB" repo rebuild --repo "$repo" --pass-file "$T/key" --part big --out "$T/out.tar"
    cmp "$T/ref.tar" "$T/out.tar"
}

@test "repo: wrong key or password refused (4), nothing written" {
    write app1
    printf 'another password\n' > "$T/pw2"
    "$FB" key-init --cost interactive --pass-file "$T/pw2" --out "$T/key2"
    run "$FB" repo rebuild --repo "$repo" --pass-file "$T/pw2" --part app1 --out "$T/out.tar"
    [ "$status" -eq 4 ]
    [ "$output" = "fallback: repo rebuild: wrong password (key check failed)" ]
    [ ! -e "$T/out.tar" ]
    run "$FB" repo rebuild --repo "$repo" --pass-file "$T/key2" --part app1 --out "$T/out.tar"
    [ "$status" -eq 4 ]
    [[ "$output" == "fallback: repo rebuild: key file salt or costs differ"* ]]
    packs > "$T/before"
    run "$FB" repo write --repo "$repo" --pass-file "$T/key2" --part app1 "$work"
    [ "$status" -eq 4 ]
    packs | diff "$T/before" -
    [ -z "$(find "$T" -maxdepth 1 -name '*out*')" ]
}

# python3 helpers on a pack: flip one byte of its first blob, or swap the
# ids of its first two table entries (a blob presented under another id).
pack_edit() { # pack_edit flip|swap PACK
    /usr/bin/python3 - "$1" "$2" <<'PY'
import sys
mode, path = sys.argv[1], sys.argv[2]
b = bytearray(open(path, "rb").read())
n = int.from_bytes(b[-4:], "little")
table = len(b) - 4 - 40 * n
if mode == "flip":
    b[8 + 30] ^= 1
else:
    assert n >= 2
    a, c = b[table:table + 32], b[table + 40:table + 72]
    b[table:table + 32], b[table + 40:table + 72] = c, a
open(path, "wb").write(b)
PY
}

@test "repo: a tampered pack is refused (6) by rebuild and by verify, OUT untouched" {
    write app1
    pack=$(packs | head -1)
    pack_edit flip "$pack"
    echo old > "$T/out.tar"
    run "$FB" repo rebuild --repo "$repo" --pass-file "$T/key" --part app1 --out "$T/out.tar"
    [ "$status" -eq 6 ]
    [[ "$output" == "fallback: repo rebuild: $pack: blob "*" fails authentication"* ]]
    [ "$(cat "$T/out.tar")" = old ]
    [ -z "$(find "$T" -maxdepth 1 -name '.out*')" ]
    run "$FB" repo verify --repo "$repo"
    [ "$status" -eq 6 ]
    [[ "$output" == *"pack $pack is damaged: its BLAKE2b is not its name"* ]]
    [[ "$output" == *"part app1 needs pack ${pack##*/}, missing or damaged"* ]]
    # a pack removed
    rm "$pack"
    run "$FB" repo rebuild --repo "$repo" --pass-file "$T/key" --part app1 --out "$T/out.tar"
    [ "$status" -eq 6 ]
    [[ "$output" == *"pack $pack is missing" ]]
}

@test "repo: a blob swapped under another id, or a part record edited, is refused (6)" {
    write app1
    pack=$(packs | head -1)
    pack_edit swap "$pack"
    run "$FB" repo rebuild --repo "$repo" --pass-file "$T/key" --part app1 --out "$T/out.tar"
    [ "$status" -eq 6 ]
    [[ "$output" == *"fails authentication (altered, or not the blob of this id)" ]]
    [ ! -e "$T/out.tar" ]
    pack_edit swap "$pack"
    "$FB" repo rebuild --repo "$repo" --pass-file "$T/key" --part app1 > /dev/null
    # the fallback points part app1 at another part's index: the MAC says no
    mkdir -p "$T/w2" && echo '{}' > "$T/w2/info.json"
    csv "$T/w2/info.json" info.json > "$T/w2/backup.csv"
    write other "$T/w2"
    sed -i "s/^index .*/$(grep '^index' "$repo/parts/other")/" "$repo/parts/app1"
    run "$FB" repo rebuild --repo "$repo" --pass-file "$T/key" --part app1 --out "$T/out.tar"
    [ "$status" -eq 6 ]
    [[ "$output" == *"part record fails authentication (MAC)"* ]]
    # or puts back an older record of the same part
    cp "$repo/parts/other" "$T/other.old"
    "$FB" repo write --repo "$repo" --pass-file "$T/key" --part other --night 20261202T010000Z \
        "$T/w2"
    "$FB" repo rebuild --repo "$repo" --pass-file "$T/key" --part other \
        --night 20261202T010000Z > /dev/null
    cp "$T/other.old" "$repo/parts/other"
    run "$FB" repo rebuild --repo "$repo" --pass-file "$T/key" --part other \
        --night 20261202T010000Z --out "$T/out.tar"
    [ "$status" -eq 6 ]
    [[ "$output" == *"the part record is of night "*", not 20261202T010000Z" ]]
    # or passes off one part's record as another's
    cp "$repo/parts/other" "$repo/parts/app1"
    run "$FB" repo rebuild --repo "$repo" --pass-file "$T/key" --part app1 --out "$T/out.tar"
    [ "$status" -eq 6 ]
    [[ "$output" == *"the part record names another part" ]]
    [ ! -e "$T/out.tar" ]
}

@test "repo: fifos and devices round-trip, in C and in the rebuild from the document" {
    mkfifo "$src/data/fifo"
    mknod "$src/data/null" c 1 3
    mknod "$src/data/sub/loop" b 7 200
    run timeout 60 "$FB" repo write --repo "$repo" --pass-file "$T/key" --part app1 "$work"
    [ "$status" -eq 0 ]
    "$FB" tar "$work" > "$T/ref.tar"
    "$FB" repo rebuild --repo "$repo" --pass-file "$T/key" --part app1 --out "$T/out.tar"
    cmp "$T/ref.tar" "$T/out.tar"
    pyrebuild --check-chunks "$T/key" "$repo" app1 | cmp "$T/ref.tar" -
    tar -tvf "$T/out.tar" | grep -q '^prw.* apps/app1/backup/data/fifo$'
    tar -tvf "$T/out.tar" | grep -q '^crw.* 1,3 .*apps/app1/backup/data/null$'
    tar -tvf "$T/out.tar" | grep -q '^brw.* 7,200 .*apps/app1/backup/data/sub/loop$'
}

@test "repo: bad names and usage (2), unknown part (1)" {
    run write ../evil
    [ "$status" -eq 2 ]
    [[ "$output" == *"--part NAME: 1 to 100 of"* ]]
    run "$FB" repo write --repo "$repo" --pass-file "$T/key" --part a --night 'x y' "$work"
    [ "$status" -eq 2 ]
    run "$FB" repo rebuild --repo "$repo" --pass-file "$T/key" --part app1 --out "$T/o" extra
    [ "$status" -eq 2 ]
    run "$FB" repo
    [ "$status" -eq 2 ]
    run "$FB" repo nonsense
    [ "$status" -eq 2 ]
    [[ "$output" == "fallback: repo: unknown command 'nonsense'"* ]]
    run "$FB" repo write --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"Usage:"*"fallback repo write"*"Exit status:"* ]]
    write app1
    run "$FB" repo rebuild --repo "$repo" --pass-file "$T/key" --part nothere --out "$T/o"
    [ "$status" -eq 1 ]
    [[ "$output" == *"nothere"* ]]
    [ ! -e "$T/o" ]
    run "$FB" repo verify --repo "$T/nowhere"
    [ "$status" -eq 6 ]
}

@test "repo: the part record names its night and packs; verify needs no key" {
    "$FB" repo write --repo "$repo" --pass-file "$T/key" --part app1 --night 20261201T010000Z "$work"
    rec=$repo/parts/app1
    [ "$(sed -n 1p "$rec")" = "fallback-part 2" ]
    [ "$(sed -n 2p "$rec")" = "name app1" ]
    [ "$(sed -n 3p "$rec")" = "night 20261201T010000Z" ]
    grep -qE '^index [0-9a-f]{64}$' "$rec"
    [ "$(grep -c '^pack ' "$rec")" = "$(packs | wc -l)" ]
    for p in $(packs); do
        grep -q "^pack ${p##*/} $(stat -c %s "$p")\$" "$rec"
        [ "$(b2sum -l 256 "$p" | cut -c1-64)" = "${p##*/}" ]
        [ "$(basename "$(dirname "$p")")" = "$(echo "${p##*/}" | cut -c1-2)" ]
    done
    tail -1 "$rec" | grep -qE '^mac [0-9a-f]{64}$'
    head -1 "$repo/config" | grep -qx 'fallback-repository 2'
    run "$FB" repo verify --repo "$repo" --part app1
    [ "$output" = "1 packs ok, 1 parts ok" ]
    # a record (from a main that lies) whose index is in none of its packs
    sed -i "s/^index .*/index $(printf 'ab%.0s' {1..32})/" "$rec"
    run "$FB" repo verify --repo "$repo" --part app1
    [ "$status" -eq 6 ]
    [[ "$output" == *"part app1: an index chunk is in none of its packs"* ]]
    # and one whose pack line lies about the size
    "$FB" repo write --repo "$repo" --pass-file "$T/key" --part app1 "$work"
    sed -i -E 's/^(pack [0-9a-f]+) [0-9]+$/\1 7/' "$rec"
    run "$FB" repo verify --repo "$repo"
    [ "$status" -eq 6 ]
    [[ "$output" == *"part app1 needs pack "*", of another size"* ]]
}

# The independent rebuild (tests/bats/repo_rebuild.py), written from
# doc/repository-format.md alone: it proves the document is complete.
pyrebuild() {
    /usr/bin/python3 "$BATS_TEST_DIRNAME/repo_rebuild.py" "$@"
}

@test "repo: the rebuild written from the document gives the same tar and the same cuts" {
    write app1
    "$FB" tar "$work" > "$T/ref.tar"
    pyrebuild --check-chunks "$T/pw" "$repo" app1 > "$T/py.tar" 2> "$T/err"
    cmp "$T/ref.tar" "$T/py.tar"
    grep -qx "repo_rebuild.py: $(stat -c %s "$T/ref.tar") bytes, 8 files, every cut as the document says" "$T/err"
    pyrebuild "$T/key" "$repo" app1 | cmp "$T/ref.tar" -
    # after a change, the new night's index and chunks as well
    echo changed >> "$src/data/seq.txt"
    write app1
    "$FB" tar "$work" > "$T/ref.tar"
    pyrebuild --check-chunks "$T/key" "$repo" app1 | cmp "$T/ref.tar" -
}

@test "repo: the rebuild from the document refuses what the C refuses" {
    write app1
    printf 'wrong\n' > "$T/bad"
    run pyrebuild "$T/bad" "$repo" app1
    [ "$status" -eq 4 ]
    [[ "$output" == *"key check failed"* ]]
    cp -a "$repo" "$T/r2"
    pack=$(packs | head -1)
    pack_edit swap "$pack"
    run --separate-stderr pyrebuild "$T/key" "$repo" app1
    [ "$status" -eq 6 ]
    # shellcheck disable=SC2154 # set by run --separate-stderr
    [[ "$stderr" == *"its BLAKE2b is not its name"* ]]
    repo=$T/r2
    sed -i 's/^night .*/night 20000101T000000Z/' "$repo/parts/app1"
    run --separate-stderr pyrebuild "$T/key" "$repo" app1
    [ "$status" -eq 6 ]
    [[ "$stderr" == *"fails authentication (MAC)"* ]]
}

# tests/unit/vectors/repo-v2: a repository written once by `fallback repo
# write` (password tests/unit/vectors/repo-v2.pass, Argon2id interactive
# costs) of a small part: a 400 kB text file, 150 kB of random bytes, a hard
# link, a symlink, an empty file. Its tar is pinned by its BLAKE2b-256, so a
# change of the format that would strand stored repositories fails here.
@test "repo: the committed format-v2 vector rebuilds to its known tar (C and Python)" {
    vec=$BATS_TEST_DIRNAME/../unit/vectors
    want=6ef9d488ce19e7fef964db09f4c1ab40f40bdbc707991b45134d74b7350802f7
    "$FB" repo rebuild --repo "$vec/repo-v2" --pass-file "$vec/repo-v2.pass" --part app_vec \
        --out "$T/c.tar"
    [ "$(b2sum -l 256 "$T/c.tar" | cut -c1-64)" = "$want" ]
    [ "$(stat -c %s "$T/c.tar")" = 563200 ]
    pyrebuild --check-chunks "$vec/repo-v2.pass" "$vec/repo-v2" app_vec > "$T/py.tar"
    cmp "$T/c.tar" "$T/py.tar"
    run "$FB" repo verify --repo "$vec/repo-v2"
    [ "$status" -eq 0 ]
    [ "$output" = "1 packs ok, 1 parts ok" ]
    grep -qx 'night 20261201T010000Z' "$vec/repo-v2/parts/app_vec"
}
