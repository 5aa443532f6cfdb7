/* control: xcd-sim's Unix socket, one connection per hv client, the request
 * dispatch of sim/PROTOCOL.md. A client has one request outstanding at a
 * time, so a connection holds at most one unsent reply; until it is sent, the
 * connection's input is not read. */
#include "sim.h"
#include "proto.h"
#include "../lib/log.h"
#include "../lib/loop.h"
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct conn {
	struct sim_control *c;
	struct conn *next;
	int fd;
	uint8_t *in;
	size_t inlen, incap;
	uint8_t *out;
	size_t outlen, outoff;
	int outfd; /* sent with the reply's first bytes */
	int outfd_owned; /* closed once sent (a new event handle's client end) */
	int infd;  /* came with the request being read (adopt), or -1 */
};

struct sim_control {
	struct loop *l;
	struct sim_host *h;
	int lfd;
	char path[108];
	struct conn *conns;
};

struct reply {
	int err;
	char msg[SIM_ERRMSG_MAX];
	uint8_t *data;
	size_t len;
	int fd; /* -1: none */
	int fd_owned; /* closed by the connection once sent */
};

static int by_domid(const void *a, const void *b)
{
	uint32_t x = ((const struct sim_dominfo *)a)->domid, y = ((const struct sim_dominfo *)b)->domid;
	return x < y ? -1 : x > y;
}

static int fail(struct reply *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct reply *r, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	return r->err = err;
}

static int answer(struct reply *r, const void *data, size_t len)
{
	r->data = malloc(len ? len : 1);
	if (!r->data)
		return fail(r, -ENOMEM, "out of memory for a %zu-byte reply", len);
	memcpy(r->data, data, len);
	r->len = len;
	return 0;
}

static void conn_close(struct conn *k)
{
	struct sim_control *c = k->c;
	if (k->infd >= 0)
		close(k->infd);
	if (k->outfd >= 0 && k->outfd_owned)
		close(k->outfd);
	loop_del(c->l, k->fd);
	close(k->fd);
	for (struct conn **p = &c->conns; *p; p = &(*p)->next) {
		if (*p == k) {
			*p = k->next;
			break;
		}
	}
	free(k->in);
	free(k->out);
	free(k);
}

static int need(struct reply *r, uint32_t len, size_t want, const char *op)
{
	if (len < want)
		return fail(r, -EINVAL, "%s: payload of %u bytes, expected %zu", op, len, want);
	return 0;
}

static struct sim_domain *domain(struct sim_control *c, struct reply *r, uint32_t domid)
{
	struct sim_domain *d = sim_domain_find(c->h, domid);
	if (!d) {
		if (domid == 0)
			fail(r, -EPERM, "domain 0 is the control domain: not for this operation");
		else
			fail(r, -ESRCH, "domain %u does not exist", domid);
	}
	return d;
}

static void host_info(struct sim_host *h, struct sim_hostinfo *hi)
{
	memset(hi, 0, sizeof(*hi));
	hi->nr_cpus = h->nr_cpus;
	hi->total_kb = h->total_kb;
	hi->free_kb = sim_host_free_kb(h);
	hi->xen_major = 4;
	hi->xen_minor = 17;
	snprintf(hi->version, sizeof(hi->version), "xcd-sim %s (Xen 4.17 interface)",
		 PACKAGE_VERSION);
	hi->nr_features = h->nr_features;
	memcpy(hi->featureset, h->featureset, sizeof(hi->featureset));
}

