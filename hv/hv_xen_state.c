/* hv_xen_state: what a save or a migration reads of a Xen domain besides its
 * memory and vCPUs, and writes into a new one: the physical memory map page
 * by page (types, populate), TSC, CPU policy, a PVH domain's HVM context
 * and parameters, and the end of a restore (its xenstore and console
 * channels, the grant entries for them). libxenctrl and libxenguest, the
 * calls libxc's own save and restore make (tools/libs/guest/xg_sr_*). */
#include "hv_xen.h"
#include "../lib/log.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenguest.h>
#include <xen/hvm/params.h>

/* libxenctrl exports it (ABI VERS_4.17.0) for libxenguest's save but
 * declares it in its private header only: XEN_DOMCTL_getpageframeinfo3,
 * ARR's pfns replaced by their XEN_DOMCTL_PFINFO_* types. */
int xc_get_pfn_type_batch(xc_interface *xch, uint32_t dom, unsigned int num, xen_pfn_t *arr);

int xen_max_pfn(struct hv *hv, uint32_t domid, uint64_t *max_pfn)
{
	xen_pfn_t g = 0;
	errno = 0;
	if (xc_domain_maximum_gpfn(xh(hv)->xch, domid, &g) < 0)
		return xfail(hv, "maximum gpfn", domid);
	*max_pfn = g;
	return 0;
}

int xen_pfn_types(struct hv *hv, uint32_t domid, const uint64_t *pfns, uint32_t n,
		  uint8_t *types)
{
	xen_pfn_t arr[HV_PFN_TYPES_MAX];
	for (uint32_t i = 0; i < n; i++)
		arr[i] = pfns[i];
	errno = 0;
	if (xc_get_pfn_type_batch(xh(hv)->xch, domid, n, arr) < 0)
		return xfail(hv, "page types", domid);
	for (uint32_t i = 0; i < n; i++)
		types[i] = (uint8_t)((arr[i] >> XEN_DOMCTL_PFINFO_LTAB_SHIFT) & 0xf);
	return 0;
}

int xen_populate(struct hv *hv, uint32_t domid, const uint64_t *pfns, uint32_t n)
{
	xen_pfn_t arr[HV_PFN_TYPES_MAX];
	for (uint32_t i = 0; i < n; i++)
		arr[i] = pfns[i];
	errno = 0;
	if (xc_domain_populate_physmap_exact(xh(hv)->xch, domid, n, 0, 0, arr) < 0)
		return hv_fail(hv, errno == ENOMEM ? -ENOMEM : -(errno ? errno : EIO),
			       "xen: populating %u pages of domain %u from pfn %#llx: %s", n, domid,
			       (unsigned long long)pfns[0], strerror(errno ? errno : EIO));
	return 0;
}

int xen_tsc_get(struct hv *hv, uint32_t domid, struct hv_tsc_info *out)
{
	memset(out, 0, sizeof(*out));
	errno = 0;
	return xc_domain_get_tsc_info(xh(hv)->xch, domid, &out->mode, &out->elapsed_ns, &out->khz,
				      &out->incarnation) < 0 ? xfail(hv, "get TSC info", domid) : 0;
}

int xen_tsc_set(struct hv *hv, uint32_t domid, const struct hv_tsc_info *t)
{
	if (t->mode > 2)
		return hv_fail(hv, -EINVAL, "xen: TSC mode %u of domain %u: Xen 4.17 has 0 "
			       "(default), 1 (always emulate) and 2 (native)", t->mode, domid);
	errno = 0;
	return xc_domain_set_tsc_info(xh(hv)->xch, domid, t->mode, t->elapsed_ns, t->khz,
				      t->incarnation) < 0 ? xfail(hv, "set TSC info", domid) : 0;
}

