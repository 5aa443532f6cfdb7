/* table: the domains xcdd manages, found by name or domid, their state and
 * the ways one leaves the table. */
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
#include "../../lib/utf8.h"
#include <signal.h>
#include <stdarg.h>

void dm_error_set(struct dm_error *e, int code, const char *field, const char *fmt, ...)
{
	va_list ap;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	utf8_trim_tail(e->message);
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	utf8_trim_tail(e->field);
}

void dm_state_string(const struct hv_dominfo *i, char out[DM_STATE_LEN + 1])
{
	bool sd = i->flags & HV_DOMF_SHUTDOWN;
	out[0] = i->flags & HV_DOMF_RUNNING ? 'r' : '-';
	out[1] = i->flags & HV_DOMF_BLOCKED ? 'b' : '-';
	out[2] = i->flags & HV_DOMF_PAUSED ? 'p' : '-';
	out[3] = sd ? 's' : '-';
	out[4] = sd && i->shutdown_reason == HV_SHUTDOWN_CRASH ? 'c' : '-';
	out[5] = i->flags & HV_DOMF_DYING ? 'd' : '-';
	out[6] = '\0';
}

void dm_source_free(struct dm_source *s)
{
	if (!s)
		return;
	free(s->file);
	free(s->text);
	for (size_t i = 0; i < s->n_overrides; i++)
		free(s->overrides[i]);
	free(s->overrides);
	free(s);
}

struct dm_source *dm_source_dup(const struct dm_source *src)
{
	struct dm_source *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->file = strdup(src->file ? src->file : "config");
	s->text = strdup(src->text ? src->text : "");
	s->overrides = calloc(src->n_overrides + 1, sizeof(char *));
	if (!s->file || !s->text || !s->overrides)
		goto nomem;
	for (; s->n_overrides < src->n_overrides; s->n_overrides++)
		if (!(s->overrides[s->n_overrides] = strdup(src->overrides[s->n_overrides])))
			goto nomem;
	return s;
nomem:
	dm_source_free(s);
	return NULL;
}

struct dm_cfg *dm_cfg_hold(struct domcfg *cfg)
{
	if (!cfg)
		return NULL;
	struct dm_cfg *c = calloc(1, sizeof(*c));
	if (!c) {
		domcfg_free(cfg);
		return NULL;
	}
	c->refs = 1;
	c->cfg = cfg;
	return c;
}

struct dm_cfg *dm_cfg_ref(struct dm_cfg *c)
{
	if (c)
		c->refs++;
	return c;
}

void dm_cfg_put(struct dm_cfg *c)
{
	if (!c || --c->refs > 0)
		return;
	domcfg_free(c->cfg);
	free(c);
}

const struct domcfg *dm_domain_config(const struct dm_domain *d)
{
	return d->cfg ? d->cfg->cfg : NULL;
}

const char *dm_config_missing(const struct dm_domain *d)
{
	if (d->cfg)
		return "";
	return d->cfg_error ? d->cfg_error : "its configuration text was not kept";
}

struct dm_domain *dm_find_uuid(struct dm *m, const uint8_t uuid[16])
{
	return strmap_get(&m->by_uuid, UUID_STR(uuid));
}

int dm_table_put(struct dm *m, struct dm_domain *d)
{
	return strmap_put(&m->by_uuid, UUID_STR(d->uuid), d, NULL) < 0 ? -ENOMEM : 0;
}

void dm_table_remove(struct dm *m, struct dm_domain *d)
{
	const char *key = UUID_STR(d->uuid);
	if (strmap_get(&m->by_uuid, key) == d)
		strmap_remove(&m->by_uuid, key);
}

size_t dm_count(const struct dm *m)
{
	return m->by_uuid.count;
}

int dm_list(struct dm *m, struct hv_dominfo **list)
{
	return hv_domain_list_all(m->hv, list);
}

int dm_host_info(struct dm *m, struct hv_hostinfo *h)
{
	return hv_host_info(m->hv, h);
}

int dm_read_info(struct dm *m, struct dm_domain *d, struct dm_error *e)
{
	int rc = hv_domain_getinfo(m->hv, d->domid, &d->info);
	if (rc < 0)
		dm_error_set(e, DM_ERR_FAILED, NULL, "cannot read domain %s: %s", d->name,
			     hv_error(m->hv));
	return rc;
}

