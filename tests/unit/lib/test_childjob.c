/* test_childjob: lib/childjob's jobs in real children, driven by a real
 * loop: a job's output whole and by lines, a program, a time limit (with a
 * child that ignores SIGTERM: SIGKILL after the grace), a cancel (DONE
 * never called from within it), a child killed by a signal, more output
 * than allowed, many jobs at once and a bound on how many, the tick's reaps
 * without pidfd, the close of a user's jobs, the child's descriptors. Each
 * job's DONE is counted (exactly once), and after each test no child of
 * this process is left, running or zombie (read from /proc). */
#include "../../../lib/childjob.h"
#include "../../../lib/errmsg.h"
#include "../../../lib/fdio.h"
#include "../../lib/cunit_run.h"
#include "suites.h"
#include <CUnit/Basic.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define LIMIT_MS 10000
#define MANY 40

/* What the jobs of one test told. */
struct seen {
	int done;		/* DONE calls, all jobs */
	int done_of[MANY];	/* DONE calls, per job */
	enum childjob_how how;
	int status;
	pid_t pid;
	char err[XCD_ERR_MAX];
	char out[256];
	size_t len;
	bool has_err;
	char lines[8][64];
	int n_lines;
	int want;		/* stop the loop after this many DONEs */
};

static struct loop *L;
static struct childjobs JS;
static struct seen S;
/* Called at each DONE, before the count is checked (a loop runs once: what
 * a test does after a job ended, it does from here). */
static void (*ON_DONE)(void);

static void stop_cb(struct loop *l, struct loop_timer *t, void *arg) { loop_stop(l); }

/* Runs the loop until the jobs wanted are done, at most LIMIT_MS; the
 * milliseconds it took. */
static uint64_t run_until_done(void)
{
	struct loop_timer *guard = loop_timer_new(L, stop_cb, NULL);
	loop_timer_arm(guard, LIMIT_MS, 0);
	uint64_t t0 = loop_now_ms();
	if (S.done < S.want)
		CU_ASSERT_EQUAL(loop_run(L), 0);
	uint64_t took = loop_now_ms() - t0;
	CU_ASSERT(took < LIMIT_MS);
	CU_ASSERT(S.done >= S.want);
	loop_timer_free(guard);
	return took;
}

static void done_cb(struct childjob_end *e, void *arg)
{
	int k = (int)(intptr_t)arg;
	S.done++;
	if (k >= 0 && k < MANY)
		S.done_of[k]++;
	S.how = e->how;
	S.status = e->status;
	S.pid = e->pid;
	S.has_err = e->err != NULL;
	snprintf(S.err, sizeof(S.err), "%s", e->err ? e->err : "");
	S.len = e->len;
	snprintf(S.out, sizeof(S.out), "%.*s", (int)(e->len < 255 ? e->len : 255),
		 e->out ? e->out : "");
	if (ON_DONE)
		ON_DONE();
	if (S.done >= S.want)
		loop_stop(L);
}

static void line_cb(char *line, size_t len, void *arg)
{
	CU_ASSERT_EQUAL(strlen(line), len);
	if (S.n_lines < 8)
		snprintf(S.lines[S.n_lines], sizeof(S.lines[0]), "%s", line);
	S.n_lines++;
}

