/* cli_migrate: `xcd migrate`, `xcd migrate-receive` and `xcd migrate-abort`.
 * As xl does, `migrate` runs the transport (ssh HOST xcd migrate-receive,
 * or the command -s gives, or with -s "" HOST itself) with a pipe to its
 * standard input and one from its output, and xcdd's job speaks xl's pipe
 * protocol over them: this process hands both ends to xcdd with the
 * request (SCM_RIGHTS), draws the progress and prints the summary.
 * `migrate-receive` greets the sender, reads xl's header and the guest's
 * configuration, and hands its standard input and output to its xcdd,
 * which receives the guest and answers the sender. */
#include "../lib/jsonrpc.h"
#include "../lib/fdio.h"
#include "../lib/jsonw.h"
#include "../lib/uuid.h"
#include "../migrate/migrate.h"
#include "../migrate/outcome.h"
#include "cli.h"
#include <endian.h>
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

/* The largest configuration migrate-receive takes from a sender: it goes
 * to xcdd as a JSON string, within the 1 MiB of a request line. */
#define RECV_CONFIG_MAX (512u << 10)

struct migrate_args {
	const char *ssh, *dom, *host, *cfg_file;
	bool debug, paused, json;
	long long downtime, rounds, bandwidth;
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
	    (a->rune && jw_kv_str(g, "transport", a->rune)))
		return -EINVAL;
	if (a->cfg_text && (jw_kv_str(g, "config", a->cfg_text) ||
			    jw_kv_str(g, "config_file", a->cfg_file)))
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

/* xl migrate's options, and xcd's. 0, or 1 (said). */
static int parse_migrate(int argc, char **argv, struct migrate_args *a)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = !strcmp(o, "-s") || !strcmp(o, "-C") || !strcmp(o, "--downtime") ||
			     !strcmp(o, "--max-rounds") || !strcmp(o, "--on-no-converge") ||
			     !strcmp(o, "--bandwidth") || !strcmp(o, "--compress");
		if (takes && !v) {
			fprintf(stderr, "xcd migrate: %s needs a value\n", o);
			return 1;
		}
		if (takes)
			i++;
		if (!strcmp(o, "-s"))
			a->ssh = v;
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
	return 0;
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
	char *rune = rune_of(&a);
	a.rune = rune;
	int send = -1, recv = -1;
	pid_t pid = rune ? transport(rune, &send, &recv) : -1;
	if (pid < 0) {
		free(rune);
		free(a.cfg_text);
		return 1;
	}
	struct draw p = { a.dom, isatty(STDOUT_FILENO) == 1 && !a.json, false };
	struct jsonrpc_message res;
	int fds[2] = { send, recv };
	int rc = cli_call_fds_begin(fd, "domain.migrate", gen_migrate, &a, fds, 2);
	/* xcdd's job holds them now: ours would keep the pipe open after it. */
	close(send);
	close(recv);
	if (rc == 0)
		rc = cli_call_fds_end(fd, &res, on_note, &p);
	if (p.drawn)
		printf("\n");
	fflush(stdout);
	if (rc < 0)
		fprintf(stderr, "Migration failed (command run was: %s)\n", rune);
	else
		summary(res.result, a.json);
	if (rc == 0)
		jsonrpc_message_free(&res);
	reap(pid);
	free(rune);
	free(a.cfg_text);
	return rc < 0;
}

/* Exactly N bytes from FD: 0, or -1 with errno (0: the stream ended). */
static int read_exact(int fd, void *p, size_t n)
{
	for (size_t done = 0; done < n;) {
		ssize_t r = read(fd, (char *)p + done, n - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = 0;
			return -1;
		}
		done += (size_t)r;
	}
	return 0;
}

