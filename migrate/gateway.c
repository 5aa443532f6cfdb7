/* gateway: the receiving side of the TCP transport (tcp.h). Each
 * connection gets a thread of its own, bounded in number and in time
 * until its hello: the plain-text check, the TLS 1.3 handshake with this
 * host's credential (read again for each connection, so that a new one or
 * a new trusted peer counts at once), the peer's credential checked, the
 * hello. An open makes a migration and its thread runs it (relay_recv.c)
 * once its data connections joined; a join hands its connection to the
 * migration of its token, opened by the same host. */
#include "relay_recv.h"
#include "../lib/fdio.h"
#include "../lib/log.h"
#include <errno.h>
#include <poll.h>
#include <gnutls/crypto.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Refusals logged at most this many a second (a flood is counted). */
#define LOG_BURST 10
/* Connections from one address not through their hello yet, at most: one
 * peer cannot take every place (the others' migrations go on). */
#define PENDING_PER_ADDR 4

/* An address with connections not through their hello yet. */
struct pend {
	char ip[INET6_ADDRSTRLEN];
	unsigned n;
};

struct gw {
	int listen;
	const char *dir;
	unsigned timeout_ms, max_pending, max_migrations;
	mig_tcp_deliver_fn *deliver;
	void *arg;
	pthread_mutex_t mu;
	pthread_cond_t joined; /* a join came */
	unsigned pending, migrations;
	struct pend *pend; /* max_pending of them; n 0: free */
	struct rmig *migs;
	time_t log_second;
	unsigned logged, quiet;
};

struct conn_arg {
	struct gw *g;
	int fd;
	char ip[INET6_ADDRSTRLEN];
};

/* A refusal in the log, LOG_BURST a second at most. */
static void refused(struct gw *g, const char *addr, const char *why)
{
	pthread_mutex_lock(&g->mu);
	time_t now = time(NULL);
	unsigned quiet = 0;
	if (now != g->log_second) {
		quiet = g->quiet;
		g->log_second = now;
		g->logged = g->quiet = 0;
	}
	bool say = g->logged < LOG_BURST;
	if (say)
		g->logged++;
	else
		g->quiet++;
	pthread_mutex_unlock(&g->mu);
	if (quiet)
		log_warn("%u more migration connections were refused", quiet);
	if (say)
		log_warn("migration connection from %s refused: %s", addr,
			 strncmp(why, "refused: ", 9) ? why : why + 9);
}

/* FD's peer's address, without its port. */
static void peer_ip(int fd, char *ip, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	snprintf(ip, len, "?");
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
		getnameinfo((struct sockaddr *)&ss, sl, ip, (socklen_t)len, NULL, 0, NI_NUMERICHOST);
}

/* A place for a connection from IP until its hello: NULL (taken), or why
 * not (too many in all, or from IP). */
static const char *pending_take(struct gw *g, const char *ip)
{
	const char *why = NULL;
	struct pend *mine = NULL, *free_one = NULL;
	pthread_mutex_lock(&g->mu);
	for (unsigned i = 0; i < g->max_pending; i++) {
		if (g->pend[i].n && !strcmp(g->pend[i].ip, ip))
			mine = &g->pend[i];
		else if (!g->pend[i].n && !free_one)
			free_one = &g->pend[i];
	}
	if (g->pending >= g->max_pending)
		why = "too many connections are in their handshake";
	else if (mine && mine->n >= PENDING_PER_ADDR)
		why = "too many connections from that address are in their handshake";
	else {
		if (!mine) {
			mine = free_one;
			snprintf(mine->ip, sizeof(mine->ip), "%s", ip);
		}
		mine->n++;
		g->pending++;
	}
	pthread_mutex_unlock(&g->mu);
	return why;
}

static void pending_give(struct gw *g, const char *ip)
{
	pthread_mutex_lock(&g->mu);
	for (unsigned i = 0; i < g->max_pending; i++)
		if (g->pend[i].n && !strcmp(g->pend[i].ip, ip)) {
			g->pend[i].n--;
			break;
		}
	g->pending--;
	pthread_mutex_unlock(&g->mu);
}

static void conn_close(struct rconn *k, bool bye)
{
	mig_tls_end(&k->t, bye);
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
	if (k->cred)
		gnutls_certificate_free_credentials(k->cred);
	k->cred = NULL;
}

/* SRC's connection becomes DST's (SRC is left with none). */
static void conn_move(struct rconn *dst, struct rconn *src)
{
	*dst = *src;
	dst->t.self = &dst->self;
	if (dst->t.s)
		gnutls_session_set_ptr(dst->t.s, &dst->t);
	src->fd = -1;
	src->t.s = NULL;
	src->cred = NULL;
}

/* A refused connection closed so that its alert or answer reaches the
 * peer: closed with bytes of the peer's unread, a socket would be reset,
 * and the reset can drop what was sent before it. So the writing side is
 * shut, and the peer's bytes read and dropped until it closes (a second
 * at most). */
