#!/bin/bash
# lib.sh - shared by the runtime commands (send_backup, fallback_seal,
# deploy_fallback, ...): paths, logging, locking, config loading, mail.
# Sourced, never run. Defines things only; fb_start starts using them.
#
# Paths: paths.sh beside it, the one table (its overrides from the
# environment: FB_DATA_DIR, FB_LOG_DIR, FB_LOCK_DIR, FB_CHROOT, ...);
# FALLBACK_BIN names the helper when none is installed beside this file.

# Cron gives a bare PATH; yunohost lives in /usr/bin, the stand-in in /usr/local/sbin.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH LC_ALL=C

FB_BIN_DIR=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
# shellcheck source=paths.sh
. "$FB_BIN_DIR/paths.sh"

# the night id: UTC time of the run, YYYYMMDDTHHMMSSZ (doc/nightly.md)
# shellcheck disable=SC2034  # used by the commands that source this file
FB_NIGHT_RE='[0-9]{8}T[0-9]{6}Z'
# the largest manifest (helpers-src/manifest/manifest.h): nothing bigger is read or downloaded
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
    if [ -x "$FB_HELPER_BIN" ]; then
        echo "$FB_HELPER_BIN"
    elif [ -n "${FALLBACK_BIN:-}" ] && [ -x "$FALLBACK_BIN" ]; then
        echo "$FALLBACK_BIN"
    else
        command -v fallback || { echo "fallback: helper program not found" >&2; return 1; }
    fi
}

# ---------------------------------------------------------------------
# The entry of every runtime command: main() reads its arguments with
# fb_args, then starts with fb_start.

# fb_usage: the running command's help, its header comment (line 2 down to
# the first line that is not a comment, or is a shellcheck directive)
# without the leading '# '.
fb_usage() {
    awk 'NR == 1 { next } !/^#/ || /^# shellcheck / { exit } { sub(/^# ?/, ""); print }' "$0"
}

# fb_args SPEC... -- ARG...: read the command line ARG... against SPEC, one
# word per option, its names joined by '|' (--dry-run|-n, or a bare word
# such as auto), then what it does:
#   "NAMES"              accepted, nothing set
#   "NAMES VAR=VALUE"    a flag: VAR gets VALUE
#   "NAMES VAR WHAT..."  takes the next word: VAR gets it; without one,
#                        "PROG: NAME needs WHAT..."
#   "@ ARRAY"            the first other word that is not an option, and
#                        every word after it, go to ARRAY
# VAR and ARRAY are the caller's (its locals too; none named fb_args_*). -h and --help print the
# help (fb_usage) and exit 0; an unknown argument or a missing value: one
# line on stderr, exit 2.
fb_args() {
    local -a fb_args_spec=()
    local fb_args_arg fb_args_found fb_args_names fb_args_var fb_args_what
    while [ $# -gt 0 ] && [ "$1" != -- ]; do fb_args_spec+=("$1"); shift; done
    [ $# -gt 0 ] || { echo "$FB_PROG: fb_args needs -- before the arguments" >&2; exit 2; }
    shift
    while [ $# -gt 0 ]; do
        fb_args_arg=$1
        shift
        case $fb_args_arg in -h|--help) fb_usage; exit 0 ;; esac
        fb_args_found=$(fb_args_entry "$fb_args_arg" "${fb_args_spec[@]}") ||
            { echo "$FB_PROG: unknown argument '$(fb_printable "$fb_args_arg")' (see --help)" >&2; exit 2; }
        read -r fb_args_names fb_args_var fb_args_what <<< "$fb_args_found"
        if [ "$fb_args_names" = @ ]; then
            local -n fb_args_rest=$fb_args_var
            # shellcheck disable=SC2034  # the caller's ARRAY, through the nameref
            fb_args_rest=("$fb_args_arg" "$@")
            return 0
        elif [[ $fb_args_var == *=* ]]; then
            printf -v "${fb_args_var%%=*}" '%s' "${fb_args_var#*=}"
        elif [ -n "$fb_args_var" ]; then
            [ -n "${1:-}" ] || { echo "$FB_PROG: $fb_args_arg needs $fb_args_what" >&2; exit 2; }
            printf -v "$fb_args_var" '%s' "$1"
            shift
        fi
    done
}

# fb_args_entry ARG SPEC...: the entry of SPEC naming ARG ("@ ARRAY" for a
# word that is not an option, when SPEC has one); status 1 when none.
fb_args_entry() {
    local arg=$1 entry name rest=
    local -a names
    shift
    for entry in "$@"; do
        IFS='|' read -ra names <<< "${entry%% *}"
        for name in "${names[@]}"; do
            [ "$name" != "$arg" ] || { printf '%s\n' "$entry"; return 0; }
        done
        [ "${entry%% *}" != @ ] || rest=$entry
    done
    [ -n "$rest" ] && [[ $arg != -* ]] && printf '%s\n' "$rest"
}

# fb_start PROG [--own-log] [--start-line TEXT] [--unless-busy NAME WHY]
#          [--lock NAME WHAT]... [--on-exit FUNC]:
# the start-up of a runtime command, in this order: PROG names it in the
# log; --own-log: its log is PROG.log and every line is shown too; the log
# folder; FB, the helper program; --start-line: TEXT logged; --unless-busy:
# another process holding the lock NAME stops this run ("WHY (lock ...)"
# logged); each --lock taken in turn (fb_lock); then, with --on-exit, the
# traps: FUNC on exit, an interruption logged (exit 130). Status 1 when a lock stops the
# run (its reason logged): the caller exits.
fb_start() {
    local on_exit='' file
    FB_PROG=$1
    shift
    [ "${1:-}" != --own-log ] || { FB_LOG=$FB_LOG_DIR/$FB_PROG.log FB_VERBOSE=1; shift; }
    mkdir -p "$FB_LOG_DIR" 2>/dev/null && chmod 0750 "$FB_LOG_DIR" 2>/dev/null
    FB=$(fb_helper) || exit 1
    while [ $# -gt 0 ]; do
        case $1 in
            --start-line) fb_log "$2"; shift 2 ;;
            --unless-busy)
                if fb_lock_busy "$2"; then
                    file=$FB_LOCK_DIR/fallback_$2.lock
                    fb_error "$3 (lock $(fb_lock_holder "$file"))"
                    return 1
                fi
                shift 3 ;;
            --lock) fb_lock "$2" "$3" || return 1; shift 3 ;;
            --on-exit) on_exit=$2; shift 2 ;;
            *) echo "$FB_PROG: fb_start: unknown step '$1'" >&2; exit 2 ;;
        esac
    done
    [ -n "$on_exit" ] || return 0
    # shellcheck disable=SC2064  # FUNC is a name, fixed now
    trap "$on_exit" EXIT
    trap 'fb_error "interrupted"; exit 130' INT TERM HUP
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

