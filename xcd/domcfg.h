/*
 * domcfg: the domain configuration that an xl.cfg(5) file describes, for PV
 * and PVH guests, normalised as xl's parse_config_data leaves it in a
 * libxl_domain_config: the same fields, defaults and derived values (memory
 * in kB, maxmem defaulting to memory, the cmdline built from root= and
 * extra=, vif devids numbered by position, per-vCPU affinity maps), so that
 * domcfg_to_json prints what `xl -N create` prints for the same file.
 *
 * Values libxl would fill in at creation (32 MiB of memory and one vCPU when
 * none is given, a random MAC) are left unset, as in xl's output.
 *
 * Keys xl knows but xcd does not implement yet (HVM-only options, devices
 * other than disks and vifs) and unknown keys are warnings naming file:line;
 * a bad value is an error naming file:line:column.
 */
#ifndef XCD_DOMCFG_H
#define XCD_DOMCFG_H
#include "../lib/cfgfile.h"
#include "disk.h"
#include "vif.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>

/* Where pvgrub32.bin and pvgrub64.bin are (firmware="pvgrub64"). */
#ifndef DOMCFG_FIRMWARE_DIR
#define DOMCFG_FIRMWARE_DIR "/usr/lib/xen-4.17/boot"
#endif

/* The largest CPU number + 1 that a CPU list can name. */
#define DOMCFG_MAX_CPUS 4096
/* The most vCPUs a guest may have here. */
#define DOMCFG_MAX_VCPUS 4096

/* "Not given" for memory sizes, as LIBXL_MEMKB_DEFAULT. */
#define DOMCFG_MEMKB_DEFAULT UINT64_MAX
/* "Not given" for grant table limits, as LIBXL_MAX_GRANT_DEFAULT. */
#define DOMCFG_GRANT_DEFAULT UINT32_MAX
/* "Not given" for scheduler parameters, as LIBXL_DOMAIN_SCHED_PARAM_*_DEFAULT. */
#define DOMCFG_SCHED_DEFAULT (-1)

/* Values as libxl_domain_type (HVM, 1, is refused for now). */
enum domcfg_type { DOMCFG_TYPE_PV = 2, DOMCFG_TYPE_PVH = 3 };

/* Values as libxl_action_on_shutdown. */
enum domcfg_action {
	DOMCFG_ACTION_DESTROY = 1,
	DOMCFG_ACTION_RESTART = 2,
	DOMCFG_ACTION_RESTART_RENAME = 3,
	DOMCFG_ACTION_PRESERVE = 4,
	DOMCFG_ACTION_COREDUMP_DESTROY = 5,
	DOMCFG_ACTION_COREDUMP_RESTART = 6,
	DOMCFG_ACTION_SOFT_RESET = 7,
};

/* Values as libxl_tsc_mode (native_paravirt has been removed from Xen). */
enum domcfg_tsc_mode {
	DOMCFG_TSC_DEFAULT = 0,
	DOMCFG_TSC_ALWAYS_EMULATE = 1,
	DOMCFG_TSC_NATIVE = 2,
};

/* Values as libxl_timer_mode; DOMCFG_TIMER_DEFAULT: not given (libxl and
 * xcd: no_delay_for_missed_ticks). */
enum domcfg_timer_mode {
	DOMCFG_TIMER_DEFAULT = -1,
	DOMCFG_TIMER_DELAY_FOR_MISSED_TICKS = 0,
	DOMCFG_TIMER_NO_DELAY_FOR_MISSED_TICKS = 1,
	DOMCFG_TIMER_NO_MISSED_TICKS_PENDING = 2,
	DOMCFG_TIMER_ONE_MISSED_TICK_PENDING = 3,
};

/* Values as libxl_passthrough. */
enum domcfg_passthrough {
	DOMCFG_PASSTHROUGH_DEFAULT = 0,
	DOMCFG_PASSTHROUGH_DISABLED = 1,
	DOMCFG_PASSTHROUGH_ENABLED = 2,
	DOMCFG_PASSTHROUGH_SYNC_PT = 3,
	DOMCFG_PASSTHROUGH_SHARE_PT = 4,
};

