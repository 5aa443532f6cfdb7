/* precopy: live migration's pre-copy engine over hv only (precopy.c) and
 * its stop policy, a pure function (policy.c). Round 0 sends every page of
 * the running guest with log-dirty on, each later round the pages the guest
 * dirtied during the one before; when what is left fits the downtime target
 * at the link rate measured in this migration (or the rounds stop shrinking
 * it, or the rounds run out) the guest is stopped and the last round, its
 * vCPUs and the ends of the streams follow. The records are the save's
 * (PAGE_DATA batches, zero pages as XALLOC with no payload), so the
 * receiver is the restore's reader. migrate/README.md. */
#ifndef XCD_MIGRATE_PRECOPY_H
#define XCD_MIGRATE_PRECOPY_H
#include "compress.h"
#include "mio.h"
#include <stdint.h>

struct hv;
struct mig_precopy_stats;

/* ---- the stop policy (policy.c) ---- */
#define MIG_DOWNTIME_MS_DEFAULT 300
#define MIG_MAX_ROUNDS_DEFAULT 30
/* A page on the wire: its data and its pfn word. */
#define MIG_PAGE_WIRE_BYTES (4096u + 8u)
/* Auto-converge takes this much of the guest's CPU time at its first step,
 * this much more at each further one, and at most this much. */
#define MIG_THROTTLE_FIRST 20u
#define MIG_THROTTLE_STEP 20u
#define MIG_THROTTLE_MAX 95u

/* What to do when the rounds stop shrinking what is left, or run out. */
enum mig_no_converge {
	MIG_NC_AUTO_CONVERGE = 0, /* slow the guest step by step, then stop */
	MIG_NC_ABORT,		  /* give up: the guest runs on where it is */
	MIG_NC_FORCE,		  /* stop and copy whatever is left */
};
/* "abort", "auto-converge", "force" into *NC: 0, or -EINVAL. */
int mig_no_converge_parse(const char *s, enum mig_no_converge *nc);
const char *mig_no_converge_name(enum mig_no_converge nc);

struct mig_policy {
	uint32_t downtime_ms; /* 0: MIG_DOWNTIME_MS_DEFAULT */
	/* Of the downtime, what the caller expects the stop to take beside
	 * the last round's memory (the vCPUs, the stream's end, the other
	 * side's start, the handover): memory is given the rest. */
	uint32_t reserve_ms;
	uint32_t max_rounds;  /* memory rounds before the stop; 0: MIG_MAX_ROUNDS_DEFAULT */
	enum mig_no_converge on_no_converge;
};

/* What the policy keeps between rounds; all zero before round 0. */
struct mig_policy_state {
	uint32_t rounds;     /* memory rounds sent */
	uint64_t best_left;  /* the fewest pages left after any round (0: none yet) */
	uint32_t stalls;     /* rounds in a row that did not cut best_left by a tenth */
	uint32_t throttle;   /* percent of its CPU time taken from the guest */
};

enum mig_action {
	MIG_ROUND,    /* send what is dirty, and ask again */
	MIG_STOP,     /* stop the guest and send the rest */
	MIG_THROTTLE, /* slow the guest to THROTTLE, then another round */
	MIG_ABORT,    /* give up */
};

struct mig_decision {
	enum mig_action action;
	uint32_t throttle;   /* MIG_THROTTLE: the percent to take */
	int forced;	     /* MIG_STOP over the target (no convergence) */
	double predicted_ms; /* the stop's memory time if it stopped now */
	char why[200];	     /* for the log and the summary */
};

/*
 * After a round (IN->rounds not counting it): LEFT pages are dirty, and the
 * link carried RATE bytes a second in this migration so far. Fills D and
 * the state after the round in *OUT (OUT may be IN). Stops when LEFT at
 * RATE fits P's downtime less its reserve; otherwise, once the rounds have
 * not cut what is left by a tenth twice in a row (once while throttled) or
 * the rounds run out: stops when LEFT fits the downtime itself (the guest
 * is not slowed for what the reserve holds), else does what P's
 * on_no_converge says: abort, force a stop, or throttle the guest one step
 * more (a stop, forced, once at MIG_THROTTLE_MAX or out of rounds). No I/O,
 * no clock: the same inputs give the same decision.
 */
