#!/bin/bash
# xcd-consoled as the console backend on real Xen, in place of xenconsoled (the lab's dom0
# boots without one). With Xen's C xenstored and xl as the toolstack, proves the hv Xen
# backend's side of it: the PV guest's ring, found by console/ring-ref, is mapped, its event
# channel bound, console/tty written; the guest's boot reaches the log file and the pty;
# what is typed on the pty reaches the guest's shell (busybox on hvc0) and its answer comes
# back; xl destroy closes the console; SIGTERM is a clean exit; and with xenconsoled
# running, xcd-consoled refuses to start.
# xen-lab: timeout=240
. "$(dirname "$0")/lib.sh"
[ -x "$XCD_BIN/xcd-consoled" ] || skip "xcd-consoled not built"

start_stock_xenstored c
step "xcd-consoled in place of xenconsoled"
"$XCD_BIN/xcd-consoled" --foreground --verbose --log-dir "$LAB_CONSOLES" \
  2>"$LAB_RUN/xcd-consoled.log" &
cpid=$!
# lib.sh's exit trap cleans up the lab; ours stops xcd-consoled first.
trap 'rc=$?; kill $cpid 2>/dev/null; (exit $rc); _lab_exit' EXIT
wait_for "grep -q 'serving consoles' $LAB_RUN/xcd-consoled.log" 20 ||
  fail "xcd-consoled did not start: $(cat "$LAB_RUN/xcd-consoled.log")"
grep "hypervisor:" "$LAB_RUN/xcd-consoled.log"

cfg=$(guest_cfg cons-pv pv)
step "xl create a PV guest"
guest_create cons-pv "$cfg" || fail "xl create failed"
id=$(domid cons-pv) || fail "no domain cons-pv after xl create"
dp=/local/domain/$id
wait_for "[ -n \"\$(xenstore-read $dp/console/tty 2>/dev/null)\" ]" 30 ||
  fail "$dp/console/tty never written: $(cat "$LAB_RUN/xcd-consoled.log")"
tty=$(xenstore-read "$dp/console/tty")
log "console/tty = $tty"
guest_wait_ready cons-pv 90 || fail "the guest's console log never showed XCDLAB_GUEST_READY"

step "the pty: the boot, then a command typed to the guest's shell and its answer"
python3 - "$tty" <<'PY' || fail "the pty did not carry the guest's console both ways"
import os, select, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
def until(pat, secs):
    seen, end = b"", time.monotonic() + secs
    while pat not in seen and time.monotonic() < end:
        if select.select([fd], [], [], 0.5)[0]:
            seen += os.read(fd, 4096)
    return pat in seen, seen
ok, seen = until(b"XCDLAB_GUEST_READY", 20)
print("boot seen on the pty:", ok)
os.write(fd, b"\recho XCD_INPUT_$((6*7))\r")
ok2, seen2 = until(b"XCD_INPUT_42", 30)
print("answer seen on the pty:", ok2, repr(seen2[-200:]))
sys.exit(0 if ok and ok2 else 1)
PY

step "xl destroy closes the console"
timed xl destroy cons-pv || fail "xl destroy failed"
wait_for "grep -q 'domain $id: console $tty closed' $LAB_RUN/xcd-consoled.log" 20 ||
  fail "xcd-consoled did not close the console of domain $id"
kill -TERM "$cpid"
wait "$cpid"
expect_eq "xcd-consoled's exit status after SIGTERM" "$?" 0
keep "$LAB_RUN/xcd-consoled.log" "$(console_log cons-pv)"

step "with xenconsoled running, xcd-consoled refuses to start"
start_xenconsoled
"$XCD_BIN/xcd-consoled" --foreground 2>"$LAB_RUN/refused.log"
expect_eq "xcd-consoled's status beside xenconsoled" "$?" 1
grep -q "Xen's xenconsoled (pid" "$LAB_RUN/refused.log" || fail "no reason given: $(cat "$LAB_RUN/refused.log")"
log "pass"
