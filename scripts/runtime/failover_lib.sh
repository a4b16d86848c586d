#!/bin/bash
# failover_lib.sh - what deploy_fallback, close_fallback and
# update_from_fallback share: the admin's prompts, the safety backups, the
# yunohost restore calls, the temporary files and the summary table.
# Sourced after lib.sh, never run. Defines things only. doc/failover.md.
# shellcheck disable=SC2034  # set here, used by the commands that source this

FO_SAFETY=backup_before_deploy_fallback
fo_auto=0
fo_start=$SECONDS
fo_links=()
fo_temps=()
fo_rows=()
fo_failed=0
fo_password=
fo_pass_file=

# fo_init PROG [STEP...]: lib.sh's fb_start with one log per command, its
# messages always shown, and its "start" line; then STEP... (fb_start's
# --lock, --on-exit). Status 1 when a lock stops the run.
fo_init() {
    fo_start=$SECONDS
    fb_start "$1" --own-log --start-line "start$([ "$fo_auto" = 1 ] && echo ' (auto)')" "${@:2}"
}

# fo_die STATUS MSG: log the error, say nothing was changed if true, exit.
fo_die() {
    local rc=$1
    shift
    fb_error "$*"
    exit "$rc"
}

# fo_tmpdir PARENT VAR: a new 0700 folder under PARENT, removed on exit;
# its path in VAR (not through $(...): the list of temporaries must be
# this shell's).
fo_tmpdir() {
    local d
    mkdir -p "$1" || return 1
    d=$(mktemp -d "$1/.${FB_PROG}.XXXXXX") || return 1
    chmod 0700 "$d"
    fo_temps+=("$d")
    printf -v "$2" '%s' "$d"
}

# fo_cleanup: the temporary folders (decrypted archives, keys) and the links
# put into the yunohost archives folder. Runs on every exit.
fo_cleanup() {
    local l
    for l in "${fo_links[@]}"; do
        rm -f -- "$FB_YNH_ARCHIVES/$l.tar" "$FB_YNH_ARCHIVES/$l.info.json"
    done
    for l in "${fo_temps[@]}"; do
        [ -n "$l" ] && rm -rf -- "$l"
    done
    fo_links=() fo_temps=()
}

# fo_read VAR: one line from the terminal, or from stdin when it is not one.
fo_read() {
    if [ -t 0 ]; then
        IFS= read -r "$1" < /dev/tty
    else
        IFS= read -r "$1"
    fi
}

# fo_read_secret VAR PROMPT: a line without echo on a terminal.
fo_read_secret() {
    local rc
    printf '%s' "$2" >&2
    if [ -t 0 ]; then
        IFS= read -rs "$1" < /dev/tty
        rc=$?
        echo >&2
    else
        IFS= read -r "$1"
        rc=$?
        echo >&2
    fi
    return "$rc"
}

# fo_warn_and_wait TEXT: say what is about to happen, wait for a key press
# (skipped with auto).
fo_warn_and_wait() {
    local key
    printf '\n%s\n\n' "$1" >&2
    [ "$fo_auto" = 1 ] && return 0
    printf 'Press Enter to continue, or Ctrl-C to stop. ' >&2
    if [ -t 0 ]; then
        IFS= read -r -s -n 1 _ < /dev/tty || fo_die 1 "no key pressed: nothing was done"
    else
        fo_read key || fo_die 1 "no answer on the standard input: nothing was done"
    fi
    echo >&2
}

# fo_yes PROMPT: the admin's answer, yes by default; auto answers yes.
fo_yes() {
    local ans
    if [ "$fo_auto" = 1 ]; then
        printf '%s y (auto)\n' "$1" >&2
        return 0
    fi
    while :; do
        printf '%s ' "$1" >&2
        fo_read ans || fo_die 1 "no answer on the standard input: stopped"
        case $ans in
            ''|y|Y|yes|Yes|YES) return 0 ;;
            n|N|no|No|NO) return 1 ;;
            *) echo "Please answer y or n." >&2 ;;
        esac
    done
}

