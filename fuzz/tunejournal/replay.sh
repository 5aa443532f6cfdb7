#!/bin/sh
# replay.sh: replays fuzz/tunejournal/corpus (and fuzz/crashers/tunejournal)
# through replay-tunejournal (fuzz/replay.c, no libFuzzer needed).
b=${XCD_BUILDDIR:-$(pwd)}
s=${XCD_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
set -- "$s/fuzz/tunejournal/corpus"
[ -d "$s/fuzz/crashers/tunejournal" ] && set -- "$@" "$s/fuzz/crashers/tunejournal"
exec "$b/fuzz/replay-tunejournal" "$@"
