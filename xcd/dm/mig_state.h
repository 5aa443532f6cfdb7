/* mig_state: what a migration's two sides keep in the daemon while it runs
 * (migrate.c sends, migrate_in.c receives), and the job events' fields. */
#ifndef XCD_DM_MIG_STATE_H
#define XCD_DM_MIG_STATE_H
#include "dm_internal.h"
#include "handover.h"
#include "../json_tree.h"

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
	/* The migration's id (the sender makes it; it travels in the stream's
	 * configuration): by it the sender asks the outcome, the receiver
	 * records its decision (mig_ledger.c). HAS_ID false: from xl. */
	bool has_id;
	uint8_t id[16];
	/* Sender. */
	dm_migrate_done_fn *done;
	void *arg;
	struct dm_migrate_result res;
	uint64_t start_ns, stopped_ns; /* CLOCK_MONOTONIC */
	bool asked; /* the stream asks the receiver what it reads */
	/* (final_name, below: the guest's name, for a copy received here.) */
	/* A PVH guest: its last round follows its suspend (control/shutdown),
	 * not a pause, so that its copy learns it moved (migrate/README.md). */
	bool suspend;
	/* Its job waits for the suspend, whose request waits for the devices
	 * of the copy this xcdd receives (a move to localhost): asked once
	 * they are up or that copy is gone (dm_mig_local_devices_settled). */
	bool suspend_deferred;
	/* Over TCP (mig_devwait.c): the receiver said it tells when its copy's
	 * devices are up (PEER_DEVICES), and did (PEER_DEVICES_UP); the
	 * deferred request's bound while it waits for that. */
	bool peer_devices, peer_devices_up;
	/* Over TCP: the pipe is open, and its link has not yet said it
	 * connected (whether PEER_DEVICES will come is not known yet). */
	bool peer_pending;
	struct loop_timer *devices_timer;
	uint8_t guest_uuid[16]; /* the guest's uuid, for a move within this xcdd */
	/* What its start needs, kept while it waits in the queue (mig_queue.c). */
	struct dm_source *src; /* NULL: the domain's own */
	struct dm_migrate_opts opts; /* opts.command points into RUNE */
	char rune[DM_RUNE_MAX];
	bool queued;	    /* in m->mig_queue, not started */
	bool running;	    /* counted in m->mig_running */
	struct dm_mig *next; /* the queue's next */
	struct dm_op *op;    /* the operation it belongs to */
	/* In doubt after the go (mig_resolve.c): the receiver asked again, TRIES
	 * times so far (SILENT of them answered nothing after its banner), the
	 * next try's timer, why it is in doubt. RESOLVE_LEFT: a dead xcdd's,
	 * asked once the loop runs. */
	struct loop_timer *retry;
	unsigned tries, silent;
	bool resolve_left;
	char doubt[256];
	/* A try's answer as its job's event said it ("committed", "aborted",
	 * "unavailable", "silent", "unreachable"), and why. */
	char answer[16], answer_why[256];
	/* Receiver. */
	char final_name[65];
	uint64_t stream_off;
	bool ledgered; /* its commit is in the ledger */
	/* Its devices, added while the memory comes (the job, or NULL), and
	 * whether they are up; whether the memory is in and made runnable.
	 * "ready" goes once both are. */
	struct devjob *devjob;
	bool devices_up, filled;
	/* Their start under way: a failure then is the start's to return
	 * (DEV_START_RC), not a migration to end from inside it. */
	bool dev_starting;
	int dev_start_rc;
	/* Failed while its devices were being added: their removal (and the
	 * copy's undo) waits for that job's end. */
	bool undo_after_devices;
	/* From this very xcdd (mig_local.c): the copy is made under the
	 * migration's id as its uuid, and takes the guest's (LOCAL_UUID) once
	 * the sender's copy is gone. */
	bool local;
	uint8_t local_uuid[16];
};

/* ---- mig_local.c: a migration from this xcdd to itself (localhost) ---- */
/* The domain of uuid UUID this xcdd is sending as migration ID, or NULL. */
struct dm_domain *dm_mig_local_source(struct dm *m, const uint8_t uuid[16],
				      const uint8_t id[16]);
/* The copy received as migration ID takes the guest's uuid UUID, and its
 * NAME if it has not yet (a restarted xcdd rolled it forward while the
 * sender's copy held it), now that the sender's copy is destroyed. */
void dm_mig_local_finish(struct dm *m, const uint8_t id[16], const uint8_t uuid[16],
			 const char *name);
/* Whether NAME is held by the copy this xcdd sends as migration ID: the
 * received copy takes it once that one is gone (dm_mig_local_finish). */
bool dm_mig_local_holds(struct dm *m, const char *name, const uint8_t id[16]);

/* Whether the copy this xcdd receives as migration ID is still adding its
 * devices (its hotplug scripts running): the guest is not stopped before
 * they are done, so that they are not in its downtime. */
bool dm_mig_local_devices_pending(struct dm *m, const uint8_t id[16]);
/* IN, a migration this xcdd receives from itself, has its devices up, or
 * failed: its sender's deferred suspend request goes now. */
