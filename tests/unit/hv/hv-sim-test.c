/* hv-sim-test: the hv interface on its sim backend, against a private xcd-sim
 * (started from $XCD_BUILDDIR/sim/xcd-sim, else ./sim/xcd-sim). Every wait is
 * bounded. The guest programs' memory layout is sim/guest.h. */
#include "../../../hv/hv.h"
#include "../../../lib/errmsg.h"
#include "../../../sim/guest.h"
#include "../../../sim/proto.h"
#include "simfix.h"
#include <CUnit/Basic.h>
#include <errno.h>
#include <poll.h>
#include <xen/io/console.h>
#include <xen/io/xs_wire.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HOST_MIB 512

/* The fixture shared by the suite's tests, which run in order: xcd-sim
 * (S) and the domains made on it (F). */
static struct simfix S;
static struct {
	uint32_t dom[3]; /* dirty 2 vCPUs 16 MiB; idle 8 MiB; dirty 8 MiB */
	uint64_t pages[3];
} F;

static int build(struct hv *hv, uint32_t domid, const char *kernel)
{
	struct hv_build_spec spec = { .kernel = kernel };
	struct hv_build_result out;
	return hv_domain_build(hv, domid, &spec, &out);
}

#define WAIT_FOR(cond)                                                   \
	({                                                               \
		uint64_t t0_ = now_ms();                                 \
		while (!(cond) && now_ms() - t0_ < WAIT_MS)              \
			sleep_ms(10);                                    \
		(cond);                                                  \
	})

#define CHECK_RC(expr)                                                           \
	do {                                                                     \
		int rc_ = (expr);                                                \
		if (rc_ < 0)                                                     \
			fprintf(stderr, "\n%s:%d: %s = %d (%s)\n", __FILE__, __LINE__, \
				#expr, rc_, hv_error(S.hv));                     \
		CU_ASSERT_FATAL(rc_ >= 0);                                       \
	} while (0)

static int suite_init(void) { return simfix_up(&S, "hv-sim-test"); }
static int suite_clean(void) { return simfix_down(&S); }

static volatile struct sim_guest_header *map_header(uint32_t domid)
{
	void *p = NULL;
	CU_ASSERT_FATAL(hv_map(S.hv, domid, 0, 1, HV_MAP_READ, &p) == 0);
	return p;
}

static uint64_t total_counter(volatile struct sim_guest_header *g)
{
	uint64_t n = 0;
	for (uint32_t i = 0; i < g->nr_vcpus; i++)
		n += g->vcpu[i].counter;
	return n;
}

static void test_open_xen_fails(void)
{
	struct hv *hv = NULL;
	char err[XCD_ERR_MAX] = "";
	int rc = hv_open(HV_XEN, NULL, &hv, err, sizeof(err));
	CU_ASSERT(rc < 0);
	CU_ASSERT(hv == NULL);
	CU_ASSERT(strstr(err, "Xen") != NULL);
}

static void test_host_info(void)
{
	struct hv_hostinfo hi;
	CHECK_RC(hv_host_info(S.hv, &hi));
	CU_ASSERT_EQUAL(hi.nr_cpus, 2);
	CU_ASSERT_EQUAL(hi.total_kb, HOST_MIB * 1024);
	CU_ASSERT_EQUAL(hi.free_kb, HOST_MIB * 1024);
	CU_ASSERT_STRING_EQUAL(hi.backend, "sim");
	CU_ASSERT_STRING_EQUAL(hv_backend_name(S.hv), "sim");
	CU_ASSERT(hi.xen_major == 4 && hi.nr_features > 0);
}

static void test_create(void)
{
	static const struct { uint32_t vcpus; uint64_t mib; const char *kernel; } spec[3] = {
		{ 2, 16, "sim:dirty,rate=2000" }, { 1, 8, "sim:idle" }, { 1, 8, "sim:dirty,rate=500" },
	};
	for (int i = 0; i < 3; i++) {
		struct hv_domain_config cfg = { .max_vcpus = spec[i].vcpus,
						.max_mem_kb = spec[i].mib * 1024,
						.type = HV_DOM_PVH };
		memset(cfg.uuid, 0x10 + i, sizeof(cfg.uuid));
		CHECK_RC(hv_domain_create(S.hv, &cfg, &F.dom[i]));
		F.pages[i] = spec[i].mib * 256;
		struct hv_dominfo di;
		CHECK_RC(hv_domain_getinfo(S.hv, F.dom[i], &di));
		CU_ASSERT(di.flags & HV_DOMF_PAUSED); /* created paused, as on Xen */
		CHECK_RC(build(S.hv, F.dom[i], spec[i].kernel));
		CHECK_RC(hv_domain_unpause(S.hv, F.dom[i]));
	}
	struct hv_dominfo l[16];
	int n = hv_domain_list(S.hv, l, 16);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT_EQUAL(l[0].domid, 0);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(l[i + 1].domid, F.dom[i]);
		CU_ASSERT_EQUAL(l[i + 1].uuid[0], 0x10 + i);
		CU_ASSERT_EQUAL(l[i + 1].max_mem_kb, spec[i].mib * 1024);
		CU_ASSERT_EQUAL(l[i + 1].max_vcpus, spec[i].vcpus);
		CU_ASSERT(!(l[i + 1].flags & (HV_DOMF_PAUSED | HV_DOMF_SHUTDOWN)));
	}
	CU_ASSERT_EQUAL(hv_domain_list(S.hv, l, 2), 2);
	struct hv_hostinfo hi;
	CHECK_RC(hv_host_info(S.hv, &hi));
	CU_ASSERT_EQUAL(hi.free_kb, (HOST_MIB - 32) * 1024);
}

