/* domcfg_libxl: libxl's JSON domain configuration read into a domcfg
 * (domcfg_from_libxl_json, domcfg.h): what xl writes into its save files and
 * migration streams (libxl_retrieve_domain_configuration, Xen 4.17), and
 * what domcfg_to_json writes, so that the two round trip.
 *
 * Every key of libxl_domain_config (libxl_types.idl, 4.17) is one of:
 * - read into the domcfg field that holds it;
 * - let go: what libxl fills in for itself and that does not change the guest
 *   xcd builds (a placement libxl computed, xl.conf's claim mode, a device
 *   model's version for a guest without one, ...), each named below;
 * - allowed only at its neutral value (null, 0, false, "False", "",
 *   "<default>", "default", "none", "unknown", "disabled", an empty list or an
 *   object of such values): xcd cannot honour anything else (a CPUID policy,
 *   vNUMA, passthrough, a framebuffer...), and refuses it naming the key.
 * An unknown key is allowed only at a neutral value too. */
#include "domcfg.h"
#include "../lib/jsondepth.h"
#include "../lib/uuid.h"
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

/* Bounds on outside input: nesting, members of one object. */
#define MAX_DEPTH DOMCFG_JSON_MAX_DEPTH
#define MAX_MEMBERS 512

struct jx {
	struct domcfg *d;
	char *err;
	size_t errlen;
};

enum kind {
	K_STR,     /* char * (null: left NULL) */
	K_DEFBOOL, /* enum cfg_defbool: "True", "False", "<default>" */
	K_INT,     /* int in [min, max] */
	K_U32,     /* uint32_t in [min, max] */
	K_U64,     /* uint64_t */
	K_LETGO,   /* read by nobody: does not change the guest (see above) */
	K_NEUTRAL, /* refused unless neutral */
	K_ENUM,    /* an enum (int-sized) by libxl's names: name(min..max) */
	K_AFFINITY, /* struct domcfg_affinity: a list of CPU lists */
	K_MOVED,   /* char *: type.pv's copy of a b_info string (pv_moved) */
	K_FN,      /* fn */
};

struct field;
typedef int field_fn(struct jx *x, const char *at, yajl_val v, void *obj);

struct field {
	const char *key;
	enum kind kind;
	size_t off;
	long long min, max;
	field_fn *fn;
	const char *(*name)(int);
};