int dm_vcpu_info(struct dm *m, const struct dm_domain *d, uint32_t vcpu,
		 struct hv_vcpuinfo *vi, uint8_t *hard, size_t len)
{
	int rc = hv_vcpu_info(m->hv, d->domid, vcpu, vi);
	return rc < 0 ? rc : hv_vcpu_get_affinity(m->hv, d->domid, vcpu, hard, len);
}

const char *dm_hv_message(struct dm *m)
{
	return hv_error(m->hv);
}

void dm_read_on(struct dm_domain *d)
{
	char err[XCD_ERR_MAX];
	dm_on_defaults(&d->on);
	if (dm_on_from_json(d->config_json, &d->on, err, sizeof(err)) < 0)
		log_warn("domain %s: %s; libxl's defaults used", d->name, err);
}

void dm_domain_free(struct dm_domain *d)
{
	if (!d)
		return;
	dm_cfg_put(d->cfg);
	free(d->cfg_error);
	dm_source_free(d->source);
	free(d->name);
	free(d->config_json);
	free(d->soft);
	free(d);
}

void dm_cpumap_bytes(const struct cpumap *m, uint8_t *out, size_t len)
{
	memset(out, 0, len);
	for (size_t i = 0; i < len && i < DOMCFG_MAX_CPUS / 8; i++)
		out[i] = (uint8_t)(m->bits[i / 8] >> (i % 8 * 8));
}

void dm_soft_affinity(const struct dm_domain *d, uint32_t vcpu, uint8_t *map, size_t len)
{
	if (d->soft && vcpu < d->n_soft)
		dm_cpumap_bytes(&d->soft[vcpu], map, len);
	else
		memset(map, 0xff, len);
}

void dm_notify(struct dm *m, const struct dm_domain *d, const char *state)
{
	if (m->state_changed)
		m->state_changed(m, d, state, m->arg);
}

/* XCDD_TEST_CRASH_AT (xcdd(8)): xcdd dies at STEP as under kill -9, for
 * the tests of what the next xcdd makes of a half-done operation. */
void dm_crash_point(const struct dm *m, const char *step)
{
	if (!m->crash_at || strcmp(m->crash_at, step) != 0)
		return;
	log_warn("XCDD_TEST_CRASH_AT=%s: xcdd kills itself here", step);
	raise(SIGKILL);
}

/* D's entry in the hypervisor's LIST: its domid with its uuid (a domid
 * alone may have been reused by another domain). */
struct hv_dominfo *dm_info_find(struct hv_dominfo *list, int n, const struct dm_domain *d)
{
	for (int i = 0; i < n; i++)
		if (list[i].domid == d->domid)
			return memcmp(list[i].uuid, d->uuid, 16) == 0 ? &list[i] : NULL;
	return NULL;
}

/* A gone domain whose devices' remove scripts run in a job. */
struct forget_ctx {
	struct dm *m;
	uint32_t domid;
	uint8_t uuid[16];
};

static void store_forget_done(int rc, bool reported, const char *err, void *arg)
{
	struct forget_ctx *f = arg;
	char why[XCD_ERR_MAX];
	if (rc == -ECANCELED) { /* xcdd stops: its entries stay, as before */
		free(f);
		return;
	}
	if (rc < 0)
		log_warn("domain %u: %s", f->domid, err);
	/* Asked again: the domid may have been given to another domain since. */
	const char *u = UUID_STR(f->uuid);
	if (f->m->xs && xsd_is_ours(f->m->xs, f->domid, u) &&
	    xsd_remove(f->m->xs, f->domid, u, why, sizeof(why)) < 0)
		log_warn("domain %u: %s", f->domid, why);
	free(f);
}

/* A gone domain's xenstore entries and devices, unless its domid now
 * belongs to another domain's entries. */
