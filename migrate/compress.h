/* compress: xcd's compressed page batches (migrate/README.md, "Compression").
 * A batch's pages with data are compressed as one unit into one frame of
 * Debian's libzstd or liblz4 (the lz4 frame format), each frame carrying
 * its content's size and checksum, so that a corrupt frame is refused and
 * never taken for pages; zero pages stay pfns without a payload. Only xcd
 * reads them: they go to an xcd receiver that said it reads them, or into a
 * save file marked for xcd only, never to xl.
 *
 * The choice per batch (zauto.c's mig_zauto_*, a pure function of the
 * figures fed to it, tested with synthetic ones): `auto` compresses only
 * while that is faster than the link, from the compression throughput and
 * the link's rate measured in this migration. */
#ifndef XCD_MIGRATE_COMPRESS_H
#define XCD_MIGRATE_COMPRESS_H
#include <stddef.h>
#include <stdint.h>

/* Codecs, as numbered in XCD_PAGE_DATA_Z records and in the receiver's
 * answer (bit codec - 1). */
enum mig_codec {
	MIG_CODEC_NONE = 0,
	MIG_CODEC_ZSTD = 1,
	MIG_CODEC_LZ4 = 2,
};
#define MIG_CODEC_MAX 2u
#define MIG_CODEC_BIT(c) (1u << ((c)-1u))
/* Every codec this build reads and writes (configure requires both). */
#define MIG_CODECS_BUILT (MIG_CODEC_BIT(MIG_CODEC_ZSTD) | MIG_CODEC_BIT(MIG_CODEC_LZ4))
/* "zstd", "lz4", "none"; "codec N" when unknown (BUF). */
const char *mig_codec_name(uint32_t codec, char buf[24]);

/* What --compress asks. */
enum mig_compress {
	MIG_COMPRESS_OFF = 0,
	MIG_COMPRESS_AUTO,
	MIG_COMPRESS_ZSTD,
	MIG_COMPRESS_LZ4,
};
/* "off", "auto", "zstd", "lz4" into *C: 0, or -EINVAL. */
int mig_compress_parse(const char *s, enum mig_compress *c);
const char *mig_compress_name(enum mig_compress c);

/* ---- compressing and decompressing one batch ---- */
struct mig_z;
/* 0 with *Z, or -ENOMEM. */
int mig_z_new(struct mig_z **z);
void mig_z_free(struct mig_z *z);
/* The NPAGES pages at PAGES[0..] (each 4096 bytes) compressed with CODEC
 * into one frame: *OUT (valid until the next call) and *OUTLEN. STABLE:
 * the pages do not change meanwhile (a stopped guest's), and consecutive
 * ones are read where they are; else (a running guest's) they are copied
 * first, the frame made of the copy: a compressor reads its input more
 * than once, and a frame of pages written meanwhile would not match its own
 * checksum. 0; -E2BIG when the frame would not be smaller than the pages
 * (send them as they are); -ENOMEM, -EIO with ERR. */
int mig_z_compress(struct mig_z *z, uint32_t codec, const uint8_t *const *pages,
		   uint32_t npages, int stable, const uint8_t **out, size_t *outlen,
		   char *err, size_t errlen);
/* The largest frame CODEC may make of RAW bytes (0: unknown codec). */
size_t mig_z_bound(uint32_t codec, size_t raw);
/* SRC (LEN bytes, exactly one frame of CODEC) into DST, exactly RAW bytes:
 * 0, or -EPROTO with WHY saying what is wrong with it (truncated, corrupt,
 * its checksum, a size other than RAW), -ENOMEM, -EOPNOTSUPP (a codec
 * this build does not read). DST is written only within RAW bytes. */
int mig_z_decompress(struct mig_z *z, uint32_t codec, const uint8_t *src, size_t len,
		     uint8_t *dst, size_t raw, char *why, size_t whylen);

/* ---- auto: compress only while that is faster than the link ---- */
/* Figures per choice (index 0: pages as they are; else the codec), each
 * the last MIG_ZAUTO_KEEP observations, of which the median is taken (a
 * batch compressed while the job was not scheduled says nothing of the
 * codec): compression from batches and samples (nanoseconds per raw byte,
 * bytes out per raw byte), and the link from batches (nanoseconds per byte
 * it carried, pacing included). */
