/* devjob: the device phase of one domain operation, or other slow work
 * (a save, a restore's memory), as a child job (see devjob.h). */
#include "devjob.h"
#include "../lib/errmsg.h"
#include "hotplug.h"
#include "../lib/fdio.h"
#include "../lib/jsonw.h"
#include "../lib/log.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xenstore.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

/* A job's report lines are short: a progress note or an error message. */
#define DEVJOB_MAX_LINE 8192

struct devjob {
	struct childjob *cj;
	bool reported, cancelled;
	int rc;
	char err[XCD_ERR_MAX];
	char what[64]; /* "adding the devices of domain 5", for the log */
	devjob_done_fn *done;
	devjob_progress_fn *progress; /* NULL: progress is only logged */
	devjob_event_fn *event;	      /* NULL: event lines are only logged */
	const struct devjob_extra *x; /* devjob_run_with's, until started */
	void *arg;
	/* The child's work: WORK(WORK_ARG), or (WORK NULL) the device phase
	 * OP of DOMID with E and CFG. */
	devjob_work_fn *work;
	void *work_arg;
	const struct dev_env *e;
	enum devjob_op op;
	uint32_t domid;
	const struct domcfg *cfg;
};

/* ---- the child ---- */

/* g's object as one line to the parent (both members of a result on one
 * line: the parent takes it whole or not); a parent gone away is no reason
 * to stop. Frees g. */
static void child_send_gen(int fd, yajl_gen g)
{
	const unsigned char *buf;
	size_t len;
	if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok) {
		char *line = malloc(len + 1);
		if (line) {
			memcpy(line, buf, len);
			line[len] = '\n';
			if (fd_write_all(fd, line, len + 1) < 0)
				log_debug("device job: the daemon went away");
			free(line);
		}
	}
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

void devjob_report_event(int fd, const char *json)
{
	size_t n = strlen(json);
	char *line = malloc(n + 1);
	if (!line)
		return;
	memcpy(line, json, n);
	line[n] = '\n';
	if (fd_write_all(fd, line, n + 1) < 0)
		log_debug("device job: the daemon went away");
	free(line);
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

/* The device phase in the child. */
static void child_device_phase(int fd, const struct dev_env *e0, enum devjob_op op,
			       uint32_t domid, const struct domcfg *cfg)
{
	char err[XCD_ERR_MAX] = "";
	struct xs_handle *xs = xs_open(0);
	if (!xs) {
		snprintf(err, sizeof(err), "the device job cannot connect to xenstore: %s",
			 strerror(errno));
		child_result(fd, -EIO, err);
		return;
	}
	struct dev_env e = *e0;
	e.xs = xs;
	e.progress = child_progress;
	e.progress_arg = &fd;
	int rc = op == DEVJOB_ADD ? dev_plug_all(&e, domid, cfg, err, sizeof(err))
				  : dev_remove_all(&e, domid, err, sizeof(err));
	child_result(fd, rc, rc < 0 ? err : "");
	xs_close(xs);
}

/*
 * The child's work (lib/childjob.c set it up). The parent's xenstore
 * handles (one with a watch thread) and hypervisor connection are neither
 * used nor closed through their libraries here; glibc leaves malloc and
 * stdio usable after fork. A job never outlives its daemon (the next one
 * owns the domain), nor does the script it runs, with what that started:
 * SIGTERM, from xcdd cancelling it or from its death, takes the script's
 * group along.
 */
static int child_work(int fd, void *arg)
{
	struct devjob *j = arg;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = job_stop;
	sigaction(SIGTERM, &sa, NULL);
	if (!j->work) {
		child_device_phase(fd, j->e, j->op, j->domid, j->cfg);
		return 0;
	}
	char werr[XCD_ERR_MAX] = "";
	int rc = j->work(fd, j->work_arg, werr, sizeof(werr));
	child_result(fd, rc, rc < 0 ? werr : "");
	return 0;
}

yajl_gen devjob_event_new(const char *name)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (g && (yajl_gen_map_open(g) != yajl_gen_status_ok || jw_kv_str(g, "event", name))) {
		yajl_gen_free(g);
		return NULL;
	}
	return g;
}

void devjob_event_send(int fd, yajl_gen g)
{
	const unsigned char *buf;
	size_t len;
	if (yajl_gen_map_close(g) == yajl_gen_status_ok &&
	    yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok) {
		char *line = strndup((const char *)buf, len);
		if (line)
			devjob_report_event(fd, line);
		free(line);
	}
	yajl_gen_free(g);
}

/* ---- the parent ---- */