# fo_confirm PROMPT: the admin's answer, NO by default.
fo_confirm() {
    local ans
    while :; do
        printf '%s ' "$1" >&2
        fo_read ans || return 1
        case $ans in
            y|Y|yes|Yes|YES) return 0 ;;
            ''|n|N|no|No|NO) return 1 ;;
            *) echo "Please answer y or n." >&2 ;;
        esac
    done
}

# fo_part_objects LINES: "KIND ID CHECKSUM OBJECT" per part of the night
# manifest whose line form is LINES (`fallback manifest read`), checked.
fo_part_objects() {
    local kind id sum obj
    while read -r kind id _ _ sum; do
        read -r _ _ obj _ < <("$FB" manifest objects - --kind "$kind" --id "$id" <<< "$1") || return 1
        printf '%s %s %s %s\n' "$kind" "$id" "$sum" "$obj"
    done < <("$FB" manifest parts - <<< "$1")
}

# fo_part_ids LINES: the ids of the manifest's parts, on one line.
fo_part_ids() { "$FB" manifest parts - <<< "$1" | cut -d ' ' -f2 | paste -sd ' '; }

# fo_night_file LINES ROLE: the stored name of the manifest's night file ROLE.
fo_night_file() { "$FB" manifest files - --role "$2" <<< "$1" | cut -d ' ' -f2; }

# fo_app_list_mark_of FILE ID: the mark ([.], [] or [-]) of ID in the
# app_list FILE; nothing when ID has no line there (or FILE is none).
fo_app_list_mark_of() {
    [ -f "$1" ] || return 0
    "$FB" app-list get "$1" "$2" 2>/dev/null
}

# fo_app_list_mark FILE ID MARK: ID's line of the app_list FILE becomes
# "MARK: ID" (added when missing); rewritten by the helper (fallback
# app-list set), mode and owner kept.
fo_app_list_mark() {
    [ -f "$1" ] || return 0
    "$FB" app-list set "$1" "$2" "$3" > /dev/null
}

