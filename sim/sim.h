/* xcd-sim internals: the simulated host, its domains and their vCPUs. */
#ifndef XCD_SIM_SIM_H
#define XCD_SIM_SIM_H
#include "proto.h"
#include "guest.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_MAX_PORTS 64	/* event channels of one domain */
#define SIM_MAX_LPORTS 1024	/* local ports of one dom0 event handle */
#define SIM_VIRQ_DOM_EXC 3	/* Xen's VIRQ_DOM_EXC */

/* Guest memory: a memfd, mapped once in xcd-sim for the guest's own writes. */
struct sim_mem {
	int fd;
	uint8_t *base;
	uint64_t nr_pages;
	/* log-dirty: the fault handler and the clearer share this lock, so that
	 * "page writable => its bit is set" holds whenever it is free. */
	atomic_flag lock;
	atomic_int logdirty;
	uint8_t *dirty; /* one bit per page */
	/* Pages the domain has (populated): all of them once built; a domain
	 * made for a restore gets each as the stream's POPULATE asks. MAP of a
	 * page it has not is refused, as Xen's foreign mapping is. */
	uint8_t *present; /* one bit per page */
};

struct sim_domain;

struct sim_vcpu {
	struct sim_domain *d;
	uint32_t id;
	pthread_t thread;
	int started;
	int in_guest;	/* running a step: not at a safe point */
	int stop;
	uint64_t cpu_ns;
	uint32_t cpu;
	uint8_t affinity[16];
	struct sim_vcpu_context ctx;
};

enum sim_port_state { PORT_FREE, PORT_UNBOUND, PORT_BOUND };
struct sim_evh;
struct sim_port {
	enum sim_port_state state;
	uint32_t remote_domid;
	struct sim_evh *evh;	/* the dom0 event handle bound to it */
	uint32_t evh_port;	/* its local port in that handle */
};

struct sim_domain {
	struct sim_host *host;
	struct sim_domain *next;
	uint32_t domid;
	struct sim_domain_config cfg;
	uint64_t max_mem_kb, target_kb;
	struct sim_mem mem;
	enum sim_program program;
	uint64_t rate;
	uint32_t cap;		/* percent of its ticks each vCPU runs (0: all) */
	int built;
	unsigned pause_count;
	int shutdown;
	uint32_t shutdown_reason;
	pthread_mutex_t mu;	/* run state, vCPU flags, ports */
	pthread_cond_t run_cv;	/* vCPUs wait here */
	pthread_cond_t safe_cv;	/* pausers wait here for vCPUs to leave guest code */
	uint64_t pending_events;
	uint64_t port_pending;	/* bit p: dom0 notified port p (vCPU 0 clears) */
	uint64_t populated_kb;	/* memory the guest holds (it balloons to its target) */
	uint32_t store_port, console_port;
	int resumed;		/* restored from a stream: vCPU 0's first step resumes xenbus */
	/* Platform state (platform.c): TSC, HVM parameters (PVH), CPU features. */
	uint32_t tsc_mode, tsc_khz, tsc_incarnation;
	int64_t tsc_offset_ns;	/* the guest's time is now less this (modes 0 and 1) */
	uint64_t params[SIM_NR_PARAMS];
	uint32_t nr_features;
	uint32_t features[SIM_FEATURESET_MAX];
	struct sim_port ports[SIM_MAX_PORTS];
	struct sim_vcpu *vcpus;
};

struct sim_host {
	uint32_t nr_cpus;
	uint64_t total_kb;
	uint64_t dom0_kb;	/* what Domain-0 holds, outside total_kb (as dom0_mem=) */
	uint32_t nr_features;
	uint32_t featureset[SIM_FEATURESET_MAX];
	struct sim_domain *domains;
	uint32_t next_domid;
	/* Event handles of dom0 clients (evtchn.c). ev_mu nests inside a
	 * domain's mu: a vCPU sends with its domain's mu held. */
	pthread_mutex_t ev_mu;
	struct sim_evh *evhs;
	uint32_t next_evh;
	struct loop *loop;
};

