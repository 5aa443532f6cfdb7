/*
 * cpuset: sets of CPUs as the kernel writes them in /sys and /proc
 * ("0-3,8,10-11"): online CPUs, a NUMA node's CPUs, Cpus_allowed_list,
 * smp_affinity_list; what both I/O tuners read.
 */
#ifndef XCD_CPUSET_H
#define XCD_CPUSET_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Hosts with more CPUs than this are refused by the parser (a bound on
 * outside input; Xen's limit is 4095 CPUs). */
#define CPUSET_MAX 4096

struct cpuset {
	uint64_t w[CPUSET_MAX / 64];
};

/*
 * Parses a CPU list: comma-separated numbers and ranges A-B (A <= B), an
 * optional trailing newline, or an empty list. Strict: no spaces, no
 * numbers with leading '+', nothing at or above CPUSET_MAX. 0 or -EINVAL.
 */
int cpuset_parse(const char *s, struct cpuset *out);
/* Writes the set in the kernel's form ("0-3,8"; "" when empty) into BUF.
 * 0, or -ENOSPC when it does not fit (BUF then holds a cut list). */
int cpuset_format(const struct cpuset *c, char *buf, size_t len);
void cpuset_clear(struct cpuset *c);
void cpuset_add(struct cpuset *c, unsigned cpu);
bool cpuset_has(const struct cpuset *c, unsigned cpu);
unsigned cpuset_count(const struct cpuset *c);
bool cpuset_equal(const struct cpuset *a, const struct cpuset *b);
/* a & b into OUT (which may be a or b). */
/* DST |= SRC; whether every CPU of A is in B. */
void cpuset_or(struct cpuset *dst, const struct cpuset *src);
bool cpuset_subset(const struct cpuset *a, const struct cpuset *b);
void cpuset_and(const struct cpuset *a, const struct cpuset *b, struct cpuset *out);
/* The Nth CPU of the set (from 0), or -1 past the end. */
int cpuset_nth(const struct cpuset *c, unsigned n);
/* The only CPU of a one-CPU set, else -1. */
int cpuset_single(const struct cpuset *c);
#endif
