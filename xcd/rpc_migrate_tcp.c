/* rpc_migrate_tcp: domain.migrate over TCP (params.transport
 * "tcp://HOST:PORT"): the domain manager's dm_migrate with the destination
 * as its peer and no descriptors; when the migration starts (at once, or
 * out of the queue) the domain manager asks this host's connector
 * (rpc_mig_connect) for the pipe to the receiver, which a migration link
 * gives (mig_link.c: connect, both hosts' credentials checked, relay). The
 * answer waits for the migration and, when it failed, for the link's own
 * end (a bounded moment), so that it says why the channel broke and what
 * the receiver said. An abort, or the caller leaving, aborts it as any
 * migration. The connector also opens the way for a sender in doubt after
 * its go to ask the receiver the outcome (no migration's wait then: the
 * link's end is logged). */
#include "../lib/log.h"
#include "mig_link.h"
#include "rpc_internal.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* After a failed migration, its answer waits this long for the link's end;
 * after a successful one the link is given this long to end by itself. */
#define LINK_END_WAIT_MS 3000
#define LINK_LINGER_MS 10000

struct tcp_wait {
	struct xcdd *x;
	struct rpc_pending *p; /* NULL once answered */
	uint8_t uuid[16];
	char name[65], peer[MIG_CRED_NAME_MAX + 1];
	struct mig_link *link; /* NULL before the migration starts, and once it ended */
	bool connected;	       /* the link connected */
	bool over;	       /* dm_migrate's end was told */
	char link_err[XCD_ERR_MAX];
	/* A failed migration's result, held until the link ended. */
	bool held;
	int rc;
	struct dm_error de;
	struct dm_migrate_result res;
	struct loop_timer *timer;
	struct tcp_wait *next;
};

static void forget(struct tcp_wait *w)
{
	for (struct tcp_wait **q = &w->x->tcp_waits; *q; q = &(*q)->next)
		if (*q == w) {
			*q = w->next;
			break;
		}
	if (w->link)
		mig_link_cancel(w->link);
	if (w->timer)
		loop_timer_free(w->timer);
	if (w->p)
		rpc_pending_free(w->p);
	free(w);
}

/* The caller told: RC and E (with the link's error and the receiver's
 * notes when it failed), the result R. W is forgotten unless its link
 * still runs (it is then, at its end or after a while). */
static void answer(struct tcp_wait *w, int rc, const struct dm_error *e,
		   const struct dm_migrate_result *r)
{
	struct dm_error full = e ? *e : (struct dm_error){ 0 };
	if (rc < 0) {
		size_t n = strlen(full.message);
		const char *notes = w->link ? mig_link_notes(w->link) : "";
		if (w->link_err[0])
			snprintf(full.message + n, sizeof(full.message) - n, " [the link to %s: %.400s]",
				 w->peer, w->link_err);
		n = strlen(full.message);
		if (notes[0])
			snprintf(full.message + n, sizeof(full.message) - n, " [%s says: %.400s]",
				 w->peer, notes);
	}
	if (w->p)
		rpc_pending_dm(w->p, rc, &full, rpc_gen_migrated, (void *)r);
	w->p = NULL;
	if (!w->link) {
		forget(w);
		return;
	}
	loop_timer_arm(w->timer, LINK_LINGER_MS, 0); /* the link's end, or its stop */
}

static void timer_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	struct tcp_wait *w = arg;
	(void)l;
	(void)t;
	if (w->held) { /* the link is slow to end: the answer goes without it */
		w->held = false;
		answer(w, w->rc, &w->de, &w->res);
		return;
	}
	forget(w); /* answered; the link, still there after a while, stopped */
}

