/* poll: what guests did on their own (dm_poll), and the loss of the host. */
#include "dm_internal.h"
#include "../../lib/errmsg.h"
#include "../../lib/log.h"
#include "../../lib/uuid.h"
#include "../actions.h"
#include "../domname.h"
#include "../journal.h"
#include "../json_tree.h"
#include "../xlfmt.h"
#include "../xs_domain.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Running and blocked come and go many times a second: only the lifecycle
 * flags (p s c d) make a change worth a notification and a journal write. */
static bool lifecycle_differs(const char *a, const char *b)
{
	return strcmp(a + 2, b + 2) != 0;
}

int dm_poll(struct dm *m)
{
	struct hv_dominfo *list = NULL;
	int n = hv_domain_list_all(m->hv, &list);
	if (n < 0) {
		/* Said once per outage, not once a second. */
		if (!m->poll_failing)
			log_err("cannot list domains: %s", hv_error(m->hv));
		m->poll_failing = true;
		return n;
	}
	if (m->poll_failing)
		log_info("the hypervisor answers again");
	m->poll_failing = false;
	dm_ledger_prune(m);
	/* Acted on after the walk: a restart adds to the map being walked. */
	size_t max = m->by_uuid.count + 1;
	uint32_t *act = calloc(max, sizeof(*act)), *undo = calloc(max, sizeof(*undo));
	size_t n_act = 0, n_undo = 0;
	if (!act || !undo) {
		free(act);
		free(undo);
		free(list);
		return -ENOMEM;
	}
	struct strmap_iter it;
	struct strmap_entry *e, *next;
	for (e = strmap_next(&m->by_uuid, &it, NULL); e; e = next) {
		next = strmap_next(&m->by_uuid, &it, e);
		struct dm_domain *d = e->val;
		struct hv_dominfo *i = dm_info_find(list, n, d);
		/* A create or destroy in progress finds out itself when its job
		 * ends, and deals with it. */
		if (!i && d->op)
			continue;
		if (!i) {
			log_info("domain %s (domid %u) has gone", d->name, d->domid);
			dm_drop(m, d, DM_DROP_STORE | DM_DROP_RECORD | DM_DROP_NOTIFY);
			continue;
		}
		/* Half made: no on_* action, only the undo tried again. */
		if (dm_undo_waiting(d)) {
			if (n_undo < max)
				undo[n_undo++] = d->domid;
			continue;
		}
		d->info = *i;
		char st[DM_STATE_LEN + 1];
		dm_state_string(i, st);
		bool changed = lifecycle_differs(st, d->state);
		memcpy(d->state, st, sizeof(st));
		bool down = (i->flags & HV_DOMF_SHUTDOWN) && !(i->flags & HV_DOMF_DYING);
		if (down && !d->shutdown_handled && !d->op && n_act < max)
			act[n_act++] = d->domid;
		if (!down && d->shutdown_handled) {
			d->shutdown_handled = false; /* running again (resumed) */
			changed = true;
		}
		if (!changed)
			continue;
		log_info("domain %s (domid %u) is now %s", d->name, d->domid, st);
		char err[XCD_ERR_MAX];
		if (dm_record_save(m, d, err, sizeof(err)) < 0)
			log_warn("%s", err);
		dm_notify(m, d, st);
	}
	free(list);
	for (size_t k = 0; k < n_act; k++) {
		struct dm_domain *d = dm_find(m, NULL, act[k]);
		if (d && !d->shutdown_handled && !d->op)
			dm_apply_action(m, d);
	}
	for (size_t k = 0; k < n_undo; k++) {
		struct dm_domain *d = dm_find(m, NULL, undo[k]);
		if (d && dm_undo_waiting(d))
			dm_undo_retry(m, d);
	}
	free(act);
	free(undo);
	return 0;
}

/* A guest whose host went away, to be made again on the new one. */
struct lost_restart {
	char *name;
	uint8_t uuid[16];
	struct dm_source *src;
	struct dm_cfg *cfg; /* a reference; NULL: WHY says why there is none */
	char *why;
};

