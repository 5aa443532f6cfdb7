/* test_plan: plan and verify against each fixture host: the items (area,
 * object, to, figure), the multipath.conf stanzas, the verify lines, and
 * show + plan + verify in one call with its JSON. */
#include "../../../blkback/plan.h"
#include "../../../blkback/run.h"
#include "../../../lib/errmsg.h"
#include "../../lib/cunit_run.h"
#include "suites.h"
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

struct fx {
	struct blk_host h;
	struct storage_policy p;
	struct tune_plan plan;
	struct blk_verify v;
};

/* Reads fixture NAME with its own io.conf plus EXTRA settings. */
static void load(struct fx *f, const char *name, const char *extra)
{
	char root[512], conf[600], err[XCD_ERR_MAX] = "";
	snprintf(root, sizeof(root), "%s/%s", BLK_FIXTURES, name);
	snprintf(conf, sizeof(conf), "%s/etc/xcd/io.conf", root);
	struct cfgfile *cf;
	CU_ASSERT_EQUAL_FATAL(cfgfile_load(conf, &cf, err, sizeof(err)), 0);
	if (extra)
		CU_ASSERT_EQUAL_FATAL(cfgfile_override(cf, "test", extra, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(storage_policy_from_cfg(cf, &f->p, err, sizeof(err)), 0);
	cfgfile_free(cf);
	CU_ASSERT_EQUAL_FATAL(blk_host_read(root, &f->h, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(storage_policy_check(&f->p, &f->h, err, sizeof(err)), 0);
	tune_plan_init(&f->plan);
	CU_ASSERT_EQUAL_FATAL(blk_plan(&f->h, &f->p, &f->plan), 0);
	CU_ASSERT_EQUAL_FATAL(blk_verify(&f->h, &f->p, &f->v), 0);
}

static void unload(struct fx *f)
{
	blk_verify_free(&f->v);
	tune_plan_free(&f->plan);
	storage_policy_free(&f->p);
	blk_host_free(&f->h);
}

static const struct tune_item *item(const struct tune_plan *p, enum tune_kind k, const char *area,
				    const char *object)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->items[i].kind == k && strcmp(p->items[i].area, area) == 0 &&
		    strcmp(p->items[i].object, object) == 0)
			return &p->items[i];
	return NULL;
}

/* The change on AREA OBJECT exists and goes FROM -> TO on FIGURE. */
static void change(const struct tune_plan *p, const char *area, const char *object, const char *from,
		   const char *to, const char *figure, unsigned line)
{
	const struct tune_item *it = item(p, TUNE_CHANGE, area, object);
	CU_ASSERT(it != NULL);
	if (!it) {
		fprintf(stderr, "%s:%u: no change %s %s\n", __FILE__, line, area, object);
		return;
	}
	u_str_eq(it->from, from, object, __FILE__, line);
	u_str_eq(it->to, to, object, __FILE__, line);
	u_str_eq(it->figure, figure, object, __FILE__, line);
}

static void warning(const struct tune_plan *p, const char *area, const char *object,
		    const char *figure, const char *reason_part, unsigned line)
{
	const struct tune_item *it = item(p, TUNE_WARNING, area, object);
	CU_ASSERT(it != NULL);
	if (!it) {
		fprintf(stderr, "%s:%u: no warning %s %s\n", __FILE__, line, area, object);
		return;
	}
	u_str_eq(it->figure, figure, object, __FILE__, line);
	if (!strstr(it->reason, reason_part)) {
		fprintf(stderr, "%s:%u: '%s' not in '%s'\n", __FILE__, line, reason_part, it->reason);
		CU_FAIL("reason");
	}
}

static const struct blk_check *check(const struct blk_verify *v, const char *what,
				     const char *object)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->c[i].check, what) == 0 && strcmp(v->c[i].object, object) == 0)
			return &v->c[i];
	return NULL;
}

