/* restart: the on_* actions of a guest that shut down, restart and
 * rename-restart. */
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
#include <sys/random.h>
#include <time.h>

/* A fresh random (version 4) uuid. */
void dm_new_uuid(uint8_t u[16])
{
	if (getrandom(u, 16, 0) != 16)
		for (int i = 0; i < 16; i++)
			u[i] = (uint8_t)rand();
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
}

/* xl's rename-restart keeps the old domain as NAME-YYYYMMDDTHHMMZ. */
int dm_keep_renamed(struct dm *m, struct dm_domain *d)
{
	char stamp[32], name[200];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "-%Y%m%dT%H%MZ", &tm);
	struct dm_error e = { 0 };
	/* Room for the stamp and "-99" within the name rule's length. */
	int keep = (int)domname_cut(d->name, DOMNAME_MAX - strlen(stamp) - 3);
	for (int k = 1; k < 100; k++) {
		if (k == 1)
			snprintf(name, sizeof(name), "%.*s%s", keep, d->name, stamp);
		else
			snprintf(name, sizeof(name), "%.*s%s-%d", keep, d->name, stamp, k);
		if (dm_find(m, name, 0))
			continue;
		return dm_rename(m, d, name, &e);
	}
	return -EEXIST;
}

void dm_restart_free(struct restart_ctx *r)
{
	free(r->name);
	dm_cfg_put(r->cfg);
	dm_source_free(r->src);
	free(r);
}

static void restarted(struct dm *m, int rc, struct dm_domain *d, const struct dm_error *e,
		      void *arg)
{
	struct restart_ctx *r = arg;
	char err[XCD_ERR_MAX] = "";
	if (rc < 0)
		log_err("domain %s could not be made again: %s", r->name, e->message);
	else
		log_info("domain %s restarted as domid %u%s", d->name, d->domid,
			 r->new_host ? " on the new host" : "");
	/* A failed one is not tried again by the next xcdd: its record (the
	 * restart's, if the create did not get to replace it) goes. */
	int jr;
	if (rc < 0 && !dm_find_uuid(m, r->uuid) &&
	    (jr = journal_remove(m->journal, UUID_STR(r->uuid), err, sizeof(err))) < 0 &&
	    jr != -ENOENT)
		log_warn("%s", err);
	struct dm_domain *old = r->has_old_uuid ? dm_find_uuid(m, r->old_uuid) : NULL;
	if (old && old->pending.kind == DM_PENDING_RENAME_RESTART) {
		memset(&old->pending, 0, sizeof(old->pending));
		if (dm_record_save(m, old, err, sizeof(err)) < 0)
			log_warn("%s", err);
	}
	dm_restart_free(r);
}

/* The configuration takes R's name, the one the guest had when it shut down
 * (a rename since it was made is kept, as xl's restart keeps it: libxl
 * retrieves the configuration with the domain's name). The domains sharing
 * the parsed configuration are the one destroyed and a rename-restart's kept
 * one, which has its own name and is not made from it again. */
static int restart_name(struct restart_ctx *r)
{
	struct domcfg *cfg = r->cfg->cfg;
	if (cfg->name && !strcmp(cfg->name, r->name))
		return 0;
	char *copy = strdup(r->name);
	if (!copy)
		return -ENOMEM;
	free(cfg->name);
	cfg->name = copy;
	return 0;
}

void dm_restart_create(struct dm *m, struct restart_ctx *r)
{
	struct dm_error e = { 0 };
	if (restart_name(r) < 0) {
		dm_error_set(&e, DM_ERR_NOMEM, NULL, "out of memory");
		restarted(m, -ENOMEM, NULL, &e, r);
		return;
	}
	int rc = dm_create_domain(m, r->cfg, r->uuid, r->src, false, true, restarted, r, &e);
	if (rc < 0)
		restarted(m, rc, NULL, &e, r);
}

void dm_restart_destroyed(struct dm *m, int rc, struct dm_domain *d,
			      const struct dm_error *e, void *arg)
{
	struct restart_ctx *r = arg;
	if (rc < 0) {
		log_err("domain %s cannot be restarted: %s", r->name, e->message);
		dm_restart_free(r);
		return;
	}
	dm_restart_create(m, r);
}

/* Destroys D and makes it again from its source (RENAME: keeps D, renamed). */
/* D, kept by a rename-restart, takes its pending.kept_uuid as libxl gives it: in
 * the hypervisor, in xenstore (/vm), then in the journal (its record under
 * the new uuid first, the old record removed after), so that the restarted
 * domain can have the uuid of the configuration. Done already: 0. */
int dm_take_kept_uuid(struct dm *m, struct dm_domain *d)
{
	char err[XCD_ERR_MAX], old[UUID_STR_LEN + 1], nu[UUID_STR_LEN + 1];
	if (!d->pending.has_kept_uuid || !memcmp(d->uuid, d->pending.kept_uuid, 16))
		return 0;
	uuid_format(d->pending.kept_uuid, nu);
	int rc = hv_domain_set_uuid(m->hv, d->domid, d->pending.kept_uuid);
	if (rc < 0) {
		log_err("domain %s (domid %u): cannot give it uuid %s: %s", d->name, d->domid, nu,
			hv_error(m->hv));
		return rc;
	}
	uuid_format(d->uuid, old);
	if (m->xs && xsd_set_uuid(m->xs, d->domid, old, nu, err, sizeof(err)) < 0)
		log_warn("domain %s: %s", d->name, err);
	dm_table_remove(m, d);
	memcpy(d->uuid, d->pending.kept_uuid, 16);
	if (dm_table_put(m, d) < 0)
		return -ENOMEM;
	snprintf(d->pending.step, sizeof(d->pending.step), "%s", "rekeyed");
	if ((rc = dm_record_save(m, d, err, sizeof(err))) < 0) {
		log_err("%s", err);
		return rc;
	}
	dm_crash_point(m, "rename-restart:rekeyed");
	if ((rc = journal_remove(m->journal, old, err, sizeof(err))) < 0 && rc != -ENOENT)
		log_warn("%s", err);
	log_info("domain %s (domid %u) kept under uuid %s (was %s)", d->name, d->domid, nu, old);
	return 0;
}

