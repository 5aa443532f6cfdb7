/* devices: vbd and vif entries in xenstore and their hotplug scripts. */
#include "devices.h"
#include "../lib/errmsg.h"
#include "../lib/log.h"
#include "devid.h"
#include "hotplug.h"
#include "xs_txn.h"
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* XenbusStateInitialising, InitWait (xen/io/xenbus.h). */
#define XB_INITIALISING "1"
#define XB_INITWAIT 2
/* The backend is looked at after 1 ms, then twice as late each time up to
 * this: a quick backend costs little, a slow one few reads. */
#define DEV_POLL_MAX_MS 50

enum kind { VBD, VIF };
static const char *const kind_name[] = { "vbd", "vif" };

/* One device's part of the environment and arguments of its script. */
struct dev_script {
	enum kind kind;
	int devid;
	char path[4096];
};

static int disk_devid(const struct disk *d, size_t i, int *devid, char *err, size_t errlen)
{
	char why[XCD_ERR_MAX];
	if (devid_from_vdev(d->vdev, devid, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "disk %zu: %s", i + 1, why);
		return -EINVAL;
	}
	if (d->backend_domname) {
		snprintf(err, errlen, "disk %zu (%s): backend=%s: driver domains are not supported "
			 "yet; the backend is dom0", i + 1, d->vdev, d->backend_domname);
		return -EINVAL;
	}
	if (d->format == DISK_FORMAT_EMPTY || !d->pdev_path || !d->pdev_path[0]) {
		snprintf(err, errlen, "disk %zu (%s): an empty drive needs QEMU's qdisk backend, "
			 "which xcd does not run", i + 1, d->vdev);
		return -EINVAL;
	}
	if (d->backend != DISK_BACKEND_UNKNOWN && d->backend != DISK_BACKEND_PHY) {
		snprintf(err, errlen, "disk %zu (%s): backendtype=%s: only phy (blkback) is "
			 "supported", i + 1, d->vdev, disk_backend_name(d->backend));
		return -EINVAL;
	}
	if (d->format != DISK_FORMAT_RAW) {
		snprintf(err, errlen, "disk %zu (%s): format=%s needs QEMU's qdisk backend; "
			 "blkback serves raw images only", i + 1, d->vdev,
			 disk_format_name(d->format));
		return -EINVAL;
	}
	return 0;
}

int dev_check(const struct domcfg *cfg, char *err, size_t errlen)
{
	int ids[256];
	if (cfg->n_disks > 256) {
		snprintf(err, errlen, "%zu disks: at most 256", cfg->n_disks);
		return -EINVAL;
	}
	for (size_t i = 0; i < cfg->n_disks; i++) {
		if (disk_devid(&cfg->disks[i], i, &ids[i], err, errlen) < 0)
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (ids[j] == ids[i]) {
				snprintf(err, errlen, "disk %zu (%s): the same device as disk %zu "
					 "(%s)", i + 1, cfg->disks[i].vdev, j + 1, cfg->disks[j].vdev);
				return -EINVAL;
			}
	}
	for (size_t i = 0; i < cfg->n_vifs; i++)
		if (cfg->vifs[i].backend_domname) {
			snprintf(err, errlen, "vif %zu: backend=%s: driver domains are not supported "
				 "yet; the backend is dom0", i + 1, cfg->vifs[i].backend_domname);
			return -EINVAL;
		}
	return 0;
}

/* SCRIPT as libxl resolves it: a bare name in the scripts folder. */
static void script_path(const struct dev_env *e, const char *script, const char *def,
			char *out, size_t len)
{
	const char *s = script && *script ? script : def;
	if (strchr(s, '/'))
		snprintf(out, len, "%s", s);
	else
		snprintf(out, len, "%s/%s", e->script_dir, s);
}

