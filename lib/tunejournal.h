/*
 * tunejournal: what an I/O tuner's apply did to a host, kept so that its
 * revert restores the host exactly: for each change of the plan (a step),
 * the state before it, recorded before the change is made (undo records).
 * xcdd keeps one journal per area (STATEDIR/tune/net.json, storage.json),
 * written atomically by its owner; this file holds the format, its writer
 * and its parser. The parser takes the file as outside input (a journal
 * names files xcdd writes as root on revert): strict types, bounded counts
 * and sizes, and every path checked against the few a tuner may write
 * (tj_path_ok); fuzzed (fuzz/tunejournal).
 *
 * Undo records (kind, and what they hold):
 *   attr      PATH, DATA: a sysfs or procfs attribute's content before
 *             (module parameters, /proc/irq/N/smp_affinity_list); undone
 *             by writing DATA back
 *   file      PATH, EXISTED, MODE, DATA: a configuration file of xcd's own
 *             (modprobe.d, multipath conf.d); undone by writing it back
 *             (atomically) or removing it
 *   dir       PATH, EXISTED: a directory made for such a file; removed
 *             when empty
 *   affinity  PID, COMM, CPUS: a kernel thread's CPU list; undone only if
 *             the thread of that pid still has that name
 *   link      NAME, EXISTED, MASTER, MTU, UP: a network interface; undone
 *             by deleting it (EXISTED false) or putting back its master,
 *             MTU and up state
 *   bond      NAME, MODE, MIIMON, HASH: a bond's options
 *   multipathd  (nothing): multipathd reads its configuration again
 */
#ifndef XCD_TUNEJOURNAL_H
#define XCD_TUNEJOURNAL_H
#include "tuneplan.h"
#include <stdbool.h>
#include <stddef.h>

#define TJ_VERSION 1
/* Bounds of the parser: larger journals are refused. */
#define TJ_MAX_SIZE (16u << 20) /* xcd/journal.c's JOURNAL_MAX_RECORD */
#define TJ_MAX_STEPS 100000
#define TJ_MAX_RECS 64     /* per step */
#define TJ_MAX_DATA (1u << 20) /* bytes of a file's content */
#define TJ_PATH_MAX 128
#define TJ_IFNAMSIZ 16
/* A thread's name as /proc/PID/comm shows it: cut at 15 characters
 * (TASK_COMM_LEN), but a kernel thread's whole, up to 63, since Linux 5.17. */
#define TJ_COMM_MAX 64
#define TJ_CPUS_MAX 1024

enum tj_kind { TJ_ATTR, TJ_FILE, TJ_DIR, TJ_AFFINITY, TJ_LINK, TJ_BOND, TJ_MULTIPATHD };

struct tj_rec {
	enum tj_kind kind;
	char path[TJ_PATH_MAX];	 /* attr, file, dir: relative to the sysroot */
	bool existed;		 /* file, dir, link */
	unsigned mode;		 /* file: its permission bits */
	unsigned char *data;	 /* attr, file (malloc'd; NULL when LEN is 0) */
	size_t len;
	int pid;		 /* affinity */
	char comm[TJ_COMM_MAX];	 /* affinity */
	char cpus[TJ_CPUS_MAX];	 /* affinity: a CPU list */
	char name[TJ_IFNAMSIZ];	 /* link, bond */
	char master[TJ_IFNAMSIZ]; /* link: "" none */
	long mtu;		 /* link */
	bool up;		 /* link */
	int bond_mode, miimon, hash; /* bond: the kernel's numbers */
};

struct tj_step {
	unsigned gen;	/* the apply that made it (1, 2, ...) */
	bool done;	/* its change was made whole */
	char note[256]; /* what is deferred: "takes effect at the next load" */
	struct tj_rec *recs;
	size_t n_recs, cap;
};

enum tj_state { TJ_APPLYING, TJ_APPLIED, TJ_REVERTING };

struct tj {
	char area[16];	/* "net" or "storage" */
	char sysroot[4096];
	unsigned gen;	/* the last apply's number */
	enum tj_state state;
	unsigned revert_from; /* reverting: the first apply being undone */
	long long started;    /* the last apply's start, seconds since the epoch */
	long long confirm_by; /* 0: no confirmation asked; else the deadline */
	bool confirmed;
	/* steps[i] carries items.items[i], the change it made. */
	struct tj_step *steps;
	size_t steps_cap;
	struct tune_plan items;
};

void tj_init(struct tj *j, const char *area, const char *sysroot);
void tj_free(struct tj *j);
/* Appends a step for IT (copied) made by apply GEN; NULL on -ENOMEM. */
struct tj_step *tj_add_step(struct tj *j, unsigned gen, const struct tune_item *it);
/* Drops the steps from index N on. */
void tj_truncate(struct tj *j, size_t n);
/* Appends a record to S (its data copied); NULL on -ENOMEM. */
struct tj_rec *tj_add_rec(struct tj_step *s, const struct tj_rec *r);
size_t tj_count(const struct tj *j);

/* Whether the last apply waits for a confirmation that has not come. */
bool tj_unconfirmed(const struct tj *j);
/* What a (re)started xcdd must undo: the last apply when it was under way
 * or is not confirmed, the rest of a revert that was under way. The first
 * apply (gen) to undo, or 0: nothing. */
unsigned tj_settle_from(const struct tj *j);

/* Whether record kind KIND may name PATH: only the files a tuner writes
 * (module parameters of xen_netback and xen_blkback, an IRQ's
 * smp_affinity_list, xcd's own modprobe.d and multipath files and their
 * directories). */
bool tj_path_ok(enum tj_kind kind, const char *path);
const char *tj_kind_name(enum tj_kind k);
const char *tj_state_name(enum tj_state s);

/* The journal as JSON text (malloc'd). 0 or -ENOMEM. */
int tj_to_json(const struct tj *j, char **out, size_t *len);
/*
 * Parses TEXT (LEN bytes) into *J (initialised here; tj_free it even on
 * failure). 0, or -EINVAL with "what: where" in ERR (-ENOMEM, -E2BIG).
 */
int tj_parse(const char *text, size_t len, struct tj *j, char *err, size_t errlen);
#endif
