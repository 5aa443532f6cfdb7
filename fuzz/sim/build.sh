#!/bin/sh
# build.sh: builds the libFuzzer targets of the simulated host with clang
# (libFuzzer + ASan + UBSan): fuzz-xenbus, the guest's xenstore ring reader
# (sim/xenbus.c), fuzz-sim-control, xcd-sim's control protocol, and
# fuzz-hvm-context, its PVH domains' HVM context blobs (hv/sim_hvmctx.c).
# Usage: fuzz/sim/build.sh [OUTDIR]   (default: fuzz/sim in the current dir)
# Run: OUTDIR/fuzz-xenbus -max_total_time=120 WORKDIR fuzz/sim/corpus
#      OUTDIR/fuzz-sim-control -max_total_time=120 WORKDIR fuzz/sim/control-corpus
#      OUTDIR/fuzz-hvm-context -max_total_time=120 WORKDIR fuzz/sim/hvm-context-corpus
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-fuzz/sim}
mkdir -p "$out"
out=$(cd "$out" && pwd)
. "$src/fuzz/clang.sh"
cflags="$fuzz_cflags -fsanitize=fuzzer -pthread"
echo "  CLANGLD  $out/fuzz-xenbus"
# shellcheck disable=SC2086 # cflags is a list of words
$cc $cflags "$src/fuzz/sim/fuzz-xenbus.c" "$src/fuzz/sim/xenbus-fake.c" \
	"$src/sim/xenbus.c" "$src/sim/kv.c" -o "$out/fuzz-xenbus"
echo "  CLANGLD  $out/fuzz-sim-control"
# shellcheck disable=SC2086
$cc $cflags -DPACKAGE_VERSION='"fuzz"' "$src/fuzz/sim/fuzz-sim-control.c" "$src/sim/domain.c" "$src/sim/platform.c" \
	"$src/sim/guest.c" "$src/sim/evtchn.c" "$src/sim/xenbus.c" "$src/sim/kv.c" \
	"$src/sim/logdirty.c" "$src/lib/log.c" "$src/lib/loop.c" -o "$out/fuzz-sim-control"
echo "  CLANGLD  $out/fuzz-hvm-context"
# shellcheck disable=SC2086
$cc $cflags "$src/fuzz/sim/fuzz-hvm-context.c" "$src/hv/sim_hvmctx.c" -o "$out/fuzz-hvm-context"
