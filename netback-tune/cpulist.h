/*
 * cpulist: sets of CPUs as the kernel writes them in /sys and /proc
 * ("0-3,8,10-11"): online CPUs, a NUMA node's CPUs, Cpus_allowed_list,
 * smp_affinity_list.
 */
#ifndef XCD_NT_CPULIST_H
#define XCD_NT_CPULIST_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Hosts with more CPUs than this are refused by the parser (a bound on
 * outside input; dom0 rarely has more than a few dozen vCPUs). */
#define NT_MAX_CPUS 1024

struct nt_cpus {
	uint64_t w[NT_MAX_CPUS / 64];
};

/*
 * Parses a CPU list: comma-separated numbers and ranges A-B (A <= B), an
 * optional trailing newline, or an empty list. Strict: no spaces, no
 * numbers with leading '+', nothing at or above NT_MAX_CPUS. 0 or -EINVAL.
 */
int nt_cpus_parse(const char *s, struct nt_cpus *out);
/* Writes the set in the kernel's form ("0-3,8"; "" when empty) into BUF.
 * 0, or -ENOSPC when it does not fit (BUF then holds a cut list). */
int nt_cpus_format(const struct nt_cpus *c, char *buf, size_t len);
void nt_cpus_clear(struct nt_cpus *c);
void nt_cpus_set(struct nt_cpus *c, unsigned cpu);
bool nt_cpus_has(const struct nt_cpus *c, unsigned cpu);
unsigned nt_cpus_count(const struct nt_cpus *c);
bool nt_cpus_equal(const struct nt_cpus *a, const struct nt_cpus *b);
/* a & b into OUT (which may be a or b). */
void nt_cpus_and(const struct nt_cpus *a, const struct nt_cpus *b, struct nt_cpus *out);
/* The Nth CPU of the set (from 0), or -1 past the end. */
int nt_cpus_nth(const struct nt_cpus *c, unsigned n);
/* The only CPU of a one-CPU set, else -1. */
int nt_cpus_single(const struct nt_cpus *c);
#endif
