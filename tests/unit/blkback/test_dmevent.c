/* test_dmevent: the kernel's uevents for multipath paths (blkback/dmevent.c):
 * datagrams as dm-uevent.c sends them, other uevents, malformed ones, and a
 * path's block device found from its MAJOR:MINOR. */
#include "../../../blkback/dmevent.h"
#include "../../lib/cunit_run.h"
#include "suites.h"
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The datagram of FIELDS (NULL-ended), each ended by a NUL, in BUF. */
static size_t dgram(char *buf, size_t size, const char *const *fields)
{
	size_t off = 0;
	for (; *fields; fields++) {
		size_t l = strlen(*fields) + 1;
		CU_ASSERT_FATAL(off + l <= size);
		memcpy(buf + off, *fields, l);
		off += l;
	}
	return off;
}

#define HEAD "change@/devices/virtual/block/dm-0", "ACTION=change", \
	     "DEVPATH=/devices/virtual/block/dm-0", "SUBSYSTEM=block", "DM_TARGET=multipath"

static void test_path_events(void)
{
	char buf[2048], err[256];
	struct dm_path_event e;
	const char *failed[] = { HEAD, "DM_ACTION=PATH_FAILED", "DM_SEQNUM=3", "DM_PATH=8:16",
				 "DM_NR_VALID_PATHS=1", "DM_NAME=mpatha",
				 "DM_UUID=mpath-3600a0b80001234", "SEQNUM=4242", NULL };
	CU_ASSERT_EQUAL(dm_uevent_parse(buf, dgram(buf, sizeof(buf), failed), &e, err, sizeof(err)), 1);
	CU_ASSERT(!e.reinstated);
	CU_ASSERT_EQUAL(e.major, 8);
	CU_ASSERT_EQUAL(e.minor, 16);
	CU_ASSERT_EQUAL(e.nr_valid, 1);
	CU_ASSERT_STRING_EQUAL(e.map, "mpatha");
	CU_ASSERT_STRING_EQUAL(e.wwid, "3600a0b80001234");
	const char *back[] = { HEAD, "DM_ACTION=PATH_REINSTATED", "DM_PATH=65:1048575",
			       "DM_NAME=35000c500a1b2c3d0", "DM_UUID=LVM-abc", NULL };
	CU_ASSERT_EQUAL(dm_uevent_parse(buf, dgram(buf, sizeof(buf), back), &e, err, sizeof(err)), 1);
	CU_ASSERT(e.reinstated);
	CU_ASSERT_EQUAL(e.minor, 1048575);
	CU_ASSERT_EQUAL(e.nr_valid, -1);
	CU_ASSERT_STRING_EQUAL(e.wwid, ""); /* not multipathd's uuid */
	/* Other uevents: 0. */
	const char *const others[][8] = {
		{ "add@/devices/vif-1-0/net/vif1.0", "ACTION=add", "SUBSYSTEM=net", NULL },
		{ HEAD, "DM_ACTION=PATH_SOMETHING", "DM_PATH=8:16", NULL },
		{ "change@/devices/virtual/block/dm-0", "ACTION=change", "SUBSYSTEM=block",
		  "DM_TARGET=linear", "DM_ACTION=PATH_FAILED", "DM_PATH=8:16", NULL },
		{ "change@/devices/virtual/block/dm-0", "ACTION=change", "SUBSYSTEM=block",
		  "DM_COOKIE=1", NULL },
	};
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		CU_ASSERT_EQUAL(dm_uevent_parse(buf, dgram(buf, sizeof(buf), others[i]), &e, err,
						sizeof(err)), 0);
	memcpy(buf, "libudev\0\xfe\xed\xca\xfe", 12);
	CU_ASSERT_EQUAL(dm_uevent_parse(buf, 12, &e, err, sizeof(err)), 0);
}

