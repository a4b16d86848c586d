#!/bin/bash
# bench/peers.sh - the nightly job side by side with Debian's borgbackup and
# restic (and the original method of bench/nightly.sh where it applies), in
# one run on the two-host world, over the same generated data. Not a test:
# it measures. The cases, figures and targets are the table "Benchmarks" of
# the repository design; doc/benchmarks.md says what each figure measures.
#
#   bench: peers_<case>_<figure>_vs_<peer> ours=N baseline=M unit=U ratio=R
#   target: <what> met|MISSED (<figures>)
#   verify: <peer> <what> ok|FAILED (<why>)
#
# Environment: BENCH_SET_MB (the set, default 1024), BENCH_FILES (the small
# files case, default 200000), BENCH_SEED (default 1), BENCH_PEERS (default
# "borg restic original"), BENCH_DIR (where the disk images go, default
# /var/tmp: the real disk, not RAM), BENCH_LOGS (a folder that receives each
# run's output when the benchmark ends), BENCH_REPOSITORY_FORMAT (ours'
# repository_format, 1 or 2; default: the package's own default).
#
# The peers and how they are run:
#   ours      send_backup on the main, then fallback_seal on the fallback, the
#             set being the data of the app `benchdata` selected in app_list
#             (YunoHost's backup collects it as for any app); measured from
#             outside only, whatever the job does inside.
#   borg      borg create over SSH to the fallback, user borgbench in ssh.app,
#             `borg serve --restrict-to-path` forced in its authorized_keys,
#             encryption repokey-blake2, compression zstd,3 (the compressor
#             and level of ours' repository format, so bytes compare the
#             same compression; lz4, borg's default, would send more).
#   restic    restic backup, SFTP backend to an sftp.app chrooted account on
#             the fallback, default settings (repository v2, compression auto).
#   original  bench/lib/original-night (first night, 1 % change, unchanged
#             night, small files; it keeps one copy, so no 7-night size and
#             no deploy).
#
# How it counts, the same way for every peer:
#   bytes sent   bytes of the TCP packets to the fallback's port 22, an
#                iptables counter in the world's network namespace (headers
#                included), zeroed before each run
#   seconds      wall clock of the run (ours: send_backup + fallback_seal)
#   disk read    read_bytes of the process tree on the main (bench/lib/iotree.py,
#                a subreaper), the main's /home being ext4 on a loop device
#                whose cache is dropped (umount, mount) before each run
#   peak RSS     the largest peak resident set of any one process of the tree
#                on the main (getrusage RUSAGE_CHILDREN of the subreaper)
#   repo size    du --apparent-size of what the fallback holds for the peer
set -euo pipefail
cd "$(dirname "$0")/.."
SET_MB=${BENCH_SET_MB:-1024}
FILES=${BENCH_FILES:-200000}
SEED=${BENCH_SEED:-1}
PEERS=${BENCH_PEERS:-borg restic original}
NIGHTS=7
BIN=/opt/yunohost/fallback/bin
DATA=/home/yunohost.app/fallback
APP=benchdata
SETDIR=/home/yunohost.app/$APP
BORG_REPO_DIR=/home/borgbench/repo
RESTIC_HOME=/home/yunohost.app/resticbench
FB_IP=127.0.0.3
REPO_FORMAT=${BENCH_REPOSITORY_FORMAT:-}
case $REPO_FORMAT in ''|1|2) ;; *) echo "bench/peers.sh: BENCH_REPOSITORY_FORMAT must be 1 or 2" >&2; exit 2 ;; esac

die() { echo "bench/peers.sh: $*" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || die "needs root"
[[ $SET_MB =~ ^[1-9][0-9]*$ ]] || die "BENCH_SET_MB must be a number of MiB, not '$SET_MB'"
[[ $FILES =~ ^[1-9][0-9]*$ ]] || die "BENCH_FILES must be a number of files, not '$FILES'"
[[ $SEED =~ ^[0-9]+$ ]] || die "BENCH_SEED must be a number, not '$SEED'"
for p in $PEERS; do
    case $p in borg|restic|original) ;; *) die "BENCH_PEERS: unknown peer '$p' (borg restic original)" ;; esac
done
for t in borg:borgbackup restic:restic iptables:iptables ccrypt:ccrypt losetup:mount mkfs.ext4:e2fsprogs; do
    command -v "${t%%:*}" > /dev/null || die "needs ${t%%:*} (Debian package ${t#*:}; make deps-bench)"
