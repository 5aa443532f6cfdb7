/* mig_listen: xcdd listening for migrations over TCP (--migration-listen):
 * the listening socket, made at start so that a taken port is said there;
 * the gateway (migrate/tcp.h, mig_tcp_gateway) in a child job of its own
 * (xcdd-miggw), started again after a delay when it dies; and what the
 * gateway does with each migration: it calls domain.migrate_receive on
 * xcdd's own socket with the stream and the way back, exactly as `xcd
 * migrate-receive` does, and waits for its answer. */
#ifndef XCD_MIG_LISTEN_H
#define XCD_MIG_LISTEN_H
#include "../lib/childjob.h"
#include "../migrate/tcp.h"
#include <limits.h>

struct mig_listen {
	int fd; /* the listening socket; -1: not listening */
	char bound[MIG_ADDR_MAX];
	char cred_dir[PATH_MAX];
	char api_sock[PATH_MAX + 32]; /* xcdd's own socket */
	unsigned timeout_ms;
	struct childjobs *js;
	struct devjob *job; /* the gateway, while it runs */
	struct loop_timer *restart;
	unsigned backoff_ms;
	uint64_t started_ms;
};

/* Listens on SPEC ("[ADDR:]PORT") for migrations into the domains of the
 * xcdd serving API_SOCK, with the credential under CRED_DIR and TIMEOUT_MS
 * for each connection's handshake; the gateway one of JS's jobs (its loop
 * the restart timer's). 0, or a negative errno with ERR. A host without
 * its credential listens all the same (the log says it refuses every
 * connection until it has one). */
int mig_listen_open(struct mig_listen *ml, struct childjobs *js, const char *spec,
		    const char *cred_dir, unsigned timeout_ms, const char *api_sock, char *err,
		    size_t errlen);
/* Stops listening: the gateway stopped, the socket closed. */
void mig_listen_close(struct mig_listen *ml);
#endif
