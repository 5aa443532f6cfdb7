/* migrate_job: what a migration's jobs do in their children. The sender's
 * reads the receiver's banner and writes the stream (the pre-copy engine),
 * telling the daemon how the rounds go, when the guest stopped and what
 * was sent; the receiver's fills the new domain from the stream. Their
 * pipe ends are descriptors 4 and 5 (devjob_run_with). */
#include "dm_internal.h"
#include "migrate_job.h"
#include "mig_state.h"
#include "../actions.h"
#include "../../lib/jsonw.h"
#include "../../migrate/migrate.h"
#include "../devjob.h"
#include "relwatch.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

/* The sender waits this long for the receiver's banner. */
#define BANNER_WAIT_MS 30000
/* Progress lines at most this often (ms), and every decision. */
#define REPORT_EVERY_MS 200

struct send_ctx {
	int fd; /* the report socket */
	struct timespec last;
	bool suspend; /* a PVH guest: stopped by its own suspend */
};

static int kv_double(yajl_gen g, const char *k, double v)
{
	return jw_str(g, k) || yajl_gen_double(g, v) != yajl_gen_status_ok;
}

static void progress(void *arg, const struct mig_precopy_info *i)
{
	struct send_ctx *c = arg;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long ms = (now.tv_sec - c->last.tv_sec) * 1000LL +
		       (now.tv_nsec - c->last.tv_nsec) / 1000000;
	/* Within a round, a few a second; its end (the decision) always. */
	if (i->round_done < i->round_pages && ms < REPORT_EVERY_MS)
		return;
	c->last = now;
	yajl_gen g = devjob_event_new("progress");
	if (!g)
		return;
	if (jw_kv_int(g, "round", i->round) || jw_kv_int(g, "final", i->final) ||
	    jw_kv_int(g, "done", (long long)i->round_done) ||
	    jw_kv_int(g, "pages", (long long)i->round_pages) ||
	    jw_kv_int(g, "left", (long long)i->left) || kv_double(g, "rate", i->rate) ||
	    kv_double(g, "predicted_ms", i->predicted_ms < 1e12 ? i->predicted_ms : -1) ||
	    jw_kv_int(g, "bytes", (long long)i->bytes) || jw_kv_int(g, "throttle", i->throttle)) {
		yajl_gen_free(g);
		return;
	}
	devjob_event_send(c->fd, g);
}

static long long mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void event_ns(int fd, const char *name, long long ns)
{
	yajl_gen g = devjob_event_new(name);
	if (g && !jw_kv_int(g, "ns", ns))
		devjob_event_send(fd, g);
	else if (g)
		yajl_gen_free(g);
}

/* A PVH guest suspends itself: the daemon asks it (xenstore is its), the
 * job waits until Xen (or xcd-sim) says shutdown(suspend), woken by
 * xenstore's @releaseDomain watch (opened before the request, so that its
 * shutdown is not missed; without it, hv polls). Its downtime counts from
 * the request: the guest freezes its tasks from there. */
static int suspend_guest(struct send_ctx *c, struct hv *hv, uint32_t domid, char *err,
			 size_t errlen)
{
	struct relwatch *w = relwatch_open();
	long long t = mono_ns();
	event_ns(c->fd, "suspend", t);
	int rc = hv_domain_suspend_wait(hv, domid, w ? relwatch_wait : NULL, w);
	relwatch_close(w);
	if (rc < 0) {
		snprintf(err, errlen, "the guest did not suspend itself for the last round: %s",
			 hv_error(hv));
		return rc;
	}
	yajl_gen g = devjob_event_new("stopped");
	if (g && !jw_kv_int(g, "ns", t) && !jw_kv_int(g, "seen", mono_ns()))
		devjob_event_send(c->fd, g);
	else if (g)
		yajl_gen_free(g);
	return 0;
}

/* A guest that does not suspend itself is paused by the daemon (event
 * "pause"), at once or once the receiving copy's devices are up, as a PVH
 * guest's suspend is asked: the job waits for the pause, polling. A daemon
 * that does not pause it within PAUSE_WAIT_MS (gone: its successor settles
 * the migration) leaves the pause to the job. Its "stopped" carries the
 * request's time: the daemon counts the downtime from its own pause. */
#define PAUSE_WAIT_MS (DM_MIG_DEVICES_WAIT_MS + 5000)
static int paused_by_daemon(struct send_ctx *c, struct hv *hv, uint32_t domid, long long *asked)
{
	long long t = *asked = mono_ns();
	struct hv_dominfo i;
	int rc;
	event_ns(c->fd, "pause", t);
	while ((rc = hv_domain_getinfo(hv, domid, &i)) == 0 &&
	       !(i.flags & (HV_DOMF_PAUSED | HV_DOMF_SHUTDOWN))) {
		if (mono_ns() - t > PAUSE_WAIT_MS * 1000000LL)
			return hv_domain_pause(hv, domid);
		usleep(500);
	}
	return rc;
}

