#!/bin/sh
# replay-corpus: replays fuzz/migtcp/corpus (and crashers/, if any) through
# replay-migtcp (fuzz/replay.c, no libFuzzer), under the sanitizers in the
# sanitizer build. Run by `make check`.
set -u
b=${XCD_BUILDDIR:-$(pwd)}
s=${XCD_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=$b/fuzz/migtcp/replay-migtcp
[ -x "$bin" ] || { echo "FAIL: $bin not built"; exit 1; }
"$bin" "$s/fuzz/migtcp/corpus" || { echo "FAIL: corpus"; exit 1; }
if [ -d "$s/fuzz/migtcp/crashers" ]; then
	"$bin" "$s/fuzz/migtcp/crashers" || { echo "FAIL: crashers"; exit 1; }
fi
echo "ok: corpus migtcp"
