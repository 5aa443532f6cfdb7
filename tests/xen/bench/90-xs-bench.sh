#!/bin/bash
# xs-bench against Xen's C xenstored, oxenstored and xcd-xenstored, in the same boot, on the
# Unix socket.  Prints both outputs under a header naming the daemon, and the ratio of the
# one-client read latencies (lines "OP N client(s): X ns/op ...").  Only numbers: it fails
# only if xs-bench itself fails.
# xen-lab: timeout=400
. "$(dirname "$0")/lib.sh"
[ -x "$XCD_BIN/xs-bench" ] || skip "xs-bench not built"
BENCH_TIMEOUT=${XCD_BENCH_TIMEOUT:-150}
BENCH_ARGS=${XCD_BENCH_ARGS:---seconds 0.2}   # 18 measurements each: about 10 s per daemon here

bench() {  # LABEL: xs-bench against the running xenstored, output in $LAB_RUN/bench.LABEL
  echo "==== xs-bench against $1"
  local pid; pid=$(xenstored_pids | awk '{ print $1 }')
  timeout -k 5 "$BENCH_TIMEOUT" "$XCD_BIN/xs-bench" --socket "$XS_SOCKET" --pid "$pid" $BENCH_ARGS \
    >"$LAB_RUN/bench.$1" 2>&1
  local rc=$?
  cat "$LAB_RUN/bench.$1"
  [ $rc = 0 ] || fail "xs-bench against $1 failed (rc=$rc)"
}
read_ns() { sed -n 's/^read 1 client\((s)\)\{0,1\}: *\([0-9.]*\) ns\/op.*/\2/p' "$LAB_RUN/bench.$1" | head -1; }

bare_ratio() { sed -n 's/^read\/bare ratio: *\([0-9.]*\).*/\1/p' "$LAB_RUN/bench.$1" | head -1; }

start_stock_xenstored c
bench cxenstored
stop_xenstore_daemons
start_stock_xenstored o
bench oxenstored
stop_xenstore_daemons
if [ -x "$XCD_BIN/xcd-xenstored" ]; then
  start_xcd_xenstored
  bench xcd-xenstored
  stop_xenstore_daemons
  c=$(read_ns cxenstored) x=$(read_ns xcd-xenstored)
  if [ -n "$c" ] && [ -n "$x" ]; then
    echo "ratio read xcd/cxenstored: $(awk -v x="$x" -v c="$c" 'BEGIN { printf "%.2f", x / c }')"
  else
    echo "no 'read 1 client(s): N ns/op' line in both outputs: no ratio"
  fi
  # Each against the bare round trip of its own run: what TCG's noise disturbs least.
  echo "read/bare: cxenstored $(bare_ratio cxenstored), oxenstored $(bare_ratio oxenstored)," \
    "xcd-xenstored $(bare_ratio xcd-xenstored)"
else
  echo "NOTE: xcd-xenstored not built: xs-bench ran against Xen's daemons only"
fi
