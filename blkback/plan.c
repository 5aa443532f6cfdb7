/* plan: changes and warnings for the storage side of a host (see plan.h). */
#include "plan.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pair {
	const struct fc_host_port *port;
	uint64_t target;
};

void blk_budget(const struct blk_host *h, const struct storage_policy *p, struct blk_budget *b)
{
	memset(b, 0, sizeof(*b));
	b->target_speed_known = p->target_port_gbit != 0;
	struct pair *pairs = NULL;
	size_t n = 0, cap = 0;
	for (size_t m = 0; m < h->mp.n_maps; m++) {
		const struct blk_map *bm = &h->maps[m];
		for (size_t i = 0; i < bm->n_paths; i++) {
			const struct blk_path *bp = &bm->paths[i];
			uint64_t t;
			if (!bp->ready || !bp->port || fc_parse_wwn(bp->mp->target_wwpn, &t) < 0)
				continue;
			size_t k = 0;
			while (k < n && !(pairs[k].port == bp->port && pairs[k].target == t))
				k++;
			if (k < n)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				struct pair *np = realloc(pairs, cap * sizeof(*np));
				if (!np)
					break;
				pairs = np;
			}
			pairs[n++] = (struct pair){ bp->port, t };
		}
	}
	for (size_t i = 0; i < h->fc.n_ports; i++) {
		const struct fc_host_port *port = &h->fc.ports[i];
		unsigned rate = fc_speed_mbytes(port->speed_gbit), sum = 0;
		for (size_t k = 0; k < n; k++) {
			if (pairs[k].port != port)
				continue;
			unsigned t = p->target_port_gbit ? fc_speed_mbytes(p->target_port_gbit) : rate;
			sum += t < rate ? t : rate;
			b->pairs++;
		}
		b->mbytes += sum < rate ? sum : rate;
	}
	free(pairs);
}

unsigned blk_dev_loss_tmo(unsigned no_path_retry)
{
	unsigned v = 2 * no_path_retry * STORAGE_POLLING_INTERVAL;
	return v < 60 ? 60 : v;
}

/* The CPUs of the NUMA nodes of the live paths' HBA ports of BM (or of all
 * maps when BM is NULL); false when a node is unknown. */
static bool hba_cpus(const struct blk_host *h, const struct blk_map *bm, struct cpuset *cpus,
		     char *nodes, size_t size)
{
	memset(cpus, 0, sizeof(*cpus));
	bool seen[NODES_MAX] = { false };
	bool any = false;
	for (size_t m = 0; m < h->mp.n_maps; m++) {
		const struct blk_map *x = &h->maps[m];
		if (bm && x != bm)
			continue;
		for (size_t i = 0; i < x->n_paths; i++) {
			const struct blk_path *bp = &x->paths[i];
			if (!bp->live || !bp->port)
				continue;
			int node = bp->port->numa_node;
			if (node < 0 || node >= NODES_MAX || (unsigned)node >= h->numa.n_nodes)
				return false;
			seen[node] = any = true;
		}
	}
	size_t len = 0;
	if (size)
		nodes[0] = '\0';
	for (int i = 0; i < NODES_MAX; i++) {
		if (!seen[i])
			continue;
		cpuset_or(cpus, &h->numa.node[i]);
		if (len < size) {
			int w = snprintf(nodes + len, size - len, "%s%d", len ? "," : "", i);
			if (w > 0)
				len += (size_t)w;
		}
	}
	return any && cpuset_count(cpus) > 0;
}

unsigned blk_auto_queues(const struct blk_host *h)
{
	struct cpuset cpus;
	char nodes[64];
	unsigned n = hba_cpus(h, NULL, &cpus, nodes, sizeof(nodes)) ? cpuset_count(&cpus)
								    : cpuset_count(&h->numa.online);
	return n > 256 ? 256 : n;
}

/* ---- multipath stanzas ---- */

