/* relwatch: xenstore's @releaseDomain watched for a job's blocking waits
 * (relwatch.h). */
#include "relwatch.h"
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <xenstore.h>

struct relwatch {
	struct xs_handle *xs;
	int fd;
};

struct relwatch *relwatch_open(void)
{
	struct relwatch *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	if (!(w->xs = xs_open(0)) || !xs_watch(w->xs, "@releaseDomain", "relwatch") ||
	    (w->fd = xs_fileno(w->xs)) < 0) {
		int err = errno;
		relwatch_close(w);
		errno = err;
		return NULL;
	}
	return w;
}

void relwatch_wait(void *arg, int ms)
{
	struct relwatch *w = arg;
	struct pollfd p = { w->fd, POLLIN, 0 };
	bool fired = false;
	if (poll(&p, 1, ms) <= 0)
		return;
	char **vec;
	while ((vec = xs_check_watch(w->xs))) {
		free(vec);
		fired = true;
	}
	/* Readable with no event: the connection is broken, and would wake
	 * every poll at once. The rest of this wait is slept instead. */
	if (!fired) {
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
}

void relwatch_close(struct relwatch *w)
{
	if (!w)
		return;
	if (w->xs)
		xs_close(w->xs);
	free(w);
}
