#!/usr/bin/python3
"""pyxs (python3-pyxs) against the daemon: values, mkdir, rm, directory,
permissions, transactions (commit, rollback, conflict, events only on
commit), watches through Monitor, domain queries, errors."""
import errno
import os
import queue
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xstest  # noqa: E402

try:
    from pyxs import Client, PyXSError
    from pyxs._internal import Op
except ImportError as e:
    print("SKIP: python3-pyxs is not installed (%s)" % e)
    sys.exit(77)

xstest.need_daemon()
chk = xstest.Checker()
SOCK = xstest.SOCKET


def client():
    c = Client(unix_socket_path=SOCK)
    c.connect()
    return c


def next_event(m, timeout=3.0):
    """The next watch event of a monitor, or None after timeout."""
    try:
        return tuple(m.events.get(timeout=timeout))
    except queue.Empty:
        return None


def drain(m):
    while True:
        try:
            m.events.get_nowait()
        except queue.Empty:
            return


# Events come within milliseconds; once one has not come at all, wait less
# for the next ones so that a daemon that loses events fails quickly.
event_timeout = [1.5]


def events_of(m, action, expect, grace=0.2):
    """Drains the monitor, runs action, and returns the events that follow:
    waits up to event_timeout for `expect` of them, then grace for any extra."""
    drain(m)
    action()
    got = []
    deadline = time.monotonic() + event_timeout[0]
    while len(got) < expect:
        e = next_event(m, max(0.0, deadline - time.monotonic()))
        if e is None:
            event_timeout[0] = 0.5
            break
        got.append(e)
    while True:
        e = next_event(m, grace)
        if e is None:
            return got
        got.append(e)


c = client()
c2 = client()  # a second, independent connection


def values():
    c.write(b"/py/a", b"1")
    chk.eq(c.read(b"/py/a"), b"1", "read after write")
    chk.eq(c2.read(b"/py/a"), b"1", "another connection reads it")
    c.write(b"/py/a", b"")
    chk.eq(c.read(b"/py/a"), b"", "empty value")
    c.write(b"/py/deep/er/node", b"x")
    chk.eq(c.read(b"/py/deep/er"), b"", "implicit parent, empty value")
    chk.eq(c.read(b"/py/missing", b"dflt"), b"dflt", "read default for a missing node")
    chk.raises(lambda: c.read(b"/py/missing"), errno.ENOENT, "read of a missing node")
    # relative paths are below the caller's domain path (dom0 here)
    c.write(b"relnode", b"rel")
    chk.eq(c.read(b"/local/domain/0/relnode"), b"rel", "relative write lands in /local/domain/0")
    chk.eq(c.read(b"relnode"), b"rel", "relative read")
    # pyxs sends 7-bit values only; NUL bytes inside a value are fine
    big = (bytes(range(32, 127)) + b"\0") * 42
    c.write(b"/py/bin", big[:4000])
    chk.eq(c.read(b"/py/bin"), big[:4000], "4000-byte value with NULs inside")


def mkdir_rm_list():
    c.mkdir(b"/py/dir/sub")
    chk.eq(c.read(b"/py/dir/sub"), b"", "mkdir creates an empty node")
    c.write(b"/py/dir/sub", b"keep")
    c.mkdir(b"/py/dir/sub")
    chk.eq(c.read(b"/py/dir/sub"), b"keep", "mkdir of an existing node keeps its value")
    for n in (b"c", b"a", b"b"):
        c.write(b"/py/dir/list/" + n, n)
    chk.eq(sorted(c.list(b"/py/dir/list")), [b"a", b"b", b"c"], "directory")
    chk.eq(c.list(b"/py/dir/list/a"), [], "directory of a leaf")
    chk.raises(lambda: c.list(b"/py/dir/nope"), errno.ENOENT, "directory of a missing node")
    chk.eq(c.exists(b"/py/dir/list/a"), True, "exists")
    chk.eq(c.exists(b"/py/dir/list/z"), False, "exists of a missing node")
    c.delete(b"/py/dir/list")
    chk.eq(c.exists(b"/py/dir/list"), False, "rm removes the node")
    chk.eq(c.exists(b"/py/dir/list/a"), False, "rm removes the subtree")
    chk.eq(c.list(b"/py/dir"), [b"sub"], "rm leaves the siblings")
    c.delete(b"/py/dir/never")  # missing node, parent exists: fine
    chk.ok(True, "rm of a missing node with a parent")
    chk.raises(lambda: c.delete(b"/py/dir/never/x"), errno.ENOENT, "rm below a missing parent")
    walked = [p for p, _v, _ch in c.walk(b"/py/dir")]
    chk.eq(walked, [b"/py/dir", b"/py/dir/sub"], "walk")


