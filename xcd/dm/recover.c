/* recover: dm_open loads the journal and reconciles it with the hypervisor;
 * an operation a dead xcdd left half done is settled (a create rolled back,
 * a destroy or a restart rolled forward). */
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
#include <sys/stat.h>

/* A record whose operation was under way, to settle once the others are
 * re-attached. */
struct half_done {
	uint8_t uuid[16];
	bool present; /* the hypervisor has the domain */
};

static void settle_half_done(struct dm *m, struct dm_domain *d, bool present, struct hv_dominfo *list,
		   int n);

static int reconcile(struct dm *m, char *err, size_t errlen)
{
	struct hv_dominfo *list = NULL;
	struct half_done *half = calloc(m->by_uuid.count + 1, sizeof(*half));
	size_t n_half = 0;
	if (!half)
		return -ENOMEM;
	int n = hv_domain_list_all(m->hv, &list);
	if (n < 0) {
		snprintf(err, errlen, "cannot list the hypervisor's domains: %s", hv_error(m->hv));
		free(half);
		return n;
	}
	struct strmap_iter it;
	struct strmap_entry *e, *next;
	for (e = strmap_next(&m->by_uuid, &it, NULL); e; e = next) {
		next = strmap_next(&m->by_uuid, &it, e);
		struct dm_domain *d = e->val;
		struct hv_dominfo *i = dm_info_find(list, n, d);
		if (d->pending.kind != DM_PENDING_NONE) {
			/* By uuid too: a create's record is written before the
			 * hypervisor gives it a domid. */
			if (!i)
				i = dm_info_find_uuid(list, n, d->uuid);
			/* A rename-restart may have given it its new uuid already. */
			if (!i && d->pending.kind == DM_PENDING_RENAME_RESTART &&
			    d->pending.has_kept_uuid)
				i = dm_info_find_uuid(list, n, d->pending.kept_uuid);
			if (i) {
				d->domid = i->domid;
				d->info = *i;
				dm_state_string(i, d->state);
			}
			memcpy(half[n_half].uuid, d->uuid, 16);
			half[n_half++].present = i != NULL;
			continue;
		}
		if (i) {
			d->info = *i;
			dm_state_string(i, d->state);
			log_info("re-attached domain %s (domid %u, state %s)", d->name, d->domid,
				 d->state);
			if (m->xs && !xsd_is_ours(m->xs, d->domid, UUID_STR(d->uuid)))
				log_warn("domain %s (domid %u): its xenstore entries are missing "
					 "(was xenstored restarted?)", d->name, d->domid);
			continue;
		}
		log_info("domain %s (domid %u, uuid %s) is gone; its journal record is removed",
			 d->name, d->domid, UUID_STR(d->uuid));
		dm_drop(m, d, DM_DROP_STORE | DM_DROP_RECORD);
	}
	for (int k = 0; k < n; k++) {
		if (list[k].domid == 0 || dm_find(m, NULL, list[k].domid))
			continue;
		log_info("domain %u (uuid %s) is not xcdd's (foreign): left alone", list[k].domid,
			 UUID_STR(list[k].uuid));
	}
	/* After the walk: settling adds domains (a restart) and removes some. */
	for (size_t k = 0; k < n_half; k++) {
		struct dm_domain *d = dm_find_uuid(m, half[k].uuid);
		if (d)
			settle_half_done(m, d, half[k].present, list, n);
	}
	free(half);
	free(list);
	return 0;
}

int dm_open(struct dm *m, struct hv *hv, struct xs_handle *xs, const struct dev_env *dev,
	    const char *statedir, dm_state_fn *fn, void *arg, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	m->hv = hv;
	m->xs = xs;
	if (dev)
		m->dev = *dev;
	m->dev.xs = xs;
	m->state_changed = fn;
	m->arg = arg;
	const char *crash = getenv("XCDD_TEST_CRASH_AT");
	if (crash && crash[0]) {
		m->crash_at = crash;
		log_warn("XCDD_TEST_CRASH_AT=%s: this xcdd kills itself at that step (a testing "
			 "aid)", crash);
	}
	if (strmap_init(&m->by_uuid) < 0)
		return -ENOMEM;
	if (mkdir(statedir, 0700) < 0 && errno != EEXIST) {
		int rc = -errno;
		snprintf(err, errlen, "cannot create %s: %s", statedir, strerror(errno));
		return rc;
	}
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/domains", statedir);
	int rc = journal_open(dir, &m->journal, err, errlen);
	if (rc < 0 || (rc = dm_ledger_open(m, statedir, err, errlen)) < 0)
		return rc;
	struct journal_load_ops ops = { dm_record_load, dm_record_problem, m };
	rc = journal_load_all(m->journal, &ops, err, errlen);
	if (rc < 0)
		return rc;
	return reconcile(m, err, errlen);
}

