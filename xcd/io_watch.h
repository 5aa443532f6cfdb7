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
 *   - on a live host, the kernel's uevents (io_uevent.h): dm-multipath
 *     failing or reinstating a path is told at once (io.path, "source":
 *     "uevent"), from the picture kept, which is changed to agree; a
 *     refresh begun before the uevent, or within HEARD_GRACE_MS of it
 *     (multipathd may not have it yet), is made to agree with it too;
 *   - `xcd info` shows that picture (host.info's "io"), from what was kept,
 *     never reading the host on the request's path.
 *
 * The path's failure comes first from the kernel: dm-multipath fails it on
 * an I/O error, or when multipathd's checker (every polling_interval, 5 s
 * by default) finds it down and says "fail_path"; either way a uevent
 * PATH_FAILED follows at once. multipathd's poll stays, every refresh, as
 * the safety net (events lost, a path removed, the checker's states and
 * the maps themselves): `multipathd show maps json` has each path's checker
 * and device-mapper states and its map. The poll runs in a child, bounded
 * in time (10 s for multipathd) and at most one at a time.
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
/*
 * Tells client C what is down in the last picture, each bond member, NIC in
 * a guests' bridge and multipath path, as the io.link and io.path
 * notifications marked "initial" that a client connected at the watch's
 * start heard: a client that connects later (xcd monitor) learns the state
 * it starts from. The number told (0: nothing down, no watch or no picture
 * yet), or -ENOMEM.
 */
int io_watch_tell_down(struct xcdd *x, struct client *c);
#endif
