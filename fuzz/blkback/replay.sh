#!/bin/sh
# replay.sh: replays fuzz/blkback/corpus through replay-blkback (fuzz/replay.c,
# no libFuzzer needed). A crash or, in the sanitizer build, any report fails.
b=${XCD_BUILDDIR:-$(pwd)}
s=${XCD_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
exec "$b/fuzz/replay-blkback" "$s/fuzz/blkback/corpus"
