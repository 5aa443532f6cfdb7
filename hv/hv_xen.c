/* hv_xen: the hv backend of real Xen, on libxenctrl, libxenguest,
 * libxenforeignmemory and libxenevtchn. Operations not done yet answer
 * -ENOSYS and say so. */
#include "hv.h"
#include "../lib/log.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xenguest.h>

/* The Xen libraries' own messages go to the debug log: hv's callers get
 * hv_error() instead, so a missing /dev/xen is not printed twice. */
static void xtl_vmessage(struct xentoollog_logger *lg, xentoollog_level level, int errnoval,
			 const char *context, const char *format, va_list al)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), format, al);
	log_debug("%s: %s%s%s", context ? context : "xen", msg, errnoval >= 0 ? ": " : "",
		  errnoval >= 0 ? strerror(errnoval) : "");
}

static void xtl_destroy(struct xentoollog_logger *lg) { }

static xentoollog_logger xtl_to_log = { .vmessage = xtl_vmessage, .destroy = xtl_destroy };

struct xen_handles {
	xc_interface *xch;
	xenforeignmemory_handle *fmem;
	xenevtchn_handle *evtchn;
};

static struct xen_handles *xh(struct hv *hv) { return hv->priv; }

/* libxenctrl returns -1 with errno set. */
static int xfail(struct hv *hv, const char *what, uint32_t domid)
{
	int e = errno ? errno : EIO;
	return hv_fail(hv, -e, "xen: %s of domain %u: %s", what, domid, strerror(e));
}

static int nosys(struct hv *hv, const char *what)
{
	return hv_fail(hv, -ENOSYS, "xen: %s is not implemented by xcd's Xen backend yet", what);
}

static void xen_close(struct hv *hv)
{
	struct xen_handles *x = xh(hv);
	if (x->evtchn)
		xenevtchn_close(x->evtchn);
	if (x->fmem)
		xenforeignmemory_close(x->fmem);
	if (x->xch)
		xc_interface_close(x->xch);
	free(x);
}

static int xen_host_info(struct hv *hv, struct hv_hostinfo *out)
{
	struct xen_handles *x = xh(hv);
	xc_physinfo_t pi = { 0 };
	memset(out, 0, sizeof(*out));
	if (xc_physinfo(x->xch, &pi) < 0)
		return xfail(hv, "physinfo", 0);
	out->nr_cpus = pi.nr_cpus;
	out->total_kb = (uint64_t)pi.total_pages * 4;
	out->free_kb = (uint64_t)pi.free_pages * 4;
	int v = xc_version(x->xch, XENVER_version, NULL);
	xen_extraversion_t extra;
	if (v < 0 || xc_version(x->xch, XENVER_extraversion, &extra) < 0)
		return xfail(hv, "version", 0);
	out->xen_major = (uint32_t)v >> 16;
	out->xen_minor = (uint32_t)v & 0xffff;
	extra[sizeof(extra) - 1] = '\0';
	snprintf(out->version, sizeof(out->version), "%u.%u%s", out->xen_major, out->xen_minor,
		 extra);
	snprintf(out->backend, sizeof(out->backend), "xen");
	uint32_t n = HV_FEATURESET_MAX;
	/* XEN_SYSCTL_cpu_featureset_host */
	if (xc_get_cpu_featureset(x->xch, 1, &n, out->featureset) < 0)
		return xfail(hv, "cpu featureset", 0);
	out->nr_features = n;
	return 0;
}

