/* jsonrpc: JSON-RPC 2.0 lines on yajl, and the line buffer (see jsonrpc.h). */
#include "jsonrpc.h"
#include "utf8.h"
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <yajl/yajl_parse.h>

/* A caller's string shortened to fit a message, still valid UTF-8. */
static const char *clip(const char *s, char *buf, size_t size)
{
	snprintf(buf, size, "%s", s);
	utf8_trim_tail(buf);
	return buf;
}

void jsonrpc_error_set(struct jsonrpc_error *e, int code, const char *field, const char *fmt, ...)
{
	va_list ap;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	utf8_trim_tail(e->message);
	clip(field ? field : "", e->field, sizeof(e->field));
}

/* ---- strict check before yajl_tree ---- */

struct check_ctx {
	unsigned depth, max;
	bool too_deep, nul, surrogate;
};

static int check_open(void *arg)
{
	struct check_ctx *c = arg;
	if (++c->depth > c->max) {
		c->too_deep = true;
		return 0;
	}
	return 1;
}

static int check_close(void *arg)
{
	((struct check_ctx *)arg)->depth--;
	return 1;
}

/*
 * yajl_tree keeps strings NUL-terminated: "a\u0000b" would silently become
 * "a". The raw text was checked for strict UTF-8 before yajl saw it; what is
 * checked again here is the string as yajl decoded its escapes, where a lone
 * "\uDC00" becomes the bytes of a surrogate (ED B0 80).
 */
static int check_string(void *arg, const unsigned char *s, size_t len)
{
	struct check_ctx *c = arg;
	if (memchr(s, 0, len)) {
		c->nul = true;
		return 0;
	}
	if (utf8_invalid((const char *)s, len, NULL) != len) {
		c->surrogate = true;
		return 0;
	}
	return 1;
}

/* Set so that yajl does not convert numbers here (no overflow errors twice). */
static int check_number(void *arg, const char *s, size_t len)
{
	return 1;
}

static const yajl_callbacks check_callbacks = {
	.yajl_number = check_number,
	.yajl_string = check_string,
	.yajl_start_map = check_open,
	.yajl_map_key = check_string,
	.yajl_end_map = check_close,
	.yajl_start_array = check_open,
	.yajl_end_array = check_close,
};

int jsonrpc_check_text(const char *text, size_t len, unsigned max_depth, char *err, size_t errlen)
{
	size_t i = 0;
	while (i < len && text[i] && strchr(" \t\r\n", text[i]))
		i++;
	if (i == len) {
		snprintf(err, errlen, "empty message: expected a JSON object");
		return -EINVAL;
	}
	/* yajl's own UTF-8 check lets overlong forms and surrogates through. */
	const char *why = NULL;
	size_t bad = utf8_invalid(text, len, &why);
	if (bad != len) {
		snprintf(err, errlen, "invalid UTF-8 at byte %zu (0x%02x): %s", bad,
			 (unsigned char)text[bad], why);
		return -EINVAL;
	}
	struct check_ctx c = { .max = max_depth };
	yajl_handle h = yajl_alloc(&check_callbacks, NULL, &c);
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	yajl_status st = yajl_parse(h, (const unsigned char *)text, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	int r = 0;
	if (st != yajl_status_ok) {
		r = -EINVAL;
		if (c.too_deep) {
			snprintf(err, errlen, "nesting deeper than %u levels", max_depth);
		} else if (c.nul) {
			snprintf(err, errlen, "a string contains \\u0000, which is not accepted");
		} else if (c.surrogate) {
			snprintf(err, errlen, "a string ending before byte %zu has an unpaired "
				 "UTF-16 surrogate escape (\\uD800 to \\uDFFF)",
				 yajl_get_bytes_consumed(h));
		} else {
			unsigned char *msg = yajl_get_error(h, 0, NULL, 0);
			size_t at = yajl_get_bytes_consumed(h);
			char *m = msg ? (char *)msg : "invalid JSON";
			size_t ml = strcspn(m, "\n");
			while (ml > 0 && (m[ml - 1] == ' ' || m[ml - 1] == '.'))
				ml--;
			snprintf(err, errlen, "invalid JSON at byte %zu: %.*s", at, (int)ml, m);
			if (msg)
				yajl_free_error(h, msg);
		}
	}
	yajl_free(h);
	return r;
}

/* ---- messages ---- */

static const char *type_name(yajl_val v)
{
	if (YAJL_IS_OBJECT(v))
		return "an object";
	if (YAJL_IS_ARRAY(v))
		return "an array";
	if (YAJL_IS_STRING(v))
		return "a string";
	if (YAJL_IS_NUMBER(v))
		return "a number";
	if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v))
		return "a boolean";
	return "null";
}

