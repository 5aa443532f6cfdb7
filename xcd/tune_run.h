/*
 * tune_run: one read of the I/O tuners (netback-tune/, blkback/) as xcdd's
 * tune.show, tune.plan and tune.verify answer it: the host read under a
 * sysroot, the policy (io.conf) parsed against it, and the view asked for,
 * as text and as JSON in one JSON-RPC response line. It reads many files
 * (about 120 ms for 2000 vifs), so xcdd runs it in a child job (rpc_tune.c).
 */
#ifndef XCD_TUNE_RUN_H
#define XCD_TUNE_RUN_H
#include "../blkback/host.h"
#include "../lib/jsonrpc.h"
#include <stdbool.h>
#include <stddef.h>

enum tune_area { TUNE_AREA_NET, TUNE_AREA_STORAGE };
/* The reads, then the writes (tune_apply.c); SETTLE is xcdd's own: the
 * last apply undone at start or when its confirmation did not come. */
enum tune_view {
	TUNE_VIEW_SHOW,
	TUNE_VIEW_PLAN,
	TUNE_VIEW_VERIFY,
	TUNE_VIEW_APPLY,
	TUNE_VIEW_REVERT,
	TUNE_VIEW_CONFIRM,
	TUNE_VIEW_SETTLE,
};

/* The largest policy file read or taken as text: io.conf is a few lines. */
#define TUNE_POLICY_MAX (1u << 20)

struct tune_req {
	enum tune_area area;
	enum tune_view view;
	const char *sysroot;
	/* The policy: its name (a path) and its text, given by the caller;
	 * or (TEXT NULL) the file at NAME, read here, which when MAY_BE_MISSING
	 * (xcdd's --io-policy) is the defaults if absent. NAME NULL: defaults. */
	const char *policy_name;
	const char *policy_text;
	size_t policy_len;
	bool may_be_missing;
	/* Storage on a live host: multipathd's document and the guests' disks
	 * (NULL: the files under the sysroot), and what was noted getting them. */
	const struct blk_inputs *live;
	const char *live_note;
	/* The writes': where the journals are (xcdd's STATEDIR/tune; NULL:
	 * none, verify then checks the plan the host needs now), apply's
	 * --confirm seconds (0: none), the step made to fail (tests), and why
	 * a settle happens. */
	const char *journal_dir;
	/* verify of storage: each map's read rate measured for MEASURE_S
	 * seconds (0: not measured). */
	unsigned measure_s;
	unsigned confirm_s;
	unsigned fail_at;
	const char *reason;
};

/* The policy's text as a request gives it (read here from NAME when it
 * has no text), and what to say about it. */
struct tune_policy {
	const char *text; /* NULL: the defaults */
	size_t len;
	char *owned;
	const char *note;
	char notebuf[1200];
};
/* 0, or -errno with ERR (the answer is then XCDD_ERR_CONFIG on
 * params.policy). tune_policy_free after either. */
int tune_policy_get(const struct tune_req *q, struct tune_policy *tp, char *err, size_t errlen);
void tune_policy_free(struct tune_policy *tp);

const char *tune_area_name(enum tune_area a);
const char *tune_view_name(enum tune_view v);

/*
 * The answer to request ID as a JSON-RPC line in *LINE (malloc'd, ending in
 * a newline): a result {area, view, sysroot, policy, policy_note, notes,
 * text, VIEW: ...} or an error (a policy that does not parse or does not fit
 * the host: XCDD_ERR_CONFIG on params.policy, FILE:LINE:COLUMN first). 0 or
 * -ENOMEM.
 */
int tune_run(const struct tune_req *q, const struct jsonrpc_id *id, char **line, size_t *len);
#endif
