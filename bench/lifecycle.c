/* lifecycle: what xcdd's domain lifecycle costs through its JSON-RPC API, on
 * the simulated host. It starts a private xcdd (--backend sim, --rundir and
 * --statedir in a temporary directory; xcdd starts its own xcd-sim), then
 * measures, one request at a time on one connection:
 *
 *  host.info      the baseline: a trivial request, i.e. the round trip to
 *                 the daemon and its JSON framing;
 *  list-0         domain.list with no guest (domain 0 only);
 *  create         domain.create of --create guests (kernel "sim:idle",
 *                 --memory MiB each), journal write included;
 *  destroy        domain.destroy of those guests;
 *  list-N         domain.list with --guests guests present;
 *  cli-list-0 and cli-list-N: the `xcd list` command end to end (fork, exec,
 *                 connect, request, format), against cli-true, the fork and
 *                 exec of /bin/true (the process cost alone).
 *
 * One line per operation: count, mean, median and 99th percentile in
 * microseconds, and the mean over the baseline's mean measured in the same
 * run (host.info for requests, cli-list-0 for the command). The last line
 * says whether the goal - domain.list of 1000 guests under 50 ms - is met.
 *
 * The measuring runs in a child; the parent only waits for it and then
 * cleans up whatever was started (xcdd, its xcd-sim with the guests, the
 * temporary directory), whether the child ended well, failed, crashed or was
 * interrupted (SIGINT/SIGTERM). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "../lib/jsonrpc.h"
#include "../lib/errmsg.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GOAL_LIST_MS 50.0
#define START_TIMEOUT_MS 10000
#define REPLY_TIMEOUT_MS 60000

struct opts {
	char xcdd[PATH_MAX], xcd[PATH_MAX], sim[PATH_MAX];
	unsigned create;	/* guests created and destroyed one by one */
	unsigned guests;	/* guests present for list-N */
	unsigned memory_mib;	/* per guest */
	unsigned rounds;	/* repetitions of the requests that change nothing */
	unsigned cli_rounds;
	bool keep;		/* keep the temporary directory */
};

