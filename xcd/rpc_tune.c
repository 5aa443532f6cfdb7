/* rpc_tune: the tune.* methods, answered from tune jobs (see rpc_tune.h). */
#include "rpc_tune.h"
#include "../lib/errmsg.h"
#include "../lib/jsonw.h"
#include "../lib/log.h"
#include "rpc_tune_apply.h"
#include "tune_live.h"
#include "tune_run.h"
#include "../blkback/measure.h"
#include "../lib/fdio.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One request whose answer a tune job makes. */
struct tune_wait {
	struct xcdd *x;
	struct client *client; /* NULL: gone away */
	struct jsonrpc_id id;
	enum tune_area area;
	enum tune_view view;
	char *policy_name, *policy_text;
	size_t policy_len;
	bool may_be_missing;
	unsigned confirm_s, fail_at; /* apply's */
	unsigned measure_s;	     /* verify's */
	const char *reason;	     /* settle's (a constant) */
	struct tune_dom *doms; /* storage on a live host: the managed domains */
	size_t n_doms;
	struct tune_wait *next;
};

static void wait_free(struct tune_wait *w)
{
	free(w->id.text);
	free(w->policy_name);
	free(w->policy_text);
	free(w->doms);
	free(w);
}

static void wait_unlink(struct tune_wait *w)
{
	for (struct tune_wait **p = &w->x->tune_waits; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			break;
		}
}

/* In the child: the live inputs when the sysroot is this host, then the
 * answer line. */
static int answer(const struct tune_wait *w, char **out, size_t *len)
{
	struct tune_req q = { .area = w->area, .view = w->view, .sysroot = w->x->tune_sysroot,
			      .policy_name = w->policy_name, .policy_text = w->policy_text,
			      .policy_len = w->policy_len, .may_be_missing = w->may_be_missing,
			      .journal_dir = w->x->tune_dir, .confirm_s = w->confirm_s,
			      .measure_s = w->measure_s,
			      .fail_at = w->fail_at, .reason = w->reason };
	char both[800] = "";
	struct blk_inputs live = { 0 };
	struct vbd_list vbds = { 0 };
	char *mp = NULL;
	if (w->area == TUNE_AREA_STORAGE && strcmp(q.sysroot, "/") == 0) {
		if (tune_live_storage(w->doms, w->n_doms, &live, &mp, &vbds, both, sizeof(both)) < 0)
			return -ENOMEM;
		q.live = &live;
		q.live_note = both;
	}
	int rc = tune_run(&q, &w->id, out, len);
	free(mp);
	vbds_free(&vbds);
	return rc;
}

/* The child: the answer line to the pipe. Exits 2 when it could not be
 * made, 3 when it could not be written. */
static int work(int fd, void *arg)
{
	char *out = NULL;
	size_t len = 0;
	if (answer(arg, &out, &len) < 0)
		return 2;
	return fd_write_all(fd, out, len) < 0 ? 3 : 0;
}

static void done(struct childjob_end *end, void *arg)
{
	struct tune_wait *w = arg;
	struct xcdd *x = w->x;
	wait_unlink(w);
	char *line = end->out, noanswer[128];
	size_t n = end->len;
	const char *err = end->err;
	if (!err && !line) {
		snprintf(noanswer, sizeof(noanswer), "tune.%s %s (pid %d) gave no answer",
			 tune_view_name(w->view), tune_area_name(w->area), (int)end->pid);
		err = noanswer;
	}
	if (err) {
		log_warn("%s", err);
		struct jsonrpc_error e = { 0 };
		jsonrpc_error_set(&e, XCDD_ERR_FAILED, NULL, "tune.%s %s: %s",
				  tune_view_name(w->view), tune_area_name(w->area), err);
		if (jsonrpc_gen_error(&w->id, &e, &line, &n) < 0) {
			free(line);
			line = NULL;
		}
	} else {
		end->out = NULL; /* ours now */
	}
	if (w->view >= TUNE_VIEW_APPLY)
		tune_writes_done(x, w->area, w->view, w->confirm_s, err ? NULL : line, err ? 0 : n,
				 err);
	if (!w->client && w->view != TUNE_VIEW_SETTLE)
		log_info("tune.%s %s (its caller went away): %s", tune_view_name(w->view),
			 tune_area_name(w->area), err ? err : "done");
	else if (w->client && line && x->send_to)
		x->send_to(x, w->client, line, n);
	free(line);
	wait_free(w);
}

