/* domcfg: a PV/PVH domain configuration from xl.cfg settings (see domcfg.h). */
#include "domcfg.h"
#include "domcfg_keys.h"
#include "../lib/errmsg.h"
#include "domname.h"
#include "json_fields.h"
#include "../lib/uuid.h"
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* xl's action names and libxl's, by enum domcfg_action. */
static const struct {
	const char *xl;
	const char *libxl;
} actions[] = {
	[DOMCFG_ACTION_DESTROY] = { "destroy", "destroy" },
	[DOMCFG_ACTION_RESTART] = { "restart", "restart" },
	[DOMCFG_ACTION_RESTART_RENAME] = { "rename-restart", "restart_rename" },
	[DOMCFG_ACTION_PRESERVE] = { "preserve", "preserve" },
	[DOMCFG_ACTION_COREDUMP_DESTROY] = { "coredump-destroy", "coredump_destroy" },
	[DOMCFG_ACTION_COREDUMP_RESTART] = { "coredump-restart", "coredump_restart" },
	[DOMCFG_ACTION_SOFT_RESET] = { "soft-reset", "soft_reset" },
};

/* native_paravirt (3): removed from Xen, refused. */
static const char *const tsc_names[] = { "default", "always_emulate", "native",
					 "native_paravirt" };
static const char *const timer_names[] = { "delay_for_missed_ticks", "no_delay_for_missed_ticks",
					   "no_missed_ticks_pending", "one_missed_tick_pending" };
static const char *const passthrough_names[] = { "default", "disabled", "enabled", "sync_pt",
						 "share_pt" };

const char *domcfg_action_name(enum domcfg_action a)
{
	return a >= DOMCFG_ACTION_DESTROY && a <= DOMCFG_ACTION_SOFT_RESET ? actions[a].libxl
									    : "unknown";
}

const char *domcfg_type_name(enum domcfg_type t)
{
	return t == DOMCFG_TYPE_PVH ? "pvh" : "pv";
}

#define NAME_OF(table, v)                                                            \
	((size_t)(v) < sizeof(table) / sizeof(table[0]) ? table[v] : "unknown")

const char *domcfg_tsc_mode_name(enum domcfg_tsc_mode m) { return NAME_OF(tsc_names, m); }
const char *domcfg_timer_mode_name(enum domcfg_timer_mode m) { return NAME_OF(timer_names, m); }
const char *domcfg_passthrough_name(enum domcfg_passthrough p)
{
	return NAME_OF(passthrough_names, p);
}

struct ctx {
	const struct cfgfile *cf;
	struct domcfg *d;
	char *err;
	size_t errlen;
};

