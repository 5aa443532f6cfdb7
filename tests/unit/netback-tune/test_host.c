/* test_host: reading a fixture host, and show's JSON and text. */
#include "../../../netback-tune/show.h"
#include "../../../lib/errmsg.h"
#include "../../../lib/tuneapply.h"
#include "../../../netback-tune/apply.h"
#include "../../../netback-tune/plan.h"
#include "../../lib/cunit_run.h"
#include "suites.h"
#include "util.h"
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

static void test_two_gbe(void)
{
	struct nt_host *h = fixture_host("two-gbe-24");
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(h->n_notes, 0);
	const struct nt_nic *e0 = nt_host_nic(h, "eth0"), *br = nt_host_nic(h, "xenbr0"),
			    *v7 = nt_host_nic(h, "vif7.0"), *v10 = nt_host_nic(h, "vif10.0"),
			    *lo = nt_host_nic(h, "lo");
	CU_ASSERT_FATAL(e0 && br && v7 && v10 && lo);
	CU_ASSERT_EQUAL(e0->kind, NT_NIC_PHYS);
	CU_ASSERT_EQUAL(e0->speed_mbit, 1000);
	CU_ASSERT_EQUAL(e0->numa_node, 0);
	CU_ASSERT_EQUAL(e0->carrier, 1);
	u_str_eq(e0->master, "xenbr0", "eth0's master", __FILE__, __LINE__);
	CU_ASSERT_EQUAL(e0->n_rx, 4);
	CU_ASSERT_EQUAL(br->kind, NT_NIC_BRIDGE);
	CU_ASSERT_EQUAL(lo->kind, NT_NIC_OTHER);
	CU_ASSERT_EQUAL(v7->kind, NT_NIC_VIF);
	CU_ASSERT_EQUAL(v7->domid, 7);
	CU_ASSERT_EQUAL(v7->devid, 0);
	CU_ASSERT_EQUAL_FATAL(v7->n_queues, 4);
	for (unsigned q = 0; q < 4; q++) {
		CU_ASSERT(v7->queues[q].rx_pid > 0 && v7->queues[q].dealloc_pid > 0);
		CU_ASSERT(v7->queues[q].tx_irq > 0 && v7->queues[q].rx_irq > 0);
		CU_ASSERT_EQUAL(cpuset_single(&v7->queues[q].rx_cpus), 0);
		CU_ASSERT_EQUAL(cpuset_single(&v7->queues[q].tx_irq_cpus), 0);
	}
	/* "vif10.0-q1-dealloc" is "vif10.0-q1-deal" in /proc: matched by prefix. */
	CU_ASSERT(v10->queues[1].dealloc_pid > 0);
	CU_ASSERT_EQUAL(cpuset_single(&v10->queues[1].dealloc_cpus), 1);
	CU_ASSERT(h->netback_loaded);
	u_str_eq(h->nb_value[NT_NB_MAX_QUEUES], "4", "max_queues", __FILE__, __LINE__);
	u_str_eq(h->nb_value[NT_NB_HASH_CACHE_SIZE], "64", "hash_cache_size", __FILE__, __LINE__);
	CU_ASSERT_EQUAL(cpuset_count(&h->online), 4);
	CU_ASSERT_EQUAL(h->n_nodes, 1);

	char *text;
	CU_ASSERT_EQUAL_FATAL(nt_show_text(h, &text), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "  eth0            1 GbE         up    node 0  mtu 1500  in xenbr0\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "xenbr0          uplink 1×1 GbE: 41 Mbit/s for each of 24 guests (24 vifs)\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "    vif7.0          domain 7  4 queues  up\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "  vif7.0-q3             guest-rx 0  dealloc 0  tx 0  rx 0\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "  max_queues              4\n"));
	free(text);
	yajl_gen g = yajl_gen_alloc(NULL);
	CU_ASSERT_EQUAL(nt_show_json(g, h), 0);
	const unsigned char *buf;
	size_t len;
	yajl_gen_get_buf(g, &buf, &len);
	char *s = strndup((const char *)buf, len), eb[128];
	yajl_val v = yajl_tree_parse(s, eb, sizeof(eb));
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	const char *pb[] = { "bridges", NULL }, *pg[] = { "guests", NULL },
		   *pq[] = { "netback", "parameters", "max_queues", NULL };
	yajl_val brs = yajl_tree_get(v, pb, yajl_t_array);
	CU_ASSERT_FATAL(brs && brs->u.array.len == 1);
	CU_ASSERT_EQUAL(YAJL_GET_INTEGER(yajl_tree_get(brs->u.array.values[0], pg, yajl_t_number)), 24);
	u_str_eq(YAJL_GET_STRING(yajl_tree_get(v, pq, yajl_t_string)), "4", "json max_queues",
		 __FILE__, __LINE__);
	yajl_tree_free(v);
	free(s);
	yajl_gen_free(g);
	nt_host_free(h);
}

