/*
 * dm_internal: what the domain manager's files share and nobody else sees
 * (dm.h is the interface). The files, by concept:
 *   table.c     the table of domains, lookups, state and uuid helpers, the
 *               ways a domain leaves the table
 *   record.c    a domain's journal record: written (gen_*) and read (load_*)
 *   recover.c   dm_open: the journal reconciled with the hypervisor, and
 *               what a dead xcdd left half done settled
 *   devphase.c  the create/destroy operation chain and its device phase
 *   create.c    dm_create, its undo, the name check
 *   destroy.c   dm_destroy
 *   ops.c       pause, unpause, memory, vCPUs, rename, pinning, shutdown
 *   restart.c   the on_* actions: restart and rename-restart
 *   poll.c      dm_poll and the loss of the host
 *   republish.c a domain's xenstore side made again on a new xenstored
 *   migrate.c   a live migration's sending side; migrate_in.c its
 *               receiving side; migrate_job.c their jobs' work (children);
 *               handover.c xl's pipe messages waited for in the loop
 */
#ifndef XCD_DM_INTERNAL_H
#define XCD_DM_INTERNAL_H
#include "dm.h"
#include "../../lib/uuid.h"
#include <yajl/yajl_tree.h>

/*
 * A create or destroy in progress: its steps run one after the other, the
 * device phase as a job (devjob.h) whose end calls the next step from the
 * loop. Every path ends in dm_op_end, which tells DONE and frees the op.
 */
enum op_kind { OP_CREATE, OP_DESTROY, OP_SAVE, OP_MIGRATE };

struct dm_op {
	struct dm *m;
	struct dm_domain *d;
	enum op_kind kind;
	bool paused;	    /* create: leave it paused */
	bool restore;	    /* create: from a save file (a job fills it) */
	bool undoing;	    /* create: its devices go again after a later step failed */
	int rc;		    /* the failure being undone */
	struct dm_error e;
	struct devjob *job; /* NULL: no job runs */
	struct dm_mig *mig; /* a migration's (OP_MIGRATE, or a create receiving one) */
	/* restore: a Xen PV guest restored whole by its job (libxenguest),
	 * with these rings and channels */
	bool pv_built;
	struct hv_build_result built;
	dm_done_fn *done;
	void *arg;
};

/* The step a create's record names while its undo waits for the hypervisor. */
#define UNDO_STEP "undo"

/* A parsed configuration, shared by the domains made from it (a
 * rename-restart's kept domain and the one made again) and the restarts
 * under way; freed with the last reference. */
struct dm_cfg {
	unsigned refs;
	struct domcfg *cfg;
};

/* A domain to make again once its old self is destroyed. */
struct restart_ctx {
	char *name; /* the name it is made again under (dm_restart_create) */
	uint8_t uuid[16];
	struct dm_cfg *cfg; /* a reference */
	struct dm_source *src;
	bool new_host; /* its host went away: said in the log */
	/* rename-restart: the domain kept, whose record says so (HAS_OLD_UUID) */
	bool has_old_uuid;
	uint8_t old_uuid[16];
};

/* ---- table.c ---- */
/* M's started_fn told that D's devices are up (dm_set_started_fn). */
void dm_started(struct dm *m, const struct dm_domain *d);
/* CFG (NULL: none) held, with one reference; NULL when out of memory (CFG
 * freed). */
struct dm_cfg *dm_cfg_hold(struct domcfg *cfg);
struct dm_cfg *dm_cfg_ref(struct dm_cfg *c);
void dm_cfg_put(struct dm_cfg *c);
/* D's on_* actions read from its config_json (once: at create, at load). */
void dm_read_on(struct dm_domain *d);
struct dm_source *dm_source_dup(const struct dm_source *src);
void dm_domain_free(struct dm_domain *d);
/* Tells the daemon (dm_state_fn) that D is now STATE. */
void dm_notify(struct dm *m, const struct dm_domain *d, const char *state);
/* XCDD_TEST_CRASH_AT (xcdd(8)): xcdd dies at STEP as under kill -9, for
 * the tests of what the next xcdd makes of a half-done operation. */
void dm_crash_point(const struct dm *m, const char *step);
/* D's entry in the hypervisor's LIST: its domid with its uuid (a domid
 * alone may have been reused by another domain). */
