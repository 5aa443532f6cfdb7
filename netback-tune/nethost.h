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
	bool live; /* read as NT_READ_LIVE (below) */
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
 * How the host is read. The same facts come from two readers:
 *   NT_READ_FILES: every fact from a file under the sysroot (a fixture
 *     tree, or a real /sys and /proc): each interface's directory, its
 *     operstate, carrier, mtu and address files, its device and master
 *     links; each process's /proc/PID/status (name, PPid and
 *     Cpus_allowed_list).
 *   NT_READ_LIVE: this host as the kernel tells it, for the sysroot "/":
 *     the interfaces of the process's network namespace from one rtnetlink
 *     dump (RTM_GETLINK, through libnl: linkdump.h) - name, operstate,
 *     carrier (none when down, as sysfs), MTU, address, master, parent
 *     device, bond and bridge kinds -, a process's name from
 *     /proc/PID/comm and, for tasks named as netback's threads only,
 *     whether each is a kernel thread (kthreadd's children list,
 *     /proc/2/task/2/children, read once; a task missing from it: its
 *     parent from /proc/PID/stat) and its CPUs from sched_getaffinity
 *     (which leaves out CPUs that are not active, where
 *     Cpus_allowed_list does not).
 *   Either way a task is netback's thread only when it is a kernel thread
 *   (its parent is kthreadd, pid 2), not for its name alone: any process
 *   may take the name. What no dump holds stays in files: a
 *     NIC's speed and NUMA node, a vif's queues/ (the queues the frontend
 *     negotiated), bonds' reports, IRQs, CPUs, netback's parameters.
 *   NT_READ_AUTO: LIVE when SYSROOT is "/" (after symlinks) and the kernel
 *     names parent devices in its dump (Linux 5.14), FILES otherwise.
 * On a real host both give the same host (tests/system/tune/reader-agree
 * checks it), LIVE at a fraction of the system calls: about 6 for a vif
 * instead of 20, 1 file for a thread instead of a bigger one.
 */
enum nt_read_how { NT_READ_AUTO, NT_READ_FILES, NT_READ_LIVE };

/*
 * Reads the host under SYSROOT ("/" on a real host) as NT_READ_AUTO. Fails
 * only when the root or its sys/class/net cannot be read, or the dump
 * fails (-errno, with a message in ERR).
 */
int nt_host_read(const char *sysroot, struct nt_host **out, char *err, size_t errlen);
int nt_host_read_how(const char *sysroot, enum nt_read_how how, struct nt_host **out, char *err,
		     size_t errlen);
/*
 * nt_host_read_how with KEPT (kthreadcache.h; NULL: none), what the last
 * read with it learnt of kernel threads: each one's name, read only for a
 * pid that is new or may be another task by now, and kept for the next.
 * The host is the one a read without it gives (tests/unit/netback-tune's
 * test_kthreadcache checks it). For xcdd's reads that only look (show,
 * plan, verify), never for apply and revert, which act on what they read.
 */
struct nt_kcache;
int nt_host_read_kept(const char *sysroot, enum nt_read_how how, struct nt_kcache *kept,
		      struct nt_host **out, char *err, size_t errlen);
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

/*
 * One process's name, as /proc/PID/comm gives it (T->comm), read below PROC
 * (the sysroot's proc): LIVE from its comm, otherwise from its status,
 * which also gives its CPUs (T->cpus, T->cpus_rc as nt_status_parse's
 * *CPUS_RC; LIVE leaves T->cpus_rc -EAGAIN: nt_thread_cpus_live gives
 * them) and its parent's pid (T->ppid; LIVE leaves it -1:
 * nt_thread_ppid_live gives it). -ENOENT when it is gone, -EINVAL when it
 * has no name.
 */
struct sysroot;
struct nt_thread {
	char comm[64]; /* the kernel's longest, 63 characters, and the NUL */
	struct cpuset cpus;
	int cpus_rc;
	int ppid; /* its parent's pid (2: a kernel thread), -1 unknown */
};
int nt_thread_read(const struct sysroot *proc, const char *pid, bool live, struct nt_thread *t);
/* Its parent's pid (T->ppid), from PID/stat below PROC: for LIVE, which
 * does not read it with the name. 0, -ENOENT when it is gone, -EINVAL. */
int nt_thread_ppid_live(const struct sysroot *proc, const char *pid, struct nt_thread *t);
/* The CPUs PID may run on, from sched_getaffinity, into T (T->cpus_rc). */
void nt_thread_cpus_live(int pid, struct nt_thread *t);

/* Internal to nethost.c, netback.c and linkdump.c. */
int nt_host_note(struct nt_host *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int nt_read_netback(struct nt_host *h, const struct sysroot *r, struct nt_kcache *kc);
/* netback's threads of H's vif queues from R's proc, as H->live says, with
 * KC's kernel threads' names (NULL: none; part of nt_read_netback). */
int nt_read_threads(struct nt_host *h, const struct sysroot *r, struct nt_kcache *kc);
/* H's queues' threads and notes forgotten, H made a live host: what
 * nt_read_threads then reads again as the live reader does (the readers'
 * comparisons). */
void nt_threads_forget_live(struct nt_host *h);
/* "vif-3-0" (the device link of a vif) into domid 3, devid 0; -1 else. */
int nt_vif_ids(const char *s, int *domid, int *devid);
/* A NIC's fields before they are read: every number unknown. */
void nt_nic_init(struct nt_nic *n);
/* What only files tell of N, whose kind is known: a NIC's speed and
 * NUMA node, a vif's or NIC's queues/ (a vif's queues allocated), a bond's
 * report. Its files are DIR/PREFIX... (PREFIX "" or "NAME/"). */
int nt_nic_extras(struct nt_host *h, const struct sysroot *r, const struct sysroot *dir,
		  const char *prefix, struct nt_nic *n);
/* The NICs from the kernel's dump (linkdump.h); NET is sys/class/net. */
int nt_read_nics_dump(struct nt_host *h, const struct sysroot *r, const struct sysroot *net,
		      char *err, size_t errlen);
#endif
