#!/bin/bash
# Debian's xenstore-utils against the daemon: values, nested creation,
# listings, permissions, removal, exists, watches, odd and long values,
# long paths, big directories.
. "$(dirname "$0")/lib.sh"
need_daemon
need_tool xenstore-write xenstore-read xenstore-ls xenstore-list xenstore-rm \
	xenstore-chmod xenstore-exists xenstore-watch stdbuf
T=$TEST_TMPDIR
WATCH_PIDS=
cleanup() {
	local p
	for p in $WATCH_PIDS; do kill "$p" 2>/dev/null; done
}
trap cleanup EXIT

# --- watches first, so that they see the changes made below ---
# Pre-created, so that each change below makes exactly one event.
xenstore-write /xw "" /local/domain/0/relw ""
timeout 5 stdbuf -oL xenstore-watch -n 4 /xw >"$T/watch.out" 2>&1 &
W1=$!
timeout 5 stdbuf -oL xenstore-watch -n 2 relw >"$T/relwatch.out" 2>&1 &
W2=$!
WATCH_PIDS="$W1 $W2"
# Each watch fires once when it is set: then it is in place.
wait_until 4 grep -qx /xw "$T/watch.out" || fail "xenstore-watch /xw: no initial event"
wait_until 4 grep -qx relw "$T/relwatch.out" || fail "xenstore-watch relw: no initial event"
xenstore-write /xw/a 1
xenstore-write /unwatched 1
xenstore-write /xw/b 2
xenstore-rm /xw/a
xenstore-write /local/domain/0/relw/x 1
wait_until 6 pid_gone "$W1"
wait_until 6 pid_gone "$W2"
rc=0; wait "$W1" || rc=$?
expect_eq "xenstore-watch -n 4 /xw exit status (124: events never came)" 0 "$rc"
expect_eq "xenstore-watch -n 4 /xw: initial event, then one per change" \
	"$(printf '/xw\n/xw/a\n/xw/b\n/xw/a')" "$(cat "$T/watch.out")"
rc=0; wait "$W2" || rc=$?
expect_eq "xenstore-watch -n 2 relw (relative) exit status" 0 "$rc"
expect_eq "relative watch gets relative event paths" \
	"$(printf 'relw\nrelw/x')" "$(cat "$T/relwatch.out")"
WATCH_PIDS=

# --- values and nested creation ---
expect_rc "write several pairs" 0 xenstore-write /xs/a 1 /xs/b/c 2 /xs/d ""
expect_rc "read several" 0 xenstore-read /xs/a /xs/b/c /xs/d
expect_eq "read values" "$(printf '1\n2\n')" "$OUT"
expect_rc "write deep path" 0 xenstore-write /xs/n/e/s/t/ed deep
expect_rc "read deep" 0 xenstore-read /xs/n/e/s/t/ed
expect_eq "deep value" deep "$OUT"
expect_rc "implicit parent exists" 0 xenstore-read /xs/n/e/s
expect_eq "implicit parent has an empty value" "" "$OUT"
expect_rc "overwrite" 0 xenstore-write /xs/a one
expect_eq "overwritten value" one "$(xenstore-read /xs/a)"
expect_rc "read -p prefixes the path" 0 xenstore-read -p /xs/b/c
expect_eq "read -p output" "/xs/b/c: 2" "$OUT"
expect_rc "read of a missing node fails" 1 xenstore-read /xs/missing
expect_eq "its message" "xenstore-read: couldn't read path /xs/missing" "$ERR"

# --- listings ---
expect_rc "ls" 0 xenstore-ls /xs
expect_eq "ls output" 'a = "one"
b = ""
 c = "2"
d = ""
n = ""
 e = ""
  s = ""
   t = ""
    ed = "deep"' "$OUT"
expect_rc "ls -f" 0 xenstore-ls -f /xs/b
expect_eq "ls -f output" '/xs/b/c = "2"' "$OUT"
expect_rc "list" 0 xenstore-list /xs
expect_eq "list output" "$(printf 'a\nb\nd\nn')" "$OUT"
expect_rc "list -p" 0 xenstore-list -p /xs/b
expect_eq "list -p output" "/xs/b/c" "$OUT"
expect_rc "list of a missing node fails" 1 xenstore-list /xs/missing

# --- permissions ---
expect_rc "chmod" 0 xenstore-chmod /xs/a b3 r4
expect_rc "ls -p" 0 xenstore-ls -p /xs
expect_eq "ls -p shows the new permissions, others unchanged" \
'a = "one"  . . . . . . . . . . . . . . . . . . . . . . . . .  (b3,r4)
b = "" . . . . . . . . . . . . . . . . . . . . . . . . . . .  (n0)
 c = "2" . . . . . . . . . . . . . . . . . . . . . . . . . .  (n0)
d = "" . . . . . . . . . . . . . . . . . . . . . . . . . . .  (n0)
n = "" . . . . . . . . . . . . . . . . . . . . . . . . . . .  (n0)
 e = ""  . . . . . . . . . . . . . . . . . . . . . . . . . .  (n0)
  s = "" . . . . . . . . . . . . . . . . . . . . . . . . . .  (n0)
   t = ""  . . . . . . . . . . . . . . . . . . . . . . . . .  (n0)
    ed = "deep"  . . . . . . . . . . . . . . . . . . . . . .  (n0)' "$OUT"
