/* The memory and vCPU-context layout of xcd-sim's guest programs: the guest's
 * own ABI, which tests and tools may read through a foreign mapping. */
#ifndef XCD_SIM_GUEST_H
#define XCD_SIM_GUEST_H
#include <stdint.h>

#define SIM_GUEST_MAGIC 0x31474d4953444358ull /* "XCDSIMG1" */
#define SIM_MAX_VCPUS 64
#define SIM_PAGE_SIZE 4096u

enum sim_program { SIM_PROG_IDLE = 1, SIM_PROG_DIRTY = 2, SIM_PROG_KV = 3 };

/* One slot per vCPU in the header page; each vCPU writes only its own. */
struct sim_guest_vcpu {
	uint64_t counter;  /* pages written by this vCPU since boot */
	uint64_t events;   /* event-channel notifications it has seen */
	uint64_t steps;    /* scheduler ticks it has run */
	uint64_t last_pfn; /* page it wrote last */
};

/* Memory: pfn 0 the header, then the touched bitmap, the xenstore ring, the
 * console ring, the xenbus state, then data pages. */
/* pfn 0, written by the domain builder, then by the guest. */
struct sim_guest_header {
	uint64_t magic;
	uint32_t program;     /* enum sim_program */
	uint32_t nr_vcpus;
	uint64_t nr_pages;
	uint64_t rate;        /* sim:dirty: pages per second, all vCPUs together */
	uint64_t touched_pfn; /* first page of the "touched" bitmap */
	uint64_t touched_pages;
	uint64_t data_pfn;    /* first page sim:dirty writes to; sim:kv's state */
	uint64_t store_pfn;   /* xenstore ring (struct xenstore_domain_interface) */
	uint64_t console_pfn; /* console ring (struct xencons_interface) */
	uint64_t xenbus_pfn;  /* the guest's xenbus state (struct sim_xenbus) */
	uint32_t store_port, console_port; /* its ends of the two event channels */
	struct sim_guest_vcpu vcpu[SIM_MAX_VCPUS];
};

/* The guest's xenbus driver state (vCPU 0 runs it), in guest memory like
 * everything else: a copy of memory is a copy of the conversation. */
#define SIM_XB_INBUF 2048
#define SIM_XB_DEVS 8
/* A frontend (device/vbd/N or device/vif/N) as blkfront/netfront keep it. */
struct sim_xb_dev {
	uint32_t used;
	uint32_t type;        /* 0 vbd, 1 vif */
	uint32_t id;          /* N */
	uint32_t phase;       /* enum in sim/xenbus.c */
	uint32_t state;       /* the xenbus state this frontend last wrote */
	uint32_t be_state;    /* the backend's, last read */
	uint32_t be_changed;  /* its backend state watch fired */
	uint32_t port;        /* the guest's event channel for the backend */
	uint32_t seen;        /* still listed by the last scan */
	uint32_t backend_id;
	char backend[96];     /* the backend's path */
};

struct sim_xenbus {
	uint32_t phase;       /* enum in sim/xenbus.c */
	uint32_t next_req_id;
	uint32_t wait_req_id; /* the request whose answer the phase waits for */
	uint32_t in_used;     /* bytes of the message being read */
	uint32_t skip;        /* bytes of an oversized message still to drop */
	uint32_t shutdown_pending; /* a control/shutdown event to look at */
	uint32_t target_pending;   /* a memory/target event to look at */
	uint32_t action;      /* what the last control/shutdown asked */
	uint64_t balloon_kb;  /* memory the guest holds */
	uint64_t shutdowns_seen; /* control/shutdown requests acted on */
	uint64_t targets_seen;   /* memory/target values applied */
	uint64_t errors;      /* error replies from xenstored */
	uint32_t scan_pending; /* a device/ event: list the devices again */
	uint32_t scan_type;    /* the scan's next device type */
	uint32_t action_dev;   /* the device the awaited answer is for */
	uint32_t truncated;    /* bytes of the awaited answer past in[], dropped */
	uint32_t suspended;    /* it suspended itself (control/shutdown): a restore
				* resumes it as Linux resumes, its watches set
				* again but not its control/feature-* */
	char in[SIM_XB_INBUF];
	struct sim_xb_dev dev[SIM_XB_DEVS];
};

