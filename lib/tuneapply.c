/* tuneapply: carrying out a tuner's changes, journaled, and undoing them
 * (see tuneapply.h). */
#include "tuneapply.h"
#include "fdio.h"
#include "procstat.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define ATTR_MAX (64u << 10)
#define STATUS_MAX (64u << 10)

int ta_open(struct ta_ctx *c, const char *sysroot, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->sysroot = sysroot;
	c->root_fd = open(sysroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->root_fd < 0) {
		int rc = -errno;
		snprintf(err, errlen, "%s: %s", sysroot, strerror(errno));
		return rc;
	}
	struct statfs sf;
	int pfd = openat(c->root_fd, "proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	c->proc_live = pfd >= 0 && fstatfs(pfd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
	if (pfd >= 0)
		close(pfd);
	return 0;
}

void ta_close(struct ta_ctx *c)
{
	if (c->root_fd >= 0)
		close(c->root_fd);
	c->root_fd = -1;
	free(c->problems);
	c->problems = NULL;
	c->problems_len = 0;
}

void ta_change_init(struct ta_change *ch, const struct tune_item *it)
{
	memset(ch, 0, sizeof(*ch));
	ch->item = it;
}

void ta_change_free(struct ta_change *ch)
{
	for (size_t i = 0; i < ch->n_ops; i++)
		free(ch->ops[i].value);
	free(ch->ops);
	memset(ch, 0, sizeof(*ch));
}

void ta_changes_free(struct ta_change *ch, size_t n)
{
	for (size_t i = 0; ch && i < n; i++)
		ta_change_free(&ch[i]);
	free(ch);
}

int ta_changes_build(const struct tune_plan *plan, ta_build_fn *fn, void *arg,
		     struct ta_change **out, size_t *n, char *err, size_t errlen)
{
	size_t nc = tune_plan_count(plan, TUNE_CHANGE), k = 0;
	int rc = 0;
	*out = NULL;
	*n = 0;
	struct ta_change *ch = calloc(nc ? nc : 1, sizeof(*ch));
	if (!ch)
		rc = -ENOMEM;
	for (size_t i = 0; i < plan->n && rc == 0; i++) {
		const struct tune_item *it = &plan->items[i];
		if (it->kind != TUNE_CHANGE)
			continue;
		ta_change_init(&ch[k], it);
		rc = fn(arg, ch, k, it, &ch[k], err, errlen);
		k++;
	}
	if (rc) {
		if (rc == -ENOMEM)
			snprintf(err, errlen, "out of memory");
		ta_changes_free(ch, k);
		return rc;
	}
	*out = ch;
	*n = k;
	return 0;
}

struct ta_op *ta_change_op(struct ta_change *ch, enum ta_op_kind kind, const char *path,
			   const char *value, size_t vlen)
{
	if (ch->n_ops == ch->cap) {
		size_t cap = ch->cap ? ch->cap * 2 : 4;
		struct ta_op *n = realloc(ch->ops, cap * sizeof(*n));
		if (!n)
			return NULL;
		ch->ops = n;
		ch->cap = cap;
	}
	struct ta_op *op = &ch->ops[ch->n_ops];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	snprintf(op->path, sizeof(op->path), "%s", path ? path : "");
	if (value) {
		if (!(op->value = malloc(vlen + 1)))
			return NULL;
		memcpy(op->value, value, vlen);
		op->value[vlen] = '\0';
		op->vlen = vlen;
	}
	ch->n_ops++;
	return op;
}

/* PATH under the root, never through ".." or an absolute or /proc magic
 * link (openat2 where the kernel has it; else the last component is not
 * followed). */
static int open_in(struct ta_ctx *c, const char *path, int flags, mode_t mode)
{
	struct open_how how = { .flags = (unsigned long long)(flags | O_CLOEXEC | O_NOFOLLOW),
				.mode = (flags & O_CREAT) ? mode : 0,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
	int fd = (int)syscall(SYS_openat2, c->root_fd, path, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		fd = openat(c->root_fd, path, flags | O_CLOEXEC | O_NOFOLLOW, mode);
	return fd < 0 ? -errno : fd;
}

int ta_read(struct ta_ctx *c, const char *path, size_t max, char **out, size_t *len)
{
	int fd = open_in(c, path, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0);
	if (fd < 0)
		return fd;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	int rc = fd_read_all(fd, max, out, len);
	close(fd);
	return rc;
}

/* An attribute is written in place: sysfs and procfs take no rename. */
static int write_attr(struct ta_ctx *c, const char *path, const void *data, size_t len)
{
	int fd = open_in(c, path, O_WRONLY | O_TRUNC | O_NOCTTY, 0);
	if (fd < 0)
		return fd;
	int rc = fd_write_all(fd, data, len);
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	return rc;
}

/* The directory holding PATH, opened beneath the root (so that a symlink
 * on the way cannot lead out of it), and PATH's last component in *BASE:
 * the descriptor every change of a name is made through. */
static int parent_of(struct ta_ctx *c, const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');
	char dir[TJ_PATH_MAX];
	*base = slash ? slash + 1 : path;
	if (!slash)
		return open_in(c, ".", O_RDONLY | O_DIRECTORY, 0);
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	return open_in(c, dir, O_RDONLY | O_DIRECTORY, 0);
}

/* A file of xcd's own: PATH.xcd-new, fsync, rename, fsync of the directory. */
static int write_file(struct ta_ctx *c, const char *path, const void *data, size_t len,
		      unsigned mode)
{
	const char *base;
	char tmp[TJ_PATH_MAX + 16];
	int dfd = parent_of(c, path, &base);
	if (dfd < 0)
		return dfd;
	snprintf(tmp, sizeof(tmp), "%s.xcd-new", base);
	unlinkat(dfd, tmp, 0);
	int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0777);
	int rc = fd < 0 ? -errno : fd_write_all(fd, data, len);
	if (rc == 0 && fchmod(fd, mode & 0777) < 0)
		rc = -errno;
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (fd >= 0 && close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && renameat(dfd, tmp, dfd, base) < 0)
		rc = -errno;
	if (rc && fd >= 0)
		unlinkat(dfd, tmp, 0);
	if (rc == 0)
		fsync(dfd);
	close(dfd);
	return rc;
}

/* unlinkat of PATH (FLAGS: AT_REMOVEDIR for a directory) through its
 * parent opened beneath the root. */
static int remove_in(struct ta_ctx *c, const char *path, int flags)
{
	const char *base;
	int dfd = parent_of(c, path, &base);
	if (dfd < 0)
		return dfd;
	int rc = unlinkat(dfd, base, flags) < 0 ? -errno : 0;
	close(dfd);
	return rc;
}

/* ---- threads' CPUs ---- */

int ta_thread_comm(struct ta_ctx *c, int pid, char *buf, size_t len)
{
	char path[48], *text;
	size_t n;
	snprintf(path, sizeof(path), "proc/%d/comm", pid);
	int rc = ta_read(c, path, 256, &text, &n);
	if (rc)
		return rc;
	if (n && text[n - 1] == '\n')
		text[--n] = '\0';
	/* A name cut here would never match the thread again. */
	rc = n < len ? 0 : -ENAMETOOLONG;
	if (rc == 0)
		memcpy(buf, text, n + 1);
	free(text);
	return rc;
}

/* On a fixture tree: the Cpus_allowed_list line of proc/PID/status; its
 * list is at *AT (*ALEN bytes) in *TEXT. */
static int status_cpus(struct ta_ctx *c, int pid, char **text, size_t *len, size_t *at,
		       size_t *alen)
{
	char path[48];
	snprintf(path, sizeof(path), "proc/%d/status", pid);
	int rc = ta_read(c, path, STATUS_MAX, text, len);
	if (rc)
		return rc;
	const char *key = "Cpus_allowed_list:";
	char *l = *text;
	while (l && strncmp(l, key, strlen(key)))
		if ((l = strchr(l, '\n')))
			l++;
	if (!l) {
		free(*text);
		return -EINVAL;
	}
	l += strlen(key);
	l += strspn(l, " \t");
	*at = (size_t)(l - *text);
	*alen = strcspn(l, "\n");
	return 0;
}

static int get_cpus(struct ta_ctx *c, int pid, struct cpuset *out)
{
	if (c->proc_live) {
		cpu_set_t *m = CPU_ALLOC(CPUSET_MAX);
		size_t sz = CPU_ALLOC_SIZE(CPUSET_MAX);
		if (!m)
			return -ENOMEM;
		int rc = sched_getaffinity(pid, sz, m) < 0 ? -errno : 0;
		cpuset_clear(out);
		for (unsigned i = 0; rc == 0 && i < CPUSET_MAX; i++)
			if (CPU_ISSET_S(i, sz, m))
				cpuset_add(out, i);
		CPU_FREE(m);
		return rc;
	}
	char *text;
	size_t len, at, alen;
	int rc = status_cpus(c, pid, &text, &len, &at, &alen);
	if (rc)
		return rc;
	text[at + alen] = '\0';
	rc = cpuset_parse(text + at, out);
	free(text);
	return rc;
}

static int set_cpus(struct ta_ctx *c, int pid, const struct cpuset *cpus)
{
	if (c->proc_live) {
		cpu_set_t *m = CPU_ALLOC(CPUSET_MAX);
		size_t sz = CPU_ALLOC_SIZE(CPUSET_MAX);
		if (!m)
			return -ENOMEM;
		CPU_ZERO_S(sz, m);
		for (unsigned i = 0; i < CPUSET_MAX; i++)
			if (cpuset_has(cpus, i))
				CPU_SET_S(i, sz, m);
		int rc = sched_setaffinity(pid, sz, m) < 0 ? -errno : 0;
		CPU_FREE(m);
		return rc;
	}
	char *text, list[TJ_CPUS_MAX], path[48];
	size_t len, at, alen;
	if (cpuset_format(cpus, list, sizeof(list)))
		return -E2BIG;
	int rc = status_cpus(c, pid, &text, &len, &at, &alen);
	if (rc)
		return rc;
	size_t ll = strlen(list), nlen = len - alen + ll;
	char *out = malloc(nlen);
	if (!out) {
		free(text);
		return -ENOMEM;
	}
	memcpy(out, text, at);
	memcpy(out + at, list, ll);
	memcpy(out + at + ll, text + at + alen, len - at - alen);
	snprintf(path, sizeof(path), "proc/%d/status", pid);
	rc = write_attr(c, path, out, nlen);
	free(out);
	free(text);
	return rc;
}

int ta_thread_ppid(struct ta_ctx *c, int pid, int *ppid)
{
	char path[48], *text;
	size_t n;
	snprintf(path, sizeof(path), "proc/%d/status", pid);
	int rc = ta_read(c, path, STATUS_MAX, &text, &n);
	if (rc)
		return rc;
	rc = proc_status_ppid(text, ppid);
	free(text);
	return rc;
}

/* The thread PID must still be COMM, and a kernel thread: pids are reused,
 * and any process may take a kernel thread's name; the tuners pin only
 * the kernel's threads. */
static int same_thread(struct ta_ctx *c, int pid, const char *comm, char *err, size_t errlen)
{
	char now[64];
	int ppid = -1;
	int rc = ta_thread_comm(c, pid, now, sizeof(now));
	if (rc == 0 && ta_thread_ppid(c, pid, &ppid) == -ENOENT)
		rc = -ENOENT; /* gone meanwhile; no PPid: not known a kernel thread */
	if (rc == -ENOENT) {
		snprintf(err, errlen, "thread %d (%s) is gone", pid, comm);
		return rc;
	}
	if (rc || strcmp(now, comm)) {
		snprintf(err, errlen, "thread %d is now '%s', not '%s'", pid, rc ? "?" : now, comm);
		return -ESRCH;
	}
	if (!proc_ppid_kthread(ppid)) {
		char parent[16] = "unknown";
		if (ppid >= 0)
			snprintf(parent, sizeof(parent), "%d", ppid);
		snprintf(err, errlen,
			 "thread %d (%s) is no kernel thread (its parent is %s): a process named so, "
			 "left alone",
			 pid, comm, parent);
		return -EPERM;
	}
	return 0;
}

/* ---- snapshots, changes and undoing, by kind ---- */

static int snap_parents(struct ta_ctx *c, const char *path, struct tj_step *s)
{
	char dir[TJ_PATH_MAX];
	for (const char *p = strchr(path, '/'); p; p = strchr(p + 1, '/')) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(p - path), path);
		if (!tj_path_ok(TJ_DIR, dir))
			continue;
		struct stat st;
		struct tj_rec r = { .kind = TJ_DIR };
		snprintf(r.path, sizeof(r.path), "%s", dir);
		r.existed = fstatat(c->root_fd, dir, &st, AT_SYMLINK_NOFOLLOW) == 0;
		if (!r.existed && !tj_add_rec(s, &r))
			return -ENOMEM;
	}
	return 0;
}

