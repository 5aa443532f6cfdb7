/* tunejournal: the I/O tuners' apply journal (see tunejournal.h). */
#include "tunejournal.h"
#include "cpuset.h"
#include "jsonw.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

static const char *const kind_names[] = {
	[TJ_ATTR] = "attr", [TJ_FILE] = "file", [TJ_DIR] = "dir", [TJ_AFFINITY] = "affinity",
	[TJ_LINK] = "link", [TJ_BOND] = "bond", [TJ_MULTIPATHD] = "multipathd",
};
static const char *const state_names[] = {
	[TJ_APPLYING] = "applying", [TJ_APPLIED] = "applied", [TJ_REVERTING] = "reverting",
};

const char *tj_kind_name(enum tj_kind k) { return kind_names[k]; }
const char *tj_state_name(enum tj_state s) { return state_names[s]; }

void tj_init(struct tj *j, const char *area, const char *sysroot)
{
	memset(j, 0, sizeof(*j));
	snprintf(j->area, sizeof(j->area), "%s", area ? area : "");
	snprintf(j->sysroot, sizeof(j->sysroot), "%s", sysroot ? sysroot : "");
	j->state = TJ_APPLIED;
	tune_plan_init(&j->items);
}

static void step_free(struct tj_step *s)
{
	for (size_t i = 0; i < s->n_recs; i++)
		free(s->recs[i].data);
	free(s->recs);
	memset(s, 0, sizeof(*s));
}

void tj_truncate(struct tj *j, size_t n)
{
	for (size_t i = n; i < j->items.n; i++)
		step_free(&j->steps[i]);
	tune_plan_truncate(&j->items, n);
}

void tj_free(struct tj *j)
{
	tj_truncate(j, 0);
	free(j->steps);
	tune_plan_free(&j->items);
	j->steps = NULL;
	j->steps_cap = 0;
}

size_t tj_count(const struct tj *j) { return j->items.n; }

struct tj_step *tj_add_step(struct tj *j, unsigned gen, const struct tune_item *it)
{
	size_t n = j->items.n;
	if (n == j->steps_cap) {
		size_t cap = j->steps_cap ? j->steps_cap * 2 : 16;
		struct tj_step *ns = realloc(j->steps, cap * sizeof(*ns));
		if (!ns)
			return NULL;
		j->steps = ns;
		j->steps_cap = cap;
	}
	if (tune_plan_add(&j->items, it->kind, it->area, it->object, it->from, it->to, it->figure,
			  "%s", it->reason) < 0)
		return NULL;
	struct tune_item *c = &j->items.items[n];
	c->risky = it->risky;
	c->on_reload = it->on_reload;
	struct tj_step *s = &j->steps[n];
	memset(s, 0, sizeof(*s));
	s->gen = gen;
	return s;
}

struct tj_rec *tj_add_rec(struct tj_step *s, const struct tj_rec *r)
{
	if (s->n_recs >= TJ_MAX_RECS)
		return NULL;
	if (s->n_recs == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4;
		struct tj_rec *nr = realloc(s->recs, cap * sizeof(*nr));
		if (!nr)
			return NULL;
		s->recs = nr;
		s->cap = cap;
	}
	struct tj_rec *d = &s->recs[s->n_recs];
	*d = *r;
	d->data = NULL;
	if (r->len) {
		if (!(d->data = malloc(r->len)))
			return NULL;
		memcpy(d->data, r->data, r->len);
	}
	s->n_recs++;
	return d;
}

bool tj_unconfirmed(const struct tj *j)
{
	return j->state == TJ_APPLIED && j->confirm_by != 0 && !j->confirmed;
}

unsigned tj_settle_from(const struct tj *j)
{
	if (j->state == TJ_REVERTING)
		return j->revert_from ? j->revert_from : 1;
	if (j->state == TJ_APPLYING || tj_unconfirmed(j))
		return j->gen ? j->gen : 1;
	return 0;
}

/* [a-z0-9_]+, at most 64 characters. */
static bool param_name(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_");
	return n > 0 && n <= 64 && s[n] == '\0';
}

