#!/bin/bash
# xcd migrate of a PVH guest on real Xen, to localhost as xl does it (`xl migrate -s "" DOM
# "xl migrate-receive"`): one xcdd sends and receives (`xcd migrate -s "" DOM "xcd
# migrate-receive"`), the incoming copy named NAME--incoming meanwhile, under the
# migration's id as its uuid until the guest's is free (xcd/dm/mig_local.c).  xcdd runs on
# Xen's C xenstored and xenconsoled; the lab's PVH guest has a file-backed read-write disk
# (blkback, a loop device per copy: the block script shares a disk with the copy that
# replaces its domain) and a vif on the bridge xenbr0 (netback), and keeps a counter on its
# console (a line a second with its uptime).
# - `xcd migrate`: the pre-copy rounds while the guest runs, then the guest suspends itself
#   (control/shutdown), the last round, the receiver's handover: the counter and the uptime
#   go on in the new domain, named NAME, with the guest's uuid (xl list -v); the old domain
#   is gone, with its loop device; the new one's vbd and vif are Connected (4), and inside
#   the guest xvda and eth0 answer (typed on its console).  The copy's vbd and vif were up,
#   their hotplug scripts done, before the guest was asked to suspend (xcdd's log): the
#   scripts are not in its downtime.  The downtime xcd reports and the total time are logged.
# - a migration cut in the middle (the receiver's input ends after 4 MB of the stream, as a
#   dropped link or a killed receiver): refused, and the guest runs on here as before (same
#   domid, not paused nor suspended, its counter going on, its devices Connected), nothing
#   of the copy left; then moved again.
# - moved a third time, over TCP (`xcd migrate --transport tcp://127.0.0.1:PORT --streams 2`):
#   the same xcdd listens (--migration-listen) with a host credential that trusts itself; the
#   link is TLS 1.3 and says the receiver tells when its copy's devices are up (ALPN
#   xcdmig/1.1), and the suspend again waits for them.
# - `xcd shutdown -w`: the moved Linux answers control/shutdown; its loop device is freed.
# A boot of its own, as 60-xcd-devices.sh (kernel backends watch only the boot's first
# xenstored), and no second try (it would run on a later xenstored).
# xen-lab: timeout=600 boot=own retry=no
. "$(dirname "$0")/lib.sh"

# The host's credential, trusted by itself, for the move over TCP to this very xcdd
CRED=/tmp/xcd-lab-cred HOSTNAME_CRED=lab-dom0
rm -rf "$CRED" "$CRED.crt"
{ "$XCD_BIN/xcd" host-credential --dir "$CRED" create --name "$HOSTNAME_CRED" &&
  "$XCD_BIN/xcd" host-credential --dir "$CRED" show --pem >"$CRED.crt" &&
  "$XCD_BIN/xcd" host-credential --dir "$CRED" trust "$CRED.crt"; } >/dev/null ||
  fail "xcd host-credential: cannot make this host's credential and trust it"
devices_setup /tmp/xcd-lab-mig.img --credential-dir "$CRED" --migration-listen 127.0.0.1:0
PORT=$(xcd info --json | pyj 'j["migration_listen"].rsplit(":", 1)[1]') && [ -n "$PORT" ] ||
  fail "xcdd does not say where it listens for migrations (xcd info --json)"
grep -q "listening for migrations on 127.0.0.1:$PORT as host $HOSTNAME_CRED" "$LAB_RUN/xcdd.log" ||
  fail "xcdd's log does not say it listens on 127.0.0.1:$PORT as $HOSTNAME_CRED"

NAME=lm
CFG=$(guest_cfg "$NAME" pvh "disk=[\"$DISK,raw,xvda,rw\"]" 'vif=["bridge=xenbr0"]' \
  on_poweroff='"destroy"')
cat "$CFG"
RECV="$XCD_BIN/xcd migrate-receive"

