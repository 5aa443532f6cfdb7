/* rpc_tune_apply: the tuners' writes between their jobs (see
 * rpc_tune_apply.h). */
#include "rpc_tune_apply.h"
#include "../lib/fdio.h"
#include "../lib/jsonw.h"
#include "../lib/log.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yajl/yajl_tree.h>

static struct tune_area_state *st(struct xcdd *x, enum tune_area a)
{
	return &x->tune_state[a == TUNE_AREA_NET ? 0 : 1];
}

/* Starts a settle of AREA (the last apply undone, or a revert finished). */
static void settle(struct xcdd *x, enum tune_area a, const char *reason)
{
	struct tune_area_state *s = st(x, a);
	struct tune_start_opts o = { .reason = reason };
	struct jsonrpc_error e = { 0 };
	s->busy = true;
	if (tune_start(x, NULL, NULL, a, TUNE_VIEW_SETTLE, &o, &e) < 0) {
		/* Jobs full, or no fork: again in a second. */
		s->busy = false;
		log_warn("tune %s: cannot undo the apply %s yet: %s", tune_area_name(a), reason,
			 e.message[0] ? e.message : "out of memory");
		if (s->timer)
			loop_timer_arm(s->timer, 1000, 0);
	}
}

static void expired(struct loop *l, struct loop_timer *t, void *arg)
{
	struct tune_area_state *s = arg;
	if (!s->awaiting || s->busy) {
		if (s->awaiting)
			loop_timer_arm(t, 1000, 0);
		return;
	}
	settle(s->x, (enum tune_area)s->area, "(not confirmed in time)");
}

int tune_writes_admit(struct xcdd *x, enum tune_area a, enum tune_view view,
		      struct tune_start_opts *o, struct jsonrpc_error *e)
{
	struct tune_area_state *s = st(x, a);
	const char *area = tune_area_name(a);
	if (!x->tune_dir || !s->timer) {
		jsonrpc_error_set(e, XCDD_ERR_UNAVAILABLE, NULL, "tune.%s: not available here",
				  tune_view_name(view));
		return -1;
	}
	if (s->busy) {
		jsonrpc_error_set(e, XCDD_ERR_LIMIT, NULL,
				  "tune.%s %s: another write of %s runs (an apply, revert, confirm, or xcdd undoing an unconfirmed apply): try again when it ends",
				  tune_view_name(view), area, area);
		return -1;
	}
	if (view == TUNE_VIEW_APPLY && s->awaiting) {
		jsonrpc_error_set(e, XCDD_ERR_FAILED, NULL,
				  "tune.apply %s: the last apply waits for its confirmation: `xcd tune %s confirm` or `xcd tune %s revert` first",
				  area, area, area);
		return -1;
	}
	if (view == TUNE_VIEW_CONFIRM && !s->awaiting) {
		jsonrpc_error_set(e, XCDD_ERR_FAILED, NULL,
				  "tune.confirm %s: no apply of %s waits for a confirmation", area, area);
		return -1;
	}
	if (view == TUNE_VIEW_APPLY) {
		const char *f = getenv("XCDD_TEST_TUNE_FAIL_AT");
		o->fail_at = f ? (unsigned)strtoul(f, NULL, 10) : 0;
	}
	/* A confirmation or a revert stops the clock. */
	if (view == TUNE_VIEW_CONFIRM || view == TUNE_VIEW_REVERT)
		loop_timer_disarm(s->timer);
	s->busy = true;
	return 0;
}

/* The clock again, with what was left of it (at least a second). */
static void rearm(struct tune_area_state *s)
{
	if (!s->awaiting)
		return;
	uint64_t now = mono_ms();
	loop_timer_arm(s->timer, s->deadline_ms > now + 1000 ? s->deadline_ms - now : 1000, 0);
}

void tune_writes_abandon(struct xcdd *x, enum tune_area a, enum tune_view view)
{
	struct tune_area_state *s = st(x, a);
	s->busy = false;
	rearm(s);
}

/* The answer's result (a tree to free), or NULL with *MSG the error's. */
static yajl_val result_of(const char *out, size_t len, char *msg, size_t msglen)
{
	char *text = malloc(len + 1);
	yajl_val t = NULL;
	if (text) {
		memcpy(text, out, len);
		text[len] = '\0';
		t = yajl_tree_parse(text, NULL, 0);
		free(text);
	}
	const char *rk[] = { "result", NULL }, *mk[] = { "error", "message", NULL };
	yajl_val r = t ? yajl_tree_get(t, rk, yajl_t_object) : NULL;
	yajl_val m = t ? yajl_tree_get(t, mk, yajl_t_string) : NULL;
	snprintf(msg, msglen, "%s", m ? YAJL_GET_STRING(m) : r ? "" : "an answer xcdd cannot read");
	if (!r && t)
		yajl_tree_free(t);
	return r ? t : NULL;
}

