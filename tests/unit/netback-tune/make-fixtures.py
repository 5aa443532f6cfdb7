#!/usr/bin/env python3
"""make-fixtures: writes the sysroot trees netback-tune's tests read: the
parts of /sys and /proc that netback-tune/ reads, as plain files and relative
symlinks (git keeps both; empty directories get a file, as sysfs has).

    make-fixtures.py                 # rewrites fixtures/ next to this script
    make-fixtures.py --big DIR [--nics 48 --vifs 2000 --queues 2]   # bench/io-plan

Hosts (fixtures/HOST/, each with its policy in fixtures/HOST.conf):
  two-gbe-24      2x1 GbE (eth0 in xenbr0, eth1 idle), eno1 for management,
                  24 guests with 2 queues each, well placed but for vif7.0's
                  4 queues all on CPU 0; dom0 4 CPUs, one node; max_queues 4.
  four-tengbe-80  4x10 GbE in two bonds: bond0 (eth0+eth1, node 0) in
                  active-backup, miimon 0, layer2, under xenbr0; bond1
                  (eth2+eth3, node 1) 802.3ad layer3+4 under xenbr1 with eth3
                  down; 80 guests (40 per bridge), 2 queues each, placed on
                  their bridge's node but for vif5.0 (on CPU 9); dom0 16
                  CPUs on 2 nodes; max_queues 16.
  idle            bond0 (eth0+eth1, 802.3ad, layer3+4, miimon 100, MTU 1500)
                  under xenbr0, two guests with one queue each on CPUs 0 and 1
                  (one shared event channel: IRQ named vif2.0-q0); dom0 2
                  CPUs; max_queues 2: nothing to do.
"""
import argparse
import os
import shutil

NB_DEFAULTS = {"separate_tx_rx_irq": "Y", "rx_drain_timeout_msecs": "10000",
               "rx_stall_timeout_msecs": "60000", "fatal_skb_slots": "20",
               "hash_cache_size": "64"}
MODE_TEXT = {"active-backup": "fault-tolerance (active-backup)",
             "802.3ad": "IEEE 802.3ad Dynamic link aggregation"}
MODE_NUM = {"active-backup": 1, "802.3ad": 4}
HASH_NUM = {"layer2": 0, "layer3+4": 1}
PARTNER = "00:1b:21:aa:bb:cc"


def cpulist(cpus):
    cpus = sorted(set(cpus))
    out, i = [], 0
    while i < len(cpus):
        j = i
        while j + 1 < len(cpus) and cpus[j + 1] == cpus[j] + 1:
            j += 1
        out.append(str(cpus[i]) if i == j else "%d-%d" % (cpus[i], cpus[j]))
        i = j + 1
    return ",".join(out)


