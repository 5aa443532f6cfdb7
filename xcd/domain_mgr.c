/* domain_mgr: the managed domains, the hypervisor and the journal in step. */
#include "domain_mgr.h"
#include "../lib/log.h"
#include "journal.h"
#include "xcdd.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DM_MAX_DOMAINS 1024
/* libxl's default when no memory= is given. */
#define DM_DEFAULT_MEMKB (32 * 1024)

void dm_uuid_string(const uint8_t u[16], char out[37])
{
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
		 u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
		 u[14], u[15]);
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

static void dom_free(struct dm_domain *d)
{
	if (!d)
		return;
	free(d->name);
	free(d->config_json);
	free(d);
}

static int gen_str(yajl_gen g, const char *s)
{
	return yajl_gen_string(g, (const unsigned char *)s, strlen(s)) == yajl_gen_status_ok
		       ? 0
		       : -EINVAL;
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
	    gen_str(g, "state") || gen_str(g, d->state) || gen_str(g, "config") ||
	    json_gen_tree(g, cfg) < 0 || yajl_gen_map_close(g) != yajl_gen_status_ok) {
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

/* The journal's records, before reconciliation. */
static int load_record(const char *key, yajl_val tree, void *arg)
{
	struct dm *m = arg;
	const char *p_name[] = { "name", NULL }, *p_domid[] = { "domid", NULL },
		   *p_uuid[] = { "uuid", NULL }, *p_state[] = { "state", NULL },
		   *p_cfg[] = { "config", NULL };
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

static struct hv_dominfo *find_info(struct hv_dominfo *list, int n, uint32_t domid)
{
	for (int i = 0; i < n; i++)
		if (list[i].domid == domid)
			return &list[i];
	return NULL;
}

static int reconcile(struct dm *m, char *err, size_t errlen)
{
	struct hv_dominfo *list = calloc(DM_MAX_DOMAINS, sizeof(*list));
	if (!list)
		return -ENOMEM;
	int n = hv_domain_list(m->hv, list, DM_MAX_DOMAINS);
	if (n < 0) {
		snprintf(err, errlen, "cannot list the hypervisor's domains: %s", hv_error(m->hv));
		free(list);
		return n;
	}
	struct strmap_iter it;
	struct strmap_entry *e, *next;
	for (e = strmap_next(&m->by_uuid, &it, NULL); e; e = next) {
		next = strmap_next(&m->by_uuid, &it, e);
		struct dm_domain *d = e->val;
		struct hv_dominfo *i = find_info(list, n, d->domid);
		char u[37] = "";
		if (i)
			dm_uuid_string(i->uuid, u);
		if (i && strcmp(u, d->uuid) == 0) {
			d->info = *i;
			dm_state_string(i, d->state);
			log_info("re-attached domain %s (domid %u, state %s)", d->name, d->domid,
				 d->state);
			continue;
		}
		log_info("domain %s (domid %u, uuid %s) is gone; its journal record is removed",
			 d->name, d->domid, d->uuid);
		char jerr[256];
		if (journal_remove(m->journal, d->uuid, jerr, sizeof(jerr)) < 0 &&
		    jerr[0])
			log_warn("%s", jerr);
		strmap_remove(&m->by_uuid, d->uuid);
		dom_free(d);
	}
	for (int k = 0; k < n; k++) {
		if (list[k].domid == 0 || dm_find(m, NULL, list[k].domid))
			continue;
		char u[37];
		dm_uuid_string(list[k].uuid, u);
		log_info("domain %u (uuid %s) is not xcdd's (foreign): left alone", list[k].domid,
			 u);
	}
	free(list);
	return 0;
}

int dm_open(struct dm *m, struct hv *hv, const char *statedir, dm_state_fn *fn, void *arg,
	    char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	m->hv = hv;
	m->state_changed = fn;
	m->arg = arg;
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

void dm_close(struct dm *m)
{
	struct strmap_iter it;
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

static int hv_err(struct dm *m, struct jsonrpc_error *e, int rc, const char *what,
		  const char *name)
{
	jsonrpc_error_set(e, rc == -ESRCH ? XCDD_ERR_NO_DOMAIN : XCDD_ERR_FAILED, NULL,
			  "%s %s: %s", what, name, hv_error(m->hv));
	return rc;
}

/* Reads D's info after an operation, writes its record, notifies. */
static int refresh(struct dm *m, struct dm_domain *d, struct jsonrpc_error *e)
{
	int rc = hv_domain_getinfo(m->hv, d->domid, &d->info);
	if (rc < 0)
		return hv_err(m, e, rc, "cannot read the state of", d->name);
	dm_state_string(&d->info, d->state);
	char err[256];
	rc = dm_save(m, d, err, sizeof(err));
	if (rc < 0) {
		jsonrpc_error_set(e, XCDD_ERR_FAILED, NULL, "%s", err);
		return rc;
	}
	notify(m, d, d->state);
	return 0;
}

int dm_create(struct dm *m, const struct domcfg *cfg, bool paused, struct dm_domain **out,
	      struct jsonrpc_error *e)
{
	if (!cfg->name || !cfg->name[0]) {
		jsonrpc_error_set(e, XCDD_ERR_CONFIG, "name", "the configuration has no name=");
		return -EINVAL;
	}
	if (!cfg->kernel) {
		jsonrpc_error_set(e, XCDD_ERR_CONFIG, "kernel",
				  "%s: the configuration has no kernel=", cfg->name);
		return -EINVAL;
	}
	if (dm_find(m, cfg->name, 0)) {
		jsonrpc_error_set(e, XCDD_ERR_EXISTS, "name", "a domain named %s exists already",
				  cfg->name);
		return -EEXIST;
	}
	struct dm_domain *d = calloc(1, sizeof(*d));
	if (!d)
		goto nomem;
	dm_uuid_string(cfg->uuid, d->uuid);
	if (strmap_get(&m->by_uuid, d->uuid)) {
		jsonrpc_error_set(e, XCDD_ERR_EXISTS, "uuid", "a domain with uuid %s exists already",
				  d->uuid);
		free(d);
		return -EEXIST;
	}
	d->name = strdup(cfg->name);
	d->config_json = domcfg_to_json_string(cfg);
	if (!d->name || !d->config_json)
		goto nomem;
	struct hv_domain_config hc = { 0 };
	memcpy(hc.uuid, cfg->uuid, 16);
	hc.max_vcpus = cfg->max_vcpus > 0 ? cfg->max_vcpus : cfg->vcpus > 0 ? cfg->vcpus : 1;
	hc.max_mem_kb = cfg->max_memkb != DOMCFG_MEMKB_DEFAULT	  ? cfg->max_memkb
			: cfg->target_memkb != DOMCFG_MEMKB_DEFAULT ? cfg->target_memkb
								    : DM_DEFAULT_MEMKB;
	hc.type = cfg->type == DOMCFG_TYPE_PVH ? HV_DOM_PVH : HV_DOM_PV;
	int rc = hv_domain_create(m->hv, &hc, &d->domid);
	if (rc < 0) {
		hv_err(m, e, rc, "cannot create domain", d->name);
		dom_free(d);
		return rc;
	}
	/* Recorded from the start, so a daemon dying half way re-attaches it
	 * rather than leaving a foreign domain behind. */
	snprintf(d->state, sizeof(d->state), "--p---");
	char err[256];
	rc = dm_save(m, d, err, sizeof(err));
	if (rc < 0) {
		jsonrpc_error_set(e, XCDD_ERR_FAILED, NULL, "%s", err);
		goto undo;
	}
	if (strmap_put(&m->by_uuid, d->uuid, d, NULL) < 0) {
		rc = -ENOMEM;
		jsonrpc_error_set(e, XCDD_ERR_FAILED, NULL, "out of memory");
		goto undo_journal;
	}
	rc = hv_domain_build(m->hv, d->domid, cfg->kernel, cfg->cmdline);
	if (rc < 0) {
		hv_err(m, e, rc, "cannot build domain", d->name);
		goto undo_map;
	}
	if (!paused && (rc = hv_domain_unpause(m->hv, d->domid)) < 0) {
		hv_err(m, e, rc, "cannot unpause domain", d->name);
		goto undo_map;
	}
	rc = refresh(m, d, e);
	if (rc < 0)
		goto undo_map;
	log_info("created domain %s (domid %u, uuid %s)%s", d->name, d->domid, d->uuid,
		 paused ? ", paused" : "");
	*out = d;
	return 0;
undo_map:
	strmap_remove(&m->by_uuid, d->uuid);
undo_journal:
	journal_remove(m->journal, d->uuid, err, sizeof(err));
undo:
	hv_domain_destroy(m->hv, d->domid);
	dom_free(d);
	return rc;
nomem:
	dom_free(d);
	jsonrpc_error_set(e, XCDD_ERR_FAILED, NULL, "out of memory");
	return -ENOMEM;
}

int dm_pause(struct dm *m, struct dm_domain *d, struct jsonrpc_error *e)
{
	if (d->state[2] == 'p') {
		jsonrpc_error_set(e, XCDD_ERR_FAILED, NULL, "domain %s is paused already", d->name);
		return -EINVAL;
	}
	int rc = hv_domain_pause(m->hv, d->domid);
	if (rc < 0)
		return hv_err(m, e, rc, "cannot pause domain", d->name);
	log_info("paused domain %s (domid %u)", d->name, d->domid);
	return refresh(m, d, e);
}

int dm_unpause(struct dm *m, struct dm_domain *d, struct jsonrpc_error *e)
{
	int rc = hv_domain_unpause(m->hv, d->domid);
	if (rc == -EINVAL) {
		jsonrpc_error_set(e, XCDD_ERR_FAILED, NULL, "domain %s is not paused", d->name);
		return rc;
	}
	if (rc < 0)
		return hv_err(m, e, rc, "cannot unpause domain", d->name);
	log_info("unpaused domain %s (domid %u)", d->name, d->domid);
	return refresh(m, d, e);
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

int dm_destroy(struct dm *m, struct dm_domain *d, struct jsonrpc_error *e)
{
	int rc = hv_domain_destroy(m->hv, d->domid);
	if (rc < 0 && rc != -ESRCH)
		return hv_err(m, e, rc, "cannot destroy domain", d->name);
	log_info("destroyed domain %s (domid %u)", d->name, d->domid);
	forget(m, d);
	return 0;
}

void dm_poll(struct dm *m)
{
	static const size_t max = DM_MAX_DOMAINS;
	struct hv_dominfo *list = calloc(max, sizeof(*list));
	if (!list)
		return;
	int n = hv_domain_list(m->hv, list, max);
	if (n < 0) {
		/* Said once per outage, not once a second. */
		if (!m->poll_failing)
			log_err("cannot list domains: %s", hv_error(m->hv));
		m->poll_failing = true;
		free(list);
		return;
	}
	if (m->poll_failing)
		log_info("the hypervisor answers again");
	m->poll_failing = false;
	struct strmap_iter it;
	struct strmap_entry *e, *next;
	for (e = strmap_next(&m->by_uuid, &it, NULL); e; e = next) {
		next = strmap_next(&m->by_uuid, &it, e);
		struct dm_domain *d = e->val;
		struct hv_dominfo *i = find_info(list, n, d->domid);
		char u[37] = "";
		if (i)
			dm_uuid_string(i->uuid, u);
		if (!i || strcmp(u, d->uuid) != 0) {
			log_info("domain %s (domid %u) has gone", d->name, d->domid);
			forget(m, d);
			continue;
		}
		d->info = *i;
		char st[DM_STATE_LEN + 1];
		dm_state_string(i, st);
		bool changed = lifecycle_differs(st, d->state);
		memcpy(d->state, st, sizeof(st));
		if (!changed)
			continue;
		log_info("domain %s (domid %u) is now %s", d->name, d->domid, st);
		char err[256];
		if (dm_save(m, d, err, sizeof(err)) < 0)
			log_warn("%s", err);
		notify(m, d, st);
	}
	free(list);
}
