/* test_parsers: CPU lists, /proc/net/bonding and /proc/interrupts. */
#include "../../../netback-tune/bonding.h"
#include "../../../lib/cpuset.h"
#include "../../../lib/errmsg.h"
#include "../../../netback-tune/interrupts.h"
#include "../../lib/cunit_run.h"
#include "suites.h"
#include "util.h"
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void test_cpulist(void)
{
	struct cpuset c;
	char buf[64];
	CU_ASSERT_EQUAL(cpuset_parse("0-3,8,10-11\n", &c), 0);
	CU_ASSERT_EQUAL(cpuset_count(&c), 7);
	CU_ASSERT(cpuset_has(&c, 8) && !cpuset_has(&c, 9));
	CU_ASSERT_EQUAL(cpuset_format(&c, buf, sizeof(buf)), 0);
	u_str_eq(buf, "0-3,8,10-11", "format", __FILE__, __LINE__);
	CU_ASSERT_EQUAL(cpuset_nth(&c, 4), 8);
	CU_ASSERT_EQUAL(cpuset_nth(&c, 7), -1);
	CU_ASSERT_EQUAL(cpuset_parse("", &c), 0);
	CU_ASSERT_EQUAL(cpuset_count(&c), 0);
	CU_ASSERT_EQUAL(cpuset_parse("1023", &c), 0);
	CU_ASSERT_EQUAL(cpuset_single(&c), 1023);
	const char *bad[] = { "4096", "3-1", "0,", ",0", "0 ,1", "+1", "01", "0-", "-1", "0\n\n",
			      "a", "0-3x", NULL };
	for (int i = 0; bad[i]; i++)
		if (cpuset_parse(bad[i], &c) != -EINVAL) {
			fprintf(stderr, "\naccepted CPU list '%s'\n", bad[i]);
			CU_FAIL("bad CPU list accepted");
		}
}

