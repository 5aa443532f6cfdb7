/*
 * tune_apply: the I/O tuners' writes as xcdd's tune.apply, tune.revert and
 * tune.confirm answer them, and the settling xcdd does by itself (the last
 * apply undone when its confirmation did not come in time, or found under
 * way or unconfirmed at start). Each runs in a tune job's child
 * (tunejob.c): the host read under the sysroot, the plan made, its changes
 * carried out through lib/tuneapply.h with the journal JOURNAL_DIR/AREA.json
 * (xcd/journal.c: 0600 in a 0700 directory, replaced atomically).
 */
#ifndef XCD_TUNE_APPLY_H
#define XCD_TUNE_APPLY_H
#include "../lib/tuneplan.h"
#include "tune_run.h"
#include <stdbool.h>

/* The answer to a write view's request (tune_run.h's contract). */
int tune_apply_run(const struct tune_req *q, const struct jsonrpc_id *id, char **line, size_t *len);

/*
 * For verify: the changes the journal of Q's area says were applied, in
 * *OUT (initialised by the caller), with `deferred` set on those whose
 * effect comes later once the file they were written to is found holding
 * them. *HAVE false: no journal (or Q has no journal_dir). 0 or -errno
 * with ERR (a journal that does not parse).
 */
int tune_applied_plan(const struct tune_req *q, struct tune_plan *out, bool *have, char *err,
		      size_t errlen);
/* Leaves out of PLAN the changes an earlier apply wrote to a file whose
 * effect comes later and that still holds them (tune_applied_plan's
 * deferred ones): made already, for plan as for apply. 0 or -errno, ERR. */
int tune_drop_deferred(const struct tune_req *q, struct tune_plan *plan, char *err, size_t errlen);
#endif
