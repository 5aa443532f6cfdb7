#!/bin/bash
# xcdd on real Xen: the daemon (--backend xen) runs on Xen's C xenstored and xenconsoled, and
# `xcd` drives a PV and a PVH guest made from ordinary xl.cfg files (the lab's kernel and
# initramfs, no disk, no vif).  Cross-checked with Xen's own xl: xcd list agrees with xl list
# (name, domid, memory, vCPUs, the state's p/s/c/d flags), pause/unpause, mem-set (the guest's
# memory/target in xenstore), vcpu-pin (xl vcpu-list), then xcdd is killed with SIGKILL while
# both guests run and started again: it re-attaches them under the same domids.  Last,
# `xcd shutdown -w` of both (their Linux answers control/shutdown; on_poweroff destroys them)
# and `xcd destroy` of a third guest.  The PVH guest has 2 vCPUs (found by its Linux in the
# ACPI tables hv_xen writes).
# xen-lab: timeout=420
. "$(dirname "$0")/lib.sh"

xcdd_setup

# One line per guest: name domid memory vcpus flags, the state's running/blocked flags
# dropped (they change from one instant to the next).
norm() { awk 'NR > 1 && $2 != 0 { print $1, $2, $3, $4, "..." substr($5, 3) }' | sort; }
agree() {  # WHAT: xcd list and xl list say the same of the guests.  Memory: xcd shows the
  # target, xl what the guest holds, which reaches the target as the balloon works: 2 MiB apart
  # at most.
  local a b
  a=$(xcd list | norm) || fail "$1: xcd list failed"
  b=$(xl list | norm)
  printf 'xcd list:\n%s\nxl list:\n%s\n' "$a" "$b"
  [ "$(cut -d' ' -f1,2,4,5 <<<"$a")" = "$(cut -d' ' -f1,2,4,5 <<<"$b")" ] ||
    fail "$1: xcd list and xl list disagree"
  paste -d' ' <(cut -d' ' -f3 <<<"$a") <(cut -d' ' -f3 <<<"$b") |
    awk '{ d = $1 - $2; if (d < -2 || d > 2) exit 1 }' ||
    fail "$1: xcd list and xl list disagree on memory"
}

start_stock_xenstored c
start_xenconsoled
start_xcdd ""

declare -A ID
declare -A VCPUS=([pv]=1 [pvh]=2)
# The PVH guest's timer_mode and shadow_memory must reach Xen (read back below).
declare -A EXTRA=([pv]= [pvh]="timer_mode=\"one_missed_tick_pending\" shadow_memory=5")
for t in pv pvh; do
  name=xl-$t
  cfg=$(guest_cfg "$name" "$t" on_poweroff='"destroy"' vcpus=${VCPUS[$t]} ${EXTRA[$t]})
  step "$t: xcd create $cfg"
  cat "$cfg"
  rm -f "$(console_log "$name")"
  timed -t 150 "$XCD_BIN/xcd" create "$cfg" || { tail -n 30 "$LAB_RUN/xcdd.log"; fail "$t: xcd create failed"; }
done
for t in pv pvh; do
  xcd_guest_booted "xl-$t" 180 || fail "$t: xl-$t did not boot (XCDLAB_GUEST_READY, control/feature-suspend)"
  ID[$t]=$GUEST_DOMID
  expect_eq "$t: xl domid" "$(domid "xl-$t")" "${ID[$t]}"
  grep -aq "type=$(echo $t | tr a-z A-Z)\b" "$(console_log "xl-$t")" ||
    fail "$t: the guest does not call itself $t"
  grep -aq "XCDLAB_GUEST_READY.* cpus=${VCPUS[$t]}\b" "$(console_log "xl-$t")" ||
    fail "$t: the guest does not count ${VCPUS[$t]} CPUs"
done
step "pvh: timer_mode and shadow_memory as Xen has them"
params=$("$XCD_BIN/hv-probe" pvh-params "${ID[pvh]}") || fail "hv-probe pvh-params ${ID[pvh]}"
echo "$params"
[ "$params" = $'paging_pool_kb 5120\ntimer_mode 3' ] ||
  fail "pvh: want a paging pool of 5120 KiB (shadow_memory=5) and timer mode 3 (one_missed_tick_pending)"
agree "after create"
for t in pv pvh; do
  line=$(xcd list | awk -v n="xl-$t" '$1 == n')
  set -- $line
  expect_eq "$t: memory (MiB)" "$3" 128
  expect_eq "$t: vCPUs" "$4" "${VCPUS[$t]}"
