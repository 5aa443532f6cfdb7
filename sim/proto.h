/* The xcd-sim control protocol (sim/PROTOCOL.md): fixed little headers and
 * native-layout payloads over a Unix stream socket. Client and server are
 * built from the same tree and run on the same host. */
#ifndef XCD_SIM_PROTO_H
#define XCD_SIM_PROTO_H
#include <stdint.h>

#define SIM_MAGIC 0x4d495358u /* "XSIM" */
#define SIM_PROTO_VERSION 2u
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
#endif