struct cpumap {
	uint64_t bits[DOMCFG_MAX_CPUS / 64];
};

static inline bool cpumap_test(const struct cpumap *m, unsigned cpu)
{
	return cpu < DOMCFG_MAX_CPUS && (m->bits[cpu / 64] >> (cpu % 64)) & 1;
}

/* The CPUs of the host that CPU lists refer to. */
struct domcfg_host {
	unsigned max_cpus;     /* CPU numbers are below this ("all" is 0..max_cpus-1) */
	unsigned nr_nodes;     /* NUMA nodes */
	const unsigned *cpu_node; /* node of each of the max_cpus CPUs, or NULL */
};

/*
 * Parses a CPULIST of xl.cfg(5) ("0-3,^2", "all,^node:1", "nodes:0-1") into
 * *out. HOST may be NULL: then 4096 CPUs and no NUMA information (a node: or
 * nodes: item is an error). err names the bad item.
 */
int domcfg_parse_cpulist(const char *list, const struct domcfg_host *host,
			 struct cpumap *out, char *err, size_t errlen);

/* vCPU affinity as xl sets it: a list gives one map per vCPU, a string one for all. */
struct domcfg_affinity {
	size_t n;           /* vCPUs with a map (xl's num_vcpu_*_affinity) */
	struct cpumap *maps; /* n maps, or one if same */
	bool same;
};

static inline const struct cpumap *domcfg_affinity_map(const struct domcfg_affinity *a,
						       size_t vcpu)
{
	return vcpu >= a->n ? NULL : a->same ? &a->maps[0] : &a->maps[vcpu];
}

struct domcfg {
	/* c_info */
	enum domcfg_type type;
	enum cfg_defbool hap;
	enum cfg_defbool oos;
	char *ssid_label;
	char *name;
	uint8_t uuid[16];
	bool uuid_generated; /* no uuid= given: a fresh random one, as xl */
	char *pool_name;
	enum cfg_defbool driver_domain;
	enum domcfg_passthrough passthrough;
	enum cfg_defbool xend_suspend_evtchn_compat;

	/* b_info */
	int max_vcpus; /* 0: not given (libxl: 1) */
	int vcpus;     /* vCPUs online at start (avail_vcpus); 0: not given */
	struct domcfg_affinity vcpu_hard_affinity; /* cpus= */
	struct domcfg_affinity vcpu_soft_affinity; /* cpus_soft= */
	enum cfg_defbool numa_placement;
	enum domcfg_tsc_mode tsc_mode;
	enum domcfg_timer_mode timer_mode; /* PVH (HVM): Xen's virtual timers */
	uint64_t max_memkb;    /* DOMCFG_MEMKB_DEFAULT: not given */
	uint64_t target_memkb; /* DOMCFG_MEMKB_DEFAULT: not given */
	uint64_t shadow_memkb; /* DOMCFG_MEMKB_DEFAULT: not given */
	uint32_t rtc_timeoffset; /* seconds, two's complement as libxl */
	char *exec_ssid_label;
	enum cfg_defbool localtime;
	enum cfg_defbool disable_migrate; /* nomigrate= */
	uint32_t max_grant_frames;    /* DOMCFG_GRANT_DEFAULT: not given */
	uint32_t max_maptrack_frames; /* DOMCFG_GRANT_DEFAULT: not given */
	int max_grant_version;        /* DOMCFG_SCHED_DEFAULT (-1): not given */
	int sched_weight, sched_cap, sched_period, sched_extratime, sched_slice,
		sched_latency;        /* DOMCFG_SCHED_DEFAULT: not given */
	uint32_t event_channels;      /* max_event_channels=, 0: not given */
	char *kernel;
	char *cmdline;
	char *ramdisk;
	enum cfg_defbool acpi;
	char *bootloader;
	char **bootloader_args;
	size_t n_bootloader_args;
	enum cfg_defbool nested_hvm;
	enum cfg_defbool e820_host;   /* PV */
	enum cfg_defbool pvshim;      /* PVH */
	char *pvshim_path, *pvshim_cmdline, *pvshim_extra;
	enum cfg_defbool msr_relaxed;

