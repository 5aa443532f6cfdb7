/* io_place: a starting guest's queues and rings placed (see io_place.h). */
#include "io_place.h"
#include "../blkback/apply.h"
#include "../blkback/plan.h"
#include "../blkback/policy.h"
#include "../lib/errmsg.h"
#include "../lib/fdio.h"
#include "../lib/jsonw.h"
#include "../lib/strv.h"
#include "../lib/tuneapply.h"
#include "../netback-tune/apply.h"
#include "../netback-tune/plan.h"
#include "../netback-tune/policy.h"
#include "tune_run.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PLACE_POLL_MS 1000

struct place {
	const struct io_place_req *q;
	struct tune_policy tp;
	struct nt_host *nh;  /* the last read */
	struct blk_host bh;
	bool have_bh;
	char bh_err[XCD_ERR_MAX];
	struct tune_plan placed; /* the changes made (kind TUNE_CHANGE) */
	struct tune_plan failed; /* object, and the error as its reason */
	char **notes;
	size_t n_notes;
	uint64_t waited_ms;
};


static int failed(struct place *p, const char *object, const char *err)
{
	return tune_plan_add(&p->failed, TUNE_WARNING, "", object, "", "", "", "%s", err);
}

/* ---- reading the host until the guest's devices are there ---- */

static void hosts_free(struct place *p)
{
	if (p->nh)
		nt_host_free(p->nh);
	p->nh = NULL;
	if (p->have_bh)
		blk_host_free(&p->bh);
	p->have_bh = false;
}

static int read_hosts(struct place *p)
{
	const struct io_place_req *q = p->q;
	char err[XCD_ERR_MAX];
	hosts_free(p);
	if (q->n_vifs && nt_host_read(q->sysroot, &p->nh, err, sizeof(err)) < 0) {
		p->nh = NULL;
		if (failed(p, "net", err))
			return -ENOMEM;
	}
	if (!q->n_disks)
		return 0;
	struct blk_inputs live, *in = NULL;
	struct vbd_list vbds = { 0 };
	char *mp = NULL, lnote[800];
	int rc = 0;
	if (!strcmp(q->sysroot, "/")) {
		if ((rc = tune_live_storage(q->doms, q->n_doms, &live, &mp, &vbds, lnote,
					    sizeof(lnote))) < 0)
			return rc;
		in = &live;
	}
	rc = blk_host_read_with(q->sysroot, in, &p->bh, p->bh_err, sizeof(p->bh_err));
	p->have_bh = rc == 0;
	free(mp);
	vbds_free(&vbds);
	return rc == -ENOMEM ? rc : 0;
}

/* A vif's state: 1 its queues' threads are all there, 0 not yet, -1 it has
 * none to place (no such interface, not netback's). */
static int vif_ready(const struct nt_host *h, const char *vif)
{
	const struct nt_nic *n = h ? nt_host_nic(h, vif) : NULL;
	if (!n || n->kind != NT_NIC_VIF)
		return -1;
	if (!n->n_queues)
		return 0;
	for (unsigned k = 0; k < n->n_queues; k++)
		if (n->queues[k].rx_pid < 0 && n->queues[k].dealloc_pid < 0)
			return 0;
	return 1;
}

static const struct vbd *disk_vbd(const struct blk_host *h, unsigned domid, const char *vdev)
{
	for (size_t i = 0; i < h->vbds.n; i++)
		if (h->vbds.v[i].domid == domid && !strcmp(h->vbds.v[i].vdev, vdev))
			return &h->vbds.v[i];
	return NULL;
}

/* A disk's state, as vif_ready's: -1 when not on a multipath map. */
static int disk_ready(const struct place *p, const char *vdev)
{
	if (!p->have_bh)
		return -1;
	const struct vbd *v = disk_vbd(&p->bh, p->q->domid, vdev);
	if (!v || !blk_host_map_of(&p->bh, v))
		return -1;
	for (size_t t = 0; t < p->bh.rt.n; t++) {
		int ring;
		if (ring_thread_of(&p->bh.rt.t[t], p->q->domid, vdev, &ring))
			return 1;
	}
	return 0;
}

static size_t pending(const struct place *p)
{
	size_t n = 0;
	for (size_t i = 0; i < p->q->n_vifs; i++)
		n += vif_ready(p->nh, p->q->vifs[i]) == 0;
	for (size_t i = 0; i < p->q->n_disks; i++)
		n += disk_ready(p, p->q->disks[i]) == 0;
	return n;
}

static int wait_devices(struct place *p)
{
	uint64_t start = mono_ms(), end = start + p->q->wait_ms, now;
	int rc;
	while ((rc = read_hosts(p)) == 0 && pending(p) && (now = mono_ms()) < end)
		usleep((useconds_t)(end - now < PLACE_POLL_MS ? end - now : PLACE_POLL_MS) * 1000);
	p->waited_ms = mono_ms() - start;
	return rc;
}

