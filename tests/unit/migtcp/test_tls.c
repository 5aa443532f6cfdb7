/* test_tls: handshakes of the migration transport (migrate/tls.c) over a
 * socket pair, the server in a thread: two trusted hosts get through; a
 * host not trusted, the wrong host, a client without a credential, a TLS
 * 1.2 client, plain text and silence are refused, each saying so. */
#include "../../../migrate/tls.h"
#include "suites.h"
#include <CUnit/CUnit.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct side {
	const char *host; /* whose credential (NULL: none) */
	const char *want; /* client: the server it must be */
	int fd, rc;
	char err[1024];
	struct mig_tls t;
	gnutls_certificate_credentials_t cred;
	struct mig_cred_info self;
};

static void load(struct side *s)
{
	char err[512];
	if (s->host)
		CU_ASSERT_FATAL(mig_cred_load(mtu_dir(s->host), &s->cred, &s->self, err,
					      sizeof(err)) == 0);
}

static void *server(void *arg)
{
	struct side *s = arg;
	s->rc = mig_tls_server(&s->t, s->fd, s->cred, &s->self, mtu_dir(s->host), 2000, s->err,
			       sizeof(s->err));
	if (s->rc == 0) { /* what a refused client finds after its handshake */
		char b[4];
		mig_tls_recv_timeout(&s->t, 2000);
		s->rc = mig_tls_recv(&s->t, b, 4, s->err, sizeof(s->err));
		if (s->rc == 0)
			s->rc = mig_tls_send(&s->t, "pong", 4, s->err, sizeof(s->err));
		mig_tls_end(&s->t, true);
	}
	return NULL;
}

/* Client C (its credential, or none) against server S: both results. */
static void run(struct side *c, struct side *s)
{
	int sp[2];
	pthread_t th;
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0);
	load(s);
	load(c);
	s->fd = sp[0];
	c->fd = sp[1];
	CU_ASSERT_FATAL(pthread_create(&th, NULL, server, s) == 0);
	if (!c->cred)
		CU_ASSERT_FATAL(gnutls_certificate_allocate_credentials(&c->cred) == 0);
	c->rc = mig_tls_client(&c->t, c->fd, c->cred, c->host ? &c->self : NULL,
			       c->host ? mtu_dir(c->host) : mtu_dir("tlsa"), c->want, 2000, c->err,
			       sizeof(c->err));
	if (c->rc == 0) { /* TLS 1.3: the server checks the client after this */
		char b[4];
		mig_tls_recv_timeout(&c->t, 2000);
		c->rc = mig_tls_send(&c->t, "ping", 4, c->err, sizeof(c->err));
		if (c->rc == 0)
			c->rc = mig_tls_recv(&c->t, b, 4, c->err, sizeof(c->err));
		mig_tls_end(&c->t, false);
	}
	shutdown(c->fd, SHUT_RDWR);
	pthread_join(th, NULL);
	close(sp[0]);
	close(sp[1]);
	gnutls_certificate_free_credentials(s->cred);
	gnutls_certificate_free_credentials(c->cred);
}

static void setup_hosts(void)
{
	static bool done;
	struct mig_cred_info i;
	if (done)
		return;
	done = true;
	CU_ASSERT_FATAL(mtu_make_host("tlsa", &i) == 0 && mtu_make_host("tlsb", &i) == 0 &&
			mtu_make_host("tlsc", &i) == 0);
	CU_ASSERT_FATAL(mtu_trust("tlsa", "tlsb") == 0 && mtu_trust("tlsb", "tlsa") == 0 &&
			mtu_trust("tlsc", "tlsa") == 0);
}

static void test_trusted(void)
{
	setup_hosts();
	struct side c = { .host = "tlsa", .want = "tlsb" }, s = { .host = "tlsb" };
	run(&c, &s);
	CU_ASSERT(c.rc == 0 && s.rc == 0);
	if (c.rc || s.rc)
		fprintf(stderr, "client: %s; server: %s\n", c.err, s.err);
	CU_ASSERT_STRING_EQUAL(c.t.peer.name, "tlsb");
	CU_ASSERT_STRING_EQUAL(s.t.peer.name, "tlsa");
}

