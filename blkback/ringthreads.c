/* ringthreads: blkback's ring threads from /proc (see ringthreads.h). */
#include "ringthreads.h"
#include "sysread.h"
#include "../lib/procstat.h"
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "blkback." (older kernels' names), or nothing (Linux 6.1's). */
static size_t name_prefix(const char *comm)
{
	return strncmp(comm, "blkback.", 8) == 0 ? 8 : 0;
}

int ring_thread_domid(const char *comm, unsigned *domid)
{
	const char *p = comm + name_prefix(comm);
	unsigned v = 0;
	size_t i = 0;
	for (; isdigit((unsigned char)p[i]); i++) {
		if (i >= 5)
			return -EINVAL;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	/* A name cut inside the domid cannot be told apart from another. */
	if (i == 0 || p[i] != '.' || !p[i + 1])
		return -EINVAL;
	if (p == comm) {
		/* The current form is cut only past 15 characters, which
		 * blkback_name keeps "D.VDEV" within: all of "D.VDEV-N", else
		 * another thread's name (and no stat read for it). */
		const char *dash = strrchr(p + i + 1, '-');
		if (!dash || dash == p + i + 1 || !dash[1] ||
		    strspn(dash + 1, "0123456789") != strlen(dash + 1))
			return -EINVAL;
	}
	*domid = v;
	return 0;
}

bool ring_thread_of(const struct ring_thread *t, unsigned domid, const char *vdev, int *ring)
{
	char want[64];
	int n = snprintf(want, sizeof(want), "%s%u.%s-", name_prefix(t->comm) ? "blkback." : "",
			 domid, vdev);
	if (n < 0 || (size_t)n >= sizeof(want))
		return false;
	size_t clen = strlen(t->comm);
	if (clen > TASK_COMM_CHARS || !name_prefix(t->comm)) {
		/* A whole name: the prefix, then the ring's digits. */
		const char *rest = t->comm + n;
		if (clen <= (size_t)n || strncmp(t->comm, want, (size_t)n) != 0 ||
		    strspn(rest, "0123456789") != strlen(rest) || strlen(rest) > 5)
			return false;
		*ring = atoi(rest);
		return true;
	}
	size_t plen = (size_t)n < TASK_COMM_CHARS ? (size_t)n : TASK_COMM_CHARS;
	if (clen < plen || strncmp(t->comm, want, plen) != 0)
		return false;
	const char *rest = t->comm + plen;
	*ring = -1;
	if (!*rest)
		return clen == TASK_COMM_CHARS; /* cut at or before the ring */
	for (const char *c = rest; *c; c++)
		if (!isdigit((unsigned char)*c))
			return false;
	/* All of the ring's digits are there only when the name is short of
	 * the cut. */
	if (clen < TASK_COMM_CHARS)
		*ring = atoi(rest);
	return true;
}

int ring_status_cpus(const char *status, struct cpuset *set)
{
	const char *p = status;
	while (p && *p) {
		if (strncmp(p, "Cpus_allowed_list:", 18) == 0) {
			p += 18;
			while (*p == ' ' || *p == '\t')
				p++;
			size_t l = strcspn(p, "\n");
			char buf[4096];
			if (l >= sizeof(buf))
				return -EINVAL;
			memcpy(buf, p, l);
			buf[l] = '\0';
			return cpuset_parse(buf, set);
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -ENOENT;
}

int ring_stat_cpu(const char *stat, int *cpu)
{
	unsigned long long v;
	int rc = proc_stat_field(stat, 39, CPUSET_MAX - 1, &v); /* processor */
	if (rc == 0)
		*cpu = (int)v;
	return rc;
}

void ring_threads_free(struct ring_threads *rt)
{
	free(rt->t);
	memset(rt, 0, sizeof(*rt));
}

static void impostor(struct ring_threads *rt, int pid, const char *comm)
{
	if (rt->n_impostors < RING_IMPOSTORS_MAX) {
		struct ring_impostor *m = &rt->impostors[rt->n_impostors];
		m->pid = pid;
		snprintf(m->comm, sizeof(m->comm), "%s", comm);
	}
	rt->n_impostors++;
}

static bool all_digits(const char *s)
{
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

int ring_threads_read(const char *root, struct ring_threads *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	char **names;
	size_t n;
	int r = sysread_dir(root, "proc", "", 1u << 22, &names, &n);
	if (r < 0) {
		snprintf(err, errlen, "%s/proc: %s", root, strerror(-r));
		return r;
	}
	size_t cap = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		if (!all_digits(names[i]) || strlen(names[i]) > 8)
			continue;
		char rel[64], comm[64];
		snprintf(rel, sizeof(rel), "proc/%s/comm", names[i]);
		/* A process may be gone between readdir and read: skip it. */
		if (sysread_file(root, rel, comm, sizeof(comm)) < 0)
			continue;
		struct ring_thread t = { .pid = atoi(names[i]), .last_cpu = -1 };
		if (strlen(comm) >= sizeof(t.comm) || ring_thread_domid(comm, &t.domid) < 0)
			continue;
		strcpy(t.comm, comm);
		char *text;
		size_t len;
		/* A name is no proof: any process may take one. Only a kernel
		 * thread (a child of kthreadd) of that name is blkback's;
		 * without its stat, it is not known one. */
		snprintf(rel, sizeof(rel), "proc/%s/stat", names[i]);
		if (sysread_whole(root, rel, 4096, &text, &len) < 0)
			continue;
		int ppid;
		bool kthread = proc_stat_ppid(text, &ppid) == 0 && proc_ppid_kthread(ppid);
		if (ring_stat_cpu(text, &t.last_cpu) < 0)
			t.last_cpu = -1;
		free(text);
		if (!kthread) {
			impostor(out, t.pid, comm);
			continue;
		}
		snprintf(rel, sizeof(rel), "proc/%s/status", names[i]);
		if (sysread_whole(root, rel, 64 << 10, &text, &len) == 0) {
			int pr = ring_status_cpus(text, &t.allowed);
			free(text);
			if (pr == -EINVAL) {
				snprintf(err, errlen, "%s/%s: Cpus_allowed_list is not a CPU list", root, rel);
				r = -EINVAL;
				break;
			}
		}
		if (out->n == RING_THREADS_MAX) {
			snprintf(err, errlen, "%s/proc: more than %d blkback threads", root, RING_THREADS_MAX);
			r = -E2BIG;
			break;
		}
		if (out->n == cap) {
			cap = cap ? cap * 2 : 32;
			struct ring_thread *nt = realloc(out->t, cap * sizeof(*nt));
			if (!nt) {
				r = -ENOMEM;
				break;
			}
			out->t = nt;
		}
		out->t[out->n++] = t;
	}
	sysread_dir_free(names, n);
	if (r < 0)
		ring_threads_free(out);
	return r;
}