# fo_decrypt IN OUT [WHY_VAR]: decrypt with the password held in
# $fo_password (piped, never in argv) or with the file $fo_pass_file.
# Returns the helper's status (4 wrong password, 6 damaged); WHY_VAR gets
# its error then.
fo_decrypt() {
    local in=$1 out=$2 err_decrypt_
    err_decrypt_=$(if [ -n "${fo_pass_file:-}" ]; then
              "$FB" decrypt --pass-file "$fo_pass_file" "$in" "$out" 2>&1 < /dev/null
          else
              printf '%s\n' "$fo_password" | "$FB" decrypt "$in" "$out" 2>&1
          fi)
    local rc=$?
    if [ "$rc" -ne 0 ] && [ -n "${3:-}" ]; then
        local -n why_decrypt_=$3
        # shellcheck disable=SC2034  # the caller's WHY_VAR, through the nameref
        why_decrypt_=${err_decrypt_##*$'\n'}
    fi
    return "$rc"
}

# fo_ask_password TEST_IN TEST_OUT: ask until TEST_IN decrypts (wrong
# password: ask again, 5 tries). Sets fo_password.
fo_ask_password() {
    local try rc why
    for try in 1 2 3 4 5; do
        fo_read_secret fo_password "Encryption password: " ||
            fo_die 1 "no password given: nothing was changed"
        fo_decrypt "$1" "$2" why
        rc=$?
        [ "$rc" -eq 0 ] && { fb_log "password accepted"; return 0; }
        if [ "$rc" -ne 4 ]; then
            fo_die "$rc" "cannot decrypt ${1##*/}: $(fb_exit_reason "$rc"): $why; nothing was changed"
        fi
        fb_log "wrong password (try $try of 5)"
    done
    fo_die 4 "wrong password five times: nothing was changed"
}

# fo_given_key FROM TEST OUT WHAT: the key --pass-file FROM names (a FILE,
# or - for the password already read from stdin), proven on TEST, decrypted
# into OUT; WHAT names what it must open, for the message.
fo_given_key() {
    local rc
    if [ "$1" != - ]; then
        fo_key_file "$1" ||
            fo_die 1 "--pass-file $1: not a file of root's that only root can read: nothing was changed"
        # shellcheck disable=SC2034  # read by fo_decrypt
        fo_pass_file=$1
    fi
    fo_decrypt "$2" "$3"
    rc=$?
    [ "$rc" -eq 0 ] ||
        fo_die "$rc" "the password given does not decrypt $4 ($(fb_exit_reason "$rc")): nothing was changed"
}

# fo_key_file FILE: usable as a secret file: root's, not readable by others.
fo_key_file() {
    [ -f "$1" ] && [ "$(stat -c %u "$1")" = 0 ] && [ $(( 0$(stat -c %a "$1") & 077 )) -eq 0 ]
}

# fo_ynh OUT ERR_VAR ARGS...: yunohost ARGS with JSON output into OUT, its
# messages into the log. Not --quiet: that would silence the error YunoHost
# gives (its log lines come first on stdout, the JSON is the last line).
# Returns yunohost's status; ERR_VAR gets its error (last stderr line).
fo_ynh() {
    local out=$1 rc errf outf
    local -n err_ynh_=$2
    shift 2
    err_ynh_=
    errf=$(mktemp) && outf=$(mktemp) || return 1
    yunohost "$@" --output-as json > "$outf" 2> "$errf" < /dev/null
    rc=$?
    sed '$d' "$outf" | sed 's/^/    yunohost: /' >> "$FB_LOG" 2>/dev/null
    tail -n 1 "$outf" | grep '^[[:space:]]*{' > "$out"
    [ -s "$errf" ] && sed 's/^/    yunohost: /' "$errf" >> "$FB_LOG" 2>/dev/null
    err_ynh_=$(grep -v '^[[:space:]]*$' "$errf" | tail -n 1)
    # shellcheck disable=SC2034  # the caller's ERR_VAR, through the nameref
    [ "$rc" -eq 0 ] || [ -n "$err_ynh_" ] || err_ynh_=$(grep -v '^[[:space:]]*$' "$outf" | grep -v '^[[:space:]]*{' | tail -n 1)
    rm -f -- "$errf" "$outf"
    return "$rc"
}

# fo_ynh_do ERR_VAR ARGS...: yunohost ARGS, its output into the log;
# ERR_VAR gets its error text (last line on stderr) when it fails.
fo_ynh_do() {
    local errf rc
    local -n err_do_=$1
    shift
    err_do_=
    errf=$(mktemp) || return 1
    yunohost "$@" >> "$FB_LOG" 2> "$errf" < /dev/null
    rc=$?
    sed 's/^/    yunohost: /' "$errf" >> "$FB_LOG" 2>/dev/null
    # shellcheck disable=SC2034  # the caller's ERR_VAR, through the nameref
    err_do_=$(grep -v '^[[:space:]]*$' "$errf" | tail -n 1)
    rm -f -- "$errf"
    return "$rc"
}

# fo_archive_exists NAME: NAME is in `yunohost backup list`.
fo_archive_exists() {
    local json
    json=$(yunohost backup list --output-as json --quiet 2>/dev/null) || return 1
    "$FB" backup-list <<< "$json" 2>/dev/null | grep -qxF -- "$1"
}

# fo_safety_backup NAME ARGS...: make the safety backup NAME (ARGS are the
# targets: --system, --apps A...), then check it: every part made, listed
# by `backup list`, its info readable, its archive there. Any doubt fails.
fo_safety_backup() {
    local name=$1 json results info path yerr t0=$SECONDS
    shift
    json=$(mktemp) || return 1
    fb_log "safety backup $name ($*)..."
    if ! fo_ynh "$json" yerr backup create --name "$name" "$@"; then
        fb_error "safety backup $name failed: ${yerr:-yunohost backup create failed}"
        rm -f -- "$json"; return 1
    fi
    results=$("$FB" backup-result < "$json" 2>&1)
    rm -f -- "$json"
    if [ -z "$results" ] || ! fb_parts_all "$results" "system app" "Success Skipped"; then
        fb_error "safety backup $name is incomplete: $(fb_parts_said "$results" "system app")"
        return 1
    fi
    for t in "$@"; do
        [ "$t" = --apps ] || [ "$t" = --system ] && continue
        fb_parts_any "$results" app Success "$t" ||
            { fb_error "safety backup $name does not hold app $t"; return 1; }
    done
    fo_archive_exists "$name" || { fb_error "safety backup $name is not in 'yunohost backup list'"; return 1; }
    info=$(yunohost backup info "$name" --output-as json --quiet 2>/dev/null | "$FB" backup-info 2>/dev/null) ||
        { fb_error "safety backup $name: 'yunohost backup info' cannot read it"; return 1; }
    path=$(fb_line path <<< "$info")
    [ -n "$path" ] && [ -s "$path" ] && tar -tf "$path" info.json > /dev/null 2>&1 ||
        { fb_error "safety backup $name: its archive ${path:-?} is missing or unreadable"; return 1; }
    fb_log "safety backup $name made and checked ($(fb_size "$path") bytes, $((SECONDS - t0))s)"
}

# fo_replace_app APP T0 NOTE: the installed APP, if any, removed before its
# restore (NOTE: where the local one is kept, logged). Status 1 when it
# could not be: then its failed row (timed from T0) and the state's failed list.
fo_replace_app() {
    local app=$1 t0=$2 yerr
    yunohost app list --output-as json --quiet 2>/dev/null | "$FB" apps 2>/dev/null | grep -qxF -- "$app" ||
        return 0
    fb_log "$app: removing the installed $app$3"
    fo_ynh_do yerr app remove "$app" && return 0
    fo_row app "$app" failed $((SECONDS - t0)) "could not remove the installed $app: ${yerr:-yunohost app remove failed}"
    fo_list_add failed "$app"
    return 1
}

# fo_restore_part NAME FILE KIND ID T0: fo_restore of the system (KIND
# system, ID system) or of the app ID, then its row (timed from T0) and
# the state's lists: restored (and no longer failed), or failed; the system
# is @system there. Status 0 when restored.
fo_restore_part() {
    local name=$1 file=$2 kind=$3 id=$4 t0=$5 app=$4 entry=$4 detail
    [ "$kind" = app ] || { app=''; entry=@system; }
    if fo_restore "$name" "$file" "$kind" "$app" detail; then
        fo_row "$kind" "$id" restored $((SECONDS - t0))
        fo_list_del failed "$entry"
        fo_list_add restored "$entry" ||
            fo_die 1 "cannot record that ${app:-the system} is restored: run $FB_PROG again"
        return 0
    fi
    fo_row "$kind" "$id" failed $((SECONDS - t0)) "$detail"
    fo_list_add failed "$entry"
    return 1
}

# fo_restore NAME FILE KIND APP DETAIL_VAR: put FILE in the archives
# folder as NAME (a link, removed on exit) and restore its system
# (--system, APP "") or one app. 0 when every part came back; DETAIL_VAR
# says what did not otherwise.
fo_restore() {
    local name=$1 file=$2 kind=$3 app=$4 out rc yerr t0=$SECONDS
    local -n detail_=$5
    local -a target=(--system)
    [ "$kind" = app ] && target=(--apps "$app")
    rm -f -- "$FB_YNH_ARCHIVES/$name.tar" "$FB_YNH_ARCHIVES/$name.info.json"
    ln -s -- "$file" "$FB_YNH_ARCHIVES/$name.tar" || return 1
    fo_links+=("$name")
    out=$(mktemp) || return 1
    fb_log "restoring ${app:-the system} from ${file##*/}..."
    fo_ynh "$out" yerr backup restore "$name" "${target[@]}" --force
    rc=$?
    if [ "$kind" = app ]; then
        detail_=$(jq -r --arg a "$app" '.apps[$a] // "missing"' "$out" 2>/dev/null)
        [ "$rc" -eq 0 ] && [ "$detail_" = Success ] || rc=1
    else
        detail_=$(jq -r '.system // {} | to_entries | map(select(.value != "Success")) | map(.key + "=" + .value) | join(" ")' "$out" 2>/dev/null)
        [ "$rc" -eq 0 ] && [ -z "$detail_" ] || rc=1
    fi
    [ "$rc" -eq 0 ] || detail_="${detail_:+$detail_: }${yerr:-yunohost backup restore failed}"
    rm -f -- "$out" "$FB_YNH_ARCHIVES/$name.tar" "$FB_YNH_ARCHIVES/$name.info.json"
    fb_log "${app:-system}: $([ "$rc" -eq 0 ] && echo restored || echo "restore FAILED: $detail_") ($((SECONDS - t0))s)"
    return "$rc"
}

# fo_row KIND ID RESULT SECONDS [NOTE]: one line of the summary table.
fo_row() {
    fo_rows+=("$(printf '%-7s %-20s %-10s %6ss  %s' "$1" "$2" "$3" "$4" "${5:-}")")
    case $3 in failed|FAILED) fo_failed=1 ;; esac
}

