/* transaction: TRANSACTION_START/END, isolation, conflicts (EAGAIN only for
 * nodes the transaction read or wrote), watches at commit, limits. */
#include "suites.h"
#include "util.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void test_start_end(void)
{
	struct hconn *d0 = u_conn(0, true);
	uint32_t t1 = u_txstart(d0);
	CU_ASSERT_TRUE(t1 != 0);
	/* The id is unsigned decimal, NUL-terminated. */
	U_EQ(U_r.len, strlen(U_r.data) + 1);
	CU_ASSERT_TRUE(strspn(U_r.data, "0123456789") == strlen(U_r.data));
	uint32_t t2 = u_txstart(d0);
	CU_ASSERT_TRUE(t2 != 0 && t2 != t1);
	U_OK(u_txend(d0, t1, false));
	U_STR(U_r.data, "OK");
	U_RC(u_txend(d0, t1, false), -ENOENT);
	U_OK(u_txend(d0, t2, true));
	U_RC(u_txend(d0, t2, true), -ENOENT);
	/* Bad TRANSACTION_END arguments. */
	uint32_t t3 = u_txstart(d0);
	U_RC(u_req(d0, XS_TRANSACTION_END, t3, "X", NULL), -EINVAL);
	U_RC(u_req(d0, XS_TRANSACTION_END, t3, NULL), -EINVAL);
	U_OK(u_txend(d0, t3, false));
	/* TRANSACTION_START inside a transaction. */
	uint32_t t4 = u_txstart(d0);
	U_RC(u_req(d0, XS_TRANSACTION_START, t4, "", NULL), -EBUSY);
	U_OK(u_txend(d0, t4, false));
}

static void test_commit(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *other = u_conn(0, true);
	U_OK(u_write(d0, 0, "/t/old", "o"));
	uint32_t t = u_txstart(d0);
	U_OK(u_write(d0, t, "/t/a", "1"));
	U_OK(u_mkdir(d0, t, "/t/m"));
	U_OK(u_rm(d0, t, "/t/old"));
	/* The transaction sees its own changes ... */
	U_OK(u_read(d0, t, "/t/a"));
	U_STR(U_r.data, "1");
	U_RC(u_read(d0, t, "/t/old"), -ENOENT);
	U_OK(u_req(d0, XS_DIRECTORY, t, "/t", NULL));
	U_STR(u_joined(), "a,m");
	/* ... nobody else does, the same connection outside it neither. */
	U_RC(u_read(other, 0, "/t/a"), -ENOENT);
	U_RC(u_read(d0, 0, "/t/a"), -ENOENT);
	U_STR(u_get(other, "/t/old"), "o");
	U_STR(u_dir(other, "/t"), "old");
	U_OK(u_txend(d0, t, true));
	U_STR(u_get(other, "/t/a"), "1");
	U_STR(u_get(other, "/t/m"), "");
	U_RC(u_read(other, 0, "/t/old"), -ENOENT);
	U_STR(u_dir(other, "/t"), "a,m");
	/* The transaction is gone after its end. */
	U_RC(u_read(d0, t, "/t/a"), -ENOENT);
	U_RC(u_txend(d0, t, true), -ENOENT);
}

static void test_abort(void)
{
	struct hconn *d0 = u_conn(0, true);
	U_OK(u_write(d0, 0, "/t/keep", "k"));
	uint32_t t = u_txstart(d0);
	U_OK(u_write(d0, t, "/t/a", "1"));
	U_OK(u_write(d0, t, "/t/keep", "changed"));
	U_OK(u_rm(d0, t, "/t/keep"));
	U_OK(u_txend(d0, t, false));
	U_RC(u_read(d0, 0, "/t/a"), -ENOENT);
	U_STR(u_get(d0, "/t/keep"), "k");
	U_STR(u_dir(d0, "/t"), "keep");
}

static void test_eagain_read_node_changed(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *other = u_conn(0, true);
	U_OK(u_write(d0, 0, "/c/r", "0"));
	U_OK(u_write(d0, 0, "/c/w", "0"));
	uint32_t t = u_txstart(d0);
	U_OK(u_read(d0, t, "/c/r"));
	U_OK(u_write(d0, t, "/c/w", "from-tx"));
	U_OK(u_write(other, 0, "/c/r", "changed"));
	U_RC(u_txend(d0, t, true), -EAGAIN);
	U_STR(u_get(d0, "/c/w"), "0");
	U_STR(u_get(d0, "/c/r"), "changed");
}

