/* plan: bonds, netback's queue count, vif queue placement (see plan.h). */
#include "plan.h"
#include "uplink.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ADD(...)                                      \
	do {                                          \
		if (tune_plan_add(out, __VA_ARGS__)) \
			return -ENOMEM;               \
	} while (0)
#define LAST(p) (&(p)->items[(p)->n - 1])

static const char *mode_reason(const struct nt_bond_policy *b)
{
	switch (b->mode) {
	case NT_BOND_8023AD:
		return "the switch speaks LACP (lacp=yes): 802.3ad carries traffic on every link at once and drops a link the switch stops answering for";
	case NT_BOND_BALANCE_ALB:
		return "the switch does not speak LACP; balance-alb spreads traffic over the links without its help";
	case NT_BOND_BALANCE_TLB:
		return "the switch does not speak LACP; balance-tlb spreads outgoing traffic without its help";
	default:
		return "the switch does not speak LACP (lacp=no): active-backup needs no help from it, one link carrying at a time";
	}
}

/* Whether the default route leaves through the bond, its bridge, one of
 * its NICs or the bridge or bond a NIC is in now: changing it could cut the
 * host off. */
static bool bond_carries_default(const struct nt_host *h, const struct nt_bond_policy *b,
				 const char *bridge)
{
	const char *d = h->default_dev;
	if (!*d)
		return false;
	if (!strcmp(d, b->name) || !strcmp(d, bridge))
		return true;
	for (size_t i = 0; i < b->n_nics; i++) {
		const struct nt_nic *n = nt_host_nic(h, b->nics[i]);
		if (!strcmp(d, b->nics[i]) || (n && n->master[0] && !strcmp(d, n->master)))
			return true;
	}
	return false;
}

