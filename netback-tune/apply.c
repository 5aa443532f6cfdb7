/* apply: netback-tune's plan carried out and undone (see apply.h). */
#include "apply.h"
#include "linknl.h"
#include "sysfile.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

/* Its own operations (ta_op.ext_kind). */
enum { NT_OP_BOND_CREATE, NT_OP_BOND_OPTIONS, NT_OP_MASTER, NT_OP_MTU };

static struct nl_sock *sock(struct ta_ctx *c, char *err, size_t errlen)
{
	struct nt_apply *a = c->ext->arg;
	if (!a->sk && nt_nl_open(&a->sk, err, errlen) < 0)
		return NULL;
	return a->sk;
}

/* ---- snapshots, changes and undoing of links and bonds ---- */

static int link_rec(struct ta_ctx *c, const char *name, struct tj_step *s, char *err,
		    size_t errlen)
{
	struct nl_sock *sk = sock(c, err, errlen);
	struct nt_link l;
	if (!sk)
		return -EIO;
	int rc = nt_nl_get(sk, name, &l, err, errlen);
	if (rc)
		return rc;
	struct tj_rec r = { .kind = TJ_LINK, .existed = l.exists, .mtu = l.mtu > 0 ? l.mtu : 0,
			    .up = l.up };
	snprintf(r.name, sizeof(r.name), "%s", name);
	snprintf(r.master, sizeof(r.master), "%s", l.master);
	return tj_add_rec(s, &r) ? 0 : -ENOMEM;
}

static int ext_snapshot(struct ta_ctx *c, const struct ta_op *op, struct tj_step *s, char *err,
			size_t errlen)
{
	if (op->ext_kind != NT_OP_BOND_OPTIONS)
		return link_rec(c, op->name, s, err, errlen);
	struct nl_sock *sk = sock(c, err, errlen);
	struct nt_link l;
	int rc = sk ? nt_nl_get(sk, op->name, &l, err, errlen) : -EIO;
	if (rc || !l.exists)
		return rc; /* made by an earlier step, whose undo deletes it */
	if (l.mode < 0 || l.miimon < 0 || l.hash < 0) {
		snprintf(err, errlen, "%s: the kernel did not give its bond options", op->name);
		return -EIO;
	}
	struct tj_rec r = { .kind = TJ_BOND, .bond_mode = l.mode, .miimon = l.miimon,
			    .hash = l.hash };
	snprintf(r.name, sizeof(r.name), "%s", op->name);
	return tj_add_rec(s, &r) ? 0 : -ENOMEM;
}

/*
 * The bond NAME's options: a mode is taken only from a bond that is down
 * and has no members, so for one the members leave and come back and the
 * bond's up state is put back.
 */
static int bond_options(struct nl_sock *sk, const char *name, int mode, int miimon, int hash,
			char *err, size_t errlen)
{
	struct nt_link b;
	int rc = nt_nl_get(sk, name, &b, err, errlen);
	if (rc)
		return rc;
	if (!b.exists || strcmp(b.kind, "bond")) {
		snprintf(err, errlen, "%s: not a bond", name);
		return -ENODEV;
	}
	if (mode < 0 || mode == b.mode)
		return nt_nl_bond_options(sk, name, -1, miimon, hash, err, errlen);
	char members[NT_BOND_MAX_SLAVES][NT_IFNAMSIZ];
	bool up[NT_BOND_MAX_SLAVES];
	size_t n = 0;
	if ((rc = nt_nl_members(sk, name, members, NT_BOND_MAX_SLAVES, &n, err, errlen)))
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct nt_link m;
		rc = nt_nl_get(sk, members[i], &m, err, errlen);
		up[i] = m.up;
		if (rc == 0)
			rc = nt_nl_set_master(sk, members[i], "", err, errlen);
	}
	if (rc == 0 && b.up)
		rc = nt_nl_set_up(sk, name, false, err, errlen);
	if (rc == 0)
		rc = nt_nl_bond_options(sk, name, mode, miimon, hash, err, errlen);
	/* Members back and the bond up as it was, also after a refusal. */
	char e2[256];
	for (size_t i = 0; i < n; i++) {
		nt_nl_set_up(sk, members[i], false, e2, sizeof(e2));
		if (nt_nl_set_master(sk, members[i], name, e2, sizeof(e2)) == 0 && up[i])
			nt_nl_set_up(sk, members[i], true, e2, sizeof(e2));
	}
	if (b.up && nt_nl_set_up(sk, name, true, e2, sizeof(e2)) && rc == 0) {
		snprintf(err, errlen, "%s", e2);
		rc = -EIO;
	}
	return rc;
}

/* NAME into MASTER ("" none): down, out of its old master, in, up as it
 * was (a bond takes only members that are down). */
