/* show: the host as JSON and as text (see show.h). */
#include "show.h"
#include "../lib/jsonw.h"
#include "uplink.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cpus(yajl_gen g, const struct cpuset *c)
{
	char buf[4096];
	cpuset_format(c, buf, sizeof(buf));
	return jw_str(g, buf);
}
static int open_m(yajl_gen g) { return yajl_gen_map_open(g) != yajl_gen_status_ok; }
static int close_m(yajl_gen g) { return yajl_gen_map_close(g) != yajl_gen_status_ok; }
static int open_a(yajl_gen g) { return yajl_gen_array_open(g) != yajl_gen_status_ok; }
static int close_a(yajl_gen g) { return yajl_gen_array_close(g) != yajl_gen_status_ok; }

/* {"pid"|"irq": N, "cpus": "0-3"} or null when not found. */
static int placed(yajl_gen g, const char *key, const char *idkey, int id, const struct cpuset *c)
{
	if (jw_str(g, key))
		return 1;
	if (id < 0)
		return yajl_gen_null(g) != yajl_gen_status_ok;
	return open_m(g) || jw_str(g, idkey) || jw_int(g, id) || jw_str(g, "cpus") || cpus(g, c) || close_m(g);
}

static int bond_json(yajl_gen g, const struct nt_bond_info *r)
{
	if (open_m(g) || jw_str(g, "mode") || jw_str(g, nt_bond_mode_name(r->mode)) || jw_str(g, "hash_policy") ||
	    jw_str(g, r->hash_policy) || jw_str(g, "mii_up") || jw_bool(g, r->mii_up) || jw_str(g, "miimon_ms") ||
	    jw_int(g, r->miimon_ms) || jw_str(g, "active_member") || jw_str(g, r->active_slave) || jw_str(g, "lacp") ||
	    jw_bool(g, r->lacp) || jw_str(g, "partner_mac") || jw_str(g, r->partner_mac) || jw_str(g, "members") ||
	    open_a(g))
		return 1;
	for (size_t k = 0; k < r->n_slaves; k++) {
		const struct nt_bond_slave *sl = &r->slaves[k];
		if (open_m(g) || jw_str(g, "name") || jw_str(g, sl->name) || jw_str(g, "mii_up") || jw_bool(g, sl->mii_up) ||
		    jw_str(g, "speed_mbit") || jw_int(g, sl->speed_mbit) || jw_str(g, "link_failures") ||
		    jw_int(g, sl->link_failures) || jw_str(g, "aggregator_id") || jw_int(g, sl->aggregator_id) ||
		    jw_str(g, "partner_mac") || jw_str(g, sl->partner_mac) || close_m(g))
			return 1;
	}
	return close_a(g) || close_m(g);
}

static int nic_json(yajl_gen g, const struct nt_nic *n)
{
	if (open_m(g) || jw_str(g, "name") || jw_str(g, n->name) || jw_str(g, "kind") ||
	    jw_str(g, nt_nic_kind_name(n->kind)) || jw_str(g, "speed_mbit") || jw_int(g, n->speed_mbit) ||
	    jw_str(g, "operstate") || jw_str(g, n->operstate) || jw_str(g, "carrier") || jw_int(g, n->carrier) ||
	    jw_str(g, "mtu") || jw_int(g, n->mtu) || jw_str(g, "address") || jw_str(g, n->address) ||
	    jw_str(g, "numa_node") || jw_int(g, n->numa_node) || jw_str(g, "master") || jw_str(g, n->master) ||
	    jw_str(g, "rx_queues") || jw_int(g, n->n_rx) || jw_str(g, "tx_queues") || jw_int(g, n->n_tx))
		return 1;
	if (n->kind == NT_NIC_VIF) {
		if (jw_str(g, "domid") || jw_int(g, n->domid) || jw_str(g, "devid") || jw_int(g, n->devid) ||
		    jw_str(g, "queues") || open_a(g))
			return 1;
		for (unsigned q = 0; q < n->n_queues; q++) {
			const struct nt_queue *qu = &n->queues[q];
			if (open_m(g) || placed(g, "guest_rx", "pid", qu->rx_pid, &qu->rx_cpus) ||
			    placed(g, "dealloc", "pid", qu->dealloc_pid, &qu->dealloc_cpus) ||
			    placed(g, "tx_irq", "irq", qu->tx_irq, &qu->tx_irq_cpus) ||
			    placed(g, "rx_irq", "irq", qu->rx_irq, &qu->rx_irq_cpus) || close_m(g))
				return 1;
		}
		if (close_a(g))
			return 1;
	}
	if (n->kind == NT_NIC_BOND && n->has_report && (jw_str(g, "bond") || bond_json(g, &n->bond)))
		return 1;
	return close_m(g);
}

