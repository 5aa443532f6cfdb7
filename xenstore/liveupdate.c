/* liveupdate: replacing the running daemon without losing anything. The
 * state travels in the record format of Xen's docs/designs/xenstore-migration.md
 * through a memfd; sockets and the event channel handle are inherited. */

#include "hyp.h"
#include "path.h"
#include "../lib/log.h"
#include "../lib/loop.h"
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
	REC_END = 0,
	REC_GLOBAL_DATA = 1,
	REC_CONNECTION_DATA = 2,
	REC_WATCH_DATA = 3,
	REC_TRANSACTION_DATA = 4,
	REC_NODE_DATA = 5,
	REC_GLOBAL_QUOTA_DATA = 6,
	REC_DOMAIN_DATA = 7,
	REC_WATCH_DATA_EXTENDED = 8,
	/* xcd's own: a domain's ring gfn and store port, which Xen's format
	 * leaves out (its xenstored maps rings by grant); Xen skips unknown
	 * records. */
	REC_XCD_DOMAIN_RING = 0x78630001,
};

#define CONN_RING 0
#define CONN_SOCKET 1
#define DOMID_INVALID_ 0x7ff4
/* Our own access bit in NODE_DATA: the transaction already conflicted
 * (its read of the node is older than the committed node). */
#define ACCESS_STALE 0x8000

struct buf {
	char *d;
	size_t len, cap;
	int err;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (b->err)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 65536;
		while (cap < b->len + n)
			cap *= 2;
		char *d = realloc(b->d, cap);
		if (!d) {
			b->err = -ENOMEM;
			return;
		}
		b->d = d;
		b->cap = cap;
	}
	memcpy(b->d + b->len, p, n);
	b->len += n;
}

static void put16(struct buf *b, uint16_t v) { put(b, &v, 2); }
static void put32(struct buf *b, uint32_t v) { put(b, &v, 4); }

static size_t rec_begin(struct buf *b, uint32_t type)
{
	put32(b, type);
	put32(b, 0);
	return b->len;
}

static void rec_end(struct buf *b, size_t start)
{
	if (b->err)
		return;
	uint32_t len = (uint32_t)(b->len - start);
	memcpy(b->d + start - 4, &len, 4);
	static const char pad[8];
	put(b, pad, (8 - (len % 8)) % 8);
}

static void save_perms(struct buf *b, const struct xs_perms *p)
{
	for (unsigned i = 0; i < p->num; i++) {
		uint8_t perm = (uint8_t)xs_perm_char(p->p[i].perm), flags = p->p[i].flags;
		put(b, &perm, 1);
		put(b, &flags, 1);
		put16(b, p->p[i].domid);
	}
}

static void save_node(struct buf *b, uint32_t conn_id, uint32_t tx_id, const char *path,
		      const struct xs_node *n, uint16_t access)
{
	size_t st = rec_begin(b, REC_NODE_DATA);
	put32(b, conn_id);
	put32(b, tx_id);
	put16(b, (uint16_t)(strlen(path) + 1));
	put16(b, n ? (uint16_t)n->vlen : 0);
	put16(b, access);
	put16(b, n ? (uint16_t)n->perms.num : 0);
	if (n)
		save_perms(b, &n->perms);
	put(b, path, strlen(path) + 1);
	if (n)
		put(b, n->value, n->vlen);
	rec_end(b, st);
}

/* Parents before children, as the format requires. */
static void save_tree(struct buf *b, const struct xs_store *s, const struct xs_node *n)
{
	save_node(b, 0, 0, n->path, n, 0);
	size_t pl = strlen(n->path);
	for (const char *c = n->children; c && c < n->children + n->clen; c += strlen(c) + 1) {
		char path[XENSTORE_ABS_PATH_MAX + 2];
		snprintf(path, sizeof(path), "%s%s%s", n->path, pl > 1 ? "/" : "", c);
		const struct xs_node *child = store_get(s, path);
		if (child)
			save_tree(b, s, child);
	}
}

