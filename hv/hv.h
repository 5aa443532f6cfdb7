/* hv: the hypervisor interface. One table of operations at the level of Xen's
 * control interfaces (domctl, sysctl, foreign memory, event channels), with two
 * backends: real Xen (hv_xen.c) and the simulated host xcd-sim (hv_sim.c).
 * Nothing above hv knows which backend it runs on.
 *
 * Every function returns 0 (or a count where said) or a negative errno value;
 * hv_error() then holds a sentence a person can read (what failed and where).
 * Memory sizes are in KiB, as Xen's domctls count them; pages are 4 KiB. */
#ifndef XCD_HV_H
#define XCD_HV_H
#include <stddef.h>
#include <stdint.h>

#define HV_PAGE_SIZE 4096u
#define HV_PAGE_SHIFT 12

enum hv_backend { HV_AUTO, HV_XEN, HV_SIM };

/* Xen's SHUTDOWN_* values (xen/sched.h). */
enum hv_shutdown_reason {
	HV_SHUTDOWN_POWEROFF = 0,
	HV_SHUTDOWN_REBOOT = 1,
	HV_SHUTDOWN_SUSPEND = 2,
	HV_SHUTDOWN_CRASH = 3,
	HV_SHUTDOWN_WATCHDOG = 4,
	HV_SHUTDOWN_SOFT_RESET = 5,
};

enum hv_domain_type { HV_DOM_PV = 0, HV_DOM_PVH = 1 };

#define HV_FEATURESET_MAX 32 /* 32-bit words */

struct hv_hostinfo {
	uint32_t nr_cpus;
	uint64_t total_kb;
	uint64_t free_kb;
	uint32_t xen_major, xen_minor;
	char version[64];	/* e.g. "4.17.3" or "xcd-sim 0.1 (Xen 4.17 interface)" */
	char backend[8];	/* "xen" or "sim": for logs, never for decisions */
	uint32_t nr_features;	/* words used in featureset */
	uint32_t featureset[HV_FEATURESET_MAX];
	/* The features a PVH guest may be given here (Xen: its hvm_max
	 * featureset; xcd-sim: its featureset); 0 words: not known. */
	uint32_t nr_guest_max;
	uint32_t guest_max[HV_FEATURESET_MAX];
};

/* xl.cfg's timer_mode (how Xen's virtual timers treat ticks a descheduled
 * vCPU missed); zero is xl's default. */
enum hv_timer_mode {
	HV_TIMER_NO_DELAY_FOR_MISSED_TICKS = 0,
	HV_TIMER_DELAY_FOR_MISSED_TICKS,
	HV_TIMER_NO_MISSED_TICKS_PENDING,
	HV_TIMER_ONE_MISSED_TICK_PENDING,
};

struct hv_domain_config {
	uint8_t uuid[16];	/* names are the toolstack's business, not hv's */
	uint32_t max_vcpus;
	uint64_t max_mem_kb;
	enum hv_domain_type type;
	uint32_t flags;		/* HV_CREATE_* */
	/* PVH only (the simulated host ignores both): */
	enum hv_timer_mode timer_mode;	/* xl.cfg timer_mode; 0: xl's default */
	uint64_t paging_pool_kb;	/* xl.cfg shadow_memory; 0: xl's default */
	/* The highest grant table version the guest may use (xl.cfg
	 * max_grant_version; 1 or 2); 0: 1. The simulated host ignores it. */
	uint32_t max_grant_version;
};
/* xl.cfg tsc_mode="native": the guest reads the host's TSC, never emulated.
 * Xen under QEMU's emulated SVM needs it for PVH guests (RDTSCP cannot be
 * emulated there); the simulated host ignores it. */
#define HV_CREATE_TSC_NATIVE (1u << 0)
/* xl.cfg msr_relaxed=1: a guest's access to an MSR Xen does not handle is
 * ignored (reads 0) rather than faulted (Xen's XEN_X86_MSR_RELAXED); xl 4.17
 * sets it for the guests it makes. The simulated host ignores it. */
