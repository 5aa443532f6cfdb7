/* tune_run: one read of the I/O tuners, answered as a JSON-RPC line. */
#include "tune_run.h"
#include "../blkback/measure.h"
#include "../blkback/plan.h"
#include "../blkback/policy.h"
#include "../blkback/verify.h"
#include "../lib/errmsg.h"
#include "../lib/fdio.h"
#include "../lib/jsonw.h"
#include "../lib/tuneplan.h"
#include "../netback-tune/plan.h"
#include "../netback-tune/policy.h"
#include "../netback-tune/show.h"
#include "../netback-tune/verify.h"
#include "tune_apply.h"
#include "xcdd.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *tune_area_name(enum tune_area a)
{
	return a == TUNE_AREA_NET ? "net" : "storage";
}

const char *tune_view_name(enum tune_view v)
{
	static const char *const names[] = { "show", "plan", "verify", "apply", "revert",
					     "confirm", "settle" };
	return names[v];
}

/* What the work found, for the answer. */
struct tune_out {
	const struct tune_req *q;
	const char *policy_note;
	char *text;
	/* One of these, by area. */
	const struct nt_host *nh;
	const struct blk_host *bh;
	const struct tune_plan *plan;
	const struct nt_verify *nv;
	const struct blk_verify *bv;
};

/* PATH's text into *OUT (malloc'd, NUL-terminated): 0, or -errno with ERR. */
static int read_policy(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	int rc = fd < 0 ? -errno : fd_read_all(fd, TUNE_POLICY_MAX, out, len);
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path,
			 rc == -EFBIG ? "larger than 1 MiB: not an io.conf" : strerror(-rc));
	return rc;
}

static int gen_view(yajl_gen g, const struct tune_out *o)
{
	const char *v = tune_view_name(o->q->view);
	if (jw_str(g, v))
		return -EINVAL;
	switch (o->q->view) {
	case TUNE_VIEW_SHOW:
		return o->nh ? nt_show_json(g, o->nh) : blk_show_json(g, o->bh);
	case TUNE_VIEW_PLAN:
		return tune_plan_gen_json(g, o->plan);
	case TUNE_VIEW_VERIFY:
		return o->nv ? nt_verify_json(g, o->nv) : blk_verify_json(g, o->bv);
	default: /* the writes answer in tune_apply.c */
		break;
	}
	return -EINVAL;
}

static int gen_result(yajl_gen g, void *arg)
{
	const struct tune_out *o = arg;
	const struct tune_req *q = o->q;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    jw_kv_str(g, "area", tune_area_name(q->area)) ||
	    jw_kv_str(g, "view", tune_view_name(q->view)) || jw_kv_str(g, "sysroot", q->sysroot) ||
	    jw_str(g, "policy") ||
	    (q->policy_name ? jw_str(g, q->policy_name) : yajl_gen_null(g) != yajl_gen_status_ok) ||
	    jw_kv_str(g, "policy_note", o->policy_note) || jw_str(g, "notes") ||
	    yajl_gen_array_open(g) != yajl_gen_status_ok)
		return -EINVAL;
	if (q->live_note && q->live_note[0] && jw_str(g, q->live_note))
		return -EINVAL;
	for (size_t i = 0; o->nh && i < o->nh->n_notes; i++)
		if (jw_str(g, o->nh->notes[i]))
			return -EINVAL;
	if (yajl_gen_array_close(g) != yajl_gen_status_ok || jw_kv_str(g, "text", o->text))
		return -EINVAL;
	int rc = gen_view(g, o);
	if (rc < 0)
		return rc;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

static int answer_error(const struct jsonrpc_id *id, int code, const char *field, const char *msg,
			char **line, size_t *len)
{
	struct jsonrpc_error e = { 0 };
	jsonrpc_error_set(&e, code, field, "%s", msg);
	return jsonrpc_gen_error(id, &e, line, len);
}

/* The answer (result, or error CODE with ERR when RC < 0) to ID in *LINE. */
static int answer(const struct tune_out *o, int rc, int code, const char *err,
		  const struct jsonrpc_id *id, char **line, size_t *len)
{
	if (rc == -ENOMEM)
		return answer_error(id, XCDD_ERR_FAILED, NULL, "out of memory", line, len);
	if (rc < 0)
		return answer_error(id, code, code == XCDD_ERR_CONFIG ? "params.policy" : NULL, err,
				    line, len);
	return jsonrpc_gen_result(id, gen_result, (void *)o, line, len);
}

