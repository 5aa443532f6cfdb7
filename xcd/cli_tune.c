/* cli_tune: `xcd tune net|storage show|plan|verify|apply|revert|confirm`,
 * the I/O tuners through xcdd. */
#include "cli.h"
#include "../lib/jsonw.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A tune answer holds a whole host's show (2000 vifs: a few MiB). */
#define CLI_TUNE_MAX_LINE (64u << 20)
/* io.conf is a few lines; xcdd refuses more than this. */
#define CLI_TUNE_POLICY_MAX (1u << 20)

struct tune_params {
	const char *area;
	const char *policy;
	char *text;
	long confirm; /* apply --confirm SECONDS; 0 none */
	long measure; /* verify --measure: seconds per map; 0 none */
};

static int gen_tune(yajl_gen g, void *arg)
{
	const struct tune_params *p = arg;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok || jw_kv_str(g, "area", p->area) ||
	    (p->policy && (jw_kv_str(g, "policy", p->policy) || jw_kv_str(g, "policy_text", p->text))) ||
	    (p->confirm && jw_kv_int(g, "confirm", p->confirm)) ||
	    (p->measure && jw_kv_int(g, "measure", p->measure)))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

/* PATH's text, read with the caller's own rights: xcdd reads no file for a
 * caller. NULL after saying why. */
static char *read_policy(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		fprintf(stderr, "xcd tune: --policy %s: %s\n", path, strerror(errno));
		return NULL;
	}
	size_t n = 0;
	char *buf = malloc(CLI_TUNE_POLICY_MAX + 1);
	while (buf) {
		ssize_t r = read(fd, buf + n, CLI_TUNE_POLICY_MAX + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "xcd tune: --policy %s: %s\n", path, strerror(errno));
			free(buf);
			buf = NULL;
		} else if (r == 0) {
			break;
		} else if ((n += (size_t)r) > CLI_TUNE_POLICY_MAX) {
			fprintf(stderr, "xcd tune: --policy %s: larger than 1 MiB: not an io.conf\n",
				path);
			free(buf);
			buf = NULL;
		}
	}
	close(fd);
	if (!buf)
		return NULL;
	buf[n] = '\0';
	if (strlen(buf) != n) {
		fprintf(stderr, "xcd tune: --policy %s: a NUL byte in the file: not an io.conf\n",
			path);
		free(buf);
		return NULL;
	}
	return buf;
}

static const char usage[] =
	"usage: xcd tune net|storage show|plan|verify [--json] [--policy FILE]\n"
	"       xcd tune storage verify --measure [--seconds N] [--json] [--policy FILE]\n"
	"       xcd tune net|storage apply [--confirm SECONDS] [--json] [--policy FILE]\n"
	"       xcd tune net|storage revert|confirm [--json]\n";

static bool one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return true;
	return false;
}

/* argv: tune AREA VIEW [--json] [--policy FILE] [--confirm SECONDS]
 * [--measure [--seconds N]] */
