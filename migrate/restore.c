/* restore: a guest made from a stream, over hv only, for every guest type
 * xcd writes: its pages populated as they come (hv_populate) and written
 * through a mapping of each run, its records applied as libxc's restore
 * applies them (xg_sr_restore.c, xg_sr_restore_x86_hvm.c): a simulated
 * guest's vCPU contexts at once; a PVH guest's TSC and HVM params at once
 * (the xenstore, console and ioreq pages cleared for the new daemons), its
 * CPU policy at the end of the static data (a host that cannot give it is
 * refused before a page moves), its HVM context once the stream is whole;
 * a Xen PV guest's libxc stream handed to libxenguest (hv_pv_restore). */
#include "migrate.h"
#include "pvwatch.h"
#include "../hv/cpufeat.h"
#include "../hv/hv.h"
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Frames a PVH guest's stream may name beyond its RAM: its special pages
 * and ACPI tables lie below 4 GiB whatever its size. */
#define HVM_FRAMES_BEYOND_RAM (1ull << (32 - 12))
#define HVM_PARAM_PAE_ENABLED 4 /* obsolete: dropped, as libxc does */

struct rs {
	struct hv *hv;
	uint32_t domid, type, nvcpus;
	uint32_t hv_type;	     /* the domain's enum hv_domain_type */
	struct hv_build_result *pv;  /* where a Xen PV guest's restore tells its rings */
	int pv_done;		     /* libxenguest restored it */
	uint64_t max_pfn;
	uint8_t *populated, *seen; /* a bit per frame up to max_pfn */
	uint64_t pop[HV_PFN_TYPES_MAX];
	uint32_t npop;
	void *map; /* the run the reader writes pages into */
	uint64_t map_n;
	uint8_t *have_ctx; /* a simulated guest's vCPUs with their context */
	uint8_t *cpuid, *msrs, *hvm_ctx;
	uint32_t cpuid_len, msrs_len, hvm_ctx_len;
	const struct mig_progress *prog;
	uint64_t done, total;
};

static int bit(const uint8_t *b, uint64_t i) { return b[i / 8] & (1u << (i % 8)); }
static void set_bit(uint8_t *b, uint64_t i) { b[i / 8] |= (uint8_t)(1u << (i % 8)); }

static int hv_failed(struct rs *r, int rc, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "domain %u: %s: %s", r->domid, what, hv_error(r->hv));
	return rc;
}

static int flush_populate(struct rs *r, char *err, size_t errlen)
{
	if (!r->npop)
		return 0;
	int rc = hv_populate(r->hv, r->domid, r->pop, r->npop);
	r->npop = 0;
	return rc < 0 ? hv_failed(r, rc, "populating its memory", err, errlen) : 0;
}

/* PFN populated (batched: flush_populate before touching it). */
static int ensure(struct rs *r, uint64_t pfn, char *err, size_t errlen)
{
	if (bit(r->populated, pfn))
		return 0;
	set_bit(r->populated, pfn);
	r->pop[r->npop++] = pfn;
	return r->npop == HV_PFN_TYPES_MAX ? flush_populate(r, err, errlen) : 0;
}

static void unmap_run(struct rs *r)
{
	if (r->map)
		hv_unmap(r->hv, r->map, r->map_n);
	r->map = NULL;
}

/* The reader's pages go straight into the guest: the run populated, mapped. */
static uint8_t *r_page_dst(void *ctx, uint64_t pfn, uint32_t npages, char *err, size_t errlen)
{
	struct rs *r = ctx;
	unmap_run(r);
	for (uint32_t i = 0; i < npages; i++)
		if (ensure(r, pfn + i, err, errlen) < 0)
			return NULL;
	if (flush_populate(r, err, errlen) < 0)
		return NULL;
	void *m;
	int rc = hv_map(r->hv, r->domid, pfn, npages, HV_MAP_WRITE, &m);
	if (rc < 0) {
		hv_failed(r, rc, "mapping the pages it is given", err, errlen);
		return NULL;
	}
	r->map = m;
	r->map_n = npages;
	return m;
}

static int zero_page(struct rs *r, uint64_t pfn, char *err, size_t errlen)
{
	void *m;
	int rc = hv_map(r->hv, r->domid, pfn, 1, HV_MAP_WRITE, &m);
	if (rc < 0)
		return hv_failed(r, rc, "mapping a page to clear", err, errlen);
	memset(m, 0, HV_PAGE_SIZE);
	hv_unmap(r->hv, m, 1);
	return 0;
}

