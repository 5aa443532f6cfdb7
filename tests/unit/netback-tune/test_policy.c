/* test_policy: io.conf's net keys, good and bad, against a fixture host. */
#include "../../../lib/tuneplan.h"
#include "../../../lib/errmsg.h"
#include "../../../netback-tune/plan.h"
#include "../../../netback-tune/policy.h"
#include "../../lib/cunit_run.h"
#include "suites.h"
#include "util.h"
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct nt_host *host;
static int setup(void)
{
	char err[XCD_ERR_MAX];
	return nt_host_read(NT_FIXTURES "/two-gbe-24", &host, err, sizeof(err)) ? 1 : 0;
}
static int teardown(void)
{
	nt_host_free(host);
	return 0;
}

static void test_good(void)
{
	struct nt_policy p;
	CU_ASSERT_EQUAL_FATAL(fixture_policy("two-gbe-24", host, &p), 0);
	u_str_eq(p.management_nic, "eno1", "management_nic", __FILE__, __LINE__);
	CU_ASSERT_EQUAL_FATAL(p.n_bonds, 1);
	const struct nt_bond_policy *b = &p.bonds[0];
	u_str_eq(b->name, "bond0", "name", __FILE__, __LINE__);
	CU_ASSERT_EQUAL(b->n_nics, 2);
	CU_ASSERT(b->lacp);
	CU_ASSERT_EQUAL(b->mode, NT_BOND_8023AD);
	u_str_eq(b->hash_policy, "layer3+4", "hash", __FILE__, __LINE__);
	u_str_eq(b->bridge, "xenbr0", "bridge", __FILE__, __LINE__);
	CU_ASSERT_EQUAL(b->mtu, 1500);
	CU_ASSERT_EQUAL(b->miimon_ms, 100);
	CU_ASSERT(!b->over_management);
	CU_ASSERT_EQUAL(p.guest_mbit, 200);
	CU_ASSERT_EQUAL(p.queues, 0);
	/* lacp=no: active-backup, or balance-alb with alb=yes */
	const char *t = "bond = [ \"name=bond0,nics=eth0+eth1,lacp=no\", \"name=bond1,nics=eno1,lacp=no,alb=yes\" ]\nnet_queues = 3\n";
	char err[XCD_ERR_MAX];
	CU_ASSERT_EQUAL_FATAL(nt_policy_parse("io.conf", t, strlen(t), host, &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(p.bonds[0].mode, NT_BOND_ACTIVE_BACKUP);
	u_str_eq(p.bonds[0].hash_policy, "", "no hash", __FILE__, __LINE__);
	CU_ASSERT_EQUAL(p.bonds[1].mode, NT_BOND_BALANCE_ALB);
	CU_ASSERT_EQUAL(p.queues, 3);
}

static void bad(const char *text, const char *want, unsigned line)
{
	struct nt_policy p;
	char err[XCD_ERR_MAX] = "";
	CU_ASSERT_EQUAL(nt_policy_parse("io.conf", text, strlen(text), host, &p, err, sizeof(err)),
			-EINVAL);
	u_str_eq(err, want, text, __FILE__, line);
}

static void test_bad(void)
{
	bad("bond = [ \"name=bond0,nics=eth0+eth9,lacp=yes\" ]\n",
	    "io.conf:1:32: bond: NIC eth9 does not exist on this host", __LINE__);
	bad("\nbond = [ \"name=bond0,nics=eth0,lacp=yes,mode=round-robin\" ]\n",
	    "io.conf:2:41: bond: unknown mode 'round-robin' (802.3ad, active-backup, balance-alb, balance-tlb)", __LINE__);
	bad("bond = [ \"name=bond0,nics=eth0,lacp=yes,mode=active-backup\" ]\n",
	    "io.conf:1:41: bond bond0: lacp=yes with mode active-backup: only 802.3ad uses LACP", __LINE__);
	bad("bond = [ \"name=bond0,nics=eth0,lacp=no,mode=802.3ad\" ]\n",
	    "io.conf:1:40: bond bond0: mode 802.3ad needs a switch that speaks LACP, and lacp=no says it does not", __LINE__);
	bad("bond = [ \"name=bond0,nics=eth0,lacp=no,mode=balance-rr\" ]\n",
	    "io.conf:1:40: bond: mode balance-rr needs a static link aggregation on the switch, which io.conf cannot check: use 802.3ad with lacp=yes, or active-backup", __LINE__);
	bad("bond = [ \"name=bond0,nics=eth0\" ]\n",
	    "io.conf:1:10: bond bond0: lacp=yes or lacp=no is needed: whether the switch speaks LACP decides the mode", __LINE__);
	bad("bond = [ \"name=bond0,nics=eth0,lacp=maybe\" ]\n",
	    "io.conf:1:32: bond: lacp is yes or no, not 'maybe'", __LINE__);
	bad("bond = [ \"name=bond0,nics=eth0,lacp=no,speed=10\" ]\n",
	    "io.conf:1:40: bond: unknown key 'speed' (name, nics, lacp, alb, mode, bridge, mtu, miimon)", __LINE__);
	bad("bond = [ \"name=bond0,nics=eth0,lacp=no,bridge=xenbr9\" ]\n",
	    "io.conf:1:40: bond: bridge xenbr9 does not exist on this host", __LINE__);
	bad("bond = [ \"name=bond0,nics=xenbr0,lacp=no\" ]\n",
	    "io.conf:1:27: bond: xenbr0 is a bridge, not a physical NIC", __LINE__);
	bad("bond = [ \"name=bond0,nics=eth0,lacp=no\", \"name=bond1,nics=eth0,lacp=no\" ]\n",
	    "io.conf:1:42: bond bond1: eth0 is already in bond bond0", __LINE__);
	bad("bond = [ \"name=bond0,nics=eth0,lacp=no,mtu=20\" ]\n",
	    "io.conf:1:40: bond: mtu is a number from 68 to 65535, not '20'", __LINE__);
	bad("net_guest_mbits = 200\n",
	    "io.conf:1:1: unknown key net_guest_mbits (the net keys: management_nic, bond, net_guest_mbit, net_queues)", __LINE__);
	bad("net_queues = \"many\"\n",
	    "io.conf:1:14: net_queues: \"auto\" or a number from 1 to 1024 expected", __LINE__);
	bad("management_nic = \"eno9\"\n",
	    "io.conf:1:18: management_nic: NIC eno9 does not exist on this host", __LINE__);
	bad("bond = \"name=bond0\"\n",
	    "io.conf:1:8: bond: a list [ \"name=...,nics=...\", ... ] expected", __LINE__);
	bad("net_guest_mbit = 200 200\n", "io.conf:1:22: expected a new line or ';' after the value of 'net_guest_mbit', found the number 200", __LINE__);
	/* Storage keys and unknown keys of no tuner are not netback-tune's. */
	struct nt_policy p;
	char err[XCD_ERR_MAX];
	const char *t = "storage_paths = 2\nlun = [ \"wwid=1\" ]\n";
	CU_ASSERT_EQUAL(nt_policy_parse("io.conf", t, strlen(t), host, &p, err, sizeof(err)), 0);
}

static void test_management(void)
{
	/* A bond over the management NIC is allowed; its changes are risky. */
	const char *t = "management_nic = \"eno1\"\nbond = [ \"name=bond0,nics=eno1+eth1,lacp=no\" ]\n";
	struct nt_policy p;
	char err[XCD_ERR_MAX];
	CU_ASSERT_EQUAL_FATAL(nt_policy_parse("io.conf", t, strlen(t), host, &p, err, sizeof(err)), 0);
	CU_ASSERT(p.bonds[0].over_management);
	struct tune_plan plan;
	tune_plan_init(&plan);
	CU_ASSERT_EQUAL_FATAL(nt_plan(host, &p, &plan), 0);
	const struct tune_item *it = plan_find(&plan, TUNE_CHANGE, "nic", "eno1/master");
	CU_ASSERT_FATAL(it != NULL);
	CU_ASSERT(it->risky);
	it = plan_find(&plan, TUNE_CHANGE, "bond", "bond0");
	CU_ASSERT(it && it->risky);
	it = plan_find(&plan, TUNE_CHANGE, "vif-queue", "vif7.0-q1");
	CU_ASSERT(it && !it->risky);
	tune_plan_free(&plan);
}

void register_policy(void)
{
	CU_pSuite s = CU_add_suite("policy", setup, teardown);
	CU_add_test(s, "the net keys of a good io.conf", test_good);
	CU_add_test(s, "bad policies: FILE:LINE:COLUMN and what", test_bad);
	CU_add_test(s, "a bond over management_nic: risky", test_management);
}