bool tj_path_ok(enum tj_kind kind, const char *p)
{
	static const char *const files[] = { "etc/modprobe.d/xcd-netback.conf",
					     "etc/modprobe.d/xcd-blkback.conf",
					     "etc/multipath/conf.d/xcd.conf", NULL };
	static const char *const dirs[] = { "etc/modprobe.d", "etc/multipath",
					    "etc/multipath/conf.d", NULL };
	static const char *const params[] = { "sys/module/xen_netback/parameters/",
					      "sys/module/xen_blkback/parameters/", NULL };
	if (kind == TJ_FILE || kind == TJ_DIR) {
		for (const char *const *f = kind == TJ_FILE ? files : dirs; *f; f++)
			if (!strcmp(p, *f))
				return true;
		return false;
	}
	if (kind != TJ_ATTR)
		return false;
	for (const char *const *f = params; *f; f++)
		if (!strncmp(p, *f, strlen(*f)) && param_name(p + strlen(*f)))
			return true;
	if (strncmp(p, "proc/irq/", 9))
		return false;
	size_t nd = strspn(p + 9, "0123456789");
	return nd > 0 && nd <= 7 && p[9] != '0' && !strcmp(p + 9 + nd, "/smp_affinity_list");
}

/* ---- writing ---- */

static int gen_hex(yajl_gen g, const unsigned char *d, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	char *s = malloc(2 * n + 1);
	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = hx[d[i] >> 4];
		s[2 * i + 1] = hx[d[i] & 15];
	}
	s[2 * n] = '\0';
	int rc = jw_str(g, s);
	free(s);
	return rc;
}

static int gen_rec(yajl_gen g, const struct tj_rec *r)
{
	if (yajl_gen_map_open(g) || jw_kv_str(g, "kind", kind_names[r->kind]))
		return -EINVAL;
	int rc = 0;
	switch (r->kind) {
	case TJ_ATTR:
	case TJ_FILE:
		rc = jw_kv_str(g, "path", r->path) || jw_str(g, "data") ? -EINVAL
									: gen_hex(g, r->data, r->len);
		if (rc == 0 && r->kind == TJ_FILE)
			rc = jw_kv_bool(g, "existed", r->existed) ||
			     jw_kv_int(g, "mode", (long long)r->mode);
		break;
	case TJ_DIR:
		rc = jw_kv_str(g, "path", r->path) || jw_kv_bool(g, "existed", r->existed);
		break;
	case TJ_AFFINITY:
		rc = jw_kv_int(g, "pid", r->pid) || jw_kv_str(g, "comm", r->comm) ||
		     jw_kv_str(g, "cpus", r->cpus);
		break;
	case TJ_LINK:
		rc = jw_kv_str(g, "name", r->name) || jw_kv_bool(g, "existed", r->existed) ||
		     jw_kv_str(g, "master", r->master) || jw_kv_int(g, "mtu", r->mtu) ||
		     jw_kv_bool(g, "up", r->up);
		break;
	case TJ_BOND:
		rc = jw_kv_str(g, "name", r->name) || jw_kv_int(g, "mode", r->bond_mode) ||
		     jw_kv_int(g, "miimon", r->miimon) || jw_kv_int(g, "hash", r->hash);
		break;
	case TJ_MULTIPATHD:
		break;
	}
	if (rc)
		return rc == -ENOMEM ? rc : -EINVAL;
	return yajl_gen_map_close(g) ? -EINVAL : 0;
}

static int gen_item(yajl_gen g, const struct tune_item *it)
{
	if (yajl_gen_map_open(g) || jw_kv_str(g, "area", it->area) ||
	    jw_kv_str(g, "object", it->object) || jw_kv_str(g, "from", it->from) ||
	    jw_kv_str(g, "to", it->to) || jw_kv_str(g, "reason", it->reason) ||
	    jw_kv_str(g, "figure", it->figure) || jw_kv_bool(g, "risky", it->risky) ||
	    jw_kv_bool(g, "on_reload", it->on_reload) || yajl_gen_map_close(g))
		return -EINVAL;
	return 0;
}

