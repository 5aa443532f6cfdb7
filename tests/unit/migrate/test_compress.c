/* test_compress: xcd's compressed page batches (migrate/compress.c,
 * zbatch.c, writer.c, reader.c): a stream of XCD_PAGE_DATA_Z records with
 * zstd and with lz4, read back into a guest (pages placed straight and
 * through the buffer, zero pages without a payload), every refusal of a
 * compressed record naming it and its byte (an unknown codec, a corrupt or
 * truncated frame, sizes that disagree), xl's header flags; the output's
 * pages by reference into a pipe; and auto's choice against synthetic
 * figures. With MIGRATE_SEED_DIR set, the streams are written there (the
 * fuzzer's seeds, fuzz/migrate/corpus). */
#include "../../lib/cunit_run.h"
#include "../../../lib/errmsg.h"
#include "../../../migrate/migrate.h"
#include "suites.h"
#include <CUnit/CUnit.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const char config[] = "{\"c_info\":{\"name\":\"z\"}}";
#define NPAGES 16
/* Pages 0-3 text-like (compressible), 4 zero, 5 text, 6 random. */
static uint8_t mem[NPAGES * 4096];
static char err[XCD_ERR_MAX];

static void fill_mem(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	memset(mem, 0, sizeof(mem));
	for (int p = 0; p < 7; p++) {
		uint8_t *pg = mem + p * 4096;
		if (p == 4)
			continue;
		for (int i = 0; i < 4096; i += 8) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			if (p == 6)
				memcpy(pg + i, &x, 8);
			else if (i < 1024)
				snprintf((char *)pg + i, 9, "k%02x=v%03x", (unsigned)(x & 0x7f),
					 (unsigned)(x >> 60));
		}
	}
}

struct img {
	uint8_t *p;
	size_t n;
};

/* The stream of mem with CODEC: a batch of pfns 0-5 (4 zero) in one
 * record (its data one run, then 5: two runs), then 6 (random: no smaller,
 * as PAGE_DATA), one vCPU. *ZAT: where the compressed record starts. */
static struct img z_stream(uint32_t codec, size_t *zat)
{
	int fd = memfd_create("z", 0);
	struct mig_out o;
	struct mig_z *z;
	CU_ASSERT_FATAL(fd >= 0 && mig_out_init(&o, fd) == 0 && mig_z_new(&z) == 0);
	CU_ASSERT(mig_write_xl_header_flags(&o, config, sizeof(config), XL_FLAG_XCD_COMPRESSED,
					    0) == 0);
	CU_ASSERT(mig_write_libxl_header(&o) == 0);
	CU_ASSERT(mig_write_libxl_rec(&o, LIBXL_REC_LIBXC_CONTEXT, NULL, 0) == 0);
	CU_ASSERT(mig_write_libxc_headers(&o, LIBXC_DOM_XCD_SIM, 4, 17) == 0);
	CU_ASSERT(mig_write_libxc_rec(&o, LIBXC_REC_STATIC_DATA_END, NULL, 0, NULL, 0) == 0);
	*zat = o.off;
	uint64_t pfns[6] = { 0, 1, 2, 3, 4 | ((uint64_t)PFINFO_XALLOC << PFN_TYPE_SHIFT), 5 };
	const uint8_t *pages[5] = { mem, mem + 4096, mem + 2 * 4096, mem + 3 * 4096,
				    mem + 5 * 4096 };
	struct mig_zsend r;
	CU_ASSERT(mig_zbatch_write(z, &o, codec, 6, pfns, pages, 5, 1, &r, err, sizeof(err)) == 0);
	CU_ASSERT_EQUAL(r.codec, codec);
	CU_ASSERT(r.saved > 4 * 4096);
	uint64_t six = 6;
	const uint8_t *rnd = mem + 6 * 4096;
	CU_ASSERT(mig_zbatch_write(z, &o, codec, 1, &six, &rnd, 1, 0, &r, err, sizeof(err)) == 0);
	CU_ASSERT_EQUAL(r.codec, MIG_CODEC_NONE); /* random: sent as it is */
	uint32_t head[2] = { 0, 0 };
	uint8_t ctx[40];
	memset(ctx, 7, sizeof(ctx));
	CU_ASSERT(mig_write_libxc_rec(&o, LIBXC_REC_XCD_SIM_VCPU, head, 8, ctx, sizeof(ctx)) == 0);
	CU_ASSERT(mig_write_libxc_rec(&o, LIBXC_REC_END, NULL, 0, NULL, 0) == 0);
	CU_ASSERT(mig_write_libxl_rec(&o, LIBXL_REC_END, NULL, 0) == 0);
	CU_ASSERT_FATAL(mig_out_flush(&o) == 0);
	struct img im = { malloc(o.off), o.off };
	CU_ASSERT_FATAL(pread(fd, im.p, im.n, 0) == (ssize_t)im.n);
	mig_out_free(&o);
	mig_z_free(z);
	close(fd);
	return im;
}

