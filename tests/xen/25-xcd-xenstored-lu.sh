#!/bin/bash
# Live update of xcd-xenstored on real Xen with a PV guest running.  The new daemon adopts
# the event channel handle (hv_evtchn_adopt: xenevtchn_fdopen), maps the guest's ring again
# by the frame saved with the state (a foreign mapping through hv), binds VIRQ_DOM_EXC
# again, and serves dom0's kernel ring.  Proves: after the update the guest still talks on
# its ring in both directions (xl shutdown -w only returns if the guest read
# control/shutdown), @releaseDomain fires, dom0's ring works.
# xen-lab: timeout=240
. "$(dirname "$0")/lib.sh"
[ -x "$XCD_BIN/xcd-xenstored" ] || skip "xcd-xenstored not built"
XC=$XEN_LIBEXEC/xenstore-control
[ -x "$XC" ] || XC=$(command -v xenstore-control) || skip "no xenstore-control"

ring() { XENSTORED_PATH=/dev/xen/xenbus timeout 10 "$@"; }  # through dom0's kernel ring

start_xcd_xenstored
start_xenconsoled
cfg=$(guest_cfg xs-lu pv)
step "xl create a PV guest"
guest_create xs-lu "$cfg" || fail "xl create failed on xcd-xenstored"
id=$(domid xs-lu) || fail "xl domid xs-lu: no such domain"
dp=/local/domain/$id
guest_wait_ready xs-lu 90 || fail "the guest's console never showed XCDLAB_GUEST_READY"
wait_for "[ \"\$(xenstore-read $dp/control/feature-poweroff)\" = 1 ]" 30 ||
  fail "the guest never wrote $dp/control/feature-poweroff=1 through its ring"
xenstore-write /xcdlab/before-lu 1

step "live update: $XC live-update -F $XCD_BIN/xcd-xenstored"
pid=$(cat "$LAB_RUN/xenstored-fg.pid")
timed -t 60 "$XC" live-update -F "$XCD_BIN/xcd-xenstored" || fail "live-update failed"
kill -0 "$pid" 2>/dev/null || fail "xcd-xenstored (pid $pid) is gone after the update"
tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- --live-update || fail "the daemon did not re-execute itself"
expect_eq "a node written before the update" "$(xenstore-read /xcdlab/before-lu)" 1
expect_eq "dom0's ring after the update" "$(ring xenstore-read /local/domain/0/name)" Domain-0
got=$(python3 -c "from pyxs import Client
with Client(unix_socket_path='$XS_SOCKET') as c: print(c.is_domain_introduced($id))")
expect_eq "IS_DOMAIN_INTRODUCED $id after the update" "$got" True

step "xl shutdown -w after the update: the guest's ring and channel still work"
xenstore-watch -n 2 @releaseDomain >"$LAB_RUN/release.watch" 2>&1 &
wpid=$!
wait_for "[ -s $LAB_RUN/release.watch ]" 10 || fail "xenstore-watch @releaseDomain: no initial event"
guest_shutdown_wait xs-lu 90 || fail "xl shutdown -w xs-lu failed or timed out after the update"
wait_for "! dom_exists xs-lu" 30 || fail "xs-lu still listed 30 s after xl shutdown -w"
wait_for "! kill -0 $wpid" 20 || fail "no @releaseDomain after the update (VIRQ_DOM_EXC not bound again?)"
wait_for "! xenstore-exists $dp" 20 || fail "$dp still exists after the guest is gone"
kill -0 "$pid" 2>/dev/null || fail "xcd-xenstored died"
keep "$LAB_RUN/xcd-xenstored.trace"
log "ok"
