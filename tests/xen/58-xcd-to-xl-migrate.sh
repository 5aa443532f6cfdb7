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
#   taken back by a restarted xcdd); xl migrates it on to localhost itself (it holds the
#   guest's configuration), and `xl shutdown -w` powers it off.  xenstore's /vm is logged
#   after each move.
# The downtime and total time xcd reports are logged (MIGRATION line), with the span in which
# no copy ran as downtime-watch saw the hypervisor, and xl's receiver's messages timestamped.
# xen-lab: timeout=540
. "$(dirname "$0")/lib.sh"

xcdd_setup
start_stock_xenstored c
start_xenconsoled
start_xcdd ""

NAME=xt-pvh
CFG=$(guest_cfg "$NAME" pvh on_poweroff='"destroy"')
cat "$CFG"
WATCH=$XCD_BIN/downtime-watch
[ -x "$WATCH" ] || fail "no $WATCH (copy tests/xen/downtime-watch into the lab's binaries)"
# xl's receiver, its messages (stderr) timestamped: where the handover's time goes
RECV=$LAB_RUN/xl-recv
cat >"$RECV" <<'EOF2'
#!/bin/bash
# no fork per line (a date per line, under TCG, stamped them 100 ms and more late)
exec 2> >(while IFS= read -r l; do t=${EPOCHREALTIME/[.,]/}; t=$((t / 1000))
  printf '[%(%T)T.%03d] %s\n' $((t / 1000)) $((t % 1000)) "$l"; done >&2)
exec /usr/sbin/xl "$@"
EOF2
chmod +x "$RECV"

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
"$WATCH" 300 >"$LAB_RUN/watch.out" 2>&1 &
wpid=$!
sleep 0.5
t0=$(now_ms)
log "xcd migrate starts"
timeout -k 5 300 "$XCD_BIN/xcd" migrate -s "" "$NAME" "$RECV migrate-receive" \
  >"$LAB_RUN/mig.out" 2>"$LAB_RUN/mig.err"; rc=$?
t1=$(now_ms)
log "xcd migrate ends"
sleep 0.5
kill -TERM "$wpid"; wait "$wpid"
cat "$LAB_RUN/mig.out" "$LAB_RUN/mig.err" "$LAB_RUN/watch.out"
[ $rc = 0 ] || { tail -n 40 "$LAB_RUN/xcdd.log"; xl list; fail "xcd migrate -> xl migrate-receive: rc=$rc"; }
log "MIGRATION to xl: total $((t1 - t0)) ms (xcd migrate's run), no copy running" \
  "$(awk '/^longest:/ { print $2 }' "$LAB_RUN/watch.out") ms (downtime-watch), xcd says:" \
  "$(grep -o 'in [0-9]* ms, downtime [0-9]* ms, [0-9]* round(s), [0-9]* bytes sent' "$LAB_RUN/mig.err")"
keep "$LAB_RUN/xcdd.log" "$LAB_RUN/mig.err" "$LAB_RUN/watch.out"
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

step "xenstore's /vm after the handover"
vm_state() {  # WHAT: the guest's /local/domain/ID/vm and what is under /vm (logged)
  local id vm
  id=$(domid "$NAME"); vm=$(timeout 5 xenstore-read "/local/domain/$id/vm" 2>&1)
  log "$1: domid $id, /local/domain/$id/vm = '$vm'; /vm holds:" \
    "$(timeout 5 xenstore-ls -f /vm 2>&1 | tr '\n' ' ')"
}
vm_state "after xcd -> xl"

step "xl migrate of the guest xcd handed over (xl holds its configuration)"
LAST=$(guest_last_tick "$NAME")
timed -t 240 xl migrate -s "" "$NAME" "/usr/sbin/xl migrate-receive" >"$LAB_RUN/xl-mig.out" 2>&1; rc=$?
cat "$LAB_RUN/xl-mig.out"
[ $rc = 0 ] || fail "xl migrate of the guest xcd handed over: rc=$rc"
NEW2=$(domid "$NAME") || fail "xl has no domain $NAME after its own migration"
[ "$NEW2" != "$NEW" ] || fail "xl migrate left $NAME in domid $NEW"
expect_eq "the guest's uuid after xl's own migration" "$(xl_uuid "$NAME")" "$UUID"
sr_goes_on "$NAME" "after xl's own migration"
vm_state "after xl -> xl"

step "xl shutdown -w: the guest answers xl's control/shutdown"
guest_shutdown_wait "$NAME" 90 || fail "xl shutdown -w of the migrated guest"
dom_exists "$NAME" && fail "$NAME still there after its poweroff"
log "ok"
