/* io_watch: placements as guests start, the link socket, the refreshed I/O
 * picture and its notifications (see io_watch.h). */
#include "io_watch.h"
#include "../lib/errmsg.h"
#include "../lib/fdio.h"
#include "../lib/jsonw.h"
#include "../lib/log.h"
#include "../netback-tune/kthreadcache.h"
#include "../netback-tune/linkwatch.h"
#include "io_place.h"
#include "io_summary.h"
#include "io_survey.h"
#include "io_uevent.h"
#include "rpc_tune.h"
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/rtnl.h>
#include <netlink/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define NL_BUF (64u << 10)
#define NL_TURN 32	    /* datagrams read per turn of the loop */
#define SOON_MS 100	    /* events close together make one refresh */
#define HEARD_MAX 64	    /* path states the kernel told, kept */
#define IO_KEPT_KTHREADS 65536 /* names the refreshes keep: 4.5 MiB */
#define HEARD_GRACE_MS 3000 /* a refresh started before or this soon after a
			     * uevent may not have it from multipathd yet */

/* A path's state as a uevent told it. */
struct heard {
	char wwid[DM_WWID_MAX], map[DM_MAPNAME_MAX], dev[64];
	bool live;
	uint64_t ms; /* when (mono_ms) */
};

struct pjob {
	struct io_watch *w;
	struct io_place_req q;
	struct tune_dom *doms;
	struct pjob *next;
};

struct io_watch {
	struct xcdd *x;
	struct io_watch_opts o;
	struct childjobs jobs;
	bool closing;
	/* rtnetlink */
	struct nl_sock *sk;
	int fd;
	struct nt_linktab links;
	bool dumping, redump, lost;
	/* the kernel's uevents */
	struct io_uevent *ue;
	struct heard heard[HEARD_MAX];
	size_t n_heard;
	/* the picture */
	struct loop_timer *tick, *soon;
	bool surveying, again;
	uint64_t survey_ms; /* when the running refresh started */
	yajl_val doc;	   /* the last refresh's; NULL before the first */
	uint64_t doc_ms;   /* when it came (mono_ms) */
	char err[XCD_ERR_MAX]; /* the last refresh's failure; "" */
	struct tune_dom *survey_doms;
	size_t n_survey_doms;
	/* what one refresh learnt of kernel threads for the next, shared
	 * with the refresh's child job (one refresh at a time); NULL: none */
	struct nt_kcache *kept;
	/* placements waiting for a job, and those running (at most
	 * IO_JOBS_MAX - 1: a slot stays for the refresh) */
	struct pjob *queue;
	unsigned placing;
};

/* ---- the refresh ---- */

static void survey_start(struct io_watch *w);

static void refresh_soon(struct io_watch *w)
{
	if (!loop_timer_armed(w->soon))
		loop_timer_arm(w->soon, SOON_MS, 0);
}

/* The guests a notification names: their domid, name (xcdd's, else what
 * the picture gives) and device. */
static int gen_guests(yajl_gen g, struct io_watch *w, yajl_val guests, const char *dev_key)
{
	if (jw_str(g, "guests") || yajl_gen_array_open(g))
		return -EINVAL;
	for (size_t i = 0; guests && YAJL_IS_ARRAY(guests) && i < guests->u.array.len; i++) {
		yajl_val o = guests->u.array.values[i];
		const char *kd[] = { "domid", NULL }, *kv[] = { dev_key, NULL }, *kn[] = { "name", NULL };
		yajl_val d = yajl_tree_get(o, kd, yajl_t_number);
		yajl_val v = yajl_tree_get(o, kv, yajl_t_string);
		yajl_val n = yajl_tree_get(o, kn, yajl_t_string);
		if (!d || !YAJL_IS_INTEGER(d) || YAJL_GET_INTEGER(d) < 0)
			continue;
		long long domid = YAJL_GET_INTEGER(d);
		const struct dm_domain *dom = domid ? dm_find(&w->x->dm, NULL, domid) : NULL;
		const char *name = dom ? dom->name : n ? YAJL_GET_STRING(n) : "";
		if (yajl_gen_map_open(g) || jw_kv_int(g, "domid", domid) ||
		    jw_kv_str(g, "name", name) || jw_kv_str(g, dev_key, v ? YAJL_GET_STRING(v) : "") ||
		    yajl_gen_map_close(g))
			return -EINVAL;
	}
	return yajl_gen_array_close(g) ? -EINVAL : 0;
}

