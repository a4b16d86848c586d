#!/usr/bin/env bats
# bench/peers.sh run whole at tiny sizes (an 8 MiB set, 2,000 small files):
# every figure and target line is there in its format, the ratios are the
# figures' own, and each peer restored or listed what it backed up. Needs
# Debian's borgbackup, restic and iptables (make deps-bench): not part of
# make check; run by make bench-smoke.

bats_require_minimum_version 1.5.0

NUM='[0-9]+(\.[0-9]+)?'

setup_file() {
    cd "$BATS_TEST_DIRNAME/../.." || return 1
    tests/world/world-gc
    rc=0
    BENCH_SET_MB=8 BENCH_FILES=2000 bench/peers.sh > "$BATS_FILE_TMPDIR/out" 2>&1 || rc=$?
    echo "$rc" > "$BATS_FILE_TMPDIR/rc"
}

setup() {
    out=$BATS_FILE_TMPDIR/out
}

# line NAME: the bench line of NAME (exactly one)
line() {
    local n
    n=$(grep -c "^bench: $1 " "$out") || true
    [ "$n" -eq 1 ] || { echo "bench: $1: $n lines" >&2; return 1; }
    grep "^bench: $1 " "$out"
}

# field LINE KEY: the value of KEY= in a bench line
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<< "$1"; }

@test "the whole harness runs to its end" {
    rc=$(cat "$BATS_FILE_TMPDIR/rc")
    if [ "$rc" -ne 0 ]; then tail -n 40 "$out"; fi
    [ "$rc" -eq 0 ]
    grep -q '^# done in ' "$out"
}

@test "every figure of the table, one line per peer, in the bench format" {
    local names=() c p l
    for p in borg restic original; do
        for c in first_bytes first_seconds 1pct_bytes 1pct_seconds 1pct_read_bytes \
            unchanged_seconds unchanged_read_bytes files_seconds files_peak_rss; do
            names+=("peers_${c}_vs_$p")
        done
    done
    names+=(peers_7nights_size_vs_borg peers_7nights_size_vs_restic
        peers_deploy_seconds_vs_restore peers_deploy_seconds_vs_borg peers_deploy_seconds_vs_restic)
    for c in "${names[@]}"; do
        l=$(line "$c")
        [[ $l =~ ^bench:\ $c\ ours=$NUM\ baseline=$NUM\ unit=(bytes|s|MiB)\ ratio=$NUM$ ]] ||
            { echo "malformed: $l" >&2; return 1; }
    done
    [ "$(grep -c '^bench: ' "$out")" -eq "${#names[@]}" ]
}

@test "each ratio is ours over the peer's figure" {
    local l o b r
    while read -r l; do
        o=$(field "$l" ours) b=$(field "$l" baseline) r=$(field "$l" ratio)
        awk -v o="$o" -v b="$b" -v r="$r" 'BEGIN { exit !(b > 0 && (o / b - r) ^ 2 < 0.0001) }' ||
            { echo "wrong ratio: $l" >&2; return 1; }
    done < <(grep '^bench: ' "$out")
}

@test "the figures are measured: the random half crosses the wire, an unchanged borg night reads little" {
    local p l half=$((4 * 1024 * 1024))
    # half the set is random: no peer can send the first night in less
    for p in borg restic original; do
        l=$(line "peers_first_bytes_vs_$p")
        [ "$(field "$l" baseline)" -ge "$half" ]
        [ "$(field "$l" ours)" -ge "$half" ]
    done
    # borg's files cache skips unchanged files: far less read than after a change
    l=$(line peers_unchanged_read_bytes_vs_borg)
    [ "$(field "$l" baseline)" -lt "$half" ]
    l=$(line peers_1pct_read_bytes_vs_borg)
    [ "$(field "$l" baseline)" -gt 0 ]
    # peak RSS of a real process tree is more than nothing and less than the machine
    l=$(line peers_files_peak_rss_vs_restic)
    awk -v o="$(field "$l" ours)" -v b="$(field "$l" baseline)" 'BEGIN { exit !(o > 1 && b > 1 && o < 4096 && b < 4096) }'
}

@test "one target line for each target, met or MISSED with its figures" {
    local t n
    for t in "first night: bytes sent" "first night: seconds" "1 % change: bytes sent" \
        "unchanged night: disk bytes read" "unchanged night: seconds" "7 nights of 1 % change" \
        "small files unchanged: seconds" "small files unchanged: peak RSS" "deploy: seconds"; do
        n=$(grep -cE "^target: ([0-9]+ )?$t.* (met|MISSED) \(ours=$NUM.*\)$" "$out") || true
        [ "$n" -eq 1 ] || { echo "target '$t': $n lines" >&2; return 1; }
    done
    [ "$(grep -c '^target: ' "$out")" -eq 9 ]
}

@test "each peer restored or listed what it backed up" {
    local v
    for v in "borg archives listed ok (borg list: 9 archives, 9 nights)" \
        "restic snapshots listed ok (restic snapshots: 9, 9 nights)" \
        "borg archives listed ok (borg list: 2 archives, 2 nights)" \
        "restic snapshots listed ok (restic snapshots: 2, 2 nights)" \
        "original archive on the fallback ok" "ours deploy restores the set ok" \
        "restore yunohost backup restore of the set ok" "borg extract restores the set ok" \
        "restic restore restores the set ok"; do
        grep -qF "verify: $v" "$out" || { echo "missing: verify: $v" >&2; return 1; }
    done
    run ! grep -q '^verify: .* FAILED' "$out"
}
