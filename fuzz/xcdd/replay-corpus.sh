#!/bin/sh
# replay-corpus: replays fuzz/xcdd/corpus (and crashers/, if any) through
# replay-xcdd-devices (fuzz/replay.c, no libFuzzer), under the sanitizers in
# the sanitizer build. Run by `make check`.
set -u
b=${XCD_BUILDDIR:-$(pwd)}
s=${XCD_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=$b/fuzz/xcdd/replay-xcdd-devices
[ -x "$bin" ] || { echo "FAIL: $bin not built"; exit 1; }
"$bin" "$s/fuzz/xcdd/corpus" || { echo "FAIL: corpus"; exit 1; }
if [ -d "$s/fuzz/xcdd/crashers" ]; then
	"$bin" "$s/fuzz/xcdd/crashers" || { echo "FAIL: crashers"; exit 1; }
fi
echo "ok: corpus xcdd-devices"
