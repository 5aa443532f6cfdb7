/* relay_recv: one incoming migration of the gateway (gateway.c), from
 * the moment its data connections have all joined: the segments put back
 * in order into the stream's pipe, the receiver's words sent back, xcdd
 * given the migration (tcp.h's deliver). Internal to the TCP transport. */
#ifndef XCD_MIGRATE_RELAY_RECV_H
#define XCD_MIGRATE_RELAY_RECV_H
#include "mux.h"
#include "relay.h"
#include "tcp.h"
#include "tls.h"
#include <pthread.h>

struct rconn {
	struct mig_tls t;
	int fd; /* -1: none */
	gnutls_certificate_credentials_t cred; /* this host's, as T uses them */
	struct mig_cred_info self;	       /* this host's, for T's messages */
};

/* A migration as the gateway holds it. The fields above the line are the
 * gateway's, under its lock; those below the relay's, under MU. */
struct rmig {
	char token[MIG_TOKEN_LEN + 1];
	unsigned streams;
	bool paused;
	struct mig_tcp_peer peer; /* who opened it: joins must be the same host */
	struct rconn ctl, data[MIG_MUX_MAX_STREAMS];
	unsigned joined;
	bool closed; /* no join taken any more */
	struct rmig *next;
	/* ---- */
	unsigned timeout_ms;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct mig_merge merge;
	struct { uint8_t *buf; uint32_t len; } slot[MIG_MERGE_AHEAD];
	uint64_t held; /* bytes taken and not written yet */
	struct mig_relay_fail f;
	bool written; /* the writer is done (whole, or failed) */
	pthread_mutex_t ctl_mu; /* one sender at a time on the control connection */
	bool devices_told;	/* DEVICES sent (under ctl_mu) */
	uint64_t piped;	       /* stream bytes put into the pipe (acknowledged) */
	int stream_w; /* the stream's pipe, the writer's end (non-blocking) */
	int back_r;   /* the way back's pipe, the back thread's end */
};

/* Runs M (its connections all there) to its end, in the calling thread:
 * DELIVER told once xl's header is read; frees nothing of M's but what it
 * allocated (the caller then closes M's connections). */
void mig_rmig_run(struct rmig *m, mig_tcp_deliver_fn *deliver, void *arg);
#endif
