/* hv-probe: what its files share (hv-probe.c: the program and the
 * operations of 40-hv-build.sh; hv-probe-state.c: a PVH domain's state moved
 * into a new domain through hv). */
#ifndef XCD_TEST_HV_PROBE_H
#define XCD_TEST_HV_PROBE_H
#include "../../hv/hv.h"
#include <stdint.h>

struct xs_handle;
struct probe {
	struct hv *hv;
	struct xs_handle *xs;
};

/* "hv-probe: " and the sentence on stderr; returns 1 (the exit status). */
int failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* WHAT failed with RC: hv's explanation on stderr; returns 1. */
int hvfail(struct probe *p, const char *what, int rc);
long now_ms(void);
void sleep_ms(long ms);
int parse_u64(const char *s, uint64_t *out);
/* The xenstore entries a toolstack writes before it introduces DOMID. */
int xs_domain_entries(struct probe *p, uint32_t domid, const char *name,
		      const struct hv_build_result *b, uint64_t mem_kb);
/* control/shutdown := REASON. */
int ask_shutdown(struct probe *p, uint32_t domid, const char *reason);
/* Asks the guest to suspend itself, waits until Xen says it did (timed). */
int suspend_guest(struct probe *p, uint32_t domid);

/* hv-probe-state.c: hv-probe clone DOMID NAME (see hv-probe.c's header). */
int cmd_clone(struct probe *p, uint32_t domid, const char *name);
#endif
