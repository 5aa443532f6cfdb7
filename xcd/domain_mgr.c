/* domain_mgr: the managed domains, the hypervisor and the journal in step. */
#include "domain_mgr.h"
#include "../lib/uuid.h"
#include "../lib/log.h"
#include "actions.h"
#include "../lib/cfgfile.h"
#include "domname.h"
#include "journal.h"
#include "json_tree.h"
#include "../lib/utf8.h"
#include "xlfmt.h"
#include "xs_domain.h"
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

/* libxl's default when no memory= is given. */
#define DM_DEFAULT_MEMKB (32 * 1024)

void dm_error_set(struct dm_error *e, int code, const char *field, const char *fmt, ...)
{
	va_list ap;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	utf8_trim_tail(e->message);
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	utf8_trim_tail(e->field);
}

void dm_state_string(const struct hv_dominfo *i, char out[DM_STATE_LEN + 1])
{
	bool sd = i->flags & HV_DOMF_SHUTDOWN;
	out[0] = i->flags & HV_DOMF_RUNNING ? 'r' : '-';
	out[1] = i->flags & HV_DOMF_BLOCKED ? 'b' : '-';
	out[2] = i->flags & HV_DOMF_PAUSED ? 'p' : '-';
	out[3] = sd ? 's' : '-';
	out[4] = sd && i->shutdown_reason == HV_SHUTDOWN_CRASH ? 'c' : '-';
	out[5] = i->flags & HV_DOMF_DYING ? 'd' : '-';
	out[6] = '\0';
}

/* Running and blocked come and go many times a second: only the lifecycle
 * flags (p s c d) make a change worth a notification and a journal write. */
static bool lifecycle_differs(const char *a, const char *b)
{
	return strcmp(a + 2, b + 2) != 0;
}

void dm_source_free(struct dm_source *s)
{
	if (!s)
		return;
	free(s->file);
	free(s->text);
	for (size_t i = 0; i < s->n_overrides; i++)
		free(s->overrides[i]);
	free(s->overrides);
	free(s);
}

static struct dm_source *source_dup(const struct dm_source *src)
{
	struct dm_source *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->file = strdup(src->file ? src->file : "config");
	s->text = strdup(src->text ? src->text : "");
	s->overrides = calloc(src->n_overrides + 1, sizeof(char *));
	if (!s->file || !s->text || !s->overrides)
		goto nomem;
	for (; s->n_overrides < src->n_overrides; s->n_overrides++)
		if (!(s->overrides[s->n_overrides] = strdup(src->overrides[s->n_overrides])))
			goto nomem;
	return s;
nomem:
	dm_source_free(s);
	return NULL;
}

static void dom_free(struct dm_domain *d)
{
	if (!d)
		return;
	dm_source_free(d->source);
	free(d->name);
	free(d->config_json);
	free(d->soft);
	free(d);
}

static int gen_str(yajl_gen g, const char *s)
{
	return yajl_gen_string(g, (const unsigned char *)s, strlen(s)) == yajl_gen_status_ok
		       ? 0
		       : -EINVAL;
}

void dm_cpumap_bytes(const struct cpumap *m, uint8_t *out, size_t len)
{
	memset(out, 0, len);
	for (size_t i = 0; i < len && i < DOMCFG_MAX_CPUS / 8; i++)
		out[i] = (uint8_t)(m->bits[i / 8] >> (i % 8 * 8));
}

void dm_soft_affinity(const struct dm_domain *d, uint32_t vcpu, uint8_t *map, size_t len)
{
	if (d->soft && vcpu < d->n_soft)
		dm_cpumap_bytes(&d->soft[vcpu], map, len);
	else
		memset(map, 0xff, len);
}

/* "soft_affinity": one CPU list per vCPU, or null when none was set. */
static int gen_soft(yajl_gen g, const struct dm_domain *d)
{
	if (gen_str(g, "soft_affinity"))
		return -EINVAL;
	if (!d->soft)
		return yajl_gen_null(g) == yajl_gen_status_ok ? 0 : -EINVAL;
	if (yajl_gen_array_open(g) != yajl_gen_status_ok)
		return -EINVAL;
	for (uint32_t v = 0; v < d->n_soft; v++) {
		uint8_t map[DOMCFG_MAX_CPUS / 8];
		char text[1024];
		dm_cpumap_bytes(&d->soft[v], map, sizeof(map));
		xlfmt_cpumap(map, DOMCFG_MAX_CPUS, text, sizeof(text));
		if (gen_str(g, text))
			return -EINVAL;
	}
	return yajl_gen_array_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

/* The journal's soft_affinity back into D; a bad list is said and dropped. */
static int load_soft(struct dm_domain *d, yajl_val a)
{
	if (!a || !YAJL_IS_ARRAY(a) || a->u.array.len == 0 || a->u.array.len > 4096)
		return 0;
	d->soft = calloc(a->u.array.len, sizeof(*d->soft));
	if (!d->soft)
		return -ENOMEM;
	d->n_soft = (uint32_t)a->u.array.len;
	for (size_t v = 0; v < a->u.array.len; v++) {
		yajl_val s = a->u.array.values[v];
		char err[128];
		if (!YAJL_IS_STRING(s) ||
		    domcfg_parse_cpulist(YAJL_GET_STRING(s), NULL, &d->soft[v], err, sizeof(err))) {
			log_warn("journal: %s: soft_affinity[%zu] is not a CPU list; all CPUs used",
				 d->name, v);
			memset(&d->soft[v], 0xff, sizeof(d->soft[v]));
		}
	}
	return 0;
}

/* "source": {"file", "text", "overrides"}, or nothing when there is none. */
static int gen_source(yajl_gen g, const struct dm_source *s)
{
	if (!s)
		return 0;
	if (gen_str(g, "source") || yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    gen_str(g, "file") || gen_str(g, s->file) || gen_str(g, "text") ||
	    gen_str(g, s->text) || gen_str(g, "overrides") ||
	    yajl_gen_array_open(g) != yajl_gen_status_ok)
		return -EINVAL;
	for (size_t i = 0; i < s->n_overrides; i++)
		if (gen_str(g, s->overrides[i]))
			return -EINVAL;
	if (yajl_gen_array_close(g) != yajl_gen_status_ok ||
	    yajl_gen_map_close(g) != yajl_gen_status_ok)
		return -EINVAL;
	return 0;
}

static struct dm_source *load_source(yajl_val v)
{
	const char *p_file[] = { "file", NULL }, *p_text[] = { "text", NULL },
		   *p_ov[] = { "overrides", NULL };
	yajl_val file = v ? yajl_tree_get(v, p_file, yajl_t_string) : NULL;
	yajl_val text = v ? yajl_tree_get(v, p_text, yajl_t_string) : NULL;
	yajl_val ov = v ? yajl_tree_get(v, p_ov, yajl_t_array) : NULL;
	if (!file || !text)
		return NULL;
	struct dm_source src = { YAJL_GET_STRING(file), YAJL_GET_STRING(text), NULL, 0 };
	src.overrides = calloc(ov ? ov->u.array.len + 1 : 1, sizeof(char *));
	for (size_t i = 0; src.overrides && ov && i < ov->u.array.len; i++)
		if (YAJL_IS_STRING(ov->u.array.values[i]))
			src.overrides[src.n_overrides++] = YAJL_GET_STRING(ov->u.array.values[i]);
	struct dm_source *out = src.overrides ? source_dup(&src) : NULL;
	free(src.overrides);
	return out;
}

/* "rings": the store and console rings and ports of the build. */
static int gen_rings(yajl_gen g, const struct hv_build_result *b)
{
	if (!b->store_pfn && !b->console_pfn)
		return 0;
	if (gen_str(g, "rings") || yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    gen_str(g, "store_pfn") || yajl_gen_integer(g, (long long)b->store_pfn) ||
	    gen_str(g, "store_port") || yajl_gen_integer(g, b->store_port) ||
	    gen_str(g, "console_pfn") || yajl_gen_integer(g, (long long)b->console_pfn) ||
	    gen_str(g, "console_port") || yajl_gen_integer(g, b->console_port) ||
	    yajl_gen_map_close(g) != yajl_gen_status_ok)
		return -EINVAL;
	return 0;
}

static void load_rings(yajl_val v, struct hv_build_result *b)
{
	const char *p_sp[] = { "store_pfn", NULL }, *p_so[] = { "store_port", NULL },
		   *p_cp[] = { "console_pfn", NULL }, *p_co[] = { "console_port", NULL };
	yajl_val sp = v ? yajl_tree_get(v, p_sp, yajl_t_number) : NULL;
	yajl_val so = v ? yajl_tree_get(v, p_so, yajl_t_number) : NULL;
	yajl_val cp = v ? yajl_tree_get(v, p_cp, yajl_t_number) : NULL;
	yajl_val co = v ? yajl_tree_get(v, p_co, yajl_t_number) : NULL;
	if (!sp || !so || !YAJL_IS_INTEGER(sp) || !YAJL_IS_INTEGER(so) ||
	    YAJL_GET_INTEGER(sp) < 0 || YAJL_GET_INTEGER(so) < 0 ||
	    YAJL_GET_INTEGER(so) > UINT32_MAX)
		return;
	b->store_pfn = (uint64_t)YAJL_GET_INTEGER(sp);
	b->store_port = (uint32_t)YAJL_GET_INTEGER(so);
	if (cp && co && YAJL_IS_INTEGER(cp) && YAJL_IS_INTEGER(co) && YAJL_GET_INTEGER(cp) >= 0 &&
	    YAJL_GET_INTEGER(co) >= 0 && YAJL_GET_INTEGER(co) <= UINT32_MAX) {
		b->console_pfn = (uint64_t)YAJL_GET_INTEGER(cp);
		b->console_port = (uint32_t)YAJL_GET_INTEGER(co);
	}
}

static const char *const jop_names[] = {
	[DM_JOP_NONE] = "none",
	[DM_JOP_CREATE] = "create",
	[DM_JOP_DESTROY] = "destroy",
	[DM_JOP_RESTART] = "restart",
	[DM_JOP_RENAME_RESTART] = "rename-restart",
};

/* "op": {"kind", "step", "paused", "restart", "new_uuid", "kept_uuid"}, or nothing. */
static int gen_jop(yajl_gen g, const struct dm_jop *o)
{
	if (o->kind == DM_JOP_NONE)
		return 0;
	if (gen_str(g, "op") || yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    gen_str(g, "kind") || gen_str(g, jop_names[o->kind]) || gen_str(g, "step") ||
	    gen_str(g, o->step))
		return -EINVAL;
	if (o->kind == DM_JOP_CREATE &&
	    (gen_str(g, "paused") || yajl_gen_bool(g, o->paused) != yajl_gen_status_ok ||
	     gen_str(g, "restart") || yajl_gen_bool(g, o->restart) != yajl_gen_status_ok))
		return -EINVAL;
	if (o->kind == DM_JOP_RENAME_RESTART && (gen_str(g, "new_uuid") || gen_str(g, o->new_uuid)))
		return -EINVAL;
	if (o->kind == DM_JOP_RENAME_RESTART && o->kept_uuid[0] &&
	    (gen_str(g, "kept_uuid") || gen_str(g, o->kept_uuid)))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

/* The record's "op" back into D; one xcdd does not know is said and left. */
static void load_jop(struct dm_domain *d, yajl_val v)
{
	const char *p_kind[] = { "kind", NULL }, *p_step[] = { "step", NULL },
		   *p_paused[] = { "paused", NULL }, *p_restart[] = { "restart", NULL },
		   *p_new[] = { "new_uuid", NULL }, *p_kept[] = { "kept_uuid", NULL };
	yajl_val kind = yajl_tree_get(v, p_kind, yajl_t_string);
	yajl_val ku = yajl_tree_get(v, p_kept, yajl_t_string);
	yajl_val step = yajl_tree_get(v, p_step, yajl_t_string);
	yajl_val nu = yajl_tree_get(v, p_new, yajl_t_string);
	struct dm_jop o = { DM_JOP_NONE, "", false, false, "", "" };
	for (size_t k = DM_JOP_CREATE; kind && k < sizeof(jop_names) / sizeof(*jop_names); k++)
		if (!strcmp(kind->u.string, jop_names[k]))
			o.kind = (enum dm_jop_kind)k;
	uint8_t u[16];
	if (o.kind == DM_JOP_RENAME_RESTART && (!nu || uuid_parse(nu->u.string, u) < 0 ||
						  (ku && uuid_parse(ku->u.string, u) < 0)))
		o.kind = DM_JOP_NONE;
	if (o.kind == DM_JOP_NONE) {
		log_warn("journal: %s: the operation under way (\"%.40s\") is not one xcdd "
			 "knows or lacks a field: ignored, the domain is re-attached as it is",
			 d->name, kind ? kind->u.string : "?");
		return;
	}
	snprintf(o.step, sizeof(o.step), "%s", step ? step->u.string : "?");
	o.paused = YAJL_IS_TRUE(yajl_tree_get(v, p_paused, yajl_t_any));
	o.restart = YAJL_IS_TRUE(yajl_tree_get(v, p_restart, yajl_t_any));
	if (nu)
		snprintf(o.new_uuid, sizeof(o.new_uuid), "%s", nu->u.string);
	if (ku)
		snprintf(o.kept_uuid, sizeof(o.kept_uuid), "%s", ku->u.string);
	d->jop = o;
}

static int dm_save(struct dm *m, const struct dm_domain *d, char *err, size_t errlen)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	yajl_val cfg = NULL;
	int rc = -ENOMEM;
	if (!g)
		goto out;
	char perr[128];
	cfg = yajl_tree_parse(d->config_json, perr, sizeof(perr));
	rc = -EINVAL;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok || gen_str(g, "uuid") ||
	    gen_str(g, d->uuid) || gen_str(g, "name") || gen_str(g, d->name) ||
	    gen_str(g, "domid") || yajl_gen_integer(g, d->domid) != yajl_gen_status_ok ||
	    gen_str(g, "state") || gen_str(g, d->state) || gen_str(g, "start_time") ||
	    yajl_gen_integer(g, d->start_time) != yajl_gen_status_ok ||
	    gen_str(g, "target_kb") ||
	    yajl_gen_integer(g, (long long)d->info.target_kb) != yajl_gen_status_ok ||
	    gen_str(g, "max_memory_kb") ||
	    yajl_gen_integer(g, (long long)d->info.max_mem_kb) != yajl_gen_status_ok ||
	    gen_soft(g, d) < 0 || gen_str(g, "shutdown_handled") ||
	    yajl_gen_bool(g, d->shutdown_handled) != yajl_gen_status_ok ||
	    gen_source(g, d->source) < 0 || gen_rings(g, &d->built) < 0 || gen_jop(g, &d->jop) < 0 ||
	    gen_str(g, "config") || json_gen_tree(g, cfg) < 0 ||
	    yajl_gen_map_close(g) != yajl_gen_status_ok) {
		snprintf(err, errlen, "cannot write the journal record of %s", d->name);
		goto out;
	}
	const unsigned char *buf;
	size_t len;
	yajl_gen_get_buf(g, &buf, &len);
	rc = journal_write(m->journal, d->uuid, (const char *)buf, len, err, errlen);
out:
	if (cfg)
		yajl_tree_free(cfg);
	if (g)
		yajl_gen_free(g);
	return rc;
}

