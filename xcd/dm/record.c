/* record: a domain's journal record, written (gen_*) and read back (load_*).
 * The JSON keys are the journal's format: a record an older xcdd wrote loads. */
#include "dm_internal.h"
#include "../../lib/errmsg.h"
#include "../../lib/jsonw.h"
#include "../../lib/log.h"
#include "../../lib/uuid.h"
#include "../actions.h"
#include "../domname.h"
#include "../journal.h"
#include "../json_tree.h"
#include "../xlfmt.h"
#include "../xs_domain.h"
#include "../cfgload.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "soft_affinity": one CPU list per vCPU, or null when none was set. */
static int gen_soft(yajl_gen g, const struct dm_domain *d)
{
	if (jw_str(g, "soft_affinity"))
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
		if (jw_str(g, text))
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
		char err[XCD_ERR_MAX];
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
	if (jw_str(g, "source") || yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    jw_str(g, "file") || jw_str(g, s->file) || jw_str(g, "text") ||
	    jw_str(g, s->text) || jw_str(g, "overrides") ||
	    yajl_gen_array_open(g) != yajl_gen_status_ok)
		return -EINVAL;
	for (size_t i = 0; i < s->n_overrides; i++)
		if (jw_str(g, s->overrides[i]))
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
	struct dm_source *out = src.overrides ? dm_source_dup(&src) : NULL;
	free(src.overrides);
	return out;
}

