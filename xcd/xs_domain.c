/* xs_domain: a domain's home, /vm and /libxl entries in xenstore. */
#include "xs_domain.h"
#include "xs_txn.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The primary console's limit and type, as libxl writes them. */
#define XSD_CONSOLE_LIMIT "1048576"

static void perms_ro(struct xs_permissions p[2], uint32_t domid)
{
	p[0] = (struct xs_permissions){ .id = 0, .perms = XS_PERM_NONE };
	p[1] = (struct xs_permissions){ .id = domid, .perms = XS_PERM_READ };
}

static void write_entries(struct xst *x, const struct xsd_domain *d)
{
	struct xs_permissions ro[2], rw[1] = { { .id = d->domid, .perms = XS_PERM_NONE } },
				     none[1] = { { .id = 0, .perms = XS_PERM_NONE } };
	perms_ro(ro, d->domid);
	const char *home = "/local/domain";
	uint32_t id = d->domid;
	char num[32];

	xst_rm(x, "%s/%u", home, id);
	xst_rm(x, "/vm/%s", d->uuid);
	xst_rm(x, "/libxl/%u", id);
	xst_node(x, ro, 2, "%s/%u", home, id);
	xst_node(x, ro, 2, "/vm/%s", d->uuid);
	xst_node(x, none, 1, "/libxl/%u", id);
	xst_put(x, d->pvh ? "pvh" : "pv", "/libxl/%u/type", id);

	xst_put(x, d->name, "%s/%u/name", home, id);
	snprintf(num, sizeof(num), "%u", id);
	xst_put(x, num, "%s/%u/domid", home, id);
	char vm[64];
	snprintf(vm, sizeof(vm), "/vm/%s", d->uuid);
	xst_put(x, vm, "%s/%u/vm", home, id);

	xst_node(x, ro, 2, "%s/%u/device", home, id);
	/* ~/device is the guest's to read only: the node it may fill with its
	 * suspend event channel is made for it, empty (xenstore-paths). */
	xst_node(x, rw, 1, "%s/%u/device/suspend/event-channel", home, id);
	xst_node(x, ro, 2, "%s/%u/control", home, id);
	static const char *const guest_control[] = { "shutdown", "feature-poweroff",
						     "feature-reboot", "feature-suspend",
						     "sysrq" };
	for (size_t i = 0; i < sizeof(guest_control) / sizeof(guest_control[0]); i++)
		xst_node(x, rw, 1, "%s/%u/control/%s", home, id, guest_control[i]);
	xst_put(x, "1", "%s/%u/control/platform-feature-multiprocessor-suspend", home, id);
	xst_put(x, "1", "%s/%u/control/platform-feature-xs_reset_watches", home, id);
	static const char *const guest_dirs[] = { "data", "drivers", "feature", "attr", "error" };
	for (size_t i = 0; i < sizeof(guest_dirs) / sizeof(guest_dirs[0]); i++)
		xst_node(x, rw, 1, "%s/%u/%s", home, id, guest_dirs[i]);

	snprintf(num, sizeof(num), "%" PRIu64, d->max_kb);
	xst_put(x, num, "%s/%u/memory/static-max", home, id);
	snprintf(num, sizeof(num), "%" PRIu64, d->target_kb);
	xst_put(x, num, "%s/%u/memory/target", home, id);
	for (uint32_t k = 0; k < d->max_vcpus; k++)
		xst_put(x, k < d->vcpus ? "online" : "offline", "%s/%u/cpu/%u/availability", home,
			id, k);

	/* The primary console: xenconsoled's, logging to a pty, as libxl's.
	 * Every node of it is dom0's and only read by the guest, tty above all:
	 * `xcd console` opens the path it holds as root. */
	xst_node(x, ro, 2, "%s/%u/console", home, id);
	xst_put(x, XSD_CONSOLE_LIMIT, "%s/%u/console/limit", home, id);
	xst_put(x, "xenconsoled", "%s/%u/console/type", home, id);
	xst_put(x, "pty", "%s/%u/console/output", home, id);
	xst_node(x, ro, 2, "%s/%u/console/tty", home, id);

	xst_put(x, d->uuid, "/vm/%s/uuid", d->uuid);
	xst_put(x, d->name, "/vm/%s/name", d->uuid);
	char t[48];
	snprintf(t, sizeof(t), "%lld.%02ld", d->start_sec, d->start_usec / 10000);
	xst_put(x, t, "/vm/%s/start_time", d->uuid);
	/* libxl builds PVH through its HVM path, which says "hvm". */
	xst_put(x, d->pvh ? "hvm" : "linux", "/vm/%s/image/ostype", d->uuid);
	if (d->kernel)
		xst_put(x, d->kernel, "/vm/%s/image/kernel", d->uuid);
	if (d->ramdisk)
		xst_put(x, d->ramdisk, "/vm/%s/image/ramdisk", d->uuid);
	if (d->cmdline)
		xst_put(x, d->cmdline, "/vm/%s/image/cmdline", d->uuid);
}

