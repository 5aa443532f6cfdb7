/* hv_sim_state: a simulated domain's memory map and platform state in hv's
 * terms (hv.h), from xcd-sim's (sim/PROTOCOL.md, TSC_GET to POPULATE): its
 * featureset words become CPUID leaves as Xen numbers them, its vCPUs'
 * contexts an HVM context blob in Xen's save format. */
#include "hv_sim.h"
#include "cpufeat.h"
#include "sim_hvmctx.h"
#include "../sim/guest.h"
#include "../sim/proto.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sim_max_pfn(struct hv *hv, uint32_t domid, uint64_t *max_pfn)
{
	return hv_sim_call(hv, SIM_OP_MAX_PFN, domid, NULL, 0, NULL, 0, max_pfn,
			   sizeof(*max_pfn), NULL);
}

int sim_pfn_types(struct hv *hv, uint32_t domid, const uint64_t *pfns, uint32_t n,
		  uint8_t *types)
{
	size_t got = 0;
	int rc = hv_sim_call(hv, SIM_OP_PFN_TYPES, domid, pfns, 8ull * n, NULL, 0, types, n,
			     &got);
	if (rc == 0 && got != n)
		return hv_fail(hv, -EPROTO, "xcd-sim: %zu page types for %u pages", got, n);
	return rc;
}

int sim_populate(struct hv *hv, uint32_t domid, const uint64_t *pfns, uint32_t n)
{
	return hv_sim_call(hv, SIM_OP_POPULATE, domid, pfns, 8ull * n, NULL, 0, NULL, 0, NULL);
}

int sim_tsc_get(struct hv *hv, uint32_t domid, struct hv_tsc_info *out)
{
	struct sim_tsc_info w;
	int rc = hv_sim_call(hv, SIM_OP_TSC_GET, domid, NULL, 0, NULL, 0, &w, sizeof(w), NULL);
	if (rc == 0)
		*out = (struct hv_tsc_info){ w.mode, w.khz, w.elapsed_ns, w.incarnation };
	return rc;
}

int sim_tsc_set(struct hv *hv, uint32_t domid, const struct hv_tsc_info *t)
{
	struct sim_tsc_info w = { t->mode, t->khz, t->elapsed_ns, t->incarnation, 0 };
	return hv_sim_call(hv, SIM_OP_TSC_SET, domid, &w, sizeof(w), NULL, 0, NULL, 0, NULL);
}

int sim_param_get(struct hv *hv, uint32_t domid, uint32_t index, uint64_t *value)
{
	return hv_sim_call(hv, SIM_OP_PARAM_GET, domid, &index, sizeof(index), NULL, 0, value,
			   sizeof(*value), NULL);
}

int sim_param_set(struct hv *hv, uint32_t domid, uint32_t index, uint64_t value)
{
	struct sim_param_arg a = { index, 0, value };
	return hv_sim_call(hv, SIM_OP_PARAM_SET, domid, &a, sizeof(a), NULL, 0, NULL, 0, NULL);
}

/* ---- CPU policy: featureset words <-> CPUID leaves ---- */

static uint32_t *reg_of(struct hv_cpuid_leaf *l, char reg)
{
	return reg == 'a' ? &l->a : reg == 'b' ? &l->b : reg == 'c' ? &l->c : &l->d;
}

static int leaf_cmp(const void *x, const void *y)
{
	const struct hv_cpuid_leaf *a = x, *b = y;
	if (a->leaf != b->leaf)
		return a->leaf < b->leaf ? -1 : 1;
	return a->subleaf < b->subleaf ? -1 : a->subleaf > b->subleaf;
}

/* The leaves of the words W[0..N): one per (leaf, subleaf), sorted. */
static uint32_t words_to_leaves(const uint32_t *w, uint32_t n, struct hv_cpuid_leaf *out)
{
	uint32_t nl = 0;
	for (uint32_t i = 0; i < n && i < HV_NR_FEATURE_WORDS; i++) {
		uint32_t j;
		for (j = 0; j < nl; j++)
			if (out[j].leaf == hv_feature_words[i].leaf && out[j].subleaf == hv_feature_words[i].subleaf)
				break;
		if (j == nl)
			out[nl++] = (struct hv_cpuid_leaf){ .leaf = hv_feature_words[i].leaf,
							    .subleaf = hv_feature_words[i].subleaf };
		*reg_of(&out[j], hv_feature_words[i].reg) = w[i];
	}
	qsort(out, nl, sizeof(*out), leaf_cmp);
	return nl;
}

int sim_policy_get(struct hv *hv, uint32_t domid, struct hv_cpuid_leaf *leaves,
		   uint32_t *nr_leaves, struct hv_msr *msrs, uint32_t *nr_msrs)
{
	uint32_t w[SIM_FEATURESET_MAX];
	struct hv_cpuid_leaf l[HV_NR_FEATURE_WORDS];
	size_t got = 0;
	(void)msrs;
	int rc = hv_sim_call(hv, SIM_OP_FEATURES_GET, domid, NULL, 0, NULL, 0, w, sizeof(w),
			     &got);
	if (rc < 0)
		return rc;
	uint32_t nl = words_to_leaves(w, (uint32_t)(got / 4), l);
	if (nl > *nr_leaves)
		return hv_fail(hv, -ENOSPC, "xcd-sim: CPU policy of domain %u: %u leaves, room "
			       "for %u", domid, nl, *nr_leaves);
	memcpy(leaves, l, nl * sizeof(*l));
	*nr_leaves = nl;
	*nr_msrs = 0; /* xcd-sim models no MSR */
	return 0;
}

/* LEAVES into featureset words W (*N used): -EINVAL naming a leaf or
 * register xcd-sim does not model (what Xen's set refuses as unknown). */