int v_tune(int fd, int argc, char **argv)
{
	static const char *const areas[] = { "net", "storage", NULL };
	static const char *const views[] = { "show", "plan", "verify", "apply", "revert",
					     "confirm", NULL };
	bool json = false;
	struct tune_params p = { 0 };
	const char *pos[2] = { NULL, NULL }, *confirm = NULL, *seconds = NULL;
	bool measure = false;
	int n_pos = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--policy") && i + 1 < argc) {
			p.policy = argv[++i];
		} else if (!strncmp(argv[i], "--policy=", 9)) {
			p.policy = argv[i] + 9;
		} else if (!strcmp(argv[i], "--measure")) {
			measure = true;
		} else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
			seconds = argv[++i];
		} else if (!strncmp(argv[i], "--seconds=", 10)) {
			seconds = argv[i] + 10;
		} else if (!strcmp(argv[i], "--confirm") && i + 1 < argc) {
			confirm = argv[++i];
		} else if (!strncmp(argv[i], "--confirm=", 10)) {
			confirm = argv[i] + 10;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "xcd tune: unknown option %s\n", argv[i]);
			return 1;
		} else if (n_pos < 2) {
			pos[n_pos++] = argv[i];
		} else {
			fprintf(stderr, "xcd tune: unexpected argument %s\n", argv[i]);
			return 1;
		}
	}
	if (n_pos < 2 || !one_of(pos[0], areas) || !one_of(pos[1], views)) {
		fputs(usage, stderr);
		return 1;
	}
	bool writes = !strcmp(pos[1], "apply") || !strcmp(pos[1], "revert") ||
		      !strcmp(pos[1], "confirm");
	if (confirm && strcmp(pos[1], "apply")) {
		fprintf(stderr, "xcd tune: --confirm goes with apply only\n");
		return 1;
	}
	if (p.policy && writes && strcmp(pos[1], "apply")) {
		fprintf(stderr, "xcd tune: --policy goes with show, plan, verify and apply only\n");
		return 1;
	}
	if ((measure || seconds) && (strcmp(pos[0], "storage") || strcmp(pos[1], "verify"))) {
		fprintf(stderr, "xcd tune: --measure and --seconds go with storage verify only\n");
		return 1;
	}
	if (seconds && !measure) {
		fprintf(stderr, "xcd tune: --seconds goes with --measure\n");
		return 1;
	}
	if (measure) {
		char *end;
		p.measure = seconds ? strtol(seconds, &end, 10) : 5;
		if (seconds && (*end || end == seconds || p.measure < 1 || p.measure > 60)) {
			fprintf(stderr, "xcd tune: --seconds %s: expected 1 to 60 seconds per map\n",
				seconds);
			return 1;
		}
	}
	if (confirm) {
		char *end;
		p.confirm = strtol(confirm, &end, 10);
		if (*end || end == confirm || p.confirm < 1 || p.confirm > 3600) {
			fprintf(stderr, "xcd tune: --confirm %s: expected 1 to 3600 seconds\n", confirm);
			return 1;
		}
	}
	p.area = pos[0];
	if (p.policy && !(p.text = read_policy(p.policy)))
		return 1;
	char method[32];
	snprintf(method, sizeof(method), "tune.%s", pos[1]);
	jsonrpc_linebuf_free(&cli_lb);
	jsonrpc_linebuf_init(&cli_lb, CLI_TUNE_MAX_LINE);
	struct jsonrpc_message r;
	int rc = cli_call(fd, method, gen_tune, &p, &r);
	free(p.text);
	if (rc < 0)
		return 1;
	if (json) {
		cli_print_json(r.result);
	} else {
		const char *text = cli_get_s(r.result, "text");
		fputs(text, stdout);
		if (text[0] && text[strlen(text) - 1] != '\n')
			putchar('\n');
		const char *pn = cli_get_s(r.result, "policy_note");
		if (pn[0])
			fprintf(stderr, "note: %s\n", pn);
		const char *k[] = { "notes", NULL };
		yajl_val notes = yajl_tree_get(r.result, k, yajl_t_array);
		for (size_t i = 0; notes && i < notes->u.array.len; i++)
			if (YAJL_IS_STRING(notes->u.array.values[i]))
				fprintf(stderr, "note: %s\n", YAJL_GET_STRING(notes->u.array.values[i]));
	}
	/* verify: 2 when a check failed, for scripts. */
	int status = 0;
	if (!strcmp(pos[1], "verify")) {
		const char *k[] = { "verify", "failed", NULL };
		yajl_val f = yajl_tree_get(r.result, k, yajl_t_number);
		if (f && YAJL_IS_INTEGER(f) && YAJL_GET_INTEGER(f) > 0)
			status = 2;
	}
	jsonrpc_message_free(&r);
	return status;
}