static void test_bonding_fixture(void)
{
	size_t len;
	char *t = fixture_file("four-tengbe-80/proc/net/bonding/bond1", &len), err[XCD_ERR_MAX];
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	struct nt_bond_info b;
	CU_ASSERT_EQUAL_FATAL(nt_bonding_parse(t, len, &b, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(b.mode, NT_BOND_8023AD);
	u_str_eq(b.hash_policy, "layer3+4", "hash", __FILE__, __LINE__);
	CU_ASSERT(b.mii_up && b.lacp);
	CU_ASSERT_EQUAL(b.miimon_ms, 100);
	CU_ASSERT_EQUAL(b.active_aggregator, 1);
	u_str_eq(b.partner_mac, "00:1b:21:aa:bb:cc", "partner", __FILE__, __LINE__);
	CU_ASSERT_EQUAL_FATAL(b.n_slaves, 2);
	u_str_eq(b.slaves[0].name, "eth2", "slave 0", __FILE__, __LINE__);
	CU_ASSERT(b.slaves[0].mii_up);
	CU_ASSERT_EQUAL(b.slaves[0].speed_mbit, 10000);
	u_str_eq(b.slaves[0].partner_mac, "00:1b:21:aa:bb:cc", "slave partner", __FILE__, __LINE__);
	CU_ASSERT(!b.slaves[1].mii_up);
	CU_ASSERT_EQUAL(b.slaves[1].speed_mbit, -1);
	CU_ASSERT_EQUAL(b.slaves[1].link_failures, 2);
	nt_bond_info_free(&b);
	free(t);
	t = fixture_file("four-tengbe-80/proc/net/bonding/bond0", &len);
	CU_ASSERT_EQUAL_FATAL(nt_bonding_parse(t, len, &b, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(b.mode, NT_BOND_ACTIVE_BACKUP);
	u_str_eq(b.hash_policy, "", "no hash in active-backup", __FILE__, __LINE__);
	u_str_eq(b.active_slave, "eth0", "active", __FILE__, __LINE__);
	CU_ASSERT_EQUAL(b.miimon_ms, 0);
	CU_ASSERT(!b.lacp);
	nt_bond_info_free(&b);
	free(t);
}

static void bond_bad(const char *text, const char *want, unsigned line)
{
	struct nt_bond_info b;
	char err[XCD_ERR_MAX] = "";
	int rc = nt_bonding_parse(text, strlen(text), &b, err, sizeof(err));
	CU_ASSERT(rc < 0);
	CU_ASSERT_EQUAL(b.n_slaves, 0);
	u_str_eq(err, want, "bonding error", __FILE__, line);
}

static void test_bonding_bad(void)
{
	bond_bad("MII Status: up\n", "line 1: no bonding mode: not a bonding report", __LINE__);
	bond_bad("Bonding Mode: round and round\n", "line 1: an unknown bonding mode", __LINE__);
	bond_bad("Slave Interface: eth0\n", "line 1: a member before the bonding mode", __LINE__);
	bond_bad("Bonding Mode: adaptive load balancing\nSlave Interface: eth0/..\n",
		 "line 2: a member name that is not an interface name", __LINE__);
	bond_bad("Bonding Mode: adaptive load balancing\nSlave Interface: eth0\nSpeed: 10 Gbps\n",
		 "line 3: a bad member speed", __LINE__);
	bond_bad("Bonding Mode: adaptive load balancing\nSlave Interface: eth0\nSlave Interface: eth0\n",
		 "line 3: a member listed twice", __LINE__);
	bond_bad("Bonding Mode: adaptive load balancing\nMII Polling Interval (ms): -1\n",
		 "line 2: a bad MII polling interval", __LINE__);
	bond_bad("Bonding Mode: adaptive load balancing\nMII Status: sideways\n",
		 "line 2: MII status neither up nor down", __LINE__);
	char *big = malloc(8192);
	memset(big, 'x', 8191);
	big[8191] = '\0';
	bond_bad(big, "line 1: line too long", __LINE__);
	/* 65 members */
	char *many = malloc(65 * 32 + 64), *p = many;
	p += sprintf(p, "Bonding Mode: transmit load balancing\n");
	for (int i = 0; i < 65; i++)
		p += sprintf(p, "Slave Interface: eth%d\n", i);
	bond_bad(many, "line 66: more than 64 members", __LINE__);
	free(many);
	free(big);
	/* Lines it does not know are skipped. */
	struct nt_bond_info b;
	char err[XCD_ERR_MAX];
	const char *ok = "Bonding Mode: fault-tolerance (active-backup)\nSome New Line: 7\nMII Status: up\n";
	CU_ASSERT_EQUAL(nt_bonding_parse(ok, strlen(ok), &b, err, sizeof(err)), 0);
	nt_bond_info_free(&b);
}

static void test_interrupts(void)
{
	const char *t = "           CPU0       CPU2\n"
			"  40:       10          5  xen-dyn    -edge      vif3.0-q0-tx\n"
			"  41:        0          7  xen-dyn    -edge      eth0-TxRx-1\n"
			"  50:        1          1  xen-pirq   -level     i8042\n"
			"NMI:          0          0   Non-maskable interrupts\n"
			"ERR:          0\n";
	struct nt_interrupts ir;
	char err[XCD_ERR_MAX];
	CU_ASSERT_EQUAL_FATAL(nt_interrupts_parse(t, strlen(t), &ir, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ir.ncpus, 2);
	CU_ASSERT_EQUAL(ir.cpu_ids[1], 2);
	CU_ASSERT_EQUAL_FATAL(ir.n, 3);
	CU_ASSERT_EQUAL(ir.irqs[0].irq, 40);
	u_str_eq(ir.irqs[0].name, "vif3.0-q0-tx", "name", __FILE__, __LINE__);
	CU_ASSERT_EQUAL(ir.irqs[0].counts[1], 5);
	CU_ASSERT_EQUAL(ir.irqs[0].total, 15);
	u_str_eq(ir.irqs[1].name, "eth0-TxRx-1", "name", __FILE__, __LINE__);
	nt_interrupts_free(&ir);
	struct {
		const char *text, *err;
	} bad[] = {
		{ "", "line 0: empty" },
		{ "  40: 1\n", "line 1: a header of CPU columns (CPU0 CPU1 ...) expected" },
		{ "  CPU1 CPU0\n", "line 1: a header of CPU columns (CPU0 CPU1 ...) expected" },
		{ " CPU0\n 40: x y\n", "line 2: a count per CPU expected" },
		{ " CPU0\n 40: 1 a\n 39: 1 b\n", "line 3: IRQ numbers out of order" },
		{ " CPU0\n 40 1 a\n", "line 2: an IRQ number and ':' expected" },
		{ " CPU0\n 99999999: 1 a\n", "line 2: an IRQ number too large" },
		{ " CPU0\n 40: 99999999999999999999 a\n", "line 2: a count per CPU expected" },
		{ " CPU0\n 1: 1 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
		  "line 2: a handler name longer than 63 bytes" },
		{ " CPU4096\n", "line 1: a header of CPU columns (CPU0 CPU1 ...) expected" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		err[0] = '\0';
		CU_ASSERT(nt_interrupts_parse(bad[i].text, strlen(bad[i].text), &ir, err, sizeof(err)) < 0);
		u_str_eq(err, bad[i].err, bad[i].text, __FILE__, __LINE__);
	}
	size_t len;
	char *f = fixture_file("four-tengbe-80/proc/interrupts", &len);
	CU_ASSERT_EQUAL_FATAL(nt_interrupts_parse(f, len, &ir, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ir.ncpus, 16);
	/* eno1: 1, eth0-3: 4 each, 80 vifs x 2 queues x 2 */
	CU_ASSERT_EQUAL(ir.n, 1 + 16 + 320);
	nt_interrupts_free(&ir);
	free(f);
}

void register_parsers(void)
{
	CU_pSuite s = CU_add_suite("parsers", NULL, NULL);
	CU_add_test(s, "CPU lists: good and bad", test_cpulist);
	CU_add_test(s, "bonding: 802.3ad and active-backup fixtures", test_bonding_fixture);
	CU_add_test(s, "bonding: bad reports, bounds", test_bonding_bad);
	CU_add_test(s, "interrupts: columns, names, bad input", test_interrupts);
}
