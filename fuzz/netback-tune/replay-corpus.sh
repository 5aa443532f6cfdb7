#!/bin/sh
# replay-corpus: replays fuzz/netback-tune/corpus (and crashers/, if any)
# through replay-nettune (fuzz/replay.c, no libFuzzer), under the sanitizers
# in the sanitizer build. Run by `make check`.
set -u
b=${XCD_BUILDDIR:-$(pwd)}
s=${XCD_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=$b/fuzz/netback-tune/replay-nettune
[ -x "$bin" ] || { echo "FAIL: $bin not built"; exit 1; }
"$bin" "$s/fuzz/netback-tune/corpus" || { echo "FAIL: corpus"; exit 1; }
if [ -d "$s/fuzz/netback-tune/crashers" ]; then
	"$bin" "$s/fuzz/netback-tune/crashers" || { echo "FAIL: crashers"; exit 1; }
fi
echo "ok: corpus nettune"
