/* cli: xcd, the command-line client of xcdd, shaped after xl. */
#include "../lib/fdio.h"
#include "../lib/jsonrpc.h"
#include "../lib/jsonw.h"
#include "../lib/utf8.h"
#include "cfgload.h"
#include "console.h"
#include "xcdd.h"
#include "xlfmt.h"
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct verb {
	const char *name;
	const char *args;
	const char *help;
	int (*fn)(int fd, int argc, char **argv);
	/* NULL, or whether this invocation needs no daemon (fn gets fd -1). */
	bool (*offline)(int argc, char **argv);
};

static int connect_to(const char *path)
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

static struct jsonrpc_linebuf lb;

/* The next line from xcdd, parsed; NULL at end of file or on error (said). */
static bool quiet_reads;

static int read_message(int fd, struct jsonrpc_message *m)
{
	char err[256];
	for (;;) {
		char *line;
		size_t len;
		int r = jsonrpc_linebuf_next(&lb, &line, &len, err, sizeof(err));
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
		ssize_t n = jsonrpc_linebuf_read(&lb, fd, err, sizeof(err));
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
static int call(int fd, const char *method, jsonrpc_value_fn *params, void *arg,
		struct jsonrpc_message *res)
{
	struct jsonrpc_id id = { JSONRPC_ID_NUMBER, (char *)"1" };
	char *out = NULL;
	size_t len;
	if (jsonrpc_gen_request(&id, method, params, arg, &out, &len) < 0) {
		fprintf(stderr, "xcd: cannot encode the request (invalid UTF-8?)\n");
		return -1;
	}
	int rc = fd_write_all(fd, out, len);
	int send_errno = errno;
	free(out);
	/* A refused caller finds the connection closed, the reason waiting. */
	if (rc < 0) {
		quiet_reads = true;
		rc = read_message(fd, res);
		quiet_reads = false;
		if (rc == 0 && res->kind == JSONRPC_RESPONSE && res->is_error)
			fprintf(stderr, "xcd: %s\n", res->error.message);
		else
			fprintf(stderr, "xcd: cannot send to xcdd: %s\n", strerror(send_errno));
		if (rc == 0)
			jsonrpc_message_free(res);
		return -1;
	}
	for (;;) {
		if (read_message(fd, res) < 0)
			return -1;
		if (res->kind == JSONRPC_RESPONSE)
			break;
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
static int gen_dom(yajl_gen g, void *arg)
{
	const char *dom = arg;
	char *end;
	errno = 0;
	unsigned long v = strtoul(dom, &end, 10);
	bool num = *dom >= '0' && *dom <= '9' && !*end && !errno && v <= UINT32_MAX;
	if (yajl_gen_map_open(g) || jw_str(g, num ? "domid" : "name"))
		return -EINVAL;
	if (num ? yajl_gen_integer(g, (long long)v) != yajl_gen_status_ok : jw_str(g, dom) < 0)
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

/* A DOM argument and up to 3 more members: a string, or (S NULL) a number. */
struct dom_req {
	const char *dom;
	struct {
		const char *key, *s;
		long long i;
	} kv[3];
	int n;
};

static int gen_dom_req(yajl_gen g, void *arg)
{
	struct dom_req *r = arg;
	char *end;
	errno = 0;
	unsigned long v = strtoul(r->dom, &end, 10);
	bool num = *r->dom >= '0' && *r->dom <= '9' && !*end && !errno && v <= UINT32_MAX;
	if (yajl_gen_map_open(g) || jw_str(g, num ? "domid" : "name"))
		return -EINVAL;
	if (num ? yajl_gen_integer(g, (long long)v) != yajl_gen_status_ok : jw_str(g, r->dom) < 0)
		return -EINVAL;
	for (int k = 0; k < r->n; k++) {
		if (jw_str(g, r->kv[k].key))
			return -EINVAL;
		if (r->kv[k].s ? jw_str(g, r->kv[k].s) < 0
			       : yajl_gen_integer(g, r->kv[k].i) != yajl_gen_status_ok)
			return -EINVAL;
	}
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

static int print_json(yajl_val v)
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

static const char *get_s(yajl_val o, const char *k)
{
	const char *p[] = { k, NULL };
	yajl_val v = yajl_tree_get(o, p, yajl_t_string);
	return v ? YAJL_GET_STRING(v) : "";
}

static long long get_i(yajl_val o, const char *k)
{
	const char *p[] = { k, NULL };
	yajl_val v = yajl_tree_get(o, p, yajl_t_number);
	return v && YAJL_IS_INTEGER(v) ? YAJL_GET_INTEGER(v) : -1;
}

static double get_d(yajl_val o, const char *k)
{
	const char *p[] = { k, NULL };
	yajl_val v = yajl_tree_get(o, p, yajl_t_number);
	return v ? YAJL_GET_DOUBLE(v) : 0;
}

/* ---- verbs ---- */

struct create_args {
	const char *config, *file;
	char **overrides;
	int n_overrides;
	bool paused, dry_run;
};

static int gen_create(yajl_gen g, void *arg)
{
	struct create_args *a = arg;
	if (yajl_gen_map_open(g) || jw_str(g, "config") || jw_str(g, a->config) || jw_str(g, "file") ||
	    jw_str(g, a->file) || jw_str(g, "overrides") || yajl_gen_array_open(g))
		return -EINVAL;
	for (int i = 0; i < a->n_overrides; i++)
		if (jw_str(g, a->overrides[i]))
			return -EINVAL;
	if (yajl_gen_array_close(g) || jw_str(g, "paused") || yajl_gen_bool(g, a->paused) ||
	    jw_str(g, "dry_run") || yajl_gen_bool(g, a->dry_run))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "xcd: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
		if (len + 1 == cap) {
			char *p = cap > (8u << 20) ? NULL : realloc(buf, cap * 2);
			if (!p) {
				fprintf(stderr, "xcd: %s: too large\n", path);
				free(buf);
				buf = NULL;
				break;
			}
			buf = p;
			cap *= 2;
		}
	}
	if (buf && ferror(f)) {
		fprintf(stderr, "xcd: %s: %s\n", path, strerror(errno));
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

/* `xcd create -n`: the configuration as xcdd would take it, parsed here
 * with the same library, so that no daemon is needed to check a file. */
static int create_dry_run(const struct create_args *a)
{
	char err[256];
	long bad;
	struct domcfg *cfg = NULL;
	if (cfgload(a->file, a->config, strlen(a->config), a->overrides,
		    (size_t)a->n_overrides, &cfg, &bad, err, sizeof(err)) < 0) {
		fprintf(stderr, "xcd create: %s\n", err);
		return 1;
	}
	for (size_t i = 0; i < cfg->n_warnings; i++)
		fprintf(stderr, "warning: %s\n", cfg->warnings[i]);
	char *json = domcfg_to_json_string(cfg);
	domcfg_free(cfg);
	if (!json) {
		fprintf(stderr, "xcd create: out of memory\n");
		return 1;
	}
	size_t len = strlen(json);
	fwrite(json, 1, len, stdout);
	if (len && json[len - 1] != '\n')
		putchar('\n');
	free(json);
	return 0;
}

/* create's options before the file: -n (--dry-run) makes it offline. */
static bool create_offline(int argc, char **argv)
{
	for (int i = 1; i < argc && argv[i][0] == '-'; i++)
		if (!strcmp(argv[i], "-n") || !strcmp(argv[i], "--dry-run"))
			return true;
	return false;
}

/* The text goes to xcdd as a JSON string, which must be UTF-8: say where it
 * is not in the file's own terms, FILE:LINE:COLUMN, as the parser would. */
static bool utf8_text(const char *file, const char *text)
{
	size_t len = strlen(text);
	const char *why = NULL;
	size_t bad = utf8_invalid(text, len, &why);
	if (bad == len)
		return true;
	unsigned line = 1;
	const char *bol = text;
	for (const char *p = text; p < text + bad; p++)
		if (*p == '\n')
			line++, bol = p + 1;
	fprintf(stderr, "xcd: %s:%u:%zu: not valid UTF-8: byte 0x%02x is %s\n", file, line,
		(size_t)(text + bad - bol) + 1, (unsigned char)text[bad], why);
	return false;
}

static int v_create(int fd, int argc, char **argv)
{
	struct create_args a = { 0 };
	bool attach = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-p"))
			a.paused = true;
		else if (!strcmp(argv[i], "-c"))
			attach = true;
		else if (!strcmp(argv[i], "-n") || !strcmp(argv[i], "--dry-run"))
			a.dry_run = true;
		else {
			fprintf(stderr, "xcd create: unknown option %s\n", argv[i]);
			return 1;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "xcd create: which configuration file?\n");
		return 1;
	}
	a.file = argv[i];
	a.overrides = argv + i + 1;
	a.n_overrides = argc - i - 1;
	char *text = read_file(a.file);
	if (!text)
		return 1;
	bool utf8 = utf8_text(a.file, text);
	for (int k = 0; utf8 && k < a.n_overrides; k++)
		utf8 = utf8_text("command line", a.overrides[k]);
	if (!utf8) {
		free(text);
		return 1;
	}
	a.config = text;
	fprintf(stderr, "Parsing config from %s\n", a.file);
	if (a.dry_run) {
		int rc = create_dry_run(&a);
		free(text);
		return rc;
	}
	struct jsonrpc_message r;
	int rc = call(fd, "domain.create", gen_create, &a, &r);
	free(text);
	if (rc < 0)
		return 1;
	const char *p[] = { "warnings", NULL };
	yajl_val w = yajl_tree_get(r.result, p, yajl_t_array);
	for (size_t k = 0; w && k < w->u.array.len; k++)
		if (YAJL_IS_STRING(w->u.array.values[k]))
			fprintf(stderr, "warning: %s\n", YAJL_GET_STRING(w->u.array.values[k]));
	fprintf(stderr, "Domain %s created (domid %lld)\n", get_s(r.result, "name"),
		get_i(r.result, "domid"));
	long long domid = get_i(r.result, "domid");
	jsonrpc_message_free(&r);
	return attach ? console_attach((uint32_t)domid, NULL) : 0;
}

/* Whether list entry D is one of the N domains (names or domids) in DOMS;
 * every entry when N is 0. SEEN[i] is set when DOMS[i] matches. */
static bool list_wanted(yajl_val d, char **doms, int n, bool *seen)
{
	if (n == 0)
		return true;
	bool hit = false;
	const char *name = get_s(d, "name");
	long long domid = get_i(d, "domid");
	for (int i = 0; i < n; i++) {
		char *end;
		long long id = strtoll(doms[i], &end, 10);
		if ((name && !strcmp(name, doms[i])) || (*doms[i] && !*end && id == domid)) {
			seen[i] = true;
			hit = true;
		}
	}
	return hit;
}

static int v_list(int fd, int argc, char **argv)
{
	bool json = false, longf = false;
	char **doms = calloc((size_t)argc, sizeof(*doms));
	bool *seen = calloc((size_t)argc, sizeof(*seen));
	int ndoms = 0;
	if (!doms || !seen) {
		free(doms);
		free(seen);
		fprintf(stderr, "xcd list: out of memory\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "-l") || !strcmp(argv[i], "--long"))
			longf = true;
		else if (argv[i][0] == '-') {
			fprintf(stderr, "xcd list: unknown option %s\n", argv[i]);
			free(doms);
			free(seen);
			return 1;
		} else
			doms[ndoms++] = argv[i];
	}
	struct jsonrpc_message r;
	if (call(fd, "domain.list", NULL, NULL, &r) < 0) {
		free(doms);
		free(seen);
		return 1;
	}
	int status = 0;
	/* As `xl list DOM...`: only those domains, and an error for one that
	 * does not exist (after listing the others). */
	if (ndoms > 0 && YAJL_IS_ARRAY(r.result)) {
		size_t kept = 0;
		for (size_t k = 0; k < r.result->u.array.len; k++) {
			yajl_val d = r.result->u.array.values[k];
			if (list_wanted(d, doms, ndoms, seen))
				r.result->u.array.values[kept++] = d;
			else
				yajl_tree_free(d);
		}
		r.result->u.array.len = kept;
	}
	if (json) {
		print_json(r.result);
	} else if (longf) {
		/* As `xl list -l`: each domain's configuration. */
		printf("[\n");
		bool first = true;
		for (size_t k = 0; YAJL_IS_ARRAY(r.result) && k < r.result->u.array.len; k++) {
			yajl_val d = r.result->u.array.values[k];
			long long domid = get_i(d, "domid");
			if (domid == 0)
				continue;
			struct jsonrpc_message ri;
			char dom[32];
			snprintf(dom, sizeof(dom), "%lld", domid);
			if (call(fd, "domain.info", gen_dom, dom, &ri) < 0) {
				status = 1;
				continue;
			}
			printf("%s", first ? "" : ",\n");
			first = false;
			print_json(ri.result);
			jsonrpc_message_free(&ri);
		}
		printf("]\n");
	} else {
		printf("%s\n", XLFMT_LIST_HEADER);
		for (size_t k = 0; YAJL_IS_ARRAY(r.result) && k < r.result->u.array.len; k++) {
			yajl_val d = r.result->u.array.values[k];
			char row[512];
			/* The target, what the balloon is asked to reach; a host that
			 * keeps none (xcd-sim's domain 0) shows what is populated. */
			long long kb = get_i(d, "target_kb");
			if (kb <= 0)
				kb = get_i(d, "memory_kb");
			xlfmt_list_row(row, sizeof(row), get_s(d, "name"), get_i(d, "domid"),
				       kb / 1024, get_i(d, "vcpus"),
				       get_s(d, "state"), get_d(d, "cpu_time_s"));
			printf("%s\n", row);
		}
	}
	jsonrpc_message_free(&r);
	for (int i = 0; i < ndoms; i++)
		if (!seen[i]) {
			fprintf(stderr, "xcd list: %s: no such domain\n", doms[i]);
			status = 1;
		}
	free(doms);
	free(seen);
	return status;
}

/* --json as the only option, else 1 with the complaint said. */
static int json_flag(int argc, char **argv, bool *json, int *first_arg)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--json") != 0) {
			fprintf(stderr, "xcd %s: unknown option %s\n", argv[0], argv[i]);
			return 1;
		}
		*json = true;
	}
	*first_arg = i;
	return 0;
}

static int v_info(int fd, int argc, char **argv)
{
	struct jsonrpc_message r;
	bool json = false;
	int i;
	if (json_flag(argc, argv, &json, &i))
		return 1;
	if (i < argc) {
		fprintf(stderr, "xcd info: no arguments expected\n");
		return 1;
	}
	if (call(fd, "host.info", NULL, NULL, &r) < 0)
		return 1;
	if (json) {
		print_json(r.result);
		jsonrpc_message_free(&r);
		return 0;
	}
	/* xl info's keys and units (MiB), then xcd's own. */
	yajl_val h = r.result;
	bool sim = !strcmp(get_s(h, "backend"), "sim");
	printf("%-23s: %s\n", "host", get_s(h, "host"));
	printf("%-23s: %s\n", "release", get_s(h, "release"));
	printf("%-23s: %s\n", "machine", get_s(h, "machine"));
	printf("%-23s: %lld\n", "nr_cpus", get_i(h, "nr_cpus"));
	printf("%-23s: %lld\n", "total_memory", get_i(h, "total_memory_kb") / 1024);
	printf("%-23s: %lld\n", "free_memory", get_i(h, "free_memory_kb") / 1024);
	printf("%-23s: %lld\n", "xen_major", get_i(h, "xen_major"));
	printf("%-23s: %lld\n", "xen_minor", get_i(h, "xen_minor"));
	printf("%-23s: %s\n", "xen_version", sim ? "sim" : get_s(h, "version"));
	printf("%-23s: %s\n", "xcd_backend", get_s(h, "backend"));
	printf("%-23s: %s\n", "xcd_hv_version", get_s(h, "version"));
	printf("%-23s: %lld\n", "xcd_nr_domains", get_i(h, "nr_domains"));
	jsonrpc_message_free(&r);
	return 0;
}

static int v_mem(int argc, char **argv, int fd, const char *method)
{
	if (argc != 3) {
		fprintf(stderr, "xcd %s: expected DOM MEM (MEM as xl: 512, 512m, 2g...)\n", argv[0]);
		return 1;
	}
	uint64_t kb;
	char err[160];
	if (xlfmt_parse_mem_kb(argv[2], &kb, err, sizeof(err)) < 0 || kb > INT64_MAX) {
		fprintf(stderr, "xcd %s: invalid memory size %s\n", argv[0], err);
		return 1;
	}
	struct dom_req q = { argv[1], { { "memory_kb", NULL, (long long)kb } }, 1 };
	struct jsonrpc_message r;
	if (call(fd, method, gen_dom_req, &q, &r) < 0)
		return 1;
	jsonrpc_message_free(&r);
	return 0;
}

static int v_mem_set(int fd, int argc, char **argv)
{
	return v_mem(argc, argv, fd, "domain.mem_set");
}
static int v_mem_max(int fd, int argc, char **argv)
{
	return v_mem(argc, argv, fd, "domain.mem_max");
}

static int v_rename(int fd, int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "xcd rename: expected DOM NEWNAME\n");
		return 1;
	}
	struct dom_req q = { argv[1], { { "new_name", argv[2], 0 } }, 1 };
	struct jsonrpc_message r;
	if (call(fd, "domain.rename", gen_dom_req, &q, &r) < 0)
		return 1;
	jsonrpc_message_free(&r);
	return 0;
}

static int v_vcpu_pin(int fd, int argc, char **argv)
{
	if (argc != 4 && argc != 5) {
		fprintf(stderr, "xcd vcpu-pin: expected DOM VCPU CPUS [CPUS_SOFT]\n");
		return 1;
	}
	struct dom_req q = { argv[1], { { 0 } }, 0 };
	if (strcmp(argv[2], "all") != 0) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(argv[2], &end, 10);
		if (argv[2][0] < '0' || argv[2][0] > '9' || *end || errno || v > UINT32_MAX) {
			fprintf(stderr, "xcd vcpu-pin: %s: expected a vCPU number or all\n", argv[2]);
			return 1;
		}
		q.kv[q.n].key = "vcpu";
		q.kv[q.n++].i = (long long)v;
	}
	/* "-" leaves that affinity as it is, as in xl. */
	if (strcmp(argv[3], "-") != 0) {
		q.kv[q.n].key = "cpus";
		q.kv[q.n++].s = argv[3];
	}
	if (argc == 5 && strcmp(argv[4], "-") != 0) {
		q.kv[q.n].key = "cpus_soft";
		q.kv[q.n++].s = argv[4];
	}
	struct jsonrpc_message r;
	if (call(fd, "domain.vcpu_pin", gen_dom_req, &q, &r) < 0)
		return 1;
	jsonrpc_message_free(&r);
	return 0;
}

static bool get_b(yajl_val o, const char *k)
{
	const char *p[] = { k, NULL };
	yajl_val v = yajl_tree_get(o, p, yajl_t_any);
	return v && YAJL_IS_TRUE(v);
}

static int v_vcpu_list(int fd, int argc, char **argv)
{
	bool json = false;
	int i;
	if (json_flag(argc, argv, &json, &i))
		return 1;
	if (argc - i > 1) {
		fprintf(stderr, "xcd vcpu-list: expected at most one domain\n");
		return 1;
	}
	struct dom_req q = { i < argc ? argv[i] : NULL, { { 0 } }, 0 };
	struct jsonrpc_message r;
	if (call(fd, "domain.vcpu_list", q.dom ? gen_dom_req : NULL, &q, &r) < 0)
		return 1;
	if (json) {
		print_json(r.result);
	} else {
		printf("%s\n", XLFMT_VCPU_HEADER);
		for (size_t k = 0; YAJL_IS_ARRAY(r.result) && k < r.result->u.array.len; k++) {
			yajl_val v = r.result->u.array.values[k];
			struct xlfmt_vcpu x = {
				get_s(v, "name"), (uint32_t)get_i(v, "domid"),
				(uint32_t)get_i(v, "vcpu"), (uint32_t)get_i(v, "cpu"),
				get_b(v, "online"), get_b(v, "running"), get_b(v, "blocked"),
				get_d(v, "cpu_time_s"), get_s(v, "hard_affinity"),
				get_s(v, "soft_affinity"),
			};
			char row[2600];
			xlfmt_vcpu_row(row, sizeof(row), &x);
			printf("%s\n", row);
		}
	}
	jsonrpc_message_free(&r);
	return 0;
}

static int v_uptime(int fd, int argc, char **argv)
{
	bool json = false;
	int i;
	if (json_flag(argc, argv, &json, &i))
		return 1;
	struct jsonrpc_message r;
	if (call(fd, "domain.list", NULL, NULL, &r) < 0)
		return 1;
	yajl_val all = YAJL_IS_ARRAY(r.result) ? r.result : NULL;
	size_t n = all ? all->u.array.len : 0;
	/* The domains asked for, in the order asked, as xl; none: all. */
	int status = 0;
	for (int a = i; a < argc; a++) {
		bool found = false;
		for (size_t k = 0; k < n && !found; k++) {
			yajl_val d = all->u.array.values[k];
			char id[24];
			snprintf(id, sizeof(id), "%lld", get_i(d, "domid"));
			found = !strcmp(argv[a], get_s(d, "name")) || !strcmp(argv[a], id);
		}
		if (!found) {
			fprintf(stderr, "xcd uptime: no domain %s\n", argv[a]);
			status = 1;
		}
	}
	if (status) {
		jsonrpc_message_free(&r);
		return 1;
	}
	if (json) {
		printf("[");
		bool first = true;
		for (size_t k = 0; k < n; k++) {
			yajl_val d = all->u.array.values[k];
			bool want = i == argc;
			char id[24];
			snprintf(id, sizeof(id), "%lld", get_i(d, "domid"));
			for (int a = i; a < argc && !want; a++)
				want = !strcmp(argv[a], get_s(d, "name")) || !strcmp(argv[a], id);
			if (!want)
				continue;
			/* Names come from xcdd's JSON; print_json escapes them. */
			printf("%s\n", first ? "" : ",");
			first = false;
			yajl_gen g = yajl_gen_alloc(NULL);
			if (!g)
				break;
			const unsigned char *buf;
			size_t len;
			if (yajl_gen_map_open(g) == yajl_gen_status_ok && !jw_str(g, "name") &&
			    !jw_str(g, get_s(d, "name")) && !jw_str(g, "domid") &&
			    yajl_gen_integer(g, get_i(d, "domid")) == yajl_gen_status_ok &&
			    !jw_str(g, "uptime_s") &&
			    yajl_gen_integer(g, get_i(d, "uptime_s")) == yajl_gen_status_ok &&
			    yajl_gen_map_close(g) == yajl_gen_status_ok &&
			    yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
				printf("    %.*s", (int)len, buf);
			yajl_gen_free(g);
		}
		printf("\n]\n");
		jsonrpc_message_free(&r);
		return 0;
	}
	printf("%s\n", XLFMT_UPTIME_HEADER);
	for (size_t k = 0; k < n; k++) {
		yajl_val d = all->u.array.values[k];
		bool want = i == argc;
		char id[24];
		snprintf(id, sizeof(id), "%lld", get_i(d, "domid"));
		for (int a = i; a < argc && !want; a++)
			want = !strcmp(argv[a], get_s(d, "name")) || !strcmp(argv[a], id);
		if (!want)
			continue;
		char row[512];
		long long up = get_i(d, "uptime_s");
		xlfmt_uptime_row(row, sizeof(row), get_s(d, "name"), get_i(d, "domid"),
				 up < 0 ? 0 : (uint64_t)up);
		printf("%s\n", row);
	}
	jsonrpc_message_free(&r);
	return 0;
}

static int one_dom(int fd, int argc, char **argv, const char *method)
{
	if (argc != 2) {
		fprintf(stderr, "xcd %s: expected one domain (name or domid)\n", argv[0]);
		return 1;
	}
	struct jsonrpc_message r;
	if (call(fd, method, gen_dom, argv[1], &r) < 0)
		return 1;
	jsonrpc_message_free(&r);
	return 0;
}

static int v_destroy(int fd, int argc, char **argv)
{
	return one_dom(fd, argc, argv, "domain.destroy");
}
static int v_pause(int fd, int argc, char **argv)
{
	return one_dom(fd, argc, argv, "domain.pause");
}
static int v_unpause(int fd, int argc, char **argv)
{
	return one_dom(fd, argc, argv, "domain.unpause");
}

static int lookup(int fd, int argc, char **argv, bool want_id)
{
	if (argc != 2) {
		fprintf(stderr, "xcd %s: expected one %s\n", argv[0], want_id ? "name" : "domid");
		return 1;
	}
	if (!want_id && (argv[1][0] < '0' || argv[1][0] > '9')) {
		fprintf(stderr, "xcd domname: %s: expected a domid\n", argv[1]);
		return 1;
	}
	struct jsonrpc_message r;
	if (call(fd, "domain.info", gen_dom, argv[1], &r) < 0)
		return 1;
	if (want_id)
		printf("%lld\n", get_i(r.result, "domid"));
	else
		printf("%s\n", get_s(r.result, "name"));
	jsonrpc_message_free(&r);
	return 0;
}

static int v_domid(int fd, int argc, char **argv) { return lookup(fd, argc, argv, true); }
static int v_domname(int fd, int argc, char **argv) { return lookup(fd, argc, argv, false); }

static int v_monitor(int fd, int argc, char **argv)
{
	if (argc > 1) {
		fprintf(stderr, "xcd monitor: no arguments expected\n");
		return 1;
	}
	/* A first call proves the connection was accepted before waiting. */
	struct jsonrpc_message r;
	if (call(fd, "host.info", NULL, NULL, &r) < 0)
		return 1;
	jsonrpc_message_free(&r);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		char err[256];
		char *line;
		size_t len;
		int n = jsonrpc_linebuf_next(&lb, &line, &len, err, sizeof(err));
		if (n == 1) {
			printf("%.*s\n", (int)len, line);
			continue;
		}
		if (n < 0) {
			fprintf(stderr, "xcd: %s\n", err);
			return 1;
		}
		ssize_t k = jsonrpc_linebuf_read(&lb, fd, err, sizeof(err));
		if (k == 0) {
			fprintf(stderr, "xcd: xcdd closed the connection\n");
			return 1;
		}
		if (k < 0 && k != -EINTR && k != -EAGAIN) {
			fprintf(stderr, "xcd: %s\n", err);
			return 1;
		}
	}
}

static int v_console(int fd, int argc, char **argv)
{
	struct console_args a;
	if (console_args(argc, argv, &a))
		return 1;
	struct jsonrpc_message r;
	if (call(fd, "domain.info", gen_dom, (void *)a.dom, &r) < 0)
		return 1;
	long long domid = get_i(r.result, "domid");
	jsonrpc_message_free(&r);
	return console_attach((uint32_t)domid, &a);
}

/* Exits: as xl, 0 on success and 1 on any failure. A bounded wait that
 * runs out is a failure too. */
#define WAIT_DEFAULT_S 60

struct shutdown_req {
	const char *dom;
	bool reboot, force;
};

static int gen_shutdown(yajl_gen g, void *arg)
{
	struct shutdown_req *r = arg;
	char *end;
	errno = 0;
	unsigned long v = strtoul(r->dom, &end, 10);
	bool num = *r->dom >= '0' && *r->dom <= '9' && !*end && !errno && v <= UINT32_MAX;
	if (yajl_gen_map_open(g) || jw_str(g, num ? "domid" : "name"))
		return -EINVAL;
	if (num ? yajl_gen_integer(g, (long long)v) != yajl_gen_status_ok : jw_str(g, r->dom) < 0)
		return -EINVAL;
	if (jw_str(g, "reboot") || yajl_gen_bool(g, r->reboot) || jw_str(g, "force") ||
	    yajl_gen_bool(g, r->force))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Waits until each of the N domains in IDS is gone or shut down, at most
 * TIMEOUT_S seconds: 0, or 1 with the ones left said. */
static int wait_down(int fd, long long *ids, size_t n, long timeout_s)
{
	printf("Waiting for %zu domains\n", n);
	fflush(stdout);
	size_t left = n;
	/* A guest that answers at once is seen at once; a slow one costs
	 * a look every 200 ms. */
	long nap = 10;
	for (long waited = 0; left > 0; waited += nap) {
		struct jsonrpc_message r;
		if (call(fd, "domain.list", NULL, NULL, &r) < 0)
			return 1;
		for (size_t k = 0; k < n; k++) {
			if (ids[k] < 0)
				continue;
			const char *state = NULL;
			for (size_t j = 0; YAJL_IS_ARRAY(r.result) && j < r.result->u.array.len; j++)
				if (get_i(r.result->u.array.values[j], "domid") == ids[k])
					state = get_s(r.result->u.array.values[j], "state");
			if (!state) {
				printf("Domain %lld has been destroyed.\n", ids[k]);
			} else if (strlen(state) >= 4 && state[3] == 's') {
				printf("Domain %lld has been shut down.\n", ids[k]);
			} else {
				continue;
			}
			ids[k] = -1;
			left--;
		}
		jsonrpc_message_free(&r);
		fflush(stdout);
		if (left == 0)
			break;
		if (waited >= timeout_s * 1000) {
			for (size_t k = 0; k < n; k++)
				if (ids[k] >= 0)
					fprintf(stderr, "xcd: domain %lld did not shut down in %ld s\n",
						ids[k], timeout_s);
			return 1;
		}
		nap = nap * 2 > 200 ? 200 : nap * 2;
		nap_ms(nap);
	}
	return 0;
}

/* shutdown and reboot: xl's -w, -a, -F, and --timeout for -w's wait. */
static int v_shutdown_or_reboot(int fd, int argc, char **argv, bool reboot)
{
	bool wait = false, all = false, force = false;
	long timeout_s = WAIT_DEFAULT_S;
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strncmp(argv[i], "--timeout=", 10)) {
			char *end;
			timeout_s = strtol(argv[i] + 10, &end, 10);
			if (*end || end == argv[i] + 10 || timeout_s < 1) {
				fprintf(stderr, "xcd %s: %s: expected --timeout=SECONDS\n", argv[0],
					argv[i]);
				return 1;
			}
			continue;
		}
		for (const char *o = argv[i] + 1; *o; o++) {
			if (*o == 'w')
				wait = true;
			else if (*o == 'a')
				all = true;
			else if (*o == 'F')
				force = true;
			else {
				fprintf(stderr, "xcd %s: unknown option -%c\n", argv[0], *o);
				return 1;
			}
		}
	}
	if (all ? i != argc : i + 1 != argc) {
		fprintf(stderr, all ? "xcd %s: -a takes no domain\n"
				    : "xcd %s: expected one domain (name or domid), or -a\n",
			argv[0]);
		return 1;
	}
	/* The domains: the one named, or every one but Domain-0. */
	char **doms = NULL;
	size_t n = 0;
	struct jsonrpc_message lr = { 0 };
	bool have_list = false;
	if (all) {
		if (call(fd, "domain.list", NULL, NULL, &lr) < 0)
			return 1;
		have_list = true;
		size_t len = YAJL_IS_ARRAY(lr.result) ? lr.result->u.array.len : 0;
		doms = calloc(len + 1, sizeof(char *));
		for (size_t k = 0; doms && k < len; k++) {
			long long id = get_i(lr.result->u.array.values[k], "domid");
			char buf[24];
			snprintf(buf, sizeof(buf), "%lld", id);
			if (id > 0 && !(doms[n++] = strdup(buf)))
				break;
		}
	} else {
		doms = calloc(2, sizeof(char *));
		if (doms && (doms[0] = strdup(argv[i])))
			n = 1;
	}
	if (have_list)
		jsonrpc_message_free(&lr);
	if (!doms) {
		fprintf(stderr, "xcd: out of memory\n");
		return 1;
	}
	long long *ids = calloc(n + 1, sizeof(long long));
	size_t n_ids = 0;
	int status = 0;
	for (size_t k = 0; k < n && ids; k++) {
		struct shutdown_req q = { doms[k], reboot, force };
		struct jsonrpc_message r;
		if (call(fd, "domain.shutdown", gen_shutdown, &q, &r) < 0) {
			status = 1;
			continue;
		}
		ids[n_ids++] = get_i(r.result, "domid");
		jsonrpc_message_free(&r);
	}
	if (wait && n_ids > 0 && wait_down(fd, ids, n_ids, timeout_s) != 0)
		status = 1;
	for (size_t k = 0; k < n; k++)
		free(doms[k]);
	free(doms);
	free(ids);
	return status;
}

