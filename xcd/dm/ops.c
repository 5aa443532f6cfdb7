/* ops: the plain operations on a domain: pause, unpause, memory, rename,
 * vCPU pinning, shutdown, vCPUs online. */
#include "dm_internal.h"
#include "../../lib/errmsg.h"
#include "../../lib/log.h"
#include "../../lib/uuid.h"
#include "../actions.h"
#include "../domname.h"
#include "../journal.h"
#include "../json_tree.h"
#include "../xlfmt.h"
#include "../xs_domain.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads D's info after an operation, writes its record, notifies. */
int dm_refresh(struct dm *m, struct dm_domain *d, struct dm_error *e)
{
	int rc = hv_domain_getinfo(m->hv, d->domid, &d->info);
	if (rc < 0)
		return dm_hv_fail(m, e, rc, "cannot read the state of", d->name);
	dm_state_string(&d->info, d->state);
	char err[XCD_ERR_MAX];
	rc = dm_record_save(m, d, err, sizeof(err));
	if (rc < 0) {
		dm_error_set(e, DM_ERR_FAILED, NULL, "%s", err);
		return rc;
	}
	dm_notify(m, d, d->state);
	return 0;
}

/*
 * refresh after a change the hypervisor made: when the record cannot be
 * written, UNDO puts the hypervisor back (the domain is then UNDONE again),
 * so that the journal, xenstore and the hypervisor never disagree.
 */
static int refresh_or_undo(struct dm *m, struct dm_domain *d,
			   int (*undo)(struct hv *, uint32_t), const char *undone,
			   struct dm_error *e)
{
	int rc = hv_domain_getinfo(m->hv, d->domid, &d->info);
	if (rc < 0)
		return dm_hv_fail(m, e, rc, "cannot read the state of", d->name);
	dm_state_string(&d->info, d->state);
	char err[XCD_ERR_MAX];
	rc = dm_record_save(m, d, err, sizeof(err));
	if (rc == 0) {
		dm_notify(m, d, d->state);
		return 0;
	}
	if (undo(m->hv, d->domid) < 0) {
		log_err("domain %s: %s, and it cannot be %s again: %s", d->name, err, undone,
			hv_error(m->hv));
		dm_error_set(e, DM_ERR_FAILED, NULL, "%s (the change stays: it could not "
				  "be undone)", err);
		dm_notify(m, d, d->state);
		return rc;
	}
	if (hv_domain_getinfo(m->hv, d->domid, &d->info) == 0)
		dm_state_string(&d->info, d->state);
	log_warn("domain %s: %s: %s again", d->name, err, undone);
	dm_error_set(e, DM_ERR_FAILED, NULL, "%s: nothing changed (domain %s %s again)",
			  err, d->name, undone);
	return rc;
}

int dm_pause(struct dm *m, struct dm_domain *d, struct dm_error *e)
{
	if (dm_refuse_busy(d, e) < 0)
		return -EBUSY;
	if (d->state[2] == 'p') {
		dm_error_set(e, DM_ERR_STATE, NULL, "domain %s is paused already", d->name);
		return -EINVAL;
	}
	int rc = hv_domain_pause(m->hv, d->domid);
	if (rc < 0)
		return dm_hv_fail(m, e, rc, "cannot pause domain", d->name);
	log_info("paused domain %s (domid %u)", d->name, d->domid);
	return refresh_or_undo(m, d, hv_domain_unpause, "unpaused", e);
}

int dm_unpause(struct dm *m, struct dm_domain *d, struct dm_error *e)
{
	if (dm_refuse_busy(d, e) < 0)
		return -EBUSY;
	int rc = hv_domain_unpause(m->hv, d->domid);
	if (rc == -EINVAL) {
		dm_error_set(e, DM_ERR_STATE, NULL, "domain %s is not paused", d->name);
		return rc;
	}
	if (rc < 0)
		return dm_hv_fail(m, e, rc, "cannot unpause domain", d->name);
	log_info("unpaused domain %s (domid %u)", d->name, d->domid);
	return refresh_or_undo(m, d, hv_domain_pause, "paused", e);
}

