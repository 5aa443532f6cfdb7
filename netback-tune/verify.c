/* verify: the host against policy and plan (see verify.h). */
#include "verify.h"
#include "../lib/jsonw.h"
#include "plan.h"
#include "uplink.h"
#include "../lib/strmap.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nt_verify_free(struct nt_verify *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->c[i].area);
		free(v->c[i].object);
		free(v->c[i].figure);
		free(v->c[i].detail);
	}
	free(v->c);
	memset(v, 0, sizeof(*v));
}

static int check(struct nt_verify *v, bool pass, const char *area, const char *object,
		 const char *figure, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int check(struct nt_verify *v, bool pass, const char *area, const char *object,
		 const char *figure, const char *fmt, ...)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 32;
		struct nt_check *nc = realloc(v->c, cap * sizeof(*nc));
		if (!nc)
			return -ENOMEM;
		v->c = nc;
		v->cap = cap;
	}
	struct nt_check c = { .pass = pass };
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&c.detail, fmt, ap) < 0)
		c.detail = NULL;
	va_end(ap);
	c.area = strdup(area);
	c.object = strdup(object);
	c.figure = strdup(figure);
	if (!c.detail || !c.area || !c.object || !c.figure) {
		free(c.detail);
		free(c.area);
		free(c.object);
		free(c.figure);
		return -ENOMEM;
	}
	v->c[v->n++] = c;
	v->n_fail += !pass;
	return 0;
}

#define CHECK(...)                          \
	do {                                \
		if (check(__VA_ARGS__))  \
			return -ENOMEM;     \
	} while (0)

static int verify_bond(const struct nt_host *h, const struct nt_bond_policy *b,
		       struct nt_verify *v)
{
	const struct nt_nic *n = nt_host_nic(h, b->name);
	if (!n || n->kind != NT_NIC_BOND || !n->has_report) {
		CHECK(v, false, "bond", b->name, "0 members", "%s %s", b->name,
		      n ? "has no bonding report" : "does not exist");
		return 0;
	}
	const struct nt_bond_info *r = &n->bond;
	char fig[64];
	CHECK(v, r->mode == b->mode, "bond", b->name, nt_bond_mode_name(r->mode),
	      "mode %s%s%s", nt_bond_mode_name(r->mode), r->mode == b->mode ? "" : ", the policy wants ",
	      r->mode == b->mode ? "" : nt_bond_mode_name(b->mode));
	if (b->hash_policy[0])
		CHECK(v, !strcmp(r->hash_policy, b->hash_policy), "bond", b->name,
		      r->hash_policy[0] ? r->hash_policy : "unset",
		      "transmit hash policy %s%s%s", r->hash_policy[0] ? r->hash_policy : "unset",
		      strcmp(r->hash_policy, b->hash_policy) ? ", the policy wants " : "",
		      strcmp(r->hash_policy, b->hash_policy) ? b->hash_policy : "");
	snprintf(fig, sizeof(fig), "%d ms", r->miimon_ms);
	CHECK(v, r->miimon_ms == b->miimon_ms, "bond", b->name, fig, "MII monitoring every %d ms (the policy: %ld)",
	      r->miimon_ms, b->miimon_ms);
	/* Members: the policy's, each present and up; no others. */
	size_t up = 0;
	char missing[256] = "", extra[256] = "";
	for (size_t i = 0; i < b->n_nics; i++) {
		const struct nt_bond_slave *sl = NULL;
		for (size_t k = 0; k < r->n_slaves; k++)
			if (!strcmp(r->slaves[k].name, b->nics[i]))
				sl = &r->slaves[k];
		const struct nt_nic *nic = nt_host_nic(h, b->nics[i]);
		size_t off = strlen(missing);
		if (!sl)
			snprintf(missing + off, sizeof(missing) - off, "%s%s not a member", off ? "; " : "",
				 b->nics[i]);
		else if (!sl->mii_up || !nic || !nt_nic_up(nic))
			snprintf(missing + off, sizeof(missing) - off, "%s%s down (link failures: %u)",
				 off ? "; " : "", b->nics[i], sl->link_failures);
		else
			up++;
	}
	for (size_t k = 0; k < r->n_slaves; k++) {
		bool wanted = false;
		for (size_t i = 0; i < b->n_nics; i++)
			wanted |= !strcmp(r->slaves[k].name, b->nics[i]);
		size_t off = strlen(extra);
		if (!wanted)
			snprintf(extra + off, sizeof(extra) - off, "%s%s", off ? ", " : "",
				 r->slaves[k].name);
	}
	snprintf(fig, sizeof(fig), "%zu of %zu members up", up, b->n_nics);
	bool ok = up == b->n_nics && !extra[0];
	CHECK(v, ok, "bond", b->name, fig, "%s%s%s%s%s", ok ? "every member up" : missing,
	      missing[0] && extra[0] ? "; " : "", extra[0] ? "not in the policy: " : "", extra,
	      "");
	CHECK(v, r->mii_up, "bond", b->name, r->mii_up ? "up" : "down", "the bond's link is %s",
	      r->mii_up ? "up" : "down");
	if (b->mode == NT_BOND_8023AD && r->mode == NT_BOND_8023AD) {
		bool partner = r->partner_mac[0] && strcmp(r->partner_mac, "00:00:00:00:00:00");
		CHECK(v, partner, "bond", b->name, partner ? r->partner_mac : "no partner",
		      partner ? "the switch answers LACP (partner %s)"
			      : "no LACP partner%s: the switch ports are not in an LACP group",
		      partner ? r->partner_mac : "");
	}
	const char *bridge = nt_bond_bridge(h, b);
	if (*bridge)
		CHECK(v, !strcmp(n->master, bridge), "bond", b->name, n->master[0] ? n->master : "none",
		      "in bridge %s (the policy: %s)", n->master[0] ? n->master : "none", bridge);
	if (b->mtu) {
		snprintf(fig, sizeof(fig), "%ld bytes", n->mtu);
		CHECK(v, n->mtu == b->mtu, "bond", b->name, fig, "MTU %ld (the policy: %ld)", n->mtu,
		      b->mtu);
	}
	return 0;
}