struct ev_arg {
	struct io_watch *w;
	const struct io_event *ev;
};

static int gen_event(yajl_gen g, void *arg)
{
	const struct ev_arg *a = arg;
	const struct io_event *e = a->ev;
	const char *state = e->up ? "up" : "down";
	if (yajl_gen_map_open(g) || jw_kv_bool(g, "initial", e->initial) ||
	    jw_kv_str(g, "source", e->heard ? "uevent" : "refresh"))
		return -EINVAL;
	if (e->kind == IO_EV_LINK) {
		if (jw_kv_str(g, "device", e->device) || jw_kv_str(g, "bond", e->bond) ||
		    jw_kv_str(g, "bridge", e->bridge) || jw_kv_str(g, "state", state) ||
		    (e->members >= 0 && (jw_kv_int(g, "members_up", e->members_up) ||
					 jw_kv_int(g, "members", e->members))) ||
		    gen_guests(g, a->w, e->guests, "vif"))
			return -EINVAL;
	} else if (jw_kv_str(g, "map", e->map) || jw_kv_str(g, "wwid", e->wwid) ||
		   jw_kv_str(g, "path", e->path) || jw_kv_str(g, "state", state) ||
		   jw_kv_str(g, "dm_st", e->dm_st) || jw_kv_str(g, "chk_st", e->chk_st) ||
		   jw_kv_int(g, "live", e->live) || jw_kv_int(g, "total", e->total) ||
		   gen_guests(g, a->w, e->guests, "vdev")) {
		return -EINVAL;
	}
	return yajl_gen_map_close(g) ? -EINVAL : 0;
}

/* "g1, g2" (or "none") of an event's guests, for the log. */
static void guest_names(struct io_watch *w, yajl_val guests, char *buf, size_t size)
{
	size_t off = 0;
	snprintf(buf, size, "none");
	for (size_t i = 0; guests && YAJL_IS_ARRAY(guests) && i < guests->u.array.len && off < size;
	     i++) {
		const char *kd[] = { "domid", NULL };
		yajl_val d = yajl_tree_get(guests->u.array.values[i], kd, yajl_t_number);
		if (!d || !YAJL_IS_INTEGER(d))
			continue;
		const struct dm_domain *dom = dm_find(&w->x->dm, NULL, YAJL_GET_INTEGER(d));
		char one[80];
		if (dom)
			snprintf(one, sizeof(one), "%s", dom->name);
		else
			snprintf(one, sizeof(one), "domid %lld", YAJL_GET_INTEGER(d));
		off += (size_t)snprintf(buf + off, size - off, "%s%s", off ? ", " : "", one);
	}
}

static void on_event(const struct io_event *e, void *arg)
{
	struct io_watch *w = arg;
	struct ev_arg a = { w, e };
	char names[256], *line = NULL;
	size_t n = 0;
	enum log_level lvl = e->up ? LOG_LVL_INFO : LOG_LVL_WARN;
	const char *state = e->initial ? "down as the watch starts" : e->up ? "up" : "down";
	guest_names(w, e->guests, names, sizeof(names));
	if (e->kind == IO_EV_LINK && *e->bond)
		log_msg(lvl, "%s's member %s is %s (%lld of %lld members up), under %s: guests %s",
			e->bond, e->device, state, e->members_up, e->members,
			*e->bridge ? e->bridge : "no bridge", names);
	else if (e->kind == IO_EV_LINK)
		log_msg(lvl, "%s, in bridge %s, is %s: guests %s", e->device, e->bridge, state,
			names);
	else
		log_msg(lvl, "map %s (%s): path %s is %s (%s, %s; %lld of %lld live%s): guests %s",
			e->map, e->wwid, e->path, state, e->dm_st, e->chk_st, e->live, e->total,
			e->heard ? ", the kernel's uevent" : "", names);
	if (w->x->broadcast &&
	    jsonrpc_gen_notification(e->kind == IO_EV_LINK ? "io.link" : "io.path", gen_event, &a,
				     &line, &n) == 0)
		w->x->broadcast(w->x, line, n);
	free(line);
}