fo_summary() {
    local r
    fb_log "summary:"
    fb_log "$(printf '%-7s %-20s %-10s %7s  %s' part id result time note)"
    for r in "${fo_rows[@]}"; do fb_log "$r"; done
    fb_log "total time: $((SECONDS - fo_start))s"
}

# fo_night_ip: a UTC id for a new set of archives, as the nightly job's.
fo_now_id() { date -u +%Y%m%dT%H%M%SZ; }

# fo_status_write CONTENT: status/deployed, which the main server reads.
fo_status_write() {
    local dir=$FB_STATUS
    mkdir -p "$dir" && chmod 0755 "$dir" || return 1
    printf '%s\n' "$1" > "$dir/.deployed.tmp" && chmod 0444 "$dir/.deployed.tmp" &&
        mv -f -- "$dir/.deployed.tmp" "$dir/deployed"
}

# ---------------------------------------------------------------------
# The cycle's record: where the failover cycle stands and which step comes
# next, so that a command killed at any point, run again, resumes or
# finishes the job. One root-only folder per server: FB_STATE_DIR on the
# fallback (deploy_fallback, close_fallback), FB_UPDATE_STATE_DIR on the
# main (update_from_fallback); FO_REC_DIR is the one the command uses.
# Its state file is lib.sh's state record FO_REC_SCHEMA (deploy or
# update): fb_state_write and fb_state_read check every key and value.
#
#   state   standby (no record), deploying, deployed, closing, closed
#           (fallback); updating, done (main)
#   step    the next step of the state (each command names its own)
FO_REC_DIR=$FB_STATE_DIR
FO_REC_SCHEMA=deploy

