/* verify: the host against the storage policy (see verify.h). */
#include "verify.h"
#include "plan.h"
#include "../lib/tuneplan.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int blk_verify_add(struct blk_verify *v, bool pass, const char *check, const char *object,
		   const char *figure, const char *fmt, ...)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		struct blk_check *nc = realloc(v->c, cap * sizeof(*nc));
		if (!nc)
			return -ENOMEM;
		v->c = nc;
		v->cap = cap;
	}
	struct blk_check *c = &v->c[v->n++];
	c->pass = pass;
	snprintf(c->check, sizeof(c->check), "%s", check);
	snprintf(c->object, sizeof(c->object), "%s", object);
	snprintf(c->figure, sizeof(c->figure), "%s", figure);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	v->failed += !pass;
	return 0;
}

void blk_verify_free(struct blk_verify *v)
{
	free(v->c);
	memset(v, 0, sizeof(*v));
}

int blk_verify(const struct blk_host *h, const struct storage_policy *p, struct blk_verify *v)
{
	memset(v, 0, sizeof(*v));
	int r = 0;
	char fig[48];
	if (!h->mp.n_maps)
		return blk_verify_add(v, true, "paths", "host", "0 maps", "no multipath maps: nothing to check");
	for (size_t i = 0; i < h->mp.n_maps && r == 0; i++) {
		const struct blk_map *bm = &h->maps[i];
		const struct mp_map *m = bm->mp;
		unsigned paths, hbas;
		storage_policy_for(p, m->uuid, &paths, &hbas);
		snprintf(fig, sizeof(fig), "%zu paths, %zu HBAs", bm->live, bm->hbas_live);
		r = blk_verify_add(v, bm->live >= paths && bm->hbas_live >= hbas, "paths", m->uuid, fig,
			"map %s (%s): %zu live path%s of %zu across %zu HBA%s; the policy wants %u across %u",
			m->name, m->uuid, bm->live, bm->live == 1 ? "" : "s", bm->n_paths, bm->hbas_live,
			bm->hbas_live == 1 ? "" : "s", paths, hbas);
		if (r < 0)
			break;
		int checks;
		enum mp_queueing q = mpath_queueing(m, &checks);
		snprintf(fig, sizeof(fig), "%s", m->queueing);
		if (q == MP_QUEUE_FOREVER)
			r = blk_verify_add(v, false, "queueing", m->uuid, fig,
				"map %s queues forever when its last path goes (queueing '%s', features '%s')",
				m->name, m->queueing, m->features);
		else if (q == MP_QUEUE_BOUNDED && checks)
			r = blk_verify_add(v, true, "queueing", m->uuid, fig,
				"map %s queues %d checks x %d s = %d s, then fails I/O", m->name, checks,
				STORAGE_POLLING_INTERVAL, checks * STORAGE_POLLING_INTERVAL);
		else
			r = blk_verify_add(v, true, "queueing", m->uuid, fig, "map %s does not queue forever (queueing '%s')",
				m->name, m->queueing);
	}
	if (r < 0)
		return r;
	struct blk_budget b;
	blk_budget(h, p, &b);
	size_t off_fc, live = blk_host_live_paths(h, &off_fc);
	if (live && off_fc == live)
		return blk_verify_add(v, false, "budget", "host", "unknown",
			   "storage budget not known: the %zu live path%s run%s through no FC port, "
			   "which alone reports its speed; the policy wants %u",
			   live, live == 1 ? "" : "s", live == 1 ? "s" : "", p->target_mbytes);
	snprintf(fig, sizeof(fig), "%u MB/s", b.mbytes);
	return blk_verify_add(v, b.mbytes >= p->target_mbytes, "budget", "host", fig,
		   "storage budget %u MB/s over %zu live initiator-target port pair%s; the policy wants %u%s",
		   b.mbytes, b.pairs, b.pairs == 1 ? "" : "s", p->target_mbytes,
		   b.target_speed_known ? "" : " (array port speed unknown: taken as the HBA port's)");
}

int blk_verify_applied(const struct blk_host *h, const struct storage_policy *p,
		       const struct tune_plan *applied, struct blk_verify *v)
{
	struct tune_plan now;
	tune_plan_init(&now);
	int r = blk_plan(h, p, &now);
	for (size_t i = 0; i < applied->n && r == 0; i++) {
		const struct tune_item *it = &applied->items[i];
		const struct tune_item *pend = NULL;
		for (size_t k = 0; k < now.n && !pend; k++)
			if (now.items[k].kind == TUNE_CHANGE && !strcmp(now.items[k].area, it->area) &&
			    !strcmp(now.items[k].object, it->object))
				pend = &now.items[k];
		if (!pend)
			r = blk_verify_add(v, true, "applied", it->object, it->to, "%s %s is %s as applied",
				it->area, it->object, it->to);
		else if (it->deferred)
			r = blk_verify_add(v, true, "applied", it->object, it->to, "%s %s: %s", it->area,
				it->object, it->deferred);
		else
			r = blk_verify_add(v, false, "applied", it->object, pend->from,
				"%s %s is %s, the applied plan set %s", it->area, it->object,
				*pend->from ? pend->from : "unset", it->to);
	}
	tune_plan_free(&now);
	return r;
}

int blk_verify_text(const struct blk_verify *v, char **out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < v->n; i++)
		fprintf(f, "%s: %s\n", v->c[i].pass ? "pass" : "FAIL", v->c[i].detail);
	fprintf(f, "%zu passed, %zu failed\n", v->n - v->failed, v->failed);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	return 0;
}

static void js(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

int blk_verify_json(yajl_gen g, const struct blk_verify *v)
{
	yajl_gen_map_open(g);
	js(g, "passed");
	yajl_gen_integer(g, (long long)(v->n - v->failed));
	js(g, "failed");
	yajl_gen_integer(g, (long long)v->failed);
	js(g, "checks");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < v->n; i++) {
		const struct blk_check *c = &v->c[i];
		yajl_gen_map_open(g);
		js(g, "pass");
		yajl_gen_bool(g, c->pass);
		js(g, "check");
		js(g, c->check);
		js(g, "object");
		js(g, c->object);
		js(g, "figure");
		js(g, c->figure);
		js(g, "detail");
		js(g, c->detail);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}
