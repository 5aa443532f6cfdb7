/* state: the live-update record (docs/designs/xenstore-migration.md):
 * lu_save() of a server with nodes, permissions, quotas, watches and
 * transactions in flight on socket connections, lu_restore() into a fresh
 * server in the same process (the sockets' fds stay valid), and what must
 * hold afterwards; broken records are refused without crashing. */
#include "suites.h"
#include "util.h"
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

/* A client on a socket pair: the daemon holds fd, the test peer. */
struct sk {
	int fd, peer;
	struct xs_conn *c;
	uint32_t next_req;
	char ev[32][160];
	unsigned nev;
};

static struct hmsg R; /* the last reply */

static bool sk_open(struct xs_server *s, struct sk *k)
{
	int sv[2];
	memset(k, 0, sizeof(*k));
	k->fd = k->peer = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return false;
	k->fd = sv[0];
	k->peer = sv[1];
	k->next_req = 1;
	k->c = conn_new(s, XS_CONN_SOCKET, &conn_socket_ops, NULL, sv[0]);
	return k->c && conn_socket_attach(k->c) == 0;
}

static bool read_full(int fd, void *buf, size_t len, int timeout_ms)
{
	size_t off = 0;
	while (off < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, timeout_ms) <= 0)
			return false;
		ssize_t n = read(fd, (char *)buf + off, len - off);
		if (n <= 0)
			return false;
		off += (size_t)n;
	}
	return true;
}

static bool sk_recv(struct sk *k, struct hmsg *m, int timeout_ms)
{
	struct xsd_sockmsg h;
	if (!read_full(k->peer, &h, sizeof(h), timeout_ms) || h.len > XENSTORE_PAYLOAD_MAX)
		return false;
	if (!read_full(k->peer, m->data, h.len, 2000))
		return false;
	m->type = h.type;
	m->req_id = h.req_id;
	m->tx_id = h.tx_id;
	m->len = h.len;
	m->data[h.len] = '\0';
	return true;
}

static void keep_event(struct sk *k, const struct hmsg *m)
{
	size_t pl = strnlen(m->data, m->len);
	if (k->nev < 32)
		snprintf(k->ev[k->nev++], sizeof(k->ev[0]), "%s|%s", m->data,
			 pl + 1 < m->len ? m->data + pl + 1 : "");
}

/* Everything the daemon has for the peer right now. */
static void sk_pump(struct sk *k)
{
	struct hmsg m;
	conn_flush(k->c);
	while (sk_recv(k, &m, 0))
		if (m.type == XS_WATCH_EVENT)
			keep_event(k, &m);
}

static int cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The events received, sorted and joined with ' '; forgets them. */
static const char *sk_events(struct sk *k)
{
	static char out[2048];
	sk_pump(k);
	qsort(k->ev, k->nev, sizeof(k->ev[0]), cmp);
	out[0] = '\0';
	for (unsigned i = 0; i < k->nev; i++) {
		if (i)
			strcat(out, " ");
		strncat(out, k->ev[i], sizeof(out) - strlen(out) - 2);
	}
	k->nev = 0;
	return out;
}

static int wait_reply(struct sk *k, uint32_t req, uint32_t type)
{
	for (;;) {
		if (!sk_recv(k, &R, 2000))
			return U_NOREPLY;
		if (R.type == XS_WATCH_EVENT) {
			keep_event(k, &R);
			continue;
		}
		if (R.req_id != req)
			continue; /* an older answer */
		if (R.type == XS_ERROR) {
			int e = xs_errno_from_name(R.data);
			return e ? -e : U_BADTYPE;
		}
		return R.type == type ? 0 : U_BADTYPE;
	}
}

static uint32_t build_msg(char *buf, uint32_t type, uint32_t req, uint32_t tx, const char *payload,
			  uint32_t len)
{
	struct xsd_sockmsg h = { .type = type, .req_id = req, .tx_id = tx, .len = len };
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), payload, len);
	return (uint32_t)sizeof(h) + len;
}

static int sk_raw(struct sk *k, uint32_t type, uint32_t tx, const char *payload, uint32_t len)
{
	char buf[XS_HDR_SIZE + XENSTORE_PAYLOAD_MAX];
	uint32_t req = k->next_req++;
	uint32_t n = build_msg(buf, type, req, tx, payload, len);
	if (!k->c || conn_feed(k->c, buf, n) < 0)
		return U_NOREPLY;
	conn_flush(k->c);
	return wait_reply(k, req, type);
}

static int sk_req(struct sk *k, uint32_t type, uint32_t tx, ...)
{
	char p[XENSTORE_PAYLOAD_MAX];
	uint32_t len = 0;
	va_list ap;
	va_start(ap, tx);
	for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *)) {
		size_t l = strlen(s) + 1;
		if (len + l > sizeof(p))
			break;
		memcpy(p + len, s, l);
		len += (uint32_t)l;
	}
	va_end(ap);
	return sk_raw(k, type, tx, p, len);
}