/* D's record written as its info says. */
static int save_record(struct dm *m, struct dm_domain *d, struct dm_error *e)
{
	char err[XCD_ERR_MAX];
	int rc = dm_record_save(m, d, err, sizeof(err));
	if (rc < 0)
		dm_error_set(e, DM_ERR_FAILED, NULL, "%s", err);
	return rc;
}

/* Reads D's info and writes its record: after a change that is no lifecycle
 * change (name, affinity), so nobody is notified. */
static int save_info(struct dm *m, struct dm_domain *d, struct dm_error *e)
{
	int rc = hv_domain_getinfo(m->hv, d->domid, &d->info);
	if (rc < 0)
		return dm_hv_fail(m, e, rc, "cannot read the state of", d->name);
	return save_record(m, d, e);
}

/* A memory change that could not be completed: the hypervisor's setting,
 * and xenstore's when XS_DONE, back to WAS KiB. */
static void memory_undo(struct dm *m, struct dm_domain *d, bool max, uint64_t was, bool xs_done)
{
	const char *what = max ? "maximum memory" : "memory target";
	char err[XCD_ERR_MAX];
	if ((max ? hv_set_max_mem(m->hv, d->domid, was) : hv_set_target_mem(m->hv, d->domid, was)) < 0)
		log_err("domain %s: cannot put its %s back to %llu KiB: %s", d->name, what,
			(unsigned long long)was, hv_error(m->hv));
	if (xs_done && m->xs &&
	    xsd_set_memory(m->xs, d->domid, max ? "static-max" : "target", was, err,
			   sizeof(err)) < 0)
		log_err("domain %s: cannot put its %s back to %llu KiB: %s", d->name, what,
			(unsigned long long)was, err);
	if (hv_domain_getinfo(m->hv, d->domid, &d->info) < 0)
		log_debug("domain %s: %s", d->name, hv_error(m->hv));
}

int dm_set_memory(struct dm *m, struct dm_domain *d, bool max, uint64_t kb,
		  struct dm_error *e)
{
	int rc = hv_domain_getinfo(m->hv, d->domid, &d->info);
	if (rc < 0)
		return dm_hv_fail(m, e, rc, "cannot read the state of", d->name);
	if (kb == 0) {
		dm_error_set(e, DM_ERR_INVALID, "params.memory_kb",
				  "params.memory_kb: 0 KiB is no memory");
		return -EINVAL;
	}
	if (!max && kb > d->info.max_mem_kb) {
		dm_error_set(e, DM_ERR_INVALID, "params.memory_kb",
				  "%s: a target of %llu KiB is above the maximum of %llu KiB "
				  "(raise it with mem-max)", d->name, (unsigned long long)kb,
				  (unsigned long long)d->info.max_mem_kb);
		return -EINVAL;
	}
	if (max && kb < d->info.target_kb) {
		dm_error_set(e, DM_ERR_INVALID, "params.memory_kb",
				  "%s: a maximum of %llu KiB is below the target of %llu KiB "
				  "(lower it with mem-set first)", d->name, (unsigned long long)kb,
				  (unsigned long long)d->info.target_kb);
		return -EINVAL;
	}
	uint64_t was = max ? d->info.max_mem_kb : d->info.target_kb;
	rc = max ? hv_set_max_mem(m->hv, d->domid, kb) : hv_set_target_mem(m->hv, d->domid, kb);
	if (rc < 0) {
		dm_error_set(e, rc == -EINVAL ? DM_ERR_INVALID : DM_ERR_FAILED,
				  rc == -EINVAL ? "params.memory_kb" : NULL, "cannot set the %s of %s: %s",
				  max ? "maximum memory" : "memory target", d->name, hv_error(m->hv));
		return rc;
	}
	/* The guest's balloon driver follows memory/target: xl's protocol. */
	char err[XCD_ERR_MAX];
	if (m->xs && (rc = xsd_set_memory(m->xs, d->domid, max ? "static-max" : "target", kb, err,
					  sizeof(err))) < 0) {
		dm_error_set(e, DM_ERR_FAILED, NULL, "domain %s: %s", d->name, err);
		memory_undo(m, d, max, was, false);
		return rc;
	}
	/* The record holds what was asked, not the hypervisor's figure of this
	 * instant: a simulated guest still acting on the target written at
	 * create can put that one back in the sim's figure for a moment (its
	 * balloon sets it), and tests/system/xcdd/run once found the journal
	 * without the new target right after a mem-set, on a loaded machine. */
	if ((rc = hv_domain_getinfo(m->hv, d->domid, &d->info)) < 0)
		dm_hv_fail(m, e, rc, "cannot read the state of", d->name);
	else if (max)
		d->info.max_mem_kb = kb;
	else
		d->info.target_kb = kb;
	if (rc < 0 || (rc = save_record(m, d, e)) < 0) {
		/* A record that cannot be written (a full disk, no descriptor
		 * left) leaves the old setting everywhere. */
		memory_undo(m, d, max, was, true);
		char why[sizeof(e->message)];
		snprintf(why, sizeof(why), "%s", e->message);
		dm_error_set(e, DM_ERR_FAILED, NULL, "%s: the %s of %s stays %llu KiB", why,
				  max ? "maximum memory" : "memory target", d->name,
				  (unsigned long long)was);
		return rc;
	}
	log_info("domain %s (domid %u): memory %s %llu KiB", d->name, d->domid,
		 max ? "maximum" : "target", (unsigned long long)kb);
	return 0;
}

