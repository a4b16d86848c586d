#!/usr/bin/env bats
# fallback encrypt / decrypt / key-init, run as the built program.
bats_require_minimum_version 1.5.0

setup() {
    FB=${FALLBACK_BIN:-"$BATS_TEST_DIRNAME/../../${BUILD:-build}/fallback"}
    VEC="$BATS_TEST_DIRNAME/../unit/vectors"
    T=$BATS_TEST_TMPDIR
    printf 'a test password\n' > "$T/pw"
    chmod 600 "$T/pw"
}

# enc IN OUT: encrypt with the test password at the cheapest named cost.
enc() {
    "$FB" encrypt --cost interactive --pass-file "$T/pw" "$1" "$2"
}

# only_files DIR NAME...: DIR holds exactly these names (no temporary left).
only_files() {
    local dir=$1; shift
    run ls -A "$dir"
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf '%s\n' "$@" | sort)" ]
}

# refused CODE IN: decrypt fails with CODE, one "fallback: decrypt:" line,
# and the existing OUT is untouched with nothing else left in its folder.
refused() {
    local code=$1 in=$2
    mkdir -p "$T/out"
    echo old > "$T/out/plain"
    run "$FB" decrypt --pass-file "${PASS:-$T/pw}" "$in" "$T/out/plain"
    local said=$output
    echo "status=$status output=$output"
    [ "$status" -eq "$code" ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "${lines[0]}" == "fallback: decrypt: "* ]]
    [ "$(cat "$T/out/plain")" = old ]
    only_files "$T/out" plain
    output=$said
}

# flip FILE OFFSET: invert one byte in place.
flip() { "$BATS_TEST_DIRNAME/../flip-byte" "$@"; }

@test "round trips: empty, 1 byte, 64 KiB -1/0/+1, 3 MiB" {
    for n in 0 1 65535 65536 65537 3145733; do
        head -c "$n" /dev/urandom > "$T/p$n"
        enc "$T/p$n" "$T/e$n"
        "$FB" decrypt --pass-file "$T/pw" "$T/e$n" "$T/d$n"
        cmp "$T/p$n" "$T/d$n"
        run ! cmp -s "$T/p$n" "$T/e$n"
        [ "$(stat -c %a "$T/e$n")" = 600 ]
        [ "$(stat -c %a "$T/d$n")" = 600 ]
    done
}

@test "the committed known-answer vector decrypts to its plaintext" {
    "$FB" decrypt --pass-file "$VEC/crypt-v1.pass" "$VEC/crypt-v1.enc" "$T/plain"
    cmp "$VEC/crypt-v1.plain" "$T/plain"
}

@test "wrong password: 4, OUT untouched" {
    head -c 1000 /dev/urandom > "$T/p"
    enc "$T/p" "$T/e"
    printf 'a test passwore\n' > "$T/bad"
    PASS=$T/bad refused 4 "$T/e"
    [[ "$output" == *"wrong password"* ]]
}

@test "truncation at header bytes, record boundaries and inside records: 6" {
    head -c $((2 * 65536 + 300)) /dev/urandom > "$T/p"
    enc "$T/p" "$T/e"
    size=$(stat -c %s "$T/e")
    for cut in 0 1 7 8 20 63 87 88 89 $((88 + 65553 - 1)) $((88 + 65553)) $((88 + 65553 + 1)) \
               $((88 + 2 * 65553)) $((88 + 2 * 65553 + 1)) 40000 $((size - 17)) $((size - 1)); do
        head -c "$cut" "$T/e" > "$T/cut"
        refused 6 "$T/cut"
    done
}

@test "a flipped byte anywhere is refused: 7 in the fixed fields, 4 in salt/check, 6 after" {
    head -c 70000 /dev/urandom > "$T/p"
    enc "$T/p" "$T/e"
    for pos in 0 8 9 10 11 12; do
        cp "$T/e" "$T/f"; flip "$T/f" "$pos"; refused 7 "$T/f"
    done
    for pos in 32 40 47 48 63; do
        cp "$T/e" "$T/f"; flip "$T/f" "$pos"; refused 4 "$T/f"
    done
    for pos in 64 87 88 100 65640 65641 65642 69000 $(($(stat -c %s "$T/e") - 1)); do
        cp "$T/e" "$T/f"; flip "$T/f" "$pos"; refused 6 "$T/f"
    done
}

