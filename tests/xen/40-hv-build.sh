#!/bin/bash
# hv's Xen backend builds domains: hv-probe (hv + libxenstore only, no libxl) creates and
# builds a PV and a PVH guest from the lab's kernel and initramfs, writes their xenstore
# entries, introduces them to Xen's C xenstored and unpauses them.  Checked with Xen's own
# tools: the guests boot (console via xenconsoled, xenbus up: control/feature-* written by
# Linux), xl list shows them; then pause/unpause, vCPU pinning (xl vcpu-list), max memory,
# memory target, vCPU context, a foreign mapping of the console ring (its text is what the
# guest printed), log-dirty on the running PVH guest (PV: Xen refuses, no shadow paging
# here), suspend through control/shutdown and fast resume, a clean poweroff through
# control/shutdown (after the resume: the guest still runs its xenbus), destroy.  Before its
# poweroff the PVH guest is moved into a new domain through hv alone (hv-probe clone: suspend,
# memory map, CPU policy, TSC, HVM params and context read and given to a new domain, each
# read back): a counter its shell keeps goes on there, and its uptime.  The PVH
# guest has 2 vCPUs: hv_xen writes the ACPI tables (MADT) in which Linux finds them, and
# its init must count 2 CPUs.
# xen-lab: timeout=420
. "$(dirname "$0")/lib.sh"

PROBE=$XCD_BIN/hv-probe
[ -x "$PROBE" ] || fail "no $PROBE (make builds tests/xen/hv-probe; check-xen copies it)"
export XCD_HV_PROBE_DEBUG=${XCD_TEST_HV_DEBUG:-0}

start_stock_xenstored c
start_xenconsoled

step "a PVH domain with more vCPUs than its MADT can describe (129) is refused"
"$PROBE" refuse-pvh-big || fail "hv-probe refuse-pvh-big"

declare -A ID
declare -A VCPUS=([pv]=1 [pvh]=2)
start() {  # TYPE: create + build + xenstore + introduce + unpause, then xl list must agree
  local type=$1 name=hvb-$1 id line
  step "$type: hv-probe start $name"
  rm -f "$(console_log "$name")"
  local t0=$(now_ms) rc=0
  XCD_HV_PROBE_DEBUG=1 timeout -k 5 120 "$PROBE" start "$type" "$name" "$XCD_LAB_GUEST_KERNEL" \
    "$XCD_LAB_GUEST_INITRD" "console=hvc0" 128 "${VCPUS[$type]}" >"$LAB_RUN/probe-start-$type.out" \
    2>"$LAB_RUN/probe-start-$type.log" || rc=$?
  log "$type: hv-probe start: rc=$rc in $(( $(now_ms) - t0 )) ms"
  grep '^hv-probe' "$LAB_RUN/probe-start-$type.log"
  keep "$LAB_RUN/probe-start-$type.log"
  [ $rc = 0 ] || { tail -n 40 "$LAB_RUN/probe-start-$type.log"; fail "$type: hv-probe start failed (rc=$rc)"; }
  id=$(cat "$LAB_RUN/probe-start-$type.out")
  ID[$type]=$id
  xl_list_is "$type" "$name" "$id"
}

booted() {  # TYPE: the guest's console and its xenbus say it runs
  local type=$1 name=hvb-$1 id T
  T=$(echo "$type" | tr a-z A-Z)
  # hv-probe's guest has no on_reboot: one that triple-faults as it boots (this lab's PVH
  # flake, README) is made once more, and said.
  wait_for "grep -aq XCDLAB_GUEST_READY $(console_log "$name") || triple_faulted ${ID[$type]}" 120
  if triple_faulted "${ID[$type]}"; then
    log "NOTE: $name (domid ${ID[$type]}) triple-faulted as it booted: destroyed, started once more"
    xl destroy "$name" || fail "$type: xl destroy $name"
    start "$type"
  fi
  id=${ID[$type]}
  guest_wait_ready "$name" 120 || fail "$type: $name did not print XCDLAB_GUEST_READY within 120 s"
  grep -a XCDLAB_GUEST_READY "$(console_log "$name")"
  grep -aq "type=$T\b" "$(console_log "$name")" || fail "$type: the guest does not call itself $T"
  grep -aq "XCDLAB_GUEST_READY.* cpus=${VCPUS[$type]}\b" "$(console_log "$name")" ||
    fail "$type: the guest does not count ${VCPUS[$type]} CPUs"
  expect_eq "$type: xl list vCPUs online" "$(xl list "$name" | awk 'NR == 2 { print $4 }')" "${VCPUS[$type]}"
  wait_for "[ \"\$(timeout 5 xenstore-read /local/domain/$id/control/feature-suspend)\" = 1 ]" 60 ||
    fail "$type: the guest's xenbus did not write control/feature-suspend"
  log "$type: xenbus up: control/feature-poweroff=$(timeout 5 xenstore-read /local/domain/$id/control/feature-poweroff)"
}