# fb_lock_dir: FB_LOCK_DIR, made root's 0700 when missing. A folder that is
# not root's with mode 0700, or a link, is refused (one line on stderr):
# anyone else able to open a lock file there could hold root's jobs.
fb_lock_dir() {
    local d=$FB_LOCK_DIR
    [ -e "$d" ] || [ -L "$d" ] || (umask 077 && mkdir -- "$d") 2>/dev/null
    if [ -L "$d" ] || [ ! -d "$d" ] || [ "$(stat -c '%u %a' -- "$d")" != "0 700" ]; then
        echo "the lock folder $d is not a folder of root's with mode 0700 ($(stat -c '%U %a %F' -- "$d" 2>/dev/null || echo missing)): refused; remove it (it is made again)" >&2
        return 1
    fi
}

# fb_lock_file NAME: the path of the lock NAME, checked (a plain file or
# nothing; never a link).
fb_lock_file() {
    local f=$FB_LOCK_DIR/fallback_$1.lock
    fb_lock_dir || return 1
    if [ -L "$f" ] || { [ -e "$f" ] && [ ! -f "$f" ]; }; then
        echo "the lock file $f is not a plain file: refused; remove it" >&2
        return 1
    fi
    echo "$f"
}

# fb_lock_holder FILE: who holds the lock FILE, as its holder wrote it
# ("PROG pid N since ..."), when that process still runs.
fb_lock_holder() {
    local h
    h=$(head -c 200 -- "$1" 2>/dev/null | head -n 1)
    if [[ $h =~ ^[a-z_]+\ pid\ ([0-9]+)\  ]] && kill -0 "${BASH_REMATCH[1]}" 2>/dev/null; then
        fb_printable "held by $h"
    else
        echo "held by a process that did not say which"
    fi
}

