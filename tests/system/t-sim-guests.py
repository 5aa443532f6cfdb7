#!/usr/bin/python3
"""Simulated guests on xenstore: a private xcd-sim and an xcd-xenstored
reaching its domains through hv (--sim-socket). Guests are created and
built with hv (tests/system/sim-guest), INTRODUCEd by pyxs as a toolstack
does, and must then behave as Linux PV guests: control/feature-* appear,
control/shutdown poweroff/reboot/suspend shut them down with that reason
and fire @releaseDomain, memory/target balloons them, a destroyed guest is
released, a live update of xenstored keeps their rings working, and
their vbd and vif frontends go through the xenbus handshake with xcd-sim's
simulated backends (xcd-sim --xenstore) as xl's entries and a block
hotplug script drive them."""
import os
import queue
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
T = xstest.TMPDIR
XSD = simhost.XSD
XC = os.path.join(os.environ.get("XEN_TOOLS", "/usr/lib/xen-4.17/bin"), "xenstore-control")
host = None


def helper(*args):
    return host.helper(*args)


def info(domid):
    return dict(kv.split("=") for kv in helper("info", domid).split())


def client():
    c = Client(unix_socket_path=XS_SOCK)
    c.connect()
    return c


class Guest:
    """A guest set up as xl would: its home, control and memory nodes
    writable by it, memory/target, then INTRODUCE and unpause."""

    def __init__(self, c, kernel="sim:idle", mem_kb=8192):
        out = helper("create", kernel, mem_kb).split()
        self.domid, self.store_pfn, self.store_port, self.cons_pfn, _ = map(int, out)
        self.home = "/local/domain/%d" % self.domid
        d = self.domid
        c.write((self.home + "/name").encode(), b"sim-guest-%d" % d)
        c.set_perms(self.home.encode(), [b"n0", b"r%d" % d])
        for sub in ("control", "memory", "device"):
            c.mkdir((self.home + "/" + sub).encode())
            c.set_perms((self.home + "/" + sub).encode(), [b"n%d" % d])
        c.write((self.home + "/memory/static-max").encode(), str(mem_kb).encode())
        c.write((self.home + "/memory/target").encode(), str(mem_kb).encode())
        c.set_perms((self.home + "/memory/target").encode(), [b"n0", b"r%d" % d])
        c.introduce_domain(d, self.store_pfn, self.store_port)
        helper("unpause", d)

    def node(self, c, rel):
        return read(c, self.home + "/" + rel)

    def console(self):
        return helper("console", self.domid, self.cons_pfn)


