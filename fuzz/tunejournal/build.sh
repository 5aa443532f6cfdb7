#!/bin/sh
# build.sh: builds fuzz-tunejournal, the libFuzzer target of the tuners'
# apply journal parser, with clang (libFuzzer + ASan + UBSan).
# Usage: fuzz/tunejournal/build.sh [OUTDIR]   (default: fuzz/tunejournal)
# Run: OUTDIR/fuzz-tunejournal -max_total_time=120 WORKDIR fuzz/tunejournal/corpus
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-fuzz/tunejournal}
mkdir -p "$out"
out=$(cd "$out" && pwd)
. "$src/fuzz/clang.sh"
cflags="$fuzz_cflags -fsanitize=fuzzer $(pkg-config --cflags yajl)"
echo "  CLANGLD  $out/fuzz-tunejournal"
# shellcheck disable=SC2086 # cflags is a list of words
$cc $cflags "$src/fuzz/tunejournal/fuzz-tunejournal.c" "$src/lib/tunejournal.c" \
	"$src/lib/tuneplan.c" "$src/lib/jsonw.c" "$src/lib/cpuset.c" \
	$(pkg-config --libs yajl) -o "$out/fuzz-tunejournal"
