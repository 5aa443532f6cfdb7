/* cred: a host's credential for the migration channel between two xcdd
 * (migrate/README.md, "The TCP transport"). Under DIR (/etc/xcd):
 *
 *   DIR/host.key          the host's private key (ECDSA P-256, PEM, 0600)
 *   DIR/host.crt          its certificate, self-signed, CN = the host's name
 *   DIR/peers/NAME.crt    the certificates of the hosts this one trusts
 *
 * A peer is trusted when the certificate it presents is, byte for byte,
 * one of DIR/peers (pinned: no authority, no chain), within its dates; the
 * TLS handshake proves it holds the key. DIR and DIR/peers must not be
 * writable by anyone but their owner (root), and host.key not readable by
 * anyone else: a host whose files are looser is refused, since whoever
 * can write there can make it trust them. */
#ifndef XCD_MIGRATE_CRED_H
#define XCD_MIGRATE_CRED_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define MIG_CRED_DIR_DEFAULT "/etc/xcd"
#define MIG_CRED_NAME_MAX 64
/* "sha256:" and 64 hex digits. */
#define MIG_CRED_FP_LEN (7 + 64)
/* The largest certificate file taken (PEM). */
#define MIG_CRED_PEM_MAX (64u << 10)

struct mig_cred_info {
	char name[MIG_CRED_NAME_MAX + 1]; /* the certificate's CN */
	char fingerprint[MIG_CRED_FP_LEN + 1];
	time_t not_before, not_after;
};

/* A host name as a credential carries it: 1-64 of [A-Za-z0-9.-], not
 * starting with '.' or '-'. 0, or -EINVAL with ERR. */
int mig_cred_name_check(const char *name, char *err, size_t errlen);

/* Makes DIR/host.key and DIR/host.crt for NAME, valid DAYS days (DIR made
 * 0755 if missing). Refuses to replace an existing one unless FORCE. 0
 * with *OUT filled, or a negative errno with ERR. */
int mig_cred_create(const char *dir, const char *name, unsigned days, bool force,
		    struct mig_cred_info *out, char *err, size_t errlen);

/* This host's certificate: *OUT, and its PEM text in *PEM (malloc'd; PEM may
 * be NULL). -ENOENT (ERR says how to make one), or another negative errno. */
int mig_cred_show(const char *dir, struct mig_cred_info *out, char **pem, char *err,
		  size_t errlen);

/* Trusts the certificate in the PEM text (LEN bytes; one certificate,
 * self-signed, within its dates) as DIR/peers/CN.crt. A different
 * certificate trusted under that name is replaced only with FORCE. */
int mig_cred_trust(const char *dir, const char *pem, size_t len, bool force,
		   struct mig_cred_info *out, char *err, size_t errlen);
/* Forgets the peer NAME: 0, -ENOENT, or another negative errno. */
int mig_cred_untrust(const char *dir, const char *name, char *err, size_t errlen);
/* The trusted peers, sorted by name: *LIST (malloc'd) of *N. */
int mig_cred_peers(const char *dir, struct mig_cred_info **list, size_t *n, char *err,
		   size_t errlen);

/* DIR's files are as they must be (owners, modes), checked before they are
 * used: 0, -ENOENT when the host has no credential, or -EPERM with ERR
 * naming the file and what to do. */
int mig_cred_check_files(const char *dir, char *err, size_t errlen);

/* This host's key and certificate, loaded from DIR once its files are
 * checked (mig_cred_check_files; the key read without following a link):
 * 0 and *OUT (free it with gnutls_certificate_free_credentials), *SELF its
 * certificate's; or a negative errno with ERR saying what to do. */
struct gnutls_certificate_credentials_st;
int mig_cred_load(const char *dir, struct gnutls_certificate_credentials_st **out,
		  struct mig_cred_info *self, char *err, size_t errlen);

/*
 * The certificate a peer presented (DER, the first of the N it sent; N must
 * be 1) against DIR/peers at NOW: 0 and *PEER when it is one of them, within
 * its dates, and (WANT_NAME not NULL) the one of WANT_NAME. Else ERR says
 * who it is and why it is refused: -ENOKEY none presented, -EACCES not
 * trusted, -EKEYEXPIRED out of its dates, -EXDEV another host than
 * WANT_NAME, -EPROTO malformed or a chain.
 */
int mig_cred_verify_peer(const char *dir, const void *der, size_t len, unsigned n,
			 const char *want_name, time_t now, struct mig_cred_info *peer, char *err,
			 size_t errlen);
#endif