/* The event channel operations (SIM_OP_EVTCHN_*). */
static int op_evtchn(struct conn *k, const struct sim_req *q, const uint8_t *pl,
		     struct reply *r, struct sim_domain *unused)
{
	struct sim_control *c = k->c;
	struct sim_host *h = c->h;
	uint32_t port = 0;
	int rc;
	if (q->op == SIM_OP_EVTCHN_OPEN) {
		rc = sim_evh_open(h, &port, &r->fd);
		if (rc < 0)
			return fail(r, rc, "event handle: %s", strerror(-rc));
		r->fd_owned = 1;
		log_debug("event handle %u opened", port);
		return answer(r, &port, sizeof(port));
	}
	if (q->op == SIM_OP_EVTCHN_ADOPT) {
		int fd = k->infd;
		k->infd = -1;
		if (fd < 0)
			return fail(r, -EBADF, "adopt: no descriptor came with the request");
		struct sim_evh *e = sim_evh_by_fd(h, fd);
		close(fd);
		if (!e)
			return fail(r, -ENOENT, "adopt: the descriptor is not an event handle of this host");
		port = sim_evh_id(e);
		return answer(r, &port, sizeof(port));
	}
	if (q->op == SIM_OP_EVTCHN_ALLOC_UNBOUND) {
		if (need(r, q->len, sizeof(struct sim_u32_arg), "evtchn alloc"))
			return r->err;
		uint32_t remote;
		memcpy(&remote, pl, sizeof(remote));
		struct sim_domain *d = domain(c, r, q->domid);
		if (!d)
			return r->err;
		pthread_mutex_lock(&d->mu);
		rc = sim_domain_alloc_port(d, remote, &port);
		pthread_mutex_unlock(&d->mu);
		if (rc < 0)
			return fail(r, rc, "domain %u has no free event channel", d->domid);
		return answer(r, &port, sizeof(port));
	}
	struct sim_evtchn_arg a;
	if (need(r, q->len, sizeof(a), "evtchn"))
		return r->err;
	memcpy(&a, pl, sizeof(a));
	struct sim_evh *e = sim_evh_find(h, a.handle);
	if (!e)
		return fail(r, -EBADF, "event handle %u is not open", a.handle);
	switch (q->op) {
	case SIM_OP_EVTCHN_BIND: {
		struct sim_domain *d = domain(c, r, q->domid);
		if (!d)
			return r->err;
		rc = sim_evh_bind(h, e, d, a.val, &port);
		if (rc == -ENOSPC)
			return fail(r, rc, "event handle %u has no free local port", a.handle);
		if (rc < 0)
			return fail(r, rc, "domain %u port %u is not unbound for domain 0",
				    d->domid, a.val);
		return answer(r, &port, sizeof(port));
	}
	case SIM_OP_EVTCHN_BIND_VIRQ:
		rc = sim_evh_bind_virq(h, e, a.val, &port);
		if (rc < 0)
			return fail(r, rc, "VIRQ %u: %s", a.val,
				    rc == -EINVAL ? "xcd-sim has only VIRQ_DOM_EXC (3)" :
				    rc == -EEXIST ? "already bound in this handle" :
						    "no free local port");
		return answer(r, &port, sizeof(port));
	case SIM_OP_EVTCHN_NOTIFY:
		rc = sim_evh_notify(h, e, a.val);
		if (rc == -ESRCH)
			return fail(r, rc, "local port %u: its domain is gone", a.val);
		return rc < 0 ? fail(r, rc, "local port %u is not bound to a domain", a.val) : 0;
	case SIM_OP_EVTCHN_UNBIND:
		rc = sim_evh_unbind(h, e, a.val);
		return rc < 0 ? fail(r, rc, "local port %u is not bound", a.val) : 0;
	default: /* SIM_OP_EVTCHN_UNMASK */
		rc = sim_evh_unmask(h, e, a.val);
		return rc < 0 ? fail(r, rc, "local port %u is not bound", a.val) : 0;
	}
}

