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
echo "  CLANGLD  $out/fuzz-rpc"
# shellcheck disable=SC2086 # cflags is a list of words
$cc $cflags "$src/fuzz/rpc/fuzz-rpc.c" "$src/lib/jsonrpc.c" \
	$(pkg-config --libs yajl) -o "$out/fuzz-rpc"