done
has() { [[ " $PEERS " == *" $1 "* ]]; }

# shellcheck source=../tests/e2e/lib.bash
source tests/e2e/lib.bash
LIB=$WORLD_SRC/bench/lib

work=$(mktemp -d "${BENCH_DIR:-/var/tmp}/fallback-peers.XXXXXX")
loops=()
declare -A DEV    # host -> the loop device of its /home
cleanup() {
    world_end || true
    if [ -n "${BENCH_LOGS:-}" ]; then mkdir -p -- "$BENCH_LOGS" && cp -- "$work"/*.log "$BENCH_LOGS"/ 2>/dev/null; fi
    rm -rf "$work"
}
trap cleanup EXIT

say() { printf '# %s\n' "$*"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else printf "%.2f", a / b }'; }
# le A B [F]: A <= F * B
le() { awk -v a="$1" -v b="$2" -v f="${3:-1}" 'BEGIN { exit !(a <= f * b) }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# figure NAME OURS BASE UNIT: one bench line.
figure() { echo "bench: $1 ours=$2 baseline=$3 unit=$4 ratio=$(ratio "$2" "$3")"; }
# target TEXT CONDITION... : a target line, met when every CONDITION (le args) holds.
target() {
    local text=$1 why=$2
    shift 2
    while [ $# -gt 0 ]; do
        # shellcheck disable=SC2086 # "A B F" triples
        le $1 || { echo "target: $text MISSED ($why)"; return 0; }
        shift
    done
    echo "target: $text met ($why)"
}
verify() { # verify PEER WHAT OK(0|1) WHY
    if [ "$3" -eq 0 ]; then echo "verify: $1 $2 ok ($4)"; else echo "verify: $1 $2 FAILED ($4)"; verify_failed=1; fi
}
verify_failed=0

# --- the world --------------------------------------------------------------

# disk_home HOST MIB: HOST's /home becomes ext4 on a loop device (the image
# in $work on the machine's disk), with what /home held.
disk_home() {
    local host=$1 img=$work/$1.img dev
    rm -f "$img"
    truncate -s "${2}M" "$img"
    mkfs.ext4 -q -F -i 4096 "$img"
    dev=$(losetup -f --show "$img")
    loops+=("$dev")
    DEV[$host]=$dev
    # shellcheck disable=SC2016 # expanded by the inner shell
    on_host "$host" /bin/bash -c 'set -e
        mkdir -p /mnt/peers && mount "$1" /mnt/peers
        cp -a /home/. /mnt/peers/ && umount /mnt/peers && mount "$1" /home' _ "$dev"
}

# drop_cache: the main's /home is written out and leaves the page cache.
drop_cache() {
    local _
    for _ in 1 2 3 4 5; do
        on_main /bin/bash -c 'sync && umount /home 2> /dev/null && mount "$1" /home' _ "${DEV[main]}" && return 0
        sleep 1
    done
    die "cannot drop the main's cache (/home stays busy)"
}

NS=
ipt() { ip netns exec "$NS" iptables "$@"; }
wire_zero() { ipt -Z OUTPUT; }
wire_sent() { ipt -nvxL OUTPUT | awk '/dpt:22/ { print $2; exit }'; }

wire_sent() { ipt -nvxL OUTPUT | awk '/dpt:22/ { print $2; exit }'; }

SSH_OPTS="-F /dev/null -o UserKnownHostsFile=/root/.ssh/peers_known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes -o LogLevel=ERROR"

# wrapper HOST NAME BODY: /root/peers/NAME in HOST, a shell script BODY.
wrapper() {
    printf '#!/bin/sh\n%s\n' "$3" |
        on_host "$1" /bin/bash -c 'mkdir -p /root/peers && cat > "/root/peers/$1" && chmod 0700 "/root/peers/$1"' _ "$2"
}

# copy_secret NAME: the main's /root/NAME into the fallback's (root, 0400),
# through a pipe (never in an argument).
copy_secret() {
    on_main cat "/root/$1" | on_fallback /bin/bash -c 'umask 077 && cat > "/root/$1" && chmod 0400 "/root/$1"' _ "$1"
}

setup_borg() {
    local pub
    on_main /bin/bash -c 'umask 077 && head -c 32 /dev/urandom | base64 > /root/borg.pass && chmod 0400 /root/borg.pass &&
        ssh-keygen -q -t ed25519 -N "" -f /root/.ssh/id_borgbench'
    pub=$(on_main cat /root/.ssh/id_borgbench.pub)
    # shellcheck disable=SC2016 # expanded by the inner shell
    on_fallback /bin/bash -c 'set -e
        useradd --system --user-group --create-home --home-dir /home/borgbench --shell /bin/bash --groups ssh.app borgbench
        chmod 0700 /home/borgbench
        install -d -o borgbench -g borgbench -m 0700 /home/borgbench/.ssh
        printf "command=\"borg serve --restrict-to-path %s\",restrict %s\n" "$1" "$2" > /home/borgbench/.ssh/authorized_keys
        chown borgbench: /home/borgbench/.ssh/authorized_keys
        chmod 0600 /home/borgbench/.ssh/authorized_keys' _ "$BORG_REPO_DIR" "$pub"
    wrapper main borg "export BORG_RSH='ssh $SSH_OPTS -i /root/.ssh/id_borgbench'
export BORG_PASSCOMMAND='cat /root/borg.pass' BORG_REPO='ssh://borgbench@$FB_IP$BORG_REPO_DIR'
exec borg \"\$@\""
    on_main /root/peers/borg init --encryption repokey-blake2 > "$work/borg-init.log" 2>&1 ||
        { cat "$work/borg-init.log" >&2; fail "borg init over ssh failed"; }
    copy_secret borg.pass
    wrapper fallback borg "export BORG_PASSCOMMAND='cat /root/borg.pass' BORG_REPO='$BORG_REPO_DIR'
exec borg \"\$@\""
}

setup_restic() {
    on_main /bin/bash -c 'umask 077 && head -c 32 /dev/urandom | base64 > /root/restic.pass && chmod 0400 /root/restic.pass'
    world_sftp_account resticbench repo
    wrapper main restic "export RESTIC_PASSWORD_FILE=/root/restic.pass RESTIC_REPOSITORY='sftp:resticbench@$FB_IP:/repo'
exec restic -o 'sftp.command=ssh $SSH_OPTS -i /root/.ssh/id_resticbench resticbench@$FB_IP -s sftp' \"\$@\""
    on_main /root/peers/restic init > "$work/restic-init.log" 2>&1 ||
        { cat "$work/restic-init.log" >&2; fail "restic init over sftp failed"; }
    copy_secret restic.pass
    wrapper fallback restic "export RESTIC_PASSWORD_FILE=/root/restic.pass RESTIC_REPOSITORY='$RESTIC_HOME/repo'
exec restic \"\$@\""
}

setup_original() {
    on_main /bin/bash -c 'umask 077 && head -c 32 /dev/urandom | base64 > /root/original.key &&
        ssh-keygen -q -t ed25519 -N "" -f /root/.ssh/original'
    on_main cat /root/.ssh/original.pub | world_allow_root_ssh fallback
    on_fallback mkdir -p /home/original
}

fail() { echo "bench/peers.sh: $*" >&2; exit 1; }

# setup_world MAIN_MIB FALLBACK_MIB: a fresh world, both /home on disks,
# ours installed on both hosts with benchdata selected, each peer's account
# and repository on the fallback.
setup_world() {
    local t0=$SECONDS
    world_up > /dev/null
    NS=$(cat "$WORLD_DIR/netns")
    disk_home main "$1"
    disk_home fallback "$2"
    ipt -I OUTPUT -p tcp -d "$FB_IP" --dport 22
    e2e_pair auto_detect_failure=0 > "$work/pair.log" 2>&1 ||
        { tail -n 30 "$work/pair.log" >&2; fail "the package does not install on the world"; }
    if [ -n "$REPO_FORMAT" ]; then
        on_main /bin/bash -c "echo repository_format=$REPO_FORMAT >> $DATA/config.conf"
    fi
    # a mail(1) that keeps quiet: mails are not what is measured
    for h in main fallback; do
        on_host "$h" /bin/bash -c 'printf "#!/bin/sh\ncat > /dev/null\n" > /usr/local/bin/mail && chmod 755 /usr/local/bin/mail'
    done
    world_app_install main "$WORLD_SRC/bench/apps/$APP" > "$work/app-install.log" 2>&1 ||
        { tail -n 30 "$work/app-install.log" >&2; fail "the app $APP does not install"; }
    e2e_select_apps "$APP"
    on_fallback cat /etc/ssh/ssh_host_ed25519_key.pub | awk -v ip="$FB_IP" '{ print ip, $1, $2 }' |
        on_main /bin/bash -c 'mkdir -p -m 0700 /root/.ssh && cat > /root/.ssh/peers_known_hosts'
    if has borg; then setup_borg; fi
    if has restic; then setup_restic; fi
    if has original; then setup_original; fi
    say "world up, ours installed, peers ready ($((SECONDS - t0)) s)"
}

# gen ARGS...: bench/lib/gen_set.py ARGS on the main, as the app's user.
gen() { on_main runuser -u "$APP" -- python3 - "$@" < bench/lib/gen_set.py; }

# tree_hash HOST DIR: one digest of every file's path and content under DIR.
tree_hash() {
    # shellcheck disable=SC2016 # expanded by the inner shell
    on_host "$1" /bin/bash -c 'cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum | sha256sum | cut -d" " -f1' _ "$2"
}

# --- measuring ----------------------------------------------------------------

declare -A R
# iot HOST LABEL CMD...: CMD in HOST under bench/lib/iotree.py; its figures
# in R[LABEL_secs|read|rss]; a failure ends the run with the end of its output.
iot() {
    local host=$1 label=$2
    shift 2
    if ! on_host "$host" python3 "$LIB/iotree.py" /root/peers.io "$@" > "$work/$label.log" 2>&1; then
        tail -n 30 "$work/$label.log" >&2
        fail "$label: '$*' failed on the $host"
    fi
    on_host "$host" cat /root/peers.io > "$work/io"
    R[${label}_secs]=$(awk '$1 == "seconds" { print $2 }' "$work/io")
    R[${label}_read]=$(awk '$1 == "read_bytes" { print $2 }' "$work/io")
    R[${label}_rss]=$(mib "$(awk '$1 == "maxrss_kib" { print $2 }' "$work/io")")
}

# run_PEER LABEL NIGHT: one night of PEER on the main; R[LABEL_sent] too.
run_ours() {
    wire_zero
    iot main "$1" "$BIN/send_backup"
    R[${1}_sent]=$(wire_sent)
    iot fallback "$1_seal" "$BIN/fallback_seal"
    say "$1: send_backup ${R[${1}_secs]} s, fallback_seal ${R[${1}_seal_secs]} s"
    R[${1}_secs]=$(awk -v a="${R[${1}_secs]}" -v b="${R[${1}_seal_secs]}" 'BEGIN { printf "%.3f", a + b }')
}
run_borg() {
    wire_zero
    iot main "$1" /root/peers/borg create --compression zstd,3 "::night-$2" "$SETDIR"
    R[${1}_sent]=$(wire_sent)
}
run_restic() {
    wire_zero
    iot main "$1" /root/peers/restic backup --quiet "$SETDIR"
    R[${1}_sent]=$(wire_sent)
}
run_original() {
    wire_zero
    iot main "$1" "$LIB/original-night"
    R[${1}_sent]=$(wire_sent)
}

# night CASE NIGHT PEER...: one night of each PEER (ours first), each from a
# cold cache of the main's /home.
night() {
    local case=$1 n=$2 p
    shift 2
    for p in ours "$@"; do
        drop_cache
        "run_$p" "${case}_$p" "$n"
        say "night $n ($case) $p: ${R[${case}_${p}_secs]} s, sent ${R[${case}_${p}_sent]} B, read ${R[${case}_${p}_read]} B, peak RSS ${R[${case}_${p}_rss]} MiB"
    done
}

# figures CASE FIG UNIT PEER...: ours against each PEER for one figure.
figures() {
    local case=$1 fig=$2 unit=$3 p name
    shift 3
    for p in "$@"; do
        case $fig in secs) name=seconds ;; sent) name=bytes ;; read) name=read_bytes ;; rss) name=peak_rss ;; *) name=$fig ;; esac
        figure "peers_${case}_${name}_vs_$p" "${R[${case}_ours_$fig]}" "${R[${case}_${p}_$fig]}" "$unit"
    done
}

# borg_fig CASE FIG: borg's figure, or an impossible bound when borg did not run.
borg_fig() { if has borg; then echo "${R[${1}_borg_$2]}"; else echo -1; fi; }

# --- the cases ------------------------------------------------------------------

set_world() {
    local set_bytes n p main_mb=$((SET_MB * 5 + 3072)) fb_mb=$((SET_MB * 20 + 3072)) origin
    # shellcheck disable=SC2086 # the peers, one word each
    set -- $PEERS
    local peers=("$@") seven=() p
    for p in "${peers[@]}"; do [ "$p" = original ] || seven+=("$p"); done
    setup_world "$main_mb" "$fb_mb"
    gen set "$SETDIR" "$SET_MB" "$SEED"
    set_bytes=$(on_main du -sb "$SETDIR" | cut -f1)
    say "the set: $set_bytes bytes in $(on_main find "$SETDIR" -type f | wc -l) files (seed $SEED)"

    night first 1 "${peers[@]}"
    gen change "$SETDIR" "$SET_MB" "$SEED" 2
    night 1pct 2 "${peers[@]}"
    night unchanged 3 "${peers[@]}"
    for n in $(seq 4 $((NIGHTS + 2))); do
        gen change "$SETDIR" "$SET_MB" "$SEED" "$n"
        night "n$n" "$n" "${seven[@]}"
    done
    R[7nights_ours_size]=$(on_fallback du -sb "$DATA" | cut -f1)
    if has borg; then R[7nights_borg_size]=$(on_fallback du -sb "$BORG_REPO_DIR" | cut -f1); fi
    if has restic; then R[7nights_restic_size]=$(on_fallback du -sb "$RESTIC_HOME/repo" | cut -f1); fi

    figures first sent bytes "${peers[@]}"
    figures first secs s "${peers[@]}"
    figures 1pct sent bytes "${peers[@]}"
    figures 1pct secs s "${peers[@]}"
    figures 1pct read bytes "${peers[@]}"
    figures unchanged secs s "${peers[@]}"
    figures unchanged read bytes "${peers[@]}"
    figures 7nights size bytes "${seven[@]}"

    target "first night: bytes sent <= borg's" "ours=${R[first_ours_sent]} borg=$(borg_fig first sent)" \
        "${R[first_ours_sent]} $(borg_fig first sent) 1"
    target "first night: seconds <= 1.2 x borg's" "ours=${R[first_ours_secs]} borg=$(borg_fig first secs)" \
        "${R[first_ours_secs]} $(borg_fig first secs) 1.2"
    target "1 % change: bytes sent <= 1.2 x borg's and <= 5 % of the set" \
        "ours=${R[1pct_ours_sent]} borg=$(borg_fig 1pct sent) set=$set_bytes" \
        "${R[1pct_ours_sent]} $(borg_fig 1pct sent) 1.2" "${R[1pct_ours_sent]} $set_bytes 0.05"
    target "unchanged night: disk bytes read <= 2 % of the set" "ours=${R[unchanged_ours_read]} set=$set_bytes" \
        "${R[unchanged_ours_read]} $set_bytes 0.02"
    target "unchanged night: seconds <= borg's" "ours=${R[unchanged_ours_secs]} borg=$(borg_fig unchanged secs)" \
        "${R[unchanged_ours_secs]} $(borg_fig unchanged secs) 1"
    target "7 nights of 1 % change: repository size <= 1.2 x borg's" \
        "ours=${R[7nights_ours_size]} borg=$(borg_fig 7nights size)" \
        "${R[7nights_ours_size]} $(borg_fig 7nights size) 1.2"

    origin=$(tree_hash main "$SETDIR")
    check_peers $((NIGHTS + 2))
    deploy_case "$origin"
}

# check_peers NIGHTS: each peer lists what it backed up.
check_peers() {
    local want=$1 got
    if has borg; then
        got=$(on_main /root/peers/borg list --short | grep -c '^night-') || true
        verify borg "archives listed" "$([ "$got" -eq "$want" ]; echo $?)" "borg list: $got archives, $want nights"
    fi
    if has restic; then
        got=$(on_main /root/peers/restic snapshots --json | jq length) || got=0
        verify restic "snapshots listed" "$([ "$got" -eq "$want" ]; echo $?)" "restic snapshots: $got, $want nights"
    fi
    if has original; then
        got=$(on_fallback find /home/original/backup -name "${APP}_fallback_bck.tar.gz.cpt" | wc -l)
        verify original "archive on the fallback" "$([ "$got" -eq 1 ]; echo $?)" "$got encrypted archive of $APP"
    fi
}

# deploy_case ORIGIN_HASH: deploy_fallback of the newest night against the
# sum of `yunohost backup restore` of the same parts on the same host; borg
# extract and restic restore of their newest on the fallback beside it. Each
# restored copy of the set is checked against ORIGIN_HASH.
deploy_case() {
    local origin=$1 got sum p
    iot fallback deploy_ours "$BIN/deploy_fallback" <<< $'\n'"$E2E_PW"
    got=$(tree_hash fallback "$SETDIR")
    verify ours "deploy restores the set" "$([ "$got" = "$origin" ]; echo $?)" "tree digest $got, main's $origin"

    on_main yunohost backup create --system --name peers_system > "$work/tars.log" 2>&1 &&
        on_main yunohost backup create --apps "$APP" --name peers_app >> "$work/tars.log" 2>&1 ||
        { cat "$work/tars.log" >&2; fail "the main's tar backups for the restore baseline failed"; }
    cp "$(world_path main /home/yunohost.backup/archives)"/peers_* "$(world_path fallback /home/yunohost.backup/archives)"/
    on_main yunohost backup delete peers_system > /dev/null
    on_main yunohost backup delete peers_app > /dev/null
    on_fallback yunohost app remove "$APP" > /dev/null 2>&1
    iot fallback deploy_restore_system yunohost backup restore peers_system --system --force
    iot fallback deploy_restore_app yunohost backup restore peers_app --apps "$APP" --force
    got=$(tree_hash fallback "$SETDIR")
    verify restore "yunohost backup restore of the set" "$([ "$got" = "$origin" ]; echo $?)" "tree digest $got"
    sum=$(awk -v a="${R[deploy_restore_system_secs]}" -v b="${R[deploy_restore_app_secs]}" 'BEGIN { printf "%.3f", a + b }')
    say "restore: system ${R[deploy_restore_system_secs]} s, $APP ${R[deploy_restore_app_secs]} s"
    R[deploy_restore_secs]=$sum
    on_fallback rm -f /home/yunohost.backup/archives/peers_system.tar /home/yunohost.backup/archives/peers_app.tar

    if has borg; then
        on_fallback mkdir -p /home/peers-restore/borg
        iot fallback deploy_borg /bin/bash -c 'cd /home/peers-restore/borg && /root/peers/borg extract "::$(/root/peers/borg list --last 1 --short)"'
        got=$(tree_hash fallback "/home/peers-restore/borg$SETDIR")
        verify borg "extract restores the set" "$([ "$got" = "$origin" ]; echo $?)" "tree digest $got"
        on_fallback rm -rf /home/peers-restore/borg
    fi
    if has restic; then
        iot fallback deploy_restic /root/peers/restic restore latest --target /home/peers-restore/restic
        got=$(tree_hash fallback "/home/peers-restore/restic$SETDIR")
        verify restic "restore restores the set" "$([ "$got" = "$origin" ]; echo $?)" "tree digest $got"
        on_fallback rm -rf /home/peers-restore/restic
    fi
    figure peers_deploy_seconds_vs_restore "${R[deploy_ours_secs]}" "$sum" s
    for p in borg restic; do
        if has "$p"; then figure "peers_deploy_seconds_vs_$p" "${R[deploy_ours_secs]}" "${R[deploy_${p}_secs]}" s; fi
    done
    target "deploy: seconds <= 1.5 x the sum of yunohost backup restore" "ours=${R[deploy_ours_secs]} restore=$sum" \
        "${R[deploy_ours_secs]} $sum 1.5"
}

files_world() {
    local mb=$((FILES * 16 / 1024 + 2048))
    # shellcheck disable=SC2086 # the peers, one word each
    set -- $PEERS
    setup_world "$mb" "$mb"
    gen files "$SETDIR" "$FILES" "$SEED"
    say "small files: $(on_main find "$SETDIR" -type f | wc -l) files, $(on_main du -sb "$SETDIR" | cut -f1) bytes"
    night files_first 1 "$@"
    night files 2 "$@"
    figures files secs s "$@"
    figures files rss MiB "$@"
    target "$FILES small files unchanged: seconds <= borg's" "ours=${R[files_ours_secs]} borg=$(borg_fig files secs)" \
        "${R[files_ours_secs]} $(borg_fig files secs) 1"
    target "$FILES small files unchanged: peak RSS on the main <= 256 MiB" "ours=${R[files_ours_rss]} MiB" \
        "${R[files_ours_rss]} 256 1"
    check_peers 2
}

# world_end: the world goes, then its disks.
world_end() {
    local l
    world_down
    for l in "${loops[@]}"; do losetup -d "$l" 2> /dev/null || true; done
    loops=()
    rm -f "$work"/*.img
}

main() {
    local t0=$SECONDS
    say "set ${SET_MB} MiB, ${FILES} small files, seed $SEED, peers: ours $PEERS; images in $work"
    set_world
    world_end
    files_world
    say "done in $((SECONDS - t0)) s"
    [ "$verify_failed" -eq 0 ] || fail "a peer did not restore or list what it backed up (verify lines above)"
}

main "$@"
