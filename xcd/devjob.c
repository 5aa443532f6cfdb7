/* devjob: the device phase of one domain operation, or other slow work
 * (a save, a restore's memory), in a child process. */
#include "devjob.h"
#include "hotplug.h"
#include "../lib/jsonrpc.h"
#include "../lib/log.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xenstore.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

/* A job's report lines are short: a progress note or an error message. */
#define DEVJOB_MAX_LINE 8192

struct devjob {
	struct devjobs *js;
	pid_t pid;
	int fd;	   /* our end of the socketpair; -1 after its end of file */
	int pidfd; /* -1: none (old kernel), or not opened */
	bool pidfd_in_loop;
	struct jsonrpc_linebuf lb;
	bool reported, cancelled;
	unsigned stop_ticks; /* ticks since it was told to stop */
	int rc;
	char err[1024];
	char what[64]; /* "adding the devices of domain 5", for the log */
	devjob_done_fn *done;
	devjob_progress_fn *progress; /* NULL: progress is only logged */
	devjob_event_fn *event;	      /* NULL: event lines are only logged */
	void *arg;
	struct devjob *next;
};

/* ---- the child ---- */

/* g's object as one line to the parent (both members of a result on one
 * line: the parent takes it whole or not); a parent gone away is no reason
 * to stop. Frees g. */
static void child_send_line(int fd, const char *text, size_t len)
{
	char *line = malloc(len + 1);
	if (!line)
		return;
	memcpy(line, text, len);
	line[len] = '\n';
	for (size_t done = 0; done <= len;) {
		ssize_t n = write(fd, line + done, len + 1 - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_debug("device job: the daemon went away");
			break;
		}
		done += (size_t)n;
	}
	free(line);
}

static void child_send_gen(int fd, yajl_gen g)
{
	const unsigned char *buf;
	size_t len;
	if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
		child_send_line(fd, (const char *)buf, len);
	yajl_gen_free(g);
}

static void child_send(int fd, const char *key, const char *text)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return;
	yajl_gen_map_open(g);
	yajl_gen_string(g, (const unsigned char *)key, strlen(key));
	yajl_gen_string(g, (const unsigned char *)text, strlen(text));
	yajl_gen_map_close(g);
	child_send_gen(fd, g);
}

static void child_progress(void *arg, const char *what)
{
	child_send(*(int *)arg, "progress", what);
}

static void child_result(int fd, int rc, const char *err)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return;
	yajl_gen_map_open(g);
	yajl_gen_string(g, (const unsigned char *)"result", 6);
	yajl_gen_integer(g, rc);
	yajl_gen_string(g, (const unsigned char *)"error", 5);
	yajl_gen_string(g, (const unsigned char *)err, strlen(err));
	yajl_gen_map_close(g);
	child_send_gen(fd, g);
}

static void job_stop(int sig)
{
	(void)sig;
	hotplug_kill_running();
	_exit(1);
}

void devjob_report_progress(int fd, uint64_t done, uint64_t total)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return;
	yajl_gen_map_open(g);
	yajl_gen_string(g, (const unsigned char *)"done", 4);
	yajl_gen_integer(g, (long long)done);
	yajl_gen_string(g, (const unsigned char *)"total", 5);
	yajl_gen_integer(g, (long long)total);
	yajl_gen_map_close(g);
	child_send_gen(fd, g);
}

void devjob_report_event(int fd, const char *json)
{
	child_send_line(fd, json, strlen(json));
}

/* The report socket FD as 3 and KEEP's descriptors as 4, 5, ...: each
 * moved out of the way first, so that none lands on another still to be
 * moved. */
static void child_fds(int fd, const int *keep, unsigned nkeep)
{
	int high[DEVJOB_MAX_FDS + 1];
	high[0] = fcntl(fd, F_DUPFD, 64);
	for (unsigned i = 0; i < nkeep; i++)
		high[i + 1] = fcntl(keep[i], F_DUPFD, 64);
	for (unsigned i = 0; i <= nkeep; i++)
		if (high[i] < 0 || dup2(high[i], 3 + (int)i) < 0)
			_exit(1);
}

/* The child's start, after fork: only this thread exists here, and glibc
 * leaves malloc and stdio usable; the parent's xenstore handles (one with a
 * watch thread) and hypervisor connection are neither used nor closed
 * through their libraries here. Returns the report socket's descriptor. */
