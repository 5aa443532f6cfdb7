#!/bin/bash
# xen-lab: boot=own hw=io timeout=420 retry=no
# The I/O tuners' write side on real Xen, with Linux's netback and blkback serving a PV guest
# (issue 11).  dom0 has three more virtio NICs on one QEMU hub and one LUN on two virtio-scsi
# HBAs (scripts/xen-lab's hw=io); the guest, made by `xcd create`, has a vif on the bridge
# xenbr0 and its second disk (xvdb) on the LUN's multipath map.
# - net: an io.conf asks for bond0 (active-backup) of the first two NICs under xenbr0;
#   `xcd tune net plan` then `apply` builds it; a peer in a network namespace on the third NIC
#   (the same hub) keeps a TCP stream to an echo server in the guest, and a ping, going
#   through the bond while QEMU takes the bond's active member's link down and up
#   (lab_set_link): the stream stays open with every line echoed in order, `verify` fails
#   naming the member while it is down and passes once it is back; `revert` gives back what
#   was there (`xcd tune net show --json` and `ip -d -j link` as before the apply).
# - storage: an io.conf asks for 2 paths; `apply` writes the device stanza for the array
#   (QEMU's disks) and reconfigures multipathd (`multipathd show config` has it); the guest
#   writes a pattern to xvdb and reads it back, in rounds, while one path's SCSI device is
#   offline (`echo offline > /sys/block/sdX/device/state`): no I/O error, the pattern intact
#   in the guest and read through the map in dom0; `verify` fails the map's path check with
#   one path, passes with both; `revert` gives back `xcd tune storage show --json` and
#   `multipathd show config` as before.
# (boot=own, retry=no: the kernel's backends watch only the boot's first xenstored.)
. "$(dirname "$0")/lib.sh"

HOTPLUG=$XCD_BIN/hotplug
[ -x "$HOTPLUG/block" ] && [ -x "$HOTPLUG/vif-bridge" ] || fail "no hotplug scripts in $HOTPLUG (check-xen copies scripts/hotplug)"
PEER=xcdpeer GUEST_IP=10.77.0.2 PEER_IP=10.77.0.1
gsh() { "$XCD_LAB_TESTS/guest-sh" "$XCD_BIN/xcd" "$GUEST" "$@"; }
in_peer() { ip netns exec "$PEER" "$@"; }
net_cleanup() {
  for p in "$LAB_RUN"/stream.pid "$LAB_RUN"/ping.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done
  ip netns del "$PEER" 2>/dev/null
  ip link del bond0 2>/dev/null
  ip link del xenbr0 2>/dev/null
}
trap 'rc=$?; stop_xcdd; destroy_guests; net_cleanup; (exit $rc); _lab_exit' EXIT

# The interfaces as `ip -d -j link` shows them, on what "as it was" means (tests/xen/tune-netns)
links() {
  ip -d -j link show | python3 -c '
import json, sys
for l in sorted(json.load(sys.stdin), key=lambda l: l["ifname"]):
    li = l.get("linkinfo", {})
    print(l["ifname"], l["ifindex"], ",".join(sorted(l.get("flags", []))), l.get("mtu"),
          l.get("master", "-"), l.get("address"), li.get("info_kind", "-"),
          li.get("info_slave_kind", "-"))'
}
# show --json, one line per leaf, for a readable diff; KEY... left out (what changes by itself)
flat() {
  python3 -c '
import json, sys
skip = set(sys.argv[1:])
def walk(p, v):
    if isinstance(v, dict):
        for k in sorted(v):
            if k not in skip: walk(p + "." + k, v[k])
    elif isinstance(v, list):
        for i, x in enumerate(v): walk("%s[%d]" % (p, i), x)
    else: print(p, json.dumps(v))
walk("", json.load(sys.stdin))' "$@"
}
same() {  # WHAT BEFORE NOW
  [ "$2" = "$3" ] && return 0
  diff <(echo "$2") <(echo "$3") | head -40
  fail "$1 differs from before the apply"
}

step "dom0's extra hardware"
io_hw_up
declare -A IO=([$NIC0]=io0 [$NIC1]=io1)
ip netns add "$PEER" && ip link set "$NIC2" netns "$PEER" &&
  ip -n "$PEER" addr add "$PEER_IP/24" dev "$NIC2" && ip -n "$PEER" link set "$NIC2" up &&
  ip -n "$PEER" link set lo up || fail "cannot put $NIC2 in the network namespace $PEER"
