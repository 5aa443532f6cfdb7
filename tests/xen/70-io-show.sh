#!/bin/bash
# xen-lab: boot=own hw=io timeout=300
# The I/O tuners' read side on real kernels (issue 11): dom0 has three more virtio NICs on
# one QEMU hub and one LUN on two paths (two virtio-scsi HBAs, one serial and WWN), so
# Linux's dm-multipath makes one map of two paths.  Through xcdd on Xen:
# - `xcd tune net show --json` lists the three NICs with their carrier; QEMU's set_link
#   (a pulled cable) turns one's carrier to 0, and back to 1;
# - `xcd tune storage show --json` lists the map with 2 live paths; with one path's SCSI
#   device offline, a known pattern written to the map and read back stays intact, show
#   says 1 live path and `verify` fails the map's path check naming it, then passes again
#   once the path is back.  Each path's HBA is the PCI device above it (multipathd knows
#   none off FC), so the map's two paths run through two HBAs.
. "$(dirname "$0")/lib.sh"

WWID=$IO_WWID

step "dom0's extra hardware"
io_hw_up

step "xcdd on Xen"
xcdd_setup
start_stock_xenstored c
start_xcdd ""

step "tune net show: the NICs and their carrier"
carrier() { xcd tune net show --json | pyj "[n['carrier'] for n in j['show']['nics'] if n['name'] == '$1'][0]"; }
j=$(xcd tune net show --json) || fail "xcd tune net show --json"
for n in $NIC0 $NIC1 $NIC2; do
  k=$(pyj "[n['kind'] for n in j['show']['nics'] if n['name'] == '$n']" <<<"$j")
  expect_eq "net show: $n is listed as physical" "$k" "['physical']"
done
expect_eq "net show: $NIC1's carrier" "$(carrier "$NIC1")" 1
lab_set_link io1 off
wait_for "[ \"\$(cat /sys/class/net/$NIC1/carrier)\" = 0 ]" 20 || fail "$NIC1 kept its carrier after set_link off"
expect_eq "net show: $NIC1's carrier with its link down" "$(carrier "$NIC1")" 0
expect_eq "net show: $NIC0's carrier meanwhile" "$(carrier "$NIC0")" 1
lab_set_link io1 on
wait_for "[ \"\$(cat /sys/class/net/$NIC1/carrier)\" = 1 ]" 20 || fail "$NIC1 got no carrier after set_link on"
expect_eq "net show: $NIC1's carrier back" "$(carrier "$NIC1")" 1

step "tune storage show: one map, two live paths"
live() { xcd tune storage show --json | pyj "[m['paths_live'] for m in j['show']['maps'] if m['wwid'] == '$WWID']"; }
j=$(xcd tune storage show --json) || fail "xcd tune storage show --json"
log "the map as show sees it: $(pyj "[(m['name'], [[p['dev'], p['dm_st'], p['chk_st'], p['hba']] for g in m['path_groups'] for p in g['paths']]) for m in j['show']['maps']]" <<<"$j")"
expect_eq "storage show: the map's live paths" "$(live)" "[2]"
# Off FC multipathd knows no HBA ("[undef]"): each path's is the PCI device above it
hbas=$(pyj "sorted(set(p['hba'] for m in j['show']['maps'] for g in m['path_groups'] for p in g['paths']))" <<<"$j")
log "the paths' HBAs: $hbas"
[[ $hbas =~ ^\[\'[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\',\ \'[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\'\]$ ]] ||
  fail "storage show: the two paths' HBAs are $hbas, not two PCI devices"
policy=$LAB_RUN/io.conf
printf 'storage_paths = 2\nstorage_hbas = 2\n' >"$policy"
pathcheck() { xcd tune storage verify --json --policy "$policy" |
  pyj "[(c['pass'], c['figure']) for c in j['verify']['checks'] if c['check'] == 'paths' and c['object'] == '$WWID']"; }
expect_eq "storage verify: the map's paths" "$(pathcheck)" "[(True, '2 paths, 2 HBAs')]"

step "one path offline: I/O goes on, show and verify say so"
echo offline >"/sys/block/$SDB/device/state" || fail "cannot take $SDB offline"
dd if=/dev/urandom of="$LAB_RUN/pattern" bs=1M count=8 status=none
dd if="$LAB_RUN/pattern" of="/dev/mapper/$WWID" bs=1M oflag=direct status=none ||
  fail "writing the pattern through the map with $SDB offline failed"
wait_for "[ \"\$(mp_live)\" = 1 ]" 30 || { multipathd show paths; fail "multipathd still counts 2 live paths"; }
cmp <(dd if="/dev/mapper/$WWID" bs=1M count=8 iflag=direct status=none) "$LAB_RUN/pattern" ||
  fail "the pattern read back through the map differs"
expect_eq "storage show: live paths with $SDB offline" "$(live)" "[1]"
expect_eq "storage verify: the map's path check fails" "$(pathcheck)" "[(False, '1 paths, 1 HBAs')]"
echo running >"/sys/block/$SDB/device/state" || fail "cannot bring $SDB back"
wait_for "[ \"\$(mp_live)\" = 2 ]" 60 || { multipathd show paths; fail "$SDB did not come back in multipathd"; }
expect_eq "storage show: live paths with $SDB back" "$(live)" "[2]"
expect_eq "storage verify: the map's path check passes again" "$(pathcheck)" "[(True, '2 paths, 2 HBAs')]"
cmp <(dd if="/dev/mapper/$WWID" bs=1M count=8 iflag=direct status=none) "$LAB_RUN/pattern" ||
  fail "the pattern read back with both paths differs"

log "PASS"
