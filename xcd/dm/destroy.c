/* destroy: dm_destroy, devices first, then the domain and its entries. */
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

int dm_destroy(struct dm *m, struct dm_domain *d, dm_done_fn *done, void *arg,
	       struct dm_error *e)
{
	if (d->op && d->op->kind == OP_DESTROY) {
		dm_error_set(e, DM_ERR_BUSY, NULL, "domain %s is being destroyed already",
				  d->name);
		return -EBUSY;
	}
	/* Its create waits for a job that may never end (a hanging script):
	 * the job is killed, the create told, and what it did is undone below. */
	if (d->op)
		dm_op_abort(d, -ECANCELED, d->op->mig ? "destroyed while being migrated"
						      : "destroyed before its devices were set up");
	/* Paused, then its devices, as libxl: the scripts still find the
	 * backends, and the guest no longer uses them. */
	/* From here it goes, whatever happens to this xcdd: the next one
	 * finishes it. A restart's record says "restart" throughout. */
	dm_pending_set(m, d, d->pending.kind == DM_PENDING_RESTART ? DM_PENDING_RESTART : DM_PENDING_DESTROY,
		"destroying");
	if (hv_domain_getinfo(m->hv, d->domid, &d->info) == 0 &&
	    !(d->info.flags & (HV_DOMF_PAUSED | HV_DOMF_SHUTDOWN | HV_DOMF_DYING)) &&
	    hv_domain_pause(m->hv, d->domid) < 0)
		log_debug("domain %s: pause before destroy: %s", d->name, hv_error(m->hv));
	dm_crash_point(m, "destroy:journal");
	struct dm_op *op = dm_op_new(m, d, OP_DESTROY, done, arg);
	if (!op) {
		dm_error_set(e, DM_ERR_NOMEM, NULL, "out of memory");
		return -ENOMEM;
	}
	dm_op_devices(op, false, NULL);
	return 0;
}

/* The devices are gone: the domain and its entries go. */
void dm_destroy_finish(struct dm_op *op)
{
	struct dm *m = op->m;
	struct dm_domain *d = op->d;
	char err[XCD_ERR_MAX];
	int rc = hv_domain_destroy(m->hv, d->domid);
	if (rc < 0 && rc != -ESRCH) {
		dm_hv_fail(m, &op->e, rc, "cannot destroy domain", d->name);
		/* It stays, and nothing is under way on it any more. */
		memset(&d->pending, 0, sizeof(d->pending));
		if (dm_record_save(m, d, err, sizeof(err)) < 0)
			log_warn("%s", err);
		dm_op_end(op, rc, NULL);
		return;
	}
	dm_crash_point(m, "destroy:hv");
	/* Its entries go with it, before the record says so (a restart's). */
	if (m->xs && xsd_remove(m->xs, d->domid, UUID_STR(d->uuid), err, sizeof(err)) < 0)
		log_warn("domain %s: %s", d->name, err);
	log_info("destroyed domain %s (domid %u)", d->name, d->domid);
	op->d = NULL;
	d->op = NULL;
	if (d->pending.kind == DM_PENDING_RESTART) {
		/* The record stays until the create replaces it: a daemon dying
		 * now leaves the guest to make again, not lost. */
		dm_pending_set(m, d, DM_PENDING_RESTART, "destroyed");
		dm_crash_point(m, "restart:destroyed");
		dm_drop(m, d, DM_DROP_NOTIFY);
	} else {
		dm_drop(m, d, DM_DROP_RECORD | DM_DROP_NOTIFY);
	}
	dm_op_end(op, 0, NULL);
}
