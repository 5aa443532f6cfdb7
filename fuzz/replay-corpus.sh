#!/bin/sh
# replay-corpus: replays the fuzzers' seed corpora (fuzz/corpus/TARGET/) and
# the inputs that once crashed them (fuzz/crashers/TARGET/) through the
# replay-TARGET programs (fuzz/replay.c: no libFuzzer needed). A crash, an
# abort on a broken store invariant, or (in the sanitizer build) any ASan,
# UBSan or LeakSanitizer report fails the test.
# Crashers of bugs not fixed yet are listed in fuzz/crashers/OPEN ("TARGET/FILE
# why" per line): they are replayed and reported, but fail nothing until the
# fix lands and the line is removed. xs-state crashers named strict-* are
# replayed with XS_FUZZ_STATE_STRICT=1 (store invariants checked after the
# restore). Run by `make check` (XCD_BUILDDIR and
# XCD_SRCDIR come from the Makefile); by hand: fuzz/replay-corpus.sh
set -u
b=${XCD_BUILDDIR:-$(pwd)}
s=${XCD_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
open="$s/fuzz/crashers/OPEN"
fail=0
for t in xs-request xs-state rpc xcdd-rpc; do
	bin="$b/fuzz/replay-$t"
	if [ ! -x "$bin" ]; then
		echo "FAIL: $bin not built"
		fail=1
		continue
	fi
	corpus="$s/fuzz/corpus/$t"
	[ -d "$corpus" ] || corpus="$s/fuzz/$t/corpus"  # targets with a folder of their own
	if "$bin" "$corpus"; then
		echo "ok: corpus $t"
	else
		echo "FAIL: corpus $t (rc $?)"
		fail=1
	fi
	[ -d "$s/fuzz/crashers/$t" ] || continue
	for f in "$s/fuzz/crashers/$t"/*; do
		[ -f "$f" ] || continue
		name="$t/$(basename "$f")"
		known=$( [ -f "$open" ] && grep -v '^#' "$open" | grep -F -- "$name " | head -n 1)
		strict=0
		case "$(basename "$f")" in strict-*) strict=1 ;; esac
		if XS_FUZZ_STATE_STRICT=$strict "$bin" "$f" >"$b/fuzz/replay-last.out" 2>&1; then
			if [ -n "$known" ]; then
				echo "ok: crasher $name passes in this build: fixed (remove it from" \
					"fuzz/crashers/OPEN), or a memory error this build cannot see (no sanitizer)"
			else
				echo "ok: crasher $name"
			fi
		elif [ -n "$known" ]; then
			echo "known open bug (fuzz/crashers/OPEN), not failing: $known"
		else
			echo "FAIL: crasher $name:"
			tail -n 30 "$b/fuzz/replay-last.out"
			fail=1
		fi
	done
done
rm -f "$b/fuzz/replay-last.out"
exit $fail
