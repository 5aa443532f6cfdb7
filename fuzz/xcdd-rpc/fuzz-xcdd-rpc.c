/*
 * fuzz-xcdd-rpc: libFuzzer target of xcdd's methods (xcd/rpc_domain.c) with
 * the domain manager behind them (xcd/dm/, the xl.cfg parser, the
 * journal): every method's parameters, and what the accepted ones do.
 *
 * The input is request lines, one JSON-RPC request per line, as a client
 * sends them. Each line goes through the request parser and, if it is a
 * request, through rpc_dispatch() with root's access; a line starting with
 * "ro:" is dispatched with the read-only access of group xcd. After each line
 * the manager polls the hypervisor, as xcdd's timer does. Every answer must be
 * one line that parses as a response: a broken answer aborts.
 *
 * The hypervisor is tests/lib/hv_fake.c (domains kept in memory), shared
 * with the domain manager's unit tests. The journal
 * writes to a private directory (on /dev/shm when there is one: the journal
 * fsyncs), emptied before every input so that each input starts from no
 * domain.
 */
#include "../../tests/lib/hv_fake.h"
#include "../../lib/errmsg.h"
#include "../../lib/log.h"
#include "../../xcd/xcdd.h"
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The fuzzer's process-wide state (libFuzzer calls in with the input only). */
static struct {
	char dir[64];
	char statedir[80];
} g;

/* ---- the target ---- */

static void must(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz-xcdd-rpc: %s\n", what);
		abort();
	}
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (ftw->level == 0)
		return 0;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 ? -1 : 0;
}

static void remove_dir(void)
{
	if (g.dir[0] && nftw(g.dir, rm_one, 8, FTW_DEPTH | FTW_PHYS) == 0)
		rmdir(g.dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Quiet: the methods log every domain they create. */
	log_init("fuzz-xcdd-rpc", 0, getenv("XCDD_FUZZ_VERBOSE") ? LOG_LVL_DEBUG : LOG_LVL_ERR);
	snprintf(g.dir, sizeof(g.dir), "%s/fuzz-xcdd-rpc.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	must(mkdtemp(g.dir) != NULL, "cannot make the journal's directory");
	snprintf(g.statedir, sizeof(g.statedir), "%s/state", g.dir);
	atexit(remove_dir);
	return 0;
}

static void one_line(struct xcdd *x, const char *line, size_t len)
{
	enum peercred_access access = PEERCRED_FULL;
	if (len >= 3 && memcmp(line, "ro:", 3) == 0) {
		access = PEERCRED_READONLY;
		line += 3;
		len -= 3;
	}
	struct jsonrpc_message r;
	struct jsonrpc_error e = { 0 };
	char *out = NULL;
	size_t outlen = 0;
	int rc = rpc_answer_line(x, NULL, access, line, len, &out, &outlen);
	if (rc == 0 && out) {
		must(outlen > 0 && out[outlen - 1] == '\n' && !memchr(out, '\n', outlen - 1),
		     "an answer is not one line");
		must(jsonrpc_response_parse(out, outlen - 1, &r, &e) == 0,
		     "an answer does not parse as a response");
		jsonrpc_message_free(&r);
	}
	free(out);
	dm_poll(&x->dm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!g.dir[0])
		LLVMFuzzerInitialize(NULL, NULL);
	/* Each input starts from an empty journal and a host with domain 0 only. */
	if (nftw(g.dir, rm_one, 8, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		must(0, "cannot empty the journal's directory");
	struct xcdd x = { .listen_fd = -1, .signal_fd = -1 };
	char err[XCD_ERR_MAX] = "";
	x.hv = hv_fake_open();
	/* No xenstore: the domain manager skips entries and devices. */
	if (dm_open(&x.dm, x.hv, NULL, NULL, g.statedir, NULL, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz-xcdd-rpc: %s\n", err);
		abort();
	}
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (len > 0)
			one_line(&x, p, len);
		p += len + (nl ? 1 : 0);
	}
	dm_close(&x.dm);
	hv_close(x.hv);
	return 0;
}