static void test_dual(void)
{
	struct fx f;
	load(&f, "dual-hba", NULL);
	CU_ASSERT_EQUAL(tune_plan_count(&f.plan, TUNE_CHANGE), 5);
	CU_ASSERT_EQUAL(tune_plan_count(&f.plan, TUNE_WARNING), 0);
	change(&f.plan, "multipath", "NETAPP,INF-01-00 path_selector", "round-robin 0",
	       "service-time 0", "4 live paths", __LINE__);
	change(&f.plan, "multipath", "NETAPP,INF-01-00 no_path_retry", "", "12", "60 s", __LINE__);
	const struct tune_item *it = item(&f.plan, TUNE_CHANGE, "multipath", "NETAPP,INF-01-00 no_path_retry");
	CU_ASSERT(it && strstr(it->reason, "no_path_retry is unset, so dev_loss_tmo is ignored"));
	change(&f.plan, "multipath", "NETAPP,INF-01-00 fast_io_fail_tmo", "off", "5", "5 s", __LINE__);
	change(&f.plan, "multipath", "NETAPP,INF-01-00 dev_loss_tmo", "30", "120", "120 s", __LINE__);
	change(&f.plan, "blkback", "xen_blkback.max_ring_page_order", "1", "4", "512 requests per ring",
	       __LINE__);
	it = item(&f.plan, TUNE_CHANGE, "blkback", "xen_blkback.max_ring_page_order");
	CU_ASSERT(it && it->on_reload && strstr(it->reason, "/etc/modprobe.d/xcd-blkback.conf"));
	/* grouping is already by priority; the HBAs span both nodes */
	CU_ASSERT(item(&f.plan, TUNE_CHANGE, "multipath", "NETAPP,INF-01-00 path_grouping_policy") == NULL);
	CU_ASSERT(item(&f.plan, TUNE_CHANGE, "blkback", "xen_blkback.max_queues") == NULL);
	char *conf;
	CU_ASSERT_EQUAL_FATAL(blk_multipath_conf(&f.plan, &conf), 0);
	u_str_eq(conf,
		 "devices {\n\tdevice {\n\t\tvendor \"^NETAPP$\"\n\t\tproduct \"^INF-01-00$\"\n"
		 "\t\tpath_selector \"service-time 0\"\n\t\tno_path_retry 12\n\t\tfast_io_fail_tmo 5\n"
		 "\t\tdev_loss_tmo 120\n\t}\n}\n",
		 "multipath.conf", __FILE__, __LINE__);
	free(conf);
	CU_ASSERT_EQUAL(f.v.n, 13);
	CU_ASSERT_EQUAL(f.v.failed, 0);
	const struct blk_check *c = check(&f.v, "budget", "host");
	CU_ASSERT(c && c->pass);
	u_str_eq(c ? c->figure : "", "3200 MB/s", "budget", __FILE__, __LINE__);
	c = check(&f.v, "paths", "3600a0b800012340a0001");
	u_str_eq(c ? c->figure : "", "4 paths, 2 HBAs", "paths", __FILE__, __LINE__);
	unload(&f);

	/* the arrays' ports at 4 Gbit halve each pair; a policy's queue count */
	load(&f, "dual-hba", "storage_target_port_gbit = 4; storage_queues = 4; storage_target_mbytes = 2000");
	c = check(&f.v, "budget", "host");
	CU_ASSERT(c && !c->pass);
	u_str_eq(c ? c->figure : "", "1600 MB/s", "budget", __FILE__, __LINE__);
	warning(&f.plan, "fc", "budget", "1600 MB/s",
		"about 1600 MB/s (4 live initiator-target port pairs), below the policy's 2000", __LINE__);
	change(&f.plan, "blkback", "xen_blkback.max_queues", "16", "4", "4 CPUs", __LINE__);
	unload(&f);
}

