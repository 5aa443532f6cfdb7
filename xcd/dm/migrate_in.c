/* migrate_in: the receiving side of a live migration (dm_migrate_receive):
 * a domain made as NAME--incoming as a restore is, its memory from the
 * stream by a job and, beside it, its devices added (their hotplug scripts
 * run while the memory comes, before the sender stops the guest: they are
 * not in its downtime); once both are done, xl's handover from the loop:
 * "ready" sent, "go" awaited, the commit recorded (the ledger, mig_ledger.c: the decision a
 * sender in doubt asks for), renamed NAME, unpaused, the report sent. Any
 * failure before "go" destroys it; what a dead xcdd left is settled; a
 * sender's outcome query answered (dm_migrate_outcome). */
#include "dm_internal.h"
#include "handover.h"
#include "migrate_job.h"
#include "mig_state.h"
#include "../../lib/log.h"
#include "../../lib/uuid.h"
#include "../domname.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How long the receiver waits for the sender's "go" after its "ready". */
#define GO_WAIT_MS 60000
/* The status a failed start reports: minus libxl's ERROR_FAIL, as xl sends. */
#define REPORT_FAIL 3

static void recv_progress(uint64_t done, uint64_t total, void *arg)
{
	struct dm_op *op = arg;
	if (op->m->progress && op->d)
		op->m->progress(op->m, op->d, "receive", done, total, op->m->arg);
}

/* The job read the stream whole: the domain goes on at once; the job waits,
 * parked, to be let go (killed: its DONE never comes) once the handover is
 * over, as its end (the guest's memory let go) takes a while. */
static void recv_event(const char *line, void *arg)
{
	struct dm_op *op = arg;
	if (!strstr(line, "\"whole\"") || !op->job)
		return;
	devjob_detach(op->job);
	op->mig->parked = op->job;
	op->job = NULL;
	dm_mig_mark(op->mig->final_name, "received whole");
	dm_restore_filled(0, true, "", op);
}

static void fail_before_go(struct dm_op *op, int rc, const char *why);

/* The devices added while the memory comes are up (or failed: the
 * migration fails now, the sender resumes its copy; what the job added is
 * removed by the undo). */
static void in_devices_done(int rc, bool reported, const char *err, void *arg)
{
	struct dm_op *op = arg;
	struct dm_mig *mig = op->mig;
	(void)reported;
	mig->devjob = NULL;
	if (mig->undo_after_devices) { /* the migration failed meanwhile */
		mig->undo_after_devices = false;
		dm_op_devices(op, false, NULL); /* then dm_create_undo, and the caller told */
		return;
	}
	if (rc < 0 && mig->dev_starting) {
		mig->dev_start_rc = rc;
		dm_error_set(&op->e, DM_ERR_FAILED, NULL, "domain %s: %s", op->d->name, err);
		return;
	}
	if (rc < 0) {
		fail_before_go(op, rc, err);
		return;
	}
	mig->devices_up = true;
	log_debug("receiving %s: its devices are up%s", mig->final_name,
		  mig->filled ? "" : ", its memory still coming");
	dm_mig_mark(mig->final_name, "devices up");
	dm_mig_local_devices_settled(op->m, mig); /* a sender here may stop its guest now */
	if (op->m->mig_devices) /* a sender elsewhere, told through the TCP transport */
		op->m->mig_devices(op->m, op->d, op->m->arg);
	if (mig->filled)
		dm_create_finish(op); /* "ready" */
}

void dm_migrate_in_filled(struct dm_op *op)
{
	struct dm_mig *mig = op->mig;
	mig->filled = true;
	if (mig->devices_up)
		dm_create_finish(op); /* "ready" */
	else
		log_debug("receiving %s: its memory is in, its devices not up yet",
			  mig->final_name);
}

/* The copy's devices removed, then dm_create_undo, and the caller told. While
 * the job adding them still runs, the removal waits for its end
 * (in_devices_done): cancelled or raced, an add still under way would leave
 * what it makes (a loop device over the disk, the next move of the guest
 * then refused by the block script) after the removal had run. */
static void undo_devices(struct dm_op *op, int rc)
{
	op->undoing = true;
	op->rc = rc;
	if (op->mig->devjob) {
		op->mig->undo_after_devices = true;
		return;
	}
	dm_op_devices(op, false, NULL);
}

void dm_migrate_in_undo(struct dm_op *op, int rc)
{
	dm_mig_local_devices_settled(op->m, op->mig);
	undo_devices(op, rc);
}

