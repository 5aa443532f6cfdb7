/* The JSON-RPC codec: requests, responses, errors, parameters, output. */
#include "suites.h"
#include "../../../lib/jsonrpc.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int parse(const char *line, struct jsonrpc_message *m, struct jsonrpc_error *e)
{
	return jsonrpc_request_parse(line, strlen(line), m, e);
}

static void test_valid_requests(void)
{
	struct jsonrpc_message m;
	struct jsonrpc_error e;
	CU_ASSERT_EQUAL(parse("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"domain.list\"}", &m, &e), 0);
	CU_ASSERT_EQUAL(m.kind, JSONRPC_REQUEST);
	CU_ASSERT_EQUAL(m.id.type, JSONRPC_ID_NUMBER);
	U_STR_EQ(m.id.text, "7");
	U_STR_EQ(m.method, "domain.list");
	CU_ASSERT_PTR_NULL(m.params);
	jsonrpc_message_free(&m);

	CU_ASSERT_EQUAL(parse(" {\"params\":{\"name\":\"vm1\"},\"method\":\"domain.create\","
			      "\"id\":\"a-1\",\"jsonrpc\":\"2.0\"}\r", &m, &e), 0);
	CU_ASSERT_EQUAL(m.id.type, JSONRPC_ID_STRING);
	U_STR_EQ(m.id.text, "a-1");
	CU_ASSERT(YAJL_IS_OBJECT(m.params));
	jsonrpc_message_free(&m);

	CU_ASSERT_EQUAL(parse("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"m\",\"params\":[1,2]}",
			      &m, &e), 0);
	CU_ASSERT_EQUAL(m.kind, JSONRPC_REQUEST);
	CU_ASSERT_EQUAL(m.id.type, JSONRPC_ID_NULL);
	CU_ASSERT(YAJL_IS_ARRAY(m.params));
	jsonrpc_message_free(&m);

	/* A number id keeps its text, whatever its size. */
	CU_ASSERT_EQUAL(parse("{\"jsonrpc\":\"2.0\",\"id\":123456789012345678901234567890,"
			      "\"method\":\"m\"}", &m, &e), 0);
	U_STR_EQ(m.id.text, "123456789012345678901234567890");
	jsonrpc_message_free(&m);

	CU_ASSERT_EQUAL(parse("{\"jsonrpc\":\"2.0\",\"method\":\"domain.event\",\"params\":{}}",
			      &m, &e), 0);
	CU_ASSERT_EQUAL(m.kind, JSONRPC_NOTIFICATION);
	CU_ASSERT_EQUAL(m.id.type, JSONRPC_ID_NONE);
	jsonrpc_message_free(&m);

	/* Not NUL-terminated: only LEN bytes are read. */
	const char buf[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\"}garbage";
	CU_ASSERT_EQUAL(jsonrpc_request_parse(buf, sizeof(buf) - 1 - 7, &m, &e), 0);
	jsonrpc_message_free(&m);
}

struct bad {
	const char *line;
	int code;
	const char *field;
	const char *message;
	enum jsonrpc_id_type id; /* what the error response is addressed to */
};

static const struct bad bad_requests[] = {
	{ "", JSONRPC_PARSE_ERROR, "", "empty message", JSONRPC_ID_NULL },
	{ "  \t ", JSONRPC_PARSE_ERROR, "", "empty message", JSONRPC_ID_NULL },
	{ "{", JSONRPC_PARSE_ERROR, "", "invalid JSON at byte", JSONRPC_ID_NULL },
	{ "{\"jsonrpc\":\"2.0\",}", JSONRPC_PARSE_ERROR, "", "invalid JSON", JSONRPC_ID_NULL },
	{ "{} {}", JSONRPC_PARSE_ERROR, "", "invalid JSON", JSONRPC_ID_NULL },
	{ "{\"a\":1 /* c */}", JSONRPC_PARSE_ERROR, "", "invalid JSON", JSONRPC_ID_NULL },
	{ "{\"a\":\"\xff\"}", JSONRPC_PARSE_ERROR, "", "invalid UTF-8 at byte 6 (0xff)",
	  JSONRPC_ID_NULL },
	{ "{\"a\":\"x\\u0000y\"}", JSONRPC_PARSE_ERROR, "", "\\u0000", JSONRPC_ID_NULL },
	{ "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\"}]", JSONRPC_INVALID_REQUEST, "",
	  "batches (a JSON array) are not supported", JSONRPC_ID_NULL },
	{ "[]", JSONRPC_INVALID_REQUEST, "", "batches", JSONRPC_ID_NULL },
	{ "42", JSONRPC_INVALID_REQUEST, "", "must be a JSON object, not a number", JSONRPC_ID_NULL },
	{ "\"x\"", JSONRPC_INVALID_REQUEST, "", "not a string", JSONRPC_ID_NULL },
	{ "null", JSONRPC_INVALID_REQUEST, "", "not null", JSONRPC_ID_NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"m\"}", JSONRPC_INVALID_REQUEST, "id",
	  "\"id\" must be a number, a string or null, not an object", JSONRPC_ID_NULL },
	{ "{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"m\"}", JSONRPC_INVALID_REQUEST, "id",
	  "not a boolean", JSONRPC_ID_NULL },
	{ "{\"id\":1,\"method\":\"m\"}", JSONRPC_INVALID_REQUEST, "jsonrpc",
	  "\"jsonrpc\" is missing: it must be \"2.0\"", JSONRPC_ID_NUMBER },
	{ "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"m\"}", JSONRPC_INVALID_REQUEST, "jsonrpc",
	  "\"jsonrpc\" must be \"2.0\"", JSONRPC_ID_NUMBER },
	{ "{\"jsonrpc\":2.0,\"id\":\"s\",\"method\":\"m\"}", JSONRPC_INVALID_REQUEST, "jsonrpc",
	  "\"jsonrpc\" must be \"2.0\"", JSONRPC_ID_STRING },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1}", JSONRPC_INVALID_REQUEST, "method",
	  "\"method\" is missing", JSONRPC_ID_NUMBER },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}", JSONRPC_INVALID_REQUEST, "method",
	  "\"method\" must be a string, not a number", JSONRPC_ID_NUMBER },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\"}", JSONRPC_INVALID_REQUEST, "method",
	  "\"method\" must not be empty", JSONRPC_ID_NUMBER },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":\"x\"}",
	  JSONRPC_INVALID_REQUEST, "params", "\"params\" must be an object or an array, not a string",
	  JSONRPC_ID_NUMBER },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":null}",
	  JSONRPC_INVALID_REQUEST, "params", "not null", JSONRPC_ID_NUMBER },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"parmas\":{}}", JSONRPC_INVALID_REQUEST,
	  "parmas", "unknown member \"parmas\"", JSONRPC_ID_NUMBER },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"result\":{}}", JSONRPC_INVALID_REQUEST,
	  "result", "unknown member \"result\"", JSONRPC_ID_NUMBER },
	{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"method\":\"n\"}",
	  JSONRPC_INVALID_REQUEST, "method", "duplicate member \"method\"", JSONRPC_ID_NUMBER },
	{ "{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"params\":[],\"junk\":1}", JSONRPC_INVALID_REQUEST,
	  "junk", "unknown member", JSONRPC_ID_NULL },
};

