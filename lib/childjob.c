/* childjob: work in a child process, watched from the loop (see childjob.h). */
#include "childjob.h"
#include "errmsg.h"
#include "fdio.h"
#include "log.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_MAX_OUT (64u << 10)

struct childjob {
	struct childjobs *js;
	pid_t pid;
	int fd;	   /* the pipe's read end; -1 once closed */
	int pidfd; /* -1: none */
	bool pidfd_in_loop;
	bool stopping;	/* SIGTERM sent; the timer now stands for SIGKILL */
	bool given_up;	/* HOW and ERR say why it was stopped */
	bool silent;	/* its start failed: DONE is not called */
	enum childjob_how how;
	struct loop_timer *timer; /* the time limit, then the grace */
	unsigned timeout_ms, grace_ms;
	char *buf;
	size_t len, cap, max;
	childjob_line_fn *line;
	childjob_done_fn *done;
	void *arg;
	char err[XCD_ERR_MAX];
	char what[64];
	struct childjob *next;
};

/* ---- the child ---- */

/* The pipe FD as CHILDJOB_FD and KEEP's descriptors after it: each moved
 * out of the way first, so that none lands on another still to be moved. */
static void keep_fds(int fd, const int *keep, unsigned n)
{
	int high[CHILDJOB_MAX_KEEP + 1];
	high[0] = fcntl(fd, F_DUPFD, 64);
	for (unsigned i = 0; i < n; i++)
		high[i + 1] = fcntl(keep[i], F_DUPFD, 64);
	for (unsigned i = 0; i <= n; i++)
		if (high[i] < 0 || dup2(high[i], CHILDJOB_FD + (int)i) < 0)
			_exit(127);
}

static void child_main(pid_t parent, const struct childjob_spec *s, int fd)
{
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
	if (s->comm)
		prctl(PR_SET_NAME, s->comm);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if (s->argv)
		signal(SIGPIPE, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	int to = s->argv ? STDOUT_FILENO : CHILDJOB_FD;
	unsigned keep = s->argv ? 0 : s->n_keep;
	if (keep)
		keep_fds(fd, s->keep_fds, keep);
	else if (fd != to && dup2(fd, to) < 0)
		_exit(127);
	if (fcntl(to, F_SETFD, s->argv ? 0 : FD_CLOEXEC) < 0)
		_exit(127);
	unsigned first = to < 3 ? 3 : (unsigned)to + 1 + keep;
	if (syscall(SYS_close_range, first, ~0U, 0) < 0)
		for (int k = (int)first; k < 1024; k++)
			close(k);
	if (s->argv) {
		execvp(s->argv[0], (char *const *)s->argv);
		fprintf(stderr, "%s: %s: %s\n", s->what, s->argv[0], strerror(errno));
		_exit(127);
	}
	int rc = s->fn(to, s->fn_arg);
	_exit(rc < 0 || rc > 255 ? 255 : rc);
}

/* ---- the parent ---- */

static void unlink_job(struct childjob *j)
{
	for (struct childjob **p = &j->js->list; *p; p = &(*p)->next)
		if (*p == j) {
			*p = j->next;
			j->js->n--;
			return;
		}
}

static void stop_reading(struct childjob *j)
{
	if (j->fd < 0)
		return;
	loop_del(j->js->loop, j->fd);
	close(j->fd);
	j->fd = -1;
}

static void close_all(struct childjob *j)
{
	stop_reading(j);
	if (j->pidfd >= 0) {
		if (j->pidfd_in_loop)
			loop_del(j->js->loop, j->pidfd);
		close(j->pidfd);
		j->pidfd = -1;
		j->pidfd_in_loop = false;
	}
	if (j->timer) {
		loop_timer_free(j->timer);
		j->timer = NULL;
	}
}

/* What became of J, reaped with STATUS (REAPED false: someone else reaped
 * it, or it would not die), in END and J's ERR. */
static void describe_end(struct childjob *j, int status, bool reaped, struct childjob_end *end)
{
	*end = (struct childjob_end){ .how = CHILDJOB_EXITED, .pid = j->pid,
				      .status = reaped ? status : -1 };
	if (j->given_up) {
		end->how = j->how;
	} else if (!reaped) {
		snprintf(j->err, sizeof(j->err), "%s (pid %d): its end is unknown (not reaped here)",
			 j->what, (int)j->pid);
	} else if (WIFSIGNALED(status)) {
		end->how = CHILDJOB_KILLED;
		snprintf(j->err, sizeof(j->err), "%s (pid %d) was killed by signal %d", j->what,
			 (int)j->pid, WTERMSIG(status));
	} else if (WEXITSTATUS(status) != 0) {
		snprintf(j->err, sizeof(j->err), "%s (pid %d) failed (status %d)", j->what,
			 (int)j->pid, WEXITSTATUS(status));
	}
	end->err = j->err[0] ? j->err : NULL;
	if (!j->line && j->len && (end->how == CHILDJOB_EXITED || end->how == CHILDJOB_KILLED)) {
		j->buf[j->len] = '\0';
		end->out = j->buf;
		end->len = j->len;
		j->buf = NULL;
	}
}

/* Tells DONE how J ended and forgets J. */
static void end_job(struct childjob *j, int status, bool reaped)
{
	struct childjob_end end;
	describe_end(j, status, reaped, &end);
	log_debug("job %d (%s) ended: %s", (int)j->pid, j->what, end.err ? end.err : "done");
	if (!j->silent && j->done)
		j->done(&end, j->arg);
	free(end.out);
	free(j->buf);
	free(j);
}

/* 1 when J's child was reaped (and J ended and freed). */
static int try_reap(struct childjob *j)
{
	int status = 0;
	pid_t r = waitpid(j->pid, &status, WNOHANG);
	if (r == j->pid || (r < 0 && errno == ECHILD)) {
		unlink_job(j);
		close_all(j);
		end_job(j, status, r == j->pid);
		return 1;
	}
	return 0;
}

static void pidfd_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
	try_reap(arg);
}

