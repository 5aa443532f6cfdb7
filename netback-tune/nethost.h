/*
 * nethost: what a host's network looks like to netback-tune, read from a
 * sysroot (sysfile.h): its NICs (physical, bonds, bridges, netback's vifs)
 * with speed, link, MTU and NUMA node; each bond's report; dom0's CPUs and
 * NUMA nodes; netback's module parameters; and for each vif queue, its
 * kernel threads and interrupts with the CPUs they may run on.
 *
 * A file that is missing leaves its value unknown; a file that does not
 * parse leaves a note (nt_host.notes), so that `show` still shows the rest.
 */
#ifndef XCD_NT_NETHOST_H
#define XCD_NT_NETHOST_H
#include "bonding.h"
#include "../lib/cpuset.h"
#include "interrupts.h"
#include <stdbool.h>
#include <stddef.h>

enum nt_nic_kind { NT_NIC_PHYS, NT_NIC_BOND, NT_NIC_BRIDGE, NT_NIC_VIF, NT_NIC_OTHER };

/* One queue of a vif: netback names its threads NAME-qN-guest-rx and
 * NAME-qN-dealloc, its interrupts NAME-qN-tx and NAME-qN-rx (or NAME-qN
 * when the frontend shares one event channel for both). */
struct nt_queue {
	int rx_pid, dealloc_pid; /* -1: not found */
	struct cpuset rx_cpus, dealloc_cpus;
	int tx_irq, rx_irq; /* -1: not found; the same number when shared */
	struct cpuset tx_irq_cpus, rx_irq_cpus;
};

struct nt_nic {
	char name[NT_IFNAMSIZ];
	enum nt_nic_kind kind;
	long speed_mbit; /* -1: unknown (link down, or a virtual device) */
	char operstate[16];
	int carrier;     /* 1, 0, or -1 unknown */
	long mtu;        /* -1 unknown */
	char address[18];
	int numa_node;   /* -1: none or unknown */
	char master[NT_IFNAMSIZ]; /* the bond or bridge it is in; "" */
	unsigned n_rx, n_tx;      /* entries rx-N and tx-N in queues/ */
	/* NT_NIC_VIF: from the device link (xen-backend/vif-D-N), so that a
	 * vif renamed with vifname= is still known. */
	int domid, devid;
	struct nt_queue *queues; /* max(n_rx, n_tx) of them */
	unsigned n_queues;
	/* NT_NIC_BOND: /proc/net/bonding/NAME, when it parsed. */
	bool has_report;
	struct nt_bond_info bond;
};

/* netback's module parameters (drivers/net/xen-netback: netback.c and
 * hash.c); writable ones may be changed at run time and apply to vifs
 * connected afterwards. */
enum nt_nb_param {
	NT_NB_MAX_QUEUES,
	NT_NB_SEPARATE_TX_RX_IRQ,
	NT_NB_RX_DRAIN_TIMEOUT_MSECS,
	NT_NB_RX_STALL_TIMEOUT_MSECS,
	NT_NB_FATAL_SKB_SLOTS,
	NT_NB_HASH_CACHE_SIZE,
	NT_NB_NPARAMS
};
struct nt_nb_param_info {
	const char *name;
	bool writable; /* mode 0644 in the source */
};
extern const struct nt_nb_param_info nt_nb_params[NT_NB_NPARAMS];
#define NT_NB_PARAM_DIR "sys/module/xen_netback/parameters"

struct nt_host {
	const char *sysroot;
	struct nt_nic *nics; /* sorted by name */
	size_t n_nics;
	struct cpuset online;
	struct cpuset *nodes; /* nodes[i]: node i's CPUs (empty: no node i) */
	unsigned n_nodes;
	bool netback_loaded;
	bool nb_present[NT_NB_NPARAMS];
	char nb_value[NT_NB_NPARAMS][32];
	struct nt_interrupts irqs;
	/* The interface carrying the default route ("" none known). */
	char default_dev[NT_IFNAMSIZ];
	/* What could not be read or parsed, one sentence each. */
	char **notes;
	size_t n_notes;
};

/*
 * Reads the host under SYSROOT ("/" on a real host). Fails only when the
 * root or its sys/class/net cannot be read (-errno, with a message in ERR).
 */
int nt_host_read(const char *sysroot, struct nt_host **out, char *err, size_t errlen);
void nt_host_free(struct nt_host *h);
/* The NIC named NAME, or NULL. */
const struct nt_nic *nt_host_nic(const struct nt_host *h, const char *name);
/* The CPUs of node N that are online, or all online CPUs when N < 0 or
 * has none online. */
void nt_host_node_cpus(const struct nt_host *h, int node, struct cpuset *out);
const char *nt_nic_kind_name(enum nt_nic_kind k);

/*
 * The text of a /proc/PID/status (a NUL-terminated string, cut at lines
 * as it is read): the process's name as /proc/PID/comm gives it (Name:,
 * unescaped) into COMM (SIZE bytes; -EINVAL when there is none, it holds a
 * newline or does not fit), and *CPUS_RC the parse of Cpus_allowed_list
 * into CPUS (0, or -EINVAL when missing or not a CPU list).
 */
int nt_status_parse(char *text, char *comm, size_t size, struct cpuset *cpus, int *cpus_rc);

/* Internal to nethost.c and netback.c. */
int nt_host_note(struct nt_host *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct sysroot;
int nt_read_netback(struct nt_host *h, const struct sysroot *r);
#endif