static yajl_val member(yajl_val obj, const char *name)
{
	if (!obj || !YAJL_IS_OBJECT(obj))
		return NULL;
	for (size_t i = 0; i < obj->u.object.len; i++)
		if (!strcmp(obj->u.object.keys[i], name))
			return obj->u.object.values[i];
	return NULL;
}

static int set_id(struct jsonrpc_id *id, yajl_val v, struct jsonrpc_error *err)
{
	const char *text = NULL;
	if (YAJL_IS_NULL(v)) {
		id->type = JSONRPC_ID_NULL;
		return 0;
	}
	if (YAJL_IS_STRING(v)) {
		id->type = JSONRPC_ID_STRING;
		text = v->u.string;
	} else if (YAJL_IS_NUMBER(v)) {
		id->type = JSONRPC_ID_NUMBER;
		text = v->u.number.r;
	} else {
		jsonrpc_error_set(err, JSONRPC_INVALID_REQUEST, "id",
				  "\"id\" must be a number, a string or null, not %s", type_name(v));
		return -EINVAL;
	}
	id->text = strdup(text);
	if (!id->text) {
		id->type = JSONRPC_ID_NULL;
		jsonrpc_error_set(err, JSONRPC_INTERNAL_ERROR, NULL, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* The members each kind of line may have; anything else is named and refused,
 * so that a misspelt "parmas" is an error rather than silently no parameters. */
static const char *const known_members[] = { "jsonrpc", "id", "method", "params", "result",
					     "error", NULL };

static int check_members(yajl_val root, bool response, struct jsonrpc_error *err)
{
	char buf[48];
	for (size_t i = 0; i < root->u.object.len; i++) {
		const char *k = root->u.object.keys[i];
		size_t j;
		for (j = 0; known_members[j]; j++)
			if (!strcmp(k, known_members[j]))
				break;
		bool known = known_members[j] && (response || j < 4);
		if (!known) {
			jsonrpc_error_set(err, JSONRPC_INVALID_REQUEST, clip(k, buf, sizeof(buf)),
					  "unknown member \"%s\"", buf);
			return -EINVAL;
		}
		for (size_t p = 0; p < i; p++)
			if (!strcmp(k, root->u.object.keys[p])) {
				jsonrpc_error_set(err, JSONRPC_INVALID_REQUEST, k,
						  "duplicate member \"%s\"", k);
				return -EINVAL;
			}
	}
	return 0;
}

static int check_method(struct jsonrpc_message *m, yajl_val root, struct jsonrpc_error *err)
{
	yajl_val v = member(root, "method");
	if (!v) {
		jsonrpc_error_set(err, JSONRPC_INVALID_REQUEST, "method", "\"method\" is missing");
		return -EINVAL;
	}
	if (!YAJL_IS_STRING(v)) {
		jsonrpc_error_set(err, JSONRPC_INVALID_REQUEST, "method",
				  "\"method\" must be a string, not %s", type_name(v));
		return -EINVAL;
	}
	if (!v->u.string[0]) {
		jsonrpc_error_set(err, JSONRPC_INVALID_REQUEST, "method",
				  "\"method\" must not be empty");
		return -EINVAL;
	}
	m->method = v->u.string;
	v = member(root, "params");
	if (v && !YAJL_IS_OBJECT(v) && !YAJL_IS_ARRAY(v)) {
		jsonrpc_error_set(err, JSONRPC_INVALID_REQUEST, "params",
				  "\"params\" must be an object or an array, not %s", type_name(v));
		return -EINVAL;
	}
	m->params = v;
	m->kind = m->id.type == JSONRPC_ID_NONE ? JSONRPC_NOTIFICATION : JSONRPC_REQUEST;
	return 0;
}

static int check_response(struct jsonrpc_message *m, yajl_val root, struct jsonrpc_error *err)
{
	yajl_val res = member(root, "result"), e = member(root, "error");
	m->kind = JSONRPC_RESPONSE;
	if (member(root, "params")) {
		jsonrpc_error_set(err, JSONRPC_INVALID_REQUEST, "params",
				  "a response has no \"params\"");
		return -EINVAL;
	}
	if (m->id.type == JSONRPC_ID_NONE) {
		jsonrpc_error_set(err, JSONRPC_INVALID_REQUEST, "id", "\"id\" is missing");
		return -EINVAL;
	}
	if (!res == !e) {
		jsonrpc_error_set(err, JSONRPC_INVALID_REQUEST, res ? "error" : "result",
				  "a response has exactly one of \"result\" and \"error\"");
		return -EINVAL;
	}
	if (res) {
		m->result = res;
		return 0;
	}
	yajl_val code = member(e, "code"), msg = member(e, "message"), data = member(e, "data");
	if (!YAJL_IS_OBJECT(e) || !code || !YAJL_IS_INTEGER(code) || !msg || !YAJL_IS_STRING(msg)) {
		jsonrpc_error_set(err, JSONRPC_INVALID_REQUEST, "error",
				  "\"error\" must be an object with an integer \"code\" and a "
				  "string \"message\"");
		return -EINVAL;
	}
	yajl_val field = member(data, "field");
	if (code->u.number.i < -2147483647 || code->u.number.i > 2147483647) {
		jsonrpc_error_set(err, JSONRPC_INVALID_REQUEST, "error.code",
				  "\"error.code\" is out of range");
		return -EINVAL;
	}
	char buf[sizeof(m->error.message)];
	jsonrpc_error_set(&m->error, (int)code->u.number.i,
			  field && YAJL_IS_STRING(field) ? field->u.string : NULL, "%s",
			  clip(msg->u.string, buf, sizeof(buf)));
	m->is_error = true;
	return 0;
}

static int parse_line(const char *line, size_t len, bool response, struct jsonrpc_message *m,
		      struct jsonrpc_error *err)
{
	memset(m, 0, sizeof(*m));
	m->id.type = JSONRPC_ID_NULL;
	jsonrpc_error_set(err, 0, NULL, "%s", "");
	if (len > JSONRPC_MAX_LINE) {
		jsonrpc_error_set(err, JSONRPC_INVALID_REQUEST, NULL,
				  "message of %zu bytes is longer than the limit of %d bytes", len,
				  JSONRPC_MAX_LINE);
		return -EMSGSIZE;
	}
	if (memchr(line, '\0', len)) {
		jsonrpc_error_set(err, JSONRPC_PARSE_ERROR, NULL,
				  "invalid JSON: NUL byte at byte %zu",
				  (size_t)((const char *)memchr(line, '\0', len) - line));
		return -EINVAL;
	}
	char msg[200];
	int r = jsonrpc_check_text(line, len, JSONRPC_MAX_DEPTH, msg, sizeof(msg));
	if (r) {
		jsonrpc_error_set(err, r == -ENOMEM ? JSONRPC_INTERNAL_ERROR : JSONRPC_PARSE_ERROR,
				  NULL, "%s", msg);
		return r;
	}
	char *text = malloc(len + 1);
	if (!text) {
		jsonrpc_error_set(err, JSONRPC_INTERNAL_ERROR, NULL, "out of memory");
		return -ENOMEM;
	}
	memcpy(text, line, len);
	text[len] = '\0';
	m->root = yajl_tree_parse(text, msg, sizeof(msg));
	free(text);
	if (!m->root) {
		/* Only memory can fail here: the text passed the strict check. */
		jsonrpc_error_set(err, JSONRPC_PARSE_ERROR, NULL, "invalid JSON: %.*s",
				  (int)strcspn(msg, "\n"), msg);
		return -EINVAL;
	}
	yajl_val root = m->root;
	if (YAJL_IS_ARRAY(root)) {
		jsonrpc_error_set(err, JSONRPC_INVALID_REQUEST, NULL,
				  "batches (a JSON array) are not supported: send one object "
				  "per line");
		return -EINVAL;
	}
	if (!YAJL_IS_OBJECT(root)) {
		jsonrpc_error_set(err, JSONRPC_INVALID_REQUEST, NULL,
				  "a message must be a JSON object, not %s", type_name(root));
		return -EINVAL;
	}
	/* The id first, so that every later error can be answered to it. */
	yajl_val id = member(root, "id");
	m->id.type = JSONRPC_ID_NONE;
	if (id && (r = set_id(&m->id, id, err))) {
		m->id.type = JSONRPC_ID_NULL;
		return r;
	}
	if ((r = check_members(root, response, err)))
		return r;
	yajl_val v = member(root, "jsonrpc");
	if (!v) {
		jsonrpc_error_set(err, JSONRPC_INVALID_REQUEST, "jsonrpc",
				  "\"jsonrpc\" is missing: it must be \"2.0\"");
		return -EINVAL;
	}
	if (!YAJL_IS_STRING(v) || strcmp(v->u.string, "2.0")) {
		jsonrpc_error_set(err, JSONRPC_INVALID_REQUEST, "jsonrpc",
				  "\"jsonrpc\" must be \"2.0\"");
		return -EINVAL;
	}
	if (!response || member(root, "method")) {
		if (response && m->id.type != JSONRPC_ID_NONE) {
			jsonrpc_error_set(err, JSONRPC_INVALID_REQUEST, "id",
					  "a request from the server is not expected, only "
					  "responses and notifications");
			return -EINVAL;
		}
		if (response && (member(root, "result") || member(root, "error"))) {
			jsonrpc_error_set(err, JSONRPC_INVALID_REQUEST, "method",
					  "a notification has no \"result\" or \"error\"");
			return -EINVAL;
		}
		return check_method(m, root, err);
	}
	return check_response(m, root, err);
}

/* An error leaves the id for the answer but nothing else half-filled. */
static int parse_finish(int r, struct jsonrpc_message *m)
{
	if (r) {
		m->method = NULL;
		m->params = m->result = NULL;
		if (m->id.type == JSONRPC_ID_NONE)
			m->id.type = JSONRPC_ID_NULL;
	}
	return r;
}

int jsonrpc_request_parse(const char *line, size_t len, struct jsonrpc_message *m,
			  struct jsonrpc_error *err)
{
	return parse_finish(parse_line(line, len, false, m, err), m);
}

int jsonrpc_response_parse(const char *line, size_t len, struct jsonrpc_message *m,
			   struct jsonrpc_error *err)
{
	return parse_finish(parse_line(line, len, true, m, err), m);
}

void jsonrpc_message_free(struct jsonrpc_message *m)
{
	if (!m)
		return;
	free(m->id.text);
	yajl_tree_free(m->root);
	memset(m, 0, sizeof(*m));
}

/* ---- parameters ---- */

static int param_get(const struct jsonrpc_message *m, const char *name, bool required,
		     const char *expected, yajl_val *out, struct jsonrpc_error *err)
{
	char field[64];
	snprintf(field, sizeof(field), "params.%s", name);
	*out = NULL;
	if (m->params && !YAJL_IS_OBJECT(m->params)) {
		jsonrpc_error_set(err, JSONRPC_INVALID_PARAMS, "params",
				  "params: expected an object with named members, not an array");
		return -EINVAL;
	}
	yajl_val v = member(m->params, name);
	if (!v || YAJL_IS_NULL(v)) {
		if (!required)
			return 0;
		jsonrpc_error_set(err, JSONRPC_INVALID_PARAMS, field, "%s: missing, expected %s",
				  field, expected);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int param_wrong(const char *name, const char *expected, yajl_val v,
		       struct jsonrpc_error *err)
{
	char field[64];
	snprintf(field, sizeof(field), "params.%s", name);
	jsonrpc_error_set(err, JSONRPC_INVALID_PARAMS, field, "%s: expected %s, not %s", field,
			  expected, type_name(v));
	return -EINVAL;
}

int jsonrpc_param_string(const struct jsonrpc_message *m, const char *name, bool required,
			 const char **out, struct jsonrpc_error *err)
{
	yajl_val v;
	int r = param_get(m, name, required, "a string", &v, err);
	if (r || !v)
		return r;
	if (!YAJL_IS_STRING(v))
		return param_wrong(name, "a string", v, err);
	*out = v->u.string;
	return 0;
}

int jsonrpc_param_int(const struct jsonrpc_message *m, const char *name, bool required,
		      long long min, long long max, long long *out, struct jsonrpc_error *err)
{
	yajl_val v;
	int r = param_get(m, name, required, "an integer", &v, err);
	if (r || !v)
		return r;
	if (!YAJL_IS_INTEGER(v))
		return param_wrong(name, YAJL_IS_NUMBER(v) ? "an integer in range" : "an integer",
				   v, err);
	if (v->u.number.i < min || v->u.number.i > max) {
		char field[64];
		snprintf(field, sizeof(field), "params.%s", name);
		jsonrpc_error_set(err, JSONRPC_INVALID_PARAMS, field,
				  "%s: %lld is out of range [%lld, %lld]", field, v->u.number.i, min,
				  max);
		return -EINVAL;
	}
	*out = v->u.number.i;
	return 0;
}

int jsonrpc_param_bool(const struct jsonrpc_message *m, const char *name, bool required,
		       bool *out, struct jsonrpc_error *err)
{
	yajl_val v;
	int r = param_get(m, name, required, "a boolean", &v, err);
	if (r || !v)
		return r;
	if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
		return param_wrong(name, "a boolean", v, err);
	*out = YAJL_IS_TRUE(v);
	return 0;
}

int jsonrpc_params_only(const struct jsonrpc_message *m, const char *const *names,
			struct jsonrpc_error *err)
{
	if (!m->params)
		return 0;
	if (!YAJL_IS_OBJECT(m->params)) {
		jsonrpc_error_set(err, JSONRPC_INVALID_PARAMS, "params",
				  "params: expected an object with named members, not an array");
		return -EINVAL;
	}
	for (size_t i = 0; i < m->params->u.object.len; i++) {
		const char *k = m->params->u.object.keys[i];
		size_t j = 0;
		while (names[j] && strcmp(names[j], k))
			j++;
		if (!names[j]) {
			char buf[48], field[64];
			snprintf(field, sizeof(field), "params.%s", clip(k, buf, sizeof(buf)));
			jsonrpc_error_set(err, JSONRPC_INVALID_PARAMS, field,
					  "%s: unknown parameter", field);
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- output ---- */

static int gen_status(yajl_gen_status st)
{
	return st == yajl_gen_status_ok ? 0 : -EINVAL;
}

static int gen_str(yajl_gen g, const char *s)
{
	return gen_status(yajl_gen_string(g, (const unsigned char *)s, strlen(s)));
}

static int gen_begin(yajl_gen *out)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return -ENOMEM;
	/* An invalid string must fail here, not reach a client as broken JSON. */
	yajl_gen_config(g, yajl_gen_validate_utf8, 1);
	*out = g;
	int r = gen_status(yajl_gen_map_open(g));
	if (!r)
		r = gen_str(g, "jsonrpc");
	if (!r)
		r = gen_str(g, "2.0");
	return r;
}

static int gen_id(yajl_gen g, const struct jsonrpc_id *id)
{
	int r = gen_str(g, "id");
	if (r)
		return r;
	if (!id || id->type == JSONRPC_ID_NONE || id->type == JSONRPC_ID_NULL || !id->text)
		return gen_status(yajl_gen_null(g));
	if (id->type == JSONRPC_ID_NUMBER)
		return gen_status(yajl_gen_number(g, id->text, strlen(id->text)));
	return gen_str(g, id->text);
}

static int gen_finish(yajl_gen g, int r, char **out, size_t *outlen)
{
	const unsigned char *buf;
	size_t len;
	if (!r)
		r = gen_status(yajl_gen_map_close(g));
	if (!r)
		r = gen_status(yajl_gen_get_buf(g, &buf, &len));
	if (!r) {
		char *line = malloc(len + 2);
		if (!line) {
			r = -ENOMEM;
		} else {
			memcpy(line, buf, len);
			line[len] = '\n';
			line[len + 1] = '\0';
			*out = line;
			*outlen = len + 1;
		}
	}
	if (g)
		yajl_gen_free(g);
	return r;
}

int jsonrpc_gen_result(const struct jsonrpc_id *id, jsonrpc_value_fn *result, void *arg,
		       char **out, size_t *outlen)
{
	yajl_gen g = NULL;
	if (!id || id->type == JSONRPC_ID_NONE)
		return -EINVAL; /* a notification gets no response */
	int r = gen_begin(&g);
	if (!r)
		r = gen_id(g, id);
	if (!r)
		r = gen_str(g, "result");
	if (!r)
		r = result ? result(g, arg) : gen_status(yajl_gen_null(g));
	return gen_finish(g, r, out, outlen);
}

static int gen_error_body(yajl_gen g, const struct jsonrpc_id *id,
			  const struct jsonrpc_error *e, const char *message)
{
	int r = gen_id(g, id);
	if (!r)
		r = gen_str(g, "error");
	if (!r)
		r = gen_status(yajl_gen_map_open(g));
	if (!r)
		r = gen_str(g, "code");
	if (!r)
		r = gen_status(yajl_gen_integer(g, e->code));
	if (!r)
		r = gen_str(g, "message");
	if (!r)
		r = gen_str(g, message);
	if (!r && e->field[0]) {
		r = gen_str(g, "data");
		if (!r)
			r = gen_status(yajl_gen_map_open(g));
		if (!r)
			r = gen_str(g, "field");
		if (!r)
			r = gen_str(g, e->field);
		if (!r)
			r = gen_status(yajl_gen_map_close(g));
	}
	if (!r)
		r = gen_status(yajl_gen_map_close(g));
	return r;
}

int jsonrpc_gen_error(const struct jsonrpc_id *id, const struct jsonrpc_error *e, char **out,
		      size_t *outlen)
{
	yajl_gen g = NULL;
	int r = gen_begin(&g);
	if (!r)
		r = gen_error_body(g, id, e, e->message);
	if (r == -EINVAL) {
		/* The caller must still get an answer: say what went wrong without
		 * the text (or field) that yajl refused. */
		struct jsonrpc_error plain = { .code = e->code };
		yajl_gen_free(g);
		g = NULL;
		r = gen_begin(&g);
		if (!r)
			r = gen_error_body(g, id, &plain, "error message was not valid UTF-8");
	}
	return gen_finish(g, r, out, outlen);
}

int jsonrpc_gen_request(const struct jsonrpc_id *id, const char *method,
			jsonrpc_value_fn *params, void *arg, char **out, size_t *outlen)
{
	yajl_gen g = NULL;
	int r = gen_begin(&g);
	if (!r && id && id->type != JSONRPC_ID_NONE)
		r = gen_id(g, id);
	if (!r)
		r = gen_str(g, "method");
	if (!r)
		r = gen_str(g, method);
	if (!r && params) {
		r = gen_str(g, "params");
		if (!r)
			r = params(g, arg);
	}
	return gen_finish(g, r, out, outlen);
}

int jsonrpc_gen_notification(const char *method, jsonrpc_value_fn *params, void *arg,
			     char **out, size_t *outlen)
{
	return jsonrpc_gen_request(NULL, method, params, arg, out, outlen);
}

/* ---- line buffer ---- */

/* One read at a time: a client cannot make the daemon hold more than this
 * beyond the line limit before its lines are taken out. */
#define LINEBUF_READ 65536

void jsonrpc_linebuf_init(struct jsonrpc_linebuf *lb, size_t max)
{
	memset(lb, 0, sizeof(*lb));
	lb->max = max;
}

void jsonrpc_linebuf_free(struct jsonrpc_linebuf *lb)
{
	free(lb->buf);
	memset(lb, 0, sizeof(*lb));
}

static int lb_too_long(struct jsonrpc_linebuf *lb, char *err, size_t errlen)
{
	lb->failed = true;
	snprintf(err, errlen, "line longer than the limit of %zu bytes", lb->max);
	return -EMSGSIZE;
}

/* Room for N more bytes after what is held; moves unread bytes to the front. */
static int lb_reserve(struct jsonrpc_linebuf *lb, size_t n, char *err, size_t errlen)
{
	if (lb->failed)
		return lb_too_long(lb, err, errlen);
	if (lb->start) {
		memmove(lb->buf, lb->buf + lb->start, lb->len - lb->start);
		lb->len -= lb->start;
		lb->start = 0;
	}
	if (n > SIZE_MAX - lb->len) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (lb->len + n <= lb->cap)
		return 0;
	size_t cap = lb->cap ? lb->cap : 4096;
	while (cap < lb->len + n)
		cap = cap > SIZE_MAX / 2 ? lb->len + n : cap * 2;
	char *nb = realloc(lb->buf, cap);
	if (!nb) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	lb->buf = nb;
	lb->cap = cap;
	return 0;
}

/* Takes in N bytes just placed after the held ones. */
static int lb_commit(struct jsonrpc_linebuf *lb, size_t n, char *err, size_t errlen)
{
	const char *data = lb->buf + lb->len;
	const char *nl = memrchr(data, '\n', n);
	lb->tail = nl ? (size_t)(data + n - nl - 1) : lb->tail + n;
	lb->len += n;
	if (lb->tail > lb->max)
		return lb_too_long(lb, err, errlen);
	return 0;
}

int jsonrpc_linebuf_append(struct jsonrpc_linebuf *lb, const void *data, size_t n, char *err,
			   size_t errlen)
{
	int r = lb_reserve(lb, n, err, errlen);
	if (r)
		return r;
	if (n)
		memcpy(lb->buf + lb->len, data, n);
	return lb_commit(lb, n, err, errlen);
}

ssize_t jsonrpc_linebuf_read(struct jsonrpc_linebuf *lb, int fd, char *err, size_t errlen)
{
	int r = lb_reserve(lb, LINEBUF_READ, err, errlen);
	if (r)
		return r;
	ssize_t got;
	do
		got = read(fd, lb->buf + lb->len, LINEBUF_READ);
	while (got < 0 && errno == EINTR);
	if (got < 0) {
		int e = errno;
		if (e == EAGAIN || e == EWOULDBLOCK)
			return -EAGAIN;
		snprintf(err, errlen, "read: %s", strerror(e));
		return -e;
	}
	if (got == 0)
		return 0;
	r = lb_commit(lb, (size_t)got, err, errlen);
	return r ? r : got;
}

/* The descriptors of an SCM_RIGHTS message into FDS (MAX of them), the rest
 * closed. */
static void take_fds(struct msghdr *mh, int *fds, size_t max, size_t *n)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int f;
			memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*n < max)
				fds[(*n)++] = f;
			else
				close(f);
		}
	}
}

ssize_t jsonrpc_linebuf_recv(struct jsonrpc_linebuf *lb, int fd, int *fds, size_t maxfds,
			     size_t *nfds, char *err, size_t errlen)
{
	*nfds = 0;
	int r = lb_reserve(lb, LINEBUF_READ, err, errlen);
	if (r)
		return r;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(8 * sizeof(int))];
	} cm;
	struct iovec iov = { lb->buf + lb->len, LINEBUF_READ };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf,
			     .msg_controllen = sizeof(cm.buf) };
	ssize_t got;
	do
		got = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (got < 0 && errno == EINTR);
	if (got < 0) {
		int e = errno;
		if (e == EAGAIN || e == EWOULDBLOCK)
			return -EAGAIN;
		snprintf(err, errlen, "recvmsg: %s", strerror(e));
		return -e;
	}
	take_fds(&mh, fds, maxfds, nfds);
	if (got == 0)
		return 0;
	r = lb_commit(lb, (size_t)got, err, errlen);
	return r ? r : got;
}

