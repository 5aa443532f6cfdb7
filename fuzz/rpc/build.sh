#!/bin/sh
# build.sh: builds fuzz-rpc, the libFuzzer target of the JSON-RPC request
# parser and line buffer (lib/jsonrpc.c), with clang (libFuzzer + ASan + UBSan),
# whatever compiler the tree uses.
# Usage: fuzz/rpc/build.sh [OUTDIR]   (default: fuzz/rpc in the current dir)
# Environment: CLANG (default: clang, else clang-14), FUZZ_CFLAGS (extra flags).
# Run: OUTDIR/fuzz-rpc -max_total_time=120 WORKDIR fuzz/rpc/corpus
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-fuzz/rpc}
mkdir -p "$out"
out=$(cd "$out" && pwd)
. "$src/fuzz/clang.sh"
cflags="$fuzz_cflags -fsanitize=fuzzer $(pkg-config --cflags yajl)"
echo "  CLANGLD  $out/fuzz-rpc"
# shellcheck disable=SC2086 # cflags is a list of words
$cc $cflags "$src/fuzz/rpc/fuzz-rpc.c" "$src/lib/jsonrpc.c" "$src/lib/utf8.c" \
	$(pkg-config --libs yajl) -o "$out/fuzz-rpc"