static int gen_journal(yajl_gen g, const struct tj *j)
{
	if (yajl_gen_map_open(g) || jw_kv_int(g, "version", TJ_VERSION) ||
	    jw_kv_str(g, "area", j->area) || jw_kv_str(g, "sysroot", j->sysroot) ||
	    jw_kv_int(g, "gen", j->gen) || jw_kv_str(g, "state", state_names[j->state]) ||
	    jw_kv_int(g, "revert_from", j->revert_from) ||
	    jw_kv_int(g, "started", j->started) || jw_kv_int(g, "confirm_by", j->confirm_by) ||
	    jw_kv_bool(g, "confirmed", j->confirmed) || jw_str(g, "steps") ||
	    yajl_gen_array_open(g))
		return -EINVAL;
	for (size_t i = 0; i < j->items.n; i++) {
		const struct tj_step *s = &j->steps[i];
		if (yajl_gen_map_open(g) || jw_kv_int(g, "gen", s->gen) ||
		    jw_kv_bool(g, "done", s->done) || jw_kv_str(g, "note", s->note) ||
		    jw_str(g, "item") || gen_item(g, &j->items.items[i]) || jw_str(g, "undo") ||
		    yajl_gen_array_open(g))
			return -EINVAL;
		for (size_t k = 0; k < s->n_recs; k++) {
			int rc = gen_rec(g, &s->recs[k]);
			if (rc)
				return rc;
		}
		if (yajl_gen_array_close(g) || yajl_gen_map_close(g))
			return -EINVAL;
	}
	return yajl_gen_array_close(g) || yajl_gen_map_close(g) ? -EINVAL : 0;
}

static int gen_doc(yajl_gen g, void *arg)
{
	return gen_journal(g, arg);
}

int tj_to_json(const struct tj *j, char **out, size_t *len)
{
	/* Every string is the tuners' own or checked UTF-8: a refusal here
	 * is memory. */
	return jw_doc(gen_doc, (void *)j, true, out, len) ? -ENOMEM : 0;
}

/* ---- parsing ---- */

struct pctx {
	char *err;
	size_t errlen;
};