struct tell_arg {
	struct io_watch *w;
	struct client *c;
	int n;
};

static void tell_one(const struct io_event *e, void *arg)
{
	struct tell_arg *t = arg;
	struct ev_arg a = { t->w, e };
	char *line = NULL;
	size_t n = 0;
	if (t->n < 0)
		return;
	if (jsonrpc_gen_notification(e->kind == IO_EV_LINK ? "io.link" : "io.path", gen_event,
				     &a, &line, &n) == 0) {
		if (t->w->x->send_to)
			t->w->x->send_to(t->w->x, t->c, line, n);
		t->n++;
	} else
		t->n = -ENOMEM;
	free(line);
}

int io_watch_tell_down(struct xcdd *x, struct client *c)
{
	struct io_watch *w = x->io;
	if (!w || !w->doc)
		return 0;
	/* The picture against none: its every down thing, marked initial. */
	struct tell_arg t = { w, c, 0 };
	io_summary_diff(NULL, w->doc, tell_one, &t);
	return t.n;
}

static void place_next(struct io_watch *w);

static void heard_none(const struct io_event *e, void *arg) {}

/* What the kernel told of paths, into T, a refresh's picture that began
 * before multipathd could know it; older word is dropped. */
static void heard_apply(struct io_watch *w, yajl_val t)
{
	size_t k = 0;
	for (size_t i = 0; i < w->n_heard; i++) {
		const struct heard *h = &w->heard[i];
		if (h->ms + HEARD_GRACE_MS <= w->survey_ms)
			continue;
		io_summary_path_heard(t, h->wwid, h->map, h->dev, h->live, heard_none, NULL);
		w->heard[k++] = *h;
	}
	w->n_heard = k;
}

static void survey_done(struct childjob_end *end, void *arg)
{
	struct io_watch *w = arg;
	free(w->survey_doms);
	w->survey_doms = NULL;
	w->surveying = false;
	if (w->closing)
		return;
	char err[XCD_ERR_MAX] = "";
	yajl_val t = NULL;
	if (end->err)
		snprintf(err, sizeof(err), "%s", end->err);
	else if (!end->out || !(t = yajl_tree_parse(end->out, NULL, 0)) || !YAJL_IS_OBJECT(t))
		snprintf(err, sizeof(err), "the I/O refresh gave no picture xcdd can read");
	if (err[0]) {
		if (t)
			yajl_tree_free(t);
		if (strcmp(err, w->err))
			log_warn("%s", err);
		snprintf(w->err, sizeof(w->err), "%s", err);
	} else {
		/* The first picture tells what is down already. */
		heard_apply(w, t);
		io_summary_diff(w->doc, t, on_event, w);
		if (w->doc)
			yajl_tree_free(w->doc);
		w->doc = t;
		w->doc_ms = mono_ms();
		w->err[0] = '\0';
	}
	if (w->again) {
		w->again = false;
		survey_start(w);
	}
	place_next(w);
}

static int survey_work(int fd, void *arg)
{
	struct io_watch *w = arg;
	struct io_survey_req q = { .sysroot = w->x->tune_sysroot, .policy = w->x->io_policy,
				   .doms = w->survey_doms, .n_doms = w->n_survey_doms,
				   .kept = w->kept };
	char *out = NULL;
	size_t len = 0;
	if (io_survey_run(&q, &out, &len) < 0)
		return 2;
	return fd_write_all(fd, out, len) < 0 ? 3 : 0;
}

static void survey_start(struct io_watch *w)
{
	if (w->surveying) {
		w->again = true;
		return;
	}
	char err[XCD_ERR_MAX];
	if (tune_collect_doms(w->x, &w->survey_doms, &w->n_survey_doms) < 0)
		return;
	struct childjob_spec s = { .what = "the I/O refresh", .comm = "xcdd-iojob",
				   .fn = survey_work, .fn_arg = w, .max_out = IO_SURVEY_MAX_OUT,
				   .timeout_ms = IO_JOB_TIMEOUT_MS, .done = survey_done, .arg = w };
	if (childjob_start(&w->jobs, &s, NULL, err, sizeof(err)) < 0) {
		/* Jobs full: the next tick or event tries again. */
		free(w->survey_doms);
		w->survey_doms = NULL;
		if (strcmp(err, w->err))
			log_warn("the I/O refresh: %s", err);
		snprintf(w->err, sizeof(w->err), "%s", err);
		return;
	}
	w->surveying = true;
	w->survey_ms = mono_ms();
}

