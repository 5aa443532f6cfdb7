#!/usr/bin/env python3
"""clients.py: the misbehaving clients of xcdd's socket the security tests
(fair-service, client-limits, long-line) need, each bounded in count and time.

  clients.py SOCK stream SECONDS      one connection pipelining domain.list
                                      while reading the answers; prints the
                                      number of answers
  clients.py SOCK partial N BYTES HOLD  N connections each sending BYTES of an
                                      unfinished line, held HOLD seconds;
                                      prints "open N refused N" once all are
                                      sent
  clients.py SOCK pipeline N SECONDS HOLD  N connections sending requests for
                                      SECONDS without reading, then held HOLD;
                                      prints "open N" once done sending
  clients.py SOCK hold N HOLD         N idle connections held HOLD seconds;
                                      prints "open N refused N" once made
  clients.py SOCK connect N SECONDS   up to N connections, each closed at once,
                                      within SECONDS; prints how many were made
  clients.py SOCK longline BYTES      one line of BYTES without its newline;
                                      prints what xcdd answered, then "EOF"
"""
import select
import socket
import sys
import threading
import time

REQ = b'{"jsonrpc":"2.0","id":1,"method":"domain.list"}\n'


def conn(path, timeout=5.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


def refused_now(s):
    """Whether xcdd answered at once with an error and closed (a refusal)."""
    r, _, _ = select.select([s], [], [], 0.05)
    if not r:
        return False
    try:
        data = s.recv(4096)
    except OSError:
        return True
    return data == b"" or b'"error"' in data


def stream(path, seconds):
    s = conn(path)
    end = time.monotonic() + seconds
    answers = [0]

    def reader():
        buf = b""
        s.settimeout(1.0)
        while time.monotonic() < end + 2:
            try:
                d = s.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            if not d:
                return
            buf += d
            answers[0] += buf.count(b"\n")
            buf = buf[buf.rfind(b"\n") + 1:]

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    batch = REQ * 256
    s.settimeout(1.0)
    while time.monotonic() < end:
        try:
            s.sendall(batch)
        except socket.timeout:
            continue
        except OSError:
            break
    t.join(timeout=5)
    print(answers[0])


def partial(path, n, size, hold):
    socks, refused = [], 0
    chunk = b"[" * 65536
    for _ in range(n):
        try:
            s = conn(path)
        except OSError:
            refused += 1
            continue
        s.setblocking(False)
        socks.append(s)
    end = time.monotonic() + 30
    left = {s: size for s in socks}
    while left and time.monotonic() < end:
        for s in list(left):
            try:
                sent = s.send(chunk[:min(len(chunk), left[s])])
                left[s] -= sent
                if left[s] <= 0:
                    del left[s]
            except BlockingIOError:
                pass
            except OSError:
                del left[s]
        time.sleep(0.001)
    alive = [s for s in socks if not refused_now(s)]
    print("open %d refused %d" % (len(alive), n - len(alive)), flush=True)
    time.sleep(hold)


def pipeline(path, n, seconds, hold):
    socks = []
    for _ in range(n):
        try:
            s = conn(path)
            s.setblocking(False)
            socks.append(s)
        except OSError:
            pass
    batch = REQ * 512
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for s in socks:
            try:
                s.send(batch)
            except (BlockingIOError, OSError):
                pass
        time.sleep(0.002)
    print("open %d" % len(socks), flush=True)
    time.sleep(hold)


def hold_conns(path, n, hold):
    socks, refused, why = [], 0, ""
    for _ in range(n):
        try:
            s = conn(path)
        except OSError:
            refused += 1
            continue
        if refused_now(s):
            refused += 1
            try:
                why = s.recv(4096).decode(errors="replace") or why
            except OSError:
                pass
            continue
        socks.append(s)
    print("open %d refused %d" % (len(socks), refused), flush=True)
    time.sleep(hold)


def connect_many(path, n, seconds):
    made = 0
    end = time.monotonic() + seconds
    while made < n and time.monotonic() < end:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            s.close()
            made += 1
        except OSError:
            time.sleep(0.001)
    print(made)


def longline(path, size):
    s = conn(path, timeout=10)
    data = b'{"jsonrpc":"2.0","id":1,"method":"' + b"x" * size
    try:
        s.sendall(data)
    except OSError:
        pass  # closed under us: what it said is read below
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except OSError:
        pass
    sys.stdout.write(out.decode(errors="replace"))
    print("EOF")


def main():
    path, what, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if what == "stream":
        stream(path, float(args[0]))
    elif what == "partial":
        partial(path, int(args[0]), int(args[1]), float(args[2]))
    elif what == "pipeline":
        pipeline(path, int(args[0]), float(args[1]), float(args[2]))
    elif what == "hold":
        hold_conns(path, int(args[0]), float(args[1]))
    elif what == "connect":
        connect_many(path, int(args[0]), float(args[1]))
    elif what == "longline":
        longline(path, int(args[0]))
    else:
        sys.exit("unknown: " + what)


if __name__ == "__main__":
    main()
