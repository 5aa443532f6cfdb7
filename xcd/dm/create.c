/* create: dm_create, from a parsed configuration to a running domain, and
 * the undo of one that fails half way. */
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
#include <sys/time.h>

/* libxl's default when no memory= is given. */
#define DM_DEFAULT_MEMKB (32 * 1024)

/* What xl sets after building: the memory target (memory= below maxmem=) and
 * the vCPU affinities of cpus= (to the hypervisor) and cpus_soft= (kept). */
int dm_apply_config(struct dm *m, struct dm_domain *d, const struct domcfg *cfg,
		    uint32_t max_vcpus, struct dm_error *e)
{
	int rc;
	if (cfg->target_memkb != DOMCFG_MEMKB_DEFAULT && cfg->max_memkb != DOMCFG_MEMKB_DEFAULT &&
	    cfg->target_memkb < cfg->max_memkb &&
	    (rc = hv_set_target_mem(m->hv, d->domid, cfg->target_memkb)) < 0)
		return dm_hv_fail(m, e, rc, "cannot set the memory target of", d->name);
	struct hv_hostinfo h;
	if (cfg->vcpu_hard_affinity.n == 0 && cfg->vcpu_soft_affinity.n == 0)
		return 0;
	if ((rc = hv_host_info(m->hv, &h)) < 0)
		return dm_hv_fail(m, e, rc, "cannot read the host's CPUs for", d->name);
	size_t len = ((h.nr_cpus ? h.nr_cpus : 1) + 7) / 8;
	if (len > DOMCFG_MAX_CPUS / 8)
		len = DOMCFG_MAX_CPUS / 8;
	uint8_t map[DOMCFG_MAX_CPUS / 8];
	for (uint32_t v = 0; v < max_vcpus; v++) {
		const struct cpumap *c = domcfg_affinity_map(&cfg->vcpu_hard_affinity, v);
		if (!c)
			continue;
		dm_cpumap_bytes(c, map, len);
		if ((rc = hv_vcpu_set_affinity(m->hv, d->domid, v, map, len)) < 0)
			return dm_hv_fail(m, e, rc, "cannot set the cpus= affinity of", d->name);
	}
	if (cfg->vcpu_soft_affinity.n == 0)
		return 0;
	if (!(d->soft = calloc(max_vcpus, sizeof(*d->soft)))) {
		dm_error_set(e, DM_ERR_NOMEM, NULL, "out of memory");
		return -ENOMEM;
	}
	d->n_soft = max_vcpus;
	for (uint32_t v = 0; v < max_vcpus; v++) {
		const struct cpumap *c = domcfg_affinity_map(&cfg->vcpu_soft_affinity, v);
		if (c)
			d->soft[v] = *c;
		else
			memset(&d->soft[v], 0xff, sizeof(d->soft[v]));
	}
	return 0;
}

/*
 * A create that failed half way: the domain is destroyed first, and only
 * then are its entries and record removed, so nothing is left. A domain the
 * hypervisor will not destroy is not forgotten while it lives: it stays in
 * the table (xcd list shows it, xcd destroy reaches it, its name stays
 * taken) and its record says the create is being undone, so the poll tries
 * again (dm_undo_retry) and an xcdd started meanwhile rolls it back.
 */
void dm_create_undo(struct dm *m, struct dm_domain *d)
{
	char err[XCD_ERR_MAX];
	int rc = hv_domain_destroy(m->hv, d->domid);
	if (rc < 0 && rc != -ESRCH) {
		log_err("domain %s (domid %u): a failed create cannot be undone yet: %s; its "
			"record is kept and the destroy tried again", d->name, d->domid,
			hv_error(m->hv));
		d->op = NULL;
		d->pending.kind = DM_PENDING_CREATE;
		snprintf(d->pending.step, sizeof(d->pending.step), UNDO_STEP);
		if (dm_record_save(m, d, err, sizeof(err)) < 0)
			log_warn("%s", err);
		if (dm_find_uuid(m, d->uuid) == d || dm_table_put(m, d) == 0)
			return;
		/* No memory to keep it: its record brings it back at the next start. */
		dm_domain_free(d);
		return;
	}
	/* Its devices went before (the device phase undone). */
	dm_drop(m, d, DM_DROP_ENTRIES | DM_DROP_RECORD);
}

/* The poll's second try at an undo (quiet while the hypervisor refuses:
 * dm_create_undo said so once). */
