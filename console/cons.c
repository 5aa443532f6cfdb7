/* cons: one domain's console. The guest's output ring goes to the pty (and
 * the log), what is typed on the pty goes to the guest's input ring; each
 * move is followed by a notification, as a Linux hvc_xen guest expects. */
#include "consoled.h"
#include "ring.h"
#include "../hv/hv.h"
#include "../lib/log.h"
#include "../lib/loop.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

struct cons *cons_by_port(struct consoled *cd, uint32_t local_port)
{
	for (struct cons *c = cd->consoles; c; c = c->next)
		if (c->local_port == local_port)
			return c;
	return NULL;
}

static int pty_fail(int e, const char *what, const char *tty, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s%s%s: %s", what, tty ? " " : "", tty ? tty : "", strerror(e));
	return -e;
}

/* A pty whose slave is raw (no echo, no line editing: the guest does that)
 * and stays open in this process. */
static int open_pty(struct cons *c, char *err, size_t errlen)
{
	c->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (c->master < 0)
		return pty_fail(errno, "posix_openpt", NULL, err, errlen);
	if (grantpt(c->master) < 0 || unlockpt(c->master) < 0)
		return pty_fail(errno, "grantpt/unlockpt", NULL, err, errlen);
	int e = ptsname_r(c->master, c->tty, sizeof(c->tty));
	if (e)
		return pty_fail(e, "ptsname", NULL, err, errlen);
	c->slave = open(c->tty, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (c->slave < 0)
		return pty_fail(errno, "open", c->tty, err, errlen);
	struct termios t;
	if (tcgetattr(c->slave, &t) < 0)
		return pty_fail(errno, "tcgetattr", c->tty, err, errlen);
	cfmakeraw(&t);
	if (tcsetattr(c->slave, TCSANOW, &t) < 0)
		return pty_fail(errno, "tcsetattr", c->tty, err, errlen);
	int fl = fcntl(c->master, F_GETFL);
	if (fl < 0 || fcntl(c->master, F_SETFL, fl | O_NONBLOCK) < 0)
		return pty_fail(errno, "O_NONBLOCK on the master of", c->tty, err, errlen);
	return 0;
}

static void set_master_events(struct consoled *cd, struct cons *c, uint32_t ev)
{
	if (ev == c->master_events)
		return;
	int rc = loop_mod(cd->loop, c->master, ev);
	if (rc < 0)
		log_warn("domain %u: pty %s: epoll: %s", c->domid, c->tty, strerror(-rc));
	else
		c->master_events = ev;
}

static void notify(struct consoled *cd, struct cons *c)
{
	if (hv_evtchn_notify(cd->hv, c->local_port) < 0)
		log_warn("domain %u: notify port %u: %s", c->domid, c->local_port,
			 hv_error(cd->hv));
}

static void log_output(struct cons *c, const char *p, size_t n)
{
	while (c->log_fd >= 0 && n) {
		ssize_t w = write(c->log_fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			log_warn("domain %u: console log: %s; logging stops", c->domid,
				 w < 0 ? strerror(errno) : "short write");
			close(c->log_fd);
			c->log_fd = -1;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

/* Output ring to our buffer. 1 if the guest should hear that it has room. */
static int take_output(struct cons *c)
{
	char chunk[sizeof(c->intf->out)];
	ssize_t n = ring_take_output(c->intf, chunk);
	if (n < 0) {
		/* Said once: a hostile guest must not flood the log. */
		if (!c->warned_out)
			log_warn("domain %u: console output indexes out of range; output skipped "
				 "(said once)", c->domid);
		c->warned_out = 1;
		return 1;
	}
	if (n == 0)
		return 0;
	log_output(c, chunk, (size_t)n);
	outbuf_append(&c->out, chunk, (size_t)n);
	return 1;
}

/* Our buffer to the pty, as much as it takes now. */
static void flush_output(struct consoled *cd, struct cons *c)
{
	size_t off = 0;
	while (off < c->out.len) {
		ssize_t w = write(c->master, c->out.buf + off, c->out.len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break; /* EAGAIN: nobody reads; EIO cannot happen, we hold the slave */
		off += (size_t)w;
	}
	outbuf_consume(&c->out, off);
	uint32_t ev = (c->master_events & EPOLLIN) | (c->out.len ? EPOLLOUT : 0);
	set_master_events(cd, c, ev);
}

/* Pty to the input ring, as much as it has room for. 1 if anything moved.
 * A full ring stops reading the pty until the guest takes some input. */
static int give_input(struct consoled *cd, struct cons *c)
{
	ssize_t room = ring_input_room(c->intf);
	if (room < 0) {
		if (!c->warned_in)
			log_warn("domain %u: console input indexes out of range; input waits "
				 "(said once)", c->domid);
		c->warned_in = 1;
		set_master_events(cd, c, c->master_events & ~(uint32_t)EPOLLIN);
		return 0;
	}
	int moved = 0;
	while (room > 0) {
		char buf[sizeof(c->intf->in)];
		ssize_t n = read(c->master, buf, (size_t)room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		ring_put_input(c->intf, buf, (size_t)n);
		room -= n;
		moved = 1;
	}
	uint32_t ev = (room > 0 ? EPOLLIN : 0) | (c->master_events & EPOLLOUT);
	set_master_events(cd, c, ev);
	return moved;
}

void cons_kick(struct consoled *cd, struct cons *c)
{
	int tell = take_output(c);
	flush_output(cd, c);
	/* The guest may have taken input: reading the pty may go on. */
	if (!(c->master_events & EPOLLIN))
		tell |= give_input(cd, c);
	if (tell)
		notify(cd, c);
}

static void master_ready(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct consoled *cd = arg;
	struct cons *c = NULL;
	for (c = cd->consoles; c && c->master != fd; c = c->next)
		;
	if (!c)
		return;
	if (events & EPOLLOUT)
		flush_output(cd, c);
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && (c->master_events & EPOLLIN) &&
	    give_input(cd, c))
		notify(cd, c);
}

int cons_open(struct consoled *cd, uint32_t domid, uint64_t ring_ref, uint32_t port,
	      size_t limit, const char *log_name, struct cons **out, char *err, size_t errlen)
{
	struct cons *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->domid = domid;
	c->ring_ref = ring_ref;
	c->remote_port = port;
	c->master = c->slave = c->log_fd = -1;
	outbuf_init(&c->out, limit);
	int rc = hv_map(cd->hv, domid, ring_ref, 1, HV_MAP_READ | HV_MAP_WRITE, (void **)&c->intf);
	if (rc < 0) {
		snprintf(err, errlen, "map of ring-ref %llu: %s", (unsigned long long)ring_ref,
			 hv_error(cd->hv));
		c->intf = NULL;
		goto fail;
	}
	rc = hv_evtchn_bind(cd->hv, domid, port, &c->local_port);
	if (rc < 0) {
		snprintf(err, errlen, "bind of its port %u: %s", port, hv_error(cd->hv));
		c->local_port = 0;
		goto fail;
	}
	if ((rc = open_pty(c, err, errlen)) < 0)
		goto fail;
	if (log_name && cd->opt.log_dir) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", cd->opt.log_dir, log_name);
		c->log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
				 0640);
		if (c->log_fd < 0)
			log_warn("domain %u: console log %s: %s; not logging", domid, path,
				 strerror(errno));
	}
	c->master_events = EPOLLIN;
	rc = loop_add(cd->loop, c->master, EPOLLIN, master_ready, cd);
	if (rc < 0) {
		snprintf(err, errlen, "epoll: %s", strerror(-rc));
		goto fail;
	}
	c->next = cd->consoles;
	cd->consoles = c;
	*out = c;
	/* What the guest wrote before we came (its boot line) is waiting. */
	cons_kick(cd, c);
	return 0;
fail:
	cons_close(cd, c);
	return rc;
}

void cons_close(struct consoled *cd, struct cons *c)
{
	for (struct cons **p = &cd->consoles; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	if (c->master >= 0) {
		loop_del(cd->loop, c->master);
		close(c->master);
	}
	if (c->slave >= 0)
		close(c->slave);
	/* The domain may be gone already; its port and pages then go with it. */
	if (c->local_port && hv_evtchn_unbind(cd->hv, c->local_port) < 0)
		log_debug("domain %u: unbind port %u: %s", c->domid, c->local_port,
			  hv_error(cd->hv));
	if (c->intf && hv_unmap(cd->hv, c->intf, 1) < 0)
		log_warn("domain %u: unmap console ring: %s", c->domid, hv_error(cd->hv));
	if (c->log_fd >= 0)
		close(c->log_fd);
	if (c->out.dropped)
		log_info("domain %u: %llu bytes of console output were dropped (nobody read the pty)",
			 c->domid, (unsigned long long)c->out.dropped);
	outbuf_free(&c->out);
	free(c);
}