/* The children of this process, running or zombie, from /proc. */
static int children_left(void)
{
	DIR *d = opendir("/proc");
	int n = 0;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char path[300], buf[512];
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		int fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		ssize_t r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (r <= 0)
			continue;
		buf[r] = '\0';
		char *p = strrchr(buf, ')'); /* the name may hold anything */
		char state;
		int ppid;
		if (p && sscanf(p + 1, " %c %d", &state, &ppid) == 2 && ppid == getpid())
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

static int setup(void)
{
	memset(&S, 0, sizeof(S));
	memset(&JS, 0, sizeof(JS));
	ON_DONE = NULL;
	if (loop_new(&L) < 0)
		return -1;
	JS.loop = L;
	return 0;
}

/* After a test: no job left, no child left. */
static void teardown(void)
{
	CU_ASSERT_EQUAL(JS.n, 0);
	CU_ASSERT_PTR_NULL(JS.list);
	CU_ASSERT_EQUAL(children_left(), 0);
	loop_free(L);
	L = NULL;
}

static int start(struct childjob_spec *s, struct childjob **out)
{
	char err[XCD_ERR_MAX] = "";
	s->done = done_cb;
	if (!s->what)
		s->what = "test job";
	int rc = childjob_start(&JS, s, out, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "start: %s\n", err);
	return rc;
}

/* ---- the children's work ---- */

static int w_hello(int fd, void *arg)
{
	return fd_write_all(fd, "hello\n", 6) < 0 ? 9 : 0;
}

static int w_lines(int fd, void *arg)
{
	const char *t = "one\ntwo\n\nlast without newline";
	return fd_write_all(fd, t, strlen(t)) < 0 ? 9 : 0;
}

static _Noreturn int w_sleep(int fd, void *arg)
{
	if (arg) /* a child that will not stop for SIGTERM */
		signal(SIGTERM, SIG_IGN);
	for (;;)
		pause();
}

static int w_signal(int fd, void *arg)
{
	fd_write_all(fd, "partial", 7);
	kill(getpid(), SIGUSR1);
	return 0;
}

static int w_flood(int fd, void *arg)
{
	static char b[4096];
	memset(b, (int)(intptr_t)arg, sizeof(b));
	for (int i = 0; i < 256; i++)
		if (fd_write_all(fd, b, sizeof(b)) < 0)
			return 9;
	return 0;
}

/* Closes its pipe, then exits a little later. */
static int w_linger(int fd, void *arg)
{
	close(fd);
	usleep(100 * 1000);
	return 0;
}

static int w_index(int fd, void *arg)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "job %d", (int)(intptr_t)arg);
	usleep(1000 * (unsigned)((intptr_t)arg % 7));
	return fd_write_all(fd, b, (size_t)n) < 0 ? 9 : 0;
}

