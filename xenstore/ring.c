/* ring: the shared-page transport (xen/io/xs_wire.h,
 * docs/misc/xenstore-ring.txt) of a domain's connection. */
#include "hyp.h"
#include "transaction.h"
#include "../lib/log.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct xenstore_domain_interface *iface(const struct xs_domain *d) { return d->ring; }

static ssize_t ring_write(struct xs_conn *c, const void *buf, size_t len)
{
	struct xenstore_domain_interface *r = iface(c->dom);
	if (!r)
		return -EPIPE;
	XENSTORE_RING_IDX cons = r->rsp_cons, prod = r->rsp_prod;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (prod - cons > XENSTORE_RING_SIZE) {
		r->error = XENSTORE_ERROR_RINGIDX;
		return -EIO;
	}
	size_t space = XENSTORE_RING_SIZE - (prod - cons), done = 0;
	while (done < len && space > 0) {
		size_t off = MASK_XENSTORE_IDX(prod);
		size_t n = XENSTORE_RING_SIZE - off;
		if (n > space)
			n = space;
		if (n > len - done)
			n = len - done;
		memcpy(r->rsp + off, (const char *)buf + done, n);
		done += n;
		space -= n;
		prod += (XENSTORE_RING_IDX)n;
	}
	if (done) {
		__atomic_thread_fence(__ATOMIC_RELEASE);
		r->rsp_prod = prod;
	}
	return (ssize_t)done;
}

static void ring_want(struct xs_conn *c, bool on)
{
	/* Resumed input is picked up by ring_kick_all at the next idle point. */
}

const struct xs_conn_ops ring_conn_ops = {
	.write = ring_write,
	.want_write = ring_want,
	.want_read = ring_want,
	.close = NULL,
};

static int ring_read(struct xs_conn *c, bool *moved)
{
	struct xenstore_domain_interface *r = iface(c->dom);
	for (;;) {
		uint32_t want = conn_want(c);
		if (want == 0 || c->dead)
			return 0;
		XENSTORE_RING_IDX cons = r->req_cons, prod = r->req_prod;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (prod - cons > XENSTORE_RING_SIZE) {
			r->error = XENSTORE_ERROR_RINGIDX;
			return -EIO;
		}
		uint32_t avail = prod - cons;
		if (avail == 0)
			return 0;
		char buf[XENSTORE_RING_SIZE];
		uint32_t n = avail < want ? avail : want, done = 0;
		while (done < n) {
			uint32_t off = MASK_XENSTORE_IDX(cons + done);
			uint32_t chunk = XENSTORE_RING_SIZE - off;
			if (chunk > n - done)
				chunk = n - done;
			memcpy(buf + done, r->req + off, chunk);
			done += chunk;
		}
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		r->req_cons = cons + n;
		*moved = true;
		if (conn_feed(c, buf, n) < 0) {
			if (!c->dead)
				return 0;
			r->error = XENSTORE_ERROR_PROTO;
			return -EPROTO;
		}
	}
}

/* The guest asked for a fresh connection (docs/misc/xenstore-ring.txt,
 * "Connection state"): what the old one held goes (watches, transactions,
 * a half-read request, queued output), both queues start again at 0, and
 * CONNECTED tells the guest it may talk. */
static void ring_reset(struct xs_conn *c, struct xenstore_domain_interface *r)
{
	conn_forget_session(c);
	while (c->out_head) {
		struct xs_out *o = c->out_head;
		c->out_head = o->next;
		free(o);
	}
	c->out_tail = NULL;
	c->out_off = 0;
	c->out_responses = 0;
	c->out_bytes = 0;
	c->in_used = 0;
	conn_update_read(c);
	r->req_cons = r->req_prod = 0;
	r->rsp_cons = r->rsp_prod = 0;
	r->error = XENSTORE_ERROR_NONE;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	r->connection = XENSTORE_CONNECTED;
}

/* The ring is still served meanwhile: a guest that does not know the
 * protocol (Linux) goes on without its watches rather than not at all. */
void ring_ask_reconnect(struct xs_server *s, struct xs_domain *d)
{
	struct xenstore_domain_interface *r = iface(d);
	r->error = XENSTORE_ERROR_COMM;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	hyp_notify(s->hyp, d);
}

int ring_process(struct xs_server *s, struct xs_domain *d)
{
	struct xs_conn *c = d->conn;
	if (!c || !d->ring || c->dead)
		return 0;
	struct xenstore_domain_interface *r = iface(d);
	if (r->connection == XENSTORE_RECONNECT) {
		ring_reset(c, r);
		log_info("domain %u reset its ring connection", d->domid);
		hyp_notify(s->hyp, d);
		return 0;
	}
	XENSTORE_RING_IDX before = r->rsp_prod;
	bool moved = false;
	int rc = ring_read(c, &moved);
	if (rc == 0)
		conn_flush(c);
	if (moved || r->rsp_prod != before)
		hyp_notify(s->hyp, d);
	if (rc < 0)
		conn_kill(c, "broken ring");
	return rc;
}

void ring_kick_all(struct xs_server *s)
{
	for (struct xs_conn *c = s->conns; c; c = c->next)
		if (c->kind == XS_CONN_DOMAIN && c->dom && !c->dead &&
		    (c->out_head || conn_want(c) > 0))
			ring_process(s, c->dom);
}
