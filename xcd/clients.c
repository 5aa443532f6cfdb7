/*
 * clients: xcdd's JSON-RPC connections on RUNDIR/xcd.sock: who is let in
 * (SO_PEERCRED), their requests in, in turns (clients.h), their answers and
 * the domain.state notifications out, and what a non-root uid may hold.
 */
#include "../lib/fdio.h"
#include "../lib/errmsg.h"
#include "../lib/log.h"
#include "../lib/loop.h"
#include "clients.h"
#include "../lib/jsonw.h"
#include "xcdd.h"
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* A non-root uid with connections, and what they hold. */
struct client_uid {
	uid_t uid;
	unsigned conns;
	size_t bytes;
	struct client_uid *next;
};

struct client {
	struct xcdd *x;
	int fd;
	enum peercred_access access;
	pid_t pid;
	uid_t uid;
	struct client_uid *user; /* NULL: root's, not limited */
	struct jsonrpc_linebuf lb;
	char *out;
	size_t outlen, outcap;
	size_t held;	 /* lb's and out's memory, as counted against user */
	uint32_t events; /* what the loop watches on fd for it */
	bool eof;	 /* it sent all it will: answered, then closed */
	/* Could not be written to: closed from the loop's idle step, never
	 * under a caller that may still hold it (a notification sent while
	 * its own request runs, an owed answer sent from another's request). */
	bool dead;
	/* Descriptors root's connection passed with its requests (SCM_RIGHTS),
	 * waiting for the method that takes them (domain.migrate ...). */
	int fds[CLIENT_MAX_FDS];
	unsigned nfds;
	struct client *next;
};

/* An idle connection keeps no more output buffer than this. */
#define CLIENT_OUT_KEEP (64u << 10)
/* How long the listening socket rests after accept() ran out of descriptors. */
#define LISTEN_PAUSE_MS 100

/* A line any local user can cause, at most once a second for each WHY, so
 * that a flood of connections cannot fill the log: the next line says how
 * many were left out. */
static void __attribute__((format(printf, 4, 5)))
log_limited(struct clients *cl, enum client_why why, enum log_level lvl, const char *fmt, ...)
{
	struct client_ratelimit *r = &cl->rl[why];
	uint64_t now = mono_ms();
	if (now < r->next_ms) {
		r->suppressed++;
		return;
	}
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r->suppressed)
		log_msg(lvl, "%s (and %lu more like it not logged since the last one)", msg,
			r->suppressed);
	else
		log_msg(lvl, "%s", msg);
	r->suppressed = 0;
	r->next_ms = now + 1000;
}

/* C's memory counted again against its uid (root's is not limited). */
static void client_account(struct client *c)
{
	size_t held = c->lb.cap + c->outcap;
	if (c->user) {
		c->user->bytes = c->user->bytes - c->held + held;
		c->x->clients.nonroot_bytes = c->x->clients.nonroot_bytes - c->held + held;
	}
	c->held = held;
}

/* Whether C's uid holds more than it may, with GROW bytes more for C. ERR
 * says what, for the log and the client. */
static bool over_budget(const struct client *c, size_t grow, char *err, size_t errlen)
{
	const struct clients *cl = &c->x->clients;
	if (!c->user)
		return false;
	if (c->user->bytes + grow > CLIENT_UID_MAX_BYTES) {
		snprintf(err, errlen,
			 "uid %lu holds %zu bytes of unfinished requests and unread answers on its "
			 "%u connection(s): over the limit of %u MiB per user other than root",
			 (unsigned long)c->uid, c->user->bytes + grow, c->user->conns,
			 CLIENT_UID_MAX_BYTES >> 20);
		return true;
	}
	if (cl->nonroot_bytes + grow > CLIENT_NONROOT_MAX_BYTES) {
		snprintf(err, errlen,
			 "users other than root hold %zu bytes of unfinished requests and unread "
			 "answers: over the limit of %u MiB for all of them",
			 cl->nonroot_bytes + grow, CLIENT_NONROOT_MAX_BYTES >> 20);
		return true;
	}
	return false;
}