static int gen_reverted(yajl_gen g, void *arg)
{
	const char *const *a = arg;
	if (yajl_gen_map_open(g) || jw_kv_str(g, "area", a[0]) || jw_kv_bool(g, "ok", a[2] == NULL) ||
	    jw_kv_str(g, "text", a[1]) || jw_kv_str(g, "error", a[2] ? a[2] : "") ||
	    yajl_gen_map_close(g))
		return -EINVAL;
	return 0;
}

/* Every client hears that xcdd undid AREA's last apply by itself. */
static void notify_reverted(struct xcdd *x, enum tune_area a, const char *text, const char *err)
{
	const char *args[3] = { tune_area_name(a), text, err };
	char *line = NULL;
	size_t len = 0;
	if (x->broadcast &&
	    jsonrpc_gen_notification("tune.reverted", gen_reverted, args, &line, &len) == 0)
		x->broadcast(x, line, len);
	free(line);
}

void tune_writes_done(struct xcdd *x, enum tune_area a, enum tune_view view,
		      unsigned confirm_s, const char *out, size_t len, const char *err)
{
	struct tune_area_state *s = st(x, a);
	char msg[1024] = "";
	yajl_val t = out ? result_of(out, len, msg, sizeof(msg)) : NULL;
	const char *ck[] = { "result", "apply", "confirm_by", NULL };
	const char *tk[] = { "result", "text", NULL };
	yajl_val by = t ? yajl_tree_get(t, ck, yajl_t_number) : NULL;
	yajl_val tv = t ? yajl_tree_get(t, tk, yajl_t_string) : NULL;
	const char *text = tv && YAJL_IS_STRING(tv) ? tv->u.string : NULL;
	const char *area = tune_area_name(a);
	s->busy = false;
	if (!s->timer) { /* xcdd is stopping */
		if (t)
			yajl_tree_free(t);
		return;
	}
	switch (view) {
	case TUNE_VIEW_APPLY:
		if (t && by && YAJL_IS_INTEGER(by) && YAJL_GET_INTEGER(by) > 0 && confirm_s) {
			s->awaiting = true;
			s->confirm_s = confirm_s;
			s->deadline_ms = mono_ms() + 1000ull * confirm_s;
			loop_timer_arm(s->timer, 1000ull * confirm_s, 0);
			log_info("tune %s: applied; xcdd undoes it unless confirmed within %u s", area,
				 confirm_s);
		} else if (!out) {
			/* The job died midway: its journal says "applying". */
			settle(x, a, "(its apply job died)");
		}
		break;
	case TUNE_VIEW_CONFIRM:
		if (t)
			s->awaiting = false;
		else
			rearm(s);
		break;
	case TUNE_VIEW_REVERT:
		if (t)
			s->awaiting = false;
		else
			rearm(s);
		break;
	case TUNE_VIEW_SETTLE:
		s->awaiting = false;
		if (t)
			log_info("tune %s: %s", area, text ? text : "settled");
		else
			log_err("tune %s: undoing the unconfirmed apply failed: %s", area,
				out ? msg : err);
		if (!t || (text && strncmp(text, "Nothing", 7)))
			notify_reverted(x, a, text ? text : "", t ? NULL : out ? msg : err);
		break;
	default:
		break;
	}
	if (t)
		yajl_tree_free(t);
}

void tune_writes_open(struct xcdd *x)
{
	for (int i = 0; i < 2; i++) {
		struct tune_area_state *s = &x->tune_state[i];
		s->x = x;
		s->area = i == 0 ? TUNE_AREA_NET : TUNE_AREA_STORAGE;
		s->timer = loop_timer_new(x->loop, expired, s);
		if (!x->tune_dir || !s->timer)
			continue;
		char path[4200];
		struct stat sb;
		snprintf(path, sizeof(path), "%s/%s.json", x->tune_dir,
			 tune_area_name((enum tune_area)s->area));
		if (stat(path, &sb) == 0)
			settle(x, (enum tune_area)s->area, "(left by the xcdd before)");
	}
}

void tune_writes_close(struct xcdd *x)
{
	for (int i = 0; i < 2; i++) {
		struct tune_area_state *s = &x->tune_state[i];
		if (s->awaiting)
			log_warn("tune %s: an apply waits for its confirmation: the next xcdd undoes it",
				 tune_area_name((enum tune_area)s->area));
		if (s->timer)
			loop_timer_free(s->timer);
		s->timer = NULL;
	}
}
