/* test_loop: lib/loop's batches and timers: a handler deleted by another's
 * callback in the same batch is never called (ASan sees any use after free),
 * more ready descriptors than one batch holds are all served, timers fire in
 * order, periodically, and may be re-armed, disarmed or freed from their own
 * callbacks. Every run is bounded by a stop timer. */
#include "../../../lib/loop.h"
#include "../../lib/cunit_run.h"
#include "suites.h"
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LIMIT_MS 2000

static void stop_cb(struct loop *l, struct loop_timer *t, void *arg) { loop_stop(l); }

/* Runs L until something stops it, at most LIMIT_MS; true when stopped
 * before the limit. */
static bool run_bounded(struct loop *l)
{
	struct loop_timer *guard = loop_timer_new(l, stop_cb, NULL);
	loop_timer_arm(guard, LIMIT_MS, 0);
	uint64_t t0 = loop_now_ms();
	CU_ASSERT_EQUAL(loop_run(l), 0);
	bool early = loop_now_ms() - t0 < LIMIT_MS;
	loop_timer_free(guard);
	return early;
}

/* ---- a handler deleted within the batch ---- */

struct pair {
	int fd[2];
	int calls;
};
static struct pair P[2];
static struct loop *L;

static void count_cb(struct loop *l, int fd, uint32_t ev, void *arg)
{
	struct pair *p = arg;
	char b[16];
	p->calls++;
	if (read(fd, b, sizeof(b)) < 0)
		CU_FAIL("read");
}

/* Whichever of the two is called first deletes and closes the other. */
static void killer_cb(struct loop *l, int fd, uint32_t ev, void *arg)
{
	struct pair *me = arg, *other = me == &P[0] ? &P[1] : &P[0];
	count_cb(l, fd, ev, arg);
	if (other->fd[0] >= 0) {
		CU_ASSERT_EQUAL(loop_del(l, other->fd[0]), 0);
		close(other->fd[0]);
		other->fd[0] = -1;
	}
	loop_stop(l);
}

static void test_delete_in_batch(void)
{
	CU_ASSERT_FATAL(loop_new(&L) == 0);
	for (int i = 0; i < 2; i++) {
		P[i].calls = 0;
		CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, P[i].fd) == 0);
		CU_ASSERT_FATAL(loop_add(L, P[i].fd[0], EPOLLIN, killer_cb, &P[i]) == 0);
		CU_ASSERT_FATAL(write(P[i].fd[1], "x", 1) == 1);
	}
	CU_ASSERT(run_bounded(L));
	/* Both were ready in one batch; the one deleted first was never called. */
	CU_ASSERT_EQUAL(P[0].calls + P[1].calls, 1);
	for (int i = 0; i < 2; i++) {
		if (P[i].fd[0] >= 0) {
			loop_del(L, P[i].fd[0]);
			close(P[i].fd[0]);
		}
		close(P[i].fd[1]);
	}
	loop_free(L);
}

/* A handler that deletes itself, then adds a new handler on a descriptor
 * that reuses its number: the old event is not given to the new one. */
static int reused_calls;
static void reused_cb(struct loop *l, int fd, uint32_t ev, void *arg) { reused_calls++; }
static void self_delete_cb(struct loop *l, int fd, uint32_t ev, void *arg)
{
	int *other = arg;
	CU_ASSERT_EQUAL(loop_del(l, fd), 0);
	close(fd);
	int p[2];
	CU_ASSERT_FATAL(pipe(p) == 0); /* p[0] likely takes fd's number */
	CU_ASSERT_EQUAL(loop_add(l, p[0], EPOLLIN, reused_cb, NULL), 0);
	other[0] = p[0];
	other[1] = p[1];
}

static void test_self_delete_and_reuse(void)
{
	int sp[2], np[2] = { -1, -1 };
	reused_calls = 0;
	CU_ASSERT_FATAL(loop_new(&L) == 0);
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
	CU_ASSERT_FATAL(loop_add(L, sp[0], EPOLLIN, self_delete_cb, np) == 0);
	CU_ASSERT_FATAL(write(sp[1], "x", 1) == 1);
	struct loop_timer *t = loop_timer_new(L, stop_cb, NULL);
	loop_timer_arm(t, 50, 0);
	run_bounded(L);
	CU_ASSERT_EQUAL(reused_calls, 0); /* nothing was ever written to the pipe */
	loop_timer_free(t);
	loop_del(L, np[0]);
	close(np[0]);
	close(np[1]);
	close(sp[1]);
	loop_free(L);
}

/* ---- more ready descriptors than a batch ---- */

#define MANY 150
static int many_served;
static void many_cb(struct loop *l, int fd, uint32_t ev, void *arg)
{
	char b;
	if (read(fd, &b, 1) == 1 && ++many_served == MANY)
		loop_stop(l);
}

static void test_many_ready(void)
{
	int fds[MANY][2];
	many_served = 0;
	CU_ASSERT_FATAL(loop_new(&L) == 0);
	for (int i = 0; i < MANY; i++) {
		CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, fds[i]) == 0);
		CU_ASSERT_FATAL(loop_add(L, fds[i][0], EPOLLIN, many_cb, NULL) == 0);
		CU_ASSERT_FATAL(write(fds[i][1], "x", 1) == 1);
	}
	CU_ASSERT(run_bounded(L));
	CU_ASSERT_EQUAL(many_served, MANY);
	for (int i = 0; i < MANY; i++) {
		loop_del(L, fds[i][0]);
		close(fds[i][0]);
		close(fds[i][1]);
	}
	loop_free(L);
}

