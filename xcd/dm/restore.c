/* restore: dm_restore, a domain made from an xl save file: its configuration
 * read here, its memory and vCPUs filled by a job (libmigrate), then made
 * runnable, introduced and given its devices as a create. */
#include "dm_internal.h"
#include "../../lib/errmsg.h"
#include "../../lib/jsonw.h"
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
#include <yajl/yajl_gen.h>

/* The job's event: a Xen PV guest restored whole, its rings and channels. */
#define PV_RESTORED "pv-restored"

/* What the child needs: its own connection to the host, the domain, the file. */
struct fill_work {
	enum hv_backend backend;
	const char *sim_sock;
	uint32_t domid;
	const char *file;
};

/* A Xen PV guest restored whole by libxenguest in the child: its rings and
 * channels, which the daemon introduces, told as an event line. */
static int pv_restored_send(int fd, const struct hv_build_result *b, char *err,
			    size_t errlen)
{
	yajl_gen g = devjob_event_new(PV_RESTORED);
	if (!g || jw_kv_int(g, "store_mfn", (long long)b->store_pfn) ||
	    jw_kv_int(g, "store_port", b->store_port) ||
	    jw_kv_int(g, "console_mfn", (long long)b->console_pfn) ||
	    jw_kv_int(g, "console_port", b->console_port)) {
		if (g)
			yajl_gen_free(g);
		snprintf(err, errlen, "no memory to tell the restored guest's rings");
		return -ENOMEM;
	}
	devjob_event_send(fd, g);
	return 0;
}

/* One unsigned member of an event, at most MAX: 0, or -EPROTO. */
static int event_uint(yajl_val t, const char *key, uint64_t max, uint64_t *out)
{
	const char *path[] = { key, NULL };
	yajl_val v = yajl_tree_get(t, path, yajl_t_number);
	if (!v || !YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 0 ||
	    (uint64_t)YAJL_GET_INTEGER(v) > max)
		return -EPROTO;
	*out = (uint64_t)YAJL_GET_INTEGER(v);
	return 0;
}

/* The daemon's side: the job's PV_RESTORED event kept for dm_restore_filled. */
static void fill_event(const char *line, void *arg)
{
	struct dm_op *op = arg;
	char perr[128];
	yajl_val t = yajl_tree_parse(line, perr, sizeof(perr));
	const char *p_ev[] = { "event", NULL };
	yajl_val ev = t ? yajl_tree_get(t, p_ev, yajl_t_string) : NULL;
	uint64_t sm, sp, cm, cp;
	const char *name = ev ? YAJL_GET_STRING(ev) : NULL;
	if (name && strcmp(name, PV_RESTORED) == 0) {
		if (event_uint(t, "store_mfn", INT64_MAX, &sm) == 0 &&
		    event_uint(t, "store_port", UINT32_MAX, &sp) == 0 &&
		    event_uint(t, "console_mfn", INT64_MAX, &cm) == 0 &&
		    event_uint(t, "console_port", UINT32_MAX, &cp) == 0) {
			op->pv_built = true;
			op->built = (struct hv_build_result){ sm, (uint32_t)sp, (uint32_t)cp, cm };
		} else {
			log_warn("restoring domain %u: a malformed event from its job: %s",
				 op->d ? op->d->domid : 0, line);
		}
	}
	if (t)
		yajl_tree_free(t);
}

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
	struct hv_build_result pv;
	rc = mig_read_xl_config(&in, 0, &config, &len, err, errlen);
	free(config);
	if (rc == 0)
		rc = mig_restore(hv, w->domid, &in, &prog, &pv, err, errlen);
	if (rc == 1)
		rc = pv_restored_send(fd, &pv, err, errlen);
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
	struct hv_build_result built = op->built;
	/* A Xen PV guest: libxenguest restored it whole in the job. */
	if (!op->pv_built && (rc = hv_domain_restore_finish(m->hv, d->domid, &spec,
							      &built)) < 0) {
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
	if ((i.type == HV_DOM_PVH || op->pv_built) && m->xs &&
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
	struct devjob_extra x = { NULL, 0, fill_event, NULL };
	int rc = devjob_run_with(&m->jobs, what, &x, fill_work, &w, fill_progress,
				 dm_restore_filled, op, &op->job, err, sizeof(err));
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
	char perr[XCD_ERR_MAX] = "nested too deep";
	yajl_val t = domcfg_json_depth_ok(json, strlen(json))
			     ? yajl_tree_parse(json, perr, sizeof(perr))
			     : NULL;
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
	/* From xl (no xcd_source): libxl's JSON is the source itself, with
	 * the uuid in it (dm_reparse reads either). */
	bool libxl = !text || !name;
	struct dm_source in = { libxl ? (char *)file : YAJL_GET_STRING(name),
				libxl ? (char *)json : YAJL_GET_STRING(text), NULL, 0 };
	in.overrides = calloc(ov ? ov->u.array.len + 1 : 1, sizeof(char *));
	for (size_t i = 0; in.overrides && ov && i < ov->u.array.len; i++)
		if (YAJL_IS_STRING(ov->u.array.values[i]))
			in.overrides[in.n_overrides++] = YAJL_GET_STRING(ov->u.array.values[i]);
	*have_uuid = !libxl && u && uuid_parse(YAJL_GET_STRING(u), uuid) == 0;
	*src = in.overrides ? dm_source_dup(&in) : NULL;
	int rc = -ENOMEM;
	char err[XCD_ERR_MAX] = "out of memory";
	if (*src)
		rc = dm_reparse(*src, cfg, err, sizeof(err));
	if (rc == 0 && libxl) {
		memcpy(uuid, (*cfg)->uuid, 16);
		*have_uuid = true;
	}
	free(in.overrides);
	yajl_tree_free(t);
	if (rc < 0) {
		if (libxl) /* err begins with FILE */
			dm_error_set(e, rc == -ENOMEM ? DM_ERR_NOMEM : DM_ERR_CONFIG, field,
				     "%s (libxl's JSON configuration: give an xl.cfg file to use "
				     "instead)", err);
		else
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
