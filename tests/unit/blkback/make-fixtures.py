#!/usr/bin/env python3
"""make-fixtures: writes the fixture hosts of blkback-unit (sysroots standing
for /sys, /proc and what xcdd will supply) under fixtures/:

  dual-hba    two dual-port 8 Gbit HBAs (NUMA nodes 0 and 1), an ALUA array
              (NETAPP INF-01-00) with 6 LUNs of 4 paths each, every path
              group spread over both HBAs; no_path_retry unset, round-robin
  paths-down  the same, with host1 (HBA 0000:05:00's first port) Linkdown,
              its remote port Blocked and its paths failed
  empty       no FC, no multipath, no xen_blkback: nothing to do
  single-hba  one dual-port 4 Gbit HBA (NUMA node 1), a non-ALUA array
              (HITACHI OPEN-V) with 3 LUNs of 2 paths, queueing forever

  make-fixtures.py                 rewrites fixtures/ (checked in)
  make-fixtures.py --big DIR       64 LUNs x 8 paths (4 dual-port HBAs) and
                                   64 guests with 4 rings each, for bench/io-plan

multipathd's document follows multipath-tools 0.9.4's print.c
(PRINT_JSON_MAP, _GROUP, _PATH), JSON format 0.1.
"""
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def symlink(root, rel, target):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    os.symlink(target, path)


def wwn(v):
    return "0x%016x" % v


def cpus(root, nodes):
    """nodes: list of CPU lists, one per NUMA node"""
    last = max(int(n.split("-")[-1]) for n in nodes)
    write(root, "sys/devices/system/cpu/online", "0-%d\n" % last)
    for i, n in enumerate(nodes):
        write(root, "sys/devices/system/node/node%d/cpulist" % i, n + "\n")


def hba_port(root, host, pci, bridge, node, port_name, state, speed, supported):
    dev = "devices/pci0000:00/%s/%s" % (bridge, pci)
    write(root, "sys/%s/numa_node" % dev, "%d\n" % node)
    d = "sys/%s/host%d/fc_host/host%d" % (dev, host, host)
    attrs = {
        "port_name": wwn(port_name),
        "node_name": wwn(port_name - (1 << 60) + (1 << 56)),
        "port_state": state,
        "speed": speed,
        "supported_speeds": supported,
        "port_type": "NPort (fabric via point-to-point)",
        "fabric_name": wwn(0x100000051E000000 + host),
    }
    for k, v in attrs.items():
        write(root, "%s/%s" % (d, k), v + "\n")
    symlink(root, "sys/class/fc_host/host%d" % host,
            "../../devices/pci0000:00/%s/%s/host%d/fc_host/host%d" % (bridge, pci, host, host))


def rport(root, host, port_name, state, dev_loss, fast_fail):
    d = "sys/class/fc_remote_ports/rport-%d:0-0" % host
    attrs = {
        "port_name": wwn(port_name),
        "node_name": wwn(port_name & ~0xFFFF),
        "port_state": state,
        "roles": "FCP Target",
        "dev_loss_tmo": str(dev_loss),
        "fast_io_fail_tmo": fast_fail,
    }
    for k, v in attrs.items():
        write(root, "%s/%s" % (d, k), v + "\n")


def blkback(root, params):
    for k, v in params.items():
        write(root, "sys/module/xen_blkback/parameters/%s" % k, "%s\n" % v)


def thread(root, pid, comm, allowed, last, ppid=2):
    """ppid: the parent's pid; 2 (kthreadd) for a kernel thread, as
    blkback's are: the reader takes no other as blkback's."""
    write(root, "proc/%d/comm" % pid, comm + "\n")
    write(root, "proc/%d/status" % pid,
          "Name:\t%s\nState:\tS (sleeping)\nPid:\t%d\nPPid:\t%d\nCpus_allowed_list:\t%s\n"
          % (comm, pid, ppid, allowed))
    fields = [str(pid), "(%s)" % comm, "S"] + ["0"] * 49
    fields[3] = str(ppid)  # field 4: the parent's pid
    fields[38] = str(last)  # field 39: processor
    write(root, "proc/%d/stat" % pid, " ".join(fields) + "\n")


def mpath_doc(maps):
    return json.dumps({"major_version": 0, "minor_version": 1, "maps": maps}, indent=3) + "\n"


def path(dev, minor, live, pri, host_wwpn, target_wwpn, adapter, checker="tur"):
    return {
        "dev": dev, "dev_t": "8:%d" % minor,
        "dm_st": "active" if live else "failed",
        "dev_st": "running" if live else "offline",
        "chk_st": "ready" if live else "faulty",
        "checker": checker, "pri": pri,
        "host_wwnn": wwn(host_wwpn - (1 << 60) + (1 << 56)),
        "target_wwnn": wwn(target_wwpn & ~0xFFFF),
        "host_wwpn": wwn(host_wwpn), "target_wwpn": wwn(target_wwpn),
        "host_adapter": adapter, "lun_hex": "0x0000000000000000", "marginal_st": "normal",
    }


