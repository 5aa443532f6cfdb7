/* tune_live: multipathd's maps and the guests' disks on a live host. */
#include "tune_live.h"
#include "../lib/loop.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xenstore.h>
#include "../blkback/mpath.h"

int tune_live_multipathd(char **out, size_t *len, char *note, size_t notelen)
{
	*out = NULL;
	*len = 0;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(note, notelen, "multipathd: pipe: %s: no maps read", strerror(errno));
		return 0;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(note, notelen, "multipathd: fork: %s: no maps read", strerror(errno));
		close(p[0]);
		close(p[1]);
		return 0;
	}
	if (pid == 0) {
		dup2(p[1], 1);
		int nul = open("/dev/null", O_RDWR);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 2);
		}
		execlp("multipathd", "multipathd", "show", "maps", "json", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap + 1);
	int rc = buf ? 0 : -ENOMEM;
	uint64_t deadline = loop_now_ms() + TUNE_MULTIPATHD_TIMEOUT_MS;
	bool timed_out = false, too_big = false;
	while (rc == 0) {
		uint64_t now = loop_now_ms();
		if (now >= deadline) {
			timed_out = true;
			break;
		}
		struct pollfd pf = { p[0], POLLIN, 0 };
		int pr = poll(&pf, 1, (int)(deadline - now));
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			timed_out = pr == 0;
			break;
		}
		if (n == cap) {
			char *nb = cap >= MPATH_MAX_SIZE ? NULL : realloc(buf, cap * 2 + 1);
			if (!nb) {
				too_big = cap >= MPATH_MAX_SIZE;
				rc = too_big ? 0 : -ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(p[0], buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(p[0]);
	if (timed_out || too_big || rc < 0)
		kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc < 0 || timed_out || too_big || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 127)
			snprintf(note, notelen, "multipathd is not installed: no multipath maps");
		else if (timed_out)
			snprintf(note, notelen, "multipathd did not answer in %d s: no maps read",
				 TUNE_MULTIPATHD_TIMEOUT_MS / 1000);
		else if (too_big)
			snprintf(note, notelen, "multipathd's answer is over %u MiB: no maps read",
				 MPATH_MAX_SIZE >> 20);
		else if (rc == 0)
			snprintf(note, notelen, "multipathd show maps json failed (is multipathd "
				 "running?): no multipath maps");
		free(buf);
		return rc;
	}
	buf[n] = '\0';
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