#define F_STR(T, k, m) { k, K_STR, offsetof(T, m), 0, 0, NULL, NULL }
#define F_BOOL(T, k, m) { k, K_DEFBOOL, offsetof(T, m), 0, 0, NULL, NULL }
#define F_INT(T, k, m, lo, hi) { k, K_INT, offsetof(T, m), lo, hi, NULL, NULL }
#define F_U32(T, k, m, lo, hi) { k, K_U32, offsetof(T, m), lo, hi, NULL, NULL }
#define F_U64(T, k, m) { k, K_U64, offsetof(T, m), 0, 0, NULL, NULL }
#define F_FN(k, f) { k, K_FN, 0, 0, 0, f, NULL }
#define F_AFFINITY(k, m) { k, K_AFFINITY, offsetof(struct domcfg, m), 0, 0, NULL, NULL }
#define F_MOVED(k, m) { k, K_MOVED, offsetof(struct domcfg, m), 0, 0, NULL, NULL }
#define F_ENUM(T, k, m, nm, lo, hi) { k, K_ENUM, offsetof(T, m), lo, hi, NULL, nm }
#define F_LETGO(k) { k, K_LETGO, 0, 0, 0, NULL, NULL }
#define F_NEUTRAL(k) { k, K_NEUTRAL, 0, 0, 0, NULL, NULL }
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static int fail(struct jx *x, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct jx *x, const char *at, const char *fmt, ...)
{
	char msg[384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (x->errlen)
		snprintf(x->err, x->errlen, "%s: %s", at, msg);
	return -EINVAL;
}

static int nomem(struct jx *x)
{
	if (x->errlen)
		snprintf(x->err, x->errlen, "out of memory");
	return -ENOMEM;
}

/* PREFIX.KEY (or KEY) into BUF. */
static const char *path(char *buf, size_t len, const char *prefix, const char *key)
{
	snprintf(buf, len, "%s%s%.80s", prefix, *prefix ? "." : "", key);
	return buf;
}

/* A short rendering of V for an error: its text, or its kind. */
static const char *shown(yajl_val v, char *buf, size_t len)
{
	if (YAJL_IS_STRING(v))
		snprintf(buf, len, "\"%.60s\"", YAJL_GET_STRING(v));
	else if (YAJL_IS_NUMBER(v))
		snprintf(buf, len, "%.40s", v->u.number.r);
	else if (YAJL_IS_TRUE(v))
		snprintf(buf, len, "true");
	else if (YAJL_IS_OBJECT(v))
		snprintf(buf, len, "an object of %zu member(s)", v->u.object.len);
	else if (YAJL_IS_ARRAY(v))
		snprintf(buf, len, "a list of %zu item(s)", v->u.array.len);
	else
		snprintf(buf, len, "a value");
	return buf;
}

static bool neutral_at(yajl_val v, int depth)
{
	static const char *const words[] = { "", "False", "<default>", "default", "none",
					     "unknown", "disabled" };
	if (!v || YAJL_IS_NULL(v) || YAJL_IS_FALSE(v))
		return true;
	if (YAJL_IS_NUMBER(v))
		return !strcmp(v->u.number.r, "0");
	if (YAJL_IS_STRING(v)) {
		const char *t = v->u.string;
		for (size_t i = 0; i < N_OF(words); i++)
			if (!strcmp(t, words[i]))
				return true;
		return false;
	}
	if (YAJL_IS_ARRAY(v))
		return v->u.array.len == 0;
	if (YAJL_IS_OBJECT(v) && depth < 4) {
		for (size_t i = 0; i < v->u.object.len; i++)
			if (!neutral_at(v->u.object.values[i], depth + 1))
				return false;
		return true;
	}
	return false;
}

static int need_neutral(struct jx *x, const char *at, yajl_val v, const char *what)
{
	char b[96];
	if (neutral_at(v, 0))
		return 0;
	return fail(x, at, "%s (%s): xcd cannot honour it, and will not drop it", what,
		    shown(v, b, sizeof(b)));
}

static int out_of_range(struct jx *x, const char *at, const char *t, long long min,
			long long max)
{
	if (max < 0)
		return fail(x, at, "%.40s is not an integer from 0 to %llu", t,
			    (unsigned long long)UINT64_MAX);
	return fail(x, at, "%.40s is not an integer from %lld to %lld", t, min, max);
}

/* An integer of the JSON's text in [MIN, MAX] (MAX < 0: 0 to UINT64_MAX). */
static int number(struct jx *x, const char *at, yajl_val v, long long min, long long max,
		  uint64_t *out)
{
	char b[96];
	if (!YAJL_IS_NUMBER(v))
		return fail(x, at, "expected a number, not %s", shown(v, b, sizeof(b)));
	const char *t = v->u.number.r;
	char *end;
	errno = 0;
	if (t[0] == '-') {
		long long n = strtoll(t, &end, 10);
		if (errno || *end || n < min)
			return out_of_range(x, at, t, min, max);
		*out = (uint64_t)n;
		return 0;
	}
	unsigned long long n = strtoull(t, &end, 10);
	if (errno || *end || end == t || (max >= 0 && n > (unsigned long long)max) ||
	    (min > 0 && n < (unsigned long long)min))
		return out_of_range(x, at, t, min, max);
	*out = n;
	return 0;
}

static int string(struct jx *x, const char *at, yajl_val v, const char **out)
{
	char b[96];
	if (!YAJL_IS_STRING(v))
		return fail(x, at, "expected a string, not %s", shown(v, b, sizeof(b)));
	*out = YAJL_GET_STRING(v);
	return 0;
}

static int dup_into(struct jx *x, const char *at, yajl_val v, char **field)
{
	const char *s = NULL;
	if (YAJL_IS_NULL(v))
		return 0;
	int r = string(x, at, v, &s);
	if (r)
		return r;
	char *c = strdup(s);
	if (!c)
		return nomem(x);
	free(*field);
	*field = c;
	return 0;
}

static int defbool(struct jx *x, const char *at, yajl_val v, enum cfg_defbool *b)
{
	const char *s = NULL;
	if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
		*b = YAJL_IS_TRUE(v) ? CFG_DEFBOOL_TRUE : CFG_DEFBOOL_FALSE;
		return 0;
	}
	int r = string(x, at, v, &s);
	if (r)
		return r;
	if (!strcmp(s, "True"))
		*b = CFG_DEFBOOL_TRUE;
	else if (!strcmp(s, "False"))
		*b = CFG_DEFBOOL_FALSE;
	else if (!strcmp(s, "<default>"))
		*b = CFG_DEFBOOL_DEFAULT;
	else
		return fail(x, at, "\"%.40s\" is not a libxl boolean (True, False or <default>)",
			    s);
	return 0;
}

/* An enumeration by libxl's names: NAME(LO..HI). */
static int by_name(struct jx *x, const char *at, yajl_val v, const char *(*name)(int), int lo,
		   int hi, int *out)
{
	const char *s = NULL;
	int r = string(x, at, v, &s);
	if (r)
		return r;
	char expect[256] = "";
	for (int i = lo; i <= hi; i++) {
		if (!strcmp(s, name(i))) {
			*out = i;
			return 0;
		}
		size_t l = strlen(expect);
		snprintf(expect + l, sizeof(expect) - l, "%s%s", i > lo ? ", " : "", name(i));
	}
	return fail(x, at, "unknown value \"%.40s\" (expected one of %s)", s, expect);
}