int jsonrpc_linebuf_next(struct jsonrpc_linebuf *lb, char **line, size_t *len, char *err,
			 size_t errlen)
{
	for (;;) {
		if (lb->failed)
			return lb_too_long(lb, err, errlen);
		size_t complete = lb->len - lb->tail - lb->start;
		if (!complete)
			return 0;
		char *p = lb->buf + lb->start;
		char *nl = memchr(p, '\n', complete);
		size_t n = (size_t)(nl - p);
		lb->start += n + 1;
		if (n && p[n - 1] == '\r')
			n--;
		if (n > lb->max)
			return lb_too_long(lb, err, errlen);
		p[n] = '\0';
		if (!n)
			continue;
		*line = p;
		*len = n;
		return 1;
	}
}

size_t jsonrpc_linebuf_pending(const struct jsonrpc_linebuf *lb)
{
	return lb->tail;
}

bool jsonrpc_linebuf_has_line(const struct jsonrpc_linebuf *lb)
{
	return !lb->failed && lb->len - lb->tail > lb->start;
}

void jsonrpc_linebuf_shrink(struct jsonrpc_linebuf *lb)
{
	if (lb->len > lb->start)
		return;
	free(lb->buf);
	lb->buf = NULL;
	lb->start = lb->len = lb->cap = lb->tail = 0;
}

int jsonrpc_send_fds(int fd, const char *buf, size_t len, const int *fds, unsigned n)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(8 * sizeof(int))];
	} cm;
	ssize_t w = 0;
	if (n > 8) {
		errno = EINVAL;
		return -1;
	}
	if (n) {
		memset(&cm, 0, sizeof(cm));
		struct iovec iov = { (void *)buf, len };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf,
				     .msg_controllen = CMSG_SPACE(n * sizeof(int)) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(n * sizeof(int));
		memcpy(CMSG_DATA(c), fds, n * sizeof(int));
		do
			w = sendmsg(fd, &mh, MSG_NOSIGNAL);
		while (w < 0 && errno == EINTR);
		if (w < 0)
			return -1;
	}
	while ((size_t)w < len) {
		ssize_t k = send(fd, buf + w, len - (size_t)w, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		w += k;
	}
	return 0;
}