xl_uuid() { xl list -v "$1" 2>/dev/null | awk 'NR == 2 { print $7 }'; }
# The guest's console log: xenconsoled names it after the domain's name when it connects
# the console, so the copies that came by migration (NAME--incoming then) log there.
logs() { echo "$(console_log "$NAME") $(console_log "$NAME--incoming")"; }
# last_tick: "N UPTIME" of the highest counter any copy printed
last_tick() {
  # shellcheck disable=SC2046 # one word per log
  grep -ah '^XCDLAB_TICK [0-9]' $(logs) 2>/dev/null | tr -d '\r' | cut -d' ' -f2,3 |
    sort -n | tail -n 1
}
LAST=
goes_on() {  # WHAT: the counter goes on past LAST, the uptime with it
  local now
  wait_for "t=\$(last_tick); [ -n \"\$t\" ] && [ \"\${t%% *}\" -gt ${LAST%% *} ]" 90 ||
    # shellcheck disable=SC2046 # one word per log
    { tail -n 20 $(logs); fail "$1: the guest's counter did not go on past '$LAST'"; }
  now=$(last_tick)
  awk -v a="${now#* }" -v b="${LAST#* }" 'BEGIN { exit !(a > b) }' ||
    fail "$1: the guest's uptime did not go on ('$LAST' -> '$now')"
  log "$1: the counter goes on: '$LAST' -> '$now'"
}
connected() {  # DOMID: vbd and vif backend and frontend Connected, hotplug done
  local id=$1 be=/local/domain/0/backend fe=/local/domain/$1/device loop
  wait_for "[ \"\$(timeout 5 xenstore-read $be/vbd/$id/51712/state)\" = 4 ] &&
            [ \"\$(timeout 5 xenstore-read $fe/vbd/51712/state)\" = 4 ] &&
            [ \"\$(timeout 5 xenstore-read $be/vif/$id/0/state)\" = 4 ] &&
            [ \"\$(timeout 5 xenstore-read $fe/vif/0/state)\" = 4 ]" 90 || {
    xenstore-ls -f "$be" 2>&1 | grep -E "/$id/.*(state|hotplug|physical-device)" | head -20
    tail -n 30 "$LAB_RUN/xcdd.log"
    fail "domain $id: devices not Connected within 90 s"
  }
  loop=$(timeout 5 xenstore-read "$be/vbd/$id/51712/physical-device-path")
  losetup -j "$DISK" | grep -q "^$loop:" || fail "domain $id: $loop is not a loop device over $DISK"
  [ "$(basename "$(readlink -f /sys/class/net/vif$id.0/master)")" = xenbr0 ] ||
    fail "domain $id: vif$id.0 is not on xenbr0"
  log "domain $id: vbd on $loop, vif$id.0 on xenbr0, all Connected"
}
only_one() {  # DOMID: NAME is that domain, alone; nothing of a migration's names
  local names
  wait_for "[ \"\$(xl list | awk 'NR > 1 && \$2 != 0' | wc -l)\" = 1 ]" 60 ||
    fail "more than one guest: $(xl list)"
  names=$(xl list | awk 'NR > 1 && $2 != 0 { print $1 }' | tr '\n' ' ')
  expect_eq "domains after the migration (xl list)" "$names" "$NAME "
  expect_eq "xl domid $NAME" "$(domid "$NAME")" "$1"
  expect_eq "xcd list" "$(xcd list | awk 'NR > 1 && $1 != "Domain-0" { print $1, $2 }' | tr '\n' ' ')" \
    "$NAME $1 "
  expect_eq "loop devices over $DISK" "$(losetup -j "$DISK" | wc -l)" 1
}

step "xcd create: a PVH guest with a disk and a vif"
rm -f $(logs)
timed -t 150 "$XCD_BIN/xcd" create "$CFG" || { tail -n 30 "$LAB_RUN/xcdd.log"; fail "xcd create"; }
xcd_guest_booted "$NAME" 180 || fail "$NAME did not boot"
ID=$GUEST_DOMID
UUID=$(xl_uuid "$NAME")
connected "$ID"
guest_tick_start "$ID" || fail "cannot type on the guest's console"
wait_for "t=\$(last_tick); [ -n \"\$t\" ] && [ \"\${t%% *}\" -gt 2 ]" 30 ||
  fail "the guest's counter did not start"

# before_suspend WHAT: the copy's devices were up (hotplug scripts done) before the guest
# was asked to suspend: their scripts are not in its downtime (this move's log lines, the last)
before_suspend() {
  local dev sus
  dev=$(grep -n 'receiving lm: its devices are up' "$LAB_RUN/xcdd.log" | tail -n 1 | cut -d: -f1)
  sus=$(grep -n 'lm: asked to suspend itself for the last round' "$LAB_RUN/xcdd.log" |
    tail -n 1 | cut -d: -f1)
  [ -n "$dev" ] && [ -n "$sus" ] && [ "$dev" -lt "$sus" ] ||
    fail "$1: the guest was asked to suspend (xcdd.log line ${sus:-none}) before its copy's" \
      "devices were up (line ${dev:-none}): their hotplug scripts ran in its downtime"
  log "$1: the copy's devices were up (xcdd.log line $dev) before the suspend (line $sus)"
}
move() {  # WHAT [HOW...]: xcd migrate to this very xcdd, HOW its transport and destination
          # (-s "" NAME "xcd migrate-receive" when none); ID := the new domid
  local t0 t1 new what=$1; shift
  [ $# -gt 0 ] || set -- -s "" "$NAME" "$RECV"
  set -- "$what" "$@"
  step "$1: xcd migrate ${*:2}"
  LAST=$(last_tick)
  t0=$(now_ms)
  timeout -k 5 300 "$XCD_BIN/xcd" migrate "${@:2}" >"$LAB_RUN/mig.out" 2>"$LAB_RUN/mig.err" ||
    { cat "$LAB_RUN/mig.err"; tail -n 40 "$LAB_RUN/xcdd.log"; fail "$1: xcd migrate"; }
  t1=$(now_ms)
  cat "$LAB_RUN/mig.err"
  new=$(domid "$NAME") || fail "$1: no domain $NAME after the migration"
  [ "$new" != "$ID" ] || fail "$1: $NAME is still domid $ID"
  wait_for "! xl list $ID >/dev/null 2>&1" 30 || fail "$1: the old domain $ID is still there"
  log "MIGRATION $1: domid $ID -> $new, total $((t1 - t0)) ms (xcd migrate's run), xcd says:" \
    "$(grep -o 'in [0-9]* ms, downtime [0-9]* ms, [0-9]* round(s), [0-9]* bytes sent' "$LAB_RUN/mig.err")"
  grep -q "lm: asked to suspend itself for the last round" "$LAB_RUN/xcdd.log" ||
    fail "$1: xcdd did not ask the guest to suspend itself"
  before_suspend "$1"
  ID=$new
  goes_on "$1"
  only_one "$ID"
  expect_eq "$1: the guest's uuid (xl list -v)" "$(xl_uuid "$NAME")" "$UUID"
  connected "$ID"
}
move "migration 1"
step "inside the moved guest: its disk and its network device"
guest_type "$ID" 'echo "XCDLAB_DEVS $(ls /sys/block | tr "\n" " ")/ $(ls /sys/class/net | tr "\n" " ")"' ||
  fail "cannot type on the moved guest's console"
# shellcheck disable=SC2046
wait_for "grep -ah '^XCDLAB_DEVS' $(logs) | grep -q 'xvda.*/.*eth0'" 30 ||
  fail "the moved guest has no xvda or no eth0: $(grep -ah '^XCDLAB_DEVS' $(logs) | tail -n 1)"
log "the moved guest says: $(grep -ah '^XCDLAB_DEVS' $(logs) | tail -n 1 | tr -d '\r')"

step "a migration cut in the middle: the receiver's input ends after 4 MB of the stream"
LAST=$(last_tick)
if timeout -k 5 300 "$XCD_BIN/xcd" migrate --compress off -s "" "$NAME" "head -c 4000000 | $RECV" \
  >"$LAB_RUN/cut.out" 2>"$LAB_RUN/cut.err"; then
  fail "the cut migration succeeded"
fi
cat "$LAB_RUN/cut.err"
grep -q "runs here as before" "$LAB_RUN/cut.err" || fail "the cut migration: $(tail -n 1 "$LAB_RUN/cut.err")"
wait_for "[ \"\$(xl list | awk 'NR > 1 && \$2 != 0' | wc -l)\" = 1 ]" 60 ||
  fail "the copy of the cut migration is still there: $(xl list)"
only_one "$ID"
case $(dom_state "$NAME") in ??p*|???s*) fail "after the cut: $NAME is $(dom_state "$NAME")" ;; esac
goes_on "after the cut"
connected "$ID"

move "migration 2, after the cut"

move "migration 3, over TCP" --transport "tcp://127.0.0.1:$PORT" --streams 2 "$NAME" "$HOSTNAME_CRED"
grep "migrating $NAME to $HOSTNAME_CRED .* at 127.0.0.1:$PORT over 2 data connection(s), TLS1.3" \
  "$LAB_RUN/xcdd.log" | tail -n 1 | grep -q "it tells when its copy's devices are up" ||
  fail "migration 3: xcdd's log does not say it moved $NAME over TLS 1.3 on 2 connections, its" \
    "receiver telling when the devices are up"
log "migration 3: $(grep "migrating $NAME to $HOSTNAME_CRED" "$LAB_RUN/xcdd.log" | tail -n 1)"

step "xcd shutdown -w: the moved guest answers control/shutdown"
timed -t 90 "$XCD_BIN/xcd" shutdown -w "$NAME" || fail "xcd shutdown -w of the moved guest"
wait_for "! dom_exists $NAME" 30 || fail "$NAME still there after its poweroff"
wait_for "[ -z \"\$(losetup -j $DISK)\" ]" 30 || fail "a loop device is left over $DISK: $(losetup -j "$DISK")"
keep "$LAB_RUN/xcdd.log"
log "ok"