void mig_policy_decide(const struct mig_policy *p, const struct mig_policy_state *in,
		       uint64_t left, double rate, struct mig_policy_state *out,
		       struct mig_decision *d);

/* ---- the engine (precopy.c) ---- */
/* A guest type's records around its memory. */
struct mig_guest_ops {
	uint32_t dom_type; /* libxc's domain header type */
	/* Before STATIC_DATA_END (NULL: none). */
	int (*static_records)(struct hv *hv, uint32_t domid, struct mig_out *o, char *err,
			      size_t errlen);
	/* After the last memory, the guest stopped: its vCPUs' state. */
	int (*state_records)(struct hv *hv, uint32_t domid, uint32_t nvcpus, struct mig_out *o,
			     char *err, size_t errlen);
};
/* A simulated guest: type XCD_SIM, one XCD_SIM_VCPU record per vCPU. */
extern const struct mig_guest_ops mig_guest_sim;
/* A PVH guest (hvmguest.c): type X86_HVM, as Xen 4.17's libxc writes one:
 * X86_CPUID_POLICY and X86_MSR_POLICY before STATIC_DATA_END; after the
 * memory X86_TSC_INFO, HVM_CONTEXT, HVM_PARAMS. */
extern const struct mig_guest_ops mig_guest_pvh;
/* The records of a guest of hv's type HV_TYPE (enum hv_domain_type): PVH's
 * on either backend; a PV guest's are a simulated guest's (xcd does not
 * save a PV guest on Xen yet: the engine refuses its page tables). */
const struct mig_guest_ops *mig_guest_of(uint32_t hv_type);
/* The HVM params a PVH guest's stream carries (libxc's list, its order). */
#define MIG_HVM_NR_SAVED 16
extern const uint32_t mig_hvm_params[MIG_HVM_NR_SAVED];

/* Whether a page found all zeros goes as XALLOC (its pfn alone) rather
 * than with its 4096 zero bytes: in a one-pass save (LIVE 0) and in round
 * 0 every page is sent once, into a new domain whose memory is zero; in a
 * later round the page was sent before with data, and only xcd's reader
 * zeroes a page sent again as XALLOC (libxc's, xl migrate-receive's, only
 * allocates it, keeping the old contents), so only a receiver known to be
 * xcd's (RECEIVER_IS_XCD: its XCD reads answer came) gets it without data. */
int mig_zero_as_xalloc(int live, uint32_t round, int receiver_is_xcd);

/* Where a migration is, for its progress line. */
struct mig_precopy_info {
	uint32_t round;	      /* 0: every page */
	int final;	      /* the round after the stop */
	uint64_t round_done;  /* pages of this round sent */
	uint64_t round_pages; /* pages this round sends */
	uint64_t left;	      /* within a round: its pages not sent yet; after it
			       * (a decision): the dirty pages the next one sends */
	double rate;	      /* bytes a second the link carried so far (0: not known) */
	double predicted_ms;  /* the stop's memory time at that rate (-1: not known
			       * before the first round's end) */
	uint64_t bytes;	      /* written so far */
	uint32_t throttle;    /* percent taken from the guest */
};

struct mig_precopy_hooks {
	void *arg;
	/* Stops the guest for the last round (NULL: hv_domain_pause). */
	int (*suspend)(void *arg, struct hv *hv, uint32_t domid, char *err, size_t errlen);
	/* After each batch of pages and each decision (NULL: nobody told). */
	void (*progress)(void *arg, const struct mig_precopy_info *info);
	/* The stream is whole and flushed, STATS final but for the end time:
	 * told before the engine lets go of the guest's memory and turns
	 * log-dirty off, which take time a caller waiting to hand over need
	 * not wait for (NULL: nobody told). */
	void (*whole)(void *arg, const struct mig_precopy_stats *stats);
	/* Asked between batches, while OPTS' compression waits for the other
	 * side's answer (the stream's header asked it, XL_OPTFLAG_XCD_ASKS):
	 * 1 once it came (the codecs it reads in *CODECS, bits; 0: none), 0
	 * while it has not, or a negative errno with ERR (the migration
	 * fails). NULL: nobody is asked, nothing is compressed unless OPTS
	 * names the codecs. Never asked once the memory is sent: xl's
	 * receiver answers nothing, and its next message follows the end. */
	int (*peer_codecs)(void *arg, uint32_t *codecs, char *err, size_t errlen);
};