int nt_show_json(yajl_gen g, const struct nt_host *h)
{
	if (open_m(g) || jw_str(g, "nics") || open_a(g))
		return -EINVAL;
	for (size_t k = 0; k < h->n_nics; k++)
		if (nic_json(g, &h->nics[k]))
			return -EINVAL;
	if (close_a(g) || jw_str(g, "bridges") || open_a(g))
		return -EINVAL;
	for (size_t k = 0; k < h->n_nics; k++) {
		const struct nt_nic *br = &h->nics[k];
		if (br->kind != NT_NIC_BRIDGE)
			continue;
		struct nt_uplink u;
		nt_uplink_of(h, br->name, NULL, &u);
		if (open_m(g) || jw_str(g, "name") || jw_str(g, br->name) || jw_str(g, "uplink") || jw_str(g, u.what) ||
		    jw_str(g, "usable_mbit") || jw_int(g, u.usable_mbit) || jw_str(g, "numa_node") ||
		    jw_int(g, u.numa_node) || jw_str(g, "vifs") || jw_int(g, (long long)u.n_vifs) ||
		    jw_str(g, "guests") || jw_int(g, (long long)u.n_guests) || close_m(g))
			return -EINVAL;
	}
	if (close_a(g) || jw_str(g, "cpus") || open_m(g) || jw_str(g, "online") || cpus(g, &h->online) ||
	    jw_str(g, "nodes") || open_a(g))
		return -EINVAL;
	for (unsigned k = 0; k < h->n_nodes; k++)
		if (cpuset_count(&h->nodes[k]) &&
		    (open_m(g) || jw_str(g, "node") || jw_int(g, k) || jw_str(g, "cpus") || cpus(g, &h->nodes[k]) ||
		     close_m(g)))
			return -EINVAL;
	if (close_a(g) || close_m(g) || jw_str(g, "netback") || open_m(g) || jw_str(g, "loaded") ||
	    jw_bool(g, h->netback_loaded) || jw_str(g, "parameters") || open_m(g))
		return -EINVAL;
	for (int k = 0; k < NT_NB_NPARAMS; k++)
		if (h->nb_present[k] && (jw_str(g, nt_nb_params[k].name) || jw_str(g, h->nb_value[k])))
			return -EINVAL;
	if (close_m(g) || close_m(g) || jw_str(g, "notes") || open_a(g))
		return -EINVAL;
	for (size_t k = 0; k < h->n_notes; k++)
		if (jw_str(g, h->notes[k]))
			return -EINVAL;
	return close_a(g) || close_m(g) ? -EINVAL : 0;
}

static void link_text(const struct nt_nic *n, char *buf, size_t len)
{
	char sp[32];
	nt_speed_text(n->speed_mbit, sp, sizeof(sp));
	snprintf(buf, len, "%-13s %-5s", sp, nt_nic_up(n) ? "up" : "down");
}

static void queue_text(FILE *f, const char *what, int id, const struct cpuset *c)
{
	char buf[256];
	if (id < 0) {
		fprintf(f, "  %s -", what);
		return;
	}
	cpuset_format(c, buf, sizeof(buf));
	fprintf(f, "  %s %s", what, buf);
}

