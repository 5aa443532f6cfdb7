/* xlfmt: xl's memory sizes, CPU maps and columns, compared byte for byte with
 * what xl prints (strings taken from xl's format strings). */
#include "../../../xcd/xlfmt.h"
#include "../../../lib/errmsg.h"
#include "suites.h"
#include <errno.h>
#include <string.h>

static uint64_t mem_ok(const char *s)
{
	uint64_t kb = 12345;
	char err[XCD_ERR_MAX] = "";
	int rc = xlfmt_parse_mem_kb(s, &kb, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, 0);
	U_STR_EQ(err, "");
	return rc == 0 ? kb : 0;
}

static void t_mem_suffixes(void)
{
	CU_ASSERT_EQUAL(mem_ok("512"), 512ull << 10); /* MiB by default, as xl */
	CU_ASSERT_EQUAL(mem_ok("512m"), 512ull << 10);
	CU_ASSERT_EQUAL(mem_ok("512M"), 512ull << 10);
	CU_ASSERT_EQUAL(mem_ok("64k"), 64u);
	CU_ASSERT_EQUAL(mem_ok("64K"), 64u);
	CU_ASSERT_EQUAL(mem_ok("2g"), 2ull << 20);
	CU_ASSERT_EQUAL(mem_ok("1t"), 1ull << 30);
	CU_ASSERT_EQUAL(mem_ok("1048576b"), 1024u);
	CU_ASSERT_EQUAL(mem_ok("0001"), 1024u);
}

static void mem_bad(const char *s, int want, const char *says)
{
	uint64_t kb = 777;
	char err[XCD_ERR_MAX] = "";
	CU_ASSERT_EQUAL(xlfmt_parse_mem_kb(s, &kb, err, sizeof(err)), want);
	CU_ASSERT_EQUAL(kb, 777u); /* untouched on error */
	CU_ASSERT_PTR_NOT_NULL(strstr(err, says));
}

static void t_mem_errors(void)
{
	mem_bad("", -EINVAL, "expected a size");
	mem_bad("m", -EINVAL, "expected a size");
	mem_bad("-5", -EINVAL, "expected a size");
	mem_bad(" 5", -EINVAL, "expected a size");
	mem_bad("5x", -EINVAL, "bad suffix \"x\"");
	mem_bad("5mb", -EINVAL, "bad suffix \"mb\"");
	mem_bad("5 ", -EINVAL, "bad suffix");
	mem_bad("0", -ERANGE, "0 KiB");
	mem_bad("1023b", -ERANGE, "0 KiB");
	mem_bad("99999999999999999999", -EINVAL, "too large");
	mem_bad("17179869184t", -EINVAL, "too large"); /* 2^34 TiB = 2^64 KiB */
}

#define CPUMAP_EQ(m, n, want)                                                              \
	do {                                                                               \
		char out_[256];                                                            \
		xlfmt_cpumap((m), (n), out_, sizeof(out_));                               \
		U_STR_EQ(out_, (want));                                                    \
	} while (0)

static void t_cpumap(void)
{
	uint8_t all[2] = { 0xff, 0xff }, none[2] = { 0, 0 };
	CPUMAP_EQ(all, 16, "all");
	CPUMAP_EQ(all, 4, "all");
	CPUMAP_EQ(none, 16, "none");
	uint8_t a[2] = { 0x0f, 0x00 }; /* 0-3 of 16 */
	CPUMAP_EQ(a, 16, "0-3");
	uint8_t b[2] = { 0x02, 0x00 };
	CPUMAP_EQ(b, 16, "1");
	uint8_t c[2] = { 0x4d, 0x80 }; /* 0,2-3,6,15 */
	CPUMAP_EQ(c, 16, "0,2-3,6,15");
	uint8_t d[2] = { 0xfe, 0xff }; /* 1-15: runs to the end, not "all" */
	CPUMAP_EQ(d, 16, "1-15");
	uint8_t e[2] = { 0xf1, 0x00 }; /* 0,4-7 then bits beyond nbits ignored */
	CPUMAP_EQ(e, 6, "0,4-5");
	uint8_t f[1] = { 0x0f }; /* all of 4 CPUs, more bits set than CPUs: "all" */
	CPUMAP_EQ(f, 4, "all");
	char tiny[4];
	xlfmt_cpumap(c, 16, tiny, sizeof(tiny));
	U_STR_EQ(tiny, "0,2");
}

static void t_list_row(void)
{
	char row[256];
	U_STR_EQ(XLFMT_LIST_HEADER,
		 "Name                                        ID   Mem VCPUs\tState\tTime(s)");
	xlfmt_list_row(row, sizeof(row), "Domain-0", 0, 1024, 4, "r-----", 123.456);
	U_STR_EQ(row, "Domain-0                                     0  1024     4     r-----    123.5");
	xlfmt_list_row(row, sizeof(row), "guest", 17, 16, 1, "--p---", 0);
	U_STR_EQ(row, "guest                                       17    16     1     --p---      0.0");
}

static void t_vcpu_row(void)
{
	char row[256];
	U_STR_EQ(XLFMT_VCPU_HEADER, "Name                                ID  VCPU   CPU State   "
				    "Time(s) Affinity (Hard / Soft)");
	struct xlfmt_vcpu v = { "Domain-0", 0, 0, 3, true, true, false, 23.46, "all", "all" };
	xlfmt_vcpu_row(row, sizeof(row), &v);
	U_STR_EQ(row, "Domain-0                             0     0    3   r--      23.5  all / all");
	struct xlfmt_vcpu w = { "g1", 5, 1, 0, true, false, true, 0.04, "0-1", "1" };
	xlfmt_vcpu_row(row, sizeof(row), &w);
	U_STR_EQ(row, "g1                                   5     1    0   -b-       0.0  0-1 / 1");
	struct xlfmt_vcpu off = { "g1", 5, 2, 9, false, true, true, 1.0, "all", "none" };
	xlfmt_vcpu_row(row, sizeof(row), &off);
	U_STR_EQ(row, "g1                                   5     2    -   --p       1.0  all / none");
}

static void t_uptime(void)
{
	char s[64];
	xlfmt_uptime(0, s, sizeof(s));
	U_STR_EQ(s, " 0:00:00");
	xlfmt_uptime(3661, s, sizeof(s));
	U_STR_EQ(s, " 1:01:01");
	xlfmt_uptime(86400 + 7 * 3600 + 5, s, sizeof(s));
	U_STR_EQ(s, "1 day,  7:00:05");
	xlfmt_uptime(3 * 86400 + 23 * 3600 + 59 * 60 + 59, s, sizeof(s));
	U_STR_EQ(s, "3 days, 23:59:59");
	U_STR_EQ(XLFMT_UPTIME_HEADER, "Name                                ID Uptime");
	char row[128];
	xlfmt_uptime_row(row, sizeof(row), "g1", 12, 75);
	U_STR_EQ(row, "g1                                  12  0:01:15");
}

void suite_xlfmt_register(void)
{
	CU_pSuite s = CU_add_suite("xlfmt", NULL, NULL);
	if (!s)
		return;
	CU_add_test(s, "memory sizes with xl's suffixes", t_mem_suffixes);
	CU_add_test(s, "bad memory sizes say what is wrong", t_mem_errors);
	CU_add_test(s, "CPU maps as xl's print_bitmap", t_cpumap);
	CU_add_test(s, "xl list rows", t_list_row);
	CU_add_test(s, "xl vcpu-list rows", t_vcpu_row);
	CU_add_test(s, "xl uptime rows", t_uptime);
}
