/* tune_apply: apply, revert, confirm and settle, in a tune job (see
 * tune_apply.h). */
#include "tune_apply.h"
#include "../blkback/apply.h"
#include "../blkback/plan.h"
#include "../blkback/policy.h"
#include "../lib/jsonw.h"
#include "../lib/tuneapply.h"
#include "../netback-tune/apply.h"
#include "../netback-tune/plan.h"
#include "../netback-tune/policy.h"
#include "journal.h"
#include "xcdd.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the journal of an area ---- */

struct jr {
	struct journal *dir;
	char key[16];
	char path[4200]; /* for messages */
};

static int save_cb(const struct tj *j, void *arg, char *err, size_t errlen)
{
	struct jr *r = arg;
	if (!j) {
		int rc = journal_remove(r->dir, r->key, err, errlen);
		return rc == -ENOENT ? 0 : rc;
	}
	char *text;
	size_t len;
	if (tj_to_json(j, &text, &len)) {
		snprintf(err, errlen, "%s: out of memory", r->path);
		return -ENOMEM;
	}
	int rc = journal_write(r->dir, r->key, text, len, err, errlen);
	free(text);
	return rc;
}

/* Q's area's journal into J (*EXISTS false: none yet). 0 or -errno, ERR. */
static int load(const struct tune_req *q, struct jr *r, struct tj *j, bool *exists, char *err,
		size_t errlen)
{
	*exists = false;
	tj_init(j, tune_area_name(q->area), q->sysroot);
	snprintf(r->key, sizeof(r->key), "%s", tune_area_name(q->area));
	if (!q->journal_dir) {
		snprintf(err, errlen, "xcdd has no state directory for the tuners' journal");
		return -EINVAL;
	}
	snprintf(r->path, sizeof(r->path), "%s/%s.json", q->journal_dir, r->key);
	int rc = journal_open(q->journal_dir, &r->dir, err, errlen);
	if (rc)
		return rc;
	char *text, perr[512];
	size_t len;
	rc = journal_read(r->dir, r->key, &text, &len, err, errlen);
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	tj_free(j);
	rc = tj_parse(text, len, j, perr, sizeof(perr));
	free(text);
	if (rc) {
		snprintf(err, errlen, "%s: %s", r->path, perr);
		return rc;
	}
	if (strcmp(j->area, r->key)) {
		snprintf(err, errlen, "%s: holds area %s's journal", r->path, j->area);
		return -EINVAL;
	}
	if (strcmp(j->sysroot, q->sysroot)) {
		snprintf(err, errlen, "%s: written for --sysroot %s, and this xcdd reads %s: undo it with an xcdd of that sysroot",
			 r->path, j->sysroot, q->sysroot);
		return -EINVAL;
	}
	*exists = true;
	return 0;
}

static void unload(struct jr *r, struct tj *j)
{
	tj_free(j);
	journal_close(r->dir);
	r->dir = NULL;
}

/* ---- the host, the policy and the plan ---- */

struct side {
	struct nt_host *nh;
	struct nt_policy *np;
	struct blk_host bh;
	bool have_bh;
	struct storage_policy sp;
	struct tune_plan plan;
};

static int side_read(const struct tune_req *q, const struct tune_policy *tp, struct side *s,
		     int *code, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	tune_plan_init(&s->plan);
	storage_policy_default(&s->sp);
	*code = XCDD_ERR_FAILED;
	int rc;
	if (q->area == TUNE_AREA_NET) {
		if (!(s->np = calloc(1, sizeof(*s->np))))
			return -ENOMEM;
		if ((rc = nt_host_read(q->sysroot, &s->nh, err, errlen)))
			return rc;
		*code = XCDD_ERR_CONFIG;
		if (tp->text && (rc = nt_policy_parse(q->policy_name, tp->text, tp->len, s->nh, s->np,
						      err, errlen)))
			return rc;
		*code = XCDD_ERR_FAILED;
		return nt_plan(s->nh, s->np, &s->plan);
	}
	*code = XCDD_ERR_CONFIG;
	if (tp->text && (rc = storage_policy_parse(q->policy_name, tp->text, tp->len, &s->sp, err,
						   errlen)))
		return rc;
	*code = XCDD_ERR_FAILED;
	if ((rc = blk_host_read_with(q->sysroot, q->live, &s->bh, err, errlen)))
		return rc;
	s->have_bh = true;
	*code = XCDD_ERR_CONFIG;
	if ((rc = storage_policy_check(&s->sp, &s->bh, err, errlen)))
		return rc;
	*code = XCDD_ERR_FAILED;
	return blk_plan(&s->bh, &s->sp, &s->plan);
}

