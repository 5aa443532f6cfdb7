/* test_pidlock: a pid file's lock belongs to the process that took it. */
#include "../../../lib/errmsg.h"
#include "../../../lib/pidlock.h"
#include "suites.h"
#include <CUnit/Basic.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char path[64];

static void make_path(void)
{
	snprintf(path, sizeof(path), "/tmp/pidlock-test.%d", (int)getpid());
	unlink(path);
}

/* A process that takes the lock, forks a child that keeps every descriptor
 * and sleeps, tells the test the child's pid, then waits to be killed. */
static pid_t holder_with_child(pid_t *grandchild)
{
	int p[2];
	CU_ASSERT_FATAL(pipe(p) == 0);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		char err[XCD_ERR_MAX];
		if (pidlock_take(path, "test", err, sizeof(err)) < 0)
			_exit(1);
		pid_t c = fork();
		if (c == 0) {
			close(p[1]);
			pause();
			_exit(0);
		}
		if (write(p[1], &c, sizeof(c)) != sizeof(c))
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	CU_ASSERT_FATAL(read(p[0], grandchild, sizeof(*grandchild)) == sizeof(*grandchild));
	close(p[0]);
	return pid;
}

static void test_taken_and_refused(void)
{
	make_path();
	CU_ASSERT_EQUAL(pidlock_holder(path), 0);
	pid_t c = 0, h = holder_with_child(&c);
	CU_ASSERT_EQUAL(pidlock_holder(path), h);
	char err[XCD_ERR_MAX];
	int fd = pidlock_take(path, "test", err, sizeof(err));
	CU_ASSERT_EQUAL(fd, -EAGAIN);
	char want[128];
	snprintf(want, sizeof(want), "another test (pid %d) holds the pid file %s", (int)h, path);
	CU_ASSERT_STRING_EQUAL(err, want);
	FILE *f = fopen(path, "r");
	int written = 0;
	CU_ASSERT(f && fscanf(f, "%d", &written) == 1);
	if (f)
		fclose(f);
	CU_ASSERT_EQUAL(written, h);
	kill(c, SIGKILL);
	kill(h, SIGKILL);
	waitpid(h, NULL, 0);
	unlink(path);
}

/* The holder killed while a child of its still runs with its descriptors
 * (as a job of a killed xcdd does between fork and closing them): the lock
 * is free at once. With flock(2), the child would still hold it. */
static void test_child_does_not_hold(void)
{
	make_path();
	pid_t c = 0, h = holder_with_child(&c);
	kill(h, SIGKILL);
	waitpid(h, NULL, 0);
	CU_ASSERT_EQUAL(kill(c, 0), 0); /* the child lives on */
	CU_ASSERT_EQUAL(pidlock_holder(path), 0);
	char err[XCD_ERR_MAX] = "";
	int fd = pidlock_take(path, "test", err, sizeof(err));
	CU_ASSERT(fd >= 0);
	if (fd < 0)
		fprintf(stderr, "pidlock_take: %s\n", err);
	else
		close(fd);
	kill(c, SIGKILL);
	unlink(path);
}

static void test_symlink_refused(void)
{
	make_path();
	CU_ASSERT_EQUAL(symlink("/tmp/pidlock-elsewhere", path), 0);
	char err[XCD_ERR_MAX] = "";
	CU_ASSERT_EQUAL(pidlock_take(path, "test", err, sizeof(err)), -ELOOP);
	CU_ASSERT(strstr(err, path) != NULL);
	CU_ASSERT_EQUAL(access("/tmp/pidlock-elsewhere", F_OK), -1);
	unlink(path);
}

void register_pidlock(void)
{
	CU_pSuite s = CU_add_suite("pidlock", NULL, NULL);
	CU_add_test(s, "taken, refused with the holder named", test_taken_and_refused);
	CU_add_test(s, "a child of a dead holder does not hold it", test_child_does_not_hold);
	CU_add_test(s, "a symbolic link refused", test_symlink_refused);
}
