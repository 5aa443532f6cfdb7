/* io_survey: the host's I/O picture, made in a child job (see io_survey.h). */
#include "io_survey.h"
#include "../blkback/plan.h"
#include "../blkback/policy.h"
#include "../lib/errmsg.h"
#include "../lib/jsonw.h"
#include "../lib/strv.h"
#include "../netback-tune/linkwatch.h"
#include "../netback-tune/nethost.h"
#include "../netback-tune/sysfile.h"
#include "../netback-tune/uplink.h"
#include "tune_run.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct survey {
	const struct io_survey_req *q;
	struct nt_host *nh; /* NULL: not read (a note says why) */
	struct sysroot root;
	bool root_open;
	struct blk_host bh;
	bool have_bh;
	struct storage_policy sp;
	char **notes;
	size_t n_notes;
};


/* ---- net ---- */

/* Whether interface N is a guest's (by its name or vif-bridge's alias),
 * and whose. */
static bool guest_nic(struct survey *s, const struct nt_nic *n, unsigned *domid)
{
	if (n->kind == NT_NIC_VIF) {
		*domid = (unsigned)n->domid;
		return true;
	}
	char path[96], alias[64] = "";
	snprintf(path, sizeof(path), "sys/class/net/%s/ifalias", n->name);
	if (s->root_open && sf_line(&s->root, path, alias, sizeof(alias)))
		alias[0] = '\0';
	return nt_link_guest(n->name, alias, domid);
}

static bool in_bridge(const struct nt_host *h, const struct nt_nic *n)
{
	const struct nt_nic *m = n->master[0] ? nt_host_nic(h, n->master) : NULL;
	return m && m->kind == NT_NIC_BRIDGE;
}

static int gen_member(yajl_gen g, const struct nt_host *h, const char *name, bool mii_up)
{
	const struct nt_nic *n = nt_host_nic(h, name);
	bool up = mii_up && (!n || nt_nic_up(n));
	return yajl_gen_map_open(g) || jw_kv_str(g, "name", name) || jw_kv_bool(g, "up", up) ||
			       yajl_gen_map_close(g)
		       ? -EINVAL
		       : 0;
}

static int gen_bond(yajl_gen g, const struct nt_host *h, const struct nt_nic *b)
{
	const struct nt_bond_info *rep = b->has_report ? &b->bond : NULL;
	if (yajl_gen_map_open(g) || jw_kv_str(g, "name", b->name) ||
	    jw_kv_str(g, "mode", rep ? nt_bond_mode_name(rep->mode) : "") ||
	    jw_kv_str(g, "bridge", b->master) || jw_kv_bool(g, "up", nt_nic_up(b)) ||
	    jw_str(g, "members") || yajl_gen_array_open(g))
		return -EINVAL;
	for (size_t i = 0; rep && i < rep->n_slaves; i++)
		if (gen_member(g, h, rep->slaves[i].name, rep->slaves[i].mii_up))
			return -EINVAL;
	/* Without the bonding driver's report: the NICs sysfs puts in it. */
	for (size_t i = 0; !rep && i < h->n_nics; i++)
		if (!strcmp(h->nics[i].master, b->name) && gen_member(g, h, h->nics[i].name, true))
			return -EINVAL;
	return yajl_gen_array_close(g) || yajl_gen_map_close(g) ? -EINVAL : 0;
}

static int gen_bridge(yajl_gen g, struct survey *s, const struct nt_nic *br)
{
	const struct nt_host *h = s->nh;
	if (yajl_gen_map_open(g) || jw_kv_str(g, "name", br->name) || jw_str(g, "guests") ||
	    yajl_gen_array_open(g))
		return -EINVAL;
	for (size_t i = 0; i < h->n_nics; i++) {
		const struct nt_nic *n = &h->nics[i];
		unsigned domid;
		if (strcmp(n->master, br->name) || !guest_nic(s, n, &domid))
			continue;
		if (yajl_gen_map_open(g) || jw_kv_int(g, "domid", domid) ||
		    jw_kv_str(g, "vif", n->name) || yajl_gen_map_close(g))
			return -EINVAL;
	}
	return yajl_gen_array_close(g) || yajl_gen_map_close(g) ? -EINVAL : 0;
}