static int child_setup(pid_t parent, int fd, const int *keep, unsigned nkeep)
{
	/* A job never outlives its daemon (the next one owns the domain), nor
	 * does the script it runs, with what that started: SIGTERM, from xcdd
	 * cancelling it or from its death, takes the script's group along. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = job_stop;
	sigaction(SIGTERM, &sa, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
	prctl(PR_SET_NAME, "xcdd-devjob");
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	/* Nothing of xcdd's (its lock file, clients, listening socket) may be
	 * held open by a job: a client would not see its connection close. */
	if (nkeep) {
		child_fds(fd, keep, nkeep);
		fd = 3;
	} else if (fd != 3) {
		if (dup2(fd, 3) < 0)
			_exit(1);
		fd = 3;
	}
	if (syscall(SYS_close_range, 4U + nkeep, ~0U, 0) < 0)
		for (int k = 4 + (int)nkeep; k < 1024; k++)
			close(k);
	return fd;
}

/* The device phase in the child. */
static void child_main(int fd, const struct dev_env *e0, enum devjob_op op,
		       uint32_t domid, const struct domcfg *cfg)
{
	char err[1024] = "";
	struct xs_handle *xs = xs_open(0);
	if (!xs) {
		snprintf(err, sizeof(err), "the device job cannot connect to xenstore: %s",
			 strerror(errno));
		child_result(fd, -EIO, err);
		_exit(0);
	}
	struct dev_env e = *e0;
	e.xs = xs;
	e.progress = child_progress;
	e.progress_arg = &fd;
	int rc = op == DEVJOB_ADD ? dev_plug_all(&e, domid, cfg, err, sizeof(err))
				  : dev_remove_all(&e, domid, err, sizeof(err));
	child_result(fd, rc, rc < 0 ? err : "");
	xs_close(xs);
	_exit(0);
}

/* ---- the parent ---- */

static void unlink_job(struct devjob *j)
{
	for (struct devjob **p = &j->js->list; *p; p = &(*p)->next)
		if (*p == j) {
			*p = j->next;
			break;
		}
}

static void close_fds(struct devjob *j)
{
	struct loop *l = j->js->loop;
	if (j->fd >= 0) {
		if (l)
			loop_del(l, j->fd);
		close(j->fd);
		j->fd = -1;
	}
	if (j->pidfd >= 0) {
		if (j->pidfd_in_loop && l)
			loop_del(l, j->pidfd);
		close(j->pidfd);
		j->pidfd = -1;
	}
	jsonrpc_linebuf_free(&j->lb);
}

/* The child is reaped (STATUS): tells whoever waits, forgets the job. */
static void finish(struct devjob *j, int status)
{
	unlink_job(j);
	close_fds(j);
	if (!j->cancelled && !j->reported) {
		j->rc = -EIO;
		if (WIFSIGNALED(status))
			snprintf(j->err, sizeof(j->err), "the device job (pid %d) was killed by "
				 "signal %d before it finished", (int)j->pid, WTERMSIG(status));
		else
			snprintf(j->err, sizeof(j->err), "the device job (pid %d) exited with "
				 "status %d before it finished", (int)j->pid, WEXITSTATUS(status));
		log_err("%s: %s", j->what, j->err);
	}
	log_debug("device job %d (%s) ended: %s", (int)j->pid, j->what,
		  j->cancelled ? "cancelled" : j->rc < 0 ? j->err : "done");
	if (!j->cancelled && j->done)
		j->done(j->rc, j->reported, j->err, j->arg);
	free(j);
}

/* 1 when the child was reaped (and J freed). */
static int try_reap(struct devjob *j)
{
	int status = 0;
	pid_t r = waitpid(j->pid, &status, WNOHANG);
	if (r == j->pid || (r < 0 && errno == ECHILD)) {
		finish(j, r == j->pid ? status : 0);
		return 1;
	}
	return 0;
}

static void pidfd_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
	if (!try_reap(arg))
		log_debug("device job: pidfd readable, child not yet reapable");
}

