/* migrate-unit: the stream writer and reader (migrate/writer.c, reader.c):
 * round trips of a simulated guest's stream and of a PVH-shaped stream as
 * Xen 4.17 writes it, and every refusal of the reader, each naming the
 * record and the byte. With MIGRATE_SEED_DIR set, the streams built here
 * are written there (the fuzzer's seeds, fuzz/migrate/corpus). */
#include "../../lib/cunit_run.h"
#include "../../../lib/errmsg.h"
#include "../../../migrate/migrate.h"
#include "suites.h"
#include <CUnit/CUnit.h>
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* A stream written through a pipe-less fd: a memfd read back whole. */
struct img {
	uint8_t *p;
	size_t n;
};

static struct mig_out out;
static int out_fd;

static void begin(void)
{
	out_fd = memfd_create("mig", 0);
	CU_ASSERT_FATAL(out_fd >= 0);
	CU_ASSERT_FATAL(mig_out_init(&out, out_fd) == 0);
}

static struct img finish(void)
{
	struct img im;
	CU_ASSERT_FATAL(mig_out_flush(&out) == 0);
	im.n = (size_t)lseek(out_fd, 0, SEEK_END);
	im.p = malloc(im.n);
	CU_ASSERT_FATAL(pread(out_fd, im.p, im.n, 0) == (ssize_t)im.n);
	mig_out_free(&out);
	close(out_fd);
	return im;
}

static const char config[] = "{\"c_info\":{\"name\":\"g\"}}";
static uint8_t page_a[4096], page_b[4096];

/* A simulated guest's stream: 3 pages (pfn 1 zero), 2 vCPUs. */
static struct img sim_stream(void)
{
	begin();
	memset(page_a, 0xa5, sizeof(page_a));
	memset(page_b, 0x5a, sizeof(page_b));
	CU_ASSERT(mig_write_xl_header(&out, config, sizeof(config)) == 0);
	CU_ASSERT(mig_write_libxl_header(&out) == 0);
	CU_ASSERT(mig_write_libxl_rec(&out, LIBXL_REC_LIBXC_CONTEXT, NULL, 0) == 0);
	CU_ASSERT(mig_write_libxc_headers(&out, LIBXC_DOM_XCD_SIM, 4, 17) == 0);
	CU_ASSERT(mig_write_libxc_rec(&out, LIBXC_REC_STATIC_DATA_END, NULL, 0, NULL, 0) == 0);
	uint64_t pfns[3] = { 0, 1 | ((uint64_t)PFINFO_XALLOC << PFN_TYPE_SHIFT), 2 };
	uint8_t data[8192];
	memcpy(data, page_a, 4096);
	memcpy(data + 4096, page_b, 4096);
	CU_ASSERT(mig_write_page_data(&out, 3, pfns, data) == 0);
	for (uint32_t v = 0; v < 2; v++) {
		uint32_t head[2] = { htole32(v), 0 };
		uint8_t ctx[60];
		memset(ctx, (int)v + 1, sizeof(ctx));
		CU_ASSERT(mig_write_libxc_rec(&out, LIBXC_REC_XCD_SIM_VCPU, head, 8, ctx,
					      sizeof(ctx)) == 0);
	}
	CU_ASSERT(mig_write_libxc_rec(&out, LIBXC_REC_END, NULL, 0, NULL, 0) == 0);
	CU_ASSERT(mig_write_libxl_rec(&out, LIBXL_REC_END, NULL, 0) == 0);
	return finish();
}

/* A PVH guest's stream as Xen 4.17's libxc writes one (HVM type): policies,
 * STATIC_DATA_END, memory, TSC info, HVM context, HVM params, END (the
 * params after the context: x86_hvm_end_of_checkpoint's order, not the
 * specification's). */