static void test_eagain_written_node_changed(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *other = u_conn(0, true);
	U_OK(u_write(d0, 0, "/c/w", "0"));
	uint32_t t = u_txstart(d0);
	U_OK(u_write(d0, t, "/c/w", "from-tx"));
	U_OK(u_write(other, 0, "/c/w", "other"));
	U_RC(u_txend(d0, t, true), -EAGAIN);
	U_STR(u_get(d0, "/c/w"), "other");
	/* Removed meanwhile. */
	t = u_txstart(d0);
	U_OK(u_write(d0, t, "/c/w", "from-tx"));
	U_OK(u_rm(other, 0, "/c/w"));
	U_RC(u_txend(d0, t, true), -EAGAIN);
	U_RC(u_read(d0, 0, "/c/w"), -ENOENT);
}

static void test_eagain_created_meanwhile(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *other = u_conn(0, true);
	U_OK(u_mkdir(d0, 0, "/n"));
	/* The transaction read a missing node that then appeared. */
	uint32_t t = u_txstart(d0);
	U_RC(u_read(d0, t, "/n/x"), -ENOENT);
	U_OK(u_write(other, 0, "/n/x", "now"));
	U_RC(u_txend(d0, t, true), -EAGAIN);
	/* Both created the same node. */
	t = u_txstart(d0);
	U_OK(u_write(d0, t, "/n/y", "tx"));
	U_OK(u_write(other, 0, "/n/y", "other"));
	U_RC(u_txend(d0, t, true), -EAGAIN);
	U_STR(u_get(d0, "/n/y"), "other");
}

static void test_no_eagain_unrelated_write(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *other = u_conn(0, true);
	U_OK(u_write(d0, 0, "/c/r", "0"));
	U_OK(u_write(d0, 0, "/c/w", "0"));
	U_OK(u_write(d0, 0, "/c/sibling", "0"));
	U_OK(u_write(d0, 0, "/u/x", "0"));
	uint32_t t = u_txstart(d0);
	U_OK(u_read(d0, t, "/c/r"));
	U_OK(u_write(d0, t, "/c/w", "from-tx"));
	/* Writes elsewhere, to a sibling of the nodes used, a new node in
	 * another directory, a removal elsewhere. */
	U_OK(u_write(other, 0, "/u/x", "1"));
	U_OK(u_write(other, 0, "/c/sibling", "1"));
	U_OK(u_write(other, 0, "/u/new", "1"));
	U_OK(u_rm(other, 0, "/u/x"));
	U_OK(u_txend(d0, t, true));
	U_STR(u_get(d0, "/c/w"), "from-tx");
	U_STR(u_get(d0, "/c/sibling"), "1");
}

static void test_no_eagain_other_transaction(void)
{
	struct hconn *a = u_conn(0, true);
	struct hconn *b = u_conn(0, true);
	U_OK(u_write(a, 0, "/p/a", "0"));
	U_OK(u_write(a, 0, "/p/b", "0"));
	uint32_t ta = u_txstart(a), tb = u_txstart(b);
	U_OK(u_write(a, ta, "/p/a", "A"));
	U_OK(u_write(b, tb, "/p/b", "B"));
	U_OK(u_txend(b, tb, true));
	U_OK(u_txend(a, ta, true));
	U_STR(u_get(a, "/p/a"), "A");
	U_STR(u_get(a, "/p/b"), "B");
	/* Both read and write the same node: the second commit fails. */
	ta = u_txstart(a);
	tb = u_txstart(b);
	U_OK(u_read(a, ta, "/p/a"));
	U_OK(u_write(a, ta, "/p/a", "A2"));
	U_OK(u_read(b, tb, "/p/a"));
	U_OK(u_write(b, tb, "/p/a", "B2"));
	U_OK(u_txend(a, ta, true));
	U_RC(u_txend(b, tb, true), -EAGAIN);
	U_STR(u_get(a, "/p/a"), "A2");
}

