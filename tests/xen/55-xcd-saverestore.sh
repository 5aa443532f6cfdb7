#!/bin/bash
# xcd save and xcd restore of a PVH guest on real Xen, then across toolstacks: xcdd (on Xen's
# C xenstored and xenconsoled) creates the lab's PVH guest, whose shell then keeps a counter
# on its console (a line a second with its uptime).  `xcd save` (the guest suspends itself
# through control/shutdown; the file is libxl's stream around libxc's, a PVH guest's records
# as Xen 4.17 writes them) and `xcd restore`: the counter and the uptime go on in the new
# domain.  Then `xcd save` -> `xl restore` (xl reads the libxl JSON in xcd's file), `xl save`
# -> `xcd restore FILE` (xl's file holds libxl's JSON, no xl.cfg text: xcd makes the guest
# from that JSON, with xl's uuid; the JSON is kept, tests/unit/cfg/xl-save-pvh.json), `xl
# save` -> `xcd restore CFG FILE` (the configuration given), `xcd save` -> `xl restore CFG
# FILE` (xl then parses the xl.cfg given and ignores the file's JSON) and `xl save` -> `xcd
# restore` again: each time the counter goes on.  Last, `xcd shutdown -w`: the restored Linux
# answers control/shutdown (its xenbus reconnected to xenstored; it wrote its
# control/feature-* once, at boot, so xcdd writes them in the new domain's entries).
# xen-lab: timeout=600
. "$(dirname "$0")/lib.sh"

sr_setup

NAME=sr-pvh
CFG=$(guest_cfg "$NAME" pvh on_poweroff='"destroy"')
cat "$CFG"

# goes_on WHAT: the counter goes on past where it was when the guest was saved
LAST=
goes_on() { sr_goes_on "$NAME" "$1"; }
saved() { sr_saved "$NAME" "$SAVES/$NAME.save" "$1"; }  # WHAT: gone; LAST := its last tick

sr_create "$NAME" "$CFG"

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

step "xl save -> xcd restore FILE: no CFG, the guest made from the libxl JSON xl wrote"
timed -t 180 xl save "$NAME" "$SAVES/$NAME.save" || fail "xl save"
saved "xl save"
xl_saved_json "$SAVES/$NAME.save" "$LAB_RUN/xl-save-pvh.json" || fail "no JSON in xl's save file"
keep "$LAB_RUN/xl-save-pvh.json"   # tests/unit/cfg/xl-save-pvh.json: xl 4.17's, as it is
cat "$LAB_RUN/xl-save-pvh.json"; echo
grep -q xcd_source "$LAB_RUN/xl-save-pvh.json" && fail "xl's file holds xcd's source"
timed -t 180 "$XCD_BIN/xcd" restore "$SAVES/$NAME.save" ||
  { tail -n 30 "$LAB_RUN/xcdd.log"; fail "xcd restore FILE of xl's file"; }
goes_on "xl save -> xcd restore FILE"
xcd list
uuid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["c_info"]["uuid"])' "$LAB_RUN/xl-save-pvh.json")
xcd list -l "$NAME" | grep -q "\"uuid\": \"$uuid\"" || fail "the restored guest has not xl's uuid $uuid"
log "restored from xl's JSON with its uuid $uuid"

step "xcd save -> xl restore CFG FILE (xl parses the xl.cfg given, not the file's JSON)"
timed -t 180 "$XCD_BIN/xcd" save "$NAME" "$SAVES/$NAME.save" || fail "xcd save (for xl, with a config)"
saved "xcd save"
timed -t 180 xl restore "$CFG" "$SAVES/$NAME.save" || fail "xl restore CFG FILE of xcd's file"
goes_on "xcd save -> xl restore CFG FILE"
xl_to_xcd "after xl restore CFG FILE"
rm -f "$SAVES/$NAME.save"

step "xcd shutdown -w: the restored guest answers control/shutdown"
timed -t 90 "$XCD_BIN/xcd" shutdown -w "$NAME" || fail "xcd shutdown -w of the restored guest"
dom_exists "$NAME" && fail "$NAME still there after its poweroff"
grep -a "XCDLAB_TICK" "$(console_log "$NAME")" | tail -n 3
log "ok"