/* The descriptors open in the child, as one line: "0 1 2 3". */
static int w_fds(int fd, void *arg)
{
	char out[256] = "";
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int dfd = d ? dirfd(d) : -1;
	int fds[64], n = 0;
	while (d && (de = readdir(d)) && n < 64)
		if (de->d_name[0] != '.' && atoi(de->d_name) != dfd)
			fds[n++] = atoi(de->d_name);
	for (int i = 0; i < n; i++)
		for (int k = i + 1; k < n; k++)
			if (fds[k] < fds[i]) {
				int t = fds[i];
				fds[i] = fds[k];
				fds[k] = t;
			}
	for (int i = 0; i < n; i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%d", i ? " " : "", fds[i]);
	int cloexec = fcntl(CHILDJOB_FD, F_GETFD);
	snprintf(out + strlen(out), sizeof(out) - strlen(out), " cloexec=%d",
		 cloexec >= 0 && (cloexec & FD_CLOEXEC));
	if (d)
		closedir(d);
	return fd_write_all(fd, out, strlen(out)) < 0 ? 9 : 0;
}

/* ---- the tests ---- */

static void test_completion(void)
{
	CU_ASSERT_EQUAL_FATAL(setup(), 0);
	S.want = 1;
	struct childjob_spec s = { .fn = w_hello, .arg = (void *)0 };
	CU_ASSERT_EQUAL_FATAL(start(&s, NULL), 0);
	run_until_done();
	CU_ASSERT_EQUAL(S.done, 1);
	CU_ASSERT_EQUAL(S.how, CHILDJOB_EXITED);
	CU_ASSERT(WIFEXITED(S.status) && WEXITSTATUS(S.status) == 0);
	CU_ASSERT_FALSE(S.has_err);
	u_str_eq(S.out, "hello\n", "output", __FILE__, __LINE__);
	CU_ASSERT_EQUAL(S.len, 6);
	/* Reaped by the layer, once: nothing is left to reap here. */
	CU_ASSERT_EQUAL(waitpid(S.pid, NULL, WNOHANG), -1);
	CU_ASSERT_EQUAL(errno, ECHILD);
	teardown();
}

static void test_lines(void)
{
	CU_ASSERT_EQUAL_FATAL(setup(), 0);
	S.want = 1;
	struct childjob_spec s = { .fn = w_lines, .line = line_cb };
	CU_ASSERT_EQUAL_FATAL(start(&s, NULL), 0);
	run_until_done();
	CU_ASSERT_EQUAL(S.n_lines, 4);
	u_str_eq(S.lines[0], "one", "line 1", __FILE__, __LINE__);
	u_str_eq(S.lines[1], "two", "line 2", __FILE__, __LINE__);
	u_str_eq(S.lines[2], "", "line 3", __FILE__, __LINE__);
	u_str_eq(S.lines[3], "last without newline", "line 4", __FILE__, __LINE__);
	CU_ASSERT_EQUAL(S.len, 0); /* lines are not gathered */
	teardown();
}

static void test_program(void)
{
	CU_ASSERT_EQUAL_FATAL(setup(), 0);
	S.want = 1;
	const char *const argv[] = { "sh", "-c", "printf 'a\\nb'; exit 3", NULL };
	struct childjob_spec s = { .what = "a program", .argv = argv };
	CU_ASSERT_EQUAL_FATAL(start(&s, NULL), 0);
	run_until_done();
	CU_ASSERT_EQUAL(S.how, CHILDJOB_EXITED);
	CU_ASSERT(WIFEXITED(S.status) && WEXITSTATUS(S.status) == 3);
	u_str_eq(S.out, "a\nb", "output", __FILE__, __LINE__);
	char want[128];
	snprintf(want, sizeof(want), "a program (pid %d) failed (status 3)", (int)S.pid);
	u_str_eq(S.err, want, "err", __FILE__, __LINE__);
	teardown();
}

static void test_timeout(void)
{
	CU_ASSERT_EQUAL_FATAL(setup(), 0);
	S.want = 1;
	struct childjob_spec s = { .fn = w_sleep, .timeout_ms = 100, .grace_ms = 5000 };
	CU_ASSERT_EQUAL_FATAL(start(&s, NULL), 0);
	uint64_t took = run_until_done();
	CU_ASSERT_EQUAL(S.how, CHILDJOB_TIMED_OUT);
	CU_ASSERT(WIFSIGNALED(S.status) && WTERMSIG(S.status) == SIGTERM);
	CU_ASSERT(took >= 100 && took < 5000);
	char want[128];
	snprintf(want, sizeof(want), "test job (pid %d) took longer than 100 ms: stopped",
		 (int)S.pid);
	u_str_eq(S.err, want, "err", __FILE__, __LINE__);
	teardown();
}

/* A child deaf to SIGTERM is killed after its grace. */
static void test_timeout_kill(void)
{
	CU_ASSERT_EQUAL_FATAL(setup(), 0);
	S.want = 1;
	struct childjob_spec s = { .fn = w_sleep, .fn_arg = (void *)1, .timeout_ms = 100,
				   .grace_ms = 300 };
	CU_ASSERT_EQUAL_FATAL(start(&s, NULL), 0);
	uint64_t took = run_until_done();
	CU_ASSERT_EQUAL(S.how, CHILDJOB_TIMED_OUT);
	CU_ASSERT(WIFSIGNALED(S.status) && WTERMSIG(S.status) == SIGKILL);
	CU_ASSERT(took >= 400);
	teardown();
}

static struct childjob *CANCEL_ME;
static void cancel_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	childjob_cancel(CANCEL_ME);
	/* Its end comes from the loop, later. */
	CU_ASSERT_EQUAL(S.done, 0);
}

static void test_cancel(void)
{
	for (int deaf = 0; deaf < 2; deaf++) {
		CU_ASSERT_EQUAL_FATAL(setup(), 0);
		S.want = 1;
		struct childjob_spec s = { .fn = w_sleep, .fn_arg = (void *)(intptr_t)deaf,
					   .grace_ms = 200 };
		CU_ASSERT_EQUAL_FATAL(start(&s, &CANCEL_ME), 0);
		struct loop_timer *t = loop_timer_new(L, cancel_cb, NULL);
		loop_timer_arm(t, 50, 0);
		uint64_t took = run_until_done();
		loop_timer_free(t);
		CU_ASSERT_EQUAL(S.done, 1);
		CU_ASSERT_EQUAL(S.how, CHILDJOB_CANCELLED);
		CU_ASSERT(WIFSIGNALED(S.status) &&
			  WTERMSIG(S.status) == (deaf ? SIGKILL : SIGTERM));
		CU_ASSERT(deaf ? took >= 250 : took < 2000);
		teardown();
	}
}