# fb_lock NAME WHAT: take the lock NAME for the rest of the process (it
# goes when the process ends, even on kill -9: flock on an open file), and
# write in it who holds it. Held by another process: one line in the log,
# "WHAT is running (<holder>): this run stops", status 1; status 1 too,
# with its reason logged, when the lock folder or file is refused.
fb_lock() {
    local file fd
    file=$(fb_lock_file "$1" 2>&1) || { fb_error "$file: this run stops"; return 1; }
    exec {fd}>>"$file" || { fb_error "cannot open the lock $file: this run stops"; return 1; }
    if ! flock -n "$fd"; then
        fb_error "${2:-another run of $FB_PROG} is running (lock $file $(fb_lock_holder "$file")): this run stops"
        exec {fd}>&-
        return 1
    fi
    : > "$file"
    printf '%s pid %s since %s\n' "$FB_PROG" "$$" "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" >&"$fd"
}

# fb_lock_busy NAME: another process holds the lock NAME (this one does
# not take it).
fb_lock_busy() {
    local file fd rc
    file=$(fb_lock_file "$1" 2>/dev/null) && [ -e "$file" ] || return 1
    exec {fd}>>"$file" || return 1
    flock -n "$fd"
    rc=$?
    exec {fd}>&-
    [ "$rc" -ne 0 ]
}

# fb_line KEY: what follows KEY on the first line of stdin whose first word
# is KEY; nothing when none. The "KEY VALUE..." lines of the backup method's
# request and result (scripts/runtime/backup_method), of `fallback
# backup-info` and of a MAC's text (`fallback mac check`) are read with it.
fb_line() { awk -v k="$1" '$1 == k { sub(/^[^ ]* ?/, ""); print; exit }'; }

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
    cfg_repository_format=${cfg_repository_format:-2}
    cfg_part_budget_minutes=${cfg_part_budget_minutes:-180}
    cfg_main_storage_dir=${cfg_main_storage_dir:-$FB_MAIN_STORAGE}
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
# after a failure; remember the outcome for next time (send_backup's, in
# FB_SEND_OUTCOME).
fb_outcome() {
    local now=$1 subject=$2 state=$FB_SEND_OUTCOME prev=
    [ -f "$state" ] && prev=$(cat "$state" 2>/dev/null)
    if [ "$now" = failed ] || [ "$prev" = failed ]; then
        printf '%s\n' "${FB_RUN_LOG[@]}" | fb_mail "$subject"
    fi
    mkdir -p "$FB_DATA_DIR" 2>/dev/null
    printf '%s\n' "$now" > "$state.tmp" 2>/dev/null && mv -f "$state.tmp" "$state" 2>/dev/null
    return 0
}

# fb_listed LISTING NAME: NAME is an entry of LISTING, what `fallback ls`
# prints ("TYPE SIZE NAME" lines).
fb_listed() {
    local name
    while read -r _ _ name; do [ "$name" = "$2" ] && return 0; done <<< "$1"
    return 1
}

# The parts of a backup, as `fallback backup-result` prints them ("KIND
# NAME STATUS" lines: system PART STATUS, app ID STATUS). KINDS and
# STATUSES are space-separated words.
# fb_parts_any RESULTS KINDS STATUSES [NAME]: some part of KINDS (NAME when
# given) has one of STATUSES.
fb_parts_any() {
    local kind name st
    while read -r kind name st; do
        [[ " $2 " == *" $kind "* ]] && [[ " $3 " == *" $st "* ]] &&
            { [ -z "${4:-}" ] || [ "$name" = "$4" ]; } && return 0
    done <<< "$1"
    return 1
}

# fb_parts_all RESULTS KINDS STATUSES: every part of KINDS has one of STATUSES.
fb_parts_all() {
    local kind name st
    while read -r kind name st; do
        [[ " $2 " == *" $kind "* ]] && [[ " $3 " != *" $st "* ]] && return 1
    done <<< "$1"
    return 0
}

# fb_parts_other RESULTS KINDS STATUSES: "NAME STATUS" of each part of KINDS
# whose status is none of STATUSES (STATUSES empty: every part of KINDS).
fb_parts_other() {
    local kind name st
    while read -r kind name st; do
        [[ " $2 " == *" $kind "* ]] && [[ " $3 " != *" $st "* ]] && printf '%s %s\n' "$name" "$st"
    done <<< "$1"
    return 0
}

# fb_parts_said RESULTS KINDS: "NAME=STATUS NAME=STATUS" of the parts of
# KINDS, for a message.
fb_parts_said() {
    local name st out=
    while read -r name st; do out+="$name=$st "; done < <(fb_parts_other "$1" "$2" "")
    printf '%s\n' "${out% }"
}