struct hv_dominfo *dm_info_find(struct hv_dominfo *list, int n, const struct dm_domain *d);
/* The hypervisor's entry of the domain with uuid UUID, at any domid. */
struct hv_dominfo *dm_info_find_uuid(struct hv_dominfo *list, int n, const uint8_t uuid[16]);
/* D into the table under its uuid (replacing what was there): 0 or -ENOMEM. */
int dm_table_put(struct dm *m, struct dm_domain *d);
/* D out of the table, if the table has D under its uuid. */
void dm_table_remove(struct dm *m, struct dm_domain *d);
/* What goes with a domain dropped from the table (dm_drop). */
enum dm_drop_what {
	/* Its xenstore entries and devices (their scripts run, in a job once
	 * the loop runs), unless its domid now belongs to another domain's
	 * entries: for a domain that went without xcdd. */
	DM_DROP_STORE = 1 << 0,
	/* Its xenstore entries, removed at once: its devices are gone already
	 * (a destroy, an undone create) or went with the host. */
	DM_DROP_ENTRIES = 1 << 1,
	DM_DROP_RECORD = 1 << 2, /* its journal record (a failure is logged) */
	DM_DROP_NOTIFY = 1 << 3, /* the daemon is told it is "gone" */
};
/* The one way a domain leaves the table: D is removed from it (if there),
 * WHAT (enum dm_drop_what) goes with it, and D is freed. */
void dm_drop(struct dm *m, struct dm_domain *d, unsigned what);
/* E filled for a failed hypervisor call (RC; -ESRCH: DM_ERR_NO_DOMAIN):
 * "WHAT NAME: the hypervisor's message". Returns RC. */
int dm_hv_fail(struct dm *m, struct dm_error *e, int rc, const char *what, const char *name);
/* Whether D is a failed create waiting for the hypervisor to destroy it. */
bool dm_undo_waiting(const struct dm_domain *d);
/* Changes other than destroy wait until a create or destroy is over:
 * -EBUSY with E filled (DM_ERR_BUSY) while one runs, else 0. */
int dm_refuse_busy(const struct dm_domain *d, struct dm_error *e);
/* What became of D after a failed save or migration, said to its caller
 * ("it runs here as before", ...): a constant or BUF. */
const char *dm_left_as(struct dm *m, struct dm_domain *d, char *buf, size_t len);
/* A guest shut down (I) refused for WHAT ("save", "migrate"): 0 or -EBUSY, E. */
int dm_refuse_shut_down(const struct dm_domain *d, const struct hv_dominfo *i, const char *what,
			struct dm_error *e);

/* ---- record.c ---- */
/* Writes D's journal record: 0, or a negative errno with ERR. */
int dm_record_save(struct dm *m, const struct dm_domain *d, char *err, size_t errlen);
/* D's operation is KIND, at STEP, from now on, in its record too: a failed
 * write is logged, the record then says an earlier step of it or nothing. */
void dm_pending_set(struct dm *m, struct dm_domain *d, enum dm_pending_kind kind, const char *step);
/* journal_load_all's callbacks: one record into M's table. */
int dm_record_load(const char *key, yajl_val tree, void *arg);
void dm_record_problem(const char *name, const char *what, void *arg);

/* ---- devphase.c ---- */
struct dm_op *dm_op_new(struct dm *m, struct dm_domain *d, enum op_kind kind, dm_done_fn *done,
			void *arg);
/* Tells the caller (D: the domain made, or NULL) and frees OP. */
void dm_op_end(struct dm_op *op, int rc, struct dm_domain *d);
/* The device phase of OP: adds CFG's devices (ADD) or removes the domain's.
 * As a job when the loop runs, else inline; either way the operation goes
 * on from its end, so the caller must not touch OP after this. */
void dm_op_devices(struct dm_op *op, bool add, const struct domcfg *cfg);
/* dm_op_devices, its end told to DONE (with OP) instead of the operation's
 * next step, its job in *JOB (a received guest's devices are added while
 * its memory comes, beside the job that reads it). */
void dm_op_devices_with(struct dm_op *op, bool add, const struct domcfg *cfg,
			devjob_done_fn *done, struct devjob **job);
/* Ends D's operation without its job: told RC with the message WHY. */
void dm_op_abort(struct dm_domain *d, int rc, const char *why);

