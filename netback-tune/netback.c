/*
 * netback: what nethost.h knows of xen-netback: its module parameters, and
 * each vif queue's kernel threads and interrupts with their CPUs.
 *
 * Kernels before 5.17 cut thread names at 15 characters (TASK_COMM_LEN),
 * so "vif3.0-q0-guest-rx" is seen as "vif3.0-q0-guest" (later ones show a
 * kernel thread's whole name; the lab's 6.1 does): a thread is matched
 * when its name is NAME-qN- followed by a non-empty prefix of "guest-rx" or
 * "dealloc", NAME being a vif of the host. A name cut before that is
 * ambiguous and left out.
 *
 * A name is no proof: any process may name itself "vif3.0-q0-guest"
 * (prctl(PR_SET_NAME), or the name of the file it runs). Only a kernel
 * thread is netback's: a child of kthreadd, whose parent's pid is 2
 * (lib/procstat.h); a process named so which is not one is left out, and
 * said so in the host's notes.
 *
 * Each process's name, parent and CPUs come from one read of
 * /proc/PID/status (its Name: is what /proc/PID/comm says, escaped); on
 * the live host (nethost.h's NT_READ_LIVE) its name from /proc/PID/comm
 * (3.5 us a kernel thread here against 8.5 for its status) and, for tasks
 * named as netback's threads only, whether it is a kernel thread from
 * kthreadd's children list, read once (else its stat: 6 us), and its CPUs
 * from sched_getaffinity (0.2 us). Each IRQ's CPUs come from
 * proc/irq/N/smp_affinity_list, opened below proc/ and proc/irq/ opened
 * once (sysroot_sub): a host of 2000 vifs has 8000 of each.
 *
 * With a cache (kthreadcache.h) a kernel thread's name is the one read
 * before while its pid is the same thread: not read again, and a kernel
 * thread not named as netback's then costs nothing. Whether it is a kernel
 * thread is never taken from the cache, and its CPUs are read each time.
 */
#include "nethost.h"
#include "../lib/errmsg.h"
#include "../lib/procstat.h"
#include "../lib/strv.h"
#include "kthreadcache.h"
#include "sysfile.h"
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PROC_ENTRIES (1u << 22)
/* Processes named as netback's threads, which are not, named one by one in
 * the notes; those past it are counted. */
#define MAX_IMPOSTOR_NOTES 8

const struct nt_nb_param_info nt_nb_params[NT_NB_NPARAMS] = {
	[NT_NB_MAX_QUEUES] = { "max_queues", true },
	[NT_NB_SEPARATE_TX_RX_IRQ] = { "separate_tx_rx_irq", true },
	[NT_NB_RX_DRAIN_TIMEOUT_MSECS] = { "rx_drain_timeout_msecs", false },
	[NT_NB_RX_STALL_TIMEOUT_MSECS] = { "rx_stall_timeout_msecs", false },
	[NT_NB_FATAL_SKB_SLOTS] = { "fatal_skb_slots", false },
	[NT_NB_HASH_CACHE_SIZE] = { "hash_cache_size", true },
};

/*
 * Splits "NAME-qN-REST" (REST may be empty; WANT_REST: the '-' must be
 * there) at its last "-q<digits>". Returns the vif of NAME or NULL.
 * *LAST is the vif found the time before (NULL at first), tried before the
 * host's NICs are searched: a vif's threads and IRQs come one after another.
 */
static struct nt_nic *split_queue(struct nt_host *h, const char *s, unsigned *q,
				  const char **rest, bool want_rest, struct nt_nic **last)
{
	for (const char *m = s + strlen(s); m > s;) {
		m--;
		if (m[0] != '-' || m[1] != 'q' || m == s)
			continue;
		const char *d = m + 2;
		unsigned v = 0;
		size_t nd = 0;
		while (d[nd] >= '0' && d[nd] <= '9' && nd < 6)
			v = v * 10 + (unsigned)(d[nd++] - '0');
		if (nd == 0 || (d[nd] != '-' && (want_rest || d[nd] != '\0')))
			continue;
		char name[NT_IFNAMSIZ];
		size_t nl = (size_t)(m - s);
		if (nl >= sizeof(name))
			continue;
		memcpy(name, s, nl);
		name[nl] = '\0';
		struct nt_nic *n = *last && !strcmp((*last)->name, name)
					   ? *last
					   : (struct nt_nic *)nt_host_nic(h, name);
		if (!n || n->kind != NT_NIC_VIF || v >= n->n_queues)
			continue;
		*last = n;
		*q = v;
		*rest = d[nd] == '-' ? d + nd + 1 : d + nd;
		return n;
	}
	return NULL;
}

