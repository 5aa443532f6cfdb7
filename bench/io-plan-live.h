/* io-plan-live: the live host of bench/io-plan --live (see io-plan-live.c). */
#ifndef XCD_BENCH_IO_PLAN_LIVE_H
#define XCD_BENCH_IO_PLAN_LIVE_H
#include <stddef.h>

/*
 * Moves this process into network and mount namespaces of its own, with a
 * sysfs of the new network namespace on /sys, and makes in it NICS
 * "NICs" (eth0...) in pairs, each pair in a bond (where the kernel has the
 * bonding driver; else the pair goes straight into the bridge) under a
 * bridge xenbrK, and VIFS "vifs" vifD.0 (D from 1) spread over the bridges,
 * all up. NICs and vifs are veths whose peers sit in a third namespace (a
 * host's interfaces, not twice as many); 192.0.2.2/24 on xenbr0 and the
 * default route through it, as a host's management. The policy for it is written
 * into POLICY (a path). 0, or -1 with ERR.
 */
int live_host_make(unsigned nics, unsigned vifs, const char *policy, char *err, size_t errlen);
/*
 * A pid namespace of its own, with its /proc on /proc (in the mount
 * namespace live_host_make made): this process forks the namespace's init
 * (pid 1), which returns 0 from here and runs the bench; this process
 * waits for it and exits as it does. -1 with ERR.
 */
int live_pidns_enter(char *err, size_t errlen);
/*
 * Tasks standing for netback's threads on such a host: VIFS x QUEUES x 2
 * processes named as netback names its threads, vifD.0-qN-guest-rx and
 * -dealloc (cut at 15 characters by the kernel, as before Linux 5.17),
 * asleep until the bench ends, all children of one process made first:
 * after live_pidns_enter, pid 2, kthreadd's pid, so that to the readers
 * they are kernel threads (their parent's pid 2, on /proc/2/task/2/children)
 * as netback's are. The readers list /proc and read each one's name as
 * they would netback's; the veths are no vifs to them (no parent device),
 * so none is matched. 0, or -1 with ERR.
 */
int live_tasks_make(unsigned vifs, unsigned queues, char *err, size_t errlen);
#endif