int tune_collect_doms(struct xcdd *x, struct tune_dom **out, size_t *count)
{
	size_t n = dm_count(&x->dm);
	*out = NULL;
	*count = 0;
	if (n == 0)
		return 0;
	if (!(*out = calloc(n, sizeof(**out))))
		return -ENOMEM;
	struct strmap_iter it;
	for (struct strmap_entry *e = strmap_next(&x->dm.by_uuid, &it, NULL); e && *count < n;
	     e = strmap_next(&x->dm.by_uuid, &it, e)) {
		const struct dm_domain *d = e->val;
		if (d->domid == 0 || d->domid >= 0x7ff0)
			continue; /* not built yet */
		(*out)[*count].domid = d->domid;
		snprintf((*out)[*count].name, sizeof((*out)[0].name), "%s", d->name);
		(*count)++;
	}
	return 0;
}

int tune_start(struct xcdd *x, struct client *c, const struct jsonrpc_id *id, enum tune_area area,
	       enum tune_view view, const struct tune_start_opts *o, struct jsonrpc_error *e)
{
	if (!x->tunejobs.loop || !x->tune_sysroot) {
		jsonrpc_error_set(e, XCDD_ERR_UNAVAILABLE, NULL, "tune.%s: not available here",
				  tune_view_name(view));
		return -EINVAL;
	}
	struct tune_wait *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->x = x;
	w->client = c;
	w->id.type = id ? id->type : JSONRPC_ID_NULL;
	w->area = area;
	w->view = view;
	w->confirm_s = o->confirm_s;
	w->fail_at = o->fail_at;
	w->measure_s = o->measure_s;
	w->reason = o->reason;
	const char *pname = o->policy ? o->policy : x->io_policy;
	w->may_be_missing = !o->policy;
	if ((id && id->text && !(w->id.text = strdup(id->text))) ||
	    (pname && !(w->policy_name = strdup(pname))) ||
	    (o->text && !(w->policy_text = strdup(o->text))) ||
	    (area == TUNE_AREA_STORAGE && tune_collect_doms(x, &w->doms, &w->n_doms) < 0)) {
		wait_free(w);
		return -ENOMEM;
	}
	w->policy_len = o->text ? strlen(o->text) : 0;
	char err[XCD_ERR_MAX], what[64];
	snprintf(what, sizeof(what), "tune.%s %s", tune_view_name(view), tune_area_name(area));
	/* A measure reads every map for its seconds, BLK_MEASURE_TOTAL_S at most. */
	unsigned timeout = TUNE_JOB_TIMEOUT_MS + (o->measure_s ? BLK_MEASURE_TOTAL_S * 1000 : 0);
	struct childjob_spec s = { .what = what, .comm = "xcdd-tunejob", .fn = work, .fn_arg = w,
				   .max_out = TUNE_JOB_MAX_OUT, .timeout_ms = timeout,
				   .done = done, .arg = w };
	int rc = childjob_start(&x->tunejobs, &s, NULL, err, sizeof(err));
	if (rc < 0) {
		jsonrpc_error_set(e, rc == -EAGAIN ? XCDD_ERR_LIMIT : XCDD_ERR_FAILED, NULL, "%s",
				  err);
		wait_free(w);
		return rc;
	}
	w->next = x->tune_waits;
	x->tune_waits = w;
	return 0;
}