static void test_pause_unpause(void)
{
	volatile struct sim_guest_header *g = map_header(F.dom[0]);
	CU_ASSERT_EQUAL_FATAL(g->magic, SIM_GUEST_MAGIC);
	CU_ASSERT_EQUAL(g->nr_vcpus, 2);
	CU_ASSERT(WAIT_FOR(total_counter(g) > 50));
	CHECK_RC(hv_domain_pause(S.hv, F.dom[0]));
	struct hv_dominfo di;
	CHECK_RC(hv_domain_getinfo(S.hv, F.dom[0], &di));
	CU_ASSERT(di.flags & HV_DOMF_PAUSED);
	CU_ASSERT(!(di.flags & HV_DOMF_RUNNING));
	uint64_t c1 = total_counter(g);
	sleep_ms(300);
	CU_ASSERT_EQUAL(total_counter(g), c1);
	CHECK_RC(hv_domain_unpause(S.hv, F.dom[0]));
	CU_ASSERT(WAIT_FOR(total_counter(g) > c1 + 50));
	CHECK_RC(hv_domain_getinfo(S.hv, F.dom[0], &di));
	CU_ASSERT(!(di.flags & HV_DOMF_PAUSED));
	CU_ASSERT(di.cpu_time_ns > 0);
	hv_unmap(S.hv, (void *)g, 1);
}

/* Every data page the guest wrote names itself, its vCPU and a counter value. */
static void test_map_reads_guest_writes(void)
{
	uint8_t *m = NULL;
	CHECK_RC(hv_map(S.hv, F.dom[0], 0, F.pages[0], HV_MAP_READ, (void **)&m));
	CHECK_RC(hv_domain_pause(S.hv, F.dom[0]));
	struct sim_guest_header *g = (struct sim_guest_header *)m;
	CU_ASSERT_EQUAL(g->nr_pages, F.pages[0]);
	uint64_t written = 0;
	for (uint64_t pfn = g->data_pfn; pfn < g->nr_pages; pfn++) {
		uint64_t *w = (uint64_t *)(m + pfn * SIM_PAGE_SIZE);
		if (!w[0])
			continue;
		written++;
		CU_ASSERT_EQUAL(w[0], pfn);
		CU_ASSERT(w[1] < 2);
		if (w[1] < 2)
			CU_ASSERT(w[2] >= 1 && w[2] <= g->vcpu[w[1]].counter);
	}
	CU_ASSERT(written > 50);
	for (uint32_t v = 0; v < 2; v++) {
		uint64_t *w = (uint64_t *)(m + g->vcpu[v].last_pfn * SIM_PAGE_SIZE);
		CU_ASSERT_EQUAL(w[0], g->vcpu[v].last_pfn);
		CU_ASSERT_EQUAL(w[1], v);
		CU_ASSERT_EQUAL(w[2], g->vcpu[v].counter);
	}
	CHECK_RC(hv_domain_unpause(S.hv, F.dom[0]));
	CHECK_RC(hv_unmap(S.hv, m, F.pages[0]));
}

static unsigned popcount(const uint8_t *b, size_t n)
{
	unsigned c = 0;
	for (size_t i = 0; i < n; i++)
		c += (unsigned)__builtin_popcount(b[i]);
	return c;
}

