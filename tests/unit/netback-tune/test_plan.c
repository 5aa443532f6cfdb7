/* test_plan: the plan for each fixture host, item by item. */
#include "../../../netback-tune/plan.h"
#include "../../../lib/errmsg.h"
#include "../../lib/cunit_run.h"
#include "suites.h"
#include "util.h"
#include <CUnit/Basic.h>
#include <stdlib.h>
#include <string.h>

#define MQ "/sys/module/xen_netback/parameters/max_queues"

static int plan_of(const char *name, struct nt_host **h, struct tune_plan *plan)
{
	struct nt_policy p;
	tune_plan_init(plan);
	*h = fixture_host(name);
	if (!*h || fixture_policy(name, *h, &p))
		return -1;
	int rc = nt_plan(*h, &p, plan);
	CU_ASSERT_EQUAL(rc, 0);
	return rc;
}

static void test_two_gbe_24(void)
{
	struct nt_host *h;
	struct tune_plan p;
	if (plan_of("two-gbe-24", &h, &p))
		goto out;
	CU_ASSERT_EQUAL(tune_plan_count(&p, TUNE_CHANGE), 11);
	CU_ASSERT_EQUAL(tune_plan_count(&p, TUNE_WARNING), 1);
	/* In the order apply makes them. */
	static const char *const order[] = { "bond0", "bond0/mode", "bond0/xmit_hash_policy",
					     "bond0/miimon", "eth0/master", "eth1/master",
					     "bond0/master", "bond0/mtu", "vif7.0-q1",
					     "vif7.0-q2", "vif7.0-q3" };
	for (size_t i = 0; i < 11 && i < p.n; i++)
		u_str_eq(p.items[i].object, order[i], "order", __FILE__, __LINE__);
	EXPECT(&p, TUNE_CHANGE, "bond", "bond0", "", "bond", "2 NICs", "bond0 does not exist");
	EXPECT(&p, TUNE_CHANGE, "bond", "bond0/mode", "", "802.3ad", "2 NICs", "speaks LACP");
	EXPECT(&p, TUNE_CHANGE, "bond", "bond0/xmit_hash_policy", "", "layer3+4", "2 NICs", "layer3+4");
	EXPECT(&p, TUNE_CHANGE, "bond", "bond0/miimon", "", "100", "100 ms", NULL);
	EXPECT(&p, TUNE_CHANGE, "nic", "eth0/master", "xenbr0", "bond0", "2 NICs", "eth0 is in xenbr0");
	EXPECT(&p, TUNE_CHANGE, "nic", "eth1/master", "", "bond0", "2 NICs", NULL);
	EXPECT(&p, TUNE_CHANGE, "bond", "bond0/master", "", "xenbr0", "24 vifs", "24 vifs of 24 guests");
	EXPECT(&p, TUNE_CHANGE, "bond", "bond0/mtu", "", "1500", "1500 bytes", NULL);
	/* vif7.0's queues 1-3 leave CPU 0 for the least loaded CPUs. */
	EXPECT(&p, TUNE_CHANGE, "vif-queue", "vif7.0-q1", "guest-rx=0,dealloc=0,tx=0,rx=0", "2",
	       "4 queues on 1 CPU", "vif7.0 has 4 queues whose threads all run on CPU 0");
	EXPECT(&p, TUNE_CHANGE, "vif-queue", "vif7.0-q2", NULL, "3", "4 queues on 1 CPU", NULL);
	EXPECT(&p, TUNE_CHANGE, "vif-queue", "vif7.0-q3", NULL, "1", "4 queues on 1 CPU", NULL);
	CU_ASSERT_PTR_NULL(plan_find(&p, TUNE_CHANGE, "vif-queue", "vif7.0-q0"));
	/* max_queues 4 = 4 vCPUs: nothing to change. */
	CU_ASSERT_PTR_NULL(plan_find(&p, TUNE_CHANGE, "netback", MQ));
	EXPECT(&p, TUNE_WARNING, "bandwidth", "xenbr0", "", "", "83 Mbit/s",
	       "24 guests on 2×1 GbE: 83 Mbit/s each, below the policy's 200");
	for (size_t i = 0; i < p.n; i++)
		CU_ASSERT(!p.items[i].risky && !p.items[i].on_reload);
out:
	tune_plan_free(&p);
	nt_host_free(h);
}

