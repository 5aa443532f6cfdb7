/*
 * host: the storage side of a host as blkback/ sees it, read under a root
 * directory: FC ports, multipath maps, xen-blkback's parameters, its ring
 * threads, dom0's NUMA nodes and which guest's disk sits on which map;
 * with each multipath path tied to the HBA port and remote port it runs
 * through. `show` prints it (text at a glance, or JSON).
 */
#ifndef XCD_BLKBACK_HOST_H
#define XCD_BLKBACK_HOST_H
#include "cpus.h"
#include "fchost.h"
#include "mpath.h"
#include "params.h"
#include "ringthreads.h"
#include "vbds.h"
#include <yajl/yajl_gen.h>

/* Where the fixtures keep `multipathd show maps json`'s output; on a live
 * host xcdd runs the command and passes its output (blk_host_read_with). */
#define MPATH_JSON_FILE "run/xcd/multipathd-maps.json"

struct blk_path {
	const struct mp_path *mp;
	const struct mp_group *group;
	const struct fc_host_port *port; /* NULL: not an FC path, or its port is unknown */
	const struct fc_rport *rport;    /* NULL when not found */
	char access_state[32];           /* sys/block/DEV/device/access_state; "" without ALUA */
	char hba[24];                    /* the HBA it runs through: card, or "hostN" */
	bool live;
	bool ready; /* checker "ready": carries I/O now (ghost paths stand by) */
};

struct blk_map {
	const struct mp_map *mp;
	struct blk_path *paths; /* every path of every group, in group order */
	size_t n_paths;
	bool alua; /* hwhandler "1 alua", or a path with access_state */
	size_t live, hbas_live; /* live paths; distinct HBAs among them */
};

struct blk_host {
	char *root;
	struct fc_transport fc;
	struct mp_doc mp;
	struct blk_map *maps; /* parallel to mp.maps */
	struct blkback_state bb;
	struct ring_threads rt;
	struct vbd_list vbds;
	struct numa_cpus numa;
};

int blk_host_read(const char *root, struct blk_host *h, char *err, size_t errlen);
/* What a live host gives other than as files under the root: multipathd's
 * document as it printed it (NULL: no multipathd, no maps) and the guests'
 * disks as xcdd knows them (NULL: none). */
struct blk_inputs {
	const char *mpath_json;
	size_t mpath_len;
	const struct vbd_list *vbds;
};
/* As blk_host_read, with IN (NULL: the files ROOT/MPATH_JSON_FILE and
 * ROOT/VBDS_FILE, as the fixtures have them). */
int blk_host_read_with(const char *root, const struct blk_inputs *in, struct blk_host *h,
		       char *err, size_t errlen);
void blk_host_free(struct blk_host *h);

/* The distinct HBAs (cards) of the host, and of them those with a port
 * online; NAMES (optional) gets the first, comma-separated. */
size_t blk_host_hbas(const struct blk_host *h, size_t *online, char *names, size_t size);
/* The distinct HBAs the maps' paths run through (FC cards, and the PCI
 * devices of paths off FC), down or not. */
size_t blk_host_path_hbas(const struct blk_host *h);
/* The live paths of all maps; *OFF_FC (optional) those of them on no FC
 * port (SAS, iSCSI, virtio-scsi: no port speed, so outside the budget). */
size_t blk_host_live_paths(const struct blk_host *h, size_t *off_fc);
/* The map a guest's disk sits on, or NULL. */
const struct blk_map *blk_host_map_of(const struct blk_host *h, const struct vbd *v);

/* show, as text a person reads at a glance (malloc'd) or as JSON. */
int blk_show_text(const struct blk_host *h, char **out);
int blk_show_json(yajl_gen g, const struct blk_host *h);
#endif