static void save_quota_values(struct buf *b, const struct xs_quota *q, unsigned from, unsigned to)
{
	for (unsigned i = from; i < to; i++)
		put32(b, (uint32_t)q->v[i]);
}

static void save_quota_names(struct buf *b, unsigned from, unsigned to)
{
	for (unsigned i = from; i < to; i++)
		put(b, quota_name(i), strlen(quota_name(i)) + 1);
}

static void save_conn(struct buf *b, struct xs_server *s, struct xs_conn *c)
{
	size_t st = rec_begin(b, REC_CONNECTION_DATA);
	put32(b, c->id);
	put16(b, c->kind == XS_CONN_SOCKET ? CONN_SOCKET : CONN_RING);
	put16(b, 0);
	if (c->kind == XS_CONN_SOCKET) {
		put32(b, (uint32_t)c->fd);
		put32(b, 0);
	} else {
		put16(b, (uint16_t)c->domid);
		put16(b, c->target >= 0 ? (uint16_t)c->target : DOMID_INVALID_);
		put32(b, c->dom ? c->dom->local_port : 0);
	}
	uint32_t out_len = 0;
	for (struct xs_out *o = c->out_head; o; o = o->next)
		out_len += o->len;
	out_len -= c->out_off;
	put16(b, (uint16_t)c->in_used);
	put16(b, c->out_off ? (uint16_t)(c->out_head->len - c->out_off) : 0);
	put32(b, out_len);
	put(b, c->in_buf, c->in_used);
	for (struct xs_out *o = c->out_head; o; o = o->next) {
		uint32_t skip = o == c->out_head ? c->out_off : 0;
		put(b, o->data + skip, o->len - skip);
	}
	rec_end(b, st);

	for (struct xs_watch *w = c->watches; w; w = w->next) {
		st = rec_begin(b, REC_WATCH_DATA_EXTENDED);
		put32(b, c->id);
		put16(b, (uint16_t)(strlen(w->path) + 1));
		put16(b, (uint16_t)(strlen(w->token) + 1));
		put16(b, w->depth < 0 ? 0xffff : (uint16_t)w->depth);
		put16(b, 0);
		put(b, w->path, strlen(w->path) + 1);
		put(b, w->token, strlen(w->token) + 1);
		rec_end(b, st);
	}
	for (struct xs_txn *t = c->txns; t; t = t->next) {
		st = rec_begin(b, REC_TRANSACTION_DATA);
		put32(b, c->id);
		put32(b, t->id);
		rec_end(b, st);
		struct strmap_iter it;
		for (struct strmap_entry *e = strmap_next(&t->overlay, &it, NULL); e;
		     e = strmap_next(&t->overlay, &it, e)) {
			struct xs_tnode *tn = e->val;
			const struct xs_node *cur = store_get(&s->store, e->key);
			uint16_t access = tn->access;
			if ((cur ? cur->gen : 0) != tn->orig_gen || t->conflict)
				access |= ACCESS_STALE;
			save_node(b, c->id, t->id, e->key, tn->node, access);
		}
	}
}

