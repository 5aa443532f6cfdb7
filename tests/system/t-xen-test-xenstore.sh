#!/bin/bash
# Xen's own xenstore test suite (test-xenstore from Xen 4.17) against the
# daemon: every test, several iterations, then its random mode.
. "$(dirname "$0")/lib.sh"
need_daemon
TX=$XEN_TOOLS/test-xenstore
need_tool "$TX" xenstore-list
T=$TEST_TMPDIR

expect_rc "test-xenstore -l" 0 timeout 10 "$TX" -l
names=$(printf '%s\n' "$OUT" | sed 's/ *:.*//')
expect_eq "test-xenstore knows its 12 tests" 12 "$(printf '%s\n' "$names" | grep -c .)"

rc=0
timeout 40 "$TX" -i 30 >"$T/iter.out" 2>&1 || rc=$?
expect_eq "test-xenstore -i 30 (every test, 30 iterations) exit status" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/  | /' "$T/iter.out" | tail -20
# One result line per test, in the order of -l, each with timings.
expect_eq "one 'avg' line per test, in order" "$names" \
	"$(sed -n 's/^\(.*[^ ]\) *: avg: [0-9]* ns ([0-9]* ns \.\. [0-9]* ns)$/\1/p' "$T/iter.out")"

rc=0
timeout 20 "$TX" -r 3 >"$T/random.out" 2>&1 || rc=$?
expect_eq "test-xenstore -r 3 (random tests for 3 s) exit status" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/  | /' "$T/random.out" | tail -20

# test-xenstore removes what it made (its folder below /local/domain/0).
expect_rc "list /local/domain/0" 0 xenstore-list /local/domain/0
expect_eq "nothing left behind" "" "$OUT"
if [ -x "$XEN_TOOLS/xenstore-control" ]; then
	expect_rc "xenstore-control check" 0 timeout 10 "$XEN_TOOLS/xenstore-control" check
	expect_eq "the store is consistent afterwards" OK "$OUT"
fi
finish
