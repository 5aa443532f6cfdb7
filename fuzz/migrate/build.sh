#!/bin/sh
# build.sh: builds fuzz-migrate, the libFuzzer target of the stream reader
# (migrate/reader.c), of xl's pipe messages (migrate/pipe.c), of xcd's
# outcome query (migrate/outcome.c) and of the compressed batches' frames
# (migrate/compress.c), with clang (libFuzzer + ASan + UBSan).
# Usage: fuzz/migrate/build.sh [OUTDIR]   (default: fuzz/migrate here)
# Run: OUTDIR/fuzz-migrate -max_total_time=300 WORKDIR fuzz/migrate/corpus
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-fuzz/migrate}
mkdir -p "$out"
out=$(cd "$out" && pwd)
. "$src/fuzz/clang.sh"
echo "  CLANGLD  $out/fuzz-migrate"
# shellcheck disable=SC2086 # fuzz_cflags is a list of words
$cc $fuzz_cflags -fsanitize=fuzzer "$src/fuzz/migrate/fuzz-migrate.c" "$src/migrate/mio.c" \
	"$src/migrate/reader.c" "$src/migrate/writer.c" "$src/migrate/pipe.c" \
	"$src/migrate/outcome.c" "$src/lib/fdio.c" "$src/migrate/compress.c" -lzstd -llz4 \
	-o "$out/fuzz-migrate"
