/* quota: each limit hit by an unprivileged domain, privileged connections
 * exempt; GET_QUOTA/SET_QUOTA (global and per domain), GET/SET_FEATURE and
 * the CONTROL quota command. xcd-xenstored(8), QUOTAS: "Quotas apply to
 * unprivileged domains; dom0 and socket clients are exempt, as with Xen's
 * xenstored. Exceeding one gets the error Xen documents (ENOSPC for nodes,
 * sizes, memory and transactions, E2BIG for watches) and nothing else
 * changes." */
#include "suites.h"
#include "util.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Domain 5 with its home /local/domain/5 (owned by 5: one node). */
static struct hconn *home5(struct hconn *d0, bool own_conn)
{
	u_mkdir(d0, 0, "/local/domain/5");
	u_setperms(d0, 0, "/local/domain/5", "n5", NULL);
	return own_conn ? u_dom_conn(5) : u_conn(5, false);
}

static int set_quota(struct hconn *d0, const char *name, const char *v)
{
	return u_req(d0, XS_SET_QUOTA, 0, name, v, NULL);
}

static void test_nodes(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d5 = home5(d0, false);
	U_OK(set_quota(d0, "nodes", "5"));
	U_OK(u_mkdir(d5, 0, "a"));
	U_OK(u_mkdir(d5, 0, "b"));
	U_OK(u_mkdir(d5, 0, "c"));
	U_OK(u_write(d5, 0, "d", "4"));
	U_RC(u_mkdir(d5, 0, "e"), -ENOSPC);
	U_RC(u_write(d5, 0, "e", "x"), -ENOSPC);
	U_RC(u_read(d0, 0, "/local/domain/5/e"), -ENOENT);
	/* Changing existing nodes needs no new node. */
	U_OK(u_write(d5, 0, "d", "changed"));
	/* Privileged: exempt, even creating nodes that domain 5 owns. */
	U_OK(u_mkdir(d0, 0, "/local/domain/5/by0a"));
	U_OK(u_mkdir(d0, 0, "/local/domain/5/by0b"));
	U_STR(u_perms(d0, "/local/domain/5/by0a"), "n5");
	U_RC(u_mkdir(d5, 0, "f"), -ENOSPC);
	/* Freed nodes may be created again. */
	U_OK(u_rm(d5, 0, "a"));
	U_OK(u_rm(d5, 0, "b"));
	U_OK(u_rm(d5, 0, "by0a"));
	U_OK(u_rm(d5, 0, "by0b"));
	U_OK(u_mkdir(d5, 0, "g"));
	/* In a transaction too. */
	uint32_t t = u_txstart(d5);
	U_OK(u_mkdir(d5, t, "t1"));
	U_RC(u_mkdir(d5, t, "t2"), -ENOSPC);
	U_OK(u_txend(d5, t, false));
}

static void test_nodes_failure_leaves_nothing(void)
{
	/* A WRITE that fails on the nodes quota creates none of the missing
	 * parents (Xen's create_node undoes what it did). */
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d5 = home5(d0, false);
	U_OK(set_quota(d0, "nodes", "3"));
	U_OK(u_mkdir(d5, 0, "a"));
	U_RC(u_write(d5, 0, "x/y/z", "v"), -ENOSPC);
	U_RC(u_read(d0, 0, "/local/domain/5/x"), -ENOENT);
	U_STR(u_dir(d0, "/local/domain/5"), "a");
}

static void test_node_size(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d5 = home5(d0, false);
	U_OK(set_quota(d0, "node-size", "64"));
	char v[200];
	memset(v, 'v', sizeof(v));
	U_OK(u_writen(d5, 0, "small", v, 32));
	U_RC(u_writen(d5, 0, "small", v, 64), -ENOSPC);
	U_RC(u_writen(d5, 0, "small", v, 200), -ENOSPC);
	U_OK(u_read(d5, 0, "small"));
	U_EQ(U_r.len, 32);
	/* Privileged: exempt. */
	U_OK(u_writen(d0, 0, "/local/domain/5/small", v, 200));
	U_OK(u_read(d5, 0, "small"));
	U_EQ(U_r.len, 200);
	/* The children list counts too. */
	U_OK(u_mkdir(d5, 0, "dir"));
	U_OK(u_mkdir(d5, 0, "dir/child-name-even-0"));
	U_OK(u_mkdir(d5, 0, "dir/child-name-odd-1"));
	U_OK(u_mkdir(d5, 0, "dir/child-name-two-2"));
	U_RC(u_mkdir(d5, 0, "dir/child-name-three-3"), -ENOSPC);
	U_STR(u_dir(d5, "dir"), "child-name-even-0,child-name-odd-1,child-name-two-2");
	U_RC(u_read(d5, 0, "dir/child-name-three-3"), -ENOENT);
}

