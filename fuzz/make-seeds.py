#!/usr/bin/env python3
"""make-seeds: writes the seed corpora of the xenstored fuzzers.

fuzz/corpus/xs-request/: valid message sequences in the record format of
fuzz-xs-request.c (op byte: slot | action << 2 | split << 5; a message is the
op byte, the 16-byte header and the payload).

fuzz/corpus/xs-state/: saved states in the record format of Xen's
docs/designs/xenstore-migration.md, written here from the format (an
implementation independent of the daemon's lu_save); with --lu-save-seed PATH
(the helper `make fuzz` builds) also states written by the daemon's lu_save.

Usage: fuzz/make-seeds.py [--out DIR] [--lu-save-seed PATH] [--crashers DIR]
The output is deterministic: running it again rewrites the same files.
"""
import argparse
import os
import struct
import subprocess
import sys

# xen/io/xs_wire.h, and docs/misc/xenstore.txt for the four after DIRECTORY_PART
(CONTROL, DIRECTORY, READ, GET_PERMS, WATCH, UNWATCH, TRANSACTION_START,
 TRANSACTION_END, INTRODUCE, RELEASE, GET_DOMAIN_PATH, WRITE, MKDIR, RM,
 SET_PERMS, WATCH_EVENT, ERROR, IS_DOMAIN_INTRODUCED, RESUME, SET_TARGET) = range(20)
RESET_WATCHES = 21
DIRECTORY_PART = 22
GET_FEATURE, SET_FEATURE, GET_QUOTA, SET_QUOTA = 23, 24, 25, 26

DOM0, DOM1, DOM2, SLOW = 0, 1, 2, 3


class Seq:
    """A request-fuzzer input."""

    def __init__(self):
        self.b = bytearray()
        self.req = 1

    def op(self, slot, action, split=0):
        self.b.append(slot | action << 2 | split << 5)
        return self

    def raw(self, slot, type_, payload, tx=0, length=None, split=0):
        """A message whose header says `length` (default: the payload's)."""
        self.op(slot, 0, split)
        n = len(payload) if length is None else length
        self.b += struct.pack("<IIII", type_, self.req, tx, n) + payload
        self.req += 1
        return self

    def msg(self, slot, type_, *args, tx=0, split=0):
        payload = b"".join(a.encode() + b"\0" if isinstance(a, str) else a for a in args)
        return self.raw(slot, type_, payload, tx=tx, split=split)

    def reopen(self, slot):
        return self.op(slot, 5)

    def credit(self, n64):
        self.op(SLOW, 6)
        self.b.append(n64)
        return self

    def clear(self, slot):
        return self.op(slot, 6)

    def vanish(self, slot):
        return self.op(slot, 7)


def guest_setup(s, dom):
    d = "/local/domain/%d" % dom
    s.msg(DOM0, MKDIR, d)
    s.msg(DOM0, SET_PERMS, d, "n%d" % dom, "r0")
    return s


