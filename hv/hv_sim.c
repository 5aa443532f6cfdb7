/* hv_sim: the hv backend of the simulated host, a client of xcd-sim over its
 * Unix socket (sim/PROTOCOL.md). Calls are synchronous and bounded by a
 * socket timeout; once the connection breaks, every call fails with
 * -ECONNRESET and says so. */
#include "hv_sim.h"
#include "../sim/guest.h"
#include "../sim/proto.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define SIM_TIMEOUT_S 30

struct sim_client {
	int fd;
	int broken; /* errno that broke the connection */
	char path[108];
	/* The event handle (sim/evtchn.c), opened on first use. */
	int evh_fd;
	uint32_t evh_id;
};

static struct sim_client *cl(struct hv *hv) { return hv->priv; }

static int broken(struct hv *hv, int err)
{
	struct sim_client *c = cl(hv);
	if (!c->broken) {
		c->broken = err;
		close(c->fd);
		c->fd = -1;
	}
	const char *why = err == ETIMEDOUT ? "no answer in time" :
			  err == EPROTO ? "a malformed answer" : "the connection is lost";
	return hv_fail(hv, -(err == ETIMEDOUT || err == EPROTO ? err : ECONNRESET),
		       "xcd-sim at %s: %s (%s; did xcd-sim exit?)", c->path, why,
		       strerror(c->broken));
}

