/*
 * hv_fake: a hypervisor in memory behind hv's interface, for the tests and
 * fuzzers of what stands on hv (the domain manager, xcdd's methods): never
 * part of the product. It refuses what Xen refuses (an unknown domain,
 * unpausing a running one, a memory size beyond the host), so the error
 * paths above it run too, and a test can make an operation fail at will.
 * hv.c's backend constructors are defined here too (no Xen, no xcd-sim):
 * link hv/hv.c with this file, not libhv.a.
 */
#ifndef XCD_TESTS_HV_FAKE_H
#define XCD_TESTS_HV_FAKE_H
#include "../../hv/backend.h"

enum hv_fake_op {
	HV_FAKE_CREATE,
	HV_FAKE_BUILD,
	HV_FAKE_UNPAUSE,
	HV_FAKE_DESTROY,
	HV_FAKE_SET_TARGET,
	HV_FAKE_NOPS
};

/* A host of 8 CPUs and 16 GiB with domain 0 only (aborts when out of
 * memory). hv_close frees it. */
struct hv *hv_fake_open(void);
/* OP fails with ERR (a negative errno) from now on; 0: it works again. */
void hv_fake_fail(struct hv *hv, enum hv_fake_op op, int err);
/* How many domains other than 0 the fake holds. */
int hv_fake_domains(struct hv *hv);
#endif
