/*
 * fuzz-nettune: libFuzzer target of netback-tune's parsers of outside input.
 * The whole input goes to each of them: the /proc/net/bonding parser, the
 * /proc/interrupts parser, /proc/net/route's and ipv6_route's, /proc/PID/status's
 * (nt_status_parse, and its PPid: as lib/procstat.h reads it), a
 * /proc/PID/stat's parent and fields (procstat.h, from the last ')'), a
 * children list (/proc/2/task/2/children: kthreadd's, the kernel threads),
 * rtnetlink's link messages (the input as a datagram of
 * them, each into a table of interfaces, linkwatch.h, and its address and
 * operstate as the live host reader puts them, linkdump.h), the CPU-list parser
 * (as a string) and io.conf's
 * net keys (lib/cfgfile.h, then nt_policy_from_cfg) against a small host
 * built here (eth0, eth1, eno1, bond0, xenbr0, vif1.0); a policy that
 * parses is planned and verified on that host, and everything is printed as
 * text and JSON and freed: leaks are findings too.
 */
#include "../../lib/tuneplan.h"
#include "../../lib/errmsg.h"
#include "../../netback-tune/bonding.h"
#include "../../lib/cpuset.h"
#include "../../lib/procstat.h"
#include "../../netback-tune/interrupts.h"
#include "../../netback-tune/linkdump.h"
#include "../../netback-tune/linkwatch.h"
#include "../../netback-tune/nethost.h"
#include "../../netback-tune/plan.h"
#include "../../netback-tune/policy.h"
#include "../../netback-tune/route.h"
#include "../../netback-tune/show.h"
#include "../../netback-tune/verify.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void host_init(struct nt_host *h, struct nt_nic nics[6], struct nt_queue *q)
{
	static const char *const names[6] = { "bond0", "eno1", "eth0", "eth1", "vif1.0", "xenbr0" };
	static const enum nt_nic_kind kinds[6] = { NT_NIC_BOND, NT_NIC_PHYS, NT_NIC_PHYS,
						   NT_NIC_PHYS, NT_NIC_VIF, NT_NIC_BRIDGE };
	memset(h, 0, sizeof(*h));
	memset(nics, 0, 6 * sizeof(*nics));
	for (int i = 0; i < 6; i++) {
		strcpy(nics[i].name, names[i]);
		nics[i].kind = kinds[i];
		nics[i].speed_mbit = kinds[i] == NT_NIC_PHYS ? 1000 : -1;
		nics[i].carrier = 1;
		nics[i].mtu = 1500;
		nics[i].numa_node = kinds[i] == NT_NIC_PHYS ? 0 : -1;
		nics[i].domid = nics[i].devid = -1;
		strcpy(nics[i].operstate, "up");
	}
	strcpy(nics[2].master, "xenbr0");
	strcpy(nics[4].master, "xenbr0");
	nics[4].domid = 1;
	nics[4].devid = 0;
	nics[4].n_rx = nics[4].n_tx = nics[4].n_queues = 1;
	memset(q, 0, sizeof(*q));
	q->rx_pid = 100;
	q->dealloc_pid = 101;
	q->tx_irq = q->rx_irq = -1;
	cpuset_add(&q->rx_cpus, 0);
	cpuset_add(&q->rx_cpus, 1);
	cpuset_add(&q->dealloc_cpus, 0);
	nics[4].queues = q;
	h->nics = nics;
	h->n_nics = 6;
	cpuset_add(&h->online, 0);
	cpuset_add(&h->online, 1);
	h->netback_loaded = true;
	h->nb_present[NT_NB_MAX_QUEUES] = true;
	strcpy(h->nb_value[NT_NB_MAX_QUEUES], "4");
}

static void policy(const char *text, size_t size)
{
	struct nt_host h;
	struct nt_nic nics[6];
	struct nt_queue q;
	host_init(&h, nics, &q);
	char err[XCD_ERR_MAX];
	struct nt_policy p;
	for (int with_host = 0; with_host < 2; with_host++) {
		if (nt_policy_parse("fuzz.conf", text, size, with_host ? &h : NULL, &p, err,
				    sizeof(err)))
			continue;
		struct tune_plan plan;
		tune_plan_init(&plan);
		if (nt_plan(&h, &p, &plan) == 0) {
			char *t = NULL;
			if (tune_plan_text(&plan, &t) == 0)
				free(t);
			struct nt_verify v;
			if (nt_verify(&h, &p, &plan, &v) == 0) {
				if (nt_verify_text(&v, &t) == 0)
					free(t);
				yajl_gen g = yajl_gen_alloc(NULL);
				nt_verify_json(g, &v);
				tune_plan_gen_json(g, &plan);
				yajl_gen_free(g);
				nt_verify_free(&v);
			}
		}
		tune_plan_free(&plan);
	}
}

