/* test_mux: the TCP transport's pure parts (migrate/mux.c): the hello and
 * its answer, the frames, the receiver's order checks, and the sender's cut
 * of a real stream into whole records at every way of feeding it. */
#include "../../../migrate/migrate.h"
#include "../../../migrate/mux.h"
#include "suites.h"
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PARSES(line, h) mig_hello_parse(line, strlen(line), h, err, sizeof(err))

static void test_hello(void)
{
	struct mig_hello h = { .kind = MIG_HELLO_OPEN, .streams = 3, .paused = true }, g;
	char buf[MIG_HELLO_MAX + 1], err[256];
	int n = mig_hello_format(&h, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "XCDMIG1 open 3 1\n");
	CU_ASSERT(mig_hello_parse(buf, (size_t)n, &g, err, sizeof(err)) == 0);
	CU_ASSERT(g.kind == MIG_HELLO_OPEN && g.streams == 3 && g.paused);
	struct mig_hello j = { .kind = MIG_HELLO_JOIN, .index = 7 };
	memset(j.token, 'a', MIG_TOKEN_LEN);
	n = mig_hello_format(&j, buf, sizeof(buf));
	CU_ASSERT(n > 0 && mig_hello_parse(buf, (size_t)n, &g, err, sizeof(err)) == 0);
	CU_ASSERT(g.kind == MIG_HELLO_JOIN && g.index == 7 && !strcmp(g.token, j.token));
	/* Refused: everything not exactly that. */
	static const char *const bad[] = {
		"XCDMIG1 open 0 0\n", "XCDMIG1 open 9 0\n", "XCDMIG1 open 1 2\n",
		"XCDMIG1 open 01 0\n", "XCDMIG1 open 1 0", "XCDMIG1 open 1 0 \n",
		"XCDMIG1  open 1 0\n", "XCDMIG2 open 1 0\n", "XCDMIG1 open 1\n",
		"XCDMIG1 open 1 0 x\n", "XCDMIG1 join aaaa 0\n",
		"XCDMIG1 join AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA 0\n",
		"XCDMIG1 join aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 8\n", "xl migration receiver ready\n",
		"XCDMIG1 open 1 0\n\n", "\n", "",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CU_ASSERT(PARSES(bad[i], &g) == -EPROTO);
		CU_ASSERT(err[0] != '\0');
	}
	CU_ASSERT(mig_hello_parse("XCDMIG1 open 1\x01\n", 16, &g, err, sizeof(err)) == -EPROTO);
	CU_ASSERT(strstr(err, "0x01") != NULL);
	char tok[MIG_TOKEN_LEN + 1], text[64];
	CU_ASSERT(mig_reply_parse("ok\n", 3, false, tok, text, sizeof(text)) == 0);
	CU_ASSERT(mig_reply_parse("ok 0123456789abcdef0123456789abcdef\n", 36, true, tok, text,
				  sizeof(text)) == 0);
	CU_ASSERT_STRING_EQUAL(tok, "0123456789abcdef0123456789abcdef");
	CU_ASSERT(mig_reply_parse("ok\n", 3, true, tok, text, sizeof(text)) == -EPROTO);
	CU_ASSERT(mig_reply_parse("refused busy\x1b[2J\n", 17, true, tok, text, sizeof(text)) ==
		  -EACCES);
	CU_ASSERT_STRING_EQUAL(text, "busy?[2J");
}

static void test_frames(void)
{
	uint8_t b[MIG_FRAME_HDR];
	char err[128];
	struct mig_frame f = { 0x0102030405060708ull, 4096, MIG_FRAME_DATA }, g;
	mig_frame_encode(&f, b);
	CU_ASSERT(b[0] == 8 && b[7] == 1); /* little-endian */
	CU_ASSERT(mig_frame_decode(b, &g, err, sizeof(err)) == 0);
	CU_ASSERT(g.seq == f.seq && g.len == 4096 && g.kind == MIG_FRAME_DATA);
	struct mig_frame bad[] = { { 1, 0, MIG_FRAME_DATA }, { 1, MIG_SEG_MAX + 1, MIG_FRAME_DATA },
				   { 1, 5, MIG_FRAME_END }, { 1, 5, 7 } };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mig_frame_encode(&bad[i], b);
		CU_ASSERT(mig_frame_decode(b, &g, err, sizeof(err)) == -EPROTO);
	}
	uint8_t h[MIG_BACK_HDR];
	uint32_t kind, len;
	mig_back_encode(MIG_BACK_XL, 54, h);
	CU_ASSERT(mig_back_decode(h, &kind, &len, err, sizeof(err)) == 0 && kind == MIG_BACK_XL &&
		  len == 54);
	mig_back_encode(MIG_BACK_NOTE, MIG_NOTE_MAX + 1, h);
	CU_ASSERT(mig_back_decode(h, &kind, &len, err, sizeof(err)) == -EPROTO);
	mig_back_encode(MIG_BACK_XL, 0, h);
	CU_ASSERT(mig_back_decode(h, &kind, &len, err, sizeof(err)) == -EPROTO);
	mig_back_encode(9, 1, h);
	CU_ASSERT(mig_back_decode(h, &kind, &len, err, sizeof(err)) == -EPROTO);
	mig_back_encode(MIG_BACK_ACK, 8, h);
	CU_ASSERT(mig_back_decode(h, &kind, &len, err, sizeof(err)) == 0 && kind == MIG_BACK_ACK);
	mig_back_encode(MIG_BACK_ACK, 7, h);
	CU_ASSERT(mig_back_decode(h, &kind, &len, err, sizeof(err)) == -EPROTO);
	/* DEVICES: no bytes, or refused (a length a peer made up is never
	 * read as its body). */
	mig_back_encode(MIG_BACK_DEVICES, 0, h);
	CU_ASSERT(mig_back_decode(h, &kind, &len, err, sizeof(err)) == 0 &&
		  kind == MIG_BACK_DEVICES && len == 0);
	const uint32_t devlens[] = { 1, 8, MIG_BACK_MAX, 0xffffffffu };
	for (unsigned i = 0; i < sizeof(devlens) / sizeof(devlens[0]); i++) {
		mig_back_encode(MIG_BACK_DEVICES, devlens[i], h);
		CU_ASSERT(mig_back_decode(h, &kind, &len, err, sizeof(err)) == -EPROTO);
		CU_ASSERT(strstr(err, "kind 5") != NULL);
	}
	mig_back_encode(MIG_BACK_DEVICES + 1, 0, h);
	CU_ASSERT(mig_back_decode(h, &kind, &len, err, sizeof(err)) == -EPROTO);
}