static struct img pvh_stream(void)
{
	begin();
	CU_ASSERT(mig_write_xl_header(&out, config, sizeof(config)) == 0);
	CU_ASSERT(mig_write_libxl_header(&out) == 0);
	CU_ASSERT(mig_write_libxl_rec(&out, LIBXL_REC_LIBXC_CONTEXT, NULL, 0) == 0);
	CU_ASSERT(mig_write_libxc_headers(&out, LIBXC_DOM_X86_HVM, 4, 17) == 0);
	uint8_t leaves[2 * X86_CPUID_LEAF_LEN] = { 0 }, msrs[X86_MSR_ENTRY_LEN] = { 0 };
	CU_ASSERT(mig_write_libxc_rec(&out, LIBXC_REC_X86_CPUID_POLICY, NULL, 0, leaves,
				      sizeof(leaves)) == 0);
	CU_ASSERT(mig_write_libxc_rec(&out, LIBXC_REC_X86_MSR_POLICY, NULL, 0, msrs,
				      sizeof(msrs)) == 0);
	CU_ASSERT(mig_write_libxc_rec(&out, LIBXC_REC_STATIC_DATA_END, NULL, 0, NULL, 0) == 0);
	uint64_t pfns[1] = { 7 };
	CU_ASSERT(mig_write_page_data(&out, 1, pfns, page_a) == 0);
	uint8_t tsc[X86_TSC_INFO_LEN] = { 0 };
	CU_ASSERT(mig_write_libxc_rec(&out, LIBXC_REC_X86_TSC_INFO, NULL, 0, tsc, sizeof(tsc)) == 0);
	uint8_t ctx[100] = { 1 };
	CU_ASSERT(mig_write_libxc_rec(&out, LIBXC_REC_HVM_CONTEXT, NULL, 0, ctx, sizeof(ctx)) == 0);
	/* count 2 in the first u32, then (index, value) pairs */
	uint64_t params[5] = { htole64(2), htole64(1), htole64(0xaa), htole64(2), htole64(0xbb) };
	CU_ASSERT(mig_write_libxc_rec(&out, LIBXC_REC_HVM_PARAMS, NULL, 0, params,
				      sizeof(params)) == 0);
	CU_ASSERT(mig_write_libxc_rec(&out, LIBXC_REC_END, NULL, 0, NULL, 0) == 0);
	CU_ASSERT(mig_write_libxl_rec(&out, LIBXL_REC_END, NULL, 0) == 0);
	return finish();
}

struct seen {
	char config[64];
	uint32_t type, npages, ndata, nvcpu, records[32];
	uint64_t pfns[8];
	int data_ok;
	/* at the end of the static data: how many, and what was seen before */
	uint32_t static_ends, cpuid_before, pages_before;
};

static int v_config(void *c, const char *json, uint32_t len, char *e, size_t el)
{
	snprintf(((struct seen *)c)->config, 64, "%s", json);
	return 0;
}
static int v_domain(void *c, const struct mig_domain *d, char *e, size_t el)
{
	((struct seen *)c)->type = d->type;
	return 0;
}
static int v_pages(void *c, uint32_t count, const uint64_t *pfns, const uint8_t *data, char *e,
		   size_t el)
{
	struct seen *s = c;
	for (uint32_t i = 0; i < count && s->npages < 8; i++)
		s->pfns[s->npages++] = pfns[i];
	s->data_ok = memcmp(data, page_a, 4096) == 0;
	return 0;
}
static int v_record(void *c, int libxl, uint32_t type, const uint8_t *b, uint32_t len, char *e,
		    size_t el)
{
	struct seen *s = c;
	if (!libxl && type < 32)
		s->records[type]++;
	if (!libxl && type == LIBXC_REC_XCD_SIM_VCPU)
		s->nvcpu++;
	return 0;
}

static int v_static_end(void *c, char *e, size_t el)
{
	struct seen *s = c;
	s->static_ends++;
	s->cpuid_before = s->records[LIBXC_REC_X86_CPUID_POLICY];
	s->pages_before = s->npages;
	return 0;
}

static char err[XCD_ERR_MAX];

static int read_img(const struct img *im, uint32_t want, struct seen *s)
{
	struct mig_in in;
	mig_in_mem(&in, im->p, im->n);
	struct mig_read_opts o = { .want_type = want, .max_pfn = 15, .max_vcpus = 2 };
	struct mig_visitor v = { s, v_config, v_domain, v_pages, v_record, NULL, v_static_end };
	memset(s, 0, sizeof(*s));
	err[0] = '\0';
	return mig_read_xl(&in, &o, &v, err, sizeof(err));
}

