/* apply: blkback/'s plan carried out (see apply.h). */
#include "apply.h"
#include "../lib/runcmd.h"
#include "params.h"
#include "plan.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Its own operations: the multipathd record (undone: reconfigure again,
 * after the file is put back), and the reconfigure itself. */
enum { BLK_OP_MPATHD_MARK, BLK_OP_MPATHD_RELOAD };

static bool live(const struct ta_ctx *c) { return strcmp(c->sysroot, "/") == 0; }

static int reconfigure(struct ta_ctx *c, char *err, size_t errlen)
{
	if (!live(c))
		return 0;
	char *argv[] = { "multipathd", "reconfigure", NULL };
	struct run_result r;
	int rc = run_capture(argv, BLK_MULTIPATHD_TIMEOUT_MS, 1 << 16, NULL, NULL, &r);
	if (rc == 0 && run_ok(&r))
		return 0;
	snprintf(err, errlen, "multipathd reconfigure: %s",
		 rc ? strerror(-rc)
		    : r.not_found ? "multipathd is not installed"
		    : r.timed_out ? "no answer in 30 s" : "it failed (is multipathd running?)");
	return -EIO;
}

static int ext_snapshot(struct ta_ctx *c, const struct ta_op *op, struct tj_step *s, char *err,
			size_t errlen)
{
	struct tj_rec r = { .kind = TJ_MULTIPATHD };
	if (op->ext_kind != BLK_OP_MPATHD_MARK)
		return 0;
	return tj_add_rec(s, &r) ? 0 : -ENOMEM;
}

static int ext_act(struct ta_ctx *c, const struct ta_op *op, char *err, size_t errlen)
{
	return op->ext_kind == BLK_OP_MPATHD_RELOAD ? reconfigure(c, err, errlen) : 0;
}

static int ext_undo(struct ta_ctx *c, const struct tj_rec *r, char *err, size_t errlen)
{
	if (r->kind != TJ_MULTIPATHD) {
		snprintf(err, errlen, "a %s record: not blkback's", tj_kind_name(r->kind));
		return -EINVAL;
	}
	return reconfigure(c, err, errlen);
}

const struct ta_ext blk_apply_ext = { ext_snapshot, ext_act, ext_undo, NULL };

static int mpath_change(struct ta_ctx *c, const struct blk_host *h, const struct storage_policy *p,
			struct ta_change *ch, char *err, size_t errlen)
{
	struct tune_plan all;
	char *text = NULL;
	tune_plan_init(&all);
	int rc = blk_multipath_wanted(h, p, &all);
	if (rc == 0)
		rc = blk_multipath_conf(&all, &text);
	tune_plan_free(&all);
	if (rc)
		return rc;
	char *file = NULL;
	if (asprintf(&file, "# Written by xcd tune storage apply: the device settings io.conf asks for.\n"
			    "# `xcd tune storage revert` puts back what was here.\n%s", text) < 0)
		file = NULL;
	free(text);
	if (!file)
		return -ENOMEM;
	struct ta_op *mark = ta_change_op(ch, TA_OP_EXT, NULL, NULL, 0);
	if (mark)
		mark->ext_kind = BLK_OP_MPATHD_MARK;
	struct ta_op *op = mark ? ta_change_op(ch, TA_OP_FILE, BLK_MULTIPATH_CONF, file, strlen(file))
				: NULL;
	free(file);
	struct ta_op *reload = op ? ta_change_op(ch, TA_OP_EXT, NULL, NULL, 0) : NULL;
	if (!reload)
		return -ENOMEM;
	op->mode = 0644;
	reload->ext_kind = BLK_OP_MPATHD_RELOAD;
	if (!live(c))
		snprintf(ch->note, sizeof(ch->note),
			 "written to /%s; multipathd not asked to reconfigure (the sysroot is not this host's root): in effect when it reads its configuration",
			 BLK_MULTIPATH_CONF);
	(void)err;
	(void)errlen;
	return 0;
}

