/*
 * measure: a multipath map's sustained read rate, measured, for `xcd tune
 * storage verify --measure`: reads of 1 MiB from the map's start with
 * O_DIRECT (the page cache neither helps nor is filled), read-only (the
 * device is opened O_RDONLY and nothing is ever written), for a bounded
 * time; a device smaller than what that time reads is read again from its
 * start (and said, since an array's cache may then serve it).
 *
 * The device is the map's own, found from multipathd's "sysfs" name
 * (dm-N) as ROOT/dev/dm-N, which must be a block device (not followed if a
 * symlink) whose number is what ROOT/sys/block/dm-N/dev says: a map name
 * from multipathd is never made into a path. A map without a live path is
 * not read (a read would queue, or fail).
 */
#ifndef XCD_BLKBACK_MEASURE_H
#define XCD_BLKBACK_MEASURE_H
#include "host.h"
#include "policy.h"
#include "verify.h"
#include <stdbool.h>
#include <stdint.h>

#define BLK_MEASURE_BLOCK (1u << 20)
#define BLK_MEASURE_MAX_S 60    /* per map */
#define BLK_MEASURE_TOTAL_S 300 /* all maps of one verify together */

struct blk_rate {
	uint64_t bytes;
	double seconds;
	double mbytes_s; /* MB/s: 10^6 bytes a second */
	uint64_t size;	 /* the device's, bytes */
	bool wrapped;	 /* its start was read again */
};

/* Reads FD (a device of SIZE bytes, opened O_DIRECT by the caller or not)
 * for MS milliseconds. 0, or -errno with ERR. */
int blk_measure_fd(int fd, uint64_t size, unsigned ms, struct blk_rate *out, char *err,
		   size_t errlen);
/* Map M's device under ROOT (see above), read for MS milliseconds. 0, or
 * -errno with ERR saying what and where. */
int blk_measure_map(const char *root, const struct mp_map *m, unsigned ms, struct blk_rate *out,
		    char *err, size_t errlen);
/* One "measure" check per map of H into V: its rate against P's target,
 * SECONDS per map, the maps past BLK_MEASURE_TOTAL_S in all not read (and
 * failed, saying so). 0 or -ENOMEM. */
int blk_verify_measure(const struct blk_host *h, const struct storage_policy *p,
		       unsigned seconds, struct blk_verify *v);
#endif
