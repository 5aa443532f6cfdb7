/* xenbus-test: the simulated guest's xenbus driver (sim/xenbus.c), driven
 * step by step with this test playing xenstored on the guest's ring
 * (fuzz/sim/xenbus-fake.c), then the fuzzer's corpus replayed
 * ($XCD_SRCDIR/fuzz/sim/corpus). */
#include "../../../fuzz/sim/xenbus-fake.h"
#include <CUnit/Basic.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct msg {
	struct xsd_sockmsg h;
	char body[XENSTORE_PAYLOAD_MAX + 1];
};

/* The guest's next request, or 0 when its ring is empty. */
static int next_req(struct xb_fake *f, struct msg *m)
{
	if (xb_fake_take(f, &m->h, sizeof(m->h)) < sizeof(m->h))
		return 0;
	CU_ASSERT_FATAL(m->h.len <= XENSTORE_PAYLOAD_MAX);
	CU_ASSERT_FATAL(xb_fake_take(f, m->body, m->h.len) == m->h.len);
	m->body[m->h.len] = '\0';
	return 1;
}

static void reply(struct xb_fake *f, uint32_t type, uint32_t req_id, const char *a, size_t alen,
		  const char *b, size_t blen)
{
	struct xsd_sockmsg h = { type, req_id, 0, (uint32_t)(alen + blen) };
	CU_ASSERT_FATAL(xb_fake_put(f, &h, sizeof(h)) == sizeof(h));
	CU_ASSERT_FATAL(xb_fake_put(f, a, alen) == alen);
	if (blen)
		CU_ASSERT_FATAL(xb_fake_put(f, b, blen) == blen);
}

static void watch_event(struct xb_fake *f, const char *path, const char *token)
{
	reply(f, XS_WATCH_EVENT, 0, path, strlen(path) + 1, token, strlen(token) + 1);
}

/* Boots the guest and answers its boot requests; returns the watch tokens. */
static void boot(struct xb_fake *f, char *tok_shutdown, char *tok_target)
{
	CU_ASSERT_FATAL(xb_fake_init(f) == 0);
	sim_xenbus_step(&f->d);
	CU_ASSERT(f->store_kicks == 1);
	const char *features[] = { "control/feature-poweroff", "control/feature-reboot",
				   "control/feature-suspend" };
	struct msg m;
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_FATAL(next_req(f, &m));
		CU_ASSERT_EQUAL(m.h.type, XS_WRITE);
		CU_ASSERT_STRING_EQUAL(m.body, features[i]);
		CU_ASSERT_EQUAL(m.h.len, strlen(features[i]) + 2);
		CU_ASSERT_EQUAL(m.body[strlen(features[i]) + 1], '1');
		reply(f, XS_WRITE, m.h.req_id, "OK", 3, NULL, 0);
	}
	CU_ASSERT_FATAL(next_req(f, &m));
	CU_ASSERT_EQUAL(m.h.type, XS_WATCH);
	CU_ASSERT_STRING_EQUAL(m.body, "control/shutdown");
	strcpy(tok_shutdown, m.body + strlen(m.body) + 1);
	reply(f, XS_WATCH, m.h.req_id, "OK", 3, NULL, 0);
	CU_ASSERT_FATAL(next_req(f, &m));
	CU_ASSERT_STRING_EQUAL(m.body, "memory/target");
	strcpy(tok_target, m.body + strlen(m.body) + 1);
	reply(f, XS_WATCH, m.h.req_id, "OK", 3, NULL, 0);
	CU_ASSERT_FATAL(next_req(f, &m));
	CU_ASSERT_STRING_EQUAL(m.body, "device"); /* the frontends' bus */
	reply(f, XS_WATCH, m.h.req_id, "OK", 3, NULL, 0);
	CU_ASSERT(!next_req(f, &m));
	sim_xenbus_step(&f->d);
	CU_ASSERT(f->x->errors == 0);
	CU_ASSERT(!next_req(f, &m));
}

static void test_boot(void)
{
	struct xb_fake f;
	char ts[64], tt[64];
	boot(&f, ts, tt);
	CU_ASSERT(strcmp(ts, tt) != 0);
	xb_fake_free(&f);
}