static int send_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? ETIMEDOUT : errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads exactly len bytes; the first read may carry a descriptor. */
static int recv_all(int fd, void *buf, size_t len, int *fdout)
{
	uint8_t *p = buf;
	while (len) {
		char cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { p, len };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		if (fdout) {
			mh.msg_control = cbuf;
			mh.msg_controllen = sizeof(cbuf);
		}
		ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? ETIMEDOUT : errno;
		}
		if (n == 0)
			return ECONNRESET;
		if (fdout) {
			for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
				if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
					memcpy(fdout, CMSG_DATA(cm), sizeof(int));
			fdout = NULL;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Sends the request header with a descriptor (SCM_RIGHTS). */
static int send_hdr_fd(int fd, const struct sim_req *q, int pass)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	memset(cbuf, 0, sizeof(cbuf));
	struct iovec iov = { (void *)q, sizeof(*q) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &pass, sizeof(int));
	ssize_t n;
	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? ETIMEDOUT : errno;
	return send_all(fd, (const uint8_t *)q + n, sizeof(*q) - (size_t)n);
}

/* One round trip. out gets up to outlen payload bytes (*got: how many);
 * fdin (>= 0) goes with the request. */
static int call_fd(struct hv *hv, uint32_t op, uint32_t domid, const void *a, size_t alen,
		   const void *b, size_t blen, void *out, size_t outlen, size_t *got, int *fdout,
		   int fdin)
{
	struct sim_client *c = cl(hv);
	if (c->broken)
		return broken(hv, c->broken);
	struct sim_req q = { SIM_MAGIC, op, domid, (uint32_t)(alen + blen) };
	int e = fdin >= 0 ? send_hdr_fd(c->fd, &q, fdin) : send_all(c->fd, &q, sizeof(q));
	if (!e && alen)
		e = send_all(c->fd, a, alen);
	if (!e && blen)
		e = send_all(c->fd, b, blen);
	if (e)
		return broken(hv, e);
	struct sim_rsp r;
	int fd = -1;
	if ((e = recv_all(c->fd, &r, sizeof(r), fdout ? &fd : NULL)))
		return broken(hv, e);
	if (r.magic != SIM_MAGIC || r.len > SIM_MAX_PAYLOAD)
		return broken(hv, EPROTO);
	uint8_t *pl = malloc(r.len + 1);
	if (!pl) {
		if (fd >= 0)
			close(fd);
		return broken(hv, ENOMEM);
	}
	if ((e = recv_all(c->fd, pl, r.len, NULL))) {
		free(pl);
		if (fd >= 0)
			close(fd);
		return broken(hv, e);
	}
	pl[r.len] = '\0';
	if (r.err < 0) {
		hv_fail(hv, r.err, "xcd-sim: %s", (char *)pl);
		free(pl);
		if (fd >= 0)
			close(fd);
		return r.err;
	}
	size_t n = r.len < outlen ? r.len : outlen;
	if (out && n)
		memcpy(out, pl, n);
	if (got)
		*got = n;
	free(pl);
	if (fdout)
		*fdout = fd;
	else if (fd >= 0)
		close(fd);
	return 0;
}

static int call(struct hv *hv, uint32_t op, uint32_t domid, const void *a, size_t alen,
		const void *b, size_t blen, void *out, size_t outlen, size_t *got, int *fdout)
{
	return call_fd(hv, op, domid, a, alen, b, blen, out, outlen, got, fdout, -1);
}

int hv_sim_call(struct hv *hv, uint32_t op, uint32_t domid, const void *a, size_t alen,
		const void *b, size_t blen, void *out, size_t outlen, size_t *got)
{
	return call(hv, op, domid, a, alen, b, blen, out, outlen, got, NULL);
}

#define CALL0(op, domid) call(hv, op, domid, NULL, 0, NULL, 0, NULL, 0, NULL, NULL)
#define CALLA(op, domid, arg) call(hv, op, domid, &(arg), sizeof(arg), NULL, 0, NULL, 0, NULL, NULL)

static void sim_close(struct hv *hv)
{
	struct sim_client *c = cl(hv);
	if (c->fd >= 0)
		close(c->fd);
	if (c->evh_fd >= 0)
		close(c->evh_fd);
	free(c);
}

/* ---- the wire's records to hv's and back (sim/proto.h) ---- */

static void from_wire_host(const struct sim_hostinfo *w, struct hv_hostinfo *out)
{
	memset(out, 0, sizeof(*out));
	out->nr_cpus = w->nr_cpus;
	out->total_kb = w->total_kb;
	out->free_kb = w->free_kb;
	out->xen_major = w->xen_major;
	out->xen_minor = w->xen_minor;
	snprintf(out->version, sizeof(out->version), "%.*s", (int)sizeof(w->version),
		 w->version);
	snprintf(out->backend, sizeof(out->backend), "sim");
	out->nr_features = w->nr_features < HV_FEATURESET_MAX ? w->nr_features
							       : HV_FEATURESET_MAX;
	for (uint32_t i = 0; i < out->nr_features && i < SIM_FEATURESET_MAX; i++)
		out->featureset[i] = w->featureset[i];
	/* A guest gets what the host has, nothing beyond (xcd-sim's rule). */
	out->nr_guest_max = out->nr_features;
	memcpy(out->guest_max, out->featureset, sizeof(out->guest_max));
}

static const struct {
	uint32_t sim, hv;
} domf[] = {
	{ SIM_DOMF_RUNNING, HV_DOMF_RUNNING },	 { SIM_DOMF_BLOCKED, HV_DOMF_BLOCKED },
	{ SIM_DOMF_PAUSED, HV_DOMF_PAUSED },	 { SIM_DOMF_SHUTDOWN, HV_DOMF_SHUTDOWN },
	{ SIM_DOMF_LOGDIRTY, HV_DOMF_LOGDIRTY },
};

static void from_wire_dominfo(const struct sim_dominfo *w, struct hv_dominfo *out)
{
	memset(out, 0, sizeof(*out));
	out->domid = w->domid;
	for (size_t i = 0; i < sizeof(domf) / sizeof(domf[0]); i++)
		if (w->flags & domf[i].sim)
			out->flags |= domf[i].hv;
	/* Xen's SHUTDOWN_* on both sides (sim/proto.h, hv.h). */
	out->shutdown_reason = w->shutdown_reason;
	out->type = w->type == SIM_DOM_PVH ? HV_DOM_PVH : HV_DOM_PV;
	memcpy(out->uuid, w->uuid, sizeof(out->uuid));
	out->max_vcpus = w->max_vcpus;
	out->online_vcpus = w->online_vcpus;
	out->mem_kb = w->mem_kb;
	out->max_mem_kb = w->max_mem_kb;
	out->target_kb = w->target_kb;
	out->cpu_time_ns = w->cpu_time_ns;
}

static int sim_host_info(struct hv *hv, struct hv_hostinfo *out)
{
	struct sim_hostinfo w;
	int rc = call(hv, SIM_OP_HOST_INFO, 0, NULL, 0, NULL, 0, &w, sizeof(w), NULL, NULL);
	if (rc == 0)
		from_wire_host(&w, out);
	return rc;
}

/* PVH's timer mode and paging pool and tsc_mode have no meaning here. */
static int sim_create(struct hv *hv, const struct hv_domain_config *cfg, uint32_t *domid)
{
	struct sim_domain_config w = { .max_vcpus = cfg->max_vcpus,
				       .type = cfg->type == HV_DOM_PVH ? SIM_DOM_PVH : SIM_DOM_PV,
				       .max_mem_kb = cfg->max_mem_kb };
	memcpy(w.uuid, cfg->uuid, sizeof(w.uuid));
	return call(hv, SIM_OP_CREATE, 0, &w, sizeof(w), NULL, 0, domid, sizeof(*domid), NULL,
		    NULL);
}

static int sim_build(struct hv *hv, uint32_t domid, const struct hv_build_spec *spec,
		     struct hv_build_result *out)
{
	memset(out, 0, sizeof(*out));
	if (!spec->kernel)
		return hv_fail(hv, -EINVAL, "build of domain %u: no kernel", domid);
	/* The guest programs take no command line nor ramdisk. */
	struct sim_build_arg a = { spec->store_domid, spec->console_domid };
	struct sim_build_result w;
	int rc = call(hv, SIM_OP_BUILD, domid, &a, sizeof(a), spec->kernel,
		      strlen(spec->kernel) + 1, &w, sizeof(w), NULL, NULL);
	if (rc == 0) {
		out->store_pfn = w.store_pfn;
		out->store_port = w.store_port;
		out->console_pfn = w.console_pfn;
		out->console_port = w.console_port;
	}
	return rc;
}

static int sim_restore_finish(struct hv *hv, uint32_t domid, const struct hv_build_spec *spec,
			      struct hv_build_result *out)
{
	memset(out, 0, sizeof(*out));
	struct sim_build_arg a = { spec->store_domid, spec->console_domid };
	struct sim_build_result w;
	int rc = call(hv, SIM_OP_RESTORE_FINISH, domid, &a, sizeof(a), NULL, 0, &w, sizeof(w),
		      NULL, NULL);
	if (rc == 0) {
		out->store_pfn = w.store_pfn;
		out->store_port = w.store_port;
		out->console_pfn = w.console_pfn;
		out->console_port = w.console_port;
	}
	return rc;
}

static int sim_pause(struct hv *hv, uint32_t domid) { return CALL0(SIM_OP_PAUSE, domid); }
static int sim_unpause(struct hv *hv, uint32_t domid) { return CALL0(SIM_OP_UNPAUSE, domid); }
static int sim_destroy(struct hv *hv, uint32_t domid) { return CALL0(SIM_OP_DESTROY, domid); }
static int sim_set_uuid(struct hv *hv, uint32_t domid, const uint8_t *uuid)
{
	return call(hv, SIM_OP_SET_HANDLE, domid, uuid, 16, NULL, 0, NULL, 0, NULL, NULL);
}
/* xcd-sim suspends the domain itself and answers once it is: no wait. */
/* hv_domain_suspend (no WAIT): the simulated host suspends the domain at
 * once. hv_domain_suspend_wait (WAIT): as on Xen, the guest suspends itself
 * (its xenbus, on control/shutdown = suspend, sim/xenbus.c), which this waits
 * for: a toolstack that defers its request keeps the guest running. */
static int sim_suspend(struct hv *hv, uint32_t domid, hv_wait_fn *wait, void *arg)
{
	if (wait)
		return hv_await_suspended(hv, domid, wait, arg);
	return CALL0(SIM_OP_SUSPEND, domid);
}
static int sim_resume(struct hv *hv, uint32_t domid) { return CALL0(SIM_OP_RESUME, domid); }
static int sim_set_cpu_cap(struct hv *hv, uint32_t domid, uint32_t percent)
{
	struct sim_u32_arg a = { percent };
	return CALLA(SIM_OP_SET_CAP, domid, a);
}

static int sim_shutdown(struct hv *hv, uint32_t domid, enum hv_shutdown_reason reason)
{
	uint32_t r = reason;
	return CALLA(SIM_OP_SHUTDOWN, domid, r);
}

static int sim_getinfo(struct hv *hv, uint32_t domid, struct hv_dominfo *out)
{
	struct sim_dominfo w;
	int rc = call(hv, SIM_OP_GETINFO, domid, NULL, 0, NULL, 0, &w, sizeof(w), NULL, NULL);
	if (rc == 0)
		from_wire_dominfo(&w, out);
	return rc;
}

static int sim_list(struct hv *hv, struct hv_dominfo *out, unsigned max)
{
	struct sim_u32_arg a = { max };
	size_t got = 0;
	struct sim_dominfo *w = calloc(max ? max : 1, sizeof(*w));
	if (!w)
		return hv_fail(hv, -ENOMEM, "list: out of memory for %u domains", max);
	int rc = call(hv, SIM_OP_LIST, 0, &a, sizeof(a), NULL, 0, w, (size_t)max * sizeof(*w),
		      &got, NULL);
	size_t n = rc < 0 ? 0 : got / sizeof(*w);
	for (size_t i = 0; i < n; i++)
		from_wire_dominfo(&w[i], &out[i]);
	free(w);
	return rc < 0 ? rc : (int)n;
}

static int sim_set_max_mem(struct hv *hv, uint32_t domid, uint64_t kb)
{
	struct sim_u64_arg a = { kb };
	return CALLA(SIM_OP_SET_MAX_MEM, domid, a);
}

static int sim_set_target(struct hv *hv, uint32_t domid, uint64_t kb)
{
	struct sim_u64_arg a = { kb };
	return CALLA(SIM_OP_SET_TARGET, domid, a);
}

static int sim_vcpu_info(struct hv *hv, uint32_t domid, uint32_t vcpu, struct hv_vcpuinfo *out)
{
	struct sim_vcpu_arg a = { vcpu, 0 };
	struct sim_vcpuinfo w;
	int rc = call(hv, SIM_OP_VCPU_INFO, domid, &a, sizeof(a), NULL, 0, &w, sizeof(w), NULL,
		      NULL);
	if (rc == 0)
		*out = (struct hv_vcpuinfo){ .online = w.online,
					     .blocked = w.blocked,
					     .running = w.running,
					     .cpu = w.cpu,
					     .cpu_time_ns = w.cpu_time_ns };
	return rc;
}

static int sim_set_affinity(struct hv *hv, uint32_t domid, uint32_t vcpu, const uint8_t *map,
			    size_t len)
{
	struct sim_vcpu_arg a = { vcpu, (uint32_t)len };
	return call(hv, SIM_OP_VCPU_SET_AFFINITY, domid, &a, sizeof(a), map, len, NULL, 0, NULL,
		    NULL);
}

static int sim_get_affinity(struct hv *hv, uint32_t domid, uint32_t vcpu, uint8_t *map,
			    size_t len)
{
	struct sim_vcpu_arg a = { vcpu, (uint32_t)len };
	memset(map, 0, len);
	return call(hv, SIM_OP_VCPU_GET_AFFINITY, domid, &a, sizeof(a), NULL, 0, map, len, NULL,
		    NULL);
}

static int sim_get_context(struct hv *hv, uint32_t domid, uint32_t vcpu, void *buf, size_t *len)
{
	struct sim_vcpu_arg a = { vcpu, 0 };
	struct sim_vcpu_context ctx;
	size_t got = 0;
	int rc = call(hv, SIM_OP_VCPU_GET_CONTEXT, domid, &a, sizeof(a), NULL, 0, &ctx,
		      sizeof(ctx), &got, NULL);
	if (rc < 0)
		return rc;
	if (*len < got)
		return hv_fail(hv, -ENOSPC, "vCPU context: %zu bytes, the buffer has %zu", got,
			       *len);
	memcpy(buf, &ctx, got);
	*len = got;
	return 0;
}

static int sim_set_context(struct hv *hv, uint32_t domid, uint32_t vcpu, const void *buf,
			   size_t len)
{
	struct sim_vcpu_arg a = { vcpu, (uint32_t)len };
	return call(hv, SIM_OP_VCPU_SET_CONTEXT, domid, &a, sizeof(a), buf, len, NULL, 0, NULL,
		    NULL);
}

static int sim_ld_enable(struct hv *hv, uint32_t domid)
{
	return CALL0(SIM_OP_LOGDIRTY_ENABLE, domid);
}

static int sim_ld_disable(struct hv *hv, uint32_t domid)
{
	return CALL0(SIM_OP_LOGDIRTY_DISABLE, domid);
}

static int sim_ld_bitmap(struct hv *hv, uint32_t domid, uint8_t *bitmap, uint64_t npages,
			 int clear)
{
	struct sim_bitmap_arg a = { npages, clear ? 1 : 0, 0 };
	size_t len = (npages + 7) / 8;
	if (len > SIM_MAX_PAYLOAD)
		return hv_fail(hv, -E2BIG, "log-dirty bitmap of %llu pages: ask for at most %u",
			       (unsigned long long)npages, SIM_MAX_PAYLOAD * 8);
	memset(bitmap, 0, len);
	return call(hv, SIM_OP_LOGDIRTY_BITMAP, domid, &a, sizeof(a), NULL, 0, bitmap, len, NULL,
		    NULL);
}

static int sim_map(struct hv *hv, uint32_t domid, uint64_t pfn, uint64_t npages, int prot,
		   void **addr)
{
	struct sim_map_arg a = { pfn, npages, (uint32_t)prot, 0 };
	int fd = -1;
	int rc = call(hv, SIM_OP_MAP, domid, &a, sizeof(a), NULL, 0, NULL, 0, NULL, &fd);
	if (rc < 0)
		return rc;
	if (fd < 0)
		return broken(hv, EPROTO);
	int mp = (prot & HV_MAP_READ ? PROT_READ : 0) | (prot & HV_MAP_WRITE ? PROT_WRITE : 0);
	void *p = mmap(NULL, npages * HV_PAGE_SIZE, mp ? mp : PROT_READ, MAP_SHARED, fd,
		       (off_t)(pfn * HV_PAGE_SIZE));
	int e = errno;
	close(fd);
	if (p == MAP_FAILED)
		return hv_fail(hv, -e, "map of domain %u pfn %llu+%llu: %s", domid,
			       (unsigned long long)pfn, (unsigned long long)npages, strerror(e));
	*addr = p;
	return 0;
}

static int sim_unmap(struct hv *hv, void *addr, uint64_t npages)
{
	if (munmap(addr, npages * HV_PAGE_SIZE) < 0)
		return hv_fail(hv, -errno, "unmap of %llu pages at %p: %s",
			       (unsigned long long)npages, addr, strerror(errno));
	return 0;
}

static int sim_evtchn_alloc(struct hv *hv, uint32_t domid, uint32_t remote, uint32_t *port)
{
	struct sim_u32_arg a = { remote };
	return call(hv, SIM_OP_EVTCHN_ALLOC_UNBOUND, domid, &a, sizeof(a), NULL, 0, port,
		    sizeof(*port), NULL, NULL);
}

/* The handle every local port belongs to, opened on first use. */
static int evh(struct hv *hv)
{
	struct sim_client *c = cl(hv);
	if (c->evh_fd >= 0)
		return 0;
	int fd = -1;
	uint32_t id;
	int rc = call(hv, SIM_OP_EVTCHN_OPEN, 0, NULL, 0, NULL, 0, &id, sizeof(id), NULL, &fd);
	if (rc < 0)
		return rc;
	if (fd < 0)
		return broken(hv, EPROTO);
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		close(fd);
		return hv_fail(hv, -errno, "event handle: %s", strerror(errno));
	}
	c->evh_fd = fd;
	c->evh_id = id;
	return 0;
}

