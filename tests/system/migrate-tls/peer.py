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
Every wait is bounded (10 s)."""
import os
import select
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
    s = ctx.wrap_socket(raw)
    try:
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
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    while True:
        c, _ = lst.accept()
        u = socket.create_connection((HOST, port))
        for a, b in ((c, u), (u, c)):
            threading.Thread(target=pump, args=(a, b), daemon=True).start()


def main():
    what, port = sys.argv[1], int(sys.argv[2])
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
    else:
        sys.exit("peer.py: unknown " + what)


if __name__ == "__main__":
    main()
