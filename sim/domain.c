/* domain: simulated domains, their memory, run state and vCPU threads. */
#include "sim.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

uint64_t sim_host_free_kb(struct sim_host *h)
{
	uint64_t used = 0;
	for (struct sim_domain *d = h->domains; d; d = d->next)
		used += d->max_mem_kb;
	return used >= h->total_kb ? 0 : h->total_kb - used;
}

struct sim_domain *sim_domain_find(struct sim_host *h, uint32_t domid)
{
	for (struct sim_domain *d = h->domains; d; d = d->next)
		if (d->domid == domid)
			return d;
	return NULL;
}

static int mem_init(struct sim_mem *m, uint32_t domid, uint64_t kb)
{
	char name[32];
	snprintf(name, sizeof(name), "xcd-sim-dom%u", domid);
	m->nr_pages = kb / 4;
	m->fd = memfd_create(name, MFD_CLOEXEC);
	if (m->fd < 0)
		return -errno;
	size_t size = m->nr_pages * SIM_PAGE_SIZE;
	int rc = 0;
	if (ftruncate(m->fd, (off_t)size) < 0) {
		rc = -errno;
		goto fail;
	}
	m->base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
	if (m->base == MAP_FAILED) {
		rc = -errno;
		goto fail;
	}
	m->dirty = calloc(1, (m->nr_pages + 7) / 8);
	m->present = calloc(1, (m->nr_pages + 7) / 8);
	if (!m->dirty || !m->present) {
		free(m->dirty);
		free(m->present);
		rc = -ENOMEM;
		munmap(m->base, size);
		goto fail;
	}
	atomic_flag_clear(&m->lock);
	atomic_init(&m->logdirty, 0);
	return 0;
fail:
	close(m->fd);
	return rc;
}