static int r_pages(void *ctx, uint32_t count, const uint64_t *pfns, const uint8_t *data,
		   char *err, size_t errlen)
{
	struct rs *r = ctx;
	(void)data; /* NULL: the pages are in place (r_page_dst) */
	unmap_run(r);
	int rc = 0;
	for (uint32_t i = 0; rc == 0 && i < count; i++) {
		uint64_t pfn = pfns[i] & PFN_MASK;
		unsigned t = (unsigned)(pfns[i] >> PFN_TYPE_SHIFT);
		if (t == PFINFO_XTAB || t == PFINFO_BROKEN)
			continue; /* no page, as libxc */
		r->done++;
		if (t == PFINFO_XALLOC) {
			/* A zero page: a later round's (seen before) is cleared; a
			 * new one is what populate gives. */
			if (bit(r->seen, pfn) && (rc = flush_populate(r, err, errlen)) == 0)
				rc = zero_page(r, pfn, err, errlen);
			else
				rc = ensure(r, pfn, err, errlen);
		}
		set_bit(r->seen, pfn);
	}
	if (rc == 0)
		rc = flush_populate(r, err, errlen);
	if (rc == 0 && r->prog && r->prog->fn)
		r->prog->fn(r->prog->arg, r->done < r->total ? r->done : r->total, r->total);
	return rc;
}

/* A copy of BODY kept in *KEEP (the last one counts, as libxc's). */
static int keep(uint8_t **keep, uint32_t *keep_len, const uint8_t *body, uint32_t len,
		const char *what, char *err, size_t errlen)
{
	uint8_t *b = malloc(len ? len : 1);
	if (!b) {
		snprintf(err, errlen, "no memory for %u bytes of %s", len, what);
		return -ENOMEM;
	}
	memcpy(b, body, len);
	free(*keep);
	*keep = b;
	*keep_len = len;
	return 0;
}

/* HVM_PARAMS (checked by the reader): each set; the rings' pages cleared. */
static int apply_params(struct rs *r, const uint8_t *b, uint32_t len, char *err,
			size_t errlen)
{
	uint32_t n = len ? mig_le32(b) : 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t idx = (uint32_t)mig_le64(b + 8 + 16ull * i);
		uint64_t v = mig_le64(b + 16 + 16ull * i);
		if (idx == HVM_PARAM_PAE_ENABLED)
			continue;
		if (idx == HV_HVM_PARAM_STORE_PFN || idx == HV_HVM_PARAM_CONSOLE_PFN || idx == 5 ||
		    idx == 6) { /* 5, 6: IOREQ_PFN, BUFIOREQ_PFN */
			if (v > r->max_pfn || !bit(r->populated, v)) {
				snprintf(err, errlen, "record HVM_PARAMS: parameter %u names pfn "
					 "%#llx, a page the stream did not give", idx,
					 (unsigned long long)v);
				return -EPROTO;
			}
			int rc = zero_page(r, v, err, errlen);
			if (rc < 0)
				return rc;
		}
		int rc = hv_hvm_param_set(r->hv, r->domid, idx, v);
		if (rc < 0)
			return hv_failed(r, rc, "setting an HVM parameter", err, errlen);
	}
	return 0;
}

static int apply_tsc(struct rs *r, const uint8_t *b, char *err, size_t errlen)
{
	struct hv_tsc_info t = { mig_le32(b), mig_le32(b + 4), mig_le64(b + 8), mig_le32(b + 16) };
	int rc = hv_tsc_info_set(r->hv, r->domid, &t);
	return rc < 0 ? hv_failed(r, rc, "setting its TSC", err, errlen) : 0;
}

static int r_record(void *ctx, int libxl, uint32_t type, const uint8_t *body, uint32_t len,
		    char *err, size_t errlen)
{
	struct rs *r = ctx;
	if (libxl)
		return 0;
	switch (type) {
	case LIBXC_REC_XCD_SIM_VCPU: {
		uint32_t v = mig_le32(body);
		int rc = hv_vcpu_set_context(r->hv, r->domid, v, body + 8, len - 8);
		if (rc < 0) {
			snprintf(err, errlen, "record XCD_SIM_VCPU: vCPU %u's context refused: %s",
				 v, hv_error(r->hv));
			return rc;
		}
		r->have_ctx[v] = 1;
		return 0;
	}
	case LIBXC_REC_X86_TSC_INFO:
		return apply_tsc(r, body, err, errlen);
	case LIBXC_REC_HVM_PARAMS:
		return apply_params(r, body, len, err, errlen);
	case LIBXC_REC_X86_CPUID_POLICY:
		return keep(&r->cpuid, &r->cpuid_len, body, len, "CPUID policy", err, errlen);
	case LIBXC_REC_X86_MSR_POLICY:
		return keep(&r->msrs, &r->msrs_len, body, len, "MSR policy", err, errlen);
	case LIBXC_REC_HVM_CONTEXT:
		return keep(&r->hvm_ctx, &r->hvm_ctx_len, body, len, "HVM context", err, errlen);
	}
	return 0; /* TOOLSTACK, VERIFY: nothing to apply */
}

