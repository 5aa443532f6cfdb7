/*
 * childjob: work in a child process, watched from an event loop, so that a
 * daemon's loop never waits for it. The one place where xcd's programs fork
 * work they wait for (device phases, saves, restores, the I/O tuners' reads;
 * migrations next).
 *
 * A job runs a function (after fork) or a program (exec). What it writes to
 * its pipe comes back to the parent, whole or line by line, bounded in size.
 * It may have a time limit; it may be cancelled. Stopping a child is SIGTERM,
 * then SIGKILL after a grace (work with scripts of its own may catch SIGTERM
 * to take them along). Its end is one call of DONE from the loop, once its
 * pipe is closed and the child reaped: each child is reaped exactly once,
 * when its pidfd says it exited, or by childjobs_tick on kernels without
 * pidfd_open.
 *
 * In the child: only the forking thread exists; signals are unblocked,
 * SIGTERM, SIGINT and SIGHUP at their defaults, and SIGTERM comes when the
 * parent dies. A function finds the pipe on descriptor 3 (close-on-exec:
 * programs it runs do not hold it); a program has it as its standard
 * output, with SIGPIPE at its default. Every other descriptor above 2 is
 * closed: nothing of the daemon's (a lock, a client's connection) stays
 * open in a job.
 */
#ifndef XCD_CHILDJOB_H
#define XCD_CHILDJOB_H
#include "loop.h"
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The pipe's descriptor in a function's child. */
#define CHILDJOB_FD 3
/* Between SIGTERM and SIGKILL, unless the job says otherwise. */
#define CHILDJOB_GRACE_MS 2000

struct childjob;
/* The jobs of one user (a daemon's device jobs, its tuner reads). */
struct childjobs {
	struct loop *loop; /* NULL: no loop runs; childjob_start refuses */
	unsigned max;	   /* jobs at once, 0: no bound; more are refused (-EAGAIN) */
	bool no_pidfd;	   /* reap from childjobs_tick only, as without pidfd_open */
	struct childjob *list;
	unsigned n; /* started and not yet reaped */
};

/* How a job ended. */
enum childjob_how {
	CHILDJOB_EXITED,    /* it exited (STATUS says with what) */
	CHILDJOB_KILLED,    /* a signal it was not sent by this layer killed it */
	CHILDJOB_TIMED_OUT, /* its time limit passed: stopped */
	CHILDJOB_TOO_MUCH,  /* it wrote more than its bound: stopped */
	CHILDJOB_CANCELLED, /* childjob_cancel */
	CHILDJOB_CLOSED,    /* childjobs_close: its user stops */
};

struct childjob_end {
	enum childjob_how how;
	pid_t pid;
	int status; /* waitpid's status; -1: not reaped (CLOSED and stuck) */
	/* NULL when it exited with status 0; else what happened, in words,
	 * naming the job: "WHAT (pid N) was killed by signal 9". */
	const char *err;
	/* Without a line callback: all it wrote (NUL-terminated; NULL when
	 * nothing, or when stopped for TOO_MUCH). DONE may keep it by setting
	 * OUT to NULL; else it is freed after DONE. */
	char *out;
	size_t len;
};

/* In the child: the work, writing to FD. Returns the exit status (0-255). */
typedef int childjob_fn(int fd, void *arg);
/* In the parent: one line the child wrote, without its newline (also a last
 * line without one), NUL-terminated. It may cancel its own job. */
typedef void childjob_line_fn(char *line, size_t len, void *arg);
/* In the parent, from the loop: the job's end. Called once for every job
 * started, cancelled ones included (HOW says so); the job is gone by then. */
typedef void childjob_done_fn(struct childjob_end *end, void *arg);

struct childjob_spec {
	const char *what; /* names the job in messages: "tune.show net" */
	const char *comm; /* the child's process name (NULL: the parent's) */
	/* FN(FN_ARG) in the child, or else the program ARGV (ARGV[0] looked up
	 * in PATH). */
	childjob_fn *fn;
	void *fn_arg;
	const char *const *argv;
	/* LINE (NULL: the output gathered whole for DONE), and the bound: of
	 * one line, or of the whole output. 0: 64 KiB. */
	childjob_line_fn *line;
	size_t max_out;
	unsigned timeout_ms; /* 0: none */
	unsigned grace_ms;   /* SIGTERM to SIGKILL; 0: CHILDJOB_GRACE_MS */
	childjob_done_fn *done;
	void *arg; /* LINE's and DONE's */
	/* Descriptors a function's child keeps, as CHILDJOB_FD + 1, + 2, ... in
	 * this order (at most CHILDJOB_MAX_KEEP: a migration's pipe); every
	 * other one above 2 is closed there as always. The parent's stay open. */
	const int *keep_fds;
	unsigned n_keep;
};
#define CHILDJOB_MAX_KEEP 8

/*
 * Starts the job S describes; *OUT (may be NULL) is its handle until DONE.
 * 0; -EAGAIN when JS->max jobs run; -EINVAL without a loop or work; or a
 * negative errno of pipe or fork. On failure ERR says why and nothing runs
 * (DONE will not be called).
 */
int childjob_start(struct childjobs *js, const struct childjob_spec *s, struct childjob **out,
		   char *err, size_t errlen);
/* Stops J (SIGTERM, SIGKILL after its grace) and ignores what it writes
 * from now; DONE comes with CHILDJOB_CANCELLED once it is reaped. Never
 * calls DONE before it returns. */
void childjob_cancel(struct childjob *j);
pid_t childjob_pid(const struct childjob *j);
/* Reaps the jobs whose end no pidfd announces: call it about once a second. */
void childjobs_tick(struct childjobs *js);
/*
 * The user stops: every child is sent SIGTERM, waited for (at most its
 * grace, then SIGKILL and at most another second), and every job's DONE
 * told CHILDJOB_CLOSED with WHY (CANCELLED for those cancelled).
 */
void childjobs_close(struct childjobs *js, const char *why);
#endif