/* The guest the direct reader fills, and the pages the buffered one saw. */
static uint8_t guest[NPAGES * 4096];
static uint8_t seen_data[NPAGES * 4096];
static uint64_t seen_pfns[NPAGES];
static uint32_t nseen;

static uint8_t *g_dst(void *c, uint64_t pfn, uint32_t n, char *e, size_t el)
{
	(void)c;
	(void)e;
	(void)el;
	return pfn + n <= NPAGES ? guest + pfn * 4096 : NULL;
}

static int g_pages(void *c, uint32_t count, const uint64_t *pfns, const uint8_t *data,
		   char *e, size_t el)
{
	(void)c;
	(void)e;
	(void)el;
	for (uint32_t i = 0; i < count && nseen < NPAGES; i++) {
		seen_pfns[nseen] = pfns[i];
		unsigned t = (unsigned)(pfns[i] >> PFN_TYPE_SHIFT);
		if (data && t == PFINFO_NOTAB) {
			memcpy(seen_data + (pfns[i] & PFN_MASK) * 4096, data, 4096);
			data += 4096;
		}
		nseen++;
	}
	return 0;
}

static int read_z(const uint8_t *p, size_t n, int direct)
{
	struct mig_in in;
	struct mig_read_opts o = { .want_type = LIBXC_DOM_XCD_SIM, .max_pfn = NPAGES - 1,
				   .max_vcpus = 1 };
	struct mig_visitor v = { .pages = g_pages, .page_dst = direct ? g_dst : NULL };
	mig_in_mem(&in, p, n);
	memset(guest, 0x11, sizeof(guest));
	memset(seen_data, 0x22, sizeof(seen_data));
	nseen = 0;
	err[0] = '\0';
	return mig_read_xl(&in, &o, &v, err, sizeof(err));
}

static void seed(const char *name, const struct img *im)
{
	const char *dir = getenv("MIGRATE_SEED_DIR");
	char path[512];
	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(im->p, 1, im->n, f);
		fclose(f);
	}
}

static void round_trip(uint32_t codec, const char *seed_name)
{
	size_t zat;
	fill_mem();
	struct img im = z_stream(codec, &zat);
	seed(seed_name, &im);
	/* Placed straight (pfns 0-3 one run), and through the buffer. */
	CU_ASSERT_EQUAL(read_z(im.p, im.n, 1), 0);
	u_str_eq(err, "", "error", __FILE__, __LINE__);
	CU_ASSERT(memcmp(guest, mem, 4 * 4096) == 0);
	CU_ASSERT(guest[4 * 4096] == 0x11); /* XALLOC: no payload, the visitor's */
	CU_ASSERT(memcmp(guest + 5 * 4096, mem + 5 * 4096, 2 * 4096) == 0);
	CU_ASSERT_EQUAL(nseen, 7);
	CU_ASSERT_EQUAL(read_z(im.p, im.n, 0), 0);
	CU_ASSERT(memcmp(seen_data, mem, 4 * 4096) == 0);
	CU_ASSERT(memcmp(seen_data + 5 * 4096, mem + 5 * 4096, 2 * 4096) == 0);
	CU_ASSERT_EQUAL(seen_pfns[4], 4 | ((uint64_t)PFINFO_XALLOC << PFN_TYPE_SHIFT));
	/* Far smaller than as PAGE_DATA (4 text pages and a random one). */
	CU_ASSERT(im.n < 76 + 24 + 40 + 8 + 6 * 4104);
	free(im.p);
}

