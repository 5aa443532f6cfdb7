/*
 * io_place: the affinity and queue policy applied to one guest's new vifs
 * and vbds as it starts, in a child job (io_watch.c starts it once the
 * guest's device phase is over). Its queues' threads and interrupts
 * (vifD.H-qN-guest-rx and -dealloc, matched by prefix since the kernel cuts
 * names at 15 characters, kernel threads only, and vifD.H-qN-tx/-rx) and
 * its disks' ring threads (blkback.D.DEV-N, kernel threads only) go where `xcd tune net|storage plan` would put them
 * (netback-tune/plan.c, blkback/plan.c: near the NIC's or the HBAs' NUMA
 * node, spread over CPUs), each change made on its own through
 * lib/tuneapply.h: one that fails is undone and reported, the others stay.
 * Not journaled for `xcd tune revert`: the threads go with the guest.
 *
 * netback makes a vif's queue threads, and blkback a disk's ring threads,
 * only once the guest's frontend connects, some seconds after the start on
 * Xen: the job reads the host again every second until every device that
 * can have them does, or WAIT_MS passes. A vif whose interface is not
 * there, or not netback's, and a disk on no multipath map have nothing to
 * place and are not waited for.
 *
 * One JSON line: {"domid", "name", "placed": [{"area", "object", "from",
 * "to", "reason"}], "failed": [{"object", "error"}], "notes": [TEXT],
 * "waited_ms"}.
 */
#ifndef XCD_IO_PLACE_H
#define XCD_IO_PLACE_H
#include "tune_live.h"
#include <stddef.h>

#define IO_PLACE_MAX_DEVS 64 /* vifs, disks of a guest looked at */

struct io_place_req {
	const char *sysroot, *policy;
	unsigned domid;
	char name[64];
	char vifs[IO_PLACE_MAX_DEVS][16]; /* its interfaces: vifD.N, or vifname= */
	size_t n_vifs;
	char disks[IO_PLACE_MAX_DEVS][16]; /* its disks' vdevs: xvda */
	size_t n_disks;
	unsigned wait_ms;
	const struct tune_dom *doms; /* a live host's: for the guests' disks */
	size_t n_doms;
};

/* The line (malloc'd, ending in a newline) in *OUT. 0 or -ENOMEM. */
int io_place_run(const struct io_place_req *q, char **out, size_t *len);
#endif