static int affinity(struct jx *x, const char *at, yajl_val v, struct domcfg_affinity *a);
static int pv_moved(struct jx *x, const char *at, yajl_val v, char **top);

static int one_field(struct jx *x, const char *at, const struct field *f, yajl_val v, void *obj)
{
	char *p = (char *)obj + f->off;
	uint64_t n;
	int r;
	switch (f->kind) {
	case K_STR:
		return dup_into(x, at, v, (char **)(void *)p);
	case K_DEFBOOL:
		return defbool(x, at, v, (enum cfg_defbool *)(void *)p);
	case K_INT:
		if ((r = number(x, at, v, f->min, f->max, &n)) == 0)
			*(int *)(void *)p = (int)(int64_t)n;
		return r;
	case K_U32:
		if ((r = number(x, at, v, f->min, f->max, &n)) == 0)
			*(uint32_t *)(void *)p = (uint32_t)n;
		return r;
	case K_U64:
		if ((r = number(x, at, v, 0, -1, &n)) == 0)
			*(uint64_t *)(void *)p = n;
		return r;
	case K_LETGO:
		return 0;
	case K_NEUTRAL:
		return need_neutral(x, at, v, "set");
	case K_ENUM: {
		int e;
		if ((r = by_name(x, at, v, f->name, (int)f->min, (int)f->max, &e)) == 0)
			*(int *)(void *)p = e;
		return r;
	}
	case K_AFFINITY:
		return affinity(x, at, v, (struct domcfg_affinity *)(void *)p);
	case K_MOVED:
		return pv_moved(x, at, v, (char **)(void *)p);
	case K_FN:
		return f->fn(x, at, v, obj);
	}
	return 0;
}

/* Each member of the object V (at PREFIX) through FIELDS into OBJ. */
static int walk(struct jx *x, const char *prefix, yajl_val v, const struct field *fields,
		size_t n, void *obj)
{
	char at[192], b[96];
	if (!YAJL_IS_OBJECT(v))
		return fail(x, *prefix ? prefix : "the configuration", "expected an object, not %s",
			    shown(v, b, sizeof(b)));
	if (v->u.object.len > MAX_MEMBERS)
		return fail(x, *prefix ? prefix : "the configuration",
			    "%zu members (at most %d)", v->u.object.len, MAX_MEMBERS);
	for (size_t i = 0; i < v->u.object.len; i++) {
		const char *k = v->u.object.keys[i];
		path(at, sizeof(at), prefix, k);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(v->u.object.keys[j], k))
				return fail(x, at, "given twice");
		const struct field *f = NULL;
		for (size_t j = 0; j < n && !f; j++)
			if (!strcmp(fields[j].key, k))
				f = &fields[j];
		int r = f ? one_field(x, at, f, v->u.object.values[i], obj)
			  : need_neutral(x, at, v->u.object.values[i], "a key xcd does not know");
		if (r)
			return r;
	}
	return 0;
}

static yajl_val member(yajl_val obj, const char *k)
{
	const char *p[] = { k, NULL };
	return YAJL_IS_OBJECT(obj) ? yajl_tree_get(obj, p, yajl_t_any) : NULL;
}

/* ---- c_info ---- */

static int c_type(struct jx *x, const char *at, yajl_val v, void *obj)
{
	const char *s = NULL;
	int r = string(x, at, v, &s);
	(void)obj;
	if (r)
		return r;
	if (!strcmp(s, "pv"))
		x->d->type = DOMCFG_TYPE_PV;
	else if (!strcmp(s, "pvh"))
		x->d->type = DOMCFG_TYPE_PVH;
	else if (!strcmp(s, "hvm"))
		return fail(x, at, "HVM guests are not supported yet (pv and pvh are)");
	else
		return fail(x, at, "unknown guest type \"%.40s\" (expected pv or pvh)", s);
	return 0;
}

static int c_uuid(struct jx *x, const char *at, yajl_val v, void *obj)
{
	const char *s = NULL;
	int r = string(x, at, v, &s);
	(void)obj;
	if (r)
		return r;
	if (uuid_parse(s, x->d->uuid) < 0)
		return fail(x, at, "invalid UUID \"%.60s\"", s);
	x->d->uuid_generated = false;
	return 0;
}

static const char *passthrough_name(int v) { return domcfg_passthrough_name(v); }

