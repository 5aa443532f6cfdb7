/* The ACPI tables of a PVH domain.  Linux PVH finds its CPUs in the MADT and
 * its power-off in the FADT and DSDT; Xen's libxenguest loads the tables into
 * the guest and points the start info's rsdp_paddr at them, but writing them
 * is the toolstack's job (libxl does it with code internal to libxl).
 *
 * Layout (ACPI 6.x): RSDP -> XSDT -> { FADT -> DSDT, MADT }.  The FADT says
 * "hardware-reduced" (no PM1 blocks, no 8259, no legacy devices, no VGA, no
 * CMOS clock), which is also what makes Linux take the guest for PVH.  The
 * MADT has one local APIC per vCPU (Xen's LAPIC id is 2 * vCPU id) and no
 * I/O APIC (PVH has none).  The DSDT holds no AML.
 */
#ifndef XCD_HV_ACPI_H
#define XCD_HV_ACPI_H
#include <stddef.h>
#include <stdint.h>

/* Xen's LAPIC ids are 2 * vCPU id: one-byte MADT entries reach vCPU 127. */
#define ACPI_MAX_VCPUS 128u

/* Where the tables go in the guest: the start of the MMIO hole's top part,
 * as libxl places them (ACPI_INFO_PHYSICAL_ADDRESS), away from RAM. */
#define ACPI_TABLES_GPA 0xfc000000ull
#define ACPI_TABLES_MAX 4096u

/* Writes the tables for max_vcpus vCPUs, the first online_vcpus of them
 * enabled at boot, into buf (ACPI_TABLES_MAX bytes) as they are to sit at
 * guest-physical address gpa, RSDP first.  Returns the length used, or
 * -EINVAL (no vCPUs, more than ACPI_MAX_VCPUS, online > max). */
int acpi_build_pvh(uint8_t *buf, uint64_t gpa, unsigned max_vcpus, unsigned online_vcpus);

#endif