void dm_restart(struct dm *m, struct dm_domain *d, bool rename)
{
	char err[XCD_ERR_MAX];
	struct dm_error e = { 0 };
	struct restart_ctx *r = calloc(1, sizeof(*r));
	if (!r) {
		log_err("domain %s cannot be restarted: out of memory", d->name);
		return;
	}
	/* Its configuration as parsed when it was made or loaded: the text is
	 * not parsed again (the journaled source goes with the new domain, for
	 * the next xcdd). Without the text there is no restart, as ever. */
	r->src = d->source ? dm_source_dup(d->source) : NULL;
	r->cfg = r->src ? dm_cfg_ref(d->cfg) : NULL;
	int rc = r->cfg ? 0 : -ENOENT;
	if (rc < 0) {
		log_err("domain %s cannot be restarted (%s): destroyed", d->name,
			d->source ? dm_config_missing(d) : "its configuration text was not kept");
		dm_restart_free(r);
		if (dm_destroy(m, d, NULL, NULL, &e) < 0)
			log_err("%s", e.message);
		return;
	}
	r->name = strdup(d->name);
	if (!r->name) {
		log_err("domain %s cannot be restarted: out of memory", d->name);
		dm_restart_free(r);
		return;
	}
	if (rename) {
		/* As libxl: the kept domain takes a new uuid, the one made again
		 * keeps the configuration's. The record says both until the new
		 * one is made: the next xcdd finishes it if this one dies before. */
		uint8_t kept[16];
		dm_new_uuid(kept);
		memcpy(r->uuid, d->uuid, 16);
		d->shutdown_handled = true;
		memset(&d->pending, 0, sizeof(d->pending));
		d->pending.kind = DM_PENDING_RENAME_RESTART;
		memcpy(d->pending.new_uuid, r->uuid, 16);
		memcpy(d->pending.kept_uuid, kept, 16);
		d->pending.has_kept_uuid = true;
		dm_pending_set(m, d, DM_PENDING_RENAME_RESTART, "renaming");
		rc = dm_keep_renamed(m, d);
		if (rc < 0) {
			log_err("domain %s cannot be restarted: %s", r->name, strerror(-rc));
			memset(&d->pending, 0, sizeof(d->pending));
			if (dm_record_save(m, d, err, sizeof(err)) < 0)
				log_warn("%s", err);
			dm_restart_free(r);
			return;
		}
		dm_pending_set(m, d, DM_PENDING_RENAME_RESTART, "renamed");
		dm_crash_point(m, "rename-restart:renamed");
		if (dm_take_kept_uuid(m, d) < 0) {
			/* It keeps its uuid, then: the new domain cannot have it. */
			dm_new_uuid(r->uuid);
			memcpy(d->pending.new_uuid, r->uuid, 16);
			d->pending.has_kept_uuid = false;
			dm_pending_set(m, d, DM_PENDING_RENAME_RESTART, "renamed");
		}
		log_info("domain %s (domid %u) kept as %s", r->name, d->domid, d->name);
		dm_notify(m, d, d->state); /* under its new name */
		memcpy(r->old_uuid, d->uuid, 16);
		r->has_old_uuid = true;
		dm_restart_create(m, r);
		return;
	}
	memcpy(r->uuid, d->uuid, 16);
	dm_pending_set(m, d, DM_PENDING_RESTART, "shut down");
	dm_crash_point(m, "restart:journal");
	if (dm_destroy(m, d, dm_restart_destroyed, r, &e) < 0) {
		log_err("domain %s cannot be restarted: %s", r->name, e.message);
		dm_restart_free(r);
	}
}

/* What the guest's configuration says to do now that it has shut down. */
void dm_apply_action(struct dm *m, struct dm_domain *d)
{
	char err[XCD_ERR_MAX];
	const char *warning = NULL;
	enum hv_shutdown_reason why = d->info.shutdown_reason;
	enum dm_act a = dm_action_for(&d->on, why, &warning);
	if (a == DM_ACT_NONE)
		return;
	if (warning)
		log_warn("domain %s: %s", d->name, warning);
	log_info("domain %s (domid %u) shut down (%s): %s", d->name, d->domid,
		 dm_reason_name(why), dm_act_name(a));
	struct dm_error e = { 0 };
	switch (a) {
	case DM_ACT_DESTROY:
		if (dm_destroy(m, d, NULL, NULL, &e) < 0)
			log_err("%s", e.message);
		break;
	case DM_ACT_RESTART:
		dm_restart(m, d, false);
		break;
	case DM_ACT_RENAME_RESTART:
		dm_restart(m, d, true);
		break;
	case DM_ACT_PRESERVE:
		d->shutdown_handled = true;
		if (dm_record_save(m, d, err, sizeof(err)) < 0)
			log_warn("%s", err);
		break;
	case DM_ACT_NONE:
		break;
	}
}
