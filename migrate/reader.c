/* reader: xl's save-file header, libxl's stream and libxc's inside it, each
 * record checked against its type's layout and its place in the stream
 * before a visitor sees it (migrate.h). Bodies are read into one buffer that
 * grows only to a length already checked against its type's bound. */
#include "migrate.h"
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds of record bodies beyond what their layout fixes. */
#define PAGE_DATA_MAX_COUNT (4 * MIG_BATCH_PAGES)
#define BLOB_MAX (16u << 20)	  /* HVM context, p2m frame lists, vCPU blobs */
#define POLICY_MAX (64u << 10)	  /* CPUID and MSR policies */
#define EMULATOR_MAX (32u << 20)  /* libxl's emulator records */
#define DEFAULT_MAX_CONFIG (1u << 20)
#define DEFAULT_MAX_VCPUS 4096u

struct rd {
	struct mig_in *in;
	const struct mig_read_opts *opts;
	const struct mig_visitor *v;
	char *err;
	size_t errlen;
	uint8_t *body;
	size_t cap;
	struct mig_z *z;   /* decompression, made at the first compressed record */
	uint8_t *zbuf;	   /* a compressed record's frame, then its pages */
	size_t zcap;
	struct mig_domain dom;
	/* libxc's place in the stream */
	int static_end, pv_info, p2m, libxc_done;
};

static const char *const libxc_names[] = {
	"END", "PAGE_DATA", "X86_PV_INFO", "X86_PV_P2M_FRAMES", "X86_PV_VCPU_BASIC",
	"X86_PV_VCPU_EXTENDED", "X86_PV_VCPU_XSAVE", "SHARED_INFO", "X86_TSC_INFO",
	"HVM_CONTEXT", "HVM_PARAMS", "TOOLSTACK", "X86_PV_VCPU_MSRS", "VERIFY", "CHECKPOINT",
	"CHECKPOINT_DIRTY_PFN_LIST", "STATIC_DATA_END", "X86_CPUID_POLICY", "X86_MSR_POLICY",
};
static const char *const libxl_names[] = {
	"END", "LIBXC_CONTEXT", "EMULATOR_XENSTORE_DATA", "EMULATOR_CONTEXT", "CHECKPOINT_END",
	"CHECKPOINT_STATE",
};

const char *mig_libxc_rec_name(uint32_t type, char buf[16])
{
	if (type < sizeof(libxc_names) / sizeof(libxc_names[0]))
		return libxc_names[type];
	if (type == LIBXC_REC_XCD_SIM_VCPU)
		return "XCD_SIM_VCPU";
	if (type == LIBXC_REC_XCD_PAGE_DATA_Z)
		return "XCD_PAGE_DATA_Z";
	snprintf(buf, 16, "%#x", type);
	return buf;
}

const char *mig_libxl_rec_name(uint32_t type, char buf[16])
{
	if (type < sizeof(libxl_names) / sizeof(libxl_names[0]))
		return libxl_names[type];
	snprintf(buf, 16, "%#x", type);
	return buf;
}