def request_seeds():
    seeds = {}

    s = Seq()
    s.msg(DOM0, WRITE, "/a/b/c", b"value")
    s.msg(DOM0, READ, "/a/b/c")
    s.msg(DOM0, DIRECTORY, "/a")
    s.msg(DOM0, MKDIR, "/a/d")
    s.msg(DOM0, GET_PERMS, "/a/d")
    s.msg(DOM0, RM, "/a/b")
    s.msg(DOM0, READ, "/a/b/c")
    seeds["basic-nodes"] = s

    s = Seq()
    guest_setup(s, 1)
    s.msg(DOM1, WRITE, "data/x", b"1")
    s.msg(DOM1, READ, "data/x")
    s.msg(DOM1, DIRECTORY, "data")
    s.msg(DOM1, READ, "/local/domain/0")
    s.msg(DOM1, WRITE, "/tool/x", b"no")
    s.msg(DOM2, READ, "/local/domain/1/data/x")
    s.msg(DOM1, SET_PERMS, "data/x", "n1", "r2")
    s.msg(DOM2, READ, "/local/domain/1/data/x")
    s.msg(DOM1, SET_PERMS, "data/x", "n2")
    s.msg(DOM1, GET_PERMS, "data/x")
    s.msg(DOM1, RM, "data")
    seeds["guest-perms"] = s

    s = Seq()
    s.msg(DOM0, SET_PERMS, "/", "n0", "r1", "r2", "w3")
    s.msg(DOM0, SET_PERMS, "/", "b0")
    s.msg(DOM0, SET_PERMS, "/x", "b0")
    s.msg(DOM0, SET_PERMS, "/tool", "q0")
    s.msg(DOM0, SET_PERMS, "/tool", "r")
    s.msg(DOM0, SET_PERMS, "@introduceDomain", "n0", "r1")
    s.msg(DOM0, GET_PERMS, "@introduceDomain")
    s.msg(DOM0, GET_PERMS, "@releaseDomain")
    s.msg(DOM1, GET_PERMS, "@releaseDomain")
    seeds["set-perms"] = s

    s = Seq()
    s.msg(DOM0, TRANSACTION_START, "")
    s.msg(DOM0, WRITE, "/t/a", b"1", tx=1)
    s.msg(DOM0, READ, "/t/a", tx=1)
    s.msg(DOM0, READ, "/t/a")
    s.msg(DOM0, DIRECTORY, "/t", tx=1)
    s.msg(DOM0, TRANSACTION_END, "T", tx=1)
    s.msg(DOM0, READ, "/t/a")
    seeds["txn-commit"] = s

    s = Seq()
    s.msg(DOM0, WRITE, "/t/a", b"0")
    s.msg(DOM0, TRANSACTION_START, "")
    s.msg(DOM0, READ, "/t/a", tx=1)
    s.msg(DOM0, WRITE, "/t/b", b"x", tx=1)
    s.msg(DOM0, WRITE, "/t/a", b"changed")
    s.msg(DOM0, TRANSACTION_END, "T", tx=1)
    s.msg(DOM0, TRANSACTION_START, "")
    s.msg(DOM0, RM, "/t", tx=2)
    s.msg(DOM0, TRANSACTION_END, "F", tx=2)
    s.msg(DOM0, TRANSACTION_END, "T", tx=2)
    s.msg(DOM0, TRANSACTION_END, "X", tx=0)
    seeds["txn-conflict-abort"] = s

    s = Seq()
    guest_setup(s, 1)
    s.msg(DOM1, TRANSACTION_START, "")
    s.msg(DOM1, MKDIR, "a/b/c", tx=1)
    s.msg(DOM1, WRITE, "a/b/d", b"v", tx=1)
    s.msg(DOM1, SET_PERMS, "a/b", "n1", "r2", tx=1)
    s.msg(DOM1, TRANSACTION_START, "")
    s.msg(DOM1, RM, "a", tx=2)
    s.msg(DOM1, TRANSACTION_END, "T", tx=1)
    s.msg(DOM1, TRANSACTION_END, "T", tx=2)
    s.msg(DOM1, TRANSACTION_START, "", tx=3)
    seeds["txn-guest"] = s

    s = Seq()
    guest_setup(s, 1)
    s.msg(DOM0, SET_QUOTA, "transaction-nodes", "3")
    s.msg(DOM1, TRANSACTION_START, "")
    s.msg(DOM1, WRITE, "a/b/c/d", b"v", tx=1)
    s.msg(DOM1, TRANSACTION_END, "T", tx=1)
    s.msg(DOM0, SET_QUOTA, "1", "nodes", "2")
    s.msg(DOM1, WRITE, "x/y/z", b"v")
    s.msg(DOM0, SET_QUOTA, "node-size", "10")
    s.msg(DOM1, WRITE, "big", b"0123456789abcdef")
    s.msg(DOM0, SET_QUOTA, "transactions", "1")
    s.msg(DOM1, TRANSACTION_START, "")
    s.msg(DOM1, TRANSACTION_START, "")
    seeds["quota-limits"] = s

    s = Seq()
    s.msg(DOM0, WATCH, "/w", "tok")
    s.msg(DOM0, WATCH, "/w", "tok")
    s.msg(DOM0, WATCH, "/w/deep", "d1", "1")
    guest_setup(s, 1)
    s.msg(DOM1, WATCH, "w", "rel")
    s.msg(DOM1, WATCH, "/local/domain/1", "abs", "")
    s.msg(DOM0, WRITE, "/w/x", b"1")
    s.msg(DOM0, WRITE, "/w/deep/a/b", b"1")
    s.msg(DOM0, WRITE, "/local/domain/1/w/z", b"2")
    s.msg(DOM0, RM, "/local/domain/1")
    s.msg(DOM0, UNWATCH, "/w", "tok")
    s.msg(DOM0, UNWATCH, "/w", "tok")
    s.msg(DOM1, UNWATCH, "w", "rel")
    seeds["watch-fire"] = s

    s = Seq()
    s.msg(DOM0, WATCH, "@introduceDomain", "intro")
    s.msg(DOM0, WATCH, "@releaseDomain", "rel", "1")
    s.msg(DOM1, WATCH, "@releaseDomain", "guest")
    s.msg(DOM0, WATCH, "@releaseDomain/5", "five")
    s.msg(DOM0, INTRODUCE, "5", "1048575", "3")
    s.msg(DOM0, INTRODUCE, "5", "1048575", "3")
    s.msg(DOM0, INTRODUCE, "5", "99", "3")
    s.msg(DOM0, IS_DOMAIN_INTRODUCED, "5")
    s.msg(DOM0, RESUME, "5")
    s.msg(DOM0, RELEASE, "5")
    s.msg(DOM0, RELEASE, "5")
    s.msg(DOM0, IS_DOMAIN_INTRODUCED, "5")
    s.msg(DOM1, INTRODUCE, "6", "1", "1")
    s.msg(DOM0, INTRODUCE, "0", "1", "1")
    s.msg(DOM0, INTRODUCE, "32752", "1", "1")
    s.msg(DOM0, INTRODUCE, "7", "-1", "4294967295")
    seeds["introduce-release"] = s

    s = Seq()
    guest_setup(s, 2)
    s.msg(DOM2, WRITE, "data", b"mine")
    s.msg(DOM0, SET_TARGET, "1", "2")
    s.msg(DOM1, READ, "/local/domain/2/data")
    s.msg(DOM1, SET_TARGET, "1", "2")
    s.msg(DOM0, SET_TARGET, "9", "2")
    s.msg(DOM0, GET_DOMAIN_PATH, "3")
    s.msg(DOM1, GET_DOMAIN_PATH, "65535")
    s.msg(DOM0, GET_DOMAIN_PATH, "x")
    seeds["set-target"] = s

    s = Seq()
    s.msg(DOM0, GET_FEATURE, "")
    s.msg(DOM0, SET_FEATURE, "8", "1")
    s.msg(DOM0, GET_FEATURE, "8")
    s.msg(DOM0, SET_FEATURE, "8", "4")
    s.msg(DOM0, SET_FEATURE, "1", "1")
    s.msg(DOM1, GET_FEATURE, "")
    s.msg(DOM0, GET_QUOTA, "")
    s.msg(DOM0, GET_QUOTA, "nodes")
    s.msg(DOM0, GET_QUOTA, "1", "nodes")
    s.msg(DOM0, SET_QUOTA, "1", "memory", "4096")
    s.msg(DOM0, GET_QUOTA, "1", "memory")
    s.msg(DOM0, SET_QUOTA, "path-max", "10")
    s.msg(DOM0, WRITE, "/a/very/long/path", b"x")
    s.msg(DOM0, SET_QUOTA, "1", "path-max", "10")
    s.msg(DOM1, GET_QUOTA, "")
    seeds["feature-quota"] = s

    for name, args in [
        ("check", ["check"]),
        ("log", ["log", "on"]),
        ("logoff", ["log", "off"]),
        ("logfile", ["logfile", "/dev/null"]),
        ("memreport", ["memreport"]),
        ("memreport-file", ["memreport", "/dev/null"]),
        ("print", ["print", "hello"]),
        ("quota", ["quota"]),
        ("quota-set", ["quota", "set", "nodes", "5"]),
        ("quota-dom", ["quota", "1"]),
        ("quota-soft", ["quota-soft", "set", "memory", "100"]),
        ("lu", ["live-update", "-f", "/nonexistent", "", "live-update"]),
        ("help", ["help"]),
    ]:
        s = Seq()
        s.msg(DOM0, WRITE, "/x", b"1")
        s.msg(DOM0, CONTROL, *args)
        if name == "lu":
            s.msg(DOM0, CONTROL, "live-update", "-c", "-N -D")
            s.msg(DOM0, CONTROL, "live-update", "-b", "1")
            s.msg(DOM0, CONTROL, "live-update", "-s", "-t", "10")
            s.msg(DOM0, CONTROL, "live-update", "-a")
        if name == "quota-soft":
            s.msg(DOM0, CONTROL, "quota-soft")
        s.msg(DOM1, CONTROL, *args)
        seeds["control-" + name] = s

    s = Seq()
    s.msg(DOM0, MKDIR, "/dir")
    for i in range(40):
        s.msg(DOM0, MKDIR, "/dir/entry-with-a-long-name-%02d" % i)
    s.msg(DOM0, DIRECTORY_PART, "/dir", "0")
    s.msg(DOM0, DIRECTORY_PART, "/dir", "100")
    s.msg(DOM0, DIRECTORY_PART, "/dir", "100000")
    s.msg(DOM0, DIRECTORY_PART, "@introduceDomain", "0")
    s.msg(DOM0, DIRECTORY, "/dir")
    seeds["directory-part"] = s

    s = Seq()
    s.msg(DOM0, WATCH, "/r", "t")
    s.msg(DOM0, TRANSACTION_START, "")
    s.msg(DOM0, RESET_WATCHES, "")
    s.msg(DOM0, WRITE, "/r/x", b"1", tx=1)
    s.msg(DOM0, WRITE, "/r/x", b"1")
    seeds["reset-watches"] = s

    s = Seq()
    s.msg(DOM0, WRITE, "/k", b"1")
    s.raw(DOM1, READ, b"", length=4097)
    s.msg(DOM1, READ, "/k")
    s.raw(DOM0, WRITE, b"/k\0" + b"v" * 4093)
    s.raw(DOM0, READ, b"/k", length=0xFFFFFFFF)
    s.msg(DOM0, READ, "/k")
    seeds["overlong-len"] = s

    s = Seq()
    s.msg(DOM0, WRITE, "/f", b"1", split=1)
    s.msg(DOM0, READ, "/f", split=2)
    s.msg(DOM0, DIRECTORY, "/", split=3)
    s.msg(DOM0, GET_PERMS, "/f", split=4)
    s.msg(DOM0, MKDIR, "/g", split=5)
    s.msg(DOM0, WRITE, "/h", b"x", split=6)
    s.msg(DOM0, WRITE, "/h", b"y", split=6)
    s.msg(DOM0, READ, "/h", split=0)
    s.raw(DOM0, READ, b"/f\0", length=40)  # ends mid-payload
    seeds["framing-splits"] = s

    s = Seq()
    s.msg(DOM0, READ, b"/no-nul")
    s.msg(DOM0, READ, "")
    s.msg(DOM0, READ, "/a//b")
    s.msg(DOM0, READ, "/a/")
    s.msg(DOM0, READ, "/a b")
    s.msg(DOM0, READ, "@introduceDomain")
    s.msg(DOM0, READ, "/x", "/y")
    s.msg(DOM0, WRITE, "/" + "p" * 3100, b"x")
    s.msg(DOM0, WATCH, "/x")
    s.msg(DOM0, WATCH, "/x", "t", "notnum")
    s.msg(DOM0, RM, "/")
    s.msg(DOM0, RM, "/nope/nope")
    s.msg(DOM0, TRANSACTION_START, "", tx=5)
    s.msg(DOM0, READ, "/", tx=77)
    s.raw(DOM0, WATCH_EVENT, b"a\0b\0")
    s.raw(DOM0, ERROR, b"EINVAL\0")
    s.raw(DOM0, 20, b"")
    s.raw(DOM0, 999, b"x\0")
    s.raw(DOM0, 0xFFFF, b"")
    seeds["invalid"] = s

    s = Seq()
    guest_setup(s, 3)
    s.credit(0)
    s.msg(SLOW, WATCH, "/local/domain", "all")
    for i in range(30):
        s.msg(DOM0, WRITE, "/local/domain/3/n%d" % i, b"v" * 200)
    for i in range(25):
        s.msg(SLOW, READ, "/local/domain/3/n%d" % i)
    s.credit(4)
    s.credit(255)
    s.msg(SLOW, READ, "/local/domain/3/n1")
    seeds["slow-reader"] = s

    s = Seq()
    guest_setup(s, 1)
    s.msg(DOM1, WATCH, "/local/domain/1", "w")
    s.msg(DOM1, TRANSACTION_START, "")
    s.msg(DOM1, WRITE, "x", b"1", tx=1)
    s.reopen(DOM1)
    s.msg(DOM1, READ, "x", tx=1)
    s.msg(DOM0, WRITE, "/local/domain/1/y", b"1")
    s.vanish(DOM1)
    s.msg(DOM0, READ, "/local/domain/1/y")
    s.msg(DOM1, WRITE, "z", b"1")
    s.clear(DOM0)
    seeds["reopen-vanish"] = s

    s = Seq()
    guest_setup(s, 1)
    guest_setup(s, 2)
    s.msg(DOM0, WRITE, "/local/domain/1/shared", b"s")
    s.msg(DOM0, SET_PERMS, "/local/domain/1/shared", "n1", "b2")
    s.msg(DOM2, WRITE, "/local/domain/1/shared/sub", b"2")
    s.msg(DOM0, RELEASE, "2")
    s.msg(DOM0, GET_PERMS, "/local/domain/1/shared")
    s.msg(DOM0, RELEASE, "1")
    s.msg(DOM0, DIRECTORY, "/local/domain")
    seeds["release-owned"] = s

    s = Seq()
    guest_setup(s, 1)
    s.msg(DOM1, TRANSACTION_START, "")
    s.msg(DOM0, TRANSACTION_START, "")
    s.msg(DOM1, WRITE, "a", b"1", tx=1)
    s.msg(DOM0, WRITE, "/local/domain/1/b", b"1", tx=1)
    s.msg(DOM0, TRANSACTION_END, "T", tx=1)
    s.msg(DOM1, TRANSACTION_END, "T", tx=1)
    s.msg(DOM1, DIRECTORY, "")
    seeds["txn-two-conns"] = s

    return seeds


