#!/usr/bin/env bats
# fallback key-init --like ARCHIVE: the fallback's kept key (doc/watch.md).

setup() {
    FB=${FALLBACK_BIN:-"$BATS_TEST_DIRNAME/../../${BUILD:-build}/fallback"}
    T=$BATS_TEST_TMPDIR
    printf 'the main password\n' > "$T/pw"
    printf 'not the password\n' > "$T/bad"
    head -c 200000 /dev/urandom > "$T/plain"
    # the main server: a key file, archives encrypted with it
    "$FB" key-init --cost interactive --pass-file "$T/pw" --out "$T/main.key"
    "$FB" encrypt --pass-file "$T/main.key" "$T/plain" "$T/a.enc"
    "$FB" encrypt --pass-file "$T/main.key" "$T/plain" "$T/b.enc"
}

@test "a key derived like an archive opens every archive of the main's key file" {
    "$FB" key-init --like "$T/a.enc" --pass-file "$T/pw" --out "$T/kept.key"
    [ "$(stat -c %a "$T/kept.key")" = 400 ]
    [ "$(stat -c %s "$T/kept.key")" = 96 ]
    "$FB" decrypt --pass-file "$T/kept.key" "$T/b.enc" "$T/b.out"
    cmp "$T/plain" "$T/b.out"
    # and it is the main's very key: same bytes
    cmp "$T/main.key" "$T/kept.key"
}

@test "a fresh key-init (no --like) does not open the main's archives" {
    "$FB" key-init --cost interactive --pass-file "$T/pw" --out "$T/fresh.key"
    run "$FB" decrypt --pass-file "$T/fresh.key" "$T/b.enc" "$T/b.out"
    [ "$status" -eq 4 ]
    [[ $output == *"salt differs"* ]]
    [ ! -e "$T/b.out" ]
}

@test "a wrong password is refused at once and no key file is written" {
    run "$FB" key-init --like "$T/a.enc" --pass-file "$T/bad" --out "$T/kept.key"
    [ "$status" -eq 4 ]
    [[ $output == "fallback: key-init: "*"wrong password"* ]]
    [ ! -e "$T/kept.key" ]
    [ -z "$(find "$T" -mindepth 1 -maxdepth 1 -printf '%f\n' | grep -v -e '^pw$' -e '^bad$' -e '^plain$' -e '^main.key$' -e '^[ab].enc$')" ]
}

@test "--like refuses a clear file, a missing file and --cost" {
    run "$FB" key-init --like "$T/plain" --pass-file "$T/pw" --out "$T/k1"
    [ "$status" -eq 7 ]
    [[ $output == *"not an encrypted archive"* ]]
    run "$FB" key-init --like "$T/none" --pass-file "$T/pw" --out "$T/k2"
    [ "$status" -ne 0 ]
    [[ $output == *"cannot open"* ]]
    run "$FB" key-init --like "$T/a.enc" --cost moderate --pass-file "$T/pw" --out "$T/k3"
    [ "$status" -eq 2 ]
    [ ! -e "$T/k1" ] && [ ! -e "$T/k2" ] && [ ! -e "$T/k3" ]
}

@test "the password comes on stdin, never as an argument" {
    "$FB" key-init --like "$T/a.enc" --out "$T/kept.key" < "$T/pw"
    "$FB" decrypt --pass-file "$T/kept.key" "$T/a.enc" "$T/a.out"
    cmp "$T/plain" "$T/a.out"
}