#define C(k, m) F_STR(struct domcfg, k, m)
#define B(k, m) F_BOOL(struct domcfg, k, m)
static const struct field c_info_fields[] = {
	F_FN("type", c_type), B("hap", hap), B("oos", oos), F_NEUTRAL("ssidref"),
	C("ssid_label", ssid_label), C("name", name),
	F_LETGO("domid"), /* the domid asked for: xcd gives the next one */
	F_FN("uuid", c_uuid), F_NEUTRAL("xsdata"), F_NEUTRAL("platformdata"),
	F_LETGO("poolid"), /* the pool is pool_name's */
	C("pool_name", pool_name),
	F_LETGO("run_hotplug_scripts"), /* xcdd runs the hotplug scripts itself */
	B("driver_domain", driver_domain),
	F_ENUM(struct domcfg, "passthrough", passthrough, passthrough_name,
	       DOMCFG_PASSTHROUGH_DEFAULT, DOMCFG_PASSTHROUGH_SHARE_PT),
	B("xend_suspend_evtchn_compat", xend_suspend_evtchn_compat),
};

/* ---- b_info ---- */

static int b_avail_vcpus(struct jx *x, const char *at, yajl_val v, void *obj)
{
	char b[96];
	(void)obj;
	if (!YAJL_IS_ARRAY(v))
		return fail(x, at, "expected a list of vCPU numbers, not %s",
			    shown(v, b, sizeof(b)));
	/* xcd starts vCPUs 0 to N-1: the bitmap must be those. */
	for (size_t i = 0; i < v->u.array.len; i++) {
		uint64_t n;
		int r = number(x, at, v->u.array.values[i], 0, DOMCFG_MAX_VCPUS - 1, &n);
		if (r)
			return r;
		if (n != i)
			return fail(x, at, "vCPUs online at start must be 0 to N-1 (item %zu is "
				    "%llu)",
				    i, (unsigned long long)n);
	}
	x->d->vcpus = (int)v->u.array.len;
	return 0;
}

static int cpu_bitmap(struct jx *x, const char *at, yajl_val v, struct cpumap *m)
{
	char b[96];
	if (!YAJL_IS_ARRAY(v))
		return fail(x, at, "expected a list of CPU numbers, not %s",
			    shown(v, b, sizeof(b)));
	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < v->u.array.len; i++) {
		uint64_t n;
		int r = number(x, at, v->u.array.values[i], 0, DOMCFG_MAX_CPUS - 1, &n);
		if (r)
			return r;
		m->bits[n / 64] |= 1ULL << (n % 64);
	}
	return 0;
}

static int affinity(struct jx *x, const char *at, yajl_val v, struct domcfg_affinity *a)
{
	char b[96], item[224];
	if (!YAJL_IS_ARRAY(v))
		return fail(x, at, "expected a list of CPU lists, not %s", shown(v, b, sizeof(b)));
	size_t n = v->u.array.len;
	if (n > DOMCFG_MAX_VCPUS)
		return fail(x, at, "%zu maps (at most %d vCPUs)", n, DOMCFG_MAX_VCPUS);
	struct cpumap *maps = n ? calloc(n, sizeof(*maps)) : NULL;
	if (n && !maps)
		return nomem(x);
	for (size_t i = 0; i < n; i++) {
		snprintf(item, sizeof(item), "%s[%zu]", at, i);
		int r = cpu_bitmap(x, item, v->u.array.values[i], &maps[i]);
		if (r) {
			free(maps);
			return r;
		}
	}
	free(a->maps);
	a->maps = maps;
	a->n = n;
	a->same = false;
	return 0;
}

static const char *tsc_name(int v) { return domcfg_tsc_mode_name(v); }
static const char *timer_name(int v) { return domcfg_timer_mode_name(v); }

static int strlist(struct jx *x, const char *at, yajl_val v, char ***out, size_t *n_out)
{
	char b[96];
	if (!YAJL_IS_ARRAY(v))
		return fail(x, at, "expected a list of strings, not %s", shown(v, b, sizeof(b)));
	size_t n = v->u.array.len;
	char **s = calloc(n + 1, sizeof(*s));
	if (!s)
		return nomem(x);
	for (size_t i = 0; i < n; i++) {
		const char *t = NULL;
		int r = string(x, at, v->u.array.values[i], &t);
		if (!r && !(s[i] = strdup(t)))
			r = nomem(x);
		if (r) {
			for (size_t j = 0; j < i; j++)
				free(s[j]);
			free(s);
			return r;
		}
	}
	for (size_t i = 0; i < *n_out; i++)
		free((*out)[i]);
	free(*out);
	*out = s;
	*n_out = n;
	return 0;
}

static int b_bootloader_args(struct jx *x, const char *at, yajl_val v, void *obj)
{
	(void)obj;
	return strlist(x, at, v, &x->d->bootloader_args, &x->d->n_bootloader_args);
}

