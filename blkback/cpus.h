/*
 * cpus: sets of CPUs as the kernel writes them ("0-3,8-11" in
 * /sys/devices/system/node/nodeN/cpulist, /proc/PID/status's
 * Cpus_allowed_list), and the CPUs of each NUMA node of dom0.
 * (blkback's own reader for now; netback-tune/ has its topology reader,
 * and the two are to become one.)
 */
#ifndef XCD_BLKBACK_CPUS_H
#define XCD_BLKBACK_CPUS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CPUS_MAX 4096
#define NODES_MAX 64

struct cpuset {
	uint64_t w[CPUS_MAX / 64];
};

/* "0-3,8,10-11" (also "" for none). 0 or -EINVAL. */
int cpuset_parse(const char *s, struct cpuset *set);
/* As the kernel writes it, into BUF. */
void cpuset_format(const struct cpuset *set, char *buf, size_t size);
void cpuset_add(struct cpuset *set, unsigned cpu);
bool cpuset_has(const struct cpuset *set, unsigned cpu);
void cpuset_or(struct cpuset *dst, const struct cpuset *src);
bool cpuset_subset(const struct cpuset *a, const struct cpuset *b); /* a within b */
bool cpuset_equal(const struct cpuset *a, const struct cpuset *b);
unsigned cpuset_count(const struct cpuset *set);

struct numa_cpus {
	struct cpuset online;        /* sys/devices/system/cpu/online */
	struct cpuset node[NODES_MAX]; /* sys/devices/system/node/nodeN/cpulist */
	unsigned n_nodes;            /* nodes found (0: no NUMA information) */
};

int numa_cpus_read(const char *root, struct numa_cpus *n, char *err, size_t errlen);
#endif
