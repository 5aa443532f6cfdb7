/*
 * devices: a domain's vbd and vif devices in xenstore, as libxl writes them
 * (docs/misc/xenstore-paths; blkif.h, netif.h): the backend under
 * /local/domain/0/backend/KIND/DOMID/DEVID, owned by dom0 and readable by
 * the guest; the frontend under /local/domain/DOMID/device/KIND/DEVID,
 * owned by the guest and readable by dom0; both at state 1 (Initialising);
 * and libxl's private /libxl/DOMID/device/KIND/DEVID/{frontend,backend}.
 *
 * Then each device's hotplug script runs as libxl runs it: vbd with
 * add/remove, vif with online/offline. Where dom0's kernel has the backend
 * driver (/sys/bus/xen-backend/drivers/KIND), the script waits for the
 * backend to reach InitWait first, as libxl; where it has none (the
 * simulated host), nothing would ever move the backend, so the script runs
 * at once. Every wait is bounded. Only disks on the phy backend (raw block
 * devices and files, in dom0) are supported: anything QEMU would serve is
 * refused with the reason.
 */
#ifndef XCD_DEVICES_H
#define XCD_DEVICES_H
#include "domcfg.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xenstore.h>

/* libxl's LIBXL_INIT_TIMEOUT: how long a backend may take to reach InitWait. */
#define DEV_INIT_TIMEOUT_MS 10000

/* When a script waits for its backend's InitWait. */
enum dev_wait {
	DEV_WAIT_AUTO,	 /* where dom0's kernel has the backend driver */
	DEV_WAIT_ALWAYS, /* a backend is known to serve (e.g. a simulated one) */
	DEV_WAIT_NEVER,
};

struct dev_env {
	struct xs_handle *xs;
	enum dev_wait wait;
	const char *script_dir;	 /* where a script= without a '/' is */
	const char *sysfs_drivers; /* NULL: /sys/bus/xen-backend/drivers */
	int hotplug_timeout_ms;
	int init_timeout_ms;
	/* Told each step as it starts (a device job reports them); NULL: nobody. */
	void (*progress)(void *arg, const char *what);
	void *progress_arg;
};

/*
 * Checks every disk and vif of CFG (vdev, backend, format, duplicate devids)
 * without touching anything: 0, or -EINVAL with err naming the device.
 */
int dev_check(const struct domcfg *cfg, char *err, size_t errlen);

/*
 * Writes the entries of CFG's devices for domain DOMID (UUID: for the vifs'
 * default MACs) and runs their hotplug scripts. On failure every device is
 * removed again (dev_remove_all) and err says which device failed and why.
 */
int dev_add_all(const struct dev_env *e, uint32_t domid, const uint8_t uuid[16],
		const struct domcfg *cfg, char *err, size_t errlen);

/* dev_add_all's two halves: the entries (quick: xenstore writes), then the
 * waits for InitWait and the scripts (seconds: a device job runs them). Each
 * removes every device again when it fails. */
int dev_write_all(const struct dev_env *e, uint32_t domid, const uint8_t uuid[16],
		  const struct domcfg *cfg, char *err, size_t errlen);
int dev_plug_all(const struct dev_env *e, uint32_t domid, const struct domcfg *cfg, char *err,
		 size_t errlen);
/* Whether DOMID has a vbd or vif backend in xenstore (only those have
 * scripts for dev_remove_all to run). */
bool dev_backends(const struct dev_env *e, uint32_t domid);

/*
 * Runs the remove/offline scripts of DOMID's devices, as xenstore lists
 * them (so it works for a domain found again after a restart), and removes
 * their entries. Carries on past a failing script; the first failure is in err.
 */
int dev_remove_all(const struct dev_env *e, uint32_t domid, char *err, size_t errlen);
#endif
