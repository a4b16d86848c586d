#!/bin/bash
# bench/nightly.sh - disk I/O of one changed night, send_backup against the
# original method, on the two-host world with the package installed on both
# hosts (as tests/e2e/nightly.bats does), plus the archive bytes an unchanged
# night sends. Not a test: it measures.
#   bench: nightly_io ours=N baseline=M unit=bytes ratio=R
#   bench: nightly_io_small_change ours=N baseline=M unit=bytes ratio=R
#   bench: unchanged_night ours=N baseline=M unit=bytes ratio=-
#
# Sample data on the main: the `bigdata` app (BENCH_BIG_MB MiB, default 48,
# in 8 files) and the `wiki` app, both selected in app_list. One first
# night for each method, one unchanged night, then:
#   nightly_io              one bigdata blob rewritten (the data that counts);
#   nightly_io_small_change one line added to the wiki (bigdata unchanged).
#
# The original method, run as a script on the same main over the same data
# (ORIGINAL below): per part a `--methods copy` backup checksummed with
# `find -type f -exec md5sum {} \; | md5sum`; for a changed part the backup
# again as tar, that tar gzipped, the gzip encrypted with `ccrypt -e -k`,
# kept in its archive folder; then `rsync --archive --delete` of that folder
# over ssh to root on the fallback (a root key there, in the world only).
#
# How bytes are counted: the main's /home (apps' data, backups, temporary
# archives, the original's folders) is an ext4 file system on a loop
# device, so that the kernel's storage counters see it (the world's own
# files are tmpfs, invisible to them). Each measured run is started by a
# subreaper (IOTREE below: PR_SET_CHILD_SUBREAPER, so orphans come back to
# it, and it waits for every descendant); /proc/self/io of a process adds
# the counters of the children it has waited for, so its difference over
# the run is the whole tree's (check_counters proves it at each run: a
# grandchild `dd` and an orphaned one must both be counted). The figure is
# read_bytes + write_bytes: bytes read from the storage layer (page cache
# misses) plus bytes the tree dirtied for writing (a page rewritten while
# still dirty, as ccrypt's in-place encryption of a fresh gzip, counts
# once; a file deleted before it reached the disk still counts, its share
# is shown as cancelled_write_bytes). The page cache of /home is dropped
# (sync, umount, mount) before each measured run, so both methods start
# cold. rchar + wchar (every read/write call, pipes and sockets included)
# are printed on a `#` line beside it. Only the main's side is counted.
set -euo pipefail
cd "$(dirname "$0")/.."
BIG_MB=${BENCH_BIG_MB:-48}
# BENCH_REPOSITORY_FORMAT: our nights in the repository format (2, the
# package's default) or as one archive per part (1); doc/nightly.md
REPO_FORMAT=${BENCH_REPOSITORY_FORMAT:-2}
BIN=/opt/yunohost/fallback/bin
DATA=/home/yunohost.app/fallback
CHROOT=$DATA/sftp
[ "$(id -u)" -eq 0 ] || { echo "bench/nightly.sh: needs root" >&2; exit 2; }

# shellcheck source=../tests/world/world.bash
source tests/world/world.bash

work=$(mktemp -d)
cleanup() {
    on_main umount /home > /dev/null 2>&1 || true
    world_down
    rm -rf "$work"
}
trap cleanup EXIT

# IOTREE OUT CMD...: run CMD as a subreaper's child, wait for every
# descendant, write the difference of /proc/self/io into OUT.
IOTREE='
import ctypes, os, sys
def counters():
    with open("/proc/self/io") as f:
        return {k: int(v) for k, v in (l.split(": ") for l in f)}
if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) != 0:
    sys.exit("iotree: prctl(PR_SET_CHILD_SUBREAPER) failed")
before = counters()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
rc = 1
while True:
    try:
        p, st = os.wait()
    except ChildProcessError:
        break
    if p == pid:
        rc = os.waitstatus_to_exitcode(st)
after = counters()
with open(sys.argv[1], "w") as f:
    for k in after:
        f.write("%s %d\n" % (k, after[k] - before[k]))
sys.exit(rc)
'