static void migrated(struct dm *dm, int rc, const struct dm_migrate_result *r,
		     const struct dm_error *de, void *arg)
{
	struct tcp_wait *w = arg;
	(void)dm;
	w->over = true;
	if (rc == 0 || !w->link) {
		answer(w, rc, de, r);
		return;
	}
	if (!w->connected && rc == -ECANCELED) {
		/* Aborted (or its caller gone) while the link connects: it
		 * stops; what it tried is not what failed. */
		mig_link_cancel(w->link);
		w->link = NULL;
		answer(w, rc, de, r);
		return;
	}
	/* Its pipe closed (or, never connected, the link closed it), the link
	 * ends within moments: its words first. */
	w->held = true;
	w->rc = rc;
	w->de = *de;
	w->res = *r;
	loop_timer_arm(w->timer, LINK_END_WAIT_MS, 0);
}

static void link_connected(struct mig_link *l, const struct mig_tcp_peer *p, void *arg)
{
	struct tcp_wait *w = arg;
	(void)l;
	w->connected = true;
	log_info("migrating %s to %s (%s) at %s over %u data connection(s), %s%s", w->name,
		 p->cred.name, p->cred.fingerprint, p->address, p->streams, p->cipher,
		 p->devices ? "; it tells when its copy's devices are up" : "");
	dm_mig_peer_connected(&w->x->dm, w->uuid, p->devices);
}

static void link_devices(struct mig_link *l, void *arg)
{
	struct tcp_wait *w = arg;
	(void)l;
	log_info("migrating %s: %s says its copy's devices are up", w->name, w->peer);
	dm_mig_peer_devices_up(&w->x->dm, w->uuid);
}

static void link_ended(struct mig_link *l, int rc, const char *err, void *arg)
{
	struct tcp_wait *w = arg;
	(void)l;
	if (rc < 0)
		snprintf(w->link_err, sizeof(w->link_err), "%s", err);
	if (w->held) {
		w->held = false;
		answer(w, w->rc, &w->de, &w->res); /* the notes read while L is there */
		w->link = NULL;
		if (!w->p)
			forget(w);
		return;
	}
	w->link = NULL;
	if (!w->p && w->over)
		forget(w); /* answered already */
}

static const struct mig_link_hooks hooks = { link_connected, link_ended, link_devices };

/* The link of an outcome query (no migration waits on it): logged. */
static void query_connected(struct mig_link *l, const struct mig_tcp_peer *p, void *arg)
{
	(void)l;
	(void)arg;
	log_info("asking %s (%s) at %s whether it runs a guest this host sent it", p->cred.name,
		 p->cred.fingerprint, p->address);
}

static void query_ended(struct mig_link *l, int rc, const char *err, void *arg)
{
	(void)arg;
	if (rc < 0)
		log_warn("the migration link of an outcome query: %s%s%s", err,
			 mig_link_notes(l)[0] ? "; the receiver said: " : "", mig_link_notes(l));
}

static const struct mig_link_hooks query_hooks = { query_connected, query_ended, NULL };

int rpc_mig_connect(void *arg, const struct dm_mig_peer *p, void *ctx, int *send, int *recv,
		    char *err, size_t errlen)
{
	struct xcdd *x = arg;
	struct tcp_wait *w = ctx;
	struct mig_tcp_send_opts so = { .cred_dir = x->cred_dir, .peer_name = p->name,
					.streams = p->streams, .paused = p->paused,
					.timeout_ms = x->mig_timeout_ms };
	struct mig_link *l;
	int rc = mig_addr_parse(p->addr, false, &so.addr, err, errlen);
	if (rc < 0)
		return rc;
	if (!x->migjobs.loop) {
		snprintf(err, errlen, "migrating needs xcdd's loop running");
		return -EAGAIN;
	}
	rc = mig_link_start(&x->migjobs, &so, w ? &hooks : &query_hooks, w, &l, send, recv, err,
			    errlen);
	if (rc == 0 && w)
		w->link = l;
	return rc;
}

