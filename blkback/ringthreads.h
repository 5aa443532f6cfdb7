/*
 * ringthreads: blkback's ring threads and the CPUs they may run on. Each
 * ring of a connected vbd has a kernel thread: today's Linux names it
 * "DOMID.VDEV-N" (drivers/block/xen-blkback/xenbus.c, blkback_name: "%d.%s",
 * then "%s-%d" with the ring; the lab's 6.1 shows "1.xvdb-0"), older ones
 * "blkback.DOMID.VDEV-N", which kernels before 6.x cut at 15 characters in
 * /proc/PID/comm ("blkback.12.xvdb-1" reads "blkback.12.xvdb"): threads are
 * matched to disks by prefix and a cut name loses its ring number; a name
 * longer than 15 characters is whole (recent kernels show a kernel
 * thread's whole name, up to 63). (blkback's own reader for now:
 * netback-tune/ reads netback's threads alike, and the two are to become
 * one.)
 */
#ifndef XCD_BLKBACK_RINGTHREADS_H
#define XCD_BLKBACK_RINGTHREADS_H
#include "cpus.h"
#include <stdbool.h>
#include <stddef.h>

#define RING_THREADS_MAX 65536
#define TASK_COMM_CHARS 15 /* TASK_COMM_LEN - 1: where old kernels cut */
#define RING_COMM_MAX 64  /* a kernel thread's whole name and the NUL */

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

/* "blkback.D...." or "D.VDEV-N" -> D; -EINVAL for any other name. */
int ring_thread_domid(const char *comm, unsigned *domid);
/* The thread is one of disk (DOMID, VDEV)'s: *RING its ring, -1 when the
 * name was cut before it. A name longer than 15 characters is whole. */
bool ring_thread_of(const struct ring_thread *t, unsigned domid, const char *vdev, int *ring);
/* Cpus_allowed_list from the text of /proc/PID/status. */
int ring_status_cpus(const char *status, struct cpuset *set);
/* The processor field of the text of /proc/PID/stat. */
int ring_stat_cpu(const char *stat, int *cpu);

int ring_threads_read(const char *root, struct ring_threads *out, char *err, size_t errlen);
void ring_threads_free(struct ring_threads *rt);
#endif