static void notify(struct dm *m, const struct dm_domain *d, const char *state)
{
	if (m->state_changed)
		m->state_changed(m, d, state, m->arg);
}

/* XCDD_TEST_CRASH_AT (xcdd(8)): xcdd dies at STEP as under kill -9, for
 * the tests of what the next xcdd makes of a half-done operation. */
static void crash_point(const struct dm *m, const char *step)
{
	if (!m->crash_at || strcmp(m->crash_at, step) != 0)
		return;
	log_warn("XCDD_TEST_CRASH_AT=%s: xcdd kills itself here", step);
	raise(SIGKILL);
}

/* D's operation is KIND, at STEP, from now on, in its record too: a failed
 * write is logged, the record then says an earlier step of it or nothing. */
static void jop_set(struct dm *m, struct dm_domain *d, enum dm_jop_kind kind, const char *step)
{
	char err[512];
	if (kind != d->jop.kind) {
		memset(&d->jop, 0, sizeof(d->jop));
		d->jop.kind = kind;
	}
	snprintf(d->jop.step, sizeof(d->jop.step), "%s", step);
	if (dm_save(m, d, err, sizeof(err)) < 0)
		log_warn("%s", err);
}

/* The journal's records, before reconciliation. */
static int load_record(const char *key, yajl_val tree, void *arg)
{
	struct dm *m = arg;
	const char *p_name[] = { "name", NULL }, *p_domid[] = { "domid", NULL },
		   *p_uuid[] = { "uuid", NULL }, *p_state[] = { "state", NULL },
		   *p_cfg[] = { "config", NULL }, *p_start[] = { "start_time", NULL },
		   *p_soft[] = { "soft_affinity", NULL }, *p_src[] = { "source", NULL },
		   *p_handled[] = { "shutdown_handled", NULL }, *p_rings[] = { "rings", NULL },
		   *p_op[] = { "op", NULL };
	yajl_val name = yajl_tree_get(tree, p_name, yajl_t_string);
	yajl_val domid = yajl_tree_get(tree, p_domid, yajl_t_number);
	yajl_val uuid = yajl_tree_get(tree, p_uuid, yajl_t_string);
	yajl_val state = yajl_tree_get(tree, p_state, yajl_t_string);
	yajl_val cfg = yajl_tree_get(tree, p_cfg, yajl_t_object);
	if (!name || !domid || !YAJL_IS_INTEGER(domid) || !uuid || !cfg ||
	    strcmp(uuid->u.string, key) != 0 || strlen(key) != 36) {
		log_warn("journal: record %s is incomplete; ignored", key);
		return 0;
	}
	struct dm_domain *d = calloc(1, sizeof(*d));
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!d || !g || json_gen_tree(g, cfg) < 0)
		goto nomem;
	const unsigned char *buf;
	size_t len;
	yajl_gen_get_buf(g, &buf, &len);
	d->config_json = strndup((const char *)buf, len);
	d->name = strdup(name->u.string);
	if (!d->config_json || !d->name)
		goto nomem;
	memcpy(d->uuid, key, 37);
	d->domid = (uint32_t)YAJL_GET_INTEGER(domid);
	snprintf(d->state, sizeof(d->state), "%s", state ? state->u.string : "------");
	yajl_val start = yajl_tree_get(tree, p_start, yajl_t_number);
	/* Records older than start_time count from this load. */
	d->start_time = start && YAJL_IS_INTEGER(start) ? YAJL_GET_INTEGER(start) : time(NULL);
	if (load_soft(d, yajl_tree_get(tree, p_soft, yajl_t_array)) < 0)
		goto nomem;
	d->source = load_source(yajl_tree_get(tree, p_src, yajl_t_object));
	d->shutdown_handled = YAJL_IS_TRUE(yajl_tree_get(tree, p_handled, yajl_t_any));
	load_rings(yajl_tree_get(tree, p_rings, yajl_t_object), &d->built);
	yajl_val op = yajl_tree_get(tree, p_op, yajl_t_object);
	if (op)
		load_jop(d, op);
	yajl_gen_free(g);
	if (strmap_put(&m->by_uuid, d->uuid, d, NULL) < 0) {
		dom_free(d);
		return -ENOMEM;
	}
	return 0;
nomem:
	if (g)
		yajl_gen_free(g);
	dom_free(d);
	return -ENOMEM;
}

static void load_problem(const char *name, const char *what, void *arg)
{
	log_warn("journal: %s: %s", name, what);
}

/* D's entry in the hypervisor's LIST: its domid with its uuid (a domid
 * alone may have been reused by another domain). */
static struct hv_dominfo *find_info(struct hv_dominfo *list, int n, const struct dm_domain *d)
{
	for (int i = 0; i < n; i++)
		if (list[i].domid == d->domid) {
			char u[37];
			uuid_format(list[i].uuid, u);
			return strcmp(u, d->uuid) == 0 ? &list[i] : NULL;
		}
	return NULL;
}

/* A gone domain whose devices' remove scripts run in a job. */
struct forget_ctx {
	struct dm *m;
	uint32_t domid;
	char uuid[37];
};

static void store_forget_done(int rc, bool reported, const char *err, void *arg)
{
	struct forget_ctx *f = arg;
	char why[512];
	if (rc == -ECANCELED) { /* xcdd stops: its entries stay, as before */
		free(f);
		return;
	}
	if (rc < 0)
		log_warn("domain %u: %s", f->domid, err);
	/* Asked again: the domid may have been given to another domain since. */
	if (f->m->xs && xsd_is_ours(f->m->xs, f->domid, f->uuid) &&
	    xsd_remove(f->m->xs, f->domid, f->uuid, why, sizeof(why)) < 0)
		log_warn("domain %u: %s", f->domid, why);
	free(f);
}

/* A gone domain's xenstore entries and devices, unless its domid now
 * belongs to another domain's entries. */
static void store_forget(struct dm *m, uint32_t domid, const char *uuid)
{
	char err[512] = "";
	if (!m->xs || !xsd_is_ours(m->xs, domid, uuid))
		return;
	struct forget_ctx *f = m->jobs.loop ? calloc(1, sizeof(*f)) : NULL;
	if (f) {
		f->m = m;
		f->domid = domid;
		snprintf(f->uuid, sizeof(f->uuid), "%s", uuid);
		if (dev_backends(&m->dev, domid) &&
		    devjob_start(&m->jobs, &m->dev, DEVJOB_REMOVE, domid, NULL,
				 store_forget_done, f, NULL, err, sizeof(err)) == 0)
			return;
		if (err[0])
			log_warn("domain %u: %s", domid, err);
		free(f);
	}
	if (dev_remove_all(&m->dev, domid, err, sizeof(err)) < 0)
		log_warn("domain %u: %s", domid, err);
	if (xsd_remove(m->xs, domid, uuid, err, sizeof(err)) < 0)
		log_warn("domain %u: %s", domid, err);
}

/* The hypervisor's entry of the domain with uuid UUID, at any domid. */
static struct hv_dominfo *find_uuid(struct hv_dominfo *list, int n, const char *uuid)
{
	for (int i = 0; i < n; i++) {
		char u[37];
		uuid_format(list[i].uuid, u);
		if (strcmp(u, uuid) == 0)
			return &list[i];
	}
	return NULL;
}

/* D is gone from the hypervisor: its entries and record go. */
static void drop_gone(struct dm *m, struct dm_domain *d)
{
	char jerr[256] = "";
	store_forget(m, d->domid, d->uuid);
	if (journal_remove(m->journal, d->uuid, jerr, sizeof(jerr)) < 0 && jerr[0])
		log_warn("%s", jerr);
	strmap_remove(&m->by_uuid, d->uuid);
	dom_free(d);
}

/* A record whose operation was under way, to settle once the others are
 * re-attached. */
struct half_done {
	char uuid[37];
	bool present; /* the hypervisor has the domain */
};

static void settle(struct dm *m, struct dm_domain *d, bool present, struct hv_dominfo *list,
		   int n);

static int reconcile(struct dm *m, char *err, size_t errlen)
{
	struct hv_dominfo *list = NULL;
	struct half_done *half = calloc(m->by_uuid.count + 1, sizeof(*half));
	size_t n_half = 0;
	if (!half)
		return -ENOMEM;
	int n = hv_domain_list_all(m->hv, &list);
	if (n < 0) {
		snprintf(err, errlen, "cannot list the hypervisor's domains: %s", hv_error(m->hv));
		free(half);
		return n;
	}
	struct strmap_iter it;
	struct strmap_entry *e, *next;
	for (e = strmap_next(&m->by_uuid, &it, NULL); e; e = next) {
		next = strmap_next(&m->by_uuid, &it, e);
		struct dm_domain *d = e->val;
		struct hv_dominfo *i = find_info(list, n, d);
		if (d->jop.kind != DM_JOP_NONE) {
			/* By uuid too: a create's record is written before the
			 * hypervisor gives it a domid. */
			if (!i)
				i = find_uuid(list, n, d->uuid);
			/* A rename-restart may have given it its new uuid already. */
			if (!i && d->jop.kind == DM_JOP_RENAME_RESTART && d->jop.kept_uuid[0])
				i = find_uuid(list, n, d->jop.kept_uuid);
			if (i) {
				d->domid = i->domid;
				d->info = *i;
				dm_state_string(i, d->state);
			}
			snprintf(half[n_half].uuid, sizeof(half[n_half].uuid), "%s", d->uuid);
			half[n_half++].present = i != NULL;
			continue;
		}
		if (i) {
			d->info = *i;
			dm_state_string(i, d->state);
			log_info("re-attached domain %s (domid %u, state %s)", d->name, d->domid,
				 d->state);
			if (m->xs && !xsd_is_ours(m->xs, d->domid, d->uuid))
				log_warn("domain %s (domid %u): its xenstore entries are missing "
					 "(was xenstored restarted?)", d->name, d->domid);
			continue;
		}
		log_info("domain %s (domid %u, uuid %s) is gone; its journal record is removed",
			 d->name, d->domid, d->uuid);
		drop_gone(m, d);
	}
	for (int k = 0; k < n; k++) {
		if (list[k].domid == 0 || dm_find(m, NULL, list[k].domid))
			continue;
		char u[37];
		uuid_format(list[k].uuid, u);
		log_info("domain %u (uuid %s) is not xcdd's (foreign): left alone", list[k].domid,
			 u);
	}
	/* After the walk: settling adds domains (a restart) and removes some. */
	for (size_t k = 0; k < n_half; k++) {
		struct dm_domain *d = strmap_get(&m->by_uuid, half[k].uuid);
		if (d)
			settle(m, d, half[k].present, list, n);
	}
	free(half);
	free(list);
	return 0;
}

