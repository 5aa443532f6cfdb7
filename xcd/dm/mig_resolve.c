/* mig_resolve: a sender in doubt after its go. xl's exchange ends with the
 * receiver's report; when the pipe breaks between the go and the report
 * (or the sender's xcdd died there), the sender cannot know whether the
 * receiver started the guest, and neither resuming nor destroying its own
 * copy is safe. So the copy stays paused, and a job runs the migration's
 * transport again (the command xcd migrate ran, kept in the record) and asks
 * the receiver by the migration's id (migrate/outcome.h): "committed", the
 * copy here is destroyed (dm_mig_committed); "aborted", the receiver does
 * not run it and never will, so it runs here again (dm_mig_rollback).
 * Anything else: asked again, 1, 2, 4 ... 30 s later, until DM_DOUBT_MAX_S
 * after the commit, or until the receiver answered three times without an
 * outcome (an xl receiver: it cannot be asked); then a person decides
 * (dm_mig_unknown), as xl leaves it. */
#include "dm_internal.h"
#include "handover.h"
#include "mig_state.h"
#include "migrate_job.h"
#include "../../lib/fdio.h"
#include "../../lib/jsonw.h"
#include "../../lib/log.h"
#include "../../lib/uuid.h"
#include "../../migrate/outcome.h"
#include "../../migrate/pipe.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Each step of a try (the banner, the answer) waits at most this long. */
#define TRY_WAIT_MS 30000
/* The longest wait between tries. */
#define RETRY_MAX_S 30
/* Answers without an outcome after the banner before the receiver is
 * taken for one that cannot answer (xl). */
#define SILENT_MAX 3

/* ---- the job: in its child ---- */

struct resolve_work {
	char rune[DM_RUNE_MAX]; /* "": over TCP, the pipe is the job's descriptors */
	uint8_t id[16];
};

/* The transport's process group (0: none), for the SIGTERM handler: the
 * job is a process of one thread. */
static volatile sig_atomic_t transport_group;

static void job_stop(int sig)
{
	(void)sig;
	pid_t g = transport_group;
	if (g > 0)
		kill(-g, SIGKILL);
	_exit(1);
}

/* sh -c RUNE in its own group, our pipes on its standard input and output,
 * as xcd migrate runs it. Its pid, or -1. */
