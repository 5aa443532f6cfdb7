/*
 * consoled_sup: xcdd's watch over the simulated host's xcd-consoled, which
 * xcdd starts detached (it outlives xcdd, as xcd-sim and xcd-xenstored do).
 * Once a second xcdd asks whether one runs; when it is gone, the console/tty
 * nodes it wrote are removed (a pty number it held may since name another
 * session's terminal) and a new one is started after a delay that doubles
 * while the new ones keep dying young, so that a crash loop does not spin.
 */
#ifndef XCD_CONSOLED_SUP_H
#define XCD_CONSOLED_SUP_H
#include <stdbool.h>
#include <stdint.h>

struct xs_handle;

struct consoled_sup {
	bool watching;		/* looked once: a start at xcdd's start-up is
				 * given its grace from there */
	long pid;		/* the xcd-consoled seen running, 0: none */
	long gone_pid;		/* the last one said to be gone */
	uint64_t seen_ms;	/* since when it was seen running */
	uint64_t started_ms;	/* a start not yet seen running (0: none) */
	uint64_t next_ms;	/* no start before this */
	unsigned delay_ms;	/* the delay after the last short-lived one */
	bool expect_exit;	/* its xenstored went: its end is no crash */
};

/* The pid of the xcd-consoled that holds RUNDIR/consoled.pid locked (it
 * runs, or is starting), else 0: a stale pid in the file is not taken. */
long consoled_running(const char *rundir);
/* Removes every domain's console/tty (what a consoled that is gone wrote):
 * the number removed. */
unsigned consoled_scrub(struct xs_handle *xs);
/* Called once a second with NOW (ms, monotonic): true when a new
 * xcd-consoled is to be started now (the caller then calls
 * consoled_sup_started). Says in the log when one died and when the next
 * starts. */
bool consoled_sup_due(struct consoled_sup *s, const char *rundir, uint64_t now);
void consoled_sup_started(struct consoled_sup *s, uint64_t now);
/* xcd-consoled stops when its xenstored goes (maybe only after xcdd's came
 * back): that end is started again at once, whatever its age. */
void consoled_sup_expect_exit(struct consoled_sup *s);
#endif
