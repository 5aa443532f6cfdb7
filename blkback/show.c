/* show: the storage side of a host as text and JSON (see host.h). */
#include "host.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void tmo_text(int v, char *buf, size_t size, bool is_fast)
{
	if (is_fast && v == -1)
		snprintf(buf, size, "off");
	else if (v < 0)
		snprintf(buf, size, "?");
	else
		snprintf(buf, size, "%d s", v);
}

static void text_fc(FILE *f, const struct blk_host *h)
{
	size_t online;
	size_t hbas = blk_host_hbas(h, &online, NULL, 0);
	if (!h->fc.n_ports) {
		fprintf(f, "FC: no HBA ports\n");
		return;
	}
	fprintf(f, "FC HBA ports: %zu on %zu HBA%s\n", h->fc.n_ports, hbas, hbas == 1 ? "" : "s");
	for (size_t i = 0; i < h->fc.n_ports; i++) {
		const struct fc_host_port *p = &h->fc.ports[i];
		char speed[32] = "speed unknown";
		if (p->speed_gbit)
			snprintf(speed, sizeof(speed), "%u Gbit (%u MB/s)", p->speed_gbit,
				 fc_speed_mbytes(p->speed_gbit));
		fprintf(f, "  host%-3u %#018" PRIx64 "  %-9s %s", p->host, p->port_name, p->state,
			speed);
		if (p->max_supported_gbit && p->max_supported_gbit != p->speed_gbit)
			fprintf(f, ", supports %u Gbit", p->max_supported_gbit);
		fprintf(f, "  HBA %s", p->card[0] ? p->card : "(not on PCI)");
		if (p->numa_node >= 0)
			fprintf(f, "  NUMA node %d", p->numa_node);
		fprintf(f, "\n");
	}
	fprintf(f, "FC remote ports: %zu\n", h->fc.n_rports);
	for (size_t i = 0; i < h->fc.n_rports; i++) {
		const struct fc_rport *r = &h->fc.rports[i];
		char dl[16], ff[16];
		tmo_text(r->dev_loss_tmo, dl, sizeof(dl), false);
		tmo_text(r->fast_io_fail_tmo, ff, sizeof(ff), true);
		fprintf(f, "  %-14s %#018" PRIx64 "  %-9s %-12s via host%u  dev_loss_tmo %s  fast_io_fail_tmo %s\n",
			r->name, r->port_name, r->state, r->target ? "target" : r->roles, r->host, dl, ff);
	}
}

static void text_maps(FILE *f, const struct blk_host *h)
{
	if (!h->mp.n_maps) {
		fprintf(f, "multipath: no maps\n");
		return;
	}
	fprintf(f, "multipath maps: %zu\n", h->mp.n_maps);
	for (size_t i = 0; i < h->mp.n_maps; i++) {
		const struct blk_map *bm = &h->maps[i];
		const struct mp_map *m = bm->mp;
		fprintf(f, "  %s (%s) %s  %s,%s  %zu/%zu paths live on %zu HBA%s  queueing %s  hwhandler '%s'%s\n",
			m->name, m->uuid, m->sysfs, m->vend, m->prod, bm->live, bm->n_paths,
			bm->hbas_live, bm->hbas_live == 1 ? "" : "s", m->queueing, m->hwhandler,
			bm->alua ? " (ALUA)" : "");
		const struct mp_group *g = NULL;
		for (size_t k = 0; k < bm->n_paths; k++) {
			const struct blk_path *p = &bm->paths[k];
			if (p->group != g) {
				g = p->group;
				fprintf(f, "    group %d  prio %d  %s  '%s'\n", g->group, g->pri, g->dm_st,
					g->selector);
			}
			fprintf(f, "      %-6s %-6s %s/%s", p->mp->dev, p->live ? "live" : "DOWN",
				p->mp->dm_st, p->mp->chk_st);
			if (p->port)
				fprintf(f, "  via host%u (HBA %s, %s)", p->port->host, p->hba,
					p->port->state);
			else if (p->hba[0])
				fprintf(f, "  via HBA %s", p->hba);
			else
				fprintf(f, "  via %s", p->mp->host_adapter);
			if (p->rport)
				fprintf(f, " -> %s (%s)", p->rport->name, p->rport->state);
			if (p->access_state[0])
				fprintf(f, "  %s", p->access_state);
			fprintf(f, "\n");
		}
	}
}

