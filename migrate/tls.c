/* tls: one mutually authenticated TLS 1.3 connection (tls.h), through
 * GnuTLS: TLS 1.3 only, no session tickets (no resumption that would skip
 * the peer's check), the peer's certificate checked during the handshake
 * against the pinned ones (cred.c), and every failure said as what it means
 * for the two hosts. */
#include "tls.h"
#include "mux.h"
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define PRIORITY "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305"

static int verify(gnutls_session_t s)
{
	struct mig_tls *t = gnutls_session_get_ptr(s);
	unsigned n = 0;
	const gnutls_datum_t *l = gnutls_certificate_get_peers(s, &n);
	t->verify_rc = mig_cred_verify_peer(t->dir, l && n ? l[0].data : NULL,
					    l && n ? l[0].size : 0, l ? n : 0, t->want, time(NULL),
					    &t->peer, t->verify_err, sizeof(t->verify_err));
	return t->verify_rc < 0 ? GNUTLS_E_CERTIFICATE_ERROR : 0;
}

/* This host's credential, for messages. */
static const char *self_name(const struct mig_tls *t, char *buf, size_t len)
{
	if (!t->self)
		return "this host's credential";
	snprintf(buf, len, "this host's credential (%s, %s)", t->self->name, t->self->fingerprint);
	return buf;
}

/* An alert the other side sent, in words. */
static int alert_fail(const struct mig_tls *t, char *err, size_t errlen)
{
	gnutls_alert_description_t a = gnutls_alert_get(t->s);
	char me[200];
	switch (a) {
	case GNUTLS_A_CERTIFICATE_REQUIRED:
		snprintf(err, errlen, "the other host wants a host credential, and this host "
			 "presented none");
		return -EACCES;
	case GNUTLS_A_BAD_CERTIFICATE:
	case GNUTLS_A_UNKNOWN_CA:
	case GNUTLS_A_ACCESS_DENIED:
	case GNUTLS_A_CERTIFICATE_UNKNOWN:
	case GNUTLS_A_UNSUPPORTED_CERTIFICATE:
		snprintf(err, errlen, "the other host refused %s: it does not trust it; there, run "
			 "`xcd host-credential trust FILE` with this host's certificate (`xcd "
			 "host-credential show --pem` here) [TLS alert: %s]",
			 self_name(t, me, sizeof(me)), gnutls_alert_get_name(a));
		return -EACCES;
	case GNUTLS_A_CERTIFICATE_EXPIRED:
		snprintf(err, errlen, "the other host says %s has expired or is not valid yet: "
			 "make a new one (`xcd host-credential create --force`) and have it "
			 "trusted again", self_name(t, me, sizeof(me)));
		return -EACCES;
	case GNUTLS_A_PROTOCOL_VERSION:
		snprintf(err, errlen, "the other host speaks no TLS 1.3 [TLS alert: %s]",
			 gnutls_alert_get_name(a));
		return -EPROTO;
	default:
		snprintf(err, errlen, "the other host ended the connection [TLS alert: %s]",
			 gnutls_alert_get_name(a) ? gnutls_alert_get_name(a) : "unknown");
		return -ECONNRESET;
	}
}

/* RC of a handshake, a send or a receive, in words. */
static int fail(const struct mig_tls *t, int rc, const char *when, unsigned timeout_ms,
		char *err, size_t errlen)
{
	if (t->verify_rc < 0) {
		snprintf(err, errlen, "refused: %s", t->verify_err);
		return -EACCES;
	}
	switch (rc) {
	case GNUTLS_E_FATAL_ALERT_RECEIVED:
		return alert_fail(t, err, errlen);
	case GNUTLS_E_TIMEDOUT:
		snprintf(err, errlen, "nothing %s within %u ms", when, timeout_ms);
		return -ETIMEDOUT;
	case GNUTLS_E_PREMATURE_TERMINATION:
	case GNUTLS_E_PULL_ERROR:
	case GNUTLS_E_PUSH_ERROR:
		snprintf(err, errlen, "the connection closed %s (%s)", when, gnutls_strerror(rc));
		return -ECONNRESET;
	case GNUTLS_E_NO_CERTIFICATE_FOUND:
	case GNUTLS_E_CERTIFICATE_REQUIRED:
		snprintf(err, errlen, "refused: it presented no host credential");
		return -EACCES;
	case GNUTLS_E_UNSUPPORTED_VERSION_PACKET:
	case GNUTLS_E_UNEXPECTED_PACKET_LENGTH:
	case GNUTLS_E_UNEXPECTED_PACKET:
	case GNUTLS_E_UNEXPECTED_HANDSHAKE_PACKET:
	case GNUTLS_E_NO_CIPHER_SUITES:
	case GNUTLS_E_INSUFFICIENT_SECURITY:
	case GNUTLS_E_NO_COMMON_KEY_SHARE:
		snprintf(err, errlen, "refused: it speaks no TLS 1.3 (%s)", gnutls_strerror(rc));
		return -EPROTO;
	default:
		snprintf(err, errlen, "TLS %s: %s", when, gnutls_strerror(rc));
		return -EPROTO;
	}
}

