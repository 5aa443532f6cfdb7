/*
 * verify: the host against the storage policy, one pass/fail line per
 * check with its figure: each map's live paths across distinct HBAs, no
 * map that queues forever, the storage budget against the target; on
 * request, each map's measured read rate against it (measure.h).
 */
#ifndef XCD_BLKBACK_VERIFY_H
#define XCD_BLKBACK_VERIFY_H
#include "host.h"
#include "policy.h"
#include "../lib/tuneplan.h"
#include <stdbool.h>
#include <yajl/yajl_gen.h>

struct blk_check {
	bool pass;
	char check[16];   /* "paths", "queueing", "budget" */
	char object[128]; /* a WWID, or "host" */
	char figure[48];
	char detail[512];
};

struct blk_verify {
	struct blk_check *c;
	size_t n, cap;
	size_t failed;
};

int blk_verify(const struct blk_host *h, const struct storage_policy *p, struct blk_verify *v);
/* One check more (DETAIL printf-style). 0 or -ENOMEM. */
int blk_verify_add(struct blk_verify *v, bool pass, const char *check, const char *object,
		   const char *figure, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* One line per change of APPLIED (what apply made, from its journal): pass
 * when the host no longer needs it, or when it is deferred (item.deferred:
 * written, in effect later); fail when the host has gone back on it. */
int blk_verify_applied(const struct blk_host *h, const struct storage_policy *p,
		       const struct tune_plan *applied, struct blk_verify *v);
void blk_verify_free(struct blk_verify *v);
/* "pass: ..." / "FAIL: ..." lines and a summary (malloc'd). */
int blk_verify_text(const struct blk_verify *v, char **out);
/* {"passed": N, "failed": N, "checks": [ {pass, check, object, figure, detail} ]} */
int blk_verify_json(yajl_gen g, const struct blk_verify *v);
#endif
