/* watch: WATCH/UNWATCH/RESET_WATCHES, the events they bring (registration,
 * changes below, removal of a parent, depth, relative paths, permissions)
 * and the special @introduceDomain/@releaseDomain watches. */
#include "suites.h"
#include "util.h"
#include "../../lib/loop.h"
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every queued event, sorted, joined with ' ' (the order of events of one
 * change to several watches is not specified). */
static const char *all_events(struct hconn *h)
{
	static char out[4096];
	char *ev[64];
	unsigned n = 0;
	const char *e;
	while (n < 64 && (e = u_ev(h))[0])
		ev[n++] = strdup(e);
	qsort(ev, n, sizeof(ev[0]), cmp);
	out[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		if (i)
			strcat(out, " ");
		strncat(out, ev[i], sizeof(out) - strlen(out) - 2);
		free(ev[i]);
	}
	return out;
}

static void test_fires_at_registration(void)
{
	struct hconn *d0 = u_conn(0, true);
	/* Whether or not the node exists. */
	U_OK(u_watch(d0, "/missing", "t1"));
	U_STR(U_r.data, "OK");
	U_STR(u_ev(d0), "/missing|t1");
	U_STR(u_ev(d0), "");
	U_OK(u_write(d0, 0, "/x", "1"));
	U_OK(u_watch(d0, "/x", "t2"));
	U_STR(u_ev(d0), "/x|t2");
	U_STR(u_ev(d0), "");
	/* The event has req_id and tx_id 0, and the tx_id of WATCH is ignored. */
	U_OK(u_req(d0, XS_WATCH, 77, "/y", "t3", NULL));
	U_EQ(U_r.tx_id, 77);
	CU_ASSERT_TRUE(d0->out_len >= XS_HDR_SIZE);
	if (d0->out_len >= XS_HDR_SIZE) {
		struct xsd_sockmsg hdr;
		memcpy(&hdr, d0->out, sizeof(hdr));
		U_EQ(hdr.type, XS_WATCH_EVENT);
		U_EQ(hdr.req_id, 0);
		U_EQ(hdr.tx_id, 0);
		U_EQ(hdr.len, strlen("/y") + 1 + strlen("t3") + 1);
	}
	U_STR(u_ev(d0), "/y|t3");
}

static void test_child_changes(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *w = u_conn(0, true);
	U_OK(u_write(d0, 0, "/a/b/c", "0"));
	U_OK(u_write(d0, 0, "/ab", "0"));
	U_OK(u_watch(w, "/a", "tok"));
	u_drain(w);
	U_OK(u_write(d0, 0, "/a/b/c", "1"));
	U_STR(u_ev(w), "/a/b/c|tok");
	U_STR(u_ev(w), "");
	U_OK(u_write(d0, 0, "/a", "1"));
	U_STR(u_ev(w), "/a|tok");
	U_STR(u_ev(w), "");
	/* Not a child: a path that only starts with the same bytes. */
	U_OK(u_write(d0, 0, "/ab", "1"));
	U_STR(u_ev(w), "");
	U_OK(u_write(d0, 0, "/", "root"));
	U_STR(u_ev(w), "");
	/* Creation, permissions change, removal. */
	U_OK(u_mkdir(d0, 0, "/a/new"));
	U_STR(u_ev(w), "/a/new|tok");
	U_STR(u_ev(w), "");
	U_OK(u_setperms(d0, 0, "/a/new", "n0", "r3", NULL));
	U_STR(u_ev(w), "/a/new|tok");
	U_STR(u_ev(w), "");
	U_OK(u_rm(d0, 0, "/a/new"));
	U_STR(u_ev(w), "/a/new|tok");
	U_STR(u_ev(w), "");
	/* Nothing for a failed request or a no-op. */
	U_RC(u_rm(d0, 0, "/a/none/x"), -ENOENT);
	U_STR(u_ev(w), "");
	U_OK(u_mkdir(d0, 0, "/a/b"));
	U_STR(u_ev(w), "");
}

