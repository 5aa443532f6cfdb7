/* fuzz-xs-request: libFuzzer target for xcd-xenstored's message framing
 * (conn.c) and request handlers (request.c, control.c, tree.c, watch.c,
 * transaction.c, domain.c), through the in-memory harness: one server per
 * input, no socket, no hypervisor.
 *
 * The input is a sequence of records, read until it ends:
 *
 *   op      1 byte: bits 0-1 connection slot, bits 2-4 action, bits 5-7 split
 *   ...     what the action takes
 *
 * slots:   0  dom0, privileged           (harness connection)
 *          1  domain 1, unprivileged     (harness connection)
 *          2  domain 2, unprivileged     (harness connection)
 *          3  domain 3, unprivileged, a slow reader: its transport takes only
 *             the bytes it is given credit for (action 6), so its output
 *             queue grows, its requests stay outstanding, its input pauses
 *             and its watch events may be dropped
 * actions: 0-4  a message: 16 raw header bytes (type, req_id, tx_id, len, in
 *               host order as on the wire), then len payload bytes (fewer if
 *               the input ends). A len over 4096 is sent as is: the daemon
 *               must kill the connection on the header (the next record on
 *               that slot opens a new one).
 *          5  close the slot's connection (with its watches and transactions)
 *             and open a new one
 *          6  slot 3: the next byte * 64 is its write credit (0: blocked);
 *             other slots: forget what they received
 *          7  the slot's domain disappears, as the hypervisor would report it
 *             (domain_release(destroyed)); nothing for dom0
 * split:   how a message's bytes are handed to the daemon: 0 at once,
 *          1 header then payload, 2 first byte then the rest, 3 in 5-byte
 *          pieces, 4 cut in the middle, 5 one byte at a time, 6 kept and
 *          sent together with the slot's next message (several messages in
 *          one read, as a socket delivers them), 7 at once.
 *
 * Any byte stream a client can send is such a sequence of messages, so the
 * records lose nothing of the raw protocol while keeping the fuzzer in step
 * with the daemon's framing. That is what lets it leave out the CONTROL
 * commands that reach outside the process: "live-update -s" (becomes -a),
 * "logfile"/"memreport" with a file (the file becomes /dev/null) and "print"
 * (syslog; becomes "help").
 *
 * After every fourth record the store's structure is checked, and after the
 * input its accounting too (fuzz-common.h): a broken invariant aborts, unless
 * XS_FUZZ_NO_INVARIANTS=1 (to hunt memory errors past a known logic bug).
 * XS_FUZZ_VERBOSE=1 prints what the connections receive. Every
 * connection and the server are freed at the end, so LeakSanitizer sees any
 * leak of the daemon's. */
#include "fuzz-common.h"
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NSLOTS 4
#define SLOW 3
#define PENDING_MAX (4 * (XS_HDR_SIZE + XENSTORE_PAYLOAD_MAX))

static const unsigned slot_domid[NSLOTS] = { 0, 1, 2, 3 };

struct slow {
	struct xs_conn *c;
	uint32_t credit;
};

struct fz {
	struct xs_server *s;
	struct hconn *h[SLOW];
	struct slow slow;
	/* split mode 6: bytes held back for the slot's next message */
	uint8_t *pending[NSLOTS];
	size_t npending[NSLOTS];
};

static ssize_t slow_write(struct xs_conn *c, const void *buf, size_t len)
{
	struct slow *sl = c->priv;
	if (!sl)
		return (ssize_t)len;
	size_t n = len < sl->credit ? len : sl->credit;
	sl->credit -= (uint32_t)n;
	return (ssize_t)n;
}

static void slow_close(struct xs_conn *c)
{
	struct slow *sl = c->priv;
	if (sl)
		sl->c = NULL;
}

static const struct xs_conn_ops slow_ops = { .write = slow_write, .close = slow_close };

static bool slot_open(struct fz *f, unsigned slot)
{
	if (slot == SLOW)
		return f->slow.c != NULL;
	return f->h[slot] && f->h[slot]->c;
}

static void slot_close(struct fz *f, unsigned slot)
{
	if (slot == SLOW) {
		if (f->slow.c) {
			f->slow.c->priv = NULL;
			conn_free(f->slow.c);
			f->slow.c = NULL;
		}
	} else {
		harness_conn_close(f->h[slot]);
		f->h[slot] = NULL;
	}
	f->npending[slot] = 0;
}