/* Whether this host offers a PVH guest every feature of the saved guest's
 * CPU policy (L, NL leaves), checked here before a page of its memory is
 * read, whatever the backend does with the policy (Xen 4.17 trims what
 * its maximum lacks without a word: a guest using it would fault): 0, or
 * -EINVAL with ERR naming the first one missing. A host that does not say
 * what it offers is not checked. */
static int cpu_offered(struct rs *r, const struct hv_cpuid_leaf *l, uint32_t nl, char *err,
		       size_t errlen)
{
	struct hv_hostinfo hi;
	struct hv_missing miss;
	int rc = hv_host_info(r->hv, &hi);
	if (rc < 0)
		return hv_failed(r, rc, "reading what this host offers", err, errlen);
	if (r->type != LIBXC_DOM_X86_HVM || !hi.nr_guest_max)
		return 0;
	for (uint32_t k = 0; k < hi.nr_guest_max && k < hi.nr_features; k++)
		hi.guest_max[k] |= hi.featureset[k];
	if (!hv_policy_missing(l, nl, hi.guest_max, hi.nr_guest_max, &miss))
		return 0;
	snprintf(err, errlen, "this host cannot give it the saved guest's CPU: CPUID leaf %#x "
		 "subleaf %#x register e%cx: features %#x, which this host lacks (Xen's "
		 "featureset word %u); nothing of its memory was read", miss.leaf, miss.subleaf,
		 miss.reg, miss.bits, miss.word);
	return -EINVAL;
}

/* The saved guest's CPU policy, if the stream had one (else the domain
 * keeps the default it was created with, as libxl's restore does). */
static int r_static_end(void *ctx, char *err, size_t errlen)
{
	struct rs *r = ctx;
	uint32_t nl = r->cpuid_len / X86_CPUID_LEAF_LEN, nm = r->msrs_len / X86_MSR_ENTRY_LEN;
	if (!nl && !nm)
		return 0;
	struct hv_cpuid_leaf *l = calloc(nl ? nl : 1, sizeof(*l));
	struct hv_msr *m = calloc(nm ? nm : 1, sizeof(*m));
	int rc = -ENOMEM;
	snprintf(err, errlen, "no memory for the CPU policy");
	if (l && m) {
		for (uint32_t i = 0; i < nl; i++) {
			const uint8_t *e = r->cpuid + i * X86_CPUID_LEAF_LEN;
			l[i] = (struct hv_cpuid_leaf){ mig_le32(e), mig_le32(e + 4), mig_le32(e + 8),
						       mig_le32(e + 12), mig_le32(e + 16),
						       mig_le32(e + 20) };
		}
		for (uint32_t i = 0; i < nm; i++) {
			const uint8_t *e = r->msrs + i * X86_MSR_ENTRY_LEN;
			m[i] = (struct hv_msr){ mig_le32(e), mig_le32(e + 4), mig_le64(e + 8) };
		}
		rc = cpu_offered(r, l, nl, err, errlen);
		if (rc == 0 && (rc = hv_cpu_policy_set(r->hv, r->domid, l, nl, m, nm)) < 0)
			hv_failed(r, rc, "this host cannot give it the saved guest's CPU", err,
				  errlen);
	}
	free(l);
	free(m);
	return rc;
}

/* A Xen PV guest's libxc stream: libxenguest reads it from the file and
 * restores the guest whole (hv_pv_restore); others are read here. */
static int r_libxc_stream(void *ctx, uint32_t dom_type, struct mig_in *in, char *err,
			  size_t errlen)
{
	struct rs *r = ctx;
	uint64_t at = in->off;
	if (dom_type != LIBXC_DOM_X86_PV)
		return 0;
	if (r->hv_type != HV_DOM_PV) {
		snprintf(err, errlen, "libxc domain header at byte %llu: a PV guest's stream (type "
			 "%#x), this restore takes type %#x", (unsigned long long)at + LIBXC_IHDR_LEN,
			 dom_type, r->type);
		return -EPROTO;
	}
	if (!r->pv) {
		snprintf(err, errlen, "libxc stream at byte %llu: a Xen PV guest's, which only a "
			 "restore from a file reads (through libxenguest)", (unsigned long long)at);
		return -EPROTO;
	}
	int fd = mig_in_handoff(in);
	if (fd < 0) {
		snprintf(err, errlen, "libxc stream at byte %llu: a Xen PV guest's, which "
			 "libxenguest reads from a file: %s", (unsigned long long)at,
			 fd == -ESPIPE ? "this input is a pipe" : strerror(-fd));
		return fd == -ESPIPE ? -EPROTO : fd;
	}
	struct hv_build_spec spec = { 0 };
	struct pv_watch w;
	pv_watch_start(&w, fd, lseek(fd, 0, SEEK_CUR), r->done, r->total, r->prog);
	int rc = hv_pv_restore(r->hv, r->domid, fd, &spec, r->pv);
	pv_watch_stop(&w);
	if (rc < 0) {
		snprintf(err, errlen, "libxc stream at byte %llu: %s", (unsigned long long)at,
			 hv_error(r->hv));
		return rc;
	}
	if ((rc = mig_in_taken(in)) < 0) {
		snprintf(err, errlen, "libxc stream at byte %llu: where libxenguest stopped: %s",
			 (unsigned long long)at, strerror(-rc));
		return rc;
	}
	r->pv_done = 1;
	r->done = r->total;
	if (r->prog && r->prog->fn)
		r->prog->fn(r->prog->arg, r->done, r->total);
	return 1;
}