static void tick_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	survey_start(arg);
}

/* ---- placements ---- */

static int gen_tree(yajl_gen g, void *arg)
{
	return json_gen_tree(g, arg);
}

static void place_done(struct childjob_end *end, void *arg)
{
	struct pjob *p = arg;
	struct io_watch *w = p->w;
	yajl_val t = NULL;
	if (!w->closing) {
		if (!end->err && end->out)
			t = yajl_tree_parse(end->out, NULL, 0);
		const char *kp[] = { "placed", NULL }, *kf[] = { "failed", NULL };
		yajl_val placed = t ? yajl_tree_get(t, kp, yajl_t_array) : NULL;
		yajl_val fl = t ? yajl_tree_get(t, kf, yajl_t_array) : NULL;
		size_t np = placed ? placed->u.array.len : 0, nf = fl ? fl->u.array.len : 0;
		if (!t)
			log_warn("guest %s (domid %u): its queues and rings were not placed: %s",
				 p->q.name, p->q.domid, end->err ? end->err : "no answer from the job");
		else
			log_msg(nf ? LOG_LVL_WARN : LOG_LVL_INFO, "guest %s (domid %u): %zu queue%s and ring%s placed as io.conf wants, %zu failed",
						   p->q.name, p->q.domid, np, np == 1 ? "" : "s",
						   np == 1 ? "" : "s", nf);
		char *line = NULL;
		size_t n = 0;
		if (t && w->x->broadcast &&
		    jsonrpc_gen_notification("io.placed", gen_tree, t, &line, &n) == 0)
			w->x->broadcast(w->x, line, n);
		free(line);
		if (t)
			yajl_tree_free(t);
	}
	free(p->doms);
	free(p);
	w->placing--;
	if (!w->closing)
		place_next(w);
}

static int place_work(int fd, void *arg)
{
	struct pjob *p = arg;
	char *out = NULL;
	size_t len = 0;
	if (io_place_run(&p->q, &out, &len) < 0)
		return 2;
	return fd_write_all(fd, out, len) < 0 ? 3 : 0;
}

/* The queued placements that jobs can take now. */
static void place_next(struct io_watch *w)
{
	while (w->queue && w->placing < IO_JOBS_MAX - 1) {
		struct pjob *p = w->queue;
		char err[XCD_ERR_MAX];
		struct childjob_spec s = { .what = "a guest's placement", .comm = "xcdd-iojob",
					   .fn = place_work, .fn_arg = p, .max_out = 1u << 20,
					   .timeout_ms = IO_JOB_TIMEOUT_MS + p->q.wait_ms,
					   .done = place_done, .arg = p };
		if (tune_collect_doms(w->x, &p->doms, &p->q.n_doms) < 0)
			return;
		p->q.doms = p->doms;
		if (childjob_start(&w->jobs, &s, NULL, err, sizeof(err)) < 0) {
			free(p->doms);
			p->doms = NULL;
			if (w->jobs.n)
				return; /* again when a job ends */
			log_warn("guest %s (domid %u): its queues and rings not placed: %s", p->q.name,
				 p->q.domid, err);
			w->queue = p->next;
			free(p);
			continue;
		}
		w->queue = p->next;
		w->placing++;
	}
}

