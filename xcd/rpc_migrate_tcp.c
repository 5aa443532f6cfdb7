/* rpc_migrate_tcp: domain.migrate over TCP (params.transport
 * "tcp://HOST:PORT"): a link to the destination's xcdd started first
 * (mig_link.c: connect, both hosts' credentials checked), and once it is
 * connected the domain manager's dm_migrate over its pipe, as over ssh's.
 * The answer waits for the migration and, when it failed, for the link's
 * own end (a bounded moment), so that it says why the channel broke and
 * what the receiver said. A caller that leaves, or migrate-abort, stops a
 * link still connecting; after that they abort the migration as any. */
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
	struct dm_migrate_opts o;
	char *cfg_file, *cfg_text; /* -C CFG: the configuration the receiver makes it from */
	struct mig_link *link;	   /* NULL once it ended */
	bool migrating;		   /* dm_migrate runs (the link connected) */
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
	free(w->cfg_file);
	free(w->cfg_text);
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
	w->migrating = false;
	if (rc == 0 || !w->link) {
		answer(w, rc, de, r);
		return;
	}
	/* Its pipe closed, the link ends within moments: its words first. */
	w->held = true;
	w->rc = rc;
	w->de = *de;
	w->res = *r;
	loop_timer_arm(w->timer, LINK_END_WAIT_MS, 0);
}

/* Before dm_migrate ran: the guest was never touched. */
static void fail_early(struct tcp_wait *w, int rc, const char *why)
{
	struct dm_error e = { 0 };
	dm_error_set(&e, rc == -ECANCELED || rc == -EACCES ? DM_ERR_STATE : DM_ERR_FAILED, NULL,
		     "migrating %s: %s; it runs here as before", w->name, why);
	answer(w, rc, &e, &(struct dm_migrate_result){ 0 });
}

static void link_connected(struct mig_link *l, int send, int recv, const struct mig_tcp_peer *p,
			   void *arg)
{
	struct tcp_wait *w = arg;
	struct dm *dm = &w->x->dm;
	struct dm_domain *d = dm_find_uuid(dm, w->uuid);
	struct dm_error de = { 0 };
	struct dm_source src = { w->cfg_file, w->cfg_text, NULL, 0 };
	log_info("migrating %s to %s (%s) at %s over %u data connection(s), %s", w->name,
		 p->cred.name, p->cred.fingerprint, p->address, p->streams, p->cipher);
	int rc = d ? dm_migrate(dm, d, send, recv, w->cfg_text ? &src : NULL, &w->o, migrated, w,
				&de)
		   : -ENOENT;
	if (rc == 0) {
		w->migrating = true;
		return;
	}
	w->link = NULL;
	mig_link_cancel(l);
	if (!d) {
		close(send);
		close(recv);
		dm_error_set(&de, DM_ERR_NO_DOMAIN, NULL, "domain %s is gone", w->name);
	}
	answer(w, rc, &de, &(struct dm_migrate_result){ 0 });
}

static void link_ended(struct mig_link *l, int rc, const char *err, void *arg)
{
	struct tcp_wait *w = arg;
	(void)l;
	if (rc < 0)
		snprintf(w->link_err, sizeof(w->link_err), "%s", err);
	if (!w->migrating && !w->held && w->p) { /* it never connected */
		/* Its notes are read before the link goes. */
		char why[XCD_ERR_MAX];
		snprintf(why, sizeof(why), "%s%s%s", err, mig_link_notes(l)[0] ? "; it said: " : "",
			 mig_link_notes(l));
		w->link = NULL;
		w->link_err[0] = '\0';
		fail_early(w, rc < 0 ? rc : -EIO, why);
		return;
	}
	if (w->held) {
		w->held = false;
		answer(w, w->rc, &w->de, &w->res); /* the notes read while L is there */
		w->link = NULL;
		if (!w->p)
			forget(w);
		return;
	}
	w->link = NULL;
	if (!w->p && !w->migrating)
		forget(w); /* answered already */
}

static const struct mig_link_hooks hooks = { link_connected, link_ended };

