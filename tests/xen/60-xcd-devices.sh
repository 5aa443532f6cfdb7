#!/bin/bash
# xcdd's devices and lifecycle actions on real Xen, with Linux's blkback and netback in dom0
# and xcd's own hotplug scripts (scripts/hotplug: block, vif-bridge).  A PV guest made by
# `xcd create` from an xl.cfg with a file-backed disk and a bridged vif: the block script
# gives blkback a loop device over the file, vif-bridge puts vifDOMID.0 on xenbr0, both
# backends and frontends reach Connected (4), and inside the guest (asked through
# `xcd console`, on xenconsoled's pty) xvda and eth0 exist.  Then `xcd reboot -w` with
# on_reboot="restart": a new domain under the same name, devices connected again, the old
# domain's backends and loop device gone.  Then `xcd destroy`: no domain, no backend
# entries, no vif interface, the loop device freed.  on_reboot="rename-restart": the kept
# domain gets a new uuid in Xen (xl list -v), the new one the configuration's.  Last, xcdd dies (XCDD_TEST_CRASH_AT,
# as kill -9) in a create with the devices up: the next xcdd rolls it back on real Xen
# (domain destroyed, remove scripts run, loop device freed, entries gone).
# A boot of its own: dom0's kernel registers its backend watches (blkback, netback) with the
# first xenstored that answers it, and they die with that xenstored (a Linux dom0 does not
# register them again with a xenstored started later), so the scenarios before this one
# would leave no backend driver listening.
# xen-lab: timeout=420 boot=own retry=no
# (retry=no: a second try in the same boot would run on a xenstored that dom0's backend
# drivers do not watch, so it could only fail, and hide the first try's reason)
. "$(dirname "$0")/lib.sh"

devices_setup /tmp/xcd-lab-disk.img
keep_logs() { keep "$LAB_RUN/xcdd.log"; }

name=xd-pv
cfg=$(guest_cfg "$name" pv "disk=[\"$DISK,raw,xvda,rw\"]" 'vif=["bridge=xenbr0"]' \
  on_reboot='"restart"' on_poweroff='"destroy"')
cat "$cfg"