void dm_undo_retry(struct dm *m, struct dm_domain *d)
{
	int rc = hv_domain_destroy(m->hv, d->domid);
	if (rc < 0 && rc != -ESRCH) {
		log_debug("domain %s (domid %u): destroy of the failed create: %s", d->name,
			  d->domid, hv_error(m->hv));
		return;
	}
	log_info("domain %s (domid %u): the failed create is undone", d->name, d->domid);
	dm_drop(m, d, DM_DROP_ENTRIES | DM_DROP_RECORD | DM_DROP_NOTIFY);
}

/* The devices are up: unpause (unless asked not to), record, tell. */
void dm_create_finish(struct dm_op *op)
{
	struct dm *m = op->m;
	struct dm_domain *d = op->d;
	int rc = 0;
	dm_crash_point(m, "create:devices");
	if (op->mig) {
		/* A received guest runs only once its sender lets it go. */
		dm_migrate_in_ready(op);
		return;
	}
	if (!op->paused && (rc = hv_domain_unpause(m->hv, d->domid)) < 0)
		dm_hv_fail(m, &op->e, rc, "cannot unpause domain", d->name);
	if (rc == 0) {
		/* Done once this record is written: the next xcdd keeps it. */
		memset(&d->pending, 0, sizeof(d->pending));
		rc = dm_refresh(m, d, &op->e);
	}
	if (rc < 0) {
		/* For the log of the next xcdd, should this one die undoing it. */
		d->pending.kind = DM_PENDING_CREATE;
		snprintf(d->pending.step, sizeof(d->pending.step), "undoing");
		op->undoing = true;
		op->rc = rc;
		dm_op_devices(op, false, NULL);
		return;
	}
	log_info("%s domain %s (domid %u, uuid %s)%s", op->restore ? "restored" : "created",
		 d->name, d->domid, UUID_STR(d->uuid), op->paused ? ", paused" : "");
	dm_started(m, d);
	dm_op_end(op, 0, d);
}

/* The entries of D in xenstore, before the build. */
static int store_create(struct dm *m, const struct dm_domain *d, const struct domcfg *cfg,
			const struct hv_domain_config *hc, const struct timeval *tv,
			struct dm_error *e)
{
	if (!m->xs)
		return 0;
	char u[UUID_STR_LEN + 1];
	struct xsd_domain xd = {
		.domid = d->domid,
		.name = d->name,
		.uuid = uuid_str(d->uuid, u),
		.pvh = hc->type == HV_DOM_PVH,
		.max_kb = hc->max_mem_kb,
		.target_kb = cfg->target_memkb != DOMCFG_MEMKB_DEFAULT &&
					     cfg->target_memkb < hc->max_mem_kb
				     ? cfg->target_memkb
				     : hc->max_mem_kb,
		.max_vcpus = hc->max_vcpus,
		.vcpus = cfg->vcpus > 0 && (uint32_t)cfg->vcpus < hc->max_vcpus ? (uint32_t)cfg->vcpus
										 : hc->max_vcpus,
		.start_sec = tv->tv_sec,
		.start_usec = tv->tv_usec,
		.kernel = cfg->kernel,
		.ramdisk = cfg->ramdisk,
		.cmdline = cfg->cmdline,
	};
	char err[XCD_ERR_MAX];
	int rc = xsd_create(m->xs, &xd, err, sizeof(err));
	if (rc < 0)
		dm_error_set(e, DM_ERR_FAILED, NULL, "domain %s: %s", d->name, err);
	return rc;
}

/* The domain named NAME, unless the hypervisor no longer has it: one destroyed
 * behind xcdd's back (xl destroy) that the next poll has not seen go yet is
 * forgotten now, so that its name can be used again at once. */
static struct dm_domain *find_live(struct dm *m, const char *name)
{
	struct dm_domain *d = dm_find(m, name, 0);
	if (!d || d->op || !d->domid)
		return d;
	struct hv_dominfo i;
	int rc = hv_domain_getinfo(m->hv, d->domid, &i);
	if (rc == -ESRCH || (rc == 0 && memcmp(i.uuid, d->uuid, 16))) {
		log_info("domain %s (domid %u) has gone (seen when its name was wanted again)",
			 d->name, d->domid);
		dm_drop(m, d, DM_DROP_STORE | DM_DROP_RECORD | DM_DROP_NOTIFY);
		return NULL;
	}
	return d;
}