/* Destroys D as dm_destroy does (inline: no loop runs yet), or, PRESENT
 * false, removes what is left of it (entries, devices, record). */
static void settle_destroy(struct dm *m, struct dm_domain *d, bool present)
{
	struct dm_error e = { 0 };
	if (!present) {
		dm_drop(m, d, DM_DROP_STORE | DM_DROP_RECORD);
		return;
	}
	if (dm_destroy(m, d, NULL, NULL, &e) < 0)
		log_err("%s", e.message);
}

/* What a restart of D needs: its name, uuid (NEW_UUID: that one), source. */
static struct restart_ctx *settle_ctx(struct dm_domain *d, const uint8_t *new_uuid)
{
	struct restart_ctx *r = calloc(1, sizeof(*r));
	if (!r || !(r->name = strdup(d->name))) {
		log_err("domain %s cannot be made again: out of memory", d->name);
		goto fail;
	}
	memcpy(r->uuid, new_uuid ? new_uuid : d->uuid, 16);
	r->src = d->source ? dm_source_dup(d->source) : NULL;
	r->cfg = r->src ? dm_cfg_ref(d->cfg) : NULL;
	if (!r->cfg) {
		log_err("domain %s cannot be made again (%s)", d->name,
			r->src ? dm_config_missing(d) : "its configuration text was not kept");
		goto fail;
	}
	return r;
fail:
	if (r)
		dm_restart_free(r);
	return NULL;
}

/* A restart of D (or the create of its restart) half done: the domain there
 * (PRESENT), the old one or a half-made new one, is destroyed, and it is
 * made again once, from its journaled source. */
static void settle_restart(struct dm *m, struct dm_domain *d, bool present)
{
	struct restart_ctx *r = settle_ctx(d, NULL);
	if (!r) {
		settle_destroy(m, d, present);
		return;
	}
	struct dm_error e = { 0 };
	if (present) {
		dm_pending_set(m, d, DM_PENDING_RESTART, "destroying");
		if (dm_destroy(m, d, dm_restart_destroyed, r, &e) < 0) {
			log_err("domain %s cannot be restarted: %s", r->name, e.message);
			dm_restart_free(r);
		}
		return;
	}
	/* Its record stays until the create replaces it. */
	dm_drop(m, d, DM_DROP_STORE);
	dm_restart_create(m, r);
}

/* D was kept, renamed, by a rename-restart whose new domain may not have
 * been made: it is made, unless the journal or the hypervisor has it. */
