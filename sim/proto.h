/* The xcd-sim control protocol (sim/PROTOCOL.md): fixed little headers and
 * native-byte-order payloads over a Unix stream socket. Client and server
 * are built from the same tree and run on the same host.
 *
 * Every record here is the simulated machine's own ABI: fixed-width fields,
 * explicit padding, sizes asserted below, values numbered here. hv's structs
 * (the toolstack's API) never cross the socket; hv/hv_sim.c translates. A
 * change to any record bumps SIM_PROTO_VERSION, which both ends check at
 * HELLO. */
#ifndef XCD_SIM_PROTO_H
#define XCD_SIM_PROTO_H
#include <stdint.h>

#define SIM_MAGIC 0x4d495358u /* "XSIM" */
#define SIM_PROTO_VERSION 6u
#define SIM_MAX_PAYLOAD (1u << 20)
#define SIM_ERRMSG_MAX 200

enum sim_op {
	SIM_OP_HELLO = 1,
	SIM_OP_HOST_INFO,
	SIM_OP_CREATE,
	SIM_OP_BUILD,
	SIM_OP_PAUSE,
	SIM_OP_UNPAUSE,
	SIM_OP_SHUTDOWN,
	SIM_OP_DESTROY,
	SIM_OP_GETINFO,
	SIM_OP_LIST,
	SIM_OP_SUSPEND,
	SIM_OP_RESUME,
	SIM_OP_SET_MAX_MEM,
	SIM_OP_SET_TARGET,
	SIM_OP_VCPU_INFO,
	SIM_OP_VCPU_SET_AFFINITY,
	SIM_OP_VCPU_GET_AFFINITY,
	SIM_OP_VCPU_GET_CONTEXT,
	SIM_OP_VCPU_SET_CONTEXT,
	SIM_OP_LOGDIRTY_ENABLE,
	SIM_OP_LOGDIRTY_DISABLE,
	SIM_OP_LOGDIRTY_BITMAP,
	SIM_OP_MAP,
	SIM_OP_EVTCHN_ALLOC_UNBOUND,
	SIM_OP_EVTCHN_BIND,
	SIM_OP_EVTCHN_NOTIFY,
	SIM_OP_EVTCHN_UNBIND,
	SIM_OP_EVTCHN_OPEN,
	SIM_OP_EVTCHN_ADOPT,
	SIM_OP_EVTCHN_BIND_VIRQ,
	SIM_OP_EVTCHN_UNMASK,
	SIM_OP_SET_HANDLE,
	SIM_OP_RESTORE_FINISH,
	SIM_OP_SET_CAP,
	/* A domain's platform state and physical memory (sim/platform.c). */
	SIM_OP_TSC_GET,
	SIM_OP_TSC_SET,
	SIM_OP_PARAM_GET,
	SIM_OP_PARAM_SET,
	SIM_OP_FEATURES_GET,
	SIM_OP_FEATURES_SET,
	SIM_OP_MAX_PFN,
	SIM_OP_PFN_TYPES,
	SIM_OP_POPULATE,
	SIM_OP_MAX
};

struct sim_req {
	uint32_t magic;
	uint32_t op;
	uint32_t domid;
	uint32_t len; /* payload bytes that follow */
};

struct sim_rsp {
	uint32_t magic;
	int32_t err;   /* 0 or -errno; on error the payload is a message */
	uint32_t len;  /* payload bytes that follow */
	uint32_t nfds; /* file descriptors sent with the header (SCM_RIGHTS) */
};

struct sim_vcpu_arg { uint32_t vcpu; uint32_t len; };
struct sim_u32_arg { uint32_t val; };
struct sim_u64_arg { uint64_t val; };
struct sim_bitmap_arg { uint64_t npages; uint32_t clear; uint32_t pad; };
struct sim_map_arg { uint64_t pfn; uint64_t npages; uint32_t prot; uint32_t pad; };
/* An event handle's operation: val is a domain's port (BIND), a VIRQ
 * (BIND_VIRQ) or the handle's local port (NOTIFY, UNBIND, UNMASK). */
struct sim_evtchn_arg { uint32_t handle; uint32_t val; };
/* BUILD: followed by the kernel string, NUL-terminated. */
struct sim_build_arg { uint32_t store_domid; uint32_t console_domid; };

/* TSC_GET's answer and TSC_SET's argument: Xen's domain TSC information
 * (XEN_DOMCTL_{get,set}tscinfo): mode 0 default, 1 always emulate, 2 native;
 * khz and elapsed_ns 0 in native mode; a set makes incarnation its value + 1. */
struct sim_tsc_info { uint32_t mode, khz; uint64_t elapsed_ns; uint32_t incarnation, pad; };
/* PARAM_GET (index) and PARAM_SET (index, value): a PVH domain's HVM
 * parameters, Xen's numbers (public/hvm/params.h), below SIM_NR_PARAMS. */