static void test_four_tengbe_80(void)
{
	struct nt_host *h;
	struct tune_plan p;
	if (plan_of("four-tengbe-80", &h, &p))
		goto out;
	CU_ASSERT_EQUAL(tune_plan_count(&p, TUNE_CHANGE), 5);
	CU_ASSERT_EQUAL(tune_plan_count(&p, TUNE_WARNING), 2);
	EXPECT(&p, TUNE_CHANGE, "bond", "bond0/mode", "active-backup", "802.3ad", "2 NICs", NULL);
	EXPECT(&p, TUNE_CHANGE, "bond", "bond0/xmit_hash_policy", "", "layer3+4", "2 NICs", NULL);
	EXPECT(&p, TUNE_CHANGE, "bond", "bond0/miimon", "0", "100", "100 ms", "MII monitoring is off");
	/* 16 vCPUs, 8 on node 0 near the NICs: auto wants 8; writable at run time. */
	EXPECT(&p, TUNE_CHANGE, "netback", MQ, "16", "8", "16 vCPUs", "node 0");
	const struct tune_item *mq = plan_find(&p, TUNE_CHANGE, "netback", MQ);
	CU_ASSERT(mq && !mq->on_reload);
	EXPECT(&p, TUNE_CHANGE, "vif-queue", "vif5.0-q0", "guest-rx=9,dealloc=9,tx=9,rx=9", "2",
	       "2 queues on 2 CPUs", "runs on CPU 9, away from its NIC's node");
	EXPECT(&p, TUNE_WARNING, "bond", "bond1", "", "", "1 of 2 members up",
	       "member eth3 is down (link failures: 2)");
	EXPECT(&p, TUNE_WARNING, "bandwidth", "xenbr1", "", "", "250 Mbit/s",
	       "40 guests on 1×10 GbE: 250 Mbit/s each, below the policy's 300");
	/* xenbr0 once 802.3ad: 2x10 GbE for 40 guests, 500 each: no warning. */
	CU_ASSERT_PTR_NULL(plan_find(&p, TUNE_WARNING, "bandwidth", "xenbr0"));
out:
	tune_plan_free(&p);
	nt_host_free(h);
}

static void test_idle(void)
{
	struct nt_host *h;
	struct tune_plan p;
	if (plan_of("idle", &h, &p) == 0) {
		CU_ASSERT_EQUAL(p.n, 0);
		char *text;
		CU_ASSERT_EQUAL(tune_plan_text(&p, &text), 0);
		u_str_eq(text, "Nothing to change.\n", "idle", __FILE__, __LINE__);
		free(text);
	}
	tune_plan_free(&p);
	nt_host_free(h);
}

static void test_edge(void)
{
	/* One member; module not loaded (on_reload); a policy queue count. */
	struct nt_host *h = fixture_host("idle");
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	h->netback_loaded = false;
	const char *t = "bond = [ \"name=bond0,nics=eth0,lacp=yes,bridge=xenbr0\" ]\nnet_queues = 4\n";
	struct nt_policy pol;
	char err[XCD_ERR_MAX];
	CU_ASSERT_EQUAL_FATAL(nt_policy_parse("io.conf", t, strlen(t), h, &pol, err, sizeof(err)), 0);
	struct tune_plan p;
	tune_plan_init(&p);
	CU_ASSERT_EQUAL_FATAL(nt_plan(h, &pol, &p), 0);
	EXPECT(&p, TUNE_CHANGE, "nic", "eth1/master", "bond0", "", "", "does not list it");
	EXPECT(&p, TUNE_CHANGE, "netback", MQ, "", "4", "2 vCPUs", "not loaded");
	const struct tune_item *mq = plan_find(&p, TUNE_CHANGE, "netback", MQ);
	CU_ASSERT(mq && mq->on_reload);
	EXPECT(&p, TUNE_WARNING, "bond", "bond0", "", "", "1 member", "no redundancy");
	tune_plan_free(&p);
	nt_host_free(h);
}

void register_plan(void)
{
	CU_pSuite s = CU_add_suite("plan", NULL, NULL);
	CU_add_test(s, "2x1 GbE, 24 guests: bond, vif7.0's queues, 83 Mbit/s", test_two_gbe_24);
	CU_add_test(s, "4x10 GbE, two bonds, 80 vifs", test_four_tengbe_80);
	CU_add_test(s, "a host with nothing to do", test_idle);
	CU_add_test(s, "one member, module not loaded, a member to release", test_edge);
}
