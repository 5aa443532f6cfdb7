/* cli_rpc: xcd's connection to xcdd: connect, one request and its answer
 * (notifications skipped), the DOM argument as JSON, reading answers. */
#include "../lib/errmsg.h"
#include "../lib/jsonrpc.h"
#include "../lib/jsonw.h"
#include "cli.h"
#include "xcdd.h"
#include "xlfmt.h"
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

int cli_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "xcd: %s: path too long\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "xcd: cannot connect to xcdd at %s: %s (is xcdd running?)\n", path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

struct jsonrpc_linebuf cli_lb;

/* The next line from xcdd, parsed; NULL at end of file or on error (said). */
static bool quiet_reads;

int cli_read_message(int fd, struct jsonrpc_message *m)
{
	char err[XCD_ERR_MAX];
	for (;;) {
		char *line;
		size_t len;
		int r = jsonrpc_linebuf_next(&cli_lb, &line, &len, err, sizeof(err));
		if (r == 1) {
			struct jsonrpc_error e;
			if (jsonrpc_response_parse(line, len, m, &e) < 0) {
				if (!quiet_reads)
					fprintf(stderr, "xcd: bad message from xcdd: %s\n", e.message);
				jsonrpc_message_free(m);
				return -1;
			}
			return 0;
		}
		if (r < 0) {
			if (!quiet_reads)
				fprintf(stderr, "xcd: %s\n", err);
			return -1;
		}
		ssize_t n = jsonrpc_linebuf_read(&cli_lb, fd, err, sizeof(err));
		if (n == 0) {
			if (!quiet_reads)
				fprintf(stderr, "xcd: xcdd closed the connection\n");
			return -1;
		}
		if (n < 0 && n != -EAGAIN && n != -EINTR) {
			if (!quiet_reads)
				fprintf(stderr, "xcd: %s\n", err);
			return -1;
		}
	}
}

/* Sends METHOD and waits for its answer in *RES (notifications skipped).
 * 0, or -1 with the error printed. */
int cli_call(int fd, const char *method, jsonrpc_value_fn *params, void *arg,
	     struct jsonrpc_message *res)
{
	return cli_call_notes(fd, method, params, arg, res, NULL, NULL);
}

int cli_call_notes(int fd, const char *method, jsonrpc_value_fn *params, void *arg,
		   struct jsonrpc_message *res, cli_note_fn *note, void *note_arg)
{
	return cli_call_fds(fd, method, params, arg, NULL, 0, res, note, note_arg);
}

int cli_call_fds(int fd, const char *method, jsonrpc_value_fn *params, void *arg,
		 const int *fds, unsigned nfds, struct jsonrpc_message *res, cli_note_fn *note,
		 void *note_arg)
{
	if (cli_call_fds_begin(fd, method, params, arg, fds, nfds) < 0)
		return -1;
	return cli_call_fds_end(fd, res, note, note_arg);
}

int cli_call_fds_begin(int fd, const char *method, jsonrpc_value_fn *params, void *arg,
		       const int *fds, unsigned nfds)
{
	struct jsonrpc_id id = { JSONRPC_ID_NUMBER, (char *)"1" };
	char *out = NULL;
	size_t len;
	if (jsonrpc_gen_request(&id, method, params, arg, &out, &len) < 0) {
		fprintf(stderr, "xcd: cannot encode the request (invalid UTF-8?)\n");
		return -1;
	}
	int rc = jsonrpc_send_fds(fd, out, len, fds, nfds);
	int send_errno = errno;
	free(out);
	if (rc == 0)
		return 0;
	/* A refused caller finds the connection closed, the reason waiting. */
	struct jsonrpc_message res;
	quiet_reads = true;
	rc = cli_read_message(fd, &res);
	quiet_reads = false;
	if (rc == 0 && res.kind == JSONRPC_RESPONSE && res.is_error)
		fprintf(stderr, "xcd: %s\n", res.error.message);
	else
		fprintf(stderr, "xcd: cannot send to xcdd: %s\n", strerror(send_errno));
	if (rc == 0)
		jsonrpc_message_free(&res);
	return -1;
}

int cli_call_fds_end(int fd, struct jsonrpc_message *res, cli_note_fn *note, void *note_arg)
{
	for (;;) {
		if (cli_read_message(fd, res) < 0)
			return -1;
		if (res->kind == JSONRPC_RESPONSE)
			break;
		if (note)
			note(res, note_arg);
		jsonrpc_message_free(res);
	}
	if (res->is_error) {
		fprintf(stderr, "xcd: %s\n", res->error.message);
		jsonrpc_message_free(res);
		return -1;
	}
	return 0;
}

/* {"domid": N} or {"name": S} from a DOM argument. */
int cli_gen_dom(yajl_gen g, void *arg)
{
	struct cli_dom_req r = { .dom = arg };
	return cli_gen_dom_req(g, &r);
}


int cli_gen_dom_member(yajl_gen g, const char *dom)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(dom, &end, 10);
	bool num = *dom >= '0' && *dom <= '9' && !*end && !errno && v <= UINT32_MAX;
	return num ? jw_kv_int(g, "domid", (long long)v) : jw_kv_str(g, "name", dom);
}

int cli_gen_dom_req(yajl_gen g, void *arg)
{
	struct cli_dom_req *r = arg;
	if (yajl_gen_map_open(g) || cli_gen_dom_member(g, r->dom))
		return -EINVAL;
	for (int k = 0; k < r->n; k++) {
		if (r->kv[k].s ? jw_kv_str(g, r->kv[k].key, r->kv[k].s)
			       : jw_kv_int(g, r->kv[k].key, r->kv[k].i))
			return -EINVAL;
	}
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

int cli_print_json(yajl_val v)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return -1;
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_config(g, yajl_gen_indent_string, "    ");
	int rc = json_gen_tree(g, v);
	if (rc == 0) {
		const unsigned char *buf;
		size_t len;
		yajl_gen_get_buf(g, &buf, &len);
		fwrite(buf, 1, len, stdout);
		if (len && buf[len - 1] != '\n')
			putchar('\n');
	}
	yajl_gen_free(g);
	return rc;
}

const char *cli_get_s(yajl_val o, const char *k)
{
	const char *p[] = { k, NULL };
	yajl_val v = yajl_tree_get(o, p, yajl_t_string);
	return v ? YAJL_GET_STRING(v) : "";
}

long long cli_get_i(yajl_val o, const char *k)
{
	const char *p[] = { k, NULL };
	yajl_val v = yajl_tree_get(o, p, yajl_t_number);
	return v && YAJL_IS_INTEGER(v) ? YAJL_GET_INTEGER(v) : -1;
}

double cli_get_d(yajl_val o, const char *k)
{
	const char *p[] = { k, NULL };
	yajl_val v = yajl_tree_get(o, p, yajl_t_number);
	return v ? YAJL_GET_DOUBLE(v) : 0;
}
