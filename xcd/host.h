/* host: the hypervisor backend and xenstore xcdd manages, and their loss. */
#ifndef XCD_HOST_H
#define XCD_HOST_H
#include "xcdd.h"
#include <stdbool.h>

struct xs_handle;

/*
 * Opens the backend: Xen (BACKEND "xen", or NULL with /dev/xen/privcmd),
 * else the simulated host at $XCD_SIM_SOCKET, else ours at RUNDIR/sim.sock
 * (started when none answers). *OWN_HOST: not Xen. SIM_SOCK (PATH_MAX + 32
 * bytes): the simulated host's socket, "" on Xen. *SIM_BACKENDS: the
 * simulated host is ours, started with --xenstore STORE, so it plays dom0's
 * vbd and vif backends. 0, or -1 (logged).
 */
int host_open_backend(const char *backend, const char *rundir, const char *store,
		      struct hv **hv, bool *own_host, char *sim_sock, bool *sim_backends);
/* The simulated host's xenstored: the one XENSTORED_PATH names if it
 * answers, else RUNDIR/xenstored.sock (OUT: PATH_MAX + 32 bytes). */
void host_store_path(const char *rundir, char *out);
/* Connects to the xenstore xcdd writes to (starting ours and xcd-consoled
 * on the simulated host when needed): the handle, or NULL (logged). */
struct xs_handle *host_open_store(bool own_host, const char *rundir, const char *store,
				  const char *sim_sock);
/* Polls the domains; a lost connection to our simulated host is its death. */
void host_poll(struct xcdd *x);
/* The simulated host we own died (its guests with it): reports them, makes
 * a new host and applies the guests' on_crash there. */
void host_lost(struct xcdd *x);
#endif