/* ---- create.c ---- */
/* dm_create from CFG (the domain takes a reference), under UUID (NULL:
 * the configuration's); RESTART: made again by a restart, which a crash
 * does not undo. */
int dm_create_domain(struct dm *m, struct dm_cfg *cfg, const uint8_t *uuid,
		     const struct dm_source *src, bool paused, bool restart, dm_done_fn *done,
		     void *arg, struct dm_error *e);
/* The devices are up: unpause (unless asked not to), record, tell. */
void dm_create_finish(struct dm_op *op);
void dm_create_undo(struct dm *m, struct dm_domain *d);
/* The poll's next try at destroying what a failed create left. */
void dm_undo_retry(struct dm *m, struct dm_domain *d);

/* dm_create_domain for a restore: filled from FILE by a job instead of built. */
int dm_restore_domain(struct dm *m, struct dm_cfg *cfg, const uint8_t *uuid,
		      const struct dm_source *src, bool paused, const char *file,
		      dm_done_fn *done, void *arg, struct dm_error *e);
/* What xl sets after the build (memory target, affinities). */
int dm_apply_config(struct dm *m, struct dm_domain *d, const struct domcfg *cfg,
		    uint32_t max_vcpus, struct dm_error *e);

/* ---- restore.c ---- */
/* Starts the job that fills OP's domain from FILE: 0, or a negative errno
 * with E (nothing started, OP left to the caller). */
int dm_restore_fill(struct dm_op *op, const char *file, struct dm_error *e);

/* ---- save.c ---- */
/* A save's FILE.tmp (OUT of LEN bytes): 0, or -ENAMETOOLONG. */
int dm_save_tmp(const char *file, char *out, size_t len);
/* A save did not finish under the last xcdd: settled (recover.c). */
void dm_settle_save(struct dm *m, struct dm_domain *d, bool present);

/* The configuration of a save file's or a migration stream's JSON (WHAT
 * names it in messages): the xl.cfg text xcdd keeps there ("xcd_source")
 * parsed as on create. 0 with *CFG, *SRC and *UUID (*HAVE_UUID), or a
 * negative errno with E (FIELD params.file, or FIELD as given). */
int dm_config_from_json(const char *what, const char *field, const char *json,
			struct domcfg **cfg, struct dm_source **src, uint8_t uuid[16],
			bool *have_uuid, struct dm_error *e);
/* devjob_done_fn of the job that filled a restored or received domain:
 * made runnable, introduced, its devices added (the create goes on), or
 * undone. */
void dm_restore_filled(int rc, bool reported, const char *err, void *arg);
/* dm_create_domain for a domain whose memory a migration brings (MIG, which
 * the op takes): filled by a job from the stream, then migrate_in.c's. */
int dm_receive_domain(struct dm *m, struct dm_cfg *cfg, const uint8_t *uuid,
		      const struct dm_source *src, bool paused, struct dm_mig *mig,
		      dm_done_fn *done, void *arg, struct dm_error *e);

/* ---- save.c ---- (continued) */
/* The JSON a save file or a migration stream carries for D: its libxl
 * configuration with "xcd_source" (SRC, NULL: D's own; with MIG_ID, NULL:
 * none, a migration's id as "migration"); *LEN with the NUL. NULL when out
 * of memory. */
char *dm_save_config(const struct dm_domain *d, const struct dm_source *src,
		     const uint8_t *mig_id, uint32_t *len);

/* ---- ops.c ---- (continued) */
/* dm_rename without the check that no operation runs (a migration renames
 * its own domain). */
int dm_rename_domain(struct dm *m, struct dm_domain *d, const char *name, struct dm_error *e);
/* dm_rename_domain without the record's write: xenstore and D renamed, the
 * record the caller's next write (a migration's handover, where each write
 * lengthens the guest's downtime). */
int dm_rename_unsaved(struct dm *m, struct dm_domain *d, const char *name, struct dm_error *e);

/* ---- migrate.c, migrate_in.c ---- */
/* A migration's state, either side. */
struct dm_mig;
/* What a received domain's record keeps of MIG (its final name, its id). */
void dm_mig_pending_in(const struct dm_mig *mig, struct dm_pending_op *p);
/* Closes what MIG holds and frees it. */
void dm_mig_free(struct dm_mig *mig);
/* The end of the op MIG belongs to (dm_op_end): a sender's caller not told
 * yet is told RC and E (the guest destroyed, the host lost); then freed. */