# fo_put FILE: stdin into FILE, atomically and durably (root-only).
fo_put() {
    local f=$1 tmp
    tmp=$(dirname -- "$f")/.$(basename -- "$f").tmp
    (umask 077 && cat > "$tmp") && sync -- "$tmp" && mv -f -- "$tmp" "$f" && sync -- "$(dirname -- "$f")"
}

# fo_state_get KEY: a value of the record (empty when absent); status 12,
# the reason in the log, when the record is refused.
fo_state_get() {
    local v rc
    v=$(fb_state_get "$FO_REC_SCHEMA" "$FO_REC_DIR/state" "$1" 2>&1)
    rc=$?
    [ "$rc" -eq 0 ] || { fb_error "$v"; return "$rc"; }
    printf '%s\n' "$v"
}

# fo_state_set KEY VALUE [KEY VALUE...]: change these keys in one write.
# Known keys only, each value of its grammar (fb_state_write).
fo_state_set() {
    mkdir -p "$FO_REC_DIR" && chmod 0700 "$FO_REC_DIR" || return 1
    fb_state_write "$FO_REC_SCHEMA" "$FO_REC_DIR/state" 0600 "$@"
}

# fo_state: the state, "standby" when there is no record, "unreadable"
# (the reason in the log) when the record is refused.
fo_state() {
    local s
    s=$(fo_state_get state) || { echo unreadable; return 0; }
    echo "${s:-standby}"
}

