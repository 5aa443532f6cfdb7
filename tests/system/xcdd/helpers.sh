# helpers.sh: what the xcdd system tests share, sourced by bash after
# setting NAME: a private xcdd (its own xcd-sim, xcd-xenstored and state
# directory in a temporary directory $T), checks counted in PASS and FAIL,
# bounded waits, and a cleanup on exit that stops whatever was started.
set -u
B=${XCD_BUILDDIR:-$(cd "$(dirname "$0")/../../.." && pwd)}
S=${XCD_SRCDIR:-$(cd "$(dirname "$0")/../../.." && pwd)}
XCDD=$B/xcd/xcdd
XCD=$B/xcd/xcd
export XCD_SIM=$B/sim/xcd-sim
export XCD_XENSTORED=$B/xenstore/xcd-xenstored
export XCD_HOTPLUG_DIR=$S/scripts/hotplug
unset XCD_SIM_SOCKET XENSTORED_PATH XCDD_TEST_CRASH_AT
T=$(mktemp -d "/tmp/xcdd-$NAME.XXXXXX")
RUN=$T/run STATE=$T/state
export XCD_SOCKET=$RUN/xcd.sock
PASS=0 FAIL=0 XCDD_PID=

sim_pid() { pgrep -f -- "--socket $RUN/sim.sock" | head -n1; }

cleanup() {
	if [ -n "$XCDD_PID" ]; then
		kill -9 "$XCDD_PID" 2>/dev/null
		wait "$XCDD_PID" 2>/dev/null
	fi
	local s
	s=$(sim_pid)
	[ -n "$s" ] && kill -9 "$s" 2>/dev/null
	[ -f "$RUN/xenstored.pid" ] && kill "$(cat "$RUN/xenstored.pid")" 2>/dev/null
	[ -f "$RUN/consoled.pid" ] && kill "$(cat "$RUN/consoled.pid")" 2>/dev/null
	if [ "$FAIL" -gt 0 ]; then
		echo "--- xcdd logs"; tail -n 30 "$T"/xcdd*.log 2>/dev/null
	fi
	[ -n "${KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { PASS=$((PASS + 1)); echo "ok: $1"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL: $1"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else ko "$what"; fi; }
# Waits up to $1 tenths of a second for the command to succeed.
wait_for() {
	local n=$1; shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
eq() { [ "$1" = "$2" ] || { echo "   got '$1', want '$2'" >&2; return 1; }; }

x() { timeout 20 "$XCD" "$@"; }
XS() { XENSTORED_PATH=$RUN/xenstored.sock timeout 10 "$@"; }
rd() { XS xenstore-read "$1" 2>/dev/null; }
in_list() { x list | awk 'NR > 1 { print $1 }' | grep -qx "$1"; }
not_in_list() { ! in_list "$1"; }
state_of() { x list | awk -v n="$1" '$1 == n { print $5 }'; }
domid_of() { x list | awk -v n="$1" '$1 == n { print $2 }'; }
# Nothing of domain $1 (a domid) is left in the store: its home, its
# backends, its /libxl entry.
gone_from_store() {
	local id=$1 left
	left=$(XS xenstore-ls -f / 2>/dev/null |
		grep -E "^/local/domain/$id[/ ]|/backend/(vbd|vif)/$id[/ ]|^/libxl/$id[/ ]")
	[ -z "$left" ] || { echo "   left: $(head -c 300 <<<"$left")" >&2; return 1; }
}

# start_xcdd LOGNAME [OPTION...]: xcdd in the background, its log in
# $T/xcdd.LOGNAME.log; returns once it answers.
start_xcdd() {
	local log=$1
	shift
	"$XCDD" --backend sim --rundir "$RUN" --statedir "$STATE" --foreground --verbose \
		--hotplug-timeout 20 "$@" 2>>"$T/xcdd.$log.log" &
	XCDD_PID=$!
	wait_for 100 x list >/dev/null 2>&1
}

need_built() {
	local t
	for t in "$@"; do
		[ -x "$t" ] || { echo "$t: not built"; echo "0 passed, 1 failed"; exit 1; }
	done
}
