/*
 * io_watch: xcdd keeping the I/O tuners' policy true over time, from its
 * loop (issue 11):
 *
 *   - each guest that starts (its device phase over: a create, a restore,
 *     a restart) has its new vifs' queues and disks' rings placed as the
 *     policy wants, in a child job (io_place.h); clients hear io.placed,
 *     the log says it; a failure never fails the start;
 *   - the host's I/O picture (io_survey.h) is kept, refreshed in a child
 *     job every REFRESH_S seconds (this is also the poll of multipathd's
 *     paths) and soon after rtnetlink says an uplink changed (a link event
 *     socket in the loop: an interface in a bond or bridge that is not a
 *     guest's came, went, or changed its up or carrier flag); each refresh
 *     is compared with the one before (io_summary.h), and clients hear
 *     io.link (a bond member or a NIC in a guests' bridge down or up) and
 *     io.path (a multipath path gone or back), naming the guests carried;
 *   - `xcd info` shows that picture (host.info's "io"), from what was kept,
 *     never reading the host on the request's path.
 *
 * Why poll multipathd rather than wait for its events: its checker itself
 * runs every polling_interval (5 s by default), so a path's state is not
 * known sooner than a few seconds anyway; `multipathd show maps json` gives
 * the path's checker and device-mapper states and its map, all the
 * notification needs; and dm's own uevents come only in the first network
 * namespace, with no way for a test to make them. The poll runs in a child,
 * bounded in time (10 s for multipathd) and at most one at a time.
 */
#ifndef XCD_IO_WATCH_H
#define XCD_IO_WATCH_H
#include "xcdd.h"

#define IO_REFRESH_S 10	    /* the bounded refresh, by default */
#define IO_PLACE_WAIT_S 60   /* how long a placement waits for threads, by default */
#define IO_JOBS_MAX 5	     /* a refresh and four placements at once; more wait */
#define IO_JOB_TIMEOUT_MS 60000
#define IO_SURVEY_MAX_OUT (16u << 20)

struct io_watch_opts {
	bool off;	       /* --no-io-watch: none of it */
	unsigned refresh_s;    /* 0: no periodic refresh (events still refresh) */
	unsigned place_wait_s; /* 0: no placement */
};

/* Once the loop runs (after tune_writes_open): the link socket, the
 * refresh, placements. A link socket that cannot be had is logged and
 * left out (the periodic refresh still sees links). 0 or -ENOMEM. */
int io_watch_open(struct xcdd *x, const struct io_watch_opts *o);
void io_watch_close(struct xcdd *x);
#endif
