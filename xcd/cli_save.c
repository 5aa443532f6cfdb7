/* cli_save: `xcd save` and `xcd restore`, with xl's options; the file is
 * written and read by xcdd, the progress drawn here from its notifications. */
#include "../lib/jsonrpc.h"
#include "../lib/jsonw.h"
#include "../lib/utf8.h"
#include "../migrate/compress.h"
#include "cli.h"
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* xl's save file magic, as its first bytes. */
static const char xl_magic[] = "Xen saved domain, xl format\n \0 \r";

/* PATH made absolute against our directory: xcdd does not share it. */
static char *absolute(const char *path)
{
	if (path[0] == '/')
		return strdup(path);
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd))) {
		fprintf(stderr, "xcd: cannot read the working directory: %s\n", strerror(errno));
		return NULL;
	}
	size_t n = strlen(cwd) + strlen(path) + 2;
	char *out = malloc(n);
	if (out)
		snprintf(out, n, "%s/%s", cwd, path);
	return out;
}

struct progress {
	const char *op, *dom;
	bool tty, drawn, verbose;
};

/* domain.progress of our domain: one line redrawn in place on a terminal. */
static void on_note(const struct jsonrpc_message *n, void *arg)
{
	struct progress *p = arg;
	if (!n->method || strcmp(n->method, "domain.progress") != 0 || !n->params)
		return;
	if (strcmp(cli_get_s(n->params, "operation"), p->op) != 0)
		return;
	char id[32];
	snprintf(id, sizeof(id), "%lld", cli_get_i(n->params, "domid"));
	if (p->dom && strcmp(p->dom, cli_get_s(n->params, "name")) != 0 && strcmp(p->dom, id) != 0)
		return;
	long long done = cli_get_i(n->params, "done"), total = cli_get_i(n->params, "total");
	if (!p->tty && !p->verbose)
		return;
	int pct = total > 0 ? (int)(done * 100 / total) : 100;
	if (p->tty) {
		printf("\r%s %s: %lld/%lld pages (%d%%)\033[K", strcmp(p->op, "save") == 0 ?
		       "Saving" : "Restoring", cli_get_s(n->params, "name"), done, total, pct);
		p->drawn = true;
	} else {
		printf("%s %s: %lld/%lld pages (%d%%)\n", p->op, cli_get_s(n->params, "name"), done,
		       total, pct);
	}
	fflush(stdout);
}

static void progress_end(struct progress *p)
{
	if (p->drawn)
		printf("\n");
	fflush(stdout);
}

struct save_req {
	const char *dom, *file, *config, *config_file, *compress;
	bool keep, paused;
};

static int gen_save(yajl_gen g, void *arg)
{
	struct save_req *r = arg;
	if (yajl_gen_map_open(g) || cli_gen_dom_member(g, r->dom) ||
	    jw_kv_str(g, "file", r->file) || jw_str(g, "keep") || yajl_gen_bool(g, r->keep) ||
	    jw_str(g, "paused") || yajl_gen_bool(g, r->paused))
		return -EINVAL;
	if (r->config && (jw_kv_str(g, "config", r->config) ||
			  jw_kv_str(g, "config_file", r->config_file)))
		return -EINVAL;
	if (r->compress && jw_kv_str(g, "compress", r->compress))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

int cli_compress_arg(const char *verb, const char *v, const char **out)
{
	enum mig_compress c;
	if (mig_compress_parse(v, &c) < 0) {
		fprintf(stderr, "xcd %s: --compress %s: expected auto, zstd, lz4 or off\n", verb, v);
		return 1;
	}
	*out = v;
	return 0;
}

char *cli_read_cfg(const char *verb, const char *path)
{
	char *text = cli_read_file(path);
	const char *why = NULL;
	if (text && utf8_invalid(text, strlen(text), &why) != strlen(text)) {
		fprintf(stderr, "xcd %s: %s: not valid UTF-8\n", verb, path);
		free(text);
		return NULL;
	}
	return text;
}

int v_save(int fd, int argc, char **argv)
{
	struct save_req r = { 0 };
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "-c"))
			r.keep = true;
		else if (!strcmp(argv[i], "-p"))
			r.paused = true;
		else if (!strcmp(argv[i], "--compress") && i + 1 < argc) {
			if (cli_compress_arg("save", argv[++i], &r.compress))
				return 1;
		} else {
			fprintf(stderr, "xcd save: unknown option %s\n", argv[i]);
			return 1;
		}
	}
	if (argc - i != 2 && argc - i != 3) {
		fprintf(stderr, "xcd save: expected DOM FILE [CFG]\n");
		return 1;
	}
	r.dom = argv[i];
	char *file = absolute(argv[i + 1]), *text = NULL;
	if (!file)
		return 1;
	if (argc - i == 3 && !(text = cli_read_cfg("save", argv[i + 2]))) {
		free(file);
		return 1;
	}
	r.file = file;
	r.config = text;
	r.config_file = argc - i == 3 ? argv[i + 2] : NULL;
	fprintf(stderr, "Saving to %s new xl format%s\n", file, r.compress &&
		strcmp(r.compress, "off") ? " (compressed: for xcd restore only, xl cannot read it)"
					  : "");
	struct progress p = { "save", r.dom, isatty(STDOUT_FILENO) == 1, false, false };
	struct jsonrpc_message res;
	int rc = cli_call_notes(fd, "domain.save", gen_save, &r, &res, on_note, &p);
	progress_end(&p);
	free(text);
	if (rc < 0) {
		free(file);
		return 1;
	}
	fprintf(stderr, "Domain %s saved to %s%s\n", cli_get_s(res.result, "name"), file,
		r.paused ? " (left paused)" : r.keep ? " (left running)" : "");
	jsonrpc_message_free(&res);
	free(file);
	return 0;
}