static void seed(const char *name, const struct img *im)
{
	const char *dir = getenv("MIGRATE_SEED_DIR");
	if (!dir)
		return;
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(im->p, 1, im->n, f);
		fclose(f);
	}
}

static void test_sim_round_trip(void)
{
	struct img im = sim_stream();
	struct seen s;
	seed("sim", &im);
	CU_ASSERT_EQUAL(read_img(&im, LIBXC_DOM_XCD_SIM, &s), 0);
	u_str_eq(err, "", "error", __FILE__, __LINE__);
	u_str_eq(s.config, config, "config", __FILE__, __LINE__);
	CU_ASSERT_EQUAL(s.type, LIBXC_DOM_XCD_SIM);
	CU_ASSERT_EQUAL(s.npages, 3);
	CU_ASSERT_EQUAL(s.pfns[1], 1 | ((uint64_t)PFINFO_XALLOC << PFN_TYPE_SHIFT));
	CU_ASSERT(s.data_ok);
	CU_ASSERT_EQUAL(s.nvcpu, 2);
	/* 48 + 4 + 24 config, 16 + 8, 24 + 16, 8, PAGE_DATA 8 + 8 + 24 + 8192,
	 * 2 x (8 + 8 + 60 + 4 pad), 8, 8 */
	CU_ASSERT_EQUAL(im.n, 76 + 24 + 40 + 8 + 8232 + 160 + 16);
	free(im.p);
}

/* The reader's direct mode (page_dst): pages read straight into place. */
static uint8_t guest[16 * 4096];
static int direct_pages_seen;
static uint8_t *d_dst(void *c, uint64_t pfn, uint32_t n, char *e, size_t el)
{
	(void)c;
	if (pfn + n > 16) {
		snprintf(e, el, "no room for pfn %llu", (unsigned long long)pfn);
		return NULL;
	}
	return guest + pfn * 4096;
}
static int d_pages(void *c, uint32_t count, const uint64_t *pfns, const uint8_t *data, char *e,
		   size_t el)
{
	(void)c;
	(void)pfns;
	(void)e;
	(void)el;
	direct_pages_seen += data == NULL ? (int)count : -1000;
	return 0;
}

static int read_direct(const uint8_t *p, size_t n)
{
	struct mig_in in;
	mig_in_mem(&in, p, n);
	struct mig_read_opts o = { .want_type = LIBXC_DOM_XCD_SIM, .max_pfn = 15, .max_vcpus = 2 };
	struct mig_visitor v = { NULL, NULL, NULL, d_pages, NULL, d_dst, NULL };
	memset(guest, 0x11, sizeof(guest));
	direct_pages_seen = 0;
	err[0] = '\0';
	return mig_read_xl(&in, &o, &v, err, sizeof(err));
}

static void test_direct_pages(void)
{
	struct img im = sim_stream();
	uint8_t untouched[4096];
	memset(untouched, 0x11, sizeof(untouched));
	CU_ASSERT_EQUAL(read_direct(im.p, im.n), 0);
	u_str_eq(err, "", "error", __FILE__, __LINE__);
	CU_ASSERT_EQUAL(direct_pages_seen, 3);
	CU_ASSERT(memcmp(guest, page_a, 4096) == 0);
	CU_ASSERT(memcmp(guest + 4096, untouched, 4096) == 0); /* XALLOC: the visitor's */
	CU_ASSERT(memcmp(guest + 2 * 4096, page_b, 4096) == 0);
	/* PAGE_DATA at 148 (76 + 24 + 40 + 8): the same refusals as buffered. */
	uint8_t *bad = malloc(im.n);
	memcpy(bad, im.p, im.n);
	memset(bad + 148 + 8, 0, 4);
	CU_ASSERT_EQUAL(read_direct(bad, im.n), -EPROTO);
	u_str_eq(err, "record PAGE_DATA at byte 148: count 0 (1 to 4096 allowed)", "error",
		 __FILE__, __LINE__);
	memcpy(bad, im.p, im.n);
	bad[148 + 16 + 16] = 16; /* pfn 2 becomes 16: beyond the last, 15 */
	CU_ASSERT_EQUAL(read_direct(bad, im.n), -EPROTO);
	u_str_eq(err, "record PAGE_DATA at byte 148: pfn 16 beyond the guest's last, 15", "error",
		 __FILE__, __LINE__);
	memset(guest, 0x11, sizeof(guest));
	CU_ASSERT(memcmp(guest, untouched, 4096) == 0); /* refused before a page was written */
	CU_ASSERT_EQUAL(read_direct(im.p, 148 + 8 + 8 + 24 + 4096 + 100), -EPROTO);
	u_str_eq(err, "record PAGE_DATA at byte 148: its pages at byte 4284: the stream ends "
		 "(truncated)", "error", __FILE__, __LINE__);
	free(bad);
	free(im.p);
}

