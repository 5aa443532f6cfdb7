#!/bin/bash
# xcd save and xcd restore of a PVH guest on real Xen, then across toolstacks: xcdd (on Xen's
# C xenstored and xenconsoled) creates the lab's PVH guest, whose shell then keeps a counter
# on its console (a line a second with its uptime).  `xcd save` (the guest suspends itself
# through control/shutdown; the file is libxl's stream around libxc's, a PVH guest's records
# as Xen 4.17 writes them) and `xcd restore`: the counter and the uptime go on in the new
# domain.  Then `xcd save` -> `xl restore` (xl reads the libxl JSON in xcd's file), `xl save`
# -> `xcd restore CFG FILE` (xl's file holds libxl's JSON, no xl.cfg text: xcd refuses it
# without CFG, saying so, and takes the configuration given), `xcd save` -> `xl restore CFG
# FILE` (xl then parses the xl.cfg given and ignores the file's JSON) and `xl save` -> `xcd
# restore` again: each time the counter goes on.  Last, `xcd shutdown -w`: the restored Linux
# answers control/shutdown (its xenbus reconnected to xenstored; it wrote its
# control/feature-* once, at boot, so xcdd writes them in the new domain's entries).
# xen-lab: timeout=600
. "$(dirname "$0")/lib.sh"

xcdd_setup
start_stock_xenstored c
start_xenconsoled
start_xcdd ""
SAVES=/var/tmp/xcd-sr   # on dom0's disk: /run is a tmpfs of dom0's 768 MiB
mkdir -p "$SAVES"

NAME=sr-pvh
CFG=$(guest_cfg "$NAME" pvh on_poweroff='"destroy"')
cat "$CFG"

# goes_on WHAT: the counter goes on past where it was when the guest was saved
LAST=
goes_on() { sr_goes_on "$NAME" "$1"; }
saved() { sr_saved "$NAME" "$SAVES/$NAME.save" "$1"; }  # WHAT: gone; LAST := its last tick

step "xcd create $CFG"
rm -f "$(console_log "$NAME")"
timed -t 150 "$XCD_BIN/xcd" create "$CFG" || { tail -n 30 "$LAB_RUN/xcdd.log"; fail "xcd create"; }
xcd_guest_booted "$NAME" 180 || fail "$NAME did not boot"
guest_tick_start "$GUEST_DOMID" || fail "cannot type on the guest's console"
guest_ticks_past "$NAME" 2 30 || fail "the guest's counter did not start"

step "xcd save, xcd restore"
timed -t 180 "$XCD_BIN/xcd" save "$NAME" "$SAVES/$NAME.save" ||
  { tail -n 30 "$LAB_RUN/xcdd.log"; fail "xcd save"; }
saved "xcd save"
timed -t 180 "$XCD_BIN/xcd" restore "$SAVES/$NAME.save" ||
  { tail -n 30 "$LAB_RUN/xcdd.log"; fail "xcd restore"; }
id=$(xcd domid "$NAME") || fail "xcd domid $NAME after the restore"
expect_eq "xl domid of the restored guest" "$(domid "$NAME")" "$id"
goes_on "xcd save -> xcd restore"
xcd list

step "xcd save -> xl restore"
timed -t 180 "$XCD_BIN/xcd" save "$NAME" "$SAVES/$NAME.save" || fail "xcd save (for xl)"
saved "xcd save"
timed -t 180 xl restore "$SAVES/$NAME.save" || fail "xl restore of xcd's file"
goes_on "xcd save -> xl restore"
xl list

xl_to_xcd() {  # WHAT: xl save, then xcd restore CFG FILE
  step "$1: xl save -> xcd restore CFG FILE"
  timed -t 180 xl save "$NAME" "$SAVES/$NAME.save" || fail "$1: xl save"
  saved "$1: xl save"
  timed -t 180 "$XCD_BIN/xcd" restore "$CFG" "$SAVES/$NAME.save" ||
    { tail -n 30 "$LAB_RUN/xcdd.log"; fail "$1: xcd restore of xl's file"; }
  goes_on "$1: xl save -> xcd restore"
}

step "xcd restore of xl's file without a configuration: refused"
timed -t 180 xl save -c "$NAME" "$SAVES/$NAME.save" || fail "xl save -c"
if "$XCD_BIN/xcd" restore "$SAVES/$NAME.save" 2>"$LAB_RUN/noconfig.err"; then
  fail "xcd restore of xl's file without a configuration: it has no xl.cfg text, yet it worked"
fi
cat "$LAB_RUN/noconfig.err"
grep -q "holds no xl.cfg text" "$LAB_RUN/noconfig.err" ||
  fail "xcd restore of xl's file: $(cat "$LAB_RUN/noconfig.err")"
xl_to_xcd "1"

step "xcd save -> xl restore CFG FILE (xl parses the xl.cfg given, not the file's JSON)"
timed -t 180 "$XCD_BIN/xcd" save "$NAME" "$SAVES/$NAME.save" || fail "xcd save (for xl, with a config)"
saved "xcd save"
timed -t 180 xl restore "$CFG" "$SAVES/$NAME.save" || fail "xl restore CFG FILE of xcd's file"
goes_on "xcd save -> xl restore CFG FILE"
xl_to_xcd "2"
rm -f "$SAVES/$NAME.save"

step "xcd shutdown -w: the restored guest answers control/shutdown"
timed -t 90 "$XCD_BIN/xcd" shutdown -w "$NAME" || fail "xcd shutdown -w of the restored guest"
dom_exists "$NAME" && fail "$NAME still there after its poweroff"
grep -a "XCDLAB_TICK" "$(console_log "$NAME")" | tail -n 3
log "ok"
