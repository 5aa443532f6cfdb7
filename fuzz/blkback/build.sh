#!/bin/sh
# build.sh: builds fuzz-blkback, the libFuzzer target of blkback/'s parsers,
# with clang (libFuzzer + ASan + UBSan), whatever compiler the tree uses.
# Usage: fuzz/blkback/build.sh [OUTDIR]   (default: fuzz/blkback in the current dir)
# Run: OUTDIR/fuzz-blkback -max_total_time=120 WORKDIR fuzz/blkback/corpus
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-fuzz/blkback}
mkdir -p "$out"
out=$(cd "$out" && pwd)
. "$src/fuzz/clang.sh"
cflags="$fuzz_cflags -fsanitize=fuzzer $(pkg-config --cflags yajl)"
echo "  CLANGLD  $out/fuzz-blkback"
# shellcheck disable=SC2086 # cflags is a list of words
$cc $cflags "$src/fuzz/blkback/fuzz-blkback.c" "$src"/blkback/*.c \
	"$src/lib/cfgfile.c" "$src/lib/tuneplan.c" "$src/lib/jsonw.c" "$src/lib/jsondepth.c" "$src/lib/cpuset.c" "$src/lib/procstat.c" "$src/lib/strmap.c" "$src/lib/utf8.c" \
	"$src/lib/tunejournal.c" "$src/lib/tuneapply.c" "$src/lib/runcmd.c" "$src/lib/fdio.c" \
	$(pkg-config --libs yajl) -o "$out/fuzz-blkback"
