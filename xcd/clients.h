/*
 * clients: xcdd's connections on its JSON-RPC socket (clients.c). main
 * puts clients_accept_cb on the listening socket and clients_idle in the
 * loop's idle step; rpc_domain.c's owed answers go out through
 * clients_send_owed, the domain manager's changes through clients_dm_changed.
 */
#ifndef XCD_CLIENTS_H
#define XCD_CLIENTS_H
#include "../lib/loop.h"
#include "xcdd.h"

void clients_accept_cb(struct loop *l, int lfd, uint32_t events, void *arg);
/* The loop's idle step (ARG: the struct xcdd). */
void clients_idle(void *arg);
void clients_send_owed(struct xcdd *x, struct client *c, const char *line, size_t len);
void clients_dm_changed(struct dm *m, const struct dm_domain *d, const char *state, void *arg);
/* At exit: every connection closed. */
void clients_close_all(struct xcdd *x);
#endif