# --- saved states (docs/designs/xenstore-migration.md) ---

def rec(type_, body):
    pad = (8 - len(body) % 8) % 8
    return struct.pack("<II", type_, len(body)) + body + b"\0" * pad


def header(version=2):
    return b"xenstore" + struct.pack(">II", version, 0)


QUOTA_NAMES = ["nodes", "watches", "transactions", "node-size", "permissions",
               "transaction-nodes", "outstanding", "memory", "path-max"]
QUOTA_VALUES = [1000, 128, 10, 2048, 5, 1024, 20, 2 * 1024 * 1024, 3072]


def global_data(sock=3, evtchn=-1):
    return rec(1, struct.pack("<ii", sock, evtchn))


def global_quota():
    body = struct.pack("<HH", 8, 1)
    body += b"".join(struct.pack("<I", v) for v in QUOTA_VALUES)
    body += b"".join(n.encode() + b"\0" for n in QUOTA_NAMES)
    return rec(6, body)


def domain_data(domid, features=0, quota=None):
    quota = quota or {}
    body = struct.pack("<HHI", domid, len(quota), features)
    body += b"".join(struct.pack("<I", v) for v in quota.values())
    body += b"".join(n.encode() + b"\0" for n in quota)
    return rec(7, body)


def conn_socket(cid, fd, in_data=b"", out_data=b"", resp_len=0):
    body = struct.pack("<IHHII", cid, 1, 0, fd, 0)
    body += struct.pack("<HHI", len(in_data), resp_len, len(out_data)) + in_data + out_data
    return rec(2, body)


