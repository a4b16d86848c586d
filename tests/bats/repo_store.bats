#!/usr/bin/env bats
# The v2 night's pieces that need no SSH: repo init, the fallback's blob
# list (repo known), its checks without the key (repo check-pack,
# check-record, night read) and the night manifest with the key (night
# write, night check). repo send's uploads are tested on the world
# (tests/e2e/nightly_v2.bats).
bats_require_minimum_version 1.5.0

setup() {
    FB=${FALLBACK_BIN:-$PWD/${BUILD:-build}/fallback}
    T=$BATS_TEST_TMPDIR
    src=$T/src work=$T/work repo=$T/repo
    mkdir -p "$src" "$work"
    seq 1 200000 > "$src/seq.txt"
    head -c 700000 /dev/urandom > "$src/rand.bin"
    echo '{"created_at": 1}' > "$work/info.json"
    printf '"%s","%s"\r\n' "$src" apps/a/backup/data "$work/info.json" info.json > "$work/backup.csv"
    printf 'a repository password\n' > "$T/pw"
    "$FB" key-init --cost interactive --pass-file "$T/pw" --out "$T/key"
    "$FB" repo write --repo "$repo" --pass-file "$T/key" --part app_a --night 20261201T010000Z \
        "$work" > /dev/null
}

the_pack() { find "$repo/packs" -type f ! -name '.*' | head -n1; }

@test "repo init: creates a repository, opens it with its key, refuses another (4)" {
    run "$FB" repo init --repo "$T/new" --pass-file "$T/key"
    [ "$status" -eq 0 ]
    [ -f "$T/new/config" ]
    cp "$T/new/config" "$T/config.before"
    run "$FB" repo init --repo "$T/new" --pass-file "$T/key"
    [ "$status" -eq 0 ]
    cmp "$T/new/config" "$T/config.before"
    printf 'another password\n' > "$T/pw2"
    run "$FB" repo init --repo "$T/new" --pass-file "$T/pw2"
    [ "$status" -eq 4 ]
    cmp "$T/new/config" "$T/config.before"
    run "$FB" repo init --pass-file "$T/key"
    [ "$status" -eq 2 ]
}

@test "repo known: lists each pack and its blob ids; a missing folder lists nothing" {
    run "$FB" repo known --packs "$repo/packs"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "fallback-blobs 2" ]
    p=$(the_pack)
    [ "${lines[1]}" = "pack ${p##*/} $(stat -c %s "$p")" ]
    n=$(( $(tail -c 4 "$p" | od -An -tu4) ))
    [ "${#lines[@]}" -eq $((2 + n)) ]
    [ "$n" -ge 3 ]
    for l in "${lines[@]:2}"; do [[ $l =~ ^[0-9a-f]{64}$ ]]; done
    run "$FB" repo known --packs "$T/none"
    [ "$status" -eq 0 ]
    [ "$output" = "fallback-blobs 2" ]
}