static void conn_linger(struct rconn *k)
{
	mig_tls_end(&k->t, false);
	if (k->fd >= 0) {
		shutdown(k->fd, SHUT_WR);
		long long end = (long long)mono_ms() + 1000;
		char buf[4096];
		for (long long left; (left = end - (long long)mono_ms()) > 0;) {
			struct pollfd p = { k->fd, POLLIN, 0 };
			if (poll(&p, 1, (int)left) <= 0 || read(k->fd, buf, sizeof(buf)) <= 0)
				break;
		}
	}
	conn_close(k, false);
}

static void answer(struct rconn *k, const char *line)
{
	char e[128];
	mig_tls_send(&k->t, line, strlen(line), e, sizeof(e));
}

/* ---- the migrations ---- */

/* OPEN from K's peer: a new migration, in the list, or NULL (said). */
static struct rmig *open_mig(struct gw *g, struct rconn *k, const struct mig_hello *h,
			     const char *addr)
{
	struct rmig *m = calloc(1, sizeof(*m));
	unsigned char rnd[MIG_TOKEN_LEN / 2];
	char line[160];
	if (!m || gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof(rnd)) < 0) {
		free(m);
		answer(k, "refused out of memory\n");
		return NULL;
	}
	for (unsigned i = 0; i < sizeof(rnd); i++)
		snprintf(m->token + 2 * i, 3, "%02x", rnd[i]);
	pthread_mutex_lock(&g->mu);
	bool room = g->migrations < g->max_migrations;
	if (room)
		g->migrations++;
	pthread_mutex_unlock(&g->mu);
	if (!room) {
		snprintf(line, sizeof(line), "refused this host takes %u migrations at once; it has "
			 "as many: try again later\n", g->max_migrations);
		answer(k, line);
		refused(g, addr, "as many migrations as it takes run already");
		free(m);
		return NULL;
	}
	m->streams = h->streams;
	m->paused = h->paused;
	m->timeout_ms = g->timeout_ms;
	for (unsigned i = 0; i < MIG_MUX_MAX_STREAMS; i++)
		m->data[i].fd = -1;
	m->peer.cred = k->t.peer;
	m->peer.streams = h->streams;
	m->peer.devices = k->t.devices;
	snprintf(m->peer.address, sizeof(m->peer.address), "%s", addr);
	mig_tls_cipher(&k->t, m->peer.cipher, sizeof(m->peer.cipher));
	conn_move(&m->ctl, k);
	k = &m->ctl;
	pthread_mutex_lock(&g->mu);
	m->next = g->migs;
	g->migs = m;
	pthread_mutex_unlock(&g->mu);
	snprintf(line, sizeof(line), "ok %s\n", m->token);
	answer(k, line);
	return m;
}

/* JOIN from K's peer: its connection given to its migration (K is then
 * the migration's), or refused. */
static void join_mig(struct gw *g, struct rconn *k, const struct mig_hello *h, const char *addr)
{
	pthread_mutex_lock(&g->mu);
	struct rmig *m = g->migs;
	while (m && strcmp(m->token, h->token) != 0)
		m = m->next;
	const char *why = !m ? "no migration has that token"
			  : strcmp(m->peer.cred.fingerprint, k->t.peer.fingerprint) ? "the migration "
			  "of that token is another host's"
			  : m->closed ? "the migration of that token takes no more connections"
			  : h->index >= m->streams || m->data[h->index].fd >= 0 ? "no such data "
			  "connection is awaited" : NULL;
	if (!why) {
		answer(k, "ok\n");
		conn_move(&m->data[h->index], k);
		m->joined++;
		pthread_cond_broadcast(&g->joined);
	}
	pthread_mutex_unlock(&g->mu);
	if (why) {
		char line[160];
		snprintf(line, sizeof(line), "refused %s\n", why);
		answer(k, line);
		refused(g, addr, why);
		conn_linger(k);
	}
}

/* M's data connections, within the time limit: 0, or -1 (the migration
 * then takes no more). */
static int await_joins(struct gw *g, struct rmig *m)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += g->timeout_ms / 1000;
	ts.tv_nsec += (long)(g->timeout_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&g->mu);
	while (m->joined < m->streams &&
	       pthread_cond_timedwait(&g->joined, &g->mu, &ts) == 0)
		;
	bool all = m->joined == m->streams;
	m->closed = true;
	pthread_mutex_unlock(&g->mu);
	return all ? 0 : -1;
}

/* M over: out of the list, its connections closed. */
static void end_mig(struct gw *g, struct rmig *m)
{
	pthread_mutex_lock(&g->mu);
	for (struct rmig **p = &g->migs; *p; p = &(*p)->next)
		if (*p == m) {
			*p = m->next;
			break;
		}
	g->migrations--;
	pthread_mutex_unlock(&g->mu);
	conn_close(&m->ctl, true);
	for (unsigned i = 0; i < MIG_MUX_MAX_STREAMS; i++)
		conn_close(&m->data[i], false);
	free(m);
}

