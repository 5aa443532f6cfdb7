/* kthreadcache: kernel threads' names kept from one read of the host to the
 * next (see kthreadcache.h). */
#include "kthreadcache.h"
#include "../lib/procstat.h"
#include "sysfile.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* The longest children list read: 8 bytes a pid, 2 million of them. */
#define CHILDREN_MAX (16u << 20)

/* A kernel thread as a read found it: its pid and place in kthreadd's
 * children list. */
struct nt_kpos {
	int pid;
	unsigned pos;
};

/* A name kept: the pid, its place in the list of the read that kept it. */
struct kept {
	int pid;
	unsigned pos;
	char comm[64];
};

struct nt_kcache {
	bool valid; /* a read filled it */
	int last_pid;
	struct kept *v; /* sorted by pid */
	size_t n;
	/* nt_kcache_new_shared's: one mapping of MAP bytes, V after this
	 * struct with room for CAP names (0: V malloc'd) */
	size_t cap, map;
};

struct nt_kcache *nt_kcache_new(void)
{
	return calloc(1, sizeof(struct nt_kcache));
}

struct nt_kcache *nt_kcache_new_shared(size_t cap)
{
	size_t size = sizeof(struct nt_kcache) + cap * sizeof(struct kept);
	struct nt_kcache *c =
		mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c == MAP_FAILED)
		return NULL;
	c->cap = cap ? cap : 1;
	c->map = size;
	c->v = (struct kept *)(c + 1);
	return c;
}

void nt_kcache_free(struct nt_kcache *c)
{
	if (c && c->map) {
		munmap(c, c->map);
		return;
	}
	if (c)
		free(c->v);
	free(c);
}

/* C holds nothing: the next read is a first one. */
static void forget(struct nt_kcache *c)
{
	c->valid = false;
	c->n = 0;
	if (!c->map) {
		free(c->v);
		c->v = NULL;
	}
}

size_t nt_kcache_count(const struct nt_kcache *c)
{
	return c->n;
}

static int by_pid(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b; /* pid first in both */
	return (x > y) - (x < y);
}

static const struct kept *kept_find(const struct nt_kcache *c, int pid)
{
	return c->valid && c->n ? bsearch(&pid, c->v, c->n, sizeof(*c->v), by_pid) : NULL;
}

/* PID's place in this read's children list, or -1. */
static long place(const struct nt_kread *rd, int pid)
{
	const struct nt_kpos *p =
		rd->n ? bsearch(&pid, rd->sorted, rd->n, sizeof(*rd->sorted), by_pid) : NULL;
	return p ? (long)p->pos : -1;
}

/*
 * Which names of the last read still hold: a kernel thread of it is still
 * one now only in the same order, before every new one (new ones join the
 * list's end); a pid given out since the last read may be another task.
 */
static void keep_survivors(struct nt_kread *rd)
{
	const struct nt_kcache *c = rd->c;
	bool tail = false;
	size_t next = 0; /* the least place in the last list a survivor may have */
	for (size_t i = 0; i < rd->n; i++) {
		int pid = rd->order[i];
		const struct kept *k = kept_find(c, pid);
		if (!k || k->pos < next) {
			tail = true; /* new, or out of the order: new */
			continue;
		}
		next = (size_t)k->pos + 1;
		if (tail || proc_pid_given_since(pid, c->last_pid, rd->last_pid))
			continue;
		rd->known[i] = true;
		memcpy(rd->names[i], k->comm, sizeof(rd->names[i]));
	}
}

/* This read's kernel threads and last pid from PROC: 0, 1 when a file is
 * missing or does not parse, -ENOMEM. */
static int read_now(struct nt_kread *rd, const struct sysroot *proc)
{
	char buf[256], *text;
	size_t len;
	if (sf_read_buf(proc, "loadavg", buf, sizeof(buf), &len) ||
	    proc_loadavg_last_pid(buf, &rd->last_pid))
		return 1;
	if (sf_read(proc, "2/task/2/children", CHILDREN_MAX, &text, &len))
		return 1;
	int rc = proc_children_list(text, len, &rd->order, &rd->n);
	free(text);
	if (rc)
		return rc == -ENOMEM ? rc : 1;
	rd->sorted = malloc((rd->n ? rd->n : 1) * sizeof(*rd->sorted));
	rd->known = calloc(rd->n ? rd->n : 1, sizeof(*rd->known));
	rd->names = calloc(rd->n ? rd->n : 1, sizeof(*rd->names));
	if (!rd->sorted || !rd->known || !rd->names)
		return -ENOMEM;
	for (size_t i = 0; i < rd->n; i++)
		rd->sorted[i] = (struct nt_kpos){ rd->order[i], (unsigned)i };
	qsort(rd->sorted, rd->n, sizeof(*rd->sorted), by_pid);
	for (size_t i = 1; i < rd->n; i++)
		if (rd->sorted[i].pid == rd->sorted[i - 1].pid)
			return 1; /* a pid twice: no list of a kernel's */
	return 0;
}

int nt_kread_begin(struct nt_kcache *c, const struct sysroot *proc, struct nt_kread *rd)
{
	memset(rd, 0, sizeof(*rd));
	rd->c = c;
	int rc = read_now(rd, proc);
	if (rc) {
		free(rd->order);
		free(rd->sorted);
		free(rd->known);
		free(rd->names);
		*rd = (struct nt_kread){ .c = c };
		return rc < 0 ? rc : 0;
	}
	rd->usable = true;
	keep_survivors(rd);
	return 0;
}

bool nt_kread_is_kthread(const struct nt_kread *rd, int pid)
{
	return rd->usable && place(rd, pid) >= 0;
}

const char *nt_kread_kept(const struct nt_kread *rd, int pid)
{
	long i = rd->usable ? place(rd, pid) : -1;
	return i >= 0 && rd->known[i] ? rd->names[i] : NULL;
}

void nt_kread_learn(struct nt_kread *rd, int pid, const char *comm)
{
	long i = rd->usable ? place(rd, pid) : -1;
	if (i < 0 || strlen(comm) >= sizeof(rd->names[i]))
		return;
	strcpy(rd->names[i], comm);
	rd->known[i] = true;
}

/* What RD learnt, as C's names (sorted by pid): 0, -ENOMEM, or -ENOSPC
 * (more than a shared cache has room for). C stays invalid until it is
 * whole: a reader in a child process killed meanwhile leaves nothing kept. */
static int store(struct nt_kcache *c, const struct nt_kread *rd)
{
	size_t n = 0;
	for (size_t i = 0; i < rd->n; i++)
		n += rd->known[i];
	if (c->map && n > c->cap)
		return -ENOSPC;
	struct kept *v = c->map ? c->v : malloc((n ? n : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->valid = false;
	n = 0;
	for (size_t i = 0; i < rd->n; i++) { /* in pid order */
		unsigned pos = rd->sorted[i].pos;
		if (!rd->known[pos])
			continue;
		v[n].pid = rd->sorted[i].pid;
		v[n].pos = pos;
		memcpy(v[n].comm, rd->names[pos], sizeof(v[n].comm));
		n++;
	}
	if (!c->map)
		free(c->v);
	c->v = v;
	c->n = n;
	c->last_pid = rd->last_pid;
	c->valid = true;
	return 0;
}

void nt_kread_end(struct nt_kread *rd, bool ok)
{
	struct nt_kcache *c = rd->c;
	if (c && (!ok || !rd->usable || store(c, rd)))
		forget(c);
	free(rd->order);
	free(rd->sorted);
	free(rd->known);
	free(rd->names);
	memset(rd, 0, sizeof(*rd));
}
