/*
 * clients: xcdd's JSON-RPC connections on RUNDIR/xcd.sock: who is let in
 * (SO_PEERCRED), their requests in, their answers and the domain.state
 * notifications out.
 */
#include "../lib/log.h"
#include "../lib/loop.h"
#include "clients.h"
#include "xcdd.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A client that does not read its notifications is dropped past this. */
#define CLIENT_MAX_OUT (16u << 20)

struct client {
	struct xcdd *x;
	int fd;
	enum peercred_access access;
	struct peercred cred;
	struct jsonrpc_linebuf lb;
	char *out;
	size_t outlen, outcap;
	bool want_out;
	/* Could not be written to: closed from the loop's idle step, never
	 * under a caller that may still hold it (a notification sent while
	 * its own request runs, an owed answer sent from another's request). */
	bool dead;
	struct client *next;
};

static void client_close(struct client *c)
{
	struct xcdd *x = c->x;
	/* A create or destroy it waits for goes on; its result is logged. */
	rpc_client_gone(x, c);
	for (struct client **p = &x->clients; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	loop_del(x->loop, c->fd);
	close(c->fd);
	jsonrpc_linebuf_free(&c->lb);
	free(c->out);
	free(c);
}

/* 0, or -EPIPE when the client is gone or too slow (the caller closes it). */
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
	bool want = c->outlen > 0;
	if (want != c->want_out) {
		loop_mod(c->x->loop, c->fd, EPOLLIN | (want ? EPOLLOUT : 0));
		c->want_out = want;
	}
	return 0;
}

static int client_send(struct client *c, const char *line, size_t len)
{
	if (c->dead)
		return -EPIPE;
	if (c->outlen + len > CLIENT_MAX_OUT) {
		log_warn("client pid %d reads too slowly: disconnected", (int)c->cred.pid);
		return -EPIPE;
	}
	if (c->outlen + len > c->outcap) {
		size_t cap = (c->outlen + len) * 2;
		char *p = realloc(c->out, cap);
		if (!p)
			return -ENOMEM;
		c->out = p;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, line, len);
	c->outlen += len;
	return client_flush(c);
}

/* x->send_to: an answer that was owed (rpc_pending). */
void clients_send_owed(struct xcdd *x, struct client *c, const char *line, size_t len)
{
	if (client_send(c, line, len) < 0)
		c->dead = true;
}

/* The loop's idle step: the clients found dead since. */
void clients_idle(void *arg)
{
	struct xcdd *x = arg;
	struct client *c, *next;
	for (c = x->clients; c; c = next) {
		next = c->next;
		if (c->dead)
			client_close(c);
	}
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

void xcdd_notify_state(struct xcdd *x, const struct dm_domain *d, const char *state)
{
	struct state_arg a = { d, state };
	char *line = NULL;
	size_t len = 0;
	if (jsonrpc_gen_notification("domain.state", gen_state, &a, &line, &len) < 0)
		return;
	struct client *c, *next;
	for (c = x->clients; c; c = next) {
		next = c->next;
		if (client_send(c, line, len) < 0)
			c->dead = true;
	}
	free(line);
}

void clients_dm_changed(struct dm *m, const struct dm_domain *d, const char *state, void *arg)
{
	xcdd_notify_state(arg, d, state);
}

/* Returns -1 when the client must be closed. */
static int client_line(struct client *c, const char *line, size_t len)
{
	struct jsonrpc_message m;
	struct jsonrpc_error e = { 0 };
	char *out = NULL;
	size_t outlen = 0;
	int rc = jsonrpc_request_parse(line, len, &m, &e);
	if (rc < 0)
		rc = jsonrpc_gen_error(&m.id, &e, &out, &outlen);
	else if (m.kind == JSONRPC_REQUEST)
		rc = rpc_dispatch(c->x, c, c->access, &m, &out, &outlen);
	else
		log_debug("notification %s from pid %d ignored", m.method, (int)c->cred.pid);
	jsonrpc_message_free(&m);
	if (rc == 0 && out)
		rc = client_send(c, out, outlen);
	free(out);
	return rc < 0 ? -1 : 0;
}

static void client_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct client *c = arg;
	char err[256];
	if (c->dead || ((events & EPOLLOUT) && client_flush(c) < 0))
		goto close;
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	for (;;) {
		ssize_t n = jsonrpc_linebuf_read(&c->lb, fd, err, sizeof(err));
		if (n == -EAGAIN)
			return;
		if (n < 0) {
			if (n != -ECONNRESET)
				log_warn("client pid %d: %s", (int)c->cred.pid, err);
			goto close;
		}
		char *line;
		size_t len;
		int r;
		while ((r = jsonrpc_linebuf_next(&c->lb, &line, &len, err, sizeof(err))) == 1)
			if (client_line(c, line, len) < 0 || c->dead)
				goto close;
		if (r < 0) {
			log_warn("client pid %d: %s", (int)c->cred.pid, err);
			goto close;
		}
		if (n == 0)
			goto close;
	}
close:
	client_close(c);
}

static void refuse(int fd, const char *why)
{
	struct jsonrpc_error e;
	struct jsonrpc_id id = { JSONRPC_ID_NULL, NULL };
	jsonrpc_error_set(&e, XCDD_ERR_ACCESS, NULL, "%s", why);
	char *out = NULL;
	size_t len = 0;
	if (jsonrpc_gen_error(&id, &e, &out, &len) == 0 &&
	    send(fd, out, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("could not tell a refused client why: %s", strerror(errno));
	free(out);
	close(fd);
}

void clients_accept_cb(struct loop *l, int lfd, uint32_t events, void *arg)
{
	struct xcdd *x = arg;
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("accept: %s", strerror(errno));
		return;
	}
	struct peercred pc;
	enum peercred_access access = PEERCRED_REFUSED;
	char err[256] = "";
	if (peercred_get(fd, &pc, err, sizeof(err)) < 0 ||
	    peercred_decide(&pc, XCDD_GROUP, NULL, &access, err, sizeof(err)) < 0) {
		log_info("connection refused: %s", err);
		refuse(fd, err);
		return;
	}
	struct client *c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->x = x;
	c->fd = fd;
	c->access = access;
	c->cred = pc;
	jsonrpc_linebuf_init(&c->lb, JSONRPC_MAX_LINE);
	if (loop_add(x->loop, fd, EPOLLIN, client_cb, c) < 0) {
		jsonrpc_linebuf_free(&c->lb);
		free(c);
		close(fd);
		return;
	}
	c->next = x->clients;
	x->clients = c;
	log_debug("client pid %d uid %d: %s access", (int)pc.pid, (int)pc.uid,
		  peercred_access_name(access));
}

void clients_close_all(struct xcdd *x)
{
	while (x->clients)
		client_close(x->clients);
}