static void shutdown_by(const char *value, int reason)
{
	struct xb_fake f;
	char ts[64], tt[64];
	boot(&f, ts, tt);
	struct msg m;
	/* An event arriving in two pieces (the ring wraps in between). */
	char ev[160];
	size_t n = (size_t)snprintf(ev + sizeof(struct xsd_sockmsg), 40, "control/shutdown") + 1;
	n += (size_t)sprintf(ev + sizeof(struct xsd_sockmsg) + n, "%s", ts) + 1;
	struct xsd_sockmsg h = { XS_WATCH_EVENT, 0, 0, (uint32_t)n };
	memcpy(ev, &h, sizeof(h));
	CU_ASSERT(xb_fake_put(&f, ev, 5) == 5);
	sim_xenbus_step(&f.d);
	CU_ASSERT(!next_req(&f, &m)); /* incomplete: nothing yet */
	CU_ASSERT(xb_fake_put(&f, ev + 5, sizeof(h) + n - 5) == sizeof(h) + n - 5);
	sim_xenbus_step(&f.d);
	CU_ASSERT_FATAL(next_req(&f, &m));
	CU_ASSERT_EQUAL(m.h.type, XS_READ);
	CU_ASSERT_STRING_EQUAL(m.body, "control/shutdown");
	reply(&f, XS_READ, m.h.req_id, value, strlen(value), NULL, 0);
	sim_xenbus_step(&f.d);
	CU_ASSERT_FATAL(next_req(&f, &m));
	CU_ASSERT_EQUAL(m.h.type, XS_WRITE); /* acknowledged by clearing the node */
	CU_ASSERT_STRING_EQUAL(m.body, "control/shutdown");
	CU_ASSERT_EQUAL(m.h.len, strlen("control/shutdown") + 1);
	CU_ASSERT_EQUAL(f.shutdown_reason, -1); /* not before the clear is answered */
	reply(&f, XS_WRITE, m.h.req_id, "OK", 3, NULL, 0);
	sim_xenbus_step(&f.d);
	CU_ASSERT_EQUAL(f.shutdown_reason, reason);
	CU_ASSERT_EQUAL(f.x->shutdowns_seen, 1);
	xb_fake_free(&f);
}

static void test_poweroff(void) { shutdown_by("poweroff", SIM_SHUTDOWN_POWEROFF); }
static void test_halt(void) { shutdown_by("halt", SIM_SHUTDOWN_POWEROFF); }
static void test_reboot(void) { shutdown_by("reboot", SIM_SHUTDOWN_REBOOT); }
static void test_suspend(void) { shutdown_by("suspend", SIM_SHUTDOWN_SUSPEND); }

static void test_ignored_and_absent(void)
{
	struct xb_fake f;
	char ts[64], tt[64];
	boot(&f, ts, tt);
	struct msg m;
	const char *values[] = { "", "dance", NULL };
	for (int i = 0; i < 3; i++) {
		watch_event(&f, "control/shutdown", ts);
		sim_xenbus_step(&f.d);
		CU_ASSERT_FATAL(next_req(&f, &m));
		CU_ASSERT_EQUAL(m.h.type, XS_READ);
		if (values[i])
			reply(&f, XS_READ, m.h.req_id, values[i], strlen(values[i]), NULL, 0);
		else
			reply(&f, XS_ERROR, m.h.req_id, "ENOENT", 7, NULL, 0);
		sim_xenbus_step(&f.d);
		CU_ASSERT(!next_req(&f, &m)); /* no clear, no shutdown */
	}
	CU_ASSERT_EQUAL(f.shutdown_reason, -1);
	CU_ASSERT_EQUAL(f.x->errors, 0); /* ENOENT of a read is no error */
	xb_fake_free(&f);
}

static void test_balloon(void)
{
	struct xb_fake f;
	char ts[64], tt[64];
	boot(&f, ts, tt);
	struct msg m;
	const struct { const char *v; uint64_t want; } cases[] = {
		{ "40", 40 }, { "1000", XB_FAKE_PAGES * 4 }, { "1", 24 }, { "x", 24 },
	};
	for (int i = 0; i < 4; i++) {
		watch_event(&f, "memory/target", tt);
		sim_xenbus_step(&f.d);
		CU_ASSERT_FATAL(next_req(&f, &m));
		CU_ASSERT_STRING_EQUAL(m.body, "memory/target");
		reply(&f, XS_READ, m.h.req_id, cases[i].v, strlen(cases[i].v), NULL, 0);
		sim_xenbus_step(&f.d);
		/* bounded by the built memory above and the guest's pages below */
		CU_ASSERT_EQUAL(f.d.populated_kb, cases[i].want);
		CU_ASSERT_EQUAL(f.x->balloon_kb, cases[i].want);
	}
	/* Both events before one step: one read at a time, both answered. */
	watch_event(&f, "control/shutdown", ts);
	watch_event(&f, "memory/target", tt);
	sim_xenbus_step(&f.d);
	CU_ASSERT_FATAL(next_req(&f, &m));
	CU_ASSERT_STRING_EQUAL(m.body, "control/shutdown");
	CU_ASSERT(!next_req(&f, &m));
	reply(&f, XS_READ, m.h.req_id, "", 0, NULL, 0);
	sim_xenbus_step(&f.d);
	CU_ASSERT_FATAL(next_req(&f, &m));
	CU_ASSERT_STRING_EQUAL(m.body, "memory/target");
	xb_fake_free(&f);
}

