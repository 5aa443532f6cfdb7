/*
 * devjob: a domain's device phase (dev_plug_all or dev_remove_all: the waits
 * for InitWait and the hotplug scripts, seconds each and up to their time
 * limits), or other slow work of the domain manager (a save, a restore's
 * memory), run as a child job (lib/childjob.h), so that xcdd's loop goes on
 * answering meanwhile. The child opens its own connections, reports as JSON
 * lines ({"progress": TEXT} or {"done": N, "total": M} as it goes, then
 * {"result": RC, "error": TEXT}) and exits; a job that dies before its
 * result is reported as such. Its SIGTERM (a cancel, the daemon's stop or
 * death) takes a running hotplug script's process group along.
 */
#ifndef XCD_DEVJOB_H
#define XCD_DEVJOB_H
#include "../lib/childjob.h"
#include "devices.h"
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <yajl/yajl_gen.h>

enum devjob_op { DEVJOB_ADD, DEVJOB_REMOVE };

struct devjob;

/*
 * The end of a job: RC 0 or a negative errno with ERR saying why. REPORTED
 * false: the child died before it told its result (killed, crashed), so
 * whatever it did half way is still there. -ECANCELED: its jobs were closed
 * (the daemon stops).
 */
typedef void devjob_done_fn(int rc, bool reported, const char *err, void *arg);

/*
 * Starts dev_plug_all of CFG (whose entries dev_write_all wrote) or
 * dev_remove_all for DOMID with E's settings in a child, one of JS's jobs
 * (JS->loop NULL: none can start; callers then do the device phase inline).
 * DONE is called once, from the loop, unless the job is cancelled. 0, or a
 * negative errno with err saying why (nothing started).
 */
int devjob_start(struct childjobs *js, const struct dev_env *e, enum devjob_op op,
		 uint32_t domid, const struct domcfg *cfg,
		 devjob_done_fn *done, void *arg, struct devjob **out, char *err, size_t errlen);
/*
 * Another job's work, run in the child: FD is its report pipe (for
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
int devjob_run(struct childjobs *js, const char *what, devjob_work_fn *work, void *work_arg,
	       devjob_progress_fn *progress, devjob_done_fn *done, void *arg,
	       struct devjob **out, char *err, size_t errlen);
/* In the child: DONE of TOTAL, one line to the parent. */
void devjob_report_progress(int fd, uint64_t done, uint64_t total);
/* A job's event line as it came: one JSON object with an "event" member. */
typedef void devjob_event_fn(const char *line, void *arg);
/* What devjob_run_with adds to devjob_run. */
struct devjob_extra {
	/* Descriptors the child keeps, as 4, 5, ... in this order (at most
	 * CHILDJOB_MAX_KEEP; lib/childjob.h). The parent's own stay open. */
	const int *fds;
	unsigned nfds;
	devjob_event_fn *event; /* its event lines, with ARG (NULL: logged) */
	const char *comm;	/* the child's process name (NULL: xcdd-devjob) */
};
/* devjob_run, with X (NULL: nothing more). */
int devjob_run_with(struct childjobs *js, const char *what, const struct devjob_extra *x,
		    devjob_work_fn *work, void *work_arg, devjob_progress_fn *progress,
		    devjob_done_fn *done, void *arg, struct devjob **out, char *err,
		    size_t errlen);
/* In the child: one event line to the parent (JSON: an object with an
 * "event" member, on one line, without its newline). */
void devjob_report_event(int fd, const char *json);
/* In the child: an event's object begun, {"event": NAME, (NULL: no
 * memory); the caller adds its members, then devjob_event_send closes it,
 * sends it as one event line to FD and frees it. */
yajl_gen devjob_event_new(const char *name);
void devjob_event_send(int fd, yajl_gen g);
/* J's caller no longer waits on it (a migration's job parked once its
 * stream is done): its events and its end, whenever it comes, tell
 * nobody; devjob_cancel still stops it. */
void devjob_detach(struct devjob *j);
/* Stops J (childjob_cancel); its DONE is never called, the child is reaped
 * later by the loop. */
void devjob_cancel(struct devjob *j);
#endif