static void generic_entries(struct xst *x, enum kind k, uint32_t domid, int devid)
{
	const char *kn = kind_name[k];
	struct xs_permissions back[2] = { { .id = 0, .perms = XS_PERM_NONE },
					  { .id = domid, .perms = XS_PERM_READ } };
	struct xs_permissions front[2] = { { .id = domid, .perms = XS_PERM_NONE },
					   { .id = 0, .perms = XS_PERM_READ } };
	struct xs_permissions none[1] = { { .id = 0, .perms = XS_PERM_NONE } };
	char be[128], fe[128], v[32];
	snprintf(be, sizeof(be), "/local/domain/0/backend/%s/%u/%d", kn, domid, devid);
	snprintf(fe, sizeof(fe), "/local/domain/%u/device/%s/%d", domid, kn, devid);
	xst_rm(x, "%s", be);
	xst_rm(x, "%s", fe);
	xst_node(x, back, 2, "%s", be);
	xst_node(x, front, 2, "%s", fe);
	xst_put(x, fe, "%s/frontend", be);
	snprintf(v, sizeof(v), "%u", domid);
	xst_put(x, v, "%s/frontend-id", be);
	xst_put(x, "1", "%s/online", be);
	xst_put(x, XB_INITIALISING, "%s/state", be);
	xst_put(x, be, "%s/backend", fe);
	xst_put(x, "0", "%s/backend-id", fe);
	xst_put(x, XB_INITIALISING, "%s/state", fe);
	xst_node(x, none, 1, "/libxl/%u/device/%s/%d", domid, kn, devid);
	xst_put(x, fe, "/libxl/%u/device/%s/%d/frontend", domid, kn, devid);
	xst_put(x, be, "/libxl/%u/device/%s/%d/backend", domid, kn, devid);
}

static void vbd_entries(struct xst *x, const struct dev_env *e, uint32_t domid, int devid,
			const struct disk *d)
{
	char be[128], fe[128], v[32], script[4096];
	snprintf(be, sizeof(be), "/local/domain/0/backend/vbd/%u/%d", domid, devid);
	snprintf(fe, sizeof(fe), "/local/domain/%u/device/vbd/%d", domid, devid);
	generic_entries(x, VBD, domid, devid);
	script_path(e, d->script, "block", script, sizeof(script));
	xst_put(x, d->pdev_path, "%s/params", be);
	xst_put(x, script, "%s/script", be);
	xst_put(x, d->removable ? "1" : "0", "%s/removable", be);
	xst_put(x, "1", "%s/bootable", be);
	xst_put(x, d->vdev, "%s/dev", be);
	xst_put(x, "phy", "%s/type", be);
	xst_put(x, d->readwrite ? "w" : "r", "%s/mode", be);
	xst_put(x, d->is_cdrom ? "cdrom" : "disk", "%s/device-type", be);
	if (d->direct_io_safe)
		xst_put(x, "1", "%s/direct-io-safe", be);
	xst_put(x, d->discard_enable == CFG_DEFBOOL_FALSE ? "0" : "1", "%s/discard-enable", be);
	xst_put(x, "xen", "%s/specification", be);
	snprintf(v, sizeof(v), "%d", devid);
	xst_put(x, v, "%s/virtual-device", fe);
	xst_put(x, d->is_cdrom ? "cdrom" : "disk", "%s/device-type", fe);
	xst_put(x, d->trusted == CFG_DEFBOOL_FALSE ? "0" : "1", "%s/trusted", fe);
}

