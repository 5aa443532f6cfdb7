/* save: dm_save, a domain written to an xl save file by a job (libmigrate),
 * then destroyed or running again; and what a dead xcdd left of a save. */
#include "dm_internal.h"
#include "../../lib/errmsg.h"
#include "../../lib/jsonw.h"
#include "../../lib/log.h"
#include "../../migrate/migrate.h"
#include "../actions.h"
#include "../json_tree.h"
#include "../xs_domain.h"
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int dm_save_tmp(const char *file, char *out, size_t len)
{
	int n = snprintf(out, len, "%s.tmp", file);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* What the child needs: its own connection to the host, the domain, where
 * to write, and the configuration that heads the file. */
struct save_work {
	enum hv_backend backend;
	const char *sim_sock;
	uint32_t domid;
	bool suspend; /* a PVH or Xen PV guest: asked to suspend itself; the job waits */
	bool libxc;   /* a Xen PV guest: libxenguest writes its libxc stream */
	char tmp[DM_SAVE_PATH_MAX + 8];
	char *config; /* JSON, with its NUL */
	uint32_t config_len;
	enum mig_compress compress;
};

static int save_work(int fd, void *arg, char *err, size_t errlen)
{
	struct save_work *w = arg;
	struct hv *hv;
	int rc = dm_job_hv(w->backend, w->sim_sock, &hv, err, errlen);
	if (rc < 0)
		return rc;
	/* O_NOFOLLOW: a link planted at FILE.tmp is not followed elsewhere. */
	int out = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	struct mig_out o;
	if (out < 0 || fchmod(out, 0600) < 0 || mig_out_init(&o, out) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot write %s: %s", w->tmp, strerror(errno));
		if (out >= 0)
			close(out);
		hv_close(hv);
		return rc ? rc : -EIO;
	}
	struct dm_job_progress p = { fd, { 0, 0 } };
	struct mig_progress prog = { dm_job_progress, &p, NULL };
	struct mig_save_stats st;
	if (w->suspend && (rc = hv_domain_suspend(hv, w->domid)) < 0) {
		snprintf(err, errlen, "the guest did not suspend itself: %s", hv_error(hv));
		mig_out_free(&o);
		close(out);
		hv_close(hv);
		return rc;
	}
	struct hv_dominfo i;
	if (!w->suspend && hv_domain_getinfo(hv, w->domid, &i) == 0 &&
	    (i.flags & HV_DOMF_SHUTDOWN) && i.shutdown_reason != HV_SHUTDOWN_SUSPEND) {
		/* It shut itself down before xcdd paused it: nothing runs to be
		 * saved, and its on_* action, not the save's destroy, is its end. */
		snprintf(err, errlen, "domain %u had shut itself down (%s) when it was paused for "
			 "its save", w->domid, dm_reason_name(i.shutdown_reason));
		mig_out_free(&o);
		close(out);
		hv_close(hv);
		return -ESRCH;
	}
	if (w->libxc)
		rc = mig_save_pv(hv, w->domid, &o, w->config, w->config_len, &prog, &st, err,
				 errlen);
	else
		rc = mig_save(hv, w->domid, &o, w->config, w->config_len, w->compress, &prog,
			      &st, err, errlen);
	mig_out_free(&o);
	if (rc == 0 && fsync(out) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: fsync: %s", w->tmp, strerror(errno));
	}
	close(out);
	hv_close(hv);
	if (rc == 0 && w->libxc)
		log_info("saved domain %u through libxenguest: %llu bytes", w->domid,
			 (unsigned long long)st.bytes);
	else if (rc == 0)
		log_info("saved domain %u: %llu pages (%llu zero), %llu bytes, %llu saved by zero "
			 "pages and %llu by compression (%s)", w->domid,
			 (unsigned long long)st.pages, (unsigned long long)st.zero_pages,
			 (unsigned long long)st.bytes, (unsigned long long)st.zero_pages * 4096,
			 (unsigned long long)st.z_saved, mig_compress_name(w->compress));
	return rc;
}

/* The file's configuration: the domain's libxl JSON (what xl restore reads)
 * with "xcd_source", the xl.cfg text and overrides and the uuid, which xcd
 * restore makes the domain from (libxl ignores keys it does not know). */
char *dm_save_config(const struct dm_domain *d, const struct dm_source *src,
		     const uint8_t *mig_id, uint32_t *len)
{
	char perr[XCD_ERR_MAX];
	yajl_val cfg = yajl_tree_parse(d->config_json, perr, sizeof(perr));
	yajl_gen g = yajl_gen_alloc(NULL);
	char *out = NULL;
	if (!cfg || !g || !YAJL_IS_OBJECT(cfg) || yajl_gen_map_open(g) != yajl_gen_status_ok)
		goto done;
	for (size_t i = 0; i < cfg->u.object.len; i++)
		if (jw_str(g, cfg->u.object.keys[i]) || json_gen_tree(g, cfg->u.object.values[i]))
			goto done;
	if (!src)
		src = d->source;
	if (src) {
		if (jw_str(g, "xcd_source") || yajl_gen_map_open(g) != yajl_gen_status_ok ||
		    jw_kv_str(g, "uuid", UUID_STR(d->uuid)) ||
		    (mig_id && jw_kv_str(g, "migration", UUID_STR(mig_id))) ||
		    jw_kv_str(g, "file", src->file) ||
		    jw_kv_str(g, "text", src->text) || jw_str(g, "overrides") ||
		    yajl_gen_array_open(g) != yajl_gen_status_ok)
			goto done;
		for (size_t i = 0; i < src->n_overrides; i++)
			if (jw_str(g, src->overrides[i]))
				goto done;
		if (yajl_gen_array_close(g) != yajl_gen_status_ok ||
		    yajl_gen_map_close(g) != yajl_gen_status_ok)
			goto done;
	}
	if (yajl_gen_map_close(g) != yajl_gen_status_ok)
		goto done;
	const unsigned char *buf;
	size_t n;
	yajl_gen_get_buf(g, &buf, &n);
	if (n < UINT32_MAX && (out = malloc(n + 1))) {
		memcpy(out, buf, n);
		out[n] = '\0';
		*len = (uint32_t)n + 1;
	}
done:
	if (cfg)
		yajl_tree_free(cfg);
	if (g)
		yajl_gen_free(g);
	return out;
}

/* A Xen PV guest (not a simulated one, whose kernel is a guest program):
 * its memory goes through libxenguest's stream. */
static bool libxc_pv(const struct dm_domain *d, const struct hv_dominfo *i)
{
	const struct domcfg *cfg = dm_domain_config(d);
	return i->type == HV_DOM_PV &&
	       !(cfg && cfg->kernel && strncmp(cfg->kernel, "sim:", 4) == 0);
}

/* The guest suspends itself for its save (as xl's do): PVH guests and Xen
 * PV guests; a simulated PV guest is paused. */
static bool suspends(const struct dm_domain *d, const struct hv_dominfo *i)
{
	return i->type == HV_DOM_PVH || libxc_pv(d, i);
}

/* A guest suspended for its save (PVH, Xen PV) runs again: fast resume (its
 * suspend hypercall returns "cancelled"), and a request it did not act on
 * is taken back. */
void dm_resume_suspended(struct dm *m, struct dm_domain *d, const struct hv_dominfo *i)
{
	char err[XCD_ERR_MAX];
	if (m->xs && xsd_request_shutdown(m->xs, d->domid, "", err, sizeof(err)) < 0)
		log_warn("domain %s: %s", d->name, err);
	if (!(i->flags & HV_DOMF_SHUTDOWN) || i->shutdown_reason != HV_SHUTDOWN_SUSPEND)
		return;
	if (hv_domain_resume(m->hv, d->domid) < 0) {
		log_err("domain %s (domid %u): cannot resume it after its save: %s", d->name,
			d->domid, hv_error(m->hv));
		return;
	}
	/* xenstored reports a domain's shutdown once (@releaseDomain) until it
	 * is told that the domain runs again: its next one (a poweroff, the
	 * suspend of its next migration) is then seen at once again. */
	if (m->xs && !xs_resume_domain(m->xs, d->domid))
		log_warn("domain %s (domid %u): xenstore RESUME: %s", d->name, d->domid,
			 strerror(errno));
}

/* D runs again as it was before the save (or stays paused: LEAVE_PAUSED). */
static void resume_as_was(struct dm *m, struct dm_domain *d, bool leave_paused)
{
	struct hv_dominfo i;
	if (hv_domain_getinfo(m->hv, d->domid, &i) < 0)
		return;
	if (suspends(d, &i) && !d->pending.was_paused) {
		dm_resume_suspended(m, d, &i);
		if (leave_paused && hv_domain_pause(m->hv, d->domid) < 0)
			log_err("domain %s (domid %u): cannot pause it after its save: %s",
				d->name, d->domid, hv_error(m->hv));
		return;
	}
	if (d->pending.was_paused || leave_paused || !(i.flags & HV_DOMF_PAUSED))
		return;
	if (hv_domain_unpause(m->hv, d->domid) < 0)
		log_err("domain %s (domid %u): cannot unpause it after its save: %s", d->name,
			d->domid, hv_error(m->hv));
}

/* The save failed or was given up: FILE.tmp removed, D as it was. */
static void save_rollback(struct dm *m, struct dm_domain *d)
{
	char tmp[DM_SAVE_PATH_MAX + 8];
	if (dm_save_tmp(d->pending.file, tmp, sizeof(tmp)) == 0 && unlink(tmp) < 0 &&
	    errno != ENOENT)
		log_warn("domain %s: cannot remove %s: %s", d->name, tmp, strerror(errno));
	resume_as_was(m, d, false);
	memset(&d->pending, 0, sizeof(d->pending));
	struct dm_error e = { 0 };
	if (dm_refresh(m, d, &e) < 0)
		log_warn("%s", e.message);
}

/* FILE.tmp is whole: it becomes FILE, durably (the directory synced). */
static int save_commit(const char *file, char *err, size_t errlen)
{
	char tmp[DM_SAVE_PATH_MAX + 8], dir[DM_SAVE_PATH_MAX];
	if (dm_save_tmp(file, tmp, sizeof(tmp)) < 0 || rename(tmp, file) < 0) {
		int rc = -errno;
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, file, strerror(errno));
		return rc ? rc : -ENAMETOOLONG;
	}
	snprintf(dir, sizeof(dir), "%s", file);
	int fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		if (fsync(fd) < 0)
			log_warn("%s: fsync: %s", dir, strerror(errno));
		close(fd);
	}
	return 0;
}