static int perr(struct pctx *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(struct pctx *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Every key of object V is one of KEYS; WHERE names V in messages. */
static int only_keys(struct pctx *p, yajl_val v, const char *const *keys, const char *where)
{
	for (size_t i = 0; i < v->u.object.len; i++) {
		const char *const *k = keys;
		while (*k && strcmp(*k, v->u.object.keys[i]))
			k++;
		if (!*k)
			return perr(p, "%s: unknown key '%.40s'", where, v->u.object.keys[i]);
	}
	return 0;
}

static yajl_val get(yajl_val obj, const char *key)
{
	for (size_t i = 0; i < obj->u.object.len; i++)
		if (!strcmp(obj->u.object.keys[i], key))
			return obj->u.object.values[i];
	return NULL;
}

static int get_str(struct pctx *p, yajl_val obj, const char *key, char *buf, size_t size,
		   const char *where)
{
	yajl_val v = get(obj, key);
	if (!v || !YAJL_IS_STRING(v))
		return perr(p, "%s: %s: a string expected", where, key);
	if (strlen(v->u.string) >= size)
		return perr(p, "%s: %s: longer than %zu bytes", where, key, size - 1);
	memcpy(buf, v->u.string, strlen(v->u.string) + 1);
	return 0;
}

static int get_int(struct pctx *p, yajl_val obj, const char *key, long long lo, long long hi,
		   long long *out, const char *where)
{
	yajl_val v = get(obj, key);
	if (!v || !YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < lo || YAJL_GET_INTEGER(v) > hi)
		return perr(p, "%s: %s: an integer from %lld to %lld expected", where, key, lo, hi);
	*out = YAJL_GET_INTEGER(v);
	return 0;
}

static int get_bool(struct pctx *p, yajl_val obj, const char *key, bool *out, const char *where)
{
	yajl_val v = get(obj, key);
	if (!v || !(YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)))
		return perr(p, "%s: %s: true or false expected", where, key);
	*out = YAJL_IS_TRUE(v);
	return 0;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int get_data(struct pctx *p, yajl_val obj, struct tj_rec *r, const char *where)
{
	yajl_val v = get(obj, "data");
	if (!v || !YAJL_IS_STRING(v))
		return perr(p, "%s: data: a string of hexadecimal digits expected", where);
	size_t n = strlen(v->u.string);
	if (n % 2 || n / 2 > TJ_MAX_DATA)
		return perr(p, "%s: data: %s", where,
			    n % 2 ? "an odd number of hexadecimal digits" : "larger than 1 MiB");
	r->len = n / 2;
	if (r->len && !(r->data = malloc(r->len)))
		return -ENOMEM;
	for (size_t i = 0; i < r->len; i++) {
		int hi = hexval(v->u.string[2 * i]), lo = hexval(v->u.string[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return perr(p, "%s: data: byte %zu is not two lowercase hexadecimal digits",
				    where, i);
		r->data[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static bool ifname_ok(const char *s, bool empty_ok)
{
	size_t n = strlen(s);
	if (n == 0)
		return empty_ok;
	if (n >= TJ_IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f || s[i] == '/' ||
		    s[i] == ':')
			return false;
	return true;
}

static int parse_path(struct pctx *p, yajl_val o, struct tj_rec *r, const char *where)
{
	int rc = get_str(p, o, "path", r->path, sizeof(r->path), where);
	if (rc == 0 && !tj_path_ok(r->kind, r->path))
		return perr(p, "%s: path '%.128s' is not one a tuner writes", where, r->path);
	return rc;
}

static int parse_rec_fields(struct pctx *p, yajl_val o, struct tj_rec *r, const char *where)
{
	static const char *const keys[][7] = {
		[TJ_ATTR] = { "kind", "path", "data", NULL },
		[TJ_FILE] = { "kind", "path", "data", "existed", "mode", NULL },
		[TJ_DIR] = { "kind", "path", "existed", NULL },
		[TJ_AFFINITY] = { "kind", "pid", "comm", "cpus", NULL },
		[TJ_LINK] = { "kind", "name", "existed", "master", "mtu", "up", NULL },
		[TJ_BOND] = { "kind", "name", "mode", "miimon", "hash", NULL },
		[TJ_MULTIPATHD] = { "kind", NULL },
	};
	int rc = only_keys(p, o, keys[r->kind], where);
	long long v = 0;
	struct cpuset cs;
	if (rc)
		return rc;
	switch (r->kind) {
	case TJ_ATTR:
		return parse_path(p, o, r, where) ?: get_data(p, o, r, where);
	case TJ_FILE:
		if ((rc = parse_path(p, o, r, where) ?: get_bool(p, o, "existed", &r->existed, where) ?:
			  get_int(p, o, "mode", 0, 0777, &v, where)))
			return rc;
		r->mode = (unsigned)v;
		return get_data(p, o, r, where);
	case TJ_DIR:
		return parse_path(p, o, r, where) ?: get_bool(p, o, "existed", &r->existed, where);
	case TJ_AFFINITY:
		if ((rc = get_int(p, o, "pid", 1, 0x3fffffff, &v, where) ?:
			  get_str(p, o, "comm", r->comm, sizeof(r->comm), where) ?:
			  get_str(p, o, "cpus", r->cpus, sizeof(r->cpus), where)))
			return rc;
		r->pid = (int)v;
		if (!r->comm[0] || cpuset_parse(r->cpus, &cs) || !cpuset_count(&cs))
			return perr(p, "%s: %s", where,
				    r->comm[0] ? "cpus: not a non-empty CPU list" : "comm: empty");
		return 0;
	case TJ_LINK:
		if ((rc = get_str(p, o, "name", r->name, sizeof(r->name), where) ?:
			  get_bool(p, o, "existed", &r->existed, where) ?:
			  get_str(p, o, "master", r->master, sizeof(r->master), where) ?:
			  get_int(p, o, "mtu", 0, 65536 * 4, &v, where) ?:
			  get_bool(p, o, "up", &r->up, where)))
			return rc;
		r->mtu = (long)v;
		if (!ifname_ok(r->name, false) || !ifname_ok(r->master, true))
			return perr(p, "%s: not an interface name", where);
		return 0;
	case TJ_BOND:
		if ((rc = get_str(p, o, "name", r->name, sizeof(r->name), where) ?:
			  get_int(p, o, "mode", 0, 6, &v, where)))
			return rc;
		r->bond_mode = (int)v;
		if ((rc = get_int(p, o, "miimon", 0, 1000000, &v, where)))
			return rc;
		r->miimon = (int)v;
		if ((rc = get_int(p, o, "hash", 0, 5, &v, where)))
			return rc;
		r->hash = (int)v;
		return ifname_ok(r->name, false) ? 0 : perr(p, "%s: not an interface name", where);
	case TJ_MULTIPATHD:
		return 0;
	}
	return -EINVAL;
}

static int parse_rec(struct pctx *p, yajl_val o, struct tj_step *s, const char *where)
{
	if (!YAJL_IS_OBJECT(o))
		return perr(p, "%s: an object expected", where);
	char kind[16];
	struct tj_rec r = { 0 };
	int rc = get_str(p, o, "kind", kind, sizeof(kind), where);
	if (rc)
		return rc;
	size_t k = 0;
	while (k < sizeof(kind_names) / sizeof(kind_names[0]) && strcmp(kind_names[k], kind))
		k++;
	if (k == sizeof(kind_names) / sizeof(kind_names[0]))
		return perr(p, "%s: kind: unknown '%.16s'", where, kind);
	r.kind = (enum tj_kind)k;
	rc = parse_rec_fields(p, o, &r, where);
	if (rc == 0 && !tj_add_rec(s, &r))
		rc = s->n_recs >= TJ_MAX_RECS ? perr(p, "%s: more than %d records", where, TJ_MAX_RECS)
					      : -ENOMEM;
	free(r.data);
	return rc;
}

static int parse_item(struct pctx *p, yajl_val o, struct tune_item *it, const char *where)
{
	static const char *const keys[] = { "area", "object", "from", "to", "reason",
					    "figure", "risky", "on_reload", NULL };
	static const char *const strs[] = { "area", "object", "from", "to", "reason", "figure" };
	char **dst[] = { &it->area, &it->object, &it->from, &it->to, &it->reason, &it->figure };
	if (!o || !YAJL_IS_OBJECT(o))
		return perr(p, "%s: item: an object expected", where);
	int rc = only_keys(p, o, keys, where);
	for (size_t i = 0; i < 6 && rc == 0; i++) {
		yajl_val v = get(o, strs[i]);
		if (!v || !YAJL_IS_STRING(v) || strlen(v->u.string) > 4096)
			rc = perr(p, "%s: item.%s: a string of at most 4096 bytes expected", where,
				  strs[i]);
		else
			*dst[i] = v->u.string; /* borrowed: copied by tj_add_step */
	}
	it->kind = TUNE_CHANGE;
	return rc ?: get_bool(p, o, "risky", &it->risky, where) ?:
		     get_bool(p, o, "on_reload", &it->on_reload, where);
}

static int parse_step(struct pctx *p, struct tj *j, yajl_val o, size_t i)
{
	static const char *const keys[] = { "gen", "done", "note", "item", "undo", NULL };
	char where[48];
	snprintf(where, sizeof(where), "steps[%zu]", i);
	if (!YAJL_IS_OBJECT(o))
		return perr(p, "%s: an object expected", where);
	long long gen;
	bool done;
	char note[256];
	struct tune_item it = { 0 };
	int rc = only_keys(p, o, keys, where) ?: get_int(p, o, "gen", 1, j->gen, &gen, where) ?:
		 get_bool(p, o, "done", &done, where) ?:
		 get_str(p, o, "note", note, sizeof(note), where) ?:
		 parse_item(p, get(o, "item"), &it, where);
	if (rc)
		return rc;
	if (i && gen < j->steps[i - 1].gen)
		return perr(p, "%s: gen %lld after gen %u: steps go in the order they were made",
			    where, gen, j->steps[i - 1].gen);
	struct tj_step *s = tj_add_step(j, (unsigned)gen, &it);
	if (!s)
		return -ENOMEM;
	s->done = done;
	memcpy(s->note, note, sizeof(note));
	yajl_val u = get(o, "undo");
	if (!u || !YAJL_IS_ARRAY(u))
		return perr(p, "%s: undo: an array expected", where);
	if (u->u.array.len > TJ_MAX_RECS)
		return perr(p, "%s: undo: more than %d records", where, TJ_MAX_RECS);
	for (size_t k = 0; k < u->u.array.len && rc == 0; k++) {
		char w2[80];
		snprintf(w2, sizeof(w2), "%s.undo[%zu]", where, k);
		rc = parse_rec(p, u->u.array.values[k], s, w2);
	}
	return rc;
}

static int parse_top(struct pctx *p, yajl_val t, struct tj *j)
{
	static const char *const keys[] = { "version", "area", "sysroot", "gen", "state",
					    "revert_from", "started", "confirm_by", "confirmed",
					    "steps", NULL };
	if (!YAJL_IS_OBJECT(t))
		return perr(p, "the journal: an object expected");
	long long v;
	char state[16];
	int rc = only_keys(p, t, keys, "the journal") ?:
		 get_int(p, t, "version", TJ_VERSION, TJ_VERSION, &v, "the journal") ?:
		 get_str(p, t, "area", j->area, sizeof(j->area), "the journal") ?:
		 get_str(p, t, "sysroot", j->sysroot, sizeof(j->sysroot), "the journal") ?:
		 get_int(p, t, "gen", 0, 1000000000, &v, "the journal");
	if (rc)
		return rc;
	j->gen = (unsigned)v;
	if (strcmp(j->area, "net") && strcmp(j->area, "storage"))
		return perr(p, "the journal: area: net or storage expected, not '%.16s'", j->area);
	if (j->sysroot[0] != '/')
		return perr(p, "the journal: sysroot: an absolute path expected");
	if ((rc = get_str(p, t, "state", state, sizeof(state), "the journal")))
		return rc;
	size_t k = 0;
	while (k < 3 && strcmp(state_names[k], state))
		k++;
	if (k == 3)
		return perr(p, "the journal: state: applying, applied or reverting expected");
	j->state = (enum tj_state)k;
	if ((rc = get_int(p, t, "revert_from", 0, j->gen, &v, "the journal")))
		return rc;
	j->revert_from = (unsigned)v;
	if ((rc = get_int(p, t, "started", 0, 1LL << 40, &j->started, "the journal") ?:
		  get_int(p, t, "confirm_by", 0, 1LL << 40, &j->confirm_by, "the journal") ?:
		  get_bool(p, t, "confirmed", &j->confirmed, "the journal")))
		return rc;
	yajl_val s = get(t, "steps");
	if (!s || !YAJL_IS_ARRAY(s))
		return perr(p, "the journal: steps: an array expected");
	if (s->u.array.len > TJ_MAX_STEPS)
		return perr(p, "the journal: more than %d steps", TJ_MAX_STEPS);
	for (size_t i = 0; i < s->u.array.len && rc == 0; i++)
		rc = parse_step(p, j, s->u.array.values[i], i);
	return rc;
}

int tj_parse(const char *text, size_t len, struct tj *j, char *err, size_t errlen)
{
	struct pctx p = { err, errlen };
	tj_init(j, "", "");
	if (len > TJ_MAX_SIZE) {
		perr(&p, "larger than %u MiB: not a journal", TJ_MAX_SIZE >> 20);
		return -E2BIG;
	}
	if (memchr(text, '\0', len))
		return perr(&p, "a NUL byte at %zu: not a journal",
			    (size_t)((const char *)memchr(text, '\0', len) - text));
	char *copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	char yerr[256] = "";
	yajl_val t = yajl_tree_parse(copy, yerr, sizeof(yerr));
	free(copy);
	if (!t) {
		yerr[strcspn(yerr, "\n")] = '\0';
		return perr(&p, "not JSON: %s", yerr[0] ? yerr : "out of memory");
	}
	int rc = parse_top(&p, t, j);
	yajl_tree_free(t);
	return rc;
}