void dm_mig_end(struct dm_mig *mig, int rc, const struct dm_error *e);
/* migrate_in.c: the job that fills OP's domain from the stream; 0, or a
 * negative errno with E (nothing started, OP left to the caller). */
int dm_migrate_in_fill(struct dm_op *op, struct dm_error *e);
/* migrate_in.c: OP's domain is whole, its devices up: "ready" sent, "go"
 * awaited (the create's end). */
void dm_migrate_in_ready(struct dm_op *op);
/* migrate_in.c: OP's domain is filled and made runnable: "ready" once its
 * devices (added while the memory came) are up too. */
void dm_migrate_in_filled(struct dm_op *op);
/* migrate_in.c: OP failed before its devices were removed (E set): the
 * device job stopped, the devices removed, then the create's undo. */
void dm_migrate_in_undo(struct dm_op *op, int rc);
/* A migration a dead xcdd left half done, sending (migrate.c) or receiving
 * (migrate_in.c): settled. */
void dm_settle_migrate(struct dm *m, struct dm_domain *d, bool present);
void dm_settle_migrate_in(struct dm *m, struct dm_domain *d, bool present);
/* NAME with SUFFIX, NAME cut so that the whole fits a domain name, into OUT. */
void dm_mig_name(const char *name, const char *suffix, char *out, size_t len);

/* mig_resolve.c: the senders a dead xcdd left in doubt (dm_settle_migrate)
 * ask their receivers from now on (dm_set_loop). */
void dm_mig_resolve_left(struct dm *m);
/* mig_ledger.c: the receiver's decisions, STATEDIR/migrations, opened (0,
 * or a negative errno with ERR), and pruned of those over a day old (at
 * most once a minute: dm_poll). */
int dm_ledger_open(struct dm *m, const char *statedir, char *err, size_t errlen);
void dm_ledger_prune(struct dm *m);

/* ---- save.c ---- */
/* A guest suspended for its save or its migration's last round (a PVH
 * guest; its state in I) runs again: fast resume (its suspend hypercall
 * returns "cancelled"), and a request it did not act on is taken back. */
void dm_resume_suspended(struct dm *m, struct dm_domain *d, const struct hv_dominfo *i);

/* ---- destroy.c ---- */
/* The devices are gone: the domain and its entries go. */
void dm_destroy_finish(struct dm_op *op);

/* ---- ops.c ---- */
/* Reads D's info after an operation, writes its record, notifies. */
int dm_refresh(struct dm *m, struct dm_domain *d, struct dm_error *e);

/* ---- restart.c ---- */
/* A fresh random (version 4) uuid. */
void dm_new_uuid(uint8_t u[16]);
/* The configuration of SRC parsed, as on create: once, at load. */
int dm_reparse(const struct dm_source *src, struct domcfg **out, char *err, size_t errlen);
/* xl's rename-restart keeps the old domain as NAME-YYYYMMDDTHHMMZ. */
int dm_keep_renamed(struct dm *m, struct dm_domain *d);
void dm_restart_free(struct restart_ctx *r);
/* R's domain made again, under R's name (its configuration takes it). */
void dm_restart_create(struct dm *m, struct restart_ctx *r);
/* dm_destroy's DONE for a restart: the domain is made again. */
void dm_restart_destroyed(struct dm *m, int rc, struct dm_domain *d, const struct dm_error *e,
			  void *arg);
int dm_take_kept_uuid(struct dm *m, struct dm_domain *d);
/* Destroys D and makes it again from its source (RENAME: keeps D, renamed). */
void dm_restart(struct dm *m, struct dm_domain *d, bool rename);
/* What the guest's configuration says to do now that it has shut down. */
void dm_apply_action(struct dm *m, struct dm_domain *d);

/* ---- job.c: in the child of a save or a restore ---- */
/* Progress lines to the parent over FD, at most ten a second, and the last. */
/* In the child: progress lines at most ten a second, and the last one. */
struct dm_job_progress {
	int fd;
	struct timespec last;
};
void dm_job_progress(void *arg, uint64_t done, uint64_t total);
/* The job's own handle on the host: 0, or a negative errno with ERR. */
int dm_job_hv(enum hv_backend backend, const char *sock, struct hv **hv, char *err,
	      size_t errlen);

#endif