static void test_zstd_round_trip(void)
{
	round_trip(MIG_CODEC_ZSTD, "sim-zstd");
}

static void test_lz4_round_trip(void)
{
	round_trip(MIG_CODEC_LZ4, "sim-lz4");
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

/* IM with the u32 at AT set to V (or truncated to CUT), read, refused with
 * EXPECT in its message. */
static void refuse_z(const struct img *im, size_t at, uint32_t v, size_t cut, int direct,
		     const char *expect, int line)
{
	uint8_t *p = malloc(im->n);
	memcpy(p, im->p, im->n);
	if (!cut)
		put32(p + at, v);
	int rc = read_z(p, cut ? cut : im->n, direct);
	if (rc >= 0 || !strstr(err, expect))
		fprintf(stderr, "\n  line %d: rc %d, \"%s\", expected \"%s\"\n", line, rc, err,
			expect);
	CU_ASSERT(rc < 0 && strstr(err, expect));
	free(p);
}
#define REFUSE_Z(at, v, expect) refuse_z(&im, at, v, 0, 1, expect, __LINE__)

static void refusals(uint32_t codec)
{
	size_t zat;
	char b[160];
	fill_mem();
	struct img im = z_stream(codec, &zat);
	const char *name = codec == MIG_CODEC_ZSTD ? "zstd" : "lz4";
	uint32_t len;
	memcpy(&len, im.p + zat + 4, 4);
	len = le32toh(len);
	size_t frame = zat + 8 + XCD_PAGE_Z_HEAD + 6 * 8, flen = len - XCD_PAGE_Z_HEAD - 6 * 8;
	snprintf(b, sizeof(b), "record XCD_PAGE_DATA_Z at byte %zu: compressed with codec 3, "
		 "which this xcd does not read", zat);
	REFUSE_Z(zat + 12, 3, b);
	snprintf(b, sizeof(b), "record XCD_PAGE_DATA_Z at byte %zu: count 0 (1 to 4096 allowed)",
		 zat);
	REFUSE_Z(zat + 8, 0, b);
	REFUSE_Z(zat + 20, 1, "reserved word 0x1, not 0");
	REFUSE_Z(zat + 16, 7 * 4096, "28672 bytes of pages for 6 pfns");
	REFUSE_Z(zat + 16, 4 * 4096, "16384 bytes of pages, its pfns have 5 pages with data");
	snprintf(b, sizeof(b), "record XCD_PAGE_DATA_Z at byte %zu: pfn 16 beyond the guest's "
		 "last, 15", zat);
	REFUSE_Z(zat + 24 + 8 * 2, 16, b);
	snprintf(b, sizeof(b), "a %s frame of 20480 bytes of pages (at most %zu)", name,
		 mig_z_bound(codec, 20480));
	REFUSE_Z(zat + 4, (uint32_t)(XCD_PAGE_Z_HEAD + 48 + mig_z_bound(codec, 20480) + 1), b);
	/* The frame truncated where the stream ends; its bytes corrupt. */
	snprintf(b, sizeof(b), "record XCD_PAGE_DATA_Z at byte %zu: its frame at byte %zu: the "
		 "stream ends (truncated)", zat, frame);
	refuse_z(&im, 0, 0, frame + flen / 2, 1, b, __LINE__);
	snprintf(b, sizeof(b), "record XCD_PAGE_DATA_Z at byte %zu: its %s frame is corrupt", zat,
		 name);
	uint32_t mid;
	memcpy(&mid, im.p + frame + flen - 12, 4);
	refuse_z(&im, frame + flen - 12, mid ^ 0x01010101u, 0, 1, b, __LINE__);
	refuse_z(&im, frame + flen - 12, mid ^ 0x01010101u, 0, 0, b, __LINE__);
	free(im.p);
}

static void test_refusals_zstd(void)
{
	refusals(MIG_CODEC_ZSTD);
}

static void test_refusals_lz4(void)
{
	refusals(MIG_CODEC_LZ4);
}

/* A record's frame that holds other pages than it says: decompressed size
 * and checksum checked, each codec naming what it found. */
static void test_frame_sizes(void)
{
	struct mig_z *z;
	const uint8_t *out;
	size_t olen;
	char why[200];
	uint8_t dst[2 * 4096];
	const uint8_t *pages[2] = { mem, mem + 4096 };
	fill_mem();
	CU_ASSERT_FATAL(mig_z_new(&z) == 0);
	for (uint32_t c = 1; c <= MIG_CODEC_MAX; c++) {
		CU_ASSERT_FATAL(mig_z_compress(z, c, pages, 1, 1, &out, &olen, err, sizeof(err)) == 0);
		uint8_t *f = malloc(olen);
		memcpy(f, out, olen);
		CU_ASSERT_EQUAL(mig_z_decompress(z, c, f, olen, dst, 4096, why, sizeof(why)), 0);
		CU_ASSERT(memcmp(dst, mem, 4096) == 0);
		CU_ASSERT_EQUAL(mig_z_decompress(z, c, f, olen, dst, 8192, why, sizeof(why)),
				-EPROTO);
		CU_ASSERT(strstr(why, "of 4096 bytes") && strstr(why, "the record says 8192"));
		CU_ASSERT_EQUAL(mig_z_decompress(z, c, f, olen - 1, dst, 4096, why, sizeof(why)),
				-EPROTO);
		CU_ASSERT_EQUAL(mig_z_decompress(z, c, f, 3, dst, 4096, why, sizeof(why)), -EPROTO);
		free(f);
	}
	CU_ASSERT_EQUAL(mig_z_decompress(z, 9, mem, 100, dst, 4096, why, sizeof(why)),
			-EOPNOTSUPP);
	u_str_eq(why, "compressed with codec 9, which this xcd does not read", "why", __FILE__,
		 __LINE__);
	/* Random bytes: no frame smaller than the page. */
	CU_ASSERT_EQUAL(mig_z_compress(z, MIG_CODEC_LZ4, (const uint8_t *const[]){ mem + 6 * 4096 },
				       1, 1, &out, &olen, err, sizeof(err)), -E2BIG);
	mig_z_free(z);
}

/* A running guest's pages change while they are compressed: the frame is
 * made of a copy, and decodes whole, its checksum right (with the pages
 * read in place, a compressor's second look at them saw other bytes: lz4's
 * content checksum refused such frames in a migration of sim:dirty). */
static volatile int writing;
static uint8_t live[64 * 4096];

static void *scribble(void *arg)
{
	uint64_t x = 1;
	(void)arg;
	while (writing)
		for (size_t i = 0; i < sizeof(live) && writing; i += 64) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			live[i + (x >> 58)] = (uint8_t)(x >> 33) & 0x0f;
		}
	return NULL;
}