static void side_free(struct side *s)
{
	tune_plan_free(&s->plan);
	if (s->nh)
		nt_host_free(s->nh);
	free(s->np);
	if (s->have_bh)
		blk_host_free(&s->bh);
	storage_policy_free(&s->sp);
}

/* ---- answers ---- */

struct ans {
	const struct tune_req *q;
	const struct tune_policy *tp;
	const char *text;
	const struct tj *j;	  /* the steps: those made (apply), undone (revert) */
	size_t from, to;	  /* steps [from, to) of j */
	long long confirm_by;
	unsigned gen;
};

static int gen_steps(yajl_gen g, const struct ans *a)
{
	if (jw_str(g, "steps") || yajl_gen_array_open(g))
		return -EINVAL;
	for (size_t i = a->from; a->j && i < a->to; i++) {
		const struct tune_item *it = &a->j->items.items[i];
		if (yajl_gen_map_open(g) || jw_kv_int(g, "gen", a->j->steps[i].gen) ||
		    jw_kv_str(g, "area", it->area) || jw_kv_str(g, "object", it->object) ||
		    jw_kv_str(g, "from", it->from) || jw_kv_str(g, "to", it->to) ||
		    jw_kv_str(g, "reason", it->reason) || jw_kv_bool(g, "risky", it->risky) ||
		    jw_kv_bool(g, "on_reload", it->on_reload) ||
		    jw_kv_str(g, "note", a->j->steps[i].note) || yajl_gen_map_close(g))
			return -EINVAL;
	}
	return yajl_gen_array_close(g) ? -EINVAL : 0;
}

static int gen_answer(yajl_gen g, void *arg)
{
	const struct ans *a = arg;
	const struct tune_req *q = a->q;
	if (yajl_gen_map_open(g) || jw_kv_str(g, "area", tune_area_name(q->area)) ||
	    jw_kv_str(g, "view", tune_view_name(q->view)) || jw_kv_str(g, "sysroot", q->sysroot) ||
	    jw_str(g, "policy") ||
	    (q->policy_name ? jw_str(g, q->policy_name) : yajl_gen_null(g) != yajl_gen_status_ok) ||
	    jw_kv_str(g, "policy_note", a->tp ? a->tp->note : "") || jw_str(g, "notes") ||
	    yajl_gen_array_open(g) ||
	    (q->live_note && q->live_note[0] && jw_str(g, q->live_note)) ||
	    yajl_gen_array_close(g) || jw_kv_str(g, "text", a->text) ||
	    jw_str(g, tune_view_name(q->view)) || yajl_gen_map_open(g) ||
	    jw_kv_int(g, "gen", a->gen) || jw_kv_int(g, "confirm_by", a->confirm_by) ||
	    jw_kv_int(g, "confirm_seconds", q->view == TUNE_VIEW_APPLY ? q->confirm_s : 0) ||
	    gen_steps(g, a) || yajl_gen_map_close(g) || yajl_gen_map_close(g))
		return -EINVAL;
	return 0;
}

static int fail(const struct jsonrpc_id *id, int rc, int code, const char *field, const char *msg,
		char **line, size_t *len)
{
	struct jsonrpc_error e = { 0 };
	jsonrpc_error_set(&e, code, field, "%s", rc == -ENOMEM ? "out of memory" : msg);
	return jsonrpc_gen_error(id, &e, line, len);
}

/* Steps [FROM, TO) of J as lines "N. area object: from -> to" (BACK: the
 * other way, last first). */
static void step_lines(FILE *f, const struct tj *j, size_t from, size_t to, bool back)
{
	for (size_t k = 0; k < to - from; k++) {
		size_t i = back ? to - 1 - k : from + k;
		const struct tune_item *it = &j->items.items[i];
		const char *a = back ? it->to : *it->from ? it->from : "(none)";
		const char *b = back ? *it->from ? it->from : "(none)" : it->to;
		fprintf(f, "%zu. %s %s: %s -> %s\n", k + 1, it->area, it->object, a, b);
		if (!back && j->steps[i].note[0])
			fprintf(f, "   %s\n", j->steps[i].note);
	}
}

static int answer(struct ans *a, const struct jsonrpc_id *id, char **line, size_t *len,
		  void (*say)(FILE *f, const struct ans *a))
{
	char *text = NULL;
	size_t tl = 0;
	FILE *f = open_memstream(&text, &tl);
	if (!f)
		return -ENOMEM;
	say(f, a);
	if (fclose(f)) {
		free(text);
		return -ENOMEM;
	}
	a->text = text;
	int rc = jsonrpc_gen_result(id, gen_answer, a, line, len);
	free(text);
	return rc;
}

