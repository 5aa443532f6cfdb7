#!/bin/bash
# Xen's xenstore-control (4.17) against the daemon's CONTROL commands:
# help, quota, quota set, quota-soft, check, memreport, print, logfile, log.
. "$(dirname "$0")/lib.sh"
need_daemon
XC=$XEN_TOOLS/xenstore-control
need_tool "$XC" xenstore-write
T=$TEST_TMPDIR
xc() { timeout 10 "$XC" "$@"; }

expect_rc "help" 0 xc help
expect_eq "help lists the commands" \
	"check log logfile memreport print quota quota-soft live-update ring-reset help" \
	"$(printf '%s\n' "$OUT" | awk 'NF {print $1}' | xargs)"

# --- quota ---
expect_rc "quota" 0 xc quota
expect_eq "quota: the defaults" \
"nodes             : 1000
watches           : 128
transactions      : 10
node-size         : 2048
permissions       : 5
transaction-nodes : 1024
outstanding       : 20
memory            : 2097152
path-max          : 3072" "$OUT"
expect_rc "ring-reset of a domain never introduced fails" 3 xc ring-reset 77
expect_rc "ring-reset of dom0 fails" 3 xc ring-reset 0
expect_rc "quota set nodes 500" 0 xc quota set nodes 500
expect_eq "its answer" OK "$OUT"
expect_rc "quota set transactions 3" 0 xc quota set transactions 3
expect_eq "quota shows the new values" "nodes : 500|transactions : 3" \
	"$(xc quota | grep -E '^(nodes|transactions) ' | tr -s ' ' | paste -sd'|')"
expect_rc "quota set of an unknown quota fails" 3 xc quota set no-such-quota 1
expect_match "with xenstore-control's message for EINVAL" "Command not supported" "$ERR"
expect_rc "quota set with a non-number fails" 3 xc quota set nodes abc
expect_rc "quota set with a missing value fails" 3 xc quota set nodes
expect_eq "a failed set changes nothing" "nodes : 500" \
	"$(xc quota | grep '^nodes ' | tr -s ' ')"
expect_rc "quota 0 (dom0's usage)" 0 xc quota 0
expect_match "quota 0: a header" '^domain 0:$' "$OUT"
n0=$(printf '%s\n' "$OUT" | sed -n 's/^nodes *: \([0-9]*\)$/\1/p')
xenstore-write /ctl/q1 1 /ctl/q2 2
n1=$(xc quota 0 | sed -n 's/^nodes *: \([0-9]*\)$/\1/p')
expect_eq "quota 0: nodes count the 3 nodes just made (/ctl, /ctl/q1, /ctl/q2)" \
	"$((n0 + 3))" "$n1"
expect_rc "quota of a bad domain id fails" 3 xc quota 70000
expect_rc "quota-soft" 0 xc quota-soft
expect_eq "quota-soft: none set" "nodes : 0" "$(printf '%s\n' "$OUT" | grep '^nodes ' | tr -s ' ')"
expect_rc "quota-soft set nodes 10" 0 xc quota-soft set nodes 10
expect_eq "quota-soft shows it" "nodes : 10" "$(xc quota-soft | grep '^nodes ' | tr -s ' ')"
expect_eq "the hard quota is untouched" "nodes : 500" "$(xc quota | grep '^nodes ' | tr -s ' ')"

# --- check, memreport ---
expect_rc "check" 0 xc check
expect_eq "check answers OK" OK "$OUT"
expect_rc "memreport" 0 xc memreport
expect_match "memreport: nodes, connections, requests" \
	'^nodes: [0-9]+ \([0-9]+ bytes\), connections: [0-9]+ \([0-9]+ bytes queued\), requests: [0-9]+$' "$OUT"
expect_rc "memreport FILE" 0 xc memreport "$T/mem.txt"
expect_match "memreport FILE writes the report to FILE" '^nodes: [0-9]+ ' "$(cat "$T/mem.txt" 2>&1)"
expect_rc "memreport to a folder that does not exist fails" 3 xc memreport "$T/no/such/dir/m"

# --- print, logfile, log ---
expect_rc "print" 0 xc print "hello-from-t-control"
expect_eq "print answers OK" OK "$OUT"
wait_until 2 grep -q hello-from-t-control "$XS_LOG"
expect_match "the string is in the daemon's log" 'hello-from-t-control' "$(cat "$XS_LOG")"
expect_rc "print without a string fails" 3 xc print

expect_rc "logfile FILE" 0 xc logfile "$T/newtrace"
expect_eq "logfile answers OK" OK "$OUT"
xenstore-write /ctl/traced-in-new 1
wait_until 2 grep -q /ctl/traced-in-new "$T/newtrace"
expect_match "requests are traced to the new file" 'WRITE.*/ctl/traced-in-new' "$(cat "$T/newtrace" 2>&1)"
expect_eq "and no longer to the old one" 0 "$(grep -c /ctl/traced-in-new "$XS_TRACE")"
expect_rc "log off" 0 xc log off
xenstore-write /ctl/not-traced 1
expect_eq "log off: nothing traced" 0 "$(grep -c /ctl/not-traced "$T/newtrace" "$XS_TRACE" | awk -F: '{s += $2} END {print s}')"
expect_rc "log on" 0 xc log on
xenstore-write /ctl/traced-again 1
wait_until 2 grep -q /ctl/traced-again "$XS_TRACE"
expect_match "log on: tracing to the -T file again" 'WRITE.*/ctl/traced-again' "$(cat "$XS_TRACE")"
expect_rc "log with a bad argument fails" 3 xc log sideways
expect_rc "logfile in a folder that does not exist fails" 3 xc logfile "$T/no/such/dir/t"

# --- unknown commands ---
expect_rc "an unknown command fails" 3 xc no-such-command
expect_match "xenstore-control then shows the daemon's help" '^Command not supported' "$ERR"
expect_rc "xenstore-control without a command" 2 "$XC"
expect_rc "the daemon still serves" 0 xenstore-write /ctl/end 1
finish