def a_map(name, wwid, dm, vend, prod, groups, queueing, features, hwhandler, failback):
    live = sum(1 for g in groups for p in g["paths"] if p["dm_st"] == "active")
    return {
        "name": name, "uuid": wwid, "sysfs": "dm-%d" % dm, "failback": failback,
        "queueing": queueing, "paths": live, "write_prot": "rw", "dm_st": "active",
        "features": features, "hwhandler": hwhandler, "action": "", "path_faults": 0,
        "vend": vend, "prod": prod, "rev": "0820", "switch_grp": 0, "map_loads": 1,
        "total_q_time": 0, "q_timeouts": 0, "path_groups": groups,
    }


def group(selector, pri, st, num, paths):
    return {"selector": selector, "pri": pri, "dm_st": st, "marginal_st": "normal",
            "group": num, "paths": paths}


def san_host(root, cards, luns, paths_per_lun_hosts, array, down_host=None, guests=None,
             rings=2, node_cpus=("0-7", "8-15"), bb=None, policy=""):
    """cards: list of (card, bridge, node, speed, supported, [hosts]);
    array: dict(vend, prod, alua, selector, queueing, features, failback,
    hwhandler, dev_loss, fast_fail, targets={host: target_wwpn},
    owner=lambda lun, target -> optimized?)"""
    cpus(root, list(node_cpus))
    port_of = {}
    for card, bridge, node, speed, supported, hosts in cards:
        for fn, h in enumerate(hosts):
            pn = 0x10000090FA000000 + h
            port_of[h] = (pn, "%s.%d" % (card, fn))
            down = h == down_host
            hba_port(root, h, "%s.%d" % (card, fn), bridge, node, pn,
                     "Linkdown" if down else "Online", "unknown" if down else speed, supported)
            rport(root, h, array["targets"][h], "Blocked" if down else "Online",
                  array["dev_loss"], array["fast_fail"])
    maps = []
    sd = 0
    for i in range(luns):
        wwid = "3600a0b80001234%s%04d" % (array["tag"], i)
        name = "mpath%s" % (chr(ord("a") + i) if i < 26 else "a%d" % i)
        by_pri = {}
        for h in paths_per_lun_hosts:
            pn, adapter = port_of[h]
            live = h != down_host
            opt = array["owner"](i, h)
            pri = (50 if opt else 10) if array["alua"] else 1
            dev = "sd%s" % (chr(ord("b") + sd) if sd < 25 else "a%s" % chr(ord("a") + sd % 26) + str(sd // 26))
            p = path(dev, 16 * (sd + 1), live, pri, pn, array["targets"][h], adapter)
            if array["alua"]:
                write(root, "sys/block/%s/device/access_state" % dev,
                      ("active/optimized" if opt else "active/non-optimized") + "\n")
            by_pri.setdefault(pri, []).append(p)
            sd += 1
        groups = []
        for n, pri in enumerate(sorted(by_pri, reverse=True)):
            groups.append(group(array["selector"], pri, "active" if n == 0 else "enabled", n + 1,
                                by_pri[pri]))
        maps.append(a_map(name, wwid, i, array["vend"], array["prod"], groups, array["queueing"],
                          array["features"], array["hwhandler"], array["failback"]))
    write(root, "run/xcd/multipathd-maps.json", mpath_doc(maps))
    if bb is not None:
        blkback(root, bb)
    vb = ["# domid  vdev  device  guest   (stands for xcdd's vbd backends)"]
    pid = 1000
    for n, (dom, vdev, dev, guest, allowed) in enumerate(guests or []):
        vb.append("%d %s %s %s" % (dom, vdev, dev, guest))
        for r in range(rings):
            thread(root, pid, ("blkback.%d.%s-%d" % (dom, vdev, r))[:15], allowed, (pid % 4))
            pid += 1
    write(root, "run/xcd/vbds", "\n".join(vb) + "\n")
    # a few ordinary processes, which the ring-thread reader must pass over
    thread(root, 1, "systemd", "0-15", 0, ppid=0)
    thread(root, 2, "kthreadd", "0-15", 1, ppid=0)
    thread(root, 77, "blkfront-ish", "0-15", 1, ppid=1)
    write(root, "etc/xcd/io.conf", policy)


DEFAULT_BB = {"max_ring_page_order": 1, "max_queues": 16, "max_persistent_grants": 1056,
              "feature_persistent": "Y", "max_buffer_pages": 1024, "log_stats": 0,
              "persistent_grant_unused_seconds": 60}

NETAPP = {
    "vend": "NETAPP", "prod": "INF-01-00", "alua": True, "tag": "0a",
    "selector": "round-robin 0", "queueing": "-", "features": "0",
    "hwhandler": "1 alua", "failback": "immediate", "dev_loss": 30, "fast_fail": "off",
    # host1 -> A1, host2 -> B1, host3 -> A2, host4 -> B2: each controller's
    # paths run through both HBAs
    "targets": {1: 0x20140080E5180001, 2: 0x20240080E5180001,
                3: 0x20150080E5180001, 4: 0x20250080E5180001},
    "owner": lambda lun, h: (h in (1, 3)) == (lun % 2 == 0),
}

DUAL_POLICY = """# io.conf of the dual-HBA fixture host
management_nic = "eno1"
net_guest_mbit = 200
storage_target_mbytes = 400
storage_paths = 2
storage_no_path_retry = 12
lun = [ "wwid=3600a0b800012340a0001,paths=4,hbas=2" ]
"""


def dual(root, down=None):
    cards = [("0000:05:00", "0000:00:02.0", 0, "8 Gbit", "2 Gbit, 4 Gbit, 8 Gbit", [1, 2]),
             ("0000:84:00", "0000:80:03.0", 1, "8 Gbit", "2 Gbit, 4 Gbit, 8 Gbit", [3, 4])]
    guests = [(i + 1, "xvda", "/dev/mapper/mpath%s" % chr(ord("a") + i) if i % 2 == 0 else "dm-%d" % i,
               "web%d" % (i + 1), "0-15") for i in range(6)]
    san_host(root, cards, 6, [1, 2, 3, 4], NETAPP, down_host=down, guests=guests, bb=DEFAULT_BB,
             policy=DUAL_POLICY)


HITACHI = {
    "vend": "HITACHI", "prod": "OPEN-V", "alua": False, "tag": "0b",
    "selector": "service-time 0", "queueing": "on", "features": "1 queue_if_no_path",
    "hwhandler": "0", "failback": "manual", "dev_loss": 120, "fast_fail": "5",
    "targets": {5: 0x50060E8007271230, 6: 0x50060E8007271240},
    "owner": lambda lun, h: True,
}


def single(root):
    cards = [("0000:41:00", "0000:40:01.0", 1, "4 Gbit", "2 Gbit, 4 Gbit, 8 Gbit", [5, 6])]
    guests = [(7, "xvda", "/dev/mapper/mpatha", "db1", "0-15"),
              (8, "xvdb", "dm-1", "db2", "8-15"),
              (12, "xvdb", "/dev/dm-2", "mail", "0-15")]
    bb = dict(DEFAULT_BB, max_ring_page_order=4, feature_persistent="N", log_stats=1)
    san_host(root, cards, 3, [5, 6], HITACHI, guests=guests, bb=bb, policy="""# io.conf of the single-HBA fixture host
storage_target_mbytes = 1000
storage_paths = 2
""")


def empty(root):
    cpus(root, ["0-3"])
    thread(root, 1, "systemd", "0-3", 0)
    thread(root, 2, "kthreadd", "0-3", 1)
    write(root, "etc/xcd/io.conf", "storage_target_mbytes = 400\n")


def big(root, luns=64):
    """64 LUNs x 8 paths: 4 dual-port 8 Gbit HBAs, each port to its own array port."""
    cards = []
    for c in range(4):
        cards.append(("0000:%02x:00" % (0x05 + 0x20 * c), "0000:%02x:01.0" % (0x20 * c), c // 2,
                      "8 Gbit", "4 Gbit, 8 Gbit, 16 Gbit", [2 * c + 1, 2 * c + 2]))
    array = dict(NETAPP)
    array["targets"] = {h: 0x2014008000000000 + h for h in range(1, 9)}
    array["owner"] = lambda lun, h: (h % 2 == 1) == (lun % 2 == 0)
    guests = [(i + 1, "xvda", "/dev/mapper/mpath%s" % (chr(ord("a") + i) if i < 26 else "a%d" % i),
               "g%d" % (i + 1), "0-31") for i in range(luns)]
    san_host(root, cards, luns, list(range(1, 9)), array, guests=guests, rings=4,
             node_cpus=("0-15", "16-31"), bb=DEFAULT_BB, policy=DUAL_POLICY.replace(
                 "3600a0b800012340a0001", "3600a0b800012340a0001"))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--big":
        root = sys.argv[2]
        if os.path.exists(root):
            shutil.rmtree(root)
        big(root)
        return
    if len(sys.argv) != 1:
        sys.exit(__doc__)
    out = os.path.join(HERE, "fixtures")
    if os.path.exists(out):
        shutil.rmtree(out)
    dual(os.path.join(out, "dual-hba"))
    dual(os.path.join(out, "paths-down"), down=1)
    empty(os.path.join(out, "empty"))
    single(os.path.join(out, "single-hba"))


if __name__ == "__main__":
    main()
