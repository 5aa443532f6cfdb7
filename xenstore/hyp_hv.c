/* hyp_hv: reaching domains through the hypervisor interface (hv): the ring
 * page by a foreign mapping of the gfn INTRODUCE gives, event channels and
 * their delivery, VIRQ_DOM_EXC and domain state. The same code serves real
 * Xen and the simulated host; only dom0's own kernel ring is a Linux-dom0
 * matter (dom0_ring.c). */
#include "hyp.h"
#include "../lib/errmsg.h"
#include "dom0_ring.h"
#include "../hv/hv.h"
#include "../lib/log.h"
#include "../lib/loop.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct xs_hyp {
	struct xs_server *srv;
	struct hv *hv;
	int evfd;          /* hv_evtchn_fd: inherited by a live update */
	bool in_loop;
	uint32_t virq_port; /* 0: not bound */
	void *dom0_page;
	unsigned dom0_port;
};

void hyp_check_domains(struct xs_hyp *h)
{
	struct xs_server *s = h->srv;
	for (unsigned id = 1; id < XS_NDOMIDS; id++) {
		struct xs_domain *d = s->domains[id];
		if (!d || !d->introduced)
			continue;
		int st = hyp_domain_state(h, id);
		if (st == 0) {
			domain_release(s, id, true);
		} else if (st == 2 && !d->shutdown_reported) {
			d->shutdown_reported = true;
			watch_fire_special(s, "@releaseDomain", id);
		}
	}
}

static void stop_events(struct xs_hyp *h, const char *why)
{
	if (!h->in_loop)
		return;
	log_err("event channels: %s; domains are no longer served", why);
	loop_del(h->srv->loop, h->evfd);
	h->in_loop = false;
}

static void evtchn_ready(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct xs_hyp *h = arg;
	/* Bounded: a storm of events must not starve the sockets. */
	for (int n = 0; n < 64; n++) {
		uint32_t port;
		int r = hv_evtchn_pending(h->hv, &port);
		if (r == -EAGAIN)
			return;
		if (r < 0) {
			stop_events(h, hv_error(h->hv));
			return;
		}
		hv_evtchn_unmask(h->hv, port);
		if (port == h->virq_port) {
			hyp_check_domains(h);
			continue;
		}
		for (unsigned id = 0; id < XS_NDOMIDS; id++) {
			struct xs_domain *d = h->srv->domains[id];
			if (d && d->ring && d->local_port == port) {
				ring_process(h->srv, d);
				break;
			}
		}
	}
}

static int bind_virq(struct xs_hyp *h)
{
	uint32_t p;
	int r = hv_evtchn_bind_dom_exc(h->hv, &p);
	if (r < 0) {
		log_err("hyp: bind VIRQ_DOM_EXC: %s", hv_error(h->hv));
		return r;
	}
	h->virq_port = p;
	return 0;
}

int hyp_open(struct xs_server *s, struct xs_hyp **out, int evtchn_fd_restored)
{
	struct xs_hyp *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->srv = s;
	h->evfd = -1;
	char err[XCD_ERR_MAX] = "";
	int r = hv_open(HV_AUTO, s->opt.sim_socket, &h->hv, err, sizeof(err));
	if (r < 0) {
		if (evtchn_fd_restored >= 0)
			log_err("hyp: %s", err);
		else
			log_info("no hypervisor: %s", err);
		free(h);
		return r;
	}
	/* Live update: the handle inherited keeps the domains' ports bound. */
	if (evtchn_fd_restored >= 0 && (r = hv_evtchn_adopt(h->hv, evtchn_fd_restored)) < 0) {
		log_err("hyp: adopt the inherited event channel handle: %s", hv_error(h->hv));
		goto fail;
	}
	if ((r = bind_virq(h)) < 0)
		goto fail;
	if ((h->evfd = hv_evtchn_fd(h->hv)) < 0) {
		r = h->evfd;
		log_err("hyp: event channel descriptor: %s", hv_error(h->hv));
		goto fail;
	}
	if ((r = loop_add(s->loop, h->evfd, EPOLLIN, evtchn_ready, h)) < 0)
		goto fail;
	h->in_loop = true;
	log_info("domains reached through hv (%s backend)", hv_backend_name(h->hv));
	*out = h;
	return 0;
fail:
	hyp_close(h);
	return r;
}