/* The stream was read whole: what is set last (the HVM context, which
 * libxc sets after the params too), and what must have come. */
static int finish(struct rs *r, char *err, size_t errlen)
{
	if (r->pv_done)
		return 0; /* libxenguest's restore did it all */
	if (r->type == LIBXC_DOM_XCD_SIM) {
		for (uint32_t i = 0; i < r->nvcpus; i++)
			if (!r->have_ctx[i]) {
				snprintf(err, errlen, "the stream holds no context for vCPU %u", i);
				return -EPROTO;
			}
		return 0;
	}
	if (!r->hvm_ctx) {
		snprintf(err, errlen, "the stream holds no HVM_CONTEXT record");
		return -EPROTO;
	}
	int rc = hv_hvm_context_set(r->hv, r->domid, r->hvm_ctx, r->hvm_ctx_len);
	return rc < 0 ? hv_failed(r, rc, "its HVM context refused", err, errlen) : 0;
}

/* R's bounds from the domain made for the stream. */
static int setup(struct rs *r, struct hv *hv, uint32_t domid, char *err, size_t errlen)
{
	struct hv_dominfo di;
	int rc = hv_domain_getinfo(hv, domid, &di);
	if (rc == 0)
		rc = hv_domain_max_pfn(hv, domid, &r->max_pfn);
	if (rc < 0) {
		snprintf(err, errlen, "domain %u: %s", domid, hv_error(hv));
		return rc;
	}
	r->hv_type = di.type;
	r->type = di.type == HV_DOM_PVH ? LIBXC_DOM_X86_HVM : LIBXC_DOM_XCD_SIM;
	r->nvcpus = di.max_vcpus;
	r->total = di.max_mem_kb / 4;
	if (!r->total || !r->nvcpus) {
		snprintf(err, errlen, "domain %u has no memory or no vCPU to restore into", domid);
		return -EINVAL;
	}
	if (r->type == LIBXC_DOM_X86_HVM && r->max_pfn < r->total + HVM_FRAMES_BEYOND_RAM - 1)
		r->max_pfn = r->total + HVM_FRAMES_BEYOND_RAM - 1;
	r->populated = calloc(r->max_pfn / 8 + 1, 1);
	r->seen = calloc(r->max_pfn / 8 + 1, 1);
	r->have_ctx = calloc(r->nvcpus, 1);
	if (!r->populated || !r->seen || !r->have_ctx) {
		snprintf(err, errlen, "no memory for the restore's bitmaps");
		return -ENOMEM;
	}
	return 0;
}

int mig_restore(struct hv *hv, uint32_t domid, struct mig_in *in,
		const struct mig_progress *prog, struct hv_build_result *pv, char *err,
		size_t errlen)
{
	struct rs *r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "no memory for the restore's state");
		return -ENOMEM;
	}
	*r = (struct rs){ .hv = hv, .domid = domid, .prog = prog, .pv = pv };
	int rc = setup(r, hv, domid, err, errlen);
	if (rc == 0) {
		struct mig_read_opts opts = { .want_type = r->type, .max_pfn = r->max_pfn,
					      .max_vcpus = r->nvcpus };
		struct mig_visitor v = { .ctx = r, .static_end = r_static_end, .pages = r_pages,
					 .record = r_record, .page_dst = r_page_dst,
					 .libxc_stream = r_libxc_stream };
		rc = mig_read_libxl(in, &opts, &v, err, errlen);
	}
	unmap_run(r);
	if (rc == 0)
		rc = finish(r, err, errlen);
	if (rc == 0 && prog && prog->whole)
		prog->whole(prog->arg);
	free(r->populated);
	free(r->seen);
	free(r->have_ctx);
	free(r->cpuid);
	free(r->msrs);
	free(r->hvm_ctx);
	if (rc == 0 && r->pv_done)
		rc = 1;
	free(r);
	return rc;
}
