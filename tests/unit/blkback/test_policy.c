/* test_policy: io.conf's storage keys, and the policy against a host. */
#include "../../../blkback/host.h"
#include "../../../blkback/policy.h"
#include "../../../lib/errmsg.h"
#include "../../lib/cunit_run.h"
#include "suites.h"
#include <CUnit/Basic.h>
#include <errno.h>
#include <string.h>

static int parse(const char *text, struct storage_policy *p, char *err, size_t errlen)
{
	return storage_policy_parse("io.conf", text, strlen(text), p, err, errlen);
}

static void test_good(void)
{
	struct storage_policy p;
	char err[XCD_ERR_MAX] = "";
	const char *conf = "management_nic = \"eno1\"\n"
			   "bond = [ \"name=bond0,nics=eth0+eth1,lacp=yes\" ]\n"
			   "net_guest_mbit = 200\nnet_queues = \"auto\"\n"
			   "storage_target_mbytes = 400\nstorage_paths = 4\n"
			   "lun = [ \"wwid=3600a0b80001234,paths=4,hbas=2\", \"wwid=3600a0b80009999,paths=1\" ]\n"
			   "storage_no_path_retry = 12\nstorage_queues = 4\n";
	CU_ASSERT_EQUAL_FATAL(parse(conf, &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(p.target_mbytes, 400);
	CU_ASSERT_EQUAL(p.paths, 4);
	CU_ASSERT_EQUAL(p.hbas, 2);
	CU_ASSERT_EQUAL(p.queues, 4);
	CU_ASSERT_EQUAL(p.n_luns, 2);
	unsigned paths, hbas;
	storage_policy_for(&p, "3600a0b80009999", &paths, &hbas);
	CU_ASSERT_EQUAL(paths, 1);
	CU_ASSERT_EQUAL(hbas, 1);
	storage_policy_for(&p, "3600a0b8000other", &paths, &hbas);
	CU_ASSERT_EQUAL(paths, 4);
	CU_ASSERT_EQUAL(hbas, 2);
	storage_policy_free(&p);
	CU_ASSERT_EQUAL_FATAL(parse("", &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(p.target_mbytes, 400);
	CU_ASSERT_EQUAL(p.paths, 2);
	CU_ASSERT_EQUAL(p.hbas, 2);
	CU_ASSERT_EQUAL(p.no_path_retry, 12);
	CU_ASSERT_EQUAL(p.fast_io_fail_tmo, 5);
	CU_ASSERT_EQUAL(p.queues, 0);
	storage_policy_free(&p);
}

static void test_bad(void)
{
	static const char *const cases[][2] = {
		{ "storage_no_path_retry = \"queue\"\n",
		  "io.conf:1:25: storage_no_path_retry = \"queue\": must be a number of checks from 1 to 720: "
		  "\"queue\" hangs dom0 and the guests when the last path goes, \"fail\" fails I/O at the "
		  "first blip" },
		{ "storage_no_path_retry = 0\n",
		  "io.conf:1:25: storage_no_path_retry = 0: must be from 1 to 720 (checks of 5 s; never queue forever)" },
		{ "storage_paths = 2\nstorage_pathz = 3\n",
		  "io.conf:2:1: unknown key storage_pathz (storage_target_mbytes, storage_paths, storage_hbas, "
		  "storage_no_path_retry, storage_fast_io_fail_tmo, storage_target_port_gbit, storage_queues, lun)" },
		{ "storage_target_mbytes = \"400\"\n",
		  "io.conf:1:25: storage_target_mbytes must be a number (MB/s), not a string" },
		{ "lun = \"wwid=1\"\n",
		  "io.conf:1:7: lun must be a list of strings ([ \"wwid=...\" ]), not a string" },
		{ "lun = [\n  \"paths=2\" ]\n", "io.conf:2:3: lun entry 1 has no wwid=" },
		{ "lun = [ \"wwid=36,paths=99\" ]\n", "io.conf:1:9: lun entry 1: paths must be from 1 to 64" },
		{ "lun = [ \"wwid=36,speed=1\" ]\n",
		  "io.conf:1:9: lun entry 1: unknown key 'speed' (wwid, paths, hbas)" },
		{ "lun = [ \"wwid=36,paths=1,hbas=2\" ]\n",
		  "io.conf:1:9: lun entry 1: hbas=2, more than its paths=1" },
		{ "lun = [ \"wwid=36\", \"wwid=36\" ]\n",
		  "io.conf:1:20: lun entry 2: wwid 36 is already set by entry 1" },
		{ "lun = [ \"wwid=3 6\" ]\n",
		  "io.conf:1:9: lun entry 1: the wwid must be 1 to 127 letters, digits or .-_:" },
		{ "storage_paths = 1\nstorage_hbas = 2\n",
		  "io.conf:2:16: storage_hbas = 2, more than storage_paths = 1" },
		{ "storage_queues = \"many\"\n",
		  "io.conf:1:18: storage_queues must be \"auto\" or a number from 1 to 256" },
		{ "storage_paths = [ 2\n", NULL }, /* the grammar's own error */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct storage_policy p;
		char err[XCD_ERR_MAX] = "";
		CU_ASSERT(parse(cases[i][0], &p, err, sizeof(err)) < 0);
		if (cases[i][1])
			u_str_eq(err, cases[i][1], cases[i][0], __FILE__, __LINE__);
		else
			CU_ASSERT(strncmp(err, "io.conf:", 8) == 0);
	}
}

static void test_against_host(void)
{
	struct blk_host h;
	char err[XCD_ERR_MAX] = "";
	CU_ASSERT_EQUAL_FATAL(blk_host_read(BLK_FIXTURES "/dual-hba", &h, err, sizeof(err)), 0);
	static const char *const cases[][2] = {
		{ "lun = [ \"wwid=3600a0b800012340a0001,paths=4\" ]\n", NULL },
		{ "storage_paths = 2\nlun = [ \"wwid=3600a0b800012340a0001\",\n \"wwid=3600nosuchlun\" ]\n",
		  "io.conf:3:2: lun wwid=3600nosuchlun: no multipath map has this WWID (6 maps)" },
		{ "lun = [ \"wwid=3600a0b800012340a0002,paths=8,hbas=2\" ]\n",
		  "io.conf:1:9: lun wwid=3600a0b800012340a0002: paths=8, but map mpathc has 4 paths in all" },
		{ "lun = [ \"wwid=3600a0b800012340a0002,paths=4,hbas=3\" ]\n",
		  "io.conf:1:9: lun wwid=3600a0b800012340a0002: hbas=3, but the host has 2 HBAs" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct storage_policy p;
		CU_ASSERT_EQUAL_FATAL(parse(cases[i][0], &p, err, sizeof(err)), 0);
		int r = storage_policy_check(&p, &h, err, sizeof(err));
		if (cases[i][1]) {
			CU_ASSERT_EQUAL(r, -EINVAL);
			u_str_eq(err, cases[i][1], cases[i][0], __FILE__, __LINE__);
		} else {
			CU_ASSERT_EQUAL(r, 0);
		}
		storage_policy_free(&p);
	}
	blk_host_free(&h);
	/* the fixtures' own io.conf files pass */
	const char *hosts[] = { "dual-hba", "paths-down", "empty", "single-hba" };
	for (size_t i = 0; i < 4; i++) {
		char root[512], conf[600];
		snprintf(root, sizeof(root), "%s/%s", BLK_FIXTURES, hosts[i]);
		snprintf(conf, sizeof(conf), "%s/etc/xcd/io.conf", root);
		struct storage_policy p;
		CU_ASSERT_EQUAL_FATAL(storage_policy_load(conf, &p, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL_FATAL(blk_host_read(root, &h, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(storage_policy_check(&p, &h, err, sizeof(err)), 0);
		blk_host_free(&h);
		storage_policy_free(&p);
	}
}

void register_policy(void)
{
	CU_pSuite s = CU_add_suite("policy", NULL, NULL);
	CU_add_test(s, "storage keys and defaults", test_good);
	CU_add_test(s, "bad keys and values with FILE:LINE:COLUMN", test_bad);
	CU_add_test(s, "against the host", test_against_host);
}