/* GnuTLS's writes, never raising SIGPIPE: a peer gone is an error to say,
 * not the end of the process. */
static ssize_t push(gnutls_transport_ptr_t p, const giovec_t *iov, int n)
{
	struct msghdr mh = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)n };
	return sendmsg((int)(intptr_t)p, &mh, MSG_NOSIGNAL);
}

static int setup(struct mig_tls *t, int fd, unsigned flags,
		 gnutls_certificate_credentials_t cred, const struct mig_cred_info *self,
		 const char *dir, const char *want, unsigned timeout_ms, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	t->fd = fd;
	t->dir = dir;
	t->want = want;
	t->self = self;
	int rc = gnutls_init(&t->s, flags | GNUTLS_NO_TICKETS);
	if (rc < 0) {
		t->s = NULL;
		snprintf(err, errlen, "TLS: %s", gnutls_strerror(rc));
		return -ENOMEM;
	}
	if ((rc = gnutls_priority_set_direct(t->s, PRIORITY, NULL)) < 0 ||
	    (rc = gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE, cred)) < 0) {
		snprintf(err, errlen, "TLS: %s", gnutls_strerror(rc));
		mig_tls_end(t, false);
		return -EPROTO;
	}
	gnutls_session_set_ptr(t->s, t);
	gnutls_session_set_verify_function(t->s, verify);
	gnutls_transport_set_int(t->s, fd);
	gnutls_transport_set_vec_push_function(t->s, push);
	gnutls_handshake_set_timeout(t->s, timeout_ms);
	if (flags & GNUTLS_SERVER)
		gnutls_certificate_server_set_request(t->s, GNUTLS_CERT_REQUIRE);
	/* Offered (client) or picked when offered (server); not mandatory. */
	gnutls_datum_t proto = { (unsigned char *)MIG_ALPN_DEVICES,
				 (unsigned)strlen(MIG_ALPN_DEVICES) };
	if ((rc = gnutls_alpn_set_protocols(t->s, &proto, 1, 0)) < 0) {
		snprintf(err, errlen, "TLS: %s", gnutls_strerror(rc));
		mig_tls_end(t, false);
		return -EPROTO;
	}
	return 0;
}

/* Whether the handshake agreed on MIG_ALPN_DEVICES. */
static bool agreed_devices(gnutls_session_t s)
{
	gnutls_datum_t p;
	return gnutls_alpn_get_selected_protocol(s, &p) == 0 &&
	       p.size == strlen(MIG_ALPN_DEVICES) && !memcmp(p.data, MIG_ALPN_DEVICES, p.size);
}

/* A handshake that failed here: the other side is told why with an alert
 * (GnuTLS leaves that to its caller), unless it was the other side that
 * ended it. */
static void tell_peer(struct mig_tls *t, int rc)
{
	switch (t->verify_rc) {
	case 0:
		if (rc != GNUTLS_E_FATAL_ALERT_RECEIVED && rc != GNUTLS_E_PREMATURE_TERMINATION &&
		    rc != GNUTLS_E_PUSH_ERROR && rc != GNUTLS_E_PULL_ERROR)
			gnutls_alert_send_appropriate(t->s, rc);
		return;
	case -ENOKEY:
		gnutls_alert_send(t->s, GNUTLS_AL_FATAL, GNUTLS_A_CERTIFICATE_REQUIRED);
		return;
	case -EKEYEXPIRED:
		gnutls_alert_send(t->s, GNUTLS_AL_FATAL, GNUTLS_A_CERTIFICATE_EXPIRED);
		return;
	case -EACCES:
		gnutls_alert_send(t->s, GNUTLS_AL_FATAL, GNUTLS_A_ACCESS_DENIED);
		return;
	default:
		gnutls_alert_send(t->s, GNUTLS_AL_FATAL, GNUTLS_A_BAD_CERTIFICATE);
	}
}

static int handshake(struct mig_tls *t, unsigned timeout_ms, char *err, size_t errlen)
{
	int rc;
	do
		rc = gnutls_handshake(t->s);
	while (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED);
	if (rc == 0 && t->verify_rc == 0 && !t->peer.name[0]) {
		/* No certificate came to check: never let that through. */
		snprintf(t->verify_err, sizeof(t->verify_err), "it presented no host credential");
		t->verify_rc = -ENOKEY;
	}
	if (rc < 0 || t->verify_rc < 0) {
		tell_peer(t, rc);
		rc = fail(t, rc, "in the TLS handshake", timeout_ms, err, errlen);
		mig_tls_end(t, false);
		return rc;
	}
	t->devices = agreed_devices(t->s);
	return 0;
}