static bool prefix_of(const char *s, const char *full)
{
	size_t n = strlen(s);
	return n > 0 && n <= strlen(full) && !strncmp(s, full, n);
}

/* The line of the text of a /proc/PID/status that starts with KEY
 * ("Name:"), after the key, cut at the line's end (the text is changed),
 * or NULL. */
static char *status_line(char *text, const char *key)
{
	size_t kl = strlen(key);
	char *l = text;
	while (l && strncmp(l, key, kl))
		if ((l = strchr(l, '\n')))
			l++;
	if (!l)
		return NULL;
	l += kl;
	char *e = strchr(l, '\n');
	if (e)
		*e = '\0';
	return l;
}

/* The thread's name as /proc/PID/comm has it, from the Name: of its status,
 * which escapes '\\' and a newline (proc_task_name) and holds the same
 * name. A name longer than SIZE - 1 is left out. */
static int status_name(const char *v, char *comm, size_t size)
{
	size_t n = 0;
	for (; *v; v++) {
		char c = *v;
		if (c == '\\' && (v[1] == '\\' || v[1] == 'n'))
			c = *++v == 'n' ? '\n' : '\\';
		if (c == '\n' || n + 2 > size)
			return -EINVAL; /* a newline: a comm file of two lines */
		comm[n++] = c;
	}
	comm[n] = '\0';
	return 0;
}

int nt_status_parse(char *text, char *comm, size_t size, struct cpuset *cpus, int *cpus_rc)
{
	/* Cpus_allowed_list comes after Name: looked up first, as
	 * status_line cuts the text at the line it finds. */
	char *l = status_line(text, "Cpus_allowed_list:");
	*cpus_rc = l ? cpuset_parse(l + strspn(l, " \t"), cpus) : -EINVAL;
	l = status_line(text, "Name:");
	return l ? status_name(l + (*l == '\t'), comm, size) : -EINVAL;
}

/* A thread's name from its comm file (TEXT, LEN bytes): one line. */
static int comm_name(const char *text, size_t len, char *comm, size_t size)
{
	if (len && text[len - 1] == '\n')
		len--;
	if (memchr(text, '\n', len) || len + 1 > size)
		return -EINVAL; /* a newline in the name, as status_name */
	memcpy(comm, text, len);
	comm[len] = '\0';
	return 0;
}

int nt_thread_read(const struct sysroot *proc, const char *pid, bool live, struct nt_thread *t)
{
	static const char status[] = "/status", comm[] = "/comm";
	const char *leaf = live ? comm : status;
	size_t ll = live ? sizeof(comm) : sizeof(status);
	char path[32], small[8192], *text = small, *big = NULL;
	size_t len, pl = strlen(pid);
	if (pl + ll > sizeof(path))
		return -ENAMETOOLONG;
	/* Not snprintf: 8000 threads on a host of 2000 vifs. */
	memcpy(path, pid, pl);
	memcpy(path + pl, leaf, ll);
	int rc = sf_read_buf(proc, path, small, live ? 128 : sizeof(small), &len);
	t->ppid = -1;
	if (live) {
		t->cpus_rc = -EAGAIN;
		return rc ? rc : comm_name(small, len, t->comm, sizeof(t->comm));
	}
	if (rc == -EFBIG && (rc = sf_read(proc, path, 64 << 10, &big, &len)) == 0)
		text = big;
	/* before nt_status_parse, which cuts the text at lines */
	if (rc == 0 && proc_status_ppid(text, &t->ppid))
		t->ppid = -1;
	if (rc == 0)
		rc = nt_status_parse(text, t->comm, sizeof(t->comm), &t->cpus, &t->cpus_rc);
	free(big);
	return rc;
}

