#!/usr/bin/env bats
# lib.sh's checks of what one server reads from the other (fb_valid), its
# state files (fb_state_write / fb_state_read) and its lock folder
# (fb_lock): each refusal says what is wrong and changes nothing.

bats_require_minimum_version 1.5.0

setup() {
    tmp=$(mktemp -d)
    export FB_LOG_DIR=$tmp/log FB_DATA_DIR=$tmp/data FB_LOCK_DIR=$tmp/locks FB_VERBOSE=1
    mkdir -p "$FB_LOG_DIR"
    # shellcheck source=../../scripts/runtime/lib.sh
    source "$BATS_TEST_DIRNAME/../../scripts/runtime/lib.sh"
    # shellcheck disable=SC2034  # read by lib.sh's fb_log
    FB_PROG=state_record
    rec=$tmp/state
}

teardown() { rm -rf "$tmp"; }

@test "fb_valid: each kind takes its own grammar and nothing around it" {
    local ok=(night:20250102T010000Z app:nextcloud__2 app:my-app part:@system "parts:@system wiki"
        ip:127.0.0.2 ip:2001:db8::1 ip_or_unknown:unknown epoch:1700000000 count:3
        "utc:2025-01-02 01:00:00 UTC" yn:y outcome:failed:4 "probe:up 127.0.0.2:22" probe:down
        "=deployed|closed:closed")
    local bad=(night:20250102T010000 "night:20250102T010000Z " app:-rf app:a/b "apps:wiki  x" apps:@system
        ip:256.1.1.1 ip:1.2.3 ip:010.1.1.1 ip:1.2.3.04 "ip:fe80::1%eth0" ip:unknown "ip:127.0.0.2 x" epoch:-1 "utc:2025-01-02 01:00:00"
        yn:yes outcome:failed: "probe:up a b:22" "=deployed|closed:deploy" "=deployed|closed:deployed|closed")
    local c
    for c in "${ok[@]}"; do fb_valid "${c%%:*}" "${c#*:}" || { echo "refused: $c"; return 1; }; done
    for c in "${bad[@]}"; do
        if fb_valid "${c%%:*}" "${c#*:}"; then echo "accepted: $c"; return 1; fi
    done
    run fb_valid ip $'127.0.0.2\nstate=closed'
    [ "$status" -ne 0 ]
    # the IP rule is the helper's (the install's and the panel's too)
    for c in 127.0.0.2 2001:db8::1 010.1.1.1 1.2.3 ::ffff:1.2.3.4; do
        run "$FALLBACK_BIN" valid ip "$c"
        want=$status
        run fb_valid ip "$c"
        [ $((status == 0)) = $((want == 0)) ] || { echo "disagree: $c ($status, helper $want)"; return 1; }
    done
    run fb_valid night $'20250102T010000Z\n'
    [ "$status" -ne 0 ]
}

@test "fb_state_write: known keys, values of their grammar, written in the schema's order, 0600" {
    fb_state_write deploy "$rec" 0600 night 20250102T010000Z state deploying step safety restored ""
    [ "$(cat "$rec")" = $'state=deploying\nstep=safety\nnight=20250102T010000Z' ]
    [ "$(stat -c %a "$rec")" = 600 ]
    fb_state_write deploy "$rec" 0600 step "" state deployed restored "wiki bigdata"
    [ "$(cat "$rec")" = $'state=deployed\nnight=20250102T010000Z\nrestored=wiki bigdata' ]
    [ "$(fb_state_get deploy "$rec" restored)" = "wiki bigdata" ]
    [ -z "$(fb_state_get deploy "$rec" closeid)" ]
}

@test "fb_state_write: a value with a newline, of the wrong form or an unknown key changes nothing" {
    fb_state_write deploy "$rec" 0600 state deployed night 20250102T010000Z
    cp "$rec" "$tmp/before"
    run fb_state_write deploy "$rec" 0600 ip_main_server $'127.0.0.2\nstate=closed\ncloseid=20200101T000000Z'
    [ "$status" -eq 12 ]
    [[ $output == *"the value of ip_main_server, '127.0.0.2?state=closed?closeid=20200101T000000Z', is not a valid ip_or_unknown: not changed"* ]]
    run fb_state_write deploy "$rec" 0600 state standby
    [ "$status" -eq 12 ]
    run fb_state_write deploy "$rec" 0600 choice_apps wiki
    [ "$status" -eq 12 ]
    [[ $output == *"unknown key 'choice_apps'"* ]]
    run fb_state_write deploy "$rec" 0600 state
    [ "$status" -ne 0 ]
    cmp "$tmp/before" "$rec"
}

