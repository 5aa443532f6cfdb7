/*
 * policy: the storage keys of /etc/xcd/io.conf (xl.cfg syntax, read with
 * lib/cfgfile.h), what the host should be:
 *
 *   storage_target_mbytes = 400     throughput the host's FC paths must carry, MB/s
 *   storage_paths = 2               live paths each LUN must keep
 *   storage_hbas = 2                distinct HBAs those paths must run through
 *                                   (default: the smaller of storage_paths and 2)
 *   storage_no_path_retry = 12      checks (of 5 s) a map queues once its last
 *                                   path is gone; bounded: never "queue"
 *   storage_fast_io_fail_tmo = 5    seconds before I/O on a lost FC port fails over
 *   storage_target_port_gbit = 8    the arrays' port speed, which Linux's FC
 *                                   transport does not report (default: taken
 *                                   as the HBA port's)
 *   storage_queues = "auto"         xen-blkback max_queues: "auto" or 1..256
 *   lun = [ "wwid=3600a0b80001234,paths=4,hbas=2" ]   per-LUN overrides
 *
 * Keys starting with storage_ that are not these, and lun entries with
 * unknown parts, are refused with FILE:LINE:COLUMN; keys of other tuners
 * (net_*, bond, management_nic) are left to them.
 */
#ifndef XCD_BLKBACK_POLICY_H
#define XCD_BLKBACK_POLICY_H
#include "../lib/cfgfile.h"
#include <stddef.h>

#define STORAGE_POLLING_INTERVAL 5 /* multipathd's default polling_interval, s */
#define STORAGE_MAX_NO_PATH_RETRY 720 /* an hour of checks */
#define STORAGE_MAX_LUNS 4096

struct lun_policy {
	char wwid[128];
	unsigned paths, hbas; /* 0: the global value */
	struct cfg_pos pos;   /* of the entry, for messages */
	char file[256];       /* pos.file's storage: the cfgfile is freed after parsing */
};

struct storage_policy {
	unsigned target_mbytes;
	unsigned paths, hbas;
	unsigned no_path_retry;
	unsigned fast_io_fail_tmo;
	unsigned target_port_gbit; /* 0: unknown */
	unsigned queues;           /* 0: auto */
	struct lun_policy *luns;
	size_t n_luns;
};

/* The defaults: 400 MB/s, 2 paths on 2 HBAs, no_path_retry 12, fast_io_fail_tmo 5, auto queues. */
void storage_policy_default(struct storage_policy *p);
/* The storage keys of CF into *P (defaults for those absent). */
int storage_policy_from_cfg(const struct cfgfile *cf, struct storage_policy *p, char *err,
			    size_t errlen);
/* Parses io.conf text (NAME in messages) / reads the file at PATH. */
int storage_policy_parse(const char *name, const char *data, size_t len, struct storage_policy *p,
			 char *err, size_t errlen);
int storage_policy_load(const char *path, struct storage_policy *p, char *err, size_t errlen);
void storage_policy_free(struct storage_policy *p);

/* What a LUN must keep: its override, else the global values. */
void storage_policy_for(const struct storage_policy *p, const char *wwid, unsigned *paths,
			unsigned *hbas);

struct blk_host;
/* Checks the policy against the host: each lun names a map the host has,
 * asks no more paths than the map has nor more HBAs than the host has.
 * Errors carry the entry's FILE:LINE:COLUMN. */
int storage_policy_check(const struct storage_policy *p, const struct blk_host *h, char *err,
			 size_t errlen);
#endif