static void test_node_size_failure_leaves_nothing(void)
{
	/* A WRITE of a new node with a value over node-size fails without
	 * leaving the node behind (nor its parents). */
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d5 = home5(d0, false);
	struct hconn *w = u_conn(0, true);
	U_OK(set_quota(d0, "node-size", "64"));
	U_OK(u_watch(w, "/local/domain/5", "w"));
	u_drain(w);
	char v[100];
	memset(v, 'v', sizeof(v));
	U_RC(u_writen(d5, 0, "big", v, sizeof(v)), -ENOSPC);
	U_RC(u_read(d5, 0, "big"), -ENOENT);
	U_RC(u_writen(d5, 0, "p/q/big", v, sizeof(v)), -ENOSPC);
	U_RC(u_read(d5, 0, "p"), -ENOENT);
	U_STR(u_dir(d0, "/local/domain/5"), "");
	U_STR(u_ev(w), "");
}

static void test_node_size_perms(void)
{
	/* The permissions are part of the node's size (as its value and
	 * children are): more entries than node-size allows are refused even
	 * when the permissions quota would allow them. */
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d5 = home5(d0, false);
	U_OK(u_mkdir(d5, 0, "p"));
	U_OK(set_quota(d0, "permissions", "0"));
	U_OK(set_quota(d0, "node-size", "64"));
	char *perms[40];
	char bufs[40][8];
	for (int i = 0; i < 40; i++) {
		snprintf(bufs[i], sizeof(bufs[i]), "%c%d", i ? 'r' : 'n', i ? 100 + i : 5);
		perms[i] = bufs[i];
	}
	/* 4 entries: well within 64 bytes however they are counted. */
	U_OK(u_setperms(d5, 0, "p", perms[0], perms[1], perms[2], perms[3], NULL));
	/* 40 entries of 4 bytes (as stored) or more: over 64. */
	U_RC(u_setperms(d5, 0, "p", perms[0], perms[1], perms[2], perms[3], perms[4], perms[5],
			perms[6], perms[7], perms[8], perms[9], perms[10], perms[11], perms[12],
			perms[13], perms[14], perms[15], perms[16], perms[17], perms[18], perms[19],
			perms[20], perms[21], perms[22], perms[23], perms[24], perms[25], perms[26],
			perms[27], perms[28], perms[29], perms[30], perms[31], perms[32], perms[33],
			perms[34], perms[35], perms[36], perms[37], perms[38], perms[39], NULL),
	     -ENOSPC);
	U_STR(u_perms(d5, "p"), "n5,r101,r102,r103");
}

static void test_watches(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d5 = home5(d0, false);
	U_OK(set_quota(d0, "watches", "3"));
	U_OK(u_watch(d5, "a", "t"));
	U_OK(u_watch(d5, "b", "t"));
	U_OK(u_watch(d5, "c", "t"));
	U_RC(u_watch(d5, "d", "t"), -E2BIG);
	U_OK(u_req(d5, XS_UNWATCH, 0, "a", "t", NULL));
	U_OK(u_watch(d5, "d", "t"));
	U_RC(u_watch(d5, "e", "t"), -E2BIG);
	/* Privileged: exempt. */
	for (int i = 0; i < 10; i++) {
		char p[16];
		snprintf(p, sizeof(p), "/w%d", i);
		U_OK(u_watch(d0, p, "t"));
	}
	/* 0 means unlimited. */
	U_OK(set_quota(d0, "watches", "0"));
	U_OK(u_watch(d5, "e", "t"));
	U_OK(u_watch(d5, "f", "t"));
}

