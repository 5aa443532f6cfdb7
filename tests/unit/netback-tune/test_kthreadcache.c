/*
 * test_kthreadcache: what a reader keeps from one read to the next
 * (netback-tune/kthreadcache.h). The host read with what was kept is the
 * host a read without it gives; a kernel thread's files are not read again
 * while its pid is the same thread; a pid that may be another task by now
 * (given out again since: the last pid went round; or new: after a new
 * kernel thread in kthreadd's children list) is read again; a thread gone
 * is forgotten, a new one seen; and a pid taken by a process named as
 * netback's thread is never taken as one, by either reader.
 */
#include "../../../lib/errmsg.h"
#include "../../../netback-tune/kthreadcache.h"
#include "../../../netback-tune/show.h"
#include "../../../netback-tune/sysfile.h"
#include "suites.h"
#include "util.h"
#include <CUnit/Basic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

/* The idle fixture (vif1.0: threads 1001 and 1002; vif2.0: 1003 and 1004)
 * with a kernel thread of another name, 1010, kthreadd's children list
 * and a last pid. */
static void make_root(char *root)
{
	char cmd[512];
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(root));
	snprintf(cmd, sizeof(cmd), "cp -a '%s/idle/.' '%s'", NT_FIXTURES, root);
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	fixture_task(root, 1010, "kworker/0:1", 2);
}

