#!/bin/bash
# bench/transfer.sh - `fallback push`/`pull` of 1 GiB against `rsync -a -e ssh`
# of the same file, on the two-host world: the client on the main, Debian's
# sshd on the fallback (an SFTP-only sftp.app account for ours, root with a
# key for rsync, which needs a shell), plus the peak resident memory of the
# push. The hosts' files are in RAM (tmpfs), so this measures the transport
# and the programs, not a disk. Not a test: it measures.
#   bench: push ours=X baseline=Y unit=MB/s ratio=R
#   bench: pull ours=X baseline=Y unit=MB/s ratio=R
#   bench: peak_rss_push ours=X baseline=- unit=MiB ratio=-
set -euo pipefail
cd "$(dirname "$0")/.."
FB=${FALLBACK_BIN:-$PWD/${BUILD:-build}/fallback}
SIZE=$((1024 * 1024 * 1024))
W=/root/bench                               # on the main
REMOTE=/home/yunohost.app/fbtest/backups    # on the fallback; /backups in its chroot
[ "$(id -u)" -eq 0 ] || { echo "bench/transfer.sh: needs root" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench/transfer.sh: needs /usr/bin/time (Debian package time)" >&2; exit 2; }

# shellcheck source=../tests/world/world.bash
source tests/world/world.bash
trap world_down EXIT
world_up > /dev/null
on_main test -x "$FB" || { echo "bench/transfer.sh: $FB is not visible in the hosts (build it under $WORLD_SRC)" >&2; exit 2; }
world_sftp_account fbtest backups
on_main bash -c "mkdir -p $W && ssh-keygen -q -t ed25519 -N '' -f /root/.ssh/id_rsync"
on_main cat /root/.ssh/id_rsync.pub | world_allow_root_ssh fallback
mw=$(world_path main "$W")
remote=$(world_path fallback "$REMOTE")
printf '%s\n' ssh_user=fbtest "ssh_host=$(world_host_ip fallback)" ssh_port=22 \
    ssh_key=/root/.ssh/id_fbtest "known_hosts=$W/known_hosts" encrypt=0 > "$mw/config.conf"
on_main "$FB" trust-host --config "$W/config.conf" > /dev/null
ssh_cmd="ssh -F /dev/null -i /root/.ssh/id_rsync -o UserKnownHostsFile=$W/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes"
dest=root@$(world_host_ip fallback)

head -c "$SIZE" /dev/urandom > "$mw/big"
mkdir "$mw/ours" "$mw/theirs"

now() { date +%s.%N; }
rate() { awk -v b="$SIZE" -v t0="$1" -v t1="$2" 'BEGIN { printf "%.1f", b / 1e6 / (t1 - t0) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# timed VAR CMD...: run CMD on the main, set VAR to its rate in MB/s.
timed() {
    local var=$1 t0 t1
    shift
    t0=$(now)
    on_main "$@"
    t1=$(now)
    printf -v "$var" '%s' "$(rate "$t0" "$t1")"
}

timed push_ours /usr/bin/time -v -o "$W/time.txt" "$FB" push --config "$W/config.conf" --to /backups "$W/big"
cmp "$mw/big" "$remote/big"
rm -f "$remote/big"
timed push_rsync rsync -a -e "$ssh_cmd" "$W/big" "$dest:$REMOTE/big"
cmp "$mw/big" "$remote/big"

timed pull_ours "$FB" pull --config "$W/config.conf" --to "$W/ours" /backups/big
cmp "$mw/big" "$mw/ours/big"
rm -f "$mw/ours/big"
timed pull_rsync rsync -a -e "$ssh_cmd" "$dest:$REMOTE/big" "$W/theirs/"
cmp "$mw/big" "$mw/theirs/big"

rss_kib=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$mw/time.txt")
rss=$(awk -v k="$rss_kib" 'BEGIN { printf "%.1f", k / 1024 }')
# shellcheck disable=SC2154  # the rates are set by timed
{
    echo "bench: push ours=$push_ours baseline=$push_rsync unit=MB/s ratio=$(ratio "$push_ours" "$push_rsync")"
    echo "bench: pull ours=$pull_ours baseline=$pull_rsync unit=MB/s ratio=$(ratio "$pull_ours" "$pull_rsync")"
    echo "bench: peak_rss_push ours=$rss baseline=- unit=MiB ratio=-"
}
