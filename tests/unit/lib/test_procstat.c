/* test_procstat: a task's parent from /proc/PID/stat and status, and what a
 * kernel thread is (lib/procstat.h). */
#include "../../../lib/procstat.h"
#include "suites.h"
#include <CUnit/Basic.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_stat(void)
{
	int p = -1;
	unsigned long long v;
	CU_ASSERT_EQUAL(proc_stat_ppid("1001 (vif1.0-q0-guest) S 2 0 0 0 -1 2129984 0 0\n", &p), 0);
	CU_ASSERT_EQUAL(p, 2);
	/* A name holding ") S 2 ": counted from the last ')' */
	CU_ASSERT_EQUAL(proc_stat_ppid("4242 (x) S 2 0 ) S 1234 1 1 0 -1 4194560\n", &p), 0);
	CU_ASSERT_EQUAL(p, 1234);
	CU_ASSERT_EQUAL(proc_stat_ppid("4242 (a b) R 0", &p), 0);
	CU_ASSERT_EQUAL(p, 0);
	CU_ASSERT_EQUAL(proc_stat_field("1 (x) S 1 2 3 4 5 6", 9, 100, &v), 0);
	CU_ASSERT_EQUAL(v, 6);
	static const char *const bad[] = {
		"",
		"1001 vif S 2",			  /* no ')' */
		"1001 (x) S",			  /* no field 4 */
		"1001 (x) S \n2",		  /* ends at the line */
		"1001 (x) S -2 0",		  /* negative */
		"1001 (x) S +2 0",		  /* signed */
		"1001 (x) S 2x 0",		  /* not a number */
		"1001 (x) S 99999999999999999999 0", /* too big */
		"1001 (x) S 2147483648 0",	  /* past INT_MAX */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = -7;
		CU_ASSERT_EQUAL(proc_stat_ppid(bad[i], &p), -EINVAL);
		CU_ASSERT_EQUAL(p, -7);
	}
	CU_ASSERT_EQUAL(proc_stat_field("1 (x) S 1 2", 3, 100, &v), -EINVAL); /* the state */
	CU_ASSERT_EQUAL(proc_stat_field("1 (x) S 1 200", 5, 100, &v), -EINVAL); /* past MAX */
}

static void test_status(void)
{
	int p = -1;
	CU_ASSERT_EQUAL(proc_status_ppid("Name:\tvif1.0-q0-guest\nState:\tS (sleeping)\nTgid:\t7\n"
					 "Pid:\t7\nPPid:\t2\nTracerPid:\t0\n",
					 &p),
			0);
	CU_ASSERT_EQUAL(p, 2);
	CU_ASSERT_EQUAL(proc_status_ppid("PPid: 1234", &p), 0);
	CU_ASSERT_EQUAL(p, 1234);
	/* a name is escaped in status: a "\nPPid:" in it cannot start a line;
	 * the first PPid: line counts */
	CU_ASSERT_EQUAL(proc_status_ppid("Name:\tx\\nPPid:\t2\nPPid:\t99\n", &p), 0);
	CU_ASSERT_EQUAL(p, 99);
	static const char *const bad[] = { "", "Name:\tx\n", "PPid:\n", "PPid:\t-1\n", "PPid:\tx\n",
					   "PPid:\t2 3\n", "xPPid:\t2\n", "PPid:\t4294967298\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = -7;
		CU_ASSERT_EQUAL(proc_status_ppid(bad[i], &p), -EINVAL);
		CU_ASSERT_EQUAL(p, -7);
	}
}

