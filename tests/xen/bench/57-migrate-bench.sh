#!/bin/bash
# The lab's live migration benchmark (issue 10): xl and xcd moving the same PVH guest (the
# lab's, 128 MiB, 1 vCPU, no devices) to localhost in the same boot, RUNS times each
# (XCD_BENCH_MIGRATE_RUNS, 3): the command's total time and the downtime as the hypervisor
# shows it (downtime-watch: the longest span in which no guest runs, neither copy, sampled
# about every millisecond through hv), the guest's counter going on after each.  xl first,
# `xl migrate -s "" DOM "xl migrate-receive"` on Xen's C xenstored and xenconsoled without
# xcdd; then xcdd on the same daemons, `xcd migrate -s "" DOM "xcd migrate-receive"` (and
# the downtime xcd reports, counted from its suspend request).  Figures, not a timed test:
# it fails only when a migration fails or the guest stops.  Its lines: "BENCH xl|xcd run N:
# total T ms, no guest running D ms", then "BENCH median ...".
# xen-lab: timeout=900
. "$(dirname "$0")/lib.sh"

RUNS=${XCD_BENCH_MIGRATE_RUNS:-3}
WATCH=$XCD_BIN/downtime-watch
[ -x "$WATCH" ] || fail "no $WATCH (copy tests/xen/downtime-watch into the lab's binaries)"
xcdd_setup
start_stock_xenstored c
start_xenconsoled
NAME=lb
CFG=$(guest_cfg "$NAME" pvh on_poweroff='"destroy"')
cat "$CFG"
logs() { echo "$(console_log "$NAME") $(console_log "$NAME--incoming")"; }
last_tick() {
  # shellcheck disable=SC2046 # one word per log
  grep -ah '^XCDLAB_TICK [0-9]' $(logs) 2>/dev/null | tr -d '\r' | cut -d' ' -f2,3 |
    sort -n | tail -n 1
}
started() {  # DOMID: the counter runs
  guest_tick_start "$1" || fail "cannot type on the guest's console"
  wait_for "t=\$(last_tick); [ -n \"\$t\" ] && [ \"\${t%% *}\" -gt 2 ]" 30 ||
    fail "the guest's counter did not start"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR ? v[int((NR + 1) / 2)] : "-") }'; }
: >"$LAB_RUN/bench.xl" ; : >"$LAB_RUN/bench.xcd"
# bench WHO N CMD...: one migration, timed, watched
bench() {
  local who=$1 n=$2 t0 t1 down last; shift 2
  last=$(last_tick)
  "$WATCH" 300 >"$LAB_RUN/watch.out" 2>&1 &
  local wpid=$!
  sleep 0.5
  t0=$(now_ms)
  "$@" >"$LAB_RUN/bench-mig.out" 2>&1 ||
    { cat "$LAB_RUN/bench-mig.out"; kill "$wpid"; fail "$who run $n: $*"; }
  t1=$(now_ms)
  sleep 0.5
  kill -TERM "$wpid"; wait "$wpid"
  down=$(awk '/^longest:/ { print $2 }' "$LAB_RUN/watch.out")
  log "BENCH $who run $n: total $((t1 - t0)) ms, no guest running $down ms" \
    "($(grep -m1 '^samples' "$LAB_RUN/watch.out"))$(grep -o ', downtime [0-9]* ms' "$LAB_RUN/bench-mig.out")"
  echo "$((t1 - t0)) $down" >>"$LAB_RUN/bench.$who"
  wait_for "t=\$(last_tick); [ -n \"\$t\" ] && [ \"\${t%% *}\" -gt ${last%% *} ]" 60 ||
    fail "$who run $n: the guest's counter did not go on past '$last'"
}

step "xl: create, then $RUNS x xl migrate to localhost"
guest_create "$NAME" "$CFG" || fail "xl create"
guest_wait_ready "$NAME" 120 || fail "$NAME did not boot under xl"
started "$(domid "$NAME")"
for i in $(seq "$RUNS"); do
  bench xl "$i" xl migrate -s "" "$NAME" "xl migrate-receive"
done
xl destroy "$NAME" || fail "xl destroy"
wait_for "! dom_exists $NAME" 30

step "xcd: create, then $RUNS x xcd migrate to localhost"
start_xcdd ""
rm -f $(logs)
timed -t 150 "$XCD_BIN/xcd" create "$CFG" || { tail -n 30 "$LAB_RUN/xcdd.log"; fail "xcd create"; }
xcd_guest_booted "$NAME" 180 || fail "$NAME did not boot under xcdd"
started "$GUEST_DOMID"
for i in $(seq "$RUNS"); do
  bench xcd "$i" timeout -k 5 300 "$XCD_BIN/xcd" migrate -s "" "$NAME" "$XCD_BIN/xcd migrate-receive"
done
xcd destroy "$NAME" >/dev/null 2>&1

for who in xl xcd; do
  log "BENCH median $who: total $(cut -d' ' -f1 "$LAB_RUN/bench.$who" | median) ms," \
    "no guest running $(cut -d' ' -f2 "$LAB_RUN/bench.$who" | median) ms ($RUNS runs)"
done
keep "$LAB_RUN/bench.xl" "$LAB_RUN/bench.xcd" "$LAB_RUN/xcdd.log"
log "ok"
