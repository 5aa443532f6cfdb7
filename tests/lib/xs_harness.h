/* xs_harness: an in-process xenstored (no socket, no hypervisor) and
 * connections held in memory, for unit tests and fuzzers. */
#ifndef XS_HARNESS_H
#define XS_HARNESS_H
#include <stdbool.h>
#include <stdint.h>
#include "../../xenstore/server.h"

struct hconn {
	struct xs_conn *c;
	/* everything the daemon sent, as raw bytes */
	char *out;
	size_t out_len, out_cap;
	uint32_t next_req;
};

struct hmsg {
	uint32_t type, req_id, tx_id, len;
	char data[XENSTORE_PAYLOAD_MAX + 1]; /* NUL added after len bytes */
};

/* A server with Xen's default quotas; opt may be NULL. */
struct xs_server *harness_server(const struct xs_options *opt);
void harness_server_free(struct xs_server *s);
/* A connection as domain domid (privileged: dom0 or a socket). Domains
 * other than 0 are recorded as introduced. */
struct hconn *harness_conn(struct xs_server *s, unsigned domid, bool privileged);
void harness_conn_close(struct hconn *h);
/* Feeds raw bytes as if the client sent them. */
int harness_feed(struct hconn *h, const void *buf, size_t len);
/* Sends one request (payload of len bytes) and returns the reply. Watch
 * events that arrive meanwhile are kept for harness_event(). */
int harness_request(struct hconn *h, uint32_t type, uint32_t tx_id, const void *payload,
		    uint32_t len, struct hmsg *reply);
/* Convenience: payload made of strings, each NUL-terminated, NULL-ended. */
int harness_req(struct hconn *h, uint32_t type, uint32_t tx_id, struct hmsg *reply, ...);
/* Next queued watch event (path, token), false if none. */
bool harness_event(struct hconn *h, char *path, size_t psize, char *token, size_t tsize);
/* Drops everything received. */
void harness_clear(struct hconn *h);
#endif