static void test_write_new_node_events(void)
{
	/* Writing a new node below an existing one: one change, one event. */
	struct hconn *d0 = u_conn(0, true);
	struct hconn *w = u_conn(0, true);
	U_OK(u_mkdir(d0, 0, "/a"));
	U_OK(u_watch(w, "/a", "tok"));
	u_drain(w);
	U_OK(u_write(d0, 0, "/a/new", "v"));
	U_STR(all_events(w), "/a/new|tok");
}

static void test_write_creates_parents_one_event(void)
{
	/* Parents created on the way fire nothing of their own (as Xen): a
	 * watch on the missing parent sees the written path once. */
	struct hconn *d0 = u_conn(0, true);
	struct hconn *w = u_conn(0, true);
	U_OK(u_watch(w, "/p/q", "mid"));
	U_OK(u_watch(w, "/p", "top"));
	u_drain(w);
	U_OK(u_write(d0, 0, "/p/q/r", "v"));
	U_STR(all_events(w), "/p/q/r|mid /p/q/r|top");
	U_OK(u_mkdir(d0, 0, "/p/s/t"));
	U_STR(all_events(w), "/p/s/t|top");
}

static void test_rm_parent(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *w = u_conn(0, true);
	U_OK(u_write(d0, 0, "/a/b/c/d", "0"));
	U_OK(u_watch(w, "/a/b/c", "deep"));
	U_OK(u_watch(w, "/a/b/c/d", "deeper"));
	U_OK(u_watch(w, "/a", "top"));
	U_OK(u_watch(w, "/", "root"));
	U_OK(u_watch(w, "/a/b/c/none", "missing"));
	U_OK(u_watch(w, "/ab", "other"));
	u_drain(w);
	U_OK(u_rm(d0, 0, "/a/b"));
	/* Watches below the removed node get their own path. */
	U_STR(all_events(w), "/a/b/c/d|deeper /a/b/c/none|missing /a/b/c|deep /a/b|root /a/b|top");
}

static void test_depth(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *w = u_conn(0, true);
	U_OK(u_mkdir(d0, 0, "/d/x/y/z"));
	U_OK(u_req(w, XS_WATCH, 0, "/d", "one", "1", NULL));
	U_STR(u_ev(w), "/d|one");
	U_OK(u_req(w, XS_WATCH, 0, "/d", "zero", "0", NULL));
	U_STR(u_ev(w), "/d|zero");
	U_OK(u_req(w, XS_WATCH, 0, "/d", "any", "", NULL));
	U_STR(u_ev(w), "/d|any");
	U_OK(u_write(d0, 0, "/d", "1"));
	U_STR(all_events(w), "/d|any /d|one /d|zero");
	U_OK(u_write(d0, 0, "/d/x", "1"));
	U_STR(all_events(w), "/d/x|any /d/x|one");
	U_OK(u_write(d0, 0, "/d/x/y", "1"));
	U_STR(all_events(w), "/d/x/y|any");
	U_OK(u_write(d0, 0, "/d/x/y/z", "1"));
	U_STR(all_events(w), "/d/x/y/z|any");
	/* The removal of the watched node itself is seen at any depth. */
	U_OK(u_rm(d0, 0, "/d"));
	U_STR(all_events(w), "/d|any /d|one /d|zero");
	/* Bad depths. */
	U_RC(u_req(w, XS_WATCH, 0, "/e", "t", "x", NULL), -EINVAL);
	U_RC(u_req(w, XS_WATCH, 0, "/e", "t", "-1", NULL), -EINVAL);
}

static void test_relative(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d5 = u_conn(5, false);
	U_OK(u_mkdir(d0, 0, "/local/domain/5"));
	U_OK(u_setperms(d0, 0, "/local/domain/5", "n5", NULL));
	U_OK(u_mkdir(d0, 0, "/local/domain/5/data/x"));
	U_OK(u_watch(d5, "data", "rel"));
	U_STR(u_ev(d5), "data|rel");
	U_OK(u_watch(d5, "/local/domain/5/data", "abs"));
	U_STR(u_ev(d5), "/local/domain/5/data|abs");
	U_OK(u_write(d0, 0, "/local/domain/5/data/x", "1"));
	U_STR(all_events(d5), "/local/domain/5/data/x|abs data/x|rel");
	U_OK(u_write(d5, 0, "data/x", "2"));
	U_STR(all_events(d5), "/local/domain/5/data/x|abs data/x|rel");
	/* Removal of a parent: the relative watch path. */
	U_OK(u_rm(d0, 0, "/local/domain/5"));
	U_STR(all_events(d5), "/local/domain/5/data|abs data|rel");
}