int sim_domain_create(struct sim_host *h, const struct sim_domain_config *cfg, uint32_t *domid,
		      char *err, size_t errlen)
{
	if (cfg->max_vcpus < 1 || cfg->max_vcpus > SIM_MAX_VCPUS) {
		snprintf(err, errlen, "max_vcpus %u: xcd-sim allows 1 to %u", cfg->max_vcpus,
			 SIM_MAX_VCPUS);
		return -EINVAL;
	}
	/* The header, one touched-bitmap page and one data page at least. */
	if (cfg->max_mem_kb < 64 || cfg->max_mem_kb % 4) {
		snprintf(err, errlen, "max_mem_kb %llu: needs at least 64 and a multiple of 4",
			 (unsigned long long)cfg->max_mem_kb);
		return -EINVAL;
	}
	if (cfg->max_mem_kb > sim_host_free_kb(h)) {
		snprintf(err, errlen, "max_mem_kb %llu: the host has %llu KiB free",
			 (unsigned long long)cfg->max_mem_kb,
			 (unsigned long long)sim_host_free_kb(h));
		return -ENOMEM;
	}
	struct sim_domain *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->vcpus = calloc(cfg->max_vcpus, sizeof(*d->vcpus));
	if (!d->vcpus) {
		free(d);
		return -ENOMEM;
	}
	while (h->next_domid == 0 || h->next_domid >= 0x7ff0 || sim_domain_find(h, h->next_domid))
		h->next_domid = h->next_domid >= 0x7ff0 ? 1 : h->next_domid + 1;
	d->domid = h->next_domid++;
	int rc = mem_init(&d->mem, d->domid, cfg->max_mem_kb);
	if (rc < 0) {
		snprintf(err, errlen, "guest memory of %llu KiB: %s",
			 (unsigned long long)cfg->max_mem_kb, strerror(-rc));
		free(d->vcpus);
		free(d);
		return rc;
	}
	d->host = h;
	d->cfg = *cfg;
	d->max_mem_kb = d->target_kb = d->populated_kb = cfg->max_mem_kb;
	d->pause_count = 1; /* as Xen: created paused, unpaused after the build */
	sim_platform_init(d);
	pthread_mutex_init(&d->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* guest ticks ignore clock jumps */
	pthread_cond_init(&d->run_cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&d->safe_cv, NULL);
	for (uint32_t i = 0; i < cfg->max_vcpus; i++) {
		d->vcpus[i].d = d;
		d->vcpus[i].id = i;
		memset(d->vcpus[i].affinity, 0xff, sizeof(d->vcpus[i].affinity));
	}
	d->next = h->domains;
	h->domains = d;
	*domid = d->domid;
	return 0;
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

/* vCPU threads must not take the control signals signalfd reads. */
static int start_vcpus(struct sim_domain *d, char *err, size_t errlen)
{
	int rc = 0;
	sigset_t all, old;
	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (uint32_t i = 0; i < d->cfg.max_vcpus; i++) {
		rc = -pthread_create(&d->vcpus[i].thread, NULL, sim_vcpu_main, &d->vcpus[i]);
		if (rc < 0) {
			snprintf(err, errlen, "vCPU %u thread: %s", i, strerror(-rc));
			break;
		}
		d->vcpus[i].started = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

int sim_domain_build(struct sim_domain *d, const char *kernel, uint32_t store_domid,
		     uint32_t console_domid, struct sim_build_result *out, char *err,
		     size_t errlen)
{
	if (d->built) {
		snprintf(err, errlen, "domain %u is already built", d->domid);
		return -EEXIST;
	}
	int rc = sim_guest_parse(kernel, &d->program, &d->rate, err, errlen);
	if (rc < 0)
		return rc;
	/* The guest's two channels, unbound for the domains serving them, as
	 * Xen's domain builder leaves them for xenstored and xenconsoled. */
	pthread_mutex_lock(&d->mu);
	rc = sim_domain_alloc_port(d, store_domid, &d->store_port);
	if (rc == 0)
		rc = sim_domain_alloc_port(d, console_domid, &d->console_port);
	pthread_mutex_unlock(&d->mu);
	if (rc < 0) {
		snprintf(err, errlen, "no free event channel for the store or console");
		return rc;
	}
	sim_platform_populate_all(d);
	sim_guest_boot(d);
	const struct sim_guest_header *g = (const struct sim_guest_header *)d->mem.base;
	pthread_mutex_lock(&d->mu);
	sim_platform_set_rings(d, g->store_pfn, d->store_port, g->console_pfn, d->console_port);
	pthread_mutex_unlock(&d->mu);
	out->store_pfn = g->store_pfn;
	out->store_port = d->store_port;
	out->console_pfn = g->console_pfn;
	out->console_port = d->console_port;
	rc = start_vcpus(d, err, errlen);
	d->built = 1;
	return rc;
}

int sim_domain_restore_finish(struct sim_domain *d, uint32_t store_domid,
			      uint32_t console_domid, struct sim_build_result *out, char *err,
			      size_t errlen)
{
	if (d->built) {
		snprintf(err, errlen, "domain %u is already built", d->domid);
		return -EEXIST;
	}
	/* The guest's program uses all of its memory: a stream that did not
	 * give every page is not a whole guest. */
	for (uint64_t p = 0; p < d->mem.nr_pages; p++)
		if (!sim_platform_present(d, p, 1)) {
			snprintf(err, errlen, "pfn %llu of its %llu was never populated: the "
				 "stream did not hold the whole guest", (unsigned long long)p,
				 (unsigned long long)d->mem.nr_pages);
			return -EINVAL;
		}
	int rc = sim_guest_check(d, err, errlen);
	if (rc < 0)
		return rc;
	const struct sim_guest_header *g = (const struct sim_guest_header *)d->mem.base;
	const struct sim_xenbus *x =
		(const struct sim_xenbus *)(d->mem.base + g->xenbus_pfn * SIM_PAGE_SIZE);
	/* The guest knows its channels by number: a fresh domain has every
	 * port free, so it gets the same ones back, unbound for the domains
	 * serving it now. */
	pthread_mutex_lock(&d->mu);
	d->ports[g->store_port].state = PORT_UNBOUND;
	d->ports[g->store_port].remote_domid = store_domid;
	d->ports[g->console_port].state = PORT_UNBOUND;
	d->ports[g->console_port].remote_domid = console_domid;
	d->store_port = g->store_port;
	d->console_port = g->console_port;
	d->program = g->program;
	d->rate = g->rate;
	if (x->balloon_kb && x->balloon_kb <= d->max_mem_kb)
		d->populated_kb = d->target_kb = x->balloon_kb;
	d->resumed = 1;
	sim_platform_set_rings(d, g->store_pfn, g->store_port, g->console_pfn, g->console_port);
	pthread_mutex_unlock(&d->mu);
	out->store_pfn = g->store_pfn;
	out->store_port = g->store_port;
	out->console_pfn = g->console_pfn;
	out->console_port = g->console_port;
	rc = start_vcpus(d, err, errlen);
	d->built = 1;
	return rc;
}

/* Waits (bounded by one guest step) until no vCPU is inside guest code. */
static void wait_safe(struct sim_domain *d)
{
	for (;;) {
		int busy = 0;
		for (uint32_t i = 0; i < d->cfg.max_vcpus; i++)
			busy |= d->vcpus[i].in_guest;
		if (!busy)
			return;
		pthread_cond_wait(&d->safe_cv, &d->mu);
	}
}

int sim_domain_pause(struct sim_domain *d)
{
	pthread_mutex_lock(&d->mu);
	int rc = 0;
	if (d->pause_count >= 255) {
		rc = -EOVERFLOW;
	} else {
		d->pause_count++;
		wait_safe(d);
	}
	pthread_mutex_unlock(&d->mu);
	return rc;
}

/* vCPU context and affinity change only at a safe point, as on Xen. */
int sim_vcpu_context(struct sim_domain *d, uint32_t vcpu, struct sim_vcpu_context *get,
		     const struct sim_vcpu_context *set)
{
	if (vcpu >= d->cfg.max_vcpus)
		return -EINVAL;
	pthread_mutex_lock(&d->mu);
	int rc = 0;
	if (!d->pause_count && !d->shutdown && d->built) {
		rc = -EBUSY;
	} else {
		wait_safe(d);
		if (get)
			*get = d->vcpus[vcpu].ctx;
		if (set)
			d->vcpus[vcpu].ctx = *set;
	}
	pthread_mutex_unlock(&d->mu);
	return rc;
}

int sim_domain_unpause(struct sim_domain *d)
{
	pthread_mutex_lock(&d->mu);
	int rc = 0;
	if (!d->pause_count)
		rc = -EINVAL;
	else if (--d->pause_count == 0)
		pthread_cond_broadcast(&d->run_cv);
	pthread_mutex_unlock(&d->mu);
	return rc;
}

int sim_domain_shutdown(struct sim_domain *d, uint32_t reason)
{
	if (reason > SIM_SHUTDOWN_SOFT_RESET)
		return -EINVAL;
	pthread_mutex_lock(&d->mu);
	int fire = !d->shutdown;
	if (!d->shutdown) {
		d->shutdown = 1;
		d->shutdown_reason = reason;
	}
	wait_safe(d);
	pthread_mutex_unlock(&d->mu);
	if (fire)
		sim_evtchn_dom_exc(d->host);
	return 0;
}

void sim_domain_shutdown_self(struct sim_domain *d, uint32_t reason)
{
	/* No wait_safe: the caller is a vCPU inside guest code; the others stop
	 * at their next safe point, as after SCHEDOP_shutdown. */
	if (d->shutdown)
		return;
	d->shutdown = 1;
	d->shutdown_reason = reason;
	sim_evtchn_dom_exc(d->host);
}

int sim_domain_resume(struct sim_domain *d)
{
	pthread_mutex_lock(&d->mu);
	int rc = 0;
	if (!d->shutdown || d->shutdown_reason != SIM_SHUTDOWN_SUSPEND) {
		rc = -EINVAL;
	} else {
		d->shutdown = 0;
		if (d->built)
			sim_xenbus_cancelled(d);
		pthread_cond_broadcast(&d->run_cv);
	}
	pthread_mutex_unlock(&d->mu);
	return rc;
}

void sim_domain_notify(struct sim_domain *d, uint32_t port)
{
	pthread_mutex_lock(&d->mu);
	d->pending_events++;
	if (port < 64)
		d->port_pending |= 1ull << port;
	pthread_cond_broadcast(&d->run_cv);
	pthread_mutex_unlock(&d->mu);
}

void sim_domain_destroy(struct sim_host *h, struct sim_domain *d)
{
	pthread_mutex_lock(&d->mu);
	for (uint32_t i = 0; i < d->cfg.max_vcpus; i++)
		d->vcpus[i].stop = 1;
	pthread_cond_broadcast(&d->run_cv);
	pthread_mutex_unlock(&d->mu);
	for (uint32_t i = 0; i < d->cfg.max_vcpus; i++)
		if (d->vcpus[i].started)
			pthread_join(d->vcpus[i].thread, NULL);
	sim_evtchn_domain_gone(d);
	for (struct sim_domain **p = &h->domains; *p; p = &(*p)->next) {
		if (*p == d) {
			*p = d->next;
			break;
		}
	}
	munmap(d->mem.base, d->mem.nr_pages * SIM_PAGE_SIZE);
	close(d->mem.fd);
	free(d->mem.dirty);
	free(d->mem.present);
	pthread_cond_destroy(&d->run_cv);
	pthread_cond_destroy(&d->safe_cv);
	pthread_mutex_destroy(&d->mu);
	free(d->vcpus);
	free(d);
	sim_evtchn_dom_exc(h);
}

void sim_domain_info(struct sim_domain *d, struct sim_dominfo *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&d->mu);
	out->domid = d->domid;
	out->type = d->cfg.type;
	memcpy(out->uuid, d->cfg.uuid, sizeof(out->uuid));
	out->max_vcpus = d->cfg.max_vcpus;
	out->online_vcpus = d->built ? d->cfg.max_vcpus : 0;
	out->mem_kb = d->populated_kb;
	out->max_mem_kb = d->max_mem_kb;
	out->target_kb = d->target_kb;
	int running = 0;
	for (uint32_t i = 0; i < d->cfg.max_vcpus; i++) {
		out->cpu_time_ns += d->vcpus[i].cpu_ns;
		running |= d->vcpus[i].in_guest;
	}
	if (d->pause_count)
		out->flags |= SIM_DOMF_PAUSED;
	if (d->shutdown) {
		out->flags |= SIM_DOMF_SHUTDOWN;
		out->shutdown_reason = d->shutdown_reason;
	}
	if (!d->pause_count && !d->shutdown && d->built)
		out->flags |= running ? SIM_DOMF_RUNNING : SIM_DOMF_BLOCKED;
	if (atomic_load(&d->mem.logdirty))
		out->flags |= SIM_DOMF_LOGDIRTY;
	pthread_mutex_unlock(&d->mu);
}

void sim_host_dom0_info(struct sim_host *h, struct sim_dominfo *out)
{
	memset(out, 0, sizeof(*out));
	out->domid = 0;
	out->flags = SIM_DOMF_RUNNING;
	out->type = SIM_DOM_PV;
	out->max_vcpus = out->online_vcpus = h->nr_cpus;
	out->mem_kb = out->max_mem_kb = out->target_kb = h->dom0_kb;
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	out->cpu_time_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
