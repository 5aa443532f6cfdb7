/*
 * procstat: what the I/O tuners read of /proc/PID/stat and /proc/PID/status
 * to tell a kernel thread from a process, and a stat's numeric fields.
 *
 * A task's name (comm) is no proof of what it is: any process may name
 * itself (prctl(PR_SET_NAME), or the file name it runs), so
 * "vif3.0-q0-guest" may be a user's process. A kernel thread is a child of
 * kthreadd, pid 2: its parent pid is 2. A process never has that parent:
 * an orphan goes to init or to a subreaper, never to kthreadd.
 */
#ifndef XCD_PROCSTAT_H
#define XCD_PROCSTAT_H
#include <stdbool.h>
#include <stddef.h>

#define PROC_KTHREADD_PID 2

/*
 * Field FIELD (4 and on: 4 the parent's pid, 9 the flags, 39 the
 * processor) of the text of a /proc/PID/stat (a NUL-terminated string),
 * counted from the last ')' (a name may hold ')' and spaces): a decimal
 * number in 0..MAX into *OUT. -EINVAL when there is no such field or it is
 * not such a number.
 */
int proc_stat_field(const char *stat, int field, unsigned long long max, unsigned long long *out);
/* The parent's pid from the text of a /proc/PID/stat: 0 or -EINVAL. */
int proc_stat_ppid(const char *stat, int *ppid);
/* The parent's pid from the text of a /proc/PID/status (its "PPid:"
 * line): 0, or -EINVAL when there is none or it is not a pid. */
int proc_status_ppid(const char *status, int *ppid);
/*
 * The pids of /proc/PID/task/TID/children's text (TEXT, LEN bytes: decimal
 * pids, each followed by a space): kthreadd's (2/task/2/children) are the
 * kernel threads, in one read. Into *PIDS (malloc'd, sorted; NULL when
 * none) and *N. 0, -EINVAL (not such a list) or -ENOMEM. The list may miss
 * a child made or gone while it was read (proc(5)); a pid missing from it
 * is to be asked of its stat.
 */
int proc_children_parse(const char *text, size_t len, int **pids, size_t *n);
/* The same list in the order the kernel gives it (the order the children
 * were made in: a new child joins the list's end), not sorted. */
int proc_children_list(const char *text, size_t len, int **pids, size_t *n);
/*
 * The pid last given out in the reader's pid namespace, from the text of
 * /proc/loadavg (a NUL-terminated string: "0.10 0.20 0.30 2/345 6789": its
 * fifth field, after the last space). Pids are given out in a cycle: each
 * new one above the last, wrapping at pid_max; so a pid given out between
 * two reads of it, LAST1 then LAST2, is in (LAST1, LAST2] (wrapped when
 * LAST2 < LAST1), unless the cycle went all the way round between them.
 * 0, or -EINVAL.
 */
int proc_loadavg_last_pid(const char *loadavg, int *last);
/* Whether PID is in the cycle's span (LAST1, LAST2] (see above). */
bool proc_pid_given_since(int pid, int last1, int last2);
/* Whether PID is among the N sorted PIDS. */
bool proc_pids_have(const int *pids, size_t n, int pid);
/* Whether a task whose parent is PPID is a kernel thread. */
static inline bool proc_ppid_kthread(int ppid) { return ppid == PROC_KTHREADD_PID; }
#endif