static int snapshot(struct ta_ctx *c, const struct ta_op *op, struct tj_step *s, char *err,
		    size_t errlen)
{
	struct tj_rec r = { 0 };
	char *text = NULL;
	size_t len = 0;
	int rc = 0;
	switch (op->kind) {
	case TA_OP_ATTR:
	case TA_OP_FILE:
		r.kind = op->kind == TA_OP_ATTR ? TJ_ATTR : TJ_FILE;
		if (!tj_path_ok(r.kind, op->path)) {
			snprintf(err, errlen, "%s: not a file a tuner writes", op->path);
			return -EPERM;
		}
		snprintf(r.path, sizeof(r.path), "%s", op->path);
		if (r.kind == TJ_FILE && (rc = snap_parents(c, op->path, s)))
			return rc;
		rc = ta_read(c, op->path, r.kind == TJ_ATTR ? ATTR_MAX : TJ_MAX_DATA, &text, &len);
		if (rc == -ENOENT && r.kind == TJ_FILE) {
			rc = 0;
		} else if (rc == 0 && r.kind == TJ_FILE) {
			struct stat st;
			r.existed = true;
			r.mode = fstatat(c->root_fd, op->path, &st, AT_SYMLINK_NOFOLLOW) == 0
					 ? st.st_mode & 0777 : 0644;
		}
		r.data = (unsigned char *)text;
		r.len = len;
		if (rc)
			snprintf(err, errlen, "%s/%s: %s", c->sysroot, op->path,
				 rc == -EINVAL ? "not a regular file" : strerror(-rc));
		break;
	case TA_OP_AFFINITY: {
		struct cpuset now;
		r.kind = TJ_AFFINITY;
		r.pid = op->pid;
		snprintf(r.comm, sizeof(r.comm), "%s", op->comm);
		if ((rc = same_thread(c, op->pid, op->comm, err, errlen)))
			break;
		if ((rc = get_cpus(c, op->pid, &now)) < 0) {
			snprintf(err, errlen, "thread %d (%s): its CPUs: %s", op->pid, op->comm,
				 strerror(-rc));
			break;
		}
		cpuset_format(&now, r.cpus, sizeof(r.cpus));
		break;
	}
	case TA_OP_EXT:
		return c->ext ? c->ext->snapshot(c, op, s, err, errlen) : -ENOTSUP;
	}
	if (rc == 0 && !tj_add_rec(s, &r))
		rc = -ENOMEM;
	free(text);
	return rc;
}