/* domain.c: every function returns 0 or -errno and fills err. */
int sim_domain_create(struct sim_host *h, const struct sim_domain_config *cfg, uint32_t *domid,
		      char *err, size_t errlen);
struct sim_domain *sim_domain_find(struct sim_host *h, uint32_t domid);
int sim_domain_build(struct sim_domain *d, const char *kernel, uint32_t store_domid,
		     uint32_t console_domid, struct sim_build_result *out, char *err,
		     size_t errlen);
/* RESTORE_FINISH: memory and vCPU contexts came from a stream; checks the
 * guest header against the domain and starts the vCPUs where they were. */
int sim_domain_restore_finish(struct sim_domain *d, uint32_t store_domid,
			      uint32_t console_domid, struct sim_build_result *out, char *err,
			      size_t errlen);
int sim_domain_pause(struct sim_domain *d);
int sim_domain_unpause(struct sim_domain *d);
int sim_domain_shutdown(struct sim_domain *d, uint32_t reason);
/* The guest shuts itself down (from its vCPU thread, d->mu held). */
void sim_domain_shutdown_self(struct sim_domain *d, uint32_t reason);
int sim_domain_resume(struct sim_domain *d);
void sim_domain_destroy(struct sim_host *h, struct sim_domain *d);
void sim_domain_info(struct sim_domain *d, struct sim_dominfo *out);
void sim_host_dom0_info(struct sim_host *h, struct sim_dominfo *out);
uint64_t sim_host_free_kb(struct sim_host *h);
/* dom0 notified the domain's port: wakes vCPU 0. */
void sim_domain_notify(struct sim_domain *d, uint32_t port);
/* Allocates an unbound port for remote_domid (d->mu held). */
int sim_domain_alloc_port(struct sim_domain *d, uint32_t remote_domid, uint32_t *port);
/* get or set (either may be NULL); -EBUSY while the domain runs. */
int sim_vcpu_context(struct sim_domain *d, uint32_t vcpu, struct sim_vcpu_context *get,
		     const struct sim_vcpu_context *set);

/* platform.c: a domain's platform state and physical memory, the
 * operations TSC_GET to POPULATE of sim/PROTOCOL.md. */
#define SIM_HOST_TSC_KHZ 2000000u /* the simulated host's TSC: 2 GHz */
/* The state a new domain starts with (as Xen's domain creation sets it). */
void sim_platform_init(struct sim_domain *d);
/* Every page present (a build gives the domain all its memory). */
void sim_platform_populate_all(struct sim_domain *d);
/* Whether pages [pfn, pfn + n) are all present. */
int sim_platform_present(const struct sim_domain *d, uint64_t pfn, uint64_t n);
/* The PVH params a build or a restore sets: the store's and console's. */
void sim_platform_set_rings(struct sim_domain *d, uint64_t store_pfn, uint32_t store_port,
			    uint64_t console_pfn, uint32_t console_port);
/* One of those operations on D: payload IN (LEN bytes); the answer in *OUT
 * (allocated, *OUTLEN bytes; NULL for none). 0, or -errno with ERR. */
int sim_platform_op(struct sim_domain *d, uint32_t op, const uint8_t *in, uint32_t len,
		    uint8_t **out, size_t *outlen, char *err, size_t errlen);

/* guest.c: the guest programs run by the vCPU threads. */
void *sim_vcpu_main(void *arg);
int sim_guest_parse(const char *kernel, enum sim_program *prog, uint64_t *rate, char *err,
		    size_t errlen);
void sim_guest_boot(struct sim_domain *d);
/* Whether the memory of D holds a guest that xcd-sim can run safely: the
 * header is the one sim_guest_boot would write for D's size and vCPUs, and
 * what the program keeps there (xenbus, sim:kv) is within its bounds. A
 * restored image comes from a file: nothing in it may make xcd-sim read or
 * write outside the guest. 0, or -EINVAL with ERR saying what is wrong. */
int sim_guest_check(struct sim_domain *d, char *err, size_t errlen);
/* Marks pfn in the guest's touched bitmap (every page a guest writes). */
void sim_guest_touch(struct sim_domain *d, uint64_t pfn);