int lu_save(struct xs_server *s, int fd)
{
	struct buf b = { 0 };
	uint64_t ident = htobe64(0x78656e73746f7265ULL);
	uint32_t version = htobe32(2), flags = htobe32(0); /* little-endian records */
	put(&b, &ident, 8);
	put(&b, &version, 4);
	put(&b, &flags, 4);

	size_t st = rec_begin(&b, REC_GLOBAL_DATA);
	put32(&b, (uint32_t)s->listen_fd);
	put32(&b, s->hyp ? (uint32_t)hyp_evtchn_fd(s->hyp) : (uint32_t)-1);
	rec_end(&b, st);

	st = rec_begin(&b, REC_GLOBAL_QUOTA_DATA);
	put16(&b, XS_Q_PER_DOMAIN);
	put16(&b, XS_Q_COUNT - XS_Q_PER_DOMAIN);
	save_quota_values(&b, &s->opt.quota, 0, XS_Q_COUNT);
	save_quota_names(&b, 0, XS_Q_COUNT);
	rec_end(&b, st);

	for (unsigned id = 0; id < XS_NDOMIDS; id++) {
		struct xs_domain *d = s->domains[id];
		if (!d)
			continue;
		st = rec_begin(&b, REC_DOMAIN_DATA);
		put16(&b, (uint16_t)id);
		put16(&b, d->has_quota ? XS_Q_PER_DOMAIN : 0);
		put32(&b, d->features);
		if (d->has_quota) {
			save_quota_values(&b, &d->quota, 0, XS_Q_PER_DOMAIN);
			save_quota_names(&b, 0, XS_Q_PER_DOMAIN);
		}
		rec_end(&b, st);
		if (d->introduced && id != 0) {
			st = rec_begin(&b, REC_XCD_DOMAIN_RING);
			put16(&b, (uint16_t)id);
			put16(&b, 0);
			put32(&b, d->remote_port);
			put32(&b, (uint32_t)d->gfn);
			put32(&b, (uint32_t)(d->gfn >> 32));
			rec_end(&b, st);
		}
		/* An introduced domain without a ring (no hypervisor) is kept
		 * as a ring connection record with no event channel. */
		if (d->introduced && !d->conn) {
			st = rec_begin(&b, REC_CONNECTION_DATA);
			put32(&b, 0x80000000u | id);
			put16(&b, CONN_RING);
			put16(&b, 0);
			put16(&b, (uint16_t)id);
			put16(&b, d->target >= 0 ? (uint16_t)d->target : DOMID_INVALID_);
			put32(&b, 0);
			put16(&b, 0);
			put16(&b, 0);
			put32(&b, 0);
			rec_end(&b, st);
		}
	}

	/* Committed nodes before the connections whose transactions refer to them. */
	save_tree(&b, &s->store, store_get(&s->store, "/"));
	/* The special watch paths have permissions too (nodes in Xen). */
	static const char *const specials[] = { "@introduceDomain", "@releaseDomain" };
	for (unsigned i = 0; i < 2; i++) {
		struct xs_node sn = { .path = (char *)specials[i], .value = "", .vlen = 0,
				      .perms = *store_special_perms(&s->store, specials[i]) };
		save_node(&b, 0, 0, specials[i], &sn, 0);
	}
	for (struct xs_conn *c = s->conns; c; c = c->next)
		if (!c->dead)
			save_conn(&b, s, c);
	st = rec_begin(&b, REC_END);
	rec_end(&b, st);
	if (b.err) {
		free(b.d);
		return b.err;
	}
	size_t off = 0;
	while (off < b.len) {
		ssize_t n = write(fd, b.d + off, b.len - off);
		if (n < 0) {
			int e = errno;
			free(b.d);
			return -e;
		}
		off += (size_t)n;
	}
	free(b.d);
	return 0;
}

/* Restore */

struct rd {
	const char *d;
	size_t len, off;
	int err;
};

static const void *take(struct rd *r, size_t n)
{
	if (r->err || r->off + n > r->len) {
		r->err = -EINVAL;
		return NULL;
	}
	const void *p = r->d + r->off;
	r->off += n;
	return p;
}

static uint16_t get16(struct rd *r)
{
	const void *p = take(r, 2);
	uint16_t v = 0;
	if (p)
		memcpy(&v, p, 2);
	return v;
}

static uint32_t get32(struct rd *r)
{
	const void *p = take(r, 4);
	uint32_t v = 0;
	if (p)
		memcpy(&v, p, 4);
	return v;
}

/* A NUL-terminated string of exactly n bytes. */
static const char *getstr(struct rd *r, size_t n)
{
	const char *p = take(r, n);
	if (p && (n == 0 || p[n - 1] != '\0')) {
		r->err = -EINVAL;
		return NULL;
	}
	return p;
}

struct idmap {
	uint32_t old_id;
	struct xs_conn *c;
};

struct restore {
	struct xs_server *s;
	struct idmap *map;
	size_t nmap;
};

