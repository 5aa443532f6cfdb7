/* migrate: the sending side of a live migration (dm_migrate): the job that
 * writes the stream, then xl's handover in the loop (ready, rename away,
 * commit, go, report), the destroy on success, the rollback on any failure
 * before the commit; after it, a broken pipe puts the sender in doubt
 * (mig_resolve.c asks the receiver); what a dead xcdd left half done;
 * abort. The receiving side is migrate_in.c; the state both share is
 * struct dm_mig; the queue of migrations waiting to start, mig_queue.c. */
#include "dm_internal.h"
#include "handover.h"
#include "migrate_job.h"
#include "mig_state.h"
#include "../../lib/log.h"
#include "../../lib/uuid.h"
#include "../actions.h"
#include "../domname.h"
#include "../xs_domain.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

/* How long the sender waits for the receiver's ready message once the
 * stream is written (the receiver makes the domain runnable and plugs its
 * devices meanwhile), and for its report after "go". */
#define READY_WAIT_MS 60000
#define REPORT_WAIT_MS 120000
/* Of the downtime target, what the stop is expected to take beside its
 * memory before a migration from this xcdd has measured it (struct dm's
 * mig_fixed_ms): a starting guess, replaced by the first measurement. */
#define DM_MIG_RESERVE_MS 10

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

void dm_mig_mark(const char *name, const char *what)
{
	log_debug("migration of %s: %s at %.1f ms", name, what, (double)now_ns() / 1e6);
}

void dm_mig_name(const char *name, const char *suffix, char *out, size_t len)
{
	size_t keep = domname_cut(name, DOMNAME_MAX - strlen(suffix));
	snprintf(out, len, "%.*s%s", (int)keep, name, suffix);
}

void dm_mig_free(struct dm_mig *mig)
{
	if (!mig)
		return;
	dm_wait_stop(mig->wait);
	if (mig->retry)
		loop_timer_free(mig->retry);
	dm_mig_devices_wait_stop(mig);
	if (mig->queued)
		dm_mig_dequeue(mig);
	dm_mig_slot_release(mig);
	dm_mig_let_go(mig);
	if (mig->devjob)
		devjob_cancel(mig->devjob);
	dm_mig_close(mig);
	if (mig->src)
		dm_source_free(mig->src);
	free(mig);
}

void dm_mig_let_go(struct dm_mig *mig)
{
	if (mig->parked)
		devjob_cancel(mig->parked);
	mig->parked = NULL;
}

void dm_mig_end(struct dm_mig *mig, int rc, const struct dm_error *e)
{
	if (mig->done) {
		mig->res.total_ms = (double)(now_ns() - mig->start_ns) / 1e6;
		mig->done(mig->m, rc, &mig->res, e, mig->arg);
	}
	dm_mig_free(mig);
}

void dm_mig_close(struct dm_mig *mig)
{
	if (mig->out_fd >= 0)
		close(mig->out_fd);
	if (mig->in_fd >= 0)
		close(mig->in_fd);
	mig->out_fd = mig->in_fd = -1;
}

void dm_mig_stop(struct dm_op *op)
{
	dm_wait_stop(op->mig->wait);
	op->mig->wait = NULL;
	if (op->mig->retry)
		loop_timer_free(op->mig->retry);
	op->mig->retry = NULL;
	dm_mig_devices_wait_stop(op->mig);
	op->mig->suspend_deferred = false;
	if (op->job)
		devjob_cancel(op->job);
	op->job = NULL;
	/* A receiver's job adding its devices is left to end: the removal
	 * waits for it (migrate_in.c:undo_devices). */
	dm_mig_let_go(op->mig);
	dm_mig_close(op->mig);
}

/* Ends OP: its caller is told (the result, E) by dm_mig_end. */
static void finish(struct dm_op *op, int rc)
{
	dm_op_end(op, rc, NULL);
}

/* What the job turned on, off again (the job may have died before it could). */
static void undo_job(struct dm *m, struct dm_domain *d)
{
	if (hv_logdirty_disable(m->hv, d->domid) < 0)
		log_debug("domain %s: log-dirty off: %s", d->name, hv_error(m->hv));
	if (hv_domain_set_cpu_cap(m->hv, d->domid, 0) < 0)
		log_debug("domain %s: CPU cap lifted: %s", d->name, hv_error(m->hv));
}

