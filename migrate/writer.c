/* writer: the stream's headers and records, in Xen's layouts (stream.h). */
#include "migrate.h"
#include <endian.h>
#include <errno.h>
#include <string.h>

static int put32(struct mig_out *o, uint32_t v)
{
	v = htole32(v);
	return mig_out_write(o, &v, 4);
}

int mig_write_xl_header(struct mig_out *o, const char *config, uint32_t len)
{
	return mig_write_xl_header_flags(o, config, len, 0, 0);
}

int mig_write_xl_header_flags(struct mig_out *o, const char *config, uint32_t len,
			      uint32_t mflags, uint32_t oflags)
{
	uint8_t h[XL_HEADER_LEN];
	uint32_t flags = XL_FLAG_STREAMV2 | (len ? XL_FLAG_JSON : 0) | mflags;
	/* xl writes the u32s in the host's order; xcd runs on little-endian
	 * hosts only, as Xen's x86 tools do, so that order is little. */
	uint32_t w[4] = { htole32(XL_BYTEORDER), htole32(flags), htole32(oflags),
			  htole32(len ? 4 + len : 4) };
	if (len > UINT32_MAX - 4)
		return -EFBIG;
	memcpy(h, XL_MAGIC, XL_MAGIC_LEN);
	memcpy(h + XL_MAGIC_LEN, w, sizeof(w));
	int rc = mig_out_write(o, h, sizeof(h));
	if (rc == 0)
		rc = put32(o, len);
	if (rc == 0 && len)
		rc = mig_out_write(o, config, len);
	return rc;
}

int mig_write_libxl_header(struct mig_out *o)
{
	uint64_t ident = htobe64(LIBXL_IDENT);
	uint32_t vo[2] = { htobe32(LIBXL_VERSION), 0 };
	int rc = mig_out_write(o, &ident, 8);
	return rc ? rc : mig_out_write(o, vo, 8);
}

static int rec(struct mig_out *o, uint32_t type, const void *head, uint32_t hlen,
	       const void *body, uint32_t blen)
{
	if (blen > LIBXC_REC_LENGTH_MAX || hlen > LIBXC_REC_LENGTH_MAX - blen)
		return -EFBIG;
	uint32_t len = hlen + blen;
	int rc = put32(o, type);
	if (rc == 0)
		rc = put32(o, len);
	if (rc == 0 && hlen)
		rc = mig_out_write(o, head, hlen);
	if (rc == 0 && blen)
		rc = mig_out_write(o, body, blen);
	if (rc == 0 && len % 8)
		rc = mig_out_zeros(o, 8 - len % 8);
	return rc;
}

int mig_write_libxl_rec(struct mig_out *o, uint32_t type, const void *body, uint32_t len)
{
	return rec(o, type, NULL, 0, body, len);
}

int mig_write_libxc_rec(struct mig_out *o, uint32_t type, const void *head, uint32_t hlen,
			const void *body, uint32_t blen)
{
	return rec(o, type, head, hlen, body, blen);
}

int mig_write_libxc_headers(struct mig_out *o, uint32_t dom_type, uint32_t xen_major,
			    uint32_t xen_minor)
{
	uint8_t ih[LIBXC_IHDR_LEN] = { 0 };
	uint64_t marker = htobe64(LIBXC_MARKER);
	uint32_t id = htobe32(LIBXC_ID), ver = htobe32(LIBXC_VERSION);
	memcpy(ih, &marker, 8);
	memcpy(ih + 8, &id, 4);
	memcpy(ih + 12, &ver, 4);
	/* options (big-endian u16 at 16): 0, little-endian records. */
	uint8_t dh[LIBXC_DHDR_LEN] = { 0 };
	uint32_t t = htole32(dom_type), ma = htole32(xen_major), mi = htole32(xen_minor);
	uint16_t shift = htole16(12);
	memcpy(dh, &t, 4);
	memcpy(dh + 4, &shift, 2);
	memcpy(dh + 8, &ma, 4);
	memcpy(dh + 12, &mi, 4);
	int rc = mig_out_write(o, ih, sizeof(ih));
	return rc ? rc : mig_out_write(o, dh, sizeof(dh));
}

static int has_data(uint64_t pfn)
{
	unsigned t = (unsigned)(pfn >> PFN_TYPE_SHIFT);
	return t != PFINFO_XALLOC && t != PFINFO_XTAB && t != PFINFO_BROKEN;
}

/* A page record's header: type, length, then HEAD (its fields before the
 * pfns), then the COUNT pfn words. */
static int page_head(struct mig_out *o, uint32_t type, uint32_t len, const uint32_t *head,
		     unsigned nhead, uint32_t count, const uint64_t *pfns)
{
	uint64_t words[64];
	int rc = put32(o, type);
	if (rc == 0)
		rc = put32(o, len);
	for (unsigned i = 0; rc == 0 && i < nhead; i++)
		rc = put32(o, head[i]);
	for (uint32_t i = 0; rc == 0 && i < count; i += 64) {
		uint32_t n = count - i < 64 ? count - i : 64;
		for (uint32_t k = 0; k < n; k++)
			words[k] = htole64(pfns[i + k]);
		rc = mig_out_write(o, words, n * 8u);
	}
	return rc;
}

int mig_write_page_batch(struct mig_out *o, uint32_t count, const uint64_t *pfns,
			 const uint8_t *const *pages)
{
	if (!count || count > MIG_BATCH_PAGES)
		return -EINVAL;
	uint32_t ndata = 0;
	for (uint32_t i = 0; i < count; i++)
		ndata += has_data(pfns[i]);
	uint32_t head[2] = { count, 0 };
	int rc = page_head(o, LIBXC_REC_PAGE_DATA, 8 + 8 * count + ndata * 4096u, head, 2, count,
			   pfns);
	/* Pages next to each other in memory (a round 0's) go as one write,
	 * handed over without a copy where the output can (mio.h). */
	for (uint32_t i = 0, run; rc == 0 && i < ndata; i += run) {
		for (run = 1; i + run < ndata && pages[i + run] == pages[i] + run * 4096u; run++)
			;
		rc = mig_out_write_pages(o, pages[i], (size_t)run * 4096u);
	}
	return rc;
}

int mig_write_page_z(struct mig_out *o, uint32_t codec, uint32_t count, const uint64_t *pfns,
		     const uint8_t *frame, uint32_t frame_len)
{
	if (!count || count > MIG_BATCH_PAGES || !frame_len)
		return -EINVAL;
	uint32_t ndata = 0;
	for (uint32_t i = 0; i < count; i++)
		ndata += has_data(pfns[i]);
	uint64_t len = XCD_PAGE_Z_HEAD + 8ull * count + frame_len;
	if (!ndata || len > LIBXC_REC_LENGTH_MAX)
		return -EINVAL;
	uint32_t head[4] = { count, codec, ndata * 4096u, 0 };
	int rc = page_head(o, LIBXC_REC_XCD_PAGE_DATA_Z, (uint32_t)len, head, 4, count, pfns);
	if (rc == 0)
		rc = mig_out_write(o, frame, frame_len);
	if (rc == 0 && len % 8)
		rc = mig_out_zeros(o, 8 - len % 8);
	return rc;
}

int mig_write_page_data(struct mig_out *o, uint32_t count, const uint64_t *pfns,
			const uint8_t *data)
{
	const uint8_t *pages[MIG_BATCH_PAGES];
	if (!count || count > MIG_BATCH_PAGES)
		return -EINVAL;
	for (uint32_t i = 0; i < count; i++)
		pages[i] = data + (size_t)i * 4096u;
	return mig_write_page_batch(o, count, pfns, pages);
}
