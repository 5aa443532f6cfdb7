/*
 * xcdd: the daemon's context, shared by its parts (xcdd.c: the process and
 * its daemons; clients.c: the socket and its clients; rpc_domain.c: the
 * methods; dm/: the domains).
 */
#ifndef XCD_XCDD_H
#define XCD_XCDD_H
#include "../lib/childjob.h"
#include "../lib/jsonrpc.h"
#include "../lib/peercred.h"
#include "clients.h"
#include "consoled_sup.h"
#include "dm/dm.h"
#include "json_tree.h"
#include "mig_listen.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

/* Application error codes (JSON-RPC leaves -32000..-32099 to servers). */
enum {
	XCDD_ERR_FAILED = -32000,    /* the hypervisor or the journal failed */
	XCDD_ERR_NO_DOMAIN = -32001, /* no such domain */
	XCDD_ERR_EXISTS = -32002,    /* a domain of that name exists */
	XCDD_ERR_CONFIG = -32003,    /* the configuration is wrong */
	XCDD_ERR_ACCESS = -32004,    /* the caller may not do this */
	XCDD_ERR_UNAVAILABLE = -32005, /* xenstore is gone; xcdd reconnects */
	XCDD_ERR_LIMIT = -32006,     /* a non-root caller is over its limits */
};

/* The group whose members get read-only access. */
#define XCDD_GROUP "xcd"

struct client;
struct rpc_pending;
struct tune_wait;
struct mig_wait;
struct tcp_wait;
struct io_watch;
struct xcdd;
/* Sends LINE to client C (clients.c); a client that cannot take it is closed. */
typedef void xcdd_send_fn(struct xcdd *x, struct client *c, const char *line, size_t len);

/* The tuners' writes of one area between jobs (rpc_tune_apply.c): one
 * write at a time, and an apply that waits for its confirmation. */
struct tune_area_state {
	bool busy;     /* an apply, revert, confirm or settle job runs */
	bool awaiting; /* the last apply waits for tune.confirm until DEADLINE_MS */
	uint64_t deadline_ms;
	unsigned confirm_s;
	struct loop_timer *timer;
	struct xcdd *x; /* for the timer */
	int area;	/* enum tune_area */
};

