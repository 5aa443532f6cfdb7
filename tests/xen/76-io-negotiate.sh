#!/bin/bash
# xen-lab: boot=own hw=io timeout=720 retry=no
# netback's and blkback's settings, applied by the I/O tuners, seen in what a guest negotiates
# (issue 11), on Linux 6.1's backends:
# - the host before: an administrator's /etc/modprobe.d file loads xen_blkback with
#   max_ring_page_order=0 max_queues=1 feature_persistent=N (the module reloaded with it, no
#   disk attached), and netback's max_queues is 1 (written at run time);
# - an io.conf asks net_queues = 2 and storage_queues = 2; `xcd tune net|storage plan` says
#   max_queues 1 -> 2 (netback), max_ring_page_order 0 -> 4 at the module's next load,
#   max_queues 1 -> 2 and feature_persistent N -> Y (blkback); `apply` writes sysfs and
#   /etc/modprobe.d/xcd-{netback,blkback}.conf; xen_blkback is reloaded (no disk attached)
#   for the ring order, and keeps the run-time values (they are in xcd's file, read after
#   the administrator's);
# - a PV guest made by `xcd create` with 2 vCPUs, a vif on xenbr0 (the hw=io NIC in it) and
#   a file-backed xvda starts: its netfront negotiates multi-queue-num-queues = 2, a
#   vifD.0-qN-guest-rx thread (and -dealloc) per queue, each queue's threads and IRQs on the
#   CPU xcdd placed it on (io.placed), and so in `xcd tune net show` (the live reader: one
#   rtnetlink dump, comm files, sched_getaffinity), which read-agree finds the same as
#   dom0's files say (when check-xen copied it); its blkfront negotiates multi-queue-num-queues = 2
#   and blkback says feature-persistent = 1; Linux's blkfront asks one ring page unless its
#   own max_ring_page_order says more (default 0), so the guest's initramfs is the lab's with
#   an /etc/rcS that loads xen-blkfront with max_ring_page_order=4 (a second cpio archive
#   appended, which Linux unpacks over the first), and it negotiates ring-page-order = 4;
# - `verify` passes for both; the guest goes; `revert` gives back netback's and blkback's
#   parameters in sysfs and /etc/modprobe.d as before, and blkback reloaded then has every
#   parameter as before.
# (boot=own, retry=no: the kernel's backends watch only the boot's first xenstored.)
. "$(dirname "$0")/lib.sh"