static void test_invalid_requests(void)
{
	for (size_t i = 0; i < sizeof(bad_requests) / sizeof(bad_requests[0]); i++) {
		const struct bad *b = &bad_requests[i];
		struct jsonrpc_message m;
		struct jsonrpc_error e;
		int r = parse(b->line, &m, &e);
		CU_ASSERT_EQUAL(r, -EINVAL);
		int code = b->code;
		if (e.code != code)
			fprintf(stderr, "\n%s: code %d, expected %d (%s)\n", b->line, e.code, code,
				e.message);
		CU_ASSERT_EQUAL(e.code, code);
		U_STR_EQ(e.field, b->field);
		U_CONTAINS(e.message, b->message);
		CU_ASSERT_EQUAL(m.id.type, b->id);
		CU_ASSERT_PTR_NULL(m.method);
		CU_ASSERT_PTR_NULL(m.params);
		jsonrpc_message_free(&m);
	}
}

static void test_limits(void)
{
	struct jsonrpc_message m;
	struct jsonrpc_error e;
	/* Depth: 64 levels pass, 65 do not. */
	char deep[1024];
	size_t n = 0;
	n += (size_t)sprintf(deep, "{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"params\":");
	for (int i = 0; i < JSONRPC_MAX_DEPTH - 1; i++)
		deep[n++] = '[';
	for (int i = 0; i < JSONRPC_MAX_DEPTH - 1; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	CU_ASSERT_EQUAL(jsonrpc_request_parse(deep, n, &m, &e), 0);
	jsonrpc_message_free(&m);
	n = 0;
	for (int i = 0; i < JSONRPC_MAX_DEPTH + 1; i++)
		deep[n++] = '[';
	CU_ASSERT_EQUAL(jsonrpc_request_parse(deep, n, &m, &e), -EINVAL);
	CU_ASSERT_EQUAL(e.code, JSONRPC_PARSE_ERROR);
	U_CONTAINS(e.message, "nesting deeper than 64 levels");
	jsonrpc_message_free(&m);

	/* A million brackets must neither recurse nor be built into a tree. */
	size_t big = JSONRPC_MAX_LINE;
	char *line = malloc(big + 1);
	memset(line, '[', big);
	CU_ASSERT_EQUAL(jsonrpc_request_parse(line, big, &m, &e), -EINVAL);
	U_CONTAINS(e.message, "nesting");
	jsonrpc_message_free(&m);
	CU_ASSERT_EQUAL(jsonrpc_request_parse(line, big + 1, &m, &e), -EMSGSIZE);
	U_CONTAINS(e.message, "longer than the limit of 1048576 bytes");
	jsonrpc_message_free(&m);
	free(line);

	/* A NUL byte inside the line. */
	CU_ASSERT_EQUAL(jsonrpc_request_parse("{\"a\"\0:1}", 8, &m, &e), -EINVAL);
	CU_ASSERT_EQUAL(e.code, JSONRPC_PARSE_ERROR);
	U_CONTAINS(e.message, "NUL byte at byte 4");
	jsonrpc_message_free(&m);
}

/* Strict UTF-8: what yajl lets through is refused, at the byte it starts. */
static void test_utf8(void)
{
	static const struct {
		const char *line, *msg;
	} bad[] = {
		/* the id's text starts at byte 36 */
		{ "{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":\"\xc0\xaf\"}",
		  "invalid UTF-8 at byte 36 (0xc0): an overlong form" },
		{ "{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":\"\xe0\x80\xaf\"}",
		  "invalid UTF-8 at byte 36 (0xe0): an overlong form" },
		{ "{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":\"\xf0\x80\x80\xaf\"}",
		  "invalid UTF-8 at byte 36 (0xf0): an overlong form" },
		{ "{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":\"ab\xed\xa0\x80\"}",
		  "invalid UTF-8 at byte 38 (0xed): a UTF-16 surrogate" },
		{ "{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":\"\xed\xbf\xbf\"}",
		  "invalid UTF-8 at byte 36 (0xed): a UTF-16 surrogate" },
		{ "{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":\"\xf4\x90\x80\x80\"}",
		  "invalid UTF-8 at byte 36 (0xf4): a code point above U+10FFFF" },
		{ "{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":\"\xf5\x80\x80\x80\"}",
		  "invalid UTF-8 at byte 36 (0xf5): a code point above U+10FFFF" },
		{ "{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":\"\xc3\"}",
		  "invalid UTF-8 at byte 36 (0xc3): a truncated sequence" },
		{ "{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":\"\x80\"}",
		  "invalid UTF-8 at byte 36 (0x80): a continuation byte out of place" },
		/* In a key, too. */
		{ "{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"\xc1\xbf\":1}",
		  "invalid UTF-8 at byte 31 (0xc1): an overlong form" },
		/* Escaped: yajl turns a lone low surrogate into its bytes. */
		{ "{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":\"\\udc00\"}",
		  "unpaired UTF-16 surrogate escape" },
	};
	struct jsonrpc_message m;
	struct jsonrpc_error e;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(parse(bad[i].line, &m, &e), -EINVAL);
		CU_ASSERT_EQUAL(e.code, JSONRPC_PARSE_ERROR);
		U_CONTAINS(e.message, bad[i].msg);
		jsonrpc_message_free(&m);
	}
	/* Valid: 2, 3 and 4-byte forms, the last code point, a surrogate pair. */
	static const char *const good[] = {
		"{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":\"caf\xc3\xa9\"}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":\"\xe2\x82\xac\xef\xbf\xbf\"}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":\"\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\"}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":\"\\ud83d\\ude00\"}",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CU_ASSERT_EQUAL(parse(good[i], &m, &e), 0);
		jsonrpc_message_free(&m);
	}
}