static void dm_store_clear(struct dm *m, uint32_t domid, const uint8_t uuid[16])
{
	char err[XCD_ERR_MAX] = "";
	const char *u = UUID_STR(uuid);
	if (!m->xs || !xsd_is_ours(m->xs, domid, u))
		return;
	struct forget_ctx *f = m->jobs.loop ? calloc(1, sizeof(*f)) : NULL;
	if (f) {
		f->m = m;
		f->domid = domid;
		memcpy(f->uuid, uuid, 16);
		if (dev_backends(&m->dev, domid) &&
		    devjob_start(&m->jobs, &m->dev, DEVJOB_REMOVE, domid, NULL,
				 store_forget_done, f, NULL, err, sizeof(err)) == 0)
			return;
		if (err[0])
			log_warn("domain %u: %s", domid, err);
		free(f);
	}
	if (dev_remove_all(&m->dev, domid, err, sizeof(err)) < 0)
		log_warn("domain %u: %s", domid, err);
	if (xsd_remove(m->xs, domid, u, err, sizeof(err)) < 0)
		log_warn("domain %u: %s", domid, err);
}

/* The hypervisor's entry of the domain with uuid UUID, at any domid. */
struct hv_dominfo *dm_info_find_uuid(struct hv_dominfo *list, int n, const uint8_t uuid[16])
{
	for (int i = 0; i < n; i++)
		if (memcmp(list[i].uuid, uuid, 16) == 0)
			return &list[i];
	return NULL;
}


void dm_set_loop(struct dm *m, struct loop *loop)
{
	m->jobs.loop = loop;
	/* Senders a dead xcdd left in doubt need jobs to ask their receivers. */
	if (loop)
		dm_mig_resolve_left(m);
}

void dm_set_started_fn(struct dm *m, dm_started_fn *fn, void *arg)
{
	m->started = fn;
	m->started_arg = arg;
}

void dm_started(struct dm *m, const struct dm_domain *d)
{
	if (m->started)
		m->started(m, d, m->started_arg);
}

void dm_set_host(struct dm *m, enum hv_backend backend, const char *sim_sock,
		 dm_progress_fn *progress)
{
	m->job_backend = backend;
	snprintf(m->job_sim_sock, sizeof(m->job_sim_sock), "%s", sim_sock ? sim_sock : "");
	m->progress = progress;
}

void dm_set_migration_fn(struct dm *m, dm_migration_fn *fn)
{
	m->migration = fn;
}

void dm_set_mig_devices_fn(struct dm *m, dm_mig_devices_fn *fn)
{
	m->mig_devices = fn;
}

void dm_close(struct dm *m)
{
	struct strmap_iter it;
	/* The records keep what was under way: the next xcdd settles it (a
	 * create rolled back, a destroy or restart finished). */
	for (struct strmap_entry *e = strmap_next(&m->by_uuid, &it, NULL); e;
	     e = strmap_next(&m->by_uuid, &it, e))
		dm_op_abort(e->val, -ECANCELED, "xcdd is stopping");
	childjobs_close(&m->jobs, "xcdd is stopping");
	for (struct strmap_entry *e = strmap_next(&m->by_uuid, &it, NULL); e;
	     e = strmap_next(&m->by_uuid, &it, e))
		dm_domain_free(e->val);
	strmap_destroy(&m->by_uuid);
	if (m->journal)
		journal_close(m->journal);
	if (m->ledger)
		journal_close(m->ledger);
	if (m->mig_kick)
		loop_timer_free(m->mig_kick);
}

struct dm_domain *dm_find(struct dm *m, const char *name, long long domid)
{
	struct strmap_iter it;
	for (struct strmap_entry *e = strmap_next(&m->by_uuid, &it, NULL); e;
	     e = strmap_next(&m->by_uuid, &it, e)) {
		struct dm_domain *d = e->val;
		if (name ? strcmp(d->name, name) == 0 : (long long)d->domid == domid)
			return d;
	}
	return NULL;
}

int dm_hv_fail(struct dm *m, struct dm_error *e, int rc, const char *what,
		  const char *name)
{
	dm_error_set(e, rc == -ESRCH ? DM_ERR_NO_DOMAIN : DM_ERR_FAILED, NULL,
			  "%s %s: %s", what, name, hv_error(m->hv));
	return rc;
}

/* Whether D is a failed create waiting for the hypervisor to destroy it. */
bool dm_undo_waiting(const struct dm_domain *d)
{
	return d->pending.kind == DM_PENDING_CREATE && !d->op && !strcmp(d->pending.step, UNDO_STEP);
}

