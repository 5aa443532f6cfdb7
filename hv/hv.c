/* hv: backend choice and dispatch through the backend's table. */
#include "backend.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PRIVCMD "/dev/xen/privcmd"
#define SIM_SOCKET_DEFAULT "/run/xcd/sim.sock"

int hv_fail(struct hv *hv, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(hv->err, sizeof(hv->err), fmt, ap);
	va_end(ap);
	return rc;
}

int hv_open(enum hv_backend backend, const char *sim_socket, struct hv **out, char *err,
	    size_t errlen)
{
	struct hv *hv = calloc(1, sizeof(*hv));
	if (!hv) {
		snprintf(err, errlen, "hv_open: out of memory");
		return -ENOMEM;
	}
	if (backend == HV_AUTO)
		backend = access(PRIVCMD, F_OK) == 0 ? HV_XEN : HV_SIM;
	int rc;
	if (backend == HV_XEN) {
		rc = hv_xen_open(hv, err, errlen);
	} else {
		if (!sim_socket)
			sim_socket = getenv("XCD_SIM_SOCKET");
		rc = hv_sim_open(hv, sim_socket ? sim_socket : SIM_SOCKET_DEFAULT, err, errlen);
	}
	if (rc < 0) {
		free(hv);
		return rc;
	}
	*out = hv;
	return 0;
}

void hv_close(struct hv *hv)
{
	if (!hv)
		return;
	hv->ops->close(hv);
	free(hv);
}

const char *hv_error(const struct hv *hv) { return hv->err; }
const char *hv_backend_name(const struct hv *hv) { return hv->ops->name; }

