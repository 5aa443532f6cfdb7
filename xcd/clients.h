/*
 * clients: xcdd's connections on its JSON-RPC socket (clients.c). main
 * puts clients_accept_cb on the listening socket and clients_idle in the
 * loop's idle step; rpc_domain.c's owed answers go out through
 * clients_send_owed, the domain manager's changes through clients_dm_changed.
 *
 * Every connection is served in turns: one read and at most CLIENT_BATCH
 * requests per turn, so that one client streaming requests cannot hold the
 * loop (and with it the timers, the other clients and xenstore's watch).
 * Root's connections are always let in; a non-root uid (group xcd, read
 * only) has limits: connections, bytes held for it, and descriptors left.
 */
#ifndef XCD_CLIENTS_H
#define XCD_CLIENTS_H
#include "../lib/loop.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Requests answered per connection per turn of the loop. */
#define CLIENT_BATCH 8
/* Past this many bytes of answers it has not read, a connection's requests
 * wait (nothing more is read from it) until it reads. */
#define CLIENT_OUT_HIGH (256u << 10)
/* A connection of root's that does not read its notifications is dropped
 * past this. */
#define CLIENT_MAX_OUT (16u << 20)
/* A non-root uid: at most this many connections at once ... */
#define CLIENT_UID_MAX_CONNS 32
/* ... holding at most this many bytes (unfinished requests and unread
 * answers, all its connections together) ... */
#define CLIENT_UID_MAX_BYTES (8u << 20)
/* ... and all non-root uids together at most this many. */
#define CLIENT_NONROOT_MAX_BYTES (64u << 20)
/* Descriptors a non-root connection may not take: root's connections, the
 * journal, device jobs and xenstore always find one. */
#define CLIENT_FD_RESERVE 32

/* Descriptors a connection of root's may hold, passed with its requests
 * for the method that takes them (a migration's pipe ends). */
#define CLIENT_MAX_FDS 4

struct client;
struct client_uid;
struct dm;
struct dm_domain;
struct xcdd;

/* Why a line is logged at most once a second, with a count of the others. */
enum client_why {
	CLIENT_WHY_REFUSED,   /* not root nor in group xcd */
	CLIENT_WHY_LIMIT,     /* a non-root uid over its limits */
	CLIENT_WHY_ACCEPT,    /* accept() failed (descriptors exhausted) */
	CLIENT_WHY_DROPPED,   /* a client that sent nonsense or does not read */
	CLIENT_WHY_N,
};

struct client_ratelimit {
	uint64_t next_ms;
	unsigned long suppressed;
};

/* xcdd's clients (struct xcdd's `clients`). */
struct clients {
	struct client *list;
	struct client_uid *uids; /* non-root uids with connections */
	size_t nonroot_bytes;
	/* accept() failed for want of descriptors: the listening socket is
	 * left out of the loop until then, instead of waking it for nothing. */
	uint64_t listen_paused_until_ms;
	bool listen_paused;
	/* Connections served in the idle step wait: epoll must not sleep. */
	bool busy;
	struct client_ratelimit rl[CLIENT_WHY_N];
};

void clients_accept_cb(struct loop *l, int lfd, uint32_t events, void *arg);
/* The loop's idle step (ARG: the struct xcdd): a turn for each connection
 * with requests waiting, and the dead ones closed. */
void clients_idle(void *arg);
void clients_send_owed(struct xcdd *x, struct client *c, const char *line, size_t len);
void clients_dm_changed(struct dm *m, const struct dm_domain *d, const char *state, void *arg);
/* dm_progress_fn: a domain.progress notification to every client. */
void clients_dm_progress(struct dm *m, const struct dm_domain *d, const char *op, uint64_t done,
			 uint64_t total, void *arg);
struct dm_migration_info;
/* dm_migration_fn: a domain.migration notification to every client. */
void clients_dm_migration(struct dm *m, const struct dm_domain *d,
			  const struct dm_migration_info *i, void *arg);
/* Up to MAX of the descriptors C passed (oldest first) into FDS, now the
 * caller's: how many. */
unsigned clients_take_fds(struct client *c, int *fds, unsigned max);
/* A notification LINE to every client (one that cannot take it is closed). */
void clients_broadcast(struct xcdd *x, const char *line, size_t len);
/* At exit: every connection closed. */
void clients_close_all(struct xcdd *x);
#endif