static void test_pvh_round_trip(void)
{
	struct img im = pvh_stream();
	struct seen s;
	seed("pvh", &im);
	CU_ASSERT_EQUAL(read_img(&im, LIBXC_DOM_X86_HVM, &s), 0);
	u_str_eq(err, "", "error", __FILE__, __LINE__);
	CU_ASSERT_EQUAL(s.type, LIBXC_DOM_X86_HVM);
	CU_ASSERT_EQUAL(s.npages, 1);
	CU_ASSERT(s.data_ok);
	CU_ASSERT_EQUAL(s.records[LIBXC_REC_X86_CPUID_POLICY], 1);
	CU_ASSERT_EQUAL(s.records[LIBXC_REC_X86_MSR_POLICY], 1);
	CU_ASSERT_EQUAL(s.records[LIBXC_REC_X86_TSC_INFO], 1);
	CU_ASSERT_EQUAL(s.records[LIBXC_REC_HVM_PARAMS], 1);
	CU_ASSERT_EQUAL(s.records[LIBXC_REC_HVM_CONTEXT], 1);
	/* told once, after the policies, before the memory: a restore sets
	 * the CPU policy there, and refuses a host that lacks it early */
	CU_ASSERT_EQUAL(s.static_ends, 1);
	CU_ASSERT(s.cpuid_before == 1 && s.pages_before == 0);
	/* the same stream is refused by a simulated guest's restore */
	CU_ASSERT_EQUAL(read_img(&im, LIBXC_DOM_XCD_SIM, &s), -EPROTO);
	CU_ASSERT(strstr(err, "a guest of type 0x2") != NULL);
	/* HVM_PARAMS miscounted: 1 said, 2 there */
	size_t hp = 48 + 4 + sizeof(config) + 24 + 40 + (8 + 48) + (8 + 16) + 8 +
		    (8 + 16 + 4096) + (8 + 24) + (8 + 104);
	im.p[hp + 8] = 1;
	CU_ASSERT_EQUAL(read_img(&im, 0, &s), -EPROTO);
	CU_ASSERT(strstr(err, "record HVM_PARAMS at byte") && strstr(err, "1 parameters in 40 bytes"));
	im.p[hp + 8] = 2;
	im.p[hp + 16] = HVM_NR_PARAMS;
	CU_ASSERT_EQUAL(read_img(&im, 0, &s), -EPROTO);
	CU_ASSERT(strstr(err, "parameter index 39") != NULL);
	free(im.p);
}

/* ---- refusals: a good sim stream, one thing changed ---- */
static struct img base;
static size_t off_libxl, off_libxc, off_dhdr, off_sde, off_pd;

static void offsets(void)
{
	off_libxl = 48 + 4 + sizeof(config);
	off_libxc = off_libxl + 16 + 8;
	off_dhdr = off_libxc + 24;
	off_sde = off_dhdr + 16;
	off_pd = off_sde + 8;
}

static void refuse(size_t at, const void *bytes, size_t n, size_t cut, uint32_t want,
		   const char *expect, int line)
{
	struct img im = { malloc(base.n), cut ? cut : base.n };
	memcpy(im.p, base.p, base.n);
	if (bytes)
		memcpy(im.p + at, bytes, n);
	struct seen s;
	int rc = read_img(&im, want, &s);
	if (rc >= 0 || !strstr(err, expect))
		fprintf(stderr, "\n  line %d: rc %d, \"%s\", expected \"%s\"\n", line, rc, err,
			expect);
	CU_ASSERT(rc < 0 && strstr(err, expect));
	free(im.p);
}
#define REFUSE(at, lit, want, expect) \
	refuse(at, lit, sizeof(lit) - 1, 0, want, expect, __LINE__)