/* The vCPU operations (SIM_OP_VCPU_*). */
static int op_vcpu(struct conn *k, const struct sim_req *q, const uint8_t *pl,
		   struct reply *r, struct sim_domain *unused)
{
	struct sim_control *c = k->c;
	struct sim_vcpu_arg va;
	if (need(r, q->len, sizeof(va), "vcpu"))
		return r->err;
	memcpy(&va, pl, sizeof(va));
	struct sim_domain *d = domain(c, r, q->domid);
	if (!d)
		return r->err;
	if (va.vcpu >= d->cfg.max_vcpus)
		return fail(r, -EINVAL, "domain %u has no vCPU %u", d->domid, va.vcpu);
	struct sim_vcpu *v = &d->vcpus[va.vcpu];
	const uint8_t *data = pl + sizeof(va);
	size_t dlen = q->len - sizeof(va);
	switch (q->op) {
	case SIM_OP_VCPU_INFO: {
		struct sim_vcpuinfo vi = { 0 };
		pthread_mutex_lock(&d->mu);
		vi.online = d->built;
		vi.running = v->in_guest;
		vi.blocked = d->built && !v->in_guest && !d->pause_count && !d->shutdown;
		vi.cpu = v->cpu;
		vi.cpu_time_ns = v->cpu_ns;
		pthread_mutex_unlock(&d->mu);
		return answer(r, &vi, sizeof(vi));
	}
	case SIM_OP_VCPU_SET_AFFINITY:
		pthread_mutex_lock(&d->mu);
		memset(v->affinity, 0, sizeof(v->affinity));
		memcpy(v->affinity, data, dlen < sizeof(v->affinity) ? dlen : sizeof(v->affinity));
		pthread_mutex_unlock(&d->mu);
		return 0;
	case SIM_OP_VCPU_GET_AFFINITY: {
		uint8_t map[sizeof(v->affinity)];
		pthread_mutex_lock(&d->mu);
		memcpy(map, v->affinity, sizeof(map));
		pthread_mutex_unlock(&d->mu);
		return answer(r, map, va.len < sizeof(map) ? va.len : sizeof(map));
	}
	case SIM_OP_VCPU_GET_CONTEXT: {
		struct sim_vcpu_context ctx;
		int rc = sim_vcpu_context(d, va.vcpu, &ctx, NULL);
		if (rc < 0)
			return fail(r, rc, "domain %u: pause it to read a vCPU context", d->domid);
		return answer(r, &ctx, sizeof(ctx));
	}
	default: { /* SIM_OP_VCPU_SET_CONTEXT */
		struct sim_vcpu_context ctx;
		if (dlen != sizeof(ctx))
			return fail(r, -EINVAL, "vCPU context of %zu bytes, xcd-sim's is %zu",
				    dlen, sizeof(ctx));
		memcpy(&ctx, data, sizeof(ctx));
		if (ctx.magic != SIM_CONTEXT_MAGIC)
			return fail(r, -EINVAL, "not an xcd-sim vCPU context (bad magic)");
		int rc = sim_vcpu_context(d, va.vcpu, NULL, &ctx);
		if (rc < 0)
			return fail(r, rc, "domain %u: pause it to set a vCPU context", d->domid);
		return 0;
	}
	}
}

/*
 * The operations, one function each (or one for a family: op_evtchn,
 * op_vcpu), called by dispatch through the table OPS. An operation marked
 * ON_DOMAIN gets the domain Q->domid names, looked up first (D); the others
 * get D NULL. Each fills R: its answer, or its error (fail).
 */
typedef int op_fn(struct conn *k, const struct sim_req *q, const uint8_t *pl, struct reply *r,
		  struct sim_domain *d);

static int op_hello(struct conn *k, const struct sim_req *q, const uint8_t *pl,
		    struct reply *r, struct sim_domain *unused)
{
	/* A client of another version would read every record wrong. */
	uint32_t v = SIM_PROTO_VERSION, theirs;
	if (need(r, q->len, sizeof(theirs), "hello"))
		return r->err;
	memcpy(&theirs, pl, sizeof(theirs));
	if (theirs != v) {
		log_warn("a client of protocol %u refused: this xcd-sim speaks %u", theirs, v);
		return fail(r, -EPROTO, "this xcd-sim speaks protocol %u, the client %u", v,
			    theirs);
	}
	return answer(r, &v, sizeof(v));
}

static int op_host_info(struct conn *k, const struct sim_req *q, const uint8_t *pl,
			struct reply *r, struct sim_domain *unused)
{
	struct sim_hostinfo hi;
	host_info(k->c->h, &hi);
	return answer(r, &hi, sizeof(hi));
}

static int op_create(struct conn *k, const struct sim_req *q, const uint8_t *pl,
		     struct reply *r, struct sim_domain *unused)
{
	/* Not XCD_ERR_MAX: the message goes into the wire record's field of
	 * SIM_ERRMSG_MAX bytes (sim/proto.h). */
	char err[SIM_ERRMSG_MAX] = "";
	struct sim_domain_config cfg;
	if (need(r, q->len, sizeof(cfg), "create"))
		return r->err;
	memcpy(&cfg, pl, sizeof(cfg));
	uint32_t domid;
	int rc = sim_domain_create(k->c->h, &cfg, &domid, err, sizeof(err));
	if (rc < 0)
		return fail(r, rc, "create: %s", err);
	log_info("domain %u created (%u vCPUs, %llu KiB)", domid, cfg.max_vcpus,
		 (unsigned long long)cfg.max_mem_kb);
	return answer(r, &domid, sizeof(domid));
}

