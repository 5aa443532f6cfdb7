/* precopy: the pre-copy engine (precopy.h), over hv only: the guest's
 * memory found page by page (hv_pfn_types up to its last frame: a PVH
 * guest's RAM, ACPI tables and special pages lie apart) and each run of
 * pages mapped once, log-dirty's bitmap read and cleared after each round,
 * the stop decided by policy.c, the pages written as PAGE_DATA batches
 * straight from the mappings. */
#include "migrate.h"
#include "../hv/hv.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const uint8_t zero_page[HV_PAGE_SIZE];

/* Consecutive frames the guest has, of one type: RAM (mapped at MEM) or
 * broken (sent as such, no data). */
struct run {
	uint64_t pfn, n;
	int broken;
	const uint8_t *mem; /* RAM's mapping (NULL: not mapped) */
};

struct pc {
	struct hv *hv;
	uint32_t domid;
	struct mig_out *o;
	struct run *runs;
	size_t nruns, cap;
	uint64_t npages;  /* frames up to the guest's last: the bitmaps' size */
	uint64_t present; /* pages it has */
	uint8_t *pending; /* pages to send: one bit each */
	uint8_t *bitmap;  /* what log-dirty gave */
	size_t bmlen;
	uint64_t pfns[MIG_BATCH_PAGES];
	const uint8_t *pages[MIG_BATCH_PAGES];
	uint32_t n, nd;
	const struct mig_precopy_hooks *h;
	struct mig_precopy_info info;
	struct mig_precopy_stats *st;
	/* The link's rate: bytes the rounds wrote over the time they took. */
	uint64_t round_bytes, round_ns;
	uint64_t round_t0, round_b0;  /* the round under way's start (0: none) */
	uint64_t bandwidth;	      /* bytes a second at most (0: no limit) */
	uint64_t pace_ns, pace_bytes; /* since when, and how much, it paced */
	/* Compression: the choice per batch, its contexts, and whether the
	 * receiver was asked and has not answered yet. */
	struct mig_zauto za;
	struct mig_z *z;
	int asking;
	int live; /* the guest runs while its memory is read (but the last round) */
	char *err;
	size_t errlen;
};

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int out_err(struct pc *c, int rc, const char *what)
{
	snprintf(c->err, c->errlen, "writing the stream (%s): %s", what, strerror(-rc));
	return rc;
}

static int hv_err(struct pc *c, int rc, const char *what)
{
	snprintf(c->err, c->errlen, "domain %u: %s: %s", c->domid, what, hv_error(c->hv));
	return rc;
}

/* Progress: within a round, the rate so far (this round's bytes too) and
 * what the round has still to send. */
static void tell(struct pc *c)
{
	c->info.bytes = c->o->off;
	if (c->round_t0) {
		uint64_t ns = c->round_ns + (now_ns() - c->round_t0);
		uint64_t bytes = c->round_bytes + (c->o->off - c->round_b0);
		c->info.rate = ns ? (double)bytes * 1e9 / (double)ns : 0;
		c->info.left = c->info.round_pages - c->info.round_done;
	}
	if (c->h && c->h->progress)
		c->h->progress(c->h->arg, &c->info);
}

/* Under a bandwidth limit: sleeps until the bytes written since the round
 * began are no more than the limit allows; time that went by without
 * writing (compressing, reading the guest) is credited for at most
 * PACE_BURST_NS, so that a burst after it stays short and the link's
 * figures (auto compression's) are what the limit makes them. The
 * nanoseconds it slept. */
#define PACE_BURST_NS 10000000u
static uint64_t pace(struct pc *c)
{
	if (!c->bandwidth)
		return 0;
	uint64_t due = (c->o->off - c->pace_bytes) * 1000000000u / c->bandwidth;
	uint64_t t0 = now_ns(), spent = t0 - c->pace_ns;
	if (spent >= due) {
		if (spent - due > PACE_BURST_NS)
			c->pace_ns += spent - due - PACE_BURST_NS;
		return 0;
	}
	uint64_t wait = due - spent;
	struct timespec ts = { (time_t)(wait / 1000000000u), (long)(wait % 1000000000u) };
	while (nanosleep(&ts, &ts) < 0)
		;
	return now_ns() - t0;
}