static void say_applied(FILE *f, const struct ans *a)
{
	const char *area = tune_area_name(a->q->area);
	if (a->from == a->to) {
		fprintf(f, "Nothing to change.\n");
		return;
	}
	fprintf(f, "Applied %zu change%s to %s (apply %u; the state before each is in %s/%s.json):\n",
		a->to - a->from, a->to - a->from == 1 ? "" : "s", area, a->gen, a->q->journal_dir, area);
	step_lines(f, a->j, a->from, a->to, false);
	if (a->confirm_by)
		fprintf(f, "Confirm with `xcd tune %s confirm` within %u s, or xcdd undoes it.\n", area,
			a->q->confirm_s);
	fprintf(f, "Undo with `xcd tune %s revert`.\n", area);
}

static void say_reverted(FILE *f, const struct ans *a)
{
	const char *area = tune_area_name(a->q->area);
	if (a->from == a->to) {
		fprintf(f, "Nothing to undo for %s.\n", area);
		return;
	}
	fprintf(f, "Undid %zu change%s to %s%s%s, last first:\n", a->to - a->from,
		a->to - a->from == 1 ? "" : "s", area, a->q->reason ? " " : "",
		a->q->reason ? a->q->reason : "");
	step_lines(f, a->j, a->from, a->to, true);
}

static void say_confirmed(FILE *f, const struct ans *a)
{
	fprintf(f, "Apply %u of %s confirmed: it stays.\n", a->gen, tune_area_name(a->q->area));
}

/* ---- the views ---- */

/* Whether the file a deferred change IT was written to still holds it. */
static bool still_written(struct ta_ctx *c, const struct tune_item *it)
{
	const char *path, *module = NULL, *key;
	char want[256], *text;
	size_t len;
	if (it->on_reload && !strcmp(it->area, "netback")) {
		path = NT_MODPROBE_FILE;
		module = "xen_netback";
		key = strrchr(it->object, '/') ? strrchr(it->object, '/') + 1 : it->object;
	} else if (it->on_reload && !strcmp(it->area, "blkback")) {
		path = BLK_MODPROBE_FILE;
		module = "xen_blkback";
		key = strchr(it->object, '.') ? strchr(it->object, '.') + 1 : it->object;
	} else if (!strcmp(it->area, "multipath") && strrchr(it->object, ' ')) {
		path = BLK_MULTIPATH_CONF;
		key = strrchr(it->object, ' ') + 1;
	} else {
		return false;
	}
	if (ta_read(c, path, TJ_MAX_DATA, &text, &len))
		return false;
	bool found = false;
	if (module) {
		snprintf(want, sizeof(want), " %s=%s", key, it->to);
		for (char *l = text; l && *l && !found; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
			size_t n = strcspn(l, "\n");
			char line[1100];
			snprintf(line, sizeof(line), "%.*s ", (int)(n < 1000 ? n : 1000), l);
			found = !strncmp(line, "options ", 8) && !strncmp(line + 8, module, strlen(module)) &&
				strstr(line, want) && strstr(line, want)[strlen(want)] == ' ';
		}
	} else {
		bool q = strchr(it->to, ' ') != NULL;
		snprintf(want, sizeof(want), "\t\t%s %s%s%s\n", key, q ? "\"" : "", it->to, q ? "\"" : "");
		found = strstr(text, want) != NULL;
	}
	free(text);
	return found;
}

static bool risky_unconfirmed(const struct tune_req *q, const struct tune_plan *plan, char *err,
			      size_t errlen)
{
	size_t n = 0, off = 0;
	for (size_t i = 0; i < plan->n; i++) {
		const struct tune_item *it = &plan->items[i];
		if (it->kind != TUNE_CHANGE || !it->risky)
			continue;
		if (n++ < 4 && off < errlen)
			off += (size_t)snprintf(err + off, errlen - off, "%s%s %s", n > 1 ? ", " : "",
						it->area, it->object);
	}
	if (!n || q->confirm_s)
		return false;
	char list[512];
	snprintf(list, sizeof(list), "%s%s", err, n > 4 ? ", ..." : "");
	snprintf(err, errlen,
		 "%zu change%s could cut the host off (they touch the management NIC or the one carrying the default route: %s): give --confirm SECONDS; unless `xcd tune %s confirm` comes in time, xcdd undoes them. Nothing was changed",
		 n, n == 1 ? "" : "s", list, tune_area_name(q->area));
	return true;
}

