/* mig_devwait: the sender's last round waits for the receiving copy's
 * devices (issue 10: the destination plugs its vbds and vifs and runs their
 * hotplug scripts before the source is stopped, so that they are not in the
 * guest's downtime). A PVH guest's suspend request (its job's "suspend"
 * event), or the pause of a guest that does not suspend itself (its job's
 * "pause": a simulated PV one), is deferred while the copy this very xcdd
 * receives adds them (a
 * move to localhost, mig_local.c), or, over TCP, until the receiving xcdd
 * says they are up (its DEVICES frame, through the link: dm_mig_peer_devices_up),
 * when it agreed to say so; at most DM_MIG_DEVICES_WAIT_MS then. Whether it
 * agreed comes with the link's "connected" (dm_mig_peer_connected), which in
 * practice comes long before the suspend request but on another descriptor:
 * a request that comes first waits for it too, within the same bound. A
 * receiver that does not say it (xl's, an older xcd's, one over ssh) is not
 * waited for. */
#include "dm_internal.h"
#include "mig_state.h"
#include "../../lib/log.h"
#include <string.h>

static void devices_late(struct loop *l, struct loop_timer *t, void *arg)
{
	struct dm_op *op = arg;
	struct dm_mig *mig = op->mig;
	(void)l;
	(void)t;
	if (!mig->suspend_deferred)
		return;
	mig->suspend_deferred = false;
	log_warn("domain %s: the receiver did not say its copy's devices are up within %u ms: "
		 "its last round goes on (their hotplug scripts may lengthen the downtime)",
		 op->d->name, DM_MIG_DEVICES_WAIT_MS);
	dm_mig_mark(op->d->name, "devices not up in time");
	dm_mig_stop_guest(op);
}

bool dm_mig_suspend_waits(struct dm_op *op)
{
	struct dm_mig *mig = op->mig;
	if (mig->has_id && dm_mig_local_devices_pending(op->m, mig->id)) {
		log_info("domain %s: its last round waits for its copy's devices", op->d->name);
		mig->suspend_deferred = true;
		return true;
	}
	if (!mig->peer_pending && (!mig->peer_devices || mig->peer_devices_up))
		return false;
	if (!mig->devices_timer &&
	    !(mig->devices_timer = loop_timer_new(op->m->jobs.loop, devices_late, op))) {
		log_warn("domain %s: its last round does not wait for the receiver's devices: out "
			 "of memory", op->d->name);
		return false;
	}
	if (mig->peer_pending)
		log_info("domain %s: its last round waits for its link to say it connected, and "
			 "whether the receiver tells when its devices are up (%u ms at most)",
			 op->d->name, DM_MIG_DEVICES_WAIT_MS);
	else
		log_info("domain %s: its last round waits for the receiver's devices (%u ms at "
			 "most)", op->d->name, DM_MIG_DEVICES_WAIT_MS);
	mig->suspend_deferred = true;
	loop_timer_arm(mig->devices_timer, DM_MIG_DEVICES_WAIT_MS, 0);
	return true;
}

void dm_mig_devices_wait_stop(struct dm_mig *mig)
{
	if (mig->devices_timer)
		loop_timer_free(mig->devices_timer);
	mig->devices_timer = NULL;
}

/* The migration of the guest of uuid UUID, if this xcdd sends it now. */
static struct dm_op *sending(struct dm *m, const uint8_t uuid[16])
{
	struct dm_domain *d = dm_find_uuid(m, uuid);
	if (!d || !d->op || d->op->kind != OP_MIGRATE || !d->op->mig)
		return NULL; /* over, or never this xcdd's: nothing waits */
	return d->op;
}

void dm_mig_peer_connected(struct dm *m, const uint8_t uuid[16], bool devices)
{
	struct dm_op *op = sending(m, uuid);
	if (!op || !op->mig->peer_pending)
		return;
	struct dm_mig *mig = op->mig;
	mig->peer_pending = false;
	mig->peer_devices = devices;
	if (devices || !mig->suspend_deferred || !mig->devices_timer)
		return; /* devices to wait for, or not waiting */
	log_info("domain %s: its link connected; the receiver does not tell when its devices "
		 "are up: its last round goes on", op->d->name);
	mig->suspend_deferred = false;
	dm_mig_devices_wait_stop(mig);
	dm_mig_stop_guest(op);
}

void dm_mig_peer_devices_up(struct dm *m, const uint8_t uuid[16])
{
	struct dm_op *op = sending(m, uuid);
	if (!op)
		return;
	struct dm_domain *d = op->d;
	struct dm_mig *mig = op->mig;
	if (mig->peer_devices_up)
		return;
	mig->peer_devices_up = true;
	dm_mig_mark(d->name, "the receiver's devices are up");
	if (!mig->suspend_deferred || !mig->devices_timer)
		return; /* not waiting (yet, or any more) */
	mig->suspend_deferred = false;
	dm_mig_devices_wait_stop(mig);
	dm_mig_stop_guest(op);
}
