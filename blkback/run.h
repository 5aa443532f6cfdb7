/*
 * run: show + plan + verify in one call, on a sysroot and a policy file,
 * as xcdd will run them every minute and bench/io-plan times them.
 */
#ifndef XCD_BLKBACK_RUN_H
#define XCD_BLKBACK_RUN_H
#include "../lib/tuneplan.h"
#include "host.h"
#include "verify.h"
#include <stddef.h>

struct blk_run {
	struct blk_host host;
	struct storage_policy policy;
	struct tune_plan plan;
	struct blk_verify verify;
	char *show_text, *plan_text, *verify_text; /* filled when asked for */
	char *json; /* {"show":..., "plan":..., "verify":...} when asked for */
};

enum { BLK_RUN_TEXT = 1, BLK_RUN_JSON = 2 };

/* Reads the host under ROOT, the policy at POLICY_PATH (NULL: defaults),
 * checks one against the other, plans and verifies; FLAGS asks for the
 * text and/or JSON renderings. On error R is left empty and ERR says what. */
int blk_run_all(const char *root, const char *policy_path, int flags, struct blk_run *r,
		char *err, size_t errlen);
void blk_run_free(struct blk_run *r);
#endif
