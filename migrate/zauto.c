/* zauto: the codec of each batch (compress.h): off, one codec (when the
 * other side reads it), or auto: the choice expected fastest from what
 * this migration measured, compression throughput and ratio per codec and
 * the link's rate, the median of the last few of each. No I/O, no clock:
 * the figures fed in decide. */
#include "compress.h"
#include <string.h>

static void ring_put(struct mig_zring *r, double v)
{
	r->v[r->next] = v;
	r->next = (r->next + 1) % MIG_ZAUTO_KEEP;
	if (r->n < MIG_ZAUTO_KEEP)
		r->n++;
}

/* The median of R's figures (-1: none). */
static double ring_median(const struct mig_zring *r)
{
	double v[MIG_ZAUTO_KEEP];
	if (!r->n)
		return -1;
	memcpy(v, r->v, sizeof(v));
	for (uint32_t i = 1; i < r->n; i++)
		for (uint32_t k = i; k > 0 && v[k - 1] > v[k]; k--) {
			double t = v[k];
			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	return r->n % 2 ? v[r->n / 2] : (v[r->n / 2 - 1] + v[r->n / 2]) / 2;
}

void mig_zauto_init(struct mig_zauto *a, enum mig_compress mode, uint32_t peer)
{
	memset(a, 0, sizeof(*a));
	a->mode = mode;
	a->peer = peer & MIG_CODECS_BUILT;
	/* The first batch is a switch: the link is measured from the second. */
	a->switched = 1;
}

static int fresh(const struct mig_zauto *a, uint32_t at)
{
	return at && a->batch - at <= MIG_ZAUTO_STALE;
}

/* Nanoseconds per byte on the link while it carried CODEC's batches, that
 * figure being fresh; the plain link's otherwise; -1: not known. */
static double link_ns(const struct mig_zauto *a, uint32_t codec)
{
	const struct mig_zfig *f = &a->fig[codec];
	if (codec && fresh(a, f->link_at))
		return ring_median(&f->link);
	return ring_median(&a->fig[MIG_CODEC_NONE].link);
}

double mig_zauto_cost(const struct mig_zauto *a, uint32_t codec)
{
	if (codec > MIG_CODEC_MAX)
		return -1;
	const struct mig_zfig *f = &a->fig[codec];
	double link = link_ns(a, codec);
	if (link < 0)
		return -1;
	if (!codec)
		return link;
	if (!f->comp_at)
		return -1;
	return ring_median(&f->comp) + ring_median(&f->ratio) * link;
}

/* Auto: the cheapest known choice, the current one kept unless another is
 * cheaper by the margin; a codec held back while its last trial's loss
 * holds it; the plain link measured again once stale (*REMEASURE set). */
static uint32_t pick_auto(const struct mig_zauto *a, int *remeasure)
{
	uint32_t best = a->cur;
	double best_cost = mig_zauto_cost(a, a->cur);
	*remeasure = 0;
	if (best_cost < 0)
		best = MIG_CODEC_NONE, best_cost = mig_zauto_cost(a, MIG_CODEC_NONE);
	if (best_cost < 0)
		return MIG_CODEC_NONE; /* the link is measured first */
	for (uint32_t c = 0; c <= MIG_CODEC_MAX; c++) {
		if (c == best || (c && !(a->peer & MIG_CODEC_BIT(c))) ||
		    (c && c != a->cur && a->batch < a->hold_until[c]))
			continue;
		double cost = mig_zauto_cost(a, c);
		if (cost >= 0 && cost < best_cost * MIG_ZAUTO_MARGIN)
			best = c, best_cost = cost;
	}
	if (best != MIG_CODEC_NONE && !fresh(a, a->fig[MIG_CODEC_NONE].link_at)) {
		*remeasure = 1;
		return MIG_CODEC_NONE;
	}
	return best;
}

/* CUR gives way to C: a codec that lost within MIG_ZAUTO_TRIAL batches of
 * its start is held back twice as long as the last time (from
 * MIG_ZAUTO_TRIAL, at most MIG_ZAUTO_HOLD_MAX); one that held longer is
 * free again. */
static void give_way(struct mig_zauto *a, uint32_t c, int remeasure)
{
	uint32_t was = a->cur, ran = a->batch - a->switched;
	if (was && !remeasure && ran < MIG_ZAUTO_TRIAL) {
		uint32_t h = a->hold[was] ? a->hold[was] * 2 : MIG_ZAUTO_TRIAL;
		a->hold[was] = h < MIG_ZAUTO_HOLD_MAX ? h : MIG_ZAUTO_HOLD_MAX;
		a->hold_until[was] = a->batch + a->hold[was];
	} else if (was && ran >= MIG_ZAUTO_TRIAL) {
		a->hold[was] = 0;
	}
	a->cur = c;
	a->switched = a->batch;
}

uint32_t mig_zauto_pick(struct mig_zauto *a)
{
	uint32_t c = MIG_CODEC_NONE;
	int remeasure = 0;
	a->batch++;
	if (a->mode == MIG_COMPRESS_ZSTD)
		c = MIG_CODEC_ZSTD;
	else if (a->mode == MIG_COMPRESS_LZ4)
		c = MIG_CODEC_LZ4;
	else if (a->mode == MIG_COMPRESS_AUTO && a->peer && a->batch > MIG_ZAUTO_WARMUP)
		c = pick_auto(a, &remeasure);
	if (c && !(a->peer & MIG_CODEC_BIT(c)))
		c = MIG_CODEC_NONE;
	if (c != a->cur)
		give_way(a, c, remeasure);
	return c;
}

uint32_t mig_zauto_sample_mask(const struct mig_zauto *a)
{
	uint32_t mask = 0;
	if (a->mode != MIG_COMPRESS_AUTO)
		return 0;
	for (uint32_t c = 1; c <= MIG_CODEC_MAX; c++) {
		uint32_t at = a->fig[c].comp_at;
		if ((a->peer & MIG_CODEC_BIT(c)) && c != a->cur &&
		    (!at || a->batch - at >= MIG_ZAUTO_SAMPLE_EVERY))
			mask |= MIG_CODEC_BIT(c);
	}
	return mask;
}

static void comp_fig(struct mig_zauto *a, struct mig_zfig *f, uint64_t raw, uint64_t ns,
		     uint64_t wire)
{
	ring_put(&f->comp, (double)ns / (double)raw);
	ring_put(&f->ratio, (double)wire / (double)raw);
	f->comp_at = a->batch;
}

void mig_zauto_feed(struct mig_zauto *a, uint32_t codec, uint64_t raw, uint64_t comp_ns,
		    uint64_t wire, uint64_t out_ns)
{
	if (codec > MIG_CODEC_MAX || !raw || !wire)
		return;
	struct mig_zfig *f = &a->fig[codec];
	if (codec)
		comp_fig(a, f, raw, comp_ns, wire);
	if (a->switched == a->batch || a->batch <= MIG_ZAUTO_WARMUP)
		return; /* its link time holds what the last choice left queued,
			 * or the other side's start */
	ring_put(&f->link, (double)out_ns / (double)wire);
	f->link_at = a->batch;
}

void mig_zauto_sample(struct mig_zauto *a, uint32_t codec, uint64_t raw, uint64_t comp_ns,
		      uint64_t wire)
{
	if (codec && codec <= MIG_CODEC_MAX && raw)
		comp_fig(a, &a->fig[codec], raw, comp_ns, wire);
}
