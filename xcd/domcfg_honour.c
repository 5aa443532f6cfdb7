/* domcfg_honour: what of a configuration read from libxl's JSON xcd does
 * not carry out (domcfg_honoured, domcfg.h). The reader (domcfg_libxl.c)
 * holds every field a domcfg has, so that xcd's own JSON round trips; a
 * guest made from xl's JSON must not lose one silently, so each field xcd
 * does not apply is refused here, by its JSON key, unless its value is what
 * xcd does anyway. */
#include "domcfg.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The hypervisor's default grant table limits (Xen's gnttab_max_frames and
 * gnttab_max_maptrack_frames), which xcd's domains get. */
#define XEN_GRANT_FRAMES 64u
#define XEN_MAPTRACK_FRAMES 1024u
/* The event channels a domain xcd makes may use (hv_xen.c's max port + 1). */
#define XCD_EVENT_CHANNELS 1024u
/* The credit schedulers' default weight, which xcd's domains keep. */
#define SCHED_DEFAULT_WEIGHT 256

static int no(char *err, size_t errlen, const char *key, const char *what)
{
	snprintf(err, errlen, "%s: %s: xcd cannot honour it, and will not drop it", key, what);
	return -EOPNOTSUPP;
}

static bool set(const char *s)
{
	return s && *s;
}

int domcfg_honoured(const struct domcfg *d, char *err, size_t errlen)
{
	char v[64];
	if (d->type == DOMCFG_TYPE_PVH && d->hap == CFG_DEFBOOL_FALSE)
		return no(err, errlen, "c_info.hap", "False (PVH guests run on hardware-assisted "
			  "paging under xcd)");
	if (set(d->ssid_label) || set(d->exec_ssid_label))
		return no(err, errlen, set(d->ssid_label) ? "c_info.ssid_label"
							  : "b_info.exec_ssid_label",
			  "an XSM label");
	if (d->pool_name && strcmp(d->pool_name, "Pool-0"))
		return no(err, errlen, "c_info.pool_name", "a CPU pool other than Pool-0");
	if (d->driver_domain == CFG_DEFBOOL_TRUE)
		return no(err, errlen, "c_info.driver_domain", "a driver domain");
	if (d->passthrough >= DOMCFG_PASSTHROUGH_ENABLED)
		return no(err, errlen, "c_info.passthrough", "device passthrough");
	if (d->xend_suspend_evtchn_compat == CFG_DEFBOOL_TRUE)
		return no(err, errlen, "c_info.xend_suspend_evtchn_compat", "True");
	if (d->rtc_timeoffset || d->localtime == CFG_DEFBOOL_TRUE)
		return no(err, errlen,
			  d->rtc_timeoffset ? "b_info.rtc_timeoffset" : "b_info.localtime",
			  "a wall clock offset");
	if (d->max_grant_frames != DOMCFG_GRANT_DEFAULT &&
	    d->max_grant_frames != XEN_GRANT_FRAMES) {
		snprintf(v, sizeof(v), "%u (xcd's domains have %u)", d->max_grant_frames,
			 XEN_GRANT_FRAMES);
		return no(err, errlen, "b_info.max_grant_frames", v);
	}
	if (d->max_maptrack_frames != DOMCFG_GRANT_DEFAULT &&
	    d->max_maptrack_frames != XEN_MAPTRACK_FRAMES) {
		snprintf(v, sizeof(v), "%u (xcd's domains have %u)", d->max_maptrack_frames,
			 XEN_MAPTRACK_FRAMES);
		return no(err, errlen, "b_info.max_maptrack_frames", v);
	}
	if (d->max_grant_version > 2)
		return no(err, errlen, "b_info.max_grant_version",
			  "grant tables beyond version 2");
	if (d->tsc_mode == DOMCFG_TSC_ALWAYS_EMULATE)
		return no(err, errlen, "b_info.tsc_mode",
			  "always_emulate (xcd's domains have the hypervisor's default or native)");
	if (d->event_channels > XCD_EVENT_CHANNELS) {
		snprintf(v, sizeof(v), "%u (xcd's domains have %u)", d->event_channels,
			 XCD_EVENT_CHANNELS);
		return no(err, errlen, "b_info.event_channels", v);
	}
	const struct {
		const char *key;
		int v, ok;
	} sched[] = {
		{ "b_info.sched_params.weight", d->sched_weight, SCHED_DEFAULT_WEIGHT },
		{ "b_info.sched_params.cap", d->sched_cap, 0 },
		{ "b_info.sched_params.period", d->sched_period, DOMCFG_SCHED_DEFAULT },
		{ "b_info.sched_params.extratime", d->sched_extratime, DOMCFG_SCHED_DEFAULT },
		{ "b_info.sched_params.slice", d->sched_slice, DOMCFG_SCHED_DEFAULT },
		{ "b_info.sched_params.latency", d->sched_latency, DOMCFG_SCHED_DEFAULT },
	};
	for (size_t i = 0; i < sizeof(sched) / sizeof(sched[0]); i++)
		if (sched[i].v != DOMCFG_SCHED_DEFAULT && sched[i].v != sched[i].ok) {
			snprintf(v, sizeof(v), "%d (xcd sets no scheduler parameter)", sched[i].v);
			return no(err, errlen, sched[i].key, v);
		}
	const struct {
		const char *key;
		enum cfg_defbool b;
	} off[] = {
		{ "b_info.nested_hvm", d->nested_hvm },
		{ "b_info.type.pv.e820_host", d->e820_host },
		{ "b_info.type.pvh.pvshim", d->pvshim },
	};
	for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++)
		if (off[i].b == CFG_DEFBOOL_TRUE)
			return no(err, errlen, off[i].key, "True");
	return 0;
}
