/* restore: dm_restore, a domain made from an xl save file: its configuration
 * read here, its memory and vCPUs filled by a job (libmigrate), then made
 * runnable, introduced and given its devices as a create. */
#include "dm_internal.h"
#include "../../lib/errmsg.h"
#include "../../lib/log.h"
#include "../../lib/uuid.h"
#include "../../migrate/migrate.h"
#include "../cfgload.h"
#include "../xs_domain.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What the child needs: its own connection to the host, the domain, the file. */
struct fill_work {
	enum hv_backend backend;
	const char *sim_sock;
	uint32_t domid;
	const char *file;
};

static int fill_work(int fd, void *arg, char *err, size_t errlen)
{
	struct fill_work *w = arg;
	struct hv *hv;
	int rc = dm_job_hv(w->backend, w->sim_sock, &hv, err, errlen);
	if (rc < 0)
		return rc;
	int in_fd = open(w->file, O_RDONLY | O_CLOEXEC);
	struct mig_in in;
	if (in_fd < 0 || mig_in_fd(&in, in_fd) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot read %s: %s", w->file, strerror(errno));
		if (in_fd >= 0)
			close(in_fd);
		hv_close(hv);
		return rc ? rc : -EIO;
	}
	char *config = NULL;
	uint32_t len;
	struct dm_job_progress p = { fd, { 0, 0 } };
	struct mig_progress prog = { dm_job_progress, &p, NULL };
	rc = mig_read_xl_config(&in, 0, &config, &len, err, errlen);
	free(config);
	if (rc == 0)
		rc = mig_restore(hv, w->domid, &in, &prog, err, errlen);
	mig_in_free(&in);
	close(in_fd);
	hv_close(hv);
	return rc;
}

static void fill_progress(uint64_t done, uint64_t total, void *arg)
{
	struct dm_op *op = arg;
	if (op->m->progress && op->d)
		op->m->progress(op->m, op->d, "restore", done, total, op->m->arg);
}

/* The job filled the domain (or failed): made runnable, introduced, its
 * devices added (devphase.c goes on to dm_create_finish), or undone. For a
 * restore and for a migration received alike (the record's kind says which). */
void dm_restore_filled(int rc, bool reported, const char *err, void *arg)
{
	struct dm_op *op = arg;
	struct dm *m = op->m;
	struct dm_domain *d = op->d;
	bool in = d->pending.kind == DM_PENDING_MIGRATE_IN;
	char xerr[XCD_ERR_MAX];
	op->job = NULL;
	(void)reported;
	if (rc < 0) {
		if (in)
			dm_error_set(&op->e, DM_ERR_INVALID, NULL, "receiving %s: %s", d->name, err);
		else
			dm_error_set(&op->e, DM_ERR_INVALID, "params.file",
				     "restoring %s from %s: %s", d->name, d->pending.file, err);
		goto undo;
	}
	struct hv_build_spec spec = { 0 };
	struct hv_build_result built = { 0 };
	if ((rc = hv_domain_restore_finish(m->hv, d->domid, &spec, &built)) < 0) {
		dm_hv_fail(m, &op->e, rc, "cannot restore domain", d->name);
		goto undo;
	}
	d->built = built;
	/* A restore's step is journaled; a migration's is not: before "go",
	 * each of its steps is settled alike (the copy destroyed), and the
	 * guest's downtime waits for each write. */
	if (!in)
		dm_pending_set(m, d, d->pending.kind, "filled");
	dm_crash_point(m, in ? "migrate-in:filled" : "restore:filled");
	if (m->xs && (rc = xsd_built(m->xs, d->domid, &built, xerr, sizeof(xerr))) < 0) {
		dm_error_set(&op->e, DM_ERR_FAILED, NULL, "domain %s: %s", d->name, xerr);
		goto undo;
	}
	const struct domcfg *cfg = d->cfg->cfg;
	struct hv_dominfo i;
	if ((rc = hv_domain_getinfo(m->hv, d->domid, &i)) < 0) {
		dm_hv_fail(m, &op->e, rc, "cannot read the state of", d->name);
		goto undo;
	}
	if (i.type == HV_DOM_PVH && m->xs &&
	    (rc = xsd_resumed_features(m->xs, d->domid, xerr, sizeof(xerr))) < 0) {
		dm_error_set(&op->e, DM_ERR_FAILED, NULL, "domain %s: %s", d->name, xerr);
		goto undo;
	}
	if ((rc = dm_apply_config(m, d, cfg, i.max_vcpus, &op->e)) < 0)
		goto undo;
	if (in)
		dm_migrate_in_filled(op); /* its devices came while its memory did */
	else
		dm_op_devices(op, true, cfg);
	return;
undo:
	if (in) {
		dm_migrate_in_undo(op, rc);
		return;
	}
	op->d = NULL; /* freed with the domain */
	dm_create_undo(m, d);
	dm_op_end(op, rc, NULL);
}

int dm_restore_fill(struct dm_op *op, const char *file, struct dm_error *e)
{
	struct dm *m = op->m;
	if (!m->jobs.loop || m->job_backend == HV_AUTO) {
		dm_error_set(e, DM_ERR_FAILED, NULL, "restoring needs xcdd's loop running");
		return -EAGAIN;
	}
	struct fill_work w = { m->job_backend, m->job_sim_sock, op->d->domid, file };
	char what[64], err[XCD_ERR_MAX];
	snprintf(what, sizeof(what), "restoring domain %u", op->d->domid);
	/* W is the child's copy after the fork: the parent's may go. */
	int rc = devjob_run(&m->jobs, what, fill_work, &w, fill_progress, dm_restore_filled, op,
			    &op->job, err, sizeof(err));
	if (rc < 0) {
		dm_error_set(e, DM_ERR_FAILED, NULL, "domain %s: %s", op->d->name, err);
		return rc;
	}
	dm_pending_set(m, op->d, DM_PENDING_RESTORE, "filling");
	dm_crash_point(m, "restore:job");
	return 0;
}

