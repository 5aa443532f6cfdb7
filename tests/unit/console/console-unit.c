/* console-unit: xcd-consoled's ring access (console/ring.c) against rings in
 * every state a guest can leave them, its bounded output buffer
 * (console/outbuf.c), and the corpus of their fuzzer (fuzz/console) replayed. */
#include "../../../console/outbuf.h"
#include "../../../console/ring.h"
#include "../../lib/cunit_run.h"
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void t_output_empty(void)
{
	struct xencons_interface ring;
	char buf[sizeof(ring.out)];
	memset(&ring, 0, sizeof(ring));
	CU_ASSERT_EQUAL(ring_take_output(&ring, buf), 0);
	ring.out_prod = ring.out_cons = 0xfffffff0u;
	CU_ASSERT_EQUAL(ring_take_output(&ring, buf), 0);
}

/* A guest's line written at indexes about to wrap (both the ring's 2048
 * and the 32-bit index's): read back whole and in order, and consumed. */
static void t_output_wraps(void)
{
	struct xencons_interface ring;
	static const XENCONS_RING_IDX starts[] = { 0, 2040, 0xfffffffcu, 4095 };
	const char *line = "xcd-sim guest: hello\n";
	size_t len = strlen(line);
	for (unsigned k = 0; k < sizeof(starts) / sizeof(starts[0]); k++) {
		memset(&ring, 0, sizeof(ring));
		XENCONS_RING_IDX p = starts[k];
		ring.out_cons = p;
		for (size_t i = 0; i < len; i++)
			ring.out[MASK_XENCONS_IDX(p++, ring.out)] = line[i];
		ring.out_prod = p;
		char buf[sizeof(ring.out)];
		ssize_t n = ring_take_output(&ring, buf);
		CU_ASSERT_EQUAL(n, (ssize_t)len);
		CU_ASSERT(n == (ssize_t)len && memcmp(buf, line, len) == 0);
		CU_ASSERT_EQUAL(ring.out_cons, ring.out_prod);
	}
}

static void t_output_full(void)
{
	struct xencons_interface ring;
	memset(&ring, 0, sizeof(ring));
	memset(ring.out, 'x', sizeof(ring.out));
	ring.out_cons = 100;
	ring.out_prod = 100 + sizeof(ring.out);
	char buf[sizeof(ring.out)];
	CU_ASSERT_EQUAL(ring_take_output(&ring, buf), (ssize_t)sizeof(ring.out));
	CU_ASSERT_EQUAL(ring.out_cons, ring.out_prod);
}

/* Indexes no honest guest writes: skipped, never read past the ring. */
static void t_output_hostile(void)
{
	struct xencons_interface ring;
	char buf[sizeof(ring.out)];
	memset(&ring, 0, sizeof(ring));
	ring.out_cons = 0;
	ring.out_prod = sizeof(ring.out) + 1;
	CU_ASSERT_EQUAL(ring_take_output(&ring, buf), -EPROTO);
	CU_ASSERT_EQUAL(ring.out_cons, ring.out_prod);
	ring.out_cons = 10;
	ring.out_prod = 5; /* prod behind cons: a span of nearly 2^32 */
	CU_ASSERT_EQUAL(ring_take_output(&ring, buf), -EPROTO);
	CU_ASSERT_EQUAL(ring.out_cons, 5u);
	CU_ASSERT_EQUAL(ring_take_output(&ring, buf), 0);
}

static void t_input(void)
{
	struct xencons_interface ring;
	memset(&ring, 0, sizeof(ring));
	CU_ASSERT_EQUAL(ring_input_room(&ring), (ssize_t)sizeof(ring.in));
	ring.in_cons = ring.in_prod = sizeof(ring.in) - 3; /* wraps after 3 bytes */
	ring_put_input(&ring, "hello\r", 6);
	CU_ASSERT_EQUAL(ring.in_prod - ring.in_cons, 6u);
	CU_ASSERT_EQUAL(ring_input_room(&ring), (ssize_t)sizeof(ring.in) - 6);
	char got[7] = { 0 };
	for (unsigned i = 0; i < 6; i++)
		got[i] = ring.in[MASK_XENCONS_IDX(ring.in_cons + i, ring.in)];
	CU_ASSERT_STRING_EQUAL(got, "hello\r");
	/* Full: no room until the guest reads. */
	ring.in_cons = 0;
	ring.in_prod = sizeof(ring.in);
	CU_ASSERT_EQUAL(ring_input_room(&ring), 0);
	/* Hostile: a span wider than the ring. */
	ring.in_prod = sizeof(ring.in) + 1;
	CU_ASSERT_EQUAL(ring_input_room(&ring), -EPROTO);
	ring.in_cons = 7;
	ring.in_prod = 6;
	CU_ASSERT_EQUAL(ring_input_room(&ring), -EPROTO);
}

