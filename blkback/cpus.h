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
#include "../lib/cpuset.h"

#define NODES_MAX 64

struct numa_cpus {
	struct cpuset online;        /* sys/devices/system/cpu/online */
	struct cpuset node[NODES_MAX]; /* sys/devices/system/node/nodeN/cpulist */
	unsigned n_nodes;            /* nodes found (0: no NUMA information) */
};

int numa_cpus_read(const char *root, struct numa_cpus *n, char *err, size_t errlen);
#endif