/* The touched bitmap (bit pfn%8 of byte pfn/8) records every page the guest
 * writes, including the header and the bitmap pages themselves: after a
 * reader zeroes it through a foreign mapping, it equals the log-dirty bitmap
 * the hypervisor collects over the same interval.
 *
 * A data page written by sim:dirty: word 0 the pfn, word 1 the vCPU, word 2
 * that vCPU's counter at the write, the rest a pattern from the vCPU's RNG. */

/* sim:kv, a key-value service clients reach through xenstore (sim/PROTOCOL.md
 * "sim:kv"). Its state: struct sim_kv at data_pfn, then the table, an open
 * addressing hash table (FNV-1a of the key, linear probing, deletion by
 * moving later entries back, so no tombstones) of `slots` entries,
 * SIM_KV_PER_PAGE to a page from table_pfn, none across a page boundary.
 * The table takes half of the pages after data_pfn (at most
 * SIM_KV_MAX_SLOTS entries) and holds at most 3/4 of its slots in keys.
 * A request is read, applied and answered within one vCPU 0 step; what
 * crosses steps (a request to read, the read awaited, an answer not yet on
 * the ring) is in struct sim_kv and struct sim_xenbus. */
#define SIM_KV_MAGIC 0x31564b4d49534358ull /* "XCSIMKV1" */
#define SIM_KV_KEY_MAX 64
#define SIM_KV_VALUE_MAX 256
/* "SEQ ok VALUE" at most: 20 digits, " ok ", the value. */
#define SIM_KV_REPLY_MAX (20 + 4 + SIM_KV_VALUE_MAX)
#define SIM_KV_MAX_SLOTS 65536u

struct sim_kv_entry {
	uint64_t seq;         /* the request that wrote it last */
	uint16_t used;
	uint16_t klen, vlen;
	uint16_t pad;
	char key[SIM_KV_KEY_MAX];     /* not NUL-terminated: klen bytes */
	char value[SIM_KV_VALUE_MAX]; /* vlen bytes */
};
#define SIM_KV_PER_PAGE (SIM_PAGE_SIZE / sizeof(struct sim_kv_entry))

struct sim_kv {
	uint64_t magic;
	uint64_t table_pfn;
	uint64_t table_pages;
	uint64_t slots;
	uint64_t capacity;    /* keys the table takes: 3/4 of slots */
	uint64_t keys;        /* keys it holds */
	uint64_t applied;     /* writes applied (set, del answered ok) since boot */
	uint64_t last_seq;    /* the request answered last (0: none yet) */
	uint64_t requests;    /* requests handled, each SEQ once */
	uint64_t replays;     /* requests answered again (their SEQ was handled) */
	uint64_t rejected;    /* requests answered with an error */
	uint32_t request_pending; /* data/kv/request changed: read it */
	uint32_t out_pending;     /* out[] waits for room on the ring */
	char last[SIM_KV_REPLY_MAX + 1]; /* the answer to last_seq, NUL-terminated */
	char out[SIM_KV_REPLY_MAX + 1];  /* the answer to write to data/kv/reply */
};

/* The vCPU context (hv_vcpu_get/set_context on xcd-sim): the RNG state and
 * the rate credit live here, so a migration must carry it. */
#define SIM_CONTEXT_MAGIC 0x5843505653444358ull /* "XCDSVPCX" */
struct sim_vcpu_context {
	uint64_t magic;
	uint64_t rng;    /* xorshift64 state */
	uint64_t credit; /* sim:dirty: pages owed, in thousandths */
	uint64_t regs[5];
};
#endif