# fb_b2sum FILE: BLAKE2b-256 of FILE's bytes, hex (what manifests record).
fb_b2sum() {
    local sum
    sum=$(b2sum -l 256 -- "$1") || return 1
    printf '%s\n' "${sum%% *}"
}

# fb_size FILE: size in bytes.
fb_size() { stat -c %s -- "$1"; }

# fb_exit_reason STATUS: a few words for a helper exit status (`fallback --help`).
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
# Values read from the other server, and the state files. Nothing one
# server reads from the other (night and close ids, app ids, addresses,
# sizes, states...) is used before fb_valid accepts it. Every state file is
# written by fb_state_write and read by fb_state_read only: both know the
# file's keys and the grammar of each value, and refuse anything else.

FB_STATE_MAX=65536

# fb_valid_helper KIND VALUE: VALUE obeys the helper's rule KIND (`fallback
# valid`), the one owner of the app id and IP address rules.
fb_valid_helper() { local fb; fb=$(fb_helper) && "$fb" valid "$1" "$2" > /dev/null 2>&1; }

# fb_valid KIND VALUE: VALUE is one well-formed KIND. KIND is one of night,
# app, part (an app id or @system), apps / parts (space-separated lists of
# them), ip, ip_or_unknown, epoch, count, bytes, utc ("YYYY-MM-DD HH:MM:SS
# UTC"), yn, outcome (running, skipped, done, failed:N), probe (down, up
# HOST:PORT), results (space-separated KIND/ID/STATUS/BYTES/SECONDS, one per
# part of a night: system/system/... or app/APP_ID/..., STATUS sent,
# unchanged, failed or skipped), or "=a|b|c" (one of these words).
fb_valid() {
    local kind=$1 v=$2 w
    [[ $v != *[[:cntrl:]]* ]] || return 1
    case $kind in
        night) [[ $v =~ ^$FB_NIGHT_RE$ ]] ;;
        app) fb_valid_helper app-id "$v" ;;
        part) [ "$v" = @system ] || fb_valid app "$v" ;;
        apps|parts)
            [[ $v =~ ^[^\ ]+(\ [^\ ]+)*$ ]] || return 1
            for w in $v; do fb_valid "${kind%s}" "$w" || return 1; done ;;
        ip) fb_valid_helper ip "$v" ;;
        ip_or_unknown) [ "$v" = unknown ] || fb_valid_helper ip "$v" ;;
        epoch) [[ $v =~ ^[0-9]{1,12}$ ]] ;;
        count) [[ $v =~ ^[0-9]{1,9}$ ]] ;;
        bytes) [[ $v =~ ^[0-9]{1,19}$ ]] ;;
        results) fb_valid_results "$v" ;;
        utc) [[ $v =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9]{2}:[0-9]{2}:[0-9]{2}\ UTC$ ]] ;;
        yn) [[ $v =~ ^[yn]$ ]] ;;
        outcome) [[ $v =~ ^(running|skipped|done|failed:[0-9]{1,3})$ ]] ;;
        probe) [[ $v =~ ^(down|up\ [A-Za-z0-9.:-]{1,253}:[0-9]{1,5})$ ]] ;;
        =*) [[ $v =~ ^[a-z0-9_]+$ ]] && [[ "|${kind#=}|" == *"|$v|"* ]] ;;
        *) return 2 ;;
    esac
}

# fb_valid_results VALUE: the per-part results of a night (fb_valid results).
fb_valid_results() {
    local w
    [[ $1 =~ ^[^\ ]+(\ [^\ ]+)*$ ]] || return 1
    for w in $1; do
        [[ $w =~ ^(system|app)/([^/]+)/(sent|unchanged|failed|skipped)/[0-9]{1,19}/[0-9]{1,9}$ ]] || return 1
        if [ "${BASH_REMATCH[1]}" = system ]; then
            [ "${BASH_REMATCH[2]}" = system ] || return 1
        else
            fb_valid app "${BASH_REMATCH[2]}" || return 1
        fi
    done
}

# fb_printable VALUE: VALUE cut to 60 characters, control characters as '?'
# (for a message about a value that is refused).
fb_printable() {
    local v=${1:0:60}
    printf '%s\n' "${v//[[:cntrl:]]/?}"
}

