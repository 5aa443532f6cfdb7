/* hv-probe clone DOMID NAME: a running PVH guest moved into a new domain
 * through hv alone, as a restore will do it: the guest suspends itself
 * (control/shutdown), its memory map, CPU policy, TSC, HVM params and HVM
 * context are read; a new domain gets the policy, its pages populated and
 * copied, the TSC, params and context set, hv_domain_restore_finish; each
 * read back and compared; the new domain is introduced to xenstored as NAME
 * and unpaused, the old one destroyed. Prints the new domid. The guest
 * running on in it (40-hv-build.sh powers it off through control/shutdown)
 * proves that the state was whole. */
#include "hv-probe.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

/* The HVM params libxc's save carries (xg_sr_save_x86_hvm.c). */
static const uint32_t saved_params[] = { 1, 5, 6, 27, 28, 29, 37, 17, 19, 9, 12, 34, 32, 33,
					 36, 38 };
#define NR_SAVED (sizeof(saved_params) / sizeof(saved_params[0]))

struct state {
	uint64_t max_pfn, npresent, *present;
	struct hv_cpuid_leaf leaves[HV_CPUID_LEAVES_MAX];
	struct hv_msr msrs[HV_MSRS_MAX];
	uint32_t nr_leaves, nr_msrs;
	struct hv_tsc_info tsc;
	uint64_t params[NR_SAVED];
	uint8_t *ctx;
	size_t ctx_len;
};

/* The pfns up to max_pfn that hold a page, in order. */
static int read_memory_map(struct probe *p, uint32_t domid, struct state *s)
{
	int rc = hv_domain_max_pfn(p->hv, domid, &s->max_pfn);
	if (rc < 0)
		return hvfail(p, "hv_domain_max_pfn", rc);
	s->present = calloc(s->max_pfn + 1, sizeof(uint64_t));
	if (!s->present)
		return failf("out of memory for %" PRIu64 " pfns", s->max_pfn + 1);
	uint64_t pfns[HV_PFN_TYPES_MAX];
	uint8_t types[HV_PFN_TYPES_MAX];
	for (uint64_t base = 0; base <= s->max_pfn; base += HV_PFN_TYPES_MAX) {
		uint32_t n = 0;
		while (n < HV_PFN_TYPES_MAX && base + n <= s->max_pfn) {
			pfns[n] = base + n;
			n++;
		}
		if ((rc = hv_pfn_types(p->hv, domid, pfns, n, types)) < 0)
			return hvfail(p, "hv_pfn_types", rc);
		for (uint32_t i = 0; i < n; i++) {
			if (types[i] == HV_PFN_RAM)
				s->present[s->npresent++] = pfns[i];
			else if (types[i] != HV_PFN_NONE)
				return failf("pfn %#" PRIx64 " has type %#x, not a PVH guest's",
					     pfns[i], types[i]);
		}
	}
	fprintf(stderr, "hv-probe: domain %u: max pfn %#" PRIx64 ", %" PRIu64 " pages\n", domid,
		s->max_pfn, s->npresent);
	return 0;
}

static int read_state(struct probe *p, uint32_t domid, struct state *s)
{
	s->nr_leaves = HV_CPUID_LEAVES_MAX;
	s->nr_msrs = HV_MSRS_MAX;
	int rc = hv_cpu_policy_get(p->hv, domid, s->leaves, &s->nr_leaves, s->msrs, &s->nr_msrs);
	if (rc < 0)
		return hvfail(p, "hv_cpu_policy_get", rc);
	if ((rc = hv_tsc_info_get(p->hv, domid, &s->tsc)) < 0)
		return hvfail(p, "hv_tsc_info_get", rc);
	for (size_t i = 0; i < NR_SAVED; i++)
		if ((rc = hv_hvm_param_get(p->hv, domid, saved_params[i], &s->params[i])) < 0)
			return hvfail(p, "hv_hvm_param_get", rc);
	if ((rc = hv_hvm_context_get(p->hv, domid, NULL, &s->ctx_len)) < 0)
		return hvfail(p, "hv_hvm_context_get (size)", rc);
	if (!(s->ctx = malloc(s->ctx_len)))
		return failf("out of memory for %zu bytes of HVM context", s->ctx_len);
	if ((rc = hv_hvm_context_get(p->hv, domid, s->ctx, &s->ctx_len)) < 0)
		return hvfail(p, "hv_hvm_context_get", rc);
	fprintf(stderr, "hv-probe: domain %u: %u CPUID leaves, %u MSRs, TSC mode %u khz %u "
		"incarnation %u, HVM context %zu bytes, store pfn %#" PRIx64 " console pfn %#"
		PRIx64 "\n", domid, s->nr_leaves, s->nr_msrs, s->tsc.mode, s->tsc.khz,
		s->tsc.incarnation, s->ctx_len, s->params[0], s->params[7]);
	return 0;
}

