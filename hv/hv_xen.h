/* hv_xen: what the Xen backend's files share: its handles, its failure
 * helpers, and the operations hv_xen_state.c implements for hv_xen.c's
 * table (a domain's memory map and platform state, and restore's end).
 * Each operation's contract is hv.h's. */
#ifndef XCD_HV_XEN_H
#define XCD_HV_XEN_H
#include "backend.h"
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>

struct xen_handles {
	xc_interface *xch;
	xenforeignmemory_handle *fmem;
	xenevtchn_handle *evtchn;
};

static inline struct xen_handles *xh(struct hv *hv) { return hv->priv; }
/* A libxenctrl call returned -1 with errno set: hv's error, WHAT of DOMID. */
int xfail(struct hv *hv, const char *what, uint32_t domid);
/* libxenguest's own explanation of its last failure on this handle. */
const char *xc_last(xc_interface *xch);
/* Xen's record of DOMID into *INFO: -ESRCH when there is no such domain. */
int xen_domaininfo(struct hv *hv, uint32_t domid, xc_domaininfo_t *info);
/* The guest's ends of its xenstore and console channels, unbound for the
 * domains SPEC names (what a build and a restore's end give the guest). */
int xen_ring_channels(struct hv *hv, uint32_t domid, const struct hv_build_spec *spec,
		      uint32_t *store_port, uint32_t *console_port);

int xen_max_pfn(struct hv *hv, uint32_t domid, uint64_t *max_pfn);
int xen_pfn_types(struct hv *hv, uint32_t domid, const uint64_t *pfns, uint32_t n,
		  uint8_t *types);
int xen_populate(struct hv *hv, uint32_t domid, const uint64_t *pfns, uint32_t n);
int xen_tsc_get(struct hv *hv, uint32_t domid, struct hv_tsc_info *out);
int xen_tsc_set(struct hv *hv, uint32_t domid, const struct hv_tsc_info *tsc);
int xen_policy_get(struct hv *hv, uint32_t domid, struct hv_cpuid_leaf *leaves,
		   uint32_t *nr_leaves, struct hv_msr *msrs, uint32_t *nr_msrs);
int xen_policy_set(struct hv *hv, uint32_t domid, const struct hv_cpuid_leaf *leaves,
		   uint32_t nr_leaves, const struct hv_msr *msrs, uint32_t nr_msrs);
int xen_hvm_context_get(struct hv *hv, uint32_t domid, void *buf, size_t *len);
int xen_hvm_context_set(struct hv *hv, uint32_t domid, const void *buf, size_t len);
int xen_param_get(struct hv *hv, uint32_t domid, uint32_t index, uint64_t *value);
int xen_param_set(struct hv *hv, uint32_t domid, uint32_t index, uint64_t value);
int xen_restore_finish(struct hv *hv, uint32_t domid, const struct hv_build_spec *spec,
		       struct hv_build_result *out);
/* hv_xen_pv.c: a PV guest's save and restore through libxenguest. */
int xen_pv_save(struct hv *hv, uint32_t domid, int fd, hv_progress_fn *progress, void *arg);
int xen_pv_restore(struct hv *hv, uint32_t domid, int fd, const struct hv_build_spec *spec,
		   struct hv_build_result *out);
#endif
