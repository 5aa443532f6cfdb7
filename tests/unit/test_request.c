/* request: malformed and forbidden input gets the documented error, and the
 * daemon keeps serving (the same connection unless it was killed, and the
 * others). */
#include "suites.h"
#include "util.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The connection still answers. */
static void served(struct hconn *h, int line)
{
	char m[64];
	snprintf(m, sizeof(m), "connection still served (from line %d)", line);
	int rc = u_req(h, XS_GET_DOMAIN_PATH, 0, "3", NULL);
	CU_assertImplementation(rc == 0 && strcmp(U_r.data, "/local/domain/3") == 0, (unsigned)line,
				m, __FILE__, "", CU_FALSE);
}
#define SERVED(h) served((h), __LINE__)

static void test_header_too_long(void)
{
	struct hconn *bad = u_conn(0, true);
	struct hconn *other = u_conn(5, false);
	struct xsd_sockmsg hdr = { .type = XS_READ, .req_id = 1, .len = XENSTORE_PAYLOAD_MAX + 1 };
	int rc = harness_feed(bad, &hdr, sizeof(hdr));
	CU_ASSERT_TRUE(rc < 0);
	CU_ASSERT_PTR_NULL(bad->c);
	U_EQ(bad->out_len, 0); /* killed, not answered */
	SERVED(other);
	/* The same once the header came in pieces. */
	struct hconn *bad2 = u_conn(0, true);
	struct xsd_sockmsg h2 = { .type = XS_WRITE, .req_id = 2, .len = 0xffffffffu };
	const char *p = (const char *)&h2;
	U_EQ(harness_feed(bad2, p, 7), 0);
	CU_ASSERT_PTR_NOT_NULL(bad2->c);
	CU_ASSERT_TRUE(harness_feed(bad2, p + 7, sizeof(h2) - 7) < 0);
	CU_ASSERT_PTR_NULL(bad2->c);
	SERVED(other);
}

static void test_max_payload(void)
{
	/* Exactly 4096 bytes of payload is fine. */
	struct hconn *d0 = u_conn(0, true);
	char payload[XENSTORE_PAYLOAD_MAX];
	memset(payload, 'v', sizeof(payload));
	memcpy(payload, "/max", 5);
	U_OK(u_raw(d0, XS_WRITE, 0, payload, sizeof(payload)));
	U_OK(u_read(d0, 0, "/max"));
	U_EQ(U_r.len, XENSTORE_PAYLOAD_MAX - 5);
	SERVED(d0);
}

static void test_framing(void)
{
	struct hconn *d0 = u_conn(0, true);
	U_OK(u_write(d0, 0, "/f", "v"));
	/* A request fed one byte at a time. */
	char buf[64];
	struct xsd_sockmsg h = { .type = XS_READ, .req_id = 4242, .tx_id = 0, .len = 3 };
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), "/f", 3);
	harness_clear(d0);
	for (size_t i = 0; i < sizeof(h) + 3; i++) {
		U_EQ(d0->out_len, 0);
		U_EQ(harness_feed(d0, buf + i, 1), 0);
	}
	U_EQ(d0->out_len, sizeof(h) + 1);
	if (d0->out_len == sizeof(h) + 1) {
		struct xsd_sockmsg r;
		memcpy(&r, d0->out, sizeof(r));
		U_EQ(r.type, XS_READ);
		U_EQ(r.req_id, 4242);
		U_EQ(r.len, 1);
		U_EQ(d0->out[sizeof(r)], 'v');
	}
	harness_clear(d0);
	/* Two requests in one piece: two answers, in order. */
	struct xsd_sockmsg h1 = { .type = XS_READ, .req_id = 7, .len = 3 };
	struct xsd_sockmsg h2 = { .type = XS_READ, .req_id = 8, .len = 3 };
	memcpy(buf, &h1, sizeof(h1));
	memcpy(buf + sizeof(h1), "/f", 3);
	memcpy(buf + sizeof(h1) + 3, &h2, sizeof(h2));
	memcpy(buf + 2 * sizeof(h1) + 3, "/g", 3);
	U_EQ(harness_feed(d0, buf, 2 * (sizeof(h1) + 3)), 0);
	CU_ASSERT_TRUE(d0->out_len >= 2 * sizeof(h1));
	if (d0->out_len >= 2 * sizeof(h1)) {
		struct xsd_sockmsg r1, r2;
		memcpy(&r1, d0->out, sizeof(r1));
		U_EQ(r1.req_id, 7);
		U_EQ(r1.type, XS_READ);
		memcpy(&r2, d0->out + sizeof(r1) + r1.len, sizeof(r2));
		U_EQ(r2.req_id, 8);
		U_EQ(r2.type, XS_ERROR);
		U_EQ(r2.len, strlen("ENOENT") + 1);
		U_STR(d0->out + 2 * sizeof(r1) + r1.len, "ENOENT");
	}
	harness_clear(d0);
}

