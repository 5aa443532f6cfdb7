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

static void test_poweroff(void) { shutdown_by("poweroff", HV_SHUTDOWN_POWEROFF); }
static void test_halt(void) { shutdown_by("halt", HV_SHUTDOWN_POWEROFF); }
static void test_reboot(void) { shutdown_by("reboot", HV_SHUTDOWN_REBOOT); }
static void test_suspend(void) { shutdown_by("suspend", HV_SHUTDOWN_SUSPEND); }

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
	CU_add_test(s, "fuzz corpus replays", test_corpus);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
