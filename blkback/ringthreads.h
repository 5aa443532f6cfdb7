/*
 * ringthreads: blkback's ring threads and the CPUs they may run on. Each
 * ring of a connected vbd has a kernel thread (drivers/block/xen-blkback/
 * xenbus.c: DOMID the guest, VDEV the backend's "dev", N the ring), named
 * "blkback.DOMID.VDEV-N" by older kernels and "DOMID.VDEV-N" by current
 * ones (Linux 6.1, the lab's: blkback_name's "%d.%s", then "-%d"); a name
 * of either form counts only when a kernel thread has it (a child of
 * kthreadd: its parent's pid in /proc/PID/stat is 2, lib/procstat.h), as
 * any process may name itself so. Kernels before 5.17 cut a name at 15 characters in
 * /proc/PID/comm: "blkback.12.xvdb-1" reads "blkback.12.xvdb", so threads
 * are matched to disks by prefix and a cut name loses its ring number;
 * later ones show a kernel thread's whole name. The plan names a disk's
 * threads "blkback.DOMID.VDEV" whatever the kernel calls them. (blkback's
 * own reader for now: netback-tune/ reads netback's threads alike, and the
 * two are to become one.)
 */
#ifndef XCD_BLKBACK_RINGTHREADS_H
#define XCD_BLKBACK_RINGTHREADS_H
#include "cpus.h"
#include <stdbool.h>
#include <stddef.h>

#define RING_THREADS_MAX 65536
#define TASK_COMM_CHARS 15 /* TASK_COMM_LEN - 1: where older kernels cut */
#define RING_COMM_MAX 64   /* a kernel thread's whole name and the NUL */

struct ring_thread {
	int pid;
	char comm[RING_COMM_MAX];
	unsigned domid;
	struct cpuset allowed; /* Cpus_allowed_list of /proc/PID/status */
	int last_cpu;          /* field 39 of /proc/PID/stat; -1 unknown */
};

/* A process named as a ring thread is, which is no kernel thread: not
 * blkback's, and said so. */
#define RING_IMPOSTORS_MAX 8
struct ring_impostor {
	int pid;
	char comm[RING_COMM_MAX];
};

struct ring_threads {
	struct ring_thread *t;
	size_t n;
	struct ring_impostor impostors[RING_IMPOSTORS_MAX]; /* the first seen */
	size_t n_impostors;				    /* all seen */
};

/* "blkback.D.X..." or all of "D.VDEV-N" -> D; -EINVAL for any other name. */
int ring_thread_domid(const char *comm, unsigned *domid);
/* The thread is one of disk (DOMID, VDEV)'s: *RING its ring, -1 when the
 * name was cut before it. */
bool ring_thread_of(const struct ring_thread *t, unsigned domid, const char *vdev, int *ring);
/* Cpus_allowed_list from the text of /proc/PID/status. */
int ring_status_cpus(const char *status, struct cpuset *set);
/* The processor field of the text of /proc/PID/stat. */
int ring_stat_cpu(const char *stat, int *cpu);

int ring_threads_read(const char *root, struct ring_threads *out, char *err, size_t errlen);
void ring_threads_free(struct ring_threads *rt);
#endif
