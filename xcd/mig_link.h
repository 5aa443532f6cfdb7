/* mig_link: the sending side of a migration over TCP, as xcdd runs it: a
 * child job (xcdd-miglink) that connects to the destination's xcdd, checks
 * both hosts' credentials and then relays (migrate/tcp.h, mig_tcp_send)
 * between the network and a pipe whose two ends xcdd has at once: the
 * domain manager takes them as it takes the ssh transport's (its job waits
 * for the receiver's banner, which comes once the link is connected; a
 * link that fails ends the pipe). The same carries a sender's outcome
 * query after its go (dm's mig_resolve.c). */
#ifndef XCD_MIG_LINK_H
#define XCD_MIG_LINK_H
#include "../lib/childjob.h"
#include "../migrate/tcp.h"

struct mig_link;
struct mig_link_hooks {
	/* Connected to P, both hosts' credentials checked: the relay begins. */
	void (*connected)(struct mig_link *l, const struct mig_tcp_peer *p, void *arg);
	/* The relay ended, before or after it connected: RC 0, or why
	 * not (ERR). Not told after mig_link_cancel. L is gone after it. */
	void (*ended)(struct mig_link *l, int rc, const char *err, void *arg);
	/* The receiver's copy has its devices up (P->devices said it would
	 * tell; told once; NULL: not wanted). */
	void (*devices)(struct mig_link *l, void *arg);
};

/* Starts a link to O's peer, one of JS's jobs: 0 with *OUT, and *SEND (the
 * stream to the receiver) and *RECV (its words back), the pipe's near ends,
 * the caller's to close; or a negative errno with ERR (nothing started). */
int mig_link_start(struct childjobs *js, const struct mig_tcp_send_opts *o,
		   const struct mig_link_hooks *h, void *arg, struct mig_link **out, int *send,
		   int *recv, char *err, size_t errlen);
/* Stops L (its connections close: the receiver sees the migration end);
 * ENDED is not told. L is gone. */
void mig_link_cancel(struct mig_link *l);
/* What the receiver said to the sender's user (its notes, "; " between),
 * or "". */
const char *mig_link_notes(const struct mig_link *l);
#endif