static struct xs_conn *mapped(struct restore *rs, uint32_t id)
{
	for (size_t i = 0; i < rs->nmap; i++)
		if (rs->map[i].old_id == id)
			return rs->map[i].c;
	return NULL;
}

static int read_perms(struct rd *r, unsigned n, struct xs_perms *out)
{
	out->num = n;
	out->p = calloc(n ? n : 1, sizeof(*out->p));
	if (!out->p)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *pf = take(r, 2);
		uint16_t domid = get16(r);
		if (!pf)
			return -EINVAL;
		switch (pf[0]) {
		case 'n': out->p[i].perm = XS_PERM_NONE; break;
		case 'r': out->p[i].perm = XS_PERM_READ; break;
		case 'w': out->p[i].perm = XS_PERM_WRITE; break;
		case 'b': out->p[i].perm = XS_PERM_BOTH; break;
		default: return -EINVAL;
		}
		out->p[i].flags = pf[1] & XS_PERM_STALE;
		out->p[i].domid = domid;
	}
	return 0;
}

static int restore_node(struct restore *rs, struct rd *r)
{
	struct xs_server *s = rs->s;
	uint32_t conn_id = get32(r), tx_id = get32(r);
	uint16_t plen = get16(r), vlen = get16(r), access = get16(r), nperm = get16(r);
	struct xs_perms perms = { 0 };
	int rc = read_perms(r, nperm, &perms);
	const char *path = getstr(r, plen);
	const char *value = take(r, vlen);
	if (rc == 0 && !r->err && !conn_id && path[0] == '@') {
		struct xs_perms *sp = store_special_perms(&s->store, path);
		if (!sp || !nperm) {
			xs_perms_free(&perms);
			return -EINVAL;
		}
		xs_perms_free(sp);
		*sp = perms;
		return 0;
	}
	if (rc < 0 || r->err || !xs_path_valid(path, XENSTORE_ABS_PATH_MAX) || (!conn_id && !nperm)) {
		xs_perms_free(&perms);
		return rc < 0 ? rc : -EINVAL;
	}
	struct xs_node *n = NULL;
	if (nperm) {
		n = node_new(path, value, vlen, &perms);
		if (!n) {
			xs_perms_free(&perms);
			return -ENOMEM;
		}
	}
	xs_perms_free(&perms);
	if (!conn_id) {
		if (store_get(&s->store, path)) { /* a second record for the node */
			node_free(n);
			return -EINVAL;
		}
		/* Committed: link into the parent, which came earlier. */
		char *pp = xs_path_parent(path);
		if (pp) {
			struct xs_node *parent = store_get(&s->store, pp);
			free(pp);
			if (!parent) {
				node_free(n);
				return -EINVAL;
			}
			/* The parent grows: so does what its owner is accounted. */
			struct xs_acct *pa = &s->store.acct[node_owner(parent)];
			pa->memory -= node_memory(parent);
			node_add_child(parent, xs_path_basename(path));
			pa->memory += node_memory(parent);
		}
		return store_put(&s->store, n);
	}
	struct xs_conn *c = mapped(rs, conn_id);
	struct xs_txn *t = NULL;
	for (struct xs_txn *x = c ? c->txns : NULL; x; x = x->next)
		if (x->id == tx_id)
			t = x;
	if (!t || strmap_get(&t->overlay, path)) { /* unknown, or a second record */
		node_free(n);
		return -EINVAL;
	}
	struct xs_tnode *tn = calloc(1, sizeof(*tn));
	if (!tn) {
		node_free(n);
		return -ENOMEM;
	}
	tn->node = n;
	tn->access = access & (XS_ACCESS_READ | XS_ACCESS_WRITE);
	if (access & ACCESS_STALE)
		t->conflict = true;
	int prc = strmap_put(&t->overlay, path, tn, NULL);
	if (prc < 0) {
		node_free(n);
		free(tn);
	}
	return prc;
}

/* Transaction overlays need their children lists and generations, which the
 * format does not carry: rebuild them from the committed store. */