int dm_migrate_in_fill(struct dm_op *op, struct dm_error *e)
{
	struct dm *m = op->m;
	struct dm_mig *mig = op->mig;
	struct dm_recv_work w = { m->job_backend, m->job_sim_sock, op->d->domid,
				  mig->stream_off };
	struct devjob_extra x = { &mig->in_fd, 1, recv_event, NULL };
	char what[64], err[512];
	snprintf(what, sizeof(what), "receiving domain %u", op->d->domid);
	int rc = devjob_run_with(&m->jobs, what, &x, dm_recv_work, &w, recv_progress,
				 dm_restore_filled, op, &op->job, err, sizeof(err));
	if (rc < 0) {
		dm_error_set(e, DM_ERR_FAILED, NULL, "domain %s: %s", op->d->name, err);
		return rc;
	}
	dm_pending_set(m, op->d, DM_PENDING_MIGRATE_IN, "receiving");
	dm_crash_point(m, "migrate-in:job");
	/* Its devices while the memory comes: the fill's end waits for them
	 * (dm_migrate_in_filled). A failure to start them stops the fill job
	 * and is returned (what was written goes with the domain's undo); a
	 * failure after ends the migration (in_devices_done). */
	mig->dev_starting = true;
	dm_op_devices_with(op, true, op->d->cfg->cfg, in_devices_done, &mig->devjob);
	mig->dev_starting = false;
	if ((rc = mig->dev_start_rc) < 0) {
		devjob_cancel(op->job);
		op->job = NULL;
		*e = op->e;
		return rc;
	}
	return 0;
}

/* Before "go": the pipe closed (the sender resumes its own copy), this one
 * undone (devices, domain, entries, record) by the create's undo. */
static void fail_before_go(struct dm_op *op, int rc, const char *why)
{
	struct dm_mig *mig = op->mig;
	dm_mig_stop(op);
	/* A sender here waiting for this copy's devices stops waiting. */
	dm_mig_local_devices_settled(op->m, mig);
	dm_error_set(&op->e, rc == -ECANCELED ? DM_ERR_STATE : DM_ERR_FAILED, NULL,
		     "receiving %s: %s; the copy here is destroyed", mig->final_name, why);
	log_warn("%s", op->e.message); /* the caller may be gone */
	undo_devices(op, rc);
}

void dm_migrate_in_abort(struct dm_op *op)
{
	fail_before_go(op, -ECANCELED, "aborted (xcd migrate-abort, or its caller left)");
}

/* After "go", the start failed, or its commit could not be recorded: the
 * commit undone first (the ledger's record removed: a sender asking from
 * now on hears "aborted"), the failure reported, this copy destroyed, the
 * sender given leave to resume its own; then the create's undo. */
static void fail_after_go(struct dm_op *op, int rc)
{
	struct dm_mig *mig = op->mig;
	struct dm *m = op->m;
	struct dm_domain *d = op->d;
	char err[XCD_ERR_MAX];
	struct hv_dominfo i;
	if (hv_domain_getinfo(m->hv, d->domid, &i) == 0 && !(i.flags & HV_DOMF_PAUSED) &&
	    hv_domain_pause(m->hv, d->domid) < 0)
		log_err("receiving %s: cannot pause the copy here again: %s", mig->final_name,
			hv_error(m->hv));
	if (mig->ledgered && dm_ledger_forget(m, mig->id, err, sizeof(err)) < 0) {
		/* The record says committed: a sender asking is told so, and
		 * destroys its copy. This one must then stay, for a person. */
		log_err("receiving %s: %s; and the commit cannot be undone (%s): the copy here "
			"is kept, paused as %s, for a person", mig->final_name, op->e.message, err,
			d->name);
		dm_mig_close(mig);
		dm_op_end(op, rc, NULL);
		return;
	}
	mig->ledgered = false;
	dm_pending_set(m, d, DM_PENDING_MIGRATE_IN, "failing");
	log_err("receiving %s: %s; the sender is told to resume its copy", mig->final_name,
		op->e.message);
	/* The sender's leave to resume only once this copy cannot run. */
	if (mig_pipe_send(mig->out_fd, MIG_PIPE_REPORT, REPORT_FAIL, err, sizeof(err)) < 0)
		log_warn("receiving %s: %s", mig->final_name, err);
	else if (hv_domain_destroy(m->hv, d->domid) < 0)
		log_err("receiving %s: cannot destroy the copy here (%s): the sender is not told "
			"to resume its own", mig->final_name, hv_error(m->hv));
	else if (mig_pipe_send(mig->out_fd, MIG_PIPE_GO, 0, err, sizeof(err)) < 0)
		log_warn("receiving %s: %s", mig->final_name, err);
	dm_mig_close(mig);
	op->undoing = true;
	op->rc = rc;
	dm_op_devices(op, false, NULL);
}