HOTPLUG=$XCD_BIN/hotplug
[ -x "$HOTPLUG/block" ] && [ -x "$HOTPLUG/vif-bridge" ] || fail "no hotplug scripts in $HOTPLUG (check-xen copies scripts/hotplug)"
NB=/sys/module/xen_netback/parameters BB=/sys/module/xen_blkback/parameters
ADMIN=/etc/modprobe.d/blkback-local.conf
DISK=/tmp/xcd-lab-neg.img
GUEST=neg
gsh() { "$XCD_LAB_TESTS/guest-sh" "$XCD_BIN/xcd" "$GUEST" "$@"; }
xsr() { timeout 5 xenstore-read "$1" 2>/dev/null; }
# blkfront_initrd OUT: the lab guest's initramfs, uncompressed, with a second newc archive
# after it holding an /etc/rcS that loads xen-blkfront with max_ring_page_order=4 first
blkfront_initrd() {
  python3 - "$XCD_LAB_GUEST_INITRD" "$1" <<'PY'
import gzip, sys
src, out = sys.argv[1:3]
data = open(src, "rb").read()
if data[:2] == b"\x1f\x8b":
    data = gzip.decompress(data)
def entries(buf):  # (name, mode, bytes) of a newc archive
    off = 0
    while off + 110 <= len(buf) and buf[off:off + 6] == b"070701":
        f = [int(buf[off + 6 + 8 * i:off + 14 + 8 * i], 16) for i in range(13)]
        mode, size, nsize = f[1], f[6], f[11]
        name = buf[off + 110:off + 110 + nsize - 1].decode()
        off = (off + 110 + nsize + 3) & ~3
        yield name, mode, buf[off:off + size]
        off = (off + size + 3) & ~3
        if name == "TRAILER!!!":
            return
rcs = [d for n, m, d in entries(data) if n in ("etc/rcS", "./etc/rcS")]
assert len(rcs) == 1, "no etc/rcS in " + src
loop = b"for m in /lib/mod/*.ko;"
assert loop in rcs[0], "etc/rcS does not load /lib/mod/*.ko as expected"
rc = rcs[0].replace(loop, b"insmod /lib/mod/xen-blkfront.ko max_ring_page_order=4\n" + loop, 1)
def member(name, mode, body, ino):
    n = name.encode() + b"\0"
    h = b"070701" + b"".join(b"%08X" % v for v in
        (ino, mode, 0, 0, 1, 0, len(body), 0, 0, 0, 0, len(n), 0))
    m = h + n
    m += b"\0" * (-len(m) % 4) + body
    return m + b"\0" * (-len(m) % 4)
extra = member("etc/rcS", 0o100755, rc, 900001) + member("TRAILER!!!", 0, b"", 0)
with open(out, "wb") as f:
    f.write(data + b"\0" * (-len(data) % 4) + extra)
PY
}
# params DIR: NAME=VALUE of each of the module's parameters, one line
params() { (cd "$1" && for f in *; do printf '%s=%s ' "$f" "$(cat "$f")"; done); }
modprobe_d() { (cd /etc/modprobe.d && for f in *; do echo "== $f"; cat "$f"; done) 2>/dev/null; }
reload_blkback() {
  wait_for "modprobe -r xen_blkback" 30 || { lsmod | grep -i blk; fail "xen_blkback cannot be unloaded"; }
  modprobe xen_blkback || fail "modprobe xen_blkback"
  log "xen_blkback reloaded: $(params $BB)"
}
trap 'rc=$?; stop_xcdd; destroy_guests; rm -f "$ADMIN" /etc/modprobe.d/xcd-blkback.conf /etc/modprobe.d/xcd-netback.conf; ip link del xenbr0 2>/dev/null; (exit $rc); _lab_exit' EXIT

step "the host before: blkback loaded by an administrator's modprobe.d file, netback's max_queues 1"
[ -d $NB ] && [ -d $BB ] || fail "xen_netback or xen_blkback not loaded (dom0-init loads them)"
log "as booted: netback $(params $NB); blkback $(params $BB)"
log "blkback's max_ring_page_order: $(stat -c %a $BB/max_ring_page_order) (read-only: load time only)"
mkdir -p /etc/modprobe.d
echo "options xen_blkback max_ring_page_order=0 max_queues=1 feature_persistent=N" >"$ADMIN"
reload_blkback
echo 1 >$NB/max_queues || fail "cannot write netback's max_queues"
for kv in max_ring_page_order=0 max_queues=1 feature_persistent=N; do
  expect_eq "blkback before: ${kv%%=*}" "$(cat $BB/${kv%%=*})" "${kv#*=}"
done
expect_eq "netback before: max_queues" "$(cat $NB/max_queues)" 1
nb_before=$(params $NB) bb_before=$(params $BB) md_before=$(modprobe_d)

modprobe virtio_net || fail "virtio_net did not load"
wait_for "nic_by_mac 52:54:00:58:43:01 >/dev/null" 30 || fail "the first extra NIC did not appear"
NIC0=$(nic_by_mac 52:54:00:58:43:01)
ip link add xenbr0 type bridge && ip link set xenbr0 up && ip link set "$NIC0" master xenbr0 &&
  ip link set "$NIC0" up || fail "cannot put $NIC0 in a bridge xenbr0"
wait_for "[ \"\$(cat /sys/class/net/$NIC0/carrier)\" = 1 ]" 20 || fail "$NIC0 has no carrier"
truncate -s 64M "$DISK" || fail "cannot make $DISK"