/* A job stopped for its time limit, then cancelled during its grace: DONE
 * says cancelled, as childjob_cancel promises. */
static void cancel_late_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	childjob_cancel(CANCEL_ME);
}

static void test_cancel_after_timeout(void)
{
	CU_ASSERT_EQUAL_FATAL(setup(), 0);
	S.want = 1;
	struct childjob_spec s = { .fn = w_sleep, .fn_arg = (void *)1, .timeout_ms = 50,
				   .grace_ms = 300 };
	CU_ASSERT_EQUAL_FATAL(start(&s, &CANCEL_ME), 0);
	struct loop_timer *t = loop_timer_new(L, cancel_late_cb, NULL);
	loop_timer_arm(t, 150, 0);
	run_until_done();
	loop_timer_free(t);
	CU_ASSERT_EQUAL(S.done, 1);
	CU_ASSERT_EQUAL(S.how, CHILDJOB_CANCELLED);
	CU_ASSERT(WIFSIGNALED(S.status) && WTERMSIG(S.status) == SIGKILL);
	teardown();
}

/* A line callback that cancels its own job. */
static void cancel_on_line(char *line, size_t len, void *arg)
{
	S.n_lines++;
	childjob_cancel(CANCEL_ME);
}

static void test_cancel_from_line(void)
{
	CU_ASSERT_EQUAL_FATAL(setup(), 0);
	S.want = 1;
	struct childjob_spec s = { .fn = w_lines, .line = cancel_on_line };
	CU_ASSERT_EQUAL_FATAL(start(&s, &CANCEL_ME), 0);
	run_until_done();
	CU_ASSERT_EQUAL(S.n_lines, 1); /* nothing read after the cancel */
	CU_ASSERT_EQUAL(S.how, CHILDJOB_CANCELLED);
	CU_ASSERT_EQUAL(S.done, 1);
	teardown();
}

static void test_signal(void)
{
	CU_ASSERT_EQUAL_FATAL(setup(), 0);
	S.want = 1;
	struct childjob_spec s = { .fn = w_signal };
	CU_ASSERT_EQUAL_FATAL(start(&s, NULL), 0);
	run_until_done();
	CU_ASSERT_EQUAL(S.how, CHILDJOB_KILLED);
	CU_ASSERT(WIFSIGNALED(S.status) && WTERMSIG(S.status) == SIGUSR1);
	char want[128];
	snprintf(want, sizeof(want), "test job (pid %d) was killed by signal %d", (int)S.pid,
		 SIGUSR1);
	u_str_eq(S.err, want, "err", __FILE__, __LINE__);
	u_str_eq(S.out, "partial", "what it wrote before", __FILE__, __LINE__);
	teardown();
}

static void test_too_much(void)
{
	for (int lines = 0; lines < 2; lines++) {
		CU_ASSERT_EQUAL_FATAL(setup(), 0);
		S.want = 1;
		struct childjob_spec s = { .fn = w_flood, .fn_arg = (void *)(intptr_t)'x',
					   .max_out = 10000, .line = lines ? line_cb : NULL };
		CU_ASSERT_EQUAL_FATAL(start(&s, NULL), 0);
		run_until_done();
		CU_ASSERT_EQUAL(S.how, CHILDJOB_TOO_MUCH);
		CU_ASSERT_PTR_NOT_NULL(strstr(S.err, lines ? "wrote a line longer than 10000 bytes"
							   : "wrote more than 10000 bytes"));
		CU_ASSERT_EQUAL(S.len, 0);
		CU_ASSERT_EQUAL(S.n_lines, 0);
		teardown();
	}
}

