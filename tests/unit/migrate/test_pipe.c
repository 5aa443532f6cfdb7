/* test_pipe: xl's migration pipe messages (migrate/pipe.c): the bytes as
 * tools/xl/xl.h has them, sent and read through a pipe, a REPORT's status
 * byte, what comes instead refused naming the byte, an early end, a
 * timeout, and nothing read past a message. */
#include "../../lib/cunit_run.h"
#include "../../../migrate/pipe.h"
#include "suites.h"
#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static void test_bytes(void)
{
	size_t n;
	const char *b = mig_pipe_bytes(MIG_PIPE_BANNER, &n);
	CU_ASSERT_EQUAL(n, 54);
	CU_ASSERT(memcmp(b, "xl migration receiver ready, send binary domain data.\n", 54) == 0);
	b = mig_pipe_bytes(MIG_PIPE_READY, &n);
	CU_ASSERT_EQUAL(n, 34);
	CU_ASSERT(memcmp(b, "domain received, ready to unpause\0", 34) == 0);
	b = mig_pipe_bytes(MIG_PIPE_GO, &n);
	CU_ASSERT_EQUAL(n, 44);
	CU_ASSERT(memcmp(b, "domain is yours, you are cleared to unpause\0", 44) == 0);
	b = mig_pipe_bytes(MIG_PIPE_REPORT, &n);
	CU_ASSERT_EQUAL(n, 39);
	CU_ASSERT(memcmp(b, "my copy unpause results are as follows\0", 39) == 0);
}

static void test_send_recv(void)
{
	int p[2];
	char err[256] = "";
	uint8_t st = 99;
	CU_ASSERT_FATAL(pipe(p) == 0);
	CU_ASSERT(mig_pipe_send(p[1], MIG_PIPE_BANNER, 0, err, sizeof(err)) == 0);
	CU_ASSERT(mig_pipe_send(p[1], MIG_PIPE_READY, 0, err, sizeof(err)) == 0);
	CU_ASSERT(mig_pipe_send(p[1], MIG_PIPE_REPORT, 0xfd, err, sizeof(err)) == 0);
	CU_ASSERT(write(p[1], "XYZ", 3) == 3);
	CU_ASSERT(mig_pipe_recv(p[0], MIG_PIPE_BANNER, 1000, NULL, err, sizeof(err)) == 0);
	CU_ASSERT(mig_pipe_recv(p[0], MIG_PIPE_READY, 1000, NULL, err, sizeof(err)) == 0);
	CU_ASSERT(mig_pipe_recv(p[0], MIG_PIPE_REPORT, 1000, &st, err, sizeof(err)) == 0);
	CU_ASSERT_EQUAL(st, 0xfd);
	/* What follows a message is left for the stream's reader. */
	char rest[4] = "";
	CU_ASSERT(read(p[0], rest, 3) == 3);
	CU_ASSERT(memcmp(rest, "XYZ", 3) == 0);
	close(p[0]);
	close(p[1]);
}

static void test_refusals(void)
{
	int p[2];
	char err[256] = "";
	CU_ASSERT_FATAL(pipe(p) == 0);
	/* A GO where READY is due: they differ at byte 7 ('i' for 'r'). */
	CU_ASSERT(mig_pipe_send(p[1], MIG_PIPE_GO, 0, err, sizeof(err)) == 0);
	CU_ASSERT_EQUAL(mig_pipe_recv(p[0], MIG_PIPE_READY, 1000, NULL, err, sizeof(err)),
			-EPROTO);
	u_str_eq(err, "the migration peer sent other bytes than the ready message: byte 7 is "
		 "0x69, not 0x72 (is the other side an xl or xcd migration receiver?)",
		 "error", __FILE__, __LINE__);
	close(p[0]);
	close(p[1]);
	CU_ASSERT_FATAL(pipe(p) == 0);
	CU_ASSERT(write(p[1], "domain received", 15) == 15);
	close(p[1]);
	CU_ASSERT_EQUAL(mig_pipe_recv(p[0], MIG_PIPE_READY, 1000, NULL, err, sizeof(err)),
			-ECONNRESET);
	CU_ASSERT(strstr(err, "closed the stream first") != NULL);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN); /* as xcdd and xcd do: EPIPE, not death */
	CU_ASSERT_FATAL(pipe(p) == 0);
	CU_ASSERT_EQUAL(mig_pipe_recv(p[0], MIG_PIPE_GO, 50, NULL, err, sizeof(err)), -ETIMEDOUT);
	u_str_eq(err, "no GO message from the migration peer within 50 ms", "error", __FILE__,
		 __LINE__);
	close(p[0]);
	CU_ASSERT_EQUAL(mig_pipe_send(p[1], MIG_PIPE_GO, 0, err, sizeof(err)), -EPIPE);
	CU_ASSERT(strstr(err, "the other side is gone") != NULL);
	close(p[1]);
}