static void test_unwatch(void)
{
	struct hconn *d0 = u_conn(0, true);
	U_OK(u_mkdir(d0, 0, "/u"));
	U_OK(u_watch(d0, "/u", "t"));
	U_OK(u_watch(d0, "/u", "t2"));
	u_drain(d0);
	U_RC(u_req(d0, XS_UNWATCH, 0, "/u", "other", NULL), -ENOENT);
	U_RC(u_req(d0, XS_UNWATCH, 0, "/v", "t", NULL), -ENOENT);
	U_OK(u_req(d0, XS_UNWATCH, 0, "/u", "t", NULL));
	U_STR(U_r.data, "OK");
	U_OK(u_write(d0, 0, "/u", "1"));
	U_STR(all_events(d0), "/u|t2");
	U_RC(u_req(d0, XS_UNWATCH, 0, "/u", "t", NULL), -ENOENT);
	/* A relative path names the same watch as its absolute form. */
	U_OK(u_mkdir(d0, 0, "rel"));
	U_OK(u_watch(d0, "rel", "r"));
	u_drain(d0);
	U_OK(u_req(d0, XS_UNWATCH, 0, "/local/domain/0/rel", "r", NULL));
	U_OK(u_write(d0, 0, "rel", "1"));
	U_STR(all_events(d0), "");
	/* Another connection's watches are not ours to remove. */
	struct hconn *other = u_conn(0, true);
	U_RC(u_req(other, XS_UNWATCH, 0, "/u", "t2", NULL), -ENOENT);
}

static void test_duplicate(void)
{
	struct hconn *d0 = u_conn(0, true);
	U_OK(u_mkdir(d0, 0, "/dup"));
	U_OK(u_watch(d0, "/dup", "t"));
	u_drain(d0);
	U_RC(u_watch(d0, "/dup", "t"), -EEXIST);
	U_STR(u_ev(d0), "");
	/* The same node named by a relative and an absolute path. */
	U_OK(u_watch(d0, "dup2", "t"));
	U_RC(u_watch(d0, "/local/domain/0/dup2", "t"), -EEXIST);
	u_drain(d0);
	/* Another token is another watch; another connection may watch the same. */
	U_OK(u_watch(d0, "/dup", "t2"));
	struct hconn *other = u_conn(0, true);
	U_OK(u_watch(other, "/dup", "t"));
	u_drain(d0);
	u_drain(other);
	U_OK(u_write(d0, 0, "/dup", "1"));
	U_STR(all_events(d0), "/dup|t /dup|t2");
	U_STR(all_events(other), "/dup|t");
}

static void test_reset_watches(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *other = u_conn(0, true);
	U_OK(u_mkdir(d0, 0, "/r1"));
	U_OK(u_mkdir(d0, 0, "/r2"));
	U_OK(u_watch(d0, "/r1", "a"));
	U_OK(u_watch(d0, "/r2", "b"));
	U_OK(u_watch(other, "/r1", "o"));
	u_drain(d0);
	u_drain(other);
	U_OK(u_req(d0, XS_RESET_WATCHES, 0, "", NULL));
	U_STR(U_r.data, "OK");
	U_OK(u_write(d0, 0, "/r1", "1"));
	U_OK(u_write(d0, 0, "/r2", "1"));
	U_STR(all_events(d0), "");
	U_STR(all_events(other), "/r1|o");
	/* The same watch may be set again. */
	U_OK(u_watch(d0, "/r1", "a"));
	U_STR(u_ev(d0), "/r1|a");
}

