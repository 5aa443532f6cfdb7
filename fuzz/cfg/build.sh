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
. "$src/fuzz/clang.sh"
cflags="$fuzz_cflags -fsanitize=fuzzer $(pkg-config --cflags yajl)"
echo "  CLANGLD  $out/fuzz-xlcfg"
# shellcheck disable=SC2086 # cflags is a list of words
$cc $cflags "$src/fuzz/cfg/fuzz-xlcfg.c" "$src/lib/cfgfile.c" "$src/lib/uuid.c" "$src/lib/fdio.c" "$src/xcd/disk.c" \
	"$src/xcd/vif.c" "$src/xcd/domcfg.c" "$src/xcd/domcfg_keys.c" "$src/xcd/domcfg_json.c" "$src/xcd/domcfg_honour.c" "$src/lib/jsondepth.c" "$src/xcd/cpulist.c" "$src/xcd/domname.c" "$src/xcd/json_fields.c" \
	"$src/lib/strmap.c" "$src/lib/utf8.c" \
	$(pkg-config --libs yajl) -o "$out/fuzz-xlcfg"
echo "  CLANGLD  $out/fuzz-libxl-json"
# shellcheck disable=SC2086 # cflags is a list of words
$cc $cflags "$src/fuzz/cfg/fuzz-libxl-json.c" "$src/lib/cfgfile.c" "$src/lib/uuid.c" "$src/lib/fdio.c" "$src/xcd/disk.c" \
	"$src/xcd/vif.c" "$src/xcd/domcfg.c" "$src/xcd/domcfg_json.c" "$src/xcd/domcfg_keys.c" "$src/xcd/domcfg_libxl.c" "$src/xcd/domcfg_honour.c" "$src/lib/jsondepth.c" "$src/xcd/cpulist.c" "$src/xcd/domname.c" \
	"$src/xcd/json_fields.c" "$src/lib/strmap.c" "$src/lib/utf8.c" \
	$(pkg-config --libs yajl) -o "$out/fuzz-libxl-json"
