/* mig_state: what a migration's two sides keep in the daemon while it runs
 * (migrate.c sends, migrate_in.c receives), and the job events' fields. */
#ifndef XCD_DM_MIG_STATE_H
#define XCD_DM_MIG_STATE_H
#include "dm_internal.h"
#include "handover.h"
#include <yajl/yajl_tree.h>

struct dm_mig {
	struct dm *m;
	/* The pipe, the daemon's own ends (its job has copies): the sender
	 * writes OUT to the receiver and reads IN from it; the receiver reads
	 * the stream from IN and answers on OUT. -1: closed. */
	int out_fd, in_fd;
	struct dm_wait *wait; /* a pipe message awaited, or NULL */
	/* The job, its stream done, parked until the handover ends: let go
	 * then (its end, the teardown of its mapping of the guest's memory,
	 * takes CPU time the handover must not wait behind). */
	struct devjob *parked;
	/* Sender: "go" may have gone. Receiver: "go" came. Either way an
	 * abort no longer wins. */
	bool committing;
	uint8_t report; /* sender: the receiver's failure status */
	/* Sender. */
	dm_migrate_done_fn *done;
	void *arg;
	struct dm_migrate_result res;
	uint64_t start_ns, stopped_ns; /* CLOCK_MONOTONIC */
	bool asked; /* the stream asks the receiver what it reads */
	/* Receiver. */
	char final_name[65];
	uint64_t stream_off;
};

/* Closes the daemon's ends of MIG's pipe (the other side sees it end). */
void dm_mig_close(struct dm_mig *mig);
/* MIG's parked job let go (killed), if there is one. */
void dm_mig_let_go(struct dm_mig *mig);
/* OP's migration stopped where it is: no wait, no job, the pipe closed. */
void dm_mig_stop(struct dm_op *op);
/* migrate_in.c: the receiving side's abort, before "go". */
void dm_migrate_in_abort(struct dm_op *op);

/* An event's members (migrate_job.h), "" or 0 when absent. */
static inline const char *dm_json_str(yajl_val t, const char *k)
{
	const char *p[] = { k, NULL };
	yajl_val v = yajl_tree_get(t, p, yajl_t_string);
	return v ? YAJL_GET_STRING(v) : "";
}
static inline uint64_t dm_json_u64(yajl_val t, const char *k)
{
	const char *p[] = { k, NULL };
	yajl_val v = yajl_tree_get(t, p, yajl_t_number);
	return v && YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) > 0 ? (uint64_t)YAJL_GET_INTEGER(v)
								  : 0;
}
static inline double dm_json_double(yajl_val t, const char *k)
{
	const char *p[] = { k, NULL };
	yajl_val v = yajl_tree_get(t, p, yajl_t_number);
	return v ? YAJL_GET_DOUBLE(v) : 0;
}
#endif