static void test_introduce_domain(void)
{
	struct hconn *d0 = u_conn(0, true);
	U_OK(u_watch(d0, "@introduceDomain", "in"));
	U_STR(u_ev(d0), "@introduceDomain|in");
	U_OK(u_req(d0, XS_WATCH, 0, "@introduceDomain", "in1", "1", NULL));
	U_STR(u_ev(d0), "@introduceDomain|in1");
	U_OK(u_req(d0, XS_IS_DOMAIN_INTRODUCED, 0, "7", NULL));
	U_STR(U_r.data, "F");
	U_OK(u_req(d0, XS_INTRODUCE, 0, "7", "1234", "5", NULL));
	U_STR(U_r.data, "OK");
	U_STR(all_events(d0), "@introduceDomain/7|in1 @introduceDomain|in");
	U_OK(u_req(d0, XS_IS_DOMAIN_INTRODUCED, 0, "7", NULL));
	U_STR(U_r.data, "T");
	/* Node writes are not special events. */
	U_OK(u_write(d0, 0, "/x", "1"));
	U_STR(all_events(d0), "");
	/* Invalid domains. */
	U_RC(u_req(d0, XS_INTRODUCE, 0, "0", "1", "1", NULL), -EINVAL);
	U_RC(u_req(d0, XS_INTRODUCE, 0, "32752", "1", "1", NULL), -EINVAL);
	U_RC(u_req(d0, XS_INTRODUCE, 0, "x", "1", "1", NULL), -EINVAL);
	U_RC(u_req(d0, XS_INTRODUCE, 0, "8", "1", NULL), -EINVAL);
	U_STR(all_events(d0), "");
}

static void test_release_domain(void)
{
	struct hconn *d0 = u_conn(0, true);
	U_OK(u_req(d0, XS_INTRODUCE, 0, "7", "1", "1", NULL));
	struct hconn *d7 = u_dom_conn(7);
	U_OK(u_mkdir(d0, 0, "/local/domain/7"));
	U_OK(u_setperms(d0, 0, "/local/domain/7", "n7", NULL));
	U_OK(u_write(d7, 0, "data/x", "1"));
	U_OK(u_write(d0, 0, "/local/domain/7/bydom0", "z"));
	U_OK(u_mkdir(d0, 0, "/shared"));
	U_OK(u_setperms(d0, 0, "/shared", "n0", "b7", NULL));
	U_OK(u_write(d7, 0, "/shared/x", "7"));
	U_OK(u_write(d0, 0, "/shared/y", "0"));
	U_OK(u_write(d0, 0, "/other", "o"));
	U_OK(u_setperms(d0, 0, "/other", "n0", "r7", "r8", NULL));
	U_OK(u_watch(d0, "@releaseDomain", "rel"));
	U_OK(u_req(d0, XS_WATCH, 0, "@releaseDomain", "rel1", "1", NULL));
	U_OK(u_watch(d0, "@releaseDomain/7", "rel7"));
	U_OK(u_watch(d0, "@releaseDomain/8", "rel8"));
	U_OK(u_watch(d0, "/local/domain/7", "dir"));
	U_OK(u_watch(d0, "/shared", "shared"));
	U_STR(all_events(d0), "/local/domain/7|dir /shared|shared @releaseDomain/7|rel7 "
			      "@releaseDomain/8|rel8 @releaseDomain|rel @releaseDomain|rel1");
	U_OK(u_req(d0, XS_RELEASE, 0, "7", NULL));
	U_STR(U_r.data, "OK");
	U_STR(all_events(d0), "/local/domain/7|dir /shared/x|shared @releaseDomain/7|rel1 "
			      "@releaseDomain/7|rel7 @releaseDomain|rel");
	/* The domain's nodes went, with their children; the rest stays. */
	U_RC(u_read(d0, 0, "/local/domain/7"), -ENOENT);
	U_RC(u_read(d0, 0, "/local/domain/7/bydom0"), -ENOENT);
	U_RC(u_read(d0, 0, "/shared/x"), -ENOENT);
	U_STR(u_dir(d0, "/shared"), "y");
	U_STR(u_dir(d0, "/local/domain"), "");
	/* Entries for the released domain are no longer shown. */
	U_STR(u_perms(d0, "/other"), "n0,r8");
	U_OK(u_req(d0, XS_IS_DOMAIN_INTRODUCED, 0, "7", NULL));
	U_STR(U_r.data, "F");
	/* Its connection is closed. */
	CU_ASSERT_PTR_NULL(d7->c);
	U_RC(u_req(d0, XS_RELEASE, 0, "7", NULL), -ENOENT);
	U_RC(u_req(d0, XS_RELEASE, 0, "0", NULL), -EINVAL);
	U_STR(all_events(d0), "");
}