static void grouping_now(const struct mp_map *m, char *buf, size_t size)
{
	if (m->n_groups == 1) {
		snprintf(buf, size, "multibus");
		return;
	}
	bool singles = m->n_groups > 1, distinct = m->n_groups > 1;
	for (size_t g = 0; g < m->n_groups; g++) {
		singles &= m->groups[g].n_paths == 1;
		for (size_t k = 0; k < g; k++)
			distinct &= m->groups[k].pri != m->groups[g].pri;
	}
	snprintf(buf, size, "%s", singles ? "failover" : distinct ? "group_by_prio" : "");
}

static void no_path_retry_now(const struct mp_map *m, char *buf, size_t size)
{
	int checks;
	switch (mpath_queueing(m, &checks)) {
	case MP_QUEUE_FAIL:
		snprintf(buf, size, "fail");
		break;
	case MP_QUEUE_FOREVER:
		snprintf(buf, size, "queue");
		break;
	case MP_QUEUE_UNSET:
		buf[0] = '\0';
		break;
	case MP_QUEUE_BOUNDED:
		if (checks)
			snprintf(buf, size, "%d", checks);
		else
			snprintf(buf, size, "%s", m->queueing); /* counting down now */
		break;
	}
}

/* The value the array's remote ports agree on, "mixed", or "" unknown. */
static void rport_tmo_now(const struct blk_host *h, const char *vend, const char *prod, bool fast,
			  char *buf, size_t size)
{
	bool have = false, mixed = false;
	int val = 0;
	for (size_t m = 0; m < h->mp.n_maps; m++) {
		const struct blk_map *bm = &h->maps[m];
		if (strcmp(bm->mp->vend, vend) != 0 || strcmp(bm->mp->prod, prod) != 0)
			continue;
		for (size_t i = 0; i < bm->n_paths; i++) {
			const struct fc_rport *r = bm->paths[i].rport;
			if (!r)
				continue;
			int v = fast ? r->fast_io_fail_tmo : r->dev_loss_tmo;
			if (v < (fast ? -1 : 0))
				continue;
			if (have && v != val)
				mixed = true;
			val = v;
			have = true;
		}
	}
	if (!have)
		buf[0] = '\0';
	else if (mixed)
		snprintf(buf, size, "mixed");
	else if (fast && val == -1)
		snprintf(buf, size, "off");
	else
		snprintf(buf, size, "%d", val);
}

static int add_setting(struct tune_plan *plan, const char *vend, const char *prod, const char *key,
		       const char *from, const char *to, const char *figure, const char *reason)
{
	char obj[128];
	snprintf(obj, sizeof(obj), "%s,%s %s", vend, prod, key);
	return tune_plan_add(plan, TUNE_CHANGE, "multipath", obj, from, to, figure, "%s", reason);
}

/* The settings of the array of map FIRST that differ from the policy's
 * (ALL: every setting the policy has for it). */
