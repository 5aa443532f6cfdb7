#!/bin/sh
# replay-hvm-context: replays the corpus of xcd-sim's HVM context parser's
# fuzzer (fuzz/sim/hvm-context-corpus) through replay-hvm-context
# (fuzz/replay.c, no libFuzzer). A crash or, in the sanitizer build, any
# report fails.
b=${XCD_BUILDDIR:-$(pwd)}
s=${XCD_SRCDIR:-$(cd "$(dirname "$0")/../../.." && pwd)}
exec "$b/tests/unit/hv/replay-hvm-context" "$s/fuzz/sim/hvm-context-corpus"
