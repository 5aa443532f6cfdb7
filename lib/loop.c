/* loop: the epoll loop with batched events and timers (see loop.h). */
#include "loop.h"
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

struct handler {
	int fd;
	loop_fd_cb *cb; /* NULL: deleted, waiting for the batch to end */
	void *arg;
	struct handler *next;
};

struct loop_timer {
	struct loop *l;
	loop_timer_cb *cb;
	void *arg;
	uint64_t due, period;
	uint64_t seq; /* arming order, for timers due at the same instant */
	bool armed, freed;
	struct loop_timer *next; /* in l->timers, by (due, seq) when armed */
};

struct loop {
	int epfd;
	int stop;
	struct handler *handlers; /* few fds per process: a list is enough */
	struct handler *dead;	  /* deleted during a batch, freed after it */
	struct loop_timer *timers; /* armed first (by due time), then disarmed */
	struct loop_timer *dead_timers;
	uint64_t timer_seq;
	bool in_batch;
	void (*idle)(void *);
	void *idle_arg;
	int timeout_ms;
	void (*timeout_cb)(void *);
	void *timeout_arg;
};

uint64_t loop_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int loop_new(struct loop **out)
{
	struct loop *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int e = errno;
		free(l);
		return -e;
	}
	l->timeout_ms = -1;
	*out = l;
	return 0;
}

static void free_handlers(struct handler *h)
{
	while (h) {
		struct handler *next = h->next;
		free(h);
		h = next;
	}
}

static void free_timers(struct loop_timer *t)
{
	while (t) {
		struct loop_timer *next = t->next;
		free(t);
		t = next;
	}
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	free_handlers(l->handlers);
	free_handlers(l->dead);
	free_timers(l->timers);
	free_timers(l->dead_timers);
	close(l->epfd);
	free(l);
}

static struct handler *find(struct loop *l, int fd)
{
	for (struct handler *h = l->handlers; h; h = h->next)
		if (h->fd == fd)
			return h;
	return NULL;
}

int loop_add(struct loop *l, int fd, uint32_t events, loop_fd_cb *cb, void *arg)
{
	if (find(l, fd))
		return -EEXIST;
	struct handler *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->fd = fd;
	h->cb = cb;
	h->arg = arg;
	struct epoll_event ev = { .events = events, .data.ptr = h };
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = errno;
		free(h);
		return -e;
	}
	h->next = l->handlers;
	l->handlers = h;
	return 0;
}

int loop_mod(struct loop *l, int fd, uint32_t events)
{
	struct handler *h = find(l, fd);
	if (!h)
		return -ENOENT;
	struct epoll_event ev = { .events = events, .data.ptr = h };
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

int loop_del(struct loop *l, int fd)
{
	for (struct handler **p = &l->handlers; *p; p = &(*p)->next) {
		if ((*p)->fd == fd) {
			struct handler *h = *p;
			*p = h->next;
			epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
			/* Its event may still wait in the current batch, which
			 * holds a pointer to it: keep it until the batch ends. */
			h->cb = NULL;
			if (l->in_batch) {
				h->next = l->dead;
				l->dead = h;
			} else {
				free(h);
			}
			return 0;
		}
	}
	return -ENOENT;
}

void loop_stop(struct loop *l) { l->stop = 1; }

void loop_set_idle(struct loop *l, void (*cb)(void *), void *arg)
{
	l->idle = cb;
	l->idle_arg = arg;
}

void loop_set_timeout(struct loop *l, int ms, void (*cb)(void *), void *arg)
{
	l->timeout_ms = ms;
	l->timeout_cb = cb;
	l->timeout_arg = arg;
}

/* ---- timers ---- */

static void timer_unlink(struct loop_timer *t)
{
	for (struct loop_timer **p = &t->l->timers; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			t->next = NULL;
			return;
		}
}

static bool before(const struct loop_timer *a, const struct loop_timer *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

/* Armed timers first, by (due, seq); disarmed ones after them. */
static void timer_insert(struct loop_timer *t)
{
	struct loop_timer **p = &t->l->timers;
	while (*p && (*p)->armed && (!t->armed || before(*p, t)))
		p = &(*p)->next;
	t->next = *p;
	*p = t;
}

struct loop_timer *loop_timer_new(struct loop *l, loop_timer_cb *cb, void *arg)
{
	struct loop_timer *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->l = l;
	t->cb = cb;
	t->arg = arg;
	timer_insert(t);
	return t;
}

void loop_timer_arm(struct loop_timer *t, uint64_t ms, uint64_t period_ms)
{
	timer_unlink(t);
	t->due = loop_now_ms() + ms;
	t->period = period_ms;
	t->seq = ++t->l->timer_seq;
	t->armed = true;
	timer_insert(t);
}

void loop_timer_disarm(struct loop_timer *t)
{
	timer_unlink(t);
	t->armed = false;
	timer_insert(t);
}

int loop_timer_armed(const struct loop_timer *t) { return t->armed; }

void loop_timer_free(struct loop_timer *t)
{
	if (!t)
		return;
	timer_unlink(t);
	t->armed = false;
	t->freed = true;
	/* It may be the timer whose callback runs now: free after the run. */
	t->next = t->l->dead_timers;
	t->l->dead_timers = t;
}

/* Fires every timer due by NOW, each at most once per call (a periodic timer
 * with a tiny period cannot starve the loop). */
static void timers_fire(struct loop *l, uint64_t now)
{
	uint64_t last = l->timer_seq;
	while (l->timers && l->timers->armed && l->timers->due <= now && !l->stop) {
		struct loop_timer *t = l->timers;
		if (t->seq > last)
			break; /* armed by a callback of this round: next round */
		timer_unlink(t);
		if (t->period) {
			t->due = (t->due + t->period > now ? t->due : now) + t->period;
			t->seq = ++l->timer_seq;
		} else {
			t->armed = false;
		}
		timer_insert(t);
		t->cb(l, t, t->arg);
	}
}

/* How long the wait may sleep: until the first timer, or the idle timeout. */
static int wait_ms(struct loop *l, uint64_t now)
{
	if (!l->timers || !l->timers->armed)
		return l->timeout_ms;
	uint64_t d = l->timers->due > now ? l->timers->due - now : 0;
	if (d > 1000000)
		d = 1000000;
	return l->timeout_ms >= 0 && (uint64_t)l->timeout_ms < d ? l->timeout_ms : (int)d;
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[BATCH];
	while (!l->stop) {
		if (l->idle)
			l->idle(l->idle_arg);
		if (l->stop)
			break;
		int w = wait_ms(l, loop_now_ms());
		/* Whether a quiet wait means the idle timeout, not a timer's. */
		bool idle_wait = l->timeout_ms >= 0 && w == l->timeout_ms;
		int n = epoll_wait(l->epfd, evs, BATCH, w);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		l->in_batch = true;
		for (int i = 0; i < n && !l->stop; i++) {
			struct handler *h = evs[i].data.ptr;
			if (h->cb)
				h->cb(l, h->fd, evs[i].events, h->arg);
		}
		timers_fire(l, loop_now_ms());
		l->in_batch = false;
		free_handlers(l->dead);
		l->dead = NULL;
		free_timers(l->dead_timers);
		l->dead_timers = NULL;
		if (n == 0 && idle_wait && l->timeout_cb && !l->stop)
			l->timeout_cb(l->timeout_arg);
	}
	return 0;
}