/* The hypervisor's dirty bitmap equals the guest's own record of its writes. */
static void test_logdirty(void)
{
	uint32_t d = F.dom[0];
	uint64_t np = F.pages[0];
	size_t bytes = (np + 7) / 8;
	uint8_t *m = NULL, *bm = calloc(1, bytes);
	CU_ASSERT_FATAL(bm != NULL);
	CHECK_RC(hv_map(S.hv, d, 0, np, HV_MAP_READ | HV_MAP_WRITE, (void **)&m));
	struct sim_guest_header *g = (struct sim_guest_header *)m;
	uint8_t *touched = m + g->touched_pfn * SIM_PAGE_SIZE;
	CU_ASSERT_EQUAL(hv_logdirty_bitmap(S.hv, d, bm, np, 0), -EINVAL); /* not enabled */
	CHECK_RC(hv_logdirty_enable(S.hv, d));
	struct hv_dominfo di;
	CHECK_RC(hv_domain_getinfo(S.hv, d, &di));
	CU_ASSERT(di.flags & HV_DOMF_LOGDIRTY);
	for (int round = 0; round < 4; round++) {
		CHECK_RC(hv_domain_pause(S.hv, d));
		CHECK_RC(hv_logdirty_bitmap(S.hv, d, bm, np, 1));
		/* Our writes through a foreign mapping are not logged, as on Xen. */
		memset(touched, 0, g->touched_pages * SIM_PAGE_SIZE);
		CHECK_RC(hv_logdirty_bitmap(S.hv, d, bm, np, 0));
		CU_ASSERT_EQUAL(popcount(bm, bytes), 0);
		uint64_t c0 = total_counter(g);
		CHECK_RC(hv_domain_unpause(S.hv, d));
		sleep_ms(100 + 100 * round);
		CHECK_RC(hv_domain_pause(S.hv, d));
		CHECK_RC(hv_logdirty_bitmap(S.hv, d, bm, np, 0)); /* peek */
		unsigned peeked = popcount(bm, bytes);
		CHECK_RC(hv_logdirty_bitmap(S.hv, d, bm, np, 1)); /* and clear */
		CU_ASSERT_EQUAL(popcount(bm, bytes), peeked);
		unsigned dirty = popcount(bm, bytes), mine = popcount(touched, bytes);
		int same = memcmp(bm, touched, bytes) == 0;
		if (!same)
			fprintf(stderr, "\nround %d: log-dirty %u pages, guest's record %u\n", round,
				dirty, mine);
		CU_ASSERT(same);
		CU_ASSERT(dirty > 10);
		CU_ASSERT(total_counter(g) > c0);
		/* Cleared, paused: nothing more. */
		CHECK_RC(hv_logdirty_bitmap(S.hv, d, bm, np, 1));
		CU_ASSERT_EQUAL(popcount(bm, bytes), 0);
		CHECK_RC(hv_domain_unpause(S.hv, d));
	}
	/* A page written twice between reads is one bit; a short read covers a prefix. */
	CHECK_RC(hv_logdirty_bitmap(S.hv, d, bm, 8, 0));
	CHECK_RC(hv_logdirty_disable(S.hv, d));
	CHECK_RC(hv_domain_getinfo(S.hv, d, &di));
	CU_ASSERT(!(di.flags & HV_DOMF_LOGDIRTY));
	uint64_t c1 = total_counter(g);
	CU_ASSERT(WAIT_FOR(total_counter(g) > c1 + 20)); /* still runs, unprotected */
	hv_unmap(S.hv, m, np);
	free(bm);
}

/* Pages G and T wrote over the same window of about MS milliseconds, into
 *A and *B; the window's real length (a busy host oversleeps) returned. */
static uint64_t written_in(volatile struct sim_guest_header *g,
			   volatile struct sim_guest_header *t, unsigned ms, uint64_t *a,
			   uint64_t *b)
{
	uint64_t g0 = total_counter(g), t0 = total_counter(t), s0 = now_ms();
	sleep_ms(ms);
	*a = total_counter(g) - g0;
	*b = total_counter(t) - t0;
	return now_ms() - s0;
}

/* A cap holds the guest to its share of its rate (2000 pages/s: 400 at
 * 20%); lifting it gives the rate back. A busy host slows a guest too, and
 * by more at one moment than at the next: so the capped guest is measured
 * against the cap's share of its nominal rate over the window's real
 * length, and against a twin never capped (the same vCPUs, program and
 * rate) counted over the same windows, whom the host slows alike. */
static void test_cpu_cap(void)
{
	uint32_t d = F.dom[0], t;
	struct hv_domain_config cfg = { .max_vcpus = 2, .max_mem_kb = 16 * 1024,
					.type = HV_DOM_PVH };
	memset(cfg.uuid, 0x2c, sizeof(cfg.uuid));
	CHECK_RC(hv_domain_create(S.hv, &cfg, &t));
	CHECK_RC(build(S.hv, t, "sim:dirty,rate=2000"));
	CHECK_RC(hv_domain_unpause(S.hv, t));
	volatile struct sim_guest_header *g = map_header(d), *tw = map_header(t);
	uint64_t capped, twin, again, twin2, skip;
	CHECK_RC(hv_domain_set_cpu_cap(S.hv, d, 20));
	written_in(g, tw, 100, &skip, &skip); /* the tick under way ends at its old length */
	uint64_t ms = written_in(g, tw, 500, &capped, &twin);
	CHECK_RC(hv_domain_set_cpu_cap(S.hv, d, 0));
	written_in(g, tw, 100, &skip, &skip);
	written_in(g, tw, 500, &again, &twin2);
	/* 20% of 2000 pages/s over the window, a quarter more for the steps
	 * at its ends, and a step of each vCPU (10 ms of 1000 pages/s each). */
	uint64_t share = 2000 * 20 / 100 * ms / 1000 * 5 / 4 + 2 * 10;
	if (!(capped > 0 && capped <= share && capped < twin && again * 3 > twin2 * 2))
		fprintf(stderr, "\npages: %llu at 20%% (its share %llu in %llu ms), its twin %llu; "
			"%llu after, its twin %llu\n", (unsigned long long)capped,
			(unsigned long long)share, (unsigned long long)ms, (unsigned long long)twin,
			(unsigned long long)again, (unsigned long long)twin2);
	CU_ASSERT(capped > 0 && capped <= share);
	CU_ASSERT(capped < twin);
	CU_ASSERT(twin2 > 0 && again * 3 > twin2 * 2);
	CU_ASSERT_EQUAL(hv_domain_set_cpu_cap(S.hv, d, 101), -EINVAL);
	CU_ASSERT_EQUAL(hv_domain_set_cpu_cap(S.hv, 999, 50), -ESRCH);
	hv_unmap(S.hv, (void *)g, 1);
	hv_unmap(S.hv, (void *)tw, 1);
	CHECK_RC(hv_domain_destroy(S.hv, t));
}