static int make_dirs(struct ta_ctx *c, const char *path)
{
	char dir[TJ_PATH_MAX];
	for (const char *p = strchr(path, '/'); p; p = strchr(p + 1, '/')) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(p - path), path);
		if (!tj_path_ok(TJ_DIR, dir))
			continue;
		const char *base;
		int dfd = parent_of(c, dir, &base);
		if (dfd < 0)
			return dfd;
		int rc = mkdirat(dfd, base, 0755) < 0 && errno != EEXIST ? -errno : 0;
		close(dfd);
		if (rc)
			return rc;
	}
	return 0;
}

static int act(struct ta_ctx *c, const struct ta_op *op, char *err, size_t errlen)
{
	int rc = 0;
	switch (op->kind) {
	case TA_OP_ATTR:
		rc = write_attr(c, op->path, op->value, op->vlen);
		break;
	case TA_OP_FILE:
		rc = make_dirs(c, op->path);
		if (rc == 0)
			rc = write_file(c, op->path, op->value, op->vlen, op->mode);
		break;
	case TA_OP_AFFINITY:
		if ((rc = same_thread(c, op->pid, op->comm, err, errlen)))
			return rc;
		if ((rc = set_cpus(c, op->pid, &op->cpus))) {
			char l[TJ_CPUS_MAX];
			cpuset_format(&op->cpus, l, sizeof(l));
			snprintf(err, errlen, "thread %d (%s) to CPUs %.200s: %s", op->pid, op->comm, l,
				 strerror(-rc));
		}
		return rc;
	case TA_OP_EXT:
		return c->ext ? c->ext->act(c, op, err, errlen) : -ENOTSUP;
	}
	if (rc)
		snprintf(err, errlen, "%s/%s: %s", c->sysroot, op->path, strerror(-rc));
	return rc;
}