def conn_ring(cid, domid, target=0x7FF4, port=0):
    body = struct.pack("<IHHHHI", cid, 0, 0, domid, target, port)
    body += struct.pack("<HHI", 0, 0, 0)
    return rec(2, body)


def watch(cid, path, token, depth=None):
    p, t = path.encode() + b"\0", token.encode() + b"\0"
    if depth is None:
        return rec(3, struct.pack("<IHH", cid, len(p), len(t)) + p + t)
    return rec(8, struct.pack("<IHHHH", cid, len(p), len(t), depth, 0) + p + t)


def txn(cid, txid):
    return rec(4, struct.pack("<II", cid, txid))


def node(path, value=b"", perms=(("n", 0),), cid=0, txid=0, access=0):
    p = path.encode() + b"\0"
    body = struct.pack("<IIHHHH", cid, txid, len(p), len(value), access, len(perms))
    for perm, domid in perms:
        body += struct.pack("<BBH", ord(perm), 0, domid)
    return rec(5, body + p + value)


def end():
    return rec(0, b"")


def wire(type_, payload, req=1, tx=0):
    return struct.pack("<IIII", type_, req, tx, len(payload)) + payload


def base_tree():
    return (node("/") + node("/tool") + node("/tool/xenstored") + node("/local")
            + node("/local/domain") + node("/local/domain/0", b"", (("n", 0),))
            + node("/local/domain/1", b"", (("n", 1), ("r", 0)))
            + node("/local/domain/1/name", b"guest", (("n", 1), ("r", 0))))