	struct disk *disks;
	size_t n_disks;
	struct vif *vifs;
	size_t n_vifs;
	char **serial; /* HVM only: kept for a later HVM builder, not used */
	size_t n_serial;

	enum domcfg_action on_poweroff, on_reboot, on_watchdog, on_crash, on_soft_reset;

	/* "FILE:LINE: what was ignored", for the user to see. */
	char **warnings;
	size_t n_warnings;
};

/*
 * Builds *out from the settings of CF. HOST gives the CPUs that cpus= and
 * cpus_soft= name (NULL: see domcfg_parse_cpulist). On error, *out is
 * untouched and err is "FILE:LINE:COLUMN: KEY: what is wrong".
 */
int domcfg_from_cfg(const struct cfgfile *cf, const struct domcfg_host *host,
		    struct domcfg **out, char *err, size_t errlen);

/* An empty configuration, every field at its "not given" value; NULL: ENOMEM. */
struct domcfg *domcfg_new(void);

/*
 * Builds *out from libxl's JSON domain configuration (libxl_domain_config as
 * libxl_domain_config_gen_json writes it: what xl puts in its save files and
 * migration streams, and what domcfg_to_json writes). A key whose value xcd
 * cannot honour is refused, never dropped: the error is "PATH: what is
 * wrong" (PATH as "b_info.max_memkb", "disks[1].vdev"). *out untouched on
 * error. domcfg_libxl.c.
 */
int domcfg_from_libxl_json(const char *json, size_t len, struct domcfg **out, char *err,
			   size_t errlen);

/*
 * 0 when xcd carries out every field of D that libxl's JSON can set; else
 * -EOPNOTSUPP and err "KEY: what: xcd cannot honour it..." naming the first
 * one it does not (an XSM label, a CPU pool, a wall clock offset, scheduler
 * parameters, ...). For a guest made from xl's JSON. domcfg_honour.c.
 */
int domcfg_honoured(const struct domcfg *d, char *err, size_t errlen);
/* Each field of D xcd does not carry out, as domcfg_honoured finds them:
 * its libxl JSON key, its xl.cfg key ("A|B": A, else B, whichever the file
 * has) and what it asks. FN's nonzero result stops the walk and is returned.
 * domcfg_honour.c. */
struct domcfg_unhonoured {
	const char *json_key, *xl_key, *what;
};
typedef int domcfg_unhonoured_fn(const struct domcfg_unhonoured *u, void *arg);
int domcfg_each_unhonoured(const struct domcfg *d, domcfg_unhonoured_fn *fn, void *arg);

/* Whether the JSON text T nests no deeper than DOMCFG_JSON_MAX_DEPTH: to be
 * asked before yajl_tree_parse of outside input, whose parse and free
 * recurse once per level (a save file's megabyte of '[' kills the process). */
#define DOMCFG_JSON_MAX_DEPTH 32
bool domcfg_json_depth_ok(const char *t, size_t len);

void domcfg_free(struct domcfg *d);

/* The configuration as libxl_domain_config_gen_json prints it. */
yajl_gen_status domcfg_to_json(yajl_gen g, const struct domcfg *d);

/* The same as a string indented as `xl -N create` prints it; NULL: ENOMEM. */
char *domcfg_to_json_string(const struct domcfg *d);

/* libxl's names: "destroy", "restart_rename", ... and "pv"/"pvh". */
const char *domcfg_action_name(enum domcfg_action a);
const char *domcfg_type_name(enum domcfg_type t);
/* libxl's names of tsc_mode, timer_mode and passthrough ("unknown" for a
 * value out of range). */
const char *domcfg_tsc_mode_name(enum domcfg_tsc_mode m);
const char *domcfg_timer_mode_name(enum domcfg_timer_mode m);
const char *domcfg_passthrough_name(enum domcfg_passthrough p);

#endif