static int sk_write(struct sk *k, uint32_t tx, const char *path, const char *value, uint32_t vlen)
{
	char p[XENSTORE_PAYLOAD_MAX];
	size_t pl = strlen(path) + 1;
	memcpy(p, path, pl);
	memcpy(p + pl, value, vlen);
	return sk_raw(k, XS_WRITE, tx, p, (uint32_t)(pl + vlen));
}

static const char *joined(void)
{
	static char o[XENSTORE_PAYLOAD_MAX + 1];
	uint32_t len = R.len;
	if (len && R.data[len - 1] == '\0')
		len--;
	for (uint32_t i = 0; i < len; i++)
		o[i] = R.data[i] ? R.data[i] : ',';
	o[len] = '\0';
	return o;
}

/* READ/DIRECTORY/GET_PERMS as text, "E<name>" on error. */
static const char *sk_get(struct sk *k, uint32_t type, uint32_t tx, const char *path)
{
	/* An errno's name ("ENOENT"), not a message: 32 bytes hold any. */
	static char err[32];
	int rc = sk_req(k, type, tx, path, NULL);
	if (rc == 0)
		return joined();
	snprintf(err, sizeof(err), "%s", u_rcname(rc));
	return err;
}

static uint32_t sk_txstart(struct sk *k)
{
	return sk_req(k, XS_TRANSACTION_START, 0, "", NULL) == 0 ? (uint32_t)atoi(R.data) : 0;
}

static struct xs_conn *conn_by_fd(struct xs_server *s, int fd)
{
	for (struct xs_conn *c = s->conns; c; c = c->next)
		if (c->kind == XS_CONN_SOCKET && c->fd == fd)
			return c;
	return NULL;
}

/* Frees a server without closing the fds that another server or the test
 * still uses. */
static void server_free_keep_fds(struct xs_server *s)
{
	if (!s)
		return;
	for (struct xs_conn *c = s->conns; c; c = c->next)
		if (c->kind == XS_CONN_SOCKET)
			c->fd = -1;
	s->listen_fd = -1;
	harness_server_free(s);
}

/* The state of the tests: built on s1, saved, restored into s2. */
#define NK 4
struct st {
	struct xs_server *s1, *s2;
	struct sk k[NK]; /* A, B, C, D */
	uint32_t ta, tb, tc, td;
	char partial[64];
	uint32_t partial_len;
	char *rec;
	size_t rlen;
};

#define NCHILD 10

static const char *child_name(int i)
{
	static char n[64];
	snprintf(n, sizeof(n), "/local/domain/5/a-rather-long-child-name-%02d", i);
	return n;
}