# fo_in_list WORD LIST: WORD is one of the space-separated LIST.
fo_in_list() { [[ " $2 " == *" $1 "* ]]; }

# fo_list_add KEY WORD: add WORD to the space-separated list KEY.
fo_list_add() {
    local cur
    cur=$(fo_state_get "$1")
    fo_in_list "$2" "$cur" && return 0
    fo_state_set "$1" "${cur:+$cur }$2"
}

# fo_list_del KEY WORD
fo_list_del() {
    local cur w out=
    cur=$(fo_state_get "$1")
    for w in $cur; do [ "$w" = "$2" ] || out="${out:+$out }$w"; done
    fo_state_set "$1" "$out"
}

# fo_sweep_temps [DIR...]: temporary folders (decrypted archives, derived
# keys) and archive links a killed run left behind, removed before anything
# else. Every failover command holds the same lock: none is in use.
fo_sweep_temps() {
    local d
    for d in "$FB_BACKUP_ROOT" "$@"; do
        [ -n "$d" ] && [ -d "$d" ] || continue
        while IFS= read -r -d '' t; do
            rm -rf -- "$t" && fb_log "removed $t, left by an interrupted run"
        done < <(find "$d" -mindepth 1 -maxdepth 1 -type d \( -name '.deploy_fallback.*' -o -name '.close_fallback.*' -o -name '.update_from_fallback.*' \) -print0)
    done
    [ -d "$FB_YNH_ARCHIVES" ] || return 0
    while IFS= read -r -d '' t; do
        rm -f -- "$t"
    done < <(find "$FB_YNH_ARCHIVES" -mindepth 1 -maxdepth 1 \( -name 'fallback_deploy-*' -o -name 'fallback_update-*' -o -name 'fallback_close-*' \) -print0)
}

# fo_csv_sources TAR|DIR|CSV: the absolute source paths of an archive's
# backup.csv (or of the backup.csv CSV), one a line, as `fallback
# backup-sources` reads them. The main's archive is the other server's word:
# a path holding a control character (a newline would make two paths of
# one) is left out; a backup.csv the helper refuses gives none.
fo_csv_sources() {
    if [ -d "$1" ]; then
        "$FB" backup-sources "$1/backup.csv"
    elif [[ $1 == *.csv ]]; then
        "$FB" backup-sources "$1"
    else
        { tar -xOf "$1" backup.csv 2>/dev/null || tar -xOf "$1" ./backup.csv 2>/dev/null; } |
            "$FB" backup-sources -
    fi
}

