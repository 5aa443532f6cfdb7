"""A private simulated host for the system tests: an xcd-sim and an
xcd-xenstored reaching its guests through hv (--sim-socket), and
tests/system/sim-guest, which makes and drives guests with hv as a
toolstack does. Used by t-sim-guests.py and t-sim-kv.py."""
import os
import signal
import socket
import subprocess
import sys
import time

import xstest

BUILD = os.environ.get("XCD_BUILDDIR") or os.path.join(os.path.dirname(__file__), "..", "..")
SIM = os.path.join(BUILD, "sim", "xcd-sim")
HELPER = os.path.join(BUILD, "tests", "system", "sim-guest")
XSD = os.environ.get("XCD_XENSTORED") or os.path.join(BUILD, "xenstore", "xcd-xenstored")


def need_pyxs():
    """pyxs's Client, or exit 77 (skip) without python3-pyxs."""
    try:
        from pyxs import Client
    except ImportError as e:
        print("SKIP: python3-pyxs is not installed (%s)" % e)
        sys.exit(77)
    return Client


def need_tools():
    for tool in (SIM, HELPER, XSD):
        if not os.access(tool, os.X_OK):
            print("SKIP: %s is not built" % tool)
            sys.exit(77)


def wait_for(cond, secs=10.0):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        try:
            if cond():
                return True
        except Exception:
            pass
        time.sleep(0.02)
    try:
        return bool(cond())
    except Exception:
        return False


def connectable(path):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
        return True
    finally:
        s.close()


def read(c, path):
    """A node's value through pyxs client c, None when it cannot be read."""
    try:
        return c.read(path.encode()).decode()
    except Exception:
        return None


class Host:
    """xcd-sim (--memory MiB, extra options) and xcd-xenstored named NAME:
    its socket NAME-xs/socket, log NAME-xs.log and trace NAME-xs.trace in
    the test's folder."""

    def __init__(self, name, memory_mib, sim_args=()):
        self.dir = xstest.TMPDIR
        self.name = name
        self.sim_sock = os.path.join(self.dir, "sim.sock")
        self.xs_sock = os.path.join(self.dir, name + "-xs", "socket")
        self.env = dict(os.environ, XCD_SIM_SOCKET=self.sim_sock)
        self.procs = []
        self.sim = self._spawn([SIM, "--socket", self.sim_sock, "--memory", str(memory_mib),
                                "--verbose"] + [a.replace("{xs}", self.xs_sock) for a in sim_args],
                               "xcd-sim.log", self.sim_sock, "xcd-sim")
        self.xsd = self._spawn([XSD, "-N", "-s", self.xs_sock, "--sim-socket", self.sim_sock,
                                "-T", os.path.join(self.dir, name + "-xs.trace")],
                               name + "-xs.log", self.xs_sock, "xcd-xenstored --sim-socket")

    def _spawn(self, argv, log, sock, what):
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                             stderr=open(os.path.join(self.dir, log), "w"), env=self.env)
        self.procs.append(p)
        if not wait_for(lambda: connectable(sock)):
            print("FAIL: %s did not come up" % what)
            sys.exit(1)
        return p

    def helper(self, *args):
        """tests/system/sim-guest ARGS..., its output; raises on failure."""
        r = subprocess.run([HELPER] + [str(a) for a in args], env=self.env,
                           capture_output=True, text=True, timeout=20)
        if r.returncode != 0:
            raise RuntimeError("sim-guest %s: %s" % (" ".join(map(str, args)),
                                                    r.stderr.strip()))
        return r.stdout

    def stop(self, chk):
        """SIGTERM to every daemon still running, each must exit 0; the logs'
        last lines when the test failed."""
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    rc = p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    rc = p.wait()
                chk.eq(rc, 0, "%s exits 0 on SIGTERM" % os.path.basename(p.args[0]))
        if chk.failures:
            for log in (self.name + "-xs.log", "xcd-sim.log"):
                print("--- %s (last lines)" % log)
                try:
                    print("".join(open(os.path.join(self.dir, log)).readlines()[-25:]))
                except OSError:
                    pass