/* dm_destroy's DONE after a save: the save's caller is told. */
static void save_destroyed(struct dm *m, int rc, struct dm_domain *d, const struct dm_error *e,
			   void *arg)
{
	struct dm_op *op = arg;
	(void)d;
	if (rc < 0)
		op->e = *e;
	dm_op_end(op, rc, NULL);
}

static void save_progress(uint64_t done, uint64_t total, void *arg)
{
	struct dm_op *op = arg;
	if (op->m->progress && op->d)
		op->m->progress(op->m, op->d, "save", done, total, op->m->arg);
}

static void save_job_done(int rc, bool reported, const char *err, void *arg)
{
	struct dm_op *op = arg;
	struct dm *m = op->m;
	struct dm_domain *d = op->d;
	/* Not XCD_ERR_MAX: a rename's message names up to three paths of
	 * DM_SAVE_PATH_MAX bytes each. */
	char cerr[3 * DM_SAVE_PATH_MAX];
	op->job = NULL;
	(void)reported;
	if (rc == 0) {
		dm_crash_point(m, "save:written");
		rc = save_commit(d->pending.file, cerr, sizeof(cerr));
		err = cerr;
	}
	if (rc < 0) {
		char left[160];
		save_rollback(m, d);
		dm_error_set(&op->e, DM_ERR_FAILED, NULL, "saving domain %s to %s: %s; %s",
			     d->name, d->pending.file, err, dm_left_as(m, d, left, sizeof(left)));
		dm_op_end(op, rc, NULL);
		return;
	}
	log_info("domain %s (domid %u) saved to %s", d->name, d->domid, d->pending.file);
	/* The file is whole: from here a dead xcdd's save is rolled forward. */
	dm_pending_set(m, d, DM_PENDING_SAVE, "saved");
	dm_crash_point(m, "save:renamed");
	if (d->pending.keep) {
		resume_as_was(m, d, d->pending.leave_paused);
		memset(&d->pending, 0, sizeof(d->pending));
		int r = dm_refresh(m, d, &op->e);
		dm_op_end(op, r, r == 0 ? d : NULL);
		return;
	}
	/* The destroy is an operation of its own, whose end ends this one. */
	d->op = NULL;
	op->d = NULL;
	struct dm_error e = { 0 };
	if (dm_destroy(m, d, save_destroyed, op, &e) < 0) {
		op->e = e;
		dm_op_end(op, -EIO, NULL);
	}
}

