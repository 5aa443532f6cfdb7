#!/bin/sh
# build.sh: builds fuzz-xenbus, the libFuzzer target of the simulated guest's
# xenstore ring reader (sim/xenbus.c), with clang (libFuzzer + ASan + UBSan).
# Usage: fuzz/sim/build.sh [OUTDIR]   (default: fuzz/sim in the current dir)
# Run: OUTDIR/fuzz-xenbus -max_total_time=120 WORKDIR fuzz/sim/corpus
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
	"$src/sim/xenbus.c" -o "$out/fuzz-xenbus"