static int plan_bond(const struct nt_host *h, const struct nt_policy *p,
		     const struct nt_bond_policy *b, struct tune_plan *out)
{
	const struct nt_nic *cur = nt_host_nic(h, b->name);
	const struct nt_bond_info *rep = cur && cur->has_report ? &cur->bond : NULL;
	const char *bridge = nt_bond_bridge(h, b);
	bool risky = b->over_management || bond_carries_default(h, b, bridge);
	char fig[64], from[64], to[64];
	snprintf(fig, sizeof(fig), "%zu NICs", b->n_nics);
	if (!cur) {
		ADD(TUNE_CHANGE, "bond", b->name, "", "bond", fig,
		    "%s does not exist: the policy makes it of %zu NICs", b->name, b->n_nics);
		LAST(out)->risky = risky;
	}
	const char *cur_mode = rep ? nt_bond_mode_name(rep->mode) : "";
	if (strcmp(cur_mode, nt_bond_mode_name(b->mode))) {
		snprintf(from, sizeof(from), "%s/mode", b->name);
		ADD(TUNE_CHANGE, "bond", from, cur_mode, nt_bond_mode_name(b->mode), fig, "%s",
		    mode_reason(b));
		LAST(out)->risky = risky;
	}
	if (b->hash_policy[0] && (!rep || strcmp(rep->hash_policy, b->hash_policy))) {
		snprintf(from, sizeof(from), "%s/xmit_hash_policy", b->name);
		ADD(TUNE_CHANGE, "bond", from, rep ? rep->hash_policy : "", b->hash_policy, fig,
		    "layer3+4 spreads the guests' flows over the %zu links by address and port; layer2 keeps all traffic between two MACs (a guest and its router) on one link",
		    b->n_nics);
		LAST(out)->risky = risky;
	}
	if (!rep || rep->miimon_ms != b->miimon_ms) {
		snprintf(from, sizeof(from), "%s/miimon", b->name);
		snprintf(to, sizeof(to), "%ld", b->miimon_ms);
		char f2[32] = "";
		if (rep && rep->miimon_ms >= 0)
			snprintf(f2, sizeof(f2), "%d", rep->miimon_ms);
		snprintf(fig, sizeof(fig), "%ld ms", b->miimon_ms);
		if (rep && rep->miimon_ms == 0)
			ADD(TUNE_CHANGE, "bond", from, f2, to, fig,
			    "MII monitoring is off (0): a dead link is never noticed and keeps its share of the traffic");
		else
			ADD(TUNE_CHANGE, "bond", from, f2, to, fig,
			    "the policy checks each link every %ld ms", b->miimon_ms);
		LAST(out)->risky = risky;
	}
	/* Members: the policy's NICs in, any other out. */
	for (size_t i = 0; i < b->n_nics; i++) {
		const struct nt_nic *n = nt_host_nic(h, b->nics[i]);
		const char *m = n ? n->master : "";
		if (!strcmp(m, b->name))
			continue;
		snprintf(from, sizeof(from), "%s/master", b->nics[i]);
		snprintf(fig, sizeof(fig), "%zu NICs", b->n_nics);
		if (*m)
			ADD(TUNE_CHANGE, "nic", from, m, b->name, fig,
			    "%s is in %s; the policy puts it in %s", b->nics[i], m, b->name);
		else
			ADD(TUNE_CHANGE, "nic", from, "", b->name, fig,
			    "the policy puts %s in %s", b->nics[i], b->name);
		LAST(out)->risky = risky || !strcmp(b->nics[i], p->management_nic);
	}
	for (size_t i = 0; cur && i < h->n_nics; i++) {
		const struct nt_nic *n = &h->nics[i];
		if (strcmp(n->master, b->name))
			continue;
		bool wanted = false;
		for (size_t k = 0; k < b->n_nics; k++)
			wanted |= !strcmp(b->nics[k], n->name);
		if (wanted)
			continue;
		snprintf(from, sizeof(from), "%s/master", n->name);
		ADD(TUNE_CHANGE, "nic", from, b->name, "", "",
		    "%s is in %s but the policy does not list it", n->name, b->name);
		LAST(out)->risky = risky || !strcmp(n->name, p->management_nic);
	}
	if (*bridge && (!cur || strcmp(cur->master, bridge))) {
		struct nt_uplink u;
		nt_uplink_of(h, bridge, b, &u);
		snprintf(from, sizeof(from), "%s/master", b->name);
		snprintf(fig, sizeof(fig), "%zu vifs", u.n_vifs);
		ADD(TUNE_CHANGE, "bond", from, cur ? cur->master : "", bridge, fig,
		    "the guests' vifs are on %s (%zu vifs of %zu guests): their traffic leaves through it",
		    bridge, u.n_vifs, u.n_guests);
		LAST(out)->risky = risky;
	}
	if (b->mtu && (!cur || cur->mtu != b->mtu)) {
		snprintf(from, sizeof(from), "%s/mtu", b->name);
		snprintf(to, sizeof(to), "%ld", b->mtu);
		char f2[32] = "";
		if (cur && cur->mtu > 0)
			snprintf(f2, sizeof(f2), "%ld", cur->mtu);
		snprintf(fig, sizeof(fig), "%ld bytes", b->mtu);
		ADD(TUNE_CHANGE, "bond", from, f2, to, fig, "the policy's MTU is %ld", b->mtu);
		LAST(out)->risky = risky;
	}
	return 0;
}

