/* test_relay: the TCP transport end to end over loopback (migrate/
 * relay_send.c, gateway.c, relay_recv.c): a gateway in a thread whose
 * deliver plays the receiving xcdd (it checks the stream byte for byte and
 * answers ready and the report), the sending relay in another, and this
 * thread playing the sending xcdd and its job over the pipes. Over 1 and 4
 * data connections; a stream that asks what the receiver reads (the
 * gateway answers XCD_READS before the stream goes on); a sender in doubt's
 * outcome query, handed to deliver and answered; a receiver that refuses
 * the guest (its words reach the sender); a sender not trusted, the wrong
 * host, nobody listening. */
#include "../../../migrate/compress.h"
#include "../../../migrate/migrate.h"
#include "../../../migrate/outcome.h"
#include "../../../migrate/tcp.h"
#include "suites.h"
#include <CUnit/CUnit.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static uint8_t *stream;
static size_t stream_len;

/* The receiving xcdd, as deliver sees it. */
struct recv_ctx {
	int refuse;	 /* answer this error at once */
	int rc;		 /* what it found */
	char what[400];
	char peer[MIG_CRED_NAME_MAX + 1];
	unsigned streams;
	int queried; /* an outcome query came, with QUERY_ID */
	uint8_t query_id[16];
	unsigned devices; /* says its copy's devices are up this many times */
};

/* The stream of this run (the whole of STREAM, or a copy that asks). */
static const uint8_t *sent;

/* An outcome query: answered "committed" for an id whose first byte is 1,
 * else "aborted", as the receiving xcdd's ledger would. */
static int answer_query(struct recv_ctx *r, const struct mig_pipe_head *h, int in, int back)
{
	size_t len;
	const char *line = mig_outcome_line(h->id[0] == 1 ? MIG_OUTCOME_COMMITTED
							 : MIG_OUTCOME_ABORTED, &len);
	r->queried = 1;
	memcpy(r->query_id, h->id, 16);
	int rc = write(back, line, len) == (ssize_t)len ? 0 : -EIO;
	close(in);
	close(back);
	return rc;
}

static int deliver(void *arg, struct rmig *rx, const struct mig_pipe_head *h, bool paused,
		   int in, int back, const struct mig_tcp_peer *from, char *err, size_t errlen)
{
	struct recv_ctx *r = arg;
	/* Before the stream is read (as a copy whose devices are quick), and
	 * again: the sender takes it once. */
	for (unsigned i = 0; i < r->devices && !h->query; i++)
		mig_tcp_devices_up(rx);
	const char *config = h->config;
	uint64_t off = h->off;
	snprintf(r->peer, sizeof(r->peer), "%s", from->cred.name);
	r->streams = from->streams;
	if (h->query)
		return answer_query(r, h, in, back);
	if (r->refuse) {
		close(in);
		close(back);
		snprintf(err, errlen, "a domain named g exists here");
		return r->refuse;
	}
	size_t rest = stream_len - (size_t)off;
	uint8_t *got = malloc(rest);
	struct mig_in mi;
	char e[256];
	mig_in_fd(&mi, in);
	r->rc = strcmp(config, "{\"c_info\":{\"name\":\"g\"}}") ? -EINVAL
		: mig_in_read(&mi, got, rest) < 0		    ? -EIO
		: memcmp(got, sent + off, rest)			    ? -EBADMSG
								    : 0;
	snprintf(r->what, sizeof(r->what), "config %s, %zu bytes %s", config, rest,
		 r->rc ? "differ or missing" : "equal");
	mig_in_free(&mi);
	free(got);
	(void)paused;
	/* The handover: ready, the go (in the stream after it), the report. */
	if (mig_pipe_send(back, MIG_PIPE_READY, 0, e, sizeof(e)) < 0 ||
	    mig_pipe_recv(in, MIG_PIPE_GO, 5000, NULL, e, sizeof(e)) < 0 ||
	    mig_pipe_send(back, MIG_PIPE_REPORT, 0, e, sizeof(e)) < 0) {
		snprintf(r->what, sizeof(r->what), "handover: %s", e);
		r->rc = r->rc ? r->rc : -EPROTO;
	}
	close(in);
	close(back);
	return 0;
}

struct gw_ctx {
	int lfd;
	struct recv_ctx *r;
};