/* Each entry point clears the error text, then asks the backend. */
#define HV_CALL(op, ...)                                                         \
	do {                                                                     \
		hv->err[0] = '\0';                                               \
		if (!hv->ops->op)                                                \
			return hv_fail(hv, -ENOSYS, "%s: " #op " not implemented", \
				       hv->ops->name);                           \
		return hv->ops->op(hv, ##__VA_ARGS__);                           \
	} while (0)

int hv_host_info(struct hv *hv, struct hv_hostinfo *out) { HV_CALL(host_info, out); }
int hv_domain_create(struct hv *hv, const struct hv_domain_config *cfg, uint32_t *domid)
{ HV_CALL(domain_create, cfg, domid); }
int hv_domain_build(struct hv *hv, uint32_t domid, const struct hv_build_spec *spec,
		    struct hv_build_result *out)
{ HV_CALL(domain_build, domid, spec, out); }
int hv_domain_restore_finish(struct hv *hv, uint32_t domid, const struct hv_build_spec *spec,
			     struct hv_build_result *out)
{ HV_CALL(domain_restore_finish, domid, spec, out); }
int hv_pv_save(struct hv *hv, uint32_t domid, int fd, hv_progress_fn *progress, void *arg)
{ HV_CALL(pv_save, domid, fd, progress, arg); }
int hv_pv_restore(struct hv *hv, uint32_t domid, int fd, const struct hv_build_spec *spec,
		  struct hv_build_result *out)
{ HV_CALL(pv_restore, domid, fd, spec, out); }
int hv_domain_pause(struct hv *hv, uint32_t domid) { HV_CALL(domain_pause, domid); }
int hv_domain_unpause(struct hv *hv, uint32_t domid) { HV_CALL(domain_unpause, domid); }
int hv_domain_shutdown(struct hv *hv, uint32_t domid, enum hv_shutdown_reason reason)
{ HV_CALL(domain_shutdown, domid, reason); }
int hv_domain_destroy(struct hv *hv, uint32_t domid) { HV_CALL(domain_destroy, domid); }
int hv_domain_set_uuid(struct hv *hv, uint32_t domid, const uint8_t uuid[16])
{ HV_CALL(domain_set_uuid, domid, uuid); }
int hv_domain_getinfo(struct hv *hv, uint32_t domid, struct hv_dominfo *out)
{ HV_CALL(domain_getinfo, domid, out); }
int hv_domain_list(struct hv *hv, struct hv_dominfo *out, unsigned max)
{ HV_CALL(domain_list, out, max); }

int hv_domain_list_all(struct hv *hv, struct hv_dominfo **out)
{
	/* A full answer may have been cut short: ask again for more. */
	for (unsigned cap = 1024;; cap = cap * 2 > HV_MAX_DOMAINS ? HV_MAX_DOMAINS : cap * 2) {
		struct hv_dominfo *l = calloc(cap, sizeof(*l));
		if (!l)
			return hv_fail(hv, -ENOMEM, "list of domains: out of memory");
		int n = hv_domain_list(hv, l, cap);
		if (n < 0 || (unsigned)n < cap || cap == HV_MAX_DOMAINS) {
			if (n < 0)
				free(l);
			else
				*out = l;
			return n;
		}
		free(l);
	}
}
int hv_domain_suspend(struct hv *hv, uint32_t domid) { HV_CALL(domain_suspend, domid, NULL, NULL); }

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static long mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* hv_domain_suspend_wait's WAIT when its caller gives none: a sleep. */
static void sleep_wait(void *arg, int ms)
{
	(void)arg;
	sleep_ms(ms);
}

int hv_domain_suspend_wait(struct hv *hv, uint32_t domid, hv_wait_fn *wait, void *arg)
{
	/* Never NULL here: the backend knows the guest is to suspend itself. */
	HV_CALL(domain_suspend, domid, wait ? wait : sleep_wait, wait ? arg : NULL);
}

int hv_await_suspended(struct hv *hv, uint32_t domid, hv_wait_fn *wait, void *arg)
{
	const char *be = hv->ops->name;
	long t0 = mono_ms();
	for (long waited = 0;; waited = mono_ms() - t0) {
		struct hv_dominfo d;
		int rc = hv->ops->domain_getinfo(hv, domid, &d);
		if (rc < 0)
			return rc;
		if (d.flags & HV_DOMF_DYING)
			return hv_fail(hv, -ESRCH, "%s: suspend: domain %u is dying", be, domid);
		if (d.flags & HV_DOMF_SHUTDOWN) {
			if (d.shutdown_reason == HV_SHUTDOWN_SUSPEND)
				return 0;
			return hv_fail(hv, -ECANCELED,
				       "%s: suspend: domain %u shut down with reason %u instead "
				       "of suspending",
				       be, domid, d.shutdown_reason);
		}
		if (waited >= HV_SUSPEND_WAIT_MS)
			return hv_fail(hv, -ETIMEDOUT,
				       "%s: suspend: domain %u did not suspend within %d s (%s); "
				       "a Xen guest suspends itself when the toolstack writes "
				       "control/shutdown = suspend",
				       be, domid, HV_SUSPEND_WAIT_MS / 1000,
				       d.flags & HV_DOMF_PAUSED ? "it is paused" : "it runs");
		if (wait)
			wait(arg, HV_SUSPEND_POLL_MS);
		else
			sleep_ms(HV_SUSPEND_POLL_MS);
	}
}
int hv_domain_resume(struct hv *hv, uint32_t domid) { HV_CALL(domain_resume, domid); }
int hv_domain_set_cpu_cap(struct hv *hv, uint32_t domid, uint32_t percent)
{
	if (percent > 100) {
		hv->err[0] = '\0';
		return hv_fail(hv, -EINVAL, "domain %u: a CPU cap of %u%% (0 to 100)", domid,
			       percent);
	}
	HV_CALL(domain_set_cpu_cap, domid, percent);
}
int hv_set_max_mem(struct hv *hv, uint32_t domid, uint64_t max_kb)
{ HV_CALL(set_max_mem, domid, max_kb); }
int hv_set_target_mem(struct hv *hv, uint32_t domid, uint64_t target_kb)
{ HV_CALL(set_target_mem, domid, target_kb); }
int hv_vcpu_info(struct hv *hv, uint32_t domid, uint32_t vcpu, struct hv_vcpuinfo *out)
{ HV_CALL(vcpu_info, domid, vcpu, out); }
int hv_vcpu_set_affinity(struct hv *hv, uint32_t domid, uint32_t vcpu, const uint8_t *cpumap,
			 size_t len)
{ HV_CALL(vcpu_set_affinity, domid, vcpu, cpumap, len); }
int hv_vcpu_get_affinity(struct hv *hv, uint32_t domid, uint32_t vcpu, uint8_t *cpumap,
			 size_t len)
{ HV_CALL(vcpu_get_affinity, domid, vcpu, cpumap, len); }
int hv_vcpu_get_context(struct hv *hv, uint32_t domid, uint32_t vcpu, void *buf, size_t *len)
{ HV_CALL(vcpu_get_context, domid, vcpu, buf, len); }
int hv_vcpu_set_context(struct hv *hv, uint32_t domid, uint32_t vcpu, const void *buf,
			size_t len)
{ HV_CALL(vcpu_set_context, domid, vcpu, buf, len); }
int hv_logdirty_enable(struct hv *hv, uint32_t domid) { HV_CALL(logdirty_enable, domid); }
int hv_logdirty_disable(struct hv *hv, uint32_t domid) { HV_CALL(logdirty_disable, domid); }
int hv_logdirty_bitmap(struct hv *hv, uint32_t domid, uint8_t *bitmap, uint64_t npages,
		       int clear)
{ HV_CALL(logdirty_bitmap, domid, bitmap, npages, clear); }
int hv_map(struct hv *hv, uint32_t domid, uint64_t pfn, uint64_t npages, int prot, void **addr)
{ HV_CALL(map, domid, pfn, npages, prot, addr); }
int hv_unmap(struct hv *hv, void *addr, uint64_t npages) { HV_CALL(unmap, addr, npages); }
int hv_domain_max_pfn(struct hv *hv, uint32_t domid, uint64_t *max_pfn)
{ HV_CALL(domain_max_pfn, domid, max_pfn); }

/* The pfn list's size is the interface's, checked once for both backends. */
static int pfn_list(struct hv *hv, uint32_t domid, uint32_t n, const char *what)
{
	hv->err[0] = '\0';
	if (n == 0 || n > HV_PFN_TYPES_MAX)
		return hv_fail(hv, -EINVAL, "domain %u: %s of %u pages (1 to %u at once)", domid,
			       what, n, HV_PFN_TYPES_MAX);
	return 0;
}

int hv_pfn_types(struct hv *hv, uint32_t domid, const uint64_t *pfns, uint32_t n,
		 uint8_t *types)
{
	int rc = pfn_list(hv, domid, n, "the types");
	if (rc < 0)
		return rc;
	HV_CALL(pfn_types, domid, pfns, n, types);
}
int hv_populate(struct hv *hv, uint32_t domid, const uint64_t *pfns, uint32_t n)
{
	int rc = pfn_list(hv, domid, n, "populating");
	if (rc < 0)
		return rc;
	HV_CALL(populate, domid, pfns, n);
}
int hv_tsc_info_get(struct hv *hv, uint32_t domid, struct hv_tsc_info *out)
{ HV_CALL(tsc_info_get, domid, out); }
int hv_tsc_info_set(struct hv *hv, uint32_t domid, const struct hv_tsc_info *tsc)
{ HV_CALL(tsc_info_set, domid, tsc); }
int hv_cpu_policy_get(struct hv *hv, uint32_t domid, struct hv_cpuid_leaf *leaves,
		      uint32_t *nr_leaves, struct hv_msr *msrs, uint32_t *nr_msrs)
{ HV_CALL(cpu_policy_get, domid, leaves, nr_leaves, msrs, nr_msrs); }
int hv_cpu_policy_set(struct hv *hv, uint32_t domid, const struct hv_cpuid_leaf *leaves,
		      uint32_t nr_leaves, const struct hv_msr *msrs, uint32_t nr_msrs)
{ HV_CALL(cpu_policy_set, domid, leaves, nr_leaves, msrs, nr_msrs); }
int hv_hvm_context_get(struct hv *hv, uint32_t domid, void *buf, size_t *len)
{ HV_CALL(hvm_context_get, domid, buf, len); }
int hv_hvm_context_set(struct hv *hv, uint32_t domid, const void *buf, size_t len)
{
	hv->err[0] = '\0';
	if (len == 0 || len > HV_HVM_CONTEXT_MAX)
		return hv_fail(hv, -EINVAL, "domain %u: an HVM context of %zu bytes (1 to %u)",
			       domid, len, HV_HVM_CONTEXT_MAX);
	HV_CALL(hvm_context_set, domid, buf, len);
}
static int param_index(struct hv *hv, uint32_t domid, uint32_t index)
{
	hv->err[0] = '\0';
	if (index >= HV_NR_HVM_PARAMS)
		return hv_fail(hv, -EINVAL, "domain %u: HVM parameter %u (Xen has %u)", domid,
			       index, HV_NR_HVM_PARAMS);
	return 0;
}
int hv_hvm_param_get(struct hv *hv, uint32_t domid, uint32_t index, uint64_t *value)
{
	int rc = param_index(hv, domid, index);
	if (rc < 0)
		return rc;
	HV_CALL(hvm_param_get, domid, index, value);
}
int hv_hvm_param_set(struct hv *hv, uint32_t domid, uint32_t index, uint64_t value)
{
	int rc = param_index(hv, domid, index);
	if (rc < 0)
		return rc;
	HV_CALL(hvm_param_set, domid, index, value);
}
int hv_evtchn_alloc_unbound(struct hv *hv, uint32_t domid, uint32_t remote_domid,
			    uint32_t *port)
{ HV_CALL(evtchn_alloc_unbound, domid, remote_domid, port); }
int hv_evtchn_bind(struct hv *hv, uint32_t domid, uint32_t remote_port, uint32_t *local_port)
{ HV_CALL(evtchn_bind, domid, remote_port, local_port); }
int hv_evtchn_notify(struct hv *hv, uint32_t local_port) { HV_CALL(evtchn_notify, local_port); }
int hv_evtchn_unbind(struct hv *hv, uint32_t local_port) { HV_CALL(evtchn_unbind, local_port); }
int hv_evtchn_bind_dom_exc(struct hv *hv, uint32_t *local_port)
{ HV_CALL(evtchn_bind_dom_exc, local_port); }
int hv_evtchn_fd(struct hv *hv) { HV_CALL(evtchn_fd); }
int hv_evtchn_pending(struct hv *hv, uint32_t *local_port) { HV_CALL(evtchn_pending, local_port); }
int hv_evtchn_unmask(struct hv *hv, uint32_t local_port) { HV_CALL(evtchn_unmask, local_port); }
int hv_evtchn_adopt(struct hv *hv, int fd) { HV_CALL(evtchn_adopt, fd); }
