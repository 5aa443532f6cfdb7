/*
 * mpath: the document `multipathd show maps json` prints (multipath-tools
 * 0.9.4, libmultipath/print.c, JSON format 0.1):
 *
 *   { "major_version": 0, "minor_version": 1,
 *     "maps": [ { "name", "uuid" (the WWID), "sysfs" (dm-N), "failback",
 *       "queueing", "paths" (number of active paths), "write_prot", "dm_st",
 *       "features", "hwhandler", "action", "path_faults", "vend", "prod",
 *       "rev", "switch_grp", "map_loads", "total_q_time", "q_timeouts",
 *       "path_groups": [ { "selector", "pri", "dm_st", "marginal_st",
 *         "group", "paths": [ { "dev", "dev_t", "dm_st", "dev_st",
 *           "chk_st", "checker", "pri", "host_wwnn", "target_wwnn",
 *           "host_wwpn", "target_wwpn", "host_adapter", "lun_hex",
 *           "marginal_st" } ] } ] } ] }
 *
 * Parsed strictly: a field this reader uses must be there with its type
 * (a string where print.c writes "%x", an integer where it writes %x bare);
 * fields it does not use may be absent or of any type (later versions add
 * some). multipathd does not escape what it prints, so a map name with a
 * quote makes the document unparsable: that is refused, not guessed at.
 * Bounded in size, nesting, counts and string lengths.
 */
#ifndef XCD_BLKBACK_MPATH_H
#define XCD_BLKBACK_MPATH_H
#include <stdbool.h>
#include <stddef.h>

#define MPATH_MAX_SIZE (16u << 20)
#define MPATH_MAX_DEPTH 8
#define MPATH_MAX_MAPS 4096
#define MPATH_MAX_GROUPS 64   /* per map */
#define MPATH_MAX_PATHS 256   /* per group */

struct mp_path {
	char dev[32];     /* sdb */
	char dev_t[16];   /* 8:16 */
	char dm_st[16];   /* active, failed, undef */
	char dev_st[16];  /* running, offline, unknown */
	char chk_st[16];  /* ready, faulty, shaky, ghost, i/o pending, i/o timeout, delayed, undef */
	char checker[32];
	int pri;
	char host_wwnn[24], target_wwnn[24], host_wwpn[24], target_wwpn[24]; /* "[undef]" off FC */
	char host_adapter[64]; /* PCI function of the HBA port, or "[undef]" */
};

struct mp_group {
	char selector[64]; /* "service-time 0" */
	int pri;
	char dm_st[16];    /* active, enabled, disabled, undef */
	int group;
	struct mp_path *paths;
	size_t n_paths;
};

struct mp_map {
	char name[128];   /* alias, or the WWID without one */
	char uuid[128];   /* the WWID */
	char sysfs[16];   /* dm-N */
	char failback[32];
	char queueing[32]; /* off, on, -, "N sec", "N chk" */
	int paths;        /* active paths, as multipathd counts them */
	char dm_st[16];
	char features[128];
	char hwhandler[64];
	char vend[16], prod[32], rev[16];
	struct mp_group *groups;
	size_t n_groups;
};

struct mp_doc {
	int major, minor;
	struct mp_map *maps;
	size_t n_maps;
};

/* Parses LEN bytes of DATA. On error, ERR says where ("maps[2].path_groups
 * [0].pri: an integer was expected, found a string"). */
int mpath_parse(const char *data, size_t len, struct mp_doc *doc, char *err, size_t errlen);
/* Reads ROOT/REL and parses it; a missing file is an empty document (no
 * multipathd, no maps). */
int mpath_read(const char *root, const char *rel, struct mp_doc *doc, char *err, size_t errlen);
void mpath_free(struct mp_doc *doc);

const struct mp_map *mpath_by_wwid(const struct mp_doc *doc, const char *wwid);
/* A map by its name, "dm-N", or "/dev/mapper/NAME", "/dev/dm-N". */
const struct mp_map *mpath_by_device(const struct mp_doc *doc, const char *dev);

enum mp_queueing {
	MP_QUEUE_FAIL,      /* "off": I/O fails when the last path goes */
	MP_QUEUE_BOUNDED,   /* "N chk" or "N sec": queues for a while */
	MP_QUEUE_FOREVER,   /* "on", or queue_if_no_path with no_path_retry unset */
	MP_QUEUE_UNSET,     /* "-": no_path_retry unset, features without queue_if_no_path */
};
/* What the map does when its last path goes; *CHECKS the bound of "N chk". */
enum mp_queueing mpath_queueing(const struct mp_map *m, int *checks);
/* A path that can carry I/O now (active in dm, checker ready or ghost). */
bool mpath_path_live(const struct mp_path *p);
#endif
