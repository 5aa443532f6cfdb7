/* test_verify: each fixture host against its policy. */
#include "../../../netback-tune/plan.h"
#include "../../../netback-tune/verify.h"
#include "../../lib/cunit_run.h"
#include "suites.h"
#include "util.h"
#include <CUnit/Basic.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

static const struct nt_check *find(const struct nt_verify *v, const char *object,
				   const char *detail_part)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->c[i].object, object) && strstr(v->c[i].detail, detail_part))
			return &v->c[i];
	fprintf(stderr, "\nno check of %s with \"%s\"\n", object, detail_part);
	return NULL;
}

#define CHECKED(v, obj, part, pass_, fig)                                            \
	do {                                                                          \
		const struct nt_check *c_ = find(v, obj, part);                       \
		CU_ASSERT_FATAL(c_ != NULL);                                          \
		CU_ASSERT_EQUAL(c_->pass, pass_);                                     \
		u_str_eq(c_->figure, fig, obj, __FILE__, __LINE__);                   \
	} while (0)

static int verify_of(const char *name, struct nt_host **h, struct nt_policy *p,
		     struct nt_verify *v)
{
	memset(v, 0, sizeof(*v));
	*h = fixture_host(name);
	if (!*h || fixture_policy(name, *h, p))
		return -1;
	int rc = nt_verify(*h, p, NULL, v);
	CU_ASSERT_EQUAL(rc, 0);
	return rc;
}

static void test_four_tengbe_80(void)
{
	struct nt_host *h;
	struct nt_policy p;
	struct nt_verify v;
	if (verify_of("four-tengbe-80", &h, &p, &v) == 0) {
		CHECKED(&v, "bond0", "mode active-backup, the policy wants 802.3ad", false, "active-backup");
		CHECKED(&v, "bond0", "MII monitoring every 0 ms", false, "0 ms");
		CHECKED(&v, "bond0", "every member up", true, "2 of 2 members up");
		CHECKED(&v, "bond1", "mode 802.3ad", true, "802.3ad");
		CHECKED(&v, "bond1", "eth3 down (link failures: 2)", false, "1 of 2 members up");
		CHECKED(&v, "bond1", "the switch answers LACP", true, "00:1b:21:aa:bb:cc");
		CHECKED(&v, "xenbr0", "40 guests on 2×10 GbE in active-backup (one link at a time): 250 Mbit/s each", false, "250 Mbit/s");
		CHECKED(&v, "xenbr1", "40 guests on 1×10 GbE: 250 Mbit/s each", false, "250 Mbit/s");
		CHECKED(&v, "/sys/module/xen_netback/parameters/max_queues", "is 16, the plan wants 8", false, "16 vCPUs");
		CHECKED(&v, "vif5.0", "1 queue not on the planned CPUs", false, "0 of 1 queues placed");
		CU_ASSERT_EQUAL(v.n_fail, 9);
		char *text;
		CU_ASSERT_EQUAL(nt_verify_text(&v, &text), 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(text, "FAIL bond bond1: eth3 down (link failures: 2) (1 of 2 members up)\n"));
		CU_ASSERT_PTR_NOT_NULL(strstr(text, "9 failed\n"));
		free(text);
	}
	nt_verify_free(&v);
	nt_host_free(h);
}

static void test_idle(void)
{
	struct nt_host *h;
	struct nt_policy p;
	struct nt_verify v;
	if (verify_of("idle", &h, &p, &v) == 0) {
		CU_ASSERT_EQUAL(v.n_fail, 0);
		CU_ASSERT_EQUAL(v.n, 9);
		CHECKED(&v, "xenbr0", "2 guests on 2×10 GbE: 10000 Mbit/s each", true, "10000 Mbit/s");
		CHECKED(&v, "bond0", "MTU 1500", true, "1500 bytes");
		yajl_gen g = yajl_gen_alloc(NULL);
		CU_ASSERT_EQUAL(nt_verify_json(g, &v), 0);
		const unsigned char *buf;
		size_t len;
		yajl_gen_get_buf(g, &buf, &len);
		char *s = strndup((const char *)buf, len);
		yajl_val t = yajl_tree_parse(s, NULL, 0);
		const char *pp[] = { "pass", NULL }, *pc[] = { "checks", NULL };
		CU_ASSERT(t && YAJL_IS_TRUE(yajl_tree_get(t, pp, yajl_t_any)));
		yajl_val c = yajl_tree_get(t, pc, yajl_t_array);
		CU_ASSERT(c && c->u.array.len == 9);
		yajl_tree_free(t);
		free(s);
		yajl_gen_free(g);
	}
	nt_verify_free(&v);
	nt_host_free(h);
}