static int evh_call(struct hv *hv, uint32_t op, uint32_t domid, uint32_t val, uint32_t *out)
{
	int rc = evh(hv);
	if (rc < 0)
		return rc;
	struct sim_evtchn_arg a = { cl(hv)->evh_id, val };
	return call(hv, op, domid, &a, sizeof(a), NULL, 0, out, out ? sizeof(*out) : 0, NULL,
		    NULL);
}

static int sim_evtchn_bind(struct hv *hv, uint32_t domid, uint32_t rport, uint32_t *lport)
{
	return evh_call(hv, SIM_OP_EVTCHN_BIND, domid, rport, lport);
}

static int sim_evtchn_notify(struct hv *hv, uint32_t lport)
{
	return evh_call(hv, SIM_OP_EVTCHN_NOTIFY, 0, lport, NULL);
}

static int sim_evtchn_unbind(struct hv *hv, uint32_t lport)
{
	return evh_call(hv, SIM_OP_EVTCHN_UNBIND, 0, lport, NULL);
}

static int sim_evtchn_bind_dom_exc(struct hv *hv, uint32_t *lport)
{
	return evh_call(hv, SIM_OP_EVTCHN_BIND_VIRQ, 0, 3 /* VIRQ_DOM_EXC */, lport);
}

static int sim_evtchn_fd(struct hv *hv)
{
	int rc = evh(hv);
	return rc < 0 ? rc : cl(hv)->evh_fd;
}

