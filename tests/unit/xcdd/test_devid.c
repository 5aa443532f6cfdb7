/* devid: virtual-device numbers (blkif.h), default MACs, vif names. */
#include "../../../xcd/devid.h"
#include "../../../lib/errmsg.h"
#include "suites.h"
#include <errno.h>
#include <string.h>

static int id(const char *vdev)
{
	int d = -1;
	char err[XCD_ERR_MAX] = "";
	CU_ASSERT_EQUAL(devid_from_vdev(vdev, &d, err, sizeof(err)), 0);
	U_STR_EQ(err, "");
	return d;
}

static void t_xvd(void)
{
	CU_ASSERT_EQUAL(id("xvda"), 51712);  /* 202 << 8 */
	CU_ASSERT_EQUAL(id("xvdb"), 51728);
	CU_ASSERT_EQUAL(id("xvda1"), 51713);
	CU_ASSERT_EQUAL(id("xvdp15"), (202 << 8) | (15 << 4) | 15);
	/* Beyond 16 disks: the extended form, 1 << 28. */
	CU_ASSERT_EQUAL(id("xvdq"), (1 << 28) | (16 << 8));
	CU_ASSERT_EQUAL(id("xvdaa"), (1 << 28) | (26 << 8));
	CU_ASSERT_EQUAL(id("xvda16"), (1 << 28) | 16);
	CU_ASSERT_EQUAL(id("d0p1"), 51713);
	CU_ASSERT_EQUAL(id("d17"), (1 << 28) | (17 << 8));
}

static void t_hd_sd_number(void)
{
	CU_ASSERT_EQUAL(id("hda"), 3 << 8);
	CU_ASSERT_EQUAL(id("hdb"), (3 << 8) | 64);
	CU_ASSERT_EQUAL(id("hdc"), 22 << 8);
	CU_ASSERT_EQUAL(id("hdd1"), (22 << 8) | 64 | 1);
	CU_ASSERT_EQUAL(id("sda"), 8 << 8);
	CU_ASSERT_EQUAL(id("sdb2"), (8 << 8) | 16 | 2);
	CU_ASSERT_EQUAL(id("51712"), 51712);
	CU_ASSERT_EQUAL(id("0"), 0);
}

static void bad(const char *vdev, const char *says)
{
	int d = 42;
	char err[XCD_ERR_MAX] = "";
	CU_ASSERT_EQUAL(devid_from_vdev(vdev, &d, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(d, 42);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, says));
}

static void t_bad(void)
{
	bad("", "empty");
	bad("xvd", "expected xvdX");
	bad("xvdA", "expected xvdX");
	bad("xvda01", "expected xvdX");
	bad("hde", "out of range");
	bad("sdq", "out of range");
	bad("xvda256", "out of range");
	bad("vda", "expected xvdX");
	bad("12x", "not a device number");
	bad("d", "expected xvdX");
}

static void t_mac(void)
{
	uint8_t u1[16] = { 1, 2, 3 }, u2[16] = { 1, 2, 4 }, a[6], b[6], c[6];
	char s[18];
	devid_default_mac(u1, 0, a);
	devid_default_mac(u1, 0, b);
	CU_ASSERT_EQUAL(memcmp(a, b, 6), 0); /* stable: a restart keeps it */
	CU_ASSERT_EQUAL(a[0], 0x00);
	CU_ASSERT_EQUAL(a[1], 0x16);
	CU_ASSERT_EQUAL(a[2], 0x3e);
	CU_ASSERT_EQUAL(a[3] & 0x80, 0);
	devid_default_mac(u1, 1, b);
	devid_default_mac(u2, 0, c);
	CU_ASSERT_NOT_EQUAL(memcmp(a, b, 6), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(a, c, 6), 0);
	uint8_t m[6] = { 0x00, 0x16, 0x3e, 0x0a, 0xbc, 0xff };
	devid_mac_string(m, s);
	U_STR_EQ(s, "00:16:3e:0a:bc:ff");
	char name[32];
	devid_vif_name(7, 1, name, sizeof(name));
	U_STR_EQ(name, "vif7.1");
}

void suite_devid_register(void)
{
	CU_pSuite s = CU_add_suite("devid", NULL, NULL);
	CU_add_test(s, "xvd and dNpM", t_xvd);
	CU_add_test(s, "hd, sd and numbers", t_hd_sd_number);
	CU_add_test(s, "what names no device", t_bad);
	CU_add_test(s, "MACs and vif names", t_mac);
}
