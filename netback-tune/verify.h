/*
 * verify: the host against the policy and a plan: each policy bond up in its
 * mode with the members it should have and its LACP partner, the bandwidth
 * each guest can count on, and each change of the plan (the one applied,
 * or the one the host needs now) found done or still pending. A list of
 * pass/fail lines, each with the figure it rests on.
 */
#ifndef XCD_NT_VERIFY_H
#define XCD_NT_VERIFY_H
#include "../lib/tuneplan.h"
#include "nethost.h"
#include "policy.h"
#include <stdbool.h>
#include <yajl/yajl_gen.h>

struct nt_check {
	bool pass;
	char *area;   /* as in the plan: "bond", "nic", "bandwidth", "netback", "vif-queue" */
	char *object;
	char *figure;
	char *detail; /* a sentence */
};

struct nt_verify {
	struct nt_check *c;
	size_t n, cap;
	size_t n_fail;
};

/*
 * Checks H against P and APPLIED (NULL: the plan the host needs now, whose
 * every change is then a failure). Changes of area vif-queue are gathered
 * per vif, one line each, and a line for all of them. 0 or -ENOMEM.
 */
int nt_verify(const struct nt_host *h, const struct nt_policy *p,
	      const struct tune_plan *applied, struct nt_verify *out);
/*
 * nt_verify with NOW, the plan the host needs now (nt_plan of the same H
 * and P), made already by the caller: a round that plans and verifies on
 * one reading of the host plans once.
 */
int nt_verify_now(const struct nt_host *h, const struct nt_policy *p,
		  const struct tune_plan *applied, const struct tune_plan *now,
		  struct nt_verify *out);
void nt_verify_free(struct nt_verify *v);
/* {"pass": bool, "failed": N, "checks": [{pass, area, object, figure, detail}]} */
int nt_verify_json(yajl_gen g, const struct nt_verify *v);
/* "ok   bond bond0: ... (figure)" / "FAIL ..." lines, then "N passed, N failed". */
int nt_verify_text(const struct nt_verify *v, char **out);
#endif
