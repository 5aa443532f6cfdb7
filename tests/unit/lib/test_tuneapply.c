/* test_tuneapply: the apply engine on a tree of files standing for a host
 * (a module parameter, a thread's status, an IRQ's smp_affinity_list, two
 * modprobe.d files, one there before): apply then revert gives the tree back
 * byte for byte; a step that fails (each in turn) undoes those before it; a
 * step whose state cannot be read changes nothing; a journal saved with the
 * apply under way is undone from what it holds (as a restarted xcdd does),
 * twice over; a later apply is undone alone or with the earlier; and on
 * this host's own procfs, a thread's CPUs set and put back. */
#include "../../../lib/tuneapply.h"
#include "../../lib/cunit_run.h"
#include "suites.h"
#include <CUnit/Basic.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[64];

/* Called by the suite's set-up too, where CUnit takes no assertion. */
static int put(const char *rel, const char *text, mode_t mode)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (char *s = strchr(p + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	FILE *f = fopen(p, "w");
	if (!f)
		return -1;
	fputs(text, f);
	fclose(f);
	return chmod(p, mode);
}

static char *slurp(const char *rel)
{
	char p[256], *buf = calloc(1, 4096);
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	int fd = open(p, O_RDONLY);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, 4095);
		(void)n;
		close(fd);
	}
	return buf;
}

/* The tree as text: each entry's name, type and mode, each file's bytes. */
static FILE *tree_out;
static int tree_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	fprintf(tree_out, "%s %o %d\n", path + strlen(root), (unsigned)st->st_mode, flag);
	if (flag == FTW_F) {
		FILE *in = fopen(path, "r");
		int c;
		while (in && (c = fgetc(in)) != EOF)
			fputc(c, tree_out);
		if (in)
			fclose(in);
	}
	return 0;
}

static char *tree(void)
{
	char *buf = NULL;
	size_t len = 0;
	tree_out = open_memstream(&buf, &len);
	nftw(root, tree_one, 16, FTW_PHYS);
	fclose(tree_out);
	return buf;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	return remove(path);
}

