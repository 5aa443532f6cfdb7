/*
 * params: xen-blkback's module parameters, /sys/module/xen_blkback/
 * parameters/NAME, and what the driver does with each
 * (drivers/block/xen-blkback/blkback.c and xenbus.c):
 *
 *   max_ring_page_order  0444: set at load only; read when a frontend
 *                        connects (its ring may use up to 2^order pages);
 *                        default XENBUS_MAX_RING_GRANT_ORDER (4)
 *   max_queues           0644; read when a backend is created (written to
 *                        xenstore as multi-queue-max-queues); default the
 *                        number of online CPUs
 *   max_persistent_grants 0644; per ring, used as it runs; default 1056
 *   feature_persistent   0644 (Linux 5.19 and later); read when a frontend
 *                        connects; default Y
 *   max_buffer_pages     0644; free pages each backend keeps; default 1024
 *   persistent_grant_unused_seconds 0644; default 60
 *   log_stats            0644; 1 prints each ring's counters every 10 s
 */
#ifndef XCD_BLKBACK_PARAMS_H
#define XCD_BLKBACK_PARAMS_H
#include <stdbool.h>
#include <stddef.h>

#define BLKBACK_PARAMS_DIR "sys/module/xen_blkback/parameters"
#define BLKBACK_MAX_RING_ORDER 4 /* XENBUS_MAX_RING_GRANT_ORDER */

enum blkback_param {
	BP_MAX_RING_PAGE_ORDER,
	BP_MAX_QUEUES,
	BP_MAX_PERSISTENT_GRANTS,
	BP_FEATURE_PERSISTENT,
	BP_MAX_BUFFER_PAGES,
	BP_LOG_STATS,
	BP_PERSISTENT_GRANT_UNUSED_SECONDS,
	BP_COUNT
};

struct blkback_param_info {
	const char *name;
	bool runtime;      /* writable in sysfs; false: a modprobe.d option */
	bool boolean;      /* Y/N */
	const char *taken; /* when the driver reads it, for plans' reasons */
};

extern const struct blkback_param_info blkback_params[BP_COUNT];

struct blkback_state {
	bool loaded;  /* /sys/module/xen_blkback exists */
	bool present[BP_COUNT];
	long value[BP_COUNT]; /* Y/N as 1/0 */
};

/* "Y"/"N" (also 1/0) for booleans, a number from 0 to 2^31-1 otherwise. */
int blkback_param_parse(enum blkback_param p, const char *s, long *out);
int blkback_read(const char *root, struct blkback_state *st, char *err, size_t errlen);
#endif
