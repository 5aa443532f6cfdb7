#!/bin/bash
# xcd save and xcd restore of a PV guest on real Xen, through libxenguest (xc_domain_save and
# xc_domain_restore write and read libxc's stream; xcd writes xl's header and libxl's records
# around it), then across toolstacks: xcdd (on Xen's C xenstored and xenconsoled) creates the
# lab's PV guest, whose shell then keeps a counter on its console (a line a second with its
# uptime).  `xcd save` (the guest suspends itself through control/shutdown; libxenguest's
# suspend callback waits for shutdown(suspend)) and `xcd restore FILE` (the domain made from
# the file's configuration, its libxc part handed to xc_domain_restore, then introduced to
# xenstored with its new store mfn and given its console): the counter and the uptime go on.
# Then `xcd save` -> `xl restore`, `xl save` -> `xcd restore CFG FILE`: each time the counter
# goes on.  `xcd save --compress` is refused (libxenguest does not compress).  `xcd save -c`:
# the guest goes on in the same domain (libxc's fast resume: its suspend returns
# "cancelled"), and the file, restored after that domain is destroyed, goes on from where it
# was saved.  Last, `xcd shutdown -w`: the restored Linux answers control/shutdown.
# xen-lab: timeout=600
. "$(dirname "$0")/lib.sh"

sr_setup

NAME=sr-pv
CFG=$(guest_cfg "$NAME" pv on_poweroff='"destroy"')
cat "$CFG"
FILE=$SAVES/$NAME.save
rm -f "$FILE" "$FILE.tmp"

# goes_on WHAT: the counter goes on past where it was when the guest was saved
LAST=
goes_on() { sr_goes_on "$NAME" "$1"; }
saved() { sr_saved "$NAME" "$FILE" "$1"; }  # WHAT: gone; LAST := its last tick
xcd_save() {  # WHAT [OPTIONS]: xcd save, the daemon's log shown if it fails
  local what=$1; shift
  timed -t 180 "$XCD_BIN/xcd" save "$@" "$NAME" "$FILE" ||
    { tail -n 30 "$LAB_RUN/xcdd.log"; fail "$what"; }
}
xcd_restore() {  # WHAT ARGS...: xcd restore, the daemon's log shown if it fails
  local what=$1; shift
  timed -t 180 "$XCD_BIN/xcd" restore "$@" ||
    { tail -n 30 "$LAB_RUN/xcdd.log"; fail "$what"; }
}

sr_create "$NAME" "$CFG"

step "xcd save --compress of a PV guest: refused, the guest untouched"
id=$(xcd domid "$NAME")
if "$XCD_BIN/xcd" save --compress zstd "$NAME" "$FILE" 2>"$LAB_RUN/compress.err"; then
  fail "xcd save --compress of a PV guest on Xen worked: libxenguest does not compress"
fi
cat "$LAB_RUN/compress.err"
grep -q "libxenguest" "$LAB_RUN/compress.err" || fail "xcd save --compress: $(cat "$LAB_RUN/compress.err")"
expect_eq "the guest's domid after the refusal" "$(xcd domid "$NAME")" "$id"
[ -e "$FILE" ] || [ -e "$FILE.tmp" ] && fail "xcd save --compress left a file behind"
LAST=$(guest_last_tick "$NAME")
goes_on "after the refused save"

step "xcd save, xcd restore FILE"
xcd_save "xcd save"
saved "xcd save"
# -V: the progress as lines; libxenguest reports none while it restores, xcd reads how far
# into the file it is (migrate/pvwatch.c): some line must come before the end
xcd_restore "xcd restore" -V "$FILE" >"$LAB_RUN/restore-progress.out"
cat "$LAB_RUN/restore-progress.out"
grep -Eq "^restore $NAME: [0-9]+/[0-9]+ pages \(([1-9]|[1-9][0-9])%\)$" "$LAB_RUN/restore-progress.out" ||
  fail "xcd restore -V: no progress between 0% and 100% while libxenguest restored"
id=$(xcd domid "$NAME") || fail "xcd domid $NAME after the restore"
expect_eq "xl domid of the restored guest" "$(domid "$NAME")" "$id"
goes_on "xcd save -> xcd restore"
xcd list

step "xcd save -> xl restore"
xcd_save "xcd save (for xl)"
saved "xcd save"
timed -t 180 xl restore "$FILE" || fail "xl restore of xcd's file"
goes_on "xcd save -> xl restore"
xl list

step "xl save -> xcd restore CFG FILE"
timed -t 180 xl save "$NAME" "$FILE" || fail "xl save"
saved "xl save"
xcd_restore "xcd restore of xl's file" "$CFG" "$FILE"
goes_on "xl save -> xcd restore"

step "xcd save -c: the guest goes on in its domain; its file restored later goes on too"
id=$(xcd domid "$NAME")
xcd_save "xcd save -c" -c
expect_eq "the guest's domid after xcd save -c" "$(xcd domid "$NAME")" "$id"
LAST=$(guest_last_tick "$NAME")
goes_on "xcd save -c (the same domain)"
timed -t 60 "$XCD_BIN/xcd" destroy "$NAME" || fail "xcd destroy after xcd save -c"
dom_exists "$NAME" && fail "$NAME still there after xcd destroy"
# The destroyed domain's last tick: only the restored copy (whose counter starts again from
# where it was saved, before that) can go past it.
LAST=$(guest_last_tick "$NAME")
xcd_restore "xcd restore of the file xcd save -c wrote" "$FILE"
goes_on "xcd save -c -> xcd restore"
rm -f "$FILE"

step "xcd shutdown -w: the restored guest answers control/shutdown"
timed -t 90 "$XCD_BIN/xcd" shutdown -w "$NAME" || fail "xcd shutdown -w of the restored guest"
dom_exists "$NAME" && fail "$NAME still there after its poweroff"
grep -a "XCDLAB_TICK" "$(console_log "$NAME")" | tail -n 3
log "ok"
