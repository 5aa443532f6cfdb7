/* cli_migrate: `xcd migrate`, `xcd migrate-receive` and `xcd migrate-abort`.
 * As xl does, `migrate` runs the transport (ssh HOST xcd migrate-receive,
 * or the command -s gives, or with -s "" HOST itself) with a pipe to its
 * standard input and one from its output, and xcdd's job speaks xl's pipe
 * protocol over them: this process hands both ends to xcdd with the
 * request (SCM_RIGHTS), draws the progress and prints the summary.
 * With --transport tcp://HOST:PORT xcdd connects to the destination's
 * xcdd itself (TLS, both hosts' credentials checked) and this process only
 * draws. `migrate-receive` greets the sender, reads xl's header and the
 * guest's configuration, and hands its standard input and output to its
 * xcdd, which receives the guest and answers the sender. */
#include "../lib/jsonrpc.h"
#include "../lib/fdio.h"
#include "../lib/jsonw.h"
#include "../lib/uuid.h"
#include "../migrate/migrate.h"
#include "../migrate/tcp.h"
#include "cli.h"
#include "mig_req.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct migrate_args {
	const char *ssh, *dom, *host, *cfg_file, *transport;
	bool debug, paused, json, ssh_given;
	long long downtime, rounds, bandwidth, streams;
	const char *nc, *compress;
	char *cfg_text;
	const char *rune; /* the transport run, which xcdd may run again */
};

static int gen_migrate(yajl_gen g, void *arg)
{
	const struct migrate_args *a = arg;
	if (yajl_gen_map_open(g) || cli_gen_dom_member(g, a->dom) ||
	    (a->downtime && jw_kv_int(g, "downtime_ms", a->downtime)) ||
	    (a->rounds && jw_kv_int(g, "max_rounds", a->rounds)) ||
	    (a->bandwidth && jw_kv_int(g, "bandwidth_mbs", a->bandwidth)) ||
	    (a->nc && jw_kv_str(g, "on_no_converge", a->nc)) ||
	    (a->compress && jw_kv_str(g, "compress", a->compress)) ||
	    (a->rune && jw_kv_str(g, "command", a->rune)))
		return -EINVAL;
	if (a->cfg_text && (jw_kv_str(g, "config", a->cfg_text) ||
			    jw_kv_str(g, "config_file", a->cfg_file)))
		return -EINVAL;
	/* Over TCP: HOST is the host whose credential the destination shows. */
	if (a->transport && (jw_kv_str(g, "transport", a->transport) ||
			     jw_kv_str(g, "peer", a->host) ||
			     (a->streams && jw_kv_int(g, "streams", a->streams)) ||
			     jw_kv_bool(g, "paused", a->paused)))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

/* A positive number of an option, or -1 (said). */
static long long number(const char *opt, const char *v, long long max)
{
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end || errno || n < 1 || n > max) {
		fprintf(stderr, "xcd migrate: %s %s: expected a number from 1 to %lld\n", opt, v, max);
		return -1;
	}
	return n;
}

/* --transport and what goes with it: 0, or 1 (said). */
static int check_transport(const struct migrate_args *a)
{
	char err[512];
	struct mig_addr addr;
	if (!a->transport) {
		if (a->streams) {
			fprintf(stderr, "xcd migrate: --streams goes with --transport tcp://HOST:PORT\n");
			return 1;
		}
		return 0;
	}
	if (a->ssh_given) {
		fprintf(stderr, "xcd migrate: -s and --transport: one transport or the other\n");
		return 1;
	}
	if (mig_addr_parse(a->transport, false, &addr, err, sizeof(err)) < 0) {
		fprintf(stderr, "xcd migrate: --transport %s\n", err);
		return 1;
	}
	if (mig_cred_name_check(a->host, err, sizeof(err)) < 0) {
		fprintf(stderr, "xcd migrate: %s: with --transport, HOST is the name of the "
			"destination's host credential; %s\n", a->host, err);
		return 1;
	}
	return 0;
}