# fb_state_keys SCHEMA: "KEY KIND" lines of the state file SCHEMA, in the
# order they are written: deploy (the fallback's deploy_state/state),
# update (the main's update_state/state), watch (the fallback's watch_state),
# night (the main's record of the last night, FB_NIGHT_RECORD, written by
# send_backup and read by fallback_status).
fb_state_keys() {
    case $1 in
        deploy) printf '%s\n' 'state =deploying|deployed|closing|closed' 'step =safety|system|apps|standby' \
            'night night' 'deployed_at utc' 'ip_main_server ip_or_unknown' 'closeid night' 'closed_at utc' \
            'restored parts' 'failed parts' ;;
        update) printf '%s\n' 'state =updating|done' 'step =download|choose|safety|restore|notify' \
            'closeid night' 'choice_system yn' 'choice_apps apps' 'local_apps apps' 'safety_done parts' \
            'restored parts' 'failed parts' 'done_at utc' ;;
        watch) printf '%s\n' 'state =up|failing|incident|unknown' 'since epoch' 'fails count' \
            'incident_at epoch' 'deploy outcome' 'deployed_at epoch' 'dns outcome' 'back_at epoch' \
            'last_up epoch' 'last_check epoch' 'last_result probe' ;;
        night) printf '%s\n' 'night night' 'outcome =ok|failed' 'format =1|2' 'started_at epoch' \
            'finished_at epoch' 'seconds count' 'sent count' 'unchanged count' 'failed count' \
            'skipped count' 'bytes bytes' 'parts results' ;;
        *) echo "fallback: no state file schema '$1'" >&2; return 2 ;;
    esac
}