#define HV_CREATE_MSR_RELAXED (1u << 1)

/* hv_dominfo.flags */
#define HV_DOMF_RUNNING  (1u << 0) /* a vCPU is running now */
#define HV_DOMF_BLOCKED  (1u << 1) /* all vCPUs waiting for events */
#define HV_DOMF_PAUSED   (1u << 2)
#define HV_DOMF_SHUTDOWN (1u << 3) /* see shutdown_reason */
#define HV_DOMF_DYING    (1u << 4)
#define HV_DOMF_LOGDIRTY (1u << 5)

struct hv_dominfo {
	uint32_t domid;
	uint32_t flags;
	uint32_t shutdown_reason; /* enum hv_shutdown_reason when HV_DOMF_SHUTDOWN */
	uint32_t type;		  /* enum hv_domain_type */
	uint8_t uuid[16];
	uint32_t max_vcpus;
	uint32_t online_vcpus;
	uint64_t mem_kb;	/* populated */
	uint64_t max_mem_kb;
	uint64_t target_kb;
	uint64_t cpu_time_ns;
};

struct hv_vcpuinfo {
	uint32_t online, blocked, running;
	uint32_t cpu;		/* host CPU it last ran on */
	uint64_t cpu_time_ns;
};

/* vCPU context: an opaque, backend-defined blob (Xen: vcpu_guest_context for
 * PV; xcd-sim: struct sim_vcpu_context). The migration stream carries it as is. */
#define HV_VCPU_CONTEXT_MAX 8192

struct hv;

/*
 * Contracts. Unless an operation says otherwise:
 * - the caller is domain 0's toolstack; DOMID names an existing domain other
 *   than 0 (-ESRCH when there is none, -EPERM for 0 where 0 is not allowed);
 * - 0 is success and nothing else changed; a negative errno leaves the
 *   domain as it was, and hv_error() says what failed, where, and why;
 * - -ECONNRESET (sim) means the host is gone: every later call fails too,
 *   and the caller must open a new handle (xcdd treats it as host loss);
 * - calls are synchronous and short (a hypercall or one round trip), except
 *   hv_domain_build and hv_domain_suspend, which may take seconds: call
 *   those from a job, never from an event loop's callback.
 * One handle is used by one thread at a time.
 */

/* Opens the backend. AUTO: Xen when /dev/xen/privcmd exists, else the
 * simulated host at SIM_SOCKET (NULL: $XCD_SIM_SOCKET, else
 * /run/xcd/sim.sock). 0 with *OUT set, or a negative errno with ERR saying
 * what is missing (-ENOENT/-ECONNREFUSED: no such host; -EPROTO: a simulated
 * host of another protocol version). */
int hv_open(enum hv_backend backend, const char *sim_socket, struct hv **out, char *err,
	    size_t errlen);
/* Closes the handle: its mappings stay valid until hv_unmap; its event
 * channel bindings are released. */
void hv_close(struct hv *hv);
/* The last failure's explanation (empty when none). */
const char *hv_error(const struct hv *hv);
/* "xen" or "sim": for logs, never for decisions. */
const char *hv_backend_name(const struct hv *hv);

/* Host facts: CPUs, memory (total and free, KiB), the Xen version and the
 * CPU featureset. Never fails on a live handle except -ECONNRESET. */
int hv_host_info(struct hv *hv, struct hv_hostinfo *out);