/* The incremental reader the daemon's loop uses: any cut of the bytes. */
static void test_feed(void)
{
	size_t n, used;
	char err[256];
	const uint8_t *b = (const uint8_t *)mig_pipe_bytes(MIG_PIPE_REPORT, &n);
	uint8_t all[64];
	memcpy(all, b, n);
	all[n] = 0;
	all[n + 1] = 'X';
	for (size_t cut = 0; cut <= n; cut++) {
		struct mig_pipe_expect x;
		mig_pipe_expect_init(&x, MIG_PIPE_REPORT);
		CU_ASSERT_EQUAL(mig_pipe_feed(&x, all, cut, &used, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(used, cut);
		CU_ASSERT_EQUAL(mig_pipe_feed(&x, all + cut, n + 2 - cut, &used, err, sizeof(err)),
				1);
		CU_ASSERT_EQUAL(used, n + 1 - cut); /* not the 'X' */
		CU_ASSERT_EQUAL(x.status, 0);
	}
	struct mig_pipe_expect x;
	mig_pipe_expect_init(&x, MIG_PIPE_BANNER);
	CU_ASSERT_EQUAL(mig_pipe_feed(&x, (const uint8_t *)"xl migration sender", 19, &used,
				      err, sizeof(err)), -EPROTO);
	CU_ASSERT(strstr(err, "than the banner: byte 13 is 0x73, not 0x72") != NULL);
}

/* xcd's XCD reads answer: its bytes; the sender's poll between batches
 * (nothing yet, the answer, another byte, a closed side); READY with the
 * answer before it, at any cut, only where it is allowed; a malformed
 * answer refused naming the byte. */
static void test_reads(void)
{
	int p[2];
	char err[256] = "";
	uint32_t codecs = 99;
	CU_ASSERT_FATAL(pipe(p) == 0);
	CU_ASSERT_EQUAL(mig_pipe_poll_reads(p[0], &codecs, err, sizeof(err)), 0);
	CU_ASSERT(mig_pipe_send_reads(p[1], 3, err, sizeof(err)) == 0);
	CU_ASSERT(mig_pipe_send(p[1], MIG_PIPE_READY, 0, err, sizeof(err)) == 0);
	CU_ASSERT_EQUAL(mig_pipe_poll_reads(p[0], &codecs, err, sizeof(err)), 1);
	CU_ASSERT_EQUAL(codecs, 3);
	/* READY follows, untouched. */
	CU_ASSERT(mig_pipe_recv(p[0], MIG_PIPE_READY, 1000, NULL, err, sizeof(err)) == 0);
	CU_ASSERT(write(p[1], "d", 1) == 1);
	CU_ASSERT_EQUAL(mig_pipe_poll_reads(p[0], &codecs, err, sizeof(err)), -EPROTO);
	u_str_eq(err, "the migration receiver sent 0x64 before the stream's end (only an XCD "
		 "reads message may come then)", "error", __FILE__, __LINE__);
	close(p[1]);
	CU_ASSERT_EQUAL(mig_pipe_poll_reads(p[0], &codecs, err, sizeof(err)), -ECONNRESET);
	CU_ASSERT(strstr(err, "closed its side before the stream's end") != NULL);
	close(p[0]);

	uint8_t all[80];
	size_t n, used;
	const char *ready = mig_pipe_bytes(MIG_PIPE_READY, &n);
	memcpy(all, "XCD reads 00000002\n", MIG_PIPE_READS_LEN);
	memcpy(all + MIG_PIPE_READS_LEN, ready, n);
	for (size_t cut = 0; cut <= MIG_PIPE_READS_LEN + n; cut++) {
		struct mig_pipe_expect x;
		mig_pipe_expect_after_reads(&x, MIG_PIPE_READY);
		int r1 = mig_pipe_feed(&x, all, cut, &used, err, sizeof(err));
		CU_ASSERT(r1 == (cut == MIG_PIPE_READS_LEN + n));
		if (r1 == 1)
			continue;
		CU_ASSERT_EQUAL(used, cut);
		CU_ASSERT_EQUAL(mig_pipe_feed(&x, all + cut, MIG_PIPE_READS_LEN + n - cut, &used,
					      err, sizeof(err)), 1);
		CU_ASSERT(x.has_reads && x.codecs == 2);
	}
	/* Not allowed: its 'X' is where READY's 'd' is due. */
	struct mig_pipe_expect x;
	mig_pipe_expect_init(&x, MIG_PIPE_READY);
	CU_ASSERT_EQUAL(mig_pipe_feed(&x, all, MIG_PIPE_READS_LEN + n, &used, err, sizeof(err)),
			-EPROTO);
	CU_ASSERT(strstr(err, "than the ready message: byte 0 is 0x58") != NULL);
	/* Malformed: a letter where its hex digits are. */
	mig_pipe_expect_after_reads(&x, MIG_PIPE_READY);
	CU_ASSERT_EQUAL(mig_pipe_feed(&x, (const uint8_t *)"XCD reads 0000g", 15, &used, err,
				      sizeof(err)), -EPROTO);
	u_str_eq(err, "the migration peer's XCD reads message: byte 14 is 0x67, not a hex digit",
		 "error", __FILE__, __LINE__);
}

void register_pipe(void)
{
	CU_pSuite s = CU_add_suite("xl's migration pipe", NULL, NULL);
	CU_add_test(s, "the messages' bytes, as xl.h has them", test_bytes);
	CU_add_test(s, "sent and read, a report's status, nothing read past", test_send_recv);
	CU_add_test(s, "other bytes, an early end, a timeout, a gone reader", test_refusals);
	CU_add_test(s, "the incremental reader, at every cut", test_feed);
	CU_add_test(s, "xcd's XCD reads answer, polled and before READY", test_reads);
}
