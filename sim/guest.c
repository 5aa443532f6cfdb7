/* guest: the guest programs xcd-sim's vCPU threads run. All their state lives
 * in guest memory (struct sim_guest_header, the touched bitmap, data pages)
 * and in the vCPU context (RNG, rate credit), never in xcd-sim's own memory,
 * so that a copy of memory and context is a copy of the guest. */
#include "sim.h"
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DIRTY_TICK_MS 10
#define IDLE_TICK_MS 100
#define BITS_PER_PAGE (SIM_PAGE_SIZE * 8)
#define PROGRAMS "\"sim:idle\", \"sim:dirty[,rate=N]\" or \"sim:kv\""

int sim_guest_parse(const char *kernel, enum sim_program *prog, uint64_t *rate, char *err,
		    size_t errlen)
{
	*rate = 0;
	if (!kernel) {
		snprintf(err, errlen, "no kernel: xcd-sim runs " PROGRAMS);
		return -EINVAL;
	}
	if (strcmp(kernel, "sim:idle") == 0) {
		*prog = SIM_PROG_IDLE;
		return 0;
	}
	if (strcmp(kernel, "sim:kv") == 0) {
		*prog = SIM_PROG_KV;
		return 0;
	}
	if (strncmp(kernel, "sim:dirty", 9) == 0 && (!kernel[9] || kernel[9] == ',')) {
		*prog = SIM_PROG_DIRTY;
		*rate = 100;
		if (!kernel[9])
			return 0;
		char *end;
		if (strncmp(kernel + 10, "rate=", 5) == 0) {
			errno = 0;
			unsigned long long r = strtoull(kernel + 15, &end, 10);
			if (!errno && end != kernel + 15 && !*end && r <= 1000000) {
				*rate = r;
				return 0;
			}
		}
		snprintf(err, errlen, "kernel \"%s\": expected sim:dirty,rate=N (N pages/s, at most 1000000)",
			 kernel);
		return -EINVAL;
	}
	snprintf(err, errlen, "kernel \"%s\": xcd-sim runs " PROGRAMS, kernel);
	return -EINVAL;
}

static struct sim_guest_header *header(struct sim_domain *d)
{
	return (struct sim_guest_header *)d->mem.base;
}

/* Records a write of pfn in the guest's touched bitmap, and the writes of the
 * bitmap itself: the first bitmap page holds the bits of every bitmap page. */
void sim_guest_touch(struct sim_domain *d, uint64_t pfn)
{
	struct sim_guest_header *g = header(d);
	uint8_t *bm = d->mem.base + g->touched_pfn * SIM_PAGE_SIZE;
	__atomic_fetch_or(&bm[pfn / 8], (uint8_t)(1u << (pfn % 8)), __ATOMIC_RELAXED);
	uint64_t bpfn = g->touched_pfn + pfn / BITS_PER_PAGE;
	__atomic_fetch_or(&bm[bpfn / 8], (uint8_t)(1u << (bpfn % 8)), __ATOMIC_RELAXED);
	__atomic_fetch_or(&bm[g->touched_pfn / 8], (uint8_t)(1u << (g->touched_pfn % 8)),
			  __ATOMIC_RELAXED);
}

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* The builder's part: what a boot loader would put in memory. */
void sim_guest_boot(struct sim_domain *d)
{
	sim_logdirty_set_current(&d->mem);
	struct sim_guest_header *g = header(d);
	uint64_t n = d->mem.nr_pages;
	g->magic = SIM_GUEST_MAGIC;
	g->program = d->program;
	g->nr_vcpus = d->cfg.max_vcpus;
	g->nr_pages = n;
	g->rate = d->rate;
	g->touched_pfn = 1;
	g->touched_pages = (n + BITS_PER_PAGE - 1) / BITS_PER_PAGE;
	g->store_pfn = 1 + g->touched_pages;
	g->console_pfn = g->store_pfn + 1;
	g->xenbus_pfn = g->console_pfn + 1;
	g->data_pfn = g->xenbus_pfn + 1;
	g->store_port = d->store_port;
	g->console_port = d->console_port;
	sim_guest_touch(d, 0);
	sim_xenbus_boot(d);
	sim_logdirty_set_current(NULL);
	for (uint32_t i = 0; i < d->cfg.max_vcpus; i++) {
		struct sim_vcpu_context *c = &d->vcpus[i].ctx;
		memset(c, 0, sizeof(*c));
		c->magic = SIM_CONTEXT_MAGIC;
		c->rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t)d->domid << 32) ^ (i + 1);
	}
}

