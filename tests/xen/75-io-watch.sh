#!/bin/bash
# xen-lab: boot=own hw=io timeout=600
# xcdd keeping the I/O policy true over time on real Xen (issue 11), with the hw=io boot's
# extra NIC under the guests' bridge and its LUN on two paths (dm-multipath, multipathd):
# - a PV guest whose disk is the multipath map and whose vif is on xenbr0 starts: once its
#   netfront connected, xcdd places its vif queue's threads (vifD.0-q0-guest-rx, -dealloc,
#   found by their cut names) and IRQs on one CPU, and says so (io.placed, xcd monitor);
# - the NIC in xenbr0 loses its link (QEMU's set_link) and gets it back: io.link names it,
#   the bridge and the guest, from xcdd's rtnetlink socket (its periodic refresh is off);
# - one path of the map goes offline and comes back: io.path names the map, the path and the
#   guest whose disk sits on it, at once from the kernel's uevent (dm-multipath failing and
#   reinstating the path: "source": "uevent"), not from xcdd's poll of multipathd (every
#   30 s here, the safety net);
# - xcd info shows the map's live paths from what xcdd keeps;
# - `xcd tune storage verify --measure` reads the real dm device (O_DIRECT, read-only).
. "$(dirname "$0")/lib.sh"

WWID=35000c500a1b2c3d0   # as 70-io-show.sh
HOTPLUG=$XCD_BIN/hotplug

step "dom0's extra hardware, multipathd"
modprobe -a virtio_net virtio_scsi sd_mod dm_multipath dm_round_robin dm_service_time ||
  fail "modules for the hw=io boot did not load"
wait_for "nic_by_mac 52:54:00:58:43:01 >/dev/null" 30 || fail "the first extra NIC did not appear"
# (A second try finds udevd, multipathd and the bridge from the first.)
UDEVD=$(command -v systemd-udevd || echo /lib/systemd/systemd-udevd)
pidof systemd-udevd >/dev/null || "$UDEVD" --daemon || fail "systemd-udevd did not start"
udevadm trigger --action=add && udevadm settle -t 30 || log "udevadm settle: not settled"
# Its name once udev renamed it.
NIC0=$(nic_by_mac 52:54:00:58:43:01) || fail "the first extra NIC is gone"
disks=$(for d in /sys/block/sd*; do
  [ "$(cat "$d/device/vpd_pg80" 2>/dev/null | tr -cd 'A-Z0-9')" = XCDLABLUN0 ] && basename "$d"; done)