/*
 * Creates an empty domain, paused (as Xen does): build it, then unpause.
 * *DOMID is the new domain's. -EINVAL: CFG is not valid (no vCPU, an unknown
 * type or timer mode; Xen: memory not a whole number of MiB, at least 1);
 * -EOPNOTSUPP: a PVH domain with more vCPUs than the backend can describe
 * (ACPI_MAX_VCPUS, 128); -ENOMEM: not enough free memory.
 * Xen: Xen's limit is set 1 MiB above max_mem_kb for PVH's special pages, as
 * xl does, and hv_domain_getinfo/hv_set_max_mem hide that slack; grant and
 * maptrack limits are the hypervisor's defaults, 1023 event channels, grant
 * table v1; PVH gets CFG's timer mode and paging pool.
 */
int hv_domain_create(struct hv *hv, const struct hv_domain_config *cfg, uint32_t *domid);
/* What to load into a created domain. */
struct hv_build_spec {
	/* An image path on Xen; on xcd-sim a guest program ("sim:idle",
	 * "sim:dirty,rate=PAGES_PER_SECOND", ...: sim/PROTOCOL.md). */
	const char *kernel;
	const char *ramdisk;	/* NULL: none */
	const char *cmdline;	/* NULL: empty */
	uint32_t store_domid;	/* the domain running xenstored (0) */
	uint32_t console_domid;	/* the domain running the console backend (0) */
	uint32_t vcpus;		/* vCPUs online at boot (0: all the domain has) */
};
/* What the toolstack needs from a built domain: its xenstore ring page and the
 * guest's end of an unbound event channel for store_domid (passed to xenstored
 * with INTRODUCE), and the same for its console.
 * Xen: the pfns are what INTRODUCE and console/ring-ref want: machine frames
 * for PV, guest frames for PVH. libxenguest's builder fills all of the
 * domain's RAM (no populate-on-demand), loads the kernel (ELF or bzImage,
 * PVH entry point for PVH) and ramdisk, seeds the grant entries xenstored and
 * xenconsoled use (GNTTAB_RESERVED_XENSTORE/_CONSOLE); a PVH guest gets an
 * e820 map (RAM, the special pages and its ACPI tables reserved) and ACPI
 * tables (hv/acpi.h: a MADT with its vCPUs, the first spec->vcpus enabled;
 * at most 128 vCPUs). Measured in the Xen lab: Linux PVH then brings up
 * every vCPU and powers off through control/shutdown, as PV guests do. */
struct hv_build_result {
	uint64_t store_pfn;
	uint32_t store_port;
	uint32_t console_port;
	uint64_t console_pfn;
};
/* Loads SPEC into a created, never-built domain, which stays paused. Slow
 * (seconds on Xen). -EINVAL: no kernel, or a kernel the builder refuses
 * (Xen: not an image; sim: not a guest program); -ENOMEM. On failure the
 * domain is left half built: destroy it. */
int hv_domain_build(struct hv *hv, uint32_t domid, const struct hv_build_spec *spec,
		    struct hv_build_result *out);
/* Makes a created, never-built domain into which a migration stream has put
 * memory and state (hv_populate and hv_map; a PVH guest's TSC, params, CPU
 * policy and HVM context; a simulated PV guest's vCPU contexts) runnable as
 * the saved guest; it stays paused. *OUT is what hv_domain_build returns:
 * the store and console pfns and ports, for INTRODUCE, the channels unbound
 * for SPEC's store_domid and console_domid (SPEC's other fields are unused).
 * -EINVAL: the memory does not hold the guest the domain was created for
 * (xcd-sim: a page never populated, no guest header, or one of another size
 * or vCPU count; Xen: no xenstore or console ring in its HVM params).
 * xcd-sim: -EEXIST when already built; the guest program named in the
 * memory's header goes on where it was saved; its xenbus starts its
 * conversation with the new xenstored again, as a restored Linux guest does.
 * Xen, a PVH guest: what libxc's restore does at a stream's end: new store
 * and console channels, told to the guest through HVM_PARAM_STORE_EVTCHN and
 * _CONSOLE_EVTCHN (a resuming Linux reads them again), the grant entries
 * xenstored and xenconsoled map its rings through; the rings are where the
 * stream's HVM_PARAM_STORE_PFN and _CONSOLE_PFN say. A PV guest on Xen:
 * -EOPNOTSUPP (libxenguest restores it whole: hv_pv_restore). */
