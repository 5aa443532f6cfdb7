/* xslink: xcdd's link to xenstored, its loss and its reconnection. */
#ifndef XCD_XSLINK_H
#define XCD_XSLINK_H
#include "xcdd.h"
#include <stdbool.h>

/* Makes the reconnection timer (x->loop must exist): 0 or -ENOMEM. */
int xslink_init(struct xcdd *x);
/* x->xs is connected: adds the @releaseDomain watch and the liveness
 * connection to the loop. */
void xslink_attach(struct xcdd *x);
/* Drops the watch and the liveness connection (not x->xs). */
void xslink_detach(struct xcdd *x);
/* xenstored went away: x->xs is closed, the methods that need it are
 * refused, and the reconnection timer starts. Said once. */
void xslink_lost(struct xcdd *x, const char *why);
/* The one place x->xs is set: the domain manager and its devices use the
 * same handle (NULL: xenstore is gone). */
void xslink_set(struct xcdd *x, struct xs_handle *xs);
/* Whether x->store is our own xcd-xenstored (RUNDIR/xenstored.sock). */
bool xslink_own_store(const struct xcdd *x);
/* xs_open through XENSTORED_PATH=SOCK (which the hotplug scripts inherit). */
struct xs_handle *xslink_open_at(const char *sock);
#endif