int nt_thread_ppid_live(const struct sysroot *proc, const char *pid, struct nt_thread *t)
{
	static const char leaf[] = "/stat";
	/* A stat is about 300 bytes; its name is at most 64 of them. */
	char path[32], text[1024];
	size_t len, pl = strlen(pid);
	t->ppid = -1;
	if (pl + sizeof(leaf) > sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, pid, pl);
	memcpy(path + pl, leaf, sizeof(leaf));
	int rc = sf_read_buf(proc, path, text, sizeof(text), &len);
	if (rc)
		return rc;
	text[len] = '\0';
	return proc_stat_ppid(text, &t->ppid);
}

void nt_thread_cpus_live(int pid, struct nt_thread *t)
{
	cpuset_clear(&t->cpus);
	/* struct cpuset is the kernel's mask where a long is 64 bits: bit N
	 * of word N / 64. */
	if (sizeof(long) != sizeof(uint64_t)) {
		t->cpus_rc = -EOPNOTSUPP;
		return;
	}
	t->cpus_rc = sched_getaffinity(pid, sizeof(t->cpus.w), (cpu_set_t *)(void *)t->cpus.w)
			     ? -errno
			     : 0;
}

/* A task named as netback's thread of NIC's queue Q: its slot (rx or
 * dealloc) and CPUs there. */
struct named {
	int pid;
	unsigned q;
	const struct nt_nic *nic;
	int *slot;
	struct cpuset *cpus;
	char comm[64];
};

struct threads_read {
	struct nt_host *h;
	const struct sysroot *proc;
	size_t impostors;
	struct named *live; /* the live reader's, decided after the listing */
	size_t n_live, cap_live;
};

/* Task T (pid PID) named as thread N says: taken when a kernel thread
 * (T->ppid 2), else said in the notes. 0 or -ENOMEM. */
static int take(struct threads_read *tr, const struct named *m, struct nt_thread *t)
{
	struct nt_host *h = tr->h;
	if (!proc_ppid_kthread(t->ppid)) {
		if (++tr->impostors > MAX_IMPOSTOR_NOTES)
			return 0;
		return nt_host_note(h, "process %d ('%s', parent %d) is named as netback's thread "
				       "of %s queue %u, but is no kernel thread: not taken as it",
				    m->pid, m->comm, t->ppid, m->nic->name, m->q);
	}
	if (h->live) /* its CPUs asked of the kernel, for netback's threads only */
		nt_thread_cpus_live(m->pid, t);
	if (t->cpus_rc == -ENOMEM)
		return t->cpus_rc;
	if (t->cpus_rc)
		return nt_host_note(h, h->live ? "thread %d: sched_getaffinity: %s"
					       : "/proc/%d/status: no Cpus_allowed_list%s",
				    m->pid, h->live ? strerror(-t->cpus_rc) : "");
	*m->cpus = t->cpus;
	*m->slot = m->pid;
	return 0;
}

/*
 * The live reader's tasks named as netback's threads, once /proc is
 * listed: kernel threads are those kthreadd's children list holds, read
 * once after the listing (a pid named so then is a kernel thread still), a
 * pid it misses (made meanwhile; no such list: a kernel without
 * CONFIG_PROC_CHILDREN, a fixture) asked of its stat. On a host of 2000
 * vifs, 8000 threads: one read instead of 8000 stats.
 */
static int decide_live(struct threads_read *tr)
{
	char *text = NULL;
	size_t len, n = 0;
	int *kthreads = NULL, rc = 0;
	if (sf_read(tr->proc, "2/task/2/children", 1u << 24, &text, &len) == 0 &&
	    proc_children_parse(text, len, &kthreads, &n) == -ENOMEM)
		rc = -ENOMEM;
	free(text);
	for (size_t i = 0; i < tr->n_live && rc == 0; i++) {
		const struct named *m = &tr->live[i];
		struct nt_thread t = { .ppid = -1 };
		char pid[16];
		snprintf(pid, sizeof(pid), "%d", m->pid);
		if (proc_pids_have(kthreads, n, m->pid))
			t.ppid = PROC_KTHREADD_PID;
		else if (nt_thread_ppid_live(tr->proc, pid, &t) == -ENOENT)
			continue; /* gone meanwhile */
		rc = take(tr, m, &t);
	}
	free(kthreads);
	return rc;
}