static void test_bonds(void)
{
	struct nt_host *h = fixture_host("four-tengbe-80");
	/* The bonding driver's file in sys/class/net is no interface. */
	CU_ASSERT_PTR_NULL(nt_host_nic(h, "bonding_masters"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	const struct nt_nic *b1 = nt_host_nic(h, "bond1"), *e3 = nt_host_nic(h, "eth3"),
			    *v5 = nt_host_nic(h, "vif5.0");
	CU_ASSERT_FATAL(b1 && e3 && v5);
	CU_ASSERT_EQUAL(b1->kind, NT_NIC_BOND);
	CU_ASSERT(b1->has_report);
	CU_ASSERT_EQUAL(b1->bond.mode, NT_BOND_8023AD);
	CU_ASSERT_EQUAL(e3->carrier, 0);
	CU_ASSERT_EQUAL(e3->speed_mbit, -1);
	CU_ASSERT_EQUAL(e3->numa_node, 1);
	CU_ASSERT_EQUAL(h->n_nodes, 2);
	CU_ASSERT_EQUAL(cpuset_single(&v5->queues[0].rx_cpus), 9);
	nt_host_free(h);
	/* The idle host's vif2.0 has one IRQ for both directions. */
	h = fixture_host("idle");
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	const struct nt_nic *v2 = nt_host_nic(h, "vif2.0");
	CU_ASSERT_FATAL(v2 && v2->n_queues == 1);
	CU_ASSERT(v2->queues[0].tx_irq > 0);
	CU_ASSERT_EQUAL(v2->queues[0].tx_irq, v2->queues[0].rx_irq);
	nt_host_free(h);
	char err[XCD_ERR_MAX];
	CU_ASSERT_EQUAL(nt_host_read("/nonexistent-sysroot", &h, err, sizeof(err)), -ENOENT);
}

static int save_none(const struct tj *j, void *arg, char *err, size_t errlen) { return 0; }

/* Since Linux 5.17 /proc/PID/comm and status show a kernel thread's whole
 * name ("vif1.0-q0-guest-rx", not "vif1.0-q0-guest"): found, and moved. */
static void test_whole_names(void)
{
	char root[] = "/tmp/nettune-unit.XXXXXX", cmd[512], err[XCD_ERR_MAX];
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(root));
	snprintf(cmd, sizeof(cmd), "cp -a '%s/idle/.' '%s'", NT_FIXTURES, root);
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	fixture_task(root, 1001, "vif1.0-q0-guest-rx", 2);
	fixture_task(root, 1002, "vif1.0-q0-dealloc", 2);
	struct nt_host *h;
	CU_ASSERT_EQUAL_FATAL(nt_host_read(root, &h, err, sizeof(err)), 0);
	const struct nt_nic *v = nt_host_nic(h, "vif1.0");
	CU_ASSERT_FATAL(v && v->n_queues == 1);
	CU_ASSERT_EQUAL(v->queues[0].rx_pid, 1001);
	CU_ASSERT_EQUAL(v->queues[0].dealloc_pid, 1002);
	/* The queue to CPU 1: the threads, checked again by their whole name. */
	struct tune_plan plan;
	tune_plan_init(&plan);
	tune_plan_add(&plan, TUNE_CHANGE, "vif-queue", "vif1.0-q0", "", "1", "", "test");
	struct ta_ctx c;
	struct nt_apply a;
	struct tj j;
	struct ta_change *ch = NULL;
	size_t n = 0;
	nt_apply_init(&a);
	tj_init(&j, "net", root);
	CU_ASSERT_EQUAL_FATAL(ta_open(&c, root, err, sizeof(err)), 0);
	c.j = &j;
	c.save = save_none;
	c.ext = &a.ext;
	int rc = nt_apply_changes(&c, &a, h, &plan, &ch, &n, err, sizeof(err));
	if (rc == 0)
		rc = ta_apply(&c, ch, n, 0, err, sizeof(err));
	if (rc)
		fprintf(stderr, "\n%s\n", err);
	CU_ASSERT_EQUAL(rc, 0);
	char *text = NULL;
	size_t len;
	CU_ASSERT_EQUAL(ta_read(&c, "proc/1001/status", 4096, &text, &len), 0);
	CU_ASSERT(text && strstr(text, "Cpus_allowed_list:\t1\n"));
	free(text);
	ta_changes_free(ch, n);
	ta_close(&c);
	tj_free(&j);
	nt_apply_fini(&a);
	tune_plan_free(&plan);
	nt_host_free(h);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

void register_host(void)
{
	CU_pSuite s = CU_add_suite("host", NULL, NULL);
	CU_add_test(s, "2x1 GbE host: NICs, vifs, threads, IRQs, netback, show", test_two_gbe);
	CU_add_test(s, "bonds, NUMA nodes, a shared IRQ, a missing sysroot", test_bonds);
	CU_add_test(s, "kernel threads' whole names (Linux 5.17 on): found and moved", test_whole_names);
}
