/* io-plan-live: a live host of many interfaces for bench/io-plan --live,
 * made over rtnetlink with libnl (see io-plan-live.h). */
#include "io-plan-live.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <netlink/route/link/bonding.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SETTLE_S 3

/* Writes "VALUE" into each /proc/sys file of FILES (this network
 * namespace's), saying which could not be written. */
static void sysctl_set(const char *const *files, size_t n, const char *value)
{
	for (size_t i = 0; i < n; i++) {
		int fd = open(files[i], O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, value, strlen(value)) != (ssize_t)strlen(value))
			fprintf(stderr, "io-plan: %s: %s\n", files[i], strerror(errno));
		if (fd >= 0)
			close(fd);
	}
}

/* New interfaces start IPv6's work: duplicate address detection, router
 * solicitations, MLD reports flooded through the bridges (work items, some
 * taking the RTNL lock, for each of thousands of interfaces for seconds,
 * which both readers would wait for, spinning: CPU time a settled host
 * does not spend). The host's side keeps IPv6 (link-local addresses and
 * routes, as a host's vifs have) without DAD and solicitations; the peers'
 * side has none. */
static void quiet_ipv6(bool off)
{
	static const char *const quiet[] = {
		"/proc/sys/net/ipv6/conf/default/accept_dad",
		"/proc/sys/net/ipv6/conf/default/router_solicitations",
		"/proc/sys/net/ipv6/conf/default/dad_transmits",
	};
	static const char *const none[] = {
		"/proc/sys/net/ipv6/conf/default/disable_ipv6",
		"/proc/sys/net/ipv6/conf/all/disable_ipv6",
	};
	if (off)
		sysctl_set(none, sizeof(none) / sizeof(none[0]), "1\n");
	else
		sysctl_set(quiet, sizeof(quiet) / sizeof(quiet[0]), "0\n");
}

/* A namespace of its own for the network, and for mounts, with /sys as the
 * new network namespace's; PEERS: the namespace left behind, for peers. */