static void on_started(struct dm *m, const struct dm_domain *d, void *arg)
{
	struct io_watch *w = arg;
	const struct domcfg *cfg = dm_domain_config(d);
	if (!cfg || !w->o.place_wait_s || cfg->n_vifs + cfg->n_disks == 0)
		return;
	struct pjob *p = calloc(1, sizeof(*p));
	if (!p)
		return;
	p->w = w;
	p->q.sysroot = w->x->tune_sysroot;
	p->q.policy = w->x->io_policy;
	p->q.domid = d->domid;
	p->q.wait_ms = w->o.place_wait_s * 1000;
	snprintf(p->q.name, sizeof(p->q.name), "%s", d->name);
	for (size_t i = 0; i < cfg->n_vifs && p->q.n_vifs < IO_PLACE_MAX_DEVS; i++) {
		const struct vif *v = &cfg->vifs[i];
		char *dst = p->q.vifs[p->q.n_vifs++];
		if (v->ifname && *v->ifname)
			snprintf(dst, sizeof(p->q.vifs[0]), "%s", v->ifname);
		else
			snprintf(dst, sizeof(p->q.vifs[0]), "vif%u.%d", d->domid,
				 v->devid >= 0 ? v->devid : (int)i);
	}
	for (size_t i = 0; i < cfg->n_disks && p->q.n_disks < IO_PLACE_MAX_DEVS; i++)
		if (cfg->disks[i].vdev && strlen(cfg->disks[i].vdev) < sizeof(p->q.disks[0]))
			strcpy(p->q.disks[p->q.n_disks++], cfg->disks[i].vdev);
	struct pjob **tail = &w->queue;
	while (*tail)
		tail = &(*tail)->next;
	*tail = p;
	place_next(w);
}

/* ---- rtnetlink ---- */

static int links_dump(struct io_watch *w)
{
	if (w->dumping) {
		w->redump = true;
		return 0;
	}
	int rc = nl_rtgen_request(w->sk, RTM_GETLINK, AF_UNSPEC, NLM_F_DUMP);
	if (rc < 0) {
		log_warn("rtnetlink: asking for the interfaces: %s", nl_geterror(rc));
		return -EIO;
	}
	w->dumping = true;
	return 0;
}

/* One datagram of LEN bytes. */
static void nl_datagram(struct io_watch *w, const void *buf, size_t len)
{
	size_t off = 0;
	for (const struct nlmsghdr *h; (h = nt_nlmsg_next(buf, len, &off));) {
		if (h->nlmsg_type == NLMSG_DONE) {
			w->dumping = false;
			if (w->redump) {
				w->redump = false;
				links_dump(w);
			} else if (w->lost) {
				/* What changed while events were lost. */
				w->lost = false;
				refresh_soon(w);
			}
			continue;
		}
		struct nt_linkmsg m;
		bool changed = false;
		if (nt_linkmsg_parse(h, h->nlmsg_len, &m) != 1)
			continue;
		if (nt_linktab_update(&w->links, &m, &changed) == 0 && changed && !w->dumping) {
			log_debug("rtnetlink: %s (index %d) changed: refreshing the I/O picture",
				  m.name, m.ifindex);
			refresh_soon(w);
		}
	}
}

static void nl_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct io_watch *w = arg;
	static char buf[NL_BUF] __attribute__((aligned(8)));
	for (int i = 0; i < NL_TURN; i++) {
		ssize_t n = io_nl_recv(fd, buf, sizeof(buf));
		if (n == -ENOBUFS) {
			/* Events were lost: the table is made again. */
			nt_linktab_free(&w->links);
			w->lost = true;
			links_dump(w);
		} else if (n > 0) {
			nl_datagram(w, buf, (size_t)n);
		} else if (n == 0) {
			return;
		}
	}
}

static int nl_open(struct io_watch *w)
{
	int rc = -NLE_NOMEM;
	if (!(w->sk = nl_socket_alloc()) || (rc = nl_connect(w->sk, NETLINK_ROUTE)) < 0 ||
	    (rc = nl_socket_add_membership(w->sk, RTNLGRP_LINK)) < 0 ||
	    (rc = nl_socket_set_nonblocking(w->sk)) < 0 ||
	    (rc = nl_socket_set_buffer_size(w->sk, 1 << 20, 0)) < 0) {
		log_warn("rtnetlink: %s: link events are not watched (the refresh every %u s still sees links)",
			 nl_geterror(rc), w->o.refresh_s);
		return -EIO;
	}
	nl_socket_disable_seq_check(w->sk);
	w->fd = nl_socket_get_fd(w->sk);
	if (loop_add(w->x->loop, w->fd, EPOLLIN, nl_cb, w) < 0) {
		w->fd = -1;
		return -EIO;
	}
	return links_dump(w);
}

/* ---- the kernel's uevents ---- */

