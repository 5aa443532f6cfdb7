#!/bin/bash
# The daemon's command line: --help, bad options, a second daemon on a
# socket in use, the pid file, the trace file, daemonising, option effects.
. "$(dirname "$0")/lib.sh"
need_daemon
need_tool xenstore-write xenstore-read
X=$XCD_XENSTORED
T=$TEST_TMPDIR
MINE=  # daemons this test started
cleanup() {
	local p
	for p in $MINE; do
		kill -TERM "$p" 2>/dev/null
		wait_until 5 pid_gone "$p" || kill -KILL "$p" 2>/dev/null
	done
	# the forked daemon, if the test stopped before it was stopped
	[ -s "$T/d2/pid" ] && kill -KILL "$(cat "$T/d2/pid")" 2>/dev/null
	return 0
}
trap cleanup EXIT

# --- help and bad options ---
expect_rc "--help" 0 timeout 5 "$X" --help
expect_match "--help mentions --socket" '--socket' "$OUT"
expect_match "--help starts with a usage line" '^Usage: xcd-xenstored ' "$(printf '%s\n' "$OUT" | head -1)"
expect_eq "--help writes nothing to stderr" "" "$ERR"
expect_rc "-h" 0 timeout 5 "$X" -h
expect_rc "an unknown option" 1 timeout 5 "$X" --no-such-option
expect_match "says which option" "unrecognized option '--no-such-option'" "$ERR"
expect_match "and shows the usage on stderr" '^Usage: xcd-xenstored ' "$ERR"
expect_eq "and nothing on stdout" "" "$OUT"
expect_rc "a bad --quota" 1 timeout 5 "$X" --quota nonsense
expect_eq "its message" "xcd-xenstored: bad quota 'nonsense' (NAME=VALUE; see --help)" "$ERR"
expect_rc "a bad -E value" 1 timeout 5 "$X" -E abc
expect_eq "its message" "xcd-xenstored: bad value 'abc' for nodes" "$ERR"
expect_rc "a stray argument" 1 timeout 5 "$X" -N -D extra
expect_eq "its message" "xcd-xenstored: unexpected argument 'extra'" "$ERR"
expect_rc "--max-output too small" 1 timeout 5 "$X" --max-output 5
expect_match "its message" 'max-output' "$ERR"
if [ ! -e /dev/xen/privcmd ]; then
	# Neither Xen nor a simulated host: socket clients only, said once.
	# --foreground: timeout sends no SIGCONT after its TERM. Under ASan, a
	# SIGCONT that lands while LeakSanitizer stops the exiting daemon to scan
	# it (ptrace attach: SIGSTOP) cancels the stop, and LSan's tracer then
	# waits for it forever: the daemon spun in sched_yield, the test hung.
	XCD_SIM_SOCKET=$T/no-sim.sock timeout --foreground 10 "$X" -N -s "$T/nohyp/sock" \
		>"$T/nohyp.log" 2>&1 &
	NOHYP=$!
	wait_until 5 test -S "$T/nohyp/sock" || fail "no hypervisor: the daemon did not serve its socket"
	expect_rc "no hypervisor: it serves socket clients" 0 \
		timeout 10 env XENSTORED_PATH="$T/nohyp/sock" xenstore-write /nohyp 1
	kill "$NOHYP"; wait "$NOHYP" 2>/dev/null
	expect_eq "and says so once" 1 "$(grep -c 'serving Unix socket clients only' "$T/nohyp.log")"
	expect_rc "--sim-socket to no simulated host" 1 timeout 5 "$X" -N -s "$T/nosim/sock" \
		--sim-socket "$T/no-sim.sock"
	expect_match "says which" 'no-sim.sock' "$ERR"
fi

# --- a second daemon on the socket in use ---
expect_rc "a second daemon on the same socket refuses to start" 1 \
	timeout 5 "$X" -N -D -s "$XENSTORED_PATH" -F "$T/second.pid"
expect_match "and says why" 'served by a running xenstored' "$ERR"
expect_rc "the first one still serves the socket" 0 timeout 10 xenstore-write /cli/after-second 1
expect_eq "and answers" 1 "$(timeout 10 xenstore-read /cli/after-second)"
expect_rc "the refused daemon wrote no pid file" 1 test -e "$T/second.pid"

