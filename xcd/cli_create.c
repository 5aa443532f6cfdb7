/* cli_create: `xcd create`: the file read and checked here, sent to xcdd, or
 * parsed here alone for -n (no daemon needed). */
#include "../lib/utf8.h"
#include "../lib/errmsg.h"
#include "cfgload.h"
#include "console.h"
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

char *cli_read_file(const char *path)
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
	char err[XCD_ERR_MAX];
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
bool create_offline(int argc, char **argv)
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

int v_create(int fd, int argc, char **argv)
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
	char *text = cli_read_file(a.file);
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
	int rc = cli_call(fd, "domain.create", gen_create, &a, &r);
	free(text);
	if (rc < 0)
		return 1;
	const char *p[] = { "warnings", NULL };
	yajl_val w = yajl_tree_get(r.result, p, yajl_t_array);
	for (size_t k = 0; w && k < w->u.array.len; k++)
		if (YAJL_IS_STRING(w->u.array.values[k]))
			fprintf(stderr, "warning: %s\n", YAJL_GET_STRING(w->u.array.values[k]));
	fprintf(stderr, "Domain %s created (domid %lld)\n", cli_get_s(r.result, "name"),
		cli_get_i(r.result, "domid"));
	long long domid = cli_get_i(r.result, "domid");
	jsonrpc_message_free(&r);
	return attach ? console_attach((uint32_t)domid, NULL) : 0;
}
