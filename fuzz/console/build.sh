#!/bin/sh
# build.sh: builds fuzz-ring, the libFuzzer target of xcd-consoled's access to
# the guest-controlled console ring and its output buffer (console/ring.c,
# console/outbuf.c), with clang (libFuzzer + ASan + UBSan).
# Usage: fuzz/console/build.sh [OUTDIR]   (default: fuzz/console in the current dir)
# Run: OUTDIR/fuzz-ring -max_total_time=120 WORKDIR fuzz/console/corpus
# `make check` replays the corpus through tests/unit/console/console-unit.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-fuzz/console}
mkdir -p "$out"
out=$(cd "$out" && pwd)
. "$src/fuzz/clang.sh"
cflags="$fuzz_cflags -fsanitize=fuzzer"
echo "  CLANGLD  $out/fuzz-ring"
# shellcheck disable=SC2086 # cflags is a list of words
$cc $cflags "$src/fuzz/console/fuzz-ring.c" "$src/console/ring.c" "$src/console/outbuf.c" \
	-o "$out/fuzz-ring"
