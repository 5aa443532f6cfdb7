/* test_measure: a map's read rate (blkback/measure.c): the reading on a
 * plain file, and the device checks on a fixture root (the real device
 * reads are tests/system/tune/measure's, on loop devices). */
#include "../../../blkback/measure.h"
#include "../../lib/cunit_run.h"
#include "suites.h"
#include <CUnit/Basic.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_fd(void)
{
	char *root = tmp_root(), path[4200], err[256] = "";
	snprintf(path, sizeof(path), "%s/disk", root);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	/* 3 MiB and a sector: reads of 1 MiB, the last one cut to a sector. */
	CU_ASSERT_EQUAL_FATAL(ftruncate(fd, (3 << 20) + 512), 0);
	struct blk_rate r;
	CU_ASSERT_EQUAL(blk_measure_fd(fd, (3 << 20) + 512, 200, &r, err, sizeof(err)), 0);
	CU_ASSERT(r.bytes > (3u << 20));
	CU_ASSERT(r.wrapped);
	CU_ASSERT(r.seconds >= 0.2 && r.seconds < 5);
	CU_ASSERT(r.mbytes_s > 0);
	CU_ASSERT_EQUAL(blk_measure_fd(fd, 100, 200, &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "too small"));
	close(fd);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(blk_measure_fd(fd, 4096, 100, &r, err, sizeof(err)), -EBADF);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "read at byte 0"));
	close(fd);
	tmp_remove(root);
}

static void test_map_checks(void)
{
	char *root = tmp_root(), err[256];
	struct blk_rate r;
	struct mp_map m = { .name = "mpatha" };
	const char *bad[] = { "sdb", "dm-", "dm-1x", "../dm-1", "dm-12345678", NULL };
	for (int i = 0; bad[i]; i++) {
		snprintf(m.sysfs, sizeof(m.sysfs), "%s", bad[i]);
		CU_ASSERT_EQUAL(blk_measure_map(root, &m, 100, &r, err, sizeof(err)), -EINVAL);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "not dm-N"));
	}
	snprintf(m.sysfs, sizeof(m.sysfs), "dm-3");
	CU_ASSERT_EQUAL(blk_measure_map(root, &m, 100, &r, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/sys/block/dm-3/dev: No such file"));
	tmp_write(root, "sys/block/dm-3/dev", "253:x\n");
	CU_ASSERT_EQUAL(blk_measure_map(root, &m, 100, &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not MAJOR:MINOR"));
	tmp_write(root, "sys/block/dm-3/dev", "253:3\n");
	CU_ASSERT_EQUAL(blk_measure_map(root, &m, 100, &r, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/dev/dm-3: No such file"));
	tmp_write(root, "dev/dm-3", "not a device");
	CU_ASSERT_EQUAL(blk_measure_map(root, &m, 100, &r, err, sizeof(err)), -ENOTBLK);
	tmp_remove(root);
}

void register_measure(void)
{
	CU_pSuite s = CU_add_suite("measure", NULL, NULL);
	CU_add_test(s, "the reading: bounded, from the start again, errors", test_fd);
	CU_add_test(s, "the device: dm-N only, checked against sysfs", test_map_checks);
}