static void take_line(struct devjob *j, const char *line)
{
	char perr[128];
	yajl_val t = yajl_tree_parse(line, perr, sizeof(perr));
	const char *p_prog[] = { "progress", NULL }, *p_res[] = { "result", NULL },
		   *p_err[] = { "error", NULL };
	yajl_val prog = t ? yajl_tree_get(t, p_prog, yajl_t_string) : NULL;
	yajl_val res = t ? yajl_tree_get(t, p_res, yajl_t_number) : NULL;
	yajl_val err = t ? yajl_tree_get(t, p_err, yajl_t_string) : NULL;
	const char *p_done[] = { "done", NULL }, *p_total[] = { "total", NULL },
		   *p_event[] = { "event", NULL };
	yajl_val pd = t ? yajl_tree_get(t, p_done, yajl_t_number) : NULL;
	yajl_val pt = t ? yajl_tree_get(t, p_total, yajl_t_number) : NULL;
	if (pd && pt && YAJL_IS_INTEGER(pd) && YAJL_IS_INTEGER(pt) && YAJL_GET_INTEGER(pd) >= 0 &&
	    YAJL_GET_INTEGER(pt) >= 0 && !j->reported) {
		if (j->progress && !j->cancelled)
			j->progress((uint64_t)YAJL_GET_INTEGER(pd), (uint64_t)YAJL_GET_INTEGER(pt),
				    j->arg);
	} else if (prog) {
		log_debug("%s: %s", j->what, YAJL_GET_STRING(prog));
	} else if (t && yajl_tree_get(t, p_event, yajl_t_any) && !j->reported) {
		if (j->event && !j->cancelled)
			j->event(line, j->arg);
		else
			log_debug("%s: %s", j->what, line);
	} else if (res && YAJL_IS_INTEGER(res)) {
		j->reported = true;
		j->rc = (int)YAJL_GET_INTEGER(res);
		snprintf(j->err, sizeof(j->err), "%s", err ? YAJL_GET_STRING(err) : "");
		if (j->rc < 0 && !j->err[0])
			snprintf(j->err, sizeof(j->err), "%s", strerror(-j->rc));
	} else {
		log_warn("%s: the device job said something unexpected: %.100s", j->what, line);
	}
	if (t)
		yajl_tree_free(t);
}

static void sock_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct devjob *j = arg;
	char err[256];
	for (;;) {
		ssize_t n = jsonrpc_linebuf_read(&j->lb, fd, err, sizeof(err));
		if (n == -EAGAIN)
			return;
		char *line;
		size_t len;
		int r;
		while ((r = jsonrpc_linebuf_next(&j->lb, &line, &len, err, sizeof(err))) == 1)
			take_line(j, line);
		if (r < 0 || n < 0)
			log_warn("%s: the device job's reports: %s", j->what, err);
		if (n <= 0 || r < 0)
			break;
	}
	/* End of file: the child exited or is about to; its pidfd says when. */
	loop_del(l, j->fd);
	close(j->fd);
	j->fd = -1;
	if (try_reap(j))
		return;
	if (j->pidfd >= 0 && loop_add(l, j->pidfd, EPOLLIN, pidfd_cb, j) == 0)
		j->pidfd_in_loop = true;
	/* else devjobs_tick reaps it */
}

/* Forks the child that runs WORK (child_main when NULL, with OP, DOMID, CFG)
 * and watches it from the loop. */
static int job_start(struct devjobs *js, struct devjob *j, devjob_work_fn *work, void *work_arg,
		     const struct devjob_extra *x, const struct dev_env *e, enum devjob_op op,
		     uint32_t domid, const struct domcfg *cfg, struct devjob **out, char *err,
		     size_t errlen)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		int rc = -errno;
		snprintf(err, errlen, "%s: socketpair: %s", j->what, strerror(errno));
		free(j);
		return rc;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int rc = -errno;
		snprintf(err, errlen, "%s: fork: %s", j->what, strerror(errno));
		close(sv[0]);
		close(sv[1]);
		free(j);
		return rc;
	}
	if (pid == 0) {
		close(sv[0]);
		int fd = child_setup(parent, sv[1], x ? x->fds : NULL, x ? x->nfds : 0);
		if (!work)
			child_main(fd, e, op, domid, cfg);
		char werr[1024] = "";
		int rc = work(fd, work_arg, werr, sizeof(werr));
		child_result(fd, rc, rc < 0 ? werr : "");
		_exit(0);
	}
	close(sv[1]);
	j->pid = pid;
	j->fd = sv[0];
	j->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	jsonrpc_linebuf_init(&j->lb, DEVJOB_MAX_LINE);
	int fl = fcntl(j->fd, F_GETFL);
	if (fl < 0 || fcntl(j->fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    loop_add(js->loop, j->fd, EPOLLIN, sock_cb, j) < 0) {
		int rc = -errno;
		snprintf(err, errlen, "%s: cannot watch the job: %s", j->what, strerror(errno));
		kill(pid, SIGKILL);
		/* Not in the loop: it is reaped by the tick, unwatched. */
		close(j->fd);
		j->fd = -1;
		j->cancelled = true;
		j->next = js->list;
		js->list = j;
		return rc ? rc : -EIO;
	}
	j->next = js->list;
	js->list = j;
	log_debug("job %d: %s", (int)pid, j->what);
	if (out)
		*out = j;
	return 0;
}

