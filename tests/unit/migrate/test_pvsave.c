/* test_pvsave: a Xen PV guest's save and restore (migrate/pvsave.c, the
 * restore's hand-over in restore.c), over a fake backend standing in for
 * libxenguest: xl's header and libxl's records written around the libxc
 * stream hv_pv_save writes, straight to the file at the right offset; on
 * restore the libxc part handed to hv_pv_restore at its first byte, the
 * libxl records after it read from where it stopped, its rings returned;
 * and the refusals: no place for the rings, a pipe, a PVH domain, a
 * libxenguest failure, a stream cut in libxc's headers; and the progress
 * of a restore libxenguest does not report (migrate/pvwatch.c). */
#include "../../lib/cunit_run.h"
#include "../../../hv/backend.h"
#include "../../../migrate/migrate.h"
#include "../../../migrate/pvwatch.h"
#include "suites.h"
#include <CUnit/CUnit.h>
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define DOMID 5u

/* The fake hypervisor's one domain and what libxenguest did. */
static struct {
	uint32_t type;		/* enum hv_domain_type */
	int save_rc, restore_rc;
	off_t save_at, restore_at;
	uint8_t stream[128 + 3 * 4096]; /* the libxc stream the fake writes */
	size_t stream_len;
	size_t slow_at; /* restore: pauses after reading this much (0: none) */
	int restored;
} fk;

static int fk_getinfo(struct hv *hv, uint32_t domid, struct hv_dominfo *o)
{
	if (domid != DOMID)
		return hv_fail(hv, -ESRCH, "fake: no domain %u", domid);
	memset(o, 0, sizeof(*o));
	o->domid = domid;
	o->type = fk.type;
	o->max_vcpus = 1;
	o->max_mem_kb = o->mem_kb = 4096;
	o->flags = HV_DOMF_SHUTDOWN;
	o->shutdown_reason = HV_SHUTDOWN_SUSPEND;
	return 0;
}

static int fk_max_pfn(struct hv *hv, uint32_t domid, uint64_t *max)
{
	(void)hv, (void)domid;
	*max = 1023;
	return 0;
}

/* libxc's image and domain headers (a PV guest's), X86_PV_INFO, END. */
static void fk_make_stream(void)
{
	uint8_t *p = fk.stream;
	uint64_t marker = htobe64(LIBXC_MARKER);
	uint32_t id = htobe32(LIBXC_ID), ver = htobe32(3);
	memset(p, 0, sizeof(fk.stream));
	memcpy(p, &marker, 8);
	memcpy(p + 8, &id, 4);
	memcpy(p + 12, &ver, 4);
	mig_put_le32(p + 24, LIBXC_DOM_X86_PV);
	p[28] = 12; /* page shift */
	mig_put_le32(p + 32, 4);
	mig_put_le32(p + 36, 17);
	mig_put_le32(p + 40, LIBXC_REC_X86_PV_INFO);
	mig_put_le32(p + 44, 8);
	p[48] = 8; /* guest width */
	p[49] = 4; /* page table levels */
	mig_put_le32(p + 56, LIBXC_REC_END);
	mig_put_le32(p + 60, 0);
	fk.stream_len = 64;
}

/* The same with PAGES pages' worth of a PAGE_DATA record before the END
 * (the fake does not look into it). */
static void fk_make_stream_pages(unsigned pages)
{
	uint8_t *p = fk.stream + 56;
	mig_put_le32(p, LIBXC_REC_PAGE_DATA);
	mig_put_le32(p + 4, pages * 4096);
	p += 8 + pages * 4096;
	mig_put_le32(p, LIBXC_REC_END);
	mig_put_le32(p + 4, 0);
	fk.stream_len = (size_t)(p + 8 - fk.stream);
}

static int fk_pv_save(struct hv *hv, uint32_t domid, int fd, hv_progress_fn *progress, void *arg)
{
	(void)progress, (void)arg;
	fk.save_at = lseek(fd, 0, SEEK_CUR);
	if (fk.save_rc)
		return hv_fail(hv, fk.save_rc, "xen: save of PV domain %u: libxenguest: "
			       "Domain has not been suspended", domid);
	return write(fd, fk.stream, fk.stream_len) == (ssize_t)fk.stream_len ? 0 : -EIO;
}

