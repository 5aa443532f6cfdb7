#include "loop.h"
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

struct handler {
	int fd;
	loop_fd_cb *cb;
	void *arg;
	struct handler *next;
};

struct loop {
	int epfd;
	int stop;
	struct handler *handlers; /* few fds per process: a list is enough */
	void (*idle)(void *);
	void *idle_arg;
	int timeout_ms;
	void (*timeout_cb)(void *);
	void *timeout_arg;
};

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

void loop_free(struct loop *l)
{
	if (!l)
		return;
	while (l->handlers) {
		struct handler *h = l->handlers;
		l->handlers = h->next;
		free(h);
	}
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
			/* A deleted handler may still sit in the current batch of
			 * events: mark it instead of freeing under the caller. */
			h->cb = NULL;
			h->next = NULL;
			free(h);
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

int loop_run(struct loop *l)
{
	struct epoll_event evs[64];
	while (!l->stop) {
		if (l->idle)
			l->idle(l->idle_arg);
		if (l->stop)
			break;
		int n = epoll_wait(l->epfd, evs, 1, l->timeout_ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0 && l->timeout_cb)
			l->timeout_cb(l->timeout_arg);
		/* One event per wait: a callback may delete any other handler, so
		 * never hold pointers to handlers across callbacks. */
		for (int i = 0; i < n; i++) {
			struct handler *h = evs[i].data.ptr;
			h->cb(l, h->fd, evs[i].events, h->arg);
		}
	}
	return 0;
}