static void fix_txn(struct xs_server *s, struct xs_txn *t)
{
	struct strmap_iter it;
	struct strmap_entry *e;
	for (e = strmap_next(&t->overlay, &it, NULL); e; e = strmap_next(&t->overlay, &it, e)) {
		struct xs_tnode *tn = e->val;
		const struct xs_node *cur = store_get(&s->store, e->key);
		tn->orig_gen = cur ? cur->gen : 0;
		if (tn->node && cur && cur->clen) {
			tn->node->children = malloc(cur->clen);
			if (tn->node->children) {
				memcpy(tn->node->children, cur->children, cur->clen);
				tn->node->clen = cur->clen;
			}
		}
		if (!(tn->access & XS_ACCESS_WRITE)) {
			/* A read whose content no longer matches conflicts. */
			bool same = (!tn->node && !cur) ||
				    (tn->node && cur && tn->node->vlen == cur->vlen &&
				     memcmp(tn->node->value, cur->value, cur->vlen) == 0 &&
				     xs_perms_equal(&tn->node->perms, &cur->perms));
			if (!same)
				t->conflict = true;
		}
		if (tn->node && !cur)
			t->created++;
		else if (!tn->node && cur)
			t->created--;
	}
	for (e = strmap_next(&t->overlay, &it, NULL); e; e = strmap_next(&t->overlay, &it, e)) {
		struct xs_tnode *tn = e->val;
		char *pp = xs_path_parent(e->key);
		if (!pp)
			continue;
		struct xs_tnode *ptn = strmap_get(&t->overlay, pp);
		free(pp);
		if (!ptn || !ptn->node)
			continue;
		if (tn->node)
			node_add_child(ptn->node, xs_path_basename(e->key));
		else
			node_del_child(ptn->node, xs_path_basename(e->key));
	}
	/* The watch events of its changes, which the record does not carry. */
	struct xs_view v = { .store = &s->store, .txn = t };
	for (e = strmap_next(&t->overlay, &it, NULL); e; e = strmap_next(&t->overlay, &it, e)) {
		struct xs_tnode *tn = e->val;
		const struct xs_node *cur = store_get(&s->store, e->key);
		if (!(tn->access & XS_ACCESS_WRITE))
			continue;
		if (tn->node) {
			/* Not for parents whose children list only changed. */
			if (cur && cur->vlen == tn->node->vlen &&
			    memcmp(cur->value, tn->node->value, cur->vlen) == 0 &&
			    xs_perms_equal(&cur->perms, &tn->node->perms))
				continue;
			view_event(&v, NULL, e->key, &tn->node->perms, false);
		} else if (cur) {
			char *pp = xs_path_parent(e->key);
			struct xs_tnode *ptn = pp ? strmap_get(&t->overlay, pp) : NULL;
			free(pp);
			if (ptn && !ptn->node)
				continue; /* its removed parent's event covers it */
			view_event(&v, NULL, e->key, &cur->perms, true);
		}
	}
}

static int restore_out(struct xs_conn *c, const char *data, uint32_t resp_len, uint32_t len)
{
	/* The tail of a partly sent message first, then whole messages. */
	uint32_t off = 0;
	while (off < len) {
		uint32_t n;
		bool is_event = false;
		if (off == 0 && resp_len) {
			n = resp_len;
		} else {
			if (len - off < XS_HDR_SIZE)
				return -EINVAL;
			struct xsd_sockmsg h;
			memcpy(&h, data + off, sizeof(h));
			n = XS_HDR_SIZE + h.len;
			is_event = h.type == XS_WATCH_EVENT;
		}
		if (n > len - off)
			return -EINVAL;
		struct xs_out *o = malloc(sizeof(*o) + n);
		if (!o)
			return -ENOMEM;
		memcpy(o->data, data + off, n);
		o->len = n;
		o->is_event = is_event;
		o->next = NULL;
		if (c->out_tail)
			c->out_tail->next = o;
		else
			c->out_head = o;
		c->out_tail = o;
		c->out_bytes += n;
		if (!is_event && !(off == 0 && resp_len))
			c->out_responses++;
		off += n;
	}
	return 0;
}