static void test_live_pages(void)
{
	struct mig_z *z;
	const uint8_t *pages[64], *out;
	size_t olen;
	char why[200];
	static uint8_t dst[sizeof(live)];
	pthread_t t;
	for (int i = 0; i < 64; i++)
		pages[i] = live + i * 4096;
	CU_ASSERT_FATAL(mig_z_new(&z) == 0);
	writing = 1;
	CU_ASSERT_FATAL(pthread_create(&t, NULL, scribble, NULL) == 0);
	int bad = 0;
	for (int n = 0; n < 200; n++) {
		uint32_t c = n % 2 ? MIG_CODEC_LZ4 : MIG_CODEC_ZSTD;
		int rc = mig_z_compress(z, c, pages, 64, 0, &out, &olen, err, sizeof(err));
		if (rc == 0 &&
		    mig_z_decompress(z, c, out, olen, dst, sizeof(dst), why, sizeof(why)) < 0) {
			if (!bad++)
				fprintf(stderr, "\n  %s\n", why);
		}
	}
	writing = 0;
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(bad, 0);
	mig_z_free(z);
}

/* xl's header: xcd's mandatory flag (a compressed file) and optional one
 * (the sender asks) are read; others are not. */
static void test_header_flags(void)
{
	size_t zat;
	fill_mem();
	struct img im = z_stream(MIG_CODEC_ZSTD, &zat);
	CU_ASSERT_EQUAL(read_z(im.p, im.n, 1), 0);
	put32(im.p + 40, XL_OPTFLAG_XCD_ASKS);
	CU_ASSERT_EQUAL(read_z(im.p, im.n, 1), 0);
	put32(im.p + 40, XL_OPTFLAG_XCD_ASKS | 2);
	CU_ASSERT_EQUAL(read_z(im.p, im.n, 1), -EPROTO);
	u_str_eq(err, "xl header at byte 40: unknown optional flags 0x2", "error", __FILE__,
		 __LINE__);
	put32(im.p + 40, 0);
	put32(im.p + 36, XL_FLAG_XCD_COMPRESSED | XL_FLAG_STREAMV2 | XL_FLAG_JSON | (1u << 30));
	CU_ASSERT_EQUAL(read_z(im.p, im.n, 1), -EPROTO);
	u_str_eq(err, "xl header at byte 36: unknown mandatory flags 0x40000000", "error",
		 __FILE__, __LINE__);
	free(im.p);
}

