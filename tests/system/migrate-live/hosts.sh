# hosts.sh: two simulated hosts side by side for the migration tests
# (tests/system/migrate-live/run, tests/system/migrate-faults/run), sourced
# by bash after xcdd/helpers.sh: host a and host b each with their own xcdd,
# xcd-sim, xcd-xenstored, rundir ($T/HOST/run) and journal ($T/HOST/state),
# and what the tests ask of them. HOST_OPTS: more options for every xcdd.
declare -A HPID
unset XCD_SOCKET

xh() { local h=$1; shift; timeout 60 "$XCD" --connect "$T/$h/run/xcd.sock" "$@"; }
start_host() { # HOST LOGNAME
	mkdir -p "$T/$1"
	"$XCDD" --backend sim --rundir "$T/$1/run" --statedir "$T/$1/state" --foreground \
		--verbose --hotplug-timeout 20 ${HOST_OPTS:-} 2>>"$T/xcdd-$1.$2.log" &
	HPID[$1]=$!
	wait_for 100 xh "$1" list >/dev/null 2>&1
}
kill_host() { kill -9 "${HPID[$1]}" 2>/dev/null; wait "${HPID[$1]}" 2>/dev/null; }
stop_hosts() {
	local h s
	for h in a b; do
		kill_host "$h"
		s=$(pgrep -f -- "--socket $T/$h/run/sim.sock" | head -n1)
		[ -n "$s" ] && kill -9 "$s" 2>/dev/null
		for p in xenstored consoled; do
			[ -f "$T/$h/run/$p.pid" ] && kill "$(cat "$T/$h/run/$p.pid")" 2>/dev/null
		done
	done
}

# What a host has, through xcdd and through the hypervisor.
names() { xh "$1" list | awk 'NR > 1 && $1 != "Domain-0" { print $1 }' | sort | tr '\n' ' '; }
state_h() { xh "$1" list | awk -v n="$2" '$1 == n { print $5 }'; }
domid_h() { xh "$1" list | awk -v n="$2" '$1 == n { print $2 }'; }
hv_count() { timeout 10 "$HV_LIST" "$T/$1/run/sim.sock" | wc -l; }
mg() { local h=$1; shift; XCD_SIM_SOCKET=$T/$h/run/sim.sock timeout 130 "$MG" "$@"; }
rd_h() { XENSTORED_PATH=$T/$1/run/xenstored.sock timeout 10 xenstore-read "$2" 2>/dev/null; }
wr_h() { XENSTORED_PATH=$T/$1/run/xenstored.sock timeout 10 xenstore-write "$2" "$3"; }
# The command migrate runs for the receiving host (-s ""), with its options.
receiver() { local h=$1; shift; echo "$XCD --connect $T/$h/run/xcd.sock migrate-receive $*"; }
other() { [ "$1" = a ] && echo b || echo a; }
# Exactly one copy of GUEST, running, on HOST; nothing of it on the other.
only_on() { # HOST GUEST
	local h=$1 g=$2 o
	o=$(other "$h")
	[ "$(names "$h")" = "$g " ] || { echo "   $h has: $(names "$h")" >&2; return 1; }
	[ -z "$(names "$o")" ] || { echo "   $o has: $(names "$o")" >&2; return 1; }
	[ "$(hv_count "$o")" = 0 ] || { echo "   $o's hypervisor has $(hv_count "$o")" >&2; return 1; }
	[ "$(hv_count "$h")" = 1 ] || { echo "   $h's hypervisor has $(hv_count "$h")" >&2; return 1; }
	case $(state_h "$h" "$g") in ??p*) echo "   $g paused on $h" >&2; return 1 ;; esac
}
mkcfg() { printf 'name = "%s"\nkernel = "%s"\nmemory = %s\n' "$1" "$2" "$3" >"$T/$1.cfg"; }