/* The receiver's answer, asked while it has not come: 0, or the hook's
 * error. */
static int ask_peer(struct pc *c)
{
	uint32_t codecs = 0;
	if (!c->asking)
		return 0;
	int rc = c->h->peer_codecs(c->h->arg, &codecs, c->err, c->errlen);
	if (rc <= 0)
		return rc;
	c->asking = 0;
	c->st->peer_answered = 1;
	c->st->peer_codecs = codecs;
	c->za.peer = codecs & MIG_CODECS_BUILT;
	return 0;
}

/* The batch as the choice says: compressed, or as it is (a sample of it
 * compressed when auto wants one). */
static int write_batch(struct pc *c, uint32_t codec, struct mig_zsend *zs)
{
	/* The guest runs in every round but a live migration's last. */
	int stable = !c->live || c->info.final;
	if (codec)
		return mig_zbatch_write(c->z, c->o, codec, c->n, c->pfns, c->pages, c->nd, stable,
					zs, c->err, c->errlen);
	uint32_t mask = c->nd ? mig_zauto_sample_mask(&c->za) : 0;
	if (mask)
		mig_zbatch_sample(c->z, &c->za, mask, c->pages, c->nd);
	int rc = mig_write_page_batch(c->o, c->n, c->pfns, c->pages);
	return rc < 0 ? out_err(c, rc, "PAGE_DATA") : 0;
}

static int flush_batch(struct pc *c)
{
	if (!c->n)
		return 0;
	struct mig_zsend zs = { 0 };
	uint64_t out0 = c->o->out_ns, off0 = c->o->off;
	int rc = ask_peer(c);
	uint32_t codec = rc == 0 && c->nd ? mig_zauto_pick(&c->za) : MIG_CODEC_NONE;
	if (rc == 0)
		rc = write_batch(c, codec, &zs);
	/* A compressed batch is on the link before the next: its time is its own. */
	if (rc == 0 && codec && (rc = mig_out_flush(c->o)) < 0)
		out_err(c, rc, "XCD_PAGE_DATA_Z");
	uint64_t paced = pace(c);
	if (rc == 0 && c->nd)
		mig_zauto_feed(&c->za, codec, (uint64_t)c->nd * 4096u, zs.comp_ns,
			       c->o->off - off0, c->o->out_ns - out0 + paced);
	if (zs.codec) {
		c->st->z_pages += c->nd;
		c->st->z_raw += (uint64_t)c->nd * 4096u;
		c->st->z_saved += zs.saved;
		c->st->codecs_used |= MIG_CODEC_BIT(zs.codec);
	}
	c->st->pages += c->n;
	c->info.round_done += c->n;
	c->n = c->nd = 0;
	if (rc < 0)
		return rc;
	tell(c);
	return 0;
}

int mig_zero_as_xalloc(int live, uint32_t round, int receiver_is_xcd)
{
	return !live || round == 0 || receiver_is_xcd;
}

/* PFN (at P; NULL: a broken page) into the batch: a zero page as XALLOC,
 * its pfn alone, where the receiver zeroes it (mig_zero_as_xalloc); else
 * with its data like any page. */
static int add_page(struct pc *c, uint64_t pfn, const uint8_t *p)
{
	if (!p) {
		c->pfns[c->n++] = pfn | ((uint64_t)PFINFO_BROKEN << PFN_TYPE_SHIFT);
	} else if (memcmp(p, zero_page, HV_PAGE_SIZE) == 0 &&
		   mig_zero_as_xalloc(c->live, c->info.round, c->st->peer_answered)) {
		c->pfns[c->n++] = pfn | ((uint64_t)PFINFO_XALLOC << PFN_TYPE_SHIFT);
		c->st->zero_pages++;
	} else {
		c->pfns[c->n++] = pfn;
		c->pages[c->nd++] = p;
	}
	return c->n == MIG_BATCH_PAGES ? flush_batch(c) : 0;
}

static uint64_t count_bits(const uint8_t *b, size_t n)
{
	uint64_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += (uint64_t)__builtin_popcount(b[i]);
	return k;
}

