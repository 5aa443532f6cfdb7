/* test_tunejournal: the tuners' apply journal: every record kind written and
 * read back the same, what a (re)started xcdd must settle, and the parser's
 * refusals (each says what and where). */
#include "../../../lib/tunejournal.h"
#include "../../lib/cunit_run.h"
#include "suites.h"
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct tune_item item = { .kind = TUNE_CHANGE, .area = "netback",
				       .object = "/sys/module/xen_netback/parameters/max_queues",
				       .from = "4", .to = "2", .reason = "the policy's net_queues",
				       .figure = "4 vCPUs", .risky = true };

/* A journal with one record of each kind over two applies. */
static void sample(struct tj *j)
{
	tj_init(j, "net", "/srv/host");
	j->gen = 2;
	j->state = TJ_APPLIED;
	j->started = 1700000000;
	j->confirm_by = 1700000060;
	struct tj_step *s = tj_add_step(j, 1, &item);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	s->done = true;
	struct tj_rec r = { .kind = TJ_ATTR, .data = (unsigned char *)"4\n\0\xff", .len = 4 };
	strcpy(r.path, "sys/module/xen_netback/parameters/max_queues");
	CU_ASSERT_PTR_NOT_NULL(tj_add_rec(s, &r));
	r = (struct tj_rec){ .kind = TJ_DIR };
	strcpy(r.path, "etc/modprobe.d");
	CU_ASSERT_PTR_NOT_NULL(tj_add_rec(s, &r));
	r = (struct tj_rec){ .kind = TJ_FILE, .existed = true, .mode = 0640,
			     .data = (unsigned char *)"options x y=1\n", .len = 14 };
	strcpy(r.path, "etc/modprobe.d/xcd-netback.conf");
	CU_ASSERT_PTR_NOT_NULL(tj_add_rec(s, &r));
	s = tj_add_step(j, 2, &item);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	strcpy(s->note, "takes effect at the next load");
	r = (struct tj_rec){ .kind = TJ_AFFINITY, .pid = 1234 };
	strcpy(r.comm, "vif7.0-q1-guest");
	strcpy(r.cpus, "0-3,8");
	CU_ASSERT_PTR_NOT_NULL(tj_add_rec(s, &r));
	r = (struct tj_rec){ .kind = TJ_LINK, .existed = true, .mtu = 9000, .up = true };
	strcpy(r.name, "eth0");
	strcpy(r.master, "xenbr0");
	CU_ASSERT_PTR_NOT_NULL(tj_add_rec(s, &r));
	r = (struct tj_rec){ .kind = TJ_BOND, .bond_mode = 4, .miimon = 100, .hash = 1 };
	strcpy(r.name, "bond0");
	CU_ASSERT_PTR_NOT_NULL(tj_add_rec(s, &r));
	r = (struct tj_rec){ .kind = TJ_MULTIPATHD };
	CU_ASSERT_PTR_NOT_NULL(tj_add_rec(s, &r));
}