static void test_error_reply_format(void)
{
	struct hconn *d0 = u_conn(0, true);
	uint32_t t = u_txstart(d0);
	U_RC(u_req(d0, XS_READ, t, "/a//b", NULL), -EINVAL);
	U_EQ(U_r.type, XS_ERROR);
	U_EQ(U_r.tx_id, t);
	U_EQ(U_r.len, 7);
	CU_ASSERT_TRUE(memcmp(U_r.data, "EINVAL\0", 7) == 0);
	U_OK(u_txend(d0, t, false));
}

static void test_unknown_type(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *other = u_conn(0, true);
	uint32_t types[] = { XS_MSG_TYPES, XS_MSG_TYPES + 1, 999, 0x7fffffffu, 0xffffffffu };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		U_RC(u_raw(d0, types[i], 0, "/\0", 2), -EINVAL);
		U_EQ(U_r.type, XS_ERROR);
		SERVED(d0);
		SERVED(other);
	}
}

static void test_reply_only_types(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d5 = u_conn(5, false);
	U_RC(u_req(d0, XS_WATCH_EVENT, 0, "/a", "tok", NULL), -EINVAL);
	U_RC(u_req(d0, XS_ERROR, 0, "EINVAL", NULL), -EINVAL);
	U_RC(u_req(d5, XS_WATCH_EVENT, 0, "/a", "tok", NULL), -EINVAL);
	U_RC(u_req(d5, XS_ERROR, 0, "EINVAL", NULL), -EINVAL);
	SERVED(d0);
	SERVED(d5);
}

static void test_missing_nul(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *other = u_conn(0, true);
	U_OK(u_write(d0, 0, "/a", "v"));
	uint32_t types[] = { XS_READ, XS_DIRECTORY, XS_GET_PERMS, XS_MKDIR, XS_RM, XS_WRITE };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		U_RC(u_raw(d0, types[i], 0, "/a", 2), -EINVAL);
		U_RC(u_raw(d0, types[i], 0, "", 0), -EINVAL);
		SERVED(d0);
		SERVED(other);
	}
	U_RC(u_raw(d0, XS_SET_PERMS, 0, "/a\0b0", 5), -EINVAL);
	U_RC(u_raw(d0, XS_DIRECTORY_PART, 0, "/a\0" "0", 4), -EINVAL);
	U_RC(u_raw(d0, XS_TRANSACTION_END, 0, "T", 1), -EINVAL);
	U_RC(u_raw(d0, XS_GET_DOMAIN_PATH, 0, "5", 1), -EINVAL);
	U_RC(u_raw(d0, XS_INTRODUCE, 0, "5\0" "1\0" "1", 5), -EINVAL);
	/* A single path argument must be the whole payload. */
	U_RC(u_raw(d0, XS_READ, 0, "/a\0/b\0", 6), -EINVAL);
	U_RC(u_raw(d0, XS_RM, 0, "/a\0junk", 7), -EINVAL);
	U_STR(u_get(d0, "/a"), "v");
	SERVED(d0);
	SERVED(other);
}

static void test_bad_path(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d5 = u_conn(5, false);
	const char *bad[] = { "/a//b", "/a/", "/a b", "", "/a.b", "//" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		U_RC(u_read(d0, 0, bad[i]), -EINVAL);
		U_RC(u_write(d0, 0, bad[i], "x"), -EINVAL);
		U_RC(u_mkdir(d0, 0, bad[i]), -EINVAL);
		U_RC(u_rm(d0, 0, bad[i]), -EINVAL);
		U_RC(u_req(d0, XS_DIRECTORY, 0, bad[i], NULL), -EINVAL);
		U_RC(u_req(d0, XS_DIRECTORY_PART, 0, bad[i], "0", NULL), -EINVAL);
		U_RC(u_req(d0, XS_GET_PERMS, 0, bad[i], NULL), -EINVAL);
		U_RC(u_setperms(d0, 0, bad[i], "b0", NULL), -EINVAL);
		U_RC(u_watch(d0, bad[i], "t"), -EINVAL);
		U_RC(u_read(d5, 0, bad[i]), -EINVAL);
		U_RC(u_write(d5, 0, bad[i], "x"), -EINVAL);
	}
	/* Over 3072 bytes. */
	char *longp = malloc(3100);
	memset(longp, 'l', 3099);
	longp[0] = '/';
	longp[3073] = '\0';
	U_RC(u_write(d0, 0, longp, "x"), -EINVAL);
	U_RC(u_read(d0, 0, longp), -EINVAL);
	free(longp);
	U_STR(u_dir(d0, "/"), "tool");
	SERVED(d0);
	SERVED(d5);
}

static void test_bad_permissions(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *other = u_conn(0, true);
	U_OK(u_write(d0, 0, "/p", "v"));
	U_OK(u_setperms(d0, 0, "/p", "n0", "r5", NULL));
	U_RC(u_setperms(d0, 0, "/p", "x0", NULL), -EINVAL);
	U_RC(u_setperms(d0, 0, "/p", "r", NULL), -EINVAL);
	U_RC(u_setperms(d0, 0, "/p", "", NULL), -EINVAL);
	U_RC(u_setperms(d0, 0, "/p", "b0", "q1", NULL), -EINVAL);
	U_RC(u_setperms(d0, 0, "/p", "b0", "r65536", NULL), -EINVAL);
	U_RC(u_setperms(d0, 0, "/p", "b0", "r-1", NULL), -EINVAL);
	U_RC(u_setperms(d0, 0, "/p", NULL), -EINVAL); /* no permission at all */
	U_STR(u_perms(d0, "/p"), "n0,r5");
	SERVED(d0);
	SERVED(other);
}

