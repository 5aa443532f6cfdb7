/* lu-save-seed: writes a saved state of xcd-xenstored (lu_save, the format
 * live update hands to the new daemon) for the state fuzzer's corpus. The
 * server is the in-memory harness's, filled the way a host fills it: domains
 * with their nodes and permissions, quotas, features, and two socket clients
 * (watches, open transactions, a half-received request, unread replies).
 * Usage: lu-save-seed OUTFILE [VARIANT]   (VARIANT 0-3: smaller states) */
#include "../tests/lib/xs_harness.h"
#include "../lib/log.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A socket client whose socket never takes anything: what the daemon sends
 * stays queued and travels in the state. */
static ssize_t stuck_write(struct xs_conn *c, const void *buf, size_t len) { return 0; }
static const struct xs_conn_ops stuck_ops = { .write = stuck_write };

static void msg(struct xs_conn *c, uint32_t type, uint32_t tx, const char *const *args)
{
	char buf[XS_HDR_SIZE + XENSTORE_PAYLOAD_MAX];
	uint32_t len = 0;
	for (; *args; args++) {
		size_t l = strlen(*args) + 1;
		memcpy(buf + XS_HDR_SIZE + len, *args, l);
		len += (uint32_t)l;
	}
	static uint32_t req = 100;
	struct xsd_sockmsg h = { .type = type, .req_id = req++, .tx_id = tx, .len = len };
	memcpy(buf, &h, sizeof(h));
	conn_feed(c, buf, XS_HDR_SIZE + len);
}

#define M(c, type, tx, ...) msg(c, type, tx, (const char *const[]){ __VA_ARGS__, NULL })

static void req(struct hconn *h, uint32_t type, uint32_t tx, const char *const *args)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	uint32_t len = 0;
	for (; *args; args++) {
		size_t l = strlen(*args) + 1;
		memcpy(buf + len, *args, l);
		len += (uint32_t)l;
	}
	struct hmsg *r = malloc(sizeof(*r));
	if (r && harness_request(h, type, tx, buf, len, r) == 0 && r->type == XS_ERROR)
		fprintf(stderr, "lu-save-seed: request %u: %s\n", type, r->data);
	free(r);
}

#define R(h, type, tx, ...) req(h, type, tx, (const char *const[]){ __VA_ARGS__, NULL })

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: lu-save-seed OUTFILE [VARIANT]\n");
		return 2;
	}
	int variant = argc > 2 ? atoi(argv[2]) : 0;
	log_init("lu-save-seed", 0, LOG_LVL_ERR);
	struct xs_server *s = harness_server(NULL);
	if (!s)
		return 1;
	/* The domains and their nodes, as the toolstack (dom0) makes them. */
	struct hconn *d0 = harness_conn(s, 0, true);
	R(d0, XS_WRITE, 0, "/vm/0a1b/name", "guest1");
	R(d0, XS_WRITE, 0, "/local/domain/0/name", "Domain-0");
	for (unsigned id = 1; id <= (variant == 3 ? 1u : 2u); id++) {
		char dom[64], perm[16], port[16], gfn[32];
		snprintf(dom, sizeof(dom), "/local/domain/%u", id);
		snprintf(perm, sizeof(perm), "n%u", id);
		snprintf(port, sizeof(port), "%u", 10 + id);
		snprintf(gfn, sizeof(gfn), "%u", 0xfeffc + id);
		R(d0, XS_MKDIR, 0, dom);
		R(d0, XS_SET_PERMS, 0, dom, perm, "r0");
		snprintf(dom, sizeof(dom), "%u", id);
		R(d0, XS_INTRODUCE, 0, dom, gfn, port);
	}
	if (variant != 3) {
		R(d0, XS_SET_QUOTA, 0, "1", "nodes", "200");
		R(d0, XS_SET_QUOTA, 0, "transactions", "12");
		R(d0, XS_SET_FEATURE, 0, "7", "1");
	}
	/* What a guest writes itself (unprivileged, relative paths). */
	struct hconn *d1 = harness_conn(s, 1, false);
	R(d1, XS_WRITE, 0, "data/x", "hello");
	R(d1, XS_WRITE, 0, "data/y", "world");
	R(d1, XS_WRITE, 0, "device/vif/0/state", "4");
	if (variant == 0) {
		static const char bin[] = { 'a', 0, 'b', 1, (char)0xff };
		struct hmsg *r = malloc(sizeof(*r));
		char p[64 + sizeof(bin)];
		memcpy(p, "/local/domain/1/bin", 20);
		memcpy(p + 20, bin, sizeof(bin));
		if (r)
			harness_request(d1, XS_WRITE, 0, p, 20 + sizeof(bin), r);
		free(r);
	}
	R(d0, XS_SET_PERMS, 0, "/local/domain/1/data/x", "n1", "r2", "w0");
	/* Guests and tools leave; their connections are not part of the state
	 * here (memory connections have no transport to save). */
	harness_conn_close(d1);
	harness_conn_close(d0);

	if (variant != 2) {
		/* Socket clients: a tool with watches and an open transaction. */
		struct xs_conn *c = conn_new(s, XS_CONN_SOCKET, &stuck_ops, NULL, 100);
		M(c, XS_WATCH, 0, "/local/domain", "dom-watch");
		M(c, XS_WATCH, 0, "@releaseDomain", "rel");
		M(c, XS_WATCH, 0, "/vm", "vm", "1");
		M(c, XS_TRANSACTION_START, 0, "");
		M(c, XS_READ, 1, "/local/domain/1/data/x");
		M(c, XS_WRITE, 1, "/local/domain/1/data/x", "in-txn");
		M(c, XS_WRITE, 1, "/local/domain/1/data/new", "created");
		M(c, XS_RM, 1, "/vm/0a1b");
		if (variant == 0) {
			/* A second transaction that reads what is then changed. */
			M(c, XS_TRANSACTION_START, 0, "");
			M(c, XS_READ, 2, "/local/domain/0/name");
			M(c, XS_WRITE, 0, "/local/domain/0/name", "dom0");
			/* Half a request: the header and part of the payload. */
			char part[XS_HDR_SIZE + 8];
			struct xsd_sockmsg h = { .type = XS_READ, .req_id = 7, .len = 20 };
			memcpy(part, &h, sizeof(h));
			memcpy(part + XS_HDR_SIZE, "/local/d", 8);
			conn_feed(c, part, sizeof(part));
		}
		struct xs_conn *c2 = conn_new(s, XS_CONN_SOCKET, &stuck_ops, NULL, 101);
		M(c2, XS_WATCH, 0, "/tool", "t");
		if (variant == 1)
			M(c2, XS_TRANSACTION_START, 0, "");
	}
	s->listen_fd = 99; /* saved as the listening socket */
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	int rc = lu_save(s, fd);
	close(fd);
	if (rc < 0) {
		fprintf(stderr, "lu-save-seed: lu_save: %s\n", strerror(-rc));
		return 1;
	}
	s->listen_fd = -1;
	for (struct xs_conn *c = s->conns; c; c = c->next)
		c->fd = -1; /* not real descriptors */
	harness_server_free(s);
	return 0;
}