/* Warnings about a bond: members the policy lists (B) or it has now. */
static int warn_bond(const struct nt_host *h, const char *name, const struct nt_bond_policy *b,
		     struct tune_plan *out)
{
	const struct nt_nic *cur = nt_host_nic(h, name);
	const struct nt_bond_info *rep = cur && cur->has_report ? &cur->bond : NULL;
	const char *names[NT_BOND_MAX_SLAVES];
	size_t n = 0;
	if (b)
		for (size_t i = 0; i < b->n_nics; i++)
			names[n++] = b->nics[i];
	else if (rep)
		for (size_t i = 0; i < rep->n_slaves; i++)
			names[n++] = rep->slaves[i].name;
	char fig[64];
	if (n == 1) {
		ADD(TUNE_WARNING, "bond", name, "", "", "1 member",
		    "%s has 1 member: no redundancy, the loss of its cable or switch port cuts its guests off",
		    name);
	}
	size_t up = 0;
	for (size_t i = 0; i < n; i++) {
		const struct nt_nic *nic = nt_host_nic(h, names[i]);
		bool u = nic && nt_nic_up(nic);
		for (size_t k = 0; rep && k < rep->n_slaves; k++)
			if (!strcmp(rep->slaves[k].name, names[i]) && !rep->slaves[k].mii_up)
				u = false;
		up += u;
	}
	snprintf(fig, sizeof(fig), "%zu of %zu members up", up, n);
	for (size_t i = 0; i < n; i++) {
		const struct nt_nic *nic = nt_host_nic(h, names[i]);
		const struct nt_bond_slave *sl = NULL;
		for (size_t k = 0; rep && k < rep->n_slaves; k++)
			if (!strcmp(rep->slaves[k].name, names[i]))
				sl = &rep->slaves[k];
		if (nic && nt_nic_up(nic) && (!sl || sl->mii_up))
			continue;
		if (sl)
			ADD(TUNE_WARNING, "bond", name, "", "", fig,
			    "%s's member %s is down (link failures: %u): check its cable and switch port",
			    name, names[i], sl->link_failures);
		else
			ADD(TUNE_WARNING, "bond", name, "", "", fig,
			    "%s's member %s has no link: check its cable and switch port", name,
			    names[i]);
	}
	return 0;
}

static int guests_node(const struct nt_host *h, const struct nt_policy *p)
{
	int node = -1;
	for (size_t i = 0; p && i < p->n_bonds && node < 0; i++) {
		const struct nt_nic *n = nt_host_nic(h, p->bonds[i].nics[0]);
		if (n)
			node = n->numa_node;
	}
	return node;
}

long nt_plan_want_queues(const struct nt_host *h, const struct nt_policy *p)
{
	if (p && p->queues)
		return p->queues;
	struct cpuset c;
	nt_host_node_cpus(h, guests_node(h, p), &c);
	long k = cpuset_count(&c);
	return k > NT_AUTO_QUEUES_MAX ? NT_AUTO_QUEUES_MAX : k ? k : 1;
}

static int plan_netback(const struct nt_host *h, const struct nt_policy *p,
			struct tune_plan *out)
{
	long want = nt_plan_want_queues(h, p);
	char to[32], fig[64], obj[128];
	snprintf(to, sizeof(to), "%ld", want);
	snprintf(obj, sizeof(obj), "/" NT_NB_PARAM_DIR "/%s", nt_nb_params[NT_NB_MAX_QUEUES].name);
	unsigned online = cpuset_count(&h->online);
	snprintf(fig, sizeof(fig), "%u vCPUs", online);
	char why[160];
	int node = guests_node(h, p);
	struct cpuset near;
	nt_host_node_cpus(h, node, &near);
	if (p->queues)
		snprintf(why, sizeof(why), "the policy's net_queues");
	else if (node >= 0)
		snprintf(why, sizeof(why), "auto: one queue per vCPU of node %d near the NICs (%u), at most %d as netfront asks by default",
			 node, cpuset_count(&near), NT_AUTO_QUEUES_MAX);
	else
		snprintf(why, sizeof(why), "auto: one queue per vCPU, at most %d as netfront asks by default",
			 NT_AUTO_QUEUES_MAX);
	if (!h->netback_loaded) {
		ADD(TUNE_CHANGE, "netback", obj, "", to, fig,
		    "xen_netback is not loaded: max_queues=%ld goes to /etc/modprobe.d (%s)", want, why);
		LAST(out)->on_reload = true;
		return 0;
	}
	const char *cur = h->nb_present[NT_NB_MAX_QUEUES] ? h->nb_value[NT_NB_MAX_QUEUES] : "";
	if (!strcmp(cur, to))
		return 0;
	ADD(TUNE_CHANGE, "netback", obj, cur, to, fig,
	    "dom0 has %u vCPUs and max_queues is %s; %s. Applies to vifs connected after the change: running guests keep their queues until they reconnect",
	    online, *cur ? cur : "unknown", why);
	return 0;
}