static int build_changes(const struct tune_req *q, struct ta_ctx *c, struct nt_apply *na,
			 const struct side *s, struct ta_change **ch, size_t *n, char *err,
			 size_t errlen)
{
	if (q->area == TUNE_AREA_NET)
		return nt_apply_changes(c, na, s->nh, &s->plan, ch, n, err, errlen);
	return blk_apply_changes(c, &s->bh, &s->sp, &s->plan, ch, n, err, errlen);
}

static int ctx_open(const struct tune_req *q, struct ta_ctx *c, struct nt_apply *na, struct tj *j,
		    struct jr *r, char *err, size_t errlen)
{
	int rc = ta_open(c, q->sysroot, err, errlen);
	c->j = j;
	c->save = save_cb;
	c->save_arg = r;
	c->fail_at = q->fail_at;
	c->ext = q->area == TUNE_AREA_NET ? &na->ext : &blk_apply_ext;
	return rc;
}

static int do_apply(const struct tune_req *q, const struct tune_policy *tp, struct jr *r,
		    struct tj *j, const struct jsonrpc_id *id, char **line, size_t *len)
{
	char err[4096] = "";
	const char *area = tune_area_name(q->area);
	unsigned from = tj_settle_from(j);
	if (from) {
		snprintf(err, sizeof(err), tj_unconfirmed(j)
			 ? "apply %u of %s waits for its confirmation: `xcd tune %s confirm` or `xcd tune %s revert` first"
			 : "apply %u of %s was left half done by an xcdd that stopped: xcdd undoes it when it starts, or `xcd tune %s revert`%s",
			 j->gen, area, area, tj_unconfirmed(j) ? area : "");
		return fail(id, -EBUSY, XCDD_ERR_FAILED, NULL, err, line, len);
	}
	struct side s;
	int code, rc = side_read(q, tp, &s, &code, err, sizeof(err));
	if (rc == 0 && risky_unconfirmed(q, &s.plan, err, sizeof(err))) {
		side_free(&s);
		return fail(id, -EINVAL, JSONRPC_INVALID_PARAMS, "params.confirm", err, line, len);
	}
	struct ta_ctx c = { .root_fd = -1 };
	struct nt_apply na;
	nt_apply_init(&na);
	struct ta_change *ch = NULL;
	size_t n = 0, base = tj_count(j);
	if (rc == 0 && (rc = ctx_open(q, &c, &na, j, r, err, sizeof(err))) == 0 &&
	    (rc = tune_drop_deferred(q, &s.plan, err, sizeof(err))) == 0 &&
	    (rc = build_changes(q, &c, &na, &s, &ch, &n, err, sizeof(err))) == 0 && n) {
		long long by = q->confirm_s ? (long long)time(NULL) + q->confirm_s : 0;
		rc = ta_apply(&c, ch, n, by, err, sizeof(err));
	}
	if (rc == 0) {
		struct ans a = { .q = q, .tp = tp, .j = j, .from = base, .to = tj_count(j),
				 .confirm_by = n ? j->confirm_by : 0, .gen = j->gen };
		rc = answer(&a, id, line, len, say_applied);
	} else {
		rc = fail(id, rc, code == XCDD_ERR_CONFIG ? code : XCDD_ERR_FAILED,
			  code == XCDD_ERR_CONFIG ? "params.policy" : NULL, err, line, len);
	}
	ta_changes_free(ch, n);
	nt_apply_fini(&na);
	ta_close(&c);
	side_free(&s);
	return rc;
}

static int do_revert(const struct tune_req *q, struct jr *r, struct tj *j, bool exists,
		     const struct jsonrpc_id *id, char **line, size_t *len)
{
	char err[8192] = "";
	const char *area = tune_area_name(q->area);
	unsigned from = q->view == TUNE_VIEW_REVERT ? 1 : tj_settle_from(j);
	if (!exists && q->view == TUNE_VIEW_REVERT) {
		snprintf(err, sizeof(err), "nothing was applied to %s (no journal %s)", area, r->path);
		return fail(id, -ENOENT, XCDD_ERR_FAILED, NULL, err, line, len);
	}
	/* A copy of what is undone, for the answer: the journal drops it. */
	struct tj shown;
	tj_init(&shown, area, q->sysroot);
	size_t first = 0, n = tj_count(j);
	while (first < n && j->steps[first].gen < from)
		first++;
	int rc = 0;
	for (size_t i = first; from && i < n && rc == 0; i++) {
		struct tj_step *st = tj_add_step(&shown, j->steps[i].gen, &j->items.items[i]);
		if (!st)
			rc = -ENOMEM;
	}
	struct ta_ctx c = { .root_fd = -1 };
	struct nt_apply na;
	nt_apply_init(&na);
	if (rc == 0 && from && (rc = ctx_open(q, &c, &na, j, r, err, sizeof(err))) == 0)
		rc = ta_revert(&c, from, err, sizeof(err));
	if (rc == 0) {
		struct ans a = { .q = q, .j = &shown, .from = 0, .to = tj_count(&shown),
				 .gen = j->gen };
		rc = answer(&a, id, line, len, say_reverted);
	} else {
		rc = fail(id, rc, XCDD_ERR_FAILED, NULL, err, line, len);
	}
	nt_apply_fini(&na);
	ta_close(&c);
	tj_free(&shown);
	return rc;
}