int xsd_create(struct xs_handle *xs, const struct xsd_domain *d, char *err, size_t errlen)
{
	int rc = -EAGAIN;
	for (int tries = 0; tries < XST_TRIES && rc == -EAGAIN; tries++) {
		struct xst x;
		xst_begin(&x, xs);
		write_entries(&x, d);
		rc = xst_end(&x, err, errlen);
	}
	if (rc == -EAGAIN)
		snprintf(err, errlen, "xenstore: the entries of domain %u kept conflicting",
			 d->domid);
	return rc;
}

int xsd_built(struct xs_handle *xs, uint32_t domid, const struct hv_build_result *b,
	      char *err, size_t errlen)
{
	int rc = -EAGAIN;
	for (int tries = 0; tries < XST_TRIES && rc == -EAGAIN; tries++) {
		struct xst x;
		char v[32];
		xst_begin(&x, xs);
		if (b->store_pfn) {
			snprintf(v, sizeof(v), "%u", b->store_port);
			xst_put(&x, v, "/local/domain/%u/store/port", domid);
			snprintf(v, sizeof(v), "%" PRIu64, b->store_pfn);
			xst_put(&x, v, "/local/domain/%u/store/ring-ref", domid);
		}
		if (b->console_pfn) {
			snprintf(v, sizeof(v), "%u", b->console_port);
			xst_put(&x, v, "/local/domain/%u/console/port", domid);
			snprintf(v, sizeof(v), "%" PRIu64, b->console_pfn);
			xst_put(&x, v, "/local/domain/%u/console/ring-ref", domid);
		}
		rc = xst_end(&x, err, errlen);
	}
	if (rc < 0)
		return rc;
	/* Without a ring there is nothing for xenstored to connect to. */
	if (b->store_pfn &&
	    !xs_introduce_domain(xs, domid, (unsigned long)b->store_pfn, b->store_port)) {
		rc = errno ? -errno : -EIO;
		snprintf(err, errlen, "xenstore INTRODUCE of domain %u (ring %" PRIu64 ", port %u): %s",
			 domid, b->store_pfn, b->store_port, strerror(-rc));
		return rc;
	}
	return 0;
}

int xsd_remove(struct xs_handle *xs, uint32_t domid, const char *uuid, char *err,
	       size_t errlen)
{
	/* xenstored may let a dead domain go on its own (@releaseDomain) between
	 * the question and the RELEASE: ENOENT then is no failure, and the
	 * entries go whatever RELEASE said. */
	int released = 0;
	if (xs_is_domain_introduced(xs, domid) && !xs_release_domain(xs, domid) &&
	    errno != ENOENT)
		released = errno ? -errno : -EIO;
	int rc = -EAGAIN;
	for (int tries = 0; tries < XST_TRIES && rc == -EAGAIN; tries++) {
		struct xst x;
		xst_begin(&x, xs);
		xst_rm(&x, "/local/domain/%u", domid);
		if (uuid)
			xst_rm(&x, "/vm/%s", uuid);
		xst_rm(&x, "/libxl/%u", domid);
		rc = xst_end(&x, err, errlen);
	}
	if (rc == -EAGAIN)
		snprintf(err, errlen, "xenstore: removing the entries of domain %u kept conflicting",
			 domid);
	if (rc == 0 && released < 0) {
		snprintf(err, errlen, "xenstore RELEASE of domain %u: %s", domid,
			 strerror(-released));
		rc = released;
	}
	return rc;
}

int xsd_rename(struct xs_handle *xs, uint32_t domid, const char *uuid, const char *name,
	       char *err, size_t errlen)
{
	int rc = -EAGAIN;
	for (int tries = 0; tries < XST_TRIES && rc == -EAGAIN; tries++) {
		struct xst x;
		xst_begin(&x, xs);
		xst_put(&x, name, "/local/domain/%u/name", domid);
		xst_put(&x, name, "/vm/%s/name", uuid);
		rc = xst_end(&x, err, errlen);
	}
	return rc;
}