static void run_mig(struct gw *g, struct rmig *m)
{
	if (await_joins(g, m) < 0) {
		char e[160];
		snprintf(e, sizeof(e), "only %u of %u data connections came within %u ms",
			 m->joined, m->streams, g->timeout_ms);
		refused(g, m->peer.address, e);
		uint8_t hdr[MIG_BACK_HDR];
		char se[64];
		mig_back_encode(MIG_BACK_NOTE, (uint32_t)strlen(e), hdr);
		if (mig_tls_send(&m->ctl.t, hdr, sizeof(hdr), se, sizeof(se)) == 0)
			mig_tls_send(&m->ctl.t, e, strlen(e), se, sizeof(se));
	} else {
		log_info("receiving a migration from %s (%s) at %s over %u data connection(s), %s",
			 m->peer.cred.name, m->peer.cred.fingerprint, m->peer.address, m->streams,
			 m->peer.cipher);
		mig_rmig_run(m, g->deliver, g->arg);
	}
	end_mig(g, m);
}

/* ---- a connection, until its hello ---- */

/* K's TLS and hello: 0 with *H, or -1 (refused, logged, K closed). */
static int greet(struct gw *g, struct rconn *k, const char *addr, struct mig_hello *h)
{
	gnutls_certificate_credentials_t cred;
	char e[768], line[MIG_HELLO_MAX + 1];
	int rc = mig_cred_load(g->dir, &cred, &k->self, e, sizeof(e));
	if (rc < 0) {
		refused(g, addr, e);
		conn_close(k, false);
		return -1;
	}
	k->cred = cred; /* the session uses them: freed when it ends */
	rc = mig_tls_server(&k->t, k->fd, cred, &k->self, g->dir, g->timeout_ms, e, sizeof(e));
	if (rc == 0) {
		mig_tls_recv_timeout(&k->t, g->timeout_ms);
		if ((rc = mig_tls_recv_line(&k->t, line, MIG_HELLO_MAX, e, sizeof(e))) >= 0)
			rc = mig_hello_parse(line, (size_t)rc, h, e, sizeof(e));
		mig_tls_recv_timeout(&k->t, 0);
		if (rc < 0)
			answer(k, "refused the hello is not understood\n");
	}
	if (rc < 0) {
		char who[MIG_ADDR_MAX + MIG_CRED_NAME_MAX + 8];
		snprintf(who, sizeof(who), "%s%s%s", addr, k->t.peer.name[0] ? " " : "",
			 k->t.peer.name[0] && !mig_cred_name_check(k->t.peer.name, line,
								    sizeof(line))
				 ? k->t.peer.name : "");
		refused(g, who, e);
		conn_linger(k);
		return -1;
	}
	return 0;
}

static void *conn_thread(void *arg)
{
	struct conn_arg a = *(struct conn_arg *)arg;
	struct gw *g = a.g;
	struct rconn k = { .fd = a.fd };
	struct mig_hello h;
	char addr[MIG_ADDR_MAX];
	free(arg);
	mig_sock_tune(k.fd);
	mig_sock_peer(k.fd, addr, sizeof(addr));
	int rc = greet(g, &k, addr, &h);
	pending_give(g, a.ip);
	if (rc < 0)
		return NULL;
	if (h.kind == MIG_HELLO_JOIN) {
		join_mig(g, &k, &h, addr);
	} else {
		struct rmig *m = open_mig(g, &k, &h, addr);
		if (m)
			run_mig(g, m);
		else
			conn_linger(&k);
	}
	return NULL;
}

int mig_tcp_gateway(int listen, const struct mig_tcp_gw_opts *o, mig_tcp_deliver_fn *deliver,
		    void *arg)
{
	struct gw g = { .listen = listen, .dir = o->cred_dir, .deliver = deliver, .arg = arg,
			.timeout_ms = o->timeout_ms ? o->timeout_ms : MIG_TCP_TIMEOUT_MS_DEFAULT,
			.max_pending = o->max_pending ? o->max_pending : 64,
			.max_migrations = o->max_migrations ? o->max_migrations : 4 };
	if (!(g.pend = calloc(g.max_pending, sizeof(*g.pend))))
		return -ENOMEM;
	pthread_attr_t attr;
	pthread_mutex_init(&g.mu, NULL);
	pthread_cond_init(&g.joined, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		int fd = accept4(listen, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED || errno == EPROTO))
			continue;
		if (fd < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			       errno == ENOMEM)) {
			usleep(100000);
			continue;
		}
		if (fd < 0) {
			int rc = -errno;
			free(g.pend);
			return rc;
		}
		char addr[MIG_ADDR_MAX], ip[INET6_ADDRSTRLEN];
		peer_ip(fd, ip, sizeof(ip));
		const char *why = pending_take(&g, ip);
		struct conn_arg *a = why ? NULL : malloc(sizeof(*a));
		pthread_t t;
		if (a) {
			*a = (struct conn_arg){ .g = &g, .fd = fd };
			snprintf(a->ip, sizeof(a->ip), "%s", ip);
			if (pthread_create(&t, &attr, conn_thread, a) == 0)
				continue;
			free(a);
		}
		if (!why) {
			pending_give(&g, ip);
			why = "no thread for it";
		}
		refused(&g, mig_sock_peer(fd, addr, sizeof(addr)), why);
		close(fd);
	}
}
