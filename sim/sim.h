/* xcd-sim internals: the simulated host, its domains and their vCPUs. */
#ifndef XCD_SIM_SIM_H
#define XCD_SIM_SIM_H
#include "../hv/hv.h"
#include "guest.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_MAX_PORTS 64

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
struct sim_port {
	enum sim_port_state state;
	uint32_t remote_domid;
	void *conn;	/* the dom0 connection bound to it (ports are per connection) */
	uint32_t conn_port;
};

struct sim_domain {
	struct sim_host *host;
	struct sim_domain *next;
	uint32_t domid;
	struct hv_domain_config cfg;
	uint64_t max_mem_kb, target_kb;
	struct sim_mem mem;
	enum sim_program program;
	uint64_t rate;
	int built;
	unsigned pause_count;
	int shutdown;
	uint32_t shutdown_reason;
	pthread_mutex_t mu;	/* run state, vCPU flags, ports */
	pthread_cond_t run_cv;	/* vCPUs wait here */
	pthread_cond_t safe_cv;	/* pausers wait here for vCPUs to leave guest code */
	uint64_t pending_events;
	struct sim_port ports[SIM_MAX_PORTS];
	struct sim_vcpu *vcpus;
};

struct sim_host {
	uint32_t nr_cpus;
	uint64_t total_kb;
	uint32_t nr_features;
	uint32_t featureset[HV_FEATURESET_MAX];
	struct sim_domain *domains;
	uint32_t next_domid;
};

/* domain.c: every function returns 0 or -errno and fills err. */
int sim_domain_create(struct sim_host *h, const struct hv_domain_config *cfg, uint32_t *domid,
		      char *err, size_t errlen);
struct sim_domain *sim_domain_find(struct sim_host *h, uint32_t domid);
int sim_domain_build(struct sim_domain *d, const char *kernel, char *err, size_t errlen);
int sim_domain_pause(struct sim_domain *d);
int sim_domain_unpause(struct sim_domain *d);
int sim_domain_shutdown(struct sim_domain *d, uint32_t reason);
int sim_domain_resume(struct sim_domain *d);
void sim_domain_destroy(struct sim_host *h, struct sim_domain *d);
void sim_domain_info(struct sim_domain *d, struct hv_dominfo *out);
void sim_host_dom0_info(struct sim_host *h, struct hv_dominfo *out);
uint64_t sim_host_free_kb(struct sim_host *h);
void sim_domain_notify(struct sim_domain *d, uint32_t port);
/* get or set (either may be NULL); -EBUSY while the domain runs. */
int sim_vcpu_context(struct sim_domain *d, uint32_t vcpu, struct sim_vcpu_context *get,
		     const struct sim_vcpu_context *set);

/* guest.c: the guest programs run by the vCPU threads. */
void *sim_vcpu_main(void *arg);
int sim_guest_parse(const char *kernel, enum sim_program *prog, uint64_t *rate, char *err,
		    size_t errlen);
void sim_guest_boot(struct sim_domain *d);

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