static void *gateway(void *arg)
{
	struct gw_ctx *g = arg;
	/* Its own copy: mtu_dir's buffers are a ring that later calls reuse,
	 * and the gateway reads its folder again for each connection. */
	static char dir[128];
	snprintf(dir, sizeof(dir), "%s", mtu_dir("rb"));
	struct mig_tcp_gw_opts o = { .cred_dir = dir, .timeout_ms = 3000 };
	mig_tcp_gateway(g->lfd, &o, deliver, g->r);
	return NULL;
}

/* The sending side's relay in its thread. */
struct send_ctx {
	struct mig_tcp_send_opts o;
	int s2r, r2s, rc, connected, devices;
	char err[1024], note[1100];
	struct mig_tcp_send_stats st;
	struct mig_tcp_peer peer;
};

static void connected(void *arg, const struct mig_tcp_peer *p)
{
	struct send_ctx *s = arg;
	s->connected = 1;
	s->peer = *p;
}

static void note(void *arg, const char *text)
{
	struct send_ctx *s = arg;
	snprintf(s->note, sizeof(s->note), "%s", text);
}

static void devices(void *arg)
{
	struct send_ctx *s = arg;
	s->devices++;
}

static void *sender(void *arg)
{
	struct send_ctx *s = arg;
	struct mig_tcp_send_hooks h = { s, connected, note, devices };
	s->rc = mig_tcp_send(&s->o, s->s2r, s->r2s, &h, &s->st, s->err, sizeof(s->err));
	return NULL;
}

static char port[8];
static int lfd = -1;
static pthread_t gw_thread;
static struct recv_ctx rctx;

static void start_gateway(void)
{
	static struct gw_ctx g;
	struct mig_addr a;
	char bound[64], err[256];
	struct mig_cred_info i;
	if (lfd >= 0)
		return;
	CU_ASSERT_FATAL(mtu_make_host("ra", &i) == 0 && mtu_make_host("rb", &i) == 0 &&
			mtu_make_host("rc", &i) == 0);
	CU_ASSERT_FATAL(mtu_trust("ra", "rb") == 0 && mtu_trust("rb", "ra") == 0 &&
			mtu_trust("rc", "rb") == 0);
	CU_ASSERT_FATAL(mig_addr_parse("127.0.0.1:0", true, &a, err, sizeof(err)) == 0);
	lfd = mig_addr_listen(&a, bound, sizeof(bound), err, sizeof(err));
	CU_ASSERT_FATAL(lfd >= 0);
	snprintf(port, sizeof(port), "%s", strrchr(bound, ':') + 1);
	g = (struct gw_ctx){ lfd, &rctx };
	CU_ASSERT_FATAL(pthread_create(&gw_thread, NULL, gateway, &g) == 0);
	unsigned n;
	uint64_t ends[64];
	stream = mtu_stream(12, 1024, false, &stream_len, ends, &n);
}

/* The sending relay from HOST to the gateway (at port AT, NULL: its own)
 * as PEER over STREAMS, started in its thread *TH; the sending xcdd's
 * ends of the pipes in TO and FROM. */
static void link_up(const char *host, const char *peer, const char *at, unsigned streams,
		    struct send_ctx *s, pthread_t *th, int *to, int *from)
{
	int s2r[2], r2s[2];
	char err[256], where[64];
	start_gateway();
	int refuse = rctx.refuse;
	unsigned devs = rctx.devices;
	memset(&rctx, 0, sizeof(rctx));
	rctx.refuse = refuse;
	rctx.devices = devs;
	CU_ASSERT_FATAL(pipe2(s2r, O_CLOEXEC) == 0 && pipe2(r2s, O_CLOEXEC) == 0);
	snprintf(where, sizeof(where), "tcp://127.0.0.1:%s", at ? at : port);
	memset(s, 0, sizeof(*s));
	CU_ASSERT_FATAL(mig_addr_parse(where, false, &s->o.addr, err, sizeof(err)) == 0);
	s->o.cred_dir = mtu_dir(host);
	s->o.peer_name = peer;
	s->o.streams = streams;
	s->o.timeout_ms = 3000;
	s->s2r = s2r[0];
	s->r2s = r2s[1];
	CU_ASSERT_FATAL(pthread_create(th, NULL, sender, s) == 0);
	*to = s2r[1];
	*from = r2s[0];
}