static int v_shutdown(int fd, int argc, char **argv)
{
	return v_shutdown_or_reboot(fd, argc, argv, false);
}

static int v_reboot(int fd, int argc, char **argv)
{
	return v_shutdown_or_reboot(fd, argc, argv, true);
}

static int v_vcpu_set(int fd, int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "xcd vcpu-set: expected DOM N\n");
		return 1;
	}
	char *end;
	errno = 0;
	long long v = strtoll(argv[2], &end, 10);
	if (argv[2][0] < '0' || argv[2][0] > '9' || *end || errno || v > UINT32_MAX) {
		fprintf(stderr, "xcd vcpu-set: %s: expected a number of vCPUs\n", argv[2]);
		return 1;
	}
	struct dom_req q = { argv[1], { { "vcpus", NULL, v } }, 1 };
	struct jsonrpc_message r;
	if (call(fd, "domain.vcpu_set", gen_dom_req, &q, &r) < 0)
		return 1;
	jsonrpc_message_free(&r);
	return 0;
}

static int v_help(int fd, int argc, char **argv);

static const struct verb verbs[] = {
	{ "create", "[-p] [-c] [-n|--dry-run] CFG [KEY=VALUE...]",
	  "Create a domain from the xl.cfg file CFG, with KEY=VALUE settings\n"
	  "overriding the file. -p leaves it paused; -c attaches to its console\n"
	  "(as xcd console); -n prints the configuration as JSON (libxl's, as\n"
	  "`xl -N create`) and creates nothing: it needs no running xcdd.",
	  v_create, create_offline },
	{ "console", "[-t pv|serial] [-n NUM] DOM",
	  "Attach to the console of DOM (the first PV console, or -t and -n's);\n"
	  "Ctrl-] detaches. Ends, with status 0, when the domain's console goes.",
	  v_console, NULL },
	{ "list", "[-l] [--json] [DOM...]",
	  "List the domains (or only the DOMs named) as `xl list` does. -l prints\n"
	  "each domain's configuration as JSON; --json prints the list as JSON.",
	  v_list, NULL },
	{ "info", "[--json]",
	  "Print information about the host as `xl info` does (key : value);\n"
	  "--json prints it as JSON.",
	  v_info, NULL },
	{ "mem-set", "DOM MEM",
	  "Set the memory target of DOM. MEM is in MiB, or has a suffix\n"
	  "b, k, m, g or t as in xl; it may not exceed the maximum.",
	  v_mem_set, NULL },
	{ "mem-max", "DOM MEM",
	  "Set the maximum memory of DOM (MEM as for mem-set); it may not be\n"
	  "below the target.",
	  v_mem_max, NULL },
	{ "vcpu-list", "[--json] [DOM]",
	  "List the vCPUs of DOM, or of every domain xcdd manages, in the\n"
	  "columns of `xl vcpu-list`.",
	  v_vcpu_list, NULL },
	{ "vcpu-pin", "DOM VCPU CPUS [CPUS_SOFT]",
	  "Pin vCPU VCPU (a number or all) of DOM to the CPU list CPUS (hard\n"
	  "affinity) and CPUS_SOFT (soft), in xl.cfg's CPU list syntax\n"
	  "(\"0-3,^2\", \"all\"); \"-\" leaves that affinity as it is.",
	  v_vcpu_pin, NULL },
	{ "rename", "DOM NEWNAME", "Rename DOM to NEWNAME, which no other domain may have.",
	  v_rename, NULL },
	{ "uptime", "[--json] [DOM...]",
	  "Print the uptime of DOMs, or of every domain, as `xl uptime` does.", v_uptime, NULL },
	{ "shutdown", "[-w] [-a] [-F] [--timeout=SECONDS] DOM",
	  "Ask DOM to power off through xenstore (control/shutdown), as xl.\n"
	  "-F: if the guest has no PV control interface, shut it down through\n"
	  "the hypervisor instead; -a: every domain; -w: wait until it has shut\n"
	  "down or is gone (at most --timeout, 60 s by default; 1 when it runs out).\n"
	  "What follows is its on_poweroff action.",
	  v_shutdown, NULL },
	{ "reboot", "[-w] [-a] [-F] [--timeout=SECONDS] DOM",
	  "Ask DOM to reboot, with shutdown's options; its on_reboot action\n"
	  "(restart by default) makes it again.",
	  v_reboot, NULL },
	{ "vcpu-set", "DOM N",
	  "Bring the first N vCPUs of DOM online and the others offline\n"
	  "(cpu/K/availability in xenstore, which the guest follows).",
	  v_vcpu_set, NULL },
	{ "destroy", "DOM", "Destroy the domain DOM (a name or a domid).", v_destroy, NULL },
	{ "pause", "DOM", "Pause the domain DOM.", v_pause, NULL },
	{ "unpause", "DOM", "Unpause the domain DOM.", v_unpause, NULL },
	{ "domid", "NAME", "Print the domid of the domain NAME.", v_domid, NULL },
	{ "domname", "ID", "Print the name of the domain ID.", v_domname, NULL },
	{ "monitor", "",
	  "Print xcdd's notifications (JSON-RPC, one per line) until interrupted.", v_monitor, NULL },
	{ "help", "[VERB]", "Say how to use xcd, or VERB.", v_help, NULL },
};
#define N_VERBS (sizeof(verbs) / sizeof(verbs[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: xcd [--connect PATH] VERB [ARGS...]\n\n"
		   "xcdd is found at PATH, else $XCD_SOCKET, else /run/xcd/xcd.sock.\n\n"
		   "Verbs:\n");
	for (size_t i = 0; i < N_VERBS; i++)
		fprintf(f, "  %-10s %s\n", verbs[i].name, verbs[i].args);
	fprintf(f, "\n`xcd help VERB` says more about VERB.\n");
}

