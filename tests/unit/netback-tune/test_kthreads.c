/*
 * test_kthreads: only kernel threads are netback's. A process may name
 * itself "vif1.0-q0-guest" (prctl(PR_SET_NAME), or the name of the file it
 * runs): both readers (files and live) leave it out and say so in the
 * host's notes, and take the kernel thread of that name.
 */
#include "../../../lib/errmsg.h"
#include "../../../lib/procstat.h"
#include "../../../lib/strv.h"
#include "../../../netback-tune/sysfile.h"
#include "suites.h"
#include "util.h"
#include <CUnit/Basic.h>
#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A kernel thread of this host whose CPUs sched_getaffinity gives (for the
 * live reader, which asks the kernel for them), other than the pids the
 * test names; -1 when none is seen (a container's /proc). */
static int real_kthread(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int found = -1;
	while (d && found < 0 && (e = readdir(d))) {
		int pid = atoi(e->d_name);
		char path[64], text[1024];
		if (pid <= 2 || (pid >= 900 && pid < 7000))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t n = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
		text[n] = '\0';
		int ppid;
		cpu_set_t s;
		if (proc_stat_ppid(text, &ppid) == 0 && proc_ppid_kthread(ppid) &&
		    sched_getaffinity(pid, sizeof(s), &s) == 0)
			found = pid;
	}
	if (d)
		closedir(d);
	return found;
}

static bool has_note(const struct nt_host *h, const char *part)
{
	for (size_t i = 0; i < h->n_notes; i++)
		if (strstr(h->notes[i], part))
			return true;
	fprintf(stderr, "\nno note holds \"%s\" among %zu\n", part, h->n_notes);
	return false;
}

/* The impostors' notes, and vif1.0's queue 0 taking KTHREAD only. */
static void expect(const struct nt_host *h, int kthread, const char *reader)
{
	const struct nt_nic *v = nt_host_nic(h, "vif1.0");
	CU_ASSERT_FATAL(v && v->n_queues == 1);
	if (kthread > 0 && v->queues[0].rx_pid != kthread)
		fprintf(stderr, "\n%s: rx thread %d, not %d\n", reader, v->queues[0].rx_pid, kthread);
	CU_ASSERT(kthread < 0 || v->queues[0].rx_pid == kthread);
	CU_ASSERT(v->queues[0].rx_pid != 900 && v->queues[0].rx_pid != 5001);
	CU_ASSERT_EQUAL(v->queues[0].dealloc_pid, -1); /* only a process has its name */
	CU_ASSERT(has_note(h, "process 900 ('vif1.0-q0-guest', parent 1234) is named as netback's "
			      "thread of vif1.0 queue 0, but is no kernel thread"));
	CU_ASSERT(has_note(h, "process 5000 ('vif1.0-q0-deall', parent 1234)"));
	CU_ASSERT(has_note(h, "process 5001 ('vif1.0-q0-guest-rx', parent 1)"));
}

/* 3 + 20 impostors: 8 named in the notes, the others counted. */
static void expect_flood(const struct nt_host *h)
{
	CU_ASSERT(has_note(h, "15 more processes are named as netback's threads"));
	size_t named = 0;
	for (size_t i = 0; i < h->n_notes; i++)
		named += strstr(h->notes[i], "but is no kernel thread") != NULL;
	CU_ASSERT_EQUAL(named, 8);
	const struct nt_nic *v2 = nt_host_nic(h, "vif2.0");
	CU_ASSERT_FATAL(v2 && v2->n_queues == 1);
	CU_ASSERT(v2->queues[0].rx_pid == 1003 && v2->queues[0].dealloc_pid == 1004);
}

/* H's threads read again from ROOT as the live reader reads them. */
static void live_again(struct nt_host *h, const char *root)
{
	nt_threads_forget_live(h);
	struct sysroot r;
	CU_ASSERT_EQUAL_FATAL(sysroot_open(&r, root), 0);
	CU_ASSERT_EQUAL(nt_read_threads(h, &r, NULL), 0);
	sysroot_close(&r);
}

static void test_impostors(void)
{
	char root[] = "/tmp/nettune-kthreads.XXXXXX", cmd[512], err[XCD_ERR_MAX];
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(root));
	snprintf(cmd, sizeof(cmd), "cp -a '%s/idle/.' '%s' && rm -rf '%s/proc/1001' '%s/proc/1002'",
		 NT_FIXTURES, root, root, root);
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	/* netback's rx thread: a real kernel thread's pid where there is
	 * one, as the live reader asks the kernel for its CPUs */
	int k = real_kthread(), kp = k > 0 ? k : 1001;
	fixture_task(root, kp, "vif1.0-q0-guest", 2);
	fixture_task(root, 900, "vif1.0-q0-guest", 1234);    /* before it, in pids */
	fixture_task(root, 5000, "vif1.0-q0-deall", 1234);   /* where netback has none */
	fixture_task(root, 5001, "vif1.0-q0-guest-rx", 1);   /* whole, an orphan */

	/* files: each task's status (its PPid:) */
	struct nt_host *h;
	CU_ASSERT_EQUAL_FATAL(nt_host_read_how(root, NT_READ_FILES, &h, err, sizeof(err)), 0);
	CU_ASSERT_FALSE(h->live);
	expect(h, kp, "files");

	/* live: each task's comm, and the parent of those named so from
	 * their stat (the tree has no kthreadd's children list) */
	live_again(h, root);
	expect(h, k, "live"); /* a fixture's pid 1001 is no thread of this host */
	/* live, with kthreadd's children list: the kernel thread taken on
	 * it (its stat gone: not asked), the processes not on it asked */
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/proc/2/task/2' && printf '3 %d 4 ' >'%s/proc/2/task/2/children' && rm '%s/proc/%d/stat'",
		 root, kp, root, root, kp);
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	live_again(h, root);
	expect(h, k, "live, children list");
	nt_host_free(h);

	for (int i = 0; i < 20; i++) /* a flood */
		fixture_task(root, 6000 + i, i % 2 ? "vif2.0-q0-deall" : "vif2.0-q0-guest", 6000);
	CU_ASSERT_EQUAL_FATAL(nt_host_read_how(root, NT_READ_FILES, &h, err, sizeof(err)), 0);
	expect_flood(h);
	nt_host_free(h);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

void register_kthreads(void)
{
	CU_pSuite s = CU_add_suite("kthreads", NULL, NULL);
	CU_add_test(s, "a process named as netback's thread: not taken, said (files, live)",
		    test_impostors);
}