static int op_list(struct conn *k, const struct sim_req *q, const uint8_t *pl,
		   struct reply *r, struct sim_domain *unused)
{
	struct sim_host *h = k->c->h;
	struct sim_u32_arg a;
	if (need(r, q->len, sizeof(a), "list"))
		return r->err;
	memcpy(&a, pl, sizeof(a));
	size_t n = 1;
	struct sim_domain *d;
	for (d = h->domains; d; d = d->next)
		n++;
	if (n > a.val)
		n = a.val;
	struct sim_dominfo *di = calloc(n ? n : 1, sizeof(*di));
	if (!di)
		return fail(r, -ENOMEM, "out of memory");
	size_t i = 0;
	if (i < n)
		sim_host_dom0_info(h, &di[i++]);
	/* By domid, as Xen lists them: one pass and a sort, not a lookup per
	 * possible domid (that made a list of 1000 guests cost tens of
	 * milliseconds). */
	for (d = h->domains; d && i < n; d = d->next)
		sim_domain_info(d, &di[i++]);
	if (i > 1)
		qsort(di + 1, i - 1, sizeof(*di), by_domid);
	r->data = (uint8_t *)di;
	r->len = i * sizeof(*di);
	return 0;
}

static int op_getinfo(struct conn *k, const struct sim_req *q, const uint8_t *pl,
		      struct reply *r, struct sim_domain *unused)
{
	struct sim_dominfo di;
	struct sim_domain *d;
	if (q->domid == 0)
		sim_host_dom0_info(k->c->h, &di);
	else if ((d = domain(k->c, r, q->domid)))
		sim_domain_info(d, &di);
	else
		return r->err;
	return answer(r, &di, sizeof(di));
}

static int op_build(struct conn *k, const struct sim_req *q, const uint8_t *pl,
		    struct reply *r, struct sim_domain *d)
{
	char err[SIM_ERRMSG_MAX] = ""; /* the wire's size, as op_create's */
	struct sim_build_arg ba;
	if (q->len <= sizeof(ba) || pl[q->len - 1] != '\0')
		return fail(r, -EINVAL, "build: expected the store and console domains, then a NUL-terminated kernel string");
	memcpy(&ba, pl, sizeof(ba));
	const char *kernel = (const char *)pl + sizeof(ba);
	struct sim_build_result br = { 0 };
	int rc = sim_domain_build(d, kernel, ba.store_domid, ba.console_domid, &br, err,
				  sizeof(err));
	if (rc < 0)
		return fail(r, rc, "build of domain %u: %s", d->domid, err);
	log_info("domain %u built: %s (store pfn %llu port %u, console pfn %llu port %u)",
		 d->domid, kernel, (unsigned long long)br.store_pfn, br.store_port,
		 (unsigned long long)br.console_pfn, br.console_port);
	return answer(r, &br, sizeof(br));
}

static int op_restore_finish(struct conn *k, const struct sim_req *q, const uint8_t *pl,
			     struct reply *r, struct sim_domain *d)
{
	char err[SIM_ERRMSG_MAX] = ""; /* the wire's size, as op_create's */
	struct sim_build_arg ba;
	if (need(r, q->len, sizeof(ba), "restore-finish"))
		return r->err;
	memcpy(&ba, pl, sizeof(ba));
	struct sim_build_result br = { 0 };
	int rc = sim_domain_restore_finish(d, ba.store_domid, ba.console_domid, &br, err,
					   sizeof(err));
	if (rc < 0)
		return fail(r, rc, "restore of domain %u: %s", d->domid, err);
	log_info("domain %u restored (store pfn %llu port %u, console pfn %llu port %u)",
		 d->domid, (unsigned long long)br.store_pfn, br.store_port,
		 (unsigned long long)br.console_pfn, br.console_port);
	return answer(r, &br, sizeof(br));
}

/* SIM_OP_PAUSE, SIM_OP_UNPAUSE and SIM_OP_RESUME: one call, one refusal. */
static int op_run_state(struct conn *k, const struct sim_req *q, const uint8_t *pl,
			struct reply *r, struct sim_domain *d)
{
	int rc = q->op == SIM_OP_PAUSE	   ? sim_domain_pause(d)
		 : q->op == SIM_OP_UNPAUSE ? sim_domain_unpause(d)
					   : sim_domain_resume(d);
	const char *why = q->op == SIM_OP_PAUSE	    ? ": paused too many times"
			  : q->op == SIM_OP_UNPAUSE ? " is not paused"
						    : " is not suspended";
	return rc < 0 ? fail(r, rc, "domain %u%s", d->domid, why) : 0;
}