static int plan_array(const struct blk_host *h, const struct storage_policy *p,
		      const struct blk_map *first, bool all, struct tune_plan *plan)
{
	const struct mp_map *m = first->mp;
	const char *v = m->vend, *pr = m->prod;
	char now[64], to[64], fig[64], why[512];
	int r = 0;
	size_t n_maps = 0;
	for (size_t i = 0; i < h->mp.n_maps; i++)
		n_maps += strcmp(h->mp.maps[i].vend, v) == 0 && strcmp(h->mp.maps[i].prod, pr) == 0;

	grouping_now(m, now, sizeof(now));
	const char *want = first->alua ? "group_by_prio" : strcmp(m->hwhandler, "0") == 0 ? "multibus" : NULL;
	if (want && (all || strcmp(now, want) != 0)) {
		if (first->alua)
			snprintf(why, sizeof(why),
				 "the array reports ALUA (hwhandler '%s'): group paths by priority so I/O "
				 "goes to the optimized controller's paths",
				 m->hwhandler);
		else
			snprintf(why, sizeof(why),
				 "the array has no handler and no ALUA: it serves every path alike, so use all of them");
		snprintf(fig, sizeof(fig), "%zu path groups", m->n_groups);
		if ((r = add_setting(plan, v, pr, "path_grouping_policy", now, want, fig, why)) < 0)
			return r;
	}
	snprintf(now, sizeof(now), "%s", m->n_groups ? m->groups[0].selector : "");
	if (all || strcmp(now, "service-time 0") != 0) {
		snprintf(fig, sizeof(fig), "%zu live paths", first->live);
		if ((r = add_setting(plan, v, pr, "path_selector", now, "service-time 0", fig,
				     "service-time sends each I/O to the path with the least "
				     "outstanding work for its speed, which round-robin ignores")) < 0)
			return r;
	}
	no_path_retry_now(m, now, sizeof(now));
	snprintf(to, sizeof(to), "%u", p->no_path_retry);
	unsigned window = p->no_path_retry * STORAGE_POLLING_INTERVAL;
	if (all || strcmp(now, to) != 0) {
		int checks;
		enum mp_queueing q = mpath_queueing(m, &checks);
		snprintf(fig, sizeof(fig), "%u s", window);
		if (q == MP_QUEUE_FOREVER)
			snprintf(why, sizeof(why),
				 "%zu map%s queue forever when the last path goes (queueing '%s', features '%s'): "
				 "dom0 and the guests hang; queue %u checks x %d s = %u s, then fail",
				 n_maps, n_maps == 1 ? "" : "s", m->queueing, m->features, p->no_path_retry,
				 STORAGE_POLLING_INTERVAL, window);
		else if (q == MP_QUEUE_UNSET)
			snprintf(why, sizeof(why),
				 "no_path_retry is unset, so dev_loss_tmo is ignored (multipathd sizes it against "
				 "no_path_retry) and I/O fails the moment the last path blinks; queue %u checks "
				 "x %d s = %u s",
				 p->no_path_retry, STORAGE_POLLING_INTERVAL, window);
		else
			snprintf(why, sizeof(why),
				 "no_path_retry is %s; the policy queues %u checks x %d s = %u s before failing I/O",
				 now, p->no_path_retry, STORAGE_POLLING_INTERVAL, window);
		if ((r = add_setting(plan, v, pr, "no_path_retry", now, to, fig, why)) < 0)
			return r;
	}
	/* fast_io_fail_tmo and dev_loss_tmo go together: multipathd sizes
	 * dev_loss_tmo against no_path_retry only when fast_io_fail_tmo is
	 * set, and the kernel caps dev_loss_tmo at 600 s otherwise. */
	char fnow[32], dnow[32], fto[32], dto[32];
	rport_tmo_now(h, v, pr, true, fnow, sizeof(fnow));
	rport_tmo_now(h, v, pr, false, dnow, sizeof(dnow));
	unsigned dl = blk_dev_loss_tmo(p->no_path_retry);
	snprintf(fto, sizeof(fto), "%u", p->fast_io_fail_tmo);
	snprintf(dto, sizeof(dto), "%u", dl);
	if (all || strcmp(fnow, fto) != 0 || strcmp(dnow, dto) != 0) {
		snprintf(fig, sizeof(fig), "%u s", p->fast_io_fail_tmo);
		snprintf(why, sizeof(why),
			 "I/O on a lost FC port fails over to the other paths after %u s instead of "
			 "waiting for the port to be removed (dev_loss_tmo, now %s); set with dev_loss_tmo",
			 p->fast_io_fail_tmo, dnow[0] ? dnow : "unknown");
		if ((r = add_setting(plan, v, pr, "fast_io_fail_tmo", fnow, fto, fig, why)) < 0)
			return r;
		snprintf(fig, sizeof(fig), "%u s", dl);
		snprintf(why, sizeof(why),
			 "twice the queueing window (%u x %d s = %u s): a port back while the map still "
			 "queues is reactivated, not removed and re-added; set with fast_io_fail_tmo",
			 p->no_path_retry, STORAGE_POLLING_INTERVAL, window);
		if ((r = add_setting(plan, v, pr, "dev_loss_tmo", dnow, dto, fig, why)) < 0)
			return r;
	}
	if (all || strcmp(m->failback, "immediate") != 0) {
		snprintf(fig, sizeof(fig), "%zu path groups", m->n_groups);
		if ((r = add_setting(plan, v, pr, "failback", m->failback, "immediate", fig,
				     "when a better path group returns, move I/O back to it at once "
				     "instead of leaving it on the group it failed over to")) < 0)
			return r;
	}
	return 0;
}

