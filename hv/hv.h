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
};
/* xl.cfg tsc_mode="native": the guest reads the host's TSC, never emulated.
 * Xen under QEMU's emulated SVM needs it for PVH guests (RDTSCP cannot be
 * emulated there); the simulated host ignores it. */
#define HV_CREATE_TSC_NATIVE (1u << 0)

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

/* AUTO: Xen when /dev/xen/privcmd exists, else the simulated host at sim_socket
 * (NULL: $XCD_SIM_SOCKET, else /run/xcd/sim.sock). */
int hv_open(enum hv_backend backend, const char *sim_socket, struct hv **out, char *err,
	    size_t errlen);
void hv_close(struct hv *hv);
/* The last failure's explanation (empty when none). */
const char *hv_error(const struct hv *hv);
const char *hv_backend_name(const struct hv *hv);

int hv_host_info(struct hv *hv, struct hv_hostinfo *out);

/* The new domain is paused (as Xen creates it): build, then unpause.
 * Xen: max_mem_kb must be whole MiB (libxenguest builds in MiB); Xen's limit
 * is set 1 MiB above it for PVH's special pages, as xl does, and
 * hv_domain_getinfo/hv_set_max_mem hide that slack. A PVH domain gets 1 vCPU
 * at most (-EOPNOTSUPP otherwise): Linux PVH counts its CPUs in the ACPI MADT
 * and hv_xen writes no ACPI tables yet. The grant and maptrack limits are the
 * hypervisor's defaults, 1023 event channels, grant table v1. */
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
 * every vCPU and powers off through control/shutdown, as PV guests do.
 * On failure the domain is left half built: destroy it. */
struct hv_build_result {
	uint64_t store_pfn;
	uint32_t store_port;
	uint32_t console_port;
	uint64_t console_pfn;
};
int hv_domain_build(struct hv *hv, uint32_t domid, const struct hv_build_spec *spec,
		    struct hv_build_result *out);
int hv_domain_pause(struct hv *hv, uint32_t domid);
int hv_domain_unpause(struct hv *hv, uint32_t domid);
int hv_domain_shutdown(struct hv *hv, uint32_t domid, enum hv_shutdown_reason reason);
int hv_domain_destroy(struct hv *hv, uint32_t domid);
int hv_domain_getinfo(struct hv *hv, uint32_t domid, struct hv_dominfo *out);
/* Gives the domain another uuid (Xen's domain handle): a domain kept by
 * on_*=rename-restart leaves its uuid to the one that replaces it. */
int hv_domain_set_uuid(struct hv *hv, uint32_t domid, const uint8_t uuid[16]);
/* Fills up to max entries, domain 0 included; returns how many (>= 0). */
int hv_domain_list(struct hv *hv, struct hv_dominfo *out, unsigned max);
/* Every domain, however many: *out is allocated (free it), the count returned. */
#define HV_MAX_DOMAINS 32752u /* Xen's DOMID_FIRST_RESERVED */
int hv_domain_list_all(struct hv *hv, struct hv_dominfo **out);
/* Suspend: the domain ends in shutdown(suspend), its state frozen.
 * Resume: a suspended domain runs again where it stopped (Xen's fast resume).
 * Xen: a guest suspends itself when the toolstack writes control/shutdown =
 * "suspend" in xenstore; hv_domain_suspend then waits (blocking, up to 60 s:
 * call it from a job, not an event loop) until Xen reports the domain in
 * shutdown(suspend): -ETIMEDOUT if it does not, -ECANCELED if it shut down for
 * another reason. */
int hv_domain_suspend(struct hv *hv, uint32_t domid);
int hv_domain_resume(struct hv *hv, uint32_t domid);

int hv_set_max_mem(struct hv *hv, uint32_t domid, uint64_t max_kb);
/* Xen: the hypervisor keeps no balloon target. The guest's balloon driver
 * follows memory/target in xenstore, which the toolstack writes; this checks
 * target <= max and sets Xen's populate-on-demand target of a PVH domain
 * (only a PoD-built domain is affected, and hv_xen builds none). */
int hv_set_target_mem(struct hv *hv, uint32_t domid, uint64_t target_kb);

int hv_vcpu_info(struct hv *hv, uint32_t domid, uint32_t vcpu, struct hv_vcpuinfo *out);
/* cpumap: one bit per host CPU, len bytes. */
int hv_vcpu_set_affinity(struct hv *hv, uint32_t domid, uint32_t vcpu, const uint8_t *cpumap,
			 size_t len);
int hv_vcpu_get_affinity(struct hv *hv, uint32_t domid, uint32_t vcpu, uint8_t *cpumap,
			 size_t len);