def perms():
    c.write(b"/py/p", b"v")
    chk.eq(c.get_perms(b"/py/p"), [b"n0"], "default permissions of a dom0 node")
    c.set_perms(b"/py/p", [b"b3", b"r4", b"w5"])
    chk.eq(c.get_perms(b"/py/p"), [b"b3", b"r4", b"w5"], "get_perms after set_perms")
    c.write(b"/py/p/kid", b"")
    chk.eq(c.get_perms(b"/py/p/kid"), [b"b3", b"r4", b"w5"], "a new child inherits them")
    chk.raises(lambda: c.set_perms(b"/py/nonode", [b"r1"]), errno.ENOENT,
               "set_perms of a missing node")
    chk.raises(lambda: c.get_perms(b"/py/nonode"), errno.ENOENT, "get_perms of a missing node")
    chk.eq(c.read(b"/py/p"), b"v", "dom0 still reads a node it no longer owns")


def transactions():
    c.write(b"/py/tx/v", b"old")
    tx = c.transaction()
    chk.ok(isinstance(tx, int) and tx != 0, "transaction id is a non-zero integer", repr(tx))
    c.write(b"/py/tx/v", b"new")
    c.write(b"/py/tx/created", b"c")
    chk.eq(c.read(b"/py/tx/v"), b"new", "the transaction sees its own write")
    chk.eq(c2.read(b"/py/tx/v"), b"old", "others do not see it before commit")
    chk.eq(c2.exists(b"/py/tx/created"), False, "nor a node it created")
    chk.eq(c.commit(), True, "commit")
    chk.eq(c2.read(b"/py/tx/v"), b"new", "others see the write after commit")
    chk.eq(c2.read(b"/py/tx/created"), b"c", "and the created node")

    c.transaction()
    c.write(b"/py/tx/v", b"rolled")
    c.delete(b"/py/tx/created")
    c.rollback()
    chk.eq(c.read(b"/py/tx/v"), b"new", "rollback discards the write")
    chk.eq(c.read(b"/py/tx/created"), b"c", "and the removal")

    # conflict: the transaction read a node that someone else then changed
    c.transaction()
    chk.eq(c.read(b"/py/tx/v"), b"new", "read in the transaction")
    c2.write(b"/py/tx/v", b"theirs")
    c.write(b"/py/tx/v", b"mine")
    chk.eq(c.commit(), False, "commit after a conflicting write fails (EAGAIN)")
    chk.eq(c.read(b"/py/tx/v"), b"theirs", "the conflicting write stands")

    # retry loop as clients do it
    for attempt in range(5):
        c.transaction()
        v = int(c.read(b"/py/tx/n", b"0"))
        c.write(b"/py/tx/n", str(v + 1).encode())
        if c.commit():
            break
    chk.eq(c.read(b"/py/tx/n"), b"1", "read-increment-write transaction")

    # a transaction id is per connection: ending it twice is an error
    tx = c.transaction()
    chk.eq(c.commit(), True, "empty transaction commits")
    c.tx_id = tx
    chk.raises(lambda: c.commit(), errno.ENOENT, "second end of the same transaction")
    c.tx_id = 0
    chk.raises(lambda: c.execute_command(Op.TRANSACTION_END, b"T\x00"), errno.ENOENT,
               "end of transaction 0")