static void client_close(struct client *c)
{
	struct xcdd *x = c->x;
	struct clients *cl = &x->clients;
	/* A create or destroy it waits for goes on; its result is logged. */
	rpc_client_gone(x, c);
	for (struct client **p = &cl->list; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	loop_del(x->loop, c->fd);
	close(c->fd);
	for (unsigned i = 0; i < c->nfds; i++)
		close(c->fds[i]);
	jsonrpc_linebuf_free(&c->lb);
	free(c->out);
	c->out = NULL;
	c->outcap = 0;
	client_account(c);
	if (c->user && --c->user->conns == 0)
		for (struct client_uid **p = &cl->uids; *p; p = &(*p)->next)
			if (*p == c->user) {
				*p = c->user->next;
				free(c->user);
				break;
			}
	free(c);
}

/* What the loop watches C for: its requests while it has none waiting and
 * reads its answers; a way out for its answers while any are queued. */
static void client_watch(struct client *c)
{
	bool lines = jsonrpc_linebuf_has_line(&c->lb);
	bool blocked = c->outlen > CLIENT_OUT_HIGH;
	uint32_t ev = (!c->eof && !lines && !blocked ? EPOLLIN : 0) | (c->outlen ? EPOLLOUT : 0);
	if (ev != c->events && loop_mod(c->x->loop, c->fd, ev) == 0)
		c->events = ev;
	if (lines && !blocked)
		c->x->clients.busy = true;
}

/* 0, or -EPIPE when the client is gone (the caller closes it). */
static int client_flush(struct client *c)
{
	size_t done = 0;
	while (done < c->outlen) {
		ssize_t n = send(c->fd, c->out + done, c->outlen - done, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)
			return -EPIPE;
		done += (size_t)n;
	}
	memmove(c->out, c->out + done, c->outlen - done);
	c->outlen -= done;
	if (c->outlen == 0 && c->outcap > CLIENT_OUT_KEEP) {
		free(c->out);
		c->out = NULL;
		c->outcap = 0;
		client_account(c);
	}
	client_watch(c);
	return 0;
}

/* Queues LEN bytes for C; ENFORCE: within C's limits. */
static int client_queue(struct client *c, const char *line, size_t len, bool enforce)
{
	char err[XCD_ERR_MAX];
	if (enforce && !c->user && c->outlen + len > CLIENT_MAX_OUT) {
		log_limited(&c->x->clients, CLIENT_WHY_DROPPED, LOG_LVL_WARN,
			    "client pid %d (uid %lu) reads too slowly (%zu bytes unread): "
			    "disconnected", (int)c->pid, (unsigned long)c->uid, c->outlen);
		return -EPIPE;
	}
	if (c->outlen + len > c->outcap) {
		size_t cap = (c->outlen + len) * 2;
		if (enforce && over_budget(c, cap - c->outcap, err, sizeof(err))) {
			log_limited(&c->x->clients, CLIENT_WHY_DROPPED, LOG_LVL_WARN,
				    "client pid %d: %s: disconnected", (int)c->pid, err);
			return -EPIPE;
		}
		char *p = realloc(c->out, cap);
		if (!p)
			return -ENOMEM;
		c->out = p;
		c->outcap = cap;
		client_account(c);
	}
	memcpy(c->out + c->outlen, line, len);
	c->outlen += len;
	return 0;
}

static int client_send(struct client *c, const char *line, size_t len)
{
	if (c->dead)
		return -EPIPE;
	int rc = client_queue(c, line, len, true);
	return rc < 0 ? rc : client_flush(c);
}

/* The error that ends C's connection, sent as well as it can be: after what
 * is queued, whatever C's limits (the caller closes C). */
static void client_last_word(struct client *c, int code, const char *why)
{
	struct jsonrpc_error e;
	struct jsonrpc_id id = { JSONRPC_ID_NULL, NULL };
	jsonrpc_error_set(&e, code, NULL, "%s", why);
	char *out = NULL;
	size_t len = 0;
	if (!c->dead && jsonrpc_gen_error(&id, &e, &out, &len) == 0 &&
	    client_queue(c, out, len, false) == 0 && client_flush(c) < 0)
		log_debug("client pid %d: could not tell it why it is disconnected", (int)c->pid);
	free(out);
}

/* x->send_to: an answer that was owed (rpc_pending). */
void clients_send_owed(struct xcdd *x, struct client *c, const char *line, size_t len)
{
	if (client_send(c, line, len) < 0)
		c->dead = true;
}

struct state_arg {
	const struct dm_domain *d;
	const char *state;
};

static int gen_state(yajl_gen g, void *arg)
{
	struct state_arg *a = arg;
	const char *k1 = "domid", *k2 = "name", *k3 = "state";
	if (yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    yajl_gen_string(g, (const unsigned char *)k1, strlen(k1)) ||
	    yajl_gen_integer(g, a->d->domid) ||
	    yajl_gen_string(g, (const unsigned char *)k2, strlen(k2)) ||
	    yajl_gen_string(g, (const unsigned char *)a->d->name, strlen(a->d->name)) ||
	    yajl_gen_string(g, (const unsigned char *)k3, strlen(k3)) ||
	    yajl_gen_string(g, (const unsigned char *)a->state, strlen(a->state)))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

/* METHOD's notification, its params made by FN, to every client. */
static void notify_all(struct xcdd *x, const char *method, jsonrpc_value_fn *fn, void *arg)
{
	char *line = NULL;
	size_t len = 0;
	if (jsonrpc_gen_notification(method, fn, arg, &line, &len) < 0) {
		free(line);
		return;
	}
	clients_broadcast(x, line, len);
	free(line);
}

void clients_broadcast(struct xcdd *x, const char *line, size_t len)
{
	for (struct client *c = x->clients.list, *next; c; c = next) {
		next = c->next;
		if (client_send(c, line, len) < 0)
			c->dead = true;
	}
}

void xcdd_notify_state(struct xcdd *x, const struct dm_domain *d, const char *state)
{
	struct state_arg a = { d, state };
	notify_all(x, "domain.state", gen_state, &a);
}

void clients_dm_changed(struct dm *m, const struct dm_domain *d, const char *state, void *arg)
{
	xcdd_notify_state(arg, d, state);
}

struct progress_arg {
	const struct dm_domain *d;
	const char *op;
	uint64_t done, total;
	const struct dm_migration_info *mig;
};

static int gen_progress(yajl_gen g, void *arg)
{
	struct progress_arg *a = arg;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok || jw_kv_int(g, "domid", a->d->domid) ||
	    jw_kv_str(g, "name", a->d->name) || jw_kv_str(g, "operation", a->op) ||
	    jw_kv_int(g, "done", (long long)a->done) || jw_kv_int(g, "total", (long long)a->total) ||
	    jw_kv_str(g, "unit", "pages"))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

/* A save's or restore's progress: a domain.progress notification to every
 * client (xcd save draws it; xcd monitor prints it). */
void clients_dm_progress(struct dm *m, const struct dm_domain *d, const char *op, uint64_t done,
			 uint64_t total, void *arg)
{
	struct progress_arg a = { d, op, done, total, NULL };
	(void)m;
	notify_all(arg, "domain.progress", gen_progress, &a);
}

static int gen_migration(yajl_gen g, void *arg)
{
	const struct progress_arg *a = arg;
	const struct dm_migration_info *i = a->mig;
	double mbs = i->p.rate / 1e6, pred = i->p.predicted_ms;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok || jw_kv_int(g, "domid", a->d->domid) ||
	    jw_kv_str(g, "name", a->d->name) || jw_kv_str(g, "phase", i->phase) ||
	    jw_kv_int(g, "round", i->p.round) || jw_str(g, "final") ||
	    yajl_gen_bool(g, i->p.final) != yajl_gen_status_ok ||
	    jw_kv_int(g, "round_done", (long long)i->p.round_done) ||
	    jw_kv_int(g, "round_pages", (long long)i->p.round_pages) ||
	    jw_kv_int(g, "pages_left", (long long)i->p.left) || jw_str(g, "rate_mbs") ||
	    yajl_gen_double(g, mbs) != yajl_gen_status_ok || jw_str(g, "predicted_downtime_ms") ||
	    yajl_gen_double(g, pred) != yajl_gen_status_ok ||
	    jw_kv_int(g, "bytes", (long long)i->p.bytes) || jw_kv_int(g, "throttle", i->p.throttle) ||
	    (!strcmp(i->phase, "queued") && jw_kv_int(g, "ahead", i->ahead)))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

/* How a migration goes: a domain.migration notification to every client
 * (xcd migrate draws it; xcd monitor prints it). */
void clients_dm_migration(struct dm *m, const struct dm_domain *d,
			  const struct dm_migration_info *i, void *arg)
{
	struct progress_arg a = { .d = d, .mig = i };
	(void)m;
	notify_all(arg, "domain.migration", gen_migration, &a);
}

/* Returns -1 when the client must be closed. */
static int client_line(struct client *c, const char *line, size_t len)
{
	char *out = NULL;
	size_t outlen = 0;
	int rc = rpc_answer_line(c->x, c, c->access, line, len, &out, &outlen);
	if (rc == 0 && out)
		rc = client_send(c, out, outlen);
	free(out);
	return rc < 0 ? -1 : 0;
}

static void client_too_long(struct client *c)
{
	char why[XCD_ERR_MAX];
	snprintf(why, sizeof(why),
		 "request line longer than %u bytes (1 MiB), the limit: connection closed",
		 (unsigned)JSONRPC_MAX_LINE);
	client_last_word(c, JSONRPC_INVALID_REQUEST, why);
	log_limited(&c->x->clients, CLIENT_WHY_DROPPED, LOG_LVL_WARN,
		    "client pid %d (uid %lu): %s", (int)c->pid, (unsigned long)c->uid, why);
}

/* Done with: it sent all it will, had its answers and took them. */
static bool client_done(const struct client *c)
{
	return c->eof && !jsonrpc_linebuf_has_line(&c->lb) && c->outlen == 0;
}

/* One turn of C: at most CLIENT_BATCH of its requests answered, fewer when
 * it does not read the answers. -1 when C must be closed. */
static int client_turn(struct client *c)
{
	char err[XCD_ERR_MAX], *line;
	size_t len;
	for (int i = 0; i < CLIENT_BATCH && c->outlen <= CLIENT_OUT_HIGH; i++) {
		int r = jsonrpc_linebuf_next(&c->lb, &line, &len, err, sizeof(err));
		if (r == 0)
			break;
		if (r < 0) {
			client_too_long(c);
			return -1;
		}
		if (client_line(c, line, len) < 0 || c->dead)
			return -1;
	}
	if (!jsonrpc_linebuf_has_line(&c->lb)) {
		jsonrpc_linebuf_shrink(&c->lb);
		client_account(c);
	}
	if (client_done(c))
		return -1;
	client_watch(c);
	return 0;
}

/* One read at most: what is left of a long stream of requests waits in the
 * kernel until these are answered. -1 when C must be closed. */
/* Descriptors that came with C's bytes: root's kept (CLIENT_MAX_FDS at
 * most), anyone else's closed at once. */
static void client_keep_fds(struct client *c, const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (c->access == PEERCRED_FULL && c->nfds < CLIENT_MAX_FDS) {
			c->fds[c->nfds++] = fds[i];
			continue;
		}
		close(fds[i]);
		log_limited(&c->x->clients, CLIENT_WHY_DROPPED, LOG_LVL_WARN,
			    "client pid %d (uid %lu) passed a descriptor it may not pass: closed",
			    (int)c->pid, (unsigned long)c->uid);
	}
}

unsigned clients_take_fds(struct client *c, int *fds, unsigned max)
{
	unsigned n = c->nfds < max ? c->nfds : max;
	memcpy(fds, c->fds, n * sizeof(int));
	memmove(c->fds, c->fds + n, (c->nfds - n) * sizeof(int));
	c->nfds -= n;
	return n;
}

static int client_read(struct client *c)
{
	char err[XCD_ERR_MAX];
	int fds[8];
	size_t nfds = 0;
	ssize_t n = jsonrpc_linebuf_recv(&c->lb, c->fd, fds, 8, &nfds, err, sizeof(err));
	client_keep_fds(c, fds, nfds);
	client_account(c);
	if (n == -EAGAIN)
		return 0;
	if (n == -EMSGSIZE) {
		client_too_long(c);
		return -1;
	}
	if (n < 0) {
		if (n != -ECONNRESET)
			log_limited(&c->x->clients, CLIENT_WHY_DROPPED, LOG_LVL_WARN,
				    "client pid %d: %s", (int)c->pid, err);
		return -1;
	}
	if (n == 0) {
		c->eof = true;
		return 0;
	}
	if (over_budget(c, 0, err, sizeof(err))) {
		char why[XCD_ERR_MAX + 32]; /* ERR and what follows it */
		snprintf(why, sizeof(why), "%s: connection closed", err);
		client_last_word(c, XCDD_ERR_LIMIT, why);
		log_limited(&c->x->clients, CLIENT_WHY_LIMIT, LOG_LVL_WARN, "client pid %d: %s",
			    (int)c->pid, why);
		return -1;
	}
	return 0;
}

static void client_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct client *c = arg;
	/* A hang-up is reported whatever was asked for: what is queued goes
	 * (or the send finds the client gone). */
	if (c->dead || ((events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) && c->outlen &&
			client_flush(c) < 0))
		goto close;
	if ((c->events & EPOLLIN) && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) &&
	    client_read(c) < 0)
		goto close;
	if (client_turn(c) < 0)
		goto close;
	return;