int dm_open(struct dm *m, struct hv *hv, struct xs_handle *xs, const struct dev_env *dev,
	    const char *statedir, dm_state_fn *fn, void *arg, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	m->hv = hv;
	m->xs = xs;
	if (dev)
		m->dev = *dev;
	m->dev.xs = xs;
	m->state_changed = fn;
	m->arg = arg;
	const char *crash = getenv("XCDD_TEST_CRASH_AT");
	if (crash && crash[0]) {
		m->crash_at = crash;
		log_warn("XCDD_TEST_CRASH_AT=%s: this xcdd kills itself at that step (a testing "
			 "aid)", crash);
	}
	if (strmap_init(&m->by_uuid) < 0)
		return -ENOMEM;
	if (mkdir(statedir, 0700) < 0 && errno != EEXIST) {
		int rc = -errno;
		snprintf(err, errlen, "cannot create %s: %s", statedir, strerror(errno));
		return rc;
	}
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/domains", statedir);
	int rc = journal_open(dir, &m->journal, err, errlen);
	if (rc < 0)
		return rc;
	struct journal_load_ops ops = { load_record, load_problem, m };
	rc = journal_load_all(m->journal, &ops, err, errlen);
	if (rc < 0)
		return rc;
	return reconcile(m, err, errlen);
}

static void op_abort(struct dm_domain *d, int rc, const char *why);

void dm_set_loop(struct dm *m, struct loop *loop)
{
	m->jobs.loop = loop;
}

void dm_close(struct dm *m)
{
	struct strmap_iter it;
	/* The records keep what was under way: the next xcdd settles it (a
	 * create rolled back, a destroy or restart finished). */
	for (struct strmap_entry *e = strmap_next(&m->by_uuid, &it, NULL); e;
	     e = strmap_next(&m->by_uuid, &it, e))
		op_abort(e->val, -ECANCELED, "xcdd is stopping");
	devjobs_close(&m->jobs);
	for (struct strmap_entry *e = strmap_next(&m->by_uuid, &it, NULL); e;
	     e = strmap_next(&m->by_uuid, &it, e))
		dom_free(e->val);
	strmap_destroy(&m->by_uuid);
	if (m->journal)
		journal_close(m->journal);
}

struct dm_domain *dm_find(struct dm *m, const char *name, long long domid)
{
	struct strmap_iter it;
	for (struct strmap_entry *e = strmap_next(&m->by_uuid, &it, NULL); e;
	     e = strmap_next(&m->by_uuid, &it, e)) {
		struct dm_domain *d = e->val;
		if (name ? strcmp(d->name, name) == 0 : (long long)d->domid == domid)
			return d;
	}
	return NULL;
}

static int hv_err(struct dm *m, struct dm_error *e, int rc, const char *what,
		  const char *name)
{
	dm_error_set(e, rc == -ESRCH ? DM_ERR_NO_DOMAIN : DM_ERR_FAILED, NULL,
			  "%s %s: %s", what, name, hv_error(m->hv));
	return rc;
}

/* Reads D's info after an operation, writes its record, notifies. */
static int refresh(struct dm *m, struct dm_domain *d, struct dm_error *e)
{
	int rc = hv_domain_getinfo(m->hv, d->domid, &d->info);
	if (rc < 0)
		return hv_err(m, e, rc, "cannot read the state of", d->name);
	dm_state_string(&d->info, d->state);
	char err[256];
	rc = dm_save(m, d, err, sizeof(err));
	if (rc < 0) {
		dm_error_set(e, DM_ERR_FAILED, NULL, "%s", err);
		return rc;
	}
	notify(m, d, d->state);
	return 0;
}

/* What xl sets after building: the memory target (memory= below maxmem=) and
 * the vCPU affinities of cpus= (to the hypervisor) and cpus_soft= (kept). */
static int apply_config(struct dm *m, struct dm_domain *d, const struct domcfg *cfg,
			uint32_t max_vcpus, struct dm_error *e)
{
	int rc;
	if (cfg->target_memkb != DOMCFG_MEMKB_DEFAULT && cfg->max_memkb != DOMCFG_MEMKB_DEFAULT &&
	    cfg->target_memkb < cfg->max_memkb &&
	    (rc = hv_set_target_mem(m->hv, d->domid, cfg->target_memkb)) < 0)
		return hv_err(m, e, rc, "cannot set the memory target of", d->name);
	struct hv_hostinfo h;
	if (cfg->vcpu_hard_affinity.n == 0 && cfg->vcpu_soft_affinity.n == 0)
		return 0;
	if ((rc = hv_host_info(m->hv, &h)) < 0)
		return hv_err(m, e, rc, "cannot read the host's CPUs for", d->name);
	size_t len = ((h.nr_cpus ? h.nr_cpus : 1) + 7) / 8;
	if (len > DOMCFG_MAX_CPUS / 8)
		len = DOMCFG_MAX_CPUS / 8;
	uint8_t map[DOMCFG_MAX_CPUS / 8];
	for (uint32_t v = 0; v < max_vcpus; v++) {
		const struct cpumap *c = domcfg_affinity_map(&cfg->vcpu_hard_affinity, v);
		if (!c)
			continue;
		dm_cpumap_bytes(c, map, len);
		if ((rc = hv_vcpu_set_affinity(m->hv, d->domid, v, map, len)) < 0)
			return hv_err(m, e, rc, "cannot set the cpus= affinity of", d->name);
	}
	if (cfg->vcpu_soft_affinity.n == 0)
		return 0;
	if (!(d->soft = calloc(max_vcpus, sizeof(*d->soft)))) {
		dm_error_set(e, DM_ERR_NOMEM, NULL, "out of memory");
		return -ENOMEM;
	}
	d->n_soft = max_vcpus;
	for (uint32_t v = 0; v < max_vcpus; v++) {
		const struct cpumap *c = domcfg_affinity_map(&cfg->vcpu_soft_affinity, v);
		if (c)
			d->soft[v] = *c;
		else
			memset(&d->soft[v], 0xff, sizeof(d->soft[v]));
	}
	return 0;
}

/*
 * A create or destroy in progress: its steps run one after the other, the
 * device phase as a job (devjob.h) whose end calls the next step from the
 * loop. Every path ends in op_end, which tells DONE and frees the op.
 */
enum op_kind { OP_CREATE, OP_DESTROY };

struct dm_op {
	struct dm *m;
	struct dm_domain *d;
	enum op_kind kind;
	bool paused;	    /* create: leave it paused */
	bool undoing;	    /* create: its devices go again after a later step failed */
	int rc;		    /* the failure being undone */
	struct dm_error e;
	struct devjob *job; /* NULL: no job runs */
	dm_done_fn *done;
	void *arg;
};

/* The step a create's record names while its undo waits for the hypervisor. */
#define UNDO_STEP "undo"

/* Whether D is a failed create waiting for the hypervisor to destroy it. */
static bool undo_waiting(const struct dm_domain *d)
{
	return d->jop.kind == DM_JOP_CREATE && !d->op && !strcmp(d->jop.step, UNDO_STEP);
}

const char *dm_busy(const struct dm_domain *d)
{
	if (undo_waiting(d))
		return "undoing";
	if (!d->op)
		return NULL;
	return d->op->kind == OP_CREATE ? "creating" : "destroying";
}

/* Changes other than destroy wait until a create or destroy is over. */
static int refuse_busy(const struct dm_domain *d, struct dm_error *e)
{
	const char *busy = dm_busy(d);
	if (!busy)
		return 0;
	if (!d->op) {
		dm_error_set(e, DM_ERR_BUSY, NULL, "domain %s is what is left of a "
				  "failed create, waiting for the hypervisor to destroy it: only "
				  "destroy applies", d->name);
		return -EBUSY;
	}
	dm_error_set(e, DM_ERR_BUSY, NULL, "domain %s is being %s (its devices' "
			  "scripts run); try again when that is over", d->name,
			  d->op->kind == OP_CREATE ? "created" : "destroyed");
	return -EBUSY;
}

static struct dm_op *op_new(struct dm *m, struct dm_domain *d, enum op_kind kind,
			    dm_done_fn *done, void *arg)
{
	struct dm_op *op = calloc(1, sizeof(*op));
	if (!op)
		return NULL;
	op->m = m;
	op->d = d;
	op->kind = kind;
	op->done = done;
	op->arg = arg;
	d->op = op;
	return op;
}

/* Tells the caller (D: the domain made, or NULL) and frees OP. */
static void op_end(struct dm_op *op, int rc, struct dm_domain *d)
{
	if (op->d && op->d->op == op)
		op->d->op = NULL;
	if (rc < 0 && !op->e.message[0])
		dm_error_set(&op->e, DM_ERR_FAILED, NULL, "%s", strerror(-rc));
	if (op->done)
		op->done(op->m, rc, rc == 0 ? d : NULL, &op->e, op->arg);
	else if (rc < 0)
		log_err("%s", op->e.message);
	free(op);
}


/*
 * A create that failed half way: the domain is destroyed first, and only
 * then are its entries and record removed, so nothing is left. A domain the
 * hypervisor will not destroy is not forgotten while it lives: it stays in
 * the table (xcd list shows it, xcd destroy reaches it, its name stays
 * taken) and its record says the create is being undone, so the poll tries
 * again (undo_retry) and an xcdd started meanwhile rolls it back.
 */
static void create_undo(struct dm *m, struct dm_domain *d)
{
	char err[512];
	int rc = hv_domain_destroy(m->hv, d->domid);
	if (rc < 0 && rc != -ESRCH) {
		log_err("domain %s (domid %u): a failed create cannot be undone yet: %s; its "
			"record is kept and the destroy tried again", d->name, d->domid,
			hv_error(m->hv));
		d->op = NULL;
		d->jop.kind = DM_JOP_CREATE;
		snprintf(d->jop.step, sizeof(d->jop.step), UNDO_STEP);
		if (dm_save(m, d, err, sizeof(err)) < 0)
			log_warn("%s", err);
		if (strmap_get(&m->by_uuid, d->uuid) == d ||
		    strmap_put(&m->by_uuid, d->uuid, d, NULL) == 0)
			return;
		/* No memory to keep it: its record brings it back at the next start. */
		dom_free(d);
		return;
	}
	if (m->xs && xsd_remove(m->xs, d->domid, d->uuid, err, sizeof(err)) < 0)
		log_warn("domain %s: %s", d->name, err);
	if (strmap_get(&m->by_uuid, d->uuid) == d)
		strmap_remove(&m->by_uuid, d->uuid);
	journal_remove(m->journal, d->uuid, err, sizeof(err));
	dom_free(d);
}


/* The poll's second try at an undo (quiet while the hypervisor refuses:
 * create_undo said so once). */
static void undo_retry(struct dm *m, struct dm_domain *d)
{
	int rc = hv_domain_destroy(m->hv, d->domid);
	if (rc < 0 && rc != -ESRCH) {
		log_debug("domain %s (domid %u): destroy of the failed create: %s", d->name,
			  d->domid, hv_error(m->hv));
		return;
	}
	log_info("domain %s (domid %u): the failed create is undone", d->name, d->domid);
	notify(m, d, "gone");
	create_undo(m, d); /* the domain is gone: its entries and record go */
}

static void op_devices_done(int rc, bool reported, const char *err, void *arg);

/*
 * The device phase of OP: adds CFG's devices (ADD) or removes the domain's.
 * As a job when the loop runs, else inline; either way op_devices_done goes
 * on, so the caller must not touch OP after this.
 */