int xsd_set_uuid(struct xs_handle *xs, uint32_t domid, const char *old, const char *uuid,
		 char *err, size_t errlen)
{
	/* What xsd_create writes under /vm/UUID, besides uuid itself. */
	static const char *const nodes[] = { "name", "start_time", "image/ostype",
					     "image/kernel", "image/ramdisk", "image/cmdline" };
	enum { N = sizeof(nodes) / sizeof(*nodes) };
	char *val[N];
	for (int k = 0; k < N; k++)
		val[k] = xst_read(xs, "/vm/%s/%s", old, nodes[k]);
	struct xs_permissions ro[2];
	perms_ro(ro, domid);
	char vm[64];
	snprintf(vm, sizeof(vm), "/vm/%s", uuid);
	int rc = -EAGAIN;
	for (int tries = 0; tries < XST_TRIES && rc == -EAGAIN; tries++) {
		struct xst x;
		xst_begin(&x, xs);
		xst_rm(&x, "/vm/%s", uuid);
		xst_node(&x, ro, 2, "%s", vm);
		xst_put(&x, uuid, "%s/uuid", vm);
		for (int k = 0; k < N; k++)
			if (val[k])
				xst_put(&x, val[k], "%s/%s", vm, nodes[k]);
		xst_rm(&x, "/vm/%s", old);
		xst_put(&x, vm, "/local/domain/%u/vm", domid);
		rc = xst_end(&x, err, errlen);
	}
	for (int k = 0; k < N; k++)
		free(val[k]);
	return rc;
}

int xsd_set_memory(struct xs_handle *xs, uint32_t domid, const char *node, uint64_t kb,
		   char *err, size_t errlen)
{
	char path[96], v[32];
	snprintf(path, sizeof(path), "/local/domain/%u/memory/%s", domid, node);
	snprintf(v, sizeof(v), "%" PRIu64, kb);
	if (!xs_write(xs, XBT_NULL, path, v, strlen(v))) {
		int rc = errno ? -errno : -EIO;
		snprintf(err, errlen, "xenstore write %s: %s", path, strerror(-rc));
		return rc;
	}
	return 0;
}

int xsd_set_vcpus(struct xs_handle *xs, uint32_t domid, uint32_t max, uint32_t online,
		  char *err, size_t errlen)
{
	int rc = -EAGAIN;
	for (int tries = 0; tries < XST_TRIES && rc == -EAGAIN; tries++) {
		struct xst x;
		xst_begin(&x, xs);
		for (uint32_t k = 0; k < max; k++)
			xst_put(&x, k < online ? "online" : "offline",
				"/local/domain/%u/cpu/%u/availability", domid, k);
		rc = xst_end(&x, err, errlen);
	}
	return rc;
}

int xsd_resumed_features(struct xs_handle *xs, uint32_t domid, char *err, size_t errlen)
{
	int rc = -EAGAIN;
	for (int tries = 0; tries < XST_TRIES && rc == -EAGAIN; tries++) {
		struct xst x;
		xst_begin(&x, xs);
		static const char *const cmds[] = { "poweroff", "reboot", "suspend" };
		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			xst_put(&x, "1", "/local/domain/%u/control/feature-%s", domid, cmds[i]);
		rc = xst_end(&x, err, errlen);
	}
	return rc;
}

bool xsd_pv_control(struct xs_handle *xs, uint32_t domid, const char *command)
{
	char *v = xst_read(xs, "/local/domain/%u/control/feature-%s", domid, command);
	bool yes = v && strcmp(v, "1") == 0;
	free(v);
	return yes;
}

int xsd_request_shutdown(struct xs_handle *xs, uint32_t domid, const char *command, char *err,
			 size_t errlen)
{
	char path[64];
	snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", domid);
	if (!xs_write(xs, XBT_NULL, path, command, strlen(command))) {
		int rc = errno ? -errno : -EIO;
		snprintf(err, errlen, "xenstore write %s: %s", path, strerror(-rc));
		return rc;
	}
	return 0;
}

bool xsd_is_ours(struct xs_handle *xs, uint32_t domid, const char *uuid)
{
	char want[64];
	snprintf(want, sizeof(want), "/vm/%s", uuid);
	char *v = xst_read(xs, "/local/domain/%u/vm", domid);
	bool yes = v && strcmp(v, want) == 0;
	free(v);
	return yes;
}