def watches():
    m = c.monitor()
    c.write(b"/py/w", b"")
    chk.eq(events_of(m, lambda: m.watch(b"/py/w", b"tok"), 1), [(b"/py/w", b"tok")],
           "a watch fires once when set")
    chk.eq(events_of(m, lambda: c.write(b"/py/w/mine", b"1"), 1),
           [(b"/py/w/mine", b"tok")], "one event for our own write of a new node")
    chk.eq(events_of(m, lambda: c.write(b"/py/w/mine", b"2"), 1),
           [(b"/py/w/mine", b"tok")], "one event for our own change of a value")
    chk.eq(events_of(m, lambda: c2.write(b"/py/w/theirs", b"1"), 1),
           [(b"/py/w/theirs", b"tok")],
           "one event for another connection's write (sent without our asking)")
    chk.eq(events_of(m, lambda: c2.write(b"/py/w/theirs", b"2"), 1),
           [(b"/py/w/theirs", b"tok")], "one event for another connection's change of value")
    chk.eq(events_of(m, lambda: c2.set_perms(b"/py/w/theirs", [b"n0", b"r1"]), 1),
           [(b"/py/w/theirs", b"tok")], "one event for a change of permissions")
    chk.eq(events_of(m, lambda: c2.mkdir(b"/py/w/made"), 1),
           [(b"/py/w/made", b"tok")], "one event for a mkdir")
    chk.eq(events_of(m, lambda: c2.write(b"/py/unwatched", b"1"), 0, grace=0.3), [],
           "no event for a path outside the watch")
    chk.eq(events_of(m, lambda: c2.delete(b"/py/w"), 1), [(b"/py/w", b"tok")],
           "one event, on the watched path, for the removal of its subtree")
    # a watch below a removed node: the event names the watched path
    c.write(b"/py/rmp/a/b", b"1")
    events_of(m, lambda: m.watch(b"/py/rmp/a/b", b"deep"), 1)
    chk.eq(events_of(m, lambda: c2.delete(b"/py/rmp"), 1), [(b"/py/rmp/a/b", b"deep")],
           "removal of a parent: the event's path is the watch's path")
    m.unwatch(b"/py/rmp/a/b", b"deep")
    # a watch on a node that does not exist yet
    events_of(m, lambda: m.watch(b"/py/later", b"later"), 1)
    chk.eq(events_of(m, lambda: c2.write(b"/py/later", b"now"), 1),
           [(b"/py/later", b"later")], "a watch on a missing node fires when it is made")
    m.unwatch(b"/py/later", b"later")

    # events of a transaction come at commit, not before
    c.write(b"/py/tw", b"")
    events_of(m, lambda: m.watch(b"/py/tw", b"tx"), 1)
    c2.transaction()
    chk.eq(events_of(m, lambda: c2.write(b"/py/tw/a", b"1"), 0, grace=0.3), [],
           "no event for a write inside a transaction")
    chk.eq(events_of(m, lambda: chk.eq(c2.commit(), True, "commit"), 1),
           [(b"/py/tw/a", b"tx")], "the event comes with the commit")
    c2.transaction()
    c2.write(b"/py/tw/b", b"1")
    chk.eq(events_of(m, c2.rollback, 0, grace=0.3), [],
           "no event for a rolled back transaction")

    # two watches, two tokens on one path
    chk.eq(events_of(m, lambda: m.watch(b"/py/tw", b"second"), 1),
           [(b"/py/tw", b"second")], "second watch fires when set")
    chk.eq(sorted(events_of(m, lambda: c2.write(b"/py/tw/c", b"1"), 2)),
           [(b"/py/tw/c", b"second"), (b"/py/tw/c", b"tx")], "both tokens get the event")

    def unwatch_all():
        m.unwatch(b"/py/tw", b"second")
        m.unwatch(b"/py/tw", b"tx")
    unwatch_all()
    chk.eq(events_of(m, lambda: c2.write(b"/py/tw/d", b"1"), 0, grace=0.3), [],
           "no event after unwatch")
    chk.raises(lambda: c.ack(Op.UNWATCH, b"/py/tw\x00", b"tx\x00"), errno.ENOENT,
               "unwatch of a watch that is not there")
    events_of(m, lambda: m.watch(b"/py/tw", b"dup"), 1)
    chk.raises(lambda: c.ack(Op.WATCH, b"/py/tw\x00", b"dup\x00"), errno.EEXIST,
               "the same watch twice")
    m.unwatch(b"/py/tw", b"dup")

    # special watches: INTRODUCE and RELEASE of a domain (recorded only, -D)
    chk.eq(events_of(m, lambda: m.watch(b"@introduceDomain", b"intro"), 1),
           [(b"@introduceDomain", b"intro")], "@introduceDomain watch fires when set")
    chk.eq(events_of(m, lambda: m.watch(b"@releaseDomain", b"rel"), 1),
           [(b"@releaseDomain", b"rel")], "@releaseDomain watch fires when set")
    chk.eq(c.is_domain_introduced(7), False, "domain 7 not introduced yet")
    # by the other connection: the event must reach us unasked
    chk.eq(events_of(m, lambda: c2.introduce_domain(7, 1234, 5), 1),
           [(b"@introduceDomain", b"intro")], "@introduceDomain fires on INTRODUCE")
    chk.eq(c.is_domain_introduced(7), True, "IS_DOMAIN_INTRODUCED after INTRODUCE")
    chk.eq(events_of(m, lambda: c2.ack(Op.RELEASE, b"7\x00"), 1),
           [(b"@releaseDomain", b"rel")], "@releaseDomain fires on RELEASE")
    chk.eq(c.is_domain_introduced(7), False, "IS_DOMAIN_INTRODUCED after RELEASE")
    chk.raises(lambda: c.ack(Op.RELEASE, b"7\x00"), errno.ENOENT, "RELEASE of a released domain")
    m.close()