static void settle_rename_restart(struct dm *m, struct dm_domain *d, bool present,
				  struct hv_dominfo *list, int n)
{
	char err[XCD_ERR_MAX];
	const uint8_t *nu = d->pending.new_uuid;
	if (d->pending.has_kept_uuid && memcmp(d->uuid, d->pending.kept_uuid, 16)) {
		/* Not yet under the uuid it takes; unless its record under that
		 * one was written already (then this one is left over). */
		struct dm_domain *k = dm_find_uuid(m, d->pending.kept_uuid);
		if (k && k != d) {
			log_info("domain %s: its record under uuid %s is left over from its "
				 "rename-restart (it is kept as %s): removed", d->name,
				 UUID_STR(d->uuid), UUID_STR(d->pending.kept_uuid));
			dm_drop(m, d, DM_DROP_RECORD);
			return;
		}
	}
	/* The new domain: a record or a domain under its uuid, other than D
	 * itself. D's record left over from before it took its new uuid goes
	 * now: the new domain is to have that uuid. */
	struct dm_domain *nd = dm_find_uuid(m, nu);
	if (nd && nd != d && nd->pending.kind == DM_PENDING_RENAME_RESTART &&
	    nd->pending.has_kept_uuid && !memcmp(nd->pending.kept_uuid, d->uuid, 16)) {
		log_info("domain %s: its record under uuid %s is left over from its "
			 "rename-restart (it is kept as %s): removed", d->name,
			 UUID_STR(nd->uuid), UUID_STR(d->uuid));
		dm_drop(m, nd, DM_DROP_RECORD);
		nd = NULL;
	}
	if (nd == d)
		nd = NULL;
	struct hv_dominfo *ni = dm_info_find_uuid(list, n, nu);
	if (ni && present && ni->domid == d->domid)
		ni = NULL;
	if (nd || ni) {
		log_info("domain %s (domid %u): its rename-restart had made the new domain "
			 "(uuid %s) already: nothing more to do", d->name, d->domid, UUID_STR(nu));
		memset(&d->pending, 0, sizeof(d->pending));
		if (dm_record_save(m, d, err, sizeof(err)) < 0)
			log_warn("%s", err);
		return;
	}
	struct restart_ctx *r = settle_ctx(d, nu);
	if (r && r->cfg->cfg->name && strcmp(r->name, r->cfg->cfg->name)) {
		/* D is the kept one, perhaps renamed already: the new domain
		 * takes the configuration's name. */
		char *name = strdup(r->cfg->cfg->name);
		if (!name) {
			log_err("domain %s cannot be made again: out of memory", d->name);
			dm_restart_free(r);
			r = NULL;
		} else {
			free(r->name);
			r->name = name;
		}
	}
	if (!r) {
		memset(&d->pending, 0, sizeof(d->pending));
		if (present && dm_record_save(m, d, err, sizeof(err)) < 0)
			log_warn("%s", err);
		if (!present)
			dm_drop(m, d, DM_DROP_STORE | DM_DROP_RECORD);
		return;
	}
	log_info("domain %s (domid %u): its rename-restart did not finish (step %s): rolled "
		 "forward: %s, %s made again (uuid %s)", d->name, d->domid, d->pending.step,
		 present ? "the old domain is kept renamed" : "the old domain is gone",
		 r->cfg->cfg->name ? r->cfg->cfg->name : r->name, UUID_STR(nu));
	if (!present) {
		dm_drop(m, d, DM_DROP_STORE | DM_DROP_RECORD);
		dm_restart_create(m, r);
		return;
	}
	d->shutdown_handled = true;
	/* Renamed already unless it died before: then it is renamed now. */
	if (r->cfg->cfg->name && !strcmp(d->name, r->cfg->cfg->name)) {
		int rc = dm_keep_renamed(m, d);
		if (rc < 0) {
			log_err("domain %s cannot be restarted: %s", d->name, strerror(-rc));
			memset(&d->pending, 0, sizeof(d->pending));
			if (dm_record_save(m, d, err, sizeof(err)) < 0)
				log_warn("%s", err);
			dm_restart_free(r);
			return;
		}
		log_info("domain %s (domid %u) kept as %s", r->cfg->cfg->name, d->domid, d->name);
	}
	if (dm_take_kept_uuid(m, d) < 0) {
		log_err("domain %s (domid %u) keeps uuid %s: %s is not made again", d->name,
			d->domid, UUID_STR(d->uuid), r->cfg->cfg->name ? r->cfg->cfg->name : r->name);
		memset(&d->pending, 0, sizeof(d->pending));
		if (dm_record_save(m, d, err, sizeof(err)) < 0)
			log_warn("%s", err);
		dm_restart_free(r);
		return;
	}
	memcpy(r->old_uuid, d->uuid, 16);
	r->has_old_uuid = true;
	dm_restart_create(m, r);
}

/* One record whose operation was under way when the last xcdd died: one
 * line in the log says what was found and what is done about it. */
static void settle_half_done(struct dm *m, struct dm_domain *d, bool present, struct hv_dominfo *list,
		   int n)
{
	const char *there = present ? "" : ", no longer in the hypervisor";
	switch (d->pending.kind) {
	case DM_PENDING_CREATE:
		if (d->pending.restart) {
			log_info("domain %s (domid %u%s): the create of its restart did not finish "
				 "(step %s): rolled forward: %s, made again", d->name, d->domid,
				 there, d->pending.step,
				 present ? "the half-made domain is destroyed" : "nothing of it left");
			settle_restart(m, d, present);
			return;
		}
		log_info("domain %s (domid %u%s): its create did not finish (step %s), its caller "
			 "was not told it succeeded: rolled back (destroyed, entries and devices "
			 "removed)", d->name, d->domid, there, d->pending.step);
		settle_destroy(m, d, present);
		return;
	case DM_PENDING_DESTROY:
		log_info("domain %s (domid %u%s): its destroy did not finish (step %s): rolled "
			 "forward (destroyed, entries and devices removed)", d->name, d->domid,
			 there, d->pending.step);
		settle_destroy(m, d, present);
		return;
	case DM_PENDING_RESTART:
		log_info("domain %s (domid %u%s): its restart did not finish (step %s): rolled "
			 "forward: %smade again", d->name, d->domid, there, d->pending.step,
			 present ? "the old domain is destroyed and " : "");
		settle_restart(m, d, present);
		return;
	case DM_PENDING_RENAME_RESTART:
		settle_rename_restart(m, d, present, list, n);
		return;
	case DM_PENDING_SAVE:
		dm_settle_save(m, d, present);
		return;
	case DM_PENDING_RESTORE:
		log_info("domain %s (domid %u%s): its restore from %s did not finish (step %s), "
			 "its caller was not told it succeeded: rolled back (destroyed, entries "
			 "and devices removed)", d->name, d->domid, there, d->pending.file,
			 d->pending.step);
		settle_destroy(m, d, present);
		return;
	case DM_PENDING_MIGRATE:
		dm_settle_migrate(m, d, present);
		return;
	case DM_PENDING_MIGRATE_IN:
		dm_settle_migrate_in(m, d, present);
		return;
	case DM_PENDING_NONE:
		break;
	}
}