struct restore_req {
	const char *file, *config, *config_file;
	bool paused;
};

static int gen_restore(yajl_gen g, void *arg)
{
	struct restore_req *r = arg;
	if (yajl_gen_map_open(g) || jw_kv_str(g, "file", r->file) || jw_str(g, "paused") ||
	    yajl_gen_bool(g, r->paused))
		return -EINVAL;
	if (r->config && (jw_kv_str(g, "config", r->config) ||
			  jw_kv_str(g, "config_file", r->config_file)))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

/* 1: PATH starts as an xl save file; 0: it does not; -1: it cannot be read. */
static int is_save_file(const char *path)
{
	char buf[sizeof(xl_magic) - 1];
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return n == sizeof(buf) && memcmp(buf, xl_magic, sizeof(buf)) == 0;
}

int v_restore(int fd, int argc, char **argv)
{
	struct restore_req r = { 0 };
	bool verbose = false, debug = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "-p"))
			r.paused = true;
		else if (!strcmp(argv[i], "-e"))
			; /* xl: do not wait for the console; xcd never attaches to it */
		else if (!strcmp(argv[i], "-d"))
			debug = true;
		else if (!strcmp(argv[i], "-V"))
			verbose = true;
		else {
			fprintf(stderr, "xcd restore: unknown option %s\n", argv[i]);
			return 1;
		}
	}
	if (argc - i != 1 && argc - i != 2) {
		fprintf(stderr, "xcd restore: expected FILE [CFG] (or CFG FILE)\n");
		return 1;
	}
	const char *save = argv[i], *cfg = argc - i == 2 ? argv[i + 1] : NULL;
	if (cfg) {
		/* xl's order is CFG FILE; FILE CFG is taken too: the save file is
		 * the one with xl's magic, or the one we cannot read (xcdd can). */
		int a = is_save_file(argv[i]), b = is_save_file(argv[i + 1]);
		if (b == 1 && a != 1) {
			save = argv[i + 1];
			cfg = argv[i];
		} else if (a != 1 && b != 1 && !(a == -1 && b == 0)) {
			if (a == 0 && b == -1) {
				save = argv[i + 1];
				cfg = argv[i];
			} else {
				fprintf(stderr, "xcd restore: neither %s nor %s is an xl save "
					"file\n", argv[i], argv[i + 1]);
				return 1;
			}
		}
	}
	char *file = absolute(save), *text = NULL;
	if (!file)
		return 1;
	if (cfg && !(text = cli_read_cfg("restore", cfg))) {
		free(file);
		return 1;
	}
	r.file = file;
	r.config = text;
	r.config_file = cfg;
	fprintf(stderr, "Loading new save file %s (new xl fmt info)\n", file);
	if (cfg)
		fprintf(stderr, "Parsing config from %s\n", cfg);
	struct progress p = { "restore", NULL, isatty(STDOUT_FILENO) == 1, false, verbose };
	struct jsonrpc_message res;
	int rc = cli_call_notes(fd, "domain.restore", gen_restore, &r, &res, on_note, &p);
	progress_end(&p);
	free(text);
	free(file);
	if (rc < 0)
		return 1;
	if (debug)
		cli_print_json(res.result);
	fprintf(stderr, "Domain %s restored (domid %lld)%s\n", cli_get_s(res.result, "name"),
		cli_get_i(res.result, "domid"), r.paused ? ", paused" : "");
	jsonrpc_message_free(&res);
	return 0;
}