/* Whether D may be saved to FILE now (its state in *I): 0, or the refusal. */
static int save_allowed(struct dm *m, struct dm_domain *d, const char *file,
			struct hv_dominfo *i, struct dm_error *e)
{
	if (dm_refuse_busy(d, e) < 0)
		return -EBUSY;
	if (!file || file[0] != '/' || strlen(file) + 8 >= DM_SAVE_PATH_MAX) {
		dm_error_set(e, DM_ERR_INVALID, "params.file",
			     "params.file: expected an absolute path of less than %d bytes",
			     DM_SAVE_PATH_MAX - 8);
		return -EINVAL;
	}
	int rc = hv_domain_getinfo(m->hv, d->domid, i);
	if (rc < 0)
		return dm_hv_fail(m, e, rc, "cannot read the state of", d->name);
	/* libmigrate writes a PVH guest's state (either backend) and a
	 * simulated PV guest's; libxenguest a Xen PV guest's (hv_pv_save). */
	bool susp = suspends(d, i);
	const char *kind = i->type == HV_DOM_PVH ? "PVH" : "PV";
	if (dm_refuse_shut_down(d, i, "save", e) < 0)
		return -EBUSY;
	if (susp && (i->flags & (HV_DOMF_PAUSED | HV_DOMF_SHUTDOWN))) {
		dm_error_set(e, DM_ERR_STATE, NULL, "domain %s is %s: a %s guest suspends itself "
			     "for its save (as xl's does), which it cannot do now; unpause it "
			     "first", d->name, i->flags & HV_DOMF_PAUSED ? "paused" : "suspended",
			     kind);
		return -EBUSY;
	}
	if ((susp && !m->xs) || !m->jobs.loop || m->job_backend == HV_AUTO) {
		dm_error_set(e, DM_ERR_FAILED, NULL, "saving %s needs xcdd's loop running%s%s%s",
			     d->name, susp ? " and xenstore (a " : "", susp ? kind : "",
			     susp ? " guest is asked to suspend there)" : "");
		return -EAGAIN;
	}
	struct stat st;
	if (stat(file, &st) == 0 && S_ISDIR(st.st_mode)) {
		dm_error_set(e, DM_ERR_INVALID, "params.file", "params.file: %s is a directory",
			     file);
		return -EISDIR;
	}
	return 0;
}