static int tune_method(struct xcdd *x, struct client *c, const struct jsonrpc_message *m,
		       enum tune_view view, char **out, size_t *outlen, struct jsonrpc_error *e)
{
	static const char *const names[] = { "area", "policy", "policy_text", NULL };
	static const char *const verify_names[] = { "area", "policy", "policy_text", "measure",
						    NULL };
	static const char *const apply_names[] = { "area", "policy", "policy_text", "confirm",
						   NULL };
	static const char *const area_only[] = { "area", NULL };
	const char *area = NULL, *policy = NULL, *text = NULL;
	long long confirm = 0, measure = 0;
	bool reads = view < TUNE_VIEW_APPLY;
	if (jsonrpc_params_only(m, view == TUNE_VIEW_APPLY    ? apply_names
				   : view == TUNE_VIEW_VERIFY ? verify_names
				   : reads		      ? names
							      : area_only,
				e) < 0 ||
	    jsonrpc_param_string(m, "area", true, &area, e) < 0 ||
	    jsonrpc_param_string(m, "policy", false, &policy, e) < 0 ||
	    jsonrpc_param_string(m, "policy_text", false, &text, e) < 0 ||
	    (view == TUNE_VIEW_APPLY &&
	     jsonrpc_param_int(m, "confirm", false, 1, TUNE_CONFIRM_MAX, &confirm, e) < 0) ||
	    (view == TUNE_VIEW_VERIFY &&
	     jsonrpc_param_int(m, "measure", false, 1, BLK_MEASURE_MAX_S, &measure, e) < 0))
		return -EINVAL;
	if (measure && strcmp(area, "storage")) {
		jsonrpc_error_set(e, JSONRPC_INVALID_PARAMS, "params.measure",
				  "params.measure: a read rate is measured of storage's maps only");
		return -EINVAL;
	}
	if (strcmp(area, "net") && strcmp(area, "storage")) {
		jsonrpc_error_set(e, JSONRPC_INVALID_PARAMS, "params.area",
				  "params.area: expected \"net\" or \"storage\", not \"%.40s\"", area);
		return -EINVAL;
	}
	/* xcdd reads files as root: a caller may not have it read one of its
	 * choosing (a policy's errors would show that file's lines, and a
	 * read-only caller may call these). xcd sends the text it read with
	 * the caller's own rights; the path only names it in messages. */
	if (!text != !policy) {
		jsonrpc_error_set(e, JSONRPC_INVALID_PARAMS, policy ? "params.policy_text"
								    : "params.policy",
				  policy ? "params.policy: give the file's text in "
					   "params.policy_text too; xcdd reads no file for a caller"
					 : "params.policy_text: give params.policy too, to name it "
					   "in messages");
		return -EINVAL;
	}
	if (text && strlen(text) > TUNE_POLICY_MAX) {
		jsonrpc_error_set(e, JSONRPC_INVALID_PARAMS, "params.policy_text",
				  "params.policy_text: larger than 1 MiB: not an io.conf");
		return -EINVAL;
	}
	enum tune_area a = strcmp(area, "net") == 0 ? TUNE_AREA_NET : TUNE_AREA_STORAGE;
	struct tune_start_opts o = { .policy = policy, .text = text,
				     .confirm_s = (unsigned)confirm, .measure_s = (unsigned)measure };
	if (!reads && tune_writes_admit(x, a, view, &o, e) < 0)
		return -EINVAL;
	int rc = tune_start(x, c, &m->id, a, view, &o, e);
	if (rc < 0 && !reads)
		tune_writes_abandon(x, a, view);
	if (rc < 0)
		return rc;
	*out = NULL;
	*outlen = 0;
	return 0;
}

int m_tune_show(struct xcdd *x, struct client *c, const struct jsonrpc_message *m, char **out,
		  size_t *outlen, struct jsonrpc_error *e)
{
	return tune_method(x, c, m, TUNE_VIEW_SHOW, out, outlen, e);
}

int m_tune_plan(struct xcdd *x, struct client *c, const struct jsonrpc_message *m, char **out,
		  size_t *outlen, struct jsonrpc_error *e)
{
	return tune_method(x, c, m, TUNE_VIEW_PLAN, out, outlen, e);
}

int m_tune_verify(struct xcdd *x, struct client *c, const struct jsonrpc_message *m,
		    char **out, size_t *outlen, struct jsonrpc_error *e)
{
	return tune_method(x, c, m, TUNE_VIEW_VERIFY, out, outlen, e);
}

int m_tune_apply(struct xcdd *x, struct client *c, const struct jsonrpc_message *m, char **out,
		 size_t *outlen, struct jsonrpc_error *e)
{
	return tune_method(x, c, m, TUNE_VIEW_APPLY, out, outlen, e);
}

int m_tune_revert(struct xcdd *x, struct client *c, const struct jsonrpc_message *m, char **out,
		  size_t *outlen, struct jsonrpc_error *e)
{
	return tune_method(x, c, m, TUNE_VIEW_REVERT, out, outlen, e);
}

int m_tune_confirm(struct xcdd *x, struct client *c, const struct jsonrpc_message *m,
		   char **out, size_t *outlen, struct jsonrpc_error *e)
{
	return tune_method(x, c, m, TUNE_VIEW_CONFIRM, out, outlen, e);
}

static int gen_told(yajl_gen g, void *arg)
{
	return yajl_gen_map_open(g) || jw_kv_int(g, "told", *(int *)arg) || yajl_gen_map_close(g)
		       ? -EINVAL
		       : 0;
}

int m_io_down(struct xcdd *x, struct client *c, const struct jsonrpc_message *m, char **out,
	      size_t *outlen, struct jsonrpc_error *e)
{
	int n = x->io_tell_down ? x->io_tell_down(x, c) : 0;
	if (n < 0) {
		jsonrpc_error_set(e, XCDD_ERR_FAILED, NULL, "telling what is down: %s",
				  strerror(-n));
		return n;
	}
	return jsonrpc_gen_result(&m->id, gen_told, &n, out, outlen);
}

void rpc_tune_client_gone(struct xcdd *x, struct client *c)
{
	for (struct tune_wait *w = x->tune_waits; w; w = w->next)
		if (w->client == c)
			w->client = NULL;
}
