/* The line buffer: splitting, joining, limits, reading a socket. */
#include "suites.h"
#include "../../../lib/errmsg.h"
#include "../../../lib/jsonrpc.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char err[XCD_ERR_MAX];

static int add(struct jsonrpc_linebuf *lb, const char *s)
{
	return jsonrpc_linebuf_append(lb, s, strlen(s), err, sizeof(err));
}

static int next(struct jsonrpc_linebuf *lb, char **line)
{
	size_t len;
	int r = jsonrpc_linebuf_next(lb, line, &len, err, sizeof(err));
	if (r == 1)
		CU_ASSERT_EQUAL(len, strlen(*line));
	return r;
}

static void test_split_join(void)
{
	struct jsonrpc_linebuf lb;
	char *line;
	jsonrpc_linebuf_init(&lb, 100);
	CU_ASSERT_EQUAL(next(&lb, &line), 0);
	CU_ASSERT_EQUAL(add(&lb, "one\ntwo\r\n\n\r\nthr"), 0);
	CU_ASSERT_EQUAL(next(&lb, &line), 1);
	U_STR_EQ(line, "one");
	CU_ASSERT_EQUAL(next(&lb, &line), 1);
	U_STR_EQ(line, "two");
	/* Empty lines (and bare "\r") are skipped. */
	CU_ASSERT_EQUAL(next(&lb, &line), 0);
	CU_ASSERT_EQUAL(jsonrpc_linebuf_pending(&lb), 3);
	CU_ASSERT_EQUAL(add(&lb, "ee"), 0);
	CU_ASSERT_EQUAL(next(&lb, &line), 0);
	CU_ASSERT_EQUAL(add(&lb, "\nfour\n"), 0);
	CU_ASSERT_EQUAL(next(&lb, &line), 1);
	U_STR_EQ(line, "three");
	CU_ASSERT_EQUAL(next(&lb, &line), 1);
	U_STR_EQ(line, "four");
	CU_ASSERT_EQUAL(next(&lb, &line), 0);
	CU_ASSERT_EQUAL(jsonrpc_linebuf_pending(&lb), 0);
	/* Byte by byte. */
	const char *msg = "{\"a\":1}\n{\"b\":2}\n";
	for (const char *p = msg; *p; p++)
		CU_ASSERT_EQUAL(jsonrpc_linebuf_append(&lb, p, 1, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(next(&lb, &line), 1);
	U_STR_EQ(line, "{\"a\":1}");
	CU_ASSERT_EQUAL(next(&lb, &line), 1);
	U_STR_EQ(line, "{\"b\":2}");
	CU_ASSERT_EQUAL(next(&lb, &line), 0);
	jsonrpc_linebuf_free(&lb);
}

static void test_limits(void)
{
	struct jsonrpc_linebuf lb;
	char *line;
	char buf[64];
	/* Exactly MAX bytes pass, with or without "\r". */
	jsonrpc_linebuf_init(&lb, 10);
	CU_ASSERT_EQUAL(add(&lb, "0123456789"), 0);
	CU_ASSERT_EQUAL(add(&lb, "\r\n0123456789\n"), 0);
	CU_ASSERT_EQUAL(next(&lb, &line), 1);
	U_STR_EQ(line, "0123456789");
	CU_ASSERT_EQUAL(next(&lb, &line), 1);
	CU_ASSERT_EQUAL(next(&lb, &line), 0);
	/* One more, still unterminated: refused as it arrives. */
	CU_ASSERT_EQUAL(add(&lb, "01234"), 0);
	CU_ASSERT_EQUAL(add(&lb, "567890"), -EMSGSIZE);
	U_STR_EQ(err, "line longer than the limit of 10 bytes");
	/* And the buffer stays failed. */
	CU_ASSERT_EQUAL(add(&lb, "\n"), -EMSGSIZE);
	CU_ASSERT_EQUAL(next(&lb, &line), -EMSGSIZE);
	jsonrpc_linebuf_free(&lb);

	/* A complete over-long line in one piece, after a good one. */
	jsonrpc_linebuf_init(&lb, 10);
	memset(buf, 'x', sizeof(buf));
	memcpy(buf, "ok\n", 3);
	buf[3 + 20] = '\n';
	CU_ASSERT_EQUAL(jsonrpc_linebuf_append(&lb, buf, 3 + 21, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(next(&lb, &line), 1);
	U_STR_EQ(line, "ok");
	CU_ASSERT_EQUAL(next(&lb, &line), -EMSGSIZE);
	U_CONTAINS(err, "limit of 10 bytes");
	jsonrpc_linebuf_free(&lb);
}

static void test_socket(void)
{
	int sv[2];
	char *line;
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	struct jsonrpc_linebuf lb;
	jsonrpc_linebuf_init(&lb, JSONRPC_MAX_LINE);
	CU_ASSERT_EQUAL(jsonrpc_linebuf_read(&lb, sv[0], err, sizeof(err)), -EAGAIN);
	CU_ASSERT_EQUAL(write(sv[1], "{\"x\":1}\n{\"y\"", 12), 12);
	CU_ASSERT_EQUAL(jsonrpc_linebuf_read(&lb, sv[0], err, sizeof(err)), 12);
	CU_ASSERT_EQUAL(next(&lb, &line), 1);
	U_STR_EQ(line, "{\"x\":1}");
	CU_ASSERT_EQUAL(next(&lb, &line), 0);
	CU_ASSERT_EQUAL(write(sv[1], ":2}\n", 4), 4);
	CU_ASSERT_EQUAL(jsonrpc_linebuf_read(&lb, sv[0], err, sizeof(err)), 4);
	CU_ASSERT_EQUAL(next(&lb, &line), 1);
	U_STR_EQ(line, "{\"y\":2}");
	/* A line over the limit arriving over many reads. */
	jsonrpc_linebuf_free(&lb);
	jsonrpc_linebuf_init(&lb, 100000);
	char *big = malloc(200000);
	memset(big, 'a', 200000);
	ssize_t sent = 0, r = 0;
	int rounds = 0;
	while (rounds++ < 100) {
		ssize_t w = write(sv[1], big, 200000 - (size_t)sent);
		if (w > 0)
			sent += w;
		r = jsonrpc_linebuf_read(&lb, sv[0], err, sizeof(err));
		if (r == -EMSGSIZE)
			break;
		CU_ASSERT(r > 0 || r == -EAGAIN);
	}
	CU_ASSERT_EQUAL(r, -EMSGSIZE);
	CU_ASSERT(lb.cap <= 100000 + 65536 + 4096 || lb.cap <= 2 * (100000 + 65536));
	free(big);
	/* End of file. */
	jsonrpc_linebuf_free(&lb);
	jsonrpc_linebuf_init(&lb, 100);
	close(sv[0]);
	close(sv[1]);
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	CU_ASSERT_EQUAL(write(sv[1], "partial", 7), 7);
	close(sv[1]);
	do
		r = jsonrpc_linebuf_read(&lb, sv[0], err, sizeof(err));
	while (r > 0);
	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT_EQUAL(jsonrpc_linebuf_pending(&lb), 7);
	close(sv[0]);
	/* A closed descriptor: an error with a message. */
	CU_ASSERT_EQUAL(jsonrpc_linebuf_read(&lb, sv[0], err, sizeof(err)), -EBADF);
	U_CONTAINS(err, "read: ");
	jsonrpc_linebuf_free(&lb);
}

void suite_linebuf_register(void)
{
	CU_pSuite s = CU_add_suite("linebuf", NULL, NULL);
	CU_add_test(s, "split and join lines", test_split_join);
	CU_add_test(s, "line length limit", test_limits);
	CU_add_test(s, "non-blocking socket", test_socket);
}
