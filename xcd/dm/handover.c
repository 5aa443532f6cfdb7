/* handover: a pipe message awaited from the loop (handover.h). */
#include "handover.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct dm_wait {
	struct loop *l;
	int fd;
	struct mig_pipe_expect x;
	struct loop_timer *timer;
	/* FD is a regular file (a saved stream fed to migrate-receive): epoll
	 * takes none, and a read never waits, so a timer reads it. */
	struct loop_timer *file_timer;
	dm_wait_fn *fn;
	void *arg;
};

void dm_wait_stop(struct dm_wait *w)
{
	if (!w)
		return;
	if (w->file_timer)
		loop_timer_free(w->file_timer);
	else
		loop_del(w->l, w->fd);
	loop_timer_free(w->timer);
	free(w);
}

void dm_wait_allow_reads(struct dm_wait *w)
{
	w->x.reads_ok = 1;
}

/* Ends W, then tells its caller (who may start another wait at once). */
static void finish(struct dm_wait *w, int rc, const char *err)
{
	dm_wait_fn *fn = w->fn;
	void *arg = w->arg;
	uint8_t status = w->x.status < 0 ? 0 : (uint8_t)w->x.status;
	dm_wait_stop(w);
	fn(rc, status, err, arg);
}

static void readable(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct dm_wait *w = arg;
	size_t len;
	mig_pipe_bytes(w->x.msg, &len);
	/* No byte past the message: what follows is not ours to read. */
	size_t want = len - w->x.got + (w->x.msg == MIG_PIPE_REPORT);
	uint8_t buf[64];
	char err[256];
	(void)l;
	(void)events;
	ssize_t n = read(fd, buf, want < sizeof(buf) ? want : sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		int e = n < 0 ? errno : 0;
		snprintf(err, sizeof(err), "waiting for the %s: %s", mig_pipe_name(w->x.msg),
			 e ? strerror(e) : "the other side closed the migration stream");
		finish(w, e ? -e : -ECONNRESET, err);
		return;
	}
	size_t used;
	int rc = mig_pipe_feed(&w->x, buf, (size_t)n, &used, err, sizeof(err));
	if (rc != 0)
		finish(w, rc < 0 ? rc : 0, rc < 0 ? err : "");
	else if (w->file_timer)
		loop_timer_arm(w->file_timer, 0, 0);
}

static void file_ready(struct loop *l, struct loop_timer *t, void *arg)
{
	struct dm_wait *w = arg;
	(void)t;
	readable(l, w->fd, EPOLLIN, w);
}

static void expired(struct loop *l, struct loop_timer *t, void *arg)
{
	struct dm_wait *w = arg;
	char err[128];
	(void)l;
	(void)t;
	snprintf(err, sizeof(err), "no %s from the other side of the migration in time",
		 mig_pipe_name(w->x.msg));
	finish(w, -ETIMEDOUT, err);
}

int dm_wait_start(struct loop *l, int fd, enum mig_pipe_msg m, uint64_t timeout_ms,
		  dm_wait_fn *fn, void *arg, struct dm_wait **out)
{
	struct dm_wait *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct dm_wait){ .l = l, .fd = fd, .fn = fn, .arg = arg };
	mig_pipe_expect_init(&w->x, m);
	if (!(w->timer = loop_timer_new(l, expired, w))) {
		free(w);
		return -ENOMEM;
	}
	int rc = loop_add(l, fd, EPOLLIN, readable, w);
	if (rc == -EPERM && (w->file_timer = loop_timer_new(l, file_ready, w))) {
		loop_timer_arm(w->file_timer, 0, 0);
		rc = 0;
	}
	if (rc < 0) {
		loop_timer_free(w->timer);
		free(w);
		return rc;
	}
	loop_timer_arm(w->timer, timeout_ms, 0);
	*out = w;
	return 0;
}