/* dm_name_check; LIVE: a domain the hypervisor no longer has is forgotten
 * first (not while a restart makes one again: the table is as it left it). */
static int name_check(struct dm *m, const struct dm_domain *self, const char *name,
		      const char *field, bool live, struct dm_error *e)
{
	char why[XCD_ERR_MAX];
	if (domname_check(name, why, sizeof(why)) < 0) {
		dm_error_set(e, self ? DM_ERR_INVALID : DM_ERR_CONFIG, field,
				  "%s: %s", field, why);
		return -EINVAL;
	}
	struct dm_domain *other = dm_find(m, name, 0);
	if (other && other != self && live)
		other = find_live(m, name);
	if (other && other != self) {
		char q[96];
		dm_error_set(e, DM_ERR_EXISTS, field, "a domain named %s exists already",
				  domname_quote(name, q, sizeof(q)));
		return -EEXIST;
	}
	return 0;
}

int dm_name_check(struct dm *m, const struct dm_domain *self, const char *name,
		  const char *field, struct dm_error *e)
{
	return name_check(m, self, name, field, true, e);
}

/* What a configuration must have before anything is made of it. */
static int create_checks(struct dm *m, const struct domcfg *cfg, bool restart,
			 struct dm_error *e)
{
	char err[XCD_ERR_MAX];
	if (!cfg->name) {
		dm_error_set(e, DM_ERR_CONFIG, "name", "the configuration has no name=");
		return -EINVAL;
	}
	int rc = name_check(m, NULL, cfg->name, "name", !restart, e);
	if (rc < 0)
		return rc;
	if (!cfg->kernel) {
		dm_error_set(e, DM_ERR_CONFIG, "kernel",
				  "%s: the configuration has no kernel=", cfg->name);
		return -EINVAL;
	}
	if (dev_check(cfg, err, sizeof(err)) < 0) {
		dm_error_set(e, DM_ERR_CONFIG, "params.config", "%s: %s", cfg->name, err);
		return -EINVAL;
	}
	/* A restart's old vif may still be going away under the same vifname;
	 * vif-bridge refuses an interface that is not the guest's in any case. */
	for (size_t i = 0; !restart && i < cfg->n_vifs; i++)
		if (vif_ifname_unused(&cfg->vifs[i], "/sys/class/net", err, sizeof(err)) < 0) {
			dm_error_set(e, DM_ERR_CONFIG, "params.config", "%s: vif %zu: %s",
					  cfg->name, i + 1, err);
			return -EINVAL;
		}
	return 0;
}

/* What the hypervisor is asked to make for CFG, under UUID. */
static void hv_config_of(const struct domcfg *cfg, const uint8_t *uuid,
			 struct hv_domain_config *hc)
{
	memset(hc, 0, sizeof(*hc));
	memcpy(hc->uuid, uuid, 16);
	hc->max_vcpus = cfg->max_vcpus > 0 ? cfg->max_vcpus : cfg->vcpus > 0 ? cfg->vcpus : 1;
	hc->max_mem_kb = cfg->max_memkb != DOMCFG_MEMKB_DEFAULT	   ? cfg->max_memkb
			 : cfg->target_memkb != DOMCFG_MEMKB_DEFAULT ? cfg->target_memkb
								     : DM_DEFAULT_MEMKB;
	hc->type = cfg->type == DOMCFG_TYPE_PVH ? HV_DOM_PVH : HV_DOM_PV;
	/* hv has a flag for "native" only (PVH under QEMU's emulated SVM needs
	 * it); other modes get the hypervisor's default. */
	if (cfg->tsc_mode == DOMCFG_TSC_NATIVE)
		hc->flags |= HV_CREATE_TSC_NATIVE;
	if (cfg->msr_relaxed == CFG_DEFBOOL_TRUE)
		hc->flags |= HV_CREATE_MSR_RELAXED;
	static const enum hv_timer_mode timer[] = {
		[DOMCFG_TIMER_DELAY_FOR_MISSED_TICKS] = HV_TIMER_DELAY_FOR_MISSED_TICKS,
		[DOMCFG_TIMER_NO_DELAY_FOR_MISSED_TICKS] = HV_TIMER_NO_DELAY_FOR_MISSED_TICKS,
		[DOMCFG_TIMER_NO_MISSED_TICKS_PENDING] = HV_TIMER_NO_MISSED_TICKS_PENDING,
		[DOMCFG_TIMER_ONE_MISSED_TICK_PENDING] = HV_TIMER_ONE_MISSED_TICK_PENDING,
	};
	if (cfg->timer_mode != DOMCFG_TIMER_DEFAULT)
		hc->timer_mode = timer[cfg->timer_mode];
	if (cfg->shadow_memkb != DOMCFG_MEMKB_DEFAULT)
		hc->paging_pool_kb = cfg->shadow_memkb;
	if (cfg->max_grant_version > 0)
		hc->max_grant_version = (uint32_t)cfg->max_grant_version;
}

