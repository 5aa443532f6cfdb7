/* test_policy: the pre-copy stop policy (migrate/policy.c) against
 * synthetic guests: N pages, dirtying D pages a second (each round's
 * dirtied pages are D times the round's time, at most N), over a link of R
 * bytes a second; auto-converge's throttle slows D by its percent. */
#include "../../lib/cunit_run.h"
#include "../../../migrate/precopy.h"
#include "suites.h"
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define GIB_PAGES 262144.0

struct outcome {
	struct mig_decision last;
	struct mig_policy_state st;
	unsigned throttles; /* MIG_THROTTLE decisions */
	unsigned decisions;
};

static struct outcome run(const struct mig_policy *p, double pages, double dirty_pps,
			  double rate)
{
	struct outcome o = { 0 };
	double send = pages;
	for (int i = 0; i < 200; i++) {
		double t = send * MIG_PAGE_WIRE_BYTES / rate;
		double dirtied = dirty_pps * (100 - o.st.throttle) / 100.0 * t;
		double left = dirtied < pages ? dirtied : pages;
		mig_policy_decide(p, &o.st, (uint64_t)left, rate, &o.st, &o.last);
		o.decisions++;
		o.throttles += o.last.action == MIG_THROTTLE;
		if (o.last.action == MIG_STOP || o.last.action == MIG_ABORT)
			break;
		send = left;
	}
	return o;
}

/* An idle guest: nothing dirty after round 0, stopped at once. */
static void test_idle(void)
{
	struct mig_policy p = { 0 };
	struct outcome o = run(&p, GIB_PAGES, 0, 100e6);
	CU_ASSERT_EQUAL(o.last.action, MIG_STOP);
	CU_ASSERT_EQUAL(o.last.forced, 0);
	CU_ASSERT_EQUAL(o.st.rounds, 1);
	CU_ASSERT(o.last.predicted_ms == 0);
}

/* 10 MB/s of dirtying over 100 MB/s: converges in a few rounds, within the
 * default 300 ms, without slowing the guest. */
static void test_slow_dirtier_converges(void)
{
	struct mig_policy p = { 0 };
	struct outcome o = run(&p, GIB_PAGES, 2560, 100e6);
	CU_ASSERT_EQUAL(o.last.action, MIG_STOP);
	CU_ASSERT_EQUAL(o.last.forced, 0);
	CU_ASSERT_EQUAL(o.throttles, 0);
	CU_ASSERT(o.st.rounds >= 2 && o.st.rounds <= 4);
	CU_ASSERT(o.last.predicted_ms <= MIG_DOWNTIME_MS_DEFAULT);
	CU_ASSERT(strstr(o.last.why, "converged after") != NULL);
	/* A tighter target takes more rounds. */
	struct mig_policy tight = { .downtime_ms = 5 };
	struct outcome t = run(&tight, GIB_PAGES, 2560, 100e6);
	CU_ASSERT_EQUAL(t.last.action, MIG_STOP);
	CU_ASSERT(t.st.rounds > o.st.rounds);
	CU_ASSERT(t.last.predicted_ms <= 5);
}

/* 200 MB/s of dirtying over a 100 MB/s link never shrinks by itself:
 * auto-converge slows the guest (20%, 40%, 60%: then it dirties less than
 * the link carries) and it converges; abort gives up and force stops at
 * the same point, after two rounds that did not shrink. */
static void test_fast_dirtier(void)
{
	struct mig_policy p = { .on_no_converge = MIG_NC_AUTO_CONVERGE };
	struct outcome o = run(&p, GIB_PAGES, 48828, 100e6);
	CU_ASSERT_EQUAL(o.last.action, MIG_STOP);
	CU_ASSERT_EQUAL(o.last.forced, 0);
	CU_ASSERT_EQUAL(o.throttles, 3);
	CU_ASSERT_EQUAL(o.st.throttle, 60);
	CU_ASSERT(o.last.predicted_ms <= MIG_DOWNTIME_MS_DEFAULT);
	CU_ASSERT(o.st.rounds < MIG_MAX_ROUNDS_DEFAULT);

	p.on_no_converge = MIG_NC_ABORT;
	o = run(&p, GIB_PAGES, 48828, 100e6);
	CU_ASSERT_EQUAL(o.last.action, MIG_ABORT);
	CU_ASSERT_EQUAL(o.st.rounds, 3);
	CU_ASSERT(strstr(o.last.why, "not converging after 3 round(s)") != NULL);
	CU_ASSERT(strstr(o.last.why, "given up") != NULL);

	p.on_no_converge = MIG_NC_FORCE;
	o = run(&p, GIB_PAGES, 48828, 100e6);
	CU_ASSERT_EQUAL(o.last.action, MIG_STOP);
	CU_ASSERT_EQUAL(o.last.forced, 1);
	CU_ASSERT_EQUAL(o.st.rounds, 3);
	CU_ASSERT(o.last.predicted_ms > MIG_DOWNTIME_MS_DEFAULT);
}

