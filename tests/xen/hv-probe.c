/* hv-probe: drives hv's Xen backend in the lab, one operation per run, each
 * checked against what Xen reports afterwards. Uses only hv and libxenstore,
 * as the toolstack will: tests/xen/40-hv-build.sh runs it and cross-checks
 * with xl.
 *
 *   hv-probe start pv|pvh NAME KERNEL INITRD CMDLINE MEM_MB [VCPUS]   prints the domid
 *   hv-probe pause|unpause DOMID
 *   hv-probe pin DOMID VCPU CPU
 *   hv-probe maxmem DOMID KB
 *   hv-probe target DOMID KB
 *   hv-probe logdirty DOMID NPAGES ROUNDS
 *   hv-probe suspend DOMID        asks through control/shutdown, then hv_domain_suspend
 *   hv-probe resume DOMID
 *   hv-probe shutdown-wait DOMID REASON SECONDS   asks control/shutdown = REASON
 *   hv-probe context DOMID        vCPU 0's context, read twice while paused: the same,
 *                                 with a page-table base and an instruction pointer
 *   hv-probe map-console DOMID    maps the console ring named by console/ring-ref and
 *                                 prints what the guest wrote there last (stdout)
 *   hv-probe destroy DOMID
 *   hv-probe pvh-params DOMID     prints a PVH domain's paging pool (paging_pool_kb N)
 *                                 and timer mode (timer_mode N, Xen's HVMPTM_* value)
 *   hv-probe refuse-pvh-big       hv_domain_create of a PVH domain with more vCPUs than
 *                                 its ACPI tables describe must fail
 *   hv-probe clone DOMID NAME     a PVH guest suspended and moved into a new domain NAME
 *                                 through hv (memory map, CPU policy, TSC, HVM params and
 *                                 context), each read back; prints the new domid
 *                                 (hv-probe-state.c)
 *
 * Exit status 0 when the operation did what it should, 1 otherwise, with the
 * reason on stderr. XCD_HV_PROBE_DEBUG=1 shows libxenctrl's own messages.
 * Checks read Xen through hv, and through libxenctrl where hv has no reader
 * (a PVH domain's paging pool and timer mode). */
#include "hv-probe.h"
#include "../../hv/backend.h"
#include "../../lib/errmsg.h"
#include "../../lib/log.h"
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xenstore.h>
#include <xen/io/console.h>
#include <xen/xen.h>

int failf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("hv-probe: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return 1;
}

int hvfail(struct probe *p, const char *what, int rc)
{
	return failf("%s: %s (%s)", what, hv_error(p->hv), strerror(-rc));
}

long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-')
		return failf("not a number: '%s'", s);
	*out = v;
	return 0;
}

static int parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;
	if (parse_u64(s, &v))
		return 1;
	if (v > UINT32_MAX)
		return failf("out of range: '%s'", s);
	*out = (uint32_t)v;
	return 0;
}