/* apic: libxl's for HVM and PVH guests; xcd's PVH guests have their local
 * APIC always, so only its absence is refused. */
static int b_apic(struct jx *x, const char *at, yajl_val v, void *obj)
{
	enum cfg_defbool b;
	int r = defbool(x, at, v, &b);
	(void)obj;
	if (r == 0 && b == CFG_DEFBOOL_FALSE)
		return fail(x, at, "a guest without a local APIC: xcd cannot honour it");
	return r;
}

#define S(k) F_INT(struct domcfg, #k, sched_##k, -1, 0x7fffffff)
static const struct field sched_fields[] = {
	F_LETGO("sched"), /* which scheduler the values are for: the host's pool's */
	S(weight), S(cap), S(period), F_NEUTRAL("budget"), S(extratime), S(slice), S(latency),
};
#undef S

static int b_sched(struct jx *x, const char *at, yajl_val v, void *obj)
{
	return walk(x, at, v, sched_fields, N_OF(sched_fields), obj);
}

static const char *type_name(int v) { return v == 1 ? "hvm" : domcfg_type_name(v); }

static int b_type(struct jx *x, const char *at, yajl_val v, void *obj)
{
	int t;
	int r = by_name(x, at, v, type_name, 1, DOMCFG_TYPE_PVH, &t);
	(void)obj;
	if (r == 0 && t != (int)x->d->type)
		return fail(x, at, "\"%s\" contradicts c_info.type (\"%s\")", type_name(t),
			    domcfg_type_name(x->d->type));
	return r;
}

/* type.pv's kernel, cmdline and ramdisk: the place libxl had them before
 * 4.x moved them up; the same as b_info's or alone. */
static int pv_moved(struct jx *x, const char *at, yajl_val v, char **top)
{
	char *again = NULL;
	int r = *top ? dup_into(x, at, v, &again) : dup_into(x, at, v, top);
	if (r == 0 && again && strcmp(*top, again))
		r = fail(x, at, "\"%.60s\" contradicts b_info's (\"%.60s\")", again, *top);
	free(again);
	return r;
}

static const struct field pv_fields[] = {
	F_MOVED("kernel", kernel),
	F_LETGO("slack_memkb"), /* libxl's balloon slack, not the guest's memory */
	F_MOVED("bootloader", bootloader),
	F_FN("bootloader_args", b_bootloader_args),
	F_MOVED("cmdline", cmdline),
	F_MOVED("ramdisk", ramdisk),
	F_NEUTRAL("features"),
	B("e820_host", e820_host),
};

static const struct field pvh_fields[] = {
	B("pvshim", pvshim), C("pvshim_path", pvshim_path), C("pvshim_cmdline", pvshim_cmdline),
	C("pvshim_extra", pvshim_extra),
};

static const struct field x86_fields[] = { B("msr_relaxed", msr_relaxed) };

static int b_pv(struct jx *x, const char *at, yajl_val v, void *obj)
{
	if (x->d->type != DOMCFG_TYPE_PV)
		return need_neutral(x, at, v, "options of PV guests, for a PVH one");
	return walk(x, at, v, pv_fields, N_OF(pv_fields), obj);
}

static int b_pvh(struct jx *x, const char *at, yajl_val v, void *obj)
{
	if (x->d->type != DOMCFG_TYPE_PVH)
		return need_neutral(x, at, v, "options of PVH guests, for a PV one");
	return walk(x, at, v, pvh_fields, N_OF(pvh_fields), obj);
}

static int b_x86(struct jx *x, const char *at, yajl_val v, void *obj)
{
	return walk(x, at, v, x86_fields, N_OF(x86_fields), obj);
}