static void test_bad(void)
{
	char buf[2048], err[256];
	struct dm_path_event e;
	static const struct {
		const char *fields[10];
		const char *says;
	} bad[] = {
		{ { "change", "ACTION=change", NULL }, "no \"ACTION@DEVPATH\" header" },
		{ { HEAD, "DM_ACTION=PATH_FAILED", "no equals sign", NULL }, "is no KEY=VALUE" },
		{ { HEAD, "DM_ACTION=PATH_FAILED", "=x", NULL }, "is no KEY=VALUE" },
		{ { HEAD, "DM_ACTION=PATH_FAILED", "DM_PATH=8:16", "DM_PATH=8:32", NULL },
		  "DM_PATH twice" },
		{ { HEAD, "DM_ACTION=PATH_FAILED", NULL }, "DM_PATH is absent" },
		{ { HEAD, "DM_ACTION=PATH_FAILED", "DM_PATH=8", NULL }, "DM_PATH is \"8\"" },
		{ { HEAD, "DM_ACTION=PATH_FAILED", "DM_PATH=4096:1", NULL }, "not MAJOR:MINOR" },
		{ { HEAD, "DM_ACTION=PATH_FAILED", "DM_PATH=8:1048576", NULL }, "not MAJOR:MINOR" },
		{ { HEAD, "DM_ACTION=PATH_FAILED", "DM_PATH=8:-1", NULL }, "not MAJOR:MINOR" },
		{ { HEAD, "DM_ACTION=PATH_FAILED", "DM_PATH=8:16", "DM_NR_VALID_PATHS=x", NULL },
		  "DM_NR_VALID_PATHS is not a count" },
		{ { HEAD, "DM_ACTION=PATH_FAILED", "DM_PATH=8:16", "DM_NAME=../x", NULL },
		  "a name with '/'" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		int r = dm_uevent_parse(buf, dgram(buf, sizeof(buf), bad[i].fields), &e, err,
					sizeof(err));
		if (r != -EINVAL || !strstr(err, bad[i].says)) {
			fprintf(stderr, "\ncase %zu: %d, '%s'\n", i, r, err);
			CU_FAIL("a bad uevent");
		}
	}
	/* The last string without its NUL; nothing; too much. */
	const char *cut[] = { HEAD, "DM_ACTION=PATH_FAILED", NULL };
	size_t n = dgram(buf, sizeof(buf), cut);
	CU_ASSERT_EQUAL(dm_uevent_parse(buf, n - 1, &e, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "has no NUL"));
	CU_ASSERT_EQUAL(dm_uevent_parse(buf, 0, &e, err, sizeof(err)), -EINVAL);
	static char big[DM_UEVENT_MAX + 1];
	CU_ASSERT_EQUAL(dm_uevent_parse(big, sizeof(big), &e, err, sizeof(err)), -EINVAL);
	/* A name of DM_NAME_LEN characters does not fit (the kernel's is shorter). */
	char name[160] = "DM_NAME=";
	memset(name + 8, 'a', 128);
	const char *longname[] = { HEAD, "DM_ACTION=PATH_FAILED", "DM_PATH=8:16", name, NULL };
	CU_ASSERT_EQUAL(dm_uevent_parse(buf, dgram(buf, sizeof(buf), longname), &e, err,
					sizeof(err)), -EINVAL);
}

static void test_path_dev(void)
{
	char *root = tmp_root(), dev[64], link[4200];
	tmp_write(root, "sys/devices/pci0000:00/0000:00:04.0/virtio1/host2/target2:0:0/2:0:0:0/block/sdb/dev",
		  "8:16\n");
	snprintf(link, sizeof(link), "%s/sys/dev/block", root);
	tmp_write(root, "sys/dev/block/.keep", "");
	snprintf(link, sizeof(link), "%s/sys/dev/block/8:16", root);
	CU_ASSERT_EQUAL_FATAL(symlink("../../devices/pci0000:00/0000:00:04.0/virtio1/host2/target2:0:0/2:0:0:0/block/sdb",
				      link), 0);
	CU_ASSERT_EQUAL(dm_path_dev(root, 8, 16, dev, sizeof(dev)), 0);
	CU_ASSERT_STRING_EQUAL(dev, "sdb");
	CU_ASSERT_EQUAL(dm_path_dev(root, 8, 32, dev, sizeof(dev)), -ENOENT);
	CU_ASSERT_EQUAL(dm_path_dev(root, 8, 16, dev, 3), -ENAMETOOLONG);
	tmp_remove(root);
}

void register_dmevent(void)
{
	CU_pSuite s = CU_add_suite("dm uevents", NULL, NULL);
	CU_add_test(s, "multipath path events", test_path_events);
	CU_add_test(s, "bad uevents, with what and where", test_bad);
	CU_add_test(s, "a path's block device", test_path_dev);
}