static void t_outbuf_keeps_newest(void)
{
	struct outbuf o;
	outbuf_init(&o, 8);
	outbuf_append(&o, "abcde", 5);
	CU_ASSERT_EQUAL(o.len, 5u);
	outbuf_append(&o, "fghij", 5); /* 10 > 8: "ab" go */
	CU_ASSERT_EQUAL(o.len, 8u);
	CU_ASSERT(memcmp(o.buf, "cdefghij", 8) == 0);
	CU_ASSERT_EQUAL(o.dropped, 2u);
	outbuf_consume(&o, 3);
	CU_ASSERT(o.len == 5 && memcmp(o.buf, "fghij", 5) == 0);
	outbuf_append(&o, "0123456789", 10); /* more than the limit at once */
	CU_ASSERT(o.len == 8 && memcmp(o.buf, "23456789", 8) == 0);
	CU_ASSERT_EQUAL(o.dropped, 2u + 5 + 2);
	CU_ASSERT(o.cap <= 8);
	outbuf_consume(&o, 100);
	CU_ASSERT_EQUAL(o.len, 0u);
	outbuf_append(&o, "", 0);
	CU_ASSERT_EQUAL(o.len, 0u);
	outbuf_free(&o);
}

static void t_outbuf_grows(void)
{
	struct outbuf o;
	outbuf_init(&o, 1 << 20);
	char chunk[2048];
	memset(chunk, 'z', sizeof(chunk));
	for (int i = 0; i < 100; i++)
		outbuf_append(&o, chunk, sizeof(chunk));
	CU_ASSERT_EQUAL(o.len, 100u * sizeof(chunk));
	CU_ASSERT_EQUAL(o.dropped, 0u);
	for (int i = 0; i < 500; i++)
		outbuf_append(&o, chunk, sizeof(chunk));
	CU_ASSERT_EQUAL(o.len, (size_t)1 << 20);
	CU_ASSERT_EQUAL(o.cap, (size_t)1 << 20);
	CU_ASSERT_EQUAL(o.dropped, 600u * sizeof(chunk) - (1u << 20));
	outbuf_free(&o);
}

/* Every seed through the fuzz target: its invariants abort on a break. */
static void t_corpus(void)
{
	DIR *d = opendir(CONSOLE_CORPUS_DIR);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	unsigned ran = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", CONSOLE_CORPUS_DIR, e->d_name);
		FILE *f = fopen(path, "rb");
		CU_ASSERT_PTR_NOT_NULL(f);
		if (!f)
			continue;
		/* libFuzzer hands over a buffer of exactly the input's size. */
		fseek(f, 0, SEEK_END);
		long len = ftell(f);
		rewind(f);
		uint8_t *exact = malloc(len > 0 ? (size_t)len : 1);
		size_t n = exact && len > 0 ? fread(exact, 1, (size_t)len, f) : 0;
		fclose(f);
		CU_ASSERT_PTR_NOT_NULL_FATAL(exact);
		LLVMFuzzerTestOneInput(exact, n);
		free(exact);
		ran++;
	}
	closedir(d);
	CU_ASSERT(ran >= 5);
}

static void suite_ring_register(void)
{
	CU_pSuite s = CU_add_suite("ring", NULL, NULL);
	if (!s)
		return;
	CU_add_test(s, "no output", t_output_empty);
	CU_add_test(s, "output across the wrap of ring and index", t_output_wraps);
	CU_add_test(s, "a full output ring", t_output_full);
	CU_add_test(s, "hostile output indexes are skipped", t_output_hostile);
	CU_add_test(s, "input: room, wrap, full, hostile", t_input);
	CU_add_test(s, "the fuzzer's corpus (fuzz/console/corpus)", t_corpus);
}

static void suite_outbuf_register(void)
{
	CU_pSuite s = CU_add_suite("outbuf", NULL, NULL);
	if (!s)
		return;
	CU_add_test(s, "over the limit the oldest bytes go", t_outbuf_keeps_newest);
	CU_add_test(s, "grows to the limit, never past it", t_outbuf_grows);
}

int main(void)
{
	static suite_register_fn *const suites[] = { suite_ring_register, suite_outbuf_register,
						     NULL };
	return cunit_run("console-unit", suites);
}