static void from_xc(const xc_domaininfo_t *i, struct hv_dominfo *o)
{
	memset(o, 0, sizeof(*o));
	o->domid = i->domain;
	uint32_t f = i->flags;
	if (f & XEN_DOMINF_running)
		o->flags |= HV_DOMF_RUNNING;
	if (f & XEN_DOMINF_blocked)
		o->flags |= HV_DOMF_BLOCKED;
	if (f & XEN_DOMINF_paused)
		o->flags |= HV_DOMF_PAUSED;
	if (f & XEN_DOMINF_dying)
		o->flags |= HV_DOMF_DYING;
	if (f & XEN_DOMINF_shutdown) {
		o->flags |= HV_DOMF_SHUTDOWN;
		o->shutdown_reason = (f >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
	}
	o->type = f & XEN_DOMINF_hvm_guest ? HV_DOM_PVH : HV_DOM_PV;
	memcpy(o->uuid, i->handle, sizeof(o->uuid));
	o->max_vcpus = i->max_vcpu_id + 1;
	o->online_vcpus = i->nr_online_vcpus;
	o->mem_kb = (uint64_t)i->tot_pages * 4;
	o->max_mem_kb = i->max_pages == UINT64_MAX ? UINT64_MAX : (uint64_t)i->max_pages * 4;
	o->target_kb = o->mem_kb;
	o->cpu_time_ns = i->cpu_time;
}

static int xen_getinfo(struct hv *hv, uint32_t domid, struct hv_dominfo *out)
{
	xc_domaininfo_t info;
	int n = xc_domain_getinfolist(xh(hv)->xch, domid, 1, &info);
	if (n < 0)
		return xfail(hv, "getinfo", domid);
	if (n == 0 || info.domain != domid)
		return hv_fail(hv, -ESRCH, "xen: domain %u does not exist", domid);
	from_xc(&info, out);
	return 0;
}

static int xen_list(struct hv *hv, struct hv_dominfo *out, unsigned max)
{
	xc_domaininfo_t *info = calloc(max ? max : 1, sizeof(*info));
	if (!info)
		return hv_fail(hv, -ENOMEM, "xen: list: out of memory");
	int n = xc_domain_getinfolist(xh(hv)->xch, 0, max, info);
	if (n < 0) {
		free(info);
		return xfail(hv, "list", 0);
	}
	for (int i = 0; i < n; i++)
		from_xc(&info[i], &out[i]);
	free(info);
	return n;
}

#define XC_SIMPLE(fn, call, what)                                  \
	static int fn(struct hv *hv, uint32_t domid)               \
	{                                                          \
		errno = 0;                                         \
		return call(xh(hv)->xch, domid) < 0 ? xfail(hv, what, domid) : 0; \
	}
XC_SIMPLE(xen_pause, xc_domain_pause, "pause")
XC_SIMPLE(xen_unpause, xc_domain_unpause, "unpause")
XC_SIMPLE(xen_destroy, xc_domain_destroy, "destroy")

static int xen_shutdown(struct hv *hv, uint32_t domid, enum hv_shutdown_reason reason)
{
	return xc_domain_shutdown(xh(hv)->xch, domid, (int)reason) < 0 ?
		       xfail(hv, "shutdown", domid) : 0;
}

static int xen_resume(struct hv *hv, uint32_t domid)
{
	/* fast: the guest sees the suspend hypercall return "cancelled". */
	return xc_domain_resume(xh(hv)->xch, domid, 1) < 0 ? xfail(hv, "resume", domid) : 0;
}

static int xen_create(struct hv *hv, const struct hv_domain_config *cfg, uint32_t *domid)
{
	return nosys(hv, "domain create (xen_domctl_createdomain with PV/PVH flags)");
}

static int xen_build(struct hv *hv, uint32_t domid, const struct hv_build_spec *spec,
		     struct hv_build_result *out)
{
	return nosys(hv, "domain build (libxenguest xc_dom_*)");
}

static int xen_suspend(struct hv *hv, uint32_t domid)
{
	return nosys(hv, "suspend (needs the guest's control/shutdown handshake)");
}

static int xen_set_max_mem(struct hv *hv, uint32_t domid, uint64_t kb)
{
	return xc_domain_setmaxmem(xh(hv)->xch, domid, kb) < 0 ? xfail(hv, "set max memory", domid)
							       : 0;
}

static int xen_set_target(struct hv *hv, uint32_t domid, uint64_t kb)
{
	return nosys(hv, "memory target (memory/target in xenstore, the toolstack's)");
}

static int xen_vcpu_info(struct hv *hv, uint32_t domid, uint32_t vcpu, struct hv_vcpuinfo *out)
{
	xc_vcpuinfo_t vi;
	if (xc_vcpu_getinfo(xh(hv)->xch, domid, vcpu, &vi) < 0)
		return xfail(hv, "vcpu info", domid);
	out->online = vi.online;
	out->blocked = vi.blocked;
	out->running = vi.running;
	out->cpu = vi.cpu;
	out->cpu_time_ns = vi.cpu_time;
	return 0;
}

static int xen_affinity(struct hv *hv, uint32_t domid, uint32_t vcpu, uint8_t *map, size_t len,
			int set)
{
	struct xen_handles *x = xh(hv);
	xc_cpumap_t cm = xc_cpumap_alloc(x->xch);
	int sz = xc_get_cpumap_size(x->xch);
	if (!cm || sz <= 0) {
		free(cm);
		return xfail(hv, "cpumap", domid);
	}
	size_t n = len < (size_t)sz ? len : (size_t)sz;
	int rc;
	if (set) {
		memcpy(cm, map, n);
		rc = xc_vcpu_setaffinity(x->xch, domid, (int)vcpu, cm, NULL, XEN_VCPUAFFINITY_HARD);
	} else {
		rc = xc_vcpu_getaffinity(x->xch, domid, (int)vcpu, cm, NULL, XEN_VCPUAFFINITY_HARD);
		if (rc == 0) {
			memset(map, 0, len);
			memcpy(map, cm, n);
		}
	}
	free(cm);
	return rc < 0 ? xfail(hv, set ? "set vcpu affinity" : "get vcpu affinity", domid) : 0;
}

static int xen_set_affinity(struct hv *hv, uint32_t domid, uint32_t vcpu, const uint8_t *map,
			    size_t len)
{
	return xen_affinity(hv, domid, vcpu, (uint8_t *)map, len, 1);
}

static int xen_get_affinity(struct hv *hv, uint32_t domid, uint32_t vcpu, uint8_t *map,
			    size_t len)
{
	return xen_affinity(hv, domid, vcpu, map, len, 0);
}

static int xen_get_context(struct hv *hv, uint32_t domid, uint32_t vcpu, void *buf, size_t *len)
{
	vcpu_guest_context_any_t ctx;
	if (*len < sizeof(ctx))
		return hv_fail(hv, -ENOSPC, "xen: vCPU context needs %zu bytes", sizeof(ctx));
	if (xc_vcpu_getcontext(xh(hv)->xch, domid, vcpu, &ctx) < 0)
		return xfail(hv, "get vcpu context", domid);
	memcpy(buf, &ctx, sizeof(ctx));
	*len = sizeof(ctx);
	return 0;
}

static int xen_set_context(struct hv *hv, uint32_t domid, uint32_t vcpu, const void *buf,
			   size_t len)
{
	vcpu_guest_context_any_t ctx;
	if (len != sizeof(ctx))
		return hv_fail(hv, -EINVAL, "xen: vCPU context of %zu bytes, expected %zu", len,
			       sizeof(ctx));
	memcpy(&ctx, buf, sizeof(ctx));
	return xc_vcpu_setcontext(xh(hv)->xch, domid, vcpu, &ctx) < 0 ?
		       xfail(hv, "set vcpu context", domid) : 0;
}

static int xen_ld_enable(struct hv *hv, uint32_t domid)
{
	return xc_shadow_control(xh(hv)->xch, domid, XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY, NULL,
				 0) < 0 ? xfail(hv, "log-dirty enable", domid) : 0;
}

static int xen_ld_disable(struct hv *hv, uint32_t domid)
{
	return xc_shadow_control(xh(hv)->xch, domid, XEN_DOMCTL_SHADOW_OP_OFF, NULL, 0) < 0 ?
		       xfail(hv, "log-dirty disable", domid) : 0;
}

static int xen_ld_bitmap(struct hv *hv, uint32_t domid, uint8_t *bitmap, uint64_t npages,
			 int clear)
{
	xc_interface *xch = xh(hv)->xch;
	size_t bytes = (npages + 7) / 8;
	size_t nr = (bytes + XC_PAGE_SIZE - 1) / XC_PAGE_SIZE;
	DECLARE_HYPERCALL_BUFFER(uint8_t, buf);
	buf = xc_hypercall_buffer_alloc_pages(xch, buf, nr);
	if (!buf)
		return xfail(hv, "log-dirty bitmap buffer", domid);
	memset(buf, 0, nr * XC_PAGE_SIZE);
	long long rc = xc_logdirty_control(xch, domid,
					   clear ? XEN_DOMCTL_SHADOW_OP_CLEAN
						 : XEN_DOMCTL_SHADOW_OP_PEEK,
					   HYPERCALL_BUFFER(buf), npages, 0, NULL);
	int ret = 0;
	if (rc < 0)
		ret = xfail(hv, clear ? "log-dirty clean" : "log-dirty peek", domid);
	else
		memcpy(bitmap, buf, bytes);
	xc_hypercall_buffer_free_pages(xch, buf, nr);
	return ret;
}

static int xen_map(struct hv *hv, uint32_t domid, uint64_t pfn, uint64_t npages, int prot,
		   void **addr)
{
	xen_pfn_t *pfns = calloc(npages ? npages : 1, sizeof(*pfns));
	int *errs = calloc(npages ? npages : 1, sizeof(*errs));
	if (!pfns || !errs) {
		free(pfns);
		free(errs);
		return hv_fail(hv, -ENOMEM, "xen: map: out of memory");
	}
	for (uint64_t i = 0; i < npages; i++)
		pfns[i] = pfn + i;
	int mp = (prot & HV_MAP_READ ? PROT_READ : 0) | (prot & HV_MAP_WRITE ? PROT_WRITE : 0);
	void *p = xenforeignmemory_map(xh(hv)->fmem, domid, mp ? mp : PROT_READ, npages, pfns,
				       errs);
	int rc = 0;
	if (!p) {
		rc = xfail(hv, "map", domid);
	} else {
		for (uint64_t i = 0; i < npages; i++) {
			if (errs[i]) {
				xenforeignmemory_unmap(xh(hv)->fmem, p, npages);
				rc = hv_fail(hv, errs[i] < 0 ? errs[i] : -EINVAL,
					     "xen: map of domain %u pfn %llu: %s", domid,
					     (unsigned long long)(pfn + i),
					     strerror(errs[i] < 0 ? -errs[i] : EINVAL));
				break;
			}
		}
		if (!rc)
			*addr = p;
	}
	free(pfns);
	free(errs);
	return rc;
}

static int xen_unmap(struct hv *hv, void *addr, uint64_t npages)
{
	return xenforeignmemory_unmap(xh(hv)->fmem, addr, npages) < 0 ? xfail(hv, "unmap", 0) : 0;
}

static int xen_evtchn_alloc(struct hv *hv, uint32_t domid, uint32_t remote, uint32_t *port)
{
	xc_evtchn_port_or_error_t p = xc_evtchn_alloc_unbound(xh(hv)->xch, domid, remote);
	if (p < 0)
		return xfail(hv, "evtchn alloc unbound", domid);
	*port = (uint32_t)p;
	return 0;
}

static int xen_evtchn_bind(struct hv *hv, uint32_t domid, uint32_t rport, uint32_t *lport)
{
	xenevtchn_port_or_error_t p = xenevtchn_bind_interdomain(xh(hv)->evtchn, domid, rport);
	if (p < 0)
		return xfail(hv, "evtchn bind", domid);
	*lport = (uint32_t)p;
	return 0;
}

static int xen_evtchn_notify(struct hv *hv, uint32_t lport)
{
	return xenevtchn_notify(xh(hv)->evtchn, lport) < 0 ? xfail(hv, "evtchn notify", 0) : 0;
}

static int xen_evtchn_unbind(struct hv *hv, uint32_t lport)
{
	return xenevtchn_unbind(xh(hv)->evtchn, lport) < 0 ? xfail(hv, "evtchn unbind", 0) : 0;
}

static int xen_evtchn_bind_dom_exc(struct hv *hv, uint32_t *lport)
{
	xenevtchn_port_or_error_t p = xenevtchn_bind_virq(xh(hv)->evtchn, VIRQ_DOM_EXC);
	if (p < 0)
		return xfail(hv, "evtchn bind VIRQ_DOM_EXC", 0);
	*lport = (uint32_t)p;
	return 0;
}

static int xen_evtchn_fd(struct hv *hv)
{
	int fd = xenevtchn_fd(xh(hv)->evtchn);
	return fd < 0 ? xfail(hv, "evtchn fd", 0) : fd;
}

static int xen_evtchn_pending(struct hv *hv, uint32_t *lport)
{
	/* The driver's read blocks unless the descriptor is non-blocking: make
	 * it so, for the "-EAGAIN when none" of hv.h. */
	int fd = xenevtchn_fd(xh(hv)->evtchn);
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && !(fl & O_NONBLOCK))
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	errno = 0;
	xenevtchn_port_or_error_t p = xenevtchn_pending(xh(hv)->evtchn);
	if (p < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == 0)
			return -EAGAIN;
		return xfail(hv, "evtchn pending", 0);
	}
	*lport = (uint32_t)p;
	return 0;
}