static void test_vcpu(void)
{
	uint32_t d = F.dom[0];
	struct hv_vcpuinfo vi;
	CHECK_RC(hv_vcpu_info(S.hv, d, 1, &vi));
	CU_ASSERT(vi.online);
	CU_ASSERT_EQUAL(hv_vcpu_info(S.hv, d, 2, &vi), -EINVAL);
	uint8_t map[4] = { 0x2 }, back[4];
	CHECK_RC(hv_vcpu_set_affinity(S.hv, d, 0, map, sizeof(map)));
	CHECK_RC(hv_vcpu_get_affinity(S.hv, d, 0, back, sizeof(back)));
	CU_ASSERT(memcmp(map, back, sizeof(map)) == 0);
	struct sim_vcpu_context ctx, ctx2;
	size_t len = sizeof(ctx);
	CU_ASSERT_EQUAL(hv_vcpu_get_context(S.hv, d, 0, &ctx, &len), -EBUSY);
	CHECK_RC(hv_domain_pause(S.hv, d));
	CHECK_RC(hv_vcpu_get_context(S.hv, d, 0, &ctx, &len));
	CU_ASSERT_EQUAL(len, sizeof(ctx));
	CU_ASSERT_EQUAL(ctx.magic, SIM_CONTEXT_MAGIC);
	ctx.rng = 0x12345678;
	CHECK_RC(hv_vcpu_set_context(S.hv, d, 0, &ctx, sizeof(ctx)));
	len = sizeof(ctx2);
	CHECK_RC(hv_vcpu_get_context(S.hv, d, 0, &ctx2, &len));
	CU_ASSERT(memcmp(&ctx, &ctx2, sizeof(ctx)) == 0);
	CU_ASSERT_EQUAL(hv_vcpu_set_context(S.hv, d, 0, &ctx, 8), -EINVAL);
	CHECK_RC(hv_domain_unpause(S.hv, d));
}

static void test_evtchn(void)
{
	volatile struct sim_guest_header *g = map_header(F.dom[1]);
	uint32_t port, lport;
	CHECK_RC(hv_evtchn_alloc_unbound(S.hv, F.dom[1], 0, &port));
	CHECK_RC(hv_evtchn_bind(S.hv, F.dom[1], port, &lport));
	CU_ASSERT_EQUAL(hv_evtchn_bind(S.hv, F.dom[1], port, &lport), -EINVAL); /* bound */
	for (int i = 0; i < 3; i++)
		CHECK_RC(hv_evtchn_notify(S.hv, lport));
	CU_ASSERT(WAIT_FOR(g->vcpu[0].events == 3));
	CHECK_RC(hv_evtchn_unbind(S.hv, lport));
	CU_ASSERT_EQUAL(hv_evtchn_notify(S.hv, lport), -EINVAL);
	hv_unmap(S.hv, (void *)g, 1);
}

/* The builder's result names the rings and ports the guest uses; the
 * guest's boot requests are on its xenstore ring in its own memory. */