static void test_round_trip(void)
{
	struct tj j, k;
	char *a, *b, err[256] = "";
	size_t al, bl;
	sample(&j);
	CU_ASSERT_EQUAL_FATAL(tj_to_json(&j, &a, &al), 0);
	int rc = tj_parse(a, al, &k, err, sizeof(err));
	u_str_eq(err, "", "parse error", __FILE__, __LINE__);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(tj_count(&k), 2);
	CU_ASSERT_EQUAL(k.gen, 2);
	CU_ASSERT_EQUAL(k.confirm_by, 1700000060);
	u_str_eq(k.sysroot, "/srv/host", "sysroot", __FILE__, __LINE__);
	CU_ASSERT_EQUAL(k.steps[0].n_recs, 3);
	CU_ASSERT_EQUAL(k.steps[0].recs[0].len, 4);
	CU_ASSERT(k.steps[0].recs[0].data && !memcmp(k.steps[0].recs[0].data, "4\n\0\xff", 4));
	CU_ASSERT_EQUAL(k.steps[0].recs[2].mode, 0640);
	CU_ASSERT(k.steps[0].recs[2].existed);
	CU_ASSERT_EQUAL(k.steps[1].recs[0].pid, 1234);
	u_str_eq(k.steps[1].recs[0].cpus, "0-3,8", "cpus", __FILE__, __LINE__);
	u_str_eq(k.steps[1].recs[1].master, "xenbr0", "master", __FILE__, __LINE__);
	CU_ASSERT_EQUAL(k.steps[1].recs[1].mtu, 9000);
	CU_ASSERT_EQUAL(k.steps[1].recs[2].hash, 1);
	CU_ASSERT_EQUAL(k.steps[1].recs[3].kind, TJ_MULTIPATHD);
	u_str_eq(k.items.items[1].object, item.object, "item", __FILE__, __LINE__);
	CU_ASSERT(k.items.items[1].risky);
	u_str_eq(k.steps[1].note, "takes effect at the next load", "note", __FILE__, __LINE__);
	/* Written again, the same text. */
	CU_ASSERT_EQUAL_FATAL(tj_to_json(&k, &b, &bl), 0);
	CU_ASSERT(al == bl && !memcmp(a, b, al));
	free(a);
	free(b);
	tj_free(&j);
	tj_free(&k);
}

static void test_settle(void)
{
	struct tj j;
	sample(&j);
	CU_ASSERT(tj_unconfirmed(&j));
	CU_ASSERT_EQUAL(tj_settle_from(&j), 2); /* the last apply, not confirmed */
	j.confirmed = true;
	CU_ASSERT_EQUAL(tj_settle_from(&j), 0);
	j.confirm_by = 0;
	j.confirmed = false;
	CU_ASSERT_EQUAL(tj_settle_from(&j), 0); /* none was asked */
	j.state = TJ_APPLYING;
	CU_ASSERT_EQUAL(tj_settle_from(&j), 2); /* under way when xcdd died */
	j.state = TJ_REVERTING;
	j.revert_from = 1;
	CU_ASSERT_EQUAL(tj_settle_from(&j), 1); /* a revert of all, to finish */
	tj_truncate(&j, 1);
	CU_ASSERT_EQUAL(tj_count(&j), 1);
	tj_free(&j);
}

static void test_paths(void)
{
	CU_ASSERT(tj_path_ok(TJ_ATTR, "sys/module/xen_blkback/parameters/max_queues"));
	CU_ASSERT(tj_path_ok(TJ_ATTR, "proc/irq/45/smp_affinity_list"));
	CU_ASSERT(tj_path_ok(TJ_FILE, "etc/multipath/conf.d/xcd.conf"));
	CU_ASSERT(tj_path_ok(TJ_DIR, "etc/multipath/conf.d"));
	CU_ASSERT_FALSE(tj_path_ok(TJ_ATTR, "sys/module/xen_netback/parameters/../../../etc/shadow"));
	CU_ASSERT_FALSE(tj_path_ok(TJ_ATTR, "proc/irq/045/smp_affinity_list"));
	CU_ASSERT_FALSE(tj_path_ok(TJ_ATTR, "proc/irq/45/smp_affinity"));
	CU_ASSERT_FALSE(tj_path_ok(TJ_ATTR, "proc/sys/kernel/core_pattern"));
	CU_ASSERT_FALSE(tj_path_ok(TJ_FILE, "etc/shadow"));
	CU_ASSERT_FALSE(tj_path_ok(TJ_FILE, "/etc/modprobe.d/xcd-netback.conf"));
	CU_ASSERT_FALSE(tj_path_ok(TJ_DIR, "etc"));
}

