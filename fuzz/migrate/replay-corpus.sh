#!/bin/sh
# replay-corpus: replays fuzz/migrate/corpus (and crashers/, if any) through
# replay-migrate (fuzz/replay.c, no libFuzzer), under the sanitizers in the
# sanitizer build. Run by `make check`.
set -u
b=${XCD_BUILDDIR:-$(pwd)}
s=${XCD_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=$b/fuzz/migrate/replay-migrate
[ -x "$bin" ] || { echo "FAIL: $bin not built"; exit 1; }
"$bin" "$s/fuzz/migrate/corpus" || { echo "FAIL: corpus"; exit 1; }
if [ -d "$s/fuzz/migrate/crashers" ]; then
	"$bin" "$s/fuzz/migrate/crashers" || { echo "FAIL: crashers"; exit 1; }
fi
echo "ok: corpus migrate"