int nt_show_text(const struct nt_host *h, char **out)
{
	char *buf = NULL, line[64], cb[4096];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	fprintf(f, "NICs\n");
	for (size_t k = 0; k < h->n_nics; k++) {
		const struct nt_nic *n = &h->nics[k];
		if (n->kind != NT_NIC_PHYS)
			continue;
		link_text(n, line, sizeof(line));
		fprintf(f, "  %-15s %s", n->name, line);
		if (n->numa_node >= 0)
			fprintf(f, " node %d", n->numa_node);
		fprintf(f, "  mtu %ld", n->mtu);
		if (n->master[0])
			fprintf(f, "  in %s", n->master);
		fprintf(f, "\n");
	}
	fprintf(f, "Bonds\n");
	for (size_t k = 0; k < h->n_nics; k++) {
		const struct nt_nic *n = &h->nics[k];
		if (n->kind != NT_NIC_BOND)
			continue;
		if (!n->has_report) {
			fprintf(f, "  %-15s (no report in /proc/net/bonding)\n", n->name);
			continue;
		}
		const struct nt_bond_info *r = &n->bond;
		fprintf(f, "  %-15s %s", n->name, nt_bond_mode_name(r->mode));
		if (r->hash_policy[0])
			fprintf(f, " hash %s", r->hash_policy);
		fprintf(f, "  miimon %d ms  %s", r->miimon_ms, r->mii_up ? "up" : "down");
		if (n->master[0])
			fprintf(f, "  in %s", n->master);
		if (r->lacp)
			fprintf(f, "  LACP partner %s", r->partner_mac[0] ? r->partner_mac : "none");
		fprintf(f, "\n");
		for (size_t m = 0; m < r->n_slaves; m++) {
			const struct nt_bond_slave *sl = &r->slaves[m];
			char sp[32];
			nt_speed_text(sl->speed_mbit, sp, sizeof(sp));
			fprintf(f, "    %-13s %-13s %-5s link failures %u%s\n", sl->name, sp,
				sl->mii_up ? "up" : "down", sl->link_failures,
				!strcmp(sl->name, r->active_slave) ? "  (active)" : "");
		}
	}
	fprintf(f, "Bridges\n");
	for (size_t k = 0; k < h->n_nics; k++) {
		const struct nt_nic *br = &h->nics[k];
		if (br->kind != NT_NIC_BRIDGE)
			continue;
		struct nt_uplink u;
		nt_uplink_of(h, br->name, NULL, &u);
		fprintf(f, "  %-15s uplink %s", br->name, u.what);
		if (u.n_guests && u.usable_mbit < 0)
			fprintf(f, ": speed unknown for each of %zu guests (%zu vifs)", u.n_guests,
				u.n_vifs);
		else if (u.n_guests)
			fprintf(f, ": %ld Mbit/s for each of %zu guests (%zu vifs)",
				u.usable_mbit / (long)u.n_guests, u.n_guests, u.n_vifs);
		fprintf(f, "\n");
		for (size_t j = 0; j < h->n_nics; j++) {
			const struct nt_nic *v = &h->nics[j];
			if (v->kind == NT_NIC_VIF && !strcmp(v->master, br->name))
				fprintf(f, "    %-15s domain %d  %u queue%s  %s\n", v->name, v->domid,
					v->n_queues, v->n_queues == 1 ? "" : "s",
					nt_nic_up(v) ? "up" : "down");
		}
	}
	fprintf(f, "netback: %s\n", h->netback_loaded ? "loaded" : "not loaded");
	for (int k = 0; k < NT_NB_NPARAMS; k++)
		if (h->nb_present[k])
			fprintf(f, "  %-23s %s\n", nt_nb_params[k].name, h->nb_value[k]);
	cpuset_format(&h->online, cb, sizeof(cb));
	fprintf(f, "dom0 CPUs: %s online", cb);
	for (unsigned k = 0; k < h->n_nodes; k++) {
		if (!cpuset_count(&h->nodes[k]))
			continue;
		cpuset_format(&h->nodes[k], cb, sizeof(cb));
		fprintf(f, "; node %u: %s", k, cb);
	}
	fprintf(f, "\nvif queues (CPUs of threads guest-rx, dealloc; interrupts tx, rx)\n");
	for (size_t k = 0; k < h->n_nics; k++) {
		const struct nt_nic *v = &h->nics[k];
		for (unsigned q = 0; v->kind == NT_NIC_VIF && q < v->n_queues; q++) {
			const struct nt_queue *qu = &v->queues[q];
			snprintf(line, sizeof(line), "%s-q%u", v->name, q);
			fprintf(f, "  %-20s", line);
			queue_text(f, "guest-rx", qu->rx_pid, &qu->rx_cpus);
			queue_text(f, "dealloc", qu->dealloc_pid, &qu->dealloc_cpus);
			queue_text(f, "tx", qu->tx_irq, &qu->tx_irq_cpus);
			queue_text(f, "rx", qu->rx_irq, &qu->rx_irq_cpus);
			fprintf(f, "\n");
		}
	}
	for (size_t k = 0; k < h->n_notes; k++)
		fprintf(f, "note: %s\n", h->notes[k]);
	if (fclose(f)) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	return 0;
}