static int bad(struct rd *r, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(struct rd *r, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, r->errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/* Reads N bytes of WHAT at the current offset, naming both if it cannot. */
static int get(struct rd *r, void *p, size_t n, const char *what)
{
	uint64_t at = r->in->off;
	int rc = mig_in_read(r->in, p, n);
	if (rc == -ENODATA)
		return bad(r, -EPROTO, "%s at byte %llu: the stream ends (truncated)", what,
			   (unsigned long long)at);
	if (rc < 0)
		return bad(r, rc, "%s at byte %llu: read: %s", what, (unsigned long long)at,
			   strerror(-rc));
	return 0;
}


/* A record's header and body (LEN already checked against MAX by the
 * caller's table), its padding read and checked away. */
static int body(struct rd *r, uint32_t len, const char *name, uint64_t at)
{
	char what[80];
	snprintf(what, sizeof(what), "record %s at byte %llu: its body", name,
		 (unsigned long long)at);
	size_t padded = ((size_t)len + 7) & ~(size_t)7;
	if (padded > r->cap) {
		uint8_t *b = realloc(r->body, padded);
		if (!b)
			return bad(r, -ENOMEM, "%s: no memory for %u bytes", what, len);
		r->body = b;
		r->cap = padded;
	}
	return get(r, r->body, padded, what);
}

int mig_read_xl_config(struct mig_in *in, uint32_t max_config, char **config, uint32_t *len,
		       char *err, size_t errlen)
{
	struct rd r = { .in = in, .err = err, .errlen = errlen };
	uint8_t h[XL_HEADER_LEN];
	*config = NULL;
	*len = 0;
	if (!max_config)
		max_config = DEFAULT_MAX_CONFIG;
	int rc = get(&r, h, sizeof(h), "xl header");
	if (rc < 0)
		return rc;
	if (memcmp(h, XL_MAGIC, XL_MAGIC_LEN) != 0)
		return bad(&r, -EPROTO, "xl header at byte 0: not an xl save file (wrong magic)");
	uint32_t order = mig_le32(h + 32), mflags = mig_le32(h + 36), oflags = mig_le32(h + 40);
	uint32_t optlen = mig_le32(h + 44);
	if (order != XL_BYTEORDER)
		return bad(&r, -EPROTO,
			   "xl header at byte 32: byte order word %#x, expected %#x (a file of a big-endian host?)",
			   order, XL_BYTEORDER);
	if (mflags & ~XL_FLAGS_KNOWN)
		return bad(&r, -EPROTO, "xl header at byte 36: unknown mandatory flags %#x",
			   mflags & ~XL_FLAGS_KNOWN);
	if (!(mflags & XL_FLAG_STREAMV2))
		return bad(&r, -EPROTO,
			   "xl header at byte 36: a legacy (pre-4.6) stream, which xcd does not read");
	if (oflags & ~XL_OPTFLAGS_KNOWN)
		return bad(&r, -EPROTO, "xl header at byte 40: unknown optional flags %#x",
			   oflags & ~XL_OPTFLAGS_KNOWN);
	if (!optlen)
		return 0;
	if (optlen < 4 || optlen - 4 > max_config)
		return bad(&r, -EPROTO,
			   "xl header at byte 44: optional data of %u bytes (4 to %u allowed)", optlen,
			   max_config + 4);
	uint8_t lb[4];
	if ((rc = get(&r, lb, 4, "xl config length")) < 0)
		return rc;
	uint32_t clen = mig_le32(lb);
	if (clen != optlen - 4)
		return bad(&r, -EPROTO,
			   "xl config length at byte 48: %u bytes, the optional data holds %u", clen,
			   optlen - 4);
	if (!clen)
		return 0;
	if (!(mflags & XL_FLAG_JSON))
		return bad(&r, -EPROTO,
			   "xl header at byte 36: the config is not JSON (an old xl's text config, not read)");
	char *c = malloc(clen);
	if (!c)
		return bad(&r, -ENOMEM, "xl config: no memory for %u bytes", clen);
	if ((rc = get(&r, c, clen, "xl config")) < 0) {
		free(c);
		return rc;
	}
	if (c[clen - 1] != '\0' || memchr(c, '\0', clen - 1)) {
		free(c);
		return bad(&r, -EPROTO, "xl config at byte 52: not one NUL-terminated text");
	}
	*config = c;
	*len = clen;
	return 0;
}

/* ---- libxc ---- */

static int libxc_headers(struct rd *r)
{
	uint8_t ih[LIBXC_IHDR_LEN], dh[LIBXC_DHDR_LEN];
	uint64_t at = r->in->off;
	int rc = get(r, ih, sizeof(ih), "libxc image header");
	if (rc < 0)
		return rc;
	uint64_t marker;
	uint32_t id, ver;
	uint16_t opt;
	memcpy(&marker, ih, 8);
	memcpy(&id, ih + 8, 4);
	memcpy(&ver, ih + 12, 4);
	memcpy(&opt, ih + 16, 2);
	if (be64toh(marker) != LIBXC_MARKER || be32toh(id) != LIBXC_ID)
		return bad(r, -EPROTO, "libxc image header at byte %llu: wrong marker or id",
			   (unsigned long long)at);
	ver = be32toh(ver);
	if (ver != 2 && ver != 3)
		return bad(r, -EPROTO,
			   "libxc image header at byte %llu: version %u (xcd reads 2 and 3)",
			   (unsigned long long)at, ver);
	if (be16toh(opt) & LIBXC_OPT_BIG_ENDIAN)
		return bad(r, -EPROTO, "libxc image header at byte %llu: a big-endian stream",
			   (unsigned long long)at);
	at = r->in->off;
	if ((rc = get(r, dh, sizeof(dh), "libxc domain header")) < 0)
		return rc;
	uint16_t shift;
	memcpy(&shift, dh + 4, 2);
	r->dom.libxc_version = ver;
	r->dom.type = mig_le32(dh);
	r->dom.xen_major = mig_le32(dh + 8);
	r->dom.xen_minor = mig_le32(dh + 12);
	if (r->dom.type != LIBXC_DOM_X86_PV && r->dom.type != LIBXC_DOM_X86_HVM &&
	    r->dom.type != LIBXC_DOM_XCD_SIM)
		return bad(r, -EPROTO, "libxc domain header at byte %llu: unknown guest type %#x",
			   (unsigned long long)at, r->dom.type);
	if (le16toh(shift) != 12)
		return bad(r, -EPROTO, "libxc domain header at byte %llu: page shift %u, not 12",
			   (unsigned long long)at, le16toh(shift));
	if (r->opts->want_type && r->dom.type != r->opts->want_type)
		return bad(r, -EPROTO,
			   "libxc domain header at byte %llu: a guest of type %#x, this restore takes type %#x",
			   (unsigned long long)at, r->dom.type, r->opts->want_type);
	if (r->v->domain)
		return r->v->domain(r->v->ctx, &r->dom, r->err, r->errlen);
	return 0;
}

/* Which guest types a record belongs to. */
#define T_PV (1u << 0)
#define T_HVM (1u << 1)
#define T_SIM (1u << 2)
#define T_ALL (T_PV | T_HVM | T_SIM)
struct rtype {
	uint32_t types;
	uint32_t min, max; /* body length bounds */
	int is_static;	   /* before STATIC_DATA_END only */
	int is_dynamic;	   /* after it only */
};

static int rtype_of(uint32_t type, struct rtype *t)
{
	static const struct rtype table[] = {
		[LIBXC_REC_END] = { T_ALL, 0, 0, 0, 0 },
		[LIBXC_REC_PAGE_DATA] = { T_ALL, 16, 8 + PAGE_DATA_MAX_COUNT * (8 + 4096), 0, 1 },
		[LIBXC_REC_X86_PV_INFO] = { T_PV, 8, 8, 1, 0 },
		[LIBXC_REC_X86_PV_P2M_FRAMES] = { T_PV, 16, BLOB_MAX, 0, 1 },
		[LIBXC_REC_X86_PV_VCPU_BASIC] = { T_PV, 9, BLOB_MAX, 0, 1 },
		[LIBXC_REC_X86_PV_VCPU_EXTENDED] = { T_PV, 8, BLOB_MAX, 0, 1 },
		[LIBXC_REC_X86_PV_VCPU_XSAVE] = { T_PV, 8, BLOB_MAX, 0, 1 },
		[LIBXC_REC_SHARED_INFO] = { T_PV, 4096, 4096, 0, 1 },
		[LIBXC_REC_X86_TSC_INFO] = { T_PV | T_HVM, X86_TSC_INFO_LEN, X86_TSC_INFO_LEN, 0, 1 },
		[LIBXC_REC_HVM_CONTEXT] = { T_HVM, 1, BLOB_MAX, 0, 1 },
		[LIBXC_REC_HVM_PARAMS] = { T_HVM, 0, 8 + HVM_NR_PARAMS * HVM_PARAM_ENTRY_LEN, 0, 1 },
		[LIBXC_REC_TOOLSTACK] = { T_PV | T_HVM, 0, BLOB_MAX, 0, 1 },
		[LIBXC_REC_X86_PV_VCPU_MSRS] = { T_PV, 8, BLOB_MAX, 0, 1 },
		[LIBXC_REC_VERIFY] = { T_ALL, 0, 0, 0, 1 },
		[LIBXC_REC_CHECKPOINT] = { 0, 0, 0, 0, 0 },
		[LIBXC_REC_CHECKPOINT_DIRTY_PFN_LIST] = { 0, 0, 0, 0, 0 },
		[LIBXC_REC_STATIC_DATA_END] = { T_ALL, 0, 0, 1, 0 },
		[LIBXC_REC_X86_CPUID_POLICY] = { T_PV | T_HVM, 0, POLICY_MAX, 1, 0 },
		[LIBXC_REC_X86_MSR_POLICY] = { T_PV | T_HVM, 0, POLICY_MAX, 1, 0 },
	};
	if (type < sizeof(table) / sizeof(table[0])) {
		*t = table[type];
		return 0;
	}
	if (type == LIBXC_REC_XCD_SIM_VCPU) {
		*t = (struct rtype){ T_SIM, 9, 8 + 8192, 0, 1 };
		return 0;
	}
	if (type == LIBXC_REC_XCD_PAGE_DATA_Z) {
		*t = (struct rtype){ T_ALL, XCD_PAGE_Z_HEAD + 8 + 1, LIBXC_REC_LENGTH_MAX, 0, 1 };
		return 0;
	}
	return -ENOENT;
}

static uint32_t type_bit(uint32_t dom_type)
{
	return dom_type == LIBXC_DOM_X86_PV ? T_PV : dom_type == LIBXC_DOM_X86_HVM ? T_HVM : T_SIM;
}

/* PAGE_DATA's count (at BODY) against its bounds and LEN. */
static int page_count(struct rd *r, const uint8_t *body, uint32_t len, uint64_t at,
		      uint32_t *count)
{
	*count = mig_le32(body);
	if (!*count || *count > PAGE_DATA_MAX_COUNT)
		return bad(r, -EPROTO, "record PAGE_DATA at byte %llu: count %u (1 to %u allowed)",
			   (unsigned long long)at, *count, PAGE_DATA_MAX_COUNT);
	if ((uint64_t)8 + 8ull * *count > len)
		return bad(r, -EPROTO,
			   "record PAGE_DATA at byte %llu: %u pfns do not fit its %u bytes",
			   (unsigned long long)at, *count, len);
	return 0;
}

static int has_data(uint64_t w)
{
	unsigned t = (unsigned)(w >> PFN_TYPE_SHIFT);
	return t != PFINFO_XALLOC && t != PFINFO_XTAB && t != PFINFO_BROKEN;
}

/* A page record's COUNT pfn words at WORDS checked (types, bounds), into
 * PFNS (host order): the pages with data in *NDATA. */
static int pfn_words(struct rd *r, const char *name, const uint8_t *words, uint32_t count,
		     uint64_t at, uint64_t *pfns, uint64_t *ndata_out)
{
	uint64_t max_pfn = r->opts->max_pfn ? r->opts->max_pfn : PFN_MASK;
	uint64_t ndata = 0;
	for (uint32_t i = 0; i < count; i++) {
		uint64_t w = mig_le64(words + 8ull * i);
		unsigned t = (unsigned)(w >> PFN_TYPE_SHIFT);
		uint64_t pfn = w & PFN_MASK;
		int pt = (t >= PFINFO_L1TAB && t <= PFINFO_L4TAB) ||
			 (t >= PFINFO_L1TAB_PIN && t <= PFINFO_L4TAB_PIN);
		if (!(t == PFINFO_NOTAB || t >= PFINFO_BROKEN || pt) ||
		    (pt && r->dom.type != LIBXC_DOM_X86_PV))
			return bad(r, -EPROTO,
				   "record %s at byte %llu: pfn %llu has page type %#x, not one of a %s guest's",
				   name, (unsigned long long)at, (unsigned long long)pfn, t,
				   r->dom.type == LIBXC_DOM_X86_PV ? "PV" : "non-PV");
		if (pfn > max_pfn)
			return bad(r, -EPROTO,
				   "record %s at byte %llu: pfn %llu beyond the guest's last, %llu",
				   name, (unsigned long long)at, (unsigned long long)pfn,
				   (unsigned long long)max_pfn);
		ndata += (uint64_t)has_data(w);
		pfns[i] = w;
	}
	*ndata_out = ndata;
	return 0;
}

/* PAGE_DATA's pfn words checked (pfn_words), and LEN against them. */
static int page_pfns(struct rd *r, const uint8_t *words, uint32_t count, uint32_t len,
		     uint64_t at, uint64_t *pfns, uint64_t *ndata_out)
{
	uint64_t ndata;
	int rc = pfn_words(r, "PAGE_DATA", words, count, at, pfns, &ndata);
	if (rc < 0)
		return rc;
	if (8 + 8ull * count + ndata * 4096 != len)
		return bad(r, -EPROTO,
			   "record PAGE_DATA at byte %llu: %u bytes for %u pfns and %llu pages of data",
			   (unsigned long long)at, len, count, (unsigned long long)ndata);
	*ndata_out = ndata;
	return 0;
}

static int page_data(struct rd *r, uint32_t len, uint64_t at)
{
	uint32_t count;
	uint64_t ndata;
	uint64_t *pfns = (uint64_t *)(r->body + 8);
	int rc = page_count(r, r->body, len, at, &count);
	if (rc == 0)
		rc = page_pfns(r, r->body + 8, count, len, at, pfns, &ndata);
	if (rc == 0 && r->v->pages)
		rc = r->v->pages(r->v->ctx, count, pfns, r->body + 8 + 8ull * count, r->err,
				 r->errlen);
	return rc;
}

/* A page record's pages with data where the visitor says (page_dst), a run
 * of consecutive pfns at a time: from DATA (decompressed), or (DATA NULL)
 * read straight there from the stream, WHAT naming them. */
static int place_runs(struct rd *r, uint32_t count, const uint64_t *pfns, const uint8_t *data,
		      const char *what)
{
	for (uint32_t i = 0, run; i < count; i += run) {
		run = 1;
		if (!has_data(pfns[i]))
			continue;
		uint64_t pfn = pfns[i] & PFN_MASK;
		while (i + run < count && has_data(pfns[i + run]) &&
		       (pfns[i + run] & PFN_MASK) == pfn + run)
			run++;
		uint8_t *dst = r->v->page_dst(r->v->ctx, pfn, run, r->err, r->errlen);
		if (!dst)
			return -EIO;
		size_t n = (size_t)run * 4096u;
		int rc = data ? 0 : get(r, dst, n, what);
		if (rc < 0)
			return rc;
		if (data) {
			memcpy(dst, data, n);
			data += n;
		}
	}
	return 0;
}

/* PAGE_DATA read in two steps: its count and pfns into the body buffer and
 * checked, with its length; then its pages straight where the visitor says
 * (runs of consecutive pfns at once). */
static int page_data_direct(struct rd *r, uint32_t len, uint64_t at)
{
	char what[96];
	uint8_t head[8];
	uint32_t count = 0;
	uint64_t ndata;
	snprintf(what, sizeof(what), "record PAGE_DATA at byte %llu: its count",
		 (unsigned long long)at);
	int rc = get(r, head, 8, what);
	if (rc == 0)
		rc = page_count(r, head, len, at, &count);
	if (rc < 0)
		return rc;
	size_t need = 8ull * count;
	if (need > r->cap) {
		uint8_t *b = realloc(r->body, need);
		if (!b)
			return bad(r, -ENOMEM, "record PAGE_DATA at byte %llu: no memory for %u pfns",
				   (unsigned long long)at, count);
		r->body = b;
		r->cap = need;
	}
	uint64_t *pfns = (uint64_t *)r->body;
	snprintf(what, sizeof(what), "record PAGE_DATA at byte %llu: its pfns",
		 (unsigned long long)at);
	if ((rc = get(r, r->body, need, what)) < 0 ||
	    (rc = page_pfns(r, r->body, count, len, at, pfns, &ndata)) < 0)
		return rc;
	snprintf(what, sizeof(what), "record PAGE_DATA at byte %llu: its pages",
		 (unsigned long long)at);
	if ((rc = place_runs(r, count, pfns, NULL, what)) < 0)
		return rc;
	if (r->v->pages)
		return r->v->pages(r->v->ctx, count, pfns, NULL, r->err, r->errlen);
	return 0;
}

/* Room for N bytes in the buffer at *BUF (*CAP): 0, or -ENOMEM said for
 * the record at AT. */
static int grow(struct rd *r, uint8_t **buf, size_t *cap, size_t n, const char *name,
		uint64_t at)
{
	if (n <= *cap)
		return 0;
	uint8_t *b = realloc(*buf, n);
	if (!b)
		return bad(r, -ENOMEM, "record %s at byte %llu: no memory for %zu bytes", name,
			   (unsigned long long)at, n);
	*buf = b;
	*cap = n;
	return 0;
}

/* XCD_PAGE_DATA_Z's header (at H): its count, codec and raw length against
 * LEN, before anything is allocated from them: the frame's length in *FLEN. */
static int page_z_head(struct rd *r, const uint8_t *h, uint32_t len, uint64_t at,
		       uint32_t *count, uint32_t *flen)
{
	static const char name[] = "record XCD_PAGE_DATA_Z";
	uint32_t codec = mig_le32(h + 4), raw = mig_le32(h + 8);
	char b[24];
	*count = mig_le32(h);
	if (!*count || *count > PAGE_DATA_MAX_COUNT)
		return bad(r, -EPROTO, "%s at byte %llu: count %u (1 to %u allowed)", name,
			   (unsigned long long)at, *count, PAGE_DATA_MAX_COUNT);
	if (!mig_z_bound(codec, 4096))
		return bad(r, -EPROTO, "%s at byte %llu: compressed with %s, which this xcd does "
			   "not read", name, (unsigned long long)at, mig_codec_name(codec, b));
	if (mig_le32(h + 12))
		return bad(r, -EPROTO, "%s at byte %llu: reserved word %#x, not 0", name,
			   (unsigned long long)at, mig_le32(h + 12));
	if (!raw || raw % 4096 || raw / 4096 > *count)
		return bad(r, -EPROTO, "%s at byte %llu: %u bytes of pages for %u pfns", name,
			   (unsigned long long)at, raw, *count);
	uint64_t fixed = XCD_PAGE_Z_HEAD + 8ull * *count;
	if (fixed >= len || len - fixed > mig_z_bound(codec, raw))
		return bad(r, -EPROTO, "%s at byte %llu: %u bytes for %u pfns and a %s frame of "
			   "%u bytes of pages (at most %zu)", name, (unsigned long long)at, len,
			   *count, mig_codec_name(codec, b), raw, mig_z_bound(codec, raw));
	*flen = (uint32_t)(len - fixed);
	return 0;
}

/* Where the frame is decompressed to: straight into place when the pages
 * with data are one run and the visitor places pages, else the buffer
 * after the frame (copied into place, or given to the visitor). */
static uint8_t *page_z_dst(struct rd *r, uint32_t count, const uint64_t *pfns, uint64_t ndata,
			   size_t frame_room, int *placed)
{
	uint32_t first = 0;
	while (!has_data(pfns[first]))
		first++;
	uint64_t pfn = pfns[first] & PFN_MASK, seen = 0;
	int run = 1;
	for (uint32_t i = first; i < count && run; i++)
		if (has_data(pfns[i]))
			run = (pfns[i] & PFN_MASK) == pfn + seen++;
	*placed = run && r->v->page_dst;
	if (*placed)
		return r->v->page_dst(r->v->ctx, pfn, (uint32_t)ndata, r->err, r->errlen);
	return r->zbuf + frame_room;
}

/* XCD_PAGE_DATA_Z: its header, pfns and frame length checked as PAGE_DATA's
 * are, then its frame read and decompressed (checked whole: codec, size,
 * checksum) before a page of it goes anywhere. */
static int page_data_z(struct rd *r, uint32_t len, uint64_t at)
{
	char what[96], why[200];
	uint8_t h[XCD_PAGE_Z_HEAD];
	uint32_t count = 0, flen = 0;
	uint64_t ndata;
	snprintf(what, sizeof(what), "record XCD_PAGE_DATA_Z at byte %llu: its header",
		 (unsigned long long)at);
	int rc = get(r, h, sizeof(h), what);
	if (rc == 0)
		rc = page_z_head(r, h, len, at, &count, &flen);
	if (rc == 0)
		rc = grow(r, &r->body, &r->cap, 8ull * count, "XCD_PAGE_DATA_Z", at);
	if (rc < 0)
		return rc;
	uint64_t *pfns = (uint64_t *)r->body;
	snprintf(what, sizeof(what), "record XCD_PAGE_DATA_Z at byte %llu: its pfns",
		 (unsigned long long)at);
	if ((rc = get(r, r->body, 8ull * count, what)) < 0 ||
	    (rc = pfn_words(r, "XCD_PAGE_DATA_Z", r->body, count, at, pfns, &ndata)) < 0)
		return rc;
	if (ndata * 4096 != mig_le32(h + 8))
		return bad(r, -EPROTO, "record XCD_PAGE_DATA_Z at byte %llu: %u bytes of pages, "
			   "its pfns have %llu pages with data", (unsigned long long)at,
			   mig_le32(h + 8), (unsigned long long)ndata);
	size_t padded = ((size_t)flen + (len % 8 ? 8 - len % 8 : 0) + 7) & ~(size_t)7;
	if ((rc = grow(r, &r->zbuf, &r->zcap, padded + ndata * 4096, "XCD_PAGE_DATA_Z", at)) < 0)
		return rc;
	snprintf(what, sizeof(what), "record XCD_PAGE_DATA_Z at byte %llu: its frame",
		 (unsigned long long)at);
	if ((rc = get(r, r->zbuf, flen + (len % 8 ? 8 - len % 8 : 0), what)) < 0)
		return rc;
	if (!r->z && mig_z_new(&r->z) < 0)
		return bad(r, -ENOMEM, "record XCD_PAGE_DATA_Z at byte %llu: no memory",
			   (unsigned long long)at);
	int placed;
	uint8_t *dst = page_z_dst(r, count, pfns, ndata, padded, &placed);
	if (!dst)
		return -EIO;
	rc = mig_z_decompress(r->z, mig_le32(h + 4), r->zbuf, flen, dst, ndata * 4096, why,
			      sizeof(why));
	if (rc < 0)
		return bad(r, rc, "record XCD_PAGE_DATA_Z at byte %llu: %s", (unsigned long long)at,
			   why);
	if (r->v->page_dst && !placed && (rc = place_runs(r, count, pfns, dst, NULL)) < 0)
		return rc;
	if (r->v->pages)
		return r->v->pages(r->v->ctx, count, pfns, r->v->page_dst ? NULL : dst, r->err,
				   r->errlen);
	return 0;
}

/* The layout checks of records other than PAGE_DATA. */
static int check_body(struct rd *r, uint32_t type, uint32_t len, uint64_t at, const char *name)
{
	uint32_t max_vcpus = r->opts->max_vcpus ? r->opts->max_vcpus : DEFAULT_MAX_VCPUS;
	const uint8_t *b = r->body;
	switch (type) {
	case LIBXC_REC_X86_PV_INFO:
		if ((b[0] != 4 && b[0] != 8) || (b[1] != 3 && b[1] != 4))
			return bad(r, -EPROTO,
				   "record %s at byte %llu: guest width %u and %u page table levels (4 or 8, 3 or 4)",
				   name, (unsigned long long)at, b[0], b[1]);
		r->pv_info = 1;
		return 0;
	case LIBXC_REC_X86_PV_P2M_FRAMES:
		if (!r->pv_info)
			return bad(r, -EPROTO, "record %s at byte %llu: before X86_PV_INFO", name,
				   (unsigned long long)at);
		if (mig_le32(b) > mig_le32(b + 4) || (len - 8) % 8)
			return bad(r, -EPROTO, "record %s at byte %llu: pfns %u to %u in %u bytes",
				   name, (unsigned long long)at, mig_le32(b), mig_le32(b + 4), len);
		r->p2m = 1;
		return 0;
	case LIBXC_REC_X86_PV_VCPU_BASIC:
	case LIBXC_REC_X86_PV_VCPU_EXTENDED:
	case LIBXC_REC_X86_PV_VCPU_XSAVE:
	case LIBXC_REC_X86_PV_VCPU_MSRS:
	case LIBXC_REC_XCD_SIM_VCPU:
		if (mig_le32(b) >= max_vcpus)
			return bad(r, -EPROTO, "record %s at byte %llu: vCPU %u (the guest has %u)",
				   name, (unsigned long long)at, mig_le32(b), max_vcpus);
		return 0;
	case LIBXC_REC_X86_TSC_INFO:
		if (mig_le32(b) > X86_TSC_MODE_MAX)
			return bad(r, -EPROTO, "record %s at byte %llu: TSC mode %u", name,
				   (unsigned long long)at, mig_le32(b));
		return 0;
	case LIBXC_REC_HVM_PARAMS: {
		if (!len)
			return 0; /* the errata: Xen 4.6-4.8 wrote empty ones */
		uint32_t count = mig_le32(b);
		if (len < 8 || (uint64_t)8 + (uint64_t)count * HVM_PARAM_ENTRY_LEN != len)
			return bad(r, -EPROTO, "record %s at byte %llu: %u parameters in %u bytes",
				   name, (unsigned long long)at, count, len);
		for (uint32_t i = 0; i < count; i++) {
			uint64_t idx = mig_le64(b + 8 + 16ull * i);
			if (idx >= HVM_NR_PARAMS)
				return bad(r, -EPROTO,
					   "record %s at byte %llu: parameter index %llu (Xen has %u)",
					   name, (unsigned long long)at, (unsigned long long)idx,
					   HVM_NR_PARAMS);
		}
		/* After HVM_CONTEXT too: the specification wants them before, but
		 * Xen 4.17's libxc writes them after (x86_hvm_end_of_checkpoint)
		 * and its restore sets the context last whatever the order. */
		return 0;
	}
	case LIBXC_REC_X86_CPUID_POLICY:
	case LIBXC_REC_X86_MSR_POLICY: {
		uint32_t unit = type == LIBXC_REC_X86_CPUID_POLICY ? X86_CPUID_LEAF_LEN
								  : X86_MSR_ENTRY_LEN;
		if (len % unit)
			return bad(r, -EPROTO,
				   "record %s at byte %llu: %u bytes, not whole %u-byte entries", name,
				   (unsigned long long)at, len, unit);
		return 0;
	}
	}
	return 0;
}

/* The static data is whole (its record read, or inferred in version 2). */
static int static_data_end(struct rd *r)
{
	r->static_end = 1;
	return r->v->static_end ? r->v->static_end(r->v->ctx, r->err, r->errlen) : 0;
}

static int libxc_record(struct rd *r, int *end)
{
	uint8_t h[8];
	uint64_t at = r->in->off;
	int rc = get(r, h, 8, "libxc record header");
	if (rc < 0)
		return rc;
	uint32_t type = mig_le32(h), len = mig_le32(h + 4);
	char nb[16];
	const char *name = mig_libxc_rec_name(type, nb);
	struct rtype t;
	if (rtype_of(type, &t) < 0) {
		if (!(type & LIBXC_REC_OPTIONAL))
			return bad(r, -EPROTO,
				   "record %s at byte %llu: an unknown mandatory record type", name,
				   (unsigned long long)at);
		if (len > LIBXC_REC_LENGTH_MAX)
			return bad(r, -EPROTO, "record %s at byte %llu: length %u above %u", name,
				   (unsigned long long)at, len, LIBXC_REC_LENGTH_MAX);
		/* Optional: skipped, padding included, nothing allocated. */
		rc = mig_in_skip(r->in, ((uint64_t)len + 7) & ~7ull);
		return rc == -ENODATA ? bad(r, -EPROTO, "record %s at byte %llu: the stream ends (truncated)",
					    name, (unsigned long long)at) : rc;
	}
	if (type == LIBXC_REC_CHECKPOINT || type == LIBXC_REC_CHECKPOINT_DIRTY_PFN_LIST)
		return bad(r, -EPROTO,
			   "record %s at byte %llu: a checkpointed (Remus/COLO) stream, which xcd does not read",
			   name, (unsigned long long)at);
	if (!(t.types & type_bit(r->dom.type)))
		return bad(r, -EPROTO, "record %s at byte %llu: not a record of a %s guest's stream",
			   name, (unsigned long long)at,
			   r->dom.type == LIBXC_DOM_X86_PV ? "PV" :
			   r->dom.type == LIBXC_DOM_X86_HVM ? "HVM" : "simulated");
	if (len < t.min || len > t.max)
		return bad(r, -EPROTO, "record %s at byte %llu: length %u (%u to %u allowed)", name,
			   (unsigned long long)at, len, t.min, t.max);
	/* Version 2 has no STATIC_DATA_END: memory's first record stands for it. */
	if (!r->static_end && r->dom.libxc_version == 2 &&
	    (type == LIBXC_REC_PAGE_DATA || type == LIBXC_REC_X86_PV_P2M_FRAMES) &&
	    (rc = static_data_end(r)) < 0)
		return rc;
	if (t.is_static && r->static_end)
		return bad(r, -EPROTO, "record %s at byte %llu: after STATIC_DATA_END", name,
			   (unsigned long long)at);
	if (t.is_dynamic && !r->static_end)
		return bad(r, -EPROTO, "record %s at byte %llu: before STATIC_DATA_END", name,
			   (unsigned long long)at);
	if ((type == LIBXC_REC_PAGE_DATA || type == LIBXC_REC_XCD_PAGE_DATA_Z) &&
	    r->dom.type == LIBXC_DOM_X86_PV && !r->p2m)
		return bad(r, -EPROTO, "record %s at byte %llu: before X86_PV_P2M_FRAMES", name,
			   (unsigned long long)at);
	if (type == LIBXC_REC_XCD_PAGE_DATA_Z)
		return page_data_z(r, len, at);
	if (type == LIBXC_REC_PAGE_DATA && r->v->page_dst)
		return page_data_direct(r, len, at);
	if ((rc = body(r, len, name, at)) < 0)
		return rc;
	if (type == LIBXC_REC_END) {
		*end = 1;
		return 0;
	}
	if (type == LIBXC_REC_STATIC_DATA_END)
		return static_data_end(r);
	if (type == LIBXC_REC_PAGE_DATA)
		return page_data(r, len, at);
	if ((rc = check_body(r, type, len, at, name)) < 0)
		return rc;
	if (r->v->record)
		return r->v->record(r->v->ctx, 0, type, r->body, len, r->err, r->errlen);
	return 0;
}

static int libxc_stream(struct rd *r)
{
	int rc = libxc_headers(r);
	for (int end = 0; rc == 0 && !end;)
		rc = libxc_record(r, &end);
	return rc;
}

/* The visitor may read libxc's stream itself: it is told the guest type
 * its domain header names. */
static int libxc_elsewhere(struct rd *r)
{
	uint8_t h[LIBXC_IHDR_LEN + 4];
	uint64_t at = r->in->off;
	int rc = mig_in_peek(r->in, h, sizeof(h));
	if (rc == -ENODATA)
		return bad(r, -EPROTO, "libxc headers at byte %llu: the stream ends (truncated)",
			   (unsigned long long)at);
	if (rc < 0)
		return bad(r, rc, "libxc headers at byte %llu: read: %s", (unsigned long long)at,
			   strerror(-rc));
	uint32_t type = mig_le32(h + LIBXC_IHDR_LEN);
	rc = r->v->libxc_stream(r->v->ctx, type, r->in, r->err, r->errlen);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return libxc_stream(r);
	r->dom.type = type;
	return 0;
}

/* ---- libxl ---- */

static int libxl_record(struct rd *r, int *end)
{
	uint8_t h[8];
	uint64_t at = r->in->off;
	int rc = get(r, h, 8, "libxl record header");
	if (rc < 0)
		return rc;
	uint32_t type = mig_le32(h), len = mig_le32(h + 4);
	char nb[16];
	const char *name = mig_libxl_rec_name(type, nb);
	switch (type) {
	case LIBXL_REC_END:
	case LIBXL_REC_LIBXC_CONTEXT:
		if (len)
			return bad(r, -EPROTO, "libxl record %s at byte %llu: length %u, not 0", name,
				   (unsigned long long)at, len);
		if (type == LIBXL_REC_END) {
			if (!r->libxc_done)
				return bad(r, -EPROTO,
					   "libxl record END at byte %llu: the stream held no guest (no LIBXC_CONTEXT)",
					   (unsigned long long)at);
			*end = 1;
			return 0;
		}
		if (r->libxc_done)
			return bad(r, -EPROTO, "libxl record LIBXC_CONTEXT at byte %llu: a second one",
				   (unsigned long long)at);
		r->libxc_done = 1;
		return r->v->libxc_stream ? libxc_elsewhere(r) : libxc_stream(r);
	case LIBXL_REC_EMULATOR_XENSTORE_DATA:
	case LIBXL_REC_EMULATOR_CONTEXT:
		if (!r->libxc_done || r->dom.type == LIBXC_DOM_XCD_SIM)
			return bad(r, -EPROTO, "libxl record %s at byte %llu: %s", name,
				   (unsigned long long)at,
				   r->libxc_done ? "a simulated guest has no emulator"
						 : "before the guest's memory (LIBXC_CONTEXT)");
		if (len < 8 || len > EMULATOR_MAX)
			return bad(r, -EPROTO,
				   "libxl record %s at byte %llu: length %u (8 to %u allowed)", name,
				   (unsigned long long)at, len, EMULATOR_MAX);
		if ((rc = body(r, len, name, at)) < 0)
			return rc;
		/* xenstore data: (key NUL value NUL) pairs, nothing else. */
		if (type == LIBXL_REC_EMULATOR_XENSTORE_DATA) {
			unsigned strings = 0;
			for (uint32_t i = 8; i < len; i++)
				strings += r->body[i] == '\0';
			if (len > 8 && (r->body[len - 1] != '\0' || strings % 2))
				return bad(r, -EPROTO,
					   "libxl record %s at byte %llu: not (key, value) pairs of NUL-terminated strings",
					   name, (unsigned long long)at);
		}
		if (r->v->record)
			return r->v->record(r->v->ctx, 1, type, r->body, len, r->err, r->errlen);
		return 0;
	case LIBXL_REC_CHECKPOINT_END:
	case LIBXL_REC_CHECKPOINT_STATE:
		return bad(r, -EPROTO,
			   "libxl record %s at byte %llu: a checkpointed (Remus/COLO) stream, which xcd does not read",
			   name, (unsigned long long)at);
	}
	if (!(type & LIBXC_REC_OPTIONAL))
		return bad(r, -EPROTO, "libxl record %s at byte %llu: an unknown mandatory record type",
			   name, (unsigned long long)at);
	if (len > LIBXC_REC_LENGTH_MAX)
		return bad(r, -EPROTO, "libxl record %s at byte %llu: length %u above %u", name,
			   (unsigned long long)at, len, LIBXC_REC_LENGTH_MAX);
	rc = mig_in_skip(r->in, ((uint64_t)len + 7) & ~7ull);
	return rc == -ENODATA ? bad(r, -EPROTO, "libxl record %s at byte %llu: the stream ends (truncated)",
				    name, (unsigned long long)at) : rc;
}

static int libxl_stream(struct rd *r)
{
	uint8_t h[LIBXL_HEADER_LEN];
	uint64_t at = r->in->off;
	int rc = get(r, h, sizeof(h), "libxl header");
	if (rc < 0)
		return rc;
	uint64_t ident;
	uint32_t ver, opt;
	memcpy(&ident, h, 8);
	memcpy(&ver, h + 8, 4);
	memcpy(&opt, h + 12, 4);
	ver = be32toh(ver);
	opt = be32toh(opt);
	if (be64toh(ident) != LIBXL_IDENT)
		return bad(r, -EPROTO, "libxl header at byte %llu: not a libxl stream (wrong ident)",
			   (unsigned long long)at);
	if (ver != LIBXL_VERSION)
		return bad(r, -EPROTO, "libxl header at byte %llu: version %u (xcd reads 2)",
			   (unsigned long long)at, ver);
	if (opt & LIBXL_OPT_BIG_ENDIAN)
		return bad(r, -EPROTO, "libxl header at byte %llu: a big-endian stream",
			   (unsigned long long)at);
	if (opt & LIBXL_OPT_LEGACY)
		return bad(r, -EPROTO,
			   "libxl header at byte %llu: converted from a legacy stream, which xcd does not read",
			   (unsigned long long)at);
	if (opt)
		return bad(r, -EPROTO, "libxl header at byte %llu: unknown options %#x",
			   (unsigned long long)at, opt);
	for (int end = 0; rc == 0 && !end;)
		rc = libxl_record(r, &end);
	return rc;
}

int mig_read_libxl(struct mig_in *in, const struct mig_read_opts *opts,
		   const struct mig_visitor *v, char *err, size_t errlen)
{
	static const struct mig_read_opts none;
	static const struct mig_visitor nothing;
	struct rd r = { .in = in, .opts = opts ? opts : &none, .v = v ? v : &nothing,
			.err = err, .errlen = errlen };
	int rc = libxl_stream(&r);
	free(r.body);
	free(r.zbuf);
	mig_z_free(r.z);
	return rc;
}

int mig_read_xl(struct mig_in *in, const struct mig_read_opts *opts,
		const struct mig_visitor *v, char *err, size_t errlen)
{
	char *config;
	uint32_t len;
	int rc = mig_read_xl_config(in, opts ? opts->max_config : 0, &config, &len, err, errlen);
	if (rc < 0)
		return rc;
	if (v && v->config)
		rc = v->config(v->ctx, config ? config : "", len, err, errlen);
	free(config);
	return rc < 0 ? rc : mig_read_libxl(in, opts, v, err, errlen);
}