int hv_domain_restore_finish(struct hv *hv, uint32_t domid, const struct hv_build_spec *spec,
			     struct hv_build_result *out);
/*
 * A PV guest on Xen, saved and restored by libxenguest (DESIGN.md lets PV
 * memory go through it): libxc's stream (version 3, domain type X86_PV:
 * X86_PV_INFO, X86_PV_P2M_FRAMES, PAGE_DATA with the page tables' types,
 * X86_PV_VCPU_*, SHARED_INFO, ...) as xc_domain_save writes it and
 * xc_domain_restore reads it, from its image header to its END, on FD
 * where it stands. Slow (seconds): call from a job. hv_error() carries
 * libxenguest's own first error (its xentoollog messages). -EOPNOTSUPP on
 * xcd-sim, whose PV guests are saved in xcd's own records (migrate/).
 *
 * Save: the guest, asked to suspend itself (control/shutdown = "suspend"),
 * is waited for as hv_domain_suspend waits, from libxenguest's suspend
 * callback; its stream is written whole (not live); it is left in
 * shutdown(suspend): the caller destroys it, or resumes it
 * (hv_domain_resume). PROGRESS (NULL: none) is told pages done of total
 * as libxenguest reports them. -EINVAL: not a PV domain.
 *
 * Restore: into DOMID, a PV domain created for the stream (paused, never
 * built, as much memory and as many vCPUs): memory populated, page tables
 * typed and pinned, vCPUs and shared info set, and new store and console
 * channels unbound for SPEC's store_domid and console_domid, written into
 * the guest's start info. *OUT as hv_domain_build's (machine frames of the
 * rings). The domain is then runnable, paused: hv_domain_restore_finish is
 * not for it. FD is left just past the stream's END. -EINVAL: not a PV
 * domain. On failure the caller destroys the domain.
 */
typedef void hv_progress_fn(void *arg, uint64_t done, uint64_t total);
int hv_pv_save(struct hv *hv, uint32_t domid, int fd, hv_progress_fn *progress, void *arg);
int hv_pv_restore(struct hv *hv, uint32_t domid, int fd, const struct hv_build_spec *spec,
		  struct hv_build_result *out);
/* Pause and unpause count, as Xen's do: a domain paused twice runs again
 * after two unpauses. Unpausing a domain that is not paused fails. */
int hv_domain_pause(struct hv *hv, uint32_t domid);
int hv_domain_unpause(struct hv *hv, uint32_t domid);
/* Makes the hypervisor shut the domain down with REASON, as if it had asked
 * (no guest cooperation: the toolstack's polite request goes through
 * control/shutdown in xenstore instead). -EINVAL: not one of Xen's reasons. */
int hv_domain_shutdown(struct hv *hv, uint32_t domid, enum hv_shutdown_reason reason);
/* Destroys the domain in any state: its memory is freed, its event channels
 * closed; hv_domain_getinfo then fails with -ESRCH (on Xen, once the dying
 * domain's pages are released, which may take a moment). A failure leaves
 * the domain there: the caller must not forget it. */
int hv_domain_destroy(struct hv *hv, uint32_t domid);
/* The domain's state and sizes (DOMID 0 allowed: the control domain). */
int hv_domain_getinfo(struct hv *hv, uint32_t domid, struct hv_dominfo *out);
/* Gives the domain another uuid (Xen's domain handle): a domain kept by
 * on_*=rename-restart leaves its uuid to the one that replaces it. */
int hv_domain_set_uuid(struct hv *hv, uint32_t domid, const uint8_t uuid[16]);
/* Fills up to max entries, domain 0 included, by domid; returns how many
 * (>= 0). A full answer may mean there are more: see hv_domain_list_all. */