static void test_add_twice(void)
{
	int sp[2];
	CU_ASSERT_FATAL(loop_new(&L) == 0);
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
	CU_ASSERT_EQUAL(loop_add(L, sp[0], EPOLLIN, count_cb, &P[0]), 0);
	CU_ASSERT_EQUAL(loop_add(L, sp[0], EPOLLIN, count_cb, &P[0]), -EEXIST);
	CU_ASSERT_EQUAL(loop_del(L, sp[0]), 0);
	CU_ASSERT_EQUAL(loop_del(L, sp[0]), -ENOENT);
	close(sp[0]);
	close(sp[1]);
	loop_free(L);
}

/* ---- timers ---- */

static char order[16];
static size_t norder;
static void mark_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	if (norder < sizeof(order) - 1)
		order[norder++] = *(const char *)arg;
}

static void test_timer_order(void)
{
	norder = 0;
	memset(order, 0, sizeof(order));
	CU_ASSERT_FATAL(loop_new(&L) == 0);
	struct loop_timer *a = loop_timer_new(L, mark_cb, "a");
	struct loop_timer *b = loop_timer_new(L, mark_cb, "b");
	struct loop_timer *c = loop_timer_new(L, mark_cb, "c");
	struct loop_timer *d = loop_timer_new(L, mark_cb, "d");
	struct loop_timer *end = loop_timer_new(L, stop_cb, NULL);
	loop_timer_arm(a, 60, 0);
	loop_timer_arm(b, 20, 0);
	loop_timer_arm(c, 20, 0);
	loop_timer_arm(d, 40, 0);
	loop_timer_disarm(d); /* never fires */
	loop_timer_arm(end, 100, 0);
	CU_ASSERT_FALSE(loop_timer_armed(d));
	CU_ASSERT_TRUE(loop_timer_armed(a));
	uint64_t t0 = loop_now_ms();
	CU_ASSERT(run_bounded(L));
	uint64_t took = loop_now_ms() - t0;
	u_str_eq(order, "bca", "timers in due order, ties in arming order", __FILE__, __LINE__);
	CU_ASSERT(took >= 100);
	CU_ASSERT_FALSE(loop_timer_armed(a));
	loop_timer_free(a);
	loop_timer_free(b);
	loop_timer_free(c);
	loop_timer_free(d);
	loop_timer_free(end);
	loop_free(L);
}

static int ticks;
static void tick_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	if (++ticks == 5) {
		loop_timer_free(t); /* from its own callback */
		loop_stop(l);
	}
}

static void test_timer_periodic_free_self(void)
{
	ticks = 0;
	CU_ASSERT_FATAL(loop_new(&L) == 0);
	struct loop_timer *t = loop_timer_new(L, tick_cb, NULL);
	loop_timer_arm(t, 10, 10);
	uint64_t t0 = loop_now_ms();
	CU_ASSERT(run_bounded(L));
	uint64_t took = loop_now_ms() - t0;
	CU_ASSERT_EQUAL(ticks, 5);
	CU_ASSERT(took >= 50);
	loop_free(L);
}

/* A timer that re-arms itself with 0 ms does not starve the descriptors. */
static int spins;
static void spin_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	spins++;
	loop_timer_arm(t, 0, 0);
}

static void test_timer_no_starvation(void)
{
	int sp[2];
	spins = 0;
	P[0].calls = 0;
	CU_ASSERT_FATAL(loop_new(&L) == 0);
	struct loop_timer *t = loop_timer_new(L, spin_cb, NULL);
	loop_timer_arm(t, 0, 0);
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
	CU_ASSERT_FATAL(loop_add(L, sp[0], EPOLLIN, killer_cb, &P[0]) == 0);
	P[1].fd[0] = -1;
	CU_ASSERT_FATAL(write(sp[1], "x", 1) == 1);
	CU_ASSERT(run_bounded(L));
	CU_ASSERT_EQUAL(P[0].calls, 1);
	CU_ASSERT(spins < 100);
	loop_timer_free(t);
	loop_del(L, sp[0]);
	close(sp[0]);
	close(sp[1]);
	loop_free(L);
}

/* loop_set_timeout's callback still comes when nothing happens. */
static void idle_timeout_cb(void *arg) { loop_stop(arg); }

static void test_idle_timeout(void)
{
	CU_ASSERT_FATAL(loop_new(&L) == 0);
	loop_set_timeout(L, 30, idle_timeout_cb, L);
	CU_ASSERT(run_bounded(L));
	loop_free(L);
}

void register_loop(void)
{
	CU_pSuite s = CU_add_suite("loop", NULL, NULL);
	CU_add_test(s, "a handler deleted by another's callback in a batch", test_delete_in_batch);
	CU_add_test(s, "a handler deletes itself, its fd number reused", test_self_delete_and_reuse);
	CU_add_test(s, "150 ready descriptors, batches of 64", test_many_ready);
	CU_add_test(s, "add twice, delete twice", test_add_twice);
	CU_add_test(s, "timers fire in due order; disarm", test_timer_order);
	CU_add_test(s, "periodic timer freed from its callback", test_timer_periodic_free_self);
	CU_add_test(s, "a 0 ms timer re-armed does not starve fds", test_timer_no_starvation);
	CU_add_test(s, "idle timeout without timers", test_idle_timeout);
}