static int undo_rec(struct ta_ctx *c, const struct tj_rec *r, char *err, size_t errlen)
{
	int rc = 0;
	struct cpuset cs;
	switch (r->kind) {
	case TJ_ATTR:
	case TJ_FILE:
	case TJ_DIR:
		if (!tj_path_ok(r->kind, r->path)) {
			snprintf(err, errlen, "%s: not a file a tuner writes: left alone", r->path);
			return -EPERM;
		}
		if (r->kind == TJ_ATTR)
			rc = write_attr(c, r->path, r->data, r->len);
		else if (r->kind == TJ_FILE && r->existed)
			rc = write_file(c, r->path, r->data, r->len, r->mode);
		else if (r->kind == TJ_FILE && (rc = remove_in(c, r->path, 0)) == -ENOENT)
			rc = 0;
		else if (r->kind == TJ_DIR && !r->existed &&
			 ((rc = remove_in(c, r->path, AT_REMOVEDIR)) == -ENOENT || rc == -ENOTEMPTY ||
			  rc == -EEXIST))
			rc = 0; /* gone, or holding files of others: left */
		if (rc)
			snprintf(err, errlen, "%s/%s: %s", c->sysroot, r->path, strerror(-rc));
		return rc;
	case TJ_AFFINITY:
		/* A thread that is gone runs nowhere: nothing to put back. */
		if (same_thread(c, r->pid, r->comm, err, errlen))
			return 0;
		if (cpuset_parse(r->cpus, &cs) || (rc = set_cpus(c, r->pid, &cs)))
			snprintf(err, errlen, "thread %d (%s) back to CPUs %.200s: %s", r->pid, r->comm,
				 r->cpus, rc ? strerror(-rc) : "not a CPU list");
		return rc ? rc : cpuset_parse(r->cpus, &cs);
	case TJ_LINK:
	case TJ_BOND:
	case TJ_MULTIPATHD:
		if (!c->ext) {
			snprintf(err, errlen, "a %s record: this tuner cannot undo it",
				 tj_kind_name(r->kind));
			return -ENOTSUP;
		}
		return c->ext->undo(c, r, err, errlen);
	}
	return -EINVAL;
}