static void slot_open_new(struct fz *f, unsigned slot)
{
	slot_close(f, slot);
	if (slot != SLOW) {
		f->h[slot] = harness_conn(f->s, slot_domid[slot], slot == 0);
		return;
	}
	struct xs_conn *c = conn_new(f->s, XS_CONN_MEMORY, &slow_ops, &f->slow, -1);
	if (!c)
		return;
	c->domid = slot_domid[slot];
	c->privileged = false;
	struct xs_domain *d = domain_find_or_new(f->s, c->domid);
	if (d)
		d->introduced = true;
	f->slow.c = c;
}

/* What a transport does after reading: flush every connection, then reap. */
static void settle(struct fz *f)
{
	for (struct xs_conn *c = f->s->conns; c; c = c->next)
		if (!c->dead)
			conn_flush(c);
	f->s->lu_pending = false; /* never set: live-update -s is not sent */
	server_reap(f->s);
}

static void deliver(struct fz *f, unsigned slot, const uint8_t *buf, size_t len)
{
	if (!len)
		return;
	if (slot == SLOW) {
		if (f->slow.c)
			conn_feed(f->slow.c, buf, (uint32_t)len);
		settle(f);
	} else if (f->h[slot] && f->h[slot]->c) {
		harness_feed(f->h[slot], buf, len);
		settle(f);
	}
}

static bool verbose, no_invariants;

/* XS_FUZZ_VERBOSE=1: what each harness connection received, to see what an
 * input does (e.g. when writing seeds). */
static void dump(struct fz *f)
{
	for (unsigned i = 0; i < SLOW; i++) {
		struct hconn *h = f->h[i];
		size_t off = 0;
		while (h && off + XS_HDR_SIZE <= h->out_len) {
			struct xsd_sockmsg m;
			memcpy(&m, h->out + off, sizeof(m));
			if (off + XS_HDR_SIZE + m.len > h->out_len)
				break;
			fprintf(stderr, "  slot %u <- %s req %u tx %u: ", i, xs_type_name(m.type),
				m.req_id, m.tx_id);
			for (uint32_t k = 0; k < m.len && k < 120; k++) {
				char ch = h->out[off + XS_HDR_SIZE + k];
				fputc(ch == 0 ? '|' : (ch >= 32 && ch < 127 ? ch : '?'), stderr);
			}
			fputc('\n', stderr);
			off += XS_HDR_SIZE + m.len;
		}
		if (h)
			harness_clear(h);
	}
}

static void check(struct fz *f, bool with_accounting)
{
	if (no_invariants)
		return;
	const char *why = fuzz_store_broken(&f->s->store, with_accounting);
	if (why) {
		fprintf(stderr, "fuzz-xs-request: store invariant broken: %s\n", why);
		abort();
	}
}

/* The CONTROL commands that reach outside the process are rewritten. */
static uint32_t sanitize_control(char *payload, uint32_t len)
{
	const char *end = memchr(payload, '\0', len);
	if (!end)
		return len; /* the daemon answers EINVAL */
	const char *cmd = payload;
	const char *arg1 = end + 1;
	uint32_t rest = len - (uint32_t)(arg1 - payload);
	bool has_arg1 = rest > 0 && memchr(arg1, '\0', rest) != NULL;
	static const char help[] = "help";
	if (strcmp(cmd, "print") == 0) {
		memcpy(payload, help, sizeof(help));
		return sizeof(help);
	}
	if (strcmp(cmd, "logfile") == 0 || (strcmp(cmd, "memreport") == 0 && has_arg1 && *arg1)) {
		static const char devnull[] = "/dev/null";
		uint32_t off = (uint32_t)(arg1 - payload);
		memcpy(payload + off, devnull, sizeof(devnull));
		return off + (uint32_t)sizeof(devnull);
	}
	if (strcmp(cmd, "live-update") == 0 && has_arg1 && strcmp(arg1, "-s") == 0) {
		payload[arg1 - payload + 1] = 'a';
		return len;
	}
	return len;
}