ip link add xenbr0 type bridge && ip link set xenbr0 up || fail "cannot make the bridge xenbr0"
log "$NIC0 and $NIC1 for the bond; $NIC2 in namespace $PEER ($PEER_IP), the guest's peer on the hub"
log "$NIC0's speed as virtio-net reports it: $(cat /sys/class/net/$NIC0/speed 2>&1)"

step "xcdd on Xen; a PV guest with a vif on xenbr0 and xvdb on the map"
xcdd_setup
start_stock_xenstored c
start_xenconsoled
start_xcdd "" --hotplug-dir "$HOTPLUG"
GUEST=io-guest
cfg=$(guest_cfg "$GUEST" pv "disk=[\"/dev/mapper/$IO_WWID,raw,xvdb,rw\"]" 'vif=["bridge=xenbr0"]')
rm -f "$(console_log "$GUEST")"
timed -t 150 "$XCD_BIN/xcd" create "$cfg" || { tail -n 30 "$LAB_RUN/xcdd.log"; fail "xcd create failed"; }
xcd_guest_booted "$GUEST" 150 || fail "$GUEST did not boot"
gid=$GUEST_DOMID
gsh 60 "ip addr add $GUEST_IP/24 dev eth0 && ip link set eth0 up && ls /sys/block | grep -c xvdb" >"$LAB_RUN/g.out" ||
  { cat "$LAB_RUN/g.out"; fail "the guest could not bring eth0 up"; }
expect_eq "the guest's xvdb" "$(tr -d '\r\n ' <"$LAB_RUN/g.out")" 1
gsh 20 "nc -ll -p 5000 -e /bin/cat &" >/dev/null || fail "the guest's echo server did not start"
log "guest $GUEST (domid $gid): eth0 $GUEST_IP on vif$gid.0, an echo server on port 5000"

