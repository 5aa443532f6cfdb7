#!/usr/bin/python3
"""xenstore checks through python3-pyxs (its own implementation of the wire protocol):
transactions (commit, conflict, rollback), a watch, permissions, errors.  Used by
30-xs-clients.sh against each xenstored in turn.  Prints one line per check; exits 1 if any
answer was wrong."""
import errno, os, signal, sys
from pyxs import Client, PyXSError

SOCK = os.environ.get("XENSTORED_PATH", "/run/xenstored/socket")
B = b"/xcdlab-py"
WRONG = []


class Timeout(Exception):
    pass


def on_alarm(*_):
    raise Timeout()


signal.signal(signal.SIGALRM, on_alarm)


def check(what, got, want):
    if got != want:
        print("WRONG %s: got %r, want %r" % (what, got, want))
        WRONG.append(what)
    else:
        print("ok %s: %r" % (what, got))


def next_event(m, secs=10):
    """the monitor's next event, or None after secs seconds"""
    signal.alarm(secs)
    try:
        return next(m.wait())
    except Timeout:
        return None
    finally:
        signal.alarm(0)


def error_of(f, *args):
    try:
        f(*args)
    except PyXSError as e:
        return errno.errorcode.get(e.args[0], e.args[0])
    return "no error"


with Client(unix_socket_path=SOCK) as c, Client(unix_socket_path=SOCK) as d:
    c.write(B + b"/a", b"1")
    check("read", c.read(B + b"/a"), b"1")
    c.mkdir(B + b"/dir")
    check("mkdir makes an empty node", c.read(B + b"/dir"), b"")
    check("list", sorted(c.list(B)), [b"a", b"dir"])
    check("exists", (c.exists(B + b"/a"), c.exists(B + b"/nope")), (True, False))
    check("read of a missing node", error_of(c.read, B + b"/nope"), "ENOENT")
    check("get_domain_path(0)", c.get_domain_path(0), b"/local/domain/0")
    check("is_domain_introduced(0)", c.is_domain_introduced(0), True)

    # transaction: invisible outside until committed
    c.transaction()
    c.write(B + b"/a", b"2")
    c.write(B + b"/t", b"new")
    check("transaction reads its own write", c.read(B + b"/a"), b"2")
    check("outside the transaction the old value", d.read(B + b"/a"), b"1")
    check("outside the transaction no new node", d.exists(B + b"/t"), False)
    check("commit", c.commit(), True)
    check("after commit", (d.read(B + b"/a"), d.read(B + b"/t")), (b"2", b"new"))

    # conflict: two transactions write the same node; the second commit gets EAGAIN
    c.transaction()
    d.transaction()
    c.read(B + b"/a")
    d.read(B + b"/a")
    c.write(B + b"/a", b"from-c")
    d.write(B + b"/a", b"from-d")
    check("first commit", c.commit(), True)
    check("conflicting commit (EAGAIN)", d.commit(), False)
    check("value after the conflict", c.read(B + b"/a"), b"from-c")

    # rollback
    c.transaction()
    c.write(B + b"/a", b"rolled-back")
    c.rollback()
    check("after rollback", c.read(B + b"/a"), b"from-c")

    # permissions
    c.write(B + b"/p", b"x")
    check("default permissions (owner dom0)", c.get_perms(B + b"/p"), [b"n0"])
    c.set_perms(B + b"/p", [b"n0", b"r7", b"w8", b"b9"])
    check("set_perms/get_perms", c.get_perms(B + b"/p"), [b"n0", b"r7", b"w8", b"b9"])
    check("child inherits the parent's permissions", (c.write(B + b"/p/q", b"y"), c.get_perms(B + b"/p/q"))[1],
          [b"n0", b"r7", b"w8", b"b9"])

    # a watch: the initial event, then one per change below the path, removal included
    m = c.monitor()
    m.watch(B + b"/w", b"tok")
    check("initial watch event", next_event(m), (B + b"/w", b"tok"))
    d.write(B + b"/w/x", b"1")
    check("watch event for a write below", next_event(m), (B + b"/w/x", b"tok"))
    d.delete(B + b"/w")
    check("watch event for the removal", next_event(m), (B + b"/w", b"tok"))
    check("no further event", next_event(m, 2), None)
    m.unwatch(B + b"/w", b"tok")

    c.delete(B)
    check("delete removes the subtree", c.exists(B + b"/a"), False)
if WRONG:
    print("pyxs: %d wrong answer(s)" % len(WRONG))
    sys.exit(1)
print("pyxs checks passed")
