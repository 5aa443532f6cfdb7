/*
 * apply: how blkback/'s plan (plan.h) is carried out, as the changes
 * lib/tuneapply.h journals and makes:
 *
 *   multipath VENDOR,PRODUCT KEY   /etc/multipath/conf.d/xcd.conf written
 *                  whole, at the first such item, with every setting the
 *                  policy wants for every array of the host (so that a
 *                  later apply keeps what an earlier one set), then
 *                  `multipathd reconfigure` when the sysroot is this host
 *                  ("/"); the other multipath items are made by that step
 *   blkback xen_blkback.PARAM      the parameter written in sysfs and kept
 *                  in the option line of /etc/modprobe.d/xcd-blkback.conf,
 *                  so that the module's next load (which a load-time
 *                  change asks for) keeps it; with on_reload, that option
 *                  line only (the next load)
 *   blkback-ring blkback.D.VDEV    each ring thread of the disk (found by
 *                  name, checked again before it moves) to the CPU list
 */
#ifndef XCD_BLKBACK_APPLY_H
#define XCD_BLKBACK_APPLY_H
#include "../lib/tuneapply.h"
#include "host.h"
#include "policy.h"

#define BLK_MULTIPATH_CONF "etc/multipath/conf.d/xcd.conf"
#define BLK_MODPROBE_FILE "etc/modprobe.d/xcd-blkback.conf"
/* How long multipathd may take to reconfigure. */
#define BLK_MULTIPATHD_TIMEOUT_MS 30000

/* ctx->ext for storage: the multipathd record. */
extern const struct ta_ext blk_apply_ext;

/*
 * The changes (*OUT, N; ta_change_free each, then free the array) that make
 * PLAN's changes on H under policy P. 0, or -errno with ERR; nothing is
 * changed.
 */
int blk_apply_changes(struct ta_ctx *c, const struct blk_host *h, const struct storage_policy *p,
		      const struct tune_plan *plan, struct ta_change **out, size_t *n, char *err,
		      size_t errlen);
#endif