static int set_master(struct nl_sock *sk, const char *name, const char *master, char *err,
		      size_t errlen)
{
	struct nt_link l;
	int rc = nt_nl_get(sk, name, &l, err, errlen);
	if (rc)
		return rc;
	if (!l.exists) {
		snprintf(err, errlen, "%s: no such interface", name);
		return -ENODEV;
	}
	if (!strcmp(l.master, master))
		return 0;
	if (l.up && (rc = nt_nl_set_up(sk, name, false, err, errlen)))
		return rc;
	if (l.master[0])
		rc = nt_nl_set_master(sk, name, "", err, errlen);
	if (rc == 0 && *master)
		rc = nt_nl_set_master(sk, name, master, err, errlen);
	char e2[256];
	if (l.up && nt_nl_set_up(sk, name, true, e2, sizeof(e2)) && rc == 0) {
		snprintf(err, errlen, "%s", e2);
		rc = -EIO;
	}
	return rc;
}

static int ext_act(struct ta_ctx *c, const struct ta_op *op, char *err, size_t errlen)
{
	struct nl_sock *sk = sock(c, err, errlen);
	if (!sk)
		return -EIO;
	int mode, miimon, hash, rc;
	struct nt_link l;
	switch (op->ext_kind) {
	case NT_OP_BOND_CREATE:
		if ((rc = nt_nl_get(sk, op->name, &l, err, errlen)))
			return rc;
		if (!l.exists && (rc = nt_nl_bond_create(sk, op->name, err, errlen)))
			return rc;
		return nt_nl_set_up(sk, op->name, true, err, errlen);
	case NT_OP_BOND_OPTIONS:
		if (sscanf(op->arg, "%d %d %d", &mode, &miimon, &hash) != 3)
			return -EINVAL;
		return bond_options(sk, op->name, mode, miimon, hash, err, errlen);
	case NT_OP_MASTER:
		return set_master(sk, op->name, op->arg, err, errlen);
	case NT_OP_MTU:
		return nt_nl_set_mtu(sk, op->name, strtol(op->arg, NULL, 10), err, errlen);
	}
	return -EINVAL;
}

static int ext_undo(struct ta_ctx *c, const struct tj_rec *r, char *err, size_t errlen)
{
	struct nl_sock *sk = sock(c, err, errlen);
	struct nt_link l;
	if (!sk)
		return -EIO;
	if (r->kind == TJ_BOND)
		return bond_options(sk, r->name, r->bond_mode, r->miimon, r->hash, err, errlen);
	if (r->kind != TJ_LINK) {
		snprintf(err, errlen, "a %s record: not netback-tune's", tj_kind_name(r->kind));
		return -EINVAL;
	}
	int rc = nt_nl_get(sk, r->name, &l, err, errlen);
	if (rc)
		return rc;
	if (!r->existed)
		return l.exists ? nt_nl_delete(sk, r->name, err, errlen) : 0;
	if (!l.exists) {
		snprintf(err, errlen, "%s: gone; it cannot be put back", r->name);
		return -ENODEV;
	}
	if ((rc = set_master(sk, r->name, r->master, err, errlen)))
		return rc;
	if (r->mtu > 0 && l.mtu != r->mtu && (rc = nt_nl_set_mtu(sk, r->name, r->mtu, err, errlen)))
		return rc;
	if ((rc = nt_nl_get(sk, r->name, &l, err, errlen)))
		return rc;
	return l.up == r->up ? 0 : nt_nl_set_up(sk, r->name, r->up, err, errlen);
}

void nt_apply_init(struct nt_apply *a)
{
	memset(a, 0, sizeof(*a));
	a->ext = (struct ta_ext){ ext_snapshot, ext_act, ext_undo, a };
}

void nt_apply_fini(struct nt_apply *a)
{
	nt_nl_close(a->sk);
	a->sk = NULL;
}

/* ---- the plan's items as changes ---- */

/* Bonds change this process's namespace: its view under the sysroot must
 * be that namespace. */