expect_rc "chmod -r" 0 xenstore-chmod -r /xs/b w7 b8
expect_rc "ls -p after chmod -r" 0 xenstore-ls -p /xs/b
expect_eq "chmod -r changed the subtree" \
'c = "2"  . . . . . . . . . . . . . . . . . . . . . . . . . .  (w7,b8)' "$OUT"
expect_eq "and the node itself" "(w7,b8)" \
	"$(xenstore-ls -p /xs | sed -n 's/^b = .*\(([^)]*)\)$/\1/p')"
xenstore-write /xs/a/child x
expect_eq "a new node inherits its parent's permissions" "(b3,r4)" \
	"$(xenstore-ls -p /xs/a | sed -n 's/^child = .*\(([^)]*)\)$/\1/p')"
expect_rc "chmod of a missing node fails" 1 xenstore-chmod /xs/missing r1
expect_rc "chmod with a bad permission fails" 1 xenstore-chmod /xs/a q1

# --- exists and rm ---
expect_rc "exists: existing node" 0 xenstore-exists /xs/n/e/s/t/ed
expect_rc "exists: missing node" 1 xenstore-exists /xs/n/e/s/t/none
expect_rc "rm of a subtree" 0 xenstore-rm /xs/n
expect_rc "its root is gone" 1 xenstore-exists /xs/n
expect_rc "its leaves are gone" 1 xenstore-exists /xs/n/e/s/t/ed
expect_eq "the rest stays" "$(printf 'a\nb\nd')" "$(xenstore-list /xs)"
expect_rc "rm of a missing node whose parent exists succeeds" 0 xenstore-rm /xs/nothere
expect_rc "rm below a missing parent fails" 1 xenstore-rm /xs/nothere/x
expect_rc "rm -t removes empty parents too" 0 xenstore-rm -t /xs/b/c
expect_rc "the emptied parent is gone" 1 xenstore-exists /xs/b
expect_rc "the grandparent stays" 0 xenstore-exists /xs

# --- binary-ish values (escaped by the utils, raw bytes on the wire) ---
expect_rc "write escapes" 0 xenstore-write /bin/esc 'x\x01y\tz\\w\000q'
expect_eq "read shows escapes" 'x\001y\tz\\w\000q' "$(xenstore-read /bin/esc)"
expect_eq "read -R gives the raw bytes, NUL included" \
	"78 01 79 09 7a 5c 77 00 71" "$(xenstore-read -R /bin/esc | od -An -tx1 | xargs)"
expect_rc "write -R keeps backslashes" 0 xenstore-write -R /bin/raw 'a\x01'
expect_eq "its raw bytes" "61 5c 78 30 31" "$(xenstore-read -R /bin/raw | od -An -tx1 | xargs)"
expect_rc "write UTF-8 and escape bytes" 0 xenstore-write /bin/utf "$(printf 'caf\303\251 \033[0m')"
expect_eq "their raw bytes" "63 61 66 c3 a9 20 1b 5b 30 6d" \
	"$(xenstore-read -R /bin/utf | od -An -tx1 | xargs)"

# --- long values ---
head -c 4000 /dev/zero | tr '\0' 'v' >"$T/long"
expect_rc "write a 4000-byte value" 0 xenstore-write /long "$(cat "$T/long")"
xenstore-read /long >"$T/long.read"
expect_eq "read it back (4000 bytes + newline)" 4001 "$(wc -c <"$T/long.read")"
if cmp -s <(head -c 4000 "$T/long.read") "$T/long"; then
	ok "long value intact"
else
	fail "long value differs"
fi

# --- long paths: 3072 bytes is the longest absolute path ---
p3072="/lp/$(head -c 3068 /dev/zero | tr '\0' 'p')"
p3073="${p3072}q"
expect_eq "test path length" 3072 "${#p3072}"
expect_rc "write at a 3072-byte path" 0 xenstore-write "$p3072" max
expect_rc "read it" 0 xenstore-read "$p3072"
expect_eq "its value" max "$OUT"
expect_rc "exists at 3072" 0 xenstore-exists "$p3072"
expect_rc "write at a 3073-byte path fails" 1 xenstore-write "$p3073" over
expect_eq "its message" "xenstore-write: could not write path $p3073" "$ERR"
expect_rc "read at 3073 fails" 1 xenstore-read "$p3073"
expect_eq "nothing was created by the failed write" "${p3072#/lp/}" "$(xenstore-list /lp)"

# --- bad paths ---
for bad in '/bad//x' '/bad x' '/bad/' '/bad/ä'; do
	expect_rc "write to bad path '$bad' fails" 1 xenstore-write "$bad" 1
done
expect_rc "no node /bad was created" 1 xenstore-exists /bad

# --- a directory bigger than one message (DIRECTORY_PART) ---
args=()
for i in $(seq -w 1 500); do args+=("/big/child-with-a-long-name-$i" "$i"); done
expect_rc "write 500 nodes in one go" 0 xenstore-write "${args[@]}"
expect_rc "list a 13 kB directory" 0 xenstore-list /big
expect_eq "all 500 children listed" 500 "$(printf '%s\n' "$OUT" | grep -c '^child-with-a-long-name-[0-9]*$')"
expect_eq "each once" 500 "$(printf '%s\n' "$OUT" | sort -u | wc -l)"
expect_eq "ls shows the last one" 'child-with-a-long-name-500 = "500"' \
	"$(xenstore-ls /big | grep -- '-500 ')"

finish
