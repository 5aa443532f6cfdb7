/*
 * devjob: a domain's device phase (dev_plug_all or dev_remove_all: the waits
 * for InitWait and the hotplug scripts, seconds each and up to their time
 * limits) run as a job in a child process, so that xcdd's loop goes on
 * answering meanwhile. The child opens its own xenstore connection, reports
 * as JSON lines over a socketpair ({"progress": TEXT} as it goes, then
 * {"result": RC, "error": TEXT}) and exits; the parent reads them in its
 * loop and reaps the child without blocking (on the socket's end of file,
 * then its pidfd). A job that dies before its result is reported as such.
 */
#ifndef XCD_DEVJOB_H
#define XCD_DEVJOB_H
#include "../lib/loop.h"
#include "devices.h"
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum devjob_op { DEVJOB_ADD, DEVJOB_REMOVE };

struct devjob;
/* The jobs of one daemon. LOOP NULL: no loop runs (yet); callers then do
 * the device phase inline. */
struct devjobs {
	struct loop *loop;
	struct devjob *list;
};

/*
 * The end of a job: RC 0 or a negative errno with ERR saying why. REPORTED
 * false: the child died before it told its result (killed, crashed), so
 * whatever it did half way is still there.
 */
typedef void devjob_done_fn(int rc, bool reported, const char *err, void *arg);

/*
 * Starts dev_plug_all of CFG (whose entries dev_write_all wrote) or
 * dev_remove_all for DOMID with E's settings in a child. DONE is called
 * once, from the loop, unless the job is cancelled. 0, or a negative errno
 * with err saying why (nothing started).
 */
int devjob_start(struct devjobs *js, const struct dev_env *e, enum devjob_op op,
		 uint32_t domid, const struct domcfg *cfg,
		 devjob_done_fn *done, void *arg, struct devjob **out, char *err, size_t errlen);
/*
 * Another job's work, run in the child: FD is its report socket (for
 * devjob_report_progress). 0, or a negative errno with ERR saying why.
 */
typedef int devjob_work_fn(int fd, void *arg, char *err, size_t errlen);
/* The job said it has done DONE of TOTAL. */
typedef void devjob_progress_fn(uint64_t done, uint64_t total, void *arg);
/*
 * Starts WORK(fd, WORK_ARG) in a child, WHAT naming it in the log. Its
 * progress reports go to PROGRESS (NULL: none) and its end to DONE, as for
 * devjob_start, with ARG. 0, or a negative errno with ERR (nothing started).
 */
int devjob_run(struct devjobs *js, const char *what, devjob_work_fn *work, void *work_arg,
	       devjob_progress_fn *progress, devjob_done_fn *done, void *arg,
	       struct devjob **out, char *err, size_t errlen);
/* In the child: DONE of TOTAL, one line to the parent. */
void devjob_report_progress(int fd, uint64_t done, uint64_t total);
/* A job's event line as it came: one JSON object with an "event" member. */
typedef void devjob_event_fn(const char *line, void *arg);
/* What devjob_run_with adds to devjob_run. */
#define DEVJOB_MAX_FDS 8
struct devjob_extra {
	/* Descriptors the child keeps, as 4, 5, ... in this order (at most
	 * DEVJOB_MAX_FDS; every other one but its report socket, 3, is closed
	 * there). The parent's own stay open. */
	const int *fds;
	unsigned nfds;
	devjob_event_fn *event; /* its event lines, with ARG (NULL: logged) */
};
/* devjob_run, with X (NULL: nothing more). */
int devjob_run_with(struct devjobs *js, const char *what, const struct devjob_extra *x,
		    devjob_work_fn *work, void *work_arg, devjob_progress_fn *progress,
		    devjob_done_fn *done, void *arg, struct devjob **out, char *err,
		    size_t errlen);
/* In the child: one event line to the parent (JSON: an object with an
 * "event" member, on one line, without its newline). */
void devjob_report_event(int fd, const char *json);
/* Kills J; its DONE is never called, the child is reaped later by the loop. */
void devjob_cancel(struct devjob *j);
pid_t devjob_pid(const struct devjob *j);
/* Reaps the jobs whose end no pidfd announces (kernels without pidfd_open):
 * called once a second. */
void devjobs_tick(struct devjobs *js);
/* Kills and forgets every job (the daemon stops): the DONE of each job not
 * cancelled is told -ECANCELED, so that its waiter frees what it holds. */
void devjobs_close(struct devjobs *js);
#endif