/* Returns false when the state could not be made (reported already). */
static bool build(struct st *st)
{
	memset(st, 0, sizeof(*st));
	for (int i = 0; i < NK; i++)
		st->k[i].fd = st->k[i].peer = -1;
	st->s1 = harness_server(NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st->s1);
	for (int i = 0; i < NK; i++)
		CU_ASSERT_TRUE_FATAL(sk_open(st->s1, &st->k[i]));
	struct sk *a = &st->k[0], *b = &st->k[1], *c = &st->k[2], *d = &st->k[3];
	int bad = 0;
#define DO(x) bad += (x) != 0
	DO(sk_req(a, XS_INTRODUCE, 0, "5", "1", "1", NULL));
	DO(sk_req(a, XS_INTRODUCE, 0, "8", "1", "1", NULL));
	DO(sk_req(a, XS_INTRODUCE, 0, "9", "1", "1", NULL));
	DO(sk_req(a, XS_SET_TARGET, 0, "5", "9", NULL));
	DO(sk_req(a, XS_SET_QUOTA, 0, "nodes", "321", NULL));
	DO(sk_req(a, XS_SET_QUOTA, 0, "watches", "77", NULL));
	DO(sk_req(a, XS_SET_QUOTA, 0, "path-max", "2000", NULL));
	DO(sk_req(a, XS_SET_QUOTA, 0, "5", "nodes", "42", NULL));
	DO(sk_req(a, XS_SET_FEATURE, 0, "20", "1", NULL));
	DO(sk_write(a, 0, "/a", "alpha", 5));
	DO(sk_write(a, 0, "/a/b", "beta", 4));
	DO(sk_write(a, 0, "/bin", "x\0y\xff", 4));
	DO(sk_write(a, 0, "/stale", "s0", 2));
	DO(sk_write(a, 0, "/after", "a0", 2));
	DO(sk_write(a, 0, "/rmme", "r", 1));
	DO(sk_req(a, XS_MKDIR, 0, "/d/x/y", NULL));
	DO(sk_req(a, XS_MKDIR, 0, "/local/domain/0/rel", NULL));
	DO(sk_req(a, XS_MKDIR, 0, "/local/domain/5/data", NULL));
	DO(sk_req(a, XS_SET_PERMS, 0, "/local/domain/5", "n5", "b8", "r9", NULL));
	for (int i = 0; i < NCHILD; i++) {
		DO(sk_req(a, XS_MKDIR, 0, child_name(i), NULL));
		DO(sk_req(a, XS_SET_PERMS, 0, child_name(i), "n0", "b5", NULL));
	}
	DO(sk_write(a, 0, "/perm", "p", 1));
	DO(sk_req(a, XS_SET_PERMS, 0, "/perm", "r0", "w5", "b8", "n9", NULL));
	DO(sk_req(a, XS_RELEASE, 0, "8", NULL)); /* b8 entries become stale */
	DO(sk_req(a, XS_SET_PERMS, 0, "@releaseDomain", "n0", "r5", NULL));
	DO(sk_req(a, XS_SET_PERMS, 0, "@introduceDomain", "n0", "r9", NULL));
	DO(sk_req(a, XS_WATCH, 0, "/a", "ta", NULL));
	DO(sk_req(a, XS_WATCH, 0, "rel", "tr", NULL));
	DO(sk_req(a, XS_WATCH, 0, "@releaseDomain", "ts", NULL));
	DO(sk_req(b, XS_WATCH, 0, "/d", "tb", "1", NULL));
	DO(sk_req(b, XS_WATCH, 0, "@releaseDomain/5", "t5", NULL));
	DO(sk_req(c, XS_WATCH, 0, "/after", "tc", NULL));
	for (int i = 0; i < NK; i++)
		sk_events(&st->k[i]);
	/* A: a transaction with reads, writes, a removal, new directories. */
	st->ta = sk_txstart(a);
	DO(sk_req(a, XS_READ, st->ta, "/a", NULL));
	DO(sk_write(a, st->ta, "/a/b", "beta-tx", 7));
	DO(sk_write(a, st->ta, "/txnew/deep", "n", 1));
	DO(sk_req(a, XS_RM, st->ta, "/rmme", NULL));
	DO(sk_req(a, XS_MKDIR, st->ta, "/a/c", NULL));
	/* B: a transaction whose read node changes before the save. */
	st->tb = sk_txstart(b);
	DO(sk_req(b, XS_READ, st->tb, "/stale", NULL));
	DO(sk_write(b, st->tb, "/fromB", "x", 1));
	DO(sk_write(a, 0, "/stale", "s1", 2));
	/* C: a transaction whose read node will change after the restore. */
	st->tc = sk_txstart(c);
	DO(sk_req(c, XS_READ, st->tc, "/after", NULL));
	DO(sk_write(c, st->tc, "/fromC", "y", 1));
	/* D: an empty transaction. */
	st->td = sk_txstart(d);
	bad += !st->ta || !st->tb || !st->tc || !st->td;
#undef DO
	for (int i = 0; i < NK; i++)
		sk_events(&st->k[i]);
	U_EQ(bad, 0);
	/* D: half a request read; C: an answer not yet sent. */
	st->partial_len = build_msg(st->partial, XS_READ, 99, 0, "/a", 3);
	conn_feed(d->c, st->partial, 10);
	char msg[64];
	uint32_t n = build_msg(msg, XS_READ, 55, 0, "/a", 3);
	conn_feed(c->c, msg, n);
	U_EQ(c->c->out_responses, 1);

	int fd = memfd_create("xs-unit-state", 0);
	CU_ASSERT_TRUE_FATAL(fd >= 0);
	int rc = lu_save(st->s1, fd);
	U_OK(rc);
	off_t size = lseek(fd, 0, SEEK_END);
	st->rlen = size > 0 ? (size_t)size : 0;
	st->rec = malloc(st->rlen + 1);
	if (pread(fd, st->rec, st->rlen, 0) != (ssize_t)st->rlen)
		st->rlen = 0;
	close(fd);
	return bad == 0 && rc == 0 && st->rlen > 16;
}

/* Restores a record into a new server; *out gets it (even on failure). */
static int restore_bytes(const char *rec, size_t len, struct xs_server **out)
{
	*out = harness_server(NULL);
	int fd = memfd_create("xs-unit-restore", 0);
	if (!*out || fd < 0) {
		if (fd >= 0)
			close(fd);
		return U_NOREPLY;
	}
	if (len && write(fd, rec, len) != (ssize_t)len) {
		close(fd);
		return U_NOREPLY;
	}
	return lu_restore(*out, fd); /* closes fd */
}

static int restore(struct st *st)
{
	int rc = restore_bytes(st->rec, st->rlen, &st->s2);
	for (int i = 0; i < NK; i++)
		st->k[i].c = st->s2 ? conn_by_fd(st->s2, st->k[i].fd) : NULL;
	return rc;
}