/* Pages by reference into a pipe, read back whole; into a file, as any
 * write (the file said so). */
static void test_splice(void)
{
	int p[2];
	struct mig_out o;
	static uint8_t big[128 << 10], back[128 << 10];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 1);
	CU_ASSERT_FATAL(pipe(p) == 0 && mig_out_init(&o, p[1]) == 0);
	CU_ASSERT_FATAL(fcntl(p[1], F_SETPIPE_SZ, 1 << 20) >= (1 << 20)); /* no reader yet */
	CU_ASSERT(mig_out_write(&o, "head", 4) == 0);
	CU_ASSERT(mig_out_write_pages(&o, big, 64 << 10) == 0);
	CU_ASSERT_EQUAL(o.splice, 1);
	CU_ASSERT_EQUAL(o.off, 4 + (64 << 10));
	size_t got = 0;
	while (got < 4 + (64 << 10)) {
		ssize_t r = read(p[0], back + got, sizeof(back) - got);
		CU_ASSERT_FATAL(r > 0);
		got += (size_t)r;
	}
	CU_ASSERT(memcmp(back, "head", 4) == 0 && memcmp(back + 4, big, 64 << 10) == 0);
	mig_out_free(&o);
	close(p[0]);
	close(p[1]);
	int fd = memfd_create("f", 0);
	CU_ASSERT_FATAL(fd >= 0 && mig_out_init(&o, fd) == 0);
	CU_ASSERT(mig_out_write_pages(&o, big, sizeof(big)) == 0);
	CU_ASSERT_EQUAL(o.splice, 0);
	CU_ASSERT(mig_out_flush(&o) == 0);
	CU_ASSERT(pread(fd, back, sizeof(back), 0) == (ssize_t)sizeof(back));
	CU_ASSERT(memcmp(back, big, sizeof(big)) == 0);
	mig_out_free(&o);
	close(fd);
}

/* ---- auto, against synthetic figures ---- */
#define MB (4u << 20) /* a batch's raw bytes */

/* N batches as A picks them, the link taking LINK_NS per byte it carries,
 * each codec compressing at COMP_NS[c] per raw byte into RATIO[c]. */
static void drive(struct mig_zauto *a, unsigned n, double link_ns, const double comp_ns[3],
		  const double ratio[3], unsigned picked[3])
{
	for (unsigned i = 0; i < n; i++) {
		uint32_t c = mig_zauto_pick(a);
		picked[c]++;
		uint32_t mask = mig_zauto_sample_mask(a);
		for (uint32_t s = 1; s <= MIG_CODEC_MAX; s++)
			if (mask & MIG_CODEC_BIT(s))
				mig_zauto_sample(a, s, 65536, (uint64_t)(comp_ns[s] * 65536),
						 (uint64_t)(ratio[s] * 65536));
		uint64_t wire = c ? (uint64_t)(ratio[c] * MB) : MB;
		mig_zauto_feed(a, c, MB, c ? (uint64_t)(comp_ns[c] * MB) : 0, wire,
			       (uint64_t)(link_ns * (double)wire));
	}
}