static int xen_evtchn_unmask(struct hv *hv, uint32_t lport)
{
	return xenevtchn_unmask(xh(hv)->evtchn, lport) < 0 ? xfail(hv, "evtchn unmask", 0) : 0;
}

/* The descriptor of an event channel handle inherited across exec, with its
 * bindings, replaces this backend's own handle. */
static int xen_evtchn_adopt(struct hv *hv, int fd)
{
	struct xen_handles *x = xh(hv);
	xenevtchn_handle *e = xenevtchn_fdopen(&xtl_to_log, fd, 0);
	if (!e)
		return hv_fail(hv, -(errno ? errno : EBADF), "xen: evtchn adopt of descriptor %d: %s",
			       fd, strerror(errno ? errno : EBADF));
	xenevtchn_close(x->evtchn);
	x->evtchn = e;
	return 0;
}

static const struct hv_ops xen_ops = {
	.name = "xen",
	.close = xen_close,
	.host_info = xen_host_info,
	.domain_create = xen_create,
	.domain_build = xen_build,
	.domain_pause = xen_pause,
	.domain_unpause = xen_unpause,
	.domain_shutdown = xen_shutdown,
	.domain_destroy = xen_destroy,
	.domain_getinfo = xen_getinfo,
	.domain_list = xen_list,
	.domain_suspend = xen_suspend,
	.domain_resume = xen_resume,
	.set_max_mem = xen_set_max_mem,
	.set_target_mem = xen_set_target,
	.vcpu_info = xen_vcpu_info,
	.vcpu_set_affinity = xen_set_affinity,
	.vcpu_get_affinity = xen_get_affinity,
	.vcpu_get_context = xen_get_context,
	.vcpu_set_context = xen_set_context,
	.logdirty_enable = xen_ld_enable,
	.logdirty_disable = xen_ld_disable,
	.logdirty_bitmap = xen_ld_bitmap,
	.map = xen_map,
	.unmap = xen_unmap,
	.evtchn_alloc_unbound = xen_evtchn_alloc,
	.evtchn_bind = xen_evtchn_bind,
	.evtchn_notify = xen_evtchn_notify,
	.evtchn_unbind = xen_evtchn_unbind,
	.evtchn_bind_dom_exc = xen_evtchn_bind_dom_exc,
	.evtchn_fd = xen_evtchn_fd,
	.evtchn_pending = xen_evtchn_pending,
	.evtchn_unmask = xen_evtchn_unmask,
	.evtchn_adopt = xen_evtchn_adopt,
};

int hv_xen_open(struct hv *hv, char *err, size_t errlen)
{
	struct xen_handles *x = calloc(1, sizeof(*x));
	if (!x) {
		snprintf(err, errlen, "hv_xen_open: out of memory");
		return -ENOMEM;
	}
	xentoollog_logger *quiet = &xtl_to_log;
	const char *what = "xc_interface_open";
	errno = 0;
	if ((x->xch = xc_interface_open(quiet, quiet, 0))) {
		what = "xenforeignmemory_open";
		if ((x->fmem = xenforeignmemory_open(quiet, 0))) {
			what = "xenevtchn_open";
			x->evtchn = xenevtchn_open(quiet, 0);
		}
	}
	if (!x->evtchn) {
		int e = errno ? errno : ENOENT;
		snprintf(err, errlen, "Xen: %s: %s (is this a Xen dom0 with /dev/xen/privcmd?)",
			 what, strerror(e));
		hv->priv = x;
		xen_close(hv);
		hv->priv = NULL;
		return -e;
	}
	hv->ops = &xen_ops;
	hv->priv = x;
	return 0;
}
