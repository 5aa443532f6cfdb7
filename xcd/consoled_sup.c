/* consoled_sup: xcd-consoled's supervision by xcdd (consoled_sup.h). */
#include "consoled_sup.h"
#include "../lib/log.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

/* A consoled that ran this long died of something other than its start: the
 * next starts at once. */
#define STABLE_MS 10000
/* The first delay after one that died young, and the most it grows to. */
#define FIRST_DELAY_MS 1000
#define MAX_DELAY_MS 60000
/* How long a started consoled may take to lock its pid file (the first
 * thing it does) before it is taken for dead. Misjudged under heavy load, the
 * cost is a second one that finds the lock held and exits. */
#define START_GRACE_MS 2000

long consoled_running(const char *rundir)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/consoled.pid", rundir);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	/* xcd-consoled holds a write lock on it for as long as it lives (its
	 * pid is written only once it serves). */
	struct flock q = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	long pid = fcntl(fd, F_GETLK, &q) == 0 && q.l_type != F_UNLCK ? (long)q.l_pid : 0;
	close(fd);
	return pid;
}

unsigned consoled_scrub(struct xs_handle *xs)
{
	unsigned n = 0, removed = 0;
	char **ents = xs_directory(xs, XBT_NULL, "/local/domain", &n);
	for (unsigned i = 0; ents && i < n; i++) {
		char *end, path[96];
		errno = 0;
		unsigned long d = strtoul(ents[i], &end, 10);
		if (ents[i][0] < '1' || ents[i][0] > '9' || *end || errno || d > UINT16_MAX)
			continue;
		snprintf(path, sizeof(path), "/local/domain/%lu/console/tty", d);
		unsigned len;
		char *v = xs_read(xs, XBT_NULL, path, &len);
		if (!v)
			continue;
		free(v);
		if (xs_rm(xs, XBT_NULL, path))
			removed++;
		else if (errno != ENOENT)
			log_warn("xenstore: cannot remove %s: %s", path, strerror(errno));
	}
	free(ents);
	return removed;
}

/* It is gone (it ran RAN ms): when the next may start. */
static void gone(struct consoled_sup *s, const char *what, uint64_t ran, uint64_t now)
{
	if (ran >= STABLE_MS || s->expect_exit)
		s->delay_ms = 0;
	else
		s->delay_ms = !s->delay_ms ? FIRST_DELAY_MS
			      : s->delay_ms * 2 > MAX_DELAY_MS ? MAX_DELAY_MS : s->delay_ms * 2;
	s->next_ms = now + s->delay_ms;
	s->expect_exit = false;
	if (s->delay_ms)
		log_warn("%s: its guests' consoles are not served; starting a new one in %u s "
			 "(see consoled.log)", what, s->delay_ms / 1000);
	else
		log_warn("%s: its guests' consoles are not served; starting a new one now "
			 "(see consoled.log)", what);
}

/* The pid a consoled wrote to RUNDIR/consoled.pid (once it served), whether
 * or not it still runs; 0 when none. */
static long pid_in_file(const char *rundir)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/consoled.pid", rundir);
	FILE *f = fopen(path, "re");
	long pid = 0;
	if (f) {
		if (fscanf(f, "%ld", &pid) != 1 || pid < 0)
			pid = 0;
		fclose(f);
	}
	return pid;
}

bool consoled_sup_due(struct consoled_sup *s, const char *rundir, uint64_t now)
{
	if (!s->watching) {
		s->watching = true;
		s->started_ms = now;
	}
	long pid = consoled_running(rundir);
	if (pid > 0) {
		if (pid != s->pid) {
			s->pid = pid;
			s->seen_ms = now;
		}
		s->started_ms = 0;
		return false;
	}
	char what[160];
	long stale = s->pid ? 0 : pid_in_file(rundir);
	if (s->pid) {
		snprintf(what, sizeof(what), "xcd-consoled (pid %ld) is gone after %llu s", s->pid,
			 (unsigned long long)(now - s->seen_ms) / 1000);
		gone(s, what, now - s->seen_ms, now);
		s->gone_pid = s->pid;
		s->pid = 0;
		s->started_ms = 0;
	} else if (stale > 0 && stale != s->gone_pid) {
		/* It served and died between two looks. */
		snprintf(what, sizeof(what), "xcd-consoled (pid %ld) is gone, its pid file left",
			 stale);
		gone(s, what, 0, now);
		s->gone_pid = stale;
		s->started_ms = 0;
	} else if (s->started_ms && now - s->started_ms >= START_GRACE_MS) {
		snprintf(what, sizeof(what), "the xcd-consoled started %u s ago is not running",
			 START_GRACE_MS / 1000);
		gone(s, what, 0, now);
		s->started_ms = 0;
	}
	return !s->started_ms && now >= s->next_ms;
}

void consoled_sup_started(struct consoled_sup *s, uint64_t now)
{
	s->started_ms = now;
}

void consoled_sup_expect_exit(struct consoled_sup *s)
{
	s->expect_exit = true;
}