static int leaves_to_words(struct hv *hv, uint32_t domid, const struct hv_cpuid_leaf *leaves,
			   uint32_t nr, uint32_t *w, uint32_t *n)
{
	*n = 0;
	for (uint32_t i = 0; i < nr; i++) {
		const struct hv_cpuid_leaf *l = &leaves[i];
		uint32_t regs[4] = { l->a, l->b, l->c, l->d }, known = 0;
		for (uint32_t k = 0; k < HV_NR_FEATURE_WORDS; k++) {
			if (hv_feature_words[k].leaf != l->leaf || hv_feature_words[k].subleaf != l->subleaf)
				continue;
			w[k] = regs[hv_feature_words[k].reg - 'a'];
			known |= 1u << (hv_feature_words[k].reg - 'a');
			if (k + 1 > *n)
				*n = k + 1;
		}
		if (!known)
			return hv_fail(hv, -EINVAL, "xcd-sim: CPU policy of domain %u: CPUID leaf "
				       "%#x subleaf %#x is not one this host offers", domid,
				       l->leaf, l->subleaf);
		for (int r = 0; r < 4; r++)
			if (regs[r] && !(known & (1u << r)))
				return hv_fail(hv, -EINVAL, "xcd-sim: CPU policy of domain %u: "
					       "CPUID leaf %#x subleaf %#x register e%cx = %#x, "
					       "which this host does not offer", domid, l->leaf,
					       l->subleaf, 'a' + r, regs[r]);
	}
	return 0;
}

int sim_policy_set(struct hv *hv, uint32_t domid, const struct hv_cpuid_leaf *leaves,
		   uint32_t nr_leaves, const struct hv_msr *msrs, uint32_t nr_msrs)
{
	if (nr_msrs)
		return hv_fail(hv, -EINVAL, "xcd-sim: CPU policy of domain %u: MSR %#x: this "
			       "host offers no MSR", domid, msrs[0].index);
	uint32_t w[SIM_FEATURESET_MAX] = { 0 }, n;
	int rc = leaves_to_words(hv, domid, leaves, nr_leaves, w, &n);
	if (rc < 0)
		return rc;
	/* Named by leaf here, as Xen names a refusal; xcd-sim checks again. */
	struct hv_hostinfo h;
	if ((rc = hv_host_info(hv, &h)) < 0)
		return rc;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t host = k < h.nr_features ? h.featureset[k] : 0;
		if (w[k] & ~host)
			return hv_fail(hv, -EINVAL, "xcd-sim: CPU policy of domain %u: CPUID leaf "
				       "%#x subleaf %#x register e%cx: features %#x, which this "
				       "host lacks", domid, hv_feature_words[k].leaf, hv_feature_words[k].subleaf,
				       hv_feature_words[k].reg, w[k] & ~host);
	}
	return hv_sim_call(hv, SIM_OP_FEATURES_SET, domid, w, 4ull * n, NULL, 0, NULL, 0, NULL);
}

/* ---- HVM context: the vCPUs' contexts in Xen's save format (sim_hvmctx.c) ---- */

/* A PVH domain's vCPU count, or -EINVAL for a PV one (as Xen). */
static int pvh_vcpus(struct hv *hv, uint32_t domid, uint32_t *n)
{
	struct hv_dominfo di;
	int rc = hv_domain_getinfo(hv, domid, &di);
	if (rc < 0)
		return rc;
	if (di.type != HV_DOM_PVH)
		return hv_fail(hv, -EINVAL, "xcd-sim: domain %u is PV: an HVM context is a PVH "
			       "domain's", domid);
	*n = di.max_vcpus;
	return 0;
}

int sim_hvm_context_get(struct hv *hv, uint32_t domid, void *buf, size_t *len)
{
	uint32_t nv = 0;
	int rc = pvh_vcpus(hv, domid, &nv);
	if (rc < 0)
		return rc;
	size_t need = sim_hvmctx_size(nv, sizeof(struct sim_vcpu_context));
	if (!buf) {
		*len = need;
		return 0;
	}
	if (*len < need)
		return hv_fail(hv, -ENOSPC, "xcd-sim: HVM context of domain %u: %zu bytes, the "
			       "buffer has %zu", domid, need, *len);
	uint8_t *p = sim_hvmctx_header(buf);
	for (uint32_t v = 0; v < nv; v++) {
		struct sim_vcpu_context c;
		size_t clen = sizeof(c);
		if ((rc = hv_vcpu_get_context(hv, domid, v, &c, &clen)) < 0)
			return rc;
		p = sim_hvmctx_vcpu(p, v, &c, (uint32_t)clen);
	}
	*len = (size_t)(sim_hvmctx_end(p) - (uint8_t *)buf);
	return 0;
}

int sim_hvm_context_set(struct hv *hv, uint32_t domid, const void *buf, size_t len)
{
	uint32_t nv = 0;
	int rc = pvh_vcpus(hv, domid, &nv);
	if (rc < 0)
		return rc;
	const uint8_t **at = calloc(nv, sizeof(*at));
	if (!at)
		return hv_fail(hv, -ENOMEM, "xcd-sim: HVM context: out of memory");
	char err[XCD_ERR_MAX];
	rc = sim_hvmctx_parse(buf, len, nv, sizeof(struct sim_vcpu_context), at, err,
			      sizeof(err));
	if (rc < 0)
		hv_fail(hv, rc, "xcd-sim: HVM context of domain %u: %s", domid, err);
	for (uint32_t v = 0; rc == 0 && v < nv; v++)
		rc = hv_vcpu_set_context(hv, domid, v, at[v], sizeof(struct sim_vcpu_context));
	free(at);
	return rc;
}