static void put(const char *root, const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/proc/%s", root, rel);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	*slash = '/';
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

/* kthreadd's children list and the last pid given out. */
static void kernel_says(const char *root, const char *children, int last_pid)
{
	char text[64];
	put(root, "2/task/2/children", children);
	snprintf(text, sizeof(text), "0.00 0.01 0.05 1/80 %d\n", last_pid);
	put(root, "loadavg", text);
}

static void rm_root(const char *root)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static struct nt_host *rd(const char *root, struct nt_kcache *kc)
{
	char err[XCD_ERR_MAX];
	struct nt_host *h = NULL;
	int rc = nt_host_read_kept(root, NT_READ_FILES, kc, &h, err, sizeof(err));
	if (rc)
		fprintf(stderr, "\n%s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	return h;
}

static char *show(const struct nt_host *h)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;
	CU_ASSERT_FATAL(g && nt_show_json(g, h) == 0 &&
			yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok);
	char *s = strndup((const char *)buf, len);
	yajl_gen_free(g);
	return s;
}

static const struct nt_queue *q0(const struct nt_host *h, const char *vif)
{
	const struct nt_nic *n = nt_host_nic(h, vif);
	CU_ASSERT_FATAL(n && n->n_queues >= 1);
	return &n->queues[0];
}

/* vif1.0's dealloc thread as a read with KC finds it. */
static int dealloc_of_vif1(const char *root, struct nt_kcache *kc)
{
	struct nt_host *h = rd(root, kc);
	int pid = q0(h, "vif1.0")->dealloc_pid;
	nt_host_free(h);
	return pid;
}

static void test_same_host(void)
{
	char root[] = "/tmp/nettune-kcache.XXXXXX";
	make_root(root);
	kernel_says(root, "1001 1002 1003 1004 1010 ", 1020);
	struct nt_kcache *kc = nt_kcache_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(kc);
	struct nt_host *h = rd(root, NULL);
	char *fresh = show(h);
	nt_host_free(h);
	for (int i = 0; i < 3; i++) { /* the first read fills, the next ones use it */
		h = rd(root, kc);
		char *s = show(h);
		CU_ASSERT_STRING_EQUAL(s, fresh);
		CU_ASSERT_EQUAL(q0(h, "vif1.0")->rx_pid, 1001);
		CU_ASSERT_EQUAL(q0(h, "vif2.0")->dealloc_pid, 1004);
		CU_ASSERT_EQUAL(nt_kcache_count(kc), 5);
		free(s);
		nt_host_free(h);
	}
	free(fresh);
	/* without the list (or the last pid), nothing is kept */
	put(root, "2/task/2/children", "1001 x ");
	h = rd(root, kc);
	CU_ASSERT_EQUAL(nt_kcache_count(kc), 0);
	nt_host_free(h);
	nt_kcache_free(kc);
	rm_root(root);
}

/*
 * Kernel thread 1010 takes the name of vif1.0's dealloc thread between two
 * reads, which no kernel thread does: a read that looks at its files again
 * takes it (it comes after 1002), one that keeps its name does not. So
 * whether 1010 is read again shows what was kept.
 */
static void test_reused_pids(void)
{
	char root[] = "/tmp/nettune-kcache.XXXXXX";
	make_root(root);
	kernel_says(root, "1001 1002 1003 1004 1010 ", 1020);
	struct nt_kcache *kc = nt_kcache_new();
	CU_ASSERT_EQUAL(dealloc_of_vif1(root, kc), 1002);
	fixture_task(root, 1010, "vif1.0-q0-dealloc", 2);
	CU_ASSERT_EQUAL(dealloc_of_vif1(root, NULL), 1010); /* a fresh read */
	CU_ASSERT_EQUAL(dealloc_of_vif1(root, kc), 1002);   /* kept: not read */
	kernel_says(root, "1001 1002 1003 1004 1010 ", 1030); /* 1021..1030 given out */
	CU_ASSERT_EQUAL(dealloc_of_vif1(root, kc), 1002);
	/* the pids went round: 1031..pid_max, then up to 1015: 1010 among them */
	kernel_says(root, "1001 1002 1003 1004 1010 ", 1015);
	CU_ASSERT_EQUAL(dealloc_of_vif1(root, kc), 1010);
	nt_kcache_free(kc);

	/* the same, caught by the order of kthreadd's children: 1010 after a
	 * kernel thread made since the last read is new itself */
	kc = nt_kcache_new();
	fixture_task(root, 1010, "kworker/0:1", 2);
	kernel_says(root, "1001 1002 1003 1004 1010 ", 1020);
	CU_ASSERT_EQUAL(dealloc_of_vif1(root, kc), 1002);
	fixture_task(root, 1010, "vif1.0-q0-dealloc", 2);
	fixture_task(root, 1011, "kworker/1:0", 2);
	kernel_says(root, "1001 1002 1003 1004 1011 1010 ", 1020);
	CU_ASSERT_EQUAL(dealloc_of_vif1(root, kc), 1010);
	nt_kcache_free(kc);
	rm_root(root);
}

static void test_new_and_gone(void)
{
	char root[] = "/tmp/nettune-kcache.XXXXXX", cmd[512];
	make_root(root);
	kernel_says(root, "1001 1002 1003 1004 1010 ", 1020);
	struct nt_kcache *kc = nt_kcache_new();
	struct nt_host *h = rd(root, kc);
	nt_host_free(h);
	/* vif2.0's rx thread 1003 ends, a new one, 1021, comes */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/proc/1003'", root);
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	fixture_task(root, 1021, "vif2.0-q0-guest-rx", 2);
	kernel_says(root, "1001 1002 1004 1010 1021 ", 1021);
	h = rd(root, kc);
	CU_ASSERT_EQUAL(q0(h, "vif2.0")->rx_pid, 1021);
	CU_ASSERT_EQUAL(q0(h, "vif1.0")->rx_pid, 1001);
	CU_ASSERT_EQUAL(nt_kcache_count(kc), 5); /* 1003 forgotten, 1021 kept */
	nt_host_free(h);
	/* it ends too, and nothing replaces it */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/proc/1021'", root);
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	kernel_says(root, "1001 1002 1004 1010 ", 1021);
	h = rd(root, kc);
	CU_ASSERT_EQUAL(q0(h, "vif2.0")->rx_pid, -1);
	CU_ASSERT_EQUAL(nt_kcache_count(kc), 4);
	nt_host_free(h);
	nt_kcache_free(kc);
	rm_root(root);
}

static bool noted(const struct nt_host *h, const char *part)
{
	for (size_t i = 0; i < h->n_notes; i++)
		if (strstr(h->notes[i], part))
			return true;
	return false;
}

/* ROOT's host, its threads read as the live reader reads them, with KC. */
static struct nt_host *rd_live(const char *root, struct nt_kcache *kc)
{
	struct nt_host *h = rd(root, NULL);
	nt_threads_forget_live(h);
	struct sysroot r;
	CU_ASSERT_EQUAL_FATAL(sysroot_open(&r, root), 0);
	CU_ASSERT_EQUAL(nt_read_threads(h, &r, kc), 0);
	sysroot_close(&r);
	return h;
}

/* A live process whose pid is above the fixtures' (1001-1234), so that
 * the live reader's sched_getaffinity of it works and it is the newest pid:
 * this one, or (the pid counter having gone round, as on a machine up for
 * long) a child made until one is; *HOLDER the child to end, or 0. */
static int live_pid_above_fixtures(pid_t *holder)
{
	*holder = 0;
	if (getpid() > 1300)
		return (int)getpid();
	fflush(NULL);
	for (int tries = 0; tries < 40000; tries++) {
		pid_t p = fork();
		if (p == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL); /* not left behind by a failed test */
			pause();
			_exit(0);
		}
		if (p < 0)
			break;
		if (p > 1300) {
			*holder = p;
			return (int)p;
		}
		kill(p, SIGKILL);
		waitpid(p, NULL, 0);
	}
	return -1;
}

