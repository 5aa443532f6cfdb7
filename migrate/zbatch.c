/* zbatch: a batch of pages written as one XCD_PAGE_DATA_Z record (its
 * pages with data compressed as a unit), or as PAGE_DATA when the frame
 * would be no smaller; and the samples auto compresses of a batch that
 * goes as it is (compress.h). */
#include "migrate.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* A record's bytes on the wire, its header and padding included. */
static uint64_t padded(uint64_t len)
{
	return 8 + ((len + 7) & ~7ull);
}

int mig_zbatch_write(struct mig_z *z, struct mig_out *o, uint32_t codec, uint32_t count,
		     const uint64_t *pfns, const uint8_t *const *pages, uint32_t nd, int stable,
		     struct mig_zsend *res, char *err, size_t errlen)
{
	const uint8_t *frame;
	size_t flen;
	uint64_t t0 = now_ns();
	int rc = mig_z_compress(z, codec, pages, nd, stable, &frame, &flen, err, errlen);
	res->comp_ns = now_ns() - t0;
	res->codec = MIG_CODEC_NONE;
	res->saved = 0;
	if (rc == -E2BIG) {
		rc = mig_write_page_batch(o, count, pfns, pages);
	} else if (rc == 0) {
		rc = mig_write_page_z(o, codec, count, pfns, frame, (uint32_t)flen);
		res->codec = codec;
		res->saved = padded(8 + 8ull * count + 4096ull * nd) -
			     padded(XCD_PAGE_Z_HEAD + 8ull * count + flen);
	} else {
		return rc;
	}
	if (rc < 0)
		snprintf(err, errlen, "writing the stream (%s): %s",
			 res->codec ? "XCD_PAGE_DATA_Z" : "PAGE_DATA", strerror(-rc));
	return rc;
}

void mig_zbatch_sample(struct mig_z *z, struct mig_zauto *a, uint32_t mask,
		       const uint8_t *const *pages, uint32_t nd)
{
	const uint8_t *pick[MIG_ZAUTO_SAMPLE_PAGES];
	uint32_t n = nd < MIG_ZAUTO_SAMPLE_PAGES ? nd : MIG_ZAUTO_SAMPLE_PAGES;
	char err[128];
	for (uint32_t i = 0; i < n; i++)
		pick[i] = pages[(uint64_t)i * nd / n];
	for (uint32_t c = 1; c <= MIG_CODEC_MAX; c++) {
		if (!(mask & MIG_CODEC_BIT(c)))
			continue;
		const uint8_t *frame;
		size_t flen;
		uint64_t t0 = now_ns();
		int rc = mig_z_compress(z, c, pick, n, 0, &frame, &flen, err, sizeof(err));
		uint64_t ns = now_ns() - t0;
		if (rc == 0 || rc == -E2BIG)
			mig_zauto_sample(a, c, (uint64_t)n * 4096u, ns,
					 rc == 0 ? flen : (uint64_t)n * 4096u);
	}
}
