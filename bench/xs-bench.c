/* xs-bench: what a xenstore request costs, against a running xenstored on its
 * Unix socket, next to the physical limit of a Unix-socket round trip.
 *
 *  ping       two processes bouncing 16 bytes each way over a socketpair: the
 *             bare round trip ("bare"), measured in the same run;
 *  read, write, directory, transaction (start + read + write + end):
 *             through libxenstore (xs_open on the socket), as tools do;
 *  read-raw, write-raw, directory-raw, transaction-raw:
 *             the same requests in the wire protocol (xen/io/xs_wire.h) on a
 *             socket of our own, one send and one receive per request: the
 *             daemon's cost without the library's;
 * each with 1 client and with N clients (threads, each with its own
 * connection; ping: N socket pairs), each for --seconds.
 *
 * Lines printed, one per measurement:
 *   OP N client(s): X ns/op (Y x bare)
 * X is the mean time one client waits for one operation; Y is X over the
 * ping of the same number of clients. Below each, an indented line with the
 * median, the 99th percentile, the throughput of all clients together and
 * the CPU time per operation of the clients and (with --pid) of the daemon,
 * or of the echo processes for ping, with the time the server waited for a
 * CPU (a busy machine shows there, not in the CPU time).
 * Then the 1-client read ratios: of the medians and of the CPU time (client
 * + server), both less sensitive to other load than the means, and last
 * "read/bare ratio: Y" (libxenstore read, mean, 1 client).
 * The nodes it uses live under /bench-xs-<pid> and are removed at the end. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
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
#include <xenstore.h>
#include <xen/io/xs_wire.h>

#define MAX_CLIENTS 64
#define HDR ((uint32_t)sizeof(struct xsd_sockmsg))
#define DIR_ENTRIES 16

static const char *sock_path;
static double seconds = 2.0;
static char base[64]; /* /bench-xs-<pid> */
static const char *only;   /* --only: comma-separated operation names */
static int daemon_pid;     /* --pid: the daemon's CPU time is reported too */

static bool wanted(const char *op)
{
	if (!only)
		return true;
	size_t l = strlen(op);
	for (const char *p = only; (p = strstr(p, op)); p += l)
		if ((p == only || p[-1] == ',') && (p[l] == ',' || p[l] == '\0'))
			return true;
	return false;
}

struct client {
	int idx;
	struct xs_handle *xs; /* libxenstore */
	int fd;               /* raw protocol, or our end of the ping pair */
	uint32_t req_id;
	char key[128], wkey[128], tkey[128], dir[128];
	/* results */
	uint64_t ops, ns, retries, cpu_ns;
	uint32_t *lat;
	size_t nlat, cap;
	const char *err;
	pthread_t th;
	int (*fn)(struct client *);
	pthread_barrier_t *start;
};

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

/* A process's time on a CPU and waiting for one (run queue), in ns, from
 * /proc/PID/schedstat; false when unavailable. */
