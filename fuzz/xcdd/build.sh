#!/bin/sh
# build.sh: builds fuzz-xcdd-devices, the libFuzzer target of xcdd's vdev and
# on_* parsers (xcd/devid.c, xcd/actions.c), with clang (libFuzzer + ASan +
# UBSan), whatever compiler the tree uses. xcd/domcfg.c and its parsers come
# along for the action names.
# Usage: fuzz/xcdd/build.sh [OUTDIR]   (default: fuzz/xcdd in the current dir)
# Run: OUTDIR/fuzz-xcdd-devices -max_total_time=120 WORKDIR fuzz/xcdd/corpus
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-fuzz/xcdd}
mkdir -p "$out"
out=$(cd "$out" && pwd)
. "$src/fuzz/clang.sh"
cflags="$fuzz_cflags -fsanitize=fuzzer $(pkg-config --cflags yajl)"
echo "  CLANGLD  $out/fuzz-xcdd-devices"
# shellcheck disable=SC2086 # cflags is a list of words
$cc $cflags "$src/fuzz/xcdd/fuzz-xcdd-devices.c" "$src/xcd/devid.c" "$src/xcd/actions.c" \
	"$src/xcd/domcfg.c" "$src/xcd/domcfg_keys.c" "$src/xcd/domcfg_json.c" "$src/xcd/domcfg_libxl.c" "$src/xcd/domcfg_honour.c" "$src/lib/jsondepth.c" "$src/xcd/cpulist.c" "$src/xcd/domname.c" \
	"$src/lib/cfgfile.c" "$src/lib/uuid.c" "$src/lib/fdio.c" "$src/lib/utf8.c" \
	"$src/xcd/disk.c" "$src/xcd/vif.c" "$src/xcd/json_fields.c" "$src/lib/strmap.c" \
	$(pkg-config --libs yajl) -o "$out/fuzz-xcdd-devices"