static int enter_namespaces(int *peers, char *err, size_t errlen)
{
	if (unshare(CLONE_NEWNET | CLONE_NEWNS)) {
		snprintf(err, errlen, "unshare: %s (needs root)", strerror(errno));
		return -1;
	}
	quiet_ipv6(true);
	*peers = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*peers < 0 || unshare(CLONE_NEWNET)) {
		snprintf(err, errlen, "a second network namespace: %s", strerror(errno));
		return -1;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("sysfs", "/sys", "sysfs", 0, NULL)) {
		snprintf(err, errlen, "mount sysfs on /sys: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int ifindex(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *l;
	if (rtnl_link_get_kernel(sk, 0, name, &l) < 0)
		return 0;
	int i = rtnl_link_get_ifindex(l);
	rtnl_link_put(l);
	return i;
}

/* NAME as a veth whose peer goes to the namespace PEERS, in MASTER (an
 * index; 0 none), up when UP. */
static int add_veth(struct nl_sock *sk, const char *name, int peers, int master, bool up)
{
	struct rtnl_link *l = rtnl_link_veth_alloc();
	if (!l)
		return -NLE_NOMEM;
	struct rtnl_link *p = rtnl_link_veth_get_peer(l);
	char pname[IFNAMSIZ];
	snprintf(pname, sizeof(pname), "p%s", name);
	rtnl_link_set_name(l, name);
	rtnl_link_set_name(p, pname);
	rtnl_link_set_ns_fd(p, peers); /* up later: libnl 3.7 fails a peer with flags */
	if (up)
		rtnl_link_set_flags(l, IFF_UP);
	if (master)
		rtnl_link_set_master(l, master);
	int rc = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(p);
	rtnl_link_veth_release(l);
	return rc;
}

/* NAME up (MASTER 0), or into MASTER (an index). */
static int change(struct nl_sock *sk, const char *name, int master)
{
	struct rtnl_link *l, *ch = rtnl_link_alloc();
	if (!ch || rtnl_link_get_kernel(sk, 0, name, &l) < 0) {
		if (ch)
			rtnl_link_put(ch);
		return -NLE_OBJ_NOTFOUND;
	}
	if (master)
		rtnl_link_set_master(ch, master);
	else
		rtnl_link_set_flags(ch, IFF_UP);
	int rc = rtnl_link_change(sk, l, ch, 0);
	rtnl_link_put(ch);
	rtnl_link_put(l);
	return rc;
}

/* Bridge K with its pair of NICs, in bond K where BONDS; its index, or 0
 * with ERR. */
static int make_uplink(struct nl_sock *sk, unsigned k, int peers, bool *bonds, FILE *pol,
		       char *err, size_t errlen)
{
	char br[IFNAMSIZ], bond[IFNAMSIZ], a[IFNAMSIZ], c[IFNAMSIZ];
	snprintf(br, sizeof(br), "xenbr%u", k);
	snprintf(bond, sizeof(bond), "bond%u", k);
	snprintf(a, sizeof(a), "eth%u", 2 * k);
	snprintf(c, sizeof(c), "eth%u", 2 * k + 1);
	const char *what = br;
	int rc = rtnl_link_bridge_add(sk, br), bri = 0, up = 0;
	if (rc >= 0 && (bri = ifindex(sk, br)) > 0)
		rc = change(sk, br, 0);
	if (rc >= 0 && *bonds && rtnl_link_bond_add(sk, bond, NULL) < 0)
		*bonds = false; /* no bonding driver: the pair goes into the bridge */
	if (rc >= 0) {
		what = *bonds ? bond : br;
		up = *bonds ? ifindex(sk, bond) : bri;
		if (*bonds)
			rc = change(sk, bond, bri);
	}
	/* a bond takes its members down and brings them up itself */
	if (rc >= 0 && (what = a, rc = add_veth(sk, a, peers, up, !*bonds)) >= 0 &&
	    (what = c, rc = add_veth(sk, c, peers, up, !*bonds)) >= 0 && *bonds)
		rc = change(sk, (what = bond), 0);
	if (rc < 0 || !bri || !up) {
		snprintf(err, errlen, "%s: %s", what, rc < 0 ? nl_geterror(rc) : "not made");
		return 0;
	}
	if (*bonds)
		fprintf(pol, "%s\"name=%s,nics=%s+%s,lacp=yes,bridge=%s,miimon=100\"",
			k ? ",\n  " : "bond = [ ", bond, a, c, br);
	return bri;
}

/* The management address 192.0.2.2/24 on BRIDGE (an index) and the
 * default route through it, as a host has one (without, the reader looks
 * for a default route in /proc/net/ipv6_route: 20 ms for the 6000 routes of
 * 2000 interfaces with IPv6 link-local addresses). */
static int default_route(struct nl_sock *sk, int bridge, char *err, size_t errlen)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *local = NULL, *gw = NULL, *dst = NULL;
	int rc = -NLE_NOMEM;
	const char *what = "192.0.2.2/24";
	if (a && r && nh && nl_addr_parse("192.0.2.2/24", AF_INET, &local) == 0 &&
	    nl_addr_parse("192.0.2.1", AF_INET, &gw) == 0 &&
	    nl_addr_parse("default", AF_INET, &dst) == 0) {
		rtnl_addr_set_ifindex(a, bridge);
		rtnl_addr_set_local(a, local);
		if ((rc = rtnl_addr_add(sk, a, 0)) == 0) {
			what = "default via 192.0.2.1";
			rtnl_route_nh_set_gateway(nh, gw);
			rtnl_route_nh_set_ifindex(nh, bridge);
			rtnl_route_add_nexthop(r, nh);
			nh = NULL; /* the route's now */
			rtnl_route_set_dst(r, dst);
			rtnl_route_set_family(r, AF_INET);
			rtnl_route_set_table(r, RT_TABLE_MAIN);
			rc = rtnl_route_add(sk, r, NLM_F_CREATE);
		}
	}
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", what, nl_geterror(rc));
	if (nh)
		rtnl_route_nh_free(nh);
	if (r)
		rtnl_route_put(r);
	if (a)
		rtnl_addr_put(a);
	nl_addr_put(local);
	nl_addr_put(gw);
	nl_addr_put(dst);
	return rc < 0 ? -1 : 0;
}

/* Every peer in PEERS up (peth0..., pvif1.0...), so that the host's side
 * has a carrier. */
static int peers_up(int peers, unsigned nics, unsigned vifs, char *err, size_t errlen)
{
	int own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), rc = -1;
	struct nl_sock *sk = NULL;
	if (own < 0 || setns(peers, CLONE_NEWNET)) {
		snprintf(err, errlen, "into the peers' namespace: %s", strerror(errno));
		goto out;
	}
	sk = nl_socket_alloc();
	rc = sk ? nl_connect(sk, NETLINK_ROUTE) : -NLE_NOMEM;
	for (unsigned i = 0; rc >= 0 && i < nics + vifs; i++) {
		char name[IFNAMSIZ];
		if (i < nics)
			snprintf(name, sizeof(name), "peth%u", i);
		else
			snprintf(name, sizeof(name), "pvif%u.0", i - nics + 1);
		if ((rc = change(sk, name, 0)) < 0)
			snprintf(err, errlen, "%s up: %s", name, nl_geterror(rc));
	}
	if (setns(own, CLONE_NEWNET) && rc >= 0) {
		snprintf(err, errlen, "back from the peers' namespace: %s", strerror(errno));
		rc = -1;
	}
out:
	if (sk)
		nl_socket_free(sk);
	if (own >= 0)
		close(own);
	return rc < 0 ? -1 : 0;
}

#define TASK_STACK (16 << 10)

/* A task standing for one of netback's threads: named, then asleep until
 * the bench ends (PR_SET_PDEATHSIG). It shares the bench's memory: only
 * system calls here, no C library state. */
static int task_main(void *name)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, name);
	for (;;)
		syscall(SYS_pause);
	return 0;
}