/* One migration of BYTES (STREAM, or a copy) from HOST to the gateway as
 * PEER over STREAMS: the sender's and receiver's results; *CODECS: what
 * the receiver said it reads (0: nothing said). */
static void migrate_bytes(const char *host, const char *peer, const char *at, unsigned streams,
			  const uint8_t *bytes, struct send_ctx *s, uint32_t *codecs)
{
	int to, from;
	pthread_t th;
	char err[256];
	struct mig_pipe_expect x;
	sent = bytes;
	link_up(host, peer, at, streams, s, &th, &to, &from);
	/* The sending xcdd and its job: the banner, the stream, (what the
	 * receiver reads,) ready, go, the report. A failure anywhere ends it
	 * (the pipes closed). */
	uint8_t status = 9, b;
	int got = 0;
	size_t used;
	mig_pipe_expect_after_reads(&x, MIG_PIPE_READY);
	if (mig_pipe_recv(from, MIG_PIPE_BANNER, 5000, NULL, err, sizeof(err)) == 0 &&
	    write(to, bytes, stream_len) == (ssize_t)stream_len) {
		while (got == 0 && read(from, &b, 1) == 1)
			got = mig_pipe_feed(&x, &b, 1, &used, err, sizeof(err));
		if (got == 1 && mig_pipe_send(to, MIG_PIPE_GO, 0, err, sizeof(err)) == 0)
			mig_pipe_recv(from, MIG_PIPE_REPORT, 5000, &status, err, sizeof(err));
	}
	if (codecs)
		*codecs = x.has_reads ? x.codecs : 0;
	close(to);
	close(from);
	pthread_join(th, NULL);
	if (status == 0)
		CU_ASSERT(s->rc == 0);
	if (s->rc)
		fprintf(stderr, "  sender: %d %s\n", s->rc, s->err);
}

static void migrate(const char *host, const char *peer, const char *at, unsigned streams,
		    struct send_ctx *s)
{
	start_gateway(); /* STREAM made */
	migrate_bytes(host, peer, at, streams, stream, s, NULL);
}

static void test_streams(void)
{
	for (unsigned streams = 1; streams <= 4; streams += 3) {
		struct send_ctx s;
		rctx.refuse = 0;
		rctx.devices = streams; /* 1, then 4: said once, and said again */
		migrate("ra", "rb", NULL, streams, &s);
		rctx.devices = 0;
		CU_ASSERT(s.rc == 0 && s.connected);
		/* Both ends agreed the receiver says when its devices are up;
		 * the sender was told once, however often it was said. */
		CU_ASSERT(s.peer.devices);
		CU_ASSERT(s.devices == 1);
		CU_ASSERT(rctx.rc == 0);
		if (rctx.rc)
			fprintf(stderr, "  receiver: %s\n", rctx.what);
		CU_ASSERT_STRING_EQUAL(rctx.peer, "ra");
		CU_ASSERT(rctx.streams == streams);
		CU_ASSERT_STRING_EQUAL(s.peer.cred.name, "rb");
		CU_ASSERT(strstr(s.peer.cipher, "TLS1.3") != NULL);
		/* Every PAGE_DATA record (4 MiB) is a segment of its own at least. */
		CU_ASSERT(s.st.segments >= 12);
		CU_ASSERT(s.st.bytes == stream_len + 44);
	}
}

/* A stream whose xl header asks (XL_OPTFLAG_XCD_ASKS, as an xcd sender
 * that may compress sets it): the gateway answers what this build reads
 * before the stream's end, as xcd migrate-receive does, and the stream
 * reaches deliver unchanged. Without the flag, nothing is said. */
static void test_reads(void)
{
	struct send_ctx s;
	uint32_t codecs = 1u << 31, oflags;
	start_gateway();
	uint8_t *asks = malloc(stream_len);
	CU_ASSERT_FATAL(asks != NULL);
	memcpy(asks, stream, stream_len);
	memcpy(&oflags, asks + 40, 4);
	oflags = htole32(le32toh(oflags) | XL_OPTFLAG_XCD_ASKS);
	memcpy(asks + 40, &oflags, 4);
	rctx.refuse = 0;
	migrate_bytes("ra", "rb", NULL, 2, asks, &s, &codecs);
	CU_ASSERT(s.rc == 0 && rctx.rc == 0);
	CU_ASSERT(codecs == MIG_CODECS_BUILT);
	if (rctx.rc || codecs != MIG_CODECS_BUILT)
		fprintf(stderr, "  receiver: %s; codecs %#x\n", rctx.what, codecs);
	/* The byte count: the stream, the go (the answer goes the other way). */
	CU_ASSERT(s.st.bytes == stream_len + 44);
	free(asks);
	migrate_bytes("ra", "rb", NULL, 1, stream, &s, &codecs);
	CU_ASSERT(s.rc == 0 && rctx.rc == 0 && codecs == 0);
}

