/* request: decoding and answering each message type of the protocol
 * (docs/misc/xenstore.txt). */
#include "hyp.h"
#include "path.h"
#include "../lib/log.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 8

struct req {
	struct xs_conn *c;
	const struct xsd_sockmsg *hdr;
	const char *data;
	uint32_t len;
	const char *arg[MAX_ARGS];
	unsigned nargs; /* NUL-terminated strings at the start of data */
};

static void split(struct req *r)
{
	uint32_t off = 0;
	r->nargs = 0;
	while (off < r->len && r->nargs < MAX_ARGS) {
		const char *nul = memchr(r->data + off, '\0', r->len - off);
		if (!nul)
			break;
		r->arg[r->nargs++] = r->data + off;
		off = (uint32_t)(nul - r->data) + 1;
	}
}

/* Payload is exactly n strings, each NUL-terminated. */
static bool exact_args(const struct req *r, unsigned n)
{
	if (r->nargs != n)
		return false;
	const char *last = r->arg[n - 1];
	return last + strlen(last) + 1 == r->data + r->len;
}

static void reply(struct req *r, const void *data, uint32_t len)
{
	conn_send(r->c, r->hdr->type, r->hdr->req_id, r->hdr->tx_id, data, len, false);
}

static void reply_str(struct req *r, const char *s)
{
	reply(r, s, (uint32_t)strlen(s) + 1);
}

static void reply_ok(struct req *r) { reply_str(r, "OK"); }

static void reply_err(struct req *r, int err)
{
	conn_send_error(r->c, r->hdr, err < 0 ? -err : err);
}

static size_t path_max(const struct xs_conn *c)
{
	/* A quota: privileged connections are exempt. */
	if (c->privileged)
		return XENSTORE_ABS_PATH_MAX;
	return (size_t)c->srv->opt.quota.v[XS_Q_PATH_MAX];
}

/* Canonical absolute path of argument i, or NULL with an error sent. */
static char *arg_path(struct req *r, unsigned i)
{
	int err = 0;
	char *p = xs_path_canon(r->arg[i], r->c->domid, path_max(r->c), &err);
	if (!p)
		reply_err(r, err);
	return p;
}

