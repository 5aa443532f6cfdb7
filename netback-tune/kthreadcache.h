/*
 * kthreadcache: what a reader of the host (nethost.h) keeps from one read
 * to the next, so that xcdd's verify every minute does not read again what
 * cannot have changed: each kernel thread's name.
 *
 * A kernel thread's name is set when it is made (netback's are
 * NAME-qN-guest-rx and NAME-qN-dealloc, for as long as their queue lives)
 * and no process can change it (a comm file is written only by its own
 * task). So a pid's name is kept while the pid is the same kernel thread.
 * Each read then asks only:
 *   - which pids are kernel threads now: kthreadd's children list
 *     (/proc/2/task/2/children), read afresh each time, in one read;
 *   - which pids may have been given out again since the last read: the
 *     last pid given out (/proc/loadavg) then and now; pids come in a
 *     cycle, so a pid given out since is in (then, now] (procstat.h), and
 *     a kept name of such a pid is dropped;
 *   - which kernel threads are new: kthreadd's children list is in the
 *     order they were made, a new one at its end, so every kernel thread
 *     of the last read still there comes, in the same order, before any
 *     new one; a kept pid after a new one, or out of that order, is
 *     dropped (a pid the cycle gave out again after going all the way
 *     round is caught here unless every kernel thread made after it is
 *     gone; docs/security.md).
 * Where either file is missing (a kernel without CONFIG_PROC_CHILDREN, a
 * fixture tree without them), nothing is kept: every read is a first one.
 *
 * What it never keeps: whether a task is a kernel thread (asked afresh
 * each read: a name kept lets a task be taken as netback's thread only if
 * the children list read now holds it, or, in the files reader, the
 * status read now says its parent is kthreadd); a thread's CPUs (read
 * every time: they change); anything of a process (its name may change:
 * prctl, exec). apply and revert read afresh, without it.
 */
#ifndef XCD_NT_KTHREADCACHE_H
#define XCD_NT_KTHREADCACHE_H
#include <stdbool.h>
#include <stddef.h>

struct nt_kcache;
struct sysroot;

/* An empty cache (NULL: out of memory). */
struct nt_kcache *nt_kcache_new(void);
/*
 * An empty cache in memory shared with the children this process forks
 * afterwards (MAP_SHARED), of room for CAP names: what a read in one child
 * learnt, the next child's read finds (xcdd reads the host in child jobs).
 * One read at a time may use it: the caller sees to it. A read that learns
 * more than CAP names leaves it empty. NULL: no memory.
 */
struct nt_kcache *nt_kcache_new_shared(size_t cap);
void nt_kcache_free(struct nt_kcache *c);
/* How many kernel threads' names it holds after the last read. */
size_t nt_kcache_count(const struct nt_kcache *c);

/* ---- internal to netback.c: one read's use of the cache ---- */

/* One read: the kernel threads now (kthreadd's children, in their order and
 * sorted, with their place in the order), and the names the read learns. */
struct nt_kread {
	struct nt_kcache *c;
	bool usable;	   /* both files read: names may be kept and used */
	int last_pid;	   /* /proc/loadavg's, at the read's start */
	int *order;	   /* kthreadd's children, as listed */
	size_t n;
	struct nt_kpos *sorted; /* the same, sorted by pid */
	bool *known;	   /* by place: names[i] is its name (kept or learnt) */
	char (*names)[64]; /* by place: its name, "" unknown yet */
};

/* Starts a read of PROC (the sysroot's proc) with C. 0 or -ENOMEM. */
int nt_kread_begin(struct nt_kcache *c, const struct sysroot *proc, struct nt_kread *rd);
/* Whether PID is among kthreadd's children as this read found them (false
 * when it found no list). */
bool nt_kread_is_kthread(const struct nt_kread *rd, int pid);
/* The name of kernel thread PID kept from the last read, or NULL when it is
 * none or may be another task by now. */
const char *nt_kread_kept(const struct nt_kread *rd, int pid);
/* The name of PID read now, kept when PID is a kernel thread this read
 * found. */
void nt_kread_learn(struct nt_kread *rd, int pid, const char *comm);
/* Ends the read: OK, what it learnt becomes the cache (else the cache is
 * emptied). */
void nt_kread_end(struct nt_kread *rd, bool ok);
#endif