class Host:
    def __init__(self, root, ncpus, nodes):
        self.root = root
        self.ncpus = ncpus
        self.nodes = nodes  # list of CPU lists
        self.pid = 1000
        self.irq = 40
        self.irqs = []      # (irq, name, cpus)
        self.nics = {}
        self.bonds = []
        self.kthreads = []  # kthreadd's children, in the order made

    def w(self, path, text):
        p = os.path.join(self.root, path)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)

    def link(self, path, target):
        p = os.path.join(self.root, path)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        os.symlink(target, p)

    def nic(self, name, speed=None, up=True, mtu=1500, numa=None, master=None, mac=None):
        d = "sys/class/net/%s/" % name
        self.w(d + "operstate", "up\n" if up else "down\n")
        self.w(d + "carrier", "1\n" if up else "0\n")
        self.w(d + "mtu", "%d\n" % mtu)
        n = len(self.nics)
        self.w(d + "address", (mac or "52:54:00:00:%02x:%02x" % (n // 256, n % 256)) + "\n")
        if speed is not None:
            self.w(d + "speed", "%d\n" % (speed if up else -1))
        if master:
            self.link(d + "master", "../" + master)
        self.nics[name] = d
        return d

    def phys(self, name, speed, numa, queues=4, **kw):
        d = self.nic(name, speed=speed, **kw)
        self.w(d + "device/numa_node", "%d\n" % numa)
        for q in range(queues):
            self.w(d + "queues/rx-%d/rps_cpus" % q, "0\n")
            self.w(d + "queues/tx-%d/xps_cpus" % q, "0\n")
            self.add_irq("%s-TxRx-%d" % (name, q), [q % self.ncpus])

    def bridge(self, name, **kw):
        d = self.nic(name, **kw)
        self.w(d + "bridge/stp_state", "0\n")

    def bond(self, name, mode, hash_policy, miimon, members, master=None, mtu=1500,
             lacp_partner=True, **kw):
        """members: [(nic, speed, up, failures)]"""
        d = self.nic(name, speed=sum(m[1] for m in members if m[2]), master=master, mtu=mtu, **kw)
        # the bonding driver's file among the interfaces, not one itself
        self.bonds.append(name)
        self.w("sys/class/net/bonding_masters", " ".join(self.bonds) + "\n")
        self.w(d + "bonding/mode", "%s %d\n" % (mode, MODE_NUM[mode]))
        self.w(d + "bonding/miimon", "%d\n" % miimon)
        self.w(d + "bonding/slaves", " ".join(m[0] for m in members) + "\n")
        r = ["Ethernet Channel Bonding Driver: v6.1.0-18-amd64", "",
             "Bonding Mode: " + MODE_TEXT[mode]]
        if mode == "802.3ad":
            r.append("Transmit Hash Policy: %s (%d)" % (hash_policy, HASH_NUM[hash_policy]))
        else:
            r += ["Primary Slave: None", "Currently Active Slave: " + members[0][0]]
        r += ["MII Status: up", "MII Polling Interval (ms): %d" % miimon, "Up Delay (ms): 0",
              "Down Delay (ms): 0", "Peer Notification Delay (ms): 0", ""]
        if mode == "802.3ad":
            r += ["802.3ad info", "LACP active: on", "LACP rate: slow", "Min links: 0",
                  "Aggregator selection policy (ad_select): stable",
                  "System priority: 65535", "System MAC address: 52:54:00:00:00:01",
                  "Active Aggregator Info:", "\tAggregator ID: 1",
                  "\tNumber of ports: %d" % sum(1 for m in members if m[2]),
                  "\tActor Key: 15", "\tPartner Key: 1",
                  "\tPartner Mac Address: " + (PARTNER if lacp_partner else "00:00:00:00:00:00"), ""]
        for i, (m, speed, up, fails) in enumerate(members):
            r += ["Slave Interface: " + m, "MII Status: " + ("up" if up else "down"),
                  "Speed: %s" % ("%d Mbps" % speed if up else "Unknown"),
                  "Duplex: " + ("full" if up else "unknown"),
                  "Link Failure Count: %d" % fails,
                  "Permanent HW addr: 52:54:00:00:01:%02x" % i, "Slave queue ID: 0"]
            if mode == "802.3ad":
                r += ["Aggregator ID: 1", "Actor Churn State: none", "Partner Churn State: none",
                      "Actor Churned Count: 0", "Partner Churned Count: 0",
                      "details actor lacp pdu:", "    system priority: 65535",
                      "    system mac address: 52:54:00:00:00:01", "    port key: 15",
                      "    port priority: 255", "    port number: %d" % (i + 1),
                      "    port state: 61", "details partner lacp pdu:",
                      "    system priority: 32768",
                      "    system mac address: " + (PARTNER if lacp_partner else "00:00:00:00:00:00"),
                      "    oper key: 1", "    port priority: 32768",
                      "    port number: %d" % (i + 1), "    port state: 63"]
            r.append("")
        self.w("proc/net/bonding/" + name, "\n".join(r))

    def add_irq(self, name, cpus):
        self.irqs.append((self.irq, name, cpus))
        self.irq += 1

    def thread(self, name, cpus, ppid=2):
        """ppid: the parent's pid; 2 (kthreadd) for a kernel thread, as
        netback's are: the readers take no other as netback's."""
        self.pid += 1
        if ppid == 2:
            self.kthreads.append(self.pid)
        comm = name[:15]  # TASK_COMM_LEN
        self.w("proc/%d/comm" % self.pid, comm + "\n")
        self.w("proc/%d/status" % self.pid,
               "Name:\t%s\nUmask:\t0000\nState:\tS (sleeping)\nTgid:\t%d\nPid:\t%d\nPPid:\t%d\n"
               "Cpus_allowed:\t%x\nCpus_allowed_list:\t%s\n"
               % (comm, self.pid, self.pid, ppid, sum(1 << c for c in cpus), cpulist(cpus)))

    def vif(self, domid, devid, bridge, placement, shared_irq=False):
        """placement: per queue, the CPUs of its threads and IRQs."""
        name = "vif%d.%d" % (domid, devid)
        d = self.nic(name, mtu=1500, master=bridge, mac="fe:ff:ff:ff:ff:ff")
        self.link(d + "device", "../../../devices/xen-backend/vif-%d-%d" % (domid, devid))
        for q, cpus in enumerate(placement):
            self.w(d + "queues/rx-%d/rps_cpus" % q, "0\n")
            self.w(d + "queues/tx-%d/xps_cpus" % q, "0\n")
            qn = "%s-q%d" % (name, q)
            self.thread(qn + "-guest-rx", cpus)
            self.thread(qn + "-dealloc", cpus)
            if shared_irq:
                self.add_irq(qn, cpus)
            else:
                self.add_irq(qn + "-tx", cpus)
                self.add_irq(qn + "-rx", cpus)

    def finish(self, max_queues, loaded=True, kthread_list=False):
        """kthread_list: kthreadd's children list and /proc/loadavg's last pid,
        which a reader keeping kernel threads' names across reads needs."""
        allc = list(range(self.ncpus))
        self.w("sys/devices/system/cpu/online", cpulist(allc) + "\n")
        for i, cpus in enumerate(self.nodes):
            self.w("sys/devices/system/node/node%d/cpulist" % i, cpulist(cpus) + "\n")
        if loaded:
            p = "sys/module/xen_netback/parameters/"
            self.w(p + "max_queues", "%d\n" % max_queues)
            for k, v in NB_DEFAULTS.items():
                self.w(p + k, v + "\n")
        lines = [" " * 11 + "".join("CPU%-8d" % c for c in allc).rstrip()]
        for irq, name, cpus in self.irqs:
            counts = "".join("%11d" % (1000 * (c in cpus)) for c in allc)
            lines.append("%4d:%s  xen-dyn    -edge      %s" % (irq, counts, name))
            self.w("proc/irq/%d/smp_affinity_list" % irq, cpulist(cpus) + "\n")
        lines += ["NMI:" + "%11d" % 0 * self.ncpus + "   Non-maskable interrupts",
                  "LOC:" + "%11d" % 0 * self.ncpus + "   Local timer interrupts",
                  "ERR:          0", "MIS:          0"]
        self.w("proc/interrupts", "\n".join(lines) + "\n")
        self.thread("systemd", allc, ppid=0)   # not netback's: left alone
        self.thread("kthreadd", allc, ppid=0)
        self.nic("lo", mtu=65536, mac="00:00:00:00:00:00")
        if kthread_list:
            self.w("proc/2/task/2/children", "".join("%d " % p for p in self.kthreads))
            self.w("proc/loadavg", "0.00 0.00 0.00 1/%d %d\n" % (self.pid - 1000, self.pid))


def two_gbe_24(root):
    h = Host(root, 4, [[0, 1, 2, 3]])
    h.phys("eno1", 1000, 0, queues=1)
    h.phys("eth0", 1000, 0, master="xenbr0")
    h.phys("eth1", 1000, 0)
    h.bridge("xenbr0")
    for d in range(1, 25):
        if d == 7:
            h.vif(d, 0, "xenbr0", [[0]] * 4)
        else:
            h.vif(d, 0, "xenbr0", [[(2 * d) % 4], [(2 * d + 1) % 4]])
    h.finish(4)
    return ('management_nic = "eno1"\n'
            'bond = [ "name=bond0,nics=eth0+eth1,lacp=yes,bridge=xenbr0,mtu=1500,miimon=100" ]\n'
            'net_guest_mbit = 200\nnet_queues = "auto"\n'
            '# blkback/\'s keys are not netback-tune\'s: left alone\n'
            'storage_target_mbytes = 400\n')


def four_tengbe_80(root):
    n0, n1 = list(range(0, 8)), list(range(8, 16))
    h = Host(root, 16, [n0, n1])
    h.phys("eno1", 1000, 0, queues=1)
    h.phys("eth0", 10000, 0, master="bond0")
    h.phys("eth1", 10000, 0, master="bond0")
    h.phys("eth2", 10000, 1, master="bond1")
    h.phys("eth3", 10000, 1, master="bond1", up=False)
    h.bond("bond0", "active-backup", "layer2", 0,
           [("eth0", 10000, True, 0), ("eth1", 10000, True, 0)], master="xenbr0")
    h.bond("bond1", "802.3ad", "layer3+4", 100,
           [("eth2", 10000, True, 0), ("eth3", 10000, False, 2)], master="xenbr1")
    h.bridge("xenbr0")
    h.bridge("xenbr1")
    for d in range(1, 81):
        if d <= 40:
            node, br = n0, "xenbr0"
        else:
            node, br = n1, "xenbr1"
        k = (2 * d) % 8
        pl = [[node[k]], [node[k + 1]]]
        if d == 5:
            pl = [[9], [node[k + 1]]]
        h.vif(d, 0, br, pl)
    h.finish(16)
    return ('management_nic = "eno1"\n'
            'bond = [ "name=bond0,nics=eth0+eth1,lacp=yes,bridge=xenbr0,miimon=100",\n'
            '         "name=bond1,nics=eth2+eth3,lacp=yes,bridge=xenbr1,miimon=100" ]\n'
            'net_guest_mbit = 300\n')


def idle(root):
    h = Host(root, 2, [[0, 1]])
    h.phys("eth0", 10000, 0, master="bond0")
    h.phys("eth1", 10000, 0, master="bond0")
    h.bond("bond0", "802.3ad", "layer3+4", 100,
           [("eth0", 10000, True, 0), ("eth1", 10000, True, 0)], master="xenbr0")
    h.bridge("xenbr0")
    h.vif(1, 0, "xenbr0", [[0]])
    h.vif(2, 0, "xenbr0", [[1]], shared_irq=True)
    h.finish(2)
    return ('bond = [ "name=bond0,nics=eth0+eth1,lacp=yes,bridge=xenbr0,mtu=1500,miimon=100" ]\n'
            'net_guest_mbit = 1000\nnet_queues = 2\n')


def big(root, nics, vifs, queues):
    """bench/io-plan's host: NICS 10 GbE NICs in bonds of two, each bond under
    a bridge; VIFS vifs spread over the bridges, threads unpinned; dom0 16
    CPUs on 2 nodes. Its policy bonds the pairs with LACP."""
    n0, n1 = list(range(0, 8)), list(range(8, 16))
    h = Host(root, 16, [n0, n1])
    nb = nics // 2
    bonds = []
    for b in range(nb):
        node = b % 2
        a, c = "eth%d" % (2 * b), "eth%d" % (2 * b + 1)
        h.phys(a, 10000, node, queues=2, master="bond%d" % b)
        h.phys(c, 10000, node, queues=2, master="bond%d" % b)
        h.bond("bond%d" % b, "active-backup", "layer2", 100,
               [(a, 10000, True, 0), (c, 10000, True, 0)], master="xenbr%d" % b)
        h.bridge("xenbr%d" % b)
        bonds.append('"name=bond%d,nics=%s+%s,lacp=yes,bridge=xenbr%d,miimon=100"' % (b, a, c, b))
    for v in range(vifs):
        b = v % nb
        h.vif(v + 1, 0, "xenbr%d" % b, [list(range(16))] * queues)
    h.finish(16, kthread_list=True)
    return ("management_nic = \"eth0\"\nbond = [ " + ",\n  ".join(bonds) + " ]\n"
            "net_guest_mbit = 200\n")


def write(root, fn, *args):
    if os.path.exists(root):
        shutil.rmtree(root)
    os.makedirs(root)
    conf = fn(root, *args)
    with open(root.rstrip("/") + ".conf", "w") as f:
        f.write(conf)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--big", metavar="DIR", help="write the bench host into DIR (and DIR.conf)")
    ap.add_argument("--nics", type=int, default=48)
    ap.add_argument("--vifs", type=int, default=2000)
    ap.add_argument("--queues", type=int, default=2)
    a = ap.parse_args()
    if a.big:
        write(a.big, big, a.nics, a.vifs, a.queues)
        return
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
    for name, fn in (("two-gbe-24", two_gbe_24), ("four-tengbe-80", four_tengbe_80),
                     ("idle", idle)):
        write(os.path.join(here, name), fn)


if __name__ == "__main__":
    main()