static bool xs_writef(struct xs_handle *xs, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool xs_writef(struct xs_handle *xs, const char *path, const char *fmt, ...)
{
	char v[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	return xs_write(xs, XBT_NULL, path, v, strlen(v));
}

/* The entries a toolstack writes before it introduces a domain: its home,
 * readable by the guest, with the nodes the guest writes (control/feature-*,
 * device, data) owned by it, and where xenconsoled finds the console ring. */
int xs_domain_entries(struct probe *p, uint32_t domid, const char *name,
		      const struct hv_build_result *b, uint64_t mem_kb)
{
	char home[64], path[160];
	snprintf(home, sizeof(home), "/local/domain/%u", domid);
	struct xs_permissions ro[2] = { { .id = 0, .perms = XS_PERM_NONE },
					{ .id = domid, .perms = XS_PERM_READ } };
	struct xs_permissions rw[1] = { { .id = domid, .perms = XS_PERM_NONE } };
	if (!xs_mkdir(p->xs, XBT_NULL, home) ||
	    !xs_set_permissions(p->xs, XBT_NULL, home, ro, 2))
		return failf("xenstore: cannot create %s: %s", home, strerror(errno));
	static const char *const guest_owned[] = {
		"control/shutdown", "control/feature-poweroff", "control/feature-reboot",
		"control/feature-suspend", "control/sysrq", "device", "data", "drivers",
		"feature", "attr", "error",
	};
	snprintf(path, sizeof(path), "%s/control", home);
	if (!xs_mkdir(p->xs, XBT_NULL, path) || !xs_set_permissions(p->xs, XBT_NULL, path, ro, 2))
		return failf("xenstore: cannot create %s: %s", path, strerror(errno));
	for (size_t i = 0; i < sizeof(guest_owned) / sizeof(guest_owned[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", home, guest_owned[i]);
		if (!xs_write(p->xs, XBT_NULL, path, "", 0) ||
		    !xs_set_permissions(p->xs, XBT_NULL, path, rw, 1))
			return failf("xenstore: cannot create %s: %s", path, strerror(errno));
	}
	struct {
		const char *key, *fmt;
		uint64_t v;
	} nodes[] = {
		{ "domid", "%" PRIu64, domid },
		{ "memory/static-max", "%" PRIu64, mem_kb },
		{ "memory/target", "%" PRIu64, mem_kb },
		{ "store/port", "%" PRIu64, b->store_port },
		{ "store/ring-ref", "%" PRIu64, b->store_pfn },
		{ "console/port", "%" PRIu64, b->console_port },
		{ "console/ring-ref", "%" PRIu64, b->console_pfn },
		{ "cpu/0/availability", "online", 0 },
		{ "console/type", "xenconsoled", 0 },
		{ "console/output", "pty", 0 },
	};
	snprintf(path, sizeof(path), "%s/name", home);
	if (!xs_write(p->xs, XBT_NULL, path, name, strlen(name)))
		return failf("xenstore: cannot write %s: %s", path, strerror(errno));
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", home, nodes[i].key);
		bool ok = strchr(nodes[i].fmt, '%') ? xs_writef(p->xs, path, nodes[i].fmt, nodes[i].v)
						     : xs_writef(p->xs, path, "%s", nodes[i].fmt);
		if (!ok)
			return failf("xenstore: cannot write %s: %s", path, strerror(errno));
	}
	return 0;
}

/* A PVH domain's paging pool (bytes) and timer mode, read from Xen. */
static int pvh_params(uint32_t domid, uint64_t *pool, uint64_t *timer_mode)
{
	xc_interface *xch = xc_interface_open(NULL, NULL, 0);
	if (!xch)
		return failf("xc_interface_open: %s", strerror(errno));
	int r = xc_get_paging_mempool_size(xch, domid, pool);
	const char *what = "xc_get_paging_mempool_size";
	if (r == 0) {
		r = xc_hvm_param_get(xch, domid, HVM_PARAM_TIMER_MODE, timer_mode);
		what = "xc_hvm_param_get(HVM_PARAM_TIMER_MODE)";
	}
	int e = errno;
	xc_interface_close(xch);
	return r < 0 ? failf("%s of domain %u: %s", what, domid, strerror(e)) : 0;
}

static int cmd_pvh_params(uint32_t domid)
{
	uint64_t pool, tm;
	if (pvh_params(domid, &pool, &tm))
		return 1;
	printf("paging_pool_kb %" PRIu64 "\ntimer_mode %" PRIu64 "\n", pool / 1024, tm);
	return 0;
}

static int cmd_start(struct probe *p, char **av)
{
	const char *type = av[0], *name = av[1];
	uint64_t mem_mb;
	if (parse_u64(av[5], &mem_mb))
		return 1;
	uint32_t vcpus = 1;
	if (av[6] && parse_u32(av[6], &vcpus))
		return 1;
	struct hv_domain_config cfg = { .max_vcpus = vcpus, .max_mem_kb = mem_mb * 1024 };
	if (!strcmp(type, "pvh")) {
		cfg.type = HV_DOM_PVH;
		cfg.flags = HV_CREATE_TSC_NATIVE;
	} else if (!strcmp(type, "pv"))
		cfg.type = HV_DOM_PV;
	else
		return failf("start: type pv or pvh, not '%s'", type);
	/* a random (version 4) uuid, read back below */
	srand((unsigned)now_ms() ^ (unsigned)getpid());
	for (int i = 0; i < 16; i++)
		cfg.uuid[i] = (uint8_t)rand();
	cfg.uuid[6] = (cfg.uuid[6] & 0x0f) | 0x40;
	cfg.uuid[8] = (cfg.uuid[8] & 0x3f) | 0x80;

	long t0 = now_ms();
	uint32_t domid;
	int rc = hv_domain_create(p->hv, &cfg, &domid);
	if (rc < 0)
		return hvfail(p, "hv_domain_create", rc);
	long t1 = now_ms();
	struct hv_build_spec spec = { .kernel = av[2], .ramdisk = av[3][0] ? av[3] : NULL,
				      .cmdline = av[4], .store_domid = 0, .console_domid = 0 };
	struct hv_build_result b;
	rc = hv_domain_build(p->hv, domid, &spec, &b);
	if (rc < 0) {
		int r = hvfail(p, "hv_domain_build", rc);
		hv_domain_destroy(p->hv, domid);
		return r;
	}
	long t2 = now_ms();
	fprintf(stderr,
		"hv-probe: %s domain %u: create %ld ms, build %ld ms; store pfn %#" PRIx64
		" port %u, console pfn %#" PRIx64 " port %u\n",
		type, domid, t1 - t0, t2 - t1, b.store_pfn, b.store_port, b.console_pfn,
		b.console_port);
	struct hv_dominfo d;
	if ((rc = hv_domain_getinfo(p->hv, domid, &d)) < 0)
		return hvfail(p, "hv_domain_getinfo after build", rc);
	if (d.type != cfg.type || d.max_mem_kb != cfg.max_mem_kb || d.max_vcpus != vcpus ||
	    memcmp(d.uuid, cfg.uuid, 16) || !(d.flags & HV_DOMF_PAUSED))
		return failf("after build domain %u reads type %u max %" PRIu64
			     " KiB vcpus %u flags %#x, uuid %s; want type %u max %" PRIu64
			     " KiB, %u vCPUs, paused, our uuid",
			     domid, d.type, d.max_mem_kb, d.max_vcpus, d.flags,
			     memcmp(d.uuid, cfg.uuid, 16) ? "differs" : "same", cfg.type,
			     cfg.max_mem_kb, vcpus);
	if (d.mem_kb < cfg.max_mem_kb)
		return failf("after build domain %u has %" PRIu64 " KiB populated, want %" PRIu64,
			     domid, d.mem_kb, cfg.max_mem_kb);
	if (cfg.type == HV_DOM_PVH) {
		uint64_t pool, tm, want = pvh_paging_pool_bytes(&cfg);
		if (pvh_params(domid, &pool, &tm))
			return 1;
		if (pool != want || tm != HVMPTM_no_delay_for_missed_ticks)
			return failf("after build PVH domain %u has a paging pool of %" PRIu64
				     " bytes and timer mode %" PRIu64 ", want %" PRIu64
				     " and %d (no_delay_for_missed_ticks, xl's default)",
				     domid, pool, tm, want, HVMPTM_no_delay_for_missed_ticks);
		fprintf(stderr, "hv-probe: %s domain %u: paging pool %" PRIu64 " KiB, timer mode %"
			PRIu64 "\n", type, domid, pool / 1024, tm);
	}
	if (xs_domain_entries(p, domid, name, &b, cfg.max_mem_kb))
		return 1;
	if (!xs_introduce_domain(p->xs, domid, b.store_pfn, b.store_port))
		return failf("xs_introduce_domain %u (pfn %#" PRIx64 ", port %u): %s", domid,
			     b.store_pfn, b.store_port, strerror(errno));
	if ((rc = hv_domain_unpause(p->hv, domid)) < 0)
		return hvfail(p, "hv_domain_unpause", rc);
	printf("%u\n", domid);
	return 0;
}

static int info(struct probe *p, uint32_t domid, struct hv_dominfo *d)
{
	int rc = hv_domain_getinfo(p->hv, domid, d);
	return rc < 0 ? hvfail(p, "hv_domain_getinfo", rc) : 0;
}

static int cmd_pause(struct probe *p, uint32_t domid, bool pause)
{
	long t0 = now_ms();
	int rc = pause ? hv_domain_pause(p->hv, domid) : hv_domain_unpause(p->hv, domid);
	if (rc < 0)
		return hvfail(p, pause ? "hv_domain_pause" : "hv_domain_unpause", rc);
	long t1 = now_ms();
	struct hv_dominfo d;
	if (info(p, domid, &d))
		return 1;
	if (!!(d.flags & HV_DOMF_PAUSED) != pause)
		return failf("domain %u: after %s the flags are %#x", domid,
			     pause ? "pause" : "unpause", d.flags);
	fprintf(stderr, "hv-probe: %s of domain %u: %ld ms\n", pause ? "pause" : "unpause", domid,
		t1 - t0);
	return 0;
}

static int cmd_pin(struct probe *p, uint32_t domid, uint32_t vcpu, uint32_t cpu)
{
	struct hv_hostinfo h;
	int rc = hv_host_info(p->hv, &h);
	if (rc < 0)
		return hvfail(p, "hv_host_info", rc);
	if (cpu >= h.nr_cpus)
		return failf("pin: the host has %u CPUs, no CPU %u", h.nr_cpus, cpu);
	size_t len = (h.nr_cpus + 7) / 8;
	uint8_t map[64] = { 0 }, back[64];
	if (len > sizeof(map))
		len = sizeof(map);
	map[cpu / 8] = (uint8_t)(1u << (cpu % 8));
	if ((rc = hv_vcpu_set_affinity(p->hv, domid, vcpu, map, len)) < 0)
		return hvfail(p, "hv_vcpu_set_affinity", rc);
	if ((rc = hv_vcpu_get_affinity(p->hv, domid, vcpu, back, len)) < 0)
		return hvfail(p, "hv_vcpu_get_affinity", rc);
	if (memcmp(map, back, len))
		return failf("pin: vCPU %u of domain %u reads back affinity %#x, want %#x", vcpu,
			     domid, back[0], map[0]);
	/* a running vCPU moves at its next schedule */
	struct hv_vcpuinfo vi;
	for (long end = now_ms() + 5000;; sleep_ms(50)) {
		if ((rc = hv_vcpu_info(p->hv, domid, vcpu, &vi)) < 0)
			return hvfail(p, "hv_vcpu_info", rc);
		if (vi.cpu == cpu)
			break;
		if (now_ms() > end)
			return failf("pin: vCPU %u of domain %u still last ran on CPU %u after 5 s",
				     vcpu, domid, vi.cpu);
	}
	return 0;
}

static int cmd_maxmem(struct probe *p, uint32_t domid, uint64_t kb)
{
	int rc = hv_set_max_mem(p->hv, domid, kb);
	if (rc < 0)
		return hvfail(p, "hv_set_max_mem", rc);
	struct hv_dominfo d;
	if (info(p, domid, &d))
		return 1;
	if (d.max_mem_kb != kb)
		return failf("maxmem: domain %u reads back %" PRIu64 " KiB, want %" PRIu64, domid,
			     d.max_mem_kb, kb);
	return 0;
}

static int cmd_target(struct probe *p, uint32_t domid, uint64_t kb)
{
	struct hv_dominfo d;
	if (info(p, domid, &d))
		return 1;
	int rc = hv_set_target_mem(p->hv, domid, kb);
	if (rc < 0)
		return hvfail(p, "hv_set_target_mem", rc);
	/* a target above the maximum is refused */
	rc = hv_set_target_mem(p->hv, domid, d.max_mem_kb + 4096);
	if (rc != -EINVAL)
		return failf("target above max: rc %d (%s), want -EINVAL", rc, hv_error(p->hv));
	fprintf(stderr, "hv-probe: target above max refused: %s\n", hv_error(p->hv));
	return 0;
}

static uint64_t popcount_bytes(const uint8_t *b, size_t n)
{
	uint64_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += (uint64_t)__builtin_popcount(b[i]);
	return c;
}

/* One second of guest activity: an idle Linux guest may not wake within a
 * second (no-HZ idle), so poke its balloon driver's xenstore watch every
 * 100 ms; the guest's own handling (kernel stack, xenbus ring, ...) writes
 * its memory. Rewriting the same target changes nothing in the guest. */
static void stir(struct probe *p, uint32_t domid)
{
	char path[96], v[32];
	snprintf(path, sizeof(path), "/local/domain/%u/memory/target", domid);
	unsigned int len = 0;
	char *cur = xs_read(p->xs, XBT_NULL, path, &len);
	snprintf(v, sizeof(v), "%s", cur ? cur : "");
	free(cur);
	for (int i = 0; i < 10; i++) {
		if (v[0])
			xs_write(p->xs, XBT_NULL, path, v, strlen(v));
		sleep_ms(100);
	}
}

/* Exit 3 when Xen refuses log-dirty itself (PV on Debian's Xen: no shadow
 * paging), so that the scenario can tell a known limit from a failure. */
static int cmd_logdirty(struct probe *p, uint32_t domid, uint64_t npages, uint32_t rounds)
{
	int rc = hv_logdirty_enable(p->hv, domid);
	if (rc < 0) {
		hvfail(p, "hv_logdirty_enable", rc);
		return rc == -EOPNOTSUPP ? 3 : 1;
	}
	size_t bytes = (npages + 7) / 8;
	uint8_t *bm = calloc(bytes, 1);
	if (!bm)
		return failf("out of memory");
	int ret = 0;
	/* round 0 also clears what was marked before; rounds 1.. must each see
	 * fresh writes, proving that a read clears and marking goes on */
	for (uint32_t r = 0; r <= rounds && !ret; r++) {
		stir(p, domid);
		if ((rc = hv_logdirty_bitmap(p->hv, domid, bm, npages, 0)) < 0) {
			ret = hvfail(p, "hv_logdirty_bitmap (peek)", rc);
			break;
		}
		uint64_t peeked = popcount_bytes(bm, bytes);
		if ((rc = hv_logdirty_bitmap(p->hv, domid, bm, npages, 1)) < 0) {
			ret = hvfail(p, "hv_logdirty_bitmap (clean)", rc);
			break;
		}
		uint64_t n = popcount_bytes(bm, bytes);
		fprintf(stderr,
			"hv-probe: log-dirty round %u: %" PRIu64 " of %" PRIu64
			" pages dirty after 1 s (peek saw %" PRIu64 ")\n",
			r, n, npages, peeked);
		if (r > 0 && n == 0)
			ret = failf("log-dirty round %u: no page dirtied by a running guest", r);
		if (n < peeked)
			ret = failf("log-dirty round %u: clean returned %" PRIu64
				    " pages, fewer than the peek before it (%" PRIu64 ")",
				    r, n, peeked);
	}
	free(bm);
	if ((rc = hv_logdirty_disable(p->hv, domid)) < 0 && !ret)
		ret = hvfail(p, "hv_logdirty_disable", rc);
	return ret;
}

int ask_shutdown(struct probe *p, uint32_t domid, const char *reason)
{
	char path[96];
	snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", domid);
	if (!xs_write(p->xs, XBT_NULL, path, reason, strlen(reason)))
		return failf("xenstore: write %s: %s", path, strerror(errno));
	return 0;
}

int suspend_guest(struct probe *p, uint32_t domid)
{
	long t0 = now_ms();
	if (ask_shutdown(p, domid, "suspend"))
		return 1;
	int rc = hv_domain_suspend(p->hv, domid);
	if (rc < 0)
		return hvfail(p, "hv_domain_suspend", rc);
	fprintf(stderr, "hv-probe: domain %u suspended in %ld ms\n", domid, now_ms() - t0);
	return 0;
}

static int cmd_suspend(struct probe *p, uint32_t domid)
{
	if (suspend_guest(p, domid))
		return 1;
	int rc;
	struct hv_dominfo d;
	if (info(p, domid, &d))
		return 1;
	if (!(d.flags & HV_DOMF_SHUTDOWN) || d.shutdown_reason != HV_SHUTDOWN_SUSPEND)
		return failf("suspend: domain %u has flags %#x reason %u", domid, d.flags,
			     d.shutdown_reason);
	/* suspending again: already there */
	if ((rc = hv_domain_suspend(p->hv, domid)) < 0)
		return hvfail(p, "hv_domain_suspend of a suspended domain", rc);
	return 0;
}

static int cmd_resume(struct probe *p, uint32_t domid)
{
	int rc = hv_domain_resume(p->hv, domid);
	if (rc < 0)
		return hvfail(p, "hv_domain_resume", rc);
	struct hv_dominfo d;
	if (info(p, domid, &d))
		return 1;
	if (d.flags & (HV_DOMF_SHUTDOWN | HV_DOMF_PAUSED))
		return failf("resume: domain %u has flags %#x", domid, d.flags);
	return 0;
}

static int cmd_shutdown_wait(struct probe *p, uint32_t domid, const char *reason, uint32_t secs)
{
	static const char *const names[] = { "poweroff", "reboot", "suspend" };
	uint32_t want = 99;
	for (uint32_t i = 0; i < 3; i++)
		if (!strcmp(reason, names[i]))
			want = i;
	if (want == 99)
		return failf("shutdown-wait: poweroff, reboot or suspend, not '%s'", reason);
	if (ask_shutdown(p, domid, reason))
		return 1;
	long t0 = now_ms();
	for (;;) {
		struct hv_dominfo d;
		if (info(p, domid, &d))
			return 1;
		if (d.flags & HV_DOMF_SHUTDOWN) {
			if (d.shutdown_reason != want)
				return failf("domain %u shut down with reason %u, want %u", domid,
					     d.shutdown_reason, want);
			fprintf(stderr, "hv-probe: domain %u: %s in %ld ms\n", domid, reason,
				now_ms() - t0);
			return 0;
		}
		if (now_ms() - t0 > (long)secs * 1000)
			return failf("domain %u did not %s within %u s", domid, reason, secs);
		sleep_ms(100);
	}
}

static int cmd_context(struct probe *p, uint32_t domid)
{
	static uint8_t a[16384], b[16384];
	size_t la = sizeof(a), lb = sizeof(b);
	int rc = hv_domain_pause(p->hv, domid);
	if (rc < 0)
		return hvfail(p, "hv_domain_pause", rc);
	int ra = hv_vcpu_get_context(p->hv, domid, 0, a, &la);
	int rb = ra < 0 ? ra : hv_vcpu_get_context(p->hv, domid, 0, b, &lb);
	const char *why = ra < 0 || rb < 0 ? hv_error(p->hv) : NULL;
	if ((rc = hv_domain_unpause(p->hv, domid)) < 0)
		return hvfail(p, "hv_domain_unpause", rc);
	if (why)
		return failf("hv_vcpu_get_context of domain %u vCPU 0: %s", domid, why);
	if (la != lb || memcmp(a, b, la))
		return failf("domain %u vCPU 0: two reads of a paused vCPU differ (%zu, %zu bytes)",
			     domid, la, lb);
	struct vcpu_guest_context c;
	if (la < sizeof(c))
		return failf("domain %u vCPU 0: a context of %zu bytes, want %zu at least", domid,
			     la, sizeof(c));
	memcpy(&c, a, sizeof(c));
	if (!c.ctrlreg[3] || !c.user_regs.rip)
		return failf("domain %u vCPU 0: cr3 %#llx rip %#llx: not a running vCPU's", domid,
			     (unsigned long long)c.ctrlreg[3], (unsigned long long)c.user_regs.rip);
	fprintf(stderr, "hv-probe: domain %u vCPU 0: %zu bytes of context, rip %#llx cr3 %#llx\n",
		domid, la, (unsigned long long)c.user_regs.rip, (unsigned long long)c.ctrlreg[3]);
	return 0;
}

static int cmd_map_console(struct probe *p, uint32_t domid)
{
	char path[64];
	snprintf(path, sizeof(path), "/local/domain/%u/console/ring-ref", domid);
	unsigned len;
	char *ref = xs_read(p->xs, XBT_NULL, path, &len);
	uint64_t pfn;
	if (!ref || parse_u64(ref, &pfn)) {
		free(ref);
		return failf("%s: no frame number", path);
	}
	free(ref);
	void *m;
	int rc = hv_map(p->hv, domid, pfn, 1, HV_MAP_READ, &m);
	if (rc < 0)
		return hvfail(p, "hv_map of the console ring", rc);
	const struct xencons_interface *ci = m;
	XENCONS_RING_IDX prod = ci->out_prod, cons = ci->out_cons;
	uint32_t size = sizeof(ci->out);
	if (prod == 0 || prod - cons > size) {
		hv_unmap(p->hv, m, 1);
		return failf("domain %u console ring (frame %#llx): out_prod %u out_cons %u", domid,
			     (unsigned long long)pfn, prod, cons);
	}
	/* The last size bytes the guest wrote, oldest first. */
	uint32_t n = prod < size ? prod : size;
	for (XENCONS_RING_IDX i = prod - n; i != prod; i++) {
		char ch = ci->out[MASK_XENCONS_IDX(i, ci->out)];
		putchar(ch == '\n' || (ch >= 32 && ch < 127) ? ch : '.');
	}
	putchar('\n');
	fprintf(stderr, "hv-probe: domain %u console ring (frame %#llx): %u bytes written, %u read\n",
		domid, (unsigned long long)pfn, prod, cons);
	hv_unmap(p->hv, m, 1);
	return 0;
}

static int cmd_destroy(struct probe *p, uint32_t domid)
{
	int rc = hv_domain_destroy(p->hv, domid);
	if (rc < 0)
		return hvfail(p, "hv_domain_destroy", rc);
	char home[64];
	snprintf(home, sizeof(home), "/local/domain/%u", domid);
	if (!xs_rm(p->xs, XBT_NULL, home) && errno != ENOENT)
		return failf("xenstore: rm %s: %s", home, strerror(errno));
	/* Xen frees a dying domain's memory before the domid goes */
	long t0 = now_ms();
	struct hv_dominfo d;
	while ((rc = hv_domain_getinfo(p->hv, domid, &d)) == 0) {
		if (now_ms() - t0 > 20000)
			return failf("domain %u still exists 20 s after destroy (flags %#x)", domid,
				     d.flags);
		sleep_ms(100);
	}
	if (rc != -ESRCH)
		return hvfail(p, "hv_domain_getinfo after destroy", rc);
	fprintf(stderr, "hv-probe: domain %u gone %ld ms after destroy\n", domid, now_ms() - t0);
	return 0;
}

static int cmd_refuse_pvh_big(struct probe *p)
{
	struct hv_domain_config cfg = { .max_vcpus = 129, .max_mem_kb = 65536,
					.type = HV_DOM_PVH };
	uint32_t domid;
	int rc = hv_domain_create(p->hv, &cfg, &domid);
	if (rc == 0) {
		hv_domain_destroy(p->hv, domid);
		return failf("a 129-vCPU PVH domain was created (domid %u); want -EOPNOTSUPP",
			     domid);
	}
	if (rc != -EOPNOTSUPP)
		return hvfail(p, "hv_domain_create of a 129-vCPU PVH domain (want EOPNOTSUPP)", rc);
	fprintf(stderr, "hv-probe: refused as it should: %s\n", hv_error(p->hv));
	return 0;
}

static int usage(void)
{
	failf("usage: see the header of tests/xen/hv-probe.c");
	return 2;
}

int main(int argc, char **argv)
{
	const char *dbg = getenv("XCD_HV_PROBE_DEBUG");
	log_init("hv-probe", 0, dbg && *dbg == '1' ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	if (argc < 2)
		return usage();
	const char *cmd = argv[1];
	char **av = argv + 2;
	int ac = argc - 2;
	struct probe p = { 0 };
	char err[XCD_ERR_MAX];
	int rc = hv_open(HV_XEN, NULL, &p.hv, err, sizeof(err));
	if (rc < 0)
		return failf("hv_open: %s", err);
	if (!(p.xs = xs_open(0))) {
		hv_close(p.hv);
		return failf("xs_open: %s", strerror(errno));
	}
	uint32_t domid = 0, a = 0, b = 0;
	uint64_t kb = 0;
	int ret;
	if (!strcmp(cmd, "start") && (ac == 6 || ac == 7))
		ret = cmd_start(&p, av);
	else if (!strcmp(cmd, "refuse-pvh-big") && ac == 0)
		ret = cmd_refuse_pvh_big(&p);
	else if (ac < 1 || parse_u32(av[0], &domid))
		ret = usage();
	else if ((!strcmp(cmd, "pause") || !strcmp(cmd, "unpause")) && ac == 1)
		ret = cmd_pause(&p, domid, cmd[0] == 'p');
	else if (!strcmp(cmd, "pin") && ac == 3)
		ret = parse_u32(av[1], &a) || parse_u32(av[2], &b) ? 1 : cmd_pin(&p, domid, a, b);
	else if (!strcmp(cmd, "maxmem") && ac == 2)
		ret = parse_u64(av[1], &kb) ? 1 : cmd_maxmem(&p, domid, kb);
	else if (!strcmp(cmd, "target") && ac == 2)
		ret = parse_u64(av[1], &kb) ? 1 : cmd_target(&p, domid, kb);
	else if (!strcmp(cmd, "logdirty") && ac == 3)
		ret = parse_u64(av[1], &kb) || parse_u32(av[2], &a) ? 1
								     : cmd_logdirty(&p, domid, kb, a);
	else if (!strcmp(cmd, "context") && ac == 1)
		ret = cmd_context(&p, domid);
	else if (!strcmp(cmd, "map-console") && ac == 1)
		ret = cmd_map_console(&p, domid);
	else if (!strcmp(cmd, "suspend") && ac == 1)
		ret = cmd_suspend(&p, domid);
	else if (!strcmp(cmd, "resume") && ac == 1)
		ret = cmd_resume(&p, domid);
	else if (!strcmp(cmd, "shutdown-wait") && ac == 3)
		ret = parse_u32(av[2], &a) ? 1 : cmd_shutdown_wait(&p, domid, av[1], a);
	else if (!strcmp(cmd, "destroy") && ac == 1)
		ret = cmd_destroy(&p, domid);
	else if (!strcmp(cmd, "clone") && ac == 2)
		ret = cmd_clone(&p, domid, av[1]);
	else if (!strcmp(cmd, "pvh-params") && ac == 1)
		ret = cmd_pvh_params(domid);
	else
		ret = usage();
	xs_close(p.xs);
	hv_close(p.hv);
	return ret;
}