static void problem(struct ta_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct ta_ctx *c, const char *fmt, ...)
{
	char line[600];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	char *p = realloc(c->problems, c->problems_len + (size_t)n + 2);
	if (!p)
		return;
	c->problems = p;
	memcpy(p + c->problems_len, line, (size_t)n);
	c->problems_len += (size_t)n;
	p[c->problems_len++] = '\n';
	p[c->problems_len] = '\0';
}

/* Undoes steps [FROM, TO) last first; the number of records that failed. */
static size_t undo_steps(struct ta_ctx *c, size_t from, size_t to)
{
	size_t failed = 0;
	for (size_t i = to; i-- > from;) {
		const struct tj_step *s = &c->j->steps[i];
		const struct tune_item *it = &c->j->items.items[i];
		for (size_t k = s->n_recs; k-- > 0;) {
			char err[512] = "";
			if (undo_rec(c, &s->recs[k], err, sizeof(err))) {
				problem(c, "step %zu (%s %s): %s", i + 1, it->area, it->object, err);
				failed++;
			}
		}
	}
	return failed;
}

static int save(struct ta_ctx *c, char *err, size_t errlen)
{
	return c->save(tj_count(c->j) ? c->j : NULL, c->save_arg, err, errlen);
}

struct prev {
	unsigned gen;
	enum tj_state state;
	long long started, confirm_by;
	bool confirmed;
};

static void restore_prev(struct tj *j, const struct prev *p, size_t base)
{
	tj_truncate(j, base);
	j->gen = p->gen;
	j->state = p->state;
	j->started = p->started;
	j->confirm_by = p->confirm_by;
	j->confirmed = p->confirmed;
}

/* Step K (from 0, counted from BASE) failed with WHY: undo it and those
 * before it. */