static struct devjob *job_new(struct devjobs *js, devjob_done_fn *done, void *arg, char *err,
			      size_t errlen)
{
	struct devjob *j = calloc(1, sizeof(*j));
	if (!j) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	j->js = js;
	j->fd = j->pidfd = -1;
	j->done = done;
	j->arg = arg;
	return j;
}

int devjob_start(struct devjobs *js, const struct dev_env *e, enum devjob_op op,
		 uint32_t domid, const struct domcfg *cfg,
		 devjob_done_fn *done, void *arg, struct devjob **out, char *err, size_t errlen)
{
	struct devjob *j = job_new(js, done, arg, err, errlen);
	if (!j)
		return -ENOMEM;
	snprintf(j->what, sizeof(j->what), "%s the devices of domain %u",
		 op == DEVJOB_ADD ? "adding" : "removing", domid);
	return job_start(js, j, NULL, NULL, NULL, e, op, domid, cfg, out, err, errlen);
}

int devjob_run(struct devjobs *js, const char *what, devjob_work_fn *work, void *work_arg,
	       devjob_progress_fn *progress, devjob_done_fn *done, void *arg,
	       struct devjob **out, char *err, size_t errlen)
{
	return devjob_run_with(js, what, NULL, work, work_arg, progress, done, arg, out, err,
			       errlen);
}

int devjob_run_with(struct devjobs *js, const char *what, const struct devjob_extra *x,
		    devjob_work_fn *work, void *work_arg, devjob_progress_fn *progress,
		    devjob_done_fn *done, void *arg, struct devjob **out, char *err,
		    size_t errlen)
{
	if (x && x->nfds > DEVJOB_MAX_FDS) {
		snprintf(err, errlen, "%s: %u descriptors for the job, at most %d", what, x->nfds,
			 DEVJOB_MAX_FDS);
		return -EINVAL;
	}
	struct devjob *j = job_new(js, done, arg, err, errlen);
	if (!j)
		return -ENOMEM;
	j->progress = progress;
	j->event = x ? x->event : NULL;
	snprintf(j->what, sizeof(j->what), "%s", what);
	return job_start(js, j, work, work_arg, x, NULL, DEVJOB_ADD, 0, NULL, out, err, errlen);
}

void devjob_cancel(struct devjob *j)
{
	j->cancelled = true;
	/* SIGTERM: the job kills its script's process group before it goes
	 * (SIGKILL would leave what the script started running); the tick
	 * sends SIGKILL to a job that has not gone after two ticks. */
	kill(j->pid, SIGTERM);
	log_info("device job %d (%s) cancelled", (int)j->pid, j->what);
}

pid_t devjob_pid(const struct devjob *j) { return j->pid; }

void devjobs_tick(struct devjobs *js)
{
	struct devjob *j, *next;
	for (j = js->list; j; j = next) {
		next = j->next;
		if (j->cancelled && ++j->stop_ticks > 2)
			kill(j->pid, SIGKILL);
		if (j->fd < 0 && !j->pidfd_in_loop)
			try_reap(j);
	}
}

void devjobs_close(struct devjobs *js)
{
	while (js->list) {
		struct devjob *j = js->list;
		js->list = j->next;
		kill(j->pid, SIGTERM); /* it takes its script's group along */
		close_fds(j);
		/* Whoever waits frees what it holds; the child is init's to reap. */
		if (!j->cancelled && j->done)
			j->done(-ECANCELED, false, "xcdd is stopping", j->arg);
		free(j);
	}
}
