/*
 * tuneapply: how an I/O tuner's plan is carried out on a host and undone.
 * A tuner turns each change of its plan into a few low-level operations
 * (write a module parameter, write a configuration file of xcd's own, set
 * a kernel thread's CPUs, or one of its own kinds, e.g. a bond over
 * netlink); this engine then
 *
 *   1. records what undoing every operation needs (the state before it) in
 *      the journal (lib/tunejournal.h) and has it saved (atomically, by the
 *      caller's SAVE), before anything changes;
 *   2. makes the changes in order; when one fails, undoes it and every one
 *      before it, in reverse order, and drops them from the journal;
 *   3. on revert, undoes the journal's steps in reverse order.
 *
 * Undoing restores a recorded state, whatever state the host is in, so it
 * can be done again after a crash. Paths are relative to the sysroot and
 * checked with tj_path_ok both ways. On a fixture tree (SYSROOT/proc is not
 * procfs) a thread's CPUs are the Cpus_allowed_list line of its status file.
 * A thread is set or put back only while it is still the one the plan
 * named: the same name, and a kernel thread (PPid 2 in its status,
 * lib/procstat.h), since pids are reused and any process may take a
 * kernel thread's name; otherwise the apply is refused (-EPERM: a process;
 * -ESRCH: renamed) and the undo leaves it alone.
 */
#ifndef XCD_TUNEAPPLY_H
#define XCD_TUNEAPPLY_H
#include "cpuset.h"
#include "tunejournal.h"
#include <stdbool.h>
#include <stddef.h>

enum ta_op_kind { TA_OP_ATTR, TA_OP_FILE, TA_OP_AFFINITY, TA_OP_EXT };

struct ta_op {
	enum ta_op_kind kind;
	char path[TJ_PATH_MAX];	 /* ATTR, FILE */
	char *value;		 /* ATTR, FILE: what is written (malloc'd) */
	size_t vlen;
	unsigned mode;		 /* FILE */
	int pid;		 /* AFFINITY */
	char comm[TJ_COMM_MAX];	 /* AFFINITY: the thread's name when the plan was made */
	struct cpuset cpus;	 /* AFFINITY */
	int ext_kind;		 /* EXT: the tuner's */
	char name[TJ_IFNAMSIZ];	 /* EXT: e.g. an interface */
	char arg[64];		 /* EXT */
};

/* One change of the plan: ITEM, and the operations that make it. */
struct ta_change {
	const struct tune_item *item;
	struct ta_op *ops;
	size_t n_ops, cap;
	/* What takes effect only later (the journal's step note): "at the
	 * module's next load", "when multipathd reads its configuration". */
	char note[256];
};

struct ta_ctx;
/* A tuner's own operations (TA_OP_EXT) and records (link, bond, multipathd). */
struct ta_ext {
	int (*snapshot)(struct ta_ctx *c, const struct ta_op *op, struct tj_step *s, char *err,
			size_t errlen);
	int (*act)(struct ta_ctx *c, const struct ta_op *op, char *err, size_t errlen);
	int (*undo)(struct ta_ctx *c, const struct tj_rec *r, char *err, size_t errlen);
	void *arg;
};

/* Persists J (NULL: no journal is left: remove it). 0 or -errno with ERR. */
typedef int ta_save_fn(const struct tj *j, void *arg, char *err, size_t errlen);

struct ta_ctx {
	int root_fd;
	const char *sysroot;
	bool proc_live; /* SYSROOT/proc is procfs: threads get sched_setaffinity */
	struct tj *j;
	ta_save_fn *save;
	void *save_arg;
	const struct ta_ext *ext; /* NULL: none */
	/* Tests: the step (from 1, counted over this apply) whose change
	 * fails as if the host had refused it; 0: none. */
	unsigned fail_at;
	/* What revert could not undo, one line each (malloc'd text). */
	char *problems;
	size_t problems_len;
};

/* Opens SYSROOT for C (J, SAVE given later). 0 or -errno with ERR. */
int ta_open(struct ta_ctx *c, const char *sysroot, char *err, size_t errlen);
void ta_close(struct ta_ctx *c);

/* Building changes. */
void ta_change_init(struct ta_change *ch, const struct tune_item *it);
void ta_change_free(struct ta_change *ch);
/* ta_change_free on each of N, then the array. */
void ta_changes_free(struct ta_change *ch, size_t n);
/* A tuner's making of one change CH for item IT (the K changes before it in
 * DONE): 0, or -errno with ERR. */
typedef int ta_build_fn(void *arg, struct ta_change *done, size_t k, const struct tune_item *it,
			struct ta_change *ch, char *err, size_t errlen);
/* The changes of PLAN's change items, each made by FN(ARG, ...), in *OUT (N
 * of them; ta_changes_free). 0, or -errno with ERR ("out of memory" for
 * -ENOMEM); nothing is changed on the host either way. */
int ta_changes_build(const struct tune_plan *plan, ta_build_fn *fn, void *arg,
		     struct ta_change **out, size_t *n, char *err, size_t errlen);
/* Appends an operation (VALUE copied); NULL on -ENOMEM. */
struct ta_op *ta_change_op(struct ta_change *ch, enum ta_op_kind kind, const char *path,
			   const char *value, size_t vlen);

/*
 * Applies CHANGES (N of them) as apply number j->gen + 1; CONFIRM_BY (0:
 * none) is the deadline a confirmation must meet. 0; or -errno with ERR
 * naming the step that failed and saying what was rolled back.
 */
int ta_apply(struct ta_ctx *c, struct ta_change *changes, size_t n, long long confirm_by,
	     char *err, size_t errlen);
/*
 * Undoes the journal's steps of apply FROM_GEN and later (1: all), last
 * first, and drops them. 0; or -EIO when something could not be undone
 * (c->problems says what; the journal stays, state reverting, so that
 * revert can be asked again).
 */
int ta_revert(struct ta_ctx *c, unsigned from_gen, char *err, size_t errlen);

/* Helpers for tuners. */
/*
 * Adds to CH the write of modprobe.d file PATH (one of xcd's own) with
 * "options MODULE PARAM=VALUE" set among the options already there: in an
 * earlier change of PREV (N_PREV of them, this apply), else in the file.
 * Other lines are kept. 0 or -errno with ERR.
 */
int ta_modprobe_op(struct ta_ctx *c, const struct ta_change *prev, size_t n_prev,
		   struct ta_change *ch, const char *path, const char *module, const char *param,
		   const char *value, char *err, size_t errlen);
/* ROOT/PATH's whole content (at most MAX bytes) in *OUT (malloc'd, NUL
 * terminated). 0 or -errno (-ENOENT: absent). */
int ta_read(struct ta_ctx *c, const char *path, size_t max, char **out, size_t *len);
/* The name of thread PID as SYSROOT/proc/PID/comm says it. */
int ta_thread_comm(struct ta_ctx *c, int pid, char *buf, size_t len);
/* Its parent's pid as SYSROOT/proc/PID/status says it (2: a kernel
 * thread, lib/procstat.h). 0 or -errno (-EINVAL: no PPid line). */
int ta_thread_ppid(struct ta_ctx *c, int pid, int *ppid);
#endif