/* params.transport, .streams, .peer, .paused into *O; 0, or -EINVAL with E. */
static int param_transport(const struct jsonrpc_message *m, struct mig_tcp_send_opts *o,
			   struct jsonrpc_error *e)
{
	const char *t = NULL, *peer = NULL;
	long long streams = 1;
	bool paused = false;
	char err[512];
	if (jsonrpc_param_string(m, "transport", true, &t, e) < 0 ||
	    jsonrpc_param_int(m, "streams", false, 1, MIG_MUX_MAX_STREAMS, &streams, e) < 0 ||
	    jsonrpc_param_string(m, "peer", true, &peer, e) < 0 ||
	    jsonrpc_param_bool(m, "paused", false, &paused, e) < 0)
		return -EINVAL;
	if (mig_addr_parse(t, false, &o->addr, err, sizeof(err)) < 0) {
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
	o->peer_name = peer;
	o->streams = (unsigned)streams;
	o->paused = paused;
	return 0;
}

int rpc_migrate_tcp(struct xcdd *x, struct client *c, const struct jsonrpc_message *m,
		    struct dm_domain *d, const struct dm_migrate_opts *o,
		    const struct dm_source *src, char **out, size_t *outlen,
		    struct jsonrpc_error *e)
{
	struct mig_tcp_send_opts so = { .cred_dir = x->cred_dir, .timeout_ms = x->mig_timeout_ms };
	struct dm_error de = { 0 };
	char err[XCD_ERR_MAX];
	if (param_transport(m, &so, e) < 0 ||
	    rpc_dm_error(&de, dm_migrate_check(&x->dm, d, &de), e) < 0)
		return -EINVAL;
	if (!x->migjobs.loop) {
		jsonrpc_error_set(e, XCDD_ERR_FAILED, NULL, "migrating needs xcdd's loop running");
		return -EAGAIN;
	}
	struct tcp_wait *w = calloc(1, sizeof(*w));
	if (!w || !(w->p = rpc_pending_new(x, c, m)) ||
	    !(w->timer = loop_timer_new(x->loop, timer_cb, w)) ||
	    (src && src->text && (!(w->cfg_text = strdup(src->text)) ||
				  !(w->cfg_file = strdup(src->file))))) {
		if (w) {
			w->x = x;
			forget(w);
		}
		return -ENOMEM;
	}
	w->x = x;
	w->o = *o;
	memcpy(w->uuid, d->uuid, sizeof(w->uuid));
	snprintf(w->name, sizeof(w->name), "%s", d->name);
	snprintf(w->peer, sizeof(w->peer), "%s", so.peer_name);
	if (mig_link_start(&x->migjobs, &so, &hooks, w, &w->link, err, sizeof(err)) < 0) {
		jsonrpc_error_set(e, XCDD_ERR_FAILED, NULL, "migrating %s: %s", d->name, err);
		forget(w);
		return -EIO;
	}
	w->next = x->tcp_waits;
	x->tcp_waits = w;
	return rpc_pending_take(w->p, out, outlen);
}

bool rpc_migrate_tcp_abort(struct xcdd *x, const struct dm_domain *d)
{
	for (struct tcp_wait *w = x->tcp_waits; w; w = w->next)
		if (!memcmp(w->uuid, d->uuid, 16) && w->link && !w->migrating && !w->held && w->p) {
			log_info("domain %s: its migration to %s aborted while connecting", w->name,
				 w->peer);
			mig_link_cancel(w->link);
			w->link = NULL;
			fail_early(w, -ECANCELED, "aborted (xcd migrate-abort, or its caller left)");
			return true;
		}
	return false;
}

void rpc_migrate_tcp_client_gone(struct xcdd *x, struct client *c)
{
	/* An abort may forget any wait of the list: it is read again after one. */
	for (struct tcp_wait *w = x->tcp_waits; w;) {
		if (!w->p || w->p->client != c) {
			w = w->next;
			continue;
		}
		w->p->client = NULL; /* its answer, when it comes, is logged */
		struct dm_domain *d = dm_find_uuid(&x->dm, w->uuid);
		struct dm_error e = { 0 };
		if (d && !rpc_migrate_tcp_abort(x, d) && dm_migrate_abort(&x->dm, d, &e) < 0)
			log_info("the caller of the migration of %s left: %s", d->name, e.message);
		w = x->tcp_waits;
	}
}