/* The pages of run R: every one (ALL) or the pending ones. */
static int send_run(struct pc *c, const struct run *r, int all)
{
	int rc = 0;
	for (uint64_t pfn = r->pfn; rc == 0 && pfn < r->pfn + r->n; pfn++) {
		if (!all) {
			uint8_t byte = c->pending[pfn / 8];
			if (!byte) {
				pfn |= 7; /* the next byte's first pfn, after the ++ */
				continue;
			}
			if (!(byte & (1u << (pfn % 8))))
				continue;
		}
		rc = add_page(c, pfn, r->broken ? NULL : r->mem + (pfn - r->pfn) * HV_PAGE_SIZE);
	}
	return rc;
}

/* Pending bits of frames the guest has no page at (a dirty bit log-dirty
 * set outside the runs) dropped, so that counts are pages to send. */
static void mask_pending(struct pc *c)
{
	uint64_t next = 0;
	for (size_t i = 0; i <= c->nruns; i++) {
		uint64_t end = i < c->nruns ? c->runs[i].pfn : c->npages;
		for (uint64_t pfn = next; pfn < end; pfn++)
			c->pending[pfn / 8] &= (uint8_t) ~(1u << (pfn % 8));
		if (i < c->nruns)
			next = c->runs[i].pfn + c->runs[i].n;
	}
}

/* One round: every page (ALL) or the pending ones, then flushed; the rate
 * measured over it. */
static int send_round(struct pc *c, int all)
{
	uint64_t t0 = now_ns(), b0 = c->o->off;
	c->pace_ns = t0;
	c->pace_bytes = b0;
	c->round_t0 = t0;
	c->round_b0 = b0;
	c->info.round_done = 0;
	c->info.round_pages = all ? c->present : count_bits(c->pending, c->bmlen);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < c->nruns; i++)
		rc = send_run(c, &c->runs[i], all);
	if (rc == 0)
		rc = flush_batch(c);
	if (rc == 0 && (rc = mig_out_flush(c->o)) < 0)
		out_err(c, rc, "PAGE_DATA");
	memset(c->pending, 0, c->bmlen);
	c->round_bytes += c->o->off - b0;
	c->round_ns += now_ns() - t0;
	c->round_t0 = 0;
	c->info.rate = c->round_ns ? (double)c->round_bytes * 1e9 / (double)c->round_ns : 0;
	c->st->rounds++;
	return rc;
}

/* Log-dirty's bitmap read and cleared into PENDING (added to what is
 * there): the pages now pending. */
static int take_dirty(struct pc *c, uint64_t *left)
{
	int rc = hv_logdirty_bitmap(c->hv, c->domid, c->bitmap, c->npages, 1);
	if (rc < 0)
		return hv_err(c, rc, "reading the dirty bitmap");
	for (size_t i = 0; i < c->bmlen; i++)
		c->pending[i] |= c->bitmap[i];
	mask_pending(c);
	*left = count_bits(c->pending, c->bmlen);
	return 0;
}

static int set_throttle(struct pc *c, uint32_t throttle)
{
	int rc = hv_domain_set_cpu_cap(c->hv, c->domid, throttle ? 100 - throttle : 0);
	if (rc < 0)
		return hv_err(c, rc, "slowing it down (auto-converge)");
	c->info.throttle = throttle;
	if (throttle > c->st->throttle)
		c->st->throttle = throttle;
	return 0;
}

/* The rounds while the guest runs, until the policy stops them. */
static int live_rounds(struct pc *c, const struct mig_policy *policy)
{
	struct mig_policy_state ps = { 0 };
	int rc = send_round(c, 1);
	while (rc == 0) {
		uint64_t left;
		struct mig_decision d;
		if ((rc = take_dirty(c, &left)) < 0)
			break;
		mig_policy_decide(policy, &ps, left, c->info.rate, &ps, &d);
		c->info.left = left;
		c->info.predicted_ms = d.predicted_ms;
		tell(c);
		if (d.action == MIG_STOP) {
			c->st->forced = d.forced;
			c->st->stop_predicted_ms = d.predicted_ms;
			snprintf(c->st->why, sizeof(c->st->why), "%s", d.why);
			return 0;
		}
		if (d.action == MIG_ABORT) {
			snprintf(c->st->why, sizeof(c->st->why), "%s", d.why);
			snprintf(c->err, c->errlen, "%s", d.why);
			return -ETIMEDOUT;
		}
		if (d.action == MIG_THROTTLE && (rc = set_throttle(c, d.throttle)) < 0)
			break;
		c->info.round++;
		rc = send_round(c, 0);
	}
	return rc;
}