static int param_change(struct ta_ctx *c, const struct ta_change *prev, size_t n_prev,
			const struct tune_item *it, struct ta_change *ch, char *err, size_t errlen)
{
	const char *name = strncmp(it->object, "xen_blkback.", 12) ? NULL : it->object + 12;
	int bp = -1;
	for (int i = 0; name && i < BP_COUNT; i++)
		if (!strcmp(blkback_params[i].name, name))
			bp = i;
	long v;
	if (bp < 0 || blkback_param_parse((enum blkback_param)bp, it->to, &v) < 0) {
		snprintf(err, errlen, "blkback %s: '%s' is not a value blkback/ writes", it->object,
			 it->to);
		return -EINVAL;
	}
	if (it->on_reload)
		return ta_modprobe_op(c, prev, n_prev, ch, BLK_MODPROBE_FILE, "xen_blkback", name,
				      it->to, err, errlen);
	char path[128], val[32];
	snprintf(path, sizeof(path), "%s/%s", BLKBACK_PARAMS_DIR, name);
	snprintf(val, sizeof(val), "%s\n", it->to);
	if (!ta_change_op(ch, TA_OP_ATTR, path, val, strlen(val)))
		return -ENOMEM;
	/* Kept for the module's next load too: the reload a load-time change
	 * asks for (or a boot) would otherwise bring back the old value. */
	int rc = ta_modprobe_op(c, prev, n_prev, ch, BLK_MODPROBE_FILE, "xen_blkback", name, it->to,
				err, errlen);
	ch->note[0] = '\0'; /* in effect now, not deferred */
	return rc;
}

static int ring_change(const struct blk_host *h, const struct tune_item *it, struct ta_change *ch,
		       char *err, size_t errlen)
{
	unsigned domid;
	char vdev[32];
	struct cpuset to;
	int end = 0;
	if (sscanf(it->object, "blkback.%u.%31[^ ]%n", &domid, vdev, &end) != 2 || it->object[end] ||
	    cpuset_parse(it->to, &to) || !cpuset_count(&to)) {
		snprintf(err, errlen, "blkback-ring %s: not a disk's threads, or '%s' is not a CPU list",
			 it->object, it->to);
		return -EINVAL;
	}
	size_t found = 0;
	for (size_t t = 0; t < h->rt.n; t++) {
		const struct ring_thread *th = &h->rt.t[t];
		int ring;
		if (!ring_thread_of(th, domid, vdev, &ring))
			continue;
		struct ta_op *op = ta_change_op(ch, TA_OP_AFFINITY, NULL, NULL, 0);
		if (!op)
			return -ENOMEM;
		op->pid = th->pid;
		snprintf(op->comm, sizeof(op->comm), "%s", th->comm);
		op->cpus = to;
		found++;
	}
	if (!found) {
		snprintf(err, errlen, "blkback-ring %s: no ring thread of that disk runs", it->object);
		return -ESRCH;
	}
	return 0;
}

struct build {
	struct ta_ctx *c;
	const struct blk_host *h;
	const struct storage_policy *p;
	size_t mpath_step; /* the change that writes the multipath file, from 1 */
};

static int build_one(void *arg, struct ta_change *done, size_t k, const struct tune_item *it,
		     struct ta_change *ch, char *err, size_t errlen)
{
	struct build *b = arg;
	int rc;
	if (!strcmp(it->area, "multipath") && b->mpath_step) {
		/* Made by that step's file: what it says holds here. */
		memcpy(ch->note, done[b->mpath_step - 1].note, sizeof(ch->note));
		return 0;
	}
	if (!strcmp(it->area, "multipath")) {
		if ((rc = mpath_change(b->c, b->h, b->p, ch, err, errlen)) == 0)
			b->mpath_step = k + 1;
		return rc;
	}
	if (!strcmp(it->area, "blkback"))
		return param_change(b->c, done, k, it, ch, err, errlen);
	if (!strcmp(it->area, "blkback-ring"))
		return ring_change(b->h, it, ch, err, errlen);
	snprintf(err, errlen, "%s %s: blkback/ does not know how to make it", it->area, it->object);
	return -EINVAL;
}

int blk_apply_changes(struct ta_ctx *c, const struct blk_host *h, const struct storage_policy *p,
		      const struct tune_plan *plan, struct ta_change **out, size_t *n, char *err,
		      size_t errlen)
{
	struct build b = { c, h, p, 0 };
	return ta_changes_build(plan, build_one, &b, out, n, err, errlen);
}