static void op_devices(struct dm_op *op, bool add, const struct domcfg *cfg)
{
	struct dm *m = op->m;
	struct dm_domain *d = op->d;
	char err[1024] = "";
	int rc = 0;
	/* The entries are written here, at once, so that a domain is never seen
	 * without them; only waits and scripts take time. Without a device
	 * there is no script to run, and no job is worth its fork. */
	if (!m->xs || (add && cfg->n_disks + cfg->n_vifs == 0)) {
		op_devices_done(0, true, "", op);
		return;
	}
	if (add && (rc = dev_write_all(&m->dev, d->domid, cfg->uuid, cfg, err, sizeof(err))) < 0) {
		op_devices_done(rc, true, err, op);
		return;
	}
	if (!m->jobs.loop || (!add && !dev_backends(&m->dev, d->domid))) {
		rc = add ? dev_plug_all(&m->dev, d->domid, cfg, err, sizeof(err))
			 : dev_remove_all(&m->dev, d->domid, err, sizeof(err));
		op_devices_done(rc, true, err, op);
		return;
	}
	rc = devjob_start(&m->jobs, &m->dev, add ? DEVJOB_ADD : DEVJOB_REMOVE, d->domid,
			  add ? cfg : NULL, op_devices_done, op, &op->job, err, sizeof(err));
	if (rc == 0)
		crash_point(m, add ? "create:devjob" : "destroy:devjob");
	if (rc < 0) {
		/* Nothing ran: what dev_write_all wrote goes with the domain. */
		char rerr[512];
		if (add && dev_remove_all(&m->dev, d->domid, rerr, sizeof(rerr)) < 0)
			log_warn("domain %s: %s", d->name, rerr);
		op_devices_done(rc, true, err, op);
	}
}

static void create_finish(struct dm_op *op);
static void destroy_finish(struct dm_op *op);

static void op_devices_done(int rc, bool reported, const char *err, void *arg)
{
	struct dm_op *op = arg;
	struct dm_domain *d = op->d;
	op->job = NULL;
	if (op->kind == OP_DESTROY) {
		/* A failing script is logged; the domain goes all the same. */
		if (rc < 0)
			log_warn("domain %s: %s", d->name, err);
		destroy_finish(op);
		return;
	}
	if (op->undoing) {
		if (rc < 0)
			log_warn("domain %s: %s", d->name, err);
		op->d = NULL; /* freed with the domain */
		create_undo(op->m, d);
		op_end(op, op->rc, NULL);
		return;
	}
	if (rc < 0) {
		dm_error_set(&op->e, DM_ERR_FAILED, NULL, "domain %s: %s", d->name, err);
		if (!reported) {
			/* The job died half way: what it added is removed here. */
			op->undoing = true;
			op->rc = rc;
			op_devices(op, false, NULL);
			return;
		}
		/* dev_add_all undid its own devices. */
		op->d = NULL; /* freed with the domain */
		create_undo(op->m, d);
		op_end(op, rc, NULL);
		return;
	}
	create_finish(op);
}

/* The devices are up: unpause (unless asked not to), record, tell. */
static void create_finish(struct dm_op *op)
{
	struct dm *m = op->m;
	struct dm_domain *d = op->d;
	int rc = 0;
	crash_point(m, "create:devices");
	if (!op->paused && (rc = hv_domain_unpause(m->hv, d->domid)) < 0)
		hv_err(m, &op->e, rc, "cannot unpause domain", d->name);
	if (rc == 0) {
		/* Done once this record is written: the next xcdd keeps it. */
		memset(&d->jop, 0, sizeof(d->jop));
		rc = refresh(m, d, &op->e);
	}
	if (rc < 0) {
		/* For the log of the next xcdd, should this one die undoing it. */
		d->jop.kind = DM_JOP_CREATE;
		snprintf(d->jop.step, sizeof(d->jop.step), "undoing");
		op->undoing = true;
		op->rc = rc;
		op_devices(op, false, NULL);
		return;
	}
	log_info("created domain %s (domid %u, uuid %s)%s", d->name, d->domid, d->uuid,
		 op->paused ? ", paused" : "");
	op_end(op, 0, d);
}

/* Ends D's operation without its job: OP_CREATE and OP_DESTROY alike are
 * told RC with the message WHY (the domain is destroyed, the host lost). */
static void op_abort(struct dm_domain *d, int rc, const char *why)
{
	struct dm_op *op = d->op;
	if (!op)
		return;
	if (op->job)
		devjob_cancel(op->job);
	op->job = NULL;
	if (!op->undoing)
		dm_error_set(&op->e, DM_ERR_FAILED, NULL, "domain %s: %s", d->name, why);
	op->d = NULL;
	d->op = NULL;
	op_end(op, op->undoing ? op->rc : rc, NULL);
}

/* The entries of D in xenstore, before the build. */
static int store_create(struct dm *m, const struct dm_domain *d, const struct domcfg *cfg,
			const struct hv_domain_config *hc, const struct timeval *tv,
			struct dm_error *e)
{
	if (!m->xs)
		return 0;
	struct xsd_domain xd = {
		.domid = d->domid,
		.name = d->name,
		.uuid = d->uuid,
		.pvh = hc->type == HV_DOM_PVH,
		.max_kb = hc->max_mem_kb,
		.target_kb = cfg->target_memkb != DOMCFG_MEMKB_DEFAULT &&
					     cfg->target_memkb < hc->max_mem_kb
				     ? cfg->target_memkb
				     : hc->max_mem_kb,
		.max_vcpus = hc->max_vcpus,
		.vcpus = cfg->vcpus > 0 && (uint32_t)cfg->vcpus < hc->max_vcpus ? (uint32_t)cfg->vcpus
										 : hc->max_vcpus,
		.start_sec = tv->tv_sec,
		.start_usec = tv->tv_usec,
		.kernel = cfg->kernel,
		.ramdisk = cfg->ramdisk,
		.cmdline = cfg->cmdline,
	};
	char err[512];
	int rc = xsd_create(m->xs, &xd, err, sizeof(err));
	if (rc < 0)
		dm_error_set(e, DM_ERR_FAILED, NULL, "domain %s: %s", d->name, err);
	return rc;
}

static void forget(struct dm *m, struct dm_domain *d);

/* D is no longer in the hypervisor: its entries and record go. */
static void gone(struct dm *m, struct dm_domain *d, const char *when)
{
	log_info("domain %s (domid %u) has gone%s", d->name, d->domid, when);
	store_forget(m, d->domid, d->uuid);
	forget(m, d);
}

/* The domain named NAME, unless the hypervisor no longer has it: one destroyed
 * behind xcdd's back (xl destroy) that the next poll has not seen go yet is
 * forgotten now, so that its name can be used again at once. */
static struct dm_domain *find_live(struct dm *m, const char *name)
{
	struct dm_domain *d = dm_find(m, name, 0);
	if (!d || d->op || !d->domid)
		return d;
	struct hv_dominfo i;
	int rc = hv_domain_getinfo(m->hv, d->domid, &i);
	char u[37];
	if (rc == 0)
		uuid_format(i.uuid, u);
	if (rc == -ESRCH || (rc == 0 && strcmp(u, d->uuid))) {
		gone(m, d, " (seen when its name was wanted again)");
		return NULL;
	}
	return d;
}

/* dm_name_check; LIVE: a domain the hypervisor no longer has is forgotten
 * first (not while a restart makes one again: the table is as it left it). */
static int name_check(struct dm *m, const struct dm_domain *self, const char *name,
		      const char *field, bool live, struct dm_error *e)
{
	char why[256];
	if (domname_check(name, why, sizeof(why)) < 0) {
		dm_error_set(e, self ? DM_ERR_INVALID : DM_ERR_CONFIG, field,
				  "%s: %s", field, why);
		return -EINVAL;
	}
	struct dm_domain *other = dm_find(m, name, 0);
	if (other && other != self && live)
		other = find_live(m, name);
	if (other && other != self) {
		char q[96];
		dm_error_set(e, DM_ERR_EXISTS, field, "a domain named %s exists already",
				  domname_quote(name, q, sizeof(q)));
		return -EEXIST;
	}
	return 0;
}

int dm_name_check(struct dm *m, const struct dm_domain *self, const char *name,
		  const char *field, struct dm_error *e)
{
	return name_check(m, self, name, field, true, e);
}

/* dm_create; RESTART: made again by a restart, which a crash does not undo. */
static int create_domain(struct dm *m, const struct domcfg *cfg, const struct dm_source *src,
			 bool paused, bool restart, dm_done_fn *done, void *arg,
			 struct dm_error *e)
{
	char err[512];
	if (!cfg->name) {
		dm_error_set(e, DM_ERR_CONFIG, "name", "the configuration has no name=");
		return -EINVAL;
	}
	int nrc = name_check(m, NULL, cfg->name, "name", !restart, e);
	if (nrc < 0)
		return nrc;
	if (!cfg->kernel) {
		dm_error_set(e, DM_ERR_CONFIG, "kernel",
				  "%s: the configuration has no kernel=", cfg->name);
		return -EINVAL;
	}
	if (dev_check(cfg, err, sizeof(err)) < 0) {
		dm_error_set(e, DM_ERR_CONFIG, "params.config", "%s: %s", cfg->name, err);
		return -EINVAL;
	}
	/* A restart's old vif may still be going away under the same vifname;
	 * vif-bridge refuses an interface that is not the guest's in any case. */
	for (size_t i = 0; !restart && i < cfg->n_vifs; i++)
		if (vif_ifname_unused(&cfg->vifs[i], "/sys/class/net", err, sizeof(err)) < 0) {
			dm_error_set(e, DM_ERR_CONFIG, "params.config", "%s: vif %zu: %s",
					  cfg->name, i + 1, err);
			return -EINVAL;
		}
	struct dm_domain *d = calloc(1, sizeof(*d));
	if (!d)
		goto nomem;
	uuid_format(cfg->uuid, d->uuid);
	if (strmap_get(&m->by_uuid, d->uuid)) {
		dm_error_set(e, DM_ERR_EXISTS, "uuid", "a domain with uuid %s exists already",
				  d->uuid);
		free(d);
		return -EEXIST;
	}
	d->name = strdup(cfg->name);
	d->config_json = domcfg_to_json_string(cfg);
	if (!d->name || !d->config_json || (src && !(d->source = source_dup(src))))
		goto nomem;
	struct hv_domain_config hc = { 0 };
	memcpy(hc.uuid, cfg->uuid, 16);
	hc.max_vcpus = cfg->max_vcpus > 0 ? cfg->max_vcpus : cfg->vcpus > 0 ? cfg->vcpus : 1;
	hc.max_mem_kb = cfg->max_memkb != DOMCFG_MEMKB_DEFAULT	  ? cfg->max_memkb
			: cfg->target_memkb != DOMCFG_MEMKB_DEFAULT ? cfg->target_memkb
								    : DM_DEFAULT_MEMKB;
	hc.type = cfg->type == DOMCFG_TYPE_PVH ? HV_DOM_PVH : HV_DOM_PV;
	/* hv has a flag for "native" only (PVH under QEMU's emulated SVM needs
	 * it); other modes get the hypervisor's default. */
	if (cfg->tsc_mode == DOMCFG_TSC_NATIVE)
		hc.flags |= HV_CREATE_TSC_NATIVE;
	static const enum hv_timer_mode timer[] = {
		[DOMCFG_TIMER_DELAY_FOR_MISSED_TICKS] = HV_TIMER_DELAY_FOR_MISSED_TICKS,
		[DOMCFG_TIMER_NO_DELAY_FOR_MISSED_TICKS] = HV_TIMER_NO_DELAY_FOR_MISSED_TICKS,
		[DOMCFG_TIMER_NO_MISSED_TICKS_PENDING] = HV_TIMER_NO_MISSED_TICKS_PENDING,
		[DOMCFG_TIMER_ONE_MISSED_TICK_PENDING] = HV_TIMER_ONE_MISSED_TICK_PENDING,
	};
	if (cfg->timer_mode != DOMCFG_TIMER_DEFAULT)
		hc.timer_mode = timer[cfg->timer_mode];
	if (cfg->shadow_memkb != DOMCFG_MEMKB_DEFAULT)
		hc.paging_pool_kb = cfg->shadow_memkb;
	/* Recorded before the hypervisor makes it (domid 0: not known yet; the
	 * next xcdd looks for its uuid), so that a daemon dying at any step
	 * leaves a record by which the next one undoes it, not a foreign domain. */
	snprintf(d->state, sizeof(d->state), "--p---");
	struct timeval tv;
	gettimeofday(&tv, NULL);
	d->start_time = tv.tv_sec;
	d->info.target_kb = d->info.max_mem_kb = hc.max_mem_kb;
	d->jop.kind = DM_JOP_CREATE;
	d->jop.paused = paused;
	d->jop.restart = restart;
	snprintf(d->jop.step, sizeof(d->jop.step), "creating");
	int rc = dm_save(m, d, err, sizeof(err));
	if (rc < 0) {
		dm_error_set(e, DM_ERR_FAILED, NULL, "%s", err);
		dom_free(d);
		return rc;
	}
	rc = hv_domain_create(m->hv, &hc, &d->domid);
	if (rc < 0) {
		hv_err(m, e, rc, "cannot create domain", d->name);
		journal_remove(m->journal, d->uuid, err, sizeof(err));
		dom_free(d);
		return rc;
	}
	snprintf(d->jop.step, sizeof(d->jop.step), "created");
	rc = dm_save(m, d, err, sizeof(err));
	if (rc < 0) {
		dm_error_set(e, DM_ERR_FAILED, NULL, "%s", err);
		goto undo;
	}
	crash_point(m, "create:journal");
	if (strmap_put(&m->by_uuid, d->uuid, d, NULL) < 0) {
		char jerr[256];
		journal_remove(m->journal, d->uuid, jerr, sizeof(jerr));
		rc = -ENOMEM;
		dm_error_set(e, DM_ERR_NOMEM, NULL, "out of memory");
		goto undo;
	}
	if ((rc = store_create(m, d, cfg, &hc, &tv, e)) < 0)
		goto undo_store;
	struct hv_build_spec spec = { .kernel = cfg->kernel, .ramdisk = cfg->ramdisk,
				      .cmdline = cfg->cmdline,
				      .vcpus = cfg->vcpus > 0 ? (uint32_t)cfg->vcpus : 0 };
	struct hv_build_result built = { 0 };
	rc = hv_domain_build(m->hv, d->domid, &spec, &built);
	if (rc < 0) {
		hv_err(m, e, rc, "cannot build domain", d->name);
		goto undo_store;
	}
	d->built = built; /* journaled by the refresh that ends the create */
	if (m->xs && (rc = xsd_built(m->xs, d->domid, &built, err, sizeof(err))) < 0) {
		dm_error_set(e, DM_ERR_FAILED, NULL, "domain %s: %s", d->name, err);
		goto undo_store;
	}
	if ((rc = apply_config(m, d, cfg, hc.max_vcpus, e)) < 0)
		goto undo_store;
	/* The record still says "created": what is undone after a crash is
	 * the same, and a write (an fsync) less is worth more than the step. */
	crash_point(m, "create:built");
	struct dm_op *op = op_new(m, d, OP_CREATE, done, arg);
	if (!op) {
		rc = -ENOMEM;
		dm_error_set(e, DM_ERR_NOMEM, NULL, "out of memory");
		goto undo_store;
	}
	op->paused = paused;
	op_devices(op, true, cfg); /* op's steps go on from here, and end it */
	return 0;
undo_store:
undo:
	create_undo(m, d);
	return rc;
nomem:
	dom_free(d);
	dm_error_set(e, DM_ERR_NOMEM, NULL, "out of memory");
	return -ENOMEM;
}

