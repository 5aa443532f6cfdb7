#!/bin/sh
# build.sh: builds fuzz-migtcp, the libFuzzer target of the TCP transport's
# parsers (migrate/mux.c, netaddr.c, cred.c's check of a peer's
# certificate), with clang (libFuzzer + ASan + UBSan).
# Usage: fuzz/migtcp/build.sh [OUTDIR]   (default: fuzz/migtcp here)
# Run: OUTDIR/fuzz-migtcp -max_total_time=300 WORKDIR fuzz/migtcp/corpus
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-fuzz/migtcp}
mkdir -p "$out"
out=$(cd "$out" && pwd)
. "$src/fuzz/clang.sh"
echo "  CLANGLD  $out/fuzz-migtcp"
# shellcheck disable=SC2086 # fuzz_cflags is a list of words
$cc $fuzz_cflags -fsanitize=fuzzer $(pkg-config --cflags gnutls) "$src/fuzz/migtcp/fuzz-migtcp.c" \
	"$src/migrate/mux.c" "$src/migrate/netaddr.c" "$src/migrate/cred.c" "$src/lib/fdio.c" \
	$(pkg-config --libs gnutls) -o "$out/fuzz-migtcp"