static int gen_net(yajl_gen g, struct survey *s)
{
	const struct nt_host *h = s->nh;
	if (jw_str(g, "net") || yajl_gen_map_open(g) || jw_str(g, "bonds") ||
	    yajl_gen_array_open(g))
		return -EINVAL;
	for (size_t i = 0; h && i < h->n_nics; i++)
		if (h->nics[i].kind == NT_NIC_BOND && gen_bond(g, h, &h->nics[i]))
			return -EINVAL;
	if (yajl_gen_array_close(g) || jw_str(g, "ports") || yajl_gen_array_open(g))
		return -EINVAL;
	for (size_t i = 0; h && i < h->n_nics; i++) {
		const struct nt_nic *n = &h->nics[i];
		unsigned domid;
		if (n->kind == NT_NIC_BOND || n->kind == NT_NIC_BRIDGE || !in_bridge(h, n) ||
		    guest_nic(s, n, &domid))
			continue;
		if (yajl_gen_map_open(g) || jw_kv_str(g, "name", n->name) ||
		    jw_kv_str(g, "bridge", n->master) || jw_kv_bool(g, "up", nt_nic_up(n)) ||
		    yajl_gen_map_close(g))
			return -EINVAL;
	}
	if (yajl_gen_array_close(g) || jw_str(g, "bridges") || yajl_gen_array_open(g))
		return -EINVAL;
	for (size_t i = 0; h && i < h->n_nics; i++)
		if (h->nics[i].kind == NT_NIC_BRIDGE && gen_bridge(g, s, &h->nics[i]))
			return -EINVAL;
	return yajl_gen_array_close(g) || yajl_gen_map_close(g) ? -EINVAL : 0;
}

/* ---- storage ---- */

static int gen_map(yajl_gen g, const struct blk_host *h, const struct blk_map *bm)
{
	const struct mp_map *m = bm->mp;
	if (yajl_gen_map_open(g) || jw_kv_str(g, "name", m->name) || jw_kv_str(g, "wwid", m->uuid) ||
	    jw_kv_int(g, "live", (long long)bm->live) ||
	    jw_kv_int(g, "total", (long long)bm->n_paths) || jw_str(g, "paths") ||
	    yajl_gen_array_open(g))
		return -EINVAL;
	for (size_t i = 0; i < bm->n_paths; i++) {
		const struct blk_path *p = &bm->paths[i];
		if (yajl_gen_map_open(g) || jw_kv_str(g, "dev", p->mp->dev) ||
		    jw_kv_bool(g, "live", p->live) || jw_kv_str(g, "dm_st", p->mp->dm_st) ||
		    jw_kv_str(g, "chk_st", p->mp->chk_st) ||
		    jw_kv_str(g, "hba", p->hba[0] ? p->hba : p->mp->host_adapter) ||
		    yajl_gen_map_close(g))
			return -EINVAL;
	}
	if (yajl_gen_array_close(g) || jw_str(g, "guests") || yajl_gen_array_open(g))
		return -EINVAL;
	for (size_t i = 0; i < h->vbds.n; i++) {
		const struct vbd *v = &h->vbds.v[i];
		if (blk_host_map_of(h, v) != bm)
			continue;
		if (yajl_gen_map_open(g) || jw_kv_int(g, "domid", v->domid) ||
		    jw_kv_str(g, "vdev", v->vdev) || jw_kv_str(g, "name", v->guest) ||
		    yajl_gen_map_close(g))
			return -EINVAL;
	}
	return yajl_gen_array_close(g) || yajl_gen_map_close(g) ? -EINVAL : 0;
}