/* What the devices are once the wait is over, in notes and failures. */
static int say_devices(struct place *p)
{
	const struct io_place_req *q = p->q;
	int rc = 0;
	char msg[256];
	for (size_t i = 0; i < q->n_vifs && rc == 0; i++) {
		const char *v = q->vifs[i];
		const struct nt_nic *n = p->nh ? nt_host_nic(p->nh, v) : NULL;
		int st = vif_ready(p->nh, v);
		if (st < 0 && p->nh)
			rc = strv_addf(&p->notes, &p->n_notes,
				       n ? "%s is not netback's (no xen-backend device): nothing to place"
					 : "%s: no such interface: nothing to place",
				       v);
		if (st == 0) {
			snprintf(msg, sizeof(msg),
				 "no queue threads after %llu s: its frontend has not connected",
				 (unsigned long long)((p->waited_ms + 500) / 1000));
			rc = failed(p, v, msg);
		}
	}
	for (size_t i = 0; i < q->n_disks && rc == 0; i++) {
		int st = disk_ready(p, q->disks[i]);
		if (st < 0 && !p->have_bh)
			rc = strv_addf(&p->notes, &p->n_notes, "%s: the storage side was not read (%s)",
				       q->disks[i], p->bh_err);
		else if (st < 0)
			rc = strv_addf(&p->notes, &p->n_notes,
				       "%s is on no multipath map: no HBA to be near", q->disks[i]);
		if (st == 0) {
			snprintf(msg, sizeof(msg),
				 "no ring threads after %llu s: its frontend has not connected",
				 (unsigned long long)((p->waited_ms + 500) / 1000));
			rc = failed(p, q->disks[i], msg);
		}
	}
	return rc;
}

/* ---- the plan's items for this guest, each made on its own ---- */

static bool ours(const struct io_place_req *q, const struct tune_item *it)
{
	char want[64];
	if (it->kind != TUNE_CHANGE)
		return false;
	if (!strcmp(it->area, "vif-queue")) {
		for (size_t i = 0; i < q->n_vifs; i++) {
			size_t l = strlen(q->vifs[i]);
			if (!strncmp(it->object, q->vifs[i], l) && !strncmp(it->object + l, "-q", 2))
				return true;
		}
	} else if (!strcmp(it->area, "blkback-ring")) {
		for (size_t i = 0; i < q->n_disks; i++) {
			snprintf(want, sizeof(want), "blkback.%u.%s", q->domid, q->disks[i]);
			if (!strcmp(it->object, want))
				return true;
		}
	}
	return false;
}

static int nosave(const struct tj *j, void *arg, char *err, size_t errlen)
{
	(void)j, (void)arg, (void)err, (void)errlen;
	return 0;
}

struct maker {
	struct ta_ctx c;
	struct tj j;
	struct nt_apply na;
	const struct storage_policy *sp;
};

/* IT made on its own: a plan of it alone, its changes, applied. */
static int make_one(struct place *p, struct maker *m, const struct tune_item *it)
{
	struct tune_plan one;
	struct ta_change *ch = NULL;
	size_t n = 0;
	char err[XCD_ERR_MAX] = "";
	tune_plan_init(&one);
	int rc = tune_plan_add(&one, it->kind, it->area, it->object, it->from, it->to, it->figure,
			       "%s", it->reason);
	bool net = !strcmp(it->area, "vif-queue");
	m->c.ext = net ? &m->na.ext : &blk_apply_ext;
	if (rc == 0)
		rc = net ? nt_apply_changes(&m->c, &m->na, p->nh, &one, &ch, &n, err, sizeof(err))
			 : blk_apply_changes(&m->c, &p->bh, m->sp, &one, &ch, &n, err, sizeof(err));
	if (rc == 0 && n)
		rc = ta_apply(&m->c, ch, n, 0, err, sizeof(err));
	ta_changes_free(ch, n);
	tune_plan_free(&one);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0)
		return failed(p, it->object, err);
	return tune_plan_add(&p->placed, it->kind, it->area, it->object, it->from, it->to,
			     it->figure, "%s", it->reason);
}

static int make_plan(struct place *p, const struct tune_plan *plan,
		     const struct storage_policy *sp)
{
	struct maker m;
	char err[XCD_ERR_MAX];
	int rc = ta_open(&m.c, p->q->sysroot, err, sizeof(err));
	if (rc < 0)
		return failed(p, "sysroot", err);
	tj_init(&m.j, "net", p->q->sysroot);
	nt_apply_init(&m.na);
	m.c.j = &m.j;
	m.c.save = nosave;
	m.sp = sp;
	for (size_t i = 0; i < plan->n && rc == 0; i++)
		if (ours(p->q, &plan->items[i]))
			rc = make_one(p, &m, &plan->items[i]);
	nt_apply_fini(&m.na);
	tj_free(&m.j);
	ta_close(&m.c);
	return rc;
}

/* A vif with fewer queues than the policy wants: said, since only netback's
 * max_queues (for guests started after) and the guest can change it. */
