/* tcp: the migration channel between two xcdd over TCP (migrate/README.md,
 * "The TCP transport"). It carries xl's pipe protocol as the ssh transport
 * does, bytes for bytes, so that the sending and receiving jobs and the
 * handover are the pipe's: the sending side (mig_tcp_send) reads a pipe
 * the sending job and xcdd write (the stream, then "go") and gives a pipe
 * back what the receiver says (the banner, "ready", the report); the
 * receiving side (mig_tcp_gateway) accepts connections, and for each
 * migration gives its xcdd the stream's pipe and the way back, exactly
 * as `xcd migrate-receive` does with its standard input and output.
 *
 * Every connection is TLS 1.3 with both hosts' credentials checked
 * (tls.h, cred.h) before a byte of the migration goes over it. The stream
 * may go over several data connections (--streams N): in segments of whole
 * records, each numbered, put back in order by the receiver (mux.h); the
 * receiver's words go back over the control connection. */
#ifndef XCD_MIGRATE_TCP_H
#define XCD_MIGRATE_TCP_H
#include "cred.h"
#include "mux.h"
#include "netaddr.h"
#include "pipe.h"
#include <stdbool.h>
#include <stdint.h>

/* Connecting, the handshake and the hello, each; the receiver's joins and
 * xl's header (xcdd's --migration-handshake-timeout). */
#define MIG_TCP_TIMEOUT_MS_DEFAULT 10000u

/* Who is at the other end of a migration. */
struct mig_tcp_peer {
	struct mig_cred_info cred; /* its credential, checked */
	char address[MIG_ADDR_MAX];
	char cipher[64];
	unsigned streams; /* data connections */
	/* Its TLS handshake agreed on MIG_ALPN_DEVICES (mux.h): the receiver
	 * says when its copy's devices are up (an older xcd does not). */
	bool devices;
};

/* ---- sending (relay_send.c) ---- */
struct mig_tcp_send_opts {
	const char *cred_dir;
	struct mig_addr addr;
	const char *peer_name; /* the host it must be */
	unsigned streams;      /* 1..MIG_MUX_MAX_STREAMS */
	bool paused;	       /* the receiver leaves the guest paused */
	unsigned timeout_ms;   /* 0: MIG_TCP_TIMEOUT_MS_DEFAULT */
};
struct mig_tcp_send_hooks {
	void *arg;
	/* Every connection is up and checked; the relay begins. */
	void (*connected)(void *arg, const struct mig_tcp_peer *p);
	/* The receiver said TEXT (printable) for the sender's user. */
	void (*note)(void *arg, const char *text);
	/* The receiver's copy has its devices up (told once, and only when the
	 * peer's `devices` said it would; may be NULL). */
	void (*devices)(void *arg);
};
struct mig_tcp_send_stats {
	uint64_t bytes;	   /* of the stream and the pipe messages */
	uint64_t segments; /* data frames */
	uint64_t cut;	   /* of which ended inside a record (nothing more came in time) */
};
/*
 * Connects to O's peer (every connection checked: its credential must be
 * O->peer_name's and trusted), then relays: what comes on S2R goes to the
 * receiver, what the receiver says comes out on R2S, until S2R ends (xcdd
 * closed it: the migration is over) and the receiver closes. Closes S2R
 * and R2S before it returns. 0, or a negative errno with ERR: before
 * CONNECTED, why no connection was made (-EACCES: a credential refused);
 * after, why the channel broke. STATS (may be NULL) either way.
 */
int mig_tcp_send(const struct mig_tcp_send_opts *o, int s2r, int r2s,
		 const struct mig_tcp_send_hooks *h, struct mig_tcp_send_stats *stats, char *err,
		 size_t errlen);

/* ---- receiving (gateway.c, relay_recv.c) ---- */
/* A migration the gateway receives (relay_recv.h), as its deliverer holds it. */
struct rmig;
struct mig_tcp_gw_opts {
	const char *cred_dir;
	unsigned timeout_ms;	 /* 0: MIG_TCP_TIMEOUT_MS_DEFAULT */
	unsigned max_pending;	 /* connections not through their hello yet (0: 64;
				  * 4 from one address at most) */
	unsigned max_migrations; /* migrations at once (0: 4) */
};
/*
 * A migration for xcdd, from its own thread: its banner went, and what
 * follows it was read (HEAD: xl's header and the configuration, answered
 * with XCD_READS when it asked; or an outcome query). RX is the migration,
 * for mig_tcp_devices_up while the call runs. STREAM (the rest of
 * the stream, then the sender's messages) and BACK (what the receiver says
 * to the sender: the migration's messages, or the query's answer line) are
 * the callee's to close. Returns when the migration, or the answer, is
 * over: 0, or a negative errno with ERR (told the sender).
 */
typedef int mig_tcp_deliver_fn(void *arg, struct rmig *rx, const struct mig_pipe_head *head,
			       bool paused, int stream, int back, const struct mig_tcp_peer *from,
			       char *err, size_t errlen);
/* The receiving xcdd's copy of RX has its devices up: the sender is told
 * (a DEVICES frame on the control connection) when it takes that
 * (FROM->devices), once; else nothing. From any thread, during DELIVER. */
void mig_tcp_devices_up(struct rmig *rx);
/*
 * Serves LISTEN (a listening socket) for ever: each connection in a thread
 * of its own, refused unless it completes TLS 1.3 with a trusted host's
 * credential and its hello within the time limit (at most max_pending at
 * once, 4 from one address: others are closed at once); each migration
 * handed to DELIVER.
 * Returns only when LISTEN fails: a negative errno.
 */
int mig_tcp_gateway(int listen, const struct mig_tcp_gw_opts *o, mig_tcp_deliver_fn *deliver,
		    void *arg);
#endif