static int do_confirm(const struct tune_req *q, struct jr *r, struct tj *j,
		      const struct jsonrpc_id *id, char **line, size_t *len)
{
	char err[1024];
	if (!tj_unconfirmed(j)) {
		snprintf(err, sizeof(err), "no apply of %s waits for a confirmation",
			 tune_area_name(q->area));
		return fail(id, -ENOENT, XCDD_ERR_FAILED, NULL, err, line, len);
	}
	j->confirmed = true;
	int rc = save_cb(j, r, err, sizeof(err));
	if (rc)
		return fail(id, rc, XCDD_ERR_FAILED, NULL, err, line, len);
	struct ans a = { .q = q, .j = j, .gen = j->gen };
	return answer(&a, id, line, len, say_confirmed);
}

int tune_apply_run(const struct tune_req *q, const struct jsonrpc_id *id, char **line, size_t *len)
{
	char err[1024];
	struct tune_policy tp;
	int rc = tune_policy_get(q, &tp, err, sizeof(err));
	if (rc < 0) {
		tune_policy_free(&tp);
		return fail(id, rc, XCDD_ERR_CONFIG, "params.policy", err, line, len);
	}
	struct jr r = { 0 };
	struct tj j;
	bool exists;
	if ((rc = load(q, &r, &j, &exists, err, sizeof(err))) < 0)
		rc = fail(id, rc, XCDD_ERR_FAILED, NULL, err, line, len);
	else if (q->view == TUNE_VIEW_APPLY)
		rc = do_apply(q, &tp, &r, &j, id, line, len);
	else if (q->view == TUNE_VIEW_CONFIRM)
		rc = do_confirm(q, &r, &j, id, line, len);
	else
		rc = do_revert(q, &r, &j, exists, id, line, len);
	unload(&r, &j);
	tune_policy_free(&tp);
	return rc;
}

/* ---- for verify ---- */

int tune_applied_plan(const struct tune_req *q, struct tune_plan *out, bool *have, char *err,
		      size_t errlen)
{
	*have = false;
	if (!q->journal_dir)
		return 0;
	struct jr r = { 0 };
	struct tj j;
	bool exists;
	struct ta_ctx c = { .root_fd = -1 };
	int rc = load(q, &r, &j, &exists, err, errlen);
	if (rc == 0 && exists && tj_count(&j) && (rc = tune_plan_copy(out, &j.items)) == 0 &&
	    (rc = ta_open(&c, q->sysroot, err, errlen)) == 0) {
		for (size_t i = 0; i < tj_count(&j) && rc == 0; i++)
			if (j.steps[i].note[0] && still_written(&c, &j.items.items[i]))
				rc = tune_plan_set_deferred(out, i, j.steps[i].note);
		*have = rc == 0;
	}
	ta_close(&c);
	unload(&r, &j);
	return rc;
}

int tune_drop_deferred(const struct tune_req *q, struct tune_plan *plan, char *err, size_t errlen)
{
	struct tune_plan applied;
	bool have;
	tune_plan_init(&applied);
	int rc = tune_applied_plan(q, &applied, &have, err, errlen);
	for (size_t i = plan->n; rc == 0 && have && i-- > 0;) {
		const struct tune_item *it = &plan->items[i];
		bool made = false;
		for (size_t k = 0; it->kind == TUNE_CHANGE && k < applied.n && !made; k++) {
			const struct tune_item *a = &applied.items[k];
			made = a->deferred && !strcmp(a->area, it->area) &&
			       !strcmp(a->object, it->object) && !strcmp(a->to, it->to);
		}
		if (made)
			tune_plan_drop(plan, i);
	}
	tune_plan_free(&applied);
	return rc;
}
