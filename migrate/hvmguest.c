/* hvmguest: a PVH guest's records as Xen 4.17's libxc writes an x86 HVM
 * guest's (tools/libs/guest/xg_sr_save_x86_hvm.c, xg_sr_common_x86.c), over
 * hv only: its CPU policy before STATIC_DATA_END; after its memory, its TSC,
 * HVM context and HVM params, in that order. The same on either backend:
 * xcd-sim keeps the same state for its PVH guests (hv.h). */
#include "migrate.h"
#include "../hv/hv.h"
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The HVM params libxc's save carries, in its order; a param whose value is
 * 0 is left out, as libxc does. */
const uint32_t mig_hvm_params[MIG_HVM_NR_SAVED] = {
	1,  /* STORE_PFN */
	5,  /* IOREQ_PFN */
	6,  /* BUFIOREQ_PFN */
	27, /* PAGING_RING_PFN */
	28, /* MONITOR_RING_PFN */
	29, /* SHARING_RING_PFN */
	37, /* VM86_TSS_SIZED */
	17, /* CONSOLE_PFN */
	19, /* ACPI_IOPORTS_LOCATION */
	9,  /* VIRIDIAN */
	12, /* IDENT_PT */
	34, /* VM_GENERATION_ID_ADDR */
	32, /* IOREQ_SERVER_PFN */
	33, /* NR_IOREQ_SERVER_PAGES */
	36, /* X87_FIP_WIDTH */
	38, /* MCA_CAP */
};

static int hv_fail_to(struct hv *hv, int rc, uint32_t domid, const char *what, char *err,
		      size_t errlen)
{
	snprintf(err, errlen, "domain %u: %s: %s", domid, what, hv_error(hv));
	return rc;
}

static int out_fail(int rc, const char *rec, char *err, size_t errlen)
{
	snprintf(err, errlen, "writing the stream (%s): %s", rec, strerror(-rc));
	return rc;
}

/* X86_CPUID_POLICY and X86_MSR_POLICY (each left out when empty). */
static int policy_records(struct hv *hv, uint32_t domid, struct mig_out *o, char *err,
			  size_t errlen)
{
	struct hv_cpuid_leaf *l = calloc(HV_CPUID_LEAVES_MAX, sizeof(*l));
	struct hv_msr *m = calloc(HV_MSRS_MAX, sizeof(*m));
	uint8_t *buf = malloc(HV_CPUID_LEAVES_MAX * X86_CPUID_LEAF_LEN);
	uint32_t nl = HV_CPUID_LEAVES_MAX, nm = HV_MSRS_MAX;
	int rc = -ENOMEM;
	snprintf(err, errlen, "no memory for the CPU policy");
	if (!l || !m || !buf)
		goto out;
	if ((rc = hv_cpu_policy_get(hv, domid, l, &nl, m, &nm)) < 0) {
		hv_fail_to(hv, rc, domid, "its CPU policy", err, errlen);
		goto out;
	}
	for (uint32_t i = 0; i < nl; i++) {
		uint8_t *e = buf + i * X86_CPUID_LEAF_LEN;
		mig_put_le32(e, l[i].leaf);
		mig_put_le32(e + 4, l[i].subleaf);
		mig_put_le32(e + 8, l[i].a);
		mig_put_le32(e + 12, l[i].b);
		mig_put_le32(e + 16, l[i].c);
		mig_put_le32(e + 20, l[i].d);
	}
	if (nl && (rc = mig_write_libxc_rec(o, LIBXC_REC_X86_CPUID_POLICY, NULL, 0, buf,
					    nl * X86_CPUID_LEAF_LEN)) < 0) {
		out_fail(rc, "X86_CPUID_POLICY", err, errlen);
		goto out;
	}
	for (uint32_t i = 0; i < nm; i++) {
		uint8_t *e = buf + i * X86_MSR_ENTRY_LEN;
		mig_put_le32(e, m[i].index);
		mig_put_le32(e + 4, m[i].flags);
		mig_put_le64(e + 8, m[i].value);
	}
	rc = 0;
	if (nm && (rc = mig_write_libxc_rec(o, LIBXC_REC_X86_MSR_POLICY, NULL, 0, buf,
					    nm * X86_MSR_ENTRY_LEN)) < 0)
		out_fail(rc, "X86_MSR_POLICY", err, errlen);
out:
	free(l);
	free(m);
	free(buf);
	return rc;
}