static void vif_entries(struct xst *x, const struct dev_env *e, uint32_t domid,
			const uint8_t uuid[16], const struct vif *n)
{
	char be[128], fe[128], v[64], mac[18], script[4096];
	int devid = n->devid;
	snprintf(be, sizeof(be), "/local/domain/0/backend/vif/%u/%d", domid, devid);
	snprintf(fe, sizeof(fe), "/local/domain/%u/device/vif/%d", domid, devid);
	generic_entries(x, VIF, domid, devid);
	static const uint8_t zero[6];
	uint8_t m[6];
	if (memcmp(n->mac, zero, 6) == 0)
		devid_default_mac(uuid, devid, m);
	else
		memcpy(m, n->mac, 6);
	devid_mac_string(m, mac);
	script_path(e, n->script, "vif-bridge", script, sizeof(script));
	xst_put(x, script, "%s/script", be);
	if (n->ifname)
		xst_put(x, n->ifname, "%s/vifname", be);
	if (n->ip)
		xst_put(x, n->ip, "%s/ip", be);
	if (n->gatewaydev)
		xst_put(x, n->gatewaydev, "%s/gatewaydev", be);
	if (n->rate_interval_usecs > 0) {
		snprintf(v, sizeof(v), "%" PRIu64 ",%" PRIu32, n->rate_bytes_per_interval,
			 n->rate_interval_usecs);
		xst_put(x, v, "%s/rate", be);
	}
	xst_put(x, n->bridge ? n->bridge : "xenbr0", "%s/bridge", be);
	snprintf(v, sizeof(v), "%d", devid);
	xst_put(x, v, "%s/handle", be);
	xst_put(x, mac, "%s/mac", be);
	xst_put(x, "vif", "%s/type", be);
	snprintf(v, sizeof(v), "%d", n->mtu ? n->mtu : 1500);
	xst_put(x, v, "%s/mtu", be);
	snprintf(v, sizeof(v), "%d", devid);
	xst_put(x, v, "%s/handle", fe);
	xst_put(x, mac, "%s/mac", fe);
	snprintf(v, sizeof(v), "%d", n->mtu ? n->mtu : 1500);
	xst_put(x, v, "%s/mtu", fe);
	xst_put(x, n->trusted == CFG_DEFBOOL_FALSE ? "0" : "1", "%s/trusted", fe);
}

