/* hv_xen: the hv backend of real Xen, on libxenctrl, libxenguest (its domain
 * builder makes PV and PVH domains from a kernel image), libxenforeignmemory
 * and libxenevtchn. Operations not done yet answer -ENOSYS and say so. */
#include "acpi.h"
#include "hv_xen.h"
#include "../lib/log.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xenguest.h>
#include <xen/hvm/e820.h>
#include <xen/hvm/params.h>

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

/* What Xen's limit allows above a domain's RAM: PVH's special pages (xenstore,
 * console, ...) and start info are populated outside it. xl adds the same
 * (LIBXL_MAXMEM_CONSTANT), so both toolstacks read the same limits back. */
#define XEN_MAXMEM_SLACK_KB 1024u

/* libxenctrl returns -1 with errno set. */
int xfail(struct hv *hv, const char *what, uint32_t domid)
{
	int e = errno ? errno : EIO;
	return hv_fail(hv, -e, "xen: %s of domain %u: %s", what, domid, strerror(e));
}

int xen_domaininfo(struct hv *hv, uint32_t domid, xc_domaininfo_t *info)
{
	errno = 0;
	int n = xc_domain_getinfolist(xh(hv)->xch, domid, 1, info);
	if (n < 0)
		return xfail(hv, "getinfo", domid);
	if (n == 0 || info->domain != domid)
		return hv_fail(hv, -ESRCH, "xen: domain %u does not exist", domid);
	return 0;
}

int xen_ring_channels(struct hv *hv, uint32_t domid, const struct hv_build_spec *spec,
		      uint32_t *store_port, uint32_t *console_port)
{
	xc_interface *xch = xh(hv)->xch;
	errno = 0;
	xc_evtchn_port_or_error_t sport = xc_evtchn_alloc_unbound(xch, domid, spec->store_domid);
	if (sport < 0)
		return xfail(hv, "xenstore event channel", domid);
	xc_evtchn_port_or_error_t cport = xc_evtchn_alloc_unbound(xch, domid,
								  spec->console_domid);
	if (cport < 0)
		return xfail(hv, "console event channel", domid);
	*store_port = (uint32_t)sport;
	*console_port = (uint32_t)cport;
	return 0;
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
	/* XEN_SYSCTL_cpu_featureset_hvm_max (Xen 4.14 on); not known without. */
	n = HV_FEATURESET_MAX;
	out->nr_guest_max = xc_get_cpu_featureset(x->xch, 5, &n, out->guest_max) < 0 ? 0 : n;
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
	/* hv_xen (as xl) keeps XEN_MAXMEM_SLACK_KB above a guest's maximum. */
	if (i->domain != 0 && o->max_mem_kb != UINT64_MAX && o->max_mem_kb >= XEN_MAXMEM_SLACK_KB)
		o->max_mem_kb -= XEN_MAXMEM_SLACK_KB;
	o->target_kb = o->mem_kb;
	o->cpu_time_ns = i->cpu_time;
}

