/* server: the xenstore daemon's context (the store, the connections, the
 * domains, the limits) and the connection and domain objects it owns. */
#ifndef XS_SERVER_H
#define XS_SERVER_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "proto.h"
#include "quota.h"
#include "store.h"
#include "transaction.h"
#include "tree.h"

struct loop;
struct xs_conn;
struct xs_domain;
struct xs_hyp;

struct xs_watch {
	char *path;   /* as the client gave it (relative or absolute) */
	char *abs;    /* absolute, or "@special[/domid]" */
	char *token;
	int depth;    /* -1: any depth */
	struct xs_watch *next;
};

struct xs_out {
	struct xs_out *next;
	uint32_t len;
	bool is_event; /* watch events do not count as outstanding responses */
	char data[];   /* header + payload */
};

enum xs_conn_kind { XS_CONN_SOCKET, XS_CONN_DOMAIN, XS_CONN_MEMORY };

struct xs_conn_ops {
	/* Writes up to len bytes; returns bytes written (0: try later) or -errno. */
	ssize_t (*write)(struct xs_conn *c, const void *buf, size_t len);
	/* Output is pending (true) or drained (false). */
	void (*want_write)(struct xs_conn *c, bool on);
	/* The connection may read more input (true) or must pause (false). */
	void (*want_read)(struct xs_conn *c, bool on);
	void (*close)(struct xs_conn *c);
};

struct xs_conn {
	struct xs_server *srv;
	uint32_t id;
	enum xs_conn_kind kind;
	const struct xs_conn_ops *ops;
	void *priv;        /* transport data */
	int fd;            /* socket, or -1 */
	unsigned domid;
	int target;        /* SET_TARGET, or -1 */
	bool privileged;
	struct xs_domain *dom; /* domain connections; NULL for sockets */

	/* input: one message at a time */
	uint32_t in_used;
	char in_buf[XS_HDR_SIZE + XENSTORE_PAYLOAD_MAX];

	/* output queue */
	struct xs_out *out_head, *out_tail;
	uint32_t out_off;       /* bytes of out_head already sent */
	uint32_t out_responses; /* queued responses (outstanding requests) */
	uint64_t out_bytes;
	uint64_t events_dropped;

	struct xs_txn *txns;
	uint32_t next_txid;
	unsigned ntxns;
	struct xs_watch *watches;
	unsigned nwatches;

	bool dead;         /* to be freed by the server at the next idle point */
	bool reading;      /* input enabled */
	uint32_t epoll_events; /* socket: what the loop waits for */
	struct xs_conn *next;
};

struct xs_domain {
	unsigned domid;
	bool introduced;
	bool shutdown_reported; /* @releaseDomain sent for a shutdown (RESUME clears) */
	uint8_t soft_warned;    /* soft quotas already reported */
	uint32_t features;
	struct xs_quota quota;
	bool has_quota;  /* per-domain quota set (else the global one applies) */
	int target;
	uint64_t gfn;
	uint32_t remote_port, local_port;
	void *ring;      /* struct xenstore_domain_interface * */
	bool ring_from_gnttab;
	struct xs_conn *conn;
};

struct xs_options {
	const char *socket_path;
	bool no_domain_init;
	const char *sim_socket;     /* --sim-socket: the simulated host to use */
	const char *trace_file;
	const char *pid_file;
	bool foreground;
	bool verbose;
	struct xs_quota quota;      /* hard, per-domain defaults and global */
	struct xs_quota quota_soft; /* only logged when crossed */
	uint64_t max_conn_output;   /* bytes queued per connection before events drop */
	char **argv;                /* for live update's exec */
};

struct xs_server {
	struct xs_options opt;
	struct xs_store store;
	struct loop *loop;
	struct xs_conn *conns;
	bool have_dead; /* a connection waits to be freed */
	bool flush_pending; /* some connection has output queued */
	uint32_t next_conn_id;
	struct xs_domain **domains; /* XS_NDOMIDS slots */
	struct xs_hyp *hyp;         /* NULL without a hypervisor */
	int listen_fd;
	FILE *trace;
	uint64_t requests;
	/* live update */
	char *lu_binary;
	char *lu_cmdline;
	struct xs_conn *lu_conn; /* the connection that asked for it */
	struct xsd_sockmsg lu_req;
	bool lu_pending;
};