static int sim_evtchn_pending(struct hv *hv, uint32_t *lport)
{
	int rc = evh(hv);
	if (rc < 0)
		return rc;
	struct sim_client *c = cl(hv);
	uint32_t p;
	ssize_t n = recv(c->evh_fd, &p, sizeof(p), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return -EAGAIN;
	if (n < 0)
		return hv_fail(hv, -errno, "event handle %u: %s", c->evh_id, strerror(errno));
	if (n == 0)
		return hv_fail(hv, -ECONNRESET, "event handle %u: closed by xcd-sim at %s (did it exit?)",
			       c->evh_id, c->path);
	if (n != sizeof(p))
		return hv_fail(hv, -EPROTO, "event handle %u: a %zd-byte event", c->evh_id, n);
	*lport = p;
	return 0;
}

static int sim_evtchn_unmask(struct hv *hv, uint32_t lport)
{
	return evh_call(hv, SIM_OP_EVTCHN_UNMASK, 0, lport, NULL);
}

static int sim_evtchn_adopt(struct hv *hv, int fd)
{
	struct sim_client *c = cl(hv);
	uint32_t id;
	int rc = call_fd(hv, SIM_OP_EVTCHN_ADOPT, 0, NULL, 0, NULL, 0, &id, sizeof(id), NULL, NULL,
			 fd);
	if (rc < 0)
		return rc;
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
		return hv_fail(hv, -errno, "adopted event handle: %s", strerror(errno));
	/* The adopted handle replaces this client's own (and its bindings). */
	if (c->evh_fd >= 0 && c->evh_fd != fd)
		close(c->evh_fd);
	c->evh_fd = fd;
	c->evh_id = id;
	return 0;
}

/* xcd-sim's PV guests are saved in xcd's own records (migrate/), never
 * through libxenguest's stream. */
static int sim_no_libxc(struct hv *hv, uint32_t domid)
{
	return hv_fail(hv, -EOPNOTSUPP, "sim: domain %u: the simulated host keeps no "
		       "libxenguest stream (its guests are saved in xcd's own records)", domid);
}

static int sim_pv_save(struct hv *hv, uint32_t domid, int fd, hv_progress_fn *progress,
		       void *arg)
{
	(void)fd, (void)progress, (void)arg;
	return sim_no_libxc(hv, domid);
}

static int sim_pv_restore(struct hv *hv, uint32_t domid, int fd,
			  const struct hv_build_spec *spec, struct hv_build_result *out)
{
	(void)fd, (void)spec, (void)out;
	return sim_no_libxc(hv, domid);
}

static const struct hv_ops sim_ops = {
	.name = "sim",
	.close = sim_close,
	.host_info = sim_host_info,
	.domain_create = sim_create,
	.domain_build = sim_build,
	.domain_restore_finish = sim_restore_finish,
	.pv_save = sim_pv_save,
	.pv_restore = sim_pv_restore,
	.domain_pause = sim_pause,
	.domain_unpause = sim_unpause,
	.domain_shutdown = sim_shutdown,
	.domain_destroy = sim_destroy,
	.domain_set_uuid = sim_set_uuid,
	.domain_getinfo = sim_getinfo,
	.domain_list = sim_list,
	.domain_suspend = sim_suspend,
	.domain_resume = sim_resume,
	.domain_set_cpu_cap = sim_set_cpu_cap,
	.set_max_mem = sim_set_max_mem,
	.set_target_mem = sim_set_target,
	.vcpu_info = sim_vcpu_info,
	.vcpu_set_affinity = sim_set_affinity,
	.vcpu_get_affinity = sim_get_affinity,
	.vcpu_get_context = sim_get_context,
	.vcpu_set_context = sim_set_context,
	.logdirty_enable = sim_ld_enable,
	.logdirty_disable = sim_ld_disable,
	.logdirty_bitmap = sim_ld_bitmap,
	.map = sim_map,
	.unmap = sim_unmap,
	.domain_max_pfn = sim_max_pfn,
	.pfn_types = sim_pfn_types,
	.populate = sim_populate,
	.tsc_info_get = sim_tsc_get,
	.tsc_info_set = sim_tsc_set,
	.cpu_policy_get = sim_policy_get,
	.cpu_policy_set = sim_policy_set,
	.hvm_context_get = sim_hvm_context_get,
	.hvm_context_set = sim_hvm_context_set,
	.hvm_param_get = sim_param_get,
	.hvm_param_set = sim_param_set,
	.evtchn_alloc_unbound = sim_evtchn_alloc,
	.evtchn_bind = sim_evtchn_bind,
	.evtchn_notify = sim_evtchn_notify,
	.evtchn_unbind = sim_evtchn_unbind,
	.evtchn_bind_dom_exc = sim_evtchn_bind_dom_exc,
	.evtchn_fd = sim_evtchn_fd,
	.evtchn_pending = sim_evtchn_pending,
	.evtchn_unmask = sim_evtchn_unmask,
	.evtchn_adopt = sim_evtchn_adopt,
};

int hv_sim_open(struct hv *hv, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "xcd-sim socket %s: path longer than %zu bytes", path,
			 sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	struct sim_client *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "hv_sim_open: out of memory");
		return -ENOMEM;
	}
	c->evh_fd = -1;
	snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct timeval tv = { SIM_TIMEOUT_S, 0 };
	if (c->fd < 0 || setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		snprintf(err, errlen, "no simulated host at %s: %s (is xcd-sim running?)", path,
			 strerror(e));
		if (c->fd >= 0)
			close(c->fd);
		free(c);
		return -e;
	}
	hv->ops = &sim_ops;
	hv->priv = c;
	uint32_t version = 0, ours = SIM_PROTO_VERSION;
	int rc = call(hv, SIM_OP_HELLO, 0, &ours, sizeof(ours), NULL, 0, &version, sizeof(version),
		      NULL, NULL);
	if (rc == 0 && version != SIM_PROTO_VERSION)
		rc = hv_fail(hv, -EPROTO, "xcd-sim at %s speaks protocol %u, this build %u", path,
			     version, SIM_PROTO_VERSION);
	if (rc < 0) {
		snprintf(err, errlen, "%s", hv->err);
		sim_close(hv);
		return rc;
	}
	return 0;
}