/* The sample's JSON with FROM replaced by TO must be refused, saying WANT. */
static void refused(const char *from, const char *to, const char *want, unsigned line)
{
	struct tj j;
	char *a, err[512] = "";
	size_t al;
	sample(&j);
	CU_ASSERT_EQUAL_FATAL(tj_to_json(&j, &a, &al), 0);
	tj_free(&j);
	char *at = strstr(a, from);
	if (!at) {
		fprintf(stderr, "%s:%u: '%s' not in the sample\n", __FILE__, line, from);
		CU_FAIL("sample");
		free(a);
		return;
	}
	char *bad = NULL;
	if (asprintf(&bad, "%.*s%s%s", (int)(at - a), a, to, at + strlen(from)) < 0)
		bad = NULL;
	CU_ASSERT_PTR_NOT_NULL_FATAL(bad);
	int rc = tj_parse(bad, strlen(bad), &j, err, sizeof(err));
	CU_ASSERT(rc < 0);
	if (!strstr(err, want)) {
		fprintf(stderr, "%s:%u: error '%s' lacks '%s'\n", __FILE__, line, err, want);
		CU_FAIL("message");
	}
	tj_free(&j);
	free(bad);
	free(a);
}

static void test_refusals(void)
{
	refused("\"version\": 1", "\"version\": 2", "version: an integer from 1 to 1", __LINE__);
	refused("\"area\": \"net\"", "\"area\": \"disk\"", "area: net or storage expected", __LINE__);
	refused("\"sysroot\": \"/srv/host\"", "\"sysroot\": \"srv\"", "sysroot: an absolute path", __LINE__);
	refused("\"state\": \"applied\"", "\"state\": \"done\"", "state: applying, applied or reverting", __LINE__);
	refused("etc/modprobe.d/xcd-netback.conf", "etc/shadow",
		"steps[0].undo[2]: path 'etc/shadow' is not one a tuner writes", __LINE__);
	refused("\"path\": \"sys/module/xen_netback/parameters/max_queues\"",
		"\"path\": \"proc/sys/kernel/core_pattern\"",
		"steps[0].undo[0]: path 'proc/sys/kernel/core_pattern' is not one", __LINE__);
	refused("340a00ff", "340a00f", "an odd number of hexadecimal digits", __LINE__);
	refused("340a00ff", "340a00fg", "byte 3 is not two lowercase hexadecimal digits", __LINE__);
	refused("\"cpus\": \"0-3,8\"", "\"cpus\": \"3-0\"", "steps[1].undo[0]: cpus: not a non-empty CPU list", __LINE__);
	refused("\"pid\": 1234", "\"pid\": 0", "steps[1].undo[0]: pid: an integer from 1", __LINE__);
	refused("\"master\": \"xenbr0\"", "\"master\": \"../x\"", "steps[1].undo[1]: not an interface name", __LINE__);
	refused("\"kind\": \"multipathd\"", "\"kind\": \"shell\"", "steps[1].undo[3]: kind: unknown 'shell'", __LINE__);
	refused("\"kind\": \"multipathd\"", "\"kind\": \"multipathd\", \"run\": \"rm\"",
		"steps[1].undo[3]: unknown key 'run'", __LINE__);
	refused("\"mode\": 4,", "\"mode\": 9,", "steps[1].undo[2]: mode: an integer from 0 to 6", __LINE__);
	refused("\"gen\": 2,", "\"gen\": 1,", "steps[1]: gen: an integer from 1 to 1", __LINE__);
	refused("\"steps\": [", "\"steps\": 3, \"x\": [", "unknown key 'x'", __LINE__);
	struct tj j;
	char err[256];
	CU_ASSERT(tj_parse("{}\0", 3, &j, err, sizeof(err)) < 0);
	CU_ASSERT(strstr(err, "a NUL byte at 2") != NULL);
	tj_free(&j);
	CU_ASSERT(tj_parse("[1]", 3, &j, err, sizeof(err)) < 0);
	u_str_eq(err, "the journal: an object expected", "array", __FILE__, __LINE__);
	tj_free(&j);
	CU_ASSERT(tj_parse("{\"version\": 1", 13, &j, err, sizeof(err)) < 0);
	CU_ASSERT(strncmp(err, "not JSON: ", 10) == 0);
	tj_free(&j);
}

void register_tunejournal(void)
{
	CU_pSuite s = CU_add_suite("tunejournal", NULL, NULL);
	CU_add_test(s, "each record kind written and read back the same", test_round_trip);
	CU_add_test(s, "what a restarted xcdd settles", test_settle);
	CU_add_test(s, "only the files a tuner writes", test_paths);
	CU_add_test(s, "refusals say what and where", test_refusals);
}