/* The decision, recorded before anything runs: with an id (an xcd
 * sender), the ledger's record, which the sender may ask for; from xl,
 * the domain's record at step "committed". 0, or a negative errno with
 * OP's error (nothing recorded: not committed). */
static int record_commit(struct dm_op *op)
{
	struct dm_mig *mig = op->mig;
	struct dm_domain *d = op->d;
	char err[XCD_ERR_MAX];
	if (!mig->has_id) {
		dm_pending_set(op->m, d, DM_PENDING_MIGRATE_IN, "committed");
		return 0;
	}
	int rc = dm_ledger_commit(op->m, mig->id, d, err, sizeof(err));
	if (rc < 0) {
		dm_error_set(&op->e, DM_ERR_FAILED, NULL, "cannot record the commit: %s", err);
		return rc;
	}
	mig->ledgered = true;
	return 0;
}

/* "go": the guest is ours. Recorded first, so that a dead xcdd's successor
 * finishes it and a sender in doubt hears so; then its name and its run. */
static void got_go(int rc, uint8_t status, const char *err, void *arg)
{
	struct dm_op *op = arg;
	struct dm_mig *mig = op->mig;
	struct dm *m = op->m;
	struct dm_domain *d = op->d;
	char serr[256];
	mig->wait = NULL;
	(void)status;
	if (rc < 0) {
		fail_before_go(op, rc, err);
		return;
	}
	mig->committing = true;
	dm_mig_mark(mig->final_name, "go received");
	dm_crash_point(m, "migrate-in:go");
	if ((rc = record_commit(op)) < 0) {
		fail_after_go(op, rc);
		return;
	}
	dm_crash_point(m, "migrate-in:committed");
	dm_mig_mark(mig->final_name, "commit recorded");
	/* Its name in xenstore, then its run and the report, which end the
	 * guest's downtime; the record with its name follows (a dead xcdd's
	 * successor finishes a "committed" one: the name, the run). */
	rc = dm_rename_unsaved(m, d, mig->final_name, &op->e);
	if (rc == 0 && !op->paused && (rc = hv_domain_unpause(m->hv, d->domid)) < 0)
		dm_hv_fail(m, &op->e, rc, "cannot unpause domain", d->name);
	if (rc < 0) {
		fail_after_go(op, rc);
		return;
	}
	dm_crash_point(m, "migrate-in:started");
	dm_mig_mark(mig->final_name, "unpaused");
	if (mig_pipe_send(mig->out_fd, MIG_PIPE_REPORT, 0, serr, sizeof(serr)) < 0)
		log_warn("received %s: the sender was not told (%s); it asks again, or a person "
			 "destroys its copy", d->name, serr);
	dm_mig_close(mig);
	dm_crash_point(m, "migrate-in:reported");
	memset(&d->pending, 0, sizeof(d->pending));
	struct dm_error e = { 0 };
	if (dm_refresh(m, d, &e) < 0)
		log_warn("%s", e.message);
	log_info("received domain %s (domid %u, uuid %s)%s", d->name, d->domid, UUID_STR(d->uuid),
		 op->paused ? ", paused" : "");
	dm_started(m, d);
	dm_op_end(op, 0, d);
}

void dm_migrate_in_ready(struct dm_op *op)
{
	struct dm_mig *mig = op->mig;
	struct dm *m = op->m;
	char err[256];
	/* Not journaled: before "go", every step is settled alike (the copy
	 * destroyed), and the guest's downtime waits for each write. */
	dm_crash_point(m, "migrate-in:ready");
	dm_mig_mark(mig->final_name, "ready sent");
	int rc = mig_pipe_send(mig->out_fd, MIG_PIPE_READY, 0, err, sizeof(err));
	if (rc == 0 && (rc = dm_wait_start(m->jobs.loop, mig->in_fd, MIG_PIPE_GO, GO_WAIT_MS,
					    got_go, op, &mig->wait)) < 0)
		snprintf(err, sizeof(err), "cannot wait for the go: %s", strerror(-rc));
	if (rc < 0)
		fail_before_go(op, rc, err);
}

/* The migration's id an xcd sender puts in the stream's configuration
 * ("xcd_source": {"migration"}): 1 with ID, 0 without (xl's). */