/* Its output is over: from now on its exit is watched (without a pidfd,
 * childjobs_tick reaps it). */
static void watch_exit(struct childjob *j)
{
	if (j->pidfd >= 0 && !j->pidfd_in_loop &&
	    loop_add(j->js->loop, j->pidfd, EPOLLIN, pidfd_cb, j) == 0)
		j->pidfd_in_loop = true;
}

/* SIGTERM now, SIGKILL after the grace. */
static void stop(struct childjob *j)
{
	if (j->stopping)
		return;
	j->stopping = true;
	kill(j->pid, SIGTERM);
	if (j->timer)
		loop_timer_arm(j->timer, j->grace_ms, 0);
}

/* Stops J for HOW, WHY saying what it did; what it writes is ignored. The
 * first reason stays, but a cancel's: DONE is told CANCELLED, as promised. */
static void give_up(struct childjob *j, enum childjob_how how, const char *why)
{
	if (!j->given_up || (how == CHILDJOB_CANCELLED && j->how != CHILDJOB_CANCELLED)) {
		j->given_up = true;
		j->how = how;
		snprintf(j->err, sizeof(j->err), "%s (pid %d) %s", j->what, (int)j->pid, why);
	}
	stop(j);
	stop_reading(j);
	watch_exit(j);
}

static void timer_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	struct childjob *j = arg;
	if (j->stopping) {
		log_info("job %d (%s) still runs %u ms after SIGTERM: SIGKILL", (int)j->pid,
			 j->what, j->grace_ms);
		kill(j->pid, SIGKILL);
		return;
	}
	char why[XCD_ERR_MAX];
	if (j->timeout_ms % 1000 == 0)
		snprintf(why, sizeof(why), "took longer than %u s: stopped", j->timeout_ms / 1000);
	else
		snprintf(why, sizeof(why), "took longer than %u ms: stopped", j->timeout_ms);
	give_up(j, CHILDJOB_TIMED_OUT, why);
}

static void too_much(struct childjob *j)
{
	char why[XCD_ERR_MAX];
	if (j->line)
		snprintf(why, sizeof(why), "wrote a line longer than %zu bytes: stopped", j->max);
	else if (j->max % (1u << 20) == 0)
		snprintf(why, sizeof(why), "wrote more than %zu MiB: stopped", j->max >> 20);
	else
		snprintf(why, sizeof(why), "wrote more than %zu bytes: stopped", j->max);
	give_up(j, CHILDJOB_TOO_MUCH, why);
}