int hv_domain_list(struct hv *hv, struct hv_dominfo *out, unsigned max);
/* Every domain, however many: *out is allocated (free it), the count returned. */
#define HV_MAX_DOMAINS 32752u /* Xen's DOMID_FIRST_RESERVED */
int hv_domain_list_all(struct hv *hv, struct hv_dominfo **out);
/* Suspend: the domain ends in shutdown(suspend), its state frozen.
 * Resume: a suspended domain runs again where it stopped (Xen's fast resume);
 * -EINVAL when it is not suspended.
 * Xen: a guest suspends itself when the toolstack writes control/shutdown =
 * "suspend" in xenstore; hv_domain_suspend then waits (blocking, up to 60 s:
 * call it from a job, not an event loop) until Xen reports the domain in
 * shutdown(suspend): -ETIMEDOUT if it does not, -ECANCELED if it shut down for
 * another reason. */
int hv_domain_suspend(struct hv *hv, uint32_t domid);
/* What hv_domain_suspend waits with between two looks at the domain: returns
 * once something may have changed for it (e.g. xenstore's @releaseDomain
 * watch fired: xenstored saw a domain shut down) or after MS milliseconds. */
typedef void hv_wait_fn(void *arg, int ms);
/* hv_domain_suspend, its waits WAIT(ARG, MS): the backend looks at the
 * domain again as soon as WAIT returns (NULL: it sleeps), so a WAIT woken by
 * the guest's shutdown takes the poll's delay out of the guest's downtime.
 * The simulated host waits here as Xen does (its guests suspend themselves on
 * control/shutdown as Xen's do); its hv_domain_suspend does not wait: it
 * suspends the domain at once. */
int hv_domain_suspend_wait(struct hv *hv, uint32_t domid, hv_wait_fn *wait, void *arg);
int hv_domain_resume(struct hv *hv, uint32_t domid);
/* The share of the time its vCPUs could run that the domain may use, in
 * percent (1 to 100; 0 and 100: no limit): the scheduler's cap, which a
 * migration's auto-converge lowers step by step to slow a guest that dirties
 * its memory faster than the link carries it. -EINVAL above 100.
 * Xen: the cap of the credit or credit2 scheduler of the domain's cpupool
 * (percent of one physical CPU for the whole domain), set to PERCENT times
 * its online vCPUs; -EOPNOTSUPP under another scheduler.
 * xcd-sim: each vCPU runs PERCENT of its ticks (a tick of 10 ms becomes
 * 10 * 100 / PERCENT ms), so a sim:dirty guest dirties PERCENT of its rate. */
int hv_domain_set_cpu_cap(struct hv *hv, uint32_t domid, uint32_t percent);

/* The most memory the domain may hold, KiB. -EINVAL when the backend cannot
 * give it (xcd-sim cannot grow a guest beyond what it was created with). */
int hv_set_max_mem(struct hv *hv, uint32_t domid, uint64_t max_kb);
/* The balloon target, KiB; -EINVAL above the maximum.
 * Xen: the hypervisor keeps no balloon target. The guest's balloon driver
 * follows memory/target in xenstore, which the toolstack writes; this checks
 * target <= max and sets Xen's populate-on-demand target of a PVH domain
 * (only a PoD-built domain is affected, and hv_xen builds none).
 * xcd-sim: its guests balloon towards it by themselves. */
int hv_set_target_mem(struct hv *hv, uint32_t domid, uint64_t target_kb);

/* -EINVAL (sim) or Xen's error for a VCPU the domain does not have. */
int hv_vcpu_info(struct hv *hv, uint32_t domid, uint32_t vcpu, struct hv_vcpuinfo *out);
/* cpumap: one bit per host CPU, len bytes. */
int hv_vcpu_set_affinity(struct hv *hv, uint32_t domid, uint32_t vcpu, const uint8_t *cpumap,
			 size_t len);
