/*
 * plan: what blkback/ proposes for a host against the storage policy, as a
 * lib/tuneplan.h plan. Its items, and what apply will do with each:
 *
 *   area "multipath", object "VENDOR,PRODUCT KEY": one setting of the
 *     array's device stanza (path_grouping_policy, path_selector,
 *     no_path_retry, fast_io_fail_tmo, dev_loss_tmo, failback); `to` is
 *     the value as multipath.conf(5) writes it. blk_multipath_conf()
 *     assembles the stanzas for a conf.d file, then multipathd reconfigure.
 *   area "blkback", object "xen_blkback.PARAM": a module parameter; with
 *     on_reload, an "options xen_blkback PARAM=VALUE" line of
 *     /etc/modprobe.d/xcd-blkback.conf, else a write of
 *     /sys/module/xen_blkback/parameters/PARAM.
 *   area "blkback-ring", object the thread's name ("blkback.5.xvda-0"):
 *     its CPU affinity (`to`, a CPU list); apply finds the thread again by
 *     name, since pids change as guests come and go.
 *   warnings (areas "multipath", "fc"): what software cannot fix.
 */
#ifndef XCD_BLKBACK_PLAN_H
#define XCD_BLKBACK_PLAN_H
#include "../lib/tuneplan.h"
#include "host.h"
#include "policy.h"

#define BLKBACK_MODPROBE_FILE "/etc/modprobe.d/xcd-blkback.conf"

/* The storage budget: over the distinct live initiator-target port pairs
 * (a pair serves every LUN behind it, so it counts once, not once per
 * LUN), the slower of the two ports' data rates (fc_speed_mbytes), each
 * HBA port capped at its own rate. Paths whose checker says "ready" only
 * (ALUA standby "ghost" paths carry nothing). */
struct blk_budget {
	unsigned mbytes;
	size_t pairs;
	bool target_speed_known; /* storage_target_port_gbit set */
};
void blk_budget(const struct blk_host *h, const struct storage_policy *p, struct blk_budget *b);

/* dev_loss_tmo for a no_path_retry: twice the queueing window, at least
 * 60 s, so that a port that comes back while the map still queues is
 * reactivated rather than removed and re-added. */
unsigned blk_dev_loss_tmo(unsigned no_path_retry);
/* The rings per disk "auto" gives: dom0's CPUs on the NUMA nodes of the
 * HBA ports that carry live paths (all online CPUs without NUMA data). */
unsigned blk_auto_queues(const struct blk_host *h);

int blk_plan(const struct blk_host *h, const struct storage_policy *p, struct tune_plan *plan);
/* Every setting the policy wants for each array of the host, as
 * "multipath" change items (from = the value now, which may be the same):
 * what apply writes, whole, so that a later apply does not drop what an
 * earlier one set. */
int blk_multipath_wanted(const struct blk_host *h, const struct storage_policy *p,
			 struct tune_plan *plan);
/* The devices { } section of multipath.conf(5) for the "multipath" items
 * of PLAN (malloc'd; "" when there are none). */
int blk_multipath_conf(const struct tune_plan *plan, char **out);
#endif
