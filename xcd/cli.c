/* cli: xcd, the command-line client of xcdd, shaped after xl. */
#include "../lib/jsonrpc.h"
#include "../lib/errmsg.h"
#include "../lib/jsonw.h"
#include "cli.h"
#include "console.h"
#include "json_tree.h"
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

/* ---- verbs ---- */

static int v_mem(int argc, char **argv, int fd, const char *method)
{
	if (argc != 3) {
		fprintf(stderr, "xcd %s: expected DOM MEM (MEM as xl: 512, 512m, 2g...)\n", argv[0]);
		return 1;
	}
	uint64_t kb;
	char err[XCD_ERR_MAX];
	if (xlfmt_parse_mem_kb(argv[2], &kb, err, sizeof(err)) < 0 || kb > INT64_MAX) {
		fprintf(stderr, "xcd %s: invalid memory size %s\n", argv[0], err);
		return 1;
	}
	struct cli_dom_req q = { argv[1], { { "memory_kb", NULL, (long long)kb } }, 1 };
	struct jsonrpc_message r;
	if (cli_call(fd, method, cli_gen_dom_req, &q, &r) < 0)
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
	struct cli_dom_req q = { argv[1], { { "new_name", argv[2], 0 } }, 1 };
	struct jsonrpc_message r;
	if (cli_call(fd, "domain.rename", cli_gen_dom_req, &q, &r) < 0)
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
	struct cli_dom_req q = { argv[1], { { 0 } }, 0 };
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
	if (cli_call(fd, "domain.vcpu_pin", cli_gen_dom_req, &q, &r) < 0)
		return 1;
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
	if (cli_call(fd, method, cli_gen_dom, argv[1], &r) < 0)
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
	if (cli_call(fd, "domain.info", cli_gen_dom, argv[1], &r) < 0)
		return 1;
	if (want_id)
		printf("%lld\n", cli_get_i(r.result, "domid"));
	else
		printf("%s\n", cli_get_s(r.result, "name"));
	jsonrpc_message_free(&r);
	return 0;
}

static int v_domid(int fd, int argc, char **argv) { return lookup(fd, argc, argv, true); }
static int v_domname(int fd, int argc, char **argv) { return lookup(fd, argc, argv, false); }

static int gen_tree_params(yajl_gen g, void *arg) { return json_gen_tree(g, arg); }

/* A notification that came before an answer, printed as it came. */
static void print_note(const struct jsonrpc_message *n, void *arg)
{
	char *line = NULL;
	size_t len = 0;
	if (jsonrpc_gen_notification(n->method, gen_tree_params, n->params, &line, &len) == 0)
		printf("%.*s\n", (int)len, line);
	free(line);
}