int sim_guest_check(struct sim_domain *d, char *err, size_t errlen)
{
	const struct sim_guest_header *g = header(d);
	uint64_t n = d->mem.nr_pages;
	uint64_t tp = (n + BITS_PER_PAGE - 1) / BITS_PER_PAGE;
	if (g->magic != SIM_GUEST_MAGIC) {
		snprintf(err, errlen, "page 0 holds no xcd-sim guest header (magic %#llx)",
			 (unsigned long long)g->magic);
		return -EINVAL;
	}
	if (g->nr_pages != n || g->nr_vcpus != d->cfg.max_vcpus) {
		snprintf(err, errlen,
			 "the saved guest has %llu pages and %u vCPUs, the domain %llu and %u",
			 (unsigned long long)g->nr_pages, g->nr_vcpus, (unsigned long long)n,
			 d->cfg.max_vcpus);
		return -EINVAL;
	}
	/* Every position the programs use is the one the builder computes for
	 * this size: nothing else is a guest xcd-sim made. */
	if (g->touched_pfn != 1 || g->touched_pages != tp || g->store_pfn != 1 + tp ||
	    g->console_pfn != 2 + tp || g->xenbus_pfn != 3 + tp || g->data_pfn != 4 + tp ||
	    g->data_pfn >= n) {
		snprintf(err, errlen, "the guest header's page layout is not xcd-sim's for %llu pages",
			 (unsigned long long)n);
		return -EINVAL;
	}
	if (g->program < SIM_PROG_IDLE || g->program > SIM_PROG_KV || g->rate > 1000000) {
		snprintf(err, errlen, "the guest header names program %u at rate %llu: not one of xcd-sim's",
			 g->program, (unsigned long long)g->rate);
		return -EINVAL;
	}
	if (!g->store_port || !g->console_port || g->store_port >= SIM_MAX_PORTS ||
	    g->console_port >= SIM_MAX_PORTS || g->store_port == g->console_port) {
		snprintf(err, errlen, "the guest header's event channels (%u, %u) are not two ports below %u",
			 g->store_port, g->console_port, SIM_MAX_PORTS);
		return -EINVAL;
	}
	int rc = sim_xenbus_check(d, err, errlen);
	if (rc == 0 && g->program == SIM_PROG_KV)
		rc = sim_kv_check(d, err, errlen);
	return rc;
}

static void dirty_page(struct sim_domain *d, struct sim_vcpu *v)
{
	struct sim_guest_header *g = header(d);
	uint64_t span = g->nr_pages - g->data_pfn;
	uint64_t pfn = g->data_pfn + xorshift(&v->ctx.rng) % span;
	uint64_t *w = (uint64_t *)(d->mem.base + pfn * SIM_PAGE_SIZE);
	struct sim_guest_vcpu *s = &g->vcpu[v->id];
	w[0] = pfn;
	w[1] = v->id;
	w[2] = s->counter + 1;
	for (unsigned i = 3; i < SIM_PAGE_SIZE / 8; i++)
		w[i] = xorshift(&v->ctx.rng);
	sim_guest_touch(d, pfn);
	s->counter++;
	s->last_pfn = pfn;
	sim_guest_touch(d, 0);
}

static void step(struct sim_domain *d, struct sim_vcpu *v, uint64_t events)
{
	struct sim_guest_header *g = header(d);
	struct sim_guest_vcpu *s = &g->vcpu[v->id];
	s->steps++;
	s->events += events;
	sim_guest_touch(d, 0);
	if (v->id == 0 && d->resumed) {
		d->resumed = 0;
		sim_xenbus_resume(d);
	}
	if (v->id == 0)
		sim_xenbus_step(d);
	if (g->program != SIM_PROG_DIRTY)
		return;
	v->ctx.credit += g->rate * DIRTY_TICK_MS / g->nr_vcpus;
	while (v->ctx.credit >= 1000) {
		v->ctx.credit -= 1000;
		dirty_page(d, v);
	}
}

static void deadline(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_nsec += (long)ms * 1000000;
	ts->tv_sec += ts->tv_nsec / 1000000000;
	ts->tv_nsec %= 1000000000;
}

void *sim_vcpu_main(void *arg)
{
	struct sim_vcpu *v = arg;
	struct sim_domain *d = v->d;
	unsigned tick = d->program == SIM_PROG_DIRTY ? DIRTY_TICK_MS : IDLE_TICK_MS;
	sim_logdirty_set_current(&d->mem);
	pthread_mutex_lock(&d->mu);
	for (;;) {
		while (!v->stop && (d->pause_count || d->shutdown))
			pthread_cond_wait(&d->run_cv, &d->mu);
		if (v->stop)
			break;
		uint64_t events = 0;
		if (v->id == 0) {
			events = d->pending_events;
			d->pending_events = 0;
		}
		v->in_guest = 1;
		pthread_mutex_unlock(&d->mu);

		step(d, v, events);
		struct timespec cpu;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
		int where = sched_getcpu();

		pthread_mutex_lock(&d->mu);
		v->in_guest = 0;
		v->cpu_ns = (uint64_t)cpu.tv_sec * 1000000000u + (uint64_t)cpu.tv_nsec;
		v->cpu = where < 0 ? 0 : (uint32_t)where;
		pthread_cond_broadcast(&d->safe_cv);
		if (v->stop || d->pause_count || d->shutdown)
			continue;
		/* Sleep to the next tick; an event (for vCPU 0) or a pause wakes it.
		 * Under a cap the tick is longer: the vCPU runs CAP% of the time. */
		struct timespec ts;
		deadline(&ts, d->cap ? tick * 100 / d->cap : tick);
		while (!v->stop && !d->pause_count && !d->shutdown &&
		       !(v->id == 0 && d->pending_events))
			if (pthread_cond_timedwait(&d->run_cv, &d->mu, &ts) == ETIMEDOUT)
				break;
	}
	v->in_guest = 0;
	pthread_cond_broadcast(&d->safe_cv);
	pthread_mutex_unlock(&d->mu);
	return NULL;
}
