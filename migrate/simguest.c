/* simguest: a simulated guest's memory and vCPUs through the stream, over hv
 * only (hv_map, hv_vcpu_get/set_context): the records are libxc's, with the
 * guest type and the vCPU record of xcd's own (stream.h). */
#include "migrate.h"
#include "../hv/hv.h"
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int out_err(int rc, char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "writing the stream (%s): %s", what, strerror(-rc));
	return rc;
}

static int save_vcpus(struct hv *hv, uint32_t domid, uint32_t nvcpus, struct mig_out *o,
		      char *err, size_t errlen)
{
	uint8_t *ctx = malloc(HV_VCPU_CONTEXT_MAX);
	if (!ctx) {
		snprintf(err, errlen, "no memory for a vCPU context");
		return -ENOMEM;
	}
	int rc = 0;
	for (uint32_t v = 0; rc == 0 && v < nvcpus; v++) {
		size_t len = HV_VCPU_CONTEXT_MAX;
		rc = hv_vcpu_get_context(hv, domid, v, ctx, &len);
		if (rc < 0) {
			snprintf(err, errlen, "vCPU %u's context: %s", v, hv_error(hv));
			break;
		}
		uint32_t head[2] = { htole32(v), 0 };
		rc = mig_write_libxc_rec(o, LIBXC_REC_XCD_SIM_VCPU, head, sizeof(head), ctx,
					 (uint32_t)len);
		if (rc < 0)
			out_err(rc, err, errlen, "XCD_SIM_VCPU");
	}
	free(ctx);
	return rc;
}

const struct mig_guest_ops mig_guest_sim = {
	.dom_type = LIBXC_DOM_XCD_SIM,
	.state_records = save_vcpus,
};

/* The engine's progress as a save's: pages done of the guest's. */
static void save_progress(void *arg, const struct mig_precopy_info *i)
{
	const struct mig_progress *p = arg;
	p->fn(p->arg, i->round_done, i->round_pages);
}

int mig_save_sim(struct hv *hv, uint32_t domid, struct mig_out *o, const char *config,
		 uint32_t config_len, enum mig_compress compress, const struct mig_progress *prog,
		 struct mig_save_stats *stats, char *err, size_t errlen)
{
	struct mig_precopy_opts opts = { .live = 0, .compress = compress,
					 .codecs = compress ? MIG_CODECS_BUILT : 0 };
	struct mig_precopy_hooks hooks = { (void *)prog, NULL,
					   prog && prog->fn ? save_progress : NULL, NULL, NULL };
	struct mig_precopy_stats st;
	int rc = mig_precopy(hv, domid, o, config, config_len, &mig_guest_sim, &opts, &hooks,
			     &st, err, errlen);
	if (stats)
		*stats = (struct mig_save_stats){ st.pages, st.zero_pages, st.bytes, st.z_saved,
						  st.codecs_used };
	return rc;
}

struct restore {
	struct hv *hv;
	uint32_t domid;
	uint8_t *base;
	uint32_t nvcpus;
	uint8_t *have_ctx;
	uint8_t *seen; /* pages the stream sent so far, a bit each */
	const struct mig_progress *prog;
	uint64_t done, total;
};

/* The reader puts the pages with data straight into the guest's memory. */
static uint8_t *r_page_dst(void *ctx, uint64_t pfn, uint32_t npages, char *err, size_t errlen)
{
	struct restore *r = ctx;
	(void)npages; /* within max_pfn, the guest's last: the reader checked */
	(void)err;
	(void)errlen;
	return r->base + pfn * HV_PAGE_SIZE;
}