static void test_params(void)
{
	struct jsonrpc_message m;
	struct jsonrpc_error e;
	CU_ASSERT_EQUAL(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":"
			      "{\"name\":\"vm1\",\"vcpus\":4,\"big\":1.5,\"paused\":true,"
			      "\"none\":null,\"num\":\"3\"}}", &m, &e), 0);
	const char *s = NULL;
	long long i = -1;
	bool b = false;
	CU_ASSERT_EQUAL(jsonrpc_param_string(&m, "name", true, &s, &e), 0);
	U_STR_EQ(s, "vm1");
	CU_ASSERT_EQUAL(jsonrpc_param_int(&m, "vcpus", true, 1, 128, &i, &e), 0);
	CU_ASSERT_EQUAL(i, 4);
	CU_ASSERT_EQUAL(jsonrpc_param_bool(&m, "paused", true, &b, &e), 0);
	CU_ASSERT(b);
	/* Optional and absent, or null: untouched. */
	s = "default";
	CU_ASSERT_EQUAL(jsonrpc_param_string(&m, "absent", false, &s, &e), 0);
	CU_ASSERT_EQUAL(jsonrpc_param_string(&m, "none", false, &s, &e), 0);
	U_STR_EQ(s, "default");

	CU_ASSERT_EQUAL(jsonrpc_param_string(&m, "vcpus", true, &s, &e), -EINVAL);
	CU_ASSERT_EQUAL(e.code, JSONRPC_INVALID_PARAMS);
	U_STR_EQ(e.field, "params.vcpus");
	U_STR_EQ(e.message, "params.vcpus: expected a string, not a number");
	CU_ASSERT_EQUAL(jsonrpc_param_string(&m, "absent", true, &s, &e), -EINVAL);
	U_STR_EQ(e.message, "params.absent: missing, expected a string");
	CU_ASSERT_EQUAL(jsonrpc_param_string(&m, "none", true, &s, &e), -EINVAL);
	U_STR_EQ(e.field, "params.none");
	CU_ASSERT_EQUAL(jsonrpc_param_int(&m, "num", true, 0, 9, &i, &e), -EINVAL);
	U_STR_EQ(e.message, "params.num: expected an integer, not a string");
	CU_ASSERT_EQUAL(jsonrpc_param_int(&m, "big", true, 0, 9, &i, &e), -EINVAL);
	U_STR_EQ(e.field, "params.big");
	CU_ASSERT_EQUAL(jsonrpc_param_int(&m, "vcpus", true, 8, 16, &i, &e), -EINVAL);
	U_STR_EQ(e.message, "params.vcpus: 4 is out of range [8, 16]");
	CU_ASSERT_EQUAL(jsonrpc_param_bool(&m, "name", true, &b, &e), -EINVAL);
	U_STR_EQ(e.message, "params.name: expected a boolean, not a string");

	static const char *const known[] = { "name", "vcpus", "big", "paused", "none", NULL };
	CU_ASSERT_EQUAL(jsonrpc_params_only(&m, known, &e), -EINVAL);
	U_STR_EQ(e.field, "params.num");
	U_STR_EQ(e.message, "params.num: unknown parameter");
	static const char *const all[] = { "name", "vcpus", "big", "paused", "none", "num", NULL };
	CU_ASSERT_EQUAL(jsonrpc_params_only(&m, all, &e), 0);
	jsonrpc_message_free(&m);

	/* Positional params cannot be read by name. */
	CU_ASSERT_EQUAL(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":[1]}",
			      &m, &e), 0);
	CU_ASSERT_EQUAL(jsonrpc_param_int(&m, "x", false, 0, 1, &i, &e), -EINVAL);
	U_STR_EQ(e.field, "params");
	U_CONTAINS(e.message, "expected an object with named members");
	CU_ASSERT_EQUAL(jsonrpc_params_only(&m, known, &e), -EINVAL);
	jsonrpc_message_free(&m);

	/* No params at all: a required one is missing, an optional one absent. */
	CU_ASSERT_EQUAL(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\"}", &m, &e), 0);
	CU_ASSERT_EQUAL(jsonrpc_param_bool(&m, "force", false, &b, &e), 0);
	CU_ASSERT_EQUAL(jsonrpc_param_bool(&m, "force", true, &b, &e), -EINVAL);
	U_STR_EQ(e.message, "params.force: missing, expected a boolean");
	CU_ASSERT_EQUAL(jsonrpc_params_only(&m, known, &e), 0);
	jsonrpc_message_free(&m);
}