#define MIG_ZAUTO_KEEP 5
struct mig_zring {
	double v[MIG_ZAUTO_KEEP];
	uint32_t n, next;
};
struct mig_zfig {
	struct mig_zring comp, ratio, link;
	uint32_t comp_at, link_at; /* batch numbers of the last figures (0: none) */
};
struct mig_zauto {
	enum mig_compress mode;
	uint32_t peer;	   /* the codecs the other side reads (bits) */
	uint32_t batch;	   /* batches chosen so far */
	uint32_t cur;	   /* the codec of the last batch */
	uint32_t switched; /* the batch number where CUR began */
	struct mig_zfig fig[MIG_CODEC_MAX + 1];
	/* Per codec: batches it is held back after a lost trial, and until. */
	uint32_t hold[MIG_CODEC_MAX + 1], hold_until[MIG_CODEC_MAX + 1];
};
/* A codec's compression figures are renewed by a sample (MIG_ZAUTO_SAMPLE_
 * PAGES pages spread over a batch) when older than MIG_ZAUTO_SAMPLE_EVERY
 * batches; a link figure older than MIG_ZAUTO_STALE batches is not used
 * (a codec's then takes the plain link's; the plain link's is measured
 * again by sending batches as they are: two, the first after a switch
 * being left out of the link's figures, as what the switch left in the
 * pipe is in its time). Another codec is chosen only when it is expected
 * faster by MIG_ZAUTO_MARGIN. */
#define MIG_ZAUTO_SAMPLE_EVERY 8u
#define MIG_ZAUTO_SAMPLE_PAGES 16u
#define MIG_ZAUTO_STALE 64u
#define MIG_ZAUTO_MARGIN 0.9
/* A codec that gives way within MIG_ZAUTO_TRIAL batches of its start lost
 * its trial: it is not chosen again for MIG_ZAUTO_TRIAL batches, twice as
 * many after each loss, at most MIG_ZAUTO_HOLD_MAX (its figures renewed
 * meanwhile by samples); once it held longer, it is free again. */
#define MIG_ZAUTO_TRIAL 8u
#define MIG_ZAUTO_HOLD_MAX 256u
/* The first batches go as they are and their link figures are left out:
 * they fill the pipe while the other side starts (makes its domain,
 * starts its reader), and their time says how long that took, not what
 * the link carries. */
#define MIG_ZAUTO_WARMUP 4u

/* MODE; PEER, the codecs the other side reads: 0 until it says so. */
void mig_zauto_init(struct mig_zauto *a, enum mig_compress mode, uint32_t peer);
/* The codec of the next batch (MIG_CODEC_NONE: its pages as they are). */
uint32_t mig_zauto_pick(struct mig_zauto *a);
/* The codecs a sample of the batch just picked should be compressed with
 * (bits; 0: none). */
uint32_t mig_zauto_sample_mask(const struct mig_zauto *a);
/* The batch went with CODEC: RAW bytes of pages, COMP_NS compressing them
 * into WIRE bytes, OUT_NS writing those (pacing included). */
void mig_zauto_feed(struct mig_zauto *a, uint32_t codec, uint64_t raw, uint64_t comp_ns,
		    uint64_t wire, uint64_t out_ns);
/* A sample of the batch: RAW bytes compressed by CODEC into WIRE bytes in
 * COMP_NS. */
void mig_zauto_sample(struct mig_zauto *a, uint32_t codec, uint64_t raw, uint64_t comp_ns,
		      uint64_t wire);
/* The expected nanoseconds per raw byte with CODEC (compressing, then the
 * link), or -1 when not known yet. */
double mig_zauto_cost(const struct mig_zauto *a, uint32_t codec);

/* ---- a batch onto the stream (zbatch.c) ---- */
struct mig_out;
struct mig_zsend {
	uint32_t codec;	  /* what went: CODEC, or MIG_CODEC_NONE (no smaller) */
	uint64_t comp_ns; /* compressing it took */
	uint64_t saved;	  /* bytes fewer than as PAGE_DATA */
};
/* COUNT pfn words, ND of them with data at PAGES[0..], compressed with
 * CODEC into one XCD_PAGE_DATA_Z record, or as PAGE_DATA when the frame is
 * no smaller: 0 with RES, or a negative errno with ERR. STABLE as for
 * mig_z_compress. */
int mig_zbatch_write(struct mig_z *z, struct mig_out *o, uint32_t codec, uint32_t count,
		     const uint64_t *pfns, const uint8_t *const *pages, uint32_t nd, int stable,
		     struct mig_zsend *res, char *err, size_t errlen);
/* MIG_ZAUTO_SAMPLE_PAGES of the ND pages at PAGES, spread over them,
 * compressed with each codec of MASK, their figures fed to A. */
void mig_zbatch_sample(struct mig_z *z, struct mig_zauto *a, uint32_t mask,
		       const uint8_t *const *pages, uint32_t nd);
#endif