# --- the pid file and the trace file of the daemon run started ---
expect_eq "-F: the pid file holds the daemon's pid" "$XS_PID" "$(cat "$XS_PIDFILE" 2>&1)"
timeout 10 xenstore-write /cli/traced value || fail "a write to the daemon under test did not answer within 10 s"
wait_until 2 grep -q /cli/traced "$XS_TRACE"
expect_match "-T: the request is traced" 'IN .*WRITE .*/cli/traced' "$(cat "$XS_TRACE")"
expect_match "-T: so is the reply" 'OUT .*WRITE .*OK' "$(cat "$XS_TRACE")"
expect_match "-T: and the connection" 'NEW connection' "$(cat "$XS_TRACE")"

# --- a daemon of our own: it forks (no -N), makes the socket's folders,
# honours -M, writes and removes its pid file, stops cleanly on SIGTERM ---
D2=$T/d2
mkdir -p "$D2"
rc=0
timeout 10 "$X" -D -s "$D2/run/sub/socket" -F "$D2/pid" -M 64 >"$D2/out" 2>&1 || rc=$?
expect_eq "without -N the daemon goes to the background: the command exits 0" 0 "$rc"
wait_until 5 test -s "$D2/pid"
pid2=$(cat "$D2/pid" 2>/dev/null)
[ -n "$pid2" ] && MINE="$MINE $pid2"
expect_rc "its pid file names a running process" 0 kill -0 "${pid2:-0}"
expect_match "which is xcd-xenstored" 'xcd-xenstored' "$(tr '\0' ' ' <"/proc/${pid2:-0}/cmdline" 2>&1)"
wait_until 5 socket_ready "$D2/run/sub/socket"
expect_rc "it made the socket's folders and serves" 0 \
	timeout 10 env XENSTORED_PATH="$D2/run/sub/socket" xenstore-write /d2/ok 1
p64="/d2/$(head -c 60 /dev/zero | tr '\0' x)"
expect_eq "test path of 64 bytes" 64 "${#p64}"
expect_rc "-M 64: a 64-byte path is fine" 0 timeout 10 env XENSTORED_PATH="$D2/run/sub/socket" \
	xenstore-write "$p64" 1
# path-max is a quota: socket clients (dom0's tools) are exempt, as in Xen.
expect_rc "-M 64: a socket client may exceed it" 0 timeout 10 env XENSTORED_PATH="$D2/run/sub/socket" \
	xenstore-write "${p64}y" 1
kill -TERM "${pid2:-0}" 2>/dev/null
wait_until 10 pid_gone "${pid2:-0}"
expect_rc "SIGTERM stops it" 0 pid_gone "${pid2:-0}"
expect_rc "it removed its pid file" 1 test -e "$D2/pid"
expect_rc "and its socket" 1 test -e "$D2/run/sub/socket"
MINE=

# --- a foreground daemon with quota options, stopped by SIGINT ---
D3=$T/d3
mkdir -p "$D3"
"$X" -N -D -s "$D3/socket" -Q nodes=7 -q watches=3 -W 9 -t 4 -S 100 -A 2 >"$D3/out" 2>&1 &
pid3=$!
MINE=$pid3
wait_until 5 socket_ready "$D3/socket"
expect_rc "quota options are accepted" 0 kill -0 $pid3
if [ -x "$XEN_TOOLS/xenstore-control" ]; then
	q=$(XENSTORED_PATH=$D3/socket timeout 5 "$XEN_TOOLS/xenstore-control" quota | grep . | tr -s ' ' | paste -sd'|')
	expect_eq "and in effect" \
		"nodes : 7|watches : 9|transactions : 4|node-size : 100|permissions : 2|transaction-nodes : 1024|outstanding : 20|memory : 2097152|path-max : 3072" "$q"
	q=$(XENSTORED_PATH=$D3/socket timeout 5 "$XEN_TOOLS/xenstore-control" quota-soft | grep '^watches' | tr -s ' ')
	expect_eq "the soft quota too" "watches : 3" "$q"
fi
kill -INT $pid3
# Bounded: a daemon that ignores SIGINT fails the check below (137), not
# the whole run by a hang in wait.
wait_until 10 pid_gone $pid3 || kill -KILL $pid3 2>/dev/null
rc=0; wait $pid3 || rc=$?
expect_eq "SIGINT stops it with exit status 0" 0 "$rc"
MINE=
finish