static int tsc_record(struct hv *hv, uint32_t domid, struct mig_out *o, char *err,
		      size_t errlen)
{
	struct hv_tsc_info t;
	int rc = hv_tsc_info_get(hv, domid, &t);
	if (rc < 0)
		return hv_fail_to(hv, rc, domid, "its TSC", err, errlen);
	uint8_t b[X86_TSC_INFO_LEN] = { 0 };
	mig_put_le32(b, t.mode);
	mig_put_le32(b + 4, t.khz);
	mig_put_le64(b + 8, t.elapsed_ns);
	mig_put_le32(b + 16, t.incarnation);
	rc = mig_write_libxc_rec(o, LIBXC_REC_X86_TSC_INFO, NULL, 0, b, sizeof(b));
	return rc < 0 ? out_fail(rc, "X86_TSC_INFO", err, errlen) : 0;
}

static int context_record(struct hv *hv, uint32_t domid, struct mig_out *o, char *err,
			  size_t errlen)
{
	size_t len = 0;
	int rc = hv_hvm_context_get(hv, domid, NULL, &len);
	if (rc < 0)
		return hv_fail_to(hv, rc, domid, "the size of its HVM context", err, errlen);
	if (len == 0 || len > HV_HVM_CONTEXT_MAX) {
		snprintf(err, errlen, "domain %u: an HVM context of %zu bytes", domid, len);
		return -EIO;
	}
	uint8_t *ctx = malloc(len);
	if (!ctx) {
		snprintf(err, errlen, "no memory for %zu bytes of HVM context", len);
		return -ENOMEM;
	}
	if ((rc = hv_hvm_context_get(hv, domid, ctx, &len)) < 0)
		hv_fail_to(hv, rc, domid, "its HVM context", err, errlen);
	else if ((rc = mig_write_libxc_rec(o, LIBXC_REC_HVM_CONTEXT, NULL, 0, ctx,
					   (uint32_t)len)) < 0)
		out_fail(rc, "HVM_CONTEXT", err, errlen);
	free(ctx);
	return rc;
}

/* HVM_PARAMS: count, then (index, value) pairs; left out when all are 0. */
static int params_record(struct hv *hv, uint32_t domid, struct mig_out *o, char *err,
			 size_t errlen)
{
	uint8_t b[8 + MIG_HVM_NR_SAVED * HVM_PARAM_ENTRY_LEN] = { 0 };
	uint32_t n = 0;
	for (uint32_t i = 0; i < MIG_HVM_NR_SAVED; i++) {
		uint64_t v;
		int rc = hv_hvm_param_get(hv, domid, mig_hvm_params[i], &v);
		if (rc < 0)
			return hv_fail_to(hv, rc, domid, "an HVM parameter", err, errlen);
		if (!v)
			continue;
		mig_put_le64(b + 8 + n * HVM_PARAM_ENTRY_LEN, mig_hvm_params[i]);
		mig_put_le64(b + 16 + n * HVM_PARAM_ENTRY_LEN, v);
		n++;
	}
	if (!n)
		return 0;
	mig_put_le32(b, n);
	int rc = mig_write_libxc_rec(o, LIBXC_REC_HVM_PARAMS, NULL, 0, b,
				     8 + n * HVM_PARAM_ENTRY_LEN);
	return rc < 0 ? out_fail(rc, "HVM_PARAMS", err, errlen) : 0;
}

/* After the memory, in libxc's order: TSC, HVM context, HVM params. */
static int state_records(struct hv *hv, uint32_t domid, uint32_t nvcpus, struct mig_out *o,
			 char *err, size_t errlen)
{
	(void)nvcpus; /* the HVM context holds every vCPU */
	int rc = tsc_record(hv, domid, o, err, errlen);
	if (rc == 0)
		rc = context_record(hv, domid, o, err, errlen);
	if (rc == 0)
		rc = params_record(hv, domid, o, err, errlen);
	return rc;
}

const struct mig_guest_ops mig_guest_pvh = {
	.dom_type = LIBXC_DOM_X86_HVM,
	.static_records = policy_records,
	.state_records = state_records,
};

const struct mig_guest_ops *mig_guest_of(uint32_t hv_type)
{
	return hv_type == HV_DOM_PVH ? &mig_guest_pvh : &mig_guest_sim;
}
