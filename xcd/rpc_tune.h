/*
 * rpc_tune: xcdd's I/O tuner methods, each answered from a child job
 * (lib/childjob.h) so that the loop never waits for the host: the reads
 * tune.show, tune.plan and tune.verify ({"area": "net"|"storage", "policy":
 * PATH, "policy_text": TEXT}; verify of storage also "measure": SECONDS,
 * each map's read rate measured that long), open to group xcd; and the writes, root's
 * only: tune.apply (the same, and "confirm": SECONDS), tune.revert and
 * tune.confirm ({"area"}), whose state between jobs (one at a time per
 * area, the confirmation's deadline) rpc_tune_apply.c keeps. rpc_domain.c's
 * table lists them.
 */
#ifndef XCD_RPC_TUNE_H
#define XCD_RPC_TUNE_H
#include "tune_run.h"
#include "xcdd.h"

/* The most a tune job may answer, and how long it may take. */
#define TUNE_JOB_MAX_OUT (64u << 20)
#define TUNE_JOB_TIMEOUT_MS 60000
/* Tune jobs at once (xcdd's x->tunejobs.max): more are refused (try again),
 * so that callers cannot make xcdd fork without bound. */
#define TUNE_JOBS_MAX 4
/* apply --confirm's largest number of seconds. */
#define TUNE_CONFIRM_MAX 3600

struct tune_start_opts {
	const char *policy, *text; /* the caller's policy (NULL: xcdd's --io-policy) */
	unsigned confirm_s, fail_at;
	unsigned measure_s;	   /* verify of storage: seconds per map, 0 none */
	const char *reason;	   /* a settle's, for its answer (a constant) */
};
/* Starts VIEW of AREA in a job; its answer goes to C (NULL: logged only)
 * for request ID. 0, or -errno with E. */
int tune_start(struct xcdd *x, struct client *c, const struct jsonrpc_id *id, enum tune_area area,
	       enum tune_view view, const struct tune_start_opts *o, struct jsonrpc_error *e);

int m_tune_show(struct xcdd *x, struct client *c, const struct jsonrpc_message *m, char **out,
		  size_t *outlen, struct jsonrpc_error *e);
int m_tune_plan(struct xcdd *x, struct client *c, const struct jsonrpc_message *m, char **out,
		  size_t *outlen, struct jsonrpc_error *e);
int m_tune_verify(struct xcdd *x, struct client *c, const struct jsonrpc_message *m,
		    char **out, size_t *outlen, struct jsonrpc_error *e);
int m_tune_apply(struct xcdd *x, struct client *c, const struct jsonrpc_message *m, char **out,
		 size_t *outlen, struct jsonrpc_error *e);
int m_tune_revert(struct xcdd *x, struct client *c, const struct jsonrpc_message *m, char **out,
		  size_t *outlen, struct jsonrpc_error *e);
int m_tune_confirm(struct xcdd *x, struct client *c, const struct jsonrpc_message *m,
		   char **out, size_t *outlen, struct jsonrpc_error *e);
/* io.down: what is down now told to the caller as io.link and io.path
 * notifications marked initial (io_watch_tell_down), then {"told": N}. */
int m_io_down(struct xcdd *x, struct client *c, const struct jsonrpc_message *m, char **out,
	      size_t *outlen, struct jsonrpc_error *e);
/* The managed domains that are built (domid and name), for the guests'
 * disks of a live host: a walk of the table in memory, no hypervisor call.
 * *OUT malloc'd (NULL when none). 0 or -ENOMEM. */
struct tune_dom;
int tune_collect_doms(struct xcdd *x, struct tune_dom **out, size_t *n);
/* C went away: its answers are dropped when they come. */
void rpc_tune_client_gone(struct xcdd *x, struct client *c);
#endif
