/*
 * vbds: which guest's disk sits on which block device of dom0. The real
 * source is xenstore's vbd backends (backend/vbd/DOMID/DEVID: the frontend's
 * "dev" and the "physical-device"), which xcdd holds and hands over in
 * memory on a live host (blk_host_read_with); under any other root a file
 * stands for it (ROOT/run/xcd/vbds in the fixtures), one disk a line:
 *
 *   # domid  vdev  device             [guest]
 *   5        xvda  /dev/mapper/mpatha  web1
 *   7        xvdb  dm-3
 */
#ifndef XCD_BLKBACK_VBDS_H
#define XCD_BLKBACK_VBDS_H
#include <stddef.h>

#define VBDS_FILE "run/xcd/vbds"
#define VBDS_MAX 65536

struct vbd {
	unsigned domid;  /* 1..32751 */
	char vdev[16];   /* xvda: what the frontend calls it, in blkback's thread names */
	char device[128]; /* /dev/mapper/NAME, /dev/dm-N or dm-N */
	char guest[64];  /* "" when the line gives none */
};

struct vbd_list {
	struct vbd *v;
	size_t n;
};

/* NAME names the input in messages (NAME:LINE: what). */
int vbds_parse(const char *name, const char *data, size_t len, struct vbd_list *out, char *err,
	       size_t errlen);
/* ROOT/VBDS_FILE; absent: no disks. */
int vbds_read(const char *root, struct vbd_list *out, char *err, size_t errlen);
void vbds_free(struct vbd_list *l);
#endif
