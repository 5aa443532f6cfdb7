/* tunejob: read-only host work in a child process (see tunejob.h). */
#include "tunejob.h"
#include "../lib/log.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct tunejob {
	struct tunejobs *js;
	pid_t pid;
	int fd;	   /* the pipe's read end; -1 after its end of file */
	int pidfd; /* -1: none */
	bool pidfd_in_loop;
	struct loop_timer *timer;
	char *buf;
	size_t len, cap;
	char err[256]; /* set when the job is given up (too large, too long) */
	char what[64];
	tunejob_done_fn *done;
	void *arg;
	struct tunejob *next;
};

static void child_main(pid_t parent, int fd, tunejob_work_fn *work, void *arg)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	prctl(PR_SET_NAME, "xcdd-tunejob");
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	/* Nothing of xcdd's (lock, clients, listening socket) stays open in a
	 * job: a client would not see its connection close. */
	if (fd != 3) {
		if (dup2(fd, 3) < 0)
			_exit(1);
		fd = 3;
	}
	if (syscall(SYS_close_range, 4U, ~0U, 0) < 0)
		for (int k = 4; k < 1024; k++)
			close(k);
	char *out = NULL;
	size_t len = 0;
	if (work(arg, &out, &len) < 0)
		_exit(2);
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, out + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(3);
		done += (size_t)n;
	}
	_exit(0);
}

static void unlink_job(struct tunejob *j)
{
	for (struct tunejob **p = &j->js->list; *p; p = &(*p)->next)
		if (*p == j) {
			*p = j->next;
			j->js->n--;
			break;
		}
}

static void close_fds(struct tunejob *j)
{
	struct loop *l = j->js->loop;
	if (j->fd >= 0) {
		loop_del(l, j->fd);
		close(j->fd);
		j->fd = -1;
	}
	if (j->pidfd >= 0) {
		if (j->pidfd_in_loop)
			loop_del(l, j->pidfd);
		close(j->pidfd);
		j->pidfd = -1;
	}
	if (j->timer) {
		loop_timer_free(j->timer);
		j->timer = NULL;
	}
}

/* Reaped with STATUS: tells DONE, forgets J. */
static void finish(struct tunejob *j, int status)
{
	unlink_job(j);
	close_fds(j);
	if (!j->err[0] && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		if (WIFSIGNALED(status))
			snprintf(j->err, sizeof(j->err), "%s (pid %d) was killed by signal %d",
				 j->what, (int)j->pid, WTERMSIG(status));
		else
			snprintf(j->err, sizeof(j->err), "%s (pid %d) failed (status %d)", j->what,
				 (int)j->pid, WEXITSTATUS(status));
	}
	if (!j->err[0] && j->len == 0)
		snprintf(j->err, sizeof(j->err), "%s (pid %d) gave no answer", j->what, (int)j->pid);
	if (j->err[0]) {
		log_warn("%s", j->err);
		free(j->buf);
		j->buf = NULL;
		j->len = 0;
	}
	if (j->done)
		j->done(j->buf, j->len, j->err[0] ? j->err : NULL, j->arg);
	else
		free(j->buf);
	free(j);
}

static int try_reap(struct tunejob *j)
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
	try_reap(arg);
}

/* The output is complete (end of file, or given up): wait for the exit. */
static void output_done(struct tunejob *j)
{
	struct loop *l = j->js->loop;
	loop_del(l, j->fd);
	close(j->fd);
	j->fd = -1;
	if (try_reap(j))
		return;
	if (j->pidfd >= 0 && loop_add(l, j->pidfd, EPOLLIN, pidfd_cb, j) == 0)
		j->pidfd_in_loop = true;
	/* else tunejobs_tick reaps it */
}

static void give_up(struct tunejob *j, const char *why)
{
	snprintf(j->err, sizeof(j->err), "%s (pid %d) %s", j->what, (int)j->pid, why);
	kill(j->pid, SIGKILL);
	if (j->fd >= 0)
		output_done(j);
}

static void pipe_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct tunejob *j = arg;
	/* A bounded amount per turn, so that other clients are served between. */
	for (int turns = 0; turns < 16; turns++) {
		if (j->len == j->cap) {
			if (j->cap >= TUNEJOB_MAX_OUT) {
				give_up(j, "answered more than 64 MiB: given up");
				return;
			}
			size_t ncap = j->cap ? j->cap * 2 : 65536;
			char *nb = realloc(j->buf, ncap);
			if (!nb) {
				give_up(j, "could not be read: out of memory");
				return;
			}
			j->buf = nb;
			j->cap = ncap;
		}
		ssize_t n = read(fd, j->buf + j->len, j->cap - j->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			output_done(j);
			return;
		}
		j->len += (size_t)n;
	}
}

static void timeout_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	struct tunejob *j = arg;
	loop_timer_free(j->timer);
	j->timer = NULL;
	give_up(j, "took longer than 60 s: killed");
}

int tunejob_start(struct tunejobs *js, const char *what, tunejob_work_fn *work, void *work_arg,
		  tunejob_done_fn *done, void *done_arg, char *err, size_t errlen)
{
	if (js->n >= TUNEJOB_MAX) {
		snprintf(err, errlen, "%s: %d such jobs run already: try again shortly", what,
			 TUNEJOB_MAX);
		return -EAGAIN;
	}
	struct tunejob *j = calloc(1, sizeof(*j));
	int p[2];
	if (!j || pipe2(p, O_CLOEXEC) < 0) {
		int rc = j ? -errno : -ENOMEM;
		snprintf(err, errlen, "%s: %s", what, strerror(-rc));
		free(j);
		return rc;
	}
	j->js = js;
	j->fd = j->pidfd = -1;
	j->done = done;
	j->arg = done_arg;
	snprintf(j->what, sizeof(j->what), "%s", what);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int rc = -errno;
		snprintf(err, errlen, "%s: fork: %s", what, strerror(errno));
		close(p[0]);
		close(p[1]);
		free(j);
		return rc;
	}
	if (pid == 0) {
		close(p[0]);
		child_main(parent, p[1], work, work_arg);
	}
	close(p[1]);
	j->pid = pid;
	j->fd = p[0];
	j->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	j->next = js->list;
	js->list = j;
	js->n++;
	int fl = fcntl(j->fd, F_GETFL);
	j->timer = loop_timer_new(js->loop, timeout_cb, j);
	if (!j->timer || fl < 0 || fcntl(j->fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    loop_add(js->loop, j->fd, EPOLLIN, pipe_cb, j) < 0) {
		snprintf(err, errlen, "%s: cannot watch the job", what);
		/* Reaped by the tick, its DONE never called. */
		j->done = NULL;
		kill(pid, SIGKILL);
		close(j->fd);
		j->fd = -1;
		return -EIO;
	}
	loop_timer_arm(j->timer, TUNEJOB_TIMEOUT_MS, 0);
	log_debug("%s: job %d", what, (int)pid);
	return 0;
}

void tunejobs_tick(struct tunejobs *js)
{
	struct tunejob *j, *next;
	for (j = js->list; j; j = next) {
		next = j->next;
		if (j->fd < 0 && !j->pidfd_in_loop)
			try_reap(j);
	}
}

void tunejobs_close(struct tunejobs *js)
{
	while (js->list) {
		struct tunejob *j = js->list;
		js->list = j->next;
		js->n--;
		kill(j->pid, SIGKILL);
		close_fds(j);
		if (j->done)
			j->done(NULL, 0, "xcdd is stopping", j->arg);
		free(j->buf);
		free(j);
	}
}
