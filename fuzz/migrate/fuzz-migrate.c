/* fuzz-migrate: the stream reader (migrate/reader.c), xl's pipe messages
 * (migrate/pipe.c) and xcd's outcome query and answer (migrate/outcome.c)
 * over any bytes, as a save file or a migration's pipe delivers them; xcd's
 * compressed page batches (XCD_PAGE_DATA_Z, their zstd and lz4 frames:
 * migrate/compress.c) through the reader and straight through the
 * decompressor, the receiver's XCD reads answer before READY, and what a
 * receiver (xcd migrate-receive, the TCP gateway) reads after its banner:
 * xl's header and configuration, or an outcome query (mig_pipe_read_head,
 * from a pipe holding the bytes); a Xen PV guest's libxc stream handed
 * over to another reader at its first byte (from a file). The
 * visitor checks what the reader promises: every pfn within max_pfn, every
 * PAGE_DATA's data readable to its end (ASan sees an overrun), every vCPU
 * id below max_vcpus. Nothing may crash, leak or read or write out of
 * bounds. */
#include "../../migrate/migrate.h"
#include "../../migrate/outcome.h"
#include "../../lib/errmsg.h"
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_PFN 4095
#define MAX_VCPUS 4

static int pages(void *ctx, uint32_t count, const uint64_t *pfns, const uint8_t *data,
		 char *err, size_t errlen)
{
	volatile uint8_t sum = 0;
	for (uint32_t i = 0; i < count; i++) {
		if ((pfns[i] & PFN_MASK) > MAX_PFN)
			abort();
		unsigned t = (unsigned)(pfns[i] >> PFN_TYPE_SHIFT);
		if (t != PFINFO_XALLOC && t != PFINFO_XTAB && t != PFINFO_BROKEN) {
			sum ^= data[0] ^ data[4095];
			data += 4096;
		}
	}
	(void)sum;
	return 0;
}

static int record(void *ctx, int libxl, uint32_t type, const uint8_t *body, uint32_t len,
		  char *err, size_t errlen)
{
	volatile uint8_t x = len ? body[len - 1] : 0;
	(void)x;
	if (!libxl && type == LIBXC_REC_XCD_SIM_VCPU) {
		uint32_t v;
		memcpy(&v, body, 4);
		if (le32toh(v) >= MAX_VCPUS)
			abort();
	}
	return 0;
}

static int config(void *ctx, const char *json, uint32_t len, char *err, size_t errlen)
{
	if (len && (json[len - 1] != '\0' || strlen(json) != len - 1))
		abort();
	return 0;
}

/* xl's pipe messages as a migration peer sends them: any bytes, fed whole
 * and a byte at a time, never read past a message's end. */
static void pipe_messages(const uint8_t *data, size_t size)
{
	char err[256];
	for (int m = MIG_PIPE_BANNER; m <= MIG_PIPE_REPORT; m++) {
		struct mig_pipe_expect x;
		size_t used, len, at = 0;
		mig_pipe_bytes((enum mig_pipe_msg)m, &len);
		mig_pipe_expect_init(&x, (enum mig_pipe_msg)m);
		int rc = mig_pipe_feed(&x, data, size, &used, err, sizeof(err));
		if (used > size || used > len + 1 || (rc == 1 && x.got != len))
			abort();
		mig_pipe_expect_init(&x, (enum mig_pipe_msg)m);
		for (rc = 0; rc == 0 && at < size; at += used)
			rc = mig_pipe_feed(&x, data + at, 1, &used, err, sizeof(err));
		if (at > len + 1)
			abort();
		/* With an XCD reads answer allowed before the message. */
		mig_pipe_expect_after_reads(&x, (enum mig_pipe_msg)m);
		rc = mig_pipe_feed(&x, data, size, &used, err, sizeof(err));
		if (used > size || used > MIG_PIPE_READS_LEN + len + 1 ||
		    (rc == 1 && x.got != len) || x.reads_got > MIG_PIPE_READS_LEN)
			abort();
	}
}

/* A frame of any bytes, as a codec's (the first byte chooses; the next two
 * the size it is said to make, in pages), decompressed into exactly that
 * many bytes: refused or whole, never past them (ASan). */
static void frames(const uint8_t *data, size_t size)
{
	static struct mig_z *z;
	char why[200];
	if (size < 3 || (!z && mig_z_new(&z) < 0))
		return;
	uint32_t codec = data[0] % (MIG_CODEC_MAX + 2);
	size_t raw = (size_t)(1 + (data[1] | data[2] << 8) % 64) * 4096;
	uint8_t *dst = malloc(raw);
	if (!dst)
		return;
	mig_z_decompress(z, codec, data + 3, size - 3, dst, raw, why, sizeof(why));
	free(dst);
}

/* xcd's outcome query and its answer (migrate/outcome.c) as the other
 * host sends them: any bytes, as the 48 bytes of a query and as a line. */