/* The guest stopped: what it dirtied since, and the pages log-dirty does
 * not see, in the last round. */
static int final_round(struct pc *c, const struct mig_precopy_opts *opts)
{
	uint64_t left;
	int rc = take_dirty(c, &left);
	if (rc < 0)
		return rc;
	for (uint32_t i = 0; i < opts->n_final_pfns; i++)
		if (opts->final_pfns[i] < c->npages)
			c->pending[opts->final_pfns[i] / 8] |= (uint8_t)(1u << (opts->final_pfns[i] % 8));
	mask_pending(c);
	c->info.round++;
	c->info.final = 1;
	uint64_t before = c->st->pages;
	rc = send_round(c, 0);
	c->st->final_pages = c->st->pages - before;
	c->info.left = 0;
	return rc;
}

/* Compression as OPTS ask: xl's header says a file is for xcd alone, or
 * asks the receiver what it reads. Flags for the header in *MFLAGS and
 * *OFLAGS. */
static int compression(struct pc *c, const struct mig_precopy_opts *opts, uint32_t *mflags,
		       uint32_t *oflags)
{
	*mflags = *oflags = 0;
	mig_zauto_init(&c->za, opts->compress, opts->codecs);
	if (opts->compress == MIG_COMPRESS_OFF)
		return 0;
	if (opts->codecs)
		*mflags = XL_FLAG_XCD_COMPRESSED;
	else if (c->h && c->h->peer_codecs)
		*oflags = XL_OPTFLAG_XCD_ASKS, c->asking = 1;
	if (mig_z_new(&c->z) < 0) {
		snprintf(c->err, c->errlen, "no memory for compression");
		return -ENOMEM;
	}
	return 0;
}

static int headers(struct pc *c, const struct mig_guest_ops *g, const char *config,
		   uint32_t config_len, const struct mig_precopy_opts *opts)
{
	struct hv_hostinfo hi;
	uint32_t mflags, oflags;
	int rc = compression(c, opts, &mflags, &oflags);
	if (rc < 0)
		return rc;
	if ((rc = hv_host_info(c->hv, &hi)) < 0)
		return hv_err(c, rc, "host info");
	rc = mig_write_xl_header_flags(c->o, config, config_len, mflags, oflags);
	if (rc == 0)
		rc = mig_write_libxl_header(c->o);
	if (rc == 0)
		rc = mig_write_libxl_rec(c->o, LIBXL_REC_LIBXC_CONTEXT, NULL, 0);
	if (rc == 0)
		rc = mig_write_libxc_headers(c->o, g->dom_type, hi.xen_major, hi.xen_minor);
	if (rc < 0)
		return out_err(c, rc, "headers");
	if (g->static_records && (rc = g->static_records(c->hv, c->domid, c->o, c->err,
							 c->errlen)) < 0)
		return rc;
	rc = mig_write_libxc_rec(c->o, LIBXC_REC_STATIC_DATA_END, NULL, 0, NULL, 0);
	return rc < 0 ? out_err(c, rc, "STATIC_DATA_END") : 0;
}

static int stop_guest(struct pc *c)
{
	int rc = c->h && c->h->suspend ? c->h->suspend(c->h->arg, c->hv, c->domid, c->err,
						       c->errlen)
				       : hv_domain_pause(c->hv, c->domid);
	if (rc < 0 && !(c->h && c->h->suspend))
		hv_err(c, rc, "pausing it for the last round");
	if (rc == 0)
		c->st->stopped_ns = now_ns();
	return rc;
}

/* Memory: live rounds, the stop, the last round; or the one pass of a
 * stopped guest. */
