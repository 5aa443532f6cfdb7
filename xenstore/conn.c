/* conn: message framing, output queues and flow control of a connection,
 * whatever carries it (socket, shared ring, memory for tests). */
#include "server.h"
#include "../lib/log.h"
#include "../lib/loop.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct xs_conn *conn_new(struct xs_server *s, enum xs_conn_kind kind,
			 const struct xs_conn_ops *ops, void *priv, int fd)
{
	struct xs_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->srv = s;
	c->id = ++s->next_conn_id;
	c->kind = kind;
	c->ops = ops;
	c->priv = priv;
	c->fd = fd;
	c->target = -1;
	c->privileged = kind != XS_CONN_DOMAIN;
	c->next_txid = 1;
	c->reading = true;
	c->next = s->conns;
	s->conns = c;
	return c;
}

void conn_free(struct xs_conn *c)
{
	struct xs_server *s = c->srv;
	for (struct xs_conn **p = &s->conns; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	if (s->lu_conn == c)
		s->lu_conn = NULL;
	conn_forget_session(c);
	while (c->out_head) {
		struct xs_out *o = c->out_head;
		c->out_head = o->next;
		free(o);
	}
	if (c->dom && c->dom->conn == c)
		c->dom->conn = NULL;
	if (c->ops && c->ops->close)
		c->ops->close(c);
	free(c);
}

void conn_kill(struct xs_conn *c, const char *why)
{
	if (c->dead)
		return;
	if (why)
		log_info("connection %u (domain %u) closed: %s", c->id, c->domid, why);
	trace_event(c->srv, "DESTROY connection %u: %s", c->id, why ? why : "closed");
	c->dead = true;
	c->srv->have_dead = true;
	c->reading = false;
	if (c->ops && c->ops->want_read)
		c->ops->want_read(c, false);
}

const struct xs_quota *conn_quota(const struct xs_conn *c)
{
	if (c->dom && c->dom->has_quota)
		return &c->dom->quota;
	return &c->srv->opt.quota;
}

void conn_actor(const struct xs_conn *c, struct xs_actor *a)
{
	const struct xs_quota *q = conn_quota(c);
	a->domid = c->domid;
	a->target = c->target;
	a->privileged = c->privileged;
	a->max_nodes = (uint32_t)q->v[XS_Q_NODES];
	a->max_node_size = (uint32_t)q->v[XS_Q_NODE_SIZE];
	a->max_perms = (uint32_t)q->v[XS_Q_PERMISSIONS];
	a->max_memory = q->v[XS_Q_MEMORY];
}

static bool input_paused(const struct xs_conn *c)
{
	if (c->dead)
		return true;
	/* Live update: no new requests once it is decided. */
	if (c->srv->lu_pending)
		return true;
	uint64_t limit = conn_quota(c)->v[XS_Q_OUTSTANDING];
	if (!c->privileged && limit && c->out_responses >= limit)
		return true;
	/* Everyone, privileged or not: a client that does not read its replies
	 * stops being read, so its queue cannot grow without bound. */
	if (c->out_bytes >= c->srv->opt.max_conn_output)
		return true;
	return false;
}

void conn_update_read(struct xs_conn *c)
{
	bool on = !input_paused(c);
	if (on != c->reading) {
		c->reading = on;
		if (c->ops && c->ops->want_read)
			c->ops->want_read(c, on);
	}
}

uint32_t conn_want(const struct xs_conn *c)
{
	if (input_paused(c))
		return 0;
	if (c->in_used < XS_HDR_SIZE)
		return XS_HDR_SIZE - c->in_used;
	const struct xsd_sockmsg *h = (const void *)c->in_buf;
	return XS_HDR_SIZE + h->len - c->in_used;
}

int conn_feed(struct xs_conn *c, const void *buf, uint32_t len)
{
	const char *p = buf;
	while (len > 0 && !c->dead) {
		uint32_t need;
		if (c->in_used < XS_HDR_SIZE) {
			need = XS_HDR_SIZE - c->in_used;
		} else {
			const struct xsd_sockmsg *h = (const void *)c->in_buf;
			need = XS_HDR_SIZE + h->len - c->in_used;
		}
		uint32_t n = len < need ? len : need;
		memcpy(c->in_buf + c->in_used, p, n);
		c->in_used += n;
		p += n;
		len -= n;
		if (c->in_used == XS_HDR_SIZE) {
			const struct xsd_sockmsg *h = (const void *)c->in_buf;
			if (h->len > XENSTORE_PAYLOAD_MAX) {
				/* docs/misc/xenstore.txt: the connection is killed. */
				conn_kill(c, "payload longer than 4096 bytes");
				return -E2BIG;
			}
		}
		if (c->in_used >= XS_HDR_SIZE) {
			struct xsd_sockmsg *h = (void *)c->in_buf;
			if (c->in_used == XS_HDR_SIZE + h->len) {
				struct xsd_sockmsg hdr = *h;
				c->in_used = 0;
				c->srv->requests++;
				request_handle(c, &hdr, c->in_buf + XS_HDR_SIZE);
			}
		}
	}
	if (c->dead)
		return -EPIPE;
	conn_update_read(c);
	return 0;
}

void conn_forget_session(struct xs_conn *c)
{
	watch_free_all(c);
	while (c->txns) {
		struct xs_txn *t = c->txns;
		c->txns = t->next;
		txn_free(t);
	}
	c->ntxns = 0;
}

int conn_send(struct xs_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
	      const void *payload, uint32_t len, bool is_event)
{
	if (c->dead)
		return -EPIPE;
	if (is_event && c->out_bytes + XS_HDR_SIZE + len > c->srv->opt.max_conn_output) {
		/* A client that does not read loses events rather than the
		 * daemon its memory (watches may fire spuriously or be lost for
		 * such a client, as the protocol allows). */
		if (c->events_dropped++ == 0)
			log_warn("connection %u (domain %u): output queue full, dropping watch events",
				 c->id, c->domid);
		return -ENOSPC;
	}
	struct xs_out *o = malloc(sizeof(*o) + XS_HDR_SIZE + len);
	if (!o)
		return -ENOMEM;
	struct xsd_sockmsg h = { .type = type, .req_id = req_id, .tx_id = tx_id, .len = len };
	memcpy(o->data, &h, sizeof(h));
	if (len)
		memcpy(o->data + XS_HDR_SIZE, payload, len);
	o->len = XS_HDR_SIZE + len;
	o->is_event = is_event;
	o->next = NULL;
	if (c->out_tail)
		c->out_tail->next = o;
	else
		c->out_head = o;
	c->out_tail = o;
	c->out_bytes += o->len;
	if (!is_event)
		c->out_responses++;
	/* Events reach connections other than the one being served: the
	 * loop's idle step flushes them (and only a send that would block
	 * arms EPOLLOUT, saving two epoll_ctl calls per request). */
	c->srv->flush_pending = true;
	trace_msg(c->srv, c, "OUT", &h, o->data + XS_HDR_SIZE);
	return 0;
}

int conn_send_error(struct xs_conn *c, const struct xsd_sockmsg *req, int err)
{
	const char *name = xs_errno_name(err);
	return conn_send(c, XS_ERROR, req->req_id, req->tx_id, name, (uint32_t)strlen(name) + 1,
			 false);
}

void conn_flush(struct xs_conn *c)
{
	while (c->out_head && !c->dead) {
		struct xs_out *o = c->out_head;
		ssize_t n = c->ops->write(c, o->data + c->out_off, o->len - c->out_off);
		if (n < 0) {
			conn_kill(c, strerror((int)-n));
			return;
		}
		if (n == 0)
			break;
		c->out_off += (uint32_t)n;
		if (c->out_off < o->len)
			break;
		c->out_head = o->next;
		if (!c->out_head)
			c->out_tail = NULL;
		c->out_off = 0;
		c->out_bytes -= o->len;
		if (!o->is_event)
			c->out_responses--;
		free(o);
	}
	if (c->ops->want_write)
		c->ops->want_write(c, c->out_head != NULL);
	conn_update_read(c);
}

/* Socket transport */

static ssize_t sock_write(struct xs_conn *c, const void *buf, size_t len)
{
	ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0)
		return (errno == EAGAIN || errno == EINTR) ? 0 : -errno;
	return n;
}