connected() {  # DOMID: both devices' backend and frontend in state 4, hotplug done
  local id=$1 be=/local/domain/0/backend fe=/local/domain/$1/device
  wait_for "[ \"\$(timeout 5 xenstore-read $be/vbd/$id/51712/state)\" = 4 ] &&
            [ \"\$(timeout 5 xenstore-read $fe/vbd/51712/state)\" = 4 ] &&
            [ \"\$(timeout 5 xenstore-read $be/vif/$id/0/state)\" = 4 ] &&
            [ \"\$(timeout 5 xenstore-read $fe/vif/0/state)\" = 4 ]" 90 || {
    xenstore-ls -f "$be" 2>&1 | grep -E "/$id/.*(state|hotplug|physical-device)" | head -20
    tail -n 20 "$LAB_RUN/xcdd.log"; dev_diag
    fail "domain $id: devices not connected within 90 s"
  }
  expect_eq "domain $id: vbd hotplug-status" "$(timeout 5 xenstore-read $be/vbd/$id/51712/hotplug-status)" connected
  expect_eq "domain $id: vif hotplug-status" "$(timeout 5 xenstore-read $be/vif/$id/0/hotplug-status)" connected
  local loop
  loop=$(timeout 5 xenstore-read "$be/vbd/$id/51712/physical-device-path")
  losetup -j "$DISK" | grep -q "^$loop:" || fail "domain $id: $loop is not a loop device over $DISK"
  [ "$(basename "$(readlink -f /sys/class/net/vif$id.0/master)")" = xenbr0 ] ||
    fail "domain $id: vif$id.0 is not on xenbr0"
  log "domain $id: vbd on $loop, vif$id.0 on xenbr0, all Connected"
}

gone() {  # DOMID: nothing of the domain left in dom0
  local id=$1
  wait_for "! xenstore-exists /local/domain/0/backend/vbd/$id && ! xenstore-exists /local/domain/0/backend/vif/$id" 30 ||
    fail "domain $id: backend entries left behind"
  xenstore-exists "/local/domain/$id" && fail "domain $id: /local/domain/$id left behind"
  wait_for "[ ! -e /sys/class/net/vif$id.0 ]" 30 || fail "domain $id: vif$id.0 still exists"
}

step "xcd create with a disk and a vif"
rm -f "$(console_log "$name")"
dev_diag() {  # what dom0's kernel made of the backends
  echo "---- dom0: modules, xen-backend bus, backend entries, kernel log"
  grep -E 'blkback|netback|^loop|bridge' /proc/modules
  ls /sys/bus/xen-backend/drivers /sys/bus/xen-backend/devices 2>&1
  xenstore-ls -f /local/domain/0/backend 2>&1 | head -40
  dmesg | tail -n 30
}
timed -t 150 "$XCD_BIN/xcd" create "$cfg" ||
  { keep_logs; dev_diag; tail -n 30 "$LAB_RUN/xcdd.log"; fail "xcd create failed"; }
id=$(xcd domid "$name") || fail "xcd domid $name"
connected "$id"
guest_wait_ready "$name" 150 || fail "$name did not print XCDLAB_GUEST_READY within 150 s"

step "xcd console: the guest lists its disk and its network interface"
python3 - "$XCD_BIN/xcd" "$name" <<'PY' || { keep_logs; fail "xcd console: the guest did not show xvda and eth0"; }
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "console", sys.argv[2]])
def until(pat, secs):
    seen, end = b"", time.monotonic() + secs
    while pat not in seen and time.monotonic() < end:
        if select.select([fd], [], [], 0.5)[0]:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                break
    return pat in seen, seen
# Connected in xenstore comes just before blkfront adds xvda: ask again while it is not there.
end, ok, seen = time.monotonic() + 60, False, b""
while not ok and time.monotonic() < end:
    os.write(fd, b"\recho XCD_DEV $(ls /sys/block | grep -c xvda) $(ls /sys/class/net | grep -c eth0) $((6*7))\r")
    ok, more = until(b"XCD_DEV 1 1 42", 5)
    seen += more
print("xcd console: answer seen:", ok, repr(seen[-300:]))
os.write(fd, b"\x1d")  # Ctrl-]: leave the console
os.waitpid(pid, 0)
sys.exit(0 if ok else 1)
PY

step "xcd reboot -w: on_reboot=restart makes a new domain with its devices"
# xenconsoled opens the log again for the new domain: the old one's moves aside
mv "$(console_log "$name")" "$LAB_RUN/$name-before-reboot.log"
timed -t 120 "$XCD_BIN/xcd" reboot -w --timeout=100 "$name" ||
  { keep_logs; tail -n 20 "$(console_log "$name")"; fail "xcd reboot -w failed"; }
wait_for "id2=\$(xcd domid $name) && [ \"\$id2\" != $id ]" 60 || fail "no new domain for $name after its reboot"
id2=$(xcd domid "$name")
log "rebooted: domid $id -> $id2"
gone "$id"
connected "$id2"
[ "$(losetup -j "$DISK" | wc -l)" = 1 ] || fail "more than one loop device over $DISK: $(losetup -j "$DISK")"
guest_wait_ready "$name" 150 || fail "$name did not boot again after its reboot"

step "xcd destroy: devices, loop device and entries go"
xcd destroy "$name" || fail "xcd destroy"
dom_exists "$name" && fail "$name still listed after xcd destroy"
gone "$id2"
[ -z "$(losetup -j "$DISK")" ] || fail "loop device over $DISK left: $(losetup -j "$DISK")"

step "on_reboot=rename-restart: the kept domain takes a new uuid, the new one keeps the configuration's"
xl_uuid() { xl list -v "$1" 2>/dev/null | awk 'NR == 2 { print $7 }'; }
rr=xd-rr
rcfg=$(guest_cfg "$rr" pv on_reboot='"rename-restart"')
rm -f "$(console_log "$rr")"
timed -t 150 "$XCD_BIN/xcd" create "$rcfg" || fail "$rr: xcd create failed"
rid=$(xcd domid "$rr") || fail "$rr: xcd domid"
ru=$(xl_uuid "$rr")
guest_wait_ready "$rr" 150 || fail "$rr did not print XCDLAB_GUEST_READY within 150 s"
timed -t 120 "$XCD_BIN/xcd" reboot -w --timeout=100 "$rr" || fail "$rr: xcd reboot -w failed"
wait_for "rid2=\$(xcd domid $rr) && [ \"\$rid2\" != $rid ]" 60 || fail "no new $rr after its reboot"
rid2=$(xcd domid "$rr")
kept=$(xl list | awk -v id="$rid" '$2 == id { print $1 }')
log "$rr: uuid $ru; new domid $rid2 uuid $(xl_uuid "$rr"); kept $kept (domid $rid) uuid $(xl_uuid "$kept")"
case $kept in "$rr"-*) ;; *) fail "$rr: the old domain (domid $rid) is not kept renamed: '$kept'" ;; esac
expect_eq "$rr: the new domain's uuid (xl list -v)" "$(xl_uuid "$rr")" "$ru"
ku=$(xl_uuid "$kept")
[ -n "$ku" ] && [ "$ku" != "$ru" ] || fail "$rr: the kept domain's uuid is '$ku' (want a new one)"
expect_eq "$rr: the kept domain's vm path" "$(xenstore-read "/local/domain/$rid/vm")" "/vm/$ku"
xcd destroy "$kept" && xcd destroy "$rr" || fail "$rr: xcd destroy"

step "xcdd killed (as kill -9) with the devices up, before the unpause: the next xcdd rolls the create back"
old=$XCDD_PID; stop_xcdd
wait_for "! kill -0 $old" 20 || fail "xcdd (pid $old) did not stop on SIGTERM"
XCDD_TEST_CRASH_AT=create:devices start_xcdd -crash --hotplug-dir "$HOTPLUG"
cpid=$XCDD_PID
rm -f "$(console_log "$name")"
"$XCD_BIN/xcd" create "$cfg" && fail "xcd create answered although xcdd was to die after the devices"
wait_for "! kill -0 $cpid" 20 || fail "xcdd did not kill itself at create:devices"
XCDD_PID=
id3=$(domid "$name") || fail "no half-made domain $name left by the killed xcdd to roll back"
log "half-made: domid $id3, $(losetup -j "$DISK")"
start_xcdd -after --hotplug-dir "$HOTPLUG"
grep -E "domain $name.*its create did not finish.*rolled back" "$LAB_RUN/xcdd-after.log" ||
  { tail -n 20 "$LAB_RUN/xcdd-after.log"; fail "the new xcdd did not say it rolled the create back"; }
wait_for "! dom_exists $name" 30 || fail "$name (domid $id3) still there after the rollback"
gone "$id3"
[ -z "$(losetup -j "$DISK")" ] || fail "loop device over $DISK left by the rollback: $(losetup -j "$DISK")"
xcd list | awk -v n="$name" '$1 == n { exit 1 }' || fail "xcd list still shows $name"
keep "$LAB_RUN/xcdd-crash.log" "$LAB_RUN/xcdd-after.log"
keep_logs
log "ok"