/* evtchn.c: dom0's event handles. A handle is a SOCK_SEQPACKET socketpair:
 * the client holds one end (its hv_evtchn_fd), xcd-sim writes a pending
 * local port (u32) to the other; bindings belong to the handle and live as
 * long as the client's end is open anywhere (across exec). */
int sim_evh_open(struct sim_host *h, uint32_t *id, int *client_fd);
struct sim_evh *sim_evh_find(struct sim_host *h, uint32_t id);
/* The handle whose client end fd is (a descriptor passed back on adopt). */
struct sim_evh *sim_evh_by_fd(struct sim_host *h, int fd);
uint32_t sim_evh_id(const struct sim_evh *e);
int sim_evh_bind(struct sim_host *h, struct sim_evh *e, struct sim_domain *d, uint32_t rport,
		 uint32_t *lport);
int sim_evh_bind_virq(struct sim_host *h, struct sim_evh *e, uint32_t virq, uint32_t *lport);
int sim_evh_unbind(struct sim_host *h, struct sim_evh *e, uint32_t lport);
/* dom0 -> guest: -EINVAL unbound, -ESRCH the domain is gone. */
int sim_evh_notify(struct sim_host *h, struct sim_evh *e, uint32_t lport);
int sim_evh_unmask(struct sim_host *h, struct sim_evh *e, uint32_t lport);
void sim_evh_close_all(struct sim_host *h);
/* guest -> dom0, from a vCPU thread with d->mu held. */
void sim_evtchn_send_locked(struct sim_domain *d, uint32_t port);
/* VIRQ_DOM_EXC to every handle that bound it. */
void sim_evtchn_dom_exc(struct sim_host *h);
/* The domain is going: its ports leave the handles. */
void sim_evtchn_domain_gone(struct sim_domain *d);

/* xenbus.c: the guest's xenstore client and console (vCPU 0). */
void sim_xenbus_boot(struct sim_domain *d);
/* A restored guest's first step: replies of the old xenstored dropped, the
 * conversation started again (features, watches, each device's handshake)
 * as after a ring reset, and sim:kv's request read again. */
void sim_xenbus_resume(struct sim_domain *d);
int sim_xenbus_check(struct sim_domain *d, char *err, size_t errlen);
/* RESUME of a suspended guest in its own domain: its suspend returns
 * "cancelled", it goes on with its xenstore connection as it was. */
void sim_xenbus_cancelled(struct sim_domain *d);
void sim_xenbus_step(struct sim_domain *d);

/* kv.c: the sim:kv program's store, in guest memory from data_pfn. */
void sim_kv_boot(struct sim_domain *d);
int sim_kv_check(struct sim_domain *d, char *err, size_t errlen);
struct sim_kv *sim_kv_state(struct sim_domain *d);
/* The first pfn after the store's pages. */
uint64_t sim_kv_end_pfn(struct sim_domain *d);
/* Handles the text of data/kv/request (len bytes): applies it unless its
 * SEQ was handled already, leaves the answer in out[] of struct sim_kv and
 * a line for the console in line. 0, or -ENOENT for an empty request
 * (nothing to answer). */
int sim_kv_request(struct sim_domain *d, const char *text, size_t len, char *line,
		   size_t linelen);

/* backend.c: simulated dom0 vbd/vif backends on the xenstored at the path;
 * DELAY_MS (0: none) is slept before each of their writes (tests). */
struct sim_backends;
int sim_backends_start(const char *xenstore_socket, long delay_ms, struct sim_backends **out);
void sim_backends_stop(struct sim_backends *b);

/* logdirty.c */
int sim_logdirty_install(void);
void sim_logdirty_set_current(struct sim_mem *m);
int sim_logdirty_enable(struct sim_mem *m);
int sim_logdirty_disable(struct sim_mem *m);
int sim_logdirty_read(struct sim_mem *m, uint8_t *out, uint64_t npages, int clear);

/* control.c: the control socket. */
struct loop;
struct sim_control;
int sim_control_start(struct loop *l, struct sim_host *h, const char *path,
		      struct sim_control **out);
void sim_control_stop(struct sim_control *c);
#endif