/* *len: in, the buffer's size; out, the context's. The domain should be paused. */
int hv_vcpu_get_context(struct hv *hv, uint32_t domid, uint32_t vcpu, void *buf, size_t *len);
int hv_vcpu_set_context(struct hv *hv, uint32_t domid, uint32_t vcpu, const void *buf,
			size_t len);

/* Log-dirty: every page the guest writes after enable is marked. read_and_clear
 * copies the bitmap of the first npages pages (bit i of byte i/8 = pfn i) into
 * bitmap (npages/8 rounded up bytes) and clears it; clear = 0 only peeks. */
int hv_logdirty_enable(struct hv *hv, uint32_t domid);
int hv_logdirty_disable(struct hv *hv, uint32_t domid);
int hv_logdirty_bitmap(struct hv *hv, uint32_t domid, uint8_t *bitmap, uint64_t npages,
		       int clear);

/* Maps guest pages [pfn, pfn + npages) into the caller: the guest's live memory. */
#define HV_MAP_READ 1
#define HV_MAP_WRITE 2
int hv_map(struct hv *hv, uint32_t domid, uint64_t pfn, uint64_t npages, int prot, void **addr);
int hv_unmap(struct hv *hv, void *addr, uint64_t npages);

/* Event channels, from the caller's side (domain 0). */
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

/* The backends' table; hv.c dispatches and keeps the error text. */
struct hv_ops {
	const char *name;
	void (*close)(struct hv *hv);
	int (*host_info)(struct hv *, struct hv_hostinfo *);
	int (*domain_create)(struct hv *, const struct hv_domain_config *, uint32_t *);
	int (*domain_build)(struct hv *, uint32_t, const struct hv_build_spec *,
			    struct hv_build_result *);
	int (*domain_pause)(struct hv *, uint32_t);
	int (*domain_unpause)(struct hv *, uint32_t);
	int (*domain_shutdown)(struct hv *, uint32_t, enum hv_shutdown_reason);
	int (*domain_destroy)(struct hv *, uint32_t);
	int (*domain_getinfo)(struct hv *, uint32_t, struct hv_dominfo *);
	int (*domain_set_uuid)(struct hv *, uint32_t, const uint8_t *);
	int (*domain_list)(struct hv *, struct hv_dominfo *, unsigned);
	int (*domain_suspend)(struct hv *, uint32_t);
	int (*domain_resume)(struct hv *, uint32_t);
	int (*set_max_mem)(struct hv *, uint32_t, uint64_t);
	int (*set_target_mem)(struct hv *, uint32_t, uint64_t);
	int (*vcpu_info)(struct hv *, uint32_t, uint32_t, struct hv_vcpuinfo *);
	int (*vcpu_set_affinity)(struct hv *, uint32_t, uint32_t, const uint8_t *, size_t);
	int (*vcpu_get_affinity)(struct hv *, uint32_t, uint32_t, uint8_t *, size_t);
	int (*vcpu_get_context)(struct hv *, uint32_t, uint32_t, void *, size_t *);
	int (*vcpu_set_context)(struct hv *, uint32_t, uint32_t, const void *, size_t);
	int (*logdirty_enable)(struct hv *, uint32_t);
	int (*logdirty_disable)(struct hv *, uint32_t);
	int (*logdirty_bitmap)(struct hv *, uint32_t, uint8_t *, uint64_t, int);
	int (*map)(struct hv *, uint32_t, uint64_t, uint64_t, int, void **);
	int (*unmap)(struct hv *, void *, uint64_t);
	int (*evtchn_alloc_unbound)(struct hv *, uint32_t, uint32_t, uint32_t *);
	int (*evtchn_bind)(struct hv *, uint32_t, uint32_t, uint32_t *);
	int (*evtchn_notify)(struct hv *, uint32_t);
	int (*evtchn_unbind)(struct hv *, uint32_t);
	int (*evtchn_bind_dom_exc)(struct hv *, uint32_t *);
	int (*evtchn_fd)(struct hv *);
	int (*evtchn_pending)(struct hv *, uint32_t *);
	int (*evtchn_unmask)(struct hv *, uint32_t);
	int (*evtchn_adopt)(struct hv *, int);
};

/* For backends only. */
struct hv {
	const struct hv_ops *ops;
	void *priv;
	char err[256];
};
int hv_fail(struct hv *hv, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int hv_xen_open(struct hv *hv, char *err, size_t errlen);
/* The paging pool (HAP page tables) the Xen backend gives a PVH domain of
 * CFG, in bytes: CFG's paging_pool_kb, else xl's default shadow_memory. */
uint64_t pvh_paging_pool_bytes(const struct hv_domain_config *cfg);
int hv_sim_open(struct hv *hv, const char *socket_path, char *err, size_t errlen);
#endif