static int gen_storage(yajl_gen g, struct survey *s)
{
	struct blk_budget b = { 0 };
	if (s->have_bh)
		blk_budget(&s->bh, &s->sp, &b);
	if (jw_str(g, "storage") || yajl_gen_map_open(g) || jw_str(g, "maps") ||
	    yajl_gen_array_open(g))
		return -EINVAL;
	for (size_t i = 0; s->have_bh && i < s->bh.mp.n_maps; i++)
		if (gen_map(g, &s->bh, &s->bh.maps[i]))
			return -EINVAL;
	return yajl_gen_array_close(g) || jw_kv_int(g, "budget_mbytes", b.mbytes) ||
			       jw_kv_int(g, "pairs", (long long)b.pairs) ||
			       jw_kv_int(g, "target_mbytes", s->sp.target_mbytes) ||
			       yajl_gen_map_close(g)
		       ? -EINVAL
		       : 0;
}

static int gen_all(yajl_gen g, void *arg)
{
	struct survey *s = arg;
	if (yajl_gen_map_open(g) || gen_net(g, s) || gen_storage(g, s) || jw_str(g, "notes") ||
	    yajl_gen_array_open(g))
		return -EINVAL;
	for (size_t i = 0; i < s->n_notes; i++)
		if (jw_str(g, s->notes[i]))
			return -EINVAL;
	for (size_t i = 0; s->nh && i < s->nh->n_notes; i++)
		if (jw_str(g, s->nh->notes[i]))
			return -EINVAL;
	return yajl_gen_array_close(g) || yajl_gen_map_close(g) ? -EINVAL : 0;
}

/* ---- reading ---- */

/* The storage policy of xcdd's io.conf; the defaults (noted) when absent or
 * bad, since a summary is still worth having. */
static int read_policy(struct survey *s)
{
	struct tune_req q = { .policy_name = s->q->policy, .may_be_missing = true };
	struct tune_policy tp;
	char err[XCD_ERR_MAX];
	int rc = tune_policy_get(&q, &tp, err, sizeof(err));
	if (rc == 0 && tp.text &&
	    storage_policy_parse(q.policy_name, tp.text, tp.len, &s->sp, err, sizeof(err)) < 0) {
		storage_policy_free(&s->sp);
		storage_policy_default(&s->sp);
		rc = -EINVAL;
	}
	tune_policy_free(&tp);
	if (rc == -ENOMEM)
		return rc;
	return rc < 0 ? strv_addf(&s->notes, &s->n_notes, "%s: the storage target is the default's",
				  err)
		      : 0;
}

static int read_storage(struct survey *s)
{
	char err[XCD_ERR_MAX], lnote[800] = "";
	struct blk_inputs live, *in = NULL;
	struct vbd_list vbds = { 0 };
	char *mp = NULL;
	int rc = 0;
	if (strcmp(s->q->sysroot, "/") == 0) {
		if ((rc = tune_live_storage(s->q->doms, s->q->n_doms, &live, &mp, &vbds, lnote,
					    sizeof(lnote))) < 0)
			return rc;
		in = &live;
	}
	rc = blk_host_read_with(s->q->sysroot, in, &s->bh, err, sizeof(err));
	s->have_bh = rc == 0;
	free(mp);
	vbds_free(&vbds);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0 && strv_addf(&s->notes, &s->n_notes, "storage: %s", err))
		return -ENOMEM;
	return lnote[0] ? strv_addf(&s->notes, &s->n_notes, "%s", lnote) : 0;
}

int io_survey_run(const struct io_survey_req *q, char **out, size_t *len)
{
	struct survey s = { .q = q };
	char err[XCD_ERR_MAX];
	storage_policy_default(&s.sp);
	int rc = read_policy(&s);
	if (rc == 0 &&
	    nt_host_read_kept(q->sysroot, NT_READ_AUTO, q->kept, &s.nh, err, sizeof(err)) < 0) {
		s.nh = NULL;
		rc = strv_addf(&s.notes, &s.n_notes, "net: %s", err);
	}
	s.root_open = sysroot_open(&s.root, q->sysroot) == 0;
	if (rc == 0)
		rc = read_storage(&s);
	if (rc == 0)
		rc = jw_doc(gen_all, &s, false, out, len);
	if (s.root_open)
		sysroot_close(&s.root);
	if (s.nh)
		nt_host_free(s.nh);
	if (s.have_bh)
		blk_host_free(&s.bh);
	storage_policy_free(&s.sp);
	strv_free(s.notes, s.n_notes);
	return rc;
}