static int fk_pv_restore(struct hv *hv, uint32_t domid, int fd,
			 const struct hv_build_spec *spec, struct hv_build_result *out)
{
	(void)spec;
	uint8_t got[sizeof(fk.stream)];
	fk.restore_at = lseek(fd, 0, SEEK_CUR);
	if (fk.restore_rc)
		return hv_fail(hv, fk.restore_rc, "xen: restore of PV domain %u: libxenguest: "
			       "Failed to read Record Header from stream", domid);
	/* libxenguest reads the stream to its END, not a byte further. */
	size_t first = fk.slow_at ? fk.slow_at : fk.stream_len;
	if (read(fd, got, first) != (ssize_t)first)
		return hv_fail(hv, -EPROTO, "fake: the stream is short");
	if (fk.slow_at) /* long enough for the watcher to look twice */
		usleep(3 * PV_WATCH_MS * 1000);
	if (read(fd, got + first, fk.stream_len - first) != (ssize_t)(fk.stream_len - first) ||
	    memcmp(got, fk.stream, fk.stream_len) != 0)
		return hv_fail(hv, -EPROTO, "fake: not the stream saved");
	fk.restored++;
	*out = (struct hv_build_result){ 0x1234, 7, 8, 0x5678 };
	return 0;
}

static const struct hv_ops fk_ops = {
	.name = "fake-libxenguest",
	.domain_getinfo = fk_getinfo,
	.domain_max_pfn = fk_max_pfn,
	.pv_save = fk_pv_save,
	.pv_restore = fk_pv_restore,
};

static struct hv fk_hv = { .ops = &fk_ops };
static const char config[] = "{\"c_info\":{\"name\":\"pv\"}}";
/* Where the libxc stream starts: xl's header, the config's length and
 * bytes, libxl's header and its LIBXC_CONTEXT record. */
#define LIBXC_AT (XL_HEADER_LEN + 4 + sizeof(config) + LIBXL_HEADER_LEN + 8)

static void fk_reset(uint32_t type)
{
	memset(&fk, 0, sizeof(fk));
	fk.type = type;
	fk_make_stream();
}

/* A PV guest's save file in a memfd: its descriptor. */
static int saved_file(void)
{
	int fd = memfd_create("pvsave", 0);
	struct mig_out o;
	struct mig_save_stats st;
	char err[256] = "";
	CU_ASSERT_FATAL(fd >= 0 && mig_out_init(&o, fd) == 0);
	int rc = mig_save_pv(&fk_hv, DOMID, &o, config, sizeof(config), NULL, &st, err,
			     sizeof(err));
	CU_ASSERT_EQUAL(rc, 0);
	mig_out_free(&o);
	CU_ASSERT_EQUAL(fk.save_at, (off_t)LIBXC_AT);
	off_t size = lseek(fd, 0, SEEK_END);
	CU_ASSERT_EQUAL(size, (off_t)(LIBXC_AT + fk.stream_len + 8));
	CU_ASSERT_EQUAL(st.bytes, (uint64_t)size);
	CU_ASSERT_FATAL(lseek(fd, 0, SEEK_SET) == 0);
	return fd;
}

/* Restores from IN (the config read first): mig_restore's result. */
static int restore_from(struct mig_in *in, struct hv_build_result *b, char *err, size_t len)
{
	char *cfg = NULL;
	uint32_t n;
	int rc = mig_read_xl_config(in, 0, &cfg, &n, err, len);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT(cfg && strcmp(cfg, config) == 0);
	free(cfg);
	return rc < 0 ? rc : mig_restore(&fk_hv, DOMID, in, NULL, b, err, len);
}

/* With MIGRATE_SEED_DIR set, the file is the fuzzer's seed "pv". */
static void seed(int fd)
{
	const char *dir = getenv("MIGRATE_SEED_DIR");
	uint8_t buf[512];
	char path[512];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);
	if (!dir || n <= 0)
		return;
	snprintf(path, sizeof(path), "%s/pv", dir);
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(buf, 1, (size_t)n, f);
		fclose(f);
	}
}

static void test_round_trip(void)
{
	fk_reset(HV_DOM_PV);
	int fd = saved_file();
	seed(fd);
	struct mig_in in;
	struct hv_build_result b = { 0 };
	char err[256] = "";
	CU_ASSERT_FATAL(mig_in_fd(&in, fd) == 0);
	int rc = restore_from(&in, &b, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, 1);
	if (rc != 1)
		fprintf(stderr, "restore: %s\n", err);
	CU_ASSERT_EQUAL(fk.restored, 1);
	CU_ASSERT_EQUAL(fk.restore_at, (off_t)LIBXC_AT);
	CU_ASSERT(b.store_pfn == 0x1234 && b.store_port == 7 && b.console_port == 8 &&
		  b.console_pfn == 0x5678);
	/* libxl's END after libxenguest's part was read: the whole file. */
	CU_ASSERT_EQUAL(in.off, (uint64_t)(LIBXC_AT + fk.stream_len + 8));
	CU_ASSERT_EQUAL(mig_in_at_end(&in), 1);
	mig_in_free(&in);
	close(fd);
}