#define SIM_NR_PARAMS 39
#define SIM_PARAM_STORE_PFN 1
#define SIM_PARAM_STORE_EVTCHN 2
#define SIM_PARAM_CONSOLE_PFN 17
#define SIM_PARAM_CONSOLE_EVTCHN 18
struct sim_param_arg { uint32_t index, pad; uint64_t value; };
/* FEATURES_GET's answer and FEATURES_SET's argument: the domain's CPU
 * featureset, u32 words (at most SIM_FEATURESET_MAX) in Xen's featureset
 * order. PFN_TYPES: u64 pfns in (at most SIM_MAX_PFNS), one u8 each out
 * (SIM_PFN_RAM or SIM_PFN_NONE). POPULATE: u64 pfns (at most SIM_MAX_PFNS). */
#define SIM_MAX_PFNS 4096
#define SIM_PFN_RAM 0x0	 /* Xen's XEN_DOMCTL_PFINFO_NOTAB, shifted down */
#define SIM_PFN_NONE 0xf /* XEN_DOMCTL_PFINFO_XTAB: no page there */

/* HELLO: the client's version; the answer is the server's (one u32 each). */

/* Shutdown reasons: Xen's SHUTDOWN_* numbers (xen/sched.h), a fact of the
 * machine being simulated. */
enum sim_shutdown_reason {
	SIM_SHUTDOWN_POWEROFF = 0,
	SIM_SHUTDOWN_REBOOT = 1,
	SIM_SHUTDOWN_SUSPEND = 2,
	SIM_SHUTDOWN_CRASH = 3,
	SIM_SHUTDOWN_WATCHDOG = 4,
	SIM_SHUTDOWN_SOFT_RESET = 5,
};

enum sim_domain_type { SIM_DOM_PV = 0, SIM_DOM_PVH = 1 };

#define SIM_FEATURESET_MAX 32 /* 32-bit words */

/* HOST_INFO's answer. */
struct sim_hostinfo {
	uint32_t nr_cpus;
	uint32_t xen_major, xen_minor; /* the interface simulated */
	uint32_t nr_features;	       /* words used in featureset */
	uint64_t total_kb;
	uint64_t free_kb;
	char version[64];	       /* NUL-terminated */
	uint32_t featureset[SIM_FEATURESET_MAX];
};

/* CREATE's argument. */
struct sim_domain_config {
	uint8_t uuid[16];
	uint32_t max_vcpus;
	uint32_t type; /* enum sim_domain_type */
	uint64_t max_mem_kb;
};

/* sim_dominfo.flags */
#define SIM_DOMF_RUNNING  (1u << 0) /* a vCPU is in guest code now */
#define SIM_DOMF_BLOCKED  (1u << 1) /* every vCPU waits for events */
#define SIM_DOMF_PAUSED   (1u << 2)
#define SIM_DOMF_SHUTDOWN (1u << 3) /* see shutdown_reason */
#define SIM_DOMF_LOGDIRTY (1u << 4)

/* GETINFO's answer, and LIST's (an array of them, Domain-0 first). */
struct sim_dominfo {
	uint32_t domid;
	uint32_t flags;
	uint32_t shutdown_reason; /* enum sim_shutdown_reason when SIM_DOMF_SHUTDOWN */
	uint32_t type;		  /* enum sim_domain_type */
	uint8_t uuid[16];
	uint32_t max_vcpus;
	uint32_t online_vcpus;
	uint64_t mem_kb;	/* populated */
	uint64_t max_mem_kb;
	uint64_t target_kb;
	uint64_t cpu_time_ns;
};

/* VCPU_INFO's answer. */
struct sim_vcpuinfo {
	uint32_t online, blocked, running;
	uint32_t cpu; /* host CPU it last ran on */
	uint64_t cpu_time_ns;
};

/* BUILD's answer. */
struct sim_build_result {
	uint64_t store_pfn;
	uint64_t console_pfn;
	uint32_t store_port;
	uint32_t console_port;
};

/* The layouts are the ABI: a size that changes without the version is a bug. */
_Static_assert(sizeof(struct sim_req) == 16, "sim_req");
_Static_assert(sizeof(struct sim_rsp) == 16, "sim_rsp");
_Static_assert(sizeof(struct sim_hostinfo) == 224, "sim_hostinfo");
_Static_assert(sizeof(struct sim_domain_config) == 32, "sim_domain_config");
_Static_assert(sizeof(struct sim_dominfo) == 72, "sim_dominfo");
_Static_assert(sizeof(struct sim_vcpuinfo) == 24, "sim_vcpuinfo");
_Static_assert(sizeof(struct sim_build_result) == 24, "sim_build_result");
_Static_assert(sizeof(struct sim_tsc_info) == 24, "sim_tsc_info");
_Static_assert(sizeof(struct sim_param_arg) == 16, "sim_param_arg");
#endif
