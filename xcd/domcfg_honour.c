/* domcfg_honour: what of a configuration xcd does not carry out
 * (domcfg_each_unhonoured, domcfg.h). The readers (domcfg.c for xl.cfg,
 * domcfg_libxl.c for libxl's JSON) hold every field a domcfg has, so that
 * xcd's own JSON round trips; none may be lost silently: a guest made from
 * xl's JSON is refused (domcfg_honoured, by the field's JSON key), an
 * xl.cfg's key gets a warning at its line (domcfg.c), unless its value is
 * what xcd does anyway. */
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

/* FN told of one field; its result returned (nonzero stops the walk). */
static int tell(domcfg_unhonoured_fn *fn, void *arg, const char *json_key, const char *xl_key,
		const char *what)
{
	const struct domcfg_unhonoured u = { json_key, xl_key, what };
	return fn(&u, arg);
}

static bool set(const char *s)
{
	return s && *s;
}

int domcfg_each_unhonoured(const struct domcfg *d, domcfg_unhonoured_fn *fn, void *arg)
{
	char v[64];
	int r;
	if (d->type == DOMCFG_TYPE_PVH && d->hap == CFG_DEFBOOL_FALSE &&
	    (r = tell(fn, arg, "c_info.hap", "hap", "False (PVH guests run on hardware-assisted "
		      "paging under xcd)")))
		return r;
	if (set(d->ssid_label) &&
	    (r = tell(fn, arg, "c_info.ssid_label", "init_seclabel|seclabel", "an XSM label")))
		return r;
	if (set(d->exec_ssid_label) &&
	    (r = tell(fn, arg, "b_info.exec_ssid_label", "seclabel", "an XSM label")))
		return r;
	if (d->pool_name && strcmp(d->pool_name, "Pool-0") &&
	    (r = tell(fn, arg, "c_info.pool_name", "pool", "a CPU pool other than Pool-0")))
		return r;
	if (d->driver_domain == CFG_DEFBOOL_TRUE &&
	    (r = tell(fn, arg, "c_info.driver_domain", "driver_domain", "a driver domain")))
		return r;
	if (d->passthrough >= DOMCFG_PASSTHROUGH_ENABLED &&
	    (r = tell(fn, arg, "c_info.passthrough", "passthrough", "device passthrough")))
		return r;
	if (d->xend_suspend_evtchn_compat == CFG_DEFBOOL_TRUE &&
	    (r = tell(fn, arg, "c_info.xend_suspend_evtchn_compat", "xend_suspend_evtchn_compat",
		      "True")))
		return r;
	if (d->rtc_timeoffset &&
	    (r = tell(fn, arg, "b_info.rtc_timeoffset", "rtc_timeoffset", "a wall clock offset")))
		return r;
	if (!d->rtc_timeoffset && d->localtime == CFG_DEFBOOL_TRUE &&
	    (r = tell(fn, arg, "b_info.localtime", "localtime", "a wall clock offset")))
		return r;
	if (d->max_grant_frames != DOMCFG_GRANT_DEFAULT && d->max_grant_frames != XEN_GRANT_FRAMES) {
		snprintf(v, sizeof(v), "%u (xcd's domains have %u)", d->max_grant_frames,
			 XEN_GRANT_FRAMES);
		if ((r = tell(fn, arg, "b_info.max_grant_frames", "max_grant_frames", v)))
			return r;
	}
	if (d->max_maptrack_frames != DOMCFG_GRANT_DEFAULT &&
	    d->max_maptrack_frames != XEN_MAPTRACK_FRAMES) {
		snprintf(v, sizeof(v), "%u (xcd's domains have %u)", d->max_maptrack_frames,
			 XEN_MAPTRACK_FRAMES);
		if ((r = tell(fn, arg, "b_info.max_maptrack_frames", "max_maptrack_frames", v)))
			return r;
	}
	if (d->max_grant_version > 2 &&
	    (r = tell(fn, arg, "b_info.max_grant_version", "max_grant_version",
		      "grant tables beyond version 2")))
		return r;
	if (d->tsc_mode == DOMCFG_TSC_ALWAYS_EMULATE &&
	    (r = tell(fn, arg, "b_info.tsc_mode", "tsc_mode",
		      "always_emulate (xcd's domains have the hypervisor's default or native)")))
		return r;
	if (d->event_channels > XCD_EVENT_CHANNELS) {
		snprintf(v, sizeof(v), "%u (xcd's domains have %u)", d->event_channels,
			 XCD_EVENT_CHANNELS);
		if ((r = tell(fn, arg, "b_info.event_channels", "event_channels", v)))
			return r;
	}
	const struct {
		const char *key, *xl_key;
		int v, ok;
	} sched[] = {
		{ "b_info.sched_params.weight", "cpu_weight", d->sched_weight, SCHED_DEFAULT_WEIGHT },
		{ "b_info.sched_params.cap", "cap", d->sched_cap, 0 },
		{ "b_info.sched_params.period", "period", d->sched_period, DOMCFG_SCHED_DEFAULT },
		{ "b_info.sched_params.extratime", "extratime", d->sched_extratime,
		  DOMCFG_SCHED_DEFAULT },
		{ "b_info.sched_params.slice", "slice", d->sched_slice, DOMCFG_SCHED_DEFAULT },
		{ "b_info.sched_params.latency", "latency", d->sched_latency, DOMCFG_SCHED_DEFAULT },
	};
	for (size_t i = 0; i < sizeof(sched) / sizeof(sched[0]); i++)
		if (sched[i].v != DOMCFG_SCHED_DEFAULT && sched[i].v != sched[i].ok) {
			snprintf(v, sizeof(v), "%d (xcd sets no scheduler parameter)", sched[i].v);
			if ((r = tell(fn, arg, sched[i].key, sched[i].xl_key, v)))
				return r;
		}
	const struct {
		const char *key, *xl_key;
		enum cfg_defbool b;
	} off[] = {
		{ "b_info.nested_hvm", "nestedhvm", d->nested_hvm },
		{ "b_info.type.pv.e820_host", "e820_host", d->e820_host },
		{ "b_info.type.pvh.pvshim", "pvshim", d->pvshim },
	};
	for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++)
		if (off[i].b == CFG_DEFBOOL_TRUE &&
		    (r = tell(fn, arg, off[i].key, off[i].xl_key, "True")))
			return r;
	return 0;
}

struct first {
	char *err;
	size_t errlen;
};

static int refuse(const struct domcfg_unhonoured *u, void *arg)
{
	struct first *f = arg;
	snprintf(f->err, f->errlen, "%s: %s: xcd cannot honour it, and will not drop it",
		 u->json_key, u->what);
	return -EOPNOTSUPP;
}

int domcfg_honoured(const struct domcfg *d, char *err, size_t errlen)
{
	struct first f = { err, errlen };
	return domcfg_each_unhonoured(d, refuse, &f);
}