close:
	client_close(c);
}

void clients_idle(void *arg)
{
	struct xcdd *x = arg;
	struct clients *cl = &x->clients;
	struct client *c, *next;
	cl->busy = false;
	for (c = cl->list; c; c = c->next)
		if (!c->dead && jsonrpc_linebuf_has_line(&c->lb) && c->outlen <= CLIENT_OUT_HIGH &&
		    client_turn(c) < 0)
			c->dead = true;
	/* The clients found dead since (by this step or by another's request). */
	for (c = cl->list; c; c = next) {
		next = c->next;
		if (c->dead)
			client_close(c);
	}
	if (cl->listen_paused && mono_ms() >= cl->listen_paused_until_ms &&
	    loop_mod(x->loop, x->listen_fd, EPOLLIN) == 0)
		cl->listen_paused = false;
	/* Requests wait in some connection's buffer: no sleep in epoll. */
	loop_set_timeout(x->loop, cl->busy ? 0 : cl->listen_paused ? LISTEN_PAUSE_MS : -1, NULL,
			 NULL);
}

static void refuse(int fd, int code, const char *why)
{
	struct jsonrpc_error e;
	struct jsonrpc_id id = { JSONRPC_ID_NULL, NULL };
	jsonrpc_error_set(&e, code, NULL, "%s", why);
	char *out = NULL;
	size_t len = 0;
	/* Said as well as it can be, never logged: any local user can make
	 * this fail as often as they connect (the refusal is logged, limited). */
	if (jsonrpc_gen_error(&id, &e, &out, &len) == 0)
		(void)send(fd, out, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	free(out);
	close(fd);
}

/* Descriptors open in this process; -1 when they cannot be counted (the
 * count itself needs one). */
static long open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	long n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own */
}