step "xcdd with the policy: plan and apply"
xcdd_setup
start_stock_xenstored c
start_xenconsoled
printf 'net_queues = 2\nstorage_queues = 2\n' >"$LAB_RUN/io.conf"
start_xcdd "" --hotplug-dir "$HOTPLUG" --io-policy "$LAB_RUN/io.conf" --io-place-wait 120
timeout 650 "$XCD_BIN/xcd" monitor >"$LAB_RUN/monitor.log" 2>&1 &
xcd tune net show || fail "xcd tune net show"
xcd tune storage show || fail "xcd tune storage show"
out=$(xcd tune net plan) || fail "xcd tune net plan: $out"
echo "$out"
np=$(xcd tune net plan --json) || fail "xcd tune net plan --json"
expect_eq "net plan: netback's max_queues" \
  "$(pyj '[(i["from"], i["to"], i["on_reload"]) for i in j["plan"] if i["kind"] == "change" and i["area"] == "netback"]' <<<"$np")" \
  "[('1', '2', False)]"
out=$(xcd tune storage plan) || fail "xcd tune storage plan: $out"
echo "$out"
sp=$(xcd tune storage plan --json) || fail "xcd tune storage plan --json"
expect_eq "storage plan: blkback's parameters" \
  "$(pyj '[(i["object"], i["from"], i["to"], i["on_reload"]) for i in j["plan"] if i["kind"] == "change" and i["area"] == "blkback"]' <<<"$sp")" \
  "[('xen_blkback.max_ring_page_order', '0', '4', True), ('xen_blkback.max_queues', '1', '2', False), ('xen_blkback.feature_persistent', 'N', 'Y', False)]"
grep -q "max_ring_page_order: 0 -> 4 \[at the next module load or boot\]" <<<"$out" ||
  fail "the storage plan does not say the ring order waits for the next load"

out=$(xcd tune net apply 2>&1) || fail "xcd tune net apply: $out"
echo "$out"
out=$(xcd tune storage apply 2>&1) || fail "xcd tune storage apply: $out"
echo "$out"
expect_eq "net apply: netback's max_queues" "$(cat $NB/max_queues)" 2
expect_eq "storage apply: blkback's max_queues" "$(cat $BB/max_queues)" 2
expect_eq "storage apply: blkback's feature_persistent" "$(cat $BB/feature_persistent)" Y
expect_eq "storage apply: max_ring_page_order waits for the next load" "$(cat $BB/max_ring_page_order)" 0
modprobe_d
grep -qx 'options xen_netback max_queues=2' /etc/modprobe.d/xcd-netback.conf ||
  fail "xcd-netback.conf does not keep max_queues=2"
grep -qx 'options xen_blkback max_ring_page_order=4 max_queues=2 feature_persistent=Y' /etc/modprobe.d/xcd-blkback.conf ||
  fail "xcd-blkback.conf does not hold the ring order with the run-time values"

step "xen_blkback reloaded for the ring order (no disk attached)"
reload_blkback
for kv in max_ring_page_order=4 max_queues=2 feature_persistent=Y; do
  expect_eq "blkback after the reload: ${kv%%=*}" "$(cat $BB/${kv%%=*})" "${kv#*=}"
done

step "a guest with 2 vCPUs, a vif on xenbr0 and xvda: what it negotiates"
blkfront_initrd "$LAB_RUN/neg-initrd" || fail "cannot make the guest's initramfs"
# 512 MiB: with persistent grants Linux's blkfront keeps a page for every grant a ring's
# requests may use, 512 requests x 33 a ring of order 4 (66 MiB a ring, 2 rings); the lab's
# 128 MiB guest did not boot with it (the first run of this scenario).
cfg=$(guest_cfg "$GUEST" pv vcpus=2 memory=512 "ramdisk=\"$LAB_RUN/neg-initrd\"" "disk=[\"$DISK,raw,xvda,rw\"]" \
  'vif=["bridge=xenbr0"]' on_poweroff='"destroy"')
cat "$cfg"
rm -f "$(console_log "$GUEST")"
timed -t 150 "$XCD_BIN/xcd" create "$cfg" || { tail -n 30 "$LAB_RUN/xcdd.log"; fail "xcd create $GUEST"; }
xcd_guest_booted "$GUEST" 200 || {
  tail -n 60 "$(console_log "$GUEST")"; xenstore-ls -f /local/domain | grep -E '/(vbd|vif)/.*/(state|ring-page-order|multi-queue-num-queues)' | head -20
  fail "$GUEST did not boot"; }
