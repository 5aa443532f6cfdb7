#!/bin/bash
# xcd migrate -> xl migrate-receive, live, on one host: xcdd (beside Xen's C xenstored and
# xenconsoled) makes the lab's PVH guest, whose shell keeps a counter on its console.
# - a migration to xl cut in the middle (xl's receiver's input ends after 24 MB of the stream,
#   inside the first pre-copy round): refused, xl's receiver destroys what it had made, and the
#   guest runs on under xcd as before (same domid, not paused nor suspended, counter going on).
# - `xcd migrate -s "" DOM "xl migrate-receive"`: xl's receiver builds the guest from the libxl
#   JSON xcd writes (as NAME--incoming, with the guest's uuid: both copies share it a while),
#   takes the pre-copy rounds (pages that became zero after round 0 sent with their data: libxc
#   only allocates an XALLOC page) and the last one, the guest suspended, and speaks xl's pipe
#   protocol ("domain received, ready to unpause", the go after xcd renamed its copy
#   NAME--migratedaway, "my copy unpause results are as follows" and status 0).  Then the
#   guest is xl's: xl lists it under its name and uuid in a new domain, its counter and uptime
#   go on, xcd has destroyed its copy and forgotten it (not listed, no journal record, not
#   taken back by a restarted xcdd), and `xl shutdown -w` powers it off.
# The downtime and total time xcd reports are logged (MIGRATION line).
# xen-lab: timeout=540
. "$(dirname "$0")/lib.sh"

xcdd_setup
start_stock_xenstored c
start_xenconsoled
start_xcdd ""

NAME=xt-pvh
CFG=$(guest_cfg "$NAME" pvh on_poweroff='"destroy"')
cat "$CFG"
RECV=/usr/sbin/xl

xl_uuid() { xl list -v "$1" 2>/dev/null | awk 'NR == 2 { print $7 }'; }
only_xcd_guest() {  # DOMID: NAME is that domain, alone, xcd's; nothing of a migration's names
  wait_for "[ \"\$(xl list | awk 'NR > 1 && \$2 != 0' | wc -l)\" = 1 ]" 60 ||
    fail "more than one guest: $(xl list)"
  expect_eq "xl domid $NAME" "$(domid "$NAME")" "$1"
  expect_eq "xcd domid $NAME" "$(xcd domid "$NAME")" "$1"
  case $(dom_state "$NAME") in ??p*|???s*) fail "$NAME is $(dom_state "$NAME")" ;; esac
}

step "xcd create: a PVH guest"
rm -f "$(console_log "$NAME")" "$(console_log "$NAME--incoming")"
timed -t 150 "$XCD_BIN/xcd" create "$CFG" || { tail -n 30 "$LAB_RUN/xcdd.log"; fail "xcd create"; }
xcd_guest_booted "$NAME" 180 || fail "$NAME did not boot"
ID=$GUEST_DOMID
UUID=$(xl_uuid "$NAME")
[ ${#UUID} = 36 ] || fail "no uuid for $NAME in xl list -v ('$UUID')"
guest_tick_start "$ID" || fail "cannot type on the guest's console"
guest_ticks_past "$NAME" 2 30 || fail "the guest's counter did not start"

step "xcd migrate to xl migrate-receive through a transport that ends after 24 MB"
LAST=$(guest_last_tick "$NAME")  # sr_goes_on's
timeout -k 5 300 "$XCD_BIN/xcd" migrate -s "" "$NAME" "head -c 24000000 | $RECV migrate-receive" \
  >"$LAB_RUN/cut.out" 2>"$LAB_RUN/cut.err"; rc=$?
cat "$LAB_RUN/cut.out" "$LAB_RUN/cut.err"
[ $rc = 0 ] && fail "the cut migration to xl succeeded"
grep -q "runs here as before" "$LAB_RUN/cut.err" || fail "the cut migration: $(tail -n 1 "$LAB_RUN/cut.err")"
wait_for "! xl list $NAME--incoming >/dev/null 2>&1" 60 || fail "xl's $NAME--incoming is left: $(xl list)"
only_xcd_guest "$ID"
sr_goes_on "$NAME" "after the cut"

step "xcd migrate -s \"\" $NAME \"xl migrate-receive\""
LAST=$(guest_last_tick "$NAME")
t0=$(now_ms)
timeout -k 5 300 "$XCD_BIN/xcd" migrate -s "" "$NAME" "$RECV migrate-receive" \
  >"$LAB_RUN/mig.out" 2>"$LAB_RUN/mig.err"; rc=$?
t1=$(now_ms)
cat "$LAB_RUN/mig.out" "$LAB_RUN/mig.err"
[ $rc = 0 ] || { tail -n 40 "$LAB_RUN/xcdd.log"; xl list; fail "xcd migrate -> xl migrate-receive: rc=$rc"; }
log "MIGRATION to xl: total $((t1 - t0)) ms (xcd migrate's run), xcd says:" \
  "$(grep -o 'in [0-9]* ms, downtime [0-9]* ms, [0-9]* round(s), [0-9]* bytes sent' "$LAB_RUN/mig.err")"
grep -q "$NAME: asked to suspend itself for the last round" "$LAB_RUN/xcdd.log" ||
  fail "xcdd did not ask the guest to suspend itself"

step "the guest is xl's"
xl list
xcd list
NEW=$(domid "$NAME") || fail "xl has no domain $NAME"
[ "$NEW" != "$ID" ] || fail "$NAME is still domid $ID"
wait_for "! xl list $ID >/dev/null 2>&1" 30 || fail "xcd's copy (domid $ID) is left"
wait_for "[ \"\$(xl list | awk 'NR > 1 && \$2 != 0' | wc -l)\" = 1 ]" 60 ||
  fail "more than one guest: $(xl list)"
expect_eq "the guest's uuid under xl (xl list -v)" "$(xl_uuid "$NAME")" "$UUID"
case $(dom_state "$NAME") in ??p*|???s*) fail "xl's copy is $(dom_state "$NAME")" ;; esac
sr_goes_on "$NAME" "under xl"
log "domid $ID under xcd -> $NEW under xl"

step "xcd has forgotten it"
xcd domid "$NAME" >/dev/null 2>&1 && fail "xcd still has a domain $NAME"
xcd domid "$NAME--migratedaway" >/dev/null 2>&1 && fail "xcd still has $NAME--migratedaway"
expect_eq "xcd list's guests" "$(xcd list | awk 'NR > 1 && $1 != "Domain-0"' | wc -l)" 0
grep -rl -e "$UUID" -e "\"$NAME" "$XCDD_STATE" 2>/dev/null && fail "xcd's state still holds $NAME"
old=$XCDD_PID; stop_xcdd
wait_for "! kill -0 $old" 20 || fail "xcdd (pid $old) did not stop on SIGTERM"
start_xcdd -after
expect_eq "xcd list's guests after xcdd's restart" \
  "$(xcd list | awk 'NR > 1 && $1 != "Domain-0"' | wc -l)" 0
expect_eq "xl domid $NAME after xcdd's restart" "$(domid "$NAME")" "$NEW"

step "xl shutdown -w: the guest answers xl's control/shutdown"
guest_shutdown_wait "$NAME" 90 || fail "xl shutdown -w of the migrated guest"
dom_exists "$NAME" && fail "$NAME still there after its poweroff"
log "ok"