/* The save journaled, then D stopped: a PVH or Xen PV guest asked to suspend itself
 * (the job waits for it), another paused unless it is already. A dead
 * xcdd's successor reads the journal and lets it run again. */
static int save_stop(struct dm *m, struct dm_domain *d, const char *file, bool keep,
		     bool leave_paused, const struct hv_dominfo *i, struct dm_error *e)
{
	bool pvh = suspends(d, i);
	memset(&d->pending, 0, sizeof(d->pending));
	d->pending.kind = DM_PENDING_SAVE;
	snprintf(d->pending.file, sizeof(d->pending.file), "%s", file);
	d->pending.keep = keep || leave_paused;
	d->pending.leave_paused = leave_paused;
	d->pending.was_paused = (i->flags & HV_DOMF_PAUSED) != 0;
	dm_pending_set(m, d, DM_PENDING_SAVE, pvh ? "suspending" : "pausing");
	char xerr[XCD_ERR_MAX];
	int rc = 0;
	if (pvh && (rc = xsd_request_shutdown(m->xs, d->domid, "suspend", xerr,
					      sizeof(xerr))) < 0)
		dm_error_set(e, DM_ERR_FAILED, NULL, "domain %s: asking it to suspend: %s", d->name,
			     xerr);
	else if (!pvh && !d->pending.was_paused && (rc = hv_domain_pause(m->hv, d->domid)) < 0)
		dm_hv_fail(m, e, rc, "cannot pause domain", d->name);
	if (rc < 0) {
		memset(&d->pending, 0, sizeof(d->pending));
		dm_refresh(m, d, &(struct dm_error){ 0 });
	}
	return rc;
}