/* SIM_OP_SHUTDOWN with its reason, SIM_OP_SUSPEND (reason suspend). */
static int op_shutdown(struct conn *k, const struct sim_req *q, const uint8_t *pl,
		       struct reply *r, struct sim_domain *d)
{
	uint32_t reason = SIM_SHUTDOWN_SUSPEND;
	if (q->op == SIM_OP_SHUTDOWN) {
		if (need(r, q->len, sizeof(reason), "shutdown"))
			return r->err;
		memcpy(&reason, pl, sizeof(reason));
	}
	int rc = sim_domain_shutdown(d, reason);
	if (rc < 0)
		return fail(r, rc, "shutdown reason %u is not one of Xen's", reason);
	log_info("domain %u shut down (reason %u)", d->domid, reason);
	return 0;
}

static int op_set_handle(struct conn *k, const struct sim_req *q, const uint8_t *pl,
			 struct reply *r, struct sim_domain *d)
{
	if (need(r, q->len, sizeof(d->cfg.uuid), "uuid"))
		return r->err;
	pthread_mutex_lock(&d->mu);
	memcpy(d->cfg.uuid, pl, sizeof(d->cfg.uuid));
	pthread_mutex_unlock(&d->mu);
	return 0;
}

static int op_set_cap(struct conn *k, const struct sim_req *q, const uint8_t *pl,
		      struct reply *r, struct sim_domain *d)
{
	struct sim_u32_arg a;
	if (need(r, q->len, sizeof(a), "cap"))
		return r->err;
	memcpy(&a, pl, sizeof(a));
	if (a.val > 100)
		return fail(r, -EINVAL, "domain %u: a CPU cap of %u%% (0 to 100)", d->domid, a.val);
	pthread_mutex_lock(&d->mu);
	d->cap = a.val == 100 ? 0 : a.val; /* from each vCPU's next tick on */
	pthread_mutex_unlock(&d->mu);
	log_info("domain %u: CPU cap %u%%", d->domid, a.val);
	return 0;
}

static int op_destroy(struct conn *k, const struct sim_req *q, const uint8_t *pl,
		      struct reply *r, struct sim_domain *d)
{
	sim_domain_destroy(k->c->h, d);
	log_info("domain %u destroyed", q->domid);
	return 0;
}

/* SIM_OP_SET_MAX_MEM and SIM_OP_SET_TARGET. */
static int op_memory(struct conn *k, const struct sim_req *q, const uint8_t *pl,
		     struct reply *r, struct sim_domain *d)
{
	struct sim_u64_arg a;
	if (need(r, q->len, sizeof(a), "memory"))
		return r->err;
	memcpy(&a, pl, sizeof(a));
	if (a.val > d->mem.nr_pages * 4)
		return fail(r, -EINVAL, "domain %u: %llu KiB is above the %llu KiB it was created with (xcd-sim cannot grow guest memory)",
			    d->domid, (unsigned long long)a.val,
			    (unsigned long long)d->mem.nr_pages * 4);
	pthread_mutex_lock(&d->mu);
	if (q->op == SIM_OP_SET_MAX_MEM)
		d->max_mem_kb = a.val;
	else
		d->target_kb = a.val;
	pthread_mutex_unlock(&d->mu);
	return 0;
}

/* SIM_OP_LOGDIRTY_ENABLE and SIM_OP_LOGDIRTY_DISABLE. */
static int op_logdirty_mode(struct conn *k, const struct sim_req *q, const uint8_t *pl,
			    struct reply *r, struct sim_domain *d)
{
	bool on = q->op == SIM_OP_LOGDIRTY_ENABLE;
	int rc = on ? sim_logdirty_enable(&d->mem) : sim_logdirty_disable(&d->mem);
	return rc < 0 ? fail(r, rc, "log-dirty %s domain %u: %s", on ? "on" : "off", d->domid,
			     strerror(-rc))
		      : 0;
}