static int setup(void)
{
	strcpy(root, "/tmp/xcd-tuneapply.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	return put("sys/module/xen_netback/parameters/max_queues", "4\n", 0644) ||
	       put("proc/100/comm", "vif1.0-q0-guest\n", 0644) ||
	       put("proc/100/status", "Name:\tvif1.0-q0-guest\nPid:\t100\nPPid:\t2\nCpus_allowed:\tf\nCpus_allowed_list:\t0-3\n", 0644) ||
	       put("proc/irq/45/smp_affinity_list", "0-3\n", 0644) ||
	       put("etc/modprobe.d/xcd-blkback.conf", "# mine\noptions xen_blkback log_stats=1\n", 0600);
}

static int teardown(void)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* The journal as saved: how often, and the text of each save (NULL: it was
 * removed). */
struct saved {
	char *text[16];
	unsigned n;
};

static int save_cb(const struct tj *j, void *arg, char *err, size_t errlen)
{
	struct saved *s = arg;
	size_t len;
	char *t = NULL;
	if (j && tj_to_json(j, &t, &len))
		return -ENOMEM;
	if (s->n < 16)
		s->text[s->n++] = t;
	else
		free(t);
	return 0;
}

static void saved_free(struct saved *s)
{
	for (unsigned i = 0; i < s->n; i++)
		free(s->text[i]);
	memset(s, 0, sizeof(*s));
}

static const struct tune_item items[5] = {
	{ TUNE_CHANGE, "netback", "max_queues", "4", "2", "r", "f", false, false, NULL },
	{ TUNE_CHANGE, "vif-queue", "vif1.0-q0", "0-3", "2", "r", "f", false, false, NULL },
	{ TUNE_CHANGE, "vif-queue", "vif1.0-q0-irq", "0-3", "2", "r", "f", false, false, NULL },
	{ TUNE_CHANGE, "netback", "max_queues@load", "", "2", "r", "f", false, true, NULL },
	{ TUNE_CHANGE, "blkback", "xen_blkback.max_ring_page_order", "", "4", "r", "f", false, true, NULL },
};

static void open_ctx(struct ta_ctx *c, struct tj *j, struct saved *sv)
{
	char err[256];
	CU_ASSERT_EQUAL_FATAL(ta_open(c, root, err, sizeof(err)), 0);
	CU_ASSERT_FALSE(c->proc_live); /* a tree of files: status lines */
	c->j = j;
	c->save = save_cb;
	c->save_arg = sv;
}

/* The five changes of ITEMS. */
static void changes(struct ta_ctx *c, struct ta_change ch[5])
{
	char err[256];
	for (int i = 0; i < 5; i++)
		ta_change_init(&ch[i], &items[i]);
	CU_ASSERT_PTR_NOT_NULL(ta_change_op(&ch[0], TA_OP_ATTR,
					    "sys/module/xen_netback/parameters/max_queues", "2\n", 2));
	struct ta_op *op = ta_change_op(&ch[1], TA_OP_AFFINITY, NULL, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(op);
	op->pid = 100;
	strcpy(op->comm, "vif1.0-q0-guest");
	cpuset_add(&op->cpus, 2);
	CU_ASSERT_PTR_NOT_NULL(ta_change_op(&ch[2], TA_OP_ATTR, "proc/irq/45/smp_affinity_list",
					    "2\n", 2));
	CU_ASSERT_EQUAL(ta_modprobe_op(c, ch, 3, &ch[3], "etc/modprobe.d/xcd-netback.conf",
				       "xen_netback", "max_queues", "2", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ta_modprobe_op(c, ch, 4, &ch[4], "etc/modprobe.d/xcd-blkback.conf",
				       "xen_blkback", "max_ring_page_order", "4", err, sizeof(err)), 0);
}

static void free_changes(struct ta_change ch[5])
{
	for (int i = 0; i < 5; i++)
		ta_change_free(&ch[i]);
}

/* What each test drives: the engine on the tree, its journal, the saves,
 * the five changes. */
struct rig {
	struct ta_ctx c;
	struct tj j;
	struct saved sv;
	struct ta_change ch[5];
};

static void rig_open(struct rig *r)
{
	memset(r, 0, sizeof(*r));
	tj_init(&r->j, "net", root);
	open_ctx(&r->c, &r->j, &r->sv);
	changes(&r->c, r->ch);
}

static void rig_close(struct rig *r)
{
	free_changes(r->ch);
	tj_free(&r->j);
	ta_close(&r->c);
	saved_free(&r->sv);
}

static void test_apply_revert(void)
{
	char *before = tree(), err[1024] = "";
	struct rig r;
	rig_open(&r);
	struct ta_ctx *c = &r.c;
	struct tj *j = &r.j;
	struct saved *sv = &r.sv;
	int rc = ta_apply(c, r.ch, 5, 0, err, sizeof(err));
	u_str_eq(err, "", "apply", __FILE__, __LINE__);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(sv->n, 2); /* the states before, then "applied" */
	CU_ASSERT(sv->text[0] && strstr(sv->text[0], "\"state\": \"applying\""));
	CU_ASSERT(sv->text[1] && strstr(sv->text[1], "\"state\": \"applied\""));
	char *t = slurp("sys/module/xen_netback/parameters/max_queues");
	u_str_eq(t, "2\n", "max_queues", __FILE__, __LINE__);
	free(t);
	t = slurp("proc/100/status");
	u_str_eq(t, "Name:\tvif1.0-q0-guest\nPid:\t100\nPPid:\t2\nCpus_allowed:\tf\nCpus_allowed_list:\t2\n",
		 "status", __FILE__, __LINE__);
	free(t);
	t = slurp("etc/modprobe.d/xcd-netback.conf");
	u_str_eq(t, "# Written by xcd tune: `xcd tune net|storage revert` puts back what was here.\n"
		    "options xen_netback max_queues=2\n", "netback.conf", __FILE__, __LINE__);
	free(t);
	t = slurp("etc/modprobe.d/xcd-blkback.conf");
	u_str_eq(t, "# mine\noptions xen_blkback log_stats=1 max_ring_page_order=4\n", "blkback.conf",
		 __FILE__, __LINE__);
	free(t);
	u_str_eq(j->steps[3].note,
		 "written to /etc/modprobe.d/xcd-netback.conf: takes effect at the module's next load or the next boot",
		 "note", __FILE__, __LINE__);
	rc = ta_revert(c, 1, err, sizeof(err));
	u_str_eq(err, "", "revert", __FILE__, __LINE__);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(tj_count(j), 0);
	CU_ASSERT(sv->n == 4 && sv->text[3] == NULL); /* reverting, then removed */
	char *after = tree();
	u_str_eq(after, before, "the tree after revert", __FILE__, __LINE__);
	free(after);
	free(before);
	rig_close(&r);
}

static void test_failing_step(void)
{
	char *before = tree();
	for (unsigned k = 1; k <= 5; k++) {
		char err[1024] = "", want[128];
		struct rig r;
		rig_open(&r);
		r.c.fail_at = k;
		CU_ASSERT_EQUAL(ta_apply(&r.c, r.ch, 5, 0, err, sizeof(err)), -EIO);
		snprintf(want, sizeof(want), "step %u of 5 (%s %s", k, items[k - 1].area,
			 items[k - 1].object);
		CU_ASSERT(strstr(err, want) != NULL);
		if (k == 1)
			snprintf(want, sizeof(want), "; nothing was changed");
		else if (k == 2)
			snprintf(want, sizeof(want), "; step 1 was undone");
		else
			snprintf(want, sizeof(want), "; steps 1 to %u were undone", k - 1);
		if (!strstr(err, want))
			fprintf(stderr, "k=%u: '%s' lacks '%s'\n", k, err, want);
		CU_ASSERT(strstr(err, want) != NULL);
		CU_ASSERT_EQUAL(tj_count(&r.j), 0);
		CU_ASSERT(r.sv.n == 2 && r.sv.text[1] == NULL); /* saved, then removed */
		char *after = tree();
		u_str_eq(after, before, "the tree after a failed step", __FILE__, __LINE__);
		free(after);
		rig_close(&r);
	}
	free(before);
}

static void test_unreadable_and_refused(void)
{
	char *before, err[1024] = "";
	struct rig r;
	char p[256];
	/* The IRQ's file is a directory: its state cannot be read. */
	snprintf(p, sizeof(p), "%s/proc/irq/46/smp_affinity_list", root);
	CU_ASSERT_EQUAL(put("proc/irq/46/x", "", 0644), 0);
	mkdir(p, 0755);
	before = tree();
	rig_open(&r);
	struct ta_change *ch = r.ch;
	strcpy(ch[2].ops[0].path, "proc/irq/46/smp_affinity_list");
	CU_ASSERT(ta_apply(&r.c, ch, 5, 0, err, sizeof(err)) < 0);
	CU_ASSERT(strstr(err, "step 3 (vif-queue vif1.0-q0-irq): cannot record its state before:") != NULL);
	CU_ASSERT(strstr(err, "not a regular file; nothing was changed") != NULL);
	CU_ASSERT_EQUAL(r.sv.n, 0);
	CU_ASSERT_EQUAL(tj_count(&r.j), 0);
	/* A file no tuner writes. */
	strcpy(ch[2].ops[0].path, "etc/passwd");
	CU_ASSERT_EQUAL(ta_apply(&r.c, ch, 5, 0, err, sizeof(err)), -EPERM);
	CU_ASSERT(strstr(err, "etc/passwd: not a file a tuner writes") != NULL);
	/* A thread whose pid now names another. */
	strcpy(ch[2].ops[0].path, "proc/irq/45/smp_affinity_list");
	strcpy(ch[1].ops[0].comm, "vif9.0-q0-guest");
	CU_ASSERT_EQUAL(ta_apply(&r.c, ch, 5, 0, err, sizeof(err)), -ESRCH);
	CU_ASSERT(strstr(err, "thread 100 is now 'vif1.0-q0-guest', not 'vif9.0-q0-guest'") != NULL);
	char *after = tree();
	u_str_eq(after, before, "nothing changed", __FILE__, __LINE__);
	free(after);
	free(before);
	rig_close(&r);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/proc/irq/46/x", root);
	unlink(p);
	snprintf(p, sizeof(p), "%s/proc/irq/46", root);
	rmdir(p);
}

/* A process named as netback's thread (any process may name itself so) is
 * never pinned, nor put back: only a kernel thread, a child of kthreadd
 * (PPid 2), is a backend's. */
static void test_not_kthread(void)
{
	static const char kthread[] = "Name:\tvif1.0-q0-guest\nPid:\t100\nPPid:\t2\n"
				      "Cpus_allowed:\tf\nCpus_allowed_list:\t0-3\n";
	static const char *const procs[][2] = {
		{ "Name:\tvif1.0-q0-guest\nPid:\t100\nPPid:\t1234\nCpus_allowed_list:\t0-3\n",
		  "thread 100 (vif1.0-q0-guest) is no kernel thread (its parent is 1234)" },
		{ "Name:\tvif1.0-q0-guest\nPid:\t100\nPPid:\t1\nCpus_allowed_list:\t0-3\n",
		  "thread 100 (vif1.0-q0-guest) is no kernel thread (its parent is 1)" },
		{ "Name:\tvif1.0-q0-guest\nPid:\t100\nCpus_allowed_list:\t0-3\n",
		  "thread 100 (vif1.0-q0-guest) is no kernel thread (its parent is unknown)" },
	};
	char err[1024] = "";
	for (size_t i = 0; i < sizeof(procs) / sizeof(procs[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(put("proc/100/status", procs[i][0], 0644), 0);
		char *before = tree();
		struct rig r;
		rig_open(&r);
		CU_ASSERT_EQUAL(ta_apply(&r.c, r.ch, 5, 0, err, sizeof(err)), -EPERM);
		if (!strstr(err, procs[i][1]))
			fprintf(stderr, "\n%zu: '%s' lacks '%s'\n", i, err, procs[i][1]);
		CU_ASSERT(strstr(err, procs[i][1]) != NULL);
		CU_ASSERT(strstr(err, "step 2 (vif-queue vif1.0-q0): cannot record its state before:") !=
			  NULL);
		char *after = tree();
		u_str_eq(after, before, "nothing changed", __FILE__, __LINE__);
		free(after);
		free(before);
		rig_close(&r);
	}
	/* Applied to the kernel thread; its pid then a process's named
	 * alike: the revert leaves the process's CPUs alone. */
	CU_ASSERT_EQUAL_FATAL(put("proc/100/status", kthread, 0644), 0);
	struct rig r;
	rig_open(&r);
	CU_ASSERT_EQUAL_FATAL(ta_apply(&r.c, r.ch, 5, 0, err, sizeof(err)), 0);
	static const char process[] = "Name:\tvif1.0-q0-guest\nPid:\t100\nPPid:\t4321\n"
				      "Cpus_allowed_list:\t1\n";
	CU_ASSERT_EQUAL_FATAL(put("proc/100/status", process, 0644), 0);
	CU_ASSERT_EQUAL(ta_revert(&r.c, 1, err, sizeof(err)), 0);
	char *t = slurp("proc/100/status");
	u_str_eq(t, process, "the process's CPUs left alone", __FILE__, __LINE__);
	free(t);
	t = slurp("sys/module/xen_netback/parameters/max_queues");
	u_str_eq(t, "4\n", "the rest put back", __FILE__, __LINE__);
	free(t);
	rig_close(&r);
	CU_ASSERT_EQUAL(put("proc/100/status", kthread, 0644), 0);
}

/* The journal saved when the apply was under way (as a dead xcdd leaves it)
 * is all a restarted one needs: undone from it, twice over. */
static void test_settle_partial(void)
{
	char *before = tree(), err[1024] = "";
	struct rig r;
	struct tj k;
	rig_open(&r);
	CU_ASSERT_EQUAL_FATAL(ta_apply(&r.c, r.ch, 5, 0, err, sizeof(err)), 0);
	char *under_way = r.sv.text[0];
	r.sv.text[0] = NULL;
	for (int round = 0; round < 2; round++) {
		CU_ASSERT_EQUAL_FATAL(tj_parse(under_way, strlen(under_way), &k, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(k.state, TJ_APPLYING);
		CU_ASSERT_EQUAL(tj_settle_from(&k), 1);
		r.c.j = &k;
		CU_ASSERT_EQUAL(ta_revert(&r.c, tj_settle_from(&k), err, sizeof(err)), 0);
		char *after = tree();
		u_str_eq(after, before, "the tree after settling", __FILE__, __LINE__);
		free(after);
		tj_free(&k);
	}
	free(under_way);
	free(before);
	rig_close(&r);
}

/* Two applies: the later one undone alone (its confirmation did not come),
 * then the rest. */
static void test_stacked(void)
{
	char *before = tree(), err[1024] = "";
	struct ta_ctx c;
	struct tj j;
	struct saved sv = { 0 };
	struct ta_change a, b;
	tj_init(&j, "net", root);
	open_ctx(&c, &j, &sv);
	ta_change_init(&a, &items[0]);
	ta_change_init(&b, &items[0]);
	ta_change_op(&a, TA_OP_ATTR, "sys/module/xen_netback/parameters/max_queues", "2\n", 2);
	ta_change_op(&b, TA_OP_ATTR, "sys/module/xen_netback/parameters/max_queues", "3\n", 2);
	CU_ASSERT_EQUAL(ta_apply(&c, &a, 1, 0, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ta_apply(&c, &b, 1, 1234, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(j.gen, 2);
	CU_ASSERT(tj_unconfirmed(&j));
	CU_ASSERT_EQUAL(tj_settle_from(&j), 2);
	CU_ASSERT_EQUAL(ta_revert(&c, tj_settle_from(&j), err, sizeof(err)), 0);
	char *t = slurp("sys/module/xen_netback/parameters/max_queues");
	u_str_eq(t, "2\n", "the first apply stays", __FILE__, __LINE__);
	free(t);
	CU_ASSERT_EQUAL(j.gen, 1);
	CU_ASSERT_EQUAL(tj_count(&j), 1);
	CU_ASSERT_EQUAL(tj_settle_from(&j), 0);
	CU_ASSERT_EQUAL(ta_revert(&c, 1, err, sizeof(err)), 0);
	char *after = tree();
	u_str_eq(after, before, "the tree after both are undone", __FILE__, __LINE__);
	free(after);
	free(before);
	ta_change_free(&a);
	ta_change_free(&b);
	tj_free(&j);
	ta_close(&c);
	saved_free(&sv);
}

/* A kernel thread of this host that may be moved (not bound to a CPU: all
 * of ALL), other than pid 2 itself: its pid, or -1. */
static int movable_kthread(const cpu_set_t *all, char *comm, size_t len)
{
	static const char *const names[] = { "khungtaskd", "oom_reaper", "kcompactd0", "khugepaged" };
	struct ta_ctx c;
	char err[256];
	int found = -1;
	if (ta_open(&c, "/", err, sizeof(err)))
		return -1;
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && found < 0 && (e = readdir(d))) {
		int pid = atoi(e->d_name), ppid;
		cpu_set_t now;
		if (pid <= 2 || ta_thread_comm(&c, pid, comm, len) ||
		    ta_thread_ppid(&c, pid, &ppid) || ppid != 2 ||
		    sched_getaffinity(pid, sizeof(now), &now) || !CPU_EQUAL(&now, all))
			continue;
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(comm, names[i]))
				found = pid;
	}
	if (d)
		closedir(d);
	ta_close(&c);
	return found;
}

/* Applies, then reverts, pinning thread PID (COMM) to CPU LAST on this
 * host's own /proc: 0, or ta_apply's status (ERR says why). */
static int live_pin(pid_t pid, const char *comm, int last, const cpu_set_t *all, char *err,
		    size_t errlen)
{
	struct ta_ctx c;
	struct tj j;
	struct saved sv = { 0 };
	struct ta_change ch;
	CU_ASSERT_EQUAL_FATAL(ta_open(&c, "/", err, errlen), 0);
	CU_ASSERT(c.proc_live);
	tj_init(&j, "net", "/");
	c.j = &j;
	c.save = save_cb;
	c.save_arg = &sv;
	ta_change_init(&ch, &items[1]);
	struct ta_op *op = ta_change_op(&ch, TA_OP_AFFINITY, NULL, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(op);
	op->pid = pid;
	snprintf(op->comm, sizeof(op->comm), "%s", comm);
	cpuset_add(&op->cpus, (unsigned)last);
	int rc = ta_apply(&c, &ch, 1, 0, err, errlen);
	cpu_set_t now;
	if (rc == 0) {
		CU_ASSERT_EQUAL(sched_getaffinity(pid, sizeof(now), &now), 0);
		CU_ASSERT(CPU_COUNT(&now) == 1 && CPU_ISSET(last, &now));
		CU_ASSERT_EQUAL(ta_revert(&c, 1, err, errlen), 0);
	}
	CU_ASSERT_EQUAL(sched_getaffinity(pid, sizeof(now), &now), 0);
	CU_ASSERT(CPU_EQUAL(&now, all));
	ta_change_free(&ch);
	tj_free(&j);
	ta_close(&c);
	saved_free(&sv);
	return rc;
}

/* On this host's own /proc (procfs): a child of the test named as a
 * backend's thread is a process, not pinned; a kernel thread's CPUs are
 * set with sched_setaffinity and put back (as root). Needs two CPUs. */
static void test_live_affinity(void)
{
	cpu_set_t all;
	if (sched_getaffinity(0, sizeof(all), &all) || CPU_COUNT(&all) < 2) {
		fprintf(stderr, "(skipped: fewer than 2 CPUs)\n");
		return;
	}
	int last = -1;
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &all))
			last = i;
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_NAME, "vif1.0-q0-guest");
		pause();
		_exit(0);
	}
	char err[1024] = "", comm[32] = "";
	struct ta_ctx c;
	for (int i = 0; i < 100 && strcmp(comm, "vif1.0-q0-guest"); i++) {
		usleep(10000);
		CU_ASSERT_EQUAL(ta_open(&c, "/", err, sizeof(err)), 0);
		ta_thread_comm(&c, pid, comm, sizeof(comm));
		ta_close(&c);
	}
	CU_ASSERT_EQUAL(live_pin(pid, "vif1.0-q0-guest", last, &all, err, sizeof(err)), -EPERM);
	char want[128];
	snprintf(want, sizeof(want), "thread %d (vif1.0-q0-guest) is no kernel thread (its parent is %d)",
		 (int)pid, (int)getpid());
	if (!strstr(err, want))
		fprintf(stderr, "\n'%s' lacks '%s'\n", err, want);
	CU_ASSERT(strstr(err, want) != NULL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	int k = geteuid() == 0 ? movable_kthread(&all, comm, sizeof(comm)) : -1;
	if (k < 0) {
		fprintf(stderr, "(a kernel thread's CPUs: skipped, %s)\n",
			geteuid() ? "not root" : "no movable kernel thread seen");
		return;
	}
	err[0] = '\0';
	CU_ASSERT_EQUAL(live_pin(k, comm, last, &all, err, sizeof(err)), 0);
	if (err[0])
		fprintf(stderr, "\nkernel thread %d (%s): %s\n", k, comm, err);
}

void register_tuneapply(void)
{
	CU_pSuite s = CU_add_suite("tuneapply", setup, teardown);
	CU_add_test(s, "apply, then revert: the tree as it was", test_apply_revert);
	CU_add_test(s, "a step that fails undoes those before it", test_failing_step);
	CU_add_test(s, "a state not readable, a file not allowed, a thread renamed: nothing changed",
		    test_unreadable_and_refused);
	CU_add_test(s, "a process named as a backend's thread: not pinned, nor put back",
		    test_not_kthread);
	CU_add_test(s, "an apply under way undone from its journal, twice", test_settle_partial);
	CU_add_test(s, "a later apply undone alone, then the earlier", test_stacked);
	CU_add_test(s, "live: a process named so refused; a kernel thread's CPUs set and put back",
		    test_live_affinity);
}