int hv_vcpu_get_affinity(struct hv *hv, uint32_t domid, uint32_t vcpu, uint8_t *cpumap,
			 size_t len);
/* An opaque, backend-defined blob (at most HV_VCPU_CONTEXT_MAX bytes).
 * *len: in, the buffer's size; out, the context's (Xen: -ENOSPC when the
 * buffer is too small). Pause the domain first: xcd-sim refuses a running
 * one, Xen returns a moment's context. */
int hv_vcpu_get_context(struct hv *hv, uint32_t domid, uint32_t vcpu, void *buf, size_t *len);
/* Sets what hv_vcpu_get_context of the same backend returned (-EINVAL for a
 * blob of another size or kind); the domain must be paused. */
int hv_vcpu_set_context(struct hv *hv, uint32_t domid, uint32_t vcpu, const void *buf,
			size_t len);

/* Log-dirty: every page the guest writes after enable is marked. read_and_clear
 * copies the bitmap of the first npages pages (bit i of byte i/8 = pfn i) into
 * bitmap (npages/8 rounded up bytes) and clears it; clear = 0 only peeks.
 * Xen: enabling it on a PV guest fails (it needs shadow paging, which
 * Debian's Xen is built without); PVH uses HAP. */
int hv_logdirty_enable(struct hv *hv, uint32_t domid);
int hv_logdirty_disable(struct hv *hv, uint32_t domid);
int hv_logdirty_bitmap(struct hv *hv, uint32_t domid, uint8_t *bitmap, uint64_t npages,
		       int clear);

/* Maps guest pages [pfn, pfn + npages) into the caller: the guest's live
 * memory, shared (writes through HV_MAP_WRITE reach the guest). Fails for
 * pages the domain does not have (xcd-sim: -EINVAL). hv_unmap with the same
 * npages. */
#define HV_MAP_READ 1
#define HV_MAP_WRITE 2
int hv_map(struct hv *hv, uint32_t domid, uint64_t pfn, uint64_t npages, int prot, void **addr);
int hv_unmap(struct hv *hv, void *addr, uint64_t npages);

/*
 * What a save or a migration carries of a domain besides its memory and vCPUs,
 * at the level of Xen's domctls (the libxc stream's records): its physical
 * memory page by page, TSC, CPU policy, and a PVH domain's HVM context and
 * parameters. The simulated host keeps the same state for its domains (its
 * own HVM context blob: see hv_hvm_context_get), so that the code above
 * moves a PVH guest the same way on either backend.
 */

/* The highest guest frame number the domain's physical memory map reaches
 * (populated or not). A PVH guest's special pages (xenstore, console, ...)
 * lie just below 4 GiB whatever its RAM, so this is not its size. Xen:
 * XENMEM_maximum_gpfn; a new, empty domain may answer 0. xcd-sim: its
 * memory's last page. */
int hv_domain_max_pfn(struct hv *hv, uint32_t domid, uint64_t *max_pfn);

/* Page types, Xen's XEN_DOMCTL_PFINFO_* shifted down to 0-15 (the libxc
 * stream's PAGE_DATA types). */
enum hv_pfn_type {
	HV_PFN_RAM = 0x0,    /* an ordinary page (NOTAB) */
	/* 0x1-0x4 and 0x9-0xc: a PV guest's page tables (L1-L4, pinned) */
	HV_PFN_BROKEN = 0xd, /* a page the hardware reported broken */
	HV_PFN_NONE = 0xf,   /* no page at that frame (XTAB): a hole */
};
#define HV_PFN_TYPES_MAX 1024 /* pfns one hv_pfn_types call takes */
/* TYPES[i] := the type of the page at PFNS[i], for N (1 to
 * HV_PFN_TYPES_MAX) frames; a frame beyond the domain's map is HV_PFN_NONE.
 * Xen: XEN_DOMCTL_getpageframeinfo3. -EINVAL: N out of range. */