static void test_against_applied_plan(void)
{
	/* The 24-guest host checked against its own plan, as after an apply
	 * that did nothing: every change still pending fails, by name. */
	struct nt_host *h = fixture_host("two-gbe-24");
	struct nt_policy p;
	CU_ASSERT_FATAL(h && fixture_policy("two-gbe-24", h, &p) == 0);
	struct tune_plan plan;
	tune_plan_init(&plan);
	CU_ASSERT_EQUAL_FATAL(nt_plan(h, &p, &plan), 0);
	struct nt_verify v;
	CU_ASSERT_EQUAL_FATAL(nt_verify(h, &p, &plan, &v), 0);
	CHECKED(&v, "bond0", "does not exist", false, "0 members");
	CHECKED(&v, "eth0/master", "eth0/master is xenbr0, the plan wants bond0", false, "2 NICs");
	CHECKED(&v, "vif7.0", "3 queues not on the planned CPUs", false, "0 of 3 queues placed");
	CHECKED(&v, "xenbr0", "24 guests on 1×1 GbE: 41 Mbit/s each", false, "41 Mbit/s");
	nt_verify_free(&v);
	tune_plan_free(&plan);
	nt_host_free(h);
}

/* The text and JSON of V, one string (malloc'd). */
static char *verify_out(const struct nt_verify *v)
{
	char *text = NULL, *all = NULL;
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;
	if (g && nt_verify_json(g, v) == 0 && nt_verify_text(v, &text) == 0 &&
	    yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok &&
	    asprintf(&all, "%.*s\n%s", (int)len, (const char *)buf, text) < 0)
		all = NULL;
	free(text);
	if (g)
		yajl_gen_free(g);
	return all;
}

static void test_verify_now_same(void)
{
	/* A round that plans, then verifies with the plan it made (as
	 * bench/io-plan does) says what nt_verify says, which plans again:
	 * with no applied plan and with that plan applied. */
	static const char *const names[] = { "two-gbe-24", "four-tengbe-80", "idle" };
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		struct nt_host *h = fixture_host(names[i]);
		struct nt_policy p;
		CU_ASSERT_FATAL(h && fixture_policy(names[i], h, &p) == 0);
		struct tune_plan plan;
		tune_plan_init(&plan);
		CU_ASSERT_EQUAL_FATAL(nt_plan(h, &p, &plan), 0);
		for (int applied = 0; applied < 2; applied++) {
			const struct tune_plan *ap = applied ? &plan : NULL;
			struct nt_verify a, b;
			CU_ASSERT_EQUAL_FATAL(nt_verify(h, &p, ap, &a), 0);
			CU_ASSERT_EQUAL_FATAL(nt_verify_now(h, &p, ap, &plan, &b), 0);
			char *sa = verify_out(&a), *sb = verify_out(&b);
			CU_ASSERT_FATAL(sa && sb);
			u_str_eq(sb, sa, names[i], __FILE__, __LINE__);
			CU_ASSERT(a.n > 0);
			free(sa);
			free(sb);
			nt_verify_free(&a);
			nt_verify_free(&b);
		}
		tune_plan_free(&plan);
		nt_host_free(h);
	}
}

static void test_unknown_speed(void)
{
	/* eth0, up in xenbr0, reports no speed (virtio-net, the lab's NICs:
	 * speed -1): it is a link up of unknown speed, not "no link up". */
	struct nt_host *h = fixture_host("two-gbe-24");
	struct nt_policy p;
	CU_ASSERT_FATAL(h && fixture_policy("two-gbe-24", h, &p) == 0);
	((struct nt_nic *)nt_host_nic(h, "eth0"))->speed_mbit = -1;
	struct tune_plan plan;
	tune_plan_init(&plan);
	CU_ASSERT_EQUAL_FATAL(nt_plan(h, &p, &plan), 0);
	/* The planned bond: eth0 of unknown speed and eth1 at 1 GbE. */
	EXPECT(&plan, TUNE_WARNING, "bandwidth", "xenbr0", "", "", "unknown",
	       "1 of its links report no speed, so the policy's 200 Mbit/s each cannot be checked");
	struct nt_verify v;
	CU_ASSERT_EQUAL_FATAL(nt_verify(h, &p, NULL, &v), 0);
	CHECKED(&v, "xenbr0", "24 guests on 1×unknown speed: speed unknown (the policy: 200)", false,
		"unknown");
	nt_verify_free(&v);
	p.guest_mbit = 0; /* no figure to meet: the links are up, which passes */
	CU_ASSERT_EQUAL_FATAL(nt_verify(h, &p, NULL, &v), 0);
	CHECKED(&v, "xenbr0", "24 guests on 1×unknown speed", true, "unknown");
	nt_verify_free(&v);
	tune_plan_free(&plan);
	nt_host_free(h);
}

void register_verify(void)
{
	CU_pSuite s = CU_add_suite("verify", NULL, NULL);
	CU_add_test(s, "4x10 GbE: bonds, member down, bandwidth, queues", test_four_tengbe_80);
	CU_add_test(s, "a host with nothing to do passes, text and JSON", test_idle);
	CU_add_test(s, "against an applied plan", test_against_applied_plan);
	CU_add_test(s, "links up that report no speed", test_unknown_speed);
	CU_add_test(s, "verify with the round's plan says what verify alone says",
		    test_verify_now_same);
}