void dm_mig_local_devices_settled(struct dm *m, const struct dm_mig *in);
/* ---- mig_devwait.c ---- */
/* A suspend request waits for the receiver's devices at most this long. */
#define DM_MIG_DEVICES_WAIT_MS 5000u
/* OP's job asked for its guest's suspend: whether the request waits for the
 * receiving copy's devices (deferred: asked once they are up, or once
 * DM_MIG_DEVICES_WAIT_MS passed over TCP), else it goes now (the caller's). */
bool dm_mig_suspend_waits(struct dm_op *op);
/* MIG's wait for the receiver's devices stopped (its timer freed). */
void dm_mig_devices_wait_stop(struct dm_mig *mig);
/* migrate.c: OP's guest stopped for its last round: a PVH guest asked to
 * suspend itself, another paused (its job waits for either); a failure rolls
 * the migration back. */
void dm_mig_stop_guest(struct dm_op *op);

/* Closes the daemon's ends of MIG's pipe (the other side sees it end). */
void dm_mig_close(struct dm_mig *mig);
/* MIG's parked job let go (killed), if there is one. */
void dm_mig_let_go(struct dm_mig *mig);
/* OP's migration stopped where it is: no wait, no job, the pipe closed. */
void dm_mig_stop(struct dm_op *op);
/* A step of the stop (the guest's downtime) in the debug log: "migration of
 * NAME: WHAT at T ms" on the monotonic clock, one clock for a migration's
 * sender and receiver on one host, so the log shows where the pause goes. */
void dm_mig_mark(const char *name, const char *what);
/* migrate_in.c: the receiving side's abort, before "go". */
void dm_migrate_in_abort(struct dm_op *op);

/* ---- migrate.c: the sender's ends ---- */
/* Starts OP's migration (out of the queue, or at once): journaled, its job
 * started. 0, or a negative errno with E (the domain as it was, OP left
 * to the caller). */
int dm_mig_begin(struct dm_op *op, struct dm_error *e);
/* Before the commit, or once the receiver said it does not run the guest:
 * the pipe closed, the guest here as it was, the caller told WHY. */
void dm_mig_rollback(struct dm_op *op, int rc, const char *why);
/* The receiver runs the guest: the copy here destroyed, the caller told. */
void dm_mig_committed(struct dm_op *op);
/* Whether the receiver runs the guest cannot be learnt (WHY): this copy
 * is left paused as NAME--migratedaway, for a person. */
void dm_mig_unknown(struct dm_op *op, const char *why);
/* The notification of OP's phase PHASE (AHEAD: queued ones before it). */
void dm_mig_notify(struct dm_op *op, const char *phase, uint32_t ahead);

/* ---- mig_resolve.c ---- */
/* OP's sender is in doubt after its go (WHY): the pipe ended before the
 * receiver's word. Its copy stays paused; the receiver is asked through the
 * transport again (a job), with a growing delay between tries, until it
 * answers or DM_DOUBT_MAX_S after the commit (then dm_mig_unknown). */
void dm_mig_doubt(struct dm_op *op, const char *why);
/* The receiver is asked at most this long after the commit; it keeps its
 * decisions longer (DM_LEDGER_KEEP_S), so an answer is never stale. */
#define DM_DOUBT_MAX_S 3600
/* Whether a sender in doubt with record P can ask the receiver: it has
 * the migration's id and the way to it (a command, or over TCP its
 * address and host). */
static inline bool dm_mig_askable(const struct dm_pending_op *p)
{
	return p->has_mig_id && (p->rune[0] || (p->tcp_addr[0] && p->tcp_peer[0]));
}
/* A dead xcdd's sender in doubt (settled at start, step "committing"): its
 * op, to be asked once the loop runs (dm_mig_resolve_left). 0 or -ENOMEM. */
int dm_mig_resolve_later(struct dm *m, struct dm_domain *d);

/* ---- mig_queue.c ---- */
/* OP (a new migration) started now, or queued while the host runs
 * m->mig_max of them: 0, or dm_mig_begin's failure (OP left to the
 * caller). */
int dm_mig_start_or_queue(struct dm_op *op, struct dm_error *e);
/* MIG holds one of the running ones: it lets it go (the next starts from
 * the loop). Idempotent. */
void dm_mig_slot_release(struct dm_mig *mig);
/* MIG out of the queue (an abort, a destroy). */
void dm_mig_dequeue(struct dm_mig *mig);

/* ---- mig_ledger.c: the receiver's decisions ---- */
/* A decision is kept this long (a day), far beyond DM_DOUBT_MAX_S. */
#define DM_LEDGER_KEEP_S 86400
/* The commit of migration ID (into D) recorded, durably: 0, or a negative
 * errno with ERR (nothing recorded: not committed). */
int dm_ledger_commit(struct dm *m, const uint8_t id[16], const struct dm_domain *d, char *err,
		     size_t errlen);
/* 1: ID was committed here; 0: not (or its record is over); a negative
 * errno when the ledger cannot be read. */
int dm_ledger_committed(struct dm *m, const uint8_t id[16]);
/* The commit of ID undone (its start failed, its copy is destroyed): 0,
 * or a negative errno with ERR (the record stays). */
int dm_ledger_forget(struct dm *m, const uint8_t id[16], char *err, size_t errlen);
#endif