static void text_blkback(FILE *f, const struct blk_host *h)
{
	if (!h->bb.loaded) {
		fprintf(f, "blkback: xen_blkback not loaded\n");
		return;
	}
	fprintf(f, "blkback parameters:\n");
	for (int p = 0; p < BP_COUNT; p++) {
		if (!h->bb.present[p])
			continue;
		if (blkback_params[p].boolean)
			fprintf(f, "  %-32s %s", blkback_params[p].name, h->bb.value[p] ? "Y" : "N");
		else
			fprintf(f, "  %-32s %ld", blkback_params[p].name, h->bb.value[p]);
		fprintf(f, "%s\n", blkback_params[p].runtime ? "" : "  (set at load)");
	}
}

static void text_threads(FILE *f, const struct blk_host *h)
{
	fprintf(f, "blkback ring threads: %zu\n", h->rt.n);
	for (size_t i = 0; i < h->rt.n; i++) {
		const struct ring_thread *t = &h->rt.t[i];
		char cpus[256];
		cpuset_format(&t->allowed, cpus, sizeof(cpus));
		fprintf(f, "  %-15s pid %-7d may run on %s", t->comm, t->pid, cpus[0] ? cpus : "?");
		if (t->last_cpu >= 0)
			fprintf(f, ", last on %d", t->last_cpu);
		fprintf(f, "\n");
	}
	for (size_t i = 0; i < h->rt.n_impostors && i < RING_IMPOSTORS_MAX; i++)
		fprintf(f, "  not blkback's: pid %d '%s' is named as its ring threads but is no kernel thread\n",
			h->rt.impostors[i].pid, h->rt.impostors[i].comm);
	if (h->rt.n_impostors > RING_IMPOSTORS_MAX)
		fprintf(f, "  not blkback's: %zu more processes named as its ring threads\n",
			h->rt.n_impostors - RING_IMPOSTORS_MAX);
}

static void text_vbds(FILE *f, const struct blk_host *h)
{
	fprintf(f, "guests' disks: %zu\n", h->vbds.n);
	for (size_t i = 0; i < h->vbds.n; i++) {
		const struct vbd *v = &h->vbds.v[i];
		const struct blk_map *bm = blk_host_map_of(h, v);
		size_t rings = 0;
		int ring;
		for (size_t t = 0; t < h->rt.n; t++)
			rings += ring_thread_of(&h->rt.t[t], v->domid, v->vdev, &ring);
		fprintf(f, "  dom%-5u %-12s %-6s on %s", v->domid, v->guest[0] ? v->guest : "-", v->vdev,
			v->device);
		if (bm)
			fprintf(f, " = map %s (%zu/%zu paths live)", bm->mp->uuid, bm->live, bm->n_paths);
		else
			fprintf(f, " (not a multipath map)");
		fprintf(f, ", %zu ring thread%s\n", rings, rings == 1 ? "" : "s");
	}
}

int blk_show_text(const struct blk_host *h, char **out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	text_fc(f, h);
	text_maps(f, h);
	text_blkback(f, h);
	text_threads(f, h);
	text_vbds(f, h);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	return 0;
}

/* ---- JSON ---- */