struct bench {
	const struct opts *o;
	char dir[PATH_MAX];
	char sock[PATH_MAX + 16];
	int fd;
	struct jsonrpc_linebuf lb;
	unsigned next_id;
	pid_t xcdd;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- figures ---- */

struct series {
	const char *name;
	uint64_t *ns;
	size_t n, cap;
	double mean_us, median_us, p99_us;
};

static int series_add(struct series *s, uint64_t ns)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		uint64_t *p = realloc(s->ns, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		s->ns = p;
		s->cap = cap;
	}
	s->ns[s->n++] = ns;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void series_finish(struct series *s)
{
	if (s->n == 0)
		return;
	qsort(s->ns, s->n, sizeof(*s->ns), cmp_u64);
	double sum = 0;
	for (size_t i = 0; i < s->n; i++)
		sum += (double)s->ns[i];
	s->mean_us = sum / (double)s->n / 1e3;
	s->median_us = (double)s->ns[s->n / 2] / 1e3;
	size_t k = (s->n * 99 + 99) / 100; /* nearest rank */
	s->p99_us = (double)s->ns[(k ? k : 1) - 1] / 1e3;
}

static void series_print(struct series *s, const struct series *base)
{
	series_finish(s);
	printf("%-12s %6zu ops: mean %10.1f us, median %10.1f us, p99 %10.1f us", s->name, s->n,
	       s->mean_us, s->median_us, s->p99_us);
	if (base && base->mean_us > 0)
		printf("  (%.1f x %s)", s->mean_us / base->mean_us, base->name);
	printf("\n");
	fflush(stdout);
}

/* ---- the API connection ---- */

static int connect_sock(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

static int send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Sends one request (PARAMS: a JSON object's text, or NULL) and reads lines
 * until its response, skipping the daemon's notifications. 0 with a result
 * (in *KEEP when KEEP is not NULL: the caller frees it); -EPROTO with the
 * daemon's error printed; another -errno when the connection failed.
 */
static int call(struct bench *b, const char *method, const char *params,
		struct jsonrpc_message *keep)
{
	unsigned id = ++b->next_id;
	size_t cap = strlen(method) + (params ? strlen(params) : 0) + 96;
	char *req = malloc(cap);
	if (!req)
		return -ENOMEM;
	int len = snprintf(req, cap, "{\"jsonrpc\":\"2.0\",\"id\":%u,\"method\":\"%s\"%s%s}\n",
			   id, method, params ? ",\"params\":" : "", params ? params : "");
	int rc = send_all(b->fd, req, (size_t)len);
	free(req);
	if (rc < 0) {
		fprintf(stderr, "lifecycle: %s: send to %s: %s\n", method, b->sock, strerror(-rc));
		return rc;
	}
	char err[XCD_ERR_MAX], want[16];
	snprintf(want, sizeof(want), "%u", id);
	for (;;) {
		char *line;
		size_t ll;
		int r = jsonrpc_linebuf_next(&b->lb, &line, &ll, err, sizeof(err));
		if (r < 0) {
			fprintf(stderr, "lifecycle: %s: %s\n", method, err);
			return r;
		}
		if (r == 0) {
			ssize_t n = jsonrpc_linebuf_read(&b->lb, b->fd, err, sizeof(err));
			if (n == 0) {
				fprintf(stderr, "lifecycle: %s: xcdd closed the connection\n", method);
				return -ECONNRESET;
			}
			if (n < 0 && n != -EAGAIN && n != -EINTR) {
				fprintf(stderr, "lifecycle: %s: %s\n", method, err);
				return (int)n;
			}
			continue;
		}
		struct jsonrpc_message m;
		struct jsonrpc_error e;
		if (jsonrpc_response_parse(line, ll, &m, &e) < 0) {
			fprintf(stderr, "lifecycle: %s: bad line from xcdd: %s\n", method, e.message);
			jsonrpc_message_free(&m);
			return -EPROTO;
		}
		bool mine = m.kind == JSONRPC_RESPONSE && m.id.type == JSONRPC_ID_NUMBER &&
			    strcmp(m.id.text, want) == 0;
		bool failed = m.is_error;
		if (mine && failed)
			fprintf(stderr, "lifecycle: %s: error %d: %s\n", method, m.error.code,
				m.error.message);
		if (mine && !failed && keep) {
			*keep = m;
			return 0;
		}
		jsonrpc_message_free(&m);
		if (mine)
			return failed ? -EPROTO : 0;
	}
}

static int timed_call(struct bench *b, struct series *s, const char *method,
		      const char *params)
{
	uint64_t t0 = now_ns();
	int rc = call(b, method, params, NULL);
	if (rc == 0)
		rc = series_add(s, now_ns() - t0);
	return rc;
}

/* ---- xcdd ---- */

static pid_t start_xcdd(struct bench *b)
{
	char run[PATH_MAX + 8], state[PATH_MAX + 8], log[PATH_MAX + 16];
	snprintf(run, sizeof(run), "%s/run", b->dir);
	snprintf(state, sizeof(state), "%s/state", b->dir);
	snprintf(log, sizeof(log), "%s/xcdd.log", b->dir);
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		setenv("XCD_SIM", b->o->sim, 1);
		unsetenv("XCD_SIM_SOCKET");
		execl(b->o->xcdd, b->o->xcdd, "--backend", "sim", "--rundir", run, "--statedir",
		      state, "--foreground", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static int wait_for_xcdd(struct bench *b)
{
	uint64_t t0 = now_ns();
	while (now_ns() - t0 < (uint64_t)START_TIMEOUT_MS * 1000000u) {
		int fd = connect_sock(b->sock);
		if (fd >= 0) {
			b->fd = fd;
			return 0;
		}
		if (waitpid(b->xcdd, NULL, WNOHANG) == b->xcdd) {
			fprintf(stderr, "lifecycle: xcdd exited at start (log: %s/xcdd.log)\n",
				b->dir);
			b->xcdd = 0;
			return -ECHILD;
		}
		usleep(20000);
	}
	fprintf(stderr, "lifecycle: xcdd did not listen on %s within %d ms\n", b->sock,
		START_TIMEOUT_MS);
	return -ETIMEDOUT;
}

/* ---- the measurements ---- */

static int create_guest(struct bench *b, struct series *s, const char *name)
{
	char params[512];
	snprintf(params, sizeof(params),
		 "{\"config\":\"name = \\\"%s\\\"\\nkernel = \\\"sim:idle\\\"\\nmemory = %u\\n"
		 "vcpus = 1\\n\",\"file\":\"%s.cfg\"}",
		 name, b->o->memory_mib, name);
	return timed_call(b, s, "domain.create", params);
}

static int destroy_guest(struct bench *b, struct series *s, const char *name)
{
	char params[128];
	snprintf(params, sizeof(params), "{\"name\":\"%s\"}", name);
	return timed_call(b, s, "domain.destroy", params);
}

static int repeat(struct bench *b, struct series *s, const char *method, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		int rc = timed_call(b, s, method, NULL);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Runs ARGV (stdout and stderr to /dev/null) N times, timing each run. */
static int run_cmd(struct bench *b, struct series *s, char *const argv[], unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t t0 = now_ns();
		pid_t pid = fork();
		if (pid < 0)
			return -errno;
		if (pid == 0) {
			int nul = open("/dev/null", O_WRONLY);
			if (nul >= 0) {
				dup2(nul, 1);
				dup2(nul, 2);
			}
			setenv("XCD_SOCKET", b->sock, 1);
			execv(argv[0], argv);
			_exit(127);
		}
		int st;
		if (waitpid(pid, &st, 0) < 0)
			return -errno;
		uint64_t t = now_ns() - t0;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "lifecycle: %s %s failed (status %d)\n", argv[0],
				argv[1] ? argv[1] : "", st);
			return -EPROTO;
		}
		int rc = series_add(s, t);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The guests fit the simulated host's free memory (xcd-sim counts each
 * guest's maximum): refused up front rather than failing at guest 900. */
static int check_memory(struct bench *b)
{
	struct jsonrpc_message m;
	int rc = call(b, "host.info", NULL, &m);
	if (rc < 0)
		return rc;
	const char *p[] = { "free_memory_kb", NULL };
	yajl_val v = m.result ? yajl_tree_get(m.result, p, yajl_t_number) : NULL;
	long long free_kb = v && YAJL_IS_INTEGER(v) ? YAJL_GET_INTEGER(v) : -1;
	jsonrpc_message_free(&m);
	unsigned most = b->o->guests > b->o->create ? b->o->guests : b->o->create;
	long long need = (long long)most * b->o->memory_mib * 1024;
	if (free_kb < 0) {
		fprintf(stderr, "lifecycle: host.info has no free_memory_kb\n");
		return -EPROTO;
	}
	printf("host: %lld MiB free; %u guests of %u MiB need %lld MiB\n", free_kb / 1024, most,
	       b->o->memory_mib, need / 1024);
	if (free_kb < need) {
		fprintf(stderr,
			"lifecycle: the simulated host has %lld MiB free, %u guests of %u MiB need "
			"%lld MiB: lower --guests or --memory\n",
			free_kb / 1024, most, b->o->memory_mib, need / 1024);
		return -ENOSPC;
	}
	return 0;
}

static int measure(struct bench *b)
{
	const struct opts *o = b->o;
	struct series info = { .name = "host.info" }, list0 = { .name = "list-0" },
		      create = { .name = "create" }, destroy = { .name = "destroy" },
		      fill = { .name = "create-fill" }, listn = { .name = "list-N" },
		      cli_true = { .name = "cli-true" }, cli0 = { .name = "cli-list-0" },
		      clin = { .name = "cli-list-N" };
	char name[64], listn_name[32], clin_name[32];
	snprintf(listn_name, sizeof(listn_name), "list-%u", o->guests);
	snprintf(clin_name, sizeof(clin_name), "cli-list-%u", o->guests);
	listn.name = listn_name;
	clin.name = clin_name;
	char *xcd_list[] = { (char *)o->xcd, "list", NULL };
	char *true_argv[] = { "/bin/true", NULL };
	int rc = check_memory(b);
	if (rc < 0)
		goto out;
	/* Warm up the connection and the daemon's allocations. */
	if ((rc = repeat(b, &info, "host.info", 20)) < 0)
		goto out;
	info.n = 0;
	if ((rc = repeat(b, &info, "host.info", o->rounds)) < 0 ||
	    (rc = repeat(b, &list0, "domain.list", o->rounds)) < 0 ||
	    (rc = run_cmd(b, &cli_true, true_argv, o->cli_rounds)) < 0 ||
	    (rc = run_cmd(b, &cli0, xcd_list, o->cli_rounds)) < 0)
		goto out;
	series_print(&info, NULL);
	series_print(&list0, &info);
	for (unsigned i = 0; i < o->create; i++) {
		snprintf(name, sizeof(name), "bench-c%u", i);
		if ((rc = create_guest(b, &create, name)) < 0)
			goto out;
	}
	series_print(&create, &info);
	for (unsigned i = 0; i < o->create; i++) {
		snprintf(name, sizeof(name), "bench-c%u", i);
		if ((rc = destroy_guest(b, &destroy, name)) < 0)
			goto out;
	}
	series_print(&destroy, &info);
	for (unsigned i = 0; i < o->guests; i++) {
		snprintf(name, sizeof(name), "bench-g%u", i);
		if ((rc = create_guest(b, &fill, name)) < 0)
			goto out;
	}
	series_print(&fill, &info);
	if ((rc = repeat(b, &listn, "domain.list", o->rounds)) < 0)
		goto out;
	series_print(&listn, &info);
	series_print(&cli_true, NULL);
	series_print(&cli0, &cli_true);
	if ((rc = run_cmd(b, &clin, xcd_list, o->cli_rounds)) < 0)
		goto out;
	series_print(&clin, &cli0);
	printf("goal: domain.list of %u guests under %.0f ms: %s (mean %.2f ms, p99 %.2f ms)\n",
	       o->guests, GOAL_LIST_MS, listn.p99_us / 1e3 < GOAL_LIST_MS ? "met" : "NOT met",
	       listn.mean_us / 1e3, listn.p99_us / 1e3);
	printf("`xcd list` of %u guests: mean %.2f ms, p99 %.2f ms (%s the 50 ms goal)\n",
	       o->guests, clin.mean_us / 1e3, clin.p99_us / 1e3,
	       clin.p99_us / 1e3 < GOAL_LIST_MS ? "within" : "above");
out:
	free(info.ns);
	free(list0.ns);
	free(create.ns);
	free(destroy.ns);
	free(fill.ns);
	free(listn.ns);
	free(cli_true.ns);
	free(cli0.ns);
	free(clin.ns);
	return rc;
}

/* The child: everything that can fail or be interrupted. */
static int child_main(struct bench *b)
{
	signal(SIGPIPE, SIG_IGN);
	b->xcdd = start_xcdd(b);
	if (b->xcdd < 0) {
		fprintf(stderr, "lifecycle: cannot start %s: %s\n", b->o->xcdd,
			strerror(-b->xcdd));
		return 1;
	}
	jsonrpc_linebuf_init(&b->lb, JSONRPC_MAX_LINE);
	int rc = wait_for_xcdd(b);
	if (rc == 0)
		rc = measure(b);
	jsonrpc_linebuf_free(&b->lb);
	if (b->fd >= 0)
		close(b->fd);
	return rc < 0 ? 1 : 0;
}

/* ---- cleanup, in the parent ---- */

/* The pid in FILE (xcdd's lock file), or 0. */
static pid_t pid_from_file(const char *file)
{
	FILE *f = fopen(file, "r");
	long pid = 0;
	if (f) {
		if (fscanf(f, "%ld", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return pid > 0 ? (pid_t)pid : 0;
}

/* The xcd-sim serving SOCK: started by xcdd in a session of its own (so that
 * guests outlive the daemon), it is no child of ours; found by the socket
 * path on its command line, which lies in our temporary directory. */
static pid_t find_sim(const char *sock)
{
	DIR *d = opendir("/proc");
	pid_t found = 0;
	if (!d)
		return 0;
	struct dirent *e;
	while (!found && (e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		char path[64], cmd[PATH_MAX * 2];
		snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, cmd, sizeof(cmd) - 1);
		close(fd);
		if (n <= 0)
			continue;
		cmd[n] = '\0';
		/* argv: BIN --socket SOCK */
		char *a1 = cmd + strlen(cmd) + 1;
		if (a1 >= cmd + n || strcmp(a1, "--socket") != 0)
			continue;
		char *a2 = a1 + strlen(a1) + 1;
		if (a2 < cmd + n && strcmp(a2, sock) == 0)
			found = (pid_t)pid;
	}
	closedir(d);
	return found;
}

/* Whether PID's command line names DIR (our temporary directory): a pid
 * read from a file may be stale and taken by another process since. */
static bool pid_is_ours(pid_t pid, const char *dir)
{
	char path[64], cmd[PATH_MAX * 2];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, cmd, sizeof(cmd) - 1);
	close(fd);
	if (n <= 0)
		return false;
	for (ssize_t i = 0; i < n; i++)
		if (cmd[i] == '\0')
			cmd[i] = ' ';
	cmd[n] = '\0';
	return strstr(cmd, dir) != NULL;
}

static void kill_and_wait(pid_t pid, const char *dir, const char *what)
{
	if (pid <= 0 || !pid_is_ours(pid, dir) || kill(pid, SIGKILL) < 0)
		return;
	for (int i = 0; i < 500 && kill(pid, 0) == 0; i++) {
		waitpid(pid, NULL, WNOHANG); /* reaps it if it is ours */
		usleep(10000);
	}
	if (kill(pid, 0) == 0)
		fprintf(stderr, "lifecycle: %s (pid %d) did not die\n", what, (int)pid);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 ? -1 : 0;
}

static void cleanup(struct bench *b, bool failed)
{
	char lock[PATH_MAX + 32], sim_sock[PATH_MAX + 32];
	snprintf(lock, sizeof(lock), "%s/run/xcdd.lock", b->dir);
	snprintf(sim_sock, sizeof(sim_sock), "%s/run/sim.sock", b->dir);
	kill_and_wait(pid_from_file(lock), b->dir, "xcdd");
	kill_and_wait(find_sim(sim_sock), b->dir, "xcd-sim");
	/* xcdd's own xcd-xenstored, which outlives it as xcd-sim does. */
	char xs_pid[PATH_MAX + 32];
	snprintf(xs_pid, sizeof(xs_pid), "%s/run/xenstored.pid", b->dir);
	kill_and_wait(pid_from_file(xs_pid), b->dir, "xcd-xenstored");
	if (failed) {
		char log[PATH_MAX + 16];
		snprintf(log, sizeof(log), "%s/xcdd.log", b->dir);
		FILE *f = fopen(log, "r");
		if (f) {
			char line[1024];
			fprintf(stderr, "--- %s (last lines)\n", log);
			long lines = 0;
			while (fgets(line, sizeof(line), f))
				lines++;
			rewind(f);
			for (long i = 0; fgets(line, sizeof(line), f); i++)
				if (i >= lines - 20)
					fputs(line, stderr);
			fclose(f);
		}
	}
	if (b->o->keep) {
		fprintf(stderr, "lifecycle: kept %s\n", b->dir);
		return;
	}
	if (nftw(b->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
		fprintf(stderr, "lifecycle: cannot remove %s: %s\n", b->dir, strerror(errno));
}

/* ---- main ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lifecycle [--create N] [--guests N] [--memory MiB] [--rounds N]\n"
		"                 [--cli-rounds N] [--xcdd PATH] [--xcd PATH] [--sim PATH] [--keep]\n"
		"Starts a private xcdd on the simulated host and measures domain.create,\n"
		"domain.destroy (--create guests, default 100), domain.list with --guests\n"
		"guests present (default 1000) and `xcd list`, against host.info.\n"
		"Binaries default to the build tree's (beside this program's folder).\n");
}

static unsigned number(const char *opt, const char *s, unsigned min, unsigned max)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || !*s || v < min || v > max) {
		fprintf(stderr, "lifecycle: --%s %s: expected a number from %u to %u\n", opt, s,
			min, max);
		exit(2);
	}
	return (unsigned)v;
}

/* The build tree's BIN (e.g. "xcd/xcdd"), from this program's place in it. */
static void default_path(char *out, size_t len, const char *bin)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0) {
		snprintf(out, len, "%s", bin);
		return;
	}
	self[n] = '\0';
	snprintf(out, len, "%s/../%s", dirname(self), bin);
}

int main(int argc, char **argv)
{
	struct opts o = { .create = 100, .guests = 1000, .memory_mib = 4, .rounds = 200,
			  .cli_rounds = 30 };
	default_path(o.xcdd, sizeof(o.xcdd), "xcd/xcdd");
	default_path(o.xcd, sizeof(o.xcd), "xcd/xcd");
	default_path(o.sim, sizeof(o.sim), "sim/xcd-sim");
	static const struct option opts[] = {
		{ "create", required_argument, NULL, 'c' },
		{ "guests", required_argument, NULL, 'g' },
		{ "memory", required_argument, NULL, 'm' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "cli-rounds", required_argument, NULL, 'l' },
		{ "xcdd", required_argument, NULL, 'D' },
		{ "xcd", required_argument, NULL, 'C' },
		{ "sim", required_argument, NULL, 'S' },
		{ "keep", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "c:g:m:r:l:kh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': o.create = number("create", optarg, 1, 1000); break;
		case 'g': o.guests = number("guests", optarg, 1, 1000); break;
		case 'm': o.memory_mib = number("memory", optarg, 1, 1024); break;
		case 'r': o.rounds = number("rounds", optarg, 1, 100000); break;
		case 'l': o.cli_rounds = number("cli-rounds", optarg, 1, 10000); break;
		case 'D': snprintf(o.xcdd, sizeof(o.xcdd), "%s", optarg); break;
		case 'C': snprintf(o.xcd, sizeof(o.xcd), "%s", optarg); break;
		case 'S': snprintf(o.sim, sizeof(o.sim), "%s", optarg); break;
		case 'k': o.keep = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	const char *bins[] = { o.xcdd, o.xcd, o.sim };
	for (size_t i = 0; i < 3; i++)
		if (access(bins[i], X_OK) < 0) {
			fprintf(stderr, "lifecycle: %s: %s (build first, or give its path)\n",
				bins[i], strerror(errno));
			return 1;
		}
	struct bench b = { .o = &o, .fd = -1 };
	snprintf(b.dir, sizeof(b.dir), "/tmp/xcd-lifecycle.XXXXXX");
	if (!mkdtemp(b.dir)) {
		fprintf(stderr, "lifecycle: mkdtemp %s: %s\n", b.dir, strerror(errno));
		return 1;
	}
	snprintf(b.sock, sizeof(b.sock), "%s/run/xcd.sock", b.dir);
	printf("lifecycle: xcdd %s, temporary directory %s\n", o.xcdd, b.dir);
	fflush(stdout);
	/* The parent outlives an interrupted child to clean up after it: it
	 * takes SIGINT and SIGTERM synchronously and passes them on. */
	sigset_t sigs, old;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGCHLD);
	sigprocmask(SIG_BLOCK, &sigs, &old);
	pid_t child = fork();
	if (child < 0) {
		fprintf(stderr, "lifecycle: fork: %s\n", strerror(errno));
		cleanup(&b, true);
		return 1;
	}
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		int rc = child_main(&b);
		fflush(stdout);
		_exit(rc);
	}
	int st = 0;
	for (;;) {
		pid_t w = waitpid(child, &st, WNOHANG);
		if (w == child || (w < 0 && errno != EINTR))
			break;
		siginfo_t si;
		if (sigwaitinfo(&sigs, &si) < 0)
			continue;
		if (si.si_signo != SIGCHLD)
			kill(child, SIGTERM);
	}
	bool ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	if (WIFSIGNALED(st))
		fprintf(stderr, "lifecycle: stopped by signal %d; cleaning up\n", WTERMSIG(st));
	cleanup(&b, !ok && !WIFSIGNALED(st));
	return ok ? 0 : 1;
}