static int take(struct mig_merge *m, unsigned conn, uint64_t seq, uint32_t kind)
{
	char err[256];
	struct mig_frame f = { seq, kind == MIG_FRAME_END ? 0 : 1, kind };
	return mig_merge_check(m, conn, &f, err, sizeof(err));
}

static void test_merge(void)
{
	struct mig_merge m;
	mig_merge_init(&m, 2);
	CU_ASSERT(take(&m, 0, 0, 0) == 0);
	CU_ASSERT(take(&m, 1, 1, 0) == 0);
	CU_ASSERT(take(&m, 1, 1, 0) == -EPROTO);   /* not increasing on its connection */
	CU_ASSERT(take(&m, 0, 1, 0) == -EPROTO);   /* taken already, by the other */
	CU_ASSERT(take(&m, 2, 5, 0) == -EPROTO);   /* no such connection */
	CU_ASSERT(take(&m, 0, MIG_MERGE_AHEAD, 0) == -EPROTO); /* too far ahead */
	mig_merge_advance(&m);
	mig_merge_advance(&m);
	CU_ASSERT(m.next == 2);
	CU_ASSERT(take(&m, 0, MIG_MERGE_AHEAD + 1, 0) == 0); /* within reach now */
	CU_ASSERT(take(&m, 0, 3, 0) == -EPROTO); /* before its connection's last */
	mig_merge_init(&m, 2);
	CU_ASSERT(take(&m, 0, 0, 0) == 0);
	CU_ASSERT(take(&m, 0, 3, MIG_FRAME_END) == 0);
	CU_ASSERT(take(&m, 0, 4, 0) == -EPROTO);		 /* after its end */
	CU_ASSERT(take(&m, 1, 3, 0) == -EPROTO);		 /* past the stream's end */
	CU_ASSERT(take(&m, 1, 4, MIG_FRAME_END) == -EPROTO); /* ENDs disagree */
	CU_ASSERT(take(&m, 1, 2, 0) == 0);
	CU_ASSERT(take(&m, 1, 1, 0) == -EPROTO);
	CU_ASSERT(!mig_merge_done(&m));
	mig_merge_init(&m, 1);
	CU_ASSERT(take(&m, 0, 5, 0) == 0);
	CU_ASSERT(take(&m, 0, 3, MIG_FRAME_END) == -EPROTO); /* fewer than came */
	mig_merge_init(&m, 1);
	CU_ASSERT(take(&m, 0, 0, 0) == 0);
	CU_ASSERT(take(&m, 0, 1, MIG_FRAME_END) == 0);
	CU_ASSERT(!mig_merge_done(&m));
	mig_merge_advance(&m);
	CU_ASSERT(mig_merge_done(&m));
}

