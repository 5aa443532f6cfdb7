/* rpc_domain: xcdd's methods (domain.* and host.info), from parameters to answer. */
#include "../lib/log.h"
#include "../lib/errmsg.h"
#include "../lib/jsonw.h"
#include "../lib/uuid.h"
#include "cfgload.h"
#include "domcfg.h"
#include "rpc_internal.h"
#include "rpc_tune.h"
#include "xcdd.h"
#include "xlfmt.h"
#include <sys/utsname.h>
#include <time.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* The domain manager's error DE (of a call that returned RC) as a JSON-RPC
 * error in E; RC. An empty DE leaves E for rpc_dispatch to fill. */
int rpc_dm_error(const struct dm_error *de, int rc, struct jsonrpc_error *e)
{
	static const int codes[] = {
		[DM_OK] = XCDD_ERR_FAILED,	       [DM_ERR_FAILED] = XCDD_ERR_FAILED,
		[DM_ERR_NO_DOMAIN] = XCDD_ERR_NO_DOMAIN, [DM_ERR_EXISTS] = XCDD_ERR_EXISTS,
		[DM_ERR_CONFIG] = XCDD_ERR_CONFIG,     [DM_ERR_INVALID] = JSONRPC_INVALID_PARAMS,
		[DM_ERR_BUSY] = XCDD_ERR_FAILED,       [DM_ERR_STATE] = XCDD_ERR_FAILED,
		[DM_ERR_NOMEM] = XCDD_ERR_FAILED,
	};
	int code = de->code >= 0 && (size_t)de->code < sizeof(codes) / sizeof(*codes)
			   ? codes[de->code]
			   : XCDD_ERR_FAILED;
	if (de->message[0])
		jsonrpc_error_set(e, code, de->field, "%s", de->message);
	return rc;
}

/* Domain 0's start: the host's boot, from /proc/uptime as xl reads it. */
static long long host_boot_time(void)
{
	double up = 0;
	FILE *f = fopen("/proc/uptime", "r");
	if (f) {
		if (fscanf(f, "%lf", &up) != 1)
			up = 0;
		fclose(f);
	}
	return (long long)time(NULL) - (long long)up;
}

/* The members of one domain.list entry (the map is the caller's). */
static int gen_entry_members(yajl_gen g, const char *name, const struct hv_dominfo *i,
			     long long start_time)
{
	long long up = (long long)time(NULL) - start_time;
	char uuid[UUID_STR_LEN + 1], st[DM_STATE_LEN + 1], t[32];
	uuid_format(i->uuid, uuid);
	dm_state_string(i, st);
	snprintf(t, sizeof(t), "%.3f", (double)i->cpu_time_ns / 1e9);
	if (jw_kv_int(g, "domid", i->domid) || jw_kv_str(g, "name", name) || jw_kv_str(g, "uuid", uuid) ||
	    jw_kv_str(g, "state", st) || jw_kv_int(g, "vcpus", i->online_vcpus) ||
	    jw_kv_int(g, "max_vcpus", i->max_vcpus) || jw_kv_int(g, "memory_kb", (long long)i->mem_kb) ||
	    jw_kv_int(g, "max_memory_kb", (long long)i->max_mem_kb) ||
	    jw_kv_int(g, "target_kb", (long long)i->target_kb) ||
	    jw_kv_int(g, "uptime_s", up < 0 ? 0 : up) || jw_str(g, "cpu_time_s") ||
	    yajl_gen_number(g, t, strlen(t)) != yajl_gen_status_ok)
		return -EINVAL;
	return 0;
}

struct list_arg {
	struct xcdd *x;
	struct hv_dominfo *list;
	int n;
};

