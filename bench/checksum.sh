#!/bin/bash
# Benchmark (not a test): `fallback checksum DIR` against the original's
# method, `find DIR -type f -exec md5sum {} \; | md5sum`, on a generated tree
# of 20,000 small files and one 200 MiB file. Both run once, warm, after a
# warm-up read of the whole tree (dropping caches is not possible here).
# Prints: bench: checksum_tree ours=X baseline=Y unit=s ratio=R
# where ratio = baseline / ours, i.e. how many times faster ours is
# (target >= 20).
set -eu
cd "$(dirname "$0")/.."
FB=${FALLBACK_BIN:-${BUILD:-build}/fallback}
[ -x "$FB" ] || { echo "bench/checksum.sh: $FB not built" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tree=$work/tree

# 200 directories x 100 files of 1 to 4 KiB, plus one 200 MiB file
make_tree() {
    local d f
    head -c 4096 /dev/urandom > "$work/seed"
    for d in $(seq -w 1 200); do
        mkdir -p "$tree/apps/app$d/backup"
        for f in $(seq -w 1 100); do
            head -c $(((10#$f % 4 + 1) * 1024 - 10#$d)) "$work/seed" > "$tree/apps/app$d/backup/f$f"
        done
    done
    head -c $((200 * 1024 * 1024)) /dev/urandom > "$tree/data.bin"
}

now() { date +%s.%N; }

make_tree
find "$tree" -type f -print0 | xargs -0 cat > /dev/null   # warm-up read

t0=$(now)
"$FB" checksum "$tree" > /dev/null
t1=$(now)
find "$tree" -type f -exec md5sum {} \; | md5sum > /dev/null
t2=$(now)

awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {
    ours = b - a; base = c - b
    printf "bench: checksum_tree ours=%.3f baseline=%.3f unit=s ratio=%.1f\n", ours, base, base / ours
}'
