# clients-lib.sh: what the tests of xcdd's socket (fair-service,
# client-limits, long-line, group-membership) share, sourced after
# ../xcdd/helpers.sh: root required, group xcd (made if missing, removed at
# exit if made here; a lock shared with tests/system/xcdd-auth/run, which
# does the same), uids without passwd entries run through setpriv, and
# clients.py for the floods.
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (to run clients as other uids)"
	exit 77
fi
# Other uids cannot run a python3 of root's own (pyenv): the system's.
PY3=$(command -v /usr/bin/python3 || command -v python3)
for t in setpriv groupadd groupdel getent "$PY3" prlimit; do
	command -v "$t" >/dev/null 2>&1 || { echo "SKIP: no $t"; exit 77; }
done
need_built "$XCDD" "$XCD" "$XCD_SIM"
PY=$S/tests/system/security/clients.py
exec 9>/tmp/xcdd-auth-test.lock
flock -w 300 9 || { echo "FAIL: another test holds /tmp/xcdd-auth-test.lock"; exit 1; }
MADE_GROUP=
if ! getent group xcd >/dev/null; then
	groupadd --system xcd && MADE_GROUP=1
fi
XCD_GID=$(getent group xcd | cut -d: -f3)
[ -n "$XCD_GID" ] || { echo "FAIL: no group xcd"; exit 1; }
# Run by helpers.sh's cleanup through the EXIT trap, chained.
trap 'cleanup; [ -n "$MADE_GROUP" ] && groupdel xcd 2>/dev/null; true' EXIT
chmod 0755 "$T" # the other uids reach the socket through it
cp "$XCD" "$T/xcd" && chmod 0755 "$T/xcd"
cp "$PY" "$T/clients.py" && chmod 0644 "$T/clients.py"
# Uids without passwd entries: RO in group xcd (its primary group), NO not.
RO_UID=$((61000 + $$ % 4000)) NO_UID=$((65000 + $$ % 400))
as_ro() { setpriv --reuid="$RO_UID" --regid="$XCD_GID" --clear-groups -- "$@"; }
as_no() { setpriv --reuid="$NO_UID" --regid="$NO_UID" --clear-groups -- "$@"; }
py() { "$PY3" "$T/clients.py" "$XCD_SOCKET" "$@"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$XCDD_PID/status"; }
# ms CMD...: how long CMD took, in milliseconds, on stdout (its own output
# to $T/ms.out).
ms() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >"$T/ms.out" 2>&1
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}
# Waits up to $1 tenths of a second for file $2 to have a line.
wait_line() { wait_for "$1" test -s "$2"; }