const char *dm_busy(const struct dm_domain *d)
{
	if (dm_undo_waiting(d))
		return "undoing";
	if (!d->op)
		return NULL;
	if (d->op->kind == OP_CREATE)
		return d->op->mig ? "receiving" : d->op->restore ? "restoring" : "creating";
	if (d->op->kind == OP_MIGRATE)
		return "migrating";
	return d->op->kind == OP_SAVE ? "saving" : "destroying";
}

/* What became of D here after a failed save or migration, for its caller:
 * it runs (or stays paused) as before, unless the guest itself ended
 * meanwhile. */
const char *dm_left_as(struct dm *m, struct dm_domain *d, char *buf, size_t len)
{
	struct hv_dominfo i;
	if (hv_domain_getinfo(m->hv, d->domid, &i) < 0)
		return "it is gone here (it ended meanwhile)";
	if ((i.flags & HV_DOMF_SHUTDOWN) && i.shutdown_reason != HV_SHUTDOWN_SUSPEND) {
		snprintf(buf, len, "it shut itself down here meanwhile (%s): its on_%s action "
			 "follows", dm_reason_name(i.shutdown_reason),
			 dm_reason_name(i.shutdown_reason));
		return buf;
	}
	return (i.flags & HV_DOMF_PAUSED) ? "it is here as before, paused"
					  : "it runs here as before";
}

/* A guest that has shut itself down (I: its state) is no guest to save or
 * move (WHAT): 0, or the refusal in E. */
int dm_refuse_shut_down(const struct dm_domain *d, const struct hv_dominfo *i, const char *what,
			struct dm_error *e)
{
	if (!(i->flags & HV_DOMF_SHUTDOWN) || i->shutdown_reason == HV_SHUTDOWN_SUSPEND)
		return 0;
	dm_error_set(e, DM_ERR_STATE, NULL, "domain %s has shut down (%s): no running guest is "
		     "left to %s (its on_%s action says what becomes of it)", d->name,
		     dm_reason_name(i->shutdown_reason), what, dm_reason_name(i->shutdown_reason));
	return -EBUSY;
}

/* Changes other than destroy wait until a create or destroy is over. */
int dm_refuse_busy(const struct dm_domain *d, struct dm_error *e)
{
	const char *busy = dm_busy(d);
	if (!busy)
		return 0;
	if (!d->op) {
		dm_error_set(e, DM_ERR_BUSY, NULL, "domain %s is what is left of a "
				  "failed create, waiting for the hypervisor to destroy it: only "
				  "destroy applies", d->name);
		return -EBUSY;
	}
	dm_error_set(e, DM_ERR_BUSY, NULL, "domain %s is being %s; try again when that "
			  "is over", d->name,
			  d->op->kind == OP_SAVE	 ? "saved"
			  : d->op->kind == OP_DESTROY ? "destroyed (its devices' scripts run)"
			  : d->op->kind == OP_MIGRATE ? "migrated (xcd migrate-abort stops it)"
			  : d->op->mig		 ? "received from another host"
			  : d->op->restore	 ? "restored"
						 : "created (its devices' scripts run)");
	return -EBUSY;
}

void dm_drop(struct dm *m, struct dm_domain *d, unsigned what)
{
	char err[XCD_ERR_MAX] = "";
	if (what & DM_DROP_STORE)
		dm_store_clear(m, d->domid, d->uuid);
	if ((what & DM_DROP_ENTRIES) && m->xs &&
	    xsd_remove(m->xs, d->domid, UUID_STR(d->uuid), err, sizeof(err)) < 0)
		log_warn("domain %s: %s", d->name, err);
	int rc;
	/* A record already gone is what was wanted. */
	if ((what & DM_DROP_RECORD) &&
	    (rc = journal_remove(m->journal, UUID_STR(d->uuid), err, sizeof(err))) < 0 &&
	    rc != -ENOENT)
		log_warn("%s", err);
	/* A create that failed before the table had it is dropped too. */
	dm_table_remove(m, d);
	if (what & DM_DROP_NOTIFY)
		dm_notify(m, d, "gone");
	dm_domain_free(d);
}