static void test_unknown_id(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *other = u_conn(0, true);
	U_OK(u_write(d0, 0, "/k", "v"));
	U_RC(u_read(d0, 999, "/k"), -ENOENT);
	U_RC(u_write(d0, 999, "/k", "x"), -ENOENT);
	U_RC(u_txend(d0, 999, true), -ENOENT);
	U_RC(u_txend(d0, 0, true), -ENOENT);
	/* Transaction ids belong to their connection. */
	uint32_t t = u_txstart(d0);
	U_RC(u_read(other, t, "/k"), -ENOENT);
	U_RC(u_write(other, t, "/k", "x"), -ENOENT);
	U_RC(u_txend(other, t, true), -ENOENT);
	U_OK(u_txend(d0, t, true));
	U_STR(u_get(d0, "/k"), "v");
}

static void test_watches_at_commit(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *w = u_conn(0, true);
	U_OK(u_mkdir(d0, 0, "/w/a"));
	U_OK(u_watch(w, "/w", "tok"));
	U_STR(u_ev(w), "/w|tok");
	uint32_t t = u_txstart(d0);
	U_OK(u_write(d0, t, "/w/a", "1"));
	U_OK(u_mkdir(d0, t, "/w/m"));
	U_STR(u_ev(w), "");
	U_OK(u_txend(d0, t, true));
	U_STR(u_ev(w), "/w/a|tok");
	U_STR(u_ev(w), "/w/m|tok");
	U_STR(u_ev(w), "");
	/* Aborted: nothing. */
	t = u_txstart(d0);
	U_OK(u_write(d0, t, "/w/b", "1"));
	U_OK(u_txend(d0, t, false));
	U_STR(u_ev(w), "");
	/* Failed commit: only the conflicting write outside it fires. */
	t = u_txstart(d0);
	U_OK(u_read(d0, t, "/w/a"));
	U_OK(u_write(d0, t, "/w/c", "1"));
	U_OK(u_write(w, 0, "/w/a", "2"));
	U_STR(u_ev(w), "/w/a|tok");
	U_RC(u_txend(d0, t, true), -EAGAIN);
	U_STR(u_ev(w), "");
}

static void test_quota_transactions(void)
{
	struct hconn *d5 = u_conn(5, false);
	uint32_t ids[10];
	for (int i = 0; i < 10; i++) {
		ids[i] = u_txstart(d5);
		CU_ASSERT_TRUE(ids[i] != 0);
	}
	U_RC(u_req(d5, XS_TRANSACTION_START, 0, "", NULL), -ENOSPC);
	U_OK(u_txend(d5, ids[3], false));
	uint32_t again = u_txstart(d5);
	CU_ASSERT_TRUE(again != 0);
	U_RC(u_req(d5, XS_TRANSACTION_START, 0, "", NULL), -ENOSPC);
	/* The limit is per connection quota; a privileged one has none. */
	struct hconn *d0 = u_conn(0, true);
	for (int i = 0; i < 15; i++)
		CU_ASSERT_TRUE(u_txstart(d0) != 0);
}

static void test_reset_watches_drops_transactions(void)
{
	struct hconn *d0 = u_conn(0, true);
	uint32_t t = u_txstart(d0);
	U_OK(u_write(d0, t, "/gone", "1"));
	U_OK(u_req(d0, XS_RESET_WATCHES, 0, "", NULL));
	U_RC(u_txend(d0, t, true), -ENOENT);
	U_RC(u_read(d0, 0, "/gone"), -ENOENT);
}

static const struct u_test tests[] = {
	{ "start/end", test_start_end },
	{ "commit: isolation until commit", test_commit },
	{ "abort", test_abort },
	{ "EAGAIN: a node read changed", test_eagain_read_node_changed },
	{ "EAGAIN: a node written changed", test_eagain_written_node_changed },
	{ "EAGAIN: node created meanwhile", test_eagain_created_meanwhile },
	{ "no EAGAIN for unrelated writes", test_no_eagain_unrelated_write },
	{ "concurrent transactions", test_no_eagain_other_transaction },
	{ "unknown transaction id: ENOENT", test_unknown_id },
	{ "watches fire at commit only", test_watches_at_commit },
	{ "transactions quota", test_quota_transactions },
	{ "RESET_WATCHES drops transactions", test_reset_watches_drops_transactions },
	{ NULL, NULL },
};

void suite_transaction_register(void)
{
	u_add_suite("transaction", tests);
}