struct mig_precopy_opts {
	int live; /* 0: the guest is stopped already: one pass (a save) */
	struct mig_policy policy;
	/* At most this many bytes a second on the link (0: as fast as it
	 * goes), so that a migration leaves room for the guests' traffic. */
	uint64_t bandwidth;
	/* Pages the last round sends whether dirty or not: those dom0 writes
	 * through its own mappings (the xenstore and console rings), which
	 * log-dirty does not see. */
	const uint64_t *final_pfns;
	uint32_t n_final_pfns;
	/* Compression (compress.h). OFF: none, a stream xl reads. Else CODECS
	 * (bits) is what the reader reads, known before: a save file for xcd
	 * alone (its header then says so, XL_FLAG_XCD_COMPRESSED), or 0: the
	 * receiver is asked (XL_OPTFLAG_XCD_ASKS) and HOOKS' peer_codecs
	 * tells its answer; until then, and for a receiver that gives none
	 * (xl's), nothing is compressed. */
	enum mig_compress compress;
	uint32_t codecs;
};

struct mig_precopy_stats {
	uint32_t rounds;	/* memory passes, the last one included */
	uint64_t pages;		/* page records sent */
	uint64_t zero_pages;	/* of which zero, sent without data */
	uint64_t final_pages;	/* sent while the guest was stopped */
	uint64_t bytes;		/* the whole stream */
	uint32_t throttle;	/* the most taken from the guest, percent */
	int forced;		/* stopped over the target */
	double stop_predicted_ms; /* the last round's memory time, as the stop
				   * decision predicted it (-1: no live stop) */
	uint64_t z_pages;	/* pages with data sent in compressed batches */
	uint64_t z_raw;		/* their bytes as they are */
	uint64_t z_saved;	/* bytes compression kept off the link: those
				 * batches' records as PAGE_DATA less as they went */
	uint32_t codecs_used;	/* bits of the codecs that went */
	int peer_answered;	/* the receiver said what it reads */
	uint32_t peer_codecs;	/* what it reads (bits) */
	uint64_t start_ns;	/* CLOCK_MONOTONIC: the start */
	uint64_t stopped_ns;	/* the guest stopped (0: it was stopped already) */
	uint64_t end_ns;	/* the stream's end written */
	char why[200];		/* why it stopped (or gave up) */
};

/*
 * Writes DOMID's guest as a whole xl save file to O: xl's header with CONFIG
 * (CONFIG_LEN bytes with its NUL; 0: none), libxl's and libxc's headers,
 * G's static records (G NULL: the records of the domain's type,
 * mig_guest_of), STATIC_DATA_END, its memory, G's state records,
 * libxc's END, libxl's END; flushed. Live: round 0 with log-dirty on, the
 * policy's rounds, HOOKS' suspend, the last round (OPTS' final pfns with
 * it), log-dirty off. Not live: the guest must be paused or shut down; one
 * pass. Whatever happens, a cap it set is lifted and log-dirty is off at
 * the end; a guest it stopped stays stopped (the caller's to resume).
 * -ETIMEDOUT when the policy gave up (abort), ERR saying why; other errors
 * as mig_save's. STATS (may be NULL) filled either way.
 */
int mig_precopy(struct hv *hv, uint32_t domid, struct mig_out *o, const char *config,
		uint32_t config_len, const struct mig_guest_ops *g,
		const struct mig_precopy_opts *opts, const struct mig_precopy_hooks *hooks,
		struct mig_precopy_stats *stats, char *err, size_t errlen);
#endif
