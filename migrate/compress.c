/* compress: a batch's pages into one zstd or lz4 frame and back
 * (compress.h), through contexts kept for the whole stream. */
#include "compress.h"
#include <errno.h>
#include <lz4frame.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#define PAGE 4096u
/* zstd's level: its fastest ordinary one (levels above cost more time
 * than a link of a few GB/s gives back). */
#define ZSTD_LEVEL 1

struct mig_z {
	ZSTD_CCtx *zc;
	ZSTD_DCtx *zd;
	LZ4F_cctx *lc;
	LZ4F_dctx *ld;
	uint8_t *stage; /* scattered pages gathered for one run */
	size_t stage_cap;
	uint8_t *out;
	size_t out_cap;
};

const char *mig_codec_name(uint32_t codec, char buf[24])
{
	switch (codec) {
	case MIG_CODEC_NONE:
		return "none";
	case MIG_CODEC_ZSTD:
		return "zstd";
	case MIG_CODEC_LZ4:
		return "lz4";
	}
	snprintf(buf, 24, "codec %u", codec);
	return buf;
}

static const char *const mode_names[] = { "off", "auto", "zstd", "lz4" };

int mig_compress_parse(const char *s, enum mig_compress *c)
{
	for (unsigned i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (s && !strcmp(s, mode_names[i])) {
			*c = (enum mig_compress)i;
			return 0;
		}
	return -EINVAL;
}

const char *mig_compress_name(enum mig_compress c)
{
	return (unsigned)c < sizeof(mode_names) / sizeof(mode_names[0]) ? mode_names[c] : "?";
}

int mig_z_new(struct mig_z **z)
{
	*z = calloc(1, sizeof(**z));
	return *z ? 0 : -ENOMEM;
}

void mig_z_free(struct mig_z *z)
{
	if (!z)
		return;
	ZSTD_freeCCtx(z->zc);
	ZSTD_freeDCtx(z->zd);
	LZ4F_freeCompressionContext(z->lc);
	LZ4F_freeDecompressionContext(z->ld);
	free(z->stage);
	free(z->out);
	free(z);
}

static LZ4F_preferences_t lz4_prefs(size_t raw)
{
	LZ4F_preferences_t p;
	memset(&p, 0, sizeof(p));
	p.frameInfo.blockSizeID = LZ4F_max4MB;
	p.frameInfo.blockMode = LZ4F_blockIndependent;
	p.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
	p.frameInfo.contentSize = raw;
	return p;
}

size_t mig_z_bound(uint32_t codec, size_t raw)
{
	if (codec == MIG_CODEC_ZSTD)
		return ZSTD_compressBound(raw);
	if (codec == MIG_CODEC_LZ4) {
		LZ4F_preferences_t p = lz4_prefs(raw);
		return LZ4F_compressFrameBound(raw, &p);
	}
	return 0;
}

/* Room for N bytes at *BUF (of *CAP): 0 or -ENOMEM. */
static int room(uint8_t **buf, size_t *cap, size_t n)
{
	if (n <= *cap)
		return 0;
	uint8_t *b = realloc(*buf, n);
	if (!b)
		return -ENOMEM;
	*buf = b;
	*cap = n;
	return 0;
}

/* The pages as one run: where they lie already when consecutive and
 * STABLE, else copied into the stage. */
static const uint8_t *one_run(struct mig_z *z, const uint8_t *const *pages, uint32_t n,
			      int stable)
{
	uint32_t i = 1;
	while (stable && i < n && pages[i] == pages[0] + (size_t)i * PAGE)
		i++;
	if (stable && i == n)
		return pages[0];
	if (room(&z->stage, &z->stage_cap, (size_t)n * PAGE) < 0)
		return NULL;
	for (i = 0; i < n; i++)
		memcpy(z->stage + (size_t)i * PAGE, pages[i], PAGE);
	return z->stage;
}

static int zstd_compress(struct mig_z *z, const uint8_t *src, size_t raw, size_t *outlen,
			 char *err, size_t errlen)
{
	if (!z->zc) {
		if (!(z->zc = ZSTD_createCCtx()))
			return -ENOMEM;
		ZSTD_CCtx_setParameter(z->zc, ZSTD_c_compressionLevel, ZSTD_LEVEL);
		ZSTD_CCtx_setParameter(z->zc, ZSTD_c_checksumFlag, 1);
		ZSTD_CCtx_setParameter(z->zc, ZSTD_c_contentSizeFlag, 1);
	}
	size_t r = ZSTD_compress2(z->zc, z->out, z->out_cap, src, raw);
	if (ZSTD_isError(r)) {
		snprintf(err, errlen, "zstd: %s", ZSTD_getErrorName(r));
		return -EIO;
	}
	*outlen = r;
	return 0;
}

static int lz4_compress(struct mig_z *z, const uint8_t *src, size_t raw, size_t *outlen,
			char *err, size_t errlen)
{
	if (!z->lc && LZ4F_isError(LZ4F_createCompressionContext(&z->lc, LZ4F_VERSION)))
		return -ENOMEM;
	LZ4F_preferences_t p = lz4_prefs(raw);
	LZ4F_compressOptions_t o = { .stableSrc = 1 };
	size_t h = LZ4F_compressBegin(z->lc, z->out, z->out_cap, &p), b = 0, e = 0;
	if (!LZ4F_isError(h))
		b = LZ4F_compressUpdate(z->lc, z->out + h, z->out_cap - h, src, raw, &o);
	if (!LZ4F_isError(h) && !LZ4F_isError(b))
		e = LZ4F_compressEnd(z->lc, z->out + h + b, z->out_cap - h - b, &o);
	size_t bad = LZ4F_isError(h) ? h : LZ4F_isError(b) ? b : e;
	if (LZ4F_isError(bad)) {
		snprintf(err, errlen, "lz4: %s", LZ4F_getErrorName(bad));
		return -EIO;
	}
	*outlen = h + b + e;
	return 0;
}

int mig_z_compress(struct mig_z *z, uint32_t codec, const uint8_t *const *pages,
		   uint32_t npages, int stable, const uint8_t **out, size_t *outlen,
		   char *err, size_t errlen)
{
	size_t raw = (size_t)npages * PAGE, bound = mig_z_bound(codec, raw);
	if (!npages || !bound) {
		snprintf(err, errlen, "compressing %u pages with codec %u: nothing to do, or "
			 "no such codec", npages, codec);
		return -EINVAL;
	}
	const uint8_t *src = one_run(z, pages, npages, stable);
	if (!src || room(&z->out, &z->out_cap, bound) < 0) {
		snprintf(err, errlen, "no memory to compress %u pages", npages);
		return -ENOMEM;
	}
	int rc = codec == MIG_CODEC_ZSTD ? zstd_compress(z, src, raw, outlen, err, errlen)
					 : lz4_compress(z, src, raw, outlen, err, errlen);
	if (rc == -ENOMEM)
		snprintf(err, errlen, "no memory for a %s context", codec == MIG_CODEC_ZSTD ?
			 "zstd" : "lz4");
	if (rc < 0)
		return rc;
	*out = z->out;
	return *outlen < raw ? 0 : -E2BIG;
}

static int zstd_decompress(struct mig_z *z, const uint8_t *src, size_t len, uint8_t *dst,
			   size_t raw, char *why, size_t whylen)
{
	unsigned long long size = ZSTD_getFrameContentSize(src, len);
	size_t flen = ZSTD_findFrameCompressedSize(src, len);
	if (size == ZSTD_CONTENTSIZE_ERROR || ZSTD_isError(flen)) {
		snprintf(why, whylen, "not a whole zstd frame (%s)",
			 ZSTD_isError(flen) ? ZSTD_getErrorName(flen) : "bad frame header");
		return -EPROTO;
	}
	if (size != raw || flen != len) {
		snprintf(why, whylen, "a zstd frame of %s%llu bytes in %zu, the record says "
			 "%zu in %zu", size == ZSTD_CONTENTSIZE_UNKNOWN ? "unknown size, not " : "",
			 size == ZSTD_CONTENTSIZE_UNKNOWN ? 0ull : size, flen, raw, len);
		return -EPROTO;
	}
	if (!z->zd && !(z->zd = ZSTD_createDCtx()))
		return -ENOMEM;
	size_t r = ZSTD_decompressDCtx(z->zd, dst, raw, src, len);
	if (ZSTD_isError(r) || r != raw) {
		snprintf(why, whylen, "its zstd frame is corrupt (%s)",
			 ZSTD_isError(r) ? ZSTD_getErrorName(r) : "short");
		return -EPROTO;
	}
	return 0;
}

static int lz4_decompress(struct mig_z *z, const uint8_t *src, size_t len, uint8_t *dst,
			  size_t raw, char *why, size_t whylen)
{
	if (!z->ld && LZ4F_isError(LZ4F_createDecompressionContext(&z->ld, LZ4F_VERSION)))
		return -ENOMEM;
	LZ4F_resetDecompressionContext(z->ld);
	LZ4F_frameInfo_t fi;
	size_t in = len, r = LZ4F_getFrameInfo(z->ld, &fi, src, &in);
	if (LZ4F_isError(r)) {
		snprintf(why, whylen, "not an lz4 frame (%s)", LZ4F_getErrorName(r));
		return -EPROTO;
	}
	if (fi.contentSize != raw || !fi.contentChecksumFlag) {
		snprintf(why, whylen, "an lz4 frame of %llu bytes%s, the record says %zu with "
			 "its checksum", fi.contentSize, fi.contentChecksumFlag ? "" :
			 " without its checksum", raw);
		return -EPROTO;
	}
	size_t done_in = in, done_out = 0;
	LZ4F_decompressOptions_t o = { .stableDst = 1 };
	while (r != 0) {
		size_t src_n = len - done_in, dst_n = raw - done_out;
		r = LZ4F_decompress(z->ld, dst + done_out, &dst_n, src + done_in, &src_n, &o);
		if (LZ4F_isError(r)) {
			snprintf(why, whylen, "its lz4 frame is corrupt (%s)", LZ4F_getErrorName(r));
			return -EPROTO;
		}
		done_in += src_n;
		done_out += dst_n;
		if (r && !src_n && !dst_n) {
			snprintf(why, whylen, "its lz4 frame ends early (%zu of %zu bytes out)",
				 done_out, raw);
			return -EPROTO;
		}
	}
	if (done_in != len || done_out != raw) {
		snprintf(why, whylen, "its lz4 frame holds %zu bytes in %zu, the record says %zu "
			 "in %zu", done_out, done_in, raw, len);
		return -EPROTO;
	}
	return 0;
}

int mig_z_decompress(struct mig_z *z, uint32_t codec, const uint8_t *src, size_t len,
		     uint8_t *dst, size_t raw, char *why, size_t whylen)
{
	int rc;
	if (codec == MIG_CODEC_ZSTD)
		rc = zstd_decompress(z, src, len, dst, raw, why, whylen);
	else if (codec == MIG_CODEC_LZ4)
		rc = lz4_decompress(z, src, len, dst, raw, why, whylen);
	else {
		char b[24];
		snprintf(why, whylen, "compressed with %s, which this xcd does not read",
			 mig_codec_name(codec, b));
		return -EOPNOTSUPP;
	}
	if (rc == -ENOMEM)
		snprintf(why, whylen, "no memory for a decompression context");
	return rc;
}