/* D as it was before the migration: its name back, running unless it was
 * paused before; nothing under way in its record. */
static void restore_domain(struct dm *m, struct dm_domain *d)
{
	struct dm_error e = { 0 };
	struct hv_dominfo i;
	undo_job(m, d);
	if (hv_domain_getinfo(m->hv, d->domid, &i) == 0 && i.type == HV_DOM_PVH) {
		/* Asked to suspend (its last round), perhaps suspended: it runs
		 * on where it stopped, its request taken back (as after a save). */
		dm_resume_suspended(m, d, &i);
	}
	if (d->pending.mig_name[0] && strcmp(d->name, d->pending.mig_name) != 0 &&
	    dm_rename_domain(m, d, d->pending.mig_name, &e) < 0)
		log_err("domain %s: cannot take its name %s back: %s", d->name, d->pending.mig_name,
			e.message);
	/* Its record may have the name while xenstore has --migratedaway (a
	 * dead xcdd renamed it there before its record's write): said again. */
	char xerr[XCD_ERR_MAX];
	if (m->xs && d->pending.mig_name[0] && !strcmp(d->name, d->pending.mig_name) &&
	    xsd_rename(m->xs, d->domid, UUID_STR(d->uuid), d->name, xerr, sizeof(xerr)) < 0)
		log_warn("domain %s: %s", d->name, xerr);
	if (!d->pending.was_paused && hv_domain_getinfo(m->hv, d->domid, &i) == 0 &&
	    (i.flags & HV_DOMF_PAUSED) && hv_domain_unpause(m->hv, d->domid) < 0)
		log_err("domain %s: cannot unpause it after its migration failed: %s", d->name,
			hv_error(m->hv));
	memset(&d->pending, 0, sizeof(d->pending));
	if (dm_refresh(m, d, &e) < 0)
		log_warn("%s", e.message);
}

void dm_mig_notify(struct dm_op *op, const char *phase, uint32_t ahead)
{
	struct dm *m = op->m;
	if (!m->migration || !op->d)
		return;
	struct dm_migration_info i = { .phase = phase, .ahead = ahead };
	i.p.bytes = op->mig->res.bytes;
	i.p.round = op->mig->res.rounds;
	m->migration(m, op->d, &i, m->arg);
}

void dm_mig_rollback(struct dm_op *op, int rc, const char *why)
{
	char left[160];
	dm_mig_stop(op);
	restore_domain(op->m, op->d);
	dm_error_set(&op->e, rc == -ECANCELED ? DM_ERR_STATE : DM_ERR_FAILED, NULL,
		     "migrating %s: %s; %s", op->d->name, why,
		     dm_left_as(op->m, op->d, left, sizeof(left)));
	finish(op, rc); /* logged there */
}

