/* evtchn: event delivery to dom0's clients. Each client owns event handles
 * (what /dev/xen/evtchn gives a Linux dom0 process): a SOCK_SEQPACKET
 * socketpair whose client end the client polls, and on whose other end
 * xcd-sim writes one u32 local port per delivered event. As the Linux
 * driver does, a delivered port stays masked until the client unmasks it;
 * an event on a masked port is remembered and delivered at unmask.
 *
 * Handles outlive the control connection that opened them: a daemon that
 * re-executes itself (xenstored's live update) keeps its descriptor, and so
 * its bindings, and adopts it again. A handle ends when the client's end is
 * closed everywhere (xcd-sim's end then reads EOF). */
#include "sim.h"
#include "../lib/log.h"
#include "../lib/loop.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

struct sim_lport {
	uint8_t used, virq, masked, pending;
	uint32_t domid, rport; /* interdomain; virq: rport is the VIRQ */
};

struct sim_evh {
	struct sim_evh *next;
	struct sim_host *h;
	uint32_t id;
	int fd;		/* xcd-sim's end */
	dev_t peer_dev;	/* the client's end, recognised on adopt */
	ino_t peer_ino;
	struct sim_lport ports[SIM_MAX_LPORTS];
};

uint32_t sim_evh_id(const struct sim_evh *e) { return e->id; }