static int gen_id(yajl_gen g, void *arg)
{
	if (yajl_gen_map_open(g) || jw_kv_str(g, "id", arg))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

/* xcd's outcome query (migrate/outcome.h), which a sender in doubt after
 * its go writes where xl's header goes: asked of xcdd, its answer written
 * back ("unavailable" when xcdd cannot say). 0, or 1 (said). */
static int answer_query(int fd, const uint8_t id[16])
{
	char text[UUID_STR_LEN + 1];
	struct jsonrpc_message res;
	enum mig_outcome o = MIG_OUTCOME_UNAVAILABLE;
	size_t len;
	uuid_format(id, text);
	int rc = cli_call(fd, "domain.migrate_outcome", gen_id, text, &res);
	if (rc == 0) {
		const char *s = cli_get_s(res.result, "outcome");
		o = !strcmp(s, "committed") ? MIG_OUTCOME_COMMITTED
		    : !strcmp(s, "aborted") ? MIG_OUTCOME_ABORTED : MIG_OUTCOME_UNAVAILABLE;
		jsonrpc_message_free(&res);
	}
	const char *line = mig_outcome_line(o, &len);
	fprintf(stderr, "migration target: the sender of migration %s asks its outcome: %s\n",
		text, mig_outcome_name(o));
	if (fd_write_all(1, line, len) < 0) {
		fprintf(stderr, "migration target: answering: %s\n", strerror(errno));
		return 1;
	}
	return rc < 0;
}

/* xl's header and the configuration from standard input, exactly, no byte
 * more (the libxl stream that follows is xcdd's to read), its first
 * XL_HEADER_LEN bytes read already into FIRST: the config's text in
 * *CONFIG, the bytes read in *OFF. 0, or 1 (said). */
static int read_header(const uint8_t *first, char **config, uint64_t *off)
{
	uint8_t *buf = malloc(XL_HEADER_LEN + RECV_CONFIG_MAX + 4);
	char err[256];
	uint32_t optlen;
	if (!buf)
		return 1;
	memcpy(buf, first, XL_HEADER_LEN);
	if (memcmp(buf, XL_MAGIC, XL_MAGIC_LEN) != 0) {
		fprintf(stderr, "migration target: xl header at byte 0: not an xl migration stream "
			"(wrong magic)\n");
		free(buf);
		return 1;
	}
	memcpy(&optlen, buf + 44, 4);
	if (optlen > RECV_CONFIG_MAX + 4) {
		fprintf(stderr, "migration target: xl header at byte 44: %u bytes of configuration, "
			"at most %u taken\n", optlen, RECV_CONFIG_MAX + 4);
		free(buf);
		return 1;
	}
	if (optlen && read_exact(0, buf + XL_HEADER_LEN, optlen) < 0) {
		fprintf(stderr, "migration target: reading the configuration: %s\n",
			errno ? strerror(errno) : "the stream ended");
		free(buf);
		return 1;
	}
	/* Checked as a save file's is; the same reader, the same messages. */
	struct mig_in in;
	uint32_t len;
	mig_in_mem(&in, buf, XL_HEADER_LEN + optlen);
	int rc = mig_read_xl_config(&in, RECV_CONFIG_MAX, config, &len, err, sizeof(err));
	uint32_t oflags;
	memcpy(&oflags, buf + 40, 4);
	free(buf);
	if (rc == 0 && !*config) {
		snprintf(err, sizeof(err), "the stream carries no configuration");
		rc = -EPROTO;
	}
	/* An xcd sender asks what this host reads; xl's never does. */
	if (rc == 0 && (le32toh(oflags) & XL_OPTFLAG_XCD_ASKS))
		rc = mig_pipe_send_reads(1, MIG_CODECS_BUILT, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "migration target: %s\n", err);
		return 1;
	}
	*off = XL_HEADER_LEN + optlen;
	return 0;
}

struct receive_req {
	const char *config;
	uint64_t off;
	bool paused;
};

static int gen_receive(yajl_gen g, void *arg)
{
	const struct receive_req *r = arg;
	if (yajl_gen_map_open(g) || jw_kv_str(g, "config", r->config) ||
	    jw_kv_int(g, "stream_offset", (long long)r->off) || jw_str(g, "paused") ||
	    yajl_gen_bool(g, r->paused))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

int v_migrate_receive(int fd, int argc, char **argv)
{
	struct receive_req r = { 0 };
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
	/* xl's header, or where it goes an xcd sender's outcome query (of
	 * the same length). */
	uint8_t first[XL_HEADER_LEN], id[16];
	if (read_exact(0, first, sizeof(first)) < 0) {
		fprintf(stderr, "migration target: reading xl's header: %s\n",
			errno ? strerror(errno) : "the stream ended");
		return 1;
	}
	if (mig_query_parse(first, id))
		return answer_query(fd, id);
	char *config = NULL;
	if (read_header(first, &config, &r.off))
		return 1;
	r.config = config;
	int fds[2] = { 0, 1 };
	struct jsonrpc_message res;
	int rc = cli_call_fds_begin(fd, "domain.migrate_receive", gen_receive, &r, fds, 2);
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