/* Runs of consecutive present pfns, copied from FROM to TO through two
 * mappings each; the pages populated in TO first. */
static int copy_memory(struct probe *p, uint32_t from, uint32_t to, const struct state *s)
{
	int rc;
	for (uint64_t i = 0; i < s->npresent; i += HV_PFN_TYPES_MAX) {
		uint32_t n = s->npresent - i < HV_PFN_TYPES_MAX ? (uint32_t)(s->npresent - i)
								: HV_PFN_TYPES_MAX;
		if ((rc = hv_populate(p->hv, to, s->present + i, n)) < 0)
			return hvfail(p, "hv_populate", rc);
	}
	for (uint64_t i = 0, run; i < s->npresent; i += run) {
		for (run = 1; i + run < s->npresent && s->present[i + run] == s->present[i] + run;)
			run++;
		void *src, *dst;
		if ((rc = hv_map(p->hv, from, s->present[i], run, HV_MAP_READ, &src)) < 0)
			return hvfail(p, "hv_map of the old domain", rc);
		if ((rc = hv_map(p->hv, to, s->present[i], run, HV_MAP_WRITE, &dst)) < 0) {
			hv_unmap(p->hv, src, run);
			return hvfail(p, "hv_map of the new domain", rc);
		}
		memcpy(dst, src, run * HV_PAGE_SIZE);
		hv_unmap(p->hv, src, run);
		hv_unmap(p->hv, dst, run);
	}
	/* As libxc's restore: the rings start empty for the new daemons. */
	for (size_t k = 0; k < 2; k++) {
		uint64_t pfn = s->params[k == 0 ? 0 : 7];
		void *m;
		if ((rc = hv_map(p->hv, to, pfn, 1, HV_MAP_WRITE, &m)) < 0)
			return hvfail(p, "hv_map of a ring", rc);
		memset(m, 0, HV_PAGE_SIZE);
		hv_unmap(p->hv, m, 1);
	}
	return 0;
}

static int write_state(struct probe *p, uint32_t domid, const struct state *s)
{
	int rc = hv_tsc_info_set(p->hv, domid, &s->tsc);
	if (rc < 0)
		return hvfail(p, "hv_tsc_info_set", rc);
	for (size_t i = 0; i < NR_SAVED; i++)
		if (s->params[i] &&
		    (rc = hv_hvm_param_set(p->hv, domid, saved_params[i], s->params[i])) < 0)
			return hvfail(p, "hv_hvm_param_set", rc);
	if ((rc = hv_hvm_context_set(p->hv, domid, s->ctx, s->ctx_len)) < 0)
		return hvfail(p, "hv_hvm_context_set", rc);
	return 0;
}

/* What the new domain reads back: the same policy and params, and the
 * incarnation one more (Xen's rule), the same TSC mode. */
static int compare(struct probe *p, uint32_t domid, const struct state *old)
{
	struct state *s = calloc(1, sizeof(*s));
	if (!s || read_state(p, domid, s)) {
		free(s);
		return 1;
	}
	int bad = 0;
	if (s->nr_leaves != old->nr_leaves || s->nr_msrs != old->nr_msrs ||
	    memcmp(s->leaves, old->leaves, s->nr_leaves * sizeof(s->leaves[0])) ||
	    memcmp(s->msrs, old->msrs, s->nr_msrs * sizeof(s->msrs[0])))
		bad = failf("domain %u: its CPU policy is not the one set", domid);
	if (memcmp(s->params, old->params, sizeof(s->params)))
		bad = failf("domain %u: its HVM params are not the ones set", domid);
	if (s->tsc.mode != old->tsc.mode || s->tsc.incarnation != old->tsc.incarnation + 1)
		bad = failf("domain %u: TSC mode %u incarnation %u, want %u and %u", domid,
			    s->tsc.mode, s->tsc.incarnation, old->tsc.mode,
			    old->tsc.incarnation + 1);
	free(s->ctx);
	free(s->present);
	free(s);
	return bad;
}