static void test_children(void)
{
	int *p;
	size_t n;
	static const char list[] = "3 4 86 8378 5 ";
	CU_ASSERT_EQUAL_FATAL(proc_children_parse(list, sizeof(list) - 1, &p, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 5);
	CU_ASSERT(p[0] == 3 && p[1] == 4 && p[2] == 5 && p[3] == 86 && p[4] == 8378); /* sorted */
	CU_ASSERT(proc_pids_have(p, n, 86) && proc_pids_have(p, n, 3) && proc_pids_have(p, n, 8378));
	CU_ASSERT(!proc_pids_have(p, n, 87) && !proc_pids_have(p, n, 1) && !proc_pids_have(p, n, 9000));
	free(p);
	CU_ASSERT_EQUAL(proc_children_parse("", 0, &p, &n), 0); /* no children */
	CU_ASSERT(n == 0 && p == NULL && !proc_pids_have(p, n, 2));
	CU_ASSERT_EQUAL(proc_children_parse("12\n", 3, &p, &n), 0);
	CU_ASSERT(n == 1 && p[0] == 12);
	free(p);
	static const char *const bad[] = { "3 x 5 ", "3 -4 ", "0 ", "3\n4 ", "3,4", "2147483648 ",
					   "99999999999 " };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = (int *)1;
		CU_ASSERT_EQUAL(proc_children_parse(bad[i], strlen(bad[i]), &p, &n), -EINVAL);
		CU_ASSERT_PTR_NULL(p);
	}
	/* this host's kthreadd's, where the kernel has the list: all its
	 * children, kernel threads */
	FILE *f = fopen("/proc/2/task/2/children", "r");
	if (!f)
		return;
	static char text[1 << 20];
	size_t len = fread(text, 1, sizeof(text), f);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(proc_children_parse(text, len, &p, &n), 0);
	CU_ASSERT(n > 0);
	CU_ASSERT(!proc_pids_have(p, n, (int)getpid()) && !proc_pids_have(p, n, 1));
	free(p);
}

/* The list as given (the order children were made in), and the last pid
 * given out with the span of pids given out since. */
static void test_order_and_last_pid(void)
{
	int *p, last = -1;
	size_t n;
	static const char list[] = "3 4 86 8378 5 ";
	CU_ASSERT_EQUAL_FATAL(proc_children_list(list, sizeof(list) - 1, &p, &n), 0);
	CU_ASSERT(n == 5 && p[0] == 3 && p[2] == 86 && p[3] == 8378 && p[4] == 5);
	free(p);
	CU_ASSERT_EQUAL(proc_loadavg_last_pid("0.52 0.58 0.59 3/467 32011\n", &last), 0);
	CU_ASSERT_EQUAL(last, 32011);
	static const char *const bad[] = { "0.52 0.58 0.59 3/467 ", "0.52 0.58 0.59 3/467 x\n",
					   "0.52 0.58 0.59 3 467\n", "3/467 32011 7\n",
					   "3/467 2147483648\n", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(proc_loadavg_last_pid(bad[i], &last), -EINVAL);
	/* FILE /proc/loadavg of this host */
	FILE *f = fopen("/proc/loadavg", "r");
	char text[128] = "";
	if (f) {
		CU_ASSERT_PTR_NOT_NULL(fgets(text, sizeof(text), f));
		fclose(f);
		CU_ASSERT_EQUAL(proc_loadavg_last_pid(text, &last), 0);
		CU_ASSERT(last > 0);
	}
	/* (100, 200]; wrapped: (30000, pid_max] and [1, 50] */
	CU_ASSERT(!proc_pid_given_since(100, 100, 200) && proc_pid_given_since(101, 100, 200));
	CU_ASSERT(proc_pid_given_since(200, 100, 200) && !proc_pid_given_since(201, 100, 200));
	CU_ASSERT(!proc_pid_given_since(50, 100, 100)); /* none given out */
	CU_ASSERT(proc_pid_given_since(30001, 30000, 50) && proc_pid_given_since(50, 30000, 50));
	CU_ASSERT(!proc_pid_given_since(51, 30000, 50) && !proc_pid_given_since(30000, 30000, 50));
}

/* This host: kthreadd's children are kernel threads; this process is not
 * one, nor is init. */
static void test_this_host(void)
{
	char path[64], text[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)getpid());
	FILE *f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	int p = -1;
	CU_ASSERT_EQUAL(proc_stat_ppid(text, &p), 0);
	CU_ASSERT_EQUAL(p, (int)getppid());
	CU_ASSERT_FALSE(proc_ppid_kthread(p));
	CU_ASSERT_TRUE(proc_ppid_kthread(PROC_KTHREADD_PID));
	CU_ASSERT_FALSE(proc_ppid_kthread(0));
	CU_ASSERT_FALSE(proc_ppid_kthread(1));
}

void register_procstat(void)
{
	CU_pSuite s = CU_add_suite("procstat", NULL, NULL);
	CU_add_test(s, "the parent from /proc/PID/stat (after the last ')')", test_stat);
	CU_add_test(s, "the parent from /proc/PID/status (PPid:)", test_status);
	CU_add_test(s, "kthreadd's children list", test_children);
	CU_add_test(s, "this process: not a kernel thread", test_this_host);
	CU_add_test(s, "the children's order, the last pid given out", test_order_and_last_pid);
}
