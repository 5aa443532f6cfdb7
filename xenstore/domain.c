/* domain: the domains xenstored talks to (INTRODUCE, RELEASE, their
 * connections, features and quotas) and the removal of what they owned. */
#include "hyp.h"
#include "../lib/log.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct xs_domain *domain_get(struct xs_server *s, unsigned domid)
{
	return domid < XS_NDOMIDS ? s->domains[domid] : NULL;
}

struct xs_domain *domain_find_or_new(struct xs_server *s, unsigned domid)
{
	if (domid >= XS_NDOMIDS)
		return NULL;
	if (!s->domains[domid]) {
		struct xs_domain *d = calloc(1, sizeof(*d));
		if (!d)
			return NULL;
		d->domid = domid;
		d->target = -1;
		s->domains[domid] = d;
	}
	return s->domains[domid];
}

const struct xs_quota *domain_quota(struct xs_server *s, unsigned domid)
{
	struct xs_domain *d = domain_get(s, domid);
	return d && d->has_quota ? &d->quota : &s->opt.quota;
}

uint32_t domain_supported_features(void)
{
	return XENSTORE_SERVER_FEATURE_RECONNECTION | XENSTORE_SERVER_FEATURE_ERROR;
}

static int connect_ring(struct xs_server *s, struct xs_domain *d)
{
	if (!s->hyp)
		return 0; /* no hypervisor: the domain is known, but has no ring */
	int r = hyp_map_ring(s->hyp, d);
	if (r < 0)
		return r;
	r = hyp_bind(s->hyp, d);
	if (r < 0) {
		hyp_unmap_ring(s->hyp, d);
		return r;
	}
	struct xs_conn *c = conn_new(s, XS_CONN_DOMAIN, &ring_conn_ops, d, -1);
	if (!c) {
		hyp_unbind(s->hyp, d);
		hyp_unmap_ring(s->hyp, d);
		return -ENOMEM;
	}
	c->domid = d->domid;
	c->dom = d;
	c->target = d->target;
	c->privileged = d->domid == 0;
	d->conn = c;
	struct xenstore_domain_interface *ri = d->ring;
	ri->server_features = domain_supported_features() & (d->features | domain_supported_features());
	ri->connection = XENSTORE_CONNECTED;
	/* Anything the guest queued before we listened. */
	ring_process(s, d);
	return 0;
}

int domain_introduce(struct xs_server *s, unsigned domid, uint64_t gfn, uint32_t port)
{
	struct xs_domain *d = domain_find_or_new(s, domid);
	if (!d)
		return -ENOMEM;
	if (d->introduced) {
		/* Xen's xenstored accepts a repeated INTRODUCE with the same page
		 * (e.g. after a guest kexec) by resetting the connection. */
		if (d->gfn != gfn || d->remote_port != port)
			return -EINVAL;
		if (d->conn)
			conn_forget_session(d->conn);
		return 0;
	}
	d->gfn = gfn;
	d->remote_port = port;
	int r = connect_ring(s, d);
	if (r < 0)
		return r;
	d->introduced = true;
	d->shutdown_reported = false;
	trace_event(s, "INTRODUCE domain %u", domid);
	log_info("domain %u introduced", domid);
	watch_fire_special(s, "@introduceDomain", domid);
	return 0;
}

int domain_ask_reconnect(struct xs_server *s, unsigned domid)
{
	struct xs_domain *d = domain_get(s, domid);
	if (!d || !d->introduced)
		return -ENOENT;
	if (!d->conn || !d->ring)
		return -ENOTCONN;
	ring_ask_reconnect(s, d);
	log_info("domain %u asked to reset its ring connection", domid);
	return 0;
}

void domain_free(struct xs_server *s, struct xs_domain *d)
{
	if (d->conn) {
		d->conn->dom = NULL;
		conn_kill(d->conn, "domain released");
		d->conn = NULL;
	}
	if (s->hyp) {
		hyp_unbind(s->hyp, d);
		hyp_unmap_ring(s->hyp, d);
	}
	s->domains[d->domid] = NULL;
	free(d);
}

int domain_release(struct xs_server *s, unsigned domid, bool destroyed)
{
	struct xs_domain *d = domain_get(s, domid);
	if (!d || !d->introduced)
		return -ENOENT;
	log_info("domain %u released%s", domid, destroyed ? " (destroyed)" : "");
	trace_event(s, "RELEASE domain %u", domid);
	domain_free(s, d);
	/* docs/misc/xenstore.txt: nodes owned by the domain go with it. */
	struct xs_event *events = NULL;
	tree_remove_domain(&s->store, domid, &events);
	watch_fire_events(s, events);
	watch_fire_special(s, "@releaseDomain", domid);
	return 0;
}