#define CUT(cut, expect) refuse(0, NULL, 0, cut, 0, expect, __LINE__)
#define SIM LIBXC_DOM_XCD_SIM

static void test_refusals(void)
{
	char b[64];
	base = sim_stream();
	offsets();
	/* xl's header */
	REFUSE(0, "Xen saved domain, XL format", 0, "at byte 0: not an xl save file");
	REFUSE(32, "\x01\x02\x03\x04", 0, "at byte 32: byte order word 0x4030201");
	REFUSE(36, "\x07\x00\x00\x00", 0, "at byte 36: unknown mandatory flags 0x4");
	REFUSE(36, "\x01\x00\x00\x00", 0, "legacy (pre-4.6) stream");
	REFUSE(40, "\x01\x00\x00\x00", 0, "at byte 40: unknown optional flags");
	REFUSE(44, "\x00\x00\x20\x00", 0, "at byte 44: optional data of 2097152 bytes");
	REFUSE(48, "\x05\x00\x00\x00", 0, "at byte 48: 5 bytes, the optional data holds 24");
	REFUSE(48 + 4 + sizeof(config) - 1, "x", 0, "not one NUL-terminated text");
	/* libxl */
	REFUSE(off_libxl, "LibxlFmx", 0, "libxl header at byte 76: not a libxl stream");
	REFUSE(off_libxl + 8, "\x00\x00\x00\x03", 0, "libxl header at byte 76: version 3");
	REFUSE(off_libxl + 12, "\x00\x00\x00\x01", 0, "big-endian");
	REFUSE(off_libxl + 12, "\x00\x00\x00\x02", 0, "legacy stream");
	REFUSE(off_libxl + 12, "\x00\x00\x00\x08", 0, "unknown options 0x8");
	REFUSE(off_libxl + 16, "\x09\x00\x00\x00", 0, "libxl record 0x9 at byte 92: an unknown mandatory");
	REFUSE(off_libxl + 16, "\x04\x00\x00\x00", 0, "CHECKPOINT_END at byte 92: a checkpointed");
	REFUSE(off_libxl + 16, "\x02\x00\x00\x00", 0, "EMULATOR_XENSTORE_DATA at byte 92: before the guest");
	REFUSE(off_libxl + 20, "\x08\x00\x00\x00", 0, "LIBXC_CONTEXT at byte 92: length 8, not 0");
	REFUSE(off_libxl + 16, "\x00\x00\x00\x00", 0, "END at byte 92: the stream held no guest");
	/* libxc's headers */
	REFUSE(off_libxc, "\xfe", 0, "libxc image header at byte 100: wrong marker");
	REFUSE(off_libxc + 12, "\x00\x00\x00\x04", 0, "at byte 100: version 4 (xcd reads 2 and 3)");
	REFUSE(off_libxc + 16, "\x00\x01", 0, "at byte 100: a big-endian stream");
	REFUSE(off_dhdr, "\x03\x00\x00\x00", 0, "domain header at byte 124: unknown guest type 0x3");
	REFUSE(off_dhdr + 4, "\x0d\x00", 0, "page shift 13");
	REFUSE(off_dhdr, "\x02\x00\x00\x00", SIM, "a guest of type 0x2, this restore takes type 0x5843534d");
	/* records */
	REFUSE(off_sde, "\x13\x00\x00\x00", 0, "record 0x13 at byte 140: an unknown mandatory record type");
	REFUSE(off_sde, "\x0e\x00\x00\x00", 0, "CHECKPOINT at byte 140: a checkpointed");
	REFUSE(off_sde, "\x02\x00\x00\x00\x08\x00\x00\x00", 0, "X86_PV_INFO at byte 140: not a record of a simulated");
	REFUSE(off_sde + 4, "\x08\x00\x00\x00", 0, "STATIC_DATA_END at byte 140: length 8 (0 to 0");
	REFUSE(off_sde, "\x01\x00\x00\x00", 0, "at byte 140: length 0 (16 to");
	/* PAGE_DATA before STATIC_DATA_END: drop the latter by making it an
	 * optional record nobody knows (skipped). */
	REFUSE(off_sde, "\x10\x00\x00\x80", 0, "PAGE_DATA at byte 148: before STATIC_DATA_END");
	REFUSE(off_pd + 8, "\x00\x00\x00\x00", 0, "PAGE_DATA at byte 148: count 0");
	REFUSE(off_pd + 8, "\x00\x10\x00\x00", 0, "4096 pfns do not fit");
	REFUSE(off_pd + 8, "\x01\x10\x00\x00", 0, "count 4097 (1 to 4096");
	REFUSE(off_pd + 8, "\x02\x00\x00\x00", 0, "8224 bytes for 2 pfns and 1 pages");
	REFUSE(off_pd + 16 + 7, "\x10", 0, "pfn 0 has page type 0x1, not one of a non-PV");
	REFUSE(off_pd + 16 + 7, "\x60", 0, "page type 0x6");
	REFUSE(off_pd + 16, "\x10", 0, "pfn 16 beyond the guest's last, 15");
	REFUSE(off_pd + 4, "\xff\xff\xff\x7f", 0, "PAGE_DATA at byte 148: length 2147483647");
	size_t vc = off_pd + 8 + 8 + 24 + 8192;
	REFUSE(vc + 8, "\x02\x00\x00\x00", 0, "XCD_SIM_VCPU at byte");
	REFUSE(vc + 8, "\x02\x00\x00\x00", 0, "vCPU 2 (the guest has 2)");
	REFUSE(vc + 4, "\x08\x00\x00\x00", 0, "XCD_SIM_VCPU at byte 8380: length 8 (9 to 8200");
	/* Truncated anywhere: named. */
	CUT(20, "xl header at byte 0: the stream ends");
	CUT(off_libxl + 4, "libxl header at byte 76: the stream ends");
	CUT(off_pd + 100, "record PAGE_DATA at byte 148: its body at byte 156: the stream ends");
	CUT(base.n - 8, "libxl record header at byte");
	snprintf(b, sizeof(b), "at byte %zu: the stream ends", base.n - 8);
	CUT(base.n - 8, b);
	free(base.p);
}