/* CONFIG (domcfg JSON) with c_info.name set to NAME, so `xcd list -l` and the
 * record agree with the new name. NULL when out of memory. */
static char *config_renamed(const char *config, const char *name)
{
	char perr[XCD_ERR_MAX];
	yajl_val t = yajl_tree_parse(config, perr, sizeof(perr));
	yajl_gen g = yajl_gen_alloc(NULL);
	char *out = NULL;
	if (!t || !g)
		goto out;
	const char *path[] = { "c_info", "name", NULL };
	yajl_val n = yajl_tree_get(t, path, yajl_t_string);
	char *was = n ? n->u.string : NULL;
	/* Lent for the generation only: the tree frees its own string. */
	if (n)
		n->u.string = (char *)name;
	int rc = json_gen_tree(g, t);
	if (n)
		n->u.string = was;
	const unsigned char *buf;
	size_t len;
	if (rc == 0 && yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
		out = strndup((const char *)buf, len);
out:
	if (g)
		yajl_gen_free(g);
	if (t)
		yajl_tree_free(t);
	return out;
}

int dm_rename(struct dm *m, struct dm_domain *d, const char *name, struct dm_error *e)
{
	if (dm_refuse_busy(d, e) < 0)
		return -EBUSY;
	return dm_rename_domain(m, d, name, e);
}

int dm_rename_unsaved(struct dm *m, struct dm_domain *d, const char *name, struct dm_error *e)
{
	int rc = dm_name_check(m, d, name, "params.new_name", e);
	if (rc < 0)
		return rc;
	char *copy = strdup(name), *cfg = config_renamed(d->config_json, name);
	if (!copy || !cfg) {
		free(copy);
		free(cfg);
		dm_error_set(e, DM_ERR_NOMEM, NULL, "out of memory");
		return -ENOMEM;
	}
	char err[XCD_ERR_MAX];
	if (m->xs && xsd_rename(m->xs, d->domid, UUID_STR(d->uuid), name, err, sizeof(err)) < 0) {
		dm_error_set(e, DM_ERR_FAILED, NULL, "domain %s: %s", d->name, err);
		free(copy);
		free(cfg);
		return -EIO;
	}
	log_info("domain %s (domid %u) renamed %s", d->name, d->domid, copy);
	free(d->name);
	free(d->config_json);
	d->name = copy;
	d->config_json = cfg;
	return 0;
}

int dm_rename_domain(struct dm *m, struct dm_domain *d, const char *name, struct dm_error *e)
{
	char *old = strdup(d->name), *old_cfg = strdup(d->config_json);
	int rc = old && old_cfg ? dm_rename_unsaved(m, d, name, e) : -ENOMEM;
	if (rc == -ENOMEM && (!old || !old_cfg))
		dm_error_set(e, DM_ERR_NOMEM, NULL, "out of memory");
	if (rc == 0 && (rc = save_info(m, d, e)) < 0) {
		char err[XCD_ERR_MAX];
		if (m->xs && xsd_rename(m->xs, d->domid, UUID_STR(d->uuid), old, err,
					sizeof(err)) < 0)
			log_warn("domain %s: %s", old, err);
		free(d->name);
		free(d->config_json);
		d->name = old;
		d->config_json = old_cfg;
		return rc;
	}
	free(old);
	free(old_cfg);
	return rc;
}

static int parse_cpus(const char *list, unsigned nr_cpus, const char *field, struct cpumap *out,
		      struct dm_error *e)
{
	struct domcfg_host host = { nr_cpus, 0, NULL };
	char err[XCD_ERR_MAX];
	if (domcfg_parse_cpulist(list, &host, out, err, sizeof(err)) < 0) {
		dm_error_set(e, DM_ERR_INVALID, field, "%s: \"%.60s\": %s", field,
				  list, err);
		return -EINVAL;
	}
	return 0;
}

int dm_vcpu_pin(struct dm *m, struct dm_domain *d, long long vcpu, const char *hard,
		const char *soft, unsigned nr_cpus, struct dm_error *e)
{
	int rc = hv_domain_getinfo(m->hv, d->domid, &d->info);
	if (rc < 0)
		return dm_hv_fail(m, e, rc, "cannot read the state of", d->name);
	uint32_t n = d->info.max_vcpus;
	if (vcpu >= (long long)n) {
		dm_error_set(e, DM_ERR_INVALID, "params.vcpu",
				  "%s has %u vCPUs: there is no vCPU %lld", d->name, n, vcpu);
		return -EINVAL;
	}
	struct cpumap hm, sm;
	if ((hard && parse_cpus(hard, nr_cpus, "params.cpus", &hm, e) < 0) ||
	    (soft && parse_cpus(soft, nr_cpus, "params.cpus_soft", &sm, e) < 0))
		return -EINVAL;
	uint32_t first = vcpu < 0 ? 0 : (uint32_t)vcpu, last = vcpu < 0 ? n : first + 1;
	if (soft && !d->soft) {
		if (!(d->soft = calloc(n, sizeof(*d->soft)))) {
			dm_error_set(e, DM_ERR_NOMEM, NULL, "out of memory");
			return -ENOMEM;
		}
		memset(d->soft, 0xff, n * sizeof(*d->soft));
		d->n_soft = n;
	}
	uint8_t map[DOMCFG_MAX_CPUS / 8];
	size_t len = (nr_cpus + 7) / 8;
	if (hard)
		dm_cpumap_bytes(&hm, map, len);
	/* What was there, put back if a step fails: the hypervisor's hard
	 * affinities and the soft ones the record holds. */
	uint8_t *old_hard = hard ? calloc(last - first, len) : NULL;
	struct cpumap *old_soft = soft ? calloc(d->n_soft, sizeof(*old_soft)) : NULL;
	if ((hard && !old_hard) || (soft && d->n_soft && !old_soft)) {
		free(old_hard);
		free(old_soft);
		dm_error_set(e, DM_ERR_NOMEM, NULL, "out of memory");
		return -ENOMEM;
	}
	if (soft && d->n_soft)
		memcpy(old_soft, d->soft, d->n_soft * sizeof(*old_soft));
	uint32_t v, set = first;
	for (v = first; hard && v < last; v++)
		if ((rc = hv_vcpu_get_affinity(m->hv, d->domid, v, old_hard + (v - first) * len,
					       len)) < 0) {
			char what[64];
			snprintf(what, sizeof(what), "cannot read the affinity of vCPU %u of", v);
			dm_hv_fail(m, e, rc, what, d->name);
			goto out;
		}
	for (v = first; v < last; v++, set = v) {
		if (hard && (rc = hv_vcpu_set_affinity(m->hv, d->domid, v, map, len)) < 0) {
			char what[64];
			snprintf(what, sizeof(what), "cannot pin vCPU %u of", v);
			dm_hv_fail(m, e, rc, what, d->name);
			goto undo;
		}
		if (soft && v < d->n_soft)
			d->soft[v] = sm;
	}
	if ((rc = save_info(m, d, e)) < 0)
		goto undo;
	char which[24];
	snprintf(which, sizeof(which), vcpu < 0 ? "all" : "%lld", vcpu);
	log_info("domain %s (domid %u): vCPU %s pinned to %s / %s", d->name, d->domid, which,
		 hard ? hard : "(unchanged)", soft ? soft : "(unchanged)");
	goto out;
undo:
	for (v = first; hard && v < set; v++)
		if (hv_vcpu_set_affinity(m->hv, d->domid, v, old_hard + (v - first) * len, len) < 0)
			log_err("domain %s: cannot put the affinity of vCPU %u back: %s", d->name,
				v, hv_error(m->hv));
	if (soft && d->n_soft)
		memcpy(d->soft, old_soft, d->n_soft * sizeof(*old_soft));
out:
	free(old_hard);
	free(old_soft);
	return rc;
}

int dm_shutdown(struct dm *m, struct dm_domain *d, bool reboot, bool force, const char **how,
		struct dm_error *e)
{
	const char *cmd = reboot ? "reboot" : "poweroff";
	if (dm_refuse_busy(d, e) < 0)
		return -EBUSY;
	int rc = hv_domain_getinfo(m->hv, d->domid, &d->info);
	if (rc < 0)
		return dm_hv_fail(m, e, rc, "cannot read the state of", d->name);
	if (d->info.flags & (HV_DOMF_SHUTDOWN | HV_DOMF_DYING)) {
		dm_error_set(e, DM_ERR_STATE, NULL, "domain %s is shut down already",
				  d->name);
		return -EINVAL;
	}
	char err[XCD_ERR_MAX];
	if (m->xs && xsd_pv_control(m->xs, d->domid, cmd)) {
		if ((rc = xsd_request_shutdown(m->xs, d->domid, cmd, err, sizeof(err))) < 0) {
			dm_error_set(e, DM_ERR_FAILED, NULL, "domain %s: %s", d->name, err);
			return rc;
		}
		*how = "pv";
	} else if (force) {
		rc = hv_domain_shutdown(m->hv, d->domid,
					reboot ? HV_SHUTDOWN_REBOOT : HV_SHUTDOWN_POWEROFF);
		if (rc < 0)
			return dm_hv_fail(m, e, rc, "cannot shut down domain", d->name);
		*how = "hypervisor";
	} else {
		dm_error_set(e, DM_ERR_FAILED, NULL,
				  "domain %s: PV control interface not available "
				  "(control/feature-%s is not 1): it cannot be asked to %s; "
				  "use -F to %s through the hypervisor", d->name, cmd, cmd,
				  reboot ? "reboot it" : "power it off");
		return -EOPNOTSUPP;
	}
	log_info("domain %s (domid %u): %s requested (%s)", d->name, d->domid, cmd, *how);
	return 0;
}

int dm_vcpu_set(struct dm *m, struct dm_domain *d, long long n, struct dm_error *e)
{
	int rc = hv_domain_getinfo(m->hv, d->domid, &d->info);
	if (rc < 0)
		return dm_hv_fail(m, e, rc, "cannot read the state of", d->name);
	if (n < 1 || n > (long long)d->info.max_vcpus) {
		dm_error_set(e, DM_ERR_INVALID, "params.vcpus",
				  "%s: %lld vCPUs: between 1 and its maximum of %u", d->name, n,
				  d->info.max_vcpus);
		return -EINVAL;
	}
	char err[XCD_ERR_MAX];
	/* The guest brings them up and down itself, watching availability. */
	if (m->xs && (rc = xsd_set_vcpus(m->xs, d->domid, d->info.max_vcpus, (uint32_t)n, err,
					 sizeof(err))) < 0) {
		dm_error_set(e, DM_ERR_FAILED, NULL, "domain %s: %s", d->name, err);
		return rc;
	}
	log_info("domain %s (domid %u): %lld of %u vCPUs online", d->name, d->domid, n,
		 d->info.max_vcpus);
	return 0;
}