static int roll_back(struct ta_ctx *c, size_t base, size_t k, size_t n, const struct prev *p,
		     const char *why, char *err, size_t errlen)
{
	const struct tune_item *it = &c->j->items.items[base + k];
	size_t failed = undo_steps(c, base, base + k + 1);
	char serr[256] = "";
	char head[900];
	snprintf(head, sizeof(head), "step %zu of %zu (%s %s: %s -> %s) failed: %s", k + 1, n,
		 it->area, it->object, *it->from ? it->from : "(none)", it->to, why);
	if (failed) {
		/* The journal keeps every step of this apply: revert again. */
		c->j->state = TJ_REVERTING;
		c->j->revert_from = c->j->gen;
		save(c, serr, sizeof(serr));
		snprintf(err, errlen, "%s; undoing it left %zu problem%s (xcd tune %s revert tries again): %s",
			 head, failed, failed == 1 ? "" : "s", c->j->area, c->problems ? c->problems : "");
		return -EIO;
	}
	restore_prev(c->j, p, base);
	int rc = save(c, serr, sizeof(serr));
	char done[64];
	if (k == 0)
		snprintf(done, sizeof(done), "nothing was changed");
	else if (k == 1)
		snprintf(done, sizeof(done), "step 1 was undone");
	else
		snprintf(done, sizeof(done), "steps 1 to %zu were undone", k);
	snprintf(err, errlen, "%s; %s%s%s", head, done, rc ? "; the journal: " : "", rc ? serr : "");
	return -EIO;
}

int ta_apply(struct ta_ctx *c, struct ta_change *changes, size_t n, long long confirm_by,
	     char *err, size_t errlen)
{
	struct tj *j = c->j;
	struct prev p = { j->gen, j->state, j->started, j->confirm_by, j->confirmed };
	size_t base = tj_count(j);
	unsigned gen = j->gen + 1;
	int rc = 0;
	/* 1. Every step's state before it, saved before anything changes. */
	for (size_t k = 0; k < n && rc == 0; k++) {
		struct tj_step *s = tj_add_step(j, gen, changes[k].item);
		if (!s) {
			rc = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			break;
		}
		snprintf(s->note, sizeof(s->note), "%s", changes[k].note);
		for (size_t o = 0; o < changes[k].n_ops && rc == 0; o++) {
			char why[512] = "";
			if ((rc = snapshot(c, &changes[k].ops[o], s, why, sizeof(why))))
				snprintf(err, errlen, "step %zu (%s %s): cannot record its state before: %s; nothing was changed",
					 k + 1, changes[k].item->area, changes[k].item->object,
					 why[0] ? why : strerror(-rc));
		}
	}
	if (rc == 0) {
		j->gen = gen;
		j->state = TJ_APPLYING;
		j->started = (long long)time(NULL);
		j->confirm_by = 0;
		j->confirmed = false;
		char why[512];
		if ((rc = save(c, why, sizeof(why))))
			snprintf(err, errlen, "the journal: %s; nothing was changed", why);
	}
	if (rc) {
		restore_prev(j, &p, base);
		return rc;
	}
	/* 2. The changes, in order. */
	for (size_t k = 0; k < n; k++) {
		char why[512] = "";
		if (c->fail_at == k + 1) {
			snprintf(why, sizeof(why), "refused (XCDD_TEST_TUNE_FAIL_AT=%u)", c->fail_at);
			return roll_back(c, base, k, n, &p, why, err, errlen);
		}
		for (size_t o = 0; o < changes[k].n_ops; o++) {
			if ((rc = act(c, &changes[k].ops[o], why, sizeof(why))))
				return roll_back(c, base, k, n, &p, why[0] ? why : strerror(-rc), err,
						 errlen);
		}
		j->steps[base + k].done = true;
	}
	j->state = TJ_APPLIED;
	j->confirm_by = confirm_by;
	char why[512];
	if ((rc = save(c, why, sizeof(why)))) {
		/* Undone rather than left for a restart to find "applying". */
		char e2[1024];
		snprintf(e2, sizeof(e2), "the journal: %s", why);
		return roll_back(c, base, n - 1, n, &p, e2, err, errlen);
	}
	return 0;
}