static int xen_getinfo(struct hv *hv, uint32_t domid, struct hv_dominfo *out)
{
	xc_domaininfo_t info;
	int rc = xen_domaininfo(hv, domid, &info);
	if (rc == 0)
		from_xc(&info, out);
	return rc;
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

static int xen_set_uuid(struct hv *hv, uint32_t domid, const uint8_t *uuid)
{
	xen_domain_handle_t h;
	memcpy(h, uuid, sizeof(h));
	errno = 0;
	return xc_domain_sethandle(xh(hv)->xch, domid, h) < 0 ? xfail(hv, "set uuid", domid) : 0;
}

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

/* The scheduler's cap: percent of one physical CPU for the whole domain
 * (0: none), so PERCENT of each vCPU is PERCENT times the online vCPUs. */
static int xen_set_cpu_cap(struct hv *hv, uint32_t domid, uint32_t percent)
{
	xc_interface *xch = xh(hv)->xch;
	xc_domaininfo_t info;
	int rc = xen_domaininfo(hv, domid, &info);
	if (rc < 0)
		return rc;
	xc_cpupoolinfo_t *pool = xc_cpupool_getinfo(xch, info.cpupool);
	if (!pool)
		return xfail(hv, "cpupool info", domid);
	uint32_t sched = pool->sched_id;
	xc_cpupool_infofree(xch, pool);
	uint32_t vcpus = info.nr_online_vcpus ? info.nr_online_vcpus : 1;
	uint32_t cap = percent == 0 || percent >= 100 ? 0 : percent * vcpus;
	if (cap > UINT16_MAX)
		cap = 0; /* more than Xen can say: as good as no cap */
	if (sched == XEN_SCHEDULER_CREDIT) {
		struct xen_domctl_sched_credit c;
		if (xc_sched_credit_domain_get(xch, domid, &c) < 0)
			return xfail(hv, "credit scheduler get", domid);
		c.cap = (uint16_t)cap;
		return xc_sched_credit_domain_set(xch, domid, &c) < 0 ?
			       xfail(hv, "credit scheduler cap", domid) : 0;
	}
	if (sched == XEN_SCHEDULER_CREDIT2) {
		struct xen_domctl_sched_credit2 c;
		if (xc_sched_credit2_domain_get(xch, domid, &c) < 0)
			return xfail(hv, "credit2 scheduler get", domid);
		c.cap = (uint16_t)cap;
		return xc_sched_credit2_domain_set(xch, domid, &c) < 0 ?
			       xfail(hv, "credit2 scheduler cap", domid) : 0;
	}
	return hv_fail(hv, -EOPNOTSUPP,
		       "xen: domain %u runs under scheduler %u, which has no cap (credit and "
		       "credit2 have)", domid, sched);
}

/* Xen's TSC_MODE_NEVER_EMULATE (xl.cfg tsc_mode="native"); not in the public headers. */
#define XEN_TSC_MODE_NATIVE 2u
/* xl's defaults (xl.cfg max_event_channels). */
#define XEN_MAX_EVTCHN_PORT 1023u

/* libxenguest's own explanation of its last failure on this handle. */
const char *xc_last(xc_interface *xch)
{
	const xc_error *e = xc_get_last_error(xch);
	return e && e->code != XC_ERROR_NONE && e->message[0] ? e->message : "no detail from libxc";
}

uint64_t pvh_paging_pool_bytes(const struct hv_domain_config *cfg)
{
	if (cfg->paging_pool_kb)
		return cfg->paging_pool_kb * 1024;
	return ((uint64_t)cfg->max_vcpus * 1024 + cfg->max_mem_kb / 1024 * 8) * 1024;
}

static const uint64_t xen_timer_mode[] = {
	[HV_TIMER_NO_DELAY_FOR_MISSED_TICKS] = HVMPTM_no_delay_for_missed_ticks,
	[HV_TIMER_DELAY_FOR_MISSED_TICKS] = HVMPTM_delay_for_missed_ticks,
	[HV_TIMER_NO_MISSED_TICKS_PENDING] = HVMPTM_no_missed_ticks_pending,
	[HV_TIMER_ONE_MISSED_TICK_PENDING] = HVMPTM_one_missed_tick_pending,
};

static int xen_create(struct hv *hv, const struct hv_domain_config *cfg, uint32_t *domid)
{
	xc_interface *xch = xh(hv)->xch;
	int pvh = cfg->type == HV_DOM_PVH;
	if (cfg->type != HV_DOM_PV && !pvh)
		return hv_fail(hv, -EINVAL, "xen: create: unknown domain type %d", (int)cfg->type);
	if (cfg->max_vcpus == 0)
		return hv_fail(hv, -EINVAL, "xen: create: a domain needs at least one vCPU");
	if ((unsigned)cfg->timer_mode >= sizeof(xen_timer_mode) / sizeof(xen_timer_mode[0]))
		return hv_fail(hv, -EINVAL, "xen: create: unknown timer mode %d",
			       (int)cfg->timer_mode);
	/* The MADT that hv_xen writes for PVH has one-byte LAPIC ids (2 * vCPU). */
	if (pvh && cfg->max_vcpus > ACPI_MAX_VCPUS)
		return hv_fail(hv, -EOPNOTSUPP,
			       "xen: create: a PVH domain with %u vCPUs: xcd's Xen backend "
			       "describes at most %u vCPUs to a PVH guest",
			       cfg->max_vcpus, ACPI_MAX_VCPUS);
	/* libxenguest builds whole MiB (xc_dom_mem_init). */
	if (cfg->max_mem_kb < 1024 || cfg->max_mem_kb % 1024)
		return hv_fail(hv, -EINVAL,
			       "xen: create: memory of %llu KiB: the Xen backend needs a whole "
			       "number of MiB, at least 1",
			       (unsigned long long)cfg->max_mem_kb);
	struct xen_domctl_createdomain c;
	memset(&c, 0, sizeof(c));
	memcpy(c.handle, cfg->uuid, sizeof(c.handle));
	c.max_vcpus = cfg->max_vcpus;
	c.max_evtchn_port = XEN_MAX_EVTCHN_PORT;
	c.max_grant_frames = -1;	/* the hypervisor's default limits */
	c.max_maptrack_frames = -1;
	c.grant_opts =
		XEN_DOMCTL_GRANT_version(cfg->max_grant_version ? cfg->max_grant_version : 1);
	if (cfg->flags & HV_CREATE_MSR_RELAXED)
		c.arch.misc_flags |= XEN_X86_MSR_RELAXED;
	if (pvh) {
		/* PVH: an HVM container on hardware-assisted paging with only the
		 * local APIC emulated (no device model, no PIC/IOAPIC/RTC). */
		c.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
		c.arch.emulation_flags = XEN_X86_EMU_LAPIC;
	}
	uint32_t id = 0; /* 0: Xen picks the domid */
	errno = 0;
	if (xc_domain_create(xch, &id, &c) < 0)
		return hv_fail(hv, errno ? -errno : -EIO, "xen: create of a %s domain: %s",
			       pvh ? "PVH" : "PV", strerror(errno ? errno : EIO));
	/* Xen 4.17 still allocates the vCPUs here, with the count create got. */
	const char *what = "allocate vCPUs";
	errno = 0;
	if (xc_domain_max_vcpus(xch, id, cfg->max_vcpus) < 0)
		goto undo;
	/* The CPUID policy a fresh domain boots with (PAE on, no invariant TSC
	 * promise, no nested virtualisation), as xl applies before building. */
	what = "apply the CPUID policy";
	if (xc_cpuid_apply_policy(xch, id, false, NULL, 0, true, false, false, NULL, NULL) < 0)
		goto undo;
	what = "set max memory";
	if (xc_domain_setmaxmem(xch, id, cfg->max_mem_kb + XEN_MAXMEM_SLACK_KB) < 0)
		goto undo;
	/* PVH: the pool Xen takes the guest's HAP page tables from, sized as xl
	 * sizes it by default (shadow_memory: 1 MiB per vCPU and 8 KiB per MiB of
	 * RAM). Log-dirty splits the guest's 2 MiB mappings into 4 KiB ones, each
	 * 2 MiB written then needing a page-table page of its own from this pool. */
	what = "size the paging pool";
	if (pvh && xc_set_paging_mempool_size(xch, id, pvh_paging_pool_bytes(cfg)) < 0)
		goto undo;
	/* Xen's own default is delay_for_missed_ticks; xl's (and xcd's) is
	 * no_delay_for_missed_ticks. */
	what = "set the timer mode";
	if (pvh && xc_hvm_param_set(xch, id, HVM_PARAM_TIMER_MODE,
				    xen_timer_mode[cfg->timer_mode]) < 0)
		goto undo;
	/* PV: the guest's pseudo-physical map ends at its RAM (XENMEM_memory_map). */
	what = "set memory map limit";
	if (!pvh && xc_domain_set_memmap_limit(xch, id, cfg->max_mem_kb) < 0)
		goto undo;
	what = "set TSC mode";
	if ((cfg->flags & HV_CREATE_TSC_NATIVE) &&
	    xc_domain_set_tsc_info(xch, id, XEN_TSC_MODE_NATIVE, 0, 0, 0) < 0)
		goto undo;
	*domid = id;
	return 0;
undo:;
	int rc = xfail(hv, what, id);
	xc_domain_destroy(xch, id);
	return rc;
}

/* Xen's guest-physical layout of a PVH domain: RAM up to the MMIO hole below
 * 4 GiB, the rest above 4 GiB, and the special pages (xenstore, console,
 * ...) that libxenguest puts just below X86_HVM_END_SPECIAL_REGION, reserved
 * so that the guest does not take them for RAM, and the ACPI tables. */
static unsigned pvh_layout(struct xc_dom_image *dom, uint64_t ram_bytes, struct e820entry *e820)
{
	uint64_t mmio_start = HVM_BELOW_4G_MMIO_START;
	uint64_t low = ram_bytes, high = 0;
	if (low > mmio_start) {
		high = (1ull << 32) + (low - mmio_start);
		low = mmio_start;
	}
	dom->mmio_start = mmio_start;
	dom->mmio_size = HVM_BELOW_4G_MMIO_LENGTH;
	dom->lowmem_end = low;
	dom->highmem_end = high;
	dom->target_pages = ram_bytes >> XC_PAGE_SHIFT; /* all populated: no PoD */
	dom->device_model = false;
	dom->vga_hole_size = 0;
	unsigned n = 0;
	e820[n++] = (struct e820entry){ 0, low, E820_RAM };
	/* The ACPI tables (acpi.c), in the MMIO hole: never RAM. */
	e820[n++] = (struct e820entry){ ACPI_TABLES_GPA, ACPI_TABLES_MAX, E820_ACPI };
	e820[n++] = (struct e820entry){
		(uint64_t)(X86_HVM_END_SPECIAL_REGION - X86_HVM_NR_SPECIAL_PAGES) << XC_PAGE_SHIFT,
		(uint64_t)X86_HVM_NR_SPECIAL_PAGES << XC_PAGE_SHIFT, E820_RESERVED };
	if (high)
		e820[n++] = (struct e820entry){ 1ull << 32, high - (1ull << 32), E820_RAM };
	dom->e820 = e820;
	dom->e820_entries = n;
	return n;
}

static int xen_build(struct hv *hv, uint32_t domid, const struct hv_build_spec *spec,
		     struct hv_build_result *out)
{
	xc_interface *xch = xh(hv)->xch;
	if (!spec->kernel || !spec->kernel[0])
		return hv_fail(hv, -EINVAL, "xen: build of domain %u: no kernel image given", domid);
	xc_domaininfo_t info;
	int rc = xen_domaininfo(hv, domid, &info);
	if (rc < 0)
		return rc;
	int pvh = !!(info.flags & XEN_DOMINF_hvm_guest);
	/* The RAM to build is what create allowed, less the slack it added. */
	uint64_t max_kb = (uint64_t)info.max_pages * 4;
	if (info.max_pages == UINT64_MAX || max_kb < XEN_MAXMEM_SLACK_KB + 1024)
		return hv_fail(hv, -EINVAL,
			       "xen: build of domain %u: its memory limit (%llu KiB) leaves no "
			       "RAM to build; was it made by hv_domain_create?",
			       domid, (unsigned long long)max_kb);
	unsigned mem_mb = (unsigned)((max_kb - XEN_MAXMEM_SLACK_KB) / 1024);

	/* The guest's ends of its xenstore and console channels, open to the
	 * domains serving them; start info (PV) or HVM params (PVH) carry them. */
	uint32_t sport, cport;
	if ((rc = xen_ring_channels(hv, domid, spec, &sport, &cport)) < 0)
		return rc;

	struct xc_dom_image *dom = xc_dom_allocate(xch, spec->cmdline ? spec->cmdline : "", NULL);
	if (!dom)
		return hv_fail(hv, -ENOMEM, "xen: build of domain %u: xc_dom_allocate: %s", domid,
			       xc_last(xch));
	struct e820entry e820[4];
	uint8_t acpi[ACPI_TABLES_MAX];
	const char *what;
	rc = 0;
	dom->container_type = pvh ? XC_DOM_HVM_CONTAINER : XC_DOM_PV_CONTAINER;
	dom->max_vcpus = info.max_vcpu_id + 1;
	dom->xenstore_evtchn = (unsigned)sport;
	dom->xenstore_domid = spec->store_domid;
	dom->console_evtchn = (unsigned)cport;
	dom->console_domid = spec->console_domid;
	if (pvh) {
		pvh_layout(dom, (uint64_t)mem_mb << 20, e820);
		/* libxenguest loads module 0 and points the start info's
		 * rsdp_paddr at it: Linux PVH finds its vCPUs there. */
		int len = acpi_build_pvh(acpi, ACPI_TABLES_GPA, dom->max_vcpus, spec->vcpus);
		if (len < 0) {
			xc_dom_release(dom);
			return hv_fail(hv, len, "xen: build of PVH domain %u: no ACPI tables for "
				       "%u vCPUs (%u online)", domid, dom->max_vcpus, spec->vcpus);
		}
		dom->acpi_modules[0] = (struct xc_hvm_firmware_module){
			.data = acpi, .length = (uint32_t)len, .guest_addr_out = ACPI_TABLES_GPA };
	}

	errno = 0;
	what = "reading the kernel image";
	if (xc_dom_kernel_file(dom, spec->kernel) != 0)
		goto fail;
	what = "reading the ramdisk";
	if (spec->ramdisk && spec->ramdisk[0] && xc_dom_module_file(dom, spec->ramdisk, NULL) != 0)
		goto fail;
	what = "xc_dom_boot_xen_init";
	if (xc_dom_boot_xen_init(dom, xch, domid) != 0)
		goto fail;
	what = "parsing the kernel image";
	if (xc_dom_parse_image(dom) != 0)
		goto fail;
	what = "xc_dom_mem_init";
	if (xc_dom_mem_init(dom, mem_mb) != 0)
		goto fail;
	what = "populating guest memory";
	if (xc_dom_boot_mem_init(dom) != 0)
		goto fail;
	what = "setting the memory map";
	if (pvh && xc_domain_set_memory_map(xch, domid, dom->e820, dom->e820_entries) != 0)
		goto fail;
	what = "loading the image";
	if (xc_dom_build_image(dom) != 0)
		goto fail;
	what = "setting up the boot vCPU";
	if (xc_dom_boot_image(dom) != 0)
		goto fail;
	/* The grant entries xenstored and xenconsoled map the rings through
	 * (GNTTAB_RESERVED_XENSTORE and _CONSOLE). */
	what = "seeding the grant table";
	if (xc_dom_gnttab_init(dom) != 0)
		goto fail;
	memset(out, 0, sizeof(*out));
	out->store_port = (uint32_t)sport;
	out->console_port = (uint32_t)cport;
	if (pvh) {
		/* A PVH guest finds its channels in HVM params, its rings by gfn. */
		what = "setting the xenstore/console event channel params";
		if (xc_hvm_param_set(xch, domid, HVM_PARAM_STORE_EVTCHN, (uint64_t)sport) != 0 ||
		    xc_hvm_param_set(xch, domid, HVM_PARAM_CONSOLE_EVTCHN, (uint64_t)cport) != 0)
			goto fail;
		out->store_pfn = dom->xenstore_pfn;
		out->console_pfn = dom->console_pfn;
	} else {
		/* Xen's INTRODUCE and console/ring-ref of a PV guest name machine frames. */
		out->store_pfn = xc_dom_p2m(dom, dom->xenstore_pfn);
		out->console_pfn = xc_dom_p2m(dom, dom->console_pfn);
	}
	log_debug("xen: built %s domain %u: %u MiB, kernel %s, store pfn %#llx port %u, "
		  "console pfn %#llx port %u",
		  pvh ? "PVH" : "PV", domid, mem_mb, spec->kernel,
		  (unsigned long long)out->store_pfn, out->store_port,
		  (unsigned long long)out->console_pfn, out->console_port);
	xc_dom_release(dom);
	return 0;
fail:
	rc = hv_fail(hv, errno > 0 ? -errno : -EIO, "xen: build of %s domain %u from %s: %s: %s",
		     pvh ? "PVH" : "PV", domid, spec->kernel, what, xc_last(xch));
	xc_dom_release(dom);
	return rc;
}

/* A Xen guest suspends itself: the toolstack asks it through control/shutdown
 * (xenstore is not hv's); here we wait until Xen reports shutdown(suspend). */
static int xen_suspend(struct hv *hv, uint32_t domid, hv_wait_fn *wait, void *arg)
{
	return hv_await_suspended(hv, domid, wait, arg);
}

/* The same wait without an event to wake it (libxenguest's suspend callback
 * of a PV save, hv_xen_pv.c). */
int xen_wait_suspended(struct hv *hv, uint32_t domid)
{
	return xen_suspend(hv, domid, NULL, NULL);
}

static int xen_set_max_mem(struct hv *hv, uint32_t domid, uint64_t kb)
{
	return xc_domain_setmaxmem(xh(hv)->xch, domid, kb + XEN_MAXMEM_SLACK_KB) < 0 ?
		       xfail(hv, "set max memory", domid) : 0;
}

/* Xen keeps no balloon target: the guest's balloon driver follows
 * memory/target in xenstore, which the toolstack writes. What the hypervisor
 * has is the populate-on-demand target of HVM containers, which matters only
 * to a domain built with PoD (hv_xen never builds one: then it is a no-op). */
static int xen_set_target(struct hv *hv, uint32_t domid, uint64_t kb)
{
	struct hv_dominfo d;
	int rc = xen_getinfo(hv, domid, &d);
	if (rc < 0)
		return rc;
	if (d.max_mem_kb != UINT64_MAX && kb > d.max_mem_kb)
		return hv_fail(hv, -EINVAL,
			       "xen: memory target of domain %u: %llu KiB is above its maximum "
			       "of %llu KiB",
			       domid, (unsigned long long)kb, (unsigned long long)d.max_mem_kb);
	if (d.type == HV_DOM_PVH &&
	    xc_domain_set_pod_target(xh(hv)->xch, domid, kb / 4, NULL, NULL, NULL) < 0)
		return xfail(hv, "set PoD target", domid);
	return 0;
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
	.domain_restore_finish = xen_restore_finish,
	.pv_save = xen_pv_save,
	.pv_restore = xen_pv_restore,
	.domain_pause = xen_pause,
	.domain_unpause = xen_unpause,
	.domain_shutdown = xen_shutdown,
	.domain_destroy = xen_destroy,
	.domain_set_uuid = xen_set_uuid,
	.domain_getinfo = xen_getinfo,
	.domain_list = xen_list,
	.domain_suspend = xen_suspend,
	.domain_resume = xen_resume,
	.domain_set_cpu_cap = xen_set_cpu_cap,
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
	.domain_max_pfn = xen_max_pfn,
	.pfn_types = xen_pfn_types,
	.populate = xen_populate,
	.tsc_info_get = xen_tsc_get,
	.tsc_info_set = xen_tsc_set,
	.cpu_policy_get = xen_policy_get,
	.cpu_policy_set = xen_policy_set,
	.hvm_context_get = xen_hvm_context_get,
	.hvm_context_set = xen_hvm_context_set,
	.hvm_param_get = xen_param_get,
	.hvm_param_set = xen_param_set,
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