/* Exactly the bound is not too much. */
static void test_at_bound(void)
{
	CU_ASSERT_EQUAL_FATAL(setup(), 0);
	S.want = 1;
	struct childjob_spec s = { .fn = w_flood, .fn_arg = (void *)(intptr_t)'y',
				   .max_out = 256 * 4096 };
	CU_ASSERT_EQUAL_FATAL(start(&s, NULL), 0);
	run_until_done();
	CU_ASSERT_EQUAL(S.how, CHILDJOB_EXITED);
	CU_ASSERT_FALSE(S.has_err);
	CU_ASSERT_EQUAL(S.len, 256 * 4096);
	teardown();
}

static char MANY_OUT[MANY][32];
static void many_done(struct childjob_end *e, void *arg)
{
	int k = (int)(intptr_t)arg;
	snprintf(MANY_OUT[k], sizeof(MANY_OUT[k]), "%.*s", (int)e->len, e->out ? e->out : "");
	CU_ASSERT_PTR_NULL(e->err);
	done_cb(e, arg);
}

static void test_many(void)
{
	CU_ASSERT_EQUAL_FATAL(setup(), 0);
	S.want = MANY;
	memset(MANY_OUT, 0, sizeof(MANY_OUT));
	for (int k = 0; k < MANY; k++) {
		char err[XCD_ERR_MAX];
		struct childjob_spec s = { .what = "many", .fn = w_index,
					   .fn_arg = (void *)(intptr_t)k, .done = many_done,
					   .arg = (void *)(intptr_t)k };
		CU_ASSERT_EQUAL_FATAL(childjob_start(&JS, &s, NULL, err, sizeof(err)), 0);
	}
	CU_ASSERT_EQUAL(JS.n, MANY);
	run_until_done();
	for (int k = 0; k < MANY; k++) {
		char want[32];
		snprintf(want, sizeof(want), "job %d", k);
		u_str_eq(MANY_OUT[k], want, "a job's own output", __FILE__, __LINE__);
		CU_ASSERT_EQUAL(S.done_of[k], 1);
	}
	teardown();
}

/* What xcdd's one-second tick does. */
static void tick_cb(struct loop *l, struct loop_timer *t, void *arg) { childjobs_tick(arg); }

/* Without pidfd, the tick reaps: nothing ends until it runs. */
static void check_unreaped(struct loop *l, struct loop_timer *t, void *arg)
{
	/* Their pipes are closed and they have exited, but no pidfd says so. */
	CU_ASSERT_EQUAL(S.done, 0);
	CU_ASSERT_EQUAL(JS.n, 2);
	CU_ASSERT_EQUAL(children_left(), 2);
	loop_timer_arm(arg, 10, 50);
}