static int v_monitor(int fd, int argc, char **argv)
{
	if (argc > 1) {
		fprintf(stderr, "xcd monitor: no arguments expected\n");
		return 1;
	}
	/* A first call proves the connection was accepted before waiting. */
	struct jsonrpc_message r;
	if (cli_call(fd, "host.info", NULL, NULL, &r) < 0)
		return 1;
	jsonrpc_message_free(&r);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* What is down already (links, paths), as the io.link and io.path
	 * marked initial that a monitor running at the watch's start heard.
	 * An xcdd without io.down (older) is no error. */
	if (cli_call_notes(fd, "io.down", NULL, NULL, &r, print_note, NULL) == 0)
		jsonrpc_message_free(&r);
	for (;;) {
		char err[XCD_ERR_MAX];
		char *line;
		size_t len;
		int n = jsonrpc_linebuf_next(&cli_lb, &line, &len, err, sizeof(err));
		if (n == 1) {
			printf("%.*s\n", (int)len, line);
			continue;
		}
		if (n < 0) {
			fprintf(stderr, "xcd: %s\n", err);
			return 1;
		}
		ssize_t k = jsonrpc_linebuf_read(&cli_lb, fd, err, sizeof(err));
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
	if (cli_call(fd, "domain.info", cli_gen_dom, (void *)a.dom, &r) < 0)
		return 1;
	long long domid = cli_get_i(r.result, "domid");
	jsonrpc_message_free(&r);
	return console_attach((uint32_t)domid, &a);
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
	struct cli_dom_req q = { argv[1], { { "vcpus", NULL, v } }, 1 };
	struct jsonrpc_message r;
	if (cli_call(fd, "domain.vcpu_set", cli_gen_dom_req, &q, &r) < 0)
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
	{ "save", "[-c] [-p] [--compress auto|zstd|lz4|off] DOM FILE [CFG]",
	  "Save DOM to FILE (xl's save file, written by xcdd: an absolute path is\n"
	  "given to it, FILE.tmp until whole, 0600), then destroy it. -c: leave\n"
	  "it running; -p: leave it paused. CFG: the xl.cfg file kept in FILE to\n"
	  "restore from instead of the domain's own. --compress other than off\n"
	  "(the default): pages compressed, a file for xcd restore only (xl\n"
	  "refuses it; refused for a PV guest on Xen, whose memory libxenguest\n"
	  "writes). PV and PVH guests on Xen, simulated guests.",
	  v_save, NULL },
	{ "restore", "[-p] [-e] [-d] [-V] FILE [CFG]",
	  "Restore the domain saved in FILE (CFG FILE, xl's order, is taken too),\n"
	  "from the xl.cfg text kept in FILE, from CFG, or (a file xl saved) from\n"
	  "the libxl JSON in FILE, refused by key where xcd cannot honour it.\n"
	  "-p: leave it paused;\n"
	  "-e: accepted, no effect (xcd does not attach to the console);\n"
	  "-d: print the answer as JSON; -V: print progress lines.",
	  v_restore, NULL },
	{ "migrate",
	  "[-s SSHCOMMAND | --transport tcp://ADDR:PORT [--streams N]] [-e] [-C CFG] [-p] "
	  "[--debug] [--downtime MS] [--max-rounds N] "
	  "[--on-no-converge abort|auto-converge|force] [--bandwidth MB/s] "
	  "[--compress auto|zstd|lz4|off] [--json] DOM HOST",
	  "Live-migrate DOM to HOST, as xl migrate: `ssh HOST xcd migrate-receive`\n"
	  "runs there (-s CMD: `CMD HOST xcd migrate-receive`; -s \"\": HOST is the\n"
	  "whole command) and xl's pipe protocol runs over it. --transport: xcdd\n"
	  "connects to the xcdd listening at ADDR:PORT itself (xcdd --migration-listen),\n"
	  "TLS 1.3, both hosts authenticated by their host credentials (xcd help\n"
	  "host-credential): HOST is the destination's credential name; --streams N\n"
	  "spreads the stream over N connections (1 to 8). xcdd sends the guest\n"
	  "while it runs (pre-copy), stops it when what is left fits --downtime (ms,\n"
	  "300) at the link rate it measures, or when the rounds stop shrinking it\n"
	  "(--on-no-converge: auto-converge, the default, slows the guest; abort;\n"
	  "force), or after --max-rounds (30). Until the receiver has it all and\n"
	  "both agree, the guest stays here; any failure before leaves it running\n"
	  "here. --compress: batches of pages compressed for an xcd receiver that\n"
	  "says it reads them (never for xl's); auto, the default, only while that\n"
	  "is faster than the link. -C CFG: the xl.cfg the receiver makes it from;\n"
	  "-p: left paused there; -e, -F, --live: accepted, no effect. Progress on\n"
	  "a terminal, a summary at the end with what zero pages and compression\n"
	  "saved (--json: as JSON). Simulated guests, and PVH guests on Xen (a PV\n"
	  "guest on Xen is refused: Debian's Xen cannot live-migrate one).",
	  v_migrate, NULL },
	{ "migrate-receive", "[-p] [-e] [-d]",
	  "The receiving end of a migration, run by xcd or xl migrate on this host:\n"
	  "greets the sender on its standard output, reads the guest's configuration\n"
	  "from its standard input, and hands both to xcdd, which receives the guest\n"
	  "as NAME--incoming and runs it as NAME once the sender lets it go\n"
	  "(from xl migrate too: a PVH guest on Xen, made from its libxl JSON).\n"
	  "-p: leave it paused; -e, -d, -F, -t, -T: accepted, no effect.",
	  v_migrate_receive, NULL },
	{ "migrate-abort", "[--json] DOM",
	  "Abort the migration of DOM, sending or receiving: before its commit an\n"
	  "abort always wins (the guest runs on where it was, the received copy is\n"
	  "destroyed); after it, it is refused.",
	  v_migrate_abort, NULL },
	{ "host-credential",
	  "[--dir DIR] create [--name NAME] [--days N] [--force] | show [--pem] | trust FILE "
	  "[--force] | untrust NAME [--json]",
	  "The host credential migrations over TCP authenticate hosts with, in DIR\n"
	  "(/etc/xcd, xcdd's --credential-dir): create makes this host's key and\n"
	  "self-signed certificate (NAME: the host name, valid N days: 3650); show\n"
	  "prints it and the trusted peers (--pem: the certificate, to give peers);\n"
	  "trust takes a peer's certificate (FILE, or - for standard input), untrust\n"
	  "forgets one. A host only migrates to and from hosts whose certificate it\n"
	  "trusts. Needs no running xcdd.",
	  v_host_credential, host_credential_offline },
	{ "destroy", "DOM", "Destroy the domain DOM (a name or a domid).", v_destroy, NULL },
	{ "pause", "DOM", "Pause the domain DOM.", v_pause, NULL },
	{ "unpause", "DOM", "Unpause the domain DOM.", v_unpause, NULL },
	{ "domid", "NAME", "Print the domid of the domain NAME.", v_domid, NULL },
	{ "domname", "ID", "Print the name of the domain ID.", v_domname, NULL },
	{ "monitor", "",
	  "Print xcdd's notifications (JSON-RPC, one per line) until interrupted.", v_monitor, NULL },
	{ "tune", "net|storage show|plan|verify|apply|revert|confirm [--json] [--policy FILE] [--confirm SECONDS]",
	  "Read the host's network (NICs, bonds, bridges, vifs, netback) or storage\n"
	  "(FC HBAs, multipath maps, blkback) through xcdd: show what is there,\n"
	  "plan the changes the policy asks for (each with its reason), or verify\n"
	  "the host against the policy and what was applied (status 2 when a check\n"
	  "fails). apply carries the plan out (root), recording the state before\n"
	  "each change in xcdd's journal; a change that fails undoes those before\n"
	  "it; revert puts back what every apply changed. A change that could cut\n"
	  "the host off needs --confirm SECONDS: unless `xcd tune AREA confirm`\n"
	  "comes in time, xcdd undoes it. The policy is xcdd's --io-policy\n"
	  "(/etc/xcd/io.conf), or FILE, read by xcd and sent; io.conf(5).",
	  v_tune, NULL },
	{ "help", "[VERB]", "Say how to use xcd, or VERB.", v_help, NULL },
};
#define N_VERBS (sizeof(verbs) / sizeof(verbs[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: xcd [--connect PATH] VERB [ARGS...]\n\n"
		   "xcdd is found at PATH, else $XCD_SOCKET, else /run/xcd/xcd.sock.\n\n"
		   "Verbs:\n");
	for (size_t i = 0; i < N_VERBS; i++)
		fprintf(f, "  %-15s %s\n", verbs[i].name, verbs[i].args);
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
	/* VERB --help: what `xcd help VERB` says, with no daemon. */
	if (argc - i >= 2 && (!strcmp(argv[i + 1], "--help") || !strcmp(argv[i + 1], "-h"))) {
		char *h[] = { "help", argv[i], NULL };
		return v_help(-1, 2, h);
	}
	if (v->offline && v->offline(argc - i, argv + i))
		return v->fn(-1, argc - i, argv + i);
	signal(SIGPIPE, SIG_IGN);
	int fd = cli_connect(path);
	if (fd < 0)
		return 1;
	jsonrpc_linebuf_init(&cli_lb, JSONRPC_MAX_LINE);
	int rc = v->fn(fd, argc - i, argv + i);
	jsonrpc_linebuf_free(&cli_lb);
	close(fd);
	return rc;
}
