# lib.sh: helpers shared by tests/system/run and the t-*.sh tests.
# Sourced by bash. Every wait here is bounded; daemons started here are
# stopped by stop_xenstored (TERM, then KILL after a bounded wait).

XEN_TOOLS=${XEN_TOOLS:-/usr/lib/xen-4.17/bin}
PYTHON=${PYTHON:-/usr/bin/python3}

# The daemon under test: $XCD_XENSTORED (make check sets it), else the
# build tree's, relative to this file.
if [ -z "${XCD_XENSTORED:-}" ]; then
	XCD_XENSTORED="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../xenstore" 2>/dev/null && pwd)/xcd-xenstored"
fi
export XCD_XENSTORED

# wait_until SECONDS COMMAND...: polls COMMAND every 50 ms; 0 once it
# succeeds, 1 when SECONDS have passed.
wait_until() {
	local secs=$1; shift
	local n=$((secs * 20))
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
		n=$((n - 1))
	done
	"$@" >/dev/null 2>&1
}

# The socket exists and takes connections (that it exists is all that
# can be checked without Python).
socket_ready() {
	[ -S "$1" ] || return 1
	[ -x "$PYTHON" ] || return 0
	"$PYTHON" -c 'import socket,sys
s = socket.socket(socket.AF_UNIX); s.settimeout(1); s.connect(sys.argv[1])' "$1"
}

# start_xenstored DIR [EXTRA-OPTIONS...]: a private foreground daemon with
# its socket, trace, pid file and log in DIR. Sets and exports XS_DIR,
# XS_PID, XS_SOCKET, XS_TRACE, XS_LOG, XS_PIDFILE and XENSTORED_PATH (what
# libxenstore clients use). Returns non-zero if it did not come up.
start_xenstored() {
	local dir=$1; shift
	mkdir -p "$dir"
	XS_DIR=$dir
	XS_SOCKET=$dir/socket
	XS_TRACE=$dir/trace
	XS_LOG=$dir/xenstored.log
	XS_PIDFILE=$dir/xenstored.pid
	"$XCD_XENSTORED" -N -D -s "$XS_SOCKET" -T "$XS_TRACE" -F "$XS_PIDFILE" "$@" \
		</dev/null >>"$XS_LOG" 2>&1 &
	XS_PID=$!
	XENSTORED_PATH=$XS_SOCKET
	export XS_DIR XS_SOCKET XS_TRACE XS_LOG XS_PIDFILE XS_PID XENSTORED_PATH
	if ! wait_until 10 socket_ready "$XS_SOCKET"; then
		echo "start_xenstored: no socket at $XS_SOCKET after 10 s" >&2
		stop_xenstored >/dev/null 2>&1
		return 1
	fi
	return 0
}

# stop_xenstored [PID]: SIGTERM, at most 10 s to exit, then SIGKILL.
# Returns the daemon's exit status (0 is a clean stop on SIGTERM).
# shellcheck disable=SC2120 # PID is optional
stop_xenstored() {
	local pid=${1:-${XS_PID:-}}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	if ! wait_until 10 pid_gone "$pid"; then
		echo "stop_xenstored: $pid still running after SIGTERM: SIGKILL" >&2
		kill -KILL "$pid" 2>/dev/null
		wait_until 5 pid_gone "$pid"
	fi
	local rc=0
	wait "$pid" 2>/dev/null || rc=$?
	[ "$pid" = "${XS_PID:-}" ] && XS_PID=
	return $rc
}

# A pid that has exited (a zombie child counts as gone).
pid_gone() {
	! kill -0 "$1" 2>/dev/null && return 0
	case "$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null)" in
	Z|X|"") return 0 ;;
	esac
	return 1
}

# ---- assertions for t-*.sh: they record failures and go on, so that one
# run reports every check that failed. Call finish at the end. ----
FAILURES=0
CHECKS=0

fail() {
	FAILURES=$((FAILURES + 1))
	echo "FAIL: $*"
}

ok() {
	CHECKS=$((CHECKS + 1))
	[ -n "${VERBOSE:-}" ] && echo "ok: $*"
	return 0
}

# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() {
	if [ "$2" == "$3" ]; then
		ok "$1"
	else
		fail "$1"
		echo "  expected: $(printf '%s' "$2" | sed -n '1,20p' | sed '2,$s/^/            /')"
		echo "  actual:   $(printf '%s' "$3" | sed -n '1,20p' | sed '2,$s/^/            /')"
		return 1
	fi
}

# expect_rc DESCRIPTION EXPECTED-RC COMMAND...: runs COMMAND (output kept
# in $OUT, stderr in $ERR) and checks its exit status.
expect_rc() {
	local desc=$1 want=$2; shift 2
	local rc=0
	OUT=$("$@" 2>"$TEST_TMPDIR/.stderr") || rc=$?
	ERR=$(cat "$TEST_TMPDIR/.stderr")
	if [ "$rc" == "$want" ]; then
		ok "$desc"
	else
		fail "$desc: exit $rc, expected $want ($*)"
		[ -n "$OUT" ] && echo "  stdout: $OUT"
		[ -n "$ERR" ] && echo "  stderr: $ERR"
		return 1
	fi
}

# expect_match DESCRIPTION EXTENDED-REGEX TEXT
expect_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		ok "$1"
	else
		fail "$1: no line matches /$2/"
		echo "  text: $(printf '%s' "$3" | head -5)"
		return 1
	fi
}

# need_tool PATH...: skip the test (exit 77) when a tool is missing.
need_tool() {
	local t
	for t in "$@"; do
		if [ ! -x "$t" ] && ! command -v "$t" >/dev/null 2>&1; then
			echo "SKIP: $t is not installed"
			exit 77
		fi
	done
}

# need_daemon: the test runs against the daemon that run started for it.
need_daemon() {
	if [ -z "${XENSTORED_PATH:-}" ] || [ -z "${XS_PID:-}" ]; then
		echo "no daemon: run this test through tests/system/run" >&2
		exit 99
	fi
	: "${TEST_TMPDIR:=$XS_DIR}"
}

finish() {
	if [ "$FAILURES" -gt 0 ]; then
		echo "$FAILURES of $((CHECKS + FAILURES)) checks failed"
		exit 1
	fi
	echo "all $CHECKS checks passed"
	exit 0
}
