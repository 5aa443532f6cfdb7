#!/bin/sh
# build.sh: builds fuzz-xlcfg, the libFuzzer target of the xl.cfg parser,
# with clang (libFuzzer + ASan + UBSan), whatever compiler the tree uses.
# Usage: fuzz/cfg/build.sh [OUTDIR]   (default: fuzz/cfg in the current dir)
# Environment: CLANG (default: clang, else clang-14), FUZZ_CFLAGS (extra flags).
# Run: OUTDIR/fuzz-xlcfg -dict=fuzz/cfg/xlcfg.dict -max_total_time=120 WORKDIR fuzz/cfg/corpus
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-fuzz/cfg}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cc=${CLANG:-}
if [ -z "$cc" ]; then
	for c in clang clang-14; do
		command -v "$c" >/dev/null 2>&1 && { cc=$c; break; }
	done
fi
if [ -z "$cc" ] || ! command -v "$cc" >/dev/null 2>&1; then
	echo "build.sh: clang not found: apt-get install clang libclang-rt-14-dev" >&2
	exit 1
fi
cflags="-std=gnu11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -Wall -Wextra \
-Wno-unused-parameter -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
$(pkg-config --cflags yajl) ${FUZZ_CFLAGS:-}"
echo "  CLANGLD  $out/fuzz-xlcfg"
# shellcheck disable=SC2086 # cflags is a list of words
$cc $cflags "$src/fuzz/cfg/fuzz-xlcfg.c" "$src/xcd/cfgfile.c" "$src/xcd/disk.c" \
	"$src/xcd/vif.c" "$src/xcd/domcfg.c" "$src/lib/strmap.c" \
	$(pkg-config --libs yajl) -o "$out/fuzz-xlcfg"