#define M(k) F_U64(struct domcfg, #k, k)
#define G(k) F_U32(struct domcfg, #k, k, 0, 0xffffffffLL)
static const struct field b_info_fields[] = {
	F_INT(struct domcfg, "max_vcpus", max_vcpus, 0, DOMCFG_MAX_VCPUS),
	F_FN("avail_vcpus", b_avail_vcpus),
	/* cpumap and nodemap: the placement libxl chose for itself (what was
	 * asked is vcpu_hard_affinity's and numa_placement's). */
	F_LETGO("cpumap"), F_LETGO("nodemap"),
	F_AFFINITY("vcpu_hard_affinity", vcpu_hard_affinity),
	F_AFFINITY("vcpu_soft_affinity", vcpu_soft_affinity),
	B("numa_placement", numa_placement),
	F_ENUM(struct domcfg, "tsc_mode", tsc_mode, tsc_name, DOMCFG_TSC_DEFAULT,
	       DOMCFG_TSC_NATIVE),
	M(max_memkb), M(target_memkb),
	F_LETGO("video_memkb"), /* an emulated graphics card's: HVM guests' */
	M(shadow_memkb),
	F_LETGO("iommu_memkb"), /* the hypervisor's IOMMU tables: none without passthrough */
	G(rtc_timeoffset), F_NEUTRAL("exec_ssidref"), C("exec_ssid_label", exec_ssid_label),
	B("localtime", localtime), B("disable_migrate", disable_migrate), F_NEUTRAL("cpuid"),
	F_LETGO("blkdev_start"), /* where a bootloader's disk is attached in dom0 */
	F_NEUTRAL("vnuma_nodes"), G(max_grant_frames), G(max_maptrack_frames),
	F_INT(struct domcfg, "max_grant_version", max_grant_version, -1, 0x7fffffff),
	/* A device model's, for a PV or PVH guest that runs none under xcd. */
	F_LETGO("device_model_version"), F_LETGO("stubdomain_memkb"),
	F_LETGO("device_model_user"),
	F_NEUTRAL("device_model_stubdomain"), F_NEUTRAL("stubdomain_kernel"),
	F_NEUTRAL("stubdomain_cmdline"), F_NEUTRAL("stubdomain_ramdisk"),
	F_NEUTRAL("device_model"), F_NEUTRAL("device_model_ssidref"),
	F_NEUTRAL("device_model_ssid_label"), F_NEUTRAL("extra"), F_NEUTRAL("extra_pv"),
	F_NEUTRAL("extra_hvm"), F_FN("sched_params", b_sched), F_NEUTRAL("ioports"),
	F_NEUTRAL("irqs"), F_NEUTRAL("iomem"),
	F_LETGO("claim_mode"), /* xl.conf's way of taking the memory, the same memory */
	F_U32(struct domcfg, "event_channels", event_channels, 0, 0xffffffffLL),
	C("kernel", kernel), C("cmdline", cmdline), C("ramdisk", ramdisk),
	F_NEUTRAL("device_tree"), B("acpi", acpi), C("bootloader", bootloader),
	F_FN("bootloader_args", b_bootloader_args),
	F_ENUM(struct domcfg, "timer_mode", timer_mode, timer_name,
	       DOMCFG_TIMER_DELAY_FOR_MISSED_TICKS, DOMCFG_TIMER_ONE_MISSED_TICK_PENDING),
	B("nested_hvm", nested_hvm), F_FN("apic", b_apic), F_NEUTRAL("dm_restrict"),
	F_NEUTRAL("tee"), F_FN("type", b_type), F_NEUTRAL("type.hvm"), F_FN("type.pv", b_pv),
	F_FN("type.pvh", b_pvh), F_NEUTRAL("arch_arm"), F_FN("arch_x86", b_x86),
	F_NEUTRAL("altp2m"), F_NEUTRAL("vmtrace_buf_kb"), F_NEUTRAL("vpmu"),
};
#undef M
#undef G
#undef C
#undef B

/* ---- disks and nics ---- */

/* Backends run in dom0 under xcd: another domain's id is refused (its name,
 * backend_domname, is refused by the create, as from xl.cfg). */
static int dev_backend_domid(struct jx *x, const char *at, yajl_val v, void *obj)
{
	uint64_t n;
	int r = number(x, at, v, 0, 0x7fef, &n);
	(void)obj;
	if (r == 0 && n != 0)
		return fail(x, at, "backend in domain %llu: xcd runs backends in dom0 only",
			    (unsigned long long)n);
	return r;
}

static const char *backend_name(int v) { return disk_backend_name(v); }
static const char *format_name(int v) { return disk_format_name(v); }
static const char *spec_name(int v) { return disk_specification_name(v); }

static int disk_direct_io(struct jx *x, const char *at, yajl_val v, void *obj)
{
	char b[96];
	if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
		return fail(x, at, "expected true or false, not %s", shown(v, b, sizeof(b)));
	((struct disk *)obj)->direct_io_safe = YAJL_IS_TRUE(v);
	return 0;
}

#define D(k) F_STR(struct disk, #k, k)
static const struct field disk_fields[] = {
	F_FN("backend_domid", dev_backend_domid), D(backend_domname), D(pdev_path), D(vdev),
	F_ENUM(struct disk, "backend", backend, backend_name, DISK_BACKEND_UNKNOWN,
	       DISK_BACKEND_STANDALONE),
	F_ENUM(struct disk, "format", format, format_name, DISK_FORMAT_UNKNOWN, DISK_FORMAT_QED),
	D(script),
	F_INT(struct disk, "removable", removable, 0, 1),
	F_INT(struct disk, "readwrite", readwrite, 0, 1),
	F_INT(struct disk, "is_cdrom", is_cdrom, 0, 1),
	F_FN("direct_io_safe", disk_direct_io),
	F_BOOL(struct disk, "discard_enable", discard_enable),
	F_ENUM(struct disk, "specification", specification, spec_name, DISK_SPECIFICATION_UNKNOWN,
	       DISK_SPECIFICATION_VIRTIO),
	 F_NEUTRAL("transport"), F_NEUTRAL("irq"),
	F_NEUTRAL("base"), F_BOOL(struct disk, "colo_enable", colo_enable),
	F_NEUTRAL("colo_restore_enable"), D(colo_host),
	F_INT(struct disk, "colo_port", colo_port, 0, 65535), D(colo_export), D(active_disk),
	D(hidden_disk), F_BOOL(struct disk, "trusted", trusted),
};
#undef D