/* Task PID (T read) named as thread M says: decided now (files: its
 * status gave its parent), or kept for decide_live. */
static int named_task(struct threads_read *tr, const struct named *m, struct nt_thread *t)
{
	if (!tr->h->live)
		return take(tr, m, t);
	if (tr->n_live == tr->cap_live) {
		size_t cap = tr->cap_live ? tr->cap_live * 2 : 64;
		struct named *v = realloc(tr->live, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		tr->live = v;
		tr->cap_live = cap;
	}
	tr->live[tr->n_live++] = *m;
	return 0;
}

void nt_threads_forget_live(struct nt_host *h)
{
	for (size_t i = 0; i < h->n_nics; i++)
		for (unsigned q = 0; q < h->nics[i].n_queues; q++)
			h->nics[i].queues[q].rx_pid = h->nics[i].queues[q].dealloc_pid = -1;
	strv_free(h->notes, h->n_notes);
	h->notes = NULL;
	h->n_notes = 0;
	h->live = true;
}

/* Whether a task named COMM is named as netback's thread of a vif queue of
 * H: its slot, CPUs and queue into M. */
static bool named_as_thread(struct nt_host *h, const char *comm, struct named *m,
			    struct nt_nic **last)
{
	const char *rest;
	struct nt_nic *n = split_queue(h, comm, &m->q, &rest, true, last);
	if (!n)
		return false;
	struct nt_queue *qu = &n->queues[m->q];
	if (prefix_of(rest, "guest-rx")) {
		m->slot = &qu->rx_pid;
		m->cpus = &qu->rx_cpus;
	} else if (prefix_of(rest, "dealloc")) {
		m->slot = &qu->dealloc_pid;
		m->cpus = &qu->dealloc_cpus;
	} else
		return false;
	m->nic = n;
	snprintf(m->comm, sizeof(m->comm), "%s", comm);
	return true;
}

/*
 * Task PID: its name kept from the last read (RD, kthreadcache.h) when it
 * is the same kernel thread, else read now. A kernel thread not named as
 * netback's is then done with; one named so is taken on this read's
 * children list (live: its CPUs asked of the kernel), or on the status
 * read now (files: its CPUs are there, with its name and parent).
 */
static int one_task(struct threads_read *tr, struct nt_kread *rd, const char *pid,
		    struct nt_nic **last)
{
	struct nt_host *h = tr->h;
	struct named m = { .pid = atoi(pid) };
	struct nt_thread t;
	const char *kept = nt_kread_kept(rd, m.pid);
	if (kept && !named_as_thread(h, kept, &m, last))
		return 0;
	if (kept && h->live) {
		t.ppid = PROC_KTHREADD_PID; /* on the children list read now */
		return take(tr, &m, &t);
	}
	if (nt_thread_read(tr->proc, pid, h->live, &t))
		return 0; /* gone meanwhile */
	if (h->live || proc_ppid_kthread(t.ppid))
		nt_kread_learn(rd, m.pid, t.comm);
	if (!named_as_thread(h, t.comm, &m, last))
		return 0;
	return named_task(tr, &m, &t);
}

int nt_read_threads(struct nt_host *h, const struct sysroot *r, struct nt_kcache *kc)
{
	char **names;
	size_t k;
	struct sysroot proc;
	if (sysroot_sub(r, "proc", &proc))
		return nt_host_note(h, "/proc: cannot list the processes");
	if (sf_list(&proc, ".", MAX_PROC_ENTRIES, &names, &k)) {
		sysroot_close(&proc);
		return nt_host_note(h, "/proc: cannot list the processes");
	}
	struct threads_read tr = { .h = h, .proc = &proc };
	struct nt_kread rd = { 0 };
	int rc = kc ? nt_kread_begin(kc, &proc, &rd) : 0;
	struct nt_nic *last = NULL;
	for (size_t i = 0; i < k && rc == 0; i++) {
		const char *pid = names[i];
		if (pid[0] >= '1' && pid[0] <= '9' && strspn(pid, "0123456789") == strlen(pid) &&
		    strlen(pid) <= 9)
			rc = one_task(&tr, &rd, pid, &last);
	}
	if (rc == 0 && tr.n_live)
		rc = decide_live(&tr);
	if (rc == 0 && tr.impostors > MAX_IMPOSTOR_NOTES)
		rc = nt_host_note(h, "%zu more processes are named as netback's threads, but are "
				     "no kernel threads: not taken as them",
				  tr.impostors - MAX_IMPOSTOR_NOTES);
	nt_kread_end(&rd, rc == 0);
	free(tr.live);
	sf_names_free(names, k);
	sysroot_close(&proc);
	return rc;
}

/* IRQ's CPUs, from its smp_affinity_list in IRQDIR (the sysroot's proc/irq). */
static int irq_cpus(const struct sysroot *irqdir, unsigned irq, struct cpuset *out)
{
	static const char leaf[] = "/smp_affinity_list";
	char path[48], digits[12], buf[4096];
	size_t nd = 0;
	do
		digits[nd++] = (char)('0' + irq % 10);
	while ((irq /= 10) && nd < sizeof(digits));
	for (size_t i = 0; i < nd; i++) /* not snprintf: 8000 IRQs, as threads */
		path[i] = digits[nd - 1 - i];
	memcpy(path + nd, leaf, sizeof(leaf));
	int rc = sf_line(irqdir, path, buf, sizeof(buf));
	return rc ? rc : cpuset_parse(buf, out);
}

static int read_irqs(struct nt_host *h, const struct sysroot *r)
{
	char *text, err[XCD_ERR_MAX];
	size_t len;
	int rc = sf_read(r, "proc/interrupts", NT_IRQ_MAX_SIZE, &text, &len);
	if (rc)
		return nt_host_note(h, "/proc/interrupts: %s", strerror(-rc));
	rc = nt_interrupts_parse(text, len, &h->irqs, err, sizeof(err));
	free(text);
	if (rc)
		return rc == -ENOMEM ? rc : nt_host_note(h, "/proc/interrupts: %s", err);
	struct sysroot irqdir;
	bool have_dir = sysroot_sub(r, "proc/irq", &irqdir) == 0;
	struct nt_nic *last = NULL;
	for (size_t i = 0; i < h->irqs.n && rc == 0; i++) {
		const struct nt_irq *ir = &h->irqs.irqs[i];
		unsigned q;
		const char *rest;
		struct nt_nic *n = split_queue(h, ir->name, &q, &rest, false, &last);
		if (!n)
			continue;
		struct nt_queue *qu = &n->queues[q];
		bool tx = !strcmp(rest, "tx"), rx = !strcmp(rest, "rx"), both = !*rest;
		if (!tx && !rx && !both)
			continue;
		struct cpuset c;
		if (!have_dir || irq_cpus(&irqdir, ir->irq, &c)) {
			rc = nt_host_note(h, "/proc/irq/%u/smp_affinity_list: not a CPU list",
					  ir->irq);
			continue;
		}
		if (tx || both) {
			qu->tx_irq = (int)ir->irq;
			qu->tx_irq_cpus = c;
		}
		if (rx || both) {
			qu->rx_irq = (int)ir->irq;
			qu->rx_irq_cpus = c;
		}
	}
	if (have_dir)
		sysroot_close(&irqdir);
	return rc;
}

int nt_read_netback(struct nt_host *h, const struct sysroot *r, struct nt_kcache *kc)
{
	h->netback_loaded = sf_exists(r, "sys/module/xen_netback");
	for (int i = 0; i < NT_NB_NPARAMS; i++) {
		char path[96];
		snprintf(path, sizeof(path), NT_NB_PARAM_DIR "/%s", nt_nb_params[i].name);
		h->nb_present[i] = sf_line(r, path, h->nb_value[i], sizeof(h->nb_value[i])) == 0;
		if (!h->nb_present[i])
			h->nb_value[i][0] = '\0';
	}
	int rc = read_irqs(h, r);
	return rc ? rc : nt_read_threads(h, r, kc);
}