static int verify_bandwidth(const struct nt_host *h, const struct nt_policy *p,
			    struct nt_verify *v)
{
	for (size_t i = 0; i < h->n_nics; i++) {
		const struct nt_nic *br = &h->nics[i];
		if (br->kind != NT_NIC_BRIDGE)
			continue;
		struct nt_uplink u;
		nt_uplink_of(h, br->name, NULL, &u); /* as it is, not as planned */
		if (!u.n_guests)
			continue;
		char fig[32];
		bool ok;
		if (u.usable_mbit < 0) {
			/* Links up that report no speed: up, but what each guest
			 * gets is not known, so a policy's figure fails. */
			snprintf(fig, sizeof(fig), "unknown");
			ok = !p->guest_mbit;
			CHECK(v, ok, "bandwidth", br->name, fig,
			      "%zu guests on %s: speed unknown (the policy: %ld)", u.n_guests, u.what,
			      p->guest_mbit);
			continue;
		}
		long each = u.usable_mbit / (long)u.n_guests;
		snprintf(fig, sizeof(fig), "%ld Mbit/s", each);
		ok = u.n_up > 0 && (!p->guest_mbit || each >= p->guest_mbit);
		CHECK(v, ok, "bandwidth", br->name, fig, "%zu guests on %s: %ld Mbit/s each (the policy: %ld)",
		      u.n_guests, u.what, each, p->guest_mbit);
	}
	return 0;
}

/* The pending changes by "AREA OBJECT": plans of thousands of vif queues
 * are compared item by item. */
static int index_plan(const struct tune_plan *now, struct strmap *idx)
{
	int rc = strmap_init(idx);
	for (size_t i = 0; i < now->n && rc == 0; i++) {
		const struct tune_item *it = &now->items[i];
		char *key;
		if (it->kind != TUNE_CHANGE)
			continue;
		if (asprintf(&key, "%s %s", it->area, it->object) < 0)
			return -ENOMEM;
		rc = strmap_put(idx, key, (void *)it, NULL);
		free(key);
	}
	return rc;
}

static const struct tune_item *pending_item(const struct strmap *idx, const struct tune_item *it)
{
	char key[512];
	snprintf(key, sizeof(key), "%s %s", it->area, it->object);
	return strmap_get(idx, key);
}