static int nic_mac(struct jx *x, const char *at, yajl_val v, void *obj)
{
	const char *s = NULL;
	unsigned m[6];
	char end;
	int r = string(x, at, v, &s);
	if (r)
		return r;
	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3],
				      &m[4], &m[5], &end) != 6)
		return fail(x, at, "\"%.40s\" is not a MAC address (xx:xx:xx:xx:xx:xx)", s);
	for (int i = 0; i < 6; i++)
		((struct vif *)obj)->mac[i] = (uint8_t)m[i];
	return 0;
}

static const char *nictype_name(int v)
{
	static const char *const names[] = { "unknown", "vif_ioemu", "vif" };
	return names[v];
}

#define V(k) F_STR(struct vif, #k, k)
static const struct field nic_fields[] = {
	F_FN("backend_domid", dev_backend_domid), V(backend_domname),
	F_INT(struct vif, "devid", devid, 0, 0x7fffffff), F_INT(struct vif, "mtu", mtu, 0, 65535),
	V(model), F_FN("mac", nic_mac), V(ip), V(bridge), V(ifname), V(script),
	F_ENUM(struct vif, "nictype", nictype, nictype_name, VIF_NICTYPE_UNKNOWN, VIF_NICTYPE_VIF),
	 F_U64(struct vif, "rate_bytes_per_interval",
					  rate_bytes_per_interval),
	F_U32(struct vif, "rate_interval_usecs", rate_interval_usecs, 0, 0xffffffffLL),
	V(gatewaydev), F_BOOL(struct vif, "trusted", trusted),
};
#undef V

/* A nic's member: its table's, or one of the COLO settings (vif.h). */
static int nic_walk(struct jx *x, const char *at, yajl_val v, struct vif *n)
{
	struct field colo[VIF_COLO_COUNT], all[N_OF(nic_fields) + VIF_COLO_COUNT];
	for (unsigned i = 0; i < VIF_COLO_COUNT; i++)
		colo[i] = (struct field){ vif_colo_json_key(i), K_STR,
					  offsetof(struct vif, colo) + i * sizeof(char *), 0, 0,
					  NULL, NULL };
	memcpy(all, nic_fields, sizeof(nic_fields));
	memcpy(all + N_OF(nic_fields), colo, sizeof(colo));
	return walk(x, at, v, all, N_OF(all), n);
}

static int devices(struct jx *x, yajl_val v, bool disks)
{
	const char *key = disks ? "disks" : "nics";
	char b[96], at[64];
	if (!YAJL_IS_ARRAY(v))
		return fail(x, key, "expected a list, not %s", shown(v, b, sizeof(b)));
	size_t n = v->u.array.len;
	if (n > 1024)
		return fail(x, key, "%zu devices (at most 1024)", n);
	if (!n)
		return 0;
	struct domcfg *d = x->d;
	if (disks ? !(d->disks = calloc(n, sizeof(*d->disks)))
		  : !(d->vifs = calloc(n, sizeof(*d->vifs))))
		return nomem(x);
	for (size_t i = 0; i < n; i++) {
		snprintf(at, sizeof(at), "%s[%zu]", key, i);
		int r;
		if (disks) {
			d->n_disks++;
			r = walk(x, at, v->u.array.values[i], disk_fields, N_OF(disk_fields),
				 &d->disks[i]);
		} else {
			d->n_vifs++;
			d->vifs[i].devid = -1;
			r = nic_walk(x, at, v->u.array.values[i], &d->vifs[i]);
		}
		if (r)
			return r;
	}
	return 0;
}

/* ---- the whole ---- */

static const char *action_name(int v) { return domcfg_action_name(v); }

static int action(struct jx *x, const char *at, yajl_val v, enum domcfg_action *a)
{
	int n;
	int r = by_name(x, at, v, action_name, DOMCFG_ACTION_DESTROY, DOMCFG_ACTION_SOFT_RESET, &n);
	if (r == 0)
		*a = (enum domcfg_action)n;
	return r;
}

/* The top level's keys but c_info and b_info (read first: b_info's type.*
 * depend on c_info's type). */