/* xl migrate's options, and xcd's. 0, or 1 (said). */
static int parse_migrate(int argc, char **argv, struct migrate_args *a)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = !strcmp(o, "-s") || !strcmp(o, "-C") || !strcmp(o, "--downtime") ||
			     !strcmp(o, "--max-rounds") || !strcmp(o, "--on-no-converge") ||
			     !strcmp(o, "--bandwidth") || !strcmp(o, "--compress") ||
			     !strcmp(o, "--transport") || !strcmp(o, "--streams");
		if (takes && !v) {
			fprintf(stderr, "xcd migrate: %s needs a value\n", o);
			return 1;
		}
		if (takes)
			i++;
		if (!strcmp(o, "-s")) {
			a->ssh = v;
			a->ssh_given = true;
		} else if (!strcmp(o, "--transport"))
			a->transport = v;
		else if (!strcmp(o, "--streams") &&
			 (a->streams = number(o, v, MIG_MUX_MAX_STREAMS)) < 0)
			return 1;
		else if (!strcmp(o, "-C"))
			a->cfg_file = v;
		else if (!strcmp(o, "--downtime") && (a->downtime = number(o, v, 3600000)) < 0)
			return 1;
		else if (!strcmp(o, "--max-rounds") && (a->rounds = number(o, v, 1000)) < 0)
			return 1;
		else if (!strcmp(o, "--bandwidth") && (a->bandwidth = number(o, v, 1000000)) < 0)
			return 1;
		else if (!strcmp(o, "--compress") && cli_compress_arg("migrate", v, &a->compress))
			return 1;
		else if (!strcmp(o, "--on-no-converge")) {
			enum mig_no_converge nc;
			if (mig_no_converge_parse(v, &nc) < 0) {
				fprintf(stderr, "xcd migrate: --on-no-converge %s: expected abort, "
					"auto-converge or force\n", v);
				return 1;
			}
			a->nc = v;
		} else if (!strcmp(o, "--debug"))
			a->debug = true;
		else if (!strcmp(o, "-p"))
			a->paused = true;
		else if (!strcmp(o, "--json"))
			a->json = true;
		else if (!strcmp(o, "-D")) {
			fprintf(stderr, "xcd migrate: -D (keep the domid) is not supported\n");
			return 1;
		} else if (strcmp(o, "-e") && strcmp(o, "-F") && strcmp(o, "--live") && !takes) {
			fprintf(stderr, "xcd migrate: unknown option %s\n", o);
			return 1;
		}
	}
	if (argc - i != 2) {
		fprintf(stderr, "xcd migrate: expected DOM HOST\n");
		return 1;
	}
	a->dom = argv[i];
	a->host = argv[i + 1];
	return check_transport(a);
}

/* xl's rune: HOST itself with -s "", else "exec SSH HOST xcd migrate-receive". */
static char *rune_of(const struct migrate_args *a)
{
	if (!a->ssh[0])
		return strdup(a->host);
	char *r = NULL;
	if (asprintf(&r, "exec %s %s xcd migrate-receive%s%s", a->ssh, a->host,
		     a->debug ? " -d" : "", a->paused ? " -p" : "") < 0)
		return NULL;
	return r;
}

/* The transport, as xl's: sh -c RUNE with our pipes on its stdin and
 * stdout. Its pid, or -1 (said); *SEND and *RECV our ends. */
static pid_t transport(const char *rune, int *send, int *recv)
{
	int sp[2], rp[2];
	if (pipe2(sp, O_CLOEXEC) < 0 || pipe2(rp, O_CLOEXEC) < 0) {
		perror("xcd migrate: pipe");
		return -1;
	}
	fcntl(sp[1], F_SETPIPE_SZ, 1 << 20); /* fewer wake-ups for the stream */
	pid_t pid = fork();
	if (pid < 0) {
		perror("xcd migrate: fork");
		return -1;
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		if (dup2(sp[0], 0) < 0 || dup2(rp[1], 1) < 0)
			_exit(127);
		execlp("sh", "sh", "-c", rune, (char *)NULL);
		perror("xcd migrate: sh");
		_exit(127);
	}
	close(sp[0]);
	close(rp[1]);
	*send = sp[1];
	*recv = rp[0];
	return pid;
}

/* The transport's end, waited for a moment (as xl, two seconds), then it
 * is left alone: its status said if it failed. */
static void reap(pid_t pid)
{
	for (int i = 0; i < 200; i++) {
		int st;
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid) {
			if (WIFEXITED(st) && WEXITSTATUS(st))
				fprintf(stderr, "xcd migrate: the transport exited with status %d\n",
					WEXITSTATUS(st));
			else if (WIFSIGNALED(st))
				fprintf(stderr, "xcd migrate: the transport was killed by signal %d\n",
					WTERMSIG(st));
			return;
		}
		if (r < 0)
			return;
		struct timespec ts = { 0, 10000000 };
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "xcd migrate: the transport (pid %d) has not exited; not waiting\n",
		(int)pid);
}

struct draw {
	const char *dom;
	bool tty, drawn;
};

