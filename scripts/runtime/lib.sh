#!/bin/bash
# lib.sh - shared by the runtime commands (send_backup, fallback_seal,
# deploy_fallback, ...): paths, logging, locking, config loading, mail.
# Sourced, never run. Defines things only; fb_init starts using them.
#
# Overridable from the environment (the tests use this): FB_DATA_DIR,
# FB_LOG_DIR, FB_LOCK_DIR, FB_CHROOT, FB_USER, FB_YNH_ARCHIVES, FALLBACK_BIN.

# Cron gives a bare PATH; yunohost lives in /usr/bin, the stand-in in /usr/local/sbin.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH LC_ALL=C

FB_BIN_DIR=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
FB_DATA_DIR=${FB_DATA_DIR:-/home/yunohost.app/fallback}
FB_LOG_DIR=${FB_LOG_DIR:-/var/log/fallback}
FB_LOG=$FB_LOG_DIR/fallback.log
FB_LOCK_DIR=${FB_LOCK_DIR:-/run/lock}
FB_CONFIG=${FB_CONFIG:-$FB_DATA_DIR/config.conf}
FB_APP_LIST=${FB_APP_LIST:-$FB_DATA_DIR/app_list}
# fallback role: the SFTP account and its chroot (doc/layout.md)
FB_USER=${FB_USER:-fallback}
FB_CHROOT=${FB_CHROOT:-$FB_DATA_DIR/sftp}
# where `yunohost backup create --output-directory` leaves its link and info.json
FB_YNH_ARCHIVES=${FB_YNH_ARCHIVES:-/home/yunohost.backup/archives}
# the night id: UTC time of the run, YYYYMMDDTHHMMSSZ (doc/nightly.md)
# shellcheck disable=SC2034  # used by the commands that source this file
FB_NIGHT_RE='[0-9]{8}T[0-9]{6}Z'
# the largest manifest (helpers-src/manifest.h): nothing bigger is read or downloaded
# shellcheck disable=SC2034
FB_MANIFEST_MAX=16777216
# the largest blob list status/blobs the main downloads (doc/nightly.md):
# about 2 million blobs, some 550 GB of data
# shellcheck disable=SC2034
FB_BLOBS_MAX=134217728