exercise() {  # TYPE
  local type=$1 name=hvb-$1 id=${ID[$1]} state
  step "$type: pause / unpause"
  "$PROBE" pause "$id" || fail "$type: hv-probe pause"
  state=$(dom_state "$name"); log "xl state $state"
  [ "${state:2:1}" = p ] || fail "$type: after hv pause xl shows '$state', want the p flag"
  "$PROBE" unpause "$id" || fail "$type: hv-probe unpause"
  state=$(dom_state "$name"); log "xl state $state"
  [ "${state:2:1}" = - ] || fail "$type: after hv unpause xl shows '$state', want no p flag"

  step "$type: vCPU 0 pinned to CPU 1, then back to CPU 0"
  "$PROBE" pin "$id" 0 1 || fail "$type: hv-probe pin 0 1"
  xl vcpu-list "$name"
  xl vcpu-list "$name" | awk 'NR == 2 { exit !($4 == 1 && $7 == "1") }' ||
    fail "$type: xl vcpu-list does not show vCPU 0 on CPU 1 with affinity 1"
  "$PROBE" pin "$id" 0 0 || fail "$type: hv-probe pin 0 0"

  step "$type: max memory 256 MiB, target 128 MiB"
  "$PROBE" maxmem "$id" 262144 || fail "$type: hv-probe maxmem"
  "$PROBE" target "$id" 131072 || fail "$type: hv-probe target"
  "$PROBE" maxmem "$id" 131072 || fail "$type: hv-probe maxmem back"

  step "$type: vCPU 0's context through hv (paused, read twice)"
  "$PROBE" context "$id" || fail "$type: hv-probe context"

  step "$type: the console ring, mapped through hv, holds what the guest printed"
  "$PROBE" map-console "$id" >"$LAB_RUN/ring-$type.txt" || fail "$type: hv-probe map-console"
  grep -q "built-in shell" "$LAB_RUN/ring-$type.txt" ||
    fail "$type: the mapped console ring lacks the shell's banner: $(tail -c 300 "$LAB_RUN/ring-$type.txt")"

  suspend_resume "$type"
  logdirty "$type"
}

suspend_resume() {  # TYPE
  local type=$1 name=hvb-$1 id=${ID[$1]} state
  step "$type: suspend (control/shutdown) and fast resume"
  timed -t 90 "$PROBE" suspend "$id" ||
    { tail -n 30 "$(console_log "$name")"; fail "$type: hv-probe suspend"; }
  state=$(dom_state "$name"); log "xl state $state"
  [ "${state:3:1}" = s ] || fail "$type: suspended guest shows '$state' in xl list, want the s flag"
  "$PROBE" resume "$id" || fail "$type: hv-probe resume"
  state=$(dom_state "$name"); log "xl state $state"
  case $state in *s*|*p*) fail "$type: resumed guest shows '$state'" ;; esac
}

logdirty() {  # TYPE
  local type=$1 id=${ID[$1]}
  step "$type: log-dirty"
  local rc=0
  "$PROBE" logdirty "$id" 32768 2 || rc=$?
  case $type:$rc in
    pvh:0) ;;
    pv:3) log "pv: log-dirty refused by Xen, as expected on Debian's build (no shadow paging)" ;;
    pv:0) log "pv: log-dirty works for PV here (a Xen with shadow paging)" ;;
    *) fail "$type: hv-probe logdirty rc=$rc" ;;
  esac
}

clone() {  # the PVH guest into a new domain through hv's state operations: its counter goes on
  local id=${ID[pvh]} before after
  step "pvh: a counter in the guest, then hv-probe clone into a new domain"
  guest_tick_start "$id" || fail "pvh: cannot type on the guest's console"
  guest_ticks_past hvb-pvh 2 30 || fail "pvh: the guest's counter did not start"
  XCD_HV_PROBE_DEBUG=1 timeout -k 5 150 "$PROBE" clone "$id" hvb-pvh >"$LAB_RUN/clone.out" \
    2>"$LAB_RUN/clone.log" || { grep '^hv-probe' "$LAB_RUN/clone.log"; tail -n 20 "$LAB_RUN/clone.log"; false; } ||
    { tail -n 20 "$(console_log hvb-pvh)"; fail "pvh: hv-probe clone"; }
  grep '^hv-probe' "$LAB_RUN/clone.log"
  keep "$LAB_RUN/clone.log"
  before=$(guest_last_tick hvb-pvh)
  ID[pvh]=$(cat "$LAB_RUN/clone.out")
  log "pvh: domain $id is now ${ID[pvh]}; its counter said '$before' last"
  expect_eq "pvh: xl domid hvb-pvh" "$(domid hvb-pvh)" "${ID[pvh]}"
  guest_ticks_past hvb-pvh "${before%% *}" 60 ||
    { tail -n 20 "$(console_log hvb-pvh)"; fail "pvh: the counter did not go on in the new domain"; }
  after=$(guest_last_tick hvb-pvh)
  log "pvh: in domain ${ID[pvh]} the counter says '$after' (was '$before')"
  awk -v a="${after#* }" -v b="${before#* }" 'BEGIN { exit !(a > b) }' ||
    fail "pvh: the guest's uptime did not go on ($before -> $after)"
}

finish() {  # TYPE: the resumed guest still answers xenbus: poweroff, then destroy
  local type=$1 name=hvb-$1 id=${ID[$1]}
  step "$type: poweroff through control/shutdown"
  timed -t 90 "$PROBE" shutdown-wait "$id" poweroff 60 ||
    { tail -n 20 "$(console_log "$name")"; fail "$type: the resumed guest did not power off"; }
  step "$type: destroy"
  "$PROBE" destroy "$id" || fail "$type: hv-probe destroy"
  dom_exists "$name" && fail "$type: $name still listed after destroy"
  xl list | awk '$2 == '"$id"' { exit 1 }' || fail "$type: domid $id still listed after destroy"
  log "$type: ok"
}

TYPES=${XCD_TEST_HV_TYPES:-pv pvh}  # both boot side by side (it halves the waiting)
for t in $TYPES; do start "$t"; done
for t in $TYPES; do booted "$t"; done
for t in $TYPES; do exercise "$t"; done
case " $TYPES " in *" pvh "*) clone ;; esac
for t in $TYPES; do finish "$t"; done
xl list
