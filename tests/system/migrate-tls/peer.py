#!/usr/bin/env python3
"""peer.py: the other kinds of peer tests/system/migrate-tls meets a
migration listener with, each printing one line of what happened:

  peer.py nocert PORT        TLS 1.3 without a certificate, then an open hello
  peer.py cert PORT CRT KEY  TLS 1.3 with that certificate, then an open hello
  peer.py tls12 PORT         a client that speaks TLS 1.2 at most
  peer.py plain PORT         xl's banner and header in plain text, no TLS
  peer.py hold PORT N SRC    N connections from address SRC that send nothing:
                             how many were closed at once, and after how long
                             the others were
  peer.py proxy PORT         a TCP relay to PORT on 127.0.0.1; prints its own
                             port, relays until killed
  peer.py cut PORT MODE      the same relay, cutting the first migration through
                             it at xl's go (MODE go: the go passes, what the
                             receiver says after it is held back, and a second
                             later every connection is cut; MODE ready: every
                             connection is cut as the go comes, the go kept);
                             it finds the go by the TLS records' lengths (no
                             byte is decrypted): after 1 MiB of stream, the
                             receiver's ready (a 34-byte XL frame) and then the
                             sender's next 44-byte DATA payload; says what it
                             did on stderr ("cut: ..."); later connections (the
                             sender's outcome query) pass untouched
  peer.py frames PORT CRT KEY CASE
                             a trusted host's migration that goes wrong after
                             its hello: CASE ahead (a segment far ahead of the
                             next), huge (a segment over the bound), token (a
                             join with a token nobody gave), twice (the same
                             data connection joined twice); prints the
                             answers and what the control connection said
  peer.py flood PORT N       N connections that send a line of garbage
  peer.py receiver FILE CRT KEY AGREE TIMES
                             a receiver as the host of CRT and KEY, on a port
                             it writes to FILE, for one sender: ALPN
                             xcdmig/1.1 picked when AGREE is 1; after its
                             greeting it says TIMES times at once that its
                             copy's devices are up (a DEVICES frame), reads the
                             stream a second and closes; prints the protocol
                             agreed, the hello and the bytes read
Every wait is bounded (10 s)."""
import os
import select
import struct
import socket
import ssl
import sys
import threading
import time

HOST = "127.0.0.1"


