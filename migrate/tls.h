/* tls: one TLS 1.3 connection of the migration transport, through GnuTLS,
 * with both ends authenticated by their host credentials (cred.h): the
 * client checks that the server is the host it meant, the server that the
 * client is a host it trusts; nothing but TLS 1.3 is spoken, and nothing
 * of the migration goes over a connection before both are checked. */
#ifndef XCD_MIGRATE_TLS_H
#define XCD_MIGRATE_TLS_H
#include "cred.h"
#include <gnutls/gnutls.h>
#include <stdbool.h>
#include <stddef.h>

struct mig_tls {
	gnutls_session_t s;
	int fd;			    /* the connected socket, the caller's */
	const char *dir;	    /* the trusted peers' */
	const char *want;	    /* client: the name the server must have */
	const struct mig_cred_info *self; /* this host's, for messages (may be NULL) */
	struct mig_cred_info peer;  /* once checked */
	int verify_rc;		    /* the check's result (0: not made or passed) */
	unsigned recv_timeout_ms;   /* mig_tls_recv_timeout's */
	char verify_err[512];	    /* why it refused */
	/* The handshake agreed on MIG_ALPN_DEVICES (mux.h): both ends are
	 * xcd's that send and take the receiver's DEVICES frame. */
	bool devices;
};

/*
 * The TLS handshake on FD (connected, blocking) as the client (WANT: the
 * host the server must be) or the server, with CRED (mig_cred_load; SELF
 * its certificate's, for messages), within TIMEOUT_MS;
 * the peer checked against DIR's trusted peers. 0 with T ready and
 * T->peer filled; else a negative errno with ERR saying who refused what
 * (-EACCES: a credential refused, by this side or the other; -EPROTO: not
 * TLS 1.3; -ETIMEDOUT; -ECONNRESET: the connection closed). T is closed
 * (its socket is not) on failure. The client offers MIG_ALPN_DEVICES, the
 * server picks it when offered (T->devices); a peer without it (an older
 * xcd) is served as ever.
 */
int mig_tls_client(struct mig_tls *t, int fd, gnutls_certificate_credentials_t cred,
		   const struct mig_cred_info *self, const char *dir, const char *want,
		   unsigned timeout_ms, char *err, size_t errlen);
int mig_tls_server(struct mig_tls *t, int fd, gnutls_certificate_credentials_t cred,
		   const struct mig_cred_info *self, const char *dir, unsigned timeout_ms,
		   char *err, size_t errlen);

/* A time limit on receiving (0: none). */
void mig_tls_recv_timeout(struct mig_tls *t, unsigned timeout_ms);
/* All N bytes: 0, or a negative errno with ERR. */
int mig_tls_send(struct mig_tls *t, const void *p, size_t n, char *err, size_t errlen);
/* Exactly N bytes: 0; -ENODATA when the peer closed before the first of
 * them; another negative errno (-ECONNRESET: closed in the middle,
 * -ETIMEDOUT) with ERR. */
int mig_tls_recv(struct mig_tls *t, void *p, size_t n, char *err, size_t errlen);
/* One line ending in '\n', at most MAX bytes with it, into BUF: its length,
 * or a negative errno with ERR. Reads no byte past the newline. */
int mig_tls_recv_line(struct mig_tls *t, char *buf, size_t max, char *err, size_t errlen);
/* The cipher suite, for the log ("TLS1.3-AES-128-GCM"...). */
const char *mig_tls_cipher(const struct mig_tls *t, char *buf, size_t len);
/* Ends T: BYE sends TLS's close (writing side) first. The socket is the
 * caller's to close. */
void mig_tls_end(struct mig_tls *t, bool bye);
#endif
