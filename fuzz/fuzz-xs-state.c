/* fuzz-xs-state: libFuzzer target for the live-update state parser of
 * xcd-xenstored (liveupdate.c: lu_restore), the record format of Xen's
 * docs/designs/xenstore-migration.md. The input is a whole state file; it is
 * handed to lu_restore in a memfd, as a live update does.
 *
 * The state names file descriptors the new daemon inherits (the listening
 * socket, the event channel, each client's socket). The fuzzer walks the
 * records as lu_restore does and puts descriptors of its own in their place:
 * a fresh socket for the listener and for each socket connection, -1 for the
 * event channel (no hypervisor here). Everything else is restored as given.
 *
 * Then the restored daemon is used as the new daemon would use it: each
 * connection's half-received message is completed (zeros, as many bytes as
 * the daemon asks for), each restored transaction is committed; the state is
 * saved again (lu_save) before and after that use. Every descriptor and the server are freed at the
 * end, so LeakSanitizer sees any leak.
 *
 * With XS_FUZZ_STATE_STRICT=1 in the environment, a store that breaks the
 * invariants of fuzz-common.h after the restore aborts, and so does a daemon
 * that closed descriptor 0 (which no record named). Off by default, so that
 * the default run hunts memory errors and leaks past the open bugs of
 * fuzz/crashers/OPEN. XS_FUZZ_VERBOSE=1 tells how each restore went. */
#include "fuzz-common.h"
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FDS 16

struct fds {
	int given[MAX_FDS]; /* handed to the daemon: it closes them (or not) */
	int kept[MAX_FDS];  /* our ends */
	unsigned n;
};

