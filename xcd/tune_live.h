/*
 * tune_live: what blkback/ needs from a live host (sysroot "/") other than
 * files: `multipathd show maps json`'s output, and which guest's disk uses
 * which dom0 device (the vbd backends of the domains xcdd manages, read from
 * xenstore). Both run in a tune job's child, where waiting is allowed.
 */
#ifndef XCD_TUNE_LIVE_H
#define XCD_TUNE_LIVE_H
#include "../blkback/vbds.h"
#include <stddef.h>
#include <stdint.h>

/* How long multipathd may take to answer. */
#define TUNE_MULTIPATHD_TIMEOUT_MS 10000

/* multipathd's document in *OUT (malloc'd), or *OUT NULL with NOTE saying
 * why there are no maps (not installed, not running, too slow). 0 or -ENOMEM. */
int tune_live_multipathd(char **out, size_t *len, char *note, size_t notelen);

struct tune_dom {
	uint32_t domid;
	char name[64];
};
/* The vbds of DOMS from xenstore (backend/vbd/DOMID/DEVID: dev, and
 * physical-device-path, else params, resolved), those on a device-mapper
 * device only; NOTE says what could not be read. 0 or -ENOMEM. */
int tune_live_vbds(const struct tune_dom *doms, size_t n, struct vbd_list *out, char *note,
		   size_t notelen);

/* Both, as blkback/ takes them (IN points into MP and VBDS, which the
 * caller frees: free(*MP), vbds_free), NOTE what was noted of either. 0 or
 * -ENOMEM. */
struct blk_inputs;
int tune_live_storage(const struct tune_dom *doms, size_t n, struct blk_inputs *in, char **mp,
		      struct vbd_list *vbds, char *note, size_t notelen);
#endif