/* Where each vif queue's threads and interrupts may run. */
struct qstate {
	int cpu;    /* the one CPU of them all, or -1 */
	bool found; /* any thread or IRQ */
	struct cpuset uni;
};

static void queue_state(const struct nt_queue *q, struct qstate *s)
{
	const struct cpuset *sets[4];
	size_t n = 0;
	if (q->rx_pid >= 0)
		sets[n++] = &q->rx_cpus;
	if (q->dealloc_pid >= 0)
		sets[n++] = &q->dealloc_cpus;
	if (q->tx_irq >= 0)
		sets[n++] = &q->tx_irq_cpus;
	if (q->rx_irq >= 0)
		sets[n++] = &q->rx_irq_cpus;
	s->found = n > 0;
	s->cpu = n ? cpuset_single(sets[0]) : -1;
	cpuset_clear(&s->uni);
	for (size_t i = 0; i < n; i++) {
		if (cpuset_single(sets[i]) != s->cpu)
			s->cpu = -1;
		for (size_t w = 0; w < CPUSET_MAX / 64; w++)
			s->uni.w[w] |= sets[i]->w[w];
	}
}

static void queue_from(const struct nt_queue *q, char *buf, size_t len)
{
	char a[256];
	size_t off = 0;
	buf[0] = '\0';
#define PART(cond, key, set)                                                            \
	if (cond && off < len) {                                                        \
		cpuset_format(set, a, sizeof(a));                                      \
		off += (size_t)snprintf(buf + off, len - off, "%s" key "=%s", off ? "," : "", a); \
	}
	PART(q->rx_pid >= 0, "guest-rx", &q->rx_cpus)
	PART(q->dealloc_pid >= 0, "dealloc", &q->dealloc_cpus)
	PART(q->tx_irq >= 0 && q->tx_irq != q->rx_irq, "tx", &q->tx_irq_cpus)
	PART(q->rx_irq >= 0 && q->tx_irq != q->rx_irq, "rx", &q->rx_irq_cpus)
	PART(q->tx_irq >= 0 && q->tx_irq == q->rx_irq, "irq", &q->tx_irq_cpus)
#undef PART
}

/* Uplinks by bridge: vifs share a few bridges, and finding a bridge's
 * links goes over every NIC. */
struct uplink_cache {
	struct nt_uplink *u;
	const char **bridge;
	size_t n;
};

static const struct nt_uplink *uplink_cached(const struct nt_host *h, const struct nt_policy *p,
					     const char *bridge, struct uplink_cache *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->bridge[i], bridge))
			return &c->u[i];
	struct nt_uplink *nu = realloc(c->u, (c->n + 1) * sizeof(*nu));
	if (!nu)
		return NULL;
	c->u = nu;
	const char **nb = realloc(c->bridge, (c->n + 1) * sizeof(*nb));
	if (!nb)
		return NULL;
	c->bridge = nb;
	nt_uplink_of(h, bridge, nt_policy_bond_for(h, p, bridge), &c->u[c->n]);
	c->bridge[c->n] = bridge;
	return &c->u[c->n++];
}

/* Queue placement: a queue is well placed when its threads and interrupts
 * all sit on one CPU of its NIC's node, not shared with another queue of
 * the same vif (while the node has CPUs enough). Well placed queues stay;
 * the others go to the least loaded CPU their vif does not use yet. */