static const struct verb *find_verb(const char *name)
{
	for (size_t i = 0; i < N_VERBS; i++)
		if (!strcmp(verbs[i].name, name))
			return &verbs[i];
	return NULL;
}

static int v_help(int fd, int argc, char **argv)
{
	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	const struct verb *v = find_verb(argv[1]);
	if (!v) {
		fprintf(stderr, "xcd help: no verb %s\n", argv[1]);
		return 1;
	}
	printf("usage: xcd %s %s\n\n%s\n", v->name, v->args, v->help);
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = getenv("XCD_SOCKET");
	if (!path || !*path)
		path = "/run/xcd/xcd.sock";
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--connect") && i + 1 < argc) {
			path = argv[++i];
		} else if (!strncmp(argv[i], "--connect=", 10)) {
			path = argv[i] + 10;
		} else {
			fprintf(stderr, "xcd: unknown option %s\n", argv[i]);
			usage(stderr);
			return 1;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 1;
	}
	const struct verb *v = find_verb(argv[i]);
	if (!v) {
		fprintf(stderr, "xcd: no verb %s (xcd --help lists them)\n", argv[i]);
		return 1;
	}
	if (v->fn == v_help)
		return v_help(-1, argc - i, argv + i);
	if (v->offline && v->offline(argc - i, argv + i))
		return v->fn(-1, argc - i, argv + i);
	signal(SIGPIPE, SIG_IGN);
	int fd = connect_to(path);
	if (fd < 0)
		return 1;
	jsonrpc_linebuf_init(&lb, JSONRPC_MAX_LINE);
	int rc = v->fn(fd, argc - i, argv + i);
	jsonrpc_linebuf_free(&lb);
	close(fd);
	return rc;
}
