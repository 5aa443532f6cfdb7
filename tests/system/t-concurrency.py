#!/usr/bin/python3
"""Concurrent clients, each a process with its own connection:
1. 16 clients each make 200 read-increment-write transactions on one
   shared counter, retrying on EAGAIN, while 4 more write unrelated nodes:
   the counter ends at exactly 16*200 (no update lost) and every unrelated
   write is there.
2. 16 clients each make 100 read-increment-write transactions on a node of
   their own (while the unrelated writers go on): conflicts are detected
   per node, so none of these transactions may get EAGAIN."""
import multiprocessing as mp
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xstest  # noqa: E402

xstest.need_daemon()
chk = xstest.Checker()

CLIENTS = 16
INCREMENTS = 200
WRITERS = 4
WRITES = 250
DISJOINT_TX = 100
DEADLINE = 45.0  # seconds for each phase, all clients together


def increment(r, path):
    """One read-increment-write transaction; returns the EAGAINs it took."""
    retries = 0
    while True:
        tx = r.start()
        v = int(r.read(path, tx))
        r.write(path, str(v + 1).encode(), tx)
        try:
            r.end(tx, True)
            return retries
        except xstest.XsError as e:
            if e.name != "EAGAIN":
                raise
            retries += 1
            if retries > 100000:
                raise RuntimeError("over 100000 EAGAINs on %r" % path)


def counter_client(i, start, q):
    try:
        with xstest.Raw(timeout=30) as r:
            start.wait(30)
            retries = sum(increment(r, b"/conc/counter") for _ in range(INCREMENTS))
        q.put(("counter", i, retries, None))
    except Exception as e:
        q.put(("counter", i, -1, "%s: %s" % (type(e).__name__, e)))


def disjoint_client(i, start, q):
    try:
        with xstest.Raw(timeout=30) as r:
            start.wait(30)
            path = b"/conc/disjoint/%d" % i
            retries = sum(increment(r, path) for _ in range(DISJOINT_TX))
        q.put(("disjoint", i, retries, None))
    except Exception as e:
        q.put(("disjoint", i, -1, "%s: %s" % (type(e).__name__, e)))


def writer_client(i, phase, start, q):
    try:
        with xstest.Raw(timeout=30) as r:
            start.wait(30)
            for n in range(WRITES):
                r.write(b"/conc/unrelated/%s/%d/%d" % (phase.encode(), i, n),
                        b"%d-%d" % (i, n))
        q.put(("writer", i, 0, None))
    except Exception as e:
        q.put(("writer", i, -1, "%s: %s" % (type(e).__name__, e)))


def run_phase(name, targets):
    """Starts the clients together; returns their reports."""
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    start = ctx.Event()
    procs = [ctx.Process(target=t, args=a + (start, q)) for t, a in targets]
    for p in procs:
        p.start()
    t0 = time.monotonic()
    start.set()
    reports = []
    while len(reports) < len(procs) and time.monotonic() - t0 < DEADLINE:
        try:
            reports.append(q.get(timeout=1))
        except Exception:
            pass
    elapsed = time.monotonic() - t0
    for p in procs:
        p.join(max(0.1, DEADLINE - (time.monotonic() - t0)))
        if p.is_alive():
            p.kill()
            p.join(5)
    chk.eq(len(reports), len(procs), "%s: every client finished within %d s" % (name, DEADLINE))
    for kind, i, _n, err in reports:
        chk.ok(err is None, "%s: %s client %d" % (name, kind, i), err or "")
    print("%s: %d clients in %.1f s" % (name, len(procs), elapsed))
    return reports


def check_unrelated(r, phase):
    missing = wrong = 0
    for i in range(WRITERS):
        base = b"/conc/unrelated/%s/%d" % (phase.encode(), i)
        try:
            names = set(r.directory(base))
        except xstest.XsError:
            names = set()
        for n in range(WRITES):
            if str(n).encode() not in names:
                missing += 1
                continue
            if r.read(b"%s/%d" % (base, n)) != b"%d-%d" % (i, n):
                wrong += 1
    chk.eq(missing, 0, "%s: unrelated writes missing" % phase)
    chk.eq(wrong, 0, "%s: unrelated writes with a wrong value" % phase)


with xstest.Raw() as r:
    r.write(b"/conc/counter", b"0")
    for i in range(CLIENTS):
        r.write(b"/conc/disjoint/%d" % i, b"0")

# Phase 1: one shared counter.
reports = run_phase("shared counter",
                    [(counter_client, (i,)) for i in range(CLIENTS)] +
                    [(writer_client, (i, "p1")) for i in range(WRITERS)])
retries = sum(n for kind, _i, n, err in reports if kind == "counter" and not err)
print("shared counter: %d EAGAIN retries for %d transactions" % (retries, CLIENTS * INCREMENTS))
with xstest.Raw() as r:
    chk.eq(r.read(b"/conc/counter"), str(CLIENTS * INCREMENTS).encode(),
           "counter after %d x %d increments (no lost update)" % (CLIENTS, INCREMENTS))
    check_unrelated(r, "p1")

# Phase 2: one node per client.
reports = run_phase("disjoint nodes",
                    [(disjoint_client, (i,)) for i in range(CLIENTS)] +
                    [(writer_client, (i, "p2")) for i in range(WRITERS)])
disjoint_retries = sum(n for kind, _i, n, err in reports if kind == "disjoint" and not err)
chk.eq(disjoint_retries, 0, "EAGAINs of transactions on disjoint nodes")
with xstest.Raw() as r:
    values = [r.read(b"/conc/disjoint/%d" % i) for i in range(CLIENTS)]
    chk.eq(values, [str(DISJOINT_TX).encode()] * CLIENTS, "each disjoint node counted to %d"
           % DISJOINT_TX)
    check_unrelated(r, "p2")
chk.ok(xstest.alive(), "the daemon is alive")
chk.finish()
