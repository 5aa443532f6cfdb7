/* cpufeat: Xen's featureset words where CPUID holds them, and what of a
 * guest's CPU policy a host does not offer (both backends, and the
 * restore's check before a guest's memory moves). */
#ifndef XCD_HV_CPUFEAT_H
#define XCD_HV_CPUFEAT_H
#include "hv.h"
#include <stdint.h>

#define HV_NO_SUBLEAF 0xffffffffu
/* Where Xen's featureset word I lives (public/arch-x86/cpufeatureset.h):
 * CPUID leaf, subleaf (HV_NO_SUBLEAF: none) and register 'a' to 'd'. */
struct hv_feature_word {
	uint32_t leaf, subleaf;
	char reg;
};
#define HV_NR_FEATURE_WORDS 14
extern const struct hv_feature_word hv_feature_words[HV_NR_FEATURE_WORDS];

/* A feature a policy has and a host does not offer. */
struct hv_missing {
	uint32_t leaf, subleaf, word;
	char reg;
	uint32_t bits;
};
/* Whether the CPUID LEAVES of a guest's policy hold feature bits beyond
 * ALLOWED (NALLOWED featureset words; a word past them offers nothing):
 * 0 none, 1 with the first one in *M. Not counted: the bits a CPU sets
 * from its OS's state (1.ecx OSXSAVE, 7.0.ecx OSPKE), and in 0x80000001.edx
 * those AMD mirrors from 1.edx (Xen's CPUID_COMMON_1D_FEATURES), which
 * Xen's featureset keeps in word 0 only. Leaves that hold no feature word
 * are not looked at. */
int hv_policy_missing(const struct hv_cpuid_leaf *leaves, uint32_t n, const uint32_t *allowed,
		      uint32_t nallowed, struct hv_missing *m);
#endif