static void progress(const struct dev_env *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void progress(const struct dev_env *e, const char *fmt, ...)
{
	if (!e->progress)
		return;
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	e->progress(e->progress_arg, what);
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* libxl waits for InitWait before the script; only a backend driver moves it. */
static int wait_initwait(const struct dev_env *e, enum kind k, uint32_t domid, int devid,
			 char *err, size_t errlen)
{
	char drv[256];
	snprintf(drv, sizeof(drv), "%s/%s",
		 e->sysfs_drivers ? e->sysfs_drivers : "/sys/bus/xen-backend/drivers",
		 kind_name[k]);
	if (e->wait == DEV_WAIT_NEVER || (e->wait == DEV_WAIT_AUTO && access(drv, F_OK) != 0))
		return 0;
	progress(e, "%s %d: waiting for the backend's InitWait", kind_name[k], devid);
	for (long waited = 0, nap = 1; waited <= e->init_timeout_ms; waited += nap) {
		char *s = xst_read(e->xs, "/local/domain/0/backend/%s/%u/%d/state", kind_name[k],
				   domid, devid);
		int st = s ? atoi(s) : 0;
		free(s);
		if (st >= XB_INITWAIT)
			return 0;
		nap = nap * 2 > DEV_POLL_MAX_MS ? DEV_POLL_MAX_MS : nap * 2;
		nap_ms(nap);
	}
	snprintf(err, errlen, "%s %d: the backend did not reach InitWait in %d s", kind_name[k],
		 devid, e->init_timeout_ms / 1000);
	return -ETIMEDOUT;
}

/* Runs the script named in the backend's script node with libxl's environment. */
static int run_script(const struct dev_env *e, enum kind k, uint32_t domid, int devid,
		      bool add, char *err, size_t errlen)
{
	char *script = xst_read(e->xs, "/local/domain/0/backend/%s/%u/%d/script", kind_name[k],
				domid, devid);
	if (!script)
		return 0; /* nothing to run */
	char e_script[4200], e_type[32], e_path[128], e_vif[64], e_netdev[300];
	char *env[8];
	int n = 0;
	snprintf(e_script, sizeof(e_script), "script=%s", script);
	snprintf(e_type, sizeof(e_type), "XENBUS_TYPE=%s", kind_name[k]);
	snprintf(e_path, sizeof(e_path), "XENBUS_PATH=backend/%s/%u/%d", kind_name[k], domid,
		 devid);
	env[n++] = e_script;
	env[n++] = e_type;
	env[n++] = e_path;
	env[n++] = (char *)"XENBUS_BASE_PATH=backend";
	if (k == VIF) {
		char name[32];
		devid_vif_name(domid, devid, name, sizeof(name));
		snprintf(e_vif, sizeof(e_vif), "vif=%s", name);
		char *gw = xst_read(e->xs, "/local/domain/0/backend/vif/%u/%d/gatewaydev", domid,
				    devid);
		snprintf(e_netdev, sizeof(e_netdev), "netdev=%.250s", gw ? gw : "");
		free(gw);
		env[n++] = e_vif;
		env[n++] = e_netdev;
	}
	env[n] = NULL;
	const char *arg = k == VIF ? (add ? "online" : "offline") : (add ? "add" : "remove");
	char why[XCD_ERR_MAX];
	progress(e, "%s %d: hotplug script %s %s", kind_name[k], devid, script, arg);
	int rc = hotplug_run(script, arg, env, e->hotplug_timeout_ms, why, sizeof(why));
	if (rc < 0) {
		/* Xen's scripts leave their reason in hotplug-error. */
		char *he = xst_read(e->xs, "/local/domain/0/backend/%s/%u/%d/hotplug-error",
				    kind_name[k], domid, devid);
		bool said = !he || strstr(why, he); /* our scripts print it too */
		snprintf(err, errlen, "%s %d of domain %u: %s%s%.200s", kind_name[k], devid, domid,
			 why, said ? "" : "; hotplug-error: ", said ? "" : he);
		free(he);
	} else {
		log_info("%s %d of domain %u: %s %s done", kind_name[k], devid, domid, script,
			 arg);
	}
	free(script);
	return rc;
}

static int write_device(const struct dev_env *e, uint32_t domid, const uint8_t uuid[16],
			const struct domcfg *cfg, enum kind k, size_t i, int devid, char *err,
			size_t errlen)
{
	int rc = -EAGAIN;
	for (int tries = 0; tries < XST_TRIES && rc == -EAGAIN; tries++) {
		struct xst x;
		xst_begin(&x, e->xs);
		if (k == VBD)
			vbd_entries(&x, e, domid, devid, &cfg->disks[i]);
		else
			vif_entries(&x, e, domid, uuid, &cfg->vifs[i]);
		rc = xst_end(&x, err, errlen);
	}
	return rc;
}

/* Device J of CFG, disks first: its kind, index among its kind and devid
 * (dev_check has vouched for the vdev). */
static void nth_device(const struct domcfg *cfg, size_t j, enum kind *k, size_t *i, int *devid)
{
	char err[XCD_ERR_MAX];
	*k = j < cfg->n_disks ? VBD : VIF;
	*i = *k == VBD ? j : j - cfg->n_disks;
	*devid = 0;
	if (*k == VBD)
		devid_from_vdev(cfg->disks[*i].vdev, devid, err, sizeof(err));
	else
		*devid = cfg->vifs[*i].devid;
}

int dev_write_all(const struct dev_env *e, uint32_t domid, const uint8_t uuid[16],
		  const struct domcfg *cfg, char *err, size_t errlen)
{
	int rc = dev_check(cfg, err, errlen);
	if (rc < 0)
		return rc;
	size_t n = cfg->n_disks + cfg->n_vifs;
	enum kind k;
	size_t i;
	int devid;
	/* Entries first, then the scripts, as libxl: a script may look at them all. */
	for (size_t j = 0; j < n && rc == 0; j++) {
		nth_device(cfg, j, &k, &i, &devid);
		rc = write_device(e, domid, uuid, cfg, k, i, devid, err, errlen);
	}
	if (rc < 0) {
		char rerr[XCD_ERR_MAX];
		if (dev_remove_all(e, domid, rerr, sizeof(rerr)) < 0)
			log_warn("undoing the devices of domain %u: %s", domid, rerr);
	}
	return rc;
}

int dev_plug_all(const struct dev_env *e, uint32_t domid, const struct domcfg *cfg, char *err,
		 size_t errlen)
{
	size_t n = cfg->n_disks + cfg->n_vifs;
	enum kind k;
	size_t i;
	int devid, rc = 0;
	for (size_t j = 0; j < n && rc == 0; j++) {
		nth_device(cfg, j, &k, &i, &devid);
		if ((rc = wait_initwait(e, k, domid, devid, err, errlen)) < 0)
			break;
		/* Marked before it runs: a script that failed half way is undone too. */
		char path[128];
		snprintf(path, sizeof(path), "/libxl/%u/device/%s/%d/hotplug", domid, kind_name[k],
			 devid);
		if (!xs_write(e->xs, XBT_NULL, path, "add", 3)) {
			rc = errno ? -errno : -EIO;
			snprintf(err, errlen, "xenstore write %s: %s", path, strerror(-rc));
			break;
		}
		rc = run_script(e, k, domid, devid, true, err, errlen);
	}
	if (rc < 0) {
		char rerr[XCD_ERR_MAX];
		if (dev_remove_all(e, domid, rerr, sizeof(rerr)) < 0)
			log_warn("undoing the devices of domain %u: %s", domid, rerr);
	}
	return rc;
}

int dev_add_all(const struct dev_env *e, uint32_t domid, const uint8_t uuid[16],
		const struct domcfg *cfg, char *err, size_t errlen)
{
	int rc = dev_write_all(e, domid, uuid, cfg, err, errlen);
	return rc < 0 ? rc : dev_plug_all(e, domid, cfg, err, errlen);
}

bool dev_backends(const struct dev_env *e, uint32_t domid)
{
	for (enum kind k = VBD; k <= VIF; k++) {
		unsigned num = 0;
		char dir[128];
		snprintf(dir, sizeof(dir), "/local/domain/0/backend/%s/%u", kind_name[k], domid);
		char **ids = xs_directory(e->xs, XBT_NULL, dir, &num);
		free(ids);
		if (ids && num > 0)
			return true;
	}
	return false;
}

int dev_remove_all(const struct dev_env *e, uint32_t domid, char *err, size_t errlen)
{
	int first = 0;
	for (enum kind k = VBD; k <= VIF; k++) {
		char dir[128];
		snprintf(dir, sizeof(dir), "/local/domain/0/backend/%s/%u", kind_name[k], domid);
		unsigned num = 0;
		char **ids = xs_directory(e->xs, XBT_NULL, dir, &num);
		for (unsigned i = 0; ids && i < num; i++) {
			char *end;
			long devid = strtol(ids[i], &end, 10);
			if (*end || devid < 0 || devid > INT32_MAX)
				continue;
			/* As libxl's forced removal: the backend is told to close
			 * (online 0, state 5) and not waited for, the guest being
			 * on its way out; a backend that answers after the
			 * directory went must not bring it back (Linux's
			 * xenbus_switch_state and xcd-sim's backends check). */
			struct xst x;
			char why0[320];
			if (xst_begin(&x, e->xs) == 0) {
				xst_put(&x, "0", "%s/%ld/online", dir, devid);
				xst_put(&x, "5", "%s/%ld/state", dir, devid);
				if (xst_end(&x, why0, sizeof(why0)) < 0)
					log_debug("%s", why0);
			}
			char *mark = xst_read(e->xs, "/libxl/%u/device/%s/%ld/hotplug", domid,
					      kind_name[k], devid);
			char why[XCD_ERR_MAX];
			int rc = mark ? run_script(e, k, domid, (int)devid, false, why, sizeof(why))
				      : 0;
			free(mark);
			if (rc < 0) {
				log_warn("%s", why);
				if (!first) {
					first = rc;
					snprintf(err, errlen, "%s", why);
				}
			}
		}
		free(ids);
		int rc = -EAGAIN;
		char why[XCD_ERR_MAX];
		for (int tries = 0; tries < XST_TRIES && rc == -EAGAIN; tries++) {
			struct xst x;
			xst_begin(&x, e->xs);
			xst_rm(&x, "%s", dir);
			xst_rm(&x, "/local/domain/%u/device/%s", domid, kind_name[k]);
			xst_rm(&x, "/libxl/%u/device/%s", domid, kind_name[k]);
			rc = xst_end(&x, why, sizeof(why));
		}
		if (rc < 0 && !first) {
			first = rc;
			snprintf(err, errlen, "%s", why);
		}
	}
	return first;
}