/* domain.migration of our domain: one line redrawn in place on a terminal. */
static void on_note(const struct jsonrpc_message *n, void *arg)
{
	struct draw *p = arg;
	if (!p->tty || !n->method || strcmp(n->method, "domain.migration") || !n->params)
		return;
	char id[32];
	snprintf(id, sizeof(id), "%lld", cli_get_i(n->params, "domid"));
	if (strcmp(p->dom, cli_get_s(n->params, "name")) != 0 && strcmp(p->dom, id) != 0)
		return;
	const char *phase = cli_get_s(n->params, "phase");
	if (!strcmp(phase, "handover")) {
		printf("\rMigrating %s: stream sent, waiting for the receiver\033[K", p->dom);
	} else if (!strcmp(phase, "queued")) {
		printf("\rMigrating %s: queued, %lld migration(s) before it\033[K", p->dom,
		       cli_get_i(n->params, "ahead"));
	} else if (!strcmp(phase, "resolving")) {
		printf("\rMigrating %s: the pipe broke after the go; asking the receiver whether "
		       "it runs the guest\033[K", p->dom);
	} else {
		double pred = cli_get_d(n->params, "predicted_downtime_ms");
		char ps[32] = "not known yet";
		if (pred >= 0)
			snprintf(ps, sizeof(ps), "%.0f ms", pred);
		printf("\rMigrating %s: round %lld%s: %lld/%lld pages, %lld left, %.1f MB/s, "
		       "predicted downtime %s\033[K", p->dom, cli_get_i(n->params, "round"),
		       cli_get_b(n->params, "final") ? " (stopped)" : "",
		       cli_get_i(n->params, "round_done"), cli_get_i(n->params, "round_pages"),
		       cli_get_i(n->params, "pages_left"), cli_get_d(n->params, "rate_mbs"), ps);
	}
	p->drawn = true;
	fflush(stdout);
}

static void summary(yajl_val r, bool json)
{
	if (json) {
		cli_print_json(r);
		return;
	}
	fprintf(stderr, "migration sender: Target reports successful startup.\n");
	char slowed[64] = "";
	if (cli_get_i(r, "throttle") > 0)
		snprintf(slowed, sizeof(slowed), "; auto-converge slowed it by %lld%%",
			 cli_get_i(r, "throttle"));
	fprintf(stderr, "Migration successful: %s in %.0f ms, downtime %.0f ms, %lld round(s), "
		"%lld bytes sent, %lld zero pages (%lld pages in all, %lld while stopped)%s%s\n",
		cli_get_s(r, "name"), cli_get_d(r, "total_ms"), cli_get_d(r, "downtime_ms"),
		cli_get_i(r, "rounds"), cli_get_i(r, "bytes"), cli_get_i(r, "zero_pages"),
		cli_get_i(r, "pages"), cli_get_i(r, "final_pages"), slowed,
		cli_get_b(r, "forced") ? "; stopped over the downtime target" : "");
	fprintf(stderr, "Saved: %lld bytes by zero pages, %lld by compression (%lld pages "
		"compressed, with %s; the receiver reads %s)\n", cli_get_i(r, "zero_saved_bytes"),
		cli_get_i(r, "compress_saved_bytes"), cli_get_i(r, "compressed_pages"),
		cli_get_s(r, "compressed_with"), cli_get_s(r, "receiver_reads"));
}

int v_migrate(int fd, int argc, char **argv)
{
	struct migrate_args a = { .ssh = "ssh" };
	if (parse_migrate(argc, argv, &a))
		return 1;
	if (a.cfg_file && !(a.cfg_text = cli_read_cfg("migrate", a.cfg_file)))
		return 1;
	/* Over TCP xcdd connects itself; else the transport runs here (and
	 * xcdd is given its command, to run it again should it need to ask
	 * the receiver after the go). */
	char *rune = a.transport ? NULL : rune_of(&a);
	a.rune = rune;
	int send = -1, recv = -1;
	pid_t pid = rune ? transport(rune, &send, &recv) : -1;
	if (!a.transport && pid < 0) {
		free(rune);
		free(a.cfg_text);
		return 1;
	}
	struct draw p = { a.dom, isatty(STDOUT_FILENO) == 1 && !a.json, false };
	struct jsonrpc_message res;
	int fds[2] = { send, recv };
	int rc = cli_call_fds_begin(fd, "domain.migrate", gen_migrate, &a, fds, rune ? 2 : 0);
	/* xcdd's job holds them now: ours would keep the pipe open after it. */
	if (rune) {
		close(send);
		close(recv);
	}
	if (rc == 0)
		rc = cli_call_fds_end(fd, &res, on_note, &p);
	if (p.drawn)
		printf("\n");
	fflush(stdout);
	if (rc < 0 && rune)
		fprintf(stderr, "Migration failed (command run was: %s)\n", rune);
	else if (rc < 0)
		fprintf(stderr, "Migration failed (to %s at %s)\n", a.host, a.transport);
	else
		summary(res.result, a.json);
	if (rc == 0)
		jsonrpc_message_free(&res);
	if (rune)
		reap(pid);
	free(rune);
	free(a.cfg_text);
	return rc < 0;
}