@test "data after the final record: 6" {
    head -c 65536 /dev/urandom > "$T/p"
    enc "$T/p" "$T/e"
    cp "$T/e" "$T/t1"; printf x >> "$T/t1"
    refused 6 "$T/t1"
    [[ "$output" == *"trailing data"* ]]
    cat "$T/e" "$T/e" > "$T/t2"
    refused 6 "$T/t2"
}

@test "unknown version, magic or flags: 7" {
    printf 'abc' > "$T/p"
    enc "$T/p" "$T/e"
    cp "$T/e" "$T/v"; printf '\002' | dd of="$T/v" bs=1 seek=8 conv=notrunc status=none
    refused 7 "$T/v"
    [[ "$output" == *"version 2"* ]]
    printf 'not an archive at all, just some text that is long enough\n%.0s' 1 2 > "$T/text"
    refused 7 "$T/text"
    [[ "$output" == *"magic"* ]]
}

@test "KDF costs above the caps: 7 before any derivation" {
    printf 'abc' > "$T/p"
    enc "$T/p" "$T/e"
    # memlimit = 2^40 bytes (offset 24, little-endian)
    cp "$T/e" "$T/m"; printf '\000\000\000\000\000\001\000\000' | dd of="$T/m" bs=1 seek=24 conv=notrunc status=none
    refused 7 "$T/m"
    [[ "$output" == *memlimit* ]]
    # opslimit = 11 (offset 16)
    cp "$T/e" "$T/o"; printf '\013' | dd of="$T/o" bs=1 seek=16 conv=notrunc status=none
    refused 7 "$T/o"
    [[ "$output" == *opslimit* ]]
}

@test "key-init: 0400 key file; its archives decrypt with it and with the password" {
    "$FB" key-init --out "$T/key" --cost interactive --pass-file "$T/pw"
    [ "$(stat -c %a "$T/key")" = 400 ]
    [ "$(stat -c %s "$T/key")" = 96 ]
    run ! grep -q 'a test password' "$T/key"
    head -c 100000 /dev/urandom > "$T/p"
    "$FB" encrypt --pass-file "$T/key" "$T/p" "$T/e"
    "$FB" decrypt --pass-file "$T/key" "$T/e" "$T/d1"
    "$FB" decrypt --pass-file "$T/pw" "$T/e" "$T/d2"
    cmp "$T/p" "$T/d1"
    cmp "$T/p" "$T/d2"
    run "$FB" encrypt --cost sensitive --pass-file "$T/key" "$T/p" "$T/e2"
    [ "$status" -eq 2 ]
    [ ! -e "$T/e2" ]
}

@test "key file with another salt: 4 saying so" {
    "$FB" key-init --out "$T/key1" --cost interactive --pass-file "$T/pw"
    "$FB" key-init --out "$T/key2" --cost interactive --pass-file "$T/pw"
    run ! cmp -s "$T/key1" "$T/key2"
    printf 'abc' > "$T/p"
    "$FB" encrypt --pass-file "$T/key1" "$T/p" "$T/e"
    PASS=$T/key2 refused 4 "$T/e"
    [[ "$output" == *salt* ]]
    enc "$T/p" "$T/e2"
    PASS=$T/key1 refused 4 "$T/e2"
}

@test "a damaged key file is refused" {
    "$FB" key-init --out "$T/key" --cost interactive --pass-file "$T/pw"
    cp "$T/key" "$T/bad"; chmod 600 "$T/bad"; flip "$T/bad" 50
    printf 'abc' > "$T/p"
    run "$FB" encrypt --pass-file "$T/bad" "$T/p" "$T/e"
    [ "$status" -eq 1 ]
    [[ "$output" == "fallback: encrypt: damaged key file"* ]]
    [ ! -e "$T/e" ]
}

@test "password from stdin when it is not a terminal; first line only" {
    printf 'abc' > "$T/p"
    printf 'a test password\nignored\n' | "$FB" encrypt --cost interactive "$T/p" "$T/e"
    "$FB" decrypt --pass-file "$T/pw" "$T/e" "$T/d"
    cmp "$T/p" "$T/d"
    run "$FB" decrypt "$T/e" "$T/d2" < /dev/null
    [ "$status" -eq 1 ]
    [[ "$output" == *"empty password"* ]]
    [ ! -e "$T/d2" ]
}