int dm_create(struct dm *m, const struct domcfg *cfg, const struct dm_source *src, bool paused,
	      dm_done_fn *done, void *arg, struct dm_error *e)
{
	return create_domain(m, cfg, src, paused, false, done, arg, e);
}

/*
 * refresh after a change the hypervisor made: when the record cannot be
 * written, UNDO puts the hypervisor back (the domain is then UNDONE again),
 * so that the journal, xenstore and the hypervisor never disagree.
 */
static int refresh_or_undo(struct dm *m, struct dm_domain *d,
			   int (*undo)(struct hv *, uint32_t), const char *undone,
			   struct dm_error *e)
{
	int rc = hv_domain_getinfo(m->hv, d->domid, &d->info);
	if (rc < 0)
		return hv_err(m, e, rc, "cannot read the state of", d->name);
	dm_state_string(&d->info, d->state);
	char err[256];
	rc = dm_save(m, d, err, sizeof(err));
	if (rc == 0) {
		notify(m, d, d->state);
		return 0;
	}
	if (undo(m->hv, d->domid) < 0) {
		log_err("domain %s: %s, and it cannot be %s again: %s", d->name, err, undone,
			hv_error(m->hv));
		dm_error_set(e, DM_ERR_FAILED, NULL, "%s (the change stays: it could not "
				  "be undone)", err);
		notify(m, d, d->state);
		return rc;
	}
	if (hv_domain_getinfo(m->hv, d->domid, &d->info) == 0)
		dm_state_string(&d->info, d->state);
	log_warn("domain %s: %s: %s again", d->name, err, undone);
	dm_error_set(e, DM_ERR_FAILED, NULL, "%s: nothing changed (domain %s %s again)",
			  err, d->name, undone);
	return rc;
}

int dm_pause(struct dm *m, struct dm_domain *d, struct dm_error *e)
{
	if (refuse_busy(d, e) < 0)
		return -EBUSY;
	if (d->state[2] == 'p') {
		dm_error_set(e, DM_ERR_STATE, NULL, "domain %s is paused already", d->name);
		return -EINVAL;
	}
	int rc = hv_domain_pause(m->hv, d->domid);
	if (rc < 0)
		return hv_err(m, e, rc, "cannot pause domain", d->name);
	log_info("paused domain %s (domid %u)", d->name, d->domid);
	return refresh_or_undo(m, d, hv_domain_unpause, "unpaused", e);
}

int dm_unpause(struct dm *m, struct dm_domain *d, struct dm_error *e)
{
	if (refuse_busy(d, e) < 0)
		return -EBUSY;
	int rc = hv_domain_unpause(m->hv, d->domid);
	if (rc == -EINVAL) {
		dm_error_set(e, DM_ERR_STATE, NULL, "domain %s is not paused", d->name);
		return rc;
	}
	if (rc < 0)
		return hv_err(m, e, rc, "cannot unpause domain", d->name);
	log_info("unpaused domain %s (domid %u)", d->name, d->domid);
	return refresh_or_undo(m, d, hv_domain_pause, "paused", e);
}

/* Reads D's info and writes its record: after a change that is no lifecycle
 * change (memory, name, affinity), so nobody is notified. */
static int save_info(struct dm *m, struct dm_domain *d, struct dm_error *e)
{
	int rc = hv_domain_getinfo(m->hv, d->domid, &d->info);
	if (rc < 0)
		return hv_err(m, e, rc, "cannot read the state of", d->name);
	char err[256];
	rc = dm_save(m, d, err, sizeof(err));
	if (rc < 0)
		dm_error_set(e, DM_ERR_FAILED, NULL, "%s", err);
	return rc;
}

/* A memory change that could not be completed: the hypervisor's setting,
 * and xenstore's when XS_DONE, back to WAS KiB. */
static void memory_undo(struct dm *m, struct dm_domain *d, bool max, uint64_t was, bool xs_done)
{
	const char *what = max ? "maximum memory" : "memory target";
	char err[256];
	if ((max ? hv_set_max_mem(m->hv, d->domid, was) : hv_set_target_mem(m->hv, d->domid, was)) < 0)
		log_err("domain %s: cannot put its %s back to %llu KiB: %s", d->name, what,
			(unsigned long long)was, hv_error(m->hv));
	if (xs_done && m->xs &&
	    xsd_set_memory(m->xs, d->domid, max ? "static-max" : "target", was, err,
			   sizeof(err)) < 0)
		log_err("domain %s: cannot put its %s back to %llu KiB: %s", d->name, what,
			(unsigned long long)was, err);
	if (hv_domain_getinfo(m->hv, d->domid, &d->info) < 0)
		log_debug("domain %s: %s", d->name, hv_error(m->hv));
}

int dm_set_memory(struct dm *m, struct dm_domain *d, bool max, uint64_t kb,
		  struct dm_error *e)
{
	int rc = hv_domain_getinfo(m->hv, d->domid, &d->info);
	if (rc < 0)
		return hv_err(m, e, rc, "cannot read the state of", d->name);
	if (kb == 0) {
		dm_error_set(e, DM_ERR_INVALID, "params.memory_kb",
				  "params.memory_kb: 0 KiB is no memory");
		return -EINVAL;
	}
	if (!max && kb > d->info.max_mem_kb) {
		dm_error_set(e, DM_ERR_INVALID, "params.memory_kb",
				  "%s: a target of %llu KiB is above the maximum of %llu KiB "
				  "(raise it with mem-max)", d->name, (unsigned long long)kb,
				  (unsigned long long)d->info.max_mem_kb);
		return -EINVAL;
	}
	if (max && kb < d->info.target_kb) {
		dm_error_set(e, DM_ERR_INVALID, "params.memory_kb",
				  "%s: a maximum of %llu KiB is below the target of %llu KiB "
				  "(lower it with mem-set first)", d->name, (unsigned long long)kb,
				  (unsigned long long)d->info.target_kb);
		return -EINVAL;
	}
	uint64_t was = max ? d->info.max_mem_kb : d->info.target_kb;
	rc = max ? hv_set_max_mem(m->hv, d->domid, kb) : hv_set_target_mem(m->hv, d->domid, kb);
	if (rc < 0) {
		dm_error_set(e, rc == -EINVAL ? DM_ERR_INVALID : DM_ERR_FAILED,
				  rc == -EINVAL ? "params.memory_kb" : NULL, "cannot set the %s of %s: %s",
				  max ? "maximum memory" : "memory target", d->name, hv_error(m->hv));
		return rc;
	}
	/* The guest's balloon driver follows memory/target: xl's protocol. */
	char err[256];
	if (m->xs && (rc = xsd_set_memory(m->xs, d->domid, max ? "static-max" : "target", kb, err,
					  sizeof(err))) < 0) {
		dm_error_set(e, DM_ERR_FAILED, NULL, "domain %s: %s", d->name, err);
		memory_undo(m, d, max, was, false);
		return rc;
	}
	if ((rc = save_info(m, d, e)) < 0) {
		/* A record that cannot be written (a full disk, no descriptor
		 * left) leaves the old setting everywhere. */
		memory_undo(m, d, max, was, true);
		char why[sizeof(e->message)];
		snprintf(why, sizeof(why), "%s", e->message);
		dm_error_set(e, DM_ERR_FAILED, NULL, "%s: the %s of %s stays %llu KiB", why,
				  max ? "maximum memory" : "memory target", d->name,
				  (unsigned long long)was);
		return rc;
	}
	log_info("domain %s (domid %u): memory %s %llu KiB", d->name, d->domid,
		 max ? "maximum" : "target", (unsigned long long)kb);
	return 0;
}

/* CONFIG (domcfg JSON) with c_info.name set to NAME, so `xcd list -l` and the
 * record agree with the new name. NULL when out of memory. */