/* The input as a datagram of rtnetlink messages, into a table. */
static void links(const uint8_t *data, size_t size)
{
	void *buf = malloc(size ? size : 1); /* aligned, as a socket's buffer is */
	if (!buf)
		return;
	memcpy(buf, data, size);
	struct nt_linktab t = { 0 };
	size_t off = 0;
	for (const struct nlmsghdr *h; (h = nt_nlmsg_next(buf, size, &off));) {
		struct nt_linkmsg m;
		bool changed;
		if (nt_linkmsg_parse(h, h->nlmsg_len, &m) != 1)
			continue;
		/* What is kept is an interface's: an index, a name. */
		if (m.ifindex <= 0 || !m.name[0] || strnlen(m.name, sizeof(m.name)) == sizeof(m.name) ||
		    strnlen(m.kind, sizeof(m.kind)) == sizeof(m.kind) ||
		    strnlen(m.alias, sizeof(m.alias)) == sizeof(m.alias) ||
		    strnlen(m.parent, sizeof(m.parent)) == sizeof(m.parent))
			abort();
		/* What the live host reader takes: bounded, and put as sysfs
		 * puts it (an address that does not fit is none). */
		char addr[18];
		nt_link_address(&m, addr, sizeof(addr));
		if (m.addr_len > sizeof(m.addr) || m.mtu < -1 || m.mtu > 0xffffffffL ||
		    m.operstate < -1 || m.operstate > 255 || m.carrier < -1 || m.carrier > 1 ||
		    strlen(addr) != (m.addr_len && m.addr_len <= 6 ? m.addr_len * 3 - 1 : 0) ||
		    !*nt_operstate_name(m.operstate))
			abort();
		nt_linktab_update(&t, &m, &changed);
	}
	for (size_t i = 1; i < t.n; i++)
		if (t.l[i - 1].ifindex >= t.l[i].ifindex)
			abort();
	nt_linktab_free(&t);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	char err[XCD_ERR_MAX];
	struct nt_bond_info b;
	if (nt_bonding_parse(text, size, &b, err, sizeof(err)) == 0)
		nt_bond_info_free(&b);
	struct nt_interrupts ir;
	if (nt_interrupts_parse(text, size, &ir, err, sizeof(err)) == 0)
		nt_interrupts_free(&ir);
	char dev[NT_IFNAMSIZ];
	/* The default route's interface: a name, never a path. */
	if ((nt_route4_default(text, size, dev, err, sizeof(err)) == 0 && strchr(dev, '/')) ||
	    (nt_route6_default(text, size, dev, err, sizeof(err)) == 0 && strchr(dev, '/')))
		abort();
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	/* A thread's name: NUL-terminated, within its buffer, no newline. */
	char comm[64], *st = strdup(s);
	int cpus_rc;
	struct cpuset c;
	if (st && nt_status_parse(st, comm, sizeof(comm), &c, &cpus_rc) == 0 &&
	    (strnlen(comm, sizeof(comm)) == sizeof(comm) || strchr(comm, '\n')))
		abort();
	free(st);
	/* A parent: a pid, read where it is (the last ')' for a stat). */
	int ppid = -1;
	if (proc_status_ppid(s, &ppid) == 0 && ppid < 0)
		abort();
	ppid = -1;
	if (proc_stat_ppid(s, &ppid) == 0 && (ppid < 0 || !strrchr(s, ')')))
		abort();
	int *kids;
	size_t nk;
	if (proc_children_parse((const char *)data, size, &kids, &nk) == 0) {
		/* sorted pids, each one found */
		for (size_t i = 0; i < nk; i++)
			if (kids[i] < 1 || (i && kids[i] < kids[i - 1]) || !proc_pids_have(kids, nk, kids[i]))
				abort();
		free(kids);
	}
	/* /proc/loadavg's last pid: a pid, the text's last field */
	int last = -1;
	if (proc_loadavg_last_pid(s, &last) == 0 && (last < 0 || !strchr(s, '/')))
		abort();
	unsigned long long field;
	if (proc_stat_field(s, 39, CPUSET_MAX - 1, &field) == 0 && field >= CPUSET_MAX)
		abort();
	if (cpuset_parse(s, &c) == 0) {
		char buf[8192];
		cpuset_format(&c, buf, sizeof(buf));
		struct cpuset d;
		/* What the formatter writes, the parser reads back the same. */
		if (cpuset_parse(buf, &d) || !cpuset_equal(&c, &d))
			abort();
	}
	free(s);
	policy(text, size);
	links(data, size);
	return 0;
}
