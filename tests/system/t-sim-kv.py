#!/usr/bin/python3
"""sim:kv on a real simulated host: a private xcd-sim and an xcd-xenstored
reaching its guests through hv (--sim-socket), as in t-sim-guests.py. A
sim:kv guest serves set/get/del written to data/kv/request by Debian's
xenstore-write and by pyxs, answers in data/kv/reply, answers a repeated
SEQ without applying it again, serves a request written while it was paused
once it runs again, holds its table in its own memory (read through a
foreign mapping by tests/system/sim-guest kv), and still answers
memory/target and control/shutdown (sim/PROTOCOL.md "Guest programs")."""
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xstest  # noqa: E402

import simhost  # noqa: E402
from simhost import read, wait_for  # noqa: E402

Client = simhost.need_pyxs()
xstest.need_daemon()
simhost.need_tools()
chk = xstest.Checker()
XS_WRITE = shutil.which("xenstore-write")
XS_READ = shutil.which("xenstore-read")
MEM_KB = 8192
host = None


def helper(*args):
    return host.helper(*args)


def kv_mem(domid, key=None):
    """The guest's store as its memory holds it (sim/guest.h)."""
    out = helper("kv", domid, *([key] if key else [])).rstrip("\n")
    out, _, value = out.partition(" value=")  # last, and may hold spaces
    d = dict(f.split("=", 1) for f in out.split())
    if _:
        d["value"] = value
    return d