/* params.transport, .streams, .peer, .paused into *P; 0, or -EINVAL with E. */
static int param_transport(const struct jsonrpc_message *m, struct dm_mig_peer *p,
			   struct jsonrpc_error *e)
{
	const char *t = NULL, *peer = NULL;
	long long streams = 1;
	bool paused = false;
	char err[512];
	struct mig_addr a;
	if (jsonrpc_param_string(m, "transport", true, &t, e) < 0 ||
	    jsonrpc_param_int(m, "streams", false, 1, MIG_MUX_MAX_STREAMS, &streams, e) < 0 ||
	    jsonrpc_param_string(m, "peer", true, &peer, e) < 0 ||
	    jsonrpc_param_bool(m, "paused", false, &paused, e) < 0)
		return -EINVAL;
	if (mig_addr_parse(t, false, &a, err, sizeof(err)) < 0) {
		jsonrpc_error_set(e, JSONRPC_INVALID_PARAMS, "params.transport",
				  "params.transport: %s", err);
		return -EINVAL;
	}
	if (mig_cred_name_check(peer, err, sizeof(err)) < 0) {
		jsonrpc_error_set(e, JSONRPC_INVALID_PARAMS, "params.peer",
				  "params.peer: %s (the host whose credential the destination must "
				  "present): %s", peer, err);
		return -EINVAL;
	}
	/* Kept in the record as given (parsed: it fits). */
	snprintf(p->addr, sizeof(p->addr), "%s", t);
	snprintf(p->name, sizeof(p->name), "%s", peer);
	p->streams = (unsigned)streams;
	p->paused = paused;
	return 0;
}

int rpc_migrate_tcp(struct xcdd *x, struct client *c, const struct jsonrpc_message *m,
		    struct dm_domain *d, const struct dm_migrate_opts *o,
		    const struct dm_source *src, char **out, size_t *outlen,
		    struct jsonrpc_error *e)
{
	struct dm_migrate_opts so = *o;
	struct dm_error de = { 0 };
	if (param_transport(m, &so.peer, e) < 0)
		return -EINVAL;
	if (!x->migjobs.loop) {
		jsonrpc_error_set(e, XCDD_ERR_FAILED, NULL, "migrating needs xcdd's loop running");
		return -EAGAIN;
	}
	struct tcp_wait *w = calloc(1, sizeof(*w));
	if (!w || !(w->p = rpc_pending_new(x, c, m)) ||
	    !(w->timer = loop_timer_new(x->loop, timer_cb, w))) {
		if (w) {
			w->x = x;
			forget(w);
		}
		return -ENOMEM;
	}
	w->x = x;
	memcpy(w->uuid, d->uuid, sizeof(w->uuid));
	snprintf(w->name, sizeof(w->name), "%s", d->name);
	snprintf(w->peer, sizeof(w->peer), "%s", so.peer.name);
	so.connect_ctx = w;
	w->next = x->tcp_waits;
	x->tcp_waits = w;
	int rc = rpc_dm_error(&de, dm_migrate(&x->dm, d, -1, -1, src, &so, migrated, w, &de), e);
	if (rc < 0) {
		forget(w); /* a link started and then failed is stopped there */
		return rc;
	}
	return rpc_pending_take(w->p, out, outlen);
}

void rpc_migrate_tcp_client_gone(struct xcdd *x, struct client *c)
{
	/* An abort may answer and forget any wait of the list: it is read
	 * again after one. */
	for (struct tcp_wait *w = x->tcp_waits; w;) {
		if (!w->p || w->p->client != c) {
			w = w->next;
			continue;
		}
		w->p->client = NULL; /* its answer, when it comes, is logged */
		struct dm_domain *d = w->over ? NULL : dm_find_uuid(&x->dm, w->uuid);
		struct dm_error e = { 0 };
		if (d && dm_migrate_abort(&x->dm, d, &e) < 0)
			log_info("the caller of the migration of %s left: %s", d->name, e.message);
		w = x->tcp_waits;
	}
}