/* Whether uid UID (not root) may have one more connection: 0 and *USER (its
 * entry, made if new), or -EUSERS with ERR saying which limit. */
static int nonroot_admit(struct clients *cl, uid_t uid, struct client_uid **user, char *err,
			 size_t errlen)
{
	struct client_uid *u;
	for (u = cl->uids; u && u->uid != uid; u = u->next)
		;
	if (u && u->conns >= CLIENT_UID_MAX_CONNS) {
		snprintf(err, errlen,
			 "uid %lu has %u connections to xcdd already, the most a user other than "
			 "root may have: close some", (unsigned long)uid, u->conns);
		return -EUSERS;
	}
	if (u && u->bytes >= CLIENT_UID_MAX_BYTES) {
		snprintf(err, errlen,
			 "uid %lu holds %zu bytes of unfinished requests and unread answers, the "
			 "most a user other than root may: read the answers or close connections",
			 (unsigned long)uid, u->bytes);
		return -EUSERS;
	}
	struct rlimit rl;
	long open = open_fds();
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (open < 0 || (unsigned long long)open + CLIENT_FD_RESERVE >= rl.rlim_cur)) {
		snprintf(err, errlen,
			 "xcdd has %ld of its %llu file descriptors in use; the last %d are kept "
			 "for root: try again later", open, (unsigned long long)rl.rlim_cur,
			 CLIENT_FD_RESERVE);
		return -EUSERS;
	}
	if (!u) {
		if (!(u = calloc(1, sizeof(*u)))) {
			snprintf(err, errlen, "xcdd is out of memory");
			return -ENOMEM;
		}
		u->uid = uid;
		u->next = cl->uids;
		cl->uids = u;
	}
	*user = u;
	return 0;
}