static void do_message(struct fz *f, unsigned slot, unsigned split, const uint8_t **pp,
		       const uint8_t *end)
{
	static char msg[XS_HDR_SIZE + XENSTORE_PAYLOAD_MAX];
	size_t avail = (size_t)(end - *pp);
	size_t hl = avail < XS_HDR_SIZE ? avail : XS_HDR_SIZE;
	memcpy(msg, *pp, hl);
	*pp += hl;
	size_t total = hl;
	if (hl == XS_HDR_SIZE) {
		struct xsd_sockmsg hdr;
		memcpy(&hdr, msg, sizeof(hdr));
		avail = (size_t)(end - *pp);
		/* Over-long: the header alone decides (the daemon reads no further). */
		size_t want = hdr.len > XENSTORE_PAYLOAD_MAX ? 0 : hdr.len;
		size_t pl = avail < want ? avail : want;
		memcpy(msg + XS_HDR_SIZE, *pp, pl);
		*pp += pl;
		if (hdr.type == XS_CONTROL && pl == hdr.len) {
			hdr.len = sanitize_control(msg + XS_HDR_SIZE, hdr.len);
			memcpy(msg, &hdr, sizeof(hdr));
			pl = hdr.len;
		}
		total = XS_HDR_SIZE + pl;
	}
	if (!slot_open(f, slot))
		slot_open_new(f, slot);
	if (!slot_open(f, slot))
		return;
	/* A transport reads nothing from a paused connection: the slow reader's
	 * message waits in the client, i.e. is not sent. */
	if (slot == SLOW && f->npending[slot] == 0 && conn_want(f->slow.c) == 0)
		return;

	const uint8_t *bytes = (const uint8_t *)msg;
	if (split == 6 && f->npending[slot] + total <= PENDING_MAX) {
		if (!f->pending[slot])
			f->pending[slot] = malloc(PENDING_MAX);
		if (f->pending[slot]) {
			memcpy(f->pending[slot] + f->npending[slot], bytes, total);
			f->npending[slot] += total;
			return;
		}
	}
	if (f->npending[slot]) {
		/* The held-back messages and this one arrive in one read. */
		if (f->npending[slot] + total <= PENDING_MAX) {
			memcpy(f->pending[slot] + f->npending[slot], bytes, total);
			f->npending[slot] += total;
			size_t n = f->npending[slot];
			f->npending[slot] = 0;
			deliver(f, slot, f->pending[slot], n);
			return;
		}
		size_t n = f->npending[slot];
		f->npending[slot] = 0;
		deliver(f, slot, f->pending[slot], n);
	}
	size_t cut;
	switch (split) {
	case 1: cut = total < XS_HDR_SIZE ? total : XS_HDR_SIZE; break;
	case 2: cut = 1; break;
	case 4: cut = total / 2; break;
	default: cut = total; break;
	}
	if (split == 3 || split == 5) {
		size_t step = split == 3 ? 5 : 1;
		for (size_t off = 0; off < total; off += step)
			deliver(f, slot, bytes + off, total - off < step ? total - off : step);
		return;
	}
	if (cut > total)
		cut = total;
	deliver(f, slot, bytes, cut);
	deliver(f, slot, bytes + cut, total - cut);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_logs();
	verbose = getenv("XS_FUZZ_VERBOSE") != NULL;
	const char *e = getenv("XS_FUZZ_NO_INVARIANTS");
	no_invariants = e && *e && strcmp(e, "0") != 0;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { 0 };
	/* A small output limit, so that the slow reader reaches it. */
	struct xs_options opt = { .socket_path = "/nonexistent", .no_domain_init = true,
				  .max_conn_output = 8192 };
	quota_defaults(&opt.quota);
	f.s = harness_server(&opt);
	if (!f.s)
		return 0;
	for (unsigned i = 0; i < NSLOTS; i++)
		slot_open_new(&f, i);

	const uint8_t *p = data, *end = data + size;
	unsigned records = 0;
	while (p < end) {
		uint8_t op = *p++;
		unsigned slot = op & 3, action = (op >> 2) & 7, split = op >> 5;
		switch (action) {
		case 5:
			slot_open_new(&f, slot);
			settle(&f);
			break;
		case 6:
			if (slot == SLOW) {
				f.slow.credit = p < end ? (uint32_t)*p++ * 64 : 0;
				settle(&f);
			} else if (f.h[slot]) {
				harness_clear(f.h[slot]);
			}
			break;
		case 7:
			if (slot_domid[slot] != 0) {
				domain_release(f.s, slot_domid[slot], true);
				settle(&f);
			}
			break;
		default:
			do_message(&f, slot, split, &p, end);
			break;
		}
		if (verbose)
			dump(&f);
		if (++records % 4 == 0)
			check(&f, false);
	}
	/* Whatever was held back is sent before the end. */
	for (unsigned i = 0; i < NSLOTS; i++) {
		if (f.npending[i]) {
			size_t n = f.npending[i];
			f.npending[i] = 0;
			deliver(&f, i, f.pending[i], n);
		}
	}
	check(&f, true);

	for (unsigned i = 0; i < NSLOTS; i++) {
		slot_close(&f, i);
		free(f.pending[i]);
	}
	harness_server_free(f.s);
	return 0;
}
