/* measure: a map's sustained read rate, read-only and bounded (see
 * measure.h). */
#include "measure.h"
#include "../lib/fdio.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int blk_measure_fd(int fd, uint64_t size, unsigned ms, struct blk_rate *out, char *err,
		   size_t errlen)
{
	memset(out, 0, sizeof(*out));
	out->size = size;
	if (size < 512) {
		snprintf(err, errlen, "%llu bytes: too small to measure", (unsigned long long)size);
		return -EINVAL;
	}
	void *buf;
	if (posix_memalign(&buf, 4096, BLK_MEASURE_BLOCK)) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	uint64_t start = mono_ms(), end = start + ms, off = 0;
	int rc = 0;
	while (mono_ms() < end) {
		/* O_DIRECT wants whole sectors: the last read is cut to them. */
		size_t want = size - off < BLK_MEASURE_BLOCK ? (size_t)((size - off) & ~511ull)
							     : BLK_MEASURE_BLOCK;
		ssize_t n = want ? pread(fd, buf, want, (off_t)off) : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			snprintf(err, errlen, "read at byte %llu: %s", (unsigned long long)off,
				 strerror(errno));
			break;
		}
		out->bytes += (uint64_t)n;
		off += (uint64_t)n;
		if (n == 0 || off + 512 > size) {
			if (off == 0) {
				snprintf(err, errlen, "nothing could be read");
				rc = -EIO;
				break;
			}
			off = 0;
			out->wrapped = true;
		}
	}
	out->seconds = (double)(mono_ms() - start) / 1000.0;
	if (rc == 0 && out->seconds > 0)
		out->mbytes_s = (double)out->bytes / 1e6 / out->seconds;
	free(buf);
	return rc;
}

/* "dm-N" only. */
static bool dm_name(const char *s)
{
	size_t n = strlen(s);
	return n > 3 && n <= 10 && !strncmp(s, "dm-", 3) && strspn(s + 3, "0123456789") == n - 3;
}

/* ROOT/sys/block/NAME/dev ("MAJ:MIN") into *DEV. */
static int sys_dev(int root, const char *name, dev_t *dev, char *err, size_t errlen)
{
	char path[64], text[32] = "";
	unsigned ma, mi;
	int end = 0;
	snprintf(path, sizeof(path), "sys/block/%s/dev", name);
	int fd = openat(root, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof(text) - 1);
	int e = errno;
	if (fd >= 0)
		close(fd);
	if (n < 0) {
		snprintf(err, errlen, "/%s: %s: the device cannot be checked", path, strerror(e));
		return -e;
	}
	text[n] = '\0';
	if (sscanf(text, "%u:%u%n", &ma, &mi, &end) != 2 || (text[end] && text[end] != '\n')) {
		snprintf(err, errlen, "/%s: not MAJOR:MINOR", path);
		return -EINVAL;
	}
	*dev = makedev(ma, mi);
	return 0;
}

int blk_measure_map(const char *root, const struct mp_map *m, unsigned ms, struct blk_rate *out,
		    char *err, size_t errlen)
{
	if (!dm_name(m->sysfs)) {
		snprintf(err, errlen, "multipathd names its device '%s', not dm-N", m->sysfs);
		return -EINVAL;
	}
	int rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0) {
		snprintf(err, errlen, "%s: %s", root, strerror(errno));
		return -errno;
	}
	char path[32];
	dev_t want = 0;
	struct stat st;
	uint64_t size = 0;
	snprintf(path, sizeof(path), "dev/%s", m->sysfs);
	int rc = sys_dev(rfd, m->sysfs, &want, err, errlen);
	int fd = rc ? -1
		    : openat(rfd, path, O_RDONLY | O_DIRECT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY |
					    O_NONBLOCK);
	if (rc == 0 && fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "/%s: %s", path, strerror(errno));
	} else if (rc == 0 && (fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode))) {
		rc = -ENOTBLK;
		snprintf(err, errlen, "/%s: not a block device: not read", path);
	} else if (rc == 0 && st.st_rdev != want) {
		rc = -EINVAL;
		snprintf(err, errlen, "/%s is device %u:%u, and /sys/block/%s/dev says %u:%u: not read",
			 path, major(st.st_rdev), minor(st.st_rdev), m->sysfs, major(want),
			 minor(want));
	} else if (rc == 0 && ioctl(fd, BLKGETSIZE64, &size) < 0) {
		rc = -errno;
		snprintf(err, errlen, "/%s: its size: %s", path, strerror(errno));
	}
	if (rc == 0 && (rc = blk_measure_fd(fd, size, ms, out, err, errlen)) < 0) {
		char e2[256];
		snprintf(e2, sizeof(e2), "%s", err);
		snprintf(err, errlen, "/%s: %s", path, e2);
	}
	if (fd >= 0)
		close(fd);
	close(rfd);
	return rc;
}

int blk_verify_measure(const struct blk_host *h, const struct storage_policy *p,
		       unsigned seconds, struct blk_verify *v)
{
	uint64_t start = mono_ms();
	int rc = 0;
	for (size_t i = 0; i < h->mp.n_maps && rc == 0; i++) {
		const struct blk_map *bm = &h->maps[i];
		const struct mp_map *m = bm->mp;
		struct blk_rate r;
		char err[256], fig[48];
		if (!bm->live) {
			rc = blk_verify_add(v, false, "measure", m->uuid, "0 live paths",
					    "map %s: no live path: not read (a read would queue or fail)",
					    m->name);
			continue;
		}
		if (mono_ms() - start + 1000ull * seconds > 1000ull * BLK_MEASURE_TOTAL_S) {
			rc = blk_verify_add(v, false, "measure", m->uuid, "not measured",
					    "map %s: not read: the maps before it took the %d s a measure may take",
					    m->name, BLK_MEASURE_TOTAL_S);
			continue;
		}
		if (blk_measure_map(h->root, m, seconds * 1000, &r, err, sizeof(err)) < 0) {
			rc = blk_verify_add(v, false, "measure", m->uuid, "not measured", "map %s: %s",
					    m->name, err);
			continue;
		}
		snprintf(fig, sizeof(fig), "%.0f MB/s", r.mbytes_s);
		char again[160] = "";
		if (r.wrapped)
			snprintf(again, sizeof(again),
				 "; it holds %llu MiB, so its start was read again, which the array's cache may serve",
				 (unsigned long long)(r.size >> 20));
		rc = blk_verify_add(v, r.mbytes_s >= p->target_mbytes, "measure", m->uuid, fig,
				    "map %s: %.0f MB/s read over %.1f s (%llu MiB in 1 MiB O_DIRECT reads%s); the policy wants %u",
				    m->name, r.mbytes_s, r.seconds,
				    (unsigned long long)(r.bytes >> 20), again, p->target_mbytes);
	}
	return rc;
}