static void test_oversized_dropped(void)
{
	struct xb_fake f;
	char ts[64], tt[64];
	boot(&f, ts, tt);
	static char big[3000];
	memset(big, 'z', sizeof(big));
	struct xsd_sockmsg h = { XS_WATCH_EVENT, 0, 0, sizeof(big) };
	CU_ASSERT(xb_fake_put(&f, &h, sizeof(h)) == sizeof(h));
	size_t off = 0;
	for (int i = 0; i < 10 && off < sizeof(big); i++) {
		off += xb_fake_put(&f, big + off, sizeof(big) - off);
		sim_xenbus_step(&f.d);
	}
	CU_ASSERT_EQUAL(off, sizeof(big));
	CU_ASSERT_EQUAL(f.x->errors, 1);
	/* and the next message is read normally */
	struct msg m;
	watch_event(&f, "memory/target", tt);
	sim_xenbus_step(&f.d);
	CU_ASSERT(next_req(&f, &m) && m.h.type == XS_READ);
	xb_fake_free(&f);
}

/* The guest's next request must be of this type on this path. */
static void expect(struct xb_fake *f, struct msg *m, uint32_t type, const char *path)
{
	sim_xenbus_step(&f->d);
	CU_ASSERT_FATAL(next_req(f, m));
	CU_ASSERT_EQUAL(m->h.type, type);
	CU_ASSERT_STRING_EQUAL(m->body, path);
}

static const char *value_of(const struct msg *m)
{
	return m->body + strlen(m->body) + 1;
}

/* blkfront's side of the xenbus handshake, step by step. */
static void test_vbd_handshake(void)
{
	struct xb_fake f;
	char ts[64], tt[64];
	boot(&f, ts, tt);
	struct msg m;
	const char *be = "/local/domain/0/backend/vbd/7/51712";
	char bestate[64];
	snprintf(bestate, sizeof(bestate), "%s/state", be);
	watch_event(&f, "device/vbd/51712", "xcd-sim:device");
	expect(&f, &m, XS_DIRECTORY, "device/vbd");
	reply(&f, XS_DIRECTORY, m.h.req_id, "51712", 6, NULL, 0);
	expect(&f, &m, XS_DIRECTORY, "device/vif");
	reply(&f, XS_ERROR, m.h.req_id, "ENOENT", 7, NULL, 0);
	expect(&f, &m, XS_READ, "device/vbd/51712/backend");
	reply(&f, XS_READ, m.h.req_id, be, strlen(be), NULL, 0);
	expect(&f, &m, XS_WATCH, bestate);
	char token[32];
	snprintf(token, sizeof(token), "%s", value_of(&m));
	reply(&f, XS_WATCH, m.h.req_id, "OK", 3, NULL, 0);
	/* backend InitWait: the frontend talks, then Initialised */
	watch_event(&f, bestate, token);
	expect(&f, &m, XS_READ, bestate);
	reply(&f, XS_READ, m.h.req_id, "2", 1, NULL, 0);
	sim_xenbus_step(&f.d);
	const char *nodes[] = { "event-channel", "ring-ref", "protocol", "state" };
	uint32_t port = 0;
	for (int i = 0; i < 4; i++) {
		CU_ASSERT_FATAL(next_req(&f, &m));
		char want[64];
		snprintf(want, sizeof(want), "device/vbd/51712/%s", nodes[i]);
		CU_ASSERT_EQUAL(m.h.type, XS_WRITE);
		CU_ASSERT_STRING_EQUAL(m.body, want);
		if (i == 0)
			port = (uint32_t)atoi(value_of(&m));
		reply(&f, XS_WRITE, m.h.req_id, "OK", 3, NULL, 0);
	}
	CU_ASSERT_STRING_EQUAL(value_of(&m), "3");
	CU_ASSERT_FATAL(port > 0 && port < SIM_MAX_PORTS);
	CU_ASSERT_EQUAL(f.d.ports[port].state, PORT_UNBOUND); /* for the backend to bind */
	/* backend Connected: the frontend too */
	watch_event(&f, bestate, token);
	expect(&f, &m, XS_READ, bestate);
	reply(&f, XS_READ, m.h.req_id, "4", 1, NULL, 0);
	expect(&f, &m, XS_WRITE, "device/vbd/51712/state");
	CU_ASSERT_STRING_EQUAL(value_of(&m), "4");
	/* backend Closing: Closing, then Closed */
	watch_event(&f, bestate, token);
	expect(&f, &m, XS_READ, bestate);
	reply(&f, XS_READ, m.h.req_id, "5", 1, NULL, 0);
	expect(&f, &m, XS_WRITE, "device/vbd/51712/state");
	CU_ASSERT_STRING_EQUAL(value_of(&m), "5");
	CU_ASSERT_FATAL(next_req(&f, &m));
	CU_ASSERT_STRING_EQUAL(value_of(&m), "6");
	/* the toolstack removes the device: dropped, watch and port released */
	watch_event(&f, "device/vbd/51712", "xcd-sim:device");
	expect(&f, &m, XS_DIRECTORY, "device/vbd");
	reply(&f, XS_ERROR, m.h.req_id, "ENOENT", 7, NULL, 0);
	sim_xenbus_step(&f.d);
	CU_ASSERT_FATAL(next_req(&f, &m));
	CU_ASSERT_EQUAL(m.h.type, XS_UNWATCH);
	CU_ASSERT_STRING_EQUAL(m.body, bestate);
	CU_ASSERT_EQUAL(f.d.ports[port].state, PORT_FREE);
	CU_ASSERT_FALSE(f.x->dev[0].used);
	xb_fake_free(&f);
}