void hyp_close(struct xs_hyp *h)
{
	if (!h)
		return;
	if (h->in_loop)
		loop_del(h->srv->loop, h->evfd);
	hv_close(h->hv);
	dom0_ring_unmap(h->dom0_page);
	free(h);
}

int hyp_evtchn_fd(const struct xs_hyp *h) { return h->evfd; }

void hyp_prepare_exec(struct xs_hyp *h)
{
	/* The new process binds the VIRQ itself (one binding per VIRQ). */
	if (h->virq_port && hv_evtchn_unbind(h->hv, h->virq_port) == 0)
		h->virq_port = 0;
	fcntl(h->evfd, F_SETFD, 0);
}

void hyp_after_failed_exec(struct xs_hyp *h)
{
	fcntl(h->evfd, F_SETFD, FD_CLOEXEC);
	if (!h->virq_port)
		bind_virq(h);
	hyp_check_domains(h);
}

int hyp_map_ring(struct xs_hyp *h, struct xs_domain *d)
{
	if (d->domid == 0)
		return hyp_dom0(h, d);
	void *p = NULL;
	int r = hv_map(h->hv, d->domid, d->gfn, 1, HV_MAP_READ | HV_MAP_WRITE, &p);
	if (r < 0) {
		log_err("hyp: domain %u: cannot map its xenstore page (gfn %#llx): %s", d->domid,
			(unsigned long long)d->gfn, hv_error(h->hv));
		return r;
	}
	d->ring_from_gnttab = false;
	d->ring = p;
	return 0;
}

void hyp_unmap_ring(struct xs_hyp *h, struct xs_domain *d)
{
	if (!d->ring || d->domid == 0)
		return;
	hv_unmap(h->hv, d->ring, 1);
	d->ring = NULL;
}

int hyp_bind(struct xs_hyp *h, struct xs_domain *d)
{
	uint32_t p;
	int r = hv_evtchn_bind(h->hv, d->domid, d->remote_port, &p);
	if (r < 0) {
		log_err("hyp: bind domain %u port %u: %s", d->domid, d->remote_port,
			hv_error(h->hv));
		return r;
	}
	d->local_port = p;
	return 0;
}

void hyp_unbind(struct xs_hyp *h, struct xs_domain *d)
{
	if (d->local_port)
		hv_evtchn_unbind(h->hv, d->local_port);
	d->local_port = 0;
}

void hyp_notify(struct xs_hyp *h, struct xs_domain *d)
{
	if (h && d->local_port && hv_evtchn_notify(h->hv, d->local_port) < 0)
		log_debug("hyp: notify domain %u: %s", d->domid, hv_error(h->hv));
}

int hyp_dom0_present(void) { return dom0_ring_present(); }

int hyp_dom0(struct xs_hyp *h, struct xs_domain *d)
{
	if (!h->dom0_page) {
		int r = dom0_ring_map(&h->dom0_page, &h->dom0_port);
		if (r < 0)
			return r;
	}
	d->ring = h->dom0_page;
	d->remote_port = h->dom0_port;
	return 0;
}

int hyp_domain_state(struct xs_hyp *h, unsigned domid)
{
	struct hv_dominfo di;
	int r = hv_domain_getinfo(h->hv, domid, &di);
	if (r == -ESRCH)
		return 0;
	if (r < 0)
		return r;
	if (di.flags & HV_DOMF_DYING)
		return 0;
	return di.flags & HV_DOMF_SHUTDOWN ? 2 : 1;
}