# fo_root_ok PATH: a path the system clean-up may touch: two levels deep at
# least, holding none of the places YunoHost, the package or the apps live in.
fo_root_ok() {
    local p=${1%/} keep
    [[ $p == /*/* ]] && [[ $p != *..* ]] && [[ $p != *[[:cntrl:]]* ]] || return 1
    for keep in /etc/yunohost/apps /etc/yunohost/hooks.d /home/yunohost.app /home/yunohost.backup \
                /opt/yunohost /etc/ssh /etc/cron.d /var/log /usr /var/lib /etc/sudoers.d; do
        [ "$p" = "$keep" ] || [[ $keep == "$p"/* ]] || [[ $p == "$keep"/* ]] && return 1
    done
    return 0
}

# fo_inventory ROOTS_FILE: every path under the roots, one a line, sorted.
fo_inventory() {
    local r
    while IFS= read -r r; do
        [ -e "$r" ] || [ -L "$r" ] || continue
        find "$r" -xdev 2>/dev/null
    done < "$1" | LC_ALL=C sort -u
}

# fo_remove_new ROOTS_FILE BEFORE_FILE: remove what exists under the roots
# now and did not before (what the main's system brought or the deployment
# created). Parents first; prints what went.
fo_remove_new() {
    local p last=
    while IFS= read -r p; do
        [ -n "$last" ] && [[ $p == "$last"/* ]] && continue
        [ -e "$p" ] || [ -L "$p" ] || continue
        rm -rf -- "$p" && echo "$p"
        last=$p
    done < <(fo_inventory "$1" | LC_ALL=C comm -23 - "$2")
}

fo_mail_if_auto() { # SUBJECT: the run's log to root when nobody watches
    [ "$fo_auto" = 1 ] || [ "$fo_failed" = 1 ] || return 0
    printf '%s\n' "${FB_RUN_LOG[@]}" | fb_mail "$1"
}

# ---------------------------------------------------------------------
# What a deploy or an update trusts (doc/failover.md): the manifest is the
# one the other server's key vouches for, and each part's content is the
# part it names. These checks know nothing of how a part is stored: a v1
# object decrypted and a v2 part rebuilt go through the same ones.

# fo_mac_check MAC_FILE PURPOSE LIKE TEXT_VAR WHY_VAR: MAC_FILE's MAC
# verified with the key in use (fo_pass_file, else fo_password, piped),
# LIKE an archive made with the same key; its text into TEXT_VAR. The
# helper's status (4 wrong key, 6 altered or made with another key);
# WHY_VAR says why.
fo_mac_check() {
    local errf rc
    local -n text_=$4 why_mac_=$5
    errf=$(mktemp) || return 1
    if [ -n "${fo_pass_file:-}" ]; then
        text_=$("$FB" mac check --pass-file "$fo_pass_file" --purpose "$2" --like "$3" "$1" 2> "$errf" < /dev/null)
    else
        text_=$(printf '%s\n' "$fo_password" | "$FB" mac check --purpose "$2" --like "$3" "$1" 2> "$errf")
    fi
    rc=$?
    why_mac_=$(tail -n 1 "$errf")
    why_mac_=${why_mac_#fallback: mac: }
    why_mac_=${why_mac_//"$1"/${1##*/}}
    rm -f -- "$errf"
    return "$rc"
}

# fo_mac_field TEXT NAME: the value of the line "NAME VALUE" of a MAC's
# TEXT (fo_mac_check).
fo_mac_field() { fb_line "$2" <<< "$1"; }

# fo_manifest_authentic MANIFEST MAC_FILE PURPOSE LIKE ID WHY_VAR
# [TEXT_VAR]: MAC_FILE is authentic (fo_mac_check) and vouches for this
# very MANIFEST (its BLAKE2b) as the one of ID; its text into TEXT_VAR.
# WHY_VAR says why not (status not 0).
fo_manifest_authentic() {
    local text_auth_
    local -n why_auth_=$6
    [ -f "$2" ] || { why_auth_="there is no ${2##*/} to authenticate its manifest"; return 1; }
    fo_mac_check "$2" "$3" "$4" text_auth_ "$6" || return 1
    [ -z "${7:-}" ] || printf -v "$7" '%s' "$text_auth_"
    [ "$(fo_mac_field "$text_auth_" purpose)" = "$3" ] && [ "$(fo_mac_field "$text_auth_" id)" = "$5" ] ||
        { why_auth_="${2##*/} vouches for $(fo_mac_field "$text_auth_" purpose) $(fo_mac_field "$text_auth_" id), not for $3 $5"; return 1; }
    [ "$(fo_mac_field "$text_auth_" manifest)" = "$(fb_b2sum "$1")" ] ||
        { why_auth_="the manifest is not the one ${2##*/} vouches for (altered after it was made)"; return 1; }
}