/* Optional records are skipped, v2 streams infer STATIC_DATA_END. */
static void test_tolerated(void)
{
	base = sim_stream();
	offsets();
	struct img im = { malloc(base.n), base.n };
	memcpy(im.p, base.p, base.n);
	struct seen s;
	/* v2, and its STATIC_DATA_END turned into an unknown optional record */
	memcpy(im.p + off_libxc + 12, "\x00\x00\x00\x02", 4);
	memcpy(im.p + off_sde, "\x55\x00\x00\x80", 4);
	CU_ASSERT_EQUAL(read_img(&im, SIM, &s), 0);
	u_str_eq(err, "", "error", __FILE__, __LINE__);
	CU_ASSERT_EQUAL(s.npages, 3);
	/* version 2: the first PAGE_DATA stands for STATIC_DATA_END */
	CU_ASSERT(s.static_ends == 1 && s.pages_before == 0);
	free(im.p);
	free(base.p);
}

static void register_migrate(void)
{
	CU_pSuite s = CU_add_suite("migrate", NULL, NULL);
	CU_add_test(s, "a simulated guest's stream, written and read", test_sim_round_trip);
	CU_add_test(s, "pages read straight into place, refused as before", test_direct_pages);
	CU_add_test(s, "a PVH stream as Xen 4.17 writes one, read and checked", test_pvh_round_trip);
	CU_add_test(s, "every refusal names the record and the byte", test_refusals);
	CU_add_test(s, "optional records skipped, version 2 read", test_tolerated);
}

int main(void)
{
	suite_register_fn *const regs[] = { register_migrate, register_policy, register_pipe,
					    register_compress, register_outcome, register_cpu,
					    NULL };
	return cunit_run("migrate-unit", regs);
}