int mig_tls_client(struct mig_tls *t, int fd, gnutls_certificate_credentials_t cred,
		   const struct mig_cred_info *self, const char *dir, const char *want,
		   unsigned timeout_ms, char *err, size_t errlen)
{
	int rc = setup(t, fd, GNUTLS_CLIENT, cred, self, dir, want, timeout_ms, err, errlen);
	return rc < 0 ? rc : handshake(t, timeout_ms, err, errlen);
}

/* Before any TLS: the first bytes the client sent must start a TLS
 * record (a handshake's, 0x16), or it is told apart as plain text. */
static int peek_tls(int fd, unsigned timeout_ms, char *err, size_t errlen)
{
	struct pollfd p = { fd, POLLIN, 0 };
	int r;
	do
		r = poll(&p, 1, (int)timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r == 0) {
		snprintf(err, errlen, "refused: no TLS handshake within %u ms", timeout_ms);
		return -ETIMEDOUT;
	}
	unsigned char b[48];
	ssize_t n = r < 0 ? -1 : recv(fd, b, sizeof(b), MSG_PEEK | MSG_DONTWAIT);
	if (n <= 0) {
		snprintf(err, errlen, "the connection closed before the TLS handshake");
		return -ECONNRESET;
	}
	if (b[0] == 0x16)
		return 0;
	char text[sizeof(b) + 1];
	for (ssize_t i = 0; i < n; i++)
		text[i] = b[i] >= 0x20 && b[i] < 0x7f && b[i] != '"' ? (char)b[i] : '.';
	text[n] = '\0';
	snprintf(err, errlen, "refused: it speaks no TLS (it sent \"%s\"): migrations come over "
		 "TLS 1.3 only", text);
	return -EPROTO;
}

int mig_tls_server(struct mig_tls *t, int fd, gnutls_certificate_credentials_t cred,
		   const struct mig_cred_info *self, const char *dir, unsigned timeout_ms,
		   char *err, size_t errlen)
{
	t->s = NULL;
	int rc = peek_tls(fd, timeout_ms, err, errlen);
	if (rc == 0)
		rc = setup(t, fd, GNUTLS_SERVER, cred, self, dir, NULL, timeout_ms, err, errlen);
	return rc < 0 ? rc : handshake(t, timeout_ms, err, errlen);
}

void mig_tls_recv_timeout(struct mig_tls *t, unsigned timeout_ms)
{
	t->recv_timeout_ms = timeout_ms;
	gnutls_record_set_timeout(t->s, timeout_ms);
}

int mig_tls_send(struct mig_tls *t, const void *p, size_t n, char *err, size_t errlen)
{
	const char *b = p;
	while (n) {
		ssize_t w = gnutls_record_send(t->s, b, n);
		if (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED)
			continue;
		if (w < 0)
			return fail(t, (int)w, "while sending", 0, err, errlen);
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int mig_tls_recv(struct mig_tls *t, void *p, size_t n, char *err, size_t errlen)
{
	char *b = p;
	size_t got = 0;
	while (got < n) {
		ssize_t r = gnutls_record_recv(t->s, b + got, n - got);
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
			continue;
		if (r > 0) {
			got += (size_t)r;
			continue;
		}
		if ((r == 0 || r == GNUTLS_E_PREMATURE_TERMINATION) && got == 0) {
			snprintf(err, errlen, "the other host closed the connection");
			return -ENODATA;
		}
		if (r == 0) {
			snprintf(err, errlen, "the other host closed the connection in the middle of "
				 "a frame");
			return -ECONNRESET;
		}
		return fail(t, (int)r, "while receiving", t->recv_timeout_ms, err, errlen);
	}
	return 0;
}

int mig_tls_recv_line(struct mig_tls *t, char *buf, size_t max, char *err, size_t errlen)
{
	for (size_t n = 0; n < max;) {
		int rc = mig_tls_recv(t, buf + n, 1, err, errlen);
		if (rc < 0)
			return rc;
		if (buf[n++] == '\n')
			return (int)n;
	}
	snprintf(err, errlen, "a line longer than %zu bytes", max);
	return -EPROTO;
}

const char *mig_tls_cipher(const struct mig_tls *t, char *buf, size_t len)
{
	const char *v = gnutls_protocol_get_name(gnutls_protocol_get_version(t->s));
	const char *c = gnutls_cipher_get_name(gnutls_cipher_get(t->s));
	snprintf(buf, len, "%s %s", v ? v : "?", c ? c : "?");
	return buf;
}

void mig_tls_end(struct mig_tls *t, bool bye)
{
	if (!t->s)
		return;
	if (bye)
		gnutls_bye(t->s, GNUTLS_SHUT_WR);
	gnutls_deinit(t->s);
	t->s = NULL;
}