static void test_auto(void)
{
	struct mig_zauto a;
	const double comp[3] = { 0, 1.0, 2.0 }, ratio[3] = { 1, 0.08, 0.1 };
	unsigned k[3] = { 0 };
	/* Off, or nobody said what it reads: never. */
	mig_zauto_init(&a, MIG_COMPRESS_OFF, MIG_CODECS_BUILT);
	drive(&a, 20, 10, comp, ratio, k);
	CU_ASSERT_EQUAL(k[0], 20);
	mig_zauto_init(&a, MIG_COMPRESS_AUTO, 0);
	drive(&a, 20, 10, comp, ratio, k);
	CU_ASSERT(k[0] == 40 && k[1] == 0 && k[2] == 0);
	/* A codec named: when the other side reads it. */
	mig_zauto_init(&a, MIG_COMPRESS_LZ4, MIG_CODEC_BIT(MIG_CODEC_ZSTD));
	CU_ASSERT_EQUAL(mig_zauto_pick(&a), MIG_CODEC_NONE);
	a.peer = MIG_CODECS_BUILT;
	CU_ASSERT_EQUAL(mig_zauto_pick(&a), MIG_CODEC_LZ4);
	CU_ASSERT_EQUAL(mig_zauto_sample_mask(&a), 0);
	/* Auto over a link of 1 ns a byte (1 GB/s): zstd at 1 ns a byte would
	 * take 1.08: not compressed. */
	memset(k, 0, sizeof(k));
	mig_zauto_init(&a, MIG_COMPRESS_AUTO, MIG_CODECS_BUILT);
	drive(&a, 100, 1, comp, ratio, k);
	CU_ASSERT(k[0] == 100);
	CU_ASSERT(mig_zauto_cost(&a, MIG_CODEC_NONE) > 0.99 &&
		  mig_zauto_cost(&a, MIG_CODEC_NONE) < 1.01);
	CU_ASSERT(mig_zauto_cost(&a, MIG_CODEC_ZSTD) > 1.07 &&
		  mig_zauto_cost(&a, MIG_CODEC_ZSTD) < 1.09);
	/* The link slows to 10 ns a byte (100 MB/s): zstd (1.8) beats lz4 (3)
	 * and the link (10); chosen from the next batch on. */
	memset(k, 0, sizeof(k));
	drive(&a, 100, 10, comp, ratio, k);
	CU_ASSERT(k[1] > 90 && k[2] == 0);
	CU_ASSERT_EQUAL(a.cur, MIG_CODEC_ZSTD);
	/* Compressing for long: the plain link measured again (2 batches) once
	 * its figure is MIG_ZAUTO_STALE batches old. */
	CU_ASSERT(k[0] >= 2 && k[0] <= 6);
	/* The memory turns incompressible, and slower to compress: zstd now
	 * costs 2 + 10 a byte, more than the link alone by over the margin:
	 * back to pages as they are. */
	const double none[3] = { 0, 2.0, 3.0 }, one[3] = { 1, 1.0, 1.0 };
	memset(k, 0, sizeof(k));
	drive(&a, 20, 10, none, one, k);
	CU_ASSERT_EQUAL(a.cur, MIG_CODEC_NONE);
	CU_ASSERT(k[0] >= 15);
	/* Samples: each codec the other side reads, every few batches, not the
	 * one in use. */
	mig_zauto_init(&a, MIG_COMPRESS_AUTO, MIG_CODECS_BUILT);
	mig_zauto_pick(&a);
	CU_ASSERT_EQUAL(mig_zauto_sample_mask(&a), MIG_CODECS_BUILT);
	mig_zauto_sample(&a, MIG_CODEC_ZSTD, 65536, 65536, 6000);
	mig_zauto_sample(&a, MIG_CODEC_LZ4, 65536, 65536, 6000);
	mig_zauto_pick(&a);
	CU_ASSERT_EQUAL(mig_zauto_sample_mask(&a), 0);
	for (unsigned i = 0; i < MIG_ZAUTO_SAMPLE_EVERY; i++)
		mig_zauto_pick(&a);
	CU_ASSERT_EQUAL(mig_zauto_sample_mask(&a), MIG_CODECS_BUILT);
}

/* Samples that promise more than the codec's batches keep: each trial
 * lost holds the codec back twice as long as the last (8, 16, 32...), so
 * that it is tried a few times in a long migration, not every few batches;
 * a codec that then wins for long is free again. */