static void test_watches_default(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d5 = home5(d0, false);
	for (int i = 0; i < 128; i++) {
		char p[16];
		snprintf(p, sizeof(p), "w%d", i);
		if (u_watch(d5, p, "t") != 0) {
			U_EQ(i, 128);
			break;
		}
	}
	U_RC(u_watch(d5, "one-more", "t"), -E2BIG);
}

static void test_transactions(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d5 = home5(d0, false);
	U_OK(set_quota(d0, "transactions", "2"));
	CU_ASSERT_TRUE(u_txstart(d5) != 0);
	CU_ASSERT_TRUE(u_txstart(d5) != 0);
	U_RC(u_req(d5, XS_TRANSACTION_START, 0, "", NULL), -ENOSPC);
	for (int i = 0; i < 5; i++)
		CU_ASSERT_TRUE(u_txstart(d0) != 0);
}

static void test_transaction_nodes(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d5 = home5(d0, false);
	U_OK(u_write(d0, 0, "/local/domain/5/a", "a"));
	U_OK(u_write(d0, 0, "/local/domain/5/b", "b"));
	U_OK(u_write(d0, 0, "/local/domain/5/c", "c"));
	U_OK(u_write(d0, 0, "/local/domain/5/d", "d"));
	U_OK(set_quota(d0, "transaction-nodes", "3"));
	uint32_t t = u_txstart(d5);
	U_OK(u_read(d5, t, "a"));
	U_OK(u_read(d5, t, "b"));
	U_OK(u_write(d5, t, "c", "C"));
	U_OK(u_read(d5, t, "a")); /* already accessed: no new node */
	U_RC(u_read(d5, t, "d"), -ENOSPC);
	U_RC(u_write(d5, t, "d", "D"), -ENOSPC);
	U_OK(u_txend(d5, t, true));
	U_STR(u_get(d0, "/local/domain/5/c"), "C");
	U_STR(u_get(d0, "/local/domain/5/d"), "d");
	/* Privileged: exempt. */
	t = u_txstart(d0);
	U_OK(u_read(d0, t, "/local/domain/5/a"));
	U_OK(u_read(d0, t, "/local/domain/5/b"));
	U_OK(u_read(d0, t, "/local/domain/5/c"));
	U_OK(u_read(d0, t, "/local/domain/5/d"));
	U_OK(u_write(d0, t, "/local/domain/5/e", "e"));
	U_OK(u_txend(d0, t, true));
}

static void test_permissions(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d5 = home5(d0, false);
	U_OK(u_mkdir(d5, 0, "p"));
	/* Default: 5 entries. */
	U_OK(u_setperms(d5, 0, "p", "n5", "r1", "r2", "r3", "r4", NULL));
	U_RC(u_setperms(d5, 0, "p", "n5", "r1", "r2", "r3", "r4", "r6", NULL), -ENOSPC);
	U_STR(u_perms(d5, "p"), "n5,r1,r2,r3,r4");
	U_OK(set_quota(d0, "permissions", "2"));
	U_OK(u_setperms(d5, 0, "p", "n5", "r1", NULL));
	U_RC(u_setperms(d5, 0, "p", "n5", "r1", "r2", NULL), -ENOSPC);
	U_STR(u_perms(d5, "p"), "n5,r1");
	/* Privileged: exempt. */
	U_OK(u_setperms(d0, 0, "/local/domain/5/p", "n5", "r1", "r2", "r3", "r4", "r6", "r7", NULL));
	U_STR(u_perms(d5, "p"), "n5,r1,r2,r3,r4,r6,r7");
}

/* "/local/domain/5/ppp.../ppp..." of len bytes, in components of at most
 * 1000 bytes (so that no children list reaches the node-size quota). */
static char *path_of_len(size_t len)
{
	char *p = malloc(len + 1);
	strcpy(p, "/local/domain/5/");
	for (size_t i = 16; i < len; i++)
		p[i] = (i - 16) % 1001 == 1000 ? '/' : 'p';
	p[len] = '\0';
	return p;
}