/* sim:kv: boots a kv guest; returns its request watch's token. */
static void boot_kv(struct xb_fake *f, char *tok_kv)
{
	CU_ASSERT_FATAL(xb_fake_init_program(f, SIM_PROG_KV) == 0);
	sim_xenbus_step(&f->d);
	struct msg m;
	for (int i = 0; i < 6; i++) { /* features and watches, as every program */
		CU_ASSERT_FATAL(next_req(f, &m));
		reply(f, m.h.type, m.h.req_id, "OK", 3, NULL, 0);
	}
	CU_ASSERT_FATAL(next_req(f, &m));
	CU_ASSERT_EQUAL(m.h.type, XS_WRITE);
	CU_ASSERT_STRING_EQUAL(m.body, "data/kv/capacity");
	CU_ASSERT_STRING_EQUAL(value_of(&m), "45"); /* 5 table pages of 12: 60 slots */
	reply(f, XS_WRITE, m.h.req_id, "OK", 3, NULL, 0);
	CU_ASSERT_FATAL(next_req(f, &m));
	CU_ASSERT_EQUAL(m.h.type, XS_WATCH);
	CU_ASSERT_STRING_EQUAL(m.body, "data/kv/request");
	strcpy(tok_kv, value_of(&m));
	reply(f, XS_WATCH, m.h.req_id, "OK", 3, NULL, 0);
	CU_ASSERT(!next_req(f, &m));
	sim_xenbus_step(&f->d);
	CU_ASSERT(!next_req(f, &m));
}

/* The guest's answers to the request text after a watch event: applied's
 * and reply's values, or "" for no answer. */
static void kv_ask_len(struct xb_fake *f, const char *tok, const char *text, size_t len,
		       char *applied, char *answer)
{
	struct msg m;
	applied[0] = answer[0] = '\0';
	watch_event(f, "data/kv/request", tok);
	expect(f, &m, XS_READ, "data/kv/request");
	if (!text) {
		reply(f, XS_ERROR, m.h.req_id, "ENOENT", 7, NULL, 0);
	} else if (len < 512) {
		reply(f, XS_READ, m.h.req_id, text, len, NULL, 0);
	} else { /* more than the ring holds: in pieces, as xenstored would */
		struct xsd_sockmsg h = { XS_READ, m.h.req_id, 0, (uint32_t)len };
		CU_ASSERT_FATAL(xb_fake_put(f, &h, sizeof(h)) == sizeof(h));
		for (size_t off = 0; off < len;) {
			off += xb_fake_put(f, text + off, len - off);
			sim_xenbus_step(&f->d);
		}
	}
	sim_xenbus_step(&f->d);
	if (!next_req(f, &m))
		return;
	CU_ASSERT_EQUAL(m.h.type, XS_WRITE);
	CU_ASSERT_STRING_EQUAL(m.body, "data/kv/applied");
	strcpy(applied, value_of(&m));
	reply(f, XS_WRITE, m.h.req_id, "OK", 3, NULL, 0);
	CU_ASSERT_FATAL(next_req(f, &m));
	CU_ASSERT_EQUAL(m.h.type, XS_WRITE);
	CU_ASSERT_STRING_EQUAL(m.body, "data/kv/reply");
	strcpy(answer, value_of(&m));
	reply(f, XS_WRITE, m.h.req_id, "OK", 3, NULL, 0);
	CU_ASSERT(!next_req(f, &m));
}