static char *config_renamed(const char *config, const char *name)
{
	char perr[128];
	yajl_val t = yajl_tree_parse(config, perr, sizeof(perr));
	yajl_gen g = yajl_gen_alloc(NULL);
	char *out = NULL;
	if (!t || !g)
		goto out;
	const char *path[] = { "c_info", "name", NULL };
	yajl_val n = yajl_tree_get(t, path, yajl_t_string);
	char *was = n ? n->u.string : NULL;
	/* Lent for the generation only: the tree frees its own string. */
	if (n)
		n->u.string = (char *)name;
	int rc = json_gen_tree(g, t);
	if (n)
		n->u.string = was;
	const unsigned char *buf;
	size_t len;
	if (rc == 0 && yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
		out = strndup((const char *)buf, len);
out:
	if (g)
		yajl_gen_free(g);
	if (t)
		yajl_tree_free(t);
	return out;
}

int dm_rename(struct dm *m, struct dm_domain *d, const char *name, struct dm_error *e)
{
	if (refuse_busy(d, e) < 0)
		return -EBUSY;
	int rc = dm_name_check(m, d, name, "params.new_name", e);
	if (rc < 0)
		return rc;
	char *copy = strdup(name), *old = d->name, *old_cfg = d->config_json;
	char *cfg = config_renamed(d->config_json, name);
	if (!copy || !cfg) {
		free(copy);
		free(cfg);
		dm_error_set(e, DM_ERR_NOMEM, NULL, "out of memory");
		return -ENOMEM;
	}
	char err[512];
	if (m->xs && xsd_rename(m->xs, d->domid, d->uuid, name, err, sizeof(err)) < 0) {
		dm_error_set(e, DM_ERR_FAILED, NULL, "domain %s: %s", d->name, err);
		free(copy);
		free(cfg);
		return -EIO;
	}
	d->name = copy;
	d->config_json = cfg;
	rc = save_info(m, d, e);
	if (rc < 0) {
		if (m->xs && xsd_rename(m->xs, d->domid, d->uuid, old, err, sizeof(err)) < 0)
			log_warn("domain %s: %s", old, err);
		d->name = old;
		d->config_json = old_cfg;
		free(copy);
		free(cfg);
		return rc;
	}
	log_info("domain %s (domid %u) renamed %s", old, d->domid, d->name);
	free(old);
	free(old_cfg);
	return 0;
}

static int parse_cpus(const char *list, unsigned nr_cpus, const char *field, struct cpumap *out,
		      struct dm_error *e)
{
	struct domcfg_host host = { nr_cpus, 0, NULL };
	char err[128];
	if (domcfg_parse_cpulist(list, &host, out, err, sizeof(err)) < 0) {
		dm_error_set(e, DM_ERR_INVALID, field, "%s: \"%.60s\": %s", field,
				  list, err);
		return -EINVAL;
	}
	return 0;
}

int dm_vcpu_pin(struct dm *m, struct dm_domain *d, long long vcpu, const char *hard,
		const char *soft, unsigned nr_cpus, struct dm_error *e)
{
	int rc = hv_domain_getinfo(m->hv, d->domid, &d->info);
	if (rc < 0)
		return hv_err(m, e, rc, "cannot read the state of", d->name);
	uint32_t n = d->info.max_vcpus;
	if (vcpu >= (long long)n) {
		dm_error_set(e, DM_ERR_INVALID, "params.vcpu",
				  "%s has %u vCPUs: there is no vCPU %lld", d->name, n, vcpu);
		return -EINVAL;
	}
	struct cpumap hm, sm;
	if ((hard && parse_cpus(hard, nr_cpus, "params.cpus", &hm, e) < 0) ||
	    (soft && parse_cpus(soft, nr_cpus, "params.cpus_soft", &sm, e) < 0))
		return -EINVAL;
	uint32_t first = vcpu < 0 ? 0 : (uint32_t)vcpu, last = vcpu < 0 ? n : first + 1;
	if (soft && !d->soft) {
		if (!(d->soft = calloc(n, sizeof(*d->soft)))) {
			dm_error_set(e, DM_ERR_NOMEM, NULL, "out of memory");
			return -ENOMEM;
		}
		memset(d->soft, 0xff, n * sizeof(*d->soft));
		d->n_soft = n;
	}
	uint8_t map[DOMCFG_MAX_CPUS / 8];
	size_t len = (nr_cpus + 7) / 8;
	if (hard)
		dm_cpumap_bytes(&hm, map, len);
	/* What was there, put back if a step fails: the hypervisor's hard
	 * affinities and the soft ones the record holds. */
	uint8_t *old_hard = hard ? calloc(last - first, len) : NULL;
	struct cpumap *old_soft = soft ? calloc(d->n_soft, sizeof(*old_soft)) : NULL;
	if ((hard && !old_hard) || (soft && d->n_soft && !old_soft)) {
		free(old_hard);
		free(old_soft);
		dm_error_set(e, DM_ERR_NOMEM, NULL, "out of memory");
		return -ENOMEM;
	}
	if (soft && d->n_soft)
		memcpy(old_soft, d->soft, d->n_soft * sizeof(*old_soft));
	uint32_t v, set = first;
	for (v = first; hard && v < last; v++)
		if ((rc = hv_vcpu_get_affinity(m->hv, d->domid, v, old_hard + (v - first) * len,
					       len)) < 0) {
			char what[64];
			snprintf(what, sizeof(what), "cannot read the affinity of vCPU %u of", v);
			hv_err(m, e, rc, what, d->name);
			goto out;
		}
	for (v = first; v < last; v++, set = v) {
		if (hard && (rc = hv_vcpu_set_affinity(m->hv, d->domid, v, map, len)) < 0) {
			char what[64];
			snprintf(what, sizeof(what), "cannot pin vCPU %u of", v);
			hv_err(m, e, rc, what, d->name);
			goto undo;
		}
		if (soft && v < d->n_soft)
			d->soft[v] = sm;
	}
	if ((rc = save_info(m, d, e)) < 0)
		goto undo;
	char which[24];
	snprintf(which, sizeof(which), vcpu < 0 ? "all" : "%lld", vcpu);
	log_info("domain %s (domid %u): vCPU %s pinned to %s / %s", d->name, d->domid, which,
		 hard ? hard : "(unchanged)", soft ? soft : "(unchanged)");
	goto out;
undo:
	for (v = first; hard && v < set; v++)
		if (hv_vcpu_set_affinity(m->hv, d->domid, v, old_hard + (v - first) * len, len) < 0)
			log_err("domain %s: cannot put the affinity of vCPU %u back: %s", d->name,
				v, hv_error(m->hv));
	if (soft && d->n_soft)
		memcpy(d->soft, old_soft, d->n_soft * sizeof(*old_soft));
out:
	free(old_hard);
	free(old_soft);
	return rc;
}

static void forget(struct dm *m, struct dm_domain *d)
{
	char err[256] = "";
	if (journal_remove(m->journal, d->uuid, err, sizeof(err)) < 0 && err[0])
		log_warn("%s", err);
	strmap_remove(&m->by_uuid, d->uuid);
	notify(m, d, "gone");
	dom_free(d);
}

int dm_destroy(struct dm *m, struct dm_domain *d, dm_done_fn *done, void *arg,
	       struct dm_error *e)
{
	if (d->op && d->op->kind == OP_DESTROY) {
		dm_error_set(e, DM_ERR_BUSY, NULL, "domain %s is being destroyed already",
				  d->name);
		return -EBUSY;
	}
	/* Its create waits for a job that may never end (a hanging script):
	 * the job is killed, the create told, and what it did is undone below. */
	if (d->op)
		op_abort(d, -ECANCELED, "destroyed before its devices were set up");
	/* Paused, then its devices, as libxl: the scripts still find the
	 * backends, and the guest no longer uses them. */
	/* From here it goes, whatever happens to this xcdd: the next one
	 * finishes it. A restart's record says "restart" throughout. */
	jop_set(m, d, d->jop.kind == DM_JOP_RESTART ? DM_JOP_RESTART : DM_JOP_DESTROY,
		"destroying");
	if (hv_domain_getinfo(m->hv, d->domid, &d->info) == 0 &&
	    !(d->info.flags & (HV_DOMF_PAUSED | HV_DOMF_SHUTDOWN | HV_DOMF_DYING)) &&
	    hv_domain_pause(m->hv, d->domid) < 0)
		log_debug("domain %s: pause before destroy: %s", d->name, hv_error(m->hv));
	crash_point(m, "destroy:journal");
	struct dm_op *op = op_new(m, d, OP_DESTROY, done, arg);
	if (!op) {
		dm_error_set(e, DM_ERR_NOMEM, NULL, "out of memory");
		return -ENOMEM;
	}
	op_devices(op, false, NULL);
	return 0;
}

/* The devices are gone: the domain and its entries go. */
static void destroy_finish(struct dm_op *op)
{
	struct dm *m = op->m;
	struct dm_domain *d = op->d;
	char err[512];
	int rc = hv_domain_destroy(m->hv, d->domid);
	if (rc < 0 && rc != -ESRCH) {
		hv_err(m, &op->e, rc, "cannot destroy domain", d->name);
		/* It stays, and nothing is under way on it any more. */
		memset(&d->jop, 0, sizeof(d->jop));
		if (dm_save(m, d, err, sizeof(err)) < 0)
			log_warn("%s", err);
		op_end(op, rc, NULL);
		return;
	}
	crash_point(m, "destroy:hv");
	if (m->xs && xsd_remove(m->xs, d->domid, d->uuid, err, sizeof(err)) < 0)
		log_warn("domain %s: %s", d->name, err);
	log_info("destroyed domain %s (domid %u)", d->name, d->domid);
	op->d = NULL;
	d->op = NULL;
	if (d->jop.kind == DM_JOP_RESTART) {
		/* The record stays until the create replaces it: a daemon dying
		 * now leaves the guest to make again, not lost. */
		jop_set(m, d, DM_JOP_RESTART, "destroyed");
		crash_point(m, "restart:destroyed");
		strmap_remove(&m->by_uuid, d->uuid);
		notify(m, d, "gone");
		dom_free(d);
	} else {
		forget(m, d);
	}
	op_end(op, 0, NULL);
}

int dm_shutdown(struct dm *m, struct dm_domain *d, bool reboot, bool force, const char **how,
		struct dm_error *e)
{
	const char *cmd = reboot ? "reboot" : "poweroff";
	if (refuse_busy(d, e) < 0)
		return -EBUSY;
	int rc = hv_domain_getinfo(m->hv, d->domid, &d->info);
	if (rc < 0)
		return hv_err(m, e, rc, "cannot read the state of", d->name);
	if (d->info.flags & (HV_DOMF_SHUTDOWN | HV_DOMF_DYING)) {
		dm_error_set(e, DM_ERR_STATE, NULL, "domain %s is shut down already",
				  d->name);
		return -EINVAL;
	}
	char err[256];
	if (m->xs && xsd_pv_control(m->xs, d->domid, cmd)) {
		if ((rc = xsd_request_shutdown(m->xs, d->domid, cmd, err, sizeof(err))) < 0) {
			dm_error_set(e, DM_ERR_FAILED, NULL, "domain %s: %s", d->name, err);
			return rc;
		}
		*how = "pv";
	} else if (force) {
		rc = hv_domain_shutdown(m->hv, d->domid,
					reboot ? HV_SHUTDOWN_REBOOT : HV_SHUTDOWN_POWEROFF);
		if (rc < 0)
			return hv_err(m, e, rc, "cannot shut down domain", d->name);
		*how = "hypervisor";
	} else {
		dm_error_set(e, DM_ERR_FAILED, NULL,
				  "domain %s: PV control interface not available "
				  "(control/feature-%s is not 1): it cannot be asked to %s; "
				  "use -F to %s through the hypervisor", d->name, cmd, cmd,
				  reboot ? "reboot it" : "power it off");
		return -EOPNOTSUPP;
	}
	log_info("domain %s (domid %u): %s requested (%s)", d->name, d->domid, cmd, *how);
	return 0;
}

int dm_vcpu_set(struct dm *m, struct dm_domain *d, long long n, struct dm_error *e)
{
	int rc = hv_domain_getinfo(m->hv, d->domid, &d->info);
	if (rc < 0)
		return hv_err(m, e, rc, "cannot read the state of", d->name);
	if (n < 1 || n > (long long)d->info.max_vcpus) {
		dm_error_set(e, DM_ERR_INVALID, "params.vcpus",
				  "%s: %lld vCPUs: between 1 and its maximum of %u", d->name, n,
				  d->info.max_vcpus);
		return -EINVAL;
	}
	char err[256];
	/* The guest brings them up and down itself, watching availability. */
	if (m->xs && (rc = xsd_set_vcpus(m->xs, d->domid, d->info.max_vcpus, (uint32_t)n, err,
					 sizeof(err))) < 0) {
		dm_error_set(e, DM_ERR_FAILED, NULL, "domain %s: %s", d->name, err);
		return rc;
	}
	log_info("domain %s (domid %u): %lld of %u vCPUs online", d->name, d->domid, n,
		 d->info.max_vcpus);
	return 0;
}

/* A fresh random (version 4) uuid. */
static void new_uuid(uint8_t u[16])
{
	if (getrandom(u, 16, 0) != 16)
		for (int i = 0; i < 16; i++)
			u[i] = (uint8_t)rand();
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
}

/* The configuration of SRC parsed again, as on create. */
static int reparse(const struct dm_source *src, struct domcfg **out, char *err, size_t errlen)
{
	struct cfgfile *cf = NULL;
	int rc = cfgfile_parse(src->file, src->text, strlen(src->text), &cf, err, errlen);
	for (size_t i = 0; rc == 0 && i < src->n_overrides; i++) {
		char what[64];
		snprintf(what, sizeof(what), "command line argument %zu", i + 1);
		rc = cfgfile_override(cf, what, src->overrides[i], err, errlen);
	}
	if (rc == 0)
		rc = domcfg_from_cfg(cf, NULL, out, err, errlen);
	cfgfile_free(cf);
	return rc;
}

/* xl's rename-restart keeps the old domain as NAME-YYYYMMDDTHHMMZ. */
static int preserve_renamed(struct dm *m, struct dm_domain *d)
{
	char stamp[32], name[200];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "-%Y%m%dT%H%MZ", &tm);
	struct dm_error e = { 0 };
	/* Room for the stamp and "-99" within the name rule's length. */
	int keep = (int)domname_cut(d->name, DOMNAME_MAX - strlen(stamp) - 3);
	for (int k = 1; k < 100; k++) {
		if (k == 1)
			snprintf(name, sizeof(name), "%.*s%s", keep, d->name, stamp);
		else
			snprintf(name, sizeof(name), "%.*s%s-%d", keep, d->name, stamp, k);
		if (dm_find(m, name, 0))
			continue;
		return dm_rename(m, d, name, &e);
	}
	return -EEXIST;
}

