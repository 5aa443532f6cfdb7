/*
 * io_summary: what xcdd makes of two of io_survey's documents (parsed, as
 * yajl trees) in its loop, without reading the host: the changes from one
 * to the next that its clients hear of (a bond member or a NIC in a
 * guests' bridge gone down or back up, a multipath path gone or back,
 * each with the guests it carries), and the summary `xcd info` shows.
 */
#ifndef XCD_IO_SUMMARY_H
#define XCD_IO_SUMMARY_H
#include <stdbool.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

enum io_event_kind { IO_EV_LINK, IO_EV_PATH };

struct io_event {
	enum io_event_kind kind;
	bool up;
	bool initial; /* down in the first picture: no change seen, a state */
	bool heard;   /* told by the kernel (a uevent), not seen by a refresh */
	/* IO_EV_LINK: DEVICE, a member of BOND ("": a NIC in BRIDGE itself)
	 * under BRIDGE ("": none); the bond's members up of MEMBERS. */
	const char *device, *bond, *bridge;
	long long members_up, members;
	/* IO_EV_PATH: path PATH (sdb) of map MAP (WWID), its states now, the
	 * map's live paths of TOTAL. */
	const char *map, *wwid, *path, *dm_st, *chk_st;
	long long live, total;
	/* The guests carried: an array of {"domid", "vif"} (a link's, the
	 * bridge's) or {"domid", "vdev", "name"} (a path's, the map's); NULL
	 * when none. A node of the new document. */
	yajl_val guests;
};

typedef void io_event_fn(const struct io_event *ev, void *arg);
/* FN(ARG) for each change from OLD to NEW: a member, a NIC in a bridge or
 * a path of a map that both have, up in one and not the other (a path
 * gone from its map counts as down). OLD NULL (NEW is the first picture):
 * for each member, NIC in a bridge and path that is down in NEW, an event
 * marked initial, so that what was already down when the watch started is
 * told as what goes down later is. */
void io_summary_diff(yajl_val old, yajl_val new, io_event_fn *fn, void *arg);

/*
 * What the kernel said of a path (a uevent: dm-multipath failed or
 * reinstated it), into DOC, the picture kept: path DEV of the map whose
 * wwid is WWID (or, WWID "", whose name is MAP) is LIVE now. When DOC had
 * it otherwise, DOC is changed (the path's live and dm_st, the map's live
 * count: what the next refresh is compared with) and FN(ARG) hears the
 * change. 1 when changed, 0 when DOC said so already, -ENOENT when DOC has
 * no such path, -ENOMEM.
 */
int io_summary_path_heard(yajl_val doc, const char *wwid, const char *map, const char *dev,
			  bool live, io_event_fn *fn, void *arg);

/*
 * The summary of DOC for host.info: {"bonds": [{"name", "mode", "bridge",
 * "members", "members_up", "down": [NAME]}], "ports": [{"name", "bridge",
 * "up"}], "maps": N, "paths": N, "paths_live": N, "maps_degraded":
 * [{"name", "wwid", "live", "total", "down": [DEV]}], "budget_mbytes",
 * "target_mbytes", "notes": [TEXT]}: those members, written into a map the
 * caller opened. 0 or -EINVAL.
 */
int io_summary_gen(yajl_gen g, yajl_val doc);
#endif