int dm_save(struct dm *m, struct dm_domain *d, const char *file, bool keep, bool leave_paused,
	    enum mig_compress compress, const struct dm_source *src, dm_done_fn *done,
	    void *arg, struct dm_error *e)
{
	struct hv_dominfo i;
	int rc = save_allowed(m, d, file, &i, e);
	if (rc < 0)
		return rc;
	if (compress != MIG_COMPRESS_OFF && libxc_pv(d, &i)) {
		dm_error_set(e, DM_ERR_INVALID, "params.compress", "domain %s: a PV guest on Xen "
			     "is saved by libxenguest, which does not compress: save it without "
			     "--compress", d->name);
		return -EOPNOTSUPP;
	}
	struct save_work *w = calloc(1, sizeof(*w));
	struct dm_op *op = w ? calloc(1, sizeof(*op)) : NULL;
	if (!op || !(w->config = dm_save_config(d, src, NULL, &w->config_len))) {
		if (w)
			free(w->config);
		free(w);
		free(op);
		dm_error_set(e, DM_ERR_NOMEM, NULL, "out of memory");
		return -ENOMEM;
	}
	dm_save_tmp(file, w->tmp, sizeof(w->tmp));
	w->backend = m->job_backend;
	w->sim_sock = m->job_sim_sock;
	w->domid = d->domid;
	w->suspend = suspends(d, &i);
	w->libxc = libxc_pv(d, &i);
	w->compress = compress;
	if ((rc = save_stop(m, d, file, keep, leave_paused, &i, e)) < 0) {
		free(w->config);
		free(w);
		free(op);
		return rc;
	}
	dm_pending_set(m, d, DM_PENDING_SAVE, "saving");
	dm_crash_point(m, "save:paused");
	op->m = m;
	op->d = d;
	op->kind = OP_SAVE;
	op->done = done;
	op->arg = arg;
	d->op = op;
	char what[64], err[XCD_ERR_MAX];
	snprintf(what, sizeof(what), "saving domain %u", d->domid);
	rc = devjob_run(&m->jobs, what, save_work, w, save_progress, save_job_done, op, &op->job,
			err, sizeof(err));
	free(w->config);
	free(w);
	if (rc < 0) {
		dm_error_set(e, DM_ERR_FAILED, NULL, "domain %s: %s", d->name, err);
		d->op = NULL;
		free(op);
		save_rollback(m, d);
		return rc;
	}
	dm_crash_point(m, "save:job");
	dm_notify(m, d, d->state);
	return 0;
}

/* A save that did not finish under the last xcdd: before FILE was whole,
 * rolled back (FILE.tmp removed, the domain as it was); after, rolled
 * forward (destroyed, or kept as -c or -p asked). */
void dm_settle_save(struct dm *m, struct dm_domain *d, bool present)
{
	bool saved = strcmp(d->pending.step, "saved") == 0;
	const char *there = present ? "" : ", no longer in the hypervisor";
	if (saved && !d->pending.keep) {
		log_info("domain %s (domid %u%s): its save to %s was written but not finished: "
			 "rolled forward (destroyed)", d->name, d->domid, there, d->pending.file);
		if (!present) {
			dm_drop(m, d, DM_DROP_STORE | DM_DROP_RECORD);
			return;
		}
		struct dm_error e = { 0 };
		if (dm_destroy(m, d, NULL, NULL, &e) < 0)
			log_err("%s", e.message);
		return;
	}
	log_info("domain %s (domid %u%s): its save to %s did not finish (step %s): %s", d->name,
		 d->domid, there, d->pending.file, d->pending.step,
		 saved ? "the file is whole; the domain is kept as asked"
		       : "rolled back (the partial file removed, the domain as it was)");
	if (!present) {
		char tmp[DM_SAVE_PATH_MAX + 8];
		if (!saved && dm_save_tmp(d->pending.file, tmp, sizeof(tmp)) == 0)
			unlink(tmp);
		dm_drop(m, d, DM_DROP_STORE | DM_DROP_RECORD);
		return;
	}
	if (saved) {
		resume_as_was(m, d, d->pending.leave_paused);
		memset(&d->pending, 0, sizeof(d->pending));
		struct dm_error e = { 0 };
		if (dm_refresh(m, d, &e) < 0)
			log_warn("%s", e.message);
		return;
	}
	save_rollback(m, d);
}