/* A sender in doubt asks by id where xl's header goes: deliver is handed
 * the query (no stream, no configuration), and its answer line comes back
 * whole; another id, another answer. */
static void test_query(void)
{
	for (uint8_t first = 1; first <= 2; first++) {
		struct send_ctx s;
		pthread_t th;
		int to, from;
		uint8_t id[16], q[MIG_QUERY_LEN];
		enum mig_outcome o = MIG_OUTCOME_UNAVAILABLE;
		char err[256];
		memset(id, 0x5a, sizeof(id));
		id[0] = first;
		mig_query_encode(id, q);
		rctx.refuse = 0;
		link_up("ra", "rb", NULL, 1, &s, &th, &to, &from);
		int rc = mig_pipe_recv(from, MIG_PIPE_BANNER, 5000, NULL, err, sizeof(err));
		if (rc == 0)
			rc = write(to, q, sizeof(q)) == (ssize_t)sizeof(q) ? 0 : -EIO;
		if (rc == 0)
			rc = mig_outcome_recv(from, 5000, &o, err, sizeof(err));
		if (rc)
			fprintf(stderr, "  query: %d %s\n", rc, err);
		close(to);
		close(from);
		pthread_join(th, NULL);
		CU_ASSERT(rc == 0);
		CU_ASSERT(o == (first == 1 ? MIG_OUTCOME_COMMITTED : MIG_OUTCOME_ABORTED));
		CU_ASSERT(rctx.queried && memcmp(rctx.query_id, id, 16) == 0);
		CU_ASSERT_STRING_EQUAL(rctx.peer, "ra");
	}
}

static void test_refusals(void)
{
	struct send_ctx s;
	rctx.refuse = -EEXIST;
	migrate("ra", "rb", NULL, 2, &s);
	CU_ASSERT(s.connected && s.rc < 0);
	if (!s.connected || s.rc >= 0)
		fprintf(stderr, "  refused: connected %d rc %d %s\n", s.connected, s.rc, s.err);
	CU_ASSERT_STRING_EQUAL(s.note, "a domain named g exists here");
	rctx.refuse = 0;
	migrate("rc", "rb", NULL, 1, &s); /* rb does not trust rc */
	CU_ASSERT(!s.connected && s.rc == -EACCES);
	CU_ASSERT(strstr(s.err, "refused this host's credential (rc, sha256:") != NULL);
	migrate("ra", "rx", NULL, 1, &s); /* rb is not rx */
	CU_ASSERT(!s.connected && s.rc == -EACCES && strstr(s.err, "it is host rb"));
	migrate("ra", "rb", "1", 1, &s); /* nobody listens on port 1 */
	CU_ASSERT(!s.connected && s.rc < 0 && strstr(s.err, "does xcdd listen there"));
	/* After all that, a migration still goes. */
	migrate("ra", "rb", NULL, 3, &s);
	CU_ASSERT(s.rc == 0 && rctx.rc == 0);
}

static void test_stop(void)
{
	if (lfd < 0)
		return;
	shutdown(lfd, SHUT_RDWR); /* the gateway returns */
	pthread_join(gw_thread, NULL);
	close(lfd);
	free(stream);
}

void register_relay(void)
{
	CU_pSuite s = CU_add_suite("the relays over loopback", NULL, NULL);
	CU_add_test(s, "a stream over 1 and 4 data connections, byte for byte", test_streams);
	CU_add_test(s, "a stream that asks: XCD reads answered by the gateway", test_reads);
	CU_add_test(s, "an outcome query over the relays, answered by id", test_query);
	CU_add_test(s, "refusals, each said; a migration goes after them", test_refusals);
	CU_add_test(s, "the gateway stops when its socket does", test_stop);
}
