/*
 * dmevent: the kernel's uevents for a multipath map's paths. When
 * dm-multipath fails a path (an I/O error, or multipathd's "fail_path"
 * after its checker found it down) or reinstates one, the kernel sends a
 * uevent for the map's dm device (drivers/md/dm-uevent.c) on
 * NETLINK_KOBJECT_UEVENT, group 1: a datagram "change@DEVPATH" followed by
 * KEY=VALUE strings, each ended by a NUL, among them
 *
 *   ACTION=change  SUBSYSTEM=block  DM_TARGET=multipath
 *   DM_ACTION=PATH_FAILED | PATH_REINSTATED
 *   DM_PATH=MAJOR:MINOR (the path's block device)  DM_NR_VALID_PATHS=N
 *   DM_NAME=the map's name  DM_UUID=mpath-WWID (multipathd's maps)
 *
 * The datagram comes from the kernel (xcdd takes only those whose sender
 * is port 0), but the parser is strict all the same (lengths, one of each
 * key, numbers in range) and fuzzed (fuzz/blkback/).
 */
#ifndef XCD_BLKBACK_DMEVENT_H
#define XCD_BLKBACK_DMEVENT_H
#include <stdbool.h>
#include <stddef.h>

#define DM_UEVENT_MAX 8192 /* the kernel's UEVENT_BUFFER_SIZE is 2048 */
#define DM_MAPNAME_MAX 128 /* DM_NAME_LEN, with the NUL */
#define DM_WWID_MAX 129	   /* DM_UUID_LEN less "mpath-", with the NUL */

struct dm_path_event {
	bool reinstated; /* PATH_REINSTATED; false: PATH_FAILED */
	char map[DM_MAPNAME_MAX];
	char wwid[DM_WWID_MAX]; /* DM_UUID less "mpath-"; "" if not of that form */
	unsigned major, minor;	/* DM_PATH */
	int nr_valid;		/* DM_NR_VALID_PATHS; -1 absent */
};

/*
 * The uevent of LEN bytes at BUF. 1 with *OUT filled when it is a
 * multipath map's path event; 0 for any other well-formed uevent (another
 * device, another action, a libudev message); -EINVAL for one that is not
 * well-formed (no "ACTION@DEVPATH" header, a string without '=' or without
 * its NUL, a key twice, DM_* values out of range), with ERR saying what
 * and where (the byte offset).
 */
int dm_uevent_parse(const void *buf, size_t len, struct dm_path_event *out, char *err,
		    size_t errlen);

/*
 * The name of block device MAJOR:MINOR ("sdb") under ROOT, from the link
 * sys/dev/block/MAJOR:MINOR. 0, or -ENOENT (gone), -ENAMETOOLONG.
 */
int dm_path_dev(const char *root, unsigned major, unsigned minor, char *dev, size_t size);
#endif