int ta_revert(struct ta_ctx *c, unsigned from_gen, char *err, size_t errlen)
{
	struct tj *j = c->j;
	size_t n = tj_count(j), from = 0;
	while (from < n && j->steps[from].gen < from_gen)
		from++;
	char why[512];
	j->state = TJ_REVERTING;
	j->revert_from = from_gen;
	if (save(c, why, sizeof(why))) {
		snprintf(err, errlen, "the journal: %s; nothing was undone", why);
		return -EIO;
	}
	size_t failed = undo_steps(c, from, n);
	if (failed) {
		snprintf(err, errlen, "%zu thing%s could not be undone (the journal is kept: revert again): %s",
			 failed, failed == 1 ? "" : "s", c->problems ? c->problems : "");
		return -EIO;
	}
	tj_truncate(j, from);
	j->gen = from_gen ? from_gen - 1 : 0;
	j->state = TJ_APPLIED;
	j->revert_from = 0;
	j->confirm_by = 0;
	j->confirmed = false;
	if (save(c, why, sizeof(why))) {
		snprintf(err, errlen, "undone, but the journal: %s", why);
		return -EIO;
	}
	return 0;
}

/* ---- modprobe.d ---- */

/* TEXT with MODULE's options line holding PARAM=VALUE (and the options it
 * had), other lines as they were; *OUT malloc'd. */
static int modprobe_text(const char *text, const char *module, const char *param,
			 const char *value, char **out, size_t *outlen)
{
	char *buf = NULL;
	size_t blen = 0;
	FILE *f = open_memstream(&buf, &blen);
	if (!f)
		return -ENOMEM;
	char head[96];
	snprintf(head, sizeof(head), "options %s ", module);
	if (!text || !*text)
		fputs("# Written by xcd tune: `xcd tune net|storage revert` puts back what was here.\n", f);
	char opts[1024] = "";
	for (const char *l = text ? text : ""; *l;) {
		size_t n = strcspn(l, "\n");
		if (!strncmp(l, head, strlen(head)) && n - strlen(head) < sizeof(opts) - 1) {
			/* Its options, less PARAM: kept on the new line. */
			const char *o = l + strlen(head), *end = l + n;
			while (o < end) {
				size_t w = strcspn(o, " \t\n");
				if (w > (size_t)(end - o))
					w = (size_t)(end - o);
				size_t pl = strlen(param);
				if (w && !(w > pl && !strncmp(o, param, pl) && o[pl] == '=') &&
				    strlen(opts) + w + 2 < sizeof(opts))
					snprintf(opts + strlen(opts), sizeof(opts) - strlen(opts), "%.*s ",
						 (int)w, o);
				o += w;
				o += strspn(o, " \t");
			}
		} else {
			fprintf(f, "%.*s\n", (int)n, l);
		}
		l += n + (l[n] == '\n');
	}
	fprintf(f, "options %s %s%s=%s\n", module, opts, param, value);
	if (fclose(f)) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	*outlen = blen;
	return 0;
}

int ta_modprobe_op(struct ta_ctx *c, const struct ta_change *prev, size_t n_prev,
		   struct ta_change *ch, const char *path, const char *module, const char *param,
		   const char *value, char *err, size_t errlen)
{
	const char *base = NULL;
	for (size_t i = n_prev; i-- > 0 && !base;)
		for (size_t k = prev[i].n_ops; k-- > 0 && !base;)
			if (prev[i].ops[k].kind == TA_OP_FILE && !strcmp(prev[i].ops[k].path, path))
				base = prev[i].ops[k].value;
	char *disk = NULL, *text;
	size_t len;
	if (!base) {
		int rc = ta_read(c, path, TJ_MAX_DATA, &disk, &len);
		if (rc && rc != -ENOENT) {
			snprintf(err, errlen, "%s/%s: %s", c->sysroot, path, strerror(-rc));
			return rc;
		}
		base = disk;
	}
	int rc = modprobe_text(base, module, param, value, &text, &len);
	free(disk);
	if (rc)
		return rc;
	struct ta_op *op = ta_change_op(ch, TA_OP_FILE, path, text, len);
	free(text);
	if (!op)
		return -ENOMEM;
	op->mode = 0644;
	snprintf(ch->note, sizeof(ch->note), "written to /%s: takes effect at the module's next load or the next boot",
		 path);
	return 0;
}