/*
 * vif2.0's rx thread ends and a process takes its pid and its name (a live
 * process's pid, so that the live reader's sched_getaffinity of it works:
 * only its parent can keep it out). Neither reader takes it with the name
 * kept: the live one asks kthreadd's children list read now, the files one
 * the status read now.
 */
static void test_pid_taken_by_process(void)
{
	char root[] = "/tmp/nettune-kcache.XXXXXX", list[128], note[160];
	pid_t holder;
	int me = live_pid_above_fixtures(&holder);
	CU_ASSERT_FATAL(me > 1300);
	make_root(root);
	fixture_task(root, me, "vif2.0-q0-guest", 2);
	snprintf(list, sizeof(list), "1001 1002 1004 1010 %d ", me);
	kernel_says(root, list, me);
	snprintf(note, sizeof(note), "process %d ('vif2.0-q0-guest', parent 1234)", me);
	for (int live = 0; live < 2; live++) {
		struct nt_kcache *kc = nt_kcache_new();
		fixture_task(root, me, "vif2.0-q0-guest", 2);
		kernel_says(root, list, me);
		struct nt_host *h = live ? rd_live(root, kc) : rd(root, kc);
		CU_ASSERT_EQUAL(q0(h, "vif2.0")->rx_pid, me);
		nt_host_free(h);
		/* the process: its parent 1234; live: off kthreadd's list */
		fixture_task(root, me, "vif2.0-q0-guest", 1234);
		if (live)
			kernel_says(root, "1001 1002 1004 1010 ", me);
		h = live ? rd_live(root, kc) : rd(root, kc);
		if (q0(h, "vif2.0")->rx_pid == me)
			fprintf(stderr, "\n%s reader: process %d taken as a kernel thread\n",
				live ? "live" : "files", me);
		CU_ASSERT_NOT_EQUAL(q0(h, "vif2.0")->rx_pid, me);
		CU_ASSERT(noted(h, note));
		nt_host_free(h);
		nt_kcache_free(kc);
	}
	rm_root(root);
	if (holder > 0) {
		kill(holder, SIGKILL);
		waitpid(holder, NULL, 0);
	}
}

/* The cache in memory shared with a child: what the child's read learnt,
 * the parent's next read finds (xcdd's refreshes, each in a child job). */
static void test_shared(void)
{
	char root[] = "/tmp/nettune-kcache.XXXXXX";
	make_root(root);
	kernel_says(root, "1001 1002 1003 1004 1010 ", 1020);
	struct nt_kcache *kc = nt_kcache_new_shared(16);
	CU_ASSERT_PTR_NOT_NULL_FATAL(kc);
	fflush(NULL);
	pid_t p = fork();
	if (p == 0)
		_exit(dealloc_of_vif1(root, kc) == 1002 && nt_kcache_count(kc) == 5 ? 0 : 1);
	int st;
	CU_ASSERT_FATAL(p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) && !WEXITSTATUS(st));
	CU_ASSERT_EQUAL(nt_kcache_count(kc), 5);
	fixture_task(root, 1010, "vif1.0-q0-dealloc", 2);
	CU_ASSERT_EQUAL(dealloc_of_vif1(root, kc), 1002); /* kept by the child's read */
	nt_kcache_free(kc);
	/* no room for them all: nothing kept */
	kc = nt_kcache_new_shared(4);
	CU_ASSERT_EQUAL(dealloc_of_vif1(root, kc), 1010);
	CU_ASSERT_EQUAL(nt_kcache_count(kc), 0);
	nt_kcache_free(kc);
	rm_root(root);
}

void register_kthreadcache(void)
{
	CU_pSuite s = CU_add_suite("kthreadcache", NULL, NULL);
	CU_add_test(s, "the same host as a read without it", test_same_host);
	CU_add_test(s, "pids given out again are read again", test_reused_pids);
	CU_add_test(s, "a new thread seen, a gone one forgotten", test_new_and_gone);
	CU_add_test(s, "a pid taken by a process is never taken", test_pid_taken_by_process);
	CU_add_test(s, "shared with a child process", test_shared);
}
