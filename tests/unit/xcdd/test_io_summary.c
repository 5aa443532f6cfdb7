/* test_io_summary: the changes between two of the I/O refresh's documents,
 * and the summary host.info shows (xcd/io_summary.c). */
#include "../../../xcd/io_summary.h"
#include "suites.h"
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A document: bond0 (eth0, eth1 with the states given) under xenbr0, eth2
 * alone in xenbr1, xenbr0 carrying guest 5; map mpatha with paths sdb and
 * SDC_DEV (sdc, or "" for none) on which guest 5's xvda sits. */
static yajl_val doc(bool eth1, bool eth2, bool sdb, const char *sdc_dev)
{
	char text[2048], sdc[160] = "";
	if (*sdc_dev)
		snprintf(sdc, sizeof(sdc),
			 ",{\"dev\":\"%s\",\"live\":true,\"dm_st\":\"active\",\"chk_st\":\"ready\",\"hba\":\"h\"}",
			 sdc_dev);
	snprintf(text, sizeof(text),
		 "{\"net\":{\"bonds\":[{\"name\":\"bond0\",\"mode\":\"802.3ad\",\"bridge\":\"xenbr0\",\"up\":true,"
		 "\"members\":[{\"name\":\"eth0\",\"up\":true},{\"name\":\"eth1\",\"up\":%s}]}],"
		 "\"ports\":[{\"name\":\"eth2\",\"bridge\":\"xenbr1\",\"up\":%s}],"
		 "\"bridges\":[{\"name\":\"xenbr0\",\"guests\":[{\"domid\":5,\"vif\":\"vif5.0\"}]},"
		 "{\"name\":\"xenbr1\",\"guests\":[]}]},"
		 "\"storage\":{\"maps\":[{\"name\":\"mpatha\",\"wwid\":\"3600a\",\"live\":%d,\"total\":%d,"
		 "\"paths\":[{\"dev\":\"sdb\",\"live\":%s,\"dm_st\":\"%s\",\"chk_st\":\"%s\",\"hba\":\"h\"}%s],"
		 "\"guests\":[{\"domid\":5,\"vdev\":\"xvda\",\"name\":\"web\"}]}],"
		 "\"budget_mbytes\":1600,\"pairs\":2,\"target_mbytes\":400},"
		 "\"notes\":[\"a note\"]}",
		 eth1 ? "true" : "false", eth2 ? "true" : "false", sdb + (*sdc_dev != 0),
		 1 + (*sdc_dev != 0), sdb ? "true" : "false", sdb ? "active" : "failed",
		 sdb ? "ready" : "faulty", sdc);
	char err[256];
	yajl_val t = yajl_tree_parse(text, err, sizeof(err));
	if (!t)
		fprintf(stderr, "\n%s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	return t;
}

struct seen {
	char what[8][160];
	int n;
};

static void record(const struct io_event *e, void *arg)
{
	struct seen *s = arg;
	if (s->n == 8)
		return;
	size_t guests = e->guests && YAJL_IS_ARRAY(e->guests) ? e->guests->u.array.len : 0;
	const char *state = e->initial ? (e->up ? "up!" : "down!")
			    : e->heard ? (e->up ? "up(uevent)" : "down(uevent)")
				       : e->up ? "up" : "down";
	if (e->kind == IO_EV_LINK)
		snprintf(s->what[s->n++], 160, "link %s %s bond=%s bridge=%s %lld/%lld guests=%zu",
			 e->device, state, e->bond, e->bridge, e->members_up, e->members, guests);
	else
		snprintf(s->what[s->n++], 160, "path %s/%s %s %s,%s %lld/%lld guests=%zu", e->map,
			 e->path, state, e->dm_st, e->chk_st, e->live, e->total, guests);
}

static void diff(yajl_val a, yajl_val b, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	io_summary_diff(a, b, record, s);
}

static void t_diff(void)
{
	yajl_val all = doc(true, true, true, "sdc");
	yajl_val eth1 = doc(false, true, true, "sdc");
	yajl_val eth2 = doc(true, false, true, "sdc");
	yajl_val sdb = doc(true, true, false, "sdc");
	yajl_val gone = doc(true, true, true, "");
	struct seen s;
	diff(all, all, &s);
	CU_ASSERT_EQUAL(s.n, 0);
	diff(all, eth1, &s);
	CU_ASSERT_EQUAL_FATAL(s.n, 1);
	U_STR_EQ(s.what[0], "link eth1 down bond=bond0 bridge=xenbr0 1/2 guests=1");
	diff(eth1, all, &s);
	CU_ASSERT_EQUAL_FATAL(s.n, 1);
	U_STR_EQ(s.what[0], "link eth1 up bond=bond0 bridge=xenbr0 2/2 guests=1");
	diff(all, eth2, &s);
	CU_ASSERT_EQUAL_FATAL(s.n, 1);
	U_STR_EQ(s.what[0], "link eth2 down bond= bridge=xenbr1 -1/-1 guests=0");
	diff(all, sdb, &s);
	CU_ASSERT_EQUAL_FATAL(s.n, 1);
	U_STR_EQ(s.what[0], "path mpatha/sdb down failed,faulty 1/2 guests=1");
	diff(sdb, all, &s);
	CU_ASSERT_EQUAL_FATAL(s.n, 1);
	U_STR_EQ(s.what[0], "path mpatha/sdb up active,ready 2/2 guests=1");
	/* A live path gone from its map counts as down; a path new to its map
	 * has nothing to be compared with. */
	diff(all, gone, &s);
	CU_ASSERT_EQUAL_FATAL(s.n, 1);
	U_STR_EQ(s.what[0], "path mpatha/sdc down removed,removed 1/1 guests=1");
	diff(gone, all, &s);
	CU_ASSERT_EQUAL(s.n, 0);
	/* Several at once, and documents of another shape: no event. */
	diff(eth1, sdb, &s);
	CU_ASSERT_EQUAL(s.n, 2);
	yajl_val odd = yajl_tree_parse("{\"net\": [1, 2], \"storage\": {\"maps\": {}}}", NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(odd);
	diff(odd, all, &s);
	CU_ASSERT_EQUAL(s.n, 0);
	diff(all, odd, &s);
	CU_ASSERT_EQUAL(s.n, 0);
	yajl_val v[] = { all, eth1, eth2, sdb, gone, odd };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		yajl_tree_free(v[i]);
}

/* The first picture (nothing before it): what is down in it is told, as a
 * state ("down!": initial), each with the figures and guests a change has. */
static void t_first(void)
{
	yajl_val all = doc(true, true, true, "sdc");
	yajl_val down = doc(false, false, false, "sdc");
	struct seen s;
	diff(NULL, all, &s);
	CU_ASSERT_EQUAL(s.n, 0);
	diff(NULL, down, &s);
	CU_ASSERT_EQUAL_FATAL(s.n, 3);
	U_STR_EQ(s.what[0], "link eth1 down! bond=bond0 bridge=xenbr0 1/2 guests=1");
	U_STR_EQ(s.what[1], "link eth2 down! bond= bridge=xenbr1 -1/-1 guests=0");
	U_STR_EQ(s.what[2], "path mpatha/sdb down! failed,faulty 1/2 guests=1");
	/* Later changes are changes, not states. */
	diff(down, all, &s);
	CU_ASSERT_EQUAL_FATAL(s.n, 3);
	U_STR_EQ(s.what[0], "link eth1 up bond=bond0 bridge=xenbr0 2/2 guests=1");
	yajl_val odd = yajl_tree_parse("{\"net\": [1, 2], \"storage\": {\"maps\": {}}}", NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(odd);
	diff(NULL, odd, &s);
	CU_ASSERT_EQUAL(s.n, 0);
	yajl_tree_free(all);
	yajl_tree_free(down);
	yajl_tree_free(odd);
}

/* The kernel's word on a path (a uevent) into the picture kept: told once,
 * the picture changed so that the next refresh (which says the same) is no
 * change, and a refresh older than the word is made to agree. */
static void t_heard(void)
{
	yajl_val kept = doc(true, true, true, "sdc");
	yajl_val later = doc(true, true, false, "sdc"); /* multipathd has it too */
	struct seen s;
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(io_summary_path_heard(kept, "3600a", "", "sdb", false, record, &s), 1);
	CU_ASSERT_EQUAL_FATAL(s.n, 1);
	U_STR_EQ(s.what[0], "path mpatha/sdb down(uevent) failed,ready 1/2 guests=1");
	/* Said twice (multipathd's own fail_path after the kernel's): once. */
	CU_ASSERT_EQUAL(io_summary_path_heard(kept, "3600a", "", "sdb", false, record, &s), 0);
	CU_ASSERT_EQUAL(s.n, 1);
	diff(kept, later, &s);
	CU_ASSERT_EQUAL(s.n, 0);
	/* The summary counts it. */
	yajl_gen g = yajl_gen_alloc(NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	yajl_gen_map_open(g);
	CU_ASSERT_EQUAL(io_summary_gen(g, kept), 0);
	const unsigned char *buf;
	size_t len;
	yajl_gen_get_buf(g, &buf, &len);
	CU_ASSERT_PTR_NOT_NULL(memmem(buf, len, "\"paths_live\":1,", 15));
	yajl_gen_free(g);
	/* By the map's name when the uevent has no multipathd uuid; back up. */
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(io_summary_path_heard(kept, "", "mpatha", "sdb", true, record, &s), 1);
	CU_ASSERT_EQUAL_FATAL(s.n, 1);
	U_STR_EQ(s.what[0], "path mpatha/sdb up(uevent) active,ready 2/2 guests=1");
	/* A refresh begun before the word: made to agree, then no change. */
	yajl_val stale = doc(true, true, true, "sdc");
	CU_ASSERT_EQUAL(io_summary_path_heard(kept, "3600a", "", "sdc", false, record, &s), 1);
	CU_ASSERT_EQUAL(io_summary_path_heard(stale, "3600a", "", "sdc", false, record, &s), 1);
	memset(&s, 0, sizeof(s));
	diff(kept, stale, &s);
	CU_ASSERT_EQUAL(s.n, 0);
	/* What the picture does not have. */
	CU_ASSERT_EQUAL(io_summary_path_heard(kept, "3600b", "", "sdb", false, record, &s), -ENOENT);
	CU_ASSERT_EQUAL(io_summary_path_heard(kept, "3600a", "", "sdz", false, record, &s), -ENOENT);
	CU_ASSERT_EQUAL(io_summary_path_heard(kept, "", "mpathz", "sdb", false, record, &s), -ENOENT);
	yajl_tree_free(kept);
	yajl_tree_free(later);
	yajl_tree_free(stale);
}

static void t_gen(void)
{
	yajl_val d = doc(false, true, false, "sdc");
	yajl_gen g = yajl_gen_alloc(NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	yajl_gen_map_open(g);
	CU_ASSERT_EQUAL(io_summary_gen(g, d), 0);
	yajl_gen_map_close(g);
	const unsigned char *buf;
	size_t len;
	yajl_gen_get_buf(g, &buf, &len);
	char out[2048];
	snprintf(out, sizeof(out), "%.*s", (int)len, buf);
	U_STR_EQ(out, "{\"bonds\":[{\"name\":\"bond0\",\"mode\":\"802.3ad\",\"bridge\":\"xenbr0\","
		      "\"members\":2,\"members_up\":1,\"down\":[\"eth1\"]}],"
		      "\"ports\":[{\"name\":\"eth2\",\"bridge\":\"xenbr1\",\"up\":true}],"
		      "\"maps\":1,\"paths\":2,\"paths_live\":1,"
		      "\"maps_degraded\":[{\"name\":\"mpatha\",\"wwid\":\"3600a\",\"live\":1,"
		      "\"total\":2,\"down\":[\"sdb\"]}],"
		      "\"budget_mbytes\":1600,\"target_mbytes\":400,\"notes\":[\"a note\"]}");
	yajl_gen_free(g);
	yajl_tree_free(d);
}

void suite_io_summary_register(void)
{
	CU_pSuite s = CU_add_suite("io_summary", NULL, NULL);
	CU_add_test(s, "changes between two refreshes", t_diff);
	CU_add_test(s, "what is down in the first picture", t_first);
	CU_add_test(s, "a path's state from a uevent", t_heard);
	CU_add_test(s, "the summary host.info shows", t_gen);
}