static void finish(struct st *st)
{
	server_free_keep_fds(st->s1);
	server_free_keep_fds(st->s2);
	for (int i = 0; i < NK; i++) {
		if (st->k[i].fd >= 0)
			close(st->k[i].fd);
		if (st->k[i].peer >= 0)
			close(st->k[i].peer);
	}
	free(st->rec);
	memset(st, 0, sizeof(*st));
}

/* Completes what was in flight at the save (D's half request, C's answer). */
static void settle(struct st *st)
{
	struct sk *c = &st->k[2], *d = &st->k[3];
	U_EQ(conn_feed(d->c, st->partial + 10, st->partial_len - 10), 0);
	conn_flush(d->c);
	U_EQ(wait_reply(d, 99, XS_READ), 0);
	U_STR(R.data, "alpha");
	conn_flush(c->c);
	U_EQ(wait_reply(c, 55, XS_READ), 0);
	U_STR(R.data, "alpha");
}

/* Builds and restores; false (with the cleanup done) if that failed. */
static bool setup_keep(struct st *st, bool keep_pending)
{
	if (!build(st)) {
		finish(st);
		return false;
	}
	int rc = restore(st);
	U_OK(rc);
	for (int i = 0; i < NK; i++)
		CU_ASSERT_PTR_NOT_NULL(st->k[i].c);
	if (rc != 0) {
		finish(st);
		return false;
	}
	for (int i = 0; i < NK; i++)
		if (!st->k[i].c) {
			finish(st);
			return false;
		}
	if (!keep_pending)
		settle(st);
	return true;
}

static bool setup(struct st *st)
{
	return setup_keep(st, false);
}

static bool same_node(const struct xs_node *a, const struct xs_node *b)
{
	return a->vlen == b->vlen && memcmp(a->value, b->value, a->vlen) == 0 &&
	       xs_perms_equal(&a->perms, &b->perms) && a->clen == b->clen &&
	       (a->clen == 0 || memcmp(a->children, b->children, a->clen) == 0);
}

static void test_nodes_and_perms(void)
{
	struct st st;
	if (!setup(&st))
		return;
	U_EQ(st.s2->store.nodes.count, st.s1->store.nodes.count);
	unsigned differ = 0;
	char first[256] = "";
	struct strmap_iter it;
	for (struct strmap_entry *e = strmap_next(&st.s1->store.nodes, &it, NULL); e;
	     e = strmap_next(&st.s1->store.nodes, &it, e)) {
		const struct xs_node *n2 = store_get(&st.s2->store, e->key);
		if (!n2 || !same_node(e->val, n2)) {
			if (!differ++)
				snprintf(first, sizeof(first), "%s", e->key);
		}
	}
	U_EQ(differ, 0);
	U_STR(first, "");
	/* Seen through requests. */
	struct sk *a = &st.k[0];
	U_STR(sk_get(a, XS_READ, 0, "/a"), "alpha");
	U_OK(sk_req(a, XS_READ, 0, "/bin", NULL));
	U_EQ(R.len, 4);
	CU_ASSERT_TRUE(memcmp(R.data, "x\0y\xff", 4) == 0);
	U_STR(sk_get(a, XS_GET_PERMS, 0, "/perm"), "r0,w5,n9");
	U_STR(sk_get(a, XS_GET_PERMS, 0, "/local/domain/5"), "n5,r9");
	U_STR(sk_get(a, XS_DIRECTORY, 0, "/a"), "b");
	U_STR(sk_get(a, XS_READ, 0, "/stale"), "s1");
	U_STR(sk_get(a, XS_READ, 0, "/rmme"), "r");
	U_OK(sk_req(a, XS_CONTROL, 0, "check", NULL));
	U_STR(R.data, "OK");
	finish(&st);
}

static void test_special_perms(void)
{
	/* The permissions of @introduceDomain and @releaseDomain are state
	 * too (Xen keeps them as nodes and saves them with the others). */
	struct st st;
	if (!setup(&st))
		return;
	struct sk *a = &st.k[0];
	U_STR(sk_get(a, XS_GET_PERMS, 0, "@releaseDomain"), "n0,r5");
	U_STR(sk_get(a, XS_GET_PERMS, 0, "@introduceDomain"), "n0,r9");
	finish(&st);
}