/* ev_mu held. */
static void deliver(struct sim_evh *e, uint32_t lport)
{
	struct sim_lport *p = &e->ports[lport];
	if (p->masked) {
		p->pending = 1;
		return;
	}
	p->masked = 1;
	p->pending = 0;
	/* At most one packet per port is in flight (the port is masked until
	 * unmask), so the socket buffer cannot fill. */
	if (send(e->fd, &lport, sizeof(lport), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_debug("event handle %u: port %u: %s", e->id, lport, strerror(errno));
}

static void evh_free(struct sim_host *h, struct sim_evh *e)
{
	/* Domain ports first, under their domain's lock: after that no vCPU
	 * can reach this handle. */
	for (uint32_t i = 1; i < SIM_MAX_LPORTS; i++) {
		struct sim_lport *p = &e->ports[i];
		if (!p->used || p->virq)
			continue;
		struct sim_domain *d = sim_domain_find(h, p->domid);
		if (!d || p->rport >= SIM_MAX_PORTS)
			continue;
		pthread_mutex_lock(&d->mu);
		struct sim_port *dp = &d->ports[p->rport];
		if (dp->state == PORT_BOUND && dp->evh == e) {
			dp->state = PORT_UNBOUND;
			dp->evh = NULL;
		}
		pthread_mutex_unlock(&d->mu);
	}
	pthread_mutex_lock(&h->ev_mu);
	for (struct sim_evh **pp = &h->evhs; *pp; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	}
	pthread_mutex_unlock(&h->ev_mu);
	loop_del(h->loop, e->fd);
	close(e->fd);
	free(e);
}

static void on_evh(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct sim_evh *e = arg;
	char buf[64];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
		return; /* clients do not write here; ignore it */
	log_debug("event handle %u: closed by its client", e->id);
	evh_free(e->h, e);
}

int sim_evh_open(struct sim_host *h, uint32_t *id, int *client_fd)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	struct stat st;
	struct sim_evh *e = calloc(1, sizeof(*e));
	int rc = 0;
	if (!e)
		rc = -ENOMEM;
	else if (fstat(sv[1], &st) < 0 || fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0)
		rc = -errno;
	if (rc == 0) {
		e->h = h;
		e->fd = sv[0];
		e->peer_dev = st.st_dev;
		e->peer_ino = st.st_ino;
		rc = loop_add(h->loop, e->fd, EPOLLIN, on_evh, e);
	}
	if (rc < 0) {
		free(e);
		close(sv[0]);
		close(sv[1]);
		return rc;
	}
	pthread_mutex_lock(&h->ev_mu);
	e->id = ++h->next_evh;
	e->next = h->evhs;
	h->evhs = e;
	pthread_mutex_unlock(&h->ev_mu);
	*id = e->id;
	*client_fd = sv[1];
	return 0;
}

struct sim_evh *sim_evh_find(struct sim_host *h, uint32_t id)
{
	for (struct sim_evh *e = h->evhs; e; e = e->next)
		if (e->id == id)
			return e;
	return NULL;
}

struct sim_evh *sim_evh_by_fd(struct sim_host *h, int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return NULL;
	for (struct sim_evh *e = h->evhs; e; e = e->next)
		if (e->peer_dev == st.st_dev && e->peer_ino == st.st_ino)
			return e;
	return NULL;
}

static uint32_t free_lport(struct sim_evh *e)
{
	for (uint32_t i = 1; i < SIM_MAX_LPORTS; i++)
		if (!e->ports[i].used)
			return i;
	return 0;
}

int sim_evh_bind(struct sim_host *h, struct sim_evh *e, struct sim_domain *d, uint32_t rport,
		 uint32_t *lport)
{
	int rc = 0;
	pthread_mutex_lock(&d->mu);
	pthread_mutex_lock(&h->ev_mu);
	struct sim_port *p = rport < SIM_MAX_PORTS ? &d->ports[rport] : NULL;
	uint32_t lp = free_lport(e);
	if (!p || p->state != PORT_UNBOUND || p->remote_domid != 0) {
		rc = -EINVAL;
	} else if (!lp) {
		rc = -ENOSPC;
	} else {
		p->state = PORT_BOUND;
		p->evh = e;
		p->evh_port = lp;
		e->ports[lp] = (struct sim_lport){ .used = 1, .domid = d->domid, .rport = rport };
		*lport = lp;
	}
	pthread_mutex_unlock(&h->ev_mu);
	pthread_mutex_unlock(&d->mu);
	return rc;
}

int sim_evh_bind_virq(struct sim_host *h, struct sim_evh *e, uint32_t virq, uint32_t *lport)
{
	if (virq != SIM_VIRQ_DOM_EXC)
		return -EINVAL;
	pthread_mutex_lock(&h->ev_mu);
	int rc = 0;
	for (uint32_t i = 1; i < SIM_MAX_LPORTS; i++)
		if (e->ports[i].used && e->ports[i].virq)
			rc = -EEXIST; /* as Xen: one binding per VIRQ */
	uint32_t lp = rc ? 0 : free_lport(e);
	if (!rc && !lp)
		rc = -ENOSPC;
	if (!rc) {
		e->ports[lp] = (struct sim_lport){ .used = 1, .virq = 1, .rport = virq };
		*lport = lp;
	}
	pthread_mutex_unlock(&h->ev_mu);
	return rc;
}

static struct sim_lport *lport_get(struct sim_evh *e, uint32_t lport)
{
	return lport > 0 && lport < SIM_MAX_LPORTS && e->ports[lport].used ? &e->ports[lport]
									    : NULL;
}

int sim_evh_unbind(struct sim_host *h, struct sim_evh *e, uint32_t lport)
{
	struct sim_lport *p = lport_get(e, lport);
	if (!p)
		return -EINVAL;
	struct sim_domain *d = p->virq ? NULL : sim_domain_find(h, p->domid);
	if (d) {
		pthread_mutex_lock(&d->mu);
		struct sim_port *dp = &d->ports[p->rport];
		if (dp->state == PORT_BOUND && dp->evh == e) {
			dp->state = PORT_UNBOUND;
			dp->evh = NULL;
		}
		pthread_mutex_unlock(&d->mu);
	}
	pthread_mutex_lock(&h->ev_mu);
	memset(p, 0, sizeof(*p));
	pthread_mutex_unlock(&h->ev_mu);
	return 0;
}

int sim_evh_notify(struct sim_host *h, struct sim_evh *e, uint32_t lport)
{
	struct sim_lport *p = lport_get(e, lport);
	if (!p || p->virq)
		return -EINVAL;
	struct sim_domain *d = sim_domain_find(h, p->domid);
	if (!d)
		return -ESRCH;
	sim_domain_notify(d, p->rport);
	return 0;
}

int sim_evh_unmask(struct sim_host *h, struct sim_evh *e, uint32_t lport)
{
	pthread_mutex_lock(&h->ev_mu);
	struct sim_lport *p = lport_get(e, lport);
	if (p) {
		p->masked = 0;
		if (p->pending)
			deliver(e, lport);
	}
	pthread_mutex_unlock(&h->ev_mu);
	return p ? 0 : -EINVAL;
}

void sim_evh_close_all(struct sim_host *h)
{
	while (h->evhs)
		evh_free(h, h->evhs);
}

void sim_evtchn_send_locked(struct sim_domain *d, uint32_t port)
{
	if (port == 0 || port >= SIM_MAX_PORTS)
		return;
	struct sim_port *p = &d->ports[port];
	if (p->state != PORT_BOUND || !p->evh)
		return; /* nobody listens: the event is lost, as on an unbound port */
	pthread_mutex_lock(&d->host->ev_mu);
	deliver(p->evh, p->evh_port);
	pthread_mutex_unlock(&d->host->ev_mu);
}

void sim_evtchn_dom_exc(struct sim_host *h)
{
	pthread_mutex_lock(&h->ev_mu);
	for (struct sim_evh *e = h->evhs; e; e = e->next)
		for (uint32_t i = 1; i < SIM_MAX_LPORTS; i++)
			if (e->ports[i].used && e->ports[i].virq)
				deliver(e, i);
	pthread_mutex_unlock(&h->ev_mu);
}

void sim_evtchn_domain_gone(struct sim_domain *d)
{
	/* The handles keep their local ports (Xen leaves them bound to a closed
	 * remote end); notify then answers -ESRCH. */
	pthread_mutex_lock(&d->mu);
	for (uint32_t i = 0; i < SIM_MAX_PORTS; i++)
		d->ports[i].evh = NULL;
	pthread_mutex_unlock(&d->mu);
}