static void test_tick_reaps(void)
{
	CU_ASSERT_EQUAL_FATAL(setup(), 0);
	JS.no_pidfd = true;
	S.want = 2;
	struct childjob_spec s = { .fn = w_linger };
	CU_ASSERT_EQUAL_FATAL(start(&s, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(start(&s, NULL), 0);
	struct loop_timer *tick = loop_timer_new(L, tick_cb, &JS);
	struct loop_timer *check = loop_timer_new(L, check_unreaped, tick);
	loop_timer_arm(check, 500, 0);
	run_until_done();
	CU_ASSERT_EQUAL(S.done, 2);
	loop_timer_free(tick);
	loop_timer_free(check);
	teardown();
}

/* Room again once the first two are reaped: the third starts from a DONE. */
static void start_third(void)
{
	if (S.done != 2)
		return;
	struct childjob_spec s = { .what = "bounded", .fn = w_hello };
	CU_ASSERT_EQUAL(start(&s, NULL), 0);
}

static void test_max(void)
{
	CU_ASSERT_EQUAL_FATAL(setup(), 0);
	JS.max = 2;
	S.want = 3;
	struct childjob_spec s = { .what = "bounded", .fn = w_hello };
	CU_ASSERT_EQUAL_FATAL(start(&s, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(start(&s, NULL), 0);
	char err[XCD_ERR_MAX] = "";
	CU_ASSERT_EQUAL(childjob_start(&JS, &s, NULL, err, sizeof(err)), -EAGAIN);
	u_str_eq(err, "bounded: 2 such jobs run already: try again shortly", "err", __FILE__,
		 __LINE__);
	ON_DONE = start_third;
	run_until_done();
	CU_ASSERT_EQUAL(S.done, 3);
	teardown();
}

/* A close stops every job, deaf ones too, and reaps them. */
static void test_close(void)
{
	CU_ASSERT_EQUAL_FATAL(setup(), 0);
	struct childjob *c;
	for (int k = 0; k < 4; k++) {
		struct childjob_spec s = { .fn = w_sleep, .fn_arg = (void *)(intptr_t)(k & 1),
					   .grace_ms = 200, .arg = (void *)(intptr_t)k };
		CU_ASSERT_EQUAL_FATAL(start(&s, k == 3 ? &c : NULL), 0);
	}
	childjob_cancel(c);
	CU_ASSERT_EQUAL(children_left(), 4);
	childjobs_close(&JS, "the user stops");
	CU_ASSERT_EQUAL(S.done, 4);
	CU_ASSERT_EQUAL(JS.n, 0);
	for (int k = 0; k < 4; k++)
		CU_ASSERT_EQUAL(S.done_of[k], 1);
	/* The last DONE told is the first job's (the list is newest first). */
	CU_ASSERT_EQUAL(S.how, CHILDJOB_CLOSED);
	u_str_eq(S.err, "the user stops", "err", __FILE__, __LINE__);
	CU_ASSERT(WIFSIGNALED(S.status) && WTERMSIG(S.status) == SIGTERM);
	teardown();
}

/* Nothing of the parent's stays open in a child; its pipe is fd 3,
 * close-on-exec. */
static void test_fds(void)
{
	CU_ASSERT_EQUAL_FATAL(setup(), 0);
	S.want = 1;
	int extra = open("/dev/null", O_RDONLY); /* not close-on-exec */
	CU_ASSERT(extra > 3);
	struct childjob_spec s = { .fn = w_fds };
	CU_ASSERT_EQUAL_FATAL(start(&s, NULL), 0);
	run_until_done();
	close(extra);
	u_str_eq(S.out, "0 1 2 3 cloexec=1", "the child's descriptors", __FILE__, __LINE__);
	teardown();
}

static void test_refused(void)
{
	CU_ASSERT_EQUAL_FATAL(setup(), 0);
	char err[XCD_ERR_MAX] = "";
	struct childjob_spec s = { .what = "nothing", .fn = w_hello };
	JS.loop = NULL;
	CU_ASSERT_EQUAL(childjob_start(&JS, &s, NULL, err, sizeof(err)), -EINVAL);
	u_str_eq(err, "nothing: no loop runs jobs", "err", __FILE__, __LINE__);
	JS.loop = L;
	s.fn = NULL;
	CU_ASSERT_EQUAL(childjob_start(&JS, &s, NULL, err, sizeof(err)), -EINVAL);
	teardown();
}

void register_childjob(void)
{
	CU_pSuite s = CU_add_suite("childjob", NULL, NULL);
	CU_add_test(s, "a job's output, whole; reaped once", test_completion);
	CU_add_test(s, "a job's output, line by line", test_lines);
	CU_add_test(s, "a program, its output and status", test_program);
	CU_add_test(s, "a time limit: SIGTERM", test_timeout);
	CU_add_test(s, "a time limit: SIGKILL after the grace", test_timeout_kill);
	CU_add_test(s, "cancel: SIGTERM, then SIGKILL", test_cancel);
	CU_add_test(s, "cancel from the job's own line", test_cancel_from_line);
	CU_add_test(s, "cancel during a time limit's grace", test_cancel_after_timeout);
	CU_add_test(s, "a child killed by a signal", test_signal);
	CU_add_test(s, "more output than allowed", test_too_much);
	CU_add_test(s, "output exactly at the bound", test_at_bound);
	CU_add_test(s, "40 jobs at once", test_many);
	CU_add_test(s, "without pidfd the tick reaps", test_tick_reaps);
	CU_add_test(s, "at most MAX jobs", test_max);
	CU_add_test(s, "close: every job stopped, reaped, told", test_close);
	CU_add_test(s, "a child's descriptors", test_fds);
	CU_add_test(s, "refused without a loop or work", test_refused);
}