static void test_quotas_features_domains(void)
{
	struct st st;
	if (!setup(&st))
		return;
	for (int i = 0; i < XS_Q_COUNT; i++)
		U_EQ(st.s2->opt.quota.v[i], st.s1->opt.quota.v[i]);
	struct xs_domain *d5 = domain_get(st.s2, 5), *d20 = domain_get(st.s2, 20);
	struct xs_domain *d8 = domain_get(st.s2, 8), *d9 = domain_get(st.s2, 9);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d5);
	CU_ASSERT_TRUE(d5->introduced);
	U_EQ(d5->target, 9);
	CU_ASSERT_TRUE(d5->has_quota);
	for (int i = 0; i < XS_Q_PER_DOMAIN; i++)
		U_EQ(d5->quota.v[i], domain_get(st.s1, 5)->quota.v[i]);
	CU_ASSERT_TRUE(d9 && d9->introduced);
	CU_ASSERT_TRUE(!d8 || !d8->introduced);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d20);
	U_EQ(d20->features, 1);
	CU_ASSERT_FALSE(d20->introduced);
	struct sk *a = &st.k[0];
	U_OK(sk_req(a, XS_GET_QUOTA, 0, "nodes", NULL));
	U_STR(R.data, "321");
	U_OK(sk_req(a, XS_GET_QUOTA, 0, "path-max", NULL));
	U_STR(R.data, "2000");
	U_OK(sk_req(a, XS_GET_QUOTA, 0, "5", "nodes", NULL));
	U_STR(R.data, "42");
	U_OK(sk_req(a, XS_GET_QUOTA, 0, "5", "watches", NULL));
	U_STR(R.data, "77");
	U_OK(sk_req(a, XS_GET_FEATURE, 0, "20", NULL));
	U_STR(R.data, "1");
	U_OK(sk_req(a, XS_IS_DOMAIN_INTRODUCED, 0, "5", NULL));
	U_STR(R.data, "T");
	U_OK(sk_req(a, XS_IS_DOMAIN_INTRODUCED, 0, "8", NULL));
	U_STR(R.data, "F");
	finish(&st);
}

static void test_accounting(void)
{
	struct st st;
	if (!setup(&st))
		return;
	unsigned doms[] = { 0, 5, 9 };
	for (size_t i = 0; i < sizeof(doms) / sizeof(doms[0]); i++) {
		U_EQ(st.s2->store.acct[doms[i]].nodes, st.s1->store.acct[doms[i]].nodes);
		U_EQ(st.s2->store.acct[doms[i]].memory, st.s1->store.acct[doms[i]].memory);
	}
	/* Domain 5 frees the children of its home, then makes one node: it is
	 * far below its memory quota. */
	struct hconn *d5 = harness_conn(st.s2, 5, false);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d5);
	for (int i = 0; i < NCHILD; i++)
		U_OK(u_rm(d5, 0, child_name(i)));
	U_OK(u_mkdir(d5, 0, "new"));
	CU_ASSERT_TRUE(st.s2->store.acct[5].memory < 4096);
	harness_conn_close(d5);
	finish(&st);
}

static void test_watches(void)
{
	struct st st;
	if (!setup(&st))
		return;
	for (int i = 0; i < NK; i++) {
		struct xs_conn *c1 = st.k[i].c ? conn_by_fd(st.s1, st.k[i].fd) : NULL;
		struct xs_conn *c2 = st.k[i].c;
		CU_ASSERT_PTR_NOT_NULL_FATAL(c1);
		U_EQ(c2->nwatches, c1->nwatches);
		struct xs_watch *w1 = c1->watches, *w2 = c2->watches;
		for (; w1 && w2; w1 = w1->next, w2 = w2->next) {
			U_STR(w2->path, w1->path);
			U_STR(w2->abs, w1->abs);
			U_STR(w2->token, w1->token);
			U_EQ(w2->depth, w1->depth);
		}
		CU_ASSERT_TRUE(!w1 && !w2);
	}
	/* They fire. */
	struct sk *a = &st.k[0], *b = &st.k[1];
	U_OK(sk_write(a, 0, "/a", "again", 5));
	U_STR(sk_events(a), "/a|ta");
	U_OK(sk_write(a, 0, "/local/domain/0/rel", "r", 1));
	U_STR(sk_events(a), "rel|tr");
	U_OK(sk_write(a, 0, "/d/x/y", "deep", 4));
	U_STR(sk_events(b), "");
	U_OK(sk_write(a, 0, "/d/x", "one", 3));
	U_STR(sk_events(b), "/d/x|tb");
	U_OK(sk_req(a, XS_RELEASE, 0, "5", NULL));
	U_STR(sk_events(a), "@releaseDomain|ts");
	U_STR(sk_events(b), "@releaseDomain/5|t5");
	finish(&st);
}