static void sock_events(struct xs_conn *c)
{
	/* Only when the interest changes: one system call less per request. */
	uint32_t ev = (c->reading ? EPOLLIN : 0) | (c->out_head ? EPOLLOUT : 0);
	if (ev != c->epoll_events) {
		c->epoll_events = ev;
		loop_mod(c->srv->loop, c->fd, ev);
	}
}

static void sock_want_write(struct xs_conn *c, bool on) { sock_events(c); }
static void sock_want_read(struct xs_conn *c, bool on) { sock_events(c); }

static void sock_close(struct xs_conn *c)
{
	if (c->fd >= 0) {
		loop_del(c->srv->loop, c->fd);
		close(c->fd);
		c->fd = -1;
	}
}

const struct xs_conn_ops conn_socket_ops = {
	.write = sock_write,
	.want_write = sock_want_write,
	.want_read = sock_want_read,
	.close = sock_close,
};

static void sock_ready(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct xs_conn *c = arg;
	if (events & EPOLLOUT)
		conn_flush(c);
	if (c->dead)
		return;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		/* Read what is there, in one go: framing is done by conn_feed. */
		char buf[XS_HDR_SIZE + XENSTORE_PAYLOAD_MAX];
		uint32_t want = conn_want(c);
		if (want == 0 && !(events & (EPOLLHUP | EPOLLERR)))
			return;
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			conn_kill(c, n == 0 ? NULL : strerror(errno));
			return;
		}
		if (n > 0)
			conn_feed(c, buf, (uint32_t)n);
		conn_flush(c);
	}
}

int conn_socket_attach(struct xs_conn *c)
{
	c->epoll_events = EPOLLIN | (c->out_head ? EPOLLOUT : 0);
	return loop_add(c->srv->loop, c->fd, c->epoll_events, sock_ready, c);
}

int conn_socket_accept(struct xs_server *s, int fd)
{
	struct xs_conn *c = conn_new(s, XS_CONN_SOCKET, &conn_socket_ops, NULL, fd);
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->epoll_events = EPOLLIN;
	int r = loop_add(s->loop, fd, EPOLLIN, sock_ready, c);
	if (r < 0) {
		c->fd = -1;
		close(fd);
		conn_free(c);
		return r;
	}
	trace_event(s, "NEW connection %u", c->id);
	return 0;
}