def state_seeds():
    seeds = {}
    seeds["minimal"] = header() + node("/") + end()
    seeds["v1-minimal"] = header(1) + global_data(-1) + node("/") + end()
    seeds["host"] = (header() + global_data() + global_quota()
                     + domain_data(0) + domain_data(1, 1, {"nodes": 50, "memory": 65536})
                     + conn_ring(0x80000001, 1) + base_tree() + end())
    seeds["clients"] = (
        header() + global_data() + global_quota() + domain_data(1) + conn_ring(0x80000001, 1)
        + base_tree()
        + conn_socket(7, 10, in_data=wire(READ, b"/local/domain/1/name\0")[:20],
                      out_data=wire(WRITE, b"OK\0") + wire(WATCH_EVENT, b"/local\0tok\0"))
        + watch(7, "/local", "tok") + watch(7, "@releaseDomain", "rel", 1)
        + watch(7, "name", "relative", 0xFFFF)
        + conn_socket(8, 11, out_data=b"partial", resp_len=7)
        + end())
    seeds["transactions"] = (
        header() + global_data(-1) + domain_data(1) + conn_ring(0x80000001, 1) + base_tree()
        + conn_socket(7, 10) + txn(7, 1) + txn(7, 4)
        + node("/local/domain/1/name", b"renamed", (("n", 1),), cid=7, txid=1, access=3)
        + node("/local/domain/1/new", b"x", (("n", 1),), cid=7, txid=1, access=2)
        + node("/local/domain/1", b"", (("n", 1), ("r", 0)), cid=7, txid=1, access=1)
        + node("/local/domain/0", b"", (), cid=7, txid=4, access=2)
        + node("/local", b"", (("n", 0),), cid=7, txid=4, access=0x8001)
        + end())
    seeds["reserved-records"] = (header() + rec(9, b"future") + rec(0x1234, b"")
                                 + node("/") + end() + b"trailing")
    return seeds


