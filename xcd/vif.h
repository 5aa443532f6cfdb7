/*
 * vif: one vifspec of xl-network-configuration(5), e.g.
 * "mac=00:16:3e:74:3d:76,bridge=xenbr0,rate=10Mb/s@20ms".
 *
 * Comma-separated KEY=VALUE pairs and flags, parsed as xl's parse_nic_config
 * does (empty items skipped, leading spaces ignored, trailing ones kept),
 * into the fields of libxl_device_nic. What xl leaves to libxl stays unset:
 * no mac means libxl's random 00:16:3e:xx:xx:xx at device creation, no
 * bridge/script means xenbr0 and vif-bridge. Unlike xl, a malformed value
 * (mac, rate, mtu, devid, type) is an error rather than a message after
 * which xl carries on; unknown keys and "accel" stay warnings, as in xl.
 */
#ifndef XCD_VIF_H
#define XCD_VIF_H
#include "../lib/cfgfile.h"
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>

/* As libxl_nic_type. */
enum vif_nictype {
	VIF_NICTYPE_UNKNOWN = 0, /* libxl: vif for PV/PVH, ioemu for HVM */
	VIF_NICTYPE_VIF_IOEMU = 1,
	VIF_NICTYPE_VIF = 2,
};

/* The COLO proxy settings, strings passed through to libxl as they are. */
#define VIF_COLO_COUNT 49

struct vif {
	char *backend_domname; /* NULL: domain 0 */
	int devid;             /* -1 until given or numbered by position */
	int mtu;               /* 0: the bridge's, else 1500 */
	char *model;
	uint8_t mac[6];        /* all zero: generated when the device is made */
	char *ip;              /* addresses separated by spaces */
	char *bridge;
	char *ifname;          /* vifname= */
	char *script;
	enum vif_nictype nictype;
	uint64_t rate_bytes_per_interval; /* 0: unlimited */
	uint32_t rate_interval_usecs;
	char *gatewaydev;
	char *colo[VIF_COLO_COUNT]; /* indexed as vif_colo_key() */
	enum cfg_defbool trusted;
};

/*
 * Parses SPEC into *out (freed by the caller with vif_free). Warnings, if
 * any, are written to warn separated by "; " (warn[0] == '\0': none). On
 * error, returns -EINVAL, *out is untouched and err names the bad item.
 */
int vif_parse(const char *spec, struct vif *out, char *warn, size_t warnlen, char *err,
	      size_t errlen);

/*
 * The rate syntax alone ("10Mb/s", "1MB/s@20ms"), into bytes per interval
 * and the interval, with libxlutil's arithmetic (50 ms when not given).
 */
int vif_parse_rate(const char *rate, uint64_t *bytes_per_interval, uint32_t *interval_usecs,
		   char *err, size_t errlen);

/*
 * NAME as an interface name for KEY (vifname, bridge): what Linux takes (at
 * most IFNAMSIZ - 1 bytes, not '.' or '..', no '/' or whitespace), narrowed
 * to letters, digits, '-', '_' and '.', not starting with '-', and not
 * vifDOMID.DEVID (another guest's netback interface): it is an argument of
 * `ip` and a path under /sys/class/net in the hotplug script. vif_parse
 * checks vifname= with it (bridge= stays as xl reads it, trailing spaces
 * and all: vif-bridge checks it before use).
 */
#define VIF_IFNAME_MAX 15
int vif_ifname_check(const char *key, const char *name, char *err, size_t errlen);

/*
 * For xcdd at create: V's vifname (if any) must not name an interface the
 * host has already (under SYSFS_NET, /sys/class/net), which vif-bridge would
 * otherwise put on the guest's bridge and take down when the guest goes.
 */
int vif_ifname_unused(const struct vif *v, const char *sysfs_net, char *err, size_t errlen);

/* The xl key of COLO setting I ("forwarddev", "colo_sock_mirror_id", ...). */
const char *vif_colo_key(unsigned i);
/* Its name in libxl's JSON (libxl_device_nic's field). */
const char *vif_colo_json_key(unsigned i);

void vif_free(struct vif *v);

/* The vif as libxl_device_nic_gen_json prints it (defaults left out). */
yajl_gen_status vif_to_json(yajl_gen g, const struct vif *v);

#endif