static int bad(struct ctx *c, const struct cfg_pos *pos, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int bad(struct ctx *c, const struct cfg_pos *pos, const char *key, const char *fmt, ...)
{
	if (!c->errlen)
		return -EINVAL;
	int n = snprintf(c->err, c->errlen, "%s:%u:%u: %s: ", pos->file, pos->line, pos->column,
			 key);
	if (n >= 0 && (size_t)n < c->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* An error about the whole file (a missing setting). */
static int bad_file(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad_file(struct ctx *c, const char *fmt, ...)
{
	if (!c->errlen)
		return -EINVAL;
	int n = snprintf(c->err, c->errlen, "%s: ", cfgfile_name(c->cf));
	if (n >= 0 && (size_t)n < c->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int nomem(struct ctx *c)
{
	if (c->errlen)
		snprintf(c->err, c->errlen, "out of memory");
	return -ENOMEM;
}

static int warn(struct ctx *c, const struct cfg_pos *pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int warn(struct ctx *c, const struct cfg_pos *pos, const char *fmt, ...)
{
	char msg[512];
	int n = pos->line ? snprintf(msg, sizeof(msg), "%s:%u: ", pos->file, pos->line)
			  : snprintf(msg, sizeof(msg), "%s: ", pos->file);
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0; /* a file name too long to quote: the message matters more */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	struct domcfg *d = c->d;
	char **nw = realloc(d->warnings, (d->n_warnings + 1) * sizeof(*nw));
	if (!nw)
		return nomem(c);
	d->warnings = nw;
	if (!(nw[d->n_warnings] = strdup(msg)))
		return nomem(c);
	d->n_warnings++;
	return 0;
}

/* ---- typed access to settings; 1: found, 0: absent, <0: error ---- */

static const struct cfg_setting *get(struct ctx *c, const char *key)
{
	return cfgfile_get(c->cf, key);
}

/* A string (a number stands for its text, as in xl). */
static int get_str(struct ctx *c, const char *key, const char **s, const struct cfg_pos **pos)
{
	const struct cfg_setting *st = get(c, key);
	*s = NULL;
	if (pos)
		*pos = NULL;
	if (!st)
		return 0;
	if (st->value.type == CFG_LIST)
		return bad(c, &st->value.pos, key, "expected a string, found a list");
	*s = st->value.text;
	if (pos)
		*pos = &st->value.pos;
	return 1;
}

/* Text as a number, as xl's strtol(..., 0): decimal, 0x hex, 0 octal. */
static bool text_number(const char *t, long long *v)
{
	char *end;
	errno = 0;
	*v = strtoll(t, &end, 0);
	return end != t && !*end && errno != ERANGE;
}

static int value_num(struct ctx *c, const struct cfg_value *v, const char *key, long long min,
		     long long max, long long *out)
{
	long long n;
	if (v->type == CFG_LIST)
		return bad(c, &v->pos, key, "expected a number, found a list");
	if (v->type == CFG_NUMBER)
		n = v->num;
	else if (!text_number(v->text, &n))
		return bad(c, &v->pos, key, errno == ERANGE ? "%.60s is out of range"
			   : "expected a number, found \"%.60s\"", v->text);
	if (n < min || n > max)
		return bad(c, &v->pos, key, "%lld is out of range (expected %lld to %lld)", n,
			   min, max);
	*out = n;
	return 0;
}

static int get_num(struct ctx *c, const char *key, long long min, long long max, long long *out)
{
	const struct cfg_setting *st = get(c, key);
	if (!st)
		return 0;
	int r = value_num(c, &st->value, key, min, max, out);
	return r ? r : 1;
}

static int get_int(struct ctx *c, const char *key, int min, int max, int *out)
{
	long long v = 0;
	int r = get_num(c, key, min, max, &v);
	if (r > 0)
		*out = (int)v;
	return r;
}

/* A BOOLEAN: a number, zero or not. */
static int get_defbool(struct ctx *c, const char *key, enum cfg_defbool *b)
{
	long long v = 0;
	int r = get_num(c, key, LLONG_MIN, LLONG_MAX, &v);
	if (r > 0)
		*b = v ? CFG_DEFBOOL_TRUE : CFG_DEFBOOL_FALSE;
	return r;
}

static int get_dup(struct ctx *c, const char *key, char **field)
{
	const char *s = NULL;
	int r = get_str(c, key, &s, NULL);
	if (r <= 0)
		return r;
	char *n = strdup(s);
	if (!n)
		return nomem(c);
	free(*field);
	*field = n;
	return 1;
}

static int strv_push(struct ctx *c, char ***v, size_t *n, const char *s, size_t len)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return nomem(c);
	*v = nv;
	if (!(nv[*n] = strndup(s, len)))
		return nomem(c);
	(*n)++;
	return 0;
}

/* A list of strings (numbers stand for their text); 1 found, 0 absent. */
static int get_strlist(struct ctx *c, const char *key, char ***v, size_t *n)
{
	const struct cfg_setting *st = get(c, key);
	if (!st)
		return 0;
	if (st->value.type != CFG_LIST)
		return bad(c, &st->value.pos, key, "expected a list [ \"...\", ... ], found a %s",
			   cfg_type_name(st->value.type));
	for (size_t i = 0; i < st->value.n_items; i++) {
		const struct cfg_value *it = &st->value.items[i];
		if (it->type == CFG_LIST)
			return bad(c, &it->pos, key, "item %zu: expected a string, found a list",
				   i + 1);
		int r = strv_push(c, v, n, it->text, strlen(it->text));
		if (r)
			return r;
	}
	return 1;
}

/* ---- the settings, in xl's order ---- */

static int parse_type(struct ctx *c)
{
	struct domcfg *d = c->d;
	const char *s = NULL;
	const struct cfg_pos *pos = NULL;
	int type = 0; /* 1 hvm, 2 pv, 3 pvh as libxl */
	int r = get_str(c, "type", &s, &pos);
	if (r < 0)
		return r;
	if (r) {
		if (!strcmp(s, "pv"))
			type = DOMCFG_TYPE_PV;
		else if (!strcmp(s, "pvh"))
			type = DOMCFG_TYPE_PVH;
		else if (!strcmp(s, "hvm"))
			type = 1;
		else
			return bad(c, pos, "type", "unknown guest type \"%.40s\" (expected pv, "
				   "pvh or hvm)", s);
	}
	/* builder= is the deprecated form: generic (PV) or hvm. */
	const char *from = "type";
	const struct cfg_pos *bpos = NULL;
	if ((r = get_str(c, "builder", &s, &bpos)) < 0)
		return r;
	if (r) {
		int b;
		if (!strcmp(s, "generic"))
			b = DOMCFG_TYPE_PV;
		else if (!strcmp(s, "hvm"))
			b = 1;
		else
			return bad(c, bpos, "builder", "unknown builder \"%.40s\" (expected "
				   "generic or hvm; builder= is deprecated, use type=)", s);
		if (type && type != b)
			return bad(c, bpos, "builder", "contradicts type= (builder= is "
				   "deprecated, use type= alone)");
		type = b;
		pos = bpos;
		from = "builder";
	}
	if (type == 1)
		return bad(c, pos, from, "HVM guests are not supported yet (pv and pvh are)");
	d->type = type ? (enum domcfg_type)type : DOMCFG_TYPE_PV;
	return 0;
}

static int parse_uuid(struct ctx *c)
{
	struct domcfg *d = c->d;
	const char *s = NULL;
	const struct cfg_pos *pos = NULL;
	int r = get_str(c, "uuid", &s, &pos);
	if (r < 0)
		return r;
	if (!r) {
		/* As xl: a new random (version 4) UUID for each creation. */
		int e = uuid_random(d->uuid);
		if (e < 0)
			return bad_file(c, "cannot generate a UUID: %s", strerror(-e));
		d->uuid_generated = true;
		return 0;
	}
	if (uuid_parse(s, d->uuid) < 0)
		return bad(c, pos, "uuid", "invalid UUID \"%.60s\" (expected the form "
			   "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx in hex)", s);
	return 0;
}

static int parse_create_info(struct ctx *c)
{
	struct domcfg *d = c->d;
	int r;
	const char *s = NULL;
	const struct cfg_pos *pos = NULL;
	if ((r = get_str(c, "name", &s, &pos)) < 0)
		return r;
	if (!r)
		return bad_file(c, "no name= setting (every domain needs a name)");
	char why[XCD_ERR_MAX];
	if (domname_check(s, why, sizeof(why)) < 0)
		return bad(c, pos, "name", "%s", why);
	if (!(d->name = strdup(s)))
		return nomem(c);
	if ((r = parse_uuid(c)))
		return r;
	/* A build-time label when init_seclabel= is given, else the only one. */
	if ((r = get_dup(c, "init_seclabel", &d->ssid_label)) < 0)
		return r;
	if ((r = get_dup(c, "seclabel", d->ssid_label ? &d->exec_ssid_label
						       : &d->ssid_label)) < 0)
		return r;
	if ((r = get_dup(c, "pool", &d->pool_name)) < 0 ||
	    (r = get_defbool(c, "hap", &d->hap)) < 0 ||
	    (r = get_defbool(c, "oos", &d->oos)) < 0 ||
	    (r = get_defbool(c, "driver_domain", &d->driver_domain)) < 0 ||
	    (r = get_defbool(c, "xend_suspend_evtchn_compat",
			     &d->xend_suspend_evtchn_compat)) < 0)
		return r;
	if ((r = get_str(c, "passthrough", &s, &pos)) < 0)
		return r;
	if (r) {
		size_t i;
		for (i = 0; i < sizeof(passthrough_names) / sizeof(passthrough_names[0]); i++)
			if (!strcasecmp(s, passthrough_names[i]))
				break;
		if (i == sizeof(passthrough_names) / sizeof(passthrough_names[0]))
			return bad(c, pos, "passthrough", "unknown value \"%.40s\" (expected "
				   "default, disabled, enabled, sync_pt or share_pt)", s);
		if (i == DOMCFG_PASSTHROUGH_SHARE_PT && d->type == DOMCFG_TYPE_PV)
			return bad(c, pos, "passthrough", "share_pt is not available to PV "
				   "guests");
		d->passthrough = (enum domcfg_passthrough)i;
	}
	return 0;
}

/* Keys that only one of the two guest types reads; xl ignores them for the other. */
static int only_for(struct ctx *c, enum domcfg_type type, const char *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct cfg_setting *st = get(c, keys[i]);
		if (st && c->d->type != type) {
			int r = warn(c, &st->pos, "%s applies to %s guests only (ignored)",
				     keys[i], type == DOMCFG_TYPE_PV ? "PV" : "PVH");
			if (r)
				return r;
		}
	}
	return 0;
}

static int parse_pvh(struct ctx *c)
{
	static const char *const pvh_keys[] = { "pvshim", "pvshim_path", "pvshim_cmdline",
						"pvshim_extra" };
	static const char *const pv_keys[] = { "e820_host" };
	struct domcfg *d = c->d;
	int r = only_for(c, DOMCFG_TYPE_PVH, pvh_keys, 4);
	if (!r)
		r = only_for(c, DOMCFG_TYPE_PV, pv_keys, 1);
	if (r)
		return r;
	if (d->type == DOMCFG_TYPE_PVH) {
		if ((r = get_defbool(c, "pvshim", &d->pvshim)) < 0 ||
		    (r = get_dup(c, "pvshim_path", &d->pvshim_path)) < 0 ||
		    (r = get_dup(c, "pvshim_cmdline", &d->pvshim_cmdline)) < 0 ||
		    (r = get_dup(c, "pvshim_extra", &d->pvshim_extra)) < 0)
			return r;
	} else if ((r = get_defbool(c, "e820_host", &d->e820_host)) < 0) {
		return r;
	}
	return 0;
}

static int parse_sched(struct ctx *c)
{
	struct domcfg *d = c->d;
	int r;
	if ((r = get_int(c, "cpu_weight", 1, 65535, &d->sched_weight)) < 0 ||
	    (r = get_int(c, "cap", 0, INT_MAX, &d->sched_cap)) < 0 ||
	    (r = get_int(c, "period", 0, INT_MAX, &d->sched_period)) < 0 ||
	    (r = get_int(c, "slice", 0, INT_MAX, &d->sched_slice)) < 0 ||
	    (r = get_int(c, "latency", 0, INT_MAX, &d->sched_latency)) < 0 ||
	    (r = get_int(c, "extratime", 0, INT_MAX, &d->sched_extratime)) < 0)
		return r;
	return 0;
}

/* Megabytes: up to 2^40 MB keeps the kB value far from overflow. */
#define MAX_MB (1LL << 40)

static int parse_memory(struct ctx *c)
{
	struct domcfg *d = c->d;
	long long mem = 0, max = 0;
	int r = get_num(c, "memory", 1, MAX_MB, &mem);
	if (r < 0)
		return r;
	if (r)
		d->target_memkb = (uint64_t)mem * 1024;
	if ((r = get_num(c, "maxmem", 1, MAX_MB, &max)) < 0)
		return r;
	if (r) {
		if (d->target_memkb != DOMCFG_MEMKB_DEFAULT && (uint64_t)max * 1024 < d->target_memkb)
			return bad(c, &get(c, "maxmem")->value.pos, "maxmem",
				   "%lld MB is less than memory= (%lld MB)", max, mem);
		d->max_memkb = (uint64_t)max * 1024;
	} else {
		/* As xl: without maxmem=, the guest cannot balloon above memory=. */
		d->max_memkb = d->target_memkb;
	}
	return 0;
}

static int parse_vcpus(struct ctx *c)
{
	struct domcfg *d = c->d;
	int r;
	if ((r = get_int(c, "vcpus", 1, DOMCFG_MAX_VCPUS, &d->vcpus)) < 0 ||
	    (r = get_int(c, "maxvcpus", 1, DOMCFG_MAX_VCPUS, &d->max_vcpus)) < 0)
		return r;
	if (!d->max_vcpus)
		d->max_vcpus = d->vcpus;
	if (d->max_vcpus < d->vcpus)
		return bad(c, &get(c, "maxvcpus")->value.pos, "maxvcpus",
			   "%d is less than vcpus= (%d)", d->max_vcpus, d->vcpus);
	return 0;
}

static int cpulist_value(struct ctx *c, const char *key, const struct cfg_value *v,
			 const struct domcfg_host *host, struct cpumap *m)
{
	char e[200];
	if (v->type == CFG_LIST)
		return bad(c, &v->pos, key, "expected a CPU list string, found a list");
	if (domcfg_parse_cpulist(v->text, host, m, e, sizeof(e)))
		return bad(c, &v->pos, key, "\"%.60s\": %s", v->text, e);
	return 0;
}

/* cpus= or cpus_soft=, as xl's parse_vcpu_affinity. */
static int parse_affinity(struct ctx *c, const char *key, const struct domcfg_host *host,
			  struct domcfg_affinity *aff, bool hard)
{
	struct domcfg *d = c->d;
	const struct cfg_setting *st = get(c, key);
	if (!st)
		return 0;
	const struct cfg_value *v = &st->value;
	size_t n = v->type == CFG_LIST ? v->n_items : 1;
	/* xl ignores the maps of vCPUs the guest cannot have... */
	size_t keep = n < (size_t)d->max_vcpus ? n : (size_t)d->max_vcpus;
	if (v->type != CFG_LIST)
		keep = d->max_vcpus ? 1 : 0;
	struct cpumap *maps = NULL;
	if (keep && !(maps = calloc(keep, sizeof(*maps))))
		return nomem(c);
	for (size_t i = 0; i < n; i++) {
		struct cpumap scratch;
		const struct cfg_value *item = v->type == CFG_LIST ? &v->items[i] : v;
		/* ...but they must still be valid here. */
		int r = cpulist_value(c, key, item, host, i < keep ? &maps[i] : &scratch);
		if (r) {
			free(maps);
			return r;
		}
	}
	aff->maps = maps;
	aff->same = v->type != CFG_LIST;
	aff->n = aff->same ? (size_t)d->max_vcpus : keep;
	/* A list always disables automatic NUMA placement; a soft string too. */
	if (v->type == CFG_LIST || !hard)
		d->numa_placement = CFG_DEFBOOL_FALSE;
	if (!d->max_vcpus)
		return warn(c, &st->pos, "%s has no effect without vcpus= or maxvcpus= "
			    "(as in xl)", key);
	return 0;
}

static int parse_action(struct ctx *c, const char *key, enum domcfg_action dflt,
			enum domcfg_action *out)
{
	const char *s = NULL;
	const struct cfg_pos *pos = NULL;
	int r = get_str(c, key, &s, &pos);
	*out = dflt;
	if (r <= 0)
		return r;
	for (int a = DOMCFG_ACTION_DESTROY; a <= DOMCFG_ACTION_SOFT_RESET; a++) {
		if (!strcmp(s, actions[a].xl)) {
			*out = (enum domcfg_action)a;
			return 0;
		}
	}
	return bad(c, pos, key, "unknown action \"%.40s\" (expected destroy, restart, "
		   "rename-restart, preserve, coredump-destroy, coredump-restart or "
		   "soft-reset)", s);
}

/* KEY, a libxl enum of N NAMES given as a name (any case, as libxl's enum
 * parser) or as a number (deprecated, as xl warns); its index in *OUT.
 * NAMES[REMOVED] (if REMOVED >= 0) is a name Xen no longer has. */
static int parse_enum(struct ctx *c, const char *key, const char *const *names, int n,
		      int removed, int *out)
{
	const struct cfg_setting *st = get(c, key);
	if (!st)
		return 0;
	const struct cfg_value *v = &st->value;
	if (v->type == CFG_LIST)
		return bad(c, &v->pos, key, "expected a string, found a list");
	long long k = 0;
	if (v->type == CFG_NUMBER || text_number(v->text, &k)) {
		int r = value_num(c, v, key, 0, n - 1, &k);
		if (r)
			return r;
		if (k == removed)
			return bad(c, &v->pos, key, "%s (%d) has been removed from Xen",
				   names[removed], removed);
		*out = (int)k;
		return warn(c, &st->pos, "%s as a number is deprecated, use %s=\"%s\"", key, key,
			    names[k]);
	}
	for (int i = 0; i < n; i++) {
		if (!strcasecmp(v->text, names[i])) {
			if (i == removed)
				return bad(c, &v->pos, key, "%s has been removed from Xen",
					   names[removed]);
			*out = i;
			return 0;
		}
	}
	char expect[160] = "";
	for (int i = 0; i < n; i++)
		if (i != removed)
			snprintf(expect + strlen(expect), sizeof(expect) - strlen(expect), "%s%s",
				 expect[0] ? ", " : "", names[i]);
	return bad(c, &v->pos, key, "unknown mode \"%.40s\" (expected %s)", v->text, expect);
}

static int parse_modes(struct ctx *c)
{
	int tsc = c->d->tsc_mode, timer = c->d->timer_mode, r;
	if ((r = parse_enum(c, "tsc_mode", tsc_names, 4, 3, &tsc)) < 0 ||
	    (r = parse_enum(c, "timer_mode", timer_names, 4, -1, &timer)) < 0)
		return r;
	c->d->tsc_mode = (enum domcfg_tsc_mode)tsc;
	c->d->timer_mode = (enum domcfg_timer_mode)timer;
	return 0;
}

static int parse_limits(struct ctx *c)
{
	struct domcfg *d = c->d;
	long long v = 0;
	int r;
	if ((r = get_num(c, "max_grant_frames", 0, INT_MAX, &v)) < 0)
		return r;
	if (r)
		d->max_grant_frames = (uint32_t)v;
	if ((r = get_num(c, "max_maptrack_frames", 0, INT_MAX, &v)) < 0)
		return r;
	if (r)
		d->max_maptrack_frames = (uint32_t)v;
	if ((r = get_int(c, "max_grant_version", 1, INT_MAX, &d->max_grant_version)) < 0)
		return r;
	if ((r = get_num(c, "max_event_channels", 0, UINT32_MAX, &v)) < 0)
		return r;
	if (r)
		d->event_channels = (uint32_t)v;
	if ((r = get_num(c, "shadow_memory", 0, MAX_MB, &v)) < 0)
		return r;
	if (r)
		d->shadow_memkb = (uint64_t)v * 1024;
	/* libxl keeps the offset in a uint32_t: negative offsets wrap. */
	if ((r = get_num(c, "rtc_timeoffset", INT32_MIN, UINT32_MAX, &v)) < 0)
		return r;
	if (r)
		d->rtc_timeoffset = (uint32_t)v;
	if ((r = get_defbool(c, "nomigrate", &d->disable_migrate)) < 0 ||
	    (r = get_defbool(c, "localtime", &d->localtime)) < 0 ||
	    (r = get_defbool(c, "acpi", &d->acpi)) < 0 ||
	    (r = get_defbool(c, "nestedhvm", &d->nested_hvm)) < 0 ||
	    (r = get_defbool(c, "msr_relaxed", &d->msr_relaxed)) < 0)
		return r;
	return parse_modes(c);
}

/* cmdline=, else "root=ROOT EXTRA" from root= and extra=, as xl. */
static int parse_cmdline(struct ctx *c)
{
	struct domcfg *d = c->d;
	const char *cmdline = NULL, *root = NULL, *extra = NULL;
	const struct cfg_pos *pos = NULL;
	int r;
	if ((r = get_str(c, "root", &root, NULL)) < 0 ||
	    (r = get_str(c, "extra", &extra, NULL)) < 0 ||
	    (r = get_str(c, "cmdline", &cmdline, &pos)) < 0)
		return r;
	if (cmdline) {
		if ((root || extra) &&
		    (r = warn(c, pos, "root= and extra= are ignored in favour of cmdline=")))
			return r;
		d->cmdline = strdup(cmdline);
	} else if (root && extra) {
		r = asprintf(&d->cmdline, "root=%s %s", root, extra);
		if (r < 0)
			d->cmdline = NULL;
	} else if (root) {
		r = asprintf(&d->cmdline, "root=%s", root);
		if (r < 0)
			d->cmdline = NULL;
	} else if (extra) {
		d->cmdline = strdup(extra);
	} else {
		return 0;
	}
	return d->cmdline ? 0 : nomem(c);
}

static int parse_boot(struct ctx *c)
{
	struct domcfg *d = c->d;
	int r;
	if ((r = get_dup(c, "kernel", &d->kernel)) < 0 ||
	    (r = get_dup(c, "ramdisk", &d->ramdisk)) < 0 ||
	    (r = get_dup(c, "bootloader", &d->bootloader)) < 0 ||
	    (r = parse_cmdline(c)) < 0)
		return r;
	const struct cfg_setting *st = get(c, "bootloader_args");
	if (st && st->value.type != CFG_LIST) {
		/* The deprecated form: one string split at blanks. */
		const char *s = st->value.text;
		if ((r = warn(c, &st->pos, "bootloader_args as a string is deprecated, use a "
			      "list of arguments")))
			return r;
		while (*s) {
			size_t blank = strspn(s, " \t\n");
			s += blank;
			size_t len = strcspn(s, " \t\n");
			if (len && (r = strv_push(c, &d->bootloader_args, &d->n_bootloader_args,
						  s, len)))
				return r;
			s += len;
		}
	} else if ((r = get_strlist(c, "bootloader_args", &d->bootloader_args,
				    &d->n_bootloader_args)) < 0) {
		return r;
	}
	/* firmware= names a PV grub for PV and PVH guests. */
	const char *fw = NULL;
	const struct cfg_pos *pos = NULL;
	if ((r = get_str(c, "firmware", &fw, &pos)) < 0)
		return r;
	if (r) {
		if (d->kernel)
			return bad(c, pos, "firmware", "both kernel= and firmware= are given");
		if (strcmp(fw, "pvgrub32") && strcmp(fw, "pvgrub64"))
			return bad(c, pos, "firmware", "\"%.40s\" is not a firmware for %s "
				   "guests (expected pvgrub32 or pvgrub64)", fw,
				   d->type == DOMCFG_TYPE_PV ? "PV" : "PVH");
		if (asprintf(&d->kernel, "%s/%s.bin", DOMCFG_FIRMWARE_DIR, fw) < 0) {
			d->kernel = NULL;
			return nomem(c);
		}
	}
	if (!d->kernel && !d->bootloader)
		return bad_file(c, "neither kernel= nor bootloader= is given (a %s guest needs "
				"one)", d->type == DOMCFG_TYPE_PV ? "PV" : "PVH");
	return 0;
}

/* The list of KEY, whose items must be strings; *items NULL when absent. */
static int spec_list(struct ctx *c, const char *key, const struct cfg_value **items, size_t *n)
{
	const struct cfg_setting *st = get(c, key);
	*items = NULL;
	*n = 0;
	if (!st)
		return 0;
	if (st->value.type != CFG_LIST)
		return bad(c, &st->value.pos, key, "expected a list [ '...', ... ], found a %s",
			   cfg_type_name(st->value.type));
	for (size_t i = 0; i < st->value.n_items; i++)
		if (st->value.items[i].type == CFG_LIST)
			return bad(c, &st->value.items[i].pos, key, "item %zu: expected a "
				   "string, found a list", i + 1);
	*items = st->value.items;
	*n = st->value.n_items;
	return 0;
}

static int parse_disks(struct ctx *c)
{
	struct domcfg *d = c->d;
	const struct cfg_value *items;
	size_t n;
	int r = spec_list(c, "disk", &items, &n);
	if (r || !n)
		return r;
	if (!(d->disks = calloc(n, sizeof(*d->disks))))
		return nomem(c);
	for (size_t i = 0; i < n; i++) {
		char e[400];
		if (disk_parse(items[i].text, &d->disks[i], e, sizeof(e)))
			return bad(c, &items[i].pos, "disk", "disk %zu (\"%.80s\"): %s", i + 1,
				   items[i].text, e);
		d->n_disks = i + 1;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(d->disks[j].vdev, d->disks[i].vdev))
				return bad(c, &items[i].pos, "disk", "disk %zu: vdev %s is already "
					   "used by disk %zu", i + 1, d->disks[i].vdev, j + 1);
	}
	return 0;
}

static int parse_vifs(struct ctx *c)
{
	struct domcfg *d = c->d;
	const struct cfg_value *items;
	size_t n;
	int r = spec_list(c, "vif", &items, &n);
	if (r || !n)
		return r;
	if (!(d->vifs = calloc(n, sizeof(*d->vifs))))
		return nomem(c);
	for (size_t i = 0; i < n; i++) {
		char e[400], w[400];
		if (vif_parse(items[i].text, &d->vifs[i], w, sizeof(w), e, sizeof(e)))
			return bad(c, &items[i].pos, "vif", "vif %zu (\"%.80s\"): %s", i + 1,
				   items[i].text, e);
		d->n_vifs = i + 1;
		/* As xl: a vif's devid is its index unless devid= says otherwise. */
		if (d->vifs[i].devid < 0)
			d->vifs[i].devid = (int)i;
		if (w[0] && (r = warn(c, &items[i].pos, "vif %zu: %s", i + 1, w)))
			return r;
		for (size_t j = 0; j < i; j++)
			if (d->vifs[j].devid == d->vifs[i].devid)
				return bad(c, &items[i].pos, "vif", "vif %zu: devid %d is already "
					   "used by vif %zu", i + 1, d->vifs[i].devid, j + 1);
	}
	return 0;
}

static int parse_serial(struct ctx *c)
{
	struct domcfg *d = c->d;
	const struct cfg_setting *st = get(c, "serial");
	if (!st)
		return 0;
	/* A list of devices, or one as a string for backward compatibility. */
	if (st->value.type != CFG_LIST)
		return strv_push(c, &d->serial, &d->n_serial, st->value.text,
				 strlen(st->value.text));
	int r = get_strlist(c, "serial", &d->serial, &d->n_serial);
	return r < 0 ? r : 0;
}

/* Warnings for every key that is not normalised here. */
static int classify_keys(struct ctx *c)
{
	for (size_t i = 0; i < c->cf->n_settings; i++) {
		const struct cfg_setting *st = &c->cf->settings[i];
		enum domcfg_key_class cls = domcfg_key_class(st->key);
		int r = 0;
		if (cls == DOMCFG_KEY_UNKNOWN)
			r = warn(c, &st->pos, "unknown key '%.60s' (ignored)", st->key);
		else if (cls == DOMCFG_KEY_HVM)
			r = warn(c, &st->pos, "%s is an option of HVM guests, which are not "
				 "supported yet (ignored)", st->key);
		else if (cls == DOMCFG_KEY_LATER)
			r = warn(c, &st->pos, "%s is not supported yet (ignored)", st->key);
		if (r)
			return r;
	}
	return 0;
}

/* A key read into the domcfg that xcd does not carry out: a warning at its
 * line, never a silent loss (libxl's JSON refuses them: domcfg_honoured). */
static int warn_unhonoured(const struct domcfg_unhonoured *u, void *arg)
{
	struct ctx *c = arg;
	const struct cfg_setting *st = NULL;
	char key[64];
	const char *k = u->xl_key, *bar;
	while (!st && *k) {
		bar = strchr(k, '|');
		size_t n = bar ? (size_t)(bar - k) : strlen(k);
		snprintf(key, sizeof(key), "%.*s", (int)n, k);
		st = cfgfile_get(c->cf, key);
		k += bar ? n + 1 : n;
	}
	/* Not in the file (never so: defaults are what xcd does): its name only. */
	const struct cfg_pos whole = { cfgfile_name(c->cf), 0, 0 };
	return warn(c, st ? &st->pos : &whole, "%s: %s: xcd does not carry it out (ignored)",
		    st ? st->key : u->xl_key, u->what);
}

static int build(struct ctx *c, const struct domcfg_host *host)
{
	struct domcfg *d = c->d;
	int r;
	if ((r = parse_type(c)) || (r = parse_create_info(c)) || (r = parse_pvh(c)) ||
	    (r = parse_sched(c)) || (r = parse_memory(c)) || (r = parse_vcpus(c)))
		return r;
	if ((r = parse_affinity(c, "cpus", host, &d->vcpu_hard_affinity, true)) ||
	    (r = parse_affinity(c, "cpus_soft", host, &d->vcpu_soft_affinity, false)))
		return r;
	if ((r = parse_limits(c)))
		return r;
	if ((r = parse_action(c, "on_poweroff", DOMCFG_ACTION_DESTROY, &d->on_poweroff)) ||
	    (r = parse_action(c, "on_reboot", DOMCFG_ACTION_RESTART, &d->on_reboot)) ||
	    (r = parse_action(c, "on_watchdog", DOMCFG_ACTION_DESTROY, &d->on_watchdog)) ||
	    (r = parse_action(c, "on_crash", DOMCFG_ACTION_DESTROY, &d->on_crash)) ||
	    (r = parse_action(c, "on_soft_reset", DOMCFG_ACTION_SOFT_RESET, &d->on_soft_reset)))
		return r;
	if ((r = parse_boot(c)) || (r = parse_disks(c)) || (r = parse_vifs(c)) ||
	    (r = parse_serial(c)))
		return r;
	if ((r = classify_keys(c)))
		return r;
	return domcfg_each_unhonoured(c->d, warn_unhonoured, c);
}

struct domcfg *domcfg_new(void)
{
	struct domcfg *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->max_memkb = d->target_memkb = d->shadow_memkb = DOMCFG_MEMKB_DEFAULT;
	d->timer_mode = DOMCFG_TIMER_DEFAULT;
	d->max_grant_frames = d->max_maptrack_frames = DOMCFG_GRANT_DEFAULT;
	d->max_grant_version = DOMCFG_SCHED_DEFAULT;
	d->sched_weight = d->sched_cap = d->sched_period = d->sched_extratime =
		d->sched_slice = d->sched_latency = DOMCFG_SCHED_DEFAULT;
	return d;
}

int domcfg_from_cfg(const struct cfgfile *cf, const struct domcfg_host *host,
		    struct domcfg **out, char *err, size_t errlen)
{
	struct domcfg *d = domcfg_new();
	struct ctx c = { cf, d, err, errlen };
	if (errlen)
		err[0] = '\0';
	if (!d)
		return nomem(&c);
	int r = build(&c, host);
	if (r) {
		domcfg_free(d);
		return r;
	}
	*out = d;
	return 0;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void domcfg_free(struct domcfg *d)
{
	if (!d)
		return;
	free(d->ssid_label);
	free(d->name);
	free(d->pool_name);
	free(d->vcpu_hard_affinity.maps);
	free(d->vcpu_soft_affinity.maps);
	free(d->exec_ssid_label);
	free(d->kernel);
	free(d->cmdline);
	free(d->ramdisk);
	free(d->bootloader);
	strv_free(d->bootloader_args, d->n_bootloader_args);
	free(d->pvshim_path);
	free(d->pvshim_cmdline);
	free(d->pvshim_extra);
	for (size_t i = 0; i < d->n_disks; i++)
		disk_free(&d->disks[i]);
	free(d->disks);
	for (size_t i = 0; i < d->n_vifs; i++)
		vif_free(&d->vifs[i]);
	free(d->vifs);
	strv_free(d->serial, d->n_serial);
	strv_free(d->warnings, d->n_warnings);
	free(d);
}