static int plan_queues(const struct nt_host *h, const struct nt_policy *p, struct tune_plan *out)
{
	unsigned *load = calloc(CPUSET_MAX, sizeof(*load));
	struct uplink_cache cache = { 0 };
	if (!load)
		return -ENOMEM;
	int rc = 0;
	for (int pass = 0; pass < 2 && rc == 0; pass++) {
		for (size_t i = 0; i < h->n_nics && rc == 0; i++) {
			const struct nt_nic *v = &h->nics[i];
			if (v->kind != NT_NIC_VIF || !v->n_queues)
				continue;
			const struct nt_uplink *up = uplink_cached(h, p, v->master, &cache);
			if (!up) {
				rc = -ENOMEM;
				break;
			}
			const struct nt_uplink u = *up;
			struct cpuset near, used;
			nt_host_node_cpus(h, u.numa_node, &near);
			cpuset_clear(&used);
			unsigned ncpu = cpuset_count(&near), nq = v->n_queues;
			struct qstate st[64];
			bool good[64];
			struct cpuset all;
			cpuset_clear(&all);
			unsigned same_single = 0;
			int first_cpu = -2;
			for (unsigned q = 0; q < nq && q < 64; q++) {
				queue_state(&v->queues[q], &st[q]);
				good[q] = st[q].found && st[q].cpu >= 0 &&
					  cpuset_has(&near, (unsigned)st[q].cpu) &&
					  (ncpu < nq ? true : !cpuset_has(&used, (unsigned)st[q].cpu));
				if (good[q])
					cpuset_add(&used, (unsigned)st[q].cpu);
				for (size_t w = 0; w < CPUSET_MAX / 64; w++)
					all.w[w] |= st[q].uni.w[w];
				if (first_cpu == -2)
					first_cpu = st[q].cpu;
				same_single += st[q].cpu >= 0 && st[q].cpu == first_cpu;
			}
			if (pass == 0) {
				for (unsigned q = 0; q < nq && q < 64; q++)
					if (good[q])
						load[st[q].cpu]++;
				continue;
			}
			char allc[256], nearc[256], fig[64];
			cpuset_format(&all, allc, sizeof(allc));
			cpuset_format(&near, nearc, sizeof(nearc));
			unsigned ndist = cpuset_count(&all);
			snprintf(fig, sizeof(fig), "%u queue%s on %u CPU%s", nq, nq == 1 ? "" : "s",
				 ndist, ndist == 1 ? "" : "s");
			for (unsigned q = 0; q < nq && q < 64 && rc == 0; q++) {
				if (good[q] || !st[q].found)
					continue;
				/* The least loaded near CPU this vif does not use yet. */
				int best = -1;
				for (unsigned k = 0; k < ncpu; k++) {
					int c = cpuset_nth(&near, k);
					if (cpuset_has(&used, (unsigned)c) && cpuset_count(&used) < ncpu)
						continue;
					if (best < 0 || load[c] < load[best])
						best = c;
				}
				if (best < 0)
					break;
				load[best]++;
				cpuset_add(&used, (unsigned)best);
				char obj[48], from[512], to[16], where[400];
				snprintf(obj, sizeof(obj), "%s-q%u", v->name, q);
				queue_from(&v->queues[q], from, sizeof(from));
				snprintf(to, sizeof(to), "%d", best);
				if (u.numa_node >= 0)
					snprintf(where, sizeof(where), "CPU %d of node %d (CPUs %s), near %s",
						 best, u.numa_node, nearc, u.n_links ? u.links[0]->name : "its NIC");
				else
					snprintf(where, sizeof(where), "CPU %d", best);
				char stc[256];
				cpuset_format(&st[q].uni, stc, sizeof(stc));
				if (nq > 1 && same_single == nq)
					rc = tune_plan_add(out, TUNE_CHANGE, "vif-queue", obj, from, to, fig,
							   "%s has %u queues whose threads all run on CPU %d; queue %u goes to %s",
							   v->name, nq, first_cpu, q, where);
				else if (st[q].cpu < 0)
					rc = tune_plan_add(out, TUNE_CHANGE, "vif-queue", obj, from, to, fig,
							   "%s queue %u's threads and interrupts may run on CPUs %s; pinned together to %s",
							   v->name, q, stc, where);
				else if (!cpuset_has(&near, (unsigned)st[q].cpu))
					rc = tune_plan_add(out, TUNE_CHANGE, "vif-queue", obj, from, to, fig,
							   "%s queue %u runs on CPU %d, away from its NIC's node; moved to %s",
							   v->name, q, st[q].cpu, where);
				else
					rc = tune_plan_add(out, TUNE_CHANGE, "vif-queue", obj, from, to, fig,
							   "%s queue %u shares CPU %d with another of its queues; moved to %s",
							   v->name, q, st[q].cpu, where);
			}
		}
	}
	free(load);
	free(cache.u);
	free(cache.bridge);
	return rc;
}