int hv_pfn_types(struct hv *hv, uint32_t domid, const uint64_t *pfns, uint32_t n,
		 uint8_t *types);
/* Gives the domain pages at the N frames PFNS (1 to HV_PFN_TYPES_MAX), each
 * not populated before (the caller keeps track: populating a frame twice is
 * Xen's error, not detected here). What a restore does before it writes a
 * frame's contents through hv_map. A page comes zeroed unless the
 * hypervisor's heap held one a live guest gave back unscrubbed (Xen scrubs
 * what dying domains free; Linux scrubs what its balloon gives back).
 * -ENOMEM: beyond the domain's maximum (Xen) or the memory it was created
 * with (xcd-sim, whose MAP refuses a page never populated, as Xen's foreign
 * mapping does). Xen: XENMEM_populate_physmap, 4 KiB pages. */
int hv_populate(struct hv *hv, uint32_t domid, const uint64_t *pfns, uint32_t n);

/* A domain's TSC as Xen keeps it (XEN_DOMCTL_{get,set}tscinfo). */
struct hv_tsc_info {
	uint32_t mode;	      /* 0 default, 1 always emulate, 2 native (xl's tsc_mode) */
	uint32_t khz;	      /* the guest's TSC frequency; 0 in native mode */
	uint64_t elapsed_ns;  /* the guest's time so far; 0 in native mode */
	uint32_t incarnation; /* a set makes it the value set plus one (a migration
			       * count the guest can read) */
};
/* Get: the domain's, at this instant (pause it first for a save). Set:
 * before it runs again (a restore's, from the saved one): -EINVAL for a
 * mode other than 0, 1, 2. Both backends follow Xen 4.17's rules: a new
 * domain has mode 0 and incarnation 1; the elapsed time goes on from the
 * value set. */
int hv_tsc_info_get(struct hv *hv, uint32_t domid, struct hv_tsc_info *out);
int hv_tsc_info_set(struct hv *hv, uint32_t domid, const struct hv_tsc_info *tsc);

/* A domain's CPU policy, in the form Xen serialises it (xen_cpuid_leaf_t and
 * xen_msr_entry_t, the X86_CPUID_POLICY and X86_MSR_POLICY records). */
struct hv_cpuid_leaf {
	uint32_t leaf, subleaf; /* subleaf 0xffffffff: the leaf has none */
	uint32_t a, b, c, d;
};
struct hv_msr {
	uint32_t index, flags;
	uint64_t value;
};
#define HV_CPUID_LEAVES_MAX 512
#define HV_MSRS_MAX 64
/* The policy the domain's vCPUs see: *NR_LEAVES and *NR_MSRS, in, the
 * buffers' sizes (HV_CPUID_LEAVES_MAX and HV_MSRS_MAX are enough on both
 * backends), out, the counts. -ENOSPC: a buffer too small. Xen: the
 * domain's policy, serialised. xcd-sim: the leaves its featureset words
 * make (1.edx, 1.ecx, 0x80000001.edx/ecx, 7.0.ebx/ecx/edx, 0xd.1.eax,
 * 0x80000007.edx, 0x80000008.ebx, 7.1.eax, as Xen numbers its featureset),
 * no MSRs. */
int hv_cpu_policy_get(struct hv *hv, uint32_t domid, struct hv_cpuid_leaf *leaves,
		      uint32_t *nr_leaves, struct hv_msr *msrs, uint32_t *nr_msrs);
/* Sets it, before the domain first runs (a restore sets the saved guest's,
 * so that its CPU does not change under it). -EINVAL when this host cannot
 * give it, hv_error() naming the leaf and subleaf or the MSR (a feature the
 * host lacks, a leaf it does not know); -EEXIST (xcd-sim) once the domain
 * has run. Xen: XEN_DOMCTL_set_cpu_policy, checked against the host's
 * maximum policy for the domain's type. */