/* xcd's outcome query (migrate/outcome.h), which a sender in doubt after
 * its go writes where xl's header goes: asked of xcdd, its answer written
 * back ("unavailable" when xcdd cannot say). 0, or 1 (said). */
static int answer_query(int fd, const uint8_t id[16])
{
	struct jsonrpc_message res;
	enum mig_outcome o = MIG_OUTCOME_UNAVAILABLE;
	size_t len;
	int rc = cli_call(fd, "domain.migrate_outcome", mig_outcome_params, (void *)id, &res);
	if (rc == 0) {
		o = mig_outcome_result(res.result);
		jsonrpc_message_free(&res);
	}
	const char *line = mig_outcome_line(o, &len);
	fprintf(stderr, "migration target: the sender of migration %s asks its outcome: %s\n",
		UUID_STR(id), mig_outcome_name(o));
	if (fd_write_all(1, line, len) < 0) {
		fprintf(stderr, "migration target: answering: %s\n", strerror(errno));
		return 1;
	}
	return rc < 0;
}

/* xl's header and the configuration from standard input, exactly, no byte
 * more (the libxl stream that follows is xcdd's to read), answered with
 * what this host reads when the header asks; or an outcome query in its
 * place. *H as mig_pipe_read_head says. 0, or 1 (said). */
static int read_header(struct mig_pipe_head *h)
{
	char err[256];
	if (mig_pipe_read_head(0, MIG_RECV_CONFIG_MAX, -1, h, err, sizeof(err)) < 0 ||
	    mig_pipe_answer_head(1, h, err, sizeof(err)) < 0) {
		fprintf(stderr, "migration target: %s\n", err);
		return 1;
	}
	return 0;
}

int v_migrate_receive(int fd, int argc, char **argv)
{
	struct mig_receive_req r = { 0 };
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-p"))
			r.paused = true;
		else if (!strcmp(argv[i], "-r") || !strcmp(argv[i], "--colo")) {
			fprintf(stderr, "xcd migrate-receive: %s: Remus and COLO streams are not "
				"received\n", argv[i]);
			return 1;
		} else if (strcmp(argv[i], "-e") && strcmp(argv[i], "-F") && strcmp(argv[i], "-d") &&
			   strcmp(argv[i], "-t") && strcmp(argv[i], "-T")) {
			fprintf(stderr, "xcd migrate-receive: unknown argument %s\n", argv[i]);
			return 1;
		}
	}
	char err[256];
	fprintf(stderr, "migration target: Ready to receive domain.\n");
	if (mig_pipe_send(1, MIG_PIPE_BANNER, 0, err, sizeof(err)) < 0) {
		fprintf(stderr, "migration target: %s\n", err);
		return 1;
	}
	/* xl's header, or where it goes an xcd sender's outcome query. */
	struct mig_pipe_head h;
	if (read_header(&h))
		return 1;
	if (h.query)
		return answer_query(fd, h.id);
	char *config = h.config;
	r.config = config;
	r.off = h.off;
	int fds[2] = { 0, 1 };
	struct jsonrpc_message res;
	int rc = cli_call_fds_begin(fd, "domain.migrate_receive", mig_receive_params, &r, fds, 2);
	/* xcdd holds the pipe now: ours would keep it open after it. */
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		close(null);
	}
	if (rc == 0)
		rc = cli_call_fds_end(fd, &res, NULL, NULL);
	free(config);
	if (rc < 0) {
		fprintf(stderr, "migration target: Domain creation failed.\n");
		return 1;
	}
	fprintf(stderr, "migration target: Domain %s started successfully (domid %lld)%s.\n",
		cli_get_s(res.result, "name"), cli_get_i(res.result, "domid"),
		r.paused ? ", paused" : "");
	jsonrpc_message_free(&res);
	return 0;
}

int v_migrate_abort(int fd, int argc, char **argv)
{
	bool json = false;
	int i;
	if (cli_json_flag(argc, argv, &json, &i))
		return 1;
	if (argc - i != 1) {
		fprintf(stderr, "xcd migrate-abort: expected DOM\n");
		return 1;
	}
	struct jsonrpc_message r;
	if (cli_call(fd, "domain.migrate_abort", cli_gen_dom, argv[i], &r) < 0)
		return 1;
	if (json)
		cli_print_json(r.result);
	else
		fprintf(stderr, "Migration of %s aborted: it runs where it was\n",
			cli_get_s(r.result, "name"));
	jsonrpc_message_free(&r);
	return 0;
}
