/* hyp_xen: reaching domains on real Xen (event channels, grant table or
 * foreign mapping of the ring page, domain state from the hypervisor). */
#include "hyp.h"
#include "../lib/log.h"
#include "../lib/loop.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xengnttab.h>
#include <xen/grant_table.h>

struct xs_hyp {
	struct xs_server *srv;
	xenevtchn_handle *xce;
	xengnttab_handle *xgt;
	xenforeignmemory_handle *fmem;
	xc_interface *xch;
	evtchn_port_t virq_port;
	void *dom0_page; /* mmap of xsd_kva */
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

static void evtchn_ready(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct xs_hyp *h = arg;
	xenevtchn_port_or_error_t port = xenevtchn_pending(h->xce);
	if (port < 0)
		return;
	xenevtchn_unmask(h->xce, (evtchn_port_t)port);
	if ((evtchn_port_t)port == h->virq_port) {
		hyp_check_domains(h);
		return;
	}
	for (unsigned id = 0; id < XS_NDOMIDS; id++) {
		struct xs_domain *d = h->srv->domains[id];
		if (d && d->ring && d->local_port == (uint32_t)port) {
			ring_process(h->srv, d);
			return;
		}
	}
}

int hyp_open(struct xs_server *s, struct xs_hyp **out, int evtchn_fd_restored)
{
	struct xs_hyp *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->srv = s;
	/* Kept across exec for live update: bound ports stay bound. */
	if (evtchn_fd_restored >= 0)
		h->xce = xenevtchn_fdopen(NULL, evtchn_fd_restored, 0);
	else
		h->xce = xenevtchn_open(NULL, XENEVTCHN_NO_CLOEXEC);
	h->xgt = xengnttab_open(NULL, 0);
	h->fmem = xenforeignmemory_open(NULL, 0);
	h->xch = xc_interface_open(NULL, NULL, 0);
	if (!h->xce || !h->xch) {
		log_err("hyp_open: cannot open Xen's event channel or control interface: %s",
			strerror(errno));
		hyp_close(h);
		return -ENODEV;
	}
	xenevtchn_port_or_error_t p = xenevtchn_bind_virq(h->xce, VIRQ_DOM_EXC);
	if (p < 0) {
		log_err("hyp_open: bind VIRQ_DOM_EXC: %s", strerror(errno));
		hyp_close(h);
		return -errno;
	}
	h->virq_port = (evtchn_port_t)p;
	int r = loop_add(s->loop, xenevtchn_fd(h->xce), EPOLLIN, evtchn_ready, h);
	if (r < 0) {
		hyp_close(h);
		return r;
	}
	*out = h;
	return 0;
}

void hyp_close(struct xs_hyp *h)
{
	if (!h)
		return;
	if (h->xce) {
		loop_del(h->srv->loop, xenevtchn_fd(h->xce));
		xenevtchn_close(h->xce);
	}
	if (h->xgt)
		xengnttab_close(h->xgt);
	if (h->fmem)
		xenforeignmemory_close(h->fmem);
	if (h->xch)
		xc_interface_close(h->xch);
	if (h->dom0_page)
		munmap(h->dom0_page, (size_t)getpagesize());
	free(h);
}

int hyp_evtchn_fd(const struct xs_hyp *h) { return xenevtchn_fd(h->xce); }

void hyp_prepare_exec(struct xs_hyp *h)
{
	xenevtchn_unbind(h->xce, h->virq_port);
	fcntl(xenevtchn_fd(h->xce), F_SETFD, 0);
}

void hyp_after_failed_exec(struct xs_hyp *h)
{
	xenevtchn_port_or_error_t p = xenevtchn_bind_virq(h->xce, VIRQ_DOM_EXC);
	if (p >= 0)
		h->virq_port = (evtchn_port_t)p;
	hyp_check_domains(h);
}

int hyp_map_ring(struct xs_hyp *h, struct xs_domain *d)
{
	if (d->domid == 0)
		return hyp_dom0(h, d);
	void *p = NULL;
	if (h->xgt)
		p = xengnttab_map_grant_ref(h->xgt, d->domid, GNTTAB_RESERVED_XENSTORE,
					    PROT_READ | PROT_WRITE);
	if (p) {
		d->ring_from_gnttab = true;
	} else if (h->fmem) {
		xen_pfn_t gfn = (xen_pfn_t)d->gfn;
		p = xenforeignmemory_map(h->fmem, d->domid, PROT_READ | PROT_WRITE, 1, &gfn, NULL);
		d->ring_from_gnttab = false;
	}
	if (!p) {
		log_err("hyp_map_ring: domain %u: cannot map its xenstore page: %s", d->domid,
			strerror(errno));
		return -errno ? -errno : -EIO;
	}
	d->ring = p;
	return 0;
}

void hyp_unmap_ring(struct xs_hyp *h, struct xs_domain *d)
{
	if (!d->ring || d->domid == 0)
		return;
	if (d->ring_from_gnttab)
		xengnttab_unmap(h->xgt, d->ring, 1);
	else
		xenforeignmemory_unmap(h->fmem, d->ring, 1);
	d->ring = NULL;
}

int hyp_bind(struct xs_hyp *h, struct xs_domain *d)
{
	xenevtchn_port_or_error_t p = xenevtchn_bind_interdomain(h->xce, d->domid, d->remote_port);
	if (p < 0) {
		log_err("hyp_bind: domain %u port %u: %s", d->domid, d->remote_port, strerror(errno));
		return -errno;
	}
	d->local_port = (uint32_t)p;
	return 0;
}

void hyp_unbind(struct xs_hyp *h, struct xs_domain *d)
{
	if (d->local_port)
		xenevtchn_unbind(h->xce, d->local_port);
	d->local_port = 0;
}

void hyp_notify(struct xs_hyp *h, struct xs_domain *d)
{
	if (h && d->local_port)
		xenevtchn_notify(h->xce, d->local_port);
}

static int read_port(unsigned *port)
{
	FILE *f = fopen("/proc/xen/xsd_port", "r");
	if (!f)
		return -errno;
	int ok = fscanf(f, "%u", port) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

int hyp_dom0(struct xs_hyp *h, struct xs_domain *d)
{
	unsigned port;
	int r = read_port(&port);
	if (r < 0) {
		log_err("hyp_dom0: /proc/xen/xsd_port: %s", strerror(-r));
		return r;
	}
	if (!h->dom0_page) {
		int fd = open("/dev/xen/xsd_kva", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			fd = open("/proc/xen/xsd_kva", O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			log_err("hyp_dom0: xsd_kva: %s", strerror(errno));
			return -errno;
		}
		void *p = mmap(NULL, (size_t)getpagesize(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
		if (p == MAP_FAILED) {
			log_err("hyp_dom0: mmap xsd_kva: %s", strerror(errno));
			return -errno;
		}
		h->dom0_page = p;
	}
	d->ring = h->dom0_page;
	d->remote_port = port;
	return 0;
}

int hyp_domain_state(struct xs_hyp *h, unsigned domid)
{
	xc_dominfo_t info;
	int n = xc_domain_getinfo(h->xch, domid, 1, &info);
	if (n < 0)
		return -errno;
	if (n == 0 || info.domid != domid || info.dying)
		return 0;
	if (info.shutdown)
		return 2;
	return 1;
}