static int memory(struct pc *c, const struct mig_precopy_opts *opts, int *logdirty)
{
	if (!opts->live)
		return send_round(c, 1);
	int rc = hv_logdirty_enable(c->hv, c->domid);
	if (rc < 0)
		return hv_err(c, rc, "turning log-dirty on");
	*logdirty = 1;
	if ((rc = live_rounds(c, &opts->policy)) < 0 || (rc = stop_guest(c)) < 0)
		return rc;
	return final_round(c, opts);
}

static int tail(struct pc *c, const struct mig_guest_ops *g, uint32_t nvcpus)
{
	int rc = g->state_records(c->hv, c->domid, nvcpus, c->o, c->err, c->errlen);
	if (rc < 0)
		return rc;
	rc = mig_write_libxc_rec(c->o, LIBXC_REC_END, NULL, 0, NULL, 0);
	if (rc == 0)
		rc = mig_write_libxl_rec(c->o, LIBXL_REC_END, NULL, 0);
	if (rc == 0)
		rc = mig_out_flush(c->o);
	return rc < 0 ? out_err(c, rc, "the end") : 0;
}

/* The guest's size, and (not live) that it is stopped. */
static int check_guest(struct pc *c, int live, struct hv_dominfo *di)
{
	int rc = hv_domain_getinfo(c->hv, c->domid, di);
	if (rc < 0)
		return hv_err(c, rc, "reading its state");
	if (!live && !(di->flags & (HV_DOMF_PAUSED | HV_DOMF_SHUTDOWN))) {
		snprintf(c->err, c->errlen,
			 "domain %u is running: pause or suspend it before saving it", c->domid);
		return -EBUSY;
	}
	uint64_t max_pfn;
	if ((rc = hv_domain_max_pfn(c->hv, c->domid, &max_pfn)) < 0)
		return hv_err(c, rc, "reading its last frame");
	c->npages = max_pfn + 1;
	c->bmlen = (c->npages + 7) / 8;
	if (!di->max_vcpus) {
		snprintf(c->err, c->errlen, "domain %u has no vCPU", c->domid);
		return -EINVAL;
	}
	return 0;
}