static void test_build_result(void)
{
	struct hv_domain_config cfg = { .max_vcpus = 1, .max_mem_kb = 4096 };
	uint32_t id;
	CHECK_RC(hv_domain_create(S.hv, &cfg, &id));
	struct hv_build_spec spec = { .kernel = "sim:idle" };
	struct hv_build_result br;
	CHECK_RC(hv_domain_build(S.hv, id, &spec, &br));
	CU_ASSERT(br.store_port > 0 && br.console_port > 0 && br.store_port != br.console_port);
	CU_ASSERT(br.store_pfn > 0 && br.console_pfn > 0 && br.store_pfn != br.console_pfn);
	volatile struct sim_guest_header *g = map_header(id);
	CU_ASSERT_EQUAL(g->store_pfn, br.store_pfn);
	CU_ASSERT_EQUAL(g->console_pfn, br.console_pfn);
	CU_ASSERT_EQUAL(g->store_port, br.store_port);
	CU_ASSERT(g->data_pfn > br.store_pfn && g->data_pfn > br.console_pfn);
	/* dom0 binds the store port: the guest's first requests notify it. */
	uint32_t lport, got = 0;
	CHECK_RC(hv_evtchn_bind(S.hv, id, br.store_port, &lport));
	CU_ASSERT_EQUAL(hv_evtchn_bind(S.hv, id, br.console_port + 10, &got), -EINVAL);
	CHECK_RC(hv_domain_unpause(S.hv, id));
	int fd = hv_evtchn_fd(S.hv);
	CU_ASSERT_FATAL(fd >= 0);
	struct pollfd pfd = { fd, POLLIN, 0 };
	CU_ASSERT(poll(&pfd, 1, WAIT_MS) == 1);
	CHECK_RC(hv_evtchn_pending(S.hv, &got));
	CU_ASSERT_EQUAL(got, lport);
	CHECK_RC(hv_evtchn_unmask(S.hv, lport));
	struct xenstore_domain_interface *ring = NULL;
	CHECK_RC(hv_map(S.hv, id, br.store_pfn, 1, HV_MAP_READ, (void **)&ring));
	CU_ASSERT(ring->req_prod > 0);
	struct xsd_sockmsg h;
	memcpy(&h, ring->req, sizeof(h));
	CU_ASSERT_EQUAL(h.type, XS_WRITE);
	CU_ASSERT(memcmp(ring->req + sizeof(h), "control/feature-poweroff", 25) == 0);
	struct xencons_interface *cons = NULL;
	CHECK_RC(hv_map(S.hv, id, br.console_pfn, 1, HV_MAP_READ, (void **)&cons));
	CU_ASSERT(cons->out_prod > 0 && memmem(cons->out, cons->out_prod, "xenbus up", 9));
	hv_unmap(S.hv, cons, 1);
	hv_unmap(S.hv, ring, 1);
	hv_unmap(S.hv, (void *)g, 1);
	CHECK_RC(hv_evtchn_unbind(S.hv, lport));
	CHECK_RC(hv_domain_destroy(S.hv, id));
	/* The destruction raised nothing here: no VIRQ bound yet. */
	CU_ASSERT_EQUAL(hv_evtchn_pending(S.hv, &got), -EAGAIN);
}

/* VIRQ_DOM_EXC: pending once per shutdown or destruction, masked until
 * unmask; a second hv client adopts the handle with its bindings. */
static void test_dom_exc_and_adopt(void)
{
	uint32_t virq, got;
	CHECK_RC(hv_evtchn_bind_dom_exc(S.hv, &virq));
	CU_ASSERT_EQUAL(hv_evtchn_bind_dom_exc(S.hv, &got), -EEXIST);
	struct hv_domain_config cfg = { .max_vcpus = 1, .max_mem_kb = 4096 };
	uint32_t a, b;
	CHECK_RC(hv_domain_create(S.hv, &cfg, &a));
	CHECK_RC(hv_domain_create(S.hv, &cfg, &b));
	CHECK_RC(build(S.hv, a, "sim:idle"));
	CHECK_RC(hv_domain_unpause(S.hv, a));
	CU_ASSERT_EQUAL(hv_evtchn_pending(S.hv, &got), -EAGAIN);
	CHECK_RC(hv_domain_shutdown(S.hv, a, HV_SHUTDOWN_POWEROFF));
	struct pollfd pfd = { hv_evtchn_fd(S.hv), POLLIN, 0 };
	CU_ASSERT(poll(&pfd, 1, WAIT_MS) == 1);
	CHECK_RC(hv_evtchn_pending(S.hv, &got));
	CU_ASSERT_EQUAL(got, virq);
	/* Masked: the destruction is remembered, not delivered... */
	CHECK_RC(hv_domain_destroy(S.hv, b));
	CU_ASSERT_EQUAL(hv_evtchn_pending(S.hv, &got), -EAGAIN);
	/* ...until unmask. */
	CHECK_RC(hv_evtchn_unmask(S.hv, virq));
	CU_ASSERT(poll(&pfd, 1, WAIT_MS) == 1);
	CHECK_RC(hv_evtchn_pending(S.hv, &got));
	CU_ASSERT_EQUAL(got, virq);
	CHECK_RC(hv_evtchn_unmask(S.hv, virq));

	/* Adopt, as a re-executed daemon does with its inherited descriptor. */
	struct hv *hv2 = NULL;
	char err[XCD_ERR_MAX] = "";
	CU_ASSERT_FATAL(hv_open(HV_SIM, S.sock, &hv2, err, sizeof(err)) == 0);
	int fd2 = dup(hv_evtchn_fd(S.hv));
	CU_ASSERT_FATAL(fd2 >= 0);
	CU_ASSERT_EQUAL(hv_evtchn_adopt(hv2, fd2), 0);
	CU_ASSERT_EQUAL(hv_evtchn_fd(hv2), fd2);
	hv_close(S.hv); /* the first client goes; the handle lives on in fd2 */
	S.hv = hv2;
	CHECK_RC(hv_domain_destroy(S.hv, a));
	pfd.fd = fd2;
	CU_ASSERT(poll(&pfd, 1, WAIT_MS) == 1);
	CHECK_RC(hv_evtchn_pending(S.hv, &got));
	CU_ASSERT_EQUAL(got, virq);
	CHECK_RC(hv_evtchn_unmask(S.hv, virq));
	CU_ASSERT_EQUAL(hv_evtchn_adopt(S.hv, 0), -ENOENT); /* stdin: not a handle */
	CHECK_RC(hv_evtchn_unbind(S.hv, virq));
}