# fo_part_of TAR: what the YunoHost backup TAR holds, by its info.json:
# "system", "app ID" (one app), or how else it looks.
fo_part_of() {
    local info
    info=$(tar -xOf "$1" info.json 2>/dev/null || tar -xOf "$1" ./info.json 2>/dev/null)
    jq -r '[ (if ((.system // {}) | length) > 0 then "system" else empty end),
             ((.apps // {}) | keys[] | "app " + .) ] | if length == 0 then "nothing" else join(" + ") end' \
        <<< "$info" 2>/dev/null || echo "an unreadable info.json"
}

# fo_check_part KIND ID SUM TAR WHY_VAR: the decrypted TAR is the part the
# authenticated manifest names: its content checksum (`fallback checksum`)
# is SUM and its info.json holds that part alone (the system, or app ID).
# WHY_VAR says why not (status 1).
fo_check_part() {
    local kind=$1 id=$2 sum=$3 tar=$4 got what want=system
    local -n why_part_=$5
    [ "$kind" = app ] && want="app $id"
    got=$("$FB" checksum "$tar" 2>&1) ||
        { why_part_="its content checksum cannot be computed: ${got##*$'\n'}"; return 1; }
    [ "$got" = "$sum" ] ||
        { why_part_="its content is not the $want the manifest names (content checksum differs)"; return 1; }
    what=$(fo_part_of "$tar")
    [ "$what" = "$want" ] ||
        { why_part_="it holds a backup of $what, not of the $want the manifest names"; return 1; }
}

# ---------------------------------------------------------------------
# Free space. Each command needs room for what it keeps (a set of
# encrypted parts) and for one part in clear at a time (doc/failover.md).

# fo_existing DIR: DIR, or its nearest parent that exists (where DIR
# would be made).
fo_existing() {
    local d=$1
    while [ ! -d "$d" ] && [ "$d" != / ]; do d=$(dirname -- "$d"); done
    printf '%s\n' "$d"
}

# fo_free DIR: the bytes free in DIR's file system for a user (statfs
# f_bavail, as YunoHost counts them).
fo_free() {
    local a s
    read -r a s < <(stat -f -c '%a %S' -- "$(fo_existing "$1")" 2>/dev/null) && [ -n "$s" ] || return 1
    echo $((a * s))
}

# fo_same_fs DIR1 DIR2: both are (or would be made) on one file system.
fo_same_fs() {
    [ "$(stat -c %d -- "$(fo_existing "$1")" 2>/dev/null)" = "$(stat -c %d -- "$(fo_existing "$2")" 2>/dev/null)" ]
}

# fo_mib BYTES: a size for a message, in MiB with one decimal.
fo_mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }

# fo_room DIR NEED WHAT WHY_VAR: DIR's file system has NEED bytes free;
# otherwise WHY_VAR says what is needed (WHAT) against what is available.
fo_room() {
    local dir=$1 need=$2 have
    local -n why_room_=$4
    have=$(fo_free "$dir") || { why_room_="cannot read the free space of $dir"; return 1; }
    [ "$have" -ge "$need" ] && return 0
    # shellcheck disable=SC2034  # the caller's WHY_VAR, through the nameref
    why_room_="not enough free space in $dir: $need bytes ($(fo_mib "$need")) needed for $3, $have bytes ($(fo_mib "$have")) available"
    return 1
}
