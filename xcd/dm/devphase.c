/* devphase: a create's or a destroy's chain of steps, and its device phase
 * (a job once xcdd's loop runs). */
#include "dm_internal.h"
#include "mig_state.h"
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
#include <unistd.h>

struct dm_op *dm_op_new(struct dm *m, struct dm_domain *d, enum op_kind kind,
			    dm_done_fn *done, void *arg)
{
	struct dm_op *op = calloc(1, sizeof(*op));
	if (!op)
		return NULL;
	op->m = m;
	op->d = d;
	op->kind = kind;
	op->done = done;
	op->arg = arg;
	d->op = op;
	return op;
}

/* Tells the caller (D: the domain made, or NULL) and frees OP. */
void dm_op_end(struct dm_op *op, int rc, struct dm_domain *d)
{
	if (op->d && op->d->op == op)
		op->d->op = NULL;
	if (rc < 0 && !op->e.message[0])
		dm_error_set(&op->e, DM_ERR_FAILED, NULL, "%s", strerror(-rc));
	if (op->mig)
		dm_mig_end(op->mig, rc, &op->e);
	if (op->done)
		op->done(op->m, rc, rc == 0 ? d : NULL, &op->e, op->arg);
	else if (rc < 0)
		log_err("%s", op->e.message);
	free(op);
}

static void op_devices_done(int rc, bool reported, const char *err, void *arg);

void dm_op_devices_with(struct dm_op *op, bool add, const struct domcfg *cfg,
			devjob_done_fn *done, struct devjob **job)
{
	struct dm *m = op->m;
	struct dm_domain *d = op->d;
	char err[XCD_ERR_MAX] = "";
	int rc = 0;
	/* The entries are written here, at once, so that a domain is never seen
	 * without them; only waits and scripts take time. Without a device
	 * there is no script to run, and no job is worth its fork. */
	if (!m->xs || (add && cfg->n_disks + cfg->n_vifs == 0)) {
		done(0, true, "", op);
		return;
	}
	/* D's uuid: a restart's may not be the configuration's; a copy coming
	 * from this xcdd is under its migration's id until it takes the
	 * guest's (mig_local.c), whose default MACs it keeps. */
	const uint8_t *uuid = op->mig && op->mig->local ? op->mig->local_uuid : d->uuid;
	if (add && (rc = dev_write_all(&m->dev, d->domid, uuid, cfg, err, sizeof(err))) < 0) {
		done(rc, true, err, op);
		return;
	}
	if (!m->jobs.loop || (!add && !dev_backends(&m->dev, d->domid))) {
		rc = add ? dev_plug_all(&m->dev, d->domid, cfg, err, sizeof(err))
			 : dev_remove_all(&m->dev, d->domid, err, sizeof(err));
		done(rc, true, err, op);
		return;
	}
	rc = devjob_start(&m->jobs, &m->dev, add ? DEVJOB_ADD : DEVJOB_REMOVE, d->domid,
			  add ? cfg : NULL, done, op, job, err, sizeof(err));
	if (rc == 0)
		dm_crash_point(m, add ? "create:devjob" : "destroy:devjob");
	if (rc < 0) {
		/* Nothing ran: what dev_write_all wrote goes with the domain. */
		char rerr[XCD_ERR_MAX];
		if (add && dev_remove_all(&m->dev, d->domid, rerr, sizeof(rerr)) < 0)
			log_warn("domain %s: %s", d->name, rerr);
		done(rc, true, err, op);
	}
}

/*
 * The device phase of OP: adds CFG's devices (ADD) or removes the domain's.
 * As a job when the loop runs, else inline; either way op_devices_done goes
 * on, so the caller must not touch OP after this.
 */
void dm_op_devices(struct dm_op *op, bool add, const struct domcfg *cfg)
{
	dm_op_devices_with(op, add, cfg, op_devices_done, &op->job);
}

static void op_devices_done(int rc, bool reported, const char *err, void *arg)
{
	struct dm_op *op = arg;
	struct dm_domain *d = op->d;
	op->job = NULL;
	if (op->kind == OP_DESTROY) {
		/* A failing script is logged; the domain goes all the same. */
		if (rc < 0)
			log_warn("domain %s: %s", d->name, err);
		dm_destroy_finish(op);
		return;
	}
	if (op->undoing) {
		if (rc < 0)
			log_warn("domain %s: %s", d->name, err);
		op->d = NULL; /* freed with the domain */
		dm_create_undo(op->m, d);
		dm_op_end(op, op->rc, NULL);
		return;
	}
	if (rc < 0) {
		dm_error_set(&op->e, DM_ERR_FAILED, NULL, "domain %s: %s", d->name, err);
		if (!reported) {
			/* The job died half way: what it added is removed here. */
			op->undoing = true;
			op->rc = rc;
			dm_op_devices(op, false, NULL);
			return;
		}
		/* dev_add_all undid its own devices. */
		op->d = NULL; /* freed with the domain */
		dm_create_undo(op->m, d);
		dm_op_end(op, rc, NULL);
		return;
	}
	dm_create_finish(op);
}

/* Ends D's operation without its job: OP_CREATE and OP_DESTROY alike are
 * told RC with the message WHY (the domain is destroyed, the host lost). */
void dm_op_abort(struct dm_domain *d, int rc, const char *why)
{
	struct dm_op *op = d->op;
	if (!op)
		return;
	if (op->job)
		devjob_cancel(op->job);
	op->job = NULL;
	if (op->kind == OP_SAVE) {
		/* What the job wrote goes; the record settles the rest. */
		char tmp[DM_SAVE_PATH_MAX + 8];
		if (dm_save_tmp(d->pending.file, tmp, sizeof(tmp)) == 0)
			unlink(tmp);
	}
	if (!op->undoing)
		dm_error_set(&op->e, DM_ERR_FAILED, NULL, "domain %s: %s", d->name, why);
	op->d = NULL;
	d->op = NULL;
	dm_op_end(op, op->undoing ? op->rc : rc, NULL);
}