def domains():
    chk.eq(c.get_domain_path(0), b"/local/domain/0", "GET_DOMAIN_PATH 0")
    chk.eq(c.get_domain_path(12), b"/local/domain/12", "GET_DOMAIN_PATH 12")
    chk.eq(c.is_domain_introduced(0), True, "dom0 counts as introduced")
    chk.eq(c.is_domain_introduced(42), False, "domain 42 is not")
    chk.raises(lambda: c.execute_command(Op.GET_DOMAIN_PATH, b"x\x00"), errno.EINVAL,
               "GET_DOMAIN_PATH of a non-number")
    chk.raises(lambda: c.execute_command(Op.IS_DOMAIN_INTRODUCED, b"-1\x00"), errno.EINVAL,
               "IS_DOMAIN_INTRODUCED of a negative id")
    chk.raises(lambda: c.ack(Op.INTRODUCE, b"0\x00", b"1\x00", b"1\x00"), errno.EINVAL,
               "INTRODUCE of domain 0")
    chk.raises(lambda: c.ack(Op.RESUME, b"99\x00"), errno.ENOENT,
               "RESUME of an unknown domain")


def errors():
    chk.raises(lambda: c.execute_command(Op.READ, b"/py/a"), errno.EINVAL,
               "READ without the NUL")
    chk.raises(lambda: c.execute_command(Op.READ, b"/py//a\x00"), errno.EINVAL, "READ of '//'")
    chk.raises(lambda: c.ack(Op.WRITE, b"/py/a/\x00", b"v"), errno.EINVAL,
               "WRITE to a trailing '/'")
    chk.raises(lambda: c.ack(Op.SET_PERMS, b"/py/a\x00", b"x1\x00"), errno.EINVAL,
               "SET_PERMS with a bad permission")
    chk.raises(lambda: c.ack(Op.WRITE, b"@special\x00", b"v"), errno.EINVAL,
               "WRITE to a special path")
    try:
        c.read(b"/py/missing")
    except PyXSError as e:
        chk.eq(e.args, (errno.ENOENT, os.strerror(errno.ENOENT)), "PyXSError carries the errno")
    chk.eq(c.read(b"/py/a"), b"", "the connection works after errors")


def reset_watches():
    # RESET_WATCHES (21) is not in pyxs's table of operations: raw client
    with xstest.Raw() as r:
        c.write(b"/py/rw", b"")
        r.request(xstest.WATCH, b"/py/rw\x00r\x00")
        r.recv()  # the event of the new watch
        chk.eq(r.request(xstest.TRANSACTION_START, b"\x00") != b"", True, "a transaction")
        chk.eq(r.request(xstest.RESET_WATCHES, b"\x00"), b"OK\x00", "RESET_WATCHES")
        c.write(b"/py/rw/x", b"1")
        try:
            m = r.recv(0.5)
        except xstest.Timeout:
            m = None
        chk.eq(m, None, "no event after RESET_WATCHES")
        chk.eq(r.error_of(xstest.TRANSACTION_END, b"T\x00", tx_id=1), "ENOENT",
               "RESET_WATCHES also ended the transaction")


for name, fn in [("values", values), ("mkdir, rm, directory", mkdir_rm_list),
                 ("permissions", perms), ("transactions", transactions),
                 ("watches", watches), ("domains", domains), ("errors", errors),
                 ("reset watches", reset_watches)]:
    # A transaction left open by a failed part must not leak into the next.
    c.tx_id = 0
    c2.tx_id = 0
    xstest.run_case(chk, name, fn)

c.close()
c2.close()
chk.finish()