static bool sched_ns(int pid, uint64_t *run, uint64_t *wait)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	unsigned long long r, w;
	bool ok = fscanf(f, "%llu %llu", &r, &w) == 2;
	fclose(f);
	*run = r;
	*wait = w;
	return ok;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("xs-bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* ---- bare round trip ---- */

static int full_io(int fd, void *buf, size_t len, bool wr)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = wr ? write(fd, (char *)buf + off, len - off)
			       : read(fd, (char *)buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

static int op_ping(struct client *c)
{
	char buf[16] = "ping-pong-16byte";
	if (full_io(c->fd, buf, sizeof(buf), true) < 0 || full_io(c->fd, buf, sizeof(buf), false) < 0) {
		c->err = "ping: echo process gone";
		return -1;
	}
	return 0;
}

/* ---- libxenstore ---- */

static int op_read(struct client *c)
{
	unsigned len;
	char *v = xs_read(c->xs, XBT_NULL, c->key, &len);
	if (!v) {
		c->err = "xs_read failed";
		return -1;
	}
	free(v);
	return 0;
}

static int op_write(struct client *c)
{
	if (!xs_write(c->xs, XBT_NULL, c->wkey, "0123456789abcdef", 16)) {
		c->err = "xs_write failed";
		return -1;
	}
	return 0;
}

static int op_directory(struct client *c)
{
	unsigned num;
	char **d = xs_directory(c->xs, XBT_NULL, c->dir, &num);
	if (!d || num != DIR_ENTRIES) {
		free(d);
		c->err = "xs_directory failed";
		return -1;
	}
	free(d);
	return 0;
}

static int op_transaction(struct client *c)
{
	for (;;) {
		xs_transaction_t t = xs_transaction_start(c->xs);
		if (t == XBT_NULL) {
			c->err = "xs_transaction_start failed";
			return -1;
		}
		unsigned len;
		char *v = xs_read(c->xs, t, c->key, &len);
		if (!v || !xs_write(c->xs, t, c->tkey, "0123456789abcdef", 16)) {
			free(v);
			xs_transaction_end(c->xs, t, true);
			c->err = "read or write in a transaction failed";
			return -1;
		}
		free(v);
		if (xs_transaction_end(c->xs, t, false))
			return 0;
		if (errno != EAGAIN) {
			c->err = "xs_transaction_end failed";
			return -1;
		}
		c->retries++;
	}
}

/* ---- the wire protocol, directly ---- */

static int raw_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(sock_path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, sock_path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One request, one reply (payload copied to out, NUL-terminated).
 * Returns the reply type, or -1 on a broken connection. */
static int raw_req(struct client *c, uint32_t type, uint32_t tx, const char *payload,
		   uint32_t len, char *out, uint32_t *out_len)
{
	char buf[HDR + XENSTORE_PAYLOAD_MAX + 1];
	struct xsd_sockmsg h = { .type = type, .req_id = ++c->req_id, .tx_id = tx, .len = len };
	memcpy(buf, &h, HDR);
	memcpy(buf + HDR, payload, len);
	if (full_io(c->fd, buf, HDR + len, true) < 0)
		return -1;
	size_t have = 0;
	for (;;) {
		ssize_t n = read(c->fd, buf + have, sizeof(buf) - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		have += (size_t)n;
		if (have < HDR)
			continue;
		memcpy(&h, buf, HDR);
		if (h.len > XENSTORE_PAYLOAD_MAX)
			return -1;
		if (have >= HDR + h.len)
			break;
	}
	if (h.req_id != c->req_id)
		return -1; /* no watches here: nothing else may come */
	if (out) {
		memcpy(out, buf + HDR, h.len);
		out[h.len] = '\0';
	}
	if (out_len)
		*out_len = h.len;
	return (int)h.type;
}

static uint32_t strs(char *buf, const char *a, const char *b)
{
	size_t la = strlen(a) + 1;
	memcpy(buf, a, la);
	if (!b)
		return (uint32_t)la;
	size_t lb = strlen(b); /* WRITE: the value is not NUL-terminated */
	memcpy(buf + la, b, lb);
	return (uint32_t)(la + lb);
}

static int op_read_raw(struct client *c)
{
	char p[256], out[XENSTORE_PAYLOAD_MAX + 1];
	if (raw_req(c, XS_READ, 0, p, strs(p, c->key, NULL), out, NULL) != XS_READ) {
		c->err = "READ failed";
		return -1;
	}
	return 0;
}

static int op_write_raw(struct client *c)
{
	char p[256], out[XENSTORE_PAYLOAD_MAX + 1];
	if (raw_req(c, XS_WRITE, 0, p, strs(p, c->wkey, "0123456789abcdef"), out, NULL) != XS_WRITE) {
		c->err = "WRITE failed";
		return -1;
	}
	return 0;
}

static int op_directory_raw(struct client *c)
{
	char p[256], out[XENSTORE_PAYLOAD_MAX + 1];
	if (raw_req(c, XS_DIRECTORY, 0, p, strs(p, c->dir, NULL), out, NULL) != XS_DIRECTORY) {
		c->err = "DIRECTORY failed";
		return -1;
	}
	return 0;
}

static int op_transaction_raw(struct client *c)
{
	char p[256], out[XENSTORE_PAYLOAD_MAX + 1];
	for (;;) {
		if (raw_req(c, XS_TRANSACTION_START, 0, "", 1, out, NULL) != XS_TRANSACTION_START) {
			c->err = "TRANSACTION_START failed";
			return -1;
		}
		uint32_t tx = (uint32_t)strtoul(out, NULL, 10);
		if (raw_req(c, XS_READ, tx, p, strs(p, c->key, NULL), out, NULL) != XS_READ ||
		    raw_req(c, XS_WRITE, tx, p, strs(p, c->tkey, "0123456789abcdef"), out, NULL) !=
			    XS_WRITE) {
			c->err = "READ or WRITE in a transaction failed";
			return -1;
		}
		int t = raw_req(c, XS_TRANSACTION_END, tx, "T", 2, out, NULL);
		if (t == XS_TRANSACTION_END)
			return 0;
		if (t != XS_ERROR || strcmp(out, "EAGAIN") != 0) {
			c->err = "TRANSACTION_END failed";
			return -1;
		}
		c->retries++;
	}
}

/* ---- running a measurement ---- */

static void *client_main(void *arg)
{
	struct client *c = arg;
	/* Warm-up: connections, caches, the daemon's first allocations. */
	for (int i = 0; i < 50; i++)
		if (c->fn(c) < 0)
			break;
	pthread_barrier_wait(c->start);
	if (c->err)
		return NULL;
	uint64_t cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	uint64_t t0 = now_ns(), end = t0 + (uint64_t)(seconds * 1e9), t = t0;
	while (t < end) {
		if (c->fn(c) < 0)
			break;
		uint64_t t1 = now_ns();
		if (c->nlat == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 65536;
			uint32_t *l = realloc(c->lat, cap * sizeof(*l));
			if (!l) {
				c->err = "out of memory";
				break;
			}
			c->lat = l;
			c->cap = cap;
		}
		uint64_t d = t1 - t;
		c->lat[c->nlat++] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
		c->ops++;
		t = t1;
	}
	c->ns = t - t0;
	c->cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

struct result {
	double ns_per_op, p50, p99, ops_per_s;
	uint64_t retries;
	/* CPU time per operation: the clients', the server's (daemon or echo
	 * processes; < 0 when unknown) and the server's wait for a CPU. */
	double client_cpu, server_cpu, server_wait;
};

/* The server side of a measurement: the daemon, or the ping echo processes. */
struct server_pids {
	int pid[MAX_CLIENTS];
	int n;
	uint64_t run, wait;
	bool ok;
};

static void server_sample(struct server_pids *sp)
{
	sp->run = sp->wait = 0;
	sp->ok = sp->n > 0;
	for (int i = 0; i < sp->n; i++) {
		uint64_t r, w;
		if (!sched_ns(sp->pid[i], &r, &w)) {
			sp->ok = false;
			return;
		}
		sp->run += r;
		sp->wait += w;
	}
}

static struct result run_clients(struct client *cl, int n, int (*fn)(struct client *),
				 const char *label, struct server_pids *sp)
{
	struct server_pids before = *sp;
	server_sample(&before);
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, (unsigned)n + 1);
	for (int i = 0; i < n; i++) {
		cl[i].fn = fn;
		cl[i].start = &start;
		cl[i].ops = cl[i].ns = cl[i].retries = 0;
		cl[i].nlat = 0;
		cl[i].err = NULL;
		if (pthread_create(&cl[i].th, NULL, client_main, &cl[i]) != 0)
			die("pthread_create failed");
	}
	pthread_barrier_wait(&start);
	uint64_t t0 = now_ns();
	for (int i = 0; i < n; i++)
		pthread_join(cl[i].th, NULL);
	double wall = (double)(now_ns() - t0);
	server_sample(sp);
	pthread_barrier_destroy(&start);
	struct result r = { 0 };
	uint64_t ops = 0, ns = 0, cpu = 0;
	size_t nl = 0;
	for (int i = 0; i < n; i++) {
		if (cl[i].err)
			die("%s, client %d: %s (%s)", label, i, cl[i].err, strerror(errno));
		ops += cl[i].ops;
		ns += cl[i].ns;
		cpu += cl[i].cpu_ns;
		nl += cl[i].nlat;
		r.retries += cl[i].retries;
	}
	if (!ops)
		die("%s: no operation completed", label);
	uint32_t *all = malloc((nl ? nl : 1) * sizeof(*all));
	if (!all)
		die("out of memory");
	size_t k = 0;
	for (int i = 0; i < n; i++) {
		memcpy(all + k, cl[i].lat, cl[i].nlat * sizeof(*all));
		k += cl[i].nlat;
	}
	qsort(all, nl, sizeof(*all), cmp_u32);
	r.ns_per_op = (double)ns / (double)ops;
	r.p50 = all[nl / 2];
	r.p99 = all[(size_t)((double)nl * 0.99)];
	r.ops_per_s = (double)ops / (wall / 1e9);
	r.client_cpu = (double)cpu / (double)ops;
	r.server_cpu = r.server_wait = -1;
	if (before.ok && sp->ok) {
		/* Includes the 50 warm-up operations of each client. */
		double all_ops = (double)ops + 50.0 * n;
		r.server_cpu = (double)(sp->run - before.run) / all_ops;
		r.server_wait = (double)(sp->wait - before.wait) / all_ops;
	}
	free(all);
	return r;
}

static void print_result(const char *op, int n, struct result r, double bare)
{
	printf("%s %d client(s): %.0f ns/op (%.1f x bare)\n", op, n, r.ns_per_op,
	       r.ns_per_op / bare);
	printf("    p50 %.0f ns, p99 %.0f ns, %.0f ops/s in all", r.p50, r.p99, r.ops_per_s);
	if (r.retries)
		printf(", %llu transaction retries", (unsigned long long)r.retries);
	printf("; CPU/op: client %.0f ns", r.client_cpu);
	if (r.server_cpu >= 0)
		printf(", %s %.0f ns (waited for a CPU %.0f ns)", strcmp(op, "ping") ? "daemon" : "echo",
		       r.server_cpu, r.server_wait);
	printf("\n");
	fflush(stdout);
}

/* Bare: n pairs, the echo side in a child process each. */
static struct result measure_ping(struct client *cl, int n)
{
	pid_t pids[MAX_CLIENTS];
	struct server_pids sp = { .n = n };
	for (int i = 0; i < n; i++) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			die("socketpair: %s", strerror(errno));
		pid_t pid = fork();
		if (pid < 0)
			die("fork: %s", strerror(errno));
		if (pid == 0) {
			/* Only our end: an inherited client end of an earlier pair
			 * would keep that pair's echo process from seeing EOF. */
			close(sv[0]);
			for (int j = 0; j < i; j++)
				close(cl[j].fd);
			char buf[16];
			while (full_io(sv[1], buf, sizeof(buf), false) == 0 &&
			       full_io(sv[1], buf, sizeof(buf), true) == 0)
				;
			_exit(0);
		}
		close(sv[1]);
		cl[i].fd = sv[0];
		pids[i] = pid;
		sp.pid[i] = pid;
	}
	struct result r = run_clients(cl, n, op_ping, "ping", &sp);
	for (int i = 0; i < n; i++) {
		close(cl[i].fd);
		cl[i].fd = -1;
		waitpid(pids[i], NULL, 0);
	}
	return r;
}

static void open_clients(struct client *cl, int n, bool raw)
{
	for (int i = 0; i < n; i++) {
		if (raw) {
			cl[i].fd = raw_connect();
			if (cl[i].fd < 0)
				die("cannot connect to %s: %s", sock_path, strerror(errno));
		} else {
			cl[i].xs = xs_open(XS_OPEN_SOCKETONLY);
			if (!cl[i].xs)
				die("xs_open on %s: %s", sock_path, strerror(errno));
		}
	}
}

static void close_clients(struct client *cl, int n)
{
	for (int i = 0; i < n; i++) {
		if (cl[i].xs)
			xs_close(cl[i].xs);
		cl[i].xs = NULL;
		if (cl[i].fd >= 0)
			close(cl[i].fd);
		cl[i].fd = -1;
	}
}

static void setup_nodes(struct xs_handle *xs, int nclients)
{
	char path[192];
	snprintf(path, sizeof(path), "%s/key", base);
	bool ok = xs_write(xs, XBT_NULL, path, "0123456789abcdef", 16);
	for (int i = 0; ok && i < DIR_ENTRIES; i++) {
		snprintf(path, sizeof(path), "%s/dir/entry-%02d", base, i);
		ok = xs_write(xs, XBT_NULL, path, "", 0);
	}
	for (int i = 0; ok && i < nclients; i++) {
		snprintf(path, sizeof(path), "%s/w/c%d", base, i);
		ok = xs_write(xs, XBT_NULL, path, "", 0);
		snprintf(path, sizeof(path), "%s/t/c%d", base, i);
		ok = ok && xs_write(xs, XBT_NULL, path, "", 0);
		snprintf(path, sizeof(path), "%s/k/c%d", base, i);
		ok = ok && xs_write(xs, XBT_NULL, path, "0123456789abcdef", 16);
	}
	if (!ok)
		die("cannot create the nodes under %s: %s", base, strerror(errno));
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: xs-bench [OPTION]...\n"
"Measures xenstore requests against a running xenstored on its Unix socket,\n"
"next to the bare round trip of a Unix socket (two processes, 16 bytes each way).\n"
"\n"
"  -s, --socket PATH   the xenstored socket (default: $XENSTORED_PATH, else\n"
"                      /run/xenstored/socket)\n"
"  -c, --clients N     the clients of the multi-client runs (default 4, max %d)\n"
"  -t, --seconds S     seconds per measurement (default 2; 18 measurements)\n"
"      --no-raw        skip the raw-protocol runs (read-raw, ...)\n"
"      --only OP,...   run only these (e.g. read,read-raw; ping always runs)\n"
"      --pid PID       the daemon's process: its CPU time per operation is\n"
"                      reported too (from /proc/PID/schedstat)\n"
"  -h, --help          show this help\n"
"\n"
"Output, one line per measurement:  OP N client(s): X ns/op (Y x bare)\n"
"with OP in ping, read, write, directory, transaction (libxenstore) and\n"
"read-raw, write-raw, directory-raw, transaction-raw (the wire protocol on a\n"
"socket of its own); X is the mean latency a client sees, Y = X / ping of as\n"
"many clients. Then the 1-client read ratios (of medians; of CPU time with\n"
"--pid) and last: read/bare ratio: Y (libxenstore read, mean, 1 client).\n"
"The nodes used live under /bench-xs-PID and are removed at the end.\n",
		MAX_CLIENTS);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "clients", required_argument, NULL, 'c' },
		{ "seconds", required_argument, NULL, 't' },
		{ "no-raw", no_argument, NULL, 'R' },
		{ "only", required_argument, NULL, 'O' },
		{ "pid", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int nclients = 4, c;
	bool raw = true;
	sock_path = getenv("XENSTORED_PATH");
	while ((c = getopt_long(argc, argv, "s:c:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': sock_path = optarg; break;
		case 'c': nclients = atoi(optarg); break;
		case 't': seconds = atof(optarg); break;
		case 'R': raw = false; break;
		case 'O': only = optarg; break;
		case 'p': daemon_pid = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xs-bench: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (nclients < 1 || nclients > MAX_CLIENTS || seconds <= 0 || seconds > 60) {
		fprintf(stderr, "xs-bench: --clients 1..%d, --seconds in (0, 60]\n", MAX_CLIENTS);
		return 2;
	}
	if (!sock_path)
		sock_path = "/run/xenstored/socket";
	/* libxenstore finds the socket through this variable. */
	setenv("XENSTORED_PATH", sock_path, 1);
	signal(SIGPIPE, SIG_IGN);
	snprintf(base, sizeof(base), "/bench-xs-%d", (int)getpid());

	struct xs_handle *admin = xs_open(XS_OPEN_SOCKETONLY);
	if (!admin)
		die("cannot reach a xenstored on %s: %s", sock_path, strerror(errno));
	setup_nodes(admin, nclients);

	static struct client cl[MAX_CLIENTS];
	for (int i = 0; i < MAX_CLIENTS; i++) {
		cl[i].idx = i;
		cl[i].fd = -1;
		/* Each client reads a key of its own: no shared node in transactions. */
		snprintf(cl[i].key, sizeof(cl[i].key), "%s/k/c%d", base, i % nclients);
		snprintf(cl[i].wkey, sizeof(cl[i].wkey), "%s/w/c%d", base, i % nclients);
		snprintf(cl[i].tkey, sizeof(cl[i].tkey), "%s/t/c%d", base, i % nclients);
		snprintf(cl[i].dir, sizeof(cl[i].dir), "%s/dir", base);
	}
	printf("# xs-bench: %s, %.1f s per measurement, %d clients\n", sock_path, seconds, nclients);
	fflush(stdout);

	static const struct {
		const char *name;
		int (*lib)(struct client *);
		int (*raw)(struct client *);
	} ops[] = {
		{ "read", op_read, op_read_raw },
		{ "write", op_write, op_write_raw },
		{ "directory", op_directory, op_directory_raw },
		{ "transaction", op_transaction, op_transaction_raw },
	};
	int counts[2] = { 1, nclients };
	double read1 = 0, read1_raw = 0, bare1 = 0;
	struct result bare1r = { 0 }, read1r = { 0 }, read1_rawr = { 0 };
	struct server_pids dsp = { .n = daemon_pid > 0 ? 1 : 0, .pid = { daemon_pid } };
	for (int k = 0; k < (nclients > 1 ? 2 : 1); k++) {
		int n = counts[k];
		struct result bare = measure_ping(cl, n);
		print_result("ping", n, bare, bare.ns_per_op);
		if (n == 1) {
			bare1 = bare.ns_per_op;
			bare1r = bare;
		}
		for (unsigned o = 0; o < sizeof(ops) / sizeof(ops[0]); o++) {
			if (!wanted(ops[o].name))
				continue;
			open_clients(cl, n, false);
			struct result r = run_clients(cl, n, ops[o].lib, ops[o].name, &dsp);
			close_clients(cl, n);
			print_result(ops[o].name, n, r, bare.ns_per_op);
			if (n == 1 && o == 0) {
				read1 = r.ns_per_op;
				read1r = r;
			}
		}
		for (unsigned o = 0; raw && o < sizeof(ops) / sizeof(ops[0]); o++) {
			char label[32];
			snprintf(label, sizeof(label), "%s-raw", ops[o].name);
			if (!wanted(label))
				continue;
			open_clients(cl, n, true);
			struct result r = run_clients(cl, n, ops[o].raw, label, &dsp);
			close_clients(cl, n);
			print_result(label, n, r, bare.ns_per_op);
			if (n == 1 && o == 0) {
				read1_raw = r.ns_per_op;
				read1_rawr = r;
			}
		}
	}
	xs_rm(admin, XBT_NULL, base);
	xs_close(admin);
	for (int i = 0; i < MAX_CLIENTS; i++)
		free(cl[i].lat);
	/* Less sensitive to a busy machine than the means: the medians, and
	 * the CPU time a round trip costs both sides (client + server). */
	if (read1 > 0)
		printf("read/bare ratio of medians: %.2f\n", read1r.p50 / bare1r.p50);
	if (read1 > 0 && read1r.server_cpu >= 0 && bare1r.server_cpu >= 0)
		printf("read/bare ratio of CPU time (client + server): %.2f\n",
		       (read1r.client_cpu + read1r.server_cpu) /
			       (bare1r.client_cpu + bare1r.server_cpu));
	if (read1_raw > 0 && read1_rawr.server_cpu >= 0 && bare1r.server_cpu >= 0)
		printf("read-raw/bare ratio of CPU time (client + server): %.2f\n",
		       (read1_rawr.client_cpu + read1_rawr.server_cpu) /
			       (bare1r.client_cpu + bare1r.server_cpu));
	if (read1_raw > 0)
		printf("read-raw/bare ratio: %.2f\n", read1_raw / bare1);
	if (read1 > 0)
		printf("read/bare ratio: %.2f\n", read1 / bare1);
	return 0;
}