static int net_live(struct ta_ctx *c, struct nt_apply *a, const struct tune_plan *plan,
		    char *err, size_t errlen)
{
	struct statfs sf;
	char path[64], *text;
	size_t len;
	struct sysroot r = { c->root_fd, c->sysroot };
	int fd = openat(c->root_fd, "sys", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool sysfs = fd >= 0 && fstatfs(fd, &sf) == 0 && sf.f_type == SYSFS_MAGIC;
	if (fd >= 0)
		close(fd);
	if (!sysfs) {
		snprintf(err, errlen, "bonds are made over netlink in xcdd's network namespace, and %s/sys is not sysfs (a tree of files, as the fixtures are): nothing was changed",
			 c->sysroot);
		return -ENOTSUP;
	}
	struct nl_sock *sk = sock(c, err, errlen);
	if (!sk)
		return -EIO;
	for (size_t i = 0; i < plan->n; i++) {
		const struct tune_item *it = &plan->items[i];
		if (it->kind != TUNE_CHANGE || (strcmp(it->area, "nic") && strcmp(it->area, "bond")))
			continue;
		/* The interface, and for a bond's master its bridge. */
		char names[2][NT_IFNAMSIZ];
		snprintf(names[0], sizeof(names[0]), "%.*s", (int)strcspn(it->object, "/"), it->object);
		snprintf(names[1], sizeof(names[1]), "%s",
			 !strcmp(it->area, "bond") && strstr(it->object, "/master") ? it->to : "");
		for (int k = 0; k < 2; k++) {
			struct nt_link l;
			long idx = -1;
			if (!names[k][0])
				continue;
			int rc = nt_nl_get(sk, names[k], &l, err, errlen);
			if (rc)
				return rc;
			snprintf(path, sizeof(path), "sys/class/net/%s/ifindex", names[k]);
			if (sf_read(&r, path, 64, &text, &len) == 0) {
				idx = strtol(text, NULL, 10);
				free(text);
			}
			if ((l.exists ? l.ifindex : -1) != idx) {
				snprintf(err, errlen, "%s: index %ld in %s/sys, %d in xcdd's network namespace: the sysroot is not this namespace's view; nothing was changed",
					 names[k], idx, c->sysroot, l.exists ? l.ifindex : -1);
				return -ENOTSUP;
			}
		}
	}
	return 0;
}

static struct ta_op *ext_op(struct ta_change *ch, int kind, const char *name, const char *arg)
{
	struct ta_op *op = ta_change_op(ch, TA_OP_EXT, NULL, NULL, 0);
	if (op) {
		op->ext_kind = kind;
		snprintf(op->name, sizeof(op->name), "%s", name);
		snprintf(op->arg, sizeof(op->arg), "%s", arg);
	}
	return op;
}

static int link_change(const struct tune_item *it, struct ta_change *ch, char *err, size_t errlen)
{
	char name[NT_IFNAMSIZ], arg[64];
	const char *slash = strchr(it->object, '/');
	size_t nl = slash ? (size_t)(slash - it->object) : strlen(it->object);
	if (nl == 0 || nl >= sizeof(name)) {
		snprintf(err, errlen, "%s %s: not an interface", it->area, it->object);
		return -EINVAL;
	}
	snprintf(name, sizeof(name), "%.*s", (int)nl, it->object);
	const char *what = slash ? slash + 1 : "";
	int kind;
	if (!strcmp(it->area, "bond") && !slash) {
		kind = NT_OP_BOND_CREATE;
		arg[0] = '\0';
	} else if (!strcmp(what, "mode") || !strcmp(what, "miimon") ||
		   !strcmp(what, "xmit_hash_policy")) {
		int m = !strcmp(what, "mode") ? (int)nt_bond_mode_from_name(it->to) : -1;
		int mii = !strcmp(what, "miimon") ? atoi(it->to) : -1;
		int h = !strcmp(what, "xmit_hash_policy") ? nt_bond_hash_from_name(it->to) : -1;
		if ((!strcmp(what, "mode") && m < 0) || (!strcmp(what, "xmit_hash_policy") && h < 0)) {
			snprintf(err, errlen, "%s %s: '%s' is not one the kernel knows", it->area,
				 it->object, it->to);
			return -EINVAL;
		}
		kind = NT_OP_BOND_OPTIONS;
		snprintf(arg, sizeof(arg), "%d %d %d", m, mii, h);
	} else if (!strcmp(what, "master")) {
		kind = NT_OP_MASTER;
		snprintf(arg, sizeof(arg), "%s", it->to);
	} else if (!strcmp(what, "mtu")) {
		kind = NT_OP_MTU;
		snprintf(arg, sizeof(arg), "%ld", strtol(it->to, NULL, 10));
	} else {
		snprintf(err, errlen, "%s %s: netback-tune does not know how to make it", it->area,
			 it->object);
		return -EINVAL;
	}
	return ext_op(ch, kind, name, arg) ? 0 : -ENOMEM;
}

/* "VIF-qN": its threads' CPUs and its IRQs' smp_affinity_list. */
static int queue_change(struct ta_ctx *c, const struct nt_host *h, const struct tune_item *it,
			struct ta_change *ch, char *err, size_t errlen)
{
	const char *q = strrchr(it->object, '-');
	char vif[NT_IFNAMSIZ];
	struct cpuset to;
	unsigned qn;
	const struct nt_nic *n = NULL;
	if (q && q[1] == 'q' && sscanf(q + 2, "%u", &qn) == 1 &&
	    (size_t)(q - it->object) < sizeof(vif)) {
		snprintf(vif, sizeof(vif), "%.*s", (int)(q - it->object), it->object);
		n = nt_host_nic(h, vif);
	}
	if (!n || qn >= n->n_queues || cpuset_parse(it->to, &to) || !cpuset_count(&to)) {
		snprintf(err, errlen, "vif-queue %s: no such queue on the host, or '%s' is not a CPU list",
			 it->object, it->to);
		return -EINVAL;
	}
	const struct nt_queue *qu = &n->queues[qn];
	int pids[2] = { qu->rx_pid, qu->dealloc_pid };
	for (int k = 0; k < 2; k++) {
		if (pids[k] < 0)
			continue;
		struct ta_op *op = ta_change_op(ch, TA_OP_AFFINITY, NULL, NULL, 0);
		if (!op)
			return -ENOMEM;
		op->pid = pids[k];
		op->cpus = to;
		if (ta_thread_comm(c, pids[k], op->comm, sizeof(op->comm)) < 0) {
			snprintf(err, errlen, "vif-queue %s: thread %d is gone", it->object, pids[k]);
			return -ESRCH;
		}
	}
	int irqs[2] = { qu->tx_irq, qu->rx_irq == qu->tx_irq ? -1 : qu->rx_irq };
	for (int k = 0; k < 2; k++) {
		char path[64], val[TJ_CPUS_MAX + 2];
		if (irqs[k] < 0)
			continue;
		snprintf(path, sizeof(path), "proc/irq/%d/smp_affinity_list", irqs[k]);
		cpuset_format(&to, val, sizeof(val) - 1);
		strcat(val, "\n");
		if (!ta_change_op(ch, TA_OP_ATTR, path, val, strlen(val)))
			return -ENOMEM;
	}
	return 0;
}

static int netback_change(struct ta_ctx *c, const struct ta_change *prev, size_t n_prev,
			  const struct tune_item *it, struct ta_change *ch, char *err, size_t errlen)
{
	const char *param = strrchr(it->object, '/');
	char v[32];
	if (!param || strncmp(it->object, "/" NT_NB_PARAM_DIR "/", strlen(NT_NB_PARAM_DIR) + 2) ||
	    strlen(it->to) >= sizeof(v) - 1 || strspn(it->to, "0123456789") != strlen(it->to) ||
	    !*it->to) {
		snprintf(err, errlen, "netback %s: not a parameter value netback-tune writes", it->object);
		return -EINVAL;
	}
	param++;
	if (it->on_reload)
		return ta_modprobe_op(c, prev, n_prev, ch, NT_MODPROBE_FILE, "xen_netback", param,
				      it->to, err, errlen);
	snprintf(v, sizeof(v), "%s\n", it->to);
	if (!ta_change_op(ch, TA_OP_ATTR, it->object + 1, v, strlen(v)))
		return -ENOMEM;
	/* Kept for the module's next load too, which would bring back the old
	 * value otherwise. */
	int rc = ta_modprobe_op(c, prev, n_prev, ch, NT_MODPROBE_FILE, "xen_netback", param, it->to,
				err, errlen);
	ch->note[0] = '\0'; /* in effect now, not deferred */
	return rc;
}

struct build {
	struct ta_ctx *c;
	const struct nt_host *h;
};

static int build_one(void *arg, struct ta_change *done, size_t k, const struct tune_item *it,
		     struct ta_change *ch, char *err, size_t errlen)
{
	struct build *b = arg;
	if (!strcmp(it->area, "bond") || !strcmp(it->area, "nic"))
		return link_change(it, ch, err, errlen);
	if (!strcmp(it->area, "netback"))
		return netback_change(b->c, done, k, it, ch, err, errlen);
	if (!strcmp(it->area, "vif-queue"))
		return queue_change(b->c, b->h, it, ch, err, errlen);
	snprintf(err, errlen, "%s %s: netback-tune does not know how to make it", it->area,
		 it->object);
	return -EINVAL;
}

int nt_apply_changes(struct ta_ctx *c, struct nt_apply *a, const struct nt_host *h,
		     const struct tune_plan *plan, struct ta_change **out, size_t *n, char *err,
		     size_t errlen)
{
	bool links = false;
	int rc;
	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < plan->n; i++)
		links |= plan->items[i].kind == TUNE_CHANGE &&
			 (!strcmp(plan->items[i].area, "bond") || !strcmp(plan->items[i].area, "nic"));
	if (links && (rc = net_live(c, a, plan, err, errlen)))
		return rc;
	struct build b = { c, h };
	return ta_changes_build(plan, build_one, &b, out, n, err, errlen);
}
