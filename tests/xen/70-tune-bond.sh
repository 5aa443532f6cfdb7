#!/bin/bash
# `xcd tune net apply|verify|confirm|revert` building a real bond on dom0's kernel (which has
# the bonding driver), in a network namespace of the scenario's own so that dom0's own
# interfaces are never touched: tests/xen/tune-netns (also run by `make check` as
# tests/system/tune/netns, where a kernel without bonding gets only its refusals).  Two veth
# pairs and a bridge br0 carrying the namespace's default route; apply --confirm builds bond0
# (active-backup, miimon 100) from them under br0, verify lists its members and reports one
# whose peer went down, revert and an unconfirmed apply (timed out, or found by a restarted
# xcdd) put every interface back as `ip -d -j link` showed it before.  xcdd runs on a
# simulated host here: the tuners read and change dom0's network, not Xen.
# xen-lab: timeout=300
. "$(dirname "$0")/lib.sh"
export XCDD=$XCD_BIN/xcdd XCD=$XCD_BIN/xcd XCD_SIM=$XCD_BIN/xcd-sim XCD_XENSTORED=$XCD_BIN/xcd-xenstored
export XCD_HOTPLUG_DIR=$XCD_BIN/hotplug
for p in "$XCDD" "$XCD" "$XCD_SIM" "$XCD_XENSTORED"; do
  [ -x "$p" ] || fail "no $p (check-xen copies the build's programs)"
done
# No bond0 of the driver's own in dom0's namespace when it loads.
modprobe bonding max_bonds=0 2>/dev/null || log "modprobe bonding failed: the kernel may load it itself"
step "tests/xen/tune-netns"
"$XCD_LAB_TESTS/tune-netns"