def crashers():
    """Hand-made reproducers of the daemon bugs the fuzzers point at
    (fuzz/crashers/TARGET/NAME; see fuzz/crashers/OPEN)."""
    out = {}
    s = Seq()
    guest_setup(s, 1)
    for i in range(6):
        s.msg(DOM1, WRITE, "a/x%d" % i, b"v")
    s.msg(DOM0, SET_QUOTA, "transaction-nodes", "5")
    s.msg(DOM1, TRANSACTION_START, "")
    s.msg(DOM1, RM, "a", tx=1)               # ENOSPC half-way through the subtree
    s.msg(DOM1, TRANSACTION_END, "T", tx=1)  # commits the half
    out["xs-request/txn-rm-enospc-orphans"] = bytes(s.b)
    # Saved input longer than the message its header announces (len 0).
    inb = struct.pack("<IIII", READ, 1, 0, 0) + b"x" * 10
    out["xs-state/conn-input-past-message"] = (
        header() + global_data(-1) + node("/") + conn_socket(7, 10, in_data=inb) + end())
    # Saved input whose header announces more than XENSTORE_PAYLOAD_MAX.
    inb = struct.pack("<IIII", READ, 1, 0, 5000) + b"/" * 100
    out["xs-state/conn-input-overlong"] = (
        header() + global_data(-1) + node("/") + conn_socket(7, 10, in_data=inb) + end())
    # Two records for one node of one transaction: the first is dropped, not freed.
    out["xs-state/txn-node-twice-leak"] = (
        header() + global_data(-1) + node("/") + node("/a", b"1") + conn_socket(7, 10)
        + txn(7, 1) + node("/a", b"x", cid=7, txid=1, access=2)
        + node("/a", b"y", cid=7, txid=1, access=2) + end())
    # Replayed with XS_FUZZ_STATE_STRICT=1 (name starts with strict-):
    # a parent's children are added after it was accounted.
    out["xs-state/strict-accounting-after-restore"] = (
        header() + node("/") + node("/a") + node("/a/b") + end())
    # A second record for a committed node replaces it without its children.
    out["xs-state/strict-node-twice-orphans"] = (
        header() + node("/") + node("/a") + node("/a/b") + node("/a", b"again") + end())
    # GLOBAL_DATA without its fields: socket and event channel read as 0.
    out["xs-state/strict-global-data-truncated"] = header() + rec(1, b"") + node("/") + end()
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(here, "corpus"))
    ap.add_argument("--crashers", metavar="DIR",
                    help="also write the hand-made reproducers into DIR/TARGET/")
    ap.add_argument("--lu-save-seed", metavar="PATH",
                    help="the helper built by `make fuzz` (fuzz/lu-save-seed)")
    a = ap.parse_args()
    rq = os.path.join(a.out, "xs-request")
    st = os.path.join(a.out, "xs-state")
    os.makedirs(rq, exist_ok=True)
    os.makedirs(st, exist_ok=True)
    n = 0
    for name, s in sorted(request_seeds().items()):
        with open(os.path.join(rq, name), "wb") as f:
            f.write(bytes(s.b))
        n += 1
    for name, b in sorted(state_seeds().items()):
        with open(os.path.join(st, name), "wb") as f:
            f.write(b)
        n += 1
    if a.crashers:
        for name, b in sorted(crashers().items()):
            os.makedirs(os.path.join(a.crashers, os.path.dirname(name)), exist_ok=True)
            with open(os.path.join(a.crashers, name), "wb") as f:
                f.write(b)
            n += 1
    if a.lu_save_seed:
        for v in range(4):
            subprocess.run([a.lu_save_seed, os.path.join(st, "lu-save-%d" % v), str(v)],
                           check=True)
            n += 1
    print("make-seeds: %d seeds in %s" % (n, a.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