@test "repo known --check: the list as the writers read it; each malformed line named, duplicates, the size cap (12)" {
    "$FB" repo known --packs "$repo/packs" > "$T/blobs"
    p=$(the_pack)
    n=$(( $(tail -c 4 "$p" | od -An -tu4) ))
    run "$FB" repo known --check "$T/blobs"
    [ "$status" -eq 0 ]
    [ "$output" = "1 packs, $n blob ids" ]
    id=$(sed -n 3p "$T/blobs")
    # bad (line content) -> the message, each at line 3 of an otherwise good list
    while IFS='|' read -r line msg; do
        { head -n 2 "$T/blobs"; printf '%s\n' "$line"; tail -n +4 "$T/blobs"; } > "$T/bad"
        run "$FB" repo known --check "$T/bad"
        echo "$line -> $output"
        [ "$status" -eq 12 ]
        [ "$output" = "fallback: repo known: $T/bad: line 3: $msg" ]
    done <<EOF
${id^^}|expected a blob id, 64 lowercase hex characters
${id:1}|expected a blob id, 64 lowercase hex characters
$id |expected a blob id, 64 lowercase hex characters
|expected a blob id, 64 lowercase hex characters
pack ${id} 1|expected "pack NAME SIZE" or a blob id
pack ${id} 12x|expected "pack NAME SIZE" or a blob id
EOF
    # duplicates: an id twice in one pack; a pack twice (the same id in two packs is fine)
    { cat "$T/blobs"; echo "$id"; } > "$T/bad"
    run "$FB" repo known --check "$T/bad"
    [ "$status" -eq 12 ]
    [ "$output" = "fallback: repo known: $T/bad: line $((n + 3)): a blob id listed twice in one pack" ]
    { cat "$T/blobs"; sed -n 2,3p "$T/blobs"; } > "$T/bad"
    run "$FB" repo known --check "$T/bad"
    [ "$status" -eq 12 ]
    [ "$output" = "fallback: repo known: $T/bad: line $((n + 3)): a pack listed twice" ]
    # another pack: the first one's name with its first character changed
    other=$(sed -n 2p "$T/blobs")
    if [ "${other:5:1}" = 0 ]; then other="pack 1${other:6}"; else other="pack 0${other:6}"; fi
    { cat "$T/blobs"; echo "$other"; echo "$id"; } > "$T/two"
    run "$FB" repo known --check "$T/two"
    [ "$status" -eq 0 ]
    [ "$output" = "2 packs, $((n + 1)) blob ids" ]
    # the header, a cut last line, an id with no pack, a pack with no id
    sed 1s/2/1/ "$T/blobs" > "$T/bad"
    run "$FB" repo known --check "$T/bad"
    [ "$output" = "fallback: repo known: $T/bad: line 1: not a blob list (expected \"fallback-blobs 2\")" ]
    head -c -1 "$T/blobs" > "$T/bad"
    run "$FB" repo known --check "$T/bad"
    [ "$status" -eq 12 ]
    [ "$output" = "fallback: repo known: $T/bad: line $((n + 2)): the list does not end with a newline" ]
    sed 2d "$T/blobs" > "$T/bad"
    run "$FB" repo known --check "$T/bad"
    [ "$output" = "fallback: repo known: $T/bad: line 2: a blob id before any \"pack\" line" ]
    head -n 2 "$T/blobs" > "$T/bad"
    run "$FB" repo known --check "$T/bad"
    [ "$status" -eq 12 ]
    [ "$output" = "fallback: repo known: $T/bad: line 2: a pack with no blob id after it" ]
    # the cap: 128 MiB (what send_backup pulls at most)
    cp "$T/blobs" "$T/big"
    truncate -s $((128 * 1024 * 1024 + 1)) "$T/big"
    run "$FB" repo known --check "$T/big"
    [ "$status" -eq 12 ]
    [ "$output" = "fallback: repo known: $T/big: larger than 134217728 bytes, not read" ]
    run "$FB" repo known --check "$T/missing"
    [ "$status" -eq 1 ]
    run "$FB" repo known --check "$T/blobs" --packs "$repo/packs"
    [ "$status" -eq 2 ]
}

