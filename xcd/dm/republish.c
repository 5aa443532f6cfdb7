/*
 * republish: a domain's xenstore side made again on a xenstored that lost
 * its store (a fresh daemon after a crash or a restart), from what xcdd
 * keeps (the journal record, its configuration text) and what the
 * hypervisor says now (memory, vCPUs, type). A xenstored that kept its store
 * (live update) keeps every entry, and nothing is written.
 */
#include "dm_internal.h"
#include "../../lib/errmsg.h"
#include "../../lib/log.h"
#include "../../lib/uuid.h"
#include "../xs_domain.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct replug {
	uint32_t domid;
	char name[128];
};

static void replug_done(int rc, bool reported, const char *err, void *arg)
{
	struct replug *r = arg;
	if (rc < 0 && rc != -ECANCELED)
		log_warn("domain %s (domid %u): its devices' scripts failed after xenstored "
			 "came back: %s", r->name, r->domid, err);
	else if (rc == 0)
		log_info("domain %s (domid %u): devices back in xenstore", r->name, r->domid);
	free(r);
}

/*
 * The devices' entries at Initialising, as on create, then their scripts:
 * what a script wrote (the vbd's physical-device, hotplug-status) went with
 * the store, and a backend does not connect without it.
 */
static void republish_devices(struct dm *m, struct dm_domain *d, const struct domcfg *cfg)
{
	char err[XCD_ERR_MAX] = "";
	if (cfg->n_disks + cfg->n_vifs == 0)
		return;
	/* Its uuid, not the configuration's: a restarted domain's may differ. */
	if (dev_write_all(&m->dev, d->domid, d->uuid, cfg, err, sizeof(err)) < 0) {
		log_warn("domain %s (domid %u): devices not re-published: %s", d->name, d->domid,
			 err);
		return;
	}
	struct replug *r = m->jobs.loop ? calloc(1, sizeof(*r)) : NULL;
	if (r) {
		r->domid = d->domid;
		snprintf(r->name, sizeof(r->name), "%s", d->name);
		if (devjob_start(&m->jobs, &m->dev, DEVJOB_ADD, d->domid, cfg, replug_done, r, NULL,
				 err, sizeof(err)) == 0)
			return;
		free(r);
	} else if (dev_plug_all(&m->dev, d->domid, cfg, err, sizeof(err)) == 0) {
		return;
	}
	log_warn("domain %s (domid %u): devices' scripts not run again: %s", d->name, d->domid,
		 err);
}

/*
 * The guest spoke to the xenstored that is gone: its watches went with it,
 * and a request may have been cut half way on its ring. xcd-xenstored's
 * ring-reset asks it to reset the connection (the ring's error field, then
 * the guest's RECONNECT: docs/misc/xenstore-ring.txt), after which a guest
 * that follows that protocol (xcd-sim's do) registers its watches again.
 */
static void ask_ring_reset(struct dm *m, const struct dm_domain *d)
{
	char arg[16];
	snprintf(arg, sizeof(arg), "%u", d->domid);
	char *reply = xs_control_command(m->xs, "ring-reset", arg, (unsigned)strlen(arg) + 1);
	if (!reply)
		log_warn("domain %s (domid %u): xenstored cannot ask it to reset its ring (%s): "
			 "the guest's own watches stay lost", d->name, d->domid, strerror(errno));
	free(reply);
}

static int republish_one(struct dm *m, struct dm_domain *d)
{
	char err[XCD_ERR_MAX];
	const struct domcfg *cfg = dm_domain_config(d);
	struct hv_dominfo info;
	if (hv_domain_getinfo(m->hv, d->domid, &info) == 0)
		d->info = info;
	if (!cfg)
		log_warn("domain %s (domid %u): %s: its image entries and devices cannot be "
			 "re-published", d->name, d->domid, dm_config_missing(d));
	char u[UUID_STR_LEN + 1];
	struct xsd_domain xd = {
		.domid = d->domid,
		.name = d->name,
		.uuid = uuid_str(d->uuid, u),
		.pvh = d->info.type == HV_DOM_PVH,
		.max_kb = d->info.max_mem_kb,
		.target_kb = d->info.target_kb ? d->info.target_kb : d->info.max_mem_kb,
		.max_vcpus = d->info.max_vcpus ? d->info.max_vcpus : 1,
		.vcpus = d->info.online_vcpus ? d->info.online_vcpus : d->info.max_vcpus,
		.start_sec = d->start_time,
		.kernel = cfg ? cfg->kernel : NULL,
		.ramdisk = cfg ? cfg->ramdisk : NULL,
		.cmdline = cfg ? cfg->cmdline : NULL,
	};
	int rc = xsd_create(m->xs, &xd, err, sizeof(err));
	if (rc < 0) {
		log_err("domain %s (domid %u): %s", d->name, d->domid, err);
		return rc;
	}
	if (!d->built.store_pfn)
		log_warn("domain %s (domid %u): its record predates journaled store rings: it "
			 "cannot be introduced to the new xenstored (its xenbus stays "
			 "disconnected until it is restarted)", d->name, d->domid);
	else if ((rc = xsd_built(m->xs, d->domid, &d->built, err, sizeof(err))) < 0)
		log_err("domain %s (domid %u): %s", d->name, d->domid, err);
	else
		ask_ring_reset(m, d);
	if (cfg)
		republish_devices(m, d, cfg);
	if (rc == 0)
		log_info("domain %s (domid %u): xenstore entries re-published%s", d->name, d->domid,
			 d->built.store_pfn ? " and introduced" : "");
	return rc;
}

int dm_republish(struct dm *m, unsigned *republished, unsigned *kept)
{
	struct strmap_iter it;
	int first = 0;
	*republished = *kept = 0;
	if (!m->xs)
		return -ENOTCONN;
	for (struct strmap_entry *e = strmap_next(&m->by_uuid, &it, NULL); e;
	     e = strmap_next(&m->by_uuid, &it, e)) {
		struct dm_domain *d = e->val;
		if (xsd_is_ours(m->xs, d->domid, UUID_STR(d->uuid))) {
			(*kept)++;
			continue;
		}
		/* A create or destroy under way finds its own xenstore gone when
		 * its job ends, and fails or finishes from there. */
		if (d->op) {
			log_warn("domain %s (domid %u) is being %s: not re-published", d->name,
				 d->domid, dm_busy(d));
			continue;
		}
		int rc = republish_one(m, d);
		if (rc == 0)
			(*republished)++;
		else if (!first)
			first = rc;
	}
	return first;
}
