/*
 * dm, the domain manager: the domains xcdd manages, kept in step with the hypervisor and
 * with the journal (one record per domain, keyed by its uuid, written before
 * a caller is answered). On start it re-attaches what survived the last
 * daemon; afterwards a poll notices what guests did on their own.
 */
#ifndef XCD_DM_DM_H
#define XCD_DM_DM_H
#include "../../hv/hv.h"
#include "../../lib/errmsg.h"
#include "../../lib/strmap.h"
#include "../../migrate/cred.h"
#include "../../migrate/netaddr.h"
#include "../../migrate/precopy.h"
#include "../actions.h"
#include "../devices.h"
#include "../devjob.h"
#include "../domcfg.h"
#include <stdbool.h>
#include <stdint.h>

/*
 * What went wrong in a dm_* call, for its caller to show (xcdd's methods map
 * CODE to a JSON-RPC error; a test reads it as it is). FIELD names what was
 * wrong, as the caller named it where it passed one ("params.new_name"),
 * else the configuration's key ("name", "kernel"), else "".
 */
enum dm_errcode {
	DM_OK = 0,
	DM_ERR_FAILED,	  /* the hypervisor, xenstore or the journal failed */
	DM_ERR_NO_DOMAIN, /* the hypervisor no longer has the domain */
	DM_ERR_EXISTS,	  /* a domain has that name or uuid already */
	DM_ERR_CONFIG,	  /* the configuration cannot make a domain */
	DM_ERR_INVALID,	  /* an argument is out of range or malformed */
	DM_ERR_BUSY,	  /* an operation on the domain is under way */
	DM_ERR_STATE,	  /* not in a state for it (paused already, shut down) */
	DM_ERR_NOMEM,	  /* out of memory */
};

struct dm_error {
	int code; /* enum dm_errcode */
	char field[64];
	char message[XCD_ERR_MAX];
};

