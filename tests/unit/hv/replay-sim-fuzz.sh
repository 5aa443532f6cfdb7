#!/bin/sh
# replay-sim-fuzz: replays the corpus of xcd-sim's control-protocol fuzzer
# (fuzz/sim/control-corpus) through replay-sim-control (fuzz/replay.c, no
# libFuzzer needed). A crash or, in the sanitizer build, any report fails.
# The guest xenbus fuzzer's corpus is replayed by xenbus-test.
b=${XCD_BUILDDIR:-$(pwd)}
s=${XCD_SRCDIR:-$(cd "$(dirname "$0")/../../.." && pwd)}
exec "$b/tests/unit/hv/replay-sim-control" "$s/fuzz/sim/control-corpus"