static void outcome_messages(const uint8_t *data, size_t size)
{
	char err[256];
	uint8_t id[16];
	enum mig_outcome o;
	if (size >= MIG_QUERY_LEN && mig_query_parse(data, id) != 0 &&
	    memcmp(data + MIG_QUERY_LEN - 16, id, 16) != 0)
		abort();
	size_t len = size < 64 ? size : 64;
	if (mig_outcome_parse((const char *)data, len, &o, err, sizeof(err)) == 0) {
		size_t want;
		const char *line = mig_outcome_line(o, &want);
		if (want != len || memcmp(line, data, len) != 0)
			abort();
	} else if (strnlen(err, sizeof(err)) == sizeof(err)) {
		abort();
	}
}

/* What a receiver reads after its banner, from a pipe holding the bytes
 * (at most a pipe's worth): a query (its id where the query says), or a
 * header and a configuration no longer than asked, read to no byte past
 * them; else refused. */
static void head(const uint8_t *data, size_t size)
{
	int p[2];
	char err[XCD_ERR_MAX];
	struct mig_pipe_head h;
	if (size > 60000 || pipe(p) < 0)
		return;
	if (write(p[1], data, size) != (ssize_t)size)
		abort();
	close(p[1]);
	int rc = mig_pipe_read_head(p[0], 4096, -1, &h, err, sizeof(err));
	close(p[0]);
	if (rc == 0 && h.query && (h.off != MIG_QUERY_LEN || h.config ||
				   memcmp(h.id, data + MIG_QUERY_LEN - 16, 16) != 0))
		abort();
	if (rc == 0 && !h.query && (!h.config || h.off > size || strlen(h.config) > 4096))
		abort();
	if (rc < 0 && (h.config || strnlen(err, sizeof(err)) == sizeof(err)))
		abort();
	free(h.config);
}

/* The direct mode's destination: a guest of MAX_PFN + 1 pages; every run
 * asked for must lie within it. */
static uint8_t *direct_dst(void *ctx, uint64_t pfn, uint32_t npages, char *err, size_t errlen)
{
	static uint8_t *guest;
	(void)ctx;
	(void)err;
	(void)errlen;
	if (!guest && !(guest = calloc(MAX_PFN + 1, 4096)))
		abort();
	if (!npages || pfn > MAX_PFN || npages > MAX_PFN + 1 - pfn)
		abort();
	return guest + pfn * 4096;
}

static int direct_pages(void *ctx, uint32_t count, const uint64_t *pfns, const uint8_t *data,
			char *err, size_t errlen)
{
	(void)ctx;
	(void)err;
	(void)errlen;
	for (uint32_t i = 0; i < count; i++)
		if (data || (pfns[i] & PFN_MASK) > MAX_PFN)
			abort();
	return 0;
}

/* A Xen PV guest's libxc stream read elsewhere (as libxenguest reads it,
 * from the file at the byte handed over): here its 40 header bytes, or
 * what is left; the reader goes on from where that stopped. */
static int pv_elsewhere(void *ctx, uint32_t dom_type, struct mig_in *in, char *err,
			size_t errlen)
{
	uint8_t h[40];
	(void)ctx;
	if (dom_type != LIBXC_DOM_X86_PV)
		return 0;
	uint64_t at = in->off;
	int fd = mig_in_handoff(in);
	if (fd < 0)
		abort(); /* a file: always handed over */
	if (read(fd, h, sizeof(h)) < 0 || mig_in_taken(in) < 0 || in->off < at ||
	    in->off > at + sizeof(h))
		abort();
	snprintf(err, errlen, "unused");
	return 1;
}

/* The reader with that hand-over, from a file holding the bytes. */
static void handed_over(const uint8_t *data, size_t size)
{
	char err[XCD_ERR_MAX];
	struct mig_in in;
	int fd = memfd_create("fuzz", 0);
	if (fd < 0)
		return;
	if (write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0 ||
	    mig_in_fd(&in, fd) < 0)
		abort();
	struct mig_read_opts any = { .max_pfn = MAX_PFN, .max_vcpus = MAX_VCPUS };
	struct mig_visitor v = { .config = config, .pages = pages, .record = record,
				 .libxc_stream = pv_elsewhere };
	mig_read_xl(&in, &any, &v, err, sizeof(err));
	mig_in_free(&in);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mig_in in;
	char err[XCD_ERR_MAX];
	pipe_messages(data, size);
	frames(data, size);
	outcome_messages(data, size);
	head(data, size);
	handed_over(data, size);
	mig_in_mem(&in, data, size);
	/* Any guest type, as xcd's reader of another host's stream would be
	 * asked first; then as a simulated guest's restore. */
	struct mig_read_opts any = { .max_pfn = MAX_PFN, .max_vcpus = MAX_VCPUS };
	struct mig_visitor v = { .config = config, .pages = pages, .record = record };
	mig_read_xl(&in, &any, &v, err, sizeof(err));
	mig_in_mem(&in, data, size);
	struct mig_read_opts sim = { .want_type = LIBXC_DOM_XCD_SIM, .max_pfn = MAX_PFN,
				     .max_vcpus = MAX_VCPUS };
	mig_read_xl(&in, &sim, &v, err, sizeof(err));
	/* Pages read straight into a guest, as mig_restore reads them. */
	mig_in_mem(&in, data, size);
	struct mig_visitor d = { .config = config, .pages = direct_pages, .record = record,
				 .page_dst = direct_dst };
	mig_read_xl(&in, &sim, &d, err, sizeof(err));
	return 0;
}
