/* test_mpath: multipathd's JSON: the fixture documents, wrong types,
 * truncation, absurd sizes and nesting, queueing. */
#include "../../../blkback/mpath.h"
#include "../../../lib/errmsg.h"
#include "../../lib/cunit_run.h"
#include "suites.h"
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char one_map[] =
	"{ \"major_version\": 0, \"minor_version\": 1, \"maps\": [ {"
	" \"name\": \"mpatha\", \"uuid\": \"3600a0b80001234\", \"sysfs\": \"dm-0\","
	" \"failback\": \"immediate\", \"queueing\": \"12 chk\", \"paths\": 1, \"write_prot\": \"rw\","
	" \"dm_st\": \"active\", \"features\": \"0\", \"hwhandler\": \"1 alua\", \"action\": \"\","
	" \"path_faults\": 0, \"vend\": \"NETAPP\", \"prod\": \"INF-01-00\", \"rev\": \"0820\","
	" \"switch_grp\": 0, \"map_loads\": 1, \"total_q_time\": 0, \"q_timeouts\": 0,"
	" \"path_groups\": [ { \"selector\": \"service-time 0\", \"pri\": 50, \"dm_st\": \"active\","
	"  \"marginal_st\": \"normal\", \"group\": 1, \"paths\": [ { \"dev\": \"sdb\", \"dev_t\": \"8:16\","
	"  \"dm_st\": \"active\", \"dev_st\": \"running\", \"chk_st\": \"ready\", \"checker\": \"tur\","
	"  \"pri\": 50, \"host_wwnn\": \"0x20000090fa000001\", \"target_wwnn\": \"0x20140080e5180000\","
	"  \"host_wwpn\": \"0x10000090fa000001\", \"target_wwpn\": \"0x20140080e5180001\","
	"  \"host_adapter\": \"0000:05:00.0\", \"lun_hex\": \"0x0000000000000000\","
	"  \"marginal_st\": \"normal\" } ] } ] } ] }";

static int parse(const char *s, struct mp_doc *d, char *err, size_t errlen)
{
	return mpath_parse(s, strlen(s), d, err, errlen);
}

/* ONE_MAP with FROM replaced by TO, parsed; the error in ERR. */
static int variant(const char *from, const char *to, char *err, size_t errlen)
{
	const char *at = strstr(one_map, from);
	CU_ASSERT_FATAL(at != NULL);
	char buf[4096];
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - one_map), one_map, to, at + strlen(from));
	struct mp_doc d;
	int r = parse(buf, &d, err, errlen);
	if (r == 0)
		mpath_free(&d);
	return r;
}