int xen_policy_get(struct hv *hv, uint32_t domid, struct hv_cpuid_leaf *leaves,
		   uint32_t *nr_leaves, struct hv_msr *msrs, uint32_t *nr_msrs)
{
	xc_interface *xch = xh(hv)->xch;
	uint32_t nl = *nr_leaves, nm = *nr_msrs;
	xen_cpuid_leaf_t *l = calloc(nl ? nl : 1, sizeof(*l));
	xen_msr_entry_t *m = calloc(nm ? nm : 1, sizeof(*m));
	xc_cpu_policy_t *p = xc_cpu_policy_init();
	int rc = 0;
	errno = 0;
	if (!l || !m || !p)
		rc = hv_fail(hv, -ENOMEM, "xen: CPU policy of domain %u: out of memory", domid);
	else if (xc_cpu_policy_get_domain(xch, domid, p) < 0)
		rc = xfail(hv, "get CPU policy", domid);
	else if (xc_cpu_policy_serialise(xch, p, l, &nl, m, &nm) < 0)
		rc = errno == ENOBUFS ? hv_fail(hv, -ENOSPC, "xen: CPU policy of domain %u: more "
						"than %u leaves or %u MSRs", domid,
						*nr_leaves, *nr_msrs)
				      : xfail(hv, "serialise CPU policy", domid);
	for (uint32_t i = 0; rc == 0 && i < nl; i++)
		leaves[i] = (struct hv_cpuid_leaf){ l[i].leaf, l[i].subleaf, l[i].a, l[i].b,
						    l[i].c, l[i].d };
	for (uint32_t i = 0; rc == 0 && i < nm; i++)
		msrs[i] = (struct hv_msr){ m[i].idx, m[i].flags, m[i].val };
	if (rc == 0) {
		*nr_leaves = nl;
		*nr_msrs = nm;
	}
	xc_cpu_policy_destroy(p);
	free(l);
	free(m);
	return rc;
}

int xen_policy_set(struct hv *hv, uint32_t domid, const struct hv_cpuid_leaf *leaves,
		   uint32_t nr_leaves, const struct hv_msr *msrs, uint32_t nr_msrs)
{
	xen_cpuid_leaf_t *l = calloc(nr_leaves ? nr_leaves : 1, sizeof(*l));
	xen_msr_entry_t *m = calloc(nr_msrs ? nr_msrs : 1, sizeof(*m));
	if (!l || !m) {
		free(l);
		free(m);
		return hv_fail(hv, -ENOMEM, "xen: CPU policy of domain %u: out of memory", domid);
	}
	for (uint32_t i = 0; i < nr_leaves; i++)
		l[i] = (xen_cpuid_leaf_t){ .leaf = leaves[i].leaf, .subleaf = leaves[i].subleaf,
					   .a = leaves[i].a, .b = leaves[i].b, .c = leaves[i].c,
					   .d = leaves[i].d };
	for (uint32_t i = 0; i < nr_msrs; i++)
		m[i] = (xen_msr_entry_t){ .idx = msrs[i].index, .flags = msrs[i].flags,
					  .val = msrs[i].value };
	uint32_t el = ~0u, es = ~0u, em = ~0u;
	errno = 0;
	int r = xc_set_domain_cpu_policy(xh(hv)->xch, domid, nr_leaves, l, nr_msrs, m, &el, &es,
					 &em);
	int e = errno ? errno : EIO, rc = 0;
	free(l);
	free(m);
	if (r < 0 && el != ~0u)
		rc = hv_fail(hv, -e, "xen: CPU policy of domain %u: this host refuses CPUID leaf "
			     "%#x subleaf %#x: %s", domid, el, es, strerror(e));
	else if (r < 0 && em != ~0u)
		rc = hv_fail(hv, -e, "xen: CPU policy of domain %u: this host refuses MSR %#x: %s",
			     domid, em, strerror(e));
	else if (r < 0)
		rc = hv_fail(hv, -e, "xen: CPU policy of domain %u (%u leaves, %u MSRs): %s", domid,
			     nr_leaves, nr_msrs, strerror(e));
	return rc;
}

int xen_hvm_context_get(struct hv *hv, uint32_t domid, void *buf, size_t *len)
{
	xc_interface *xch = xh(hv)->xch;
	errno = 0;
	int size = xc_domain_hvm_getcontext(xch, domid, NULL, 0);
	if (size < 0)
		return xfail(hv, "HVM context size", domid);
	if (!buf) {
		*len = (size_t)size;
		return 0;
	}
	if (*len < (size_t)size)
		return hv_fail(hv, -ENOSPC, "xen: HVM context of domain %u: %d bytes, the "
			       "buffer has %zu", domid, size, *len);
	int n = xc_domain_hvm_getcontext(xch, domid, buf, (uint32_t)*len);
	if (n < 0)
		return xfail(hv, "get HVM context", domid);
	*len = (size_t)n;
	return 0;
}