static int check_queues(struct place *p, const struct nt_policy *np)
{
	long want = nt_plan_want_queues(p->nh, np);
	for (size_t i = 0; i < p->q->n_vifs; i++) {
		const struct nt_nic *n = nt_host_nic(p->nh, p->q->vifs[i]);
		if (n && n->kind == NT_NIC_VIF && n->n_queues && (long)n->n_queues < want &&
		    strv_addf(&p->notes, &p->n_notes,
			      "%s has %u queue%s, the policy wants %ld (netback's max_queues is %s; the guest's netfront may ask fewer)",
			      n->name, n->n_queues, n->n_queues == 1 ? "" : "s", want,
			      p->nh->nb_present[NT_NB_MAX_QUEUES] ? p->nh->nb_value[NT_NB_MAX_QUEUES]
								   : "unknown"))
			return -ENOMEM;
	}
	return 0;
}

static int place_net(struct place *p)
{
	struct nt_policy *np = calloc(1, sizeof(*np));
	struct tune_plan plan;
	char err[XCD_ERR_MAX];
	tune_plan_init(&plan);
	int rc = np ? 0 : -ENOMEM;
	if (rc == 0 && p->tp.text &&
	    nt_policy_parse(p->q->policy, p->tp.text, p->tp.len, p->nh, np, err, sizeof(err)) < 0)
		rc = failed(p, "policy", err) ? -ENOMEM : 1;
	if (rc == 0 && (rc = nt_plan(p->nh, np, &plan)) == 0 && (rc = check_queues(p, np)) == 0)
		rc = make_plan(p, &plan, NULL);
	tune_plan_free(&plan);
	free(np);
	return rc < 0 ? rc : 0;
}

static int place_storage(struct place *p)
{
	struct storage_policy sp;
	struct tune_plan plan;
	char err[XCD_ERR_MAX];
	storage_policy_default(&sp);
	tune_plan_init(&plan);
	int rc = 0;
	if (p->tp.text &&
	    storage_policy_parse(p->q->policy, p->tp.text, p->tp.len, &sp, err, sizeof(err)) < 0)
		rc = failed(p, "policy", err) ? -ENOMEM : 1;
	if (rc == 0 && (rc = blk_plan(&p->bh, &sp, &plan)) == 0)
		rc = make_plan(p, &plan, &sp);
	tune_plan_free(&plan);
	storage_policy_free(&sp);
	return rc < 0 ? rc : 0;
}

/* ---- the answer ---- */

static int gen_items(yajl_gen g, const char *key, const struct tune_plan *pl, bool made)
{
	if (jw_str(g, key) || yajl_gen_array_open(g))
		return -EINVAL;
	for (size_t i = 0; i < pl->n; i++) {
		const struct tune_item *it = &pl->items[i];
		if (yajl_gen_map_open(g) || jw_kv_str(g, "object", it->object) ||
		    (made && (jw_kv_str(g, "area", it->area) || jw_kv_str(g, "from", it->from) ||
			      jw_kv_str(g, "to", it->to) || jw_kv_str(g, "reason", it->reason))) ||
		    (!made && jw_kv_str(g, "error", it->reason)) || yajl_gen_map_close(g))
			return -EINVAL;
	}
	return yajl_gen_array_close(g) ? -EINVAL : 0;
}

static int gen_answer(yajl_gen g, void *arg)
{
	const struct place *p = arg;
	if (yajl_gen_map_open(g) || jw_kv_int(g, "domid", p->q->domid) ||
	    jw_kv_str(g, "name", p->q->name) || gen_items(g, "placed", &p->placed, true) ||
	    gen_items(g, "failed", &p->failed, false) || jw_str(g, "notes") ||
	    yajl_gen_array_open(g))
		return -EINVAL;
	for (size_t i = 0; i < p->n_notes; i++)
		if (jw_str(g, p->notes[i]))
			return -EINVAL;
	return yajl_gen_array_close(g) || jw_kv_int(g, "waited_ms", (long long)p->waited_ms) ||
			       yajl_gen_map_close(g)
		       ? -EINVAL
		       : 0;
}

int io_place_run(const struct io_place_req *q, char **out, size_t *len)
{
	struct place p = { .q = q };
	char err[XCD_ERR_MAX];
	tune_plan_init(&p.placed);
	tune_plan_init(&p.failed);
	struct tune_req tq = { .policy_name = q->policy, .may_be_missing = true };
	int rc = tune_policy_get(&tq, &p.tp, err, sizeof(err));
	if (rc < 0 && rc != -ENOMEM)
		rc = failed(&p, "policy", err);
	else if (rc == 0 && (rc = wait_devices(&p)) == 0 && (rc = say_devices(&p)) == 0) {
		if (p.nh)
			rc = place_net(&p);
		if (rc == 0 && p.have_bh)
			rc = place_storage(&p);
	}
	if (rc == 0)
		rc = jw_doc(gen_answer, &p, false, out, len);
	hosts_free(&p);
	tune_policy_free(&p.tp);
	tune_plan_free(&p.placed);
	tune_plan_free(&p.failed);
	strv_free(p.notes, p.n_notes);
	return rc;
}
