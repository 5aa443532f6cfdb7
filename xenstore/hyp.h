/* hyp: what xenstored needs from the hypervisor to reach domains (their
 * ring page, an event channel, whether they still live), on hv: the same
 * for real Xen and the simulated host. */
#ifndef XS_HYP_H
#define XS_HYP_H
#include "server.h"

/* Opens hv (Xen, else the simulated host at s->opt.sim_socket or
 * $XCD_SIM_SOCKET); -errno when neither is reachable (logged). */
int hyp_open(struct xs_server *s, struct xs_hyp **out, int evtchn_fd_restored);
void hyp_close(struct xs_hyp *h);
int hyp_evtchn_fd(const struct xs_hyp *h);
/* Maps the domain's ring page: a foreign mapping of d->gfn. */
int hyp_map_ring(struct xs_hyp *h, struct xs_domain *d);
void hyp_unmap_ring(struct xs_hyp *h, struct xs_domain *d);
/* Binds d->remote_port, setting d->local_port. */
int hyp_bind(struct xs_hyp *h, struct xs_domain *d);
void hyp_unbind(struct xs_hyp *h, struct xs_domain *d);
void hyp_notify(struct xs_hyp *h, struct xs_domain *d);
/* dom0's own ring and port, as its Linux kernel publishes them; present
 * says whether it does. */
int hyp_dom0_present(void);
int hyp_dom0(struct xs_hyp *h, struct xs_domain *d);
/* Looks at every introduced domain: gone ones are released, shut down ones
 * reported through @releaseDomain. */
void hyp_check_domains(struct xs_hyp *h);
/* 1 running, 0 gone or dying, 2 shut down (not yet dying); -errno on failure. */
int hyp_domain_state(struct xs_hyp *h, unsigned domid);
/* Live update: the event channel handle is inherited, the VIRQ binding is
 * not (the new daemon binds it again and checks every domain). */
void hyp_prepare_exec(struct xs_hyp *h);
void hyp_after_failed_exec(struct xs_hyp *h);

/* ring.c: the shared-page transport of a domain connection. */
extern const struct xs_conn_ops ring_conn_ops;
/* Moves what the domain sent into its connection and what is queued for it
 * onto the ring. Returns 0 or -errno on a broken ring. */
int ring_process(struct xs_server *s, struct xs_domain *d);
/* Sets the ring's error field to XENSTORE_ERROR_COMM: the guest is asked to
 * reset the connection (XENSTORE_RECONNECT). */
void ring_ask_reconnect(struct xs_server *s, struct xs_domain *d);
void ring_kick_all(struct xs_server *s);
#endif