static int run_net(struct tune_out *o, const char *text, size_t tlen,
		   const struct jsonrpc_id *id, char **line, size_t *len)
{
	const struct tune_req *q = o->q;
	char err[XCD_ERR_MAX] = "";
	struct nt_host *h = NULL;
	struct nt_policy *p = calloc(1, sizeof(*p));
	struct tune_plan plan;
	struct nt_verify v = { 0 };
	struct tune_plan applied;
	tune_plan_init(&plan);
	tune_plan_init(&applied);
	int code = XCDD_ERR_FAILED;
	int rc = p ? nt_host_read(q->sysroot, &h, err, sizeof(err)) : -ENOMEM;
	if (rc == 0 && text) {
		code = XCDD_ERR_CONFIG;
		rc = nt_policy_parse(q->policy_name, text, tlen, h, p, err, sizeof(err));
	}
	if (rc == 0) {
		code = XCDD_ERR_FAILED;
		o->nh = h;
		if (q->view == TUNE_VIEW_SHOW) {
			rc = nt_show_text(h, &o->text);
		} else if (q->view == TUNE_VIEW_PLAN) {
			if ((rc = nt_plan(h, p, &plan)) == 0 &&
			    (rc = tune_drop_deferred(q, &plan, err, sizeof(err))) == 0)
				rc = tune_plan_text(&plan, &o->text);
			o->plan = &plan;
		} else {
			bool have = false;
			if ((rc = tune_applied_plan(q, &applied, &have, err, sizeof(err))) == 0 &&
			    (rc = nt_verify(h, p, have ? &applied : NULL, &v)) == 0)
				rc = nt_verify_text(&v, &o->text);
			o->nv = &v;
		}
	}
	rc = answer(o, rc, code, err, id, line, len);
	tune_plan_free(&plan);
	tune_plan_free(&applied);
	nt_verify_free(&v);
	if (h)
		nt_host_free(h);
	free(p);
	return rc;
}

static int run_storage(struct tune_out *o, const char *text, size_t tlen,
		       const struct jsonrpc_id *id, char **line, size_t *len)
{
	const struct tune_req *q = o->q;
	char err[XCD_ERR_MAX] = "";
	struct storage_policy p;
	struct blk_host h;
	struct tune_plan plan;
	struct blk_verify v = { 0 };
	struct tune_plan applied;
	bool have_host = false;
	storage_policy_default(&p);
	tune_plan_init(&plan);
	tune_plan_init(&applied);
	int code = XCDD_ERR_CONFIG;
	int rc = text ? storage_policy_parse(q->policy_name, text, tlen, &p, err, sizeof(err)) : 0;
	if (rc == 0) {
		code = XCDD_ERR_FAILED;
		rc = blk_host_read_with(q->sysroot, q->live, &h, err, sizeof(err));
		have_host = rc == 0;
	}
	if (rc == 0) {
		code = XCDD_ERR_CONFIG;
		rc = storage_policy_check(&p, &h, err, sizeof(err));
	}
	if (rc == 0) {
		code = XCDD_ERR_FAILED;
		o->bh = &h;
		if (q->view == TUNE_VIEW_SHOW) {
			rc = blk_show_text(&h, &o->text);
		} else if (q->view == TUNE_VIEW_PLAN) {
			if ((rc = blk_plan(&h, &p, &plan)) == 0 &&
			    (rc = tune_drop_deferred(q, &plan, err, sizeof(err))) == 0)
				rc = tune_plan_text(&plan, &o->text);
			o->plan = &plan;
		} else {
			bool have = false;
			if ((rc = blk_verify(&h, &p, &v)) == 0 &&
			    (rc = tune_applied_plan(q, &applied, &have, err, sizeof(err))) == 0 &&
			    (!have || (rc = blk_verify_applied(&h, &p, &applied, &v)) == 0) &&
			    (!q->measure_s || (rc = blk_verify_measure(&h, &p, q->measure_s, &v)) == 0))
				rc = blk_verify_text(&v, &o->text);
			o->bv = &v;
		}
	}
	rc = answer(o, rc, code, err, id, line, len);
	tune_plan_free(&plan);
	tune_plan_free(&applied);
	blk_verify_free(&v);
	if (have_host)
		blk_host_free(&h);
	storage_policy_free(&p);
	return rc;
}

int tune_policy_get(const struct tune_req *q, struct tune_policy *tp, char *err, size_t errlen)
{
	memset(tp, 0, sizeof(*tp));
	tp->note = "";
	tp->text = q->policy_text;
	tp->len = q->policy_len;
	if (q->policy_name && !tp->text) {
		int rc = read_policy(q->policy_name, &tp->owned, &tp->len, err, errlen);
		if (rc == -ENOENT && q->may_be_missing) {
			snprintf(tp->notebuf, sizeof(tp->notebuf),
				 "no policy file %s: the defaults apply", q->policy_name);
			tp->note = tp->notebuf;
		} else if (rc < 0) {
			return rc;
		}
		tp->text = tp->owned;
	} else if (!q->policy_name) {
		tp->note = "no policy: the defaults apply";
	}
	return 0;
}

void tune_policy_free(struct tune_policy *tp)
{
	free(tp->owned);
	tp->owned = NULL;
}

int tune_run(const struct tune_req *q, const struct jsonrpc_id *id, char **line, size_t *len)
{
	if (q->view >= TUNE_VIEW_APPLY)
		return tune_apply_run(q, id, line, len);
	struct tune_out o = { .q = q };
	struct tune_policy tp;
	char err[XCD_ERR_MAX];
	int rc = tune_policy_get(q, &tp, err, sizeof(err));
	if (rc < 0) {
		tune_policy_free(&tp);
		return answer_error(id, XCDD_ERR_CONFIG, "params.policy", err, line, len);
	}
	o.policy_note = tp.note;
	rc = q->area == TUNE_AREA_NET ? run_net(&o, tp.text, tp.len, id, line, len)
				      : run_storage(&o, tp.text, tp.len, id, line, len);
	free(o.text);
	tune_policy_free(&tp);
	return rc;
}