static void test_paths_down(void)
{
	struct fx f;
	load(&f, "paths-down", NULL);
	CU_ASSERT_EQUAL(tune_plan_count(&f.plan, TUNE_CHANGE), 5);
	CU_ASSERT_EQUAL(tune_plan_count(&f.plan, TUNE_WARNING), 2);
	warning(&f.plan, "multipath", "3600a0b800012340a0001", "3 paths",
		"map mpathb: 3 live paths of 4, the policy wants 4 across 2 HBAs", __LINE__);
	warning(&f.plan, "fc", "host1", "6 paths down", "host1 (HBA 0000:05:00) is Linkdown", __LINE__);
	CU_ASSERT_EQUAL(f.v.failed, 1);
	const struct blk_check *c = check(&f.v, "paths", "3600a0b800012340a0001");
	CU_ASSERT(c && !c->pass);
	u_str_eq(c ? c->detail : "",
		 "map mpathb (3600a0b800012340a0001): 3 live paths of 4 across 2 HBAs; the policy wants 4 across 2",
		 "detail", __FILE__, __LINE__);
	c = check(&f.v, "paths", "3600a0b800012340a0000");
	CU_ASSERT(c && c->pass);
	c = check(&f.v, "budget", "host");
	u_str_eq(c ? c->figure : "", "2400 MB/s", "budget", __FILE__, __LINE__);
	unload(&f);
}

static void test_single(void)
{
	struct fx f;
	load(&f, "single-hba", NULL);
	change(&f.plan, "multipath", "HITACHI,OPEN-V no_path_retry", "queue", "12", "60 s", __LINE__);
	const struct tune_item *it = item(&f.plan, TUNE_CHANGE, "multipath", "HITACHI,OPEN-V no_path_retry");
	CU_ASSERT(it && strstr(it->reason, "3 maps queue forever when the last path goes"));
	change(&f.plan, "multipath", "HITACHI,OPEN-V failback", "manual", "immediate", "1 path groups",
	       __LINE__);
	/* already right: multibus for a handler-less array, the timeouts */
	CU_ASSERT(item(&f.plan, TUNE_CHANGE, "multipath", "HITACHI,OPEN-V path_grouping_policy") == NULL);
	CU_ASSERT(item(&f.plan, TUNE_CHANGE, "multipath", "HITACHI,OPEN-V dev_loss_tmo") == NULL);
	change(&f.plan, "blkback", "xen_blkback.max_queues", "16", "8", "8 CPUs", __LINE__);
	change(&f.plan, "blkback", "xen_blkback.feature_persistent", "N", "Y", "1 grant map per page",
	       __LINE__);
	change(&f.plan, "blkback", "xen_blkback.log_stats", "1", "0", "1 line per ring per 10 s", __LINE__);
	it = item(&f.plan, TUNE_CHANGE, "blkback", "xen_blkback.max_queues");
	CU_ASSERT(it && !it->on_reload);
	change(&f.plan, "blkback-ring", "blkback.7.xvda", "0-15", "8-15", "NUMA node 1", __LINE__);
	change(&f.plan, "blkback-ring", "blkback.12.xvdb", "0-15", "8-15", "NUMA node 1", __LINE__);
	CU_ASSERT(item(&f.plan, TUNE_CHANGE, "blkback-ring", "blkback.8.xvdb") == NULL); /* already there */
	warning(&f.plan, "multipath", "3600a0b800012340b0000", "1 HBA",
		"map mpatha: 2 live paths, all through HBA 0000:41:00; the policy wants 2 across 2 HBAs",
		__LINE__);
	warning(&f.plan, "fc", "0000:41:00", "1 HBA", "a single HBA (0000:41:00, 2 ports)", __LINE__);
	warning(&f.plan, "fc", "host5", "4 Gbit", "host5 runs at 4 Gbit but supports 8", __LINE__);
	warning(&f.plan, "fc", "budget", "800 MB/s", "below the policy's 1000", __LINE__);
	CU_ASSERT_EQUAL(tune_plan_count(&f.plan, TUNE_CHANGE), 7);
	CU_ASSERT_EQUAL(tune_plan_count(&f.plan, TUNE_WARNING), 7);
	CU_ASSERT_EQUAL(f.v.n, 7);
	CU_ASSERT_EQUAL(f.v.failed, 7);
	const struct blk_check *c = check(&f.v, "queueing", "3600a0b800012340b0001");
	u_str_eq(c ? c->detail : "",
		 "map mpathb queues forever when its last path goes (queueing 'on', features '1 queue_if_no_path')",
		 "queueing", __FILE__, __LINE__);
	unload(&f);

	/* one HBA port capped at its own rate however fast the array */
	load(&f, "single-hba", "storage_target_port_gbit = 2");
	c = check(&f.v, "budget", "host");
	u_str_eq(c ? c->figure : "", "400 MB/s", "budget", __FILE__, __LINE__);
	unload(&f);
}