static int stream_mig_id(const char *json, uint8_t id[16])
{
	char perr[64];
	yajl_val t = yajl_tree_parse(json, perr, sizeof(perr));
	const char *path[] = { "xcd_source", "migration", NULL };
	yajl_val v = t ? yajl_tree_get(t, path, yajl_t_string) : NULL;
	int rc = v && uuid_parse(YAJL_GET_STRING(v), id) == 0;
	if (t)
		yajl_tree_free(t);
	return rc;
}

/* Whether this xcdd reads a migration stream of CFG's kind of guest: 0 or E. */
static int receive_checks(const struct domcfg *cfg, struct dm_error *e)
{
	if (!cfg->name) {
		dm_error_set(e, DM_ERR_CONFIG, "params.config", "the migration stream: its "
			     "configuration has no name");
		return -EINVAL;
	}
	/* libmigrate reads a PVH guest's stream (either backend: xl's as
	 * xcd's) and a simulated PV guest's. */
	if (cfg->type != DOMCFG_TYPE_PVH && (!cfg->kernel || strncmp(cfg->kernel, "sim:", 4) != 0)) {
		dm_error_set(e, DM_ERR_CONFIG, "params.config", "the migration stream: %s is a PV "
			     "guest on Xen, which cannot be received (Debian's Xen cannot live-migrate "
			     "a PV guest); PVH guests and simulated guests can", cfg->name);
		return -EOPNOTSUPP;
	}
	return 0;
}

void dm_mig_pending_in(const struct dm_mig *mig, struct dm_pending_op *p)
{
	snprintf(p->mig_name, sizeof(p->mig_name), "%s", mig->final_name);
	p->has_mig_id = mig->has_id;
	memcpy(p->mig_id, mig->id, 16);
}

int dm_migrate_receive(struct dm *m, const char *config_json, uint64_t stream_off, int in_fd,
		       int out_fd, bool paused, dm_done_fn *done, void *arg, uint8_t uuid_out[16],
		       struct dm_error *e)
{
	struct dm_mig *mig = calloc(1, sizeof(*mig));
	struct domcfg *cfg = NULL;
	struct dm_source *src = NULL;
	uint8_t uuid[16];
	bool have_uuid = false;
	int rc = -ENOMEM;
	if (!mig) {
		close(in_fd);
		close(out_fd);
		dm_error_set(e, DM_ERR_NOMEM, NULL, "out of memory");
		return rc;
	}
	*mig = (struct dm_mig){ .m = m, .out_fd = out_fd, .in_fd = in_fd,
				.stream_off = stream_off };
	if (!m->jobs.loop || m->job_backend == HV_AUTO) {
		dm_error_set(e, DM_ERR_FAILED, NULL, "receiving needs xcdd's loop running");
		rc = -EAGAIN;
		goto fail;
	}
	if ((rc = dm_config_from_json("the migration stream", "params.config", config_json, &cfg,
				      &src, uuid, &have_uuid, e)) < 0)
		goto fail;
	mig->has_id = stream_mig_id(config_json, mig->id);
	if ((rc = receive_checks(cfg, e)) < 0)
		goto fail;
	/* From this very xcdd (localhost): the sender's copy holds the
	 * guest's uuid and name until it is gone (mig_local.c). */
	if (mig->has_id && have_uuid && dm_mig_local_source(m, uuid, mig->id)) {
		mig->local = true;
		memcpy(mig->local_uuid, uuid, 16);
		memcpy(uuid, mig->id, 16);
		log_info("migration %s comes from this xcdd: its copy is made under that id as "
			 "its uuid until the guest's (%s) is free", UUID_STR(mig->id),
			 UUID_STR(mig->local_uuid));
	}
	/* The name it takes at the commit, free now (it is checked again
	 * then: a domain may take it meanwhile, and the commit is undone). */
	if (!mig->local && (rc = dm_name_check(m, NULL, cfg->name, "name", e)) < 0)
		goto fail;
	/* xl's names: NAME--incoming until the commit, NAME after. */
	char incoming[DOMNAME_MAX + 1];
	snprintf(mig->final_name, sizeof(mig->final_name), "%s", cfg->name);
	dm_mig_name(cfg->name, "--incoming", incoming, sizeof(incoming));
	char *name = strdup(incoming);
	rc = -ENOMEM;
	if (!name)
		goto fail;
	free(cfg->name);
	cfg->name = name;
	struct dm_cfg *held = dm_cfg_hold(cfg);
	cfg = NULL;
	if (!held)
		goto fail;
	memcpy(uuid_out, have_uuid ? uuid : held->cfg->uuid, 16);
	rc = dm_receive_domain(m, held, have_uuid ? uuid : NULL, src, paused, mig, done, arg, e);
	dm_cfg_put(held);
	dm_source_free(src);
	if (rc < 0)
		dm_mig_free(mig);
	return rc;
fail:
	if (rc == -ENOMEM)
		dm_error_set(e, DM_ERR_NOMEM, NULL, "out of memory");
	if (cfg)
		domcfg_free(cfg);
	if (src)
		dm_source_free(src);
	dm_mig_free(mig);
	return rc;
}