static struct xs_txn *find_txn(struct xs_conn *c, uint32_t id)
{
	for (struct xs_txn *t = c->txns; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

/* The view for this request; false with ENOENT sent for an unknown tx_id. */
static bool get_view(struct req *r, struct xs_view *v)
{
	v->store = &r->c->srv->store;
	v->txn = NULL;
	v->max_txn_nodes = r->c->privileged ? 0 : (unsigned)conn_quota(r->c)->v[XS_Q_TRANSACTION_NODES];
	if (r->hdr->tx_id) {
		v->txn = find_txn(r->c, r->hdr->tx_id);
		if (!v->txn) {
			reply_err(r, ENOENT);
			return false;
		}
	}
	return true;
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	if (!*s)
		return false;
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v > max || s[0] == '-')
		return false;
	*out = v;
	return true;
}

static bool parse_domid(const char *s, unsigned *out)
{
	unsigned long v;
	if (!parse_uint(s, 0xffff, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

/* Real domains only: not the DOMID_* specials (DOMID_FIRST_RESERVED on). */
static bool real_domid(unsigned domid) { return domid < 0x7ff0; }

static bool need_priv(struct req *r)
{
	if (!r->c->privileged) {
		reply_err(r, EACCES);
		return false;
	}
	return true;
}

/* Soft quotas are only reported, once per domain and quota. */
static void soft_quota_check(struct xs_conn *c)
{
	struct xs_server *s = c->srv;
	struct xs_domain *d = c->dom ? c->dom : domain_get(s, c->domid);
	if (c->privileged || !d)
		return;
	const struct xs_acct *a = &s->store.acct[c->domid];
	const struct xs_quota *soft = &s->opt.quota_soft;
	if (soft->v[XS_Q_NODES] && a->nodes > soft->v[XS_Q_NODES] && !(d->soft_warned & 1)) {
		d->soft_warned |= 1;
		log_warn("domain %u owns %u nodes, over the soft quota of %" PRIu64, c->domid,
			 a->nodes, soft->v[XS_Q_NODES]);
	}
	if (soft->v[XS_Q_MEMORY] && a->memory > soft->v[XS_Q_MEMORY] && !(d->soft_warned & 2)) {
		d->soft_warned |= 2;
		log_warn("domain %u uses %" PRIu64 " bytes, over the soft quota of %" PRIu64,
			 c->domid, a->memory, soft->v[XS_Q_MEMORY]);
	}
}

static void finish_op(struct req *r, struct xs_view *v, uint32_t writes, int rc,
		      struct xs_event *events)
{
	if (rc < 0) {
		if (v->txn && v->txn->writes != writes)
			v->txn->conflict = true;
		events_free(events);
		reply_err(r, rc);
		return;
	}
	reply_ok(r);
	if (!v->txn)
		watch_fire_events(r->c->srv, events);
	soft_quota_check(r->c);
}

static void do_read(struct req *r)
{
	struct xs_view v;
	struct xs_actor a;
	if (!exact_args(r, 1))
		return reply_err(r, EINVAL);
	char *path = arg_path(r, 0);
	if (!path || !get_view(r, &v)) {
		free(path);
		return;
	}
	if (path[0] == '@') {
		free(path);
		return reply_err(r, EINVAL);
	}
	conn_actor(r->c, &a);
	const struct xs_node *n;
	int rc = tree_read(&v, &a, path, &n);
	free(path);
	if (rc < 0)
		return reply_err(r, rc);
	if (r->hdr->type == XS_READ)
		return reply(r, n->value, n->vlen);
	/* DIRECTORY */
	if (n->clen > XENSTORE_PAYLOAD_MAX)
		return reply_err(r, E2BIG);
	reply(r, n->children, n->clen);
}

static void do_directory_part(struct req *r)
{
	struct xs_view v;
	struct xs_actor a;
	unsigned long off;
	if (!exact_args(r, 2) || !parse_uint(r->arg[1], UINT32_MAX, &off))
		return reply_err(r, EINVAL);
	char *path = arg_path(r, 0);
	if (!path || !get_view(r, &v)) {
		free(path);
		return;
	}
	conn_actor(r->c, &a);
	const struct xs_node *n;
	int rc = path[0] == '@' ? -EINVAL : tree_read(&v, &a, path, &n);
	free(path);
	if (rc < 0)
		return reply_err(r, rc);
	if (off > n->clen)
		off = n->clen; /* the list shrank: an empty rest, and a new gencnt */
	char buf[XENSTORE_PAYLOAD_MAX];
	int gl = snprintf(buf, sizeof(buf), "%" PRIu64, n->gen) + 1;
	uint32_t used = (uint32_t)gl, i = (uint32_t)off;
	/* Whole names only; the end of the list is marked by an empty name. */
	while (i < n->clen) {
		uint32_t l = (uint32_t)strlen(n->children + i) + 1;
		if (used + l > sizeof(buf) - 1)
			break;
		memcpy(buf + used, n->children + i, l);
		used += l;
		i += l;
	}
	if (i == n->clen)
		buf[used++] = '\0';
	else if (i == off)
		return reply_err(r, E2BIG);
	reply(r, buf, used);
}

static void do_get_perms(struct req *r)
{
	struct xs_view v;
	struct xs_actor a;
	if (!exact_args(r, 1))
		return reply_err(r, EINVAL);
	char *path = arg_path(r, 0);
	if (!path || !get_view(r, &v)) {
		free(path);
		return;
	}
	conn_actor(r->c, &a);
	const struct xs_perms *p;
	int rc = tree_get_perms(&v, &a, path, &p);
	free(path);
	if (rc < 0)
		return reply_err(r, rc);
	char buf[XENSTORE_PAYLOAD_MAX];
	int l = xs_perms_format(p, buf, sizeof(buf));
	if (l < 0)
		return reply_err(r, E2BIG);
	reply(r, buf, (uint32_t)l);
}

static void do_write(struct req *r)
{
	struct xs_view v;
	struct xs_actor a;
	if (r->nargs < 1)
		return reply_err(r, EINVAL);
	char *path = arg_path(r, 0);
	if (!path || !get_view(r, &v)) {
		free(path);
		return;
	}
	uint32_t plen = (uint32_t)strlen(r->arg[0]) + 1;
	conn_actor(r->c, &a);
	uint32_t writes = v.txn ? v.txn->writes : 0;
	struct xs_event *events = NULL;
	int rc = tree_write(&v, &a, path, r->data + plen, r->len - plen, &events);
	free(path);
	finish_op(r, &v, writes, rc, events);
}

static void do_mkdir_rm(struct req *r)
{
	struct xs_view v;
	struct xs_actor a;
	if (!exact_args(r, 1))
		return reply_err(r, EINVAL);
	char *path = arg_path(r, 0);
	if (!path || !get_view(r, &v)) {
		free(path);
		return;
	}
	conn_actor(r->c, &a);
	uint32_t writes = v.txn ? v.txn->writes : 0;
	struct xs_event *events = NULL;
	int rc = r->hdr->type == XS_MKDIR ? tree_mkdir(&v, &a, path, &events)
					  : tree_rm(&v, &a, path, &events);
	free(path);
	finish_op(r, &v, writes, rc, events);
}

static void do_set_perms(struct req *r)
{
	struct xs_view v;
	struct xs_actor a;
	if (r->nargs < 2 || r->data[r->len - 1] != '\0')
		return reply_err(r, EINVAL);
	char *path = arg_path(r, 0);
	if (!path || !get_view(r, &v)) {
		free(path);
		return;
	}
	uint32_t plen = (uint32_t)strlen(r->arg[0]) + 1;
	struct xs_perms perms;
	if (xs_perms_parse(&perms, r->data + plen, r->len - plen) < 0) {
		free(path);
		return reply_err(r, EINVAL);
	}
	conn_actor(r->c, &a);
	uint32_t writes = v.txn ? v.txn->writes : 0;
	struct xs_event *events = NULL;
	int rc = tree_set_perms(&v, &a, path, &perms, &events);
	if (rc < 0)
		xs_perms_free(&perms);
	free(path);
	finish_op(r, &v, writes, rc, events);
}

static void do_watch(struct req *r)
{
	long depth = -1;
	if (r->nargs < 2 || r->nargs > 3 || r->data[r->len - 1] != '\0')
		return reply_err(r, EINVAL);
	if (r->nargs == 3 && r->arg[2][0]) {
		unsigned long d;
		if (!parse_uint(r->arg[2], 0xffff, &d))
			return reply_err(r, EINVAL);
		depth = (long)d;
	}
	int rc = watch_add(r->c, r->arg[0], r->arg[1], (int)depth);
	if (rc < 0)
		return reply_err(r, rc);
	reply_ok(r);
	/* Fired once at registration, with the path as given. */
	for (struct xs_watch *w = r->c->watches; w; w = w->next) {
		if (!w->next) {
			watch_send(r->c, w, w->abs);
			break;
		}
	}
}

static void do_unwatch(struct req *r)
{
	if (r->nargs < 2 || r->data[r->len - 1] != '\0')
		return reply_err(r, EINVAL);
	int rc = watch_del(r->c, r->arg[0], r->arg[1]);
	if (rc < 0)
		return reply_err(r, rc);
	reply_ok(r);
}

static void do_transaction_start(struct req *r)
{
	struct xs_conn *c = r->c;
	/* As Xen: inside a known transaction EBUSY, an unknown one ENOENT. */
	if (r->hdr->tx_id)
		return reply_err(r, find_txn(c, r->hdr->tx_id) ? EBUSY : ENOENT);
	uint64_t limit = conn_quota(c)->v[XS_Q_TRANSACTIONS];
	if (!c->privileged && limit && c->ntxns >= limit)
		return reply_err(r, ENOSPC);
	/* Ids are per connection, never 0, never one in use. */
	uint32_t id = c->next_txid;
	while (id == 0 || find_txn(c, id))
		id++;
	c->next_txid = id + 1;
	struct xs_txn *t = txn_new(id);
	if (!t)
		return reply_err(r, ENOMEM);
	t->next = c->txns;
	c->txns = t;
	c->ntxns++;
	char buf[16];
	snprintf(buf, sizeof(buf), "%u", id);
	reply_str(r, buf);
}

static void do_transaction_end(struct req *r)
{
	struct xs_conn *c = r->c;
	if (!exact_args(r, 1) || (strcmp(r->arg[0], "T") && strcmp(r->arg[0], "F")))
		return reply_err(r, EINVAL);
	struct xs_txn **p = &c->txns;
	while (*p && (*p)->id != r->hdr->tx_id)
		p = &(*p)->next;
	if (!*p)
		return reply_err(r, ENOENT);
	struct xs_txn *t = *p;
	*p = t->next;
	c->ntxns--;
	struct xs_event *events = NULL;
	int rc = 0;
	if (r->arg[0][0] == 'T')
		rc = txn_commit(&c->srv->store, t, &events);
	txn_free(t);
	if (rc < 0)
		return reply_err(r, rc);
	reply_ok(r);
	watch_fire_events(c->srv, events);
}

static void do_introduce(struct req *r)
{
	unsigned domid;
	unsigned long port;
	if (!need_priv(r))
		return;
	if (r->nargs < 3 || !parse_domid(r->arg[0], &domid) || !real_domid(domid) || domid == 0 ||
	    !parse_uint(r->arg[2], UINT32_MAX, &port))
		return reply_err(r, EINVAL);
	/* The gfn is signed decimal on the wire (docs/misc/xenstore.txt). */
	char *end;
	errno = 0;
	long long gfn = strtoll(r->arg[1], &end, 10);
	if (errno || *end || !r->arg[1][0])
		return reply_err(r, EINVAL);
	int rc = domain_introduce(r->c->srv, domid, (uint64_t)gfn, (uint32_t)port);
	if (rc < 0)
		return reply_err(r, rc);
	reply_ok(r);
}

static void do_domid_op(struct req *r)
{
	unsigned domid;
	struct xs_server *s = r->c->srv;
	uint32_t type = r->hdr->type;
	if (type != XS_GET_DOMAIN_PATH && type != XS_IS_DOMAIN_INTRODUCED && !need_priv(r))
		return;
	if (r->nargs < 1 || !parse_domid(r->arg[0], &domid))
		return reply_err(r, EINVAL);
	struct xs_domain *d = domain_get(s, domid);
	char buf[64];
	switch (type) {
	case XS_GET_DOMAIN_PATH:
		snprintf(buf, sizeof(buf), "/local/domain/%u", domid);
		return reply_str(r, buf);
	case XS_IS_DOMAIN_INTRODUCED:
		return reply_str(r, (d && d->introduced) || domid == 0 ? "T" : "F");
	case XS_RELEASE: {
		if (domid == 0)
			return reply_err(r, EINVAL);
		/* The reply goes out before this connection may vanish with it. */
		if (!d || !d->introduced)
			return reply_err(r, ENOENT);
		reply_ok(r);
		domain_release(s, domid, false);
		return;
	}
	case XS_RESUME:
		if (!d || !d->introduced)
			return reply_err(r, ENOENT);
		d->shutdown_reported = false;
		return reply_ok(r);
	}
}

static void do_set_target(struct req *r)
{
	unsigned domid, tdomid;
	if (!need_priv(r))
		return;
	if (r->nargs < 2 || !parse_domid(r->arg[0], &domid) || !parse_domid(r->arg[1], &tdomid) ||
	    !real_domid(domid) || !real_domid(tdomid))
		return reply_err(r, EINVAL);
	struct xs_domain *d = domain_get(r->c->srv, domid);
	if (!d || !d->introduced)
		return reply_err(r, ENOENT);
	d->target = (int)tdomid;
	if (d->conn)
		d->conn->target = (int)tdomid;
	reply_ok(r);
}

static void do_reset_watches(struct req *r)
{
	conn_forget_session(r->c);
	reply_ok(r);
}

static void do_feature(struct req *r)
{
	struct xs_server *s = r->c->srv;
	unsigned domid;
	char buf[32];
	if (!need_priv(r))
		return;
	if (r->hdr->type == XS_GET_FEATURE) {
		if (r->nargs == 0 || (r->nargs == 1 && r->arg[0][0] == '\0')) {
			snprintf(buf, sizeof(buf), "%u", domain_supported_features());
			return reply_str(r, buf);
		}
		if (r->nargs != 1 || !parse_domid(r->arg[0], &domid))
			return reply_err(r, EINVAL);
		struct xs_domain *d = domain_get(s, domid);
		if (!d)
			return reply_err(r, ENOENT);
		snprintf(buf, sizeof(buf), "%u", d->features);
		return reply_str(r, buf);
	}
	unsigned long v;
	if (r->nargs != 2 || !parse_domid(r->arg[0], &domid) || !real_domid(domid) ||
	    !parse_uint(r->arg[1], UINT32_MAX, &v))
		return reply_err(r, EINVAL);
	if (v & ~(unsigned long)domain_supported_features())
		return reply_err(r, EINVAL);
	struct xs_domain *d = domain_find_or_new(s, domid);
	if (!d)
		return reply_err(r, ENOMEM);
	if (d->introduced)
		return reply_err(r, EBUSY);
	d->features = (uint32_t)v;
	reply_ok(r);
}

static void do_quota(struct req *r)
{
	struct xs_server *s = r->c->srv;
	unsigned domid = 0;
	bool have_dom = false;
	unsigned i = 0;
	char buf[512];
	if (!need_priv(r))
		return;
	unsigned n = r->nargs;
	if (n && r->arg[n - 1][0] == '\0' && r->hdr->type == XS_GET_QUOTA)
		n--; /* an empty trailing string from clients that send "|" */
	if (r->hdr->type == XS_GET_QUOTA && n == 0) {
		quota_names(buf, sizeof(buf), 1);
		return reply_str(r, buf);
	}
	unsigned want = r->hdr->type == XS_GET_QUOTA ? 1 : 2;
	if (n == want + 1) {
		if (!parse_domid(r->arg[0], &domid))
			return reply_err(r, EINVAL);
		have_dom = true;
		i = 1;
	} else if (n != want) {
		return reply_err(r, EINVAL);
	}
	int id = quota_lookup(r->arg[i]);
	if (id < 0 || (have_dom && id >= XS_Q_PER_DOMAIN))
		return reply_err(r, EINVAL);
	struct xs_domain *d = have_dom ? domain_get(s, domid) : NULL;
	if (have_dom && !d && r->hdr->type == XS_GET_QUOTA)
		return reply_err(r, ENOENT);
	if (r->hdr->type == XS_GET_QUOTA) {
		const struct xs_quota *q = have_dom ? domain_quota(s, domid) : &s->opt.quota;
		snprintf(buf, sizeof(buf), "%" PRIu64, q->v[id]);
		return reply_str(r, buf);
	}
	unsigned long long v;
	char *end;
	errno = 0;
	v = strtoull(r->arg[i + 1], &end, 10);
	if (errno || *end || !r->arg[i + 1][0] || r->arg[i + 1][0] == '-')
		return reply_err(r, EINVAL);
	if (id == XS_Q_PATH_MAX && (v == 0 || v > XENSTORE_ABS_PATH_MAX))
		return reply_err(r, EINVAL);
	if (have_dom) {
		if (!real_domid(domid))
			return reply_err(r, EINVAL);
		d = domain_find_or_new(s, domid);
		if (!d)
			return reply_err(r, ENOMEM);
		if (!d->has_quota) {
			d->quota = s->opt.quota;
			d->has_quota = true;
		}
		d->quota.v[id] = v;
	} else {
		s->opt.quota.v[id] = v;
	}
	reply_ok(r);
}

static void do_control(struct req *r)
{
	if (!need_priv(r))
		return;
	char out[XENSTORE_PAYLOAD_MAX];
	uint32_t out_len = 0;
	int rc = control_handle(r->c, r->hdr, r->data, out, sizeof(out), &out_len);
	if (rc < 0)
		return reply_err(r, rc);
	if (rc == 1)
		return; /* answered later (live update) */
	reply(r, out, out_len);
}

void request_handle(struct xs_conn *c, const struct xsd_sockmsg *hdr, const char *payload)
{
	struct req r = { .c = c, .hdr = hdr, .data = payload, .len = hdr->len };
	trace_msg(c->srv, c, "IN", hdr, payload);
	split(&r);
	/* Node operations name a path: it must be a complete string. */
	switch (hdr->type) {
	case XS_DIRECTORY:
	case XS_READ: return do_read(&r);
	case XS_DIRECTORY_PART: return do_directory_part(&r);
	case XS_GET_PERMS: return do_get_perms(&r);
	case XS_WRITE: return do_write(&r);
	case XS_MKDIR:
	case XS_RM: return do_mkdir_rm(&r);
	case XS_SET_PERMS: return do_set_perms(&r);
	case XS_WATCH: return do_watch(&r);
	case XS_UNWATCH: return do_unwatch(&r);
	case XS_TRANSACTION_START: return do_transaction_start(&r);
	case XS_TRANSACTION_END: return do_transaction_end(&r);
	case XS_INTRODUCE: return do_introduce(&r);
	case XS_RELEASE:
	case XS_GET_DOMAIN_PATH:
	case XS_IS_DOMAIN_INTRODUCED:
	case XS_RESUME: return do_domid_op(&r);
	case XS_SET_TARGET: return do_set_target(&r);
	case XS_RESET_WATCHES: return do_reset_watches(&r);
	case XS_GET_FEATURE:
	case XS_SET_FEATURE: return do_feature(&r);
	case XS_GET_QUOTA:
	case XS_SET_QUOTA: return do_quota(&r);
	case XS_CONTROL: return do_control(&r);
	default:
		/* WATCH_EVENT and ERROR are replies only; others are unknown. */
		return reply_err(&r, EINVAL);
	}
}