/* A guest that only auto-converge's last step cannot slow enough: at the
 * most it takes (95%) it is stopped anyway, said so. */
static void test_throttle_limit(void)
{
	struct mig_policy p = { 0 };
	struct outcome o = run(&p, GIB_PAGES, 48828 * 40, 100e6);
	CU_ASSERT_EQUAL(o.last.action, MIG_STOP);
	CU_ASSERT_EQUAL(o.last.forced, 1);
	CU_ASSERT_EQUAL(o.st.throttle, MIG_THROTTLE_MAX);
	CU_ASSERT(strstr(o.last.why, "slowed by 95%: stopped anyway") != NULL);
}

/* Rounds that halve what is left, but too few of them: the rounds run out. */
static void test_max_rounds(void)
{
	struct mig_policy p = { .max_rounds = 3, .on_no_converge = MIG_NC_AUTO_CONVERGE };
	struct outcome o = run(&p, GIB_PAGES, 12183, 100e6);
	CU_ASSERT_EQUAL(o.last.action, MIG_STOP);
	CU_ASSERT_EQUAL(o.last.forced, 1);
	CU_ASSERT_EQUAL(o.throttles, 0);
	CU_ASSERT_EQUAL(o.st.rounds, 3);
	CU_ASSERT(strstr(o.last.why, "out of rounds after 3 round(s)") != NULL);
	p.on_no_converge = MIG_NC_ABORT;
	o = run(&p, GIB_PAGES, 12183, 100e6);
	CU_ASSERT_EQUAL(o.last.action, MIG_ABORT);
	CU_ASSERT_EQUAL(o.st.rounds, 3);
	/* With the default number of rounds the same guest converges. */
	struct mig_policy d = { 0 };
	o = run(&d, GIB_PAGES, 12183, 100e6);
	CU_ASSERT_EQUAL(o.last.action, MIG_STOP);
	CU_ASSERT_EQUAL(o.last.forced, 0);
}

/* The edges: exactly on the target stops; an unmeasured link never does
 * (unless nothing is left); the same inputs, the same decision. */
static void test_edges(void)
{
	struct mig_policy p = { .downtime_ms = 100 };
	struct mig_policy_state s0 = { 0 }, s1, s2;
	struct mig_decision d1, d2;
	/* 1000 pages of 4104 bytes at 41.04 MB/s: 100 ms. */
	mig_policy_decide(&p, &s0, 1000, 41.04e6, &s1, &d1);
	CU_ASSERT_EQUAL(d1.action, MIG_STOP);
	mig_policy_decide(&p, &s0, 1001, 41.04e6, &s1, &d1);
	CU_ASSERT_EQUAL(d1.action, MIG_ROUND);
	CU_ASSERT_EQUAL(s1.rounds, 1);
	CU_ASSERT_EQUAL(s1.best_left, 1001);
	mig_policy_decide(&p, &s0, 1001, 41.04e6, &s2, &d2);
	CU_ASSERT(s1.rounds == s2.rounds && s1.best_left == s2.best_left &&
		  s1.stalls == s2.stalls && s1.throttle == s2.throttle);
	CU_ASSERT(d1.action == d2.action && d1.predicted_ms == d2.predicted_ms &&
		  strcmp(d1.why, d2.why) == 0);
	mig_policy_decide(&p, &s0, 5, 0, &s1, &d1);
	CU_ASSERT_EQUAL(d1.action, MIG_ROUND);
	mig_policy_decide(&p, &s0, 0, 0, &s1, &d1);
	CU_ASSERT_EQUAL(d1.action, MIG_STOP);
	/* 9% fewer is not shrinking; 11% fewer is. */
	struct mig_policy_state s = { .rounds = 1, .best_left = 100000 };
	mig_policy_decide(&p, &s, 91000, 1e6, &s1, &d1);
	CU_ASSERT_EQUAL(s1.stalls, 1);
	mig_policy_decide(&p, &s, 89000, 1e6, &s1, &d1);
	CU_ASSERT_EQUAL(s1.stalls, 0);
	CU_ASSERT_EQUAL(s1.best_left, 89000);
}

/* A reserve for the stop's other costs: memory is given the target less
 * the reserve, so a round more is sent where the target alone would have
 * stopped; rounds that no longer shrink stop within the target rather than
 * slowing the guest (the reserve is no reason to); a reserve as large as
 * the target leaves memory nothing, and still stops a guest that stalls. */