static int plan_warnings(const struct nt_host *h, const struct nt_policy *p,
			 struct tune_plan *out)
{
	for (size_t i = 0; i < p->n_bonds; i++)
		if (warn_bond(h, p->bonds[i].name, &p->bonds[i], out))
			return -ENOMEM;
	for (size_t i = 0; i < h->n_nics; i++) {
		const struct nt_nic *n = &h->nics[i];
		bool in_policy = false;
		for (size_t k = 0; k < p->n_bonds; k++)
			in_policy |= !strcmp(p->bonds[k].name, n->name);
		if (n->kind == NT_NIC_BOND && !in_policy && warn_bond(h, n->name, NULL, out))
			return -ENOMEM;
	}
	/* Bandwidth: each bridge that carries guests, with the bond the plan
	 * puts under it. */
	for (size_t i = 0; i < h->n_nics; i++) {
		const struct nt_nic *br = &h->nics[i];
		if (br->kind != NT_NIC_BRIDGE)
			continue;
		struct nt_uplink u;
		nt_uplink_of(h, br->name, nt_policy_bond_for(h, p, br->name), &u);
		if (!u.n_guests)
			continue;
		long each = u.usable_mbit < 0 ? -1 : u.usable_mbit / (long)u.n_guests;
		char fig[32];
		if (each < 0)
			snprintf(fig, sizeof(fig), "unknown");
		else
			snprintf(fig, sizeof(fig), "%ld Mbit/s", each);
		if (u.n_up == 0)
			ADD(TUNE_WARNING, "bandwidth", br->name, "", "", fig,
			    "%zu guests on %s and no link up under it", u.n_guests, br->name);
		else if (p->guest_mbit && each < 0)
			ADD(TUNE_WARNING, "bandwidth", br->name, "", "", fig,
			    "%zu guests on %s: %zu of its links report no speed, so the policy's %ld "
			    "Mbit/s each cannot be checked",
			    u.n_guests, u.what, u.n_unknown, p->guest_mbit);
		else if (p->guest_mbit && each < p->guest_mbit)
			ADD(TUNE_WARNING, "bandwidth", br->name, "", "", fig,
			    "%zu guests on %s: %ld Mbit/s each, below the policy's %ld", u.n_guests,
			    u.what, each, p->guest_mbit);
	}
	return 0;
}

int nt_plan(const struct nt_host *h, const struct nt_policy *p, struct tune_plan *out)
{
	int rc = 0;
	for (size_t i = 0; i < p->n_bonds && rc == 0; i++)
		rc = plan_bond(h, p, &p->bonds[i], out);
	if (rc == 0)
		rc = plan_netback(h, p, out);
	if (rc == 0)
		rc = plan_queues(h, p, out);
	if (rc == 0)
		rc = plan_warnings(h, p, out);
	return rc;
}