int dm_config(const struct dm_domain *d, struct domcfg **out, char *err, size_t errlen)
{
	if (!d->source) {
		snprintf(err, errlen, "its configuration text was not kept");
		return -ENOENT;
	}
	int rc = reparse(d->source, out, err, errlen);
	if (rc == 0)
		uuid_parse(d->uuid, (*out)->uuid);
	return rc;
}

/* A domain to make again once its old self is destroyed. */
struct restart_ctx {
	char *name;
	uint8_t uuid[16];
	struct domcfg *cfg;
	struct dm_source *src;
	bool new_host; /* its host went away: said in the log */
	char old_uuid[37]; /* rename-restart: the domain kept, whose record says so */
};

static void restart_free(struct restart_ctx *r)
{
	free(r->name);
	domcfg_free(r->cfg);
	dm_source_free(r->src);
	free(r);
}

static void restarted(struct dm *m, int rc, struct dm_domain *d, const struct dm_error *e,
		      void *arg)
{
	struct restart_ctx *r = arg;
	char u[37], err[256] = "";
	if (rc < 0)
		log_err("domain %s could not be made again: %s", r->name, e->message);
	else
		log_info("domain %s restarted as domid %u%s", d->name, d->domid,
			 r->new_host ? " on the new host" : "");
	/* A failed one is not tried again by the next xcdd: its record (the
	 * restart's, if the create did not get to replace it) goes. */
	uuid_format(r->uuid, u);
	int jr;
	if (rc < 0 && !strmap_get(&m->by_uuid, u) &&
	    (jr = journal_remove(m->journal, u, err, sizeof(err))) < 0 && jr != -ENOENT)
		log_warn("%s", err);
	struct dm_domain *old = r->old_uuid[0] ? strmap_get(&m->by_uuid, r->old_uuid) : NULL;
	if (old && old->jop.kind == DM_JOP_RENAME_RESTART) {
		memset(&old->jop, 0, sizeof(old->jop));
		if (dm_save(m, old, err, sizeof(err)) < 0)
			log_warn("%s", err);
	}
	restart_free(r);
}

static void restart_create(struct dm *m, struct restart_ctx *r)
{
	struct dm_error e = { 0 };
	memcpy(r->cfg->uuid, r->uuid, 16);
	int rc = create_domain(m, r->cfg, r->src, false, true, restarted, r, &e);
	if (rc < 0)
		restarted(m, rc, NULL, &e, r);
}

static void restart_destroyed(struct dm *m, int rc, struct dm_domain *d,
			      const struct dm_error *e, void *arg)
{
	struct restart_ctx *r = arg;
	if (rc < 0) {
		log_err("domain %s cannot be restarted: %s", r->name, e->message);
		restart_free(r);
		return;
	}
	restart_create(m, r);
}

/* Destroys D and makes it again from its source (RENAME: keeps D, renamed). */
/* D, kept by a rename-restart, takes its jop.kept_uuid as libxl gives it: in
 * the hypervisor, in xenstore (/vm), then in the journal (its record under
 * the new uuid first, the old record removed after), so that the restarted
 * domain can have the uuid of the configuration. Done already: 0. */
static int rekey(struct dm *m, struct dm_domain *d)
{
	char err[512], old[37];
	uint8_t u[16];
	const char *nu = d->jop.kept_uuid;
	if (!nu[0] || !strcmp(d->uuid, nu))
		return 0;
	if (uuid_parse(nu, u) < 0)
		return -EINVAL;
	int rc = hv_domain_set_uuid(m->hv, d->domid, u);
	if (rc < 0) {
		log_err("domain %s (domid %u): cannot give it uuid %s: %s", d->name, d->domid, nu,
			hv_error(m->hv));
		return rc;
	}
	snprintf(old, sizeof(old), "%s", d->uuid);
	if (m->xs && xsd_set_uuid(m->xs, d->domid, old, nu, err, sizeof(err)) < 0)
		log_warn("domain %s: %s", d->name, err);
	strmap_remove(&m->by_uuid, old);
	snprintf(d->uuid, sizeof(d->uuid), "%s", nu);
	if (strmap_put(&m->by_uuid, d->uuid, d, NULL) < 0)
		return -ENOMEM;
	snprintf(d->jop.step, sizeof(d->jop.step), "%s", "rekeyed");
	if ((rc = dm_save(m, d, err, sizeof(err))) < 0) {
		log_err("%s", err);
		return rc;
	}
	crash_point(m, "rename-restart:rekeyed");
	if ((rc = journal_remove(m->journal, old, err, sizeof(err))) < 0 && rc != -ENOENT)
		log_warn("%s", err);
	log_info("domain %s (domid %u) kept under uuid %s (was %s)", d->name, d->domid, nu, old);
	return 0;
}

static void restart(struct dm *m, struct dm_domain *d, bool rename)
{
	char err[512];
	struct dm_error e = { 0 };
	struct restart_ctx *r = calloc(1, sizeof(*r));
	if (!r) {
		log_err("domain %s cannot be restarted: out of memory", d->name);
		return;
	}
	r->src = d->source ? source_dup(d->source) : NULL;
	int rc = r->src ? reparse(r->src, &r->cfg, err, sizeof(err)) : -ENOENT;
	if (rc < 0) {
		log_err("domain %s cannot be restarted (%s): destroyed", d->name,
			r->src ? err : "its configuration text was not kept");
		restart_free(r);
		if (dm_destroy(m, d, NULL, NULL, &e) < 0)
			log_err("%s", e.message);
		return;
	}
	r->name = strdup(d->name);
	if (!r->name) {
		log_err("domain %s cannot be restarted: out of memory", d->name);
		restart_free(r);
		return;
	}
	if (rename) {
		/* As libxl: the kept domain takes a new uuid, the one made again
		 * keeps the configuration's. The record says both until the new
		 * one is made: the next xcdd finishes it if this one dies before. */
		uint8_t kept[16];
		new_uuid(kept);
		if (uuid_parse(d->uuid, r->uuid) < 0)
			new_uuid(r->uuid);
		d->shutdown_handled = true;
		memset(&d->jop, 0, sizeof(d->jop));
		d->jop.kind = DM_JOP_RENAME_RESTART;
		uuid_format(r->uuid, d->jop.new_uuid);
		uuid_format(kept, d->jop.kept_uuid);
		jop_set(m, d, DM_JOP_RENAME_RESTART, "renaming");
		rc = preserve_renamed(m, d);
		if (rc < 0) {
			log_err("domain %s cannot be restarted: %s", r->name, strerror(-rc));
			memset(&d->jop, 0, sizeof(d->jop));
			if (dm_save(m, d, err, sizeof(err)) < 0)
				log_warn("%s", err);
			restart_free(r);
			return;
		}
		jop_set(m, d, DM_JOP_RENAME_RESTART, "renamed");
		crash_point(m, "rename-restart:renamed");
		if (rekey(m, d) < 0) {
			/* It keeps its uuid, then: the new domain cannot have it. */
			new_uuid(r->uuid);
			uuid_format(r->uuid, d->jop.new_uuid);
			d->jop.kept_uuid[0] = '\0';
			jop_set(m, d, DM_JOP_RENAME_RESTART, "renamed");
		}
		log_info("domain %s (domid %u) kept as %s", r->name, d->domid, d->name);
		notify(m, d, d->state); /* under its new name */
		snprintf(r->old_uuid, sizeof(r->old_uuid), "%s", d->uuid);
		restart_create(m, r);
		return;
	}
	if (uuid_parse(d->uuid, r->uuid) < 0)
		new_uuid(r->uuid);
	jop_set(m, d, DM_JOP_RESTART, "shut down");
	crash_point(m, "restart:journal");
	if (dm_destroy(m, d, restart_destroyed, r, &e) < 0) {
		log_err("domain %s cannot be restarted: %s", r->name, e.message);
		restart_free(r);
	}
}

/* What the guest's configuration says to do now that it has shut down. */
static void apply_action(struct dm *m, struct dm_domain *d)
{
	struct dm_on on;
	char err[256];
	dm_on_defaults(&on);
	if (dm_on_from_json(d->config_json, &on, err, sizeof(err)) < 0)
		log_warn("domain %s: %s; libxl's defaults used", d->name, err);
	const char *warning = NULL;
	enum hv_shutdown_reason why = d->info.shutdown_reason;
	enum dm_act a = dm_action_for(&on, why, &warning);
	if (a == DM_ACT_NONE)
		return;
	if (warning)
		log_warn("domain %s: %s", d->name, warning);
	log_info("domain %s (domid %u) shut down (%s): %s", d->name, d->domid,
		 dm_reason_name(why), dm_act_name(a));
	struct dm_error e = { 0 };
	switch (a) {
	case DM_ACT_DESTROY:
		if (dm_destroy(m, d, NULL, NULL, &e) < 0)
			log_err("%s", e.message);
		break;
	case DM_ACT_RESTART:
		restart(m, d, false);
		break;
	case DM_ACT_RENAME_RESTART:
		restart(m, d, true);
		break;
	case DM_ACT_PRESERVE:
		d->shutdown_handled = true;
		if (dm_save(m, d, err, sizeof(err)) < 0)
			log_warn("%s", err);
		break;
	case DM_ACT_NONE:
		break;
	}
}

int dm_poll(struct dm *m)
{
	struct hv_dominfo *list = NULL;
	int n = hv_domain_list_all(m->hv, &list);
	if (n < 0) {
		/* Said once per outage, not once a second. */
		if (!m->poll_failing)
			log_err("cannot list domains: %s", hv_error(m->hv));
		m->poll_failing = true;
		return n;
	}
	if (m->poll_failing)
		log_info("the hypervisor answers again");
	m->poll_failing = false;
	/* Acted on after the walk: a restart adds to the map being walked. */
	size_t max = m->by_uuid.count + 1;
	uint32_t *act = calloc(max, sizeof(*act)), *undo = calloc(max, sizeof(*undo));
	size_t n_act = 0, n_undo = 0;
	if (!act || !undo) {
		free(act);
		free(undo);
		free(list);
		return -ENOMEM;
	}
	struct strmap_iter it;
	struct strmap_entry *e, *next;
	for (e = strmap_next(&m->by_uuid, &it, NULL); e; e = next) {
		next = strmap_next(&m->by_uuid, &it, e);
		struct dm_domain *d = e->val;
		struct hv_dominfo *i = find_info(list, n, d);
		/* A create or destroy in progress finds out itself when its job
		 * ends, and deals with it. */
		if (!i && d->op)
			continue;
		if (!i) {
			gone(m, d, "");
			continue;
		}
		/* Half made: no on_* action, only the undo tried again. */
		if (undo_waiting(d)) {
			if (n_undo < max)
				undo[n_undo++] = d->domid;
			continue;
		}
		d->info = *i;
		char st[DM_STATE_LEN + 1];
		dm_state_string(i, st);
		bool changed = lifecycle_differs(st, d->state);
		memcpy(d->state, st, sizeof(st));
		bool down = (i->flags & HV_DOMF_SHUTDOWN) && !(i->flags & HV_DOMF_DYING);
		if (down && !d->shutdown_handled && !d->op && n_act < max)
			act[n_act++] = d->domid;
		if (!down && d->shutdown_handled) {
			d->shutdown_handled = false; /* running again (resumed) */
			changed = true;
		}
		if (!changed)
			continue;
		log_info("domain %s (domid %u) is now %s", d->name, d->domid, st);
		char err[256];
		if (dm_save(m, d, err, sizeof(err)) < 0)
			log_warn("%s", err);
		notify(m, d, st);
	}
	free(list);
	for (size_t k = 0; k < n_act; k++) {
		struct dm_domain *d = dm_find(m, NULL, act[k]);
		if (d && !d->shutdown_handled && !d->op)
			apply_action(m, d);
	}
	for (size_t k = 0; k < n_undo; k++) {
		struct dm_domain *d = dm_find(m, NULL, undo[k]);
		if (d && undo_waiting(d))
			undo_retry(m, d);
	}
	free(act);
	free(undo);
	return 0;
}

/* A guest whose host went away, to be made again on the new one. */
struct lost_restart {
	char *name;
	uint8_t uuid[16];
	struct dm_source *src;
};