/* Reports D crashed then gone and drops it; returns its on_crash action. */
static enum dm_act drop_with_host(struct dm *m, struct dm_domain *d, bool remove_entries)
{
	const char *warning = NULL;
	enum dm_act a = dm_action_for(&d->on, HV_SHUTDOWN_CRASH, &warning);
	if (warning)
		log_warn("domain %s: %s", d->name, warning);
	/* As Xen would show a crashed guest: shut down, reason crash. */
	d->info.flags = (d->info.flags & ~(uint32_t)(HV_DOMF_RUNNING | HV_DOMF_BLOCKED)) |
			HV_DOMF_SHUTDOWN;
	d->info.shutdown_reason = HV_SHUTDOWN_CRASH;
	dm_state_string(&d->info, d->state);
	log_info("domain %s (domid %u) crashed: its host went away; on_crash: %s", d->name,
		 d->domid, dm_act_name(a));
	dm_notify(m, d, d->state);
	if (a == DM_ACT_PRESERVE)
		log_warn("domain %s (domid %u): on_crash=preserve, but a domain whose host is "
			 "gone cannot be preserved: dropped", d->name, d->domid);
	dm_drop(m, d, (remove_entries ? DM_DROP_ENTRIES : 0) | DM_DROP_RECORD | DM_DROP_NOTIFY);
	return a;
}

int dm_host_lost(struct dm *m, bool remove_entries, dm_reopen_fn *reopen, void *arg)
{
	size_t n = m->by_uuid.count, n_rs = 0;
	struct lost_restart *rs = calloc(n ? n : 1, sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	struct strmap_iter it;
	struct strmap_entry *e, *next;
	for (e = strmap_next(&m->by_uuid, &it, NULL); e; e = next) {
		next = strmap_next(&m->by_uuid, &it, e);
		struct dm_domain *d = e->val;
		dm_op_abort(d, -EHOSTDOWN, "its host went away");
		/* Kept before D is freed: what is needed to make it again. */
		struct lost_restart r = { 0 };
		r.name = strdup(d->name);
		r.src = d->source ? dm_source_dup(d->source) : NULL;
		r.cfg = dm_cfg_ref(d->cfg);
		r.why = d->cfg ? NULL : strdup(dm_config_missing(d));
		memcpy(r.uuid, d->uuid, 16);
		enum dm_act a = drop_with_host(m, d, remove_entries);
		if ((a == DM_ACT_RESTART || a == DM_ACT_RENAME_RESTART) && r.name && n_rs < n) {
			if (a == DM_ACT_RENAME_RESTART)
				log_info("domain %s: rename-restart: the old domain went with its "
					 "host, nothing to keep; made again", r.name);
			rs[n_rs++] = r;
			continue;
		}
		free(r.name);
		dm_source_free(r.src);
		dm_cfg_put(r.cfg);
		free(r.why);
	}
	struct hv *hv = NULL;
	struct xs_handle *xs = NULL;
	int rc = reopen(arg, &hv, &xs);
	if (rc == 0) {
		m->hv = hv;
		m->xs = xs;
		m->dev.xs = xs;
		m->poll_failing = false;
	}
	for (size_t k = 0; k < n_rs; k++) {
		struct lost_restart *r = &rs[k];
		struct restart_ctx *c = NULL;
		if (rc < 0)
			log_err("domain %s cannot be restarted: no new host", r->name);
		else if (!r->src)
			log_err("domain %s cannot be restarted: its configuration text was not "
				"kept", r->name);
		else if (!(c = calloc(1, sizeof(*c))))
			log_err("domain %s cannot be restarted: out of memory", r->name);
		else if (!r->cfg) {
			log_err("domain %s cannot be restarted: %s", r->name,
				r->why ? r->why : "out of memory");
			free(c);
		} else {
			/* The restart owns them now. */
			c->name = r->name;
			c->src = r->src;
			c->cfg = r->cfg;
			r->cfg = NULL;
			memcpy(c->uuid, r->uuid, 16);
			c->new_host = true;
			r->name = NULL;
			r->src = NULL;
			dm_restart_create(m, c);
		}
		free(r->name);
		dm_source_free(r->src);
		dm_cfg_put(r->cfg);
		free(r->why);
	}
	free(rs);
	return rc;
}
