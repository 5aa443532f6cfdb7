#!/bin/bash
# xl migrate -> xcd migrate-receive, live, on one host: xl makes the lab's PVH guest (Xen's C
# xenstored and xenconsoled, xcdd beside xl), whose shell keeps a counter on its console.
# `xl migrate -s "" DOM "xcd migrate-receive"` sends its live stream (libxc's stream v3 in
# pre-copy rounds, the last with the guest suspended, behind xl's header and libxl's JSON) to xcd's receiver, which builds the
# guest from that JSON as NAME--incoming, takes every round, and speaks xl's pipe protocol
# ("domain received, ready to unpause", the go, "my copy unpause results are as follows" and
# status 0); xl destroys its copy.  Then the guest is xcd's: listed by xcd under its name and
# xl's uuid, its counter and uptime gone on, `xcd shutdown -w` powers it off.
# xen-lab: timeout=420
. "$(dirname "$0")/lib.sh"

xcdd_setup
start_stock_xenstored c
start_xenconsoled
start_xcdd ""

NAME=xm-pvh
CFG=$(guest_cfg "$NAME" pvh on_poweroff='"destroy"')
cat "$CFG"

xl_guest_ticking "$NAME" "$CFG"
id=$GUEST_DOMID
uuid=$(timeout 5 xenstore-read "/local/domain/$id/vm") && uuid=${uuid#/vm/}   # libxl: /vm/UUID
[ ${#uuid} = 36 ] || fail "no uuid in /local/domain/$id/vm ('$uuid')"

step "xl migrate -s \"\" $NAME \"xcd migrate-receive\""
LAST=$(guest_last_tick "$NAME")
out=$LAB_RUN/xl-migrate.out
timed -t 300 xl migrate -s "" "$NAME" "XCD_SOCKET=$XCD_SOCKET $XCD_BIN/xcd migrate-receive" \
  >"$out" 2>&1; rc=$?
cat "$out"
[ $rc = 0 ] || { tail -n 40 "$LAB_RUN/xcdd.log"; fail "xl migrate -> xcd migrate-receive: rc=$rc"; }
grep -q "migration sender: Target reports successful startup" "$out" ||
  fail "xl did not hear xcd's report of a successful start"
grep -q "Migration successful" "$out" || fail "xl did not say the migration succeeded"

step "the guest is xcd's"
xcd list
xl list
nid=$(xcd domid "$NAME") || fail "xcd does not know $NAME"
expect_eq "xl domid of the migrated guest" "$(domid "$NAME")" "$nid"
[ "$nid" != "$id" ] || fail "the guest kept its domid $id: no new domain"
xl list "$NAME--incoming" >/dev/null 2>&1 && fail "$NAME--incoming is left"
xl list "$NAME--migratedaway" >/dev/null 2>&1 && fail "$NAME--migratedaway is left"
wait_for "! xl list $id" 30 || fail "xl's copy (domid $id) is left"
xcd list -l "$NAME" | grep -q "\"uuid\": \"$uuid\"" || fail "xcd's copy has not xl's uuid $uuid"
[ "$(dom_state "$NAME" | cut -c3)" = p ] && fail "xcd's copy is paused"
guest_ticks_past "$NAME" "${LAST%% *}" 90 ||
  { tail -n 20 "$(console_log "$NAME--incoming")"; fail "the guest's counter did not go on past '$LAST'"; }
now=$(guest_last_tick "$NAME")
awk -v a="${now#* }" -v b="${LAST#* }" 'BEGIN { exit !(a > b) }' ||
  fail "the guest's uptime did not go on ('$LAST' -> '$now')"
log "the counter goes on: '$LAST' -> '$now' (domid $id under xl -> $nid under xcd)"
grep -a "received domain $NAME" "$LAB_RUN/xcdd.log" || fail "xcdd did not log the receive"

step "xcd shutdown -w: the guest answers xcd's control/shutdown"
timed -t 90 "$XCD_BIN/xcd" shutdown -w "$NAME" || fail "xcd shutdown -w of the migrated guest"
dom_exists "$NAME" && fail "$NAME still there after its poweroff"
log "ok"