static void test_privileged_only(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d5 = u_conn(5, false);
	struct hconn *other = u_conn(6, false);
	u_conn(9, false);
	U_RC(u_req(d5, XS_INTRODUCE, 0, "7", "1", "1", NULL), -EACCES);
	U_RC(u_req(d5, XS_RELEASE, 0, "9", NULL), -EACCES);
	U_RC(u_req(d5, XS_SET_TARGET, 0, "5", "9", NULL), -EACCES);
	U_RC(u_req(d5, XS_RESUME, 0, "9", NULL), -EACCES);
	U_RC(u_req(d5, XS_GET_QUOTA, 0, NULL), -EACCES);
	U_RC(u_req(d5, XS_GET_QUOTA, 0, "nodes", NULL), -EACCES);
	U_RC(u_req(d5, XS_SET_QUOTA, 0, "nodes", "1", NULL), -EACCES);
	U_RC(u_req(d5, XS_GET_FEATURE, 0, "", NULL), -EACCES);
	U_RC(u_req(d5, XS_SET_FEATURE, 0, "9", "1", NULL), -EACCES);
	U_RC(u_req(d5, XS_CONTROL, 0, "check", NULL), -EACCES);
	U_RC(u_req(d5, XS_CONTROL, 0, "live-update", "-a", NULL), -EACCES);
	SERVED(d5);
	SERVED(other);
	/* Nothing happened. */
	U_OK(u_req(d0, XS_IS_DOMAIN_INTRODUCED, 0, "7", NULL));
	U_STR(U_r.data, "F");
	U_OK(u_req(d0, XS_IS_DOMAIN_INTRODUCED, 0, "9", NULL));
	U_STR(U_r.data, "T");
	U_OK(u_req(d0, XS_GET_QUOTA, 0, "nodes", NULL));
	U_STR(U_r.data, "1000");
	/* The same from dom0 works. */
	U_OK(u_req(d0, XS_RESUME, 0, "9", NULL));
	U_OK(u_req(d0, XS_CONTROL, 0, "check", NULL));
	U_STR(U_r.data, "OK");
	/* Open to everyone. */
	U_OK(u_req(d5, XS_GET_DOMAIN_PATH, 0, "7", NULL));
	U_STR(U_r.data, "/local/domain/7");
	U_OK(u_req(d5, XS_IS_DOMAIN_INTRODUCED, 0, "9", NULL));
	U_STR(U_r.data, "T");
}

static void test_domain_requests(void)
{
	struct hconn *d0 = u_conn(0, true);
	U_OK(u_req(d0, XS_GET_DOMAIN_PATH, 0, "0", NULL));
	U_STR(U_r.data, "/local/domain/0");
	U_OK(u_req(d0, XS_GET_DOMAIN_PATH, 0, "65535", NULL));
	U_STR(U_r.data, "/local/domain/65535");
	U_RC(u_req(d0, XS_GET_DOMAIN_PATH, 0, "abc", NULL), -EINVAL);
	U_RC(u_req(d0, XS_GET_DOMAIN_PATH, 0, "65536", NULL), -EINVAL);
	U_RC(u_req(d0, XS_GET_DOMAIN_PATH, 0, "", NULL), -EINVAL);
	U_OK(u_req(d0, XS_IS_DOMAIN_INTRODUCED, 0, "0", NULL));
	U_STR(U_r.data, "T");
	U_RC(u_req(d0, XS_RESUME, 0, "77", NULL), -ENOENT);
	U_RC(u_req(d0, XS_RELEASE, 0, "77", NULL), -ENOENT);
	U_RC(u_req(d0, XS_CONTROL, 0, "no-such-command", NULL), -EINVAL);
	U_RC(u_req(d0, XS_CONTROL, 0, NULL), -EINVAL);
	U_OK(u_req(d0, XS_CONTROL, 0, "help", NULL));
	CU_ASSERT_PTR_NOT_NULL(strstr(U_r.data, "quota"));
	SERVED(d0);
}

static const struct u_test tests[] = {
	{ "header len > 4096 kills the connection", test_header_too_long },
	{ "payload of 4096 bytes", test_max_payload },
	{ "framing: split and joined messages", test_framing },
	{ "error replies: type, ids, name", test_error_reply_format },
	{ "unknown type: EINVAL", test_unknown_type },
	{ "reply-only types: EINVAL", test_reply_only_types },
	{ "missing NUL: EINVAL", test_missing_nul },
	{ "bad path: EINVAL", test_bad_path },
	{ "bad permission string: EINVAL", test_bad_permissions },
	{ "privileged requests from a domain: EACCES", test_privileged_only },
	{ "domain requests", test_domain_requests },
	{ NULL, NULL },
};

void suite_request_register(void)
{
	u_add_suite("request", tests);
}
