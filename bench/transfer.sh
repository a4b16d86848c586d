#!/bin/bash
# bench/transfer.sh - `fallback push`/`pull` of 1 GiB against `rsync -a -e ssh`
# of the same file, on a loopback sshd this script starts (and stops), plus
# the peak resident memory of the push. Not a test: it measures.
#   bench: push ours=X baseline=Y unit=MB/s ratio=R
#   bench: pull ours=X baseline=Y unit=MB/s ratio=R
#   bench: peak_rss_push ours=X baseline=- unit=MiB ratio=-
set -euo pipefail
cd "$(dirname "$0")/.."
FB=${FALLBACK_BIN:-$PWD/${BUILD:-build}/fallback}
SIZE=$((1024 * 1024 * 1024))
[ "$(id -u)" -eq 0 ] || { echo "bench/transfer.sh: needs root" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench/transfer.sh: needs /usr/bin/time (Debian package time)" >&2; exit 2; }

# shellcheck source=../tests/world/sftp_fixture.bash
source tests/world/sftp_fixture.bash
work=$(mktemp -d /var/tmp/fb-bench.XXXXXX)
cleanup() { sftp_down; rm -rf "$work"; }
trap cleanup EXIT
sftp_up
sftp_config "$work/config.conf" "$work/known_hosts"
"$FB" trust-host --config "$work/config.conf" > /dev/null
remote=$SFTP_HOME/backups
ssh_cmd="ssh -F /dev/null -i $SFTP_CLIENT_KEY -p $SFTP_PORT -o UserKnownHostsFile=$work/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes"

head -c "$SIZE" /dev/urandom > "$work/big"
mkdir "$work/ours" "$work/theirs"

now() { date +%s.%N; }
rate() { awk -v b="$SIZE" -v t0="$1" -v t1="$2" 'BEGIN { printf "%.1f", b / 1e6 / (t1 - t0) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

t0=$(now)
/usr/bin/time -v -o "$work/time.txt" "$FB" push --config "$work/config.conf" --to /backups "$work/big"
t1=$(now)
push_ours=$(rate "$t0" "$t1")
cmp "$work/big" "$remote/big"
rm -f "$remote/big"
sync
t0=$(now)
rsync -a -e "$ssh_cmd" "$work/big" "root@$SFTP_ADDR:$remote/big"
t1=$(now)
push_rsync=$(rate "$t0" "$t1")
sync

t0=$(now)
"$FB" pull --config "$work/config.conf" --to "$work/ours" /backups/big
t1=$(now)
pull_ours=$(rate "$t0" "$t1")
cmp "$work/big" "$work/ours/big"
t0=$(now)
rsync -a -e "$ssh_cmd" "root@$SFTP_ADDR:$remote/big" "$work/theirs/"
t1=$(now)
pull_rsync=$(rate "$t0" "$t1")

rss_kib=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.txt")
rss=$(awk -v k="$rss_kib" 'BEGIN { printf "%.1f", k / 1024 }')
echo "bench: push ours=$push_ours baseline=$push_rsync unit=MB/s ratio=$(ratio "$push_ours" "$push_rsync")"
echo "bench: pull ours=$pull_ours baseline=$pull_rsync unit=MB/s ratio=$(ratio "$pull_ours" "$pull_rsync")"
echo "bench: peak_rss_push ours=$rss baseline=- unit=MiB ratio=-"
