/* pvwatch: the progress of a Xen PV guest's restore, which libxenguest
 * reads from a file without reporting how far it is (its save reports,
 * its restore does not): a thread reads the file's offset (the same open
 * file, so libxenguest's reads move it) every PV_WATCH_MS and tells it as
 * pages, the unit of every other restore's progress. */
#include "pvwatch.h"
#include <errno.h>
#include <time.h>
#include <unistd.h>

uint64_t pv_watch_pages(uint64_t base, uint64_t read, uint64_t total)
{
	uint64_t pages = base + read / 4096;
	/* The stream's headers and records count too: never "done" before
	 * libxenguest says so. */
	return total && pages >= total ? total - 1 : pages;
}

static void *watch(void *arg)
{
	struct pv_watch *w = arg;
	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += PV_WATCH_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		int rc = 0;
		while (!w->stop && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&w->wake, &w->lock, &until);
		if (w->stop)
			break;
		off_t at = lseek(w->fd, 0, SEEK_CUR);
		if (at >= w->from)
			w->prog->fn(w->prog->arg,
				    pv_watch_pages(w->base, (uint64_t)(at - w->from), w->total),
				    w->total);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

void pv_watch_start(struct pv_watch *w, int fd, off_t from, uint64_t base, uint64_t total,
		    const struct mig_progress *prog)
{
	*w = (struct pv_watch){ .fd = fd, .from = from, .base = base, .total = total,
				.prog = prog };
	if (!prog || !prog->fn)
		return;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, &ca);
	pthread_condattr_destroy(&ca);
	w->running = pthread_create(&w->thread, NULL, watch, w) == 0;
	if (!w->running) {
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
	}
}

void pv_watch_stop(struct pv_watch *w)
{
	if (!w->running)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	w->running = 0;
}
