/* xenbus-fake: a guest for sim/xenbus.c without the rest of xcd-sim; the
 * functions xenbus.c calls into the host are recorded here instead. */
#include "xenbus-fake.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct xb_fake *fake_of(struct sim_domain *d)
{
	return (struct xb_fake *)d; /* d is the first member */
}

void sim_guest_touch(struct sim_domain *d, uint64_t pfn)
{
	if (pfn >= d->mem.nr_pages)
		abort(); /* the guest wrote outside its memory */
}

void sim_evtchn_send_locked(struct sim_domain *d, uint32_t port)
{
	if (port == d->store_port)
		fake_of(d)->store_kicks++;
}

void sim_domain_shutdown_self(struct sim_domain *d, uint32_t reason)
{
	if (d->shutdown)
		return;
	d->shutdown = 1;
	d->shutdown_reason = reason;
	fake_of(d)->shutdown_reason = (int)reason;
}

int sim_domain_alloc_port(struct sim_domain *d, uint32_t remote_domid, uint32_t *port)
{
	uint32_t p;
	for (p = 1; p < SIM_MAX_PORTS && d->ports[p].state != PORT_FREE; p++)
		;
	if (p == SIM_MAX_PORTS)
		return -ENOSPC;
	d->ports[p].state = PORT_UNBOUND;
	d->ports[p].remote_domid = remote_domid;
	*port = p;
	return 0;
}

int xb_fake_init(struct xb_fake *f)
{
	return xb_fake_init_program(f, SIM_PROG_IDLE);
}

int xb_fake_init_program(struct xb_fake *f, enum sim_program program)
{
	memset(f, 0, sizeof(*f));
	struct sim_domain *d = &f->d;
	d->mem.nr_pages = XB_FAKE_PAGES;
	d->mem.base = aligned_alloc(SIM_PAGE_SIZE, XB_FAKE_PAGES * SIM_PAGE_SIZE);
	if (!d->mem.base)
		return -1;
	memset(d->mem.base, 0, XB_FAKE_PAGES * SIM_PAGE_SIZE);
	pthread_mutex_init(&d->mu, NULL);
	d->domid = 7;
	d->store_port = 1;
	d->console_port = 2;
	d->ports[1].state = d->ports[2].state = PORT_UNBOUND;
	d->populated_kb = d->target_kb = d->max_mem_kb = XB_FAKE_PAGES * 4;
	d->program = program;
	f->g = (struct sim_guest_header *)d->mem.base;
	f->g->magic = SIM_GUEST_MAGIC;
	f->g->program = program;
	f->g->nr_pages = XB_FAKE_PAGES;
	f->g->touched_pfn = 1;
	f->g->touched_pages = 1;
	f->g->store_pfn = 2;
	f->g->console_pfn = 3;
	f->g->xenbus_pfn = 4;
	f->g->data_pfn = 5;
	f->g->store_port = 1;
	f->g->console_port = 2;
	f->ring = (void *)(d->mem.base + 2 * SIM_PAGE_SIZE);
	f->x = (void *)(d->mem.base + 4 * SIM_PAGE_SIZE);
	f->shutdown_reason = -1;
	sim_xenbus_boot(d);
	return 0;
}

void xb_fake_free(struct xb_fake *f)
{
	pthread_mutex_destroy(&f->d.mu);
	free(f->d.mem.base);
}

size_t xb_fake_put(struct xb_fake *f, const void *buf, size_t len)
{
	struct xenstore_domain_interface *r = f->ring;
	size_t room = XENSTORE_RING_SIZE - (r->rsp_prod - r->rsp_cons);
	size_t n = len < room ? len : room;
	for (size_t i = 0; i < n; i++)
		r->rsp[MASK_XENSTORE_IDX(r->rsp_prod + i)] = ((const char *)buf)[i];
	r->rsp_prod += (XENSTORE_RING_IDX)n;
	return n;
}

size_t xb_fake_take(struct xb_fake *f, void *buf, size_t cap)
{
	struct xenstore_domain_interface *r = f->ring;
	size_t n = r->req_prod - r->req_cons;
	if (n > cap)
		n = cap;
	for (size_t i = 0; i < n; i++)
		((char *)buf)[i] = r->req[MASK_XENSTORE_IDX(r->req_cons + i)];
	r->req_cons += (XENSTORE_RING_IDX)n;
	return n;
}