/* A restore of the saved file, with FK's failures set: its result and ERR. */
static int restore_saved(struct hv_build_result *b, char *err, size_t len)
{
	int fd = saved_file();
	struct mig_in in;
	CU_ASSERT_FATAL(mig_in_fd(&in, fd) == 0);
	int rc = restore_from(&in, b, err, len);
	mig_in_free(&in);
	close(fd);
	return rc;
}

static void test_refusals(void)
{
	struct hv_build_result b;
	char err[256] = "";
	/* Nowhere to tell the rings (a migration's receiver). */
	fk_reset(HV_DOM_PV);
	int fd = saved_file();
	struct mig_in in;
	CU_ASSERT_FATAL(mig_in_fd(&in, fd) == 0);
	CU_ASSERT_EQUAL(restore_from(&in, NULL, err, sizeof(err)), -EPROTO);
	CU_ASSERT(strstr(err, "libxc stream at byte 101: a Xen PV guest's, which only a restore "
			 "from a file reads") != NULL);
	mig_in_free(&in);
	close(fd);
	CU_ASSERT_EQUAL(fk.restored, 0);

	/* A PVH domain for a PV guest's stream. */
	fk_reset(HV_DOM_PVH);
	CU_ASSERT_EQUAL(restore_saved(&b, err, sizeof(err)), -EPROTO);
	CU_ASSERT(strstr(err, "libxc domain header at byte 125: a PV guest's stream (type 0x1), "
			 "this restore takes type 0x2") != NULL);
	CU_ASSERT_EQUAL(fk.restored, 0);

	/* libxenguest's own failure, named. */
	fk_reset(HV_DOM_PV);
	fk.restore_rc = -EIO;
	CU_ASSERT_EQUAL(restore_saved(&b, err, sizeof(err)), -EIO);
	CU_ASSERT(strstr(err, "libxc stream at byte 101: xen: restore of PV domain 5: "
			 "libxenguest: Failed to read Record Header") != NULL);
}

/* A PV guest's stream through a pipe: libxenguest reads a file only. */
static void test_pipe(void)
{
	fk_reset(HV_DOM_PV);
	int fd = saved_file(), p[2];
	uint8_t buf[512];
	ssize_t n = read(fd, buf, sizeof(buf));
	close(fd);
	CU_ASSERT_FATAL(n > 0 && pipe(p) == 0);
	CU_ASSERT_FATAL(write(p[1], buf, (size_t)n) == n);
	close(p[1]);
	struct mig_in in;
	struct hv_build_result b;
	char err[256] = "";
	CU_ASSERT_FATAL(mig_in_fd(&in, p[0]) == 0);
	CU_ASSERT_EQUAL(restore_from(&in, &b, err, sizeof(err)), -EPROTO);
	CU_ASSERT(strstr(err, "which libxenguest reads from a file: this input is a pipe") != NULL);
	CU_ASSERT_EQUAL(fk.restored, 0);
	mig_in_free(&in);
	close(p[0]);
}

/* Cut within libxc's headers: the type cannot be told. */
static void test_truncated(void)
{
	fk_reset(HV_DOM_PV);
	int fd = saved_file();
	CU_ASSERT_FATAL(ftruncate(fd, (off_t)LIBXC_AT + 20) == 0);
	struct mig_in in;
	struct hv_build_result b;
	char err[256] = "";
	CU_ASSERT_FATAL(mig_in_fd(&in, fd) == 0);
	CU_ASSERT_EQUAL(restore_from(&in, &b, err, sizeof(err)), -EPROTO);
	CU_ASSERT(strstr(err, "libxc headers at byte 101: the stream ends (truncated)") != NULL);
	CU_ASSERT_EQUAL(fk.restored, 0);
	mig_in_free(&in);
	close(fd);
}

/* What a restore's progress was told: each DONE, and the TOTAL. */
static struct {
	uint64_t done[64], total;
	unsigned n;
} told;

static void tell(void *arg, uint64_t done, uint64_t total)
{
	(void)arg;
	if (told.n < 64)
		told.done[told.n++] = done;
	told.total = total;
}

/* libxenguest tells nothing while it restores: the pages it has read are
 * told while it reads (3 pages and a little of 1024; it pauses after 2),
 * never all of them before it is done, then all of them. */