@test "fb_state_read: a key twice, an unknown line or a bad value refuses the whole record, naming the line" {
    printf 'state=deployed\nnight=20250102T010000Z\nstate=closed\ncloseid=20200101T000000Z\n' > "$rec"
    run fb_state_read deploy "$rec"
    [ "$status" -eq 12 ]
    [ "$output" = "$rec:3: state is given twice" ]
    run --separate-stderr fb_state_get deploy "$rec" state
    [ "$status" -eq 12 ]
    [ -z "$output" ]
    printf 'state=deployed\nnight=yesterday\n' > "$rec"
    run fb_state_read deploy "$rec"
    [ "$status" -eq 12 ]
    [ "$output" = "$rec:2: the value of night, 'yesterday', is not a valid night" ]
    printf 'state=deployed\nbogus\n' > "$rec"
    run fb_state_read deploy "$rec"
    [ "$status" -eq 12 ]
    [[ $output == "$rec:2: 'bogus' is not a line of this record (its keys: state step night "* ]]
    cp "$rec" "$tmp/before"
    run fb_state_write deploy "$rec" 0600 step system
    [ "$status" -eq 12 ]
    cmp "$tmp/before" "$rec"
    ln -sf "$tmp/before" "$tmp/link"
    run fb_state_read deploy "$tmp/link"
    [ "$status" -eq 12 ]
    [[ $output == *"is not a plain file"* ]]
    # empty values (records of earlier releases) are absent keys
    printf 'state=closed\nstep=\ncloseid=20200101T000000Z\n' > "$rec"
    [ "$(fb_state_read deploy "$rec")" = $'state=closed\ncloseid=20200101T000000Z' ]
}

@test "fb_state_*: the watch's and the update's records have their own keys" {
    fb_state_write watch "$rec" 0644 state failing since 1700000000 fails 1 last_result "up 127.0.0.2:443"
    [ "$(stat -c %a "$rec")" = 644 ]
    [ "$(fb_state_get watch "$rec" last_result)" = "up 127.0.0.2:443" ]
    run fb_state_write watch "$rec" 0644 state deployed
    [ "$status" -eq 12 ]
    run fb_state_read update "$rec"
    [ "$status" -eq 12 ]
    rm -f "$rec"
    fb_state_write update "$rec" 0600 state updating step choose closeid 20250102T010000Z choice_apps "wiki bigdata" safety_done "@system wiki"
    [ "$(fb_state_get update "$rec" safety_done)" = "@system wiki" ]
}

@test "fb_lock: a root-only folder, made on use; held: one line naming the holder, status 1" {
    fb_lock failover "another failover command"
    [ "$(stat -c '%u %a' "$FB_LOCK_DIR")" = "0 700" ]
    grep -q "^state_record pid $$ since " "$FB_LOCK_DIR/fallback_failover.lock"
    run bash -c "source '$BATS_TEST_DIRNAME/../../scripts/runtime/lib.sh'; FB_PROG=other; fb_lock failover 'another failover command'"
    [ "$status" -eq 1 ]
    grep -q "other: error: another failover command is running (lock $FB_LOCK_DIR/fallback_failover.lock held by state_record pid $$ since .*): this run stops" "$FB_LOG"
}

@test "fb_lock: a lock folder that is not root's 0700, or a lock that is a link, is refused" {
    mkdir -m 0755 "$FB_LOCK_DIR"
    run fb_lock watch
    [ "$status" -eq 1 ]
    grep -q "the lock folder $FB_LOCK_DIR is not a folder of root's with mode 0700 (root 755 directory): refused" "$FB_LOG"
    rmdir "$FB_LOCK_DIR"
    mkdir -m 0700 "$FB_LOCK_DIR"
    ln -s "$tmp/elsewhere" "$FB_LOCK_DIR/fallback_watch.lock"
    run fb_lock watch
    [ "$status" -eq 1 ]
    grep -q "the lock file $FB_LOCK_DIR/fallback_watch.lock is not a plain file: refused" "$FB_LOG"
    [ ! -e "$tmp/elsewhere" ]
}

@test "fo_csv_sources: a source path of the main's archive holding a newline does not become another root" {
    # shellcheck source=../../scripts/runtime/failover_lib.sh
    source "$BATS_TEST_DIRNAME/../../scripts/runtime/failover_lib.sh"
    # shellcheck disable=SC2034  # the helper failover_lib.sh calls
    FB=$FALLBACK_BIN
    mkdir "$tmp/arch"
    printf '%s\n' 'source,dest' '/etc/yunohost/current_host,conf/ynh/current_host' \
        '"/etc/yunohost/x' '/root/.ssh",conf/x' '/home/alice,data/home/alice' > "$tmp/arch/backup.csv"
    run fo_csv_sources "$tmp/arch"
    [ "$status" -eq 0 ]
    [ "$output" = $'/etc/yunohost/current_host\n/home/alice' ]
    run fo_root_ok $'/etc/nginx\n/root/.ssh'
    [ "$status" -ne 0 ]
    fo_root_ok /etc/nginx
}
