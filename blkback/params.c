/* params: xen-blkback's module parameters (see params.h). */
#include "params.h"
#include "sysread.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

const struct blkback_param_info blkback_params[BP_COUNT] = {
	[BP_MAX_RING_PAGE_ORDER] = { "max_ring_page_order", false, false,
				     "at the module's load (read-only in sysfs)" },
	[BP_MAX_QUEUES] = { "max_queues", true, false, "when a disk's backend is created" },
	[BP_MAX_PERSISTENT_GRANTS] = { "max_persistent_grants", true, false, "as rings run" },
	[BP_FEATURE_PERSISTENT] = { "feature_persistent", true, true, "when a frontend connects" },
	[BP_MAX_BUFFER_PAGES] = { "max_buffer_pages", true, false, "as rings run" },
	[BP_LOG_STATS] = { "log_stats", true, false, "as rings run" },
	[BP_PERSISTENT_GRANT_UNUSED_SECONDS] = { "persistent_grant_unused_seconds", true, false,
						 "as rings run" },
};

int blkback_param_parse(enum blkback_param p, const char *s, long *out)
{
	if (blkback_params[p].boolean) {
		if (strcmp(s, "Y") == 0 || strcmp(s, "1") == 0)
			*out = 1;
		else if (strcmp(s, "N") == 0 || strcmp(s, "0") == 0)
			*out = 0;
		else
			return -EINVAL;
		return 0;
	}
	long v = 0;
	size_t i = 0;
	for (; isdigit((unsigned char)s[i]); i++) {
		v = v * 10 + (s[i] - '0');
		if (v > 0x7fffffffL)
			return -EINVAL;
	}
	if (i == 0 || s[i])
		return -EINVAL;
	*out = v;
	return 0;
}

int blkback_read(const char *root, struct blkback_state *st, char *err, size_t errlen)
{
	memset(st, 0, sizeof(*st));
	st->loaded = sysread_exists(root, "sys/module/xen_blkback");
	if (!st->loaded)
		return 0;
	for (int p = 0; p < BP_COUNT; p++) {
		char rel[128], v[64];
		snprintf(rel, sizeof(rel), "%s/%s", BLKBACK_PARAMS_DIR, blkback_params[p].name);
		int r = sysread_file(root, rel, v, sizeof(v));
		if (r == -ENOENT)
			continue; /* an older driver without it */
		if (r < 0 || blkback_param_parse((enum blkback_param)p, v, &st->value[p]) < 0) {
			snprintf(err, errlen, "%s/%s: '%.32s' is not %s", root, rel,
				 r < 0 ? strerror(-r) : v,
				 blkback_params[p].boolean ? "Y or N" : "a number");
			return -EINVAL;
		}
		st->present[p] = true;
	}
	return 0;
}
