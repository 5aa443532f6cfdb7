/* The CPU check before a guest's memory moves (hv/cpufeat.c): a saved
 * guest's CPUID policy against the featureset words a host offers. */
#include "suites.h"
#include "../../../hv/cpufeat.h"
#include <CUnit/CUnit.h>
#include <string.h>

#define NOSUB HV_NO_SUBLEAF

static const struct hv_cpuid_leaf base[] = {
	{ 0x0, NOSUB, 0xd, 0x68747541, 0x444d4163, 0x69746e65 }, /* no feature word */
	{ 0x1, NOSUB, 0x00000f61, 0, 0x80002001, 0x078bfbff },
	{ 0x7, 0, 0, 0x00000009, 0, 0 },
	{ 0x80000001, NOSUB, 0, 0, 0x00000001, 0x2193fbff },
};
/* The words a host offers: everything BASE has but its AMD mirrors in
 * 0x80000001.edx (Xen's featureset keeps those in word 0 only). */
static uint32_t offered[HV_NR_FEATURE_WORDS];

static void setup(void)
{
	memset(offered, 0, sizeof(offered));
	offered[0] = 0x078bfbff;
	offered[1] = 0x80002001;
	offered[2] = 0x2193fbff & ~0x0183f3ffu;
	offered[3] = 0x00000001;
	offered[5] = 0x00000009;
}

static void test_within(void)
{
	struct hv_missing m;
	setup();
	CU_ASSERT_EQUAL(hv_policy_missing(base, 4, offered, HV_NR_FEATURE_WORDS, &m), 0);
	/* OSXSAVE (1.ecx bit 27) is the OS's state, not a feature the host gives */
	struct hv_cpuid_leaf l[4];
	memcpy(l, base, sizeof(l));
	l[1].c |= 1u << 27;
	CU_ASSERT_EQUAL(hv_policy_missing(l, 4, offered, HV_NR_FEATURE_WORDS, &m), 0);
}

static void test_missing(void)
{
	struct hv_missing m = { 0 };
	struct hv_cpuid_leaf l[4];
	setup();
	memcpy(l, base, sizeof(l));
	l[2].b |= 1u << 5; /* 7.0.ebx: AVX2 */
	CU_ASSERT_EQUAL(hv_policy_missing(l, 4, offered, HV_NR_FEATURE_WORDS, &m), 1);
	CU_ASSERT_EQUAL(m.leaf, 0x7);
	CU_ASSERT_EQUAL(m.subleaf, 0);
	CU_ASSERT_EQUAL(m.reg, 'b');
	CU_ASSERT_EQUAL(m.word, 5);
	CU_ASSERT_EQUAL(m.bits, 1u << 5);
	/* an AMD mirror the host's word 0 lacks: missing in word 2 */
	offered[0] &= ~1u; /* no FPU */
	CU_ASSERT_EQUAL(hv_policy_missing(base, 4, offered, HV_NR_FEATURE_WORDS, &m), 1);
	CU_ASSERT_EQUAL(m.word, 0); /* 1.edx is looked at first */
	CU_ASSERT_EQUAL(m.bits, 1u);
	/* a host that says fewer words offers nothing past them */
	setup();
	CU_ASSERT_EQUAL(hv_policy_missing(base, 4, offered, 6, &m), 0);
	CU_ASSERT_EQUAL(hv_policy_missing(base, 4, offered, 5, &m), 1);
	CU_ASSERT_EQUAL(m.word, 5);
	CU_ASSERT_EQUAL(hv_policy_missing(base, 4, offered, 3, &m), 1);
	CU_ASSERT_EQUAL(m.leaf, 0x80000001);
	CU_ASSERT_EQUAL(m.reg, 'c');
	CU_ASSERT_EQUAL(m.word, 3);
}

void register_cpu(void)
{
	CU_pSuite s = CU_add_suite("CPU check", NULL, NULL);
	CU_add_test(s, "a policy within what the host offers (the OS's bits, AMD's mirrors)",
		    test_within);
	CU_add_test(s, "a feature the host lacks, named", test_missing);
}
