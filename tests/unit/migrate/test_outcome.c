/* test_outcome: xcd's migration outcome query and answer
 * (migrate/outcome.c): the query's bytes (48, not xl's magic, the id last),
 * recognised and not; the three answers' lines, read through a pipe with
 * nothing read past them; other bytes refused naming what came; an end
 * before the answer, in its middle; a timeout. */
#include "../../lib/cunit_run.h"
#include "../../../migrate/outcome.h"
#include "../../../migrate/stream.h"
#include "suites.h"
#include <CUnit/CUnit.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

static const uint8_t id[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static void test_query(void)
{
	uint8_t q[MIG_QUERY_LEN], got[16] = { 0 };
	CU_ASSERT_EQUAL(MIG_QUERY_LEN, XL_HEADER_LEN); /* read where xl's header is */
	mig_query_encode(id, q);
	CU_ASSERT(memcmp(q, "xcd migration outcome query\n\0\0\0\0", 32) == 0);
	CU_ASSERT(memcmp(q + 32, id, 16) == 0);
	CU_ASSERT(memcmp(q, XL_MAGIC, 1) != 0); /* xl refuses it at byte 0 */
	CU_ASSERT_EQUAL(mig_query_parse(q, got), 1);
	CU_ASSERT(memcmp(got, id, 16) == 0);
	/* xl's header is no query; one byte off is none either. */
	uint8_t xl[XL_HEADER_LEN] = { 0 };
	memcpy(xl, XL_MAGIC, XL_MAGIC_LEN);
	CU_ASSERT_EQUAL(mig_query_parse(xl, got), 0);
	q[31] = 1;
	CU_ASSERT_EQUAL(mig_query_parse(q, got), 0);
}

static void test_answers(void)
{
	int p[2];
	char err[256] = "";
	enum mig_outcome o = MIG_OUTCOME_UNAVAILABLE;
	size_t n;
	CU_ASSERT_FATAL(pipe(p) == 0);
	const char *c = mig_outcome_line(MIG_OUTCOME_COMMITTED, &n);
	u_str_eq(c, "xcd migration outcome: committed\n", "line", __FILE__, __LINE__);
	CU_ASSERT(write(p[1], c, n) == (ssize_t)n);
	c = mig_outcome_line(MIG_OUTCOME_ABORTED, &n);
	u_str_eq(c, "xcd migration outcome: aborted\n", "line", __FILE__, __LINE__);
	CU_ASSERT(write(p[1], c, n) == (ssize_t)n);
	c = mig_outcome_line(MIG_OUTCOME_UNAVAILABLE, &n);
	CU_ASSERT(write(p[1], c, n) == (ssize_t)n);
	CU_ASSERT(write(p[1], "XY", 2) == 2);
	CU_ASSERT_EQUAL(mig_outcome_recv(p[0], 1000, &o, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(o, MIG_OUTCOME_COMMITTED);
	CU_ASSERT_EQUAL(mig_outcome_recv(p[0], 1000, &o, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(o, MIG_OUTCOME_ABORTED);
	CU_ASSERT_EQUAL(mig_outcome_recv(p[0], 1000, &o, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(o, MIG_OUTCOME_UNAVAILABLE);
	u_str_eq(mig_outcome_name(o), "unavailable", "name", __FILE__, __LINE__);
	char rest[3] = "";
	CU_ASSERT(read(p[0], rest, 2) == 2); /* nothing read past an answer */
	CU_ASSERT(memcmp(rest, "XY", 2) == 0);
	close(p[0]);
	close(p[1]);
}

static void test_refusals(void)
{
	int p[2];
	char err[256] = "";
	enum mig_outcome o;
	/* Another line: named, its bytes shown printable. */
	CU_ASSERT_FATAL(pipe(p) == 0);
	CU_ASSERT(write(p[1], "xcd migration outcome: maybe\x01\n", 30) == 30);
	CU_ASSERT_EQUAL(mig_outcome_recv(p[0], 1000, &o, err, sizeof(err)), -EPROTO);
	u_str_eq(err, "the receiver answered the outcome query with \"xcd migration outcome: "
		 "maybe??\" (30 bytes), not an xcd migration outcome (is it xl's "
		 "migrate-receive?)", "error", __FILE__, __LINE__);
	/* A line longer than any answer: refused at 40 bytes. */
	CU_ASSERT(write(p[1], "0123456789012345678901234567890123456789012345", 46) == 46);
	CU_ASSERT_EQUAL(mig_outcome_recv(p[0], 1000, &o, err, sizeof(err)), -EPROTO);
	CU_ASSERT(strstr(err, "(40 bytes)") != NULL);
	close(p[0]);
	close(p[1]);
	/* The end before a byte, and in the middle of a line. */
	CU_ASSERT_FATAL(pipe(p) == 0);
	close(p[1]);
	CU_ASSERT_EQUAL(mig_outcome_recv(p[0], 1000, &o, err, sizeof(err)), -ECONNRESET);
	CU_ASSERT(strstr(err, "without answering the outcome query") != NULL);
	close(p[0]);
	CU_ASSERT_FATAL(pipe(p) == 0);
	CU_ASSERT(write(p[1], "xcd migration out", 17) == 17);
	close(p[1]);
	CU_ASSERT_EQUAL(mig_outcome_recv(p[0], 1000, &o, err, sizeof(err)), -ECONNRESET);
	CU_ASSERT(strstr(err, "in the middle of its answer") != NULL);
	close(p[0]);
	/* Nothing comes. */
	CU_ASSERT_FATAL(pipe(p) == 0);
	CU_ASSERT_EQUAL(mig_outcome_recv(p[0], 50, &o, err, sizeof(err)), -ETIMEDOUT);
	u_str_eq(err, "no answer to the outcome query within 50 ms", "error", __FILE__,
		 __LINE__);
	close(p[0]);
	close(p[1]);
}

void register_outcome(void)
{
	CU_pSuite s = CU_add_suite("xcd's migration outcome query", NULL, NULL);
	CU_add_test(s, "the query's bytes, recognised, xl's header not", test_query);
	CU_add_test(s, "the answers read, nothing read past", test_answers);
	CU_add_test(s, "other bytes, a long line, an early end, a timeout", test_refusals);
}