uint8_t *mtu_stream(unsigned batches, unsigned batch_pages, bool go, size_t *len,
		    uint64_t *ends, unsigned *n)
{
	static const char config[] = "{\"c_info\":{\"name\":\"g\"}}";
	uint8_t *pages = malloc((size_t)batch_pages * 4096);
	uint64_t *pfns = calloc(batch_pages, sizeof(*pfns));
	int fd = memfd_create("s", 0);
	struct mig_out o;
	uint8_t vcpu[20] = { 1 };
	CU_ASSERT_FATAL(pages && pfns);
	for (size_t i = 0; i < (size_t)batch_pages * 4096; i++)
		pages[i] = (uint8_t)(i * 2654435761u >> 13);
	CU_ASSERT_FATAL(fd >= 0 && mig_out_init(&o, fd) == 0);
	*n = 0;
	mig_write_xl_header(&o, config, sizeof(config));
	mig_write_libxl_header(&o);
	mig_out_flush(&o);
	ends[(*n)++] = o.off;
	mig_write_libxl_rec(&o, LIBXL_REC_LIBXC_CONTEXT, NULL, 0);
	ends[(*n)++] = o.off;
	mig_write_libxc_headers(&o, LIBXC_DOM_XCD_SIM, 4, 17);
	ends[(*n)++] = o.off;
	mig_write_libxc_rec(&o, LIBXC_REC_STATIC_DATA_END, NULL, 0, NULL, 0);
	ends[(*n)++] = o.off;
	for (unsigned i = 0; i < batches; i++) {
		for (unsigned k = 0; k < batch_pages; k++)
			pfns[k] = i * batch_pages + k;
		pfns[1] |= (uint64_t)PFINFO_XALLOC << PFN_TYPE_SHIFT;
		pages[0] = (uint8_t)i;
		mig_write_page_data(&o, batch_pages, pfns, pages);
		ends[(*n)++] = o.off;
	}
	for (int i = 0; i < 2; i++) {
		mig_write_libxc_rec(&o, LIBXC_REC_XCD_SIM_VCPU, NULL, 0, vcpu, sizeof(vcpu) - i);
		ends[(*n)++] = o.off;
	}
	mig_write_libxc_rec(&o, LIBXC_REC_END, NULL, 0, NULL, 0);
	ends[(*n)++] = o.off;
	mig_write_libxl_rec(&o, LIBXL_REC_END, NULL, 0);
	ends[(*n)++] = o.off;
	size_t glen;
	const char *gomsg = mig_pipe_bytes(MIG_PIPE_GO, &glen);
	if (go)
		mig_out_write(&o, gomsg, glen);
	CU_ASSERT_FATAL(mig_out_flush(&o) == 0);
	*len = (size_t)o.off;
	uint8_t *p = malloc(*len);
	CU_ASSERT_FATAL(p && pread(fd, p, *len, 0) == (ssize_t)*len);
	mig_out_free(&o);
	close(fd);
	free(pages);
	free(pfns);
	return p;
}

static bool is_end(const uint64_t *ends, unsigned n, uint64_t off)
{
	for (unsigned i = 0; i < n; i++)
		if (ends[i] == off)
			return true;
	return false;
}

/* Fed in pieces of every size from 1 to 97 bytes: the boundaries reported
 * are record ends (or past libxl's END, anything), each of them once. */
static void test_split(void)
{
	uint64_t ends[32];
	unsigned n;
	size_t len;
	uint8_t *p = mtu_stream(3, 4, true, &len, ends, &n);
	uint64_t stream_end = ends[n - 1];
	for (size_t piece = 1; piece < 98; piece++) {
		struct mig_split s;
		unsigned seen = 0;
		uint64_t last = 0;
		bool ok = true;
		mig_split_init(&s);
		for (size_t at = 0; at < len; at += piece) {
			size_t k = len - at < piece ? len - at : piece;
			uint64_t b = mig_split_feed(&s, p + at, k);
			if (b != last) {
				ok &= b <= at + k && (b > stream_end || is_end(ends, n, b));
				seen += b <= stream_end;
				last = b;
			}
		}
		CU_ASSERT(ok);
		CU_ASSERT(last == len); /* the pipe message after it: all of it */
		/* Each record end is seen once when the pieces are small. */
		if (piece == 1)
			CU_ASSERT(seen == n);
	}
	/* A body that cannot be: every byte is taken as an end from there. */
	struct mig_split s;
	mig_split_init(&s);
	uint64_t hdr_end = ends[0];
	CU_ASSERT(mig_split_feed(&s, p, (size_t)hdr_end) == hdr_end);
	uint8_t bogus[8] = { 1, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f };
	CU_ASSERT(mig_split_feed(&s, bogus, 8) == hdr_end + 8);
	CU_ASSERT(mig_split_feed(&s, bogus, 3) == hdr_end + 11);
	/* Not an xl stream at all: the same. */
	mig_split_init(&s);
	uint8_t junk[64] = "GET / HTTP/1.0\r\n\r\n";
	CU_ASSERT(mig_split_feed(&s, junk, 64) == 64);
	/* Inside a long body, what is left of it. */
	mig_split_init(&s);
	mig_split_feed(&s, p, (size_t)ends[3] + 8 + 8);
	CU_ASSERT(mig_split_left(&s) == ends[4] - ends[3] - 16);
	CU_ASSERT(ends[4] - ends[3] == 8 + 8 + 4 * 8 + 3 * 4096);
	free(p);
}

void register_mux(void)
{
	CU_pSuite s = CU_add_suite("the TCP transport's frames and order", NULL, NULL);
	CU_add_test(s, "the hello and its answer; every other line refused", test_hello);
	CU_add_test(s, "frames both ways, bounds", test_frames);
	CU_add_test(s, "the receiver's order: duplicates, gaps, ends", test_merge);
	CU_add_test(s, "the sender's cut at record ends, fed in every piece size", test_split);
}