static int clone_into(struct probe *p, uint32_t domid, uint32_t to, const char *name,
		      struct state *s, const struct hv_dominfo *di)
{
	int rc = hv_cpu_policy_set(p->hv, to, s->leaves, s->nr_leaves, s->msrs, s->nr_msrs);
	if (rc < 0)
		return hvfail(p, "hv_cpu_policy_set", rc);
	long t0 = now_ms();
	if (copy_memory(p, domid, to, s) || write_state(p, to, s))
		return 1;
	struct hv_build_spec spec = { 0 };
	struct hv_build_result b;
	if ((rc = hv_domain_restore_finish(p->hv, to, &spec, &b)) < 0)
		return hvfail(p, "hv_domain_restore_finish", rc);
	fprintf(stderr, "hv-probe: domain %u -> %u: %" PRIu64 " pages and state in %ld ms; "
		"store pfn %#" PRIx64 " port %u, console pfn %#" PRIx64 " port %u\n", domid, to,
		s->npresent, now_ms() - t0, b.store_pfn, b.store_port, b.console_pfn,
		b.console_port);
	if (b.store_pfn != s->params[0] || b.console_pfn != s->params[7])
		return failf("restore_finish gave store pfn %#" PRIx64 " console pfn %#" PRIx64
			     ", the stream had %#" PRIx64 " and %#" PRIx64, b.store_pfn,
			     b.console_pfn, s->params[0], s->params[7]);
	if (compare(p, to, s))
		return 1;
	char home[64];
	snprintf(home, sizeof(home), "/local/domain/%u", domid);
	if ((rc = hv_domain_destroy(p->hv, domid)) < 0)
		return hvfail(p, "hv_domain_destroy of the old domain", rc);
	xs_rm(p->xs, XBT_NULL, home);
	if (xs_domain_entries(p, to, name, &b, di->max_mem_kb))
		return 1;
	if (!xs_introduce_domain(p->xs, to, b.store_pfn, b.store_port))
		return failf("xs_introduce_domain %u: %s", to, strerror(errno));
	if ((rc = hv_domain_unpause(p->hv, to)) < 0)
		return hvfail(p, "hv_domain_unpause", rc);
	return 0;
}

int cmd_clone(struct probe *p, uint32_t domid, const char *name)
{
	struct hv_dominfo di;
	int rc = hv_domain_getinfo(p->hv, domid, &di);
	if (rc < 0)
		return hvfail(p, "hv_domain_getinfo", rc);
	if (di.type != HV_DOM_PVH)
		return failf("domain %u is not PVH", domid);
	struct state *s = calloc(1, sizeof(*s));
	if (!s)
		return failf("out of memory");
	int ret = suspend_guest(p, domid) || read_memory_map(p, domid, s) || read_state(p, domid, s);
	uint32_t to = 0;
	if (!ret) {
		struct hv_domain_config cfg = { .max_vcpus = di.max_vcpus,
						.max_mem_kb = di.max_mem_kb,
						.type = HV_DOM_PVH,
						.flags = s->tsc.mode == 2 ? HV_CREATE_TSC_NATIVE : 0 };
		memcpy(cfg.uuid, di.uuid, sizeof(cfg.uuid));
		if ((rc = hv_domain_create(p->hv, &cfg, &to)) < 0)
			ret = hvfail(p, "hv_domain_create", rc);
	}
	if (!ret && (ret = clone_into(p, domid, to, name, s, &di)) != 0)
		hv_domain_destroy(p->hv, to);
	if (!ret)
		printf("%u\n", to);
	free(s->present);
	free(s->ctx);
	free(s);
	return ret;
}