/* Bindings belong to the handle: when its last descriptor closes, the
 * guest's port is unbound again and another client may bind it. */
static void test_handle_close_unbinds(void)
{
	struct hv_domain_config cfg = { .max_vcpus = 1, .max_mem_kb = 4096 };
	uint32_t id, lport, lport2;
	CHECK_RC(hv_domain_create(S.hv, &cfg, &id));
	struct hv_build_spec spec = { .kernel = "sim:idle" };
	struct hv_build_result br;
	CHECK_RC(hv_domain_build(S.hv, id, &spec, &br));
	struct hv *hv2 = NULL;
	char err[XCD_ERR_MAX] = "";
	CU_ASSERT_FATAL(hv_open(HV_SIM, S.sock, &hv2, err, sizeof(err)) == 0);
	CU_ASSERT_EQUAL_FATAL(hv_evtchn_bind(hv2, id, br.store_port, &lport2), 0);
	CU_ASSERT_EQUAL(hv_evtchn_bind(S.hv, id, br.store_port, &lport), -EINVAL); /* taken */
	hv_close(hv2);
	/* xcd-sim notices the closed handle asynchronously */
	int rc = -EINVAL;
	for (uint64_t t0 = now_ms(); rc == -EINVAL && now_ms() - t0 < WAIT_MS; sleep_ms(10))
		rc = hv_evtchn_bind(S.hv, id, br.store_port, &lport);
	CU_ASSERT_EQUAL(rc, 0);
	/* and the guest's boot requests now reach this client */
	CHECK_RC(hv_domain_unpause(S.hv, id));
	struct pollfd pfd = { hv_evtchn_fd(S.hv), POLLIN, 0 };
	CU_ASSERT(poll(&pfd, 1, WAIT_MS) == 1);
	uint32_t got = 0;
	CHECK_RC(hv_evtchn_pending(S.hv, &got));
	CU_ASSERT_EQUAL(got, lport);
	CHECK_RC(hv_evtchn_unmask(S.hv, lport));
	CHECK_RC(hv_evtchn_unbind(S.hv, lport));
	CHECK_RC(hv_domain_destroy(S.hv, id));
	/* VIRQ_DOM_EXC was unbound by the adopt test: nothing more arrives. */
	CU_ASSERT_EQUAL(hv_evtchn_pending(S.hv, &got), -EAGAIN);
}

static void test_shutdown_suspend(void)
{
	struct hv_dominfo di;
	volatile struct sim_guest_header *g = map_header(F.dom[2]);
	CU_ASSERT(WAIT_FOR(total_counter(g) > 5));
	CHECK_RC(hv_domain_shutdown(S.hv, F.dom[2], HV_SHUTDOWN_REBOOT));
	CHECK_RC(hv_domain_getinfo(S.hv, F.dom[2], &di));
	CU_ASSERT(di.flags & HV_DOMF_SHUTDOWN);
	CU_ASSERT_EQUAL(di.shutdown_reason, HV_SHUTDOWN_REBOOT);
	uint64_t c = total_counter(g);
	sleep_ms(200);
	CU_ASSERT_EQUAL(total_counter(g), c);
	CU_ASSERT_EQUAL(hv_domain_resume(S.hv, F.dom[2]), -EINVAL); /* not suspended */
	hv_unmap(S.hv, (void *)g, 1);

	g = map_header(F.dom[0]);
	/* hv_domain_suspend waits for the guest's own suspend (no xenstore
	 * here to ask it through): a running guest is waited for; shutdown
	 * with reason suspend plays the guest doing it, then the wait ends. */
	CHECK_RC(hv_domain_shutdown(S.hv, F.dom[0], HV_SHUTDOWN_SUSPEND));
	CHECK_RC(hv_domain_suspend(S.hv, F.dom[0]));
	CHECK_RC(hv_domain_getinfo(S.hv, F.dom[0], &di));
	CU_ASSERT(di.flags & HV_DOMF_SHUTDOWN);
	CU_ASSERT_EQUAL(di.shutdown_reason, HV_SHUTDOWN_SUSPEND);
	c = total_counter(g);
	sleep_ms(200);
	CU_ASSERT_EQUAL(total_counter(g), c);
	CHECK_RC(hv_domain_resume(S.hv, F.dom[0]));
	CU_ASSERT(WAIT_FOR(total_counter(g) > c + 20));
	hv_unmap(S.hv, (void *)g, 1);
}

static void test_memory(void)
{
	struct hv_dominfo di;
	CHECK_RC(hv_set_target_mem(S.hv, F.dom[1], 4096));
	CHECK_RC(hv_set_max_mem(S.hv, F.dom[1], 6144));
	CHECK_RC(hv_domain_getinfo(S.hv, F.dom[1], &di));
	CU_ASSERT_EQUAL(di.target_kb, 4096);
	CU_ASSERT_EQUAL(di.max_mem_kb, 6144);
	CU_ASSERT_EQUAL(hv_set_max_mem(S.hv, F.dom[1], 1 << 30), -EINVAL);
}