static void kv_ask(struct xb_fake *f, const char *tok, const char *text, char *applied,
		   char *answer)
{
	kv_ask_len(f, tok, text, text ? strlen(text) : 0, applied, answer);
}

/* Asks and checks the answer. */
#define KV(f, tok, text, want)                                 \
	do {                                                   \
		char a_[32], r_[512];                          \
		kv_ask(f, tok, text, a_, r_);                  \
		CU_ASSERT_STRING_EQUAL(r_, want);              \
	} while (0)

/* The value of key as the table in guest memory holds it (any slot), or
 * NULL: what a reader of the guest's ABI sees through a foreign mapping. */
static const char *table_value(struct xb_fake *f, const char *key, char *buf)
{
	const struct sim_kv *kv = sim_kv_state(&f->d);
	const uint8_t *t = f->d.mem.base + kv->table_pfn * SIM_PAGE_SIZE;
	for (uint64_t i = 0; i < kv->slots; i++) {
		const struct sim_kv_entry *e =
			(const void *)(t + (i / SIM_KV_PER_PAGE) * SIM_PAGE_SIZE +
				       (i % SIM_KV_PER_PAGE) * sizeof(*e));
		if (e->used && e->klen == strlen(key) && memcmp(e->key, key, e->klen) == 0) {
			memcpy(buf, e->value, e->vlen);
			buf[e->vlen] = '\0';
			return buf;
		}
	}
	return NULL;
}

static void test_kv_boot(void)
{
	struct xb_fake f;
	char tok[64];
	boot_kv(&f, tok);
	const struct sim_kv *kv = sim_kv_state(&f.d);
	CU_ASSERT_EQUAL(kv->magic, SIM_KV_MAGIC);
	CU_ASSERT_EQUAL(kv->table_pfn, f.g->data_pfn + 1);
	CU_ASSERT_EQUAL(kv->table_pages, (XB_FAKE_PAGES - kv->table_pfn) / 2);
	CU_ASSERT_EQUAL(kv->slots, kv->table_pages * SIM_KV_PER_PAGE);
	CU_ASSERT_EQUAL(sizeof(struct sim_kv_entry), 336);
	CU_ASSERT(sizeof(struct sim_kv) <= SIM_PAGE_SIZE);
	/* an absent or empty request node is no request */
	char a[32], r[512];
	kv_ask(&f, tok, NULL, a, r);
	CU_ASSERT_STRING_EQUAL(r, "");
	kv_ask(&f, tok, "", a, r);
	CU_ASSERT_STRING_EQUAL(r, "");
	CU_ASSERT_EQUAL(f.x->errors, 0);
	/* its store is part of the guest's own pages: the balloon keeps them */
	struct msg m;
	watch_event(&f, "memory/target", "xcd-sim:balloon");
	expect(&f, &m, XS_READ, "memory/target");
	reply(&f, XS_READ, m.h.req_id, "1", 1, NULL, 0);
	sim_xenbus_step(&f.d);
	CU_ASSERT_EQUAL(f.x->balloon_kb, (kv->table_pfn + kv->table_pages) * 4);
	xb_fake_free(&f);
}

static void test_kv_set_get_del(void)
{
	struct xb_fake f;
	char tok[64], a[32], r[512], buf[300];
	boot_kv(&f, tok);
	kv_ask(&f, tok, "1 set color blue", a, r);
	CU_ASSERT_STRING_EQUAL(r, "1 ok");
	CU_ASSERT_STRING_EQUAL(a, "1");
	KV(&f, tok, "2 get color", "2 ok blue");
	KV(&f, tok, "3 set color dark red", "3 ok"); /* a value may hold spaces */
	KV(&f, tok, "4 get color", "4 ok dark red");
	CU_ASSERT_STRING_EQUAL(table_value(&f, "color", buf), "dark red");
	KV(&f, tok, "5 set empty", "5 ok");
	KV(&f, tok, "6 get empty", "6 ok ");
	KV(&f, tok, "7 set n 1\n", "7 ok"); /* a trailing newline is not the value's */
	KV(&f, tok, "8 get n", "8 ok 1");
	const struct sim_kv *kv = sim_kv_state(&f.d);
	CU_ASSERT_EQUAL(kv->keys, 3);
	KV(&f, tok, "9 del color", "9 ok");
	CU_ASSERT_PTR_NULL(table_value(&f, "color", buf));
	KV(&f, tok, "10 get color", "10 error: no such key");
	KV(&f, tok, "11 del color", "11 error: no such key");
	kv_ask(&f, tok, "12 get n", a, r);
	CU_ASSERT_STRING_EQUAL(a, "5"); /* set, set, set, set, del */
	CU_ASSERT_EQUAL(kv->applied, 5);
	CU_ASSERT_EQUAL(kv->requests, 12);
	CU_ASSERT_EQUAL(kv->rejected, 2);
	CU_ASSERT_EQUAL(kv->keys, 2);
	CU_ASSERT_EQUAL(kv->last_seq, 12);
	CU_ASSERT_EQUAL(f.x->errors, 0);
	xb_fake_free(&f);
}