/* Fills E (message printf-style, cut at a UTF-8 boundary); FIELD may be NULL. */
void dm_error_set(struct dm_error *e, int code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* xl's State column: r b p s c d, '-' for a flag not set. */
#define DM_STATE_LEN 6

/*
 * An operation of several steps under way on a domain, as its journal record
 * says ("op"), so that the xcdd that starts after a crash finishes it or
 * undoes it: a create is rolled back, a destroy and a restart rolled forward.
 */
enum dm_pending_kind {
	DM_PENDING_NONE,
	DM_PENDING_CREATE,
	DM_PENDING_DESTROY,
	DM_PENDING_RESTART,	       /* on_*=restart: this uuid destroyed, made again */
	DM_PENDING_RENAME_RESTART, /* this domain renamed and kept, new_uuid made */
	DM_PENDING_SAVE,	       /* written to file; then destroyed unless keep */
	DM_PENDING_RESTORE,	       /* made from file: rolled back like a create */
	DM_PENDING_MIGRATE,	       /* sent to another host: rolled back until committing */
	DM_PENDING_MIGRATE_IN,	       /* received: rolled back until committed */
};

/* The longest save file path xcdd takes (the journal keeps it). */
#define DM_SAVE_PATH_MAX 1024
/* The longest transport command a migration's record keeps (its NUL in). */
#define DM_RUNE_MAX 1024

/* A migration over TCP (xcd migrate --transport): the receiving xcdd at
 * ADDR ("tcp://HOST:PORT"), whose host credential must be NAME's. */
struct dm_mig_peer {
	char addr[MIG_ADDR_MAX + 8];
	char name[MIG_CRED_NAME_MAX + 1];
	unsigned streams; /* data connections, 1 to MIG_MUX_MAX_STREAMS */
	bool paused;	  /* the receiver leaves the guest paused */
};
/*
 * Opens the pipe to a migration's receiver over TCP (xcdd's migration
 * link): *SEND (to it) and *RECV (from it), the daemon's ends, at once; the
 * connection is made meanwhile, and its failure ends the pipe (the job
 * waiting for the receiver's banner sees it end). CTX: the migration's
 * dm_migrate_opts.connect_ctx, or NULL for the outcome query of a sender in
 * doubt (mig_resolve.c). 0, or a negative errno with ERR.
 */
typedef int dm_mig_connect_fn(void *arg, const struct dm_mig_peer *p, void *ctx, int *send,
			      int *recv, char *err, size_t errlen);

struct dm_pending_op {
	enum dm_pending_kind kind;
	char step[32];	    /* the last step begun, for the log */
	bool paused;	    /* create: left paused at the end */
	bool restart;	    /* create: of a restart (made again if it fails half way) */
	uint8_t new_uuid[16];  /* rename-restart: the domain made again */
	/* rename-restart: the uuid the kept domain takes, as libxl gives it
	 * (HAS_KEPT_UUID false: it keeps its own). */
	bool has_kept_uuid;
	uint8_t kept_uuid[16];
	/* save: the file being written (FILE.tmp until it is whole), whether the
	 * domain stays (KEEP: -c or -p), is left paused (LEAVE_PAUSED: -p) and
	 * was paused before the save (WAS_PAUSED: it is left so on a rollback);
	 * restore: the file read. */
	char file[DM_SAVE_PATH_MAX];
	bool keep, leave_paused, was_paused;
	/* migrate: the name the domain had (it is NAME--migratedaway once the
	 * destination has it all); migrate-in: the name it takes at the commit
	 * (it is NAME--incoming until then). Either may be cut to fit. */
	char mig_name[65];
	/* migrate, migrate-in: the migration's id (xcd's, in the stream's
	 * configuration; HAS_MIG_ID false: a stream from xl, which has none).
	 * migrate: the transport command that reaches the receiver again, for
	 * the outcome query ("" : none given), or over TCP the receiver's
	 * address and host (TCP_ADDR, TCP_PEER; "": not over TCP), and when the
	 * go was decided (COMMITTED_AT, seconds since the epoch). */
	bool has_mig_id;
	uint8_t mig_id[16];
	char rune[DM_RUNE_MAX];
	char tcp_addr[MIG_ADDR_MAX + 8], tcp_peer[MIG_CRED_NAME_MAX + 1];
	long long committed_at;
};

struct dm_domain {
	uint8_t uuid[16]; /* text (lib/uuid.h) only where it is printed */
	char *name;
	uint32_t domid;
	char state[DM_STATE_LEN + 1]; /* as last reported */
	char *config_json;            /* the domcfg as JSON text */
	struct hv_dominfo info;       /* as last read */
	long long start_time;         /* when created, seconds since the epoch */
	/* Soft affinity is the scheduler's preference, which hv does not carry:
	 * xcdd keeps it (and journals it), one map per vCPU; NULL: all CPUs. */
	struct cpumap *soft;
	uint32_t n_soft;
	/* The xl.cfg text it was made from, journaled so that the next xcdd
	 * can make it again (restart): parsed once, at create or at load. */
	struct dm_source *source;
	/* That configuration parsed (shared with the domain a rename-restart
	 * makes from it); NULL: none, CFG_ERROR (NULL: no text kept) says why. */
	struct dm_cfg *cfg;
	char *cfg_error;
	/* Its on_poweroff/on_reboot/on_crash/... actions, read once from
	 * config_json (libxl's defaults for what cannot be read, logged). */
	struct dm_on on;
	/* Its shutdown was dealt with (preserved, or renamed and restarted):
	 * left as it is until it runs again. */
	bool shutdown_handled;
	/* Being created or destroyed: its device job runs (NULL: neither). */
	struct dm_op *op;
	/* Its store and console rings and ports, as the build gave them: what a
	 * new xenstored needs to INTRODUCE it again (hv cannot tell them later).
	 * All 0 in records written before they were journaled. */
	struct hv_build_result built;
	/* What its journal record says is under way (kind DM_PENDING_NONE: nothing). */
	struct dm_pending_op pending;
};

/* An xl.cfg file's name and text and the KEY=VALUE overrides given with it. */
struct dm_source {
	char *file;
	char *text;
	char **overrides;
	size_t n_overrides;
};

/* Where a migration is, for the notifications (either side). */
struct dm_migration_info {
	/* "queued" (waiting for one of the host's migrations to end),
	 * "sending", "handover", "resolving" (the pipe broke after the go:
	 * the receiver is asked whether it runs the guest) */
	const char *phase;
	struct mig_precopy_info p;
	uint32_t ahead; /* queued: the migrations before it in the queue */
};

/* What a migration did, for its caller's summary. */
struct dm_migrate_result {
	char name[65];		/* the domain's name */
	uint32_t rounds;
	uint64_t pages, zero_pages, final_pages, bytes;
	uint32_t throttle;	/* the most auto-converge took, percent */
	int forced;
	uint64_t zero_saved;	/* bytes zero pages kept off the link */
	uint64_t z_pages;	/* pages sent compressed */
	uint64_t z_saved;	/* bytes compression kept off the link */
	uint32_t codecs_used;	/* bits (migrate/compress.h) */
	int peer_answered;	/* the receiver said what it reads (an xcd) */
	uint32_t peer_codecs;	/* what it reads */
	double stop_predicted_ms; /* the last round's memory time, predicted */
	double total_ms;	/* from the call to the destination's report */
	double downtime_ms;	/* the guest stopped here until it ran there (the report) */
	char why[200];		/* why pre-copy stopped */
};

struct dm;
/* STATE: the xl flags, or "gone" when the domain no longer exists. */
typedef void dm_state_fn(struct dm *m, const struct dm_domain *d, const char *state,
			 void *arg);
/* A save or restore of D (OP "save" or "restore") has done DONE of TOTAL pages. */
typedef void dm_progress_fn(struct dm *m, const struct dm_domain *d, const char *op,
			    uint64_t done, uint64_t total, void *arg);
/* D's devices are up: it was made (a create, a restore, a restart) and
 * its device phase is over. */
typedef void dm_started_fn(struct dm *m, const struct dm_domain *d, void *arg);
/* D, a copy this xcdd receives, has its devices up (their hotplug scripts
 * ran) before its migration's handover. */
typedef void dm_mig_devices_fn(struct dm *m, const struct dm_domain *d, void *arg);
/* A migration of D has got to I. */
typedef void dm_migration_fn(struct dm *m, const struct dm_domain *d,
			     const struct dm_migration_info *i, void *arg);

struct dm {
	struct hv *hv;
	struct xs_handle *xs;	/* NULL: no xenstore (entries and devices skipped) */
	struct dev_env dev;
	struct journal *journal;
	/* uuid -> struct dm_domain, keyed by the uuid's text (a map of
	 * strings): looked up and changed through dm_find_uuid, dm_table_put
	 * and dm_table_remove only; walked with strmap_next. */
	struct strmap by_uuid;
	dm_state_fn *state_changed;
	void *arg;
	bool poll_failing;
	/* The device phases of creates and destroys run as jobs once xcdd's
	 * loop runs (dm_set_loop); before that (re-attach at start) inline. */
	struct childjobs jobs;
	/* XCDD_TEST_CRASH_AT: the step after which xcdd kills itself (tests). */
	const char *crash_at;
	/* What a save's or restore's job opens for its own connection to the
	 * hypervisor (dm_set_host; HV_AUTO: none given, saves are refused). */
	enum hv_backend job_backend;
	char job_sim_sock[4096 + 32];
	dm_progress_fn *progress; /* NULL: nobody told */
	dm_migration_fn *migration; /* NULL: nobody told */
	dm_mig_devices_fn *mig_devices; /* NULL: nobody told */
	/* What a migration's stop took here beside its last round's memory
	 * (vCPUs, the stream's end, the other side's start, the handover),
	 * as measured, decayed (0: none yet): each migration's policy keeps it
	 * of the downtime target (mig_policy.reserve_ms). */
	double mig_fixed_ms;
	dm_started_fn *started;	    /* NULL: nobody told */
	void *started_arg;
	/* The receiver's decisions (STATEDIR/migrations, mig_ledger.c): one
	 * record per migration it committed, kept DM_LEDGER_KEEP_S. */
	struct journal *ledger;
	long long ledger_pruned; /* when it was last pruned (CLOCK_MONOTONIC s) */
	/* Outgoing migrations at once (mig_queue.c): at most MIG_MAX run
	 * (their job or handover), the rest wait in order. */
	unsigned mig_max, mig_running;
	struct dm_mig *mig_queue;
	struct loop_timer *mig_kick; /* starts the next one from the loop */
	dm_mig_connect_fn *mig_connect; /* migrations over TCP; NULL: refused */
	void *mig_connect_arg;
};

/*
 * The end of an operation that was started (dm_create, dm_destroy, dm_save,
 * dm_restore returned 0), called once from the loop (or, without a loop,
 * before the call returns): RC 0, or a negative errno with E filled as the
 * contracts below say; D the domain made or kept (a create or restore that
 * succeeded, a save with KEEP), else NULL.
 */
typedef void dm_done_fn(struct dm *m, int rc, struct dm_domain *d,
			const struct dm_error *e, void *arg);

/*
 * Contracts. Unless a function says otherwise:
 * - M was set up by dm_open and not yet closed; D is a domain of M's table
 *   (dm_find, dm_find_uuid, a DONE), valid until it leaves the table: a
 *   destroy's end, dm_poll or dm_host_lost finding it gone, dm_close. All
 *   calls come from one thread (xcdd's loop).
 * - The return is 0, or a negative errno with E filled (when the function
 *   takes one): E->code says what kind of failure for the caller to act on,
 *   E->message one sentence that names the domain, E->field what was wrong
 *   as the caller named it ("params.memory_kb") or the configuration's key.
 * - The codes mean, in every function:
 *   DM_ERR_FAILED (any errno): the hypervisor, xenstore or the journal
 *     failed; the message carries their words (the hypervisor's are
 *     hv_error()'s). -ECONNRESET from the hypervisor: the host is gone
 *     (xcdd then calls dm_host_lost).
 *   DM_ERR_NO_DOMAIN (-ESRCH): the hypervisor no longer has D; the next
 *     dm_poll drops it.
 *   DM_ERR_BUSY (-EBUSY): an operation runs on D (dm_busy names it): only
 *     dm_destroy applies until it is over.
 *   DM_ERR_NOMEM (-ENOMEM): out of memory; nothing changed.
 *   DM_ERR_INVALID, DM_ERR_CONFIG, DM_ERR_EXISTS, DM_ERR_STATE: the request
 *     cannot be met as it is (each function says when); nothing changed.
 * - A change that D's journal record holds (pause state, memory, name,
 *   affinity, an operation under way) is written to the record before the
 *   call returns; when the record cannot be written the change is undone in
 *   the hypervisor (DM_ERR_FAILED says so, or that it could not be undone).
 * - Nothing waits on a device: scripts and backend waits run as jobs once
 *   dm_set_loop was called (inline before, at start). Hypervisor calls are
 *   synchronous: dm_create's build takes seconds on Xen.
 */

/*
 * Opens STATEDIR/domains (creating STATEDIR, mode 0700, if needed) as the
 * journal of M (any contents: M is reset), loads every record and
 * reconciles them with HV's list and with xenstore through XS (NULL: none;
 * DEV's settings then unused): records of domains that are gone are
 * removed, and their entries and devices' scripts with them; foreign
 * domains are left alone; an operation a record says was under way is
 * settled, inline (a create or restore rolled back, a destroy finished, a
 * restart finished once from its journaled source, a save rolled back or
 * forward). FN(ARG) is told every state change from then on. 0, or a
 * negative errno with ERR: -ENOMEM; mkdir's or the journal's errno (ERR
 * names the path); the hypervisor's list unreadable (ERR has hv_error()).
 * On failure M holds what was loaded, which dm_close frees.
 */
int dm_open(struct dm *m, struct hv *hv, struct xs_handle *xs, const struct dev_env *dev,
	    const char *statedir, dm_state_fn *fn, void *arg, char *err, size_t errlen);
/* Ends every operation still running (its DONE told -ECANCELED, "xcdd is
 * stopping"), stops and reaps their jobs, frees the domains and closes the
 * journal. The records keep what was under way: the next dm_open settles
 * it. Call it while the loop of dm_set_loop still exists. */
void dm_close(struct dm *m);
/* From now on device phases, saves and restores run as jobs in LOOP's
 * children (before: device phases inline, saves and restores refused). */
void dm_set_loop(struct dm *m, struct loop *loop);
/* FN(M, D, ARG) (NULL: none) is told of each domain whose devices are up
 * once it was made (dm_started_fn): from the loop, as its caller is told. */
void dm_set_started_fn(struct dm *m, dm_started_fn *fn, void *arg);
/* The host a save's or restore's job connects to: BACKEND, and for HV_SIM
 * its socket SIM_SOCK; PROGRESS (NULL: none) is told how jobs go. HV_AUTO
 * (the default): saves and restores are refused. */
void dm_set_host(struct dm *m, enum hv_backend backend, const char *sim_sock,
		 dm_progress_fn *progress);
/* Who is told how migrations go (NULL: nobody). */
void dm_set_migration_fn(struct dm *m, dm_migration_fn *fn);
/* Who is told that a received copy's devices are up (NULL: nobody). */
void dm_set_mig_devices_fn(struct dm *m, dm_mig_devices_fn *fn);
/* "creating", "restoring", "saving", "migrating", "receiving" or "destroying" while D's operation
 * runs, "undoing" while what a failed create left waits for the hypervisor
 * to destroy it, else NULL. */
const char *dm_busy(const struct dm_domain *d);

/* By name (NAME non-NULL) or by domid; NULL: not one xcdd manages. */
struct dm_domain *dm_find(struct dm *m, const char *name, long long domid);
/* By uuid; NULL: none. */
struct dm_domain *dm_find_uuid(struct dm *m, const uint8_t uuid[16]);
/* How many domains the table holds. */
size_t dm_count(const struct dm *m);

/*
 * Reads for callers that show what the hypervisor has (xcdd's methods): the
 * manager holds the hypervisor handle, and callers go through these. They
 * change nothing. On failure (a negative errno, -ECONNRESET when the host
 * is gone) dm_hv_message says what the hypervisor said.
 */
/* Every domain the hypervisor has (domain 0 and foreign ones too), in domid
 * order, into *LIST (malloc'd, the caller's): their number, or a negative
 * errno (-ENOMEM, or the hypervisor's). */
int dm_list(struct dm *m, struct hv_dominfo **list);
/* The host's CPUs, memory and version into *H: 0, or a negative errno. */
int dm_host_info(struct dm *m, struct hv_hostinfo *h);
/* D's info read again into d->info: 0, or a negative errno with E
 * (DM_ERR_FAILED, "cannot read domain NAME: ..."). */
int dm_read_info(struct dm *m, struct dm_domain *d, struct dm_error *e);
/* vCPU VCPU of D: its state in *VI and its hard affinity as a byte map of
 * LEN bytes in HARD. 0, or a negative errno (for a vCPU D does not have:
 * -EINVAL on the simulated host, Xen's error on Xen). */
int dm_vcpu_info(struct dm *m, const struct dm_domain *d, uint32_t vcpu,
		 struct hv_vcpuinfo *vi, uint8_t *hard, size_t len);
/* The hypervisor's message for the last call that failed ("" when none). */
const char *dm_hv_message(struct dm *m);

/*
 * Creates, builds and (unless PAUSED) unpauses CFG's domain (CFG is the
 * manager's from the call on: kept with the domain, for its restarts, or
 * freed; the caller may read it until DONE is told, or dm_create fails):
 * its xenstore entries, its devices and their hotplug scripts; SRC (NULL:
 * none, so no restart) is journaled to make it again. The domain is in the
 * table (paused, dm_busy "creating") from the start; its devices come up in
 * a job, and DONE (NULL: the result is logged) is called at the end,
 * possibly before dm_create returns, with the domain or the failure.
 * A negative errno with E when it failed before that (DONE not called):
 * DM_ERR_CONFIG (-EINVAL): no name=, no kernel=, a name the rule refuses
 * (field "name"), a device the configuration cannot have, a vifname in use
 * (field "params.config"); DM_ERR_EXISTS (-EEXIST): a domain has that name
 * (field "name") or uuid ("uuid"); DM_ERR_FAILED: the journal, the
 * hypervisor (create, build: its words), xenstore; DM_ERR_NOMEM.
 * On failure, early or in DONE, nothing is left, but for a domain the
 * hypervisor will not destroy: that one stays in the table and the journal
 * (dm_busy "undoing", only destroy applies) and each poll tries the destroy
 * again; a restarted xcdd rolls it back.
 */
int dm_create(struct dm *m, struct domcfg *cfg, const struct dm_source *src, bool paused,
	      dm_done_fn *done, void *arg, struct dm_error *e);
/* Pauses D. 0; DM_ERR_BUSY; DM_ERR_STATE (-EINVAL): paused already; the
 * hypervisor's failure; DM_ERR_FAILED when the record cannot be written
 * (D unpaused again, or the message says it could not be). */
int dm_pause(struct dm *m, struct dm_domain *d, struct dm_error *e);
/* Unpauses D. 0; DM_ERR_BUSY; DM_ERR_STATE (-EINVAL): not paused; the
 * hypervisor's failure; DM_ERR_FAILED when the record cannot be written
 * (D paused again, or the message says it could not be). */
int dm_unpause(struct dm *m, struct dm_domain *d, struct dm_error *e);
/*
 * Pauses D, runs its device scripts (in a job), destroys it, removes its
 * entries and its record, and frees D; DONE (NULL: logged) is told at the
 * end, possibly before dm_destroy returns: RC 0, or the hypervisor's
 * failure to destroy it (DM_ERR_FAILED: D stays in the table, paused and
 * with nothing under way, for a destroy to be tried again). A domain still
 * being created has its job
 * killed first (its create fails, saying so). A negative errno with E when
 * it cannot start (DONE not called): DM_ERR_BUSY, being destroyed already;
 * DM_ERR_NOMEM.
 */
int dm_destroy(struct dm *m, struct dm_domain *d, dm_done_fn *done, void *arg,
	       struct dm_error *e);
/*
 * Asks D to power off (REBOOT false) or reboot through control/shutdown when
 * the guest announced it answers (control/feature-poweroff/-reboot "1");
 * else, with FORCE, shuts it down through the hypervisor. *HOW: "pv" or
 * "hypervisor". What then happens to it is its on_poweroff/on_reboot
 * action, applied by dm_poll. 0; DM_ERR_BUSY; DM_ERR_STATE (-EINVAL): shut
 * down already; DM_ERR_FAILED: xenstore's or the hypervisor's failure, or
 * (-EOPNOTSUPP) no PV control and no FORCE, the message saying to use -F.
 */
int dm_shutdown(struct dm *m, struct dm_domain *d, bool reboot, bool force, const char **how,
		struct dm_error *e);
/*
 * Saves D to FILE (an absolute path) as xl's save file (libmigrate): D is
 * paused, its memory and vCPUs written by a job to FILE.tmp (0600), which
 * becomes FILE (an existing FILE is replaced, as xl does) only once it is
 * whole. Then D is destroyed, or with KEEP stays: running again (as it was
 * before: a domain paused before stays paused), or paused with LEAVE_PAUSED.
 * Journaled: a restarted xcdd settles a save that did not finish (xcdd(8)).
 * SRC (NULL: D's own) is the xl.cfg text the file keeps for a restore.
 * DONE (D when it is kept, else NULL) is told at the end; a failure of the
 * job or of the rename (DM_ERR_FAILED, their words) leaves D running as it
 * was and no FILE.tmp; once FILE is whole, D's destroy fails as dm_destroy
 * says. A negative errno with E when it could not start
 * (DONE not called, nothing changed): DM_ERR_BUSY; DM_ERR_INVALID (field
 * "params.file"): not an absolute path of less than DM_SAVE_PATH_MAX - 8
 * bytes (-EINVAL), a directory (-EISDIR); DM_ERR_STATE (-EOPNOTSUPP): not
 * a simulated guest (kernel "sim:..."), the only kind saved yet;
 * DM_ERR_FAILED: no loop or no host set (-EAGAIN: dm_set_loop,
 * dm_set_host), the hypervisor's failure to read or pause D, the job not
 * started; DM_ERR_NOMEM. COMPRESS other than MIG_COMPRESS_OFF: a file for
 * xcd restore alone, its page batches compressed (migrate/compress.h).
 */
int dm_save(struct dm *m, struct dm_domain *d, const char *file, bool keep, bool leave_paused,
	    enum mig_compress compress, const struct dm_source *src, dm_done_fn *done,
	    void *arg, struct dm_error *e);
/*
 * Restores the guest saved in FILE (absolute) as a new domain: its
 * configuration CFG (the manager's from the call on; NULL: the xl.cfg text
 * xcdd keeps in the file's JSON configuration, SRC then ignored) with SRC
 * journaled as for dm_create; the name must pass dm_name_check before
 * anything is made. The domain is created, filled from the file by a job,
 * made runnable (hv_domain_restore_finish), given its xenstore entries and
 * introduced, its devices added, and unpaused unless PAUSED. DONE as for
 * dm_create (a file the job finds bad: DM_ERR_INVALID, field
 * "params.file", naming the record and byte). On failure nothing is left;
 * a restarted xcdd rolls back a restore that did not finish. A negative
 * errno with E when it failed before the job (DONE not called):
 * DM_ERR_INVALID (field "params.file"): not an absolute path of less than
 * DM_SAVE_PATH_MAX bytes, unreadable, not a save file or one without a
 * configuration; DM_ERR_CONFIG: the configuration it keeps does not parse;
 * then as dm_create, and DM_ERR_FAILED (-EAGAIN) without a loop or host.
 */
int dm_restore(struct dm *m, const char *file, struct domcfg *cfg, const struct dm_source *src,
	       bool paused, dm_done_fn *done, void *arg, struct dm_error *e);
/* How a migration goes (dm_migrate). */
struct dm_migrate_opts {
	struct mig_policy policy;
	uint64_t bandwidth; /* bytes a second at most; 0: no limit */
	/* Compression, with a receiver that says it reads it (an xcd); never
	 * with xl's (migrate/README.md). */
	enum mig_compress compress;
	/* The command that runs the receiver (xl's rune, run with sh -c), to
	 * ask it the outcome should the pipe break after the go; NULL: none,
	 * the copy is then left to a person in that case. At most
	 * DM_RUNE_MAX - 1 bytes. */
	const char *command;
	/* Over TCP (PEER.addr not ""): no descriptors are given; the pipe to
	 * the receiver is opened as the migration starts (out of the queue),
	 * through the host's connector (dm_set_mig_connect) with CONNECT_CTX,
	 * and opened again the same way to ask the outcome after the go. */
	struct dm_mig_peer peer;
	void *connect_ctx;
};
/* The host's connector for migrations over TCP (none: they are refused). */
void dm_set_mig_connect(struct dm *m, dm_mig_connect_fn *fn, void *arg);
/* The link of the guest of uuid UUID, being sent over TCP, connected: its
 * receiver will say when its copy's devices are up (DEVICES) or not. Until
 * then the guest's last round (its suspend request) waits, since it cannot
 * know yet whether to wait for those devices (mig_devwait.c). */
void dm_mig_peer_connected(struct dm *m, const uint8_t uuid[16], bool devices);
/* That receiver said its copy's devices are up. The last round waits for
 * that once promised, DM_MIG_DEVICES_WAIT_MS at most (counted from the
 * suspend request). Anything else (no such migration, said late or twice)
 * is ignored. */
void dm_mig_peer_devices_up(struct dm *m, const uint8_t uuid[16]);
/* The end of a dm_migrate: RC 0 (the guest runs on the destination and is
 * gone here) or a negative errno with E; R (either way) what was done. */
typedef void dm_migrate_done_fn(struct dm *m, int rc, const struct dm_migrate_result *r,
				const struct dm_error *e, void *arg);
/*
 * Live-migrates D over xl's migration pipe protocol (migrate/pipe.h): SEND
 * (written to) and RECV (read from) are the pipe to the receiver, which
 * this call takes (closed when it ends, whatever happens); over TCP (O's
 * peer), both -1: the pipe is opened as it starts. While the host
 * runs its most migrations at once (dm_set_max_migrations) it waits in a
 * queue, untouched ("queued" notifications; an abort takes it out). A job
 * reads the receiver's banner and writes the stream (pre-copy, O's policy;
 * the configuration is SRC's xl.cfg text, NULL: D's own, as a save keeps
 * it, with the migration's id); then the daemon waits for the receiver's
 * "ready", renames D NAME--migratedaway, journals that it commits, sends
 * "go", and on the receiver's report of success destroys D; on a reported
 * failure it waits for the permission and resumes D. Any failure before the
 * commit leaves D running here as it was (renamed back), and the receiver,
 * seeing the pipe close, destroys its copy. After the go, a pipe that
 * breaks before the receiver's word leaves D paused while the receiver is
 * asked (O's command run again, or over TCP the receiver reached again;
 * migrate/outcome.h): D destroyed if it runs the guest, resumed if it does
 * not, left to a person if it cannot be asked (no command, xl at the other
 * end, DM_DOUBT_MAX_S passed). Journaled at each step (xcdd(8)); only
 * simulated guests yet. DONE is told at the end; a negative errno with E
 * when it cannot start (DONE not called; the descriptors closed):
 * DM_ERR_INVALID (field "params.command") for a command of DM_RUNE_MAX
 * bytes or more; DM_ERR_FAILED over TCP without a connector, or when it
 * cannot open the pipe (started at once: a queued one is told at its end).
 */
int dm_migrate(struct dm *m, struct dm_domain *d, int send_fd, int recv_fd,
	       const struct dm_source *src, const struct dm_migrate_opts *o,
	       dm_migrate_done_fn *done, void *arg, struct dm_error *e);
/* Outgoing migrations at once when none is set. */
#define DM_MIGRATIONS_DEFAULT 2
/* At most N outgoing migrations run at once (0: DM_MIGRATIONS_DEFAULT);
 * more wait in order. */
void dm_set_max_migrations(struct dm *m, unsigned n);
/*
 * The receiving end: CONFIG_JSON is the stream's xl configuration (the
 * domain's libxl JSON with xcd's "xcd_source"), which the caller read from
 * IN_FD with xl's header (STREAM_OFF bytes in all); the libxl stream follows
 * on IN_FD, and OUT_FD goes back to the sender. Both are taken. The domain
 * is made as NAME--incoming (paused), filled by a job from the stream, made
 * runnable, given its entries and devices; then "ready" is sent, and on the
 * sender's "go" the commit is recorded (for an xcd sender in the ledger,
 * by the migration's id, which dm_migrate_outcome reads), it is renamed
 * NAME and unpaused (unless PAUSED), and the report sent. A failure before
 * "go" destroys it; after, the commit is undone, the failure reported, the
 * copy destroyed and the sender given leave to resume its own. DONE (D:
 * the domain) at the end; a negative errno with E when it cannot start
 * (DONE not called; the descriptors closed). UUID: the domain's, once
 * started.
 */
int dm_migrate_receive(struct dm *m, const char *config_json, uint64_t stream_off, int in_fd,
		       int out_fd, bool paused, dm_done_fn *done, void *arg, uint8_t uuid[16],
		       struct dm_error *e);
/*
 * Aborts D's migration, sending or receiving: before the commit it always
 * wins (taken out of the queue, or the job killed, the guest running on
 * here as it was, or the received copy destroyed; the caller told
 * "aborted"); after, it is refused (DM_ERR_STATE) since the other side may
 * run the guest.
 */
int dm_migrate_abort(struct dm *m, struct dm_domain *d, struct dm_error *e);
/*
 * A sender's outcome query for migration ID: *COMMITTED true when this host
 * committed it (it runs, or ran, the guest), false when it did not, and
 * then never will: a receiving one still waiting for its go is aborted
 * here and now. 0, or DM_ERR_FAILED when the ledger cannot be read (the
 * sender must ask again).
 */
int dm_migrate_outcome(struct dm *m, const uint8_t id[16], bool *committed,
		       struct dm_error *e);

/* Sets the vCPUs of D online (the first N) and offline (the rest), by
 * writing cpu/N/availability for the guest to follow (not journaled: the
 * guest's own state). 0; DM_ERR_INVALID (field "params.vcpus", -EINVAL): N
 * not between 1 and D's maximum; DM_ERR_FAILED: the hypervisor (reading
 * D) or xenstore. */
int dm_vcpu_set(struct dm *m, struct dm_domain *d, long long n, struct dm_error *e);

/* Sets D's memory target (MAX false) or its maximum (MAX true) to KB KiB,
 * in the hypervisor and in xenstore (the guest's balloon follows the
 * target). 0; DM_ERR_INVALID (field "params.memory_kb", -EINVAL): 0 KiB, a
 * target above the maximum, a maximum below the target, or a size the
 * hypervisor refuses; DM_ERR_FAILED: the hypervisor, xenstore, or the
 * record (the old setting is put back everywhere, the message says). */
int dm_set_memory(struct dm *m, struct dm_domain *d, bool max, uint64_t kb,
		  struct dm_error *e);
/*
 * Whether NAME may name a domain: the rule of domname.h, and no other domain
 * (but SELF, which may be NULL) has it. 0, or fills E (FIELD names the
 * parameter: "name", "params.new_name") and returns -EINVAL (the rule:
 * DM_ERR_CONFIG for a new domain, DM_ERR_INVALID for a rename) or -EEXIST
 * (DM_ERR_EXISTS). Every way a name comes in uses it: create, rename, and
 * restore and migrate-receive when they come.
 */
int dm_name_check(struct dm *m, const struct dm_domain *self, const char *name,
		  const char *field, struct dm_error *e);

/* Renames D to NAME in xenstore, its configuration's JSON and its record.
 * 0; DM_ERR_BUSY; dm_name_check's failures (field "params.new_name");
 * DM_ERR_FAILED: xenstore or the record (the old name is put back);
 * DM_ERR_NOMEM. */
int dm_rename(struct dm *m, struct dm_domain *d, const char *name, struct dm_error *e);
/*
 * Pins vCPU VCPU of D (-1: all of them) to the CPU lists HARD and SOFT (xl's
 * syntax; NULL leaves that affinity as it is), for a host of NR_CPUS CPUs:
 * the hard affinity in the hypervisor, the soft one (which hv does not
 * carry) in D's record. 0; DM_ERR_INVALID (-EINVAL): no such vCPU (field
 * "params.vcpu"), a CPU list that does not parse for this host
 * ("params.cpus", "params.cpus_soft"); DM_ERR_FAILED: the hypervisor or
 * the record (every vCPU's affinity put back); DM_ERR_NOMEM.
 */
int dm_vcpu_pin(struct dm *m, struct dm_domain *d, long long vcpu, const char *hard,
		const char *soft, unsigned nr_cpus, struct dm_error *e);
/* The soft affinity of D's vCPU VCPU as a byte map of LEN bytes (all CPUs
 * when none was set). Cannot fail. */
void dm_soft_affinity(const struct dm_domain *d, uint32_t vcpu, uint8_t *map, size_t len);
/* Bit i of M into bit i%8 of byte i/8 of OUT (LEN bytes). Cannot fail. */
void dm_cpumap_bytes(const struct cpumap *m, uint8_t *out, size_t len);

/*
 * Reads the hypervisor's list and reports changes (shutdown, crash, gone)
 * to dm_open's FN; drops the domains that are gone (their entries, devices
 * and records); applies the on_* action of a guest that shut down
 * (actions.h: destroy, restart, rename-restart, preserve); tries again the
 * destroy of what failed creates left. 0, or a negative errno: the
 * hypervisor's list failed (-ECONNRESET: the host is lost; logged once per
 * outage), -ENOMEM; nothing was changed then.
 */
int dm_poll(struct dm *m);

/* Starts a new host after the old one went away: its hv and xenstore
 * (0), or a negative errno. */
typedef int dm_reopen_fn(void *arg, struct hv **hv, struct xs_handle **xs);
/*
 * The host went away under every domain (the simulated host's process died):
 * each is reported crashed, then gone, and dropped from the journal
 * (REMOVE_ENTRIES: its xenstore entries removed too, for a store that
 * outlives the host); operations under way end with -EHOSTDOWN. REOPEN then
 * brings up a new host, which M uses from then on, and the guests whose
 * on_crash is restart or rename-restart are made again on it from their
 * journaled configuration; preserve cannot be honoured and is logged as such.
 * 0; -ENOMEM (nothing done); or REOPEN's error (the guests to restart are
 * then dropped, logged, and M keeps the old, dead handles).
 */
int dm_host_lost(struct dm *m, bool remove_entries, dm_reopen_fn *reopen, void *arg);

/* D's configuration as parsed at its create or at load (its uuid may be
 * another: D's is d->uuid), or NULL: then dm_config_missing says why (a
 * sentence; "" when there is a configuration). */
const struct domcfg *dm_domain_config(const struct dm_domain *d);
const char *dm_config_missing(const struct dm_domain *d);
/*
 * After xcdd connected to a xenstored again (m->xs): each domain whose
 * entries are missing (a fresh xenstored lost the store) has them written
 * again from its record and the hypervisor (xs_domain.h), is introduced to
 * xenstored with its recorded ring, and its devices' entries are written
 * and their scripts run again (a device job). Domains whose entries are
 * there are left as they are, and those with an operation under way are
 * skipped (logged). *REPUBLISHED, *KEPT: how many of each. 0;
 * -ENOTCONN: no xenstore; else the first domain's failure (a negative
 * errno, logged with its domain), the others tried all the same.
 */
int dm_republish(struct dm *m, unsigned *republished, unsigned *kept);

/* The xl State flags of I ("r-----", "--p---", ...). Cannot fail. */
void dm_state_string(const struct hv_dominfo *i, char out[DM_STATE_LEN + 1]);
/* Frees S (NULL: nothing). */
void dm_source_free(struct dm_source *s);
#endif