static int op_logdirty_bitmap(struct conn *k, const struct sim_req *q, const uint8_t *pl,
			      struct reply *r, struct sim_domain *d)
{
	struct sim_bitmap_arg a;
	if (need(r, q->len, sizeof(a), "logdirty bitmap"))
		return r->err;
	memcpy(&a, pl, sizeof(a));
	if (a.npages == 0 || a.npages > d->mem.nr_pages)
		return fail(r, -EINVAL, "domain %u has %llu pages, asked for %llu", d->domid,
			    (unsigned long long)d->mem.nr_pages, (unsigned long long)a.npages);
	r->len = (a.npages + 7) / 8;
	if (!(r->data = calloc(1, r->len)))
		return fail(r, -ENOMEM, "out of memory");
	int rc = sim_logdirty_read(&d->mem, r->data, a.npages, a.clear);
	if (rc == -EINVAL)
		return fail(r, rc, "domain %u is not in log-dirty mode", d->domid);
	return rc < 0 ? fail(r, rc, "log-dirty bitmap: %s", strerror(-rc)) : 0;
}

static int op_map(struct conn *k, const struct sim_req *q, const uint8_t *pl,
		  struct reply *r, struct sim_domain *d)
{
	struct sim_map_arg a;
	if (need(r, q->len, sizeof(a), "map"))
		return r->err;
	memcpy(&a, pl, sizeof(a));
	if (a.npages == 0 || a.pfn >= d->mem.nr_pages || a.npages > d->mem.nr_pages - a.pfn)
		return fail(r, -EINVAL, "map of pfn %llu+%llu: domain %u has %llu pages",
			    (unsigned long long)a.pfn, (unsigned long long)a.npages, d->domid,
			    (unsigned long long)d->mem.nr_pages);
	pthread_mutex_lock(&d->mu);
	int have = sim_platform_present(d, a.pfn, a.npages);
	pthread_mutex_unlock(&d->mu);
	if (!have)
		return fail(r, -EINVAL, "map of pfn %llu+%llu: domain %u does not have all these pages (populate them first)",
			    (unsigned long long)a.pfn, (unsigned long long)a.npages, d->domid);
	r->fd = d->mem.fd;
	return 0;
}

/* TSC_GET to POPULATE: the domain's platform state (platform.c). */
static int op_platform(struct conn *k, const struct sim_req *q, const uint8_t *pl,
		       struct reply *r, struct sim_domain *d)
{
	char err[SIM_ERRMSG_MAX] = "";
	int rc = sim_platform_op(d, q->op, pl, q->len, &r->data, &r->len, err, sizeof(err));
	return rc < 0 ? fail(r, rc, "domain %u: %s", d->domid, err) : 0;
}

static const struct {
	op_fn *fn;
	bool on_domain;
} OPS[SIM_OP_MAX] = {
	[SIM_OP_HELLO] = { op_hello, false },
	[SIM_OP_HOST_INFO] = { op_host_info, false },
	[SIM_OP_CREATE] = { op_create, false },
	[SIM_OP_LIST] = { op_list, false },
	[SIM_OP_GETINFO] = { op_getinfo, false }, /* domain 0 too */
	[SIM_OP_EVTCHN_ALLOC_UNBOUND] = { op_evtchn, false },
	[SIM_OP_EVTCHN_BIND] = { op_evtchn, false },
	[SIM_OP_EVTCHN_NOTIFY] = { op_evtchn, false },
	[SIM_OP_EVTCHN_UNBIND] = { op_evtchn, false },
	[SIM_OP_EVTCHN_OPEN] = { op_evtchn, false },
	[SIM_OP_EVTCHN_ADOPT] = { op_evtchn, false },
	[SIM_OP_EVTCHN_BIND_VIRQ] = { op_evtchn, false },
	[SIM_OP_EVTCHN_UNMASK] = { op_evtchn, false },
	[SIM_OP_VCPU_INFO] = { op_vcpu, false },
	[SIM_OP_VCPU_SET_AFFINITY] = { op_vcpu, false },
	[SIM_OP_VCPU_GET_AFFINITY] = { op_vcpu, false },
	[SIM_OP_VCPU_GET_CONTEXT] = { op_vcpu, false },
	[SIM_OP_VCPU_SET_CONTEXT] = { op_vcpu, false },
	[SIM_OP_BUILD] = { op_build, true },
	[SIM_OP_RESTORE_FINISH] = { op_restore_finish, true },
	[SIM_OP_PAUSE] = { op_run_state, true },
	[SIM_OP_UNPAUSE] = { op_run_state, true },
	[SIM_OP_SHUTDOWN] = { op_shutdown, true },
	[SIM_OP_SUSPEND] = { op_shutdown, true },
	[SIM_OP_RESUME] = { op_run_state, true },
	[SIM_OP_SET_HANDLE] = { op_set_handle, true },
	[SIM_OP_SET_CAP] = { op_set_cap, true },
	[SIM_OP_DESTROY] = { op_destroy, true },
	[SIM_OP_SET_MAX_MEM] = { op_memory, true },
	[SIM_OP_SET_TARGET] = { op_memory, true },
	[SIM_OP_LOGDIRTY_ENABLE] = { op_logdirty_mode, true },
	[SIM_OP_LOGDIRTY_DISABLE] = { op_logdirty_mode, true },
	[SIM_OP_LOGDIRTY_BITMAP] = { op_logdirty_bitmap, true },
	[SIM_OP_MAP] = { op_map, true },
	[SIM_OP_TSC_GET] = { op_platform, true },
	[SIM_OP_TSC_SET] = { op_platform, true },
	[SIM_OP_PARAM_GET] = { op_platform, true },
	[SIM_OP_PARAM_SET] = { op_platform, true },
	[SIM_OP_FEATURES_GET] = { op_platform, true },
	[SIM_OP_FEATURES_SET] = { op_platform, true },
	[SIM_OP_MAX_PFN] = { op_platform, true },
	[SIM_OP_PFN_TYPES] = { op_platform, true },
	[SIM_OP_POPULATE] = { op_platform, true },
};