/* "rings": the store and console rings and ports of the build. */
static int gen_rings(yajl_gen g, const struct hv_build_result *b)
{
	if (!b->store_pfn && !b->console_pfn)
		return 0;
	if (jw_str(g, "rings") || yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    jw_str(g, "store_pfn") || yajl_gen_integer(g, (long long)b->store_pfn) ||
	    jw_str(g, "store_port") || yajl_gen_integer(g, b->store_port) ||
	    jw_str(g, "console_pfn") || yajl_gen_integer(g, (long long)b->console_pfn) ||
	    jw_str(g, "console_port") || yajl_gen_integer(g, b->console_port) ||
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

static const char *const pending_names[] = {
	[DM_PENDING_NONE] = "none",
	[DM_PENDING_CREATE] = "create",
	[DM_PENDING_DESTROY] = "destroy",
	[DM_PENDING_RESTART] = "restart",
	[DM_PENDING_RENAME_RESTART] = "rename-restart",
	[DM_PENDING_SAVE] = "save",
	[DM_PENDING_RESTORE] = "restore",
	[DM_PENDING_MIGRATE] = "migrate",
	[DM_PENDING_MIGRATE_IN] = "migrate-in",
};

/* "op": {"kind", "step", "paused", "restart", "new_uuid", "kept_uuid",
 * "file", "keep", "leave_paused", "was_paused", "mig_name", "mig_id",
 * "transport" (the command), "tcp" and "peer" (over TCP), "committed_at"},
 * or nothing.
 * ("new_uuid" is what xcdd wrote before and writes again; from the move to
 * xcd/dm/ until now it was written "dm_new_uuid": both are read.) */
static int gen_pending(yajl_gen g, const struct dm_pending_op *o)
{
	if (o->kind == DM_PENDING_NONE)
		return 0;
	if (jw_str(g, "op") || yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    jw_str(g, "kind") || jw_str(g, pending_names[o->kind]) || jw_str(g, "step") ||
	    jw_str(g, o->step))
		return -EINVAL;
	if ((o->kind == DM_PENDING_SAVE || o->kind == DM_PENDING_RESTORE) &&
	    (jw_str(g, "file") || jw_str(g, o->file)))
		return -EINVAL;
	if (o->kind == DM_PENDING_SAVE &&
	    (jw_str(g, "keep") || yajl_gen_bool(g, o->keep) != yajl_gen_status_ok ||
	     jw_str(g, "leave_paused") || yajl_gen_bool(g, o->leave_paused) != yajl_gen_status_ok ||
	     jw_str(g, "was_paused") || yajl_gen_bool(g, o->was_paused) != yajl_gen_status_ok))
		return -EINVAL;
	if (o->kind == DM_PENDING_MIGRATE &&
	    (jw_str(g, "was_paused") || yajl_gen_bool(g, o->was_paused) != yajl_gen_status_ok))
		return -EINVAL;
	if ((o->kind == DM_PENDING_MIGRATE || o->kind == DM_PENDING_MIGRATE_IN) &&
	    (jw_str(g, "mig_name") || jw_str(g, o->mig_name)))
		return -EINVAL;
	if ((o->kind == DM_PENDING_MIGRATE || o->kind == DM_PENDING_MIGRATE_IN) &&
	    o->has_mig_id && jw_kv_str(g, "mig_id", UUID_STR(o->mig_id)))
		return -EINVAL;
	if (o->kind == DM_PENDING_MIGRATE &&
	    ((o->rune[0] && jw_kv_str(g, "transport", o->rune)) ||
	     (o->tcp_addr[0] && (jw_kv_str(g, "tcp", o->tcp_addr) ||
				 jw_kv_str(g, "peer", o->tcp_peer))) ||
	     (o->committed_at && jw_kv_int(g, "committed_at", o->committed_at))))
		return -EINVAL;
	if ((o->kind == DM_PENDING_CREATE || o->kind == DM_PENDING_RESTORE ||
	     o->kind == DM_PENDING_MIGRATE_IN) &&
	    (jw_str(g, "paused") || yajl_gen_bool(g, o->paused) != yajl_gen_status_ok ||
	     jw_str(g, "restart") || yajl_gen_bool(g, o->restart) != yajl_gen_status_ok))
		return -EINVAL;
	if (o->kind == DM_PENDING_RENAME_RESTART &&
	    (jw_str(g, "new_uuid") || jw_str(g, UUID_STR(o->new_uuid))))
		return -EINVAL;
	if (o->kind == DM_PENDING_RENAME_RESTART && o->has_kept_uuid &&
	    (jw_str(g, "kept_uuid") || jw_str(g, UUID_STR(o->kept_uuid))))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

/* V's string member K into BUF (LEN bytes) when it fits whole, else "". */
static void load_str(yajl_val v, const char *k, char *buf, size_t len)
{
	const char *p[] = { k, NULL };
	yajl_val s = yajl_tree_get(v, p, yajl_t_string);
	buf[0] = '\0';
	if (s && strlen(s->u.string) < len)
		snprintf(buf, len, "%s", s->u.string);
}

/* A migration's id, the way to its receiver (its transport command, or
 * over TCP its address and host) and commit time into O (each as it is
 * there: an id that does not parse is none, a command or address too long
 * to keep is none: the outcome cannot then be asked, and a person decides). */
static void load_migration(struct dm_pending_op *o, yajl_val v)
{
	const char *p_id[] = { "mig_id", NULL }, *p_at[] = { "committed_at", NULL };
	yajl_val id = yajl_tree_get(v, p_id, yajl_t_string);
	yajl_val at = yajl_tree_get(v, p_at, yajl_t_number);
	o->has_mig_id = id && uuid_parse(id->u.string, o->mig_id) == 0;
	load_str(v, "transport", o->rune, sizeof(o->rune));
	load_str(v, "tcp", o->tcp_addr, sizeof(o->tcp_addr));
	load_str(v, "peer", o->tcp_peer, sizeof(o->tcp_peer));
	if (at && YAJL_IS_INTEGER(at))
		o->committed_at = YAJL_GET_INTEGER(at);
}

/* The record's "op" back into D; one xcdd does not know is said and left. */
static void load_pending(struct dm_domain *d, yajl_val v)
{
	const char *p_kind[] = { "kind", NULL }, *p_step[] = { "step", NULL },
		   *p_paused[] = { "paused", NULL }, *p_restart[] = { "restart", NULL },
		   *p_new[] = { "new_uuid", NULL }, *p_new_was[] = { "dm_new_uuid", NULL },
		   *p_kept[] = { "kept_uuid", NULL },
		   *p_file[] = { "file", NULL }, *p_keep[] = { "keep", NULL },
		   *p_lp[] = { "leave_paused", NULL }, *p_wp[] = { "was_paused", NULL },
		   *p_mn[] = { "mig_name", NULL };
	yajl_val kind = yajl_tree_get(v, p_kind, yajl_t_string);
	yajl_val ku = yajl_tree_get(v, p_kept, yajl_t_string);
	yajl_val step = yajl_tree_get(v, p_step, yajl_t_string);
	yajl_val nu = yajl_tree_get(v, p_new, yajl_t_string);
	if (!nu)
		nu = yajl_tree_get(v, p_new_was, yajl_t_string);
	yajl_val file = yajl_tree_get(v, p_file, yajl_t_string);
	yajl_val mn = yajl_tree_get(v, p_mn, yajl_t_string);
	struct dm_pending_op o = { .kind = DM_PENDING_NONE };
	for (size_t k = DM_PENDING_CREATE; kind && k < sizeof(pending_names) / sizeof(*pending_names); k++)
		if (!strcmp(kind->u.string, pending_names[k]))
			o.kind = (enum dm_pending_kind)k;
	if (o.kind == DM_PENDING_RENAME_RESTART &&
	    (!nu || uuid_parse(nu->u.string, o.new_uuid) < 0 ||
	     (ku && uuid_parse(ku->u.string, o.kept_uuid) < 0)))
		o.kind = DM_PENDING_NONE;
	o.has_kept_uuid = o.kind == DM_PENDING_RENAME_RESTART && ku;
	/* A save's file is what its settling removes: one it cannot name
	 * whole (or not absolute) is not a save xcdd can settle. */
	if ((o.kind == DM_PENDING_SAVE || o.kind == DM_PENDING_RESTORE) &&
	    (!file || file->u.string[0] != '/' ||
	     strlen(file->u.string) >= sizeof(o.file)))
		o.kind = o.kind == DM_PENDING_RESTORE ? DM_PENDING_CREATE : DM_PENDING_NONE;
	/* A migration names the other name it goes by: without it, a
	 * received one is undone as a create, a sent one left as it is. */
	if ((o.kind == DM_PENDING_MIGRATE || o.kind == DM_PENDING_MIGRATE_IN) &&
	    (!mn || !mn->u.string[0] || strlen(mn->u.string) >= sizeof(o.mig_name)))
		o.kind = o.kind == DM_PENDING_MIGRATE_IN ? DM_PENDING_CREATE : DM_PENDING_NONE;
	if (o.kind == DM_PENDING_NONE) {
		log_warn("journal: %s: the operation under way (\"%.40s\") is not one xcdd "
			 "knows or lacks a field: ignored, the domain is re-attached as it is",
			 d->name, kind ? kind->u.string : "?");
		return;
	}
	snprintf(o.step, sizeof(o.step), "%s", step ? step->u.string : "?");
	o.paused = YAJL_IS_TRUE(yajl_tree_get(v, p_paused, yajl_t_any));
	o.restart = YAJL_IS_TRUE(yajl_tree_get(v, p_restart, yajl_t_any));
	if (file && (o.kind == DM_PENDING_SAVE || o.kind == DM_PENDING_RESTORE))
		snprintf(o.file, sizeof(o.file), "%s", file->u.string);
	o.keep = YAJL_IS_TRUE(yajl_tree_get(v, p_keep, yajl_t_any));
	o.leave_paused = YAJL_IS_TRUE(yajl_tree_get(v, p_lp, yajl_t_any));
	o.was_paused = YAJL_IS_TRUE(yajl_tree_get(v, p_wp, yajl_t_any));
	if (mn && (o.kind == DM_PENDING_MIGRATE || o.kind == DM_PENDING_MIGRATE_IN))
		snprintf(o.mig_name, sizeof(o.mig_name), "%s", mn->u.string);
	if (o.kind == DM_PENDING_MIGRATE || o.kind == DM_PENDING_MIGRATE_IN)
		load_migration(&o, v);
	d->pending = o;
}

int dm_record_save(struct dm *m, const struct dm_domain *d, char *err, size_t errlen)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	yajl_val cfg = NULL;
	int rc = -ENOMEM;
	if (!g)
		goto out;
	char perr[XCD_ERR_MAX];
	cfg = yajl_tree_parse(d->config_json, perr, sizeof(perr));
	rc = -EINVAL;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok || jw_str(g, "uuid") ||
	    jw_str(g, UUID_STR(d->uuid)) || jw_str(g, "name") || jw_str(g, d->name) ||
	    jw_str(g, "domid") || yajl_gen_integer(g, d->domid) != yajl_gen_status_ok ||
	    jw_str(g, "state") || jw_str(g, d->state) || jw_str(g, "start_time") ||
	    yajl_gen_integer(g, d->start_time) != yajl_gen_status_ok ||
	    jw_str(g, "target_kb") ||
	    yajl_gen_integer(g, (long long)d->info.target_kb) != yajl_gen_status_ok ||
	    jw_str(g, "max_memory_kb") ||
	    yajl_gen_integer(g, (long long)d->info.max_mem_kb) != yajl_gen_status_ok ||
	    gen_soft(g, d) < 0 || jw_str(g, "shutdown_handled") ||
	    yajl_gen_bool(g, d->shutdown_handled) != yajl_gen_status_ok ||
	    gen_source(g, d->source) < 0 || gen_rings(g, &d->built) < 0 || gen_pending(g, &d->pending) < 0 ||
	    jw_str(g, "config") || json_gen_tree(g, cfg) < 0 ||
	    yajl_gen_map_close(g) != yajl_gen_status_ok) {
		snprintf(err, errlen, "cannot write the journal record of %s", d->name);
		goto out;
	}
	const unsigned char *buf;
	size_t len;
	yajl_gen_get_buf(g, &buf, &len);
	rc = journal_write(m->journal, UUID_STR(d->uuid), (const char *)buf, len, err, errlen);
out:
	if (cfg)
		yajl_tree_free(cfg);
	if (g)
		yajl_gen_free(g);
	return rc;
}

/* D's operation is KIND, at STEP, from now on, in its record too: a failed
 * write is logged, the record then says an earlier step of it or nothing. */
void dm_pending_set(struct dm *m, struct dm_domain *d, enum dm_pending_kind kind, const char *step)
{
	char err[XCD_ERR_MAX];
	if (kind != d->pending.kind) {
		memset(&d->pending, 0, sizeof(d->pending));
		d->pending.kind = kind;
	}
	snprintf(d->pending.step, sizeof(d->pending.step), "%s", step);
	if (dm_record_save(m, d, err, sizeof(err)) < 0)
		log_warn("%s", err);
}

/* An xl.cfg text never begins with '{' (a setting begins with its key);
 * libxl's JSON always does: the source of a guest restored or received from
 * xl, which has no xl.cfg text, is that JSON. */
int dm_reparse(const struct dm_source *src, struct domcfg **out, char *err, size_t errlen)
{
	long bad;
	const char *t = src->text + strspn(src->text, " \t\r\n");
	if (*t != '{')
		return cfgload(src->file, src->text, strlen(src->text), src->overrides,
			       src->n_overrides, out, &bad, err, errlen);
	char why[XCD_ERR_MAX];
	int rc = src->n_overrides ? -EINVAL : 0;
	if (rc)
		snprintf(why, sizeof(why), "libxl's JSON takes no KEY=VALUE overrides");
	else
		rc = domcfg_from_libxl_json(src->text, strlen(src->text), out, why, sizeof(why));
	if (rc == 0 && (rc = domcfg_honoured(*out, why, sizeof(why))) < 0) {
		domcfg_free(*out);
		*out = NULL;
	}
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", src->file, why);
	return rc;
}

/* D's source parsed, once: what its restarts and a new xenstored use. One
 * that does not parse (a parser grown stricter) is kept with the reason. */
static int load_config(struct dm_domain *d)
{
	char err[XCD_ERR_MAX];
	struct domcfg *cfg = NULL;
	if (!d->source)
		return 0;
	if (dm_reparse(d->source, &cfg, err, sizeof(err)) < 0) {
		log_warn("journal: %s: its configuration text does not parse (%s): it cannot be "
			 "restarted", d->name, err);
		return (d->cfg_error = strdup(err)) ? 0 : -ENOMEM;
	}
	return (d->cfg = dm_cfg_hold(cfg)) ? 0 : -ENOMEM;
}

/* The journal's records, before reconciliation. */
int dm_record_load(const char *key, yajl_val tree, void *arg)
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
	/* The key is the uuid as xcdd writes it (lower case): one another
	 * program wrote, or renamed by hand, would not be found again. */
	uint8_t u[16];
	if (!name || !domid || !YAJL_IS_INTEGER(domid) || !uuid || !cfg ||
	    strcmp(uuid->u.string, key) != 0 || uuid_parse(key, u) < 0 ||
	    strcmp(UUID_STR(u), key) != 0) {
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
	memcpy(d->uuid, u, 16);
	d->domid = (uint32_t)YAJL_GET_INTEGER(domid);
	snprintf(d->state, sizeof(d->state), "%s", state ? state->u.string : "------");
	yajl_val start = yajl_tree_get(tree, p_start, yajl_t_number);
	/* Records older than start_time count from this load. */
	d->start_time = start && YAJL_IS_INTEGER(start) ? YAJL_GET_INTEGER(start) : time(NULL);
	if (load_soft(d, yajl_tree_get(tree, p_soft, yajl_t_array)) < 0)
		goto nomem;
	d->source = load_source(yajl_tree_get(tree, p_src, yajl_t_object));
	if (load_config(d) < 0)
		goto nomem;
	dm_read_on(d);
	d->shutdown_handled = YAJL_IS_TRUE(yajl_tree_get(tree, p_handled, yajl_t_any));
	load_rings(yajl_tree_get(tree, p_rings, yajl_t_object), &d->built);
	yajl_val op = yajl_tree_get(tree, p_op, yajl_t_object);
	if (op)
		load_pending(d, op);
	yajl_gen_free(g);
	if (dm_table_put(m, d) < 0) {
		dm_domain_free(d);
		return -ENOMEM;
	}
	return 0;
nomem:
	if (g)
		yajl_gen_free(g);
	dm_domain_free(d);
	return -ENOMEM;
}

void dm_record_problem(const char *name, const char *what, void *arg)
{
	log_warn("journal: %s: %s", name, what);
}