/* dm_mig_rollback, WHY made printf-style. */
static void rollback(struct dm_op *op, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void rollback(struct dm_op *op, int rc, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	dm_mig_rollback(op, rc, why);
}

void dm_mig_unknown(struct dm_op *op, const char *why)
{
	struct dm_domain *d = op->d;
	dm_mig_stop(op);
	undo_job(op->m, d);
	dm_error_set(&op->e, DM_ERR_FAILED, NULL,
		     "migrating %s: after the go: %s. The receiver may run the guest: this copy "
		     "is left paused as %s; if the receiver does not run it, rename it back and "
		     "unpause it", d->pending.mig_name, why, d->name);
	memset(&d->pending, 0, sizeof(d->pending));
	struct dm_error e = { 0 };
	if (dm_refresh(op->m, d, &e) < 0)
		log_warn("%s", e.message);
	finish(op, -EIO);
}

static void migrated_destroyed(struct dm *m, int rc, struct dm_domain *d,
			       const struct dm_error *e, void *arg)
{
	struct dm_op *op = arg;
	(void)m;
	(void)d;
	if (rc < 0)
		log_err("the copy left here after the migration of %s: %s", op->mig->res.name,
			e->message);
	else
		dm_mig_local_finish(m, op->mig->id, op->mig->guest_uuid, op->mig->final_name);
	finish(op, 0);
}

static void got_permission(int rc, uint8_t status, const char *err, void *arg)
{
	struct dm_op *op = arg;
	char why[XCD_ERR_MAX];
	op->mig->wait = NULL;
	(void)status;
	if (rc < 0) {
		snprintf(why, sizeof(why), "the receiver reported that it could not start the "
			 "guest (status %u), then its leave to resume did not come: %s",
			 op->mig->report, err);
		dm_mig_doubt(op, why);
		return;
	}
	op->mig->committing = false;
	rollback(op, -EIO, "the receiver could not start the guest (status %u) and destroyed "
		 "its copy", op->mig->report);
}

/* What the stop took beside its memory, learnt for the next migrations'
 * reserve (struct dm's mig_fixed_ms). */
static void learn_fixed(struct dm *m, const struct dm_migrate_result *r)
{
	if (r->stop_predicted_ms < 0)
		return;
	double fixed = r->downtime_ms - r->stop_predicted_ms;
	if (fixed < 0)
		fixed = 0;
	m->mig_fixed_ms = m->mig_fixed_ms > 0 ? (m->mig_fixed_ms + fixed) / 2 : fixed;
}

void dm_mig_committed(struct dm_op *op)
{
	struct dm_mig *mig = op->mig;
	struct dm *m = op->m;
	struct dm_domain *d = op->d;
	uint64_t t = now_ns();
	if (mig->stopped_ns) {
		mig->res.downtime_ms = (double)(t - mig->stopped_ns) / 1e6;
		learn_fixed(m, &mig->res);
	}
	log_info("domain %s (domid %u) migrated: %u round(s), %llu bytes, %.0f ms stopped",
		 mig->res.name, d->domid, mig->res.rounds, (unsigned long long)mig->res.bytes,
		 mig->res.downtime_ms);
	dm_mig_stop(op);
	/* What a copy received from this very xcdd takes once this one is gone. */
	memcpy(mig->guest_uuid, d->uuid, 16);
	snprintf(mig->final_name, sizeof(mig->final_name), "%s",
		 d->pending.mig_name[0] ? d->pending.mig_name : mig->res.name);
	/* The destroy is an operation of its own, whose end ends this one. */
	d->op = NULL;
	op->d = NULL;
	struct dm_error e = { 0 };
	if (dm_destroy(m, d, migrated_destroyed, op, &e) < 0)
		migrated_destroyed(m, -EIO, NULL, &e, op);
}

static void got_report(int rc, uint8_t status, const char *err, void *arg)
{
	struct dm_op *op = arg;
	struct dm_mig *mig = op->mig;
	struct dm *m = op->m;
	mig->wait = NULL;
	if (rc < 0) {
		dm_mig_doubt(op, err);
		return;
	}
	if (status) {
		/* It failed there: its copy goes, and its leave to resume comes. */
		mig->report = status;
		if (dm_wait_start(m->jobs.loop, mig->in_fd, MIG_PIPE_GO, REPORT_WAIT_MS,
				  got_permission, op, &mig->wait) < 0)
			dm_mig_doubt(op, "cannot wait for the receiver's leave to resume");
		return;
	}
	dm_crash_point(m, "migrate:reported");
	dm_mig_mark(op->d->name, "the receiver reported its copy running");
	dm_mig_committed(op);
}

/* Whether a write to FD that failed with RC left nothing on its way: a
 * pipe takes a message shorter than PIPE_BUF whole or not at all, so
 * EPIPE there means the other side never had a byte of it. */
static bool nothing_sent(int fd, int rc)
{
	struct stat st;
	return rc == -EPIPE && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

/* The receiver holds the whole guest: D renamed NAME--migratedaway, the
 * commit journaled, "go" sent. */
static void got_ready(int rc, uint8_t status, const char *err, void *arg)
{
	struct dm_op *op = arg;
	struct dm_mig *mig = op->mig;
	struct dm *m = op->m;
	struct dm_domain *d = op->d;
	struct dm_error e = { 0 };
	char away[DOMNAME_MAX + 1], serr[256];
	mig->wait = NULL;
	(void)status;
	if (rc < 0) {
		rollback(op, rc, "the receiver: %s", err);
		return;
	}
	dm_crash_point(m, "migrate:ready");
	dm_mig_mark(d->name, "the receiver is ready");
	/* xl's name for a copy going away, in xenstore; then the record that
	 * commits, with that name, in one write (the guest's downtime waits
	 * for each); then "go". A dead xcdd's successor puts the name back
	 * unless the record says it committed. */
	dm_mig_name(d->pending.mig_name, "--migratedaway", away, sizeof(away));
	if ((rc = dm_rename_unsaved(m, d, away, &e)) < 0) {
		rollback(op, rc, "%s", e.message);
		return;
	}
	/* From this record on, a dead xcdd's successor never resumes it
	 * unless the receiver says it did not start the guest. */
	d->pending.committed_at = (long long)time(NULL);
	dm_pending_set(m, d, DM_PENDING_MIGRATE, "committing");
	dm_crash_point(m, "migrate:committing");
	mig->committing = true;
	dm_mig_mark(d->name, "committing recorded, go sent");
	if ((rc = mig_pipe_send(mig->out_fd, MIG_PIPE_GO, 0, serr, sizeof(serr))) < 0) {
		if (nothing_sent(mig->out_fd, rc)) {
			/* The receiver never had it: it destroys its copy. */
			mig->committing = false;
			rollback(op, rc, "%s", serr);
		} else {
			dm_mig_doubt(op, serr);
		}
		return;
	}
	dm_crash_point(m, "migrate:go");
	if (dm_wait_start(m->jobs.loop, mig->in_fd, MIG_PIPE_REPORT, REPORT_WAIT_MS, got_report,
			  op, &mig->wait) < 0)
		dm_mig_doubt(op, "cannot wait for the receiver's report");
}

static void send_done(int rc, bool reported, const char *err, void *arg)
{
	struct dm_op *op = arg;
	struct dm_mig *mig = op->mig;
	struct dm *m = op->m;
	op->job = NULL;
	(void)reported;
	if (rc < 0) {
		rollback(op, rc, "%s", err);
		return;
	}
	/* Not journaled: until "committing", every step is settled alike (the
	 * guest resumed here), and the receiver may be ready before a write. */
	snprintf(op->d->pending.step, sizeof(op->d->pending.step), "sent");
	dm_crash_point(m, "migrate:sent");
	dm_mig_notify(op, "handover", 0);
	if ((rc = dm_wait_start(m->jobs.loop, mig->in_fd, MIG_PIPE_READY, READY_WAIT_MS,
				got_ready, op, &mig->wait)) < 0)
		rollback(op, rc, "cannot wait for the receiver: %s", strerror(-rc));
	else if (mig->asked && !mig->res.peer_answered)
		dm_wait_allow_reads(mig->wait); /* it may come after the stream */
}

void dm_mig_stop_guest(struct dm_op *op)
{
	char xerr[XCD_ERR_MAX];
	op->mig->stopped_ns = now_ns();
	if (!op->mig->suspend) {
		/* A guest that does not suspend itself is paused here; its job
		 * waits for the pause (migrate_job.c). */
		log_info("domain %s: paused for the last round of its migration", op->d->name);
		dm_mig_mark(op->d->name, "pause made");
		if (hv_domain_pause(op->m->hv, op->d->domid) < 0)
			rollback(op, -EIO, "pausing it for the last round: %s", hv_error(op->m->hv));
		return;
	}
	log_info("domain %s: asked to suspend itself for the last round of its migration",
		 op->d->name);
	dm_mig_mark(op->d->name, "suspend asked");
	if (!op->m->xs || xsd_request_shutdown(op->m->xs, op->d->domid, "suspend", xerr,
					       sizeof(xerr)) < 0)
		rollback(op, -EIO, "asking it to suspend for the last round: %s",
			 op->m->xs ? xerr : "no xenstore");
}

/* The job's events: progress (to the notifications), the moment the guest
 * stopped, and the figures. */
static void send_event(const char *line, void *arg)
{
	struct dm_op *op = arg;
	struct dm_mig *mig = op->mig;
	char perr[64];
	yajl_val t = yajl_tree_parse(line, perr, sizeof(perr));
	if (!t)
		return;
	const char *ev = jt_str(t, "event");
	if (!strcmp(ev, "progress") && op->m->migration && op->d) {
		struct dm_migration_info i = { .phase = "sending" };
		i.p.round = (uint32_t)jt_u64(t, "round");
		i.p.final = (int)jt_u64(t, "final");
		i.p.round_done = jt_u64(t, "done");
		i.p.round_pages = jt_u64(t, "pages");
		i.p.left = jt_u64(t, "left");
		i.p.rate = jt_double(t, "rate");
		i.p.predicted_ms = jt_double(t, "predicted_ms");
		i.p.bytes = jt_u64(t, "bytes");
		i.p.throttle = (uint32_t)jt_u64(t, "throttle");
		op->m->migration(op->m, op->d, &i, op->m->arg);
	} else if (!strcmp(ev, "suspend") || !strcmp(ev, "pause")) {
		/* The job waits for the guest to suspend itself (asked here)
		 * or to be paused (here), at once or once the receiving copy's
		 * devices are up (mig_devwait.c). */
		mig->stopped_ns = jt_u64(t, "ns");
		if (!dm_mig_suspend_waits(op)) {
			yajl_tree_free(t);
			dm_mig_stop_guest(op);
			return;
		}
	} else if (!strcmp(ev, "stopped")) {
		/* Its downtime counts from the request, deferred or not (a
		 * paused guest's: from its pause, "ns" without "seen"). */
		uint64_t seen = jt_u64(t, "seen");
		if (jt_u64(t, "ns") > mig->stopped_ns)
			mig->stopped_ns = jt_u64(t, "ns");
		log_debug("migration of %s: %s at %.1f ms (its downtime counted from %.1f ms)",
			  op->d->name, seen ? "suspended" : "paused",
			  (double)(seen ? seen : mig->stopped_ns) / 1e6, (double)mig->stopped_ns / 1e6);
	} else if (!strcmp(ev, "stats") || !strcmp(ev, "whole")) {
		struct dm_migrate_result *r = &mig->res;
		r->rounds = (uint32_t)jt_u64(t, "rounds");
		r->pages = jt_u64(t, "pages");
		r->zero_pages = jt_u64(t, "zero_pages");
		r->final_pages = jt_u64(t, "final_pages");
		r->bytes = jt_u64(t, "bytes");
		r->throttle = (uint32_t)jt_u64(t, "throttle");
		r->forced = (int)jt_u64(t, "forced");
		r->stop_predicted_ms = jt_double(t, "stop_predicted_ms");
		r->zero_saved = r->zero_pages * 4096;
		r->z_pages = jt_u64(t, "z_pages");
		r->z_saved = jt_u64(t, "z_saved");
		r->codecs_used = (uint32_t)jt_u64(t, "codecs_used");
		r->peer_answered = (int)jt_u64(t, "peer_answered");
		r->peer_codecs = (uint32_t)jt_u64(t, "peer_codecs");
		snprintf(r->why, sizeof(r->why), "%s", jt_str(t, "why"));
		if (!strcmp(ev, "whole"))
			dm_mig_mark(op->d->name, "sent whole");
		if (!strcmp(ev, "whole") && op->job) {
			/* The handover needs nothing more of the job: it waits,
			 * parked, to be let go (killed: its DONE never comes) once
			 * the handover is over; the handover begins. */
			devjob_detach(op->job);
			mig->parked = op->job;
			op->job = NULL;
			yajl_tree_free(t);
			send_done(0, true, "", op);
			return;
		}
	}
	yajl_tree_free(t);
}

/* Whether D's kind of guest can be migrated live, and how it is stopped
 * (*SUSPEND: a PVH guest suspends itself): 0 or E. */
static int guest_checks(struct dm *m, struct dm_domain *d, bool *suspend, struct dm_error *e)
{
	const struct domcfg *cfg = dm_domain_config(d);
	struct hv_dominfo i;
	int rc = hv_domain_getinfo(m->hv, d->domid, &i);
	if (rc < 0)
		return dm_hv_fail(m, e, rc, "cannot read the state of", d->name);
	bool sim = cfg && cfg->kernel && !strncmp(cfg->kernel, "sim:", 4);
	*suspend = i.type == HV_DOM_PVH;
	if (dm_refuse_shut_down(d, &i, "migrate", e) < 0)
		return -EBUSY;
	if (!sim && i.type != HV_DOM_PVH) {
		dm_error_set(e, DM_ERR_STATE, NULL, "domain %s is a PV guest: live migration on Xen "
			     "moves PVH guests only (Debian's Xen cannot live-migrate a PV guest, "
			     "xl neither; save and restore it instead)", d->name);
		return -EOPNOTSUPP;
	}
	if (*suspend && (i.flags & (HV_DOMF_PAUSED | HV_DOMF_SHUTDOWN))) {
		dm_error_set(e, DM_ERR_STATE, NULL, "domain %s is %s: a PVH guest suspends itself "
			     "for the last round of its migration (as xl's does), which it cannot "
			     "do now; unpause it first", d->name,
			     i.flags & HV_DOMF_PAUSED ? "paused" : "suspended");
		return -EBUSY;
	}
	if (*suspend && !m->xs) {
		dm_error_set(e, DM_ERR_FAILED, NULL, "migrating %s needs xenstore (a PVH guest is "
			     "asked to suspend there)", d->name);
		return -EAGAIN;
	}
	return 0;
}

/* What a migration needs before anything is changed: 0 or E. */
static int migrate_checks(struct dm *m, struct dm_domain *d, const struct dm_migrate_opts *o,
			  bool *suspend, struct dm_error *e)
{
	if (dm_refuse_busy(d, e) < 0)
		return -EBUSY;
	int rc = guest_checks(m, d, suspend, e);
	if (rc < 0)
		return rc;
	if (!m->jobs.loop || m->job_backend == HV_AUTO) {
		dm_error_set(e, DM_ERR_FAILED, NULL, "migrating needs xcdd's loop running");
		return -EAGAIN;
	}
	if (o->command && strlen(o->command) >= DM_RUNE_MAX) {
		dm_error_set(e, DM_ERR_INVALID, "params.command", "params.command: %zu bytes, "
			     "at most %d kept (the command that reaches the receiver again)",
			     strlen(o->command), DM_RUNE_MAX - 1);
		return -EINVAL;
	}
	if (o->peer.addr[0] && !m->mig_connect) {
		dm_error_set(e, DM_ERR_FAILED, NULL, "migrating over TCP needs xcdd's migration "
			     "link");
		return -EOPNOTSUPP;
	}
	return 0;
}

/* The job that writes the stream, with the pipe's two ends. */
static int start_job(struct dm_op *op, struct dm_error *e)
{
	struct dm *m = op->m;
	struct dm_domain *d = op->d;
	struct dm_mig *mig = op->mig;
	const struct dm_migrate_opts *o = &mig->opts;
	struct dm_send_work w = { m->job_backend, m->job_sim_sock, d->domid, NULL, 0,
				  { .live = 1, .policy = o->policy, .bandwidth = o->bandwidth,
				    .compress = o->compress },
				  { d->built.store_pfn, d->built.console_pfn }, mig->suspend };
	w.opts.policy.reserve_ms = (uint32_t)(m->mig_fixed_ms > 0 ? m->mig_fixed_ms + 0.5
								    : DM_MIG_RESERVE_MS);
	char *config = dm_save_config(d, mig->src, mig->id, &w.config_len);
	if (!config) {
		dm_error_set(e, DM_ERR_NOMEM, NULL, "out of memory");
		return -ENOMEM;
	}
	w.config = config;
	int fds[2] = { mig->out_fd, mig->in_fd };
	struct devjob_extra x = { fds, 2, send_event, NULL };
	char what[64], err[512];
	snprintf(what, sizeof(what), "migrating domain %u", d->domid);
	int rc = devjob_run_with(&m->jobs, what, &x, dm_send_work, &w, NULL, send_done, op,
				 &op->job, err, sizeof(err));
	free(config);
	if (rc < 0)
		dm_error_set(e, DM_ERR_FAILED, NULL, "domain %s: %s", d->name, err);
	return rc;
}

/* Over TCP, the pipe to the receiver opened now that OP starts (the link
 * connects meanwhile: the job waits for the receiver's banner). 0 or E. */
static int open_peer(struct dm_op *op, struct dm_error *e)
{
	struct dm *m = op->m;
	struct dm_mig *mig = op->mig;
	char err[XCD_ERR_MAX];
	if (!mig->opts.peer.addr[0] || mig->out_fd >= 0)
		return 0;
	int rc = m->mig_connect(m->mig_connect_arg, &mig->opts.peer, mig->opts.connect_ctx,
				&mig->out_fd, &mig->in_fd, err, sizeof(err));
	mig->peer_pending = rc == 0;
	if (rc < 0)
		dm_error_set(e, DM_ERR_FAILED, NULL, "migrating %s to %s: %s; it runs here as "
			     "before", op->d->name, mig->opts.peer.name, err);
	return rc;
}

void dm_set_mig_connect(struct dm *m, dm_mig_connect_fn *fn, void *arg)
{
	m->mig_connect = fn;
	m->mig_connect_arg = arg;
}

int dm_mig_begin(struct dm_op *op, struct dm_error *e)
{
	struct dm *m = op->m;
	struct dm_domain *d = op->d;
	struct dm_mig *mig = op->mig;
	struct hv_dominfo i;
	int rc = hv_domain_getinfo(m->hv, d->domid, &i);
	if (rc < 0)
		return dm_hv_fail(m, e, rc, "cannot read the state of", d->name);
	if ((rc = open_peer(op, e)) < 0)
		return rc;
	/* Journaled before anything changes: a dead xcdd's successor knows to
	 * take the name back and to unpause it, or whom to ask after the go. */
	memset(&d->pending, 0, sizeof(d->pending));
	d->pending.kind = DM_PENDING_MIGRATE;
	d->pending.was_paused = (i.flags & HV_DOMF_PAUSED) != 0;
	snprintf(d->pending.mig_name, sizeof(d->pending.mig_name), "%s", d->name);
	d->pending.has_mig_id = true;
	memcpy(d->pending.mig_id, mig->id, 16);
	snprintf(d->pending.rune, sizeof(d->pending.rune), "%s", mig->rune);
	snprintf(d->pending.tcp_addr, sizeof(d->pending.tcp_addr), "%s", mig->opts.peer.addr);
	snprintf(d->pending.tcp_peer, sizeof(d->pending.tcp_peer), "%s", mig->opts.peer.name);
	dm_pending_set(m, d, DM_PENDING_MIGRATE, "sending");
	dm_crash_point(m, "migrate:journaled");
	if ((rc = start_job(op, e)) < 0) {
		restore_domain(m, d);
		return rc;
	}
	mig->running = true;
	m->mig_running++;
	mig->start_ns = now_ns();
	dm_crash_point(m, "migrate:job");
	log_info("migrating domain %s (domid %u, migration %s): downtime target %u ms, %s",
		 d->name, d->domid, UUID_STR(mig->id),
		 mig->opts.policy.downtime_ms ? mig->opts.policy.downtime_ms
					      : MIG_DOWNTIME_MS_DEFAULT,
		 mig_no_converge_name(mig->opts.policy.on_no_converge));
	dm_notify(m, d, d->state);
	return 0;
}

int dm_migrate(struct dm *m, struct dm_domain *d, int send_fd, int recv_fd,
	       const struct dm_source *src, const struct dm_migrate_opts *o,
	       dm_migrate_done_fn *done, void *arg, struct dm_error *e)
{
	struct dm_mig *mig = calloc(1, sizeof(*mig));
	struct dm_op *op = NULL;
	int rc = -ENOMEM;
	if (!mig) {
		close(send_fd);
		close(recv_fd);
		dm_error_set(e, DM_ERR_NOMEM, NULL, "out of memory");
		return rc;
	}
	*mig = (struct dm_mig){ .m = m, .out_fd = send_fd, .in_fd = recv_fd, .done = done,
				.arg = arg, .start_ns = now_ns(), .opts = *o, .has_id = true };
	snprintf(mig->res.name, sizeof(mig->res.name), "%s", d->name);
	mig->asked = o->compress != MIG_COMPRESS_OFF;
	if ((rc = migrate_checks(m, d, o, &mig->suspend, e)) < 0)
		goto fail;
	memcpy(mig->guest_uuid, d->uuid, 16);
	snprintf(mig->rune, sizeof(mig->rune), "%s", o->command ? o->command : "");
	mig->opts.command = mig->rune;
	dm_new_uuid(mig->id);
	rc = -ENOMEM;
	if ((src && !(mig->src = dm_source_dup(src))) || !(op = dm_op_new(m, d, OP_MIGRATE, NULL, NULL))) {
		dm_error_set(e, DM_ERR_NOMEM, NULL, "out of memory");
		goto fail;
	}
	op->mig = mig;
	mig->op = op;
	if ((rc = dm_mig_start_or_queue(op, e)) < 0) {
		d->op = NULL;
		free(op);
		goto fail;
	}
	return 0;
fail:
	dm_mig_free(mig);
	return rc;
}

int dm_migrate_abort(struct dm *m, struct dm_domain *d, struct dm_error *e)
{
	struct dm_op *op = d->op;
	(void)m;
	if (!op || !op->mig) {
		dm_error_set(e, DM_ERR_STATE, NULL, "domain %s is not being migrated", d->name);
		return -EINVAL;
	}
	if (op->mig->committing) {
		dm_error_set(e, DM_ERR_STATE, NULL, "domain %s: too late to abort: its migration "
			     "has committed (the other side may run it)", d->name);
		return -EBUSY;
	}
	log_info("domain %s: migration aborted%s", d->name, op->mig->queued ? " while queued" : "");
	if (op->mig->queued) {
		/* Nothing was done yet: no record, no job, the guest untouched. */
		dm_mig_dequeue(op->mig);
		dm_error_set(&op->e, DM_ERR_STATE, NULL, "migrating %s: aborted while queued "
			     "(xcd migrate-abort, or its caller left); it runs here as before",
			     d->name);
		finish(op, -ECANCELED);
	} else if (op->kind == OP_MIGRATE) {
		rollback(op, -ECANCELED, "aborted (xcd migrate-abort, or its caller left)");
	} else {
		dm_migrate_in_abort(op);
	}
	return 0;
}

void dm_settle_migrate(struct dm *m, struct dm_domain *d, bool present)
{
	const char *there = present ? "" : ", no longer in the hypervisor";
	if (!present) {
		log_info("domain %s (domid %u%s): its migration did not finish (step %s); it is "
			 "gone", d->name, d->domid, there, d->pending.step);
		dm_drop(m, d, DM_DROP_STORE | DM_DROP_RECORD);
		return;
	}
	if (!strcmp(d->pending.step, "committing")) {
		if (dm_mig_askable(&d->pending) && dm_mig_resolve_later(m, d) == 0) {
			log_warn("domain %s (domid %u): its migration %s had committed (the go may "
				 "have gone) when xcdd stopped: kept paused until the receiver, "
				 "asked, says whether it runs the guest", d->name, d->domid,
				 UUID_STR(d->pending.mig_id));
			return;
		}
		struct dm_error e = { 0 };
		log_err("domain %s (domid %u): its migration was committing when xcdd stopped, "
			"and the receiver cannot be asked (%s): the other host may run the guest. "
			"This copy is left paused as %s; if the other host does not run it, rename "
			"it %s and unpause it", d->name, d->domid,
			d->pending.rune[0] || d->pending.tcp_addr[0] ? "out of memory"
								    : "no transport command was kept",
			d->name, d->pending.mig_name);
		undo_job(m, d);
		memset(&d->pending, 0, sizeof(d->pending));
		if (dm_refresh(m, d, &e) < 0)
			log_warn("%s", e.message);
		return;
	}
	log_info("domain %s (domid %u): its migration did not commit (step %s): rolled back "
		 "(named %s, %s)", d->name, d->domid, d->pending.step, d->pending.mig_name,
		 d->pending.was_paused ? "paused as before" : "running");
	restore_domain(m, d);
}
