/* hv-sim-state-test: what a save or a migration carries of a domain besides
 * memory and vCPUs, on hv's sim backend against a private xcd-sim: the
 * memory map page by page (max pfn, types, populate, and MAP refusing a page
 * never populated), TSC (Xen's rules: incarnation, elapsed time going on
 * from the value set), CPU policy (leaves from the featureset, refusals
 * naming the leaf), a PVH domain's HVM params and HVM context (moved to a
 * second domain whole; every malformed blob refused). tests/xen/hv-probe
 * checks the same operations on real Xen. */
#include "../../../hv/hv.h"
#include "../../../sim/guest.h"
#include "simfix.h"
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct simfix F;

#define CHECK_RC(expr)                                                           \
	do {                                                                     \
		int rc_ = (expr);                                                \
		if (rc_ < 0)                                                     \
			fprintf(stderr, "\n%s:%d: %s = %d (%s)\n", __FILE__, __LINE__, \
				#expr, rc_, hv_error(F.hv));                     \
		CU_ASSERT_FATAL(rc_ >= 0);                                       \
	} while (0)
#define REFUSED(expr, want, text)                                                  \
	do {                                                                       \
		int rc_ = (expr);                                                  \
		CU_ASSERT_EQUAL(rc_, want);                                        \
		if (!strstr(hv_error(F.hv), text)) {                               \
			fprintf(stderr, "\n%s:%d: '%s' lacks '%s'\n", __FILE__, __LINE__, \
				hv_error(F.hv), text);                             \
			CU_FAIL("error text");                                     \
		}                                                                  \
	} while (0)

static int suite_init(void) { return simfix_up(&F, "hv-sim-state"); }
static int suite_clean(void) { return simfix_down(&F); }

static uint32_t create(enum hv_domain_type type, uint32_t vcpus, uint64_t mib)
{
	struct hv_domain_config cfg = { .max_vcpus = vcpus, .max_mem_kb = mib * 1024,
					.type = type };
	uint32_t domid = 0;
	CHECK_RC(hv_domain_create(F.hv, &cfg, &domid));
	return domid;
}

static uint32_t create_built(enum hv_domain_type type, uint32_t vcpus, const char *kernel,
			     struct hv_build_result *b)
{
	uint32_t d = create(type, vcpus, 8);
	struct hv_build_spec spec = { .kernel = kernel };
	CHECK_RC(hv_domain_build(F.hv, d, &spec, b));
	return d;
}

static void test_memory_map(void)
{
	uint32_t d = create(HV_DOM_PVH, 1, 16);
	uint64_t max = 0;
	CHECK_RC(hv_domain_max_pfn(F.hv, d, &max));
	CU_ASSERT_EQUAL(max, 16 * 256 - 1);
	/* a domain made for a restore has no page until populated */
	uint64_t pfns[3] = { 0, max, max + 1 };
	uint8_t t[3] = { 9, 9, 9 };
	CHECK_RC(hv_pfn_types(F.hv, d, pfns, 3, t));
	CU_ASSERT(t[0] == HV_PFN_NONE && t[1] == HV_PFN_NONE && t[2] == HV_PFN_NONE);
	void *m = NULL;
	REFUSED(hv_map(F.hv, d, 0, 1, HV_MAP_READ, &m), -EINVAL, "populate them first");
	CHECK_RC(hv_populate(F.hv, d, pfns, 2));
	CHECK_RC(hv_pfn_types(F.hv, d, pfns, 3, t));
	CU_ASSERT(t[0] == HV_PFN_RAM && t[1] == HV_PFN_RAM && t[2] == HV_PFN_NONE);
	CHECK_RC(hv_map(F.hv, d, max, 1, HV_MAP_READ | HV_MAP_WRITE, &m));
	CHECK_RC(hv_unmap(F.hv, m, 1));
	/* pfns 0 and max populated, not 1: a range over 1 is refused */
	REFUSED(hv_map(F.hv, d, 0, 2, HV_MAP_READ, &m), -EINVAL, "does not have all");
	REFUSED(hv_populate(F.hv, d, &pfns[2], 1), -ENOMEM, "holds 4096 pages");
	REFUSED(hv_populate(F.hv, d, pfns, 0), -EINVAL, "1 to 1024");
	REFUSED(hv_pfn_types(F.hv, d, pfns, HV_PFN_TYPES_MAX + 1, t), -EINVAL, "1 to 1024");
	/* a built domain has all its memory */
	struct hv_build_result b;
	uint32_t e = create_built(HV_DOM_PV, 1, "sim:idle", &b);
	uint64_t last = 8 * 256 - 1;
	CHECK_RC(hv_pfn_types(F.hv, e, &last, 1, t));
	CU_ASSERT_EQUAL(t[0], HV_PFN_RAM);
	CHECK_RC(hv_domain_destroy(F.hv, d));
	CHECK_RC(hv_domain_destroy(F.hv, e));
}

static void test_tsc(void)
{
	uint32_t d = create(HV_DOM_PVH, 1, 8);
	struct hv_tsc_info t;
	CHECK_RC(hv_tsc_info_get(F.hv, d, &t));
	CU_ASSERT(t.mode == 0 && t.incarnation == 1 && t.khz > 0);
	CU_ASSERT(t.elapsed_ns < 5000000000ull);
	struct hv_tsc_info saved = { .mode = 0, .khz = 1000000, .elapsed_ns = 5000000000ull,
				     .incarnation = 7 };
	CHECK_RC(hv_tsc_info_set(F.hv, d, &saved));
	CHECK_RC(hv_tsc_info_get(F.hv, d, &t));
	CU_ASSERT_EQUAL(t.khz, 1000000);
	CU_ASSERT_EQUAL(t.incarnation, 8);
	CU_ASSERT(t.elapsed_ns >= saved.elapsed_ns && t.elapsed_ns < saved.elapsed_ns + 5000000000ull);
	struct hv_tsc_info native = { .mode = 2, .incarnation = 8 };
	CHECK_RC(hv_tsc_info_set(F.hv, d, &native));
	CHECK_RC(hv_tsc_info_get(F.hv, d, &t));
	CU_ASSERT(t.mode == 2 && t.khz == 0 && t.elapsed_ns == 0 && t.incarnation == 9);
	struct hv_tsc_info bad = { .mode = 3 };
	REFUSED(hv_tsc_info_set(F.hv, d, &bad), -EINVAL, "TSC mode 3");
	CHECK_RC(hv_domain_destroy(F.hv, d));
}

static void test_params(void)
{
	struct hv_build_result b;
	uint32_t d = create_built(HV_DOM_PVH, 1, "sim:idle", &b);
	uint64_t v[4];
	CHECK_RC(hv_hvm_param_get(F.hv, d, HV_HVM_PARAM_STORE_PFN, &v[0]));
	CHECK_RC(hv_hvm_param_get(F.hv, d, HV_HVM_PARAM_STORE_EVTCHN, &v[1]));
	CHECK_RC(hv_hvm_param_get(F.hv, d, HV_HVM_PARAM_CONSOLE_PFN, &v[2]));
	CHECK_RC(hv_hvm_param_get(F.hv, d, HV_HVM_PARAM_CONSOLE_EVTCHN, &v[3]));
	CU_ASSERT(v[0] == b.store_pfn && v[1] == b.store_port);
	CU_ASSERT(v[2] == b.console_pfn && v[3] == b.console_port);
	CHECK_RC(hv_hvm_param_set(F.hv, d, 36, 8)); /* X87_FIP_WIDTH */
	CHECK_RC(hv_hvm_param_get(F.hv, d, 36, &v[0]));
	CU_ASSERT_EQUAL(v[0], 8);
	REFUSED(hv_hvm_param_get(F.hv, d, HV_NR_HVM_PARAMS, &v[0]), -EINVAL, "parameter 39");
	uint32_t pv = create(HV_DOM_PV, 1, 8);
	REFUSED(hv_hvm_param_get(F.hv, pv, 1, &v[0]), -EINVAL, "is PV");
	CHECK_RC(hv_domain_destroy(F.hv, d));
	CHECK_RC(hv_domain_destroy(F.hv, pv));
}

static const struct hv_cpuid_leaf *find_leaf(const struct hv_cpuid_leaf *l, uint32_t n,
					     uint32_t leaf, uint32_t subleaf)
{
	for (uint32_t i = 0; i < n; i++)
		if (l[i].leaf == leaf && l[i].subleaf == subleaf)
			return &l[i];
	return NULL;
}

static void test_cpu_policy(void)
{
	struct hv_hostinfo h;
	CHECK_RC(hv_host_info(F.hv, &h));
	uint32_t d = create(HV_DOM_PVH, 1, 8);
	struct hv_cpuid_leaf l[HV_CPUID_LEAVES_MAX];
	struct hv_msr m[HV_MSRS_MAX];
	uint32_t nl = HV_CPUID_LEAVES_MAX, nm = HV_MSRS_MAX;
	CHECK_RC(hv_cpu_policy_get(F.hv, d, l, &nl, m, &nm));
	CU_ASSERT(nl > 0 && nm == 0);
	const struct hv_cpuid_leaf *one = find_leaf(l, nl, 1, 0xffffffffu);
	CU_ASSERT_FATAL(one != NULL);
	CU_ASSERT(one->d == h.featureset[0] && one->c == h.featureset[1]);
	/* another domain takes it; the host's features minus one, too */
	uint32_t e = create(HV_DOM_PVH, 1, 8);
	CHECK_RC(hv_cpu_policy_set(F.hv, e, l, nl, m, 0));
	struct hv_cpuid_leaf fewer[HV_CPUID_LEAVES_MAX];
	memcpy(fewer, l, nl * sizeof(*l));
	((struct hv_cpuid_leaf *)find_leaf(fewer, nl, 1, 0xffffffffu))->d &= ~1u;
	CHECK_RC(hv_cpu_policy_set(F.hv, e, fewer, nl, m, 0));
	uint32_t nl2 = HV_CPUID_LEAVES_MAX, nm2 = HV_MSRS_MAX;
	struct hv_cpuid_leaf back[HV_CPUID_LEAVES_MAX];
	CHECK_RC(hv_cpu_policy_get(F.hv, e, back, &nl2, m, &nm2));
	CU_ASSERT_EQUAL(find_leaf(back, nl2, 1, 0xffffffffu)->d, h.featureset[0] & ~1u);
	/* refusals: a feature the host lacks, a leaf it does not know, an MSR */
	struct hv_cpuid_leaf more = *one;
	more.c |= ~h.featureset[1];
	REFUSED(hv_cpu_policy_set(F.hv, e, &more, 1, m, 0), -EINVAL,
		"CPUID leaf 0x1 subleaf 0xffffffff register ecx");
	struct hv_cpuid_leaf odd = { .leaf = 0x40000000, .subleaf = 0xffffffffu, .a = 1 };
	REFUSED(hv_cpu_policy_set(F.hv, e, &odd, 1, m, 0), -EINVAL,
		"CPUID leaf 0x40000000 subleaf 0xffffffff is not one");
	struct hv_msr msr = { .index = 0xce };
	REFUSED(hv_cpu_policy_set(F.hv, e, l, nl, &msr, 1), -EINVAL, "MSR 0xce");
	/* once the domain has run, its CPU stays */
	struct hv_build_result b;
	uint32_t run = create_built(HV_DOM_PVH, 1, "sim:idle", &b);
	REFUSED(hv_cpu_policy_set(F.hv, run, l, nl, m, 0), -EEXIST, "has run");
	CHECK_RC(hv_domain_destroy(F.hv, d));
	CHECK_RC(hv_domain_destroy(F.hv, e));
	CHECK_RC(hv_domain_destroy(F.hv, run));
}

static uint8_t *context_of(uint32_t d, size_t *len)
{
	*len = 0;
	CHECK_RC(hv_hvm_context_get(F.hv, d, NULL, len));
	uint8_t *buf = malloc(*len);
	CU_ASSERT_FATAL(buf != NULL);
	CHECK_RC(hv_hvm_context_get(F.hv, d, buf, len));
	return buf;
}

static void test_hvm_context(void)
{
	struct hv_build_result b;
	uint32_t d = create_built(HV_DOM_PVH, 2, "sim:dirty,rate=500", &b);
	CHECK_RC(hv_domain_unpause(F.hv, d));
	sleep_ms(100);
	size_t len = 0;
	/* as Xen's, a running guest's vCPUs are read paused */
	REFUSED(hv_hvm_context_get(F.hv, d, (uint8_t[4096]){ 0 }, &(size_t){ 4096 }), -EBUSY, "");
	CHECK_RC(hv_domain_pause(F.hv, d));
	uint8_t *ctx = context_of(d, &len);
	size_t small = len - 1;
	REFUSED(hv_hvm_context_get(F.hv, d, ctx, &small), -ENOSPC, "the buffer has");
	/* into a second domain, never run: its vCPUs get the first's */
	uint32_t e = create(HV_DOM_PVH, 2, 8);
	CHECK_RC(hv_hvm_context_set(F.hv, e, ctx, len));
	size_t len2;
	uint8_t *ctx2 = context_of(e, &len2);
	CU_ASSERT(len2 == len && memcmp(ctx, ctx2, len) == 0);
	for (uint32_t v = 0; v < 2; v++) {
		struct sim_vcpu_context a, c;
		size_t la = sizeof(a), lc = sizeof(c);
		CHECK_RC(hv_vcpu_get_context(F.hv, d, v, &a, &la));
		CHECK_RC(hv_vcpu_get_context(F.hv, e, v, &c, &lc));
		CU_ASSERT(memcmp(&a, &c, sizeof(a)) == 0);
	}
	/* refusals: Xen's magic, a cut blob, one vCPU too few, a PV domain */
	uint8_t *bad = malloc(len);
	memcpy(bad, ctx, len);
	uint32_t xen_magic = 0x54381286;
	memcpy(bad + 8, &xen_magic, 4);
	REFUSED(hv_hvm_context_set(F.hv, e, bad, len), -EINVAL, "not xcd-sim's");
	REFUSED(hv_hvm_context_set(F.hv, e, ctx, len - 8), -EINVAL, "without its END");
	uint32_t one = create(HV_DOM_PVH, 1, 8);
	REFUSED(hv_hvm_context_set(F.hv, one, ctx, len), -EINVAL, "instance 1");
	uint32_t pv = create(HV_DOM_PV, 2, 8);
	REFUSED(hv_hvm_context_set(F.hv, pv, ctx, len), -EINVAL, "is PV");
	free(bad);
	free(ctx);
	free(ctx2);
	uint32_t doms[] = { d, e, one, pv };
	for (int i = 0; i < 4; i++)
		CHECK_RC(hv_domain_destroy(F.hv, doms[i]));
}

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_pSuite s = CU_add_suite("hv-sim-state", suite_init, suite_clean);
	CU_add_test(s, "memory map: max pfn, page types, populate, map", test_memory_map);
	CU_add_test(s, "TSC info as Xen keeps it", test_tsc);
	CU_add_test(s, "HVM params: the rings', set and get, refusals", test_params);
	CU_add_test(s, "CPU policy: leaves from features, set, refusals", test_cpu_policy);
	CU_add_test(s, "HVM context: into another domain, refusals", test_hvm_context);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