static void on_uevent(const struct dm_path_event *e, const char *dev, void *arg)
{
	struct io_watch *w = arg;
	if (!*dev) {
		refresh_soon(w); /* a path gone with its device: the refresh sees it */
		return;
	}
	struct heard h = { .live = e->reinstated, .ms = mono_ms() };
	snprintf(h.wwid, sizeof(h.wwid), "%s", e->wwid);
	snprintf(h.map, sizeof(h.map), "%s", e->map);
	snprintf(h.dev, sizeof(h.dev), "%s", dev);
	if (w->n_heard == HEARD_MAX)
		memmove(w->heard, w->heard + 1, --w->n_heard * sizeof(h));
	w->heard[w->n_heard++] = h;
	/* Told now from the picture kept; a path it lacks, at the refresh. */
	if (!w->doc || io_summary_path_heard(w->doc, e->wwid, e->map, dev, e->reinstated, on_event,
					     w) < 0)
		refresh_soon(w);
}

static void on_uevents_lost(void *arg)
{
	refresh_soon(arg);
}

static void uevent_open(struct io_watch *w)
{
	if (strcmp(w->x->tune_sysroot, "/") != 0)
		return; /* a fixture host: no kernel speaks for it */
	int rc = io_uevent_open(w->x->loop, w->x->tune_sysroot, on_uevent, on_uevents_lost, w,
				&w->ue);
	if (rc < 0)
		log_warn("uevents: %s: multipath paths are seen by the refresh every %u s only",
			 strerror(-rc), w->o.refresh_s);
}

/* ---- xcd info ---- */

static int gen_info(struct xcdd *x, yajl_gen g)
{
	struct io_watch *w = x->io;
	if (yajl_gen_map_open(g) ||
	    jw_kv_str(g, "state", w->doc ? "ready" : w->err[0] ? "failed" : "pending") ||
	    jw_kv_int(g, "age_ms", w->doc ? (long long)(mono_ms() - w->doc_ms) : -1) ||
	    jw_kv_int(g, "refresh_s", w->o.refresh_s) || jw_kv_bool(g, "refreshing", w->surveying) ||
	    jw_kv_bool(g, "link_events", w->fd >= 0) || jw_kv_bool(g, "path_events", w->ue) ||
	    jw_kv_str(g, "error", w->err) ||
	    (w->doc && io_summary_gen(g, w->doc)))
		return -EINVAL;
	return yajl_gen_map_close(g) ? -EINVAL : 0;
}

int io_watch_open(struct xcdd *x, const struct io_watch_opts *o)
{
	if (o->off)
		return 0;
	struct io_watch *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->x = x;
	w->o = *o;
	w->fd = -1;
	w->jobs.loop = x->loop;
	w->jobs.max = IO_JOBS_MAX;
	/* without it (no memory), every refresh reads the host afresh */
	w->kept = nt_kcache_new_shared(IO_KEPT_KTHREADS);
	if (!(w->tick = loop_timer_new(x->loop, tick_cb, w)) ||
	    !(w->soon = loop_timer_new(x->loop, tick_cb, w))) {
		if (w->tick)
			loop_timer_free(w->tick);
		nt_kcache_free(w->kept);
		free(w);
		return -ENOMEM;
	}
	x->io = w;
	x->io_info = gen_info;
	dm_set_started_fn(&x->dm, on_started, w);
	nl_open(w);
	uevent_open(w);
	if (o->refresh_s)
		loop_timer_arm(w->tick, 1000ull * o->refresh_s, 1000ull * o->refresh_s);
	survey_start(w); /* the first picture, now */
	return 0;
}

void io_watch_close(struct xcdd *x)
{
	struct io_watch *w = x->io;
	if (!w)
		return;
	w->closing = true;
	dm_set_started_fn(&x->dm, NULL, NULL);
	x->io_info = NULL;
	childjobs_close(&w->jobs, "xcdd is stopping");
	while (w->queue) {
		struct pjob *p = w->queue;
		w->queue = p->next;
		free(p);
	}
	if (w->fd >= 0)
		loop_del(x->loop, w->fd);
	if (w->sk)
		nl_socket_free(w->sk);
	io_uevent_close(w->ue);
	nt_linktab_free(&w->links);
	loop_timer_free(w->tick);
	loop_timer_free(w->soon);
	if (w->doc)
		yajl_tree_free(w->doc);
	nt_kcache_free(w->kept);
	free(w);
	x->io = NULL;
}
