/* xenbus-fake: one simulated guest's memory and domain, without xcd-sim's
 * threads, event channels or host, so that its xenbus driver (sim/xenbus.c)
 * can be driven step by step by a test or a fuzzer playing xenstored. */
#ifndef XCD_XENBUS_FAKE_H
#define XCD_XENBUS_FAKE_H
#include "../../sim/sim.h"
#include <xen/io/xs_wire.h>

struct xb_fake {
	struct sim_domain d;
	struct sim_guest_header *g;
	struct xenstore_domain_interface *ring;
	struct sim_xenbus *x;
	unsigned store_kicks;
	int shutdown_reason; /* -1 until the guest shuts itself down */
};

#define XB_FAKE_PAGES 16
/* A sim:idle guest, or one running the given program. */
int xb_fake_init(struct xb_fake *f);
int xb_fake_init_program(struct xb_fake *f, enum sim_program program);
void xb_fake_free(struct xb_fake *f);
/* Puts len bytes on the guest's response ring; returns how many fit. */
size_t xb_fake_put(struct xb_fake *f, const void *buf, size_t len);
/* Takes up to cap bytes of the guest's requests off its ring. */
size_t xb_fake_take(struct xb_fake *f, void *buf, size_t cap);
#endif