# ORIGINAL: one night of the original method (installed as /root/original_night).
ORIGINAL='#!/bin/bash
set -u
store=/home/yunohost.app/fallback_original
tmp=$store/temp_fallback_backup
arch=$store/backup
sums=$store/checksum
key=/root/original.key
ssh_cmd="ssh -i /root/.ssh/original -o LogLevel=ERROR -o BatchMode=yes -o UserKnownHostsFile=/root/.ssh/original_known_hosts -o StrictHostKeyChecking=accept-new"
mkdir -p "$arch" "$sums"
rebuilt=0
part() {
    local name=$1_fallback_bck new old
    shift
    rm -rf "$tmp"
    yunohost backup create --methods copy --output-directory "$tmp" --name "$name" "$@" > /dev/null 2>&1 ||
        { echo "original: copy backup of $name failed" >&2; return 1; }
    rm -f "$tmp/info.json"
    new=$(find "$tmp" -type f -exec md5sum {} \; | md5sum | cut -d" " -f1)
    rm -rf "$tmp"
    old=$(cat "$sums/$name" 2> /dev/null)
    [ "$new" = "$old" ] && return 0
    echo "$new" > "$sums/$name"
    yunohost backup create --output-directory "$tmp" --name "$name" "$@" > /dev/null 2>&1 ||
        { echo "original: backup of $name failed" >&2; return 1; }
    tar --create --acls --preserve-permissions --xattrs --absolute-names --gzip \
        --file "$arch/$name.tar.gz" "$tmp/$name.tar" 2> /dev/null
    rm -f "/home/yunohost.backup/archives/$name.tar" "/home/yunohost.backup/archives/$name.info.json"
    ccrypt -e -f -k "$key" "$arch/$name.tar.gz"
    rebuilt=$((rebuilt + $(stat -c %s "$arch/$name.tar.gz.cpt")))
}
mapfile -t hooks < <(ls /usr/share/yunohost/hooks/backup /etc/yunohost/hooks.d/backup 2> /dev/null |
    sed -n "s/^[0-9]*-//p" | sort -u)
part system --system "${hooks[@]}"
for app in $(sed -n "s/^\[\.\]: //p" /home/yunohost.app/fallback/app_list); do
    part "$app" --apps "$app"