int dm_config_from_json(const char *file, const char *field, const char *json,
			struct domcfg **cfg, struct dm_source **src, uint8_t uuid[16],
			bool *have_uuid, struct dm_error *e)
{
	char perr[XCD_ERR_MAX];
	yajl_val t = yajl_tree_parse(json, perr, sizeof(perr));
	const char *p_src[] = { "xcd_source", NULL }, *p_text[] = { "text", NULL },
		   *p_file[] = { "file", NULL }, *p_ov[] = { "overrides", NULL },
		   *p_uuid[] = { "uuid", NULL };
	yajl_val s = t ? yajl_tree_get(t, p_src, yajl_t_object) : NULL;
	yajl_val text = s ? yajl_tree_get(s, p_text, yajl_t_string) : NULL;
	yajl_val name = s ? yajl_tree_get(s, p_file, yajl_t_string) : NULL;
	yajl_val ov = s ? yajl_tree_get(s, p_ov, yajl_t_array) : NULL;
	yajl_val u = s ? yajl_tree_get(s, p_uuid, yajl_t_string) : NULL;
	if (!t) {
		dm_error_set(e, DM_ERR_INVALID, field, "%s: its configuration is not JSON: "
			     "%s", file, perr);
		return -EINVAL;
	}
	if (!text || !name) {
		yajl_tree_free(t);
		dm_error_set(e, DM_ERR_CONFIG, "params.config", "%s: its configuration holds no "
			     "xl.cfg text (from xl?): give the configuration file", file);
		return -EINVAL;
	}
	struct dm_source in = { YAJL_GET_STRING(name), YAJL_GET_STRING(text), NULL, 0 };
	in.overrides = calloc(ov ? ov->u.array.len + 1 : 1, sizeof(char *));
	for (size_t i = 0; in.overrides && ov && i < ov->u.array.len; i++)
		if (YAJL_IS_STRING(ov->u.array.values[i]))
			in.overrides[in.n_overrides++] = YAJL_GET_STRING(ov->u.array.values[i]);
	*have_uuid = u && uuid_parse(YAJL_GET_STRING(u), uuid) == 0;
	*src = in.overrides ? dm_source_dup(&in) : NULL;
	int rc = -ENOMEM;
	char err[XCD_ERR_MAX] = "out of memory";
	if (*src)
		rc = dm_reparse(*src, cfg, err, sizeof(err));
	free(in.overrides);
	yajl_tree_free(t);
	if (rc < 0) {
		dm_error_set(e, rc == -ENOMEM ? DM_ERR_NOMEM : DM_ERR_CONFIG, field,
			     "%s: its configuration: %s", file, err);
		if (*src)
			dm_source_free(*src);
		*src = NULL;
	}
	return rc;
}

int dm_restore(struct dm *m, const char *file, struct domcfg *cfg, const struct dm_source *src,
	       bool paused, dm_done_fn *done, void *arg, struct dm_error *e)
{
	struct dm_source *own_src = NULL;
	uint8_t uuid[16];
	bool have_uuid = false;
	int rc;
	if (!file || file[0] != '/' || strlen(file) >= DM_SAVE_PATH_MAX) {
		dm_error_set(e, DM_ERR_INVALID, "params.file",
			     "params.file: expected an absolute path of less than %d bytes",
			     DM_SAVE_PATH_MAX);
		rc = -EINVAL;
		goto fail;
	}
	/* The header and configuration, read here (bounded: 1 MiB); the rest,
	 * the memory, by the job. */
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	struct mig_in in;
	char *json = NULL, err[XCD_ERR_MAX];
	uint32_t len = 0;
	if (fd < 0 || mig_in_fd(&in, fd) < 0) {
		rc = -errno;
		dm_error_set(e, DM_ERR_INVALID, "params.file", "params.file: cannot read %s: %s",
			     file, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	rc = mig_read_xl_config(&in, 0, &json, &len, err, sizeof(err));
	mig_in_free(&in);
	close(fd);
	if (rc == 0 && !json) {
		snprintf(err, sizeof(err), "the file has no configuration");
		rc = -EPROTO;
	}
	if (rc < 0) {
		dm_error_set(e, DM_ERR_INVALID, "params.file", "%s: %s", file, err);
		goto fail;
	}
	if (!cfg) {
		rc = dm_config_from_json(file, "params.file", json, &cfg, &own_src, uuid, &have_uuid,
					 e);
		src = own_src;
	}
	free(json);
	if (rc < 0)
		goto fail;
	struct dm_cfg *held = dm_cfg_hold(cfg);
	cfg = NULL;
	if (!held) {
		dm_error_set(e, DM_ERR_NOMEM, NULL, "out of memory");
		rc = -ENOMEM;
		goto fail;
	}
	rc = dm_restore_domain(m, held, have_uuid ? uuid : NULL, src, paused, file, done, arg, e);
	dm_cfg_put(held);
fail:
	if (cfg)
		domcfg_free(cfg);
	if (own_src)
		dm_source_free(own_src);
	return rc;
}