/* Reports D crashed then gone and drops it; returns its on_crash action. */
static enum dm_act lose(struct dm *m, struct dm_domain *d, bool remove_entries)
{
	struct dm_on on;
	char err[512];
	const char *warning = NULL;
	dm_on_defaults(&on);
	if (dm_on_from_json(d->config_json, &on, err, sizeof(err)) < 0)
		log_warn("domain %s: %s; libxl's defaults used", d->name, err);
	enum dm_act a = dm_action_for(&on, HV_SHUTDOWN_CRASH, &warning);
	if (warning)
		log_warn("domain %s: %s", d->name, warning);
	/* As Xen would show a crashed guest: shut down, reason crash. */
	d->info.flags = (d->info.flags & ~(uint32_t)(HV_DOMF_RUNNING | HV_DOMF_BLOCKED)) |
			HV_DOMF_SHUTDOWN;
	d->info.shutdown_reason = HV_SHUTDOWN_CRASH;
	dm_state_string(&d->info, d->state);
	log_info("domain %s (domid %u) crashed: its host went away; on_crash: %s", d->name,
		 d->domid, dm_act_name(a));
	notify(m, d, d->state);
	if (a == DM_ACT_PRESERVE)
		log_warn("domain %s (domid %u): on_crash=preserve, but a domain whose host is "
			 "gone cannot be preserved: dropped", d->name, d->domid);
	if (remove_entries && m->xs && xsd_remove(m->xs, d->domid, d->uuid, err, sizeof(err)) < 0)
		log_warn("domain %s: %s", d->name, err);
	forget(m, d);
	return a;
}

int dm_host_lost(struct dm *m, bool remove_entries, dm_reopen_fn *reopen, void *arg)
{
	size_t n = m->by_uuid.count, n_rs = 0;
	struct lost_restart *rs = calloc(n ? n : 1, sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	struct strmap_iter it;
	struct strmap_entry *e, *next;
	for (e = strmap_next(&m->by_uuid, &it, NULL); e; e = next) {
		next = strmap_next(&m->by_uuid, &it, e);
		struct dm_domain *d = e->val;
		op_abort(d, -EHOSTDOWN, "its host went away");
		/* Kept before D is freed: what is needed to make it again. */
		struct lost_restart r = { 0 };
		r.name = strdup(d->name);
		r.src = d->source ? source_dup(d->source) : NULL;
		if (uuid_parse(d->uuid, r.uuid) < 0)
			new_uuid(r.uuid);
		enum dm_act a = lose(m, d, remove_entries);
		if ((a == DM_ACT_RESTART || a == DM_ACT_RENAME_RESTART) && r.name && n_rs < n) {
			if (a == DM_ACT_RENAME_RESTART)
				log_info("domain %s: rename-restart: the old domain went with its "
					 "host, nothing to keep; made again", r.name);
			rs[n_rs++] = r;
			continue;
		}
		free(r.name);
		dm_source_free(r.src);
	}
	struct hv *hv = NULL;
	struct xs_handle *xs = NULL;
	int rc = reopen(arg, &hv, &xs);
	if (rc == 0) {
		m->hv = hv;
		m->xs = xs;
		m->dev.xs = xs;
		m->poll_failing = false;
	}
	for (size_t k = 0; k < n_rs; k++) {
		struct lost_restart *r = &rs[k];
		char err[512];
		struct restart_ctx *c = NULL;
		if (rc < 0)
			log_err("domain %s cannot be restarted: no new host", r->name);
		else if (!r->src)
			log_err("domain %s cannot be restarted: its configuration text was not "
				"kept", r->name);
		else if (!(c = calloc(1, sizeof(*c))))
			log_err("domain %s cannot be restarted: out of memory", r->name);
		else if (reparse(r->src, &c->cfg, err, sizeof(err)) < 0) {
			log_err("domain %s cannot be restarted: %s", r->name, err);
			free(c);
		} else {
			/* The restart owns them now. */
			c->name = r->name;
			c->src = r->src;
			memcpy(c->uuid, r->uuid, 16);
			c->new_host = true;
			r->name = NULL;
			r->src = NULL;
			restart_create(m, c);
		}
		free(r->name);
		dm_source_free(r->src);
	}
	free(rs);
	return rc;
}

/* ---- settling, on start, what a dead xcdd left half done ---- */

/* Destroys D as dm_destroy does (inline: no loop runs yet), or, PRESENT
 * false, removes what is left of it (entries, devices, record). */
static void settle_destroy(struct dm *m, struct dm_domain *d, bool present)
{
	struct dm_error e = { 0 };
	if (!present) {
		drop_gone(m, d);
		return;
	}
	if (dm_destroy(m, d, NULL, NULL, &e) < 0)
		log_err("%s", e.message);
}

/* What a restart of D needs: its name, uuid (NEW_UUID: that one), source. */
static struct restart_ctx *settle_ctx(struct dm_domain *d, const char *new_uuid)
{
	char err[512];
	struct restart_ctx *r = calloc(1, sizeof(*r));
	if (!r || !(r->name = strdup(d->name))) {
		log_err("domain %s cannot be made again: out of memory", d->name);
		goto fail;
	}
	if (uuid_parse(new_uuid ? new_uuid : d->uuid, r->uuid) < 0) {
		log_err("domain %s cannot be made again: bad uuid", d->name);
		goto fail;
	}
	r->src = d->source ? source_dup(d->source) : NULL;
	if (!r->src || reparse(r->src, &r->cfg, err, sizeof(err)) < 0) {
		log_err("domain %s cannot be made again (%s)", d->name,
			r->src ? err : "its configuration text was not kept");
		goto fail;
	}
	return r;
fail:
	if (r)
		restart_free(r);
	return NULL;
}

/* A restart of D (or the create of its restart) half done: the domain there
 * (PRESENT), the old one or a half-made new one, is destroyed, and it is
 * made again once, from its journaled source. */
static void settle_restart(struct dm *m, struct dm_domain *d, bool present)
{
	struct restart_ctx *r = settle_ctx(d, NULL);
	if (!r) {
		settle_destroy(m, d, present);
		return;
	}
	struct dm_error e = { 0 };
	if (present) {
		jop_set(m, d, DM_JOP_RESTART, "destroying");
		if (dm_destroy(m, d, restart_destroyed, r, &e) < 0) {
			log_err("domain %s cannot be restarted: %s", r->name, e.message);
			restart_free(r);
		}
		return;
	}
	/* Its record stays until the create replaces it. */
	store_forget(m, d->domid, d->uuid);
	strmap_remove(&m->by_uuid, d->uuid);
	dom_free(d);
	restart_create(m, r);
}

/* D was kept, renamed, by a rename-restart whose new domain may not have
 * been made: it is made, unless the journal or the hypervisor has it. */
static void settle_rename_restart(struct dm *m, struct dm_domain *d, bool present,
				  struct hv_dominfo *list, int n)
{
	char err[512];
	const char *nu = d->jop.new_uuid;
	if (d->jop.kept_uuid[0] && strcmp(d->uuid, d->jop.kept_uuid)) {
		/* Not yet under the uuid it takes; unless its record under that
		 * one was written already (then this one is left over). */
		struct dm_domain *k = strmap_get(&m->by_uuid, d->jop.kept_uuid);
		if (k && k != d) {
			log_info("domain %s: its record under uuid %s is left over from its "
				 "rename-restart (it is kept as %s): removed", d->name, d->uuid,
				 d->jop.kept_uuid);
			int jr = journal_remove(m->journal, d->uuid, err, sizeof(err));
			if (jr < 0 && jr != -ENOENT)
				log_warn("%s", err);
			strmap_remove(&m->by_uuid, d->uuid);
			dom_free(d);
			return;
		}
	}
	/* The new domain: a record or a domain under its uuid, other than D
	 * itself. D's record left over from before it took its new uuid goes
	 * now: the new domain is to have that uuid. */
	struct dm_domain *nd = strmap_get(&m->by_uuid, nu);
	if (nd && nd != d && nd->jop.kind == DM_JOP_RENAME_RESTART &&
	    !strcmp(nd->jop.kept_uuid, d->uuid)) {
		log_info("domain %s: its record under uuid %s is left over from its "
			 "rename-restart (it is kept as %s): removed", d->name, nd->uuid, d->uuid);
		int jr = journal_remove(m->journal, nd->uuid, err, sizeof(err));
		if (jr < 0 && jr != -ENOENT)
			log_warn("%s", err);
		strmap_remove(&m->by_uuid, nd->uuid);
		dom_free(nd);
		nd = NULL;
	}
	if (nd == d)
		nd = NULL;
	struct hv_dominfo *ni = find_uuid(list, n, nu);
	if (ni && present && ni->domid == d->domid)
		ni = NULL;
	if (nd || ni) {
		log_info("domain %s (domid %u): its rename-restart had made the new domain "
			 "(uuid %s) already: nothing more to do", d->name, d->domid, nu);
		memset(&d->jop, 0, sizeof(d->jop));
		if (dm_save(m, d, err, sizeof(err)) < 0)
			log_warn("%s", err);
		return;
	}
	struct restart_ctx *r = settle_ctx(d, nu);
	if (!r) {
		memset(&d->jop, 0, sizeof(d->jop));
		if (present && dm_save(m, d, err, sizeof(err)) < 0)
			log_warn("%s", err);
		if (!present)
			drop_gone(m, d);
		return;
	}
	log_info("domain %s (domid %u): its rename-restart did not finish (step %s): rolled "
		 "forward: %s, %s made again (uuid %s)", d->name, d->domid, d->jop.step,
		 present ? "the old domain is kept renamed" : "the old domain is gone",
		 r->cfg->name ? r->cfg->name : r->name, nu);
	if (!present) {
		drop_gone(m, d);
		restart_create(m, r);
		return;
	}
	d->shutdown_handled = true;
	/* Renamed already unless it died before: then it is renamed now. */
	if (r->cfg->name && !strcmp(d->name, r->cfg->name)) {
		int rc = preserve_renamed(m, d);
		if (rc < 0) {
			log_err("domain %s cannot be restarted: %s", d->name, strerror(-rc));
			memset(&d->jop, 0, sizeof(d->jop));
			if (dm_save(m, d, err, sizeof(err)) < 0)
				log_warn("%s", err);
			restart_free(r);
			return;
		}
		log_info("domain %s (domid %u) kept as %s", r->cfg->name, d->domid, d->name);
	}
	if (rekey(m, d) < 0) {
		log_err("domain %s (domid %u) keeps uuid %s: %s is not made again", d->name,
			d->domid, d->uuid, r->cfg->name ? r->cfg->name : r->name);
		memset(&d->jop, 0, sizeof(d->jop));
		if (dm_save(m, d, err, sizeof(err)) < 0)
			log_warn("%s", err);
		restart_free(r);
		return;
	}
	snprintf(r->old_uuid, sizeof(r->old_uuid), "%s", d->uuid);
	restart_create(m, r);
}

/* One record whose operation was under way when the last xcdd died: one
 * line in the log says what was found and what is done about it. */
static void settle(struct dm *m, struct dm_domain *d, bool present, struct hv_dominfo *list,
		   int n)
{
	const char *there = present ? "" : ", no longer in the hypervisor";
	switch (d->jop.kind) {
	case DM_JOP_CREATE:
		if (d->jop.restart) {
			log_info("domain %s (domid %u%s): the create of its restart did not finish "
				 "(step %s): rolled forward: %s, made again", d->name, d->domid,
				 there, d->jop.step,
				 present ? "the half-made domain is destroyed" : "nothing of it left");
			settle_restart(m, d, present);
			return;
		}
		log_info("domain %s (domid %u%s): its create did not finish (step %s), its caller "
			 "was not told it succeeded: rolled back (destroyed, entries and devices "
			 "removed)", d->name, d->domid, there, d->jop.step);
		settle_destroy(m, d, present);
		return;
	case DM_JOP_DESTROY:
		log_info("domain %s (domid %u%s): its destroy did not finish (step %s): rolled "
			 "forward (destroyed, entries and devices removed)", d->name, d->domid,
			 there, d->jop.step);
		settle_destroy(m, d, present);
		return;
	case DM_JOP_RESTART:
		log_info("domain %s (domid %u%s): its restart did not finish (step %s): rolled "
			 "forward: %smade again", d->name, d->domid, there, d->jop.step,
			 present ? "the old domain is destroyed and " : "");
		settle_restart(m, d, present);
		return;
	case DM_JOP_RENAME_RESTART:
		settle_rename_restart(m, d, present, list, n);
		return;
	case DM_JOP_NONE:
		break;
	}
}