static void test_transaction_commits(void)
{
	struct st st;
	if (!setup(&st))
		return;
	struct sk *a = &st.k[0], *d = &st.k[3];
	U_EQ(a->c->ntxns, 1);
	U_STR(sk_get(a, XS_READ, st.ta, "/a/b"), "beta-tx");
	U_STR(sk_get(a, XS_READ, 0, "/a/b"), "beta");
	U_STR(sk_get(a, XS_DIRECTORY, st.ta, "/a"), "b,c");
	U_STR(sk_get(a, XS_DIRECTORY, 0, "/a"), "b");
	U_STR(sk_get(a, XS_READ, st.ta, "/rmme"), "ENOENT");
	U_STR(sk_get(a, XS_READ, st.ta, "/txnew/deep"), "n");
	U_STR(sk_get(a, XS_READ, 0, "/txnew/deep"), "ENOENT");
	U_STR(sk_events(a), "");
	U_OK(sk_req(a, XS_TRANSACTION_END, st.ta, "T", NULL));
	U_STR(sk_get(a, XS_READ, 0, "/a/b"), "beta-tx");
	U_STR(sk_get(a, XS_READ, 0, "/a/c"), "");
	U_STR(sk_get(a, XS_READ, 0, "/txnew/deep"), "n");
	U_STR(sk_get(a, XS_READ, 0, "/rmme"), "ENOENT");
	U_STR(sk_get(a, XS_DIRECTORY, 0, "/a"), "b,c");
	U_STR(sk_get(a, XS_DIRECTORY, 0, "/txnew"), "deep");
	U_STR(sk_events(a), "/a/b|ta /a/c|ta");
	U_OK(sk_req(a, XS_CONTROL, 0, "check", NULL));
	U_STR(R.data, "OK");
	/* The empty one commits; new transactions get fresh ids. */
	U_OK(sk_req(d, XS_TRANSACTION_END, st.td, "T", NULL));
	uint32_t t = sk_txstart(a);
	CU_ASSERT_TRUE(t != 0);
	uint32_t t2 = sk_txstart(a);
	CU_ASSERT_TRUE(t2 != 0 && t2 != t);
	finish(&st);
}

static void test_stale_transaction(void)
{
	struct st st;
	if (!setup(&st))
		return;
	struct sk *b = &st.k[1], *c = &st.k[2], *d = &st.k[3];
	/* Read node changed before the save. */
	U_STR(sk_get(b, XS_READ, st.tb, "/fromB"), "x");
	U_RC(sk_req(b, XS_TRANSACTION_END, st.tb, "T", NULL), -EAGAIN);
	U_STR(sk_get(b, XS_READ, 0, "/fromB"), "ENOENT");
	/* Read node changed after the restore. */
	U_OK(sk_write(d, 0, "/after", "z", 1));
	U_STR(sk_events(c), "/after|tc");
	U_RC(sk_req(c, XS_TRANSACTION_END, st.tc, "T", NULL), -EAGAIN);
	U_STR(sk_get(c, XS_READ, 0, "/fromC"), "ENOENT");
	/* The connections go on. */
	uint32_t t = sk_txstart(b);
	U_OK(sk_write(b, t, "/fromB", "x2", 2));
	U_OK(sk_req(b, XS_TRANSACTION_END, t, "T", NULL));
	U_STR(sk_get(b, XS_READ, 0, "/fromB"), "x2");
	finish(&st);
}

static void test_unchanged_transaction_commits(void)
{
	/* C's transaction commits when nothing it read changed. */
	struct st st;
	if (!setup(&st))
		return;
	struct sk *c = &st.k[2], *d = &st.k[3];
	U_OK(sk_write(d, 0, "/a", "unrelated", 9));
	U_OK(sk_req(c, XS_TRANSACTION_END, st.tc, "T", NULL));
	U_STR(sk_get(c, XS_READ, 0, "/fromC"), "y");
	finish(&st);
}

static void test_pending_io(void)
{
	struct st st;
	if (!setup_keep(&st, true))
		return;
	struct sk *c = &st.k[2], *d = &st.k[3];
	/* The answer queued before the save is delivered. */
	conn_flush(c->c);
	U_EQ(wait_reply(c, 55, XS_READ), 0);
	U_STR(R.data, "alpha");
	/* The request half read before the save is completed. */
	U_EQ(conn_feed(d->c, st.partial + 10, st.partial_len - 10), 0);
	conn_flush(d->c);
	U_EQ(wait_reply(d, 99, XS_READ), 0);
	U_STR(R.data, "alpha");
	finish(&st);
}

/* Walks the records of a saved state: offset of the n-th record of a type. */
static size_t find_record(const char *rec, size_t len, uint32_t type, unsigned nth)
{
	size_t off = 16;
	while (off + 8 <= len) {
		uint32_t t, l;
		memcpy(&t, rec + off, 4);
		memcpy(&l, rec + off + 4, 4);
		if (t == type && nth-- == 0)
			return off;
		off += 8 + l + (8 - l % 8) % 8;
	}
	return 0;
}

