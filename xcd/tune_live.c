/* tune_live: multipathd's maps and the guests' disks on a live host. */
#include "tune_live.h"
#include "../lib/runcmd.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>
#include "../blkback/host.h"
#include "../blkback/mpath.h"

int tune_live_multipathd(char **out, size_t *len, char *note, size_t notelen)
{
	char *argv[] = { "multipathd", "show", "maps", "json", NULL };
	struct run_result r;
	char *buf;
	size_t n;
	*out = NULL;
	*len = 0;
	int rc = run_capture(argv, TUNE_MULTIPATHD_TIMEOUT_MS, MPATH_MAX_SIZE, &buf, &n, &r);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0) {
		snprintf(note, notelen, "multipathd: %s: no maps read", strerror(-rc));
		return 0;
	}
	if (!run_ok(&r)) {
		if (r.not_found)
			snprintf(note, notelen, "multipathd is not installed: no multipath maps");
		else if (r.timed_out)
			snprintf(note, notelen, "multipathd did not answer in %d s: no maps read",
				 TUNE_MULTIPATHD_TIMEOUT_MS / 1000);
		else if (r.too_big)
			snprintf(note, notelen, "multipathd's answer is over %u MiB: no maps read",
				 MPATH_MAX_SIZE >> 20);
		else
			snprintf(note, notelen, "multipathd show maps json failed (is multipathd "
				 "running?): no multipath maps");
		free(buf);
		return 0;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* "/dev/dm-N" when PATH resolves to a device-mapper device, else "". */
static void dm_device(const char *path, char *out, size_t len)
{
	char real[PATH_MAX];
	out[0] = '\0';
	if (realpath(path, real) && strncmp(real, "/dev/dm-", 8) == 0 && strlen(real) < len)
		strcpy(out, real);
}

int tune_live_vbds(const struct tune_dom *doms, size_t n, struct vbd_list *out, char *note,
		   size_t notelen)
{
	memset(out, 0, sizeof(*out));
	if (n == 0)
		return 0;
	struct xs_handle *xs = xs_open(0);
	if (!xs) {
		snprintf(note, notelen, "xenstore could not be read (%s): the guests' disks are "
			 "not shown", strerror(errno));
		return 0;
	}
	size_t cap = 0, skipped = 0;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char path[128];
		unsigned nd = 0;
		snprintf(path, sizeof(path), "backend/vbd/%u", doms[i].domid);
		char **devs = xs_directory(xs, XBT_NULL, path, &nd);
		for (unsigned k = 0; devs && k < nd && rc == 0 && out->n < VBDS_MAX; k++) {
			char key[192];
			unsigned l;
			snprintf(key, sizeof(key), "%s/%s/physical-device-path", path, devs[k]);
			char *dev = xs_read(xs, XBT_NULL, key, &l);
			if (!dev) {
				snprintf(key, sizeof(key), "%s/%s/params", path, devs[k]);
				dev = xs_read(xs, XBT_NULL, key, &l);
			}
			snprintf(key, sizeof(key), "%s/%s/dev", path, devs[k]);
			char *vdev = xs_read(xs, XBT_NULL, key, &l);
			struct vbd v = { .domid = doms[i].domid };
			if (dev)
				dm_device(dev, v.device, sizeof(v.device));
			if (!v.device[0] || !vdev || strlen(vdev) >= sizeof(v.vdev)) {
				skipped++;
			} else {
				snprintf(v.vdev, sizeof(v.vdev), "%s", vdev);
				snprintf(v.guest, sizeof(v.guest), "%s", doms[i].name);
				if (out->n == cap) {
					size_t nc = cap ? cap * 2 : 16;
					struct vbd *nv = realloc(out->v, nc * sizeof(*nv));
					if (!nv)
						rc = -ENOMEM;
					else {
						out->v = nv;
						cap = nc;
					}
				}
				if (rc == 0)
					out->v[out->n++] = v;
			}
			free(dev);
			free(vdev);
		}
		free(devs);
	}
	xs_close(xs);
	if (skipped && !note[0])
		snprintf(note, notelen, "%zu guest disk(s) are not on a device-mapper device: "
			 "not tied to a multipath map", skipped);
	if (rc < 0)
		vbds_free(out);
	return rc;
}

int tune_live_storage(const struct tune_dom *doms, size_t n, struct blk_inputs *in, char **mp,
		      struct vbd_list *vbds, char *note, size_t notelen)
{
	char mnote[512] = "", vnote[256] = "";
	memset(in, 0, sizeof(*in));
	*mp = NULL;
	if (tune_live_multipathd(mp, &in->mpath_len, mnote, sizeof(mnote)) < 0 ||
	    tune_live_vbds(doms, n, vbds, vnote, sizeof(vnote)) < 0)
		return -ENOMEM;
	in->mpath_json = *mp;
	in->vbds = vbds;
	snprintf(note, notelen, "%s%s%s", mnote, mnote[0] && vnote[0] ? "; " : "", vnote);
	return 0;
}