static int restore_conn(struct restore *rs, struct rd *r)
{
	struct xs_server *s = rs->s;
	uint32_t id = get32(r);
	uint16_t type = get16(r);
	get16(r);
	uint32_t a = get32(r), b = get32(r);
	uint16_t in_len = get16(r), resp_len = get16(r);
	uint32_t out_len = get32(r);
	const char *in = take(r, in_len);
	const char *out = take(r, out_len);
	if (r->err || in_len > sizeof(((struct xs_conn *)0)->in_buf))
		return -EINVAL;
	/* Saved input is at most one incomplete message. */
	if (in_len >= XS_HDR_SIZE) {
		struct xsd_sockmsg h;
		memcpy(&h, in, sizeof(h));
		if (h.len > XENSTORE_PAYLOAD_MAX || in_len >= XS_HDR_SIZE + h.len)
			return -EINVAL;
	}
	struct xs_conn *c = NULL;
	if (type == CONN_SOCKET) {
		int fd = (int)a;
		c = conn_new(s, XS_CONN_SOCKET, &conn_socket_ops, NULL, fd);
		if (!c)
			return -ENOMEM;
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	} else if (type == CONN_RING) {
		unsigned domid = a & 0xffff, tdomid = a >> 16;
		struct xs_domain *d = domain_find_or_new(s, domid);
		if (!d)
			return -ENOMEM;
		d->introduced = true;
		d->target = tdomid == DOMID_INVALID_ ? -1 : (int)tdomid;
		if (!s->hyp || b == 0)
			return 0; /* known, without a ring */
		d->local_port = b;
		int rc = hyp_map_ring(s->hyp, d);
		if (rc < 0)
			return rc;
		c = conn_new(s, XS_CONN_DOMAIN, &ring_conn_ops, d, -1);
		if (!c)
			return -ENOMEM;
		c->domid = domid;
		c->dom = d;
		c->target = d->target;
		c->privileged = domid == 0;
		d->conn = c;
	} else {
		return -EINVAL;
	}
	memcpy(c->in_buf, in, in_len);
	c->in_used = in_len;
	int rc = restore_out(c, out, resp_len, out_len);
	if (rc == 0 && c->kind == XS_CONN_SOCKET)
		rc = conn_socket_attach(c);
	if (rc < 0)
		return rc;
	struct idmap *m = realloc(rs->map, (rs->nmap + 1) * sizeof(*m));
	if (!m)
		return -ENOMEM;
	rs->map = m;
	m[rs->nmap].old_id = id;
	m[rs->nmap].c = c;
	rs->nmap++;
	return 0;
}

static int restore_quota(struct rd *r, struct xs_quota *q, unsigned n, size_t end)
{
	uint32_t vals[64];
	if (n > 64)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		vals[i] = get32(r);
	for (unsigned i = 0; i < n && !r->err; i++) {
		const char *name = r->d + r->off;
		const char *nul = memchr(name, '\0', end - r->off);
		if (!nul)
			return -EINVAL;
		r->off += (size_t)(nul - name) + 1;
		int id = quota_lookup(name);
		if (id >= 0)
			q->v[id] = vals[i]; /* unknown names: ignored, as the format says */
	}
	return r->err;
}

