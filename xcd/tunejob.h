/*
 * tunejob: work that reads much of the host (the I/O tuners' show, plan and
 * verify: ~120 ms for 2000 vifs, more on a slow /sys) run in a child
 * process, so that xcdd's loop never waits for it. The child computes its
 * answer (bytes: here a JSON-RPC response line), writes it to a pipe and
 * exits; the parent gathers it in its loop (bounded in size and time) and
 * reaps the child through its pidfd, or the tick without one.
 */
#ifndef XCD_TUNEJOB_H
#define XCD_TUNEJOB_H
#include "../lib/loop.h"
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The most a job may answer, and how long it may take. */
#define TUNEJOB_MAX_OUT (64u << 20)
#define TUNEJOB_TIMEOUT_MS 60000
/* Jobs at once: more are refused (try again), so that callers cannot make
 * xcdd fork without bound. */
#define TUNEJOB_MAX 4

struct tunejob;
struct tunejobs {
	struct loop *loop;
	struct tunejob *list;
	size_t n;
};

/* In the child: the answer in *OUT (malloc'd). 0, or a negative errno. */
typedef int tunejob_work_fn(void *arg, char **out, size_t *len);
/* In the parent, from the loop: OUT (LEN bytes, the caller's to free) when
 * the child answered and exited 0; else OUT NULL and ERR says what
 * happened (killed, timed out, too large, xcdd stopping). */
typedef void tunejob_done_fn(char *out, size_t len, const char *err, void *arg);

/* Starts WORK(WORK_ARG) in a child; DONE(DONE_ARG) is called once, unless
 * the job is cancelled. 0, -EAGAIN (TUNEJOB_MAX running), or a negative
 * errno; ERR says why nothing started. */
int tunejob_start(struct tunejobs *js, const char *what, tunejob_work_fn *work, void *work_arg,
		  tunejob_done_fn *done, void *done_arg, char *err, size_t errlen);
/* Reaps children whose end no pidfd announces: once a second. */
void tunejobs_tick(struct tunejobs *js);
/* Kills every job; each DONE is told "xcdd is stopping". */
void tunejobs_close(struct tunejobs *js);
#endif