try:
    host = simhost.Host("kv", 64)
    sim, xsd = host.sim, host.xsd
    env = dict(host.env, XENSTORED_PATH=host.xs_sock)
    c = Client(unix_socket_path=host.xs_sock)
    c.connect()

    chk.section("a sim:kv guest set up as xcdd does (data/ writable by the guest)")
    out = helper("create", "sim:kv", MEM_KB).split()
    D, store_pfn, store_port, cons_pfn = int(out[0]), int(out[1]), int(out[2]), int(out[3])
    home = "/local/domain/%d" % D
    c.write((home + "/name").encode(), b"kv-guest")
    c.set_perms(home.encode(), [b"n0", b"r%d" % D])
    for sub in ("control", "memory", "device", "data"):
        c.mkdir((home + "/" + sub).encode())
        c.set_perms((home + "/" + sub).encode(), [b"n%d" % D])
    c.write((home + "/memory/target").encode(), str(MEM_KB).encode())
    c.introduce_domain(D, store_pfn, store_port)
    helper("unpause", D)
    # sim/guest.h: data_pfn 5 (header, one bitmap page, store, console,
    # xenbus), the table half of the pages after data_pfn + 1, 12 entries a
    # page, 3/4 of the slots usable.
    pages = MEM_KB // 4
    slots = min((pages - 6) // 2 * 12, 65536)
    chk.ok(wait_for(lambda: read(c, home + "/data/kv/capacity") is not None),
           "the guest writes data/kv/capacity")
    chk.eq(read(c, home + "/data/kv/capacity"), str(slots * 3 // 4),
           "capacity: 3/4 of the slots in half the guest's free pages")
    chk.eq(kv_mem(D)["capacity"], str(slots * 3 // 4), "its memory says the same")
    chk.ok(wait_for(lambda: read(c, home + "/control/feature-poweroff") == "1"),
           "it advertises control/feature-poweroff as every program")

    def reply():
        return read(c, home + "/data/kv/reply")

    def ask(text, tool=False):
        """Writes a request, returns the guest's answer to its SEQ."""
        seq = text.split(" ", 1)[0]
        if tool and XS_WRITE:
            subprocess.run([XS_WRITE, home + "/data/kv/request", text], env=env, check=True,
                           timeout=10)
        else:
            c.write((home + "/data/kv/request").encode(), text.encode())
        wait_for(lambda: (reply() or "").split(" ", 1)[0] == seq)
        r = reply()
        if tool and XS_READ:
            p = subprocess.run([XS_READ, home + "/data/kv/reply"], env=env, capture_output=True,
                               text=True, timeout=10)
            chk.eq(p.stdout.rstrip("\n"), r, "xenstore-read sees the same answer")
        return r

    chk.section("set, get, overwrite, del")
    chk.eq(ask("1 set color blue", tool=True), "1 ok", "set (xenstore-write)")
    chk.eq(ask("2 get color", tool=True), "2 ok blue", "get (xenstore-write)")
    chk.eq(read(c, home + "/data/kv/applied"), "1", "data/kv/applied counts the set")
    chk.eq(ask("3 set color dark red"), "3 ok", "overwrite (pyxs)")
    chk.eq(ask("4 get color"), "4 ok dark red", "get sees the new value")
    chk.eq(kv_mem(D, "color").get("value"), "dark red", "the table in guest memory holds it")
    chk.eq(ask("5 set shape round"), "5 ok", "a second key")
    chk.eq(ask("6 del color"), "6 ok", "del")
    chk.eq(ask("7 get color"), "7 error: no such key", "get after del")
    chk.eq(ask("8 del color"), "8 error: no such key", "del of a missing key")
    chk.eq(kv_mem(D, "color").get("absent"), "1", "gone from guest memory")
    m = kv_mem(D, "shape")
    chk.eq(m.get("value"), "round", "the other key is in guest memory")
    chk.eq(m["applied"], "4", "guest memory: 4 applied writes (set, set, set, del)")
    chk.eq(read(c, home + "/data/kv/applied"), m["applied"], "data/kv/applied agrees")
    chk.eq(m["keys"], "1", "guest memory: one key left")

    chk.section("a repeated SEQ is answered again, not applied twice")
    chk.eq(ask("9 set n 1"), "9 ok", "set n")
    c.write((home + "/data/kv/reply").encode(), b"")  # so that the answer is seen anew
    chk.eq(ask("9 set n 2"), "9 ok", "the same SEQ again: the same answer")
    chk.eq(ask("10 get n"), "10 ok 1", "the value of its first application")
    chk.eq(kv_mem(D)["applied"], "5", "applied once")
    chk.eq(ask("3 set n 3"), "3 error: stale request", "an older SEQ is refused")

    chk.section("bounds and bad requests")
    chk.eq(ask("11 set %s v" % ("k" * 65)), "11 error: key too long", "65-byte key")
    chk.eq(ask("12 set k %s" % ("v" * 257)), "12 error: value too long", "257-byte value")
    chk.eq(ask("13 set %s %s" % ("k" * 64, "v" * 256)), "13 ok", "64-byte key, 256-byte value")
    chk.eq(ask("14 get %s" % ("k" * 64)), "14 ok " + "v" * 256, "read back")
    chk.eq(ask("15 put a b"), "15 error: bad request", "unknown operation")
    chk.eq(ask("16 get a b"), "16 error: bad request", "get with a value")
    c.write((home + "/data/kv/request").encode(), b"get a")
    chk.ok(wait_for(lambda: reply() == "0 error: bad request"), "no SEQ: answered with SEQ 0")
    c.write((home + "/data/kv/request").encode(), b"17 set big " + b"v" * 3000)
    chk.ok(wait_for(lambda: reply() == "17 error: value too long"),
           "a request larger than the guest reads at once is still answered", repr(reply()))
    chk.eq(ask("18 get n"), "18 ok 1", "and the next one as usual")

    chk.section("pause: a request written while paused is served after unpause")
    helper("pause", D)
    before = kv_mem(D)
    c.write((home + "/data/kv/request").encode(), b"19 set paused yes")
    time.sleep(0.5)
    chk.eq(reply(), "18 ok 1", "paused: not answered")
    chk.eq(kv_mem(D)["applied"], before["applied"], "paused: not applied")
    helper("unpause", D)
    chk.ok(wait_for(lambda: reply() == "19 ok"), "unpaused: answered", repr(reply()))
    chk.eq(kv_mem(D, "paused").get("value"), "yes", "and in guest memory")
    helper("pause", D)
    helper("unpause", D)
    chk.eq(ask("20 get paused"), "20 ok yes", "after a pause between requests")

    chk.section("the rest of what every program does")
    c.write((home + "/memory/target").encode(), b"6144")
    chk.ok(wait_for(lambda: "mem_kb=6144" in helper("info", D)), "memory/target balloons it")
    con = helper("console", D, cons_pfn)
    chk.ok("sim:kv: xenbus up" in con, "console: the boot line names sim:kv")
    chk.ok("kv: 19 set paused: ok" in con, "console: a line per request", con[-300:])
    m = kv_mem(D)
    chk.eq(read(c, home + "/data/kv/applied"), m["applied"], "data/kv/applied = guest memory's count")
    chk.eq(m["last_seq"], "20", "guest memory: the last SEQ")
    c.write((home + "/control/shutdown").encode(), b"poweroff")
    chk.ok(wait_for(lambda: "shutdown=1 reason=0" in helper("info", D)), "control/shutdown poweroff")
    chk.eq(kv_mem(D, "shape").get("value"), "round", "its memory still holds the table")
    helper("destroy", D)
    chk.ok(xsd.poll() is None, "xcd-xenstored still runs")
    c.close()
except Exception as e:  # a failure of the harness itself
    chk.ok(False, "unexpected error", repr(e))
finally:
    if host:
        host.stop(chk)
chk.finish()