FB_PROG=${FB_PROG:-${0##*/}}
FB_RUN_LOG=()

# fb_helper: the path of the `fallback` helper program.
fb_helper() {
    if [ -x "$FB_BIN_DIR/fallback" ]; then
        echo "$FB_BIN_DIR/fallback"
    elif [ -n "${FALLBACK_BIN:-}" ] && [ -x "$FALLBACK_BIN" ]; then
        echo "$FALLBACK_BIN"
    else
        command -v fallback || { echo "fallback: helper program not found" >&2; return 1; }
    fi
}

# fb_init PROG: set the program name used in the log, create the log folder.
fb_init() {
    FB_PROG=$1
    mkdir -p "$FB_LOG_DIR" 2>/dev/null && chmod 0750 "$FB_LOG_DIR" 2>/dev/null
    FB=$(fb_helper) || exit 1
}

# fb_log MSG...: one timestamped line in fallback.log (and on stderr when a
# person is watching, or FB_VERBOSE=1). Kept for the run's mail too.
fb_log() {
    local line
    line="$(date '+%Y-%m-%d %H:%M:%S') $FB_PROG: $*"
    FB_RUN_LOG+=("$line")
    printf '%s\n' "$line" >> "$FB_LOG" 2>/dev/null
    if [ -t 2 ] || [ "${FB_VERBOSE:-0}" = 1 ]; then
        printf '%s\n' "$*" >&2
    fi
    return 0
}

fb_error() { fb_log "error: $*"; }

# fb_lock NAME: take the lock NAME for the rest of the process, or fail at
# once if another process holds it. The lock goes when the process ends,
# even on kill -9 (flock on an open file).
fb_lock() {
    local file=$FB_LOCK_DIR/fallback_$1.lock
    mkdir -p "$FB_LOCK_DIR" || return 1
    exec {FB_LOCK_FD}>>"$file" || return 1
    flock -n "$FB_LOCK_FD"
}

# fb_lock_busy NAME: another process holds the lock NAME (this one does
# not take it).
fb_lock_busy() {
    local file=$FB_LOCK_DIR/fallback_$1.lock fd rc
    [ -e "$file" ] || return 1
    exec {fd}>>"$file" || return 1
    flock -n "$fd"
    rc=$?
    exec {fd}>&-
    [ "$rc" -ne 0 ]
}

# fb_conf_get FILE KEY: the value of the last "KEY=" line (spaces around the
# value trimmed); empty when absent.
fb_conf_get() {
    awk -v key="$2" '
        /^[[:space:]]*#/ { next }
        { i = index($0, "="); if (i == 0) next
          k = substr($0, 1, i - 1); gsub(/^[[:space:]]+|[[:space:]]+$/, "", k)
          if (k != key) next
          v = substr($0, i + 1); gsub(/^[[:space:]]+|[[:space:]]+$/, "", v); val = v }
        END { print val }' "$1"
}

# fb_conf_load FILE [APP_LIST]: validate with the helper, then set cfg_<key>
# for the keys of config.conf. Fails (status 12) with the helper's message.
fb_conf_load() {
    local file=$1 list=${2:-} out rc key
    local args=(config-check --config "$file")
    [ -n "$list" ] && args+=(--app-list "$list")
    out=$("$FB" "${args[@]}" 2>&1)
    rc=$?
    if [ "$rc" -ne 0 ]; then
        fb_error "${out:-configuration check failed}"
        return "$rc"
    fi
    [ -n "$out" ] && fb_log "$out"
    for key in ssh_user ssh_host ssh_key ssh_port encrypt pass_file main_storage_dir overwrite_ip repository_format part_budget_minutes; do
        printf -v "cfg_$key" '%s' "$(fb_conf_get "$file" "$key")"
    done
    # set just above through printf -v; named here for the readers (and shellcheck)
    cfg_ssh_host=${cfg_ssh_host:-} cfg_pass_file=${cfg_pass_file:-} cfg_overwrite_ip=${cfg_overwrite_ip:-}
    cfg_encrypt=${cfg_encrypt:-1}
    cfg_repository_format=${cfg_repository_format:-1}
    cfg_part_budget_minutes=${cfg_part_budget_minutes:-180}
    cfg_main_storage_dir=${cfg_main_storage_dir:-$FB_DATA_DIR/fallback_backup}
    return 0
}

# fb_mail SUBJECT: mail root the text on stdin (Debian's mail, else sendmail).
fb_mail() {
    local subject body
    subject="[fallback] $(hostname -f 2>/dev/null || hostname): $1"
    body=$(cat)
    if command -v mail > /dev/null 2>&1; then
        printf '%s\n' "$body" | mail -s "$subject" root > /dev/null 2>&1 && return 0
    elif command -v sendmail > /dev/null 2>&1; then
        printf 'To: root\nSubject: %s\n\n%s\n' "$subject" "$body" |
            sendmail -oi root > /dev/null 2>&1 && return 0
    fi
    fb_log "could not mail root (mail or sendmail missing or failing): $1"
    return 1
}

# fb_outcome ok|failed SUBJECT: mail on failure, and on the first success
# after a failure; remember the outcome for next time.
fb_outcome() {
    local now=$1 subject=$2 state=$FB_DATA_DIR/.${FB_PROG}_last_outcome prev=
    [ -f "$state" ] && prev=$(cat "$state" 2>/dev/null)
    if [ "$now" = failed ] || [ "$prev" = failed ]; then
        printf '%s\n' "${FB_RUN_LOG[@]}" | fb_mail "$subject"
    fi
    mkdir -p "$FB_DATA_DIR" 2>/dev/null
    printf '%s\n' "$now" > "$state.tmp" 2>/dev/null && mv -f "$state.tmp" "$state" 2>/dev/null
    return 0
}

# fb_b2sum FILE: BLAKE2b-256 of FILE's bytes, hex (what manifests record).
fb_b2sum() {
    local sum
    sum=$(b2sum -l 256 -- "$1") || return 1
    printf '%s\n' "${sum%% *}"
}

# fb_size FILE: size in bytes.
fb_size() { stat -c %s -- "$1"; }

# fb_exit_reason STATUS: a few words for a helper exit status (contracts.md).
fb_exit_reason() {
    case $1 in
        3) echo "the fallback server's host key is unknown or has CHANGED (possible impersonation; check it, then re-pin with 'fallback trust-host')" ;;
        4) echo "wrong password or key" ;;
        5) echo "the transfer stalled" ;;
        6) echo "corrupt or truncated file" ;;
        7) echo "unsupported format" ;;
        8) echo "no space left" ;;
        9) echo "the fallback server refused our SSH key" ;;
        10) echo "the fallback server is unreachable" ;;
        11) echo "permission denied" ;;
        12) echo "malformed input" ;;
        *) echo "failure (status $1)" ;;
    esac
}