static void test_path_max(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d5 = home5(d0, false);
	U_OK(set_quota(d0, "path-max", "40"));
	char *p40 = path_of_len(40), *p41 = path_of_len(41);
	U_OK(u_write(d5, 0, p40, "x"));
	U_RC(u_write(d5, 0, p41, "x"), -EINVAL);
	U_RC(u_read(d5, 0, p41), -EINVAL);
	/* Privileged: exempt. */
	U_OK(u_write(d0, 0, p41, "x"));
	free(p40);
	free(p41);
	/* Range: 1..3072. */
	U_RC(set_quota(d0, "path-max", "0"), -EINVAL);
	U_RC(set_quota(d0, "path-max", "3073"), -EINVAL);
	U_OK(set_quota(d0, "path-max", "3072"));
}

static void test_path_max_default(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d5 = home5(d0, false);
	char *p = path_of_len(3072), *q = path_of_len(3073);
	U_OK(u_write(d5, 0, p, "x"));
	U_RC(u_write(d5, 0, q, "x"), -EINVAL);
	free(p);
	free(q);
}

static void test_memory(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d5 = home5(d0, false);
	/* 3500 bytes more than domain 5 has now: two nodes of 1500 fit, not three. */
	char q[32];
	snprintf(q, sizeof(q), "%llu", (unsigned long long)U_srv->store.acct[5].memory + 3500);
	U_OK(set_quota(d0, "memory", q));
	char v[2000];
	memset(v, 'm', sizeof(v));
	U_OK(u_writen(d5, 0, "m1", v, 1500));
	U_OK(u_writen(d5, 0, "m2", v, 1500));
	/* Growing an existing node is limited as well. */
	U_OK(u_writen(d5, 0, "m1", v, 1600));
	U_RC(u_writen(d5, 0, "m1", v, 1900), -ENOSPC);
	U_OK(u_read(d5, 0, "m1"));
	U_EQ(U_r.len, 1600);
	U_OK(u_writen(d5, 0, "m1", v, 1500));
	U_RC(u_writen(d5, 0, "m3", v, 1500), -ENOSPC);
	U_RC(u_read(d5, 0, "m3"), -ENOENT);
	/* Privileged: exempt, also for nodes it makes for domain 5. */
	U_OK(u_writen(d0, 0, "/local/domain/5/m3", v, 1500));
	U_OK(u_writen(d0, 0, "/local/domain/5/m4", v, 1500));
	U_STR(u_perms(d0, "/local/domain/5/m4"), "n5");
	U_RC(u_mkdir(d5, 0, "m6"), -ENOSPC);
	/* Memory given back by removal. */
	U_OK(u_rm(d5, 0, "m3"));
	U_OK(u_rm(d5, 0, "m4"));
	U_OK(u_rm(d5, 0, "m1"));
	U_OK(u_writen(d5, 0, "m5", v, 1500));
}

/* A connection whose output does not drain until told to. */
struct stuck {
	bool blocked;
	unsigned responses;
};

static ssize_t stuck_write(struct xs_conn *c, const void *buf, size_t len)
{
	struct stuck *s = c->priv;
	if (s->blocked)
		return 0;
	return (ssize_t)len;
}

static const struct xs_conn_ops stuck_ops = { .write = stuck_write };

static int feed_read(struct xs_conn *c, uint32_t req)
{
	char buf[64];
	struct xsd_sockmsg h = { .type = XS_READ, .req_id = req, .len = 3 };
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), "/a", 3);
	return conn_feed(c, buf, (uint32_t)sizeof(h) + 3);
}

