#!/bin/bash
# latency.sh: console latency on a private simulated host: memory/target write -> the
# guest's balloon line read on the pty (xenstored + guest + xcd-consoled);
# prints a figure; not run by `make check`. Needs xenstore-utils and python3-pyxs.
# Usage: tests/system/console/latency.sh   (XCD_BUILDDIR: the build tree)
set -u
B=${XCD_BUILDDIR:-$(cd "$(dirname "$0")/../../.." && pwd)}
T=$(mktemp -d /tmp/xcd-console-latency.XXXXXX)
export XCD_SIM_SOCKET=$T/sim.sock XENSTORED_PATH=$T/xs.sock
$B/sim/xcd-sim --socket $T/sim.sock --memory 256 2>/dev/null & P1=$!
sleep 0.3; $B/xenstore/xcd-xenstored -N -s $T/xs.sock --sim-socket $T/sim.sock 2>/dev/null & P2=$!
sleep 0.3; $B/console/xcd-consoled -f --sim-socket $T/sim.sock 2>/dev/null & P3=$!
sleep 0.3
read -r D CPFN CPORT SPFN SPORT < <($B/tests/system/console/cons-guest create sim:idle 8192)
h=/local/domain/$D
xenstore-write $h/console/ring-ref $CPFN $h/console/port $CPORT $h/memory/target 8192
xenstore-chmod -r $h/memory n0 r$D
/usr/bin/python3 - "$T/xs.sock" "$D" "$SPFN" "$SPORT" "$B" "$CPFN" <<'PY'
import os, select, subprocess, sys, time, statistics
from pyxs import Client
sock, d, spfn, sport, B, cpfn = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
c = Client(unix_socket_path=sock); c.connect()
c.introduce_domain(d, spfn, sport)
subprocess.run([B + "/tests/system/console/cons-guest", "unpause", str(d)], check=True)
h = "/local/domain/%d" % d
for _ in range(100):
    try:
        tty = c.read((h + "/console/tty").encode()).decode(); break
    except Exception:
        time.sleep(0.05)
fd = os.open(tty, os.O_RDWR | os.O_NOCTTY)
def read_until(pat, secs=5):
    seen = b""; end = time.monotonic() + secs
    while pat not in seen and time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.5)
        if r: seen += os.read(fd, 4096)
    return pat in seen
read_until(b"xenbus up")
lat = []
for i in range(200):
    kb = 6000 + i
    t0 = time.perf_counter()
    c.write((h + "/memory/target").encode(), str(kb).encode())
    if not read_until(b"target %d KiB" % kb):
        print("missed", kb); break
    lat.append((time.perf_counter() - t0) * 1000)
lat.sort()
print("memory/target write -> guest's line on the pty: n=%d median %.2f ms, p90 %.2f ms, max %.2f ms"
      % (len(lat), statistics.median(lat), lat[int(len(lat) * 0.9)], lat[-1]))
PY
kill $P3 $P2 $P1; wait 2>/dev/null; rm -rf $T
