#!/bin/bash
# Benchmark: fallback encrypt/decrypt against ccrypt on the same 1 GiB file,
# and peak resident memory of ours. Not a test; prints "bench: ..." lines.
#   bench/crypt.sh            (BUILD, FALLBACK_BIN and BENCH_DIR are honoured)
# Ours runs with a key file from `fallback key-init`, which is what the main
# server uses every night; ccrypt reads its key from a file with -k. Both
# sides end with the output flushed (ours fsyncs, ccrypt gets `sync`).
# The files live in RAM (/dev/shm) when it has room, so the figures compare
# the two programs rather than this machine's disk, which caps both sides at
# its write speed (about 280 MB/s here); the nightly job itself encrypts into
# the network, not onto a disk. BENCH_DIR=/some/disk/dir measures on a disk.
set -euo pipefail
cd "$(dirname "$0")/.."
FB=${FALLBACK_BIN:-$PWD/${BUILD:-build}/fallback}
SIZE=$((1024 * 1024 * 1024))
for tool in ccrypt /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench/crypt.sh: $tool missing (make deps)" >&2; exit 2; }
done
[ -x "$FB" ] || { echo "bench/crypt.sh: $FB not built (make)" >&2; exit 2; }

# 1 GiB plain text + 1 GiB of each ciphertext and output at most: 4 GiB
if [ -z "${BENCH_DIR:-}" ]; then
    BENCH_DIR=${TMPDIR:-/tmp}
    [ "$(df -P -k /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')" -gt $((4 * 1024 * 1024)) ] 2>/dev/null &&
        BENCH_DIR=/dev/shm
fi
echo "# bench/crypt.sh: files in $BENCH_DIR"
work=$(mktemp -d "$BENCH_DIR/fallback-bench-crypt.XXXXXX")
trap 'rm -rf "$work"' EXIT

now() { date +%s%N; }

# mbps START_NS END_NS: throughput of SIZE bytes in MB/s (10^6 bytes).
mbps() {
    awk -v b="$SIZE" -v s="$1" -v e="$2" 'BEGIN { printf "%.0f", b / ((e - s) / 1e9) / 1e6 }'
}

# timed VAR CMD...: run CMD under /usr/bin/time -v, set VAR_mbps and VAR_rss (MiB).
timed() {
    local var=$1 start end kb; shift
    start=$(now)
    /usr/bin/time -v -o "$work/time.$var" "$@"
    end=$(now)
    kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.$var")
    printf -v "${var}_mbps" '%s' "$(mbps "$start" "$end")"
    printf -v "${var}_rss" '%s' "$(awk -v k="$kb" 'BEGIN { printf "%.1f", k / 1024 }')"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }

head -c "$SIZE" /dev/urandom > "$work/plain"
printf 'bench password %s\n' "$RANDOM$RANDOM" > "$work/pass"
"$FB" key-init --pass-file "$work/pass" --out "$work/key"
sync

timed our_enc "$FB" encrypt --pass-file "$work/key" "$work/plain" "$work/plain.fbk"
timed their_enc sh -c 'ccrypt -e -k "$1" < "$2" > "$3" && sync "$3"' sh \
    "$work/pass" "$work/plain" "$work/plain.cpt"
timed our_dec "$FB" decrypt --pass-file "$work/key" "$work/plain.fbk" "$work/out.fbk"
cmp "$work/plain" "$work/out.fbk"
rm -f "$work/out.fbk" "$work/plain.fbk"
timed their_dec sh -c 'ccrypt -d -k "$1" < "$2" > "$3" && sync "$3"' sh \
    "$work/pass" "$work/plain.cpt" "$work/out.cpt"
cmp "$work/plain" "$work/out.cpt"

# shellcheck disable=SC2154  # the *_mbps and *_rss variables are set by timed
{
    echo "bench: encrypt ours=$our_enc_mbps baseline=$their_enc_mbps unit=MB/s ratio=$(ratio "$our_enc_mbps" "$their_enc_mbps")"
    echo "bench: decrypt ours=$our_dec_mbps baseline=$their_dec_mbps unit=MB/s ratio=$(ratio "$our_dec_mbps" "$their_dec_mbps")"
    peak=$(awk -v a="$our_enc_rss" -v b="$our_dec_rss" 'BEGIN { print (a > b ? a : b) }')
    echo "bench: peak_rss_crypt ours=$peak baseline=- unit=MiB ratio=-"
}