struct xcdd {
	struct loop *loop;
	struct hv *hv;
	struct dm dm;
	struct clients clients;
	int listen_fd;
	int signal_fd;
	struct loop_timer *tick; /* once a second: poll, device jobs, consoled */
	/* A connection of its own for the @releaseDomain watch: a watch puts
	 * libxenstore's handle in threaded mode, which makes every request on it
	 * several times slower. */
	struct xs_handle *xs_watch;
	int watch_fd; /* -1: not in the loop */
	struct xs_handle *xs;
	/* xenstored went away: xs is NULL, the methods that need it are
	 * refused, and xs_retry (a timer) tries again with a backoff. */
	bool xs_down;
	struct loop_timer *xs_retry;
	unsigned xs_backoff_ms;
	unsigned xs_tries;
	unsigned long long xs_down_since_ms;
	bool xs_restarted; /* our xcd-xenstored was started again this outage */
	/* Our xcd-consoled (own store only), started again when it dies. */
	struct consoled_sup consoled;
	/* A plain connection to xenstored's socket that never sends: it turns
	 * readable (EOF) the moment xenstored is gone. -1: none. */
	int xs_live_fd;
	/* The simulated host xcdd owns (RUNDIR/sim.sock, started by it or by an
	 * earlier xcdd), made again when it dies; own_sim false on Xen and for a
	 * host given by XCD_SIM_SOCKET. */
	bool own_sim;
	const char *rundir, *sim_sock, *store;
	/* Answers owed to callers whose request waits for a device job
	 * (rpc_domain.c); send_to delivers them (NULL: none are ever owed). */
	struct rpc_pending *pending;
	xcdd_send_fn *send_to;
	/* Up to MAX of the descriptors client C passed with its requests
	 * (clients.c; NULL: none are ever passed, as in the fuzzer). */
	unsigned (*take_fds)(struct client *c, int *fds, unsigned max);
	/* A notification to every client (clients.c; NULL: none, as in the
	 * fuzzer). */
	void (*broadcast)(struct xcdd *x, const char *line, size_t len);
	/* Tells client C what is down in the I/O watch's picture
	 * (io_watch_tell_down; NULL: never, as in the fuzzer): io.down. */
	int (*io_tell_down)(struct xcdd *x, struct client *c);
	/* The I/O tuners' reads (rpc_tune.c): the root they read the host
	 * under ("/": this host), the policy file (--io-policy), their jobs
	 * and the answers owed from them. */
	const char *tune_sysroot, *io_policy;
	struct childjobs tunejobs;
	struct tune_wait *tune_waits;
	/* Migrations whose answers are owed (rpc_migrate.c): their callers
	 * leaving aborts them. */
	struct mig_wait *mig_waits;
	struct tcp_wait *tcp_waits; /* rpc_migrate_tcp.c's, likewise */
	/* Migrations over TCP: the host credential's folder (--credential-dir),
	 * the time limit of a connection's handshake, the links of those sent
	 * and the gateway of those received (their jobs), the listener. */
	const char *cred_dir;
	unsigned mig_timeout_ms;
	struct childjobs migjobs;
	struct mig_listen miglisten;
	/* Their writes: the journals' directory (STATEDIR/tune) and each
	 * area's state (net, storage). */
	const char *tune_dir;
	struct tune_area_state tune_state[2];
	/* The watch of the host's I/O (io_watch.c; NULL: --no-io-watch, or
	 * the fuzzer), and host.info's "io" from what it keeps (NULL: none). */
	struct io_watch *io;
	int (*io_info)(struct xcdd *x, yajl_gen g);
};

/*
 * Answers one request line (a parsed request M) from client C (NULL: none,
 * as in the fuzzer) with ACCESS: the response line in *OUT (malloc'd). 0, or
 * -ENOMEM. 0 with *OUT NULL: the answer is owed (a create or destroy waits
 * for its device job) and goes to C through x->send_to when it is ready.
 */
int rpc_dispatch(struct xcdd *x, struct client *c, enum peercred_access access,
		 const struct jsonrpc_message *m, char **out, size_t *outlen);
/*
 * One line as a client sent it: parsed (an error answer for a bad one),
 * dispatched when it is a request, ignored when it is a notification. The
 * answer in *OUT as rpc_dispatch says (*OUT NULL: none now). 0 or -ENOMEM.
 * The daemon's clients and the fuzzer both go through it.
 */
int rpc_answer_line(struct xcdd *x, struct client *c, enum peercred_access access,
		    const char *line, size_t len, char **out, size_t *outlen);
/* C went away: what it is owed is only logged when it is ready. */
void rpc_client_gone(struct xcdd *x, struct client *c);
/* The host's connector of migrations over TCP (rpc_migrate_tcp.c; a
 * dm_mig_connect_fn, ARG the xcdd): a migration link to P started, its
 * pipe's near ends given; CTX: the migration's wait (NULL: an outcome
 * query's, whose link's end is logged alone). */
int rpc_mig_connect(void *arg, const struct dm_mig_peer *p, void *ctx, int *send, int *recv,
		    char *err, size_t errlen);

/* dm_mig_devices_fn (rpc_migrate.c; ARG the xcdd): D, a copy received
 * through domain.migrate_receive with params.tell_devices, has its devices
 * up: that request's caller (the migration gateway) gets the notification
 * domain.migrate_devices {name, devices: "up"}, once. */
void rpc_mig_devices_up(struct dm *m, const struct dm_domain *d, void *arg);

/* Sends a domain.state notification to every client. */
void xcdd_notify_state(struct xcdd *x, const struct dm_domain *d, const char *state);

#endif