/* The tasks, made by this process (their parent), sharing its memory. */
static int tasks_clone(unsigned vifs, unsigned queues, char *err, size_t errlen)
{
	size_t n = (size_t)vifs * queues * 2;
	/* names and stacks live until the bench ends, as the tasks do */
	char (*names)[32] = calloc(n ? n : 1, sizeof(*names));
	char *stacks = n ? mmap(NULL, n * TASK_STACK, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
			 : NULL;
	if (!names || (n && stacks == MAP_FAILED)) {
		snprintf(err, errlen, "tasks: out of memory");
		free(names);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned v = (unsigned)(i / (queues * 2)) + 1, q = (unsigned)(i / 2 % queues);
		snprintf(names[i], sizeof(names[i]), "vif%u.0-q%u-%s", v, q,
			 i % 2 ? "dealloc" : "guest-rx");
		if (clone(task_main, stacks + (i + 1) * TASK_STACK,
			  CLONE_VM | CLONE_FS | CLONE_FILES, names[i]) < 0) {
			snprintf(err, errlen, "task %zu of %zu: %s", i + 1, n, strerror(errno));
			return -1;
		}
	}
	return 0;
}

int live_tasks_make(unsigned vifs, unsigned queues, char *err, size_t errlen)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t k = fork(); /* the tasks' parent: pid 2 in live_pidns_enter's namespace */
	if (k == 0) {
		close(p[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_NAME, "kthreadd");
		char msg[256] = "";
		tasks_clone(vifs, queues, msg, sizeof(msg));
		if (write(p[1], msg, strlen(msg) + 1) < 0)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	ssize_t got = k < 0 ? -1 : read(p[0], err, errlen - 1);
	close(p[0]);
	if (got <= 0 || err[0]) {
		if (got <= 0)
			snprintf(err, errlen, "the tasks' parent: %s", k < 0 ? strerror(errno) : "died");
		else
			err[got] = '\0';
		return -1;
	}
	printf("live host: %u tasks named as netback's threads of %u queues each, children of "
	       "pid %d%s\n",
	       vifs * queues * 2, queues, (int)k,
	       k == 2 ? " (kthreadd's pid: kernel threads to the readers)" : "");
	return 0;
}

int live_pidns_enter(char *err, size_t errlen)
{
	if (unshare(CLONE_NEWPID)) {
		snprintf(err, errlen, "unshare(CLONE_NEWPID): %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t init = fork();
	if (init < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (init > 0) { /* this process: waits for the bench, its child */
		int st;
		while (waitpid(init, &st, 0) < 0)
			if (errno != EINTR)
				_exit(1);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
	}
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)) {
		snprintf(err, errlen, "mount proc on /proc: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int live_host_make(unsigned nics, unsigned vifs, const char *policy, char *err, size_t errlen)
{
	int peers = -1, rc = -1;
	struct nl_sock *sk = NULL;
	FILE *pol = fopen(policy, "w");
	if (!pol) {
		snprintf(err, errlen, "%s: %s", policy, strerror(errno));
		return -1;
	}
	if (enter_namespaces(&peers, err, errlen))
		goto out;
	quiet_ipv6(false);
	sk = nl_socket_alloc();
	if (!sk || nl_connect(sk, NETLINK_ROUTE) < 0 || change(sk, "lo", 0) < 0) {
		snprintf(err, errlen, "netlink: cannot connect, or lo does not go up");
		goto out;
	}
	unsigned nb = nics / 2;
	int *bridges = calloc(nb ? nb : 1, sizeof(*bridges));
	bool bonds = true;
	for (unsigned k = 0; bridges && k < nb; k++)
		if ((bridges[k] = make_uplink(sk, k, peers, &bonds, pol, err, errlen)) <= 0)
			goto out_free;
	if (bonds && nb)
		fputs(" ]\n", pol);
	fputs("net_guest_mbit = 200\n", pol);
	for (unsigned v = 0; bridges && v < vifs; v++) {
		char name[IFNAMSIZ];
		snprintf(name, sizeof(name), "vif%u.0", v + 1);
		if ((rc = add_veth(sk, name, peers, bridges[v % nb], true)) < 0) {
			snprintf(err, errlen, "%s: %s", name, nl_geterror(rc));
			rc = -1;
			goto out_free;
		}
	}
	rc = bridges ? peers_up(peers, nb * 2, vifs, err, errlen) : -1;
	if (rc == 0)
		rc = default_route(sk, bridges[0], err, errlen);
	if (rc == 0)
		sleep(SETTLE_S); /* MLD's first reports, the carriers (linkwatch) */
	if (!bridges)
		snprintf(err, errlen, "out of memory");
	printf("live host: %u NICs (veths) in %u %s, %u vifs (veths), peers in another "
	       "namespace\n",
	       nics, nb, bonds ? "bonds under as many bridges" : "bridges (no bonding driver)",
	       vifs);
out_free:
	free(bridges);
out:
	if (sk)
		nl_socket_free(sk);
	/* PEERS stays open: the peers' namespace lives while it is, and its
	 * end would take every veth with it. */
	if (rc && peers >= 0)
		close(peers);
	if (fclose(pol) && rc == 0) {
		snprintf(err, errlen, "%s: %s", policy, strerror(errno));
		rc = -1;
	}
	return rc;
}