int xen_hvm_context_set(struct hv *hv, uint32_t domid, const void *buf, size_t len)
{
	uint8_t *copy = malloc(len); /* libxenctrl's argument is not const */
	if (!copy)
		return hv_fail(hv, -ENOMEM, "xen: HVM context of %zu bytes: out of memory", len);
	memcpy(copy, buf, len);
	errno = 0;
	int r = xc_domain_hvm_setcontext(xh(hv)->xch, domid, copy, (uint32_t)len);
	int rc = r < 0 ? xfail(hv, "set HVM context", domid) : 0;
	free(copy);
	return rc;
}

int xen_param_get(struct hv *hv, uint32_t domid, uint32_t index, uint64_t *value)
{
	errno = 0;
	if (xc_hvm_param_get(xh(hv)->xch, domid, index, value) < 0) {
		int e = errno ? errno : EIO;
		return hv_fail(hv, -e, "xen: HVM parameter %u of domain %u: %s", index, domid,
			       strerror(e));
	}
	return 0;
}

int xen_param_set(struct hv *hv, uint32_t domid, uint32_t index, uint64_t value)
{
	errno = 0;
	if (xc_hvm_param_set(xh(hv)->xch, domid, index, value) < 0) {
		int e = errno ? errno : EIO;
		return hv_fail(hv, -e, "xen: HVM parameter %u := %#llx of domain %u: %s", index,
			       (unsigned long long)value, domid, strerror(e));
	}
	return 0;
}

/* A PVH guest restored from a stream: its memory, TSC, policy, params and
 * HVM context are in (the caller put them there); what is left is what
 * libxc's restore does at the stream's end: new channels for its store
 * and console, told to it through HVM params (a resuming Linux reads them
 * again), and the grant entries xenstored and xenconsoled map its rings
 * through. Its rings are where the stream's params said. */
int xen_restore_finish(struct hv *hv, uint32_t domid, const struct hv_build_spec *spec,
		       struct hv_build_result *out)
{
	xc_interface *xch = xh(hv)->xch;
	memset(out, 0, sizeof(*out));
	xc_domaininfo_t info;
	int rc = xen_domaininfo(hv, domid, &info);
	if (rc < 0)
		return rc;
	if (!(info.flags & XEN_DOMINF_hvm_guest))
		return hv_fail(hv, -EOPNOTSUPP, "xen: restore of domain %u: a PV guest is "
			       "restored whole by libxenguest (hv_pv_restore), not finished "
			       "here", domid);
	uint64_t store_pfn = 0, console_pfn = 0;
	rc = xen_param_get(hv, domid, HVM_PARAM_STORE_PFN, &store_pfn);
	if (rc == 0)
		rc = xen_param_get(hv, domid, HVM_PARAM_CONSOLE_PFN, &console_pfn);
	if (rc < 0)
		return rc;
	if (!store_pfn || !console_pfn)
		return hv_fail(hv, -EINVAL, "xen: restore of domain %u: the stream gave no %s ring "
			       "(HVM parameter %s is 0)", domid, store_pfn ? "console" : "xenstore",
			       store_pfn ? "CONSOLE_PFN" : "STORE_PFN");
	uint32_t sport, cport;
	if ((rc = xen_ring_channels(hv, domid, spec, &sport, &cport)) < 0)
		return rc;
	if ((rc = xen_param_set(hv, domid, HVM_PARAM_STORE_EVTCHN, (uint64_t)sport)) < 0 ||
	    (rc = xen_param_set(hv, domid, HVM_PARAM_CONSOLE_EVTCHN, (uint64_t)cport)) < 0)
		return rc;
	errno = 0;
	if (xc_dom_gnttab_seed(xch, domid, true, console_pfn, store_pfn, spec->console_domid,
			       spec->store_domid) != 0)
		return hv_fail(hv, -(errno ? errno : EIO), "xen: restore of domain %u: seeding "
			       "its grant table: %s", domid, xc_last(xch));
	out->store_pfn = store_pfn;
	out->store_port = sport;
	out->console_pfn = console_pfn;
	out->console_port = cport;
	log_debug("xen: restored PVH domain %u: store pfn %#llx port %u, console pfn %#llx "
		  "port %u", domid, (unsigned long long)store_pfn, out->store_port,
		  (unsigned long long)console_pfn, out->console_port);
	return 0;
}