static void test_outstanding(void)
{
	struct stuck st = { .blocked = true };
	struct xs_conn *c = conn_new(U_srv, XS_CONN_MEMORY, &stuck_ops, &st, -1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	c->domid = 5;
	c->privileged = false;
	domain_find_or_new(U_srv, 5)->introduced = true;
	U_EQ(conn_quota(c)->v[XS_Q_OUTSTANDING], 20);
	for (uint32_t i = 1; i <= 20; i++) {
		CU_ASSERT_TRUE(conn_want(c) > 0);
		U_OK(feed_read(c, i));
		conn_flush(c);
	}
	U_EQ(c->out_responses, 20);
	/* Twenty answers not taken: the connection is not read any more. */
	U_EQ(conn_want(c), 0);
	CU_ASSERT_FALSE(c->reading);
	/* Once they are taken, reading resumes. */
	st.blocked = false;
	conn_flush(c);
	U_EQ(c->out_responses, 0);
	CU_ASSERT_TRUE(c->reading);
	CU_ASSERT_TRUE(conn_want(c) > 0);
	/* A quota of 3. */
	st.blocked = true;
	U_EQ(u_req(u_conn(0, true), XS_SET_QUOTA, 0, "outstanding", "3", NULL), 0);
	for (uint32_t i = 1; i <= 3; i++)
		U_OK(feed_read(c, 100 + i));
	conn_flush(c);
	U_EQ(conn_want(c), 0);
	conn_free(c);

	/* Privileged: exempt. */
	struct stuck sp = { .blocked = true };
	struct xs_conn *p = conn_new(U_srv, XS_CONN_MEMORY, &stuck_ops, &sp, -1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	for (uint32_t i = 1; i <= 30; i++)
		U_OK(feed_read(p, i));
	conn_flush(p);
	U_EQ(p->out_responses, 30);
	CU_ASSERT_TRUE(conn_want(p) > 0);
	conn_free(p);
}

static void test_get_set_quota(void)
{
	struct hconn *d0 = u_conn(0, true);
	U_OK(u_req(d0, XS_GET_QUOTA, 0, NULL));
	U_STR(U_r.data, "nodes watches transactions node-size permissions transaction-nodes "
			"outstanding memory path-max");
	U_OK(u_req(d0, XS_GET_QUOTA, 0, "", NULL));
	U_STR(U_r.data, "nodes watches transactions node-size permissions transaction-nodes "
			"outstanding memory path-max");
	const char *defaults[][2] = { { "nodes", "1000" }, { "watches", "128" },
				      { "transactions", "10" }, { "node-size", "2048" },
				      { "permissions", "5" }, { "transaction-nodes", "1024" },
				      { "outstanding", "20" }, { "memory", "2097152" },
				      { "path-max", "3072" } };
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		U_OK(u_req(d0, XS_GET_QUOTA, 0, defaults[i][0], NULL));
		U_STR(U_r.data, defaults[i][1]);
	}
	U_OK(set_quota(d0, "nodes", "50"));
	U_STR(U_r.data, "OK");
	U_OK(u_req(d0, XS_GET_QUOTA, 0, "nodes", NULL));
	U_STR(U_r.data, "50");
	/* Bad names and values. */
	U_RC(u_req(d0, XS_GET_QUOTA, 0, "bogus", NULL), -EINVAL);
	U_RC(set_quota(d0, "bogus", "1"), -EINVAL);
	U_RC(set_quota(d0, "nodes", "abc"), -EINVAL);
	U_RC(set_quota(d0, "nodes", "-1"), -EINVAL);
	U_RC(set_quota(d0, "nodes", ""), -EINVAL);
	U_RC(u_req(d0, XS_SET_QUOTA, 0, "nodes", NULL), -EINVAL);
	U_OK(u_req(d0, XS_GET_QUOTA, 0, "nodes", NULL));
	U_STR(U_r.data, "50");
	/* Unprivileged: EACCES. */
	struct hconn *d5 = u_conn(5, false);
	U_RC(u_req(d5, XS_GET_QUOTA, 0, "nodes", NULL), -EACCES);
	U_RC(set_quota(d5, "nodes", "5000"), -EACCES);
	U_OK(u_req(d0, XS_GET_QUOTA, 0, "nodes", NULL));
	U_STR(U_r.data, "50");
}

static void test_per_domain_quota(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d5 = home5(d0, true);
	struct hconn *d6 = u_dom_conn(6);
	U_OK(u_mkdir(d0, 0, "/local/domain/6"));
	U_OK(u_setperms(d0, 0, "/local/domain/6", "n6", NULL));
	U_OK(set_quota(d0, "nodes", "50"));
	/* A domain without its own value has the global one. */
	U_OK(u_req(d0, XS_GET_QUOTA, 0, "5", "nodes", NULL));
	U_STR(U_r.data, "50");
	U_OK(u_req(d0, XS_SET_QUOTA, 0, "5", "nodes", "3", NULL));
	U_OK(u_req(d0, XS_GET_QUOTA, 0, "5", "nodes", NULL));
	U_STR(U_r.data, "3");
	U_OK(u_req(d0, XS_GET_QUOTA, 0, "nodes", NULL));
	U_STR(U_r.data, "50");
	U_OK(u_req(d0, XS_GET_QUOTA, 0, "6", "nodes", NULL));
	U_STR(U_r.data, "50");
	/* It applies to that domain only. */
	U_OK(u_mkdir(d5, 0, "a"));
	U_OK(u_mkdir(d5, 0, "b"));
	U_RC(u_mkdir(d5, 0, "c"), -ENOSPC);
	U_OK(u_mkdir(d6, 0, "a"));
	U_OK(u_mkdir(d6, 0, "b"));
	U_OK(u_mkdir(d6, 0, "c"));
	/* A new domain starts with the global values. */
	U_OK(u_req(d0, XS_INTRODUCE, 0, "12", "1", "1", NULL));
	U_OK(u_req(d0, XS_GET_QUOTA, 0, "12", "nodes", NULL));
	U_STR(U_r.data, "50");
	/* Unknown domain, global-only quota, bad domid. */
	U_RC(u_req(d0, XS_GET_QUOTA, 0, "99", "nodes", NULL), -ENOENT);
	U_RC(u_req(d0, XS_GET_QUOTA, 0, "5", "path-max", NULL), -EINVAL);
	U_RC(u_req(d0, XS_SET_QUOTA, 0, "5", "path-max", "100", NULL), -EINVAL);
	U_RC(u_req(d0, XS_GET_QUOTA, 0, "x", "nodes", NULL), -EINVAL);
	U_RC(u_req(d0, XS_SET_QUOTA, 0, "70000", "nodes", "1", NULL), -EINVAL);
}

static void test_features(void)
{
	struct hconn *d0 = u_conn(0, true);
	char supported[16];
	snprintf(supported, sizeof(supported), "%u",
		 XENSTORE_SERVER_FEATURE_RECONNECTION | XENSTORE_SERVER_FEATURE_ERROR);
	U_OK(u_req(d0, XS_GET_FEATURE, 0, "", NULL));
	U_STR(U_r.data, supported);
	U_OK(u_req(d0, XS_GET_FEATURE, 0, NULL));
	U_STR(U_r.data, supported);
	/* Before INTRODUCE: set, read back. */
	U_OK(u_req(d0, XS_SET_FEATURE, 0, "20", "1", NULL));
	U_STR(U_r.data, "OK");
	U_OK(u_req(d0, XS_GET_FEATURE, 0, "20", NULL));
	U_STR(U_r.data, "1");
	U_OK(u_req(d0, XS_SET_FEATURE, 0, "20", supported, NULL));
	U_OK(u_req(d0, XS_GET_FEATURE, 0, "20", NULL));
	U_STR(U_r.data, supported);
	/* A bit the server does not support is denied. */
	U_RC(u_req(d0, XS_SET_FEATURE, 0, "20", "4", NULL), -EINVAL);
	U_RC(u_req(d0, XS_SET_FEATURE, 0, "20", "x", NULL), -EINVAL);
	U_OK(u_req(d0, XS_GET_FEATURE, 0, "20", NULL));
	U_STR(U_r.data, supported);
	/* After INTRODUCE: rejected. */
	U_OK(u_req(d0, XS_INTRODUCE, 0, "20", "1", "1", NULL));
	U_RC(u_req(d0, XS_SET_FEATURE, 0, "20", "1", NULL), -EBUSY);
	U_OK(u_req(d0, XS_GET_FEATURE, 0, "20", NULL));
	U_STR(U_r.data, supported);
	U_RC(u_req(d0, XS_GET_FEATURE, 0, "21", NULL), -ENOENT);
	/* Unprivileged: EACCES. */
	struct hconn *d5 = u_conn(5, false);
	U_RC(u_req(d5, XS_GET_FEATURE, 0, "", NULL), -EACCES);
	U_RC(u_req(d5, XS_SET_FEATURE, 0, "22", "1", NULL), -EACCES);
}

/* A line of the CONTROL quota report. */
static const char *qline(const char *name, const char *value)
{
	static char line[2][64];
	static int n;
	char *l = line[n++ % 2];
	snprintf(l, 64, "%-18s: %s\n", name, value);
	return l;
}

static void test_control_quota(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d5 = home5(d0, false);
	U_OK(u_mkdir(d5, 0, "a"));
	U_OK(u_mkdir(d5, 0, "b"));
	U_OK(u_req(d0, XS_CONTROL, 0, "quota", NULL));
	CU_ASSERT_PTR_NOT_NULL(strstr(U_r.data, qline("nodes", "1000")));
	CU_ASSERT_PTR_NOT_NULL(strstr(U_r.data, qline("path-max", "3072")));
	U_OK(u_req(d0, XS_CONTROL, 0, "quota", "set", "nodes", "77", NULL));
	U_STR(U_r.data, "OK");
	U_OK(u_req(d0, XS_GET_QUOTA, 0, "nodes", NULL));
	U_STR(U_r.data, "77");
	U_OK(u_req(d0, XS_CONTROL, 0, "quota", NULL));
	CU_ASSERT_PTR_NOT_NULL(strstr(U_r.data, qline("nodes", "77")));
	U_RC(u_req(d0, XS_CONTROL, 0, "quota", "set", "bogus", "1", NULL), -EINVAL);
	U_RC(u_req(d0, XS_CONTROL, 0, "quota", "set", "nodes", NULL), -EINVAL);
	U_RC(u_req(d0, XS_CONTROL, 0, "quota", "set", "path-max", "0", NULL), -EINVAL);
	/* Accounting of a domain: /local/domain/5, a and b. */
	U_OK(u_req(d0, XS_CONTROL, 0, "quota", "5", NULL));
	CU_ASSERT_PTR_NOT_NULL(strstr(U_r.data, "domain 5:\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(U_r.data, qline("nodes", "3")));
	U_RC(u_req(d0, XS_CONTROL, 0, "quota", "x", NULL), -EINVAL);
	/* Soft quota. */
	U_OK(u_req(d0, XS_CONTROL, 0, "quota-soft", "set", "memory", "1000", NULL));
	U_OK(u_req(d0, XS_CONTROL, 0, "quota-soft", NULL));
	CU_ASSERT_PTR_NOT_NULL(strstr(U_r.data, qline("memory", "1000")));
	U_OK(u_req(d0, XS_CONTROL, 0, "quota", NULL));
	CU_ASSERT_PTR_NULL(strstr(U_r.data, qline("memory", "1000")));
	/* Unprivileged: EACCES. */
	U_RC(u_req(d5, XS_CONTROL, 0, "quota", "set", "nodes", "5000", NULL), -EACCES);
	U_OK(u_req(d0, XS_GET_QUOTA, 0, "nodes", NULL));
	U_STR(U_r.data, "77");
}

static const struct u_test tests[] = {
	{ "nodes: ENOSPC", test_nodes },
	{ "nodes: a failed WRITE creates nothing", test_nodes_failure_leaves_nothing },
	{ "node-size: ENOSPC", test_node_size },
	{ "node-size: a failed WRITE creates nothing", test_node_size_failure_leaves_nothing },
	{ "node-size: permissions count", test_node_size_perms },
	{ "watches: E2BIG", test_watches },
	{ "watches: default 128", test_watches_default },
	{ "transactions: ENOSPC", test_transactions },
	{ "transaction-nodes: ENOSPC", test_transaction_nodes },
	{ "permissions: ENOSPC", test_permissions },
	{ "path-max: EINVAL, privileged exempt", test_path_max },
	{ "path-max: default 3072", test_path_max_default },
	{ "memory: ENOSPC", test_memory },
	{ "outstanding: input paused", test_outstanding },
	{ "GET_QUOTA/SET_QUOTA global", test_get_set_quota },
	{ "GET_QUOTA/SET_QUOTA per domain", test_per_domain_quota },
	{ "GET_FEATURE/SET_FEATURE", test_features },
	{ "CONTROL quota", test_control_quota },
	{ NULL, NULL },
};

void suite_quota_register(void)
{
	u_add_suite("quota", tests);
}
