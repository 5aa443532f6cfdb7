/* pvwatch: the progress of a restore libxenguest makes from a file, which
 * it does not report itself: how far into the file it has read, polled. */
#ifndef XCD_MIGRATE_PVWATCH_H
#define XCD_MIGRATE_PVWATCH_H
#include "migrate.h"
#include <pthread.h>
#include <sys/types.h>

struct pv_watch {
	int fd;
	off_t from;	/* where libxenguest starts reading */
	uint64_t base;	/* pages counted before the hand-over */
	uint64_t total; /* the guest's pages */
	const struct mig_progress *prog;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stop, running;
};

/* Tells PROG every PV_WATCH_MS, from another thread, BASE + the pages read
 * from FD since FROM (a page per 4 KiB of stream, below TOTAL until the
 * restore is over), until pv_watch_stop. Nothing when PROG has no fn or
 * the thread cannot start (the restore goes on unwatched). */
#define PV_WATCH_MS 200
void pv_watch_start(struct pv_watch *w, int fd, off_t from, uint64_t base, uint64_t total,
		    const struct mig_progress *prog);
/* Stops the thread and waits for it: PROG is told nothing after this. */
void pv_watch_stop(struct pv_watch *w);
/* What the thread tells: pages from READ bytes, kept below TOTAL. */
uint64_t pv_watch_pages(uint64_t base, uint64_t read, uint64_t total);
#endif