/* One request Q (payload PL) of connection K: its handler fills R. */
static int dispatch(struct conn *k, const struct sim_req *q, const uint8_t *pl,
		    struct reply *r)
{
	op_fn *fn = q->op < SIM_OP_MAX ? OPS[q->op].fn : NULL;
	if (fn && !OPS[q->op].on_domain)
		return fn(k, q, pl, r, NULL);
	/* An unknown operation is refused after the domain is looked up, as
	 * the operations on a domain are: a client learns first that the
	 * domain it names does not exist. */
	struct sim_domain *d = domain(k->c, r, q->domid);
	if (!d)
		return r->err;
	if (!fn)
		return fail(r, -EOPNOTSUPP, "unknown operation %u", q->op);
	return fn(k, q, pl, r, d);
}

static void set_events(struct conn *k)
{
	loop_mod(k->c->l, k->fd, k->outlen ? EPOLLOUT : EPOLLIN);
}

/* 0: all sent or waiting for EPOLLOUT; <0: the connection is broken. */
static int flush(struct conn *k)
{
	while (k->outoff < k->outlen) {
		struct iovec iov = { k->out + k->outoff, k->outlen - k->outoff };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		char cbuf[CMSG_SPACE(sizeof(int))];
		if (k->outfd >= 0) {
			memset(cbuf, 0, sizeof(cbuf));
			mh.msg_control = cbuf;
			mh.msg_controllen = sizeof(cbuf);
			struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &k->outfd, sizeof(int));
		}
		ssize_t n = sendmsg(k->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			return -errno;
		}
		if (k->outfd >= 0 && k->outfd_owned)
			close(k->outfd);
		k->outfd = -1;
		k->outoff += (size_t)n;
	}
	k->outlen = k->outoff = 0;
	return 0;
}

static int queue_reply(struct conn *k, struct reply *r)
{
	const void *data = r->err ? (const void *)r->msg : (const void *)r->data;
	size_t len = r->err ? strlen(r->msg) + 1 : r->len;
	struct sim_rsp h = { SIM_MAGIC, r->err, (uint32_t)len, r->err || r->fd < 0 ? 0 : 1 };
	uint8_t *b = malloc(sizeof(h) + len);
	if (!b)
		return -ENOMEM;
	memcpy(b, &h, sizeof(h));
	if (len)
		memcpy(b + sizeof(h), data, len);
	free(k->out);
	k->out = b;
	k->outlen = sizeof(h) + len;
	k->outoff = 0;
	k->outfd = h.nfds ? r->fd : -1;
	k->outfd_owned = h.nfds && r->fd_owned;
	if (r->fd >= 0 && r->fd_owned && !h.nfds)
		close(r->fd);
	r->fd = -1;
	return flush(k);
}