static void test_refused(void)
{
	setup_hosts();
	/* tlsc, whom tlsb does not trust: refused by the server, the client
	 * told why. */
	struct side c = { .host = "tlsc", .want = "tlsb" }, s = { .host = "tlsb" };
	mtu_trust("tlsc", "tlsb");
	run(&c, &s);
	CU_ASSERT(s.rc == -EACCES && strstr(s.err, "host tlsc (sha256:") &&
		  strstr(s.err, "not trusted here"));
	CU_ASSERT(c.rc == -EACCES && strstr(c.err, "the other host refused this host's credential "
						   "(tlsc, sha256:"));
	/* The server is not the host the client means. */
	struct side c2 = { .host = "tlsa", .want = "tlsx" }, s2 = { .host = "tlsb" };
	run(&c2, &s2);
	CU_ASSERT(c2.rc == -EACCES && strstr(c2.err, "it is host tlsb"));
	CU_ASSERT(s2.rc < 0);
	/* The server is a host the client does not trust. */
	struct side c3 = { .host = "tlsa", .want = "tlsc" }, s3 = { .host = "tlsc" };
	run(&c3, &s3);
	CU_ASSERT(c3.rc == -EACCES && strstr(c3.err, "host tlsc (sha256:") &&
		  strstr(c3.err, "not trusted here"));
	/* A client without a credential. */
	struct side c4 = { .host = NULL, .want = "tlsb" }, s4 = { .host = "tlsb" };
	run(&c4, &s4);
	CU_ASSERT(s4.rc == -EACCES && strstr(s4.err, "presented no host credential"));
	CU_ASSERT(c4.rc == -EACCES && strstr(c4.err, "wants a host credential"));
	if (c4.rc != -EACCES || s4.rc != -EACCES)
		fprintf(stderr, "no credential: client %d %s; server %d %s\n", c4.rc, c4.err, s4.rc,
			s4.err);
}

/* A client of another kind on FD, run in a thread: plain text, TLS 1.2
 * only, or silence. */
struct other {
	int fd;
	const char *what;
};

static void *other_client(void *arg)
{
	struct other *o = arg;
	if (!strcmp(o->what, "plain")) {
		const char b[] = "xl migration receiver ready, send binary domain data.\n";
		CU_ASSERT(write(o->fd, b, sizeof(b) - 1) > 0);
	} else if (!strcmp(o->what, "tls12")) {
		gnutls_session_t s;
		gnutls_certificate_credentials_t cred;
		gnutls_certificate_allocate_credentials(&cred);
		gnutls_init(&s, GNUTLS_CLIENT);
		gnutls_priority_set_direct(s, "NORMAL:-VERS-ALL:+VERS-TLS1.2", NULL);
		gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
		gnutls_transport_set_int(s, o->fd);
		gnutls_handshake_set_timeout(s, 2000);
		int rc = gnutls_handshake(s);
		CU_ASSERT(rc < 0);
		gnutls_deinit(s);
		gnutls_certificate_free_credentials(cred);
	}
	return NULL;
}

static void other(const char *what, int *rc, char *err, size_t errlen)
{
	int sp[2];
	pthread_t th;
	struct side s = { .host = "tlsb" };
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0);
	load(&s);
	struct other o = { sp[1], what };
	CU_ASSERT_FATAL(pthread_create(&th, NULL, other_client, &o) == 0);
	*rc = mig_tls_server(&s.t, sp[0], s.cred, &s.self, mtu_dir("tlsb"), 300, err, errlen);
	shutdown(sp[0], SHUT_RDWR);
	pthread_join(th, NULL);
	close(sp[0]);
	close(sp[1]);
	gnutls_certificate_free_credentials(s.cred);
}

static void test_others(void)
{
	char err[512];
	int rc;
	setup_hosts();
	other("plain", &rc, err, sizeof(err));
	CU_ASSERT(rc == -EPROTO && strstr(err, "it speaks no TLS (it sent \"xl migration rec"));
	other("tls12", &rc, err, sizeof(err));
	CU_ASSERT(rc == -EPROTO && strstr(err, "no TLS 1.3"));
	if (rc != -EPROTO)
		fprintf(stderr, "TLS 1.2: %d %s\n", rc, err);
	other("silent", &rc, err, sizeof(err));
	CU_ASSERT(rc == -ETIMEDOUT && strstr(err, "no TLS handshake within 300 ms"));
}

void register_tls(void)
{
	CU_pSuite s = CU_add_suite("TLS 1.3 between two hosts", NULL, NULL);
	CU_add_test(s, "two hosts that trust each other", test_trusted);
	CU_add_test(s, "a host not trusted, the wrong host, no credential", test_refused);
	CU_add_test(s, "plain text, TLS 1.2, silence", test_others);
}