static void test_kv_duplicate_seq(void)
{
	struct xb_fake f;
	char tok[64], a[32], r[512], buf[300];
	boot_kv(&f, tok);
	KV(&f, tok, "10 set k v1", "10 ok");
	/* the same SEQ again, even with other text: answered, not applied */
	kv_ask(&f, tok, "10 set k v2", a, r);
	CU_ASSERT_STRING_EQUAL(r, "10 ok");
	CU_ASSERT_STRING_EQUAL(a, "1");
	CU_ASSERT_STRING_EQUAL(table_value(&f, "k", buf), "v1");
	KV(&f, tok, "10 set k v1", "10 ok"); /* a watch firing again */
	KV(&f, tok, "11 get k", "11 ok v1");
	KV(&f, tok, "11 get k", "11 ok v1");
	KV(&f, tok, "12 get nothing", "12 error: no such key");
	KV(&f, tok, "12 get nothing", "12 error: no such key");
	KV(&f, tok, "5 set k old", "5 error: stale request");
	CU_ASSERT_STRING_EQUAL(table_value(&f, "k", buf), "v1");
	KV(&f, tok, "12 get k", "12 error: no such key"); /* the last answer is kept */
	const struct sim_kv *kv = sim_kv_state(&f.d);
	CU_ASSERT_EQUAL(kv->applied, 1);
	CU_ASSERT_EQUAL(kv->requests, 3);
	CU_ASSERT_EQUAL(kv->replays, 5);
	xb_fake_free(&f);
}

static void test_kv_bounds(void)
{
	struct xb_fake f;
	char tok[64], a[32], r[512], req[400], want[400], buf[300];
	boot_kv(&f, tok);
	char key[70], val[260];
	memset(key, 'k', 64);
	key[64] = '\0';
	memset(val, 'v', 256);
	val[256] = '\0';
	snprintf(req, sizeof(req), "1 set %s %s", key, val);
	KV(&f, tok, req, "1 ok");
	snprintf(req, sizeof(req), "2 get %s", key);
	snprintf(want, sizeof(want), "2 ok %s", val);
	KV(&f, tok, req, want);
	CU_ASSERT_STRING_EQUAL(table_value(&f, key, buf), val);
	snprintf(req, sizeof(req), "3 set %sk %s", key, "x");
	KV(&f, tok, req, "3 error: key too long");
	snprintf(req, sizeof(req), "4 set k %sv", val);
	KV(&f, tok, req, "4 error: value too long");
	snprintf(req, sizeof(req), "5 get %sk", key);
	KV(&f, tok, req, "5 error: key too long");
	const char *bad[] = { "6 put k v", "7 get", "8 get ", "9 get k v", "10 del k v",
			      "11", "12 ", "13 set  k", "14 SET k v", "15 set k\tv",
			      "16 set k\x7f", "17 get k\x01" };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(want, sizeof(want), "%u error: bad request", 6 + i);
		KV(&f, tok, bad[i], want);
	}
	/* no SEQ: answered with 0, nothing else changes */
	const char *noseq[] = { "get k", "x1 get k", "0 get k", "-1 get k", "1x get k",
				"18446744073709551616 get k" };
	for (unsigned i = 0; i < sizeof(noseq) / sizeof(noseq[0]); i++)
		KV(&f, tok, noseq[i], "0 error: bad request");
	KV(&f, tok, "18446744073709551615 get k", "18446744073709551615 error: no such key");
	const struct sim_kv *kv = sim_kv_state(&f.d);
	CU_ASSERT_EQUAL(kv->last_seq, UINT64_MAX);
	CU_ASSERT_EQUAL(kv->applied, 1);
	/* a NUL in the value */
	xb_fake_free(&f);
	boot_kv(&f, tok);
	kv_ask_len(&f, tok, "1 set k a\0b", 11, a, r);
	CU_ASSERT_STRING_EQUAL(r, "1 error: bad request");
	/* a request larger than the guest's buffer: still answered by SEQ */
	static char big[3000];
	memset(big, 'v', sizeof(big));
	memcpy(big, "2 set k ", 8);
	kv_ask_len(&f, tok, big, sizeof(big), a, r);
	CU_ASSERT_STRING_EQUAL(r, "2 error: value too long");
	memset(big, 'k', sizeof(big));
	memcpy(big, "3 set ", 6);
	kv_ask_len(&f, tok, big, sizeof(big), a, r);
	CU_ASSERT_STRING_EQUAL(r, "3 error: key too long");
	KV(&f, tok, "4 set k v", "4 ok"); /* and the next one as usual */
	CU_ASSERT_EQUAL(f.x->errors, 0);
	xb_fake_free(&f);
}