static int suspend(void *arg, struct hv *hv, uint32_t domid, char *err, size_t errlen)
{
	struct send_ctx *c = arg;
	struct hv_dominfo i;
	if (c->suspend)
		return suspend_guest(c, hv, domid, err, errlen);
	/* A guest paused before (its migration's record says so) is not paused
	 * twice: a rollback unpauses only what the migration paused. */
	long long asked = 0;
	int rc = hv_domain_getinfo(hv, domid, &i);
	if (rc == 0 && !(i.flags & HV_DOMF_PAUSED))
		rc = paused_by_daemon(c, hv, domid, &asked);
	if (rc == 0)
		rc = hv_domain_getinfo(hv, domid, &i);
	if (rc < 0) {
		snprintf(err, errlen, "pausing domain %u for the last round: %s", domid,
			 hv_error(hv));
		return rc;
	}
	if (i.flags & HV_DOMF_SHUTDOWN) {
		/* It shut itself down during the rounds (looked at once it can
		 * no longer): no guest is left to move, and a copy of it must
		 * not run on elsewhere. */
		snprintf(err, errlen, "domain %u had shut itself down (%s) when its last round came",
			 domid, dm_reason_name(i.shutdown_reason));
		return -ESRCH;
	}
	event_ns(c->fd, "stopped", asked ? asked : mono_ns());
	return 0;
}

/* The receiver's XCD reads, when it has come (the stream's header asked). */
static int peer_codecs(void *arg, uint32_t *codecs, char *err, size_t errlen)
{
	(void)arg;
	return mig_pipe_poll_reads(DM_JOB_FD_A + 1, codecs, err, errlen);
}

static int kv_saved(yajl_gen g, const struct mig_precopy_stats *st)
{
	return kv_double(g, "stop_predicted_ms", st->stop_predicted_ms) ||
	       jw_kv_int(g, "z_pages", (long long)st->z_pages) ||
	       jw_kv_int(g, "z_saved", (long long)st->z_saved) ||
	       jw_kv_int(g, "codecs_used", st->codecs_used) ||
	       jw_kv_int(g, "peer_answered", st->peer_answered) ||
	       jw_kv_int(g, "peer_codecs", st->peer_codecs);
}

static void report_stats(int fd, const char *name, const struct mig_precopy_stats *st)
{
	yajl_gen g = devjob_event_new(name);
	if (!g)
		return;
	if (kv_saved(g, st) || jw_kv_int(g, "rounds", st->rounds) ||
	    jw_kv_int(g, "pages", (long long)st->pages) ||
	    jw_kv_int(g, "zero_pages", (long long)st->zero_pages) ||
	    jw_kv_int(g, "final_pages", (long long)st->final_pages) ||
	    jw_kv_int(g, "bytes", (long long)st->bytes) || jw_kv_int(g, "throttle", st->throttle) ||
	    jw_kv_int(g, "forced", st->forced) ||
	    jw_kv_int(g, "stopped_ns", (long long)st->stopped_ns) || jw_kv_str(g, "why", st->why)) {
		yajl_gen_free(g);
		return;
	}
	devjob_event_send(fd, g);
}

/* Told the daemon the stream is whole: the job waits to be let go (SIGTERM,
 * or its daemon's death), so that its end, the teardown of its mapping of
 * the guest's memory, comes after the handover rather than in the guest's
 * downtime. Log-dirty and the CPU cap are the daemon's to undo then. */
static void park(void)
{
	for (;;)
		pause();
}

static void whole(void *arg, const struct mig_precopy_stats *st)
{
	const struct send_ctx *c = arg;
	report_stats(c->fd, "whole", st);
	park();
}

int dm_send_work(int fd, void *arg, char *err, size_t errlen)
{
	struct dm_send_work *w = arg;
	struct hv *hv;
	int rc = dm_job_hv(w->backend, w->sim_sock, &hv, err, errlen);
	if (rc < 0)
		return rc;
	char why[256];
	if ((rc = mig_pipe_recv(DM_JOB_FD_A + 1, MIG_PIPE_BANNER, BANNER_WAIT_MS, NULL, why,
				sizeof(why))) < 0) {
		snprintf(err, errlen, "the receiver did not greet us: %s", why);
		hv_close(hv);
		return rc;
	}
	struct mig_out o;
	if ((rc = mig_out_init(&o, DM_JOB_FD_A)) < 0) {
		snprintf(err, errlen, "no memory for the stream's buffer");
		hv_close(hv);
		return rc;
	}
	struct send_ctx c = { fd, { 0, 0 }, w->suspend };
	struct mig_precopy_hooks hooks = { &c, suspend, progress, whole, peer_codecs };
	struct mig_precopy_opts opts = w->opts;
	opts.final_pfns = w->final_pfns;
	opts.n_final_pfns = 2;
	struct mig_precopy_stats st;
	rc = mig_precopy(hv, w->domid, &o, w->config, w->config_len, NULL, &opts, &hooks,
			 &st, err, errlen);
	if (rc < 0)
		report_stats(fd, "stats", &st);
	mig_out_free(&o);
	hv_close(hv);
	return rc;
}

/* The guest is in: the daemon goes on at once, as the sender's does. */
static void recv_whole(void *arg)
{
	const struct dm_job_progress *p = arg;
	devjob_report_event(p->fd, "{\"event\":\"whole\"}");
	park();
}

int dm_recv_work(int fd, void *arg, char *err, size_t errlen)
{
	struct dm_recv_work *w = arg;
	struct hv *hv;
	int rc = dm_job_hv(w->backend, w->sim_sock, &hv, err, errlen);
	if (rc < 0)
		return rc;
	struct mig_in in;
	if ((rc = mig_in_fd(&in, DM_JOB_FD_A)) < 0) {
		snprintf(err, errlen, "no memory for the stream's buffer");
		hv_close(hv);
		return rc;
	}
	in.off = w->stream_off; /* offsets in messages count from the stream's start */
	struct dm_job_progress p = { fd, { 0, 0 } };
	struct mig_progress prog = { dm_job_progress, &p, recv_whole };
	rc = mig_restore(hv, w->domid, &in, &prog, NULL, err, errlen);
	mig_in_free(&in);
	hv_close(hv);
	return rc;
}