def tls_client(port, maximum=None, cert=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if maximum:
        ctx.maximum_version = maximum
    if cert:
        ctx.load_cert_chain(cert[0], cert[1])
    raw = socket.create_connection((HOST, port), timeout=10)
    try:
        s = ctx.wrap_socket(raw)
        s.do_handshake()
        s.sendall(b"XCDMIG1 open 1 0\n")
        got = s.recv(200)
        print("got %r" % got if got else "closed without a word")
    except (ssl.SSLError, OSError) as e:
        print("refused: %s" % e)


def plain(port):
    s = socket.create_connection((HOST, port), timeout=10)
    s.sendall(b"xl migration receiver ready, send binary domain data.\n"
              b"Xen saved domain, xl format\n \0 \r")
    got = b""
    try:
        while True:
            b = s.recv(4096)
            if not b:
                break
            got += b
    except OSError as e:
        print("reset (%s) after %r" % (e.__class__.__name__, got))
        return
    print("closed after %r" % got)


def hold(port, n, src):
    socks, t0 = [], time.monotonic()
    for _ in range(n):
        s = socket.socket()
        s.bind((src, 0))
        s.settimeout(10)
        s.connect((HOST, port))
        socks.append(s)
    at_once, rest, later = 0, [], []
    for s in socks:
        r, _, _ = select.select([s], [], [], 0.3)
        if r:
            at_once += 1
        else:
            rest.append(s)
    for s in rest:
        try:
            s.recv(1)
            later.append("%.1f" % (time.monotonic() - t0))
        except socket.timeout:
            later.append("never")
        except OSError:
            later.append("%.1f" % (time.monotonic() - t0))
    print("%d closed at once; %d closed after %s s" % (at_once, len(later), ",".join(later)))


def shut(*socks):
    """Both ways of each of SOCKS closed (the other ends see them end)."""
    for s in socks:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def proxy(port):
    lst = socket.socket()
    lst.bind((HOST, 0))
    lst.listen(16)
    print(lst.getsockname()[1], flush=True)

    def pump(a, b):
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                b.sendall(d)
        except OSError:
            pass
        shut(a, b)

    while True:
        c, _ = lst.accept()
        u = socket.create_connection((HOST, port))
        for a, b in ((c, u), (u, c)):
            threading.Thread(target=pump, args=(a, b), daemon=True).start()


# A TLS 1.3 record's length field for a plain text of N bytes: its content
# type and AES-GCM's (or ChaCha20-Poly1305's) 16-byte tag added, no padding
# (GnuTLS pads nothing unless asked).
def sealed(n):
    return n + 17


class Cutter:
    """The cut relay's shared state: the first migration's connections, and
    where it stands (the stream's bytes seen, the ready seen, the go passed,
    the cut made)."""

    def __init__(self, mode):
        self.mode, self.lock = mode, threading.Lock()
        self.socks, self.stream, self.ready, self.held, self.cut = [], 0, False, False, False

    def cut_all(self, why):
        with self.lock:
            if self.cut:
                return
            self.cut = True
            socks = list(self.socks)
        sys.stderr.write("cut: %s\n" % why)
        sys.stderr.flush()
        shut(*socks)

    def record(self, to_receiver, length):
        """What to do with a whole record of LENGTH going one way: 'pass',
        'drop' (and cut), or 'hold' (keep it back)."""
        with self.lock:
            if self.cut:
                return "pass"
            if not to_receiver:
                if self.held:
                    return "hold"
                if self.stream > (1 << 20) and length == sealed(34):
                    self.ready = True
                return "pass"
            self.stream += length
            if not (self.ready and length == sealed(44)):
                return "pass"
            if self.mode == "ready":
                return "drop"
            self.held = True
        threading.Timer(1.0, self.cut_all, ("after the go, the receiver's words after it "
                                            "held back for 1 s",)).start()
        return "pass"


def cut_pump(k, a, b, to_receiver, first):
    """A's bytes to B record by record (the first migration's), or as they
    come (later connections)."""
    buf = b""
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            if not first:
                b.sendall(d)
                continue
            buf += d
            while len(buf) >= 5:
                n = 5 + struct.unpack(">H", buf[3:5])[0]
                if len(buf) < n:
                    break
                what = k.record(to_receiver, n - 5)
                while what == "hold" and not k.cut:
                    time.sleep(0.01)
                    what = k.record(to_receiver, n - 5)
                if what == "drop":
                    k.cut_all("as the go came: the go kept, every connection cut")
                    return
                if k.cut and what == "hold":
                    return
                b.sendall(buf[:n])
                buf = buf[n:]
    except OSError:
        pass
    shut(a, b)


def cut(port, mode):
    k = Cutter(mode)
    lst = socket.socket()
    lst.bind((HOST, 0))
    lst.listen(16)
    print(lst.getsockname()[1], flush=True)
    while True:
        c, _ = lst.accept()
        u = socket.create_connection((HOST, port))
        with k.lock:
            first = not k.cut
            if first:
                k.socks += [c, u]
        for a, b, to_receiver in ((c, u, True), (u, c, False)):
            threading.Thread(target=cut_pump, args=(k, a, b, to_receiver, first),
                             daemon=True).start()


def tls_open(port, cert):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(cert[0], cert[1])
    s = ctx.wrap_socket(socket.create_connection((HOST, port), timeout=10))
    s.do_handshake()
    return s


def line(s):
    b = b""
    while not b.endswith(b"\n") and len(b) < 200:
        c = s.recv(1)
        if not c:
            break
        b += c
    return b.decode(errors="replace").strip()


def back_frames(s):
    """What the receiver said on the control connection, until it closes."""
    said = []
    try:
        while True:
            h = b""
            while len(h) < 8:
                c = s.recv(8 - len(h))
                if not c:
                    return said
                h += c
            kind, n = struct.unpack("<II", h)
            body = b""
            while len(body) < n:
                c = s.recv(n - len(body))
                if not c:
                    return said
                body += c
            said.append(("xl " if kind == 2 else "note ") + body.decode(errors="replace").strip())
    except (OSError, ssl.SSLError):
        return said


def frames(port, cert, case):
    ctl = tls_open(port, cert)
    ctl.sendall(b"XCDMIG1 open %d 0\n" % (2 if case == "twice" else 1))
    ok = line(ctl)
    token = ok.split()[-1]
    out = ["open: " + ok[:40]]
    if case == "token":
        token = "f" * 32
    d = tls_open(port, cert)
    d.sendall(("XCDMIG1 join %s 0\n" % token).encode())
    out.append("join: " + line(d))
    if case == "twice":
        d2 = tls_open(port, cert)
        d2.sendall(("XCDMIG1 join %s 0\n" % token).encode())
        out.append("join again: " + line(d2))
    elif case == "ahead":
        d.sendall(struct.pack("<QII", 2000, 16, 0) + b"x" * 16)
    elif case == "huge":
        d.sendall(struct.pack("<QII", 0, 0xffffffff, 0))
    if case in ("ahead", "huge", "token"):
        out.extend(back_frames(ctl))
    print("; ".join(out))


def receiver(port_file, cert, agree, times):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(cert[0], cert[1])
    if agree:
        ctx.set_alpn_protocols(["xcdmig/1.1"])
    ls = socket.socket()
    ls.bind((HOST, 0))
    ls.listen(8)
    ls.settimeout(10)
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(port_file + ".tmp", port_file)
    ctl = ctx.wrap_socket(ls.accept()[0], server_side=True)
    ctl.settimeout(10)
    hello = line(ctl)
    ctl.sendall(b"ok " + b"a" * 32 + b"\n")
    data = []
    for _ in range(int(hello.split()[2])):
        d = ctx.wrap_socket(ls.accept()[0], server_side=True)
        d.settimeout(10)
        line(d)
        d.sendall(b"ok\n")
        data.append(d)
    banner = b"xl migration receiver ready, send binary domain data.\n"
    ctl.sendall(struct.pack("<II", 2, len(banner)) + banner)
    for _ in range(times):
        ctl.sendall(struct.pack("<II", 5, 0))
    got, end = 0, time.time() + 1
    data[0].settimeout(0.2)
    while time.time() < end:
        try:
            b = data[0].recv(65536)
        except (socket.timeout, ssl.SSLError, OSError):
            continue
        if not b:
            break
        got += len(b)
    print("alpn %s; hello %s; read %d bytes" % (ctl.selected_alpn_protocol(), hello, got))
    shut(ctl, *data)


def flood(port, n):
    for _ in range(n):
        try:
            s = socket.create_connection((HOST, port), timeout=2)
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            s.close()
        except OSError:
            pass
    print("%d sent" % n)


def main():
    what = sys.argv[1]
    port = int(sys.argv[2]) if what != "receiver" else 0
    if what == "nocert":
        tls_client(port)
    elif what == "cert":
        tls_client(port, cert=(sys.argv[3], sys.argv[4]))
    elif what == "tls12":
        tls_client(port, maximum=ssl.TLSVersion.TLSv1_2)
    elif what == "plain":
        plain(port)
    elif what == "hold":
        hold(port, int(sys.argv[3]), sys.argv[4])
    elif what == "proxy":
        proxy(port)
    elif what == "cut":
        cut(port, sys.argv[3])
    elif what == "frames":
        frames(port, (sys.argv[3], sys.argv[4]), sys.argv[5])
    elif what == "flood":
        flood(port, int(sys.argv[3]))
    elif what == "receiver":
        receiver(sys.argv[2], (sys.argv[3], sys.argv[4]), sys.argv[5] == "1", int(sys.argv[6]))
    else:
        sys.exit("peer.py: unknown " + what)


if __name__ == "__main__":
    main()