@test "repo check-pack: a valid pack under its name; damage or another name refused (6)" {
    p=$(the_pack)
    run "$FB" repo check-pack "$p" "${p##*/}"
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^${p##*/}\ $(stat -c %s "$p")\ [0-9]+$ ]]
    run "$FB" repo check-pack "$p" "$(printf '0%.0s' {1..64})"
    [ "$status" -eq 6 ]
    cp "$p" "$T/bad"
    "$BATS_TEST_DIRNAME/../flip-byte" "$T/bad" 100
    run "$FB" repo check-pack "$T/bad" "${p##*/}"
    [ "$status" -eq 6 ]
    head -c 1000 "$p" > "$T/short"
    run "$FB" repo check-pack "$T/short" "${p##*/}"
    [ "$status" -eq 6 ]
    run "$FB" repo check-pack "$p" NOTHEX
    [ "$status" -eq 2 ]
}

@test "repo check-record: the record's packs present and of their size, else refused" {
    run "$FB" repo check-record --packs "$repo/packs" "$repo/parts/app_a"
    [ "$status" -eq 0 ]
    p=$(the_pack)
    [ "${lines[0]}" = "name app_a" ]
    [ "${lines[1]}" = "night 20261201T010000Z" ]
    [ "${lines[2]}" = "pack ${p##*/} $(stat -c %s "$p")" ]
    # a pack missing
    # the questions: one kind of line, without its first word
    [ "$("$FB" repo check-record --packs "$repo/packs" --only name "$repo/parts/app_a")" = app_a ]
    [ "$("$FB" repo check-record --packs "$repo/packs" --only night "$repo/parts/app_a")" = 20261201T010000Z ]
    [ "$("$FB" repo check-record --packs "$repo/packs" --only pack "$repo/parts/app_a")" = \
        "$(printf '%s\n' "${lines[@]:2}" | sed 's/^pack //')" ]
    run "$FB" repo check-record --packs "$repo/packs" --only index "$repo/parts/app_a"
    [ "$status" -eq 2 ]
    [[ "$output" == *"--only takes name, night or pack"* ]]
    # a record over the cap is not read
    head -c $((16 * 1024 * 1024 + 1)) /dev/zero > "$T/huge"
    run "$FB" repo check-record --packs "$repo/packs" "$T/huge"
    [ "$status" -eq 12 ]
    [[ "$output" == *"$T/huge: larger than 16777216 bytes"* ]]
    run "$FB" repo check-record --packs "$T/empty" "$repo/parts/app_a"
    [ "$status" -ne 0 ]
    # a pack of another size
    sub=$(basename "$(dirname "$p")")
    mkdir -p "$T/other/$sub"
    cp "$p" "$T/other/$sub/" && head -c 100 /dev/zero >> "$T/other/$sub/${p##*/}"
    run "$FB" repo check-record --packs "$T/other" "$repo/parts/app_a"
    [ "$status" -ne 0 ]
    # a damaged record
    sed 's/^night .*/night 2026120/' "$repo/parts/app_a" > "$T/rec"
    sed -i '$d' "$T/rec"
    run "$FB" repo check-record --packs "$repo/packs" "$T/rec"
    [ "$status" -eq 6 ]
}

night_write() { # night_write OUT: a manifest of the part and two files
    printf 'secret\n' > "$T/conf.enc"
    printf '10.0.0.1\n' > "$T/ip"
    printf 'part app_a %s\nfile ip_main_server %s\nfile config.conf.enc %s\nfile repo.config %s\n' \
        "$repo/parts/app_a" "$T/ip" "$T/conf.enc" "$repo/config" |
        "$FB" night write --repo "$repo" --pass-file "$T/key" --night 20261201T010000Z --out "$1"
}

@test "night write/check/read: the manifest lists each part's record hash and each file" {
    night_write "$T/night"
    [ "$(head -n1 "$T/night")" = "fallback-night 2" ]
    rec=$(b2sum -l 256 "$repo/parts/app_a" | cut -d' ' -f1)
    run "$FB" night check --repo "$repo" --pass-file "$T/pw" "$T/night"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "night 20261201T010000Z" ]
    [ "${lines[1]}" = "part app_a $rec" ]
    [ "${lines[2]}" = "file config.conf.enc $(b2sum -l 256 "$T/conf.enc" | cut -d' ' -f1) 7" ]
    [ "${lines[3]}" = "file ip_main_server $(b2sum -l 256 "$T/ip" | cut -d' ' -f1) 9" ]
    [[ "${lines[4]}" =~ ^file\ repo.config\ [0-9a-f]{64}\ [0-9]+$ ]]
    run "$FB" night read "$T/night"
    [ "$status" -eq 0 ]
    [ "${lines[1]}" = "part app_a $rec" ]
    # the questions: one kind of line, without its first word
    [ "$("$FB" night read --only night "$T/night")" = 20261201T010000Z ]
    [ "$("$FB" night read --only part "$T/night")" = "app_a $rec" ]
    [ "$("$FB" night check --repo "$repo" --pass-file "$T/key" --only file "$T/night")" = \
        "$(printf '%s\n' "${lines[@]:2}" | sed 's/^file //')" ]
    run "$FB" night read --only mac "$T/night"
    [ "$status" -eq 2 ]
    [[ "$output" == *"--only takes night, part or file"* ]]
    run "$FB" night write --repo "$repo" --pass-file "$T/key" --night 20261201T010000Z \
        --out "$T/n0" --only part < /dev/null
    [ "$status" -eq 2 ]
    [ ! -e "$T/n0" ]
    run "$FB" night check --repo "$repo" --pass-file "$T/key" --night 20261202T010000Z "$T/night"
    [ "$status" -eq 6 ]
    # a kept part: by the hash of a record the fallback holds
    printf 'part-hash app_b %s\n' "$rec" |
        "$FB" night write --repo "$repo" --pass-file "$T/key" --night 20261202T010000Z --out "$T/n2"
    run "$FB" night check --repo "$repo" --pass-file "$T/key" "$T/n2"
    [ "${lines[1]}" = "part app_b $rec" ]
}

