#!/bin/bash
# The same xenstore client checks against Xen's C xenstored and against xcd-xenstored, each
# started in turn as dom0's xenstored: xenstore-write/read/ls/list/rm/chmod/exists, a
# xenstore-watch, and python3-pyxs (transactions, a watch, permissions).  Every check runs
# (a wrong answer is reported and counted, not fatal), each daemon must get all of them
# right, and the two transcripts must be identical.  Without xcd-xenstored only the C
# xenstored part runs.
# xen-lab: timeout=240
. "$(dirname "$0")/lib.sh"

T=/xcdlab-t
WRONG=0
wrong() { echo "WRONG: $*"; WRONG=$((WRONG + 1)); }
same() { [ "$2" = "$3" ] || wrong "$1: got '$2', want '$3'"; }  # WHAT GOT WANT
out() { echo "$1: $(tr '\n' '|')"; }  # transcript line: a label and what a command said

# xs_checks: the transcript on stdout; status 1 if any answer was wrong
xs_checks() {
  WRONG=0
  xenstore-write $T/a hello $T/b/c "two words" || wrong "xenstore-write"
  same "xenstore-read" "$(xenstore-read $T/a)" hello
  same "xenstore-read of two nodes" "$(xenstore-read $T/a $T/b/c | tr '\n' '|')" "hello|two words|"
  same "parent made by the write" "$(xenstore-read $T/b)" ""
  xenstore-read $T/nope 2>&1 | out "read of a missing node"
  xenstore-read $T/nope >/dev/null 2>&1 && wrong "xenstore-read of a missing node succeeded"
  xenstore-exists $T/a || wrong "xenstore-exists $T/a failed"
  xenstore-exists $T/nope && wrong "xenstore-exists of a missing node succeeded"
  same "xenstore-list" "$(xenstore-list $T | sort | tr '\n' ' ')" "a b "
  xenstore-ls -f $T | sort | out "xenstore-ls -f"
  same "xenstore-ls -f" "$(xenstore-ls -f $T | sort | tr '\n' '|')" \
    "$T/a = \"hello\"|$T/b = \"\"|$T/b/c = \"two words\"|"
  xenstore-chmod $T/a n0 r5 || wrong "xenstore-chmod failed"
  xenstore-ls -fp $T | grep "^$T/a " | out "xenstore-ls -fp, $T/a after chmod"
  xenstore-ls -fp $T | grep -q "^$T/a = \"hello\" .*(n0,r5)" || wrong "xenstore-ls -p does not show (n0,r5) on $T/a"
  xenstore-chmod -r $T/b n0 b3 || wrong "xenstore-chmod -r failed"
  xenstore-ls -fp $T | grep -q "^$T/b/c = \"two words\" .*(n0,b3)" || wrong "xenstore-chmod -r did not reach $T/b/c"
  xenstore-rm $T/b || wrong "xenstore-rm failed"
  xenstore-exists $T/b/c && wrong "$T/b/c still exists after xenstore-rm $T/b"
  same "xenstore-list after rm" "$(xenstore-list $T | tr '\n' ' ')" "a "
  xenstore-rm $T/nope; echo "xenstore-rm of a missing node: rc=$?"

  # xenstore-watch: the initial event, then one for a write below the watched path
  xenstore-watch -n 2 $T/w >"$LAB_RUN/watch.out" 2>&1 &
  local wpid=$!
  if wait_for "[ -s $LAB_RUN/watch.out ]" 10; then
    xenstore-write $T/w/x 1
    wait_for "! kill -0 $wpid" 10 || { kill $wpid; wrong "xenstore-watch: no second event within 10 s"; }
  else
    kill $wpid; wrong "xenstore-watch: no initial event"
  fi
  out "xenstore-watch -n 2 $T/w, then write $T/w/x" <"$LAB_RUN/watch.out"
  same "xenstore-watch events" "$(tr '\n' ' ' <"$LAB_RUN/watch.out")" "$T/w $T/w/x "
  xenstore-rm $T || wrong "xenstore-rm $T failed"

  timeout 90 python3 "$XCD_LAB_TESTS/xs-pyxs-check.py"
  local rc=$?
  [ $rc = 0 ] || wrong "the pyxs checks failed (rc=$rc)"
  [ $WRONG = 0 ] || { echo "$WRONG wrong answer(s)"; return 1; }
}

ran=() failed=()
step "client checks against Xen's C xenstored"
start_stock_xenstored c
xs_checks | tee "$LAB_RUN/transcript.c"
[ "${PIPESTATUS[0]}" = 0 ] || failed+=("Xen's C xenstored")
stop_xenstore_daemons
ran+=(c)

if [ -x "$XCD_BIN/xcd-xenstored" ]; then
  step "client checks against xcd-xenstored"
  start_xcd_xenstored
  xs_checks | tee "$LAB_RUN/transcript.xcd"
  [ "${PIPESTATUS[0]}" = 0 ] || { failed+=(xcd-xenstored); keep "$LAB_RUN/xcd-xenstored.trace"; }
  stop_xenstore_daemons
  ran+=(xcd)
  step "the two transcripts (- Xen's C xenstored, + xcd-xenstored)"
  diff -u "$LAB_RUN/transcript.c" "$LAB_RUN/transcript.xcd" && echo "identical" ||
    failed+=("the transcripts differ")
else
  echo "NOTE: xcd-xenstored not built: only Xen's C xenstored was checked"
fi
[ ${#ran[@]} -gt 0 ] || skip "no xenstored to check"
[ ${#failed[@]} = 0 ] || { echo "FAIL: ${failed[*]}"; exit 1; }
log "ok: ${ran[*]}"