# fb_state_read SCHEMA FILE: FILE's KEY=VALUE lines, checked: each key known
# and once, each value of its grammar (an empty value is an absent key).
# No file: nothing. Anything else: nothing on stdout, one line on stderr,
# status 12.
fb_state_read() {
    local schema=$1 file=$2 line k v n=0 keys kind out=
    local -A kind_of=() seen=()
    [ -e "$file" ] || [ -L "$file" ] || return 0
    if [ -L "$file" ] || [ ! -f "$file" ]; then
        echo "$file is not a plain file" >&2; return 12
    fi
    [ "$(fb_size "$file")" -le "$FB_STATE_MAX" ] || { echo "$file is larger than $FB_STATE_MAX bytes" >&2; return 12; }
    keys=$(fb_state_keys "$schema") || return 2
    while read -r k kind; do kind_of[$k]=$kind; done <<< "$keys"
    while IFS= read -r line || [ -n "$line" ]; do
        n=$((n + 1))
        k=${line%%=*} v=${line#*=}
        if [[ $line != *=* ]] || [ -z "${kind_of[$k]:-}" ]; then
            echo "$file:$n: '$(fb_printable "$line")' is not a line of this record (its keys: $(awk '{ printf "%s%s", s, $1; s = " " }' <<< "$keys"))" >&2
            return 12
        fi
        [ -z "${seen[$k]:-}" ] || { echo "$file:$n: $k is given twice" >&2; return 12; }
        seen[$k]=1
        [ -n "$v" ] || continue
        fb_valid "${kind_of[$k]}" "$v" ||
            { echo "$file:$n: the value of $k, '$(fb_printable "$v")', is not a valid ${kind_of[$k]}" >&2; return 12; }
        out+="$k=$v"$'\n'
    done < "$file"
    printf '%s' "$out"
}

# fb_state_get SCHEMA FILE KEY: one value of the checked record (empty when
# absent); status 12 with the reason on stderr when FILE is refused.
fb_state_get() {
    local out
    out=$(fb_state_read "$1" "$2") || return $?
    awk -v k="$3" 'index($0, k "=") == 1 { print substr($0, length(k) + 2) }' <<< "$out"
}

# fb_state_write SCHEMA FILE MODE KEY VALUE [KEY VALUE...]: change these
# keys of FILE in one write (an empty VALUE removes KEY), each refused
# unless known and of its grammar; a FILE fb_state_read refuses is not
# changed. Written aside (mode MODE), fsync'ed, renamed.
fb_state_write() {
    local schema=$1 file=$2 mode=$3 keys cur k v kind tmp dir
    local -A kind_of=() val=()
    shift 3
    keys=$(fb_state_keys "$schema") || return 2
    while read -r k kind; do kind_of[$k]=$kind; done <<< "$keys"
    cur=$(fb_state_read "$schema" "$file" 2>&1) || { fb_error "$cur: not changed"; return 12; }
    while IFS= read -r k; do
        [ -n "$k" ] && val[${k%%=*}]=${k#*=}
    done <<< "$cur"
    while [ $# -ge 2 ]; do
        k=$1 v=$2
        shift 2
        [ -n "${kind_of[$k]:-}" ] || { fb_error "$file: unknown key '$(fb_printable "$k")': not changed"; return 12; }
        if [ -n "$v" ] && ! fb_valid "${kind_of[$k]}" "$v"; then
            fb_error "$file: the value of $k, '$(fb_printable "$v")', is not a valid ${kind_of[$k]}: not changed"
            return 12
        fi
        val[$k]=$v
    done
    [ $# -eq 0 ] || { fb_error "$file: a key without a value: not changed"; return 2; }
    dir=$(dirname -- "$file")
    tmp=$dir/.$(basename -- "$file").tmp
    rm -f -- "$tmp"
    while read -r k kind; do
        [ -z "${val[$k]:-}" ] || printf '%s=%s\n' "$k" "${val[$k]}"
    done <<< "$keys" | (umask 077 && cat > "$tmp") &&
        chmod "$mode" -- "$tmp" && sync -- "$tmp" && mv -f -- "$tmp" "$file" && sync -- "$dir"
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
    local f id rec why state=$FB_STATE_DIR
    for f in "$FB_INCOMING"/update_done-*; do
        [ -f "$f" ] && [ ! -L "$f" ] || continue
        id=${f##*/update_done-}
        why="no closed deployment with that id here"
        if ! fb_valid night "$id"; then
            why="not a close id"
        elif ! rec=$(fb_state_read deploy "$state/state" 2>&1); then
            why="the deployment record is refused ($rec); nothing is ended"
        elif grep -qx 'state=closed' <<< "$rec" && grep -qxF "closeid=$id" <<< "$rec" &&
             head -c 4096 "$FB_STATUS/deployed" 2>/dev/null | head -n 1 | grep -qE "^closed closeid=$id( |\$)"; then
            why=
        fi
        if [ -z "$why" ]; then
            rm -rf -- "$FB_UPDATED" && rm -f -- "$FB_STATUS/deployed" && rm -rf -- "$state" &&
                fb_log "the main server took back the work set aside at $id: the failover cycle is over, its nightly job resumes"
        else
            fb_log "ignored $(fb_printable "${f##*/}"): $why"
        fi
        rm -f -- "$f"
    done
}

# ---------------------------------------------------------------------
# Mail to a chosen address (the failure watch's contact_mail, doc/watch.md).

# fb_mail_to RCPT SUBJECT: mail RCPT (root when empty) the text on stdin,
# with Debian's mail (else sendmail). An address the helper's rule refuses
# (`fallback valid mail`: the install's and the panel's rule) is not used:
# root gets the mail instead.
fb_mail_to() {
    local rcpt=${1:-root} subject body
    if ! "$FB" valid mail "$rcpt" 2> /dev/null; then
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

# ---------------------------------------------------------------------
# The key kept at install (keep_key, doc/watch.md).

# fb_convert_kept_password: keep_key at install left the password itself
# in passkey; once a verified encrypted night is here, only the key derived
# with the main's salt and costs is kept (fallback key-init --like). Run by
# fallback_seal as soon as it has verified a night, and by the watch.
fb_convert_kept_password() {
    local key=$FB_PASS_KEY magic archive err rc
    [ -f "$key" ] || return 0
    magic=$(head -c 6 -- "$key" 2>/dev/null)
    [ "$magic" != FBKKEY ] || return 0
    for archive in "$FB_STORE/latest"/*-config.conf.enc; do
        [ -f "$archive" ] || return 0
    done
    err=$("$FB" key-init --like "$archive" --pass-file "$key" --out "$key.new" 2>&1)
    rc=$?
    if [ "$rc" -eq 0 ]; then
        chmod 0400 "$key.new" && mv -f -- "$key.new" "$key" &&
            fb_log "the kept password is now replaced by the key derived from it (auto_deploy can decrypt)"
        return 0
    fi
    rm -f -- "$key.new"
    fb_error "the kept password does not open the main server's archives: $err"
    if [ "$rc" -eq 4 ]; then
        rm -f -- "$key"
        echo "The password given at install (keep_key) does not open the main server's backups: it was removed. Keep the key again from the app's panel (Key for automatic deploy)." |
            fb_mail_to "$(fb_conf_get "$FB_WATCH_CONF" contact_mail 2>/dev/null)" "the kept key is WRONG: auto_deploy cannot decrypt"
    fi
}