/* Loads CFG's kernel into the created domain D, tells xenstored its rings,
 * applies its limits and affinities. */
static int build(struct dm *m, struct dm_domain *d, const struct domcfg *cfg,
		 uint32_t max_vcpus, struct dm_error *e)
{
	char err[XCD_ERR_MAX];
	struct hv_build_spec spec = { .kernel = cfg->kernel, .ramdisk = cfg->ramdisk,
				      .cmdline = cfg->cmdline,
				      .vcpus = cfg->vcpus > 0 ? (uint32_t)cfg->vcpus : 0 };
	struct hv_build_result built = { 0 };
	int rc = hv_domain_build(m->hv, d->domid, &spec, &built);
	if (rc < 0)
		return dm_hv_fail(m, e, rc, "cannot build domain", d->name);
	d->built = built; /* journaled by the refresh that ends the create */
	if (m->xs && (rc = xsd_built(m->xs, d->domid, &built, err, sizeof(err))) < 0) {
		dm_error_set(e, DM_ERR_FAILED, NULL, "domain %s: %s", d->name, err);
		return rc;
	}
	return dm_apply_config(m, d, cfg, max_vcpus, e);
}

/* dm_create; RESTART: made again by a restart, which a crash does not undo;
 * FILE (NULL: built from its kernel): restored from that save file. */