# ================================================================ net
step "net: plan and apply a bond of $NIC0 and $NIC1 under xenbr0"
NETPOL=$LAB_RUN/io-net.conf
echo "bond = [ \"name=bond0,nics=$NIC0+$NIC1,lacp=no,bridge=xenbr0,miimon=100\" ]" >"$NETPOL"
links_before=$(links)
show_before=$(xcd tune net show --json | flat) || fail "xcd tune net show --json"
plan=$(xcd tune net plan --policy "$NETPOL") || { echo "$plan"; fail "xcd tune net plan"; }
echo "$plan"
grep -q "bond bond0: (none) -> bond" <<<"$plan" || fail "the plan does not make bond0"
confirm=()
grep -q "needs --confirm" <<<"$plan" && confirm=(--confirm 120)
out=$(xcd tune net apply --policy "$NETPOL" "${confirm[@]}" 2>&1) || { echo "$out"; fail "xcd tune net apply failed"; }
echo "$out"
[ ${#confirm[@]} = 0 ] || xcd tune net confirm || fail "xcd tune net confirm"
j=$(ip -d -j link show bond0) || fail "no bond0 after apply"
expect_eq "bond0's mode" "$(pyj 'j[0]["linkinfo"]["info_data"]["mode"]' <<<"$j")" active-backup
expect_eq "bond0's master" "$(pyj 'j[0].get("master")' <<<"$j")" xenbr0
for n in $NIC0 $NIC1; do
  expect_eq "$n's master" "$(ip -j link show "$n" | pyj 'j[0].get("master")')" bond0
done
wait_for "[ \$(grep -c '^MII Status: up' /proc/net/bonding/bond0) = 3 ]" 30 ||
  { cat /proc/net/bonding/bond0; fail "bond0 and its two members are not all up"; }
out=$(xcd tune net verify --policy "$NETPOL") || { echo "$out"; fail "verify after apply failed"; }
echo "$out" | grep -E "bond bond0"

step "net: a TCP stream and a ping from $PEER to the guest, through bond0"
wait_for "in_peer busybox ping -c 1 -W 1 $GUEST_IP" 60 || fail "no ping answer from the guest through bond0"
# One line every 100 ms, each echoed by the guest; the progress file says sent, echoed, the
# longest wait for an echo (ms); the stream ends when the stop file appears.
in_peer python3 - "$GUEST_IP" "$LAB_RUN/stream.stop" "$LAB_RUN/stream.progress" >"$LAB_RUN/stream.out" 2>&1 <<'PY' &
import os, socket, sys, time
host, stop, prog = sys.argv[1:4]
s = socket.create_connection((host, 5000), timeout=10)
s.settimeout(0.05)
sent = got = 0
buf = b""
t_next = last = time.monotonic()
gap = 0.0
def progress():
    with open(prog + ".tmp", "w") as f:
        f.write("%d %d %d\n" % (sent, got, gap * 1000))
    os.replace(prog + ".tmp", prog)
end = None
while True:
    now = time.monotonic()
    if end is None and os.path.exists(stop):
        end = now + 20  # the last echoes may take a retransmission or two
    if end is not None and (got == sent or now > end):
        break
    if end is None and now >= t_next:
        s.sendall(b"%d\n" % sent)
        sent += 1
        t_next = now + 0.1
    try:
        d = s.recv(65536)
    except socket.timeout:
        d = None
    if d == b"":
        print("stream: the guest closed the connection after %d of %d echoes" % (got, sent))
        sys.exit(1)
    if d:
        buf += d
        *lines, buf = buf.split(b"\n")
        for l in lines:
            if int(l) != got:
                print("stream: echo %r where %d was due" % (l, got))
                sys.exit(1)
            got += 1
        gap = max(gap, now - last)
        last = now
    elif got < sent:
        gap = max(gap, now - last)
    progress()
progress()
print("stream: %d lines sent, %d echoed, longest wait %d ms" % (sent, got, gap * 1000))
sys.exit(0 if got == sent else 1)
PY
echo $! >"$LAB_RUN/stream.pid"
echoed() { read -r _ g _ <"$LAB_RUN/stream.progress" 2>/dev/null && echo "${g:-0}"; }
wait_for "[ \"\$(echoed)\" -ge 20 ]" 30 || { cat "$LAB_RUN/stream.out"; fail "the stream did not start"; }
active=$(sed -n 's/^Currently Active Slave: //p' /proc/net/bonding/bond0)
[ -n "${IO[$active]:-}" ] || fail "bond0's active member is '$active', not $NIC0 or $NIC1"
log "stream going ($(echoed) lines echoed); bond0's active member: $active (QEMU's ${IO[$active]})"
# A ping every 200 ms for 40 s, over the link's loss and return; it ends by itself with its
# counts (a background job of this shell ignores SIGINT).
ip netns exec "$PEER" busybox ping -i 0.2 -c 200 "$GUEST_IP" >"$LAB_RUN/ping.out" 2>&1 &
echo $! >"$LAB_RUN/ping.pid"
sleep 1

step "net: $active's link down: the stream goes on through the other member; verify names it"
lab_set_link "${IO[$active]}" off
wait_for "grep -qz 'Slave Interface: $active.MII Status: down' /proc/net/bonding/bond0" 20 ||
  { cat /proc/net/bonding/bond0; fail "bond0 did not see $active go down"; }
log "bond0: $active down, active member now $(sed -n 's/^Currently Active Slave: //p' /proc/net/bonding/bond0)"
e0=$(echoed)
out=$(xcd tune net verify --policy "$NETPOL"); st=$?
echo "$out" | grep -E "bond bond0"
expect_eq "verify with $active down: status" "$st" 2
grep -q "FAIL bond bond0: $active down" <<<"$out" || fail "verify does not name $active down"
wait_for "[ \"\$(echoed)\" -ge $((e0 + 30)) ]" 30 ||
  { cat "$LAB_RUN/stream.progress" "$LAB_RUN/stream.out"; fail "the stream stalled with $active down"; }
log "with $active down: $(( $(echoed) - e0 )) more lines echoed"
lab_set_link "${IO[$active]}" on
wait_for "! grep -qz 'Slave Interface: $active.MII Status: down' /proc/net/bonding/bond0" 20 ||
  { cat /proc/net/bonding/bond0; fail "bond0 did not see $active come back"; }
out=$(xcd tune net verify --policy "$NETPOL") || { echo "$out"; fail "verify with $active back failed"; }
echo "$out" | grep -E "bond bond0: every member"
e1=$(echoed)
wait_for "[ \"\$(echoed)\" -ge $((e1 + 20)) ]" 30 || fail "the stream stalled after $active came back"
touch "$LAB_RUN/stream.stop"
wait_for "! kill -0 $(cat "$LAB_RUN/stream.pid")" 30 || fail "the stream did not end"
wait "$(cat "$LAB_RUN/stream.pid")"; st=$?
rm -f "$LAB_RUN/stream.pid"
cat "$LAB_RUN/stream.out"
[ "$st" = 0 ] || fail "the TCP stream to the guest did not survive $active's link going down and up"
wait_for "! kill -0 $(cat "$LAB_RUN/ping.pid")" 60 || fail "ping did not end"
rm -f "$LAB_RUN/ping.pid"
lost=$(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) packets received.*/\1 \2/p' "$LAB_RUN/ping.out")
[ -n "$lost" ] || { cat "$LAB_RUN/ping.out"; fail "no ping summary"; }
set -- $lost
log "ping through the link's loss and return: $1 sent, $2 answered, $(( $1 - $2 )) lost"
[ $(( $1 - $2 )) -le 10 ] || fail "ping lost $(( $1 - $2 )) of $1 replies (more than 2 s of them)"

step "net: revert"
out=$(xcd tune net revert) || { echo "$out"; fail "xcd tune net revert"; }
echo "$out"
[ -e /sys/class/net/bond0 ] && fail "bond0 is still there after revert"
same "ip -d -j link" "$links_before" "$(links)"
same "xcd tune net show --json" "$show_before" "$(xcd tune net show --json | flat)"
log "net: the interfaces and show --json as before the apply"

# ================================================================ storage
step "storage: plan and apply for the map's two paths"
STPOL=$LAB_RUN/io-storage.conf
printf 'storage_paths = 2\n' >"$STPOL"
multipathd show maps json >"$LAB_RUN/maps.json"
log "multipathd's view of the paths: $(pyj "[(p['dev'], p['host_adapter'], p['host_wwpn']) for m in j['maps'] for g in m['path_groups'] for p in g['paths']]" <"$LAB_RUN/maps.json")"
# blkback's ring thread of xvdb: Linux 6.1 names it "DOMID.xvdb-N" (older ones "blkback.DOMID.xvdb-N")
j=$(xcd tune storage show --json) || fail "xcd tune storage show --json"
rings=$(pyj "[(t['comm'], t['cpus_allowed']) for t in j['show']['ring_threads'] if t['domid'] == $gid]" <<<"$j")
disk=$(pyj "[(d['vdev'], d['map']) for d in j['show']['disks'] if d['domid'] == $gid]" <<<"$j")
log "the guest's disk: $disk; its ring threads as show has them: $rings"
[[ $rings =~ \(\'(blkback\.)?$gid\.xvdb-[0-9]+\' ]] || {
  for c in /proc/[0-9]*/comm; do read -r n <"$c" 2>/dev/null && [[ $n == *xvdb* ]] && echo "${c#/proc/}: $n"; done
  fail "storage show: no ring thread $gid.xvdb-N for the guest's disk"; }
expect_eq "storage show: the guest's disk on the map" "$disk" "[('xvdb', '$IO_WWID')]"
config_before=$(multipathd show config)
# last_cpu: where a ring thread last ran, which the scheduler changes by itself; text: the
# human rendering, which says the same ("last on N")
sshow_before=$(xcd tune storage show --json | flat last_cpu text) || fail "xcd tune storage show --json"
plan=$(xcd tune storage plan --policy "$STPOL") || { echo "$plan"; fail "xcd tune storage plan"; }
echo "$plan"
out=$(xcd tune storage apply --policy "$STPOL" 2>&1) || { echo "$out"; fail "xcd tune storage apply failed"; }
echo "$out"
[ -s /etc/multipath/conf.d/xcd.conf ] || fail "apply wrote no /etc/multipath/conf.d/xcd.conf"
cat /etc/multipath/conf.d/xcd.conf
# The stanza as multipathd took it: the device section for QEMU's disks
stanza=$(multipathd show config | awk '/^devices \{/ { d = 1; next } d && /^\}/ { d = 0 }
  d && /^\tdevice \{/ { s = "" } d { s = s $0 "\n" } d && /^\t\}/ && s ~ /vendor "\^?QEMU/ { printf "%s", s }')
echo "$stanza"
for want in 'path_selector "service-time 0"' 'no_path_retry 12' 'fast_io_fail_tmo 5' 'dev_loss_tmo 120'; do
  grep -qF "$want" <<<"$stanza" || fail "multipathd show config: no '$want' in QEMU's device stanza"
done
wait_for "[ \"\$(mp_live)\" = 2 ]" 30 || { multipathd show paths; fail "not 2 live paths after the reconfigure"; }
# the map's path check: pass or fail, and the figure ('2 paths, 2 HBAs')
pathcheck() { xcd tune storage verify --json --policy "$STPOL" |
  pyj "' '.join('%s %s' % (c['pass'], c['figure']) for c in j['verify']['checks'] if c['check'] == 'paths' and c['object'] == '$IO_WWID')"; }
log "verify after apply: $(pathcheck)"

step "storage: the guest writes and reads back a pattern on xvdb while $SDB is offline"
gsh 60 "dd if=/dev/urandom of=/tmp/pat bs=1M count=16 status=none && md5sum /tmp/pat" >"$LAB_RUN/g.out" ||
  { cat "$LAB_RUN/g.out"; fail "the guest could not make its pattern"; }
sum=$(awk '{ print $1; exit }' "$LAB_RUN/g.out")
log "the guest's pattern: 16 MiB, md5 $sum"
con=$(console_log "$GUEST")
gsh 20 'i=0; (while [ ! -e /tmp/stop ]; do i=$((i+1)); dd if=/tmp/pat of=/dev/xvdb bs=1M oflag=direct status=none || echo IO_ERROR_write_$i; dd if=/dev/xvdb of=/tmp/back bs=1M count=16 iflag=direct status=none || echo IO_ERROR_read_$i; cmp -s /tmp/pat /tmp/back && echo IO_ROUND_OK_$i || echo IO_ROUND_BAD_$i; done; echo IO_LOOP_END_$i) &' >/dev/null ||
  fail "the guest's I/O loop did not start"
rounds() { grep -ac 'IO_ROUND_OK_[0-9]' "$con"; }
wait_for "[ \"\$(rounds)\" -ge 1 ]" 90 || fail "the guest's first I/O round did not finish"
echo offline >"/sys/block/$SDB/device/state" || fail "cannot take $SDB offline"
log "$SDB offline after $(rounds) round(s)"
wait_for "[ \"\$(mp_live)\" = 1 ]" 30 || { multipathd show paths; fail "multipathd still counts 2 live paths"; }
r0=$(rounds)
pc=$(pathcheck)
log "verify with $SDB offline: $pc"
expect_eq "storage verify with $SDB offline: the map's path check" "${pc%%,*}" "False 1 paths"
wait_for "[ \"\$(rounds)\" -ge $((r0 + 2)) ]" 120 || fail "the guest's I/O did not go on with $SDB offline"
log "with $SDB offline: $(( $(rounds) - r0 )) more rounds"
echo running >"/sys/block/$SDB/device/state" || fail "cannot bring $SDB back"
wait_for "[ \"\$(mp_live)\" = 2 ]" 60 || { multipathd show paths; fail "$SDB did not come back in multipathd"; }
pc=$(pathcheck)
log "verify with $SDB back: $pc"
expect_eq "storage verify with $SDB back: the map's path check" "${pc%%,*}" "True 2 paths"
r1=$(rounds)
wait_for "[ \"\$(rounds)\" -ge $((r1 + 1)) ]" 90 || fail "the guest's I/O did not go on with $SDB back"
gsh 20 "touch /tmp/stop" >/dev/null || fail "cannot stop the guest's I/O loop"
wait_for "grep -aq 'IO_LOOP_END_[0-9]' $con" 90 || fail "the guest's I/O loop did not end"
grep -a 'IO_ERROR_[a-z]*_[0-9]\|IO_ROUND_BAD_[0-9]' "$con" && fail "the guest saw I/O errors or a changed pattern"
log "the guest: $(rounds) rounds, every one read back intact, no I/O error"
expect_eq "the pattern read through the map in dom0" \
  "$(dd if="/dev/mapper/$IO_WWID" bs=1M count=16 iflag=direct status=none | md5sum | cut -d' ' -f1)" "$sum"

step "storage: revert"
out=$(xcd tune storage revert) || { echo "$out"; fail "xcd tune storage revert"; }
echo "$out"
[ -e /etc/multipath/conf.d/xcd.conf ] && fail "/etc/multipath/conf.d/xcd.conf is still there after revert"
same "multipathd show config" "$config_before" "$(multipathd show config)"
# multipathd reloads the map at the reconfigure: its path group is "enabled" until I/O picks
# it again ("active"), DM's state of the moment, not the configuration: a read does that.
sshow_now() { xcd tune storage show --json | flat last_cpu text; }
wait_for "dd if=/dev/mapper/$IO_WWID of=/dev/null bs=4k count=1 iflag=direct status=none;
  [ \"\$(sshow_now)\" = \"\$sshow_before\" ]" 30
same "xcd tune storage show --json" "$sshow_before" "$(sshow_now)"
log "storage: multipathd's config and show --json as before the apply"

xcd destroy "$GUEST" || fail "xcd destroy $GUEST"
log "PASS"