static int new_fd(struct fds *f)
{
	int sv[2];
	if (f->n >= MAX_FDS ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	f->given[f->n] = sv[0];
	f->kept[f->n] = sv[1];
	f->n++;
	return sv[0];
}

static void put32(uint8_t *p, int32_t v) { memcpy(p, &v, 4); }

/* The record walk of lu_restore, rewriting the descriptors. */
static void replace_fds(uint8_t *d, size_t len, struct fds *f)
{
	size_t off = 16; /* ident, version, flags */
	while (off + 8 <= len) {
		uint32_t type, rlen;
		memcpy(&type, d + off, 4);
		memcpy(&rlen, d + off + 4, 4);
		off += 8;
		if (rlen > len - off)
			return;
		uint8_t *b = d + off;
		if (type == 0) /* END */
			return;
		if (type == 1) { /* GLOBAL_DATA: socket, event channel */
			int32_t sock = 0;
			if (rlen >= 4) {
				memcpy(&sock, b, 4);
				put32(b, sock < 0 ? -1 : new_fd(f));
			}
			if (rlen >= 8)
				put32(b + 4, -1);
		} else if (type == 2 && rlen >= 12) { /* CONNECTION_DATA */
			uint16_t ctype;
			memcpy(&ctype, b + 4, 2);
			if (ctype == 1) /* socket: its descriptor */
				put32(b + 8, new_fd(f));
		}
		size_t pad = (8 - (rlen % 8)) % 8;
		off += rlen;
		if (pad > len - off)
			return;
		off += pad;
	}
}

static void use_restored(struct xs_server *s)
{
	static char zeros[2 * (XS_HDR_SIZE + XENSTORE_PAYLOAD_MAX)];
	/* Finish the messages that were half received, unless one is a CONTROL
	 * (its command could name files). */
	for (struct xs_conn *c = s->conns; c; c = c->next) {
		if (c->dead || c->in_used == 0)
			continue;
		if (c->in_used >= XS_HDR_SIZE &&
		    ((const struct xsd_sockmsg *)(const void *)c->in_buf)->type == XS_CONTROL)
			continue;
		uint32_t want = conn_want(c);
		if (want > sizeof(zeros))
			want = sizeof(zeros);
		if (want)
			conn_feed(c, zeros, want);
	}
	/* Commit the transactions that travelled with the state. */
	for (struct xs_conn *c = s->conns; c; c = c->next) {
		if (c->dead || c->in_used != 0)
			continue;
		uint32_t ids[64];
		unsigned n = 0;
		for (struct xs_txn *t = c->txns; t && n < 64; t = t->next)
			ids[n++] = t->id;
		for (unsigned i = 0; i < n && !c->dead; i++) {
			char msg[XS_HDR_SIZE + 2];
			struct xsd_sockmsg h = { .type = XS_TRANSACTION_END, .req_id = i,
						 .tx_id = ids[i], .len = 2 };
			memcpy(msg, &h, sizeof(h));
			memcpy(msg + XS_HDR_SIZE, "T", 2);
			conn_feed(c, msg, sizeof(msg));
		}
	}
	for (struct xs_conn *c = s->conns; c; c = c->next)
		if (!c->dead)
			conn_flush(c);
	server_reap(s);
}

static bool strict, verbose;
static int devnull = -1;

/* Descriptor 0 is /dev/null: a truncated GLOBAL_DATA record reads as socket 0
 * and event channel 0, which the daemon then uses and closes. */
static void stdin_null(void)
{
	int fd = open("/dev/null", O_RDONLY);
	if (fd > 0) {
		dup2(fd, 0);
		close(fd);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_logs();
	const char *e = getenv("XS_FUZZ_STATE_STRICT");
	strict = e && *e && strcmp(e, "0") != 0;
	verbose = getenv("XS_FUZZ_VERBOSE") != NULL;
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	stdin_null();
	return 0;
}

static void check(struct xs_server *s, const char *when)
{
	if (!strict)
		return;
	const char *why = fuzz_store_broken(&s->store, true);
	if (why) {
		fprintf(stderr, "fuzz-xs-state: store invariant broken %s: %s\n", when, why);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (devnull < 0)
		LLVMFuzzerInitialize(NULL, NULL);
	struct xs_server *s = harness_server(NULL);
	if (!s)
		return 0;
	struct fds fds = { .n = 0 };
	uint8_t *copy = malloc(size ? size : 1);
	int mfd = memfd_create("xs-state-fuzz", MFD_CLOEXEC);
	if (!copy || mfd < 0) {
		free(copy);
		if (mfd >= 0)
			close(mfd);
		harness_server_free(s);
		return 0;
	}
	memcpy(copy, data, size);
	replace_fds(copy, size, &fds);
	size_t off = 0;
	while (off < size) {
		ssize_t n = write(mfd, copy + off, size - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	free(copy);

	int rc = lu_restore(s, mfd); /* closes mfd once read */
	if (verbose)
		fprintf(stderr, "fuzz-xs-state: lu_restore: %s, %zu nodes, %u socket(s) given\n",
			rc < 0 ? strerror(-rc) : "restored", s->store.nodes.count, fds.n);
	if (rc == 0) {
		check(s, "after restore");
		/* Saved as restored (transactions and output queues included)... */
		if (devnull >= 0)
			lu_save(s, devnull);
		use_restored(s);
		check(s, "after use");
		/* ...and after use. */
		if (devnull >= 0)
			lu_save(s, devnull);
	}
	harness_server_free(s);

	/* Descriptors the daemon did not take over or close. Nothing opened a
	 * descriptor since these were made, so a valid one is still ours. */
	if (fcntl(mfd, F_GETFD) >= 0)
		close(mfd);
	for (unsigned i = 0; i < fds.n; i++) {
		if (fcntl(fds.given[i], F_GETFD) >= 0)
			close(fds.given[i]);
		close(fds.kept[i]);
	}
	if (fcntl(0, F_GETFD) < 0) {
		if (strict) {
			fprintf(stderr, "fuzz-xs-state: the daemon closed descriptor 0, which the "
					"state did not name (a field read past a record's end)\n");
			abort();
		}
		stdin_null();
	}
	return 0;
}