void clients_accept_cb(struct loop *l, int lfd, uint32_t events, void *arg)
{
	struct xcdd *x = arg;
	struct clients *cl = &x->clients;
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
			/* The pending connection stays: the socket would wake the
			 * loop at once, again and again. */
			log_limited(cl, CLIENT_WHY_ACCEPT, LOG_LVL_ERR,
				    "accept: %s: new connections wait", strerror(e));
			if (loop_mod(x->loop, lfd, 0) == 0) {
				cl->listen_paused = true;
				cl->listen_paused_until_ms = mono_ms() + LISTEN_PAUSE_MS;
			}
		} else if (e != EAGAIN && e != EINTR && e != ECONNABORTED) {
			log_limited(cl, CLIENT_WHY_ACCEPT, LOG_LVL_WARN, "accept: %s", strerror(e));
		}
		return;
	}
	struct peercred pc;
	enum peercred_access access = PEERCRED_REFUSED;
	char err[XCD_ERR_MAX] = "";
	int r = peercred_get(fd, &pc, err, sizeof(err));
	if (r == 0) {
		r = peercred_decide(&pc, XCDD_GROUP, NULL, &access, err, sizeof(err));
		peercred_free(&pc);
	}
	if (r < 0) {
		log_limited(cl, CLIENT_WHY_REFUSED, LOG_LVL_INFO, "connection refused: %s", err);
		refuse(fd, XCDD_ERR_ACCESS, err);
		return;
	}
	struct client_uid *user = NULL;
	if (access != PEERCRED_FULL &&
	    nonroot_admit(cl, pc.uid, &user, err, sizeof(err)) < 0) {
		log_limited(cl, CLIENT_WHY_LIMIT, LOG_LVL_WARN, "connection of pid %ld refused: %s",
			    (long)pc.pid, err);
		refuse(fd, XCDD_ERR_LIMIT, err);
		return;
	}
	struct client *c = calloc(1, sizeof(*c));
	if (!c || loop_add(x->loop, fd, EPOLLIN, client_cb, c) < 0) {
		free(c);
		if (user && user->conns == 0) {
			/* the entry nonroot_admit just made */
			cl->uids = user->next;
			free(user);
		}
		close(fd);
		return;
	}
	c->x = x;
	c->fd = fd;
	c->access = access;
	c->pid = pc.pid;
	c->uid = pc.uid;
	c->user = user;
	c->events = EPOLLIN;
	if (user)
		user->conns++;
	jsonrpc_linebuf_init(&c->lb, JSONRPC_MAX_LINE);
	c->next = cl->list;
	cl->list = c;
	log_debug("client pid %d uid %d: %s access", (int)pc.pid, (int)pc.uid,
		  peercred_access_name(access));
}

void clients_close_all(struct xcdd *x)
{
	while (x->clients.list)
		client_close(x->clients.list);
}