static void test_reserve(void)
{
	struct mig_policy p = { .downtime_ms = 100, .reserve_ms = 40 };
	struct mig_policy_state s0 = { 0 }, s1;
	struct mig_decision d;
	/* 600 pages of 4104 bytes at 41.04 MB/s: 60 ms, within 100 - 40. */
	mig_policy_decide(&p, &s0, 600, 41.04e6, &s1, &d);
	CU_ASSERT_EQUAL(d.action, MIG_STOP);
	CU_ASSERT(strstr(d.why, "within the 100 ms target (60 ms of it for memory)") != NULL);
	/* 700: 70 ms, within the target but not its 60 ms: another round. */
	mig_policy_decide(&p, &s0, 700, 41.04e6, &s1, &d);
	CU_ASSERT_EQUAL(d.action, MIG_ROUND);
	/* Stalled twice at 70 ms: stopped, not forced, not throttled. */
	struct mig_policy_state st = { .rounds = 3, .best_left = 700, .stalls = 1 };
	mig_policy_decide(&p, &st, 700, 41.04e6, &s1, &d);
	CU_ASSERT_EQUAL(d.action, MIG_STOP);
	CU_ASSERT_EQUAL(d.forced, 0);
	CU_ASSERT_EQUAL(s1.throttle, 0);
	CU_ASSERT(strstr(d.why, "no longer shrinking after 4 round(s)") != NULL);
	CU_ASSERT(strstr(d.why, "within the 100 ms target (not its 60 ms for memory)") != NULL);
	/* Stalled over the target: auto-converge as before. */
	struct mig_policy_state over = { .rounds = 3, .best_left = 1100, .stalls = 1 };
	mig_policy_decide(&p, &over, 1100, 41.04e6, &s1, &d);
	CU_ASSERT_EQUAL(d.action, MIG_THROTTLE);
	/* The 10 MB/s dirtier over 100 MB/s: more rounds with the reserve,
	 * its memory within what is left of the target. */
	struct mig_policy plain = { .downtime_ms = 30 }, kept = { .downtime_ms = 30,
								 .reserve_ms = 25 };
	struct outcome a = run(&plain, GIB_PAGES, 2560, 100e6), b = run(&kept, GIB_PAGES, 2560,
									100e6);
	CU_ASSERT(a.last.action == MIG_STOP && b.last.action == MIG_STOP);
	CU_ASSERT(b.st.rounds > a.st.rounds);
	CU_ASSERT(b.last.predicted_ms <= 5);
	CU_ASSERT_EQUAL(b.throttles, 0);
	/* All of the target reserved: only nothing left, or a stall, stops. */
	struct mig_policy all = { .downtime_ms = 30, .reserve_ms = 30 };
	mig_policy_decide(&all, &s0, 1, 41.04e6, &s1, &d);
	CU_ASSERT_EQUAL(d.action, MIG_ROUND);
	mig_policy_decide(&all, &s0, 0, 41.04e6, &s1, &d);
	CU_ASSERT_EQUAL(d.action, MIG_STOP);
}

static void test_names(void)
{
	enum mig_no_converge nc;
	CU_ASSERT(mig_no_converge_parse("abort", &nc) == 0 && nc == MIG_NC_ABORT);
	CU_ASSERT(mig_no_converge_parse("auto-converge", &nc) == 0 && nc == MIG_NC_AUTO_CONVERGE);
	CU_ASSERT(mig_no_converge_parse("force", &nc) == 0 && nc == MIG_NC_FORCE);
	CU_ASSERT_EQUAL(mig_no_converge_parse("Force", &nc), -EINVAL);
	CU_ASSERT_EQUAL(mig_no_converge_parse(NULL, &nc), -EINVAL);
	u_str_eq(mig_no_converge_name(MIG_NC_FORCE), "force", "name", __FILE__, __LINE__);
}

/* A page that became zero after round 0 goes with its data unless the
 * receiver said it is xcd's (libxc's restore would keep the old data). */
static void test_zero_pages(void)
{
	CU_ASSERT_EQUAL(mig_zero_as_xalloc(0, 0, 0), 1); /* a save: one pass */
	CU_ASSERT_EQUAL(mig_zero_as_xalloc(1, 0, 0), 1); /* round 0: sent once */
	CU_ASSERT_EQUAL(mig_zero_as_xalloc(1, 1, 0), 0); /* xl migrate-receive, or unknown */
	CU_ASSERT_EQUAL(mig_zero_as_xalloc(1, 7, 0), 0);
	CU_ASSERT_EQUAL(mig_zero_as_xalloc(1, 1, 1), 1); /* xcd's receiver zeroes it */
}

void register_policy(void)
{
	CU_pSuite s = CU_add_suite("stop policy", NULL, NULL);
	CU_add_test(s, "an idle guest stops after round 0", test_idle);
	CU_add_test(s, "a slow dirtier converges within the target", test_slow_dirtier_converges);
	CU_add_test(s, "a dirtier faster than the link: auto-converge, abort, force",
		    test_fast_dirtier);
	CU_add_test(s, "auto-converge at its limit stops anyway", test_throttle_limit);
	CU_add_test(s, "max rounds", test_max_rounds);
	CU_add_test(s, "on the target, unmeasured link, a tenth, purity", test_edges);
	CU_add_test(s, "a reserve for the stop's other costs", test_reserve);
	CU_add_test(s, "--on-no-converge names", test_names);
	CU_add_test(s, "zero pages after round 0: with data unless the receiver is xcd's",
		    test_zero_pages);
}
