/*
 * io_survey: the host's I/O picture that xcdd keeps (io_watch.c), made in a
 * child job: the bonds with each member's state, the NICs directly in a
 * bridge, each bridge's guests; the multipath maps with each path's state
 * and the guests whose disks sit on them, the storage budget against the
 * policy's target. Read under the sysroot as `xcd tune` reads it (on a live
 * host, multipathd's maps and the guests' disks as tune_live.h gets them).
 * One JSON line:
 *
 *   {"net": {"bonds": [{"name", "mode", "bridge", "up",
 *                       "members": [{"name", "up"}]}],
 *            "ports": [{"name", "bridge", "up"}],
 *            "bridges": [{"name", "guests": [{"domid", "vif"}]}]},
 *    "storage": {"maps": [{"name", "wwid", "live", "total",
 *                          "paths": [{"dev", "live", "dm_st", "chk_st", "hba"}],
 *                          "guests": [{"domid", "vdev", "name"}]}],
 *                "budget_mbytes", "pairs", "target_mbytes"},
 *    "notes": [TEXT]}
 *
 * A side that cannot be read is left empty, with a note saying why.
 */
#ifndef XCD_IO_SURVEY_H
#define XCD_IO_SURVEY_H
#include "tune_live.h"
#include <stddef.h>

struct io_survey_req {
	const char *sysroot;
	const char *policy; /* xcdd's --io-policy (absent: the defaults) */
	const struct tune_dom *doms; /* the managed domains (a live host's disks) */
	size_t n_doms;
	/* kernel threads' names the last refresh learnt, kept for the next
	 * (netback-tune/kthreadcache.h); NULL: the host read afresh */
	struct nt_kcache *kept;
};

/* The line (malloc'd, ending in a newline) in *OUT. 0 or -ENOMEM. */
int io_survey_run(const struct io_survey_req *q, char **out, size_t *len);
#endif