static void test_good(void)
{
	struct mp_doc d;
	char err[XCD_ERR_MAX] = "";
	CU_ASSERT_EQUAL_FATAL(parse(one_map, &d, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(d.n_maps, 1);
	CU_ASSERT_EQUAL(d.maps[0].n_groups, 1);
	CU_ASSERT_EQUAL(d.maps[0].groups[0].n_paths, 1);
	CU_ASSERT_EQUAL(d.maps[0].groups[0].pri, 50);
	u_str_eq(d.maps[0].groups[0].paths[0].host_wwpn, "0x10000090fa000001", "host_wwpn", __FILE__,
		 __LINE__);
	int checks;
	CU_ASSERT_EQUAL(mpath_queueing(&d.maps[0], &checks), MP_QUEUE_BOUNDED);
	CU_ASSERT_EQUAL(checks, 12);
	CU_ASSERT(mpath_path_live(&d.maps[0].groups[0].paths[0]));
	CU_ASSERT(mpath_by_device(&d, "/dev/mapper/mpatha") == &d.maps[0]);
	CU_ASSERT(mpath_by_device(&d, "/dev/dm-0") == &d.maps[0]);
	CU_ASSERT(mpath_by_device(&d, "dm-1") == NULL);
	mpath_free(&d);

	/* multipathd with no maps */
	CU_ASSERT_EQUAL(parse("{\"major_version\": 0, \"minor_version\": 1, \"maps\": []}", &d, err,
			      sizeof(err)), 0);
	CU_ASSERT_EQUAL(d.n_maps, 0);
	mpath_free(&d);

	CU_ASSERT_EQUAL_FATAL(mpath_read(BLK_FIXTURES "/dual-hba", "run/xcd/multipathd-maps.json", &d,
					 err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(d.n_maps, 6);
	CU_ASSERT_EQUAL(d.maps[1].n_groups, 2);
	CU_ASSERT_EQUAL(mpath_queueing(&d.maps[1], &checks), MP_QUEUE_UNSET);
	mpath_free(&d);
	CU_ASSERT_EQUAL_FATAL(mpath_read(BLK_FIXTURES "/single-hba", "run/xcd/multipathd-maps.json", &d,
					 err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(mpath_queueing(&d.maps[0], &checks), MP_QUEUE_FOREVER);
	mpath_free(&d);
	/* no multipathd output: no maps */
	CU_ASSERT_EQUAL(mpath_read(BLK_FIXTURES "/empty", "run/xcd/multipathd-maps.json", &d, err,
				   sizeof(err)), 0);
	CU_ASSERT_EQUAL(d.n_maps, 0);
}

static void test_types(void)
{
	char err[XCD_ERR_MAX];
	CU_ASSERT_EQUAL(variant("\"pri\": 50, \"dm_st\"", "\"pri\": \"50\", \"dm_st\"", err, sizeof(err)),
			-EINVAL);
	u_str_eq(err, "multipathd JSON: maps[0].path_groups[0].pri: an integer was expected, found a string",
		 "group pri", __FILE__, __LINE__);
	CU_ASSERT_EQUAL(variant("\"paths\": 1,", "\"paths\": 1.5,", err, sizeof(err)), -EINVAL);
	u_str_eq(err, "multipathd JSON: maps[0].paths: an integer was expected, found a number", "paths",
		 __FILE__, __LINE__);
	CU_ASSERT_EQUAL(variant("\"host_wwpn\": \"0x10000090fa000001\"", "\"host_wwpn\": null", err,
				sizeof(err)), -EINVAL);
	u_str_eq(err,
		 "multipathd JSON: maps[0].path_groups[0].paths[0].host_wwpn: a string was expected, found null",
		 "host_wwpn", __FILE__, __LINE__);
	CU_ASSERT_EQUAL(variant("\"uuid\": \"3600a0b80001234\",", "", err, sizeof(err)), -EINVAL);
	u_str_eq(err, "multipathd JSON: maps[0].uuid: missing (a string is needed)", "uuid", __FILE__,
		 __LINE__);
	CU_ASSERT_EQUAL(variant("\"path_groups\": [", "\"path_groups\": {\"x\": 1}, \"y\": [", err,
				sizeof(err)), -EINVAL);
	CU_ASSERT(strstr(err, "path_groups: an array was expected, found an object") != NULL);
	CU_ASSERT_EQUAL(variant("\"major_version\": 0", "\"major_version\": 1", err, sizeof(err)),
			-EPROTO);
	/* unknown fields and fields it does not use are let through */
	CU_ASSERT_EQUAL(variant("\"rev\": \"0820\"", "\"rev\": \"0820\", \"new\": [1, {}]", err,
				sizeof(err)), 0);
	CU_ASSERT_EQUAL(variant("\"path_faults\": 0", "\"path_faults\": \"x\"", err, sizeof(err)), 0);
}

static void test_broken(void)
{
	char err[XCD_ERR_MAX];
	struct mp_doc d;
	/* truncated at every length: never accepted, never a crash */
	size_t len = strlen(one_map);
	size_t refused = 0;
	for (size_t i = 0; i < len; i++)
		if (mpath_parse(one_map, i, &d, err, sizeof(err)) < 0)
			refused++;
		else
			mpath_free(&d);
	CU_ASSERT_EQUAL(refused, len);
	CU_ASSERT_EQUAL(parse("{\"maps\": [", &d, err, sizeof(err)), -EINVAL);
	CU_ASSERT(strncmp(err, "multipathd JSON: not JSON: ", 27) == 0);
	/* multipathd does not escape names: a quote in one breaks the document */
	CU_ASSERT_EQUAL(variant("\"mpatha\"", "\"mpa\"tha\"", err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(mpath_parse("{\"a\":\0}", 7, &d, err, sizeof(err)), -EINVAL);
	u_str_eq(err, "multipathd JSON: a NUL byte in the document", "nul", __FILE__, __LINE__);
}

static void test_sizes(void)
{
	char err[XCD_ERR_MAX];
	struct mp_doc d;
	/* nesting: refused before yajl builds (and recursively frees) a tree */
	size_t deep = 100000;
	char *s = malloc(2 * deep + 1);
	memset(s, '[', deep);
	memset(s + deep, ']', deep);
	s[2 * deep] = '\0';
	CU_ASSERT_EQUAL(mpath_parse(s, 2 * deep, &d, err, sizeof(err)), -EINVAL);
	u_str_eq(err, "multipathd JSON: nested deeper than 8", "depth", __FILE__, __LINE__);
	free(s);
	/* too many maps */
	size_t n = MPATH_MAX_MAPS + 1;
	s = malloc(64 + 3 * n);
	size_t l = (size_t)sprintf(s, "{\"major_version\":0,\"minor_version\":1,\"maps\":[");
	for (size_t i = 0; i < n; i++)
		l += (size_t)sprintf(s + l, "%s{}", i ? "," : "");
	l += (size_t)sprintf(s + l, "]}");
	CU_ASSERT_EQUAL(mpath_parse(s, l, &d, err, sizeof(err)), -EINVAL);
	u_str_eq(err, "multipathd JSON: maps: 4097 entries, more than 4096", "maps", __FILE__, __LINE__);
	free(s);
	/* a string longer than its field */
	char name[300];
	memset(name, 'n', sizeof(name) - 1);
	name[0] = '"';
	name[sizeof(name) - 2] = '"';
	name[sizeof(name) - 1] = '\0';
	CU_ASSERT_EQUAL(variant("\"mpatha\"", name, err, sizeof(err)), -EINVAL);
	u_str_eq(err, "multipathd JSON: maps[0].name: 297 bytes, more than 127", "name", __FILE__,
		 __LINE__);
	/* the whole document */
	CU_ASSERT_EQUAL(mpath_parse("", (size_t)MPATH_MAX_SIZE + 1, &d, err, sizeof(err)), -EFBIG);
	/* an integer out of int's range */
	CU_ASSERT_EQUAL(variant("\"paths\": 1,", "\"paths\": 99999999999,", err, sizeof(err)), -EINVAL);
}

static void test_queueing(void)
{
	struct mp_map m = { 0 };
	int c;
	strcpy(m.queueing, "off");
	CU_ASSERT_EQUAL(mpath_queueing(&m, &c), MP_QUEUE_FAIL);
	strcpy(m.queueing, "on");
	CU_ASSERT_EQUAL(mpath_queueing(&m, &c), MP_QUEUE_FOREVER);
	strcpy(m.queueing, "35 sec");
	CU_ASSERT_EQUAL(mpath_queueing(&m, &c), MP_QUEUE_BOUNDED);
	CU_ASSERT_EQUAL(c, 0);
	strcpy(m.queueing, "-");
	strcpy(m.features, "0");
	CU_ASSERT_EQUAL(mpath_queueing(&m, &c), MP_QUEUE_UNSET);
	strcpy(m.features, "1 queue_if_no_path");
	CU_ASSERT_EQUAL(mpath_queueing(&m, &c), MP_QUEUE_FOREVER);
}

void register_mpath(void)
{
	CU_pSuite s = CU_add_suite("mpath", NULL, NULL);
	CU_add_test(s, "documents of 0.9.4 and the fixtures", test_good);
	CU_add_test(s, "wrong and missing types", test_types);
	CU_add_test(s, "truncated and unparsable", test_broken);
	CU_add_test(s, "absurd sizes and nesting", test_sizes);
	CU_add_test(s, "queueing", test_queueing);
}