done
rm -rf "$tmp"
for f in /home/yunohost.app/fallback/config.conf /home/yunohost.app/fallback/app_list; do
    n=${f##*/}
    s=$(md5sum < "$f")
    [ "$s" = "$(cat "$sums/$n" 2> /dev/null)" ] && continue
    echo "$s" > "$sums/$n"
    cp "$f" "$arch/$n"
    ccrypt -e -f -k "$key" "$arch/$n"
done
echo 127.0.0.2 > "$arch/ip_main_server"
sent=$(rsync --archive --stats --delete --rsh="$ssh_cmd" "$arch" root@fallback.test:/root/original/ |
    sed -n "s/^Total bytes sent: //p" | tr -d ,)
echo "original: rebuilt=$rebuilt rsync_sent=${sent:-0}"
'

say() { printf '# %s\n' "$*"; }

# home_on_disk: move the main's /home onto an ext4 file system (loop device).
home_on_disk() {
    on_main /bin/bash -c 'set -e
        truncate -s 4G /root/disk.img
        mkfs.ext4 -q -F /root/disk.img
        mkdir /root/disk
        mount -o loop /root/disk.img /root/disk
        cp -a /home/. /root/disk/
        umount /root/disk
        mount -o loop /root/disk.img /home'
}

# drop_cache: what the main's /home holds in memory goes (all written first).
drop_cache() {
    on_main /bin/bash -c 'sync && umount /home && mount -o loop /root/disk.img /home'
}

install_world() {
    local h ip key
    for h in main fallback; do
        git ls-files -z -- manifest.toml manifest.json LICENSE Makefile scripts conf hooks doc helpers-src config_panel.toml |
            tar --null -T - -cf - |
            on_host "$h" /bin/bash -c 'rm -rf /root/pkg && mkdir /root/pkg && tar -xf - -C /root/pkg'
    done
    ip=$(world_host_ip fallback)
    world_app_install main /root/pkg -a "install_type=main server&encrypt=1&encryption_pwd=Corr3ct-Horse-Battery&ssh_host=$ip&ssh_port=22" > /dev/null
    key=$(on_main cat "$DATA/ssh_key.pub")
    world_app_install fallback /root/pkg -a "install_type=fallback server&auto_detect_failure=0&pub_key=$(printf '%s' "$key" | jq -sRr @uri)" > /dev/null
    world_app_install main "$WORLD_SRC/tests/world/apps/bigdata" -a "size_mb=$BIG_MB&files=8" > /dev/null
    world_app_install main "$WORLD_SRC/tests/world/apps/wiki" -a "domain=main.test&path=/wiki" > /dev/null
    on_main sed -i -e 's/^\[\]: bigdata$/[.]: bigdata/' -e 's/^\[\]: wiki$/[.]: wiki/' "$DATA/app_list"
    on_main /bin/bash -c "echo repository_format=$REPO_FORMAT >> $DATA/config.conf"
    # a mail(1) that keeps quiet: mails are not what is measured
    on_main /bin/bash -c 'printf "#!/bin/sh\ncat > /dev/null\n" > /usr/local/bin/mail && chmod 755 /usr/local/bin/mail'
}

# setup_original: the original's script, its ccrypt key, and root's key on the fallback.
setup_original() {
    local pub
    printf '%s' "$ORIGINAL" | on_main /bin/bash -c 'cat > /root/original_night && chmod 700 /root/original_night'
    on_main /bin/bash -c 'echo Corr3ct-Horse-Battery > /root/original.key && chmod 600 /root/original.key &&
        mkdir -p /root/.ssh && ssh-keygen -q -t ed25519 -N "" -f /root/.ssh/original'
    pub=$(on_main cat /root/.ssh/original.pub)
    on_fallback /bin/bash -c "mkdir -p /root/.ssh /root/original && printf '%s\n' '$pub' >> /root/.ssh/authorized_keys &&
        printf 'Match Address 127.0.0.0/8\n    PermitRootLogin prohibit-password\n' >> /etc/ssh/sshd_config &&
        sshd -t -f /etc/ssh/sshd_config && kill -HUP \$(cat /run/sshd.pid)"
    sleep 1
}

# measure CMD...: run CMD on the main under the subreaper, its output in
# $work/cmd.out; sets io_disk (read_bytes + write_bytes), io_calls (rchar + wchar).
measure() {
    on_main python3 -c "$IOTREE" /root/io.out "$@" > "$work/cmd.out"
    on_main cat /root/io.out > "$work/io.out"
    io_disk=$(awk '$1 == "read_bytes" || $1 == "write_bytes" { s += $2 } END { print s }' "$work/io.out")
    io_calls=$(awk '$1 == "rchar" || $1 == "wchar" { s += $2 } END { print s }' "$work/io.out")
    say "counters: $(tr '\n' ' ' < "$work/io.out")"
}

# check_counters: a grandchild's and an orphan's writes reach the subreaper's counters.
check_counters() {
    local want=$((8 * 1024 * 1024)) got
    measure /bin/bash -c 'dd if=/dev/zero of=/home/iocheck.a bs=1M count=4 status=none
        (dd if=/dev/zero of=/home/iocheck.b bs=1M count=4 status=none &)'
    on_main rm -f /home/iocheck.a /home/iocheck.b
    got=$(awk '$1 == "write_bytes" { print $2 }' "$work/io.out")
    [ "$got" -ge "$want" ] || { echo "bench/nightly.sh: the process tree's counters miss writes ($got < $want bytes): no figure" >&2; exit 1; }
}

ours() { on_main "$BIN/send_backup" > /dev/null; on_fallback "$BIN/fallback_seal" > /dev/null; }
original() { on_main /root/original_night; }

# night_sent: archive bytes the newest verified night uploaded (its own
# objects; in format 2 the packs the main's log counts, plus the night's
# records and files).
night_sent() {
    if [ "$REPO_FORMAT" = 2 ]; then
        echo $(( $(on_main awk '/archive bytes sent/ { s = $(NF - 3) } END { print s + 0 }' /var/log/fallback/fallback.log) +
                 $(on_fallback /bin/bash -c "cd $CHROOT/backup/latest &&
                     cat night.v2 *-* | wc -c && $BIN/fallback night read night.v2 |
                     awk '\$1 == \"part\" { print \$3 }' | (cd $CHROOT/backup/repo/records && xargs cat) | wc -c" |
                   awk '{ s += $1 } END { print s }') ))
        return
    fi
    on_fallback "$BIN/fallback" manifest read "$CHROOT/status/confirmed.json" |
        awk '$1 == "night" { n = $2 } $1 == "object" && index($2, n "-") == 1 { s += $3 } END { print s + 0 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# changed_night NAME CHANGE: apply CHANGE on the main, measure both methods.
changed_night() {
    local name=$1 change=$2 our_disk our_calls base_disk base_calls
    on_main /bin/bash -c "$change"
    drop_cache
    measure "$BIN/send_backup"
    our_disk=$io_disk our_calls=$io_calls
    on_fallback "$BIN/fallback_seal" > /dev/null
    say "ours sent $(night_sent) archive bytes"
    drop_cache
    measure /root/original_night
    base_disk=$io_disk base_calls=$io_calls
    say "$(cat "$work/cmd.out")"
    say "$name: read_bytes+write_bytes ours=$our_disk original=$base_disk; rchar+wchar ours=$our_calls original=$base_calls"
    echo "bench: $name ours=$our_disk baseline=$base_disk unit=bytes ratio=$(ratio "$our_disk" "$base_disk")"
}

main() {
    local t0=$SECONDS ours_unchanged out base_unchanged
    world_up
    home_on_disk
    check_counters
    install_world
    setup_original
    say "world ready with ${BIG_MB} MiB of bigdata and a wiki ($((SECONDS - t0)) s)"
    ours
    say "ours, first night: $(night_sent) archive bytes"
    say "$(original)"
    ours
    ours_unchanged=$(night_sent)
    out=$(original)
    say "$out (unchanged night)"
    base_unchanged=$(sed -n 's/.*rebuilt=\([0-9]*\).*/\1/p' <<< "$out")
    changed_night nightly_io \
        'head -c $((1024 * 1024)) /dev/urandom | dd of=/home/yunohost.app/bigdata/blobs/blob1.bin conv=notrunc status=none'
    changed_night nightly_io_small_change 'echo "a new line" >> /home/yunohost.app/wiki/pages/Home.md'
    echo "bench: unchanged_night ours=$ours_unchanged baseline=$base_unchanged unit=bytes ratio=-"
    say "done in $((SECONDS - t0)) s"
}

main "$@"