done

for t in pv pvh; do
  name=xl-$t
  step "$t: pause / unpause"
  xcd pause "$name" || fail "$t: xcd pause"
  state=$(dom_state "$name"); log "xl state $state"
  [ "${state:2:1}" = p ] || fail "$t: after xcd pause xl shows '$state', want the p flag"
  agree "$t paused"
  xcd unpause "$name" || fail "$t: xcd unpause"
  state=$(dom_state "$name"); log "xl state $state"
  [ "${state:2:1}" = - ] || fail "$t: after xcd unpause xl shows '$state'"

  step "$t: mem-set 96m"
  xcd mem-set "$name" 96m || fail "$t: xcd mem-set"
  expect_eq "$t: memory/target" "$(timeout 5 xenstore-read /local/domain/${ID[$t]}/memory/target)" 98304
  # The guest's balloon driver gives the pages back: Xen's count follows.
  wait_for "[ \"\$(xl list $name | awk 'NR == 2 { print \$3 }')\" -le 98 ]" 60 ||
    fail "$t: the guest did not balloon down to 96 MiB ($(xl list "$name"))"
  agree "$t after mem-set"

  step "$t: vcpu-pin 0 to CPU 1"
  xcd vcpu-pin "$name" 0 1 || fail "$t: xcd vcpu-pin"
  xl vcpu-list "$name"
  xl vcpu-list "$name" | awk 'NR == 2 { exit !($4 == 1 && $7 == "1") }' ||
    fail "$t: xl vcpu-list does not show vCPU 0 on CPU 1 with affinity 1"
  xcd vcpu-list "$name"
done

step "kill -9 xcdd with both guests running; start it again"
kill -9 "$XCDD_PID"; wait "$XCDD_PID" 2>/dev/null; XCDD_PID=
start_xcdd -2
grep 're-attached' "$LAB_RUN/xcdd-2.log"
for t in pv pvh; do
  expect_eq "$t: domid after xcdd's restart" "$(xcd domid "xl-$t")" "${ID[$t]}"
done
agree "after xcdd's restart"

for t in pv pvh; do
  step "$t: xcd shutdown -w (the guest powers off; on_poweroff destroys it)"
  timed -t 90 "$XCD_BIN/xcd" shutdown -w --timeout=80 "xl-$t" ||
    { tail -n 20 "$(console_log "xl-$t")"; fail "$t: xcd shutdown -w"; }
  dom_exists "xl-$t" && fail "$t: xl-$t still listed after xcd shutdown -w"
  xcd list | awk -v n="xl-$t" '$1 == n { exit 1 }' || fail "$t: xcd list still shows xl-$t"
  xenstore-exists "/local/domain/${ID[$t]}" && fail "$t: /local/domain/${ID[$t]} left behind"
done

step "pv: xcd create of a third guest, xcd destroy while it boots"
cfg=$(guest_cfg xl-gone pv)
timed -t 150 "$XCD_BIN/xcd" create "$cfg" || fail "xl-gone: xcd create failed"
id=$(xcd domid xl-gone) || fail "xl-gone: xcd domid"
xcd destroy xl-gone || fail "xl-gone: xcd destroy"
dom_exists xl-gone && fail "xl-gone still listed after xcd destroy"
xenstore-exists "/local/domain/$id" && fail "xl-gone: /local/domain/$id left behind"

step "pv: xl destroy of a guest xcd made, then xcd create of it again at once"
# An administrator's xl habit: xcdd must not refuse the name for a domain Xen no longer has.
timed -t 150 "$XCD_BIN/xcd" create "$cfg" || fail "xl-gone: xcd create failed"
id=$(xcd domid xl-gone) || fail "xl-gone: xcd domid"
xl destroy xl-gone || fail "xl destroy xl-gone"
timed -t 150 "$XCD_BIN/xcd" create "$cfg" ||
  { tail -n 20 "$LAB_RUN/xcdd-2.log"; fail "xl-gone: xcd create after xl destroy failed"; }
id2=$(xcd domid xl-gone) || fail "xl-gone: xcd domid after xl destroy"
[ "$id2" != "$id" ] || fail "xl-gone: xcd shows the destroyed domid $id"
xcd destroy xl-gone || fail "xl-gone: xcd destroy"
agree "at the end"
xl list
keep "$LAB_RUN/xcdd.log" "$LAB_RUN/xcdd-2.log"
log "ok"