int hv_cpu_policy_set(struct hv *hv, uint32_t domid, const struct hv_cpuid_leaf *leaves,
		      uint32_t nr_leaves, const struct hv_msr *msrs, uint32_t nr_msrs);

/* A PVH domain's HVM context: the platform and vCPU state Xen keeps for an
 * HVM container (XEN_DOMCTL_{get,set}hvmcontext), an opaque blob in Xen's
 * HVM save format (records of struct hvm_save_descriptor: HEADER first, END
 * last). Get: BUF NULL asks the size into *LEN; else *LEN, in, the buffer's
 * size (-ENOSPC if short), out, the blob's. Pause or suspend the domain
 * first. Set: a blob another domain's get gave, on a domain with as many
 * vCPUs, paused and never run; -EINVAL when the hypervisor refuses it (a
 * blob of another kind, another host's). -EINVAL for a PV domain (as Xen).
 * xcd-sim: HEADER (its own magic "XCSM", so that Xen refuses it), one
 * record of type 0x5843 per vCPU holding its vCPU context (instance: the
 * vCPU), END. */
#define HV_HVM_CONTEXT_MAX (16u << 20)
int hv_hvm_context_get(struct hv *hv, uint32_t domid, void *buf, size_t *len);
int hv_hvm_context_set(struct hv *hv, uint32_t domid, const void *buf, size_t len);

/* A PVH domain's HVM parameters (HVMOP_{get,set}_param; Xen's numbers,
 * public/hvm/params.h, below HV_NR_HVM_PARAMS): -EINVAL for another index
 * or a PV domain. The store's and console's (1, 2, 17, 18) are set by the
 * build and by hv_domain_restore_finish; a restore sets the others a
 * stream carries. */
#define HV_NR_HVM_PARAMS 39
#define HV_HVM_PARAM_STORE_PFN 1
#define HV_HVM_PARAM_STORE_EVTCHN 2
#define HV_HVM_PARAM_CONSOLE_PFN 17
#define HV_HVM_PARAM_CONSOLE_EVTCHN 18
int hv_hvm_param_get(struct hv *hv, uint32_t domid, uint32_t index, uint64_t *value);
int hv_hvm_param_set(struct hv *hv, uint32_t domid, uint32_t index, uint64_t value);

/* Event channels, from the caller's side (domain 0). Ports bound through a
 * handle belong to it and are unbound when it closes. */
/* A port of DOMID's, unbound, that REMOTE_DOMID may bind to. */
int hv_evtchn_alloc_unbound(struct hv *hv, uint32_t domid, uint32_t remote_domid,
			    uint32_t *port);
/* Binds a local port to (domid, remote_port); *local_port is the caller's. */
int hv_evtchn_bind(struct hv *hv, uint32_t domid, uint32_t remote_port, uint32_t *local_port);
int hv_evtchn_notify(struct hv *hv, uint32_t local_port);
int hv_evtchn_unbind(struct hv *hv, uint32_t local_port);
/* Binds the VIRQ_DOM_EXC virtual interrupt: pending whenever a domain shuts
 * down or dies (what xenstored watches to fire @releaseDomain). */
int hv_evtchn_bind_dom_exc(struct hv *hv, uint32_t *local_port);
/* Delivery of events to the caller, as libxenevtchn's: the descriptor becomes
 * readable when a local port is pending; hv_evtchn_pending takes the next one
 * (-EAGAIN when none), which stays masked until hv_evtchn_unmask. */
int hv_evtchn_fd(struct hv *hv);
int hv_evtchn_pending(struct hv *hv, uint32_t *local_port);
int hv_evtchn_unmask(struct hv *hv, uint32_t local_port);
/* Live update of a daemon: the descriptor of hv_evtchn_fd survives exec with
 * its bindings; the new process adopts it in place of its own handle. */
int hv_evtchn_adopt(struct hv *hv, int fd);

#endif