# ---------------------------------------------------------------------
# End of a failover cycle (deploy_fallback / close_fallback /
# update_from_fallback, doc/failover.md). Called by fallback_seal.

# fb_cycle_finish: update_from_fallback pushes incoming/update_done-<ID>
# once the main server has taken back what close_fallback set aside as ID.
# When this server is closed with that very ID, updated_backup/,
# status/deployed and the deployment record go (nothing a later cycle could
# take for its own) and the main's nightly job resumes; any other marker is
# only removed.
fb_cycle_finish() {
    local f id state=${FB_STATE_DIR:-$FB_DATA_DIR/deploy_state}
    for f in "$FB_CHROOT/incoming"/update_done-*; do
        [ -f "$f" ] && [ ! -L "$f" ] || continue
        id=${f##*/update_done-}
        if [[ $id =~ ^$FB_NIGHT_RE$ ]] && [ -f "$state/state" ] &&
           [ "$(fb_conf_get "$state/state" state)" = closed ] &&
           [ "$(fb_conf_get "$state/state" closeid)" = "$id" ]; then
            rm -rf -- "$FB_CHROOT/updated_backup" && rm -f -- "$FB_CHROOT/status/deployed" && rm -rf -- "$state" &&
                fb_log "the main server took back the work set aside at $id: the failover cycle is over, its nightly job resumes"
        else
            fb_log "ignored ${f##*/}: no closed deployment with that id here"
        fi
        rm -f -- "$f"
    done
}

# ---------------------------------------------------------------------
# Mail to a chosen address (the failure watch's contact_mail, doc/watch.md).

# fb_mail_to RCPT SUBJECT: mail RCPT (root when empty) the text on stdin,
# with Debian's mail (else sendmail). An address that could be read as an
# option or holds blanks is refused and root gets the mail instead.
fb_mail_to() {
    local rcpt=${1:-root} subject body
    if [[ ! $rcpt =~ ^[A-Za-z0-9._%+=@-]+$ ]] || [[ $rcpt == -* ]]; then
        fb_log "contact address '$rcpt' is not usable: mailing root instead"
        rcpt=root
    fi
    subject="[fallback] $(hostname -f 2>/dev/null || hostname): $2"
    body=$(cat)
    if command -v mail > /dev/null 2>&1; then
        printf '%s\n' "$body" | mail -s "$subject" -- "$rcpt" > /dev/null 2>&1 && return 0
    elif command -v sendmail > /dev/null 2>&1; then
        printf 'To: %s\nSubject: %s\n\n%s\n' "$rcpt" "$subject" "$body" |
            sendmail -oi -- "$rcpt" > /dev/null 2>&1 && return 0
    fi
    fb_log "could not mail $rcpt (mail or sendmail missing or failing): $2"
    return 1
}