static int r_pages(void *ctx, uint32_t count, const uint64_t *pfns, const uint8_t *data,
		   char *err, size_t errlen)
{
	struct restore *r = ctx;
	(void)err;
	(void)errlen;
	(void)data; /* NULL: the pages are in place (r_page_dst) */
	for (uint32_t i = 0; i < count; i++) {
		uint64_t pfn = pfns[i] & PFN_MASK;
		unsigned t = (unsigned)(pfns[i] >> PFN_TYPE_SHIFT);
		uint8_t *p = r->base + pfn * HV_PAGE_SIZE;
		if (t == PFINFO_NOTAB) {
			/* written already */
		} else if (t == PFINFO_XALLOC && (r->seen[pfn / 8] & (1u << (pfn % 8)))) {
			/* Zeroed where a later round sends a page again; a page not
			 * sent before is zero already (a new domain's memory), and
			 * is left untouched, unallocated. */
			memset(p, 0, HV_PAGE_SIZE);
		}
		r->seen[pfn / 8] |= (uint8_t)(1u << (pfn % 8));
	}
	r->done += count;
	if (r->prog && r->prog->fn)
		r->prog->fn(r->prog->arg, r->done < r->total ? r->done : r->total, r->total);
	return 0;
}

static int r_record(void *ctx, int libxl, uint32_t type, const uint8_t *body, uint32_t len,
		    char *err, size_t errlen)
{
	struct restore *r = ctx;
	if (libxl || type != LIBXC_REC_XCD_SIM_VCPU)
		return 0;
	uint32_t v;
	memcpy(&v, body, 4);
	v = le32toh(v);
	int rc = hv_vcpu_set_context(r->hv, r->domid, v, body + 8, len - 8);
	if (rc < 0) {
		snprintf(err, errlen, "record XCD_SIM_VCPU: vCPU %u's context refused: %s", v,
			 hv_error(r->hv));
		return rc;
	}
	r->have_ctx[v] = 1;
	return 0;
}

int mig_restore_sim(struct hv *hv, uint32_t domid, struct mig_in *in,
		    const struct mig_progress *prog, char *err, size_t errlen)
{
	struct hv_dominfo di;
	int rc = hv_domain_getinfo(hv, domid, &di);
	if (rc < 0) {
		snprintf(err, errlen, "domain %u: %s", domid, hv_error(hv));
		return rc;
	}
	uint64_t npages = di.max_mem_kb / 4;
	struct restore r = { .hv = hv, .domid = domid, .nvcpus = di.max_vcpus, .prog = prog,
			     .total = npages };
	if (!npages || !di.max_vcpus) {
		snprintf(err, errlen, "domain %u has no memory or no vCPU to restore into", domid);
		return -EINVAL;
	}
	r.have_ctx = calloc(di.max_vcpus, 1);
	r.seen = calloc((npages + 7) / 8, 1);
	if (!r.have_ctx || !r.seen) {
		free(r.have_ctx);
		free(r.seen);
		snprintf(err, errlen, "no memory");
		return -ENOMEM;
	}
	void *base;
	rc = hv_map(hv, domid, 0, npages, HV_MAP_READ | HV_MAP_WRITE, &base);
	if (rc < 0) {
		snprintf(err, errlen, "mapping domain %u's %llu pages: %s", domid,
			 (unsigned long long)npages, hv_error(hv));
		free(r.have_ctx);
		free(r.seen);
		return rc;
	}
	r.base = base;
	struct mig_read_opts opts = { .want_type = LIBXC_DOM_XCD_SIM, .max_pfn = npages - 1,
				      .max_vcpus = di.max_vcpus };
	struct mig_visitor v = { .ctx = &r, .pages = r_pages, .record = r_record,
				 .page_dst = r_page_dst };
	rc = mig_read_libxl(in, &opts, &v, err, errlen);
	for (uint32_t i = 0; rc == 0 && i < di.max_vcpus; i++)
		if (!r.have_ctx[i]) {
			snprintf(err, errlen, "the stream holds no context for vCPU %u", i);
			rc = -EPROTO;
		}
	if (rc == 0 && prog && prog->whole)
		prog->whole(prog->arg);
	hv_unmap(hv, base, npages);
	free(r.have_ctx);
	free(r.seen);
	return rc;
}