static pid_t transport(const char *rune, int *to, int *from)
{
	int sp[2], rp[2];
	if (pipe2(sp, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(rp, O_CLOEXEC) < 0) {
		close(sp[0]);
		close(sp[1]);
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (dup2(sp[0], 0) < 0 || dup2(rp[1], 1) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", rune, (char *)NULL);
		_exit(127);
	}
	close(sp[0]);
	close(rp[1]);
	if (pid < 0) {
		close(sp[1]);
		close(rp[0]);
		return -1;
	}
	setpgid(pid, pid);
	transport_group = pid;
	*to = sp[1];
	*from = rp[0];
	return pid;
}

/* The transport let go: its input closed, two seconds to end, then killed. */
static void transport_end(pid_t pid)
{
	for (int i = 0; i < 200; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			goto out;
		struct timespec ts = { 0, 10000000 };
		nanosleep(&ts, NULL);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, NULL, 0);
out:
	transport_group = 0;
}

/* The try's end, one event line: "outcome" with ANSWER (an outcome's name,
 * "silent": the receiver said something else, or "unreachable") and WHY. */
static void report(int fd, const char *answer, const char *why)
{
	yajl_gen g = devjob_event_new("outcome");
	if (g && (jw_kv_str(g, "answer", answer) || jw_kv_str(g, "why", why))) {
		yajl_gen_free(g);
		return;
	}
	if (g)
		devjob_event_send(fd, g);
}

static int resolve_work(int fd, void *arg, char *err, size_t errlen)
{
	const struct resolve_work *w = arg;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = job_stop;
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	int to = DM_JOB_FD_A, from = DM_JOB_FD_A + 1;
	pid_t pid = w->rune[0] ? transport(w->rune, &to, &from) : 0;
	if (pid < 0) {
		snprintf(err, errlen, "cannot run the transport: %s", strerror(errno));
		return -errno;
	}
	char why[XCD_ERR_MAX] = "";
	const char *answer = "unreachable";
	uint8_t q[MIG_QUERY_LEN];
	enum mig_outcome o;
	mig_query_encode(w->id, q);
	/* No banner: the receiver was not reached (its host, its xcdd, the
	 * link), ask again. A banner, then no outcome: it cannot answer. */
	int rc = mig_pipe_recv(from, MIG_PIPE_BANNER, TRY_WAIT_MS, NULL, why, sizeof(why));
	if (rc == -EPROTO) {
		answer = "silent";
	} else if (rc == 0 && fd_write_all(to, q, sizeof(q)) < 0) {
		snprintf(why, sizeof(why), "sending the outcome query: %s", strerror(errno));
	} else if (rc == 0) {
		rc = mig_outcome_recv(from, TRY_WAIT_MS, &o, why, sizeof(why));
		answer = rc == 0 ? mig_outcome_name(o)
			 : rc == -EPROTO || rc == -ECONNRESET ? "silent" : "unreachable";
	}
	close(to);
	close(from);
	if (pid > 0)
		transport_end(pid);
	report(fd, answer, why);
	return 0;
}

/* ---- the daemon's side ---- */

static void try_now(struct dm_op *op);

static void retry_due(struct loop *l, struct loop_timer *t, void *arg)
{
	struct dm_op *op = arg;
	(void)l;
	(void)t;
	try_now(op);
}

/* The next try after a growing delay, or, past the time a receiver keeps
 * its word or with one that cannot answer, the copy left to a person. */
static void try_later(struct dm_op *op, const char *why)
{
	struct dm_mig *mig = op->mig;
	struct dm_domain *d = op->d;
	char msg[XCD_ERR_MAX];
	long long since = (long long)time(NULL) - d->pending.committed_at;
	if (mig->silent >= SILENT_MAX || since >= DM_DOUBT_MAX_S) {
		snprintf(msg, sizeof(msg), "%s; the receiver could not be asked whether it runs "
			 "the guest (%s; %u tries in %lld s)", mig->doubt,
			 mig->silent >= SILENT_MAX ? "it does not answer xcd's outcome query: "
						     "is it xl's migrate-receive?"
						   : why,
			 mig->tries, since);
		dm_mig_unknown(op, msg);
		return;
	}
	unsigned delay = mig->tries < 6 ? 1u << (mig->tries - 1) : RETRY_MAX_S;
	if (delay > RETRY_MAX_S)
		delay = RETRY_MAX_S;
	log_warn("domain %s: migration %s: asking the receiver whether it runs the guest: %s; "
		 "asked again in %u s", d->name, UUID_STR(mig->id), why, delay);
	if (!mig->retry && !(mig->retry = loop_timer_new(op->m->jobs.loop, retry_due, op))) {
		dm_mig_unknown(op, "out of memory");
		return;
	}
	loop_timer_arm(mig->retry, (uint64_t)delay * 1000, 0);
}

/* The answer the job's event carried, kept for its end. */
static void resolve_event(const char *line, void *arg)
{
	struct dm_op *op = arg;
	char perr[64];
	yajl_val t = yajl_tree_parse(line, perr, sizeof(perr));
	if (!t)
		return;
	snprintf(op->mig->answer, sizeof(op->mig->answer), "%s", jt_str(t, "answer"));
	snprintf(op->mig->answer_why, sizeof(op->mig->answer_why), "%s", jt_str(t, "why"));
	yajl_tree_free(t);
}

static void resolve_done(int rc, bool reported, const char *err, void *arg)
{
	struct dm_op *op = arg;
	struct dm_mig *mig = op->mig;
	char answer[32], why[XCD_ERR_MAX];
	op->job = NULL;
	(void)reported;
	snprintf(answer, sizeof(answer), "%s", rc < 0 ? "" : mig->answer);
	snprintf(why, sizeof(why), "%s", rc < 0 ? err : mig->answer_why);
	mig->answer[0] = mig->answer_why[0] = '\0';
	dm_crash_point(op->m, "migrate:resolved");
	if (rc == 0 && !strcmp(answer, "committed")) {
		log_info("domain %s: migration %s: the receiver, asked, runs the guest: this copy "
			 "goes", op->d->name, UUID_STR(mig->id));
		dm_mig_committed(op);
		return;
	}
	if (rc == 0 && !strcmp(answer, "aborted")) {
		char msg[XCD_ERR_MAX];
		snprintf(msg, sizeof(msg), "%s; the receiver, asked, did not start the guest",
			 mig->doubt);
		mig->committing = false;
		dm_mig_rollback(op, -EIO, msg);
		return;
	}
	mig->silent = rc == 0 && !strcmp(answer, "silent") ? mig->silent + 1 : 0;
	if (rc == 0 && !strcmp(answer, "unavailable"))
		snprintf(why, sizeof(why), "its xcdd cannot say yet");
	try_later(op, why[0] ? why : answer);
}

/* Over TCP, the pipe to the receiver for one try, opened by the host's
 * migration link (one data connection): 0 with FDS, or a negative errno
 * with ERR. */
static int open_peer(struct dm_op *op, int fds[2], char *err, size_t errlen)
{
	const struct dm_pending_op *p = &op->d->pending;
	struct dm_mig_peer peer = { .streams = 1 };
	struct dm *m = op->m;
	if (!m->mig_connect) {
		snprintf(err, errlen, "this xcdd has no migration link to reach %s", p->tcp_peer);
		return -EOPNOTSUPP;
	}
	snprintf(peer.addr, sizeof(peer.addr), "%s", p->tcp_addr);
	snprintf(peer.name, sizeof(peer.name), "%s", p->tcp_peer);
	return m->mig_connect(m->mig_connect_arg, &peer, NULL, &fds[0], &fds[1], err, errlen);
}

/* One try: the job that runs the transport (or speaks over the link's
 * pipe) and asks. */
static void try_now(struct dm_op *op)
{
	struct dm_mig *mig = op->mig;
	struct dm_domain *d = op->d;
	struct resolve_work w;
	int fds[2] = { -1, -1 };
	char what[64], err[XCD_ERR_MAX];
	snprintf(w.rune, sizeof(w.rune), "%s", d->pending.rune);
	memcpy(w.id, mig->id, 16);
	mig->tries++;
	if (!w.rune[0] && open_peer(op, fds, err, sizeof(err)) < 0) {
		try_later(op, err);
		return;
	}
	struct devjob_extra x = { fds[0] >= 0 ? fds : NULL, fds[0] >= 0 ? 2 : 0, resolve_event,
				  NULL };
	snprintf(what, sizeof(what), "asking the outcome of migrating domain %u", d->domid);
	int rc = devjob_run_with(&op->m->jobs, what, &x, resolve_work, &w, NULL, resolve_done, op,
				 &op->job, err, sizeof(err));
	for (int i = 0; i < 2; i++) /* the job's now */
		if (fds[i] >= 0)
			close(fds[i]);
	if (rc < 0)
		try_later(op, err);
}

void dm_mig_doubt(struct dm_op *op, const char *why)
{
	struct dm_mig *mig = op->mig;
	struct dm_domain *d = op->d;
	dm_wait_stop(mig->wait);
	mig->wait = NULL;
	dm_mig_close(mig);
	dm_mig_slot_release(mig);
	mig->committing = true;
	snprintf(mig->doubt, sizeof(mig->doubt), "the pipe broke after the go (%s)", why);
	if (!dm_mig_askable(&d->pending) || !op->m->jobs.loop) {
		dm_mig_unknown(op, d->pending.rune[0] || d->pending.tcp_addr[0]
					   ? why : "no transport command was given to ask the "
						   "receiver again");
		return;
	}
	memcpy(mig->id, d->pending.mig_id, 16);
	log_warn("domain %s: migration %s: %s: whether the receiver runs the guest is not "
		 "known; kept paused here until the receiver, asked, says", d->name,
		 UUID_STR(mig->id), mig->doubt);
	dm_mig_notify(op, "resolving", 0);
	try_now(op);
}

int dm_mig_resolve_later(struct dm *m, struct dm_domain *d)
{
	struct dm_mig *mig = calloc(1, sizeof(*mig));
	if (!mig)
		return -ENOMEM;
	*mig = (struct dm_mig){ .m = m, .out_fd = -1, .in_fd = -1, .committing = true,
				.has_id = true, .resolve_left = true };
	memcpy(mig->id, d->pending.mig_id, 16);
	snprintf(mig->res.name, sizeof(mig->res.name), "%s", d->pending.mig_name);
	snprintf(mig->doubt, sizeof(mig->doubt), "xcdd stopped after the go");
	struct dm_op *op = dm_op_new(m, d, OP_MIGRATE, NULL, NULL);
	if (!op) {
		free(mig);
		return -ENOMEM;
	}
	op->mig = mig;
	mig->op = op;
	return 0;
}

void dm_mig_resolve_left(struct dm *m)
{
	struct strmap_iter it;
	for (struct strmap_entry *e = strmap_next(&m->by_uuid, &it, NULL); e;
	     e = strmap_next(&m->by_uuid, &it, e)) {
		struct dm_domain *d = e->val;
		if (!d->op || !d->op->mig || !d->op->mig->resolve_left)
			continue;
		d->op->mig->resolve_left = false;
		log_warn("domain %s: migration %s: xcdd stopped after the go: kept paused until "
			 "the receiver, asked, says whether it runs the guest", d->name,
			 UUID_STR(d->op->mig->id));
		dm_mig_notify(d->op, "resolving", 0);
		try_now(d->op);
	}
}