set -- $disks
[ $# = 2 ] || fail "expected 2 SCSI disks with serial XCDLABLUN0, found: ${disks:-none}"
SDB=$2
mkdir -p /etc/multipath
printf 'defaults {\n\tfind_multipaths no\n\tuser_friendly_names no\n\tpolling_interval 1\n}\n' >/etc/multipath.conf
multipathd show daemon >/dev/null 2>&1 || multipathd || fail "multipathd did not start"
mp_live() { multipathd show paths format "%d %t %T" 2>/dev/null | awk '$2 == "active" && $3 == "ready"' | wc -l; }
wait_for "[ \"\$(mp_live)\" = 2 ]" 60 || { multipathd show paths; fail "multipathd: not 2 ready paths"; }
wait_for "[ -b /dev/mapper/$WWID ]" 30 || { multipath -ll; fail "no map /dev/mapper/$WWID"; }
{ [ -d /sys/class/net/xenbr0 ] || ip link add xenbr0 type bridge; } && ip link set xenbr0 up &&
  ip link set "$NIC0" master xenbr0 && ip link set "$NIC0" up || fail "cannot put $NIC0 in a bridge xenbr0"
wait_for "[ \"\$(cat /sys/class/net/$NIC0/carrier)\" = 1 ]" 20 || fail "$NIC0 has no carrier"

step "xcdd on Xen, its I/O watch on"
xcdd_setup
start_stock_xenstored c
start_xenconsoled
printf 'storage_paths = 2\nstorage_hbas = 1\nstorage_target_mbytes = 1\n' >"$LAB_RUN/io.conf"
start_xcdd "" --hotplug-dir "$HOTPLUG" --io-policy "$LAB_RUN/io.conf" --io-refresh 30 \
  --io-place-wait 120
timeout 500 "$XCD_BIN/xcd" monitor >"$LAB_RUN/monitor.log" 2>&1 &

step "a guest on the map and on xenbr0: its queue placed"
cfg=$(guest_cfg iow pv "disk=[\"/dev/mapper/$WWID,raw,xvda,w\"]" 'vif=["bridge=xenbr0"]' \
  on_poweroff='"destroy"')
cat "$cfg"
xcd create "$cfg" || { tail -n 30 "$LAB_RUN/xcdd.log"; fail "xcd create iow"; }
xcd_guest_booted iow 200 || { tail -n 30 "$LAB_RUN/xcdd.log"; fail "iow did not boot"; }
D=$GUEST_DOMID
io_placed iow
p=$PLACED
log "io.placed: $p"
be=/local/domain/0/backend/vbd/$D/51712 fe=/local/domain/$D/device/vbd/51712
vbd_states="backend $(timeout 5 xenstore-read $be/state) frontend $(timeout 5 xenstore-read $fe/state)"
rings=$(grep -lE "^(blkback\.)?$D\.xvda-" /proc/[0-9]*/comm 2>/dev/null | xargs -r cat | tr '\n' ' ')
log "xvda: $vbd_states; blkback's threads: ${rings:-none}"
expect_eq "io.placed: the vif placed, nothing failed but what the host explains" \
  "$(pyj '[f["object"] for f in j["failed"]]' <<<"$p")" \
  "$([ "$vbd_states" = "backend 4 frontend 4" ] && echo "[]" || echo "['xvda']")"
[ "$vbd_states" = "backend 4 frontend 4" ] ||
  expect_eq "io.placed: xvda never connected, and it says so" \
    "$(pyj '[f["error"][:16] for f in j["failed"]]' <<<"$p")" "['no ring threads']"
expect_eq "io.placed: vif$D.0's queue 0 placed" "$(pyj '[i["object"] for i in j["placed"] if i["area"] == "vif-queue"][:1]' <<<"$p")" "['vif$D.0-q0']"
cpu=$(pyj '[i["to"] for i in j["placed"] if i["object"] == "vif'"$D"'.0-q0"][0]' <<<"$p")
# Their names, whole since Linux 5.17 (vifD.0-q0-guest-rx), cut at 15 before.
for t in guest dealloc; do
  f=$(grep -lE "^vif$D\.0-q0-$(printf '%.5s' "$t")" /proc/[0-9]*/comm 2>/dev/null | head -n1)
  [ -n "$f" ] || fail "no thread of vif$D.0-q0 named for $t"
  pid=$(cut -d/ -f3 <<<"$f")
  expect_eq "thread $(cat "$f") ($pid) on CPU $cpu" \
    "$(awk -F'\t' '$1 == "Cpus_allowed_list:" { print $2 }' "/proc/$pid/status")" "$cpu"
done
for irq in $(awk '/vif'"$D"'\.0-q0/ { sub(":", "", $1); print $1 }' /proc/interrupts); do
  expect_eq "IRQ $irq of vif$D.0-q0 on CPU $cpu" "$(cat "/proc/irq/$irq/smp_affinity_list")" "$cpu"
done

step "the bridge's NIC loses its link and gets it back"
lab_set_link io0 off
wait_for "heard io.link \"p['device'] == '$NIC0' and p['state'] == 'down' and p['bridge'] == 'xenbr0' and [g['name'] for g in p['guests']] == ['iow']\"" 30 ||
  { cat "$LAB_RUN/monitor.log"; fail "no io.link down for $NIC0 naming iow"; }
lab_set_link io0 on
wait_for "heard io.link \"p['device'] == '$NIC0' and p['state'] == 'up'\"" 30 ||
  fail "no io.link up for $NIC0"

step "a path of the map goes offline and comes back"
wait_for "xcd info --json | pyj 'j[\"io\"][\"path_events\"] and j[\"io\"][\"state\"] == \"ready\"' | grep -qx True" 60 ||
  fail "xcdd does not listen to uevents, or has no picture: $(xcd info --json)"
t0=$(date +%s%N)
echo offline >"/sys/block/$SDB/device/state" || fail "cannot take $SDB offline"
wait_for "heard io.path \"p['path'] == '$SDB' and p['state'] == 'down' and p['wwid'] == '$WWID' and [(g['name'], g['vdev']) for g in p['guests']] == [('iow', 'xvda')]\"" 60 ||
  { multipathd show paths; cat "$LAB_RUN/monitor.log"; fail "no io.path down for $SDB naming iow"; }
t1=$(date +%s%N)
# multipathd's checker (polling_interval 1) fails the path, the kernel's uevent follows.
log "io.path down $(( (t1 - t0) / 1000000 )) ms after $SDB went offline"
expect_eq "io.path down: from the kernel's uevent" \
  "$(heard io.path "p['path'] == '$SDB' and p['state'] == 'down' and p['source'] == 'uevent'" && echo uevent)" uevent
[ $(( (t1 - t0) / 1000000 )) -lt 15000 ] || fail "io.path came $(( (t1 - t0) / 1000000 )) ms after the path went offline"
info=$(xcd info) || fail "xcd info"
grep -q "io_maps *: 1 map, 1 of 2 paths live; $WWID 1 of 2 (down: $SDB)" <<<"$info" ||
  fail "xcd info: no degraded map: $info"
echo running >"/sys/block/$SDB/device/state" || fail "cannot bring $SDB back"
wait_for "heard io.path \"p['path'] == '$SDB' and p['state'] == 'up'\"" 60 ||
  { multipathd show paths; fail "no io.path up for $SDB"; }
expect_eq "io.path up: from the kernel's uevent" \
  "$(heard io.path "p['path'] == '$SDB' and p['state'] == 'up' and p['source'] == 'uevent'" && echo uevent)" uevent
grep -q "path $SDB is down (failed, .*, the kernel's uevent)" "$LAB_RUN/xcdd.log" ||
  fail "xcdd's log does not say the kernel told it"

step "verify --measure on the real map"
out=$(xcd tune storage verify --measure --seconds 2)
log "$out"
grep -qE "^pass: map $WWID: [0-9]+ MB/s read over 2\.[0-9] s" <<<"$out" ||
  fail "no measured rate of the map: $out"

xcd destroy iow || fail "xcd destroy iow"
multipathd shutdown >/dev/null 2>&1
log "PASS"
