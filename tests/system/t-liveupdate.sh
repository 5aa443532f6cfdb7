#!/bin/bash
# Live update with clients connected: Xen's xenstore-control asks the
# daemon to replace itself (live-update -f BINARY, then -s); the daemon
# execs the binary in the same process, which restores the state and goes
# on serving the same connections.
. "$(dirname "$0")/lib.sh"
need_daemon
XC=$XEN_TOOLS/xenstore-control
need_tool "$XC" xenstore-write xenstore-read xenstore-ls xenstore-watch stdbuf "$PYTHON"
"$PYTHON" -c 'import pyxs' 2>/dev/null || { echo "SKIP: python3-pyxs is not installed"; exit 77; }
T=$TEST_TMPDIR
BG=
cleanup() {
	local p
	for p in $BG; do kill "$p" 2>/dev/null; done
}
trap cleanup EXIT

# usage as xenstore-control 4.17 has it
rc=0; "$XC" live-update >/dev/null 2>"$T/usage.err" || rc=$?
expect_eq "xenstore-control live-update without a binary: exit 2" 2 "$rc"
expect_eq "and its message" "Missing binary specification" "$(cat "$T/usage.err")"

# --- state before ---
xenstore-write /lu/a 1 /lu/data/x "ex" /lu/data/y/z "zed" /lu/w "" /lu/xw "" \
	/lu/txd "" /lu/conf/v orig /lu/misc ""
xenstore-write /lu/data/bin 'b\x01\x02\000nul'
xenstore-chmod /lu/data/x b3 r4
xenstore-chmod -r /lu/data/y w7
xenstore-write "/lu/data/$(head -c 3000 /dev/zero | tr '\0' l)" long
"$XC" quota set nodes 777 >/dev/null
before_ls=$(xenstore-ls -p /lu/data)
before_bin=$(xenstore-read -R /lu/data/bin | od -An -tx1)
before_exe=$(readlink "/proc/$XS_PID/exe")

timeout 40 stdbuf -oL xenstore-watch /lu/xw >"$T/xw.out" 2>&1 &
XW=$!
timeout 40 "$PYTHON" "$(dirname "$0")/lu-client.py" "$T/held.ready" "$T/held.go" \
	>"$T/held.out" 2>&1 &
HELD=$!
BG="$XW $HELD"
wait_until 5 grep -qx /lu/xw "$T/xw.out" || fail "xenstore-watch: no initial event before the update"
wait_until 10 test -s "$T/held.ready" || fail "the held pyxs client did not get ready"
xenstore-write /lu/conf/v theirs  # a conflict for its second transaction
xenstore-write /lu/xw/before 1
wait_until 2 grep -qx /lu/xw/before "$T/xw.out" ||
	fail "xenstore-watch: no event for /lu/xw/before (before the update)"

# --- the update ---
rc=0
timeout 30 "$XC" live-update -F "$XCD_XENSTORED" >"$T/lu.out" 2>&1 || rc=$?
expect_eq "xenstore-control live-update -F $XCD_XENSTORED: exit status" 0 "$rc"
[ -s "$T/lu.out" ] && sed 's/^/  | /' "$T/lu.out"

# --- after ---
expect_rc "the daemon's pid lives on" 0 kill -0 "$XS_PID"
expect_match "the process was replaced by exec (--live-update in its command line)" \
	'--live-update' "$(tr '\0' ' ' <"/proc/$XS_PID/cmdline")"
expect_eq "it runs the binary given" "$before_exe" "$(readlink "/proc/$XS_PID/exe")"
expect_rc "a new connection works" 0 xenstore-write /lu/misc/new 1
expect_eq "nodes and permissions are intact" "$before_ls" "$(xenstore-ls -p /lu/data)"
expect_eq "a binary value is intact" "$before_bin" "$(xenstore-read -R /lu/data/bin | od -An -tx1)"
expect_match "the quota set before is kept" '^nodes *: 777$' "$("$XC" quota)"
expect_rc "the pending transaction's write is not visible before its commit" 1 \
	xenstore-read /lu/txd/tx

xenstore-write /lu/w/after 1
xenstore-write /lu/xw/after 1
touch "$T/held.go"
wait_until 15 pid_gone "$HELD"
rc=0; wait "$HELD" || rc=$?
expect_eq "the held pyxs client: exit status" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/  held client: /' "$T/held.out"
expect_rc "the held client's transaction is committed" 0 xenstore-read /lu/txd/tx
expect_eq "with its value" pending "$OUT"

wait_until 2 grep -qx /lu/xw/after "$T/xw.out"
expect_rc "xenstore-watch still runs" 0 kill -0 "$XW"
expect_eq "xenstore-watch saw every event, before and after the update" \
	"$(printf '/lu/xw\n/lu/xw/before\n/lu/xw/after')" "$(cat "$T/xw.out")"

# --- a second update, right away ---
rc=0
timeout 30 "$XC" live-update -F "$XCD_XENSTORED" >"$T/lu2.out" 2>&1 || rc=$?
expect_eq "a second live update: exit status" 0 "$rc"
expect_rc "same pid after the second" 0 kill -0 "$XS_PID"
expect_eq "nodes and permissions after the second" "$before_ls" "$(xenstore-ls -p /lu/data)"
xenstore-write /lu/xw/again 1
wait_until 2 grep -qx /lu/xw/again "$T/xw.out"
expect_eq "xenstore-watch after the second update" "/lu/xw/again" "$(tail -1 "$T/xw.out")"
expect_eq "store check" OK "$("$XC" check 2>&1)"

# --- a failed update leaves the daemon as it was ---
rc=0
timeout 30 "$XC" live-update -F "$T/no-such-binary" >"$T/lu3.out" 2>&1 || rc=$?
expect_eq "live update to a missing binary fails (xenstore-control exit 3)" 3 "$rc"
expect_rc "the daemon still serves after the failed update" 0 xenstore-read /lu/a
expect_eq "with its data" "$before_ls" "$(xenstore-ls -p /lu/data)"
finish