/* Hands each whole line to LINE; false when a callback stopped the reading. */
static bool take_lines(struct childjob *j, bool at_eof)
{
	size_t start = 0;
	for (;;) {
		char *p = j->buf + start;
		char *nl = memchr(p, '\n', j->len - start);
		if (!nl && !(at_eof && start < j->len))
			break;
		size_t n = nl ? (size_t)(nl - p) : j->len - start;
		p[n] = '\0';
		start += n + (nl ? 1 : 0);
		j->line(p, n, j->arg);
		if (j->fd < 0)
			return false;
	}
	memmove(j->buf, j->buf + start, j->len - start);
	j->len -= start;
	return true;
}

/* Room for another read: false when J was given up for it. */
static bool make_room(struct childjob *j)
{
	/* One byte over the bound proves too much; one more for a NUL. */
	size_t limit = j->max + 2;
	if (j->len + 1 < j->cap)
		return true;
	size_t ncap = j->cap ? j->cap * 2 : 4096;
	if (ncap > limit)
		ncap = limit;
	char *nb = realloc(j->buf, ncap);
	if (!nb) {
		give_up(j, CHILDJOB_TOO_MUCH, "could not be read: out of memory: stopped");
		return false;
	}
	j->buf = nb;
	j->cap = ncap;
	return true;
}

static void pipe_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct childjob *j = arg;
	/* A bounded amount per turn, so that the loop serves others between. */
	for (int turns = 0; turns < 16; turns++) {
		if (!make_room(j))
			return;
		ssize_t n = read(fd, j->buf + j->len, j->cap - 1 - j->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			if (j->line && !take_lines(j, true))
				return;
			stop_reading(j);
			if (!try_reap(j))
				watch_exit(j);
			return;
		}
		j->len += (size_t)n;
		if (j->line && !take_lines(j, false))
			return;
		if (j->len > j->max) {
			too_much(j);
			return;
		}
	}
}