@test "night check: an altered manifest or another key refused; read checks the form only" {
    night_write "$T/night"
    sed 's/^part app_a \(.\)/part app_a f/' "$T/night" > "$T/altered"
    cmp -s "$T/night" "$T/altered" && sed -i 's/^part app_a f/part app_a 0/' "$T/altered"
    run "$FB" night check --repo "$repo" --pass-file "$T/key" "$T/altered"
    [ "$status" -eq 6 ]
    run "$FB" night read "$T/altered"
    [ "$status" -eq 0 ]
    "$FB" repo init --repo "$T/r2" --pass-file "$T/pw"
    run "$FB" night check --repo "$T/r2" --pass-file "$T/pw" "$T/night"
    [ "$status" -eq 6 ]
    printf 'fallback-night 2\nnight x\npart b %s\npart a %s\nmac %s\n' "$(printf '0%.0s' {1..64})" \
        "$(printf '0%.0s' {1..64})" "$(printf '0%.0s' {1..64})" > "$T/unsorted"
    run "$FB" night read "$T/unsorted"
    [ "$status" -eq 6 ]
    printf 'fallback-night 3\n' > "$T/v3"
    run "$FB" night read "$T/v3"
    [ "$status" -eq 7 ]
    run "$FB" night read "$T/missing"
    [ "$status" -eq 1 ]
    [[ "$output" == *"cannot open $T/missing: No such file or directory"* ]]
    head -c $((16 * 1024 * 1024 + 1)) /dev/zero > "$T/huge"
    run "$FB" night read "$T/huge"
    [ "$status" -eq 12 ]
    [[ "$output" == *"$T/huge: larger than 16777216 bytes"* ]]
}

@test "night write: a bad input line or part name refused (12), nothing written" {
    run "$FB" night write --repo "$repo" --pass-file "$T/key" --night 20261201T010000Z \
        --out "$T/n" <<< "parts app_a x"
    [ "$status" -eq 12 ]
    [ ! -e "$T/n" ]
    run "$FB" night write --repo "$repo" --pass-file "$T/key" --night 20261201T010000Z \
        --out "$T/n" <<< "part .bad $repo/parts/app_a"
    [ "$status" -eq 12 ]
    [ ! -e "$T/n" ]
    run "$FB" night write --repo "$repo" --pass-file "$T/key" --out "$T/n" < /dev/null
    [ "$status" -eq 2 ]
}

@test "night check --records: each part's record proven by its hash, MAC and name" {
    night_write "$T/night"
    rec=$(b2sum -l 256 "$repo/parts/app_a" | cut -d' ' -f1)
    mkdir "$T/records"
    cp "$repo/parts/app_a" "$T/records/$rec"
    run "$FB" night check --repo "$repo" --pass-file "$T/key" --records "$T/records" "$T/night"
    [ "$status" -eq 0 ]
    # a record missing
    run "$FB" night check --repo "$repo" --pass-file "$T/key" --records "$T/none" "$T/night"
    [ "$status" -eq 1 ]
    # another record under the listed name: its hash is not the one listed
    sed 's/^night .*/night 20261130T010000Z/' "$repo/parts/app_a" > "$T/records/$rec"
    run "$FB" night check --repo "$repo" --pass-file "$T/key" --records "$T/records" "$T/night"
    [ "$status" -eq 6 ]
    [[ "$output" == *"part app_a: "* ]]
    # a record of another part, MAC'd, listed under this part's name
    "$FB" repo write --repo "$repo" --pass-file "$T/key" --part app_b "$work" > /dev/null
    rb=$(b2sum -l 256 "$repo/parts/app_b" | cut -d' ' -f1)
    cp "$repo/parts/app_b" "$T/records/$rb"
    printf 'part-hash app_a %s\n' "$rb" |
        "$FB" night write --repo "$repo" --pass-file "$T/key" --night 20261202T010000Z --out "$T/n2"
    run "$FB" night check --repo "$repo" --pass-file "$T/key" --records "$T/records" "$T/n2"
    [ "$status" -eq 6 ]
    [[ "$output" == *"names part app_b"* ]]
    run "$FB" night read --records "$T/records" "$T/night"
    [ "$status" -eq 2 ]
}