@test "IN from stdin needs --pass-file; works with it" {
    printf 'abc' > "$T/p"
    run "$FB" encrypt - "$T/e" < "$T/p"
    [ "$status" -eq 2 ]
    [ ! -e "$T/e" ]
    "$FB" encrypt --cost interactive --pass-file "$T/pw" - "$T/e" < "$T/p"
    "$FB" decrypt --pass-file "$T/pw" - "$T/d" < "$T/e"
    cmp "$T/p" "$T/d"
}

@test "terminal: asked twice on encrypt, mismatch refused, decrypt asks once" {
    command -v script >/dev/null || skip "script(1) missing"
    printf 'abc' > "$T/p"
    printf 'tty pass\ntty pass\n' | script -qec "'$FB' encrypt --cost interactive '$T/p' '$T/e'" /dev/null
    printf 'tty pass\n' | script -qec "'$FB' decrypt '$T/e' '$T/d'" /dev/null
    cmp "$T/p" "$T/d"
    run script -qec "'$FB' encrypt --cost interactive '$T/p' '$T/e2'" /dev/null <<< $'one\ntwo\n'
    [ "$status" -eq 1 ]
    [[ "$output" == *"passwords differ"* ]]
    [ ! -e "$T/e2" ]
}

@test "usage errors: 2" {
    printf 'abc' > "$T/p"
    run "$FB" encrypt --pass-file "$T/pw" "$T/p"
    [ "$status" -eq 2 ]
    run "$FB" encrypt --pass-file "$T/pw" --cost extreme "$T/p" "$T/e"
    [ "$status" -eq 2 ]
    [[ "$output" == *"unknown cost"* ]]
    run "$FB" decrypt --cost interactive --pass-file "$T/pw" "$T/p" "$T/e"
    [ "$status" -eq 2 ]
    # decrypt never writes to stdout (only a verified archive may appear);
    # encrypt may, when stdout is not a terminal (see tar.bats)
    run "$FB" decrypt --pass-file "$T/pw" "$T/p" -
    [ "$status" -eq 2 ]
    run "$FB" key-init --pass-file "$T/pw"
    [ "$status" -eq 2 ]
    [ ! -e "$T/e" ]
    "$FB" encrypt --help | grep -q -- --pass-file
    "$FB" key-init --help | grep -q -- --out
}

@test "no space left: 8, OUT untouched, no temporary left" {
    unshare -m true 2>/dev/null || skip "cannot make a mount namespace"
    head -c 1000000 /dev/urandom > "$T/p"
    mkdir "$T/small"
    run unshare -m sh -c 'mount -t tmpfs -o size=256k tmpfs "$1" && echo old > "$1/e" &&
        "$2" encrypt --cost interactive --pass-file "$3" "$4" "$1/e"; echo "rc=$?"; ls -A "$1"; cat "$1/e"' \
        sh "$T/small" "$FB" "$T/pw" "$T/p"
    echo "$output"
    [[ "$output" == *"fallback: encrypt: "*"No space left"* ]]
    [[ "$output" == *"rc=8"* ]]
    [ "$(printf '%s\n' "$output" | tail -n 2)" = "$(printf 'e\nold')" ]
}

@test "an independent decryptor written from the format document agrees" {
    python3 -c 'import cryptography' 2>/dev/null || skip "python3-cryptography missing"
    "$VEC/reference-decrypt.py" "$VEC/crypt-v1.pass" "$VEC/crypt-v1.enc" > "$T/plain"
    cmp "$VEC/crypt-v1.plain" "$T/plain"
    for n in 0 1 65536 65537 140000; do
        head -c "$n" /dev/urandom > "$T/p"
        enc "$T/p" "$T/e"
        "$VEC/reference-decrypt.py" "$T/pw" "$T/e" > "$T/d"
        cmp "$T/p" "$T/d"
    done
    head -c 65000 "$T/e" > "$T/cut"
    run "$VEC/reference-decrypt.py" "$T/pw" "$T/cut"
    [ "$status" -ne 0 ]
}