/* server.c */
int server_init(struct xs_server *s, const struct xs_options *opt);
void server_destroy(struct xs_server *s);
int server_listen(struct xs_server *s);
int server_add_listener(struct xs_server *s);
void server_reap(struct xs_server *s);
void server_flush(struct xs_server *s);
struct xs_conn *server_conn_by_id(struct xs_server *s, uint32_t id);

/* conn.c */
struct xs_conn *conn_new(struct xs_server *s, enum xs_conn_kind kind,
			 const struct xs_conn_ops *ops, void *priv, int fd);
void conn_free(struct xs_conn *c);
/* Bytes the connection wants next (0: paused or message complete). */
uint32_t conn_want(const struct xs_conn *c);
/* Takes input; complete messages are handled. Returns 0 or -errno (the
 * connection is then dead: protocol violation or closed). */
int conn_feed(struct xs_conn *c, const void *buf, uint32_t len);
int conn_send(struct xs_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
	      const void *payload, uint32_t len, bool is_event);
int conn_send_error(struct xs_conn *c, const struct xsd_sockmsg *req, int err);
void conn_flush(struct xs_conn *c);
void conn_kill(struct xs_conn *c, const char *why);
/* Drops c's watches and open transactions (RESET_WATCHES, a domain introduced
 * again, a ring reset): the connection goes on as a new one. */
void conn_forget_session(struct xs_conn *c);
void conn_update_read(struct xs_conn *c);
/* The quota that applies to a connection. */
const struct xs_quota *conn_quota(const struct xs_conn *c);
void conn_actor(const struct xs_conn *c, struct xs_actor *a);
int conn_socket_accept(struct xs_server *s, int fd);
int conn_socket_attach(struct xs_conn *c);
extern const struct xs_conn_ops conn_socket_ops;

/* request.c */
void request_handle(struct xs_conn *c, const struct xsd_sockmsg *hdr, const char *payload);

/* watch.c */
int watch_add(struct xs_conn *c, const char *path, const char *token, int depth);
int watch_del(struct xs_conn *c, const char *path, const char *token);
void watch_free_all(struct xs_conn *c);
void watch_fire_events(struct xs_server *s, struct xs_event *events);
/* @introduceDomain / @releaseDomain with the domain's id. */
void watch_fire_special(struct xs_server *s, const char *name, unsigned domid);
void watch_send(struct xs_conn *c, const struct xs_watch *w, const char *abs_path);

/* domain.c */
struct xs_domain *domain_get(struct xs_server *s, unsigned domid);
struct xs_domain *domain_find_or_new(struct xs_server *s, unsigned domid);
int domain_introduce(struct xs_server *s, unsigned domid, uint64_t gfn, uint32_t port);
int domain_release(struct xs_server *s, unsigned domid, bool destroyed);
/* Asks DOMID's guest to reset its ring connection: 0, -ENOENT (not
 * introduced) or -ENOTCONN (no ring). */
int domain_ask_reconnect(struct xs_server *s, unsigned domid);
void domain_free(struct xs_server *s, struct xs_domain *d);
const struct xs_quota *domain_quota(struct xs_server *s, unsigned domid);
uint32_t domain_supported_features(void);

/* control.c */
int control_handle(struct xs_conn *c, const struct xsd_sockmsg *hdr, const char *payload,
		   char *out, uint32_t out_size, uint32_t *out_len);

/* liveupdate.c */
/* Writes the whole state (docs/designs/xenstore-migration.md) to fd. */
int lu_save(struct xs_server *s, int fd);
/* Rebuilds the state from fd (sockets and event channels are inherited). */
int lu_restore(struct xs_server *s, int fd);
/* Carries out a decided live update: saves, then execs the new binary.
 * Returns only when that failed (the update is then aborted). */
void lu_run(struct xs_server *s);

/* trace.c */
/* PATH opened for writing (appended to, or emptied) with mode 0600, also
 * when it existed with another: the trace and the control command's reports
 * hold what guests wrote. NULL with errno set on failure. */
FILE *trace_fopen(const char *path, bool append);
void trace_msg(struct xs_server *s, const struct xs_conn *c, const char *dir,
	       const struct xsd_sockmsg *hdr, const char *payload);
void trace_event(struct xs_server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#endif
