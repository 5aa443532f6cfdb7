/* mig_local: a live migration from this xcdd to itself, as `xl migrate -s ""
 * DOM "xl migrate-receive"` moves a guest to localhost (the one way to move
 * a guest on a host alone: a Xen host runs one toolstack, and two xcdd on
 * one hypervisor would each see the other's domains). Both copies live in
 * one table and one journal, which key a domain by its uuid: the incoming
 * copy is made under the migration's id as its uuid (fresh, random, the
 * sender's), named NAME--incoming as ever, and takes the guest's uuid
 * (hypervisor, xenstore's /vm, journal: dm_take_kept_uuid) once the
 * sender's copy is destroyed. The commit protocol is the same at both
 * ends: the sender's record and the receiver's ledger are apart (the
 * journal under two uuids, STATEDIR/migrations). */
#include "dm_internal.h"
#include "mig_state.h"
#include "../../lib/log.h"
#include "../../lib/uuid.h"
#include <string.h>

struct dm_domain *dm_mig_local_source(struct dm *m, const uint8_t uuid[16],
				      const uint8_t id[16])
{
	struct dm_domain *d = dm_find_uuid(m, uuid);
	if (!d || !d->op || d->op->kind != OP_MIGRATE || !d->op->mig || !d->op->mig->has_id ||
	    memcmp(d->op->mig->id, id, 16) != 0)
		return NULL;
	return d;
}

bool dm_mig_local_devices_pending(struct dm *m, const uint8_t id[16])
{
	struct dm_domain *in = dm_find_uuid(m, id);
	return in && in->op && in->op->mig && in->op->mig->local && !in->op->mig->devices_up;
}

void dm_mig_local_devices_settled(struct dm *m, const struct dm_mig *in)
{
	if (!in->local)
		return;
	struct dm_domain *src = dm_mig_local_source(m, in->local_uuid, in->id);
	if (src && src->op->mig->suspend_deferred) {
		src->op->mig->suspend_deferred = false;
		dm_mig_stop_guest(src->op);
	}
}

bool dm_mig_local_holds(struct dm *m, const char *name, const uint8_t id[16])
{
	struct dm_domain *d = dm_find(m, name, 0);
	return d && d->pending.kind == DM_PENDING_MIGRATE && d->pending.has_mig_id &&
	       !memcmp(d->pending.mig_id, id, 16);
}

void dm_mig_local_finish(struct dm *m, const uint8_t id[16], const uint8_t uuid[16],
			 const char *name)
{
	struct dm_domain *d = dm_find_uuid(m, id);
	struct dm_error e = { 0 };
	if (!d)
		return; /* not a move within this xcdd */
	if (d->op || d->pending.kind) {
		log_err("domain %s (domid %u): received here from here, it keeps uuid %s: it is "
			"busy", d->name, d->domid, UUID_STR(id));
		return;
	}
	if (name[0] && strcmp(d->name, name) != 0 && dm_rename_domain(m, d, name, &e) < 0)
		log_err("domain %s (domid %u): received here from here, it keeps its name: %s",
			d->name, d->domid, e.message);
	if (dm_find_uuid(m, uuid)) {
		log_err("domain %s (domid %u): received here from here, it keeps uuid %s: the "
			"guest's uuid %s is still taken", d->name, d->domid, UUID_STR(id),
			UUID_STR(uuid));
		return;
	}
	d->pending.has_kept_uuid = true;
	memcpy(d->pending.kept_uuid, uuid, 16);
	if (dm_take_kept_uuid(m, d) < 0)
		log_err("domain %s (domid %u): received here from here, it keeps uuid %s",
			d->name, d->domid, UUID_STR(d->uuid));
	memset(&d->pending, 0, sizeof(d->pending));
	if (dm_refresh(m, d, &e) < 0)
		log_warn("%s", e.message);
}