int lu_restore(struct xs_server *s, int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	char *data = malloc((size_t)st.st_size + 1);
	if (!data)
		return -ENOMEM;
	if (pread(fd, data, (size_t)st.st_size, 0) != st.st_size) {
		free(data);
		return -EIO;
	}
	close(fd);
	struct rd r = { .d = data, .len = (size_t)st.st_size };
	struct restore rs = { .s = s };
	int rc = 0;
	const uint64_t *ident = take(&r, 8);
	if (!ident || be64toh(*ident) != 0x78656e73746f7265ULL) {
		free(data);
		return -EINVAL;
	}
	uint32_t version = be32toh(get32(&r)), flags = be32toh(get32(&r));
	if (version < 1 || version > 2 || (flags & 1)) {
		free(data);
		return -EINVAL;
	}
	/* The root and /tool nodes made by store_init are replaced by the saved ones. */
	store_destroy(&s->store);
	rc = store_init(&s->store);
	if (rc == 0) {
		store_del(&s->store, "/tool/xenstored");
		store_del(&s->store, "/tool");
		store_del(&s->store, "/");
	}
	bool done = false;
	while (!done && rc == 0 && !r.err) {
		uint32_t type = get32(&r), len = get32(&r);
		if (r.err || len > r.len - r.off) {
			rc = -EINVAL;
			break;
		}
		size_t start = r.off, end = start + len;
		struct rd sub = { .d = r.d, .len = end, .off = start };
		switch (type) {
		case REC_END:
			done = true;
			break;
		case REC_GLOBAL_DATA: {
			int sock = (int)get32(&sub), evfd = (int)get32(&sub);
			if (sub.err || s->listen_fd >= 0) {
				rc = -EINVAL; /* truncated, or a second one */
				break;
			}
			s->listen_fd = sock;
			if (sock >= 0) {
				fcntl(sock, F_SETFD, FD_CLOEXEC);
				rc = server_add_listener(s);
			}
			if (rc == 0 && evfd >= 0)
				rc = hyp_open(s, &s->hyp, evfd);
			break;
		}
		case REC_GLOBAL_QUOTA_DATA: {
			uint16_t nd = get16(&sub), ng = get16(&sub);
			rc = restore_quota(&sub, &s->opt.quota, (unsigned)nd + ng, end);
			break;
		}
		case REC_DOMAIN_DATA: {
			uint16_t domid = get16(&sub), nq = get16(&sub);
			uint32_t features = get32(&sub);
			struct xs_domain *d = domain_find_or_new(s, domid);
			if (!d) {
				rc = -ENOMEM;
				break;
			}
			d->features = features;
			if (nq) {
				d->quota = s->opt.quota;
				d->has_quota = true;
				rc = restore_quota(&sub, &d->quota, nq, end);
			}
			break;
		}
		case REC_CONNECTION_DATA:
			rc = restore_conn(&rs, &sub);
			break;
		case REC_XCD_DOMAIN_RING: {
			uint16_t domid = get16(&sub);
			get16(&sub);
			uint32_t port = get32(&sub), lo = get32(&sub), hi = get32(&sub);
			struct xs_domain *d = sub.err ? NULL : domain_get(s, domid);
			if (!d) {
				rc = -EINVAL; /* truncated, or before its domain record */
				break;
			}
			d->remote_port = port;
			d->gfn = (uint64_t)hi << 32 | lo;
			break;
		}
		case REC_WATCH_DATA:
		case REC_WATCH_DATA_EXTENDED: {
			uint32_t cid = get32(&sub);
			uint16_t pl = get16(&sub), tl = get16(&sub), depth = 0xffff;
			if (type == REC_WATCH_DATA_EXTENDED) {
				depth = get16(&sub);
				get16(&sub);
			}
			const char *path = getstr(&sub, pl), *token = getstr(&sub, tl);
			struct xs_conn *c = mapped(&rs, cid);
			if (sub.err || !c) {
				rc = -EINVAL;
				break;
			}
			rc = watch_add(c, path, token, depth == 0xffff ? -1 : depth);
			break;
		}
		case REC_TRANSACTION_DATA: {
			uint32_t cid = get32(&sub), txid = get32(&sub);
			struct xs_conn *c = mapped(&rs, cid);
			struct xs_txn *t = c ? txn_new(txid) : NULL;
			if (!t) {
				rc = -EINVAL;
				break;
			}
			t->next = c->txns;
			c->txns = t;
			c->ntxns++;
			if (txid >= c->next_txid)
				c->next_txid = txid + 1;
			break;
		}
		case REC_NODE_DATA:
			rc = restore_node(&rs, &sub);
			break;
		default:
			break; /* reserved types: skipped */
		}
		if (rc == 0 && sub.err)
			rc = sub.err;
		r.off = end + (8 - (len % 8)) % 8;
	}
	if (rc == 0 && !done)
		rc = -EINVAL;
	if (rc == 0 && !store_get(&s->store, "/"))
		rc = -EINVAL;
	if (rc == 0)
		for (struct xs_conn *c = s->conns; c; c = c->next)
			for (struct xs_txn *t = c->txns; t; t = t->next)
				fix_txn(s, t);
	if (rc == 0 && s->hyp)
		hyp_check_domains(s->hyp);
	/* Output saved in the queues (the answer to live-update -s among it). */
	if (rc == 0)
		for (struct xs_conn *c = s->conns; c; c = c->next)
			conn_flush(c);
	free(rs.map);
	free(data);
	return rc;
}