static int gen_list(yajl_gen g, void *arg)
{
	yajl_gen_array_open(g);
	yajl_gen_string(g, (const unsigned char *)arg, strlen(arg));
	return yajl_gen_array_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

static int gen_fails(yajl_gen g, void *arg)
{
	return -EIO;
}

static void test_output(void)
{
	char *out;
	size_t len;
	struct jsonrpc_id num = { JSONRPC_ID_NUMBER, "12" }, str = { JSONRPC_ID_STRING, "a\"b" };
	struct jsonrpc_id none = { JSONRPC_ID_NONE, NULL }, null = { JSONRPC_ID_NULL, NULL };
	CU_ASSERT_EQUAL(jsonrpc_gen_result(&num, gen_list, "vm\n1", &out, &len), 0);
	U_STR_EQ(out, "{\"jsonrpc\":\"2.0\",\"id\":12,\"result\":[\"vm\\n1\"]}\n");
	CU_ASSERT_EQUAL(len, strlen(out));
	free(out);
	CU_ASSERT_EQUAL(jsonrpc_gen_result(&str, NULL, NULL, &out, &len), 0);
	U_STR_EQ(out, "{\"jsonrpc\":\"2.0\",\"id\":\"a\\\"b\",\"result\":null}\n");
	free(out);
	CU_ASSERT_EQUAL(jsonrpc_gen_result(&none, NULL, NULL, &out, &len), -EINVAL);
	CU_ASSERT_EQUAL(jsonrpc_gen_result(&num, gen_fails, NULL, &out, &len), -EIO);

	struct jsonrpc_error e;
	jsonrpc_error_set(&e, JSONRPC_INVALID_PARAMS, "params.name", "params.name: expected %s",
			  "a string");
	CU_ASSERT_EQUAL(jsonrpc_gen_error(&num, &e, &out, &len), 0);
	U_STR_EQ(out, "{\"jsonrpc\":\"2.0\",\"id\":12,\"error\":{\"code\":-32602,\"message\":"
		      "\"params.name: expected a string\",\"data\":{\"field\":\"params.name\"}}}\n");
	free(out);
	jsonrpc_error_set(&e, JSONRPC_PARSE_ERROR, NULL, "bad");
	CU_ASSERT_EQUAL(jsonrpc_gen_error(&null, &e, &out, &len), 0);
	U_STR_EQ(out, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,"
		      "\"message\":\"bad\"}}\n");
	free(out);
	/* Invalid UTF-8 in a message still gets an answer. */
	jsonrpc_error_set(&e, -1, NULL, "bad \xff byte");
	CU_ASSERT_EQUAL(jsonrpc_gen_error(&num, &e, &out, &len), 0);
	U_CONTAINS(out, "not valid UTF-8");
	free(out);
	/* A message cut in the middle of a UTF-8 character stays valid. */
	char longmsg[400];
	memset(longmsg, 'a', sizeof(longmsg));
	for (size_t i = 250; i + 1 < sizeof(longmsg); i += 2)
		memcpy(longmsg + i, "\xc3\xa9", 2);
	longmsg[sizeof(longmsg) - 1] = '\0';
	for (int shift = 0; shift < 2; shift++) {
		jsonrpc_error_set(&e, -1, NULL, "%s", longmsg + shift);
		CU_ASSERT_EQUAL(jsonrpc_gen_error(&num, &e, &out, &len), 0);
		U_CONTAINS(out, "\xc3\xa9\"");
		free(out);
	}

	CU_ASSERT_EQUAL(jsonrpc_gen_notification("domain.state", gen_list, "running", &out, &len), 0);
	U_STR_EQ(out, "{\"jsonrpc\":\"2.0\",\"method\":\"domain.state\",\"params\":[\"running\"]}\n");
	free(out);
	CU_ASSERT_EQUAL(jsonrpc_gen_request(&num, "domain.list", NULL, NULL, &out, &len), 0);
	U_STR_EQ(out, "{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"domain.list\"}\n");
	/* What is written reads back. */
	struct jsonrpc_message m;
	CU_ASSERT_EQUAL(jsonrpc_request_parse(out, len - 1, &m, &e), 0);
	U_STR_EQ(m.method, "domain.list");
	jsonrpc_message_free(&m);
	free(out);
}

static void test_responses(void)
{
	struct jsonrpc_message m;
	struct jsonrpc_error e;
	const char *ok = "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"a\":1}}";
	CU_ASSERT_EQUAL(jsonrpc_response_parse(ok, strlen(ok), &m, &e), 0);
	CU_ASSERT_EQUAL(m.kind, JSONRPC_RESPONSE);
	CU_ASSERT(!m.is_error);
	CU_ASSERT(YAJL_IS_OBJECT(m.result));
	U_STR_EQ(m.id.text, "3");
	jsonrpc_message_free(&m);

	const char *er = "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32602,\"message\":"
			 "\"params.x: bad\",\"data\":{\"field\":\"params.x\"}}}";
	CU_ASSERT_EQUAL(jsonrpc_response_parse(er, strlen(er), &m, &e), 0);
	CU_ASSERT(m.is_error);
	CU_ASSERT_EQUAL(m.error.code, -32602);
	U_STR_EQ(m.error.message, "params.x: bad");
	U_STR_EQ(m.error.field, "params.x");
	CU_ASSERT_EQUAL(m.id.type, JSONRPC_ID_NULL);
	jsonrpc_message_free(&m);

	const char *note = "{\"jsonrpc\":\"2.0\",\"method\":\"domain.state\",\"params\":{}}";
	CU_ASSERT_EQUAL(jsonrpc_response_parse(note, strlen(note), &m, &e), 0);
	CU_ASSERT_EQUAL(m.kind, JSONRPC_NOTIFICATION);
	jsonrpc_message_free(&m);

	static const struct bad bad[] = {
		{ "{\"jsonrpc\":\"2.0\",\"result\":1}", 0, "id", "\"id\" is missing", 0 },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1}", 0, "result", "exactly one of", 0 },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1,\"error\":{}}", 0, "error",
		  "exactly one of", 0 },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":\"x\",\"message\":\"m\"}}", 0,
		  "error", "integer \"code\"", 0 },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":1e99,\"message\":\"m\"}}", 0,
		  "error", "integer \"code\"", 0 },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":99999999999,\"message\":\"m\"}}",
		  0, "error.code", "out of range", 0 },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1,\"params\":{}}", 0, "params",
		  "a response has no \"params\"", 0 },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\"}", 0, "id",
		  "a request from the server is not expected", 0 },
		{ "{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"result\":1}", 0, "method",
		  "a notification has no", 0 },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1,\"x\":1}", 0, "x", "unknown member", 0 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(jsonrpc_response_parse(bad[i].line, strlen(bad[i].line), &m, &e),
				-EINVAL);
		CU_ASSERT_EQUAL(e.code, JSONRPC_INVALID_REQUEST);
		U_STR_EQ(e.field, bad[i].field);
		U_CONTAINS(e.message, bad[i].message);
		jsonrpc_message_free(&m);
	}
}

void suite_jsonrpc_register(void)
{
	CU_pSuite s = CU_add_suite("jsonrpc", NULL, NULL);
	CU_add_test(s, "valid requests and notifications", test_valid_requests);
	CU_add_test(s, "invalid requests: every error path", test_invalid_requests);
	CU_add_test(s, "limits: length, depth, NUL", test_limits);
	CU_add_test(s, "strict UTF-8: overlong, surrogates, above U+10FFFF", test_utf8);
	CU_add_test(s, "typed params by name", test_params);
	CU_add_test(s, "results, errors, notifications", test_output);
	CU_add_test(s, "responses (client side)", test_responses);
}