static void js(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void jkv(yajl_gen g, const char *k, const char *v)
{
	js(g, k);
	js(g, v);
}

static void jki(yajl_gen g, const char *k, long long v)
{
	js(g, k);
	yajl_gen_integer(g, v);
}

static void jkwwn(yajl_gen g, const char *k, uint64_t v)
{
	char b[24];
	snprintf(b, sizeof(b), "%#018" PRIx64, v);
	jkv(g, k, b);
}

static void jkb(yajl_gen g, const char *k, bool v)
{
	js(g, k);
	yajl_gen_bool(g, v);
}

static void json_fc(yajl_gen g, const struct blk_host *h)
{
	js(g, "fc_ports");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < h->fc.n_ports; i++) {
		const struct fc_host_port *p = &h->fc.ports[i];
		yajl_gen_map_open(g);
		jki(g, "host", p->host);
		jkwwn(g, "port_name", p->port_name);
		jkwwn(g, "node_name", p->node_name);
		jkwwn(g, "fabric_name", p->fabric_name);
		jkv(g, "port_state", p->state);
		jkb(g, "online", p->online);
		jki(g, "speed_gbit", p->speed_gbit);
		jki(g, "speed_mbytes", fc_speed_mbytes(p->speed_gbit));
		jki(g, "max_supported_gbit", p->max_supported_gbit);
		jkv(g, "port_type", p->port_type);
		jkv(g, "pci", p->pci);
		jkv(g, "hba", p->card);
		jki(g, "numa_node", p->numa_node);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	js(g, "fc_remote_ports");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < h->fc.n_rports; i++) {
		const struct fc_rport *r = &h->fc.rports[i];
		yajl_gen_map_open(g);
		jkv(g, "name", r->name);
		jki(g, "host", r->host);
		jkwwn(g, "port_name", r->port_name);
		jkv(g, "port_state", r->state);
		jkb(g, "online", r->online);
		jkv(g, "roles", r->roles);
		jki(g, "dev_loss_tmo", r->dev_loss_tmo);
		/* -1: "off"; -2: not readable */
		jki(g, "fast_io_fail_tmo", r->fast_io_fail_tmo);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

static void json_maps(yajl_gen g, const struct blk_host *h)
{
	js(g, "maps");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < h->mp.n_maps; i++) {
		const struct blk_map *bm = &h->maps[i];
		const struct mp_map *m = bm->mp;
		yajl_gen_map_open(g);
		jkv(g, "name", m->name);
		jkv(g, "wwid", m->uuid);
		jkv(g, "sysfs", m->sysfs);
		jkv(g, "vendor", m->vend);
		jkv(g, "product", m->prod);
		jkv(g, "queueing", m->queueing);
		jkv(g, "failback", m->failback);
		jkv(g, "features", m->features);
		jkv(g, "hwhandler", m->hwhandler);
		jkb(g, "alua", bm->alua);
		jki(g, "paths_live", (long long)bm->live);
		jki(g, "hbas_live", (long long)bm->hbas_live);
		js(g, "path_groups");
		yajl_gen_array_open(g);
		for (size_t gi = 0; gi < m->n_groups; gi++) {
			const struct mp_group *gr = &m->groups[gi];
			yajl_gen_map_open(g);
			jki(g, "group", gr->group);
			jki(g, "pri", gr->pri);
			jkv(g, "dm_st", gr->dm_st);
			jkv(g, "selector", gr->selector);
			js(g, "paths");
			yajl_gen_array_open(g);
			for (size_t k = 0; k < bm->n_paths; k++) {
				const struct blk_path *p = &bm->paths[k];
				if (p->group != gr)
					continue;
				yajl_gen_map_open(g);
				jkv(g, "dev", p->mp->dev);
				jkv(g, "dm_st", p->mp->dm_st);
				jkv(g, "chk_st", p->mp->chk_st);
				jkb(g, "live", p->live);
				jkv(g, "hba", p->hba);
				jki(g, "host", p->port ? (long long)p->port->host : -1);
				jkv(g, "rport", p->rport ? p->rport->name : "");
				jkv(g, "access_state", p->access_state);
				yajl_gen_map_close(g);
			}
			yajl_gen_array_close(g);
			yajl_gen_map_close(g);
		}
		yajl_gen_array_close(g);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

static void json_rest(yajl_gen g, const struct blk_host *h)
{
	js(g, "blkback");
	yajl_gen_map_open(g);
	jkb(g, "loaded", h->bb.loaded);
	for (int p = 0; p < BP_COUNT; p++) {
		if (!h->bb.present[p])
			continue;
		js(g, blkback_params[p].name);
		if (blkback_params[p].boolean)
			yajl_gen_bool(g, h->bb.value[p] != 0);
		else
			yajl_gen_integer(g, h->bb.value[p]);
	}
	yajl_gen_map_close(g);
	js(g, "ring_threads");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < h->rt.n; i++) {
		const struct ring_thread *t = &h->rt.t[i];
		char cpus[1024];
		cpuset_format(&t->allowed, cpus, sizeof(cpus));
		yajl_gen_map_open(g);
		jkv(g, "comm", t->comm);
		jki(g, "pid", t->pid);
		jki(g, "domid", t->domid);
		jkv(g, "cpus_allowed", cpus);
		jki(g, "last_cpu", t->last_cpu);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	/* processes named as ring threads are, which are no kernel threads */
	js(g, "ring_thread_impostors");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < h->rt.n_impostors && i < RING_IMPOSTORS_MAX; i++) {
		yajl_gen_map_open(g);
		jkv(g, "comm", h->rt.impostors[i].comm);
		jki(g, "pid", h->rt.impostors[i].pid);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	jki(g, "ring_thread_impostors_seen", (long long)h->rt.n_impostors);
	js(g, "disks");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < h->vbds.n; i++) {
		const struct vbd *v = &h->vbds.v[i];
		const struct blk_map *bm = blk_host_map_of(h, v);
		yajl_gen_map_open(g);
		jki(g, "domid", v->domid);
		jkv(g, "guest", v->guest);
		jkv(g, "vdev", v->vdev);
		jkv(g, "device", v->device);
		jkv(g, "map", bm ? bm->mp->uuid : "");
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
}

int blk_show_json(yajl_gen g, const struct blk_host *h)
{
	if (yajl_gen_map_open(g) != yajl_gen_status_ok)
		return -EINVAL;
	json_fc(g, h);
	json_maps(g, h);
	json_rest(g, h);
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}
