"""xstest: helpers for the Python system tests (tests/system/t-*.py).

A raw xenstore wire client (xen/io/xs_wire.h: a little-endian header of
four u32 -- type, req_id, tx_id, len -- then len bytes of payload), soft
assertions that report every failed check, and facts about the daemon
that tests/system/run started for the test (environment: XENSTORED_PATH,
XS_PID, XS_DIR, TEST_TMPDIR).
"""
import errno
import os
import select
import socket
import struct
import sys
import time

# xs_wire.h message types
CONTROL = 0
DIRECTORY = 1
READ = 2
GET_PERMS = 3
WATCH = 4
UNWATCH = 5
TRANSACTION_START = 6
TRANSACTION_END = 7
INTRODUCE = 8
RELEASE = 9
GET_DOMAIN_PATH = 10
WRITE = 11
MKDIR = 12
RM = 13
SET_PERMS = 14
WATCH_EVENT = 15
ERROR = 16
IS_DOMAIN_INTRODUCED = 17
RESUME = 18
SET_TARGET = 19
RESET_WATCHES = 21
DIRECTORY_PART = 22

HDR = struct.Struct("<IIII")
PAYLOAD_MAX = 4096

SOCKET = os.environ.get("XENSTORED_PATH", "")
PID = int(os.environ.get("XS_PID", "0") or 0)
TMPDIR = os.environ.get("TEST_TMPDIR") or os.environ.get("XS_DIR") or "/tmp"


def need_daemon():
    if not SOCKET or not PID:
        print("no daemon: run this test through tests/system/run", file=sys.stderr)
        sys.exit(99)


class Closed(Exception):
    """The daemon closed the connection."""


class Timeout(Exception):
    """No complete message within the time allowed."""


class XsError(Exception):
    """An ERROR reply: .name is the errno name the daemon sent."""

    def __init__(self, name, reply):
        Exception.__init__(self, name)
        self.name = name
        self.reply = reply


class Raw:
    """One connection speaking the wire protocol directly."""

    def __init__(self, path=None, timeout=10.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        # A blocking connect waits for room in the listen backlog (a
        # non-blocking one fails with EAGAIN when it is full).
        self.sock.connect(path or SOCKET)
        self.sock.settimeout(timeout)
        self.buf = b""
        self.events = []  # WATCH_EVENT payloads seen while waiting for replies
        self.next_req = 1

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, mtype, payload=b"", req_id=None, tx_id=0, length=None):
        if req_id is None:
            req_id = self.next_req
            self.next_req += 1
        n = len(payload) if length is None else length
        self.sock.sendall(HDR.pack(mtype, req_id, tx_id, n) + payload)
        return req_id

    def _fill(self, n, deadline):
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout("no reply within the time allowed")
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                continue
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                raise Closed("connection closed by the daemon")
            self.buf += chunk

    def recv(self, timeout=5.0):
        """The next message: (type, req_id, tx_id, payload)."""
        deadline = time.monotonic() + timeout
        self._fill(HDR.size, deadline)
        t, rq, tx, n = HDR.unpack(self.buf[:HDR.size])
        self._fill(HDR.size + n, deadline)
        payload = self.buf[HDR.size:HDR.size + n]
        self.buf = self.buf[HDR.size + n:]
        return t, rq, tx, payload

    def reply(self, timeout=5.0):
        """The next reply that is not a watch event (events are kept)."""
        while True:
            m = self.recv(timeout)
            if m[0] == WATCH_EVENT:
                self.events.append(m[3])
                continue
            return m

    def request(self, mtype, payload=b"", tx_id=0, timeout=5.0):
        """Sends one request; returns the reply payload, raises XsError."""
        rq = self.send(mtype, payload, tx_id=tx_id)
        t, rrq, rtx, p = self.reply(timeout)
        if rrq != rq:
            raise AssertionError("reply to req_id %d, expected %d" % (rrq, rq))
        if t == ERROR:
            raise XsError(p.rstrip(b"\0").decode(errors="replace"), p)
        if t != mtype:
            raise AssertionError("reply type %d to a request of type %d" % (t, mtype))
        return p

    def error_of(self, mtype, payload=b"", tx_id=0, timeout=5.0):
        """The errno name of the reply, or 'OK:<payload>' if it succeeded."""
        try:
            return "OK:" + repr(self.request(mtype, payload, tx_id, timeout))
        except XsError as e:
            return e.name

    # conveniences
    def write(self, path, value, tx=0):
        return self.request(WRITE, path + b"\0" + value, tx)

    def read(self, path, tx=0):
        return self.request(READ, path + b"\0", tx)

    def directory(self, path, tx=0):
        p = self.request(DIRECTORY, path + b"\0", tx)
        return [x for x in p.split(b"\0") if x]

    def start(self):
        return int(self.request(TRANSACTION_START, b"\0").rstrip(b"\0"))

    def end(self, tx, commit=True):
        return self.request(TRANSACTION_END, (b"T" if commit else b"F") + b"\0", tx)


def alive(pid=None):
    pid = pid or PID
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("State:"):
                    return line.split()[1] not in ("Z", "X")
    except OSError:
        return False
    return False


def rss_kb(pid=None):
    with open("/proc/%d/status" % (pid or PID)) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def sanitized(pid=None):
    """The daemon runs under AddressSanitizer: its RSS (shadow memory, a
    quarantine of freed blocks) says nothing about its own use of memory."""
    pid = pid or PID
    try:
        with open("/proc/%d/maps" % pid) as f:
            if "libasan" in f.read():  # gcc: the runtime is a shared library
                return True
        with open("/proc/%d/exe" % pid, "rb") as f:
            return b"__asan_init" in f.read()  # clang: linked in
    except OSError:
        return False


class Checker:
    """Soft assertions: each failure is printed, the test goes on."""

    def __init__(self):
        self.failures = 0
        self.checks = 0

    def ok(self, cond, what, detail=""):
        if cond:
            self.checks += 1
            return True
        self.failures += 1
        print("FAIL: %s%s" % (what, (": " + detail) if detail else ""))
        sys.stdout.flush()
        return False

    def eq(self, actual, expected, what):
        return self.ok(actual == expected, what,
                       "expected %r, got %r" % (expected, actual))

    def raises(self, fn, err, what):
        """fn() must raise pyxs.PyXSError / XsError with errno or name err."""
        try:
            r = fn()
        except XsError as e:
            return self.eq(e.name, errno.errorcode.get(err, err), what)
        except Exception as e:  # pyxs.PyXSError: args[0] is the errno
            got = e.args[0] if e.args else None
            return self.ok(got == err, what, "expected errno %s, got %r" % (
                errno.errorcode.get(err, err), e))
        return self.ok(False, what, "expected error %s, got success %r" % (
            errno.errorcode.get(err, err), r))

    def section(self, name):
        print("-- " + name)
        sys.stdout.flush()

    def finish(self):
        if self.failures:
            print("%d of %d checks failed" % (self.failures, self.failures + self.checks))
            sys.exit(1)
        print("all %d checks passed" % self.checks)
        sys.exit(0)


def run_case(chk, name, fn):
    """Runs one part of a test; an exception fails that part only."""
    chk.section(name)
    try:
        fn()
    except Exception as e:  # report and go on with the next part
        import traceback
        chk.ok(False, "%s raised %s: %.300s" % (name, type(e).__name__, e))
        tb = traceback.format_exc()
        print(tb if len(tb) < 3000 else tb[:1500] + "\n...\n" + tb[-1500:])