/* Handles every complete request in the input, one reply at a time. */
static int process(struct conn *k)
{
	while (!k->outlen && k->inlen >= sizeof(struct sim_req)) {
		struct sim_req q;
		memcpy(&q, k->in, sizeof(q));
		if (q.magic != SIM_MAGIC || q.len > SIM_MAX_PAYLOAD) {
			log_warn("control: bad request header (magic %#x, %u bytes): closing",
				 q.magic, q.len);
			return -EPROTO;
		}
		if (k->inlen < sizeof(q) + q.len)
			break;
		struct reply r = { .fd = -1 };
		dispatch(k, &q, k->in + sizeof(q), &r);
		if (k->infd >= 0 && q.op != SIM_OP_EVTCHN_ADOPT) {
			close(k->infd); /* not asked for */
			k->infd = -1;
		}
		if (r.err)
			log_debug("op %u domain %u: %s", q.op, q.domid, r.msg);
		int rc = queue_reply(k, &r);
		free(r.data);
		if (rc < 0)
			return rc;
		k->inlen -= sizeof(q) + q.len;
		memmove(k->in, k->in + sizeof(q) + q.len, k->inlen);
	}
	return 0;
}

static void on_conn(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct conn *k = arg;
	if (events & EPOLLOUT) {
		if (flush(k) < 0)
			goto close;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		if (k->incap - k->inlen < 4096) {
			size_t cap = k->incap ? k->incap * 2 : 8192;
			if (cap > SIM_MAX_PAYLOAD * 2 + 8192)
				goto close;
			uint8_t *n = realloc(k->in, cap);
			if (!n)
				goto close;
			k->in = n;
			k->incap = cap;
		}
		char cbuf[CMSG_SPACE(sizeof(int) * 4)];
		struct iovec iov = { k->in + k->inlen, k->incap - k->inlen };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			goto close;
		/* A descriptor comes only with an ADOPT request; keep the last. */
		for (struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL; cm;
		     cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
				continue;
			size_t nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < nfd; i++) {
				int got;
				memcpy(&got, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
				if (k->infd >= 0)
					close(k->infd);
				k->infd = got;
			}
		}
		if (n > 0)
			k->inlen += (size_t)n;
	}
	if (process(k) < 0)
		goto close;
	set_events(k);
	return;
close:
	conn_close(k);
}

static void on_accept(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct sim_control *c = arg;
	int s = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (s < 0) {
		log_warn("control: accept: %s", strerror(errno));
		return;
	}
	struct ucred cr;
	socklen_t crl = sizeof(cr);
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &crl) == 0 && cr.uid != 0 &&
	    cr.uid != getuid()) {
		log_warn("control: refused pid %d uid %u: only root or uid %u", cr.pid, cr.uid,
			 getuid());
		close(s);
		return;
	}
	struct conn *k = calloc(1, sizeof(*k));
	if (!k || loop_add(l, s, EPOLLIN, on_conn, k) < 0) {
		log_warn("control: no room for a connection");
		free(k);
		close(s);
		return;
	}
	k->c = c;
	k->fd = s;
	k->outfd = -1;
	k->infd = -1;
	k->next = c->conns;
	c->conns = k;
}

int sim_control_start(struct loop *l, struct sim_host *h, const char *path,
		      struct sim_control **out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("socket path %s: longer than %zu bytes", path, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	struct sim_control *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->l = l;
	c->h = h;
	snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int rc = 0;
	if (c->lfd < 0) {
		rc = -errno;
		goto fail;
	}
	unlink(path);
	mode_t old = umask(077);
	rc = bind(c->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
	umask(old);
	if (rc < 0 || listen(c->lfd, 16) < 0 || loop_add(l, c->lfd, EPOLLIN, on_accept, c) < 0) {
		rc = rc ? rc : -errno;
		log_err("control socket %s: %s", path, strerror(-rc));
		close(c->lfd);
		goto fail;
	}
	*out = c;
	return 0;
fail:
	free(c);
	return rc;
}

void sim_control_stop(struct sim_control *c)
{
	if (!c)
		return;
	while (c->conns)
		conn_close(c->conns);
	loop_del(c->l, c->lfd);
	close(c->lfd);
	unlink(c->path);
	free(c);
}