static void test_errors(void)
{
	struct hv_dominfo di;
	void *p;
	CU_ASSERT_EQUAL(hv_domain_getinfo(S.hv, 999, &di), -ESRCH);
	CU_ASSERT(strstr(hv_error(S.hv), "999") != NULL);
	CU_ASSERT_EQUAL(hv_domain_pause(S.hv, 999), -ESRCH);
	CU_ASSERT_EQUAL(hv_domain_destroy(S.hv, 0), -EPERM);
	CU_ASSERT_EQUAL(hv_domain_unpause(S.hv, F.dom[1]), -EINVAL); /* not paused */
	CU_ASSERT_EQUAL(hv_map(S.hv, F.dom[1], F.pages[1], 1, HV_MAP_READ, &p), -EINVAL);
	CU_ASSERT_EQUAL(hv_map(S.hv, F.dom[1], F.pages[1] - 1, 2, HV_MAP_READ, &p), -EINVAL);
	CU_ASSERT_EQUAL(hv_map(S.hv, F.dom[1], 0, 0, HV_MAP_READ, &p), -EINVAL);
	CU_ASSERT_EQUAL(build(S.hv, F.dom[1], "sim:idle"), -EEXIST);
	struct hv_domain_config cfg = { .max_vcpus = 1, .max_mem_kb = 8192 };
	uint32_t id;
	CHECK_RC(hv_domain_create(S.hv, &cfg, &id));
	CU_ASSERT_EQUAL(build(S.hv, id, "vmlinuz"), -EINVAL);
	CU_ASSERT(strstr(hv_error(S.hv), "vmlinuz") != NULL);
	CU_ASSERT(strstr(hv_error(S.hv), "\"sim:kv\"") != NULL); /* the programs it runs */
	CU_ASSERT_EQUAL(build(S.hv, id, "sim:kv,rate=1"), -EINVAL);
	CU_ASSERT_EQUAL(build(S.hv, id, "sim:dirty,rate=x"), -EINVAL);
	CHECK_RC(hv_domain_destroy(S.hv, id));
	cfg.max_mem_kb = (uint64_t)HOST_MIB * 1024;
	CU_ASSERT_EQUAL(hv_domain_create(S.hv, &cfg, &id), -ENOMEM);
	cfg.max_mem_kb = 8192;
	cfg.max_vcpus = 0;
	CU_ASSERT_EQUAL(hv_domain_create(S.hv, &cfg, &id), -EINVAL);
	CU_ASSERT_EQUAL(hv_domain_shutdown(S.hv, F.dom[1], 99), -EINVAL);
}

/* A new uuid (Xen's domain handle), as rename-restart gives a kept domain. */
static void test_set_uuid(void)
{
	uint8_t u[16];
	memset(u, 0xab, sizeof(u));
	CHECK_RC(hv_domain_set_uuid(S.hv, F.dom[1], u));
	struct hv_dominfo di;
	CHECK_RC(hv_domain_getinfo(S.hv, F.dom[1], &di));
	CU_ASSERT(memcmp(di.uuid, u, 16) == 0);
	memset(u, 0x11, sizeof(u));
	CHECK_RC(hv_domain_set_uuid(S.hv, F.dom[1], u));
	CHECK_RC(hv_domain_getinfo(S.hv, F.dom[1], &di));
	CU_ASSERT_EQUAL(di.uuid[0], 0x11);
	CU_ASSERT_EQUAL(hv_domain_set_uuid(S.hv, 0x7777, u), -ESRCH);
}

static void test_destroy(void)
{
	/* A mapping outlives the domain, as a foreign mapping holds Xen's pages. */
	volatile struct sim_guest_header *g = map_header(F.dom[0]);
	for (int i = 0; i < 3; i++)
		CHECK_RC(hv_domain_destroy(S.hv, F.dom[i]));
	CU_ASSERT_EQUAL(hv_domain_destroy(S.hv, F.dom[2]), -ESRCH);
	struct hv_dominfo di, l[8];
	CU_ASSERT_EQUAL(hv_domain_getinfo(S.hv, F.dom[0], &di), -ESRCH);
	CU_ASSERT_EQUAL(hv_domain_list(S.hv, l, 8), 1);
	CU_ASSERT_EQUAL(g->magic, SIM_GUEST_MAGIC);
	hv_unmap(S.hv, (void *)g, 1);
	struct hv_hostinfo hi;
	CHECK_RC(hv_host_info(S.hv, &hi));
	CU_ASSERT_EQUAL(hi.free_kb, HOST_MIB * 1024);
}

/* SIGTERM with running, log-dirty, mapped domains: a clean exit (under ASan,
 * no leak or error report), the socket removed. */