static int create_domain(struct dm *m, struct dm_cfg *held, const uint8_t *uuid,
			 const struct dm_source *src, bool paused, bool restart,
			 const char *file, struct dm_mig *mig, dm_done_fn *done, void *arg,
			 struct dm_error *e)
{
	const struct domcfg *cfg = held->cfg;
	if (!uuid)
		uuid = cfg->uuid;
	char err[XCD_ERR_MAX];
	int nrc = create_checks(m, cfg, restart, e);
	if (nrc < 0)
		return nrc;
	struct dm_domain *d = calloc(1, sizeof(*d));
	if (!d)
		goto nomem;
	memcpy(d->uuid, uuid, 16);
	if (dm_find_uuid(m, d->uuid)) {
		dm_error_set(e, DM_ERR_EXISTS, "uuid", "a domain with uuid %s exists already",
			     UUID_STR(d->uuid));
		free(d);
		return -EEXIST;
	}
	d->name = strdup(cfg->name);
	d->config_json = domcfg_to_json_string(cfg);
	if (!d->name || !d->config_json || (src && !(d->source = dm_source_dup(src))))
		goto nomem;
	d->cfg = dm_cfg_ref(held);
	dm_read_on(d);
	struct hv_domain_config hc;
	hv_config_of(cfg, uuid, &hc);
	/* Recorded before the hypervisor makes it (domid 0: not known yet; the
	 * next xcdd looks for its uuid), so that a daemon dying at any step
	 * leaves a record by which the next one undoes it, not a foreign domain. */
	snprintf(d->state, sizeof(d->state), "--p---");
	struct timeval tv;
	gettimeofday(&tv, NULL);
	d->start_time = tv.tv_sec;
	d->info.target_kb = d->info.max_mem_kb = hc.max_mem_kb;
	d->pending.kind = mig ? DM_PENDING_MIGRATE_IN : file ? DM_PENDING_RESTORE : DM_PENDING_CREATE;
	d->pending.paused = paused;
	d->pending.restart = restart;
	if (file)
		snprintf(d->pending.file, sizeof(d->pending.file), "%s", file);
	if (mig)
		dm_mig_pending_in(mig, &d->pending);
	snprintf(d->pending.step, sizeof(d->pending.step), "creating");
	int rc = dm_record_save(m, d, err, sizeof(err));
	if (rc < 0) {
		dm_error_set(e, DM_ERR_FAILED, NULL, "%s", err);
		dm_domain_free(d);
		return rc;
	}
	rc = hv_domain_create(m->hv, &hc, &d->domid);
	if (rc < 0) {
		dm_hv_fail(m, e, rc, "cannot create domain", d->name);
		dm_drop(m, d, DM_DROP_RECORD); /* not in the table yet */
		return rc;
	}
	snprintf(d->pending.step, sizeof(d->pending.step), "created");
	rc = dm_record_save(m, d, err, sizeof(err));
	if (rc < 0) {
		dm_error_set(e, DM_ERR_FAILED, NULL, "%s", err);
		goto undo;
	}
	dm_crash_point(m, mig ? "migrate-in:created" : file ? "restore:created" : "create:journal");
	if (dm_table_put(m, d) < 0) {
		char jerr[XCD_ERR_MAX];
		journal_remove(m->journal, UUID_STR(d->uuid), jerr, sizeof(jerr));
		rc = -ENOMEM;
		dm_error_set(e, DM_ERR_NOMEM, NULL, "out of memory");
		goto undo;
	}
	if ((rc = store_create(m, d, cfg, &hc, &tv, e)) < 0)
		goto undo_store;
	if (file || mig) {
		/* The memory comes from the file or the stream, in a job;
		 * restore.c (and migrate_in.c) go on. */
		struct dm_op *op = dm_op_new(m, d, OP_CREATE, done, arg);
		if (!op) {
			rc = -ENOMEM;
			dm_error_set(e, DM_ERR_NOMEM, NULL, "out of memory");
			goto undo_store;
		}
		op->paused = paused;
		op->restore = true;
		op->mig = mig;
		if ((rc = mig ? dm_migrate_in_fill(op, e) : dm_restore_fill(op, file, e)) < 0) {
			d->op = NULL;
			op->mig = NULL; /* the caller's again */
			free(op);
			goto undo_store;
		}
		return 0;
	}
	if ((rc = build(m, d, cfg, hc.max_vcpus, e)) < 0)
		goto undo_store;
	/* The record still says "created": what is undone after a crash is
	 * the same, and a write (an fsync) less is worth more than the step. */
	dm_crash_point(m, "create:built");
	struct dm_op *op = dm_op_new(m, d, OP_CREATE, done, arg);
	if (!op) {
		rc = -ENOMEM;
		dm_error_set(e, DM_ERR_NOMEM, NULL, "out of memory");
		goto undo_store;
	}
	op->paused = paused;
	dm_op_devices(op, true, cfg); /* op's steps go on from here, and end it */
	return 0;
undo_store:
undo:
	dm_create_undo(m, d);
	return rc;
nomem:
	dm_domain_free(d);
	dm_error_set(e, DM_ERR_NOMEM, NULL, "out of memory");
	return -ENOMEM;
}

int dm_create_domain(struct dm *m, struct dm_cfg *held, const uint8_t *uuid,
		     const struct dm_source *src, bool paused, bool restart, dm_done_fn *done,
		     void *arg, struct dm_error *e)
{
	return create_domain(m, held, uuid, src, paused, restart, NULL, NULL, done, arg, e);
}

int dm_restore_domain(struct dm *m, struct dm_cfg *held, const uint8_t *uuid,
		      const struct dm_source *src, bool paused, const char *file,
		      dm_done_fn *done, void *arg, struct dm_error *e)
{
	return create_domain(m, held, uuid, src, paused, false, file, NULL, done, arg, e);
}

int dm_receive_domain(struct dm *m, struct dm_cfg *held, const uint8_t *uuid,
		      const struct dm_source *src, bool paused, struct dm_mig *mig,
		      dm_done_fn *done, void *arg, struct dm_error *e)
{
	return create_domain(m, held, uuid, src, paused, false, NULL, mig, done, arg, e);
}

int dm_create(struct dm *m, struct domcfg *cfg, const struct dm_source *src, bool paused,
	      dm_done_fn *done, void *arg, struct dm_error *e)
{
	struct dm_cfg *held = dm_cfg_hold(cfg);
	if (!held) {
		dm_error_set(e, DM_ERR_NOMEM, NULL, "out of memory");
		return -ENOMEM;
	}
	/* The domain holds its own reference from here, if it is made. */
	int rc = dm_create_domain(m, held, NULL, src, paused, false, done, arg, e);
	dm_cfg_put(held);
	return rc;
}