static void test_auto_hold(void)
{
	struct mig_zauto a;
	unsigned trials = 0, zbatches = 0;
	uint32_t last = MIG_CODEC_NONE;
	mig_zauto_init(&a, MIG_COMPRESS_AUTO, MIG_CODEC_BIT(MIG_CODEC_ZSTD));
	for (unsigned i = 0; i < 400; i++) {
		uint32_t c = mig_zauto_pick(&a);
		trials += c && !last;
		zbatches += c != 0;
		last = c;
		if (mig_zauto_sample_mask(&a))
			mig_zauto_sample(&a, MIG_CODEC_ZSTD, 65536, 65536 / 4, 6554); /* 0.25 + 0.1 */
		if (c)
			mig_zauto_feed(&a, c, MB, 3 * (uint64_t)MB, MB / 10, MB / 10); /* 3.1 */
		else
			mig_zauto_feed(&a, c, MB, 0, MB, MB); /* 1 ns a byte */
	}
	CU_ASSERT(trials >= 3 && trials <= 7);
	CU_ASSERT(zbatches < 40);
	CU_ASSERT(a.hold[MIG_CODEC_ZSTD] >= 32);
	/* It wins for long: free again. */
	a.hold_until[MIG_CODEC_ZSTD] = 0;
	for (unsigned i = 0; i < 3 * MIG_ZAUTO_TRIAL; i++) {
		uint32_t c = mig_zauto_pick(&a);
		mig_zauto_sample(&a, MIG_CODEC_ZSTD, 65536, 65536 / 4, 6554);
		mig_zauto_feed(&a, c, MB, c ? MB / 4 : 0, c ? MB / 10 : MB, c ? MB / 10 : 10 * MB);
	}
	CU_ASSERT_EQUAL(a.cur, MIG_CODEC_ZSTD);
	mig_zauto_feed(&a, MIG_CODEC_ZSTD, MB, 20 * (uint64_t)MB, MB, MB);
	for (unsigned i = 0; i < 4 && a.cur; i++) {
		mig_zauto_pick(&a);
		mig_zauto_feed(&a, a.cur, MB, 20 * (uint64_t)MB, MB, MB);
	}
	CU_ASSERT_EQUAL(a.hold[MIG_CODEC_ZSTD], 0);
}

static void test_names(void)
{
	enum mig_compress c;
	char b[24];
	CU_ASSERT(mig_compress_parse("auto", &c) == 0 && c == MIG_COMPRESS_AUTO);
	CU_ASSERT(mig_compress_parse("lz4", &c) == 0 && c == MIG_COMPRESS_LZ4);
	CU_ASSERT(mig_compress_parse("zstd", &c) == 0 && c == MIG_COMPRESS_ZSTD);
	CU_ASSERT(mig_compress_parse("off", &c) == 0 && c == MIG_COMPRESS_OFF);
	CU_ASSERT_EQUAL(mig_compress_parse("gzip", &c), -EINVAL);
	u_str_eq(mig_codec_name(MIG_CODEC_LZ4, b), "lz4", "name", __FILE__, __LINE__);
	u_str_eq(mig_codec_name(0xffffffffu, b), "codec 4294967295", "name", __FILE__, __LINE__);
}

void register_compress(void)
{
	CU_pSuite s = CU_add_suite("compressed page batches", NULL, NULL);
	CU_add_test(s, "zstd: written and read, placed and buffered", test_zstd_round_trip);
	CU_add_test(s, "lz4: written and read, placed and buffered", test_lz4_round_trip);
	CU_add_test(s, "zstd: every refusal names the record and the byte", test_refusals_zstd);
	CU_add_test(s, "lz4: every refusal names the record and the byte", test_refusals_lz4);
	CU_add_test(s, "frames of other sizes, cut, of no codec", test_frame_sizes);
	CU_add_test(s, "pages written while compressed: a frame of a copy", test_live_pages);
	CU_add_test(s, "xl's header: xcd's flags", test_header_flags);
	CU_add_test(s, "pages by reference into a pipe, else written", test_splice);
	CU_add_test(s, "auto against synthetic figures", test_auto);
	CU_add_test(s, "auto: a lost trial holds a codec back, longer each time", test_auto_hold);
	CU_add_test(s, "--compress names", test_names);
}
