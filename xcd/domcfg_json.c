/* domcfg_json: a domain configuration as libxl_domain_config_gen_json
 * writes it (what `xl -N create` prints): fields at their default are left
 * out (json_fields.h). The parsing is domcfg.c's. */
#include "domcfg.h"
#include "json_fields.h"
#include "../lib/uuid.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define J(call) do { if (s == yajl_gen_status_ok) s = (call); } while (0)

static yajl_gen_status jcpumap(yajl_gen g, const struct cpumap *m)
{
	yajl_gen_status s = yajl_gen_array_open(g);
	for (unsigned i = 0; i < DOMCFG_MAX_CPUS; i++)
		if (cpumap_test(m, i))
			J(yajl_gen_integer(g, i));
	J(yajl_gen_array_close(g));
	return s;
}

static yajl_gen_status jaffinity(yajl_gen g, const char *k, const struct domcfg_affinity *a)
{
	yajl_gen_status s = yajl_gen_status_ok;
	if (!a->n)
		return s;
	J(jf_key(g, k));
	J(yajl_gen_array_open(g));
	for (size_t i = 0; i < a->n; i++)
		J(jcpumap(g, domcfg_affinity_map(a, i)));
	J(yajl_gen_array_close(g));
	return s;
}

static yajl_gen_status jstrv(yajl_gen g, const char *k, char *const *v, size_t n)
{
	yajl_gen_status s = yajl_gen_status_ok;
	if (!n)
		return s;
	J(jf_key(g, k));
	J(yajl_gen_array_open(g));
	for (size_t i = 0; i < n; i++)
		J(yajl_gen_string(g, (const unsigned char *)v[i], strlen(v[i])));
	J(yajl_gen_array_close(g));
	return s;
}

static yajl_gen_status c_info_json(yajl_gen g, const struct domcfg *d)
{
	char uuid[37];
	uuid_format(d->uuid, uuid);
	yajl_gen_status s = jf_key(g, "c_info");
	J(yajl_gen_map_open(g));
	J(jf_str(g, "type", domcfg_type_name(d->type)));
	J(jf_defbool(g, "hap", d->hap));
	J(jf_defbool(g, "oos", d->oos));
	J(jf_str(g, "ssid_label", d->ssid_label));
	J(jf_str(g, "name", d->name));
	J(jf_str(g, "uuid", uuid));
	J(jf_str(g, "pool_name", d->pool_name));
	/* xl.conf's defaults, which xl copies into every domain it creates. */
	J(jf_str(g, "run_hotplug_scripts", "True"));
	J(jf_defbool(g, "driver_domain", d->driver_domain));
	if (d->passthrough)
		J(jf_str(g, "passthrough", domcfg_passthrough_name(d->passthrough)));
	J(jf_defbool(g, "xend_suspend_evtchn_compat", d->xend_suspend_evtchn_compat));
	J(yajl_gen_map_close(g));
	return s;
}

static yajl_gen_status sched_json(yajl_gen g, const struct domcfg *d)
{
	/* In libxl_domain_sched_params' order. */
	const struct {
		const char *k;
		int v;
	} p[] = {
		{ "weight", d->sched_weight }, { "cap", d->sched_cap },
		{ "period", d->sched_period }, { "extratime", d->sched_extratime },
		{ "slice", d->sched_slice },   { "latency", d->sched_latency },
	};
	yajl_gen_status s = jf_key(g, "sched_params");
	J(yajl_gen_map_open(g));
	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		if (p[i].v != DOMCFG_SCHED_DEFAULT)
			J(jf_num(g, p[i].k, p[i].v));
	J(yajl_gen_map_close(g));
	return s;
}