/* The NODE_DATA record of a committed node. */
static size_t find_node(const char *rec, size_t len, const char *path)
{
	for (unsigned i = 0;; i++) {
		size_t off = find_record(rec, len, 5, i);
		if (!off)
			return 0;
		uint32_t conn;
		uint16_t plen, nperm;
		memcpy(&conn, rec + off + 8, 4);
		memcpy(&plen, rec + off + 16, 2);
		memcpy(&nperm, rec + off + 22, 2);
		const char *p = rec + off + 24 + 4 * nperm;
		if (conn == 0 && plen == strlen(path) + 1 && memcmp(p, path, plen) == 0)
			return off;
	}
}

static int restore_mutated(const struct st *st, size_t off, const void *bytes, size_t n)
{
	char *copy = malloc(st->rlen);
	memcpy(copy, st->rec, st->rlen);
	memcpy(copy + off, bytes, n);
	struct xs_server *s;
	int rc = restore_bytes(copy, st->rlen, &s);
	server_free_keep_fds(s);
	free(copy);
	return rc;
}

static void test_truncated(void)
{
	struct st st;
	if (!build(&st)) {
		finish(&st);
		return;
	}
	unsigned accepted = 0;
	size_t first = 0;
	for (size_t len = 0; len < st.rlen; len++) {
		struct xs_server *s;
		int rc = restore_bytes(st.rec, len, &s);
		server_free_keep_fds(s);
		if (rc >= 0 && !accepted++)
			first = len;
	}
	U_EQ(accepted, 0);
	U_EQ(first, 0);
	/* The whole record is fine. */
	struct xs_server *s;
	U_OK(restore_bytes(st.rec, st.rlen, &s));
	server_free_keep_fds(s);
	finish(&st);
}

static void test_corrupted(void)
{
	struct st st;
	if (!build(&st)) {
		finish(&st);
		return;
	}
	uint32_t v;
	/* Header: ident, version, endianness and reserved flags. */
	U_RC(restore_mutated(&st, 0, "XENSTORE", 8), -EINVAL);
	v = htobe32(0);
	U_RC(restore_mutated(&st, 8, &v, 4), -EINVAL);
	v = htobe32(3);
	U_RC(restore_mutated(&st, 8, &v, 4), -EINVAL);
	v = htobe32(1);
	U_RC(restore_mutated(&st, 12, &v, 4), -EINVAL);
	/* A record longer than the stream. */
	v = 0x7fffffff;
	U_RC(restore_mutated(&st, 20, &v, 4), -EINVAL);
	/* A node path that is not a path. */
	size_t off = find_node(st.rec, st.rlen, "/a");
	CU_ASSERT_TRUE_FATAL(off > 0);
	uint16_t nperm;
	memcpy(&nperm, st.rec + off + 22, 2);
	U_RC(restore_mutated(&st, off + 24 + 4 * nperm + 1, ".", 1), -EINVAL);
	/* A committed node whose parent is unknown ("/a" renamed "/q"). */
	U_RC(restore_mutated(&st, off + 24 + 4 * nperm + 1, "q", 1), -EINVAL);
	/* A permission that is not one of n/r/w/b. */
	U_RC(restore_mutated(&st, off + 24, "z", 1), -EINVAL);
	/* A path without its NUL. */
	U_RC(restore_mutated(&st, off + 24 + 4 * nperm + 2, "x", 1), -EINVAL);
	/* A watch, a transaction and a transaction node of an unknown connection
	 * or transaction. */
	size_t w = find_record(st.rec, st.rlen, 8, 0);
	CU_ASSERT_TRUE_FATAL(w > 0);
	v = 12345;
	U_RC(restore_mutated(&st, w + 8, &v, 4), -EINVAL);
	size_t t = find_record(st.rec, st.rlen, 4, 0);
	CU_ASSERT_TRUE_FATAL(t > 0);
	U_RC(restore_mutated(&st, t + 8, &v, 4), -EINVAL);
	size_t tn = 0;
	for (unsigned i = 0; !tn; i++) {
		size_t o = find_record(st.rec, st.rlen, 5, i);
		if (!o)
			break;
		uint32_t conn;
		memcpy(&conn, st.rec + o + 8, 4);
		if (conn)
			tn = o;
	}
	CU_ASSERT_TRUE_FATAL(tn > 0);
	U_RC(restore_mutated(&st, tn + 12, &v, 4), -EINVAL);
	/* A connection of an unknown type. */
	size_t c = find_record(st.rec, st.rlen, 2, 0);
	CU_ASSERT_TRUE_FATAL(c > 0);
	uint16_t ct = 7;
	U_RC(restore_mutated(&st, c + 12, &ct, 2), -EINVAL);
	/* The END record replaced by a reserved type: no END. */
	size_t end = st.rlen - 8;
	v = 0x1234;
	U_RC(restore_mutated(&st, end, &v, 4), -EINVAL);
	finish(&st);
}

