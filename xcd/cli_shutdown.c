/* cli_shutdown: `xcd shutdown` and `xcd reboot`, with -w's bounded wait. */
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
	if (yajl_gen_map_open(g) || cli_gen_dom_member(g, r->dom))
		return -EINVAL;
	if (jw_kv_bool(g, "reboot", r->reboot) || jw_kv_bool(g, "force", r->force))
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
		if (cli_call(fd, "domain.list", NULL, NULL, &r) < 0)
			return 1;
		for (size_t k = 0; k < n; k++) {
			if (ids[k] < 0)
				continue;
			const char *state = NULL;
			for (size_t j = 0; YAJL_IS_ARRAY(r.result) && j < r.result->u.array.len; j++)
				if (cli_get_i(r.result->u.array.values[j], "domid") == ids[k])
					state = cli_get_s(r.result->u.array.values[j], "state");
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
		if (cli_call(fd, "domain.list", NULL, NULL, &lr) < 0)
			return 1;
		have_list = true;
		size_t len = YAJL_IS_ARRAY(lr.result) ? lr.result->u.array.len : 0;
		doms = calloc(len + 1, sizeof(char *));
		for (size_t k = 0; doms && k < len; k++) {
			long long id = cli_get_i(lr.result->u.array.values[k], "domid");
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
		if (cli_call(fd, "domain.shutdown", gen_shutdown, &q, &r) < 0) {
			status = 1;
			continue;
		}
		ids[n_ids++] = cli_get_i(r.result, "domid");
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

int v_shutdown(int fd, int argc, char **argv)
{
	return v_shutdown_or_reboot(fd, argc, argv, false);
}

int v_reboot(int fd, int argc, char **argv)
{
	return v_shutdown_or_reboot(fd, argc, argv, true);
}