def next_release(m, domid, timeout=10.0):
    """True once @releaseDomain fires (tokens name the watch, not the domain:
    xenstored fires it without a domain id in the path)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            ev = m.events.get(timeout=max(0.01, end - time.monotonic()))
        except queue.Empty:
            return False
        if ev[0] == b"@releaseDomain":
            return True
    return False


def drain(m):
    while True:
        try:
            m.events.get_nowait()
        except queue.Empty:
            return


def shut_down_by(c, m, g, value, reason):
    drain(m)
    c.write((g.home + "/control/shutdown").encode(), value.encode())
    chk.ok(wait_for(lambda: info(g.domid)["shutdown"] == "1"),
           "control/shutdown=%s: the guest shuts down" % value)
    chk.eq(info(g.domid)["reason"], str(reason), "control/shutdown=%s: reason %d" % (value, reason))
    chk.eq(g.node(c, "control/shutdown"), "", "control/shutdown=%s: the guest cleared the node" % value)
    chk.ok(next_release(m, g.domid), "control/shutdown=%s: @releaseDomain fires" % value)


try:
    host = simhost.Host("hv", 256, ["--xenstore", "{xs}"])
    sim, xsd = host.sim, host.xsd
    XS_SOCK, env = host.xs_sock, host.env
    c = client()
    m = c.monitor()
    m.watch(b"@releaseDomain", b"rel")
    m.watch(b"@introduceDomain", b"intro")
    next_release(m, 0)  # the event every new watch fires once

    chk.section("boot: the guest's xenbus advertises what it answers")
    g1 = Guest(c)
    for f in ("poweroff", "reboot", "suspend"):
        chk.ok(wait_for(lambda: g1.node(c, "control/feature-" + f) == "1"),
               "control/feature-%s = 1 (written by the guest through its ring)" % f)
    chk.ok(c.is_domain_introduced(g1.domid), "the guest is introduced")
    trace = open(os.path.join(T, "hv-xs.trace")).read()
    chk.ok("control/feature-poweroff" in trace, "the trace shows the guest's own WRITE")
    chk.ok("xenbus up" in g1.console(), "the guest's console has its boot line", repr(g1.console()))

    chk.section("memory/target: the guest balloons")
    c.write((g1.home + "/memory/target").encode(), b"6144")
    chk.ok(wait_for(lambda: info(g1.domid)["mem_kb"] == "6144"), "mem_kb follows memory/target",
           repr(info(g1.domid)))
    chk.eq(info(g1.domid)["target_kb"], "6144", "target_kb follows memory/target")
    c.write((g1.home + "/memory/target").encode(), b"7000")
    chk.ok(wait_for(lambda: info(g1.domid)["mem_kb"] == "7000"), "and back up to 7000 KiB")

    chk.section("control/shutdown")
    shut_down_by(c, m, g1, "poweroff", 0)
    chk.ok("powering off" in g1.console(), "the console says it powers off")
    g2 = Guest(c, "sim:dirty,rate=200")
    chk.ok(wait_for(lambda: g2.node(c, "control/feature-reboot") == "1"), "a sim:dirty guest has xenbus too")
    shut_down_by(c, m, g2, "reboot", 1)
    g3 = Guest(c)
    chk.ok(wait_for(lambda: g3.node(c, "control/feature-suspend") == "1"), "third guest up")
    shut_down_by(c, m, g3, "suspend", 2)
    helper("resume", g3.domid)
    chk.eq(info(g3.domid)["shutdown"], "0", "resume: the suspended guest runs again")
    c.write((g3.home + "/memory/target").encode(), b"5000")
    chk.ok(wait_for(lambda: info(g3.domid)["mem_kb"] == "5000"),
           "after resume it still answers memory/target")
    g4 = Guest(c)
    chk.ok(wait_for(lambda: g4.node(c, "control/feature-poweroff") == "1"), "fourth guest up")
    c.write((g4.home + "/control/shutdown").encode(), b"halt")
    chk.ok(wait_for(lambda: info(g4.domid)["shutdown"] == "1"), "halt: the guest shuts down")
    chk.eq(info(g4.domid)["reason"], "0", "halt: reason poweroff")
    c.write((g3.home + "/control/shutdown").encode(), b"dance")
    chk.ok(wait_for(lambda: "ignoring" in g3.console()), "an unknown request: the console says it is ignored")
    chk.eq(info(g3.domid)["shutdown"], "0", "an unknown request is ignored")

    chk.section("destroy: the guest is released")
    for g in (g1, g2, g4):
        drain(m)
        helper("destroy", g.domid)
        chk.ok(next_release(m, g.domid), "domain %d destroyed: @releaseDomain fires" % g.domid)
        chk.ok(wait_for(lambda: not c.is_domain_introduced(g.domid)),
               "domain %d destroyed: no longer introduced" % g.domid)
        chk.eq(g.node(c, "control/feature-poweroff"), None,
               "domain %d destroyed: the nodes it owned are gone" % g.domid)

    chk.section("devices: the xenbus handshake of a vbd and a vif")
    g5 = Guest(c)
    chk.ok(wait_for(lambda: g5.node(c, "control/feature-poweroff") == "1"), "fifth guest up")
    D = g5.domid
    disk = os.path.join(T, "disk.img")
    with open(disk, "wb") as f:
        f.truncate(8 * 1024 * 1024)
    devs = {"vbd": 51712, "vif": 0}
    be = {}
    fe = {}
    for t, n in devs.items():
        be[t] = "/local/domain/0/backend/%s/%d/%d" % (t, D, n)
        fe[t] = "%s/device/%s/%d" % (g5.home, t, n)
        # as libxl writes them: backend owned by dom0 and readable by the
        # guest, frontend owned by the guest and readable by dom0
        c.mkdir(be[t].encode())
        c.set_perms(be[t].encode(), [b"n0", b"r%d" % D])
        c.mkdir(fe[t].encode())
        c.set_perms(fe[t].encode(), [b"n%d" % D, b"r0"])
        extra = {"params": disk, "mode": "w", "type": "phy", "dev": "xvda"} if t == "vbd" \
            else {"mac": "00:16:3e:00:00:05", "handle": "0", "script": "vif-bridge"}
        for k, v in dict(frontend=fe[t], **{"frontend-id": str(D)}, online="1", state="1",
                         **extra).items():
            c.write(("%s/%s" % (be[t], k)).encode(), v.encode())
        for k, v in {"backend-id": "0", "state": "1", "backend": be[t]}.items():
            c.write(("%s/%s" % (fe[t], k)).encode(), v.encode())

    def st(path):
        return read(c, path + "/state")
    for t in devs:
        chk.ok(wait_for(lambda: st(be[t]) in ("2", "4")), "%s: the backend reaches InitWait" % t,
               "state %r" % st(be[t]))
    chk.ok(wait_for(lambda: st(fe["vbd"]) == "3"), "vbd: the frontend is Initialised",
           "state %r" % st(fe["vbd"]))
    for k in ("ring-ref", "event-channel", "protocol"):
        chk.ok(read(c, fe["vbd"] + "/" + k), "vbd: the frontend wrote %s" % k)
    chk.eq(st(be["vbd"]), "2", "vbd: the backend waits for the hotplug script")
    c.write((be["vbd"] + "/physical-device").encode(), b"fe:0")  # what the block script writes
    chk.ok(wait_for(lambda: st(be["vbd"]) == "4"), "vbd: physical-device written: the backend connects")
    chk.eq(read(c, be["vbd"] + "/sectors"), str(8 * 1024 * 1024 // 512), "vbd: sectors of the image")
    chk.eq(read(c, be["vbd"] + "/sector-size"), "512", "vbd: sector-size")
    chk.ok(wait_for(lambda: st(fe["vbd"]) == "4"), "vbd: the frontend connects")
    chk.ok(wait_for(lambda: st(fe["vif"]) == "4"), "vif: the frontend connects (netfront)")
    for k in ("tx-ring-ref", "rx-ring-ref", "event-channel"):
        chk.ok(read(c, fe["vif"] + "/" + k), "vif: the frontend wrote %s" % k)
    chk.eq(read(c, fe["vif"] + "/request-rx-copy"), "1", "vif: request-rx-copy")
    chk.ok(wait_for(lambda: st(be["vif"]) == "4"), "vif: the backend connects")
    for t in devs:  # removal as libxl does it: online 0, backend Closing
        c.write((be[t] + "/online").encode(), b"0")
        c.write((be[t] + "/state").encode(), b"5")
    for t in devs:
        chk.ok(wait_for(lambda: st(fe[t]) == "6"), "%s: the frontend closes" % t, "state %r" % st(fe[t]))
        chk.ok(wait_for(lambda: st(be[t]) == "6"), "%s: the backend is Closed" % t, "state %r" % st(be[t]))
        c.delete(fe[t].encode())
        c.delete(be[t].encode())
    chk.ok(wait_for(lambda: g5.console().count("removed") == 2), "the guest dropped both devices",
           repr(g5.console()))
    helper("destroy", D)

    chk.section("live update keeps a guest's ring and event channel")
    if not os.access(XC, os.X_OK):
        print("(no %s: live update not checked)" % XC)
    else:
        c.write((g3.home + "/memory/target").encode(), b"4800")
        chk.ok(wait_for(lambda: info(g3.domid)["mem_kb"] == "4800"), "before the update")
        r = subprocess.run([XC, "live-update", "-F", XSD], capture_output=True, text=True,
                           timeout=40, env=dict(env, XENSTORED_PATH=XS_SOCK))
        chk.eq(r.returncode, 0, "xenstore-control live-update -F: exit status", )
        if r.returncode:
            print(r.stdout, r.stderr)
        cmd = open("/proc/%d/cmdline" % xsd.pid).read()
        chk.ok("--live-update" in cmd, "the daemon re-executed itself")
        c2 = client()
        c2.write((g3.home + "/memory/target").encode(), b"4400")
        chk.ok(wait_for(lambda: info(g3.domid)["mem_kb"] == "4400"),
               "after the update the guest sees memory/target (ring and both directions of its channel)",
               repr(info(g3.domid)))
        chk.eq(read(c2, g3.home + "/control/feature-poweroff"), "1", "its nodes are kept")
        m2 = c2.monitor()
        m2.watch(b"@releaseDomain", b"rel2")
        next_release(m2, 0)  # the event every new watch fires once
        drain(m2)
        c2.write((g3.home + "/control/shutdown").encode(), b"poweroff")
        chk.ok(wait_for(lambda: info(g3.domid)["shutdown"] == "1"), "after the update: poweroff works")
        chk.ok(next_release(m2, g3.domid), "after the update: @releaseDomain fires (VIRQ bound again)")
        helper("destroy", g3.domid)
        chk.ok(wait_for(lambda: not c2.is_domain_introduced(g3.domid)),
               "after the update: a destroyed guest is released")
        c2.close()
    chk.ok(xsd.poll() is None, "xcd-xenstored still runs")
    c.close()
except Exception as e:  # a failure of the harness itself
    chk.ok(False, "unexpected error", repr(e))
finally:
    if host:
        host.stop(chk)
chk.finish()