static int verify_plan(const struct tune_plan *want, const struct strmap *now,
		       bool skip_bonds, struct nt_verify *v)
{
	size_t q_total = 0, q_pending = 0;
	char vif[NT_IFNAMSIZ] = "";
	size_t vif_total = 0, vif_pending = 0;
	char vif_fig[64] = "";
	for (size_t i = 0; i <= want->n; i++) {
		const struct tune_item *it = i < want->n ? &want->items[i] : NULL;
		if (it && (it->kind != TUNE_CHANGE ||
			   (skip_bonds && (!strcmp(it->area, "bond") || !strcmp(it->area, "nic")))))
			continue;
		/* vif-queue items come grouped by vif: one line per vif. */
		char name[NT_IFNAMSIZ] = "";
		if (it && !strcmp(it->area, "vif-queue")) {
			const char *dash = strrchr(it->object, '-');
			size_t len = dash ? (size_t)(dash - it->object) : 0;
			if (len < sizeof(name)) {
				memcpy(name, it->object, len);
				name[len] = '\0';
			}
		}
		if (vif[0] && strcmp(name, vif)) {
			char fig[64];
			snprintf(fig, sizeof(fig), "%zu of %zu queues placed", vif_total - vif_pending,
				 vif_total);
			if (vif_pending)
				CHECK(v, false, "vif-queue", vif, fig, "%s: %zu queue%s not on the planned CPUs (%s)",
				      vif, vif_pending, vif_pending == 1 ? "" : "s", vif_fig);
			vif[0] = '\0';
		}
		if (!it)
			break;
		const struct tune_item *p = pending_item(now, it);
		if (name[0]) {
			if (!vif[0]) {
				strcpy(vif, name);
				vif_total = vif_pending = 0;
			}
			vif_total++;
			q_total++;
			if (p) {
				vif_pending++;
				q_pending++;
				snprintf(vif_fig, sizeof(vif_fig), "%s", p->figure);
			}
			continue;
		}
		if (p && it->deferred)
			CHECK(v, true, it->area, it->object, it->to, "%s: %s", it->object, it->deferred);
		else if (p)
			CHECK(v, false, it->area, it->object, p->figure, "%s is %s, the plan wants %s",
			      it->object, *p->from ? p->from : "missing", p->to);
		else
			CHECK(v, true, it->area, it->object, it->figure, "%s is %s as planned", it->object,
			      it->to);
	}
	if (q_total) {
		char fig[64];
		snprintf(fig, sizeof(fig), "%zu of %zu queues placed", q_total - q_pending, q_total);
		CHECK(v, q_pending == 0, "vif-queue", "all", fig,
		      "vif queues' threads and interrupts on the planned CPUs");
	}
	return 0;
}

int nt_verify(const struct nt_host *h, const struct nt_policy *p,
	      const struct tune_plan *applied, struct nt_verify *out)
{
	struct tune_plan now;
	tune_plan_init(&now);
	int rc = nt_plan(h, p, &now);
	if (rc == 0)
		rc = nt_verify_now(h, p, applied, &now, out);
	tune_plan_free(&now);
	return rc;
}

int nt_verify_now(const struct nt_host *h, const struct nt_policy *p,
		  const struct tune_plan *applied, const struct tune_plan *now,
		  struct nt_verify *out)
{
	struct nt_verify v = { 0 };
	int rc = 0;
	for (size_t i = 0; i < p->n_bonds && rc == 0; i++)
		rc = verify_bond(h, &p->bonds[i], &v);
	if (rc == 0)
		rc = verify_bandwidth(h, p, &v);
	struct strmap idx = { 0 };
	if (rc == 0)
		rc = index_plan(now, &idx);
	/* Without an applied plan, the bonds' pending changes are what
	 * verify_bond has just reported failing: not twice. */
	if (rc == 0)
		rc = verify_plan(applied ? applied : now, &idx, !applied, &v);
	if (idx.buckets)
		strmap_destroy(&idx);
	if (rc) {
		nt_verify_free(&v);
		return rc;
	}
	*out = v;
	return 0;
}

int nt_verify_json(yajl_gen g, const struct nt_verify *v)
{
	if (yajl_gen_map_open(g) || jw_str(g, "pass") || yajl_gen_bool(g, v->n_fail == 0) ||
	    jw_str(g, "failed") || yajl_gen_integer(g, (long long)v->n_fail) || jw_str(g, "checks") ||
	    yajl_gen_array_open(g))
		return -EINVAL;
	for (size_t i = 0; i < v->n; i++) {
		const struct nt_check *c = &v->c[i];
		if (yajl_gen_map_open(g) || jw_str(g, "pass") || yajl_gen_bool(g, c->pass) ||
		    jw_str(g, "area") || jw_str(g, c->area) || jw_str(g, "object") || jw_str(g, c->object) ||
		    jw_str(g, "figure") || jw_str(g, c->figure) || jw_str(g, "detail") || jw_str(g, c->detail) ||
		    yajl_gen_map_close(g))
			return -EINVAL;
	}
	return yajl_gen_array_close(g) || yajl_gen_map_close(g) ? -EINVAL : 0;
}

int nt_verify_text(const struct nt_verify *v, char **out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < v->n; i++) {
		const struct nt_check *c = &v->c[i];
		fprintf(f, "%s %s %s: %s (%s)\n", c->pass ? "ok  " : "FAIL", c->area, c->object,
			c->detail, c->figure);
	}
	fprintf(f, "%zu passed, %zu failed\n", v->n - v->n_fail, v->n_fail);
	if (fclose(f)) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	return 0;
}