/* PFN (of type T) onto the runs: a run grows while frames follow of one kind. */
static int add_to_runs(struct pc *c, uint64_t pfn, uint8_t t)
{
	int broken = t == HV_PFN_BROKEN;
	struct run *last = c->nruns ? &c->runs[c->nruns - 1] : NULL;
	if (last && last->pfn + last->n == pfn && last->broken == broken) {
		last->n++;
		return 0;
	}
	if (c->nruns == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct run *r = realloc(c->runs, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		c->runs = r;
		c->cap = cap;
	}
	c->runs[c->nruns++] = (struct run){ pfn, 1, broken, NULL };
	return 0;
}

/* The pages the guest has, as runs (hv_pfn_types over every frame). A PV
 * guest's page tables are not this engine's to send. */
static int find_pages(struct pc *c)
{
	uint64_t pfns[HV_PFN_TYPES_MAX];
	uint8_t t[HV_PFN_TYPES_MAX];
	for (uint64_t base = 0; base < c->npages; base += HV_PFN_TYPES_MAX) {
		uint32_t n = 0;
		for (; n < HV_PFN_TYPES_MAX && base + n < c->npages; n++)
			pfns[n] = base + n;
		int rc = hv_pfn_types(c->hv, c->domid, pfns, n, t);
		if (rc < 0)
			return hv_err(c, rc, "reading its page types");
		for (uint32_t i = 0; i < n; i++) {
			if (t[i] == HV_PFN_NONE)
				continue;
			if (t[i] != HV_PFN_RAM && t[i] != HV_PFN_BROKEN) {
				snprintf(c->err, c->errlen, "domain %u: pfn %llu is a page table "
					 "(type %#x): a PV guest's memory, which xcd does not save "
					 "yet", c->domid, (unsigned long long)pfns[i], t[i]);
				return -EOPNOTSUPP;
			}
			if (add_to_runs(c, pfns[i], t[i]) < 0) {
				snprintf(c->err, c->errlen, "no memory for the guest's page runs");
				return -ENOMEM;
			}
			c->present++;
		}
	}
	return 0;
}

/* Each run of RAM mapped (read-only). */
static int map_pages(struct pc *c)
{
	for (size_t i = 0; i < c->nruns; i++) {
		struct run *r = &c->runs[i];
		if (r->broken)
			continue;
		void *m;
		int rc = hv_map(c->hv, c->domid, r->pfn, r->n, HV_MAP_READ, &m);
		if (rc < 0)
			return hv_err(c, rc, "mapping its memory");
		r->mem = m;
	}
	return 0;
}

static void unmap_pages(struct pc *c)
{
	for (size_t i = 0; i < c->nruns; i++)
		if (c->runs[i].mem)
			hv_unmap(c->hv, (void *)c->runs[i].mem, c->runs[i].n);
}

int mig_precopy(struct hv *hv, uint32_t domid, struct mig_out *o, const char *config,
		uint32_t config_len, const struct mig_guest_ops *g,
		const struct mig_precopy_opts *opts, const struct mig_precopy_hooks *hooks,
		struct mig_precopy_stats *stats, char *err, size_t errlen)
{
	struct mig_precopy_stats st = { .start_ns = now_ns(), .stop_predicted_ms = -1 };
	struct pc *c = calloc(1, sizeof(*c));
	struct hv_dominfo di;
	int rc = -ENOMEM, logdirty = 0;
	snprintf(err, errlen, "no memory for the migration's state");
	if (!c)
		goto out;
	*c = (struct pc){ .hv = hv, .domid = domid, .o = o, .h = hooks, .st = &st, .err = err,
			  .errlen = errlen, .bandwidth = opts->bandwidth, .live = opts->live };
	c->info.predicted_ms = -1; /* not known before the first decision */
	if ((rc = check_guest(c, opts->live, &di)) < 0)
		goto out;
	if (!g)
		g = mig_guest_of(di.type);
	c->pending = calloc(1, c->bmlen);
	c->bitmap = calloc(1, c->bmlen);
	if (!c->pending || !c->bitmap) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = find_pages(c)) == 0 && (rc = map_pages(c)) == 0 &&
	    (rc = headers(c, g, config, config_len, opts)) == 0 &&
	    (rc = memory(c, opts, &logdirty)) == 0)
		rc = tail(c, g, di.max_vcpus);
	if (rc == 0 && hooks && hooks->whole) {
		st.bytes = o->off;
		hooks->whole(hooks->arg, &st);
	}
	unmap_pages(c);
out:
	/* Undone whatever happened; a failure here is said only if nothing
	 * failed before (that error is the one to tell). */
	if (c && c->info.throttle && hv_domain_set_cpu_cap(hv, domid, 0) < 0 && rc == 0)
		rc = hv_err(c, -EIO, "lifting its CPU cap");
	if (logdirty && hv_logdirty_disable(hv, domid) < 0 && rc == 0)
		rc = hv_err(c, -EIO, "turning log-dirty off");
	st.bytes = o->off;
	st.end_ns = now_ns();
	if (stats)
		*stats = st;
	if (c) {
		mig_z_free(c->z);
		free(c->pending);
		free(c->bitmap);
		free(c->runs);
		free(c);
	}
	return rc;
}

/* The engine's progress as a save's: pages done of the guest's. */
static void save_progress(void *arg, const struct mig_precopy_info *i)
{
	const struct mig_progress *p = arg;
	p->fn(p->arg, i->round_done, i->round_pages);
}

int mig_save(struct hv *hv, uint32_t domid, struct mig_out *o, const char *config,
	     uint32_t config_len, enum mig_compress compress, const struct mig_progress *prog,
	     struct mig_save_stats *stats, char *err, size_t errlen)
{
	struct mig_precopy_opts opts = { .live = 0, .compress = compress,
					 .codecs = compress ? MIG_CODECS_BUILT : 0 };
	struct mig_precopy_hooks hooks = { (void *)prog, NULL,
					   prog && prog->fn ? save_progress : NULL, NULL, NULL };
	struct mig_precopy_stats st;
	int rc = mig_precopy(hv, domid, o, config, config_len, NULL, &opts, &hooks, &st, err,
			     errlen);
	if (stats)
		*stats = (struct mig_save_stats){ st.pages, st.zero_pages, st.bytes, st.z_saved,
						  st.codecs_used };
	return rc;
}