static void test_byte_flips(void)
{
	/* Any single corrupted byte: an error or a state, never a crash. */
	struct st st;
	if (!build(&st)) {
		finish(&st);
		return;
	}
	unsigned runs = 0, rejected = 0;
	for (size_t i = 0; i < st.rlen; i++) {
		char b = (char)(st.rec[i] ^ 0xff);
		int rc = restore_mutated(&st, i, &b, 1);
		runs++;
		rejected += rc < 0;
	}
	U_EQ(runs, st.rlen);
	CU_ASSERT_TRUE(rejected > 0);
	finish(&st);
}

static void put32(char *b, size_t *off, uint32_t v)
{
	memcpy(b + *off, &v, 4);
	*off += 4;
}

static void put16(char *b, size_t *off, uint16_t v)
{
	memcpy(b + *off, &v, 2);
	*off += 2;
}

/* A NODE_DATA record of a committed node with one permission. */
static void put_node(char *b, size_t *off, const char *path, const char *value, char perm,
		     uint16_t domid)
{
	size_t start = *off;
	put32(b, off, 5);
	put32(b, off, 0);
	put32(b, off, 0);
	put32(b, off, 0);
	put16(b, off, (uint16_t)(strlen(path) + 1));
	put16(b, off, (uint16_t)strlen(value));
	put16(b, off, 0);
	put16(b, off, 1);
	b[(*off)++] = perm;
	b[(*off)++] = 0;
	put16(b, off, domid);
	memcpy(b + *off, path, strlen(path) + 1);
	*off += strlen(path) + 1;
	memcpy(b + *off, value, strlen(value));
	*off += strlen(value);
	uint32_t len = (uint32_t)(*off - start - 8);
	memcpy(b + start + 4, &len, 4);
	while ((*off - start) % 8)
		b[(*off)++] = 0;
}

static size_t header(char *b)
{
	uint64_t ident = htobe64(0x78656e73746f7265ULL);
	uint32_t version = htobe32(1), flags = 0;
	memcpy(b, &ident, 8);
	memcpy(b + 8, &version, 4);
	memcpy(b + 12, &flags, 4);
	return 16;
}

static void test_handmade_records(void)
{
	/* Records written from the format description. */
	char b[512];
	memset(b, 0, sizeof(b));
	size_t off = header(b);
	put32(b, &off, 0); /* END */
	put32(b, &off, 0);
	struct xs_server *s;
	/* No node at all: no root. */
	U_RC(restore_bytes(b, off, &s), -EINVAL);
	server_free_keep_fds(s);
	/* Only the header. */
	U_RC(restore_bytes(b, 16, &s), -EINVAL);
	server_free_keep_fds(s);

	off = header(b);
	put_node(b, &off, "/", "", 'n', 0);
	put_node(b, &off, "/x", "v", 'r', 0);
	put_node(b, &off, "/x/y", "deeper", 'b', 5);
	put32(b, &off, 0);
	put32(b, &off, 0);
	U_OK(restore_bytes(b, off, &s));
	if (s) {
		struct hconn *d0 = harness_conn(s, 0, true);
		struct hconn *d5 = harness_conn(s, 5, false);
		U_STR(u_get(d0, "/x"), "v");
		U_STR(u_perms(d0, "/x"), "r0");
		U_STR(u_dir(d0, "/"), "x");
		U_STR(u_get(d5, "/x"), "v");
		U_STR(u_get(d5, "/x/y"), "deeper");
		U_STR(u_perms(d0, "/x/y"), "b5");
		U_OK(u_write(d5, 0, "/x/y", "by5"));
		harness_conn_close(d0);
		harness_conn_close(d5);
	}
	server_free_keep_fds(s);
	/* A node before its parent. */
	off = header(b);
	put_node(b, &off, "/", "", 'n', 0);
	put_node(b, &off, "/x/y", "", 'n', 0);
	put_node(b, &off, "/x", "", 'n', 0);
	put32(b, &off, 0);
	put32(b, &off, 0);
	U_RC(restore_bytes(b, off, &s), -EINVAL);
	server_free_keep_fds(s);
}

static const struct u_test tests[] = {
	{ "every node with value and permissions", test_nodes_and_perms },
	{ "permissions of the special paths", test_special_perms },
	{ "quotas, features, domains", test_quotas_features_domains },
	{ "per-domain accounting", test_accounting },
	{ "watches per connection", test_watches },
	{ "a transaction commits with its writes", test_transaction_commits },
	{ "a stale transaction fails with EAGAIN", test_stale_transaction },
	{ "an unchanged transaction commits", test_unchanged_transaction_commits },
	{ "pending input and output", test_pending_io },
	{ "truncated records are rejected", test_truncated },
	{ "corrupted records are rejected", test_corrupted },
	{ "single byte flips do not crash", test_byte_flips },
	{ "records made from the format description", test_handmade_records },
	{ NULL, NULL },
};

void suite_state_register(void)
{
	u_add_suite("state", tests);
}
