#!/usr/bin/python3
"""Helper of t-liveupdate.sh: a pyxs client held open across a live update.

Before: sets a watch on /lu/w, introduces domain 5, starts a transaction
with a pending write (/lu/txd/tx) and a second one that read /lu/conf/v;
then writes READY-FILE. The test then changes /lu/conf/v (a conflict for
the second transaction), updates the daemon, writes /lu/w/after and
writes GO-FILE, for which this waits (bounded).
After: the watch must have fired for /lu/w/after, the first transaction
must still see its write and commit, the second must fail with EAGAIN,
and domain 5 must still be introduced. Nothing else may touch the nodes
the transactions read or wrote (/lu/a, /lu/txd and below, /lu/conf/v).
Prints one line per check; exit status 0 if all passed."""
import copy
import os
import queue
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xstest  # noqa: E402
from pyxs import Client  # noqa: E402

ready_file, go_file = sys.argv[1], sys.argv[2]
chk = xstest.Checker()

c = Client(unix_socket_path=xstest.SOCKET)
c.connect()
m = c.monitor()
m.watch(b"/lu/w", b"tok")
first = m.events.get(timeout=5)
chk.eq(tuple(first), (b"/lu/w", b"tok"), "before: the watch fired when set")
c.introduce_domain(5, 4321, 9)
# Raw connections caught mid-way by the update: one has sent half a
# request; one has 400 replies of 4000 bytes waiting (more than the socket
# holds: the rest is queued in the daemon, and the requests after that not
# even read yet).
half = xstest.Raw()
msg = xstest.HDR.pack(xstest.WRITE, 77, 0, len(b"/lu/half\0done")) + b"/lu/half\0done"
half.sock.sendall(msg[:20])
big = b"B" * 4000
c.write(b"/lu/big", big)
backlog = xstest.Raw()
backlog.sock.sendall(b"".join(xstest.HDR.pack(xstest.READ, i, 0, 8) + b"/lu/big\0"
                              for i in range(400)))
time.sleep(0.3)

tx = c.transaction()
chk.eq(c.read(b"/lu/a"), b"1", "before: read in the transaction")
c.write(b"/lu/txd/tx", b"pending")
c2 = copy.copy(c)  # same connection, its own transaction
c2.tx_id = 0
c2.transaction()
chk.eq(c2.read(b"/lu/conf/v"), b"orig", "before: read in the second transaction")
c2.write(b"/lu/conf/v", b"mine")

with open(ready_file, "w") as f:
    f.write("%d\n" % tx)

deadline = time.monotonic() + 30
while not os.path.exists(go_file):
    if time.monotonic() > deadline:
        print("FAIL: no go after 30 s")
        sys.exit(1)
    time.sleep(0.05)

events = []
try:
    events.append(tuple(m.events.get(timeout=3)))
    while True:
        events.append(tuple(m.events.get(timeout=0.3)))
except queue.Empty:
    pass
chk.eq(events, [(b"/lu/w/after", b"tok")], "after: the watch set before the update fired once")
chk.eq(c.read(b"/lu/txd/tx"), b"pending", "after: the transaction still sees its pending write")
chk.eq(c2.read(b"/lu/conf/v"), b"mine", "after: so does the second")
ok = c.commit()
chk.eq(ok, True, "after: the transaction started before the update commits")
chk.eq(c.read(b"/lu/txd/tx", b"<missing>"), b"pending", "after: its write is visible")
chk.eq(c2.commit(), False, "after: the second, which met a conflict before the update, "
       "fails (EAGAIN)")
chk.eq(c.read(b"/lu/conf/v"), b"theirs", "after: the conflicting write stands")
chk.eq(c.is_domain_introduced(5), True, "after: domain 5 is still introduced")
c.write(b"/lu/held", b"still here")
chk.eq(c.read(b"/lu/held"), b"still here", "after: the held connection writes and reads")
half.sock.sendall(msg[20:])
try:
    chk.eq(half.recv(5), (xstest.WRITE, 77, 0, b"OK\0"),
           "after: a request half sent before the update, completed after it")
except Exception as e:
    chk.ok(False, "after: the half-sent request is answered", repr(e))
chk.eq(c.read(b"/lu/half", b"<missing>"), b"done", "after: and it was carried out")
bad = 0
try:
    for i in range(400):
        got = backlog.recv(5)
        if got != (xstest.READ, i, 0, big):
            bad += 1
            if bad <= 3:
                print("reply %d: %r" % (i, (got[:3], got[3][:40], len(got[3]))))
except Exception as e:
    chk.ok(False, "after: the 400 replies waiting across the update come", repr(e))
chk.eq(bad, 0, "after: replies waiting across the update that are wrong or out of order")
m.unwatch(b"/lu/w", b"tok")
c.close()
chk.finish()