static void test_unpriv_no_events_unreadable(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d5 = u_conn(5, false);
	U_OK(u_watch(d5, "/", "root"));
	U_STR(u_ev(d5), "/|root");
	U_OK(u_write(d0, 0, "/secret", "s"));
	U_STR(all_events(d5), "");
	U_OK(u_write(d0, 0, "/pub", "p"));
	U_STR(all_events(d5), "");
	U_OK(u_setperms(d0, 0, "/pub", "n0", "r5", NULL));
	U_STR(all_events(d5), "/pub|root");
	U_OK(u_write(d0, 0, "/pub", "p2"));
	U_STR(all_events(d5), "/pub|root");
	U_OK(u_rm(d0, 0, "/secret"));
	U_STR(all_events(d5), "");
	U_OK(u_rm(d0, 0, "/pub"));
	U_STR(all_events(d5), "/pub|root");
}

static void test_unpriv_rm_unreadable_parent(void)
{
	/* docs/misc/xenstore.txt: "an application may rely on being sent a
	 * watch when a path which it _is_ able to read is deleted even if that
	 * leaves only a nonexistent unreadable parent." */
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d5 = u_conn(5, false);
	U_OK(u_write(d0, 0, "/priv/readable", "r"));
	U_OK(u_setperms(d0, 0, "/priv/readable", "n0", "r5", NULL));
	U_STR(u_perms(d0, "/priv"), "n0");
	U_STR(u_get(d5, "/priv/readable"), "r");
	U_OK(u_watch(d5, "/priv/readable", "mine"));
	U_STR(u_ev(d5), "/priv/readable|mine");
	U_OK(u_rm(d0, 0, "/priv"));
	U_STR(all_events(d5), "/priv/readable|mine");
}

static void test_unpriv_special_watches(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d5 = u_conn(5, false);
	U_OK(u_watch(d5, "@releaseDomain", "rel"));
	U_OK(u_watch(d5, "@introduceDomain", "in"));
	u_drain(d5);
	U_OK(u_req(d0, XS_INTRODUCE, 0, "9", "1", "1", NULL));
	U_OK(u_req(d0, XS_RELEASE, 0, "9", NULL));
	U_STR(all_events(d5), "");
	/* Enabled through SET_PERMS on the special paths. */
	U_OK(u_setperms(d0, 0, "@releaseDomain", "n0", "r5", NULL));
	U_OK(u_setperms(d0, 0, "@introduceDomain", "n0", "r5", NULL));
	U_OK(u_req(d0, XS_INTRODUCE, 0, "9", "1", "1", NULL));
	U_STR(all_events(d5), "@introduceDomain|in");
	U_OK(u_req(d0, XS_RELEASE, 0, "9", NULL));
	U_STR(all_events(d5), "@releaseDomain|rel");
}

static void test_bad_watch_requests(void)
{
	struct hconn *d0 = u_conn(0, true);
	U_RC(u_watch(d0, "/a//b", "t"), -EINVAL);
	U_RC(u_watch(d0, "/a/", "t"), -EINVAL);
	U_RC(u_watch(d0, "", "t"), -EINVAL);
	U_RC(u_req(d0, XS_WATCH, 0, "/a", NULL), -EINVAL);
	U_RC(u_raw(d0, XS_WATCH, 0, "/a\0t", 4), -EINVAL); /* token without NUL */
	U_RC(u_req(d0, XS_UNWATCH, 0, "/a", NULL), -EINVAL);
	U_STR(all_events(d0), "");
}

/* Real sockets and the event loop: a client that only waits for events
 * gets them (xenstore-watch does nothing else). */
static void stop_loop(void *arg)
{
	loop_stop(arg);
}

