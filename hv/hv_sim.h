/* hv_sim: what the sim backend's files share: one round trip to xcd-sim,
 * and the operations hv_sim_state.c implements for hv_sim.c's table (a
 * domain's memory map and platform state). Each operation's contract is
 * hv.h's; the wire is sim/PROTOCOL.md's. */
#ifndef XCD_HV_SIM_H
#define XCD_HV_SIM_H
#include "backend.h"

/* Request OP on DOMID with payload A then B; up to OUTLEN bytes of the
 * answer into OUT (*GOT: how many; may be NULL). 0, or -errno with
 * hv_error() set. */
int hv_sim_call(struct hv *hv, uint32_t op, uint32_t domid, const void *a, size_t alen,
		const void *b, size_t blen, void *out, size_t outlen, size_t *got);

int sim_max_pfn(struct hv *hv, uint32_t domid, uint64_t *max_pfn);
int sim_pfn_types(struct hv *hv, uint32_t domid, const uint64_t *pfns, uint32_t n,
		  uint8_t *types);
int sim_populate(struct hv *hv, uint32_t domid, const uint64_t *pfns, uint32_t n);
int sim_tsc_get(struct hv *hv, uint32_t domid, struct hv_tsc_info *out);
int sim_tsc_set(struct hv *hv, uint32_t domid, const struct hv_tsc_info *tsc);
int sim_policy_get(struct hv *hv, uint32_t domid, struct hv_cpuid_leaf *leaves,
		   uint32_t *nr_leaves, struct hv_msr *msrs, uint32_t *nr_msrs);
int sim_policy_set(struct hv *hv, uint32_t domid, const struct hv_cpuid_leaf *leaves,
		   uint32_t nr_leaves, const struct hv_msr *msrs, uint32_t nr_msrs);
int sim_hvm_context_get(struct hv *hv, uint32_t domid, void *buf, size_t *len);
int sim_hvm_context_set(struct hv *hv, uint32_t domid, const void *buf, size_t len);
int sim_param_get(struct hv *hv, uint32_t domid, uint32_t index, uint64_t *value);
int sim_param_set(struct hv *hv, uint32_t domid, uint32_t index, uint64_t value);
#endif