static int gen_list(yajl_gen g, void *arg)
{
	struct list_arg *a = arg;
	if (yajl_gen_array_open(g) != yajl_gen_status_ok)
		return -EINVAL;
	for (int k = 0; k < a->n; k++) {
		const struct hv_dominfo *i = &a->list[k];
		const char *name = NULL, *busy = NULL;
		long long start = 0;
		if (i->domid == 0) {
			name = "Domain-0";
			start = host_boot_time();
		} else {
			/* By uuid, not a search by domid per entry (quadratic in
			 * the number of guests). */
			struct dm_domain *d = dm_find_uuid(&a->x->dm, i->uuid);
			if (!d || d->domid != i->domid)
				continue; /* foreign: not ours to show */
			name = d->name;
			start = d->start_time;
			busy = dm_busy(d);
		}
		/* "job" only while one runs: a paused domain being created is
		 * told from one paused by hand. */
		if (yajl_gen_map_open(g) != yajl_gen_status_ok ||
		    gen_entry_members(g, name, i, start) || (busy && jw_kv_str(g, "job", busy)) ||
		    yajl_gen_map_close(g) != yajl_gen_status_ok)
			return -EINVAL;
	}
	return yajl_gen_array_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

struct info_arg {
	struct dm_domain *d;
};

static int gen_info(yajl_gen g, void *arg)
{
	struct info_arg *a = arg;
	char perr[XCD_ERR_MAX];
	yajl_val cfg = yajl_tree_parse(a->d->config_json, perr, sizeof(perr));
	int rc = -EINVAL;
	if (yajl_gen_map_open(g) == yajl_gen_status_ok &&
	    !gen_entry_members(g, a->d->name, &a->d->info, a->d->start_time) &&
	    !jw_str(g, "config") &&
	    !json_gen_tree(g, cfg) && yajl_gen_map_close(g) == yajl_gen_status_ok)
		rc = 0;
	if (cfg)
		yajl_tree_free(cfg);
	return rc;
}

struct created_arg {
	const struct dm_domain *d;
	const struct domcfg *cfg;
};

static int gen_warnings(yajl_gen g, const struct domcfg *cfg)
{
	if (jw_str(g, "warnings") || yajl_gen_array_open(g) != yajl_gen_status_ok)
		return -EINVAL;
	for (size_t i = 0; i < cfg->n_warnings; i++)
		if (jw_str(g, cfg->warnings[i]))
			return -EINVAL;
	return yajl_gen_array_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

static int gen_created(yajl_gen g, void *arg)
{
	struct created_arg *a = arg;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok || jw_kv_int(g, "domid", a->d->domid) ||
	    jw_kv_str(g, "name", a->d->name) || jw_kv_str(g, "uuid", UUID_STR(a->d->uuid)) ||
	    gen_warnings(g, a->cfg))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

static int gen_dry_run(yajl_gen g, void *arg)
{
	return domcfg_to_json(g, arg) == yajl_gen_status_ok ? 0 : -EINVAL;
}

static int gen_ok(yajl_gen g, void *arg)
{
	const struct dm_domain *d = arg;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok || jw_kv_int(g, "domid", d->domid) ||
	    jw_kv_str(g, "name", d->name) || jw_kv_str(g, "state", d->state))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

static int gen_gone(yajl_gen g, void *arg)
{
	const char *name = arg;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok || jw_kv_str(g, "name", name) ||
	    jw_kv_str(g, "state", "gone"))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

static int gen_host(yajl_gen g, void *arg)
{
	struct xcdd *x = arg;
	struct hv_hostinfo h;
	if (dm_host_info(&x->dm, &h) < 0)
		return -EIO;
	long long n = (long long)dm_count(&x->dm);
	char ver[32];
	snprintf(ver, sizeof(ver), "%u.%u", h.xen_major, h.xen_minor);
	struct utsname u;
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	if (yajl_gen_map_open(g) != yajl_gen_status_ok || jw_kv_str(g, "host", u.nodename) ||
	    jw_kv_str(g, "release", u.release) || jw_kv_str(g, "machine", u.machine) ||
	    jw_kv_int(g, "xen_major", h.xen_major) || jw_kv_int(g, "xen_minor", h.xen_minor) ||
	    jw_kv_str(g, "backend", h.backend) ||
	    jw_kv_str(g, "version", h.version) || jw_kv_str(g, "xen_version", ver) ||
	    jw_kv_int(g, "nr_cpus", h.nr_cpus) || jw_kv_int(g, "total_memory_kb", (long long)h.total_kb) ||
	    jw_kv_int(g, "free_memory_kb", (long long)h.free_kb) || jw_kv_int(g, "nr_domains", n) ||
	    jw_kv_str(g, "migration_listen", x->miglisten.fd >= 0 ? x->miglisten.bound : ""))
		return -EINVAL;
	/* The I/O picture xcdd keeps: no read of the host here. */
	if (x->io_info && (jw_str(g, "io") || x->io_info(x, g)))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

/* {domid} or {name}: exactly one, beside the members EXTRA (NULL-terminated,
 * at most 12; NULL: none). */
struct dm_domain *rpc_param_domain(struct xcdd *x, const struct jsonrpc_message *m,
					   const char *const *extra, struct jsonrpc_error *e)
{
	const char *names[15] = { "domid", "name" };
	for (size_t k = 0; extra && extra[k] && k < 12; k++)
		names[2 + k] = extra[k];
	const char *name = NULL;
	long long domid = -1;
	if (jsonrpc_params_only(m, names, e) < 0 ||
	    jsonrpc_param_string(m, "name", false, &name, e) < 0 ||
	    jsonrpc_param_int(m, "domid", false, 0, UINT32_MAX, &domid, e) < 0)
		return NULL;
	if (!name && domid < 0) {
		jsonrpc_error_set(e, JSONRPC_INVALID_PARAMS, "params.domid",
				  "params: give domid or name");
		return NULL;
	}
	struct dm_domain *d = dm_find(&x->dm, name, domid);
	if (!d) {
		if (name)
			jsonrpc_error_set(e, XCDD_ERR_NO_DOMAIN, "params.name",
					  "no domain named %s", name);
		else
			jsonrpc_error_set(e, XCDD_ERR_NO_DOMAIN, "params.domid",
					  "no domain with domid %lld%s", domid,
					  domid == 0 ? " managed by xcdd" : "");
	}
	return d;
}

static struct dm_domain *param_domain(struct xcdd *x, const struct jsonrpc_message *m,
				      struct jsonrpc_error *e)
{
	return rpc_param_domain(x, m, NULL, e);
}

/* Where a config error is: "params.config.KEY" when ERR ("FILE:L:C: KEY: ...")
 * names the key, else "params.config". */
static void config_field(const char *file, const char *err, char *field, size_t len)
{
	snprintf(field, len, "params.config");
	size_t n = strlen(file);
	if (strncmp(err, file, n) != 0 || err[n] != ':')
		return;
	const char *p = err + n + 1;
	for (int part = 0; part < 2; part++) {
		if (*p < '0' || *p > '9')
			return;
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p++ != ':')
			return;
	}
	if (*p++ != ' ')
		return;
	size_t k = strspn(p, "abcdefghijklmnopqrstuvwxyz_0123456789");
	if (k > 0 && p[k] == ':' && p[k + 1] == ' ')
		snprintf(field, len, "params.config.%.*s", (int)k, p);
}

int rpc_parse_config(const struct jsonrpc_message *m, const char *file_key, struct domcfg **out,
		     struct jsonrpc_error *e)
{
	const char *config = NULL, *file = "config";
	if (jsonrpc_param_string(m, "config", true, &config, e) < 0 ||
	    jsonrpc_param_string(m, file_key, false, &file, e) < 0)
		return -EINVAL;
	const char *p_ov[] = { "overrides", NULL };
	yajl_val ov = yajl_tree_get(m->params, p_ov, yajl_t_any);
	if (ov && !YAJL_IS_NULL(ov) && !YAJL_IS_ARRAY(ov)) {
		jsonrpc_error_set(e, JSONRPC_INVALID_PARAMS, "params.overrides",
				  "params.overrides: expected an array of strings");
		return -EINVAL;
	}
	size_t n = ov && YAJL_IS_ARRAY(ov) ? ov->u.array.len : 0;
	char **args = calloc(n + 1, sizeof(*args));
	if (!args) {
		jsonrpc_error_set(e, JSONRPC_INTERNAL_ERROR, NULL, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		yajl_val s = ov->u.array.values[i];
		if (!YAJL_IS_STRING(s)) {
			char field[64];
			snprintf(field, sizeof(field), "params.overrides[%zu]", i);
			jsonrpc_error_set(e, JSONRPC_INVALID_PARAMS, field, "%s: expected a string",
					  field);
			free(args);
			return -EINVAL;
		}
		args[i] = YAJL_GET_STRING(s);
	}
	char err[XCD_ERR_MAX] = "", field[64];
	long bad;
	int rc = cfgload(file, config, strlen(config), args, n, out, &bad, err, sizeof(err));
	free(args);
	if (rc < 0) {
		if (bad >= 0)
			snprintf(field, sizeof(field), "params.overrides[%ld]", bad);
		else
			config_field(file, err, field, sizeof(field));
		jsonrpc_error_set(e, XCDD_ERR_CONFIG, field, "%s", err);
	}
	return rc;
}

struct rpc_pending *rpc_pending_new(struct xcdd *x, struct client *c,
				       const struct jsonrpc_message *m)
{
	struct rpc_pending *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->x = x;
	p->client = c;
	p->id.type = m->id.type;
	if (m->id.text && !(p->id.text = strdup(m->id.text))) {
		free(p);
		return NULL;
	}
	snprintf(p->method, sizeof(p->method), "%s", m->method);
	return p;
}

void rpc_pending_free(struct rpc_pending *p)
{
	free(p->id.text);
	free(p->line);
	free(p);
}

/* The answer LINE (malloc'd; NULL: none could be made) is ready: to the
 * handler still running, or to the caller, or, the caller gone, to the log. */
static void pending_answer(struct rpc_pending *p, char *line, size_t len, int rc,
			   const char *what)
{
	if (!p->owed) {
		p->line = line;
		p->len = len;
		return;
	}
	for (struct rpc_pending **q = &p->x->pending; *q; q = &(*q)->next)
		if (*q == p) {
			*q = p->next;
			break;
		}
	if (!p->client)
		log_info("%s (its caller went away): %s", p->method,
			 rc < 0 ? what : "done");
	else if (line && p->x->send_to)
		p->x->send_to(p->x, p->client, line, len);
	else
		log_err("%s: the answer could not be made: out of memory", p->method);
	free(line);
	rpc_pending_free(p);
}

void rpc_pending_result(struct rpc_pending *p, jsonrpc_value_fn *fn, void *arg)
{
	char *line = NULL;
	size_t len = 0;
	if (jsonrpc_gen_result(&p->id, fn, arg, &line, &len) < 0) {
		free(line);
		line = NULL;
	}
	pending_answer(p, line, len, 0, "done");
}

void rpc_pending_error(struct rpc_pending *p, const struct jsonrpc_error *e)
{
	char *line = NULL;
	size_t len = 0;
	if (jsonrpc_gen_error(&p->id, e, &line, &len) < 0) {
		free(line);
		line = NULL;
	}
	pending_answer(p, line, len, -1, e->message);
}

void rpc_pending_dm(struct rpc_pending *p, int rc, const struct dm_error *de,
		    jsonrpc_value_fn *fn, void *arg)
{
	if (rc == 0) {
		rpc_pending_result(p, fn, arg);
		return;
	}
	struct jsonrpc_error e = { 0 };
	rpc_dm_error(de, rc, &e);
	rpc_pending_error(p, &e);
}

/* After the work started: the answer if it is ready (*OUT), else owed. */
int rpc_pending_take(struct rpc_pending *p, char **out, size_t *outlen)
{
	if (p->line) {
		*out = p->line;
		*outlen = p->len;
		p->line = NULL;
		rpc_pending_free(p);
		return 0;
	}
	*out = NULL;
	p->owed = true;
	p->next = p->x->pending;
	p->x->pending = p;
	return 0;
}

void rpc_client_gone(struct xcdd *x, struct client *c)
{
	rpc_migrate_client_gone(x, c);
	for (struct rpc_pending *p = x->pending; p; p = p->next)
		if (p->client == c)
			p->client = NULL;
	rpc_tune_client_gone(x, c);
}

static const char *const create_params[] = { "config", "file", "overrides", "paused",
					     "dry_run", NULL };


/* A create whose answer waits for the devices. */
struct create_wait {
	struct rpc_pending *p;
	struct domcfg *cfg; /* for the answer's warnings: the domain's, once made */
};

static void create_done(struct dm *dm, int rc, struct dm_domain *d,
			const struct dm_error *de, void *arg)
{
	struct create_wait *w = arg;
	if (rc == 0) {
		struct created_arg a = { d, w->cfg };
		rpc_pending_result(w->p, gen_created, &a);
	} else {
		struct jsonrpc_error e = { 0 };
		rpc_dm_error(de, rc, &e);
		rpc_pending_error(w->p, &e);
	}
	free(w); /* w->cfg went to the domain manager */
}

static int m_create(struct xcdd *x, struct client *c, const struct jsonrpc_message *m, char **out,
		    size_t *outlen, struct jsonrpc_error *e)
{
	bool paused = false, dry_run = false;
	if (jsonrpc_params_only(m, create_params, e) < 0 ||
	    jsonrpc_param_bool(m, "paused", false, &paused, e) < 0 ||
	    jsonrpc_param_bool(m, "dry_run", false, &dry_run, e) < 0)
		return -EINVAL;
	struct domcfg *cfg = NULL;
	int rc = rpc_parse_config(m, "file", &cfg, e);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < cfg->n_warnings; i++)
		log_info("%s", cfg->warnings[i]);
	if (dry_run) {
		rc = jsonrpc_gen_result(&m->id, gen_dry_run, cfg, out, outlen);
	} else {
		/* The text and overrides, journaled to make the domain again on restart. */
		struct dm_source src = { NULL, NULL, NULL, 0 };
		const char *p_ov[] = { "overrides", NULL };
		yajl_val ov = yajl_tree_get(m->params, p_ov, yajl_t_array);
		jsonrpc_param_string(m, "config", true, (const char **)&src.text, e);
		src.file = "config";
		jsonrpc_param_string(m, "file", false, (const char **)&src.file, e);
		/* rpc_parse_config took them: every one is a string. */
		src.overrides = calloc(ov ? ov->u.array.len + 1 : 1, sizeof(char *));
		for (size_t i = 0; src.overrides && ov && i < ov->u.array.len; i++)
			src.overrides[src.n_overrides++] = YAJL_GET_STRING(ov->u.array.values[i]);
		struct create_wait *w = calloc(1, sizeof(*w));
		struct rpc_pending *p = w ? rpc_pending_new(x, c, m) : NULL;
		rc = src.overrides && p ? 0 : -ENOMEM;
		bool taken = rc == 0; /* dm_create takes cfg */
		if (rc == 0) {
			w->p = p;
			w->cfg = cfg;
			struct dm_error de = { 0 };
			rc = dm_create(&x->dm, cfg, &src, paused, create_done, w, &de);
			rpc_dm_error(&de, rc, e);
		}
		free(src.overrides);
		if (rc == 0)
			return rpc_pending_take(p, out, outlen);
		if (p)
			rpc_pending_free(p);
		free(w);
		if (taken)
			return rc;
	}
	domcfg_free(cfg);
	return rc;
}

static int m_list(struct xcdd *x, struct client *c, const struct jsonrpc_message *m, char **out,
		  size_t *outlen, struct jsonrpc_error *e)
{
	static const char *const none[] = { NULL };
	if (m->params && jsonrpc_params_only(m, none, e) < 0)
		return -EINVAL;
	struct list_arg a = { x, NULL, 0 };
	a.n = dm_list(&x->dm, &a.list);
	int rc = a.n;
	if (a.n < 0)
		jsonrpc_error_set(e, XCDD_ERR_FAILED, NULL, "cannot list domains: %s",
				  dm_hv_message(&x->dm));
	else
		rc = jsonrpc_gen_result(&m->id, gen_list, &a, out, outlen);
	free(a.list);
	return rc;
}

static int m_info(struct xcdd *x, struct client *c, const struct jsonrpc_message *m, char **out,
		  size_t *outlen, struct jsonrpc_error *e)
{
	struct dm_domain *d = param_domain(x, m, e);
	if (!d)
		return -EINVAL;
	struct dm_error de = { 0 };
	int rc = dm_read_info(&x->dm, d, &de);
	if (rc < 0)
		return rpc_dm_error(&de, rc, e);
	struct info_arg a = { d };
	return jsonrpc_gen_result(&m->id, gen_info, &a, out, outlen);
}

static int m_pause(struct xcdd *x, struct client *c, const struct jsonrpc_message *m, char **out,
		   size_t *outlen, struct jsonrpc_error *e)
{
	struct dm_error de = { 0 };
	struct dm_domain *d = param_domain(x, m, e);
	if (!d || rpc_dm_error(&de, dm_pause(&x->dm, d, &de), e) < 0)
		return -EINVAL;
	return jsonrpc_gen_result(&m->id, gen_ok, d, out, outlen);
}

static int m_unpause(struct xcdd *x, struct client *c, const struct jsonrpc_message *m, char **out,
		     size_t *outlen, struct jsonrpc_error *e)
{
	struct dm_error de = { 0 };
	struct dm_domain *d = param_domain(x, m, e);
	if (!d || rpc_dm_error(&de, dm_unpause(&x->dm, d, &de), e) < 0)
		return -EINVAL;
	return jsonrpc_gen_result(&m->id, gen_ok, d, out, outlen);
}

/* A destroy whose answer waits for the devices' remove scripts. */
struct destroy_wait {
	struct rpc_pending *p;
	char *name;
};

static void destroy_done(struct dm *dm, int rc, struct dm_domain *d,
			 const struct dm_error *de, void *arg)
{
	struct destroy_wait *w = arg;
	struct jsonrpc_error e = { 0 };
	if (rc == 0) {
		rpc_pending_result(w->p, gen_gone, w->name);
	} else {
		rpc_dm_error(de, rc, &e);
		rpc_pending_error(w->p, &e);
	}
	free(w->name);
	free(w);
}

static int m_destroy(struct xcdd *x, struct client *c, const struct jsonrpc_message *m, char **out,
		     size_t *outlen, struct jsonrpc_error *e)
{
	struct dm_domain *d = param_domain(x, m, e);
	if (!d)
		return -EINVAL;
	struct destroy_wait *w = calloc(1, sizeof(*w));
	struct rpc_pending *p = w ? rpc_pending_new(x, c, m) : NULL;
	if (!p || !(w->name = strdup(d->name))) {
		if (p)
			rpc_pending_free(p);
		free(w);
		return -ENOMEM;
	}
	w->p = p;
	struct dm_error de = { 0 };
	int rc = rpc_dm_error(&de, dm_destroy(&x->dm, d, destroy_done, w, &de), e);
	if (rc == 0)
		return rpc_pending_take(p, out, outlen);
	rpc_pending_free(p);
	free(w->name);
	free(w);
	return rc;
}

static int set_memory(struct xcdd *x, const struct jsonrpc_message *m, bool max, char **out,
		      size_t *outlen, struct jsonrpc_error *e)
{
	struct dm_error de = { 0 };
	static const char *const extra[] = { "memory_kb", NULL };
	long long kb = 0;
	struct dm_domain *d = rpc_param_domain(x, m, extra, e);
	if (!d || jsonrpc_param_int(m, "memory_kb", true, 0, INT64_MAX, &kb, e) < 0 ||
	    rpc_dm_error(&de, dm_set_memory(&x->dm, d, max, (uint64_t)kb, &de), e) < 0)
		return -EINVAL;
	return jsonrpc_gen_result(&m->id, gen_ok, d, out, outlen);
}

static int m_mem_set(struct xcdd *x, struct client *c, const struct jsonrpc_message *m, char **out,
		     size_t *outlen, struct jsonrpc_error *e)
{
	return set_memory(x, m, false, out, outlen, e);
}

static int m_mem_max(struct xcdd *x, struct client *c, const struct jsonrpc_message *m, char **out,
		     size_t *outlen, struct jsonrpc_error *e)
{
	return set_memory(x, m, true, out, outlen, e);
}

static int m_rename(struct xcdd *x, struct client *c, const struct jsonrpc_message *m, char **out,
		    size_t *outlen, struct jsonrpc_error *e)
{
	struct dm_error de = { 0 };
	static const char *const extra[] = { "new_name", NULL };
	const char *name = NULL;
	struct dm_domain *d = rpc_param_domain(x, m, extra, e);
	if (!d || jsonrpc_param_string(m, "new_name", true, &name, e) < 0 ||
	    rpc_dm_error(&de, dm_rename(&x->dm, d, name, &de), e) < 0)
		return -EINVAL;
	return jsonrpc_gen_result(&m->id, gen_ok, d, out, outlen);
}

static int host_cpus(struct xcdd *x, unsigned *nr_cpus, struct jsonrpc_error *e)
{
	struct hv_hostinfo h;
	if (dm_host_info(&x->dm, &h) < 0) {
		jsonrpc_error_set(e, XCDD_ERR_FAILED, NULL, "cannot read the host's information: %s",
				  dm_hv_message(&x->dm));
		return -EIO;
	}
	*nr_cpus = h.nr_cpus == 0 ? 1 : h.nr_cpus > DOMCFG_MAX_CPUS ? DOMCFG_MAX_CPUS : h.nr_cpus;
	return 0;
}

static int m_vcpu_pin(struct xcdd *x, struct client *c, const struct jsonrpc_message *m,
		      char **out, size_t *outlen, struct jsonrpc_error *e)
{
	struct dm_error de = { 0 };
	static const char *const extra[] = { "vcpu", "cpus", "cpus_soft", NULL };
	const char *hard = NULL, *soft = NULL;
	long long vcpu = -1;
	unsigned nr_cpus;
	struct dm_domain *d = rpc_param_domain(x, m, extra, e);
	if (!d || jsonrpc_param_int(m, "vcpu", false, 0, UINT32_MAX, &vcpu, e) < 0 ||
	    jsonrpc_param_string(m, "cpus", false, &hard, e) < 0 ||
	    jsonrpc_param_string(m, "cpus_soft", false, &soft, e) < 0)
		return -EINVAL;
	if (!hard && !soft) {
		jsonrpc_error_set(e, JSONRPC_INVALID_PARAMS, "params.cpus",
				  "params: give cpus, cpus_soft or both");
		return -EINVAL;
	}
	if (host_cpus(x, &nr_cpus, e) < 0 ||
	    rpc_dm_error(&de, dm_vcpu_pin(&x->dm, d, vcpu, hard, soft, nr_cpus, &de), e) < 0)
		return -EINVAL;
	return jsonrpc_gen_result(&m->id, gen_ok, d, out, outlen);
}

struct vcpu_arg {
	struct xcdd *x;
	struct dm_domain *only; /* NULL: every managed domain */
	unsigned nr_cpus;
	struct hv_dominfo *list;
	int n;
};

/* D's vCPUs, as many as I (its entry in the list just read) says. */
static int gen_vcpus_of(yajl_gen g, struct vcpu_arg *a, const struct dm_domain *d,
			const struct hv_dominfo *i)
{
	uint8_t map[DOMCFG_MAX_CPUS / 8];
	char hard[1024], soft[1024], t[32];
	size_t len = (a->nr_cpus + 7) / 8;
	for (uint32_t v = 0; v < i->max_vcpus; v++) {
		struct hv_vcpuinfo vi;
		memset(map, 0, sizeof(map));
		if (dm_vcpu_info(&a->x->dm, d, v, &vi, map, len) < 0)
			return -EIO;
		xlfmt_cpumap(map, a->nr_cpus, hard, sizeof(hard));
		dm_soft_affinity(d, v, map, len);
		xlfmt_cpumap(map, a->nr_cpus, soft, sizeof(soft));
		snprintf(t, sizeof(t), "%.3f", (double)vi.cpu_time_ns / 1e9);
		if (yajl_gen_map_open(g) != yajl_gen_status_ok || jw_kv_str(g, "name", d->name) ||
		    jw_kv_int(g, "domid", d->domid) || jw_kv_int(g, "vcpu", v) ||
		    jw_kv_int(g, "cpu", vi.cpu) || jw_str(g, "online") ||
		    yajl_gen_bool(g, vi.online) != yajl_gen_status_ok || jw_str(g, "running") ||
		    yajl_gen_bool(g, vi.running) != yajl_gen_status_ok || jw_str(g, "blocked") ||
		    yajl_gen_bool(g, vi.blocked) != yajl_gen_status_ok || jw_str(g, "cpu_time_s") ||
		    yajl_gen_number(g, t, strlen(t)) != yajl_gen_status_ok ||
		    jw_kv_str(g, "hard_affinity", hard) || jw_kv_str(g, "soft_affinity", soft) ||
		    yajl_gen_map_close(g) != yajl_gen_status_ok)
			return -EINVAL;
	}
	return 0;
}

static int gen_vcpu_list(yajl_gen g, void *arg)
{
	struct vcpu_arg *a = arg;
	if (yajl_gen_array_open(g) != yajl_gen_status_ok)
		return -EINVAL;
	/* In the hypervisor's order (by domid), as xl; domain 0 is not xcdd's. */
	for (int k = 0; k < a->n; k++) {
		struct dm_domain *d = dm_find(&a->x->dm, NULL, a->list[k].domid);
		if (!d || memcmp(d->uuid, a->list[k].uuid, 16) != 0 || (a->only && a->only != d))
			continue;
		int rc = gen_vcpus_of(g, a, d, &a->list[k]);
		if (rc < 0)
			return rc;
	}
	return yajl_gen_array_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

static int m_vcpu_list(struct xcdd *x, struct client *c, const struct jsonrpc_message *m,
		       char **out, size_t *outlen, struct jsonrpc_error *e)
{
	struct vcpu_arg a = { x, NULL, 0, NULL, 0 };
	if (m->params && m->params->u.object.len > 0 && !(a.only = param_domain(x, m, e)))
		return -EINVAL;
	if (host_cpus(x, &a.nr_cpus, e) < 0)
		return -EIO;
	a.n = dm_list(&x->dm, &a.list);
	int rc = a.n;
	if (a.n >= 0)
		rc = jsonrpc_gen_result(&m->id, gen_vcpu_list, &a, out, outlen);
	if (rc < 0 && rc != -ENOMEM)
		jsonrpc_error_set(e, XCDD_ERR_FAILED, NULL, "cannot read the vCPUs: %s",
				  dm_hv_message(&x->dm));
	free(a.list);
	return rc;
}

struct shutdown_arg {
	const struct dm_domain *d;
	const char *how;
};

static int gen_shutdown(yajl_gen g, void *arg)
{
	struct shutdown_arg *a = arg;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok || jw_kv_int(g, "domid", a->d->domid) ||
	    jw_kv_str(g, "name", a->d->name) || jw_kv_str(g, "how", a->how))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

/* {domid|name, reboot?, force?}: a request to the guest, or with force the
 * hypervisor's shutdown when the guest has no PV control. */
static int m_shutdown(struct xcdd *x, struct client *c, const struct jsonrpc_message *m,
		      char **out, size_t *outlen, struct jsonrpc_error *e)
{
	struct dm_error de = { 0 };
	static const char *const extra[] = { "reboot", "force", NULL };
	bool reboot = false, force = false;
	struct dm_domain *d = rpc_param_domain(x, m, extra, e);
	if (!d || jsonrpc_param_bool(m, "reboot", false, &reboot, e) < 0 ||
	    jsonrpc_param_bool(m, "force", false, &force, e) < 0)
		return -EINVAL;
	struct shutdown_arg a = { d, NULL };
	int rc = rpc_dm_error(&de, dm_shutdown(&x->dm, d, reboot, force, &a.how, &de), e);
	if (rc < 0)
		return rc;
	return jsonrpc_gen_result(&m->id, gen_shutdown, &a, out, outlen);
}

static int m_vcpu_set(struct xcdd *x, struct client *c, const struct jsonrpc_message *m,
		      char **out, size_t *outlen, struct jsonrpc_error *e)
{
	struct dm_error de = { 0 };
	static const char *const extra[] = { "vcpus", NULL };
	long long n = 0;
	struct dm_domain *d = rpc_param_domain(x, m, extra, e);
	if (!d || jsonrpc_param_int(m, "vcpus", true, 0, UINT32_MAX, &n, e) < 0 ||
	    rpc_dm_error(&de, dm_vcpu_set(&x->dm, d, n, &de), e) < 0)
		return -EINVAL;
	return jsonrpc_gen_result(&m->id, gen_ok, d, out, outlen);
}

static int m_host(struct xcdd *x, struct client *c, const struct jsonrpc_message *m, char **out,
		  size_t *outlen, struct jsonrpc_error *e)
{
	int rc = jsonrpc_gen_result(&m->id, gen_host, x, out, outlen);
	if (rc == -EINVAL)
		jsonrpc_error_set(e, XCDD_ERR_FAILED, NULL, "cannot read the host's information: %s",
				  dm_hv_message(&x->dm));
	return rc;
}

static const struct method {
	const char *name;
	rpc_fn *fn;
	bool changes; /* refused to read-only callers */
	bool store;   /* writes to xenstore: refused while it is unavailable */
	/* A parameter only full access may give (read-only callers get the
	 * method without it): tune.verify's measure loads the storage. */
	const char *root_param;
} methods[] = {
	{ "domain.create", m_create, true, true, NULL },
	{ "domain.list", m_list, false, false, NULL },
	{ "domain.info", m_info, false, false, NULL },
	{ "domain.pause", m_pause, true, false, NULL },
	{ "domain.unpause", m_unpause, true, false, NULL },
	{ "domain.destroy", m_destroy, true, true, NULL },
	{ "domain.mem_set", m_mem_set, true, true, NULL },
	{ "domain.mem_max", m_mem_max, true, true, NULL },
	{ "domain.rename", m_rename, true, true, NULL },
	{ "domain.vcpu_pin", m_vcpu_pin, true, false, NULL },
	{ "domain.vcpu_list", m_vcpu_list, false, false, NULL },
	{ "host.info", m_host, false, false, NULL },
	{ "domain.shutdown", m_shutdown, true, true, NULL },
	{ "domain.vcpu_set", m_vcpu_set, true, true, NULL },
	{ "domain.save", rpc_m_save, true, true, NULL },
	{ "domain.restore", rpc_m_restore, true, true, NULL },
	{ "domain.migrate", rpc_m_migrate, true, true, NULL },
	{ "domain.migrate_receive", rpc_m_migrate_receive, true, true, NULL },
	{ "domain.migrate_abort", rpc_m_migrate_abort, true, true, NULL },
	{ "domain.migrate_outcome", rpc_m_migrate_outcome, true, false, NULL },
	{ "tune.show", m_tune_show, false, false, NULL },
	{ "tune.plan", m_tune_plan, false, false, NULL },
	{ "tune.verify", m_tune_verify, false, false, "measure" },
	{ "tune.apply", m_tune_apply, true, false, NULL },
	{ "tune.revert", m_tune_revert, true, false, NULL },
	{ "tune.confirm", m_tune_confirm, true, false, NULL },
	{ "io.down", m_io_down, false, false, NULL },
};

int rpc_dispatch(struct xcdd *x, struct client *c, enum peercred_access access,
		 const struct jsonrpc_message *m, char **out, size_t *outlen)
{
	struct jsonrpc_error e = { 0 };
	const struct method *f = NULL;
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(methods[i].name, m->method) == 0)
			f = &methods[i];
	if (!f) {
		jsonrpc_error_set(&e, JSONRPC_METHOD_NOT_FOUND, "method", "no method %s",
				  m->method);
	} else if (f->changes && access != PEERCRED_FULL) {
		jsonrpc_error_set(&e, XCDD_ERR_ACCESS, "method",
				  "%s: read-only access (group %s); only root may change domains",
				  m->method, XCDD_GROUP);
	} else if (f->root_param && access != PEERCRED_FULL && m->params &&
		   YAJL_IS_OBJECT(m->params) &&
		   yajl_tree_get(m->params, (const char *[]){ f->root_param, NULL }, yajl_t_any)) {
		char field[64];
		snprintf(field, sizeof(field), "params.%s", f->root_param);
		jsonrpc_error_set(&e, XCDD_ERR_ACCESS, field,
				  "%s: %s: read-only access (group %s); only root may ask for it",
				  m->method, field, XCDD_GROUP);
	} else if (f->store && x->xs_down) {
		/* Refused rather than done half (entries missing from the new
		 * store) or left to hang on a dead connection. */
		jsonrpc_error_set(&e, XCDD_ERR_UNAVAILABLE, NULL,
				  "%s: xenstore is unavailable: reconnecting (try again shortly)",
				  m->method);
	} else if (m->params && !YAJL_IS_OBJECT(m->params)) {
		jsonrpc_error_set(&e, JSONRPC_INVALID_PARAMS, "params",
				  "params: expected an object");
	} else {
		*out = NULL;
		int rc = f->fn(x, c, m, out, outlen, &e);
		if (rc == 0)
			return 0;
		free(*out);
		*out = NULL;
		if (!e.message[0])
			jsonrpc_error_set(&e, rc == -ENOMEM ? JSONRPC_INTERNAL_ERROR : XCDD_ERR_FAILED,
					  NULL, "%s: %s", m->method, strerror(-rc));
	}
	return jsonrpc_gen_error(&m->id, &e, out, outlen);
}

int rpc_answer_line(struct xcdd *x, struct client *c, enum peercred_access access,
		    const char *line, size_t len, char **out, size_t *outlen)
{
	struct jsonrpc_message m;
	struct jsonrpc_error e = { 0 };
	*out = NULL;
	*outlen = 0;
	int rc = jsonrpc_request_parse(line, len, &m, &e);
	if (rc < 0)
		rc = jsonrpc_gen_error(&m.id, &e, out, outlen);
	else if (m.kind == JSONRPC_REQUEST)
		rc = rpc_dispatch(x, c, access, &m, out, outlen);
	else
		log_debug("notification %s ignored: xcdd answers requests only", m.method);
	jsonrpc_message_free(&m);
	return rc;
}
