#include "xs_harness.h"
#include "../../lib/log.h"
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static ssize_t mem_write(struct xs_conn *c, const void *buf, size_t len)
{
	struct hconn *h = c->priv;
	if (h->out_len + len > h->out_cap) {
		size_t cap = h->out_cap ? h->out_cap * 2 : 8192;
		while (cap < h->out_len + len)
			cap *= 2;
		char *o = realloc(h->out, cap);
		if (!o)
			return -ENOMEM;
		h->out = o;
		h->out_cap = cap;
	}
	memcpy(h->out + h->out_len, buf, len);
	h->out_len += len;
	return (ssize_t)len;
}

static void mem_close(struct xs_conn *c)
{
	struct hconn *h = c->priv;
	if (h)
		h->c = NULL;
}

static const struct xs_conn_ops mem_ops = { .write = mem_write, .close = mem_close };

struct xs_server *harness_server(const struct xs_options *opt)
{
	/* Tests and fuzzers provoke errors on purpose: only real failures show. */
	log_init("xs-harness", 0, LOG_LVL_ERR);
	struct xs_server *s = calloc(1, sizeof(*s));
	struct xs_options o = { .socket_path = "/nonexistent", .no_domain_init = true,
				.max_conn_output = 1024 * 1024 };
	if (opt) {
		o = *opt;
	} else {
		quota_defaults(&o.quota);
	}
	if (!s || server_init(s, &o) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

void harness_server_free(struct xs_server *s)
{
	if (!s)
		return;
	for (struct xs_conn *c = s->conns; c; c = c->next)
		c->priv = NULL; /* the hconns are freed by their owners */
	server_destroy(s);
	free(s);
}

struct hconn *harness_conn(struct xs_server *s, unsigned domid, bool privileged)
{
	struct hconn *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->c = conn_new(s, XS_CONN_MEMORY, &mem_ops, h, -1);
	if (!h->c) {
		free(h);
		return NULL;
	}
	h->c->domid = domid;
	h->c->privileged = privileged;
	if (domid != 0) {
		struct xs_domain *d = domain_find_or_new(s, domid);
		if (d)
			d->introduced = true;
	}
	h->next_req = 1;
	return h;
}

void harness_conn_close(struct hconn *h)
{
	if (!h)
		return;
	if (h->c) {
		h->c->priv = NULL;
		conn_free(h->c);
	}
	free(h->out);
	free(h);
}

static void pump(struct hconn *h)
{
	if (h->c)
		conn_flush(h->c);
	/* Output to other connections (watch events) is flushed too. */
	for (struct xs_conn *c = h->c ? h->c->srv->conns : NULL; c; c = c->next)
		if (c != h->c && c->ops == &mem_ops && c->priv)
			conn_flush(c);
	if (h->c)
		server_reap(h->c->srv);
}

int harness_feed(struct hconn *h, const void *buf, size_t len)
{
	if (!h->c)
		return -EPIPE;
	struct xs_server *s = h->c->srv;
	int r = conn_feed(h->c, buf, (uint32_t)len);
	if (h->c)
		conn_flush(h->c);
	for (struct xs_conn *c = s->conns; c; c = c->next)
		if (c->ops == &mem_ops && c->priv)
			conn_flush(c);
	if (s->lu_pending)
		s->lu_pending = false;
	server_reap(s);
	return r;
}

/* Takes the first message of the given kind out of h->out. */
static bool take_msg(struct hconn *h, bool want_event, uint32_t req_id, struct hmsg *m)
{
	size_t off = 0;
	while (off + XS_HDR_SIZE <= h->out_len) {
		struct xsd_sockmsg hdr;
		memcpy(&hdr, h->out + off, sizeof(hdr));
		size_t total = XS_HDR_SIZE + hdr.len;
		if (off + total > h->out_len)
			return false;
		bool is_event = hdr.type == XS_WATCH_EVENT;
		if (is_event == want_event && (want_event || hdr.req_id == req_id)) {
			m->type = hdr.type;
			m->req_id = hdr.req_id;
			m->tx_id = hdr.tx_id;
			m->len = hdr.len;
			memcpy(m->data, h->out + off + XS_HDR_SIZE, hdr.len);
			m->data[hdr.len] = '\0';
			memmove(h->out + off, h->out + off + total, h->out_len - off - total);
			h->out_len -= total;
			return true;
		}
		off += total;
	}
	return false;
}

int harness_request(struct hconn *h, uint32_t type, uint32_t tx_id, const void *payload,
		    uint32_t len, struct hmsg *reply)
{
	char buf[XS_HDR_SIZE + XENSTORE_PAYLOAD_MAX];
	if (len > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	uint32_t req = h->next_req++;
	struct xsd_sockmsg hdr = { .type = type, .req_id = req, .tx_id = tx_id, .len = len };
	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + XS_HDR_SIZE, payload, len);
	int r = harness_feed(h, buf, XS_HDR_SIZE + len);
	if (r < 0 && !h->c)
		return r;
	pump(h);
	if (!take_msg(h, false, req, reply))
		return -ENOMSG;
	return 0;
}

int harness_req(struct hconn *h, uint32_t type, uint32_t tx_id, struct hmsg *reply, ...)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	uint32_t len = 0;
	va_list ap;
	va_start(ap, reply);
	for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *)) {
		size_t l = strlen(s) + 1;
		if (len + l > sizeof(buf)) {
			va_end(ap);
			return -E2BIG;
		}
		memcpy(buf + len, s, l);
		len += (uint32_t)l;
	}
	va_end(ap);
	return harness_request(h, type, tx_id, buf, len, reply);
}

bool harness_event(struct hconn *h, char *path, size_t psize, char *token, size_t tsize)
{
	struct hmsg m;
	pump(h);
	if (!take_msg(h, true, 0, &m))
		return false;
	size_t pl = strnlen(m.data, m.len);
	snprintf(path, psize, "%s", m.data);
	snprintf(token, tsize, "%s", pl + 1 < m.len ? m.data + pl + 1 : "");
	return true;
}

void harness_clear(struct hconn *h)
{
	h->out_len = 0;
}