/* The watches of a child started: its pipe, its pidfd, its timer. */
static int watch(struct childjobs *js, struct childjob *j)
{
	if (!js->no_pidfd)
		j->pidfd = (int)syscall(SYS_pidfd_open, j->pid, 0);
	int fl = fcntl(j->fd, F_GETFL);
	j->timer = loop_timer_new(js->loop, timer_cb, j);
	if (!j->timer || fl < 0 || fcntl(j->fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    loop_add(js->loop, j->fd, EPOLLIN, pipe_cb, j) < 0)
		return -EIO;
	if (j->timeout_ms)
		loop_timer_arm(j->timer, j->timeout_ms, 0);
	return 0;
}

static struct childjob *job_new(struct childjobs *js, const struct childjob_spec *s)
{
	struct childjob *j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	j->js = js;
	j->fd = j->pidfd = -1;
	j->max = s->max_out ? s->max_out : DEFAULT_MAX_OUT;
	j->line = s->line;
	j->done = s->done;
	j->arg = s->arg;
	j->timeout_ms = s->timeout_ms;
	j->grace_ms = s->grace_ms ? s->grace_ms : CHILDJOB_GRACE_MS;
	snprintf(j->what, sizeof(j->what), "%s", s->what);
	return j;
}

int childjob_start(struct childjobs *js, const struct childjob_spec *s, struct childjob **out,
		   char *err, size_t errlen)
{
	if (!js->loop || (!s->fn == !s->argv)) {
		snprintf(err, errlen, "%s: %s", s->what,
			 js->loop ? "a job runs a function or a program" : "no loop runs jobs");
		return -EINVAL;
	}
	if (s->n_keep > CHILDJOB_MAX_KEEP) {
		snprintf(err, errlen, "%s: %u descriptors to keep, at most %d", s->what, s->n_keep,
			 CHILDJOB_MAX_KEEP);
		return -EINVAL;
	}
	if (js->max && js->n >= js->max) {
		snprintf(err, errlen, "%s: %u such jobs run already: try again shortly", s->what,
			 js->max);
		return -EAGAIN;
	}
	struct childjob *j = job_new(js, s);
	int p[2];
	if (!j || pipe2(p, O_CLOEXEC) < 0) {
		int rc = j ? -errno : -ENOMEM;
		snprintf(err, errlen, "%s: %s", s->what, strerror(-rc));
		free(j);
		return rc;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int rc = -errno;
		snprintf(err, errlen, "%s: fork: %s", s->what, strerror(errno));
		close(p[0]);
		close(p[1]);
		free(j);
		return rc;
	}
	if (pid == 0) {
		close(p[0]);
		child_main(parent, s, p[1]);
	}
	close(p[1]);
	j->pid = pid;
	j->fd = p[0];
	j->next = js->list;
	js->list = j;
	js->n++;
	if (watch(js, j) < 0) {
		snprintf(err, errlen, "%s: cannot watch the job", s->what);
		/* Reaped from the loop like any other; nobody is told. */
		j->silent = true;
		give_up(j, CHILDJOB_CANCELLED, "could not be watched");
		kill(pid, SIGKILL);
		return -EIO;
	}
	log_debug("job %d: %s", (int)pid, j->what);
	if (out)
		*out = j;
	return 0;
}

void childjob_cancel(struct childjob *j)
{
	log_info("job %d (%s) cancelled", (int)j->pid, j->what);
	give_up(j, CHILDJOB_CANCELLED, "was cancelled");
}

pid_t childjob_pid(const struct childjob *j) { return j->pid; }

void childjobs_tick(struct childjobs *js)
{
	struct childjob *j, *next;
	for (j = js->list; j; j = next) {
		next = j->next;
		if (j->fd < 0 && !j->pidfd_in_loop)
			try_reap(j);
	}
}

/* Waits up to MS for the children of LIST to exit; those reaped get their
 * status in STATUS and REAPED (in list order). True when all were. */
static bool reap_within(struct childjob *list, int *status, bool *reaped, unsigned ms)
{
	uint64_t until = mono_ms() + ms;
	for (;;) {
		bool all = true;
		size_t i = 0;
		for (struct childjob *j = list; j; j = j->next, i++) {
			if (reaped[i])
				continue;
			pid_t r = waitpid(j->pid, &status[i], WNOHANG);
			if (r == j->pid || (r < 0 && errno == ECHILD))
				reaped[i] = true;
			else
				all = false;
		}
		if (all || mono_ms() >= until)
			return all;
		nanosleep(&(struct timespec){ 0, 5 * 1000 * 1000 }, NULL);
	}
}

/* Stops and reaps the jobs of LIST (unlinked), then tells each DONE. */
static void close_list(struct childjob *list, const char *why)
{
	size_t n = 0;
	unsigned grace = 0;
	for (struct childjob *j = list; j; j = j->next, n++) {
		close_all(j);
		kill(j->pid, SIGTERM);
		if (j->grace_ms > grace)
			grace = j->grace_ms;
	}
	int *status = calloc(n, sizeof(*status));
	bool *reaped = calloc(n, sizeof(*reaped));
	if (status && reaped && !reap_within(list, status, reaped, grace)) {
		size_t i = 0;
		for (struct childjob *j = list; j; j = j->next, i++)
			if (!reaped[i])
				kill(j->pid, SIGKILL);
		if (!reap_within(list, status, reaped, 1000))
			log_warn("jobs: some child would not exit even after SIGKILL");
	}
	size_t i = 0;
	for (struct childjob *j = list, *next; j; j = next, i++) {
		next = j->next;
		if (!j->given_up || j->how != CHILDJOB_CANCELLED) {
			j->given_up = true;
			j->how = CHILDJOB_CLOSED;
			snprintf(j->err, sizeof(j->err), "%s", why);
		}
		end_job(j, status ? status[i] : 0, status && reaped && reaped[i]);
	}
	free(status);
	free(reaped);
}

void childjobs_close(struct childjobs *js, const char *why)
{
	/* A DONE may start another job: it is stopped in the next round. */
	while (js->list) {
		struct childjob *list = js->list;
		js->list = NULL;
		js->n = 0;
		close_list(list, why);
	}
}
