#!/bin/bash
# xl migrate -> xcd migrate-receive cut in the middle: the transport carries the first 24 MB
# of xl's live stream (inside its first pre-copy round) to xcd's receiver and then ends.
# xcd's receiver, having made NAME--incoming from the stream's libxl JSON, refuses the stream
# where it ends, naming the record and the byte, and destroys what it had made; xl, its
# stream no longer taken, keeps its copy: the guest goes on running under xl, under its
# name, its counter going on, and xcd has no domain.
# xen-lab: timeout=360
. "$(dirname "$0")/lib.sh"

xcdd_setup
start_stock_xenstored c
start_xenconsoled
start_xcdd ""

NAME=xc-pvh
CFG=$(guest_cfg "$NAME" pvh on_poweroff='"destroy"')

xl_guest_ticking "$NAME" "$CFG"
id=$GUEST_DOMID

step "xl migrate through a transport that ends after 24 MB"
LAST=$(guest_last_tick "$NAME")
out=$LAB_RUN/xl-migrate-cut.out
timed -t 240 xl migrate -s "" "$NAME" \
  "head -c 24000000 | XCD_SOCKET=$XCD_SOCKET $XCD_BIN/xcd migrate-receive" >"$out" 2>&1; rc=$?
cat "$out"
[ $rc = 0 ] && fail "xl migrate through a cut transport succeeded"
grep -q "Migration successful" "$out" && fail "xl says the cut migration succeeded"
# xcd took the configuration and the stream up to the cut, and refused it there
grep -q "receiving $NAME--incoming: record [A-Z_]* at byte [0-9]*: .*the stream ends" "$out" ||
  fail "xcd's receiver did not refuse the stream where it was cut"

step "the guest runs on under xl; xcd has nothing of it"
xl list
xcd list
expect_eq "xl's domid of $NAME" "$(domid "$NAME")" "$id"
wait_for "! xl list $NAME--incoming" 60 || fail "$NAME--incoming is left"
[ "$(dom_state "$NAME" | cut -c3)" = p ] && fail "xl left its copy paused"
guest_ticks_past "$NAME" "${LAST%% *}" 60 ||
  { tail -n 20 "$(console_log "$NAME")"; fail "the guest's counter did not go on under xl past '$LAST'"; }
log "the counter goes on under xl: '$LAST' -> '$(guest_last_tick "$NAME")'"
xcd domid "$NAME" >/dev/null 2>&1 && fail "xcd has a domain $NAME"
xcd domid "$NAME--incoming" >/dev/null 2>&1 && fail "xcd has a domain $NAME--incoming"
log "ok"
