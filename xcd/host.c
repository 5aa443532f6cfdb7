/* host: the host xcdd manages: its hypervisor backend (Xen, or a simulated
 * host it may start) and xenstore at start, the poll that notices the host
 * gone, and a new simulated host after the old one died. */
#include "host.h"
#include "../lib/errmsg.h"
#include "../lib/fdio.h"
#include "../lib/log.h"
#include "daemons.h"
#include "xslink.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

#define XENSTORED_START_MS 5000

/* A poll is how xcdd learns the host is gone: its connection reset. */
void host_poll(struct xcdd *x)
{
	if (dm_poll(&x->dm) == -ECONNRESET && x->own_sim)
		host_lost(x);
}

/* The simulated host's xenstored: the one XENSTORED_PATH names if it
 * answers, else RUNDIR/xenstored.sock (OUT: PATH_MAX + 32 bytes). */
void host_store_path(const char *rundir, char *out)
{
	const char *env = getenv("XENSTORED_PATH");
	if (env && *env) {
		struct xs_handle *xs = xs_open(0);
		if (xs) {
			xs_close(xs);
			snprintf(out, PATH_MAX + 32, "%s", env);
			return;
		}
		log_info("XENSTORED_PATH=%s: %s; using our own xcd-xenstored", env,
			 strerror(errno));
	}
	snprintf(out, PATH_MAX + 32, "%s/xenstored.sock", rundir);
}

/*
 * The xenstore xcdd writes to. On the simulated host: the one XENSTORED_PATH
 * names if it answers, else xcd-xenstored at RUNDIR/xenstored.sock, started
 * when none answers there. On Xen: the system's, where libxenstore finds it.
 */
struct xs_handle *host_open_store(bool own_host, const char *rundir, const char *store,
				    const char *sim_sock)
{
	struct xs_handle *xs;
	if (!own_host) {
		if (!(xs = xs_open(0)))
			log_err("cannot connect to the system's xenstored: %s", strerror(errno));
		return xs;
	}
	char sock[PATH_MAX + 32], logpath[PATH_MAX + 32];
	snprintf(sock, sizeof(sock), "%s/xenstored.sock", rundir);
	if (strcmp(store, sock) != 0) {
		if ((xs = xslink_open_at(store)))
			log_info("xenstore: %s (XENSTORED_PATH)", store);
		else
			log_err("xenstore: %s: %s", store, strerror(errno));
		return xs;
	}
	if ((xs = xslink_open_at(sock))) {
		log_info("xenstore: %s (left running by an earlier xcdd)", sock);
		daemons_start_consoled(rundir, sim_sock, xs);
		return xs;
	}
	if (daemons_start_xenstored(rundir, sim_sock) < 0)
		return NULL;
	snprintf(logpath, sizeof(logpath), "%s/xenstored.log", rundir);
	uint64_t t0 = mono_ms();
	while (mono_ms() - t0 < XENSTORED_START_MS) {
		if ((xs = xslink_open_at(sock))) {
			log_info("xenstore: %s", sock);
			daemons_start_consoled(rundir, sim_sock, xs);
			return xs;
		}
		usleep(20000);
	}
	log_err("xcd-xenstored did not come up at %s (see %s)", sock, logpath);
	return NULL;
}

/* SIM_SOCK (PATH_MAX + 32 bytes): the simulated host's socket, "" on Xen. */
/* *SIM_BACKENDS: the simulated host is ours, started with --xenstore STORE
 * (by us or an earlier xcdd), so it plays dom0's vbd and vif backends. */
int host_open_backend(const char *backend, const char *rundir, const char *store,
			struct hv **hv, bool *own_host, char *sim_sock, bool *sim_backends)
{
	char err[XCD_ERR_MAX] = "";
	bool xen = backend ? strcmp(backend, "xen") == 0 : access("/dev/xen/privcmd", F_OK) == 0;
	*own_host = !xen;
	*sim_backends = false;
	sim_sock[0] = '\0';
	if (xen) {
		if (hv_open(HV_XEN, NULL, hv, err, sizeof(err)) < 0) {
			log_err("cannot open Xen: %s", err);
			return -1;
		}
		return 0;
	}
	const char *env = getenv("XCD_SIM_SOCKET");
	if (env && *env && hv_open(HV_SIM, env, hv, err, sizeof(err)) == 0) {
		snprintf(sim_sock, PATH_MAX + 32, "%s", env);
		return 0;
	}
	if (env && *env)
		log_info("XCD_SIM_SOCKET=%s: %s; using our own xcd-sim", env, err);
	char sock[PATH_MAX + 32];
	snprintf(sock, sizeof(sock), "%s/sim.sock", rundir);
	snprintf(sim_sock, PATH_MAX + 32, "%s", sock);
	*sim_backends = true;
	if (hv_open(HV_SIM, sock, hv, err, sizeof(err)) == 0)
		return 0; /* left running by an earlier xcdd */
	return daemons_open_sim(rundir, sock, store, hv);
}

/* dm_host_lost's REOPEN: the new host, as at start-up. */
static int host_reopen(void *arg, struct hv **hv, struct xs_handle **xs)
{
	struct xcdd *x = arg;
	/* Our xcd-xenstored and xcd-consoled served the old host's guests
	 * through its connection, which they do not make again: new ones. */
	if (xslink_own_store(x)) {
		daemons_stop(x->rundir, "consoled.pid", "xcd-consoled");
		daemons_stop(x->rundir, "xenstored.pid", "xcd-xenstored");
	}
	struct hv *nhv = NULL;
	if (daemons_open_sim(x->rundir, x->sim_sock, x->store, &nhv) < 0)
		return -EHOSTDOWN; /* the old, broken one stays: the next poll retries */
	hv_close(x->hv);
	x->hv = x->dm.hv = nhv;
	if (x->xs)
		xs_close(x->xs);
	xslink_set(x, host_open_store(true, x->rundir, x->store, x->sim_sock));
	if (!x->xs)
		return -EHOSTDOWN;
	x->xs_down = false; /* a new store on the new host: nothing to re-publish */
	xslink_attach(x);
	*hv = x->hv;
	*xs = x->xs;
	log_info("the simulated host is back (%s)", x->sim_sock);
	return 0;
}

/* The simulated host we own died (its guests with it): report them, make a
 * new host and apply the guests' on_crash there. */
void host_lost(struct xcdd *x)
{
	log_err("the simulated host at %s went away: its guests are lost; starting a new one",
		x->sim_sock);
	xslink_detach(x);
	/* A store that is not ours outlives the host: the lost guests' entries
	 * are removed from it. Ours is made anew, empty. */
	bool foreign_store = !xslink_own_store(x);
	if (!foreign_store && x->xs) {
		xs_close(x->xs);
		xslink_set(x, NULL);
	}
	if (dm_host_lost(&x->dm, foreign_store, host_reopen, x) < 0)
		log_err("no new simulated host: the next poll tries again");
}