static void test_sim_sigterm(void)
{
	char sock[160];
	snprintf(sock, sizeof(sock), "%s/term.sock", S.dir);
	pid_t pid;
	struct hv *hv = NULL;
	CU_ASSERT_FATAL(spawn_sim(S.dir, sock, &pid, &hv) == 0);
	struct hv_domain_config cfg = { .max_vcpus = 2, .max_mem_kb = 4096 };
	uint32_t id, port;
	CU_ASSERT(hv_domain_create(hv, &cfg, &id) == 0);
	CU_ASSERT(build(hv, id, "sim:dirty,rate=5000") == 0);
	CU_ASSERT(hv_logdirty_enable(hv, id) == 0);
	CU_ASSERT(hv_domain_unpause(hv, id) == 0);
	CU_ASSERT(hv_evtchn_alloc_unbound(hv, id, 0, &port) == 0);
	sleep_ms(100);
	kill(pid, SIGTERM);
	int st = -1;
	uint64_t t0 = now_ms();
	while (waitpid(pid, &st, WNOHANG) == 0 && now_ms() - t0 < WAIT_MS)
		sleep_ms(10);
	if (now_ms() - t0 >= WAIT_MS) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CU_ASSERT(access(sock, F_OK) < 0);
	hv_close(hv);
}

static void test_sim_killed(void)
{
	kill(S.pid, SIGKILL);
	waitpid(S.pid, NULL, 0);
	S.pid = 0;
	uint64_t t0 = now_ms();
	struct hv_hostinfo hi;
	int rc = hv_host_info(S.hv, &hi);
	CU_ASSERT(rc == -ECONNRESET || rc == -EPIPE);
	CU_ASSERT(strstr(hv_error(S.hv), "xcd-sim") != NULL);
	struct hv_dominfo di;
	rc = hv_domain_getinfo(S.hv, 1, &di);
	CU_ASSERT(rc == -ECONNRESET || rc == -EPIPE);
	CU_ASSERT(now_ms() - t0 < 1000);
	char err[XCD_ERR_MAX] = "";
	struct hv *hv2 = NULL;
	CU_ASSERT(hv_open(HV_SIM, S.sock, &hv2, err, sizeof(err)) < 0);
	CU_ASSERT(strstr(err, S.sock) != NULL);
}

/* One HELLO with VERSION on a connection of its own: the answer's err. */
static int hello_as(uint32_t version)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { 5, 0 };
	if (strlen(S.sock) >= sizeof(sa.sun_path))
		CU_FAIL_FATAL("socket path too long");
	memcpy(sa.sun_path, S.sock, strlen(S.sock) + 1);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (fd >= 0)
			close(fd);
		return -9999;
	}
	struct {
		struct sim_req q;
		uint32_t v;
	} m = { { SIM_MAGIC, SIM_OP_HELLO, 0, sizeof(uint32_t) }, version };
	struct sim_rsp r = { 0 };
	int rc = -9999;
	if (write(fd, &m, sizeof(m)) == (ssize_t)sizeof(m) &&
	    recv(fd, &r, sizeof(r), MSG_WAITALL) == (ssize_t)sizeof(r) && r.magic == SIM_MAGIC)
		rc = r.err;
	close(fd);
	return rc;
}

/* The wire's records are xcd-sim's ABI: a client of another protocol
 * version is refused at HELLO, never left to misread them. */
static void test_hello_version(void)
{
	CU_ASSERT_EQUAL(hello_as(SIM_PROTO_VERSION), 0);
	CU_ASSERT_EQUAL(hello_as(SIM_PROTO_VERSION - 1), -EPROTO);
	CU_ASSERT_EQUAL(hello_as(SIM_PROTO_VERSION + 1), -EPROTO);
}

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_pSuite s = CU_add_suite("hv-sim", suite_init, suite_clean);
	CU_add_test(s, "hv_open(HV_XEN) fails cleanly without Xen", test_open_xen_fails);
	CU_add_test(s, "HELLO refuses another protocol version", test_hello_version);
	CU_add_test(s, "host info", test_host_info);
	CU_add_test(s, "create, build, unpause, list 3 domains", test_create);
	CU_add_test(s, "pause stops the guest, unpause resumes it", test_pause_unpause);
	CU_add_test(s, "mapped memory shows the guest's writes", test_map_reads_guest_writes);
	CU_add_test(s, "log-dirty equals the guest's record of its writes", test_logdirty);
	CU_add_test(s, "a CPU cap slows the guest, lifting it gives its rate back", test_cpu_cap);
	CU_add_test(s, "vCPU info, affinity, context", test_vcpu);
	CU_add_test(s, "event channel notify wakes sim:idle", test_evtchn);
	CU_add_test(s, "build result: rings and ports in guest memory", test_build_result);
	CU_add_test(s, "VIRQ_DOM_EXC, masking, adopt of the handle", test_dom_exc_and_adopt);
	CU_add_test(s, "closing a handle unbinds its ports", test_handle_close_unbinds);
	CU_add_test(s, "shutdown with a reason; suspend and resume", test_shutdown_suspend);
	CU_add_test(s, "memory max and target", test_memory);
	CU_add_test(s, "errors", test_errors);
	CU_add_test(s, "a domain's uuid changed", test_set_uuid);
	CU_add_test(s, "destroy", test_destroy);
	CU_add_test(s, "xcd-sim exits cleanly on SIGTERM", test_sim_sigterm);
	CU_add_test(s, "xcd-sim killed: calls fail, no hang", test_sim_killed);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
