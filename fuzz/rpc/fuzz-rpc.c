/*
 * fuzz-rpc: libFuzzer target of what xcdd reads from a client: the bytes go
 * through the line buffer in pieces (sizes taken from the input), and each
 * line through the request and response parsers; every answer the daemon
 * would send must itself parse, so the output side is checked too.
 */
#include "../../lib/jsonrpc.h"
#include "../../lib/errmsg.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void must(int cond)
{
	if (!cond)
		abort();
}

static void answer_parses(char *out, size_t len)
{
	struct jsonrpc_message m;
	struct jsonrpc_error e;
	must(len > 0 && out[len - 1] == '\n' && !memchr(out, '\n', len - 1));
	must(jsonrpc_response_parse(out, len - 1, &m, &e) == 0);
	jsonrpc_message_free(&m);
	free(out);
}

/* ["ARG"]: params must be structured, and a result may be. */
static int echo_params(yajl_gen g, void *arg)
{
	const char *s = arg;
	if (yajl_gen_array_open(g) != yajl_gen_status_ok ||
	    yajl_gen_string(g, (const unsigned char *)s, strlen(s)) != yajl_gen_status_ok)
		return -22;
	return yajl_gen_array_close(g) == yajl_gen_status_ok ? 0 : -22;
}

static void one_line(const char *line, size_t len)
{
	struct jsonrpc_message m;
	struct jsonrpc_error e;
	char *out;
	size_t olen;
	if (jsonrpc_request_parse(line, len, &m, &e) == 0) {
		const char *s = "";
		long long i;
		bool b;
		static const char *const names[] = { "name", "id", NULL };
		if (jsonrpc_param_string(&m, "name", false, &s, &e))
			must(e.code == JSONRPC_INVALID_PARAMS && e.field[0]);
		jsonrpc_param_int(&m, "vcpus", false, -5, 5, &i, &e);
		jsonrpc_param_bool(&m, "force", true, &b, &e);
		jsonrpc_params_only(&m, names, &e);
		if (m.kind == JSONRPC_REQUEST) {
			must(jsonrpc_gen_result(&m.id, echo_params, (void *)m.method, &out, &olen) == 0);
			answer_parses(out, olen);
		}
		must(jsonrpc_gen_notification(m.method, echo_params, (void *)s, &out, &olen) == 0);
		struct jsonrpc_message n;
		must(jsonrpc_response_parse(out, olen - 1, &n, &e) == 0);
		must(n.kind == JSONRPC_NOTIFICATION && !strcmp(n.method, m.method));
		jsonrpc_message_free(&n);
		free(out);
	} else {
		must(e.code == JSONRPC_PARSE_ERROR || e.code == JSONRPC_INVALID_REQUEST ||
		     e.code == JSONRPC_INTERNAL_ERROR);
		must(e.message[0]);
	}
	/* Every failure gets an answer that a client can read. */
	must(jsonrpc_gen_error(&m.id, &e, &out, &olen) == 0);
	answer_parses(out, olen);
	jsonrpc_message_free(&m);

	if (jsonrpc_response_parse(line, len, &m, &e) == 0 && m.is_error)
		must(jsonrpc_gen_error(&m.id, &m.error, &out, &olen) == 0), answer_parses(out, olen);
	jsonrpc_message_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	/* The first byte picks the piece size and a small line limit now and
	 * then, so that the limit paths run without megabyte inputs. */
	size_t piece = (size_t)(data[0] & 0x3f) + 1;
	size_t max = data[0] & 0x40 ? 64 : JSONRPC_MAX_LINE;
	data++;
	size--;
	struct jsonrpc_linebuf lb;
	char err[XCD_ERR_MAX];
	jsonrpc_linebuf_init(&lb, max);
	for (size_t off = 0; off < size; off += piece) {
		size_t n = size - off < piece ? size - off : piece;
		if (jsonrpc_linebuf_append(&lb, data + off, n, err, sizeof(err))) {
			must(lb.failed);
			break;
		}
		char *line;
		size_t len;
		int r;
		while ((r = jsonrpc_linebuf_next(&lb, &line, &len, err, sizeof(err))) == 1) {
			must(len > 0 && len <= max && line[len] == '\0');
			one_line(line, len);
		}
		if (r < 0)
			break;
		must(jsonrpc_linebuf_pending(&lb) <= max);
	}
	jsonrpc_linebuf_free(&lb);
	return 0;
}
