/* ACPI tables of a PVH domain: the byte layouts are the ACPI 6.x
 * specification's (section 5.2: RSDP, XSDT, FADT, MADT, DSDT headers). */
#include "acpi.h"

#include <errno.h>
#include <string.h>

#define HDR_LEN 36u
#define RSDP_LEN 36u
#define FADT_LEN 276u /* revision 6 */
#define MADT_LAPIC_LEN 8u

/* FADT fields (byte offsets) */
#define FADT_DSDT 40
#define FADT_IAPC_BOOT_ARCH 109
#define FADT_FLAGS 112
#define FADT_MINOR_VERSION 131
#define FADT_X_DSDT 140
#define FADT_HYPERVISOR_ID 268

#define BOOT_ARCH_VGA_NOT_PRESENT (1u << 2)
#define BOOT_ARCH_CMOS_RTC_NOT_PRESENT (1u << 5)
#define FADT_F_HW_REDUCED (1u << 20)

#define LAPIC_ADDRESS 0xfee00000u
#define MADT_TYPE_LAPIC 0
#define MADT_LAPIC_ENABLED 1u

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }

/* The byte that makes the sum of len bytes zero. */
static uint8_t fix_sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;
	for (size_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return (uint8_t)(0 - s);
}

static void header(uint8_t *t, const char sig[4], uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "XCD   ", 6);	/* OEM id */
	memcpy(t + 16, "XCD PVH ", 8);	/* OEM table id */
	put32(t + 24, 1);		/* OEM revision */
	memcpy(t + 28, "XCD ", 4);	/* creator id */
	put32(t + 32, 1);		/* creator revision */
}

static void seal(uint8_t *t)
{
	uint32_t len = (uint32_t)t[4] | (uint32_t)t[5] << 8 | (uint32_t)t[6] << 16 |
		       (uint32_t)t[7] << 24;
	t[9] = 0;
	t[9] = fix_sum(t, len);
}

static size_t align16(size_t n) { return (n + 15) & ~(size_t)15; }

int acpi_build_pvh(uint8_t *buf, uint64_t gpa, unsigned max_vcpus, unsigned online_vcpus)
{
	if (max_vcpus == 0 || max_vcpus > ACPI_MAX_VCPUS || online_vcpus > max_vcpus)
		return -EINVAL;
	if (online_vcpus == 0)
		online_vcpus = max_vcpus;
	size_t rsdp = 0, xsdt = align16(RSDP_LEN), fadt = align16(xsdt + HDR_LEN + 2 * 8),
	       dsdt = align16(fadt + FADT_LEN), madt = align16(dsdt + HDR_LEN);
	size_t madt_len = HDR_LEN + 8 + (size_t)max_vcpus * MADT_LAPIC_LEN;
	size_t end = madt + madt_len;
	if (end > ACPI_TABLES_MAX)
		return -EINVAL;
	memset(buf, 0, end);

	uint8_t *r = buf + rsdp;
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "XCD   ", 6);
	r[15] = 2;				/* revision: ACPI 2.0+ (has the XSDT) */
	put32(r + 20, RSDP_LEN);
	put64(r + 24, gpa + xsdt);
	r[8] = fix_sum(r, 20);			/* the ACPI 1.0 part */
	r[32] = fix_sum(r, RSDP_LEN);		/* the whole structure */

	uint8_t *x = buf + xsdt;
	header(x, "XSDT", HDR_LEN + 2 * 8, 1);
	put64(x + HDR_LEN, gpa + fadt);
	put64(x + HDR_LEN + 8, gpa + madt);
	seal(x);

	uint8_t *f = buf + fadt;
	header(f, "FACP", FADT_LEN, 6);
	put32(f + FADT_DSDT, (uint32_t)(gpa + dsdt));
	put16(f + FADT_IAPC_BOOT_ARCH, BOOT_ARCH_VGA_NOT_PRESENT | BOOT_ARCH_CMOS_RTC_NOT_PRESENT);
	put32(f + FADT_FLAGS, FADT_F_HW_REDUCED);
	f[FADT_MINOR_VERSION] = 0;
	put64(f + FADT_X_DSDT, gpa + dsdt);
	memcpy(f + FADT_HYPERVISOR_ID, "XenVMM\0\0", 8);
	seal(f);

	uint8_t *d = buf + dsdt;
	header(d, "DSDT", HDR_LEN, 2);
	seal(d);

	uint8_t *m = buf + madt;
	header(m, "APIC", (uint32_t)madt_len, 4);
	put32(m + HDR_LEN, LAPIC_ADDRESS);
	put32(m + HDR_LEN + 4, 0);		/* no 8259 pair to mask */
	for (unsigned i = 0; i < max_vcpus; i++) {
		uint8_t *e = m + HDR_LEN + 8 + (size_t)i * MADT_LAPIC_LEN;
		e[0] = MADT_TYPE_LAPIC;
		e[1] = MADT_LAPIC_LEN;
		e[2] = (uint8_t)i;		/* ACPI processor UID */
		e[3] = (uint8_t)(2 * i);	/* Xen: LAPIC id = 2 * vCPU id */
		put32(e + 4, i < online_vcpus ? MADT_LAPIC_ENABLED : 0);
	}
	seal(m);
	return (int)end;
}
