/* hv backends: what a backend of the hypervisor interface implements, and
 * the helpers hv.c gives it. Included by hv.c, the two backends (hv_xen.c,
 * hv_sim.c), and test fakes that stand in for a backend; never by the code
 * above hv, which sees only hv.h. Each operation's contract is hv.h's. */
#ifndef XCD_HV_BACKEND_H
#define XCD_HV_BACKEND_H
#include "hv.h"
#include "../lib/errmsg.h"

/* The backends' table; hv.c dispatches to it (one entry per hv_* call of
 * hv.h, same arguments) and keeps the error text. */
struct hv_ops {
	const char *name;
	void (*close)(struct hv *hv);
	int (*host_info)(struct hv *, struct hv_hostinfo *);
	int (*domain_create)(struct hv *, const struct hv_domain_config *, uint32_t *);
	int (*domain_build)(struct hv *, uint32_t, const struct hv_build_spec *,
			    struct hv_build_result *);
	int (*domain_restore_finish)(struct hv *, uint32_t, const struct hv_build_spec *,
				     struct hv_build_result *);
	int (*pv_save)(struct hv *, uint32_t, int, hv_progress_fn *, void *);
	int (*pv_restore)(struct hv *, uint32_t, int, const struct hv_build_spec *,
			  struct hv_build_result *);
	int (*domain_pause)(struct hv *, uint32_t);
	int (*domain_unpause)(struct hv *, uint32_t);
	int (*domain_shutdown)(struct hv *, uint32_t, enum hv_shutdown_reason);
	int (*domain_destroy)(struct hv *, uint32_t);
	int (*domain_getinfo)(struct hv *, uint32_t, struct hv_dominfo *);
	int (*domain_set_uuid)(struct hv *, uint32_t, const uint8_t *);
	int (*domain_list)(struct hv *, struct hv_dominfo *, unsigned);
	int (*domain_suspend)(struct hv *, uint32_t, hv_wait_fn *, void *);
	int (*domain_resume)(struct hv *, uint32_t);
	int (*domain_set_cpu_cap)(struct hv *, uint32_t, uint32_t);
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
	int (*domain_max_pfn)(struct hv *, uint32_t, uint64_t *);
	int (*pfn_types)(struct hv *, uint32_t, const uint64_t *, uint32_t, uint8_t *);
	int (*populate)(struct hv *, uint32_t, const uint64_t *, uint32_t);
	int (*tsc_info_get)(struct hv *, uint32_t, struct hv_tsc_info *);
	int (*tsc_info_set)(struct hv *, uint32_t, const struct hv_tsc_info *);
	int (*cpu_policy_get)(struct hv *, uint32_t, struct hv_cpuid_leaf *, uint32_t *,
			      struct hv_msr *, uint32_t *);
	int (*cpu_policy_set)(struct hv *, uint32_t, const struct hv_cpuid_leaf *, uint32_t,
			      const struct hv_msr *, uint32_t);
	int (*hvm_context_get)(struct hv *, uint32_t, void *, size_t *);
	int (*hvm_context_set)(struct hv *, uint32_t, const void *, size_t);
	int (*hvm_param_get)(struct hv *, uint32_t, uint32_t, uint64_t *);
	int (*hvm_param_set)(struct hv *, uint32_t, uint32_t, uint64_t);
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

struct hv {
	const struct hv_ops *ops;
	void *priv; /* the backend's own state */
	char err[XCD_ERR_MAX];
};
/* Records the failure's sentence for hv_error() and returns RC (negative). */
int hv_fail(struct hv *hv, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* How long a suspend waits for the guest to suspend itself (libxl allows the
 * same minute), and how often it looks when WAIT is not woken before. */
#define HV_SUSPEND_WAIT_MS 60000
#define HV_SUSPEND_POLL_MS 20
/* A guest asked to suspend itself (the toolstack writes control/shutdown;
 * xenstore is not hv's): waits until the backend reports it in
 * shutdown(suspend), looking again each time WAIT(ARG, MS) returns (woken by
 * the caller's event, at the latest after HV_SUSPEND_POLL_MS; NULL: a sleep).
 * 0; -ETIMEDOUT after HV_SUSPEND_WAIT_MS; -ECANCELED when it shut down for
 * another reason; -ESRCH when it is dying. */
int hv_await_suspended(struct hv *hv, uint32_t domid, hv_wait_fn *wait, void *arg);
/* The backends' constructors, called by hv_open: 0, or a negative errno with
 * ERR saying why (no Xen here, no simulated host at the socket). */
int hv_xen_open(struct hv *hv, char *err, size_t errlen);
/* The paging pool (HAP page tables) the Xen backend gives a PVH domain of
 * CFG, in bytes: CFG's paging_pool_kb, else xl's default shadow_memory. */
uint64_t pvh_paging_pool_bytes(const struct hv_domain_config *cfg);
int hv_sim_open(struct hv *hv, const char *socket_path, char *err, size_t errlen);
#endif