/* The child's end (lib/childjob.c reaped it): tells whoever waits. */
static void job_end(struct childjob_end *end, void *arg)
{
	struct devjob *j = arg;
	if (j->cancelled || end->how == CHILDJOB_CANCELLED) {
		free(j);
		return;
	}
	if (end->how == CHILDJOB_CLOSED) {
		/* Whoever waits frees what it holds. */
		if (j->done)
			j->done(-ECANCELED, false, end->err, j->arg);
		free(j);
		return;
	}
	if (!j->reported) {
		j->rc = -EIO;
		if (end->how == CHILDJOB_KILLED)
			snprintf(j->err, sizeof(j->err), "the device job (pid %d) was killed by "
				 "signal %d before it finished", (int)end->pid, WTERMSIG(end->status));
		else if (end->how == CHILDJOB_EXITED && end->status >= 0)
			snprintf(j->err, sizeof(j->err), "the device job (pid %d) exited with "
				 "status %d before it finished", (int)end->pid,
				 WEXITSTATUS(end->status));
		else
			snprintf(j->err, sizeof(j->err), "%s", end->err ? end->err : "?");
		log_err("%s: %s", j->what, j->err);
	}
	log_debug("device job %d (%s) ended: %s", (int)end->pid, j->what,
		  j->rc < 0 ? j->err : "done");
	if (j->done)
		j->done(j->rc, j->reported, j->err, j->arg);
	free(j);
}

/* One report line of the child. */
static void take_line(char *line, size_t len, void *arg)
{
	struct devjob *j = arg;
	char perr[XCD_ERR_MAX];
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

static struct devjob *job_new(devjob_done_fn *done, void *arg, char *err, size_t errlen)
{
	struct devjob *j = calloc(1, sizeof(*j));
	if (!j) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	j->done = done;
	j->arg = arg;
	return j;
}

/* Starts J's child, J's to watch until its end. */
static int job_start(struct childjobs *js, struct devjob *j, struct devjob **out, char *err,
		     size_t errlen)
{
	struct childjob_spec s = { .what = j->what,
				   .comm = j->x && j->x->comm ? j->x->comm : "xcdd-devjob",
				   .fn = child_work,
				   .fn_arg = j, .line = take_line, .max_out = DEVJOB_MAX_LINE,
				   .done = job_end, .arg = j,
				   .keep_fds = j->x ? j->x->fds : NULL, .n_keep = j->x ? j->x->nfds : 0 };
	int rc = childjob_start(js, &s, &j->cj, err, errlen);
	j->x = NULL; /* the caller's, read by the start only */
	if (rc < 0) {
		free(j);
		return rc;
	}
	if (out)
		*out = j;
	return 0;
}

int devjob_start(struct childjobs *js, const struct dev_env *e, enum devjob_op op,
		 uint32_t domid, const struct domcfg *cfg,
		 devjob_done_fn *done, void *arg, struct devjob **out, char *err, size_t errlen)
{
	struct devjob *j = job_new(done, arg, err, errlen);
	if (!j)
		return -ENOMEM;
	snprintf(j->what, sizeof(j->what), "%s the devices of domain %u",
		 op == DEVJOB_ADD ? "adding" : "removing", domid);
	j->e = e;
	j->op = op;
	j->domid = domid;
	j->cfg = cfg;
	return job_start(js, j, out, err, errlen);
}

int devjob_run(struct childjobs *js, const char *what, devjob_work_fn *work, void *work_arg,
	       devjob_progress_fn *progress, devjob_done_fn *done, void *arg,
	       struct devjob **out, char *err, size_t errlen)
{
	return devjob_run_with(js, what, NULL, work, work_arg, progress, done, arg, out, err,
			       errlen);
}

int devjob_run_with(struct childjobs *js, const char *what, const struct devjob_extra *x,
		    devjob_work_fn *work, void *work_arg, devjob_progress_fn *progress,
		    devjob_done_fn *done, void *arg, struct devjob **out, char *err,
		    size_t errlen)
{
	struct devjob *j = job_new(done, arg, err, errlen);
	if (!j)
		return -ENOMEM;
	j->progress = progress;
	j->event = x ? x->event : NULL;
	j->x = x;
	j->work = work;
	j->work_arg = work_arg;
	snprintf(j->what, sizeof(j->what), "%s", what);
	return job_start(js, j, out, err, errlen);
}

void devjob_detach(struct devjob *j)
{
	j->done = NULL;
	j->event = NULL;
	j->progress = NULL;
}

void devjob_cancel(struct devjob *j)
{
	/* SIGTERM: the job kills its script's process group before it goes
	 * (SIGKILL would leave what the script started running); SIGKILL
	 * follows if it has not gone after the grace. */
	j->cancelled = true;
	childjob_cancel(j->cj);
}