void lu_run(struct xs_server *s)
{
	struct xs_conn *lc = s->lu_conn;
	s->lu_pending = false;
	if (!lc || lc->dead) {
		log_warn("live update: the requesting connection is gone; not updating");
		return;
	}
	const char *ok = "OK";
	/* The answer to -s is delivered by the new daemon from the saved queue. */
	conn_send(lc, XS_CONTROL, s->lu_req.req_id, s->lu_req.tx_id, ok, 3, false);
	int fd = memfd_create("xcd-xenstored-state", 0);
	int rc = fd < 0 ? -errno : lu_save(s, fd);
	if (rc < 0) {
		log_err("live update: cannot save the state: %s", strerror(-rc));
		goto fail;
	}
	/* Everything the new process inherits. */
	for (struct xs_conn *c = s->conns; c; c = c->next)
		if (c->fd >= 0)
			fcntl(c->fd, F_SETFD, 0);
	if (s->listen_fd >= 0)
		fcntl(s->listen_fd, F_SETFD, 0);
	if (s->hyp)
		hyp_prepare_exec(s->hyp);

	char fdarg[16];
	snprintf(fdarg, sizeof(fdarg), "%d", fd);
	char *argv[64];
	int argc = 0;
	argv[argc++] = s->lu_binary;
	if (s->lu_cmdline) {
		char *cmd = strdup(s->lu_cmdline);
		for (char *tok = strtok(cmd, " "); tok && argc < 58; tok = strtok(NULL, " "))
			argv[argc++] = tok;
	} else {
		for (char **a = s->opt.argv + 1; *a && argc < 58; a++) {
			if (strcmp(*a, "--live-update") == 0) {
				if (a[1])
					a++;
				continue;
			}
			argv[argc++] = *a;
		}
	}
	argv[argc++] = "--live-update";
	argv[argc++] = fdarg;
	argv[argc] = NULL;
	log_info("live update: exec %s", s->lu_binary);
	if (s->trace)
		fflush(s->trace);
	execv(s->lu_binary, argv);
	rc = -errno;
	log_err("live update: exec %s: %s", s->lu_binary, strerror(errno));
	if (s->hyp)
		hyp_after_failed_exec(s->hyp);
fail:
	for (struct xs_conn *c = s->conns; c; c = c->next)
		if (c->fd >= 0)
			fcntl(c->fd, F_SETFD, FD_CLOEXEC);
	if (s->listen_fd >= 0)
		fcntl(s->listen_fd, F_SETFD, FD_CLOEXEC);
	if (fd >= 0)
		close(fd);
	/* Replace the queued OK with the reason. */
	if (lc->out_tail && lc->out_tail->len == XS_HDR_SIZE + 3) {
		char msg[160];
		snprintf(msg, sizeof(msg), "live update failed: %s", strerror(-rc));
		struct xs_out *o = lc->out_tail;
		lc->out_bytes -= o->len;
		lc->out_responses--;
		struct xs_out **p = &lc->out_head;
		while (*p != o)
			p = &(*p)->next;
		*p = NULL;
		lc->out_tail = NULL;
		for (struct xs_out *x = lc->out_head; x; x = x->next)
			lc->out_tail = x;
		free(o);
		conn_send(lc, XS_CONTROL, s->lu_req.req_id, s->lu_req.tx_id, msg,
			  (uint32_t)strlen(msg) + 1, false);
	}
	conn_flush(lc);
}