static bool sock_msg(int fd, struct hmsg *m, int timeout_ms)
{
	struct xsd_sockmsg h;
	size_t off = 0;
	while (off < sizeof(h)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, timeout_ms) <= 0)
			return false;
		ssize_t n = read(fd, (char *)&h + off, sizeof(h) - off);
		if (n <= 0)
			return false;
		off += (size_t)n;
	}
	if (h.len > XENSTORE_PAYLOAD_MAX)
		return false;
	off = 0;
	while (off < h.len) {
		ssize_t n = read(fd, m->data + off, h.len - off);
		if (n <= 0)
			return false;
		off += (size_t)n;
	}
	m->type = h.type;
	m->req_id = h.req_id;
	m->len = h.len;
	m->data[h.len] = '\0';
	return true;
}

static void test_events_reach_idle_socket(void)
{
	int x[2], y[2];
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, x) == 0);
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, y) == 0);
	struct hconn *d0 = u_conn(0, true);
	U_OK(u_mkdir(d0, 0, "/w/a"));
	struct xs_conn *cx = conn_new(U_srv, XS_CONN_SOCKET, &conn_socket_ops, NULL, x[0]);
	struct xs_conn *cy = conn_new(U_srv, XS_CONN_SOCKET, &conn_socket_ops, NULL, y[0]);
	CU_ASSERT_FATAL(cx && cy && conn_socket_attach(cx) == 0 && conn_socket_attach(cy) == 0);
	/* X watches /w (handled directly); its answer and first event go out. */
	char buf[64];
	struct xsd_sockmsg h = { .type = XS_WATCH, .req_id = 1, .len = 6 };
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), "/w\0tk", 6);
	U_EQ(conn_feed(cx, buf, (uint32_t)sizeof(h) + 6), 0);
	conn_flush(cx);
	struct hmsg *m = malloc(sizeof(*m));
	CU_ASSERT_TRUE(sock_msg(x[1], m, 1000) && m->type == XS_WATCH);
	CU_ASSERT_TRUE(sock_msg(x[1], m, 1000) && m->type == XS_WATCH_EVENT);
	/* Y writes /w/a through its socket; the daemon's loop runs. */
	struct xsd_sockmsg hw = { .type = XS_WRITE, .req_id = 2, .len = 6 };
	memcpy(buf, &hw, sizeof(hw));
	memcpy(buf + sizeof(hw), "/w/a\0v", 6);
	U_EQ(write(y[1], buf, sizeof(hw) + 6), (long long)(sizeof(hw) + 6));
	loop_set_timeout(U_srv->loop, 100, stop_loop, U_srv->loop);
	loop_run(U_srv->loop);
	CU_ASSERT_TRUE(sock_msg(y[1], m, 0) && m->type == XS_WRITE && m->req_id == 2);
	/* X, which sent nothing, has its event. */
	bool got = sock_msg(x[1], m, 0);
	CU_ASSERT_TRUE(got);
	if (got) {
		U_EQ(m->type, XS_WATCH_EVENT);
		U_STR(m->data, "/w/a");
	}
	free(m);
	close(x[1]);
	close(y[1]);
	/* x[0] and y[0] are closed with their connections. */
}

static const struct u_test tests[] = {
	{ "fires once at registration", test_fires_at_registration },
	{ "fires on changes below", test_child_changes },
	{ "one event for a new node", test_write_new_node_events },
	{ "parents created by a write fire no events", test_write_creates_parents_one_event },
	{ "rm of a parent: event path is the watched path", test_rm_parent },
	{ "depth limit", test_depth },
	{ "relative watch paths give relative events", test_relative },
	{ "UNWATCH", test_unwatch },
	{ "duplicate watch: EEXIST", test_duplicate },
	{ "RESET_WATCHES", test_reset_watches },
	{ "@introduceDomain on INTRODUCE", test_introduce_domain },
	{ "RELEASE: nodes removed, @releaseDomain fired", test_release_domain },
	{ "unprivileged: no events for unreadable nodes", test_unpriv_no_events_unreadable },
	{ "unprivileged: readable node removed with unreadable parent",
	  test_unpriv_rm_unreadable_parent },
	{ "unprivileged: special watches need SET_PERMS", test_unpriv_special_watches },
	{ "bad WATCH/UNWATCH requests", test_bad_watch_requests },
	{ "events reach an idle socket client", test_events_reach_idle_socket },
	{ NULL, NULL },
};

void suite_watch_register(void)
{
	u_add_suite("watch", tests);
}
