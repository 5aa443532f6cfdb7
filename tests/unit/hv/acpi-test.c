/* acpi-test: the PVH ACPI tables (hv/acpi.c) read back the way an OS reads
 * them: RSDP signature and both checksums, the XSDT's entries, every table's
 * checksum, the FADT's hardware-reduced flag and DSDT pointers, one MADT
 * local APIC per vCPU with Xen's LAPIC ids and the online ones enabled. */
#include "../../../hv/acpi.h"
#include <CUnit/Basic.h>
#include <errno.h>
#include <string.h>

#define GPA 0xfc000000ull

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

static unsigned sum(const uint8_t *p, size_t n)
{
	unsigned s = 0;
	for (size_t i = 0; i < n; i++)
		s += p[i];
	return s & 0xff;
}

/* The table at guest address a, its signature and checksum checked. */
static const uint8_t *table(const uint8_t *buf, int len, uint64_t a, const char *sig)
{
	CU_ASSERT_FATAL(a >= GPA && a + 36 <= GPA + (uint64_t)len);
	const uint8_t *t = buf + (a - GPA);
	CU_ASSERT_FATAL(memcmp(t, sig, 4) == 0);
	uint32_t tl = get32(t + 4);
	CU_ASSERT_FATAL(a + tl <= GPA + (uint64_t)len);
	CU_ASSERT_EQUAL(sum(t, tl), 0);
	return t;
}

static void check(unsigned max, unsigned online)
{
	uint8_t buf[ACPI_TABLES_MAX];
	memset(buf, 0xa5, sizeof(buf));
	int len = acpi_build_pvh(buf, GPA, max, online);
	CU_ASSERT_FATAL(len > 36 && len <= (int)ACPI_TABLES_MAX);
	CU_ASSERT(memcmp(buf, "RSD PTR ", 8) == 0);
	CU_ASSERT_EQUAL(sum(buf, 20), 0);
	CU_ASSERT_EQUAL(buf[15], 2);
	CU_ASSERT_EQUAL(get32(buf + 20), 36);
	CU_ASSERT_EQUAL(sum(buf, 36), 0);
	const uint8_t *x = table(buf, len, get64(buf + 24), "XSDT");
	CU_ASSERT_EQUAL_FATAL(get32(x + 4), 36 + 16);
	const uint8_t *f = table(buf, len, get64(x + 36), "FACP");
	CU_ASSERT_EQUAL(f[8], 6);
	CU_ASSERT_EQUAL(get32(f + 4), 276);
	CU_ASSERT(get32(f + 112) & (1u << 20));		/* HW_REDUCED_ACPI */
	CU_ASSERT_EQUAL(f[109] & 0x24, 0x24);		/* no VGA, no CMOS RTC */
	CU_ASSERT_EQUAL(get64(f + 140), get32(f + 40));	/* X_DSDT == DSDT */
	table(buf, len, get64(f + 140), "DSDT");
	const uint8_t *m = table(buf, len, get64(x + 44), "APIC");
	CU_ASSERT_EQUAL(get32(m + 36), 0xfee00000u);
	CU_ASSERT_EQUAL_FATAL(get32(m + 4), 44 + 8 * max);
	unsigned enabled = 0;
	for (unsigned i = 0; i < max; i++) {
		const uint8_t *e = m + 44 + 8 * i;
		CU_ASSERT_EQUAL(e[0], 0);
		CU_ASSERT_EQUAL(e[1], 8);
		CU_ASSERT_EQUAL(e[2], i);
		CU_ASSERT_EQUAL(e[3], 2 * i);
		enabled += get32(e + 4) & 1;
		CU_ASSERT_EQUAL(get32(e + 4) & 1, i < (online ? online : max));
	}
	CU_ASSERT_EQUAL(enabled, online ? online : max);
}

static void test_one(void) { check(1, 0); }
static void test_two(void) { check(2, 2); }
static void test_some_online(void) { check(8, 3); }
static void test_most(void) { check(ACPI_MAX_VCPUS, 0); }

static void test_refused(void)
{
	uint8_t buf[ACPI_TABLES_MAX];
	CU_ASSERT_EQUAL(acpi_build_pvh(buf, GPA, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(acpi_build_pvh(buf, GPA, ACPI_MAX_VCPUS + 1, 0), -EINVAL);
	CU_ASSERT_EQUAL(acpi_build_pvh(buf, GPA, 2, 3), -EINVAL);
}

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_pSuite s = CU_add_suite("pvh-acpi", NULL, NULL);
	CU_add_test(s, "1 vCPU", test_one);
	CU_add_test(s, "2 vCPUs online", test_two);
	CU_add_test(s, "3 of 8 vCPUs online", test_some_online);
	CU_add_test(s, "128 vCPUs fit a page", test_most);
	CU_add_test(s, "bad counts refused", test_refused);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