static void test_kv_full(void)
{
	struct xb_fake f;
	char tok[64], req[64], want[64], a[32], r[512];
	boot_kv(&f, tok);
	const struct sim_kv *kv = sim_kv_state(&f.d);
	uint64_t seq = 1;
	for (unsigned i = 0; i < kv->capacity; i++) {
		snprintf(req, sizeof(req), "%llu set key%u %u", (unsigned long long)seq, i, i);
		snprintf(want, sizeof(want), "%llu ok", (unsigned long long)seq++);
		KV(&f, tok, req, want);
	}
	CU_ASSERT_EQUAL(kv->keys, 45);
	snprintf(req, sizeof(req), "%llu set one more", (unsigned long long)seq);
	snprintf(want, sizeof(want), "%llu error: table full", (unsigned long long)seq++);
	KV(&f, tok, req, want);
	snprintf(req, sizeof(req), "%llu set key7 seven", (unsigned long long)seq);
	snprintf(want, sizeof(want), "%llu ok", (unsigned long long)seq++);
	KV(&f, tok, req, want); /* overwriting takes no room */
	snprintf(req, sizeof(req), "%llu del key3", (unsigned long long)seq++);
	kv_ask(&f, tok, req, a, r);
	snprintf(req, sizeof(req), "%llu set one more", (unsigned long long)seq);
	snprintf(want, sizeof(want), "%llu ok", (unsigned long long)seq++);
	KV(&f, tok, req, want);
	CU_ASSERT_EQUAL(kv->keys, 45);
	CU_ASSERT_EQUAL(kv->applied, 48);
	xb_fake_free(&f);
}

/* Random set/get/del on few keys against a model: probing and moving
 * entries back on delete keep every key reachable. */
static void test_kv_model(void)
{
	struct xb_fake f;
	char tok[64], req[64], want[64], a[32], r[512];
	boot_kv(&f, tok);
	const struct sim_kv *kv = sim_kv_state(&f.d);
	enum { NKEYS = 60 };
	int model[NKEYS];
	for (int i = 0; i < NKEYS; i++)
		model[i] = -1;
	uint64_t rng = 42, applied = 0;
	unsigned keys = 0;
	for (unsigned seq = 1; seq <= 1500; seq++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		unsigned k = (unsigned)(rng % NKEYS), op = (unsigned)(rng >> 32) % 3;
		if (op == 0) {
			snprintf(req, sizeof(req), "%u set k%u %u", seq, k, seq);
			if (model[k] < 0 && keys == kv->capacity) {
				snprintf(want, sizeof(want), "%u error: table full", seq);
			} else {
				snprintf(want, sizeof(want), "%u ok", seq);
				keys += model[k] < 0;
				model[k] = (int)seq;
				applied++;
			}
		} else if (op == 1) {
			snprintf(req, sizeof(req), "%u get k%u", seq, k);
			if (model[k] < 0)
				snprintf(want, sizeof(want), "%u error: no such key", seq);
			else
				snprintf(want, sizeof(want), "%u ok %d", seq, model[k]);
		} else {
			snprintf(req, sizeof(req), "%u del k%u", seq, k);
			if (model[k] < 0) {
				snprintf(want, sizeof(want), "%u error: no such key", seq);
			} else {
				snprintf(want, sizeof(want), "%u ok", seq);
				model[k] = -1;
				keys--;
				applied++;
			}
		}
		kv_ask(&f, tok, req, a, r);
		if (strcmp(r, want) != 0) {
			CU_FAIL("answer differs from the model");
			printf("\n%s: got \"%s\", want \"%s\"\n", req, r, want);
			break;
		}
	}
	CU_ASSERT_EQUAL(kv->keys, keys);
	CU_ASSERT_EQUAL(kv->applied, applied);
	char buf[300], v[16];
	for (int k = 0; k < NKEYS; k++) {
		char key[16];
		snprintf(key, sizeof(key), "k%d", k);
		const char *got = table_value(&f, key, buf);
		if (model[k] < 0) {
			CU_ASSERT_PTR_NULL(got);
		} else {
			snprintf(v, sizeof(v), "%d", model[k]);
			CU_ASSERT(got && strcmp(got, v) == 0);
		}
	}
	xb_fake_free(&f);
}

