/* cpufeat: featureset words and CPUID (cpufeat.h). */
#include "cpufeat.h"

const struct hv_feature_word hv_feature_words[HV_NR_FEATURE_WORDS] = {
	{ 0x1, HV_NO_SUBLEAF, 'd' },	    { 0x1, HV_NO_SUBLEAF, 'c' },
	{ 0x80000001, HV_NO_SUBLEAF, 'd' }, { 0x80000001, HV_NO_SUBLEAF, 'c' },
	{ 0xd, 1, 'a' },		    { 0x7, 0, 'b' },
	{ 0x7, 0, 'c' },		    { 0x80000007, HV_NO_SUBLEAF, 'd' },
	{ 0x80000008, HV_NO_SUBLEAF, 'b' }, { 0x7, 0, 'd' },
	{ 0x7, 1, 'a' },		    { 0x80000021, HV_NO_SUBLEAF, 'a' },
	{ 0x7, 1, 'b' },		    { 0x7, 2, 'd' },
};

/* Bits a CPU reflects from its OS's state, per featureset word. */
#define OSXSAVE (1u << 27) /* word 1: 1.ecx */
#define OSPKE (1u << 4)	   /* word 6: 7.0.ecx */
/* FPU VME DE PSE TSC MSR PAE MCE CX8 APIC MTRR PGE MCA CMOV PAT PSE36 MMX
 * FXSR: 1.edx's bits an AMD CPU mirrors in 0x80000001.edx. */
#define COMMON_1D 0x0183f3ffu

static uint32_t reg_value(const struct hv_cpuid_leaf *l, char reg)
{
	return reg == 'a' ? l->a : reg == 'b' ? l->b : reg == 'c' ? l->c : l->d;
}

/* What word K may hold. */
static uint32_t allowed_in(uint32_t k, const uint32_t *allowed, uint32_t nallowed)
{
	uint32_t a = k < nallowed ? allowed[k] : 0;
	if (k == 1)
		a |= OSXSAVE;
	else if (k == 6)
		a |= OSPKE;
	else if (k == 2)
		a |= COMMON_1D & (nallowed ? allowed[0] : 0);
	return a;
}

int hv_policy_missing(const struct hv_cpuid_leaf *leaves, uint32_t n, const uint32_t *allowed,
		      uint32_t nallowed, struct hv_missing *m)
{
	for (uint32_t k = 0; k < HV_NR_FEATURE_WORDS; k++) {
		const struct hv_feature_word *w = &hv_feature_words[k];
		for (uint32_t i = 0; i < n; i++) {
			if (leaves[i].leaf != w->leaf || leaves[i].subleaf != w->subleaf)
				continue;
			uint32_t extra = reg_value(&leaves[i], w->reg) &
					 ~allowed_in(k, allowed, nallowed);
			if (extra) {
				*m = (struct hv_missing){ w->leaf, w->subleaf, k, w->reg, extra };
				return 1;
			}
		}
	}
	return 0;
}
