/*
 * ringthreads: blkback's ring threads and the CPUs they may run on. Each
 * ring of a connected vbd has a kernel thread (drivers/block/xen-blkback/
 * xenbus.c: DOMID the guest, VDEV the backend's "dev", N the ring), named
 * "blkback.DOMID.VDEV-N" by older kernels and "DOMID.VDEV-N" by current
 * ones (Linux 6.1, the lab's: blkback_name's "%d.%s", then "-%d"); a name
 * of that second form counts only when a kernel thread has it (PF_KTHREAD
 * in /proc/PID/stat). Kernels before 5.17 cut a name at 15 characters in
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

struct ring_threads {
	struct ring_thread *t;
	size_t n;
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
/* Whether that text is a kernel thread's (PF_KTHREAD in its flags). */
bool ring_stat_kthread(const char *stat);

int ring_threads_read(const char *root, struct ring_threads *out, char *err, size_t errlen);
void ring_threads_free(struct ring_threads *rt);
#endif