static yajl_gen_status b_info_json(yajl_gen g, const struct domcfg *d)
{
	yajl_gen_status s = jf_key(g, "b_info");
	J(yajl_gen_map_open(g));
	if (d->max_vcpus)
		J(jf_num(g, "max_vcpus", d->max_vcpus));
	if (d->vcpus) {
		J(jf_key(g, "avail_vcpus"));
		J(yajl_gen_array_open(g));
		for (int i = 0; i < d->vcpus; i++)
			J(yajl_gen_integer(g, i));
		J(yajl_gen_array_close(g));
	}
	J(jaffinity(g, "vcpu_hard_affinity", &d->vcpu_hard_affinity));
	J(jaffinity(g, "vcpu_soft_affinity", &d->vcpu_soft_affinity));
	J(jf_defbool(g, "numa_placement", d->numa_placement));
	if (d->tsc_mode)
		J(jf_str(g, "tsc_mode", domcfg_tsc_mode_name(d->tsc_mode)));
	if (d->max_memkb != DOMCFG_MEMKB_DEFAULT)
		J(jf_u64(g, "max_memkb", d->max_memkb));
	if (d->target_memkb != DOMCFG_MEMKB_DEFAULT)
		J(jf_u64(g, "target_memkb", d->target_memkb));
	if (d->shadow_memkb != DOMCFG_MEMKB_DEFAULT)
		J(jf_u64(g, "shadow_memkb", d->shadow_memkb));
	if (d->rtc_timeoffset)
		J(jf_num(g, "rtc_timeoffset", d->rtc_timeoffset));
	J(jf_str(g, "exec_ssid_label", d->exec_ssid_label));
	J(jf_defbool(g, "localtime", d->localtime));
	J(jf_defbool(g, "disable_migrate", d->disable_migrate));
	if (d->max_grant_frames != DOMCFG_GRANT_DEFAULT)
		J(jf_num(g, "max_grant_frames", d->max_grant_frames));
	if (d->max_maptrack_frames != DOMCFG_GRANT_DEFAULT)
		J(jf_num(g, "max_maptrack_frames", d->max_maptrack_frames));
	if (d->max_grant_version != DOMCFG_SCHED_DEFAULT)
		J(jf_num(g, "max_grant_version", d->max_grant_version));
	J(sched_json(g, d));
	J(jf_str(g, "claim_mode", "True")); /* xl.conf's default */
	if (d->event_channels)
		J(jf_num(g, "event_channels", d->event_channels));
	J(jf_str(g, "kernel", d->kernel));
	J(jf_str(g, "cmdline", d->cmdline));
	J(jf_str(g, "ramdisk", d->ramdisk));
	J(jf_defbool(g, "acpi", d->acpi));
	J(jf_str(g, "bootloader", d->bootloader));
	J(jstrv(g, "bootloader_args", d->bootloader_args, d->n_bootloader_args));
	if (d->timer_mode != DOMCFG_TIMER_DEFAULT)
		J(jf_str(g, "timer_mode", domcfg_timer_mode_name(d->timer_mode)));
	J(jf_defbool(g, "nested_hvm", d->nested_hvm));
	if (d->type == DOMCFG_TYPE_PVH) {
		J(jf_key(g, "type.pvh"));
		J(yajl_gen_map_open(g));
		J(jf_defbool(g, "pvshim", d->pvshim));
		J(jf_str(g, "pvshim_path", d->pvshim_path));
		J(jf_str(g, "pvshim_cmdline", d->pvshim_cmdline));
		J(jf_str(g, "pvshim_extra", d->pvshim_extra));
		J(yajl_gen_map_close(g));
	} else {
		J(jf_key(g, "type.pv"));
		J(yajl_gen_map_open(g));
		J(jf_defbool(g, "e820_host", d->e820_host));
		J(yajl_gen_map_close(g));
	}
	J(jf_key(g, "arch_arm"));
	J(yajl_gen_map_open(g));
	J(yajl_gen_map_close(g));
	J(jf_key(g, "arch_x86"));
	J(yajl_gen_map_open(g));
	J(jf_defbool(g, "msr_relaxed", d->msr_relaxed));
	J(yajl_gen_map_close(g));
	J(yajl_gen_map_close(g));
	return s;
}

yajl_gen_status domcfg_to_json(yajl_gen g, const struct domcfg *d)
{
	yajl_gen_status s = yajl_gen_map_open(g);
	J(c_info_json(g, d));
	J(b_info_json(g, d));
	if (d->n_disks) {
		J(jf_key(g, "disks"));
		J(yajl_gen_array_open(g));
		for (size_t i = 0; i < d->n_disks; i++)
			J(disk_to_json(g, &d->disks[i]));
		J(yajl_gen_array_close(g));
	}
	if (d->n_vifs) {
		J(jf_key(g, "nics"));
		J(yajl_gen_array_open(g));
		for (size_t i = 0; i < d->n_vifs; i++)
			J(vif_to_json(g, &d->vifs[i]));
		J(yajl_gen_array_close(g));
	}
	/* libxl's default action is destroy, which is therefore left out. */
	const struct {
		const char *k;
		enum domcfg_action a;
	} on[] = {
		{ "on_poweroff", d->on_poweroff }, { "on_reboot", d->on_reboot },
		{ "on_watchdog", d->on_watchdog }, { "on_crash", d->on_crash },
		{ "on_soft_reset", d->on_soft_reset },
	};
	for (size_t i = 0; i < sizeof(on) / sizeof(on[0]); i++)
		if (on[i].a != DOMCFG_ACTION_DESTROY)
			J(jf_str(g, on[i].k, domcfg_action_name(on[i].a)));
	J(yajl_gen_map_close(g));
	return s;
}

char *domcfg_to_json_string(const struct domcfg *d)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return NULL;
	yajl_gen_config(g, yajl_gen_beautify, 1);
	char *out = NULL;
	if (domcfg_to_json(g, d) == yajl_gen_status_ok) {
		const unsigned char *buf;
		size_t len;
		if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
			out = strndup((const char *)buf, len);
	}
	yajl_gen_free(g);
	return out;
}
