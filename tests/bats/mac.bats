#!/usr/bin/env bats
# fallback mac sign|check: manifests vouched for by a key derived from the
# archive key (doc/encryption-format.md, "Authenticated manifests").

bats_require_minimum_version 1.5.0

setup() {
    FB=${FALLBACK_BIN:-"$BATS_TEST_DIRNAME/../../${BUILD:-build}/fallback"}
    T=$BATS_TEST_TMPDIR
    printf 'the main password\n' > "$T/pw"
    printf 'not the password\n' > "$T/bad"
    "$FB" key-init --cost interactive --pass-file "$T/pw" --out "$T/main.key"
    echo archive > "$T/plain"
    "$FB" encrypt --pass-file "$T/main.key" "$T/plain" "$T/a.enc"
    printf 'fallback-mac 1\npurpose night\nid 20250102T010000Z\nmanifest %064d\n' 0 > "$T/text"
}

@test "sign then check gives the text back; the file ends with its mac line" {
    "$FB" mac sign --pass-file "$T/main.key" --purpose night "$T/m" < "$T/text"
    [ "$(head -n 4 "$T/m")" = "$(cat "$T/text")" ]
    [[ $(tail -n 1 "$T/m") =~ ^mac\ [0-9a-f]{64}$ ]]
    run "$FB" mac check --pass-file "$T/main.key" --purpose night "$T/m"
    [ "$status" -eq 0 ]
    [ "$output" = "$(cat "$T/text")" ]
}

@test "the password with --like opens it too; a wrong password is refused (4)" {
    "$FB" mac sign --pass-file "$T/main.key" --purpose night "$T/m" < "$T/text"
    run "$FB" mac check --pass-file "$T/pw" --like "$T/a.enc" --purpose night "$T/m"
    [ "$status" -eq 0 ]
    run "$FB" mac check --pass-file "$T/bad" --like "$T/a.enc" --purpose night "$T/m"
    [ "$status" -eq 4 ]
    run "$FB" mac check --pass-file "$T/pw" --purpose night "$T/m"
    [ "$status" -eq 2 ]
    [[ $output == *"needs --like ARCHIVE"* ]]
}

@test "another key, the other purpose, one byte changed: refused (6)" {
    "$FB" key-init --cost interactive --pass-file "$T/pw" --out "$T/other.key"
    "$FB" mac sign --pass-file "$T/main.key" --purpose night "$T/m" < "$T/text"
    run "$FB" mac check --pass-file "$T/other.key" --purpose night "$T/m"
    [ "$status" -eq 6 ]
    [[ $output == *"fails authentication"* ]]
    run "$FB" mac check --pass-file "$T/main.key" --purpose set-aside "$T/m"
    [ "$status" -eq 6 ]
    sed 's/^id 2025/id 2026/' "$T/m" > "$T/m2"
    run "$FB" mac check --pass-file "$T/main.key" --purpose night "$T/m2"
    [ "$status" -eq 6 ]
    head -n 4 "$T/m" > "$T/m3"
    run "$FB" mac check --pass-file "$T/main.key" --purpose night "$T/m3"
    [ "$status" -eq 6 ]
    [[ $output == *"mac line is not the last line"* ]]
}

@test "the MAC is the documented one: BLAKE2b-256 keyed with crypto_kdf(i = 1, fbmac_v1, K)" {
    "$FB" mac sign --pass-file "$T/main.key" --purpose night "$T/m" < "$T/text"
    python3 - "$T/main.key" "$T/m" <<'PY'
import hashlib, sys
k = open(sys.argv[1], "rb").read()[48:80]
sub = hashlib.blake2b(b"", digest_size=32, key=k, salt=(1).to_bytes(8, "little") + bytes(8),
                      person=b"fbmac_v1" + bytes(8)).digest()
data = open(sys.argv[2], "rb").read()
body, line = data[:data.rindex(b"mac ")], data[data.rindex(b"mac "):]
assert line == b"mac " + hashlib.blake2b(body, digest_size=32, key=sub).hexdigest().encode() + b"\n"
PY
}

@test "bad input: no purpose, an unknown one, text without a final newline" {
    run "$FB" mac sign --pass-file "$T/main.key" "$T/m" < "$T/text"
    [ "$status" -eq 2 ]
    run "$FB" mac sign --pass-file "$T/main.key" --purpose other "$T/m" < "$T/text"
    [ "$status" -eq 2 ]
    printf 'no newline' > "$T/nonl"
    run "$FB" mac sign --pass-file "$T/main.key" --purpose night "$T/m" < "$T/nonl"
    [ "$status" -eq 12 ]
    [ ! -e "$T/m" ]
}