D=$GUEST_DOMID
grep -a XCDLAB_GUEST_READY "$(console_log "$GUEST")" | tail -n1
vbe=/local/domain/0/backend/vif/$D/0 vfe=/local/domain/$D/device/vif/0
bbe=/local/domain/0/backend/vbd/$D/51712 bfe=/local/domain/$D/device/vbd/51712
wait_for "[ \"\$(xsr $vbe/state)\" = 4 ] && [ \"\$(xsr $vfe/state)\" = 4 ] &&
          [ \"\$(xsr $bbe/state)\" = 4 ] && [ \"\$(xsr $bfe/state)\" = 4 ]" 90 ||
  { xenstore-ls -f /local/domain/0/backend | grep "/$D/" | head -30; fail "$GUEST's vif and vbd not connected"; }
log "vif backend offers multi-queue-max-queues=$(xsr $vbe/multi-queue-max-queues)"
expect_eq "the vif's frontend: multi-queue-num-queues" "$(xsr $vfe/multi-queue-num-queues)" 2
log "vbd backend offers max-ring-page-order=$(xsr $bbe/max-ring-page-order) multi-queue-max-queues=$(xsr $bbe/multi-queue-max-queues)"
expect_eq "the vbd's backend: max-ring-page-order offered" "$(xsr $bbe/max-ring-page-order)" 4
expect_eq "the vbd's frontend: multi-queue-num-queues" "$(xsr $bfe/multi-queue-num-queues)" 2
expect_eq "the vbd's backend: feature-persistent" "$(xsr $bbe/feature-persistent)" 1
log "the vbd's frontend: ring-page-order $(xsr $bfe/ring-page-order), feature-persistent $(xsr $bfe/feature-persistent)"

step "the guest's queue threads and IRQs where xcdd placed them"
io_placed "$GUEST"
p=$PLACED
log "io.placed: $p"
expect_eq "io.placed: both queues of vif$D.0 placed" \
  "$(pyj 'sorted(i["object"] for i in j["placed"] if i["area"] == "vif-queue")' <<<"$p")" \
  "['vif$D.0-q0', 'vif$D.0-q1']"
expect_eq "io.placed: nothing of vif$D.0 failed" "$(pyj '[f for f in j["failed"] if f["object"].startswith("vif")]' <<<"$p")" "[]"
cpus=
for q in 0 1; do
  cpu=$(pyj '[i["to"] for i in j["placed"] if i["object"] == "vif'"$D"'.0-q'"$q"'"][0]' <<<"$p")
  cpus="$cpus $cpu"
  n=0
  for f in $(grep -lE "^vif$D\.0-q$q-(guest|deall)" /proc/[0-9]*/comm 2>/dev/null); do
    pid=$(cut -d/ -f3 <<<"$f") name=$(cat "$f")
    expect_eq "thread $name ($pid) on CPU $cpu" \
      "$(awk -F'\t' '$1 == "Cpus_allowed_list:" { print $2 }' "/proc/$pid/status")" "$cpu"
    n=$((n + 1))
  done
  grep -qxE "vif$D\.0-q$q-guest(-rx)?" /proc/[0-9]*/comm 2>/dev/null || fail "no thread vif$D.0-q$q-guest-rx"
  [ $n = 2 ] || fail "queue $q: $n threads (guest-rx, dealloc) found, want 2"
  irqs=$(awk -v re="^vif$D\\\\.0-q$q(-tx|-rx)?\$" '$NF ~ re { sub(":", "", $1); print $1 }' /proc/interrupts)
  [ -n "$irqs" ] || { grep vif /proc/interrupts; fail "no IRQ of vif$D.0-q$q"; }
  for irq in $irqs; do
    expect_eq "IRQ $irq of vif$D.0-q$q on CPU $cpu" "$(cat "/proc/irq/$irq/smp_affinity_list")" "$cpu"
  done
  log "vif$D.0-q$q: 2 threads and IRQs $(echo $irqs) on CPU $cpu"
done
[ "$(tr ' ' '\n' <<<"$cpus" | sort -u | grep -c .)" = 2 ] || fail "both queues on one CPU:$cpus"
# `xcd tune net show` reads dom0 as a live host (one rtnetlink dump, comm files,
# sched_getaffinity): the vif, its queues' threads and their CPUs as the files say
j=$(xcd tune net show --json) || fail "xcd tune net show --json"
v=$(pyj "json.dumps([n for n in j['show']['nics'] if n['name'] == 'vif$D.0'])" <<<"$j")
expect_eq "net show: vif$D.0 is a vif of domain $D" "$(pyj '[(n["kind"], n["domid"], len(n["queues"])) for n in j]' <<<"$v")" "[('vif', $D, 2)]"
q=0
for cpu in $cpus; do
  expect_eq "net show: vif$D.0-q$q's threads on CPU $cpu" \
    "$(pyj '[(q["guest_rx"]["cpus"], q["dealloc"]["cpus"], q["guest_rx"]["pid"] > 0) for q in [j[0]["queues"]['"$q"']]]' <<<"$v")" \
    "[('$cpu', '$cpu', True)]"
  q=$((q + 1))
done
if [ -x "$XCD_BIN/read-agree" ]; then
  out=$("$XCD_BIN/read-agree" 2>&1) || { echo "$out"; fail "read-agree: dom0's files and the live reader differ"; }
  log "read-agree: $(grep -E '^(interfaces|processes):' <<<"$out" | tr '\n' ' ')"
else
  log "no $XCD_BIN/read-agree: the two readers not compared"
fi
rings=$(grep -lE "^(blkback\.)?$D\.xvda-" /proc/[0-9]*/comm 2>/dev/null | xargs -r cat | tr '\n' ' ')
log "blkback's ring threads of xvda: ${rings:-none}"

step "the guest's blkfront asked for 16 ring pages"
out=$(gsh 30 "grep -E '^(MemTotal|MemFree|MemAvailable):' /proc/meminfo") && log "the guest's memory: $(echo $out | tr -d '\r')"
out=$(gsh 60 "cat /sys/module/xen_blkfront/parameters/max_ring_page_order /sys/module/xen_blkfront/parameters/max_queues") ||
  { echo "$out"; fail "cannot read the guest's blkfront parameters"; }
log "the guest's xen_blkfront max_ring_page_order, max_queues: $(echo $out | tr -d '\r')"
expect_eq "the guest's blkfront: max_ring_page_order" "$(echo $out | tr -d '\r' | cut -d' ' -f1)" 4
expect_eq "the vbd's frontend: ring-page-order" "$(xsr $bfe/ring-page-order)" 4
out=$(gsh 60 "dd if=/dev/xvda of=/dev/null bs=1M count=8 iflag=direct 2>&1 && echo READ_OK") ||
  { echo "$out"; fail "the guest cannot read xvda"; }
grep -q READ_OK <<<"$out" || fail "the guest's read of xvda: $out"
log "xvda: ring-page-order 4, 2 queues, persistent grants; the guest reads it"

step "verify"
out=$(xcd tune net verify) || { echo "$out"; fail "xcd tune net verify failed"; }
echo "$out"
grep -q " 0 failed" <<<"$out" || fail "net verify: $out"
out=$(xcd tune storage verify) || { echo "$out"; fail "xcd tune storage verify failed"; }
echo "$out"
grep -q " 0 failed" <<<"$out" || fail "storage verify: $out"

step "the guest goes; revert"
xcd destroy "$GUEST" || fail "xcd destroy $GUEST"
out=$(xcd tune net revert 2>&1) || fail "xcd tune net revert: $out"
echo "$out"
out=$(xcd tune storage revert 2>&1) || fail "xcd tune storage revert: $out"
echo "$out"
expect_eq "revert: netback's parameters" "$(params $NB)" "$nb_before"
expect_eq "revert: blkback's max_queues" "$(cat $BB/max_queues)" 1
expect_eq "revert: blkback's feature_persistent" "$(cat $BB/feature_persistent)" N
expect_eq "revert: /etc/modprobe.d" "$(modprobe_d)" "$md_before"
reload_blkback
expect_eq "revert, then blkback reloaded: its parameters" "$(params $BB)" "$bb_before"
log "PASS"