/* An answer that finds the ring full waits in guest memory, and the next
 * request is read only once it is out. */
static void test_kv_ring_full(void)
{
	struct xb_fake f;
	char tok[64];
	boot_kv(&f, tok);
	struct msg m;
	watch_event(&f, "data/kv/request", tok);
	expect(&f, &m, XS_READ, "data/kv/request");
	reply(&f, XS_READ, m.h.req_id, "1 set a b", 9, NULL, 0);
	watch_event(&f, "data/kv/request", tok); /* the client's next one */
	f.ring->req_prod += XENSTORE_RING_SIZE - 20; /* as if xenstored stalled */
	sim_xenbus_step(&f.d);
	const struct sim_kv *kv = sim_kv_state(&f.d);
	CU_ASSERT_EQUAL(kv->applied, 1);
	CU_ASSERT_EQUAL(kv->out_pending, 1);
	CU_ASSERT_EQUAL(kv->request_pending, 1);
	CU_ASSERT_EQUAL(f.ring->req_prod - f.ring->req_cons, XENSTORE_RING_SIZE - 20);
	f.ring->req_cons = f.ring->req_prod; /* xenstored catches up */
	sim_xenbus_step(&f.d);
	CU_ASSERT_FATAL(next_req(&f, &m));
	CU_ASSERT_STRING_EQUAL(m.body, "data/kv/applied");
	CU_ASSERT_FATAL(next_req(&f, &m));
	CU_ASSERT_STRING_EQUAL(m.body, "data/kv/reply");
	CU_ASSERT_STRING_EQUAL(value_of(&m), "1 ok");
	CU_ASSERT_FATAL(next_req(&f, &m));
	CU_ASSERT_EQUAL(m.h.type, XS_READ);
	CU_ASSERT_STRING_EQUAL(m.body, "data/kv/request");
	xb_fake_free(&f);
}

/* Other programs neither watch nor answer data/kv/request. */
static void test_kv_only_sim_kv(void)
{
	struct xb_fake f;
	char ts[64], tt[64];
	boot(&f, ts, tt);
	struct msg m;
	watch_event(&f, "data/kv/request", "xcd-sim:kv");
	sim_xenbus_step(&f.d);
	CU_ASSERT(!next_req(&f, &m));
	xb_fake_free(&f);
}

static void test_corpus(void)
{
	const char *src = getenv("XCD_SRCDIR");
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/fuzz/sim/corpus", src ? src : ".");
	DIR *dh = opendir(dir);
	CU_ASSERT_FATAL(dh != NULL);
	unsigned n = 0;
	for (struct dirent *e; (e = readdir(dh));) {
		if (e->d_name[0] == '.')
			continue;
		char path[8192];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		FILE *fp = fopen(path, "rb");
		if (!fp)
			continue;
		static uint8_t buf[1 << 16];
		size_t len = fread(buf, 1, sizeof(buf), fp);
		fclose(fp);
		uint8_t *exact = malloc(len ? len : 1);
		memcpy(exact, buf, len);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
		n++;
	}
	closedir(dh);
	CU_ASSERT(n > 0);
}

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_pSuite s = CU_add_suite("sim-xenbus", NULL, NULL);
	CU_add_test(s, "boot: features and watches on the ring", test_boot);
	CU_add_test(s, "control/shutdown poweroff", test_poweroff);
	CU_add_test(s, "control/shutdown halt", test_halt);
	CU_add_test(s, "control/shutdown reboot", test_reboot);
	CU_add_test(s, "control/shutdown suspend", test_suspend);
	CU_add_test(s, "empty, absent, unknown control/shutdown", test_ignored_and_absent);
	CU_add_test(s, "memory/target balloons, bounded", test_balloon);
	CU_add_test(s, "an oversized message is dropped", test_oversized_dropped);
	CU_add_test(s, "vbd frontend handshake", test_vbd_handshake);
	CU_add_test(s, "sim:kv boot: capacity, watch, no request", test_kv_boot);
	CU_add_test(s, "sim:kv set, get, overwrite, del", test_kv_set_get_del);
	CU_add_test(s, "sim:kv a handled SEQ is answered again, not applied", test_kv_duplicate_seq);
	CU_add_test(s, "sim:kv too long, bad requests, no SEQ", test_kv_bounds);
	CU_add_test(s, "sim:kv table full", test_kv_full);
	CU_add_test(s, "sim:kv against a model", test_kv_model);
	CU_add_test(s, "sim:kv answer waits for ring room", test_kv_ring_full);
	CU_add_test(s, "only sim:kv serves data/kv", test_kv_only_sim_kv);
	CU_add_test(s, "fuzz corpus replays", test_corpus);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