static int top_member(struct jx *x, const char *k, yajl_val v)
{
	struct domcfg *d = x->d;
	const struct {
		const char *k;
		enum domcfg_action *a;
	} on[] = {
		{ "on_poweroff", &d->on_poweroff }, { "on_reboot", &d->on_reboot },
		{ "on_watchdog", &d->on_watchdog }, { "on_crash", &d->on_crash },
		{ "on_soft_reset", &d->on_soft_reset },
	};
	if (!strcmp(k, "c_info") || !strcmp(k, "b_info"))
		return 0;
	/* xcd's own: the xl.cfg text it came from (dm/save.c), read by xcdd. */
	if (!strcmp(k, "xcd_source"))
		return 0;
	if (!strcmp(k, "disks") || !strcmp(k, "nics"))
		return devices(x, v, k[0] == 'd');
	for (size_t i = 0; i < N_OF(on); i++)
		if (!strcmp(k, on[i].k))
			return action(x, k, v, on[i].a);
	/* Every other device list of libxl_domain_config (pcidevs, vfbs,
	 * vkbs, vtpms, p9s, channels, usbctrls...): xcd provides none. */
	char at[96];
	path(at, sizeof(at), "", k);
	return need_neutral(x, at, v, "devices xcd does not provide");
}

bool domcfg_json_depth_ok(const char *t, size_t len)
{
	return json_depth_ok(t, len, MAX_DEPTH);
}

static int whole(struct jx *x, yajl_val t)
{
	char b[96];
	if (!YAJL_IS_OBJECT(t))
		return fail(x, "the configuration", "expected an object, not %s",
			    shown(t, b, sizeof(b)));
	yajl_val c = member(t, "c_info"), bi = member(t, "b_info");
	if (!c)
		return fail(x, "c_info", "missing (the guest's type and name)");
	int r = walk(x, "c_info", c, c_info_fields, N_OF(c_info_fields), x->d);
	if (r)
		return r;
	if (!member(c, "type"))
		return fail(x, "c_info.type", "missing (pv or pvh)");
	if (!x->d->name)
		return fail(x, "c_info.name", "missing");
	if (!member(c, "uuid")) {
		/* As xl for a configuration without one: a new random one. */
		if ((r = uuid_random(x->d->uuid)) < 0)
			return fail(x, "c_info.uuid", "cannot generate one: %s", strerror(-r));
		x->d->uuid_generated = true;
	}
	if (bi && (r = walk(x, "b_info", bi, b_info_fields, N_OF(b_info_fields), x->d)))
		return r;
	if (t->u.object.len > MAX_MEMBERS)
		return fail(x, "the configuration", "%zu members (at most %d)", t->u.object.len,
			    MAX_MEMBERS);
	for (size_t i = 0; i < t->u.object.len; i++) {
		for (size_t j = 0; j < i; j++)
			if (!strcmp(t->u.object.keys[j], t->u.object.keys[i]))
				return fail(x, t->u.object.keys[i], "given twice");
		if ((r = top_member(x, t->u.object.keys[i], t->u.object.values[i])))
			return r;
	}
	if (x->d->vcpus > x->d->max_vcpus && x->d->max_vcpus)
		return fail(x, "b_info.avail_vcpus", "%d vCPUs online, more than max_vcpus (%d)",
			    x->d->vcpus, x->d->max_vcpus);
	return 0;
}

int domcfg_from_libxl_json(const char *json, size_t len, struct domcfg **out, char *err,
			   size_t errlen)
{
	struct jx x = { NULL, err, errlen };
	char perr[256];
	if (errlen)
		err[0] = '\0';
	if (memchr(json, '\0', len))
		return fail(&x, "the configuration", "a NUL byte at offset %zu",
			    (size_t)((const char *)memchr(json, '\0', len) - json));
	if (!domcfg_json_depth_ok(json, len))
		return fail(&x, "the configuration", "nested deeper than %d", MAX_DEPTH);
	char *text = strndup(json, len);
	if (!text)
		return nomem(&x);
	yajl_val t = yajl_tree_parse(text, perr, sizeof(perr));
	free(text);
	if (!t) {
		perr[strcspn(perr, "\n")] = '\0';
		return fail(&x, "the configuration", "not JSON: %s", perr);
	}
	if (!(x.d = domcfg_new())) {
		yajl_tree_free(t);
		return nomem(&x);
	}
	x.d->on_poweroff = x.d->on_reboot = x.d->on_watchdog = x.d->on_crash =
		x.d->on_soft_reset = DOMCFG_ACTION_DESTROY;
	int r = whole(&x, t);
	yajl_tree_free(t);
	if (r) {
		domcfg_free(x.d);
		return r;
	}
	*out = x.d;
	return 0;
}