/* Each array (vendor, product) once, at its first map. */
static int plan_arrays(const struct blk_host *h, const struct storage_policy *p, bool all,
		       struct tune_plan *plan)
{
	int r;
	for (size_t i = 0; i < h->mp.n_maps; i++) {
		const struct mp_map *m = &h->mp.maps[i];
		size_t j = 0;
		while (j < i && !(strcmp(h->mp.maps[j].vend, m->vend) == 0 &&
				  strcmp(h->mp.maps[j].prod, m->prod) == 0))
			j++;
		if (j == i && (r = plan_array(h, p, &h->maps[i], all, plan)) < 0)
			return r;
	}
	return 0;
}

int blk_multipath_wanted(const struct blk_host *h, const struct storage_policy *p,
			 struct tune_plan *plan)
{
	return plan_arrays(h, p, true, plan);
}

static int plan_maps(const struct blk_host *h, const struct storage_policy *p,
		     struct tune_plan *plan)
{
	int r = plan_arrays(h, p, false, plan);
	if (r < 0)
		return r;
	for (size_t i = 0; i < h->mp.n_maps; i++) {
		const struct blk_map *bm = &h->maps[i];
		unsigned paths, hbas;
		storage_policy_for(p, bm->mp->uuid, &paths, &hbas);
		char fig[48];
		if (bm->live < paths) {
			snprintf(fig, sizeof(fig), "%zu path%s", bm->live, bm->live == 1 ? "" : "s");
			r = tune_plan_add(plan, TUNE_WARNING, "multipath", bm->mp->uuid, NULL, NULL, fig,
					  "map %s: %zu live path%s of %zu, the policy wants %u across %u HBA%s",
					  bm->mp->name, bm->live, bm->live == 1 ? "" : "s", bm->n_paths,
					  paths, hbas, hbas == 1 ? "" : "s");
			if (r < 0)
				return r;
		}
		if (bm->hbas_live < hbas) {
			snprintf(fig, sizeof(fig), "%zu HBA%s", bm->hbas_live, bm->hbas_live == 1 ? "" : "s");
			const char *via = "";
			for (size_t k = 0; k < bm->n_paths && !*via; k++)
				if (bm->paths[k].live)
					via = bm->paths[k].hba[0] ? bm->paths[k].hba : bm->paths[k].mp->host_adapter;
			r = tune_plan_add(plan, TUNE_WARNING, "multipath", bm->mp->uuid, NULL, NULL, fig,
					  "map %s: %zu live path%s, %s%s; the policy wants %u across %u HBAs",
					  bm->mp->name, bm->live, bm->live == 1 ? "" : "s",
					  bm->hbas_live ? "all through HBA " : "through no HBA", via, paths,
					  hbas);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int plan_fc(const struct blk_host *h, const struct storage_policy *p, struct tune_plan *plan)
{
	int r;
	size_t online;
	char names[256], fig[64];
	size_t hbas = blk_host_hbas(h, &online, names, sizeof(names));
	if (hbas == 1 && h->mp.n_maps) {
		snprintf(fig, sizeof(fig), "1 HBA");
		if ((r = tune_plan_add(plan, TUNE_WARNING, "fc", names, NULL, NULL, fig,
				       "a single HBA (%s, %zu port%s): losing the card loses every path "
				       "to every LUN; add a second HBA",
				       names, h->fc.n_ports, h->fc.n_ports == 1 ? "" : "s")) < 0)
			return r;
	}
	for (size_t i = 0; i < h->fc.n_ports; i++) {
		const struct fc_host_port *port = &h->fc.ports[i];
		char obj[32];
		snprintf(obj, sizeof(obj), "host%u", port->host);
		if (!port->online) {
			size_t down = 0;
			for (size_t m = 0; m < h->mp.n_maps; m++)
				for (size_t k = 0; k < h->maps[m].n_paths; k++)
					down += h->maps[m].paths[k].port == port && !h->maps[m].paths[k].live;
			snprintf(fig, sizeof(fig), "%zu paths down", down);
			if ((r = tune_plan_add(plan, TUNE_WARNING, "fc", obj, NULL, NULL, fig,
					       "host%u (HBA %s) is %s: %zu path%s through it %s down; check its "
					       "cable, SFP and switch port",
					       port->host, port->card[0] ? port->card : "?", port->state, down,
					       down == 1 ? "" : "s", down == 1 ? "is" : "are")) < 0)
				return r;
		} else if (port->speed_gbit && port->max_supported_gbit > port->speed_gbit) {
			snprintf(fig, sizeof(fig), "%u Gbit", port->speed_gbit);
			if ((r = tune_plan_add(plan, TUNE_WARNING, "fc", obj, NULL, NULL, fig,
					       "host%u runs at %u Gbit but supports %u: the switch port, SFP or "
					       "cable holds it back",
					       port->host, port->speed_gbit, port->max_supported_gbit)) < 0)
				return r;
		}
	}
	if (!h->mp.n_maps)
		return 0;
	struct blk_budget b;
	blk_budget(h, p, &b);
	size_t off_fc, live = blk_host_live_paths(h, &off_fc);
	if (live && off_fc == live) {
		/* No live path on FC: nothing reports a port speed. */
		if ((r = tune_plan_add(plan, TUNE_WARNING, "fc", "budget", NULL, NULL, "unknown",
				       "the %zu live path%s run%s through no FC port (SAS, iSCSI, "
				       "virtio-scsi report no port speed): the storage budget against "
				       "the policy's %u MB/s is not known",
				       live, live == 1 ? "" : "s", live == 1 ? "s" : "",
				       p->target_mbytes)) < 0)
			return r;
	} else if (b.mbytes < p->target_mbytes) {
		snprintf(fig, sizeof(fig), "%u MB/s", b.mbytes);
		if ((r = tune_plan_add(plan, TUNE_WARNING, "fc", "budget", NULL, NULL, fig,
				       "the FC paths carry about %u MB/s (%zu live initiator-target "
				       "port pair%s), below the policy's %u%s",
				       b.mbytes, b.pairs, b.pairs == 1 ? "" : "s", p->target_mbytes,
				       b.target_speed_known ? ""
							    : " (array ports taken as fast as the HBA "
							      "ports: set storage_target_port_gbit)")) < 0)
			return r;
	}
	return 0;
}

static int param(const struct blk_host *h, struct tune_plan *plan, enum blkback_param bp, long to,
		 const char *figure, const char *reason)
{
	if (!h->bb.present[bp] || h->bb.value[bp] == to)
		return 0;
	const struct blkback_param_info *in = &blkback_params[bp];
	char obj[64], from[24], tos[24];
	snprintf(obj, sizeof(obj), "xen_blkback.%s", in->name);
	snprintf(from, sizeof(from), "%s", in->boolean ? (h->bb.value[bp] ? "Y" : "N") : "");
	if (!in->boolean)
		snprintf(from, sizeof(from), "%ld", h->bb.value[bp]);
	snprintf(tos, sizeof(tos), "%s", in->boolean ? (to ? "Y" : "N") : "");
	if (!in->boolean)
		snprintf(tos, sizeof(tos), "%ld", to);
	int r = tune_plan_add(plan, TUNE_CHANGE, "blkback", obj, from, tos, figure, "%s; %s%s", reason,
			      in->runtime ? "blkback reads it " : "set ",
			      in->runtime ? in->taken
					  : "at load only: written to " BLKBACK_MODPROBE_FILE
					    ", it takes effect at the module's next load or the next boot");
	if (r == 0)
		plan->items[plan->n - 1].on_reload = !in->runtime;
	return r;
}

static int plan_blkback(const struct blk_host *h, const struct storage_policy *p,
			struct tune_plan *plan)
{
	if (!h->bb.loaded)
		return 0;
	char fig[64], why[256];
	int r;
	/* A ring of 2^order pages holds 32 << order requests (112-byte
	 * entries in 4 KiB pages, rounded down to a power of two). */
	snprintf(fig, sizeof(fig), "%d requests per ring", 32 << BLKBACK_MAX_RING_ORDER);
	snprintf(why, sizeof(why), "a ring of %d pages holds %d requests in flight, not %ld",
		 1 << BLKBACK_MAX_RING_ORDER, 32 << BLKBACK_MAX_RING_ORDER,
		 32L << (h->bb.value[BP_MAX_RING_PAGE_ORDER] & 7));
	if (h->bb.value[BP_MAX_RING_PAGE_ORDER] < BLKBACK_MAX_RING_ORDER &&
	    (r = param(h, plan, BP_MAX_RING_PAGE_ORDER, BLKBACK_MAX_RING_ORDER, fig, why)) < 0)
		return r;
	unsigned q = p->queues ? p->queues : blk_auto_queues(h);
	if (q) {
		struct cpuset cpus;
		char nodes[64];
		bool near = !p->queues && hba_cpus(h, NULL, &cpus, nodes, sizeof(nodes));
		snprintf(fig, sizeof(fig), "%u CPUs", q);
		if (p->queues)
			snprintf(why, sizeof(why), "the policy's storage_queues = %u rings per disk", q);
		else if (near)
			snprintf(why, sizeof(why),
				 "one ring per dom0 CPU near the HBAs (%u on NUMA node %s)", q, nodes);
		else
			snprintf(why, sizeof(why), "one ring per online dom0 CPU (%u)", q);
		if ((r = param(h, plan, BP_MAX_QUEUES, q, fig, why)) < 0)
			return r;
	}
	if ((r = param(h, plan, BP_FEATURE_PERSISTENT, 1, "1 grant map per page",
		       "persistent grants map a guest's pages once instead of on every request")) < 0)
		return r;
	return param(h, plan, BP_LOG_STATS, 0, "1 line per ring per 10 s",
		     "log_stats writes every ring's counters to the kernel log every 10 s");
}

/* One item per disk whose ring threads may run away from its HBAs' NUMA
 * nodes: object "blkback.DOMID.VDEV", the disk (apply finds its threads as
 * ring_thread_of does, "DOMID.VDEV-N" or "blkback.DOMID.VDEV-N", since pids
 * change). */
static int plan_threads(const struct blk_host *h, struct tune_plan *plan)
{
	for (size_t i = 0; i < h->vbds.n; i++) {
		const struct vbd *v = &h->vbds.v[i];
		const struct blk_map *bm = blk_host_map_of(h, v);
		struct cpuset cpus;
		char nodes[64], want[256], now[256] = "", fig[80], obj[64];
		if (!bm || !hba_cpus(h, bm, &cpus, nodes, sizeof(nodes)))
			continue;
		if (cpuset_count(&h->numa.online) && cpuset_subset(&h->numa.online, &cpus))
			continue; /* the HBAs span every node: any CPU is as near */
		cpuset_format(&cpus, want, sizeof(want));
		size_t threads = 0, away = 0;
		for (size_t t = 0; t < h->rt.n; t++) {
			const struct ring_thread *th = &h->rt.t[t];
			int ring;
			if (!ring_thread_of(th, v->domid, v->vdev, &ring))
				continue;
			threads++;
			if (cpuset_subset(&th->allowed, &cpus))
				continue;
			if (!away++)
				cpuset_format(&th->allowed, now, sizeof(now));
		}
		if (!away)
			continue;
		snprintf(obj, sizeof(obj), "blkback.%u.%s", v->domid, v->vdev);
		snprintf(fig, sizeof(fig), "NUMA node %s", nodes);
		int r = tune_plan_add(plan, TUNE_CHANGE, "blkback-ring", obj, now, want, fig,
				      "dom%u%s%s%s %s sits on map %s, whose live paths run through HBAs on "
				      "NUMA node %s (CPUs %s); %zu of its %zu ring thread%s may run on %s",
				      v->domid, v->guest[0] ? " (" : "", v->guest, v->guest[0] ? ")" : "",
				      v->vdev, bm->mp->name, nodes, want, away, threads,
				      threads == 1 ? "" : "s", now[0] ? now : "any CPU");
		if (r < 0)
			return r;
	}
	return 0;
}

int blk_plan(const struct blk_host *h, const struct storage_policy *p, struct tune_plan *plan)
{
	int r;
	if ((r = plan_maps(h, p, plan)) < 0 || (r = plan_fc(h, p, plan)) < 0 ||
	    (r = plan_blkback(h, p, plan)) < 0 || (r = plan_threads(h, plan)) < 0)
		return r;
	return 0;
}

/* multipath.conf matches vendor and product as regular expressions. */
static void regex_quote(FILE *f, const char *s, size_t len)
{
	fputc('^', f);
	for (size_t i = 0; i < len; i++) {
		if (strchr(".[]()*+?{}|^$\\", s[i]))
			fputc('\\', f);
		if (s[i] == '"')
			fputc('\\', f);
		fputc(s[i], f);
	}
	fputc('$', f);
}

int blk_multipath_conf(const struct tune_plan *plan, char **out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	bool any = false;
	for (size_t i = 0; i < plan->n; i++) {
		const struct tune_item *it = &plan->items[i];
		if (it->kind != TUNE_CHANGE || strcmp(it->area, "multipath") != 0)
			continue;
		const char *sp = strrchr(it->object, ' ');
		size_t alen = sp ? (size_t)(sp - it->object) : 0;
		size_t j = 0;
		for (; j < i; j++) {
			const struct tune_item *jt = &plan->items[j];
			if (jt->kind == TUNE_CHANGE && strcmp(jt->area, "multipath") == 0 &&
			    strncmp(jt->object, it->object, alen + 1) == 0)
				break;
		}
		if (j < i || !sp)
			continue; /* the array's stanza is written at its first item */
		if (!any)
			fputs("devices {\n", f);
		any = true;
		const char *comma = memchr(it->object, ',', alen);
		size_t vlen = comma ? (size_t)(comma - it->object) : alen;
		fputs("\tdevice {\n\t\tvendor \"", f);
		regex_quote(f, it->object, vlen);
		fputs("\"\n\t\tproduct \"", f);
		if (comma)
			regex_quote(f, comma + 1, alen - vlen - 1);
		fputs("\"\n", f);
		for (size_t k = i; k < plan->n; k++) {
			const struct tune_item *kt = &plan->items[k];
			if (kt->kind != TUNE_CHANGE || strcmp(kt->area, "multipath") != 0 ||
			    strncmp(kt->object, it->object, alen + 1) != 0)
				continue;
			const char *key = kt->object + alen + 1;
			bool quote = strchr(kt->to, ' ') != NULL;
			fprintf(f, "\t\t%s %s%s%s\n", key, quote ? "\"" : "", kt->to, quote ? "\"" : "");
		}
		fputs("\t}\n", f);
	}
	if (any)
		fputs("}\n", f);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	return 0;
}
