#!/usr/bin/python3
"""Malformed and hostile input on raw sockets (xsd_sockmsg headers packed
by hand). After each case a second, well-behaved client must still get
correct answers quickly, and the daemon's memory must stay bounded."""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xstest  # noqa: E402
from xstest import Raw  # noqa: E402

xstest.need_daemon()
chk = xstest.Checker()
RSS_LIMIT_KB = 200 * 1024
PROBE_LIMIT = 1.0  # seconds for the well-behaved client's round trips
probes = [0]
CHECK_RSS = not xstest.sanitized()
if not CHECK_RSS:
    print("the daemon runs under AddressSanitizer: its memory use is not checked")


def rss_ok(what, cond, detail):
    if CHECK_RSS:
        chk.ok(cond, what, detail)


def probe(after):
    """A fresh connection writes and reads back a node, quickly."""
    probes[0] += 1
    path = b"/probe/%d" % probes[0]
    t0 = time.monotonic()
    try:
        with Raw(timeout=5) as r:
            r.write(path, b"v%d" % probes[0], )
            got = r.read(path)
            r.request(xstest.RM, path + b"\0")
    except Exception as e:
        chk.ok(False, "after %s: a well-behaved client works" % after, repr(e))
        return
    dt = time.monotonic() - t0
    chk.eq(got, b"v%d" % probes[0], "after %s: a well-behaved client reads its write" % after)
    chk.ok(dt < PROBE_LIMIT, "after %s: its 3 round trips take < %.1f s" % (after, PROBE_LIMIT),
           "took %.2f s" % dt)
    rss = xstest.rss_kb()
    rss_ok("after %s: daemon RSS < %d MB" % (after, RSS_LIMIT_KB // 1024),
           0 < rss < RSS_LIMIT_KB, "VmRSS %d kB" % rss)


def closed_by_daemon(r, timeout=3.0):
    try:
        m = r.recv(timeout)
        return "got a message instead: %r" % (m,)
    except xstest.Closed:
        return None
    except xstest.Timeout:
        return "still open after %.0f s" % timeout


def oversized():
    with Raw() as r:
        r.send(xstest.WRITE, b"", length=4097)  # header only: len 4097
        err = closed_by_daemon(r)
        chk.ok(err is None, "len 4097 > 4096: the daemon closes the connection", err or "")
    with Raw() as r:
        r.send(xstest.READ, b"", length=0xffffffff)
        err = closed_by_daemon(r)
        chk.ok(err is None, "len 0xffffffff: the daemon closes the connection", err or "")
    # exactly 4096 is allowed
    with Raw() as r:
        path = b"/max"
        value = b"m" * (4096 - len(path) - 1)
        chk.eq(r.error_of(xstest.WRITE, path + b"\0" + value), "OK:b'OK\\x00'",
               "a WRITE with a payload of exactly 4096 bytes")
        chk.eq(r.read(path), value, "its value")


def unknown_types():
    with Raw() as r:
        r.send(999, b"/x\0", req_id=4242, tx_id=0)
        t, rq, tx, p = r.recv()
        chk.eq((t, rq, tx, p), (xstest.ERROR, 4242, 0, b"EINVAL\0"),
               "type 999: ERROR 'EINVAL\\0' with the req_id echoed")
        for mtype, name in ((xstest.WATCH_EVENT, "WATCH_EVENT"), (xstest.ERROR, "ERROR"),
                            (20, "type 20 (unused)"), (128, "type 128")):
            chk.eq(r.error_of(mtype, b"/x\0tok\0"), "EINVAL", "%s sent by a client" % name)
        chk.eq(r.error_of(xstest.READ, b"/\0"), "OK:b''", "the connection still works")


def bad_payloads():
    with Raw() as r:
        r.write(b"/bad/ok", b"1")
        chk.eq(r.error_of(xstest.READ, b"/bad/ok"), "EINVAL", "READ path without its NUL")
        chk.eq(r.error_of(xstest.READ, b""), "EINVAL", "READ with an empty payload")
        chk.eq(r.error_of(xstest.READ, b"/bad/ok\0junk"), "EINVAL", "READ with bytes after the NUL")
        chk.eq(r.error_of(xstest.GET_PERMS, b"/bad/ok"), "EINVAL", "GET_PERMS without NUL")
        chk.eq(r.error_of(xstest.WRITE, b"/bad/nonul"), "EINVAL", "WRITE with no NUL at all")
        for path in (b"/bad x", b"/bad//x", b"/bad/", b"//", b"/bad/\xc3\xa4", b"/bad/a.b",
                     b"/bad/a:b", b"/bad\tx", b"", b"/bad/" + b"p" * 3068):
            chk.eq(r.error_of(xstest.READ, path + b"\0"), "EINVAL", "READ of path %r" % path[:40])
            chk.eq(r.error_of(xstest.WRITE, path + b"\0v"), "EINVAL", "WRITE to path %r" % path[:40])
            chk.eq(r.error_of(xstest.MKDIR, path + b"\0"), "EINVAL", "MKDIR of path %r" % path[:40])
        chk.eq(r.directory(b"/bad"), [b"ok"], "no bad path created a node")
        chk.eq(r.error_of(xstest.WRITE, b"/bad/" + b"p" * 3067 + b"\0v"), "OK:b'OK\\x00'",
               "WRITE to a path of exactly 3072 bytes")
        chk.eq(r.error_of(xstest.READ, b"@foo\0"), "EINVAL", "READ of a special path")
        chk.eq(r.error_of(xstest.WATCH, b"/bad x\0tok\0"), "EINVAL", "WATCH of a bad path")
        chk.eq(r.error_of(xstest.WATCH, b"/bad/ok\0"), "EINVAL", "WATCH without a token")
        for perms in (b"q1\0", b"r\0", b"r1x\0", b"r-1\0", b"r65536\0", b"\0", b"r1\0\0",
                      b"r1"):
            chk.eq(r.error_of(xstest.SET_PERMS, b"/bad/ok\0" + perms), "EINVAL",
                   "SET_PERMS with permissions %r" % perms)
        chk.eq(r.error_of(xstest.SET_PERMS, b"/bad/ok\0"), "EINVAL", "SET_PERMS without permissions")
        chk.eq(r.request(xstest.GET_PERMS, b"/bad/ok\0"), b"n0\0", "permissions unchanged")
        chk.eq(r.error_of(xstest.SET_PERMS, b"/bad/ok\0r1\0b2\0"), "OK:b'OK\\x00'",
               "SET_PERMS with good permissions")
        chk.eq(r.request(xstest.GET_PERMS, b"/bad/ok\0"), b"r1\0b2\0", "and GET_PERMS shows them")
        chk.eq(r.error_of(xstest.INTRODUCE, b"abc\0" b"1\0" b"1\0"), "EINVAL", "INTRODUCE of domain 'abc'")
        chk.eq(r.error_of(xstest.INTRODUCE, b"0\0" b"1\0" b"1\0"), "EINVAL", "INTRODUCE of domain 0")
        chk.eq(r.error_of(xstest.INTRODUCE, b"32752\0" b"1\0" b"1\0"), "EINVAL",
               "INTRODUCE of DOMID_FIRST_RESERVED")
        chk.eq(r.error_of(xstest.DIRECTORY_PART, b"/bad\0x\0"), "EINVAL", "DIRECTORY_PART offset 'x'")


def transactions():
    with Raw() as r:
        chk.eq(r.error_of(xstest.TRANSACTION_END, b"T\0", tx_id=12345), "ENOENT",
               "TRANSACTION_END of an unknown transaction")
        chk.eq(r.error_of(xstest.TRANSACTION_END, b"T\0", tx_id=0), "ENOENT",
               "TRANSACTION_END with tx_id 0")
        chk.eq(r.error_of(xstest.READ, b"/\0", tx_id=777), "ENOENT", "READ in an unknown transaction")
        chk.eq(r.error_of(xstest.WRITE, b"/t\0v", tx_id=777), "ENOENT",
               "WRITE in an unknown transaction")
        chk.eq(r.error_of(xstest.WRITE, b"/t\0v"), "OK:b'OK\\x00'", "and nothing was written: WRITE")
        tx = r.start()
        chk.eq(r.error_of(xstest.TRANSACTION_END, b"X\0", tx_id=tx), "EINVAL",
               "TRANSACTION_END with 'X'")
        chk.eq(r.error_of(xstest.TRANSACTION_END, b"T", tx_id=tx), "EINVAL",
               "TRANSACTION_END without the NUL")
        chk.eq(r.error_of(xstest.TRANSACTION_START, b"\0", tx_id=tx), "EBUSY",
               "TRANSACTION_START inside a transaction")
        chk.eq(r.error_of(xstest.TRANSACTION_END, b"F\0", tx_id=tx), "OK:b'OK\\x00'",
               "the transaction is still there and ends")
    # another connection's transaction id is not ours
    with Raw() as a, Raw() as b:
        tx = a.start()
        chk.eq(b.error_of(xstest.READ, b"/\0", tx_id=tx), "ENOENT",
               "a transaction id of another connection")
        chk.eq(a.error_of(xstest.TRANSACTION_END, b"T\0", tx_id=tx), "OK:b'OK\\x00'",
               "its owner ends it")


def trickle():
    with Raw() as r:
        msg = xstest.HDR.pack(xstest.WRITE, 5, 0, 7) + b"/slow\0v"
        for i in range(len(msg)):
            r.sock.sendall(msg[i:i + 1])
            time.sleep(0.002)
        chk.eq(r.recv(), (xstest.WRITE, 5, 0, b"OK\0"), "a request sent one byte at a time")
        # two requests in one send
        two = (xstest.HDR.pack(xstest.READ, 6, 0, 6) + b"/slow\0" +
               xstest.HDR.pack(xstest.READ, 7, 0, 6) + b"/slow\0")
        r.sock.sendall(two)
        chk.eq([r.recv(), r.recv()], [(xstest.READ, 6, 0, b"v"), (xstest.READ, 7, 0, b"v")],
               "two requests in one write, answered in order")


def abandoned():
    # connections that go away in the middle of things
    for i in range(20):
        s = socket.socket(socket.AF_UNIX)
        s.connect(xstest.SOCKET)
        s.sendall(xstest.HDR.pack(xstest.WRITE, 1, 0, 100) + b"/half")  # half a message
        s.close()
    with Raw() as r:
        tx = r.start()
        r.write(b"/abandoned/tx", b"1", tx)
        r.request(xstest.WATCH, b"/abandoned\0tok\0")
    with Raw() as r:
        chk.eq(r.error_of(xstest.READ, b"/abandoned/tx\0"), "ENOENT",
               "the write of a transaction abandoned by its closed connection is not there")
        r.write(b"/abandoned/x", b"1")  # fires nothing for the gone watch
    # many connections at once
    conns = []
    try:
        for i in range(200):
            conns.append(Raw())
        for i, c in enumerate(conns):
            c.send(xstest.WRITE, b"/many/%d\0%d" % (i, i), req_id=i)
        good = sum(1 for i, c in enumerate(conns) if c.recv() == (xstest.WRITE, i, 0, b"OK\0"))
        chk.eq(good, 200, "200 connections at once, each answered")
    finally:
        for c in conns:
            c.close()


def write_flood():
    N = 20000
    flood = Raw(timeout=60)
    try:
        msgs = b"".join(xstest.HDR.pack(xstest.WRITE, i, 0, len(b"/flood/%d\0%d" % (i % 100, i))) +
                        b"/flood/%d\0%d" % (i % 100, i) for i in range(N))
        t0 = time.monotonic()
        flood.sock.sendall(msgs)  # none of the replies is read yet
        print("flood: %d writes (%d bytes) sent in %.2f s" % (N, len(msgs), time.monotonic() - t0))
        probe("20000 pipelined writes whose replies are not read")
        # Now read them all: every one answered, in order.
        bad = 0
        for i in range(N):
            t, rq, tx, p = flood.recv(10)
            if (t, rq, p) != (xstest.WRITE, i, b"OK\0"):
                bad += 1
                if bad < 5:
                    print("reply %d: %r" % (i, (t, rq, tx, p)))
        chk.eq(bad, 0, "replies to the flood that are not OK in order")
        chk.eq(flood.read(b"/flood/99"), b"%d" % (N - 1), "the last write of the flood won")
    finally:
        flood.close()


def read_flood():
    """Replies far bigger than the requests: 50000 READs of a 4000-byte
    node would queue 200 MB of replies if the daemon kept reading a client
    that does not read its replies."""
    import threading
    N = 50000
    value = b"r" * 4000
    with Raw() as r:
        r.write(b"/rf", value)
    rss0 = xstest.rss_kb()
    flood = Raw(timeout=60)
    msgs = b"".join(xstest.HDR.pack(xstest.READ, i, 0, 4) + b"/rf\0" for i in range(N))
    sent = []
    sender = threading.Thread(target=lambda: sent.append(flood.sock.sendall(msgs)), daemon=True)
    try:
        sender.start()
        time.sleep(1.0)  # the daemon reads until its queue for us is full
        probe("50000 pipelined READs of 4000 bytes whose replies are not read")
        rss = xstest.rss_kb()
        rss_ok("the daemon does not queue the replies without bound", rss - rss0 < 64 * 1024,
               "VmRSS grew from %d kB to %d kB" % (rss0, rss))
        bad = 0
        t0 = time.monotonic()
        for i in range(N):
            m = flood.recv(10)
            if m != (xstest.READ, i, 0, value):
                bad += 1
                if bad < 5:
                    print("reply %d: %r" % (i, m[:3]))
        print("read flood: %d replies read in %.2f s" % (N, time.monotonic() - t0))
        chk.eq(bad, 0, "replies to the read flood that are wrong or out of order")
        sender.join(10)
        chk.ok(not sender.is_alive(), "the whole flood was taken in the end")
    finally:
        flood.close()


def watch_flood():
    W = 5000
    watcher = Raw(timeout=30)
    try:
        watcher.write(b"/wf", b"")
        reqs = b"".join(xstest.HDR.pack(xstest.WATCH, i, 0, len(b"/wf\0t%d\0" % i)) +
                        b"/wf\0t%d\0" % i for i in range(W))
        watcher.sock.sendall(reqs)
        oks = events = 0
        while oks < W:
            t, rq, tx, p = watcher.recv(10)
            if t == xstest.WATCH:
                oks += p == b"OK\0"
            elif t == xstest.WATCH_EVENT:
                events += 1
            else:
                print("unexpected reply %r" % ((t, rq, tx, p),))
                break
        chk.eq(oks, W, "5000 watches set")
        # Now trigger 5000 events per write and never read them.
        t0 = time.monotonic()
        with Raw(timeout=30) as w:
            for i in range(400):
                w.write(b"/wf/n%d" % (i % 10), b"%d" % i)
        dt = time.monotonic() - t0
        print("watch flood: 400 writes x 5000 watches in %.2f s" % dt)
        chk.ok(dt < 20, "400 writes firing 5000 watches each take < 20 s", "%.1f s" % dt)
        probe("2 million watch events for a client that does not read")
    finally:
        watcher.close()
    probe("the watch flood's client went away")


for name, fn in [("oversized messages", oversized), ("unknown and reply-only types", unknown_types),
                 ("bad payloads", bad_payloads), ("transaction ids", transactions),
                 ("trickled and batched requests", trickle),
                 ("abandoned and many connections", abandoned),
                 ("write flood", write_flood), ("read flood", read_flood),
                 ("watch flood", watch_flood)]:
    xstest.run_case(chk, name, fn)
    probe(name)
    if not chk.ok(xstest.alive(), "the daemon is alive after " + name):
        break
print("daemon VmRSS at the end: %d kB" % xstest.rss_kb())
chk.finish()