/* Whether D's migration here was committed: its id's record in the ledger
 * (1), or, from xl, its record's step; a negative errno when the ledger
 * cannot be read. */
static int was_committed(struct dm *m, const struct dm_domain *d)
{
	if (!strcmp(d->pending.step, "failing"))
		return 0;
	if (d->pending.has_mig_id)
		return dm_ledger_committed(m, d->pending.mig_id);
	return !strcmp(d->pending.step, "committed");
}

void dm_settle_migrate_in(struct dm *m, struct dm_domain *d, bool present)
{
	const char *there = present ? "" : ", no longer in the hypervisor";
	struct dm_error e = { 0 };
	int committed = was_committed(m, d);
	if (committed < 0) {
		/* Neither way is safe: a sender may have been told either. */
		log_err("domain %s (domid %u%s): whether its migration from another host had "
			"committed cannot be read from the ledger: left paused as it is, for a "
			"person", d->name, d->domid, there);
		return;
	}
	if (!committed) {
		log_info("domain %s (domid %u%s): its migration from another host did not commit "
			 "(step %s): rolled back (destroyed; the sender runs it)", d->name, d->domid,
			 there, d->pending.step);
		if (!present)
			dm_drop(m, d, DM_DROP_STORE | DM_DROP_RECORD);
		else if (dm_destroy(m, d, NULL, NULL, &e) < 0)
			log_err("%s", e.message);
		return;
	}
	if (!present) {
		log_err("domain %s (domid %u): its migration had committed, but the hypervisor no "
			"longer has it", d->name, d->domid);
		dm_drop(m, d, DM_DROP_STORE | DM_DROP_RECORD);
		return;
	}
	log_info("domain %s (domid %u): its migration from another host had committed: rolled "
		 "forward (named %s, %s)", d->name, d->domid, d->pending.mig_name,
		 d->pending.paused ? "left paused" : "running");
	if (strcmp(d->name, d->pending.mig_name) != 0 && d->pending.has_mig_id &&
	    dm_mig_local_holds(m, d->pending.mig_name, d->pending.mig_id))
		log_info("domain %s: %s is its copy on this very xcdd, which holds its name "
			 "until it is destroyed (its migration's outcome asked)", d->name,
			 d->pending.mig_name);
	else if (strcmp(d->name, d->pending.mig_name) != 0 &&
		 dm_rename_domain(m, d, d->pending.mig_name, &e) < 0)
		log_err("domain %s keeps its name: %s", d->name, e.message);
	struct hv_dominfo i;
	if (!d->pending.paused && hv_domain_getinfo(m->hv, d->domid, &i) == 0 &&
	    (i.flags & HV_DOMF_PAUSED) && hv_domain_unpause(m->hv, d->domid) < 0)
		log_err("domain %s: cannot unpause it: %s", d->name, hv_error(m->hv));
	memset(&d->pending, 0, sizeof(d->pending));
	if (dm_refresh(m, d, &e) < 0)
		log_warn("%s", e.message);
}

int dm_migrate_outcome(struct dm *m, const uint8_t id[16], bool *committed,
		       struct dm_error *e)
{
	int rc = dm_ledger_committed(m, id);
	if (rc < 0) {
		dm_error_set(e, DM_ERR_FAILED, NULL, "migration %s: the ledger cannot be read: %s",
			     UUID_STR(id), strerror(-rc));
		return rc;
	}
	*committed = rc == 1;
	if (*committed)
		return 0;
	/* Not committed: never will be. One still under way here (its go not
	 * come: it cannot have come past its record) is aborted now, so that
	 * a go still on its way finds nobody. */
	struct strmap_iter it;
	for (struct strmap_entry *x = strmap_next(&m->by_uuid, &it, NULL); x;
	     x = strmap_next(&m->by_uuid, &it, x)) {
		struct dm_domain *d = x->val;
		struct dm_op *op = d->op;
		if (!op || !op->mig || op->kind == OP_MIGRATE || op->undoing ||
		    !op->mig->has_id || memcmp(op->mig->id, id, 16) != 0)
			continue;
		log_info("domain %s: the sender of migration %s asks its outcome before its go "
			 "came: aborted", d->name, UUID_STR(id));
		dm_migrate_in_abort(op);
		break;
	}
	return 0;
}