static void test_empty(void)
{
	struct fx f;
	load(&f, "empty", NULL);
	CU_ASSERT_EQUAL(f.plan.n, 0);
	CU_ASSERT_EQUAL(f.v.n, 1);
	CU_ASSERT_EQUAL(f.v.failed, 0);
	char *text;
	CU_ASSERT_EQUAL_FATAL(blk_verify_text(&f.v, &text), 0);
	u_str_eq(text, "pass: no multipath maps: nothing to check\n1 passed, 0 failed\n", "verify",
		 __FILE__, __LINE__);
	free(text);
	CU_ASSERT_EQUAL_FATAL(blk_multipath_conf(&f.plan, &text), 0);
	u_str_eq(text, "", "conf", __FILE__, __LINE__);
	free(text);
	unload(&f);
}

static void test_run(void)
{
	struct blk_run r;
	char err[XCD_ERR_MAX] = "";
	CU_ASSERT_EQUAL_FATAL(blk_run_all(BLK_FIXTURES "/paths-down",
					  BLK_FIXTURES "/paths-down/etc/xcd/io.conf",
					  BLK_RUN_TEXT | BLK_RUN_JSON, &r, err, sizeof(err)), 0);
	CU_ASSERT(strstr(r.verify_text, "\n12 passed, 1 failed\n") != NULL);
	CU_ASSERT(strstr(r.plan_text, "warning: fc host1: ") != NULL);
	yajl_val v = yajl_tree_parse(r.json, NULL, 0);
	CU_ASSERT_FATAL(v != NULL);
	const char *pp[] = { "plan", NULL }, *pf[] = { "verify", "failed", NULL },
		   *pm[] = { "show", "maps", NULL };
	yajl_val plan = yajl_tree_get(v, pp, yajl_t_array);
	CU_ASSERT(plan && plan->u.array.len == 7);
	yajl_val failed = yajl_tree_get(v, pf, yajl_t_number);
	CU_ASSERT(failed && YAJL_GET_INTEGER(failed) == 1);
	yajl_val maps = yajl_tree_get(v, pm, yajl_t_array);
	CU_ASSERT(maps && maps->u.array.len == 6);
	yajl_tree_free(v);
	blk_run_free(&r);
	/* a policy naming a LUN the host lacks: nothing planned, the place said */
	char *root = tmp_root();
	tmp_write(root, "io.conf", "storage_paths = 2\nlun = [ \"wwid=3600gone\" ]\n");
	char conf[600];
	snprintf(conf, sizeof(conf), "%s/io.conf", root);
	CU_ASSERT(blk_run_all(BLK_FIXTURES "/dual-hba", conf, BLK_RUN_TEXT, &r, err, sizeof(err)) < 0);
	CU_ASSERT(strstr(err, "/io.conf:2:9: lun wwid=3600gone: no multipath map has this WWID") != NULL);
	tmp_remove(root);
}

void register_plan(void)
{
	CU_pSuite s = CU_add_suite("plan", NULL, NULL);
	CU_add_test(s, "dual HBA, all paths up", test_dual);
	CU_add_test(s, "dual HBA, one port down", test_paths_down);
	CU_add_test(s, "single HBA", test_single);
	CU_add_test(s, "nothing to do", test_empty);
	CU_add_test(s, "show + plan + verify in one call", test_run);
}