static void test_restore_progress(void)
{
	fk_reset(HV_DOM_PV);
	fk_make_stream_pages(3);
	fk.slow_at = 56 + 8 + 2 * 4096;
	int fd = saved_file();
	struct mig_in in;
	struct hv_build_result b;
	char err[256] = "", *cfg = NULL;
	uint32_t n;
	memset(&told, 0, sizeof(told));
	struct mig_progress prog = { tell, NULL, NULL };
	CU_ASSERT_FATAL(mig_in_fd(&in, fd) == 0);
	CU_ASSERT_EQUAL(mig_read_xl_config(&in, 0, &cfg, &n, err, sizeof(err)), 0);
	free(cfg);
	int rc = mig_restore(&fk_hv, DOMID, &in, &prog, &b, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, 1);
	if (rc != 1)
		fprintf(stderr, "restore: %s\n", err);
	CU_ASSERT_EQUAL(fk.restored, 1);
	CU_ASSERT_EQUAL(told.total, 1024u);
	CU_ASSERT_FATAL(told.n >= 2);
	unsigned mid = 0;
	for (unsigned i = 0; i + 1 < told.n; i++)
		mid += told.done[i] == 2;
	CU_ASSERT(mid >= 1); /* seen at the pause: 2 pages read */
	CU_ASSERT_EQUAL(told.done[told.n - 1], 1024u);
	for (unsigned i = 0; i + 1 < told.n; i++)
		CU_ASSERT(told.done[i] < 1024u);
	mig_in_free(&in);
	close(fd);
	/* Pages from bytes: below the total until the end. */
	CU_ASSERT_EQUAL(pv_watch_pages(0, 3 * 4096 + 100, 1024), 3u);
	CU_ASSERT_EQUAL(pv_watch_pages(1, 4096, 1024), 2u);
	CU_ASSERT_EQUAL(pv_watch_pages(0, 2000 * 4096ull, 1024), 1023u);
}

/* libxenguest's save fails: its words are the error. */
static void test_save_fails(void)
{
	fk_reset(HV_DOM_PV);
	fk.save_rc = -EINVAL;
	int fd = memfd_create("pvsave", 0);
	struct mig_out o;
	char err[256] = "";
	CU_ASSERT_FATAL(fd >= 0 && mig_out_init(&o, fd) == 0);
	CU_ASSERT_EQUAL(mig_save_pv(&fk_hv, DOMID, &o, config, sizeof(config), NULL, NULL, err,
				    sizeof(err)), -EINVAL);
	CU_ASSERT(strcmp(err, "xen: save of PV domain 5: libxenguest: Domain has not been "
			 "suspended") == 0);
	mig_out_free(&o);
	close(fd);
}

/* mio's peek and hand-over: nothing consumed by a peek; the descriptor
 * given back at the next byte; what another reader took counted. */
static void test_handoff(void)
{
	int fd = memfd_create("mio", 0);
	uint8_t data[10000], got[16];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	CU_ASSERT_FATAL(write(fd, data, sizeof(data)) == (ssize_t)sizeof(data));
	CU_ASSERT_FATAL(lseek(fd, 0, SEEK_SET) == 0);
	struct mig_in in;
	CU_ASSERT_FATAL(mig_in_fd(&in, fd) == 0);
	CU_ASSERT_EQUAL(mig_in_read(&in, got, 10), 0);
	CU_ASSERT_EQUAL(mig_in_peek(&in, got, 16), 0);
	CU_ASSERT(memcmp(got, data + 10, 16) == 0);
	CU_ASSERT_EQUAL(in.off, 10u);
	CU_ASSERT_EQUAL(mig_in_handoff(&in), fd);
	CU_ASSERT_EQUAL(lseek(fd, 0, SEEK_CUR), 10);
	CU_ASSERT_EQUAL(read(fd, got, 5), 5);
	CU_ASSERT_EQUAL(mig_in_taken(&in), 0);
	CU_ASSERT_EQUAL(in.off, 15u);
	CU_ASSERT_EQUAL(mig_in_read(&in, got, 3), 0);
	CU_ASSERT(memcmp(got, data + 15, 3) == 0);
	CU_ASSERT_EQUAL(mig_in_peek(&in, got, MIO_FILL + 1), -EINVAL);
	mig_in_free(&in);
	close(fd);
	/* From memory: peeked, never handed over. */
	mig_in_mem(&in, data, 8);
	CU_ASSERT_EQUAL(mig_in_peek(&in, got, 8), 0);
	CU_ASSERT_EQUAL(mig_in_peek(&in, got, 9), -ENODATA);
	CU_ASSERT_EQUAL(mig_in_handoff(&in), -EINVAL);
}

void register_pvsave(void)
{
	CU_pSuite s = CU_add_suite("pvsave", NULL, NULL);
	CU_add_test(s, "a Xen PV guest's file: libxenguest's part inside libxl's, and back",
		    test_round_trip);
	CU_add_test(s, "refused: no place for its rings, a PVH domain, libxenguest's failure",
		    test_refusals);
	CU_add_test(s, "refused: a PV guest's stream through a pipe", test_pipe);
	CU_add_test(s, "refused: cut within libxc's headers", test_truncated);
	CU_add_test(s, "libxenguest's save failure is the error", test_save_fails);
	CU_add_test(s, "a restore libxenguest does not report: its progress read from the file",
		    test_restore_progress);
	CU_add_test(s, "mio: peek and hand-over of the descriptor", test_handoff);
}
